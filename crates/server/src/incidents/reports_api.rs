//! The incident-reports API: deadlines and reports of an incident, saving a version, sending,
//! and the six-monthly summary.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use canhgac_domain::report::{HalfYear, ReportKind};
use canhgac_domain::time::now_ms;
use canhgac_ops::reports::{self as rep, SendError};
use canhgac_store::{CategoryCount, EscalationRow, ReportRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A report's deadline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DeadlineOut {
    /// `initial` or `closing`.
    kind: String,
    /// Due (Unix ms; the next day's 00:00 in Viet Nam time).
    due_at: i64,
    /// `detection`, `support_requested` or `response_ended`.
    basis: String,
    /// `sent_on_time`, `sent_late`, `pending` or `overdue`.
    state: String,
}

/// An incident's reports, deadlines and escalations.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ReportsOut {
    deadlines: Vec<DeadlineOut>,
    reports: Vec<ReportRow>,
    escalations: Vec<EscalationRow>,
}

fn state_word(s: canhgac_domain::report::DueState) -> &'static str {
    use canhgac_domain::report::DueState::*;
    match s {
        SentOnTime => "sent_on_time",
        SentLate => "sent_late",
        Pending => "pending",
        Overdue => "overdue",
    }
}

fn kind_of(s: &str) -> ApiResult<ReportKind> {
    match ReportKind::parse(s) {
        Some(k @ (ReportKind::Initial | ReportKind::Closing)) => Ok(k),
        _ => Err(ApiError::bad("Loại báo cáo là initial hoặc closing.", "The report kind is initial or closing.")),
    }
}

