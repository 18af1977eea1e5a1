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

fn text_of(reader: &mut Reader<&[u8]>, end: &[u8]) -> Result<String, FormatError> {
    let mut out = String::new();
    loop {
        match reader.read_event() {
            Ok(XmlEvent::Text(t)) => {
                out.push_str(&t.decode().map_err(|e| err("xml", e.to_string()))?)
            }
            Ok(XmlEvent::CData(t)) => out.push_str(&String::from_utf8_lossy(&t)),
            Ok(XmlEvent::GeneralRef(r)) => {
                let name = String::from_utf8_lossy(&r).to_string();
                out.push_str(match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                });
            }
            Ok(XmlEvent::End(e)) if e.name().as_ref() == end => return Ok(out.trim().to_string()),
            Ok(XmlEvent::Start(e)) => {
                let inner = e.name().as_ref().to_vec();
                out.push_str(&text_of(reader, &inner)?);
            }
            Ok(XmlEvent::Eof) => {
                return Err(err(
                    String::from_utf8_lossy(end),
                    "unexpected end of the document",
                ))
            }
            Err(e) => {
                return Err(err(
                    format!("byte {}", reader.buffer_position()),
                    format!("not well-formed XML: {e}"),
                ))
            }
            _ => {}
        }
    }
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| {
            String::from_utf8_lossy(&a.value)
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
}

/// Nessus `.nessus` (v2).
pub fn parse_nessus(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut r = ScanReport::new(ScanFormat::NessusXml);
    let (mut host, mut ip, mut fqdn) = (String::new(), None::<String>, None::<String>);
    let mut pending: Vec<ScanFinding> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(XmlEvent::Start(e)) => match e.name().as_ref() {
                b"ReportHost" => {
                    host = attr(&e, b"name").ok_or_else(|| err("ReportHost", "missing name"))?;
                    ip = None;
                    fqdn = None;
                    pending.clear();
                }
                b"tag" => {
                    let name = attr(&e, b"name").unwrap_or_default();
                    let v = text_of(&mut reader, b"tag")?;
                    match name.as_str() {
                        "host-ip" => ip = Some(v),
                        "host-fqdn" | "hostname" => fqdn = Some(v),
                        _ => {}
                    }
                }
                b"ReportItem" => {
                    let sev: u8 = attr(&e, b"severity")
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    let plugin = attr(&e, b"pluginID").ok_or_else(|| {
                        err(format!("ReportHost {host} ReportItem"), "missing pluginID")
                    })?;
                    let title = attr(&e, b"pluginName").unwrap_or_default();
                    let port = attr(&e, b"port")
                        .filter(|p| p != "0")
                        .map(|p| format!("{p}/{}", attr(&e, b"protocol").unwrap_or_default()));
                    let (mut cves, mut cvss, mut solution, mut risk) =
                        (Vec::new(), None, None, None);
                    loop {
                        match reader.read_event() {
                            Ok(XmlEvent::Start(c)) => {
                                let n = c.name().as_ref().to_vec();
                                let v = text_of(&mut reader, &n)?;
                                match n.as_slice() {
                                    b"cve" => cves.push(v),
                                    b"cvss3_base_score" => cvss = v.parse().ok().or(cvss),
                                    b"cvss_base_score" if cvss.is_none() => cvss = v.parse().ok(),
                                    b"solution" => solution = Some(v),
                                    b"risk_factor" => risk = Some(v),
                                    _ => {}
                                }
                            }
                            Ok(XmlEvent::End(c)) if c.name().as_ref() == b"ReportItem" => break,
                            Ok(XmlEvent::Eof) => {
                                return Err(err(
                                    format!("ReportHost {host}"),
                                    "unexpected end inside a ReportItem",
                                ))
                            }
                            Err(e) => {
                                return Err(err(
                                    format!("byte {}", reader.buffer_position()),
                                    format!("not well-formed XML: {e}"),
                                ))
                            }
                            _ => {}
                        }
                    }
                    if sev == 0 {
                        continue;
                    }
                    let severity = match sev {
                        4 => "critical".to_string(),
                        3 => "high".to_string(),
                        2 => "medium".to_string(),
                        _ => risk
                            .map(|r| norm_severity(&r))
                            .unwrap_or_else(|| "low".into()),
                    };
                    let key = key_of("nessus", &plugin, &mut cves);
                    pending.push(ScanFinding {
                        ip: None,
                        hostname: None,
                        port,
                        key,
                        title,
                        severity,
                        cvss,
                        cves,
                        solution,
                    });
                }
                _ => {}
            },
            Ok(XmlEvent::End(e)) if e.name().as_ref() == b"ReportHost" => {
                let ip = ip
                    .clone()
                    .or_else(|| host.parse::<std::net::IpAddr>().ok().map(|_| host.clone()));
                let name = fqdn
                    .clone()
                    .or_else(|| (ip.as_deref() != Some(host.as_str())).then(|| host.clone()));
                r.cover(&ip.clone().or(name.clone()).unwrap_or_else(|| host.clone()));
                for mut f in pending.drain(..) {
                    f.ip = ip.clone();
                    f.hostname = name.clone();
                    r.findings.push(f);
                }
            }
            Ok(XmlEvent::Eof) => break,
            Err(e) => {
                return Err(err(
                    format!("byte {}", reader.buffer_position()),
                    format!("not well-formed XML: {e}"),
                ))
            }
            _ => {}
        }
    }
    Ok(r)
}

/// One `<result>` of an OpenVAS report while it is read.
#[derive(Default)]
struct OpenvasResult {
    ip: Option<String>,
    name: Option<String>,
    port: Option<String>,
    title: String,
    threat: String,
    cvss: Option<f32>,
    cves: Vec<String>,
    solution: Option<String>,
    oid: String,
}

