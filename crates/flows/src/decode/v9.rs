//! NetFlow v9 (RFC 3954) and IPFIX (RFC 7011): one template logic for both.
//!
//! A template is turned once, when learned, into a list of (field id, length, use); data records
//! are then read by walking that list. IPFIX variable-length fields (length 65535: one length
//! byte, or 255 and two more) and enterprise-specific fields are skipped by their length.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{be16, be32, malformed, uint, uptime_to_unix};
use super::{DecodeError, DecodeStats, Decoder, Format};
use super::{DomainKey, SamplerKey, StreamKey, TemplateKey, MAX_CACHE_ENTRIES};
use crate::packet::{self, Link};
use crate::FlowRecord;

/// The template length that announces an IPFIX variable-length field.
const VARIABLE: u16 = 65535;

/// Seconds from the NTP epoch (1900) to the Unix epoch.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// What the decoder does with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// Not used (counted in `unknown_fields` when the template is learned).
    Skip,
    /// A NetFlow v9 options scope field (its own numbering; skipped, not counted).
    Scope,
    SrcV4,
    DstV4,
    SrcV6,
    DstV6,
    SrcPort,
    DstPort,
    Proto,
    TcpFlags,
    /// icmpTypeCodeIPv4 / IPv6 (32, 139): the destination port when the record has none.
    IcmpTypeCode,
    /// Octet counters by preference: 0 delta (1), 1 post / out (23), 2 total (85), 3 NSEL
    /// initiator (231).
    Bytes(u8),
    /// Packet counters, same ranks (2, 24, 86, 298).
    Packets(u8),
    /// flowStartSysUpTime / FIRST_SWITCHED (22) and flowEndSysUpTime / LAST_SWITCHED (21).
    UptimeStart,
    UptimeEnd,
    /// flowStart/EndSeconds (150/151).
    Secs(bool),
    /// flowStart/EndMilliseconds (152/153).
    Millis(bool),
    /// flowStart/EndMicroseconds and Nanoseconds (154–157), NTP format.
    Ntp(bool),
    /// flowStart/EndDeltaMicroseconds (158/159), before the export time.
    DeltaMicros(bool),
    /// fragmentOffset (88).
    FragOffset,
    /// samplingInterval (34), samplerRandomInterval (50).
    SamplingInterval,
    /// samplerId (48), selectorId (302).
    SamplerId,
    /// samplingPacketInterval (305) and samplingPacketSpace (306).
    PacketInterval,
    PacketSpace,
    /// samplingSize (309) and samplingPopulation (310).
    SamplingSize,
    SamplingPopulation,
    /// systemInitTimeMilliseconds (160).
    SysInit,
    /// dataLinkFrameSection (315): the start of a sampled frame (Ethernet), read as a packet
    /// when the record has no addresses of its own.
    DataLinkSection,
    /// ipHeaderPacketSection (313): the same, from the IP header on.
    IpHeaderSection,
    /// dataLinkFrameSize (312): the sampled frame's length.
    DataLinkSize,
}

/// What a field is used for, from its id and length (a length that does not fit the field's
/// type leaves it unused; only the packet sections may be of variable length).
fn field_use(id: u16, len: u16) -> Use {
    let int = (1..=8).contains(&len);
    match id {
        315 => Use::DataLinkSection,
        313 => Use::IpHeaderSection,
        312 if int => Use::DataLinkSize,
        8 if len == 4 => Use::SrcV4,
        12 if len == 4 => Use::DstV4,
        27 if len == 16 => Use::SrcV6,
        28 if len == 16 => Use::DstV6,
        7 if int => Use::SrcPort,
        11 if int => Use::DstPort,
        4 if int => Use::Proto,
        6 if int => Use::TcpFlags,
        32 | 139 if int => Use::IcmpTypeCode,
        1 if int => Use::Bytes(0),
        2 if int => Use::Packets(0),
        23 if int => Use::Bytes(1),
        24 if int => Use::Packets(1),
        85 if int => Use::Bytes(2),
        86 if int => Use::Packets(2),
        231 if int => Use::Bytes(3),
        298 if int => Use::Packets(3),
        22 if len == 4 => Use::UptimeStart,
        21 if len == 4 => Use::UptimeEnd,
        150 if len == 4 => Use::Secs(true),
        151 if len == 4 => Use::Secs(false),
        152 if len == 8 => Use::Millis(true),
        153 if len == 8 => Use::Millis(false),
        154 | 156 if len == 8 => Use::Ntp(true),
        155 | 157 if len == 8 => Use::Ntp(false),
        158 if len == 4 => Use::DeltaMicros(true),
        159 if len == 4 => Use::DeltaMicros(false),
        88 if int => Use::FragOffset,
        34 | 50 if int => Use::SamplingInterval,
        48 | 302 if int => Use::SamplerId,
        305 if int => Use::PacketInterval,
        306 if int => Use::PacketSpace,
        309 if int => Use::SamplingSize,
        310 if int => Use::SamplingPopulation,
        160 if len == 8 => Use::SysInit,
        _ => Use::Skip,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    /// Information element id (without the enterprise bit).
    id: u16,
    len: u16,
    use_: Use,
}

/// A learned template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Template {
    fields: Vec<Field>,
    /// A record's length with every variable-length field empty (the record's length when none).
    min_len: usize,
    variable: bool,
    /// An options template: its records set sampling rates and times, they are not flows.
    options: bool,
    /// Has a source or destination address (records without one are not flows).
    has_addr: bool,
}

