//! One captured frame into the few fields a flow needs: addresses, protocol, ports, TCP flags,
//! IP length, the non-first-fragment flag, and the UDP payload (flow exports inside captures).
//!
//! Read: Ethernet II (802.1Q, 802.1ad and QinQ tags, MPLS label stacks, PPPoE sessions), Linux
//! cooked captures (SLL and SLL2), raw IP, BSD loopback; IPv4 (options, fragments), IPv6
//! (hop-by-hop, routing, destination-options, mobility, AH and fragment headers), TCP, UDP,
//! UDP-Lite, SCTP, ICMP and ICMPv6. Any bytes are accepted: a frame that is not IP, or whose
//! headers lie, gives `None`, never a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::{FlowRecord, Proto};

/// How a frame begins (the capture's link type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Link {
    /// Ethernet II (pcap link type 1).
    Ethernet,
    /// Linux cooked capture, version 1 (113).
    LinuxSll,
    /// Linux cooked capture, version 2 (276).
    LinuxSll2,
    /// Raw IP, the version taken from the first nibble (101, and 12 or 14 as most systems use them).
    RawIp,
    /// IPv4 only (228).
    Ipv4,
    /// IPv6 only (229).
    Ipv6,
    /// BSD loopback (0): a 4-byte address family in the capturing host's byte order.
    Null,
    /// OpenBSD loopback (108): the address family in network byte order.
    Loop,
}

impl Link {
    /// The link a pcap / pcapng link type names, if read.
    pub fn from_pcap(linktype: u32) -> Option<Link> {
        match linktype {
            0 => Some(Link::Null),
            1 => Some(Link::Ethernet),
            12 | 14 | 101 => Some(Link::RawIp),
            108 => Some(Link::Loop),
            113 => Some(Link::LinuxSll),
            228 => Some(Link::Ipv4),
            229 => Some(Link::Ipv6),
            276 => Some(Link::LinuxSll2),
            _ => None,
        }
    }
}

/// What a frame says about its IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol of the transport header (after IPv6 extension headers).
    pub proto: u8,
    /// Transport ports; 0 when the protocol has none or the packet is a non-first fragment.
    /// For ICMP and ICMPv6, `dst_port` is `type << 8 | code`, as NetFlow exporters write it.
    pub src_port: u16,
    pub dst_port: u16,
    /// The TCP flags byte (CWR … FIN); 0 for other protocols.
    pub tcp_flags: u8,
    /// The IP packet's length as its header states it (the original size, even when the capture
    /// kept only the first bytes).
    pub ip_len: u32,
    /// A non-first fragment (its transport header is in the first fragment).
    pub fragment: bool,
    /// The UDP payload, when the datagram is whole in the frame (not fragmented, not cut).
    pub udp_payload: Option<&'a [u8]>,
}

impl Packet<'_> {
    /// The packet as a one-packet flow at `ts_ms` (Unix milliseconds).
    pub fn to_flow(&self, ts_ms: i64) -> FlowRecord {
        FlowRecord {
            src: self.src,
            dst: self.dst,
            src_port: self.src_port,
            dst_port: self.dst_port,
            proto: self.proto,
            tcp_flags: self.tcp_flags,
            packets: 1,
            bytes: u64::from(self.ip_len),
            start_ms: ts_ms,
            end_ms: ts_ms,
            sampling: 1,
            fragment: self.fragment,
        }
    }
}

#[inline]
fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Parse a frame of the given link type. `None` when it carries no IP packet one can read.
pub fn parse(link: Link, frame: &[u8]) -> Option<Packet<'_>> {
    match link {
        Link::Ethernet => {
            let ethertype = be16(frame, 12)?;
            by_ethertype(ethertype, frame.get(14..)?)
        }
        Link::LinuxSll => by_ethertype(be16(frame, 14)?, frame.get(16..)?),
        Link::LinuxSll2 => by_ethertype(be16(frame, 0)?, frame.get(20..)?),
        Link::RawIp => ip(frame),
        Link::Ipv4 => ipv4(frame),
        Link::Ipv6 => ipv6(frame),
        Link::Null | Link::Loop => {
            let head: [u8; 4] = frame.get(..4)?.try_into().ok()?;
            let family = if link == Link::Loop {
                u32::from_be_bytes(head)
            } else {
                // Host byte order of the capturing machine: take whichever reading is small.
                let le = u32::from_le_bytes(head);
                if le <= 0xffff {
                    le
                } else {
                    u32::from_be_bytes(head)
                }
            };
            let rest = frame.get(4..)?;
            match family {
                2 => ipv4(rest),
                24 | 28 | 30 => ipv6(rest),
                _ => None,
            }
        }
    }
}

/// An IP packet whose version is read from its first nibble.
fn ip(b: &[u8]) -> Option<Packet<'_>> {
    match b.first()? >> 4 {
        4 => ipv4(b),
        6 => ipv6(b),
        _ => None,
    }
}

