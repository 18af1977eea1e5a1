//! Flow pages: traffic of the organisations in scope with attacks under way and past, top
//! talkers and Botnet traffic; one attack with its advice; exporters and protected prefixes.

use super::api::{bucket_for, hours};
use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page};
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_store::{FlowAttackRow, TalkerRow, TrafficPoint};
use maud::{html, Markup, PreEscaped};
use std::collections::HashMap;

type F = Form<HashMap<String, String>>;

pub(crate) fn tabs(l: Lang, here: &str) -> Markup {
    let items = [
        ("/flows", l.t("Lưu lượng", "Traffic")),
        ("/flows/attacks", l.t("Tấn công", "Attacks")),
        ("/flows/exporters", l.t("Thiết bị gửi luồng", "Exporters")),
        ("/flows/prefixes", l.t("Dải được bảo vệ", "Protected prefixes")),
    ];
    html! { p.tabs { @for (i, (href, label)) in items.iter().enumerate() { @if i > 0 { " · " } @if *href == here { b { (label) } } @else { a href=(href) { (label) } } } } }
}

/// A number with the language's thousands separator.
pub(crate) fn num(l: Lang, n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let sep = l.t(".", ",");
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(ch);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A quantity with a unit prefix (k, M, G, T) and one decimal, in the language's notation.
pub(crate) fn scaled(l: Lang, v: f64, unit: &str) -> String {
    let (mut x, mut p) = (v, "");
    for pre in ["k", "M", "G", "T"] {
        if x < 1000.0 {
            break;
        }
        x /= 1000.0;
        p = pre;
    }
    let t = if p.is_empty() { format!("{x:.0}") } else { format!("{x:.1}") };
    format!("{} {p}{unit}", if l == Lang::Vi { t.replace('.', ",") } else { t })
}

pub(crate) fn kind_word(l: Lang, kind: &str) -> &'static str {
    match kind {
        "syn_flood" => l.t("SYN flood", "SYN flood"),
        "tcp_reflection" => l.t("Phản xạ TCP (SYN-ACK)", "TCP reflection (SYN-ACK)"),
        "tcp_flood" => l.t("TCP flood", "TCP flood"),
        "amplification" => l.t("Khuếch đại (phản xạ UDP)", "Amplification (UDP reflection)"),
        "udp_flood" => l.t("UDP flood", "UDP flood"),
        "icmp_flood" => l.t("ICMP flood", "ICMP flood"),
        "fragment_flood" => l.t("Gói phân mảnh", "Fragment flood"),
        _ => l.t("Hỗn hợp", "Mixed"),
    }
}

fn reason_word(l: Lang, r: &str) -> &'static str {
    match r {
        "pps" => l.t("vượt ngưỡng gói/giây", "over the packets/s threshold"),
        "mbps" => l.t("vượt ngưỡng băng thông", "over the bandwidth threshold"),
        "fps" => l.t("vượt ngưỡng luồng/giây", "over the flows/s threshold"),
        _ => l.t("gấp nhiều lần mức thường ngày", "many times its learned baseline"),
    }
}

fn proto_word(p: i64) -> String {
    match p {
        6 => "TCP".into(),
        17 => "UDP".into(),
        1 => "ICMP".into(),
        58 => "ICMPv6".into(),
        0 => "—".into(),
        n => n.to_string(),
    }
}

fn target_port(l: Lang, a: &FlowAttackRow) -> String {
    match (a.kind.as_str(), a.port) {
        ("amplification", Some(p)) => {
            let name = u16::try_from(p).ok().and_then(canhgac_flows::detect::amplifier).unwrap_or("?");
            format!("{name} ({} {p})", l.t("cổng nguồn", "source port"))
        }
        (_, Some(p)) => format!("{} {p}", l.t("cổng đích", "destination port")),
        _ => "—".into(),
    }
}

