//! A bounded disk spool between the syslog listeners and the store.
//!
//! Plain syslog over TCP has no acknowledgement: what the kernel accepted is the sender's last
//! word on it. Without a spool, lines read from the socket wait in memory for the pipeline, and a
//! burst larger than the pipeline's pace either slows every sender down or, if the process is
//! killed, is lost. With the spool, a listener's lines are appended to segment files as they
//! are read — at the pace of a file write, as rsyslog and syslog-ng accept them — and a reader
//! hands them to the pipeline at the pace of detection and storage. Each batch the reader stores
//! carries a guarded cursor (the spool's byte offsets) in the events' transaction, so a line is
//! stored exactly once across a crash and a restart: the reader starts again from the cursor the
//! store holds. During a burst the reader first hands nothing over, for up to [`HOLD_FOR`], so
//! that the cores take the burst in; then it catches up with one batch in flight while the
//! listeners still append, and a few once they are quiet (matching one while the one before is
//! written);
//! each is stored only while the cursor stands where the batch before it ended, so a
//! batch that fails stops those behind it and the reader starts again from the store's cursor.
//!
//! - Layout: `<dir>/<offset>.seg`, where `<offset>` (20 digits) is the spool-wide byte offset of
//!   the segment's first record; `<dir>/spool.id` names the spool (its cursor in the store is
//!   `spool:<id>`). A segment is deleted once every record in it is stored.
//! - Record: `u32` length of the rest, then `u8` kind (0 a line, 1 kept cut), `u8` transport,
//!   16 bytes of sender address (IPv4 mapped; all zero: none), `i64` arrival (Unix ms), `u16`
//!   length of the reason and the reason (kind 1), then the bytes of the message. All little
//!   endian.
//! - Bounded: when the records not yet stored reach `max_bytes`, appending waits (TCP senders
//!   slow down, as they would without the spool) and UDP drops (counted).
//! - Durability: records are written to the segment as they come (a killed process loses
//!   nothing written) and the segment is flushed to the disk every second (a power cut loses at
//!   most that second).

use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use canhgac_ingest::framing::FrameError;
use tokio::sync::{mpsc, oneshot, Notify};

use crate::monitor::{Body, IngestReport, Monitor, MonitorError, Raw};

/// Where and how large.
#[derive(Clone, Debug)]
pub struct SpoolConfig {
    /// The spool's folder (made if missing).
    pub dir: PathBuf,
    /// Records not yet stored, in bytes, before appending waits.
    pub max_bytes: u64,
    /// A segment is closed and a new one begun past this size.
    pub segment_bytes: u64,
}

impl SpoolConfig {
    /// A spool in `dir`, at most `max_bytes`, in 64 MiB segments.
    pub fn new(dir: PathBuf, max_bytes: u64) -> SpoolConfig {
        SpoolConfig {
            dir,
            max_bytes: max_bytes.max(1 << 20),
            segment_bytes: 64 << 20,
        }
    }
}

/// Fixed part of a record after its length.
const HEAD: usize = 1 + 1 + 16 + 8;
/// Records a reader hands over at once, and their bytes.
const BATCH_RECORDS: usize = 5_000;
const BATCH_BYTES: u64 = 8 << 20;
/// Batches handed to the pipeline and not yet answered, at most, once the listeners are quiet.
/// While records are still arriving the reader keeps one: taking a burst in comes first (the
/// cores go to the listeners), catching up with it after.
const IN_FLIGHT: usize = 3;
/// How long after the last append the listeners count as busy.
const BUSY_FOR: Duration = Duration::from_millis(500);
/// How long, at most, storing waits while a burst is taken in: the reader hands nothing to the
/// pipeline while the listeners append and it is more than a batch behind, for up to this long
/// (bench/spool.sh: on 2 cores a 10-second burst is taken in at about 1.5 times the rate it is
/// with the pipeline matching and storing beside it). Detection of a burst's first lines is
/// late by at most this plus the catching up.
const HOLD_FOR: Duration = Duration::from_secs(10);

const TRANSPORTS: [&str; 4] = ["tcp", "tls", "udp", "relp"];

fn transport_code(t: &str) -> u8 {
    TRANSPORTS.iter().position(|x| *x == t).unwrap_or(0) as u8
}

