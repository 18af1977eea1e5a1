//! Flow export datagrams (NetFlow v5, NetFlow v9, IPFIX, sFlow v5) into [`FlowRecord`]s.
//!
//! One [`Decoder`] serves every exporter: templates are cached per exporter address,
//! source id / observation domain and template id, sequence numbers are followed per exporter
//! stream, and what could not be used is counted in [`DecodeStats`] (in all and per exporter),
//! never a panic.

use std::net::IpAddr;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::FlowRecord;

mod sflow;
mod v5;
mod v9;

/// The export formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    NetflowV5,
    NetflowV9,
    Ipfix,
    Sflow5,
}

impl Format {
    /// A stable short label (`netflow_v5`, `netflow_v9`, `ipfix`, `sflow5`).
    pub fn label(self) -> &'static str {
        match self {
            Format::NetflowV5 => "netflow_v5",
            Format::NetflowV9 => "netflow_v9",
            Format::Ipfix => "ipfix",
            Format::Sflow5 => "sflow5",
        }
    }

    /// The format a datagram's first bytes announce, if any.
    pub fn sniff(datagram: &[u8]) -> Option<Format> {
        if datagram.len() < 4 {
            return None;
        }
        match u16::from_be_bytes([datagram[0], datagram[1]]) {
            5 => Some(Format::NetflowV5),
            9 => Some(Format::NetflowV9),
            10 => Some(Format::Ipfix),
            0 if datagram.len() >= 8
                && u32::from_be_bytes([datagram[0], datagram[1], datagram[2], datagram[3]])
                    == 5 =>
            {
                Some(Format::Sflow5)
            }
            _ => None,
        }
    }
}

/// What a decoder saw and could not use. Counters only grow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DecodeStats {
    /// Datagrams offered.
    pub datagrams: u64,
    /// Flow records produced.
    pub flows: u64,
    /// Datagrams refused whole (unknown version, bad header, truncated, lengths that lie).
    pub malformed: u64,
    /// Data sets / flowsets dropped because their template was not (yet) known.
    pub no_template: u64,
    /// Templates and options templates learned (a refresh counts again).
    pub templates: u64,
    /// Template fields the decoder does not use (counted once per template learned).
    pub unknown_fields: u64,
    /// Flows (NetFlow v5, IPFIX) or export packets (NetFlow v9, sFlow) missing by the
    /// exporter's sequence numbers.
    pub lost: u64,
    /// Options data records read (sampling rates taken from them).
    pub options: u64,
    /// sFlow samples and records of kinds not read (counter samples are counted here), and
    /// NetFlow v9 / IPFIX data records whose template has no address.
    pub skipped: u64,
}

impl DecodeStats {
    pub fn add(&mut self, o: &DecodeStats) {
        self.datagrams += o.datagrams;
        self.flows += o.flows;
        self.malformed += o.malformed;
        self.no_template += o.no_template;
        self.templates += o.templates;
        self.unknown_fields += o.unknown_fields;
        self.lost += o.lost;
        self.options += o.options;
        self.skipped += o.skipped;
    }
}

/// Why a datagram was refused, naming the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum DecodeError {
    #[error("not a flow export (version word {0})")]
    UnknownVersion(u32),
    #[error("{format}: {what} at byte {offset}")]
    Malformed {
        format: &'static str,
        what: String,
        offset: usize,
    },
}

/// One exporter's counters and the format it last sent.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ExporterStats {
    pub format: Option<Format>,
    pub stats: DecodeStats,
}

/// Where a template lives: exporter, protocol version (9 or 10), source id / observation domain,
/// template id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TemplateKey {
    exporter: IpAddr,
    version: u8,
    domain: u32,
    id: u16,
}

/// A sampling rate's owner: an exporter's domain, and the sampler (selector) id when the exporter
/// names one (`None`: the domain's rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct SamplerKey {
    exporter: IpAddr,
    version: u8,
    domain: u32,
    sampler: Option<u64>,
}

/// An exporter's domain (for its system init time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct DomainKey {
    exporter: IpAddr,
    version: u8,
    domain: u32,
}

