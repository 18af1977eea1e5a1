//! Event search, an event, uploads, the monitoring status page.

#[allow(unused_imports)]
use super::common::*;
use crate::auth::{Caller, Lang};
use crate::registry::org_options;
use crate::ui::layout::{page, pager};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{error_page, not_found, param, read_upload, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use maud::{html, Markup};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;

// ---- Events ----

/// What the time boxes of the event search accept: `dd/mm/yyyy hh:mm` (the hour optional).
const TIME_PATTERN: &str = r"\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2})?";

/// A time typed in a search box, in Viet Nam time: `dd/mm/yyyy hh:mm`, `dd/mm/yyyy hh:mm:ss`
/// or a date alone (its first minute, or with `end_of_day` its last); links made before also
/// carry `yyyy-mm-ddThh:mm` or Unix milliseconds. `Ok(None)` when empty, `Err` when unreadable.
pub(crate) fn typed_time(v: &str, end_of_day: bool) -> Result<Option<i64>, ()> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone};
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(ms) = v.parse::<i64>() {
        return Ok(Some(ms));
    }
    let local = |t: NaiveDateTime| {
        canhgac_domain::time::vn_offset()
            .from_local_datetime(&t)
            .single()
            .map(|t| t.timestamp_millis())
    };
    for f in [
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, f) {
            return local(t).map(Some).ok_or(());
        }
    }
    for f in ["%d/%m/%Y", "%Y-%m-%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(v, f) {
            let t = if end_of_day {
                d.and_hms_milli_opt(23, 59, 59, 999)
            } else {
                d.and_hms_opt(0, 0, 0)
            };
            return t.and_then(local).map(Some).ok_or(());
        }
    }
    Err(())
}

/// A time box's value as the officer reads it: what was typed, or an older link's ISO time or
/// Unix milliseconds shown as `dd/mm/yyyy hh:mm`.
fn shown_time(v: &str) -> String {
    let t = v.trim();
    let looks_typed = t.contains('/') || t.is_empty();
    match typed_time(t, false) {
        Ok(Some(ms)) if !looks_typed => canhgac_domain::time::fmt_datetime(ms),
        _ => v.to_string(),
    }
}

/// How an event arrived, in words.
pub(crate) fn transport_word(l: Lang, t: &str) -> String {
    match t {
        "file" | "evtx" => l.t("Tệp tải lên", "Uploaded file").to_string(),
        "http" => l.t("HTTPS (API)", "HTTPS (API)").to_string(),
        other => other.to_uppercase(),
    }
}

