//! `/charts`: every chart with its numbers; `/charts/{id}.csv`: one chart's numbers.

use super::svg::{stacked, Series};
use crate::auth::{Caller, Lang};
use crate::ui::layout::{meter, page};
use crate::ui::{not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use canhgac_domain::time::now_ms;
use canhgac_store::{Store, StoreError};
use maud::html;

const DAY: i64 = 86_400_000;
const VN: i64 = 7 * 3_600_000;
/// Days the daily charts cover.
const DAYS: i64 = 30;

const SEVERITIES: [Series; 5] = [
    Series { key: "critical", colour: "#7a0019", vi: "Nghiêm trọng", en: "Critical" },
    Series { key: "high", colour: "#c0392b", vi: "Cao", en: "High" },
    Series { key: "medium", colour: "#e67e22", vi: "Trung bình", en: "Medium" },
    Series { key: "low", colour: "#2c7be5", vi: "Thấp", en: "Low" },
    Series { key: "info", colour: "#7f8c8d", vi: "Thông tin", en: "Info" },
];

const ATTACKS: [Series; 8] = [
    Series { key: "syn_flood", colour: "#c0392b", vi: "SYN flood", en: "SYN flood" },
    Series { key: "amplification", colour: "#8e44ad", vi: "Khuếch đại", en: "Amplification" },
    Series { key: "tcp_reflection", colour: "#d35400", vi: "Phản xạ TCP", en: "TCP reflection" },
    Series { key: "udp_flood", colour: "#2980b9", vi: "UDP flood", en: "UDP flood" },
    Series { key: "tcp_flood", colour: "#16a085", vi: "TCP flood", en: "TCP flood" },
    Series { key: "icmp_flood", colour: "#f1c40f", vi: "ICMP flood", en: "ICMP flood" },
    Series { key: "fragment_flood", colour: "#7f8c8d", vi: "Gói phân mảnh", en: "Fragments" },
    Series { key: "mixed", colour: "#34495e", vi: "Hỗn hợp", en: "Mixed" },
];

const BOTNET: [Series; 2] = [
    Series { key: "new", colour: "#e67e22", vi: "Mới xuất hiện", en: "New" },
    Series { key: "recurring", colour: "#c0392b", vi: "Tái diễn (có cả ở kỳ trước)", en: "Recurring (on the previous list too)" },
];

/// One chart's data: columns, series and counts.
pub(crate) struct Chart {
    pub id: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub labels: Vec<String>,
    pub series: &'static [Series],
    pub grid: Vec<Vec<i64>>,
}

const SPAM: [Series; 4] = [
    Series { key: "fraud", colour: "#c0392b", vi: "Lừa đảo", en: "Fraud" },
    Series { key: "spam", colour: "#e67e22", vi: "Quảng cáo rác", en: "Spam" },
    Series { key: "ham", colour: "#27ae60", vi: "Hợp lệ", en: "Legitimate" },
    Series { key: "unparsed", colour: "#7f8c8d", vi: "Chưa đọc được", en: "Unparsed" },
];

const COMPLIANCE: [Series; 1] = [Series { key: "compliant", colour: "#27ae60", vi: "% máy không còn bản vá tồn đọng", en: "% of hosts with no patch outstanding" }];

/// Patch compliance at the end of each of the last [`DAYS`] Viet Nam days (today: now), in per
/// cent of hosts with no open patch task (100 with no host), from the same counts as the
/// patching page.
async fn compliance_by_day(store: &Store, scope: &canhgac_domain::Scope, now: i64) -> Result<(Vec<String>, Vec<Vec<i64>>), StoreError> {
    let today = (now + VN) / DAY;
    let first = today - (DAYS - 1);
    let at: Vec<i64> = (first..=today).map(|d| if d == today { now } else { (d + 1) * DAY - VN - 1 }).collect();
    let counts = store.patch_compliance_at(scope, &at).await?;
    // The days before any host was registered have nothing to measure: the chart starts at the
    // first day with hosts.
    let skip = counts.iter().take_while(|(hosts, _)| *hosts == 0).count().min(counts.len().saturating_sub(1));
    let grid = counts[skip..].iter().map(|(hosts, open)| vec![if *hosts > 0 { (hosts - open) * 100 / hosts } else { 100 }]).collect();
    let labels = (first + skip as i64..=today).map(|d| canhgac_domain::time::fmt_date(d * DAY).chars().take(5).collect()).collect();
    Ok((labels, grid))
}

const ACK: [Series; 1] = [Series { key: "ack", colour: "#2c7be5", vi: "Phút", en: "Minutes" }];
const RESTORE: [Series; 1] = [Series { key: "restore", colour: "#27ae60", vi: "Giờ", en: "Hours" }];

/// The Monday-to-Sunday week (Viet Nam time) holding `t`, numbered from the first Monday of 1970.
fn week(t: i64) -> i64 {
    ((t + VN).div_euclid(DAY) + 3).div_euclid(7)
}

/// The mean of `to − from` in `unit`s per week, the last five weeks (the current one last);
/// weeks without any stay 0.
fn weekly_mean(rows: &[(i64, i64)], unit: i64, now: i64) -> (Vec<String>, Vec<Vec<i64>>) {
    let this = week(now);
    let weeks = this - 4..=this;
    let grid = weeks
        .clone()
        .map(|w| {
            let v: Vec<i64> = rows.iter().filter(|(a, _)| week(*a) == w).map(|(a, b)| (b - a).max(0)).collect();
            vec![if v.is_empty() { 0 } else { v.iter().sum::<i64>() / v.len() as i64 / unit }]
        })
        .collect();
    let labels = weeks.map(|w| canhgac_domain::time::fmt_date((w * 7 - 3) * DAY - VN).chars().take(5).collect()).collect();
    (labels, grid)
}

/// Counts per Viet Nam day (the last [`DAYS`]) and series.
fn by_day(rows: &[(i64, String, i64)], series: &'static [Series], now: i64) -> (Vec<String>, Vec<Vec<i64>>) {
    let today = (now + VN) / DAY;
    let first = today - (DAYS - 1);
    let mut grid = vec![vec![0i64; series.len()]; DAYS as usize];
    for (d, k, n) in rows {
        if (first..=today).contains(d) {
            if let Some(i) = series.iter().position(|s| s.key == k) {
                grid[(d - first) as usize][i] += n;
            }
        }
    }
    let labels = (0..DAYS).map(|i| canhgac_domain::time::fmt_date((first + i) * DAY).chars().take(5).collect()).collect();
    (labels, grid)
}

/// Whether the caller sees spam and fraud reports (the DIC and the operators).
pub(crate) fn sees_spam(c: &Caller) -> bool {
    c.scope.ids().is_none() || c.role == canhgac_domain::Role::TelecomStaff
}

/// The daily and periodic charts of the caller's scope (`spam`: with spam and fraud reports).
pub(crate) async fn charts_of(store: &Store, scope: &canhgac_domain::Scope, spam: bool) -> Result<Vec<Chart>, StoreError> {
    let now = now_ms();
    let since = ((now + VN) / DAY - (DAYS - 1)) * DAY - VN;
    let (labels, grid) = by_day(&store.signals_per_day(scope, since).await?, &SEVERITIES, now);
    let alerts = Chart { id: "alerts-per-day", vi: "Cảnh báo theo ngày và mức độ", en: "Alerts per day by severity", labels, series: &SEVERITIES, grid };
    let (labels, grid) = by_day(&store.attacks_per_day(scope, since).await?, &ATTACKS, now);
    let attacks = Chart { id: "attacks-per-day", vi: "Tấn công mạng (dữ liệu luồng) theo ngày và kiểu", en: "Network attacks (flow data) per day by kind", labels, series: &ATTACKS, grid };
    let rows = store.botnet_per_period(scope).await?;
    let mut periods: Vec<i64> = rows.iter().map(|r| r.0).collect();
    periods.sort_unstable();
    periods.dedup();
    let mut grid = vec![vec![0i64; BOTNET.len()]; periods.len()];
    for (p, k, n) in &rows {
        if let (Ok(i), Some(j)) = (periods.binary_search(p), BOTNET.iter().position(|s| s.key == k)) {
            grid[i][j] += n;
        }
    }
    let labels = periods.iter().map(|p| format!("{:02}/{}", p % 100, p / 100)).collect();
    let botnet = Chart { id: "botnet-per-period", vi: "Phát hiện Botnet theo kỳ danh sách (mới và tái diễn)", en: "Botnet findings per list period (new and recurring)", labels, series: &BOTNET, grid };
    let (labels, grid) = weekly_mean(&store.ack_times(scope, now - 35 * DAY).await?, 60_000, now);
    let ack = Chart { id: "time-to-acknowledge", vi: "Thời gian trung bình từ khi có cảnh báo đến khi được tiếp nhận, theo tuần (phút)", en: "Mean time from an alert to its being taken up, per week (minutes)", labels, series: &ACK, grid };
    let (labels, grid) = weekly_mean(&store.restore_times(scope, now - 35 * DAY).await?, 3_600_000, now);
    let restore = Chart { id: "time-to-restore", vi: "Thời gian trung bình từ khi phát hiện sự cố đến khi khôi phục, theo tuần (giờ)", en: "Mean time from an incident's detection to its recovery, per week (hours)", labels, series: &RESTORE, grid };
    let (labels, grid) = compliance_by_day(store, scope, now).await?;
    let compliance = Chart { id: "patch-compliance", vi: "Tuân thủ cập nhật bản vá theo ngày (% máy không còn bản vá tồn đọng)", en: "Patch compliance per day (% of hosts with no patch outstanding)", labels, series: &COMPLIANCE, grid };
    let mut out = vec![alerts, attacks, botnet, compliance, ack, restore];
    if spam {
        let (labels, grid) = by_day(&store.spam_daily(scope, since).await?, &SPAM, now);
        out.push(Chart { id: "spam-per-day", vi: "Phản ánh tin rác, lừa đảo theo ngày và nhãn", en: "Spam and fraud reports per day by label", labels, series: &SPAM, grid });
    }
    Ok(out)
}

fn top(l: Lang, id: &str, rows: &[(i64, String, i64)], href: &dyn Fn(i64) -> String) -> maud::Markup {
    let max = rows.iter().map(|r| r.2).max().unwrap_or(1).max(1);
    html! {
        div.scroll { table.records id=(id) {
            tbody {
                @for (k, name, n) in rows { tr { td { a href=(href(*k)) { (name) } } td { (n) } td.w40 { (meter(n * 100 / max, "#0b4f8a")) } } }
                @if rows.is_empty() { tr { td .muted { (l.t("Chưa có số liệu.", "No data yet.")) } } }
            }
        } }
        p.muted { a href=(format!("/charts/{id}.csv")) { "CSV" } }
    }
}

/// `GET /charts`.
pub async fn charts(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let charts = charts_of(&st.store, &c.scope, sees_spam(&c)).await.map_err(err)?;
    let since = now_ms() - DAYS * DAY;
    let rules = st.store.top_rules(&c.scope, since, 10).await.map_err(err)?;
    let orgs = st.store.top_orgs(&c.scope, since, 10).await.map_err(err)?;
    let body = html! {
        h1 { (l.t("Biểu đồ", "Charts")) span.muted { " — " (DAYS) (l.t(" ngày qua", " days")) } }
        @for ch in &charts {
            h2 { (l.t(ch.vi, ch.en)) }
            (stacked(l, ch.id, l.t(ch.vi, ch.en), &ch.labels, ch.series, &ch.grid))
        }
        div.grid2 {
            div { h2 { (l.t("Luật Sigma cảnh báo nhiều nhất", "Sigma rules that alerted most")) } (top(l, "top-rules", &rules, &|id| format!("/rules/{id}"))) }
            div { h2 { (l.t("Đơn vị có nhiều cảnh báo nhất", "Organisations with most alerts")) } (top(l, "top-orgs", &orgs, &|id| format!("/orgs/{id}"))) }
        }
        @if sees_spam(&c) {
            p.muted { (l.t("Các vụ, chiến dịch tin rác, lừa đảo ở trang ", "Spam and fraud cases and campaigns are on ")) a href="/spam" { (l.t("Tin rác, lừa đảo", "Spam and fraud")) } "." }
        }
    };
    Ok(page(&c, l.t("Biểu đồ", "Charts"), "/charts", body).into_response())
}

fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `GET /charts/{id}.csv`: a chart's numbers (header in the caller's language).
pub async fn csv(State(st): State<AppState>, c: Caller, Path(name): Path<String>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let id = name.strip_suffix(".csv").ok_or_else(|| not_found(&c))?;
    let mut out = String::new();
    if let Some(ch) = charts_of(&st.store, &c.scope, sees_spam(&c)).await.map_err(err)?.into_iter().find(|ch| ch.id == id) {
        out.push_str(l.t("Cột", "Column"));
        for s in ch.series {
            out.push(',');
            out.push_str(&cell(l.t(s.vi, s.en)));
        }
        out.push('\n');
        for (label, row) in ch.labels.iter().zip(&ch.grid) {
            out.push_str(&cell(label));
            for v in row {
                out.push_str(&format!(",{v}"));
            }
            out.push('\n');
        }
    } else {
        let since = now_ms() - DAYS * DAY;
        let rows = match id {
            "top-rules" => st.store.top_rules(&c.scope, since, 100).await.map_err(err)?,
            "top-orgs" => st.store.top_orgs(&c.scope, since, 100).await.map_err(err)?,
            _ => return Err(not_found(&c)),
        };
        out.push_str(&format!("{},{}\n", l.t("Tên", "Name"), l.t("Số cảnh báo", "Alerts")));
        for (_, name, n) in rows {
            out.push_str(&format!("{},{n}\n", cell(&name)));
        }
    }
    Ok(crate::ui::download(&format!("{id}.csv"), out.into_bytes()))
}