#[utoipa::path(
    get,
    path = "/incidents/{id}/reports",
    tag = "incidents",
    summary = "An incident's report deadlines (Mẫu 03 initial, Mẫu 04 closing), its reports and escalations",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "Done", body = ReportsOut), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn incident_reports(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<ReportsOut>> {
    let inc = st.store.incident(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let dls = rep::deadlines(&st.store, &c.scope, &inc, now_ms()).await?;
    Ok(Json(ReportsOut {
        deadlines: dls
            .into_iter()
            .map(|d| DeadlineOut { kind: d.kind.as_str().into(), due_at: d.due.at, basis: d.due.basis.as_str().into(), state: state_word(d.state).into() })
            .collect(),
        reports: st.store.incident_reports(&c.scope, id).await?,
        escalations: st.store.escalations(&c.scope, id).await?,
    }))
}

/// A report: its number and fields (saved or, before the first save, filled from the record).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ReportOut {
    kind: String,
    number: String,
    /// The form's fields in order: key and label.
    template: Vec<(String, String)>,
    fields: BTreeMap<String, String>,
    /// The stored report (absent before the first save).
    report: Option<ReportRow>,
}

#[utoipa::path(
    get,
    path = "/incidents/{id}/reports/{kind}",
    tag = "incidents",
    summary = "A report (kind initial or closing): the latest version, or a draft filled from the incident's record",
    params(("id" = i64, Path, description = "Incident id"), ("kind" = String, Path, description = "initial or closing")),
    responses((status = 200, description = "Done", body = ReportOut), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_report(State(st): State<AppState>, c: Caller, Path((id, kind)): Path<(i64, String)>) -> ApiResult<Json<ReportOut>> {
    let kind = kind_of(&kind)?;
    let inc = st.store.incident(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let (f, row) = rep::current(&st.store, &c.scope, &inc, kind, now_ms()).await?;
    Ok(Json(ReportOut { kind: kind.as_str().into(), number: f.number, template: f.template.fields, fields: f.fields, report: row }))
}

/// A version to save.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ReportBody {
    /// The report's number (kept when absent).
    number: Option<String>,
    /// Field key → value; keys not in the form's template are refused.
    fields: BTreeMap<String, String>,
}

#[utoipa::path(
    put,
    path = "/incidents/{id}/reports/{kind}",
    tag = "incidents",
    summary = "Save a report's fields as a new version: {\"number\": …, \"fields\": {key: value}}",
    params(("id" = i64, Path, description = "Incident id"), ("kind" = String, Path, description = "initial or closing")),
    request_body = ReportBody,
    responses((status = 200, description = "Saved", body = ReportRow), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn save_report(State(st): State<AppState>, c: Caller, Path((id, kind)): Path<(i64, String)>, ApiJson(b): ApiJson<ReportBody>) -> ApiResult<Json<ReportRow>> {
    let kind = kind_of(&kind)?;
    let inc = st.store.incident(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let (f, _) = rep::current(&st.store, &c.scope, &inc, kind, now_ms()).await?;
    if let Some(k) = b.fields.keys().find(|k| !f.template.fields.iter().any(|(t, _)| t == *k)) {
        return Err(ApiError::bad(format!("Mẫu không có mục `{k}`."), format!("The form has no field `{k}`.")));
    }
    if let Some((k, _)) = b.fields.iter().find(|(_, v)| v.len() > 20_000) {
        return Err(ApiError::bad(format!("Mục `{k}` dài quá 20 000 ký tự."), format!("Field `{k}` is longer than 20,000 characters.")));
    }
    let number = b.number.unwrap_or(f.number);
    Ok(Json(st.store.save_incident_report(&c.scope, &c.actor(), id, kind, &number, &b.fields, now_ms()).await?))
}

/// Recipients.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct SendBody {
    /// E-mail addresses (at most 20).
    to: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/incidents/{id}/reports/{kind}/send",
    tag = "incidents",
    summary = "E-mail the saved report (PDF attached, subject with the [TBSC] prefix in force) to the addresses given: {\"to\": [..]}",
    params(("id" = i64, Path, description = "Incident id"), ("kind" = String, Path, description = "initial or closing")),
    request_body = SendBody,
    responses((status = 200, description = "Sent", body = ReportRow), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn send_report(State(st): State<AppState>, c: Caller, Path((id, kind)): Path<(i64, String)>, ApiJson(b): ApiJson<SendBody>) -> ApiResult<Json<ReportRow>> {
    let kind = kind_of(&kind)?;
    let inc = st.store.incident(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    match rep::send(&st.store, st.config.mailer.as_deref(), &c.scope, &c.actor(), &inc, kind, &b.to, now_ms()).await {
        Ok(r) => Ok(Json(r)),
        Err(SendError::Store(e)) => Err(e.into()),
        Err(e @ SendError::Smtp(_)) => Err(ApiError::new(StatusCode::BAD_GATEWAY, "Máy chủ thư không nhận thư; báo cáo chưa được gửi.", e.to_string())),
        Err(e) => Err(ApiError::bad("Chưa gửi được báo cáo.", e.to_string())),
    }
}

/// The six-monthly summary.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SummaryOut {
    year: i32,
    half: u8,
    counts: Vec<CategoryCount>,
    total: i64,
    serious: i64,
    closed: i64,
}

#[utoipa::path(
    get,
    path = "/incidents/summary",
    tag = "incidents",
    summary = "The six-monthly summary (Mẫu 05): incidents detected in the half-year in your scope by category; year and half=1|2 (default: the current one)",
    responses((status = 200, description = "Done", body = SummaryOut), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn summary(State(st): State<AppState>, c: Caller, Query(p): Query<HashMap<String, String>>) -> ApiResult<Json<SummaryOut>> {
    let half = match (p.get("year").and_then(|y| y.parse::<i32>().ok()), p.get("half").and_then(|h| h.parse::<u8>().ok())) {
        (Some(year), Some(half @ 1..=2)) if (2000..=2100).contains(&year) => HalfYear { year, half },
        (None, None) => HalfYear::of(now_ms()),
        _ => return Err(ApiError::bad("year (2000–2100) và half (1 hoặc 2) đi cùng nhau.", "year (2000–2100) and half (1 or 2) go together.")),
    };
    let s = rep::summary(&st.store, &c.scope, half).await?;
    Ok(Json(SummaryOut { year: half.year, half: half.half, counts: s.counts, total: s.total, serious: s.serious, closed: s.closed }))
}
