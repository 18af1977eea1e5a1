//! Spam and fraud reports (M10), per telecom operator: reports as received (the unparsed ones
//! kept for a person to fix), senders with their score, campaigns of near-duplicate messages,
//! cases with the measures taken (harmful content is `harmful.rs`). Every key that groups or
//! de-duplicates — a sender, a campaign, the Ministry's report id — includes the organisation.

use crate::BeginWrite;
use crate::{audit, invalid, scope_sql, Actor, Params, Result, SqlVal, Store, StoreError};
use canhgac_domain::spam::{case_hours, CaseAction, CaseState, SpamLabel};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_spam::score::{decayed, score, SenderStats};
use canhgac_spam::similar::{CampaignIndex, Signature};
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// A report as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SpamReportRow {
    /// Id.
    pub id: i64,
    /// The operator.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// The import it came in.
    pub import_id: Option<i64>,
    /// `5656`, `file`, `api`, `form`, `demo`.
    pub source: String,
    /// The Ministry system's id for it.
    pub external_id: Option<String>,
    /// As received.
    pub raw: String,
    /// `parsed`, `unparsed` (kept for a person to fix) or `fixed` (replaced by a corrected one).
    pub state: String,
    /// Why it could not be understood.
    pub error: Option<String>,
    /// `sms` or `call`.
    pub kind: Option<String>,
    /// The sender.
    pub sender_id: Option<i64>,
    /// E.164, a short code or the brand name as written.
    pub sender: Option<String>,
    /// Every sender named, JSON.
    pub senders: String,
    /// What it said.
    pub content: String,
    /// Who reported it (E.164), when known.
    pub reporter: Option<String>,
    /// `fraud`, `spam`, `ham`.
    pub label: Option<String>,
    /// The fraud model's probability.
    pub score: Option<f64>,
    /// The features that weighed most, JSON `[[feature, weight]]`.
    pub reasons: String,
    /// Indicators matched, JSON array.
    pub indicators: String,
    /// URLs and domains in it, JSON array.
    pub urls: String,
    /// Campaign.
    pub campaign_id: Option<i64>,
    /// Case.
    pub case_id: Option<i64>,
    /// When the person reported it.
    pub received_at: i64,
    /// Stored.
    pub created_at: i64,
    /// Who fixed it (for a fixed report).
    pub fixed_by: Option<String>,
}

impl SpamReportRow {
    /// The URLs and domains it carried.
    pub fn url_list(&self) -> Vec<String> {
        serde_json::from_str(&self.urls).unwrap_or_default()
    }

    /// The indicators matched.
    pub fn indicator_list(&self) -> Vec<String> {
        serde_json::from_str(&self.indicators).unwrap_or_default()
    }

    /// The features that weighed most, with their weight.
    pub fn reason_list(&self) -> Vec<(String, f64)> {
        serde_json::from_str(&self.reasons).unwrap_or_default()
    }
}

/// A sender with what its reports say.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SpamSenderRow {
    /// Id.
    pub id: i64,
    /// The operator.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// E.164, short code or brand as first written.
    pub sender: String,
    /// `mobile`, `landline`, `short_code`, `brand`.
    pub kind: String,
    /// The network its number belongs to.
    pub network: String,
    /// Reports.
    pub reports: i64,
    /// Called fraud.
    pub fraud: i64,
    /// Called advertising.
    pub spam: i64,
    /// Of them calls.
    pub calls: i64,
    /// Different reporters.
    pub reporters: i64,
    /// Reports with a listed URL or number.
    pub listed: i64,
    /// Decayed count (one-day time constant) as of `last_seen`.
    pub recent: f64,
    /// Score, 0–100.
    pub score: f64,
    /// First report.
    pub first_seen: i64,
    /// Newest report.
    pub last_seen: i64,
}

impl SpamSenderRow {
    /// Its figures for scoring.
    pub fn stats(&self) -> SenderStats {
        SenderStats {
            reports: self.reports,
            fraud: self.fraud,
            spam: self.spam,
            reporters: self.reporters,
            listed: self.listed,
            recent: self.recent,
        }
    }
}

/// A campaign: near-duplicate messages, across senders.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SpamCampaignRow {
    /// Id.
    pub id: i64,
    /// The operator.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// `fraud` once any report was; else the first report's label.
    pub label: String,
    /// The first message.
    pub sample: String,
    /// Reports.
    pub reports: i64,
    /// Different senders.
    pub senders: i64,
    /// First report.
    pub first_seen: i64,
    /// Newest report.
    pub last_seen: i64,
}

/// A case: one sender's reports handled to closure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SpamCaseRow {
    /// Id.
    pub id: i64,
    /// The operator.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// The sender.
    pub sender_id: i64,
    /// As written.
    pub sender: String,
    /// The sender's kind.
    pub sender_kind: String,
    /// Its network.
    pub network: String,
    /// The sender's score.
    pub score: f64,
    /// Wire name of [`CaseState`].
    pub state: String,
    /// The worst label among its reports.
    pub label: String,
    /// Reports in the case.
    pub reports: i64,
    /// Opened.
    pub opened_at: i64,
    /// Act by.
    pub due_at: i64,
    /// Closed.
    pub closed_at: Option<i64>,
    /// By.
    pub closed_by: Option<String>,
    /// The Ministry's measure it carries out.
    pub directive_item_id: Option<i64>,
    /// Measures taken, comma-separated wire names.
    pub actions: Option<String>,
}

/// A measure taken.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SpamActionRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Wire name of [`CaseAction`].
    pub action: String,
    /// What was done and on what basis.
    pub note: String,
    /// Evidence (ticket, letter number, screenshot reference).
    pub evidence: String,
    /// When.
    pub at: i64,
    /// By.
    pub by_email: String,
}

