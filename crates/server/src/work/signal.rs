//! The page of one signal of any kind other than a Sigma alert (those have the monitoring
//! room's page, with the event that raised them): what it is, where it came from, the host,
//! organisation, list or finding it concerns, its group, the work it led to, its handling.

use super::triage::{kind_label, signal_href};
use crate::auth::Caller;
use crate::monitoring::common::{payload, text};
use crate::ui::layout::{csrf, page, severity};
use crate::ui::{not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::signal::{SignalKind, SignalState};
use canhgac_domain::time::{fmt_date, fmt_datetime};
use canhgac_store::{SignalFilter, SignalRow};
use maud::html;
use std::collections::HashMap;

async fn load(st: &AppState, c: &Caller, id: i64) -> Result<SignalRow, Response> {
    st.store
        .signal(&c.scope, id)
        .await
        .map_err(|e| store_error_page(c, e))?
        .ok_or_else(|| not_found(c))
}

/// The subject a Botnet-list signal is about (its key without the organisation).
fn botnet_subject(s: &SignalRow) -> Option<String> {
    (s.kind == SignalKind::BotnetFinding)
        .then(|| s.dedup_key.rsplit_once(':').map(|(a, _)| a.to_string()))
        .flatten()
}

/// Payload keys shown with their own label (the rest are listed as they are).
const KNOWN: [(&str, &str, &str); 30] = [
    ("path", "Tệp", "File"),
    ("sha256", "Mã băm SHA-256", "SHA-256"),
    ("size", "Kích thước (byte)", "Size (bytes)"),
    ("rules", "Các luật khớp", "Rules that matched"),
    ("change", "Thay đổi", "Change"),
    ("agent_id", "Tác tử", "Agent"),
    ("scan_id", "Lượt quét", "Scan"),
    ("before", "", ""),
    ("after", "", ""),
    ("value", "Địa chỉ trong danh sách", "Listed address"),
    ("recurring", "Tái diễn (có trong danh sách tháng trước)", "Recurring (on last month's list)"),
    ("src_ip", "Địa chỉ nguồn", "Source address"),
    ("attacker_ip", "Địa chỉ tấn công", "Attacker address"),
    ("list_id", "Danh sách", "List"),
    ("demo", "Dữ liệu minh hoạ", "Demo data"),
    // Flow signals: shown through the attack's or the sighting's own page.
    ("flow_attack", "", ""),
    ("flow_sighting", "", ""),
    ("target", "", ""),
    ("kind", "", ""),
    ("port", "", ""),
    ("peak_pps", "", ""),
    ("peak_bps", "", ""),
    ("operator_org_id", "", ""),
    ("local", "", ""),
    ("remote", "", ""),
    ("entry", "", ""),
    ("outbound", "", ""),
    ("proto", "", ""),
    ("packets", "", ""),
    ("bytes", "", ""),
];

/// `GET /signals/{id}`.
pub async fn signal_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let s = load(&st, &c, id).await?;
    if s.kind == SignalKind::SigmaAlert {
        return Ok(Redirect::to(&signal_href(&s)).into_response());
    }
    let err = |e| store_error_page(&c, e);
    let p = payload(&s);
    let notes = st.store.signal_notes(&c.scope, id).await.map_err(err)?;
    let subject = botnet_subject(&s);
    let work = st
        .store
        .related_work_items(&c.scope, Some(s.id), None, subject.as_deref())
        .await
        .map_err(err)?;
    let group = match s.group_id {
        Some(g) => {
            st.store
                .list_signals(
                    &c.scope,
                    &SignalFilter {
                        group_id: Some(g),
                        limit: Some(50),
                        ..Default::default()
                    },
                )
                .await
                .map_err(err)?
                .0
        }
        None => Vec::new(),
    };
    let host = crate::monitoring::common::host_cell(
        &st,
        &c,
        s.host_id,
        s.host_name.as_deref().unwrap_or_default(),
    )
    .await?;
    let people = if c.role.can_write() {
        crate::monitoring::alerts::assignable(&st, &c, &s).await?
    } else {
        Vec::new()
    };
    let assignee = match s.assignee_id {
        None => None,
        Some(a) => Some(
            st.store
                .list_users(&c.scope)
                .await
                .map_err(err)?
                .into_iter()
                .find(|u| u.id == a)
                .map(|u| format!("{} ({})", u.email, u.full_name))
                .unwrap_or_else(|| l.t("(tài khoản khác)", "(another user)").to_string()),
        ),
    };
    let list_id = p["list_id"].as_i64();
    let value = text(&p["value"]);
    let state = s.state;
    let others: Vec<(String, String)> = p
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !KNOWN.iter().any(|(n, ..)| n == k))
                .map(|(k, v)| (k.clone(), text(v)))
                .collect()
        })
        .unwrap_or_default();
    let incident_block = crate::incidents::pages::signal_block(&st, &c, &s).await?;
    let malware = match s.kind {
        canhgac_domain::signal::SignalKind::Malware => st
            .store
            .malware_alert_of_signal(&c.scope, s.id)
            .await
            .map_err(|e| store_error_page(&c, e))?,
        _ => None,
    };
    let body = html! {
        p.muted { a href="/signals" { (l.t("Cảnh báo", "Signals")) } " › " a href=(format!("/signals?kind={}", s.kind.as_str())) { (kind_label(l, s.kind)) } " › #" (s.id) }
        h1 #signal-title { (s.title) }
        div.card { dl.kv {
            dt { (l.t("Loại", "Kind")) } dd #signal-kind { (kind_label(l, s.kind)) }
            dt { (l.t("Nguồn", "Source")) } dd { (s.source) }
            dt { (l.t("Mức độ", "Severity")) } dd { (severity(l, s.severity.as_str())) }
            dt { (l.t("Đơn vị", "Organisation")) } dd { @match (s.org_id, s.org_code.as_deref()) {
                (Some(o), Some(code)) => a href=(format!("/orgs/{o}")) { (code) },
                _ => (l.t("(chưa xác định)", "(unknown)")),
            } }
            dt { (l.t("Máy", "Host")) } dd { (host) @if s.host_id.is_none() && s.host_name.is_none() { span.muted { (l.t("(không gắn với máy nào)", "(no host)")) } } }
            @if let Some(ip) = &s.src_ip { dt { (l.t("Địa chỉ tấn công", "Attacker address")) } dd { a href=(format!("/signals?ip={}", urlencoding::encode(ip))) { code { (ip) } } " " a.muted href=(format!("/search?q={}", urlencoding::encode(ip))) { (l.t("tìm mọi nơi", "search everywhere")) } } }
            @if !value.is_empty() { dt { (l.t("Địa chỉ trong danh sách", "Listed address")) } dd { code { (value) } " " a.muted href=(format!("/search?q={}", urlencoding::encode(&value))) { (l.t("tìm mọi nơi", "search everywhere")) } } }
            @if let Some(list) = list_id { dt { (l.t("Danh sách", "List")) } dd { a #signal-list href=(format!("/botnet/{list}")) { (l.t("Xem danh sách IP Botnet", "Open the Botnet IP list")) " #" (list) } } }
            @if p["recurring"].as_bool() == Some(true) { dt { (l.t("Tái diễn", "Recurring")) } dd { (l.t("Có — đã có trong danh sách tháng trước", "Yes — on last month's list too")) } }
            @for (k, vi, en) in KNOWN.iter().take(5) { @if let Some(v) = p.get(*k).filter(|v| !v.is_null()) {
                dt { (l.t(vi, en)) } dd { code data-raw { (match v { serde_json::Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(", "), v => text(v) }) } }
            } }
            @if let Some(a) = p["agent_id"].as_i64() { dt { (l.t("Tác tử", "Agent")) } dd { a href=(format!("/agents/{a}")) { (l.t("Xem máy và tác tử", "The host's agent")) " #" (a) } } }
            @if let Some(a) = p["flow_attack"].as_i64() { dt { (l.t("Cuộc tấn công", "Attack")) } dd #signal-flow-attack { a href=(format!("/flows/attacks/{a}")) { (l.t("Diễn biến, nguồn và biện pháp giảm thiểu (RTBH, FlowSpec)", "Timeline, sources and mitigation (RTBH, FlowSpec)")) " #" (a) } } }
            @if p["flow_sighting"].as_i64().is_some() {
                dt { (l.t("Địa chỉ của đơn vị", "Organisation's address")) } dd { code { (text(&p["local"])) } }
                dt { (l.t("Lưu lượng", "Traffic")) } dd #signal-flow-sighting { @if p["outbound"].as_bool() == Some(true) { (l.t("gửi tới", "sent to")) } @else { (l.t("nhận từ", "received from")) } " " code { (text(&p["remote"])) } " (" (l.t("mục ", "entry ")) (text(&p["entry"])) ") · " (text(&p["packets"])) (l.t(" gói · ", " packets · ")) a href="/flows#flow-botnet" { (l.t("xem trong dữ liệu luồng", "see in flow data")) } }
            }
            @if let Some(sc) = p["scan_id"].as_i64() { dt { (l.t("Lượt quét", "Scan")) } dd { a href=(format!("/malware/scans/{sc}")) { "#" (sc) } } }
            @if let Some(m) = &malware { dt { (l.t("Cảnh báo mã độc", "Malware alert")) } dd #signal-malware { a href=(format!("/malware/alerts/{}", m.id)) { (l.t("Xem bằng chứng và xác minh", "Evidence and verification")) " #" (m.id) } } }
            @for (k, v) in &others { dt { code { (k) } } dd { (v) } }
            dt { (l.t("Số lần", "Count")) } dd { (s.count) }
            dt { (l.t("Lần đầu", "First seen")) } dd { (fmt_datetime(s.first_seen)) }
            dt { (l.t("Lần cuối", "Last seen")) } dd { (fmt_datetime(s.last_seen)) }
            dt { (l.t("Trạng thái", "State")) } dd #signal-state { (l.t(state.label_vi(), state.label_en())) }
            dt { (l.t("Người xử lý", "Assignee")) } dd { (assignee.clone().unwrap_or_else(|| l.t("Chưa giao", "Nobody").to_string())) }
        } }
        @if c.role.can_write() {
            div.grid2 {
                div.card {
                    h2 { (l.t("Chuyển trạng thái", "Change state")) }
                    div.actions { @for to in SignalState::ALL { @if state.transition(to).is_ok() {
                        form method="post" action=(format!("/signals/{}/transition", s.id)) { (csrf(&c)) input type="hidden" name="state" value=(to.as_str()); button.light type="submit" { (l.t(to.label_vi(), to.label_en())) } }
                    } } }
                }
                form.card method="post" action=(format!("/signals/{}/assign", s.id)) {
                    h2 { (l.t("Giao xử lý", "Assign")) }
                    (csrf(&c))
                    p { label for="user" { (l.t("Cán bộ (chỉ những người xem được đơn vị này)", "Person (only those who can see this organisation)")) }
                        select #user name="user" { option value="" { "— " (l.t("Chưa giao", "Nobody")) " —" }
                            @for u in &people { option value=(u.id) selected[s.assignee_id == Some(u.id)] { (u.email) " — " (u.full_name) } } } }
                    button type="submit" { (l.t("Giao việc", "Assign")) }
                }
            }
        }
        (incident_block)
        h2 { (l.t("Công việc liên quan", "Related work")) }
        table #signal-work { thead { tr { th { (l.t("Công việc", "Work")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Trạng thái", "State")) } th { (l.t("Hạn", "Due")) } } }
            tbody { @for w in &work { tr { td { a href=(format!("/work/{}", w.id)) { (w.title) } } td { (w.org_code.clone().unwrap_or_default()) }
                td { (l.t(w.state.label_vi(), w.state.label_en())) } td { (w.due_at.map(fmt_date).unwrap_or_default()) } } }
                @if work.is_empty() { tr { td colspan="4" .muted { (l.t("Chưa có công việc nào từ cảnh báo này", "No work came from this signal yet")) } } } } }
        @if group.len() > 1 {
            h2 { (l.t("Cùng nhóm (cùng máy, trong 10 phút)", "Same group (same host, within 10 minutes)")) }
            ul.members { @for g in &group { li { (severity(l, g.severity.as_str())) " " @if g.id == s.id { b { (g.title) } } @else { a href=(signal_href(g)) { (g.title) } } " · " (fmt_datetime(g.first_seen)) } } }
        }
        h2 #notes { (l.t("Ghi chú xử lý", "Handling notes")) }
        table #signal-notes { thead { tr { th { (l.t("Thời gian", "When")) } th { (l.t("Người ghi", "Who")) } th { (l.t("Nội dung", "Note")) } } }
            tbody { @for n in &notes { tr { td { (fmt_datetime(n.at)) } td { (crate::ui::fmt::actor(l, &n.user_email)) } td { (n.note) } } }
                @if notes.is_empty() { tr { td colspan="3" .muted { (l.t("Chưa có ghi chú", "No notes yet")) } } } } }
        @if c.role.can_write() {
            form.card method="post" action=(format!("/signals/{}/notes", s.id)) {
                (csrf(&c))
                p { label for="note" { (l.t("Thêm ghi chú (đã kiểm tra gì, kết luận)", "Add a note (what was checked, the conclusion)")) } textarea #note name="note" required {} }
                button type="submit" { (l.t("Thêm ghi chú", "Add the note")) }
            }
        }
    };
    Ok(page(&c, &s.title, "/signals", body).into_response())
}

/// `POST /signals/{id}/assign` (`user`: an account id, empty for nobody).
pub async fn signal_assign(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    let s = load(&st, &c, id).await?;
    crate::monitoring::alerts::assign_from_form(&st, &c, &s, &f).await?;
    Ok(Redirect::to(&signal_href(&s)).into_response())
}

/// `POST /signals/{id}/notes` (`note`).
pub async fn signal_note(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    let s = load(&st, &c, id).await?;
    let note = f.get("note").cloned().unwrap_or_default();
    st.store
        .add_signal_note(&c.scope, &c.actor(), id, &note)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("{}#notes", signal_href(&s))).into_response())
}
