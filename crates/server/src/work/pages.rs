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
use canhgac_store::{StoreError, WorkFilter};
use maud::html;
use std::collections::HashMap;

/// `GET /signals`: every kind of signal, grouped for triage.
pub async fn signals_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let triage = super::triage::triage_body(&st, &c, &params, "/signals", None).await?;
    let body = html! {
        h1 { (l.t("Cảnh báo", "Signals")) }
        p.muted { (l.t("Mọi cảnh báo cần người xử lý, từ mọi nguồn: luật Sigma, danh sách IP Botnet, máy quét lỗ hổng, nền tảng quốc gia… ",
            "Everything raised that needs a person, from every source: Sigma rules, Botnet IP lists, scanners, the national platform… "))
            a href="/alerts" { (l.t("Chỉ cảnh báo Sigma (có luồng trực tiếp)", "Sigma alerts only (live)")) } }
        (triage)
    };
    Ok(page(&c, l.t("Cảnh báo", "Signals"), "/signals", body).into_response())
}

/// `POST /signals/bulk`: a state change or an assignment for every alert of the ticked
/// groups (`group`, repeated), each audited; back to the list with what was done.
pub async fn signals_bulk(
    State(st): State<AppState>,
    c: Caller,
    Form(f): Form<Vec<(String, String)>>,
) -> UiResult {
    let get = |k: &str| crate::ui::param(&f, k);
    let groups: Vec<i64> = f
        .iter()
        .filter(|(k, _)| k == "group")
        .filter_map(|(_, v)| v.parse().ok())
        .take(500)
        .collect();
    let back = get("back");
    // Only a path on this site (never `//host` or a full address).
    let back = if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back
    } else {
        "/signals".to_string()
    };
    // The list's own filter narrows the groups to what the caller saw.
    let q = match back.split_once('?') {
        Some((_, qs)) => super::triage::TriageQuery::parse(&super::triage::query_pairs(qs)),
        None => super::triage::TriageQuery::default(),
    };
    let kind = back
        .starts_with("/alerts")
        .then_some(SignalKind::SigmaAlert);
    let filter = q
        .filter(&st, kind, 1)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let ids = st
        .store
        .signals_in_groups(&c.scope, &filter, &groups)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let outcome = crate::work::bulk::apply(&st, &c, &ids, &get("action"), &get("user"))
        .await
        .map_err(|m| error_page(&c, StatusCode::UNPROCESSABLE_ENTITY, m.0, m.1))?;
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!(
        "{back}{sep}done={}&skipped={}",
        outcome.done, outcome.skipped
    ))
    .into_response())
}

