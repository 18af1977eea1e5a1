//! Spam and fraud reports (M10), the operator's work: reports in (5656 lines, the Ministry
//! system's CSV/XLSX exports with their columns mapped, single reports and NDJSON through the
//! API), each understood, classified and clustered on the way in (`canhgac-spam`), stored per
//! operator with its sender, campaign and case; the unparsed kept for a person to fix; measures
//! on cases; handled cases exported back. Harmful content (M11) is `ops::harmful`, re-exported
//! here.

use canhgac_domain::spam::{CaseAction, CaseState, SpamLabel};
use canhgac_domain::time::{fmt_datetime, now_ms, vn_offset};
use canhgac_domain::Scope;
use canhgac_sheets::{Format, SheetError, Table};
use canhgac_spam::similar::CampaignIndex;
use canhgac_spam::{Model, NumberKind, ParseError, Report};
use canhgac_store::{
    Actor, NewSpamReport, ParsedSpam, SpamImportMeta, SpamImportOutcome, Store, StoreError,
};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{HashMap, HashSet};

pub use crate::harmful::{
    add_harmful, plain, publish, rpz, transition, RPZ_ORIGIN, THREAT_LIST_NAME,
};

/// Campaigns older than this are not joined by new reports (a new campaign starts).
pub const CAMPAIGN_DAYS: i64 = 30;

/// A message shorter than this (folded) is not clustered: too little to be a campaign's text.
const MIN_CLUSTER_CHARS: usize = 20;

/// Reports per transaction for the bulk path ([`import_stream`]).
pub const CHUNK: usize = 50_000;

/// Understands, classifies and fingerprints reports.
pub struct Analyser {
    model: Model,
    listed: HashSet<String>,
}

impl Analyser {
    /// The embedded model and the domains and URLs on the threat lists now.
    pub async fn load(store: &Store) -> Result<Analyser, StoreError> {
        Ok(Analyser::new(
            Model::embedded(),
            store.listed_domains().await?,
        ))
    }

    /// A model and the listed domains and URLs (lower case).
    pub fn new(model: Model, listed: HashSet<String>) -> Analyser {
        Analyser { model, listed }
    }

    fn is_listed(&self, url: &str) -> bool {
        if self.listed.is_empty() {
            return false;
        }
        let bare = url
            .trim_start_matches("http://")
            .trim_start_matches("https://");
        let host = bare.split(['/', '?', '#']).next().unwrap_or_default();
        let host_nw = host.trim_start_matches("www.");
        self.listed.contains(url)
            || self.listed.contains(bare)
            || self.listed.contains(host)
            || self.listed.contains(host_nw)
    }

    /// A 5656 line (or a line of a batch file holding the whole syntax).
    pub fn line(
        &self,
        raw: &str,
        reporter: Option<String>,
        received_at: i64,
        external_id: Option<String>,
    ) -> NewSpamReport {
        self.report(
            raw.to_string(),
            canhgac_spam::parse(raw),
            reporter,
            received_at,
            external_id,
        )
    }

    /// A report from separate kind, source and content columns.
    pub fn parts(
        &self,
        kind: &str,
        source: &str,
        content: &str,
        reporter: Option<String>,
        received_at: i64,
        external_id: Option<String>,
    ) -> NewSpamReport {
        let raw = format!("{kind} [{source}] [{content}]");
        self.report(
            raw,
            canhgac_spam::from_parts(kind, source, content),
            reporter,
            received_at,
            external_id,
        )
    }

