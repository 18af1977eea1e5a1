//! Signals and work items pages.

use crate::auth::Caller;
use crate::ui::layout::{csrf, page, pager, severity};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use canhgac_domain::signal::{SignalKind, SignalState};
use canhgac_domain::time::{fmt_date, fmt_datetime, now_ms};
use canhgac_domain::work::{WorkEvent, WorkKind, WorkState};
use canhgac_store::{SignalFilter, StoreError, WorkFilter};
use maud::html;
use std::collections::HashMap;

/// `GET /signals`.
pub async fn signals_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let get = |k: &str| crate::ui::param(&params, k);
    let limit = 50;
    let offset = get("offset").parse().unwrap_or(0i64).max(0);
    let f = SignalFilter {
        kind: SignalKind::parse(&get("kind")),
        state: SignalState::parse(&get("state")),
        open_only: get("open") == "1",
        limit: Some(limit),
        offset: Some(offset),
    };
    let (items, total) = st
        .store
        .list_signals(&c.scope, &f)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Cảnh báo", "Signals")) }
        form.filters method="get" action="/signals" {
            div { label for="kind" { (l.t("Nguồn", "Source")) } select #kind name="kind" { option value="" { (l.t("Tất cả", "All")) } @for k in SignalKind::ALL { option value=(k.as_str()) selected[get("kind") == k.as_str()] { (l.t(k.label_vi(), k.as_str())) } } } }
            div { label for="state" { (l.t("Trạng thái", "State")) } select #state name="state" { option value="" { (l.t("Tất cả", "All")) } @for s in SignalState::ALL { option value=(s.as_str()) selected[get("state") == s.as_str()] { (l.t(s.label_vi(), s.label_en())) } } } }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        table.records { thead { tr { th { (l.t("Mức độ", "Severity")) } th { (l.t("Nội dung", "Title")) } th { (l.t("Nguồn", "Source")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Số lần", "Count")) } th { (l.t("Lần cuối", "Last seen")) } th { (l.t("Trạng thái", "State")) } th {} } }
            tbody { @for s in &items {
                @let state = s.state;
                tr { td { (severity(l, s.severity.as_str())) } td { (s.title) } td { (l.t(s.kind.label_vi(), s.kind.as_str())) } td { (s.org_code.clone().unwrap_or_default()) }
                    td { (s.count) } td { (fmt_datetime(s.last_seen)) } td { (l.t(state.label_vi(), state.label_en())) }
                    td { @if c.role.can_write() { @for to in SignalState::ALL { @if state.transition(to).is_ok() {
                        form method="post" action=(format!("/signals/{}/transition", s.id)) class="inline" { (csrf(&c)) input type="hidden" name="state" value=(to.as_str()); button.light type="submit" { (l.t(to.label_vi(), to.label_en())) } } " "
                    } } } } } }
                @if items.is_empty() { tr { td colspan="8" .muted { (l.t("Không có cảnh báo", "No signals")) } } } } }
        (pager(l, "/signals", &params, offset, limit, total))
    };
    Ok(
        crate::ui::layout::live_page(&c, l.t("Cảnh báo", "Signals"), "/signals", body)
            .into_response(),
    )
}

/// `POST /signals/{id}/transition`.
pub async fn signal_transition(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    transition_from_form(&st, &c, id, &f).await?;
    Ok(Redirect::to("/signals").into_response())
}

/// Moves a signal to the form's `state` (shared by the signals and the alerts pages).
pub(crate) async fn transition_from_form(
    st: &AppState,
    c: &Caller,
    id: i64,
    f: &HashMap<String, String>,
) -> Result<(), axum::response::Response> {
    let to = f
        .get("state")
        .and_then(|s| SignalState::parse(s))
        .ok_or_else(|| {
            error_page(
                c,
                StatusCode::BAD_REQUEST,
                "Trạng thái không hợp lệ",
                "Invalid state",
            )
        })?;
    st.store
        .transition_signal(&c.scope, &c.actor(), id, to)
        .await
        .map_err(|e| store_error_page(c, e))?;
    Ok(())
}

