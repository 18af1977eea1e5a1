//! Centralised monitoring (M3): logs arrive (syslog over UDP, TCP and TLS; JSON/NDJSON over
//! HTTP; EVTX and log files uploaded), are normalised, matched against the enabled Sigma rules,
//! stored, and raise alerts (signals of kind `sigma_alert`) routed to the event's organisation.
//!
//! One worker owns the pipeline: listeners hand it batches through a bounded queue, so a slow
//! store slows the senders (TCP and HTTP wait; UDP, which cannot wait, counts what it drops)
//! instead of growing memory. A batch is acknowledged only after it is committed.

mod files;
mod rows;
mod rules;
mod silence;

pub use canhgac_ingest::event::{format_name, FORMATS};
pub use files::{json_body, records_from_file};
use rows::{new_event, read_record, Memo};
pub use rules::{
    add_custom_rules, bundled_rule_text, system_actor, validate_custom_rule, SIGMAHQ_RULES,
};
use rules::{bundled_rules, BundledFile};
pub use silence::{check_silent_sources, SilenceRule};

use crate::directory::Directory;
use canhgac_detect::{Builder, CorrelationState, Engine, Event, Hit, Placeholders, Refused};
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_domain::{Role, Scope};
use canhgac_store::{EventBatch, NewEvent, NewRule, NewSignal, Store, StoreError};
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
}

impl From<StoreError> for MonitorError {
    fn from(e: StoreError) -> Self {
        MonitorError::Store(e.to_string())
    }
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

enum Job {
    Records(
        Vec<Raw>,
        Option<oneshot::Sender<Result<IngestReport, MonitorError>>>,
    ),
    Reload(oneshot::Sender<Result<RulesSummary, MonitorError>>),
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
    config: MonitorConfig,
    /// This pipeline's name in the alerts it announces to the other processes (it skips its
    /// own when they come back).
    origin: String,
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
            config,
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

