//! The wall: `/wall` renders it once; `/wall/stream` sends it again every few seconds as a
//! server-sent event `wall` whose data is the rendered panel (`static/wall.js` puts it in
//! place). Everything is read within the caller's scope; the ingest rate, a province-wide
//! figure, only for province-wide roles.

use crate::auth::Caller;
use crate::ui::layout::{asset, severity};
use crate::ui::UiResult;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::IntoResponse;
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_store::{IncidentFilter, SignalFilter};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Seconds between two renderings sent on the stream.
pub const EVERY_SECONDS: u64 = 5;

fn tile_class(pct: i64) -> &'static str {
    match pct {
        95.. => "tile ok",
        80..=94 => "tile warn",
        _ => "tile bad",
    }
}

/// The wall's figures for one scope (kept a moment in [`crate::figures`]): what every panel
/// of the same scope shows.
struct Figures {
    /// When they were read (the panel's "updated" stamp).
    at: i64,
    by_sev: Vec<(Severity, i64)>,
    newest: Vec<canhgac_store::SignalRow>,
    incidents: Vec<canhgac_store::IncidentRow>,
    due: Vec<Vec<canhgac_ops::reports::Deadline>>,
    compliance: Vec<canhgac_store::ComplianceRow>,
    newest_period: Option<String>,
    listed: HashMap<String, i64>,
    platform_open: usize,
    spam_open: i64,
    spam_late: i64,
    silent: i64,
    sources: i64,
    quiet_sources: i64,
    attacks: Vec<canhgac_store::FlowAttackRow>,
    /// How many of the figures could not be read (the panel says so rather than show zeros).
    missing: usize,
}

/// A figure read, or its empty value when the store failed: the failure is logged and counted
/// in `missing` so the panel can say some figures are missing instead of showing a quiet zero.
trait OrMissing<T> {
    fn or_missing(self, missing: &mut usize) -> T;
}

impl<T: Default, E: std::fmt::Display> OrMissing<T> for Result<T, E> {
    fn or_missing(self, missing: &mut usize) -> T {
        self.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "a figure of the wall could not be read");
            *missing += 1;
            T::default()
        })
    }
}

async fn figures(st: &AppState, scope: &canhgac_domain::Scope, now: i64) -> Figures {
    let s = &st.store;
    let mut missing = 0;
    let count = |sev: Option<Severity>, kind: Option<SignalKind>| SignalFilter {
        open_only: true,
        severity: sev,
        kind,
        limit: Some(1),
        ..Default::default()
    };
    let mut by_sev = Vec::new();
    for sev in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low] {
        let n = s.count_signals(scope, &count(Some(sev), None)).await.or_missing(&mut missing);
        by_sev.push((sev, n));
    }
    let newest: Vec<_> = s
        .list_signals(scope, &SignalFilter { open_only: true, limit: Some(40), ..Default::default() })
        .await
        .map(|x| x.0)
        .or_missing(&mut missing)
        .into_iter()
        .filter(|x| matches!(x.severity, Severity::Critical | Severity::High))
        .take(6)
        .collect();
    let (incidents, _) = s
        .list_incidents(scope, &IncidentFilter { open_only: true, limit: Some(50), ..Default::default() })
        .await
        .or_missing(&mut missing);
    let mut due = Vec::new();
    for i in incidents.iter().take(8) {
        due.push(canhgac_ops::reports::deadlines(s, scope, i, now).await.or_missing(&mut missing));
    }
    let compliance = s.patch_compliance(scope).await.or_missing(&mut missing);
    let botnet = s.botnet_stats(scope).await.or_missing(&mut missing);
    let newest_period = botnet.iter().map(|(p, _, _)| p.clone()).max();
    let listed: HashMap<String, i64> = botnet
        .iter()
        .filter(|(p, _, _)| Some(p) == newest_period.as_ref())
        .map(|(_, code, n)| (code.clone(), *n))
        .collect();
    let platform = s.list_platform_alerts(scope, false, 200).await.or_missing(&mut missing);
    let platform_open = platform.iter().filter(|a| a.status.as_deref().is_none_or(|x| x == "new" || x.is_empty())).count();
    let spam_open = s.spam_case_count(scope, Some("open")).await.or_missing(&mut missing);
    let spam_late = s.spam_case_count(scope, Some("overdue")).await.or_missing(&mut missing);
    let silent = s.count_signals(scope, &count(None, Some(SignalKind::SourceSilent))).await.or_missing(&mut missing);
    let sources = s.log_source_totals(scope, now - 3_600_000).await.or_missing(&mut missing);
    let attacks = s.flow_attacks(scope, true, None, None, 20).await.or_missing(&mut missing);
    Figures {
        at: now,
        by_sev,
        newest,
        incidents,
        due,
        compliance,
        newest_period,
        listed,
        platform_open,
        spam_open,
        spam_late,
        silent,
        sources: sources.sources,
        quiet_sources: sources.quiet,
        attacks,
        missing,
    }
}

