//! Storage of the shared core: signals (with de-duplication) and work items (with their
//! closing rules enforced by `canhgac_domain::work::apply`).

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Params, Result, Store, StoreError};
use canhgac_domain::signal::{dedup, Dedup, OpenSignal, Severity, SignalKind, SignalState};
use canhgac_domain::time::now_ms;
use canhgac_domain::work::{apply, WorkEvent, WorkKind, WorkState};
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A signal to raise.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct NewSignal {
    /// Kind.
    pub kind: SignalKind,
    /// Where it came from (rule id, list name, feed…).
    pub source: String,
    /// One line for a person.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Owning organisation, resolved through the registry.
    pub org_id: Option<i64>,
    /// Host, if known.
    pub host_id: Option<i64>,
    /// De-duplication key (e.g. rule + host).
    pub dedup_key: String,
    /// When observed (Unix ms).
    pub seen_at: i64,
    /// Window within which the same key counts up.
    pub window_ms: i64,
    /// Details (event excerpt, list entry…).
    pub payload: Value,
    /// The host's name as the source gave it (kept for grouping and filtering).
    pub host_name: Option<String>,
    /// The remote (attacker) address the evidence names, if any.
    pub src_ip: Option<String>,
}

/// Alerts of one kind, organisation and host whose first occurrences fall within this window
/// of the group's first alert form one group on the triage lists.
pub const GROUP_WINDOW_MS: i64 = 10 * 60_000;

/// A stored signal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SignalRow {
    /// Id.
    pub id: i64,
    /// Kind (wire name).
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub kind: SignalKind,
    /// Source.
    pub source: String,
    /// Title.
    pub title: String,
    /// Severity (wire name).
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub severity: Severity,
    /// Organisation.
    pub org_id: Option<i64>,
    /// Organisation code.
    pub org_code: Option<String>,
    /// Host.
    pub host_id: Option<i64>,
    /// State (wire name).
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub state: SignalState,
    /// De-duplication key.
    pub dedup_key: String,
    /// Occurrences.
    pub count: i64,
    /// First seen (Unix ms).
    pub first_seen: i64,
    /// Last seen (Unix ms).
    pub last_seen: i64,
    /// Assigned user.
    pub assignee_id: Option<i64>,
    /// Details (JSON text in the store, the JSON object on the wire).
    #[serde(serialize_with = "crate::wire::json_text")]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<String>,
    /// The group it is triaged in (the id of the group's first alert; see [`GROUP_WINDOW_MS`]).
    pub group_id: Option<i64>,
    /// Host name as the source gave it.
    pub host_name: Option<String>,
    /// The remote (attacker) address the evidence names.
    pub src_ip: Option<String>,
}

/// Signal list filters (all of them applied in the store, over every signal in scope).
#[derive(Debug, Clone, Default)]
pub struct SignalFilter {
    /// Kind.
    pub kind: Option<SignalKind>,
    /// State.
    pub state: Option<SignalState>,
    /// Only open ones.
    pub open_only: bool,
    /// Severity.
    pub severity: Option<Severity>,
    /// Owning organisation.
    pub org_id: Option<i64>,
    /// Source (for Sigma alerts the rule's key).
    pub source: Option<String>,
    /// Host name (case-insensitive, exact).
    pub host: Option<String>,
    /// Registered host.
    pub host_id: Option<i64>,
    /// Remote (attacker) address.
    pub src_ip: Option<String>,
    /// Words that must all appear in the title, host, source or address (case-insensitive).
    pub q: Option<String>,
    /// Seen at or after (Unix ms).
    pub since: Option<i64>,
    /// Seen before (Unix ms).
    pub until: Option<i64>,
    /// Members of one group.
    pub group_id: Option<i64>,
    /// Order.
    pub sort: SignalSort,
    /// Page size.
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

/// How a signal list (or a list of alert groups) is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignalSort {
    /// Most recently seen first.
    #[default]
    Newest,
    /// Least recently seen first.
    Oldest,
    /// Most severe first, then newest.
    Severity,
    /// Most occurrences first.
    Count,
    /// By organisation code.
    Org,
    /// By host name.
    Host,
    /// By title.
    Title,
}

