//! Parsing Botnet IP and IOC lists in the forms they really arrive in, detected from their
//! content: the DIC's XLSX/CSV with Vietnamese or English headers; Shadowserver drone and
//! event reports (the infected address is the listed one, the C2 or sinkhole is context);
//! abuse.ch CSV (header in a comment); plain text, ipset and netset files (one IP, CIDR or
//! `a-b` range a line, `#`/`;` comments, trailing columns as in Spamhaus DROP, DShield's
//! `start end …`, IPsum's `ip count`); STIX 2.1 bundles; MISP events.
//!
//! Every entry keeps its row; every problem is reported with its row and column, not just
//! the first one.

use canhgac_domain::text::fold;
use canhgac_sheets::{Format, Table};
use ipnet::{IpNet, Ipv4Subnets, Ipv6Subnets};
use serde::Serialize;
use serde_json::Value;
use std::net::IpAddr;

/// What a list entry names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Indicator {
    /// An address (as a /32 or /128) or a network.
    Net(IpNet),
    /// A domain name.
    Domain(String),
}

impl Indicator {
    /// The entry as a person writes it: `1.2.3.4`, `198.51.100.0/24`, `evil.example`.
    pub fn normalised(&self) -> String {
        match self {
            Indicator::Net(n) => crate::display_net(n),
            Indicator::Domain(d) => d.clone(),
        }
    }

    /// `ip`, `cidr` or `domain`.
    pub fn kind(&self) -> &'static str {
        match self {
            Indicator::Net(n) if n.prefix_len() == n.max_prefix_len() => "ip",
            Indicator::Net(_) => "cidr",
            Indicator::Domain(_) => "domain",
        }
    }
}

/// One entry of a list. Kept small (metadata boxed and absent for bare lists), since a
/// national list can hold millions of entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// What is listed.
    pub indicator: Indicator,
    /// Row (line, or object/attribute number in JSON) it came from.
    pub row: usize,
    /// What the list says about it, if anything.
    pub meta: Option<Box<EntryMeta>>,
}

/// What a list says about an entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryMeta {
    /// Malware or threat name.
    pub malware: Option<String>,
    /// When it was seen, as written.
    pub seen: Option<String>,
    /// Context: the C2 or sinkhole address, the peer of an event.
    pub context: Option<String>,
    /// Organisation named by the list itself, if any.
    pub org_hint: Option<String>,
    /// Port, if given.
    pub port: Option<String>,
}

impl ListEntry {
    fn new(indicator: Indicator, row: usize, meta: EntryMeta) -> ListEntry {
        let meta = (meta != EntryMeta::default()).then(|| Box::new(meta));
        ListEntry {
            indicator,
            row,
            meta,
        }
    }
    /// Malware or threat name.
    pub fn malware(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|m| m.malware.as_deref())
    }
    /// When it was seen, as written.
    pub fn seen(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|m| m.seen.as_deref())
    }
    /// The C2, sinkhole or peer address.
    pub fn context(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|m| m.context.as_deref())
    }
    /// Organisation named by the list.
    pub fn org_hint(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|m| m.org_hint.as_deref())
    }
    /// Port.
    pub fn port(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|m| m.port.as_deref())
    }
}

/// A problem at a row and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Row (1 = first line; 0 = the whole file).
    pub row: usize,
    /// Column as in the file ("" for the whole row).
    pub column: String,
    /// In English.
    pub message: String,
    /// In Vietnamese.
    pub message_vi: String,
}

impl Problem {
    fn new(row: usize, column: &str, vi: impl Into<String>, en: impl Into<String>) -> Problem {
        Problem {
            row,
            column: column.to_string(),
            message: en.into(),
            message_vi: vi.into(),
        }
    }
}

/// The form a list was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListFormat {
    /// One entry a line.
    Text,
    /// CSV with a header row.
    Csv,
    /// XLSX with a header row.
    Xlsx,
    /// Shadowserver drone (infected host) report.
    ShadowserverDrone,
    /// Shadowserver event report.
    ShadowserverEvent,
    /// STIX 2.1 bundle.
    Stix,
    /// MISP event.
    Misp,
}