    fn report(
        &self,
        raw: String,
        r: Result<Report, ParseError>,
        reporter: Option<String>,
        received_at: i64,
        external_id: Option<String>,
    ) -> NewSpamReport {
        let reporter = reporter
            .map(|r| canhgac_spam::normalize(&r).map(|p| p.e164).unwrap_or(r))
            .map(|r| r.chars().take(40).collect())
            .filter(|r: &String| !r.trim().is_empty());
        let external_id = external_id
            .map(|x| x.trim().chars().take(100).collect())
            .filter(|x: &String| !x.is_empty());
        NewSpamReport {
            external_id,
            raw,
            reporter,
            received_at,
            parsed: r.map(|r| self.understood(&r)).map_err(|e| match e {
                ParseError::Empty => "empty line (dòng trống)".to_string(),
                ParseError::NoKind => {
                    "does not start with S (message) or V (call) (không bắt đầu bằng S hoặc V)"
                        .to_string()
                }
                ParseError::NoSender => {
                    "no sender found: a number or a brand name (không tìm thấy nguồn gửi)"
                        .to_string()
                }
            }),
        }
    }

    fn understood(&self, r: &Report) -> ParsedSpam {
        let first = &r.senders[0];
        let (sender_key, sender, sender_kind, network) = match (&first.phone, &first.brand) {
            (Some(p), _) => (
                p.e164.clone(),
                p.e164.clone(),
                match p.kind {
                    NumberKind::Mobile => "mobile",
                    NumberKind::Landline => "landline",
                    NumberKind::ShortCode => "short_code",
                },
                p.network.to_string(),
            ),
            (None, Some(b)) => (b.to_lowercase(), b.clone(), "brand", String::new()),
            _ => (
                first.raw.to_lowercase(),
                first.raw.clone(),
                "brand",
                String::new(),
            ),
        };
        let urls = canhgac_spam::urls(&r.content);
        let listed = urls.iter().any(|u| self.is_listed(u));
        let is_call = r.kind == canhgac_spam::Kind::Call;
        let v = self.model.classify(&r.content, listed);
        let label = match v.label {
            canhgac_spam::Label::Fraud => SpamLabel::Fraud,
            canhgac_spam::Label::Spam => SpamLabel::Spam,
            canhgac_spam::Label::Ham => SpamLabel::Ham,
        };
        let folded_len = canhgac_spam::fold(&r.content).chars().count();
        let signature = (!is_call && folded_len >= MIN_CLUSTER_CHARS)
            .then(|| canhgac_spam::similar::Signature::of(&r.content));
        let senders: Vec<serde_json::Value> = r
            .senders
            .iter()
            .take(20)
            .map(|s| json!({"raw": s.raw, "key": s.key(), "network": s.phone.as_ref().map(|p| p.network), "migrated": s.phone.as_ref().map(|p| p.migrated)}))
            .collect();
        let reasons: Vec<(String, f64)> = v
            .reasons
            .iter()
            .map(|(k, w)| (k.clone(), (f64::from(*w) * 1000.0).round() / 1000.0))
            .collect();
        ParsedSpam {
            kind: if is_call { "call" } else { "sms" },
            sender_key,
            sender,
            sender_kind,
            network,
            senders: serde_json::to_string(&senders).unwrap_or_else(|_| "[]".into()),
            content: r.content.clone(),
            label,
            score: (f64::from(v.score) * 10_000.0).round() / 10_000.0,
            reasons: serde_json::to_string(&reasons).unwrap_or_else(|_| "[]".into()),
            indicators: serde_json::to_string(&v.indicators).unwrap_or_else(|_| "[]".into()),
            urls: serde_json::to_string(&urls).unwrap_or_else(|_| "[]".into()),
            signature,
            listed,
        }
    }
}

/// An operator's campaigns of the last [`CAMPAIGN_DAYS`] days, for clustering.
pub async fn campaign_index(
    store: &Store,
    org_id: i64,
    now: i64,
) -> Result<CampaignIndex, StoreError> {
    let mut ix = CampaignIndex::new();
    let rows = store
        .spam_campaign_hashes(org_id, now - CAMPAIGN_DAYS * 86_400_000)
        .await?;
    for (id, h) in rows.into_iter().rev() {
        if let Some(sig) = canhgac_spam::similar::Signature::from_hex(&h) {
            ix.insert(id, sig);
        }
    }
    Ok(ix)
}

