//! Centralised monitoring (M3): logs arrive (syslog over UDP, TCP and TLS; JSON/NDJSON over
//! HTTP; EVTX and log files uploaded), are normalised, matched against the enabled Sigma rules,
//! stored, and raise alerts (signals of kind `sigma_alert`) routed to the event's organisation.
//!
//! One worker owns the pipeline: listeners hand it batches through a bounded queue, so a slow
//! store slows the senders (TCP and HTTP wait; UDP, which cannot wait, counts what it drops)
//! instead of growing memory. A batch is acknowledged only after it is committed.

mod alerts;
mod files;
mod journals;
mod rows;
mod rules;
mod silence;
mod wire;

use alerts::alert_for;
pub use canhgac_ingest::event::{format_name, FORMATS};
pub use files::{json_body, records_from_file};
pub use rows::owning_org;
use rows::{new_event, read_record, Memo};
pub use rules::{
    add_custom_rules, bundled_rule_text, system_actor, validate_custom_rule, SIGMAHQ_RULES,
};
use rules::{bundled_rules, BundledFile};
pub use silence::{check_silent_sources, SilenceRule};
pub use wire::{decode as decode_records, encode as encode_records, WireError};

use crate::directory::Directory;
use canhgac_detect::{Builder, CorrelationState, Engine, Event, Placeholders, Refused};
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_domain::{Role, Scope};
use canhgac_store::{EventBatch, Guard, NewRule, NewSignal, Store, StoreError};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Why the pipeline could not take, read or store something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    /// The pipeline's worker is gone (the server is stopping).
    #[error("the monitoring pipeline has stopped")]
    Stopped,
    /// The store refused or failed.
    #[error("storage: {0}")]
    Store(String),
    /// The rules could not be compiled.
    #[error("{0}")]
    Rules(String),
    /// An uploaded file could not be read (named, with the reason).
    #[error("{0}")]
    File(String),
    /// A guarded delivery was refused: its stream's cursor had already reached it (it, or a
    /// batch stored with it, was stored before — nothing was written).
    #[error("already stored: {0}")]
    Delivered(String),
    /// The stream the records go to refused them or did not answer.
    #[error("event stream: {0}")]
    Stream(String),
}

impl From<StoreError> for MonitorError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Delivered(d) => MonitorError::Delivered(d),
            e => MonitorError::Store(e.to_string()),
        }
    }
}

/// Where records go instead of this process's own pipeline, in the processes that receive but
/// do not store (`serve --role api|ingest`): an event stream the workers read
/// (`canhgac-bus`'s NATS JetStream publisher).
pub trait Outlet: Send + Sync {
    /// Writes the records to the stream; resolves once the stream holds them (so the sender may
    /// be answered), with how many were written.
    fn publish(
        &self,
        records: Vec<Raw>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, MonitorError>> + Send + '_>>;
}

/// A TLS syslog listener.
#[derive(Clone, Debug)]
pub struct TlsListen {
    /// Address.
    pub listen: SocketAddr,
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// Settings of the monitoring pipeline (`[monitor]` in the configuration file).
#[derive(Clone, Debug)]
pub struct MonitorConfig {
    /// Syslog over UDP (RFC 5426).
    pub syslog_udp: Option<SocketAddr>,
    /// Syslog over TCP (RFC 6587, octet counting or newline framing).
    pub syslog_tcp: Option<SocketAddr>,
    /// Syslog over TLS (RFC 5425).
    pub syslog_tls: Option<TlsListen>,
    /// Syslog over RELP (rsyslog's `omrelp`): each message answered once stored.
    pub syslog_relp: Option<SocketAddr>,
    /// A disk spool between the UDP/TCP/TLS listeners and the store (`crate::spool`): a burst
    /// is taken at the pace of a file write and survives a crash.
    pub spool: Option<crate::spool::SpoolConfig>,
    /// Load the bundled SigmaHQ rule set.
    pub bundled_rules: bool,
    /// Values for `%placeholder%` rules.
    pub placeholders: Placeholders,
    /// Keep events this many days.
    pub retention_days: i64,
    /// Keep at most this many bytes of events (oldest go first).
    pub max_event_bytes: i64,
    /// Batches waiting for the worker before senders must wait.
    pub queue_batches: usize,
    /// Longest syslog message kept whole.
    pub max_message: usize,
    /// Same rule on the same host within this window counts up one alert.
    pub dedup_window_ms: i64,
    /// Syslog TCP/TLS connections: in all, per sender, and how long one may stay silent.
    pub connections: crate::conns::ConnLimits,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            syslog_udp: None,
            syslog_tcp: None,
            syslog_tls: None,
            syslog_relp: None,
            spool: None,
            bundled_rules: true,
            placeholders: Placeholders::default(),
            retention_days: 30,
            max_event_bytes: 2 << 30,
            queue_batches: 64,
            max_message: 64 * 1024,
            dedup_window_ms: 3_600_000,
            connections: crate::conns::ConnLimits::syslog(),
        }
    }
}

