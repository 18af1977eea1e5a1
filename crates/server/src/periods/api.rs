//! The heightened-periods API: the periods, one with its daily reports in scope, sending a
//! report for your organisation.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use canhgac_domain::time::now_ms;
use canhgac_store::{PeriodReportRow, PeriodRow};
use std::collections::BTreeMap;

#[utoipa::path(
    get,
    path = "/periods",
    tag = "periods",
    summary = "Heightened periods, the latest first",
    responses((status = 200, description = "Done", body = Vec<PeriodRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_periods(State(st): State<AppState>, _c: Caller) -> ApiResult<Json<Vec<PeriodRow>>> {
    Ok(Json(st.store.periods().await?))
}

/// A period with the daily reports in scope.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct PeriodDetail {
    period: PeriodRow,
    reports: Vec<PeriodReportRow>,
}

#[utoipa::path(
    get,
    path = "/periods/{id}",
    tag = "periods",
    summary = "A heightened period and the daily reports in your scope",
    params(("id" = i64, Path, description = "Period id")),
    responses((status = 200, description = "Done", body = PeriodDetail), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_period(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<PeriodDetail>> {
    let period = st.store.period(id).await?.ok_or_else(ApiError::not_found)?;
    let reports = st.store.period_reports(&c.scope, id).await?;
    Ok(Json(PeriodDetail { period, reports }))
}

/// A daily report.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct ReportBody {
    /// The day, dd/mm/yyyy (within the period, not in the future).
    day: String,
    /// The form's values by key (other keys are dropped).
    fields: BTreeMap<String, String>,
}

#[utoipa::path(
    post,
    path = "/periods/{id}/reports",
    tag = "periods",
    summary = "Sends (or corrects) your organisation's daily report for a day of the period",
    params(("id" = i64, Path, description = "Period id")),
    request_body = ReportBody,
    responses((status = 200, description = "Sent", body = PeriodReportRow), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn submit_report(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, ApiJson(b): ApiJson<ReportBody>) -> ApiResult<Json<PeriodReportRow>> {
    let org = c.user.org_id.ok_or_else(ApiError::not_found)?;
    let day = chrono::NaiveDate::parse_from_str(b.day.trim(), "%d/%m/%Y").map_err(|_| ApiError::bad("day là ngày dd/mm/yyyy.", "day is a date, dd/mm/yyyy."))?;
    let rid = st.store.submit_period_report(&c.scope, &c.actor(), id, org, day, &b.fields, now_ms()).await?;
    Ok(Json(st.store.period_report(&c.scope, rid).await?.ok_or_else(ApiError::not_found)?))
}