/// A parsed list: entries, errors (which make an import refuse the file) and warnings.
#[derive(Debug, Clone)]
pub struct ParsedList {
    /// Recognised form.
    pub format: ListFormat,
    /// Entries in file order.
    pub entries: Vec<ListEntry>,
    /// Problems that make the file unusable as a whole.
    pub errors: Vec<Problem>,
    /// Things worth knowing (unknown columns kept as context).
    pub warnings: Vec<Problem>,
}

/// Parses an address, a CIDR network or an `a-b` range (as networks).
pub fn parse_nets(token: &str) -> Option<Vec<IpNet>> {
    let t = token
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '[' || c == ']');
    if let Ok(n) = t.parse::<IpNet>() {
        return Some(vec![n.trunc()]);
    }
    if let Ok(a) = t.parse::<IpAddr>() {
        return Some(vec![IpNet::from(a)]);
    }
    let (a, b) = t.split_once('-')?;
    range(a.trim().parse().ok()?, b.trim().parse().ok()?)
}

fn range(a: IpAddr, b: IpAddr) -> Option<Vec<IpNet>> {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => {
            Some(Ipv4Subnets::new(a, b, 0).map(IpNet::V4).collect())
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => {
            Some(Ipv6Subnets::new(a, b, 0).map(IpNet::V6).collect())
        }
        _ => None,
    }
}

/// Whether a token is a plausible domain name.
pub fn is_domain(s: &str) -> bool {
    let s = s.trim_end_matches('.');
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|l| l.len() >= 2 && l.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Parses a list, detecting its form.
pub fn parse_list(bytes: &[u8], file_name: Option<&str>) -> ParsedList {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| bytes[i]);
    if Format::detect(bytes, file_name) == Format::Xlsx {
        return match canhgac_sheets::read(bytes, Format::Xlsx) {
            Ok(t) => from_table(&t, ListFormat::Xlsx),
            Err(e) => failed(
                ListFormat::Xlsx,
                Problem::new(
                    0,
                    "",
                    format!("Không đọc được tệp XLSX: {e}"),
                    format!("Cannot read the XLSX file: {e}"),
                ),
            ),
        };
    }
    if matches!(first, Some(b'{') | Some(b'[')) {
        return match serde_json::from_slice::<Value>(bytes) {
            Ok(v) if v.get("type").and_then(Value::as_str) == Some("bundle") => from_stix(&v),
            Ok(v) => from_misp(&v),
            Err(e) => failed(
                ListFormat::Stix,
                Problem::new(
                    e.line(),
                    "",
                    format!("Không phải JSON hợp lệ: {e}"),
                    format!("Not valid JSON: {e}"),
                ),
            ),
        };
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        let line = 1 + bytes[..std::str::from_utf8(bytes)
            .map_err(|e| e.valid_up_to())
            .err()
            .unwrap_or(0)]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        return failed(
            ListFormat::Text,
            Problem::new(
                line,
                "",
                "Văn bản không ở mã UTF-8 (hãy lưu tệp dạng UTF-8)",
                "The text is not UTF-8 (save the file as UTF-8)",
            ),
        );
    };
    match csv_header(text) {
        Some((header_line, header)) => from_csv(text, header_line, &header),
        None => from_text(text),
    }
}

fn failed(format: ListFormat, p: Problem) -> ParsedList {
    ParsedList {
        format,
        entries: vec![],
        errors: vec![p],
        warnings: vec![],
    }
}

fn from_text(text: &str) -> ParsedList {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let row = i + 1;
        let line = raw.split(['#', ';']).next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let tokens: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
            .collect();
        let t0 = tokens[0];
        // DShield: "start end netblock …"; otherwise the first token, the rest is context.
        let nets = match (
            t0.parse::<IpAddr>(),
            tokens.get(1).and_then(|t| t.parse::<IpAddr>().ok()),
        ) {
            (Ok(a), Some(b)) => range(a, b),
            _ => parse_nets(t0),
        };
        let entry = |indicator| ListEntry {
            indicator,
            row,
            meta: None,
        };
        match nets {
            Some(nets) => entries.extend(nets.into_iter().map(|n| entry(Indicator::Net(n)))),
            None if is_domain(t0) => entries.push(entry(Indicator::Domain(
                t0.trim_end_matches('.').to_lowercase(),
            ))),
            None => errors.push(Problem::new(
                row,
                "",
                format!("'{t0}' không phải địa chỉ IP, dải CIDR, khoảng a-b hay tên miền"),
                format!("'{t0}' is not an IP address, CIDR network, a-b range or domain"),
            )),
        }
    }
    ParsedList {
        format: ListFormat::Text,
        entries,
        errors,
        warnings: vec![],
    }
}

