//! Shift handover (M2): what happened in an organisation during a shift and what is still open
//! (counted from the signals, incidents, work items and platform alerts), the outgoing officer's
//! note with their remarks, and the incoming officer's acknowledgement.

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A line of a digest: an id, its title and a word (severity or stage, as stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DigestItem {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Severity (signals) or stage (incidents), wire name.
    pub word: String,
}

/// What happened during a shift and what is still open, for one organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Digest {
    /// Signals first seen during the shift.
    pub signals_new: i64,
    /// Of them high or critical.
    pub signals_new_high: i64,
    /// Incidents detected during the shift.
    pub incidents_new: i64,
    /// Work items closed during the shift.
    pub work_closed: i64,
    /// National-platform alerts received during the shift.
    pub platform_new: i64,
    /// High or critical signals still open at the end.
    pub open_signals_high: i64,
    /// Incidents not closed at the end.
    pub open_incidents: i64,
    /// Open work items past their due date at the end.
    pub overdue_work: i64,
    /// The shift's high and critical signals (at most 10, newest first).
    pub top_signals: Vec<DigestItem>,
    /// The open incidents (at most 10, newest first).
    pub incidents: Vec<DigestItem>,
}

/// A handover.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverRow {
    /// Id.
    pub id: i64,
    /// The shift handed over.
    pub shift_id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: Option<String>,
    /// Outgoing officer.
    pub from_user: Option<i64>,
    /// Their name.
    pub from_name: Option<String>,
    /// Incoming officer (the next shift's).
    pub to_user: Option<i64>,
    /// Their name.
    pub to_name: Option<String>,
    /// What happened and what is open.
    pub digest: Digest,
    /// The outgoing officer's remarks.
    pub remarks: String,
    /// Prepared.
    pub prepared_at: i64,
    /// By.
    pub prepared_by: String,
    /// Acknowledged.
    pub acknowledged_at: Option<i64>,
    /// By.
    pub acknowledged_by: Option<String>,
    /// The shift's end.
    pub ends_at: i64,
}

type HandoverTuple = (
    i64,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
    i64,
);

fn row(t: HandoverTuple) -> HandoverRow {
    HandoverRow {
        id: t.0,
        shift_id: t.1,
        org_id: t.2,
        org_code: t.3,
        from_user: t.4,
        from_name: t.5,
        to_user: t.6,
        to_name: t.7,
        digest: serde_json::from_str(&t.8).unwrap_or_default(),
        remarks: t.9,
        prepared_at: t.10,
        prepared_by: t.11,
        acknowledged_at: t.12,
        acknowledged_by: t.13,
        ends_at: t.14,
    }
}

const HANDOVER_SELECT: &str = "SELECT h.id, h.shift_id, h.org_id, o.code, h.from_user, fu.full_name, h.to_user, tu.full_name, \
    h.digest, h.remarks, h.prepared_at, h.prepared_by, h.acknowledged_at, h.acknowledged_by, s.ends_at \
    FROM duty_handovers h JOIN orgs o ON o.id = h.org_id JOIN duty_shifts s ON s.id = h.shift_id \
    LEFT JOIN users fu ON fu.id = h.from_user LEFT JOIN users tu ON tu.id = h.to_user";

impl Store {
    /// Counts what happened in an organisation in `[from, to)` and what is open at `to` — across
    /// the whole province when `province` (the DIC's duty watches every organisation).
    pub async fn shift_digest(
        &self,
        org_id: i64,
        province: bool,
        from: i64,
        to: i64,
    ) -> Result<Digest> {
        // `$1 = $1` keeps the parameter numbering when the organisation is not a condition.
        let w = if province { "$1 = $1" } else { "org_id = $1" };
        let q = |rest: &str| format!("SELECT COUNT(*) FROM {rest}").replace("{w}", w);
        let sql = [
            q("signals WHERE {w} AND first_seen >= $2 AND first_seen < $3"),
            q("signals WHERE {w} AND first_seen >= $2 AND first_seen < $3 AND severity IN ('high', 'critical')"),
            q("incidents WHERE {w} AND detected_at >= $2 AND detected_at < $3"),
            q("work_items WHERE {w} AND updated_at >= $2 AND updated_at < $3 AND state IN ('closed', 'not_applicable')"),
            q("platform_alerts WHERE {w} AND received_at >= $2 AND received_at < $3"),
            q("signals WHERE {w} AND $2 = $2 AND state IN ('new', 'acknowledged', 'in_progress') AND severity IN ('high', 'critical') AND first_seen < $3"),
            q("incidents WHERE {w} AND $2 = $2 AND stage <> 'closed' AND detected_at < $3"),
            q("work_items WHERE {w} AND $2 = $2 AND state NOT IN ('closed', 'not_applicable') AND due_at < $3"),
        ];
        let top_sql = format!("SELECT id, title, severity FROM signals WHERE {w} AND first_seen >= $2 AND first_seen < $3 AND severity IN ('high', 'critical') ORDER BY first_seen DESC LIMIT 10");
        let inc_sql = format!("SELECT id, title, stage FROM incidents WHERE {w} AND $2 = $2 AND stage <> 'closed' AND detected_at < $3 ORDER BY detected_at DESC LIMIT 10");
        let mut n = [0i64; 8];
        on_pool!(self, pool => {
            for (i, q) in sql.iter().enumerate() {
                n[i] = sqlx::query_scalar::<_, i64>(q).bind(org_id).bind(from).bind(to).fetch_one(pool).await?;
            }
            let top: Vec<(i64, String, String)> = sqlx::query_as(&top_sql).bind(org_id).bind(from).bind(to).fetch_all(pool).await?;
            let incs: Vec<(i64, String, String)> = sqlx::query_as(&inc_sql).bind(org_id).bind(from).bind(to).fetch_all(pool).await?;
            let item = |(id, title, word): (i64, String, String)| DigestItem { id, title, word };
            Ok(Digest {
                signals_new: n[0], signals_new_high: n[1], incidents_new: n[2], work_closed: n[3], platform_new: n[4],
                open_signals_high: n[5], open_incidents: n[6], overdue_work: n[7],
                top_signals: top.into_iter().map(item).collect(),
                incidents: incs.into_iter().map(item).collect(),
            })
        })
    }

