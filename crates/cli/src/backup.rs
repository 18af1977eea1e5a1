//! `canhgac backup` and `canhgac restore`: a consistent snapshot of a running store in a folder
//! (the database file or dump, and `manifest.json` with a digest of every table), and its
//! restore into an empty store, checked table by table against the manifest before use.

use anyhow::{bail, Context, Result};
use canhgac_store::backup::{open_sqlite_file, pg_digests_at, sqlite_digests, TableDigest};
use canhgac_store::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The manifest's format name.
const FORMAT: &str = "canhgac-backup/1";
const SQLITE_FILE: &str = "canhgac.db";
const PG_FILE: &str = "canhgac.pgdump";

/// What a backup folder holds.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub(crate) format: String,
    /// `sqlite` or `postgres`.
    pub(crate) backend: String,
    /// canhgac's version that made it.
    pub(crate) version: String,
    /// When (RFC 3339, UTC).
    pub(crate) created_at: String,
    /// The data file in the folder and its SHA-256.
    pub(crate) file: String,
    pub(crate) file_sha256: String,
    pub(crate) file_bytes: u64,
    /// Every table in the snapshot.
    pub(crate) tables: Vec<TableDigest>,
}

fn file_sha256(path: &Path) -> Result<(String, u64)> {
    use std::io::Read;
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        n += k as u64;
        h.update(&buf[..k]);
    }
    Ok((h.finalize().iter().map(|b| format!("{b:02x}")).collect(), n))
}

/// Makes a backup of `store` (at `database` when it is PostgreSQL) in the new folder `out`.
pub(crate) async fn backup(store: &Store, database: Option<&str>, out: &Path) -> Result<Manifest> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!(
            "{}: the backup folder is not empty (thư mục sao lưu phải trống)",
            out.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (file, tables) = match (store.backend(), database) {
        ("sqlite", _) => {
            let f = out.join(SQLITE_FILE);
            let t = store
                .snapshot_sqlite(&f)
                .await
                .context("the SQLite snapshot failed")?;
            (f, t)
        }
        ("postgres", Some(url)) => {
            let f = out.join(PG_FILE);
            let target = f.clone();
            let url = url.to_string();
            let t = store
                .snapshot_postgres(move |snapshot| {
                    let o = Command::new("pg_dump")
                        .args(["--format=custom", "--no-owner", "--no-privileges"])
                        .arg(format!("--snapshot={snapshot}"))
                        .arg(format!("--file={}", target.display()))
                        .arg(format!("--dbname={url}"))
                        .output()
                        .map_err(|e| {
                            format!("pg_dump could not start (install postgresql-client): {e}")
                        })?;
                    if o.status.success() {
                        Ok(())
                    } else {
                        Err(format!(
                            "pg_dump failed: {}",
                            String::from_utf8_lossy(&o.stderr).trim()
                        ))
                    }
                })
                .await
                .context("the PostgreSQL snapshot failed")?;
            (f, t)
        }
        _ => bail!("a PostgreSQL backup needs --database"),
    };
    let (sha, bytes) = file_sha256(&file)?;
    let m = Manifest {
        format: FORMAT.into(),
        backend: store.backend().into(),
        version: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        file: file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        file_sha256: sha,
        file_bytes: bytes,
        tables,
    };
    std::fs::write(out.join("manifest.json"), serde_json::to_vec_pretty(&m)?)?;
    Ok(m)
}

/// Reads and checks a backup folder's manifest and data file.
fn read_backup(from: &Path) -> Result<(Manifest, PathBuf)> {
    let mpath = from.join("manifest.json");
    let text = std::fs::read(&mpath).with_context(|| format!("cannot read {}", mpath.display()))?;
    let m: Manifest = serde_json::from_slice(&text)
        .with_context(|| format!("{}: not a canhgac backup manifest", mpath.display()))?;
    if m.format != FORMAT {
        bail!(
            "{}: format {:?}, expected {FORMAT}",
            mpath.display(),
            m.format
        );
    }
    if m.file.contains('/') || m.file.contains('\\') || m.file.starts_with('.') {
        bail!("{}: bad file name {:?}", mpath.display(), m.file);
    }
    let file = from.join(&m.file);
    let (sha, _) = file_sha256(&file)?;
    if sha != m.file_sha256 {
        bail!(
            "{}: damaged (SHA-256 {sha}, the manifest says {}) — tệp sao lưu bị hỏng",
            file.display(),
            m.file_sha256
        );
    }
    Ok((m, file))
}