/// What one datagram's header says.
struct Ctx {
    format: Format,
    exporter: IpAddr,
    ipfix: bool,
    domain: u32,
    export_ms: i64,
    /// NetFlow v9 header's sys_uptime (IPFIX has none).
    uptime: u32,
}

impl Ctx {
    fn version(&self) -> u8 {
        if self.ipfix {
            10
        } else {
            9
        }
    }

    fn template_key(&self, id: u16) -> TemplateKey {
        TemplateKey {
            exporter: self.exporter,
            version: self.version(),
            domain: self.domain,
            id,
        }
    }

    fn sampler_key(&self, sampler: Option<u64>) -> SamplerKey {
        SamplerKey {
            exporter: self.exporter,
            version: self.version(),
            domain: self.domain,
            sampler,
        }
    }

    fn domain_key(&self) -> DomainKey {
        DomainKey {
            exporter: self.exporter,
            version: self.version(),
            domain: self.domain,
        }
    }

    fn err(&self, what: impl Into<String>, offset: usize) -> DecodeError {
        malformed(self.format, what, offset)
    }
}

/// Header, message length and set structure agree.
pub(super) fn plausible(b: &[u8], ipfix: bool) -> bool {
    let header = if ipfix { 16 } else { 20 };
    if b.len() < header {
        return false;
    }
    if ipfix && usize::from(be16(b, 2)) != b.len() {
        return false;
    }
    let mut off = header;
    let mut sets = 0;
    while b.len() - off >= 4 {
        let id = be16(b, off);
        let len = usize::from(be16(b, off + 2));
        let known = if ipfix {
            id == 2 || id == 3 || id >= 256
        } else {
            id <= 1 || id >= 256
        };
        if !known || len < 4 || len > b.len() - off {
            return false;
        }
        off += len;
        sets += 1;
    }
    sets > 0 && (!ipfix || off == b.len())
}

pub(super) fn decode(
    dec: &mut Decoder,
    exporter: IpAddr,
    b: &[u8],
    now_ms: i64,
    out: &mut Vec<FlowRecord>,
    d: &mut DecodeStats,
    ipfix: bool,
) -> Result<(), DecodeError> {
    let format = if ipfix {
        Format::Ipfix
    } else {
        Format::NetflowV9
    };
    let header = if ipfix { 16 } else { 20 };
    if b.len() < header {
        return Err(malformed(
            format,
            format!("header cut short ({} of {header} bytes)", b.len()),
            0,
        ));
    }
    let (b, secs, uptime, sequence, domain) = if ipfix {
        let len = usize::from(be16(b, 2));
        if len < header || len > b.len() {
            return Err(malformed(
                format,
                format!("message length {len} (datagram of {} bytes)", b.len()),
                2,
            ));
        }
        (&b[..len], be32(b, 4), 0, be32(b, 8), be32(b, 12))
    } else {
        (b, be32(b, 8), be32(b, 4), be32(b, 12), be32(b, 16))
    };
    let ctx = Ctx {
        format,
        exporter,
        ipfix,
        domain,
        export_ms: if secs == 0 {
            now_ms
        } else {
            i64::from(secs) * 1000
        },
        uptime,
    };

    // Data records in this message (IPFIX sequence numbers count them); `None` once a set could
    // not be counted (unknown template).
    let mut records: Option<u32> = Some(0);
    let mut off = header;
    while b.len() - off >= 4 {
        let id = be16(b, off);
        let len = usize::from(be16(b, off + 2));
        if len < 4 || len > b.len() - off {
            return Err(ctx.err(
                format!(
                    "set {id} length {len} ({} bytes left in the datagram)",
                    b.len() - off
                ),
                off + 2,
            ));
        }
        let body = &b[off + 4..off + len];
        let base = off + 4;
        match (ipfix, id) {
            (false, 0) | (true, 2) => templates(dec, &ctx, body, base, false, d)?,
            (true, 3) => templates(dec, &ctx, body, base, true, d)?,
            (false, 1) => v9_options_templates(dec, &ctx, body, base, d)?,
            (_, 0..=255) => {}
            _ => {
                let n = data_set(dec, &ctx, id, body, base, out, d)?;
                records = match (records, n) {
                    (Some(r), Some(n)) => Some(r.wrapping_add(n)),
                    _ => None,
                };
            }
        }
        off += len;
    }

    if ipfix {
        let next = records.map(|n| sequence.wrapping_add(n));
        d.lost += dec.follow(StreamKey::Ipfix(exporter, domain), sequence, next);
    } else {
        let next = Some(sequence.wrapping_add(1));
        d.lost += dec.follow(StreamKey::V9(exporter, domain), sequence, next);
    }
    Ok(())
}

