//! `/reports`: what reports there are, the schedules and the latest copies; a month's report,
//! the scorecards and a heightened period's summary on screen, each downloadable as PDF, XLSX
//! and CSV in Vietnamese or English.

use super::api::issuer;
use crate::auth::{Caller, Lang};
use crate::ui::layout::page;
use crate::ui::{download, not_found, param, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_ops::summaries::{self as sums, Doc, Format, Month, ScheduleKind};
use maud::{html, Markup};

/// The document's language: `lang=en|vi` when asked, else the caller's.
fn doc_lang(c: &Caller, q: &[(String, String)]) -> sums::Lang {
    match param(q, "lang").as_str() {
        "en" => sums::Lang::En,
        "vi" => sums::Lang::Vi,
        _ if c.lang == Lang::En => sums::Lang::En,
        _ => sums::Lang::Vi,
    }
}

/// The document on screen.
fn show(doc: &Doc) -> Markup {
    html! {
        div.card.report {
            p.muted { (doc.issuer) }
            h2 { (doc.title) }
            p { (doc.subtitle) }
            @for p in &doc.summary { p { (p) } }
        }
        @for s in &doc.sections {
            h2 { (s.heading) }
            @if s.rows.is_empty() {
                p.muted { (doc.lang.t("Không phát sinh.", "None.")) }
            } @else {
                div.scroll { table.records data-section=(s.short) {
                    thead { tr { @for h in &s.header { th { (h) } } } }
                    tbody { @for (i, r) in s.rows.iter().enumerate() { tr {
                        @for (j, cell) in r.iter().enumerate() {
                            @match (j, s.links.get(i).cloned().flatten()) {
                                (0, Some(href)) => td { a href=(href) { (cell) } },
                                _ => td { (cell) },
                            }
                        }
                    } } }
                } }
            }
        }
    }
}

/// Links to the document in every format and both languages; `base` carries the query so far.
fn exports(l: Lang, base: &str) -> Markup {
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        p.exports {
            @for (lang, vi, en) in [("vi", "Tiếng Việt", "Vietnamese"), ("en", "Tiếng Anh", "English")] {
                span.muted { (l.t(vi, en)) ": " }
                @for f in ["pdf", "xlsx", "csv"] {
                    a.button href=(format!("{base}{sep}format={f}&lang={lang}")) data-format=(f) data-lang=(lang) { (f.to_uppercase()) } " "
                }
            }
        }
    }
}

