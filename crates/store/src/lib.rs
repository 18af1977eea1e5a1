//! One storage interface over two backends: SQLite (embedded, one data folder, WAL) and
//! PostgreSQL (scale-out). The backend is chosen from the URL at start-up; each has its
//! own migrations; every query is written once with `$n` placeholders and compiled for
//! both pools by [`on_pool!`].
//!
//! Invariant: every method that reads or changes an organisation's records takes the
//! caller's [`Scope`] and cuts the query by it; every change writes its audit row in the
//! same transaction as the change.

use canhgac_domain::entity::FieldError;
use canhgac_domain::Scope;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

#[macro_use]
mod macros;
mod advisories;
mod agents;
mod audit;
pub mod backup;
mod botnet;
mod charts;
mod claims;
mod daily;
mod directives;
mod duty;
mod events;
mod findings;
mod flows;
mod handover;
mod harmful;
mod incidents;
mod leases;
mod malware;
mod notify;
mod oncall;
mod periods;
mod plans;
mod platform;
mod registry;
mod reports;
mod rules;
mod signal_notes;
mod signals;
mod sources;
mod spam;
mod summaries;
mod triage;
mod users;
mod wire;

pub use advisories::{
    AdvisoryRow, ComplianceRow, HostSoftwareRow, KevRow, MatchRow, NewAdvisory, NewMatch,
    SnapshotRow,
};
pub use agents::{
    agent_stream, AgentAuth, AgentRow, CommandRow, EnrolmentRow, FimRow, NewScan, ScanHostRow,
    ScanRow,
};
pub use audit::{AuditEntry, AuditQuery};
pub use botnet::{BotnetEntryRow, BotnetListRow, FindingRow, HostEntry, NewBotnetList, NewFinding};
pub use claims::{host_addresses, AddressClaim};
pub use daily::{DailyCounts, DailyReportRow, WorkProgress};
pub use directives::{
    DirectiveFileRow, DirectiveItemRow, DirectiveRow, DirectiveTaskRow, NewDirective, ReminderDue,
    MAX_DIRECTIVE_FILE,
};
pub use duty::{DutyPerson, LeaveRow, NewRoster, RosterRow, ShiftRow, SwapRow};
pub use events::{EventBatch, EventFilter, EventRow, Guard, NewEvent, Pruned, StoredBatch};
pub use findings::{NewScanFinding, ScanFindingRow};
pub use flows::{
    AttackWrite, ExporterDelta, FlowAttackRow, FlowExporterRow, FlowPrefixRow, FlowSightingRow,
    MinuteWrite, OrgTraffic, SightingWrite, TalkerRow, TalkerWrite, TrafficPoint,
};
pub use handover::{Digest, DigestItem, HandoverRow};
pub use harmful::{HarmfulRow, HarmfulStepRow};
pub use incidents::{
    AssetRow, EvidenceRow, IncidentFilter, IncidentRow, NewIncident, ObservableRow, TimelineRow,
};
pub use leases::LeaseRow;
pub use malware::{
    decision_allowed, MalwareAlertRow, MalwareSetRow, MalwareSetVersionRow, NewMalwareAlert,
    QuarantineRow,
};
pub use oncall::{
    ChannelRow, DeliveryRow, DestinationRow, NewChannel, NewDelivery, PageRow, Recipient,
};
pub use periods::{PeriodReportRow, PeriodRow};
pub use plans::{step_subject, PlanRow, PlanStep};
pub use platform::{NewPlatformAlert, PlatformAlertRow, PlatformSource};
pub use registry::{ListQuery, Page};
pub use reports::{
    channel_vi, CategoryCount, ContactRow, EscalationRow, MailRow, NewContact, NewEscalation,
    ReportRow, ReportRules, ReportVersion, DEFAULT_SUBJECT_PREFIX,
};
pub use rules::{EnabledRule, NewRule, RuleFilter, RuleRow};
pub use signal_notes::SignalNote;
pub use signals::{
    NewSignal, NewWorkItem, Raised, SignalFilter, SignalRow, SignalSort, WorkFilter, WorkItemRow,
    WorkNote, GROUP_WINDOW_MS,
};
pub use sources::{LogSourceRow, SilentSource, SourceSort, SourceTotals};
pub use spam::{
    NewSpamReport, ParsedSpam, SpamActionRow, SpamCampaignRow, SpamCaseRow, SpamImportMeta,
    SpamImportOutcome, SpamImportRow, SpamReportQuery, SpamReportRow, SpamSenderRow,
};
pub use summaries::{split_recipients, NewSchedule, OrgFigures, RunRow, ScheduleRow, RUNS_KEPT};
pub use triage::{AlertGroup, Bucket};
pub use users::{NewUser, User};

