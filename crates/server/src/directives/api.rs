//! The directives API: the directives in scope with their progress; one with its items and the
//! tasks (recipient × item) in scope. Acknowledging and reporting go through the work API
//! (`POST /api/v1/work-items/{id}/events`), as for any work item.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use canhgac_store::{DirectiveItemRow, DirectiveRow, DirectiveTaskRow};

#[utoipa::path(
    get,
    path = "/directives",
    tag = "directives",
    summary = "Directives visible in your scope (the DIC: all; an organisation: those with items addressed to it), newest first, with progress counted in scope",
    responses((status = 200, description = "Done", body = Vec<DirectiveRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_directives(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Vec<DirectiveRow>>> {
    Ok(Json(st.store.directives(&c.scope).await?))
}

/// A directive, its items and the tasks in scope.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct DirectiveDetail {
    directive: DirectiveRow,
    items: Vec<DirectiveItemRow>,
    /// One per recipient and item; `state` is the work item's, `work_item_id` its id.
    tasks: Vec<DirectiveTaskRow>,
}

#[utoipa::path(
    get,
    path = "/directives/{id}",
    tag = "directives",
    summary = "A directive with its items and the tasks (recipient × item) in your scope",
    params(("id" = i64, Path, description = "Directive id")),
    responses((status = 200, description = "Done", body = DirectiveDetail), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_directive(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<DirectiveDetail>> {
    let directive = st.store.directive(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    let items = st.store.directive_items(&c.scope, id).await?;
    let tasks = st.store.directive_tasks(&c.scope, id).await?;
    Ok(Json(DirectiveDetail { directive, items, tasks }))
}