/// Counters shown on the monitoring page and in `/metrics`.
#[derive(Default, Debug)]
pub struct Stats {
    /// Records received.
    pub received: AtomicU64,
    /// Events stored.
    pub stored: AtomicU64,
    /// Records that could not be read (stored raw, flagged).
    pub malformed: AtomicU64,
    /// UDP datagrams dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Detections (before de-duplication).
    pub detections: AtomicU64,
    /// Alerts raised (new signals, not count-ups).
    pub alerts: AtomicU64,
}

impl Stats {
    /// The counters as JSON.
    pub fn snapshot(&self) -> Value {
        json!({
            "received": self.received.load(Ordering::Relaxed),
            "stored": self.stored.load(Ordering::Relaxed),
            "malformed": self.malformed.load(Ordering::Relaxed),
            "dropped": self.dropped.load(Ordering::Relaxed),
            "detections": self.detections.load(Ordering::Relaxed),
            "alerts": self.alerts.load(Ordering::Relaxed),
        })
    }
}

/// What arrived, before it is read.
#[derive(Debug, Clone)]
pub enum Body {
    /// A syslog or plain text line.
    Line(String),
    /// A JSON object (one line of NDJSON, or an element of a JSON array).
    Json(String),
    /// An EVTX record as the evtx crate renders it.
    Evtx(Value, i64),
    /// A record already read (an IIS W3C line, which needs its file's `#Fields`; a Windows
    /// event of an XML file), with its time when known.
    Read(Box<canhgac_ingest::Normalized>, Option<i64>),
    /// Input that could not be read at all (kept raw).
    Malformed(String, String),
}

/// One record on its way in.
#[derive(Debug, Clone)]
pub struct Raw {
    /// `udp`, `tcp`, `tls`, `http`, `evtx`, `file`.
    pub transport: &'static str,
    /// The sender's address.
    pub peer: Option<IpAddr>,
    /// Arrival (Unix ms).
    pub received_at: i64,
    /// Content.
    pub body: Body,
    /// Records from an authenticated caller stay within the caller's organisations; events
    /// that resolve to no host of theirs belong to this organisation.
    pub owner: Option<(Scope, Option<i64>)>,
    /// A delivery cursor `(stream, sequence number)` stored in the same transaction as the
    /// record (an agent's queue: its resend is then recognised and not stored twice).
    pub mark: Option<(String, i64)>,
}

impl Raw {
    /// A record received now.
    pub fn new(transport: &'static str, peer: Option<IpAddr>, body: Body) -> Raw {
        Raw {
            transport,
            peer,
            received_at: now_ms(),
            body,
            owner: None,
            mark: None,
        }
    }
}

/// What happened to a batch.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct IngestReport {
    /// Events stored.
    pub stored: u64,
    /// Of which malformed (stored raw, flagged).
    pub malformed: u64,
    /// Detections.
    pub detections: u64,
    /// Written to the event stream, to be stored by the workers (a process that only
    /// receives; the other counts are then 0).
    pub queued: u64,
}

/// A new or counted-up alert, for the live feed.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AlertNotice {
    /// Signal id.
    pub id: i64,
    /// Organisation (for routing the feed).
    pub org_id: Option<i64>,
    /// Rule title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Host name.
    pub host: Option<String>,
    /// When (Unix ms).
    pub at: i64,
    /// Whether it is a new alert (or a count-up of an open one).
    pub new: bool,
    /// The organisation's code.
    pub org_code: Option<String>,
    /// Occurrences so far.
    pub count: i64,
    /// The attacker's address the event names.
    pub src_ip: Option<String>,
    /// The triage group it joined.
    pub group_id: Option<i64>,
}

