//! sFlow v5 (sflow.org, "sFlow Version 5"): flow samples (1) and expanded flow samples (3)
//! become one flow each, from their raw packet header record (1) or, without one, their sampled
//! IPv4 (3) / IPv6 (4) record. Counter samples and other records are counted as skipped.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{be32, malformed, DecodeError, DecodeStats, Decoder, Format, StreamKey};
use crate::packet::{self, Link};
use crate::FlowRecord;

/// A reader of XDR words that names what it could not read and where.
struct Cur<'a> {
    b: &'a [u8],
    pos: usize,
    /// Offset of `b` in the datagram.
    base: usize,
}

impl<'a> Cur<'a> {
    fn new(b: &'a [u8], base: usize) -> Self {
        Cur { b, pos: 0, base }
    }

    fn at(&self) -> usize {
        self.base + self.pos
    }

    fn u32(&mut self, what: impl Fn() -> String) -> Result<u32, DecodeError> {
        if self.b.len() - self.pos < 4 {
            return Err(malformed(
                Format::Sflow5,
                format!("{} cut short", what()),
                self.at(),
            ));
        }
        self.pos += 4;
        Ok(be32(self.b, self.pos - 4))
    }

    fn take(&mut self, n: usize, what: impl Fn() -> String) -> Result<&'a [u8], DecodeError> {
        if self.b.len() - self.pos < n {
            return Err(malformed(
                Format::Sflow5,
                format!(
                    "{} of {n} bytes runs past its end ({} bytes left)",
                    what(),
                    self.b.len() - self.pos
                ),
                self.at(),
            ));
        }
        self.pos += n;
        Ok(&self.b[self.pos - n..self.pos])
    }

    fn skip_words(&mut self, n: usize, what: impl Fn() -> String) -> Result<(), DecodeError> {
        self.take(4 * n, what).map(|_| ())
    }
}

/// The header reads as sFlow v5 and its samples fit in the datagram (bytes after the last
/// sample are tolerated, as in the decoder).
pub(super) fn plausible(b: &[u8]) -> bool {
    let header = match be32(b, 4) {
        1 => 28,
        2 => 40,
        _ => return false,
    };
    if b.len() < header {
        return false;
    }
    let samples = be32(b, header - 4);
    let mut off = header;
    for _ in 0..samples {
        if b.len() - off < 8 {
            return false;
        }
        let len = be32(b, off + 4) as usize;
        if len > b.len() - off - 8 {
            return false;
        }
        off += 8 + len;
    }
    true
}

pub(super) fn decode(
    dec: &mut Decoder,
    exporter: IpAddr,
    b: &[u8],
    now_ms: i64,
    out: &mut Vec<FlowRecord>,
    d: &mut DecodeStats,
) -> Result<(), DecodeError> {
    let mut c = Cur::new(b, 0);
    c.u32(|| "version".into())?;
    let at = c.at();
    let agent = match c.u32(|| "agent address type".into())? {
        1 => {
            let a = c.take(4, || "agent address".into())?;
            IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]))
        }
        2 => {
            let a = c.take(16, || "agent address".into())?;
            let mut o = [0u8; 16];
            o.copy_from_slice(a);
            IpAddr::V6(Ipv6Addr::from(o))
        }
        t => {
            return Err(malformed(
                Format::Sflow5,
                format!("agent address type {t}"),
                at,
            ))
        }
    };
    let sub_agent = c.u32(|| "sub-agent id".into())?;
    let sequence = c.u32(|| "sequence number".into())?;
    c.u32(|| "uptime".into())?;
    let samples = c.u32(|| "sample count".into())?;
    for i in 1..=samples {
        let format = c.u32(|| format!("sample {i} of {samples}: format"))?;
        let len = c.u32(|| format!("sample {i} of {samples}: length"))? as usize;
        let base = c.at();
        let body = c.take(len, || format!("sample {i} of {samples}"))?;
        match format {
            1 => flow_sample(body, base, false, now_ms, out, d)?,
            3 => flow_sample(body, base, true, now_ms, out, d)?,
            // Counter samples (2, 4), enterprise and unknown formats.
            _ => d.skipped += 1,
        }
    }
    let key = StreamKey::Sflow(exporter, agent, sub_agent);
    d.lost += dec.follow(key, sequence, Some(sequence.wrapping_add(1)));
    Ok(())
}

/// The records of one flow sample that can make a flow.
struct Sampled<'a> {
    header: Option<(u32, u32, u32, &'a [u8])>,
    ipv4: Option<&'a [u8]>,
    ipv6: Option<&'a [u8]>,
}

