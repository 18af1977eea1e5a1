//! Vulnerability scanner reports in, as the tools write them: Nessus (`.nessus` v2 XML and
//! the CSV export, including Tenable.io/Tenable.sc column names), OpenVAS/Greenbone (XML
//! report and CSV results export), Nuclei (JSON lines and the `-je` JSON array) and Trivy
//! (`--format json` of an image, file system or VM, and `trivy k8s` cluster reports). Each
//! finding names its host as the scanner saw it (address and/or name), the vulnerability
//! (CVEs, else the scanner's own id), severity, CVSS and the fix.
//!
//! An entry that names no host is left out and counted (with the first few listed), never
//! sinking the report; a file that cannot be read is refused saying which format it was taken
//! for and where it is wrong.

use crate::formats::{severity_of, FormatError};
use canhgac_sheets::{SheetError, Table};
use quick_xml::events::Event as XmlEvent;
use quick_xml::Reader;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

mod csv;
mod json;
mod xml;

pub use csv::{parse_nessus_csv, parse_openvas_csv};
pub use json::{parse_nuclei, parse_nuclei_array, parse_trivy, parse_trivy_k8s};
pub use xml::{parse_nessus, parse_openvas};

/// The most skipped entries a report lists; all of them are counted.
pub const MAX_SKIPPED_LISTED: usize = 20;

/// One finding of a scanner on one host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanFinding {
    /// Address the scanner reached.
    pub ip: Option<String>,
    /// Name the scanner reported.
    pub hostname: Option<String>,
    /// Port / service, if any.
    pub port: Option<String>,
    /// Identity of the vulnerability: its CVEs (sorted, comma-joined), else `scanner:id`.
    pub key: String,
    /// Title.
    pub title: String,
    /// info, low, medium, high, critical.
    pub severity: String,
    /// CVSS base score.
    pub cvss: Option<f32>,
    /// CVE ids.
    pub cves: Vec<String>,
    /// The fix, when the scanner says.
    pub solution: Option<String>,
}

/// The kind of file a report was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanFormat {
    /// Nessus `.nessus` (v2 XML).
    NessusXml,
    /// Nessus / Tenable CSV export.
    NessusCsv,
    /// OpenVAS / Greenbone XML report.
    OpenvasXml,
    /// OpenVAS / Greenbone CSV results export.
    OpenvasCsv,
    /// Nuclei JSON lines (`-jsonl`, `-o` with `-j`).
    NucleiJsonl,
    /// Nuclei JSON array (`-je` / `-json-export`).
    NucleiJsonArray,
    /// Trivy `--format json` of one artifact (image, file system, VM).
    TrivyJson,
    /// Trivy `trivy k8s --format json` cluster report.
    TrivyK8s,
    /// Trivy's array form from before 0.20 (refused: it does not name the artifact).
    TrivyLegacy,
    /// A JSON document of no known scanner.
    OtherJson,
    /// An XML document of no known scanner.
    OtherXml,
    /// A CSV file of no known scanner.
    OtherCsv,
    /// Anything else.
    Unknown,
}

impl ScanFormat {
    /// The scanner that writes it (`nessus`, `openvas`, `nuclei`, `trivy`).
    pub fn scanner(self) -> Option<&'static str> {
        match self {
            ScanFormat::NessusXml | ScanFormat::NessusCsv => Some("nessus"),
            ScanFormat::OpenvasXml | ScanFormat::OpenvasCsv => Some("openvas"),
            ScanFormat::NucleiJsonl | ScanFormat::NucleiJsonArray => Some("nuclei"),
            ScanFormat::TrivyJson | ScanFormat::TrivyK8s | ScanFormat::TrivyLegacy => Some("trivy"),
            _ => None,
        }
    }

    /// What the file was taken for, in English ("a Nessus CSV export").
    pub fn described(self) -> &'static str {
        match self {
            ScanFormat::NessusXml => "a Nessus .nessus (v2 XML) report",
            ScanFormat::NessusCsv => "a Nessus CSV export",
            ScanFormat::OpenvasXml => "an OpenVAS/Greenbone XML report",
            ScanFormat::OpenvasCsv => "an OpenVAS/Greenbone CSV results export",
            ScanFormat::NucleiJsonl => "a Nuclei JSON-lines report",
            ScanFormat::NucleiJsonArray => "a Nuclei JSON export (-je)",
            ScanFormat::TrivyJson => "a Trivy JSON report",
            ScanFormat::TrivyK8s => "a Trivy Kubernetes (trivy k8s) report",
            ScanFormat::TrivyLegacy => "a Trivy report in the pre-0.20 array format",
            ScanFormat::OtherJson => "a JSON document",
            ScanFormat::OtherXml => "an XML document",
            ScanFormat::OtherCsv => "a CSV file",
            ScanFormat::Unknown => "a file of unknown kind",
        }
    }

    /// The same, in Vietnamese ("báo cáo Nessus (tệp CSV)").
    pub fn described_vi(self) -> &'static str {
        match self {
            ScanFormat::NessusXml => "báo cáo Nessus (tệp .nessus, XML)",
            ScanFormat::NessusCsv => "báo cáo Nessus (tệp CSV)",
            ScanFormat::OpenvasXml => "báo cáo OpenVAS/Greenbone (XML)",
            ScanFormat::OpenvasCsv => "báo cáo OpenVAS/Greenbone (tệp CSV)",
            ScanFormat::NucleiJsonl => "báo cáo Nuclei (JSON từng dòng)",
            ScanFormat::NucleiJsonArray => "báo cáo Nuclei (mảng JSON)",
            ScanFormat::TrivyJson => "báo cáo Trivy (JSON)",
            ScanFormat::TrivyK8s => "báo cáo Trivy quét cụm Kubernetes (JSON)",
            ScanFormat::TrivyLegacy => "báo cáo Trivy dạng mảng cũ (trước bản 0.20)",
            ScanFormat::OtherJson => "tài liệu JSON",
            ScanFormat::OtherXml => "tài liệu XML",
            ScanFormat::OtherCsv => "tệp CSV",
            ScanFormat::Unknown => "tệp không rõ loại",
        }
    }
}