/// In and out traffic over time as an SVG line chart (bits a second), with its numbers.
fn chart(l: Lang, points: &[TrafficPoint], since: i64, now: i64, bucket: i64) -> Markup {
    let n = ((now - since) / bucket).max(1) as usize + 1;
    let first = since / bucket;
    let mut inb = vec![0f64; n];
    let mut outb = vec![0f64; n];
    for p in points {
        let i = (p.at / bucket - first) as usize;
        if i < n {
            inb[i] += p.in_bytes as f64 * 8.0 / (bucket as f64 / 1000.0);
            outb[i] += p.out_bytes as f64 * 8.0 / (bucket as f64 / 1000.0);
        }
    }
    let max = inb.iter().chain(outb.iter()).copied().fold(1.0f64, f64::max);
    let (w, h, left, bottom) = (760.0f64, 200.0f64, 64.0f64, 22.0f64);
    let dx = (w - left) / (n.max(2) - 1) as f64;
    let y = |v: f64| h - bottom - v / max * (h - bottom - 8.0);
    let line = |v: &[f64]| v.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", left + i as f64 * dx, y(*v))).collect::<Vec<_>>().join(" ");
    let mut svg = format!("<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">", l.t("Lưu lượng theo thời gian", "Traffic over time"));
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let yy = y(v);
        svg.push_str(&format!("<line x1=\"{left}\" x2=\"{w}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#ccc\" stroke-width=\"0.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"currentColor\">{}</text>", left - 4.0, yy + 3.0, scaled(l, v, "bit/s")));
    }
    svg.push_str(&format!("<polyline fill=\"none\" stroke=\"#2c7be5\" stroke-width=\"1.5\" points=\"{}\"/>", line(&inb)));
    svg.push_str(&format!("<polyline fill=\"none\" stroke=\"#e67e22\" stroke-width=\"1.5\" points=\"{}\"/>", line(&outb)));
    for i in (0..n).step_by((n / 6).max(1)) {
        let t = (first + i as i64) * bucket;
        svg.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"currentColor\">{}</text>", left + i as f64 * dx, h - 6.0, &fmt_datetime(t)[11..]));
    }
    svg.push_str("</svg>");
    html! {
        figure.chart #flow-chart {
            (PreEscaped(svg))
            figcaption {
                span.legend { (PreEscaped("<svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"#2c7be5\"/></svg>")) " " (l.t("Vào (tới địa chỉ của đơn vị)", "In (to the organisations' addresses)")) } " "
                span.legend { (PreEscaped("<svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"#e67e22\"/></svg>")) " " (l.t("Ra", "Out")) }
            }
        }
        details #flow-chart-numbers {
            summary { (l.t("Số liệu của biểu đồ", "The chart's numbers")) }
            div.scroll { table.records {
                thead { tr { th { (l.t("Từ", "From")) } th { (l.t("Vào", "In")) } th { (l.t("Ra", "Out")) } } }
                tbody { @for i in (0..n).rev() { @if inb[i] > 0.0 || outb[i] > 0.0 { tr {
                    td { (fmt_datetime((first + i as i64) * bucket)) }
                    td { (scaled(l, inb[i], "bit/s")) }
                    td { (scaled(l, outb[i], "bit/s")) }
                } } } }
            } }
        }
    }
}

fn attack_rows(l: Lang, rows: &[FlowAttackRow], id: &str) -> Markup {
    html! {
        div.scroll { table.records id=(id) {
            thead { tr { th { (l.t("Địa chỉ bị tấn công", "Target")) } th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Kiểu", "Kind")) } th { (l.t("Bắt đầu", "Started")) } th { (l.t("Kết thúc", "Ended")) } th { (l.t("Đỉnh", "Peak")) } th { (l.t("Nhà mạng", "Operator")) } } }
            tbody {
                @for a in rows { tr {
                    td { a href=(format!("/flows/attacks/{}", a.id)) { code { (a.target) } } }
                    td { (a.org_name) }
                    td { (kind_word(l, &a.kind)) }
                    td { (fmt_datetime(a.started_at)) }
                    td { @match a.ended_at { Some(e) => (fmt_datetime(e)), None => span.badge.sev-critical { (l.t("Đang diễn ra", "Under way")) } } }
                    td { (num(l, a.peak_pps)) (l.t(" gói/s", " pkt/s")) " · " (scaled(l, a.peak_bps as f64, "bit/s")) }
                    td { (a.operator_name) }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { (l.t("Không có cuộc tấn công nào.", "No attacks.")) } } }
            }
        } }
    }
}

fn talkers(l: Lang, rows: &[TalkerRow], id: &str) -> Markup {
    html! {
        div.scroll { table.records id=(id) {
            thead { tr { th { (l.t("Địa chỉ", "Address")) } th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Dữ liệu", "Bytes")) } th { (l.t("Gói tin", "Packets")) } } }
            tbody {
                @for t in rows { tr {
                    td { a href=(format!("/search?q={}", t.ip)) { code { (t.ip) } } }
                    td { (t.org_name) }
                    td { (scaled(l, t.bytes as f64, "B")) }
                    td { (num(l, t.packets)) }
                } }
                @if rows.is_empty() { tr { td colspan="4" .muted { (l.t("Chưa có lưu lượng.", "No traffic yet.")) } } }
            }
        } }
    }
}

/// `GET /flows` (`org`, `hours`).
pub async fn overview(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let org = super::api::org_filter(&st, &c, q.get("org").map(String::as_str)).await.map_err(|_| not_found(&c))?;
    let h = hours(&q);
    let now = now_ms();
    let since = now - h * 3_600_000;
    let bucket = bucket_for(h);
    let points = st.store.flow_traffic(&c.scope, org, since, now + 60_000, bucket).await.map_err(err)?;
    let by_org = st.store.flow_traffic_by_org(&c.scope, since).await.map_err(err)?;
    let active = st.store.flow_attacks(&c.scope, true, org, None, 100).await.map_err(err)?;
    let recent = st.store.flow_attacks(&c.scope, false, org, Some(now - 7 * 86_400_000), 20).await.map_err(err)?;
    let local = st.store.flow_top_talkers(&c.scope, org, true, now - 3_600_000, 10).await.map_err(err)?;
    let remote = st.store.flow_top_talkers(&c.scope, org, false, now - 3_600_000, 10).await.map_err(err)?;
    let botnet = st.store.flow_sightings(&c.scope, org, 20).await.map_err(err)?;
    let periods = [(1, "1 giờ", "1 hour"), (6, "6 giờ", "6 hours"), (24, "24 giờ", "24 hours"), (168, "7 ngày", "7 days")];
    let org_q = q.get("org").map(|o| format!("&org={o}")).unwrap_or_default();
    let body = html! {
        h1 { (l.t("Lưu lượng mạng và tấn công từ dữ liệu luồng", "Network traffic and attacks from flow data")) }
        (tabs(l, "/flows"))
        @if !active.is_empty() {
            div.card.alert-box #flow-active {
                h2 { (l.t("Tấn công đang diễn ra", "Attacks under way")) " (" (active.len()) ")" }
                (attack_rows(l, &active, "flow-active-list"))
            }
        }
        p.filters { (l.t("Khoảng thời gian: ", "Period: ")) @for (i, (hh, vi, en)) in periods.iter().enumerate() { @if i > 0 { " · " } @if *hh == h { b { (l.t(vi, en)) } } @else { a href=(format!("/flows?hours={hh}{org_q}")) { (l.t(vi, en)) } } } }
        (chart(l, &points, since, now, bucket))
        h2 { (l.t("Theo đơn vị", "By organisation")) }
        div.scroll { table.records #flow-by-org {
            thead { tr { th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Vào", "In")) } th { (l.t("Ra", "Out")) } th { (l.t("Gói vào", "Packets in")) } th { (l.t("Luồng", "Flows")) } } }
            tbody {
                @for o in &by_org { tr {
                    td { a href=(format!("/flows?org={}&hours={h}", o.org_code)) { (o.org_name) } }
                    td { (scaled(l, o.in_bytes as f64, "B")) }
                    td { (scaled(l, o.out_bytes as f64, "B")) }
                    td { (num(l, o.in_packets)) }
                    td { (num(l, o.flows)) }
                } }
                @if by_org.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa nhận được luồng nào trong khoảng này: đăng ký thiết bị gửi luồng ở thẻ “Thiết bị gửi luồng”.", "No flows in this period: register the routers under “Exporters”.")) } } }
            }
        } }
        div.grid2 {
            div { h2 { (l.t("Địa chỉ của đơn vị dùng nhiều nhất (1 giờ)", "Busiest addresses of the organisations (1 hour)")) } (talkers(l, &local, "flow-local-talkers")) }
            div { h2 { (l.t("Đầu xa dùng nhiều nhất (1 giờ)", "Busiest far ends (1 hour)")) } (talkers(l, &remote, "flow-remote-talkers")) }
        }
        h2 { (l.t("Tấn công 7 ngày qua", "Attacks in the last 7 days")) }
        (attack_rows(l, &recent, "flow-recent"))
        p { a href="/flows/attacks" { (l.t("Toàn bộ lịch sử tấn công", "All attacks")) } }
        h2 { (l.t("Lưu lượng với địa chỉ trong danh sách Botnet", "Traffic with addresses on the Botnet lists")) }
        div.scroll { table.records #flow-botnet {
            thead { tr { th { (l.t("Địa chỉ của đơn vị", "Organisation's address")) } th { (l.t("Địa chỉ Botnet", "Botnet address")) } th { (l.t("Chiều", "Direction")) } th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Luồng", "Flows")) } th { (l.t("Lần cuối", "Last seen")) } th { (l.t("Cảnh báo", "Signal")) } } }
            tbody {
                @for s in &botnet { tr {
                    td { code { (s.local_ip) } }
                    td { a href=(format!("/search?q={}", s.remote_ip)) { code { (s.remote_ip) } } " (" (s.entry) ")" }
                    td { @if s.outbound == 1 { (l.t("Gửi đi", "Outbound")) } @else { (l.t("Nhận về", "Inbound")) } " " (proto_word(s.proto)) "/" (s.port) }
                    td { (s.org_name) }
                    td { (num(l, s.flows)) }
                    td { (fmt_datetime(s.last_seen)) }
                    td { @if let Some(id) = s.signal_id { a href=(format!("/signals/{id}")) { "#" (id) } } }
                } }
                @if botnet.is_empty() { tr { td colspan="7" .muted { (l.t("Không thấy lưu lượng nào với địa chỉ Botnet.", "No traffic with Botnet addresses.")) } } }
            }
        } }
    };
    Ok(page(&c, l.t("Lưu lượng mạng", "Network traffic"), "/flows", body).into_response())
}

/// `GET /flows/attacks` (`active`, `days`).
pub async fn attacks(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let active = q.get("active").is_some_and(|v| v == "1");
    let days = q.get("days").and_then(|d| d.parse::<i64>().ok()).unwrap_or(30).clamp(1, 365);
    let rows = st.store.flow_attacks(&c.scope, active, None, Some(now_ms() - days * 86_400_000), 1000).await.map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Các cuộc tấn công thấy trong dữ liệu luồng", "Attacks seen in flow data")) }
        (tabs(l, "/flows/attacks"))
        p.filters {
            @if active { a href="/flows/attacks" { (l.t("Tất cả", "All")) } " · " b { (l.t("Đang diễn ra", "Under way")) } }
            @else { b { (l.t("Tất cả", "All")) } " · " a href="/flows/attacks?active=1" { (l.t("Đang diễn ra", "Under way")) } }
            " — " (days) (l.t(" ngày qua", " days"))
        }
        (attack_rows(l, &rows, "flow-attacks"))
    };
    Ok(page(&c, l.t("Tấn công", "Attacks"), "/flows", body).into_response())
}

fn pre(id: &str, text: &str) -> Markup {
    html! { pre id=(id) data-raw { code { (text) } } }
}

/// `GET /flows/attacks/{id}`.
pub async fn attack(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let a = st.store.flow_attack(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    let advice: serde_json::Value = serde_json::from_str(&a.advice).unwrap_or_default();
    let sources: Vec<(String, i64, i64)> = serde_json::from_str(&a.top_sources).unwrap_or_default();
    let mix: serde_json::Value = serde_json::from_str(&a.mix).unwrap_or_default();
    let m = |k: &str| mix.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
    let adv = |k: &str| advice.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
    let total = m("packets").max(1);
    let share = |k: &str| format!("{}%", m(k) * 100 / total);
    let dur = a.ended_at.unwrap_or(a.last_over_at + 999) - a.started_at;
    let body = html! {
        p.muted { a href="/flows" { (l.t("Lưu lượng", "Traffic")) } " › " a href="/flows/attacks" { (l.t("Tấn công", "Attacks")) } }
        h1 { (kind_word(l, &a.kind)) (l.t(" vào ", " on ")) code { (a.target) } }
        @if a.ended_at.is_none() { p { span.badge.sev-critical { (l.t("Đang diễn ra", "Under way")) } } }
        div.card #attack-facts { dl.kv {
            dt { (l.t("Đơn vị giữ địa chỉ", "Organisation holding the address")) } dd { (a.org_name) }
            dt { (l.t("Nhà mạng thấy tấn công", "Operator that saw it")) } dd { (a.operator_name) }
            dt { (l.t("Dải được bảo vệ", "Protected prefix")) } dd { code { (a.prefix) } }
            dt { (l.t("Kiểu", "Kind")) } dd { (kind_word(l, &a.kind)) " — " (proto_word(a.protocol)) ", " (target_port(l, &a)) }
            dt { (l.t("Phát hiện vì", "Detected because")) } dd { (reason_word(l, &a.reason)) }
            dt { (l.t("Bắt đầu", "Started")) } dd { (fmt_datetime(a.started_at)) }
            dt { (l.t("Kết thúc", "Ended")) } dd { @match a.ended_at { Some(e) => { (fmt_datetime(e)) " (" (num(l, dur / 1000)) (l.t(" giây", " s")) ")" }, None => { (l.t("chưa — vượt ngưỡng lần cuối lúc ", "not yet — last over threshold at ")) (fmt_datetime(a.last_over_at)) } } }
            dt { (l.t("Đỉnh", "Peak")) } dd { (num(l, a.peak_pps)) (l.t(" gói/s", " pkt/s")) " · " (scaled(l, a.peak_bps as f64, "bit/s")) " · " (num(l, a.peak_fps)) (l.t(" luồng/s", " flows/s")) }
            dt { (l.t("Tổng", "Total")) } dd { (num(l, a.packets)) (l.t(" gói, ", " packets, ")) (scaled(l, a.bytes as f64, "B")) ", "
                @if a.sources_seen >= i64::try_from(canhgac_flows::detect::Settings::default().max_sources).unwrap_or(i64::MAX) { (l.t("từ ", "at least ")) }
                (num(l, a.sources_seen)) (l.t(" nguồn khác nhau", " distinct sources")) }
            dt { (l.t("Thành phần", "Mix")) } dd { "SYN " (share("syn")) " · SYN-ACK " (share("synack")) " · UDP " (share("udp")) (l.t(" (từ cổng khuếch đại ", " (from amplifier ports ")) (share("amp")) ") · ICMP " (share("icmp")) (l.t(" · phân mảnh ", " · fragments ")) (share("fragments")) }
            dt { (l.t("Cảnh báo", "Signals")) } dd {
                @if let Some(s) = a.signal_id { a href=(format!("/signals/{s}")) { (l.t("của đơn vị", "the organisation's")) " #" (s) } }
                @if let Some(s) = a.operator_signal_id { " · " a href=(format!("/signals/{s}")) { (l.t("của nhà mạng", "the operator's")) " #" (s) } }
            }
        } }
        h2 { (l.t("Biện pháp giảm thiểu", "Mitigation")) }
        p { (l.t("Chặn toàn bộ lưu lượng tới địa chỉ (RTBH, cộng đồng BLACKHOLE 65535:666) — cắt cả truy cập hợp lệ, dùng khi đường truyền bị nghẽn:", "Black-hole all traffic to the address (RTBH, BLACKHOLE community 65535:666) — it drops legitimate traffic too; for when the links are saturated:")) }
        h3 { "ExaBGP" } (pre("rtbh-exabgp", &format!("{}\n# {}\n{}", adv("rtbh_exabgp"), l.t("gỡ bỏ", "withdraw"), adv("rtbh_exabgp_withdraw"))))
        h3 { "GoBGP" } (pre("rtbh-gobgp", &format!("{}\n# {}\n{}", adv("rtbh_gobgp"), l.t("gỡ bỏ", "withdraw"), adv("rtbh_gobgp_withdraw"))))
        p { (l.t("Hoặc chỉ lọc lưu lượng tấn công bằng FlowSpec (", "Or filter only the attack traffic with FlowSpec (")) code { (adv("flowspec_action")) } "):" }
        h3 { "ExaBGP" } (pre("flowspec-exabgp", &format!("{}\n# {}\n{}", adv("flowspec_exabgp"), l.t("gỡ bỏ", "withdraw"), adv("flowspec_exabgp_withdraw"))))
        h3 { "GoBGP" } (pre("flowspec-gobgp", &format!("{}\n# {}\n{}", adv("flowspec_gobgp"), l.t("gỡ bỏ", "withdraw"), adv("flowspec_gobgp_withdraw"))))
        h2 { (l.t("Nguồn lớn nhất", "Top sources")) }
        div.scroll { table.records #attack-sources {
            thead { tr { th { (l.t("Địa chỉ nguồn", "Source")) } th { (l.t("Gói tin", "Packets")) } th { (l.t("Dữ liệu", "Bytes")) } } }
            tbody {
                @for (ip, p, b) in &sources { tr { td { a href=(format!("/search?q={ip}")) { code { (ip) } } } td { (num(l, *p)) } td { (scaled(l, *b as f64, "B")) } } }
                @if sources.is_empty() { tr { td colspan="3" .muted { (l.t("Chưa ghi nhận nguồn.", "No sources recorded.")) } } }
            }
        } }
        p.muted { (l.t("Nguồn của cuộc tấn công phản xạ là các máy chủ bị lợi dụng, không phải kẻ tấn công; nguồn của SYN flood thường bị giả mạo.", "The sources of a reflection attack are abused servers, not the attacker; SYN flood sources are usually spoofed.")) }
    };
    Ok(page(&c, l.t("Tấn công", "Attack"), "/flows", body).into_response())
}

/// `GET /flows/exporters`.
pub async fn exporters(State(st): State<AppState>, c: Caller) -> UiResult {
    render_exporters(&st, &c, None).await
}

async fn render_exporters(st: &AppState, c: &Caller, flash: Option<Markup>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(c, e);
    let rows = st.store.flow_exporters(&c.scope).await.map_err(err)?;
    let ops = st.store.telecom_orgs(&c.scope).await.map_err(err)?;
    let unknown = if c.role.is_dic() { st.flows.get().map(|s| s.unknown_senders()).unwrap_or_default() } else { Vec::new() };
    let listen = st.config.flows.listen;
    let body = html! {
        h1 { (l.t("Thiết bị gửi dữ liệu luồng (NetFlow, IPFIX, sFlow)", "Flow exporters (NetFlow, IPFIX, sFlow)")) }
        (tabs(l, "/flows/exporters"))
        @if let Some(f) = flash { (f) }
        p { @match listen {
            Some(a) => { (l.t("Bộ thu nhận NetFlow v5/v9, IPFIX và sFlow v5 qua UDP tại ", "The collector receives NetFlow v5/v9, IPFIX and sFlow v5 over UDP on ")) code { (a) } ". " (l.t("Chỉ dữ liệu từ thiết bị đã đăng ký được đọc.", "Only registered exporters are read.")) }
            None => { (l.t("Bộ thu chưa bật: đặt [flows] listen trong tệp cấu hình.", "The collector is off: set [flows] listen in the configuration file.")) }
        } }
        div.scroll { table.records #flow-exporters {
            thead { tr { th { (l.t("Thiết bị", "Router")) } th { (l.t("Địa chỉ", "Address")) } th { (l.t("Nhà mạng", "Operator")) } th { (l.t("Định dạng", "Format")) } th { (l.t("Lần cuối", "Last seen")) } th { (l.t("Gói UDP", "Datagrams")) } th { (l.t("Luồng", "Flows")) } th { (l.t("Hỏng", "Malformed")) } th { (l.t("Thiếu mẫu", "No template")) } th { (l.t("Mất (theo số thứ tự)", "Lost (by sequence)")) } th {} } }
            tbody {
                @for e in &rows { tr {
                    td { (e.name) @if e.sampling > 1 { br; small.muted { (l.t("lấy mẫu 1/", "sampling 1/")) (e.sampling) } } }
                    td { code { (e.address) } }
                    td { (e.org_name) }
                    td { (format_word(&e.format)) }
                    td { @if e.last_seen > 0 { (fmt_datetime(e.last_seen)) } @else { span.muted { (l.t("chưa nhận", "never")) } } }
                    td { (num(l, e.datagrams)) }
                    td { (num(l, e.flows)) }
                    td { (num(l, e.malformed)) }
                    td { (num(l, e.no_template)) }
                    td { (num(l, e.lost)) }
                    td { @if c.role.can_write() { form.inline method="post" action=(format!("/flows/exporters/{}/delete", e.id)) { (csrf(c)) button.light type="submit" { (l.t("Xoá", "Remove")) } } } }
                } }
                @if rows.is_empty() { tr { td colspan="11" .muted { (l.t("Chưa đăng ký thiết bị nào.", "No exporters registered.")) } } }
            }
        } }
        @if !unknown.is_empty() {
            h2 { (l.t("Địa chỉ gửi luồng chưa đăng ký (không được đọc)", "Unregistered senders (not read)")) }
            div.scroll { table.records #flow-unknown {
                thead { tr { th { (l.t("Địa chỉ", "Address")) } th { (l.t("Gói UDP", "Datagrams")) } th { (l.t("Lần cuối", "Last seen")) } } }
                tbody { @for (ip, n, at) in &unknown { tr { td { code { (ip) } } td { (num(l, i64::try_from(*n).unwrap_or(i64::MAX))) } td { (fmt_datetime(*at)) } } } }
            } }
        }
        @if c.role.can_write() && !ops.is_empty() {
            h2 { (l.t("Đăng ký thiết bị", "Register a router")) }
            form.card #exporter-form method="post" action="/flows/exporters" { (csrf(c))
                div.grid2 {
                    div {
                        label for="x-org" { (l.t("Nhà mạng", "Operator")) }
                        select #x-org name="org" { @for (_, code, name) in &ops { option value=(code) { (code) " — " (name) } } }
                        label for="x-name" { (l.t("Tên thiết bị", "Router name")) } input #x-name name="name" required;
                    }
                    div {
                        label for="x-address" { (l.t("Địa chỉ nguồn gửi luồng", "Export source address")) } input #x-address name="address" required placeholder="203.0.113.1";
                        label for="x-sampling" { (l.t("Tỉ lệ lấy mẫu nếu thiết bị không gửi kèm (0: theo thiết bị)", "Sampling rate if the router does not export it (0: as exported)")) } input #x-sampling name="sampling" type="number" min="0" value="0";
                    }
                }
                button type="submit" { (l.t("Đăng ký", "Register")) }
            }
        }
    };
    Ok(page(c, l.t("Thiết bị gửi luồng", "Flow exporters"), "/flows", body).into_response())
}

fn format_word(f: &str) -> &str {
    match f {
        "netflow_v5" => "NetFlow v5",
        "netflow_v9" => "NetFlow v9",
        "ipfix" => "IPFIX",
        "sflow5" => "sFlow v5",
        _ => "—",
    }
}

/// `POST /flows/exporters` (`org`, `address`, `name`, `sampling`).
pub async fn add_exporter(State(st): State<AppState>, c: Caller, Form(f): F) -> UiResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let org = crate::spam::api::operator_of(&st, &c, Some(get("org")).filter(|s| !s.is_empty()).as_deref()).await.map_err(|e| error_page(&c, e.status, &e.message_vi, &e.message))?;
    canhgac_ops::flows::add_exporter(&st.store, &c.scope, &c.actor(), org, &get("address"), &get("name"), get("sampling").trim().parse::<i64>().unwrap_or(0))
        .await
        .map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/flows/exporters").into_response())
}

/// `POST /flows/exporters/{id}/delete`.
pub async fn delete_exporter(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    st.store.delete_flow_exporter(&c.scope, &c.actor(), id).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/flows/exporters").into_response())
}

/// `GET /flows/prefixes`.
pub async fn prefixes(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let rows = st.store.flow_prefixes(&c.scope).await.map_err(err)?;
    let ops = st.store.telecom_orgs(&c.scope).await.map_err(err)?;
    let d = st.config.flows.defaults;
    let body = html! {
        h1 { (l.t("Dải địa chỉ được bảo vệ", "Protected prefixes")) }
        (tabs(l, "/flows/prefixes"))
        p { (l.t("Mọi dải và địa chỉ đã đăng ký trong danh mục được bảo vệ với ngưỡng mặc định cho mỗi địa chỉ: ", "Every range and address in the registry is protected with the default thresholds per address: "))
            (num(l, i64::try_from(d.pps).unwrap_or(i64::MAX))) (l.t(" gói/s, ", " packets/s, ")) (num(l, i64::try_from(d.mbps).unwrap_or(i64::MAX))) " Mbit/s, " (num(l, i64::try_from(d.fps).unwrap_or(i64::MAX))) (l.t(" luồng/s; và khi vượt nhiều lần mức thường ngày đã học. Nhà mạng thêm dải của khách hàng với ngưỡng riêng dưới đây.", " flows/s; and when many times over its learned baseline. Operators add their customers' ranges with their own thresholds below.")) }
        div.scroll { table.records #flow-prefixes {
            thead { tr { th { (l.t("Dải", "Prefix")) } th { (l.t("Khách hàng / dịch vụ", "Customer / service")) } th { (l.t("Nhà mạng", "Operator")) } th { (l.t("Gói/s", "Packets/s")) } th { "Mbit/s" } th { (l.t("Luồng/s", "Flows/s")) } th {} } }
            tbody {
                @for p in &rows { tr {
                    td { code { (p.prefix) } }
                    td { (p.name) @if let Some(n) = &p.customer_name { br; small.muted { (n) } } }
                    td { (p.org_code) }
                    td { (num(l, p.pps)) } td { (num(l, p.mbps)) } td { (num(l, p.fps)) }
                    td { @if c.role.can_write() { form.inline method="post" action=(format!("/flows/prefixes/{}/delete", p.id)) { (csrf(&c)) button.light type="submit" { (l.t("Xoá", "Remove")) } } } }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { (l.t("Chưa có dải khách hàng nào.", "No customer prefixes.")) } } }
            }
        } }
        @if c.role.can_write() && !ops.is_empty() {
            h2 { (l.t("Bảo vệ dải của khách hàng", "Protect a customer's prefix")) }
            form.card #prefix-form method="post" action="/flows/prefixes" { (csrf(&c))
                div.grid2 {
                    div {
                        label for="p-org" { (l.t("Nhà mạng", "Operator")) }
                        select #p-org name="org" { @for (_, code, name) in &ops { option value=(code) { (code) " — " (name) } } }
                        label for="p-prefix" { (l.t("Dải địa chỉ", "Prefix")) } input #p-prefix name="prefix" required placeholder="203.0.113.0/24";
                        label for="p-name" { (l.t("Khách hàng hoặc dịch vụ", "Customer or service")) } input #p-name name="name" required;
                        label for="p-customer" { (l.t("Mã đơn vị trong danh mục (nếu là cơ quan)", "Registry code (if an agency)")) } input #p-customer name="customer";
                    }
                    div {
                        label for="p-pps" { (l.t("Ngưỡng gói/s mỗi địa chỉ", "Packets/s per address")) } input #p-pps name="pps" type="number" min="1" value=(d.pps);
                        label for="p-mbps" { (l.t("Ngưỡng Mbit/s mỗi địa chỉ", "Mbit/s per address")) } input #p-mbps name="mbps" type="number" min="1" value=(d.mbps);
                        label for="p-fps" { (l.t("Ngưỡng luồng/s mỗi địa chỉ", "Flows/s per address")) } input #p-fps name="fps" type="number" min="1" value=(d.fps);
                    }
                }
                button type="submit" { (l.t("Bảo vệ", "Protect")) }
            }
        }
    };
    Ok(page(&c, l.t("Dải được bảo vệ", "Protected prefixes"), "/flows", body).into_response())
}

