//! Log sources: who sends events in which format, how often, and how much of it could be read
//! — counted as event batches are stored, not searched for among the events. A source is an
//! organisation (0 when none was resolved), a sender (the host name the events give, else the
//! sender's address) and a format (the shape the events arrived in).

use crate::{NewEvent, Params, Result, Store};
use canhgac_domain::Scope;
use serde::Serialize;

/// A batch's events of one log source.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    pub org_id: i64,
    pub source_key: String,
    pub format: String,
    pub host_id: Option<i64>,
    pub transport: String,
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
    pub first: i64,
    pub last: i64,
    pub events: i64,
    pub malformed: i64,
}

/// Most distinct sources counted per batch (a batch holds at most a few thousand events; a
/// flood of made-up host names is cut here rather than growing the table without bound).
const MAX_PER_BATCH: usize = 256;

/// Counts a batch's events per log source.
pub(crate) fn tally(events: &[NewEvent]) -> Vec<Tally> {
    let mut out: Vec<Tally> = Vec::new();
    for e in events {
        let key = e
            .host_name
            .as_deref()
            .filter(|h| !h.is_empty())
            .or(e.source_ip.as_deref())
            .unwrap_or("?");
        let key: String = key.chars().take(200).collect();
        let format = if e.format.is_empty() {
            "text"
        } else {
            e.format.as_str()
        };
        let org = e.org_id.unwrap_or(0);
        let bad = i64::from(e.malformed.is_some());
        if let Some(t) = out
            .iter_mut()
            .find(|t| t.org_id == org && t.source_key == key && t.format == format)
        {
            t.events += 1;
            t.malformed += bad;
            t.first = t.first.min(e.received_at);
            if e.received_at >= t.last {
                t.last = e.received_at;
                t.transport.clone_from(&e.transport);
                if e.malformed.is_none() {
                    t.product.clone_from(&e.product);
                    t.category.clone_from(&e.category);
                    t.service.clone_from(&e.service);
                }
            }
            t.host_id = t.host_id.or(e.host_id);
            continue;
        }
        if out.len() >= MAX_PER_BATCH {
            continue;
        }
        out.push(Tally {
            org_id: org,
            source_key: key,
            format: format.to_string(),
            host_id: e.host_id,
            transport: e.transport.clone(),
            product: e.product.clone(),
            category: e.category.clone(),
            service: e.service.clone(),
            first: e.received_at,
            last: e.received_at,
            events: 1,
            malformed: bad,
        });
    }
    out
}

const UPSERT: &str = "INSERT INTO log_sources (org_id, source_key, format, host_id, transport, \
    product, category, service, first_seen, last_seen, events, malformed) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
    ON CONFLICT (org_id, source_key, format) DO UPDATE SET \
    host_id = COALESCE(excluded.host_id, log_sources.host_id), \
    transport = excluded.transport, \
    product = COALESCE(excluded.product, log_sources.product), \
    category = COALESCE(excluded.category, log_sources.category), \
    service = COALESCE(excluded.service, log_sources.service), \
    gap_ms = CASE WHEN excluded.first_seen > log_sources.last_seen THEN \
        CASE WHEN log_sources.gap_ms IS NULL THEN excluded.first_seen - log_sources.last_seen \
        ELSE (log_sources.gap_ms * 7 + (excluded.first_seen - log_sources.last_seen)) / 8 END \
      ELSE log_sources.gap_ms END, \
    last_seen = CASE WHEN excluded.last_seen > log_sources.last_seen THEN excluded.last_seen \
      ELSE log_sources.last_seen END, \
    events = log_sources.events + excluded.events, \
    malformed = log_sources.malformed + excluded.malformed, \
    silent_signal_id = NULL";

/// Adds a tally to its source's row, in the caller's transaction.
macro_rules! upsert_source {
    ($ex:expr, $t:expr) => {{
        let t = $t;
        sqlx::query(crate::sources::UPSERT_SQL)
            .bind(t.org_id)
            .bind(&t.source_key)
            .bind(&t.format)
            .bind(t.host_id)
            .bind(&t.transport)
            .bind(&t.product)
            .bind(&t.category)
            .bind(&t.service)
            .bind(t.first)
            .bind(t.last)
            .bind(t.events)
            .bind(t.malformed)
            .execute($ex)
            .await?;
    }};
}
pub(crate) use upsert_source;
pub(crate) const UPSERT_SQL: &str = UPSERT;

