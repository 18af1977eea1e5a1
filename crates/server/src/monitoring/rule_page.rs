//! A Sigma rule's page: what it detects, its YAML, where it runs, and what it has raised —
//! alert counts over time and the latest alerts, each a link.

use crate::auth::Caller;
use crate::ui::layout::{page, severity};
use crate::ui::{not_found, store_error_page, UiResult};
use crate::work::triage::{histogram, TriageQuery};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use canhgac_domain::signal::SignalKind;
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_store::SignalFilter;
use maud::html;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// `GET /rules/{id}`.
pub async fn rule_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let r = st
        .store
        .rule(&c.scope, id)
        .await
        .map_err(err)?
        .ok_or_else(|| not_found(&c))?;
    let yaml = r
        .yaml
        .clone()
        .or_else(|| canhgac_ops::monitor::bundled_rule_text(&r.path).map(str::to_string));
    let base = SignalFilter {
        kind: Some(SignalKind::SigmaAlert),
        source: Some(r.rule_key.clone()),
        limit: Some(10),
        ..Default::default()
    };
    let now = now_ms();
    let count = |f: SignalFilter| {
        let st = st.clone();
        let scope = c.scope.clone();
        async move { st.store.count_signals(&scope, &f).await }
    };
    let total = count(base.clone()).await.map_err(err)?;
    let day = count(SignalFilter { since: Some(now - DAY), ..base.clone() }).await.map_err(err)?;
    let week = count(SignalFilter { since: Some(now - 7 * DAY), ..base.clone() }).await.map_err(err)?;
    let open = count(SignalFilter { open_only: true, ..base.clone() }).await.map_err(err)?;
    let (latest, _) = st.store.list_signals(&c.scope, &base).await.map_err(err)?;
    let q = TriageQuery::parse(&[
        ("rule".to_string(), r.rule_key.clone()),
        ("range".to_string(), "7d".to_string()),
    ]);
    let (since, bucket, n) = q.histogram_window(now);
    let buckets = st
        .store
        .signal_histogram(&c.scope, &SignalFilter { limit: None, ..base.clone() }, since, bucket, n)
        .await
        .map_err(err)?;
    let alerts = format!("/alerts?rule={}", urlencoding::encode(&r.rule_key));
    let body = html! {
        p.muted { a href="/rules" { (l.t("Luật Sigma", "Sigma rules")) } " › " (r.title) }
        h1 #rule-title data-raw { (r.title) }
        div.card { dl.kv {
            dt { (l.t("Mã luật", "Rule key")) } dd { code { (r.rule_key) } }
            dt { (l.t("Nguồn", "Origin")) } dd { @if r.origin == "custom" { (l.t("Luật riêng của tỉnh", "The province's own rule")) } @else { (l.t("Bộ luật SigmaHQ đi kèm", "The bundled SigmaHQ rules")) } " · " code { (r.path) } }
            dt { (l.t("Mức độ", "Level")) } dd { (severity(l, &r.level)) }
            dt { (l.t("Nguồn nhật ký", "Log source")) } dd { code { (crate::monitoring::common::log_source(r.product.as_deref(), r.category.as_deref(), r.service.as_deref())) } }
            dt { (l.t("Trạng thái", "Status")) } dd { @if r.enabled == 1 { (l.t("Đang chạy", "Running")) } @else { (l.t("Đang tắt", "Off")) }
                @if let Some(o) = &r.org_code { " · " (l.t("chỉ cho", "only for")) " " (o) } }
        } }
        div.cards #rule-hits {
            a.stat href=(alerts) { b { (crate::ui::fmt::count(l, total)) } span { (l.t("Cảnh báo đã phát sinh", "Alerts raised")) } }
            a.stat href=(format!("{alerts}&range=24h")) { b { (crate::ui::fmt::count(l, day)) } span { (l.t("Trong 24 giờ", "In 24 hours")) } }
            a.stat href=(format!("{alerts}&range=7d")) { b { (crate::ui::fmt::count(l, week)) } span { (l.t("Trong 7 ngày", "In 7 days")) } }
            a.stat href=(format!("{alerts}&open=1")) { b { (crate::ui::fmt::count(l, open)) } span { (l.t("Chưa xử lý", "Open")) } }
        }
        h2 { (l.t("Cảnh báo theo thời gian (7 ngày)", "Alerts over time (7 days)")) }
        (histogram(l, &q, "/alerts", &buckets))
        h2 { (l.t("Cảnh báo gần nhất", "Latest alerts")) }
        table.records #rule-latest { thead { tr { th { (l.t("Cảnh báo", "Alert")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Số lần", "Count")) } th { (l.t("Lần cuối", "Last seen")) } th { (l.t("Trạng thái", "State")) } } }
            tbody { @for s in &latest { tr { td { a href=(format!("/alerts/{}", s.id)) { (s.title) } } td { (s.org_code.clone().unwrap_or_default()) } td { (s.count) } td { (fmt_datetime(s.last_seen)) } td { (l.t(s.state.label_vi(), s.state.label_en())) } } }
                @if latest.is_empty() { tr { td colspan="5" .muted { (l.t("Luật này chưa phát sinh cảnh báo nào", "This rule has raised no alert")) } } } } }
        h2 { (l.t("Nội dung luật (YAML)", "The rule (YAML)")) }
        @match &yaml { Some(y) => pre.yaml #rule-yaml data-raw { (y) }, None => p.muted { (l.t("Không có nội dung luật.", "No rule text.")) } }
    };
    Ok(page(&c, &r.title, "/rules", body).into_response())
}