const IP_COLUMNS: &[&str] = &[
    "ip",
    "ip_address",
    "ip address",
    "dia chi ip",
    "src_ip",
    "ipv4",
    "ipv6",
    "address",
    "dia chi",
    "indicator",
    "ioc",
    "value",
    "dst_ip",
];
const CONTEXT_COLUMNS: &[&str] = &["cc_ip", "dst_ip", "c2", "cc", "c2_ip", "may chu dieu khien"];
const MALWARE_COLUMNS: &[&str] = &[
    "ten ma doc",
    "malware",
    "infection",
    "family",
    "malware_family",
    "threat",
    "botnet",
    "loai ma doc",
    "ma doc",
];
const SEEN_COLUMNS: &[&str] = &[
    "thoi gian phat hien",
    "timestamp",
    "first_seen",
    "first_seen_utc",
    "date",
    "ngay phat hien",
    "thoi gian",
    "ngay",
];
const ORG_COLUMNS: &[&str] = &[
    "don vi",
    "ten don vi",
    "co quan",
    "organisation",
    "organization",
    "org",
];
const PORT_COLUMNS: &[&str] = &["port", "src_port", "cong"];
/// Columns of the forms above that carry nothing canhgac uses but are expected.
const KNOWN_COLUMNS: &[&str] = &[
    "stt",
    "so thu tu",
    "no",
    "ghi chu",
    "note",
    "notes",
    "asn",
    "geo",
    "region",
    "city",
    "hostname",
    "type",
    "url",
    "agent",
    "cc_port",
    "cc_asn",
    "cc_geo",
    "cc_dns",
    "count",
    "proxy",
    "application",
    "p0f_genre",
    "p0f_detail",
    "machine_name",
    "id",
    "naics",
    "sic",
    "cc_naics",
    "cc_sic",
    "sector",
    "cc_sector",
    "ssl_cipher",
    "tag",
    "public_source",
    "protocol",
    "src_asn",
    "src_geo",
    "src_region",
    "src_city",
    "src_hostname",
    "src_naics",
    "src_sector",
    "dst_port",
    "dst_asn",
    "dst_geo",
    "dst_region",
    "dst_city",
    "dst_hostname",
    "dst_naics",
    "dst_sector",
    "severity",
    "event_id",
    "c2_status",
    "last_online",
    "country",
    "quoc gia",
    "nha mang",
    "isp",
    "mo ta",
    "description",
    "source",
    "nguon",
];

fn clean_header(h: &str) -> String {
    fold(h.trim().trim_matches('"').trim())
}

/// The header of a CSV list: its line index and cells. A header may sit in the last comment
/// line before the data (abuse.ch).
fn csv_header(text: &str) -> Option<(usize, Vec<String>)> {
    let mut last_comment: Option<(usize, &str)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = t.strip_prefix('#') {
            last_comment = Some((i, c));
            continue;
        }
        let looks_header = |l: &str| {
            let delim = [',', ';', '\t']
                .into_iter()
                .max_by_key(|d| l.matches(*d).count())
                .unwrap_or(',');
            let cells: Vec<String> = l.split(delim).map(clean_header).collect();
            (cells.len() >= 2 && cells.iter().any(|c| IP_COLUMNS.contains(&c.as_str())))
                .then_some(cells)
        };
        if let Some(cells) = looks_header(t) {
            return Some((i, cells));
        }
        if let Some((ci, c)) = last_comment {
            if let Some(cells) = looks_header(c.trim()) {
                return Some((ci, cells));
            }
        }
        return None;
    }
    None
}

