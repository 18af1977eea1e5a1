//! Log sources: every sender × format seen, how busy it is, how much of it could be read, which
//! rules its events feed, and whether it has gone silent (an alert to its organisation, raised
//! by [`canhgac_ops::monitor::check_silent_sources`]).

use crate::api::*;
use crate::auth::{Caller, Lang};
use crate::ui::layout::page;
use crate::ui::{not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::Json;
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_store::{LogSourceRow, SourceSort};
use maud::{html, Markup};
use std::collections::HashMap;

/// How long ago, in words.
fn ago(l: Lang, ms: i64) -> String {
    let s = (ms / 1000).max(0);
    let (n, vi, en) = if s < 90 {
        (s, "giây", "s")
    } else if s < 90 * 60 {
        (s / 60, "phút", "min")
    } else if s < 48 * 3600 {
        (s / 3600, "giờ", "h")
    } else {
        (s / 86_400, "ngày", "d")
    };
    match l {
        Lang::Vi => format!("{n} {vi} trước"),
        Lang::En => format!("{n} {en} ago"),
    }
}

/// Average events per minute over the source's life, with one decimal (Vietnamese comma);
/// a dash until it has sent twice.
fn per_minute(l: Lang, s: &LogSourceRow) -> String {
    if s.events < 2 || s.last_seen <= s.first_seen {
        return "—".into();
    }
    let minutes = ((s.last_seen - s.first_seen) as f64 / 60_000.0).max(1.0);
    let v = format!("{:.1}", s.events as f64 / minutes);
    if l == Lang::Vi {
        v.replace('.', ",")
    } else {
        v
    }
}

/// Share of events that could be read, as a percentage.
fn parsed_share(s: &LogSourceRow) -> String {
    if s.events == 0 {
        return "—".into();
    }
    let ok = (s.events - s.malformed).max(0) as f64 * 100.0 / s.events as f64;
    if ok >= 99.95 || ok == 0.0 {
        format!("{ok:.0}%")
    } else {
        format!("{ok:.1}%")
    }
}

fn format_label(l: Lang, code: &str) -> String {
    let (vi, en) = canhgac_ops::monitor::format_name(code);
    l.t(vi, en).to_string()
}

/// Whether it is silent now (an alert raised), quiet beyond its habit, or sending.
fn state(l: Lang, s: &LogSourceRow, now: i64) -> Markup {
    if let Some(sig) = s.silent_signal_id {
        return html! { a.sev.sev-high href=(format!("/signals/{sig}")) { (l.t("Ngừng gửi", "Gone silent")) } };
    }
    // Only a source with a habit (as many events as the silence alert needs) can break it.
    let quiet = now - s.last_seen;
    let usual = s.gap_ms.unwrap_or(i64::MAX / 8);
    let established = s.events >= canhgac_ops::monitor::SilenceRule::default().min_events;
    if established && quiet > 15 * 60_000 && quiet > usual.saturating_mul(3) {
        html! { span.sev.sev-medium { (l.t("Lâu chưa gửi", "Quiet for long")) } }
    } else {
        html! { span.sev.sev-info { (l.t("Đang gửi", "Sending")) } }
    }
}

fn source_cell(s: &LogSourceRow) -> Markup {
    html! {
        a href=(format!("/sources/{}", s.id)) { (s.source_key) }
        @if let (Some(h), Some(name)) = (s.host_id, &s.host_name) {
            br; span.muted { "↳ " a href=(format!("/hosts/{h}")) { (name) } }
        }
    }
}

/// A kind of log: (product, category, service).
type LogKind<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// Sources on a page of the list.
const PAGE: i64 = 100;

/// `GET /sources` (`sort`: quietest, busiest, malformed; `offset`: a later page).
pub async fn sources_page(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> UiResult {
    let l = c.lang;
    let now = now_ms();
    let sort = match q.get("sort").map(String::as_str) {
        Some("busiest") => SourceSort::Busiest,
        Some("malformed") => SourceSort::Malformed,
        _ => SourceSort::Quietest,
    };
    let offset = q.get("offset").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0).max(0);
    let rows = st
        .store
        .log_sources(&c.scope, None, None, sort, PAGE, offset)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let totals = st
        .store
        .log_source_totals(&c.scope, now)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    // How many rules each log source feeds, worked out once per (product, category, service):
    // a province has thousands of sources but a few dozen kinds of log.
    let mut fed: HashMap<LogKind, usize> = HashMap::new();
    for s in &rows {
        let kind = (s.product.as_deref(), s.category.as_deref(), s.service.as_deref());
        fed.entry(kind)
            .or_insert_with(|| st.monitor.rules_for_source(kind.0, kind.1, kind.2, 0).1);
    }
    let sort_link = |key: &str, vi: &str, en: &str| {
        let on = q.get("sort").map_or(key == "quietest", |v| v == key);
        html! { @if on { b { (l.t(vi, en)) } } @else { a href=(format!("/sources?sort={key}")) { (l.t(vi, en)) } } }
    };
    let body = html! {
        h1 { (l.t("Nguồn nhật ký", "Log sources")) }
        p.muted { (l.t(
            "Mỗi nguồn là một máy (hoặc địa chỉ gửi) theo một định dạng nhật ký. Nguồn đã gửi đều đặn mà ngừng gửi lâu hơn nhiều lần thói quen của nó sẽ phát sinh cảnh báo cho đơn vị sở hữu — kẻ tấn công thường tắt nhật ký trước tiên.",
            "Each source is a host (or sending address) in one log format. A source that has sent regularly and then stays silent several times longer than its habit raises an alert to its organisation — attackers often stop the logs first.")) }
        div.cards #sources-summary {
            div.stat { b { (totals.sources) } span { (l.t("Nguồn", "Sources")) } }
            div.stat { b { (totals.formats) } span { (l.t("Định dạng", "Formats")) } }
            div.stat { b { (totals.events) } span { (l.t("Sự kiện đã nhận", "Events received")) } }
            a.stat href="/events?malformed=1" { b { (totals.malformed) } span { (l.t("Không đọc được", "Unreadable")) } }
            div.stat { b { (totals.silent) } span { (l.t("Đang ngừng gửi", "Silent now")) } }
        }
        p #sources-sort { (l.t("Sắp xếp:", "Sort:")) " " (sort_link("quietest", "lâu chưa gửi nhất", "quietest first")) " · "
            (sort_link("busiest", "nhiều sự kiện nhất", "busiest first")) " · " (sort_link("malformed", "nhiều lỗi định dạng nhất", "most unreadable first")) }
        table.records #sources-table {
            thead { tr {
                th { (l.t("Nguồn", "Source")) } th { (l.t("Định dạng", "Format")) } th { (l.t("Đơn vị", "Org")) }
                th { (l.t("Sự kiện", "Events")) } th { (l.t("Sự kiện/phút", "Events/min")) } th { (l.t("Đọc được", "Parsed")) }
                th { (l.t("Lần cuối", "Last seen")) } th { (l.t("Luật áp dụng", "Rules fed")) } th { (l.t("Trạng thái", "State")) }
            } }
            tbody {
                @for s in &rows {
                    @let n_rules = fed.get(&(s.product.as_deref(), s.category.as_deref(), s.service.as_deref())).copied().unwrap_or(0);
                    tr {
                        td { (source_cell(s)) }
                        td { (format_label(l, &s.format)) }
                        td { @if let Some(o) = &s.org_code { (o) } @else { span.muted { (l.t("chưa xác định", "unresolved")) } } }
                        td { (s.events) }
                        td { (per_minute(l, s)) }
                        td { (parsed_share(s)) }
                        td { (fmt_datetime(s.last_seen)) br; span.muted { (ago(l, now - s.last_seen)) } }
                        td { a href=(format!("/sources/{}#source-rules", s.id)) { (n_rules) } }
                        td { (state(l, s, now)) }
                    }
                }
                @if rows.is_empty() && offset == 0 { tr { td colspan="9" .muted { (l.t("Chưa nhận được nhật ký nào.", "No logs received yet.")) " " a href="/monitor#forwarders" { (l.t("Cách gửi nhật ký về", "How to send logs")) } } } }
            }
        }
        @if totals.sources > PAGE {
            @let params: Vec<(String, String)> = q.get("sort").map(|v| ("sort".to_string(), v.clone())).into_iter().collect();
            (crate::ui::layout::pager(l, "/sources", &params, offset, PAGE, totals.sources))
        }
    };
    Ok(page(&c, l.t("Nguồn nhật ký", "Log sources"), "/sources", body).into_response())
}

