//! The server-rendered web UI: Vietnamese first, English on a switch; plain HTML forms
//! (every one carrying the session's CSRF token), no JavaScript needed to work.

pub mod fmt;
pub mod layout;

use crate::auth::{Caller, Lang};
use crate::ui::layout::{bare_page, page};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use canhgac_domain::entity::EntityKind;
use canhgac_store::StoreError;
use maud::html;
use std::collections::HashMap;

/// A UI handler's result: a page, or an error page.
pub type UiResult = Result<Response, Response>;

/// Any path no route knows.
pub async fn fallback(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::api::not_found_json().await.into_response();
    }
    let l = Lang::from_headers(&headers);
    let body = html! { h1 { (l.t("Không tìm thấy trang", "Page not found")) } p { a href="/" { (l.t("Về trang tổng quan", "Back to the overview")) } } };
    (
        StatusCode::NOT_FOUND,
        bare_page(l, l.t("Không tìm thấy", "Not found"), body),
    )
        .into_response()
}

/// A query parameter's value, empty when absent (the first one when repeated).
pub(crate) fn param(params: &[(String, String)], name: &str) -> String {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A stored file as a download, never rendered inline: `attachment` (the name ASCII-folded and
/// in RFC 5987 form), `application/octet-stream`, `nosniff` and a `sandbox` CSP.
pub(crate) fn download(name: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    let ascii: String = name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ".-_".contains(ch) {
                ch
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urlencoding::encode(name)
    );
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CONTENT_SECURITY_POLICY, "sandbox".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A PDF as a download.
pub(crate) fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A multipart form as read: its text fields and its non-empty files.
pub(crate) struct Upload {
    /// Text fields by name.
    pub fields: HashMap<String, String>,
    /// Files as `(field, file name, bytes)`.
    pub files: Vec<(String, Option<String>, Vec<u8>)>,
}

impl Upload {
    /// The first file of a field.
    pub fn file(&self, field: &str) -> Option<(Option<&str>, &[u8])> {
        self.files
            .iter()
            .find(|(f, _, _)| f == field)
            .map(|(_, n, b)| (n.as_deref(), b.as_slice()))
    }
}

/// Reads a multipart form whole; a broken upload is answered with a page.
pub(crate) async fn read_upload(
    c: &Caller,
    mut mp: axum::extract::Multipart,
) -> Result<Upload, Response> {
    let broken = || {
        error_page(
            c,
            StatusCode::BAD_REQUEST,
            "Tải tệp lên không thành công.",
            "The upload did not complete.",
        )
    };
    let mut up = Upload {
        fields: HashMap::new(),
        files: Vec::new(),
    };
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().map(str::to_string);
                let bytes = field.bytes().await.map_err(|_| broken())?;
                match file_name {
                    Some(f) if !bytes.is_empty() => up.files.push((name, Some(f), bytes.to_vec())),
                    Some(_) => {}
                    None => {
                        up.fields
                            .insert(name, String::from_utf8_lossy(&bytes).trim().to_string());
                    }
                }
            }
            Ok(None) => return Ok(up),
            Err(_) => return Err(broken()),
        }
    }
}

/// A full error page with a status.
pub(crate) fn error_page(c: &Caller, status: StatusCode, vi: &str, en: &str) -> Response {
    let l = c.lang;
    let body = html! { h1 { (l.t("Không thực hiện được", "Could not do that")) } div.flash.bad { (l.t(vi, en)) } p { a href="/" data-back { "← " (l.t("Quay lại", "Back")) } } };
    (status, page(c, l.t("Lỗi", "Error"), "", body)).into_response()
}

pub(crate) fn not_found(c: &Caller) -> Response {
    error_page(
        c,
        StatusCode::NOT_FOUND,
        "Không tìm thấy trang hoặc bản ghi này (hoặc bạn không có quyền xem).",
        "No such page or record (or it is not visible to you).",
    )
}

pub(crate) fn store_error_page(c: &Caller, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => not_found(c),
        StoreError::Forbidden(m) => error_page(
            c,
            StatusCode::FORBIDDEN,
            &format!("Không được phép: {m}"),
            &format!("Forbidden: {m}"),
        ),
        StoreError::Conflict(m) => error_page(
            c,
            StatusCode::CONFLICT,
            &format!("Xung đột dữ liệu: {m}"),
            &format!("Conflict: {m}"),
        ),
        StoreError::Invalid(errs) => {
            let en: Vec<String> = errs
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            let vi: Vec<String> = errs
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message_vi))
                .collect();
            error_page(
                c,
                StatusCode::UNPROCESSABLE_ENTITY,
                &vi.join("; "),
                &en.join("; "),
            )
        }
        other => {
            tracing::error!(error = %other, "storage error");
            error_page(
                c,
                StatusCode::SERVICE_UNAVAILABLE,
                "Lỗi lưu trữ; hãy thử lại sau ít phút.",
                "Storage error; try again in a few minutes.",
            )
        }
    }
}

pub(crate) fn must_write(c: &Caller, kind: EntityKind) -> Result<(), Response> {
    if kind == EntityKind::Org && !c.role.can_manage_orgs() {
        return Err(error_page(
            c,
            StatusCode::FORBIDDEN,
            "Chỉ Sở TTTT được thêm, sửa, xoá đơn vị.",
            "Only the DIC manages organisations.",
        ));
    }
    Ok(())
}