fn from_csv(text: &str, header_line: usize, _header: &[String]) -> ParsedList {
    // Blank out everything before the header and every comment line, keeping line numbers.
    let mut cleaned = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        if i == header_line {
            cleaned.push_str(line.trim_start().trim_start_matches('#'));
        } else if i > header_line && !line.trim_start().starts_with('#') {
            cleaned.push_str(line);
        }
        cleaned.push('\n');
    }
    match canhgac_sheets::read(cleaned.as_bytes(), Format::Csv) {
        Ok(t) => from_table(&t, ListFormat::Csv),
        Err(e) => failed(
            ListFormat::Csv,
            Problem::new(
                0,
                "",
                format!("Không đọc được tệp CSV: {e}"),
                format!("Cannot read the CSV file: {e}"),
            ),
        ),
    }
}

fn find_col(headers: &[String], names: &[&str], except: Option<usize>) -> Option<usize> {
    names.iter().find_map(|n| {
        headers
            .iter()
            .position(|h| h == n)
            .filter(|i| Some(*i) != except)
    })
}

fn from_table(t: &Table, base: ListFormat) -> ParsedList {
    let headers: Vec<String> = t.headers.iter().map(|h| clean_header(h)).collect();
    let has = |n: &str| headers.iter().any(|h| h == n);
    let format = if has("ip") && has("cc_ip") && has("infection") {
        ListFormat::ShadowserverDrone
    } else if has("src_ip") && has("dst_ip") && has("infection") {
        ListFormat::ShadowserverEvent
    } else {
        base
    };
    let Some(ip_col) = find_col(&headers, IP_COLUMNS, None) else {
        return failed(
            format,
            Problem::new(
                1,
                "",
                "Không tìm thấy cột địa chỉ IP (ví dụ \"Địa chỉ IP\", \"ip\", \"src_ip\")",
                "No IP address column (e.g. \"Địa chỉ IP\", \"ip\", \"src_ip\")",
            ),
        );
    };
    let ctx_col = find_col(&headers, CONTEXT_COLUMNS, Some(ip_col));
    let mal_cols: Vec<usize> = MALWARE_COLUMNS
        .iter()
        .filter_map(|n| headers.iter().position(|h| h == n))
        .collect();
    let seen_col = find_col(&headers, SEEN_COLUMNS, None);
    let org_col = find_col(&headers, ORG_COLUMNS, None);
    let port_col = find_col(&headers, PORT_COLUMNS, None);
    let mut warnings = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let used = i == ip_col
            || Some(i) == ctx_col
            || mal_cols.contains(&i)
            || Some(i) == seen_col
            || Some(i) == org_col
            || Some(i) == port_col;
        let known = [
            IP_COLUMNS,
            CONTEXT_COLUMNS,
            MALWARE_COLUMNS,
            SEEN_COLUMNS,
            ORG_COLUMNS,
            PORT_COLUMNS,
            KNOWN_COLUMNS,
        ]
        .iter()
        .any(|l| l.contains(&h.as_str()));
        if !used && !known && !h.is_empty() {
            warnings.push(Problem::new(
                1,
                &t.headers[i],
                "Cột không xác định, bỏ qua",
                "Unknown column, ignored",
            ));
        }
    }
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let cell = |cells: &[String], i: Option<usize>| {
        i.and_then(|i| cells.get(i))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    for (row, cells) in &t.rows {
        let Some(value) = cell(cells, Some(ip_col)) else {
            errors.push(Problem::new(
                *row,
                &t.headers[ip_col],
                "Thiếu địa chỉ IP",
                "The IP address is missing",
            ));
            continue;
        };
        let malware = mal_cols.iter().find_map(|c| cell(cells, Some(*c)));
        let meta = EntryMeta {
            malware,
            seen: cell(cells, seen_col),
            context: cell(cells, ctx_col),
            org_hint: cell(cells, org_col),
            port: cell(cells, port_col),
        };
        let mk = |indicator| ListEntry::new(indicator, *row, meta.clone());
        match parse_nets(&value) {
            Some(nets) => entries.extend(nets.into_iter().map(|n| mk(Indicator::Net(n)))),
            None if is_domain(&value) => entries.push(mk(Indicator::Domain(value.to_lowercase()))),
            None => errors.push(Problem::new(
                *row,
                &t.headers[ip_col],
                format!("'{value}' không phải địa chỉ IP, dải CIDR hay khoảng a-b"),
                format!("'{value}' is not an IP address, CIDR network or a-b range"),
            )),
        }
    }
    ParsedList {
        format,
        entries,
        errors,
        warnings,
    }
}

