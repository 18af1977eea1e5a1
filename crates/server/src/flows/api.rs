//! The flows API: traffic over time, top talkers, attacks with their advice, exporters and
//! protected prefixes, flows to or from listed Botnet addresses.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use canhgac_domain::time::now_ms;
use canhgac_store::{FlowAttackRow, FlowExporterRow, FlowPrefixRow, FlowSightingRow, OrgTraffic, TalkerRow, TrafficPoint};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// An organisation a request names by code, which must be in the caller's scope (else not
/// found); none named: all in scope.
pub(crate) async fn org_filter(st: &AppState, c: &Caller, code: Option<&str>) -> ApiResult<Option<i64>> {
    match code.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(code) => match st.store.org_codes().await?.get(code) {
            Some(o) if c.scope.contains(*o) => Ok(Some(*o)),
            _ => Err(ApiError::not_found()),
        },
    }
}

/// Hours a view covers: `?hours=` 1 to 720, default 24.
pub(crate) fn hours(q: &HashMap<String, String>) -> i64 {
    q.get("hours").and_then(|h| h.parse::<i64>().ok()).unwrap_or(24).clamp(1, 720)
}

/// Traffic of the organisations in scope over a period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Traffic {
    /// Start of the period (Unix ms).
    since: i64,
    /// Width of each point (ms).
    bucket_ms: i64,
    /// In and out per bucket.
    points: Vec<TrafficPoint>,
    /// Per organisation over the period, busiest first.
    by_org: Vec<OrgTraffic>,
    /// The organisations' busiest addresses.
    local_talkers: Vec<TalkerRow>,
    /// The busiest far ends.
    remote_talkers: Vec<TalkerRow>,
}

/// The bucket width for a period: about 150 points.
pub(crate) fn bucket_for(hours: i64) -> i64 {
    let raw = hours * 3_600_000 / 150;
    [60_000, 300_000, 900_000, 3_600_000, 10_800_000].into_iter().find(|b| *b >= raw).unwrap_or(10_800_000)
}

#[utoipa::path(get, path = "/flows/traffic", tag = "flows", summary = "Traffic seen in flows for the organisations in your scope (as the address holder or the operator): in/out bytes and packets over time, per organisation, and top talkers (?org=CODE, ?hours=1..720, default 24)",
    responses((status = 200, description = "Done", body = Traffic), Refusals), security(("bearer" = [])))]
pub(crate) async fn traffic(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<Traffic>> {
    let org = org_filter(&st, &c, q.get("org").map(String::as_str)).await?;
    let h = hours(&q);
    let now = now_ms();
    let since = now - h * 3_600_000;
    let bucket = bucket_for(h);
    Ok(Json(Traffic {
        since,
        bucket_ms: bucket,
        points: st.store.flow_traffic(&c.scope, org, since, now + 60_000, bucket).await?,
        by_org: st.store.flow_traffic_by_org(&c.scope, since).await?.into_iter().filter(|o| org.is_none_or(|x| x == o.org_id)).collect(),
        local_talkers: st.store.flow_top_talkers(&c.scope, org, true, since, 20).await?,
        remote_talkers: st.store.flow_top_talkers(&c.scope, org, false, since, 20).await?,
    }))
}

#[utoipa::path(get, path = "/flows/attacks", tag = "flows", summary = "Attacks seen in flows on addresses of your organisations, or on your network if you are an operator, newest first (?active=1 under way only, ?org=CODE, ?days=1..365, ?limit ≤ 10,000)",
    responses((status = 200, description = "Done", body = Vec<FlowAttackRow>), Refusals), security(("bearer" = [])))]
pub(crate) async fn attacks(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<FlowAttackRow>>> {
    let org = org_filter(&st, &c, q.get("org").map(String::as_str)).await?;
    let active = q.get("active").is_some_and(|v| v == "1" || v == "true");
    let days = q.get("days").and_then(|d| d.parse::<i64>().ok()).map(|d| d.clamp(1, 365));
    let limit = q.get("limit").and_then(|d| d.parse::<i64>().ok()).unwrap_or(500);
    Ok(Json(st.store.flow_attacks(&c.scope, active, org, days.map(|d| now_ms() - d * 86_400_000), limit).await?))
}

/// One attack, with its advice read out.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AttackDetail {
    #[serde(flatten)]
    attack: FlowAttackRow,
    /// RTBH and FlowSpec text for ExaBGP and GoBGP, with withdrawals.
    #[schema(value_type = Object)]
    mitigation: serde_json::Value,
    /// The largest sources.
    sources: Vec<TopSource>,
}

/// One of an attack's largest sources.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TopSource {
    /// Its address.
    address: String,
    /// Packets seen from it (sampling undone).
    packets: i64,
    /// Bytes seen from it.
    bytes: i64,
}

