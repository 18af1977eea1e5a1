//! The reports API: a month's figures, the scorecards, a heightened period's summary — each for
//! the caller's scope, the same figures the documents print — and the schedules with their copies.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use canhgac_domain::time::now_ms;
use canhgac_ops::summaries::{self as sums, Built, Lang, Month, ScheduleForm, Scorecard};
use canhgac_store::{RunRow, ScheduleRow};
use std::collections::HashMap;

/// The month asked for (`yyyy-mm`), or the current one (so far).
pub(crate) fn month_of(p: &HashMap<String, String>) -> Result<Month, ApiError> {
    match p.get("month").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(Month::of(now_ms())),
        Some(s) => Month::parse(s).ok_or_else(|| ApiError::bad("month là tháng dạng yyyy-mm.", "month is yyyy-mm.")),
    }
}

/// The organisation a caller's report is issued by: their own unless they see the province.
pub(crate) fn issuer(c: &Caller) -> Option<i64> {
    c.scope.ids().and(c.user.org_id)
}

#[utoipa::path(
    get,
    path = "/reports/monthly",
    tag = "reports",
    summary = "A month's figures in your scope: totals and per organisation, as the monthly report prints them",
    params(("month" = Option<String>, Query, description = "yyyy-mm (default: this month so far)")),
    responses((status = 200, description = "Done", body = Built), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn monthly(State(st): State<AppState>, c: Caller, Query(p): Query<HashMap<String, String>>) -> ApiResult<Json<Built>> {
    let m = month_of(&p)?;
    Ok(Json(sums::monthly(&st.store, &c.scope, issuer(&c), m, Lang::Vi, now_ms()).await?))
}

#[utoipa::path(
    get,
    path = "/reports/scorecards",
    tag = "reports",
    summary = "The scorecards of the organisations in your scope for a month, best first",
    params(("month" = Option<String>, Query, description = "yyyy-mm (default: this month so far)")),
    responses((status = 200, description = "Done", body = Vec<Scorecard>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn scorecards(State(st): State<AppState>, c: Caller, Query(p): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<Scorecard>>> {
    let m = month_of(&p)?;
    Ok(Json(sums::scorecards(&st.store, &c.scope, issuer(&c), m, Lang::Vi, now_ms()).await?.0))
}

#[utoipa::path(
    get,
    path = "/reports/periods/{id}",
    tag = "reports",
    summary = "A heightened period's summary in your scope",
    params(("id" = i64, Path, description = "Period id")),
    responses((status = 200, description = "Done", body = Built), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn period(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<Built>> {
    let p = st.store.period(id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(sums::period_summary(&st.store, &c.scope, issuer(&c), &p, Lang::Vi, now_ms()).await?))
}

#[utoipa::path(
    get,
    path = "/reports/schedules",
    tag = "reports",
    summary = "Report schedules in your scope",
    responses((status = 200, description = "Done", body = Vec<ScheduleRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_schedules(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Vec<ScheduleRow>>> {
    Ok(Json(st.store.report_schedules(&c.scope).await?))
}

/// A schedule as sent.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct ScheduleBody {
    /// Whose figures (an organisation in your scope; the DIC: the province).
    org_id: i64,
    /// `daily`, `monthly` or `scorecard`.
    kind: String,
    /// `pdf`, `xlsx` or `csv`.
    format: String,
    /// `vi` or `en`.
    #[serde(default = "vi")]
    lang: String,
    /// Up to 20 addresses.
    recipients: Vec<String>,
    /// Hour of the day, Viet Nam time (0–23).
    hour: i64,
    /// Whether it runs.
    #[serde(default = "yes")]
    active: bool,
}

fn vi() -> String {
    "vi".into()
}

fn yes() -> bool {
    true
}

impl ScheduleBody {
    fn form(&self) -> ScheduleForm {
        ScheduleForm {
            org: self.org_id.to_string(),
            kind: self.kind.clone(),
            format: self.format.clone(),
            lang: self.lang.clone(),
            recipients: self.recipients.join("\n"),
            hour: self.hour.to_string(),
            active: self.active,
        }
    }
}

#[utoipa::path(
    post,
    path = "/reports/schedules",
    tag = "reports",
    summary = "Sets up a report schedule",
    request_body = ScheduleBody,
    responses((status = 201, description = "Set up", body = ScheduleRow), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "org_admin"])),
)]
pub(crate) async fn create_schedule(State(st): State<AppState>, c: Caller, ApiJson(b): ApiJson<ScheduleBody>) -> ApiResult<(StatusCode, Json<ScheduleRow>)> {
    let s = b.form().validate(now_ms())?;
    let id = st.store.create_report_schedule(&c.scope, &c.actor(), &s).await?;
    Ok((StatusCode::CREATED, Json(st.store.report_schedule(&c.scope, id).await?.ok_or_else(ApiError::not_found)?)))
}

/// A schedule with its latest copies.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ScheduleDetail {
    schedule: ScheduleRow,
    runs: Vec<RunRow>,
}

#[utoipa::path(
    get,
    path = "/reports/schedules/{id}",
    tag = "reports",
    summary = "A report schedule and its latest copies",
    params(("id" = i64, Path, description = "Schedule id")),
    responses((status = 200, description = "Done", body = ScheduleDetail), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_schedule(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<ScheduleDetail>> {
    let schedule = st.store.report_schedule(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let runs = st.store.report_runs(&c.scope, Some(id), 50).await?;
    Ok(Json(ScheduleDetail { schedule, runs }))
}

#[utoipa::path(
    put,
    path = "/reports/schedules/{id}",
    tag = "reports",
    summary = "Changes a report schedule (its organisation stays)",
    params(("id" = i64, Path, description = "Schedule id")),
    request_body = ScheduleBody,
    responses((status = 200, description = "Changed", body = ScheduleRow), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "org_admin"])),
)]
pub(crate) async fn update_schedule(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, ApiJson(b): ApiJson<ScheduleBody>) -> ApiResult<Json<ScheduleRow>> {
    let old = st.store.report_schedule(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let mut f = b.form();
    f.org = old.org_id.to_string();
    let s = f.validate(now_ms())?;
    st.store.update_report_schedule(&c.scope, &c.actor(), id, &s).await?;
    Ok(Json(st.store.report_schedule(&c.scope, id).await?.ok_or_else(ApiError::not_found)?))
}

#[utoipa::path(
    delete,
    path = "/reports/schedules/{id}",
    tag = "reports",
    summary = "Removes a report schedule (its copies stay)",
    params(("id" = i64, Path, description = "Schedule id")),
    responses((status = 204, description = "Removed"), Refusals),
    security(("bearer" = ["dic_admin", "org_admin"])),
)]
pub(crate) async fn delete_schedule(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    st.store.delete_report_schedule(&c.scope, &c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/reports/runs",
    tag = "reports",
    summary = "The latest generated copies in your scope, with whom they were mailed to",
    responses((status = 200, description = "Done", body = Vec<RunRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_runs(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Vec<RunRow>>> {
    Ok(Json(st.store.report_runs(&c.scope, None, 100).await?))
}
