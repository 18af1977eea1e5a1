//! Botnet pages: lists, a list, the retro-hunt.

use crate::auth::{Caller, Lang};
use crate::ui::fmt::{actor, date_text, period};
use crate::ui::layout::{page, pager};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use canhgac_domain::time::{fmt_date, fmt_datetime};
use canhgac_domain::Scope;
use canhgac_ops::botnet::{
    import_list, retro_hunt, set_of_lists, ImportError, ListMeta, LIST_KINDS,
};
use maud::{html, Markup, PreEscaped};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) const PALETTE: &[&str] = &[
    "#0b4f8a", "#b3261e", "#1e7b34", "#b26a00", "#6a3d9a", "#00838f", "#8d6e63", "#c2185b",
    "#455a64", "#7cb342",
];

/// Stacked bars: listed addresses per organisation, per month.
pub(crate) fn chart(l: Lang, stats: &[(String, String, i64)]) -> Markup {
    if stats.is_empty() {
        return html! { p.muted { (l.t("Chưa có số liệu.", "No figures yet.")) } };
    }
    let periods: BTreeSet<&str> = stats.iter().map(|(p, _, _)| p.as_str()).collect();
    let periods: Vec<&str> = periods
        .into_iter()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
    for (_, o, n) in stats {
        *totals.entry(o.as_str()).or_default() += n;
    }
    let mut orgs: Vec<(&str, i64)> = totals.into_iter().collect();
    orgs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<&str> = orgs
        .iter()
        .take(PALETTE.len() - 1)
        .map(|(o, _)| *o)
        .collect();
    let series = |o: &str| {
        if top.contains(&o) {
            o.to_string()
        } else {
            l.t("Khác", "Other").to_string()
        }
    };
    let mut cells: BTreeMap<(&str, String), i64> = BTreeMap::new();
    for (p, o, n) in stats {
        if periods.contains(&p.as_str()) {
            *cells.entry((p.as_str(), series(o))).or_default() += n;
        }
    }
    let mut names: Vec<String> = top.iter().map(|s| s.to_string()).collect();
    if orgs.len() > top.len() {
        names.push(l.t("Khác", "Other").to_string());
    }
    let max = periods
        .iter()
        .map(|p| {
            names
                .iter()
                .map(|n| cells.get(&(*p, n.clone())).copied().unwrap_or(0))
                .sum::<i64>()
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let (w, h, pad) = (760.0, 260.0, 40.0);
    let bw = ((w - pad * 2.0) / periods.len() as f64 * 0.6).min(60.0);
    let mut svg = String::new();
    for (i, p) in periods.iter().enumerate() {
        let x = pad + (w - pad * 2.0) / periods.len() as f64 * (i as f64 + 0.2);
        let mut y = h - pad;
        for (k, n) in names.iter().enumerate() {
            let v = cells.get(&(*p, n.clone())).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let bh = (v as f64 / max as f64) * (h - pad * 2.0);
            y -= bh;
            svg.push_str(&format!("<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {}: {v}</title></rect>", PALETTE[k % PALETTE.len()], n.replace('&', "&amp;").replace('<', "&lt;"), period(p)));
        }
        let (yy, mm) = p.split_once('-').unwrap_or((p, ""));
        svg.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{mm}/{yy}</text>", x + bw / 2.0, h - pad + 16.0));
    }
    svg.push_str(&format!("<text x=\"4\" y=\"{:.1}\" font-size=\"11\">{max}</text><line x1=\"{pad}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\"/>", pad + 4.0, h - pad, w - pad, h - pad));
    html! {
        svg.chart #botnet-chart viewBox=(format!("0 0 {w} {h}")) width="100%" role="img" aria-label=(l.t("Số địa chỉ bị liệt kê theo đơn vị và tháng", "Listed addresses per organisation and month")) { (PreEscaped(svg)) }
        p { @for (k, n) in names.iter().enumerate() { svg.swatch viewBox="0 0 10 10" aria-hidden="true" { rect width="10" height="10" fill=(PALETTE[k % PALETTE.len()]) {} } (n) } }
    }
}

/// A list's recognised form in words.
pub(crate) fn format_word(l: Lang, f: &str) -> String {
    let (vi, en) = match f {
        "text" => ("Văn bản", "Text"),
        "csv" => ("CSV", "CSV"),
        "xlsx" => ("XLSX", "XLSX"),
        "shadowserver_drone" => ("Shadowserver (máy bị nhiễm)", "Shadowserver drone report"),
        "shadowserver_event" => ("Shadowserver (sự kiện)", "Shadowserver event report"),
        "stix" => ("STIX 2.1", "STIX 2.1"),
        "misp" => ("MISP", "MISP"),
        "json_lines" => ("JSON theo dòng", "JSON lines"),
        other => return other.to_string(),
    };
    l.t(vi, en).to_string()
}

/// A list's kind (`botnet`, `c2`, …) in words.
pub(crate) fn kind_word(l: Lang, k: &str) -> String {
    LIST_KINDS
        .iter()
        .find(|(v, _, _)| *v == k)
        .map(|(_, vi, en)| l.t(vi, en).to_string())
        .unwrap_or_else(|| k.to_string())
}

/// What a list entry is: an address, a range, a domain.
fn entry_kind_word(l: Lang, k: &str) -> String {
    let (vi, en) = match k {
        "ip" => ("Địa chỉ IP", "Address"),
        "cidr" => ("Dải địa chỉ", "Range"),
        "domain" => ("Tên miền", "Domain"),
        other => return other.to_string(),
    };
    l.t(vi, en).to_string()
}

/// Where a retro-hunt saw an address: `file:line`, or a stored event (linked).
fn sighting(l: Lang, at: &str) -> Markup {
    match at
        .strip_prefix("event #")
        .and_then(|id| id.parse::<i64>().ok())
    {
        Some(id) => {
            html! { a href=(format!("/events/{id}")) { (l.t("Sự kiện", "Event")) " #" (id) } }
        }
        None => html! { code { (at) } },
    }
}

pub(crate) fn import_form(c: &Caller) -> Markup {
    let l = c.lang;
    html! {
        form #botnet-import.card method="post" enctype="multipart/form-data" action=(format!("/botnet?_csrf={}", urlencoding::encode(&c.csrf))) {
            h2 { (l.t("Nhập danh sách mới", "Import a list")) }
            div.grid2 {
                div { label for="file" { (l.t("Tệp (XLSX, CSV, TXT, STIX, MISP)", "File (XLSX, CSV, TXT, STIX, MISP)")) } input #file type="file" name="file" required; }
                div { label for="period" { (l.t("Kỳ (tháng/năm)", "Period (month/year)")) } input #period name="period" placeholder="11/2026" required; }
                div { label for="version" { (l.t("Phát hành", "Issue")) } select #version name="version" { option value="monthly" { (l.t("Hằng tháng", "Monthly")) } option value="adhoc" { (l.t("Đột xuất", "Ad hoc")) } } }
                div { label for="kind" { (l.t("Loại", "Kind")) } select #kind name="kind" { @for (k, vi, en) in LIST_KINDS { option value=(k) { (l.t(vi, en)) } } } }
                div { label for="source" { (l.t("Nguồn", "Source")) } input #source name="source" value="Sở TTTT"; }
                div { label for="name" { (l.t("Tên (tuỳ chọn)", "Name (optional)")) } input #name name="name"; }
            }
            p.muted { (l.t("Danh sách hằng tháng là đầy đủ: các nhiệm vụ săn lùng có địa chỉ không còn trong danh sách sẽ được xác minh sạch và đóng; địa chỉ còn lại sẽ mở lại nhiệm vụ và báo cáo cấp trên.",
                "A monthly list is complete: hunting tasks whose address it no longer lists are verified clean and closed; addresses listed again reopen their task and escalate it.")) }
            button #botnet-submit type="submit" { (l.t("Nhập danh sách", "Import the list")) }
        }
    }
}

/// `GET /botnet`.
pub async fn lists_page(State(st): State<AppState>, c: Caller) -> UiResult {
    lists_view(&st, &c, None, StatusCode::OK).await
}

pub(crate) async fn lists_view(
    st: &AppState,
    c: &Caller,
    flash: Option<Markup>,
    status: StatusCode,
) -> UiResult {
    let l = c.lang;
    let lists = st
        .store
        .botnet_lists()
        .await
        .map_err(|e| store_error_page(c, e))?;
    let stats = st
        .store
        .botnet_stats(&c.scope)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let (findings, total) = st
        .store
        .botnet_findings(&c.scope, lists.first().map(|x| x.id), None, 10, 0)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let body = html! {
        h1 { (l.t("Danh sách IP Botnet", "Botnet IP lists")) }
        @if let Some(f) = flash { (f) }
        div.card { h2 { (l.t("Địa chỉ bị liệt kê theo đơn vị, theo tháng", "Listed addresses per organisation, per month")) } (chart(l, &stats)) }
        @if let Some(latest) = lists.first() {
            div.card {
                h2 { (l.t("Phát hiện ưu tiên trong danh sách mới nhất", "Top findings of the latest list")) " (" (total) ")" }
                (findings_table(l, &findings))
                p { a href=(format!("/botnet/{}", latest.id)) { (l.t("Xem toàn bộ", "See all")) " →" } }
            }
        }
        table.records #botnet-lists { thead { tr { th { (l.t("Danh sách", "List")) } th { (l.t("Kỳ", "Period")) } th { (l.t("Loại", "Kind")) } th { (l.t("Nguồn", "Source")) } th { (l.t("Số mục", "Entries")) } th { (l.t("Nhập lúc", "Imported")) } } }
            tbody { @for x in &lists { tr {
                td { a href=(format!("/botnet/{}", x.id)) { (x.name) } }
                td { (period(&x.period)) @if x.version == "adhoc" { " " span.badge { (l.t("đột xuất", "ad hoc")) } } }
                td { (kind_word(l, &x.kind)) } td { (x.source) } td { (x.entry_count) } td { (fmt_datetime(x.imported_at)) " · " (actor(l, &x.imported_by)) } } }
                @if lists.is_empty() { tr { td colspan="6" .muted { (l.t("Chưa có danh sách nào", "No lists yet")) } } } } }
        @if c.role.is_dic() { (import_form(c)) }
    };
    Ok((
        status,
        page(
            c,
            l.t("Danh sách IP Botnet", "Botnet IP lists"),
            "/botnet",
            body,
        ),
    )
        .into_response())
}

pub(crate) fn findings_table(l: Lang, rows: &[canhgac_store::FindingRow]) -> Markup {
    html! {
        table.records #botnet-findings { thead { tr { th { (l.t("Địa chỉ", "Address")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Máy / dải", "Host / range")) } th { (l.t("Cấp độ", "Level")) } th { (l.t("Mã độc", "Malware")) } th { (l.t("Lặp lại", "Recurring")) } th { (l.t("Nhiệm vụ", "Task")) } } }
            tbody { @for f in rows { tr {
                td { code { (f.value) } }
                td { (f.org_code) }
                td { @if let (Some(h), Some(name)) = (f.host_id, &f.hostname) { a href=(format!("/hosts/{h}")) { (name) } } @else { (f.network.clone().unwrap_or_default()) } }
                td { (f.level.map(|x| x.to_string()).unwrap_or_default()) }
                td { (f.malware.clone().unwrap_or_default()) }
                td { @if f.recurring == 1 { span.badge.sev-high { (l.t("Lặp lại", "Again")) } } @else { span.badge { (l.t("Mới", "New")) } } }
                td { @if let Some(w) = f.work_item_id { a href=(format!("/work/{w}")) { "#" (w) " " (f.work_state.as_deref().and_then(canhgac_domain::work::WorkState::parse).map(|s| l.t(s.label_vi(), s.label_en())).unwrap_or_default()) } } } } }
                @if rows.is_empty() { tr { td colspan="7" .muted { (l.t("Không có phát hiện nào trong phạm vi của bạn", "No findings in your scope")) } } } } }
    }
}

/// `POST /botnet` (multipart).
pub async fn import(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let l = c.lang;
    let up = crate::ui::read_upload(&c, mp).await?;
    let Some((fname, bytes)) = up
        .file("file")
        .map(|(n, b)| (n.map(str::to_string), b.to_vec()))
    else {
        return Err(error_page(
            &c,
            StatusCode::BAD_REQUEST,
            "Hãy chọn một tệp không rỗng.",
            "Choose a non-empty file.",
        ));
    };
    let fields = up.fields;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let meta = ListMeta {
        name: Some(get("name")),
        source: Some(get("source"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Sở TTTT".into()),
        kind: get("kind"),
        period: get("period"),
        version: get("version"),
    };
    match import_list(&st.store, &c.actor(), &meta, &bytes, fname.as_deref()).await {
        Ok(r) => {
            let flash = html! { div.flash.ok #botnet-ok {
                (l.t("Đã nhập", "Imported")) " " (r.entries) " " (l.t("mục", "entries")) " (" (format_word(l, &r.format)) "): "
                (r.findings) " " (l.t("phát hiện trên mạng của tỉnh", "findings on the province's networks")) "; "
                (r.new) " " (l.t("mới", "new")) ", " (r.recurring) " " (l.t("lặp lại", "recurring")) ", " (r.gone) " " (l.t("đã hết", "gone")) "; "
                (r.tasks_created) " " (l.t("nhiệm vụ mới", "tasks created")) ", " (r.tasks_reopened) " " (l.t("mở lại", "reopened")) ", " (r.tasks_closed) " " (l.t("đã xác minh sạch", "verified clean")) ". "
                a href=(format!("/botnet/{}", r.list_id)) { (l.t("Xem danh sách", "Open the list")) }
                @for w in &r.warnings { br; (l.t("Lưu ý", "Note")) ": " (w.column) " — " (l.t(&w.message_vi, &w.message)) }
            } };
            lists_view(&st, &c, Some(flash), StatusCode::OK).await
        }
        Err(ImportError::Rejected(problems)) => {
            let flash = html! {
                div.flash.bad { (l.t("Chưa nhập: danh sách có", "Nothing imported: the list has")) " " (problems.len()) " " (l.t("lỗi.", "problem(s).")) }
                table #botnet-errors { thead { tr { th { (l.t("Dòng", "Row")) } th { (l.t("Cột", "Column")) } th { (l.t("Lỗi", "Problem")) } } }
                    tbody { @for p in problems.iter().take(500) { tr { td { (p.row) } td { (p.column) } td { (l.t(&p.message_vi, &p.message)) } } } } }
            };
            lists_view(&st, &c, Some(flash), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ImportError::Invalid(vi, en)) => {
            lists_view(
                &st,
                &c,
                Some(html! { div.flash.bad { (l.t(&vi, &en)) } }),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ImportError::Store(e)) => Err(store_error_page(&c, e)),
    }
}

/// `GET /botnet/{id}`.
pub async fn list_page(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let list = st
        .store
        .botnet_list(id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .ok_or_else(|| not_found(&c))?;
    let get = |k: &str| crate::ui::param(&params, k);
    let offset = get("offset").parse().unwrap_or(0i64).max(0);
    let (prev, gone, new, recurring) = crate::botnet::list_diff(&st, &list)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let (findings, total) = st
        .store
        .botnet_findings(&c.scope, Some(id), None, 100, offset)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let whole = c.scope == Scope::All;
    let entries = if whole {
        Some(
            st.store
                .botnet_entries(id, Some(&get("q")), 100, 0)
                .await
                .map_err(|e| store_error_page(&c, e))?,
        )
    } else {
        None
    };
    let body = html! {
        p.muted { a href="/botnet" { (l.t("Danh sách IP Botnet", "Botnet IP lists")) } " › " (list.name) }
        h1 { (list.name) }
        div.cards {
            div.stat { b { (list.entry_count) } span { (l.t("mục trong danh sách", "entries")) } }
            div.stat { b { (total) } span { (l.t("phát hiện trong phạm vi", "findings in scope")) } }
            @if whole {
                div.stat { b { (new) } span { (l.t("mới so với kỳ trước", "new since the previous list")) } }
                div.stat { b { (recurring) } span { (l.t("lặp lại", "listed again")) } }
                div.stat { b { (gone.len()) } span { (l.t("đã không còn", "gone")) } }
            }
        }
        p.muted { (l.t("Kỳ", "Period")) " " (period(&list.period)) " · " (kind_word(l, &list.kind)) " · " (list.source) " · " (format_word(l, &list.format)) " · " (l.t("nhập", "imported")) " " (fmt_date(list.imported_at))
            @if let Some(p) = prev { " · " a href=(format!("/botnet/{p}")) { (l.t("kỳ trước", "previous list")) } } }
        h2 { (l.t("Phát hiện (ưu tiên: lặp lại, rồi cấp độ hệ thống)", "Findings (first: listed again, then system level)")) }
        (findings_table(l, &findings))
        (pager(l, &format!("/botnet/{id}"), &params, offset, 100, total))
        @if let Some((entries, n)) = entries {
            h2 { (l.t("Các mục", "Entries")) " (" (n) ")" }
            form.filters method="get" action=(format!("/botnet/{id}")) { div { label for="q" { (l.t("Tìm", "Search")) } input #q name="q" value=(get("q")); } div { button type="submit" { (l.t("Lọc", "Filter")) } } }
            table.records { thead { tr { th { (l.t("Dòng", "Row")) } th { (l.t("Mục", "Entry")) } th { (l.t("Loại", "Kind")) } th { (l.t("Mã độc", "Malware")) } th { (l.t("Thời gian", "Seen")) } th { (l.t("Ngữ cảnh (C2)", "Context (C2)")) } } }
                tbody { @for e in &entries { tr { td { (e.row_no) } td { code { (e.value) } } td { (entry_kind_word(l, &e.kind)) } td { (e.malware.clone().unwrap_or_default()) } td { (e.seen.as_deref().map(date_text).unwrap_or_default()) } td data-raw { (e.context.clone().unwrap_or_default()) } } } } }
            @if !gone.is_empty() {
                h2 { (l.t("Không còn trong danh sách này", "No longer listed")) " (" (gone.len()) ")" }
                p { @for g in gone.iter().take(300) { code { (g) } " " } }
            }
        }
    };
    Ok(page(&c, &list.name, "/botnet", body).into_response())
}

pub(crate) fn hunt_form(c: &Caller, lists: &[canhgac_store::BotnetListRow]) -> Markup {
    let l = c.lang;
    html! {
        form #hunt-form.card method="post" enctype="multipart/form-data" action=(format!("/hunt?_csrf={}", urlencoding::encode(&c.csrf))) {
            div.grid2 {
                div { label for="logs" { (l.t("Tệp nhật ký (tường lửa, web, syslog, NetFlow/Zeek CSV, JSON; có thể nén gzip)", "Log files (firewall, web, syslog, NetFlow/Zeek CSV, JSON; gzip too)")) } input #logs type="file" name="logs" multiple required; }
                div { label for="list" { (l.t("Đối chiếu với", "Match against")) } select #list name="list" { option value="" { (l.t("Tất cả danh sách", "Every list")) } @for x in lists { option value=(x.id) { (x.name) } } } }
            }
            button #hunt-submit type="submit" { (l.t("Săn lùng", "Hunt")) }
        }
        form #hunt-events-form.card method="post" enctype="multipart/form-data" action=(format!("/hunt?_csrf={}", urlencoding::encode(&c.csrf))) {
            input type="hidden" name="source" value="events";
            div.grid2 {
                div { label for="days" { (l.t("Sự kiện đã lưu trong (ngày gần nhất)", "Stored events of the last (days)")) } input #days type="number" name="days" min="1" max="3650" value="30"; }
                div { label for="list2" { (l.t("Đối chiếu với", "Match against")) } select #list2 name="list" { option value="" { (l.t("Tất cả danh sách", "Every list")) } @for x in lists { option value=(x.id) { (x.name) } } } }
            }
            button #hunt-events-submit type="submit" { (l.t("Săn trên sự kiện đã lưu", "Hunt stored events")) }
        }
    }
}

/// `GET /hunt`.
pub async fn hunt_page(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let lists = st
        .store
        .botnet_lists()
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Săn lùng trong nhật ký", "Retro-hunt in logs")) }
        p.muted { (l.t("Tìm mọi địa chỉ thuộc danh sách IP Botnet trong nhật ký (IPv4, IPv6, theo dải CIDR). Ngoại tuyến:", "Finds every listed address in logs (IPv4, IPv6, CIDR ranges). Offline:")) " "
            code { (l.t("canhgac hunt --list DS.txt THƯ-MỤC", "canhgac hunt --list LIST.txt FOLDER")) } }
        (hunt_form(&c, &lists))
    };
    Ok(page(&c, l.t("Săn lùng", "Hunt"), "/hunt", body).into_response())
}

/// `POST /hunt` (multipart: logs, list).
pub async fn hunt_upload(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let l = c.lang;
    let up = crate::ui::read_upload(&c, mp).await?;
    let files: Vec<(String, Vec<u8>)> = up
        .files
        .into_iter()
        .filter(|(f, _, _)| f == "logs")
        .map(|(_, n, b)| (n.unwrap_or_else(|| "log".into()), b))
        .collect();
    let list: Option<i64> = up.fields.get("list").and_then(|v| v.parse().ok());
    let events_days: Option<i64> = (up.fields.get("source").map(String::as_str) == Some("events"))
        .then(|| {
            up.fields
                .get("days")
                .and_then(|d| d.parse().ok())
                .unwrap_or(30)
        });
    if files.is_empty() && events_days.is_none() {
        return Err(error_page(
            &c,
            StatusCode::BAD_REQUEST,
            "Hãy chọn ít nhất một tệp nhật ký không rỗng.",
            "Choose at least one non-empty log file.",
        ));
    }
    let set = set_of_lists(&st.store, &list.into_iter().collect::<Vec<_>>())
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let (hits, lines) = match events_days {
        Some(days) => {
            let since = canhgac_domain::time::now_ms() - days.clamp(1, 3650) * 86_400_000;
            canhgac_ops::botnet::retro_hunt_events(&st.store, &c.scope, &set, since)
                .await
                .map_err(|e| store_error_page(&c, e))?
        }
        None => match retro_hunt(&st.store, &c.scope, &set, &files).await {
            Ok(r) => r,
            Err(canhgac_ops::botnet::RetroError::Store(e)) => return Err(store_error_page(&c, e)),
            Err(canhgac_ops::botnet::RetroError::File(f)) => {
                return Err(error_page(
                    &c,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &f.message_vi(),
                    &f.to_string(),
                ))
            }
        },
    };
    let what = match events_days {
        Some(d) => format!(
            "{} {d} {}",
            l.t("sự kiện đã lưu trong", "stored events of the last"),
            l.t("ngày gần nhất", "days")
        ),
        None => format!("{} {}", files.len(), l.t("tệp", "file(s)")),
    };
    let unit = if events_days.is_some() {
        l.t("sự kiện", "events")
    } else {
        l.t("dòng", "lines")
    };
    let lists = st
        .store
        .botnet_lists()
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Săn lùng trong nhật ký", "Retro-hunt in logs")) }
        div.flash.ok #hunt-summary { (what) ", " (lines) " " (unit) ", " (set.len()) " " (l.t("mục trong danh sách", "listed entries")) ": " (hits.len()) " " (l.t("địa chỉ bị liệt kê xuất hiện", "listed addresses seen")) "." }
        table.records #hunt-hits { thead { tr { th { (l.t("Địa chỉ", "Address")) } th { (l.t("Mục", "Entry")) } th { (l.t("Số dòng", "Lines")) } th { (l.t("Lần đầu", "First")) } th { (l.t("Lần cuối", "Last")) } th { (l.t("Máy", "Host")) } th { (l.t("Đơn vị", "Org")) } } }
            tbody { @for h in &hits { tr { td { code { (h.ip) } } td { (h.entry) } td { (h.count) } td { (h.first_seen.as_deref().map(date_text).unwrap_or_default()) br; span.muted { (sighting(l, &h.first)) } } td { (h.last_seen.as_deref().map(date_text).unwrap_or_default()) br; span.muted { (sighting(l, &h.last)) } } td { (h.host.clone().unwrap_or_default()) } td { (h.org.clone().unwrap_or_default()) } } }
                @if hits.is_empty() { tr { td colspan="7" .muted { (l.t("Không thấy địa chỉ nào trong danh sách", "No listed address found")) } } } } }
        (hunt_form(&c, &lists))
    };
    Ok(page(&c, l.t("Săn lùng", "Hunt"), "/hunt", body).into_response())
}
