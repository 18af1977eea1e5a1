//! Alert pages.

#[allow(unused_imports)]
use super::common::*;
use crate::auth::Caller;
use crate::ui::layout::{csrf, page, severity};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::signal::{SignalKind, SignalState};
use canhgac_domain::time::fmt_datetime;
use canhgac_store::{SignalRow, User};
use maud::{html, PreEscaped};
use std::collections::HashMap;

/// `GET /alerts`: Sigma alerts grouped for triage, with filters and a live feed.
pub async fn alerts_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let triage = crate::work::triage::triage_body(
        &st,
        &c,
        &params,
        "/alerts",
        Some(SignalKind::SigmaAlert),
    )
    .await?;
    let filtered = crate::work::triage::TriageQuery::parse(&params).filtered();
    let body = html! {
        h1 { (l.t("Cảnh báo Sigma", "Sigma alerts")) }
        p.muted { (l.t("Cảnh báo do luật Sigma phát hiện trên nhật ký gửi về. ", "Alerts raised by Sigma rules on the logs sent in. "))
            a href="/rules" { (l.t("Luật Sigma", "Sigma rules")) } " · " a href="/events" { (l.t("Tìm kiếm sự kiện", "Event search")) } " · " a href="/monitor" { (l.t("Giám sát tập trung", "Centralised monitoring")) } " · " a href="/signals" { (l.t("Mọi cảnh báo", "All signals")) } }
        p #alerts-live data-filtered=(if filtered { "1" } else { "0" }) { span.badge.new #alerts-live-count { "0" } " " (l.t("cảnh báo mới từ khi mở trang", "new alerts since the page opened")) " · " span.muted #alerts-live-state { (l.t("đang kết nối…", "connecting…")) } }
        (triage)
        script #alerts-live-labels type="application/json" { (PreEscaped(live_labels(l))) }
        script src=(crate::ui::layout::asset("live.js")) {}
    };
    Ok(page(&c, l.t("Cảnh báo Sigma", "Sigma alerts"), "/alerts", body).into_response())
}