/// The wall's panel for `c`, with the ingest rate measured over the last interval (if known).
pub(crate) async fn panel(st: &AppState, c: &Caller, rate: Option<f64>) -> Markup {
    let l = c.lang;
    let now = now_ms();
    let f = st
        .figures
        .get("wall", &c.scope, "", || async { Ok::<_, std::convert::Infallible>(figures(st, &c.scope, now).await) })
        .await
        .unwrap_or_else(|e| match e {});
    let Figures { at, by_sev, newest, incidents, due, compliance, newest_period, listed, platform_open, spam_open, spam_late, silent, sources, quiet_sources, attacks, missing } = &*f;
    let mut by_stage: HashMap<&str, i64> = HashMap::new();
    for i in incidents {
        *by_stage.entry(i.stage.as_str()).or_default() += 1;
    }
    let due: Vec<_> = incidents.iter().zip(due).collect();
    let on_duty = crate::duty::pages::now_card(st, c).await;
    let stages = [
        ("detected", "Mới phát hiện", "Detected"),
        ("triaged", "Đã phân loại", "Triaged"),
        ("contained", "Đã ngăn chặn", "Contained"),
        ("eradicated", "Đã loại bỏ", "Eradicated"),
        ("recovered", "Đã khôi phục", "Recovered"),
    ];
    html! {
        div.wall-grid {
            section.wall-box #wall-signals {
                h2 { a href="/signals?open=1" { (l.t("Cảnh báo chưa xử lý", "Open alerts")) } }
                div.wall-counts { @for (sev, n) in by_sev.iter() { a.wall-count href=(format!("/signals?open=1&severity={}", sev.as_str())) { b { (crate::ui::fmt::count(l, *n)) } (severity(l, sev.as_str())) } } }
                ul.wall-list { @for x in newest { li { (severity(l, x.severity.as_str())) " " a href=(crate::work::triage::signal_href(x)) { (x.title) } span.muted { " · " (x.org_code.clone().unwrap_or_default()) " · " (fmt_datetime(x.last_seen)) } } }
                    @if newest.is_empty() { li.muted { (l.t("Không có cảnh báo cao hay nghiêm trọng đang mở.", "No open high or critical alerts.")) } } }
            }
            section.wall-box #wall-incidents {
                h2 { a href="/incidents" { (l.t("Sự cố đang xử lý", "Incidents under way")) } " (" (incidents.len()) ")" }
                div.wall-counts { @for (k, vi, en) in stages { span.wall-count { b { (by_stage.get(k).copied().unwrap_or(0)) } (l.t(vi, en)) } } }
                ul.wall-list { @for (i, d) in &due { li { a href=(format!("/incidents/{}", i.id)) { (i.title) } span.muted { " · " (i.org_code.clone().unwrap_or_default()) }
                    @for x in d.iter() { " · " @if x.state == canhgac_domain::report::DueState::Overdue { span.badge.sev-critical { (l.t(x.state.label_vi(), x.state.label_en())) } } @else { span { (l.t(x.kind.label_vi(), x.kind.label_en())) ": " (l.t(x.state.label_vi(), x.state.label_en())) " (" (fmt_datetime(x.due.at)) ")" } } } } }
                    @if incidents.is_empty() { li.muted { (l.t("Không có sự cố đang mở.", "No open incidents.")) } } }
            }
            section.wall-box #wall-duty { (on_duty) }
            section.wall-box #wall-queues {
                h2 { (l.t("Việc chờ xử lý", "Waiting for action")) }
                div.wall-counts {
                    a.wall-count href="/platform" { b { (platform_open) } (l.t("cảnh báo từ nền tảng quốc gia", "national-platform alerts")) }
                    a.wall-count href="/spam/cases" { b { (spam_open) } (l.t("vụ tin rác, lừa đảo", "spam and fraud cases")) @if *spam_late > 0 { " " span.badge.sev-high { (spam_late) (l.t(" quá hạn", " overdue")) } } }
                    a.wall-count href="/flows/attacks?active=1" { b { (attacks.len()) } (l.t("tấn công mạng đang diễn ra", "network attacks under way")) }
                }
                ul.wall-list { @for a in attacks { li { span.badge.sev-critical { (crate::flows::pages::kind_word(l, &a.kind)) } " " a href=(format!("/flows/attacks/{}", a.id)) { code { (a.target) } } span.muted { " · " (a.org_name) " · " (crate::flows::pages::num(l, a.peak_pps)) (l.t(" gói/s", " pkt/s")) } } } }
            }
            section.wall-box #wall-ingest {
                h2 { a href="/sources" { (l.t("Nhận nhật ký", "Log intake")) } }
                div.wall-counts {
                    @if let Some(r) = rate { span.wall-count { b { (format!("{r:.0}")) } (l.t("sự kiện/giây", "events/s")) } }
                    span.wall-count { b { (sources) } (l.t("nguồn nhật ký", "log sources")) }
                    a.wall-count href="/signals?open=1&kind=source_silent" { b { (crate::ui::fmt::count(l, *silent)) } (l.t("nguồn im lặng bất thường", "sources gone silent")) }
                    span.wall-count { b { (quiet_sources) } (l.t("nguồn không gửi trong 1 giờ", "sources quiet for an hour")) }
                }
            }
            section.wall-box.wide #wall-heat {
                h2 { (l.t("Vá lỗi và Botnet theo đơn vị", "Patching and Botnet by organisation")) @if let Some(p) = newest_period { span.muted { " · " (l.t("danh sách kỳ ", "list of ")) (crate::ui::fmt::period(p)) } } }
                div.tiles { @for r in compliance {
                    @let pct = if r.hosts > 0 { (r.hosts - r.hosts_to_patch) * 100 / r.hosts } else { 100 };
                    @let bot = listed.get(r.code.as_str()).copied().unwrap_or(0);
                    a class=(if bot > 0 { format!("{} botnet", tile_class(pct)) } else { tile_class(pct).to_string() }) href=(format!("/compliance#org-{}", r.code)) title=(r.name) {
                        b { (r.code) } span { (pct) "% " (l.t("đã vá", "patched")) } @if bot > 0 { span.bot { (bot) " Botnet" } }
                    }
                } }
            }
        }
        p.muted.wall-stamp { (l.t("Cập nhật lúc ", "Updated ")) (fmt_datetime(*at)) }
        @if *missing > 0 { p.wall-missing role="alert" { (l.t(&format!("Không đọc được {missing} số liệu từ kho dữ liệu; các ô liên quan đang hiện 0 hoặc trống. Xem nhật ký máy chủ."), &format!("{missing} figures could not be read from the store; the boxes they feed show 0 or nothing. See the server log."))) } }
    }
}

