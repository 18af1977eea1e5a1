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
        for (id, org, name, _ips, approved) in store.host_directory().await? {
            names
                .entry(name.trim().to_lowercase())
                .or_default()
                .push((approved, id, org));
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
