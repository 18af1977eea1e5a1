//! Scale-out over NATS JetStream (M15).
//!
//! Processes that receive logs (`serve --role ingest` and `api`) do not store them: they write
//! each batch to a JetStream stream and answer the sender only once the stream has acknowledged
//! it ([`Publisher`], an [`Outlet`] of the monitoring pipeline). Workers (`--role worker`) read
//! the stream and run the same pipeline as a single process — normalise, match, store, raise
//! ([`run_worker`]).
//!
//! **Partitions.** The stream's subjects are `<prefix>.<n>` for `n` in `0..partitions`; a
//! record goes to the partition of the organisation it will be filed under
//! ([`canhgac_ops::monitor::owning_org`], decided with the same registry the worker uses). Every
//! correlation is counted per organisation, so all the events one correlation can count meet in
//! one partition, and each partition is read by one worker at a time: counts and temporal rules
//! fire exactly as in one process, with no state shared between workers.
//!
//! **One reader per partition.** A worker takes a partition by a lease in the database
//! (`partition:<stream>:<n>`, renewed every third of its length) and takes about its share —
//! the partitions divided by the live workers, each worker announcing itself with a
//! `worker:<stream>:<instance>` lease. On taking a partition it makes the partition's durable
//! pull consumer afresh, starting after the partition's cursor in the database, so messages
//! come in stream order from the first one not stored.
//!
//! **Exactly once.** A worker stores a partition's messages with a *guarded* cursor
//! (`nats:<stream>:<n>`) in the events' own transaction: the batch is refused whole when the
//! cursor has already reached its first message. A message delivered again — after a worker
//! died before acknowledging it, or to a worker that lost its lease while another took over —
//! is therefore never stored twice, and it is acknowledged to the stream only after it is
//! stored, so it is never lost. Alerts are written to the outbox in the same transaction and
//! raised from it once ([`canhgac_store::Store::raise_outboxed`]).

use async_nats::jetstream::{self, consumer, stream};
use canhgac_ops::directory::Directory;
use canhgac_ops::monitor::{
    decode_records, encode_records, owning_org, Monitor, MonitorError, Outlet, Raw,
};
use canhgac_store::Store;
use futures_util::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The largest message written to the stream (NATS refuses more than its `max_payload`, 1 MiB
/// by default); a larger batch is cut.
const MAX_MESSAGE: usize = 512 * 1024;

/// `[scale]` in the configuration file: where the event stream is and how it is cut.
#[derive(Clone, Debug)]
pub struct BusConfig {
    /// NATS servers, e.g. `nats://10.0.0.5:4222,nats://10.0.0.6:4222`.
    pub url: String,
    /// The JetStream stream's name.
    pub stream: String,
    /// The subjects' prefix (`<prefix>.<partition>`).
    pub subject: String,
    /// Partitions: the most workers that can share the work.
    pub partitions: u32,
    /// How long the stream keeps a message (longer than the longest worker outage to survive).
    pub max_age: Duration,
    /// The stream's size limit; when full, new batches are refused (senders are told), never
    /// old unread ones dropped.
    pub max_bytes: i64,
    /// Copies of the stream in a JetStream cluster (1 on one server, 3 in a three-node cluster).
    pub replicas: usize,
    /// How long the stream remembers a message id to drop a resend (an agent's batch).
    pub duplicate_window: Duration,
    /// How long a partition's lease lasts unrenewed: how soon another worker takes over the
    /// partitions of one that died.
    pub lease_ms: i64,
    /// Messages fetched at a time per partition.
    pub fetch: usize,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            url: "nats://127.0.0.1:4222".into(),
            stream: "CANHGAC_EVENTS".into(),
            subject: "canhgac.events".into(),
            partitions: 16,
            max_age: Duration::from_secs(7 * 86_400),
            max_bytes: 8 << 30,
            replicas: 1,
            duplicate_window: Duration::from_secs(600),
            lease_ms: 15_000,
            fetch: 64,
        }
    }
}

