//! Leases on periodic jobs (M15): one holder at a time per job name, taken or renewed in one
//! statement (an upsert that only overwrites a lapsed lease or the holder's own), so two
//! processes asking at once cannot both win.

use crate::{Result, Store};
use serde::Serialize;

/// A job's lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct LeaseRow {
    /// The job.
    pub name: String,
    /// The process holding it (host, process id, start).
    pub holder: String,
    /// Until when (Unix ms); after that anyone may take it.
    pub expires_at: i64,
    /// Last taken or renewed.
    pub renewed_at: i64,
}

impl Store {
    /// Takes or renews the lease on `name` for `holder` until `now + ttl_ms`. True if `holder`
    /// holds it now; false if another holder's lease has not lapsed.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
        now: i64,
    ) -> Result<bool> {
        let sql = "INSERT INTO job_leases (name, holder, expires_at, renewed_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, renewed_at = excluded.renewed_at \
                   WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= excluded.renewed_at RETURNING holder";
        on_pool!(self, pool => {
            let got: Option<String> = sqlx::query_scalar(sql).bind(name).bind(holder).bind(now + ttl_ms.max(1)).bind(now).fetch_optional(pool).await?;
            Ok(got.as_deref() == Some(holder))
        })
    }

    /// Gives a lease up (a process stopping cleanly), if `holder` holds it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2").bind(name).bind(holder).execute(pool).await?;
            Ok(())
        })
    }

    /// Gives up every lease `holder` holds (the process is stopping).
    pub async fn release_leases_of(&self, holder: &str) -> Result<u64> {
        on_pool!(self, pool => {
            Ok(sqlx::query("DELETE FROM job_leases WHERE holder = $1").bind(holder).execute(pool).await?.rows_affected())
        })
    }

    /// Every lease, by job.
    pub async fn leases(&self) -> Result<Vec<LeaseRow>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, LeaseRow>("SELECT name, holder, expires_at, renewed_at FROM job_leases ORDER BY name").fetch_all(pool).await?)
        })
    }
}
