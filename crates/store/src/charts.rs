//! Counts the charts draw (M13), each cut by the caller's scope: alerts per Viet Nam day and
//! severity, the rules and organisations that raised most, Botnet findings per list period (new
//! and recurring), network attacks per day and kind, patch compliance as it stood day by day.

use crate::{scope_sql, Result, Store};
use canhgac_domain::Scope;

/// Milliseconds Viet Nam is ahead of UTC: days are counted from its midnight.
const VN_MS: i64 = 7 * 3_600_000;

/// A count in a series: (Viet Nam day number or period, key, count).
pub type Count = (i64, String, i64);

impl Store {
    /// Signals first seen since `since`, per Viet Nam day (days since 1970) and severity.
    pub async fn signals_per_day(&self, scope: &Scope, since: i64) -> Result<Vec<Count>> {
        let sql = format!("SELECT CAST((s.first_seen + {VN_MS}) / 86400000 AS BIGINT), s.severity, CAST(COUNT(*) AS BIGINT) FROM signals s WHERE s.first_seen >= $1{} GROUP BY 1, 2 ORDER BY 1, 2", scope_sql(scope, "s.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, Count>(&sql).bind(since).fetch_all(pool).await?) })
    }

    /// The Sigma rules that raised most alerts since `since`: (rule id, title, alerts).
    pub async fn top_rules(&self, scope: &Scope, since: i64, limit: i64) -> Result<Vec<Count>> {
        let sql = format!("SELECT r.id, r.title, CAST(COUNT(*) AS BIGINT) FROM signals s JOIN sigma_rules r ON r.rule_key = s.source WHERE s.kind = 'sigma_alert' AND s.first_seen >= $1{} GROUP BY r.id, r.title ORDER BY 3 DESC, r.id LIMIT $2", scope_sql(scope, "s.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, Count>(&sql).bind(since).bind(limit.clamp(1, 100)).fetch_all(pool).await?) })
    }

    /// The organisations with most signals since `since`: (organisation id, code, signals).
    pub async fn top_orgs(&self, scope: &Scope, since: i64, limit: i64) -> Result<Vec<Count>> {
        let sql = format!("SELECT o.id, o.code, CAST(COUNT(*) AS BIGINT) FROM signals s JOIN orgs o ON o.id = s.org_id WHERE s.first_seen >= $1{} GROUP BY o.id, o.code ORDER BY 3 DESC, o.code LIMIT $2", scope_sql(scope, "s.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, Count>(&sql).bind(since).bind(limit.clamp(1, 100)).fetch_all(pool).await?) })
    }

    /// Botnet findings per list period (`YYYY-MM` as YYYYMM) and whether the address was on the
    /// previous list too: (period, `new`|`recurring`, findings).
    pub async fn botnet_per_period(&self, scope: &Scope) -> Result<Vec<Count>> {
        let sql = format!("SELECT CAST(REPLACE(l.period, '-', '') AS BIGINT), CASE WHEN f.recurring <> 0 THEN 'recurring' ELSE 'new' END, CAST(COUNT(*) AS BIGINT) FROM botnet_findings f JOIN botnet_lists l ON l.id = f.list_id WHERE l.kind = 'botnet'{} GROUP BY 1, 2 ORDER BY 1, 2", scope_sql(scope, "f.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, Count>(&sql).fetch_all(pool).await?) })
    }

    /// Signals first seen since `since` that someone took up, with when: (first seen, the first
    /// change of state in the audit log). At most 100,000, the newest.
    pub async fn ack_times(&self, scope: &Scope, since: i64) -> Result<Vec<(i64, i64)>> {
        let sql = format!("SELECT s.first_seen, MIN(a.at) FROM signals s JOIN audit a ON a.entity = 'signals' AND a.entity_id = s.id AND a.action = 'transition' WHERE s.first_seen >= $1{} GROUP BY s.id, s.first_seen ORDER BY s.first_seen DESC LIMIT 100000", scope_sql(scope, "s.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (i64, i64)>(&sql).bind(since).fetch_all(pool).await?) })
    }

    /// Incidents detected since `since` and restored: (detected, recovered).
    pub async fn restore_times(&self, scope: &Scope, since: i64) -> Result<Vec<(i64, i64)>> {
        let sql = format!("SELECT i.detected_at, i.recovered_at FROM incidents i WHERE i.detected_at >= $1 AND i.recovered_at IS NOT NULL{} ORDER BY i.detected_at", scope_sql(scope, "i.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (i64, i64)>(&sql).bind(since).fetch_all(pool).await?) })
    }

    /// Patch compliance as it stood at each instant of `at` (Unix ms) in scope: (hosts registered
    /// by then, of them with a patch task open then). A task counts as open from its creation
    /// until it was closed or found not applicable (its last change), so the value at the present
    /// equals what [`Store::patch_compliance`] counts now.
    pub async fn patch_compliance_at(&self, scope: &Scope, at: &[i64]) -> Result<Vec<(i64, i64)>> {
        let hosts_sql = format!(
            "SELECT COUNT(*) FROM hosts h WHERE h.created_at <= $1{}",
            scope_sql(scope, "h.org_id")
        );
        let open_sql = format!(
            "SELECT COUNT(DISTINCT w.host_id) FROM work_items w WHERE w.kind = 'patch_task' AND w.created_at <= $1 \
             AND (w.state NOT IN ('closed', 'not_applicable') OR w.updated_at > $1){}",
            scope_sql(scope, "w.org_id")
        );
        let mut out = Vec::with_capacity(at.len());
        on_pool!(self, pool => {
            for t in at {
                let hosts: i64 = sqlx::query_scalar(&hosts_sql).bind(t).fetch_one(pool).await?;
                let open: i64 = sqlx::query_scalar(&open_sql).bind(t).fetch_one(pool).await?;
                out.push((hosts, open));
            }
            Ok(out)
        })
    }

    /// Network attacks started since `since`, per Viet Nam day and kind (the holder's or the
    /// operator's scope).
    pub async fn attacks_per_day(&self, scope: &Scope, since: i64) -> Result<Vec<Count>> {
        let w = match scope.ids() {
            None => String::new(),
            Some(ids) if ids.is_empty() => " AND 1=0".into(),
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                let list = list.join(",");
                format!(" AND (a.org_id IN ({list}) OR a.operator_org_id IN ({list}))")
            }
        };
        let sql = format!("SELECT CAST((a.started_at + {VN_MS}) / 86400000 AS BIGINT), a.kind, CAST(COUNT(*) AS BIGINT) FROM flow_attacks a WHERE a.started_at >= $1{w} GROUP BY 1, 2 ORDER BY 1, 2");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, Count>(&sql).bind(since).fetch_all(pool).await?) })
    }
}
