//! The daily duty report (M2): an organisation's day (the DIC's: the province's) from the data —
//! its shifts, the alerts by severity and where they stand, incidents, Botnet hunting and
//! patching progress, what was received and reported — with a narrative in Vietnamese that the
//! officer edits and saves, as PDF and XLSX.

use canhgac_domain::duty::midnight;
use canhgac_domain::signal::Severity;
use canhgac_domain::time::fmt_datetime;
use canhgac_domain::Scope;
use canhgac_pdf::{Document, Weight};
use canhgac_store::{
    DailyCounts, DailyReportRow, PeriodRow, ShiftRow, Store, StoreError, WorkProgress,
};
use chrono::NaiveDate;

/// A day's report as built.
#[derive(Debug, Clone)]
pub struct Daily {
    /// The day.
    pub day: NaiveDate,
    /// The organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// Its name.
    pub org_name: String,
    /// The DIC's report: the province's figures.
    pub province: bool,
    /// The figures.
    pub counts: DailyCounts,
    /// The organisation's own shifts of the day.
    pub shifts: Vec<ShiftRow>,
    /// Shifts of the day in scope that nobody stood (the DIC: across the province).
    pub gaps: usize,
    /// The heightened period the day falls in.
    pub period: Option<PeriodRow>,
    /// What the officer saved, if anything.
    pub saved: Option<DailyReportRow>,
    /// The narrative: as saved, or generated.
    pub narrative: String,
    /// Remarks and proposals, as saved.
    pub remarks: String,
    /// Built at.
    pub built_at: i64,
}

/// Builds the report of `day` for an organisation, counting in `scope` (the caller's: an
/// organisation's subtree, or the province). `fresh`: the generated narrative even if one was
/// saved.
pub async fn build(
    store: &Store,
    scope: &Scope,
    org_id: i64,
    day: NaiveDate,
    fresh: bool,
    now: i64,
) -> Result<Daily, StoreError> {
    let (org_code, org_name, kind) = store.org_brief(org_id).await?.ok_or(StoreError::NotFound)?;
    let from = midnight(day);
    let to = midnight(day + chrono::Duration::days(1));
    let iso = day.to_string();
    let counts = store.daily_counts(scope, &iso, from, to).await?;
    let all_shifts = store.day_shifts(scope, &iso).await?;
    let gaps = all_shifts.iter().filter(|s| s.user_id.is_none()).count();
    let shifts: Vec<ShiftRow> = all_shifts
        .into_iter()
        .filter(|s| s.org_id == org_id)
        .collect();
    let period = store.periods().await?.into_iter().find(|p| {
        let (a, b) = p.span();
        a <= day && day <= b
    });
    let saved = store.daily_report(scope, org_id, &iso).await?;
    let mut d = Daily {
        day,
        org_id,
        org_code,
        org_name,
        province: kind == "dic",
        counts,
        shifts,
        gaps,
        period,
        saved: saved.clone(),
        narrative: String::new(),
        remarks: saved
            .as_ref()
            .map(|s| s.remarks.clone())
            .unwrap_or_default(),
        built_at: now,
    };
    d.narrative = match (&saved, fresh) {
        (Some(s), false) => s.narrative.clone(),
        _ => narrative(&d),
    };
    Ok(d)
}

fn sev(c: &DailyCounts, s: Severity) -> i64 {
    c.signals_by_severity.get(s.as_str()).copied().unwrap_or(0)
}

fn state(c: &DailyCounts, s: &str) -> i64 {
    c.signals_by_state.get(s).copied().unwrap_or(0)
}

fn work_line(what: &str, w: &WorkProgress) -> String {
    format!("{what}: còn {} nhiệm vụ đang mở ({} quá hạn), hoàn thành {} trong ngày, {} đã hoàn thành từ đầu.", w.open, w.overdue, w.closed_today, w.closed)
}