fn by_ethertype(mut ethertype: u16, mut rest: &[u8]) -> Option<Packet<'_>> {
    // Tags nest (QinQ and deeper); a bound keeps hostile frames cheap.
    for _ in 0..8 {
        match ethertype {
            0x0800 => return ipv4(rest),
            0x86dd => return ipv6(rest),
            // 802.1Q, 802.1ad, and the pre-standard QinQ types.
            0x8100 | 0x88a8 | 0x9100 | 0x9200 | 0x9300 => {
                ethertype = be16(rest, 2)?;
                rest = rest.get(4..)?;
            }
            // MPLS unicast / multicast: labels up to the bottom of the stack, then IP.
            0x8847 | 0x8848 => {
                for _ in 0..16 {
                    let bottom = rest.get(2)? & 1 == 1;
                    rest = rest.get(4..)?;
                    if bottom {
                        return ip(rest);
                    }
                }
                return None;
            }
            // PPPoE session: 6-byte header, then the PPP protocol.
            0x8864 => {
                let ppp = be16(rest, 6)?;
                let payload = rest.get(8..)?;
                return match ppp {
                    0x0021 => ipv4(payload),
                    0x0057 => ipv6(payload),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
    None
}

fn ipv4(b: &[u8]) -> Option<Packet<'_>> {
    if b.len() < 20 || b[0] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(b[0] & 0x0f) * 4;
    if ihl < 20 || ihl > b.len() {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([b[2], b[3]]));
    // A total length of 0 is what segmentation offload writes: take what was captured.
    let ip_len = if total == 0 { b.len() } else { total };
    if ip_len < ihl {
        return None;
    }
    let frag = u16::from_be_bytes([b[6], b[7]]);
    let offset = frag & 0x1fff;
    let more = frag & 0x2000 != 0;
    let mut p = Packet {
        src: IpAddr::V4(Ipv4Addr::new(b[12], b[13], b[14], b[15])),
        dst: IpAddr::V4(Ipv4Addr::new(b[16], b[17], b[18], b[19])),
        proto: b[9],
        src_port: 0,
        dst_port: 0,
        tcp_flags: 0,
        ip_len: u32::try_from(ip_len).unwrap_or(u32::MAX),
        fragment: offset != 0,
        udp_payload: None,
    };
    if offset == 0 {
        let end = ip_len.min(b.len());
        transport(&mut p, b.get(ihl..end).unwrap_or(&[]), !more);
    }
    Some(p)
}

fn ipv6(b: &[u8]) -> Option<Packet<'_>> {
    if b.len() < 40 || b[0] >> 4 != 6 {
        return None;
    }
    let plen = usize::from(u16::from_be_bytes([b[4], b[5]]));
    // Payload length 0: a jumbogram (or offload); take what was captured.
    let ip_len = if plen == 0 { b.len() } else { 40 + plen };
    let end = ip_len.min(b.len());
    let mut src = [0u8; 16];
    let mut dst = [0u8; 16];
    src.copy_from_slice(&b[8..24]);
    dst.copy_from_slice(&b[24..40]);
    let mut p = Packet {
        src: IpAddr::V6(Ipv6Addr::from(src)),
        dst: IpAddr::V6(Ipv6Addr::from(dst)),
        proto: b[6],
        src_port: 0,
        dst_port: 0,
        tcp_flags: 0,
        ip_len: u32::try_from(ip_len).unwrap_or(u32::MAX),
        fragment: false,
        udp_payload: None,
    };
    let mut off = 40;
    let mut whole = true;
    for _ in 0..8 {
        match p.proto {
            // Hop-by-hop, routing, destination options, mobility, HIP, shim6.
            0 | 43 | 60 | 135 | 139 | 140 => {
                let (Some(&next), Some(&len)) = (b.get(off), b.get(off + 1)) else {
                    return Some(p);
                };
                off += (usize::from(len) + 1) * 8;
                p.proto = next;
            }
            // Fragment header: 8 bytes, offset in the top 13 bits of its third and fourth bytes.
            44 => {
                let (Some(&next), Some(fo)) = (b.get(off), be16(b, off + 2)) else {
                    return Some(p);
                };
                off += 8;
                p.proto = next;
                if fo >> 3 != 0 {
                    p.fragment = true;
                    return Some(p);
                }
                if fo & 1 != 0 {
                    whole = false;
                }
            }
            // Authentication header: length in 4-byte units, minus 2.
            51 => {
                let (Some(&next), Some(&len)) = (b.get(off), b.get(off + 1)) else {
                    return Some(p);
                };
                off += (usize::from(len) + 2) * 4;
                p.proto = next;
            }
            _ => break,
        }
    }
    if off <= end {
        transport(&mut p, &b[off..end], whole);
    }
    Some(p)
}

/// Ports, flags and the UDP payload from the transport header in `l4` (as much as was captured).
fn transport<'a>(p: &mut Packet<'a>, l4: &'a [u8], whole: bool) {
    match p.proto {
        Proto::TCP => {
            if let (Some(s), Some(d)) = (be16(l4, 0), be16(l4, 2)) {
                p.src_port = s;
                p.dst_port = d;
            }
            if let Some(&flags) = l4.get(13) {
                p.tcp_flags = flags;
            }
        }
        Proto::UDP | 136 => {
            if let (Some(s), Some(d)) = (be16(l4, 0), be16(l4, 2)) {
                p.src_port = s;
                p.dst_port = d;
            }
            if whole && p.proto == Proto::UDP {
                if let Some(len) = be16(l4, 4) {
                    let len = usize::from(len);
                    if len >= 8 && len <= l4.len() {
                        p.udp_payload = Some(&l4[8..len]);
                    }
                }
            }
        }
        // SCTP, DCCP.
        132 | 33 => {
            if let (Some(s), Some(d)) = (be16(l4, 0), be16(l4, 2)) {
                p.src_port = s;
                p.dst_port = d;
            }
        }
        Proto::ICMP | Proto::ICMPV6 => {
            if let Some(type_code) = be16(l4, 0) {
                p.dst_port = type_code;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn udp4(payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        let total = 20 + 8 + payload.len();
        f.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            1,
            0,
            0,
            64,
            17,
            0,
            0,
        ]);
        f.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 7]);
        let ulen = 8 + payload.len();
        f.extend_from_slice(&[0x04, 0xd2, 0x00, 0x35, (ulen >> 8) as u8, ulen as u8, 0, 0]);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn ethernet_udp_with_payload() {
        let f = udp4(b"hello");
        let p = parse(Link::Ethernet, &f).expect("ip");
        assert_eq!(p.src, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(p.dst, IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)));
        assert_eq!((p.proto, p.src_port, p.dst_port), (17, 1234, 53));
        assert_eq!(p.ip_len, 33);
        assert_eq!(p.udp_payload, Some(&b"hello"[..]));
        assert!(!p.fragment);
    }

    #[test]
    fn qinq_tags_are_skipped() {
        let plain = udp4(b"x");
        let mut f = plain[..12].to_vec();
        f.extend_from_slice(&[0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a]);
        f.extend_from_slice(&plain[12..]);
        let p = parse(Link::Ethernet, &f).expect("ip");
        assert_eq!((p.src_port, p.dst_port), (1234, 53));
    }

    #[test]
    fn non_first_fragment_has_no_ports() {
        let mut f = udp4(b"abcdefgh");
        f[14 + 6] = 0x00;
        f[14 + 7] = 0xb9; // offset 185 × 8
        let p = parse(Link::Ethernet, &f).expect("ip");
        assert!(p.fragment);
        assert_eq!((p.src_port, p.dst_port, p.udp_payload), (0, 0, None));
        // First fragment (more-fragments set): ports, but no payload to hand on.
        let mut f = udp4(b"abcdefgh");
        f[14 + 6] = 0x20;
        let p = parse(Link::Ethernet, &f).expect("ip");
        assert!(!p.fragment);
        assert_eq!((p.src_port, p.udp_payload), (1234, None));
    }

    #[test]
    fn ipv6_fragment_header_and_tcp() {
        let mut b = vec![0x60, 0, 0, 0, 0, 28, 44, 64];
        b.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        b.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        b.extend_from_slice(&[6, 0, 0, 1, 0, 0, 0, 7]); // fragment header: first, more follow
        b.extend_from_slice(&[0, 80, 0x1f, 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x12, 0, 0]);
        let p = parse(Link::RawIp, &b).expect("ip");
        assert_eq!(
            (p.proto, p.src_port, p.dst_port, p.tcp_flags),
            (6, 80, 8080, 0x12)
        );
        assert_eq!(p.ip_len, 68);
        b[40 + 3] = 0x08; // offset 1, non-first
        let p = parse(Link::Ipv6, &b).expect("ip");
        assert!(p.fragment);
        assert_eq!((p.proto, p.src_port), (6, 0));
    }

    #[test]
    fn never_panics_on_prefixes_and_noise() {
        let f = udp4(b"payload bytes");
        for link in [
            Link::Ethernet,
            Link::LinuxSll,
            Link::LinuxSll2,
            Link::RawIp,
            Link::Null,
            Link::Loop,
        ] {
            for n in 0..=f.len() {
                let _ = parse(link, &f[..n]);
            }
        }
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let n = (x % 96) as usize;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                v.push(x as u8);
            }
            if let Some(b) = v.first_mut() {
                *b = 0x45 + (x as u8 & 0x20);
            }
            let _ = parse(Link::RawIp, &v);
            let _ = parse(Link::Ethernet, &v);
        }
    }
}
