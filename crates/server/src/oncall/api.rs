//! The on-call API: pages in scope, one page with its messages, acknowledging.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use canhgac_store::{DeliveryRow, PageRow, StoreError};
use std::collections::HashMap;

#[utoipa::path(
    get,
    path = "/oncall/pages",
    tag = "oncall",
    summary = "On-call pages in your scope, open ones first then newest; open=1 for the open ones only, mine=1 for those sent to you",
    responses((status = 200, description = "Done", body = Vec<PageRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_pages(State(st): State<AppState>, c: Caller, Query(p): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<PageRow>>> {
    let flag = |k: &str| p.get(k).is_some_and(|v| v == "1" || v == "true");
    let mine = flag("mine").then_some(c.user.id);
    Ok(Json(st.store.oncall_pages(&c.scope, flag("open"), mine, 500).await?))
}

/// A page with every message sent for it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct PageDetail {
    page: PageRow,
    deliveries: Vec<DeliveryRow>,
}

#[utoipa::path(
    get,
    path = "/oncall/pages/{id}",
    tag = "oncall",
    summary = "An on-call page and every message sent for it (channel, recipient, the other side's answer)",
    params(("id" = i64, Path, description = "Page id")),
    responses((status = 200, description = "Done", body = PageDetail), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<PageDetail>> {
    let page = st.store.oncall_page(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let deliveries = st.store.page_deliveries(&c.scope, id).await?;
    Ok(Json(PageDetail { page, deliveries }))
}

#[utoipa::path(
    post,
    path = "/oncall/pages/{id}/ack",
    tag = "oncall",
    summary = "Acknowledges an open page: escalation stops (409 when it is no longer open)",
    params(("id" = i64, Path, description = "Page id")),
    responses((status = 200, description = "Acknowledged", body = PageRow), Refusals),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn ack_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<PageRow>> {
    match st.store.ack_page(&c.scope, &c.actor(), id).await {
        Ok(p) => Ok(Json(p)),
        Err(StoreError::Conflict(_)) => Err(ApiError::new(axum::http::StatusCode::CONFLICT, "Lượt gọi này không còn mở.", "This page is no longer open.")),
        Err(e) => Err(e.into()),
    }
}