type Ack = oneshot::Sender<Result<IngestReport, MonitorError>>;
/// Which organisations' correlation windows to forget.
pub type Forget = Box<dyn Fn(i64) -> bool + Send>;

enum Job {
    /// Records, the guarded cursors stored with them, and who waits.
    Records(Vec<Raw>, Vec<Guard>, Option<Ack>),
    Reload(oneshot::Sender<Result<RulesSummary, MonitorError>>),
    /// Records already stored, seen again only to rebuild the correlation counts; first the
    /// windows of the organisations the predicate names are forgotten.
    Warm(Vec<Raw>, Option<Forget>, oneshot::Sender<()>),
}

/// The rules now running.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RulesSummary {
    /// Detection rules compiled.
    pub detection: usize,
    /// Correlation rules compiled.
    pub correlation: usize,
    /// Rules refused, with the reason.
    pub refused: Vec<Refused>,
    /// When compiled (Unix ms).
    pub compiled_at: i64,
}

struct Compiled {
    engine: Engine,
    /// Per engine rule: the Sigma key, and the organisation subtree it is limited to.
    keys: Vec<String>,
    limits: Vec<Option<Scope>>,
    summary: RulesSummary,
}

/// The monitoring pipeline's handle, shared by listeners and handlers.
pub struct Monitor {
    tx: mpsc::Sender<Job>,
    /// The live alert feed.
    pub alerts: broadcast::Sender<AlertNotice>,
    /// Counters.
    pub stats: Stats,
    /// Syslog TCP/TLS connections admitted, refused and timed out.
    pub connections: Arc<crate::conns::Gate>,
    compiled: RwLock<Arc<Compiled>>,
    correlations: Mutex<CorrelationState>,
    /// What each batch counted, until it is stored (undone if it is refused).
    journals: Mutex<journals::Journals>,
    config: MonitorConfig,
    /// This pipeline's name in the alerts it announces to the other processes (it skips its
    /// own when they come back).
    origin: String,
    /// Where records go when this process does not store them.
    outlet: Option<Arc<dyn Outlet>>,
    /// Publications to the outlet in flight from UDP, which cannot wait.
    in_flight: Arc<AtomicU64>,
    /// The rule set's fingerprint when the running rules were compiled.
    rules_version: Mutex<String>,
}

/// An alert as announced between processes.
#[derive(Serialize, serde::Deserialize)]
struct Announced {
    origin: String,
    notice: AlertNotice,
}

impl Monitor {
    /// Starts the worker (it compiles the enabled rules first) and returns the handle.
    pub fn start(store: Store, config: MonitorConfig) -> Arc<Monitor> {
        Monitor::start_with(store, config, None)
    }

    /// Starts the pipeline; with an outlet, records received here go to it instead of being
    /// stored here (the rules are still compiled, for the pages that show them).
    pub fn start_with(
        store: Store,
        config: MonitorConfig,
        outlet: Option<Arc<dyn Outlet>>,
    ) -> Arc<Monitor> {
        let (tx, rx) = mpsc::channel(config.queue_batches.max(1));
        let (alerts, _) = broadcast::channel(1024);
        let m = Arc::new(Monitor {
            tx,
            alerts,
            stats: Stats::default(),
            connections: Arc::new(crate::conns::Gate::new(config.connections.clone())),
            compiled: RwLock::new(Arc::new(Compiled {
                engine: Builder::new().build(),
                keys: Vec::new(),
                limits: Vec::new(),
                summary: RulesSummary::default(),
            })),
            correlations: Mutex::new(CorrelationState::default()),
            journals: Mutex::default(),
            config,
            outlet,
            in_flight: Arc::default(),
            rules_version: Mutex::default(),
            origin: {
                static STARTED: AtomicU64 = AtomicU64::new(0);
                let n = STARTED.fetch_add(1, Ordering::Relaxed);
                format!("{}:{}:{n}", std::process::id(), now_ms())
            },
        });
        // Alerts the other processes on the same PostgreSQL database raise reach this one's
        // live feed too.
        let (feed, me) = (m.alerts.clone(), m.origin.clone());
        store.relay_alerts(move |payload| {
            if let Ok(a) = serde_json::from_str::<Announced>(&payload) {
                if a.origin != me {
                    let _ = feed.send(a.notice);
                }
            }
        });
        let worker = m.clone();
        tokio::spawn(async move { worker.run(store, rx).await });
        m
    }