/// `GET /events`.
pub async fn events_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let get = |k: &str| param(&params, k);
    let offset = get("offset").parse().unwrap_or(0i64).max(0);
    let mut q: HashMap<String, String> = HashMap::new();
    for k in ["host", "q", "field", "malformed"] {
        q.insert(k.to_string(), get(k));
    }
    // The time boxes are read here, in Viet Nam time; one that cannot be read is named and
    // does not filter.
    let mut bad_time: Vec<(&str, &str, &str, String)> = Vec::new();
    for (k, vi, en, end) in [("from", "Từ", "From", false), ("to", "Đến", "To", true)] {
        match typed_time(&get(k), end) {
            Ok(Some(ms)) => {
                q.insert(k.to_string(), ms.to_string());
            }
            Ok(None) => {}
            Err(()) => bad_time.push((k, vi, en, get(k))),
        }
    }
    let is_bad = |k: &str| bad_time.iter().any(|b| b.0 == k);
    q.insert("limit".into(), PAGE.to_string());
    q.insert("offset".into(), offset.to_string());
    let org = get("org");
    if !org.is_empty() {
        let codes = st.store.org_codes().await.map_err(err)?;
        // An unknown code matches nothing.
        q.insert(
            "org_id".into(),
            codes.get(org.trim()).copied().unwrap_or(-1).to_string(),
        );
    }
    // A relative range (15 min … 30 days) sets the start when no box does.
    let range = crate::work::triage::RANGES
        .iter()
        .find(|r| r.0 == get("range"));
    if let Some((_, len, ..)) = range {
        if get("from").trim().is_empty() {
            q.insert("from".into(), (canhgac_domain::time::now_ms() - len).to_string());
        }
    }
    let f = crate::monitoring::event_filter(&q);
    // The histogram: the same search without its time limits, over the range or 24 hours.
    let tq = crate::work::triage::TriageQuery::parse(&params);
    let (since, bucket, n) = tq.histogram_window(canhgac_domain::time::now_ms());
    // Kept a moment per scope: it sums up every matching event of the window.
    let hist_filter = canhgac_store::EventFilter {
        from: None,
        to: None,
        limit: None,
        offset: None,
        ..f.clone()
    };
    let buckets = st
        .figures
        .get(
            "event-histogram",
            &c.scope,
            &format!("{hist_filter:?}|{since}|{bucket}|{n}"),
            || {
                st.store
                    .event_histogram(&c.scope, &hist_filter, since, bucket, n)
            },
        )
        .await
        .map_err(err)?;
    // The search's own parameters with some changed: the address of a filter link.
    let link = |changes: &[(&str, &str)]| {
        let mut out: Vec<String> = Vec::new();
        for k in ["from", "to", "range", "host", "org", "field", "q", "malformed"] {
            let v = changes
                .iter()
                .find(|(n, _)| *n == k)
                .map_or_else(|| get(k), |(_, v)| v.to_string());
            if !v.trim().is_empty() {
                out.push(format!("{k}={}", urlencoding::encode(&v)));
            }
        }
        format!("/events?{}", out.join("&"))
    };
    let time_box = |k: &str| {
        let bad = is_bad(k);
        html! {
            input id=(k) type="text" name=(k) value=(shown_time(&get(k))) placeholder="dd/mm/yyyy hh:mm" pattern=(TIME_PATTERN)
                inputmode="numeric" autocomplete="off" aria-invalid=[bad.then_some("true")]
                title=(l.t("Ngày giờ Việt Nam, dạng dd/mm/yyyy hh:mm, ví dụ 05/11/2026 08:30; có thể chỉ nhập ngày", "Viet Nam date and time as dd/mm/yyyy hh:mm, e.g. 05/11/2026 08:30; a date alone will do"));
        }
    };
    let (events, total) = st.store.search_events(&c.scope, &f).await.map_err(err)?;
    let orgs = org_options(&st, &c.scope).await.map_err(err)?;
    let body = html! {
        h1 { (l.t("Tìm kiếm sự kiện", "Event search")) }
        form.filters #events-search method="get" action="/events" {
            div.field.err[is_bad("from")] { label for="from" { (l.t("Từ (dd/mm/yyyy hh:mm)", "From (dd/mm/yyyy hh:mm)")) } (time_box("from")) }
            div.field.err[is_bad("to")] { label for="to" { (l.t("Đến (dd/mm/yyyy hh:mm)", "To (dd/mm/yyyy hh:mm)")) } (time_box("to")) }
            div { label for="host" { (l.t("Máy", "Host")) } input #host name="host" value=(get("host")) placeholder="web01"; }
            @if orgs.len() > 1 { div { label for="org" { (l.t("Đơn vị", "Organisation")) } (org_select(l, "org", &orgs, &org)) } }
            div { label for="field" { (l.t("Trường = giá trị", "Field = value")) } input #field name="field" value=(get("field")) placeholder="EventID=4625"; }
            div { label for="q" { (l.t("Nội dung (mọi từ)", "Text (every word)")) } input #q type="search" name="q" value=(get("q")); }
            div { label for="malformed" { (l.t("Chỉ dữ liệu lỗi", "Malformed only")) } input.check #malformed type="checkbox" name="malformed" value="1" checked[get("malformed") == "1"]; }
            div { button type="submit" { (l.t("Tìm", "Search")) } }
        }
        p.muted { (l.t("Giờ Việt Nam. Nhiều điều kiện trường cách nhau bằng dấu chấm phẩy, ví dụ: EventID=4625; TargetUserName=admin.",
            "Viet Nam time. Several field conditions are separated by semicolons, e.g. EventID=4625; TargetUserName=admin.")) }
        div.ranges #events-ranges { span.muted { (l.t("Khoảng thời gian:", "Time range:")) }
            a.chip class=@if get("range").is_empty() && get("from").is_empty() && get("to").is_empty() { "on" } href=(link(&[("range", ""), ("from", ""), ("to", "")])) { (l.t("Tất cả", "All")) }
            @for (name, _, _, vi, en) in crate::work::triage::RANGES {
                a.chip class=@if get("range") == name { "on" } href=(link(&[("range", name), ("from", ""), ("to", "")])) { (l.t(vi, en)) " " (l.t("gần nhất", "latest")) }
            } }
        (crate::work::triage::bars(l, &buckets[..], &|from, to| link(&[("range", ""), ("from", from), ("to", to)])))
        @for (_, vi, en, v) in &bad_time { div.flash.bad.time-error {
            (l.t("Ô", "The box")) " “" (l.t(vi, en)) "” " (l.t("không đọc được", "could not be read")) ": “" (v) "”. "
            (l.t("Hãy nhập ngày giờ Việt Nam dạng dd/mm/yyyy hh:mm, ví dụ 05/11/2026 08:30 (hoặc chỉ ngày 05/11/2026). Điều kiện này chưa được dùng để lọc.",
                 "Type a Viet Nam date and time as dd/mm/yyyy hh:mm, e.g. 05/11/2026 08:30 (or a date alone, 05/11/2026). It was not used to filter.")) } }
        table.records #events-table { thead { tr { th { (l.t("Thời gian", "Time")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Máy", "Host")) } th { (l.t("Nguồn nhật ký", "Log source")) } th { (l.t("Giao thức", "Transport")) } th { (l.t("Nội dung", "Message")) } } }
            tbody { @for e in &events { tr {
                td { a href=(format!("/events/{}", e.id)) { (fmt_seconds(e.at)) } }
                td { @if let Some(o) = &e.org_code { a.filter href=(link(&[("org", o)])) title=(l.t("Lọc theo đơn vị này", "Filter by this organisation")) { (o) } } }
                td { @if let Some(h) = &e.host_name { a.filter href=(link(&[("host", h)])) title=(l.t("Lọc theo máy này", "Filter by this host")) { (h) } } }
                td.mono data-raw { (log_source(e.product.as_deref(), e.category.as_deref(), e.service.as_deref())) }
                td { (transport_word(l, &e.transport)) }
                td { @if let Some(m) = &e.malformed { span.badge.sev-medium data-raw title=(m) { (l.t("Lỗi định dạng", "Malformed")) } " " span.muted data-raw { (truncate(m, 80)) } br; }
                    a data-raw href=(format!("/events/{}", e.id)) { (truncate(&e.message, 200)) } } } }
                @if events.is_empty() { tr { td colspan="6" .muted { (l.t("Không có sự kiện nào khớp", "No matching events")) } } } } }
        (pager(l, "/events", &params, offset, PAGE, total))
    };
    Ok(page(&c, l.t("Tìm kiếm sự kiện", "Event search"), "/events", body).into_response())
}

