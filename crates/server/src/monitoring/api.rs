//! Monitoring API: ingest, events, rules, status, the live alert feed.

#[allow(unused_imports)]
use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

// ---- Centralised monitoring (M3) ----

/// `POST /ingest`: a JSON object, a JSON array of objects, or NDJSON. Answered once the batch
/// is stored; events that resolve to none of the caller's hosts belong to the caller's
/// organisation.
#[utoipa::path(
    post,
    path = "/ingest",
    tag = "monitoring",
    summary = "Send events: a JSON object, a JSON array or NDJSON (Content-Type application/x-ndjson); answered after they are stored, with counts; events resolve to your hosts or your organisation. With an Idempotency-Key header (1-128 printable ASCII characters, unique per batch) a retried batch is stored once and answered duplicate=true",
    params(("Idempotency-Key" = Option<String>, Header, description = "The batch's id, chosen by the sender (1-128 printable ASCII characters): a retry with the same id is stored once")),
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn ingest(
    State(st): State<AppState>,
    c: Caller,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let peer = None;
    let text = String::from_utf8_lossy(&body);
    let trimmed = text.trim_start();
    let mut records = Vec::new();
    let ndjson = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("ndjson") || v.contains("jsonl"));
    if trimmed.starts_with('[') && !ndjson {
        let items: Vec<Value> = serde_json::from_str(trimmed).map_err(|e| {
            ApiError::bad(
                format!("Nội dung không phải mảng JSON: {e}"),
                format!("The body is not a JSON array: {e}"),
            )
        })?;
        for v in items {
            records.push(canhgac_ops::monitor::Raw::new(
                "http",
                peer,
                canhgac_ops::monitor::json_body(v),
            ));
        }
    } else {
        for line in text.lines() {
            if line.trim().is_empty() {
                continue;
            }
            records.push(canhgac_ops::monitor::Raw::new(
                "http",
                peer,
                canhgac_ops::monitor::Body::Json(line.to_string()),
            ));
        }
    }
    if records.is_empty() {
        return Err(ApiError::bad(
            "Không có sự kiện nào",
            "No events in the body",
        ));
    }
    match batch_id(&c, &headers)? {
        Some(stream) => ingest_once(&st, &c, records, stream).await,
        None => ingest_as(&st, &c, records).await,
    }
}

/// The longest `Idempotency-Key` taken.
const MAX_BATCH_ID: usize = 128;

/// The cursor of a client's batch id (`Idempotency-Key`), under the caller's organisation so
/// that two organisations' ids never meet.
fn batch_id(c: &Caller, headers: &axum::http::HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().unwrap_or("").trim();
    if key.is_empty()
        || key.len() > MAX_BATCH_ID
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::bad(
            format!("Tiêu đề Idempotency-Key phải gồm 1–{MAX_BATCH_ID} ký tự ASCII in được, không có dấu cách"),
            format!("The Idempotency-Key header must be 1–{MAX_BATCH_ID} printable ASCII characters without spaces"),
        ));
    }
    let owner = match c.user.org_id {
        Some(o) => format!("o{o}"),
        None => format!("u{}", c.user.id),
    };
    Ok(Some(format!("http:{owner}:{key}")))
}

/// Stores a batch that carries a client's id at most once: a retry of a batch already stored
/// (its answer lost) is answered `duplicate` and stores nothing.
async fn ingest_once(
    st: &AppState,
    c: &Caller,
    mut records: Vec<canhgac_ops::monitor::Raw>,
    stream: String,
) -> ApiResult<Json<Value>> {
    let unavailable = |e: &dyn std::fmt::Display| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Chưa lưu được: {e}"),
            format!("Not stored: {e}"),
        )
    };
    let duplicate = || Json(json!({"stored": 0, "malformed": 0, "detections": 0, "queued": 0, "duplicate": true}));
    if st.store.cursor(&stream).await.map_err(|e| unavailable(&e))? > 0 {
        return Ok(duplicate());
    }
    for r in &mut records {
        r.owner = Some((c.scope.clone(), c.user.org_id));
    }
    let done = if st.monitor.publishes() {
        // On the event stream: each message carries the id (the stream drops a resend within
        // its duplicate window) and the worker writes it with the events.
        for r in &mut records {
            r.mark = Some((stream.clone(), 1));
        }
        st.monitor.ingest(records).await
    } else {
        // Here: the id is a guarded cursor in the events' transaction, so of two concurrent
        // retries one is stored and the other refused whole.
        st.monitor
            .ingest_guarded(records, vec![(stream, 1, 1)])
            .await
    };
    match done {
        Ok(report) => Ok(Json(json!(report))),
        Err(canhgac_ops::monitor::MonitorError::Delivered(_)) => Ok(duplicate()),
        Err(e) => Err(unavailable(&e)),
    }
}