    /// The settings.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    /// Hands records to the pipeline and waits until they are stored (or, in a process that
    /// only receives, until the event stream holds them).
    pub async fn ingest(&self, records: Vec<Raw>) -> Result<IngestReport, MonitorError> {
        if let Some(out) = &self.outlet {
            let n = records.len() as u64;
            self.stats.received.fetch_add(n, Ordering::Relaxed);
            let queued = out.publish(records).await?;
            return Ok(IngestReport {
                queued,
                ..Default::default()
            });
        }
        self.ingest_guarded(records, Vec::new()).await
    }

    /// Hands records to this process's pipeline with guarded cursors `(stream, first, last)`:
    /// they are stored, with the cursors moved, in one transaction, or refused whole with
    /// [`MonitorError::Delivered`] when a cursor already reached its `first` (a worker reading
    /// an event stream: a message is stored once, whoever delivers it again).
    pub async fn ingest_guarded(
        &self,
        records: Vec<Raw>,
        guards: Vec<(String, i64, i64)>,
    ) -> Result<IngestReport, MonitorError> {
        let guards = guards
            .into_iter()
            .map(|(stream, first, last)| Guard::Before {
                stream,
                first,
                last,
            })
            .collect();
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Job::Records(records, guards, Some(ack)))
            .await
            .map_err(|_| MonitorError::Stopped)?;
        done.await.map_err(|_| MonitorError::Stopped)?
    }

    /// Hands the records that follow offset `after` of `stream`, up to `last`, to the
    /// pipeline without waiting for them to be stored: they are stored (and the stream's
    /// cursor moved to `last`) only while the cursor stands at `after`. Batches are stored in
    /// the order they are handed over, so a reader may keep several in flight; one that fails
    /// leaves the cursor short, and those behind it are refused with
    /// [`MonitorError::Delivered`] rather than stored past a hole. The receiver says how it went.
    pub async fn send_after(
        &self,
        records: Vec<Raw>,
        stream: String,
        after: i64,
        last: i64,
    ) -> Result<oneshot::Receiver<Result<IngestReport, MonitorError>>, MonitorError> {
        let (ack, done) = oneshot::channel();
        let guard = Guard::After {
            stream,
            after,
            last,
        };
        self.tx
            .send(Job::Records(records, vec![guard], Some(ack)))
            .await
            .map_err(|_| MonitorError::Stopped)?;
        Ok(done)
    }

    /// Hands records to the pipeline, waiting for room in the queue but not for storage (in a
    /// process that only receives: waiting until the event stream holds them).
    pub async fn submit(&self, records: Vec<Raw>) -> bool {
        if self.outlet.is_some() {
            return match self.ingest(records).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "records not written to the event stream");
                    false
                }
            };
        }
        self.tx
            .send(Job::Records(records, Vec::new(), None))
            .await
            .is_ok()
    }

    /// Hands records over only if there is room now (UDP); counts a drop otherwise.
    pub fn try_submit(self: &Arc<Self>, records: Vec<Raw>) {
        let n = records.len() as u64;
        if self.outlet.is_some() {
            // As many publications in flight as the local queue would hold batches.
            if self.in_flight.fetch_add(1, Ordering::AcqRel) >= self.config.queue_batches as u64 {
                self.in_flight.fetch_sub(1, Ordering::AcqRel);
                self.stats.dropped.fetch_add(n, Ordering::Relaxed);
                return;
            }
            let me = self.clone();
            tokio::spawn(async move {
                if let Err(e) = me.ingest(records).await {
                    me.stats.dropped.fetch_add(n, Ordering::Relaxed);
                    tracing::warn!(error = %e, "datagrams not written to the event stream");
                }
                me.in_flight.fetch_sub(1, Ordering::AcqRel);
            });
            return;
        }
        if self
            .tx
            .try_send(Job::Records(records, Vec::new(), None))
            .is_err()
        {
            self.stats.dropped.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Feeds records that were stored before (by a worker that died) to the correlation rules
    /// only — nothing is stored or raised — so that their windows count them again: a worker
    /// taking over a partition sees its last [`Monitor::longest_timespan_ms`] first.
    /// `forget` first drops the windows of the organisations it names (what this process
    /// counted of them before is not to be counted twice).
    pub async fn warm(
        &self,
        records: Vec<Raw>,
        forget: Option<Forget>,
    ) -> Result<(), MonitorError> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Job::Warm(records, forget, ack))
            .await
            .map_err(|_| MonitorError::Stopped)?;
        done.await.map_err(|_| MonitorError::Stopped)
    }

    /// The longest window of the running correlation rules (0: none).
    pub fn longest_timespan_ms(&self) -> i64 {
        self.compiled
            .read()
            .map(|c| c.engine.longest_timespan_ms())
            .unwrap_or(0)
    }

    /// Whether records received here go to an event stream instead of this process's store.
    pub fn publishes(&self) -> bool {
        self.outlet.is_some()
    }

    /// Recompiles the rules whenever another process changed them (a worker of a scaled-out
    /// deployment: the rule pages are served by another process). Checks every `every`.
    pub async fn follow_rules(self: Arc<Self>, store: Store, every: std::time::Duration) {
        loop {
            tokio::time::sleep(every).await;
            let Ok(now) = store.rules_version().await else {
                continue;
            };
            let known = self
                .rules_version
                .lock()
                .map(|v| v.clone())
                .unwrap_or_default();
            if now != known {
                match self.reload().await {
                    Ok(r) => tracing::info!(
                        detection = r.detection,
                        correlation = r.correlation,
                        "rules changed elsewhere: recompiled"
                    ),
                    Err(e) => tracing::warn!(error = %e, "could not recompile the changed rules"),
                }
            }
        }
    }

    /// Recompiles the enabled rules (after a change) and returns what runs now.
    pub async fn reload(&self) -> Result<RulesSummary, MonitorError> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Job::Reload(ack))
            .await
            .map_err(|_| MonitorError::Stopped)?;
        done.await.map_err(|_| MonitorError::Stopped)?
    }

    /// What runs now.
    pub fn rules_summary(&self) -> RulesSummary {
        self.compiled
            .read()
            .map(|c| c.summary.clone())
            .unwrap_or_default()
    }

    /// The running rules that events of this log source are tested against: `(rule key,
    /// title)`, at most `limit`, and how many there are in all. An event of unknown log source
    /// feeds only the rules that name none.
    pub fn rules_for_source(
        &self,
        product: Option<&str>,
        category: Option<&str>,
        service: Option<&str>,
        limit: usize,
    ) -> (Vec<(String, String)>, usize) {
        use std::borrow::Cow;
        let src = canhgac_detect::EventSource {
            product: product.map(|p| Cow::Owned(p.to_string())),
            category: category.map(|p| Cow::Owned(p.to_string())),
            service: service.map(|p| Cow::Owned(p.to_string())),
        };
        let Ok(c) = self.compiled.read() else {
            return (Vec::new(), 0);
        };
        let mut out = Vec::new();
        let mut n = 0;
        for (i, info) in c.engine.rules().iter().enumerate() {
            if canhgac_detect::logsource::applies(&info.logsource, &src) {
                n += 1;
                if out.len() < limit {
                    out.push((c.keys[i].clone(), info.meta.title.clone()));
                }
            }
        }
        (out, n)
    }

    async fn run(self: Arc<Self>, store: Store, mut rx: mpsc::Receiver<Job>) {
        if let Err(e) = self.compile(&store).await {
            tracing::error!(error = %e, "could not compile the Sigma rules");
        }
        // Two stages: reading and matching a batch overlaps with storing the one before.
        type Acks = Vec<oneshot::Sender<Result<IngestReport, MonitorError>>>;
        let (ptx, mut prx) = mpsc::channel::<(Result<Prepared, MonitorError>, Acks)>(2);
        let committer = self.clone();
        let cstore = store.clone();
        tokio::spawn(async move {
            while let Some((prepared, acks)) = prx.recv().await {
                let result = match prepared {
                    Ok(p) => {
                        let seq = p.seq;
                        let r = committer.commit(&cstore, p).await;
                        if let Ok(mut j) = committer.journals.lock() {
                            if r.is_ok() {
                                j.stored(seq);
                            } else {
                                j.refused(seq);
                            }
                        }
                        r
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = &result {
                    tracing::error!(error = %e, "could not store a batch of events");
                }
                for a in acks {
                    let _ = a.send(result.clone());
                }
            }
        });
        let mut dir = Arc::new(Directory::default());
        while let Some(job) = rx.recv().await {
            // The registry is read when records need it (and again after 30 s), not before.
            if !matches!(job, Job::Reload(_)) && now_ms() - dir.loaded_at > 30_000 {
                match Directory::load(&store).await {
                    Ok(d) => dir = Arc::new(d),
                    Err(e) => tracing::warn!(error = %e, "could not read the registry"),
                }
            }
            match job {
                Job::Reload(ack) => {
                    let _ = ack.send(self.compile(&store).await);
                }
                Job::Warm(records, forget, ack) => {
                    self.warm_now(dir.clone(), records, forget).await;
                    let _ = ack.send(());
                }
                Job::Records(mut records, guards, ack) => {
                    let mut acks: Acks = ack.into_iter().collect();
                    let mut after = None;
                    // Take whatever else is waiting, up to a few thousand records: one
                    // transaction for all of them.
                    let mut reload = None;
                    // A guarded batch (a stream partition's) goes alone: if it is refused, the
                    // others are not refused with it.
                    while guards.is_empty() && records.len() < 5000 {
                        match rx.try_recv() {
                            Ok(Job::Records(more, g, a)) if g.is_empty() => {
                                records.extend(more);
                                acks.extend(a);
                            }
                            Ok(Job::Records(more, g, a)) => {
                                // Stored next, on its own.
                                after = Some((more, g, a));
                                break;
                            }
                            Ok(Job::Reload(a)) => {
                                reload = Some(a);
                                break;
                            }
                            // Another partition's history: its organisations' windows only.
                            Ok(Job::Warm(recs, f, a)) => {
                                self.warm_now(dir.clone(), recs, f).await;
                                let _ = a.send(());
                            }
                            Err(_) => break,
                        }
                    }
                    let prepared = self.prepare(&store, dir.clone(), records, guards).await;
                    if ptx.send((prepared, acks)).await.is_err() {
                        return;
                    }
                    if let Some((more, g, a)) = after {
                        let prepared = self.prepare(&store, dir.clone(), more, g).await;
                        if ptx.send((prepared, a.into_iter().collect())).await.is_err() {
                            return;
                        }
                    }
                    if let Some(a) = reload {
                        let _ = a.send(self.compile(&store).await);
                    }
                }
            }
        }
    }

    async fn compile(&self, store: &Store) -> Result<RulesSummary, MonitorError> {
        let bundled: &[BundledFile] = if self.config.bundled_rules {
            bundled_rules().map_err(MonitorError::Rules)?
        } else {
            &[]
        };
        if !bundled.is_empty() {
            let metas: Vec<NewRule> = bundled
                .iter()
                .flat_map(|f| f.metas.iter().cloned())
                .collect();
            store.sync_rules(&metas).await?;
        }
        // Read before the rules (after the bundled set is synced): a change made while
        // compiling is seen on the next look.
        let version = store.rules_version().await.unwrap_or_default();
        let enabled = store.enabled_rules().await?;
        let tree = store.org_tree().await?;
        let mut b = Builder::new();
        b.placeholders(self.config.placeholders.clone());
        let mut limits_by_key: HashMap<String, Option<i64>> = HashMap::new();
        let mut wanted: HashMap<String, ()> = HashMap::new();
        for r in &enabled {
            limits_by_key.insert(r.rule_key.clone(), r.org_id);
            if r.origin == "custom" {
                if let Some(y) = &r.yaml {
                    b.add_file(&format!("custom:{}", r.rule_key), y);
                }
            } else {
                wanted.insert(r.rule_key.clone(), ());
            }
        }
        for f in bundled {
            // A bundled file is compiled when any of its documents is enabled.
            if f.metas.iter().any(|m| wanted.contains_key(&m.rule_key)) {
                b.add_file(&f.path, &f.text);
            }
        }
        let engine = tokio::task::spawn_blocking(move || b.build())
            .await
            .map_err(|e| MonitorError::Rules(e.to_string()))?;
        let mut keys = Vec::new();
        let mut limits = Vec::new();
        for info in engine.rules() {
            let key = info.meta.id.clone().unwrap_or_else(|| info.source.clone());
            let limit = limits_by_key
                .get(&key)
                .copied()
                .flatten()
                .map(|org| Scope::for_user(Role::OrgAdmin, Some(org), &tree));
            keys.push(key);
            limits.push(limit);
        }
        let summary = RulesSummary {
            detection: engine.detection_count(),
            correlation: engine.correlation_count(),
            refused: engine.refused().to_vec(),
            compiled_at: now_ms(),
        };
        if let Ok(mut c) = self.compiled.write() {
            *c = Arc::new(Compiled {
                engine,
                keys,
                limits,
                summary: summary.clone(),
            });
        }
        if let (Ok(mut st), Ok(mut j)) = (self.correlations.lock(), self.journals.lock()) {
            *st = CorrelationState::default();
            j.clear();
        }
        if let Ok(mut v) = self.rules_version.lock() {
            *v = version;
        }
        Ok(summary)
    }

    /// Reads and routes records and feeds them to the correlation rules, discarding the hits.
    async fn warm_now(&self, dir: Arc<Directory>, records: Vec<Raw>, forget: Option<Forget>) {
        let Ok(compiled) = self.compiled.read().map(|c| c.clone()) else {
            return;
        };
        let Ok(mut st) = self
            .correlations
            .lock()
            .map(|mut g| std::mem::take(&mut *g))
        else {
            return;
        };
        // What a refused batch counted is put back first; the counts then change outside any
        // batch, so the journals of batches still being stored no longer apply.
        if let Ok(mut j) = self.journals.lock() {
            j.undo_refused(&mut st);
            j.clear();
        }
        let now = now_ms();
        let done = tokio::task::spawn_blocking(move || {
            let mut st = st;
            if let Some(f) = forget {
                st.forget(f);
            }
            let mut scratch = compiled.engine.scratch();
            let mut memo = Memo::default();
            let mut hits = Vec::new();
            for mut r in records {
                let (ev, format, malformed) = read_record(&r, now);
                if malformed.is_some() && !matches!(r.body, Body::Line(_)) {
                    continue;
                }
                let row = new_event(&dir, &mut memo, &mut r, &ev, format, malformed);
                hits.clear();
                compiled.engine.process_in(
                    &mut scratch,
                    &mut st,
                    row.org_id.unwrap_or(0),
                    &ev,
                    &mut hits,
                );
            }
            st
        })
        .await;
        if let (Ok(st), Ok(mut g)) = (done, self.correlations.lock()) {
            *g = st;
        }
    }

    /// Reads, routes and matches a batch (CPU work, off the async threads).
    async fn prepare(
        &self,
        store: &Store,
        dir: Arc<Directory>,
        records: Vec<Raw>,
        guards: Vec<Guard>,
    ) -> Result<Prepared, MonitorError> {
        self.stats
            .received
            .fetch_add(records.len() as u64, Ordering::Relaxed);
        let compiled = self
            .compiled
            .read()
            .map_err(|_| MonitorError::Rules("rules lock poisoned".into()))?
            .clone();
        let now = now_ms();
        let mut st = std::mem::take(
            &mut *self
                .correlations
                .lock()
                .map_err(|_| MonitorError::Rules("correlation lock poisoned".into()))?,
        );
        // A batch refused since the last one was counted: its counts (and those counted after
        // it) are put back before these are counted, so that its retry is counted once.
        if let Ok(mut j) = self.journals.lock() {
            j.undo_refused(&mut st);
        }
        let c = compiled.clone();
        let store = store.clone();
        let window_ms = self.config.dedup_window_ms;
        let (prepared, mut st) = tokio::task::spawn_blocking(move || {
            st.begin();
            let mut scratch = c.engine.scratch();
            let mut events = Vec::with_capacity(records.len());
            let mut alerts = Vec::new();
            let mut malformed_n = 0;
            let mut memo = Memo::default();
            let mut marks: Vec<(String, i64)> =
                records.iter().filter_map(|r| r.mark.clone()).collect();
            // A client's batch id rides on every record of the batch (each message on the
            // stream carries it); it is written once.
            marks.dedup();
            let mut hits = Vec::new();
            for mut r in records {
                let (ev, format, malformed) = read_record(&r, now);
                hits.clear();
                let bad = malformed.is_some();
                // A syslog line that is not syslog is still a message to match.
                let matchable = !bad || matches!(r.body, Body::Line(_));
                let row = new_event(&dir, &mut memo, &mut r, &ev, format, malformed);
                if bad {
                    malformed_n += 1;
                }
                if matchable {
                    // Correlations are counted per owning organisation.
                    let org = row.org_id.unwrap_or(0);
                    c.engine
                        .process_in(&mut scratch, &mut st, org, &ev, &mut hits);
                }
                for hit in &hits {
                    if let Some(sig) = alert_for(&c, hit, &ev, &row, window_ms) {
                        alerts.push((events.len(), sig));
                    }
                }
                events.push(row);
            }
            // The statements and their values are made here too, beside the matching,
            // so that the writer only writes. The alerts go into the outbox in the same
            // transaction as their events.
            let detections = alerts.len() as u64;
            let mut batch = store
                .event_batch(events)
                .map(|b| b.with_marks(marks).with_alerts(alerts));
            for g in guards {
                batch = batch.map(|b| b.with_guard(g));
            }
            let p = Prepared {
                batch: batch.map_err(MonitorError::from),
                detections,
                malformed: malformed_n,
                seq: 0,
            };
            (p, st)
        })
        .await
        .map_err(|e| MonitorError::Rules(e.to_string()))?;
        let mut prepared = prepared;
        let journal = st.finish();
        // The journal is kept before the state is put back: the batch cannot be stored (or
        // refused) before this returns.
        if let Ok(mut j) = self.journals.lock() {
            prepared.seq = j.push(journal);
        }
        if let Ok(mut g) = self.correlations.lock() {
            *g = st;
        }
        Ok(prepared)
    }

    /// Stores a prepared batch in one transaction (events, cursors and the alerts in the
    /// outbox), then raises its alerts.
    async fn commit(&self, store: &Store, p: Prepared) -> Result<IngestReport, MonitorError> {
        let stored = store.store_event_batch(p.batch?).await?;
        let report = IngestReport {
            stored: stored.ids.len() as u64,
            malformed: p.malformed,
            detections: p.detections,
            queued: 0,
        };
        self.stats
            .stored
            .fetch_add(report.stored, Ordering::Relaxed);
        self.stats
            .malformed
            .fetch_add(report.malformed, Ordering::Relaxed);
        self.stats
            .detections
            .fetch_add(report.detections, Ordering::Relaxed);
        // What fails here stays in the outbox, and the outbox job raises it later.
        if let Err(e) = self.raise_outboxed(store, &stored.outbox).await {
            tracing::warn!(error = %e, "could not raise alerts (left in the outbox)");
        }
        Ok(report)
    }
}

/// A batch read and matched, waiting to be stored.
struct Prepared {
    batch: Result<EventBatch, MonitorError>,
    detections: u64,
    malformed: u64,
    /// Its correlation journal's number ([`journals::Journals`]).
    seq: u64,
}

/// Sigma level → signal severity.
pub fn severity_of(l: canhgac_detect::Level) -> Severity {
    match l {
        canhgac_detect::Level::Informational => Severity::Info,
        canhgac_detect::Level::Low => Severity::Low,
        canhgac_detect::Level::Medium => Severity::Medium,
        canhgac_detect::Level::High => Severity::High,
        canhgac_detect::Level::Critical => Severity::Critical,
    }
}

/// Runs retention now: events older than the configured age, then the oldest beyond the size.
pub async fn prune(
    store: &Store,
    config: &MonitorConfig,
) -> Result<canhgac_store::Pruned, StoreError> {
    let cutoff = now_ms() - config.retention_days.max(1) * 86_400_000;
    store.prune_events(cutoff, config.max_event_bytes).await
}

/// The remote address an event names as the other side — the attacker in an sshd failure, the
/// client of a web request, the source of a firewall or Windows logon event — if it is an IP
/// address (the sender of the log line is the host itself, not this).
pub fn attacker_address(ev: &Event<'_>) -> Option<String> {
    const FIELDS: [&str; 10] = [
        "src_ip",
        "c-ip",
        "source.ip",
        "client.ip",
        "SourceIp",
        "IpAddress",
        "SourceAddress",
        "srcip",
        "src",
        "clientip",
    ];
    FIELDS.iter().find_map(|f| {
        ev.get(f)
            .map(str::trim)
            .and_then(|v| v.parse::<std::net::IpAddr>().ok())
            .filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
            .map(|ip| ip.to_string())
    })
}