/// `GET /events/{id}`.
pub async fn event_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let e = st
        .store
        .event(&c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .ok_or_else(|| not_found(&c))?;
    let fields: Vec<(String, Value)> =
        serde_json::from_str::<serde_json::Map<String, Value>>(&e.fields)
            .map(|m| m.into_iter().collect())
            .unwrap_or_default();
    let show = |v: &Value| match v {
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join("\n"),
        other => text(other),
    };
    let source = log_source(
        e.product.as_deref(),
        e.category.as_deref(),
        e.service.as_deref(),
    );
    let host = host_cell(
        &st,
        &c,
        e.host_id,
        e.host_name.as_deref().unwrap_or_default(),
    )
    .await?;
    let body = html! {
        p.muted { a href="/events" { (l.t("Tìm kiếm sự kiện", "Event search")) } " › #" (e.id) }
        h1 { (l.t("Sự kiện", "Event")) " #" (e.id) }
        @if let Some(m) = &e.malformed { div.flash.bad #event-malformed { (l.t("Dữ liệu lỗi định dạng, được lưu nguyên văn", "Malformed input, kept as received")) ": " span data-raw { (m) } } }
        div.card { dl.kv {
            dt { (l.t("Thời gian sự kiện", "Event time")) } dd { (fmt_seconds(e.at)) }
            dt { (l.t("Thời gian nhận", "Received")) } dd { (fmt_seconds(e.received_at)) }
            dt { (l.t("Đơn vị", "Organisation")) } dd { (e.org_code.clone().unwrap_or_else(|| l.t("(chưa xác định)", "(unknown)").to_string())) }
            dt { (l.t("Máy", "Host")) } dd { (host) }
            @if let Some(ip) = &e.source_ip { dt { (l.t("Địa chỉ gửi", "Sender address")) } dd { code { (ip) } } }
            dt { (l.t("Giao thức", "Transport")) } dd { (transport_word(l, &e.transport)) }
            @if !source.is_empty() { dt { (l.t("Nguồn nhật ký", "Log source")) } dd.mono data-raw { (source) } }
        } }
        h2 { (l.t("Nội dung", "Message")) }
        pre #event-message { (e.message) }
        h2 { (l.t("Các trường", "Fields")) " (" (fields.len()) ")" }
        table #event-fields { thead { tr { th { (l.t("Trường", "Field")) } th { (l.t("Giá trị", "Value")) } } }
            tbody { @for (k, v) in &fields { tr { td { code { (k) } }
                td.prewrap data-raw { @let shown = show(v); @if !shown.is_empty() && shown.len() <= 200 && !shown.contains(['\n', ';']) {
                    a.filter href=(format!("/events?field={}", urlencoding::encode(&format!("{k}={shown}")))) title=(l.t("Tìm các sự kiện có cùng giá trị này", "Find events with this value")) { (shown) }
                } @else { (shown) } } } }
                @if fields.is_empty() { tr { td colspan="2" .muted { (l.t("Không có trường nào", "No fields")) } } } } }
    };
    Ok(page(
        &c,
        &format!("{} #{}", l.t("Sự kiện", "Event"), e.id),
        "/events",
        body,
    )
    .into_response())
}