/// `GET /work`.
pub async fn work_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let get = |k: &str| crate::ui::param(&params, k);
    let limit = 50;
    let offset = get("offset").parse().unwrap_or(0i64).max(0);
    let f = WorkFilter {
        kind: WorkKind::parse(&get("kind")),
        state: WorkState::parse(&get("state")),
        open_only: get("open") == "1",
        limit: Some(limit),
        offset: Some(offset),
    };
    let (items, total) = st
        .store
        .list_work_items(&c.scope, &f)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let now = now_ms();
    let body = html! {
        h1 { (l.t("Công việc", "Work items")) }
        form.filters method="get" action="/work" {
            div { label for="kind" { (l.t("Loại", "Kind")) } select #kind name="kind" { option value="" { (l.t("Tất cả", "All")) } @for k in WorkKind::ALL { option value=(k.as_str()) selected[get("kind") == k.as_str()] { (l.t(k.label_vi(), k.as_str())) } } } }
            div { label for="state" { (l.t("Trạng thái", "State")) } select #state name="state" { option value="" { (l.t("Tất cả", "All")) } @for s in WorkState::ALL { option value=(s.as_str()) selected[get("state") == s.as_str()] { (l.t(s.label_vi(), s.as_str())) } } } }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        table.records { thead { tr { th { (l.t("Công việc", "Work")) } th { (l.t("Loại", "Kind")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Hạn", "Due")) } th { (l.t("Trạng thái", "State")) } } }
            tbody { @for w in &items {
                @let state = w.state;
                tr { td { a href=(format!("/work/{}", w.id)) { (w.title) } @if w.escalated == 1 { " " span.badge.sev-high { (l.t("Đã báo cáo cấp trên", "Escalated")) } } }
                    td { (l.t(w.kind.label_vi(), w.kind.as_str())) } td { (w.org_code.clone().unwrap_or_default()) }
                    td { @if let Some(d) = w.due_at { @if d < now && state.is_open() { span.badge.sev-high { (fmt_date(d)) } } @else { (fmt_date(d)) } } }
                    td { (l.t(state.label_vi(), state.as_str())) } } }
                @if items.is_empty() { tr { td colspan="5" .muted { (l.t("Không có công việc", "No work items")) } } } } }
        (pager(l, "/work", &params, offset, limit, total))
    };
    Ok(page(&c, l.t("Công việc", "Work items"), "/work", body).into_response())
}

/// `GET /work/{id}`.
pub async fn work_detail(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let w = st
        .store
        .work_item(&c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .ok_or_else(|| not_found(&c))?;
    let notes = st
        .store
        .work_notes(&c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let kind = w.kind;
    let state = w.state;
    let rule = match kind.closing_rule() {
        canhgac_domain::work::ClosingRule::ByPerson => l.t(
            "Đóng khi đơn vị báo cáo hoàn thành (kèm bằng chứng).",
            "Closes when the organisation reports it done (with evidence).",
        ),
        canhgac_domain::work::ClosingRule::ByProof(canhgac_domain::work::Proof::FreshInventory) => {
            l.t(
                "Chỉ đóng khi bản kiểm kê phần mềm mới cho thấy đã cập nhật bản vá.",
                "Closes only when a fresh software inventory shows the fixed version.",
            )
        }
        canhgac_domain::work::ClosingRule::ByProof(canhgac_domain::work::Proof::CleanRescan) => l
            .t(
                "Chỉ đóng khi lần quét lại không còn phát hiện.",
                "Closes only when a re-scan comes back clean.",
            ),
        canhgac_domain::work::ClosingRule::ByProof(
            canhgac_domain::work::Proof::AbsentFromNextList,
        ) => l.t(
            "Chỉ đóng khi địa chỉ không còn trong danh sách IP Botnet kỳ sau.",
            "Closes only when the address is absent from the next Botnet IP list.",
        ),
    };
    let body = html! {
        p.muted { a href="/work" { (l.t("Công việc", "Work items")) } " › #" (w.id) }
        h1 { (w.title) }
        div.card { dl.kv {
            dt { (l.t("Loại", "Kind")) } dd { (l.t(kind.label_vi(), kind.as_str())) }
            dt { (l.t("Đơn vị", "Organisation")) } dd { (w.org_code.clone().unwrap_or_default()) }
            dt { (l.t("Trạng thái", "State")) } dd { (l.t(state.label_vi(), state.as_str())) @if w.escalated == 1 { " " span.badge.sev-high { (l.t("Đã báo cáo cấp trên", "Escalated")) } } }
            dt { (l.t("Hạn", "Due")) } dd { (w.due_at.map(fmt_date).unwrap_or_default()) }
            dt { (l.t("Điều kiện đóng", "Closing rule")) } dd { (rule) }
        } }
        @if c.role.can_write() && state.is_open() {
            form.card method="post" action=(format!("/work/{}/event", w.id)) {
                (csrf(&c))
                div.grid2 {
                    div { label for="action" { (l.t("Thao tác", "Action")) } select #action name="action" {
                        @if state == WorkState::Open { option value="start" { (l.t("Bắt đầu thực hiện", "Start")) } }
                        @if state != WorkState::AwaitingProof { option value="report_done" { (l.t("Báo cáo đã hoàn thành", "Report done")) } }
                        option value="not_applicable" { (l.t("Không áp dụng (nêu lý do)", "Not applicable (give a reason)")) } } }
                    div { label for="evidence" { (l.t("Bằng chứng (đường dẫn, mã băm, mô tả)", "Evidence (link, hash, description)")) } input #evidence name="evidence"; }
                }
                p { label for="note" { (l.t("Đã làm gì / lý do", "What was done / reason")) } textarea #note name="note" {} }
                button type="submit" { (l.t("Ghi nhận", "Record")) }
            }
        }
        h2 { (l.t("Diễn biến", "History")) }
        table { thead { tr { th { (l.t("Thời gian", "When")) } th { (l.t("Người thực hiện", "Who")) } th { (l.t("Thao tác", "Action")) } th { (l.t("Nội dung", "Note")) } th { (l.t("Bằng chứng", "Evidence")) } } }
            tbody { @for n in &notes { tr { td { (fmt_datetime(n.at)) } td { (n.user_email) } td { (n.action) } td { (n.note.clone().unwrap_or_default()) } td { (n.evidence.clone().unwrap_or_default()) } } } } }
    };
    Ok(page(&c, &w.title, "/work", body).into_response())
}

/// `POST /work/{id}/event`.
pub async fn work_event(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    let note = f.get("note").map(|s| s.trim()).filter(|s| !s.is_empty());
    let event = match f.get("action").map(String::as_str) {
        Some("start") => WorkEvent::Start,
        Some("report_done") => WorkEvent::ReportDone,
        Some("not_applicable") => WorkEvent::NotApplicable {
            reason: note.unwrap_or_default().to_string(),
        },
        _ => {
            return Err(error_page(
                &c,
                StatusCode::BAD_REQUEST,
                "Thao tác không hợp lệ",
                "Invalid action",
            ))
        }
    };
    let evidence = f
        .get("evidence")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    match st
        .store
        .apply_work_event(&c.scope, &c.actor(), id, &event, note, evidence)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/work/{id}")).into_response()),
        Err(StoreError::Conflict(m)) => Err(error_page(
            &c,
            StatusCode::CONFLICT,
            &format!("Không thực hiện được: {m}"),
            &m,
        )),
        Err(e) => Err(store_error_page(&c, e)),
    }
}