    /// Prepares (or, until acknowledged, re-prepares with new remarks) the handover of a shift in
    /// scope: its digest counted now, the incoming officer the next shift's. Audited.
    pub async fn prepare_handover(
        &self,
        scope: &Scope,
        actor: &Actor,
        shift_id: i64,
        remarks: &str,
    ) -> Result<i64> {
        let s = self
            .shift(scope, shift_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let next: Option<Option<i64>> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT user_id FROM duty_shifts WHERE org_id = $1 AND starts_at >= $2 AND id <> $3 ORDER BY starts_at, id LIMIT 1")
                .bind(s.org_id).bind(s.ends_at - 60_000).bind(s.id).fetch_optional(pool).await?
        });
        let now = now_ms();
        let province: bool = on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orgs WHERE id = $1 AND kind = 'dic'").bind(s.org_id).fetch_one(pool).await?
        }) > 0;
        let digest = self
            .shift_digest(
                s.org_id,
                province,
                s.starts_at,
                s.ends_at.min(now).max(s.starts_at),
            )
            .await?;
        let text = serde_json::to_string(&digest).unwrap_or_else(|_| "{}".into());
        let remarks: String = remarks.trim().chars().take(4000).collect();
        let existing: Option<(i64, Option<i64>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, acknowledged_at FROM duty_handovers WHERE shift_id = $1").bind(shift_id).fetch_optional(pool).await?
        });
        if let Some((_, Some(_))) = existing {
            return Err(StoreError::Conflict(
                "this handover was already acknowledged".into(),
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = match existing {
                Some((id, _)) => {
                    sqlx::query("UPDATE duty_handovers SET digest = $1, remarks = $2, prepared_at = $3, prepared_by = $4 WHERE id = $5")
                        .bind(&text).bind(&remarks).bind(now).bind(&actor.email).bind(id).execute(&mut *tx).await?;
                    id
                }
                None => sqlx::query_scalar::<_, i64>("INSERT INTO duty_handovers (shift_id, org_id, from_user, to_user, digest, remarks, prepared_at, prepared_by) \
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                    .bind(shift_id).bind(s.org_id).bind(s.user_id).bind(next.flatten()).bind(&text).bind(&remarks).bind(now).bind(&actor.email)
                    .fetch_one(&mut *tx).await?,
            };
            let after = json!({"shift_id": shift_id, "remarks": remarks});
            let e = audit::row(actor, Some(s.org_id), if existing.is_some() { "update" } else { "create" }, "duty_handovers", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// The incoming officer (or anyone who may write in the organisation) acknowledges a
    /// handover; once. Audited.
    pub async fn acknowledge_handover(&self, scope: &Scope, actor: &Actor, id: i64) -> Result<()> {
        let h = self
            .handover(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if h.acknowledged_at.is_some() {
            return Err(StoreError::Conflict(
                "this handover was already acknowledged".into(),
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE duty_handovers SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3")
                .bind(now_ms()).bind(&actor.email).bind(id).execute(&mut *tx).await?;
            let after = json!({"acknowledged": true});
            let e = audit::row(actor, Some(h.org_id), "acknowledge", "duty_handovers", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// One handover in scope.
    pub async fn handover(&self, scope: &Scope, id: i64) -> Result<Option<HandoverRow>> {
        let sql = format!(
            "{HANDOVER_SELECT} WHERE h.id = $1{}",
            scope_sql(scope, "h.org_id")
        );
        let r: Option<HandoverTuple> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        Ok(r.map(row))
    }

    /// Handovers in scope, newest first (unacknowledged only when asked).
    pub async fn handovers(
        &self,
        scope: &Scope,
        pending_only: bool,
        limit: i64,
    ) -> Result<Vec<HandoverRow>> {
        let pending = if pending_only {
            " AND h.acknowledged_at IS NULL"
        } else {
            ""
        };
        let sql = format!(
            "{HANDOVER_SELECT} WHERE 1=1{}{pending} ORDER BY h.prepared_at DESC LIMIT {}",
            scope_sql(scope, "h.org_id"),
            limit.clamp(1, 500)
        );
        let rows: Vec<HandoverTuple> = on_pool!(self, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(row).collect())
    }

    /// The handover of a shift, if prepared.
    pub async fn handover_of_shift(
        &self,
        scope: &Scope,
        shift_id: i64,
    ) -> Result<Option<HandoverRow>> {
        let sql = format!(
            "{HANDOVER_SELECT} WHERE h.shift_id = $1{}",
            scope_sql(scope, "h.org_id")
        );
        let r: Option<HandoverTuple> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(shift_id).fetch_optional(pool).await?
        });
        Ok(r.map(row))
    }
}
