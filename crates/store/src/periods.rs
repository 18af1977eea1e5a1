//! Heightened periods (M2): the periods (the DIC's), each organisation's daily reports during
//! one, and the tightening of open tasks' due dates (once per task and period, audited as the
//! work item's `tighten_due`).

use crate::BeginWrite;
use crate::{audit, invalid, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::period::{tighten, PeriodSpec};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// A period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct PeriodRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// First day, `yyyy-mm-dd`.
    pub first_day: String,
    /// Last day, `yyyy-mm-dd`.
    pub last_day: String,
    /// Share of the usual time limits that remains, per cent.
    pub factor_pct: i64,
    /// The daily report's form, `key | label` lines.
    pub form: String,
    /// Recorded.
    pub created_at: i64,
    /// By.
    pub created_by: String,
}

impl PeriodRow {
    /// First and last day.
    pub fn span(&self) -> (NaiveDate, NaiveDate) {
        (
            self.first_day.parse().unwrap_or_default(),
            self.last_day.parse().unwrap_or_default(),
        )
    }
}

/// An organisation's daily report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodReportRow {
    /// Id.
    pub id: i64,
    /// Period.
    pub period_id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// Its name.
    pub org_name: String,
    /// The day reported on, `yyyy-mm-dd`.
    pub day: String,
    /// The form's values by key.
    pub fields: BTreeMap<String, String>,
    /// Sent.
    pub submitted_at: i64,
    /// By.
    pub submitted_by: String,
}

type ReportTuple = (i64, i64, i64, String, String, String, String, i64, String);

fn report_row(t: ReportTuple) -> PeriodReportRow {
    PeriodReportRow {
        id: t.0,
        period_id: t.1,
        org_id: t.2,
        org_code: t.3,
        org_name: t.4,
        day: t.5,
        fields: serde_json::from_str(&t.6).unwrap_or_default(),
        submitted_at: t.7,
        submitted_by: t.8,
    }
}

const PERIOD_COLS: &str = "id, name, first_day, last_day, factor_pct, form, created_at, created_by";
const REPORT_SELECT: &str = "SELECT r.id, r.period_id, r.org_id, o.code, o.name, r.day, r.fields, r.submitted_at, r.submitted_by FROM period_reports r JOIN orgs o ON o.id = r.org_id";