/// Appends one record's bytes to `out`; `None` for a body the spool does not carry.
fn encode(r: &Raw, out: &mut Vec<u8>) -> Option<()> {
    let (kind, reason, text) = match &r.body {
        Body::Line(l) => (0u8, "", l.as_str()),
        Body::Malformed(head, why) => (1u8, why.as_str(), head.as_str()),
        _ => return None,
    };
    encode_parts(
        out,
        kind,
        transport_code(r.transport),
        r.peer,
        r.received_at,
        reason,
        text.as_bytes(),
    );
    Some(())
}

/// Appends the record of one frame a stream listener read, straight from its bytes (no
/// [`Raw`], no string per line): a line, or the kept head of an over-long frame. Its text is
/// checked for UTF-8 when it is read back, as a line's is when it becomes a [`Raw`].
pub fn encode_frame(
    out: &mut Vec<u8>,
    transport: &str,
    peer: Option<IpAddr>,
    received_at: i64,
    frame: Result<&[u8], FrameError>,
) {
    let code = transport_code(transport);
    match frame {
        Ok(text) => encode_parts(out, 0, code, peer, received_at, "", text),
        Err(FrameError::TooLong { head, max_len, .. }) => {
            let why = crate::listen::too_long_reason(max_len);
            encode_parts(out, 1, code, peer, received_at, &why, &head);
        }
    }
}

fn encode_parts(
    out: &mut Vec<u8>,
    kind: u8,
    transport: u8,
    peer: Option<IpAddr>,
    received_at: i64,
    reason: &str,
    text: &[u8],
) {
    let reason = &reason.as_bytes()[..reason.len().min(u16::MAX as usize)];
    let extra = if kind == 1 { 2 + reason.len() } else { 0 };
    let len = HEAD + extra + text.len();
    out.reserve(4 + len);
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.push(kind);
    out.push(transport);
    let ip = match peer {
        Some(IpAddr::V4(a)) => a.to_ipv6_mapped().octets(),
        Some(IpAddr::V6(a)) => a.octets(),
        None => [0u8; 16],
    };
    out.extend_from_slice(&ip);
    out.extend_from_slice(&received_at.to_le_bytes());
    if kind == 1 {
        out.extend_from_slice(&(reason.len() as u16).to_le_bytes());
        out.extend_from_slice(reason);
    }
    out.extend_from_slice(text);
}

/// Reads one record from the start of `b`: the record and its length in bytes; `None` when
/// `b` holds less than a whole record; an error for bytes that are not a record.
fn decode(b: &[u8]) -> Result<Option<(Raw, usize)>, String> {
    if b.len() < 4 {
        return Ok(None);
    }
    let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    if !(HEAD..=64 << 20).contains(&len) {
        return Err(format!("record length {len}"));
    }
    if b.len() < 4 + len {
        return Ok(None);
    }
    let r = &b[4..4 + len];
    let kind = r[0];
    let transport = TRANSPORTS.get(r[1] as usize).copied().unwrap_or("tcp");
    let mut ip = [0u8; 16];
    ip.copy_from_slice(&r[2..18]);
    let peer = (ip != [0u8; 16]).then(|| {
        let a = Ipv6Addr::from(ip);
        a.to_ipv4_mapped().map_or(IpAddr::V6(a), IpAddr::V4)
    });
    let mut at = [0u8; 8];
    at.copy_from_slice(&r[18..26]);
    let received_at = i64::from_le_bytes(at);
    let mut rest = &r[HEAD..];
    let body = match kind {
        0 => Body::Line(String::from_utf8_lossy(rest).into_owned()),
        1 => {
            if rest.len() < 2 {
                return Err("cut record without its reason".into());
            }
            let n = u16::from_le_bytes([rest[0], rest[1]]) as usize;
            if rest.len() < 2 + n {
                return Err("reason past the record".into());
            }
            let why = String::from_utf8_lossy(&rest[2..2 + n]).into_owned();
            rest = &rest[2 + n..];
            Body::Malformed(String::from_utf8_lossy(rest).into_owned(), why)
        }
        k => return Err(format!("record kind {k}")),
    };
    let mut raw = Raw::new(transport, peer, body);
    raw.received_at = received_at;
    Ok(Some((raw, 4 + len)))
}