// ---- Status and upload ----

/// The host name senders should use: the one this page was asked for.
pub(crate) fn public_host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| {
            if h.starts_with('[') {
                h.split(']')
                    .next()
                    .map(|x| format!("{x}]"))
                    .unwrap_or_default()
            } else {
                h.split(':').next().unwrap_or_default().to_string()
            }
        })
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ".-[]:".contains(ch))
        })
        .unwrap_or_else(|| "canhgac.example.gov.vn".into())
}

pub(crate) fn listen_host(a: SocketAddr, public: &str) -> String {
    if a.ip().is_unspecified() {
        public.to_string()
    } else if a.is_ipv6() {
        format!("[{}]", a.ip())
    } else {
        a.ip().to_string()
    }
}

pub(crate) fn megabytes(l: Lang, bytes: i64) -> String {
    let s = if bytes < 1_048_576 {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    };
    if l == Lang::Vi {
        s.replace('.', ",")
    } else {
        s
    }
}

/// `GET /monitor`.
/// Words for a periodic job (`server::periodic`), a worker's presence or an event-stream
/// partition it reads (`canhgac-bus`).
fn job_word(l: Lang, name: &str) -> String {
    if let Some(rest) = name.strip_prefix("partition:") {
        let n = rest.rsplit(':').next().unwrap_or("?");
        return format!("{} {n}", l.t("Đọc phân vùng luồng sự kiện số", "Reading event-stream partition"));
    }
    if name.starts_with("worker:") {
        return l.t("Tiến trình xử lý sự kiện đang chạy", "Event worker alive").to_string();
    }
    match name {
        "deadlines" => l.t("Hạn báo cáo sự cố, thời gian cao điểm, nhắc việc chỉ đạo", "Incident-report deadlines, heightened periods, directive reminders"),
        "pager" => l.t("Gọi trực", "On-call paging"),
        "reports" => l.t("Lập và gửi báo cáo theo lịch", "Scheduled reports"),
        "scans" => l.t("Quét mã độc theo lịch", "Scheduled malware scans"),
        "silence" => l.t("Nguồn nhật ký ngừng gửi", "Silent log sources"),
        "retention" => l.t("Xoá sự kiện cũ, phiên hết hạn, vá quá hạn", "Retention, expired sessions, overdue patches"),
        "seed" => l.t("Tạo sẵn các kịch bản ứng phó mẫu và đầu mối nhận báo cáo", "Seeding response-plan templates and report contacts"),
        "outbox" => l.t("Nâng các cảnh báo còn chờ sau khi một tiến trình dừng đột ngột", "Alerts left waiting by a process that stopped"),
        _ => l.t("Việc khác", "Other job"),
    }
    .to_string()
}