impl Store {
    /// Records a period (province-wide scope only); it may not overlap another. Audited.
    pub async fn create_period(&self, scope: &Scope, actor: &Actor, p: &PeriodSpec) -> Result<i64> {
        if scope.ids().is_some() {
            return Err(StoreError::Forbidden(
                "only the DIC declares heightened periods".into(),
            ));
        }
        let (first, last) = (p.first.to_string(), p.last.to_string());
        let clash: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT name FROM heightened_periods WHERE first_day <= $2 AND last_day >= $1 LIMIT 1")
                .bind(&first).bind(&last).fetch_optional(pool).await?
        });
        if let Some(n) = clash {
            return Err(invalid(
                "first",
                &format!("overlaps the period \u{201c}{n}\u{201d}"),
                &format!("trùng với đợt \u{201c}{n}\u{201d}"),
            ));
        }
        let form: String = p
            .form
            .fields
            .iter()
            .map(|(k, l)| format!("{k} | {l}"))
            .collect::<Vec<_>>()
            .join("\n");
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO heightened_periods (name, first_day, last_day, factor_pct, form, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(&p.name).bind(&first).bind(&last).bind(p.factor_pct).bind(&form).bind(now_ms()).bind(&actor.email).fetch_one(&mut *tx).await?;
            let after = json!({"name": p.name, "first_day": first, "last_day": last, "factor_pct": p.factor_pct});
            let e = audit::row(actor, None, "create", "heightened_periods", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Every period, the latest first.
    pub async fn periods(&self) -> Result<Vec<PeriodRow>> {
        let sql = format!("SELECT {PERIOD_COLS} FROM heightened_periods ORDER BY first_day DESC, id DESC LIMIT 200");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, PeriodRow>(&sql).fetch_all(pool).await?) })
    }

    /// One period.
    pub async fn period(&self, id: i64) -> Result<Option<PeriodRow>> {
        let sql = format!("SELECT {PERIOD_COLS} FROM heightened_periods WHERE id = $1");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, PeriodRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// The period under way at `now`, if any.
    pub async fn active_period(&self, now: i64) -> Result<Option<PeriodRow>> {
        let today = canhgac_domain::duty::local_date(now).to_string();
        let sql = format!("SELECT {PERIOD_COLS} FROM heightened_periods WHERE first_day <= $1 AND last_day >= $1 ORDER BY id LIMIT 1");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, PeriodRow>(&sql).bind(&today).fetch_optional(pool).await?) })
    }

    /// The organisations that report during a period, in scope: the DIC itself and those
    /// directly under it.
    pub async fn period_recipients(&self, scope: &Scope) -> Result<Vec<(i64, String, String)>> {
        let sql = format!(
            "SELECT o.id, o.code, o.name FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id WHERE (p.kind = 'dic' OR o.kind = 'dic'){} ORDER BY o.code",
            scope_sql(scope, "o.id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (i64, String, String)>(&sql).fetch_all(pool).await?) })
    }

    /// Sends (or corrects) an organisation's report for a day of a period: the organisation in
    /// scope, the day within the period and not in the future; only the form's keys are kept.
    /// Audited with before and after.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit_period_report(
        &self,
        scope: &Scope,
        actor: &Actor,
        period_id: i64,
        org_id: i64,
        day: NaiveDate,
        fields: &BTreeMap<String, String>,
        now: i64,
    ) -> Result<i64> {
        if !scope.contains(org_id) {
            return Err(StoreError::NotFound);
        }
        let p = self.period(period_id).await?.ok_or(StoreError::NotFound)?;
        let (first, last) = p.span();
        if day < first || day > last {
            return Err(invalid(
                "day",
                "the day is outside the period",
                "ngày báo cáo nằm ngoài đợt cao điểm",
            ));
        }
        if day > canhgac_domain::duty::local_date(now) {
            return Err(invalid(
                "day",
                "a day still to come",
                "chưa đến ngày báo cáo",
            ));
        }
        let keys: Vec<&str> = p
            .form
            .lines()
            .filter_map(|l| l.split_once('|'))
            .map(|(k, _)| k.trim())
            .collect();
        let kept: BTreeMap<String, String> = fields
            .iter()
            .filter(|(k, _)| keys.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.trim().chars().take(4000).collect()))
            .collect();
        let text = serde_json::to_string(&kept).unwrap_or_else(|_| "{}".into());
        let before: Option<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, fields FROM period_reports WHERE period_id = $1 AND org_id = $2 AND day = $3")
                .bind(period_id).bind(org_id).bind(day.to_string()).fetch_optional(pool).await?
        });
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO period_reports (period_id, org_id, day, fields, submitted_at, submitted_by) VALUES ($1, $2, $3, $4, $5, $6) \
                ON CONFLICT (period_id, org_id, day) DO UPDATE SET fields = excluded.fields, submitted_at = excluded.submitted_at, submitted_by = excluded.submitted_by RETURNING id")
                .bind(period_id).bind(org_id).bind(day.to_string()).bind(&text).bind(now).bind(&actor.email).fetch_one(&mut *tx).await?;
            let b = before.as_ref().and_then(|(_, f)| serde_json::from_str::<serde_json::Value>(f).ok());
            let mut after = serde_json::to_value(&kept).unwrap_or_default();
            if let Some(o) = after.as_object_mut() {
                o.insert("period_id".into(), json!(period_id));
                o.insert("day".into(), json!(day.to_string()));
            }
            let e = audit::row(actor, Some(org_id), if before.is_some() { "update" } else { "create" }, "period_reports", Some(id), b.as_ref().and_then(|v| v.as_object()), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// A period's reports in scope, by day then organisation.
    pub async fn period_reports(
        &self,
        scope: &Scope,
        period_id: i64,
    ) -> Result<Vec<PeriodReportRow>> {
        let sql = format!(
            "{REPORT_SELECT} WHERE r.period_id = $1{} ORDER BY r.day, o.code",
            scope_sql(scope, "r.org_id")
        );
        let rows: Vec<ReportTuple> =
            on_pool!(self, pool => { sqlx::query_as(&sql).bind(period_id).fetch_all(pool).await? });
        Ok(rows.into_iter().map(report_row).collect())
    }

    /// One report in scope.
    pub async fn period_report(&self, scope: &Scope, id: i64) -> Result<Option<PeriodReportRow>> {
        let sql = format!(
            "{REPORT_SELECT} WHERE r.id = $1{}",
            scope_sql(scope, "r.org_id")
        );
        let row: Option<ReportTuple> =
            on_pool!(self, pool => { sqlx::query_as(&sql).bind(id).fetch_optional(pool).await? });
        Ok(row.map(report_row))
    }

    /// Tightens, once per task, every open task still due after `now`: what remains is cut to
    /// the period's share. Returns how many.
    pub async fn tighten_for_period(&self, p: &PeriodRow, now: i64) -> Result<u64> {
        let due: Vec<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT w.id, w.due_at FROM work_items w WHERE w.state NOT IN ('closed', 'not_applicable') AND w.due_at > $1 \
                AND NOT EXISTS (SELECT 1 FROM period_tightened t WHERE t.work_item_id = w.id AND t.period_id = $2) ORDER BY w.id LIMIT 5000")
                .bind(now).bind(p.id).fetch_all(pool).await?
        });
        let actor = Actor::system(&format!("period:{}", p.id));
        let mut n = 0;
        for (id, before) in due {
            let after = tighten(before, now, p.factor_pct);
            self.tighten_work_due(&actor, id, after).await?;
            on_pool!(self, pool => {
                sqlx::query("INSERT INTO period_tightened (work_item_id, period_id, before_due, after_due) VALUES ($1, $2, $3, $4) ON CONFLICT (work_item_id, period_id) DO NOTHING")
                    .bind(id).bind(p.id).bind(before).bind(after).execute(pool).await?;
            });
            n += 1;
        }
        Ok(n)
    }

    /// How many tasks a period tightened.
    pub async fn period_tightened(&self, period_id: i64) -> Result<i64> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM period_tightened WHERE period_id = $1").bind(period_id).fetch_one(pool).await?)
        })
    }
}
