//! Report schedules' pages: setting one up and changing it (every problem named beside the
//! form, what was typed kept), a schedule with its copies, making a copy now, downloading one.

use super::pages::kind_label;
use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page};
use crate::ui::{download, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_ops::summaries::{run_now, ScheduleForm, ScheduleKind};
use canhgac_store::{RunRow, ScheduleRow, StoreError};
use maud::{html, Markup};
use std::collections::HashMap;

fn format_label(f: &str) -> String {
    f.to_uppercase()
}

fn lang_label(l: Lang, s: &str) -> &'static str {
    if s == "en" {
        l.t("Tiếng Anh", "English")
    } else {
        l.t("Tiếng Việt", "Vietnamese")
    }
}

fn run_state(l: Lang, s: &str) -> &'static str {
    match s {
        "sent" => l.t("Đã gửi thư", "Mailed"),
        "failed" => l.t("Gửi thư lỗi", "Mail failed"),
        "kept" => l.t("Đã lưu (chưa cấu hình máy chủ thư)", "Kept (no mail server set up)"),
        _ => l.t("Đang gửi", "Sending"),
    }
}

/// The schedules as a table.
pub(crate) fn table(l: Lang, rows: &[ScheduleRow]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { (l.t("Chưa có lịch gửi báo cáo.", "No report schedule yet.")) }
        } @else {
            div.scroll { table.records #schedules {
                thead { tr { th { (l.t("Báo cáo", "Report")) } th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Định dạng", "Format")) } th { (l.t("Người nhận", "Recipients")) } th { (l.t("Lần tới", "Next")) } th { (l.t("Lần trước", "Last")) } } }
                tbody { @for s in rows { tr {
                    td { a href=(format!("/reports/schedules/{}", s.id)) { (kind_label(l, &s.kind)) } @if s.active == 0 { " " span.chip { (l.t("tạm dừng", "paused")) } } }
                    td { a href=(format!("/orgs/{}", s.org_id)) { (s.org_code) } }
                    td { (format_label(&s.format)) ", " (lang_label(l, &s.lang)) }
                    td { (s.recipient_list().len()) }
                    td { (fmt_datetime(s.next_run_at)) }
                    td { (s.last_run_at.map(fmt_datetime).unwrap_or_else(|| "—".into())) }
                } } }
            } }
        }
    }
}

/// Copies as a table.
pub(crate) fn runs_table(l: Lang, rows: &[RunRow]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { (l.t("Chưa lập bản nào.", "None made yet.")) }
        } @else {
            div.scroll { table.records #runs {
                thead { tr { th { (l.t("Lập lúc", "Made")) } th { (l.t("Báo cáo", "Report")) } th { (l.t("Kỳ", "Period")) } th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Tệp", "File")) } th { (l.t("Gửi tới", "Mailed to")) } th { (l.t("Tình trạng", "State")) } } }
                tbody { @for r in rows { tr {
                    td { (fmt_datetime(r.generated_at)) }
                    td { @if let Some(s) = r.schedule_id { a href=(format!("/reports/schedules/{s}")) { (kind_label(l, &r.kind)) } } @else { (kind_label(l, &r.kind)) }
                        @if r.label.contains('#') { " " span.muted { (l.t("(gửi ngay)", "(sent by hand)")) } } }
                    td { (period_label(&r.label)) }
                    td { a href=(format!("/orgs/{}", r.org_id)) { (r.org_code) } }
                    td { a href=(format!("/reports/runs/{}", r.id)) { code { (r.file_name) } } " " span.muted { "(" (r.size / 1024 + 1) " KB)" } }
                    td { @for a in canhgac_store::split_recipients(&r.recipients) { (a) br; } }
                    td { (run_state(l, &r.state)) @if r.state == "failed" { @if let Some(d) = &r.detail { br; code { (d) } } } }
                } } }
            } }
        }
    }
}

/// `yyyy-mm-dd` as dd/mm/yyyy, `yyyy-mm` as mm/yyyy (a copy made by hand, `label#time`, as
/// its period).
fn period_label(s: &str) -> String {
    let s = s.split('#').next().unwrap_or(s);
    let parts: Vec<&str> = s.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        [y, m] => format!("{m}/{y}"),
        _ => s.to_string(),
    }
}

fn field_label(l: Lang, f: &str) -> &'static str {
    match f {
        "org" => l.t("Đơn vị", "Organisation"),
        "kind" => l.t("Báo cáo", "Report"),
        "format" => l.t("Định dạng", "Format"),
        "lang" => l.t("Ngôn ngữ", "Language"),
        "hour" => l.t("Giờ gửi", "Hour"),
        "recipients" => l.t("Người nhận", "Recipients"),
        _ => l.t("Trường", "Field"),
    }
}