/// Where in a report an entry is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// A line of a JSON-lines file (1-based).
    Line(usize),
    /// A row of a CSV file (the header is row 1).
    Row(usize),
    /// An entry of a JSON array or the n-th result of an XML report (1-based).
    Entry(usize),
    /// A JSON path (`Resources[3]`).
    Path(String),
}

impl Place {
    /// In words: "line 3" / "dòng 3".
    pub fn text(&self, vietnamese: bool) -> String {
        match (self, vietnamese) {
            (Place::Line(n), false) => format!("line {n}"),
            (Place::Line(n), true) => format!("dòng {n}"),
            (Place::Row(n), false) => format!("row {n}"),
            (Place::Row(n), true) => format!("hàng {n}"),
            (Place::Entry(n), false) => format!("entry {n}"),
            (Place::Entry(n), true) => format!("mục {n}"),
            (Place::Path(p), _) => p.clone(),
        }
    }
}

/// Why an entry of a report was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// It names no host: no address, name, URL or resource.
    NoHost,
    /// It has no id of the vulnerability (plugin, NVT, template).
    NoId,
    /// The scanner says it failed to scan it (so it proves nothing fixed).
    ScanFailed,
}

impl SkipReason {
    /// In English.
    pub fn label_en(self) -> &'static str {
        match self {
            SkipReason::NoHost => "names no host (no address, name, URL or resource)",
            SkipReason::NoId => "has no vulnerability id",
            SkipReason::ScanFailed => "the scanner reported an error scanning it",
        }
    }

    /// In Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            SkipReason::NoHost => "không ghi tên, địa chỉ hay đường dẫn của máy",
            SkipReason::NoId => "không có mã lỗ hổng",
            SkipReason::ScanFailed => "công cụ báo lỗi khi quét mục này",
        }
    }
}

/// An entry left out of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Where it is.
    pub at: Place,
    /// The scanner's id of it (template, plugin, resource), when it has one.
    pub id: Option<String>,
    /// Why.
    pub reason: SkipReason,
}

/// A parsed report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    /// nessus, openvas, nuclei or trivy.
    pub scanner: &'static str,
    /// The kind of file it was read from.
    pub format: ScanFormat,
    /// Every host the scan covered (address or name), findings or not: a clean host proves
    /// its earlier findings fixed. Never empty strings.
    pub hosts: Vec<String>,
    /// The findings.
    pub findings: Vec<ScanFinding>,
    /// Entries left out (see [`Skipped`]), all counted.
    pub skipped: usize,
    /// The first [`MAX_SKIPPED_LISTED`] of them.
    pub skipped_entries: Vec<Skipped>,
    #[serde(skip)]
    host_set: HashSet<String>,
}

impl ScanReport {
    fn new(format: ScanFormat) -> ScanReport {
        ScanReport {
            scanner: format.scanner().unwrap_or("unknown"),
            format,
            hosts: Vec::new(),
            findings: Vec::new(),
            skipped: 0,
            skipped_entries: Vec::new(),
            host_set: HashSet::new(),
        }
    }

    /// Records a host as covered (names are trimmed; an empty one is ignored).
    fn cover(&mut self, host: &str) {
        let h = host.trim();
        if !h.is_empty() && self.host_set.insert(h.to_string()) {
            self.hosts.push(h.to_string());
        }
    }

