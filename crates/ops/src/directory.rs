//! Which organisation (and host) an event belongs to, decided from the registry.
//!
//! The order, strongest evidence first (ARCHITECTURE.md, "How an event's organisation is
//! decided"):
//!
//! 1. **An authenticated sender** (an API token or session over HTTP): the event stays inside
//!    the sender's scope. Its host name or address is looked up among the sender's own
//!    organisations only; what is not found there is filed under the sender's organisation.
//! 2. **The sender's address** (the network peer of a syslog connection or datagram): the
//!    registered claim that holds it — a host address or a range — decides the organisation.
//!    The host name in the line then only picks a host *inside* that organisation's subtree
//!    (so a relay of the DIC may forward any host's lines, an agency's relay only its own).
//! 3. **The host name in the line**, only for senders whose address nobody registered: the
//!    host of that name (an address written as the name is looked up as an address).
//!
//! Listeners carry no organisation of their own: every syslog listener serves the province.
//! When claims collide, the DIC-approved one wins, then the most specific, then the oldest
//! (`canhgac_domain::net::Claim::rank`): registering a copy of someone's host name or address
//! never moves their events to the newer claimant.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use canhgac_domain::net::{best_claim, Claim};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_store::{Store, StoreError};

/// A resolved (host, organisation).
pub type HostOrg = (Option<i64>, Option<i64>);

/// A snapshot of the registry's claims, refreshed by its owner.
#[derive(Default)]
pub struct Directory {
    /// Lower-case host name → hosts of that name as (host, org), best claim first.
    by_name: HashMap<String, Vec<(i64, i64)>>,
    /// Host address → its claims (one per host listing it).
    by_ip: HashMap<IpAddr, Vec<Claim>>,
    /// Registered ranges with their claims.
    nets: Vec<(ipnet::IpNet, Claim)>,
    /// Organisation → parent.
    parent: HashMap<i64, Option<i64>>,
    /// Host → its name as registered.
    names: HashMap<i64, String>,
    /// When read (Unix ms).
    pub loaded_at: i64,
}

impl Directory {
    /// Reads the registry.
    pub async fn load(store: &Store) -> Result<Directory, StoreError> {
        let mut d = Directory {
            loaded_at: now_ms(),
            ..Default::default()
        };
        let mut names: HashMap<String, Vec<(bool, i64, i64)>> = HashMap::new();
        for h in store.host_entries().await? {
            d.names.insert(h.id, h.hostname.clone());
            names
                .entry(h.hostname.trim().to_lowercase())
                .or_default()
                .push((h.approved != 0, h.id, h.org_id));
        }
        for (name, mut hosts) in names {
            // Approved first, then oldest.
            hosts.sort_by_key(|&(approved, id, _)| (!approved, id));
            d.by_name.insert(
                name,
                hosts.into_iter().map(|(_, id, org)| (id, org)).collect(),
            );
        }
        for c in store.address_claims().await? {
            if c.kind == canhgac_domain::EntityKind::Host {
                d.by_ip.entry(c.net.addr()).or_default().push(c.claim);
            } else {
                d.nets.push((c.net, c.claim));
            }
        }
        d.parent = store.org_tree().await?.into_iter().collect();
        Ok(d)
    }

    /// The host and organisation of an event (see the module's order). `owner` is the scope of
    /// an authenticated sender.
    pub fn resolve(
        &self,
        host: Option<&str>,
        peer: Option<IpAddr>,
        owner: Option<&Scope>,
    ) -> HostOrg {
        let name = host.map(normalise).filter(|h| !h.is_empty());
        if let Some(scope) = owner {
            let inside = |org: i64| scope.contains(org);
            if let Some(h) = name.as_deref() {
                if let Some(got) = self.by_host_name(h, &inside) {
                    return got;
                }
            }
            return peer
                .and_then(|ip| self.by_address(ip, &inside))
                .unwrap_or((None, None));
        }
        let anywhere = |_: i64| true;
        if let Some(ip) = peer {
            if let Some((host_id, Some(org))) = self.by_address(ip, &anywhere) {
                let below = |o: i64| self.is_within(o, org);
                if let Some(h) = name.as_deref() {
                    if let Some(got) = self.by_host_name(h, &below) {
                        return got;
                    }
                }
                return (host_id, Some(org));
            }
        }
        name.as_deref()
            .and_then(|h| self.by_host_name(h, &anywhere))
            .unwrap_or((None, None))
    }

