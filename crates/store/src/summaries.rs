//! The periodic reports' figures (M13) — per organisation over a time range, each counted the
//! way the page or API that lists the same records counts them — and scheduled reports with
//! every copy generated and whom it was mailed to.

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::signal::Severity;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// One organisation's figures over `[from, to)`. Alerts' and tasks' states are as they stand
/// when counted; patch compliance as it stood at the range's end (or now, if sooner).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrgFigures {
    /// Organisation (0: what no organisation claims, in the province's view only).
    pub org_id: i64,
    /// Its code (empty for 0).
    pub code: String,
    /// Its name (empty for 0).
    pub name: String,
    /// Its kind (`dic`, `agency`, `district`, `telecom`, …; `none` for 0).
    pub kind: String,
    /// Whether it sends the heightened periods' daily reports (the DIC and those right below).
    pub files_period_reports: bool,
    /// Alerts first seen in the range.
    pub alerts: i64,
    /// Of them critical.
    pub alerts_critical: i64,
    /// High.
    pub alerts_high: i64,
    /// Medium.
    pub alerts_medium: i64,
    /// Low.
    pub alerts_low: i64,
    /// For information.
    pub alerts_info: i64,
    /// Taken up (their state changed at least once).
    pub alerts_taken_up: i64,
    /// Taken up within their severity's limit.
    pub alerts_taken_in_time: i64,
    /// Resolved.
    pub alerts_resolved: i64,
    /// Found false positives.
    pub alerts_false_positive: i64,
    /// Incidents detected in the range.
    pub incidents: i64,
    /// Of them restored.
    pub incidents_restored: i64,
    /// Incident reports sent in the range.
    pub incident_reports_sent: i64,
    /// Addresses named by the Botnet lists of the range's months (an address listed twice, or
    /// by a list imported again, counts once).
    pub botnet_findings: i64,
    /// Of them cleaned up (their hunting task closed or found not applicable).
    pub botnet_cleaned: i64,
    /// Hosts registered at the range's end.
    pub hosts: i64,
    /// Of them with a patch task open then.
    pub hosts_to_patch: i64,
    /// Patch tasks closed in the range.
    pub patch_closed: i64,
    /// Patch tasks open and past their deadline at the range's end.
    pub patch_overdue: i64,
    /// Directive items due in the range.
    pub directive_due: i64,
    /// Of them reported done by their deadline.
    pub directive_done_in_time: i64,
    /// Days of the range with a daily report saved or a heightened-period report sent.
    pub report_days: i64,
    /// Days of the range with a heightened-period report sent.
    pub period_report_days: i64,
    /// Duty shifts starting in the range.
    pub shifts: i64,
    /// Of them with nobody on them.
    pub shifts_unstaffed: i64,
    /// National-platform alerts received in the range.
    pub platform_alerts: i64,
    /// Spam and fraud reports received in the range (corrected ones not counted twice).
    pub spam_reports: i64,
    /// Spam cases closed in the range.
    pub spam_cases_closed: i64,
    /// Network attacks on its addresses that started in the range.
    pub attacks: i64,
}

impl OrgFigures {
    /// Patch compliance at the range's end: share of hosts with no open patch task, in per
    /// cent to one decimal (100 with no host), as the patching page computes it.
    pub fn compliance_pct(&self) -> f64 {
        if self.hosts > 0 {
            (1000.0 * (self.hosts - self.hosts_to_patch) as f64 / self.hosts as f64).round() / 10.0
        } else {
            100.0
        }
    }

    /// Adds another organisation's counts (a province's total).
    pub fn add(&mut self, o: &OrgFigures) {
        macro_rules! add {
            ($($f:ident),*) => { $(self.$f += o.$f;)* };
        }
        add!(
            alerts,
            alerts_critical,
            alerts_high,
            alerts_medium,
            alerts_low,
            alerts_info,
            alerts_taken_up,
            alerts_taken_in_time,
            alerts_resolved,
            alerts_false_positive,
            incidents,
            incidents_restored,
            incident_reports_sent,
            botnet_findings,
            botnet_cleaned,
            hosts,
            hosts_to_patch,
            patch_closed,
            patch_overdue,
            directive_due,
            directive_done_in_time,
            report_days,
            period_report_days,
            shifts,
            shifts_unstaffed,
            platform_alerts,
            spam_reports,
            spam_cases_closed,
            attacks
        );
    }
}

