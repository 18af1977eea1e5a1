//! Pages of centralised monitoring (M3): alerts raised by Sigma rules (with a live feed), an
//! alert's handling (state, assignee, notes), the Sigma rule set, event search, and the
//! pipeline's status with a log upload form.
//!
//! Every query goes through the caller's scope; the only filters applied here, after the
//! store has scoped the rows, are the alert list's severity, organisation and text filters.

use super::registry::org_options;
use super::{error_page, not_found, param, read_upload, store_error_page, UiResult};
use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page, pager, severity};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::signal::{Severity, SignalKind, SignalState};
use canhgac_domain::time::{fmt_datetime, vn_offset};
use canhgac_store::{RuleFilter, SignalFilter, SignalRow, User};
use maud::{html, Markup, PreEscaped};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;

/// Alerts per page.
const PAGE: i64 = 50;
/// The alert list filters by severity, organisation and text over this many newest alerts.
const FILTER_WINDOW: i64 = 1000;

fn read_only(c: &Caller) -> Response {
    error_page(
        c,
        StatusCode::FORBIDDEN,
        "Tài khoản của bạn chỉ có quyền xem.",
        "Your account is read-only.",
    )
}

fn must_write(c: &Caller) -> Result<(), Response> {
    if c.role.can_write() {
        Ok(())
    } else {
        Err(read_only(c))
    }
}

/// Rule settings and custom rules are the DIC's.
fn must_manage_rules(c: &Caller) -> Result<(), Response> {
    if c.role.is_dic() && c.role.can_write() {
        Ok(())
    } else {
        Err(error_page(
            c,
            StatusCode::FORBIDDEN,
            "Chỉ Sở TTTT quản lý luật Sigma.",
            "Only the DIC manages Sigma rules.",
        ))
    }
}

/// `dd/mm/yyyy HH:MM:SS` in Viet Nam time.
fn fmt_seconds(ms: i64) -> String {
    use chrono::TimeZone;
    vn_offset()
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%d/%m/%Y %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// At most `n` characters, with an ellipsis when cut.
fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The host an event names: a link to its registry record when the caller may see it, else
/// the name as the event gave it.
async fn host_cell(
    st: &AppState,
    c: &Caller,
    host_id: Option<i64>,
    name: &str,
) -> Result<Markup, Response> {
    if let Some(h) = host_id {
        let rec = st
            .store
            .get(EntityKind::Host, &c.scope, h)
            .await
            .map_err(|e| store_error_page(c, e))?;
        if let Some(rec) = rec {
            let shown = if name.is_empty() {
                text(&rec["hostname"])
            } else {
                name.to_string()
            };
            return Ok(html! { a href=(format!("/hosts/{h}")) { (shown) } });
        }
    }
    Ok(html! { (name) })
}

fn payload(s: &SignalRow) -> Value {
    s.payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or(Value::Null)
}

/// `product / category / service`, skipping what is unknown.
fn log_source(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> String {
    [product, category, service]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

fn state_label(l: Lang, s: &str) -> String {
    SignalState::parse(s)
        .map(|v| l.t(v.label_vi(), v.label_en()).to_string())
        .unwrap_or_else(|| s.to_string())
}

fn org_select(l: Lang, name: &str, orgs: &[(String, String)], current: &str) -> Markup {
    html! {
        select id=(name) name=(name) { option value="" { (l.t("Tất cả", "All")) }
            @for (code, title) in orgs { option value=(code) selected[code == current] { (code) " — " (title) } } }
    }
}

// ---- Alerts ----

/// The live feed's labels in the page's language (the feed itself, `static/live.js`, prepends
/// each alert the stream announces to the table).
fn live_labels(l: Lang) -> String {
    let sev: serde_json::Map<String, Value> = Severity::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                json!(l.t(s.label_vi(), s.label_en())),
            )
        })
        .collect();
    json!({
        "sev": sev,
        "fresh": l.t("Mới", "New"),
        "again": l.t("Lặp lại", "Again"),
        "state": l.t(SignalState::New.label_vi(), SignalState::New.label_en()),
        "filtered": l.t("có cảnh báo mới — tải lại trang để xem theo bộ lọc", "new alerts — reload to see them with your filters"),
        "on": l.t("đang nhận trực tiếp", "live"),
        "off": l.t("mất kết nối, đang thử lại…", "disconnected, retrying…"),
    })
    .to_string()
    // The labels sit in a <script type="application/json"> element.
    .replace("</", "<\\/")
}