impl SignalSort {
    /// Every order, with its name in a query string.
    pub const ALL: [(SignalSort, &'static str); 7] = [
        (SignalSort::Newest, "newest"),
        (SignalSort::Oldest, "oldest"),
        (SignalSort::Severity, "severity"),
        (SignalSort::Count, "count"),
        (SignalSort::Org, "org"),
        (SignalSort::Host, "host"),
        (SignalSort::Title, "title"),
    ];

    /// Parses a query-string name (unknown: newest first).
    pub fn parse(s: &str) -> SignalSort {
        SignalSort::ALL
            .iter()
            .find(|(_, n)| *n == s)
            .map_or(SignalSort::Newest, |(v, _)| *v)
    }

    /// The query-string name.
    pub fn as_str(self) -> &'static str {
        SignalSort::ALL
            .iter()
            .find(|(v, _)| *v == self)
            .map_or("newest", |(_, n)| n)
    }
}

/// SQL ranking a severity column: critical 5 … info 1.
pub(crate) fn severity_rank(col: &str) -> String {
    format!(
        "(CASE {col} WHEN 'critical' THEN 5 WHEN 'high' THEN 4 WHEN 'medium' THEN 3 WHEN 'low' THEN 2 ELSE 1 END)"
    )
}

/// `s` with `%`, `_` and `\` escaped for LIKE … ESCAPE '\'.
pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The WHERE clause (starting ` WHERE`) for a signal filter over `signals s`, scope included.
pub(crate) fn signal_where(scope: &Scope, f: &SignalFilter, p: &mut Params, like: &str) -> String {
    let mut w = String::from(" WHERE 1=1");
    if scope.ids().is_some() {
        w.push_str(" AND s.org_id IS NOT NULL");
        w.push_str(&scope_sql(scope, "s.org_id"));
    }
    if let Some(k) = f.kind {
        w.push_str(&format!(" AND s.kind = {}", p.text(k.as_str())));
    }
    if let Some(st) = f.state {
        w.push_str(&format!(" AND s.state = {}", p.text(st.as_str())));
    }
    if f.open_only {
        // The open states named (not "not closed"), so an index on the state can find them.
        w.push_str(" AND s.state IN ('new', 'acknowledged', 'in_progress')");
    }
    if let Some(v) = f.severity {
        w.push_str(&format!(" AND s.severity = {}", p.text(v.as_str())));
    }
    if let Some(o) = f.org_id {
        w.push_str(&format!(" AND s.org_id = {}", p.int(o)));
    }
    if let Some(src) = f.source.as_deref().filter(|v| !v.is_empty()) {
        w.push_str(&format!(" AND s.source = {}", p.text(src)));
    }
    if let Some(h) = f.host.as_deref().filter(|v| !v.is_empty()) {
        w.push_str(&format!(
            " AND lower(s.host_name) = {}",
            p.text(h.to_lowercase())
        ));
    }
    if let Some(h) = f.host_id {
        w.push_str(&format!(" AND s.host_id = {}", p.int(h)));
    }
    if let Some(ip) = f.src_ip.as_deref().filter(|v| !v.is_empty()) {
        w.push_str(&format!(" AND s.src_ip = {}", p.text(ip)));
    }
    if let Some(q) = f.q.as_deref() {
        // Case-insensitive in both backends: ILIKE on PostgreSQL; on SQLite, whose LIKE folds
        // ASCII only, the word as typed, in lower case, capitalised and in capitals (so
        // "đèn" finds "Đèn").
        for word in q.split_whitespace().take(8) {
            let lower = word.to_lowercase();
            let mut forms = vec![lower.clone(), capitalised(&lower), word.to_uppercase()];
            forms.sort();
            forms.dedup();
            let mut alts = Vec::new();
            for form in forms {
                let ph = p.text(format!("%{}%", escape_like(&form)));
                for col in [
                    "s.title",
                    "COALESCE(s.host_name, '')",
                    "s.source",
                    "COALESCE(s.src_ip, '')",
                ] {
                    alts.push(format!("{col} {like} {ph} ESCAPE '\\'"));
                }
            }
            w.push_str(&format!(" AND ({})", alts.join(" OR ")));
        }
    }
    if let Some(t) = f.since {
        w.push_str(&format!(" AND s.last_seen >= {}", p.int(t)));
    }
    if let Some(t) = f.until {
        w.push_str(&format!(" AND s.first_seen < {}", p.int(t)));
    }
    if let Some(g) = f.group_id {
        w.push_str(&format!(" AND s.group_id = {}", p.int(g)));
    }
    w
}

