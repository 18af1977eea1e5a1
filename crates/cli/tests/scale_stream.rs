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

mod support;

use canhgac_domain::Scope;
use canhgac_ops::monitor::{Body, Monitor, MonitorConfig, Raw};
use canhgac_store::Store;
use std::time::Duration;
use support::stream::*;

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
    let db = format!("canhgac_stream_{pid}");
    let url = fresh_database(&base, &db).await;
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
    delete_stream(&bus_cfg).await;
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
    admin(&store, dic).await;
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
        let (status, body) = send_events(port, &tok, &batch(b, base_ms));
        assert_eq!(status, 200, "batch {b}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["queued"], BATCH as u64, "{body}");
        if b == 20 {
            w1.0.kill().unwrap();
            w1.0.wait().unwrap();
        }
    }
    let want = (first * BATCH) as i64;
    drained(&pg, want, 120).await;
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
            let (status, _) = send_events(port, &tok, &batch(b, base_ms));
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
    answers("the new ingest process", ingest_port).await;
    for b in unsent..last {
        let (status, body) = send_events(ingest_port, &tok, &batch(b, base_ms));
        assert_eq!(status, 200, "{body}");
    }
    let must: i64 = (acked.len() + (last - unsent)) as i64 * BATCH as i64 + want;
    drained(&pg, must, 120).await;
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
    delete_stream(&bus_cfg).await;
    drop_database(&base, &db).await;
    let _ = std::fs::remove_dir_all(&dir);
}