pub async fn monitor_page(State(st): State<AppState>, c: Caller, headers: HeaderMap) -> UiResult {
    monitor_view(&st, &c, &headers, None, StatusCode::OK).await
}

pub(crate) async fn monitor_view(
    st: &AppState,
    c: &Caller,
    headers: &HeaderMap,
    flash: Option<Markup>,
    status: StatusCode,
) -> UiResult {
    let l = c.lang;
    let snap = st.monitor.stats.snapshot();
    let n = |k: &str| snap[k].as_u64().unwrap_or(0);
    let summary = st.monitor.rules_summary();
    let cfg = st.monitor.config();
    // The platform's own jobs: province-wide roles only.
    let leases = if c.role.is_dic() { st.store.leases().await.unwrap_or_default() } else { Vec::new() };
    let totals = if c.role.is_dic() {
        Some(
            st.store
                .event_totals()
                .await
                .map_err(|e| store_error_page(c, e))?,
        )
    } else {
        None
    };
    let public = public_host(headers);
    let udp = cfg.syslog_udp.map(|a| (listen_host(a, &public), a.port()));
    let tcp = cfg.syslog_tcp.map(|a| (listen_host(a, &public), a.port()));
    let tls = cfg
        .syslog_tls
        .as_ref()
        .map(|t| (listen_host(t.listen, &public), t.listen.port()));
    let relp = cfg.syslog_relp.map(|a| (listen_host(a, &public), a.port()));
    let counters: [(&str, &str, &str); 6] = [
        ("received", "Bản ghi đã nhận", "Records received"),
        ("stored", "Sự kiện đã lưu", "Events stored"),
        ("malformed", "Dữ liệu lỗi định dạng", "Malformed input"),
        (
            "dropped",
            "Bị bỏ do quá tải (UDP)",
            "Dropped when overloaded (UDP)",
        ),
        ("detections", "Lần luật khớp", "Rule matches"),
        ("alerts", "Cảnh báo mới", "New alerts"),
    ];
    let body = html! {
        h1 { (l.t("Giám sát tập trung", "Centralised monitoring")) }
        @if let Some(f) = flash { (f) }
        p.muted { (l.t("Số liệu từ lần khởi động máy chủ gần nhất.", "Figures since the server last started.")) }
        div.cards #monitor-counters {
            @for (k, vi, en) in counters { div.stat id=(format!("count-{k}")) { b { (n(k)) } span { (l.t(vi, en)) } } }
            a.stat href="/rules" { b { (summary.detection + summary.correlation) } span { (l.t("Luật đang chạy", "Rules running")) } }
        }
        p #monitor-rules { (summary.detection) " " (l.t("luật phát hiện", "detection rules")) ", " (summary.correlation) " " (l.t("luật tương quan", "correlation rules"))
            @if !summary.refused.is_empty() { ", " a href="/rules#refused" { (summary.refused.len()) " " (l.t("luật không biên dịch được", "rules refused")) } }
            " · " a href="/alerts" { (l.t("Cảnh báo giám sát", "Monitoring alerts")) } " · " a href="/events" { (l.t("Tìm kiếm sự kiện", "Event search")) } }
        @if let Some((events, bytes)) = totals {
            div.card #monitor-storage { h2 { (l.t("Lưu trữ sự kiện", "Event storage")) } dl.kv {
                dt { (l.t("Số sự kiện đang lưu", "Events stored")) } dd { (events) }
                dt { (l.t("Dung lượng", "Size")) } dd { (megabytes(l, bytes)) " / " (megabytes(l, cfg.max_event_bytes)) " " (l.t("tối đa", "at most")) }
                dt { (l.t("Thời gian lưu", "Retention")) } dd { (cfg.retention_days) " " (l.t("ngày (sự kiện cũ hơn, hoặc vượt dung lượng, được xoá dần từ cũ nhất)", "days (older events, or those beyond the size, are removed oldest first)")) }
            } }
        }
        @if !leases.is_empty() {
            div.card #monitor-jobs { h2 { (l.t("Công việc định kỳ", "Periodic jobs")) }
                p.muted { (l.t("Mỗi việc chạy ở một tiến trình giữ quyền (lease) trong cơ sở dữ liệu; tiến trình đó dừng thì tiến trình khác nhận thay khi quyền hết hạn.", "Each job runs in the one process holding its lease in the database; if that process stops, another takes over when the lease lapses.")) }
                table.records { thead { tr { th { (l.t("Việc", "Job")) } th { (l.t("Tiến trình", "Process")) } th { (l.t("Lần chạy gần nhất", "Last run")) } th { (l.t("Quyền hết hạn lúc", "Lease until")) } } }
                    tbody { @for j in &leases { tr { td { (job_word(l, &j.name)) } td { code { (j.holder) } } td { (canhgac_domain::time::fmt_datetime(j.renewed_at)) } td { (canhgac_domain::time::fmt_datetime(j.expires_at)) } } } } }
            }
        }
        div.card #monitor-listeners {
            h2 { (l.t("Cổng nhận nhật ký", "Log listeners")) }
            table { tbody {
                tr { td { "Syslog UDP (RFC 5426)" } td { @if let Some(a) = cfg.syslog_udp { code { (a) } } @else { span.muted { (l.t("chưa bật", "off")) } } } }
                tr { td { "Syslog TCP (RFC 6587)" } td { @if let Some(a) = cfg.syslog_tcp { code { (a) } } @else { span.muted { (l.t("chưa bật", "off")) } } } }
                tr { td { "Syslog TLS (RFC 5425)" } td { @if let Some(t) = &cfg.syslog_tls { code { (t.listen) } } @else { span.muted { (l.t("chưa bật", "off")) } } } }
                tr { td { (l.t("RELP (rsyslog, không mất bản tin)", "RELP (rsyslog, no loss)")) } td { @if let Some(a) = cfg.syslog_relp { code { (a) } } @else { span.muted { (l.t("chưa bật", "off")) } } } }
                tr { td { "HTTPS (JSON, NDJSON)" } td { code { "POST /api/v1/ingest" } } }
            } }
            @if let (Some(sp), true) = (st.spool.get(), c.role.is_dic()) {
                p #monitor-spool { (l.t("Bộ đệm trên đĩa trước khi lưu (UDP, TCP, TLS): ", "Disk spool before storage (UDP, TCP, TLS): "))
                    (megabytes(l, sp.stats.pending() as i64)) " " (l.t("đang chờ lưu", "waiting to be stored")) ", "
                    (sp.stats.records.load(std::sync::atomic::Ordering::Relaxed)) " " (l.t("bản ghi đã nhận vào bộ đệm", "records taken onto it"))
                    @if let Some(c) = &cfg.spool { ", " (l.t("tối đa", "at most")) " " (megabytes(l, c.max_bytes as i64)) } "." }
            }
            @if udp.is_none() && tcp.is_none() && tls.is_none() && relp.is_none() {
                p.muted { (l.t("Chưa bật cổng syslog nào: khai báo", "No syslog listener is on: set")) " " code { "syslog_udp" } ", " code { "syslog_tcp" } " "
                    (l.t("hoặc", "or")) " " code { "syslog_tls" } " " (l.t("trong mục", "in the")) " " code { "[monitor]" } " "
                    (l.t("của tệp cấu hình.", "section of the configuration file.")) }
            }
            h2 { (l.t("Cách gửi nhật ký về", "How to send logs")) }
            @if let Some((h, p)) = &tcp {
                p { (l.t("Máy chủ Linux dùng rsyslog: thêm dòng sau vào /etc/rsyslog.d/90-canhgac.conf rồi chạy systemctl restart rsyslog (@@ là TCP, @ là UDP):",
                    "Linux servers with rsyslog: add this line to /etc/rsyslog.d/90-canhgac.conf, then run systemctl restart rsyslog (@@ is TCP, @ is UDP):")) }
                pre #fw-rsyslog-tcp { "*.* @@" (h) ":" (p) }
                p { (l.t("Thử gửi một dòng:", "Send a test line:")) }
                pre { "logger -n " (h) " -P " (p) " --tcp \"canhgac: thu nghiem\"" }
            }
            @if let Some((h, p)) = &udp {
                @if tcp.is_none() { p { (l.t("Máy chủ Linux dùng rsyslog: thêm dòng sau vào /etc/rsyslog.d/90-canhgac.conf rồi chạy systemctl restart rsyslog:", "Linux servers with rsyslog: add this line to /etc/rsyslog.d/90-canhgac.conf, then run systemctl restart rsyslog:")) } }
                pre #fw-rsyslog-udp { "*.* @" (h) ":" (p) }
                pre { "logger -n " (h) " -P " (p) " --udp \"canhgac: thu nghiem\"" }
            }
            @if let Some((h, p)) = &tls {
                p { (l.t("Qua TLS (cần gói rsyslog-gnutls và chứng chỉ CA của Sở):", "Over TLS (needs the rsyslog-gnutls package and the DIC's CA certificate):")) }
                pre { "global(DefaultNetstreamDriverCAFile=\"/etc/ssl/certs/canhgac-ca.pem\")\n*.* action(type=\"omfwd\" target=\"" (h) "\" port=\"" (p) "\" protocol=\"tcp\"\n       StreamDriver=\"gtls\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\")" }
            }
            @if let Some((h, p)) = &relp {
                p { (l.t("Không được mất bản tin nào (kể cả khi máy chủ khởi động lại): dùng RELP, cần gói rsyslog-relp. Mỗi bản tin chỉ được xác nhận khi đã lưu; rsyslog giữ bản tin chưa được xác nhận trong hàng đợi đĩa và gửi lại:",
                    "When no message may be lost (a server restart included): RELP, with the rsyslog-relp package. Each message is acknowledged only once stored; rsyslog keeps unacknowledged messages in its disk queue and sends them again:")) }
                pre #fw-rsyslog-relp { "module(load=\"omrelp\")\n*.* action(type=\"omrelp\" target=\"" (h) "\" port=\"" (p) "\"\n       queue.type=\"LinkedList\" queue.filename=\"canhgac\" queue.saveOnShutdown=\"on\"\n       action.resumeRetryCount=\"-1\" action.resumeInterval=\"2\")" }
            }
            p { (l.t("Ứng dụng, kịch bản: gửi JSON (một đối tượng, một mảng) hoặc NDJSON (mỗi dòng một đối tượng) qua HTTPS với mã truy cập API:",
                "Applications and scripts: send JSON (an object or an array) or NDJSON (one object per line) over HTTPS with an API token:")) }
            pre { "TOKEN=$(curl -s https://" (public) "/api/v1/auth/token -H 'Content-Type: application/json' \\\n  -d '{\"email\":\"ten@donvi.gov.vn\",\"password\":\"...\"}' | jq -r .token)\n"
                "curl https://" (public) "/api/v1/ingest -H \"Authorization: Bearer $TOKEN\" \\\n  -H 'Content-Type: application/x-ndjson' -H \"Idempotency-Key: $(uuidgen)\" --data-binary @su-kien.jsonl" }
            p.muted { (l.t("Tiêu đề ", "The ")) code { "Idempotency-Key" }
                (l.t(" (một mã riêng cho mỗi lô) giúp gửi lại an toàn: lô đã lưu rồi thì lần gửi lại được trả lời ",
                    " header (an id of your own for each batch) makes retries safe: a batch already stored is answered "))
                code { "\"duplicate\": true" } (l.t(" và không lưu thêm.", " and not stored again.")) }
            p { (l.t("Nhật ký Windows (.evtx) và tệp nhật ký: tải lên ở mẫu dưới đây, hoặc", "Windows logs (.evtx) and log files: upload them below, or")) " " code { "POST /api/v1/events/import?filename=Security.evtx" } "." }
        }
        (crate::monitoring::forwarders::help(l, &public, udp.as_ref().map(|(h, p)| (h.as_str(), *p)), tcp.as_ref().map(|(h, p)| (h.as_str(), *p))))
        p #sources-link { a href="/sources" { (l.t("Nguồn nhật ký đang gửi về, định dạng và tình trạng từng nguồn", "Log sources sending now, the format and state of each")) } }
        @if c.role.can_write() {
            form.card #events-upload method="post" enctype="multipart/form-data" action=(format!("/events/upload?_csrf={}", urlencoding::encode(&c.csrf))) {
                h2 { (l.t("Tải lên tệp nhật ký", "Upload a log file")) }
                p.muted { (l.t("Tệp .evtx của Windows, sự kiện Windows dạng XML (.xml), nhật ký IIS (W3C), JSON hoặc JSON lines (.json, .jsonl), văn bản (.log: syslog, nhật ký web, tường lửa, auditd); có thể nén gzip. Sự kiện của máy không thuộc đơn vị bạn được ghi cho đơn vị của bạn.",
                    "Windows .evtx, Windows event XML (.xml), IIS logs (W3C), JSON or JSON lines (.json, .jsonl), text (.log: syslog, web access, firewalls, auditd); gzip allowed. Events of hosts outside your organisations are filed under your own organisation.")) }
                p { label for="log-file" { (l.t("Tệp", "File")) } input #log-file type="file" name="file" required accept=".evtx,.xml,.json,.jsonl,.ndjson,.log,.txt,.gz"; }
                button #events-upload-submit type="submit" { (l.t("Tải lên và phân tích", "Upload and analyse")) }
            }
        }
    };
    Ok((
        status,
        page(
            c,
            l.t("Giám sát tập trung", "Centralised monitoring"),
            "/monitor",
            body,
        ),
    )
        .into_response())
}

