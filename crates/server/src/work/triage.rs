//! Triage of signals: the filters (severity, organisation, rule, host, attacker address, text,
//! time range), sorting, the time histogram, alert groups and bulk actions shared by the
//! signals page, the Sigma alerts page and the API.

use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, pager, severity};
use crate::AppState;
use canhgac_domain::signal::{Severity, SignalKind, SignalState};
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_store::{AlertGroup, Bucket, SignalFilter, SignalRow, SignalSort, StoreError, User};
use maud::{html, Markup};
use std::collections::HashMap;

/// Groups per page.
pub(crate) const GROUPS_PER_PAGE: i64 = 40;

/// The relative ranges of the range picker: `(name, length in ms, bucket in ms, vi, en)`.
pub(crate) const RANGES: [(&str, i64, i64, &str, &str); 5] = [
    ("15m", 15 * MIN, MIN, "15 phút", "15 min"),
    ("1h", HOUR, 2 * MIN, "1 giờ", "1 hour"),
    ("24h", 24 * HOUR, HOUR, "24 giờ", "24 hours"),
    ("7d", 7 * DAY, 6 * HOUR, "7 ngày", "7 days"),
    ("30d", 30 * DAY, DAY, "30 ngày", "30 days"),
];
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// The query-string parameters a triage list understands.
const KEYS: [&str; 14] = [
    "kind", "state", "open", "severity", "org", "rule", "host", "ip", "q", "range", "from", "to",
    "sort", "offset",
];

/// A triage list's query, as read from the query string.
#[derive(Debug, Clone, Default)]
pub(crate) struct TriageQuery {
    vals: Vec<(&'static str, String)>,
}

impl TriageQuery {
    /// Reads the parameters it knows (the first of each), ignoring the rest.
    pub fn parse(params: &[(String, String)]) -> TriageQuery {
        let mut vals = Vec::new();
        for k in KEYS {
            if let Some((_, v)) = params.iter().find(|(n, _)| n == k) {
                let v = v.trim();
                if !v.is_empty() {
                    vals.push((k, v.chars().take(200).collect()));
                }
            }
        }
        TriageQuery { vals }
    }

    /// From a map (the API's query).
    pub fn from_map(p: &HashMap<String, String>) -> TriageQuery {
        let pairs: Vec<(String, String)> =
            p.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        TriageQuery::parse(&pairs)
    }

    /// A parameter's value, empty when absent.
    pub fn get(&self, k: &str) -> &str {
        self.vals
            .iter()
            .find(|(n, _)| *n == k)
            .map_or("", |(_, v)| v.as_str())
    }

    /// This query with some parameters set (empty: removed) and the offset reset: the address of
    /// a filter link.
    pub fn with(&self, base: &str, changes: &[(&str, &str)]) -> String {
        let mut out: Vec<String> = Vec::new();
        for k in KEYS {
            if k == "offset" {
                continue;
            }
            let v = changes
                .iter()
                .find(|(n, _)| *n == k)
                .map_or(self.get(k), |(_, v)| *v);
            if !v.is_empty() {
                out.push(format!("{k}={}", urlencoding::encode(v)));
            }
        }
        if out.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", out.join("&"))
        }
    }

    /// The pairs for the pager.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.vals
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// Whether any filter is set (the live feed then only counts).
    pub fn filtered(&self) -> bool {
        self.vals.iter().any(|(k, _)| *k != "sort")
    }

    /// The time window the list is limited to, if any: `(since, until)`.
    pub fn window(&self, now: i64) -> (Option<i64>, Option<i64>) {
        let time = |k: &str| crate::monitoring::parse_local_time(self.get(k));
        if let Some((_, len, ..)) = RANGES.iter().find(|r| r.0 == self.get("range")) {
            return (Some(now - len), None);
        }
        (time("from"), time("to"))
    }

    /// The histogram's window and buckets: the chosen range, or the last 24 hours.
    pub fn histogram_window(&self, now: i64) -> (i64, i64, usize) {
        let (name, len, bucket) = RANGES
            .iter()
            .find(|r| r.0 == self.get("range"))
            .map_or(("24h", 24 * HOUR, HOUR), |r| (r.0, r.1, r.2));
        let _ = name;
        let n = (len / bucket) as usize;
        // Buckets aligned to their own length (whole minutes, hours, days in UTC+7).
        let offset = 7 * HOUR;
        let end = ((now + offset) / bucket + 1) * bucket - offset;
        (end - bucket * n as i64, bucket, n)
    }

