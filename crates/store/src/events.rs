//! Centralised monitoring (M3): stored events — the batch insert with its alerts, cursors and
//! running totals, search, and retention by age and size.

use crate::signals::NewSignal;
use crate::BeginWrite;
use crate::{scope_sql, Params, Pool, Result, Store, StoreError};
use canhgac_domain::Scope;
use serde::Serialize;

/// Checks and moves a guarded cursor inside a transaction (see [`Guard`]).
macro_rules! guard_cursor {
    ($ex:expr, $guard:expr) => {
        // Refused unless the cursor is before `first` (Before) or exactly at `after` (After);
        // a stream with no cursor yet takes either.
        let (stream, check, last, exact) = match $guard {
            Guard::Before { stream, first, last } => (stream, *first, *last, false),
            Guard::After { stream, after, last } => (stream, *after, *last, true),
        };
        let sql = if exact {
            "INSERT INTO ingest_cursors (stream, seq, touched_at) VALUES ($1, $3, $4) ON CONFLICT (stream) DO UPDATE \
             SET seq = excluded.seq, touched_at = excluded.touched_at WHERE ingest_cursors.seq = $2"
        } else {
            "INSERT INTO ingest_cursors (stream, seq, touched_at) VALUES ($1, $3, $4) ON CONFLICT (stream) DO UPDATE \
             SET seq = excluded.seq, touched_at = excluded.touched_at WHERE ingest_cursors.seq < $2"
        };
        let moved = sqlx::query(sql)
            .bind(stream)
            .bind(check)
            .bind(last)
            .bind(canhgac_domain::time::now_ms())
            .execute($ex)
            .await?;
        if moved.rows_affected() == 0 {
            return Err(StoreError::Delivered(format!("{stream} {check}..{last}")));
        }
    };
}

/// A delivery cursor moved in an event batch's transaction; the whole batch is refused with
/// [`StoreError::Delivered`] when the cursor is not where the batch expects it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guard {
    /// The batch holds the messages `first..=last` of `stream` (one consumer's messages,
    /// stored once whoever delivers them again): refused once the cursor has reached `first`.
    Before {
        stream: String,
        first: i64,
        last: i64,
    },
    /// The batch holds what follows `after` up to `last`: stored only while the cursor stands
    /// exactly at `after`. A reader that keeps several batches in flight uses it so that one
    /// failing refuses those behind it instead of leaving a hole the cursor has passed.
    After {
        stream: String,
        after: i64,
        last: i64,
    },
}

/// Writes an alert into the outbox inside a transaction; evaluates to its row id.
macro_rules! outbox_insert {
    ($ex:expr, $sig:expr, $event_id:expr, $now:expr) => {{
        let mut sig: NewSignal = $sig;
        if let Some(e) = $event_id {
            sig.payload["event_id"] = serde_json::json!(e);
        }
        let text = serde_json::to_string(&sig)
            .map_err(|e| StoreError::Conflict(format!("alert not written: {e}")))?;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO alert_outbox (made_at, signal) VALUES ($1, $2) RETURNING id",
        )
        .bind($now)
        .bind(text)
        .fetch_one($ex)
        .await?
    }};
}

/// An event to store.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    /// When it arrived (Unix ms).
    pub received_at: i64,
    /// When it happened, as the event says (Unix ms); `received_at` if unknown.
    pub at: i64,
    /// Owning organisation, resolved through the registry.
    pub org_id: Option<i64>,
    /// Host, resolved through the registry.
    pub host_id: Option<i64>,
    /// Host name as the event gives it.
    pub host_name: Option<String>,
    /// Address it came from (the sender).
    pub source_ip: Option<String>,
    /// `udp`, `tcp`, `tls`, `http`, `evtx`, `file`.
    pub transport: String,
    /// Sigma log source.
    pub product: Option<String>,
    /// Sigma log source.
    pub category: Option<String>,
    /// Sigma log source.
    pub service: Option<String>,
    /// The line or a one-line summary, for full-text search and display.
    pub message: String,
    /// Normalised fields as a JSON object.
    pub fields: String,
    /// Why the input could not be read, when it could not (kept raw in `message`).
    pub malformed: Option<String>,
    /// The shape it arrived in (`syslog`, `winlogbeat`, `fortigate`, …): with the host, what
    /// names its log source (see [`Store::log_sources`]). Not a column of `events`.
    pub format: String,
}

