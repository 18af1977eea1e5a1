//! Response hardening and the static files the pages load.
//!
//! Every response carries a strict Content-Security-Policy (scripts, styles, images and
//! connections from our own origin only; no inline script or style, no framing, no plugins),
//! `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (for browsers without CSP level 2)
//! and `Referrer-Policy: same-origin`. A body over the configured limit is answered like every
//! other error: JSON under `/api`, a page elsewhere.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The Content-Security-Policy of every response.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

const APP_CSS: &str = include_str!("../static/app.css");
const APP_JS: &str = include_str!("../static/app.js");
const LIVE_JS: &str = include_str!("../static/live.js");
const WALL_JS: &str = include_str!("../static/wall.js");
const FAVICON: &str = include_str!("../static/favicon.svg");

/// `/static/…`: the style sheet and scripts (public: the log-in page needs them too).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/static/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/static/live.js",
            get(|| async { asset("text/javascript; charset=utf-8", LIVE_JS) }),
        )
        .route(
            "/static/wall.js",
            get(|| async { asset("text/javascript; charset=utf-8", WALL_JS) }),
        )
        // Browsers ask for it on their own; without it every first page logs a failed load.
        .route(
            "/favicon.ico",
            get(|| async { asset("image/svg+xml", FAVICON) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // The pages name them with the version (`?v=`), so they may be kept a day.
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// Adds the security headers; answers an oversize body in the error format of its side.
pub async fn harden(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut resp = next.run(req).await;
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json(&resp) {
        let limit = st.config.max_body_bytes;
        let (vi, en) = (
            format!(
                "Nội dung gửi lên quá lớn (tối đa {} MiB)",
                limit / (1024 * 1024)
            ),
            format!(
                "Request body too large (at most {} MiB)",
                limit / (1024 * 1024)
            ),
        );
        resp = if api {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                axum::Json(serde_json::json!({"error": en, "message_vi": vi})),
            )
                .into_response()
        } else {
            let body = maud::html! { h1 { (vi) } p.muted { (en) } p { a href="/" data-back { "← Quay lại / Back" } } };
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                crate::ui::layout::bare_page(crate::auth::Lang::Vi, &vi, body),
            )
                .into_response()
        };
    }
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
