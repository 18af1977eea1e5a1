//! What the scale-out test and benchmark share: processes started and killed, HTTP posted, a
//! province seeded and its Windows logon events made.
#![allow(dead_code, clippy::unwrap_used)]

use canhgac_domain::entity::EntityKind;
use canhgac_domain::Scope;
use canhgac_store::{Actor, NewUser, SignalFilter, Store};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Thu-nghiem-2026!";
pub const ORGS: usize = 6;
pub const BATCH: usize = 100;

pub const RULES: &str = r#"title: Failed logon
id: 5c0a0000-0000-4000-8000-000000000001
name: failed_logon
logsource: {product: windows, service: security}
detection:
  sel:
    EventID: 4625
  condition: sel
level: medium
---
title: Successful logon
id: 5c0a0000-0000-4000-8000-000000000002
name: ok_logon
logsource: {product: windows, service: security}
detection:
  sel:
    EventID: 4624
  condition: sel
level: low
---
title: Repeated failed logons
id: 5c0a0000-0000-4000-8000-000000000003
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 5m
  condition: {gte: 6}
  generate: true
level: high
---
title: Failure then success
id: 5c0a0000-0000-4000-8000-000000000004
correlation:
  type: temporal_ordered
  rules: [failed_logon, ok_logon]
  group-by: [TargetUserName]
  timespan: 1m
level: high
"#;

pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start(
    url: &str,
    config: &std::path::Path,
    role: &str,
    log: &std::path::Path,
) -> (Proc, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(["serve", "--role", role, "--database", url])
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--config")
        .arg(config)
        .env(
            "RUST_LOG",
            "warn,canhgac_bus=info,canhgac_ops::monitor=info",
        )
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    (Proc(child), port)
}

/// A POST over a fresh connection: (status, body); 0 when the connection failed.
pub fn post(port: u16, path: &str, token: Option<&str>, ctype: &str, body: &str) -> (u16, String) {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new());
    };
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if s.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut out = String::new();
    if s.read_to_string(&mut out).is_err() {
        return (0, out);
    }
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

pub async fn wait_for<F, Fut>(what: &str, secs: u64, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !f().await {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "{what}: not within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The province: the DIC, six agencies with two hosts each, the DIC's administrator and the
/// rules. Returns the DIC's id.
pub async fn province(store: &Store) -> i64 {
    province_with(store, ORGS).await
}

/// A province of `orgs` agencies (see [`province`]).
pub async fn province_with(store: &Store, orgs: usize) -> i64 {
    let sys = Actor::system("test");
    let mk = |v: serde_json::Value| v.as_object().unwrap().clone();
    let dic = store
        .create(
            EntityKind::Org,
            &Scope::All,
            &sys,
            &mk(serde_json::json!({"code": "STTTT", "name": "Sở TTTT", "kind": "dic"})),
        )
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    for i in 0..orgs {
        let org = store
            .create(
                EntityKind::Org,
                &Scope::All,
                &sys,
                &mk(serde_json::json!({"code": format!("CQ{i}"), "name": format!("Cơ quan {i}"), "kind": "agency", "parent_id": dic})),
            )
            .await
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        for h in ["web", "db"] {
            store
                .create(
                    EntityKind::Host,
                    &Scope::All,
                    &sys,
                    &mk(serde_json::json!({"org_id": org, "hostname": format!("cq{i}-{h}"), "kind": "Máy chủ"})),
                )
                .await
                .unwrap();
        }
    }
    let metas =
        canhgac_ops::monitor::validate_custom_rule("scale.yml", RULES, &Default::default(), None)
            .unwrap();
    for (i, m) in metas.iter().enumerate() {
        let mut m = m.clone();
        if i > 0 {
            m.yaml = None;
        }
        store.add_custom_rule(&sys, &m).await.unwrap();
    }
    dic
}

/// Batch `b` of the stream: NDJSON of Windows logon events, spread over the organisations'
/// hosts and five user names, one event a second of event time; each carries its batch.
pub fn batch(b: usize, base_ms: i64) -> String {
    events(b, base_ms, ORGS, BATCH)
}

/// Batch `b` of `size` events over `orgs` agencies (see [`batch`]): failures, a success
/// every eleventh.
pub fn events(b: usize, base_ms: i64, orgs: usize, size: usize) -> String {
    events_mixed(b, base_ms, orgs, size, (4625, 4624, 11))
}

/// Batch `b` of `size` events over `orgs` agencies: event id `common`, and `rare` every
/// `every`th event.
pub fn events_mixed(
    b: usize,
    base_ms: i64,
    orgs: usize,
    size: usize,
    (common, rare, every): (u32, u32, usize),
) -> String {
    let mut out = String::new();
    for k in 0..size {
        let n = b * size + k;
        let org = n % orgs;
        let host = if n.is_multiple_of(4) { "db" } else { "web" };
        let user = format!("u{}", (n / orgs) % 5);
        // Mostly failures; now and then a success, which completes "failure then success".
        let id = if n.is_multiple_of(every) {
            rare
        } else {
            common
        };
        let t = chrono::DateTime::from_timestamp_millis(base_ms + n as i64 * 1000)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ");
        out.push_str(&format!(
            "{{\"Channel\":\"Security\",\"EventID\":{id},\"Computer\":\"cq{org}-{host}\",\"TargetUserName\":\"{user}\",\"IpAddress\":\"203.0.113.{}\",\"TimeCreated\":\"{t}\",\"Batch\":\"b{b}\"}}\n",
            1 + n % 50
        ));
    }
    out
}

/// `(organisation, title) → count` of every alert in the store.
pub async fn alerts(store: &Store) -> BTreeMap<(String, String), i64> {
    let f = SignalFilter {
        limit: Some(10_000),
        ..Default::default()
    };
    let (rows, _) = store.list_signals(&Scope::All, &f).await.unwrap();
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry((r.org_code.unwrap_or_default(), r.title))
            .or_default() += r.count;
    }
    out
}

/// Events stored per batch.
pub async fn per_batch(pg: &sqlx::PgPool) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (Option<String>, i64)>(
        "SELECT fields::json->>'Batch', COUNT(*) FROM events GROUP BY 1",
    )
    .fetch_all(pg)
    .await
    .unwrap()
    .into_iter()
    .map(|(b, n)| (b.unwrap_or_default(), n))
    .collect()
}

