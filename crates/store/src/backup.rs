//! Backups: a consistent snapshot of a running store, and a digest of every table to prove a
//! restore gave back exactly what the snapshot held.
//!
//! - SQLite: `VACUUM INTO` writes a consistent copy while others read and write.
//! - PostgreSQL: a read-only repeatable-read transaction exports its snapshot; `pg_dump
//!   --snapshot` dumps exactly that, and the digests are computed in the same transaction.
//!
//! Evidence files, report PDFs and every other upload live in tables (`BLOB`/`BYTEA`), so the
//! snapshot holds them.

use crate::{Pool, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Column, Connection, Row, TypeInfo, ValueRef};
use std::path::Path;

/// One table's row count and content digest (SHA-256 over its rows in a fixed order; the
/// digest's form differs between the backends, so digests compare within one backend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDigest {
    /// Table name.
    pub table: String,
    /// Rows.
    pub rows: i64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// Largest table name accepted from a catalogue (quoted into statements).
fn quoted(name: &str) -> Result<String> {
    if name.is_empty()
        || name.len() > 63
        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(StoreError::Conflict(format!(
            "unexpected table name {name:?}"
        )));
    }
    Ok(format!("\"{name}\""))
}

/// Digests of every table of an SQLite database (the migrations' own table included).
pub async fn sqlite_digests(pool: &sqlx::SqlitePool) -> Result<Vec<TableDigest>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let q = quoted(&t)?;
        let mut conn = pool.acquire().await?;
        let sql = format!("SELECT * FROM {q} ORDER BY rowid");
        let mut rows = sqlx::query(&sql).fetch(&mut *conn);
        let mut h = Sha256::new();
        let mut n = 0i64;
        use futures_util::TryStreamExt;
        while let Some(row) = rows.try_next().await? {
            n += 1;
            for (i, col) in row.columns().iter().enumerate() {
                let raw = row.try_get_raw(i)?;
                if raw.is_null() {
                    h.update(b"N");
                    continue;
                }
                let ty = raw.type_info().name().to_ascii_uppercase();
                match ty.as_str() {
                    "INTEGER" | "INT" | "BIGINT" | "BOOLEAN" => {
                        h.update(b"I");
                        h.update(row.try_get_unchecked::<i64, _>(i)?.to_le_bytes());
                    }
                    "REAL" | "FLOAT" | "DOUBLE" => {
                        h.update(b"R");
                        h.update(row.try_get_unchecked::<f64, _>(i)?.to_le_bytes());
                    }
                    "BLOB" => {
                        let b: Vec<u8> = row.try_get_unchecked(i)?;
                        h.update(b"B");
                        h.update((b.len() as u64).to_le_bytes());
                        h.update(&b);
                    }
                    _ => {
                        let s: String = row.try_get_unchecked(i).map_err(|e| {
                            StoreError::Conflict(format!("{t}.{}: {e}", col.name()))
                        })?;
                        h.update(b"T");
                        h.update((s.len() as u64).to_le_bytes());
                        h.update(s.as_bytes());
                    }
                }
            }
        }
        out.push(TableDigest {
            table: t,
            rows: n,
            sha256: hex(&h.finalize()),
        });
    }
    Ok(out)
}

/// Digests of every table of the public schema, on one connection (inside a snapshot).
pub async fn pg_digests(conn: &mut sqlx::PgConnection) -> Result<Vec<TableDigest>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let q = quoted(&t)?;
        // Each row as PostgreSQL's own text form, in that form's order: independent of the
        // physical order a restore writes rows in.
        let (rows, sha): (i64, String) = sqlx::query_as(&format!(
            "SELECT COUNT(*), encode(sha256(convert_to(COALESCE(string_agg(x.r, E'\\n' ORDER BY x.r), ''), 'UTF8')), 'hex') \
             FROM (SELECT t::text AS r FROM {q} t) x"
        ))
        .fetch_one(&mut *conn)
        .await?;
        out.push(TableDigest {
            table: t,
            rows,
            sha256: sha,
        });
    }
    Ok(out)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Store {
    /// Digests of every table now (a store nobody is writing to; a backup's own digests are
    /// taken within its snapshot).
    pub async fn table_digests(&self) -> Result<Vec<TableDigest>> {
        match &self.pool {
            Pool::Sqlite(p) => sqlite_digests(p).await,
            Pool::Pg(p) => {
                let mut c = p.acquire().await?;
                pg_digests(&mut c).await
            }
        }
    }

    /// SQLite: writes a consistent copy of the database to `file` (which must not exist) while
    /// the store stays in use, and returns the copy's digests.
    pub async fn snapshot_sqlite(&self, file: &Path) -> Result<Vec<TableDigest>> {
        let Pool::Sqlite(p) = &self.pool else {
            return Err(StoreError::Conflict("not the embedded store".into()));
        };
        let name = file
            .to_str()
            .ok_or_else(|| StoreError::Conflict("the backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1").bind(name).execute(p).await?;
        let copy = open_sqlite_file(file, true).await?;
        let d = sqlite_digests(&copy).await;
        copy.close().await;
        d
    }

    /// PostgreSQL: opens a read-only repeatable-read transaction, hands its exported snapshot
    /// to `dump` (which runs `pg_dump --snapshot`) while the transaction stays open, and
    /// returns the digests taken in that same snapshot.
    pub async fn snapshot_postgres<F>(&self, dump: F) -> Result<Vec<TableDigest>>
    where
        F: FnOnce(String) -> std::result::Result<(), String>,
    {
        let Pool::Pg(p) = &self.pool else {
            return Err(StoreError::Conflict("not PostgreSQL".into()));
        };
        let mut conn = p.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await?;
        let digests = pg_digests(&mut tx).await?;
        dump(snapshot).map_err(StoreError::Conflict)?;
        tx.commit().await?;
        Ok(digests)
    }
}

/// Opens an SQLite database file directly (no migrations): a backup's copy, or a restore's
/// before it is put in place.
pub async fn open_sqlite_file(file: &Path, read_only: bool) -> Result<sqlx::SqlitePool> {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(read_only)
        .create_if_missing(false);
    Ok(sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await?)
}

/// Digests of the public schema of the PostgreSQL database at `url` (a restore's check).
pub async fn pg_digests_at(url: &str) -> Result<Vec<TableDigest>> {
    use std::str::FromStr;
    let mut c =
        sqlx::PgConnection::connect_with(&sqlx::postgres::PgConnectOptions::from_str(url)?).await?;
    let d = pg_digests(&mut c).await;
    let _ = c.close().await;
    d
}
