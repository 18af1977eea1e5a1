//! The incidents API.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use canhgac_ops::incidents::{self, IncidentForm};
use canhgac_store::{IncidentFilter, IncidentRow, PlanRow};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// An incident with what it links to.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct IncidentDetail {
    pub(crate) incident: IncidentRow,
    pub(crate) assets: Vec<canhgac_store::AssetRow>,
    pub(crate) signals: Vec<canhgac_store::SignalRow>,
    pub(crate) tasks: Vec<canhgac_store::WorkItemRow>,
    pub(crate) timeline: Vec<canhgac_store::TimelineRow>,
    pub(crate) observables: Vec<canhgac_store::ObservableRow>,
    pub(crate) checks: Vec<incidents::ObservableCheck>,
    pub(crate) evidence: Vec<canhgac_store::EvidenceRow>,
}

#[utoipa::path(
    get,
    path = "/incidents",
    tag = "incidents",
    summary = "Incidents in your scope, newest first. Filters: stage, open=1, org_id, q (words), limit, offset",
    responses((status = 200, description = "Done", body = Page<IncidentRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_incidents(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<IncidentRow>>> {
    let f = IncidentFilter {
        stage: p.get("stage").cloned(),
        open_only: p.get("open").is_some_and(|v| v == "1"),
        org_id: p.get("org_id").and_then(|v| v.parse().ok()),
        q: p.get("q").cloned().filter(|q| !q.trim().is_empty()),
        limit: p.get("limit").and_then(|v| v.parse().ok()),
        offset: p.get("offset").and_then(|v| v.parse().ok()),
    };
    let (items, total) = st.store.list_incidents(&c.scope, &f).await?;
    Ok(Json(Page::new(items, total)))
}

#[utoipa::path(
    post,
    path = "/incidents",
    tag = "incidents",
    summary = "Open an incident: title, category (malware|intrusion|encryption|destruction|data_theft|denial_of_service|defacement|phishing|botnet|combined|other), impacts, beyond_owner, tlp, techniques (ATT&CK ids), started_at/detected_at (Unix ms), hosts, systems, orgs, signals; the Decision 05 severity is computed (gravity + gravity_reason override it)",
    request_body = IncidentForm,
    responses((status = 200, description = "Opened", body = IncidentRow), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn create_incident(
    State(st): State<AppState>,
    c: Caller,
    Json(f): Json<IncidentForm>,
) -> ApiResult<Json<IncidentRow>> {
    let inc = incidents::open(&st.store, &c.scope, &c.actor(), c.user.org_id, &f).await?;
    Ok(Json(inc))
}

/// Everything about one incident (in scope).
pub(crate) async fn detail(st: &AppState, c: &Caller, id: i64) -> ApiResult<IncidentDetail> {
    let s = &st.store;
    let incident = s.incident(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let observables = s.incident_observables(&c.scope, id).await?;
    let checks = incidents::check_observables(s, &c.scope, &observables).await?;
    Ok(IncidentDetail {
        assets: s.incident_assets(&c.scope, id).await?,
        signals: s.incident_signals(&c.scope, id).await?,
        tasks: s.incident_tasks(&c.scope, id).await?,
        timeline: s.incident_timeline(&c.scope, id).await?,
        evidence: s.incident_evidence(&c.scope, id).await?,
        observables,
        checks,
        incident,
    })
}

#[utoipa::path(
    get,
    path = "/incidents/{id}",
    tag = "incidents",
    summary = "One incident with its affected hosts and systems, signals, plan tasks, timeline, observables (with what the threat lists and events say of each) and evidence",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "Done", body = IncidentDetail), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_incident(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<IncidentDetail>> {
    Ok(Json(detail(&st, &c, id).await?))
}

/// A stage change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct StageBody {
    /// triaged, contained, eradicated, recovered or closed (forward only).
    stage: String,
    /// A note for the timeline.
    #[serde(default)]
    note: String,
}

#[utoipa::path(
    post,
    path = "/incidents/{id}/stage",
    tag = "incidents",
    summary = "Move an incident forward: {\"stage\": …, \"note\": …}; the time of the stage is kept",
    params(("id" = i64, Path, description = "Incident id")),
    request_body = StageBody,
    responses((status = 200, description = "Moved", body = IncidentRow), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn move_incident(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Json(b): Json<StageBody>,
) -> ApiResult<Json<IncidentRow>> {
    Ok(Json(
        incidents::advance(&st.store, &c.scope, &c.actor(), id, &b.stage, &b.note).await?,
    ))
}

/// A timeline note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct NoteBody {
    /// What happened or was done.
    note: String,
}

#[utoipa::path(
    post,
    path = "/incidents/{id}/notes",
    tag = "incidents",
    summary = "Write a note on an incident's timeline: {\"note\": …}",
    params(("id" = i64, Path, description = "Incident id")),
    request_body = NoteBody,
    responses((status = 200, description = "Written", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn add_note(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Json(b): Json<NoteBody>,
) -> ApiResult<Json<Value>> {
    if b.note.trim().is_empty() {
        return Err(ApiError::bad("Ghi chú trống.", "The note is empty."));
    }
    st.store
        .add_incident_entry(&c.scope, &c.actor(), id, "note", &b.note, None)
        .await?;
    Ok(Json(json!({"written": true})))
}

/// A severity change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct GravityBody {
    /// ordinary or serious.
    gravity: String,
    /// Why (needed when it differs from the rule's result).
    #[serde(default)]
    reason: String,
}

#[utoipa::path(
    post,
    path = "/incidents/{id}/gravity",
    tag = "incidents",
    summary = "Set the severity in force: {\"gravity\": ordinary|serious, \"reason\": …} (the reason is needed when it differs from Decision 05's result)",
    params(("id" = i64, Path, description = "Incident id")),
    request_body = GravityBody,
    responses((status = 200, description = "Set", body = IncidentRow), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn set_gravity(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Json(b): Json<GravityBody>,
) -> ApiResult<Json<IncidentRow>> {
    let inc = st
        .store
        .incident(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let g = canhgac_domain::incident::Gravity::parse(&b.gravity)
        .ok_or_else(|| ApiError::bad("Mức độ không hợp lệ.", "Unknown severity."))?;
    if g.as_str() != inc.gravity_computed && b.reason.trim().is_empty() {
        return Err(ApiError::bad(
            "Khi chọn mức độ khác với mức tính theo Quyết định 05, hãy ghi lý do.",
            "Give the reason for a severity other than Decision 05's.",
        ));
    }
    Ok(Json(
        st.store
            .set_incident_gravity(&c.scope, &c.actor(), id, g, &b.reason)
            .await?,
    ))
}

/// A signal to link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct LinkBody {
    /// Signal id.
    signal_id: i64,
}

#[utoipa::path(
    post,
    path = "/incidents/{id}/signals",
    tag = "incidents",
    summary = "Join a signal (any kind) to an incident: {\"signal_id\": n}",
    params(("id" = i64, Path, description = "Incident id")),
    request_body = LinkBody,
    responses((status = 200, description = "Linked", body = Object), Refusals),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn link_signal(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Json(b): Json<LinkBody>,
) -> ApiResult<Json<Value>> {
    st.store
        .link_signal(&c.scope, &c.actor(), id, b.signal_id)
        .await?;
    Ok(Json(json!({"linked": b.signal_id})))
}

/// A plan to start.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct PlanBody {
    /// Plan id.
    plan_id: i64,
}

#[utoipa::path(
    post,
    path = "/incidents/{id}/plan",
    tag = "incidents",
    summary = "Start a response plan on an incident: each step becomes a task of the incident's organisation with its time limit",
    params(("id" = i64, Path, description = "Incident id")),
    request_body = PlanBody,
    responses((status = 200, description = "Started: the task ids", body = Object), Refusals),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn start_plan(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Json(b): Json<PlanBody>,
) -> ApiResult<Json<Value>> {
    let tasks = st
        .store
        .start_plan(&c.scope, &c.actor(), id, b.plan_id)
        .await?;
    Ok(Json(json!({"tasks": tasks})))
}

/// An observable.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ObservableBody {
    /// ip, domain, url, hash, account or email.
    kind: String,
    /// The value.
    value: String,
    /// A note.
    note: Option<String>,
}

#[utoipa::path(
    post,
    path = "/incidents/{id}/observables",
    tag = "incidents",
    summary = "Add an observable: {\"kind\": ip|domain|url|hash|account|email, \"value\": …, \"note\": …}",
    params(("id" = i64, Path, description = "Incident id")),
    request_body = ObservableBody,
    responses((status = 200, description = "Added: its id", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn add_observable(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Json(b): Json<ObservableBody>,
) -> ApiResult<Json<Value>> {
    let oid = incidents::add_observable(
        &st.store,
        &c.scope,
        &c.actor(),
        id,
        &b.kind,
        &b.value,
        b.note.as_deref(),
    )
    .await?;
    Ok(Json(json!({"id": oid})))
}

#[utoipa::path(
    get,
    path = "/incidents/{id}/observables/export",
    tag = "incidents",
    summary = "The incident's observables for sharing: format=stix (a STIX 2.1 bundle, the default) or misp (a MISP event)",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "The bundle or event", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn export_observables(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let inc = st
        .store
        .incident(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let obs = st.store.incident_observables(&c.scope, id).await?;
    Ok(Json(match p.get("format").map(String::as_str) {
        Some("misp") => incidents::misp_event(&inc, &obs),
        _ => incidents::stix_bundle(&inc, &obs),
    }))
}

#[utoipa::path(
    get,
    path = "/plans",
    tag = "incidents",
    summary = "Response plans you may start: the province's templates and your organisations' own copies",
    responses((status = 200, description = "Done", body = [PlanRow]), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_plans(
    State(st): State<AppState>,
    c: Caller,
) -> ApiResult<Json<Vec<PlanRow>>> {
    Ok(Json(st.store.list_plans(&c.scope).await?))
}
