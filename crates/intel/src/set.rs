//! An exact set of IPv4/IPv6 addresses and networks with longest-prefix lookup.
//!
//! IPv4 lookups first consult a 2 MiB bitmap of the /24 blocks that hold any entry, so the
//! common case — an address that is not listed — costs one memory read.

use crate::list::{Indicator, ListEntry};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use rustc_hash::FxHashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Listed addresses and networks.
#[derive(Clone)]
pub struct IpSet {
    blocks24: Vec<u64>,
    v4_exact: FxHashSet<u32>,
    v4_nets: Vec<(u8, FxHashSet<u32>)>,
    v6_exact: FxHashSet<u128>,
    v6_nets: Vec<(u8, FxHashSet<u128>)>,
    len: usize,
}

impl Default for IpSet {
    fn default() -> Self {
        IpSet::new()
    }
}

fn mask4(p: u8) -> u32 {
    if p == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(p))
    }
}

fn mask6(p: u8) -> u128 {
    if p == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(p))
    }
}

impl IpSet {
    /// An empty set.
    pub fn new() -> IpSet {
        IpSet {
            blocks24: vec![0; (1 << 24) / 64],
            v4_exact: FxHashSet::default(),
            v4_nets: Vec::new(),
            v6_exact: FxHashSet::default(),
            v6_nets: Vec::new(),
            len: 0,
        }
    }

    /// A set of every address and network of the entries (domains are skipped).
    pub fn from_entries(entries: &[ListEntry]) -> IpSet {
        let mut s = IpSet::new();
        s.v4_exact.reserve(entries.len());
        for e in entries {
            if let Indicator::Net(n) = &e.indicator {
                s.insert(*n);
            }
        }
        s
    }