/// `GET /wall` (`theme=light` for a bright room).
pub async fn wall(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let light = q.get("theme").is_some_and(|t| t == "light");
    let body = panel(&st, &c, None).await;
    let labels = serde_json::json!({"on": l.t("Đang cập nhật trực tiếp", "Live"), "off": l.t("Mất kết nối — đang thử lại", "Disconnected — retrying")});
    let page = html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (l.t("Màn hình trực", "Duty wall")) " · canhgac" }
                link rel="stylesheet" href=(asset("app.css"));
            }
            body class=(if light { "wall light" } else { "wall dark" }) {
                header.wall-head {
                    a.brand href="/" { "canhgac" }
                    span { (l.t("Màn hình trực — ", "Duty wall — ")) @if c.scope.ids().is_none() { (l.t("toàn tỉnh", "the province")) } @else { (l.t("đơn vị của bạn", "your organisations")) } }
                    span #wall-state { (l.t("Đang kết nối…", "Connecting…")) }
                    @if light { a href="/wall" { (l.t("Nền tối", "Dark")) } } @else { a href="/wall?theme=light" { (l.t("Nền sáng", "Light")) } }
                }
                main #wall { (body) }
                script #wall-labels type="application/json" { (PreEscaped(labels.to_string().replace('<', "\\u003c"))) }
                script src=(asset("wall.js")) {}
            }
        }
    };
    Ok(page.into_response())
}

/// `GET /wall/stream`: the wall's panel as event `wall` now and every few seconds.
pub async fn stream(State(st): State<AppState>, c: Caller) -> impl IntoResponse {
    let province = c.scope.ids().is_none();
    let stream = futures_util::stream::unfold((st, c, None::<(u64, std::time::Instant)>, true), move |(st, c, last, first)| async move {
        if !first {
            tokio::time::sleep(Duration::from_secs(EVERY_SECONDS)).await;
        }
        let stored = st.monitor.stats.stored.load(Ordering::Relaxed);
        let at = std::time::Instant::now();
        let rate = match last {
            Some((n, t)) if province => Some(stored.saturating_sub(n) as f64 / at.duration_since(t).as_secs_f64().max(0.001)),
            _ => None,
        };
        let html = panel(&st, &c, rate).await.into_string();
        let ev = SseEvent::default().event("wall").data(html);
        Some((Ok::<_, std::convert::Infallible>(ev), (st, c, Some((stored, at)), false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
