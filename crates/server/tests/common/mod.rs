//! A test application: the real router over a fresh embedded store (or the PostgreSQL
//! server named by `CANHGAC_TEST_DATABASE_URL`, for the tests that ask), a small province
//! with one user per role, and helpers to call the API and the UI as those users.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use canhgac_domain::entity::{EntityKind, Record};
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::work::WorkKind;
use canhgac_domain::{Role, Scope};
use canhgac_ops::monitor::MonitorConfig;
use canhgac_server::{router, AppState, ServerConfig};
use canhgac_store::{Actor, NewEvent, NewSignal, NewUser, NewWorkItem, Store};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

pub const PASSWORD: &str = "mat-khau-thu-nghiem";

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        canhgac_domain::time::now_ms() % 1_000_000
    )
}

/// The organisations of the test province: code, kind, parent code.
pub const ORGS: &[(&str, &str, Option<&str>)] = &[
    ("STTTT", "dic", None),
    ("SYT", "agency", Some("STTTT")),
    ("SYT-BV", "agency", Some("SYT")),
    ("TAMDUONG", "district", Some("STTTT")),
    ("VIETTEL", "telecom", Some("STTTT")),
];

/// One user per role: e-mail, role, organisation code.
pub const USERS: &[(&str, Role, Option<&str>)] = &[
    ("admin@t.vn", Role::DicAdmin, Some("STTTT")),
    ("operator@t.vn", Role::DicOperator, Some("STTTT")),
    ("syt-admin@t.vn", Role::OrgAdmin, Some("SYT")),
    ("td-staff@t.vn", Role::OrgStaff, Some("TAMDUONG")),
    ("vt-staff@t.vn", Role::TelecomStaff, Some("VIETTEL")),
    ("viewer@t.vn", Role::Viewer, None),
    ("td-viewer@t.vn", Role::Viewer, Some("TAMDUONG")),
];

