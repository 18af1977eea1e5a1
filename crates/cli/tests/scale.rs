//! Two `canhgac serve` processes on one PostgreSQL database: each periodic job runs in one of
//! them (the first to take its lease); a report that falls due is made once, not once per
//! process; when the holder is killed (SIGKILL) the other takes every job over within the lease
//! and makes the next report, once.
#![allow(clippy::unwrap_used)]

mod support;

use canhgac_domain::Scope;
use canhgac_store::{Actor, NewSchedule, Store};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::stream::{drop_database, free_port, fresh_database, wait_for};

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(url: &str, dir: &std::path::Path, name: &str) -> (Serve, u16) {
    let port = free_port();
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, "[server]\njob_lease_seconds = 5\n").unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args([
            "serve",
            "--database",
            url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Serve(child), port)
}

async fn holders(store: &Store) -> Vec<String> {
    store
        .leases()
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.holder)
        .collect()
}

async fn copies(store: &Store) -> usize {
    store
        .report_runs(&Scope::All, None, 100)
        .await
        .unwrap()
        .len()
}

async fn due_schedule(store: &Store, org: i64) {
    let s = NewSchedule {
        org_id: org,
        kind: "monthly".into(),
        format: "csv".into(),
        lang: "vi".into(),
        recipients: vec!["lanhdao@t.vn".into()],
        hour: 8,
        active: true,
        next_run_at: canhgac_domain::time::now_ms() - 1000,
    };
    store
        .create_report_schedule(&Scope::All, &Actor::system("test"), &s)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_run_once_and_move_when_their_process_dies() {
    let Some(base) = std::env::var("CANHGAC_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("CANHGAC_TEST_DATABASE_URL is not set: the scale-out test needs PostgreSQL (CI sets it)");
        return;
    };
    let db = format!("canhgac_scale_{}", std::process::id());
    let url = fresh_database(&base, &db).await;
    let dir = std::env::temp_dir().join(format!("canhgac_scale_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // A province with a report due.
    let store = Store::open_postgres(&url).await.unwrap();
    store.migrate().await.unwrap();
    let org = store
        .create(
            canhgac_domain::entity::EntityKind::Org,
            &Scope::All,
            &Actor::system("test"),
            serde_json::json!({"code": "STTTT", "name": "Sở TTTT", "kind": "dic"})
                .as_object()
                .unwrap(),
        )
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    due_schedule(&store, org).await;

    // The first process takes every job and makes the copy.
    let (mut a, a_port) = serve(&url, &dir, "a");
    let a_pid = format!(":{}:", a.0.id());
    wait_for("the first process's jobs", 60, || async {
        let h = holders(&store).await;
        h.len() == 8 && h.iter().all(|h| h.contains(&a_pid))
    })
    .await;
    wait_for("the copy", 30, || async { copies(&store).await == 1 }).await;
    // The second serves too, but holds nothing while the first lives, and makes no copy.
    let (b, b_port) = serve(&url, &dir, "b");
    let b_pid = format!(":{}:", b.0.id());
    wait_for("the second process answers", 60, || async {
        std::net::TcpStream::connect(("127.0.0.1", b_port)).is_ok()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        holders(&store).await.iter().all(|h| h.contains(&a_pid)),
        "{:?}",
        holders(&store).await
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", a_port)).is_ok());
    assert_eq!(copies(&store).await, 1, "made once, not once per process");
    // The response-plan templates are seeded once (under the `seed` lease), not by each process.
    let templates = store.list_plans(&Scope::All).await.unwrap();
    assert_eq!(
        templates.iter().filter(|p| p.org_id.is_none()).count(),
        canhgac_ops::incidents::PLAN_TEMPLATES.len(),
        "{templates:?}"
    );

    // The holder dies with another report due: the survivor takes every job over within the
    // lease and makes it, once.
    a.0.kill().unwrap();
    a.0.wait().unwrap();
    due_schedule(&store, org).await;
    wait_for("the jobs move to the survivor", 30, || async {
        let h = holders(&store).await;
        h.len() == 8 && h.iter().all(|h| h.contains(&b_pid))
    })
    .await;
    wait_for("the survivor's copy", 30, || async {
        copies(&store).await == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(copies(&store).await, 2);

    // Stopped by systemd (SIGTERM): it hands its jobs over at once.
    let term = Command::new("kill")
        .args(["-TERM", &b.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    wait_for("the stopped process's leases released", 10, || async {
        holders(&store).await.is_empty()
    })
    .await;
    drop(b);
    drop(store);
    drop_database(&base, &db).await;
    let _ = std::fs::remove_dir_all(&dir);
}
