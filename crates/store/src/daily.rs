//! The daily duty report (M2): the day's figures in a scope — alerts by severity and where they
//! stand, incidents, Botnet hunting and patching progress, what was received and reported — and
//! the officer's edited text per organisation and day.

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// Progress of one kind of work item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WorkProgress {
    /// Still open.
    pub open: i64,
    /// Of them past due.
    pub overdue: i64,
    /// Closed (or not applicable) in all.
    pub closed: i64,
    /// Closed during the day.
    pub closed_today: i64,
}

/// A day's figures in a scope.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DailyCounts {
    /// Alerts first seen during the day, by severity (wire name).
    pub signals_by_severity: BTreeMap<String, i64>,
    /// The same alerts by the state they are in now (wire name).
    pub signals_by_state: BTreeMap<String, i64>,
    /// Incidents detected during the day: id, title, stage, organisation code.
    pub incidents_new: Vec<(i64, String, String, String)>,
    /// Incidents not closed.
    pub incidents_open: i64,
    /// Botnet hunting tasks.
    pub hunt: WorkProgress,
    /// Patch tasks.
    pub patch: WorkProgress,
    /// Directive items.
    pub directive: WorkProgress,
    /// National-platform alerts received during the day.
    pub platform_received: i64,
    /// Incident reports sent during the day.
    pub incident_reports_sent: i64,
    /// Directive items reported done during the day.
    pub directive_reports: i64,
    /// Heightened-period daily reports received for the day.
    pub period_reports: i64,
}

/// The officer's saved text for a day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DailyReportRow {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Day, `yyyy-mm-dd`.
    pub day: String,
    /// The narrative as edited.
    pub narrative: String,
    /// Remarks and proposals.
    pub remarks: String,
    /// Saved.
    pub saved_at: i64,
    /// By.
    pub saved_by: String,
}

impl Store {
    /// The figures of `[from, to)` (a local day) in scope; `day` is the same day as `yyyy-mm-dd`.
    pub async fn daily_counts(
        &self,
        scope: &Scope,
        day: &str,
        from: i64,
        to: i64,
    ) -> Result<DailyCounts> {
        let w = |col: &str| scope_sql(scope, col);
        let sev_sql = format!("SELECT severity, COUNT(*) FROM signals WHERE first_seen >= $1 AND first_seen < $2{} GROUP BY severity", w("org_id"));
        let state_sql = format!("SELECT state, COUNT(*) FROM signals WHERE first_seen >= $1 AND first_seen < $2{} GROUP BY state", w("org_id"));
        let inc_sql = format!(
            "SELECT i.id, i.title, i.stage, o.code FROM incidents i JOIN orgs o ON o.id = i.org_id WHERE i.detected_at >= $1 AND i.detected_at < $2{} ORDER BY i.detected_at LIMIT 50",
            w("i.org_id")
        );
        let open_sql = format!(
            "SELECT COUNT(*) FROM incidents WHERE stage <> 'closed' AND $1 = $1 AND $2 = $2{}",
            w("org_id")
        );
        let work_sql = format!(
            "SELECT kind, \
             COALESCE(SUM(CASE WHEN state NOT IN ('closed', 'not_applicable') THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN state NOT IN ('closed', 'not_applicable') AND due_at < $2 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN state IN ('closed', 'not_applicable') THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN state IN ('closed', 'not_applicable') AND updated_at >= $1 AND updated_at < $2 THEN 1 ELSE 0 END), 0) \
             FROM work_items WHERE kind IN ('hunt_task', 'patch_task', 'directive_item'){} GROUP BY kind",
            w("org_id")
        );
        let plat_sql = format!(
            "SELECT COUNT(*) FROM platform_alerts WHERE received_at >= $1 AND received_at < $2{}",
            w("org_id")
        );
        let rep_sql = format!(
            "SELECT COUNT(*) FROM incident_reports WHERE sent_at >= $1 AND sent_at < $2{}",
            w("org_id")
        );
        let dir_sql = format!(
            "SELECT COUNT(*) FROM work_notes n JOIN work_items wi ON wi.id = n.work_item_id WHERE wi.kind = 'directive_item' AND n.action = 'report_done' AND n.at >= $1 AND n.at < $2{}",
            w("wi.org_id")
        );
        let per_sql = format!(
            "SELECT COUNT(*) FROM period_reports WHERE day = $1{}",
            w("org_id")
        );
        on_pool!(self, pool => {
            let sev: Vec<(String, i64)> = sqlx::query_as(&sev_sql).bind(from).bind(to).fetch_all(pool).await?;
            let st: Vec<(String, i64)> = sqlx::query_as(&state_sql).bind(from).bind(to).fetch_all(pool).await?;
            let incs: Vec<(i64, String, String, String)> = sqlx::query_as(&inc_sql).bind(from).bind(to).fetch_all(pool).await?;
            let open: i64 = sqlx::query_scalar(&open_sql).bind(from).bind(to).fetch_one(pool).await?;
            let work: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(&work_sql).bind(from).bind(to).fetch_all(pool).await?;
            let plat: i64 = sqlx::query_scalar(&plat_sql).bind(from).bind(to).fetch_one(pool).await?;
            let rep: i64 = sqlx::query_scalar(&rep_sql).bind(from).bind(to).fetch_one(pool).await?;
            let dir: i64 = sqlx::query_scalar(&dir_sql).bind(from).bind(to).fetch_one(pool).await?;
            let per: i64 = sqlx::query_scalar(&per_sql).bind(day).fetch_one(pool).await?;
            let progress = |k: &str| work.iter().find(|r| r.0 == k).map(|r| WorkProgress { open: r.1, overdue: r.2, closed: r.3, closed_today: r.4 }).unwrap_or_default();
            Ok(DailyCounts {
                signals_by_severity: sev.into_iter().collect(),
                signals_by_state: st.into_iter().collect(),
                incidents_new: incs,
                incidents_open: open,
                hunt: progress("hunt_task"),
                patch: progress("patch_task"),
                directive: progress("directive_item"),
                platform_received: plat,
                incident_reports_sent: rep,
                directive_reports: dir,
                period_reports: per,
            })
        })
    }