/// Hands records over as the caller's (they stay within the caller's organisations) and
/// answers once they are stored.
pub(crate) async fn ingest_as(
    st: &AppState,
    c: &Caller,
    mut records: Vec<canhgac_ops::monitor::Raw>,
) -> ApiResult<Json<Value>> {
    for r in &mut records {
        r.owner = Some((c.scope.clone(), c.user.org_id));
    }
    let report = st.monitor.ingest(records).await.map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Chưa lưu được: {e}"),
            format!("Not stored: {e}"),
        )
    })?;
    Ok(Json(json!(report)))
}

/// `POST /events/import?filename=…`: an .evtx, JSON/JSON lines or text log file (gzip allowed).
#[utoipa::path(
    post,
    path = "/events/import",
    tag = "monitoring",
    summary = "Import a log file (body: .evtx, JSON array, JSON lines or text lines, gzip allowed; ?filename=)",
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator", "org_admin", "org_staff", "telecom_staff"])),
)]
pub(crate) async fn import_events(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let name = p
        .get("filename")
        .cloned()
        .unwrap_or_else(|| "upload".into());
    let records = canhgac_ops::monitor::records_from_file(&name, &body).map_err(|e| {
        ApiError::bad(
            format!("Không đọc được tệp: {e}"),
            format!("Cannot read the file: {e}"),
        )
    })?;
    ingest_as(&st, &c, records).await
}