/// `GET /alerts`: Sigma alerts with filters and a live feed.
pub async fn alerts_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let get = |k: &str| param(&params, k);
    let offset = get("offset").parse().unwrap_or(0i64).max(0);
    let state = SignalState::parse(&get("state"));
    let sev = Severity::parse(&get("severity"));
    let q = get("q").trim().to_lowercase();
    let org = get("org");
    // Severity, organisation and text are filtered here, over the newest alerts in scope.
    let in_handler = sev.is_some() || !q.is_empty() || !org.is_empty();
    let f = SignalFilter {
        kind: Some(SignalKind::SigmaAlert),
        state,
        open_only: get("open") == "1",
        limit: Some(if in_handler { FILTER_WINDOW } else { PAGE }),
        offset: Some(if in_handler { 0 } else { offset }),
    };
    let (rows, sql_total) = st.store.list_signals(&c.scope, &f).await.map_err(err)?;
    let (items, total, capped) = if in_handler {
        let matched: Vec<SignalRow> = rows
            .into_iter()
            .filter(|s| sev.is_none_or(|v| Severity::parse(&s.severity) == Some(v)))
            .filter(|s| org.is_empty() || s.org_code.as_deref() == Some(org.as_str()))
            .filter(|s| {
                q.is_empty() || {
                    let p = payload(s);
                    let hay = format!("{} {} {}", s.title, text(&p["host"]), text(&p["rule_id"]))
                        .to_lowercase();
                    q.split_whitespace().all(|w| hay.contains(w))
                }
            })
            .collect();
        let total = matched.len() as i64;
        let page_items = matched
            .into_iter()
            .skip(offset as usize)
            .take(PAGE as usize)
            .collect();
        (page_items, total, sql_total > FILTER_WINDOW)
    } else {
        (rows, sql_total, false)
    };
    let orgs = org_options(&st, &c.scope).await.map_err(err)?;
    let people: HashMap<i64, String> = st
        .store
        .list_users(&c.scope)
        .await
        .map_err(err)?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let body = html! {
        h1 { (l.t("Cảnh báo giám sát", "Monitoring alerts")) }
        p.muted { (l.t("Cảnh báo do luật Sigma phát hiện trên nhật ký gửi về. ", "Alerts raised by Sigma rules on the logs sent in. "))
            a href="/rules" { (l.t("Luật Sigma", "Sigma rules")) } " · " a href="/events" { (l.t("Tìm kiếm sự kiện", "Event search")) } " · " a href="/monitor" { (l.t("Giám sát tập trung", "Centralised monitoring")) } }
        form.filters method="get" action="/alerts" {
            div { label for="q" { (l.t("Tìm theo nội dung, máy", "Search title, host")) } input #q type="search" name="q" value=(get("q")); }
            div { label for="state" { (l.t("Trạng thái", "State")) } select #state name="state" { option value="" { (l.t("Tất cả", "All")) }
                @for s in SignalState::ALL { option value=(s.as_str()) selected[get("state") == s.as_str()] { (l.t(s.label_vi(), s.label_en())) } } } }
            div { label for="severity" { (l.t("Mức độ", "Severity")) } select #severity name="severity" { option value="" { (l.t("Tất cả", "All")) }
                @for s in Severity::ALL.iter().rev() { option value=(s.as_str()) selected[sev == Some(*s)] { (l.t(s.label_vi(), s.label_en())) } } } }
            @if orgs.len() > 1 { div { label for="org" { (l.t("Đơn vị", "Organisation")) } (org_select(l, "org", &orgs, &org)) } }
            div { label for="open" { (l.t("Chỉ cảnh báo chưa xử lý", "Open only")) } input.check #open type="checkbox" name="open" value="1" checked[get("open") == "1"]; }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        p #alerts-live { span.badge.new #alerts-live-count { "0" } " " (l.t("cảnh báo mới từ khi mở trang", "new alerts since the page opened")) " · " span.muted #alerts-live-state { (l.t("đang kết nối…", "connecting…")) } }
        @if capped { p.muted { (l.t("Bộ lọc mức độ, đơn vị và nội dung áp dụng trên 1000 cảnh báo mới nhất.", "The severity, organisation and text filters apply to the newest 1000 alerts.")) } }
        table.records #alerts-table { thead { tr { th { (l.t("Mức độ", "Severity")) } th { (l.t("Nội dung", "Title")) } th { (l.t("Máy", "Host")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Số lần", "Count")) } th { (l.t("Lần cuối", "Last seen")) } th { (l.t("Trạng thái", "State")) } th { (l.t("Người xử lý", "Assignee")) } } }
            tbody #alerts-body { @for s in &items {
                @let p = payload(s);
                tr id=(format!("alert-{}", s.id)) { td { (severity(l, &s.severity)) } td { a href=(format!("/alerts/{}", s.id)) { (s.title) } }
                    td { (text(&p["host"])) } td { (s.org_code.clone().unwrap_or_default()) } td { (s.count) } td { (fmt_seconds(s.last_seen)) }
                    td { (state_label(l, &s.state)) }
                    td { @if let Some(a) = s.assignee_id { (people.get(&a).cloned().unwrap_or_else(|| l.t("(tài khoản khác)", "(another user)").to_string())) } } } }
                @if items.is_empty() { tr #alerts-empty { td colspan="8" .muted { (l.t("Không có cảnh báo", "No alerts")) } } } } }
        (pager(l, "/alerts", &params, offset, PAGE, total))
        script #alerts-live-labels type="application/json" { (PreEscaped(live_labels(l))) }
        script src=(crate::ui::layout::asset("live.js")) {}
    };
    Ok(page(
        &c,
        l.t("Cảnh báo giám sát", "Monitoring alerts"),
        "/alerts",
        body,
    )
    .into_response())
}

/// A Sigma alert in the caller's scope.
async fn load_alert(st: &AppState, c: &Caller, id: i64) -> Result<SignalRow, Response> {
    let s = st
        .store
        .signal(&c.scope, id)
        .await
        .map_err(|e| store_error_page(c, e))?
        .ok_or_else(|| not_found(c))?;
    if s.kind != SignalKind::SigmaAlert.as_str() {
        return Err(not_found(c));
    }
    Ok(s)
}

/// Users the caller may see who can act on the alert: active, allowed to write, and able to
/// see the alert's organisation (each one's scope comes from [`crate::auth::scope_of`]).
async fn assignable(st: &AppState, c: &Caller, s: &SignalRow) -> Result<Vec<User>, Response> {
    let users = st
        .store
        .list_users(&c.scope)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let mut out = Vec::new();
    for u in users {
        if !u.active || !u.role().can_write() {
            continue;
        }
        let sees = match s.org_id {
            Some(o) => crate::auth::scope_of(st, &u)
                .await
                .map_err(|e| store_error_page(c, e))?
                .contains(o),
            None => u.role().is_dic(),
        };
        if sees {
            out.push(u);
        }
    }
    Ok(out)
}

