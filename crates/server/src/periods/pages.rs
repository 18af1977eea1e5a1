//! Heightened-period pages: the list with the declaring form (the DIC), a period's dashboard
//! (organisations × days: reported or missing), the daily report form prefilled from the day's
//! data, and one report.

use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page};
use crate::ui::{not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::duty::local_date;
use canhgac_domain::period::{days, is_active};
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_ops::directives::may_issue;
use canhgac_ops::periods::{self as periods, PeriodForm};
use canhgac_store::PeriodRow;
use chrono::NaiveDate;
use maud::{html, Markup};
use std::collections::{BTreeMap, HashMap};

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn span(l: Lang, p: &PeriodRow) -> Markup {
    let (a, b) = p.span();
    html! { (dmy(a)) " – " (dmy(b)) " · " (l.t("thời hạn còn ", "time limits at ")) (p.factor_pct) "%" }
}

/// `GET /periods`.
pub async fn list(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let rows = st.store.periods().await.map_err(|e| store_error_page(&c, e))?;
    let now = now_ms();
    let body = html! {
        h1 { (l.t("Thời gian cao điểm", "Heightened periods")) }
        p.muted { (l.t("Trong thời gian cao điểm (nghỉ lễ, sự kiện lớn), thời hạn của các công việc đang mở và thời gian chờ trước khi gọi bước trực tiếp theo được rút ngắn theo tỷ lệ; mỗi đơn vị gửi báo cáo ngày theo mẫu.",
            "During a heightened period (a holiday, a major event), open tasks' remaining time and the waits before the next on-call step are cut to a share; every organisation sends a daily report on the period's form.")) }
        table.records #period-list {
            thead { tr { th { (l.t("Đợt", "Period")) } th { (l.t("Thời gian", "Dates")) } th { (l.t("Trạng thái", "State")) } } }
            tbody {
                @for p in &rows { @let (a, b) = p.span(); tr {
                    td { a href=(format!("/periods/{}", p.id)) { span data-raw { (p.name) } } }
                    td { (span(l, p)) }
                    td { @if is_active(a, b, now) { span.badge.sev-high { (l.t("Đang diễn ra", "Under way")) } } @else if local_date(now) < a { (l.t("Sắp tới", "Coming")) } @else { span.muted { (l.t("Đã kết thúc", "Ended")) } } }
                } }
                @if rows.is_empty() { tr { td colspan="3" .muted { (l.t("Chưa có đợt cao điểm nào.", "No heightened period yet.")) } } }
            }
        }
        @if may_issue(c.role) {
            h2 { (l.t("Khai báo đợt cao điểm", "Declare a heightened period")) }
            form.card #period-form method="post" action="/periods" { (csrf(&c))
                div.grid2 {
                    div { label for="p-name" { (l.t("Tên đợt", "Name")) } input #p-name name="name" required placeholder="Nghỉ lễ 30/4 – 1/5"; }
                    div { label for="p-factor" { (l.t("Thời hạn còn lại (%)", "Time limits remaining (%)")) } input #p-factor name="factor_pct" type="number" min="10" max="100" value="50"; }
                    div { label for="p-first" { (l.t("Từ ngày (dd/mm/yyyy)", "From (dd/mm/yyyy)")) } input #p-first name="first" required; }
                    div { label for="p-last" { (l.t("Đến ngày (dd/mm/yyyy)", "To (dd/mm/yyyy)")) } input #p-last name="last" required; }
                }
                p { label for="p-form" { (l.t("Mẫu báo cáo ngày (mỗi dòng: mã | nội dung); để trống dùng mẫu mặc định", "Daily report form (one line each: key | label); empty: the default")) }
                    textarea #p-form name="form" rows="4" cols="80" placeholder=(canhgac_domain::period::DEFAULT_FORM) {} }
                button #period-declare type="submit" { (l.t("Khai báo", "Declare")) }
            }
        }
    };
    Ok(page(&c, l.t("Thời gian cao điểm", "Heightened periods"), "/periods", body).into_response())
}

/// `POST /periods`.
pub async fn declare(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let form = PeriodForm { name: get("name"), first: get("first"), last: get("last"), factor_pct: get("factor_pct"), form: get("form") };
    let id = periods::declare(&st.store, &c.scope, &c.actor(), &form).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/periods/{id}")).into_response())
}

async fn load(st: &AppState, c: &Caller, id: i64) -> Result<PeriodRow, Response> {
    st.store.period(id).await.map_err(|e| store_error_page(c, e))?.ok_or_else(|| not_found(c))
}

/// `GET /periods/{id}`: who has reported, day by day.
pub async fn dashboard(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let p = load(&st, &c, id).await?;
    let err = |e| store_error_page(&c, e);
    let orgs = st.store.period_recipients(&c.scope).await.map_err(err)?;
    let reports = st.store.period_reports(&c.scope, id).await.map_err(err)?;
    let tightened = st.store.period_tightened(id).await.map_err(err)?;
    let now = now_ms();
    let today = local_date(now);
    let (first, last) = p.span();
    let shown: Vec<NaiveDate> = days(first, last).into_iter().filter(|d| *d <= today).collect();
    let by: BTreeMap<(i64, String), i64> = reports.iter().map(|r| ((r.org_id, r.day.clone()), r.id)).collect();
    let today_in = first <= today && today <= last;
    let reported_today = orgs.iter().filter(|o| by.contains_key(&(o.0, today.to_string()))).count();
    let mine = orgs.iter().any(|o| Some(o.0) == c.user.org_id);
    let body = html! {
        p.muted { a href="/periods" { (l.t("Thời gian cao điểm", "Heightened periods")) } }
        h1 { span data-raw { (p.name) } }
        p { (span(l, &p)) " · " (l.t("đã rút ngắn thời hạn ", "deadlines brought forward: ")) (tightened) (l.t(" công việc", " tasks")) }
        @if today_in {
            div.cards {
                div.stat #period-today { b { (reported_today) "/" (orgs.len()) } span { (l.t("đơn vị đã báo cáo hôm nay", "organisations reported today")) } }
                div.stat { b { (reports.len()) } span { (l.t("báo cáo đã nhận trong đợt", "reports received in the period")) } }
            }
            @if mine && c.role.can_write() { p { a.button #period-report-today href=(format!("/periods/{id}/report")) { (l.t("Gửi báo cáo hôm nay", "Send today's report")) } } }
        }
        h2 { (l.t("Tình hình báo cáo", "Who has reported")) }
        div.scroll { table.records #period-matrix {
            thead { tr { th { (l.t("Đơn vị", "Organisation")) } @for d in &shown { th { (d.format("%d/%m")) } } } }
            tbody {
                @for (org, code, name) in &orgs { tr {
                    td { a href=(format!("/orgs/{org}")) title=(name) { (code) } }
                    @for d in &shown { td { @match by.get(&(*org, d.to_string())) {
                        Some(r) => a href=(format!("/periods/{id}/reports/{r}")) { span.badge.sev-low { "✓" } },
                        None => span.badge.sev-critical title=(l.t("Chưa báo cáo", "Not reported")) { "✗" },
                    } } }
                } }
                @if orgs.is_empty() { tr { td .muted { (l.t("Không có đơn vị báo cáo trong phạm vi của bạn.", "No reporting organisation in your scope.")) } } }
            }
        } }
        @if shown.is_empty() { p.muted { (l.t("Đợt chưa bắt đầu.", "The period has not started.")) } }
    };
    Ok(page(&c, l.t("Thời gian cao điểm", "Heightened period"), "/periods", body).into_response())
}

fn pick_day(p: &PeriodRow, q: Option<&String>, now: i64) -> NaiveDate {
    let (first, last) = p.span();
    let today = local_date(now);
    q.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%d/%m/%Y").ok()).unwrap_or(today).clamp(first, last.min(today.max(first)))
}

/// `GET /periods/{id}/report?day=dd/mm/yyyy`: the caller's organisation's report for a day,
/// as sent or prefilled from the day's data.
pub async fn report_form(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let p = load(&st, &c, id).await?;
    let now = now_ms();
    let day = pick_day(&p, q.get("day"), now);
    let orgs = st.store.period_recipients(&c.scope).await.map_err(|e| store_error_page(&c, e))?;
    let Some(org) = orgs.iter().find(|o| Some(o.0) == c.user.org_id) else {
        return Err(crate::ui::error_page(&c, axum::http::StatusCode::NOT_FOUND, "Đơn vị của bạn không thuộc diện báo cáo trong đợt này.", "Your organisation does not report in this period."));
    };
    let sent = st.store.period_reports(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.into_iter().find(|r| r.org_id == org.0 && r.day == day.to_string());
    let values = match &sent {
        Some(r) => r.fields.clone(),
        None => periods::prefill(&st.store, &p, org.0, day, now).await.map_err(|e| store_error_page(&c, e))?,
    };
    let body = html! {
        p.muted { a href=(format!("/periods/{id}")) { span data-raw { (p.name) } } }
        h1 { (l.t("Báo cáo ngày ", "Daily report for ")) (dmy(day)) " — " (org.1) }
        @match &sent {
            Some(r) => p.muted #report-sent { (l.t("Đã gửi lúc ", "Sent at ")) (fmt_datetime(r.submitted_at)) (l.t("; gửi lại để sửa.", "; send again to correct it.")) },
            None => p.muted { (l.t("Các ô đã được điền sẵn từ dữ liệu trong ngày (lịch trực, cảnh báo, sự cố); kiểm tra, bổ sung rồi gửi.", "Prefilled from the day's data (shifts, alerts, incidents); check, complete and send.")) },
        }
        form.card #period-report-form method="post" action=(format!("/periods/{id}/report")) { (csrf(&c))
            input type="hidden" name="day" value=(dmy(day));
            @for (k, label) in periods::fields(&p) {
                p { label for=(format!("f-{k}")) { (label) } textarea id=(format!("f-{k}")) name=(format!("f_{k}")) rows="2" cols="80" { (values.get(&k).cloned().unwrap_or_default()) } }
            }
            button #period-report-send type="submit" { (l.t("Gửi báo cáo", "Send the report")) }
        }
    };
    Ok(page(&c, l.t("Báo cáo ngày", "Daily report"), "/periods", body).into_response())
}

/// `POST /periods/{id}/report` (`day`, `f_{key}`…): the caller's own organisation's.
pub async fn submit(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let p = load(&st, &c, id).await?;
    let now = now_ms();
    let day = pick_day(&p, f.get("day"), now);
    let org = c.user.org_id.ok_or_else(|| not_found(&c))?;
    let fields: BTreeMap<String, String> = f.iter().filter_map(|(k, v)| Some((k.strip_prefix("f_")?.to_string(), v.clone()))).collect();
    let rid = st.store.submit_period_report(&c.scope, &c.actor(), id, org, day, &fields, now).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/periods/{id}/reports/{rid}")).into_response())
}

/// `GET /periods/{id}/reports/{report}`.
pub async fn report_page(State(st): State<AppState>, c: Caller, Path((id, rid)): Path<(i64, i64)>) -> UiResult {
    let l = c.lang;
    let p = load(&st, &c, id).await?;
    let r = st.store.period_report(&c.scope, rid).await.map_err(|e| store_error_page(&c, e))?.filter(|r| r.period_id == id).ok_or_else(|| not_found(&c))?;
    let day = r.day.parse::<NaiveDate>().map(dmy).unwrap_or_else(|_| r.day.clone());
    let body = html! {
        p.muted { a href=(format!("/periods/{id}")) { span data-raw { (p.name) } } }
        h1 { (l.t("Báo cáo ngày ", "Daily report for ")) (day) " — " a href=(format!("/orgs/{}", r.org_id)) { (r.org_code) } }
        p.muted { (l.t("Gửi lúc ", "Sent at ")) (fmt_datetime(r.submitted_at)) " · " (crate::ui::fmt::actor(l, &r.submitted_by)) }
        dl.facts #period-report { @for (k, label) in periods::fields(&p) { dt { (label) } dd { span data-raw { (r.fields.get(&k).cloned().unwrap_or_default()) } } } }
        @if c.role.can_write() && Some(r.org_id) == c.user.org_id {
            p { a href=(format!("/periods/{id}/report?day={day}")) { (l.t("Sửa báo cáo", "Correct the report")) } }
        }
    };
    Ok(page(&c, l.t("Báo cáo ngày", "Daily report"), "/periods", body).into_response())
}