/// Counters shared by the writer, the reader and `/metrics`.
#[derive(Default, Debug)]
pub struct SpoolStats {
    /// Spool-wide offset after the last record written.
    pub written: AtomicU64,
    /// Spool-wide offset after the last record stored.
    pub stored: AtomicU64,
    /// Records written.
    pub records: AtomicU64,
    /// Records refused (UDP, spool full).
    pub dropped: AtomicU64,
}

impl SpoolStats {
    /// Bytes written and not yet stored.
    pub fn pending(&self) -> u64 {
        self.written
            .load(Ordering::Acquire)
            .saturating_sub(self.stored.load(Ordering::Acquire))
    }
}

/// What the listeners hand the writer: records, or records a stream listener already encoded
/// ([`encode_frame`]) with their count.
enum Chunk {
    Records(Vec<Raw>),
    Encoded(Vec<u8>, u64),
}

/// The listeners' side of a running spool.
pub struct Spool {
    tx: mpsc::Sender<Chunk>,
    /// Counters.
    pub stats: Arc<SpoolStats>,
}

impl Spool {
    /// Appends records, waiting while the spool is full.
    pub async fn append(&self, records: Vec<Raw>) -> bool {
        self.tx.send(Chunk::Records(records)).await.is_ok()
    }

    /// Appends `count` records encoded with [`encode_frame`], waiting while the spool is full.
    pub async fn append_encoded(&self, bytes: Vec<u8>, count: u64) -> bool {
        self.tx.send(Chunk::Encoded(bytes, count)).await.is_ok()
    }

    /// Appends records if there is room now (UDP); counts them dropped otherwise.
    pub fn try_append(&self, records: Vec<Raw>) {
        let n = records.len() as u64;
        if self.tx.try_send(Chunk::Records(records)).is_err() {
            self.stats.dropped.fetch_add(n, Ordering::Relaxed);
        }
    }
}

fn segment_name(offset: u64) -> String {
    format!("{offset:020}.seg")
}

/// The segments in `dir`, by their first offset.
fn segments(dir: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let Some(stem) = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".seg"))
        else {
            continue;
        };
        if let Ok(o) = stem.parse::<u64>() {
            out.push((o, p));
        }
    }
    out.sort();
    Ok(out)
}

/// The spool's name, made once.
fn spool_id(dir: &Path) -> std::io::Result<String> {
    let p = dir.join("spool.id");
    if let Ok(s) = std::fs::read_to_string(&p) {
        let s = s.trim().to_string();
        if !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Ok(s);
        }
    }
    let id = format!(
        "{:016x}",
        rand::random::<u64>() ^ canhgac_domain::time::now_ms() as u64
    );
    std::fs::write(&p, &id)?;
    Ok(id)
}

/// Starts the spool in front of `m`: what was left from an earlier run is stored first.
/// Returns the listeners' handle.
pub async fn start(
    cfg: SpoolConfig,
    store: &canhgac_store::Store,
    m: Arc<Monitor>,
) -> std::io::Result<Arc<Spool>> {
    std::fs::create_dir_all(&cfg.dir)?;
    let stream = format!("spool:{}", spool_id(&cfg.dir)?);
    let cursor = store
        .cursor(&stream)
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    // Segments wholly stored are gone; the next record goes after both what is on disk and
    // what the store has seen (a spool folder emptied by hand must not reuse offsets).
    let mut end = cursor;
    let segs = segments(&cfg.dir)?;
    if let Some((_, last)) = segs.last() {
        cut_partial_tail(last)?;
    }
    for (start, path) in segs {
        let len = std::fs::metadata(&path)?.len();
        end = end.max(start + len);
    }
    let stats = Arc::new(SpoolStats::default());
    stats.written.store(end, Ordering::Release);
    stats.stored.store(cursor, Ordering::Release);
    let (tx, rx) = mpsc::channel::<Chunk>(64);
    let notify = Arc::new(Notify::new());
    {
        let (cfg, stats, notify) = (cfg.clone(), stats.clone(), notify.clone());
        tokio::spawn(async move {
            if let Err(e) = write_loop(cfg, rx, stats, notify, end).await {
                tracing::error!(error = %e, "the spool writer stopped");
            }
        });
    }
    tokio::spawn(read_loop(
        cfg,
        m,
        store.clone(),
        stream,
        stats.clone(),
        notify,
        cursor,
    ));
    Ok(Arc::new(Spool { tx, stats }))
}

