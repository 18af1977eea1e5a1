//! The JSON API under `/api/v1`. Lists are `{"items": [...], "total": N}` with
//! `limit`/`offset`; errors are `{"error": "...", "message_vi": "...", "fields"|"rows": [...]}`.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use canhgac_domain::entity::FieldError;
use canhgac_ops::import::RowError;
use canhgac_store::StoreError;
use serde_json::json;
use std::collections::HashMap;

pub use crate::openapi::ApiErrorBody;

/// The refusals of a route that needs a signed-in caller: 400, 401, 403, 404 (each an
/// [`ApiErrorBody`]). Documentation only: listed in `#[utoipa::path(responses(...))]`.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Refusals {
    /// The request is not valid (a parameter, a body that is not JSON).
    #[response(status = 400)]
    BadRequest(ApiErrorBody),
    /// Not signed in (no token or session, or an expired one).
    #[response(status = 401)]
    NotSignedIn(ApiErrorBody),
    /// Not allowed for the caller's role, or on this record.
    #[response(status = 403)]
    Forbidden(ApiErrorBody),
    /// Not found, or not in the caller's scope.
    #[response(status = 404)]
    NotFound(ApiErrorBody),
}

/// The refusal of a change: 422, each bad field or row named.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Invalid {
    /// Invalid: each bad field or row is named.
    #[response(status = 422)]
    Invalid(ApiErrorBody),
}

/// A page of a list, as every list route answers: the items of this page and how many there
/// are in all (for `limit`/`offset`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// How many there are in all. Alert lists count up to 10,001: that total means more than
    /// 10,000.
    pub total: i64,
}

impl<T> Page<T> {
    /// A page.
    pub fn new(items: Vec<T>, total: impl TryInto<i64>) -> Page<T> {
        Page {
            items,
            total: total.try_into().unwrap_or(i64::MAX),
        }
    }
}

/// An error a person can act on.
#[derive(Debug)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    pub(crate) message_vi: String,
    pub(crate) fields: Vec<FieldError>,
    pub(crate) rows: Vec<RowError>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, vi: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: en.into(),
            message_vi: vi.into(),
            fields: vec![],
            rows: vec![],
        }
    }
    pub(crate) fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "Không tìm thấy bản ghi (hoặc bạn không có quyền xem)",
            "Not found (or not visible to you)",
        )
    }
    pub(crate) fn bad(vi: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, vi, en)
    }
}

impl From<canhgac_ops::botnet::RetroError> for ApiError {
    fn from(e: canhgac_ops::botnet::RetroError) -> Self {
        match e {
            canhgac_ops::botnet::RetroError::File(f) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: f.to_string(),
                message_vi: f.message_vi(),
                fields: Vec::new(),
                rows: Vec::new(),
            },
            canhgac_ops::botnet::RetroError::Store(s) => s.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden(m) => ApiError::new(
                StatusCode::FORBIDDEN,
                format!("Không được phép: {m}"),
                format!("Forbidden: {m}"),
            ),
            StoreError::Invalid(fields) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!(
                    "Invalid record: {}",
                    fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                message_vi: format!(
                    "Dữ liệu không hợp lệ: {}",
                    fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message_vi))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                fields,
                rows: vec![],
            },
            StoreError::Conflict(m) => ApiError::new(
                StatusCode::CONFLICT,
                format!("Xung đột dữ liệu: {m}"),
                format!("Conflict: {m}"),
            ),
            other => {
                tracing::error!(error = %other, "storage error");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Lỗi lưu trữ, hãy thử lại sau",
                    "Storage error, try again later",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.message, "message_vi": self.message_vi});
        if !self.fields.is_empty() {
            body["fields"] = json!(self.fields);
        }
        if !self.rows.is_empty() {
            body["rows"] = json!(self.rows);
        }
        (self.status, Json(body)).into_response()
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// A JSON body whose errors are answered as [`ApiError`]s (JSON, both languages).
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(ApiError::bad(
                format!("Nội dung JSON không hợp lệ: {}", rej.body_text()),
                format!("Invalid JSON body: {}", rej.body_text()),
            )),
        }
    }
}

/// The answer to an API path that does not exist.
pub async fn not_found_json() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "Không có đường dẫn API này; xem /api/v1/openapi.json",
        "No such API path; see /api/v1/openapi.json",
    )
}

pub(crate) fn page_params(p: &HashMap<String, String>) -> (Option<i64>, Option<i64>) {
    (
        p.get("limit").and_then(|v| v.parse().ok()),
        p.get("offset").and_then(|v| v.parse().ok()),
    )
}
