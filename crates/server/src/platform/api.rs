//! The platform-alerts API: the signed webhook (public: the sender's token and signature are its
//! authentication), the list, and registering a sender.

use crate::api::*;
use crate::auth::Caller;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use canhgac_ops::platform::{self, PushError, PushReport};
use canhgac_store::PlatformAlertRow;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

fn refused(e: PushError) -> ApiError {
    let status = match e {
        PushError::Token | PushError::Signature | PushError::Header(_) | PushError::Stale => {
            StatusCode::UNAUTHORIZED
        }
        PushError::Replay => StatusCode::CONFLICT,
        PushError::Body(_) => StatusCode::UNPROCESSABLE_ENTITY,
        PushError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    let vi = match &e {
        PushError::Token => "Mã của nguồn gửi không đúng.".to_string(),
        PushError::Header(h) => format!("Thiếu hoặc sai tiêu đề {h}."),
        PushError::Stale => "Dấu thời gian lệch quá 5 phút so với máy chủ.".to_string(),
        PushError::Signature => "Chữ ký không khớp với nội dung.".to_string(),
        PushError::Replay => "Yêu cầu này đã nhận rồi (gửi lại).".to_string(),
        PushError::Body(m) => format!("Nội dung không hợp lệ: {m}"),
        PushError::Store(m) => format!("Lỗi lưu trữ: {m}"),
    };
    ApiError::new(status, vi, e.to_string())
}

#[utoipa::path(
    post,
    path = "/platform-alerts",
    tag = "platform",
    summary = "Push national-platform alerts (one object or an array: id, time, type, target IP/domain/URL, description, severity, recommendation). Headers: X-Platform-Token (the sender's token), X-Canhgac-Timestamp (Unix seconds, within 5 minutes), X-Canhgac-Signature (hex HMAC-SHA256 of timestamp + '.' + body with the sender's secret); a signature is accepted once. The same id again updates its alert",
    request_body = Object,
    responses((status = 200, description = "Stored", body = PushReport), (status = 401, description = "Bad token, signature or timestamp", body = crate::openapi::ApiErrorBody), (status = 409, description = "Replay", body = crate::openapi::ApiErrorBody), (status = 422, description = "Invalid alerts, each named", body = crate::openapi::ApiErrorBody)),
)]
pub(crate) async fn push(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PushReport>> {
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok());
    let token = h("x-platform-token").ok_or_else(|| refused(PushError::Token))?;
    let source = st
        .store
        .platform_source_by_token(&crate::auth::token_hash(token))
        .await?
        .ok_or_else(|| refused(PushError::Token))?;
    let now = canhgac_domain::time::now_ms();
    platform::verify(
        &st.store,
        &source,
        h("x-canhgac-timestamp"),
        h("x-canhgac-signature"),
        &body,
        now,
    )
    .await
    .map_err(refused)?;
    let alerts = platform::parse(&body).map_err(refused)?;
    let dir = canhgac_ops::directory::Directory::load(&st.store).await?;
    let report = platform::ingest(&st.store, &dir, &source, &alerts)
        .await
        .map_err(refused)?;
    Ok(Json(report))
}

#[utoipa::path(
    get,
    path = "/platform-alerts",
    tag = "platform",
    summary = "National-platform alerts in your scope, newest first, with their handling status (the DIC also sees the unmatched queue; queue=1 for it alone)",
    responses((status = 200, description = "Done", body = [PlatformAlertRow]), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<PlatformAlertRow>>> {
    let queue = q.get("queue").is_some_and(|v| v == "1");
    Ok(Json(
        st.store
            .list_platform_alerts(&c.scope, queue, 2000)
            .await?,
    ))
}

/// A sender to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct SourceBody {
    /// Its name (e.g. "IRLab VNCERT/CC").
    name: String,
}

#[utoipa::path(
    post,
    path = "/platform-sources",
    tag = "platform",
    summary = "Register a sender of platform alerts: answers its token and HMAC secret, shown this once",
    request_body = SourceBody,
    responses((status = 200, description = "Registered", body = Object), Refusals),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn create_source(
    State(st): State<AppState>,
    c: Caller,
    Json(b): Json<SourceBody>,
) -> ApiResult<Json<Value>> {
    let (token, secret) = new_source(&st, &c, &b.name).await?;
    Ok(Json(json!({"name": b.name.trim(), "token": token, "secret": secret})))
}

/// Registers a sender; returns its token and secret.
pub(crate) async fn new_source(st: &AppState, c: &Caller, name: &str) -> ApiResult<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(ApiError::bad("Hãy đặt tên nguồn gửi.", "Name the sender."));
    }
    let token = crate::auth::random_token();
    let secret = crate::auth::random_token();
    st.store
        .create_platform_source(&c.actor(), name, &crate::auth::token_hash(&token), &secret)
        .await?;
    Ok((token, secret))
}
