//! Reports per day by label as a stacked bar chart drawn on the server (SVG, no script), with
//! its numbers in a table beside it.

use crate::auth::Lang;
use maud::{html, Markup, PreEscaped};

const DAY: i64 = 86_400_000;
const VN: i64 = 7 * 3_600_000;

/// The start (UTC ms) of the Viet Nam day `days − 1` days before the one holding `now`.
pub(crate) fn day_start(now: i64, days: i64) -> i64 {
    ((now + VN) / DAY - (days - 1)) * DAY - VN
}

/// The labels in stacking order, with their colours and words.
const SERIES: [(&str, &str, &str, &str); 4] = [
    ("fraud", "#c0392b", "Lừa đảo", "Fraud"),
    ("spam", "#e67e22", "Quảng cáo rác", "Spam"),
    ("ham", "#27ae60", "Hợp lệ", "Legitimate"),
    ("unparsed", "#7f8c8d", "Chưa đọc được", "Unparsed"),
];

/// Per day (Viet Nam day numbers since 1970) and label, as the store counts them; the chart of
/// the last `days` days ending today.
pub(crate) fn daily(l: Lang, rows: &[(i64, String, i64)], now: i64, days: i64) -> Markup {
    let today = (now + VN) / DAY;
    let first = today - (days - 1);
    let mut grid = vec![[0i64; 4]; days as usize];
    for (d, label, n) in rows {
        if (first..=today).contains(d) {
            if let Some(i) = SERIES.iter().position(|s| s.0 == label) {
                grid[(d - first) as usize][i] += n;
            }
        }
    }
    let max = grid.iter().map(|r| r.iter().sum::<i64>()).max().unwrap_or(0).max(1);
    let (w, h, left, bottom) = (760.0f64, 220.0f64, 44.0f64, 24.0f64);
    let bw = (w - left) / days as f64;
    let scale = (h - bottom - 8.0) / max as f64;
    let date = |d: i64| canhgac_domain::time::fmt_date(d * DAY).chars().take(5).collect::<String>();
    let mut svg = format!("<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">", l.t("Phản ánh theo ngày", "Reports per day"));
    for k in 0..=4 {
        let v = max * k / 4;
        let y = h - bottom - v as f64 * scale;
        svg.push_str(&format!("<line x1=\"{left}\" x2=\"{w}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ccc\" stroke-width=\"0.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"currentColor\">{v}</text>", left - 4.0, y + 3.0));
    }
    for (i, day) in grid.iter().enumerate() {
        let x = left + i as f64 * bw;
        let mut y = h - bottom;
        for (k, n) in day.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let bh = *n as f64 * scale;
            y -= bh;
            svg.push_str(&format!("<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {}: {n}</title></rect>", x + 1.0, (bw - 2.0).max(1.0), SERIES[k].1, date(first + i as i64), l.t(SERIES[k].2, SERIES[k].3)));
        }
        if i % 5 == 0 || i + 1 == grid.len() {
            svg.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"currentColor\">{}</text>", x + bw / 2.0, h - 8.0, date(first + i as i64)));
        }
    }
    svg.push_str("</svg>");
    html! {
        figure.chart #spam-daily-chart {
            (PreEscaped(svg))
            figcaption { @for s in SERIES { span.legend { (PreEscaped(format!("<svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"{}\"/></svg>", s.1))) " " (l.t(s.2, s.3)) } " " } }
        }
        details #spam-daily-numbers {
            summary { (l.t("Số liệu của biểu đồ", "The chart's numbers")) }
            table.records {
                thead { tr { th { (l.t("Ngày", "Day")) } @for s in SERIES { th { (l.t(s.2, s.3)) } } th { (l.t("Cộng", "Total")) } } }
                tbody { @for (i, day) in grid.iter().enumerate().rev() { tr {
                    td { (canhgac_domain::time::fmt_date((first + i as i64) * DAY)) }
                    @for n in day { td { (n) } }
                    td { (day.iter().sum::<i64>()) }
                } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_midnight_in_viet_nam() {
        // 27/04/2025 00:30 in Ha Noi.
        let now = 1_745_688_600_000;
        assert_eq!(canhgac_domain::time::fmt_datetime(day_start(now, 1)), "27/04/2025 00:00");
        assert_eq!(canhgac_domain::time::fmt_datetime(day_start(now, 30)), "29/03/2025 00:00");
    }
}