/// `GET /sources/{id}`.
pub async fn source_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let now = now_ms();
    let s = st
        .store
        .log_source(&c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .ok_or_else(|| not_found(&c))?;
    let (rules, n_rules) = st.monitor.rules_for_source(
        s.product.as_deref(),
        s.category.as_deref(),
        s.service.as_deref(),
        200,
    );
    let events_href = format!("/events?host={}", urlencoding::encode(&s.source_key));
    let usual = s.gap_ms.map(|g| {
        let m = g as f64 / 60_000.0;
        if m < 1.0 {
            format!("{} {}", g / 1000, l.t("giây", "s"))
        } else {
            format!("{m:.0} {}", l.t("phút", "min"))
        }
    });
    let title = format!("{} · {}", s.source_key, format_label(l, &s.format));
    let body = html! {
        p.muted { a href="/sources" { (l.t("Nguồn nhật ký", "Log sources")) } " › " (s.source_key) }
        h1 { (title) }
        div.card { dl.kv #source-facts {
            dt { (l.t("Máy gửi", "Sender")) } dd { (source_cell(&s)) }
            dt { (l.t("Đơn vị", "Organisation")) } dd { @if let Some(o) = &s.org_code { (o) } @else { (l.t("chưa xác định (chỉ Sở thấy)", "unresolved (visible to the DIC only)")) } }
            dt { (l.t("Định dạng", "Format")) } dd { (format_label(l, &s.format)) }
            dt { (l.t("Đường nhận", "Transport")) } dd { (crate::monitoring::events::transport_word(l, &s.transport)) }
            dt { (l.t("Nguồn nhật ký Sigma", "Sigma log source")) } dd { code { (crate::monitoring::common::log_source(s.product.as_deref(), s.category.as_deref(), s.service.as_deref())) } }
            dt { (l.t("Lần đầu", "First seen")) } dd { (fmt_datetime(s.first_seen)) }
            dt { (l.t("Lần cuối", "Last seen")) } dd { (fmt_datetime(s.last_seen)) " (" (ago(l, now - s.last_seen)) ")" }
            dt { (l.t("Khoảng cách thường gặp giữa hai lần gửi", "Usual gap between sends")) } dd { @if let Some(u) = &usual { (u) } @else { "—" } }
            dt { (l.t("Sự kiện", "Events")) } dd { a href=(events_href) { (s.events) } " · " (per_minute(l, &s)) " " (l.t("sự kiện/phút trung bình", "events/min on average")) }
            dt { (l.t("Đọc được", "Parsed")) } dd { (parsed_share(&s)) @if s.malformed > 0 { " · " a href=(format!("{events_href}&malformed=1")) { (s.malformed) " " (l.t("bản ghi không đọc được", "unreadable records")) } } }
            dt { (l.t("Trạng thái", "State")) } dd { (state(l, &s, now)) }
        } }
        h2 #source-rules { (l.t("Luật áp dụng cho nguồn này", "Rules this source feeds")) " (" (n_rules) ")" }
        @if rules.is_empty() {
            p.muted { (l.t("Không luật nào áp dụng: sự kiện của nguồn này chưa có nguồn nhật ký Sigma (sản phẩm, loại, dịch vụ) nên chỉ luật không ghi nguồn nhật ký mới chạy trên chúng.",
                "No rule applies: this source's events carry no Sigma log source (product, category, service), so only rules that name none run on them.")) }
        } @else {
            table.records { thead { tr { th { (l.t("Luật", "Rule")) } } } tbody {
                @for (key, t) in &rules { tr { td { a href=(format!("/rules?q={}", urlencoding::encode(key))) { span data-raw { (t) } } } } }
                @if n_rules > rules.len() { tr { td.muted { (l.t("và", "and")) " " (n_rules - rules.len()) " " (l.t("luật khác", "more")) } } }
            } }
        }
    };
    Ok(page(&c, &title, "/sources", body).into_response())
}

/// The log sources in the caller's scope, quietest first, a page at a time.
#[utoipa::path(
    get,
    path = "/sources",
    tag = "monitoring",
    summary = "Log sources in your scope (sender × format), quietest first (limit 1-1000, default 100; offset): events, unreadable share, first and last seen, usual gap, and the alert raised while one is silent",
    responses((status = 200, description = "Done", body = [LogSourceRow]), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_sources(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<LogSourceRow>>> {
    let (limit, offset) = crate::api::page_params(&p);
    Ok(Json(
        st.store
            .log_sources(
                &c.scope,
                None,
                None,
                SourceSort::Quietest,
                limit.unwrap_or(PAGE).clamp(1, 1000),
                offset.unwrap_or(0),
            )
            .await?,
    ))
}
