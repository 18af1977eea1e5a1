//! Centralised monitoring end to end: events in over HTTP, syslog (UDP, TCP, TLS, from
//! util-linux `logger` and syslog-ng) and files (EVTX); Sigma rules uploaded, limited and turned
//! off; alerts raised, de-duplicated, routed, commented, assigned, streamed; events searched;
//! retention by age and size.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use axum::http::StatusCode;
use canhgac_ops::monitor::{MonitorConfig, TlsListen};
use canhgac_store::{EventFilter, Store};
use common::{marker, unique, TestApp};
use serde_json::{json, Value};

const RULE: &str = "title: Root login over SSH\nid: 7e57a1e7-0000-4000-8000-000000000001\nlevel: high\n\
logsource: {product: linux, service: auth}\ndetection:\n  sel:\n    user: root\n    outcome: success\n  condition: sel\n";

const JSON_RULE: &str =
    "title: Test marker seen\nid: 7e57a1e7-0000-4000-8000-000000000002\nlevel: medium\n\
logsource: {definition: 'JSON events of this test'}\ndetection:\n  sel:\n    action|contains: 'evil'\n  condition: sel\n";

async fn upload_rule(app: &TestApp, token: &str, yaml: &str, query: &str) -> common::Reply {
    app.api_bytes(
        &format!("/api/v1/rules?filename=r.yml{query}"),
        token,
        yaml.as_bytes().to_vec(),
    )
    .await
}

