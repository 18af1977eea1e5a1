//! Packet capture files over a byte slice: classic pcap (either byte order, microsecond or
//! nanosecond timestamps) and pcapng (section header, interface description, enhanced, simple
//! and obsolete packet blocks), and [`replay`], which turns a capture into flows: flow exports
//! found inside (UDP payloads that read as NetFlow, IPFIX or sFlow) go to a [`Decoder`], every
//! other IP packet becomes a one-packet flow (raw traffic captures, attacks among them).

use serde::Serialize;

use crate::decode::{sniff_export, Decoder};
use crate::packet::{self, Link};
use crate::FlowRecord;

/// The largest captured packet accepted (the snapshot length tcpdump uses).
pub const MAX_RECORD: usize = 256 * 1024;

/// Why a capture could not be read (further).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PcapError {
    #[error("not a capture file: {0} bytes, too short for a pcap header")]
    TooShort(usize),
    #[error("not a pcap or pcapng file (magic {0:08x})")]
    NotPcap(u32),
    #[error("pcap version {0}.{1} is not read")]
    Version(u16, u16),
    /// Record numbers count from 1; the offset is the record's (or block's) first byte.
    #[error("record {record} at byte {offset}: {what}")]
    Record {
        record: u64,
        offset: usize,
        what: String,
    },
    #[error("link type {0} is not read")]
    LinkType(u32),
}

/// One captured packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Capture time, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// The pcap link type of the interface it was captured on.
    pub linktype: u32,
    /// Length on the wire (`data` may be shorter: the snapshot length).
    pub orig_len: u32,
    pub data: &'a [u8],
}

impl Frame<'_> {
    /// Capture time in Unix milliseconds.
    pub fn ts_ms(&self) -> i64 {
        self.ts_ns.div_euclid(1_000_000)
    }
}

#[derive(Debug, Clone)]
struct Interface {
    linktype: u32,
    /// Timestamp unit: `(true, n)` is 2^-n seconds, `(false, n)` 10^-n seconds.
    binary: bool,
    exponent: u8,
}

#[derive(Debug, Clone)]
enum Kind {
    Classic {
        big_endian: bool,
        nanos: bool,
        linktype: u32,
    },
    Ng {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// Reads a capture's packets one by one; after an error it yields nothing more.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    record: u64,
    kind: Kind,
    /// The last timestamp read (pcapng simple packet blocks carry none).
    last_ns: i64,
}

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_BOM: u32 = 0x1A2B_3C4D;

fn u16_at(b: &[u8], at: usize, big: bool) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) if big => u16::from_be_bytes([x, y]),
        Some(&[x, y]) => u16::from_le_bytes([x, y]),
        _ => 0,
    }
}

fn u32_at(b: &[u8], at: usize, big: bool) -> u32 {
    match b.get(at..at + 4) {
        Some(&[x, y, z, w]) if big => u32::from_be_bytes([x, y, z, w]),
        Some(&[x, y, z, w]) => u32::from_le_bytes([x, y, z, w]),
        _ => 0,
    }
}

impl<'a> Reader<'a> {
    /// Read the file header (or pcapng section header).
    pub fn new(bytes: &'a [u8]) -> Result<Self, PcapError> {
        if bytes.len() < 4 {
            return Err(PcapError::TooShort(bytes.len()));
        }
        let magic_le = u32_at(bytes, 0, false);
        if magic_le == PCAPNG_SHB {
            let mut r = Reader {
                bytes,
                pos: 0,
                record: 0,
                kind: Kind::Ng {
                    big_endian: false,
                    interfaces: Vec::new(),
                },
                last_ns: 0,
            };
            r.section_header()?;
            return Ok(r);
        }
        let (big_endian, nanos) = match magic_le {
            0xa1b2_c3d4 => (false, false),
            0xd4c3_b2a1 => (true, false),
            0xa1b2_3c4d => (false, true),
            0x4d3c_b2a1 => (true, true),
            _ => {
                return Err(PcapError::NotPcap(u32::from_be_bytes([
                    bytes[0], bytes[1], bytes[2], bytes[3],
                ])))
            }
        };
        if bytes.len() < 24 {
            return Err(PcapError::TooShort(bytes.len()));
        }
        let major = u16_at(bytes, 4, big_endian);
        let minor = u16_at(bytes, 6, big_endian);
        if major != 2 {
            return Err(PcapError::Version(major, minor));
        }
        // The low 16 bits name the link; the upper ones may carry FCS information.
        let linktype = u32_at(bytes, 20, big_endian) & 0xffff;
        Ok(Reader {
            bytes,
            pos: 24,
            record: 0,
            kind: Kind::Classic {
                big_endian,
                nanos,
                linktype,
            },
            last_ns: 0,
        })
    }

    /// The link type of a classic pcap file (pcapng files name one per interface).
    pub fn linktype(&self) -> Option<u32> {
        match self.kind {
            Kind::Classic { linktype, .. } => Some(linktype),
            Kind::Ng { .. } => None,
        }
    }