/// The form, with `errs` beside it; `fixed_org` when changing (the organisation stays).
fn form(c: &Caller, action: &str, f: &ScheduleForm, orgs: &[(i64, String, String)], fixed_org: Option<&str>, errs: &[canhgac_domain::entity::FieldError]) -> Markup {
    let l = c.lang;
    html! {
        @if !errs.is_empty() {
            div.flash.bad #form-errors { ul { @for e in errs { li { (field_label(l, &e.field)) ": " (l.t(&e.message_vi, &e.message)) } } } }
        }
        form.card #schedule-form method="post" action=(action) { (csrf(c))
            div.grid2 {
                @match fixed_org {
                    Some(name) => div { label { (l.t("Đơn vị", "Organisation")) } strong { (name) } },
                    None => div { label for="s-org" { (l.t("Số liệu của đơn vị (Sở TTTT: toàn tỉnh)", "Figures of (the DIC: the whole province)")) }
                        select #s-org name="org" { @for (id, code, name) in orgs { option value=(id) selected[f.org == id.to_string()] { (code) " — " (name) } } } },
                }
                div { label for="s-kind" { (l.t("Báo cáo", "Report")) }
                    select #s-kind name="kind" { @for k in ScheduleKind::ALL { option value=(k.as_str()) selected[f.kind == k.as_str()] { (l.t(k.label_vi(), k.label_en())) } } } }
                div { label for="s-format" { (l.t("Định dạng", "Format")) }
                    select #s-format name="format" { @for v in ["pdf", "xlsx", "csv"] { option value=(v) selected[f.format == v] { (format_label(v)) } } } }
                div { label for="s-lang" { (l.t("Ngôn ngữ", "Language")) }
                    select #s-lang name="lang" { option value="vi" selected[f.lang != "en"] { (l.t("Tiếng Việt", "Vietnamese")) } option value="en" selected[f.lang == "en"] { (l.t("Tiếng Anh", "English")) } } }
                div { label for="s-hour" { (l.t("Giờ gửi (giờ Việt Nam, 0–23)", "Hour (Viet Nam time, 0–23)")) } input #s-hour type="number" name="hour" min="0" max="23" value=(f.hour); }
                div { label for="s-to" { (l.t("Người nhận (mỗi dòng một địa chỉ, tối đa 20)", "Recipients (one address per line, at most 20)")) } textarea #s-to name="recipients" rows="3" { (f.recipients) } }
            }
            label.check { input type="checkbox" name="active" value="on" checked[f.active]; (l.t("Đang chạy", "Running")) }
            p { button #schedule-save { (l.t("Lưu", "Save")) } }
        }
    }
}

fn read(f: &HashMap<String, String>) -> ScheduleForm {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    ScheduleForm { org: get("org"), kind: get("kind"), format: get("format"), lang: get("lang"), recipients: get("recipients"), hour: get("hour"), active: f.get("active").is_some_and(|v| v == "on") }
}

/// `GET /reports/schedules/new`.
pub async fn new_form(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let orgs = st.store.orgs_in_scope(&c.scope).await.map_err(|e| store_error_page(&c, e))?;
    let f = ScheduleForm { org: c.user.org_id.map(|o| o.to_string()).unwrap_or_default(), kind: "monthly".into(), format: "pdf".into(), lang: "vi".into(), hour: "8".into(), recipients: c.user.email.clone(), active: true };
    let body = html! {
        p.muted { a href="/reports" { (l.t("Báo cáo", "Reports")) } }
        h1 { (l.t("Thêm lịch gửi báo cáo", "Add a report schedule")) }
        (form(&c, "/reports/schedules", &f, &orgs, None, &[]))
    };
    Ok(page(&c, l.t("Thêm lịch gửi báo cáo", "Add a report schedule"), "/reports", body).into_response())
}

/// `POST /reports/schedules`.
pub async fn create(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let f = read(&f);
    let res = match f.validate(now_ms()) {
        Ok(s) => st.store.create_report_schedule(&c.scope, &c.actor(), &s).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(Redirect::to(&format!("/reports/schedules/{id}")).into_response()),
        Err(StoreError::Invalid(errs)) => {
            let orgs = st.store.orgs_in_scope(&c.scope).await.map_err(|e| store_error_page(&c, e))?;
            let body = html! {
                p.muted { a href="/reports" { (l.t("Báo cáo", "Reports")) } }
                h1 { (l.t("Thêm lịch gửi báo cáo", "Add a report schedule")) }
                (form(&c, "/reports/schedules", &f, &orgs, None, &errs))
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page(&c, l.t("Thêm lịch gửi báo cáo", "Add a report schedule"), "/reports", body)).into_response())
        }
        Err(e) => Err(store_error_page(&c, e)),
    }
}

fn as_form(s: &ScheduleRow) -> ScheduleForm {
    ScheduleForm { org: s.org_id.to_string(), kind: s.kind.clone(), format: s.format.clone(), lang: s.lang.clone(), recipients: s.recipients.clone(), hour: s.hour.to_string(), active: s.active != 0 }
}

async fn detail_page(st: &AppState, c: &Caller, s: &ScheduleRow, f: &ScheduleForm, errs: &[canhgac_domain::entity::FieldError]) -> Result<Markup, StoreError> {
    let l = c.lang;
    let runs = st.store.report_runs(&c.scope, Some(s.id), 50).await?;
    let admin = matches!(c.role, canhgac_domain::Role::DicAdmin | canhgac_domain::Role::OrgAdmin);
    let body = html! {
        p.muted { a href="/reports" { (l.t("Báo cáo", "Reports")) } }
        h1 { (kind_label(l, &s.kind)) }
        div.card { dl.kv {
            dt { (l.t("Đơn vị", "Organisation")) } dd { a href=(format!("/orgs/{}", s.org_id)) { (s.org_code) " — " (s.org_name) } }
            dt { (l.t("Định dạng", "Format")) } dd { (format_label(&s.format)) ", " (lang_label(l, &s.lang)) }
            dt { (l.t("Giờ gửi", "Hour")) } dd { (format!("{:02}:00", s.hour)) }
            dt { (l.t("Lần tới", "Next run")) } dd { @if s.active != 0 { (fmt_datetime(s.next_run_at)) } @else { (l.t("Tạm dừng", "Paused")) } }
            dt { (l.t("Lần trước", "Last run")) } dd { (s.last_run_at.map(fmt_datetime).unwrap_or_else(|| "—".into())) }
            dt { (l.t("Người nhận", "Recipients")) } dd { @for a in s.recipient_list() { (a) br; } }
            dt { (l.t("Người lập", "Set up by")) } dd { @if s.created_by.starts_with("system:") { (l.t("Hệ thống", "The platform")) } @else { (s.created_by) } ", " (fmt_datetime(s.created_at)) }
        } }
        @if admin {
            form.inline method="post" action=(format!("/reports/schedules/{}/run", s.id)) { (csrf(c)) button #run-now { (l.t("Lập và gửi ngay bản mới nhất", "Make and send the latest now")) } }
        }
        h2 { (l.t("Các bản đã lập", "Copies made")) }
        (runs_table(l, &runs))
        @if admin {
            h2 { (l.t("Sửa lịch", "Change the schedule")) }
            (form(c, &format!("/reports/schedules/{}", s.id), f, &[], Some(&s.org_name), errs))
            form.inline method="post" action=(format!("/reports/schedules/{}/delete", s.id)) { (csrf(c)) button.danger { (l.t("Xoá lịch (giữ các bản đã lập)", "Remove the schedule (copies stay)")) } }
        }
    };
    Ok(page(c, &kind_label(l, &s.kind), "/reports", body))
}

/// `GET /reports/schedules/{id}`.
pub async fn detail(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let err = |e| store_error_page(&c, e);
    let s = st.store.report_schedule(&c.scope, id).await.map_err(err)?.ok_or_else(|| not_found(&c))?;
    Ok(detail_page(&st, &c, &s, &as_form(&s), &[]).await.map_err(err)?.into_response())
}

/// `POST /reports/schedules/{id}`.
pub async fn update(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let err = |e| store_error_page(&c, e);
    let s = st.store.report_schedule(&c.scope, id).await.map_err(err)?.ok_or_else(|| not_found(&c))?;
    let mut f = read(&f);
    f.org = s.org_id.to_string();
    let res = match f.validate(now_ms()) {
        Ok(n) => st.store.update_report_schedule(&c.scope, &c.actor(), id, &n).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/reports/schedules/{id}")).into_response()),
        Err(StoreError::Invalid(errs)) => Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, detail_page(&st, &c, &s, &f, &errs).await.map_err(err)?).into_response()),
        Err(e) => Err(err(e)),
    }
}

/// `POST /reports/schedules/{id}/delete`.
pub async fn delete(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    st.store.delete_report_schedule(&c.scope, &c.actor(), id).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/reports").into_response())
}

/// `POST /reports/schedules/{id}/run`: the latest copy now, mailed.
pub async fn run(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let err = |e| store_error_page(&c, e);
    let s = st.store.report_schedule(&c.scope, id).await.map_err(err)?.ok_or_else(|| not_found(&c))?;
    run_now(&st.store, &c.actor(), &s, st.config.mailer.as_deref(), &st.config.public_url, now_ms()).await.map_err(err)?;
    Ok(Redirect::to(&format!("/reports/schedules/{id}")).into_response())
}

/// `GET /reports/runs/{id}`: a copy as it was made.
pub async fn get_run(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let (r, bytes) = st.store.report_run(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    Ok(download(&r.file_name, bytes))
}