/// The generated narrative, in Vietnamese.
pub fn narrative(d: &Daily) -> String {
    let c = &d.counts;
    let total: i64 = c.signals_by_severity.values().sum();
    let mut names: Vec<String> = d
        .shifts
        .iter()
        .filter_map(|s| s.full_name.clone())
        .collect();
    names.dedup();
    let own_gaps = d.shifts.iter().filter(|s| s.user_id.is_none()).count();
    let mut out = Vec::new();
    let scope_word = if d.province {
        "trên địa bàn tỉnh"
    } else {
        "tại đơn vị"
    };
    out.push(match d.shifts.len() {
        0 => format!(
            "Ngày {}, {} chưa có lịch trực trên hệ thống.",
            d.day.format("%d/%m/%Y"),
            d.org_name
        ),
        n => format!(
            "Ngày {}, {} duy trì {n} ca trực ({}){}.",
            d.day.format("%d/%m/%Y"),
            d.org_name,
            names.join(", "),
            if own_gaps > 0 {
                format!("; {own_gaps} ca chưa bố trí được người")
            } else {
                String::new()
            }
        ),
    });
    if d.province && d.gaps > 0 {
        out.push(format!(
            "Toàn tỉnh còn {} ca trực trong ngày chưa bố trí người.",
            d.gaps
        ));
    }
    out.push(format!(
        "Hệ thống ghi nhận {total} cảnh báo mới {scope_word}: {} nghiêm trọng, {} cao, {} trung bình, {} thấp, {} thông tin. Đến {} đã xử lý xong {} cảnh báo ({} cảnh báo nhầm), {} cảnh báo đang xử lý, {} cảnh báo chưa tiếp nhận.",
        sev(c, Severity::Critical),
        sev(c, Severity::High),
        sev(c, Severity::Medium),
        sev(c, Severity::Low),
        sev(c, Severity::Info),
        fmt_datetime(d.built_at),
        state(c, "resolved") + state(c, "false_positive"),
        state(c, "false_positive"),
        state(c, "acknowledged") + state(c, "in_progress"),
        state(c, "new"),
    ));
    out.push(match c.incidents_new.len() {
        0 => format!(
            "Không phát sinh sự cố mới; hiện còn {} sự cố đang xử lý.",
            c.incidents_open
        ),
        n => format!(
            "Phát sinh {n} sự cố mới ({}); hiện còn {} sự cố đang xử lý.",
            c.incidents_new
                .iter()
                .map(|(id, t, _, o)| format!("#{id} {o}: {t}"))
                .collect::<Vec<_>>()
                .join("; "),
            c.incidents_open
        ),
    });
    out.push(work_line("Săn lùng, xử lý IP Botnet", &c.hunt));
    out.push(work_line("Cập nhật bản vá theo cảnh báo", &c.patch));
    out.push(work_line("Thực hiện văn bản chỉ đạo", &c.directive));
    out.push(format!(
        "Tiếp nhận {} cảnh báo từ Nền tảng điều phối xử lý sự cố quốc gia; gửi {} báo cáo sự cố; nhận {} báo cáo thực hiện văn bản chỉ đạo{}.",
        c.platform_received,
        c.incident_reports_sent,
        c.directive_reports,
        match &d.period {
            Some(p) => format!("; {} báo cáo ngày của đợt cao điểm \u{201c}{}\u{201d}", c.period_reports, p.name),
            None => String::new(),
        }
    ));
    out.join("\n")
}