/// A stored event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct EventRow {
    /// Id.
    pub id: i64,
    /// Arrival (Unix ms).
    pub received_at: i64,
    /// Event time (Unix ms).
    pub at: i64,
    /// Organisation.
    pub org_id: Option<i64>,
    /// Organisation code.
    pub org_code: Option<String>,
    /// Host.
    pub host_id: Option<i64>,
    /// Host name.
    pub host_name: Option<String>,
    /// Sender address.
    pub source_ip: Option<String>,
    /// Transport.
    pub transport: String,
    /// Log source.
    pub product: Option<String>,
    /// Log source.
    pub category: Option<String>,
    /// Log source.
    pub service: Option<String>,
    /// Line or summary.
    pub message: String,
    /// Fields (JSON object text).
    pub fields: String,
    /// Parse error, for malformed input.
    pub malformed: Option<String>,
}

/// Event search.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// From (Unix ms, inclusive).
    pub from: Option<i64>,
    /// To (Unix ms, exclusive).
    pub to: Option<i64>,
    /// Host name (substring, case-insensitive).
    pub host: Option<String>,
    /// Organisation.
    pub org_id: Option<i64>,
    /// Full text: every word must appear in the line or the fields.
    pub q: Option<String>,
    /// Field = value (exact).
    pub fields: Vec<(String, String)>,
    /// Only malformed input.
    pub malformed_only: bool,
    /// Page size.
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

/// What retention removed.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Pruned {
    /// Events older than the retention age.
    pub by_age: u64,
    /// Oldest events removed to stay under the size limit.
    pub by_size: u64,
}

const EVENT_COLS: &str = "e.id, e.received_at, e.at, e.org_id, o.code AS org_code, e.host_id, \
    e.host_name, e.source_ip, e.transport, e.product, e.category, e.service, e.message, e.fields, e.malformed";

