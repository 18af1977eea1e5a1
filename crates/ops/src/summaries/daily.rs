//! The daily duty report ([`crate::daily`]) as a [`Doc`], so it renders in every format and in
//! English on request: the same figures, with the officer's saved text as written (it is theirs)
//! or, when nothing was saved, the narrative generated in the language asked for.

use super::{Doc, Lang, Section};
use crate::daily::Daily;
use canhgac_domain::signal::Severity;
use canhgac_domain::time::fmt_datetime;
use canhgac_store::WorkProgress;

fn sev(d: &Daily, s: Severity) -> i64 {
    d.counts
        .signals_by_severity
        .get(s.as_str())
        .copied()
        .unwrap_or(0)
}

fn state(d: &Daily, s: &str) -> i64 {
    d.counts.signals_by_state.get(s).copied().unwrap_or(0)
}

fn english_narrative(d: &Daily) -> String {
    let c = &d.counts;
    let total: i64 = c.signals_by_severity.values().sum();
    let mut out = vec![format!(
        "On {}, {} kept {} duty shifts{}.",
        d.day.format("%d/%m/%Y"),
        d.org_name,
        d.shifts.len(),
        match d.shifts.iter().filter(|s| s.user_id.is_none()).count() {
            0 => String::new(),
            n => format!("; {n} had nobody on them"),
        }
    )];
    out.push(format!(
        "{total} new alerts were raised: {} critical, {} high, {} medium, {} low, {} info. By {}, {} were resolved ({} false positives), {} were being worked on and {} not yet taken up.",
        sev(d, Severity::Critical),
        sev(d, Severity::High),
        sev(d, Severity::Medium),
        sev(d, Severity::Low),
        sev(d, Severity::Info),
        fmt_datetime(d.built_at),
        state(d, "resolved") + state(d, "false_positive"),
        state(d, "false_positive"),
        state(d, "acknowledged") + state(d, "in_progress"),
        state(d, "new"),
    ));
    out.push(format!(
        "{} new incidents; {} incidents still open.",
        c.incidents_new.len(),
        c.incidents_open
    ));
    out.push(format!(
        "{} national-platform alerts received; {} incident reports sent; {} directive reports received.",
        c.platform_received, c.incident_reports_sent, c.directive_reports
    ));
    out.join("\n")
}

fn work(l: Lang, what: (&str, &str), w: &WorkProgress) -> [Vec<String>; 3] {
    let w_ = l.t(what.0, what.1);
    [
        vec![
            format!("{w_}: {}", l.t("đang mở", "open")),
            w.open.to_string(),
        ],
        vec![
            format!("{w_}: {}", l.t("quá hạn", "overdue")),
            w.overdue.to_string(),
        ],
        vec![
            format!(
                "{w_}: {}",
                l.t("hoàn thành trong ngày", "done during the day")
            ),
            w.closed_today.to_string(),
        ],
    ]
}