    fn skip(&mut self, at: Place, id: Option<&str>, reason: SkipReason) {
        self.skipped += 1;
        if self.skipped_entries.len() < MAX_SKIPPED_LISTED {
            self.skipped_entries.push(Skipped {
                at,
                id: id.map(str::to_string).filter(|s| !s.is_empty()),
                reason,
            });
        }
    }
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FormatError {
    FormatError {
        field: field.into(),
        message: message.into(),
    }
}

fn key_of(scanner: &str, id: &str, cves: &mut Vec<String>) -> String {
    cves.iter_mut().for_each(|c| *c = c.trim().to_uppercase());
    cves.retain(|c| !c.is_empty());
    cves.sort();
    cves.dedup();
    if cves.is_empty() {
        format!("{scanner}:{id}")
    } else {
        cves.join(",")
    }
}

fn norm_severity(s: &str) -> String {
    match s.trim().to_lowercase().as_str() {
        "critical" => "critical",
        "high" => "high",
        "medium" | "moderate" => "medium",
        "low" => "low",
        _ => "info",
    }
    .to_string()
}

/// A CVSS base score, if it is one (0 to 10).
fn score(s: &str) -> Option<f32> {
    s.trim()
        .parse::<f32>()
        .ok()
        .filter(|x| (0.0..=10.0).contains(x))
}

/// CVE ids in a cell or string: split at commas, semicolons and white space.
fn cve_list(s: &str) -> Vec<String> {
    s.split([',', ';', ' ', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|c| {
            c.len() > 4
                && c.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("CVE-"))
                && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_uppercase)
        .collect()
}

/// The host part of a URL, `host:port` or bare name (`https://a.b:8443/x` → `a.b`,
/// `[2001:db8::1]:443` → `2001:db8::1`).
fn host_of(s: &str) -> Option<String> {
    let s = s.trim().trim_start_matches('/');
    let rest = match s.find("://") {
        Some(i) => &s[i + 3..],
        None => s,
    };
    let rest = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let rest = rest.rsplit('@').next().unwrap_or(rest);
    let host = if let Some(r) = rest.strip_prefix('[') {
        r.split(']').next().unwrap_or_default()
    } else if rest.matches(':').count() > 1 {
        rest
    } else {
        rest.split(':').next().unwrap_or_default()
    };
    let host = host.trim().trim_end_matches('.');
    (!host.is_empty() && !host.contains(char::is_whitespace)).then(|| host.to_string())
}

fn is_ip(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok()
}

/// Reads any supported report, its kind detected from the content. A refusal says which
/// kind the file was taken for and where it is wrong.
pub fn parse_scan(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (format, doc) = classify(bytes);
    let out = match (format, doc) {
        (ScanFormat::NessusXml, _) => parse_nessus(bytes),
        (ScanFormat::OpenvasXml, _) => parse_openvas(bytes),
        (ScanFormat::NessusCsv, _) => parse_nessus_csv(bytes),
        (ScanFormat::OpenvasCsv, _) => parse_openvas_csv(bytes),
        (ScanFormat::NucleiJsonl, _) => parse_nuclei(bytes),
        (ScanFormat::NucleiJsonArray, Doc::Json(v)) => parse_nuclei_array(&v),
        (ScanFormat::TrivyJson, Doc::Json(v)) => parse_trivy(&v),
        (ScanFormat::TrivyK8s, Doc::Json(v)) => parse_trivy_k8s(&v),
        (_, Doc::Refused(e)) => return Err(e),
        (f, _) => Err(err("", format!("cannot be read as {}", f.described()))),
    };
    out.map_err(|e| FormatError {
        field: e.field,
        message: format!("{} (read as {})", e.message, format.described()),
    })
}

/// What the file is, as far as telling its kind required reading it.
pub fn sniff(bytes: &[u8]) -> ScanFormat {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    classify(bytes).0
}

enum Doc {
    None,
    Json(Value),
    Refused(FormatError),
}

fn keys_of(v: &Value) -> String {
    let keys: Vec<&str> = v
        .as_object()
        .map(|m| m.keys().map(String::as_str).take(8).collect())
        .unwrap_or_default();
    if keys.is_empty() {
        "none".into()
    } else {
        keys.join(", ")
    }
}

fn classify(bytes: &[u8]) -> (ScanFormat, Doc) {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let first = head.trim_start();
    if first.starts_with('<') {
        if head.contains("<NessusClientData_v2") {
            return (ScanFormat::NessusXml, Doc::None);
        }
        if head.contains("<report") {
            return (ScanFormat::OpenvasXml, Doc::None);
        }
        return (
            ScanFormat::OtherXml,
            Doc::Refused(err(
                "document",
                "an XML document that is not a Nessus (.nessus v2, <NessusClientData_v2>) or OpenVAS/Greenbone (<report>) report",
            )),
        );
    }
    if first.starts_with('{') || first.starts_with('[') {
        return classify_json(bytes);
    }
    let line = first.lines().next().unwrap_or_default();
    let cells: Vec<String> = line
        .split([',', ';', '\t'])
        .map(|c| c.trim().trim_matches('"').trim().to_lowercase())
        .collect();
    let has = |n: &str| cells.iter().any(|c| c == n);
    if has("plugin id") || (has("plugin") && has("plugin name")) {
        return (ScanFormat::NessusCsv, Doc::None);
    }
    if has("nvt oid") || has("nvt name") {
        return (ScanFormat::OpenvasCsv, Doc::None);
    }
    if cells.len() > 1 {
        return (
            ScanFormat::OtherCsv,
            Doc::Refused(err(
                "row 1",
                format!(
                    "a CSV file that is not a Nessus export (no \"Plugin ID\" column) or an OpenVAS/Greenbone results export (no \"NVT OID\" column); its header starts: {}",
                    line.chars().take(120).collect::<String>()
                ),
            )),
        );
    }
    (
        ScanFormat::Unknown,
        Doc::Refused(err(
            "",
            "not a Nessus (.nessus or CSV), OpenVAS/Greenbone (XML or CSV), Nuclei (JSON lines or JSON) or Trivy (JSON) report",
        )),
    )
}

fn classify_json(bytes: &[u8]) -> (ScanFormat, Doc) {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v @ Value::Object(_)) => {
            if v.get("ClusterName").is_some()
                || ["Resources", "Findings"]
                    .iter()
                    .any(|k| v.get(*k).and_then(Value::as_array).is_some())
            {
                return (ScanFormat::TrivyK8s, Doc::Json(v));
            }
            if v.get("ArtifactName").is_some() || v.get("Results").is_some() {
                return (ScanFormat::TrivyJson, Doc::Json(v));
            }
            if v.get("template-id").is_some() {
                // A single Nuclei result: one line of JSON lines.
                return (ScanFormat::NucleiJsonl, Doc::None);
            }
            let msg = format!(
                "a JSON document that is not a Nuclei, Trivy or Trivy Kubernetes report: its top level has none of template-id, ArtifactName, Results, ClusterName (it has: {})",
                keys_of(&v)
            );
            (ScanFormat::OtherJson, Doc::Refused(err("document", msg)))
        }
        Ok(Value::Array(a)) => {
            let Some(e) = a.first() else {
                // Nuclei's export of a scan that found nothing.
                return (ScanFormat::NucleiJsonArray, Doc::Json(Value::Array(a)));
            };
            if e.get("template-id").is_some() {
                return (ScanFormat::NucleiJsonArray, Doc::Json(Value::Array(a)));
            }
            if e.get("Target").is_some() {
                return (
                    ScanFormat::TrivyLegacy,
                    Doc::Refused(err(
                        "document",
                        "Trivy report in the pre-0.20 array format, which does not name the scanned machine or image; re-run with a current Trivy (0.20 or later) and --format json",
                    )),
                );
            }
            let msg = format!(
                "a JSON array that is not a Nuclei export (-je, entries with template-id) or a Trivy report: its first entry has keys: {}",
                keys_of(e)
            );
            (ScanFormat::OtherJson, Doc::Refused(err("[0]", msg)))
        }
        Ok(other) => (
            ScanFormat::OtherJson,
            Doc::Refused(err(
                "document",
                format!(
                    "a JSON {} and not a scanner report",
                    match other {
                        Value::String(_) => "string",
                        Value::Number(_) => "number",
                        Value::Bool(_) => "true/false value",
                        _ => "null",
                    }
                ),
            )),
        ),
        Err(whole) => {
            // JSON lines: each line a document of its own.
            let start = bytes
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(bytes.len());
            let line = bytes[start..]
                .split(|&b| b == b'\n')
                .next()
                .unwrap_or_default();
            match serde_json::from_slice::<Value>(line) {
                Ok(v) if v.get("template-id").is_some() => (ScanFormat::NucleiJsonl, Doc::None),
                Ok(v) => (
                    ScanFormat::OtherJson,
                    Doc::Refused(err(
                        "line 1",
                        format!(
                            "JSON lines that are not a Nuclei report: line 1 has no template-id (it has: {})",
                            keys_of(&v)
                        ),
                    )),
                ),
                Err(_) => (
                    ScanFormat::OtherJson,
                    Doc::Refused(err(
                        format!("line {} column {}", whole.line(), whole.column()),
                        format!("not valid JSON: {whole}"),
                    )),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests;