impl Store {
    pub(crate) fn like(&self) -> &'static str {
        if self.backend() == "postgres" {
            "ILIKE"
        } else {
            "LIKE"
        }
    }

    /// Stores a batch of events in one transaction; returns their ids in order. The batch is
    /// durable when this returns.
    pub async fn insert_events(&self, events: Vec<NewEvent>) -> Result<Vec<i64>> {
        let batch = self.event_batch(events)?;
        self.insert_event_batch(batch).await
    }

    /// Turns events into the statements and bound values that store them: CPU work that can
    /// be done on any thread before the writer needs it ([`Store::insert_event_batch`]).
    pub fn event_batch(&self, events: Vec<NewEvent>) -> Result<EventBatch> {
        let n = events.len();
        // The newest event of each registered host in the batch (by arrival), for host_activity.
        let mut hosts: Vec<(i64, usize, i64)> = Vec::new();
        for (i, e) in events.iter().enumerate() {
            let Some(h) = e.host_id else { continue };
            match hosts.iter_mut().find(|(id, _, _)| *id == h) {
                Some(slot) if slot.2 <= e.received_at => *slot = (h, i, e.received_at),
                Some(_) => {}
                None => hosts.push((h, i, e.received_at)),
            }
        }
        let sources = crate::sources::tally(&events);
        // Summed as the rows are bound, each size computed once.
        let mut bytes: i64 = 0;
        let mut rows = events.into_iter();
        let mut sizes = Vec::new();
        let mut left = n;
        for &size in &CHUNK_ROWS {
            while left >= size {
                sizes.push(size);
                left -= size;
            }
        }
        macro_rules! chunks {
            ($args:ty, $sql:expr) => {{
                let mut out = Vec::with_capacity(sizes.len());
                for size in sizes {
                    let mut a = <$args>::default();
                    for e in rows.by_ref().take(size) {
                        bytes += add_row!(a, e);
                    }
                    out.push(($sql(size), size, a));
                }
                out
            }};
        }
        let chunks = match &self.pool {
            Pool::Sqlite(_) => {
                Chunks::Sqlite(chunks!(sqlx::sqlite::SqliteArguments<'static>, |n| {
                    insert_events_sql(n, true)
                }))
            }
            Pool::Pg(_) => Chunks::Pg(chunks!(sqlx::postgres::PgArguments, |n| {
                insert_events_sql(n, false)
            })),
        };
        Ok(EventBatch {
            chunks,
            len: n,
            hosts,
            sources,
            marks: Vec::new(),
            guards: Vec::new(),
            alerts: Vec::new(),
            bytes,
        })
    }

    /// Stores a batch made by [`Store::event_batch`] in one transaction; returns the ids in
    /// order.
    pub async fn insert_event_batch(&self, batch: EventBatch) -> Result<Vec<i64>> {
        Ok(self.store_event_batch(batch).await?.ids)
    }

    /// Stores a batch made by [`Store::event_batch`] in one transaction — its events, its
    /// delivery cursors (a guarded one refuses the whole batch with [`StoreError::Delivered`]
    /// when its stream is already past the batch's first message) and its alerts into the
    /// outbox — and says what was written.
    pub async fn store_event_batch(&self, batch: EventBatch) -> Result<StoredBatch> {
        let mut ids = Vec::with_capacity(batch.len);
        let mut outbox = Vec::with_capacity(batch.alerts.len());
        let hosts = batch.hosts;
        let sources = batch.sources;
        let marks = batch.marks;
        let guards = batch.guards;
        let alerts = batch.alerts;
        let (count, bytes) = (batch.len as i64, batch.bytes);
        let now = canhgac_domain::time::now_ms();
        match (&self.pool, batch.chunks) {
            (Pool::Sqlite(pool), Chunks::Sqlite(chunks)) => {
                let mut tx = pool.begin_write().await?;
                for g in &guards {
                    guard_cursor!(&mut *tx, g);
                }
                for (sql, n, args) in chunks {
                    // One writer at a time and no triggers on `events`: the rows of one
                    // INSERT get consecutive ids ending at the last inserted one (no RETURNING,
                    // which hands every id back through sqlx's worker one by one).
                    let done = sqlx::query_with(sql, args).execute(&mut *tx).await?;
                    let n = n as i64;
                    if done.rows_affected() != n as u64 {
                        return Err(StoreError::Conflict(format!(
                            "{} of {n} events stored",
                            done.rows_affected()
                        )));
                    }
                    let last = done.last_insert_rowid();
                    ids.extend(last - n + 1..=last);
                }
                for (h, i, at) in &hosts {
                    if let Some(id) = ids.get(*i) {
                        sqlx::query(HOST_ACTIVITY_SQL)
                            .bind(h)
                            .bind(id)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                for t in &sources {
                    crate::sources::upsert_source!(&mut *tx, t);
                }
                for (stream, seq) in &marks {
                    crate::agents::advance_cursor!(&mut *tx, stream, seq);
                }
                for (i, sig) in alerts {
                    outbox.push(outbox_insert!(&mut *tx, sig, ids.get(i), now));
                }
                // One writer at a time: one slot.
                add_totals!(&mut *tx, 0, count, bytes);
                tx.commit().await?;
            }
            (Pool::Pg(pool), Chunks::Pg(chunks)) => {
                let mut tx = pool.begin_write().await?;
                for g in &guards {
                    guard_cursor!(&mut *tx, g);
                }
                for (sql, _, args) in chunks {
                    let mut got: Vec<i64> = sqlx::query_scalar_with(sql, args)
                        .fetch_all(&mut *tx)
                        .await?;
                    // Ids are assigned in VALUES order; RETURNING does not promise an order.
                    got.sort_unstable();
                    ids.extend(got);
                }
                for (h, i, at) in &hosts {
                    if let Some(id) = ids.get(*i) {
                        sqlx::query(HOST_ACTIVITY_SQL)
                            .bind(h)
                            .bind(id)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                for t in &sources {
                    crate::sources::upsert_source!(&mut *tx, t);
                }
                for (stream, seq) in &marks {
                    crate::agents::advance_cursor!(&mut *tx, stream, seq);
                }
                for (i, sig) in alerts {
                    outbox.push(outbox_insert!(&mut *tx, sig, ids.get(i), now));
                }
                add_totals!(&mut *tx, totals_slot(), count, bytes);
                tx.commit().await?;
            }
            _ => {
                return Err(StoreError::Conflict(
                    "a batch made for another database".into(),
                ))
            }
        }
        Ok(StoredBatch { ids, outbox })
    }

    pub(crate) fn event_where(&self, scope: &Scope, f: &EventFilter, p: &mut Params) -> String {
        let like = self.like();
        let mut w = String::from(" WHERE 1=1");
        if scope.ids().is_some() {
            // Events of no known organisation are visible only to the DIC (full scope).
            w.push_str(" AND e.org_id IS NOT NULL");
            w.push_str(&scope_sql(scope, "e.org_id"));
        }
        if let Some(from) = f.from {
            w.push_str(&format!(" AND e.at >= {}", p.int(from)));
        }
        if let Some(to) = f.to {
            w.push_str(&format!(" AND e.at < {}", p.int(to)));
        }
        if let Some(org) = f.org_id {
            w.push_str(&format!(" AND e.org_id = {}", p.int(org)));
        }
        if let Some(h) = f.host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            w.push_str(&format!(
                " AND e.host_name {like} {}",
                p.text(format!("%{h}%"))
            ));
        }
        if let Some(q) = &f.q {
            for word in q.split_whitespace().take(8) {
                let a = p.text(format!("%{word}%"));
                let b = p.text(format!("%{word}%"));
                w.push_str(&format!(
                    " AND (e.message {like} {a} OR e.fields {like} {b})"
                ));
            }
        }
        for (k, v) in f.fields.iter().take(8) {
            // Fields are stored as compact JSON; a value is matched whole, a list by element.
            let key = serde_json::to_string(k).unwrap_or_default();
            let val = serde_json::to_string(v).unwrap_or_default();
            let a = p.text(format!("%{key}:{val}%"));
            let b = p.text(format!("%{key}:[%{val}%"));
            w.push_str(&format!(
                " AND (e.fields {like} {a} OR e.fields {like} {b})"
            ));
        }
        if f.malformed_only {
            w.push_str(" AND e.malformed IS NOT NULL");
        }
        w
    }

    /// Searches stored events in scope, newest first.
    pub async fn search_events(
        &self,
        scope: &Scope,
        f: &EventFilter,
    ) -> Result<(Vec<EventRow>, i64)> {
        let mut p = Params::default();
        let w = self.event_where(scope, f, &mut p);
        let limit = f.limit.unwrap_or(50).clamp(1, 1000);
        let offset = f.offset.unwrap_or(0).max(0);
        // Counted up to COUNT_CAP + 1, as the alert lists are: ten million events are not
        // counted for a page of fifty.
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM events e{w} LIMIT {}) c",
            crate::COUNT_CAP + 1
        );
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events e LEFT JOIN orgs o ON o.id = e.org_id{w} \
             ORDER BY e.at DESC, e.id DESC LIMIT {limit} OFFSET {offset}"
        );
        // A few organisations: one slice each from the (org_id, at) index, merged.
        let take = limit + offset;
        let merged = crate::per_org(scope, |one, mp| {
            let wi = self.event_where(one, f, mp);
            format!(
                "SELECT {EVENT_COLS} FROM events e LEFT JOIN orgs o ON o.id = e.org_id{wi} \
                 ORDER BY e.at DESC, e.id DESC LIMIT {take}"
            )
        })
        .map(|(parts, mp)| {
            (
                format!(
                    "SELECT * FROM ({parts}) u ORDER BY u.at DESC, u.id DESC LIMIT {limit} OFFSET {offset}"
                ),
                mp,
            )
        });
        on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?;
            let rows = match &merged {
                Some((sql, mp)) => bind_all!(sqlx::query_as::<_, EventRow>(sql), &mp.vals).fetch_all(pool).await?,
                None => bind_all!(sqlx::query_as::<_, EventRow>(&sql), &p.vals).fetch_all(pool).await?,
            };
            Ok((rows, total))
        })
    }

    /// One event in scope.
    pub async fn event(&self, scope: &Scope, id: i64) -> Result<Option<EventRow>> {
        let mut p = Params::default();
        let mut w = self.event_where(scope, &EventFilter::default(), &mut p);
        w.push_str(&format!(" AND e.id = {}", p.int(id)));
        let sql =
            format!("SELECT {EVENT_COLS} FROM events e LEFT JOIN orgs o ON o.id = e.org_id{w}");
        on_pool!(self, pool => {
            Ok(bind_all!(sqlx::query_as::<_, EventRow>(&sql), &p.vals).fetch_optional(pool).await?)
        })
    }

    /// Events stored after `after_id` (ascending), in scope: for hunting over stored events.
    pub async fn events_after(
        &self,
        scope: &Scope,
        after_id: i64,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<EventRow>> {
        let mut p = Params::default();
        let mut w = self.event_where(
            scope,
            &EventFilter {
                from: Some(since_ms),
                ..Default::default()
            },
            &mut p,
        );
        w.push_str(&format!(" AND e.id > {}", p.int(after_id)));
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events e LEFT JOIN orgs o ON o.id = e.org_id{w} ORDER BY e.id LIMIT {}",
            limit.clamp(1, 100_000)
        );
        on_pool!(self, pool => {
            Ok(bind_all!(sqlx::query_as::<_, EventRow>(&sql), &p.vals).fetch_all(pool).await?)
        })
    }

    /// (events, bytes) stored.
    pub async fn event_totals(&self) -> Result<(i64, i64)> {
        on_pool!(self, pool => {
            let (n, b): (Option<i64>, Option<i64>) =
                sqlx::query_as("SELECT CAST(SUM(events) AS BIGINT), CAST(SUM(bytes) AS BIGINT) FROM event_totals")
                    .fetch_one(pool).await?;
            Ok((n.unwrap_or(0), b.unwrap_or(0)))
        })
    }

    /// Retention: removes events received before `cutoff_ms`, then the oldest ones until the
    /// stored size is at most `max_bytes`. Both work a chunk of ids at a time, each chunk deleted
    /// with its share of the running totals in one transaction: no transaction holds the writers
    /// back for long, and a stop at any point leaves whole chunks removed and the totals true.
    /// By age, every chunk from the oldest id to the newest is looked at (an event can arrive
    /// with an old time, from a spool or a sender's backlog, after newer ones).
    pub async fn prune_events(&self, cutoff_ms: i64, max_bytes: i64) -> Result<Pruned> {
        const CHUNK: i64 = 20_000;
        let mut out = Pruned::default();
        let (first, last): (Option<i64>, Option<i64>) = on_pool!(self, pool => {
            sqlx::query_as("SELECT MIN(id), MAX(id) FROM events").fetch_one(pool).await?
        });
        if let (Some(first), Some(last)) = (first, last) {
            let mut lo = first;
            while lo <= last {
                let hi = lo + CHUNK;
                let (n, _) = self.delete_events(lo, hi - 1, cutoff_ms).await?;
                out.by_age += n;
                lo = hi;
            }
        }
        let (_, mut bytes) = self.event_totals().await?;
        while bytes > max_bytes {
            let excess = bytes - max_bytes;
            let rows: Vec<(i64, i64, i64)> = on_pool!(self, pool => {
                sqlx::query_as("SELECT id, received_at, size FROM events ORDER BY id LIMIT $1")
                    .bind(CHUNK).fetch_all(pool).await?
            });
            if rows.is_empty() {
                break;
            }
            // As many of the oldest as cover the excess.
            let mut acc = 0;
            let mut take = rows.len();
            for (i, (_, _, size)) in rows.iter().enumerate() {
                acc += size;
                if acc >= excess {
                    take = i + 1;
                    break;
                }
            }
            let cut = rows[take - 1].0;
            let (n, b) = self.delete_events(0, cut, i64::MAX).await?;
            out.by_size += n;
            bytes -= b;
        }
        Ok(out)
    }

    /// Deletes the events with ids `from..=to` received before `before` and takes them off the
    /// running totals, in one transaction. Returns (events, bytes) removed.
    async fn delete_events(&self, from: i64, to: i64, before: i64) -> Result<(u64, i64)> {
        const COND: &str = "id >= $1 AND id <= $2 AND received_at < $3";
        let args = (from, to, before);
        let count = format!("SELECT COUNT(*), CAST(SUM(size) AS BIGINT) FROM events WHERE {COND}");
        let delete = format!("DELETE FROM events WHERE {COND}");
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Counted inside the transaction that deletes them.
            let (n, b): (i64, Option<i64>) = sqlx::query_as(&count)
                .bind(args.0).bind(args.1).bind(args.2).fetch_one(&mut *tx).await?;
            let b = b.unwrap_or(0);
            if n > 0 {
                sqlx::query(&delete).bind(args.0).bind(args.1).bind(args.2).execute(&mut *tx).await?;
                add_totals!(&mut *tx, 0, -n, -b);
            }
            tx.commit().await?;
            Ok((n as u64, b))
        })
    }
}

