//! Registry API: organisations, systems, hosts, networks, software, people, contacts; import and export.

#[allow(unused_imports)]
use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use canhgac_domain::entity::{EntityKind, Record};
use canhgac_ops::import::{export_rows, import_file, ImportOutcome};
use canhgac_store::ListQuery;
use serde_json::{json, Value};
use std::collections::HashMap;

pub(crate) fn kind_of(slug: &str) -> ApiResult<EntityKind> {
    EntityKind::from_slug(slug).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Không có loại bản ghi '{slug}'"),
            format!("No such resource '{slug}'"),
        )
    })
}

pub(crate) fn list_query(
    st_codes: &HashMap<String, i64>,
    params: &HashMap<String, String>,
) -> ApiResult<ListQuery> {
    let mut q = ListQuery::default();
    for (k, v) in params {
        match k.as_str() {
            "q" => q.q = Some(v.clone()),
            "org" if !v.is_empty() => {
                q.org_id = Some(*st_codes.get(&v.trim().to_uppercase()).ok_or_else(|| {
                    ApiError::bad(
                        format!("Không có đơn vị mã '{v}'"),
                        format!("No organisation with code '{v}'"),
                    )
                })?);
            }
            "limit" => {
                q.limit = Some(
                    v.parse()
                        .map_err(|_| ApiError::bad("limit phải là số", "limit must be a number"))?,
                )
            }
            "offset" => {
                q.offset =
                    Some(v.parse().map_err(|_| {
                        ApiError::bad("offset phải là số", "offset must be a number")
                    })?)
            }
            "lang" | "_csrf" => {}
            _ if !v.is_empty() => q.filters.push((k.clone(), v.clone())),
            _ => {}
        }
    }
    Ok(q)
}

#[utoipa::path(
    get,
    path = "/{entity}",
    tag = "registry",
    summary = "List records (filters: org=CODE, q=TEXT, any field; limit, offset)",
    params(("entity" = String, Path, description = "Registry resource: orgs, systems, hosts, networks, software, people, contacts")),
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_entity(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let kind = kind_of(&slug)?;
    let codes = st.store.org_codes().await?;
    let q = list_query(&codes, &params)?;
    let page = super::list_page_of(&st, kind, &c.scope, &q).await?;
    Ok(Json(json!(page)))
}

/// Accepts `org` (a code) in place of `org_id`, and `parent` in place of `parent_id`.
pub(crate) async fn resolve_codes(st: &AppState, mut rec: Record) -> ApiResult<Record> {
    for (code_key, id_key) in [("org", "org_id"), ("parent", "parent_id")] {
        if rec.contains_key(id_key) {
            continue;
        }
        if let Some(code) = rec
            .get(code_key)
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            let codes = st.store.org_codes().await?;
            let id = codes.get(&code.trim().to_uppercase()).ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Không có đơn vị mã '{code}'"),
                    format!("No organisation with code '{code}'"),
                )
            })?;
            rec.insert(id_key.into(), Value::from(*id));
        }
    }
    Ok(rec)
}