/// A template set (v9 flowset 0, IPFIX set 2) or an IPFIX options template set (3).
fn templates(
    dec: &mut Decoder,
    ctx: &Ctx,
    body: &[u8],
    base: usize,
    options: bool,
    d: &mut DecodeStats,
) -> Result<(), DecodeError> {
    let mut p = 0;
    // Fewer than 4 bytes left: padding.
    while body.len() - p >= 4 {
        let at = base + p;
        let tid = be16(body, p);
        let count = usize::from(be16(body, p + 2));
        p += 4;
        if count == 0 && ctx.ipfix {
            withdraw(dec, ctx, tid);
            continue;
        }
        if tid < 256 {
            if tid == 0 && count == 0 && body[p..].iter().all(|&x| x == 0) {
                break; // zero padding (NetFlow v9)
            }
            return Err(ctx.err(format!("template id {tid}"), at));
        }
        if options {
            // The scope field count: IPFIX scope fields are information elements like the others.
            if body.len() - p < 2 {
                return Err(ctx.err(
                    format!("options template {tid}: scope field count cut short"),
                    base + p,
                ));
            }
            p += 2;
        }
        let mut fields = Vec::with_capacity(count.min(512));
        for i in 0..count {
            if body.len() - p < 4 {
                return Err(ctx.err(
                    format!(
                        "template {tid}: field {} of {count} runs past the set end",
                        i + 1
                    ),
                    base + p,
                ));
            }
            let raw = be16(body, p);
            let len = be16(body, p + 2);
            p += 4;
            let enterprise = ctx.ipfix && raw & 0x8000 != 0;
            if enterprise {
                if body.len() - p < 4 {
                    return Err(ctx.err(
                        format!("template {tid}: enterprise number of field {raw:#06x} cut short"),
                        base + p,
                    ));
                }
                p += 4;
            }
            let (id, use_) = if enterprise {
                (raw & 0x7fff, Use::Skip)
            } else {
                (raw, field_use(raw, len))
            };
            fields.push(Field { id, len, use_ });
        }
        learn(dec, ctx, tid, fields, options, d);
    }
    Ok(())
}

/// A NetFlow v9 options template flowset (1): scope and option lengths in bytes.
fn v9_options_templates(
    dec: &mut Decoder,
    ctx: &Ctx,
    body: &[u8],
    base: usize,
    d: &mut DecodeStats,
) -> Result<(), DecodeError> {
    let mut p = 0;
    while body.len() - p >= 6 {
        let at = base + p;
        let tid = be16(body, p);
        let scope_len = usize::from(be16(body, p + 2));
        let option_len = usize::from(be16(body, p + 4));
        if tid < 256 {
            if body[p..].iter().all(|&x| x == 0) {
                break; // padding
            }
            return Err(ctx.err(format!("options template id {tid}"), at));
        }
        if (scope_len | option_len) & 3 != 0 {
            return Err(ctx.err(
                format!(
                    "options template {tid}: scope length {scope_len} / option length \
                     {option_len} not a multiple of 4"
                ),
                at + 2,
            ));
        }
        if scope_len + option_len > body.len() - p - 6 {
            return Err(ctx.err(
                format!(
                    "options template {tid}: {} bytes of fields run past the flowset end",
                    scope_len + option_len
                ),
                at + 2,
            ));
        }
        p += 6;
        let mut fields = Vec::with_capacity((scope_len + option_len) / 4);
        for i in 0..(scope_len + option_len) / 4 {
            let id = be16(body, p);
            let len = be16(body, p + 2);
            p += 4;
            let use_ = if i < scope_len / 4 {
                Use::Scope
            } else {
                field_use(id, len)
            };
            fields.push(Field { id, len, use_ });
        }
        learn(dec, ctx, tid, fields, true, d);
    }
    Ok(())
}

