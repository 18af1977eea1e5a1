//! Longest-prefix match over the protected prefixes: one hash probe per distinct prefix
//! length present, longest first (a province has a handful of lengths).

use std::net::IpAddr;

use rustc_hash::FxHashMap;

/// Prefixes by length, each mapped to its index in the caller's list.
#[derive(Debug, Default, Clone)]
pub struct PrefixTable {
    v4: Vec<(u8, FxHashMap<u32, usize>)>,
    v6: Vec<(u8, FxHashMap<u128, usize>)>,
}

fn mask4(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

fn mask6(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    }
}

impl PrefixTable {
    /// A table of `nets`; where two entries are the same prefix, the first wins.
    pub fn new(nets: &[ipnet::IpNet]) -> PrefixTable {
        let mut t = PrefixTable::default();
        for (i, net) in nets.iter().enumerate() {
            match net.trunc() {
                ipnet::IpNet::V4(n) => {
                    let len = n.prefix_len();
                    let key = u32::from(n.network());
                    let slot = match t.v4.iter().position(|(l, _)| *l == len) {
                        Some(p) => p,
                        None => {
                            t.v4.push((len, FxHashMap::default()));
                            t.v4.len() - 1
                        }
                    };
                    t.v4[slot].1.entry(key).or_insert(i);
                }
                ipnet::IpNet::V6(n) => {
                    let len = n.prefix_len();
                    let key = u128::from(n.network());
                    let slot = match t.v6.iter().position(|(l, _)| *l == len) {
                        Some(p) => p,
                        None => {
                            t.v6.push((len, FxHashMap::default()));
                            t.v6.len() - 1
                        }
                    };
                    t.v6[slot].1.entry(key).or_insert(i);
                }
            }
        }
        t.v4.sort_by_key(|e| std::cmp::Reverse(e.0));
        t.v6.sort_by_key(|e| std::cmp::Reverse(e.0));
        t
    }

    /// The index of the longest prefix holding `ip`.
    #[inline]
    pub fn lookup(&self, ip: IpAddr) -> Option<usize> {
        match ip {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                self.v4
                    .iter()
                    .find_map(|(len, m)| m.get(&(a & mask4(*len))).copied())
            }
            IpAddr::V6(a) => {
                if let Some(v4) = a.to_ipv4_mapped() {
                    return self.lookup(IpAddr::V4(v4));
                }
                let a = u128::from(a);
                self.v6
                    .iter()
                    .find_map(|(len, m)| m.get(&(a & mask6(*len))).copied())
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins() {
        let nets: Vec<ipnet::IpNet> = [
            "10.0.0.0/8",
            "10.1.0.0/16",
            "10.1.2.3/32",
            "2001:db8::/32",
            "0.0.0.0/0",
        ]
        .iter()
        .map(|s| s.parse().expect("net"))
        .collect();
        let t = PrefixTable::new(&nets);
        let l = |s: &str| t.lookup(s.parse().expect("ip"));
        assert_eq!(l("10.1.2.3"), Some(2));
        assert_eq!(l("10.1.2.4"), Some(1));
        assert_eq!(l("10.2.0.1"), Some(0));
        assert_eq!(l("8.8.8.8"), Some(4));
        assert_eq!(l("2001:db8::1"), Some(3));
        assert_eq!(l("2001:db9::1"), None);
        assert_eq!(l("::ffff:10.1.2.3"), Some(2));
    }
}