/// `GET /alerts/{id}`.
pub async fn alert_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let s = load_alert(&st, &c, id).await?;
    let notes = st
        .store
        .signal_notes(&c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let people = if c.role.can_write() {
        assignable(&st, &c, &s).await?
    } else {
        Vec::new()
    };
    let assignee = match s.assignee_id {
        None => None,
        Some(a) => Some(
            st.store
                .list_users(&c.scope)
                .await
                .map_err(|e| store_error_page(&c, e))?
                .into_iter()
                .find(|u| u.id == a)
                .map(|u| format!("{} ({})", u.email, u.full_name))
                .unwrap_or_else(|| l.t("(tài khoản khác)", "(another user)").to_string()),
        ),
    };
    let p = payload(&s);
    let state = SignalState::parse(&s.state).unwrap_or(SignalState::New);
    let rule_title = Some(text(&p["rule_title"]))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| s.title.clone());
    let rule_key = Some(text(&p["rule_key"]))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| s.source.clone());
    let level = text(&p["level"]);
    let tags: Vec<String> = p["tags"]
        .as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default();
    let ls = &p["logsource"];
    let source = log_source(
        ls["product"].as_str(),
        ls["category"].as_str(),
        ls["service"].as_str(),
    );
    let event_id = p["event_id"].as_i64();
    let excerpt = p["excerpt"].as_object().cloned().unwrap_or_default();
    let corr = &p["correlation"];
    let host = host_cell(&st, &c, s.host_id, &text(&p["host"])).await?;
    let body = html! {
        p.muted { a href="/alerts" { (l.t("Cảnh báo giám sát", "Monitoring alerts")) } " › #" (s.id) }
        h1 #alert-title { (s.title) }
        div.card { dl.kv {
            dt { (l.t("Luật", "Rule")) } dd #alert-rule { (rule_title) " " span.muted { a href=(format!("/rules?q={}", urlencoding::encode(&rule_key))) { (rule_key) } } }
            dt { (l.t("Mức độ", "Severity")) } dd { (severity(l, &s.severity)) @if !level.is_empty() { " " span.muted { "(" (l.t("mức của luật", "rule level")) ": " (level) ")" } } }
            @if !tags.is_empty() { dt { (l.t("Thẻ", "Tags")) } dd #alert-tags { @for t in &tags { span.badge { (t) } " " } } }
            @if !text(&p["description"]).is_empty() { dt { (l.t("Mô tả", "Description")) } dd #alert-description { (text(&p["description"])) } }
            dt { (l.t("Máy", "Host")) } dd { (host) }
            @if !text(&p["source_ip"]).is_empty() { dt { (l.t("Địa chỉ gửi", "Sender address")) } dd { code { (text(&p["source_ip"])) } } }
            dt { (l.t("Đơn vị", "Organisation")) } dd { (s.org_code.clone().unwrap_or_else(|| l.t("(chưa xác định)", "(unknown)").to_string())) }
            @if !source.is_empty() { dt { (l.t("Nguồn nhật ký", "Log source")) } dd { (source) } }
            dt { (l.t("Số lần", "Count")) } dd #alert-count { (s.count) }
            dt { (l.t("Lần đầu", "First seen")) } dd { (fmt_seconds(s.first_seen)) }
            dt { (l.t("Lần cuối", "Last seen")) } dd { (fmt_seconds(s.last_seen)) }
            @if corr.is_object() {
                dt { (l.t("Tương quan", "Correlation")) } dd { (corr["group"].as_array().map(|g| g.iter().map(text).collect::<Vec<_>>().join(", ")).unwrap_or_default())
                    " — " (text(&corr["count"])) " " (l.t("sự kiện từ", "events since")) " " (corr["first_ms"].as_i64().map(fmt_seconds).unwrap_or_default()) }
            }
            dt { (l.t("Trạng thái", "State")) } dd #alert-state { (l.t(state.label_vi(), state.label_en())) }
            dt { (l.t("Người xử lý", "Assignee")) } dd #alert-assignee { (assignee.clone().unwrap_or_else(|| l.t("Chưa giao", "Nobody").to_string())) }
        } }
        @if c.role.can_write() {
            div.grid2 {
                div.card {
                    h2 { (l.t("Chuyển trạng thái", "Change state")) }
                    div.actions { @for to in SignalState::ALL { @if state.transition(to).is_ok() {
                        form method="post" action=(format!("/alerts/{}/transition", s.id)) { (csrf(&c)) input type="hidden" name="state" value=(to.as_str()); button.light type="submit" { (l.t(to.label_vi(), to.label_en())) } }
                    } } }
                }
                form.card #alert-assign method="post" action=(format!("/alerts/{}/assign", s.id)) {
                    h2 { (l.t("Giao xử lý", "Assign")) }
                    (csrf(&c))
                    p { label for="user" { (l.t("Cán bộ (chỉ những người xem được đơn vị này)", "Person (only those who can see this organisation)")) }
                        select #user name="user" { option value="" { "— " (l.t("Chưa giao", "Nobody")) " —" }
                            @for u in &people { option value=(u.id) selected[s.assignee_id == Some(u.id)] { (u.email) " — " (u.full_name) } } } }
                    button type="submit" { (l.t("Giao việc", "Assign")) }
                }
            }
        }
        h2 { (l.t("Sự kiện gây cảnh báo", "The event that raised it")) }
        @if let Some(e) = event_id { p { a #alert-event href=(format!("/events/{e}")) { (l.t("Xem sự kiện đã lưu", "Open the stored event")) " #" (e) " →" } } }
        @if excerpt.is_empty() { p.muted { (l.t("Không có trích đoạn sự kiện.", "No event excerpt.")) } }
        @else { table #alert-excerpt { thead { tr { th { (l.t("Trường", "Field")) } th { (l.t("Giá trị", "Value")) } } }
            tbody { @for (k, v) in &excerpt { tr { td { code { (k) } } td { (text(v)) } } } } } }
        h2 #notes { (l.t("Ghi chú xử lý", "Handling notes")) }
        table #alert-notes { thead { tr { th { (l.t("Thời gian", "When")) } th { (l.t("Người ghi", "Who")) } th { (l.t("Nội dung", "Note")) } } }
            tbody { @for n in &notes { tr { td { (fmt_datetime(n.at)) } td { (n.user_email) } td { (n.note) } } }
                @if notes.is_empty() { tr { td colspan="3" .muted { (l.t("Chưa có ghi chú", "No notes yet")) } } } } }
        @if c.role.can_write() {
            form.card method="post" action=(format!("/alerts/{}/notes", s.id)) {
                (csrf(&c))
                p { label for="note" { (l.t("Thêm ghi chú (đã kiểm tra gì, kết luận)", "Add a note (what was checked, the conclusion)")) } textarea #note name="note" required {} }
                button type="submit" { (l.t("Thêm ghi chú", "Add the note")) }
            }
        }
    };
    Ok(page(&c, &s.title, "/alerts", body).into_response())
}