/// `CAST(COALESCE(SUM(CASE WHEN cond THEN 1 ELSE 0 END), 0) AS BIGINT)`: a count of rows that
/// meet `cond`, an integer on both backends.
fn count_if(cond: &str) -> String {
    format!("CAST(COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) AS BIGINT)")
}

type Row2 = (i64, i64);
type Row3 = (i64, i64, i64);
type Row4 = (i64, i64, i64, i64);

/// A scheduled report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ScheduleRow {
    /// Id.
    pub id: i64,
    /// Whose figures: the organisation (the DIC: the province).
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// Its name.
    pub org_name: String,
    /// Which report: `daily`, `monthly` or `scorecard`.
    pub kind: String,
    /// `pdf`, `xlsx` or `csv`.
    pub format: String,
    /// `vi` or `en`.
    pub lang: String,
    /// Recipients, one address per line.
    pub recipients: String,
    /// Hour of the day (Viet Nam time) it is made.
    pub hour: i64,
    /// Whether it runs.
    pub active: i64,
    /// When it runs next (Unix ms).
    pub next_run_at: i64,
    /// When it last ran.
    pub last_run_at: Option<i64>,
    /// Set up by.
    pub created_by: String,
    /// Set up.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

impl ScheduleRow {
    /// The recipients as a list.
    pub fn recipient_list(&self) -> Vec<String> {
        split_recipients(&self.recipients)
    }
}

/// Addresses separated by lines, commas or semicolons.
pub fn split_recipients(s: &str) -> Vec<String> {
    s.split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// A schedule as set up or changed.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    /// Whose figures.
    pub org_id: i64,
    /// Which report.
    pub kind: String,
    /// Format.
    pub format: String,
    /// Language.
    pub lang: String,
    /// Recipients, one per line.
    pub recipients: Vec<String>,
    /// Hour (Viet Nam time).
    pub hour: i64,
    /// Whether it runs.
    pub active: bool,
    /// When it runs first.
    pub next_run_at: i64,
}

/// A generated copy of a report (without its bytes).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct RunRow {
    /// Id.
    pub id: i64,
    /// The schedule that made it (none: made by hand and mailed).
    pub schedule_id: Option<i64>,
    /// Whose figures.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// Which report.
    pub kind: String,
    /// The period it covers (`yyyy-mm-dd` or `yyyy-mm`).
    pub label: String,
    /// Format.
    pub format: String,
    /// File name.
    pub file_name: String,
    /// Size in bytes.
    pub size: i64,
    /// Made at.
    pub generated_at: i64,
    /// Mailed to, one per line.
    pub recipients: String,
    /// `sent`, `failed` or `kept` (no mail server).
    pub state: String,
    /// The mail server's answer or why it failed.
    pub detail: Option<String>,
}

const SCHEDULE_SELECT: &str = "SELECT s.id, s.org_id, o.code AS org_code, o.name AS org_name, s.kind, s.format, s.lang, s.recipients, s.hour, s.active, s.next_run_at, s.last_run_at, s.created_by, s.created_at, s.updated_at FROM report_schedules s JOIN orgs o ON o.id = s.org_id";
const RUN_SELECT: &str = "SELECT r.id, r.schedule_id, r.org_id, o.code AS org_code, r.kind, r.label, r.format, r.file_name, CAST(LENGTH(r.content) AS BIGINT) AS size, r.generated_at, r.recipients, r.state, r.detail FROM report_runs r JOIN orgs o ON o.id = r.org_id";

/// Copies kept per schedule; older ones are removed when a new one is made.
pub const RUNS_KEPT: i64 = 120;

/// Schedules an organisation may have.
pub const SCHEDULES_PER_ORG: i64 = 20;

