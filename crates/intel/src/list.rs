//! Parsing Botnet IP and IOC lists in the forms they really arrive in, detected from their
//! content: the DIC's XLSX/CSV with Vietnamese or English headers; Shadowserver drone and
//! event reports (the infected address is the listed one, the C2 or sinkhole is context);
//! abuse.ch CSV (header in a comment, older and newer); plain text, FireHOL ipset and
//! netset files, Emerging Threats, CINS Army and blocklist.de lists (one IP, CIDR or `a-b`
//! range a line, `#`/`;` comments, trailing columns as in Spamhaus DROP's `cidr ; SBL…` and
//! IPsum's `ip count`); delimited rows whose address column is found by its content, under a
//! header row that is not an entry (DShield `block.txt`'s `Start End Netblock …`, a range),
//! or AlienVault's `ip#reliability#risk#activity#…`; Spamhaus DROP/EDROP JSON lines; STIX
//! 2.1 bundles; MISP events.
//!
//! Every entry keeps its row; every problem is reported with its row and column (or field
//! number, where the list has no header), not just the first one.

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
    /// One entry a line, or rows split by tabs or another delimiter (DShield, AlienVault).
    Text,
    /// CSV with a header row, or comma-separated rows whose address column is found by
    /// content.
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
    /// JSON lines, one object an entry (Spamhaus DROP since 2024).
    JsonLines,
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
    if first == Some(b'{') {
        if let Some(p) = std::str::from_utf8(bytes).ok().and_then(from_json_lines) {
            return p;
        }
    }
    if matches!(first, Some(b'{') | Some(b'[')) {
        return match serde_json::from_slice::<Value>(bytes) {
            Ok(v) if v.get("type").and_then(Value::as_str) == Some("bundle") => from_stix(&v),
            Ok(v) => from_misp(&v),
            Err(e) => failed(
                ListFormat::Stix,
                Problem::new(
                    e.line(),
                    &e.column().to_string(),
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
        None => from_lines(text),
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

/// How many data rows are read to choose a text list's delimiter and its address column.
const SAMPLE_ROWS: usize = 1000;
/// How many columns are searched for addresses.
const MAX_COLUMNS: usize = 64;

/// How a line of a text list splits into cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Split {
    /// Whitespace and commas, after cutting a `#` or `;` comment (one entry a line,
    /// IPsum's `ip count`, Spamhaus DROP's `cidr ; SBL…`).
    Words,
    /// One delimiter, double quotes respected: DShield's tabs, a CSV whose header is not
    /// recognised, AlienVault's `#`.
    Delim(char),
}

/// A blank line or a `#`/`;` comment line.
fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#') || t.starts_with(';')
}

/// The delimiter most data lines hold (tab first, then `#`, `,`, `;`, `|`), if more than
/// half of them hold it; otherwise words.
fn sniff_split(sample: &[&str]) -> Split {
    let mut best = (0, Split::Words);
    for d in ['\t', '#', ',', ';', '|'] {
        let n = sample.iter().filter(|l| l.contains(d)).count();
        if n > best.0 {
            best = (n, Split::Delim(d));
        }
    }
    if best.0 * 2 > sample.len() {
        best.1
    } else {
        Split::Words
    }
}

/// The cells of a line, untrimmed (a quoted delimiter stays in its cell).
fn split_cells(line: &str, split: Split) -> Vec<&str> {
    match split {
        Split::Words => line
            .split(['#', ';'])
            .next()
            .unwrap_or("")
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
            .collect(),
        Split::Delim(d) => {
            let mut cells = Vec::new();
            let mut start = 0;
            let mut quoted = false;
            for (i, c) in line.char_indices() {
                if c == '"' {
                    quoted = !quoted;
                } else if c == d && !quoted {
                    cells.push(&line[start..i]);
                    start = i + c.len_utf8();
                }
            }
            cells.push(&line[start..]);
            cells
        }
    }
}

/// A cell without surrounding blanks and quotes.
fn clean_cell(s: &str) -> &str {
    s.trim().trim_matches('"').trim()
}

/// The first word of a text list's cell: `1.2.3.4` of `1.2.3.4 # note`.
fn address_token(cell: &str) -> &str {
    cell.split(|c: char| c.is_whitespace() || c == '#' || c == ';')
        .next()
        .unwrap_or(cell)
}

/// The networks a cell names; in a text list (`words`) its first word is enough.
fn cell_nets(cell: &str, words: bool) -> Option<Vec<IpNet>> {
    parse_nets(cell).or_else(|| words.then(|| parse_nets(address_token(cell))).flatten())
}

/// A single address (the start or end of a range).
fn cell_addr(cell: &str, words: bool) -> Option<IpAddr> {
    cell.parse()
        .ok()
        .or_else(|| words.then(|| address_token(cell).parse().ok()).flatten())
}

/// The column where most rows hold their first address (the leftmost of equals: a list
/// names its entry before any context), or failing that their first domain name.
fn address_column<'a, S: AsRef<str> + 'a>(
    rows: impl Iterator<Item = &'a [S]>,
    words: bool,
) -> Option<usize> {
    let mut nets = [0usize; MAX_COLUMNS];
    let mut domains = [0usize; MAX_COLUMNS];
    for cells in rows {
        let cells: Vec<&str> = cells
            .iter()
            .take(MAX_COLUMNS)
            .map(|c| clean_cell(c.as_ref()))
            .collect();
        if let Some(i) = cells.iter().position(|c| cell_nets(c, words).is_some()) {
            nets[i] += 1;
        } else if let Some(i) = cells
            .iter()
            .position(|c| is_domain(if words { address_token(c) } else { c }))
        {
            domains[i] += 1;
        }
    }
    let best = |counts: &[usize; MAX_COLUMNS]| {
        let max = counts.iter().copied().max().unwrap_or(0);
        (max > 0)
            .then(|| counts.iter().position(|&n| n == max))
            .flatten()
    };
    best(&nets).or_else(|| best(&domains))
}

/// The most common number of cells a row has.
fn typical_width(rows: &[Vec<&str>]) -> usize {
    let mut counts = std::collections::BTreeMap::new();
    for r in rows {
        *counts.entry(r.len()).or_insert(0usize) += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(w, _)| w)
        .unwrap_or(0)
}

/// The column names of a header row: one with no address anywhere, a label where the
/// addresses are, and as many cells as the data rows, or a known name alone (`IP`,
/// `Địa chỉ IP`) above a single column.
fn header_names(cells: &[&str], ip_col: usize, width: usize) -> Option<Vec<String>> {
    let label = cells.get(ip_col).map(|c| clean_cell(c)).unwrap_or("");
    if !label.chars().any(char::is_alphabetic)
        || is_domain(label)
        || cells
            .iter()
            .any(|c| cell_nets(clean_cell(c), true).is_some())
    {
        return None;
    }
    let known = |s: &str| IP_COLUMNS.contains(&clean_header(s).as_str());
    if (cells.len() >= 2 && cells.len() == width) || (width <= 1 && known(label)) {
        Some(cells.iter().map(|c| clean_cell(c).to_string()).collect())
    } else if width <= 1 && known(&cells.join(" ")) {
        Some(vec![cells.join(" ")])
    } else {
        None
    }
}

/// AlienVault's `reputation.generic`: `ip#reliability#risk#activity#…`, both numbers.
fn is_alienvault(rows: &[Vec<&str>]) -> bool {
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let n = rows
        .iter()
        .filter(|r| r.len() >= 7 && number(r[1].trim()) && number(r[2].trim()))
        .count();
    n * 2 > rows.len()
}

/// The last comment line above the first data line, without its `#` or `;`.
fn comment_above(text: &str, first_data: usize) -> Option<&str> {
    text.lines()
        .take(first_data)
        .filter(|l| !l.trim().is_empty())
        .last()
        .map(|l| l.trim().trim_start_matches(['#', ';']).trim())
        .filter(|c| !c.is_empty())
}

/// A text list without a recognised header: one entry a line, or delimited rows whose
/// address column is found by its content. A header row (DShield's `Start End …`), a
/// header in the comment above the data (abuse.ch's older `# Firstseen,DstIP,…`) or
/// AlienVault's known fields name the columns; a header is not an entry nor a problem.
fn from_lines(text: &str) -> ParsedList {
    let data = || text.lines().enumerate().filter(|(_, l)| !is_comment(l));
    let sample: Vec<&str> = data().take(SAMPLE_ROWS).map(|(_, l)| l).collect();
    let split = sniff_split(&sample);
    let rows: Vec<Vec<&str>> = sample.iter().map(|l| split_cells(l, split)).collect();
    let guess = address_column(rows.iter().map(Vec::as_slice), true).unwrap_or(0);
    let width = typical_width(rows.get(1..).filter(|r| !r.is_empty()).unwrap_or(&rows));
    let first_data = data().next().map(|(i, _)| i);
    let mut header_line = None;
    let mut from_file = false;
    let names = if let Some(names) = rows.first().and_then(|r| header_names(r, guess, width)) {
        header_line = first_data;
        from_file = true;
        names
    } else if let Some(names) = first_data
        .and_then(|i| comment_above(text, i))
        .and_then(|c| header_names(&split_cells(c, split), guess, width))
    {
        names
    } else if split == Split::Delim('#') && is_alienvault(&rows) {
        ALIENVAULT_COLUMNS.iter().map(|s| s.to_string()).collect()
    } else {
        vec![]
    };
    let folded: Vec<String> = names.iter().map(|n| clean_header(n)).collect();
    let layout = match find_col(&folded, IP_COLUMNS, None) {
        Some(i) => Layout::new(names, &folded, i, false, true),
        None => Layout::new(names, &folded, guess, true, true),
    };
    let warnings = if from_file {
        layout.unknown_columns(&folded, header_line.map_or(1, |i| i + 1))
    } else {
        vec![]
    };
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in data() {
        if Some(i) == header_line {
            continue;
        }
        let cells = split_cells(line, split);
        if cells.iter().all(|c| clean_cell(c).is_empty()) {
            continue;
        }
        layout.row(i + 1, &cells, &mut entries, &mut errors);
    }
    ParsedList {
        format: if split == Split::Delim(',') {
            ListFormat::Csv
        } else {
            ListFormat::Text
        },
        entries,
        errors,
        warnings,
    }
}

/// Spamhaus DROP/EDROP as published since 2024 (`drop_v4.json`, `drop_v6.json`) and other
/// JSON-lines lists: one object a line with its address in `cidr`, `ip`, …; a
/// `{"type":"metadata",…}` line is not an entry. `None` when the first line is not such an
/// object.
fn from_json_lines(text: &str) -> Option<ParsedList> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    match serde_json::from_str::<Value>(first) {
        Ok(Value::Object(o)) if json_field(&o, IP_COLUMNS, None).is_some() => {}
        _ => return None,
    }
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let row = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let o = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                errors.push(Problem::new(
                    row,
                    "",
                    "Dòng không phải đối tượng JSON",
                    "The line is not a JSON object",
                ));
                continue;
            }
            Err(e) => {
                errors.push(Problem::new(
                    row,
                    &e.column().to_string(),
                    format!("Không phải JSON hợp lệ: {e}"),
                    format!("Not valid JSON: {e}"),
                ));
                continue;
            }
        };
        if o.get("type").and_then(Value::as_str) == Some("metadata") {
            continue;
        }
        let Some((key, value)) = json_field(&o, IP_COLUMNS, None) else {
            errors.push(Problem::new(
                row,
                "cidr",
                "Thiếu địa chỉ IP (cidr, ip…)",
                "The IP address (cidr, ip, …) is missing",
            ));
            continue;
        };
        let text_of =
            |names: &[&str], except: Option<&str>| json_field(&o, names, except).map(|(_, v)| v);
        let meta = EntryMeta {
            malware: text_of(MALWARE_COLUMNS, None),
            seen: text_of(SEEN_COLUMNS, None),
            context: text_of(CONTEXT_COLUMNS, Some(&key)),
            org_hint: text_of(ORG_COLUMNS, None),
            port: text_of(PORT_COLUMNS, None),
        };
        let mk = |indicator| ListEntry::new(indicator, row, meta.clone());
        match parse_nets(&value) {
            Some(nets) => entries.extend(nets.into_iter().map(|n| mk(Indicator::Net(n)))),
            None if is_domain(&value) => entries.push(mk(Indicator::Domain(
                value.trim_end_matches('.').to_lowercase(),
            ))),
            None => errors.push(not_an_address(row, &key, &value)),
        }
    }
    Some(ParsedList {
        format: ListFormat::JsonLines,
        entries,
        errors,
        warnings: vec![],
    })
}

