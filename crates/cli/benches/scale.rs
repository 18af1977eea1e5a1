//! Events per second through the scaled-out path (`serve --role ingest` → NATS JetStream →
//! `--role worker` × 1, 2, 4 → PostgreSQL) against one `serve` process on the same PostgreSQL,
//! on this machine; CPU per event from the processes' own accounting (`/proc/<pid>/stat`).
//!
//! Needs the real servers: `CANHGAC_TEST_DATABASE_URL` (PostgreSQL) and NATS JetStream at
//! `CANHGAC_TEST_NATS_URL` (default nats://127.0.0.1:4222). Run with
//! `cargo bench -p canhgac --bench scale` (a release build); `SCALE_EVENTS` sets the events per
//! run (default 100,000), `SCALE_RUNS` the runs per setting (default 3, the median is given),
//! `SCALE_FAILURE_EVERY` how rare the alerting events are (default one in 50).
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use canhgac_store::Store;
use std::time::{Duration, Instant};
use support::stream::*;

const AGENCIES: usize = 30;
const SIZE: usize = 1000;
const PARTITIONS: u32 = 16;

/// One event in this many is a failed logon (an alert, and the correlations' input).
fn every() -> usize {
    std::env::var("SCALE_FAILURE_EVERY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(50)
}

/// CPU seconds a process has used (user + system), from `/proc/<pid>/stat`.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line; 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// The PostgreSQL server's CPU seconds so far (every postgres process).
fn postgres_cpu() -> f64 {
    let mut total = 0.0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let name = e.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
            {
                total += cpu_seconds(pid);
            }
        }
    }
    total
}

struct Run {
    seconds: f64,
    worker_cpu: f64,
    ingest_cpu: f64,
    ingest_seconds: f64,
    pg_cpu: f64,
}

async fn setup(
    base: &str,
    db: &str,
    dir: &std::path::Path,
    config: &str,
) -> (String, sqlx::PgPool, std::path::PathBuf) {
    let url = fresh_database(base, db).await;
    let store = Store::open_postgres(&url).await.unwrap();
    store.migrate().await.unwrap();
    let dic = province_with(&store, AGENCIES).await;
    admin(&store, dic).await;
    let path = dir.join(format!("{db}.toml"));
    std::fs::write(&path, config).unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    (url, pool, path)
}

