//! Patching API: advisories, KEV, inventories, compliance.

#[allow(unused_imports)]
use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use canhgac_domain::entity::{EntityKind, FieldError};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

pub(crate) fn patch_error(e: canhgac_ops::patching::PatchError) -> ApiError {
    match e {
        canhgac_ops::patching::PatchError::Rejected(errs) => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!(
                "Nothing imported: {}",
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            message_vi: format!(
                "Chưa nhập: {}",
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            fields: errs
                .iter()
                .map(|e| FieldError::new(&e.field, e.message.clone(), e.message.clone()))
                .collect(),
            rows: vec![],
        },
        canhgac_ops::patching::PatchError::Store(e) => e.into(),
    }
}

#[utoipa::path(
    get,
    path = "/advisories",
    tag = "patching",
    summary = "Advisories, most severe first, with their KEV due date and affected hosts in your scope",
    responses((status = 200, description = "Done", body = Page<canhgac_store::AdvisoryRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_advisories(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<canhgac_store::AdvisoryRow>>> {
    let (limit, offset) = page_params(&p);
    let (items, total) = st
        .store
        .list_advisories(
            &c.scope,
            p.get("q").map(String::as_str),
            limit.unwrap_or(50),
            offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(Page::new(items, total)))
}

#[utoipa::path(
    post,
    path = "/advisories",
    tag = "patching",
    summary = "Import advisories (DIC; body: OSV record or zip dump, CSAF 2.0, CVE JSON 5): stores them, matches hosts, hands out patch tasks",
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 201, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn import_advisories(
    State(st): State<AppState>,
    c: Caller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = canhgac_ops::patching::import_advisories(&st.store, &c.actor(), &body)
        .await
        .map_err(patch_error)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub(crate) struct ManualBody {
    id: String,
    title: String,
    cves: String,
    scheme: String,
    vendor: String,
    product: String,
    affected_from: String,
    fixed: String,
    severity: String,
    recommendation: String,
    distro: String,
}

#[utoipa::path(
    post,
    path = "/advisories/manual",
    tag = "patching",
    summary = "A national warning as the form fills it (DIC): id, title, cves, scheme, vendor, product, affected_from, fixed, severity, recommendation, distro",
    request_body = ManualBody,
    responses((status = 201, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn manual_advisory(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<ManualBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let m = canhgac_vuln::formats::ManualAdvisory {
        id: b.id,
        title: b.title,
        cves: b.cves,
        scheme: canhgac_vuln::Scheme::parse(&b.scheme),
        vendor: b.vendor,
        product: b.product,
        affected_from: b.affected_from,
        fixed: b.fixed,
        severity: b.severity,
        recommendation: b.recommendation,
        distro: b.distro,
    };
    let r = canhgac_ops::patching::import_manual(&st.store, &c.actor(), &m)
        .await
        .map_err(patch_error)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

#[utoipa::path(
    get,
    path = "/advisories/{id}",
    tag = "patching",
    summary = "An advisory with the hosts it affects in your scope",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_advisory(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let a = st
        .store
        .advisory(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (matches, total) = st.store.matches(&c.scope, Some(id), None, 1000, 0).await?;
    let mut v = json!(a);
    v["matches"] = json!(matches);
    v["matches_total"] = json!(total);
    Ok(Json(v))
}

#[utoipa::path(
    get,
    path = "/advisory-matches",
    tag = "patching",
    summary = "Affected (host, advisory, package) in your scope (advisory=ID, host=ID)",
    responses((status = 200, description = "Done", body = Page<canhgac_store::MatchRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn advisory_matches(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<canhgac_store::MatchRow>>> {
    let (limit, offset) = page_params(&p);
    let (items, total) = st
        .store
        .matches(
            &c.scope,
            p.get("advisory").and_then(|v| v.parse().ok()),
            p.get("host").and_then(|v| v.parse().ok()),
            limit.unwrap_or(100),
            offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(Page::new(items, total)))
}

#[utoipa::path(
    post,
    path = "/kev",
    tag = "patching",
    summary = "Replace the CISA KEV catalogue (DIC; body: the catalogue JSON)",
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 201, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn import_kev(
    State(st): State<AppState>,
    c: Caller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let n = canhgac_ops::patching::import_kev(&st.store, &c.actor(), &body)
        .await
        .map_err(patch_error)?;
    Ok((StatusCode::CREATED, Json(json!({"entries": n}))))
}

#[utoipa::path(
    post,
    path = "/hosts/{id}/inventory",
    tag = "patching",
    summary = "A host's fresh inventory (CSV, dpkg status, rpm -qa, Windows export): re-evaluates it and closes patch tasks it proves done",
    params(("id" = i64, Path, description = "Record id")),
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn import_inventory(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let host = st
        .store
        .get(EntityKind::Host, &c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let org = host["org_id"].as_i64().unwrap_or_default();
    let name = host["hostname"].as_str().unwrap_or_default().to_string();
    let r = canhgac_ops::patching::import_inventory(
        &st.store,
        &c.actor(),
        id,
        org,
        &name,
        &body,
        p.get("filename").map(String::as_str),
    )
    .await
    .map_err(patch_error)?;
    Ok(Json(json!(r)))
}

#[utoipa::path(
    get,
    path = "/compliance",
    tag = "patching",
    summary = "Patch compliance per organisation in your scope",
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn compliance(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    let rows = st.store.patch_compliance(&c.scope).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({"org": r.code, "name": r.name, "hosts": r.hosts, "hosts_with_open_patches": r.hosts_to_patch, "open_tasks": r.open_tasks, "overdue_tasks": r.overdue_tasks, "compliance_percent": (r.percent() * 10.0).round() / 10.0})
        })
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}