/// Alerts stored but not yet raised.
pub async fn outbox(pg: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM alert_outbox")
        .fetch_one(pg)
        .await
        .unwrap()
}

/// The DIC's administrator, who sends the events.
pub async fn admin(store: &Store, dic: i64) {
    let hash = canhgac_server::auth::hash_password(PASSWORD).unwrap();
    store
        .create_user(
            &Scope::All,
            &Actor::system("test"),
            &NewUser {
                email: "admin@stttt.test".into(),
                full_name: "Quản trị".into(),
                password_hash: hash,
                role: canhgac_domain::Role::DicAdmin,
                org_id: Some(dic),
            },
        )
        .await
        .unwrap();
}

pub async fn token(port: u16) -> String {
    let (status, body) = post(
        port,
        "/api/v1/auth/token",
        None,
        "application/json",
        &format!("{{\"email\":\"admin@stttt.test\",\"password\":\"{PASSWORD}\"}}"),
    );
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A new empty PostgreSQL database `name` beside the one `base` names; returns its URL.
pub async fn fresh_database(base: &str, name: &str) -> String {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    let opts = sqlx::postgres::PgConnectOptions::from_str(base).unwrap();
    let mut admin = opts.connect().await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .unwrap();
    format!("{}/{name}", base.rsplit_once('/').unwrap().0)
}

/// Drops the database `name` beside the one `base` names.
pub async fn drop_database(base: &str, name: &str) {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    let opts = sqlx::postgres::PgConnectOptions::from_str(base).unwrap();
    if let Ok(mut admin) = opts.connect().await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

/// Deletes the event stream the settings name, if it is there.
pub async fn delete_stream(cfg: &canhgac_bus::BusConfig) {
    if let Ok(bus) = canhgac_bus::Bus::connect(cfg.clone(), "test-cleanup").await {
        let _ = bus.delete_stream().await;
    }
}

/// Posts NDJSON events to a process's `/api/v1/ingest` as the token's holder.
pub fn send_events(port: u16, token: &str, body: &str) -> (u16, String) {
    post(
        port,
        "/api/v1/ingest",
        Some(token),
        "application/x-ndjson",
        body,
    )
}

/// Waits until a process accepts connections on its port.
pub async fn answers(what: &str, port: u16) {
    wait_for(what, 60, || async {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
}

/// Waits until `canhgac serve` on `port` answers its health check with 200.
pub async fn healthy(port: u16) {
    wait_for("the server's health check", 60, || async {
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        let _ =
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out.starts_with("HTTP/1.1 200")
    })
    .await;
}

/// Events stored in all.
pub async fn stored(pg: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(pg)
        .await
        .unwrap()
}

/// Waits until at least `want` events are stored and no alert waits in the outbox.
pub async fn drained(pg: &sqlx::PgPool, want: i64, secs: u64) {
    wait_for("every event stored", secs, || async {
        stored(pg).await >= want
    })
    .await;
    wait_for("every alert raised", secs, || async {
        outbox(pg).await == 0
    })
    .await;
}
