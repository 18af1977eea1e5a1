//! Finds listed addresses in text. Only whole addresses count: `11.2.3.45` does not match
//! `1.2.3.4`, nor does `1.2.3.4.5` (not an address) or `x1.2.3.4`; `SRC=1.2.3.4:443`,
//! `[2001:db8::1]:443` and `"1.2.3.4",` do.
//!
//! How: the scanner jumps with `memchr2` to each `.` or `:` (every address has one), widens
//! to the run of hex digits, dots and colons around it, and parses that run once. Runs never
//! cross a newline, so a whole buffer is scanned at once and line numbers are counted only
//! for hits.

use crate::set::IpSet;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr};

/// One listed address found in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Byte offset of the address in the text.
    pub offset: usize,
    /// Its length in bytes.
    pub len: usize,
    /// The address.
    pub ip: IpAddr,
    /// The list entry that contains it.
    pub entry: IpNet,
}

const SPAN: u8 = 1;
const WORD: u8 = 2;

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let hex = c.is_ascii_hexdigit();
        if hex || c == b'.' || c == b':' {
            t[i] |= SPAN;
        }
        if c.is_ascii_alphanumeric() || c == b'_' {
            t[i] |= WORD;
        }
        i += 1;
    }
    t
}

static CLASS: [u8; 256] = classes();

#[inline]
fn is_span(b: u8) -> bool {
    CLASS[b as usize] & SPAN != 0
}

#[inline]
fn is_word(b: u8) -> bool {
    CLASS[b as usize] & WORD != 0
}

/// Parses a strict dotted quad (four groups of 1–3 digits, each at most 255).
#[inline]
fn parse_v4(s: &[u8]) -> Option<u32> {
    let mut out: u32 = 0;
    let mut groups = 0;
    let mut i = 0;
    while i < s.len() {
        let mut v: u32 = 0;
        let mut digits = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            v = v * 10 + u32::from(s[i] - b'0');
            digits += 1;
            i += 1;
            if digits > 3 {
                return None;
            }
        }
        // No leading zeros: `01.2.3.4` is not written by anyone meaning 1.2.3.4.
        if digits == 0 || v > 255 || (digits > 1 && s[i - digits] == b'0') {
            return None;
        }
        out = (out << 8) | v;
        groups += 1;
        if i == s.len() {
            break;
        }
        if s[i] != b'.' || groups == 4 {
            return None;
        }
        i += 1;
        if i == s.len() {
            return None;
        }
    }
    (groups == 4).then_some(out)
}

/// Calls `on_hit` for every listed address in `hay`, in order.
pub fn scan<F: FnMut(Hit)>(set: &IpSet, hay: &[u8], mut on_hit: F) {
    let n = hay.len();
    let mut pos = 0;
    while pos < n {
        let Some(k) = memchr::memchr2(b'.', b':', &hay[pos..]) else {
            break;
        };
        let t = pos + k;
        let mut start = t;
        while start > pos && is_span(hay[start - 1]) {
            start -= 1;
        }
        let mut end = t + 1;
        while end < n && is_span(hay[end]) {
            end += 1;
        }
        span(set, hay, start, end, &mut on_hit);
        pos = end;
    }
}

#[inline]
fn span<F: FnMut(Hit)>(set: &IpSet, hay: &[u8], start: usize, end: usize, on_hit: &mut F) {
    let left_ok = start == 0 || !is_word(hay[start - 1]);
    let right_ok = end == hay.len() || !is_word(hay[end]);
    // Trailing dots end sentences ("… from 1.2.3.4."), they are not part of the address.
    let mut e = end;
    while e > start && hay[e - 1] == b'.' {
        e -= 1;
    }
    let s = &hay[start..e];
    // One pass over the (short) run: how many colons, and whether two are adjacent.
    let mut colons = 0;
    let mut double = false;
    let mut prev = 0u8;
    for &b in s {
        if b == b':' {
            colons += 1;
            double |= prev == b':';
        }
        prev = b;
    }
    if colons == 0 {
        if left_ok && (right_ok || e < end) {
            try_v4(set, s, start, on_hit);
        }
        return;
    }
    if colons >= 2 && left_ok && (right_ok || e < end) && (colons == 7 || double) {
        if let Some(a) = std::str::from_utf8(s)
            .ok()
            .and_then(|t| t.parse::<Ipv6Addr>().ok())
        {
            let ip = IpAddr::V6(a);
            if let Some(entry) = set.lookup(ip) {
                on_hit(Hit {
                    offset: start,
                    len: s.len(),
                    ip,
                    entry,
                });
            }
            return;
        }
    }
    // Not IPv6: look for dotted quads between the colons (`1.2.3.4:443`, `host:1.2.3.4`).
    let mut piece_start = 0;
    for (i, &b) in s
        .iter()
        .enumerate()
        .chain(std::iter::once((s.len(), &b':')))
    {
        if b != b':' {
            continue;
        }
        let piece = &s[piece_start..i];
        let lok = piece_start > 0 || left_ok;
        let rok = i < s.len() || right_ok || e < end;
        if lok && rok && piece.len() >= 7 {
            try_v4(set, piece, start + piece_start, on_hit);
        }
        piece_start = i + 1;
    }
}