/// Every `<kind>:value = '<v>'` comparison in a STIX pattern.
fn stix_values(pattern: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for kind in ["ipv4-addr", "ipv6-addr", "domain-name"] {
        let needle = format!("{kind}:value");
        let mut rest = pattern;
        while let Some(i) = rest.find(&needle) {
            rest = &rest[i + needle.len()..];
            let after = rest.trim_start();
            let Some(after) = after.strip_prefix('=') else {
                continue;
            };
            let after = after.trim_start();
            let Some(after) = after.strip_prefix('\'') else {
                continue;
            };
            if let Some(end) = after.find('\'') {
                out.push((kind, after[..end].to_string()));
                rest = &after[end..];
            }
        }
    }
    out
}

fn from_stix(v: &Value) -> ParsedList {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let objects = v
        .get("objects")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, o) in objects.iter().enumerate() {
        let row = i + 1;
        let ty = o.get("type").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<(&str, String)> = match ty {
            "indicator" => {
                stix_values(o.get("pattern").and_then(Value::as_str).unwrap_or_default())
            }
            "ipv4-addr" | "ipv6-addr" | "domain-name" => {
                let k = if ty == "ipv4-addr" {
                    "ipv4-addr"
                } else if ty == "ipv6-addr" {
                    "ipv6-addr"
                } else {
                    "domain-name"
                };
                o.get("value")
                    .and_then(Value::as_str)
                    .map(|s| vec![(k, s.to_string())])
                    .unwrap_or_default()
            }
            _ => continue,
        };
        let name = o.get("name").and_then(Value::as_str).map(str::to_string);
        let seen = o
            .get("valid_from")
            .or_else(|| o.get("created"))
            .and_then(Value::as_str)
            .map(str::to_string);
        for (kind, value) in values {
            let mk = |indicator| {
                ListEntry::new(
                    indicator,
                    row,
                    EntryMeta {
                        malware: name.clone(),
                        seen: seen.clone(),
                        ..Default::default()
                    },
                )
            };
            if kind == "domain-name" {
                if is_domain(&value) {
                    entries.push(mk(Indicator::Domain(value.to_lowercase())));
                } else {
                    errors.push(Problem::new(
                        row,
                        "pattern",
                        format!("'{value}' không phải tên miền"),
                        format!("'{value}' is not a domain name"),
                    ));
                }
            } else {
                match parse_nets(&value) {
                    Some(nets) => entries.extend(nets.into_iter().map(|n| mk(Indicator::Net(n)))),
                    None => errors.push(Problem::new(
                        row,
                        "pattern",
                        format!("'{value}' không phải địa chỉ IP"),
                        format!("'{value}' is not an IP address"),
                    )),
                }
            }
        }
    }
    ParsedList {
        format: ListFormat::Stix,
        entries,
        errors,
        warnings: vec![],
    }
}

