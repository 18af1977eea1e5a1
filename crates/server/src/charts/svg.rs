//! Stacked bars over days or periods, drawn as SVG on the server (no script).

use maud::{html, Markup, PreEscaped};

/// A series: its key, colour and words.
pub(crate) struct Series {
    pub key: &'static str,
    pub colour: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
}

/// Stacked bars, one per column (`labels`), `grid[column][series]`.
pub(crate) fn stacked(l: crate::auth::Lang, id: &str, title: &str, labels: &[String], series: &[Series], grid: &[Vec<i64>]) -> Markup {
    let max = grid.iter().map(|r| r.iter().sum::<i64>()).max().unwrap_or(0).max(1);
    let (w, h, left, bottom) = (760.0f64, 200.0f64, 44.0f64, 24.0f64);
    let n = labels.len().max(1);
    let bw = (w - left) / n as f64;
    let scale = (h - bottom - 8.0) / max as f64;
    let mut svg = format!("<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{title}\" xmlns=\"http://www.w3.org/2000/svg\">");
    let mut ticks: Vec<i64> = (0..=4).map(|k| max * k / 4).collect();
    ticks.dedup();
    for v in ticks {
        let y = h - bottom - v as f64 * scale;
        svg.push_str(&format!("<line x1=\"{left}\" x2=\"{w}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ccc\" stroke-width=\"0.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"currentColor\">{v}</text>", left - 4.0, y + 3.0));
    }
    for (i, row) in grid.iter().enumerate() {
        let x = left + i as f64 * bw;
        let mut y = h - bottom;
        for (k, v) in row.iter().enumerate() {
            if *v == 0 {
                continue;
            }
            let bh = *v as f64 * scale;
            y -= bh;
            let s = &series[k];
            svg.push_str(&format!("<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {}: {v}</title></rect>", x + 1.0, (bw - 2.0).max(1.0), s.colour, labels[i], l.t(s.vi, s.en)));
        }
        if i % (n / 8).max(1) == 0 || i + 1 == n {
            svg.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"currentColor\">{}</text>", x + bw / 2.0, h - 8.0, labels[i]));
        }
    }
    svg.push_str("</svg>");
    html! {
        figure.chart id=(id) {
            (PreEscaped(svg))
            figcaption { @for s in series { span.legend { (PreEscaped(format!("<svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"{}\"/></svg>", s.colour))) " " (l.t(s.vi, s.en)) } " " } }
        }
        details {
            summary { (l.t("Số liệu của biểu đồ", "The chart's numbers")) " · " a href=(format!("/charts/{id}.csv")) { "CSV" } }
            div.scroll { table.records {
                thead { tr { th {} @for s in series { th { (l.t(s.vi, s.en)) } } th { (l.t("Cộng", "Total")) } } }
                tbody { @for (i, row) in grid.iter().enumerate().rev() { tr { td { (labels[i]) } @for v in row { td { (v) } } td { (row.iter().sum::<i64>()) } } } }
            } }
        }
    }
}