/// IPFIX template withdrawal: one template, or every data template (id 2) / options template
/// (id 3) of the exporter's domain.
fn withdraw(dec: &mut Decoder, ctx: &Ctx, tid: u16) {
    if tid >= 256 {
        dec.templates.remove(&ctx.template_key(tid));
    } else if tid == 2 || tid == 3 {
        let options = tid == 3;
        let (exporter, domain) = (ctx.exporter, ctx.domain);
        dec.templates.retain(|k, t| {
            !(k.exporter == exporter
                && k.version == 10
                && k.domain == domain
                && t.options == options)
        });
    }
}

fn learn(
    dec: &mut Decoder,
    ctx: &Ctx,
    tid: u16,
    mut fields: Vec<Field>,
    options: bool,
    d: &mut DecodeStats,
) {
    // A field used twice (tunnels: outer header first, then the inner one) is read from its
    // first occurrence.
    for i in 1..fields.len() {
        let u = fields[i].use_;
        if u != Use::Skip && u != Use::Scope && fields[..i].iter().any(|f| f.use_ == u) {
            fields[i].use_ = Use::Skip;
        }
    }
    d.templates += 1;
    d.unknown_fields += fields.iter().filter(|f| f.use_ == Use::Skip).count() as u64;
    let variable = ctx.ipfix && fields.iter().any(|f| f.len == VARIABLE);
    let min_len = fields
        .iter()
        .map(|f| {
            if ctx.ipfix && f.len == VARIABLE {
                1
            } else {
                usize::from(f.len)
            }
        })
        .sum();
    let key = ctx.template_key(tid);
    if min_len == 0 {
        // No record can be cut from a set with it: as good as withdrawn.
        dec.templates.remove(&key);
        return;
    }
    let has_addr = fields.iter().any(|f| {
        matches!(
            f.use_,
            Use::SrcV4
                | Use::DstV4
                | Use::SrcV6
                | Use::DstV6
                | Use::DataLinkSection
                | Use::IpHeaderSection
        )
    });
    let template = Template {
        fields,
        min_len,
        variable,
        options,
        has_addr,
    };
    if let Some(old) = dec.templates.get_mut(&key) {
        if *old != template {
            *old = template;
        }
    } else if dec.templates.len() < MAX_CACHE_ENTRIES {
        dec.templates.insert(key, template);
    }
}

/// The values of one data record the decoder uses.
#[derive(Default)]
struct Values<'a> {
    /// A sampled packet's first bytes (dataLinkFrameSection / ipHeaderPacketSection).
    section: Option<(Link, &'a [u8])>,
    frame_size: Option<u64>,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    src_port: u16,
    dst_port: u16,
    icmp: u16,
    proto: u8,
    tcp_flags: u8,
    bytes: [Option<u64>; 4],
    packets: [Option<u64>; 4],
    start: Option<i64>,
    end: Option<i64>,
    up_start: Option<u32>,
    up_end: Option<u32>,
    frag_offset: u64,
    interval: Option<u64>,
    sampler: Option<u64>,
    packet_interval: Option<u64>,
    packet_space: Option<u64>,
    sampling_size: Option<u64>,
    sampling_population: Option<u64>,
    sys_init: Option<i64>,
}

impl<'a> Values<'a> {
    /// The sampling rate the record states, if any.
    fn rate(&self) -> Option<u32> {
        let rate = match (
            self.interval,
            self.packet_interval,
            self.sampling_size,
            self.sampling_population,
        ) {
            (Some(i), _, _, _) if i > 0 => i,
            (_, Some(i), _, _) if i > 0 => i.saturating_add(self.packet_space.unwrap_or(0)) / i,
            (_, _, Some(size), Some(pop)) if size > 0 && pop > 0 => pop / size,
            _ => return None,
        };
        Some(u32::try_from(rate).unwrap_or(u32::MAX).max(1))
    }

