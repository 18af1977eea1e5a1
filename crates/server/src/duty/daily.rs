//! The daily duty report: the day's figures for the caller's organisation (the DIC's: the
//! province's), the narrative generated in Vietnamese and edited by the officer, printable,
//! as PDF and as XLSX.

use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page, print_page};
use crate::ui::{error_page, pdf_response, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::duty::local_date;
use canhgac_domain::signal::Severity;
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_ops::daily::{self, Daily};
use canhgac_ops::summaries::{self, Format};
use chrono::NaiveDate;
use maud::html;
use std::collections::HashMap;

fn day_of(q: &HashMap<String, String>, now: i64) -> NaiveDate {
    q.get("day").and_then(|s| NaiveDate::parse_from_str(s.trim(), "%d/%m/%Y").ok()).unwrap_or_else(|| local_date(now))
}

/// Whose daily report the caller reads: their organisation's; a province-wide account of no
/// organisation (a leader's viewer) reads the DIC's.
pub(crate) async fn report_org(st: &AppState, c: &Caller) -> Result<Option<i64>, canhgac_store::StoreError> {
    match (c.user.org_id, &c.scope) {
        (Some(o), _) => Ok(Some(o)),
        (None, canhgac_domain::Scope::All) => st.store.dic_org().await,
        _ => Ok(None),
    }
}

pub(crate) async fn load(st: &AppState, c: &Caller, q: &HashMap<String, String>) -> Result<Daily, Response> {
    let Some(org) = report_org(st, c).await.map_err(|e| store_error_page(c, e))? else {
        return Err(error_page(c, StatusCode::NOT_FOUND, "Tài khoản không thuộc đơn vị nào: không có báo cáo trực.", "The account belongs to no organisation: no duty report."));
    };
    let now = now_ms();
    let fresh = q.get("fresh").is_some_and(|v| v == "1");
    daily::build(&st.store, &c.scope, org, day_of(q, now), fresh, now).await.map_err(|e| store_error_page(c, e))
}

fn qs(d: &Daily) -> String {
    format!("day={}", d.day.format("%d/%m/%Y"))
}

/// `GET /duty/daily?day=dd/mm/yyyy[&fresh=1]`.
pub async fn daily_page(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let d = load(&st, &c, &q).await?;
    let cnt = &d.counts;
    let prev = (d.day - chrono::Duration::days(1)).format("%d/%m/%Y").to_string();
    let next = (d.day + chrono::Duration::days(1)).format("%d/%m/%Y").to_string();
    let body = html! {
        p.muted { a href="/duty" { (l.t("Lịch trực", "Duty roster")) } }
        h1 { (l.t("Báo cáo kết quả trực ngày ", "Daily duty report, ")) (d.day.format("%d/%m/%Y")) }
        p { a href=(format!("/orgs/{}", d.org_id)) { (d.org_code) } " — " span data-raw { (d.org_name) } @if d.province { " · " (l.t("số liệu toàn tỉnh", "province-wide figures")) } }
        p { a href=(format!("/duty/daily?day={prev}")) { "← " (prev) } " · " a href=(format!("/duty/daily?day={next}")) { (next) " →" } " · "
            a #daily-print href=(format!("/duty/daily/print?{}", qs(&d))) target="_blank" { (l.t("Bản in", "Print")) } " · "
            a #daily-pdf href=(format!("/duty/daily/pdf?{}", qs(&d))) { "PDF" } " · "
            a #daily-xlsx href=(format!("/duty/daily/xlsx?{}", qs(&d))) { "XLSX" } " · "
            span.muted { (l.t("Tiếng Anh: ", "English: ")) }
            a #daily-pdf-en href=(format!("/duty/daily/pdf?{}&lang=en", qs(&d))) { "PDF" } " · "
            a #daily-xlsx-en href=(format!("/duty/daily/xlsx?{}&lang=en", qs(&d))) { "XLSX" } " · "
            a #daily-csv href=(format!("/duty/daily/xlsx?{}&format=csv", qs(&d))) { "CSV" } }
        @if let Some(p) = &d.period { p { span.badge.sev-high { (l.t("Trong đợt cao điểm: ", "In the heightened period: ")) span data-raw { (p.name) } } } }
        div.cards #daily-figures {
            @for s in Severity::ALL.iter().rev() { div.stat { b { (cnt.signals_by_severity.get(s.as_str()).copied().unwrap_or(0)) } span { (l.t("Cảnh báo ", "Alerts: ")) (l.t(s.label_vi(), s.label_en()).to_lowercase()) } } }
            div.stat { b { (cnt.incidents_new.len()) } span { (l.t("Sự cố mới", "New incidents")) } }
            div.stat { b { (cnt.incidents_open) } span { (l.t("Sự cố đang xử lý", "Incidents in progress")) } }
        }
        h2 { (l.t("Ca trực trong ngày", "The day's shifts")) }
        table.records #daily-shifts { thead { tr { th { (l.t("Ca", "Shift")) } th { (l.t("Thời gian", "Time")) } th { (l.t("Người trực", "Officer")) } } }
            tbody { @for s in &d.shifts { tr { td { (super::pages::shift_word(l, &s.code)) } td { (fmt_datetime(s.starts_at)) " → " (fmt_datetime(s.ends_at)) }
                td { @match &s.full_name { Some(n) => span data-raw { (n) }, None => span.badge.sev-critical { (l.t("CHƯA CÓ NGƯỜI", "NOBODY")) } } } } }
                @if d.shifts.is_empty() { tr { td colspan="3" .muted { (l.t("Chưa có lịch trực cho ngày này.", "No roster covers this day.")) } } } } }
        h2 { (l.t("Số liệu", "Figures")) }
        table.records #daily-rows { thead { tr { th { (l.t("Nội dung", "Section")) } th { (l.t("Chỉ tiêu", "Line")) } th { (l.t("Số liệu", "Value")) } } }
            tbody { @for sec in summaries::daily_doc(&d, if l == Lang::En { summaries::Lang::En } else { summaries::Lang::Vi }).sections.iter().skip(1) { @for r in &sec.rows { tr { td { (sec.short) } td { (r[0]) } td { (r[1]) } } } } } }
        @if !cnt.incidents_new.is_empty() {
            h2 { (l.t("Sự cố mới", "New incidents")) }
            ul { @for (id, t, _, o) in &cnt.incidents_new { li { a href=(format!("/incidents/{id}")) { "#" (id) } " " (o) ": " span data-raw { (t) } } } }
        }
        h2 { (l.t("Tình hình chung (soạn sẵn từ số liệu, chỉnh sửa được)", "Summary (written from the figures, editable)")) }
        @if let Some(s) = &d.saved { p.muted #daily-saved { (l.t("Đã lưu lúc ", "Saved at ")) (fmt_datetime(s.saved_at)) " · " (crate::ui::fmt::actor(l, &s.saved_by)) " · " a href=(format!("/duty/daily?{}&fresh=1", qs(&d))) { (l.t("soạn lại từ số liệu mới nhất", "rewrite from the latest figures")) } } }
        @if c.role.can_write() {
            form.card #daily-form method="post" action="/duty/daily" { (csrf(&c))
                input type="hidden" name="day" value=(d.day.format("%d/%m/%Y"));
                p { textarea #daily-narrative name="narrative" rows="10" cols="100" { (d.narrative) } }
                p { label for="daily-remarks" { (l.t("Kiến nghị, đề xuất", "Remarks and proposals")) } textarea #daily-remarks name="remarks" rows="3" cols="100" { (d.remarks) } }
                button #daily-save type="submit" { (l.t("Lưu báo cáo", "Save the report")) }
            }
        } @else {
            pre.prewrap #daily-narrative { (d.narrative) }
        }
    };
    Ok(page(&c, l.t("Báo cáo trực ngày", "Daily duty report"), "/duty", body).into_response())
}

/// `POST /duty/daily` (`day`, `narrative`, `remarks`).
pub async fn save(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let Some(org) = c.user.org_id else { return Err(crate::ui::not_found(&c)) };
    let now = now_ms();
    let day = day_of(&f, now);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    st.store.save_daily_report(&c.scope, &c.actor(), org, &day.to_string(), &get("narrative"), &get("remarks"), now).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/duty/daily?day={}", day.format("%d/%m/%Y"))).into_response())
}

/// `GET /duty/daily/print`: the report as an A4 document (Vietnamese, whatever the interface
/// language).
pub async fn print(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let d = load(&st, &c, &q).await?;
    let _: Lang = c.lang;
    let body = html! {
        div.head { div { b { (d.org_name.to_uppercase()) } } div.motto { b { "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" } br; b { "Độc lập - Tự do - Hạnh phúc" } } }
        h1 { "BÁO CÁO KẾT QUẢ TRỰC NGÀY " (d.day.format("%d/%m/%Y")) }
        p { i { "(lập lúc " (fmt_datetime(d.built_at)) " giờ Việt Nam)" } }
        h2 { "I. Tình hình chung" }
        @for line in d.narrative.lines() { p { (line) } }
        h2 { "II. Số liệu" }
        table { thead { tr { th { "Nội dung" } th { "Chỉ tiêu" } th { "Số liệu" } } } tbody { @for (a, b, v) in daily::rows(&d) { tr { td { (a) } td { (b) } td { (v) } } } } }
        h2 { "III. Kiến nghị, đề xuất" }
        p { @if d.remarks.is_empty() { "Không." } @else { (d.remarks) } }
        p.sign { b { "CÁN BỘ TRỰC" } br; i { "(ký, ghi rõ họ tên)" } }
    };
    Ok(print_page(&format!("Báo cáo trực ngày {}", d.day.format("%d/%m/%Y")), body).into_response())
}

/// The report as the document model (`lang=en`: in English; any `format`), when asked for.
fn as_doc(c: &Caller, d: &Daily, q: &HashMap<String, String>, default: Format) -> Option<UiResult> {
    let lang = q.get("lang").map(|v| summaries::Lang::parse(v)).unwrap_or(summaries::Lang::Vi);
    let format = q.get("format").and_then(|f| Format::parse(f)).unwrap_or(default);
    if lang == summaries::Lang::Vi && format == default {
        return None;
    }
    let doc = summaries::daily_doc(d, lang);
    Some(match doc.render(format) {
        Ok(bytes) => Ok(crate::ui::download(&doc.file_name(format), bytes)),
        Err(e) => Err(error_page(c, StatusCode::INTERNAL_SERVER_ERROR, &format!("Không tạo được tệp: {e}"), &format!("Could not write the file: {e}"))),
    })
}

/// `GET /duty/daily/pdf[?lang=en]`.
pub async fn pdf(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let d = load(&st, &c, &q).await?;
    if let Some(r) = as_doc(&c, &d, &q, Format::Pdf) {
        return r;
    }
    let bytes = daily::pdf(&d).map_err(|e| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, &format!("Không tạo được PDF: {e}"), &format!("Could not make the PDF: {e}")))?;
    Ok(pdf_response(&format!("bao-cao-truc-{}-{}.pdf", d.org_code, d.day), bytes))
}

/// `GET /duty/daily/xlsx[?lang=en][&format=csv]`.
pub async fn xlsx(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let d = load(&st, &c, &q).await?;
    if let Some(r) = as_doc(&c, &d, &q, Format::Xlsx) {
        return r;
    }
    let bytes = daily::xlsx(&d).map_err(|e| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, &format!("Không tạo được tệp: {e}"), &format!("Could not write the file: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"bao-cao-truc-{}-{}.xlsx\"", d.org_code, d.day)),
        ],
        bytes,
    )
        .into_response())
}