/// Stores analysed reports for an operator in one transaction.
pub async fn ingest(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    org_id: i64,
    meta: &SpamImportMeta,
    reports: &[NewSpamReport],
) -> Result<SpamImportOutcome, StoreError> {
    let mut ix = campaign_index(store, org_id, now_ms()).await?;
    store
        .store_spam_batch(scope, actor, org_id, meta, reports, &mut ix)
        .await
}

/// A date and time as batch files write it: `dd/mm/yyyy HH:MM[:SS]`, `yyyy-mm-dd HH:MM[:SS]`,
/// RFC 3339, a date alone (midnight), or seconds/milliseconds since 1970; local times are
/// Viet Nam time.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(if n > 100_000_000_000 { n } else { n * 1000 });
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for f in [
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return vn_offset()
                .from_local_datetime(&t)
                .single()
                .map(|t| t.timestamp_millis());
        }
    }
    for f in ["%d/%m/%Y", "%Y-%m-%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return vn_offset()
                .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                .single()
                .map(|t| t.timestamp_millis());
        }
    }
    None
}

/// Which column of a batch file holds what (header names; empty: not in the file).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema, PartialEq)]
pub struct ColumnMap {
    /// The whole 5656 line (`S [nguồn][nội dung]`); or else the three columns below.
    #[serde(default)]
    pub raw: String,
    /// Message or call.
    #[serde(default)]
    pub kind: String,
    /// The source (number or brand).
    #[serde(default)]
    pub sender: String,
    /// What it said.
    #[serde(default)]
    pub content: String,
    /// Who reported it.
    #[serde(default)]
    pub reporter: String,
    /// When.
    #[serde(default)]
    pub time: String,
    /// The Ministry system's id.
    #[serde(default)]
    pub id: String,
}

/// Header names the Ministry system's exports and operators' own files use, folded.
const GUESSES: [(&str, &[&str]); 7] = [
    (
        "raw",
        &[
            "cu phap",
            "tin nhan phan anh",
            "noi dung phan anh",
            "raw",
            "report",
            "syntax",
            "tin nhan 5656",
            "noi dung tin nhan 5656",
        ],
    ),
    (
        "kind",
        &["loai", "loai phan anh", "kind", "type", "hinh thuc"],
    ),
    (
        "sender",
        &[
            "nguon",
            "so gui",
            "so phat",
            "nguon gui",
            "so dien thoai vi pham",
            "thue bao vi pham",
            "sender",
            "source",
            "brandname",
        ],
    ),
    (
        "content",
        &[
            "noi dung",
            "noi dung tin nhan",
            "content",
            "message",
            "text",
        ],
    ),
    (
        "reporter",
        &[
            "so phan anh",
            "thue bao phan anh",
            "nguoi phan anh",
            "reporter",
            "so nguoi phan anh",
        ],
    ),
    (
        "time",
        &[
            "thoi gian",
            "thoi gian phan anh",
            "ngay phan anh",
            "ngay",
            "time",
            "received",
            "received at",
            "date",
        ],
    ),
    (
        "id",
        &[
            "ma",
            "ma phan anh",
            "id",
            "stt phan anh",
            "ma so",
            "report id",
        ],
    ),
];

impl ColumnMap {
    /// Fills what is empty by the headers' names.
    pub fn guess(mut self, headers: &[String]) -> ColumnMap {
        let folded: Vec<String> = headers
            .iter()
            .map(|h| canhgac_spam::fold(h).trim().to_string())
            .collect();
        for (field, names) in GUESSES {
            let slot = match field {
                "raw" => &mut self.raw,
                "kind" => &mut self.kind,
                "sender" => &mut self.sender,
                "content" => &mut self.content,
                "reporter" => &mut self.reporter,
                "time" => &mut self.time,
                _ => &mut self.id,
            };
            if slot.is_empty() {
                if let Some(i) = folded.iter().position(|h| names.contains(&h.as_str())) {
                    *slot = headers[i].clone();
                }
            }
        }
        self
    }
}