/// OpenVAS / Greenbone XML report.
pub fn parse_openvas(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut r = ScanReport::new(ScanFormat::OpenvasXml);
    let mut results = 0usize;
    let mut depth_result = false;
    let mut cur: Option<OpenvasResult> = None;
    loop {
        match reader.read_event() {
            Ok(XmlEvent::Start(e)) => {
                let n = e.name().as_ref().to_vec();
                match n.as_slice() {
                    b"result" => {
                        results += 1;
                        depth_result = true;
                        cur = Some(OpenvasResult::default());
                    }
                    b"host" if depth_result => {
                        // <host>10.0.0.1<asset/><hostname>x</hostname></host>
                        let mut ip = String::new();
                        let mut name = None;
                        loop {
                            match reader.read_event() {
                                Ok(XmlEvent::Text(t)) => {
                                    ip.push_str(t.decode().unwrap_or_default().trim())
                                }
                                Ok(XmlEvent::Start(c)) if c.name().as_ref() == b"hostname" => {
                                    name = Some(text_of(&mut reader, b"hostname")?)
                                        .filter(|s| !s.is_empty())
                                }
                                Ok(XmlEvent::End(c)) if c.name().as_ref() == b"host" => break,
                                Ok(XmlEvent::Eof) => {
                                    return Err(err("result.host", "unexpected end"))
                                }
                                Err(e) => return Err(err("result.host", e.to_string())),
                                _ => {}
                            }
                        }
                        if let Some(c) = cur.as_mut() {
                            c.ip = (!ip.is_empty()).then_some(ip);
                            c.name = name;
                        }
                    }
                    b"nvt" if depth_result => {
                        let oid = attr(&e, b"oid").unwrap_or_default();
                        if let Some(c) = cur.as_mut() {
                            c.oid = oid;
                        }
                    }
                    b"ref" if depth_result => {}
                    b"port" | b"name" | b"threat" | b"severity" | b"cvss_base" | b"solution"
                        if depth_result =>
                    {
                        let v = text_of(&mut reader, &n)?;
                        if let Some(c) = cur.as_mut() {
                            match n.as_slice() {
                                b"port" => c.port = Some(v),
                                b"name" if c.title.is_empty() => c.title = v,
                                b"threat" => c.threat = norm_severity(&v),
                                b"severity" | b"cvss_base" => c.cvss = v.parse().ok().or(c.cvss),
                                b"solution" => c.solution = Some(v),
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
            Ok(XmlEvent::Empty(e))
                if depth_result
                    && e.name().as_ref() == b"ref"
                    && attr(&e, b"type").as_deref() == Some("cve") =>
            {
                if let (Some(c), Some(id)) = (cur.as_mut(), attr(&e, b"id")) {
                    c.cves.push(id);
                }
            }
            Ok(XmlEvent::End(e)) if e.name().as_ref() == b"result" => {
                depth_result = false;
                if let Some(OpenvasResult {
                    ip,
                    name,
                    port,
                    title,
                    threat,
                    cvss,
                    mut cves,
                    solution,
                    oid,
                }) = cur.take()
                {
                    let Some(host) = ip.clone().or(name.clone()) else {
                        r.skip(Place::Entry(results), Some(&oid), SkipReason::NoHost);
                        continue;
                    };
                    r.cover(&host);
                    let severity = if threat.is_empty() || threat == "info" {
                        cvss.map(severity_of).unwrap_or_else(|| "info".into())
                    } else {
                        threat
                    };
                    if severity == "info" {
                        continue;
                    }
                    let key = key_of("openvas", &oid, &mut cves);
                    r.findings.push(ScanFinding {
                        ip,
                        hostname: name,
                        port,
                        key,
                        title,
                        severity,
                        cvss,
                        cves,
                        solution,
                    });
                }
            }
            Ok(XmlEvent::Eof) => break,
            Err(e) => {
                return Err(err(
                    format!("byte {}", reader.buffer_position()),
                    format!("not well-formed XML: {e}"),
                ))
            }
            _ => {}
        }
    }
    Ok(r)
}

fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// One Nuclei result (a line of JSON lines or an entry of the JSON export).
fn nuclei_entry(r: &mut ScanReport, v: &Value, at: Place) -> Result<(), FormatError> {
    let id = str_of(v, "template-id")
        .ok_or_else(|| err(format!("{}: template-id", at.text(false)), "missing"))?;
    let info = v.get("info").cloned().unwrap_or(Value::Null);
    let severity = norm_severity(
        info.get("severity")
            .and_then(Value::as_str)
            .unwrap_or("info"),
    );
    // The address, else the host part of host, matched-at or url (in that order).
    let mut ip = str_of(v, "ip").map(str::to_string);
    let mut hostname = ["host", "matched-at", "url"]
        .iter()
        .find_map(|k| str_of(v, k).and_then(host_of));
    if ip.is_none() && hostname.as_deref().is_some_and(is_ip) {
        ip = hostname.take();
    }
    if hostname.is_some() && hostname == ip {
        hostname = None;
    }
    let Some(host) = ip.clone().or(hostname.clone()) else {
        r.skip(at, Some(id), SkipReason::NoHost);
        return Ok(());
    };
    r.cover(&host);
    if severity == "info" {
        return Ok(());
    }
    let class = info.get("classification").cloned().unwrap_or(Value::Null);
    let mut cves: Vec<String> = match class.get("cve-id") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => cve_list(s),
        _ => vec![],
    };
    let cvss = class
        .get("cvss-score")
        .and_then(|x| {
            x.as_f64()
                .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
        })
        .map(|x| x as f32)
        .filter(|x| (0.0..=10.0).contains(x));
    let key = key_of("nuclei", id, &mut cves);
    let port = v.get("port").and_then(|p| {
        p.as_str()
            .map(str::to_string)
            .or_else(|| p.as_u64().map(|n| n.to_string()))
            .filter(|p| !p.is_empty())
    });
    r.findings.push(ScanFinding {
        ip,
        hostname,
        port,
        key,
        title: str_of(&info, "name").unwrap_or(id).to_string(),
        severity,
        cvss,
        cves,
        solution: str_of(&info, "remediation").map(str::to_string),
    });
    Ok(())
}

/// Nuclei JSON lines. A result naming no host (no `ip`, `host`, `matched-at` or `url`) is
/// skipped and counted.
pub fn parse_nuclei(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        err(format!("line {line}"), "the text is not UTF-8")
    })?;
    let mut r = ScanReport::new(ScanFormat::NucleiJsonl);
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| err(format!("line {}", i + 1), format!("not valid JSON: {e}")))?;
        if !v.is_object() {
            return Err(err(
                format!("line {}", i + 1),
                "not a JSON object (a Nuclei result)",
            ));
        }
        nuclei_entry(&mut r, &v, Place::Line(i + 1))?;
    }
    Ok(r)
}

/// Nuclei's JSON export (`-je`): an array of the same results as the JSON lines.
pub fn parse_nuclei_array(v: &Value) -> Result<ScanReport, FormatError> {
    let mut r = ScanReport::new(ScanFormat::NucleiJsonArray);
    let entries = v
        .as_array()
        .ok_or_else(|| err("document", "not a JSON array"))?;
    for (i, e) in entries.iter().enumerate() {
        if !e.is_object() {
            return Err(err(format!("[{i}]"), "not a JSON object (a Nuclei result)"));
        }
        nuclei_entry(&mut r, e, Place::Entry(i + 1))?;
    }
    Ok(r)
}