    /// The DIC (the province's own organisation), if the registry has one.
    pub async fn dic_org(&self) -> Result<Option<i64>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM orgs WHERE kind = 'dic' ORDER BY id LIMIT 1").fetch_optional(pool).await?)
        })
    }

    /// An organisation's code, name and kind.
    pub async fn org_brief(&self, org_id: i64) -> Result<Option<(String, String, String)>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (String, String, String)>("SELECT code, name, kind FROM orgs WHERE id = $1").bind(org_id).fetch_optional(pool).await?)
        })
    }

    /// The saved text of an organisation's report for a day, in scope.
    pub async fn daily_report(
        &self,
        scope: &Scope,
        org_id: i64,
        day: &str,
    ) -> Result<Option<DailyReportRow>> {
        if !scope.contains(org_id) {
            return Ok(None);
        }
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, DailyReportRow>("SELECT id, org_id, day, narrative, remarks, saved_at, saved_by FROM daily_reports WHERE org_id = $1 AND day = $2")
                .bind(org_id).bind(day).fetch_optional(pool).await?)
        })
    }

    /// Saves the edited text of an organisation's report for a day (in scope); audited with
    /// before and after.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_daily_report(
        &self,
        scope: &Scope,
        actor: &Actor,
        org_id: i64,
        day: &str,
        narrative: &str,
        remarks: &str,
        now: i64,
    ) -> Result<i64> {
        if !scope.contains(org_id) {
            return Err(StoreError::NotFound);
        }
        let narrative: String = narrative.trim().chars().take(20_000).collect();
        let remarks: String = remarks.trim().chars().take(8_000).collect();
        let before = self.daily_report(scope, org_id, day).await?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO daily_reports (org_id, day, narrative, remarks, saved_at, saved_by) VALUES ($1, $2, $3, $4, $5, $6) \
                ON CONFLICT (org_id, day) DO UPDATE SET narrative = excluded.narrative, remarks = excluded.remarks, saved_at = excluded.saved_at, saved_by = excluded.saved_by RETURNING id")
                .bind(org_id).bind(day).bind(&narrative).bind(&remarks).bind(now).bind(&actor.email).fetch_one(&mut *tx).await?;
            let b = before.as_ref().map(|r| json!({"narrative": r.narrative, "remarks": r.remarks}));
            let after = json!({"day": day, "narrative": narrative, "remarks": remarks});
            let e = audit::row(actor, Some(org_id), if before.is_some() { "update" } else { "create" }, "daily_reports", Some(id), b.as_ref().and_then(|v| v.as_object()), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }
}