fn flow_sample(
    body: &[u8],
    base: usize,
    expanded: bool,
    now_ms: i64,
    out: &mut Vec<FlowRecord>,
    d: &mut DecodeStats,
) -> Result<(), DecodeError> {
    let mut c = Cur::new(body, base);
    let words = |n: &'static str| move || format!("flow sample: {n}");
    c.u32(words("sequence number"))?;
    c.skip_words(if expanded { 2 } else { 1 }, words("source id"))?;
    let rate = c.u32(words("sampling rate"))?.max(1);
    c.skip_words(2, words("sample pool and drops"))?;
    c.skip_words(if expanded { 4 } else { 2 }, words("interfaces"))?;
    let records = c.u32(words("record count"))?;
    let mut s = Sampled {
        header: None,
        ipv4: None,
        ipv6: None,
    };
    for j in 1..=records {
        let format = c.u32(|| format!("flow record {j} of {records}: format"))?;
        let len = c.u32(|| format!("flow record {j} of {records}: length"))? as usize;
        let rbase = c.at();
        let data = c.take(len, || format!("flow record {j} of {records}"))?;
        match format {
            1 => {
                let mut r = Cur::new(data, rbase);
                let protocol = r.u32(|| "raw packet header: protocol".into())?;
                let frame_length = r.u32(|| "raw packet header: frame length".into())?;
                let stripped = r.u32(|| "raw packet header: stripped".into())?;
                let hlen = r.u32(|| "raw packet header: header length".into())? as usize;
                let header = r.take(hlen, || "raw packet header: header".into())?;
                s.header = Some((protocol, frame_length, stripped, header));
            }
            3 => {
                if data.len() < 32 {
                    return Err(malformed(
                        Format::Sflow5,
                        format!("sampled IPv4 record of {} bytes (32 needed)", data.len()),
                        rbase,
                    ));
                }
                s.ipv4 = Some(data);
            }
            4 => {
                if data.len() < 56 {
                    return Err(malformed(
                        Format::Sflow5,
                        format!("sampled IPv6 record of {} bytes (56 needed)", data.len()),
                        rbase,
                    ));
                }
                s.ipv6 = Some(data);
            }
            _ => d.skipped += 1,
        }
    }
    match flow(&s, rate, now_ms) {
        Some(f) => out.push(f),
        None => d.skipped += 1,
    }
    Ok(())
}

fn flow(s: &Sampled<'_>, rate: u32, now_ms: i64) -> Option<FlowRecord> {
    let mult = u64::from(rate);
    if let Some((protocol, frame_length, stripped, header)) = s.header {
        let link = match protocol {
            1 => Some(Link::Ethernet),
            11 => Some(Link::Ipv4),
            12 => Some(Link::Ipv6),
            _ => None,
        };
        if let Some(p) = link.and_then(|l| packet::parse(l, header)) {
            // Without what was stripped (the FCS, or the link header for IP-only samples) —
            // unless exporters count more as stripped than the IP packet leaves (some give the
            // bytes not copied into the header): then the frame length as it is.
            let length = match frame_length.checked_sub(stripped) {
                Some(l) if l > 0 && l >= p.ip_len => l,
                _ => frame_length,
            };
            return Some(FlowRecord {
                packets: mult,
                bytes: u64::from(length).saturating_mul(mult),
                sampling: rate,
                ..p.to_flow(now_ms)
            });
        }
    }
    let (src, dst, rest) = if let Some(r) = s.ipv4 {
        let a = |o: usize| IpAddr::V4(Ipv4Addr::new(r[o], r[o + 1], r[o + 2], r[o + 3]));
        (a(8), a(12), &r[16..])
    } else if let Some(r) = s.ipv6 {
        let a = |o: usize| {
            let mut x = [0u8; 16];
            x.copy_from_slice(&r[o..o + 16]);
            IpAddr::V6(Ipv6Addr::from(x))
        };
        (a(8), a(24), &r[40..])
    } else {
        return None;
    };
    let r = s.ipv4.or(s.ipv6)?;
    Some(FlowRecord {
        src,
        dst,
        src_port: be32(rest, 0) as u16,
        dst_port: be32(rest, 4) as u16,
        proto: be32(r, 4) as u8,
        tcp_flags: be32(rest, 8) as u8,
        packets: mult,
        bytes: u64::from(be32(r, 0)).saturating_mul(mult),
        start_ms: now_ms,
        end_ms: now_ms,
        sampling: rate,
        fragment: false,
    })
}