    /// A registered host of `scope` by address (a host's own address, not a range), else by
    /// name (full, then its first label): how a scanner's or an agent's report names a host.
    pub fn host_in(
        &self,
        ip: Option<IpAddr>,
        name: Option<&str>,
        scope: &Scope,
    ) -> Option<(i64, i64)> {
        let inside = |org: i64| scope.contains(org);
        let by_ip = ip
            .and_then(|ip| self.by_address(ip, &inside))
            .and_then(|(h, o)| Some((h?, o?)));
        by_ip.or_else(|| {
            let n = normalise(name?);
            match self.by_host_name(&n, &inside)? {
                (Some(h), Some(o)) => Some((h, o)),
                _ => None,
            }
        })
    }

    /// The winning claim on `ip` among the organisations of `scope`: (the host when a host's
    /// own address, its organisation).
    pub fn address_in(&self, ip: IpAddr, scope: &Scope) -> Option<(Option<i64>, i64)> {
        let (h, o) = self.by_address(ip, &|org| scope.contains(org))?;
        Some((h, o?))
    }

    /// A host's name as registered.
    pub fn host_name(&self, host: i64) -> Option<&str> {
        self.names.get(&host).map(String::as_str)
    }

    /// The organisation whose claim on `ip` wins, and the host when a host's own address: how
    /// a Botnet list's or a flow's address is attributed.
    pub fn owner_of(&self, ip: IpAddr) -> Option<(Option<i64>, i64)> {
        let (h, o) = self.by_address(ip, &|_| true)?;
        Some((h, o?))
    }

    /// A host by name (full, then its first label), or by an address written as the name;
    /// only among organisations `allowed` accepts.
    fn by_host_name(&self, h: &str, allowed: &dyn Fn(i64) -> bool) -> Option<HostOrg> {
        let short = h.split('.').next().unwrap_or(h);
        for key in [h, short] {
            if let Some(&(id, org)) = self
                .by_name
                .get(key)
                .and_then(|hosts| hosts.iter().find(|(_, org)| allowed(*org)))
            {
                return Some((Some(id), Some(org)));
            }
        }
        h.parse::<IpAddr>()
            .ok()
            .and_then(|ip| self.by_address(ip, allowed))
            .filter(|(host, _)| host.is_some())
    }

    /// The winning claim on an address among `allowed` organisations: a host (host and
    /// organisation) or a range (organisation only).
    fn by_address(&self, ip: IpAddr, allowed: &dyn Fn(i64) -> bool) -> Option<HostOrg> {
        let hosts = self.by_ip.get(&ip).map(Vec::as_slice).unwrap_or(&[]);
        let nets = self
            .nets
            .iter()
            .filter(|(n, _)| n.contains(&ip))
            .map(|(_, c)| c);
        let best = best_claim(hosts.iter().chain(nets).filter(|c| allowed(c.org_id)))?;
        let is_host = hosts.iter().any(|c| std::ptr::eq(c, best));
        Some((is_host.then_some(best.id), Some(best.org_id)))
    }

    /// Whether `org` is `root` or below it.
    fn is_within(&self, org: i64, root: i64) -> bool {
        let mut at = Some(org);
        for _ in 0..64 {
            match at {
                Some(o) if o == root => return true,
                Some(o) => at = self.parent.get(&o).copied().flatten(),
                None => return false,
            }
        }
        false
    }
}

