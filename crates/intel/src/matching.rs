//! Matching a list against the province's registry: which organisation, which host, which
//! system each listed address belongs to.

use crate::list::{Indicator, ListEntry};
use crate::set::IpSet;
use ipnet::IpNet;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A registered host and its addresses.
#[derive(Debug, Clone)]
pub struct RegisteredHost {
    /// Host id.
    pub id: i64,
    /// Owning organisation.
    pub org_id: i64,
    /// Its addresses.
    pub ips: Vec<IpAddr>,
    /// Security level of its information system, if any.
    pub level: Option<i64>,
}

/// A registered range of an organisation.
#[derive(Debug, Clone)]
pub struct RegisteredNet {
    /// Owning organisation.
    pub org_id: i64,
    /// The range.
    pub net: IpNet,
}

/// One listed entry that falls on an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Index of the entry in the list.
    pub entry: usize,
    /// The entry, normalised.
    pub value: String,
    /// The organisation.
    pub org_id: i64,
    /// The host whose address is listed, if known.
    pub host_id: Option<i64>,
    /// The host address that matched.
    pub ip: Option<IpAddr>,
    /// The organisation's range that holds the entry, when no host matched.
    pub network: Option<String>,
    /// Security level of the host's system.
    pub level: Option<i64>,
}

/// Every finding of a list on the registry: a listed host address names its host; otherwise
/// an entry inside (or covering) an organisation's range names the organisation.
pub fn match_registry(
    entries: &[ListEntry],
    hosts: &[RegisteredHost],
    nets: &[RegisteredNet],
) -> Vec<Finding> {
    let set = IpSet::from_entries(entries);
    let mut index: FxHashMap<IpNet, usize> = FxHashMap::default();
    for (i, e) in entries.iter().enumerate() {
        if let Indicator::Net(n) = e.indicator {
            index.entry(n.trunc()).or_insert(i);
        }
    }
    // (org, entry, host) → finding, in a stable order.
    let mut out: BTreeMap<(i64, usize, Option<i64>), Finding> = BTreeMap::new();
    for h in hosts {
        for ip in &h.ips {
            if let Some(net) = set.lookup(*ip) {
                let Some(&i) = index.get(&net) else { continue };
                out.entry((h.org_id, i, Some(h.id))).or_insert(Finding {
                    entry: i,
                    value: entries[i].indicator.normalised(),
                    org_id: h.org_id,
                    host_id: Some(h.id),
                    ip: Some(*ip),
                    network: None,
                    level: h.level,
                });
            }
        }
    }
    for n in nets {
        for net in set.overlapping(n.net, 10_000) {
            let Some(&i) = index.get(&net) else { continue };
            if out.keys().any(|(o, e, _)| *o == n.org_id && *e == i) {
                continue;
            }
            out.insert(
                (n.org_id, i, None),
                Finding {
                    entry: i,
                    value: entries[i].indicator.normalised(),
                    org_id: n.org_id,
                    host_id: None,
                    ip: None,
                    network: Some(crate::display_net(&n.net)),
                    level: None,
                },
            );
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::parse_list;

    #[test]
    fn hosts_first_then_ranges() {
        let list = parse_list(
            b"203.0.113.7\n203.0.113.99\n198.51.100.0/28\n192.0.2.1\n",
            None,
        );
        let hosts = vec![RegisteredHost {
            id: 10,
            org_id: 1,
            ips: vec!["203.0.113.7".parse().expect("ip")],
            level: Some(3),
        }];
        let nets = vec![
            RegisteredNet {
                org_id: 1,
                net: "203.0.113.0/24".parse().expect("net"),
            },
            RegisteredNet {
                org_id: 2,
                net: "198.51.100.0/24".parse().expect("net"),
            },
        ];
        let f = match_registry(&list.entries, &hosts, &nets);
        let got: Vec<(i64, &str, Option<i64>)> = f
            .iter()
            .map(|f| (f.org_id, f.value.as_str(), f.host_id))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "203.0.113.7", Some(10)),
                (1, "203.0.113.99", None),
                (2, "198.51.100.0/28", None)
            ]
        );
        assert_eq!(f[0].level, Some(3));
        assert_eq!(f[1].network.as_deref(), Some("203.0.113.0/24"));
    }
}