/// The first of `names` that is a key of `o` (compared folded), other than `except`, with a
/// text or number value: the key as written and the value.
fn json_field(
    o: &serde_json::Map<String, Value>,
    names: &[&str],
    except: Option<&str>,
) -> Option<(String, String)> {
    names.iter().find_map(|n| {
        o.iter()
            .filter(|(k, _)| Some(k.as_str()) != except && clean_header(k) == *n)
            .find_map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.trim().to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                (!v.is_empty()).then(|| (k.clone(), v))
            })
    })
}

fn not_an_address(row: usize, column: &str, value: &str) -> Problem {
    Problem::new(
        row,
        column,
        format!("'{value}' không phải địa chỉ IP, dải CIDR, khoảng a-b hay tên miền"),
        format!("'{value}' is not an IP address, CIDR network, a-b range or domain name"),
    )
}

const IP_COLUMNS: &[&str] = &[
    "ip",
    "cidr",
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
    "activity",
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
    "firstseen",
];
const ORG_COLUMNS: &[&str] = &[
    "don vi",
    "ten don vi",
    "co quan",
    "organisation",
    "organization",
    "org",
];
const PORT_COLUMNS: &[&str] = &["port", "src_port", "cong", "dstport"];
/// The end of a range whose start is the address column (DShield's `End`).
const RANGE_END_COLUMNS: &[&str] = &["end", "end ip", "end_ip", "to", "den", "ip cuoi"];
/// The fields of AlienVault's `reputation.generic`, which has no header.
const ALIENVAULT_COLUMNS: &[&str] = &[
    "ip",
    "reliability",
    "risk",
    "activity",
    "country",
    "city",
    "location",
    "activity id",
];
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
    // DShield block.txt
    "start",
    "netblock",
    "attacks",
    "name",
    "email",
    // abuse.ch's older CSV
    "lastonline",
    // AlienVault reputation
    "reliability",
    "risk",
    "location",
    "activity id",
    // Spamhaus DROP
    "sblid",
    "rir",
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

