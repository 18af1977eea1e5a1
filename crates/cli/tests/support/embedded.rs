//! What the tests of `canhgac serve` on the embedded store share: the process started (and
//! killed when dropped), its database read beside it, the unpacked peers found.
#![allow(dead_code, clippy::unwrap_used)]

use super::stream::Proc;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// `canhgac serve --data DATA --config CONFIG` on `127.0.0.1:HTTP`, its log appended to `log`.
pub fn serve(data: &Path, config: &Path, http: u16, log: &Path) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(["serve", "--data"])
        .arg(data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{http}"))
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap(),
        )
        .spawn()
        .unwrap();
    Proc(child)
}

/// The store's database, read-only, beside the running process.
pub async fn open_db(data: &Path) -> sqlx::SqlitePool {
    connect(data, true).await
}

/// The store's database beside the server, for writing (a test that sets the scene).
pub async fn open_db_rw(data: &Path) -> sqlx::SqlitePool {
    connect(data, false).await
}

async fn connect(data: &Path, read_only: bool) -> sqlx::SqlitePool {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(data.join("canhgac.db"))
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(10));
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .unwrap()
}

/// (all rows, distinct messages) of the events whose message holds `tag`.
pub async fn counted(db: &sqlx::SqlitePool, tag: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT message) FROM events WHERE message LIKE '%' || $1 || '%'",
    )
    .bind(tag)
    .fetch_one(db)
    .await
    .unwrap_or((0, 0))
}

/// Where .ci/run unpacks the real forwarders (rsyslog with omrelp, nginx).
pub fn peers() -> PathBuf {
    std::env::var_os("CANHGAC_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/peers"))
}