#[inline]
fn try_v4<F: FnMut(Hit)>(set: &IpSet, s: &[u8], offset: usize, on_hit: &mut F) {
    if s.len() < 7 || s.len() > 15 {
        return;
    }
    if let Some(a) = parse_v4(s) {
        if let Some(entry) = set.lookup_v4(a) {
            on_hit(Hit {
                offset,
                len: s.len(),
                ip: IpAddr::V4(a.into()),
                entry,
            });
        }
    }
}

/// Counts newlines in `hay[from..to]`, to turn hit offsets into line numbers.
pub fn count_lines(hay: &[u8], from: usize, to: usize) -> usize {
    memchr::memchr_iter(b'\n', &hay[from.min(to)..to.min(hay.len())]).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> IpSet {
        let mut s = IpSet::new();
        for i in items {
            s.insert(
                i.parse::<IpNet>()
                    .unwrap_or_else(|_| IpNet::from(i.parse::<IpAddr>().expect("ip"))),
            );
        }
        s
    }

    fn hits(s: &IpSet, text: &str) -> Vec<String> {
        let mut out = vec![];
        scan(s, text.as_bytes(), |h| {
            assert_eq!(
                &text[h.offset..h.offset + h.len].to_lowercase(),
                &h.ip.to_string(),
                "offset of {h:?}"
            );
            out.push(format!("{}={}", h.ip, crate::display_net(&h.entry)))
        });
        out
    }

    #[test]
    fn whole_addresses_only() {
        let s = set(&["1.2.3.4"]);
        assert_eq!(
            hits(
                &s,
                "11.2.3.45 1.2.3.45 11.2.3.4 x1.2.3.4 1.2.3.4x 1.2.3.4.5 01.2.3.4"
            ),
            Vec::<String>::new()
        );
        assert_eq!(hits(&s, "1.2.3.4"), vec!["1.2.3.4=1.2.3.4"]);
        assert_eq!(
            hits(&s, "SRC=1.2.3.4 \"1.2.3.4\", 1.2.3.4:443 [1.2.3.4] from 1.2.3.4. host:1.2.3.4 (1.2.3.4)"),
            vec!["1.2.3.4=1.2.3.4"; 7]
        );
    }

    #[test]
    fn cidr_and_ipv6() {
        let s = set(&["198.51.100.0/24", "2001:db8::/32", "2001:db8:0:1::7"]);
        assert_eq!(
            hits(&s, "a 198.51.100.250 b [2001:db8:0:1::7]:443 c 2001:DB8:ffff::1. d ::ffff:198.51.100.3 e 2001:db9::1"),
            vec!["198.51.100.250=198.51.100.0/24", "2001:db8:0:1::7=2001:db8:0:1::7", "2001:db8:ffff::1=2001:db8::/32", "::ffff:198.51.100.3=198.51.100.0/24"]
        );
    }

    #[test]
    fn timestamps_macs_and_versions_are_not_addresses() {
        let s = set(&["0.0.0.0/0", "::/0"]);
        assert_eq!(hits(&s, "Apr 29 10:00:01 MAC=52:54:00:12:34:56 ver 1.2.3 2024-04-27T10:00:01.123Z sha=deadbeef.cafe"), Vec::<String>::new());
        assert_eq!(hits(&s, "fe80::1%eth0"), vec!["fe80::1=::/0"]);
    }

    #[test]
    fn parse_v4_is_strict() {
        assert_eq!(parse_v4(b"255.255.255.255"), Some(u32::MAX));
        for bad in [
            &b"256.1.1.1"[..],
            b"1.2.3",
            b"1..2.3",
            b"1.2.3.4.",
            b"1.2.3.4.5",
            b"1234.1.1.1",
            b".1.2.3",
        ] {
            assert_eq!(parse_v4(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn line_numbers_from_offsets() {
        let text = b"a\nb 1.2.3.4\nc\n";
        let s = set(&["1.2.3.4"]);
        let mut off = 0;
        scan(&s, text, |h| off = h.offset);
        assert_eq!(1 + count_lines(text, 0, off), 2);
    }
}
