//! The global search: one box that finds any record in the caller's scope — hosts by name or
//! address, the networks holding an address, organisations, systems, signals, work items (by
//! words or `#id`), Sigma rules, advisories and scanner findings by CVE, Botnet list entries.

use crate::auth::Caller;
use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE};
use crate::ui::layout::{page, severity};
use crate::ui::{param, store_error_page, UiResult};
use crate::work::triage::{kind_label, signal_href};
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::time::{fmt_date, fmt_datetime};
use canhgac_store::{ListQuery, RuleFilter, SignalFilter};
use maud::{html, Markup};
use std::net::IpAddr;
use utoipa_axum::router::OpenApiRouter;

/// The search room: the results page (the box is in every page's header).
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new(),
        pages: Pages::new().get("/search", ANYONE, search_page),
        nav: &[NavItem {
            group: NavGroup::Investigate,
            path: "/search",
            vi: "Tìm kiếm",
            en: "Search",
            allow: ANYONE,
        }],
    }
}

/// What the words look like.
enum Shape {
    /// An IP address or a range.
    Address(String, Option<ipnet::IpNet>),
    /// A CVE id.
    Cve(String),
    /// `#123` or `123`: a record id.
    Id(i64),
    /// Anything else.
    Words,
}

fn shape(q: &str) -> Shape {
    let t = q.trim().trim_start_matches('#');
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Shape::Address(ip.to_string(), Some(ipnet::IpNet::from(ip)));
    }
    if let Ok(net) = t.parse::<ipnet::IpNet>() {
        return Shape::Address(t.to_string(), Some(net));
    }
    let up = t.to_uppercase();
    if up.starts_with("CVE-") && up.len() >= 9 {
        return Shape::Cve(up);
    }
    if let Ok(n) = t.parse::<i64>() {
        if n > 0 {
            return Shape::Id(n);
        }
    }
    Shape::Words
}

/// One section of results.
struct Section {
    vi: &'static str,
    en: &'static str,
    rows: Vec<Markup>,
    more: Option<String>,
}