/// Event search parameters shared by the API and the UI.
pub fn event_filter(p: &HashMap<String, String>) -> canhgac_store::EventFilter {
    let (limit, offset) = page_params(p);
    let time = |k: &str| {
        p.get(k).and_then(|v| {
            let v = v.trim();
            v.parse::<i64>().ok().or_else(|| parse_local_time(v))
        })
    };
    let mut fields = Vec::new();
    for (k, v) in p {
        if let Some(name) = k.strip_prefix("field.") {
            fields.push((name.to_string(), v.clone()));
        }
    }
    if let Some(f) = p.get("field") {
        for part in f.split(';') {
            if let Some((k, v)) = part.split_once(['=', ':']) {
                if !k.trim().is_empty() {
                    fields.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
        }
    }
    fields.sort();
    canhgac_store::EventFilter {
        from: time("from"),
        to: time("to"),
        host: p.get("host").cloned().filter(|s| !s.trim().is_empty()),
        org_id: p.get("org_id").and_then(|v| v.parse().ok()),
        q: p.get("q").cloned().filter(|s| !s.trim().is_empty()),
        fields,
        malformed_only: p.get("malformed").is_some_and(|v| v == "1" || v == "true"),
        limit,
        offset,
    }
}

#[utoipa::path(
    get,
    path = "/events",
    tag = "monitoring",
    summary = "Search stored events in your scope (from, to: Unix ms or dd/mm/yyyy; host; org_id; q: words; field=NAME=VALUE[;…] or field.NAME=VALUE; malformed=1; limit, offset)",
    responses((status = 200, description = "Done", body = Page<canhgac_store::EventRow>), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn search_events(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<canhgac_store::EventRow>>> {
    let f = event_filter(&p);
    let (items, total) = st.store.search_events(&c.scope, &f).await?;
    Ok(Json(Page::new(items, total)))
}

#[utoipa::path(
    get,
    path = "/events/{id}",
    tag = "monitoring",
    summary = "One stored event",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = canhgac_store::EventRow), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_event(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<canhgac_store::EventRow>> {
    let e = st
        .store
        .event(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(e))
}

#[utoipa::path(
    get,
    path = "/monitor",
    tag = "monitoring",
    summary = "Pipeline counters (received, stored, malformed, dropped, detections, alerts), rules running, and (DIC) storage and retention",
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn monitor_status(
    State(st): State<AppState>,
    c: Caller,
) -> ApiResult<Json<Value>> {
    let summary = st.monitor.rules_summary();
    let mut body = json!({
        "counters": st.monitor.stats.snapshot(),
        "rules": {"detection": summary.detection, "correlation": summary.correlation,
                   "refused": summary.refused.len(), "compiled_at": summary.compiled_at},
    });
    if c.role.is_dic() {
        let (events, bytes) = st.store.event_totals().await?;
        body["store"] = json!({"events": events, "bytes": bytes,
            "retention_days": st.monitor.config().retention_days,
            "max_bytes": st.monitor.config().max_event_bytes});
    }
    Ok(Json(body))
}

#[utoipa::path(
    post,
    path = "/monitor/retention",
    tag = "monitoring",
    summary = "Apply event retention now (DIC)",
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn run_retention(
    State(st): State<AppState>,
    _c: Caller,
) -> ApiResult<Json<Value>> {
    let p = canhgac_ops::monitor::prune(&st.store, st.monitor.config()).await?;
    Ok(Json(json!(p)))
}

#[utoipa::path(
    get,
    path = "/rules",
    tag = "monitoring",
    summary = "Sigma rules (q, level, enabled=1|0, origin=sigmahq|custom; limit, offset) and the rules refused with reasons",
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list_rules(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = page_params(&p);
    let f = canhgac_store::RuleFilter {
        q: p.get("q").cloned().filter(|s| !s.trim().is_empty()),
        level: p.get("level").cloned().filter(|s| !s.is_empty()),
        enabled: p.get("enabled").and_then(|v| match v.as_str() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        }),
        origin: p.get("origin").cloned().filter(|s| !s.is_empty()),
        limit,
        offset,
    };
    let (items, total) = st.store.list_rules(&c.scope, &f).await?;
    let summary = st.monitor.rules_summary();
    Ok(Json(
        json!({"items": items, "total": total, "refused": summary.refused}),
    ))
}

#[utoipa::path(
    get,
    path = "/rules/{id}",
    tag = "monitoring",
    summary = "One rule",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = canhgac_store::RuleRow), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn get_rule(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<canhgac_store::RuleRow>> {
    let r = st
        .store
        .rule(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(r))
}

/// `POST /rules?filename=…&org=CODE`: a Sigma rule file (YAML) as the body.
#[utoipa::path(
    post,
    path = "/rules",
    tag = "monitoring",
    summary = "Upload a custom Sigma rule file (body: YAML; ?filename=, ?org=CODE to limit it); refused with every problem named (DIC)",
    request_body(content_type = "application/octet-stream", description = "The file, as uploaded"),
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn upload_rule(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let name = p
        .get("filename")
        .cloned()
        .unwrap_or_else(|| "rule.yml".into());
    let org_id = match p.get("org").filter(|s| !s.is_empty()) {
        Some(code) => Some(org_by_code(&st, code).await?),
        None => None,
    };
    let yaml = String::from_utf8_lossy(&body).into_owned();
    let added = canhgac_ops::monitor::add_custom_rules(
        &st.monitor,
        &st.store,
        &c.actor(),
        &name,
        &yaml,
        org_id,
    )
    .await
    .map_err(rule_error)?;
    Ok(Json(
        json!({"items": added, "rules": st.monitor.rules_summary()}),
    ))
}

pub(crate) fn rule_error(problems: Vec<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("Luật không hợp lệ: {}", problems.join("; ")),
        format!("Invalid rule: {}", problems.join("; ")),
    )
}

pub(crate) async fn org_by_code(st: &AppState, code: &str) -> ApiResult<i64> {
    st.store
        .org_codes()
        .await?
        .get(code.trim())
        .copied()
        .ok_or_else(|| {
            ApiError::bad(
                format!("Không có đơn vị '{code}'"),
                format!("No organisation '{code}'"),
            )
        })
}

/// `dd/mm/yyyy`, `yyyy-mm-dd` or `yyyy-mm-ddThh:mm` (a browser's datetime field), read as
/// Viet Nam time.
pub fn parse_local_time(v: &str) -> Option<i64> {
    canhgac_domain::time::parse_date(v).or_else(|| {
        ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(v.trim(), f).ok())
            .map(|t| t.and_utc().timestamp_millis() - 7 * 3_600_000)
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct RuleSettings {
    enabled: bool,
    /// Organisation code, or empty for every organisation.
    org: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/rules/{id}",
    tag = "monitoring",
    summary = "Turn a rule on or off and limit it to an organisation: {\"enabled\": true, \"org\": \"CODE\"|null} (DIC)",
    params(("id" = i64, Path, description = "Record id")),
    request_body = RuleSettings,
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn update_rule(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RuleSettings>,
) -> ApiResult<Json<Value>> {
    let org_id = match b.org.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => Some(org_by_code(&st, code).await?),
        None => None,
    };
    let r = st.store.set_rule(&c.actor(), id, b.enabled, org_id).await?;
    let summary = st.monitor.reload().await.map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Chưa biên dịch lại được bộ luật: {e}"),
            format!("The rule set could not be recompiled: {e}"),
        )
    })?;
    Ok(Json(json!({"rule": r, "rules": summary})))
}

#[utoipa::path(
    delete,
    path = "/rules/{id}",
    tag = "monitoring",
    summary = "Delete an uploaded rule (DIC)",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn delete_rule(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    st.store.delete_custom_rule(&c.actor(), id).await?;
    let summary = st.monitor.reload().await.map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Chưa biên dịch lại được bộ luật: {e}"),
            format!("The rule set could not be recompiled: {e}"),
        )
    })?;
    Ok(Json(json!({"deleted": id, "rules": summary})))
}

/// `GET /alerts/stream`: server-sent events, one per new or counted-up alert the caller may see.
#[utoipa::path(
    get,
    path = "/alerts/stream",
    tag = "monitoring",
    summary = "Live alert feed (server-sent events, event `alert`), only alerts you may see",
    responses((status = 200, description = "Server-sent events, event `alert`", content_type = "text/event-stream", body = String), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn alert_stream(
    State(st): State<AppState>,
    c: Caller,
) -> axum::response::sse::Sse<
    impl futures_core::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
> {
    crate::feed::alert_sse(&st, c)
}