/// Why the event stream could not be reached or set up.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// No connection to NATS.
    #[error("cannot connect to NATS at {0}: {1}")]
    Connect(String, String),
    /// The stream could not be made or read.
    #[error("JetStream stream {0}: {1}")]
    Stream(String, String),
    /// The settings do not hold.
    #[error("{0}")]
    Config(String),
}

/// A connection to the event stream.
#[derive(Clone)]
pub struct Bus {
    js: jetstream::Context,
    stream: stream::Stream,
    cfg: Arc<BusConfig>,
}

impl Bus {
    /// Connects and makes (or finds) the stream.
    pub async fn connect(cfg: BusConfig, name: &str) -> Result<Bus, BusError> {
        if cfg.partitions == 0 || cfg.partitions > 1024 {
            return Err(BusError::Config(format!(
                "[scale] partitions must be 1 to 1024, not {}",
                cfg.partitions
            )));
        }
        let client = async_nats::ConnectOptions::new()
            .name(name)
            .connect(cfg.url.as_str())
            .await
            .map_err(|e| BusError::Connect(cfg.url.clone(), e.to_string()))?;
        let js = jetstream::new(client);
        let config = stream::Config {
            name: cfg.stream.clone(),
            subjects: vec![format!("{}.*", cfg.subject)],
            retention: stream::RetentionPolicy::Limits,
            discard: stream::DiscardPolicy::New,
            max_age: cfg.max_age,
            max_bytes: cfg.max_bytes,
            storage: stream::StorageType::File,
            num_replicas: cfg.replicas.max(1),
            duplicate_window: cfg.duplicate_window,
            ..Default::default()
        };
        let stream = js
            .get_or_create_stream(config)
            .await
            .map_err(|e| BusError::Stream(cfg.stream.clone(), e.to_string()))?;
        Ok(Bus {
            js,
            stream,
            cfg: Arc::new(cfg),
        })
    }

    /// The settings.
    pub fn config(&self) -> &BusConfig {
        &self.cfg
    }

    /// The partition of an organisation's events (none: events of no known organisation).
    pub fn partition_of(&self, org: Option<i64>) -> u32 {
        partition_of(org, self.cfg.partitions)
    }

    /// The database cursor of a partition: the last stream sequence stored.
    pub fn cursor_name(&self, partition: u32) -> String {
        format!("nats:{}:{partition}", self.cfg.stream)
    }

    /// Deletes the stream with its consumers (a test's own stream; a deployment taken down).
    pub async fn delete_stream(&self) -> Result<(), BusError> {
        self.js
            .delete_stream(&self.cfg.stream)
            .await
            .map(|_| ())
            .map_err(|e| BusError::Stream(self.cfg.stream.clone(), e.to_string()))
    }

    /// Messages in the stream and the sequence of the last one.
    pub async fn stream_state(&self) -> Result<(u64, u64), BusError> {
        let mut s = self.stream.clone();
        let info = s
            .info()
            .await
            .map_err(|e| BusError::Stream(self.cfg.stream.clone(), e.to_string()))?;
        Ok((info.state.messages, info.state.last_sequence))
    }
}