/// Alert and event lists count their rows up to one more than this: a total of
/// `COUNT_CAP + 1` means "more than `COUNT_CAP`". Counting every one of a million alerts for
/// each page view would cost more than the page.
pub const COUNT_CAP: i64 = 10_000;

/// A scope of at most this many organisations reads a newest-first list one organisation at a
/// time (see [`per_org`]).
pub(crate) const MERGE_ORGS: usize = 16;

/// Newest first in a scope of a few organisations: `slice` gives, for a scope of one
/// organisation, a statement reading that organisation's first rows in order (from an index
/// led by `org_id`); the slices are joined with `UNION ALL` for the caller to merge. One
/// statement with `org_id IN (…)` would gather and sort every row of those organisations (tens
/// of thousands of alerts, millions of events each) for a page of fifty. `None` for the whole
/// province or a wider scope.
pub(crate) fn per_org(
    scope: &Scope,
    mut slice: impl FnMut(&Scope, &mut Params) -> String,
) -> Option<(String, Params)> {
    let ids = scope.ids()?;
    if ids.is_empty() || ids.len() > MERGE_ORGS {
        return None;
    }
    let mut p = Params::default();
    let parts: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let one = Scope::Orgs(std::iter::once(*id).collect());
            format!("SELECT * FROM ({}) m{i}", slice(&one, &mut p))
        })
        .collect();
    Some((parts.join(" UNION ALL "), p))
}

/// The connection pool of one backend.
#[derive(Clone, Debug)]
pub enum Pool {
    /// Embedded SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Pg(PgPool),
}

/// A bound query parameter, typed so that NULLs carry their SQL type.
#[derive(Debug, Clone)]
pub(crate) enum SqlVal {
    Int(Option<i64>),
    Text(Option<String>),
    Real(Option<f64>),
}

/// Who made a change, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user's id, or `None` for the system itself (seeding, jobs).
    pub user_id: Option<i64>,
    /// The user's e-mail, or a name for the system.
    pub email: String,
}

impl Actor {
    /// The platform itself.
    pub fn system(what: &str) -> Actor {
        Actor {
            user_id: None,
            email: format!("system:{what}"),
        }
    }
}

/// What can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// No such record, or not visible to the caller.
    #[error("not found")]
    NotFound,
    /// Visible but not allowed (e.g. moving a record to another organisation).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The record is invalid.
    #[error("invalid record: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// A uniqueness or reference rule was broken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(sqlx::Error),
    /// Migrations failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A guarded delivery (a stream's messages) was stored before: nothing was written.
    #[error("already stored: {0}")]
    Delivered(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e {
            match d.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Conflict("a record with the same key already exists".into())
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return StoreError::Conflict(
                        "the record is still referenced by other records".into(),
                    )
                }
                // SQLite reports ON DELETE RESTRICT as a trigger constraint.
                _ if d.message().contains("FOREIGN KEY constraint failed") => {
                    return StoreError::Conflict(
                        "the record is still referenced by other records".into(),
                    )
                }
                _ => {}
            }
        }
        StoreError::Db(e)
    }
}

/// Store result.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The store: a pool and the methods every capability uses.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
    /// Held by every clone; the SQLite checkpointer stops once the last one is dropped.
    _alive: Arc<()>,
}