/// Rows per statement, largest first: a batch is cut into statements of these sizes only, so
/// that the driver prepares each once and finds it in its cache afterwards (14 parameters a
/// row: within SQLite's 32,766 and PostgreSQL's 65,535).
const CHUNK_ROWS: [usize; 5] = [500, 100, 20, 5, 1];

/// Events made ready for the writer: statements with their values bound.
pub struct EventBatch {
    chunks: Chunks,
    len: usize,
    /// `(host id, index in the batch, received at)` of each registered host's newest event.
    hosts: Vec<(i64, usize, i64)>,
    /// The batch's events counted per log source.
    sources: Vec<crate::sources::Tally>,
    /// Delivery cursors `(stream, sequence number)` written in the batch's transaction, so
    /// that a sender's resend of the same messages is recognised (an agent's queue).
    marks: Vec<(String, i64)>,
    /// Guarded cursors, checked and moved in the batch's transaction.
    guards: Vec<Guard>,
    /// Alerts to put in the outbox with the events: `(index of the event, alert)`; the event's
    /// id is written into the alert's payload as `event_id`.
    alerts: Vec<(usize, NewSignal)>,
    /// The events' stored size, added to the running totals.
    bytes: i64,
}

impl EventBatch {
    /// Adds delivery cursors to write with the events.
    pub fn with_marks(mut self, marks: Vec<(String, i64)>) -> EventBatch {
        self.marks.extend(marks);
        self
    }