/// `POST /events/upload` (multipart `file`).
pub async fn events_upload(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    mp: Multipart,
) -> UiResult {
    let l = c.lang;
    let up = read_upload(&c, mp).await?;
    let Some((name, bytes)) = up
        .file("file")
        .map(|(n, b)| (n.unwrap_or("upload").to_string(), b.to_vec()))
    else {
        return Err(error_page(
            &c,
            StatusCode::BAD_REQUEST,
            "Hãy chọn một tệp nhật ký không rỗng.",
            "Choose a non-empty log file.",
        ));
    };
    let bad = |vi: String, en: String| html! { div.flash.bad #upload-error { (l.t(&vi, &en)) } };
    let mut records = match canhgac_ops::monitor::records_from_file(&name, &bytes) {
        Ok(r) => r,
        Err(e) => {
            let flash = bad(
                format!("Không đọc được tệp: {e}"),
                format!("Cannot read the file: {e}"),
            );
            return monitor_view(
                &st,
                &c,
                &headers,
                Some(flash),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if records.is_empty() {
        let flash = bad(
            format!("Tệp {name} không có bản ghi nào."),
            format!("The file {name} holds no records."),
        );
        return monitor_view(
            &st,
            &c,
            &headers,
            Some(flash),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    for r in &mut records {
        r.owner = Some((c.scope.clone(), c.user.org_id));
    }
    match st.monitor.ingest(records).await {
        Ok(report) => {
            let flash = if report.queued > 0 { html! { div.flash.ok #upload-report {
                (name) ": " (l.t("đã nhận", "received")) " " span #report-queued { (report.queued) } " " (l.t("bản ghi; các tiến trình xử lý đang lưu và đối chiếu luật, kết quả hiện trong vài giây.", "records; the workers are storing and matching them, the results show in a few seconds.")) " "
                a href="/events" { (l.t("Xem sự kiện", "See the events")) } " · " a href="/alerts" { (l.t("Xem cảnh báo", "See the alerts")) }
            } } } else { html! { div.flash.ok #upload-report {
                (name) ": " (l.t("đã lưu", "stored")) " " span #report-stored { (report.stored) } " " (l.t("sự kiện", "events")) ", "
                span #report-malformed { (report.malformed) } " " (l.t("lỗi định dạng", "malformed")) ", "
                span #report-detections { (report.detections) } " " (l.t("lần luật khớp", "rule matches")) ". "
                a href="/events" { (l.t("Xem sự kiện", "See the events")) } " · " a href="/alerts" { (l.t("Xem cảnh báo", "See the alerts")) }
            } } };
            monitor_view(&st, &c, &headers, Some(flash), StatusCode::OK).await
        }
        Err(e) => {
            let flash = bad(format!("Chưa lưu được: {e}"), format!("Not stored: {e}"));
            monitor_view(
                &st,
                &c,
                &headers,
                Some(flash),
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await
        }
    }
}