/// Cuts a record the process was killed while writing off the end of the segment that was
/// being written (records before it are whole).
fn cut_partial_tail(path: &Path) -> std::io::Result<()> {
    let bytes = std::fs::read(path)?;
    let mut at = 0;
    while let Ok(Some((_, n))) = decode(&bytes[at..]) {
        at += n;
    }
    if at < bytes.len() {
        tracing::warn!(path = %path.display(), cut = bytes.len() - at, "the spool's last segment ended inside a record; that record was never whole and is cut");
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)?
            .set_len(at as u64)?;
    }
    Ok(())
}

/// Appends what the listeners send to the active segment. File writes go to the page cache
/// (microseconds a batch); the flush to the disk runs on the blocking pool once a second.
async fn write_loop(
    cfg: SpoolConfig,
    mut rx: mpsc::Receiver<Chunk>,
    stats: Arc<SpoolStats>,
    notify: Arc<Notify>,
    mut end: u64,
) -> std::io::Result<()> {
    let mut seg_start = end;
    let open = |start: u64| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(cfg.dir.join(segment_name(start)))
    };
    let mut file = open(seg_start)?;
    let mut buf = Vec::with_capacity(1 << 20);
    let mut last_sync = tokio::time::Instant::now();
    let mut dirty = false;
    loop {
        let first = match tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
            Ok(Some(r)) => r,
            Ok(None) => {
                file.sync_data()?;
                return Ok(());
            }
            Err(_) => {
                if dirty {
                    sync(&file).await?;
                    dirty = false;
                    last_sync = tokio::time::Instant::now();
                }
                continue;
            }
        };
        buf.clear();
        let mut n = take(first, &mut buf);
        while buf.len() < (4 << 20) {
            let Ok(more) = rx.try_recv() else { break };
            n += take(more, &mut buf);
        }
        // Full: wait for the reader to store some (meanwhile the listeners wait on the channel).
        while stats.pending() > 0 && stats.pending() + buf.len() as u64 > cfg.max_bytes {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if end - seg_start >= cfg.segment_bytes {
            sync(&file).await?;
            seg_start = end;
            file = open(seg_start)?;
        }
        file.write_all(&buf)?;
        dirty = true;
        end += buf.len() as u64;
        stats.records.fetch_add(n, Ordering::Relaxed);
        stats.written.store(end, Ordering::Release);
        notify.notify_one();
        if last_sync.elapsed() >= Duration::from_secs(1) {
            sync(&file).await?;
            dirty = false;
            last_sync = tokio::time::Instant::now();
        }
    }
}

/// Appends a chunk's records to the writer's buffer; how many.
fn take(chunk: Chunk, buf: &mut Vec<u8>) -> u64 {
    match chunk {
        Chunk::Records(records) => records.iter().filter_map(|r| encode(r, buf)).count() as u64,
        Chunk::Encoded(bytes, n) => {
            buf.extend_from_slice(&bytes);
            n
        }
    }
}

/// Flushes a segment to the disk on the blocking pool.
async fn sync(file: &std::fs::File) -> std::io::Result<()> {
    let f = file.try_clone()?;
    tokio::task::spawn_blocking(move || f.sync_data())
        .await
        .map_err(std::io::Error::other)?
}

/// An answer the reader waits for: the batch's end offset, and whether it was stored.
type InFlight = (u64, oneshot::Receiver<Result<IngestReport, MonitorError>>);