    /// Adds a guarded cursor (see [`Guard`]).
    pub fn with_guard(mut self, guard: Guard) -> EventBatch {
        self.guards.push(guard);
        self
    }

    /// Adds alerts to put in the outbox in the batch's transaction.
    pub fn with_alerts(mut self, alerts: Vec<(usize, NewSignal)>) -> EventBatch {
        self.alerts.extend(alerts);
        self
    }

    /// Events in the batch.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no events.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// What [`Store::store_event_batch`] wrote.
#[derive(Debug, Clone, Default)]
pub struct StoredBatch {
    /// The events' ids, in order.
    pub ids: Vec<i64>,
    /// The outbox rows of the batch's alerts, in order (raise each with
    /// [`Store::raise_outboxed`]).
    pub outbox: Vec<i64>,
}

const HOST_ACTIVITY_SQL: &str = "INSERT INTO host_activity (host_id, last_event_id, last_received) \
    VALUES ($1, $2, $3) ON CONFLICT (host_id) DO UPDATE SET last_event_id = excluded.last_event_id, \
    last_received = excluded.last_received WHERE excluded.last_received >= host_activity.last_received";

enum Chunks {
    Sqlite(Vec<(&'static str, usize, sqlx::sqlite::SqliteArguments<'static>)>),
    Pg(Vec<(&'static str, usize, sqlx::postgres::PgArguments)>),
}

/// Adds one event's values to a statement's arguments (moved in: the driver would copy what it
/// is given by reference); evaluates to its size.
macro_rules! add_row {
    ($a:expr, $e:expr) => {{
        use sqlx::Arguments as _;
        let e = $e;
        let size = event_size(&e);
        add_row!(@values $a; e.received_at, e.at, e.org_id, e.host_id, e.host_name, e.source_ip,
            e.transport, e.product, e.category, e.service, e.message, e.fields, e.malformed, size);
        size
    }};
    (@values $a:expr; $($v:expr),*) => {
        $($a.add($v).map_err(|e| StoreError::Db(sqlx::Error::Encode(e)))?;)*
    };
}
use add_row;

/// Adds `$count` events of `$bytes` bytes (negative to take off) to the running totals' slot
/// `$slot`, inside the caller's transaction.
macro_rules! add_totals {
    ($tx:expr, $slot:expr, $count:expr, $bytes:expr) => {
        sqlx::query(
            "INSERT INTO event_totals (slot, events, bytes) VALUES ($1, $2, $3) \
             ON CONFLICT (slot) DO UPDATE SET events = event_totals.events + excluded.events, \
             bytes = event_totals.bytes + excluded.bytes",
        )
        .bind($slot)
        .bind($count)
        .bind($bytes)
        .execute($tx)
        .await?
    };
}
use add_totals;

/// The running totals' slot a PostgreSQL writer adds to: one of eight, by thread, so that
/// concurrent batches seldom wait on the same row.
fn totals_slot() -> i64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    (h.finish() % 8) as i64
}

/// What an event counts for against the size limit.
fn event_size(e: &NewEvent) -> i64 {
    (e.message.len() + e.fields.len()) as i64
}

/// `INSERT INTO events … VALUES (…), …` for `rows` rows (one of [`CHUNK_ROWS`]), built once.
/// SQLite looks named parameters up one by one (quadratic in their number), so it gets
/// anonymous ones, which bind in order; PostgreSQL's return the ids.
fn insert_events_sql(rows: usize, sqlite: bool) -> &'static str {
    static SQL: std::sync::OnceLock<Vec<(usize, String, String)>> = std::sync::OnceLock::new();
    let all = SQL.get_or_init(|| {
        CHUNK_ROWS
            .iter()
            .map(|&n| (n, build_insert_sql(n, true), build_insert_sql(n, false)))
            .collect()
    });
    all.iter()
        .find(|(n, _, _)| *n == rows)
        .map(|(_, a, b)| if sqlite { a.as_str() } else { b.as_str() })
        .unwrap_or("")
}

fn build_insert_sql(rows: usize, anonymous: bool) -> String {
    const COLS: usize = 14;
    let mut sql = String::with_capacity(200 + rows * COLS * 6);
    sql.push_str(
        "INSERT INTO events (received_at, at, org_id, host_id, host_name, source_ip, transport, \
         product, category, service, message, fields, malformed, size) VALUES ",
    );
    for i in 0..rows {
        sql.push_str(if i > 0 { ", (" } else { "(" });
        for c in 0..COLS {
            if c > 0 {
                sql.push_str(", ");
            }
            if anonymous {
                sql.push('?');
            } else {
                sql.push_str(&format!("${}", i * COLS + c + 1));
            }
        }
        sql.push(')');
    }
    if !anonymous {
        sql.push_str(" RETURNING id");
    }
    sql
}