/// One stream of sequence numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum StreamKey {
    /// NetFlow v5: engine type and id.
    V5(IpAddr, u8, u8),
    /// NetFlow v9: source id.
    V9(IpAddr, u32),
    /// IPFIX: observation domain.
    Ipfix(IpAddr, u32),
    /// sFlow: agent address and sub-agent id.
    Sflow(IpAddr, IpAddr, u32),
}

/// Entries kept per cache (templates, sampling rates, system init times, sequence streams):
/// datagrams with spoofed sources cannot grow the decoder without bound. Beyond it, new entries
/// are not learned (their data sets count as `no_template`).
const MAX_CACHE_ENTRIES: usize = 1 << 16;

/// A jump forward of this many (or more) sequence numbers is an exporter restart, not loss.
const MAX_SEQUENCE_GAP: u32 = 1 << 24;

/// The decoder state: template caches, sequence trackers and counters.
///
/// - NetFlow v5: records straight into the output (no allocation per record); times from the
///   header's uptime and Unix time; packets and bytes multiplied by the header's sampling
///   interval when above 1; `lost` counts the flows missing by `flow_sequence` per exporter and
///   engine.
/// - NetFlow v9 and IPFIX: templates and options templates per exporter, source id /
///   observation domain and template id (redefinable; IPFIX withdrawals honoured); data sets
///   without a known template are counted in `no_template` and skipped, the rest of the datagram
///   still read. Sampling rates come from the data record itself or from options data records
///   (per exporter domain, and per sampler / selector id when given). `lost` counts missing
///   export packets (v9) or data records (IPFIX).
/// - sFlow v5: flow samples and expanded flow samples; the raw packet header record (or, without
///   one, the sampled IPv4 / IPv6 record) becomes one flow of `sampling_rate` packets and
///   `(frame_length - stripped) × sampling_rate` bytes at `now_ms` (the frame length alone when
///   the exporter's `stripped` would cut into the IP packet). `lost` counts missing datagrams
///   per agent and sub-agent.
///
/// A datagram whose lengths lie is refused whole: it appends nothing and counts as `malformed`
/// (templates and sampling rates read before the fault stay learned and counted).
#[derive(Debug, Default)]
pub struct Decoder {
    /// Counters over every exporter.
    pub stats: DecodeStats,
    exporters: FxHashMap<IpAddr, ExporterStats>,
    templates: FxHashMap<TemplateKey, v9::Template>,
    sampling: FxHashMap<SamplerKey, u32>,
    sys_init: FxHashMap<DomainKey, i64>,
    sequences: FxHashMap<StreamKey, u32>,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decode one datagram sent by `exporter`, appending its flows to `out`; `now_ms` (Unix
    /// milliseconds) stands for times the datagram does not carry. Returns how many flows were
    /// appended. A refused datagram is counted as malformed and appends nothing.
    pub fn decode(
        &mut self,
        exporter: IpAddr,
        datagram: &[u8],
        now_ms: i64,
        out: &mut Vec<FlowRecord>,
    ) -> Result<usize, DecodeError> {
        let start = out.len();
        let mut d = DecodeStats {
            datagrams: 1,
            ..DecodeStats::default()
        };
        let format = Format::sniff(datagram);
        let result = match format {
            Some(Format::NetflowV5) => v5::decode(self, exporter, datagram, now_ms, out, &mut d),
            Some(Format::NetflowV9) => {
                v9::decode(self, exporter, datagram, now_ms, out, &mut d, false)
            }
            Some(Format::Ipfix) => v9::decode(self, exporter, datagram, now_ms, out, &mut d, true),
            Some(Format::Sflow5) => sflow::decode(self, exporter, datagram, now_ms, out, &mut d),
            None => Err(unknown_version(datagram)),
        };
        let result = match result {
            Ok(()) => {
                let n = out.len() - start;
                d.flows = n as u64;
                Ok(n)
            }
            Err(e) => {
                out.truncate(start);
                // What the cache learned stays learned (and counted); the rest is void.
                d = DecodeStats {
                    datagrams: 1,
                    malformed: 1,
                    templates: d.templates,
                    unknown_fields: d.unknown_fields,
                    options: d.options,
                    ..DecodeStats::default()
                };
                Err(e)
            }
        };
        self.stats.add(&d);
        if let Some(e) = self.exporters.get_mut(&exporter) {
            e.stats.add(&d);
            if format.is_some() {
                e.format = format;
            }
        } else if self.exporters.len() < MAX_CACHE_ENTRIES {
            self.exporters
                .insert(exporter, ExporterStats { format, stats: d });
        }
        result
    }

    /// Each exporter seen, with its counters.
    pub fn exporters(&self) -> impl Iterator<Item = (&IpAddr, &ExporterStats)> {
        self.exporters.iter()
    }

    /// Follow a sequence stream: how many numbers are missing before `seq`, and (when `next` is
    /// given) the number the next datagram should carry. `next = None` forgets the stream (the
    /// datagram's own extent is unknown), so the next datagram starts it afresh.
    fn follow(&mut self, key: StreamKey, seq: u32, next: Option<u32>) -> u64 {
        let lost = match self.sequences.get(&key) {
            Some(&expected) => {
                let gap = seq.wrapping_sub(expected);
                // Behind (reordered, duplicated) wraps to a huge gap; a huge jump is a restart.
                if gap < MAX_SEQUENCE_GAP {
                    u64::from(gap)
                } else {
                    0
                }
            }
            None => 0,
        };
        match next {
            Some(n) => {
                if self.sequences.len() < MAX_CACHE_ENTRIES || self.sequences.contains_key(&key) {
                    self.sequences.insert(key, n);
                }
            }
            None => {
                self.sequences.remove(&key);
            }
        }
        lost
    }
}

/// Like [`Format::sniff`], but also checks the header's lengths and the set / sample structure,
/// so that other traffic whose first bytes happen to read as a version word is not taken for a
/// flow export (used on UDP payloads found in packet captures).
pub fn sniff_export(datagram: &[u8]) -> Option<Format> {
    let format = Format::sniff(datagram)?;
    let plausible = match format {
        Format::NetflowV5 => v5::plausible(datagram),
        Format::NetflowV9 => v9::plausible(datagram, false),
        Format::Ipfix => v9::plausible(datagram, true),
        Format::Sflow5 => sflow::plausible(datagram),
    };
    plausible.then_some(format)
}

fn unknown_version(datagram: &[u8]) -> DecodeError {
    match datagram {
        [a, b, c, d, ..] => {
            let short = u16::from_be_bytes([*a, *b]);
            if short == 0 {
                DecodeError::UnknownVersion(u32::from_be_bytes([*a, *b, *c, *d]))
            } else {
                DecodeError::UnknownVersion(u32::from(short))
            }
        }
        _ => DecodeError::Malformed {
            format: "flow export",
            what: format!(
                "datagram of {} bytes, too short for a version word",
                datagram.len()
            ),
            offset: 0,
        },
    }
}

fn malformed(format: Format, what: impl Into<String>, offset: usize) -> DecodeError {
    DecodeError::Malformed {
        format: format.label(),
        what: what.into(),
        offset,
    }
}

/// Big-endian reads that give 0 past the end (callers check lengths first).
#[inline]
fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

#[inline]
fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[x, y, z, w]) => u32::from_be_bytes([x, y, z, w]),
        _ => 0,
    }
}

/// An unsigned integer of 1 to 8 bytes (IPFIX reduced-size encoding); longer keeps the low 8.
#[inline]
fn uint(v: &[u8]) -> u64 {
    v.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x))
}

/// Milliseconds `uptime - then` earlier than `base_ms`, reading the uptime difference as
/// signed (a `then` slightly after the header's uptime is a small negative, a wrapped uptime a
/// small positive).
#[inline]
fn uptime_to_unix(base_ms: i64, uptime: u32, then: u32) -> i64 {
    base_ms.saturating_sub(i64::from(uptime.wrapping_sub(then) as i32))
}
