//! SIGKILL in the middle of work that takes a while, then a restart: nothing half-done stays.
//!
//! - A bulk import (`canhgac spam import`, 50,000 reports a transaction) killed after its
//!   first chunk committed and before its last: the store holds whole chunks only, each with its
//!   import record, and running the same import again stores the rest and skips, by the
//!   Ministry's id, what was already stored.
//! - A migration (`canhgac migrate`) killed while it rebuilds an index over 300,000 alerts, on
//!   the embedded store and on PostgreSQL: the schema is the one before that migration, every
//!   row is there, and the next start applies it whole.
//! - The retention job killed while it deletes a month of events in chunks: no event is half
//!   deleted, the running totals agree with the rows, and the next start finishes the job.
#![allow(clippy::unwrap_used)]

mod support;

use canhgac_store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::embedded::{open_db, open_db_rw};
use support::stream::{drop_database, fresh_database, healthy, post};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("canhgac_crash_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn canhgac(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_canhgac"));
    c.args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// SIGKILLs `child` and checks that it was the kill that ended it.
fn kill(mut child: Child) {
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success() && status.code().is_none(),
        "the process had already ended by itself: {status}"
    );
}

/// A read-write connection to the embedded store's database, beside no running process.
async fn integrity_ok(db: &sqlx::SqlitePool) {
    let r: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(r, "ok");
    let fk: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(db)
        .await
        .unwrap();
    assert!(
        fk.is_empty(),
        "rows point at rows that are not there: {fk:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_midway_leaves_whole_chunks_and_the_rerun_completes_it() {
    const N: usize = 130_000;
    let dir = scratch("import");
    let data = dir.join("data");
    {
        let store = Store::open_sqlite(&data).await.unwrap();
        canhgac_demo::seed(&store, "not-a-login").await.unwrap();
    }
    // Reports in the Ministry system's export form, each with its id.
    let file = dir.join("reports.ndjson");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    for i in 0..N {
        writeln!(
            w,
            r#"{{"id": "CRASH-{i}", "kind": "sms", "sender": "+8491{:07}", "content": "Tai khoan cua ban bi khoa, vao http://vcb-xacminh{}.top de mo lai"}}"#,
            i % 9_000_000,
            i % 40
        )
        .unwrap();
    }
    drop(w);
    let args = [
        "spam",
        "import",
        "--org",
        "VIETTEL",
        "--data",
        data.to_str().unwrap(),
        file.to_str().unwrap(),
    ];

    let child = canhgac(&args).spawn().unwrap();
    let db = open_db(&data).await;
    let chunks = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM spam_imports WHERE file_name = 'reports.ndjson'",
        )
        .fetch_one(&db)
        .await
        .unwrap_or(0)
    };
    let t = Instant::now();
    while chunks().await == 0 {
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "no chunk was stored"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    kill(child);
    db.close().await;

    let db = open_db_rw(&data).await;
    integrity_ok(&db).await;
    let (imports, rows, stored): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(rows), 0), \
                (SELECT COUNT(*) FROM spam_reports WHERE external_id LIKE 'CRASH-%') \
         FROM spam_imports WHERE file_name = 'reports.ndjson'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(
        imports >= 1 && (stored as usize) < N,
        "killed between the first and the last chunk"
    );
    assert_eq!(
        stored,
        imports * 50_000,
        "whole chunks only: {imports} import records"
    );
    assert_eq!(rows, stored, "each import record counts its own reports");
    // Every stored report belongs to a recorded import, with its sender and case.
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM spam_reports WHERE external_id LIKE 'CRASH-%' \
         AND (import_id IS NULL OR import_id NOT IN (SELECT id FROM spam_imports) OR sender_id IS NULL)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
    db.close().await;

    // The same import again: the rest is stored, what was stored is skipped.
    let out = canhgac(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let totals: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(totals["repeated"], stored, "{totals}");
    let db = open_db_rw(&data).await;
    integrity_ok(&db).await;
    let (all, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT external_id) FROM spam_reports WHERE external_id LIKE 'CRASH-%'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((all, distinct), (N as i64, N as i64));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The migrations from 0025 on taken back, so that `canhgac migrate` has them to do again: 0025
/// rebuilds the alerts' de-duplication index (long over many alerts), 0026 adds a column, 0027
/// adds the events' running totals, 0028 the lists' indexes, 0029 the histogram's, 0030 the
/// host names by organisation, 0031 the CVEs of findings and advisories, 0032 the group in an
/// index 0028 made (taken back with it). A migration added
/// later must be taken back here too (the test fails on it otherwise: it would be applied twice).
const UNDO_FROM_25: [&str; 17] = [
    "DROP TABLE scan_finding_cves",
    "DROP TABLE advisory_cves",
    "DROP INDEX hosts_org_name",
    "DROP INDEX signals_org_first",
    "DROP INDEX signals_last_seen",
    "DROP INDEX signals_kind_seen",
    "DROP INDEX signals_org_seen",
    "DROP INDEX signals_org_kind_seen",
    "DROP INDEX signals_open",
    "DROP INDEX signals_first_seen",
    "DROP INDEX hosts_name",
    "DROP INDEX hosts_org_kind",
    "DROP TABLE event_totals",
    "ALTER TABLE ingest_cursors DROP COLUMN touched_at",
    "DROP INDEX signals_dedup",
    "CREATE INDEX signals_dedup ON signals(dedup_key, last_seen)",
    "DELETE FROM _sqlx_migrations WHERE version >= 25",
];
/// The latest migration.
const LATEST: i64 = 32;

/// 300,000 alerts, each with its own de-duplication key.
fn alerts_sql(pg: bool) -> String {
    let (with, from) = if pg {
        (
            String::new(),
            "generate_series(1, 300000) AS n(i)".to_string(),
        )
    } else {
        (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
                .to_string(),
            "n".to_string(),
        )
    };
    format!(
        "{with}INSERT INTO signals (kind, source, title, severity, state, dedup_key, count, first_seen, last_seen, group_id) \
         SELECT 'sigma_alert', 'sigma', 'Đăng nhập thất bại nhiều lần', 'medium', 'resolved', \
                'sigma:rule-' || (i % 500) || ':host-' || i, 1, 1700000000000 + i, 1700000000000 + i, i FROM {from}"
    )
}

/// (latest migration, the de-duplication index's columns, whether `touched_at` exists, alerts).
async fn schema_state(store: &Store) -> (i64, String, bool, i64) {
    let pg = store.backend() == "postgres";
    let version = store
        .scalar_raw_for_tests("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
        .await
        .unwrap()
        .unwrap();
    // Columns of the index, counted: 2 before migration 0025, 1 after.
    let index_cols = if pg {
        "SELECT indnatts::bigint FROM pg_index WHERE indexrelid = 'signals_dedup'::regclass"
    } else {
        "SELECT COUNT(*) FROM pragma_index_info('signals_dedup')"
    };
    let cols = store
        .scalar_raw_for_tests(index_cols)
        .await
        .unwrap()
        .unwrap();
    let touched = if pg {
        "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'ingest_cursors' AND column_name = 'touched_at'"
    } else {
        "SELECT COUNT(*) FROM pragma_table_info('ingest_cursors') WHERE name = 'touched_at'"
    };
    let touched = store.scalar_raw_for_tests(touched).await.unwrap().unwrap() == 1;
    let alerts = store
        .scalar_raw_for_tests("SELECT COUNT(*) FROM signals")
        .await
        .unwrap()
        .unwrap();
    (
        version,
        if cols == 2 {
            "dedup_key, last_seen"
        } else {
            "dedup_key"
        }
        .to_string(),
        touched,
        alerts,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_killed_midway_is_not_half_applied_on_sqlite() {
    let dir = scratch("migrate");
    let data = dir.join("data");
    drop(Store::open_sqlite(&data).await.unwrap());
    {
        // One connection, so each statement sees the schema the one before left.
        let db = open_db_rw(&data).await;
        sqlx::query(&alerts_sql(false)).execute(&db).await.unwrap();
        for sql in UNDO_FROM_25 {
            sqlx::query(sql).execute(&db).await.unwrap();
        }
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&db)
            .await
            .unwrap();
        db.close().await;
    }
    let wal = data.join("canhgac.db-wal");
    let wal_len = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let before = wal_len();
    let child = canhgac(&["migrate", "--data", data.to_str().unwrap()])
        .spawn()
        .unwrap();
    // The index is being rebuilt once the transaction spills pages into the write-ahead log.
    let t = Instant::now();
    while wal_len() <= before + 64 * 1024 {
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "the migration did not start"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    kill(child);

    let store = Store::open_sqlite_unmigrated(&data).await.unwrap();
    assert_eq!(
        schema_state(&store).await,
        (24, "dedup_key, last_seen".into(), false, 300_000),
        "the killed migration left no trace"
    );
    drop(store);
    let db = open_db_rw(&data).await;
    integrity_ok(&db).await;
    db.close().await;

    let out = canhgac(&["migrate", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::open_sqlite_unmigrated(&data).await.unwrap();
    assert_eq!(
        schema_state(&store).await,
        (LATEST, "dedup_key".into(), true, 300_000)
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_killed_midway_is_not_half_applied_on_postgres() {
    let Some(base) = std::env::var("CANHGAC_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("CANHGAC_TEST_DATABASE_URL is not set: this test needs PostgreSQL (CI sets it)");
        return;
    };
    let name = format!("canhgac_crash_migrate_{}", std::process::id());
    let url = fresh_database(&base, &name).await;
    {
        let store = Store::open_postgres(&url).await.unwrap();
        store
            .execute_raw_for_tests(&alerts_sql(true))
            .await
            .unwrap();
        for sql in UNDO_FROM_25 {
            store.execute_raw_for_tests(sql).await.unwrap();
        }
        store
            .execute_raw_for_tests("ALTER TABLE signals RESET (fillfactor)")
            .await
            .unwrap();
    }
    let watcher = Store::open_postgres_unmigrated(&url).await.unwrap();
    let child = canhgac(&["migrate", "--database", &url]).spawn().unwrap();
    // Killed while the server runs the migration's CREATE INDEX for it.
    let running = format!(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{name}' AND state = 'active' \
         AND query LIKE '%CREATE INDEX signals_dedup ON signals(dedup_key);%' AND pid <> pg_backend_pid()"
    );
    let t = Instant::now();
    while watcher.scalar_raw_for_tests(&running).await.unwrap() != Some(1) {
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "the migration did not start"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    kill(child);
    // The server ends the orphaned transaction when it next talks to the dead client; the
    // restarted process would wait for its migration lock until then.
    let t = Instant::now();
    while watcher.scalar_raw_for_tests(&running).await.unwrap() != Some(0) {
        assert!(t.elapsed() < Duration::from_secs(120));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        schema_state(&watcher).await,
        (24, "dedup_key, last_seen".into(), false, 300_000),
        "the killed migration left no trace"
    );

    let out = canhgac(&["migrate", "--database", &url]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        schema_state(&watcher).await,
        (LATEST, "dedup_key".into(), true, 300_000)
    );
    drop(watcher);
    drop_database(&base, &name).await;
}

/// (events, bytes) counted row by row, and as the running totals say.
async fn totals(db: &sqlx::SqlitePool) -> ((i64, i64), (i64, i64)) {
    let rows: (i64, i64) = sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM events")
        .fetch_one(db)
        .await
        .unwrap();
    let kept: (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(events), 0), COALESCE(SUM(bytes), 0) FROM event_totals",
    )
    .fetch_one(db)
    .await
    .unwrap();
    (rows, kept)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retention_job_killed_midway_keeps_whole_chunks_and_true_totals() {
    use support::embedded::serve;
    use support::stream::free_port;
    const OLD: i64 = 400_000;
    const FRESH: i64 = 1_000;
    let dir = scratch("retention");
    let data = dir.join("data");
    let token = canhgac_server::auth::random_token();
    {
        let store = Store::open_sqlite(&data).await.unwrap();
        let user = store
            .create_user(
                &canhgac_domain::Scope::All,
                &canhgac_store::Actor::system("test"),
                &canhgac_store::NewUser {
                    email: "admin@crash.vn".into(),
                    full_name: "Quản trị".into(),
                    role: canhgac_domain::Role::DicAdmin,
                    org_id: None,
                    password_hash: canhgac_server::auth::hash_password("Crash-Pass-2026!").unwrap(),
                },
            )
            .await
            .unwrap();
        store
            .create_api_token(
                &canhgac_server::auth::token_hash(&token),
                user.id,
                "test",
                3_600_000,
            )
            .await
            .unwrap();
    }
    {
        // Forty days old, then fresh; the running totals made to agree.
        let now = canhgac_domain::time::now_ms();
        let db = open_db_rw(&data).await;
        sqlx::query(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) \
             INSERT INTO events (received_at, at, transport, message, fields, size) \
             SELECT CASE WHEN i <= {OLD} THEN {old} + i ELSE {now} END, {old} + i, 'udp', \
                    'sshd[' || i || ']: Failed password for root from 203.0.113.9', '{{}}', 50 + i % 7 FROM n",
            OLD + FRESH,
            old = now - 40 * 86_400_000,
        ))
        .execute(&db)
        .await
        .unwrap();
        sqlx::query("DELETE FROM event_totals")
            .execute(&db)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO event_totals (slot, events, bytes) SELECT 0, COUNT(*), SUM(size) FROM events",
        )
        .execute(&db)
        .await
        .unwrap();
        db.close().await;
    }
    let config = dir.join("canhgac.toml");
    std::fs::write(
        &config,
        "[monitor]\nbundled_rules = false\nretention_days = 30\n",
    )
    .unwrap();
    let log = dir.join("serve.log");
    let http = free_port();
    let mut server = serve(&data, &config, http, &log);
    healthy(http).await;
    // The job runs in the request; the process is killed once some chunks are gone.
    let t2 = token.clone();
    let caller = std::thread::spawn(move || {
        post(
            http,
            "/api/v1/monitor/retention",
            Some(&t2),
            "application/json",
            "",
        )
        .0
    });
    let db = open_db(&data).await;
    let t = Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&db)
            .await
            .unwrap_or(OLD + FRESH);
        if left < OLD + FRESH {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the job did not start"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.0.kill().unwrap();
    let status = server.0.wait().unwrap();
    assert!(status.code().is_none(), "killed, not ended: {status}");
    let _ = caller.join();
    db.close().await;

    let db = open_db_rw(&data).await;
    integrity_ok(&db).await;
    let (rows, kept) = totals(&db).await;
    assert_eq!(rows, kept, "the running totals agree with the rows");
    assert!(
        rows.0 > FRESH && rows.0 < OLD + FRESH,
        "killed midway: {} events left",
        rows.0
    );
    assert_eq!(
        (OLD + FRESH - rows.0) % 20_000,
        0,
        "whole chunks of 20,000 removed"
    );
    db.close().await;

    // Started again, the job finishes: the fresh events only, the totals still true.
    let http = free_port();
    let _server = serve(&data, &config, http, &log);
    healthy(http).await;
    assert_eq!(
        post(
            http,
            "/api/v1/monitor/retention",
            Some(&token),
            "application/json",
            ""
        )
        .0,
        200
    );
    let db = open_db(&data).await;
    let (rows, kept) = totals(&db).await;
    assert_eq!(rows, kept);
    assert_eq!(rows.0, FRESH);
    let _ = std::fs::remove_dir_all(&dir);
}