/// A marker that appears in every record of an organisation, so a page or answer that
/// shows another organisation's data can be caught by text.
pub fn marker(code: &str) -> String {
    format!("mk{}x", code.replace('-', ""))
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub store: Store,
    pub orgs: HashMap<String, i64>,
    pub users: HashMap<String, i64>,
    /// The PostgreSQL database made for this app, dropped by [`TestApp::cleanup`].
    pub pg_database: Option<String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// Where a redirect leads (empty when it is not one).
    #[allow(dead_code)]
    pub fn location(&self) -> String {
        self.headers
            .get(axum::http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

fn rec(v: Value) -> Record {
    v.as_object().cloned().expect("object")
}

impl TestApp {
    /// A fresh app on SQLite.
    pub async fn new() -> TestApp {
        let dir = std::env::temp_dir().join(unique("canhgac_server_test"));
        TestApp::on(Store::open_sqlite(&dir).await.expect("sqlite")).await
    }

    /// A fresh app on a new PostgreSQL database, if the environment names a server.
    pub async fn new_postgres() -> Option<TestApp> {
        use sqlx::{ConnectOptions, Connection};
        use std::str::FromStr;
        let url = std::env::var("CANHGAC_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let base = sqlx::postgres::PgConnectOptions::from_str(&url).expect("valid URL");
        let mut admin = base
            .connect()
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {url}: {e}"));
        let name = unique("canhgac_s");
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("create db");
        admin.close().await.ok();
        let mut app = TestApp::on(
            Store::open_postgres_with(base.database(&name))
                .await
                .expect("open pg"),
        )
        .await;
        app.pg_database = Some(name);
        Some(app)
    }

    /// Drops the PostgreSQL database made for this app, if any.
    pub async fn cleanup(self) {
        use sqlx::ConnectOptions;
        use std::str::FromStr;
        let Some(name) = self.pg_database else { return };
        let url = std::env::var("CANHGAC_TEST_DATABASE_URL").unwrap_or_default();
        if let Ok(mut admin) = sqlx::postgres::PgConnectOptions::from_str(&url)
            .expect("url")
            .connect()
            .await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin)
                .await;
        }
    }

    pub async fn on(store: Store) -> TestApp {
        TestApp::with_monitor(
            store,
            MonitorConfig {
                // Compiling the 3,750 bundled SigmaHQ rules takes seconds in a debug build; tests
                // that need them turn them on.
                bundled_rules: false,
                ..MonitorConfig::default()
            },
        )
        .await
    }

    /// A fresh app with the given monitoring settings.
    pub async fn with_monitor(store: Store, monitor: MonitorConfig) -> TestApp {
        let cfg = ServerConfig {
            secure_cookies: false,
            monitor,
            ..ServerConfig::default()
        };
        TestApp::with_config(store, cfg).await
    }

    /// A fresh app on SQLite with the server's settings changed by `change`.
    #[allow(dead_code)]
    pub async fn configured(change: impl FnOnce(&mut ServerConfig)) -> TestApp {
        let dir = std::env::temp_dir().join(unique("canhgac_server_test"));
        let store = Store::open_sqlite(&dir).await.expect("sqlite");
        let mut cfg = ServerConfig {
            secure_cookies: false,
            monitor: MonitorConfig {
                bundled_rules: false,
                ..MonitorConfig::default()
            },
            ..ServerConfig::default()
        };
        change(&mut cfg);
        TestApp::with_config(store, cfg).await
    }

    /// A fresh app with the given settings.
    pub async fn with_config(store: Store, cfg: ServerConfig) -> TestApp {
        let state = AppState::new(store.clone(), cfg);
        let mut app = TestApp {
            state: state.clone(),
            router: router(state),
            store,
            orgs: HashMap::new(),
            users: HashMap::new(),
            pg_database: None,
        };
        app.seed().await;
        app.seed_monitoring().await;
        app
    }

    /// Stored events: one per organisation (with its marker), one of no known organisation.
    async fn seed_monitoring(&mut self) {
        let now = canhgac_domain::time::now_ms();
        let mut evs = Vec::new();
        for (code, _, _) in ORGS.iter().skip(1) {
            let m = marker(code);
            evs.push(NewEvent {
                received_at: now,
                at: now,
                org_id: Some(self.orgs[*code]),
                host_name: Some(format!("{m}-web01")),
                transport: "udp".into(),
                format: "syslog".into(),
                product: Some("linux".into()),
                service: Some("sshd".into()),
                message: format!(
                    "sshd[1]: Failed password for root from 203.0.113.9 port 1 ssh2 {m}"
                ),
                fields: json!({"host": format!("{m}-web01"), "user": "root", "marker": m})
                    .to_string(),
                ..Default::default()
            });
        }
        evs.push(NewEvent {
            received_at: now,
            at: now,
            transport: "udp".into(),
            message: format!("unattributed event {}", marker("NOBODY")),
            fields: "{}".into(),
            ..Default::default()
        });
        self.store.insert_events(evs).await.expect("events");
    }

    async fn seed(&mut self) {
        let s = &self.store;
        let all = Scope::All;
        let actor = Actor::system("test");
        for (code, kind, parent) in ORGS {
            let parent_id = parent.map(|p| self.orgs[p]);
            let r = s
                .create(EntityKind::Org, &all, &actor, &rec(json!({"code": code, "name": format!("Đơn vị {}", marker(code)), "kind": kind, "parent_id": parent_id})))
                .await
                .expect("org");
            self.orgs
                .insert(code.to_string(), r["id"].as_i64().expect("id"));
        }
        for (i, (code, _, _)) in ORGS.iter().enumerate().skip(1) {
            let org = self.orgs[*code];
            let m = marker(code);
            s.create(EntityKind::Network, &all, &actor, &rec(json!({"org_id": org, "cidr": format!("198.51.100.{}/28", i * 16), "description": m}))).await.expect("net");
            let sys = s
                .create(
                    EntityKind::System,
                    &all,
                    &actor,
                    &rec(json!({"org_id": org, "name": format!("Hệ thống {m}"), "level": 3})),
                )
                .await
                .expect("sys");
            let host = s
                .create(EntityKind::Host, &all, &actor, &rec(json!({"org_id": org, "hostname": format!("{m}-web01"), "kind": "server", "ips": format!("198.51.100.{}", i * 16 + 1), "system_id": sys["id"]})))
                .await
                .expect("host");
            s.create(EntityKind::Software, &all, &actor, &rec(json!({"org_id": org, "host_id": host["id"], "name": format!("{m}-openssh"), "version": "1:9.2p1-2", "scheme": "deb"}))).await.expect("sw");
            s.create(
                EntityKind::Person,
                &all,
                &actor,
                &rec(json!({"org_id": org, "full_name": format!("Cán bộ {m}")})),
            )
            .await
            .expect("person");
            s.create(
                EntityKind::Contact,
                &all,
                &actor,
                &rec(json!({"org_id": org, "name": format!("Đầu mối {m}"), "agency": "Cơ quan"})),
            )
            .await
            .expect("contact");
            let sig = NewSignal {
                kind: SignalKind::SigmaAlert,
                source: "test".into(),
                title: format!("Cảnh báo {m}"),
                severity: Severity::High,
                org_id: Some(org),
                host_id: host["id"].as_i64(),
                dedup_key: m.clone(),
                seen_at: canhgac_domain::time::now_ms(),
                window_ms: 60_000,
                payload: json!({}),
                host_name: host["hostname"].as_str().map(str::to_string),
                src_ip: None,
            };
            s.raise_signal(&sig).await.expect("signal");
            let w = NewWorkItem {
                kind: WorkKind::General,
                title: format!("Việc {m}"),
                org_id: org,
                host_id: None,
                signal_id: None,
                due_at: None,
                detail: Value::Null,
                subject: None,
            };
            s.create_work_item(&all, &actor, &w).await.expect("work");
        }
        // A Botnet IP list naming every fixture host, so every organisation has a finding,
        // a hunting task and a signal from it.
        let list: String = (1..ORGS.len())
            .map(|i| format!("198.51.100.{}\n", i * 16 + 1))
            .collect::<String>()
            + "203.0.113.250\n";
        let meta = canhgac_ops::botnet::ListMeta {
            name: None,
            source: "test".into(),
            kind: "botnet".into(),
            period: "10/2026".into(),
            version: "monthly".into(),
        };
        canhgac_ops::botnet::import_list(s, &actor, &meta, list.as_bytes(), None)
            .await
            .expect("botnet list");
        // An advisory naming every organisation's OpenSSH package: a patch task for each.
        let affected: Vec<serde_json::Value> = ORGS[1..]
            .iter()
            .map(|(code, _, _)| json!({"package": {"ecosystem": "Debian:12", "name": format!("{}-openssh", marker(code))},
                                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.2p1-3"}]}]}))
            .collect();
        let osv = json!({"id": "DSA-TEST-1", "summary": "OpenSSH", "aliases": ["CVE-2024-6387"], "affected": affected});
        canhgac_ops::patching::import_advisories(s, &actor, osv.to_string().as_bytes())
            .await
            .expect("advisory");
        // A Nuclei scan with a finding on every fixture host.
        let scan: String = (1..ORGS.len())
            .map(|i| format!("{{\"template-id\":\"CVE-2021-44228\",\"info\":{{\"name\":\"Log4Shell\",\"severity\":\"critical\",\"classification\":{{\"cve-id\":[\"CVE-2021-44228\"]}}}},\"host\":\"https://198.51.100.{}:8443\",\"ip\":\"198.51.100.{}\"}}\n", i * 16 + 1, i * 16 + 1))
            .collect();
        canhgac_ops::scans::import_scan(s, &all, &actor, scan.as_bytes())
            .await
            .map_err(|_| "scan")
            .expect("scan");
        let hash = canhgac_server::auth::hash_password(PASSWORD).expect("hash");
        for (email, role, org) in USERS {
            let u = s
                .create_user(
                    &all,
                    &actor,
                    &NewUser {
                        email: email.to_string(),
                        full_name: email.to_string(),
                        password_hash: hash.clone(),
                        role: *role,
                        org_id: org.map(|c| self.orgs[c]),
                    },
                )
                .await
                .expect("user");
            self.users.insert(email.to_string(), u.id);
        }
    }

    /// The organisations (codes) a user may see.
    pub async fn visible_codes(&self, email: &str) -> Vec<String> {
        let (_, role, org) = USERS.iter().find(|(e, _, _)| *e == email).expect("user");
        let tree = self.store.org_tree().await.expect("tree");
        let scope = Scope::for_user(*role, org.map(|c| self.orgs[c]), &tree);
        ORGS.iter()
            .map(|(c, _, _)| c.to_string())
            .filter(|c| scope.contains(self.orgs[c]))
            .collect()
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// Calls the API with a bearer token.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut b = Request::builder()
            .method(Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"))
            .uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.expect("request")).await
    }

    /// Sends raw bytes to the API.
    pub async fn api_bytes(&self, path: &str, token: &str, bytes: Vec<u8>) -> Reply {
        let req = Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(bytes))
            .expect("request");
        self.send(req).await
    }

    pub async fn token(&self, email: &str) -> String {
        let r = self
            .api(
                "post",
                "/api/v1/auth/token",
                None,
                Some(json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "token for {email}: {}", r.text);
        r.json()["token"].as_str().expect("token").to_string()
    }

    /// Logs in through the form; returns the session cookie and the CSRF token.
    pub async fn session(&self, email: &str) -> Browser<'_> {
        let body = format!(
            "email={}&password={}",
            urlencoding::encode(email),
            urlencoding::encode(PASSWORD)
        );
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("req");
        let r = self.send(req).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {email}: {}", r.text);
        let set = r
            .headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .expect("cookie")
            .to_string();
        let cookie = set.split(';').next().expect("cookie").to_string();
        let mut b = Browser {
            app: self,
            cookie,
            csrf: String::new(),
        };
        let home = b.get("/").await;
        let csrf = home
            .text
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("csrf field on the page")
            .to_string();
        b.csrf = csrf;
        b
    }
}

/// A logged-in browser session.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

impl Browser<'_> {
    pub async fn get(&self, path: &str) -> Reply {
        self.app
            .send(
                Request::get(path)
                    .header(header::COOKIE, &self.cookie)
                    .body(Body::empty())
                    .expect("req"),
            )
            .await
    }

    /// The first server-sent event of a stream (its raw text), within ten seconds.
    pub async fn first_event(&self, path: &str) -> String {
        let req = Request::get(path)
            .header(header::COOKIE, &self.cookie)
            .body(Body::empty())
            .expect("req");
        let resp = tower::ServiceExt::oneshot(self.app.router.clone(), req)
            .await
            .expect("infallible");
        assert_eq!(resp.status(), axum::http::StatusCode::OK, "{path}");
        let mut body = resp.into_body();
        let mut text = String::new();
        let read = async {
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.expect("frame").into_data() {
                    text.push_str(&String::from_utf8_lossy(&data));
                    if text.contains("\n\n") {
                        break;
                    }
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), read)
            .await
            .expect("an event within ten seconds");
        text
    }

    /// Posts a form, adding the CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut pairs: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
            .collect();
        pairs.push(format!("_csrf={}", urlencoding::encode(&self.csrf)));
        self.post_raw(path, pairs.join("&")).await
    }

    pub async fn post_raw(&self, path: &str, body: String) -> Reply {
        let req = Request::post(path)
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("req");
        self.app.send(req).await
    }

    /// Posts a multipart form of files `(field, file name, bytes)` with the CSRF token.
    pub async fn upload(&self, path: &str, files: &[(&str, &str, &[u8])]) -> Reply {
        self.upload_fields(path, &[], files).await
    }

    /// A multipart form with text fields and files, as a browser sends it.
    pub async fn upload_fields(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Reply {
        let boundary = "canhgacBOUNDARY";
        let mut body = Vec::new();
        for (field, value) in fields {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        for (field, name, bytes) in files {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::post(format!("{path}?_csrf={}", urlencoding::encode(&self.csrf)))
            .header(header::COOKIE, &self.cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("req");
        self.app.send(req).await
    }

    /// Uploads a file to `/import` as the form does.
    pub async fn import(&self, entity: &str, file_name: &str, bytes: &[u8]) -> Reply {
        let boundary = "canhgacBOUNDARY";
        let mut body = Vec::new();
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"entity\"\r\n\r\n{entity}\r\n").as_bytes());
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(format!("/import?_csrf={}", urlencoding::encode(&self.csrf)))
            .header(header::COOKIE, &self.cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("req");
        self.app.send(req).await
    }
}
