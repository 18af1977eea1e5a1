//! The periodic reports the DIC sends up (M13) — the monthly province report, the heightened
//! period's summary, the per-organisation scorecards — built from the store's figures for a
//! scope and a range, as one document model rendered as PDF (fonts embedded), XLSX (one sheet per
//! section, numbers as numbers) and CSV (every figure on its own row, with its section, line and
//! column), in Vietnamese or English; and their schedules, generated and e-mailed on time.

mod build;
mod daily;
mod schedule;

pub use build::{
    criteria, monthly, period_summary, scope_of_org, scorecards, Built, Month, Score, Scorecard,
};
pub use daily::daily_doc;
pub use schedule::{
    label_for, next_run, run_due, run_now, RunStats, ScheduleForm, ScheduleKind, MAX_RECIPIENTS,
};

use canhgac_domain::time::fmt_datetime;
use canhgac_pdf::{Document, Weight};

/// A rendering language: Vietnamese, or English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Vietnamese.
    Vi,
    /// English.
    En,
}

impl Lang {
    /// From `vi`/`en` (anything else: Vietnamese).
    pub fn parse(s: &str) -> Lang {
        if s.trim().eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Vi
        }
    }

    /// `vi` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The text in this language.
    pub fn t<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// One section: a heading and a table (the first column names the line).
#[derive(Debug, Clone)]
pub struct Section {
    /// Heading (numbered by the caller: "I. …").
    pub heading: String,
    /// Short name (the workbook's sheet).
    pub short: String,
    /// Column headings.
    pub header: Vec<String>,
    /// Rows, as many cells as the header.
    pub rows: Vec<Vec<String>>,
    /// Relative column widths for the PDF.
    pub widths: Vec<f32>,
    /// Per row, the page of the record its first cell names (the web view links it).
    pub links: Vec<Option<String>>,
}

/// A report ready to render.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Language.
    pub lang: Lang,
    /// The issuing organisation (printed at the top).
    pub issuer: String,
    /// Title.
    pub title: String,
    /// What it covers, under the title.
    pub subtitle: String,
    /// The summary paragraphs.
    pub summary: Vec<String>,
    /// The sections.
    pub sections: Vec<Section>,
    /// Built at (Unix ms).
    pub built_at: i64,
    /// File name without extension.
    pub file_stem: String,
}

/// A rendering format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PDF.
    Pdf,
    /// XLSX workbook.
    Xlsx,
    /// CSV, one figure per row.
    Csv,
}

impl Format {
    /// From `pdf`/`xlsx`/`csv`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The extension (and wire name).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

impl Doc {
    /// Rendered in `format`.
    pub fn render(&self, format: Format) -> Result<Vec<u8>, String> {
        match format {
            Format::Pdf => self.pdf(),
            Format::Xlsx => self.xlsx(),
            Format::Csv => Ok(self.csv()),
        }
    }

    /// The file name in `format`.
    pub fn file_name(&self, format: Format) -> String {
        format!("{}.{}", self.file_stem, format.as_str())
    }

    /// As a PDF (A4, DejaVu embedded).
    pub fn pdf(&self) -> Result<Vec<u8>, String> {
        let l = self.lang;
        let mut doc = Document::new(&self.title).map_err(|e| e.to_string())?;
        doc.set_page_word(l.t("Trang", "Page"));
        doc.centered(&self.issuer.to_uppercase(), 10.0, Weight::Bold);
        if l == Lang::Vi {
            doc.centered(
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc",
                10.0,
                Weight::Bold,
            );
        }
        doc.gap(8.0);
        doc.centered(&self.title, 13.0, Weight::Bold);
        doc.centered(&self.subtitle, 10.0, Weight::Regular);
        doc.centered(
            &format!(
                "({} {} {})",
                l.t("lập lúc", "made at"),
                fmt_datetime(self.built_at),
                l.t("giờ Việt Nam", "Viet Nam time")
            ),
            9.0,
            Weight::Regular,
        );
        doc.gap(6.0);
        doc.paragraph(l.t("TÓM TẮT", "SUMMARY"), 11.0, Weight::Bold, 0.0);
        for p in &self.summary {
            doc.paragraph(p, 10.0, Weight::Regular, 10.0);
        }
        for s in &self.sections {
            doc.gap(6.0);
            doc.paragraph(&s.heading, 11.0, Weight::Bold, 0.0);
            let header: Vec<&str> = s.header.iter().map(String::as_str).collect();
            if s.rows.is_empty() {
                doc.paragraph(
                    l.t("Không phát sinh.", "None."),
                    10.0,
                    Weight::Regular,
                    10.0,
                );
            } else {
                doc.table(&header, &s.rows, &s.widths);
            }
        }
        Ok(doc.finish())
    }

    /// As a workbook: the summary first, then a sheet per section.
    pub fn xlsx(&self) -> Result<Vec<u8>, String> {
        let l = self.lang;
        let mut front: Vec<Vec<String>> = vec![
            vec![self.title.clone()],
            vec![self.subtitle.clone()],
            vec![self.issuer.clone()],
            vec![format!(
                "{} {}",
                l.t("Lập lúc", "Made at"),
                fmt_datetime(self.built_at)
            )],
            Vec::new(),
        ];
        front.extend(self.summary.iter().map(|p| vec![p.clone()]));
        let head = [l.t("Báo cáo", "Report")];
        let headers: Vec<Vec<&str>> = self
            .sections
            .iter()
            .map(|s| s.header.iter().map(String::as_str).collect())
            .collect();
        let mut sheets: Vec<canhgac_sheets::SheetData<'_>> =
            vec![(l.t("Tóm tắt", "Summary"), &head, &front)];
        for (s, h) in self.sections.iter().zip(&headers) {
            sheets.push((&s.short, h, &s.rows));
        }
        canhgac_sheets::write_xlsx_book(&sheets, true).map_err(|e| e.to_string())
    }

    /// As CSV: one row per figure — section, line, column, value — with a header row.
    pub fn csv(&self) -> Vec<u8> {
        let l = self.lang;
        let mut rows: Vec<Vec<String>> = Vec::new();
        for s in &self.sections {
            for r in &s.rows {
                let line = r.first().cloned().unwrap_or_default();
                for (h, v) in s.header.iter().zip(r).skip(1) {
                    rows.push(vec![s.short.clone(), line.clone(), h.clone(), v.clone()]);
                }
            }
        }
        let header = [
            l.t("Mục", "Section"),
            l.t("Dòng", "Line"),
            l.t("Cột", "Column"),
            l.t("Giá trị", "Value"),
        ];
        canhgac_sheets::write_csv(&header, &rows).unwrap_or_default()
    }
}

/// `part/whole` in per cent to one decimal as the patching page shows it (`100%` when there is
/// nothing to count): `66.7%`, `50%`.
pub fn percent(part: i64, whole: i64) -> String {
    let p = if whole > 0 {
        (1000.0 * part as f64 / whole as f64).round() / 10.0
    } else {
        100.0
    };
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// `part/whole` as a whole percentage, or a dash when there is nothing to count.
pub fn ratio(part: i64, whole: i64) -> String {
    if whole > 0 {
        format!("{}%", part * 100 / whole)
    } else {
        "—".into()
    }
}