/// `POST /alerts/{id}/transition`.
pub async fn alert_transition(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    must_write(&c)?;
    load_alert(&st, &c, id).await?;
    super::core::transition_from_form(&st, &c, id, &f).await?;
    Ok(Redirect::to(&format!("/alerts/{id}")).into_response())
}

/// `POST /alerts/{id}/assign` (`user`: a user id, empty for nobody).
pub async fn alert_assign(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    must_write(&c)?;
    let s = load_alert(&st, &c, id).await?;
    let wanted = f.get("user").map(|v| v.trim()).unwrap_or_default();
    let assignee = if wanted.is_empty() {
        None
    } else {
        let people = assignable(&st, &c, &s).await?;
        let u = wanted
            .parse::<i64>()
            .ok()
            .and_then(|w| people.into_iter().find(|u| u.id == w))
            .ok_or_else(|| {
                error_page(
                    &c,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Không giao được cho tài khoản này: tài khoản không tồn tại, chỉ có quyền xem, hoặc không xem được đơn vị của cảnh báo.",
                    "Cannot assign to that account: it does not exist, is read-only, or cannot see the alert's organisation.",
                )
            })?;
        Some(u.id)
    };
    st.store
        .assign_signal(&c.scope, &c.actor(), id, assignee, true)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/alerts/{id}")).into_response())
}

/// `POST /alerts/{id}/notes` (`note`).
pub async fn alert_note(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    must_write(&c)?;
    load_alert(&st, &c, id).await?;
    let note = f.get("note").cloned().unwrap_or_default();
    st.store
        .add_signal_note(&c.scope, &c.actor(), id, &note)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/alerts/{id}#notes")).into_response())
}

// ---- Sigma rules ----

const LEVELS: &[(&str, &str, &str)] = &[
    ("critical", "Nghiêm trọng", "Critical"),
    ("high", "Cao", "High"),
    ("medium", "Trung bình", "Medium"),
    ("low", "Thấp", "Low"),
    ("informational", "Thông tin", "Informational"),
];

fn origin_label(l: Lang, o: &str) -> &str {
    match o {
        "sigmahq" => l.t("SigmaHQ (kèm theo)", "SigmaHQ (bundled)"),
        "custom" => l.t("Tự tải lên", "Uploaded"),
        other => other,
    }
}

/// What the upload form shows again after a refused upload.
#[derive(Default)]
struct RuleDraft {
    yaml: String,
    org: String,
}

/// A list query string kept through a rule's settings form: only characters
/// `urlencoding` produces, so it cannot leave `/rules`.
fn safe_back(back: &str) -> String {
    if back
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || "%._~+-=&".contains(ch))
    {
        back.to_string()
    } else {
        String::new()
    }
}