impl Store {
    /// Every organisation's figures in scope over `[from, to)`, by code. `months` (`yyyy-mm`,
    /// first and last) choose the Botnet lists; `days` (`yyyy-mm-dd`, first and last) the daily
    /// reports; `at` is when compliance is taken.
    pub async fn org_figures(
        &self,
        scope: &Scope,
        from: i64,
        to: i64,
        at: i64,
        months: (&str, &str),
        days: (&str, &str),
    ) -> Result<Vec<OrgFigures>> {
        let w = |col: &str| scope_sql(scope, col);
        let limit = format!(
            "CASE x.severity WHEN 'critical' THEN {} WHEN 'high' THEN {} WHEN 'medium' THEN {} ELSE {} END",
            Severity::Critical.take_up_limit_ms(),
            Severity::High.take_up_limit_ms(),
            Severity::Medium.take_up_limit_ms(),
            Severity::Low.take_up_limit_ms()
        );
        let sig_sql = format!(
            "SELECT x.org_id, CAST(COUNT(*) AS BIGINT), {}, {}, {}, {}, {}, {}, {}, {}, {} FROM (SELECT COALESCE(s.org_id, 0) AS org_id, s.severity, s.state, s.first_seen, \
             (SELECT MIN(a.at) FROM audit a WHERE a.entity = 'signals' AND a.entity_id = s.id AND a.action = 'transition') AS taken \
             FROM signals s WHERE s.first_seen >= $1 AND s.first_seen < $2{}) x GROUP BY x.org_id",
            count_if("x.severity = 'critical'"),
            count_if("x.severity = 'high'"),
            count_if("x.severity = 'medium'"),
            count_if("x.severity = 'low'"),
            count_if("x.severity = 'info'"),
            count_if("x.taken IS NOT NULL"),
            count_if(&format!("x.taken IS NOT NULL AND x.taken - x.first_seen <= {limit}")),
            count_if("x.state = 'resolved'"),
            count_if("x.state = 'false_positive'"),
            w("s.org_id")
        );
        let inc_sql = format!(
            "SELECT org_id, CAST(COUNT(*) AS BIGINT), {} FROM incidents WHERE detected_at >= $1 AND detected_at < $2{} GROUP BY org_id",
            count_if("recovered_at IS NOT NULL"),
            w("org_id")
        );
        let rep_sql = format!("SELECT org_id, CAST(COUNT(*) AS BIGINT) FROM incident_reports WHERE sent_at >= $1 AND sent_at < $2{} GROUP BY org_id", w("org_id"));
        let bot_sql = format!(
            "SELECT f.org_id, CAST(COUNT(DISTINCT f.value) AS BIGINT), CAST(COUNT(DISTINCT CASE WHEN wi.state IN ('closed', 'not_applicable') THEN f.value END) AS BIGINT) \
             FROM botnet_findings f JOIN botnet_lists l ON l.id = f.list_id LEFT JOIN work_items wi ON wi.id = f.work_item_id \
             WHERE l.kind = 'botnet' AND l.period >= $1 AND l.period <= $2{} GROUP BY f.org_id",
            w("f.org_id")
        );
        let host_sql = format!("SELECT org_id, CAST(COUNT(*) AS BIGINT) FROM hosts WHERE created_at <= $1{} GROUP BY org_id", w("org_id"));
        let open_then =
            "created_at <= $3 AND (state NOT IN ('closed', 'not_applicable') OR updated_at > $3)";
        let patch_sql = format!(
            "SELECT org_id, CAST(COUNT(DISTINCT CASE WHEN {open_then} THEN host_id END) AS BIGINT), {}, {} FROM work_items WHERE kind = 'patch_task'{} GROUP BY org_id",
            count_if("state IN ('closed', 'not_applicable') AND updated_at >= $1 AND updated_at < $2"),
            count_if(&format!("{open_then} AND due_at < $3")),
            w("org_id")
        );
        let dir_sql = format!(
            "SELECT wi.org_id, CAST(COUNT(*) AS BIGINT), {} FROM work_items wi WHERE wi.kind = 'directive_item' AND wi.due_at >= $1 AND wi.due_at < $2{} GROUP BY wi.org_id",
            count_if("EXISTS (SELECT 1 FROM work_notes n WHERE n.work_item_id = wi.id AND n.action = 'report_done' AND n.at <= wi.due_at) OR (wi.state IN ('closed', 'not_applicable') AND wi.updated_at <= wi.due_at)"),
            w("wi.org_id")
        );
        let days_sql = format!(
            "SELECT x.org_id, CAST(COUNT(DISTINCT x.day) AS BIGINT) FROM (SELECT org_id, day FROM daily_reports WHERE day >= $1 AND day <= $2 \
             UNION SELECT org_id, day FROM period_reports WHERE day >= $1 AND day <= $2) x WHERE 1=1{} GROUP BY x.org_id",
            w("x.org_id")
        );
        let pdays_sql = format!(
            "SELECT org_id, CAST(COUNT(DISTINCT day) AS BIGINT) FROM period_reports WHERE day >= $1 AND day <= $2{} GROUP BY org_id",
            w("org_id")
        );
        let shift_sql = format!(
            "SELECT org_id, CAST(COUNT(*) AS BIGINT), {} FROM duty_shifts WHERE starts_at >= $1 AND starts_at < $2{} GROUP BY org_id",
            count_if("user_id IS NULL"),
            w("org_id")
        );
        let plat_sql = format!("SELECT COALESCE(org_id, 0), CAST(COUNT(*) AS BIGINT) FROM platform_alerts WHERE received_at >= $1 AND received_at < $2{} GROUP BY COALESCE(org_id, 0)", w("org_id"));
        let spam_sql = format!("SELECT org_id, CAST(COUNT(*) AS BIGINT) FROM spam_reports WHERE received_at >= $1 AND received_at < $2 AND state <> 'fixed'{} GROUP BY org_id", w("org_id"));
        let case_sql = format!("SELECT org_id, CAST(COUNT(*) AS BIGINT) FROM spam_cases WHERE closed_at >= $1 AND closed_at < $2{} GROUP BY org_id", w("org_id"));
        let att_sql = format!("SELECT org_id, CAST(COUNT(*) AS BIGINT) FROM flow_attacks WHERE started_at >= $1 AND started_at < $2{} GROUP BY org_id", w("org_id"));
        let org_sql = format!("SELECT o.id, o.code, o.name, o.kind, COALESCE(p.kind, '') FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id WHERE 1=1{} ORDER BY o.code", w("o.id"));
        type Sig = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let (
            orgs,
            sig,
            inc,
            rep,
            bot,
            host,
            patch,
            dir,
            (daysn, pdays),
            shift,
            plat,
            spam,
            case,
            att,
        ) = on_pool!(self, pool => {
            let orgs: Vec<(i64, String, String, String, String)> = sqlx::query_as(&org_sql).fetch_all(pool).await?;
            let sig: Vec<Sig> = sqlx::query_as(&sig_sql).bind(from).bind(to).fetch_all(pool).await?;
            let inc: Vec<Row3> = sqlx::query_as(&inc_sql).bind(from).bind(to).fetch_all(pool).await?;
            let rep: Vec<Row2> = sqlx::query_as(&rep_sql).bind(from).bind(to).fetch_all(pool).await?;
            let bot: Vec<Row3> = sqlx::query_as(&bot_sql).bind(months.0).bind(months.1).fetch_all(pool).await?;
            let host: Vec<Row2> = sqlx::query_as(&host_sql).bind(at).fetch_all(pool).await?;
            let patch: Vec<Row4> = sqlx::query_as(&patch_sql).bind(from).bind(to).bind(at).fetch_all(pool).await?;
            let dir: Vec<Row3> = sqlx::query_as(&dir_sql).bind(from).bind(to).fetch_all(pool).await?;
            let daysn: Vec<Row2> = sqlx::query_as(&days_sql).bind(days.0).bind(days.1).fetch_all(pool).await?;
            let pdays: Vec<Row2> = sqlx::query_as(&pdays_sql).bind(days.0).bind(days.1).fetch_all(pool).await?;
            let shift: Vec<Row3> = sqlx::query_as(&shift_sql).bind(from).bind(to).fetch_all(pool).await?;
            let plat: Vec<Row2> = sqlx::query_as(&plat_sql).bind(from).bind(to).fetch_all(pool).await?;
            let spam: Vec<Row2> = sqlx::query_as(&spam_sql).bind(from).bind(to).fetch_all(pool).await?;
            let case: Vec<Row2> = sqlx::query_as(&case_sql).bind(from).bind(to).fetch_all(pool).await?;
            let att: Vec<Row2> = sqlx::query_as(&att_sql).bind(from).bind(to).fetch_all(pool).await?;
            (orgs, sig, inc, rep, bot, host, patch, dir, (daysn, pdays), shift, plat, spam, case, att)
        });
        let mut by: BTreeMap<i64, OrgFigures> = orgs
            .into_iter()
            .map(|(id, code, name, kind, parent_kind)| {
                (
                    id,
                    OrgFigures {
                        org_id: id,
                        code,
                        name,
                        files_period_reports: kind == "dic" || parent_kind == "dic",
                        kind,
                        ..OrgFigures::default()
                    },
                )
            })
            .collect();
        // What no organisation claims (alerts from unregistered senders, platform alerts not
        // yet assigned) is the province's: a row of its own, id 0, only in the province's view.
        let province = scope.ids().is_none();
        let mut at_org = |id: i64, f: &mut dyn FnMut(&mut OrgFigures)| {
            if id == 0 && province {
                f(by.entry(0).or_insert_with(|| OrgFigures {
                    kind: "none".into(),
                    ..OrgFigures::default()
                }));
            } else if let Some(o) = by.get_mut(&id) {
                f(o);
            }
        };
        for r in sig {
            at_org(r.0, &mut |o| {
                (o.alerts, o.alerts_critical, o.alerts_high, o.alerts_medium) =
                    (r.1, r.2, r.3, r.4);
                (o.alerts_low, o.alerts_info, o.alerts_taken_up) = (r.5, r.6, r.7);
                (
                    o.alerts_taken_in_time,
                    o.alerts_resolved,
                    o.alerts_false_positive,
                ) = (r.8, r.9, r.10);
            });
        }
        for r in inc {
            at_org(r.0, &mut |o| {
                (o.incidents, o.incidents_restored) = (r.1, r.2)
            });
        }
        for r in rep {
            at_org(r.0, &mut |o| o.incident_reports_sent = r.1);
        }
        for r in bot {
            at_org(r.0, &mut |o| {
                (o.botnet_findings, o.botnet_cleaned) = (r.1, r.2)
            });
        }
        for r in host {
            at_org(r.0, &mut |o| o.hosts = r.1);
        }
        for r in patch {
            at_org(r.0, &mut |o| {
                (o.hosts_to_patch, o.patch_closed, o.patch_overdue) = (r.1, r.2, r.3)
            });
        }
        for r in dir {
            at_org(r.0, &mut |o| {
                (o.directive_due, o.directive_done_in_time) = (r.1, r.2)
            });
        }
        for r in daysn {
            at_org(r.0, &mut |o| o.report_days = r.1);
        }
        for r in pdays {
            at_org(r.0, &mut |o| o.period_report_days = r.1);
        }
        for r in shift {
            at_org(r.0, &mut |o| (o.shifts, o.shifts_unstaffed) = (r.1, r.2));
        }
        for r in plat {
            at_org(r.0, &mut |o| o.platform_alerts = r.1);
        }
        for r in spam {
            at_org(r.0, &mut |o| o.spam_reports = r.1);
        }
        for r in case {
            at_org(r.0, &mut |o| o.spam_cases_closed = r.1);
        }
        for r in att {
            at_org(r.0, &mut |o| o.attacks = r.1);
        }
        // The unclaimed row last.
        let mut out: Vec<OrgFigures> = by.into_values().collect();
        out.sort_by_key(|o| o.org_id == 0);
        Ok(out)
    }