/// An import of reports.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SpamImportRow {
    /// Id.
    pub id: i64,
    /// The operator.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// `file`, `api`, `5656`, `form`, `demo`.
    pub source: String,
    /// File name.
    pub file_name: String,
    /// Rows read.
    pub rows: i64,
    /// Understood.
    pub parsed: i64,
    /// Kept for fixing.
    pub unparsed: i64,
    /// Already received (same Ministry id).
    pub repeated: i64,
    /// Column mapping used, JSON.
    pub mapping: String,
    /// When.
    pub created_at: i64,
    /// By.
    pub created_by: String,
}

/// A report understood, ready to store.
#[derive(Debug, Clone)]
pub struct ParsedSpam {
    /// `sms` or `call`.
    pub kind: &'static str,
    /// E.164 or the brand name in lower case (the grouping key).
    pub sender_key: String,
    /// As shown.
    pub sender: String,
    /// `mobile`, `landline`, `short_code`, `brand`.
    pub sender_kind: &'static str,
    /// The network.
    pub network: String,
    /// Every sender, JSON.
    pub senders: String,
    /// What it said.
    pub content: String,
    /// Label.
    pub label: SpamLabel,
    /// Fraud probability.
    pub score: f64,
    /// Reasons, JSON.
    pub reasons: String,
    /// Indicators, JSON.
    pub indicators: String,
    /// URLs, JSON.
    pub urls: String,
    /// MinHash signature of the message (messages of some length only).
    pub signature: Option<Signature>,
    /// A URL or number in it is on a threat list.
    pub listed: bool,
}

/// A report to store.
#[derive(Debug, Clone)]
pub struct NewSpamReport {
    /// The Ministry system's id.
    pub external_id: Option<String>,
    /// As received.
    pub raw: String,
    /// Who reported it.
    pub reporter: Option<String>,
    /// When they did.
    pub received_at: i64,
    /// Understood, or why not.
    pub parsed: std::result::Result<ParsedSpam, String>,
}

