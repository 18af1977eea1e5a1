//! The scaled-out path against the real PostgreSQL and NATS JetStream: one `api`, one `ingest`
//! and two `worker` processes.
//!
//! - A worker is SIGKILLed mid-stream: every event is still stored once, and the alerts — the
//!   detection rule's and two correlation rules' (a count and a temporal rule over a window) —
//!   are exactly those one process makes of the same events (checked against the pipeline run
//!   in this test on an embedded store).
//! - The ingest process is SIGKILLed while senders are sending: every batch it acknowledged is
//!   stored, once; no batch is stored twice; every stored event's alert is counted once.
#![allow(clippy::unwrap_used)]

use canhgac_domain::entity::EntityKind;
use canhgac_domain::Scope;
use canhgac_ops::monitor::{Body, Monitor, MonitorConfig, Raw};
use canhgac_store::{Actor, NewUser, SignalFilter, Store};
use sqlx::ConnectOptions;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

const PASSWORD: &str = "Thu-nghiem-2026!";
const ORGS: usize = 6;
const BATCH: usize = 100;

const RULES: &str = r#"title: Failed logon
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

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(url: &str, config: &std::path::Path, role: &str, log: &std::path::Path) -> (Proc, u16) {
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
fn post(port: u16, path: &str, token: Option<&str>, ctype: &str, body: &str) -> (u16, String) {
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

async fn wait_for<F, Fut>(what: &str, secs: u64, mut f: F)
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
async fn province(store: &Store) -> i64 {
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
    for i in 0..ORGS {
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
fn batch(b: usize, base_ms: i64) -> String {
    let mut out = String::new();
    for k in 0..BATCH {
        let n = b * BATCH + k;
        let org = n % ORGS;
        let host = if n.is_multiple_of(4) { "db" } else { "web" };
        let user = format!("u{}", (n / ORGS) % 5);
        // Mostly failures; now and then a success, which completes "failure then success".
        let id = if n.is_multiple_of(11) { 4624 } else { 4625 };
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
async fn alerts(store: &Store) -> BTreeMap<(String, String), i64> {
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
async fn per_batch(pg: &sqlx::PgPool) -> BTreeMap<String, i64> {
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
async fn outbox(pg: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM alert_outbox")
        .fetch_one(pg)
        .await
        .unwrap()
}

async fn token(port: u16) -> String {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_and_ingest_die_and_nothing_is_lost_or_doubled() {
    let Some(base) = std::env::var("CANHGAC_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("CANHGAC_TEST_DATABASE_URL is not set: the scale-out test needs PostgreSQL and NATS (CI sets it)");
        return;
    };
    let nats =
        std::env::var("CANHGAC_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let pid = std::process::id();
    let opts = sqlx::postgres::PgConnectOptions::from_str(&base).unwrap();
    let db = format!("canhgac_stream_{pid}");
    let mut admin = opts.connect().await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE \"{db}\""))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = format!("{}/{db}", base.rsplit_once('/').unwrap().0);
    let dir = std::env::temp_dir().join(format!("canhgac_stream_{pid}"));
    std::fs::create_dir_all(&dir).unwrap();
    // One name, made afresh: a run that failed half-way leaves nothing that grows.
    let stream = "CANHGAC_TEST_SCALE".to_string();
    let subject = "canhgac-test-scale".to_string();
    let bus_cfg = canhgac_bus::BusConfig {
        url: nats.clone(),
        stream: stream.clone(),
        subject: subject.clone(),
        partitions: 8,
        max_bytes: 256 << 20,
        ..Default::default()
    };
    if let Ok(bus) = canhgac_bus::Bus::connect(bus_cfg.clone(), "test-cleanup").await {
        bus.delete_stream().await.unwrap();
    }
    let nparts = 8;
    let config = dir.join("scale.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\njob_lease_seconds = 5\n[monitor]\nbundled_rules = false\n\
             [scale]\nnats_url = \"{nats}\"\nstream = \"{stream}\"\nsubject = \"{subject}\"\npartitions = {nparts}\nlease_seconds = 3\nmax_gib = 0.25\n"
        ),
    )
    .unwrap();

    let store = Store::open_postgres(&url).await.unwrap();
    store.migrate().await.unwrap();
    let dic = province(&store).await;
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
    let pg = sqlx::PgPool::connect(&url).await.unwrap();

    let log = |n: &str| dir.join(format!("{n}.log"));
    let (_api, api_port) = start(&url, &config, "api", &log("api"));
    let (mut ingest, mut ingest_port) = start(&url, &config, "ingest", &log("ingest"));
    let (mut w1, _) = start(&url, &config, "worker", &log("w1"));
    let (_w2, _) = start(&url, &config, "worker", &log("w2"));
    let w1_pid = format!(":{}:", w1.0.id());
    let w2_pid = format!(":{}:", _w2.0.id());
    wait_for("the api and ingest processes answer", 60, || async {
        std::net::TcpStream::connect(("127.0.0.1", api_port)).is_ok()
            && std::net::TcpStream::connect(("127.0.0.1", ingest_port)).is_ok()
    })
    .await;
    // Both workers read: the eight partitions are shared between them.
    let prefix = format!("partition:{stream}:");
    let store_ref = &store;
    let shared = || async {
        let l = store_ref.leases().await.unwrap();
        let parts: Vec<_> = l.iter().filter(|l| l.name.starts_with(&prefix)).collect();
        parts.len() == nparts
            && parts.iter().any(|l| l.holder.contains(&w1_pid))
            && parts.iter().any(|l| l.holder.contains(&w2_pid))
    };
    wait_for("the workers share the partitions", 60, shared).await;
    let tok = token(api_port).await;

    // Part one: 60 batches, sent in turn to the api and the ingest process; the first worker
    // is killed after the twentieth.
    let base_ms = canhgac_domain::time::now_ms() - 30 * 60_000;
    let first = 60;
    for b in 0..first {
        let port = if b % 2 == 0 { api_port } else { ingest_port };
        let (status, body) = post(
            port,
            "/api/v1/ingest",
            Some(&tok),
            "application/x-ndjson",
            &batch(b, base_ms),
        );
        assert_eq!(status, 200, "batch {b}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["queued"], BATCH as u64, "{body}");
        if b == 20 {
            w1.0.kill().unwrap();
            w1.0.wait().unwrap();
        }
    }
    let want = (first * BATCH) as i64;
    let pg_ref = &pg;
    wait_for(
        "every event stored by the surviving worker",
        120,
        || async { per_batch(pg_ref).await.values().sum::<i64>() >= want },
    )
    .await;
    wait_for("every alert raised", 60, || async {
        outbox(pg_ref).await == 0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stored = per_batch(&pg).await;
    assert_eq!(stored.len(), first, "{stored:?}");
    for (b, n) in &stored {
        assert_eq!(*n, BATCH as i64, "batch {b} stored {n} times its size");
    }
    // The partitions of the dead worker moved to the survivor.
    let l = store.leases().await.unwrap();
    assert!(
        l.iter()
            .filter(|l| l.name.starts_with(&prefix))
            .all(|l| l.holder.contains(&w2_pid)),
        "{l:?}"
    );

    // The same events through one process, on an embedded store of the same province.
    let single = Store::open_sqlite(&dir.join("single")).await.unwrap();
    let sdic = province(&single).await;
    let mon = Monitor::start(
        single.clone(),
        MonitorConfig {
            bundled_rules: false,
            ..Default::default()
        },
    );
    for b in 0..first {
        let records: Vec<Raw> = batch(b, base_ms)
            .lines()
            .map(|l| {
                let mut r = Raw::new(
                    "http",
                    Some("127.0.0.1".parse().unwrap()),
                    Body::Json(l.to_string()),
                );
                r.owner = Some((Scope::All, Some(sdic)));
                r
            })
            .collect();
        mon.ingest(records).await.unwrap();
    }
    let one = alerts(&single).await;
    let many = alerts(&store).await;
    assert!(
        one.keys()
            .any(|(_, t)| t.starts_with("Repeated failed logons"))
            && one
                .keys()
                .any(|(_, t)| t.starts_with("Failure then success")),
        "both correlation rules fire: {one:?}"
    );
    let differ: Vec<_> = one
        .iter()
        .filter(|(k, v)| many.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), *v, many.get(k).copied()))
        .collect();
    assert!(
        differ.is_empty() && many.len() == one.len(),
        "the scaled-out alerts are one process's alerts: (alert, one process, scaled out) {differ:?}"
    );

    // Part two: four senders at once to the ingest process, which is killed mid-stream.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(first));
    let last = first + 80;
    let mut senders = Vec::new();
    for _ in 0..4 {
        let (acked, next, tok) = (acked.clone(), next.clone(), tok.clone());
        let port = ingest_port;
        senders.push(std::thread::spawn(move || loop {
            let b = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if b >= last {
                return;
            }
            let (status, _) = post(
                port,
                "/api/v1/ingest",
                Some(&tok),
                "application/x-ndjson",
                &batch(b, base_ms),
            );
            if status == 200 {
                acked.lock().unwrap().push(b);
            } else {
                return;
            }
        }));
    }
    wait_for("some batches acknowledged", 60, || async {
        acked.lock().unwrap().len() >= 20
    })
    .await;
    ingest.0.kill().unwrap();
    ingest.0.wait().unwrap();
    for s in senders {
        s.join().unwrap();
    }
    let acked: Vec<usize> = acked.lock().unwrap().clone();
    let unsent = next.load(std::sync::atomic::Ordering::SeqCst).min(last);
    // A new ingest process takes the batches never sent.
    let (ingest2, port2) = start(&url, &config, "ingest", &log("ingest2"));
    ingest_port = port2;
    wait_for("the new ingest process answers", 60, || async {
        std::net::TcpStream::connect(("127.0.0.1", ingest_port)).is_ok()
    })
    .await;
    for b in unsent..last {
        let (status, body) = post(
            ingest_port,
            "/api/v1/ingest",
            Some(&tok),
            "application/x-ndjson",
            &batch(b, base_ms),
        );
        assert_eq!(status, 200, "{body}");
    }
    let must: i64 = (acked.len() + (last - unsent)) as i64 * BATCH as i64 + want;
    wait_for("every acknowledged batch stored", 120, || async {
        per_batch(pg_ref).await.values().sum::<i64>() >= must
    })
    .await;
    wait_for("every alert raised", 60, || async {
        outbox(pg_ref).await == 0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stored = per_batch(&pg).await;
    for b in acked.iter().copied().chain(unsent..last) {
        assert_eq!(
            stored.get(&format!("b{b}")),
            Some(&(BATCH as i64)),
            "acknowledged batch {b}"
        );
    }
    for (b, n) in &stored {
        assert!(*n <= BATCH as i64, "batch {b} stored {n} times its size");
    }
    // Every stored failure counted once into its host's alert.
    let failures: Vec<(String, i64)> = sqlx::query_as(
        "SELECT lower(host_name), COUNT(*) FROM events WHERE fields::json->>'EventID' = '4625' GROUP BY 1",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let counted: Vec<(String, i64)> = sqlx::query_as(
        "SELECT lower(host_name), SUM(count)::bigint FROM signals WHERE source = '5c0a0000-0000-4000-8000-000000000001' GROUP BY 1",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let mut failures = failures;
    let mut counted = counted;
    failures.sort();
    counted.sort();
    // Three agencies' failures all come from their web server (see `batch`).
    assert_eq!(failures.len(), 9, "{failures:?}");
    assert_eq!(counted, failures, "alerts count every stored failure once");
    eprintln!(
        "acknowledged before the kill: {}, in flight: {}, stored in all: {}",
        acked.len(),
        unsent - first - acked.len(),
        stored.values().sum::<i64>()
    );

    drop(ingest2);
    drop(store);
    drop(single);
    pg.close().await;
    if let Ok(bus) = canhgac_bus::Bus::connect(bus_cfg, "test-cleanup").await {
        let _ = bus.delete_stream().await;
    }
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await;
    let _ = std::fs::remove_dir_all(&dir);
}