    /// The store filter, organisation codes resolved in the caller's scope (an unknown code
    /// matches nothing).
    pub async fn filter(
        &self,
        st: &AppState,
        kind: Option<SignalKind>,
        limit: i64,
    ) -> Result<SignalFilter, StoreError> {
        let org_id = match self.get("org") {
            "" => None,
            code => Some(
                st.store
                    .org_codes()
                    .await?
                    .get(code)
                    .copied()
                    .unwrap_or(-1),
            ),
        };
        let (since, until) = self.window(now_ms());
        let text = |k: &str| Some(self.get(k).to_string()).filter(|v| !v.is_empty());
        Ok(SignalFilter {
            kind: kind.or_else(|| SignalKind::parse(self.get("kind"))),
            state: SignalState::parse(self.get("state")),
            open_only: matches!(self.get("open"), "1" | "true"),
            severity: Severity::parse(self.get("severity")),
            org_id,
            source: text("rule"),
            host: text("host"),
            host_id: None,
            src_ip: text("ip"),
            q: text("q"),
            since,
            until,
            group_id: None,
            sort: SignalSort::parse(self.get("sort")),
            limit: Some(limit),
            offset: Some(self.get("offset").parse().unwrap_or(0i64).clamp(0, 1_000_000)),
        })
    }
}

/// Where a signal's own page is: Sigma alerts on the monitoring pages, the rest on the
/// signals pages.
pub(crate) fn signal_href(s: &SignalRow) -> String {
    if s.kind == SignalKind::SigmaAlert {
        format!("/alerts/{}", s.id)
    } else {
        format!("/signals/{}", s.id)
    }
}

/// The name of a signal's kind in the caller's language.
pub(crate) fn kind_label(l: Lang, k: SignalKind) -> &'static str {
    l.t(k.label_vi(), k.label_en())
}

/// The time histogram: one bar per bucket, each a link narrowing the list to its time.
pub(crate) fn histogram(l: Lang, q: &TriageQuery, base: &str, buckets: &[Bucket]) -> Markup {
    bars(l, buckets, &|from, to| {
        q.with(base, &[("range", ""), ("from", from), ("to", to)])
    })
}

/// A time histogram whose bars lead to `link(from, to)` (times as dd/mm/yyyy hh:mm).
pub(crate) fn bars(l: Lang, buckets: &[Bucket], link: &dyn Fn(&str, &str) -> String) -> Markup {
    let max = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let total: i64 = buckets.iter().map(|b| b.count).sum();
    let w = 10;
    let width = buckets.len() as i64 * w;
    let bucket_ms = buckets
        .get(1)
        .zip(buckets.first())
        .map_or(HOUR, |(b, a)| b.start - a.start);
    let label = |ms: i64| {
        if bucket_ms >= DAY {
            canhgac_domain::time::fmt_date(ms)
        } else {
            fmt_datetime(ms)
        }
    };
    html! {
        div.histogram {
            svg viewBox=(format!("0 0 {width} 50")) preserveAspectRatio="none" role="img"
                aria-label=(l.t("Biểu đồ số lượng theo thời gian", "Counts over time")) {
                @for (i, b) in buckets.iter().enumerate() {
                    @let h = if b.count == 0 { 0 } else { (b.count * 48 / max).max(2) };
                    @let from = fmt_datetime(b.start);
                    @let to = fmt_datetime(b.start + bucket_ms);
                    a href=(link(&from[..16.min(from.len())], &to[..16.min(to.len())])) {
                        title { (label(b.start)) ": " (b.count) }
                        rect x=(i as i64 * w + 1) y=(50 - h.max(1)) width=(w - 2) height=(h.max(1)) class=(if b.count == 0 { "h-empty" } else { "h-bar" }) {}
                    }
                }
            }
            div.axis { span { (buckets.first().map(|b| label(b.start)).unwrap_or_default()) }
                span.muted { (total) " " (l.t("trong khoảng này; bấm vào một cột để xem khoảng thời gian đó", "in this window; click a bar to see its time")) }
                span { (buckets.last().map(|b| label(b.start + bucket_ms)).unwrap_or_default()) } }
        }
    }
}

