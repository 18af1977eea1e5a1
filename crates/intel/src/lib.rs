//! Threat-intelligence lists as a province receives them — the DIC's monthly Botnet IP list in
//! XLSX or CSV with Vietnamese or English headers, Shadowserver reports, plain/ipset/netset
//! files, DShield, abuse.ch, Spamhaus DROP (text or JSON lines) and AlienVault lists, STIX 2.1
//! bundles, MISP events — parsed into entries with row-level diagnostics
//! ([`list`]); an exact set of IPv4/IPv6 addresses and CIDR networks with longest-prefix
//! lookup ([`set::IpSet`]); and a scanner that finds every listed address in text at hundreds
//! of megabytes per second per core ([`scan`]).
//!
//! ```
//! use canhgac_intel::{list::parse_list, set::IpSet, scan::scan};
//! let list = parse_list(b"# botnet\n203.0.113.7\n198.51.100.0/24 ; SBL1\n", Some("drop.txt"));
//! let set = IpSet::from_entries(&list.entries);
//! let mut hits = vec![];
//! scan(&set, b"SRC=203.0.113.7 DST=198.51.100.9 SRC=203.0.113.77", |h| hits.push(h.entry));
//! let shown: Vec<String> = hits.iter().map(canhgac_intel::display_net).collect();
//! assert_eq!(shown, ["203.0.113.7", "198.51.100.0/24"]);
//! ```
//!
//! No I/O: bytes in, results and diagnostics out.

pub mod list;
pub mod matching;
pub mod scan;
pub mod set;

use ipnet::IpNet;

/// A network as a person writes it: a single address without `/32` or `/128`.
pub fn display_net(n: &IpNet) -> String {
    if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.trunc().to_string()
    }
}