/// Which column of a table or delimited list holds what.
struct Layout {
    /// Column names as in the file; a column without one is named by its number from 1.
    names: Vec<String>,
    /// The address column.
    ip_col: usize,
    /// A text list whose addresses were found by content in the first column: an address
    /// in the next column too makes a range (DShield's `Start End`).
    ranges: bool,
    /// A text list: a cell's first word is enough (`1.2.3.4 # note`).
    words: bool,
    ctx_col: Option<usize>,
    mal_cols: Vec<usize>,
    seen_col: Option<usize>,
    org_col: Option<usize>,
    port_col: Option<usize>,
}

impl Layout {
    fn new(
        names: Vec<String>,
        folded: &[String],
        ip_col: usize,
        by_content: bool,
        words: bool,
    ) -> Layout {
        let ranges = words
            && by_content
            && ip_col == 0
            && folded
                .get(1)
                .is_none_or(|n| RANGE_END_COLUMNS.contains(&n.as_str()));
        Layout {
            names,
            ip_col,
            ranges,
            words,
            ctx_col: find_col(folded, CONTEXT_COLUMNS, Some(ip_col)),
            mal_cols: MALWARE_COLUMNS
                .iter()
                .filter_map(|n| folded.iter().position(|h| h == n))
                .collect(),
            seen_col: find_col(folded, SEEN_COLUMNS, None),
            org_col: find_col(folded, ORG_COLUMNS, None),
            port_col: find_col(folded, PORT_COLUMNS, None),
        }
    }

