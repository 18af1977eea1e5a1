//! The duty API: who is on duty now, the rosters and their shifts.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use canhgac_store::{RosterRow, ShiftRow};
use std::collections::HashMap;

#[utoipa::path(
    get,
    path = "/duty/now",
    tag = "duty",
    summary = "The shifts under way now (or at=Unix ms) in your scope, by organisation; a shift without a person is a gap the roster named",
    responses((status = 200, description = "Done", body = Vec<ShiftRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn on_duty_now(State(st): State<AppState>, c: Caller, Query(p): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<ShiftRow>>> {
    let at = match p.get("at") {
        Some(a) => a.parse::<i64>().map_err(|_| ApiError::bad("at phải là thời điểm (Unix ms).", "at must be a time (Unix ms)."))?,
        None => canhgac_domain::time::now_ms(),
    };
    Ok(Json(st.store.on_duty(&c.scope, at).await?))
}

#[utoipa::path(
    get,
    path = "/duty/rosters",
    tag = "duty",
    summary = "Duty rosters in your scope, newest period first",
    responses((status = 200, description = "Done", body = Vec<RosterRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_rosters(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Vec<RosterRow>>> {
    Ok(Json(st.store.rosters(&c.scope).await?))
}

/// A roster with its shifts.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct RosterDetail {
    roster: RosterRow,
    shifts: Vec<ShiftRow>,
}

#[utoipa::path(
    get,
    path = "/duty/rosters/{id}",
    tag = "duty",
    summary = "A roster and its shifts in order (a shift without a person says why)",
    params(("id" = i64, Path, description = "Roster id")),
    responses((status = 200, description = "Done", body = RosterDetail), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_roster(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<RosterDetail>> {
    let roster = st.store.roster(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let shifts = st.store.roster_shifts(&c.scope, id).await?;
    Ok(Json(RosterDetail { roster, shifts }))
}

#[utoipa::path(
    get,
    path = "/duty/handovers",
    tag = "duty",
    summary = "Shift handovers in your scope, newest first; pending=1 for those not yet acknowledged",
    responses((status = 200, description = "Done", body = Vec<canhgac_store::HandoverRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_handovers(State(st): State<AppState>, c: Caller, Query(p): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<canhgac_store::HandoverRow>>> {
    let pending = p.get("pending").is_some_and(|v| v == "1" || v == "true");
    Ok(Json(st.store.handovers(&c.scope, pending, 200).await?))
}

/// The daily duty report: the figures, the shifts and the narrative (as saved, or generated).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct DailyReport {
    /// The day, dd/mm/yyyy.
    day: String,
    /// The organisation's code.
    org_code: String,
    /// The DIC's report counts the province.
    province: bool,
    counts: canhgac_store::DailyCounts,
    shifts: Vec<ShiftRow>,
    /// The narrative in Vietnamese.
    narrative: String,
    /// Remarks and proposals.
    remarks: String,
    /// Whether an officer saved it.
    saved: bool,
}

#[utoipa::path(
    get,
    path = "/duty/daily",
    tag = "duty",
    summary = "The daily duty report of your organisation (the DIC's: the province's) for day=dd/mm/yyyy (default today)",
    responses((status = 200, description = "Done", body = DailyReport), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn daily_report(State(st): State<AppState>, c: Caller, Query(p): Query<HashMap<String, String>>) -> ApiResult<Json<DailyReport>> {
    let org = super::daily::report_org(&st, &c).await?.ok_or_else(ApiError::not_found)?;
    let now = canhgac_domain::time::now_ms();
    let day = match p.get("day") {
        Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%d/%m/%Y").map_err(|_| ApiError::bad("day là ngày dd/mm/yyyy.", "day is a date, dd/mm/yyyy."))?,
        None => canhgac_domain::duty::local_date(now),
    };
    let d = canhgac_ops::daily::build(&st.store, &c.scope, org, day, false, now).await?;
    Ok(Json(DailyReport {
        day: d.day.format("%d/%m/%Y").to_string(),
        org_code: d.org_code,
        province: d.province,
        counts: d.counts,
        shifts: d.shifts,
        narrative: d.narrative,
        remarks: d.remarks,
        saved: d.saved.is_some(),
    }))
}