/// Reads records from offset `at` (the stored cursor) on and hands them to the pipeline a batch
/// at a time, each with a guarded cursor, keeping up to [`IN_FLIGHT`] batches in flight once
/// the listeners are quiet (one while they append, none during a burst's first [`HOLD_FOR`]) so
/// that matching one overlaps storing the one before; deletes segments once stored. When a batch
/// is not stored, the batches behind it are refused too (their guard expects the cursor at the
/// failed batch's end); the reader waits them out, reads the cursor the store holds and starts
/// again from there.
async fn read_loop(
    cfg: SpoolConfig,
    m: Arc<Monitor>,
    store: canhgac_store::Store,
    stream: String,
    stats: Arc<SpoolStats>,
    notify: Arc<Notify>,
    mut at: u64,
) {
    // The bytes read, of which `pending[..head]` are handed over already; `at` is the offset of
    // pending[head]. At most about two batches' bytes are held: the buffer is topped up (its
    // handed-over head dropped) only once less than half a batch is left, so neither the
    // memory nor the bytes moved grow with the backlog. `sent` is where the store's cursor will
    // stand once every batch in flight is stored (the end of the last batch handed over, so a
    // segment jumped over is inside the next batch's guard).
    let mut pending: Vec<u8> = Vec::new();
    let mut head = 0usize;
    // The bytes in hand end inside a record: read on even past the usual amount.
    let mut short = false;
    let mut sent = at;
    let mut flight: std::collections::VecDeque<InFlight> = std::collections::VecDeque::new();
    let mut wait = false;
    let (mut seen_written, mut grew) = (u64::MAX, tokio::time::Instant::now());
    // When the current burst's hold began (see HOLD_FOR).
    let mut hold: Option<tokio::time::Instant> = None;
    loop {
        let written = stats.written.load(Ordering::Acquire);
        if written != seen_written {
            (seen_written, grew) = (written, tokio::time::Instant::now());
        }
        let depth = if grew.elapsed() < BUSY_FOR {
            1
        } else {
            IN_FLIGHT
        };
        // The answers that have come, oldest first; the oldest is waited for when the flight is
        // full or there is nothing else to do.
        let mut failed = None;
        loop {
            let block = flight.len() >= depth || std::mem::take(&mut wait);
            let Some((end, rx)) = flight.front_mut() else {
                break;
            };
            let answer = if block {
                rx.await.unwrap_or(Err(MonitorError::Stopped))
            } else {
                match rx.try_recv() {
                    Ok(a) => a,
                    Err(oneshot::error::TryRecvError::Empty) => break,
                    Err(oneshot::error::TryRecvError::Closed) => Err(MonitorError::Stopped),
                }
            };
            let end = *end;
            flight.pop_front();
            match answer {
                Ok(_) => {
                    stats.stored.store(end, Ordering::Release);
                    remove_stored(&cfg.dir, end, stats.written.load(Ordering::Acquire));
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failed {
            if !matches!(e, MonitorError::Delivered(_)) {
                tracing::warn!(error = %e, "spooled records not stored yet; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            // The batches behind it are refused (or were stored, if the cursor moved by other
            // means): wait them out, then start again where the store's cursor stands.
            for (_, rx) in flight.drain(..) {
                let _ = rx.await;
            }
            let cursor = loop {
                match store.cursor(&stream).await {
                    Ok(c) => break c,
                    Err(e) => {
                        tracing::warn!(error = %e, "the spool's cursor could not be read; trying again");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            pending.clear();
            head = 0;
            at = cursor;
            sent = cursor;
            stats.stored.store(cursor, Ordering::Release);
            continue;
        }
        // A burst: while the listeners append faster than the pipeline stores (more than a
        // batch behind), hand nothing over for up to HOLD_FOR, so that both cores go to taking
        // the burst in; then catch up (one batch in flight while they still append). Held again
        // only once the pipeline has caught up.
        let busy = grew.elapsed() < BUSY_FOR;
        let behind = stats.pending();
        if busy && behind > BATCH_BYTES {
            let since = *hold.get_or_insert_with(|| {
                tracing::info!(
                    behind,
                    "a burst: storing the spool's records waits up to {} s while it is taken in",
                    HOLD_FOR.as_secs()
                );
                tokio::time::Instant::now()
            });
            if since.elapsed() < HOLD_FOR {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        } else if hold.is_some() && (!busy || behind <= BATCH_BYTES / 2) {
            hold = None;
        }
        let written = stats.written.load(Ordering::Acquire);
        // Once less than half a batch is in hand, read what is on disk past it, up to a batch's
        // worth more.
        let left = (pending.len() - head) as u64;
        let have_end = at + left;
        let want_end = written.min(have_end + BATCH_BYTES);
        if want_end > have_end && (left < BATCH_BYTES / 2 || short) {
            pending.drain(..head);
            head = 0;
            match read_range_into(&cfg.dir, have_end, want_end, &mut pending) {
                Ok(from) => {
                    if from != have_end {
                        tracing::warn!(
                            from = have_end,
                            to = from,
                            "spool segments missing; the reader moves over the gap"
                        );
                        pending.drain(..left as usize);
                        at = from;
                    }
                }
                Err(e) => {
                    pending.truncate(left as usize);
                    tracing::warn!(error = %e, "the spool could not be read; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        let mut records = Vec::new();
        let mut used = 0usize;
        let mut broken = false;
        while records.len() < BATCH_RECORDS {
            match decode(&pending[head + used..]) {
                Ok(Some((r, n))) => {
                    records.push(r);
                    used += n;
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, offset = at + used as u64, "a spool record is damaged; its segment's rest is skipped");
                    broken = true;
                    break;
                }
            }
        }
        short = records.is_empty() && head < pending.len();
        if records.is_empty() && !broken {
            // Nothing new on disk: wait for the oldest answer, or else for the writer.
            if flight.is_empty() {
                let _ = tokio::time::timeout(Duration::from_millis(200), notify.notified()).await;
            } else {
                wait = true;
            }
            continue;
        }
        let end = at + used as u64;
        if !records.is_empty() {
            match m
                .send_after(records, stream.clone(), sent as i64, end as i64)
                .await
            {
                Ok(rx) => {
                    flight.push_back((end, rx));
                    sent = end;
                }
                Err(e) => {
                    // The pipeline has stopped (the process is ending): read these again later.
                    tracing::warn!(error = %e, "spooled records not handed over; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        head += used;
        at = end;
        if broken {
            // Jump to the next segment after the damaged one.
            if let Ok(segs) = segments(&cfg.dir) {
                if let Some((next, _)) = segs.iter().find(|(s, _)| *s > at) {
                    at = *next;
                    pending.clear();
                    head = 0;
                }
            }
        }
    }
}

/// [`read_range_into`] into a new buffer: the bytes and the offset they start at.
#[cfg(test)]
fn read_range(dir: &Path, from: u64, to: u64) -> std::io::Result<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    let from = read_range_into(dir, from, to, &mut out)?;
    Ok((from, out))
}

/// Appends the bytes of the spool from `from` to `to` (spool-wide offsets), across segments,
/// to `out` (read straight into its spare room), and returns the offset they start at: `from`,
/// or — when no segment holds `from` (segments removed by hand) — the start of the next
/// segment, so that the reader moves over the gap instead of waiting. On an error `out` may
/// hold part of the range.
fn read_range_into(dir: &Path, from: u64, to: u64, out: &mut Vec<u8>) -> std::io::Result<u64> {
    let segs = segments(dir)?;
    let holds = |pos: u64| -> std::io::Result<Option<(u64, u64, PathBuf)>> {
        for (start, path) in segs.iter().rev() {
            if *start <= pos {
                let len = std::fs::metadata(path)?.len();
                return Ok((pos < start + len).then(|| (*start, len, path.clone())));
            }
        }
        Ok(None)
    };
    let mut begin = from;
    if holds(from)?.is_none() {
        match segs.iter().find(|(s, _)| *s > from) {
            Some((next, _)) if *next < to => begin = *next,
            _ => return Ok(from),
        }
    }
    let mut pos = begin;
    while pos < to {
        let Some((start, len, path)) = holds(pos)? else {
            break;
        };
        let mut f = std::fs::File::open(&path)?;
        f.seek(SeekFrom::Start(pos - start))?;
        let take = to.min(start + len) - pos;
        out.reserve(take as usize);
        let got = (&mut f).take(take).read_to_end(out)?;
        if (got as u64) < take {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        pos += take;
    }
    Ok(begin)
}

/// Deletes the segments wholly before `stored`, never the one being written.
fn remove_stored(dir: &Path, stored: u64, written: u64) {
    let Ok(segs) = segments(dir) else { return };
    for w in segs.windows(2) {
        let ((_, path), (next, _)) = (&w[0], &w[1]);
        if *next <= stored && *next <= written {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ranges_span_segments_and_jump_gaps() {
        let dir = std::env::temp_dir().join(format!("canhgac_spool_unit_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(segment_name(100)), b"abcde").unwrap();
        std::fs::write(dir.join(segment_name(105)), b"fgh").unwrap();
        std::fs::write(dir.join(segment_name(200)), b"xyz").unwrap();
        assert_eq!(
            read_range(&dir, 101, 107).unwrap(),
            (101, b"bcdefg".to_vec())
        );
        // Past the second segment's end: the reader is sent to the next segment.
        assert_eq!(read_range(&dir, 108, 203).unwrap(), (200, b"xyz".to_vec()));
        // Before any segment, nothing after within reach: nothing, where it was.
        assert_eq!(read_range(&dir, 50, 60).unwrap(), (50, Vec::new()));
        // Stored segments go, never the last one.
        remove_stored(&dir, 200, 203);
        let left: Vec<u64> = segments(&dir)
            .unwrap()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(left, vec![200]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_record_cut_by_a_crash_is_cut_off() {
        let dir = std::env::temp_dir().join(format!("canhgac_spool_cut_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut buf = Vec::new();
        encode(&Raw::new("tcp", None, Body::Line("one".into())), &mut buf).unwrap();
        let whole = buf.len();
        encode(&Raw::new("tcp", None, Body::Line("two".into())), &mut buf).unwrap();
        let path = dir.join(segment_name(0));
        std::fs::write(&path, &buf[..buf.len() - 2]).unwrap();
        cut_partial_tail(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole as u64);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn frames_read_back_as_the_records_a_listener_makes() {
        let mut framer = canhgac_ingest::framing::Framer::new(8);
        framer.push(b"<13>ok\n\xffab\n<13>much too long\n");
        let peer: Option<IpAddr> = Some("192.0.2.9".parse().unwrap());
        let mut buf = Vec::new();
        while let Some(frame) = framer.next_frame_ref() {
            encode_frame(&mut buf, "tls", peer, 42, frame);
        }
        let mut at = 0;
        let mut got = Vec::new();
        while let Some((r, n)) = decode(&buf[at..]).unwrap() {
            assert_eq!((r.transport, r.peer, r.received_at), ("tls", peer, 42));
            got.push(r.body);
            at += n;
        }
        assert_eq!(at, buf.len());
        assert_eq!(got.len(), 3);
        assert!(matches!(&got[0], Body::Line(l) if l == "<13>ok"));
        assert!(matches!(&got[1], Body::Line(l) if l == "\u{FFFD}ab"));
        assert!(
            matches!(&got[2], Body::Malformed(h, w) if h == "<13>much" && *w == crate::listen::too_long_reason(8))
        );
    }

    #[test]
    fn records_round_trip() {
        let mut a = Raw::new(
            "tls",
            Some("192.0.2.7".parse().unwrap()),
            Body::Line("<13>hello ✓".into()),
        );
        a.received_at = 1_765_000_000_123;
        let b = Raw::new(
            "udp",
            Some("2001:db8::1".parse().unwrap()),
            Body::Malformed("head".into(), "too long".into()),
        );
        let c = Raw::new("tcp", None, Body::Line(String::new()));
        let mut buf = Vec::new();
        for r in [&a, &b, &c] {
            encode(r, &mut buf).unwrap();
        }
        let mut at = 0;
        let mut got = Vec::new();
        while let Some((r, n)) = decode(&buf[at..]).unwrap() {
            got.push(r);
            at += n;
        }
        assert_eq!(at, buf.len());
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].transport, "tls");
        assert_eq!(got[0].peer, a.peer);
        assert_eq!(got[0].received_at, a.received_at);
        assert!(matches!(&got[0].body, Body::Line(l) if l == "<13>hello ✓"));
        assert_eq!(got[1].peer, b.peer);
        assert!(matches!(&got[1].body, Body::Malformed(h, w) if h == "head" && w == "too long"));
        assert_eq!(got[2].peer, None);
        // A record cut short waits for the rest; garbage is an error, not a panic.
        assert!(decode(&buf[..buf.len() - 1]).is_ok());
        assert!(decode(&[0xff, 0xff, 0xff, 0xff, 0]).is_err());
        assert!(decode(&[1, 0, 0, 0, 0]).is_err());
        for cut in 0..buf.len() {
            let _ = decode(&buf[cut..]);
        }
    }
}
