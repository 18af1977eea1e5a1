//! Address claims: which addresses and ranges an organisation may register, and how two
//! claims on one address are told apart.
//!
//! The registry decides which organisation an event, a listed Botnet address or a scanner
//! finding belongs to, so a registered address is a claim on other people's data. A claim on
//! a special range (the whole Internet, loopback, link-local, multicast, "this network",
//! reserved) would catch every unregistered sender and is refused outright.

use ipnet::IpNet;
use std::net::IpAddr;

/// Ranges nobody may register, with what they are (Vietnamese, English).
const SPECIAL: &[(&str, &str, &str)] = &[
    (
        "0.0.0.0/8",
        "mạng \"này\" (0.0.0.0/8)",
        "\"this network\" (0.0.0.0/8)",
    ),
    ("127.0.0.0/8", "địa chỉ loopback", "loopback"),
    ("169.254.0.0/16", "địa chỉ link-local", "link-local"),
    ("224.0.0.0/4", "địa chỉ multicast", "multicast"),
    ("240.0.0.0/4", "dải dự trữ/broadcast", "reserved/broadcast"),
    ("::/128", "địa chỉ không xác định", "unspecified address"),
    ("::1/128", "địa chỉ loopback", "loopback"),
    (
        "::ffff:0:0/96",
        "địa chỉ IPv4 ánh xạ",
        "IPv4-mapped addresses",
    ),
    ("fe80::/10", "địa chỉ link-local", "link-local"),
    ("ff00::/8", "địa chỉ multicast", "multicast"),
];

/// The special range `n` is or overlaps, if any: (Vietnamese, English) names.
fn special(n: &IpNet) -> Option<(&'static str, &'static str)> {
    SPECIAL.iter().find_map(|(cidr, vi, en)| {
        let s = cidr.parse::<IpNet>().ok()?;
        overlaps(n, &s).then_some((*vi, *en))
    })
}

/// Why a range may not be registered: it is (or covers) a special range, or it is broader
/// than an organisation can hold (shorter than /8 in IPv4, /16 in IPv6). `None` when it may.
pub fn refused_range(n: &IpNet) -> Option<(String, String)> {
    if let Some((vi, en)) = special(n) {
        return Some((
            format!("'{n}' là hoặc chứa {vi}, không đăng ký được"),
            format!("'{n}' is or contains {en}, which cannot be registered"),
        ));
    }
    let too_broad = match n {
        IpNet::V4(v) => v.prefix_len() < 8,
        IpNet::V6(v) => v.prefix_len() < 16,
    };
    too_broad.then(|| {
        (
            format!("'{n}' quá rộng để một đơn vị đăng ký"),
            format!("'{n}' is broader than one organisation can hold"),
        )
    })
}

/// Why an address may not be registered for a host, or `None`.
pub fn refused_address(ip: IpAddr) -> Option<(String, String)> {
    special(&IpNet::from(ip)).map(|(vi, en)| {
        (
            format!("'{ip}' là {vi}, không đăng ký được"),
            format!("'{ip}' is {en}, which cannot be registered"),
        )
    })
}

/// Whether two ranges share an address.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(b) || b.contains(a)
}

/// One registered claim on an address or range, as the resolver sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// The record (host or network) id: lower is older.
    pub id: i64,
    /// The organisation that holds it.
    pub org_id: i64,
    /// Registered (or last confirmed) by the DIC.
    pub approved: bool,
    /// Prefix length (32 or 128 for a host address).
    pub prefix: u8,
}

impl Claim {
    /// The order in which claims on one address win: DIC-approved first, then the most
    /// specific, then the oldest — so a newer claimant never takes an address from an older
    /// one by registering it too.
    pub fn rank(&self) -> (bool, u8, std::cmp::Reverse<i64>) {
        (self.approved, self.prefix, std::cmp::Reverse(self.id))
    }
}

/// The winning claim among several on one address (see [`Claim::rank`]).
pub fn best_claim<'a>(claims: impl IntoIterator<Item = &'a Claim>) -> Option<&'a Claim> {
    claims.into_iter().max_by_key(|c| c.rank())
}

/// The addresses a host record lists (its `ips` field: comma-separated once validated; `;` and
/// spaces are read too). The one place that text is read.
pub fn host_addresses(ips: &str) -> impl Iterator<Item = IpAddr> + '_ {
    ips.split([',', ';', ' '])
        .filter_map(|p| p.trim().parse::<IpAddr>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().expect("net")
    }

    #[test]
    fn special_and_broad_ranges_are_refused() {
        for s in [
            "0.0.0.0/0",
            "0.0.0.0/1",
            "127.0.0.1/32",
            "127.0.0.0/8",
            "169.254.1.0/24",
            "224.0.0.0/4",
            "255.255.255.255/32",
            "::/0",
            "::1/128",
            "fe80::/64",
            "ff02::1/128",
            "::ffff:0:0/96",
            "10.0.0.0/7",
            "2001::/15",
        ] {
            assert!(refused_range(&net(s)).is_some(), "{s}");
        }
        for s in [
            "10.0.0.0/8",
            "10.213.0.0/16",
            "192.0.2.0/24",
            "100.64.0.0/10",
            "203.0.113.7/32",
            "2001:db8::/32",
        ] {
            assert_eq!(refused_range(&net(s)), None, "{s}");
        }
        assert!(refused_address("127.0.0.1".parse().expect("ip")).is_some());
        assert!(refused_address("::".parse().expect("ip")).is_some());
        assert!(refused_address("10.1.2.3".parse().expect("ip")).is_none());
    }

    #[test]
    fn approved_then_specific_then_oldest() {
        let c = |id, org, approved, prefix| Claim {
            id,
            org_id: org,
            approved,
            prefix,
        };
        // A newer, more specific but unapproved claim does not take an approved range.
        let claims = [c(1, 10, true, 24), c(9, 20, false, 32)];
        assert_eq!(best_claim(&claims).map(|c| c.org_id), Some(10));
        // Among approved ones the most specific wins.
        let claims = [c(1, 10, true, 24), c(2, 11, true, 26)];
        assert_eq!(best_claim(&claims).map(|c| c.org_id), Some(11));
        // A tie goes to the older claim, never to the newer one.
        let claims = [c(5, 10, false, 32), c(7, 20, false, 32)];
        assert_eq!(best_claim(&claims).map(|c| c.org_id), Some(10));
        let claims = [c(7, 20, false, 32), c(5, 10, false, 32)];
        assert_eq!(best_claim(&claims).map(|c| c.org_id), Some(10));
    }
}