    /// Incidents detected in `[from, to)` in scope, oldest first (at most `limit`): id,
    /// organisation code, title, gravity, stage, detected at.
    pub async fn incidents_between(
        &self,
        scope: &Scope,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String, String, String, i64)>> {
        let sql = format!("SELECT i.id, o.code, i.title, i.gravity, i.stage, i.detected_at FROM incidents i JOIN orgs o ON o.id = i.org_id WHERE i.detected_at >= $1 AND i.detected_at < $2{} ORDER BY i.detected_at, i.id LIMIT $3", scope_sql(scope, "i.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as(&sql).bind(from).bind(to).bind(limit.clamp(1, 1000)).fetch_all(pool).await?) })
    }

    /// Copies made but not yet mailed since before `before` (a worker died between the two).
    pub async fn pending_report_runs(&self, before: i64) -> Result<Vec<i64>> {
        on_pool!(self, pool => { Ok(sqlx::query_scalar("SELECT id FROM report_runs WHERE state = 'pending' AND generated_at < $1 ORDER BY id LIMIT 100").bind(before).fetch_all(pool).await?) })
    }

    /// The organisations in scope: id, code, name, by code.
    pub async fn orgs_in_scope(&self, scope: &Scope) -> Result<Vec<(i64, String, String)>> {
        let sql = format!(
            "SELECT id, code, name FROM orgs WHERE 1=1{} ORDER BY code",
            scope_sql(scope, "id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as(&sql).fetch_all(pool).await?) })
    }

    /// The schedules in scope (by the organisation whose figures they send).
    pub async fn report_schedules(&self, scope: &Scope) -> Result<Vec<ScheduleRow>> {
        let sql = format!(
            "{SCHEDULE_SELECT} WHERE 1=1{} ORDER BY o.code, s.kind, s.id",
            scope_sql(scope, "s.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ScheduleRow>(&sql).fetch_all(pool).await?) })
    }

    /// One schedule, in scope.
    pub async fn report_schedule(&self, scope: &Scope, id: i64) -> Result<Option<ScheduleRow>> {
        let sql = format!(
            "{SCHEDULE_SELECT} WHERE s.id = $1{}",
            scope_sql(scope, "s.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ScheduleRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// Sets up a schedule for an organisation in scope; audited.
    pub async fn create_report_schedule(
        &self,
        scope: &Scope,
        actor: &Actor,
        s: &NewSchedule,
    ) -> Result<i64> {
        if !scope.contains(s.org_id) {
            return Err(StoreError::NotFound);
        }
        let have: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM report_schedules WHERE org_id = $1").bind(s.org_id).fetch_one(pool).await?
        });
        if have >= SCHEDULES_PER_ORG {
            return Err(crate::invalid(
                "org",
                &format!("an organisation has at most {SCHEDULES_PER_ORG} report schedules"),
                &format!("mỗi đơn vị có tối đa {SCHEDULES_PER_ORG} lịch gửi báo cáo"),
            ));
        }
        let now = canhgac_domain::time::now_ms();
        let recipients = s.recipients.join("\n");
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO report_schedules (org_id, kind, format, lang, recipients, hour, active, next_run_at, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id")
                .bind(s.org_id).bind(&s.kind).bind(&s.format).bind(&s.lang).bind(&recipients).bind(s.hour).bind(i64::from(s.active)).bind(s.next_run_at).bind(&actor.email).bind(now)
                .fetch_one(&mut *tx).await?;
            let after = json!({"kind": s.kind, "format": s.format, "lang": s.lang, "recipients": recipients, "hour": s.hour, "active": s.active, "next_run_at": s.next_run_at});
            let e = audit::row(actor, Some(s.org_id), "create", "report_schedules", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Changes a schedule in scope (its organisation stays); audited with before and after.
    pub async fn update_report_schedule(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        s: &NewSchedule,
    ) -> Result<()> {
        let before = self
            .report_schedule(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let recipients = s.recipients.join("\n");
        let now = canhgac_domain::time::now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE report_schedules SET kind = $1, format = $2, lang = $3, recipients = $4, hour = $5, active = $6, next_run_at = $7, updated_at = $8 WHERE id = $9")
                .bind(&s.kind).bind(&s.format).bind(&s.lang).bind(&recipients).bind(s.hour).bind(i64::from(s.active)).bind(s.next_run_at).bind(now).bind(id)
                .execute(&mut *tx).await?;
            let b = json!({"kind": before.kind, "format": before.format, "lang": before.lang, "recipients": before.recipients, "hour": before.hour, "active": before.active != 0, "next_run_at": before.next_run_at});
            let after = json!({"kind": s.kind, "format": s.format, "lang": s.lang, "recipients": recipients, "hour": s.hour, "active": s.active, "next_run_at": s.next_run_at});
            let e = audit::row(actor, Some(before.org_id), "update", "report_schedules", Some(id), b.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Removes a schedule in scope (its copies stay); audited.
    pub async fn delete_report_schedule(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
    ) -> Result<()> {
        let before = self
            .report_schedule(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM report_schedules WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let b = json!({"kind": before.kind, "org": before.org_code, "recipients": before.recipients});
            let e = audit::row(actor, Some(before.org_id), "delete", "report_schedules", Some(id), b.as_object(), None);
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Active schedules due by `now` (every organisation: the scheduler's own read).
    pub async fn due_report_schedules(&self, now: i64) -> Result<Vec<ScheduleRow>> {
        let sql = format!("{SCHEDULE_SELECT} WHERE s.active = 1 AND s.next_run_at <= $1 ORDER BY s.next_run_at, s.id LIMIT 100");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ScheduleRow>(&sql).bind(now).fetch_all(pool).await?) })
    }

    /// Claims a due run of a schedule: moves its next run from `was` to `next` if no one else
    /// did. Whoever gets `true` makes the copy; a second claimant (another worker, a retry) gets
    /// `false`.
    pub async fn claim_report_schedule(
        &self,
        id: i64,
        was: i64,
        next: i64,
        now: i64,
    ) -> Result<bool> {
        on_pool!(self, pool => {
            let n = sqlx::query("UPDATE report_schedules SET next_run_at = $1, last_run_at = $2 WHERE id = $3 AND next_run_at = $4 AND active = 1")
                .bind(next).bind(now).bind(id).bind(was).execute(pool).await?.rows_affected();
            Ok(n == 1)
        })
    }

    /// Keeps a generated copy (`schedule` none: made by hand). A schedule's copy of a period is
    /// kept once: a second one returns `None`. Audited as the system's or the person's.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_report_run(
        &self,
        actor: &Actor,
        schedule: Option<i64>,
        org_id: i64,
        kind: &str,
        label: &str,
        format: &str,
        file_name: &str,
        content: &[u8],
        recipients: &[String],
        now: i64,
    ) -> Result<Option<i64>> {
        let recipients = recipients.join("\n");
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar("INSERT INTO report_runs (schedule_id, org_id, kind, label, format, file_name, content, generated_at, recipients, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending') ON CONFLICT (schedule_id, label) DO NOTHING RETURNING id")
                .bind(schedule).bind(org_id).bind(kind).bind(label).bind(format).bind(file_name).bind(content).bind(now).bind(&recipients)
                .fetch_optional(&mut *tx).await?;
            if let Some(id) = id {
                let after = json!({"schedule_id": schedule, "kind": kind, "label": label, "format": format, "recipients": recipients, "bytes": content.len()});
                let e = audit::row(actor, Some(org_id), "generate", "report_runs", Some(id), None, after.as_object());
                audit_insert!(&mut *tx, e);
                if let Some(s) = schedule {
                    sqlx::query("DELETE FROM report_runs WHERE schedule_id = $1 AND id NOT IN (SELECT id FROM report_runs WHERE schedule_id = $1 ORDER BY id DESC LIMIT $2)")
                        .bind(s).bind(RUNS_KEPT).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok::<Option<i64>, StoreError>(id)
        })
    }

    /// Records how a copy's mail went: `sent`, `failed` or `kept`.
    pub async fn finish_report_run(&self, id: i64, state: &str, detail: &str) -> Result<()> {
        let detail: String = detail.chars().take(2000).collect();
        on_pool!(self, pool => {
            sqlx::query("UPDATE report_runs SET state = $1, detail = $2 WHERE id = $3").bind(state).bind(&detail).bind(id).execute(pool).await?;
            Ok(())
        })
    }

    /// The newest copies in scope (`schedule`: of one schedule).
    pub async fn report_runs(
        &self,
        scope: &Scope,
        schedule: Option<i64>,
        limit: i64,
    ) -> Result<Vec<RunRow>> {
        let by = if schedule.is_some() {
            " AND r.schedule_id = $2"
        } else {
            " AND $2 = $2"
        };
        let sql = format!(
            "{RUN_SELECT} WHERE 1=1{by}{} ORDER BY r.id DESC LIMIT $1",
            scope_sql(scope, "r.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, RunRow>(&sql).bind(limit.clamp(1, 500)).bind(schedule.unwrap_or(0)).fetch_all(pool).await?) })
    }

    /// One copy in scope with its bytes.
    pub async fn report_run(&self, scope: &Scope, id: i64) -> Result<Option<(RunRow, Vec<u8>)>> {
        let sql = format!(
            "{RUN_SELECT} WHERE r.id = $1{}",
            scope_sql(scope, "r.org_id")
        );
        let bytes_sql = "SELECT content FROM report_runs WHERE id = $1";
        on_pool!(self, pool => {
            let Some(row) = sqlx::query_as::<_, RunRow>(&sql).bind(id).fetch_optional(pool).await? else { return Ok(None) };
            let bytes: Vec<u8> = sqlx::query_scalar(bytes_sql).bind(id).fetch_one(pool).await?;
            Ok(Some((row, bytes)))
        })
    }
}