/// `GET /rules`.
pub async fn rules_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let get = |k: &str| param(&params, k);
    let flash = if let Ok(n) = get("added").parse::<i64>() {
        Some(
            html! { div.flash.ok #rules-ok { (l.t("Đã thêm", "Added")) " " (n) " " (l.t("luật; bộ luật đã được biên dịch lại.", "rule(s); the rule set was recompiled.")) } },
        )
    } else if let Ok(id) = get("saved").parse::<i64>() {
        Some(
            html! { div.flash.ok #rules-ok { (l.t("Đã lưu thiết lập luật", "Saved the settings of rule")) " #" (id) "; " (l.t("bộ luật đã được biên dịch lại.", "the rule set was recompiled.")) } },
        )
    } else {
        None
    };
    rules_view(
        &st,
        &c,
        &params,
        flash,
        RuleDraft::default(),
        StatusCode::OK,
    )
    .await
}

async fn rules_view(
    st: &AppState,
    c: &Caller,
    params: &[(String, String)],
    flash: Option<Markup>,
    draft: RuleDraft,
    status: StatusCode,
) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(c, e);
    let get = |k: &str| param(params, k);
    let offset = get("offset").parse().unwrap_or(0i64).max(0);
    let f = RuleFilter {
        q: Some(get("q")).filter(|s| !s.trim().is_empty()),
        level: Some(get("level")).filter(|s| !s.is_empty()),
        enabled: match get("enabled").as_str() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
        origin: Some(get("origin")).filter(|s| !s.is_empty()),
        limit: Some(PAGE),
        offset: Some(offset),
    };
    let (rules, total) = st.store.list_rules(&c.scope, &f).await.map_err(err)?;
    let manage = c.role.is_dic() && c.role.can_write();
    let orgs = if manage {
        org_options(st, &c.scope).await.map_err(err)?
    } else {
        Vec::new()
    };
    let summary = st.monitor.rules_summary();
    let back: String = params
        .iter()
        .filter(|(k, v)| {
            !v.is_empty() && ["q", "level", "enabled", "origin", "offset"].contains(&k.as_str())
        })
        .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let body = html! {
        h1 { (l.t("Luật Sigma", "Sigma rules")) }
        @if let Some(f) = flash { (f) }
        p #rules-summary { (l.t("Đang chạy", "Running")) ": " b { (summary.detection) } " " (l.t("luật phát hiện", "detection rules")) ", " b { (summary.correlation) } " " (l.t("luật tương quan", "correlation rules"))
            @if !summary.refused.is_empty() { ", " a href="#refused" { (summary.refused.len()) " " (l.t("luật không biên dịch được", "rules refused")) } }
            @if summary.compiled_at > 0 { span.muted { " · " (l.t("biên dịch lúc", "compiled")) " " (fmt_seconds(summary.compiled_at)) } } }
        form.filters method="get" action="/rules" {
            div { label for="q" { (l.t("Tìm kiếm", "Search")) } input #q type="search" name="q" value=(get("q")) placeholder=(l.t("tên luật, mã, nguồn nhật ký…", "title, id, log source…")); }
            div { label for="level" { (l.t("Mức độ", "Level")) } select #level name="level" { option value="" { (l.t("Tất cả", "All")) }
                @for (v, vi, en) in LEVELS { option value=(v) selected[get("level") == *v] { (l.t(vi, en)) } } } }
            div { label for="enabled" { (l.t("Trạng thái", "Status")) } select #enabled name="enabled" { option value="" { (l.t("Tất cả", "All")) }
                option value="1" selected[get("enabled") == "1"] { (l.t("Đang bật", "Enabled")) } option value="0" selected[get("enabled") == "0"] { (l.t("Đang tắt", "Disabled")) } } }
            div { label for="origin" { (l.t("Nguồn luật", "Origin")) } select #origin name="origin" { option value="" { (l.t("Tất cả", "All")) }
                @for o in ["sigmahq", "custom"] { option value=(o) selected[get("origin") == o] { (origin_label(l, o)) } } } }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        @if !manage { p.muted { (l.t("Chỉ Sở TTTT bật, tắt và giới hạn luật; bạn đang xem danh sách.", "Only the DIC turns rules on and off and limits them; this list is read-only for you.")) } }
        table.records #rules-table { thead { tr { th { (l.t("Luật", "Rule")) } th { (l.t("Mức độ", "Level")) } th { (l.t("Nguồn nhật ký", "Log source")) } th { (l.t("Nguồn luật", "Origin")) } th { (l.t("Áp dụng cho", "Applies to")) } th { (l.t("Trạng thái", "Status")) } @if manage { th {} } } }
            tbody { @for r in &rules {
                @let fid = format!("rule-{}", r.id);
                tr {
                    td { (r.title) br; span.muted { code { (r.rule_key) } } }
                    td { (severity(l, &r.level)) }
                    td { (log_source(r.product.as_deref(), r.category.as_deref(), r.service.as_deref())) }
                    td { (origin_label(l, &r.origin)) }
                    td { @if manage {
                            select name="org" form=(fid) aria-label=(l.t("Áp dụng cho đơn vị", "Limit to organisation")) { option value="" { (l.t("Mọi đơn vị", "Every organisation")) }
                                @for (code, title) in &orgs { option value=(code) title=(title) selected[r.org_code.as_deref() == Some(code.as_str())] { (code) } } }
                        } @else { @match r.org_id {
                            None => { (l.t("Mọi đơn vị", "Every organisation")) }
                            Some(o) if c.scope.contains(o) => { (r.org_code.clone().unwrap_or_default()) }
                            Some(_) => { (l.t("Một đơn vị khác", "Another organisation")) }
                        } } }
                    td { @if manage {
                            select name="enabled" form=(fid) aria-label=(l.t("Bật hoặc tắt", "On or off")) { option value="1" selected[r.enabled == 1] { (l.t("Bật", "On")) } option value="0" selected[r.enabled != 1] { (l.t("Tắt", "Off")) } }
                        } @else if r.enabled == 1 { span.badge.new { (l.t("Đang bật", "On")) } } @else { span.badge { (l.t("Tắt", "Off")) } } }
                    @if manage { td { form id=(fid) method="post" action=(format!("/rules/{}", r.id)) { (csrf(c)) input type="hidden" name="back" value=(back); button.light type="submit" { (l.t("Lưu", "Save")) } } } }
                } }
                @if rules.is_empty() { tr { td colspan="7" .muted { (l.t("Không có luật nào", "No rules")) } } } } }
        (pager(l, "/rules", params, offset, PAGE, total))
        @if manage {
            form.card #rule-upload method="post" enctype="multipart/form-data" action=(format!("/rules/upload?_csrf={}", urlencoding::encode(&c.csrf))) {
                h2 { (l.t("Thêm luật tự viết", "Add custom rules")) }
                p.muted { (l.t("Tệp YAML theo chuẩn Sigma (có thể nhiều luật, luật tương quan); mỗi luật phải có id (UUID). Luật được kiểm tra trước khi lưu; luật lỗi không được thêm.",
                    "A Sigma YAML file (several rules and correlations allowed); every rule needs an id (a UUID). Rules are checked before they are stored; nothing is added when one is wrong.")) }
                div.grid2 {
                    div { label for="rule-file" { (l.t("Tệp luật (.yml)", "Rule file (.yml)")) } input #rule-file type="file" name="file" accept=".yml,.yaml,.txt"; }
                    div { label for="rule-org" { (l.t("Chỉ áp dụng cho đơn vị (để trống: mọi đơn vị)", "Only for organisation (empty: every organisation)")) }
                        select #rule-org name="org" { option value="" { (l.t("Mọi đơn vị", "Every organisation")) } @for (code, title) in &orgs { option value=(code) selected[*code == draft.org] { (code) " — " (title) } } } }
                }
                p { label for="rule-yaml" { (l.t("Hoặc dán nội dung YAML", "Or paste the YAML")) } textarea.mono #rule-yaml name="yaml" rows="10" { (draft.yaml) } }
                button #rule-submit type="submit" { (l.t("Kiểm tra và thêm", "Check and add")) }
            }
        }
        h2 #refused { (l.t("Luật không biên dịch được", "Rules refused")) " (" (summary.refused.len()) ")" }
        @if summary.refused.is_empty() { p.muted { (l.t("Mọi luật đang bật đều biên dịch được.", "Every enabled rule compiles.")) } }
        @else { details { summary { (l.t("Xem danh sách và lý do", "Show them with the reasons")) }
            table #rules-refused { thead { tr { th { (l.t("Tệp", "File")) } th { (l.t("Luật", "Rule")) } th { (l.t("Lý do", "Reason")) } } }
                tbody { @for r in summary.refused.iter().take(1000) { tr { td { code { (r.source) } } td { (r.title.clone().unwrap_or_default()) br; span.muted { (r.id.clone().unwrap_or_default()) } } td { (r.reason) } } } } } } }
    };
    Ok((
        status,
        page(c, l.t("Luật Sigma", "Sigma rules"), "/rules", body),
    )
        .into_response())
}

