//! The syslog disk spool against `canhgac serve` on the embedded store: a burst over TCP is
//! taken onto the spool faster than it is stored; the process is SIGKILLed while the spool still
//! holds lines not yet stored; started again on the same data, it stores every line of the
//! burst exactly once (the spool's cursor is moved in the events' transaction).
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::time::Duration;
use support::embedded::{counted, open_db, serve};
use support::stream::{free_port, wait_for};

/// A counter from `/metrics` (asked from this machine, which needs no token).
fn metric(http: u16, name: &str) -> u64 {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", http)) else {
        return 0;
    };
    let _ = s.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_on_the_spool_survives_sigkill_and_is_stored_once() {
    let dir = std::env::temp_dir().join(format!("canhgac_spool_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    let (http, tcp) = (free_port(), free_port());
    let config = dir.join("canhgac.toml");
    std::fs::write(
        &config,
        format!("[monitor]\nbundled_rules = false\nsyslog_tcp = \"127.0.0.1:{tcp}\"\n"),
    )
    .unwrap();
    let log = dir.join("serve.log");
    let mut server = serve(&data, &config, http, &log);
    wait_for("the TCP listener", 120, || async {
        std::net::TcpStream::connect(("127.0.0.1", tcp)).is_ok()
    })
    .await;
    assert!(
        data.join("spool/spool.id").exists(),
        "the spool is on by default"
    );

    // The burst: newline-framed lines, as fast as the connection takes them.
    const N: u64 = 100_000;
    let tag = format!("spoolburst{}", std::process::id());
    let lines: String = (0..N)
        .map(|i| format!("<13>Dec  6 10:00:00 web01 app[1]: {tag} n{i:06} end\n"))
        .collect();
    let started = std::time::Instant::now();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", tcp)).unwrap();
    s.write_all(lines.as_bytes()).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    drop(s);
    wait_for("the burst on the spool", 120, || async {
        metric(http, "canhgac_spool_records_total") >= N
    })
    .await;
    let taken = started.elapsed();
    let db = open_db(&data).await;
    // Killed with the whole burst on the spool and part of it stored.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    let at_kill = counted(&db, &tag).await;
    eprintln!(
        "{N} lines on the spool in {:.2} s; {} stored when SIGKILLed",
        taken.as_secs_f64(),
        at_kill.0
    );
    let _server = serve(&data, &config, http, &log);
    wait_for("every line after the restart", 180, || async {
        counted(&db, &tag).await.0 >= N as i64
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        counted(&db, &tag).await,
        (N as i64, N as i64),
        "each line exactly once"
    );
    // Stored segments are deleted: the spool holds at most the one being written.
    wait_for("stored segments removed", 30, || async {
        std::fs::read_dir(data.join("spool"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "seg")
            })
            .count()
            <= 2
    })
    .await;
    assert_eq!(metric(http, "canhgac_spool_pending_bytes"), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