    /// How many distinct entries the set holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn mark_blocks(&mut self, net: u32, prefix: u8) {
        let first = net >> 8;
        let count: u32 = if prefix >= 24 { 1 } else { 1 << (24 - prefix) };
        for b in first..first.saturating_add(count) {
            self.blocks24[(b >> 6) as usize] |= 1 << (b & 63);
        }
    }

    /// Adds an address or network (host bits are ignored).
    pub fn insert(&mut self, net: IpNet) {
        let added = match net.trunc() {
            IpNet::V4(n) => {
                let p = n.prefix_len();
                let a = u32::from(n.network());
                self.mark_blocks(a, p);
                if p == 32 {
                    self.v4_exact.insert(a)
                } else {
                    let i = match self.v4_nets.iter().position(|(q, _)| *q == p) {
                        Some(i) => i,
                        None => {
                            self.v4_nets.push((p, FxHashSet::default()));
                            // Longest prefixes first, so the first hit is the most specific.
                            self.v4_nets.sort_by_key(|e| std::cmp::Reverse(e.0));
                            self.v4_nets.iter().position(|(q, _)| *q == p).unwrap_or(0)
                        }
                    };
                    self.v4_nets[i].1.insert(a)
                }
            }
            IpNet::V6(n) => {
                let p = n.prefix_len();
                let a = u128::from(n.network());
                if p == 128 {
                    self.v6_exact.insert(a)
                } else {
                    let i = match self.v6_nets.iter().position(|(q, _)| *q == p) {
                        Some(i) => i,
                        None => {
                            self.v6_nets.push((p, FxHashSet::default()));
                            self.v6_nets.sort_by_key(|e| std::cmp::Reverse(e.0));
                            self.v6_nets.iter().position(|(q, _)| *q == p).unwrap_or(0)
                        }
                    };
                    self.v6_nets[i].1.insert(a)
                }
            }
        };
        if added {
            self.len += 1;
        }
    }

    /// The most specific entry containing an IPv4 address.
    #[inline]
    pub fn lookup_v4(&self, ip: u32) -> Option<IpNet> {
        let b = ip >> 8;
        if self.blocks24[(b >> 6) as usize] & (1 << (b & 63)) == 0 {
            return None;
        }
        if self.v4_exact.contains(&ip) {
            return Some(IpNet::V4(Ipv4Net::from(Ipv4Addr::from(ip))));
        }
        for (p, set) in &self.v4_nets {
            let net = ip & mask4(*p);
            if set.contains(&net) {
                return Ipv4Net::new(Ipv4Addr::from(net), *p).ok().map(IpNet::V4);
            }
        }
        None
    }

    /// The most specific entry containing an IPv6 address.
    pub fn lookup_v6(&self, ip: u128) -> Option<IpNet> {
        if self.v6_exact.contains(&ip) {
            return Some(IpNet::V6(Ipv6Net::from(Ipv6Addr::from(ip))));
        }
        for (p, set) in &self.v6_nets {
            let net = ip & mask6(*p);
            if set.contains(&net) {
                return Ipv6Net::new(Ipv6Addr::from(net), *p).ok().map(IpNet::V6);
            }
        }
        None
    }

    /// The most specific entry containing an address.
    pub fn lookup(&self, ip: IpAddr) -> Option<IpNet> {
        match ip {
            IpAddr::V4(a) => self.lookup_v4(u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => self.lookup_v4(u32::from(v4)),
                None => self.lookup_v6(u128::from(a)),
            },
        }
    }

    /// Whether any entry overlaps a network (for matching registered ranges): an entry inside
    /// it, or an entry containing it. Returns the overlapping entries, at most `limit`.
    pub fn overlapping(&self, range: IpNet, limit: usize) -> Vec<IpNet> {
        let mut out = Vec::new();
        let range = range.trunc();
        match range {
            IpNet::V4(r) => {
                let lo = u32::from(r.network());
                let hi = u32::from(r.broadcast());
                if let Some(e) = self
                    .lookup_v4(lo)
                    .filter(|e| e.prefix_len() <= r.prefix_len())
                {
                    out.push(e);
                }
                // Entries inside the range: exact addresses and narrower networks.
                if u64::from(hi - lo) < 1 << 20 {
                    for a in lo..=hi {
                        if out.len() >= limit {
                            break;
                        }
                        if self.v4_exact.contains(&a) {
                            out.push(IpNet::V4(Ipv4Net::from(Ipv4Addr::from(a))));
                        }
                    }
                } else {
                    for &a in &self.v4_exact {
                        if (lo..=hi).contains(&a) && out.len() < limit {
                            out.push(IpNet::V4(Ipv4Net::from(Ipv4Addr::from(a))));
                        }
                    }
                }
                for (p, set) in &self.v4_nets {
                    if *p <= r.prefix_len() {
                        continue;
                    }
                    for &n in set {
                        if (lo..=hi).contains(&n) && out.len() < limit {
                            out.extend(Ipv4Net::new(Ipv4Addr::from(n), *p).ok().map(IpNet::V4));
                        }
                    }
                }
            }
            IpNet::V6(r) => {
                if let Some(e) = self
                    .lookup_v6(u128::from(r.network()))
                    .filter(|e| e.prefix_len() <= r.prefix_len())
                {
                    out.push(e);
                }
                for &a in &self.v6_exact {
                    if r.contains(&Ipv6Addr::from(a)) && out.len() < limit {
                        out.push(IpNet::V6(Ipv6Net::from(Ipv6Addr::from(a))));
                    }
                }
                for (p, set) in &self.v6_nets {
                    if *p <= r.prefix_len() {
                        continue;
                    }
                    for &n in set {
                        if r.contains(&Ipv6Addr::from(n)) && out.len() < limit {
                            out.extend(Ipv6Net::new(Ipv6Addr::from(n), *p).ok().map(IpNet::V6));
                        }
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
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

    #[test]
    fn exact_and_longest_prefix() {
        let s = set(&[
            "203.0.113.7",
            "198.51.100.0/24",
            "198.51.100.128/25",
            "10.0.0.0/8",
            "2001:db8::/32",
            "2001:db8::1",
        ]);
        assert_eq!(s.len(), 6);
        let look = |ip: &str| {
            s.lookup(ip.parse().expect("ip"))
                .map(|n| crate::display_net(&n))
        };
        assert_eq!(look("203.0.113.7").as_deref(), Some("203.0.113.7"));
        assert_eq!(look("203.0.113.8"), None);
        assert_eq!(look("198.51.100.200").as_deref(), Some("198.51.100.128/25"));
        assert_eq!(look("198.51.100.5").as_deref(), Some("198.51.100.0/24"));
        assert_eq!(look("10.213.4.5").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(look("2001:db8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(look("2001:db8:ffff::9").as_deref(), Some("2001:db8::/32"));
        assert_eq!(look("2001:db9::1"), None);
        assert_eq!(
            look("::ffff:203.0.113.7").as_deref(),
            Some("203.0.113.7"),
            "v4-mapped v6"
        );
    }

    #[test]
    fn duplicates_count_once_and_host_bits_are_ignored() {
        let s = set(&["198.51.100.77/24", "198.51.100.0/24", "1.2.3.4", "1.2.3.4"]);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn overlapping_ranges() {
        let s = set(&[
            "203.0.113.7",
            "203.0.113.64/26",
            "10.0.0.0/8",
            "2001:db8:1::5",
        ]);
        let found = |r: &str| {
            s.overlapping(r.parse().expect("net"), 10)
                .iter()
                .map(crate::display_net)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found("203.0.113.0/24"),
            vec!["203.0.113.7", "203.0.113.64/26"]
        );
        assert_eq!(found("10.213.0.0/16"), vec!["10.0.0.0/8"]);
        assert_eq!(found("192.0.2.0/24"), Vec::<String>::new());
        assert_eq!(found("2001:db8:1::/48"), vec!["2001:db8:1::5"]);
    }
}