/// The figures as `(section, line, value)` rows: what the XLSX and the PDF tabulate.
pub fn rows(d: &Daily) -> Vec<(String, String, String)> {
    let c = &d.counts;
    let mut r: Vec<(String, String, String)> = Vec::new();
    let mut add = |a: &str, b: &str, v: String| r.push((a.to_string(), b.to_string(), v));
    for s in &d.shifts {
        add(
            "Ca trực",
            &format!(
                "{} {}–{}",
                s.code,
                fmt_datetime(s.starts_at),
                fmt_datetime(s.ends_at)
            ),
            s.full_name
                .clone()
                .unwrap_or_else(|| "CHƯA CÓ NGƯỜI".into()),
        );
    }
    for s in Severity::ALL.iter().rev() {
        add(
            "Cảnh báo mới theo mức độ",
            s.label_vi(),
            sev(c, *s).to_string(),
        );
    }
    for (k, label) in [
        ("new", "Chưa tiếp nhận"),
        ("acknowledged", "Đã tiếp nhận"),
        ("in_progress", "Đang xử lý"),
        ("resolved", "Đã xử lý xong"),
        ("false_positive", "Cảnh báo nhầm"),
    ] {
        add(
            "Cảnh báo mới theo tình trạng",
            label,
            state(c, k).to_string(),
        );
    }
    add(
        "Sự cố",
        "Sự cố mới trong ngày",
        c.incidents_new.len().to_string(),
    );
    add("Sự cố", "Sự cố đang xử lý", c.incidents_open.to_string());
    for (what, w) in [
        ("Săn lùng IP Botnet", &c.hunt),
        ("Cập nhật bản vá", &c.patch),
        ("Văn bản chỉ đạo", &c.directive),
    ] {
        add(what, "Đang mở", w.open.to_string());
        add(what, "Quá hạn", w.overdue.to_string());
        add(what, "Hoàn thành trong ngày", w.closed_today.to_string());
    }
    add(
        "Tiếp nhận, báo cáo",
        "Cảnh báo từ nền tảng quốc gia",
        c.platform_received.to_string(),
    );
    add(
        "Tiếp nhận, báo cáo",
        "Báo cáo sự cố đã gửi",
        c.incident_reports_sent.to_string(),
    );
    add(
        "Tiếp nhận, báo cáo",
        "Báo cáo thực hiện văn bản chỉ đạo",
        c.directive_reports.to_string(),
    );
    if d.period.is_some() {
        add(
            "Tiếp nhận, báo cáo",
            "Báo cáo ngày đợt cao điểm",
            c.period_reports.to_string(),
        );
    }
    r
}

fn title(d: &Daily) -> String {
    format!("BÁO CÁO KẾT QUẢ TRỰC NGÀY {}", d.day.format("%d/%m/%Y"))
}

/// As a PDF (A4).
pub fn pdf(d: &Daily) -> Result<Vec<u8>, String> {
    let mut doc = Document::new(&title(d)).map_err(|e| e.to_string())?;
    doc.centered(&d.org_name.to_uppercase(), 10.0, Weight::Bold);
    doc.centered(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc",
        10.0,
        Weight::Bold,
    );
    doc.gap(8.0);
    doc.centered(&title(d), 13.0, Weight::Bold);
    doc.centered(
        &format!("(lập lúc {} giờ Việt Nam)", fmt_datetime(d.built_at)),
        9.0,
        Weight::Regular,
    );
    doc.gap(6.0);
    doc.paragraph("I. TÌNH HÌNH CHUNG", 11.0, Weight::Bold, 0.0);
    for line in d.narrative.lines() {
        doc.paragraph(line, 10.0, Weight::Regular, 10.0);
    }
    doc.paragraph("II. SỐ LIỆU", 11.0, Weight::Bold, 0.0);
    let table: Vec<Vec<String>> = rows(d).into_iter().map(|(a, b, v)| vec![a, b, v]).collect();
    doc.table(
        &["Nội dung", "Chỉ tiêu", "Số liệu"],
        &table,
        &[0.35, 0.45, 0.2],
    );
    doc.paragraph("III. KIẾN NGHỊ, ĐỀ XUẤT", 11.0, Weight::Bold, 0.0);
    doc.paragraph(
        if d.remarks.is_empty() {
            "Không."
        } else {
            &d.remarks
        },
        10.0,
        Weight::Regular,
        10.0,
    );
    doc.gap(12.0);
    doc.paragraph("CÁN BỘ TRỰC", 10.0, Weight::Bold, 300.0);
    Ok(doc.finish())
}

/// As a workbook: the figures, then the narrative and the remarks.
pub fn xlsx(d: &Daily) -> Result<Vec<u8>, String> {
    let mut table: Vec<Vec<String>> = rows(d).into_iter().map(|(a, b, v)| vec![a, b, v]).collect();
    table.push(Vec::new());
    table.push(vec!["Tình hình chung".into(), d.narrative.clone()]);
    table.push(vec!["Kiến nghị, đề xuất".into(), d.remarks.clone()]);
    table.push(vec![
        "Đơn vị".into(),
        format!("{} — {}", d.org_code, d.org_name),
    ]);
    table.push(vec!["Lập lúc".into(), fmt_datetime(d.built_at)]);
    canhgac_sheets::write_xlsx(
        &format!("Trực ngày {}", d.day.format("%d-%m-%Y")),
        &["Nội dung", "Chỉ tiêu", "Số liệu"],
        &table,
    )
    .map_err(|e| e.to_string())
}