/// The day's report as a document in `lang`.
pub fn daily_doc(d: &Daily, lang: Lang) -> Doc {
    let l = lang;
    let c = &d.counts;
    let fig = vec![
        l.t("Chỉ tiêu", "Figure").to_string(),
        l.t("Số liệu", "Value").to_string(),
    ];
    let narrative = match (&d.saved, lang) {
        (Some(s), _) => s.narrative.clone(),
        (None, Lang::Vi) => crate::daily::narrative(d),
        (None, Lang::En) => english_narrative(d),
    };
    let mut summary: Vec<String> = narrative.lines().map(str::to_string).collect();
    if !d.remarks.is_empty() {
        summary.push(format!(
            "{} {}",
            l.t("Kiến nghị, đề xuất:", "Remarks and proposals:"),
            d.remarks
        ));
    }
    let section = |heading: &str,
                   short: &str,
                   header: Vec<String>,
                   rows: Vec<Vec<String>>,
                   widths: &[f32]| Section {
        heading: heading.into(),
        short: short.into(),
        header,
        rows,
        widths: widths.to_vec(),
        links: Vec::new(),
    };
    let mut alerts: Vec<Vec<String>> = Severity::ALL
        .iter()
        .rev()
        .map(|s| {
            vec![
                l.t(s.label_vi(), s.label_en()).to_string(),
                sev(d, *s).to_string(),
            ]
        })
        .collect();
    for (k, vi, en) in [
        ("new", "Chưa tiếp nhận", "Not taken up"),
        ("acknowledged", "Đã tiếp nhận", "Acknowledged"),
        ("in_progress", "Đang xử lý", "In progress"),
        ("resolved", "Đã xử lý xong", "Resolved"),
        ("false_positive", "Cảnh báo nhầm", "False positive"),
    ] {
        alerts.push(vec![l.t(vi, en).to_string(), state(d, k).to_string()]);
    }
    let mut tasks = Vec::new();
    tasks.extend(work(l, ("Săn lùng IP Botnet", "Botnet hunting"), &c.hunt));
    tasks.extend(work(l, ("Cập nhật bản vá", "Patching"), &c.patch));
    tasks.extend(work(l, ("Văn bản chỉ đạo", "Directives"), &c.directive));
    let sections = vec![
        section(
            l.t("I. CA TRỰC", "I. SHIFTS"),
            l.t("Ca trực", "Shifts"),
            vec![
                l.t("Ca", "Shift").into(),
                l.t("Thời gian", "Time").into(),
                l.t("Người trực", "On duty").into(),
            ],
            d.shifts
                .iter()
                .map(|s| {
                    vec![
                        s.code.clone(),
                        format!(
                            "{} – {}",
                            fmt_datetime(s.starts_at),
                            fmt_datetime(s.ends_at)
                        ),
                        s.full_name
                            .clone()
                            .unwrap_or_else(|| l.t("CHƯA CÓ NGƯỜI", "NOBODY").into()),
                    ]
                })
                .collect(),
            &[0.2, 0.5, 0.3],
        ),
        section(
            l.t("II. CẢNH BÁO MỚI TRONG NGÀY", "II. NEW ALERTS OF THE DAY"),
            l.t("Cảnh báo", "Alerts"),
            fig.clone(),
            alerts,
            &[0.7, 0.3],
        ),
        section(
            l.t("III. SỰ CỐ", "III. INCIDENTS"),
            l.t("Sự cố", "Incidents"),
            fig.clone(),
            vec![
                vec![
                    l.t("Sự cố mới trong ngày", "New incidents").into(),
                    c.incidents_new.len().to_string(),
                ],
                vec![
                    l.t("Sự cố đang xử lý", "Incidents open").into(),
                    c.incidents_open.to_string(),
                ],
            ],
            &[0.7, 0.3],
        ),
        section(
            l.t("IV. NHIỆM VỤ", "IV. TASKS"),
            l.t("Nhiệm vụ", "Tasks"),
            fig.clone(),
            tasks,
            &[0.7, 0.3],
        ),
        section(
            l.t("V. TIẾP NHẬN, BÁO CÁO", "V. RECEIVED AND REPORTED"),
            l.t("Tiếp nhận", "Received"),
            fig,
            vec![
                vec![
                    l.t("Cảnh báo từ nền tảng quốc gia", "National-platform alerts")
                        .into(),
                    c.platform_received.to_string(),
                ],
                vec![
                    l.t("Báo cáo sự cố đã gửi", "Incident reports sent").into(),
                    c.incident_reports_sent.to_string(),
                ],
                vec![
                    l.t(
                        "Báo cáo thực hiện văn bản chỉ đạo",
                        "Directive reports received",
                    )
                    .into(),
                    c.directive_reports.to_string(),
                ],
                vec![
                    l.t(
                        "Báo cáo ngày đợt cao điểm",
                        "Heightened-period daily reports",
                    )
                    .into(),
                    c.period_reports.to_string(),
                ],
            ],
            &[0.7, 0.3],
        ),
    ];
    Doc {
        lang,
        issuer: d.org_name.clone(),
        title: format!(
            "{} {}",
            l.t("BÁO CÁO KẾT QUẢ TRỰC NGÀY", "DAILY DUTY REPORT FOR"),
            d.day.format("%d/%m/%Y")
        ),
        subtitle: format!("{} — {}", d.org_code, d.org_name),
        summary,
        sections,
        built_at: d.built_at,
        file_stem: format!(
            "{}-{}-{}",
            l.t("bao-cao-truc", "daily-duty-report"),
            d.org_code,
            d.day
        ),
    }
}