/// The relative range picker (and the custom from/to when set).
pub(crate) fn range_picker(l: Lang, q: &TriageQuery, base: &str) -> Markup {
    let now = q.get("range");
    let custom = !q.get("from").is_empty() || !q.get("to").is_empty();
    html! {
        div.ranges role="group" aria-label=(l.t("Khoảng thời gian", "Time range")) {
            span.muted { (l.t("Khoảng thời gian:", "Time range:")) }
            a.chip class=@if now.is_empty() && !custom { "on" } href=(q.with(base, &[("range", ""), ("from", ""), ("to", "")])) { (l.t("Tất cả", "All")) }
            @for (name, _, _, vi, en) in RANGES {
                a.chip class=@if now == name { "on" } href=(q.with(base, &[("range", name), ("from", ""), ("to", "")])) { (l.t(vi, en)) " " (l.t("gần nhất", "latest")) }
            }
            @if custom { span.chip.on { (q.get("from")) " – " (q.get("to")) } }
        }
    }
}

/// The filter form of a triage list.
pub(crate) fn filter_form(
    l: Lang,
    q: &TriageQuery,
    base: &str,
    orgs: &[(String, String)],
    with_kind: bool,
) -> Markup {
    html! {
        form.filters method="get" action=(base) {
            div { label for="q" { (l.t("Tìm (nội dung, máy, luật, địa chỉ)", "Search (title, host, rule, address)")) } input #q type="search" name="q" value=(q.get("q")); }
            @if with_kind {
                div { label for="kind" { (l.t("Loại", "Kind")) } select #kind name="kind" { option value="" { (l.t("Tất cả", "All")) }
                    @for k in SignalKind::ALL { option value=(k.as_str()) selected[q.get("kind") == k.as_str()] { (kind_label(l, k)) } } } }
            }
            div { label for="severity" { (l.t("Mức độ", "Severity")) } select #severity name="severity" { option value="" { (l.t("Tất cả", "All")) }
                @for s in Severity::ALL.iter().rev() { option value=(s.as_str()) selected[q.get("severity") == s.as_str()] { (l.t(s.label_vi(), s.label_en())) } } } }
            div { label for="state" { (l.t("Trạng thái", "State")) } select #state name="state" { option value="" { (l.t("Tất cả", "All")) }
                @for s in SignalState::ALL { option value=(s.as_str()) selected[q.get("state") == s.as_str()] { (l.t(s.label_vi(), s.label_en())) } } } }
            @if orgs.len() > 1 {
                div { label for="org" { (l.t("Đơn vị", "Organisation")) } select #org name="org" { option value="" { (l.t("Tất cả", "All")) }
                    @for (code, name) in orgs { option value=(code) selected[q.get("org") == code] { (code) " — " (name) } } } }
            }
            div { label for="host" { (l.t("Máy", "Host")) } input #host name="host" value=(q.get("host")); }
            div { label for="ip" { (l.t("Địa chỉ tấn công", "Attacker address")) } input #ip name="ip" value=(q.get("ip")); }
            div { label for="from" { (l.t("Từ (dd/mm/yyyy hh:mm)", "From (dd/mm/yyyy hh:mm)")) } input #from name="from" placeholder="dd/mm/yyyy hh:mm" value=(q.get("from")); }
            div { label for="to" { (l.t("Đến (dd/mm/yyyy hh:mm)", "To (dd/mm/yyyy hh:mm)")) } input #to name="to" placeholder="dd/mm/yyyy hh:mm" value=(q.get("to")); }
            div { label for="open" { (l.t("Chỉ chưa xử lý", "Open only")) } input.check #open type="checkbox" name="open" value="1" checked[q.get("open") == "1"]; }
            @if !q.get("rule").is_empty() { input type="hidden" name="rule" value=(q.get("rule")); }
            @if !q.get("range").is_empty() { input type="hidden" name="range" value=(q.get("range")); }
            @if !q.get("sort").is_empty() { input type="hidden" name="sort" value=(q.get("sort")); }
            div { button type="submit" { (l.t("Lọc", "Filter")) } " " a.btn.light href=(base) { (l.t("Bỏ lọc", "Clear")) } }
        }
    }
}

/// A sortable column header.
fn sort_th(l: Lang, q: &TriageQuery, base: &str, key: &str, vi: &str, en: &str) -> Markup {
    let on = q.get("sort") == key || (key == "newest" && q.get("sort").is_empty());
    html! {
        th { a.sort class=@if on { "on" } href=(q.with(base, &[("sort", key)])) title=(l.t("Sắp xếp theo cột này", "Sort by this column")) { (l.t(vi, en)) @if on { " ▾" } } }
    }
}

/// What a page shows with the groups.
pub(crate) struct GroupTable<'a> {
    /// Page address (for filter links).
    pub base: &'a str,
    /// The query.
    pub q: &'a TriageQuery,
    /// The groups on this page.
    pub groups: &'a [AlertGroup],
    /// How many groups match.
    pub total: i64,
    /// Accounts by id (assignee names).
    pub people: &'a HashMap<i64, String>,
    /// Whether to show the kind column (the all-signals page).
    pub with_kind: bool,
    /// Accounts the caller may hand alerts to (bulk assign); empty for read-only callers.
    pub assignable: &'a [User],
}

/// The groups table, inside the bulk-action form for callers who may write.
pub(crate) fn group_table(c: &Caller, t: &GroupTable<'_>) -> Markup {
    let l = c.lang;
    let q = t.q;
    let base = t.base;
    let writer = c.role.can_write();
    let here = q.with(base, &[]);
    let table = html! {
        table.records.triage #alerts-table {
            thead { tr {
                @if writer { th { input.check #pick-all type="checkbox" title=(l.t("Chọn tất cả", "Select all")) aria-label=(l.t("Chọn tất cả", "Select all")); } }
                (sort_th(l, q, base, "severity", "Mức độ", "Severity"))
                (sort_th(l, q, base, "title", "Cảnh báo", "Alert"))
                @if t.with_kind { th { (l.t("Loại", "Kind")) } }
                (sort_th(l, q, base, "host", "Máy", "Host"))
                th { (l.t("Địa chỉ tấn công", "Attacker")) }
                (sort_th(l, q, base, "org", "Đơn vị", "Org"))
                (sort_th(l, q, base, "count", "Số lần", "Count"))
                (sort_th(l, q, base, "newest", "Lần cuối", "Last seen"))
                th { (l.t("Trạng thái", "State")) }
            } }
            tbody #alerts-body {
                @for g in t.groups {
                    @let lead = g.members.first();
                    tr.group id=(format!("group-{}", g.group_id)) {
                        @if writer { td { input.check.pick type="checkbox" name="group" value=(g.group_id) aria-label=(l.t("Chọn nhóm này", "Select this group")); } }
                        td { (severity(l, g.severity.as_str())) }
                        td {
                            @if g.members.len() == 1 {
                                @if let Some(s) = lead { a id=(format!("alert-{}", s.id)) href=(signal_href(s)) { (s.title) } }
                            } @else {
                                b { (g.members.len()) " " (l.t("cảnh báo", "alerts")) }
                                span.muted { " — " @if g.same_event { (l.t("cùng một sự kiện", "from one event")) } @else { (l.t("cùng máy trong 10 phút từ", "same host within 10 minutes from")) " " (fmt_datetime(g.first_seen)) } }
                                ul.members { @for s in &g.members {
                                    li id=(format!("alert-{}", s.id)) { (severity(l, s.severity.as_str())) " " a href=(signal_href(s)) { (s.title) }
                                        @if s.count > 1 { " " span.muted { "×" (s.count) } }
                                        " · " a.filter href=(q.with(base, &[("rule", &s.source)])) title=(l.t("Lọc theo luật/nguồn này", "Filter by this rule/source")) { (l.t("cùng luật", "same rule")) }
                                        " · " span.muted { (l.t(s.state.label_vi(), s.state.label_en()))
                                            @if let Some(a) = s.assignee_id { " → " (t.people.get(&a).map_or(l.t("(tài khoản khác)", "(another user)"), String::as_str)) } } }
                                } }
                            }
                        }
                        @if t.with_kind { td { @if let Some(s) = lead { (kind_label(l, s.kind)) } } }
                        td { @if let Some(s) = lead { @if let Some(h) = &s.host_name {
                            a.filter href=(q.with(base, &[("host", h)])) title=(l.t("Lọc theo máy này", "Filter by this host")) { (h) }
                            @if let Some(id) = s.host_id { " " a.muted href=(format!("/hosts/{id}")) title=(l.t("Trang của máy", "The host's page")) { "↗" } }
                        } } }
                        td { @for ip in distinct(g.members.iter().filter_map(|s| s.src_ip.as_deref())) {
                            a.filter href=(q.with(base, &[("ip", ip)])) title=(l.t("Lọc theo địa chỉ này", "Filter by this address")) { code { (ip) } } " "
                        } }
                        td { @if let Some(code) = lead.and_then(|s| s.org_code.as_deref()) {
                            a.filter href=(q.with(base, &[("org", code)])) title=(l.t("Lọc theo đơn vị này", "Filter by this organisation")) { (code) } } }
                        td.num { (g.hits) }
                        td.seen { (fmt_datetime(g.last_seen)) }
                        td { @if g.open == 0 { (l.t("Đã xử lý hết", "All handled")) }
                            @else if g.members.len() == 1 { @if let Some(s) = lead { (l.t(s.state.label_vi(), s.state.label_en()))
                                @if let Some(a) = s.assignee_id { br; span.muted { (t.people.get(&a).map_or(l.t("(tài khoản khác)", "(another user)"), String::as_str)) } } } }
                            @else { (g.open) "/" (g.members.len()) " " (l.t("chưa xử lý", "open")) } }
                    }
                }
                @if t.groups.is_empty() { tr #alerts-empty { td colspan="10" .muted { (l.t("Không có cảnh báo nào khớp bộ lọc", "No alerts match the filter")) } } }
            }
        }
    };
    html! {
        @if writer && !t.groups.is_empty() {
            form.bulk #bulk method="post" action="/signals/bulk" {
                (csrf(c))
                input type="hidden" name="back" value=(here);
                div.bulkbar {
                    label for="bulk-action" { (l.t("Với các nhóm đã chọn:", "With the selected groups:")) }
                    select #bulk-action name="action" {
                        @for s in [SignalState::Acknowledged, SignalState::InProgress, SignalState::Resolved, SignalState::FalsePositive] {
                            option value=(s.as_str()) { (l.t("Chuyển sang", "Move to")) " “" (l.t(s.label_vi(), s.label_en())) "”" }
                        }
                        option value="assign" { (l.t("Giao cho…", "Assign to…")) }
                    }
                    label for="bulk-user" { (l.t("Cán bộ nhận", "Assignee")) }
                    select #bulk-user name="user" {
                        option value=(c.user.id) { (l.t("Tôi", "Me")) " (" (c.user.email) ")" }
                        @for u in t.assignable { @if u.id != c.user.id { option value=(u.id) { (u.email) " — " (u.full_name) } } }
                    }
                    button type="submit" { (l.t("Thực hiện", "Apply")) }
                    span.muted { (l.t("Áp dụng cho mọi cảnh báo trong nhóm (khớp bộ lọc).", "Applies to every alert in the group (matching the filter).")) }
                }
                (table)
            }
        } @else { (table) }
        (pager(l, base, &q.pairs(), q.get("offset").parse().unwrap_or(0), GROUPS_PER_PAGE, t.total))
    }
}