/// Why a batch file was refused (nothing stored): the problems, each naming its row and column.
#[derive(Debug)]
pub enum SpamImportError {
    /// The file could not be read.
    Sheet(SheetError),
    /// What is wrong, English and Vietnamese, at most 100.
    Rejected(Vec<(String, String)>),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for SpamImportError {
    fn from(e: StoreError) -> Self {
        SpamImportError::Store(e)
    }
}

fn column(
    t: &Table,
    name: &str,
    what_en: &str,
    what_vi: &str,
    problems: &mut Vec<(String, String)>,
) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    let c = t.column(name);
    if c.is_none() {
        problems.push((
            format!(
                "column '{name}' ({what_en}) is not in the file; its columns are: {}",
                t.headers.join(", ")
            ),
            format!(
                "không có cột '{name}' ({what_vi}) trong tệp; các cột của tệp: {}",
                t.headers.join(", ")
            ),
        ));
    }
    c
}

/// Turns a table into reports by a column map (guessed from the headers where not given).
/// Returns the reports and the map used; a row that is not a report is kept as unparsed; a
/// time that cannot be read refuses the file (naming each row, at most 100).
pub fn table_reports(
    an: &Analyser,
    t: &Table,
    map: ColumnMap,
    now: i64,
) -> Result<(Vec<NewSpamReport>, ColumnMap), SpamImportError> {
    let map = map.guess(&t.headers);
    let mut problems = Vec::new();
    let raw = column(t, &map.raw, "the 5656 line", "cú pháp 5656", &mut problems);
    let kind = column(
        t,
        &map.kind,
        "message or call",
        "loại phản ánh",
        &mut problems,
    );
    let sender = column(t, &map.sender, "source", "nguồn gửi", &mut problems);
    let content = column(t, &map.content, "content", "nội dung", &mut problems);
    let reporter = column(
        t,
        &map.reporter,
        "reporter",
        "thuê bao phản ánh",
        &mut problems,
    );
    let time = column(t, &map.time, "time", "thời gian", &mut problems);
    let id = column(t, &map.id, "report id", "mã phản ánh", &mut problems);
    if raw.is_none() && (sender.is_none() || content.is_none()) && problems.is_empty() {
        problems.push((
            format!("no column holds the report: map either the 5656 line, or the source and content (columns: {})", t.headers.join(", ")),
            format!("không xác định được cột chứa phản ánh: chọn cột cú pháp 5656, hoặc cột nguồn gửi và nội dung (các cột: {})", t.headers.join(", ")),
        ));
    }
    if !problems.is_empty() {
        return Err(SpamImportError::Rejected(problems));
    }
    let cell = |row: &[String], c: Option<usize>| {
        c.and_then(|i| row.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut out = Vec::with_capacity(t.rows.len());
    let mut more = 0usize;
    for (n, row) in &t.rows {
        let at = match time.map(|_| cell(row, time)).filter(|s| !s.is_empty()) {
            None => now,
            Some(s) => match parse_time(&s) {
                Some(t) => t,
                None => {
                    if problems.len() < 100 {
                        problems.push((
                            format!("row {n}, column '{}': '{s}' is not a time (use dd/mm/yyyy hh:mm)", map.time),
                            format!("hàng {n}, cột '{}': '{s}' không phải thời gian (dùng dd/mm/yyyy hh:mm)", map.time),
                        ));
                    } else {
                        more += 1;
                    }
                    continue;
                }
            },
        };
        let rep = Some(cell(row, reporter)).filter(|s| !s.is_empty());
        let ext = Some(cell(row, id)).filter(|s| !s.is_empty());
        let line = cell(row, raw);
        let r = if raw.is_some() && !line.is_empty() {
            an.line(&line, rep, at, ext)
        } else {
            let k = Some(cell(row, kind))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "S".into());
            an.parts(&k, &cell(row, sender), &cell(row, content), rep, at, ext)
        };
        out.push(r);
    }
    if !problems.is_empty() {
        if more > 0 {
            problems.push((
                format!("… and {more} more rows"),
                format!("… và {more} hàng khác"),
            ));
        }
        return Err(SpamImportError::Rejected(problems));
    }
    Ok((out, map))
}

/// Imports a batch file (CSV or XLSX, at most 100,000 rows) for an operator: all of it in one
/// transaction, or nothing (with every problem named by row and column).
#[allow(clippy::too_many_arguments)]
pub async fn import_file(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    org_id: i64,
    bytes: &[u8],
    file_name: &str,
    map: ColumnMap,
    now: i64,
) -> Result<SpamImportOutcome, SpamImportError> {
    let t = canhgac_sheets::read(bytes, Format::detect(bytes, Some(file_name)))
        .map_err(SpamImportError::Sheet)?;
    let an = Analyser::load(store).await?;
    let (reports, map) = table_reports(&an, &t, map, now)?;
    let meta = SpamImportMeta {
        source: "file".into(),
        file_name: file_name.to_string(),
        mapping: serde_json::to_string(&map).unwrap_or_else(|_| "{}".into()),
        replaces: None,
    };
    Ok(ingest(store, scope, actor, org_id, &meta, &reports).await?)
}

/// One report as the API takes it (NDJSON: one per line).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReportIn {
    /// The 5656 line; or else `kind`, `sender` and `content`.
    #[serde(default)]
    pub raw: Option<String>,
    /// `sms`/`call` (or `S`/`V`).
    #[serde(default)]
    pub kind: Option<String>,
    /// The source.
    #[serde(default)]
    pub sender: Option<String>,
    /// What it said.
    #[serde(default)]
    pub content: Option<String>,
    /// Who reported it.
    #[serde(default)]
    pub reporter: Option<String>,
    /// When (RFC 3339 or `dd/mm/yyyy hh:mm`; default now).
    #[serde(default)]
    pub received_at: Option<String>,
    /// The Ministry system's id (a repeat is not stored twice).
    #[serde(default)]
    pub id: Option<String>,
}