    fn set(&mut self, use_: Use, v: &'a [u8], export_ms: i64) {
        match use_ {
            Use::DataLinkSection => self.section = Some((Link::Ethernet, v)),
            Use::IpHeaderSection => self.section = Some((Link::RawIp, v)),
            Use::DataLinkSize => self.frame_size = Some(uint(v)),
            Use::Skip | Use::Scope => {}
            Use::SrcV4 | Use::DstV4 | Use::SrcV6 | Use::DstV6 => {
                let ip = if let [a, b, c, e] = *v {
                    IpAddr::V4(Ipv4Addr::new(a, b, c, e))
                } else if let Ok(a) = <[u8; 16]>::try_from(v) {
                    IpAddr::V6(Ipv6Addr::from(a))
                } else {
                    return;
                };
                let slot = if matches!(use_, Use::SrcV4 | Use::SrcV6) {
                    &mut self.src
                } else {
                    &mut self.dst
                };
                // Templates with both families leave the unused one zero: keep the address
                // that is set (the first one when both are).
                if slot.is_none_or(|old| old.is_unspecified()) {
                    *slot = Some(ip);
                }
            }
            Use::SrcPort => self.src_port = uint(v) as u16,
            Use::DstPort => self.dst_port = uint(v) as u16,
            Use::IcmpTypeCode => self.icmp = uint(v) as u16,
            Use::Proto => self.proto = uint(v) as u8,
            Use::TcpFlags => self.tcp_flags = uint(v) as u8,
            Use::Bytes(rank) => {
                if let Some(slot) = self.bytes.get_mut(usize::from(rank)) {
                    *slot = Some(uint(v));
                }
            }
            Use::Packets(rank) => {
                if let Some(slot) = self.packets.get_mut(usize::from(rank)) {
                    *slot = Some(uint(v));
                }
            }
            Use::UptimeStart => self.up_start = Some(uint(v) as u32),
            Use::UptimeEnd => self.up_end = Some(uint(v) as u32),
            Use::Secs(start) => self.time(start, uint(v) as i64 * 1000),
            Use::Millis(start) => self.time(start, uint(v) as i64),
            Use::Ntp(start) => {
                let t = uint(v);
                let secs = (t >> 32).saturating_sub(NTP_UNIX_OFFSET);
                let ms = ((t & 0xffff_ffff) * 1000) >> 32;
                self.time(start, (secs * 1000 + ms) as i64);
            }
            Use::DeltaMicros(start) => {
                self.time(start, export_ms.saturating_sub((uint(v) / 1000) as i64))
            }
            Use::FragOffset => self.frag_offset = uint(v),
            Use::SamplingInterval => self.interval = Some(uint(v)),
            Use::SamplerId => self.sampler = Some(uint(v)),
            Use::PacketInterval => self.packet_interval = Some(uint(v)),
            Use::PacketSpace => self.packet_space = Some(uint(v)),
            Use::SamplingSize => self.sampling_size = Some(uint(v)),
            Use::SamplingPopulation => self.sampling_population = Some(uint(v)),
            Use::SysInit => self.sys_init = Some(uint(v) as i64),
        }
    }

    /// The record as a flow, multiplied by `rate`; `init` is the IPFIX system init time (Unix
    /// ms) uptime fields count from.
    fn flow(&self, ctx: &Ctx, rate: u32, init: Option<i64>) -> FlowRecord {
        let (up_start, up_end) = if ctx.ipfix {
            (
                init.and_then(|i| Some(i.saturating_add(i64::from(self.up_start?)))),
                init.and_then(|i| Some(i.saturating_add(i64::from(self.up_end?)))),
            )
        } else {
            (
                self.up_start
                    .map(|t| uptime_to_unix(ctx.export_ms, ctx.uptime, t)),
                self.up_end
                    .map(|t| uptime_to_unix(ctx.export_ms, ctx.uptime, t)),
            )
        };
        let start = self.start.or(up_start);
        let end = self.end.or(up_end);
        let mult = u64::from(rate);
        let unspecified = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        let mut f = FlowRecord {
            src: self.src.unwrap_or(unspecified),
            dst: self.dst.unwrap_or(unspecified),
            src_port: self.src_port,
            dst_port: if self.dst_port == 0 {
                self.icmp
            } else {
                self.dst_port
            },
            proto: self.proto,
            tcp_flags: self.tcp_flags,
            packets: self.packets.iter().flatten().next().copied().unwrap_or(0),
            bytes: self.bytes.iter().flatten().next().copied().unwrap_or(0),
            start_ms: start.or(end).unwrap_or(ctx.export_ms),
            end_ms: end.or(start).unwrap_or(ctx.export_ms),
            sampling: rate,
            fragment: self.frag_offset != 0,
        };
        // A sampled packet section stands for the addresses, ports and counters the record
        // lacks (one packet of the section's length).
        if self.src.is_none() && self.dst.is_none() {
            if let Some(p) = self.section.and_then(|(link, b)| packet::parse(link, b)) {
                f.src = p.src;
                f.dst = p.dst;
                f.src_port = p.src_port;
                f.dst_port = p.dst_port;
                f.proto = p.proto;
                f.tcp_flags = p.tcp_flags;
                f.fragment = p.fragment;
                if self.packets.iter().all(Option::is_none) {
                    f.packets = 1;
                }
                if self.bytes.iter().all(Option::is_none) {
                    f.bytes = self.frame_size.unwrap_or(u64::from(p.ip_len));
                }
            }
        }
        f.packets = f.packets.saturating_mul(mult);
        f.bytes = f.bytes.saturating_mul(mult);
        f
    }