/// Posts the events from four senders at once; returns when every batch was answered 200.
fn send(port: u16, token: &str, batches: usize, base_ms: i64) {
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let (next, token) = (next.clone(), token.to_string());
            std::thread::spawn(move || loop {
                let b = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if b >= batches {
                    return;
                }
                // Successful logons, a failure every fiftieth (alerts and correlations), or
                // every `SCALE_FAILURE_EVERY`th.
                let body = events_mixed(b, base_ms, AGENCIES, SIZE, (4624, 4625, every()));
                let (status, text) = send_events(port, &token, &body);
                assert_eq!(status, 200, "{text}");
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
}

async fn scaled(
    base: &str,
    nats: &str,
    dir: &std::path::Path,
    workers: usize,
    n: usize,
    run: usize,
) -> Run {
    let db = format!("canhgac_bench_w{workers}_{run}");
    let bus = canhgac_bus::BusConfig {
        url: nats.to_string(),
        stream: "CANHGAC_BENCH".into(),
        subject: "canhgac-bench".into(),
        partitions: PARTITIONS,
        max_bytes: 2 << 30,
        ..Default::default()
    };
    delete_stream(&bus).await;
    let config = format!(
        "[monitor]\nbundled_rules = true\n[scale]\nnats_url = \"{nats}\"\nstream = \"CANHGAC_BENCH\"\nsubject = \"canhgac-bench\"\npartitions = {PARTITIONS}\nmax_gib = 2\n"
    );
    let (url, pg, config) = setup(base, &db, dir, &config).await;
    let log = |n: &str| dir.join(format!("{n}.log"));
    let (ingest, port) = start(&url, &config, "ingest", &log("ingest"));
    let pgr = &pg;
    answers("ingest answers", port).await;
    let tok = token(port).await;
    let procs: Vec<_> = (0..workers)
        .map(|i| start(&url, &config, "worker", &log(&format!("w{i}"))).0)
        .collect();
    // The workers hold every partition and have compiled their rules before the clock starts.
    let store = Store::open_postgres(&url).await.unwrap();
    let held = || async {
        let l = store.leases().await.unwrap();
        l.iter()
            .filter(|l| l.name.starts_with("partition:"))
            .count()
            == PARTITIONS as usize
    };
    wait_for("the workers hold the partitions", 120, held).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let base_ms = canhgac_domain::time::now_ms() - 3_600_000;
    let (c0, w0) = (
        cpu_seconds(ingest.0.id()),
        procs.iter().map(|p| cpu_seconds(p.0.id())).sum::<f64>(),
    );
    let pg0 = postgres_cpu();
    let t0 = Instant::now();
    send(port, &tok, n / SIZE, base_ms);
    let ingest_seconds = t0.elapsed().as_secs_f64();
    let ingest_cpu = cpu_seconds(ingest.0.id()) - c0;
    let want = (n / SIZE * SIZE) as i64;
    drained(pgr, want, 1800).await;
    let seconds = t0.elapsed().as_secs_f64();
    let worker_cpu = procs.iter().map(|p| cpu_seconds(p.0.id())).sum::<f64>() - w0;
    let pg_cpu = postgres_cpu() - pg0;
    drop(procs);
    drop(ingest);
    drop(store);
    pg.close().await;
    delete_stream(&bus).await;
    drop_database(base, &db).await;
    Run {
        seconds,
        worker_cpu,
        ingest_cpu,
        ingest_seconds,
        pg_cpu,
    }
}

async fn single(base: &str, dir: &std::path::Path, n: usize, run: usize) -> Run {
    let db = format!("canhgac_bench_one_{run}");
    let (url, pg, config) = setup(base, &db, dir, "[monitor]\nbundled_rules = true\n").await;
    let (one, port) = start(&url, &config, "all", &dir.join("one.log"));
    answers("the process answers", port).await;
    let tok = token(port).await;
    let base_ms = canhgac_domain::time::now_ms() - 3_600_000;
    let pgr = &pg;
    // Its rules compiled and its jobs started before the clock starts.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let c0 = cpu_seconds(one.0.id());
    let pg0 = postgres_cpu();
    let t0 = Instant::now();
    send(port, &tok, n / SIZE, base_ms);
    let want = (n / SIZE * SIZE) as i64;
    drained(pgr, want, 1800).await;
    let seconds = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds(one.0.id()) - c0;
    let pg_cpu = postgres_cpu() - pg0;
    drop(one);
    pg.close().await;
    drop_database(base, &db).await;
    Run {
        seconds,
        worker_cpu: cpu,
        ingest_cpu: 0.0,
        ingest_seconds: 0.0,
        pg_cpu,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let Some(base) = std::env::var("CANHGAC_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("set CANHGAC_TEST_DATABASE_URL (PostgreSQL) to run the scale-out benchmark");
        return;
    };
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let nats =
        std::env::var("CANHGAC_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let n: usize = std::env::var("SCALE_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = std::env::var("SCALE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = std::env::temp_dir().join(format!("canhgac_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!(
        "{n} events ({AGENCIES} agencies, Windows logon JSON, one in {} a failure; the bundled SigmaHQ rules plus the 4 of the scale-out test), {runs} runs each, medians; CPU from /proc", every()
    );
    println!("| path | events/s | per worker | worker CPU µs/event | PostgreSQL CPU µs/event | ingest events/s | ingest CPU µs/event |");
    println!("|---|---|---|---|---|---|---|");
    let row = |name: &str, w: usize, rs: &[Run]| {
        let rate = median(rs.iter().map(|r| n as f64 / r.seconds).collect());
        let cpu = median(rs.iter().map(|r| r.worker_cpu * 1e6 / n as f64).collect());
        let pg = median(rs.iter().map(|r| r.pg_cpu * 1e6 / n as f64).collect());
        let (irate, icpu) = if rs[0].ingest_seconds > 0.0 {
            (
                format!(
                    "{:.0}",
                    median(rs.iter().map(|r| n as f64 / r.ingest_seconds).collect())
                ),
                format!(
                    "{:.1}",
                    median(rs.iter().map(|r| r.ingest_cpu * 1e6 / n as f64).collect())
                ),
            )
        } else {
            ("—".into(), "—".into())
        };
        println!(
            "| {name} | {rate:.0} | {:.0} | {cpu:.1} | {pg:.1} | {irate} | {icpu} |",
            rate / w as f64
        );
    };
    let mut one = Vec::new();
    for r in 0..runs {
        one.push(rt.block_on(single(&base, &dir, n, r)));
    }
    row("one process (`serve`, PostgreSQL)", 1, &one);
    for w in [1, 2, 4] {
        let mut rs = Vec::new();
        for r in 0..runs {
            rs.push(rt.block_on(scaled(&base, &nats, &dir, w, n, r)));
        }
        row(&format!("{w} worker(s) ← JetStream"), w, &rs);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