fn distinct<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for v in it {
        if !out.contains(&v) && out.len() < 3 {
            out.push(v);
        }
    }
    out
}

/// A bulk action's outcome, shown on the page it returns to.
pub(crate) fn bulk_flash(l: Lang, params: &[(String, String)]) -> Markup {
    let get = |k: &str| crate::ui::param(params, k);
    let done = get("done");
    let skipped = get("skipped");
    html! {
        @if !done.is_empty() {
            div.flash.ok #bulk-result { (l.t("Đã cập nhật", "Updated")) " " (done) " " (l.t("cảnh báo", "alerts"))
                @if skipped != "0" && !skipped.is_empty() { "; " (skipped) " " (l.t("cảnh báo bỏ qua (trạng thái hiện tại không cho phép, hoặc người nhận không xem được đơn vị)", "skipped (their state does not allow it, or the assignee cannot see the organisation)")) } }
        }
    }
}

/// How many alert groups match `f` in the caller's scope: it reads every matching alert's
/// group, so it is kept a moment per scope like the other summary figures.
pub(crate) async fn group_count(
    st: &AppState,
    c: &Caller,
    f: &SignalFilter,
) -> Result<i64, canhgac_store::StoreError> {
    Ok(*st
        .figures
        .get("group-count", &c.scope, &format!("{:?}", unpaged(f)), || {
            st.store.count_alert_groups(&c.scope, f)
        })
        .await?)
}

