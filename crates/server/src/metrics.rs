//! `/healthz` and Prometheus `/metrics` (text exposition format, written by hand: a few
//! counters do not need a metrics framework).

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use canhgac_domain::Scope;
use canhgac_store::WorkFilter;
use serde_json::json;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Process counters.
#[derive(Default)]
pub struct Metrics {
    /// HTTP responses by class: 2xx, 3xx, 4xx, 5xx.
    pub responses: [AtomicU64; 4],
    /// Failed or refused log-ins.
    pub login_failures: AtomicU64,
    /// Successful imports.
    pub imports: AtomicU64,
    /// HTTP connections admitted, refused and timed out.
    pub http: std::sync::Arc<canhgac_ops::conns::Gate>,
}

/// Counts every response by status class.
pub async fn count_requests(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let class = (resp.status().as_u16() / 100).clamp(2, 5) as usize - 2;
    st.metrics.responses[class].fetch_add(1, Ordering::Relaxed);
    resp
}

/// Health and metrics routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

async fn healthz(State(st): State<AppState>) -> Response {
    if st.store.ping().await {
        Json(json!({"status": "ok", "store": st.store.backend()})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "store": st.store.backend()})),
        )
            .into_response()
    }
}

/// Whether a request may read `/metrics`: with `[server] metrics_token` set, only with that
/// bearer token; otherwise only from this machine, directly (a request that came through a
/// reverse proxy, which would look local, is refused).
fn may_read_metrics(st: &AppState, req: &Request) -> bool {
    match &st.config.metrics_token {
        Some(want) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|got| crate::auth::constant_time_eq(got.as_bytes(), want.as_bytes())),
        None => {
            let proxied = req.headers().contains_key("x-forwarded-for")
                || req.headers().contains_key(header::FORWARDED);
            let peer = req
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip());
            !proxied && peer.is_none_or(|ip| ip.is_loopback())
        }
    }
}

async fn metrics(State(st): State<AppState>, req: Request) -> Response {
    if !may_read_metrics(&st, &req) {
        return (
            StatusCode::FORBIDDEN,
            "/metrics: cần mã metrics_token hoặc truy cập từ chính máy chủ / needs the metrics_token or a request from this machine\n",
        )
            .into_response();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP canhgac_http_responses_total HTTP responses by status class."
    );
    let _ = writeln!(out, "# TYPE canhgac_http_responses_total counter");
    for (i, class) in ["2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
        let _ = writeln!(
            out,
            "canhgac_http_responses_total{{class=\"{class}\"}} {}",
            st.metrics.responses[i].load(Ordering::Relaxed)
        );
    }
    let _ = writeln!(
        out,
        "# HELP canhgac_login_failures_total Failed or rate-limited log-ins."
    );
    let _ = writeln!(out, "# TYPE canhgac_login_failures_total counter");
    let _ = writeln!(
        out,
        "canhgac_login_failures_total {}",
        st.metrics.login_failures.load(Ordering::Relaxed)
    );
    let _ = writeln!(out, "# HELP canhgac_imports_total Files imported.");
    let _ = writeln!(out, "# TYPE canhgac_imports_total counter");
    let _ = writeln!(
        out,
        "canhgac_imports_total {}",
        st.metrics.imports.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "# HELP canhgac_connections_open Connections open now, by listener."
    );
    let _ = writeln!(out, "# TYPE canhgac_connections_open gauge");
    let _ = writeln!(
        out,
        "# HELP canhgac_connections_refused_total Connections refused at the connection limits."
    );
    let _ = writeln!(out, "# TYPE canhgac_connections_refused_total counter");
    let _ = writeln!(
        out,
        "# HELP canhgac_connections_timed_out_total Connections closed as idle or too slow."
    );
    let _ = writeln!(out, "# TYPE canhgac_connections_timed_out_total counter");
    for (name, g) in [
        ("http", &st.metrics.http),
        ("syslog", &st.monitor.connections),
    ] {
        let _ = writeln!(
            out,
            "canhgac_connections_open{{listener=\"{name}\"}} {}",
            g.open()
        );
        let _ = writeln!(
            out,
            "canhgac_connections_refused_total{{listener=\"{name}\"}} {}",
            g.refused.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "canhgac_connections_timed_out_total{{listener=\"{name}\"}} {}",
            g.timed_out.load(Ordering::Relaxed)
        );
    }
    if let Some(sp) = st.spool.get() {
        let _ = writeln!(
            out,
            "# HELP canhgac_spool_pending_bytes Syslog records on the disk spool not yet stored."
        );
        let _ = writeln!(out, "# TYPE canhgac_spool_pending_bytes gauge");
        let _ = writeln!(out, "canhgac_spool_pending_bytes {}", sp.stats.pending());
        let _ = writeln!(
            out,
            "# HELP canhgac_spool_records_total Syslog records written to the disk spool."
        );
        let _ = writeln!(out, "# TYPE canhgac_spool_records_total counter");
        let _ = writeln!(
            out,
            "canhgac_spool_records_total {}",
            sp.stats.records.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP canhgac_spool_dropped_total UDP syslog records dropped with the spool full."
        );
        let _ = writeln!(out, "# TYPE canhgac_spool_dropped_total counter");
        let _ = writeln!(
            out,
            "canhgac_spool_dropped_total {}",
            sp.stats.dropped.load(Ordering::Relaxed)
        );
    }
    let up = st.store.ping().await;
    let _ = writeln!(out, "# HELP canhgac_store_up Whether the store answers.");
    let _ = writeln!(out, "# TYPE canhgac_store_up gauge");
    let _ = writeln!(
        out,
        "canhgac_store_up{{backend=\"{}\"}} {}",
        st.store.backend(),
        u8::from(up)
    );
    if let Ok(counts) = st.store.counts(&Scope::All).await {
        let _ = writeln!(
            out,
            "# HELP canhgac_registry_records Records in the registry by kind."
        );
        let _ = writeln!(out, "# TYPE canhgac_registry_records gauge");
        for (k, n) in counts {
            let _ = writeln!(out, "canhgac_registry_records{{kind=\"{}\"}} {n}", k.slug());
        }
    }
    let open_signals = st.store.open_signal_count().await.map(|n| ((), n));
    let open_work = st
        .store
        .list_work_items(
            &Scope::All,
            &WorkFilter {
                open_only: true,
                limit: Some(1),
                ..Default::default()
            },
        )
        .await;
    if let (Ok((_, s)), Ok((_, w))) = (open_signals, open_work) {
        let _ = writeln!(out, "# HELP canhgac_open_signals Signals not yet resolved.");
        let _ = writeln!(out, "# TYPE canhgac_open_signals gauge");
        let _ = writeln!(out, "canhgac_open_signals {s}");
        let _ = writeln!(
            out,
            "# HELP canhgac_open_work_items Work items not yet closed."
        );
        let _ = writeln!(out, "# TYPE canhgac_open_work_items gauge");
        let _ = writeln!(out, "canhgac_open_work_items {w}");
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
