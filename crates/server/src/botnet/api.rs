//! Botnet API: lists, findings, statistics, retro-hunt.

#[allow(unused_imports)]
use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use canhgac_ops::import::RowError;
use canhgac_store::StoreError;
use serde_json::{json, Value};
use std::collections::HashMap;

pub(crate) fn province_wide(c: &Caller) -> ApiResult<()> {
    if c.scope == canhgac_domain::Scope::All {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Chỉ Sở TTTT xem được toàn bộ danh sách",
            "Only the DIC sees whole lists",
        ))
    }
}

#[utoipa::path(
    get,
    path = "/botnet-lists",
    tag = "botnet",
    summary = "Botnet IP lists, newest first",
    responses((status = 200, description = "Done", body = Page<canhgac_store::BotnetListRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_botnet_lists(
    State(st): State<AppState>,
    _c: Caller,
) -> ApiResult<Json<Page<canhgac_store::BotnetListRow>>> {
    let lists = st.store.botnet_lists().await?;
    let total = lists.len() as i64;
    Ok(Json(Page::new(lists, total)))
}

/// The difference between a list and the previous one of its kind.
pub async fn list_diff(
    st: &AppState,
    list: &canhgac_store::BotnetListRow,
) -> Result<(Option<i64>, Vec<String>, usize, usize), StoreError> {
    let prev = st
        .store
        .previous_botnet_list(&list.kind, &list.period, Some(list.id))
        .await?;
    let cur: std::collections::HashSet<String> =
        st.store.botnet_values(list.id).await?.into_iter().collect();
    let (prev_id, prev_values) = match &prev {
        Some(p) => (Some(p.id), st.store.botnet_values(p.id).await?),
        None => (None, vec![]),
    };
    let prev_set: std::collections::HashSet<&String> = prev_values.iter().collect();
    let recurring = cur.iter().filter(|v| prev_set.contains(v)).count();
    let mut gone: Vec<String> = prev_values
        .iter()
        .filter(|v| !cur.contains(*v))
        .cloned()
        .collect();
    gone.sort();
    Ok((prev_id, gone, cur.len() - recurring, recurring))
}

#[utoipa::path(
    get,
    path = "/botnet-lists/{id}",
    tag = "botnet",
    summary = "A list with its difference from the previous one (new, recurring, gone)",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_botnet_list(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let list = st
        .store
        .botnet_list(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (prev, gone, new, recurring) = list_diff(&st, &list).await?;
    let (_, findings) = st
        .store
        .botnet_findings(&c.scope, Some(id), None, 1, 0)
        .await?;
    let mut v = json!(list);
    v["previous_list_id"] = json!(prev);
    v["new"] = json!(new);
    v["recurring"] = json!(recurring);
    v["gone"] = json!(gone.len());
    v["findings"] = json!(findings);
    if c.scope == canhgac_domain::Scope::All {
        v["gone_entries"] = json!(gone.into_iter().take(1000).collect::<Vec<_>>());
    }
    Ok(Json(v))
}

#[utoipa::path(
    get,
    path = "/botnet-lists/{id}/entries",
    tag = "botnet",
    summary = "A list's entries (DIC; q, limit, offset)",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = Page<canhgac_store::BotnetEntryRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn botnet_entries(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<canhgac_store::BotnetEntryRow>>> {
    province_wide(&c)?;
    st.store
        .botnet_list(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (limit, offset) = page_params(&p);
    let (items, total) = st
        .store
        .botnet_entries(
            id,
            p.get("q").map(String::as_str),
            limit.unwrap_or(100),
            offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(Page::new(items, total)))
}

#[utoipa::path(
    get,
    path = "/botnet-findings",
    tag = "botnet",
    summary = "Findings in your scope, ranked (list=ID, org=CODE)",
    responses((status = 200, description = "Done", body = Page<canhgac_store::FindingRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn botnet_findings(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<canhgac_store::FindingRow>>> {
    let (limit, offset) = page_params(&p);
    let list = p.get("list").and_then(|v| v.parse().ok());
    let org = match p.get("org").filter(|v| !v.is_empty()) {
        Some(code) => Some(
            *st.store
                .org_codes()
                .await?
                .get(&code.to_uppercase())
                .ok_or_else(|| {
                    ApiError::bad(
                        format!("Không có đơn vị mã '{code}'"),
                        format!("No organisation with code '{code}'"),
                    )
                })?,
        ),
        None => None,
    };
    let (items, total) = st
        .store
        .botnet_findings(
            &c.scope,
            list,
            org,
            limit.unwrap_or(100),
            offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(Page::new(items, total)))
}

#[utoipa::path(
    get,
    path = "/botnet-stats",
    tag = "botnet",
    summary = "Listed addresses per organisation and month",
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn botnet_stats(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    let rows = st.store.botnet_stats(&c.scope).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(period, org, count)| json!({"period": period, "org": org, "addresses": count}))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

#[utoipa::path(
    post,
    path = "/botnet-lists",
    tag = "botnet",
    summary = "Import a list (DIC; body: the file; query: period=MM/YYYY, kind, version=monthly|adhoc, source, name, filename)",
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 201, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn import_botnet_list(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let meta = canhgac_ops::botnet::ListMeta {
        name: p.get("name").cloned(),
        source: p.get("source").cloned().unwrap_or_else(|| "Sở TTTT".into()),
        kind: p.get("kind").cloned().unwrap_or_else(|| "botnet".into()),
        period: p.get("period").cloned().unwrap_or_default(),
        version: p
            .get("version")
            .cloned()
            .unwrap_or_else(|| "monthly".into()),
    };
    match canhgac_ops::botnet::import_list(
        &st.store,
        &c.actor(),
        &meta,
        &body,
        p.get("filename").map(String::as_str),
    )
    .await
    {
        Ok(report) => Ok((StatusCode::CREATED, Json(json!(report)))),
        Err(canhgac_ops::botnet::ImportError::Invalid(vi, en)) => Err(ApiError::bad(vi, en)),
        Err(canhgac_ops::botnet::ImportError::Rejected(problems)) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!(
                "Nothing imported: {} problem(s) in the list",
                problems.len()
            ),
            message_vi: format!("Chưa nhập: danh sách có {} lỗi", problems.len()),
            fields: vec![],
            rows: problems
                .into_iter()
                .map(|p| RowError {
                    row: p.row,
                    column: p.column,
                    message: p.message,
                    message_vi: p.message_vi,
                })
                .collect(),
        }),
        Err(canhgac_ops::botnet::ImportError::Store(e)) => Err(e.into()),
    }
}

#[utoipa::path(
    post,
    path = "/hunts",
    tag = "botnet",
    summary = "Retro-hunt: search a log file (body, plain or gzip) for listed addresses (lists=ID,ID), or, with events_days=N, the events stored in the last N days that you may see",
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = [])),
)]
pub(crate) async fn retro_hunt(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let ids: Vec<i64> = p
        .get("lists")
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    let set = canhgac_ops::botnet::set_of_lists(&st.store, &ids).await?;
    if let Some(days) = p.get("events_days").and_then(|d| d.parse::<i64>().ok()) {
        // Stored events instead of an uploaded log.
        let since = canhgac_domain::time::now_ms() - days.clamp(1, 3650) * 86_400_000;
        let (hits, events) =
            canhgac_ops::botnet::retro_hunt_events(&st.store, &c.scope, &set, since).await?;
        return Ok(Json(
            json!({"events": events, "addresses_listed": set.len(), "total": hits.len(), "items": hits}),
        ));
    }
    let name = p
        .get("filename")
        .cloned()
        .unwrap_or_else(|| "upload".into());
    let (hits, lines) =
        canhgac_ops::botnet::retro_hunt(&st.store, &c.scope, &set, &[(name, body.to_vec())])
            .await?;
    Ok(Json(
        json!({"lines": lines, "addresses_listed": set.len(), "total": hits.len(), "items": hits}),
    ))
}