/// A work item to create.
#[derive(Debug, Clone)]
pub struct NewWorkItem {
    /// Kind (decides the closing rule).
    pub kind: WorkKind,
    /// One line for a person.
    pub title: String,
    /// Assignee organisation.
    pub org_id: i64,
    /// Host, if any.
    pub host_id: Option<i64>,
    /// The signal it came from, if any.
    pub signal_id: Option<i64>,
    /// Due (Unix ms).
    pub due_at: Option<i64>,
    /// Details.
    pub detail: Value,
    /// What it is about, for work closed by proof (e.g. `botnet:botnet:203.0.113.7`).
    pub subject: Option<String>,
}

/// A stored work item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct WorkItemRow {
    /// Id.
    pub id: i64,
    /// Kind (wire name).
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub kind: WorkKind,
    /// Title.
    pub title: String,
    /// Organisation.
    pub org_id: i64,
    /// Organisation code.
    pub org_code: Option<String>,
    /// Host.
    pub host_id: Option<i64>,
    /// Originating signal.
    pub signal_id: Option<i64>,
    /// Assigned user.
    pub assignee_id: Option<i64>,
    /// State (wire name).
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub state: WorkState,
    /// Due (Unix ms).
    pub due_at: Option<i64>,
    /// Escalated (0/1 in the store, a boolean on the wire).
    #[serde(serialize_with = "crate::wire::flag")]
    #[schema(value_type = bool)]
    pub escalated: i64,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Updated (Unix ms).
    pub updated_at: i64,
    /// Details (JSON text in the store, the JSON object on the wire).
    #[serde(serialize_with = "crate::wire::json_text")]
    #[schema(value_type = Option<Object>)]
    pub detail: Option<String>,
    /// What it is about (see [`NewWorkItem::subject`]).
    pub subject: Option<String>,
}

/// A note on a work item: what was done, with evidence.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct WorkNote {
    /// Id.
    pub id: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Who.
    pub user_email: String,
    /// The event's action.
    pub action: String,
    /// What was done.
    pub note: Option<String>,
    /// Evidence (text, link, hash).
    pub evidence: Option<String>,
}

/// Work item list filters.
#[derive(Debug, Clone, Default)]
pub struct WorkFilter {
    /// Kind.
    pub kind: Option<WorkKind>,
    /// State.
    pub state: Option<WorkState>,
    /// Only open ones.
    pub open_only: bool,
    /// Only open ones past their deadline at this time (Unix ms).
    pub overdue_at: Option<i64>,
    /// Page size.
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

pub(crate) const SIGNAL_COLS: &str =
    "s.id, s.kind, s.source, s.title, s.severity, s.org_id, o.code AS org_code, s.host_id, \
    s.state, s.dedup_key, s.count, s.first_seen, s.last_seen, s.assignee_id, s.payload, \
    s.group_id, s.host_name, s.src_ip";
pub(crate) const WORK_COLS: &str =
    "w.id, w.kind, w.title, w.org_id, o.code AS org_code, w.host_id, w.signal_id, \
    w.assignee_id, w.state, w.due_at, w.escalated, w.created_at, w.updated_at, w.detail, w.subject";

/// ORDER BY for a signal list.
/// Newest first in a scope of a few organisations: one slice of `take` rows per organisation
/// (see [`crate::per_org`]).
pub(crate) fn per_org(
    scope: &Scope,
    f: &SignalFilter,
    like: &str,
    cols: &str,
    order: &str,
    take: i64,
) -> Option<(String, Params)> {
    crate::per_org(scope, |one, p| {
        let w = signal_where(one, f, p, like);
        format!(
            "SELECT {cols} FROM signals s LEFT JOIN orgs o ON o.id = s.org_id{w} \
             ORDER BY {order} LIMIT {take}"
        )
    })
}

/// Counts the signals a `WHERE` clause selects, up to [`crate::COUNT_CAP`] + 1.
fn capped_count_sql(w: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM signals s{w} LIMIT {}) c",
        crate::COUNT_CAP + 1
    )
}

fn signal_order(sort: SignalSort) -> String {
    match sort {
        SignalSort::Newest => "s.last_seen DESC, s.id DESC".into(),
        SignalSort::Oldest => "s.last_seen, s.id".into(),
        SignalSort::Severity => format!("{} DESC, s.last_seen DESC", severity_rank("s.severity")),
        SignalSort::Count => "s.count DESC, s.last_seen DESC".into(),
        SignalSort::Org => "o.code, s.last_seen DESC".into(),
        SignalSort::Host => "lower(COALESCE(s.host_name, '')), s.last_seen DESC".into(),
        SignalSort::Title => "s.title, s.last_seen DESC".into(),
    }
}