/// A Sigma alert in the caller's scope.
pub(crate) async fn load_alert(st: &AppState, c: &Caller, id: i64) -> Result<SignalRow, Response> {
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
pub(crate) async fn assignable(
    st: &AppState,
    c: &Caller,
    s: &SignalRow,
) -> Result<Vec<User>, Response> {
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
    let state = s.state;
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
    let err = |e| store_error_page(&c, e);
    let rule_id = st
        .store
        .rule_id_by_key(&c.scope, &rule_key)
        .await
        .map_err(err)?;
    let group = match s.group_id {
        Some(g) => {
            st.store
                .list_signals(
                    &c.scope,
                    &canhgac_store::SignalFilter {
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
    let work = st
        .store
        .related_work_items(&c.scope, Some(s.id), None, None)
        .await
        .map_err(err)?;
    let incident_block = crate::incidents::pages::signal_block(&st, &c, &s).await?;
    let body = html! {
        p.muted { a href="/alerts" { (l.t("Cảnh báo Sigma", "Sigma alerts")) } " › #" (s.id) }
        h1 #alert-title { (s.title) }
        div.card { dl.kv {
            dt { (l.t("Luật", "Rule")) } dd #alert-rule { @match rule_id { Some(r) => a href=(format!("/rules/{r}")) { (rule_title) }, None => (rule_title) } " " span.muted { code { (rule_key) } } }
            dt { (l.t("Mức độ", "Severity")) } dd { (severity(l, s.severity.as_str())) @if !level.is_empty() { " " span.muted { "(" (l.t("mức của luật", "rule level")) ": " (crate::ui::fmt::severity_word(l, &level)) ")" } } }
            @if !tags.is_empty() { dt { (l.t("Thẻ", "Tags")) } dd #alert-tags { @for t in &tags { span.badge { (t) } " " } } }
            @if !text(&p["description"]).is_empty() { dt { (l.t("Mô tả", "Description")) } dd #alert-description { (text(&p["description"])) } }
            dt { (l.t("Máy", "Host")) } dd { (host) }
            @if let Some(ip) = &s.src_ip { dt { (l.t("Địa chỉ tấn công", "Attacker address")) } dd #alert-attacker { a href=(format!("/alerts?ip={}", urlencoding::encode(ip))) { code { (ip) } } " · "
                a href=(format!("/search?q={}", urlencoding::encode(ip))) { (l.t("có trong danh sách Botnet? tìm mọi nơi", "on a Botnet list? search everywhere")) } } }
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
        @if group.len() > 1 {
            h2 #alert-group { (l.t("Cùng nhóm: cảnh báo khác trên máy này trong 10 phút", "Same group: other alerts on this host within 10 minutes")) }
            ul.members { @for g in &group { li { (severity(l, g.severity.as_str())) " " @if g.id == s.id { b { (g.title) } } @else { a href=(format!("/alerts/{}", g.id)) { (g.title) } } " · " (fmt_seconds(g.first_seen)) " · " (l.t(g.state.label_vi(), g.state.label_en())) } } }
        }
        (incident_block)
        @if !work.is_empty() {
            h2 { (l.t("Công việc từ cảnh báo này", "Work from this alert")) }
            ul { @for w in &work { li { a href=(format!("/work/{}", w.id)) { (w.title) } " · " (l.t(w.state.label_vi(), w.state.label_en())) } } }
        }
        h2 { (l.t("Sự kiện gây cảnh báo", "The event that raised it")) }
        @if let Some(e) = event_id { p { a #alert-event href=(format!("/events/{e}")) { (l.t("Xem sự kiện đã lưu", "Open the stored event")) " #" (e) " →" } } }
        @if excerpt.is_empty() { p.muted { (l.t("Không có trích đoạn sự kiện.", "No event excerpt.")) } }
        @else { table #alert-excerpt { thead { tr { th { (l.t("Trường", "Field")) } th { (l.t("Giá trị", "Value")) } } }
            tbody { @for (k, v) in &excerpt { tr { td { code { (k) } } td { (text(v)) } } } } } }
        h2 #notes { (l.t("Ghi chú xử lý", "Handling notes")) }
        table #alert-notes { thead { tr { th { (l.t("Thời gian", "When")) } th { (l.t("Người ghi", "Who")) } th { (l.t("Nội dung", "Note")) } } }
            tbody { @for n in &notes { tr { td { (fmt_datetime(n.at)) } td { (crate::ui::fmt::actor(l, &n.user_email)) } td { (n.note) } } }
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
    load_alert(&st, &c, id).await?;
    crate::work::transition_from_form(&st, &c, id, &f).await?;
    Ok(Redirect::to(&format!("/alerts/{id}")).into_response())
}

/// `POST /alerts/{id}/assign` (`user`: a user id, empty for nobody).
pub async fn alert_assign(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    let s = load_alert(&st, &c, id).await?;
    assign_from_form(&st, &c, &s, &f).await?;
    Ok(Redirect::to(&format!("/alerts/{id}")).into_response())
}

/// Assigns a signal to the form's `user` (an account id; empty for nobody) when that account
/// may act on it (see [`assignable`]); shared by the alert and the signal pages.
pub(crate) async fn assign_from_form(
    st: &AppState,
    c: &Caller,
    s: &SignalRow,
    f: &HashMap<String, String>,
) -> Result<(), Response> {
    let wanted = f.get("user").map(|v| v.trim()).unwrap_or_default();
    let assignee = if wanted.is_empty() {
        None
    } else {
        let people = assignable(st, c, s).await?;
        let u = wanted
            .parse::<i64>()
            .ok()
            .and_then(|w| people.into_iter().find(|u| u.id == w))
            .ok_or_else(|| {
                error_page(
                    c,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Không giao được cho tài khoản này: tài khoản không tồn tại, chỉ có quyền xem, hoặc không xem được đơn vị của cảnh báo.",
                    "Cannot assign to that account: it does not exist, is read-only, or cannot see the alert's organisation.",
                )
            })?;
        Some(u.id)
    };
    st.store
        .assign_signal(&c.scope, &c.actor(), s.id, assignee, true)
        .await
        .map_err(|e| store_error_page(c, e))?;
    Ok(())
}

/// `POST /alerts/{id}/notes` (`note`).
pub async fn alert_note(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    load_alert(&st, &c, id).await?;
    let note = f.get("note").cloned().unwrap_or_default();
    st.store
        .add_signal_note(&c.scope, &c.actor(), id, &note)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/alerts/{id}#notes")).into_response())
}