impl Analyser {
    /// A report from the API; the error names the field.
    pub fn from_api(&self, r: &ReportIn, now: i64) -> Result<NewSpamReport, String> {
        let at = match r.received_at.as_deref().filter(|s| !s.trim().is_empty()) {
            None => now,
            Some(s) => parse_time(s).ok_or_else(|| format!("received_at: '{s}' is not a time"))?,
        };
        match (&r.raw, &r.sender, &r.content) {
            (Some(raw), _, _) if !raw.trim().is_empty() => {
                Ok(self.line(raw, r.reporter.clone(), at, r.id.clone()))
            }
            (_, Some(s), Some(c)) => Ok(self.parts(
                r.kind.as_deref().unwrap_or("sms"),
                s,
                c,
                r.reporter.clone(),
                at,
                r.id.clone(),
            )),
            _ => Err("give raw (the 5656 line), or sender and content".into()),
        }
    }
}

/// One line of a bulk file: a JSON report or a 5656 line.
fn analyse_line(an: &Analyser, line: &str, now: i64) -> NewSpamReport {
    if line.trim_start().starts_with('{') {
        match serde_json::from_str::<ReportIn>(line) {
            Ok(r) => an.from_api(&r, now).unwrap_or_else(|e| NewSpamReport {
                external_id: r.id.clone(),
                raw: line.to_string(),
                reporter: None,
                received_at: now,
                parsed: Err(e),
            }),
            Err(e) => NewSpamReport {
                external_id: None,
                raw: line.to_string(),
                reporter: None,
                received_at: now,
                parsed: Err(format!("not a JSON report: {e}")),
            },
        }
    } else {
        an.line(line, None, now, None)
    }
}