#[utoipa::path(
    post,
    path = "/{entity}",
    tag = "registry",
    summary = "Create a record",
    params(("entity" = String, Path, description = "Registry resource: orgs, systems, hosts, networks, software, people, contacts")),
    request_body(content = Object, description = "The record's fields (see the entity's schema under components)"),
    responses((status = 201, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn create_entity(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<Record>,
) -> ApiResult<(StatusCode, Json<Record>)> {
    let kind = kind_of(&slug)?;
    let rec = resolve_codes(&st, body).await?;
    let created = st.store.create(kind, &c.scope, &c.actor(), &rec).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    get,
    path = "/{entity}/{id}",
    tag = "registry",
    summary = "One record (hosts include their software)",
    params(("entity" = String, Path, description = "Registry resource: orgs, systems, hosts, networks, software, people, contacts"), ("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_entity(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> ApiResult<Json<Record>> {
    let kind = kind_of(&slug)?;
    let mut rec = st
        .store
        .get(kind, &c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if kind == EntityKind::Host {
        let q = ListQuery {
            filters: vec![("host_id".into(), id.to_string())],
            limit: Some(1000),
            ..Default::default()
        };
        let sw = st.store.list(EntityKind::Software, &c.scope, &q).await?;
        rec.insert("software".into(), json!(sw.items));
    }
    Ok(Json(rec))
}

#[utoipa::path(
    method(put, patch),
    path = "/{entity}/{id}",
    tag = "registry",
    summary = "Replace a record's fields",
    params(("entity" = String, Path, description = "Registry resource: orgs, systems, hosts, networks, software, people, contacts"), ("id" = i64, Path, description = "Record id")),
    request_body(content = Object, description = "The record's fields (see the entity's schema under components)"),
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn update_entity(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<Record>,
) -> ApiResult<Json<Record>> {
    let kind = kind_of(&slug)?;
    let rec = resolve_codes(&st, body).await?;
    Ok(Json(
        st.store
            .update(kind, &c.scope, &c.actor(), id, &rec)
            .await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/{entity}/{id}",
    tag = "registry",
    summary = "Delete a record",
    params(("entity" = String, Path, description = "Registry resource: orgs, systems, hosts, networks, software, people, contacts"), ("id" = i64, Path, description = "Record id")),
    responses((status = 204, description = "Deleted"), Refusals),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn delete_entity(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let kind = kind_of(&slug)?;
    st.store.delete(kind, &c.scope, &c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/import/{entity}",
    tag = "registry",
    summary = "Import a CSV or XLSX file, all or nothing (query: format=csv|xlsx)",
    params(("entity" = String, Path, description = "Registry resource: orgs, systems, hosts, networks, software, people, contacts")),
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn import(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let kind = kind_of(&slug)?;
    let name =
        p.get("filename")
            .map(String::as_str)
            .or(match p.get("format").map(String::as_str) {
                Some("xlsx") => Some("upload.xlsx"),
                _ => None,
            });
    match import_file(&st.store, &c.scope, &c.actor(), kind, &body, name).await? {
        ImportOutcome::Imported(n) => {
            st.metrics
                .imports
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(Json(json!({"imported": n})))
        }
        ImportOutcome::Rejected(rows) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("Nothing imported: {} problem(s) in the file", rows.len()),
            message_vi: format!("Chưa nhập dòng nào: tệp có {} lỗi", rows.len()),
            fields: vec![],
            rows,
        }),
    }
}

#[utoipa::path(
    get,
    path = "/export/{entity}",
    tag = "registry",
    summary = "Export as CSV or XLSX (query: format=csv|xlsx)",
    params(("entity" = String, Path, description = "Registry resource: orgs, systems, hosts, networks, software, people, contacts")),
    responses((status = 200, description = "The file (CSV or XLSX)", content_type = "application/octet-stream", body = Vec<u8>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn export(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let kind = kind_of(&slug)?;
    export_response(
        &st,
        &c,
        kind,
        p.get("format").map(String::as_str).unwrap_or("csv"),
    )
    .await
}

/// A download of every record of `kind` in the caller's scope.
pub async fn export_response(
    st: &AppState,
    c: &Caller,
    kind: EntityKind,
    format: &str,
) -> ApiResult<Response> {
    let (headers, rows) = export_rows(&st.store, &c.scope, kind).await?;
    let (bytes, ctype, ext) = match format {
        "xlsx" => (
            canhgac_sheets::write_xlsx(kind.label_vi(), &headers, &rows).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    e.to_string(),
                    e.to_string(),
                )
            })?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => (
            canhgac_sheets::write_csv(&headers, &rows).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    e.to_string(),
                    e.to_string(),
                )
            })?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        other => {
            return Err(ApiError::bad(
                format!("Định dạng '{other}' không hỗ trợ; dùng csv hoặc xlsx"),
                format!("Format '{other}' is not supported; use csv or xlsx"),
            ))
        }
    };
    let disp = format!("attachment; filename=\"canhgac-{}.{ext}\"", kind.slug());
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&disp) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