fn from_misp(v: &Value) -> ParsedList {
    let events: Vec<&Value> = if let Some(e) = v.get("Event") {
        vec![e]
    } else if let Some(r) = v.get("response").and_then(Value::as_array) {
        r.iter().filter_map(|x| x.get("Event")).collect()
    } else if let Some(a) = v.as_array() {
        a.iter().map(|x| x.get("Event").unwrap_or(x)).collect()
    } else {
        vec![]
    };
    if events.is_empty() {
        return failed(
            ListFormat::Misp,
            Problem::new(
                0,
                "",
                "JSON không phải gói STIX 2.1 hay sự kiện MISP",
                "The JSON is neither a STIX 2.1 bundle nor a MISP event",
            ),
        );
    }
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut row = 0;
    for e in events {
        let info = e.get("info").and_then(Value::as_str).map(str::to_string);
        let date = e.get("date").and_then(Value::as_str).map(str::to_string);
        let mut attrs: Vec<&Value> = e
            .get("Attribute")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for o in e
            .get("Object")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            attrs.extend(
                o.get("Attribute")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        }
        for a in attrs {
            row += 1;
            let ty = a.get("type").and_then(Value::as_str).unwrap_or_default();
            let value = a.get("value").and_then(Value::as_str).unwrap_or_default();
            let (ip, port, domain) = match ty {
                "ip-src" | "ip-dst" => (Some(value), None, None),
                "ip-src|port" | "ip-dst|port" => {
                    let (ip, port) = value.split_once('|').unwrap_or((value, ""));
                    (Some(ip), Some(port.to_string()), None)
                }
                "domain" | "hostname" => (None, None, Some(value)),
                "domain|ip" => {
                    let (d, ip) = value.split_once('|').unwrap_or((value, ""));
                    (Some(ip), None, Some(d))
                }
                _ => continue,
            };
            let malware = a
                .get("comment")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .or_else(|| info.clone());
            let mk = |indicator| {
                ListEntry::new(
                    indicator,
                    row,
                    EntryMeta {
                        malware: malware.clone(),
                        seen: date.clone(),
                        port: port.clone(),
                        ..Default::default()
                    },
                )
            };
            if let Some(ip) = ip {
                match parse_nets(ip) {
                    Some(nets) => entries.extend(nets.into_iter().map(|n| mk(Indicator::Net(n)))),
                    None => errors.push(Problem::new(
                        row,
                        ty,
                        format!("'{ip}' không phải địa chỉ IP"),
                        format!("'{ip}' is not an IP address"),
                    )),
                }
            }
            if let Some(d) = domain.filter(|d| is_domain(d)) {
                entries.push(mk(Indicator::Domain(d.to_lowercase())));
            }
        }
    }
    ParsedList {
        format: ListFormat::Misp,
        entries,
        errors,
        warnings: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(p: &ParsedList) -> Vec<String> {
        p.entries.iter().map(|e| e.indicator.normalised()).collect()
    }

    #[test]
    fn plain_text_with_comments_ranges_and_trailing_columns() {
        let p = parse_list(
            b"# Spamhaus DROP\n1.10.16.0/20 ; SBL256894\n\n203.0.113.7\t10\n198.51.100.0-198.51.100.127\n2001:DB8::/32\n61.177.172.0\t61.177.172.255\t24\tChinanet\nevil.example.\n",
            Some("drop.txt"),
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.format, ListFormat::Text);
        assert_eq!(
            shown(&p),
            vec![
                "1.10.16.0/20",
                "203.0.113.7",
                "198.51.100.0/25",
                "2001:db8::/32",
                "61.177.172.0/24",
                "evil.example"
            ]
        );
        assert_eq!(p.entries[1].row, 4);
    }

    #[test]
    fn bad_lines_are_named() {
        let p = parse_list(b"1.2.3.4\n1.2.3.999\nnot an ip\n", None);
        assert_eq!(
            p.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert!(p.errors[0].message.contains("1.2.3.999"));
    }

    #[test]
    fn vietnamese_headers() {
        let csv = "STT,Địa chỉ IP,Tên mã độc,Thời gian phát hiện,Đơn vị,Cột lạ\n1,203.0.113.7,Mirai,27/04/2026 08:00,Sở Y tế,x\n2,198.51.100.300,Emotet,,,\n";
        let p = parse_list(csv.as_bytes(), Some("botnet-thang-4.csv"));
        assert_eq!(p.format, ListFormat::Csv);
        assert_eq!(shown(&p), vec!["203.0.113.7"]);
        let e = &p.entries[0];
        assert_eq!(
            (e.malware(), e.seen(), e.org_hint(), e.row),
            (Some("Mirai"), Some("27/04/2026 08:00"), Some("Sở Y tế"), 2)
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(
            (p.errors[0].row, p.errors[0].column.as_str()),
            (3, "Địa chỉ IP")
        );
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].column, "Cột lạ");
    }

    #[test]
    fn shadowserver_event_lists_the_source() {
        let csv = "\"timestamp\",\"src_ip\",\"src_port\",\"dst_ip\",\"dst_port\",\"infection\",\"family\"\n\"2024-04-27 01:02:03\",\"203.0.113.9\",4444,\"198.51.100.1\",80,\"sinkhole\",\"andromeda\"\n";
        let p = parse_list(csv.as_bytes(), None);
        assert_eq!(p.format, ListFormat::ShadowserverEvent);
        assert_eq!(shown(&p), vec!["203.0.113.9"]);
        assert_eq!(p.entries[0].context(), Some("198.51.100.1"));
        assert_eq!(p.entries[0].malware(), Some("sinkhole"));
    }

    #[test]
    fn header_in_a_comment() {
        let csv = "####\n# abuse.ch\n#\n# \"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n\"2021-01-17 07:44:46\",\"51.75.68.192\",\"447\",\"online\",\"2024-04-04\",\"QakBot\"\n# \"Number of entries\": 1\n";
        let p = parse_list(csv.as_bytes(), None);
        assert!(
            p.errors.is_empty() && p.warnings.is_empty(),
            "{:?} {:?}",
            p.errors,
            p.warnings
        );
        assert_eq!(shown(&p), vec!["51.75.68.192"]);
        assert_eq!(p.entries[0].row, 5);
        assert_eq!(p.entries[0].malware(), Some("QakBot"));
    }

    #[test]
    fn stix_bundle() {
        let json = r#"{"type":"bundle","id":"bundle--1","objects":[
            {"type":"indicator","name":"Mirai C2","pattern":"[ipv4-addr:value = '203.0.113.7'] OR [ipv6-addr:value = '2001:db8::7'] OR [domain-name:value = 'c2.example']","valid_from":"2026-04-01T00:00:00Z"},
            {"type":"malware","name":"x"},
            {"type":"indicator","pattern":"[ipv4-addr:value = '1.2.3.999']"}]}"#;
        let p = parse_list(json.as_bytes(), None);
        assert_eq!(p.format, ListFormat::Stix);
        assert_eq!(shown(&p), vec!["203.0.113.7", "2001:db8::7", "c2.example"]);
        assert_eq!(p.entries[0].malware(), Some("Mirai C2"));
        assert_eq!(p.errors[0].row, 3);
    }

    #[test]
    fn misp_event() {
        let json = r#"{"Event":{"info":"Botnet tháng 4","date":"2026-04-20","Attribute":[
            {"type":"ip-dst","value":"203.0.113.7"},{"type":"ip-src|port","value":"198.51.100.4|8080"},
            {"type":"domain","value":"c2.example"},{"type":"md5","value":"abc"}],
            "Object":[{"Attribute":[{"type":"domain|ip","value":"x.example|192.0.2.1"}]}]}}"#;
        let p = parse_list(json.as_bytes(), None);
        assert_eq!(p.format, ListFormat::Misp);
        assert_eq!(
            shown(&p),
            vec![
                "203.0.113.7",
                "198.51.100.4",
                "c2.example",
                "192.0.2.1",
                "x.example"
            ]
        );
        assert_eq!(p.entries[1].port(), Some("8080"));
        assert_eq!(p.entries[0].malware(), Some("Botnet tháng 4"));
    }

    #[test]
    fn broken_json_is_named() {
        let p = parse_list(b"{\"type\": \"bundle\",\n \"objects\": [", None);
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].row, 2);
    }

    #[test]
    fn xlsx_list() {
        let rows = vec![
            vec!["203.0.113.7".to_string(), "Mirai".to_string()],
            vec!["2001:db8::/48".to_string(), "Gafgyt".to_string()],
        ];
        let bytes = canhgac_sheets::write_xlsx("Botnet", &["Địa chỉ IP", "Tên mã độc"], &rows)
            .expect("xlsx");
        let p = parse_list(&bytes, Some("ds.xlsx"));
        assert_eq!(p.format, ListFormat::Xlsx);
        assert_eq!(shown(&p), vec!["203.0.113.7", "2001:db8::/48"]);
        assert_eq!(p.entries[1].malware(), Some("Gafgyt"));
    }
}
