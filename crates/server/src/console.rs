//! The console's landing page: the province (or the caller's organisations) at a glance.

use crate::auth::Caller;
use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE};
#[allow(unused_imports)]
use crate::ui::*;
use crate::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::signal::Severity;
use canhgac_domain::time::fmt_datetime;
use canhgac_domain::Scope;
use canhgac_store::{AuditQuery, ListQuery, SignalFilter, WorkFilter};
use maud::html;
use utoipa_axum::router::OpenApiRouter;

/// The console room: the overview.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new(),
        pages: Pages::new().get("/", ANYONE, overview),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/",
            vi: "Tổng quan",
            en: "Overview",
            allow: ANYONE,
        }],
    }
}

/// The overview's figures for one scope (kept a moment in [`crate::figures`]).
struct Figures {
    counts: Vec<(EntityKind, i64)>,
    per_org: Vec<(String, String, i64, i64)>,
    signals: Vec<canhgac_store::SignalRow>,
    open_signals: i64,
    work: Vec<canhgac_store::WorkItemRow>,
    open_work: i64,
    open_hunts: i64,
    overdue: i64,
    patch_hosts: i64,
    open_findings: usize,
    critical_findings: usize,
    level_hosts: i64,
}

async fn figures(st: &AppState, scope: &Scope) -> Result<Figures, canhgac_store::StoreError> {
    let store = &st.store;
    let counts = store.counts(scope).await?;
    let per_org = store.hosts_per_org(scope).await?;
    let (signals, open_signals) = store
        .list_signals(
            scope,
            &SignalFilter {
                open_only: true,
                limit: Some(10),
                ..Default::default()
            },
        )
        .await?;
    let (work, open_work) = store
        .list_work_items(
            scope,
            &WorkFilter {
                open_only: true,
                limit: Some(10),
                ..Default::default()
            },
        )
        .await?;
    let open_hunts = store
        .list_work_items(
            scope,
            &WorkFilter {
                kind: Some(canhgac_domain::work::WorkKind::HuntTask),
                open_only: true,
                limit: Some(1),
                ..Default::default()
            },
        )
        .await?
        .1;
    let overdue = store
        .list_work_items(
            scope,
            &WorkFilter {
                overdue_at: Some(canhgac_domain::time::now_ms()),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await?
        .1;
    let patch_hosts: i64 = store
        .patch_compliance(scope)
        .await?
        .iter()
        .map(|r| r.hosts_to_patch)
        .sum();
    let findings = store.list_scan_findings(scope, Some("open")).await?;
    let critical_findings = findings
        .iter()
        .filter(|f| f.severity == "critical" || f.severity == "high")
        .count();
    let mut level_hosts = 0;
    for level in ["4", "5"] {
        let q = ListQuery {
            filters: vec![("level".into(), level.into())],
            limit: Some(1),
            ..Default::default()
        };
        level_hosts += store.list(EntityKind::System, scope, &q).await?.total;
    }
    Ok(Figures {
        counts,
        per_org,
        signals,
        open_signals,
        work,
        open_work,
        open_hunts,
        overdue,
        patch_hosts,
        open_findings: findings.len(),
        critical_findings,
        level_hosts,
    })
}

async fn overview(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let f = st
        .figures
        .get("overview", &c.scope, "", || figures(&st, &c.scope))
        .await
        .map_err(err)?;
    let audit = if c.role.can_read_audit() {
        st.store
            .list_audit(
                &c.scope,
                &AuditQuery {
                    limit: Some(8),
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?
            .0
    } else {
        vec![]
    };
    let Figures {
        counts,
        per_org,
        signals,
        open_signals,
        work,
        open_work,
        open_hunts,
        overdue,
        patch_hosts,
        open_findings,
        critical_findings,
        level_hosts,
    } = &*f;
    let max_hosts = per_org
        .iter()
        .map(|(_, _, s, w)| s + w)
        .max()
        .unwrap_or(1)
        .max(1);
    let now = canhgac_domain::time::now_ms();
    let on_duty = crate::duty::pages::now_card(&st, &c).await;
    let body = html! {
        h1 { (l.t("Tổng quan", "Overview")) @if let Scope::Orgs(_) = c.scope { span.muted { " — " (l.t("đơn vị của bạn", "your organisation")) } } }
        div.cards {
            @for (k, n) in counts.iter() { a.stat href=(format!("/{}", k.slug())) { b { (n) } span { (l.t(k.label_vi(), k.label_en())) } } }
            a.stat href="/systems?level=4" { b { (level_hosts) } span { (l.t("Hệ thống cấp độ 4–5", "Level 4–5 systems")) } }
            a.stat #stat-signals href="/signals?open=1" { b { (crate::ui::fmt::count(l, *open_signals)) } span { (l.t("Cảnh báo chưa xử lý", "Open signals")) } }
            a.stat #stat-work href="/work?open=1" { b { (open_work) } span { (l.t("Công việc đang mở", "Open work items")) } }
            a.stat #stat-overdue href="/work?open=1&overdue=1" { b { (overdue) } span { (l.t("Công việc quá hạn", "Overdue work")) } }
            a.stat href="/work?kind=hunt_task&open=1" { b { (open_hunts) } span { (l.t("Nhiệm vụ săn lùng Botnet", "Botnet hunting tasks")) } }
            a.stat href="/compliance" { b { (patch_hosts) } span { (l.t("Máy còn phải vá", "Hosts to patch")) } }
            a.stat href="/findings" { b { (open_findings) } span { (l.t("Lỗ hổng (rà quét) chưa khắc phục", "Open scanner findings")) " · " (critical_findings) " " (l.t("nghiêm trọng, cao", "critical or high")) } }
        }
        (on_duty)
        div.grid2 {
            div.card {
                h2 { (l.t("Cảnh báo mới nhất", "Latest signals")) }
                table { thead { tr { th { (l.t("Mức độ", "Severity")) } th { (l.t("Nội dung", "Title")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Lần cuối", "Last seen")) } } }
                    tbody { @for s in signals.iter() { tr { td { (layout::severity(l, s.severity.as_str())) } td { a href=(crate::work::triage::signal_href(s)) { (s.title) } @if s.count > 1 { " ×" (s.count) } }
                        td { @if let (Some(o), Some(code)) = (s.org_id, s.org_code.as_deref()) { a href=(format!("/orgs/{o}")) { (code) } } } td { (fmt_datetime(s.last_seen)) } } }
                        @if signals.is_empty() { tr { td colspan="4" .muted { (l.t("Không có cảnh báo mở", "No open signals")) } } } } }
            }
            div.card {
                h2 { (l.t("Công việc sắp đến hạn", "Work due soonest")) }
                table { thead { tr { th { (l.t("Công việc", "Work")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Hạn", "Due")) } } }
                    tbody { @for w in work.iter() { tr { td { a href=(format!("/work/{}", w.id)) { (w.title) } } td { (w.org_code.clone().unwrap_or_default()) }
                        td { @if let Some(d) = w.due_at { @if d < now { span.badge.sev-high { (canhgac_domain::time::fmt_date(d)) } } @else { (canhgac_domain::time::fmt_date(d)) } } } } }
                        @if work.is_empty() { tr { td colspan="3" .muted { (l.t("Không có việc đang mở", "No open work")) } } } } }
            }
        }
        div.card {
            h2 { (l.t("Máy chủ, máy trạm theo đơn vị", "Hosts per organisation")) }
            table { thead { tr { th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Máy chủ", "Servers")) } th { (l.t("Máy trạm, khác", "Workstations, other")) } th {} } }
                tbody { @for (code, name, s, w) in per_org.iter().take(30) { tr {
                    td { a href=(format!("/hosts?org={code}")) { (code) } " " span.muted { (name) } } td { (s) } td { (w) }
                    td.w40 { (layout::meter((s + w) * 100 / max_hosts, "#0b4f8a")) } } } } }
        }
        @if !audit.is_empty() {
            div.card { h2 { (l.t("Thay đổi gần đây", "Recent changes")) }
                table #recent-changes { tbody { @for a in &audit { tr { td { (fmt_datetime(a.at)) } (crate::access::pages::audit_cells(&c, a)) } } } }
                p { a href="/audit" { (l.t("Xem nhật ký", "Open the audit log")) " →" } } }
        }
        p.muted { (l.t("Mức độ nghiêm trọng:", "Severities:")) @for s in Severity::ALL { " " (layout::severity(l, s.as_str())) } }
    };
    Ok(layout::live_page(&c, l.t("Tổng quan", "Overview"), "/", body).into_response())
}