    /// A column's name as in the file, or its number from 1.
    fn name(&self, i: usize) -> String {
        self.names
            .get(i)
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| (i + 1).to_string())
    }

    /// A warning for every column neither used nor expected, on the header's row.
    fn unknown_columns(&self, folded: &[String], row: usize) -> Vec<Problem> {
        let mut warnings = Vec::new();
        for (i, h) in folded.iter().enumerate() {
            let used = i == self.ip_col
                || (self.ranges && i == self.ip_col + 1)
                || Some(i) == self.ctx_col
                || self.mal_cols.contains(&i)
                || Some(i) == self.seen_col
                || Some(i) == self.org_col
                || Some(i) == self.port_col;
            let known = [
                IP_COLUMNS,
                CONTEXT_COLUMNS,
                MALWARE_COLUMNS,
                SEEN_COLUMNS,
                ORG_COLUMNS,
                PORT_COLUMNS,
                RANGE_END_COLUMNS,
                KNOWN_COLUMNS,
            ]
            .iter()
            .any(|l| l.contains(&h.as_str()));
            if !used && !known && !h.is_empty() {
                warnings.push(Problem::new(
                    row,
                    &self.name(i),
                    "Cột không xác định, bỏ qua",
                    "Unknown column, ignored",
                ));
            }
        }
        warnings
    }

    /// The entries of one row, or its problem.
    fn row<S: AsRef<str>>(
        &self,
        row: usize,
        cells: &[S],
        entries: &mut Vec<ListEntry>,
        errors: &mut Vec<Problem>,
    ) {
        let cell = |i: Option<usize>| {
            i.and_then(|i| cells.get(i))
                .map(|s| clean_cell(s.as_ref()))
                .filter(|s| !s.is_empty())
        };
        let Some(value) = cell(Some(self.ip_col)) else {
            errors.push(Problem::new(
                row,
                &self.name(self.ip_col),
                "Thiếu địa chỉ IP",
                "The IP address is missing",
            ));
            return;
        };
        let owned = |i: Option<usize>| cell(i).map(str::to_string);
        let meta = EntryMeta {
            malware: self.mal_cols.iter().find_map(|c| owned(Some(*c))),
            seen: owned(self.seen_col),
            context: owned(self.ctx_col),
            org_hint: owned(self.org_col),
            port: owned(self.port_col),
        };
        let mk = |indicator| ListEntry::new(indicator, row, meta.clone());
        let span = self
            .ranges
            .then(|| cell(Some(self.ip_col + 1)))
            .flatten()
            .and_then(|end| Some((cell_addr(value, true)?, cell_addr(end, true)?)));
        let nets = match span {
            Some((a, b)) => match range(a, b) {
                Some(nets) => Some(nets),
                None => {
                    errors.push(Problem::new(
                        row,
                        &self.name(self.ip_col),
                        format!("Khoảng '{a}' – '{b}' không hợp lệ (cuối trước đầu)"),
                        format!("'{a}' to '{b}' is not a range (the end is before the start)"),
                    ));
                    return;
                }
            },
            None => cell_nets(value, self.words),
        };
        let domain = if self.words {
            address_token(value)
        } else {
            value
        };
        match nets {
            Some(nets) => entries.extend(nets.into_iter().map(|n| mk(Indicator::Net(n)))),
            None if is_domain(domain) => entries.push(mk(Indicator::Domain(
                domain.trim_end_matches('.').to_lowercase(),
            ))),
            None => errors.push(not_an_address(row, &self.name(self.ip_col), value)),
        }
    }
}