/// What raising a signal did.
#[derive(Debug, Clone)]
pub struct Raised {
    /// The signal's id.
    pub id: i64,
    /// A new signal, or a count-up of an open one.
    pub decision: Dedup,
    /// Occurrences so far (filled by [`Store::raise_outboxed`]).
    pub count: i64,
    /// The triage group (filled by [`Store::raise_outboxed`]).
    pub group_id: Option<i64>,
    /// The organisation's code (filled by [`Store::raise_outboxed`]).
    pub org_code: Option<String>,
}

/// Raises or counts up a signal inside a write transaction; evaluates to a [`Raised`].
macro_rules! raise_tx {
    ($tx:expr, $s:expr) => {{
        let s: &NewSignal = $s;
        let org = s.org_id.unwrap_or(0);
        let existing = sqlx::query_as::<_, (i64, String, i64)>(
            "SELECT id, state, last_seen FROM signals WHERE dedup_key = $1 AND kind = $2 \
             AND COALESCE(org_id, 0) = $3 ORDER BY last_seen DESC LIMIT 1",
        )
        .bind(&s.dedup_key)
        .bind(s.kind.as_str())
        .bind(org)
        .fetch_optional($tx)
        .await?;
        let open = existing.and_then(|(id, st, last_seen)| {
            SignalState::parse(&st).map(|state| OpenSignal {
                id,
                state,
                last_seen,
            })
        });
        let decision = dedup(open, s.seen_at, s.window_ms);
        let id = match decision {
            Dedup::CountUp(id) => {
                // An occurrence that arrives late (an older event, a sender's retried batch)
                // still counts; the last time seen only moves forward.
                sqlx::query("UPDATE signals SET count = count + 1, \
                             last_seen = CASE WHEN last_seen < $1 THEN $1 ELSE last_seen END WHERE id = $2 \
                             AND COALESCE(org_id, 0) = $3")
                    .bind(s.seen_at).bind(id).bind(org).execute($tx).await?;
                id
            }
            Dedup::Raise => {
                let host = s
                    .host_name
                    .as_deref()
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(str::to_lowercase);
                // The group: the newest group of this kind, organisation and host that started
                // at most GROUP_WINDOW_MS before this alert (organisation included, so a group
                // never spans tenants).
                let group: Option<i64> = match (&host, s.host_id) {
                    (None, None) => None,
                    _ => sqlx::query_scalar::<_, i64>(
                        "SELECT g.id FROM signals g WHERE g.group_id = g.id AND g.kind = $1 \
                         AND COALESCE(g.org_id, 0) = $2 \
                         AND (lower(g.host_name) = $3 OR (g.host_id IS NOT NULL AND g.host_id = $4)) \
                         AND g.first_seen >= $5 AND g.first_seen <= $6 ORDER BY g.first_seen DESC LIMIT 1",
                    )
                    .bind(s.kind.as_str()).bind(org).bind(host.as_deref()).bind(s.host_id)
                    .bind(s.seen_at - GROUP_WINDOW_MS).bind(s.seen_at)
                    .fetch_optional($tx).await?,
                };
                let id = sqlx::query_scalar::<_, i64>(
                    "INSERT INTO signals (kind, source, title, severity, org_id, host_id, state, dedup_key, count, \
                     first_seen, last_seen, payload, group_id, host_name, src_ip) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'new', $7, 1, $8, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(s.kind.as_str()).bind(&s.source).bind(&s.title).bind(s.severity.as_str())
                .bind(s.org_id).bind(s.host_id).bind(&s.dedup_key).bind(s.seen_at).bind(s.payload.to_string())
                .bind(group).bind(s.host_name.as_deref()).bind(s.src_ip.as_deref())
                .fetch_one($tx).await?;
                if group.is_none() {
                    sqlx::query("UPDATE signals SET group_id = id WHERE id = $1").bind(id).execute($tx).await?;
                }
                id
            }
        };
        Raised { id, decision, count: 0, group_id: None, org_code: None }
    }};
}

impl Store {
    /// Raises a signal or counts up the open one with the same key inside the window.
    /// Returns the signal's id and what happened.
    ///
    /// De-duplication never crosses organisations: an existing signal is counted up only when
    /// it has the same kind, the same key *and* the same owning organisation (none matches
    /// none only), so an event of one organisation can neither update nor reveal another's
    /// signal, whatever key a caller builds.
    pub async fn raise_signal(&self, s: &NewSignal) -> Result<(i64, Dedup)> {
        let r = on_pool!(self, pool => {
            // The transaction starts with its write: on SQLite a read that later writes inside
            // one would fail at once when another writer holds the lock.
            let mut tx = pool.begin_write().await?;
            let r = raise_tx!(&mut *tx, s);
            tx.commit().await?;
            r
        });
        Ok((r.id, r.decision))
    }

    /// Raises the alerts waiting in the outbox rows `ids`, in order, and deletes the rows, in one
    /// transaction: each alert and what it counts is written once whoever raises it. A row
    /// already gone (raised by another process) is skipped.
    ///
    /// An alert met again in the same rows (same kind, organisation and key, within its
    /// window) is counted up in memory and written once at the end: a burst of one rule's hits
    /// costs one update of its alert, not a lookup and an update each.
    pub async fn raise_outboxed(&self, ids: &[i64]) -> Result<Vec<(NewSignal, Raised)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        /// An alert of these rows as it stands in the transaction, with what is still to write.
        struct Met {
            id: i64,
            state: String,
            last_seen: i64,
            count: i64,
            group_id: Option<i64>,
            org_code: Option<String>,
            /// Occurrences counted here and not yet written.
            added: i64,
        }
        const FLUSH: &str = "UPDATE signals SET count = count + $1, \
                             last_seen = CASE WHEN last_seen < $2 THEN $2 ELSE last_seen END WHERE id = $3";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut out = Vec::with_capacity(ids.len());
            let mut met: HashMap<(SignalKind, i64, String), Met> = HashMap::new();
            for &outbox_id in ids {
                let text: Option<String> =
                    sqlx::query_scalar("DELETE FROM alert_outbox WHERE id = $1 RETURNING signal")
                        .bind(outbox_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(text) = text else {
                    continue;
                };
                let sig: NewSignal = serde_json::from_str(&text).map_err(|e| {
                    StoreError::Conflict(format!("outbox row {outbox_id} cannot be read: {e}"))
                })?;
                let key = (sig.kind, sig.org_id.unwrap_or(0), sig.dedup_key.clone());
                if let Some(m) = met.get_mut(&key) {
                    let open = SignalState::parse(&m.state).map(|state| OpenSignal { id: m.id, state, last_seen: m.last_seen });
                    if let Dedup::CountUp(id) = dedup(open, sig.seen_at, sig.window_ms) {
                        m.count += 1;
                        m.added += 1;
                        m.last_seen = m.last_seen.max(sig.seen_at);
                        let r = Raised { id, decision: Dedup::CountUp(id), count: m.count, group_id: m.group_id, org_code: m.org_code.clone() };
                        out.push((sig, r));
                        continue;
                    }
                    // Raised anew (its window has passed): what was counted is written first.
                    if m.added > 0 {
                        sqlx::query(FLUSH).bind(m.added).bind(m.last_seen).bind(m.id).execute(&mut *tx).await?;
                    }
                }
                let r = raise_tx!(&mut *tx, &sig);
                // What the live views show of it, read in the same transaction.
                let (count, group_id, org_code, state, last_seen): (i64, Option<i64>, Option<String>, String, i64) = sqlx::query_as(
                    "SELECT s.count, s.group_id, o.code, s.state, s.last_seen FROM signals s LEFT JOIN orgs o ON o.id = s.org_id WHERE s.id = $1",
                )
                .bind(r.id)
                .fetch_one(&mut *tx)
                .await?;
                met.insert(key, Met { id: r.id, state, last_seen, count, group_id, org_code: org_code.clone(), added: 0 });
                out.push((sig, Raised { count, group_id, org_code, ..r }));
            }
            for m in met.values().filter(|m| m.added > 0) {
                sqlx::query(FLUSH).bind(m.added).bind(m.last_seen).bind(m.id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Outbox rows written before `made_before` (their raiser may have died), oldest first.
    pub async fn outbox_waiting(&self, made_before: i64, limit: i64) -> Result<Vec<i64>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>("SELECT id FROM alert_outbox WHERE made_at < $1 ORDER BY id LIMIT $2")
                .bind(made_before).bind(limit.clamp(1, 10_000)).fetch_all(pool).await?
        }))
    }

    /// Signals in scope, newest first.
    pub async fn list_signals(
        &self,
        scope: &Scope,
        f: &SignalFilter,
    ) -> Result<(Vec<SignalRow>, i64)> {
        let mut p = Params::default();
        let w = signal_where(scope, f, &mut p, self.like());
        let limit = f.limit.unwrap_or(50).clamp(1, 1000);
        let offset = f.offset.unwrap_or(0).max(0);
        let count_sql = capped_count_sql(&w);
        let sql = format!(
            "SELECT {SIGNAL_COLS} FROM signals s LEFT JOIN orgs o ON o.id = s.org_id{w} \
             ORDER BY {} LIMIT {limit} OFFSET {offset}",
            signal_order(f.sort)
        );
        // Newest first in a few organisations: merged from one ordered slice each.
        let merged = (f.sort == SignalSort::Newest)
            .then(|| {
                per_org(scope, f, self.like(), SIGNAL_COLS, "s.last_seen DESC, s.id DESC", limit + offset)
            })
            .flatten()
            .map(|(union, p)| {
                (
                    format!("SELECT * FROM ({union}) u ORDER BY u.last_seen DESC, u.id DESC LIMIT {limit} OFFSET {offset}"),
                    p,
                )
            });
        on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?;
            let rows = match &merged {
                Some((sql, mp)) => bind_all!(sqlx::query_as::<_, SignalRow>(sql), &mp.vals).fetch_all(pool).await?,
                None => bind_all!(sqlx::query_as::<_, SignalRow>(&sql), &p.vals).fetch_all(pool).await?,
            };
            Ok((rows, total))
        })
    }

    /// How many signals match a filter, counted up to [`crate::COUNT_CAP`] + 1.
    pub async fn count_signals(&self, scope: &Scope, f: &SignalFilter) -> Result<i64> {
        let mut p = Params::default();
        let w = signal_where(scope, f, &mut p, self.like());
        let sql = capped_count_sql(&w);
        on_pool!(self, pool => {
            Ok(bind_all!(sqlx::query_scalar::<_, i64>(&sql), &p.vals).fetch_one(pool).await?)
        })
    }

    /// How many signals are open province-wide, exactly (for `/metrics`).
    pub async fn open_signal_count(&self) -> Result<i64> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM signals WHERE state IN ('new', 'acknowledged', 'in_progress')",
            )
            .fetch_one(pool)
            .await?)
        })
    }

    /// One signal in scope.
    pub async fn signal(&self, scope: &Scope, id: i64) -> Result<Option<SignalRow>> {
        let mut w = String::from(" WHERE s.id = $1");
        if scope.ids().is_some() {
            w.push_str(" AND s.org_id IS NOT NULL");
            w.push_str(&scope_sql(scope, "s.org_id"));
        }
        let sql =
            format!("SELECT {SIGNAL_COLS} FROM signals s LEFT JOIN orgs o ON o.id = s.org_id{w}");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SignalRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// Moves a signal through its lifecycle; audited.
    pub async fn transition_signal(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        to: SignalState,
    ) -> Result<SignalRow> {
        let s = self.signal(scope, id).await?.ok_or(StoreError::NotFound)?;
        let from = s.state;
        let to = from
            .transition(to)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE signals SET state = $1 WHERE id = $2").bind(to.as_str()).bind(id).execute(&mut *tx).await?;
            let before = json!({"state": from.as_str()});
            let after = json!({"state": to.as_str()});
            let e = audit::row(actor, s.org_id, "transition", "signals", Some(id), before.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.signal(scope, id).await?.ok_or(StoreError::NotFound)
    }

    /// Creates a work item for an organisation in scope; audited.
    pub async fn create_work_item(
        &self,
        scope: &Scope,
        actor: &Actor,
        w: &NewWorkItem,
    ) -> Result<WorkItemRow> {
        if !scope.contains(w.org_id) {
            return Err(StoreError::Forbidden(
                "organisation outside your scope".into(),
            ));
        }
        let now = now_ms();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO work_items (kind, title, org_id, host_id, signal_id, state, due_at, escalated, created_at, updated_at, detail, subject) \
                 VALUES ($1, $2, $3, $4, $5, 'open', $6, 0, $7, $7, $8, $9) RETURNING id",
            )
            .bind(w.kind.as_str()).bind(&w.title).bind(w.org_id).bind(w.host_id).bind(w.signal_id)
            .bind(w.due_at).bind(now).bind(w.detail.to_string()).bind(&w.subject)
            .fetch_one(&mut *tx).await?;
            let after = json!({"id": id, "kind": w.kind.as_str(), "title": w.title, "org_id": w.org_id, "due_at": w.due_at});
            let e = audit::row(actor, Some(w.org_id), "create", "work_items", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            id
        });
        self.work_item(scope, id).await?.ok_or(StoreError::NotFound)
    }

    /// One work item in scope.
    pub async fn work_item(&self, scope: &Scope, id: i64) -> Result<Option<WorkItemRow>> {
        let sql = format!(
            "SELECT {WORK_COLS} FROM work_items w JOIN orgs o ON o.id = w.org_id WHERE w.id = $1{}",
            scope_sql(scope, "w.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, WorkItemRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// Work items in scope that came from a signal, concern a host or have a subject (any of
    /// those given), newest first, at most 100.
    pub async fn related_work_items(
        &self,
        scope: &Scope,
        signal_id: Option<i64>,
        host_id: Option<i64>,
        subject: Option<&str>,
    ) -> Result<Vec<WorkItemRow>> {
        let sql = format!(
            "SELECT {WORK_COLS} FROM work_items w JOIN orgs o ON o.id = w.org_id \
             WHERE (w.signal_id = $1 OR w.host_id = $2 OR w.subject = $3){} ORDER BY w.id DESC LIMIT 100",
            scope_sql(scope, "w.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, WorkItemRow>(&sql).bind(signal_id).bind(host_id).bind(subject).fetch_all(pool).await?)
        })
    }

    /// Work items in scope whose title or subject contains every word (newest first, at most
    /// `limit`).
    pub async fn search_work_items(
        &self,
        scope: &Scope,
        q: &str,
        limit: i64,
    ) -> Result<Vec<WorkItemRow>> {
        let mut p = Params::default();
        let mut w = format!(" WHERE 1=1{}", scope_sql(scope, "w.org_id"));
        for word in q.split_whitespace().take(8) {
            let like = format!(
                "%{}%",
                word.to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            let ph = p.text(like);
            w.push_str(&format!(
                " AND (lower(w.title) LIKE {ph} ESCAPE '\\' OR lower(COALESCE(w.subject, '')) LIKE {ph} ESCAPE '\\')"
            ));
        }
        let sql = format!(
            "SELECT {WORK_COLS} FROM work_items w JOIN orgs o ON o.id = w.org_id{w} ORDER BY w.id DESC LIMIT {}",
            limit.clamp(1, 200)
        );
        on_pool!(self, pool => {
            Ok(bind_all!(sqlx::query_as::<_, WorkItemRow>(&sql), &p.vals).fetch_all(pool).await?)
        })
    }

    /// Work items in scope, soonest due first.
    pub async fn list_work_items(
        &self,
        scope: &Scope,
        f: &WorkFilter,
    ) -> Result<(Vec<WorkItemRow>, i64)> {
        let mut p = Params::default();
        let mut w = format!(" WHERE 1=1{}", scope_sql(scope, "w.org_id"));
        if let Some(k) = f.kind {
            w.push_str(&format!(" AND w.kind = {}", p.text(k.as_str())));
        }
        if let Some(st) = f.state {
            w.push_str(&format!(" AND w.state = {}", p.text(st.as_str())));
        }
        if f.open_only {
            w.push_str(" AND w.state NOT IN ('closed', 'not_applicable')");
        }
        if let Some(t) = f.overdue_at {
            w.push_str(&format!(
                " AND w.state NOT IN ('closed', 'not_applicable') AND w.due_at < {}",
                p.int(t)
            ));
        }
        let limit = f.limit.unwrap_or(50).clamp(1, 1000);
        let offset = f.offset.unwrap_or(0).max(0);
        let count_sql = format!("SELECT COUNT(*) FROM work_items w{w}");
        let sql = format!(
            "SELECT {WORK_COLS} FROM work_items w JOIN orgs o ON o.id = w.org_id{w} \
             ORDER BY CASE WHEN w.due_at IS NULL THEN 1 ELSE 0 END, w.due_at, w.id LIMIT {limit} OFFSET {offset}"
        );
        on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?;
            let rows = bind_all!(sqlx::query_as::<_, WorkItemRow>(&sql), &p.vals).fetch_all(pool).await?;
            Ok((rows, total))
        })
    }

    /// Applies an event to a work item under its closing rule, with a note and evidence;
    /// audited. Proof events come from the platform, never from a person's request.
    pub async fn apply_work_event(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        event: &WorkEvent,
        note: Option<&str>,
        evidence: Option<&str>,
    ) -> Result<WorkItemRow> {
        let item = self
            .work_item(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let kind = item.kind;
        let state = item.state;
        let step = apply(kind, state, event).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let action = serde_json::to_value(event)
            .ok()
            .and_then(|v| v.get("action").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        let reason = match event {
            WorkEvent::NotApplicable { reason } => Some(reason.as_str()),
            _ => note,
        };
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE work_items SET state = $1, escalated = CASE WHEN $2 = 1 THEN 1 ELSE escalated END, updated_at = $3 WHERE id = $4")
                .bind(step.state.as_str()).bind(i64::from(step.escalate)).bind(now).bind(id)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO work_notes (work_item_id, at, user_email, action, note, evidence) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(now).bind(&actor.email).bind(&action).bind(reason).bind(evidence)
                .execute(&mut *tx).await?;
            let before = json!({"state": state.as_str()});
            let after = json!({"state": step.state.as_str(), "escalated": step.escalate, "note": reason, "evidence": evidence});
            let e = audit::row(actor, Some(item.org_id), &action, "work_items", Some(id), before.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.work_item(scope, id).await?.ok_or(StoreError::NotFound)
    }

    /// The newest work item of a kind about a subject for an organisation (any state).
    pub async fn work_item_by_subject(
        &self,
        kind: WorkKind,
        org_id: i64,
        subject: &str,
    ) -> Result<Option<WorkItemRow>> {
        let sql = format!(
            "SELECT {WORK_COLS} FROM work_items w JOIN orgs o ON o.id = w.org_id \
             WHERE w.kind = $1 AND w.org_id = $2 AND w.subject = $3 ORDER BY w.id DESC LIMIT 1"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, WorkItemRow>(&sql).bind(kind.as_str()).bind(org_id).bind(subject).fetch_optional(pool).await?)
        })
    }

    /// Open work items of a kind whose subject starts with `prefix`, province-wide (for jobs
    /// that close work by proof).
    pub async fn open_work_items_by_subject(
        &self,
        kind: WorkKind,
        prefix: &str,
    ) -> Result<Vec<WorkItemRow>> {
        let sql = format!(
            "SELECT {WORK_COLS} FROM work_items w JOIN orgs o ON o.id = w.org_id \
             WHERE w.kind = $1 AND substr(w.subject, 1, CAST($3 AS INTEGER)) = $2 AND w.state NOT IN ('closed', 'not_applicable') ORDER BY w.id"
        );
        let len = prefix.chars().count() as i64;
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, WorkItemRow>(&sql).bind(kind.as_str()).bind(prefix).bind(len).fetch_all(pool).await?)
        })
    }

    /// Marks every open, overdue item of a kind as escalated (once); audited. Returns how many.
    pub async fn escalate_overdue(&self, kind: WorkKind) -> Result<u64> {
        let now = now_ms();
        let due: Vec<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as::<_, (i64, i64)>("SELECT id, org_id FROM work_items WHERE kind = $1 AND escalated = 0 AND due_at < $2 AND state NOT IN ('closed', 'not_applicable')")
                .bind(kind.as_str()).bind(now).fetch_all(pool).await?
        });
        let actor = Actor::system("deadlines");
        for (id, org) in &due {
            on_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("UPDATE work_items SET escalated = 1, updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
                let after = json!({"escalated": true, "reason": "overdue"});
                let e = audit::row(&actor, Some(*org), "escalate", "work_items", Some(*id), None, after.as_object());
                audit_insert!(&mut *tx, e);
                tx.commit().await?;
                Ok::<(), StoreError>(())
            })?;
        }
        Ok(due.len() as u64)
    }

    /// Brings a work item's deadline forward to `due` (never later); audited.
    pub async fn tighten_work_due(&self, actor: &Actor, id: i64, due: i64) -> Result<()> {
        let Some(w) = self.work_item(&Scope::All, id).await? else {
            return Err(StoreError::NotFound);
        };
        if w.due_at.is_some_and(|d| d <= due) {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE work_items SET due_at = $1, updated_at = $2 WHERE id = $3").bind(due).bind(now_ms()).bind(id).execute(&mut *tx).await?;
            let before = json!({"due_at": w.due_at});
            let after = json!({"due_at": due});
            let e = audit::row(actor, Some(w.org_id), "tighten_due", "work_items", Some(id), before.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok(())
        })
    }

    /// The notes of a work item in scope.
    pub async fn work_notes(&self, scope: &Scope, id: i64) -> Result<Vec<WorkNote>> {
        if self.work_item(scope, id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, WorkNote>(
                "SELECT id, at, user_email, action, note, evidence FROM work_notes WHERE work_item_id = $1 ORDER BY id",
            ).bind(id).fetch_all(pool).await?)
        })
    }
}