    fn fail(&mut self, offset: usize, what: String) -> PcapError {
        self.pos = self.bytes.len();
        PcapError::Record {
            record: self.record,
            offset,
            what,
        }
    }

    fn classic(&mut self, big: bool, nanos: bool, linktype: u32) -> Result<Frame<'a>, PcapError> {
        let at = self.pos;
        let left = self.bytes.len() - at;
        if left < 16 {
            return Err(self.fail(at, format!("header cut short ({left} of 16 bytes)")));
        }
        let b = self.bytes;
        let secs = i64::from(u32_at(b, at, big));
        let frac = i64::from(u32_at(b, at + 4, big));
        let incl = u32_at(b, at + 8, big) as usize;
        let orig_len = u32_at(b, at + 12, big);
        if incl > MAX_RECORD {
            return Err(self.fail(
                at,
                format!("claims {incl} captured bytes (more than {MAX_RECORD})"),
            ));
        }
        if incl > left - 16 {
            return Err(self.fail(
                at,
                format!(
                    "claims {incl} captured bytes, {} remain in the file",
                    left - 16
                ),
            ));
        }
        self.pos = at + 16 + incl;
        let ts_ns = secs * 1_000_000_000 + if nanos { frac } else { frac * 1000 };
        Ok(Frame {
            ts_ns,
            linktype,
            orig_len,
            data: &b[at + 16..at + 16 + incl],
        })
    }

    /// Read a section header block at `pos`: byte order, and a fresh interface list.
    fn section_header(&mut self) -> Result<(), PcapError> {
        let at = self.pos;
        let b = self.bytes;
        if b.len() - at < 28 {
            return Err(self.fail(at, "pcapng section header cut short".into()));
        }
        let big = match u32_at(b, at + 8, false) {
            PCAPNG_BOM => false,
            0x4D3C_2B1A => true,
            m => return Err(self.fail(at, format!("pcapng byte-order magic {m:08x}"))),
        };
        let len = u32_at(b, at + 4, big) as usize;
        if len < 28 || len & 3 != 0 || len > b.len() - at {
            return Err(self.fail(at, format!("pcapng section header length {len}")));
        }
        self.kind = Kind::Ng {
            big_endian: big,
            interfaces: Vec::new(),
        };
        self.pos = at + len;
        Ok(())
    }

    /// The next packet of a pcapng file, reading the blocks between.
    fn ng(&mut self) -> Option<Result<Frame<'a>, PcapError>> {
        let b = self.bytes;
        loop {
            let at = self.pos;
            let left = b.len() - at;
            if left == 0 {
                return None;
            }
            if left >= 4 && u32_at(b, at, false) == PCAPNG_SHB {
                if let Err(e) = self.section_header() {
                    return Some(Err(e));
                }
                continue;
            }
            let Kind::Ng {
                big_endian: big, ..
            } = self.kind
            else {
                return None;
            };
            self.record += 1;
            if left < 12 {
                return Some(Err(self.fail(at, format!("block cut short ({left} bytes)"))));
            }
            let kind = u32_at(b, at, big);
            let len = u32_at(b, at + 4, big) as usize;
            if len < 12 || len & 3 != 0 || len > left {
                return Some(Err(self.fail(
                    at,
                    format!("block length {len} ({left} bytes remain in the file)"),
                )));
            }
            let body = &b[at + 8..at + len - 4];
            self.pos = at + len;
            match kind {
                // Interface description.
                1 => {
                    if body.len() < 8 {
                        return Some(Err(self.fail(at, "interface block cut short".into())));
                    }
                    let mut iface = Interface {
                        linktype: u32::from(u16_at(body, 0, big)),
                        binary: false,
                        exponent: 6,
                    };
                    let mut o = 8;
                    while body.len() - o >= 4 {
                        let code = u16_at(body, o, big);
                        let olen = usize::from(u16_at(body, o + 2, big));
                        if code == 0 {
                            break;
                        }
                        if code == 9 && olen >= 1 {
                            if let Some(&r) = body.get(o + 4) {
                                iface.binary = r & 0x80 != 0;
                                iface.exponent = r & 0x7f;
                            }
                        }
                        o += 4 + olen.div_ceil(4) * 4;
                        if o > body.len() {
                            break;
                        }
                    }
                    self.record -= 1; // blocks that are not packets are not records
                    if let Kind::Ng { interfaces, .. } = &mut self.kind {
                        if interfaces.len() < 4096 {
                            interfaces.push(iface);
                        }
                    }
                }
                // Enhanced (6) and obsolete (2) packet blocks.
                6 | 2 => {
                    if body.len() < 20 {
                        return Some(Err(self.fail(at, "packet block cut short".into())));
                    }
                    let iface = if kind == 6 {
                        u32_at(body, 0, big) as usize
                    } else {
                        usize::from(u16_at(body, 0, big))
                    };
                    let ts =
                        (u64::from(u32_at(body, 4, big)) << 32) | u64::from(u32_at(body, 8, big));
                    let cap = u32_at(body, 12, big) as usize;
                    let orig_len = u32_at(body, 16, big);
                    if cap > MAX_RECORD {
                        return Some(Err(self.fail(
                            at,
                            format!("claims {cap} captured bytes (more than {MAX_RECORD})"),
                        )));
                    }
                    if cap > body.len() - 20 {
                        return Some(Err(self.fail(
                            at,
                            format!(
                                "claims {cap} captured bytes, its block holds {}",
                                body.len() - 20
                            ),
                        )));
                    }
                    let Some(i) = self.interface(iface) else {
                        return Some(Err(self.fail(at, format!("unknown interface {iface}"))));
                    };
                    let ts_ns = to_ns(ts, &i);
                    self.last_ns = ts_ns;
                    return Some(Ok(Frame {
                        ts_ns,
                        linktype: i.linktype,
                        orig_len,
                        data: &body[20..20 + cap],
                    }));
                }
                // Simple packet block: interface 0, no timestamp.
                3 => {
                    if body.len() < 4 {
                        return Some(Err(self.fail(at, "simple packet block cut short".into())));
                    }
                    let orig_len = u32_at(body, 0, big);
                    let cap = (orig_len as usize).min(body.len() - 4).min(MAX_RECORD);
                    let Some(i) = self.interface(0) else {
                        return Some(Err(self.fail(at, "no interface described".into())));
                    };
                    return Some(Ok(Frame {
                        ts_ns: self.last_ns,
                        linktype: i.linktype,
                        orig_len,
                        data: &body[4..4 + cap],
                    }));
                }
                _ => self.record -= 1,
            }
        }
    }

    fn interface(&self, i: usize) -> Option<Interface> {
        match &self.kind {
            Kind::Ng { interfaces, .. } => interfaces.get(i).cloned(),
            Kind::Classic { .. } => None,
        }
    }
}