fn from_table(t: &Table, base: ListFormat) -> ParsedList {
    let folded: Vec<String> = t.headers.iter().map(|h| clean_header(h)).collect();
    let has = |n: &str| folded.iter().any(|h| h == n);
    let format = if has("ip") && has("cc_ip") && has("infection") {
        ListFormat::ShadowserverDrone
    } else if has("src_ip") && has("dst_ip") && has("infection") {
        ListFormat::ShadowserverEvent
    } else {
        base
    };
    // By name; failing that, the column most rows fill with addresses.
    let (ip_col, by_content) = match find_col(&folded, IP_COLUMNS, None) {
        Some(i) => (i, false),
        None => match address_column(
            t.rows.iter().take(SAMPLE_ROWS).map(|(_, c)| c.as_slice()),
            false,
        ) {
            Some(i) => (i, true),
            None => {
                return failed(
                    format,
                    Problem::new(
                        1,
                        "",
                        "Không tìm thấy cột địa chỉ IP (ví dụ \"Địa chỉ IP\", \"ip\", \"src_ip\")",
                        "No IP address column (e.g. \"Địa chỉ IP\", \"ip\", \"src_ip\")",
                    ),
                );
            }
        },
    };
    // A sheet whose first row is already an entry has no header.
    let headerless = by_content
        && t.headers
            .get(ip_col)
            .is_some_and(|h| cell_nets(clean_cell(h), false).is_some());
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let warnings;
    let layout;
    if headerless {
        layout = Layout::new(vec![], &[], ip_col, true, false);
        warnings = vec![];
        layout.row(1, &t.headers, &mut entries, &mut errors);
    } else {
        layout = Layout::new(t.headers.clone(), &folded, ip_col, by_content, false);
        warnings = layout.unknown_columns(&folded, 1);
    }
    for (row, cells) in &t.rows {
        layout.row(*row, cells, &mut entries, &mut errors);
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

    #[test]
    fn dshield_header_row_and_ranges() {
        let txt = "#\n#   DShield.org Recommended Block List\n#    Columns (tab delimited):\n#\nStart\tEnd\tNetblock\tAttacks\tName\tCountry\temail\n80.82.77.0\t80.82.77.255\t24\t12345\tExample Net\tNL\tabuse@example.net\n203.0.113.0\t203.0.113.255\t24\t6286\tCHINANET-BACKBONE No.31,Jin-rong Street\tCN\tabuse@example.cn\n198.51.100.0\t198.51.100.255\t24\t585\t\t\t\n# END\n";
        let p = parse_list(txt.as_bytes(), Some("block.txt"));
        assert!(
            p.errors.is_empty() && p.warnings.is_empty(),
            "{:?} {:?}",
            p.errors,
            p.warnings
        );
        assert_eq!(p.format, ListFormat::Text);
        assert_eq!(
            shown(&p),
            vec!["80.82.77.0/24", "203.0.113.0/24", "198.51.100.0/24"]
        );
        assert_eq!(p.entries[0].row, 6);
        // A bad row under the header is named by line and column.
        let p = parse_list(
            b"Start\tEnd\tNetblock\n80.82.77.0\t80.82.77.255\t24\n80.82.78.0\t80.82.77.255\t24\n80.82.79.x\t80.82.79.255\t24\n",
            None,
        );
        assert_eq!(shown(&p), vec!["80.82.77.0/24"]);
        let named: Vec<(usize, &str)> = p
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(named, vec![(3, "Start"), (4, "Start")]);
        assert!(p.errors[0].message.contains("not a range"));
        assert!(p.errors[1].message.contains("80.82.79.x"));
    }

    #[test]
    fn older_abuse_ch_csv_with_its_header_in_a_comment() {
        let csv = "################################################################\n# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #\n################################################################\n#\n# Firstseen,DstIP,DstPort,Malware\n2021-01-17 07:30:05,1.2.3.4,443,Dridex\n2021-01-17 07:44:46,5.6.7.8,8080,Heodo\n# END (2) entries\n";
        let p = parse_list(csv.as_bytes(), Some("ipblocklist.csv"));
        assert!(
            p.errors.is_empty() && p.warnings.is_empty(),
            "{:?} {:?}",
            p.errors,
            p.warnings
        );
        assert_eq!(p.format, ListFormat::Csv);
        assert_eq!(shown(&p), vec!["1.2.3.4", "5.6.7.8"]);
        let e = &p.entries[0];
        assert_eq!(
            (e.seen(), e.port(), e.malware(), e.row),
            (Some("2021-01-17 07:30:05"), Some("443"), Some("Dridex"), 6)
        );
    }

    #[test]
    fn unknown_headers_the_address_column_is_found_by_content() {
        // An unknown header: the column most rows fill with addresses, the header is no
        // problem, bad rows are named by the header's name.
        let csv = "Thời điểm,Máy,Mã độc\n2026-04-01 08:00,203.0.113.7,Mirai\n2026-04-01 09:00,198.51.100.300,Mirai\n2026-04-02 10:00,2001:db8::9,Gafgyt\n";
        let p = parse_list(csv.as_bytes(), Some("ds.csv"));
        assert_eq!(shown(&p), vec!["203.0.113.7", "2001:db8::9"]);
        assert_eq!(p.entries[0].malware(), Some("Mirai"));
        assert_eq!(
            p.errors
                .iter()
                .map(|e| (e.row, e.column.as_str()))
                .collect::<Vec<_>>(),
            vec![(3, "Máy")]
        );
        assert_eq!(
            p.warnings
                .iter()
                .map(|w| w.column.as_str())
                .collect::<Vec<_>>(),
            vec!["Thời điểm"]
        );
        // No header at all: fields are named by their number.
        let p = parse_list(
            b"2021-01-17 07:30:05,1.2.3.4,443,Dridex\n2021-01-17 07:30:06,1.2.3.5,443,Dridex\n2021-01-17 07:30:07,1.2.3,443,Dridex\n",
            None,
        );
        assert_eq!(shown(&p), vec!["1.2.3.4", "1.2.3.5"]);
        assert_eq!(
            (p.errors[0].row, p.errors[0].column.as_str()),
            (3, "2"),
            "{:?}",
            p.errors
        );
        // Two addresses under names that are not a range stay a single entry.
        let p = parse_list(b"src\tdst\n203.0.113.7\t198.51.100.1\n", None);
        assert_eq!(shown(&p), vec!["203.0.113.7"]);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
    }

    #[test]
    fn a_header_is_not_a_problem_but_a_bad_first_line_is() {
        let p = parse_list("Địa chỉ IP\n203.0.113.7\n198.51.100.8\n".as_bytes(), None);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(shown(&p), vec!["203.0.113.7", "198.51.100.8"]);
        let p = parse_list(b"khong-phai-ip\n203.0.113.7\n", None);
        assert_eq!(p.errors.len(), 1);
        assert_eq!((p.errors[0].row, p.errors[0].column.as_str()), (1, "1"));
        let p = parse_list(b"not an ip\n203.0.113.7\n", None);
        assert_eq!(p.errors.len(), 1);
    }

    #[test]
    fn one_address_a_line_lists() {
        // Emerging Threats compromised-ips.txt, CINS Army ci-badguys.txt: bare IPv4 lines.
        let p = parse_list(
            b"198.51.100.170\n203.0.113.120\n192.0.2.162\n",
            Some("compromised-ips.txt"),
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.format, ListFormat::Text);
        assert_eq!(shown(&p).len(), 3);
        // blocklist.de all.txt: IPv4 and IPv6 mixed.
        let p = parse_list(
            b"192.0.2.4\n2001:db8:1:2::3\n198.51.100.80\n2001:db8:a0b:12f0::1\n",
            Some("all.txt"),
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            shown(&p),
            vec![
                "192.0.2.4",
                "2001:db8:1:2::3",
                "198.51.100.80",
                "2001:db8:a0b:12f0::1"
            ]
        );
        // A FireHOL netset: a commented header, then networks and single addresses.
        let netset = "#\n# spamhaus_drop\n#\n# ipv4 hash:net ipset\n#\n# Maintainer      : The Spamhaus Project\n# Entries         : 3 subnets, 4353 unique IPs\n#\n198.51.100.0/24\n203.0.113.0/20\n192.0.2.1\n";
        let p = parse_list(netset.as_bytes(), Some("spamhaus_drop.netset"));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            shown(&p),
            vec!["198.51.100.0/24", "203.0.112.0/20", "192.0.2.1"]
        );
        assert_eq!(p.entries[0].row, 9);
    }

    #[test]
    fn spamhaus_drop_json_lines() {
        let json = "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n{\"cidr\":\"2a06:e480::/29\",\"sblid\":\"SBL301771\",\"rir\":\"ripencc\"}\n{\"type\":\"metadata\",\"timestamp\":1714000000,\"size\":2,\"records\":2,\"copyright\":\"(c) 2024 The Spamhaus Project SLU\",\"terms\":\"https://www.spamhaus.org/drop/terms/\"}\n";
        let p = parse_list(json.as_bytes(), Some("drop_v4.json"));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.format, ListFormat::JsonLines);
        assert_eq!(shown(&p), vec!["1.10.16.0/20", "2a06:e480::/29"]);
        assert_eq!(p.entries[1].row, 2);
        // EDROP has the same form; bad lines are named by line and field.
        let p = parse_list(
            b"{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\"}\n{\"cidr\":\"1.10.16.0/33\",\"sblid\":\"SBL1\"}\n{\"sblid\":\"SBL2\"}\n{\"cidr\":\"1.2.3.0/24\",\n",
            Some("edrop.json"),
        );
        assert_eq!(shown(&p), vec!["1.10.16.0/20"]);
        let named: Vec<(usize, &str)> = p
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(named, vec![(2, "cidr"), (3, "cidr"), (4, "21")]);
    }

    #[test]
    fn alienvault_reputation() {
        let txt = "198.51.100.1#4#2#Malicious Host#US##0.0,0.0#3\n203.0.113.4#3#2#Scanning Host#GB#London#51.5,-0.1#11\n192.0.2.9#6#3#Malicious Host;Scanning Host#CN#Beijing#39.9,116.3#11\n";
        let p = parse_list(txt.as_bytes(), Some("reputation.generic"));
        assert!(
            p.errors.is_empty() && p.warnings.is_empty(),
            "{:?} {:?}",
            p.errors,
            p.warnings
        );
        assert_eq!(shown(&p), vec!["198.51.100.1", "203.0.113.4", "192.0.2.9"]);
        assert_eq!(p.entries[1].malware(), Some("Scanning Host"));
        let p = parse_list(b"198.51.100.1#4#2#Malicious Host#US##0.0,0.0#3\n1.2.3.999#3#2#Scanning Host#GB#London#51.5,-0.1#11\n", None);
        assert_eq!((p.errors[0].row, p.errors[0].column.as_str()), (2, "ip"));
    }

    #[test]
    fn xlsx_without_a_known_header() {
        let rows = vec![
            vec!["Mirai".to_string(), "203.0.113.7".to_string()],
            vec!["Gafgyt".to_string(), "198.51.100.9".to_string()],
        ];
        let bytes =
            canhgac_sheets::write_xlsx("Botnet", &["Mã độc", "Máy chủ"], &rows).expect("xlsx");
        let p = parse_list(&bytes, Some("ds.xlsx"));
        assert_eq!(shown(&p), vec!["203.0.113.7", "198.51.100.9"]);
        assert_eq!(p.entries[0].malware(), Some("Mirai"));
        // A sheet with no header row: its first row is an entry.
        let bytes = canhgac_sheets::write_xlsx("Botnet", &["Mirai", "203.0.113.7"], &rows[1..])
            .expect("xlsx");
        let p = parse_list(&bytes, Some("ds.xlsx"));
        assert_eq!(shown(&p), vec!["203.0.113.7", "198.51.100.9"]);
        assert_eq!(p.entries[0].row, 1);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }
}