/// Copies the SQLite write-ahead log into the database a few times a second, beside the
/// writers instead of in their way (SQLite's automatic checkpoint runs in the committing
/// connection and stalls it on copying and fsync: a fifth of the ingest rate). A passive
/// checkpoint never blocks a writer; should the log still grow past 64 MiB (readers holding
/// old snapshots, or writers never pausing), one that waits for them brings it back to the
/// start; when writing pauses, the log is emptied. Ends when the last clone of the store is dropped; closing the last connection
/// checkpoints what is left.
async fn checkpointer(pool: sqlx::SqlitePool, alive: std::sync::Weak<()>) {
    const RESTART_PAGES: i64 = 64 * 1024 * 1024 / 16384;
    let mut last_log = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if alive.strong_count() == 0 || pool.is_closed() {
            return;
        }
        let passive: std::result::Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&pool)
                .await;
        match passive {
            Ok((_, log, done)) => {
                // Idle (nothing written since the last look) and all copied: the log goes
                // back to empty, so that a burst does not leave a large file behind.
                let idle = log > 0 && log == done && log == last_log;
                last_log = log;
                let mode = if idle {
                    "TRUNCATE"
                } else if log > RESTART_PAGES {
                    "RESTART"
                } else {
                    continue;
                };
                if let Err(e) = sqlx::query(&format!("PRAGMA wal_checkpoint({mode})"))
                    .execute(&pool)
                    .await
                {
                    tracing::warn!(error = %e, "SQLite checkpoint ({mode}) failed");
                }
            }
            Err(e) if pool.is_closed() => {
                let _ = e;
                return;
            }
            Err(e) => tracing::warn!(error = %e, "SQLite checkpoint failed"),
        }
    }
}

impl Store {
    /// Opens (creating if needed) the embedded store in `dir` and migrates it.
    pub async fn open_sqlite(dir: &Path) -> Result<Store> {
        let store = Store::sqlite_pool(dir).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the embedded store in `dir` as it is, without migrating it. For tests that look
    /// at a schema an interrupted migration left; never used by the application.
    #[doc(hidden)]
    pub async fn open_sqlite_unmigrated(dir: &Path) -> Result<Store> {
        Store::sqlite_pool(dir).await
    }

    async fn sqlite_pool(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        let opts = SqliteConnectOptions::new()
            .filename(dir.join("canhgac.db"))
            .create_if_missing(true)
            .page_size(16384)
            // Writers never stop to copy the write-ahead log into the database: a background
            // task does (see `checkpointer`).
            .pragma("wal_autocheckpoint", "0")
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        let alive = Arc::new(());
        tokio::spawn(checkpointer(pool.clone(), Arc::downgrade(&alive)));
        Ok(Store {
            pool: Pool::Sqlite(pool),
            _alive: alive,
        })
    }

    /// Connects to PostgreSQL and migrates it.
    pub async fn open_postgres(url: &str) -> Result<Store> {
        Store::open_postgres_with(PgConnectOptions::from_str(url)?).await
    }

    /// Connects to PostgreSQL with explicit options and migrates it.
    pub async fn open_postgres_with(opts: PgConnectOptions) -> Result<Store> {
        let store = Store::pg_pool(opts).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to PostgreSQL without migrating. For tests that look at a schema an
    /// interrupted migration left; never used by the application.
    #[doc(hidden)]
    pub async fn open_postgres_unmigrated(url: &str) -> Result<Store> {
        Store::pg_pool(PgConnectOptions::from_str(url)?).await
    }

    async fn pg_pool(opts: PgConnectOptions) -> Result<Store> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Store {
            pool: Pool::Pg(pool),
            _alive: Arc::new(()),
        })
    }