/// A log source as the sources page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct LogSourceRow {
    /// Id.
    pub id: i64,
    /// Owning organisation (`None` when no organisation was resolved: visible to the DIC only).
    pub org_id: Option<i64>,
    /// Its code.
    pub org_code: Option<String>,
    /// The host name the events give, else the sender's address.
    pub source_key: String,
    /// The shape the events arrive in (`syslog`, `winlogbeat`, `fortigate`, …).
    pub format: String,
    /// The registered host, when resolved.
    pub host_id: Option<i64>,
    /// Its registered name.
    pub host_name: Option<String>,
    /// How the last batch arrived (`udp`, `tcp`, `tls`, `http`, `file`, `evtx`).
    pub transport: String,
    /// Sigma log source of its events.
    pub product: Option<String>,
    /// Sigma log source of its events.
    pub category: Option<String>,
    /// Sigma log source of its events.
    pub service: Option<String>,
    /// First event (Unix ms).
    pub first_seen: i64,
    /// Last event (Unix ms).
    pub last_seen: i64,
    /// Events received.
    pub events: i64,
    /// Of them, not readable (kept raw).
    pub malformed: i64,
    /// The usual gap between arrivals (moving average, ms); `None` until it has sent twice.
    pub gap_ms: Option<i64>,
    /// The alert raised because it went silent, while it still is.
    pub silent_signal_id: Option<i64>,
}

/// A source that has stayed silent much longer than usual (see [`Store::silent_sources`]).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SilentSource {
    /// Id.
    pub id: i64,
    /// Organisation (`None` when unresolved).
    pub org_id: Option<i64>,
    /// Sender.
    pub source_key: String,
    /// Format.
    pub format: String,
    /// Registered host.
    pub host_id: Option<i64>,
    /// Last event (Unix ms).
    pub last_seen: i64,
    /// Usual gap (ms).
    pub gap_ms: i64,
    /// Events received.
    pub events: i64,
}

/// Order of the sources list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SourceSort {
    /// Longest silent first.
    #[default]
    Quietest,
    /// Most events first.
    Busiest,
    /// Most unreadable first.
    Malformed,
}

const COLS: &str = "s.id, CASE WHEN s.org_id = 0 THEN NULL ELSE s.org_id END AS org_id, \
    o.code AS org_code, s.source_key, s.format, s.host_id, h.hostname AS host_name, s.transport, \
    s.product, s.category, s.service, s.first_seen, s.last_seen, s.events, s.malformed, s.gap_ms, \
    s.silent_signal_id";