/// The findings of one Trivy result (vulnerabilities and failed misconfiguration checks) on
/// `host`. `path` is the result's JSON path, for refusals.
fn trivy_result(
    r: &mut ScanReport,
    res: &Value,
    host: &str,
    path: &str,
) -> Result<(), FormatError> {
    let host_ip = is_ip(host);
    let (ip, hostname) = if host_ip {
        (Some(host.to_string()), None)
    } else {
        (None, Some(host.to_string()))
    };
    for (j, x) in res
        .get("Vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let id = str_of(x, "VulnerabilityID").ok_or_else(|| {
            err(
                format!("{path}.Vulnerabilities[{j}].VulnerabilityID"),
                "missing",
            )
        })?;
        let pkg = str_of(x, "PkgName").unwrap_or_default();
        let mut cves = if id.to_uppercase().starts_with("CVE-") {
            vec![id.to_string()]
        } else {
            vec![]
        };
        let cvss = x
            .get("CVSS")
            .and_then(Value::as_object)
            .and_then(|m| {
                // NVD's score first, else any source's.
                m.get("nvd")
                    .and_then(|s| s.get("V3Score"))
                    .and_then(Value::as_f64)
                    .or_else(|| {
                        m.values()
                            .find_map(|s| s.get("V3Score").and_then(Value::as_f64))
                    })
            })
            .map(|f| f as f32)
            .filter(|x| (0.0..=10.0).contains(x));
        let key = key_of("trivy", id, &mut cves);
        let fixed = str_of(x, "FixedVersion");
        r.findings.push(ScanFinding {
            ip: ip.clone(),
            hostname: hostname.clone(),
            port: None,
            key,
            title: format!(
                "{pkg} {}: {}",
                str_of(x, "InstalledVersion").unwrap_or_default(),
                str_of(x, "Title").unwrap_or(id)
            ),
            severity: norm_severity(str_of(x, "Severity").unwrap_or("unknown")),
            cvss,
            cves,
            solution: fixed.map(|f| format!("Update {pkg} to {f}")),
        });
    }
    for (j, m) in res
        .get("Misconfigurations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        // Passed and excepted checks are listed with --include-non-failures.
        if str_of(m, "Status").is_some_and(|s| !s.eq_ignore_ascii_case("FAIL")) {
            continue;
        }
        let id = str_of(m, "ID")
            .or_else(|| str_of(m, "AVDID"))
            .ok_or_else(|| err(format!("{path}.Misconfigurations[{j}].ID"), "missing"))?;
        let mut cves = vec![];
        let key = key_of("trivy", id, &mut cves);
        r.findings.push(ScanFinding {
            ip: ip.clone(),
            hostname: hostname.clone(),
            port: None,
            key,
            title: str_of(m, "Title").unwrap_or(id).to_string(),
            severity: norm_severity(str_of(m, "Severity").unwrap_or("unknown")),
            cvss: None,
            cves,
            solution: str_of(m, "Resolution").map(str::to_string),
        });
    }
    Ok(())
}

/// A host name from a Trivy target (`alpine:3.19 (alpine 3.19.1)` → `alpine:3.19`), when it
/// reads as one: not a path, no spaces.
fn target_host(res: &Value) -> Option<String> {
    let t = str_of(res, "Target")?;
    let t = match t.find(" (") {
        Some(i) if t.ends_with(')') => t[..i].trim(),
        _ => t,
    };
    (!t.is_empty() && !t.starts_with(['/', '.']) && !t.contains(char::is_whitespace))
        .then(|| t.to_string())
}

/// Trivy JSON (`trivy image|fs|rootfs|vm … --format json`): the artifact is the host. An
/// empty `ArtifactName` falls back to the first target that reads as a name; failing that,
/// each result is skipped and counted.
pub fn parse_trivy(v: &Value) -> Result<ScanReport, FormatError> {
    let mut r = ScanReport::new(ScanFormat::TrivyJson);
    let results: Vec<&Value> = v
        .get("Results")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let artifact = str_of(v, "ArtifactName")
        .map(str::to_string)
        .or_else(|| results.iter().find_map(|res| target_host(res)));
    let Some(host) = artifact else {
        for (i, res) in results.iter().enumerate() {
            r.skip(
                Place::Path(format!("Results[{i}]")),
                str_of(res, "Target"),
                SkipReason::NoHost,
            );
        }
        return Ok(r);
    };
    r.cover(&host);
    for (i, res) in results.iter().enumerate() {
        trivy_result(&mut r, res, &host, &format!("Results[{i}]"))?;
    }
    Ok(r)
}

/// `trivy k8s --format json`: `{"ClusterName", "Resources": [...]}` (`--report all`, 0.42 and
/// later), `"Findings"` (`--report summary`), or `"Vulnerabilities"` and
/// `"Misconfigurations"` (0.29 to 0.41), each a list of resources with their results. The host
/// is the resource, `namespace/Kind/name` (`Kind/name` when cluster-wide), a node's name for
/// node components, the cluster's name for control-plane components. A resource the scanner
/// failed on is skipped and counted (it proves nothing fixed).
pub fn parse_trivy_k8s(v: &Value) -> Result<ScanReport, FormatError> {
    let mut r = ScanReport::new(ScanFormat::TrivyK8s);
    let cluster = str_of(v, "ClusterName");
    for top in [
        "Resources",
        "Findings",
        "Vulnerabilities",
        "Misconfigurations",
    ] {
        let Some(list) = v.get(top) else { continue };
        if list.is_null() {
            continue;
        }
        let list = list
            .as_array()
            .ok_or_else(|| err(top, "not a list of resources"))?;
        for (i, res) in list.iter().enumerate() {
            let path = format!("{top}[{i}]");
            let kind = str_of(res, "Kind").unwrap_or_default();
            let name = str_of(res, "Name").unwrap_or_default();
            let ns = str_of(res, "Namespace");
            let label = format!("{kind}/{name}");
            if str_of(res, "Error").is_some() {
                r.skip(Place::Path(path), Some(&label), SkipReason::ScanFailed);
                continue;
            }
            let host = match kind {
                _ if name.is_empty() => None,
                "NodeInfo" | "NodeComponents" | "Node" => Some(name.to_string()),
                "Cluster" | "ControlPlaneComponents" => {
                    Some(cluster.map(str::to_string).unwrap_or(label.clone()))
                }
                "" => None,
                _ => Some(match ns {
                    Some(ns) => format!("{ns}/{kind}/{name}"),
                    None => label.clone(),
                }),
            };
            let Some(host) = host else {
                r.skip(Place::Path(path), Some(kind), SkipReason::NoHost);
                continue;
            };
            r.cover(&host);
            for (j, x) in res
                .get("Results")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                trivy_result(&mut r, x, &host, &format!("{path}.Results[{j}]"))?;
            }
        }
    }
    Ok(r)
}

fn read_table(bytes: &[u8]) -> Result<Table, FormatError> {
    canhgac_sheets::read(bytes, canhgac_sheets::Format::Csv).map_err(|e| match e {
        SheetError::Csv { row, message } => err(format!("row {row}"), message),
        SheetError::Encoding { row } => err(
            format!("row {row}"),
            "the text is not UTF-8 (export the report again, or save it as CSV UTF-8)",
        ),
        SheetError::TooManyRows { row, limit } => err(
            format!("row {row}"),
            format!("more than {limit} rows; export fewer hosts per file"),
        ),
        SheetError::TooManyColumns { row, limit } => {
            err(format!("row {row}"), format!("more than {limit} columns"))
        }
        other => err("file", other.to_string()),
    })
}

/// The first of `names` that is a column of `t`.
fn column(t: &Table, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| t.column(n))
}