/// The document in the format asked for, or `None` to show it.
fn rendered(c: &Caller, doc: &Doc, q: &[(String, String)]) -> Option<UiResult> {
    let f = Format::parse(&param(q, "format"))?;
    Some(match doc.render(f) {
        Ok(bytes) => Ok(download(&doc.file_name(f), bytes)),
        Err(e) => {
            tracing::error!(error = %e, "report could not be rendered");
            Err(crate::ui::error_page(c, axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Không lập được tệp báo cáo.", "The report file could not be made."))
        }
    })
}

fn month_nav(l: Lang, base: &str, m: Month) -> Markup {
    let this = Month::of(now_ms());
    html! {
        p {
            a href=(format!("{base}?month={}", m.prev().label())) { "‹ " (l.t("Tháng ", "")) (m.prev().display()) }
            @if m < this { " · " a href=(format!("{base}?month={}", m.next().label())) { (l.t("Tháng ", "")) (m.next().display()) " ›" } }
        }
    }
}

fn month_param(c: &Caller, q: &[(String, String)]) -> Result<Month, axum::response::Response> {
    let s = param(q, "month");
    if s.trim().is_empty() {
        return Ok(Month::of(now_ms()));
    }
    Month::parse(&s).ok_or_else(|| crate::ui::error_page(c, axum::http::StatusCode::BAD_REQUEST, "Tháng không hợp lệ (dạng yyyy-mm).", "Not a month (yyyy-mm)."))
}

/// `GET /reports`.
pub async fn index(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let schedules = st.store.report_schedules(&c.scope).await.map_err(err)?;
    let runs = st.store.report_runs(&c.scope, None, 20).await.map_err(err)?;
    let periods = st.store.periods().await.map_err(err)?;
    let this = Month::of(now_ms());
    let months: Vec<Month> = std::iter::successors(Some(this), |m| Some(m.prev())).take(13).collect();
    let admin = matches!(c.role, canhgac_domain::Role::DicAdmin | canhgac_domain::Role::OrgAdmin);
    let body = html! {
        h1 { (l.t("Báo cáo", "Reports")) }
        div.grid2 {
            div.card {
                h2 { (l.t("Báo cáo tháng", "Monthly report")) }
                p.muted { (l.t("Cảnh báo, sự cố, Botnet, bản vá, văn bản chỉ đạo, trực và viễn thông của tháng, theo từng đơn vị.", "The month's alerts, incidents, Botnet, patching, directives, duty and telecoms, per organisation.")) }
                form method="get" action="/reports/monthly" {
                    label { (l.t("Tháng", "Month")) " " select name="month" { @for m in &months { option value=(m.label()) selected[*m == this] { (m.display()) @if *m == this { (l.t(" (đến hôm nay)", " (so far)")) } } } } }
                    " " button { (l.t("Xem", "Open")) }
                }
            }
            div.card {
                h2 { (l.t("Bảng điểm đơn vị", "Organisation scorecards")) }
                p.muted { (l.t("Tiếp nhận cảnh báo đúng hạn, tuân thủ bản vá, xử lý Botnet, văn bản chỉ đạo, báo cáo trực.", "Alerts taken up in time, patch compliance, Botnet clean-up, directives, duty reports.")) }
                form method="get" action="/reports/scorecards" {
                    label { (l.t("Tháng", "Month")) " " select name="month" { @for m in &months { option value=(m.label()) selected[*m == this] { (m.display()) @if *m == this { (l.t(" (đến hôm nay)", " (so far)")) } } } } }
                    " " button { (l.t("Xem", "Open")) }
                }
            }
            div.card {
                h2 { (l.t("Báo cáo trực ngày", "Daily duty report")) }
                p { a href="/duty/daily" { (l.t("Báo cáo kết quả trực hôm nay", "Today's duty report")) } }
            }
            div.card {
                h2 { (l.t("Tổng hợp sự cố 6 tháng (Mẫu 05)", "Six-monthly incident summary (Mẫu 05)")) }
                p { a href="/incidents/summary" { (l.t("Mở báo cáo Mẫu 05", "Open the Mẫu 05 summary")) } }
            }
        }
        h2 { (l.t("Tổng hợp đợt trực cao điểm", "Heightened period summaries")) }
        @if periods.is_empty() {
            p.muted { (l.t("Chưa có đợt cao điểm nào.", "No heightened period yet.")) }
        } @else {
            ul { @for p in &periods { li { a href=(format!("/reports/periods/{}", p.id)) { span data-raw { (p.name) } } " · " (chrono::NaiveDate::parse_from_str(&p.first_day, "%Y-%m-%d").map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()) " – " (chrono::NaiveDate::parse_from_str(&p.last_day, "%Y-%m-%d").map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()) } } }
        }
        h2 { (l.t("Lịch lập và gửi báo cáo tự động", "Scheduled reports")) }
        @if admin { p { a.button href="/reports/schedules/new" { (l.t("Thêm lịch gửi", "Add a schedule")) } } }
        (super::schedules::table(l, &schedules))
        h2 { (l.t("Bản báo cáo đã lập gần đây", "Latest copies")) }
        (super::schedules::runs_table(l, &runs))
    };
    Ok(page(&c, l.t("Báo cáo", "Reports"), "/reports", body).into_response())
}

/// `GET /reports/monthly?month=yyyy-mm[&format=pdf|xlsx|csv][&lang=vi|en]`.
pub async fn monthly(State(st): State<AppState>, c: Caller, Query(q): Query<Vec<(String, String)>>) -> UiResult {
    let l = c.lang;
    let m = month_param(&c, &q)?;
    let built = sums::monthly(&st.store, &c.scope, issuer(&c), m, doc_lang(&c, &q), now_ms()).await.map_err(|e| store_error_page(&c, e))?;
    let doc = built.doc.ok_or_else(|| not_found(&c))?;
    if let Some(r) = rendered(&c, &doc, &q) {
        return r;
    }
    let body = html! {
        p.muted { a href="/reports" { (l.t("Báo cáo", "Reports")) } }
        h1 { (l.t("Báo cáo tháng ", "Monthly report ")) (m.display()) }
        (month_nav(l, "/reports/monthly", m))
        (exports(l, &format!("/reports/monthly?month={}", m.label())))
        (show(&doc))
    };
    Ok(page(&c, l.t("Báo cáo tháng", "Monthly report"), "/reports", body).into_response())
}

/// `GET /reports/scorecards?month=yyyy-mm[&format=…][&lang=…]`.
pub async fn scorecards(State(st): State<AppState>, c: Caller, Query(q): Query<Vec<(String, String)>>) -> UiResult {
    let l = c.lang;
    let m = month_param(&c, &q)?;
    let (cards, doc) = sums::scorecards(&st.store, &c.scope, issuer(&c), m, doc_lang(&c, &q), now_ms()).await.map_err(|e| store_error_page(&c, e))?;
    if let Some(r) = rendered(&c, &doc, &q) {
        return r;
    }
    let body = html! {
        p.muted { a href="/reports" { (l.t("Báo cáo", "Reports")) } }
        h1 { (l.t("Bảng điểm đơn vị tháng ", "Scorecards for ")) (m.display()) }
        (month_nav(l, "/reports/scorecards", m))
        (exports(l, &format!("/reports/scorecards?month={}", m.label())))
        p.muted { (cards.len()) (l.t(" đơn vị", " organisations")) }
        (show(&doc))
    };
    Ok(page(&c, l.t("Bảng điểm đơn vị", "Scorecards"), "/reports", body).into_response())
}

/// `GET /reports/periods/{id}[?format=…][&lang=…]`.
pub async fn period(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Query(q): Query<Vec<(String, String)>>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let p = st.store.period(id).await.map_err(err)?.ok_or_else(|| not_found(&c))?;
    let built = sums::period_summary(&st.store, &c.scope, issuer(&c), &p, doc_lang(&c, &q), now_ms()).await.map_err(err)?;
    let doc = built.doc.ok_or_else(|| not_found(&c))?;
    if let Some(r) = rendered(&c, &doc, &q) {
        return r;
    }
    let body = html! {
        p.muted { a href="/reports" { (l.t("Báo cáo", "Reports")) } " › " a href=(format!("/periods/{id}")) { span data-raw { (p.name) } } }
        h1 { (l.t("Tổng hợp đợt cao điểm", "Heightened period summary")) }
        p.muted { (l.t("Lập lúc ", "Made at ")) (fmt_datetime(doc.built_at)) " · " (built.days) (l.t(" ngày đã qua của đợt", " days of the period so far")) }
        (exports(l, &format!("/reports/periods/{id}")))
        (show(&doc))
    };
    Ok(page(&c, l.t("Tổng hợp đợt cao điểm", "Heightened period summary"), "/reports", body).into_response())
}

/// Words for a schedule's kind.
pub(crate) fn kind_label(l: Lang, k: &str) -> String {
    ScheduleKind::parse(k).map_or_else(|| k.to_string(), |k| l.t(k.label_vi(), k.label_en()).to_string())
}