async fn wait_events(store: &Store, q: &str, n: i64) -> Vec<canhgac_store::EventRow> {
    for _ in 0..100 {
        let (rows, total) = store
            .search_events(
                &canhgac_domain::Scope::All,
                &EventFilter {
                    q: Some(q.to_string()),
                    limit: Some(100),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if total >= n {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} events matching '{q}' arrived");
}

#[tokio::test]
async fn http_ingest_detects_stores_routes_and_deduplicates() {
    let app = TestApp::new().await;
    let admin = app.token("admin@t.vn").await;
    let r = upload_rule(&app, &admin, JSON_RULE, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["rules"]["detection"], json!(1));

    let syt = app.token("syt-admin@t.vn").await;
    let host = format!("{}-web01", marker("SYT"));
    let body = format!(
        "{{\"host\":\"{host}\",\"action\":\"very evil thing\",\"@timestamp\":\"2026-11-25T01:00:00Z\"}}\n\
         {{\"host\":\"{host}\",\"action\":\"EVIL again\"}}\n\
         not json at all\n\
         {{\"host\":\"{host}\",\"action\":\"fine\"}}\n"
    );
    let r = app
        .api_bytes("/api/v1/ingest", &syt, body.into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"stored": 4, "malformed": 1, "detections": 2, "queued": 0})
    );

    // One alert for the rule on that host, counted twice, belonging to SYT.
    let alerts = app
        .api(
            "get",
            "/api/v1/signals?kind=sigma_alert&limit=100",
            Some(&syt),
            None,
        )
        .await
        .json();
    let ours: Vec<&Value> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["source"] == "7e57a1e7-0000-4000-8000-000000000002")
        .collect();
    assert_eq!(ours.len(), 1, "{alerts}");
    let a = ours[0];
    assert_eq!(a["count"], json!(2));
    assert_eq!(a["org_code"], json!("SYT"));
    assert_eq!(a["severity"], json!("medium"));
    let payload = &a["payload"];
    assert!(payload.is_object(), "the payload is a JSON object");
    assert_eq!(payload["rule_title"], "Test marker seen");
    assert_eq!(payload["excerpt"]["action"], "very evil thing");
    let id = a["id"].as_i64().unwrap();

    // Another organisation does not see it; the DIC does.
    let td = app.token("td-staff@t.vn").await;
    let r = app
        .api("get", &format!("/api/v1/signals/{id}"), Some(&td), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Notes, assignment (only to someone who can see it), lifecycle.
    let r = app
        .api(
            "post",
            &format!("/api/v1/signals/{id}/notes"),
            Some(&syt),
            Some(json!({"note": "Đã kiểm tra máy chủ"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let notes = app
        .api(
            "get",
            &format!("/api/v1/signals/{id}/notes"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(notes["items"][0]["note"], "Đã kiểm tra máy chủ");
    let r = app
        .api(
            "post",
            &format!("/api/v1/signals/{id}/assign"),
            Some(&admin),
            Some(json!({"user": "td-staff@t.vn"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "TAMDUONG cannot see a SYT alert: {}",
        r.text
    );
    let r = app
        .api(
            "post",
            &format!("/api/v1/signals/{id}/assign"),
            Some(&syt),
            Some(json!({"user": "syt-admin@t.vn"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["assignee_id"], json!(app.users["syt-admin@t.vn"]));
    for state in ["acknowledged", "in_progress", "resolved"] {
        let r = app
            .api(
                "post",
                &format!("/api/v1/signals/{id}/transition"),
                Some(&syt),
                Some(json!({"state": state})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{state}: {}", r.text);
    }

    // Events: stored, searchable by field, text, host; the malformed line kept and flagged.
    let r = app
        .api(
            "get",
            "/api/v1/events?field=action%3Dfine",
            Some(&syt),
            None,
        )
        .await
        .json();
    assert_eq!(r["total"], json!(1), "{r}");
    let r = app
        .api("get", "/api/v1/events?q=EVIL", Some(&syt), None)
        .await
        .json();
    assert_eq!(r["total"], json!(2), "{r}");
    let r = app
        .api("get", "/api/v1/events?malformed=1", Some(&syt), None)
        .await
        .json();
    assert_eq!(r["total"], json!(1));
    assert_eq!(r["items"][0]["message"], "not json at all");
    assert!(r["items"][0]["malformed"]
        .as_str()
        .unwrap()
        .contains("not a JSON object"));
    let r = app
        .api(
            "get",
            "/api/v1/events?from=25/11/2026&to=2026-11-25T09:00&host=web01",
            Some(&syt),
            None,
        )
        .await
        .json();
    assert!(r["total"].as_i64().unwrap() >= 1, "{r}");
    let r = app
        .api("get", "/api/v1/events?q=EVIL", Some(&td), None)
        .await
        .json();
    assert_eq!(r["total"], json!(0));

    // Counters.
    let m = app
        .api("get", "/api/v1/monitor", Some(&admin), None)
        .await
        .json();
    assert!(m["counters"]["stored"].as_u64().unwrap() >= 4, "{m}");
    assert_eq!(m["counters"]["malformed"], json!(1));
    assert!(m["store"]["events"].as_i64().unwrap() >= 4);
}

/// A batch sent with a client id (`Idempotency-Key`) is stored once however often it is sent
/// (a retry after a lost answer); the id is the sender's organisation's own, and a bad id is
/// refused naming the header.
#[tokio::test]
async fn a_batch_with_a_client_id_is_stored_once() {
    let app = TestApp::new().await;
    let send = |token: String, key: &str, body: String| {
        let req = axum::http::Request::post("/api/v1/ingest")
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", key)
            .body(axum::body::Body::from(body))
            .unwrap();
        app.send(req)
    };
    let syt = app.token("syt-admin@t.vn").await;
    let td = app.token("td-staff@t.vn").await;
    let tag = unique("batchid");
    let body = |n: usize| {
        (0..n)
            .map(|i| json!({"message": format!("{tag} line {i}")}).to_string() + "\n")
            .collect::<String>()
    };
    let count = || async {
        app.store
            .search_events(
                &canhgac_domain::Scope::All,
                &EventFilter {
                    q: Some(tag.clone()),
                    limit: Some(1),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .1
    };
    let r = send(syt.clone(), "lot-0001", body(5)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["stored"], json!(5), "{}", r.text);
    // The same batch again, twice: answered as a duplicate, nothing stored.
    for _ in 0..2 {
        let r = send(syt.clone(), "lot-0001", body(5)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["duplicate"], json!(true), "{}", r.text);
        assert_eq!(r.json()["stored"], json!(0));
    }
    assert_eq!(count().await, 5);
    // Another organisation's batch with the same id is its own.
    let r = send(td, "lot-0001", body(3)).await;
    assert_eq!(r.json()["stored"], json!(3), "{}", r.text);
    assert!(r.json().get("duplicate").is_none(), "{}", r.text);
    assert_eq!(count().await, 8);
    // A new id is a new batch.
    let r = send(syt.clone(), "lot-0002", body(2)).await;
    assert_eq!(r.json()["stored"], json!(2), "{}", r.text);
    assert_eq!(count().await, 10);
    // A bad id is refused, naming the header; nothing is stored.
    for bad in ["", "has space", &"x".repeat(129)] {
        let r = send(syt.clone(), bad, body(1)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", r.text);
        assert!(r.text.contains("Idempotency-Key"), "{}", r.text);
    }
    assert_eq!(count().await, 10);
    // The retention job forgets ids after a week, not before.
    assert_eq!(
        app.store
            .purge_batch_ids(canhgac_domain::time::now_ms() - 7 * 86_400_000)
            .await
            .unwrap(),
        0
    );
    assert!(
        app.store
            .purge_batch_ids(canhgac_domain::time::now_ms() + 1)
            .await
            .unwrap()
            >= 3
    );
    let r = send(syt, "lot-0001", body(5)).await;
    assert_eq!(
        r.json()["stored"],
        json!(5),
        "forgotten ids are new: {}",
        r.text
    );
}

#[tokio::test]
async fn rules_are_validated_limited_and_switched_off() {
    let app = TestApp::new().await;
    let admin = app.token("admin@t.vn").await;
    let broken = "title: Broken\nid: 7e57a1e7-0000-4000-8000-0000000000ff\nlogsource: {product: x}\ndetection:\n  sel:\n    a|sometimes: b\n  condition: sel or missing\n";
    let r = upload_rule(&app, &admin, broken, "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("unknown modifier 'sometimes'"),
        "{}",
        r.text
    );
    let no_id =
        "title: No id\nlogsource: {product: x}\ndetection:\n  sel: {a: b}\n  condition: sel\n";
    let r = upload_rule(&app, &admin, no_id, "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("has no id"), "{}", r.text);
    let syt = app.token("syt-admin@t.vn").await;
    assert_eq!(
        upload_rule(&app, &syt, JSON_RULE, "").await.status,
        StatusCode::FORBIDDEN
    );

    // Limited to TAMDUONG: fires there, not at SYT.
    let r = upload_rule(&app, &admin, JSON_RULE, "&org=TAMDUONG").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rule_id = r.json()["items"][0]["id"].as_i64().unwrap();
    let send =
        |org: &str| json!({"host": format!("{}-web01", marker(org)), "action": "evil"}).to_string();
    let r = app
        .api_bytes("/api/v1/ingest", &admin, send("SYT").into_bytes())
        .await;
    assert_eq!(r.json()["detections"], json!(0), "{}", r.text);
    let r = app
        .api_bytes("/api/v1/ingest", &admin, send("TAMDUONG").into_bytes())
        .await;
    assert_eq!(r.json()["detections"], json!(1), "{}", r.text);

    // Off: nothing fires.
    let r = app
        .api(
            "patch",
            &format!("/api/v1/rules/{rule_id}"),
            Some(&admin),
            Some(json!({"enabled": false, "org": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["rules"]["detection"], json!(0));
    let r = app
        .api_bytes("/api/v1/ingest", &admin, send("TAMDUONG").into_bytes())
        .await;
    assert_eq!(r.json()["detections"], json!(0));
    let list = app
        .api("get", "/api/v1/rules?origin=custom", Some(&syt), None)
        .await
        .json();
    assert_eq!(list["total"], json!(1));
    assert_eq!(list["items"][0]["enabled"], json!(false));
    // Every change is audited.
    let audit = app
        .api("get", "/api/v1/audit?limit=100", Some(&admin), None)
        .await
        .text;
    assert!(audit.contains("sigma_rules"), "{audit}");
    let r = app
        .api(
            "delete",
            &format!("/api/v1/rules/{rule_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn alert_stream_is_scoped() {
    use http_body_util::BodyExt;
    let app = TestApp::new().await;
    let admin = app.token("admin@t.vn").await;
    upload_rule(&app, &admin, JSON_RULE, "").await;
    let td = app.token("td-staff@t.vn").await;
    let req = axum::http::Request::get("/api/v1/alerts/stream")
        .header("authorization", format!("Bearer {td}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    for org in ["SYT", "TAMDUONG"] {
        let line = json!({"host": format!("{}-web01", marker(org)), "action": "evil"}).to_string();
        let r = app
            .api_bytes("/api/v1/ingest", &admin, line.into_bytes())
            .await;
        assert_eq!(r.json()["detections"], json!(1));
    }
    let mut got = String::new();
    while !got.contains("event: alert") {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("an alert within 5 s")
            .unwrap()
            .unwrap();
        if let Ok(data) = frame.into_data() {
            got.push_str(&String::from_utf8_lossy(&data));
        }
    }
    assert!(got.contains(&marker("TAMDUONG")), "{got}");
    assert!(!got.contains(&marker("SYT")), "{got}");
}

/// Two processes on one PostgreSQL database: an alert raised in one reaches the live feed of the
/// other (NOTIFY), once, and not back into its own twice.
#[tokio::test]
async fn alerts_reach_every_process_on_postgres() {
    use std::str::FromStr;
    let Some(app) = TestApp::new_postgres().await else {
        return;
    };
    let url = std::env::var("CANHGAC_TEST_DATABASE_URL").expect("url");
    let name = app.pg_database.clone().expect("database");
    let other = canhgac_store::Store::open_postgres_with(
        sqlx::postgres::PgConnectOptions::from_str(&url)
            .expect("url")
            .database(&name),
    )
    .await
    .expect("second process's store");
    let second = canhgac_ops::monitor::Monitor::start(other, Default::default());
    let mut theirs = second.alerts.subscribe();
    let mut ours = app.state.monitor.alerts.subscribe();
    // The listener needs a moment to start listening.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let admin = app.token("admin@t.vn").await;
    upload_rule(&app, &admin, JSON_RULE, "").await;
    let line = json!({"host": format!("{}-web01", marker("SYT")), "action": "evil"}).to_string();
    let r = app
        .api_bytes("/api/v1/ingest", &admin, line.into_bytes())
        .await;
    assert_eq!(r.json()["detections"], json!(1), "{}", r.text);
    let got = tokio::time::timeout(Duration::from_secs(5), theirs.recv())
        .await
        .expect("the other process hears of it within 5 s")
        .expect("a notice");
    assert_eq!(got.org_id, Some(app.orgs["SYT"]));
    assert_eq!(got.org_code.as_deref(), Some("SYT"));
    assert!(got.new);
    let mine = ours.recv().await.expect("this process's own notice");
    assert_eq!(mine.id, got.id);
    // Only once on each side.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(theirs.try_recv().is_err(), "the other process got it twice");
    assert!(ours.try_recv().is_err(), "its own announcement came back");
    app.cleanup().await;
}

fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

fn tls_files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let c = dir.join("cert.pem");
    let k = dir.join("key.pem");
    std::fs::write(&c, cert.cert.pem()).unwrap();
    std::fs::write(&k, cert.signing_key.serialize_pem()).unwrap();
    (c, k, cert.cert.der().to_vec())
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syslog_over_udp_tcp_and_tls_from_real_senders() {
    let dir = std::env::temp_dir().join(unique("canhgac_syslog"));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key, der) = tls_files(&dir);
    let (udp, tcp, tls) = (free_port(), free_port(), free_port());
    let cfg = MonitorConfig {
        bundled_rules: false,
        syslog_udp: Some(udp),
        syslog_tcp: Some(tcp),
        syslog_tls: Some(TlsListen {
            listen: tls,
            cert,
            key,
        }),
        ..MonitorConfig::default()
    };
    let store = Store::open_sqlite(&dir.join("db")).await.unwrap();
    let app = TestApp::with_monitor(store, cfg).await;
    let admin = app.token("admin@t.vn").await;
    assert_eq!(
        upload_rule(&app, &admin, RULE, "").await.status,
        StatusCode::OK
    );
    let (u, t, s) = canhgac_ops::listen::spawn(app.state.monitor.clone())
        .await
        .unwrap();
    assert_eq!((u, t, s), (Some(udp), Some(tcp), Some(tls)));

    let host = format!("{}-web01", marker("SYT"));
    // `logger` sends this machine's name: register it as a SYT host.
    let me = String::from_utf8(Command::new("hostname").output().unwrap().stdout).unwrap();
    let me = me.trim().to_string();
    app.store
        .create(
            canhgac_domain::entity::EntityKind::Host,
            &canhgac_domain::Scope::All,
            &canhgac_store::Actor::system("test"),
            json!({"org_id": app.orgs["SYT"], "hostname": me, "kind": "server"})
                .as_object()
                .unwrap(),
        )
        .await
        .unwrap();
    let logger = |args: &[&str], msg: &str| {
        let out = Command::new("logger")
            .args(args)
            .args(["-n", "127.0.0.1", "-t", "sshd", "--id=811"])
            .arg(msg)
            .output()
            .expect("util-linux logger");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // The source port in each sshd line says which way it came.
    let accepted =
        |port: u16| format!("Accepted password for root from 203.0.113.9 port {port} ssh2");
    logger(
        &["--udp", "-P", &udp.port().to_string(), "--rfc3164"],
        &accepted(4701),
    );
    logger(
        &["--tcp", "-P", &tcp.port().to_string(), "--octet-count"],
        &accepted(4702),
    );
    logger(
        &["--tcp", "-P", &tcp.port().to_string(), "--rfc3164"],
        &accepted(4703),
    );

    // TLS, from a rustls client trusting the listener's certificate.
    {
        use tokio::io::AsyncWriteExt;
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls::pki_types::CertificateDer::from(der))
            .unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let cc = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let conn = tokio_rustls::TlsConnector::from(std::sync::Arc::new(cc));
        let sock = tokio::net::TcpStream::connect(tls).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut s = conn.connect(name, sock).await.unwrap();
        let msg = format!(
            "<38>1 2026-11-25T02:00:00+07:00 {host} sshd 811 - - {}",
            accepted(4704)
        );
        s.write_all(format!("{} {msg}", msg.len()).as_bytes())
            .await
            .unwrap();
        s.shutdown().await.unwrap();
    }

    // syslog-ng forwarding a local log file over TCP, when installed (CI installs it).
    let mut expected: i64 = 4;
    if have("syslog-ng") {
        let input = dir.join("input.log");
        std::fs::write(&input, "").unwrap();
        let conf = dir.join("syslog-ng.conf");
        std::fs::write(
            &conf,
            format!(
                "@version: 3.38\n@include \"scl.conf\"\n\
                 source s {{ file(\"{}\" follow-freq(0.1)); }};\n\
                 destination d {{ network(\"127.0.0.1\" port({}) transport(\"tcp\")); }};\n\
                 log {{ source(s); destination(d); }};\n",
                input.display(),
                tcp.port()
            ),
        )
        .unwrap();
        let mut child = Command::new("syslog-ng")
            .arg("--foreground")
            .arg(format!("--cfgfile={}", conf.display()))
            .arg(format!("--persist-file={}", dir.join("persist").display()))
            .arg(format!("--pidfile={}", dir.join("pid").display()))
            .arg(format!("--control={}", dir.join("ctl").display()))
            .arg("--no-caps")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&input)
            .unwrap();
        writeln!(f, "Nov 25 02:00:05 {host} sshd[811]: {}", accepted(4705)).unwrap();
        drop(f);
        let rows = wait_events(&app.store, "port 4705", 1).await;
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(rows[0].org_code.as_deref(), Some("SYT"), "{:?}", rows[0]);
        expected += 1;
    } else {
        eprintln!(
            "syslog-ng is not installed: the forwarding case is skipped here (CI installs it)"
        );
    }

    let rows = wait_events(&app.store, "Accepted password for root", expected).await;
    let mut via: Vec<String> = rows
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.fields).unwrap()["src_port"]
                .as_str()
                .unwrap_or("?")
                .to_string()
        })
        .collect();
    via.sort();
    // udp, tcp with octet counting, tcp with newlines, tls (and syslog-ng).
    let want: Vec<String> = (4701..4701 + expected as u16)
        .map(|p| p.to_string())
        .collect();
    assert_eq!(via, want);
    for r in &rows {
        assert_eq!(r.org_code.as_deref(), Some("SYT"), "{r:?}");
        assert_eq!(r.service.as_deref(), Some("sshd"), "{r:?}");
        let f: Value = serde_json::from_str(&r.fields).unwrap();
        assert_eq!(f["user"], "root", "{r:?}");
        assert_eq!(f["outcome"], "success", "{r:?}");
        assert_eq!(r.product.as_deref(), Some("linux"), "{r:?}");
        assert_eq!(f["src_ip"], "203.0.113.9");
    }
    // Each one raised (or counted up) the SSH root-login alert.
    // Alerts are raised just after the batch is committed.
    let mut m = app.state.monitor.stats.snapshot();
    for _ in 0..50 {
        if m["detections"] == json!(expected) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        m = app.state.monitor.stats.snapshot();
    }
    assert_eq!(m["detections"], json!(expected), "{m}");
    let alerts = app
        .api(
            "get",
            "/api/v1/signals?kind=sigma_alert&limit=100",
            Some(&admin),
            None,
        )
        .await
        .json();
    // One alert per host: `vm` (logger, syslog-ng) and the TLS sender's host name.
    let ssh: Vec<&Value> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["title"]
                .as_str()
                .unwrap()
                .starts_with("Root login over SSH")
        })
        .collect();
    assert_eq!(ssh.len(), 2, "{alerts}");
    let total: i64 = ssh.iter().map(|s| s["count"].as_i64().unwrap()).sum();
    assert_eq!(total, expected);
    assert!(ssh.iter().all(|s| s["org_code"] == json!("SYT")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn evtx_import_with_the_bundled_sigmahq_rules() {
    let dir = std::env::temp_dir().join(unique("canhgac_evtx"));
    let store = Store::open_sqlite(&dir).await.unwrap();
    let app = TestApp::with_monitor(store, MonitorConfig::default()).await;
    let admin = app.token("admin@t.vn").await;
    let sample = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../testdata/evtx/evtx_attack_samples/Credential_Access/sysmon_10_11_lsass_memdump.evtx",
    ))
    .unwrap();
    let r = app
        .api_bytes("/api/v1/events/import?filename=lsass.evtx", &admin, sample)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rep = r.json();
    assert!(rep["stored"].as_u64().unwrap() > 0, "{rep}");
    assert!(rep["detections"].as_u64().unwrap() >= 5, "{rep}");
    let rules = app
        .api("get", "/api/v1/rules?q=lsass&limit=5", Some(&admin), None)
        .await
        .json();
    assert!(rules["total"].as_i64().unwrap() > 10, "{rules}");
    assert!(
        rules["refused"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["reason"].as_str().unwrap().contains("placeholder")),
        "only placeholder rules are refused by default"
    );
    let alerts = app
        .api(
            "get",
            "/api/v1/signals?kind=sigma_alert&limit=200",
            Some(&admin),
            None,
        )
        .await
        .text;
    assert!(
        alerts.contains("LSASS Process Memory Dump Files"),
        "{alerts}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn retention_by_age_then_size() {
    let app = TestApp::new().await;
    let now = canhgac_domain::time::now_ms();
    let old = canhgac_store::NewEvent {
        received_at: now - 40 * 86_400_000,
        at: now - 40 * 86_400_000,
        transport: "udp".into(),
        message: "old".into(),
        fields: "{}".into(),
        ..Default::default()
    };
    let new = canhgac_store::NewEvent {
        received_at: now,
        at: now,
        transport: "udp".into(),
        message: "x".repeat(1000),
        fields: "{}".into(),
        ..Default::default()
    };
    app.store
        .insert_events(vec![old.clone(), old])
        .await
        .unwrap();
    app.store.insert_events(vec![new; 10]).await.unwrap();
    let (n0, _) = app.store.event_totals().await.unwrap();
    let p = app
        .store
        .prune_events(now - 30 * 86_400_000, 5_000)
        .await
        .unwrap();
    assert_eq!(p.by_age, 2);
    // Oldest first: the seeded events, then big ones until at most 5,000 bytes are left.
    let (n, bytes) = app.store.event_totals().await.unwrap();
    assert_eq!(n, 4, "{p:?}");
    assert_eq!(p.by_size as i64, n0 - 2 - 4);
    assert!(bytes <= 5_000);
}

/// A batch the store refuses (its stream cursor has passed it) and that is sent again counts
/// once toward a correlation rule: two events sent twice do not make "three in ten minutes".
#[tokio::test]
async fn a_refused_batch_counts_once_when_sent_again() {
    use canhgac_ops::monitor::{Body, Raw};
    let app = TestApp::new().await;
    let admin = app.token("admin@t.vn").await;
    let rules = "title: Test marker seen\nid: 7e57a1e7-0000-4000-8000-000000000031\nname: marker_seen\n\
level: low\nlogsource: {definition: 'JSON events of this test'}\ndetection:\n  sel:\n    action|contains: 'evil'\n  condition: sel\n\
---\ntitle: Test marker three times\nid: 7e57a1e7-0000-4000-8000-000000000032\nlevel: high\n\
correlation:\n  type: event_count\n  rules: [marker_seen]\n  group-by: [host]\n  timespan: 10m\n  condition: {gte: 3}\n";
    let r = upload_rule(&app, &admin, rules, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let host = format!("{}-web01", marker("SYT"));
    let records = |actions: &[&str]| -> Vec<Raw> {
        actions
            .iter()
            .map(|a| {
                let line = json!({"host": host, "action": a}).to_string();
                let mut r = Raw::new("http", Some("127.0.0.1".parse().unwrap()), Body::Json(line));
                r.owner = Some((canhgac_domain::Scope::All, None));
                r
            })
            .collect()
    };
    let mon = &app.state.monitor;
    let first = mon
        .ingest_guarded(records(&["quiet"]), vec![("test-retry".into(), 1, 10)])
        .await
        .unwrap();
    assert_eq!(first.stored, 1);
    // Messages 5..6 of the stream: the cursor has passed them, so the batch is refused whole
    // after it was matched and counted.
    let refused = mon
        .ingest_guarded(
            records(&["evil one", "evil two"]),
            vec![("test-retry".into(), 5, 6)],
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(canhgac_ops::monitor::MonitorError::Delivered(_))
        ),
        "{refused:?}"
    );
    // Sent again and stored: two events, not four.
    let again = mon
        .ingest(records(&["evil one", "evil two"]))
        .await
        .unwrap();
    assert_eq!((again.stored, again.detections), (2, 0));
    let third = mon.ingest(records(&["evil three"])).await.unwrap();
    assert_eq!(third.detections, 1, "the third event completes the rule");
    let (sigs, _) = app
        .state
        .store
        .list_signals(
            &canhgac_domain::Scope::All,
            &canhgac_store::SignalFilter {
                q: Some("Test marker three times".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(sigs.len(), 1, "{sigs:?}");
    let payload: Value = serde_json::from_str(sigs[0].payload.as_deref().unwrap()).unwrap();
    assert_eq!(payload["correlation"]["count"], json!(3), "{payload}");
}