    /// Opens the backend a location names: a `postgres://` or `postgresql://` URL, else a
    /// folder for the embedded store.
    pub async fn open(location: &str) -> Result<Store> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            Store::open_postgres(location).await
        } else {
            Store::open_sqlite(Path::new(location)).await
        }
    }

    /// Runs the backend's pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::migrate!("./migrations/sqlite").run(p).await?;
                // A migration that made an index leaves it without statistics, and SQLite then
                // guesses its selectivity (a new index on an agency's alerts was taken for a
                // few rows and read whole in place of the group index). Where the planner had
                // statistics before, they are made for the new indexes now rather than at the
                // retention job's first run; a store never analysed is left to that job.
                let analysed: Option<i64> = sqlx::query_scalar(
                    "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'",
                )
                .fetch_optional(p)
                .await?;
                if analysed.is_some() {
                    self.optimize().await?;
                }
            }
            Pool::Pg(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Refreshes the query planner's statistics where SQLite finds them missing or stale
    /// (`PRAGMA optimize`, each table's sample bounded by `analysis_limit`): a table grown from
    /// a few rows to many would otherwise be planned as small. PostgreSQL's autovacuum does this
    /// itself. Run by the retention job.
    pub async fn optimize(&self) -> Result<()> {
        if let Pool::Sqlite(p) = &self.pool {
            let mut c = p.acquire().await?;
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&mut *c)
                .await?;
            sqlx::query("PRAGMA optimize = 0x10002")
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Pg(_) => "postgres",
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        on_pool!(self, p => { sqlx::query("SELECT 1").execute(p).await.is_ok() })
    }

    /// Executes one raw statement. For tests that prove what the database itself refuses
    /// (e.g. rewriting the audit log); never used by the application.
    #[doc(hidden)]
    pub async fn execute_raw_for_tests(&self, sql: &str) -> std::result::Result<u64, sqlx::Error> {
        on_pool!(self, pool => { sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()) })
    }

    /// One integer from a raw query (`NULL` and no row are `None`). For tests and the load
    /// generator (`bench/loadgen`); never used by the application.
    #[doc(hidden)]
    pub async fn scalar_raw_for_tests(
        &self,
        sql: &str,
    ) -> std::result::Result<Option<i64>, sqlx::Error> {
        on_pool!(self, pool => {
            let row: Option<(Option<i64>,)> = sqlx::query_as(sql).fetch_optional(pool).await?;
            Ok(row.and_then(|r| r.0))
        })
    }

    /// The organisation tree as `(id, parent_id)` pairs, for building scopes.
    pub async fn org_tree(&self) -> Result<Vec<(i64, Option<i64>)>> {
        on_pool!(self, p => {
            Ok(sqlx::query_as::<_, (i64, Option<i64>)>("SELECT id, parent_id FROM orgs").fetch_all(p).await?)
        })
    }
}

/// `AND col IN (..)` for a scope; ids are integers from the database, never user text.
pub(crate) fn scope_sql(scope: &Scope, col: &str) -> String {
    match scope.ids() {
        None => String::new(),
        Some(ids) if ids.is_empty() => " AND 1=0".to_string(),
        Some(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!(" AND {col} IN ({})", list.join(","))
        }
    }
}

/// The CVEs of a comma-separated list, trimmed, upper-cased and without repeats (at most 1,000:
/// a list longer than any advisory's is cut rather than stored without bound).
pub(crate) fn cve_list(cves: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in cves.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let c = c.to_ascii_uppercase();
        if !out.contains(&c) {
            out.push(c);
        }
        if out.len() == 1000 {
            break;
        }
    }
    out
}

/// Begins a write transaction. On SQLite `BEGIN IMMEDIATE`: a transaction that reads before it
/// writes takes the write lock at its start, waiting (busy timeout) for another writer to
/// finish, instead of failing with "database is locked" when another connection committed
/// between its read and its write (a deferred transaction cannot upgrade past a newer commit).
/// On PostgreSQL a plain `BEGIN`.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    #[allow(async_fn_in_trait)]
    async fn begin_write(
        &self,
    ) -> std::result::Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(
        &self,
    ) -> std::result::Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(
        &self,
    ) -> std::result::Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// One field refused, named in English and Vietnamese.
pub(crate) fn invalid(field: &str, en: &str, vi: &str) -> StoreError {
    StoreError::Invalid(vec![FieldError {
        field: field.into(),
        message: en.into(),
        message_vi: vi.into(),
    }])
}

/// Builds `$n` placeholders while collecting their values.
#[derive(Default)]
pub(crate) struct Params {
    pub vals: Vec<SqlVal>,
}

impl Params {
    pub fn push(&mut self, v: SqlVal) -> String {
        self.vals.push(v);
        format!("${}", self.vals.len())
    }
    pub fn int(&mut self, v: i64) -> String {
        self.push(SqlVal::Int(Some(v)))
    }
    pub fn text(&mut self, v: impl Into<String>) -> String {
        self.push(SqlVal::Text(Some(v.into())))
    }
}