/// Organisation code → id; `Ok(None)` for empty.
async fn org_id_of(st: &AppState, c: &Caller, code: &str) -> Result<Option<i64>, Response> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let codes = st
        .store
        .org_codes()
        .await
        .map_err(|e| store_error_page(c, e))?;
    match codes.get(code) {
        Some(id) if c.scope.contains(*id) => Ok(Some(*id)),
        _ => Err(error_page(
            c,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Không có đơn vị '{code}'"),
            &format!("No organisation '{code}'"),
        )),
    }
}

/// `POST /rules/{id}` (`enabled`: 1 or 0, `org`: a code or empty).
pub async fn rule_update(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    must_manage_rules(&c)?;
    let enabled = matches!(
        f.get("enabled").map(String::as_str),
        Some("1" | "true" | "on")
    );
    let org_id = org_id_of(
        &st,
        &c,
        f.get("org").map(String::as_str).unwrap_or_default(),
    )
    .await?;
    st.store
        .set_rule(&c.actor(), id, enabled, org_id)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    st.monitor.reload().await.map_err(|e| {
        error_page(
            &c,
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("Đã lưu nhưng chưa biên dịch lại được bộ luật: {e}"),
            &format!("Saved, but the rule set could not be recompiled: {e}"),
        )
    })?;
    let back = safe_back(f.get("back").map(String::as_str).unwrap_or_default());
    let to = if back.is_empty() {
        format!("/rules?saved={id}")
    } else {
        format!("/rules?saved={id}&{back}")
    };
    Ok(Redirect::to(&to).into_response())
}