/// `f` without its page and order: what a count or a histogram of it depends on.
fn unpaged(f: &SignalFilter) -> SignalFilter {
    SignalFilter {
        limit: None,
        offset: None,
        sort: Default::default(),
        ..f.clone()
    }
}

/// The body of a triage list: flash, range picker, histogram, filters, groups and pager.
pub(crate) async fn triage_body(
    st: &AppState,
    c: &Caller,
    params: &[(String, String)],
    base: &str,
    kind: Option<SignalKind>,
) -> Result<Markup, axum::response::Response> {
    let l = c.lang;
    let err = |e| crate::ui::store_error_page(c, e);
    let q = TriageQuery::parse(params);
    let f = q.filter(st, kind, GROUPS_PER_PAGE).await.map_err(err)?;
    let groups = st.store.alert_group_page(&c.scope, &f).await.map_err(err)?;
    let total = group_count(st, c, &f).await.map_err(err)?;
    let (since, bucket, n) = q.histogram_window(now_ms());
    // The histogram shows the filter without its time limits, over its own window.
    let hist_filter = SignalFilter {
        since: None,
        until: None,
        ..unpaged(&f)
    };
    // The histogram and the count sum up every matching alert: kept a moment per scope.
    let buckets = st
        .figures
        .get(
            "signal-histogram",
            &c.scope,
            &format!("{hist_filter:?}|{since}|{bucket}|{n}"),
            || st.store.signal_histogram(&c.scope, &hist_filter, since, bucket, n),
        )
        .await
        .map_err(err)?;
    let users = st.store.list_users(&c.scope).await.map_err(err)?;
    let people: HashMap<i64, String> = users.iter().map(|u| (u.id, u.email.clone())).collect();
    let assignable: Vec<User> = if c.role.can_write() {
        users
            .into_iter()
            .filter(|u| u.active && u.role().can_write())
            .collect()
    } else {
        Vec::new()
    };
    let orgs = crate::registry::org_options(st, &c.scope)
        .await
        .map_err(err)?;
    let alerts = *st
        .figures
        .get("signal-count", &c.scope, &format!("{:?}", unpaged(&f)), || {
            st.store.count_signals(&c.scope, &f)
        })
        .await
        .map_err(err)?;
    let unreadable: Vec<(&str, &str, &str)> = [("from", "Từ", "From"), ("to", "Đến", "To")]
        .into_iter()
        .filter(|(k, ..)| {
            !q.get(k).is_empty() && crate::monitoring::parse_local_time(q.get(k)).is_none()
        })
        .collect();
    Ok(html! {
        @for (k, vi, en) in &unreadable {
            div.flash.bad { (l.t("Không đọc được thời gian ở ô", "Cannot read the time in the box")) " “" (l.t(vi, en)) "”: "
                code { (q.get(k)) } " — " (l.t("hãy viết dd/mm/yyyy hh:mm (giờ Việt Nam); ô này chưa được dùng để lọc.", "write dd/mm/yyyy hh:mm (Viet Nam time); this box was not used to filter.")) }
        }
        (bulk_flash(l, params))
        (range_picker(l, &q, base))
        (histogram(l, &q, base, &buckets[..]))
        (filter_form(l, &q, base, &orgs, kind.is_none()))
        p.muted #triage-summary { b #triage-alerts { (crate::ui::fmt::count(l, alerts)) } " " (l.t("cảnh báo trong", "alerts in")) " " b #triage-groups { (crate::ui::fmt::count(l, total)) } " " (l.t("nhóm", "groups"))
            " · " (l.t("Cảnh báo của cùng một máy trong 10 phút được gộp thành một nhóm; mọi cảnh báo trong nhóm đều được liệt kê.", "Alerts of one host within 10 minutes form one group; every alert in it is listed.")) }
        (group_table(c, &GroupTable { base, q: &q, groups: &groups, total, people: &people, with_kind: kind.is_none(), assignable: &assignable }))
    })
}

/// The pairs of a query string (`a=1&b=x+y`), decoded.
pub(crate) fn query_pairs(qs: &str) -> Vec<(String, String)> {
    let dec = |v: &str| {
        urlencoding::decode(&v.replace('+', " "))
            .map(|c| c.into_owned())
            .unwrap_or_default()
    };
    qs.split('&')
        .filter(|p| !p.is_empty())
        .take(64)
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}
