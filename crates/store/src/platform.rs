//! National-platform alerts: the senders allowed to push them, the alerts by platform id, and
//! the signatures already seen.

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Result, Store};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// A sender of platform alerts, as the webhook needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlatformSource {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The HMAC-SHA256 key of its signatures.
    pub secret: String,
    /// Whether it may send (0/1).
    pub active: i64,
}

/// An alert as received.
#[derive(Debug, Clone)]
pub struct NewPlatformAlert {
    /// Sender.
    pub source_id: i64,
    /// The platform's own id for it.
    pub platform_id: String,
    /// When the platform raised it (Unix ms).
    pub alert_time: Option<i64>,
    /// Its type as the platform names it.
    pub alert_type: String,
    /// The IP, domain or URL it concerns.
    pub target: String,
    /// Description.
    pub description: String,
    /// Severity (wire name).
    pub severity: String,
    /// What to do.
    pub recommendation: String,
    /// The organisation it was routed to (`None`: the DIC's queue).
    pub org_id: Option<i64>,
    /// The registered host it names.
    pub host_id: Option<i64>,
}

/// A stored platform alert.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct PlatformAlertRow {
    /// Id.
    pub id: i64,
    /// Sender's name.
    pub source: String,
    /// The platform's id.
    pub platform_id: String,
    /// When raised (Unix ms).
    pub alert_time: Option<i64>,
    /// Type.
    pub alert_type: String,
    /// Target.
    pub target: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: String,
    /// Recommendation.
    pub recommendation: String,
    /// Routed to (`None`: the DIC's queue).
    pub org_id: Option<i64>,
    /// Its code.
    pub org_code: Option<String>,
    /// The signal it raised.
    pub signal_id: Option<i64>,
    /// Its handling state (the signal's), when it has one.
    pub status: Option<String>,
    /// First received.
    pub received_at: i64,
    /// Last updated.
    pub updated_at: i64,
    /// Times received.
    pub times: i64,
}

impl Store {
    /// Registers a sender of platform alerts (its token stored only as a hash); audited.
    pub async fn create_platform_source(
        &self,
        actor: &Actor,
        name: &str,
        token_hash: &str,
        secret: &str,
    ) -> Result<i64> {
        let now = now_ms();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO platform_sources (name, token_hash, secret, active, created_at) VALUES ($1, $2, $3, 1, $4) RETURNING id",
            )
            .bind(name).bind(token_hash).bind(secret).bind(now).fetch_one(&mut *tx).await?;
            let after = json!({"name": name});
            let e = audit::row(actor, None, "create", "platform_sources", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// The active sender with this token hash.
    pub async fn platform_source_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<PlatformSource>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, PlatformSource>(
                "SELECT id, name, secret, active FROM platform_sources WHERE token_hash = $1 AND active = 1",
            )
            .bind(token_hash).fetch_optional(pool).await?)
        })
    }

    /// The sender with this name (for the DIC's own file uploads).
    pub async fn platform_source_by_name(&self, name: &str) -> Result<Option<PlatformSource>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, PlatformSource>(
                "SELECT id, name, secret, active FROM platform_sources WHERE name = $1",
            )
            .bind(name).fetch_optional(pool).await?)
        })
    }

    /// Records a signature; `false` when it was seen before (a replay). Signatures older than
    /// `keep_ms` are forgotten (the timestamp check refuses those messages anyway).
    pub async fn remember_signature(
        &self,
        source_id: i64,
        signature: &str,
        now: i64,
        keep_ms: i64,
    ) -> Result<bool> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM platform_nonces WHERE seen_at < $1").bind(now - keep_ms).execute(pool).await?;
            let done = sqlx::query(
                "INSERT INTO platform_nonces (source_id, signature, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(source_id).bind(signature).bind(now).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Stores an alert, or updates the one with the same platform id from the same sender
    /// (counting it); returns `(id, new)`.
    pub async fn upsert_platform_alert(&self, a: &NewPlatformAlert) -> Result<(i64, bool)> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM platform_alerts WHERE source_id = $1 AND platform_id = $2",
            )
            .bind(a.source_id).bind(&a.platform_id).fetch_optional(&mut *tx).await?;
            let out = match existing {
                Some(id) => {
                    sqlx::query(
                        "UPDATE platform_alerts SET alert_time = $1, alert_type = $2, target = $3, description = $4, \
                         severity = $5, recommendation = $6, org_id = $7, host_id = $8, updated_at = $9, times = times + 1 WHERE id = $10",
                    )
                    .bind(a.alert_time).bind(&a.alert_type).bind(&a.target).bind(&a.description)
                    .bind(&a.severity).bind(&a.recommendation).bind(a.org_id).bind(a.host_id).bind(now).bind(id)
                    .execute(&mut *tx).await?;
                    (id, false)
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO platform_alerts (source_id, platform_id, alert_time, alert_type, target, description, \
                         severity, recommendation, org_id, host_id, received_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                    )
                    .bind(a.source_id).bind(&a.platform_id).bind(a.alert_time).bind(&a.alert_type).bind(&a.target)
                    .bind(&a.description).bind(&a.severity).bind(&a.recommendation).bind(a.org_id).bind(a.host_id).bind(now)
                    .fetch_one(&mut *tx).await?;
                    (id, true)
                }
            };
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Links an alert to the signal it raised.
    pub async fn set_platform_alert_signal(&self, id: i64, signal_id: i64) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE platform_alerts SET signal_id = $1 WHERE id = $2").bind(signal_id).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// Platform alerts in scope, newest first: the DIC's queue (no organisation) only in the
    /// full scope; `queue_only` for just that queue.
    pub async fn list_platform_alerts(
        &self,
        scope: &Scope,
        queue_only: bool,
        limit: i64,
    ) -> Result<Vec<PlatformAlertRow>> {
        let mut w = String::from(" WHERE 1=1");
        if scope.ids().is_some() {
            w.push_str(" AND a.org_id IS NOT NULL");
            w.push_str(&scope_sql(scope, "a.org_id"));
        }
        if queue_only {
            w.push_str(" AND a.org_id IS NULL");
        }
        let sql = format!(
            "SELECT a.id, p.name AS source, a.platform_id, a.alert_time, a.alert_type, a.target, a.description, \
             a.severity, a.recommendation, a.org_id, o.code AS org_code, a.signal_id, s.state AS status, \
             a.received_at, a.updated_at, a.times FROM platform_alerts a JOIN platform_sources p ON p.id = a.source_id \
             LEFT JOIN orgs o ON o.id = a.org_id LEFT JOIN signals s ON s.id = a.signal_id{w} \
             ORDER BY a.received_at DESC, a.id DESC LIMIT {}",
            limit.clamp(1, 5000)
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, PlatformAlertRow>(&sql).fetch_all(pool).await?)
        })
    }
}