async fn search_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let q: String = param(&params, "q").trim().chars().take(200).collect();
    let mut sections: Vec<Section> = Vec::new();
    if !q.is_empty() {
        let enc = urlencoding::encode(&q).into_owned();
        let words = match shape(&q) {
            Shape::Address(a, _) => a,
            _ => q.clone(),
        };
        // Registry records by words (host names, addresses, codes, names).
        for kind in [EntityKind::Host, EntityKind::Org, EntityKind::System, EntityKind::Network] {
            let page = st
                .store
                .list(
                    kind,
                    &c.scope,
                    &ListQuery {
                        q: Some(words.clone()),
                        limit: Some(20),
                        ..Default::default()
                    },
                )
                .await
                .map_err(err)?;
            let rows = page
                .items
                .iter()
                .map(|r| {
                    let id = r["id"].as_i64().unwrap_or_default();
                    let name = r[kind.title_field()].as_str().unwrap_or_default().to_string();
                    let extra = match kind {
                        EntityKind::Host => r["ips"].as_str().unwrap_or_default().to_string(),
                        EntityKind::Network => r["description"].as_str().unwrap_or_default().to_string(),
                        _ => String::new(),
                    };
                    html! { a href=(format!("/{}/{id}", kind.slug())) { (name) } @if !extra.is_empty() { " " span.muted { (extra) } } }
                })
                .collect();
            sections.push(Section {
                vi: kind.label_vi(),
                en: kind.label_en(),
                rows,
                more: (page.total > 20).then(|| format!("/{}?q={enc}", kind.slug())),
            });
        }
        // Networks that hold an address (a text search does not find containment).
        if let Shape::Address(_, Some(net)) = shape(&q) {
            let all = st
                .store
                .list(
                    EntityKind::Network,
                    &c.scope,
                    &ListQuery {
                        limit: Some(1000),
                        ..Default::default()
                    },
                )
                .await
                .map_err(err)?;
            let rows: Vec<Markup> = all
                .items
                .iter()
                .filter(|r| {
                    r["cidr"]
                        .as_str()
                        .and_then(|c| c.parse::<ipnet::IpNet>().ok())
                        .is_some_and(|n| n.contains(&net.network()) && n.prefix_len() <= net.prefix_len())
                })
                .take(20)
                .map(|r| {
                    let id = r["id"].as_i64().unwrap_or_default();
                    html! { a href=(format!("/networks/{id}")) { (r["cidr"].as_str().unwrap_or_default()) } " " span.muted { (r["description"].as_str().unwrap_or_default()) } }
                })
                .collect();
            sections.push(Section {
                vi: "Mạng chứa địa chỉ này",
                en: "Networks holding this address",
                rows,
                more: None,
            });
            let entries = st.store.find_botnet_entries(&net.addr().to_string()).await.map_err(err)?;
            let rows = entries
                .iter()
                .map(|(id, name, period, e)| html! {
                    a href=(format!("/botnet/{id}?q={}", urlencoding::encode(&e.value))) { code { (e.value) } } " — " (name) " (" (crate::ui::fmt::period(period)) ")"
                    @if let Some(m) = &e.malware { " · " (m) }
                })
                .collect();
            sections.push(Section {
                vi: "Trong danh sách IP Botnet",
                en: "On Botnet IP lists",
                rows,
                more: None,
            });
        }
        // Signals and work items: by id, or by words.
        let (signals, work) = match shape(&q) {
            Shape::Id(n) => (
                st.store.signal(&c.scope, n).await.map_err(err)?.into_iter().collect(),
                st.store.work_item(&c.scope, n).await.map_err(err)?.into_iter().collect(),
            ),
            _ => (
                st.store
                    .list_signals(
                        &c.scope,
                        &SignalFilter {
                            q: Some(words.clone()),
                            limit: Some(20),
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(err)?
                    .0,
                st.store.search_work_items(&c.scope, &words, 20).await.map_err(err)?,
            ),
        };
        let signal_rows: Vec<Markup> = signals
            .iter()
            .map(|s| html! {
                (severity(l, s.severity.as_str())) " " a href=(signal_href(s)) { (s.title) } " " span.muted { "#" (s.id) " · " (kind_label(l, s.kind)) " · " (fmt_datetime(s.last_seen)) }
            })
            .collect();
        let more_signals = (signal_rows.len() >= 20).then(|| format!("/signals?q={enc}"));
        sections.push(Section {
            vi: "Cảnh báo",
            en: "Signals",
            rows: signal_rows,
            more: more_signals,
        });
        sections.push(Section {
            vi: "Công việc",
            en: "Work items",
            rows: work
                .iter()
                .map(|w| html! {
                    a href=(format!("/work/{}", w.id)) { (w.title) } " " span.muted { "#" (w.id) " · " (w.org_code.clone().unwrap_or_default()) " · " (l.t(w.state.label_vi(), w.state.label_en()))
                        @if let Some(d) = w.due_at { " · " (l.t("hạn", "due")) " " (fmt_date(d)) } }
                })
                .collect(),
            more: None,
        });
        // Rules by title or key.
        let (rules, rules_total) = st
            .store
            .list_rules(
                &c.scope,
                &RuleFilter {
                    q: Some(q.clone()),
                    limit: Some(10),
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
        sections.push(Section {
            vi: "Luật Sigma",
            en: "Sigma rules",
            rows: rules
                .iter()
                .map(|r| html! { a href=(format!("/rules/{}", r.id)) { (r.title) } " " span.muted { (r.rule_key) } })
                .collect(),
            more: (rules_total > 10).then(|| format!("/rules?q={enc}")),
        });
        // Advisories and scanner findings (by CVE or words).
        let (advisories, adv_total) = st
            .store
            .list_advisories(&c.scope, Some(&q), 10, 0)
            .await
            .map_err(err)?;
        sections.push(Section {
            vi: "Khuyến cáo, bản vá",
            en: "Advisories",
            rows: advisories
                .iter()
                .map(|a| html! { a href=(format!("/advisories/{}", a.id)) { (a.ext_id) } " " (a.title) " " span.muted { (a.cves) } })
                .collect(),
            more: (adv_total > 10).then(|| format!("/advisories?q={enc}")),
        });
        if let Shape::Cve(cve) = shape(&q) {
            let findings = st.store.scan_findings_of(&c.scope, None, Some(&cve)).await.map_err(err)?;
            sections.push(Section {
                vi: "Lỗ hổng do máy quét phát hiện",
                en: "Scanner findings",
                rows: findings
                    .iter()
                    .take(30)
                    .map(|f| html! { a href=(format!("/hosts/{}", f.host_id)) { (f.hostname) } " (" (f.org_code) ") — " (f.title) " " (severity(l, &f.severity)) })
                    .collect(),
                more: None,
            });
        }
    }
    let found: usize = sections.iter().map(|s| s.rows.len()).sum();
    let enc = urlencoding::encode(&q).into_owned();
    let body = html! {
        h1 { (l.t("Tìm kiếm", "Search")) }
        form.filters method="get" action="/search" {
            div { label for="q" { (l.t("Tên máy, địa chỉ IP hoặc dải, CVE, tên luật, mã số cảnh báo/công việc (#123), từ khoá", "Host name, IP address or range, CVE, rule, alert/work id (#123), words")) }
                input #q type="search" name="q" value=(q) autofocus; }
            div { button type="submit" { (l.t("Tìm", "Search")) } }
        }
        @if !q.is_empty() {
            p.muted #search-summary { (found) " " (l.t("kết quả trong phạm vi của bạn", "results in your scope")) " · "
                a href=(format!("/events?q={enc}")) { (l.t("Tìm trong sự kiện (nhật ký)", "Search the events (logs)")) } }
            @for s in sections.iter().filter(|s| !s.rows.is_empty()) {
                div.card { h2 { (l.t(s.vi, s.en)) " " span.muted { "(" (s.rows.len()) ")" } }
                    ul.results { @for r in &s.rows { li { (r) } } }
                    @if let Some(m) = &s.more { p { a href=(m) { (l.t("Xem tất cả", "See all")) " →" } } } }
            }
            @if found == 0 { p.muted { (l.t("Không tìm thấy gì khớp trong phạm vi của bạn.", "Nothing matches in your scope.")) } }
        }
    };
    Ok(page(&c, l.t("Tìm kiếm", "Search"), "/search", body).into_response())
}