fn need(t: &Table, names: &[&str]) -> Result<usize, FormatError> {
    column(t, names).ok_or_else(|| {
        err(
            "row 1",
            format!(
                "no \"{}\" column{} (the header has: {})",
                names[0],
                if names.len() > 1 {
                    format!(" (nor {})", names[1..].join(", "))
                } else {
                    String::new()
                },
                t.headers
                    .iter()
                    .filter(|h| !h.is_empty())
                    .take(16)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

fn cell(row: &[String], col: Option<usize>) -> Option<&str> {
    col.and_then(|c| row.get(c))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// Nessus's CSV export (and Tenable.io / Tenable.sc exports), columns found by name: `Plugin
/// ID`, `CVE`, `CVSS v3.0 Base Score`, `CVSS v2.0 Base Score` (or `CVSS`), `Risk`, `Host`,
/// `Protocol`, `Port`, `Name`, `Solution`, with `IP Address` and `FQDN` / `DNS Name` when
/// present. Nessus writes one row per CVE of a plugin on a host and port: those rows are one
/// finding with all the CVEs, as in the `.nessus` file; a cell listing several CVEs is split.
pub fn parse_nessus_csv(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let t = read_table(bytes)?;
    let c_plugin = need(&t, &["Plugin ID", "Plugin"])?;
    let c_host = need(&t, &["Host", "IP Address", "DNS Name"])?;
    let c_risk = need(&t, &["Risk", "Severity", "Risk Factor"])?;
    let c_ip = column(&t, &["IP Address"]);
    let c_fqdn = column(&t, &["FQDN", "DNS Name", "Host FQDN"]);
    let c_cve = column(&t, &["CVE"]);
    let c_v3 = column(
        &t,
        &[
            "CVSS v3.0 Base Score",
            "CVSS V3 Base Score",
            "CVSS3 Base Score",
        ],
    );
    let c_v2 = column(
        &t,
        &[
            "CVSS v2.0 Base Score",
            "CVSS V2 Base Score",
            "CVSS Base Score",
            "CVSS",
        ],
    );
    let c_proto = column(&t, &["Protocol"]);
    let c_port = column(&t, &["Port"]);
    let c_name = column(&t, &["Name", "Plugin Name"]);
    let c_solution = column(&t, &["Solution", "Steps to Remediate"]);
    let mut r = ScanReport::new(ScanFormat::NessusCsv);
    // (host, port, plugin) → index of its finding.
    let mut at: HashMap<(String, Option<String>, String), usize> = HashMap::new();
    for (row_no, row) in &t.rows {
        let host_cell = cell(row, Some(c_host));
        let ip = cell(row, c_ip)
            .filter(|s| is_ip(s))
            .or(host_cell.filter(|h| is_ip(h)))
            .map(str::to_string);
        let name = cell(row, c_fqdn)
            .or(host_cell.filter(|h| !is_ip(h)))
            .map(str::to_string)
            .filter(|n| Some(n) != ip.as_ref());
        let plugin = cell(row, Some(c_plugin));
        let Some(host) = ip.clone().or(name.clone()) else {
            r.skip(Place::Row(*row_no), plugin, SkipReason::NoHost);
            continue;
        };
        r.cover(&host);
        let Some(plugin) = plugin else {
            r.skip(Place::Row(*row_no), None, SkipReason::NoId);
            continue;
        };
        let severity = norm_severity(cell(row, Some(c_risk)).unwrap_or("none"));
        if severity == "info" {
            continue;
        }
        let port = cell(row, c_port)
            .filter(|p| *p != "0")
            .map(|p| match cell(row, c_proto) {
                Some(proto) => format!("{p}/{}", proto.to_lowercase()),
                None => p.to_string(),
            });
        let cves = cell(row, c_cve).map(cve_list).unwrap_or_default();
        let k = (host.clone(), port.clone(), plugin.to_string());
        if let Some(&i) = at.get(&k) {
            r.findings[i].cves.extend(cves);
            continue;
        }
        let cvss = cell(row, c_v3)
            .and_then(score)
            .or_else(|| cell(row, c_v2).and_then(score));
        at.insert(k, r.findings.len());
        r.findings.push(ScanFinding {
            ip,
            hostname: name,
            port,
            // Set below, once every row of the plugin is read.
            key: plugin.to_string(),
            title: cell(row, c_name)
                .map(str::to_string)
                .unwrap_or_else(|| format!("Nessus plugin {plugin}")),
            severity,
            cvss,
            cves,
            solution: cell(row, c_solution).map(str::to_string),
        });
    }
    for f in &mut r.findings {
        f.key = key_of("nessus", &f.key.clone(), &mut f.cves);
    }
    Ok(r)
}

/// OpenVAS / Greenbone CSV results export, columns found by name: `IP`, `Hostname`, `Port`,
/// `Port Protocol`, `CVSS`, `Severity`, `NVT Name`, `NVT OID`, `CVEs`, `Solution`. One finding
/// per row above informational (`Log`).
pub fn parse_openvas_csv(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let t = read_table(bytes)?;
    let c_ip = need(&t, &["IP", "Host"])?;
    let c_oid = need(&t, &["NVT OID", "OID"])?;
    let c_name = column(&t, &["Hostname"]);
    let c_sev = column(&t, &["Severity"]);
    let c_cvss = column(&t, &["CVSS"]);
    if c_sev.is_none() && c_cvss.is_none() {
        need(&t, &["Severity", "CVSS"])?;
    }
    let c_port = column(&t, &["Port"]);
    let c_proto = column(&t, &["Port Protocol"]);
    let c_title = column(&t, &["NVT Name"]);
    let c_cves = column(&t, &["CVEs", "CVE"]);
    let c_solution = column(&t, &["Solution"]);
    let mut r = ScanReport::new(ScanFormat::OpenvasCsv);
    for (row_no, row) in &t.rows {
        let ip = cell(row, Some(c_ip)).map(str::to_string);
        let name = cell(row, c_name)
            .map(str::to_string)
            .filter(|n| Some(n) != ip.as_ref());
        let oid = cell(row, Some(c_oid));
        let Some(host) = ip.clone().or(name.clone()) else {
            r.skip(Place::Row(*row_no), oid, SkipReason::NoHost);
            continue;
        };
        r.cover(&host);
        let Some(oid) = oid else {
            r.skip(Place::Row(*row_no), None, SkipReason::NoId);
            continue;
        };
        let cvss = cell(row, c_cvss).and_then(score);
        let threat = cell(row, c_sev).map(norm_severity).unwrap_or_default();
        let severity = if threat.is_empty() || threat == "info" {
            cvss.map(severity_of).unwrap_or_else(|| "info".into())
        } else {
            threat
        };
        if severity == "info" {
            continue;
        }
        let port = cell(row, c_port).map(|p| match cell(row, c_proto) {
            Some(proto) => format!("{p}/{}", proto.to_lowercase()),
            None => p.to_string(),
        });
        let mut cves = cell(row, c_cves).map(cve_list).unwrap_or_default();
        let key = key_of("openvas", oid, &mut cves);
        r.findings.push(ScanFinding {
            ip,
            hostname: name,
            port,
            key,
            title: cell(row, c_title).unwrap_or(oid).to_string(),
            severity,
            cvss,
            cves,
            solution: cell(row, c_solution).map(str::to_string),
        });
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CVE-like token with a multi-byte character where "CVE-" would end is not a CVE, and
    /// not a panic (found by `fuzz/fuzz_targets/scanners.rs`).
    #[test]
    fn cve_tokens_are_ascii() {
        assert_eq!(
            cve_list("CVEǩen1-46663, cve-2021-44228;CVE-2024-é1"),
            vec!["CVE-2021-44228"]
        );
    }

    /// A real report kept in `testdata/vuln/scanners` (provenance in `testdata/README.md`).
    fn sample(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/vuln/scanners")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn keys(r: &ScanReport) -> Vec<&str> {
        r.findings.iter().map(|f| f.key.as_str()).collect()
    }

    const NESSUS: &str = r#"<?xml version="1.0" ?>
<NessusClientData_v2><Report name="scan">
<ReportHost name="203.0.113.10"><HostProperties><tag name="host-ip">203.0.113.10</tag><tag name="host-fqdn">web01.syt.laichau.gov.vn</tag></HostProperties>
<ReportItem port="22" svc_name="ssh" protocol="tcp" severity="3" pluginID="201194" pluginName="OpenSSH &lt; 9.8 RCE (regreSSHion)">
<cve>CVE-2024-6387</cve><cvss3_base_score>8.1</cvss3_base_score><risk_factor>High</risk_factor><solution>Upgrade to OpenSSH 9.8</solution></ReportItem>
<ReportItem port="0" svc_name="general" protocol="tcp" severity="0" pluginID="19506" pluginName="Nessus Scan Information"></ReportItem>
</ReportHost>
<ReportHost name="10.213.14.20"><HostProperties><tag name="host-ip">10.213.14.20</tag></HostProperties></ReportHost>
</Report></NessusClientData_v2>"#;

    #[test]
    fn nessus() {
        let r = parse_scan(NESSUS.as_bytes()).unwrap();
        assert_eq!((r.scanner, r.format), ("nessus", ScanFormat::NessusXml));
        assert_eq!(
            r.hosts,
            vec!["203.0.113.10", "10.213.14.20"],
            "clean hosts count as scanned"
        );
        assert_eq!(r.findings.len(), 1, "informational items are left out");
        let f = &r.findings[0];
        assert_eq!(
            (
                f.key.as_str(),
                f.severity.as_str(),
                f.cvss,
                f.port.as_deref()
            ),
            ("CVE-2024-6387", "high", Some(8.1), Some("22/tcp"))
        );
        assert_eq!(f.title, "OpenSSH < 9.8 RCE (regreSSHion)");
        assert_eq!(f.hostname.as_deref(), Some("web01.syt.laichau.gov.vn"));
    }

    #[test]
    fn openvas() {
        let xml = r#"<report id="r1"><report id="r1"><results>
<result id="a"><name>OpenSSH RCE</name><host>198.51.100.17<asset asset_id="x"/><hostname>td-web01</hostname></host><port>22/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.114673"><name>OpenSSH RCE</name><cvss_base>8.1</cvss_base><solution type="VendorFix">Update</solution>
<refs><ref type="cve" id="CVE-2024-6387"/><ref type="url" id="https://x"/></refs></nvt><threat>High</threat><severity>8.1</severity></result>
<result id="b"><name>TCP timestamps</name><host>198.51.100.17</host><port>general/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.80091"><name>TCP timestamps</name></nvt><threat>Log</threat><severity>0.0</severity></result>
<result id="c"><name>Hostless</name><host></host><port>80/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.1"><name>X</name></nvt><threat>High</threat><severity>7.5</severity></result>
</results></report></report>"#;
        let r = parse_scan(xml.as_bytes()).unwrap();
        assert_eq!((r.scanner, r.format), ("openvas", ScanFormat::OpenvasXml));
        assert_eq!(r.findings.len(), 1);
        assert_eq!(
            (
                r.findings[0].key.as_str(),
                r.findings[0].ip.as_deref(),
                r.findings[0].hostname.as_deref()
            ),
            ("CVE-2024-6387", Some("198.51.100.17"), Some("td-web01"))
        );
        // A result without a host is counted, not fatal.
        assert_eq!(r.skipped, 1);
        assert_eq!(
            r.skipped_entries[0],
            Skipped {
                at: Place::Entry(3),
                id: Some("1.3.6.1.4.1.25623.1.0.1".into()),
                reason: SkipReason::NoHost
            }
        );
    }

    #[test]
    fn nuclei_and_trivy() {
        let jsonl = "{\"template-id\":\"CVE-2021-44228\",\"info\":{\"name\":\"Log4j RCE\",\"severity\":\"critical\",\"classification\":{\"cve-id\":[\"cve-2021-44228\"],\"cvss-score\":10}},\"host\":\"https://198.51.100.33:8443\",\"ip\":\"198.51.100.33\",\"port\":\"8443\"}\n{\"template-id\":\"tech-detect\",\"info\":{\"name\":\"Tech\",\"severity\":\"info\"},\"host\":\"http://198.51.100.49\",\"ip\":\"198.51.100.49\"}\n";
        let r = parse_scan(jsonl.as_bytes()).unwrap();
        assert_eq!((r.scanner, r.format), ("nuclei", ScanFormat::NucleiJsonl));
        assert_eq!(r.hosts.len(), 2);
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].key, "CVE-2021-44228");
        let trivy = r#"{"ArtifactName":"198.51.100.65","ArtifactType":"vm","Results":[{"Target":"debian 12","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-13176","PkgName":"openssl","InstalledVersion":"3.0.15-1~deb12u1","FixedVersion":"3.0.16-1~deb12u1","Severity":"MEDIUM","Title":"timing side-channel","CVSS":{"nvd":{"V3Score":4.1}}}]}]}"#;
        let r = parse_scan(trivy.as_bytes()).unwrap();
        assert_eq!(
            (
                r.scanner,
                r.findings[0].severity.as_str(),
                r.findings[0].cvss
            ),
            ("trivy", "medium", Some(4.1))
        );
        assert!(parse_scan(b"<html>").is_err());
        let e = parse_scan(b"{\"template-id\": \"a\", \"ip\": \"192.0.2.1\"}\n{bad").unwrap_err();
        assert_eq!(e.field, "line 2", "{e:?}");
        assert!(
            e.message.starts_with("not valid JSON")
                && e.message.ends_with("(read as a Nuclei JSON-lines report)"),
            "{e:?}"
        );
    }

    /// Problem 1: a real Nuclei v3 report (DefectDojo issue 14071) whose info lines carry no
    /// `host` (none of its lines do) and two of them no `ip` either; one names nothing at all.
    #[test]
    fn nuclei_v3_lines_without_host_fall_back_or_are_counted() {
        let r = parse_scan(&sample("nuclei_v3_hostless_lines.jsonl")).unwrap();
        assert_eq!(r.format, ScanFormat::NucleiJsonl);
        assert_eq!(
            keys(&r),
            vec![
                "nuclei:dvwa-default-login",
                "nuclei:git-config",
                "nuclei:dockerfile-hidden-disclosure"
            ]
        );
        let sev: Vec<&str> = r.findings.iter().map(|f| f.severity.as_str()).collect();
        assert_eq!(sev, vec!["critical", "medium", "medium"]);
        let f = &r.findings[0];
        assert_eq!(
            (
                f.ip.as_deref(),
                f.hostname.as_deref(),
                f.port.as_deref(),
                f.cvss
            ),
            (Some("172.18.0.3"), Some("dvwa_dvwa_1"), Some("80"), None),
            "the name comes from matched-at"
        );
        assert_eq!(f.title, "DVWA Default Login");
        assert_eq!(r.findings[1].cvss, Some(5.3));
        // Lines 2 and 3 have only `url` ("/http://dvwa_dvwa_1/"): its host part covers the host.
        assert_eq!(r.hosts, vec!["172.18.0.3", "dvwa_dvwa_1"]);
        // Line 7 (a DNS template's result) names nothing: skipped and counted.
        assert_eq!(r.skipped, 1);
        assert_eq!(
            r.skipped_entries,
            vec![Skipped {
                at: Place::Line(7),
                id: Some("nameserver-fingerprint".into()),
                reason: SkipReason::NoHost
            }]
        );
    }

    #[test]
    fn nuclei_skips_are_counted_but_listed_up_to_a_cap() {
        let mut s = String::new();
        for i in 0..30 {
            s.push_str(&format!(
                "{{\"template-id\":\"t{i}\",\"info\":{{\"severity\":\"high\"}}}}\n"
            ));
        }
        s.push_str("{\"template-id\":\"x\",\"info\":{\"severity\":\"high\"},\"matched-at\":\"https://[2001:db8::5]:8443/a\"}\n");
        let r = parse_scan(s.as_bytes()).unwrap();
        assert_eq!(r.skipped, 30);
        assert_eq!(r.skipped_entries.len(), MAX_SKIPPED_LISTED);
        assert_eq!(r.skipped_entries[19].at, Place::Line(20));
        assert_eq!(r.findings.len(), 1);
        assert_eq!(
            (
                r.findings[0].ip.as_deref(),
                r.findings[0].hostname.as_deref()
            ),
            (Some("2001:db8::5"), None),
            "an address in a URL is the address"
        );
    }

    /// Problem 3: Nuclei's `-je` export, a JSON array of the same results.
    #[test]
    fn nuclei_json_export() {
        // Constructed in Nuclei v3's `-je` shape: two informational results.
        let export = r#"[{"template-id":"dns-saas-service-detection","info":{"name":"DNS SaaS Service Detection","severity":"info"},"type":"dns","host":"www.example.org","matched-at":"www.example.org","timestamp":"2026-11-25T02:00:00Z"},
            {"template-id":"ssl-issuer","info":{"name":"Detect SSL Certificate Issuer","severity":"info"},"type":"ssl","host":"192.0.2.8","ip":"192.0.2.8","port":"443","matched-at":"192.0.2.8:443","timestamp":"2026-11-25T02:00:01Z"}]"#;
        let r = parse_scan(export.as_bytes()).unwrap();
        assert_eq!(
            (r.scanner, r.format),
            ("nuclei", ScanFormat::NucleiJsonArray)
        );
        assert_eq!(r.findings.len(), 0, "informational results only");
        assert_eq!(r.hosts, vec!["www.example.org", "192.0.2.8"]);
        assert_eq!(r.skipped, 0);
        let arr = r#"[{"template-id":"CVE-2024-4577","info":{"name":"PHP CGI","severity":"critical","classification":{"cve-id":"CVE-2024-4577","cvss-score":9.8}},"host":"http://198.51.100.33","matched-at":"http://198.51.100.33/index.php","port":80},
            {"template-id":"t","info":{"severity":"low"}}]"#;
        let r = parse_scan(arr.as_bytes()).unwrap();
        assert_eq!(keys(&r), vec!["CVE-2024-4577"]);
        assert_eq!(
            (
                r.findings[0].ip.as_deref(),
                r.findings[0].port.as_deref(),
                r.findings[0].cvss
            ),
            (Some("198.51.100.33"), Some("80"), Some(9.8))
        );
        assert_eq!(r.skipped_entries[0].at, Place::Entry(2));
        let e = parse_scan(b"[{\"template-id\":\"a\",\"host\":\"h\"}, 3]").unwrap_err();
        assert_eq!(e.field, "[1]");
        assert!(e.message.contains("read as a Nuclei JSON export"), "{e:?}");
    }

    /// Problem 2: `trivy k8s` as 0.29 to 0.41 wrote it (real EKS report, trimmed).
    #[test]
    fn trivy_k8s_vulnerabilities_and_misconfigurations_lists() {
        let r = parse_scan(&sample("trivy_k8s_eks_2022.json")).unwrap();
        assert_eq!((r.scanner, r.format), ("trivy", ScanFormat::TrivyK8s));
        assert_eq!(
            r.hosts,
            vec![
                "default/Deployment/redis-follower",
                "default/Deployment/redis-leader",
                "default/Service/redis-follower",
                "default/Service/redis-leader"
            ],
            "services without findings are covered too"
        );
        assert_eq!(
            keys(&r),
            vec![
                "CVE-2020-27350",
                "CVE-2011-3374",
                "CVE-2020-27350",
                "trivy:KSV001",
                "trivy:KSV012",
                "trivy:KSV001"
            ]
        );
        let f = &r.findings[0];
        assert_eq!(
            (
                f.hostname.as_deref(),
                f.ip.as_deref(),
                f.severity.as_str(),
                f.solution.as_deref()
            ),
            (
                Some("default/Deployment/redis-follower"),
                None,
                "medium",
                Some("Update apt to 1.8.2.2")
            )
        );
        let m = &r.findings[3];
        assert_eq!(
            (m.title.as_str(), m.severity.as_str(), m.cvss),
            ("Process can elevate its own privileges", "medium", None)
        );
        assert_eq!(r.skipped, 0);
    }

    /// Problem 2: `trivy k8s --report all` of 0.42 and later, `{"ClusterName", "Resources"}`.
    #[test]
    fn trivy_k8s_resources_list() {
        let r = parse_scan(&sample("trivy_k8s_minikube_all.json")).unwrap();
        assert_eq!(r.format, ScanFormat::TrivyK8s);
        assert_eq!(
            r.hosts,
            vec![
                "default/Service/kubernetes",
                "default/ConfigMap/kube-root-ca.crt",
                "default/Role/caas-scanners-role",
                "default/StatefulSet/vault"
            ]
        );
        assert_eq!(
            keys(&r),
            vec![
                "trivy:KSV116",
                "trivy:KSV116",
                "trivy:KSV001",
                "trivy:KSV117",
                "trivy:KSV003",
                "trivy:KSV104"
            ]
        );
        assert_eq!(r.findings[3].severity, "high");
    }

    #[test]
    fn trivy_k8s_nodes_failures_and_cluster_wide_resources() {
        // Constructed: the shapes Trivy's k8s scanner gives node components, a cluster-wide
        // resource, a resource it failed on and one without a name.
        let doc = r#"{"ClusterName":"laichau-prod","Resources":[
            {"Kind":"NodeComponents","Name":"node-01","Results":[{"Target":"node-01","Class":"lang-pkgs","Vulnerabilities":[{"VulnerabilityID":"CVE-2023-2431","PkgName":"k8s.io/kubelet","InstalledVersion":"1.27.1","FixedVersion":"1.27.2","Severity":"LOW"}]}]},
            {"Kind":"ClusterRole","Name":"admin","Results":[{"Target":"ClusterRole/admin","Misconfigurations":[{"ID":"KSV046","Title":"Manage all resources","Severity":"CRITICAL","Status":"FAIL"},{"ID":"KSV047","Severity":"HIGH","Status":"PASS"}]}]},
            {"Namespace":"kube-system","Kind":"Deployment","Name":"coredns","Error":"unable to pull image"},
            {"Namespace":"default","Kind":"Pod","Name":""}
        ]}"#;
        let r = parse_scan(doc.as_bytes()).unwrap();
        assert_eq!(r.hosts, vec!["node-01", "ClusterRole/admin"]);
        assert_eq!(keys(&r), vec!["CVE-2023-2431", "trivy:KSV046"]);
        assert_eq!(r.findings[1].severity, "critical");
        assert_eq!(r.skipped, 2);
        assert_eq!(
            r.skipped_entries,
            vec![
                Skipped {
                    at: Place::Path("Resources[2]".into()),
                    id: Some("Deployment/coredns".into()),
                    reason: SkipReason::ScanFailed
                },
                Skipped {
                    at: Place::Path("Resources[3]".into()),
                    id: Some("Pod".into()),
                    reason: SkipReason::NoHost
                }
            ]
        );
        // An empty cluster report is a report.
        let r = parse_scan(b"{\"ClusterName\":\"x\",\"Resources\":null}").unwrap();
        assert_eq!((r.format, r.hosts.len()), (ScanFormat::TrivyK8s, 0));
    }

    /// Problem 4: the pre-0.20 array form is refused by name (real report, trimmed).
    #[test]
    fn trivy_pre_020_array_is_refused_by_name() {
        let e = parse_scan(&sample("trivy_pre_0.20_array.json")).unwrap_err();
        assert_eq!(e.field, "document");
        assert!(
            e.message
                .starts_with("Trivy report in the pre-0.20 array format")
                && e.message.contains("re-run with a current Trivy"),
            "{e:?}"
        );
        assert_eq!(
            sniff(&sample("trivy_pre_0.20_array.json")),
            ScanFormat::TrivyLegacy
        );
    }

    /// Problem 5: an empty `ArtifactName` is never a host.
    #[test]
    fn trivy_empty_artifact_name() {
        let vuln = r#"{"VulnerabilityID":"CVE-2024-13176","PkgName":"openssl","InstalledVersion":"3.0.15","Severity":"MEDIUM"}"#;
        let doc = format!(
            r#"{{"SchemaVersion":2,"ArtifactName":"","Results":[{{"Target":"registry.laichau.gov.vn/cong-dv:2.1 (debian 12.8)","Class":"os-pkgs","Vulnerabilities":[{vuln}]}}]}}"#
        );
        let r = parse_scan(doc.as_bytes()).unwrap();
        assert_eq!(r.hosts, vec!["registry.laichau.gov.vn/cong-dv:2.1"]);
        assert_eq!(
            r.findings[0].hostname.as_deref(),
            Some("registry.laichau.gov.vn/cong-dv:2.1")
        );
        // No name anywhere: each result skipped and counted, nothing with an empty host.
        let doc = format!(
            r#"{{"ArtifactName":"  ","Results":[{{"Target":"debian 12","Vulnerabilities":[{vuln}]}},{{"Target":"/usr/lib/app/package-lock.json"}}]}}"#
        );
        let r = parse_scan(doc.as_bytes()).unwrap();
        assert!(r.hosts.is_empty() && r.findings.is_empty());
        assert_eq!(r.skipped, 2);
        assert_eq!(
            r.skipped_entries[0],
            Skipped {
                at: Place::Path("Results[0]".into()),
                id: Some("debian 12".into()),
                reason: SkipReason::NoHost
            }
        );
    }

    /// Problem 2 (second half) and 7: unknown documents are refused by name.
    #[test]
    fn unknown_documents_are_refused_by_name() {
        let e = parse_scan(br#"{"scan":{"id":1},"hosts":[]}"#).unwrap_err();
        assert_eq!(e.field, "document");
        assert!(
            e.message
                .starts_with("a JSON document that is not a Nuclei, Trivy")
                && e.message.contains("scan")
                && e.message.contains("hosts"),
            "{e:?}"
        );
        let e = parse_scan(b"[{\"id\": 1}]").unwrap_err();
        assert!(e.message.starts_with("a JSON array that is not"), "{e:?}");
        let e = parse_scan(b"{\n  \"ArtifactName\": \"x\",\n  \"Results\": [\n}").unwrap_err();
        assert!(e.field.starts_with("line 4 column"), "{e:?}");
        assert!(e.message.starts_with("not valid JSON"), "{e:?}");
        let e = parse_scan(b"{\"a\":1}\n{\"a\":2}\n").unwrap_err();
        assert!(
            e.message
                .starts_with("JSON lines that are not a Nuclei report"),
            "{e:?}"
        );
        let e = parse_scan(b"<?xml version=\"1.0\"?><html/>").unwrap_err();
        assert!(
            e.message.starts_with("an XML document that is not"),
            "{e:?}"
        );
        let e = parse_scan(b"Host,Port,Finding\n10.0.0.1,22,x\n").unwrap_err();
        assert_eq!(e.field, "row 1");
        assert!(e.message.starts_with("a CSV file that is not"), "{e:?}");
        let e = parse_scan(b"hello").unwrap_err();
        assert!(e.message.starts_with("not a Nessus"), "{e:?}");
        let e = parse_scan(b"<NessusClientData_v2><Report><ReportHost name=\"x\"><ReportItem severity=\"3\"></ReportItem>").unwrap_err();
        assert!(
            e.message.contains("pluginID") || e.field.contains("ReportItem"),
            "{e:?}"
        );
        assert!(
            e.message
                .ends_with("(read as a Nessus .nessus (v2 XML) report)"),
            "{e:?}"
        );
    }

    /// Problem 6: Nessus's default CSV export (13 columns, `CVSS`), real, trimmed.
    #[test]
    fn nessus_csv_default_export() {
        let r = parse_scan(&sample("nessus_default_export.csv")).unwrap();
        assert_eq!((r.scanner, r.format), ("nessus", ScanFormat::NessusCsv));
        assert_eq!(r.hosts, vec!["52.208.101.182"]);
        assert_eq!(r.findings.len(), 1, "Risk None rows are informational");
        let f = &r.findings[0];
        assert_eq!(
            (
                f.key.as_str(),
                f.severity.as_str(),
                f.cvss,
                f.port.as_deref(),
                f.ip.as_deref(),
                f.hostname.as_deref()
            ),
            (
                "nessus:104743",
                "medium",
                Some(6.1),
                Some("443/tcp"),
                Some("52.208.101.182"),
                None
            )
        );
        assert_eq!(f.title, "TLS Version 1.0 Protocol Detection");
        assert!(
            f.solution
                .as_deref()
                .unwrap()
                .starts_with("Enable support for TLS 1.2 and"),
            "a quoted cell over several lines: {:?}",
            f.solution
        );
    }

    /// Problem 6: a Tenable.io export (more columns, `CVSS3 Base Score`, `IP Address`,
    /// `FQDN`; one row per CVE of a plugin), real, trimmed.
    #[test]
    fn nessus_csv_tenable_export_merges_rows_of_a_plugin() {
        let r = parse_scan(&sample("tenable_io_export.csv")).unwrap();
        assert_eq!(r.format, ScanFormat::NessusCsv);
        assert_eq!(r.hosts, vec!["127.0.0.1", "192.168.1.110"]);
        assert_eq!(
            keys(&r),
            vec![
                "CVE-2023-32233",
                "CVE-2021-46663,CVE-2021-46666,CVE-2022-31624",
                "CVE-2022-37439",
                "CVE-2022-37439"
            ]
        );
        let f = &r.findings[1];
        assert_eq!(
            (
                f.severity.as_str(),
                f.cvss,
                f.port.as_deref(),
                f.ip.as_deref(),
                f.hostname.as_deref()
            ),
            (
                "high",
                Some(7.5),
                None,
                Some("127.0.0.1"),
                Some("ip-127-0-0-1.us-west-2.compute.internal")
            ),
            "CVSS v3 preferred; port 0 is no port"
        );
        assert_eq!(f.title, "Amazon Linux 2 : mariadb (ALAS-2023-2057)");
        assert_eq!(r.findings[3].ip.as_deref(), Some("192.168.1.110"));
    }

    #[test]
    fn nessus_csv_newer_columns_several_cves_and_bad_rows() {
        // Constructed in the newer export's column order (CVSS v2.0 and v3.0 Base Score).
        let csv = "\u{feff}Plugin ID,CVE,CVSS v2.0 Base Score,Risk,Host,Protocol,Port,Name,Synopsis,Description,Solution,See Also,Plugin Output,CVSS v3.0 Base Score\n\
            201194,\"CVE-2024-6387, CVE-2024-6409\",9.3,Critical,203.0.113.10,tcp,22,\"OpenSSH < 9.8, RCE\",s,\"line one\nline two, with comma\",Upgrade,,out,8.1\n\
            201194,,9.3,Critical,,tcp,22,OpenSSH,s,d,Upgrade,,out,8.1\n\
            ,,,High,203.0.113.11,tcp,80,Nameless,s,d,x,,,\n\
            19506,,,None,web02.laichau.gov.vn,tcp,0,Nessus Scan Information,s,d,n/a,,,\n";
        let r = parse_scan(csv.as_bytes()).unwrap();
        assert_eq!(
            r.hosts,
            vec!["203.0.113.10", "203.0.113.11", "web02.laichau.gov.vn"]
        );
        assert_eq!(keys(&r), vec!["CVE-2024-6387,CVE-2024-6409"]);
        assert_eq!(
            (r.findings[0].cvss, r.findings[0].title.as_str()),
            (Some(8.1), "OpenSSH < 9.8, RCE")
        );
        assert_eq!(r.skipped, 2);
        assert_eq!(
            r.skipped_entries,
            vec![
                Skipped {
                    at: Place::Row(4),
                    id: Some("201194".into()),
                    reason: SkipReason::NoHost
                },
                Skipped {
                    at: Place::Row(5),
                    id: None,
                    reason: SkipReason::NoId
                }
            ],
            "rows are counted as lines of the file (a quoted cell spans two)"
        );
        let e = parse_scan(b"Plugin ID,CVE,Name\n1,,x\n").unwrap_err();
        assert_eq!(e.field, "row 1");
        assert!(
            e.message.starts_with("no \"Host\" column")
                && e.message.ends_with("(read as a Nessus CSV export)"),
            "{e:?}"
        );
    }

    /// Problem 6: an OpenVAS/GVM CSV results export (constructed in GVM's column layout, with a
    /// multi-line quoted cell and a result naming two CVEs).
    #[test]
    fn openvas_csv_export() {
        let csv = "IP,Hostname,Port,Port Protocol,CVSS,Severity,QoD,Solution Type,NVT Name,Summary,Specific Result,NVT OID,CVEs,Task ID,Task Name,Timestamp\n\
            192.0.2.21,LOGSRV,,,2.6,Low,80,Mitigation,TCP timestamps,\"The remote host implements TCP timestamps.\",\"It was detected that the host implements RFC1323/RFC7323.\nPacket 1: 1\",1.3.6.1.4.1.25623.1.0.80091,,t1,Weekly,2026-11-25T02:00:00Z\n\
            192.0.2.21,LOGSRV,9200,tcp,4.3,Medium,70,Mitigation,SSL/TLS: weak ciphers,Weak ciphers,x,1.3.6.1.4.1.25623.1.0.103440,\"CVE-2011-3389,CVE-2015-0204\",t1,Weekly,2026-11-25T02:00:00Z\n\
            192.0.2.21,LOGSRV,9200,tcp,9.0,High,80,VendorFix,Elasticsearch RCE,Remote code execution,x,1.3.6.1.4.1.25623.1.0.103240,,t1,Weekly,2026-11-25T02:00:00Z\n";
        let r = parse_scan(csv.as_bytes()).unwrap();
        assert_eq!((r.scanner, r.format), ("openvas", ScanFormat::OpenvasCsv));
        assert_eq!(r.hosts, vec!["192.0.2.21"]);
        assert_eq!(
            keys(&r),
            vec![
                "openvas:1.3.6.1.4.1.25623.1.0.80091",
                "CVE-2011-3389,CVE-2015-0204",
                "openvas:1.3.6.1.4.1.25623.1.0.103240"
            ]
        );
        let sev: Vec<(&str, Option<f32>, Option<&str>)> = r
            .findings
            .iter()
            .map(|f| (f.severity.as_str(), f.cvss, f.port.as_deref()))
            .collect();
        assert_eq!(
            sev,
            vec![
                ("low", Some(2.6), None),
                ("medium", Some(4.3), Some("9200/tcp")),
                ("high", Some(9.0), Some("9200/tcp"))
            ]
        );
        assert_eq!(r.findings[0].hostname.as_deref(), Some("LOGSRV"));
        assert_eq!(r.findings[0].title, "TCP timestamps");
        assert_eq!(r.skipped, 0);
    }

    #[test]
    fn openvas_csv_log_rows_and_missing_columns() {
        let csv = "IP,Hostname,Port,Port Protocol,CVSS,Severity,QoD,Solution Type,NVT Name,Summary,Specific Result,NVT OID,CVEs\n\
            45.33.32.156,,80,tcp,0.0,Log,80,,HTTP Server type and version,s,r,1.3.6.1.4.1.25623.1.0.10107,\n\
            ,,443,tcp,7.5,High,80,,X,s,r,1.3.6.1.4.1.25623.1.0.2,CVE-2021-26690\n";
        let r = parse_scan(csv.as_bytes()).unwrap();
        assert_eq!(r.hosts, vec!["45.33.32.156"]);
        assert!(r.findings.is_empty());
        assert_eq!(r.skipped_entries[0].at, Place::Row(3));
        let e = parse_scan(b"IP,NVT Name,CVSS\n1.2.3.4,x,5\n").unwrap_err();
        assert!(
            e.message.starts_with("no \"NVT OID\" column")
                && e.message
                    .ends_with("(read as an OpenVAS/Greenbone CSV results export)"),
            "{e:?}"
        );
    }

    #[test]
    fn host_part() {
        for (s, h) in [
            ("https://a.b.vn:8443/x?y", Some("a.b.vn")),
            ("/http://dvwa_dvwa_1/", Some("dvwa_dvwa_1")),
            ("www.asdf.de:443", Some("www.asdf.de")),
            ("[2001:db8::1]:443", Some("2001:db8::1")),
            ("2001:db8::1", Some("2001:db8::1")),
            ("https://user@h.vn/", Some("h.vn")),
            ("", None),
            ("/", None),
        ] {
            assert_eq!(host_of(s).as_deref(), h, "{s}");
        }
    }
}