/// `POST /flows/prefixes` (`org`, `customer`, `prefix`, `name`, `pps`, `mbps`, `fps`).
pub async fn add_prefix(State(st): State<AppState>, c: Caller, Form(f): F) -> UiResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let org = crate::spam::api::operator_of(&st, &c, Some(get("org")).filter(|s| !s.is_empty()).as_deref()).await.map_err(|e| error_page(&c, e.status, &e.message_vi, &e.message))?;
    let customer = match get("customer").trim() {
        "" => None,
        code => match st.store.org_codes().await.map_err(|e| store_error_page(&c, e))?.get(code) {
            Some(o) => Some(*o),
            None => return Err(error_page(&c, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &format!("Không có đơn vị mã '{code}'."), &format!("No organisation '{code}'."))),
        },
    };
    let n = |k: &str| get(k).trim().parse::<i64>().unwrap_or(0);
    canhgac_ops::flows::add_prefix(&st.store, &c.scope, &c.actor(), org, customer, &get("prefix"), &get("name"), (n("pps"), n("mbps"), n("fps")))
        .await
        .map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/flows/prefixes").into_response())
}

/// `POST /flows/prefixes/{id}/delete`.
pub async fn delete_prefix(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    st.store.delete_flow_prefix(&c.scope, &c.actor(), id).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/flows/prefixes").into_response())
}