/// What an import is.
#[derive(Debug, Clone, Default)]
pub struct SpamImportMeta {
    /// `file`, `api`, `5656`, `form`, `demo`.
    pub source: String,
    /// File name.
    pub file_name: String,
    /// Column mapping, JSON.
    pub mapping: String,
    /// An unparsed report this import corrects.
    pub replaces: Option<i64>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SpamImportOutcome {
    /// The import.
    pub import_id: i64,
    /// Rows read.
    pub rows: i64,
    /// Understood and stored.
    pub parsed: i64,
    /// Kept for a person to fix.
    pub unparsed: i64,
    /// Already received (same Ministry id), not stored again.
    pub repeated: i64,
    /// Senders seen for the first time.
    pub new_senders: i64,
    /// Campaigns started.
    pub new_campaigns: i64,
    /// Cases opened.
    pub new_cases: i64,
    /// Ids of the reports stored, in order (capped at 1,000).
    pub report_ids: Vec<i64>,
}

/// Filters for listing reports.
#[derive(Debug, Clone, Default)]
pub struct SpamReportQuery {
    /// One state.
    pub state: Option<String>,
    /// One label.
    pub label: Option<String>,
    /// One sender.
    pub sender_id: Option<i64>,
    /// One campaign.
    pub campaign_id: Option<i64>,
    /// One case.
    pub case_id: Option<i64>,
    /// One import.
    pub import_id: Option<i64>,
    /// Older than this id (paging).
    pub before: Option<i64>,
    /// At most.
    pub limit: i64,
}

const REPORT_COLS: &str = "r.id, r.org_id, o.code AS org_code, r.import_id, r.source, r.external_id, r.raw, r.state, r.error, r.kind, r.sender_id, r.sender, r.senders, r.content, r.reporter, r.label, r.score, r.reasons, r.indicators, r.urls, r.campaign_id, r.case_id, r.received_at, r.created_at, r.fixed_by";
const SENDER_COLS: &str = "s.id, s.org_id, o.code AS org_code, s.sender, s.kind, s.network, s.reports, s.fraud, s.spam, s.calls, s.reporters, s.listed, s.recent, s.score, s.first_seen, s.last_seen";
const CAMPAIGN_COLS: &str = "c.id, c.org_id, o.code AS org_code, c.label, c.sample, c.reports, c.senders, c.first_seen, c.last_seen";
const CASE_COLS: &str = "k.id, k.org_id, o.code AS org_code, k.sender_id, s.sender, s.kind AS sender_kind, s.network, s.score, k.state, k.label, k.reports, k.opened_at, k.due_at, k.closed_at, k.closed_by, k.directive_item_id, \
    (SELECT STRING_AGG(a.action, ',') FROM spam_actions a WHERE a.case_id = k.id) AS actions";

fn worse(a: SpamLabel, b: SpamLabel) -> SpamLabel {
    let rank = |l: SpamLabel| match l {
        SpamLabel::Fraud => 2,
        SpamLabel::Spam => 1,
        SpamLabel::Ham => 0,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// A sender's figures gathered from one batch.
#[derive(Default)]
struct SenderBatch {
    sender: String,
    kind: &'static str,
    network: String,
    reports: i64,
    fraud: i64,
    spam: i64,
    calls: i64,
    listed: i64,
    first: i64,
    last: i64,
    reporters: Vec<String>,
    worst: Option<SpamLabel>,
    worst_at: i64,
}

/// For SQLite, a statement whose `$n` placeholders each appear once and in order, with `?`
/// instead: the driver looks a named parameter up by scanning every name, so binding a
/// statement of many named parameters takes time growing with their square; anonymous ones
/// bind by position.
fn anonymous(store: &Store, sql: String) -> String {
    match &store.pool {
        crate::Pool::Pg(_) => sql,
        crate::Pool::Sqlite(_) => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    }
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// SQLite has no STRING_AGG: it is GROUP_CONCAT there.
fn agg(store: &Store, sql: &str) -> String {
    match &store.pool {
        crate::Pool::Sqlite(_) => {
            sql.replace("STRING_AGG(a.action, ',')", "GROUP_CONCAT(a.action, ',')")
        }
        crate::Pool::Pg(_) => sql.to_string(),
    }
}

impl Store {
    // ---- Reports in ----

    /// Stores a batch of reports for one operator in one transaction: the reports (unparsed
    /// ones kept), their senders' figures and scores, their campaigns (looked up and filed in
    /// `index`, the operator's campaigns), their cases (a sender's open case, or a new one with
    /// its time limit), the import record and its audit row. Reports whose Ministry id was
    /// already received are counted, not stored again. Reload `index` if this fails.
    pub async fn store_spam_batch(
        &self,
        scope: &Scope,
        actor: &Actor,
        org_id: i64,
        meta: &SpamImportMeta,
        reports: &[NewSpamReport],
        index: &mut CampaignIndex,
    ) -> Result<SpamImportOutcome> {
        if !scope.contains(org_id) {
            return Err(StoreError::NotFound);
        }
        let now = now_ms();
        let mut out = SpamImportOutcome {
            rows: reports.len() as i64,
            ..Default::default()
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Reports already received (by the Ministry's id), and repeats inside the batch.
            let mut seen: HashSet<String> = HashSet::new();
            let ids: Vec<&str> = reports.iter().filter_map(|r| r.external_id.as_deref()).collect();
            for chunk in ids.chunks(100) {
                let mut p = Params::default();
                let org = p.int(org_id);
                let list: Vec<String> = chunk.iter().map(|x| p.text(*x)).collect();
                let sql = format!("SELECT external_id FROM spam_reports WHERE org_id = {org} AND external_id IN ({})", list.join(", "));
                let have: Vec<String> = bind_all!(sqlx::query_scalar::<_, String>(&sql), &p.vals).fetch_all(&mut *tx).await?;
                seen.extend(have);
            }
            let mut keep: Vec<&NewSpamReport> = Vec::with_capacity(reports.len());
            for r in reports {
                if let Some(x) = &r.external_id {
                    if !seen.insert(x.clone()) {
                        out.repeated += 1;
                        continue;
                    }
                }
                keep.push(r);
            }
            out.parsed = keep.iter().filter(|r| r.parsed.is_ok()).count() as i64;
            out.unparsed = keep.len() as i64 - out.parsed;
            let import_id: i64 = sqlx::query_scalar("INSERT INTO spam_imports (org_id, source, file_name, rows, parsed, unparsed, repeated, mapping, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(org_id).bind(&meta.source).bind(meta.file_name.chars().take(200).collect::<String>()).bind(out.rows).bind(out.parsed).bind(out.unparsed).bind(out.repeated).bind(&meta.mapping).bind(now).bind(&actor.email)
                .fetch_one(&mut *tx).await?;
            out.import_id = import_id;

            // Senders: gather the batch's figures.
            let mut by_sender: HashMap<&str, SenderBatch> = HashMap::new();
            for r in &keep {
                let Ok(p) = &r.parsed else { continue };
                let b = by_sender.entry(p.sender_key.as_str()).or_insert_with(|| SenderBatch {
                    sender: p.sender.clone(), kind: p.sender_kind, network: p.network.clone(), first: r.received_at, last: r.received_at, worst_at: r.received_at, ..Default::default()
                });
                b.reports += 1;
                b.fraud += i64::from(p.label == SpamLabel::Fraud);
                b.spam += i64::from(p.label == SpamLabel::Spam);
                b.calls += i64::from(p.kind == "call");
                b.listed += i64::from(p.listed);
                b.first = b.first.min(r.received_at);
                b.last = b.last.max(r.received_at);
                if let Some(rep) = &r.reporter {
                    if b.reporters.len() < 10_000 && !b.reporters.contains(rep) {
                        b.reporters.push(rep.clone());
                    }
                }
                let w = b.worst.map_or(p.label, |w| worse(w, p.label));
                if b.worst != Some(w) {
                    b.worst_at = r.received_at;
                }
                b.worst = Some(w);
            }
            let keys: Vec<&str> = by_sender.keys().copied().collect();
            // Existing senders.
            type Existing = (i64, String, i64, i64, i64, i64, i64, i64, f64, i64, i64);
            let mut existing: HashMap<String, Existing> = HashMap::new();
            for chunk in keys.chunks(100) {
                let mut p = Params::default();
                let org = p.int(org_id);
                let list: Vec<String> = chunk.iter().map(|x| p.text(*x)).collect();
                let sql = format!("SELECT id, sender_key, reports, fraud, spam, calls, reporters, listed, recent, first_seen, last_seen FROM spam_senders WHERE org_id = {org} AND sender_key IN ({})", list.join(", "));
                let rows: Vec<Existing> = bind_all!(sqlx::query_as::<_, Existing>(&sql), &p.vals).fetch_all(&mut *tx).await?;
                for r in rows {
                    existing.insert(r.1.clone(), r);
                }
            }
            // New senders, many rows per statement.
            let fresh: Vec<&str> = keys.iter().copied().filter(|k| !existing.contains_key(*k)).collect();
            let mut sender_ids: HashMap<String, i64> = existing.iter().map(|(k, e)| (k.clone(), e.0)).collect();
            for chunk in fresh.chunks(300) {
                let mut p = Params::default();
                let mut rows = Vec::with_capacity(chunk.len());
                for k in chunk {
                    let b = &by_sender[k];
                    rows.push(format!("({}, {}, {}, {}, {}, {}, {})", p.int(org_id), p.text(b.sender.chars().take(200).collect::<String>()), p.text(*k), p.text(b.kind), p.text(b.network.clone()), p.int(b.first), p.int(b.last)));
                }
                let sql = anonymous(self, format!("INSERT INTO spam_senders (org_id, sender, sender_key, kind, network, first_seen, last_seen) VALUES {} RETURNING id, sender_key", rows.join(", ")));
                let made: Vec<(i64, String)> = bind_all!(sqlx::query_as::<_, (i64, String)>(&sql), &p.vals).fetch_all(&mut *tx).await?;
                out.new_senders += made.len() as i64;
                sender_ids.extend(made.into_iter().map(|(id, k)| (k, id)));
            }
            // New reporters per sender.
            let mut new_reporters: HashMap<i64, i64> = HashMap::new();
            let pairs: Vec<(i64, &str)> = by_sender.iter().flat_map(|(k, b)| {
                let id = sender_ids[*k];
                b.reporters.iter().map(move |r| (id, r.as_str()))
            }).collect();
            for chunk in pairs.chunks(500) {
                let mut p = Params::default();
                let rows: Vec<String> = chunk.iter().map(|(id, r)| format!("({}, {})", p.int(*id), p.text(*r))).collect();
                let sql = anonymous(self, format!("INSERT INTO spam_sender_reporters (sender_id, reporter) VALUES {} ON CONFLICT DO NOTHING RETURNING sender_id", rows.join(", ")));
                let added: Vec<i64> = bind_all!(sqlx::query_scalar::<_, i64>(&sql), &p.vals).fetch_all(&mut *tx).await?;
                for id in added {
                    *new_reporters.entry(id).or_default() += 1;
                }
            }
            // Figures and scores.
            for (k, b) in &by_sender {
                let id = sender_ids[*k];
                let (reports, fraud, spam, calls, reporters, listed, recent, first, last) = match existing.get(*k) {
                    Some(e) => (e.2, e.3, e.4, e.5, e.6, e.7, e.8, e.9, e.10),
                    None => (0, 0, 0, 0, 0, 0, 0.0, b.first, b.first),
                };
                let new_last = last.max(b.last);
                let stats = SenderStats {
                    reports: reports + b.reports,
                    fraud: fraud + b.fraud,
                    spam: spam + b.spam,
                    reporters: reporters + new_reporters.get(&id).copied().unwrap_or(0),
                    listed: listed + b.listed,
                    recent: decayed(recent, last, new_last, b.reports as f64),
                };
                sqlx::query("UPDATE spam_senders SET reports = $2, fraud = $3, spam = $4, calls = $5, reporters = $6, listed = $7, recent = $8, score = $9, first_seen = $10, last_seen = $11 WHERE id = $1")
                    .bind(id).bind(stats.reports).bind(stats.fraud).bind(stats.spam).bind(calls + b.calls).bind(stats.reporters).bind(stats.listed).bind(stats.recent).bind(score(&stats).total).bind(first.min(b.first)).bind(new_last)
                    .execute(&mut *tx).await?;
            }
            // Cases: the sender's open one, or a new one with its time limit.
            let mut case_ids: HashMap<i64, i64> = HashMap::new();
            let sids: Vec<i64> = by_sender.keys().map(|k| sender_ids[*k]).collect();
            type OpenCase = (i64, i64, String, i64);
            let mut open: HashMap<i64, OpenCase> = HashMap::new();
            for chunk in sids.chunks(100) {
                let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
                let sql = format!("SELECT id, sender_id, label, due_at FROM spam_cases WHERE org_id = $1 AND state IN ('open', 'actioned') AND sender_id IN ({})", list.join(", "));
                for c in sqlx::query_as::<_, OpenCase>(&sql).bind(org_id).fetch_all(&mut *tx).await? {
                    open.insert(c.1, c);
                }
            }
            for (k, b) in &by_sender {
                let sid = sender_ids[*k];
                let worst = b.worst.unwrap_or(SpamLabel::Ham);
                let due = b.worst_at + case_hours(worst) * 3_600_000;
                match open.get(&sid) {
                    Some((cid, _, label, old_due)) => {
                        let old = SpamLabel::parse(label).unwrap_or(SpamLabel::Ham);
                        let w = worse(old, worst);
                        let due = if w != old { due.min(*old_due) } else { *old_due };
                        sqlx::query("UPDATE spam_cases SET reports = reports + $2, label = $3, due_at = $4 WHERE id = $1")
                            .bind(cid).bind(b.reports).bind(w.as_str()).bind(due).execute(&mut *tx).await?;
                        case_ids.insert(sid, *cid);
                    }
                    None => {
                        let cid: i64 = sqlx::query_scalar("INSERT INTO spam_cases (org_id, sender_id, state, label, reports, opened_at, due_at) VALUES ($1, $2, 'open', $3, $4, $5, $6) RETURNING id")
                            .bind(org_id).bind(sid).bind(worst.as_str()).bind(b.reports).bind(b.first.min(now)).bind(due)
                            .fetch_one(&mut *tx).await?;
                        out.new_cases += 1;
                        case_ids.insert(sid, cid);
                    }
                }
            }
            // Campaigns: the nearest within 3 bits, or a new one.
            let mut campaign_of: Vec<Option<i64>> = Vec::with_capacity(keep.len());
            let mut campaign_add: HashMap<i64, (i64, i64, bool)> = HashMap::new();
            for r in &keep {
                let c = match &r.parsed {
                    Ok(p) if p.signature.is_some() => {
                        let sig = p.signature.unwrap_or(Signature([0; canhgac_spam::similar::SIG]));
                        let id = match index.find(&sig) {
                            Some(id) => id,
                            None => {
                                let id: i64 = sqlx::query_scalar("INSERT INTO spam_campaigns (org_id, signature, label, sample, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id")
                                    .bind(org_id).bind(sig.to_hex()).bind(p.label.as_str()).bind(p.content.chars().take(1000).collect::<String>()).bind(r.received_at)
                                    .fetch_one(&mut *tx).await?;
                                index.insert(id, sig);
                                out.new_campaigns += 1;
                                id
                            }
                        };
                        let e = campaign_add.entry(id).or_insert((0, r.received_at, false));
                        e.0 += 1;
                        e.1 = e.1.max(r.received_at);
                        e.2 |= p.label == SpamLabel::Fraud;
                        Some(id)
                    }
                    _ => None,
                };
                campaign_of.push(c);
            }
            // The reports themselves.
            let mut idx = 0usize;
                        for chunk in keep.chunks(200) {
                let mut p = Params::default();
                let mut rows = Vec::with_capacity(chunk.len());
                for r in chunk {
                    let camp = campaign_of[idx];
                    idx += 1;
                    let t = |s: &str, n: usize| SqlVal::Text(Some(s.chars().take(n).collect()));
                    let cells: Vec<String> = match &r.parsed {
                        Ok(x) => {
                            let sid = sender_ids[x.sender_key.as_str()];
                            vec![p.int(org_id), p.int(import_id), p.text(meta.source.clone()), p.push(SqlVal::Text(r.external_id.clone())), p.push(t(&r.raw, 4000)), p.text("parsed"), p.push(SqlVal::Text(None)),
                                p.text(x.kind), p.int(sid), p.push(t(&x.sender, 200)), p.text(x.senders.clone()), p.push(t(&x.content, 4000)), p.push(SqlVal::Text(r.reporter.clone())),
                                p.text(x.label.as_str()), p.push(SqlVal::Real(Some(x.score))), p.text(x.reasons.clone()), p.text(x.indicators.clone()), p.text(x.urls.clone()),
                                p.push(SqlVal::Text(x.signature.map(|g| g.to_hex()))), p.push(SqlVal::Int(camp)), p.push(SqlVal::Int(case_ids.get(&sid).copied())), p.int(r.received_at), p.int(now)]
                        }
                        Err(e) => vec![p.int(org_id), p.int(import_id), p.text(meta.source.clone()), p.push(SqlVal::Text(r.external_id.clone())), p.push(t(&r.raw, 4000)), p.text("unparsed"), p.push(t(e, 500)),
                            p.push(SqlVal::Text(None)), p.push(SqlVal::Int(None)), p.push(SqlVal::Text(None)), p.text("[]"), p.text(""), p.push(SqlVal::Text(r.reporter.clone())),
                            p.push(SqlVal::Text(None)), p.push(SqlVal::Real(None)), p.text("[]"), p.text("[]"), p.text("[]"),
                            p.push(SqlVal::Text(None)), p.push(SqlVal::Int(None)), p.push(SqlVal::Int(None)), p.int(r.received_at), p.int(now)],
                    };
                    rows.push(format!("({})", cells.join(", ")));
                }
                let sql = anonymous(self, format!("INSERT INTO spam_reports (org_id, import_id, source, external_id, raw, state, error, kind, sender_id, sender, senders, content, reporter, label, score, reasons, indicators, urls, signature, campaign_id, case_id, received_at, created_at) VALUES {} RETURNING id", rows.join(", ")));
                let ids: Vec<i64> = bind_all!(sqlx::query_scalar::<_, i64>(&sql), &p.vals).fetch_all(&mut *tx).await?;
                for id in ids {
                    if out.report_ids.len() < 1000 {
                        out.report_ids.push(id);
                    }
                }
            }
            // Senders new to each campaign.
            let mut pairs: Vec<(i64, i64)> = keep.iter().zip(&campaign_of).filter_map(|(r, c)| match (&r.parsed, c) {
                (Ok(p), Some(c)) => Some((*c, sender_ids[p.sender_key.as_str()])),
                _ => None,
            }).collect();
            pairs.sort_unstable();
            pairs.dedup();
            let mut new_senders: HashMap<i64, i64> = HashMap::new();
            for chunk in pairs.chunks(500) {
                let mut p = Params::default();
                let rows: Vec<String> = chunk.iter().map(|(c, s)| format!("({}, {})", p.int(*c), p.int(*s))).collect();
                let sql = anonymous(self, format!("INSERT INTO spam_campaign_senders (campaign_id, sender_id) VALUES {} ON CONFLICT DO NOTHING RETURNING campaign_id", rows.join(", ")));
                for c in bind_all!(sqlx::query_scalar::<_, i64>(&sql), &p.vals).fetch_all(&mut *tx).await? {
                    *new_senders.entry(c).or_default() += 1;
                }
            }
            for (id, (n, last, fraud)) in &campaign_add {
                sqlx::query("UPDATE spam_campaigns SET reports = reports + $2, last_seen = CASE WHEN last_seen > $3 THEN last_seen ELSE $3 END, label = CASE WHEN $4 = 1 THEN 'fraud' ELSE label END, \
                    senders = senders + $5 WHERE id = $1")
                    .bind(id).bind(n).bind(last).bind(i64::from(*fraud)).bind(new_senders.get(id).copied().unwrap_or(0)).execute(&mut *tx).await?;
            }
            if let Some(old) = meta.replaces {
                let n = sqlx::query("UPDATE spam_reports SET state = 'fixed', fixed_by = $3 WHERE id = $1 AND org_id = $2 AND state = 'unparsed'")
                    .bind(old).bind(org_id).bind(&actor.email).execute(&mut *tx).await?;
                if n.rows_affected() != 1 {
                    return Err(StoreError::Conflict("the report is not waiting to be fixed".into()));
                }
                let e = audit::row(actor, Some(org_id), "fix", "spam_reports", Some(old), None, json!({"replaced_by": out.report_ids}).as_object());
                audit_insert!(&mut *tx, e);
            }
            let after = json!({"source": meta.source, "file_name": meta.file_name, "rows": out.rows, "parsed": out.parsed, "unparsed": out.unparsed, "repeated": out.repeated});
            let e = audit::row(actor, Some(org_id), "import", "spam_imports", Some(import_id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        Ok(out)
    }

    /// The signatures of an operator's campaigns seen since `since` (at most 200,000, the
    /// newest), for [`CampaignIndex`].
    pub async fn spam_campaign_hashes(
        &self,
        org_id: i64,
        since: i64,
    ) -> Result<Vec<(i64, String)>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64, String)>("SELECT id, signature FROM spam_campaigns WHERE org_id = $1 AND last_seen >= $2 ORDER BY id DESC LIMIT 200000")
                .bind(org_id).bind(since).fetch_all(pool).await?)
        })
    }

    /// Domains and URLs on the threat lists (every list's domain and URL entries), lower case.
    pub async fn listed_domains(&self) -> Result<HashSet<String>> {
        let v: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT LOWER(value) FROM botnet_entries WHERE kind IN ('domain', 'url', 'hostname')").fetch_all(pool).await?
        });
        Ok(v.into_iter().collect())
    }

    /// The telecom operators in scope: id, code, name.
    pub async fn telecom_orgs(&self, scope: &Scope) -> Result<Vec<(i64, String, String)>> {
        let sql = format!(
            "SELECT o.id, o.code, o.name FROM orgs o WHERE o.kind = 'telecom'{} ORDER BY o.code",
            scope_sql(scope, "o.id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (i64, String, String)>(&sql).fetch_all(pool).await?) })
    }

    /// The directive items addressed to an organisation (a Ministry measure a case may carry
    /// out): item id, the directive's id, number and the item's code and text.
    pub async fn directive_items_for(
        &self,
        org_id: i64,
    ) -> Result<Vec<(i64, i64, String, String, String)>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64, i64, String, String, String)>("SELECT i.id, d.id, d.number, i.code, i.body FROM directive_tasks t JOIN directive_items i ON i.id = t.item_id JOIN directives d ON d.id = i.directive_id WHERE t.org_id = $1 ORDER BY d.issued_on DESC, i.position LIMIT 200")
                .bind(org_id).fetch_all(pool).await?)
        })
    }

    // ---- Reading ----

    /// Reports in scope, the newest first.
    pub async fn spam_reports(
        &self,
        scope: &Scope,
        q: &SpamReportQuery,
    ) -> Result<Vec<SpamReportRow>> {
        let mut p = Params::default();
        let mut w = String::new();
        if let Some(s) = &q.state {
            w.push_str(&format!(" AND r.state = {}", p.text(s.clone())));
        }
        if let Some(s) = &q.label {
            w.push_str(&format!(" AND r.label = {}", p.text(s.clone())));
        }
        for (col, v) in [
            ("r.sender_id", q.sender_id),
            ("r.campaign_id", q.campaign_id),
            ("r.case_id", q.case_id),
            ("r.import_id", q.import_id),
        ] {
            if let Some(v) = v {
                w.push_str(&format!(" AND {col} = {}", p.int(v)));
            }
        }
        if let Some(b) = q.before {
            w.push_str(&format!(" AND r.id < {}", p.int(b)));
        }
        let sql = format!("SELECT {REPORT_COLS} FROM spam_reports r JOIN orgs o ON o.id = r.org_id WHERE 1=1{w}{} ORDER BY r.id DESC LIMIT {}", scope_sql(scope, "r.org_id"), q.limit.clamp(1, 1000));
        on_pool!(self, pool => { Ok(bind_all!(sqlx::query_as::<_, SpamReportRow>(&sql), &p.vals).fetch_all(pool).await?) })
    }

    /// One report in scope.
    pub async fn spam_report(&self, scope: &Scope, id: i64) -> Result<Option<SpamReportRow>> {
        let sql = format!("SELECT {REPORT_COLS} FROM spam_reports r JOIN orgs o ON o.id = r.org_id WHERE r.id = $1{}", scope_sql(scope, "r.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamReportRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// The work queue: cases awaiting a measure, then those awaiting closure, each by their
    /// sender's score (then the nearest time limit).
    pub async fn spam_queue(&self, scope: &Scope, limit: i64) -> Result<Vec<SpamCaseRow>> {
        let sql = agg(self, &format!("SELECT {CASE_COLS} FROM spam_cases k JOIN spam_senders s ON s.id = k.sender_id JOIN orgs o ON o.id = k.org_id \
            WHERE k.state IN ('open', 'actioned'){} ORDER BY CASE WHEN k.state = 'open' THEN 0 ELSE 1 END, s.score DESC, k.due_at LIMIT $1", scope_sql(scope, "k.org_id")));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamCaseRow>(&sql).bind(limit.clamp(1, 1000)).fetch_all(pool).await?) })
    }

    /// Cases in scope (of one state; `overdue`: active past their time limit), the newest first.
    pub async fn spam_cases(
        &self,
        scope: &Scope,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SpamCaseRow>> {
        let filter = case_state_filter(state);
        let sql = agg(self, &format!("SELECT {CASE_COLS} FROM spam_cases k JOIN spam_senders s ON s.id = k.sender_id JOIN orgs o ON o.id = k.org_id WHERE 1=1{filter}{} ORDER BY k.id DESC LIMIT $1", scope_sql(scope, "k.org_id")));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamCaseRow>(&sql).bind(limit.clamp(1, 100_000)).fetch_all(pool).await?) })
    }

    /// How many cases in scope are of one state (as [`Store::spam_cases`] reads it), counted
    /// without reading them.
    pub async fn spam_case_count(&self, scope: &Scope, state: Option<&str>) -> Result<i64> {
        let filter = case_state_filter(state);
        let sql = format!(
            "SELECT COUNT(*) FROM spam_cases k WHERE 1=1{filter}{}",
            scope_sql(scope, "k.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_scalar::<_, i64>(&sql).fetch_one(pool).await?) })
    }

    /// One case in scope.
    pub async fn spam_case(&self, scope: &Scope, id: i64) -> Result<Option<SpamCaseRow>> {
        let sql = agg(self, &format!("SELECT {CASE_COLS} FROM spam_cases k JOIN spam_senders s ON s.id = k.sender_id JOIN orgs o ON o.id = k.org_id WHERE k.id = $1{}", scope_sql(scope, "k.org_id")));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamCaseRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// A sender's cases, the newest first.
    pub async fn spam_cases_of_sender(
        &self,
        scope: &Scope,
        sender_id: i64,
    ) -> Result<Vec<SpamCaseRow>> {
        let sql = agg(self, &format!("SELECT {CASE_COLS} FROM spam_cases k JOIN spam_senders s ON s.id = k.sender_id JOIN orgs o ON o.id = k.org_id WHERE k.sender_id = $1{} ORDER BY k.id DESC", scope_sql(scope, "k.org_id")));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamCaseRow>(&sql).bind(sender_id).fetch_all(pool).await?) })
    }

    /// The cases carrying out a directive item, in scope.
    pub async fn spam_cases_of_directive_item(
        &self,
        scope: &Scope,
        item_id: i64,
    ) -> Result<Vec<SpamCaseRow>> {
        let sql = agg(self, &format!("SELECT {CASE_COLS} FROM spam_cases k JOIN spam_senders s ON s.id = k.sender_id JOIN orgs o ON o.id = k.org_id WHERE k.directive_item_id = $1{} ORDER BY k.id DESC", scope_sql(scope, "k.org_id")));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamCaseRow>(&sql).bind(item_id).fetch_all(pool).await?) })
    }

    /// A case's measures, in order.
    pub async fn spam_actions(&self, case_id: i64) -> Result<Vec<SpamActionRow>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, SpamActionRow>("SELECT id, case_id, action, note, evidence, at, by_email FROM spam_actions WHERE case_id = $1 ORDER BY id").bind(case_id).fetch_all(pool).await?)
        })
    }

    /// Senders in scope by score.
    pub async fn spam_senders(&self, scope: &Scope, limit: i64) -> Result<Vec<SpamSenderRow>> {
        let sql = format!("SELECT {SENDER_COLS} FROM spam_senders s JOIN orgs o ON o.id = s.org_id WHERE 1=1{} ORDER BY s.score DESC, s.id LIMIT $1", scope_sql(scope, "s.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamSenderRow>(&sql).bind(limit.clamp(1, 1000)).fetch_all(pool).await?) })
    }

    /// One sender in scope.
    pub async fn spam_sender(&self, scope: &Scope, id: i64) -> Result<Option<SpamSenderRow>> {
        let sql = format!("SELECT {SENDER_COLS} FROM spam_senders s JOIN orgs o ON o.id = s.org_id WHERE s.id = $1{}", scope_sql(scope, "s.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamSenderRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// Campaigns in scope, the largest recent first.
    pub async fn spam_campaigns(
        &self,
        scope: &Scope,
        since: i64,
        limit: i64,
    ) -> Result<Vec<SpamCampaignRow>> {
        let sql = format!("SELECT {CAMPAIGN_COLS} FROM spam_campaigns c JOIN orgs o ON o.id = c.org_id WHERE c.last_seen >= $1 AND c.reports > 1{} ORDER BY c.reports DESC, c.id LIMIT $2", scope_sql(scope, "c.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamCampaignRow>(&sql).bind(since).bind(limit.clamp(1, 1000)).fetch_all(pool).await?) })
    }

    /// One campaign in scope.
    pub async fn spam_campaign(&self, scope: &Scope, id: i64) -> Result<Option<SpamCampaignRow>> {
        let sql = format!("SELECT {CAMPAIGN_COLS} FROM spam_campaigns c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1{}", scope_sql(scope, "c.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamCampaignRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// The senders of a campaign with their reports in it, by count.
    pub async fn spam_campaign_senders(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Vec<(SpamSenderRow, i64)>> {
        let sql = format!("SELECT r.sender_id, COUNT(*) FROM spam_reports r WHERE r.campaign_id = $1{} GROUP BY r.sender_id ORDER BY COUNT(*) DESC LIMIT 200", scope_sql(scope, "r.org_id"));
        let counts: Vec<(Option<i64>, i64)> =
            on_pool!(self, pool => { sqlx::query_as(&sql).bind(id).fetch_all(pool).await? });
        let mut out = Vec::new();
        for (sid, n) in counts {
            if let Some(s) = self.spam_sender(scope, sid.unwrap_or(0)).await? {
                out.push((s, n));
            }
        }
        Ok(out)
    }

    /// File imports in scope, the newest first (reports sent one by one — by 5656, the API,
    /// the form — are imports too, but are not listed here).
    pub async fn spam_imports(&self, scope: &Scope, limit: i64) -> Result<Vec<SpamImportRow>> {
        let sql = format!("SELECT i.id, i.org_id, o.code AS org_code, i.source, i.file_name, i.rows, i.parsed, i.unparsed, i.repeated, i.mapping, i.created_at, i.created_by FROM spam_imports i JOIN orgs o ON o.id = i.org_id WHERE i.source = 'file'{} ORDER BY i.id DESC LIMIT $1", scope_sql(scope, "i.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SpamImportRow>(&sql).bind(limit.clamp(1, 1000)).fetch_all(pool).await?) })
    }

    /// Reports per day (UTC+7 day number since 1970) and label in scope since `since`;
    /// unparsed reports under the label `unparsed`.
    pub async fn spam_daily(&self, scope: &Scope, since: i64) -> Result<Vec<(i64, String, i64)>> {
        let sql = format!("SELECT (r.received_at + 25200000) / 86400000 AS day, COALESCE(r.label, 'unparsed') AS label, COUNT(*) FROM spam_reports r WHERE r.received_at >= $1 AND r.state <> 'fixed'{} GROUP BY day, COALESCE(r.label, 'unparsed') ORDER BY day", scope_sql(scope, "r.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (i64, String, i64)>(&sql).bind(since).fetch_all(pool).await?) })
    }

    /// Per operator in scope: reports by label (and unparsed), active cases, overdue cases,
    /// harmful items awaiting action — `(org_id, org_code, what, count)`. A case is overdue when no
    /// measure was taken by its time limit.
    pub async fn spam_counts(&self, scope: &Scope) -> Result<Vec<(i64, String, String, i64)>> {
        let now = now_ms();
        let s1 = scope_sql(scope, "r.org_id");
        let s2 = scope_sql(scope, "k.org_id");
        let s3 = scope_sql(scope, "h.org_id");
        let sql = format!(
            "SELECT r.org_id, o.code, COALESCE(r.label, 'unparsed'), COUNT(*) FROM spam_reports r JOIN orgs o ON o.id = r.org_id WHERE r.state <> 'fixed'{s1} GROUP BY r.org_id, o.code, COALESCE(r.label, 'unparsed') \
             UNION ALL SELECT k.org_id, o.code, 'active_cases', COUNT(*) FROM spam_cases k JOIN orgs o ON o.id = k.org_id WHERE k.state IN ('open', 'actioned'){s2} GROUP BY k.org_id, o.code \
             UNION ALL SELECT k.org_id, o.code, 'overdue_cases', COUNT(*) FROM spam_cases k JOIN orgs o ON o.id = k.org_id WHERE k.state = 'open' AND k.due_at < $1{s2} GROUP BY k.org_id, o.code \
             UNION ALL SELECT h.org_id, o.code, 'harmful_active', COUNT(*) FROM harmful_items h JOIN orgs o ON o.id = h.org_id WHERE h.state IN ('reported', 'blocked', 'takedown'){s3} GROUP BY h.org_id, o.code"
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (i64, String, String, i64)>(&sql).bind(now).fetch_all(pool).await?) })
    }

    // ---- Handling ----

    /// Records a measure on a case (its note says what was done and on what basis); the case
    /// becomes actioned (or dismissed). A Ministry measure (directive item) it carries out may
    /// be named. Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_spam_action(
        &self,
        scope: &Scope,
        actor: &Actor,
        case_id: i64,
        action: CaseAction,
        note: &str,
        evidence: &str,
        directive_item_id: Option<i64>,
    ) -> Result<i64> {
        let case = self
            .spam_case(scope, case_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let state = CaseState::parse(&case.state).unwrap_or(CaseState::Open);
        if !state.active() {
            return Err(StoreError::Conflict("the case is closed".into()));
        }
        let note: String = note.trim().chars().take(4000).collect();
        if note.is_empty() {
            return Err(invalid(
                "note",
                "say what was done and on what basis",
                "ghi rõ đã làm gì và căn cứ",
            ));
        }
        let evidence: String = evidence.trim().chars().take(2000).collect();
        let now = now_ms();
        let next = action.next_state();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(item) = directive_item_id {
                // The item must be addressed to this operator.
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM directive_tasks WHERE item_id = $1 AND org_id = $2").bind(item).bind(case.org_id).fetch_one(&mut *tx).await?;
                if n == 0 {
                    return Err(invalid("directive_item", "that directive item is not addressed to this operator", "mục chỉ đạo này không giao cho nhà mạng này"));
                }
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO spam_actions (case_id, org_id, action, note, evidence, at, by_email) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(case_id).bind(case.org_id).bind(action.as_str()).bind(&note).bind(&evidence).bind(now).bind(&actor.email)
                .fetch_one(&mut *tx).await?;
            let closed = if next == CaseState::Dismissed { Some(now) } else { None };
            sqlx::query("UPDATE spam_cases SET state = $2, closed_at = COALESCE($3, closed_at), closed_by = CASE WHEN $3 IS NULL THEN closed_by ELSE $4 END, directive_item_id = COALESCE($5, directive_item_id) WHERE id = $1")
                .bind(case_id).bind(next.as_str()).bind(closed).bind(&actor.email).bind(directive_item_id)
                .execute(&mut *tx).await?;
            let b = json!({"state": case.state});
            let a = json!({"state": next.as_str(), "action": action.as_str(), "note": note, "evidence": evidence, "directive_item": directive_item_id});
            let e = audit::row(actor, Some(case.org_id), "act", "spam_cases", Some(case_id), b.as_object(), a.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Closes an actioned case (a measure must have been taken). Audited.
    pub async fn close_spam_case(
        &self,
        scope: &Scope,
        actor: &Actor,
        case_id: i64,
        note: &str,
    ) -> Result<()> {
        let case = self
            .spam_case(scope, case_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if case.state != CaseState::Actioned.as_str() {
            return Err(StoreError::Conflict(
                "only a case with a measure taken can be closed".into(),
            ));
        }
        let note: String = note.trim().chars().take(4000).collect();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE spam_cases SET state = 'closed', closed_at = $2, closed_by = $3 WHERE id = $1 AND state = 'actioned'")
                .bind(case_id).bind(now_ms()).bind(&actor.email).execute(&mut *tx).await?;
            if n.rows_affected() != 1 {
                return Err(StoreError::Conflict("the case changed meanwhile".into()));
            }
            let e = audit::row(actor, Some(case.org_id), "close", "spam_cases", Some(case_id), json!({"state": "actioned"}).as_object(), json!({"state": "closed", "note": note}).as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }
}

/// The `WHERE` terms for a case state as the lists name it: a [`CaseState`], `overdue` (open
/// past its time limit) or `handled` (actioned, closed or dismissed); anything else is every case.
fn case_state_filter(state: Option<&str>) -> String {
    match state {
        Some("overdue") => format!(" AND k.state = 'open' AND k.due_at < {}", now_ms()),
        Some("handled") => " AND k.state IN ('actioned', 'closed', 'dismissed')".to_string(),
        Some(s) if CaseState::parse(s).is_some() => format!(" AND k.state = '{s}'"),
        _ => String::new(),
    }
}