#[utoipa::path(get, path = "/flows/attacks/{id}", tag = "flows", summary = "One attack: target, kind, start, peak and end, its traffic mix, top sources and the RTBH/FlowSpec advice",
    params(("id" = i64, Path, description = "Attack id")),
    responses((status = 200, description = "Done", body = AttackDetail), Refusals), security(("bearer" = [])))]
pub(crate) async fn attack(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<AttackDetail>> {
    let a = st.store.flow_attack(&c.scope, id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(AttackDetail {
        mitigation: serde_json::from_str(&a.advice).unwrap_or_default(),
        sources: serde_json::from_str::<Vec<(String, i64, i64)>>(&a.top_sources)
            .unwrap_or_default()
            .into_iter()
            .map(|(address, packets, bytes)| TopSource { address, packets, bytes })
            .collect(),
        attack: a,
    }))
}

#[utoipa::path(get, path = "/flows/exporters", tag = "flows", summary = "Routers sending flows for the operators in your scope, with what they sent and what could not be used (malformed, missing templates, lost by sequence numbers)",
    responses((status = 200, description = "Done", body = Vec<FlowExporterRow>), Refusals), security(("bearer" = [])))]
pub(crate) async fn exporters(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Vec<FlowExporterRow>>> {
    Ok(Json(st.store.flow_exporters(&c.scope).await?))
}

/// A router to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct NewExporter {
    /// The operator's code (default: yours).
    org: Option<String>,
    /// The address its datagrams come from.
    address: String,
    name: String,
    /// Sampling rate to apply when the router does not export it (0: as exported).
    #[serde(default)]
    sampling: i64,
}

/// What was created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Created {
    id: i64,
}

#[utoipa::path(post, path = "/flows/exporters", tag = "flows", summary = "Registers a router as an exporter of an operator. Staff of an operator may register only addresses their organisation holds in the registry; the DIC any",
    request_body = NewExporter,
    responses((status = 201, description = "Registered", body = Created), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])))]
pub(crate) async fn add_exporter(State(st): State<AppState>, c: Caller, ApiJson(b): ApiJson<NewExporter>) -> ApiResult<(StatusCode, Json<Created>)> {
    let org = crate::spam::api::operator_of(&st, &c, b.org.as_deref()).await?;
    let id = canhgac_ops::flows::add_exporter(&st.store, &c.scope, &c.actor(), org, &b.address, &b.name, b.sampling).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/flows/prefixes", tag = "flows", summary = "Customer prefixes the operators in your scope protect, with their thresholds (the registry's ranges are protected too, with the default thresholds)",
    responses((status = 200, description = "Done", body = Vec<FlowPrefixRow>), Refusals), security(("bearer" = [])))]
pub(crate) async fn prefixes(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Vec<FlowPrefixRow>>> {
    Ok(Json(st.store.flow_prefixes(&c.scope).await?))
}

/// A customer prefix to protect.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct NewPrefix {
    /// The operator's code (default: yours).
    org: Option<String>,
    /// The customer, when it is an organisation of the registry (its code).
    customer: Option<String>,
    /// e.g. `203.0.113.0/24`.
    prefix: String,
    /// The customer or service.
    name: String,
    /// Packets a second per address before it counts as an attack.
    pps: i64,
    /// Megabits a second per address.
    mbps: i64,
    /// Flows a second per address.
    fps: i64,
}

#[utoipa::path(post, path = "/flows/prefixes", tag = "flows", summary = "Protects a customer prefix on an operator's network with its thresholds",
    request_body = NewPrefix,
    responses((status = 201, description = "Protected", body = Created), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])))]
pub(crate) async fn add_prefix(State(st): State<AppState>, c: Caller, ApiJson(b): ApiJson<NewPrefix>) -> ApiResult<(StatusCode, Json<Created>)> {
    let org = crate::spam::api::operator_of(&st, &c, b.org.as_deref()).await?;
    let customer = match b.customer.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(*st.store.org_codes().await?.get(code).ok_or_else(|| ApiError::bad(format!("Không có đơn vị mã '{code}'."), format!("No organisation '{code}'.")))?),
    };
    let id = canhgac_ops::flows::add_prefix(&st.store, &c.scope, &c.actor(), org, customer, &b.prefix, &b.name, (b.pps, b.mbps, b.fps)).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/flows/botnet", tag = "flows", summary = "Flows between your organisations' addresses and addresses on the Botnet/C2 lists (each also raised as a Botnet signal), latest first (?org=CODE)",
    responses((status = 200, description = "Done", body = Vec<FlowSightingRow>), Refusals), security(("bearer" = [])))]
pub(crate) async fn sightings(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<FlowSightingRow>>> {
    let org = org_filter(&st, &c, q.get("org").map(String::as_str)).await?;
    Ok(Json(st.store.flow_sightings(&c.scope, org, 500).await?))
}