/// The partition of an organisation among `n` (a multiplicative hash: neighbouring ids spread).
pub fn partition_of(org: Option<i64>, n: u32) -> u32 {
    let x = (org.unwrap_or(0) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((x >> 32) % u64::from(n.max(1))) as u32
}

/// Writes received records to the stream, each to its organisation's partition; the
/// monitoring pipeline's [`Outlet`] in the processes that receive but do not store.
pub struct Publisher {
    bus: Bus,
    store: Store,
    dir: RwLock<Arc<Directory>>,
}

impl Publisher {
    /// A publisher deciding partitions with the registry in `store` (re-read every 30 s).
    pub async fn new(bus: Bus, store: Store) -> Result<Arc<Publisher>, canhgac_store::StoreError> {
        let dir = Directory::load(&store).await?;
        Ok(Arc::new(Publisher {
            bus,
            store,
            dir: RwLock::new(Arc::new(dir)),
        }))
    }

    async fn directory(&self) -> Arc<Directory> {
        let d = self.dir.read().map(|d| d.clone()).unwrap_or_default();
        if canhgac_domain::time::now_ms() - d.loaded_at <= 30_000 {
            return d;
        }
        match Directory::load(&self.store).await {
            Ok(fresh) => {
                let fresh = Arc::new(fresh);
                if let Ok(mut g) = self.dir.write() {
                    *g = fresh.clone();
                }
                fresh
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not re-read the registry; partitions by the last one");
                d
            }
        }
    }

    /// Writes the records; resolves when the stream acknowledged every message.
    pub async fn send(&self, records: Vec<Raw>) -> Result<u64, MonitorError> {
        let n = records.len() as u64;
        let dir = self.directory().await;
        let now = canhgac_domain::time::now_ms();
        let mut parts: BTreeMap<u32, Vec<Raw>> = BTreeMap::new();
        for r in records {
            let p = self.bus.partition_of(owning_org(&dir, &r, now));
            parts.entry(p).or_default().push(r);
        }
        let mut acks = Vec::new();
        for (p, recs) in parts {
            let subject = format!("{}.{p}", self.bus.cfg.subject);
            for (i, chunk) in cut(recs).into_iter().enumerate() {
                // A batch that carries a sender's delivery cursor (an agent's queue) has an id:
                // the stream drops the same batch sent again within its duplicate window.
                let id = chunk
                    .iter()
                    .rev()
                    .find_map(|r| r.mark.as_ref())
                    .map(|(s, q)| format!("{s}:{q}:{p}:{i}"));
                let mut msg = jetstream::message::PublishMessage::build()
                    .payload(encode_records(&chunk).into());
                if let Some(id) = id {
                    msg = msg.message_id(id);
                }
                let ack = self
                    .bus
                    .js
                    .send_publish(subject.clone(), msg)
                    .await
                    .map_err(|e| MonitorError::Stream(e.to_string()))?;
                acks.push(ack);
            }
        }
        for a in acks {
            a.await.map_err(|e| MonitorError::Stream(e.to_string()))?;
        }
        Ok(n)
    }
}

impl Outlet for Publisher {
    fn publish(
        &self,
        records: Vec<Raw>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, MonitorError>> + Send + '_>>
    {
        Box::pin(self.send(records))
    }
}

/// Cuts records into messages of at most [`MAX_MESSAGE`] bytes (a record larger than that
/// travels alone; the pipeline caps a syslog message at 64 KiB and a JSON line at the body
/// limit, and NATS refuses what is over its own limit, which the sender is told).
fn cut(records: Vec<Raw>) -> Vec<Vec<Raw>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut size = 0;
    for r in records {
        let s = approx_size(&r);
        if !cur.is_empty() && size + s > MAX_MESSAGE {
            out.push(std::mem::take(&mut cur));
            size = 0;
        }
        size += s;
        cur.push(r);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn approx_size(r: &Raw) -> usize {
    use canhgac_ops::monitor::Body;
    64 + match &r.body {
        Body::Line(l) | Body::Json(l) => l.len() * 6 / 5,
        Body::Evtx(v, _) => v.to_string().len(),
        Body::Read(n, _) => n.fields.iter().map(|(k, v)| k.len() + v.len() + 8).sum(),
        Body::Malformed(a, b) => a.len() * 6 / 5 + b.len(),
    }
}

/// What a worker is doing, for its log and its tests.
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Messages stored.
    pub messages: std::sync::atomic::AtomicU64,
    /// Messages delivered again and skipped (already stored).
    pub skipped: std::sync::atomic::AtomicU64,
}

/// Runs a worker: takes its share of the partitions, reads each through its durable consumer
/// into `monitor` (a pipeline of this process, without an outlet) and gives partitions up when
/// more workers arrive. Runs until `stop` is set; then releases its partitions.
pub async fn run_worker(
    bus: Bus,
    store: Store,
    monitor: Arc<Monitor>,
    instance: Arc<str>,
    stop: Arc<AtomicBool>,
) -> Arc<WorkerStats> {
    let stats = Arc::new(WorkerStats::default());
    let cfg = bus.cfg.clone();
    let me = format!("worker:{}:{instance}", cfg.stream);
    let lease = cfg.lease_ms.max(1_000);
    let mut running: HashMap<u32, (Arc<AtomicBool>, tokio::task::JoinHandle<()>)> = HashMap::new();
    // Start the search at a place of this worker's own, so workers starting together do not all
    // race for partition 0 first.
    let offset = instance
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    while !stop.load(Ordering::SeqCst) {
        let now = canhgac_domain::time::now_ms();
        if let Err(e) = store.take_lease(&me, &instance, lease, now).await {
            tracing::warn!(error = %e, "worker heartbeat not written");
        }
        // Partitions whose reader stopped (given up, lease lost, a batch refused) are free
        // again; the reader released its lease, and so does this (a renewal may have raced it).
        let ended: Vec<u32> = running
            .iter()
            .filter(|(_, (_, h))| h.is_finished())
            .map(|(p, _)| *p)
            .collect();
        for p in ended {
            running.remove(&p);
            let _ = store
                .release_lease(&partition_lease(&cfg.stream, p), &instance)
                .await;
        }
        // The partitions held are renewed here, not by their readers, so that a long batch
        // never lets a lease lapse while it is being stored (a reader being stopped too, until
        // it has finished its batch); one that cannot be renewed stops its reader.
        for (p, (flag, _)) in &running {
            match store
                .take_lease(&partition_lease(&cfg.stream, *p), &instance, lease, now)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::info!(partition = p, "partition taken over by another worker");
                    flag.store(true, Ordering::SeqCst);
                }
                Err(e) => tracing::warn!(partition = p, error = %e, "could not renew a partition"),
            }
        }
        let leases = store.leases().await.unwrap_or_default();
        let prefix = format!("worker:{}:", cfg.stream);
        let live = leases
            .iter()
            .filter(|l| l.name.starts_with(&prefix) && l.expires_at > now)
            .count()
            .max(1) as u32;
        let share = cfg.partitions.div_ceil(live) as usize;
        let mut active: Vec<u32> = running
            .iter()
            .filter(|(_, (f, _))| !f.load(Ordering::SeqCst))
            .map(|(p, _)| *p)
            .collect();
        active.sort_unstable();
        // Too many: the highest-numbered extras are asked to stop; each finishes its batch,
        // gives its lease up, and another worker takes it.
        while active.len() > share {
            if let Some(p) = active.pop() {
                if let Some((flag, _)) = running.get(&p) {
                    flag.store(true, Ordering::SeqCst);
                }
            }
        }
        for k in 0..cfg.partitions {
            if active.len() >= share {
                break;
            }
            let p = (k + offset) % cfg.partitions;
            if running.contains_key(&p) {
                continue;
            }
            let name = partition_lease(&cfg.stream, p);
            match store.take_lease(&name, &instance, lease, now).await {
                Ok(true) => {
                    let flag = Arc::new(AtomicBool::new(false));
                    let task = tokio::spawn(read_partition(
                        bus.clone(),
                        store.clone(),
                        monitor.clone(),
                        instance.clone(),
                        p,
                        flag.clone(),
                        stats.clone(),
                    ));
                    running.insert(p, (flag, task));
                    active.push(p);
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(partition = p, error = %e, "could not take a partition"),
            }
        }
        tokio::time::sleep(Duration::from_millis(lease as u64 / 3)).await;
    }
    for (p, (flag, h)) in running.drain() {
        flag.store(true, Ordering::SeqCst);
        let _ = h.await;
        let _ = store
            .release_lease(&partition_lease(&cfg.stream, p), &instance)
            .await;
    }
    let _ = store.release_lease(&me, &instance).await;
    stats
}

fn partition_lease(stream: &str, p: u32) -> String {
    format!("partition:{stream}:{p}")
}

/// Reads one partition while this worker holds its lease.
async fn read_partition(
    bus: Bus,
    store: Store,
    monitor: Arc<Monitor>,
    instance: Arc<str>,
    p: u32,
    stop: Arc<AtomicBool>,
    stats: Arc<WorkerStats>,
) {
    let cfg = bus.cfg.clone();
    let lease_name = partition_lease(&cfg.stream, p);
    let cursor_name = bus.cursor_name(p);
    let Ok(mut cursor) = store.cursor(&cursor_name).await else {
        tracing::warn!(partition = p, "could not read the partition's cursor");
        return;
    };
    // The correlation windows of this partition's organisations counted again from the
    // messages the last reader stored within the longest window.
    match warm(&bus, &monitor, p, cursor).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(partition = p, messages = n, "correlation windows rebuilt"),
        Err(e) => tracing::warn!(partition = p, error = %e, "correlation windows not rebuilt"),
    }
    // The consumer made afresh from the first message not stored: whatever the last reader had
    // fetched and not stored comes again, in order.
    let durable = format!("{}-p{p}", cfg.stream);
    let _ = bus.stream.delete_consumer(&durable).await;
    let consumer = match bus
        .stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some(durable.clone()),
            filter_subject: format!("{}.{p}", cfg.subject),
            deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                start_sequence: cursor + 1,
            },
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_secs(300),
            max_ack_pending: 10_000,
            ..Default::default()
        })
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(partition = p, error = %e, "could not make the partition's consumer");
            return;
        }
    };
    tracing::info!(partition = p, cursor, "reading a partition");
    while !stop.load(Ordering::SeqCst) {
        let batch = consumer
            .batch()
            .max_messages(cfg.fetch.max(1))
            .expires(Duration::from_millis(500))
            .messages()
            .await;
        let mut batch = match batch {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(partition = p, error = %e, "could not fetch from the stream");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut msgs = Vec::new();
        while let Some(m) = batch.next().await {
            match m {
                Ok(m) => msgs.push(m),
                Err(e) => {
                    tracing::warn!(partition = p, error = %e, "a fetch ended early");
                    break;
                }
            }
        }
        if msgs.is_empty() {
            continue;
        }
        let mut records = Vec::new();
        let (mut first, mut last) = (0u64, 0u64);
        let mut fresh = Vec::new();
        for m in msgs {
            let Ok(seq) = m.info().map(|i| i.stream_sequence) else {
                continue;
            };
            if seq <= cursor {
                // Stored already (its acknowledgement was lost): acknowledge it again.
                stats.skipped.fetch_add(1, Ordering::Relaxed);
                let _ = m.ack().await;
                continue;
            }
            match decode_records(&m.payload) {
                Ok(rs) => records.extend(rs),
                // Kept, not lost: stored as one malformed record saying why.
                Err(e) => records.push(Raw::new(
                    "stream",
                    None,
                    canhgac_ops::monitor::Body::Malformed(
                        String::from_utf8_lossy(&m.payload[..m.payload.len().min(4096)])
                            .into_owned(),
                        e.to_string(),
                    ),
                )),
            }
            if first == 0 {
                first = seq;
            }
            last = seq;
            fresh.push(m);
        }
        if fresh.is_empty() {
            continue;
        }
        // Stored with the guarded cursor. Anything but success ends this reading: the batch's
        // messages were counted into the correlation windows already, so the partition is
        // given up and read afresh (windows rebuilt from the stored messages) rather than the
        // batch tried again. Refused as stored means another worker read it: its turn.
        let guards = vec![(cursor_name.clone(), first as i64, last as i64)];
        match monitor.ingest_guarded(records, guards).await {
            Ok(_) => {
                cursor = last;
                stats
                    .messages
                    .fetch_add(fresh.len() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                if matches!(e, MonitorError::Delivered(_)) {
                    stats
                        .skipped
                        .fetch_add(fresh.len() as u64, Ordering::Relaxed);
                    tracing::warn!(
                        partition = p,
                        "another worker read this partition; giving it up"
                    );
                } else {
                    tracing::warn!(partition = p, error = %e, "could not store a batch; the partition will be read again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                let _ = store.release_lease(&lease_name, &instance).await;
                return;
            }
        }
        for m in fresh {
            let _ = m.ack().await;
        }
    }
}

/// Feeds the partition's messages of the last correlation window, up to `cursor` (stored by
/// the previous reader), to the correlation rules only.
async fn warm(bus: &Bus, monitor: &Monitor, p: u32, cursor: u64) -> Result<u64, String> {
    // What this process counted of the partition's organisations before (an earlier turn at
    // it) is dropped first.
    let n = bus.cfg.partitions;
    let forget: canhgac_ops::monitor::Forget = Box::new(move |org| partition_of(Some(org), n) == p);
    monitor
        .warm(Vec::new(), Some(forget))
        .await
        .map_err(|e| e.to_string())?;
    let span = monitor.longest_timespan_ms();
    if span <= 0 || cursor == 0 {
        return Ok(0);
    }
    // A minute more than the window: events arrive a little after they happen.
    let from = canhgac_domain::time::now_ms() - span - 60_000;
    let start = chrono::DateTime::from_timestamp_millis(from).ok_or("bad time")?;
    let consumer = bus
        .stream
        .create_consumer(consumer::pull::Config {
            filter_subject: format!("{}.{p}", bus.cfg.subject),
            deliver_policy: consumer::DeliverPolicy::ByStartTime { start_time: start },
            ack_policy: consumer::AckPolicy::None,
            inactive_threshold: Duration::from_secs(60),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut seen = 0;
    loop {
        let mut batch = consumer
            .batch()
            .max_messages(256)
            .expires(Duration::from_millis(300))
            .messages()
            .await
            .map_err(|e| e.to_string())?;
        let mut records = Vec::new();
        let mut done = true;
        while let Some(Ok(m)) = batch.next().await {
            let Ok(seq) = m.info().map(|i| i.stream_sequence) else {
                continue;
            };
            if seq > cursor {
                break;
            }
            done = false;
            seen += 1;
            if let Ok(rs) = decode_records(&m.payload) {
                records.extend(rs);
            }
        }
        if !records.is_empty() {
            monitor
                .warm(records, None)
                .await
                .map_err(|e| e.to_string())?;
        }
        if done {
            break;
        }
    }
    let name = consumer.cached_info().name.clone();
    let _ = bus.stream.delete_consumer(&name).await;
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_spread_and_stay_put() {
        let n = 16;
        let mut seen = std::collections::HashSet::new();
        for org in 1..200 {
            let p = partition_of(Some(org), n);
            assert!(p < n);
            assert_eq!(p, partition_of(Some(org), n));
            seen.insert(p);
        }
        assert_eq!(seen.len(), n as usize, "every partition gets organisations");
        assert_eq!(partition_of(None, n), partition_of(Some(0), n));
        assert_eq!(partition_of(Some(5), 1), 0);
    }

    #[test]
    fn batches_are_cut_under_the_message_limit() {
        let line = "x".repeat(100_000);
        let recs: Vec<Raw> = (0..20)
            .map(|_| Raw::new("tcp", None, canhgac_ops::monitor::Body::Line(line.clone())))
            .collect();
        let parts = cut(recs);
        assert!(parts.len() >= 4);
        assert_eq!(parts.iter().map(Vec::len).sum::<usize>(), 20);
        for p in &parts {
            assert!(encode_records(p).len() <= MAX_MESSAGE + 200_000);
        }
    }
}
