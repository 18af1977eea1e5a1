//! What the monitoring pages share.

use crate::auth::{Caller, Lang};
use crate::ui::store_error_page;
#[allow(unused_imports)]
use crate::ui::*;
use crate::AppState;
use axum::response::Response;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::signal::{Severity, SignalState};
use canhgac_domain::time::vn_offset;
use canhgac_store::SignalRow;
use maud::{html, Markup};
use serde_json::{json, Value};

/// Alerts per page.
pub(crate) const PAGE: i64 = 50;

/// `dd/mm/yyyy HH:MM:SS` in Viet Nam time.
pub(crate) fn fmt_seconds(ms: i64) -> String {
    use chrono::TimeZone;
    vn_offset()
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%d/%m/%Y %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// At most `n` characters, with an ellipsis when cut.
pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The host an event names: a link to its registry record when the caller may see it, else
/// the name as the event gave it.
pub(crate) async fn host_cell(
    st: &AppState,
    c: &Caller,
    host_id: Option<i64>,
    name: &str,
) -> Result<Markup, Response> {
    if let Some(h) = host_id {
        let rec = st
            .store
            .get(EntityKind::Host, &c.scope, h)
            .await
            .map_err(|e| store_error_page(c, e))?;
        if let Some(rec) = rec {
            let shown = if name.is_empty() {
                text(&rec["hostname"])
            } else {
                name.to_string()
            };
            return Ok(html! { a href=(format!("/hosts/{h}")) { (shown) } });
        }
    }
    Ok(html! { (name) })
}

pub(crate) fn payload(s: &SignalRow) -> Value {
    s.payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or(Value::Null)
}

/// `product / category / service`, skipping what is unknown.
pub(crate) fn log_source(
    product: Option<&str>,
    category: Option<&str>,
    service: Option<&str>,
) -> String {
    [product, category, service]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

pub(crate) fn org_select(l: Lang, name: &str, orgs: &[(String, String)], current: &str) -> Markup {
    html! {
        select id=(name) name=(name) { option value="" { (l.t("Tất cả", "All")) }
            @for (code, title) in orgs { option value=(code) selected[code == current] { (code) " — " (title) } } }
    }
}

// ---- Alerts ----

/// The live feed's labels in the page's language (the feed itself, `static/live.js`, prepends
/// each alert the stream announces to the table).
pub(crate) fn live_labels(l: Lang) -> String {
    let sev: serde_json::Map<String, Value> = Severity::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                json!(l.t(s.label_vi(), s.label_en())),
            )
        })
        .collect();
    json!({
        "sev": sev,
        "fresh": l.t("Mới", "New"),
        "again": l.t("Lặp lại", "Again"),
        "state": l.t(SignalState::New.label_vi(), SignalState::New.label_en()),
        "filtered": l.t("có cảnh báo mới — tải lại trang để xem theo bộ lọc", "new alerts — reload to see them with your filters"),
        "on": l.t("đang nhận trực tiếp", "live"),
        "off": l.t("mất kết nối, đang thử lại…", "disconnected, retrying…"),
    })
    .to_string()
    // The labels sit in a <script type="application/json"> element.
    .replace("</", "<\\/")
}

/// A list query string kept through a rule's settings form: only characters
/// `urlencoding` produces, so it cannot leave `/rules`.
pub(crate) fn safe_back(back: &str) -> String {
    if back
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || "%._~+-=&".contains(ch))
    {
        back.to_string()
    } else {
        String::new()
    }
}