    fn time(&mut self, start: bool, ms: i64) {
        if start {
            self.start = Some(ms);
        } else {
            self.end = Some(ms);
        }
    }
}

/// A data set: its records into flows (or, from an options template, into sampling rates).
/// Returns how many records it held, `None` when its template is unknown.
fn data_set(
    dec: &mut Decoder,
    ctx: &Ctx,
    id: u16,
    body: &[u8],
    base: usize,
    out: &mut Vec<FlowRecord>,
    d: &mut DecodeStats,
) -> Result<Option<u32>, DecodeError> {
    let Some(t) = dec.templates.get(&ctx.template_key(id)) else {
        d.no_template += 1;
        return Ok(None);
    };
    if !t.options && t.has_addr {
        out.reserve(body.len() / t.min_len);
    }
    let mut p = 0;
    let mut n = 0u32;
    // Fewer bytes than the shortest record: padding.
    while body.len() - p >= t.min_len {
        let mut v = Values::default();
        for f in &t.fields {
            let len = if t.variable && f.len == VARIABLE {
                let Some(&short) = body.get(p) else {
                    return Err(ctx.err(
                        format!("template {id}: length of field {} cut short", f.id),
                        base + p,
                    ));
                };
                p += 1;
                if short < 255 {
                    usize::from(short)
                } else {
                    if body.len() - p < 2 {
                        return Err(ctx.err(
                            format!("template {id}: length of field {} cut short", f.id),
                            base + p,
                        ));
                    }
                    p += 2;
                    usize::from(be16(body, p - 2))
                }
            } else {
                usize::from(f.len)
            };
            if len > body.len() - p {
                return Err(ctx.err(
                    format!(
                        "template {id}: field {} of {len} bytes runs past the set end",
                        f.id
                    ),
                    base + p,
                ));
            }
            if f.use_ != Use::Skip {
                v.set(f.use_, &body[p..p + len], ctx.export_ms);
            }
            p += len;
        }
        n = n.wrapping_add(1);
        if t.options {
            d.options += 1;
            if let Some(rate) = v.rate() {
                let key = ctx.sampler_key(v.sampler);
                if dec.sampling.len() < MAX_CACHE_ENTRIES || dec.sampling.contains_key(&key) {
                    dec.sampling.insert(key, rate);
                }
            }
            if let Some(init) = v.sys_init {
                let key = ctx.domain_key();
                if dec.sys_init.len() < MAX_CACHE_ENTRIES || dec.sys_init.contains_key(&key) {
                    dec.sys_init.insert(key, init);
                }
            }
        } else if t.has_addr {
            let rate = v
                .rate()
                .or_else(|| {
                    let s = v.sampler?;
                    dec.sampling.get(&ctx.sampler_key(Some(s))).copied()
                })
                .or_else(|| dec.sampling.get(&ctx.sampler_key(None)).copied())
                .unwrap_or(1)
                .max(1);
            let init = if ctx.ipfix {
                v.sys_init
                    .or_else(|| dec.sys_init.get(&ctx.domain_key()).copied())
            } else {
                None
            };
            out.push(v.flow(ctx, rate, init));
        } else {
            d.skipped += 1;
        }
    }
    Ok(Some(n))
}