/// Compares restored tables with the manifest's: every table, its rows and its digest.
fn compare(want: &[TableDigest], got: &[TableDigest]) -> Result<()> {
    let mut errors = Vec::new();
    for w in want {
        match got.iter().find(|g| g.table == w.table) {
            None => errors.push(format!("{}: missing", w.table)),
            Some(g) if g != w => errors.push(format!(
                "{}: {} rows (digest {}), the backup has {} rows (digest {})",
                w.table,
                g.rows,
                &g.sha256[..12.min(g.sha256.len())],
                w.rows,
                &w.sha256[..12.min(w.sha256.len())]
            )),
            Some(_) => {}
        }
    }
    for g in got {
        if !want.iter().any(|w| w.table == g.table) {
            errors.push(format!("{}: not in the backup", g.table));
        }
    }
    if !errors.is_empty() {
        errors.truncate(20);
        bail!(
            "the restored store differs from the backup: {}",
            errors.join("; ")
        );
    }
    Ok(())
}

/// Restores the backup in `from` into the empty embedded store `data` or the empty PostgreSQL
/// database `database` (`force`: replace what is there), checks every table, then applies this
/// version's migrations.
pub(crate) async fn restore(
    from: &Path,
    data: Option<&Path>,
    database: Option<&str>,
    force: bool,
) -> Result<Manifest> {
    let (m, file) = read_backup(from)?;
    match (m.backend.as_str(), data, database) {
        ("sqlite", Some(dir), None) => {
            std::fs::create_dir_all(dir)?;
            let target = dir.join(SQLITE_FILE);
            if target.exists() && !force {
                bail!("{}: a store is already there; stop canhgac and add --force to replace it (đã có dữ liệu)", target.display());
            }
            // Copied beside, checked, then put in place: an interrupted restore leaves the
            // old store or nothing, never half of one.
            let part = dir.join(format!("{SQLITE_FILE}.restoring"));
            std::fs::copy(&file, &part)
                .with_context(|| format!("cannot write {}", part.display()))?;
            let pool = open_sqlite_file(&part, true).await?;
            let got = sqlite_digests(&pool).await;
            pool.close().await;
            if let Err(e) = got
                .map_err(anyhow::Error::from)
                .and_then(|g| compare(&m.tables, &g))
            {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
            for stale in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.join(format!("{SQLITE_FILE}{stale}")));
            }
            std::fs::rename(&part, &target)?;
            Store::open_sqlite(dir)
                .await
                .context("the restored store did not open")?;
        }
        ("postgres", None, Some(url)) => {
            let tables = pg_digests_at(url)
                .await
                .context("cannot reach the PostgreSQL database")?;
            if !tables.is_empty() && !force {
                bail!("the database already holds {} tables; restore into an empty database, or add --force to replace them", tables.len());
            }
            let mut cmd = Command::new("pg_restore");
            cmd.args([
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
            ]);
            if force {
                cmd.args(["--clean", "--if-exists"]);
            }
            let o = cmd
                .arg(format!("--dbname={url}"))
                .arg(&file)
                .output()
                .context("pg_restore could not start (install postgresql-client)")?;
            if !o.status.success() {
                bail!(
                    "pg_restore failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
            }
            compare(&m.tables, &pg_digests_at(url).await?)?;
            Store::open_postgres(url)
                .await
                .context("the restored database did not open")?;
        }
        ("sqlite", _, _) => {
            bail!("this backup is of the embedded store: restore it with --data DIR")
        }
        ("postgres", _, _) => bail!("this backup is of PostgreSQL: restore it with --database URL"),
        (other, _, _) => bail!("unknown backend {other:?} in the manifest"),
    }
    Ok(m)
}