fn to_ns(ts: u64, i: &Interface) -> i64 {
    let ns: u128 = if i.binary {
        (u128::from(ts) * 1_000_000_000) >> u32::from(i.exponent.min(127))
    } else if i.exponent <= 9 {
        u128::from(ts) * 10u128.pow(9 - u32::from(i.exponent))
    } else {
        u128::from(ts) / 10u128.pow(u32::from(i.exponent.min(38)) - 9)
    };
    i64::try_from(ns).unwrap_or(i64::MAX)
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Frame<'a>, PcapError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        match self.kind {
            Kind::Classic {
                big_endian,
                nanos,
                linktype,
            } => {
                self.record += 1;
                Some(self.classic(big_endian, nanos, linktype))
            }
            Kind::Ng { .. } => self.ng(),
        }
    }
}

/// What [`replay`] read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReplayStats {
    /// Packets in the capture.
    pub packets: u64,
    /// UDP payloads handed to the decoder as flow exports.
    pub export_datagrams: u64,
    /// IP packets turned into one-packet flows.
    pub raw_packets: u64,
    /// Frames without an IP packet one can read (ARP, STP, cut headers …).
    pub not_ip: u64,
    /// First and last packet times, Unix milliseconds.
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// Replay a capture: each UDP datagram whose payload reads as a flow export (see
/// [`sniff_export`]) is decoded with the packet's source address as exporter and its time as
/// `now`; every other IP packet becomes a one-packet flow (packets 1, bytes the IP length,
/// start = end = the packet's time). Flows are appended to `out`; on an error, those of the
/// packets before it stay appended.
pub fn replay(
    bytes: &[u8],
    decoder: &mut Decoder,
    out: &mut Vec<FlowRecord>,
) -> Result<ReplayStats, PcapError> {
    let mut stats = ReplayStats::default();
    let mut link: Option<(u32, Link)> = None;
    for frame in Reader::new(bytes)? {
        let frame = frame?;
        let ts = frame.ts_ms();
        stats.packets += 1;
        stats.first_ms = Some(stats.first_ms.map_or(ts, |f| f.min(ts)));
        stats.last_ms = Some(stats.last_ms.map_or(ts, |l| l.max(ts)));
        let l = match link {
            Some((t, l)) if t == frame.linktype => l,
            _ => {
                let l =
                    Link::from_pcap(frame.linktype).ok_or(PcapError::LinkType(frame.linktype))?;
                link = Some((frame.linktype, l));
                l
            }
        };
        let Some(p) = packet::parse(l, frame.data) else {
            stats.not_ip += 1;
            continue;
        };
        if let Some(payload) = p.udp_payload {
            if sniff_export(payload).is_some() {
                stats.export_datagrams += 1;
                // A refused datagram is counted by the decoder; the replay goes on.
                let _ = decoder.decode(p.src, payload, ts, out);
                continue;
            }
        }
        stats.raw_packets += 1;
        out.push(p.to_flow(ts));
    }
    Ok(stats)
}