impl Store {
    /// The log sources in scope (sources of no resolved organisation only in the DIC's full
    /// scope), optionally of one organisation or registered host; `limit` rows after skipping
    /// `offset` (a list's later pages).
    pub async fn log_sources(
        &self,
        scope: &Scope,
        org_id: Option<i64>,
        host_id: Option<i64>,
        sort: SourceSort,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<LogSourceRow>> {
        let mut p = Params::default();
        let w = source_where(scope, org_id, host_id, &mut p);
        let order = match sort {
            SourceSort::Quietest => "s.last_seen ASC, s.id",
            SourceSort::Busiest => "s.events DESC, s.id",
            SourceSort::Malformed => "s.malformed DESC, s.events DESC, s.id",
        };
        let sql = format!(
            "SELECT {COLS} FROM log_sources s LEFT JOIN orgs o ON o.id = s.org_id \
             LEFT JOIN hosts h ON h.id = s.host_id{w} ORDER BY {order} LIMIT {} OFFSET {}",
            limit.clamp(1, 2000),
            offset.max(0)
        );
        on_pool!(self, pool => {
            Ok(bind_all!(sqlx::query_as::<_, LogSourceRow>(&sql), &p.vals).fetch_all(pool).await?)
        })
    }

    /// What the log sources in scope add up to (the sources page's summary, the wall's box),
    /// counted in the database rather than by reading every source; `quiet_since`: a source
    /// last seen before it counts as quiet.
    pub async fn log_source_totals(&self, scope: &Scope, quiet_since: i64) -> Result<SourceTotals> {
        let mut p = Params::default();
        let w = source_where(scope, None, None, &mut p);
        let q = p.int(quiet_since);
        let sql = format!(
            "SELECT COUNT(*), COUNT(DISTINCT s.format), CAST(COALESCE(SUM(s.events), 0) AS BIGINT), \
             CAST(COALESCE(SUM(s.malformed), 0) AS BIGINT), COUNT(s.silent_signal_id), \
             CAST(COALESCE(SUM(CASE WHEN s.last_seen < {q} THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM log_sources s{w}"
        );
        let (sources, formats, events, malformed, silent, quiet): (i64, i64, i64, i64, i64, i64) = on_pool!(self, pool => {
            bind_all!(sqlx::query_as(&sql), &p.vals).fetch_one(pool).await?
        });
        Ok(SourceTotals {
            sources,
            formats,
            events,
            malformed,
            silent,
            quiet,
        })
    }

    /// One log source in scope.
    pub async fn log_source(&self, scope: &Scope, id: i64) -> Result<Option<LogSourceRow>> {
        let mut w = String::from(" WHERE s.id = $1");
        if scope.ids().is_some() {
            w.push_str(" AND s.org_id <> 0");
            w.push_str(&crate::scope_sql(scope, "s.org_id"));
        }
        let sql = format!(
            "SELECT {COLS} FROM log_sources s LEFT JOIN orgs o ON o.id = s.org_id \
             LEFT JOIN hosts h ON h.id = s.host_id{w}"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, LogSourceRow>(&sql).bind(id).fetch_optional(pool).await?)
        })
    }

    /// Sources (of every organisation: this is the system's own check) that have sent at least
    /// `min_events`, have a usual gap, raised no silence alert yet, and have now been silent
    /// longer than both `floor_ms` and `factor` times their usual gap.
    pub async fn silent_sources(
        &self,
        now: i64,
        min_events: i64,
        floor_ms: i64,
        factor: i64,
    ) -> Result<Vec<SilentSource>> {
        let sql =
            "SELECT id, CASE WHEN org_id = 0 THEN NULL ELSE org_id END AS org_id, source_key, \
             format, host_id, last_seen, gap_ms, events FROM log_sources \
             WHERE silent_signal_id IS NULL AND gap_ms IS NOT NULL AND events >= $1 \
             AND $2 - last_seen > $3 AND $2 - last_seen > gap_ms * $4 ORDER BY last_seen LIMIT 500";
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, SilentSource>(sql)
                .bind(min_events)
                .bind(now)
                .bind(floor_ms)
                .bind(factor)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Records the alert raised for a source's silence (cleared when it next sends).
    pub async fn mark_source_silent(&self, id: i64, signal_id: i64) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE log_sources SET silent_signal_id = $1 WHERE id = $2")
                .bind(signal_id)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

/// What the log sources of a scope add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SourceTotals {
    /// Sources.
    pub sources: i64,
    /// Distinct log formats among them.
    pub formats: i64,
    /// Events received from them.
    pub events: i64,
    /// Of those, unreadable.
    pub malformed: i64,
    /// Sources silent now (their silence alert open).
    pub silent: i64,
    /// Sources last seen before the time asked about.
    pub quiet: i64,
}

/// The `WHERE` of a list of log sources: the scope (a source whose organisation is not known
/// is the DIC's alone), then an organisation and a host.
fn source_where(
    scope: &Scope,
    org_id: Option<i64>,
    host_id: Option<i64>,
    p: &mut Params,
) -> String {
    let mut w = String::from(" WHERE 1=1");
    if scope.ids().is_some() {
        w.push_str(" AND s.org_id <> 0");
        w.push_str(&crate::scope_sql(scope, "s.org_id"));
    }
    if let Some(o) = org_id {
        w.push_str(&format!(" AND s.org_id = {}", p.int(o)));
    }
    if let Some(h) = host_id {
        w.push_str(&format!(" AND s.host_id = {}", p.int(h)));
    }
    w
}