    /// Hands records to the pipeline and waits until they are stored.
    pub async fn ingest(&self, records: Vec<Raw>) -> Result<IngestReport, MonitorError> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Job::Records(records, Some(ack)))
            .await
            .map_err(|_| MonitorError::Stopped)?;
        done.await.map_err(|_| MonitorError::Stopped)?
    }

    /// Hands records to the pipeline, waiting for room in the queue but not for storage.
    pub async fn submit(&self, records: Vec<Raw>) -> bool {
        self.tx.send(Job::Records(records, None)).await.is_ok()
    }

    /// Hands records over only if there is room now (UDP); counts a drop otherwise.
    pub fn try_submit(&self, records: Vec<Raw>) {
        let n = records.len() as u64;
        if self.tx.try_send(Job::Records(records, None)).is_err() {
            self.stats.dropped.fetch_add(n, Ordering::Relaxed);
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
                    Ok(p) => committer.commit(&cstore, p).await,
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
            match job {
                Job::Reload(ack) => {
                    let _ = ack.send(self.compile(&store).await);
                }
                Job::Records(mut records, ack) => {
                    let mut acks: Acks = ack.into_iter().collect();
                    // Take whatever else is waiting, up to a few thousand records: one
                    // transaction for all of them.
                    let mut reload = None;
                    while records.len() < 5000 {
                        match rx.try_recv() {
                            Ok(Job::Records(more, a)) => {
                                records.extend(more);
                                acks.extend(a);
                            }
                            Ok(Job::Reload(a)) => {
                                reload = Some(a);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    if now_ms() - dir.loaded_at > 30_000 {
                        match Directory::load(&store).await {
                            Ok(d) => dir = Arc::new(d),
                            Err(e) => tracing::warn!(error = %e, "could not read the registry"),
                        }
                    }
                    let prepared = self.prepare(&store, dir.clone(), records).await;
                    if ptx.send((prepared, acks)).await.is_err() {
                        return;
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
        if let Ok(mut st) = self.correlations.lock() {
            *st = CorrelationState::default();
        }
        Ok(summary)
    }

    /// Reads, routes and matches a batch (CPU work, off the async threads).
    async fn prepare(
        &self,
        store: &Store,
        dir: Arc<Directory>,
        records: Vec<Raw>,
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
        let st = std::mem::take(
            &mut *self
                .correlations
                .lock()
                .map_err(|_| MonitorError::Rules("correlation lock poisoned".into()))?,
        );
        let c = compiled.clone();
        let store = store.clone();
        let (prepared, st) = tokio::task::spawn_blocking(move || {
            let mut st = st;
            let mut scratch = c.engine.scratch();
            let mut events = Vec::with_capacity(records.len());
            let mut alerting = Vec::new();
            let mut malformed_n = 0;
            let mut memo = Memo::default();
            let marks: Vec<(String, i64)> = records.iter().filter_map(|r| r.mark.clone()).collect();
            for mut r in records {
                let (ev, format, malformed) = read_record(&r, now);
                let mut hits = Vec::new();
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
                if !hits.is_empty() {
                    // What its alerts need (the row itself moves into the database).
                    alerting.push(Alerting {
                        index: events.len(),
                        row: row.clone(),
                        event: ev,
                        hits,
                    });
                }
                events.push(row);
            }
            // The statements and their values are made here too, beside the matching,
            // so that the writer only writes.
            let p = Prepared {
                compiled: c.clone(),
                batch: store
                    .event_batch(events)
                    .map(|b| b.with_marks(marks))
                    .map_err(MonitorError::from),
                alerting,
                malformed: malformed_n,
            };
            (p, st)
        })
        .await
        .map_err(|e| MonitorError::Rules(e.to_string()))?;
        if let Ok(mut g) = self.correlations.lock() {
            *g = st;
        }
        Ok(prepared)
    }

    /// Stores a prepared batch in one transaction, then raises its alerts.
    async fn commit(&self, store: &Store, p: Prepared) -> Result<IngestReport, MonitorError> {
        let mut report = IngestReport {
            malformed: p.malformed,
            ..Default::default()
        };
        let ids = store.insert_event_batch(p.batch?).await?;
        report.stored = ids.len() as u64;
        self.stats
            .stored
            .fetch_add(report.stored, Ordering::Relaxed);
        self.stats
            .malformed
            .fetch_add(report.malformed, Ordering::Relaxed);
        let compiled = &p.compiled;
        for a in &p.alerting {
            let (ev, hits, stored) = (&a.event, &a.hits, &a.row);
            let id = &ids[a.index];
            for hit in hits {
                let r = hit.rule() as usize;
                if let Some(Some(limit)) = compiled.limits.get(r) {
                    if !stored.org_id.is_some_and(|o| limit.contains(o)) {
                        continue;
                    }
                }
                report.detections += 1;
                self.stats.detections.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = self.raise(store, compiled, hit, ev, stored, *id).await {
                    tracing::warn!(error = %e, "could not raise an alert");
                }
            }
        }
        Ok(report)
    }

    async fn raise(
        &self,
        store: &Store,
        compiled: &Compiled,
        hit: &Hit,
        ev: &Event<'_>,
        stored: &NewEvent,
        event_id: i64,
    ) -> Result<(), StoreError> {
        let r = hit.rule() as usize;
        let info = &compiled.engine.rules()[r];
        let key = &compiled.keys[r];
        let who = stored
            .host_name
            .clone()
            .or_else(|| stored.source_ip.clone())
            .unwrap_or_else(|| "?".into());
        let mut excerpt = serde_json::Map::new();
        for (k, v) in ev.fields.iter().take(24) {
            excerpt
                .entry(k.to_string())
                .or_insert_with(|| Value::String(v.chars().take(300).collect()));
        }
        let attacker = attacker_address(ev);
        let mut payload = json!({
            "attacker_ip": attacker,
            "rule_id": info.meta.id,
            "rule_key": key,
            "rule_title": info.meta.title,
            "level": info.meta.level.as_str(),
            "tags": info.meta.tags,
            "description": info.meta.description,
            "event_id": event_id,
            "host": stored.host_name,
            "source_ip": stored.source_ip,
            "logsource": {"product": stored.product, "category": stored.category, "service": stored.service},
            "excerpt": excerpt,
        });
        // The owning organisation is part of the key (and the store matches it too): one
        // organisation's events never count into another's alert.
        let org = stored
            .org_id
            .map_or_else(|| "-".to_string(), |o| o.to_string());
        let mut dedup_key = format!("sigma:{org}:{key}:{who}");
        if let Hit::Correlation {
            group,
            count,
            first_ms,
            ..
        } = hit
        {
            payload["correlation"] = json!({"group": group, "count": count, "first_ms": first_ms});
            dedup_key = format!("sigma:{org}:{key}:{}", group.join("|"));
        }
        let sig = NewSignal {
            kind: SignalKind::SigmaAlert,
            source: key.clone(),
            title: format!("{} — {who}", info.meta.title),
            severity: severity_of(info.meta.level),
            org_id: stored.org_id,
            host_id: stored.host_id,
            dedup_key,
            seen_at: stored.at.max(stored.received_at),
            window_ms: self.config.dedup_window_ms,
            payload,
            host_name: stored.host_name.clone(),
            src_ip: attacker,
        };
        let (id, decision) = store.raise_signal(&sig).await?;
        let new = matches!(decision, canhgac_domain::signal::Dedup::Raise);
        if new {
            self.stats.alerts.fetch_add(1, Ordering::Relaxed);
        }
        // What the live views show of it (organisation code, count, group) as stored — for
        // this process's viewers, and for the other processes' on a shared database.
        let shared = store.backend() == "postgres";
        let row = if shared || self.alerts.receiver_count() > 0 {
            store.signal(&canhgac_domain::Scope::All, id).await?
        } else {
            None
        };
        let notice = AlertNotice {
            id,
            org_id: stored.org_id,
            title: sig.title,
            severity: sig.severity.as_str().to_string(),
            host: stored.host_name.clone(),
            at: sig.seen_at,
            new,
            org_code: row.as_ref().and_then(|r| r.org_code.clone()),
            count: row.as_ref().map_or(1, |r| r.count),
            src_ip: sig.src_ip.clone(),
            group_id: row.as_ref().and_then(|r| r.group_id),
        };
        if shared {
            let mut notice = notice.clone();
            notice.title = notice.title.chars().take(300).collect();
            notice.host = notice.host.map(|h| h.chars().take(200).collect());
            notice.org_code = notice.org_code.map(|c| c.chars().take(64).collect());
            let a = Announced {
                origin: self.origin.clone(),
                notice,
            };
            if let Err(e) = store
                .announce_alert(&serde_json::to_string(&a).unwrap_or_default())
                .await
            {
                tracing::warn!(error = %e, "could not announce an alert to the other processes");
            }
        }
        let _ = self.alerts.send(notice);
        Ok(())
    }
}

/// A batch read and matched, waiting to be stored.
struct Prepared {
    compiled: Arc<Compiled>,
    batch: Result<EventBatch, MonitorError>,
    alerting: Vec<Alerting>,
    malformed: u64,
}

/// A record with detections: what its alerts are raised from once it is stored.
struct Alerting {
    /// Position in the batch (its id comes back there).
    index: usize,
    row: NewEvent,
    event: Event<'static>,
    hits: Vec<Hit>,
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
