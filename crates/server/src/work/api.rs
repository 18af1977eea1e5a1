//! Signals and work items API.

#[allow(unused_imports)]
use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use canhgac_domain::signal::SignalState;
use canhgac_domain::work::{WorkEvent, WorkKind, WorkState};
use canhgac_store::{NewWorkItem, WorkFilter};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

#[utoipa::path(
    get,
    path = "/signals",
    tag = "work",
    summary = "List signals. Filters: kind, state, open=1, severity, org (code), rule (source), host, ip (attacker), q (words), range (15m|1h|24h|7d|30d) or from/to (dd/mm/yyyy hh:mm), sort (newest|oldest|severity|count|org|host|title), limit, offset",
    responses((status = 200, description = "Done", body = Page<canhgac_store::SignalRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_signals(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<canhgac_store::SignalRow>>> {
    let (items, total) = st
        .store
        .list_signals(&c.scope, &api_filter(&st, &p).await?)
        .await?;
    Ok(Json(Page::new(items, total)))
}

/// The signal filter of an API query (the same parameters as the pages).
async fn api_filter(
    st: &AppState,
    p: &HashMap<String, String>,
) -> Result<canhgac_store::SignalFilter, ApiError> {
    let (limit, offset) = page_params(p);
    let f = super::triage::TriageQuery::from_map(p)
        .filter(st, None, limit.unwrap_or(50))
        .await?;
    Ok(canhgac_store::SignalFilter {
        offset,
        ..f
    })
}

#[utoipa::path(
    get,
    path = "/signals/groups",
    tag = "work",
    summary = "Signals grouped for triage: alerts of one kind, organisation and host within 10 minutes of the group's first, every member listed. Same filters as /signals",
    responses((status = 200, description = "Done", body = Page<canhgac_store::AlertGroup>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn signal_groups(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<canhgac_store::AlertGroup>>> {
    let f = api_filter(&st, &p).await?;
    let items = st.store.alert_group_page(&c.scope, &f).await?;
    let total = super::triage::group_count(&st, &c, &f).await?;
    Ok(Json(Page::new(items, total)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct BulkBody {
    /// Signal ids.
    #[serde(default)]
    ids: Vec<i64>,
    /// Group ids (every member in the caller's scope).
    #[serde(default)]
    groups: Vec<i64>,
    /// A state's wire name, or `assign`.
    action: String,
    /// The account to assign to (with `assign`).
    user_id: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/signals/bulk",
    tag = "work",
    summary = "One state change or assignment for many signals: {\"ids\": [..] and/or \"groups\": [..], \"action\": \"acknowledged\"|…|\"assign\", \"user_id\": n}; each change audited",
    request_body = BulkBody,
    responses((status = 200, description = "Done", body = super::bulk::Outcome), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn bulk_signals(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult<Json<super::bulk::Outcome>> {
    if b.ids.len() + b.groups.len() > 1000 {
        return Err(ApiError::bad(
            "Tối đa 1000 cảnh báo hoặc nhóm mỗi lần",
            "At most 1000 signals or groups at a time",
        ));
    }
    let mut ids = st
        .store
        .signals_in_groups(&c.scope, &canhgac_store::SignalFilter::default(), &b.groups)
        .await?;
    for id in b.ids {
        if !ids.contains(&id) && st.store.signal(&c.scope, id).await?.is_some() {
            ids.push(id);
        }
    }
    let user = b.user_id.map(|u| u.to_string()).unwrap_or_default();
    let out = super::bulk::apply(&st, &c, &ids, &b.action, &user)
        .await
        .map_err(|r| ApiError::bad(r.0, r.1))?;
    Ok(Json(out))
}

#[utoipa::path(
    get,
    path = "/signals/{id}",
    tag = "work",
    summary = "One signal",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = canhgac_store::SignalRow), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_signal(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<canhgac_store::SignalRow>> {
    let s = st
        .store
        .signal(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(s))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TransitionBody {
    state: String,
}

#[utoipa::path(
    post,
    path = "/signals/{id}/transition",
    tag = "work",
    summary = "Move a signal: {\"state\": \"acknowledged\"|...}",
    params(("id" = i64, Path, description = "Record id")),
    request_body = TransitionBody,
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn transition_signal(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TransitionBody>,
) -> ApiResult<Json<Value>> {
    let to = SignalState::parse(&b.state).ok_or_else(|| {
        ApiError::bad(
            format!("Trạng thái '{}' không tồn tại", b.state),
            format!(
                "No state '{}'; one of new, acknowledged, in_progress, resolved, false_positive",
                b.state
            ),
        )
    })?;
    Ok(Json(json!(
        st.store
            .transition_signal(&c.scope, &c.actor(), id, to)
            .await?
    )))
}

#[utoipa::path(
    get,
    path = "/work-items",
    tag = "work",
    summary = "List work items (filters: kind, state, open)",
    responses((status = 200, description = "Done", body = Page<canhgac_store::WorkItemRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_work(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<canhgac_store::WorkItemRow>>> {
    let (limit, offset) = page_params(&p);
    let f = WorkFilter {
        kind: p.get("kind").and_then(|k| WorkKind::parse(k)),
        state: p.get("state").and_then(|k| WorkState::parse(k)),
        open_only: p.get("open").is_some_and(|v| v == "true" || v == "1"),
        overdue_at: p
            .get("overdue")
            .is_some_and(|v| v == "true" || v == "1")
            .then(canhgac_domain::time::now_ms),
        limit,
        offset,
    };
    let (items, total) = st.store.list_work_items(&c.scope, &f).await?;
    Ok(Json(Page::new(items, total)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct WorkBody {
    kind: Option<String>,
    title: String,
    org: Option<String>,
    org_id: Option<i64>,
    host_id: Option<i64>,
    due: Option<String>,
    detail: Option<Value>,
}

#[utoipa::path(
    post,
    path = "/work-items",
    tag = "work",
    summary = "Create a work item closed by a person's word",
    request_body = WorkBody,
    responses((status = 201, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn create_work(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<WorkBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind = match b.kind.as_deref() {
        None => WorkKind::General,
        Some(k) => WorkKind::parse(k).ok_or_else(|| {
            ApiError::bad(
                format!("Loại công việc '{k}' không tồn tại"),
                format!("No work kind '{k}'"),
            )
        })?,
    };
    if kind.closing_rule() != canhgac_domain::work::ClosingRule::ByPerson {
        return Err(ApiError::bad(
            "Loại công việc này do hệ thống tạo ra từ cảnh báo, danh sách hoặc kiểm kê",
            "Work of this kind is created by the platform from its advisories, lists or scans",
        ));
    }
    let org_id = match (b.org_id, b.org.as_deref()) {
        (Some(id), _) => id,
        (None, Some(code)) => *st
            .store
            .org_codes()
            .await?
            .get(&code.trim().to_uppercase())
            .ok_or_else(|| {
                ApiError::bad(
                    format!("Không có đơn vị mã '{code}'"),
                    format!("No organisation with code '{code}'"),
                )
            })?,
        (None, None) => c
            .user
            .org_id
            .ok_or_else(|| ApiError::bad("Thiếu đơn vị (org)", "org is required"))?,
    };
    if b.title.trim().is_empty() {
        return Err(ApiError::bad("Thiếu tiêu đề", "title is required"));
    }
    let due_at = match b.due.as_deref() {
        None | Some("") => None,
        Some(d) => Some(canhgac_domain::time::parse_date(d).ok_or_else(|| {
            ApiError::bad(
                format!("Ngày '{d}' không hợp lệ (dd/mm/yyyy)"),
                format!("Date '{d}' is not valid (dd/mm/yyyy)"),
            )
        })?),
    };
    let w = NewWorkItem {
        kind,
        title: b.title.trim().to_string(),
        org_id,
        host_id: b.host_id,
        signal_id: None,
        due_at,
        detail: b.detail.unwrap_or(Value::Null),
        subject: None,
    };
    Ok((
        StatusCode::CREATED,
        Json(json!(
            st.store.create_work_item(&c.scope, &c.actor(), &w).await?
        )),
    ))
}

#[utoipa::path(
    get,
    path = "/work-items/{id}",
    tag = "work",
    summary = "One work item with its notes",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_work(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let w = st
        .store
        .work_item(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let notes = st.store.work_notes(&c.scope, id).await?;
    let mut v = json!(w);
    v["notes"] = json!(notes);
    Ok(Json(v))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct WorkEventBody {
    action: String,
    reason: Option<String>,
    note: Option<String>,
    evidence: Option<String>,
}

#[utoipa::path(
    post,
    path = "/work-items/{id}/events",
    tag = "work",
    summary = "start, report_done or not_applicable (with reason), with note and evidence",
    params(("id" = i64, Path, description = "Record id")),
    request_body = WorkEventBody,
    responses((status = 200, description = "Done", body = canhgac_store::WorkItemRow), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn work_event(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<WorkEventBody>,
) -> ApiResult<Json<canhgac_store::WorkItemRow>> {
    // Proof events are the platform's; a person can only start, report done or waive.
    let event = match b.action.as_str() {
        "start" => WorkEvent::Start,
        "report_done" => WorkEvent::ReportDone,
        "not_applicable" => WorkEvent::NotApplicable {
            reason: b.reason.clone().unwrap_or_default(),
        },
        other => {
            return Err(ApiError::bad(
                format!(
                    "Thao tác '{other}' không hợp lệ; dùng start, report_done hoặc not_applicable"
                ),
                format!(
                    "Action '{other}' is not allowed; use start, report_done or not_applicable"
                ),
            ))
        }
    };
    let w = st
        .store
        .apply_work_event(
            &c.scope,
            &c.actor(),
            id,
            &event,
            b.note.as_deref(),
            b.evidence.as_deref(),
        )
        .await?;
    Ok(Json(w))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct AssignBody {
    /// The assignee's e-mail, or null to unassign.
    user: Option<String>,
}

#[utoipa::path(
    post,
    path = "/signals/{id}/assign",
    tag = "work",
    summary = "Assign a signal: {\"user\": \"email\"|null}",
    params(("id" = i64, Path, description = "Record id")),
    request_body = AssignBody,
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn assign_signal(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AssignBody>,
) -> ApiResult<Json<Value>> {
    let sig = st
        .store
        .signal(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (assignee, sees) = match b.user.as_deref().filter(|s| !s.is_empty()) {
        None => (None, true),
        Some(email) => {
            let u = st.store.user_by_email(email).await?.ok_or_else(|| {
                ApiError::bad(
                    format!("Không có tài khoản {email}"),
                    format!("No user {email}"),
                )
            })?;
            // The assignee must be allowed to see the alert, and the caller allowed to see them.
            if let Some(o) = u.org_id {
                if !c.scope.contains(o) {
                    return Err(ApiError::bad(
                        format!("Không có tài khoản {email}"),
                        format!("No user {email}"),
                    ));
                }
            } else if !c.role.is_dic() {
                return Err(ApiError::bad(
                    format!("Không có tài khoản {email}"),
                    format!("No user {email}"),
                ));
            }
            let sees = match sig.org_id {
                Some(o) => crate::auth::scope_of(&st, &u).await?.contains(o),
                None => u.role().is_dic(),
            };
            (Some(u.id), sees)
        }
    };
    st.store
        .assign_signal(&c.scope, &c.actor(), id, assignee, sees)
        .await?;
    Ok(Json(json!(st.store.signal(&c.scope, id).await?)))
}

#[utoipa::path(
    get,
    path = "/signals/{id}/notes",
    tag = "work",
    summary = "Notes (comments) on a signal",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn signal_notes(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let items = st.store.signal_notes(&c.scope, id).await?;
    Ok(Json(json!({"items": items})))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NoteBody {
    note: String,
}

#[utoipa::path(
    post,
    path = "/signals/{id}/notes",
    tag = "work",
    summary = "Add a note: {\"note\": \"…\"}",
    params(("id" = i64, Path, description = "Record id")),
    request_body = NoteBody,
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn add_signal_note(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NoteBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        st.store
            .add_signal_note(&c.scope, &c.actor(), id, &b.note)
            .await?
    )))
}