/// Imports a stream of 5656 lines or NDJSON reports (the CLI's bulk path): [`CHUNK`] reports per
/// transaction, so memory stays bounded whatever the size; a chunk is stored whole or not at
/// all, and re-running skips reports whose Ministry id is already stored. Returns the totals.
pub async fn import_stream<R: std::io::BufRead>(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    org_id: i64,
    input: R,
    file_name: &str,
    now: i64,
) -> anyhow_free::Result<SpamImportOutcome> {
    let an = std::sync::Arc::new(Analyser::load(store).await?);
    let mut ix = campaign_index(store, org_id, now).await?;
    let mut total = SpamImportOutcome::default();
    let meta = SpamImportMeta {
        source: "file".into(),
        file_name: file_name.to_string(),
        mapping: "{}".into(),
        replaces: None,
    };
    let mut lines = input.lines();
    // A pipeline of two: the next chunk is understood and classified on a blocking thread while
    // the store writes the one before.
    let mut pending: Option<tokio::task::JoinHandle<Vec<NewSpamReport>>> = None;
    loop {
        let mut chunk: Vec<String> = Vec::with_capacity(CHUNK);
        for line in lines.by_ref() {
            let line = line.map_err(|e| anyhow_free::Error::Io(e.to_string()))?;
            if !line.trim().is_empty() {
                chunk.push(line);
            }
            if chunk.len() >= CHUNK {
                break;
            }
        }
        let next = (!chunk.is_empty()).then(|| {
            let an = an.clone();
            tokio::task::spawn_blocking(move || {
                chunk.iter().map(|l| analyse_line(&an, l, now)).collect()
            })
        });
        if let Some(p) = pending.take() {
            let batch = p.await.map_err(|e| anyhow_free::Error::Io(e.to_string()))?;
            let o = store
                .store_spam_batch(scope, actor, org_id, &meta, &batch, &mut ix)
                .await
                .map_err(|e| anyhow_free::Error::Chunk {
                    stored: total.parsed + total.unparsed,
                    error: e.to_string(),
                })?;
            total.rows += o.rows;
            total.parsed += o.parsed;
            total.unparsed += o.unparsed;
            total.repeated += o.repeated;
            total.new_senders += o.new_senders;
            total.new_campaigns += o.new_campaigns;
            total.new_cases += o.new_cases;
            total.import_id = o.import_id;
        }
        match next {
            Some(n) => pending = Some(n),
            None => break,
        }
    }
    Ok(total)
}

/// Errors of the bulk path.
pub mod anyhow_free {
    /// Why a bulk import stopped.
    #[derive(Debug, thiserror::Error)]
    pub enum Error {
        /// Reading the input failed.
        #[error("reading the input: {0}")]
        Io(String),
        /// A chunk could not be stored (those before it were).
        #[error("a chunk could not be stored ({stored} reports before it were): {error}")]
        Chunk {
            /// Reports stored before it.
            stored: i64,
            /// Why.
            error: String,
        },
        /// The store failed.
        #[error(transparent)]
        Store(#[from] canhgac_store::StoreError),
    }