/// `POST /signals/{id}/transition`.
pub async fn signal_transition(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    transition_from_form(&st, &c, id, &f).await?;
    let s = st
        .store
        .signal(&c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .ok_or_else(|| not_found(&c))?;
    Ok(Redirect::to(&super::triage::signal_href(&s)).into_response())
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
        overdue_at: (get("overdue") == "1").then(now_ms),
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
            div { label for="kind" { (l.t("Loại", "Kind")) } select #kind name="kind" { option value="" { (l.t("Tất cả", "All")) } @for k in WorkKind::ALL { option value=(k.as_str()) selected[get("kind") == k.as_str()] { (l.t(k.label_vi(), k.label_en())) } } } }
            div { label for="state" { (l.t("Trạng thái", "State")) } select #state name="state" { option value="" { (l.t("Tất cả", "All")) } @for s in WorkState::ALL { option value=(s.as_str()) selected[get("state") == s.as_str()] { (l.t(s.label_vi(), s.label_en())) } } } }
            div { label for="open" { (l.t("Chỉ việc đang mở", "Open only")) } input.check #open type="checkbox" name="open" value="1" checked[get("open") == "1"]; }
            div { label for="overdue" { (l.t("Chỉ việc quá hạn", "Overdue only")) } input.check #overdue type="checkbox" name="overdue" value="1" checked[get("overdue") == "1"]; }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        p.muted #work-total { (total) " " (l.t("công việc khớp bộ lọc", "work items match")) }
        table.records { thead { tr { th { (l.t("Công việc", "Work")) } th { (l.t("Loại", "Kind")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Hạn", "Due")) } th { (l.t("Trạng thái", "State")) } } }
            tbody { @for w in &items {
                @let state = w.state;
                tr { td { a href=(format!("/work/{}", w.id)) { span data-raw { (w.title) } } @if w.escalated == 1 { " " span.badge.sev-high { (l.t("Đã báo cáo cấp trên", "Escalated")) } } }
                    td { (l.t(w.kind.label_vi(), w.kind.label_en())) } td { (w.org_code.clone().unwrap_or_default()) }
                    td { @if let Some(d) = w.due_at { @if d < now && state.is_open() { span.badge.sev-high { (fmt_date(d)) } } @else { (fmt_date(d)) } } }
                    td { (l.t(state.label_vi(), state.label_en())) } } }
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
        canhgac_domain::work::ClosingRule::ByProof(canhgac_domain::work::Proof::CleanRescan)
            if kind == canhgac_domain::work::WorkKind::RemovalTask =>
        {
            l.t(
                "Chỉ đóng khi tác tử xác nhận đã cách ly tệp và lần quét lại sau đó không còn phát hiện.",
                "Closes only when the agent confirms the file quarantined and the re-scan after it comes back clean.",
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
    let about = about(&st, &c, &w).await?;
    let detail: serde_json::Value = w
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let now = now_ms();
    let body = html! {
        p.muted { a href="/work" { (l.t("Công việc", "Work items")) } " › " a href=(format!("/work?kind={}", kind.as_str())) { (l.t(kind.label_vi(), kind.label_en())) } " › #" (w.id) }
        h1 data-raw { (w.title) }
        div.card { dl.kv {
            dt { (l.t("Loại", "Kind")) } dd #work-kind { (l.t(kind.label_vi(), kind.label_en())) }
            dt { (l.t("Đơn vị", "Organisation")) } dd { a href=(format!("/orgs/{}", w.org_id)) { (w.org_code.clone().unwrap_or_default()) } }
            (about)
            dt { (l.t("Trạng thái", "State")) } dd #work-state { (l.t(state.label_vi(), state.label_en())) @if w.escalated == 1 { " " span.badge.sev-high { (l.t("Đã báo cáo cấp trên", "Escalated")) } } }
            dt { (l.t("Hạn", "Due")) } dd { @match w.due_at { Some(d) if d < now && state.is_open() => span.badge.sev-high { (fmt_date(d)) " — " (l.t("quá hạn", "overdue")) }, Some(d) => (fmt_date(d)), None => span.muted { (l.t("Không đặt hạn", "No deadline")) } } }
            @if let Some(k) = detail["kev_due"].as_i64() { dt { (l.t("Hạn theo danh mục KEV", "KEV due date")) } dd { (fmt_date(k)) } }
            @if let Some(pk) = detail["packages"].as_array() { dt { (l.t("Gói cần cập nhật", "Packages to update")) } dd { @for p in pk { code { (p.as_str().map(str::to_string).unwrap_or_else(|| p.to_string())) } " " } } }
            dt { (l.t("Điều kiện đóng", "Closing rule")) } dd #work-closing { (rule) }
            dt { (l.t("Tạo lúc", "Created")) } dd { (fmt_datetime(w.created_at)) }
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
        table #work-history { thead { tr { th { (l.t("Thời gian", "When")) } th { (l.t("Người thực hiện", "Who")) } th { (l.t("Thao tác", "Action")) } th { (l.t("Nội dung", "Note")) } th { (l.t("Bằng chứng", "Evidence")) } } }
            tbody { @for n in &notes { tr { td { (fmt_datetime(n.at)) } td { (crate::ui::fmt::actor(l, &n.user_email)) }
                td { (crate::ui::fmt::work_action(l, &n.action)) }
                td { span data-raw { (n.note.clone().unwrap_or_default()) } } td { span data-raw { (n.evidence.clone().unwrap_or_default()) } } } }
                @if notes.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa có thao tác nào", "Nothing done yet")) } } } } }
    };
    Ok(page(&c, &w.title, "/work", body).into_response())
}

/// What a work item is about, as rows of the record's card: its host, the signal it came
/// from, the advisory, finding or listed address of its subject.
async fn about(
    st: &AppState,
    c: &Caller,
    w: &canhgac_store::WorkItemRow,
) -> Result<maud::Markup, axum::response::Response> {
    let l = c.lang;
    let err = |e| store_error_page(c, e);
    let host = match w.host_id {
        Some(h) => Some(crate::monitoring::common::host_cell(st, c, Some(h), "").await?),
        None => None,
    };
    let signal = match w.signal_id {
        Some(s) => st.store.signal(&c.scope, s).await.map_err(err)?,
        None => None,
    };
    let subject = w.subject.clone().unwrap_or_default();
    let mut parts = subject.splitn(3, ':');
    let (a, b, rest) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let advisory = if a == "patch" {
        st.store
            .advisory_id(rest)
            .await
            .map_err(err)?
            .map(|id| (id, rest.to_string()))
    } else {
        None
    };
    let finding = if a == "vuln" {
        let host_id: i64 = b.parse().unwrap_or_default();
        st.store
            .scan_findings_of(&c.scope, Some(host_id), None)
            .await
            .map_err(err)?
            .into_iter()
            .find(|f| f.vuln_key == rest)
    } else {
        None
    };
    Ok(html! {
        @if let Some(h) = host { dt { (l.t("Máy", "Host")) } dd #work-host { (h) } }
        @if let Some(s) = &signal { dt { (l.t("Từ cảnh báo", "From the signal")) } dd #work-signal { a href=(super::triage::signal_href(s)) { (s.title) } } }
        @if a == "botnet" { dt { (l.t("Địa chỉ trong danh sách Botnet", "Address on the Botnet list")) } dd #work-subject { code { (rest) } " · "
            a href=(format!("/search?q={}", urlencoding::encode(rest))) { (l.t("các danh sách có địa chỉ này", "the lists holding it")) } " · "
            a href=(format!("/events?q={}", urlencoding::encode(rest))) { (l.t("tìm trong nhật ký đã lưu", "search the stored logs")) } } }
        @if a == "malware" { dt { (l.t("Cảnh báo mã độc", "Malware alert")) } dd #work-subject { a href=(format!("/malware/alerts/{rest}")) { (l.t("Xem tệp, bằng chứng và lệnh cách ly", "The file, the evidence and the quarantine")) } " · " a href=(format!("/agents/{b}")) { (l.t("tác tử trên máy", "the host's agent")) } } }
        @if a == "directive" { dt { (l.t("Văn bản chỉ đạo", "Directive")) } dd #work-subject { a href=(format!("/directives/{b}#task-{}", w.id)) { (l.t("Xem văn bản và tình hình thực hiện", "The directive and its progress")) } } }
        @if let Some((id, ext)) = &advisory { dt { (l.t("Khuyến cáo", "Advisory")) } dd #work-subject { a href=(format!("/advisories/{id}")) { (ext) } } }
        @if let Some(f) = &finding { dt { (l.t("Lỗ hổng (rà quét)", "Scanner finding")) } dd #work-subject { (severity(l, &f.severity)) " " (f.title)
            @if !f.cves.is_empty() { " · " (f.cves) } @if let Some(p) = &f.port { " · " (l.t("cổng", "port")) " " (p) } " · "
            (if f.state == "open" { l.t("còn mở", "open") } else { l.t("đã khắc phục", "fixed") }) } }
    })
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
