//! Scanner findings API.

#[allow(unused_imports)]
use crate::api::*;
use crate::auth::Caller;
use crate::patching::api::patch_error;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

#[utoipa::path(
    get,
    path = "/findings",
    tag = "scans",
    summary = "Scanner findings in your scope, ranked (state=open|fixed)",
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_findings(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let rows =
        canhgac_ops::scans::ranked(&st.store, &c.scope, p.get("state").map(String::as_str)).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(score, f)| {
            let mut v = json!(f);
            v["score"] = json!((score * 10.0).round() / 10.0);
            v
        })
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

#[utoipa::path(
    post,
    path = "/scans",
    tag = "scans",
    summary = "Import a scanner report (body: Nessus .nessus or CSV export, OpenVAS/Greenbone XML or CSV export, Nuclei JSON lines or -je JSON array, Trivy JSON including trivy k8s); hosts mapped within your scope. The answer lists the registered hosts the report covered (`covered`: findings, findings no longer found, tasks closed) and the entries left out (`skipped`, `skipped_entries`)",
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 201, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn import_scan(
    State(st): State<AppState>,
    c: Caller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    match canhgac_ops::scans::import_scan(&st.store, &c.scope, &c.actor(), &body).await {
        Ok(r) => Ok((StatusCode::CREATED, Json(json!(r)))),
        Err(Ok(errs)) => Err(patch_error(canhgac_ops::patching::PatchError::Rejected(
            errs,
        ))),
        Err(Err(e)) => Err(e.into()),
    }
}