    /// Result of the bulk path.
    pub type Result<T> = std::result::Result<T, Error>;
}

/// Corrects an unparsed report: the corrected line is stored as a report (with its sender,
/// campaign and case) and the original marked fixed, in one transaction.
pub async fn fix_report(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    corrected: &str,
) -> Result<SpamImportOutcome, StoreError> {
    let r = store
        .spam_report(scope, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if r.state != "unparsed" {
        return Err(StoreError::Conflict(
            "the report is not waiting to be fixed".into(),
        ));
    }
    let an = Analyser::load(store).await?;
    let new = an.line(corrected, r.reporter.clone(), r.received_at, None);
    if let Err(e) = &new.parsed {
        return Err(StoreError::Invalid(vec![canhgac_domain::FieldError {
            field: "raw".into(),
            message: e.clone(),
            message_vi: format!("vẫn chưa hiểu được: {e}"),
        }]));
    }
    let meta = SpamImportMeta {
        source: r.source.clone(),
        file_name: String::new(),
        mapping: "{}".into(),
        replaces: Some(id),
    };
    ingest(store, scope, actor, r.org_id, &meta, &[new]).await
}

/// Records a measure on a case.
#[allow(clippy::too_many_arguments)]
pub async fn act(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    case_id: i64,
    action: &str,
    note: &str,
    evidence: &str,
    directive_item: Option<i64>,
) -> Result<i64, StoreError> {
    let a = CaseAction::parse(action).ok_or_else(|| {
        StoreError::Invalid(vec![canhgac_domain::FieldError {
            field: "action".into(),
            message: "one of warn, block_sms, block_calls, suspend, police, dismiss".into(),
            message_vi: "chọn một biện pháp".into(),
        }])
    })?;
    store
        .add_spam_action(scope, actor, case_id, a, note, evidence, directive_item)
        .await
}

/// The columns of the handled-cases export (the Ministry system's report-back).
pub const EXPORT_COLUMNS: [&str; 12] = [
    "Mã vụ việc",
    "Nhà mạng",
    "Nguồn gửi",
    "Loại nguồn",
    "Nhà mạng của số",
    "Phân loại",
    "Số phản ánh",
    "Mở lúc",
    "Hạn xử lý",
    "Trạng thái",
    "Biện pháp đã áp dụng",
    "Hoàn thành lúc",
];

/// Handled cases in scope (measured, closed or dismissed) as rows for CSV/XLSX, with their
/// measures and who took them.
pub async fn export_rows(store: &Store, scope: &Scope) -> Result<Vec<Vec<String>>, StoreError> {
    let cases = store.spam_cases(scope, Some("handled"), 100_000).await?;
    let mut rows = Vec::with_capacity(cases.len());
    for c in cases {
        let acts = store.spam_actions(c.id).await?;
        let done: Vec<String> = acts
            .iter()
            .map(|a| {
                let ev = if a.evidence.is_empty() {
                    String::new()
                } else {
                    format!(" [bằng chứng: {}]", a.evidence)
                };
                format!(
                    "{} ({}, {}): {}{ev}",
                    CaseAction::parse(&a.action)
                        .map(|x| x.label_vi())
                        .unwrap_or(""),
                    fmt_datetime(a.at),
                    a.by_email,
                    a.note
                )
            })
            .collect();
        rows.push(vec![
            format!("VV-{}", c.id),
            c.org_code.clone(),
            c.sender.clone(),
            sender_kind_vi(&c.sender_kind).to_string(),
            network_name(&c.network).to_string(),
            SpamLabel::parse(&c.label)
                .map(|l| l.label_vi())
                .unwrap_or("")
                .to_string(),
            c.reports.to_string(),
            fmt_datetime(c.opened_at),
            fmt_datetime(c.due_at),
            CaseState::parse(&c.state)
                .map(|s| s.label_vi())
                .unwrap_or("")
                .to_string(),
            done.join("; "),
            c.closed_at.map(fmt_datetime).unwrap_or_default(),
        ]);
    }
    Ok(rows)
}

/// A network's name as people write it (`fixed`: a landline).
pub fn network_name(n: &str) -> &str {
    match n {
        "fixed" => "Cố định",
        "viettel" => "Viettel",
        "vinaphone" => "VinaPhone",
        "mobifone" => "MobiFone",
        "vietnamobile" => "Vietnamobile",
        "gmobile" => "Gmobile",
        "itelecom" => "iTel",
        "reddi" => "Reddi",
        other => other,
    }
}

/// The Vietnamese word for a sender kind.
pub fn sender_kind_vi(k: &str) -> &'static str {
    match k {
        "mobile" => "Thuê bao di động",
        "landline" => "Điện thoại cố định",
        "short_code" => "Đầu số dịch vụ",
        _ => "Tên định danh (brandname)",
    }
}

/// The English word for a sender kind.
pub fn sender_kind_en(k: &str) -> &'static str {
    match k {
        "mobile" => "Mobile",
        "landline" => "Landline",
        "short_code" => "Short code",
        _ => "Brand name",
    }
}