/// `POST /rules/upload` (multipart: `file` or `yaml`, optional `org`).
pub async fn rule_upload(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    must_manage_rules(&c)?;
    let l = c.lang;
    let up = read_upload(&c, mp).await?;
    let org = up.fields.get("org").cloned().unwrap_or_default();
    let pasted = up.fields.get("yaml").cloned().unwrap_or_default();
    let (name, yaml) = match up.file("file") {
        Some((n, b)) => (
            n.filter(|n| !n.is_empty())
                .unwrap_or("rule.yml")
                .to_string(),
            String::from_utf8_lossy(b).into_owned(),
        ),
        None => ("rule.yml".to_string(), pasted.clone()),
    };
    let refuse = |problems: Vec<String>| {
        let flash = html! {
            div.flash.bad #rules-problems { (l.t("Chưa thêm luật nào: có", "No rule added:")) " " (problems.len()) " " (l.t("lỗi cần sửa.", "problem(s) to fix."))
                ul { @for p in &problems { li { (p) } } } }
        };
        (
            flash,
            RuleDraft {
                yaml: pasted.clone(),
                org: org.clone(),
            },
        )
    };
    let org_id = match org_id_of(&st, &c, &org).await {
        Ok(o) => o,
        Err(_) => {
            let (flash, draft) = refuse(vec![format!(
                "{}: '{org}'",
                l.t("Không có đơn vị", "No organisation")
            )]);
            return rules_view(
                &st,
                &c,
                &[],
                Some(flash),
                draft,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if yaml.trim().is_empty() {
        let (flash, draft) = refuse(vec![l
            .t(
                "Hãy chọn tệp luật hoặc dán nội dung YAML.",
                "Choose a rule file or paste the YAML.",
            )
            .to_string()]);
        return rules_view(
            &st,
            &c,
            &[],
            Some(flash),
            draft,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match crate::monitor::add_custom_rules(&st, &c, &name, &yaml, org_id).await {
        Ok(added) => Ok(
            Redirect::to(&format!("/rules?added={}&origin=custom", added.len())).into_response(),
        ),
        Err(problems) => {
            let (flash, draft) = refuse(problems);
            rules_view(
                &st,
                &c,
                &[],
                Some(flash),
                draft,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---- Events ----

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
    for k in ["from", "to", "host", "q", "field", "malformed"] {
        q.insert(k.to_string(), get(k));
    }
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
    let f = crate::api::event_filter(&q);
    let bad_time = ["from", "to"].iter().any(|k| {
        !get(k).trim().is_empty()
            && crate::api::parse_local_time(&get(k)).is_none()
            && get(k).trim().parse::<i64>().is_err()
    });
    let (events, total) = st.store.search_events(&c.scope, &f).await.map_err(err)?;
    let orgs = org_options(&st, &c.scope).await.map_err(err)?;
    let body = html! {
        h1 { (l.t("Tìm kiếm sự kiện", "Event search")) }
        form.filters #events-search method="get" action="/events" {
            div { label for="from" { (l.t("Từ", "From")) } input #from type="datetime-local" name="from" value=(get("from")); }
            div { label for="to" { (l.t("Đến", "To")) } input #to type="datetime-local" name="to" value=(get("to")); }
            div { label for="host" { (l.t("Máy", "Host")) } input #host name="host" value=(get("host")) placeholder="web01"; }
            @if orgs.len() > 1 { div { label for="org" { (l.t("Đơn vị", "Organisation")) } (org_select(l, "org", &orgs, &org)) } }
            div { label for="field" { (l.t("Trường = giá trị", "Field = value")) } input #field name="field" value=(get("field")) placeholder="EventID=4625"; }
            div { label for="q" { (l.t("Nội dung (mọi từ)", "Text (every word)")) } input #q type="search" name="q" value=(get("q")); }
            div { label for="malformed" { (l.t("Chỉ dữ liệu lỗi", "Malformed only")) } input.check #malformed type="checkbox" name="malformed" value="1" checked[get("malformed") == "1"]; }
            div { button type="submit" { (l.t("Tìm", "Search")) } }
        }
        p.muted { (l.t("Giờ Việt Nam. Nhiều điều kiện trường cách nhau bằng dấu chấm phẩy, ví dụ: EventID=4625; TargetUserName=admin.",
            "Viet Nam time. Several field conditions are separated by semicolons, e.g. EventID=4625; TargetUserName=admin.")) }
        @if bad_time { div.flash.bad { (l.t("Thời gian không đọc được; dùng dd/mm/yyyy hoặc ô chọn ngày giờ.", "Could not read a time; use dd/mm/yyyy or the date picker.")) } }
        table.records #events-table { thead { tr { th { (l.t("Thời gian", "Time")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Máy", "Host")) } th { (l.t("Nguồn nhật ký", "Log source")) } th { (l.t("Giao thức", "Transport")) } th { (l.t("Nội dung", "Message")) } } }
            tbody { @for e in &events { tr {
                td { a href=(format!("/events/{}", e.id)) { (fmt_seconds(e.at)) } }
                td { (e.org_code.clone().unwrap_or_default()) }
                td { (e.host_name.clone().unwrap_or_default()) }
                td { (log_source(e.product.as_deref(), e.category.as_deref(), e.service.as_deref())) }
                td { (e.transport) }
                td { @if let Some(m) = &e.malformed { span.badge.sev-medium title=(m) { (l.t("Lỗi định dạng", "Malformed")) } " " span.muted { (truncate(m, 80)) } br; }
                    a href=(format!("/events/{}", e.id)) { (truncate(&e.message, 200)) } } } }
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
        @if let Some(m) = &e.malformed { div.flash.bad #event-malformed { (l.t("Dữ liệu lỗi định dạng, được lưu nguyên văn", "Malformed input, kept as received")) ": " (m) } }
        div.card { dl.kv {
            dt { (l.t("Thời gian sự kiện", "Event time")) } dd { (fmt_seconds(e.at)) }
            dt { (l.t("Thời gian nhận", "Received")) } dd { (fmt_seconds(e.received_at)) }
            dt { (l.t("Đơn vị", "Organisation")) } dd { (e.org_code.clone().unwrap_or_else(|| l.t("(chưa xác định)", "(unknown)").to_string())) }
            dt { (l.t("Máy", "Host")) } dd { (host) }
            @if let Some(ip) = &e.source_ip { dt { (l.t("Địa chỉ gửi", "Sender address")) } dd { code { (ip) } } }
            dt { (l.t("Giao thức", "Transport")) } dd { (e.transport) }
            @if !source.is_empty() { dt { (l.t("Nguồn nhật ký", "Log source")) } dd { (source) } }
        } }
        h2 { (l.t("Nội dung", "Message")) }
        pre #event-message { (e.message) }
        h2 { (l.t("Các trường", "Fields")) " (" (fields.len()) ")" }
        table #event-fields { thead { tr { th { (l.t("Trường", "Field")) } th { (l.t("Giá trị", "Value")) } } }
            tbody { @for (k, v) in &fields { tr { td { code { (k) } } td.prewrap { (show(v)) } } }
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
fn public_host(headers: &HeaderMap) -> String {
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

fn listen_host(a: SocketAddr, public: &str) -> String {
    if a.ip().is_unspecified() {
        public.to_string()
    } else if a.is_ipv6() {
        format!("[{}]", a.ip())
    } else {
        a.ip().to_string()
    }
}

fn megabytes(l: Lang, bytes: i64) -> String {
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
pub async fn monitor_page(State(st): State<AppState>, c: Caller, headers: HeaderMap) -> UiResult {
    monitor_view(&st, &c, &headers, None, StatusCode::OK).await
}

async fn monitor_view(
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
        div.card #monitor-listeners {
            h2 { (l.t("Cổng nhận nhật ký", "Log listeners")) }
            table { tbody {
                tr { td { "Syslog UDP (RFC 5426)" } td { @if let Some(a) = cfg.syslog_udp { code { (a) } } @else { span.muted { (l.t("chưa bật", "off")) } } } }
                tr { td { "Syslog TCP (RFC 6587)" } td { @if let Some(a) = cfg.syslog_tcp { code { (a) } } @else { span.muted { (l.t("chưa bật", "off")) } } } }
                tr { td { "Syslog TLS (RFC 5425)" } td { @if let Some(t) = &cfg.syslog_tls { code { (t.listen) } } @else { span.muted { (l.t("chưa bật", "off")) } } } }
                tr { td { "HTTPS (JSON, NDJSON)" } td { code { "POST /api/v1/ingest" } } }
            } }
            @if udp.is_none() && tcp.is_none() && tls.is_none() {
                p.muted { (l.t("Chưa bật cổng syslog nào: khai báo syslog_udp, syslog_tcp hoặc syslog_tls trong mục [monitor] của tệp cấu hình.",
                    "No syslog listener is on: set syslog_udp, syslog_tcp or syslog_tls in the [monitor] section of the configuration file.")) }
            }
            h2 { (l.t("Cách gửi nhật ký về", "How to send logs")) }
            @if let Some((h, p)) = &tcp {
                p { (l.t("Máy chủ Linux dùng rsyslog: thêm dòng sau vào /etc/rsyslog.d/90-canhgac.conf rồi chạy systemctl restart rsyslog (@@ là TCP, @ là UDP):",
                    "Linux servers with rsyslog: add this line to /etc/rsyslog.d/90-canhgac.conf, then run systemctl restart rsyslog (@@ is TCP, @ is UDP):")) }
                pre { "*.* @@" (h) ":" (p) }
                p { (l.t("Thử gửi một dòng:", "Send a test line:")) }
                pre { "logger -n " (h) " -P " (p) " --tcp \"canhgac: thu nghiem\"" }
            }
            @if let Some((h, p)) = &udp {
                @if tcp.is_none() { p { (l.t("Máy chủ Linux dùng rsyslog: thêm dòng sau vào /etc/rsyslog.d/90-canhgac.conf rồi chạy systemctl restart rsyslog:", "Linux servers with rsyslog: add this line to /etc/rsyslog.d/90-canhgac.conf, then run systemctl restart rsyslog:")) } }
                pre { "*.* @" (h) ":" (p) }
                pre { "logger -n " (h) " -P " (p) " --udp \"canhgac: thu nghiem\"" }
            }
            @if let Some((h, p)) = &tls {
                p { (l.t("Qua TLS (cần gói rsyslog-gnutls và chứng chỉ CA của Sở):", "Over TLS (needs the rsyslog-gnutls package and the DIC's CA certificate):")) }
                pre { "global(DefaultNetstreamDriverCAFile=\"/etc/ssl/certs/canhgac-ca.pem\")\n*.* action(type=\"omfwd\" target=\"" (h) "\" port=\"" (p) "\" protocol=\"tcp\"\n       StreamDriver=\"gtls\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\")" }
            }
            p { (l.t("Ứng dụng, kịch bản: gửi JSON (một đối tượng, một mảng) hoặc NDJSON (mỗi dòng một đối tượng) qua HTTPS với mã truy cập API:",
                "Applications and scripts: send JSON (an object or an array) or NDJSON (one object per line) over HTTPS with an API token:")) }
            pre { "TOKEN=$(curl -s https://" (public) "/api/v1/auth/token -H 'Content-Type: application/json' \\\n  -d '{\"email\":\"ten@donvi.gov.vn\",\"password\":\"...\"}' | jq -r .token)\n"
                "curl https://" (public) "/api/v1/ingest -H \"Authorization: Bearer $TOKEN\" \\\n  -H 'Content-Type: application/x-ndjson' --data-binary @su-kien.jsonl" }
            p { (l.t("Nhật ký Windows (.evtx) và tệp nhật ký: tải lên ở mẫu dưới đây, hoặc", "Windows logs (.evtx) and log files: upload them below, or")) " " code { "POST /api/v1/events/import?filename=Security.evtx" } "." }
        }
        @if c.role.can_write() {
            form.card #events-upload method="post" enctype="multipart/form-data" action=(format!("/events/upload?_csrf={}", urlencoding::encode(&c.csrf))) {
                h2 { (l.t("Tải lên tệp nhật ký", "Upload a log file")) }
                p.muted { (l.t("Tệp .evtx của Windows, JSON hoặc JSON lines (.json, .jsonl), văn bản (.log: syslog, nhật ký web, auditd); có thể nén gzip. Sự kiện của máy không thuộc đơn vị bạn được ghi cho đơn vị của bạn.",
                    "Windows .evtx, JSON or JSON lines (.json, .jsonl), text (.log: syslog, web access, auditd); gzip allowed. Events of hosts outside your organisations are filed under your own organisation.")) }
                p { label for="log-file" { (l.t("Tệp", "File")) } input #log-file type="file" name="file" required accept=".evtx,.json,.jsonl,.ndjson,.log,.txt,.gz"; }
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
    must_write(&c)?;
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
    let mut records = match crate::monitor::records_from_file(&name, &bytes) {
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
            let flash = html! { div.flash.ok #upload-report {
                (name) ": " (l.t("đã lưu", "stored")) " " span #report-stored { (report.stored) } " " (l.t("sự kiện", "events")) ", "
                span #report-malformed { (report.malformed) } " " (l.t("lỗi định dạng", "malformed")) ", "
                span #report-detections { (report.detections) } " " (l.t("lần luật khớp", "rule matches")) ". "
                a href="/events" { (l.t("Xem sự kiện", "See the events")) } " · " a href="/alerts" { (l.t("Xem cảnh báo", "See the alerts")) }
            } };
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