fn normalise(h: &str) -> Cow<'_, str> {
    let h = h.trim();
    if h.bytes().any(|b| b.is_ascii_uppercase()) || !h.is_ascii() {
        Cow::Owned(h.to_lowercase())
    } else {
        Cow::Borrowed(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DIC 1 → SYT 2 → SYT-BV 3; TAMDUONG 4.
    fn dir() -> Directory {
        let c = |id, org, approved, prefix| Claim {
            id,
            org_id: org,
            approved,
            prefix,
        };
        let mut d = Directory {
            parent: [(1, None), (2, Some(1)), (3, Some(2)), (4, Some(1))]
                .into_iter()
                .collect(),
            ..Default::default()
        };
        // SYT's server (old, approved) and a copy of its name by TAMDUONG (newer).
        d.by_name.insert("syt-app02".into(), vec![(10, 2), (99, 4)]);
        d.by_name.insert("bv-web".into(), vec![(11, 3)]);
        d.by_name.insert("td-web".into(), vec![(12, 4)]);
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        d.by_ip.insert(ip("203.0.113.10"), vec![c(10, 2, true, 32)]);
        d.by_ip.insert(ip("192.0.2.5"), vec![c(12, 4, true, 32)]);
        let net = |s: &str| s.parse::<ipnet::IpNet>().expect("net");
        d.nets.push((net("203.0.113.0/24"), c(1, 2, true, 24)));
        // A legacy unapproved /25 of TAMDUONG inside SYT's approved range.
        d.nets.push((net("203.0.113.0/25"), c(2, 4, false, 25)));
        d.nets.push((net("10.213.0.0/16"), c(3, 1, true, 16)));
        d
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn the_sender_address_decides_and_the_name_only_picks_a_host_inside() {
        let d = dir();
        // SYT's own server: its address wins over the newer copy of its name.
        assert_eq!(
            d.resolve(Some("syt-app02"), ip("203.0.113.10"), None),
            (Some(10), Some(2))
        );
        // From SYT's range, a name of TAMDUONG's is not believed: SYT's, no host.
        assert_eq!(
            d.resolve(Some("td-web"), ip("203.0.113.50"), None),
            (None, Some(2))
        );
        // SYT's sub-unit's host from SYT's range: inside its subtree, so that host.
        assert_eq!(
            d.resolve(Some("bv-web"), ip("203.0.113.50"), None),
            (Some(11), Some(3))
        );
        // A DIC relay forwards any host's lines.
        assert_eq!(
            d.resolve(Some("td-web"), ip("10.213.1.1"), None),
            (Some(12), Some(4))
        );
    }

    #[test]
    fn an_unregistered_sender_is_routed_by_name_to_the_oldest_claim() {
        let d = dir();
        assert_eq!(
            d.resolve(Some("SYT-APP02.example.vn"), ip("127.0.0.1"), None),
            (Some(10), Some(2)),
            "never to the newer claimant of the name"
        );
        assert_eq!(d.resolve(None, ip("127.0.0.1"), None), (None, None));
        // An address written as the host name.
        assert_eq!(
            d.resolve(Some("192.0.2.5"), None, None),
            (Some(12), Some(4))
        );
    }

    #[test]
    fn an_authenticated_sender_stays_inside_its_scope() {
        let d = dir();
        let td = Scope::Orgs([4].into_iter().collect());
        // TAMDUONG names SYT's host: not found in its scope (the caller files it under
        // TAMDUONG, without SYT's host).
        assert_eq!(
            d.resolve(Some("syt-app02"), None, Some(&td)),
            (Some(99), Some(4))
        );
        assert_eq!(d.resolve(Some("bv-web"), None, Some(&td)), (None, None));
        assert_eq!(
            d.resolve(None, ip("203.0.113.10"), Some(&td)),
            (None, Some(4)),
            "only its own (unapproved) range inside SYT's"
        );
    }

    #[test]
    fn an_approved_range_wins_over_a_newer_unapproved_one_inside_it() {
        let d = dir();
        assert_eq!(d.resolve(None, ip("203.0.113.20"), None), (None, Some(2)));
    }
}