/// Per operator: reports by label, cases, harmful items — for the overview's table.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct OperatorFigures {
    /// Operator id.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// Reports called fraud.
    pub fraud: i64,
    /// Called advertising.
    pub spam: i64,
    /// Legitimate.
    pub ham: i64,
    /// Kept for fixing.
    pub unparsed: i64,
    /// Cases awaiting work.
    pub active_cases: i64,
    /// Of them past their time limit.
    pub overdue_cases: i64,
    /// Harmful items awaiting action.
    pub harmful_active: i64,
}

/// Figures per operator in scope.
pub async fn figures(store: &Store, scope: &Scope) -> Result<Vec<OperatorFigures>, StoreError> {
    let mut by: HashMap<i64, OperatorFigures> = HashMap::new();
    for (org, code, what, n) in store.spam_counts(scope).await? {
        let f = by.entry(org).or_insert_with(|| OperatorFigures {
            org_id: org,
            org_code: code,
            ..Default::default()
        });
        match what.as_str() {
            "fraud" => f.fraud += n,
            "spam" => f.spam += n,
            "ham" => f.ham += n,
            "unparsed" => f.unparsed += n,
            "active_cases" => f.active_cases += n,
            "overdue_cases" => f.overdue_cases += n,
            _ => f.harmful_active += n,
        }
    }
    let mut v: Vec<OperatorFigures> = by.into_values().collect();
    v.sort_by(|a, b| a.org_code.cmp(&b.org_code));
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_as_files_write_them() {
        let a = parse_time("27/04/2025 00:30").unwrap();
        assert_eq!(a, 1_745_688_600_000);
        assert_eq!(parse_time("2025-04-27 00:30:00"), Some(a));
        assert_eq!(parse_time("2025-04-26T17:30:00Z"), Some(a));
        assert_eq!(parse_time("1745688600"), Some(a));
        assert_eq!(parse_time("hôm qua"), None);
    }

    #[test]
    fn columns_are_guessed_by_their_vietnamese_names() {
        let h: Vec<String> = [
            "STT",
            "Mã phản ánh",
            "Thuê bao phản ánh",
            "Nguồn gửi",
            "Nội dung",
            "Thời gian phản ánh",
            "Loại",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = ColumnMap::default().guess(&h);
        assert_eq!(m.id, "Mã phản ánh");
        assert_eq!(m.reporter, "Thuê bao phản ánh");
        assert_eq!(m.sender, "Nguồn gửi");
        assert_eq!(m.content, "Nội dung");
        assert_eq!(m.time, "Thời gian phản ánh");
        assert_eq!(m.kind, "Loại");
        assert_eq!(m.raw, "");
    }

    #[test]
    fn reports_are_understood_and_listed_links_count() {
        let an = Analyser::new(
            Model::embedded(),
            ["vcb-xacthuc.xyz".to_string()].into_iter().collect(),
        );
        let r = an.line("S 0162 555 1234 [Vietcombank thong bao tai khoan cua quy khach bi khoa, truy cap https://vcb-xacthuc.xyz/login de mo khoa]", Some("0912345678".into()), 1, Some("X1".into()));
        let p = r.parsed.as_ref().unwrap();
        assert_eq!(p.sender_key, "+84325551234", "the 2018 migration");
        assert_eq!(p.network, "viettel");
        assert!(p.listed);
        assert_eq!(p.label, SpamLabel::Fraud);
        assert!(p.signature.is_some());
        assert_eq!(r.reporter.as_deref(), Some("+84912345678"));
        let bad = an.line("xin chào", None, 1, None);
        assert!(bad.parsed.is_err());
        let call = an.parts(
            "Cuộc gọi",
            "024.3825.1234",
            "goi mao danh cong an",
            None,
            1,
            None,
        );
        let c = call.parsed.unwrap();
        assert_eq!((c.kind, c.sender_kind), ("call", "landline"));
        assert!(c.signature.is_none(), "calls are not clustered");
    }
}
