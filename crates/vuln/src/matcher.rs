//! Matching advisories against inventories: an index from (scheme, package) to the
//! advisories that name it, and a cache of verdicts per (package, version) so ten thousand
//! hosts with the same packages cost little more than one. Lookups borrow (no allocation per
//! installed package); results are indices, turned into strings only when shown. New
//! advisories and new inventories re-evaluate only what they touch.

use crate::advisory::{normalise_name, Advisory};
use crate::inventory::HostInventory;
use crate::Scheme;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

/// One affected (host, advisory, package), ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// Host.
    pub host: String,
    /// Advisory id.
    pub advisory: String,
    /// Package as installed.
    pub package: String,
    /// Installed version.
    pub version: String,
    /// First fixed version above it, when known.
    pub fixed: Option<String>,
}

/// One affected package of a host, as indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Advisory number in the index.
    pub advisory: u32,
    /// Package number in the host's inventory.
    pub package: u32,
    /// First fixed version above the installed one.
    pub fixed: Option<Arc<str>>,
}

type Verdict = Arc<[(u32, Option<Arc<str>>)]>;

fn scheme_slot(s: Scheme) -> usize {
    match s {
        Scheme::Deb => 0,
        Scheme::Rpm => 1,
        Scheme::Semver => 2,
        Scheme::Pep440 => 3,
        Scheme::Generic => 4,
    }
}

/// The name as matching compares it, borrowed when it already is.
fn key(scheme: Scheme, name: &str) -> Cow<'_, str> {
    let plain = name.bytes().all(|b| {
        b.is_ascii_lowercase()
            || b.is_ascii_digit()
            || b == b'-'
            || b == b'+'
            || (scheme != Scheme::Pep440 && (b == b'.' || b == b'_'))
    });
    if plain
        && !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
    {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(normalise_name(scheme, name))
    }
}

/// Advisories indexed by the packages they name.
pub struct AdvisoryIndex {
    advisories: Vec<Advisory>,
    names: [FxHashMap<String, u32>; 5],
    entries: Vec<Vec<(u32, u16)>>,
    verdicts: Vec<FxHashMap<String, Verdict>>,
    none: Verdict,
}

impl Default for AdvisoryIndex {
    fn default() -> Self {
        AdvisoryIndex {
            advisories: vec![],
            names: Default::default(),
            entries: vec![],
            verdicts: vec![],
            none: Arc::from(Vec::new()),
        }
    }
}

impl AdvisoryIndex {
    /// An index of these advisories.
    pub fn new(advisories: Vec<Advisory>) -> AdvisoryIndex {
        let mut ix = AdvisoryIndex::default();
        for a in advisories {
            ix.add(a);
        }
        ix
    }

    /// Adds an advisory; returns its number. Cached verdicts of its packages are dropped.
    pub fn add(&mut self, a: Advisory) -> usize {
        let n = self.advisories.len() as u32;
        for (k, aff) in a.affected.iter().enumerate() {
            let mut keys = vec![aff.package.clone()];
            if let Some(v) = &aff.vendor {
                keys.push(normalise_name(aff.scheme, &format!("{v} {}", aff.package)));
            }
            for name in keys {
                let map = &mut self.names[scheme_slot(aff.scheme)];
                let id = match map.get(&name) {
                    Some(id) => *id,
                    None => {
                        let id = self.entries.len() as u32;
                        map.insert(name, id);
                        self.entries.push(vec![]);
                        self.verdicts.push(FxHashMap::default());
                        id
                    }
                };
                let list = &mut self.entries[id as usize];
                if !list.iter().any(|(x, y)| *x == n && *y == k as u16) {
                    list.push((n, k as u16));
                }
                self.verdicts[id as usize].clear();
            }
        }
        self.advisories.push(a);
        n as usize
    }

    /// The advisories.
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// How many advisories.
    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }

    fn evaluate(&self, id: u32, version: &str, distro: Option<&str>) -> Verdict {
        let mut out: Vec<(u32, Option<Arc<str>>)> = Vec::new();
        for &(adv, k) in &self.entries[id as usize] {
            let aff = &self.advisories[adv as usize].affected[k as usize];
            if let (Some(a), Some(h)) = (&aff.distro, distro) {
                if a != h {
                    continue;
                }
            }
            if !out.iter().any(|(x, _)| *x == adv) && aff.is_affected(version) {
                out.push((adv, aff.fixed_for(version).map(Arc::from)));
            }
        }
        if out.is_empty() {
            self.none.clone()
        } else {
            Arc::from(out)
        }
    }

    /// Every advisory affecting a host, as indices.
    pub fn hits(&mut self, inv: &HostInventory) -> Vec<Hit> {
        let mut out = Vec::new();
        for (p, pkg) in inv.packages.iter().enumerate() {
            let name = key(pkg.scheme, &pkg.name);
            let Some(&id) = self.names[scheme_slot(pkg.scheme)].get(name.as_ref()) else {
                continue;
            };
            let verdict = if inv.distro.is_none() {
                match self.verdicts[id as usize].get(pkg.version.as_str()) {
                    Some(v) => v.clone(),
                    None => {
                        let v = self.evaluate(id, &pkg.version, None);
                        self.verdicts[id as usize].insert(pkg.version.clone(), v.clone());
                        v
                    }
                }
            } else {
                self.evaluate(id, &pkg.version, inv.distro.as_deref())
            };
            for (adv, fixed) in verdict.iter() {
                out.push(Hit {
                    advisory: *adv,
                    package: p as u32,
                    fixed: fixed.clone(),
                });
            }
        }
        out
    }

    /// A hit of a host, in words.
    pub fn describe(&self, inv: &HostInventory, hit: &Hit) -> Match {
        let p = &inv.packages[hit.package as usize];
        Match {
            host: inv.host.clone(),
            advisory: self.advisories[hit.advisory as usize].id.clone(),
            package: p.name.clone(),
            version: p.version.clone(),
            fixed: hit.fixed.as_deref().map(str::to_string),
        }
    }

    /// Every advisory affecting a host, in words.
    pub fn match_host(&mut self, inv: &HostInventory) -> Vec<Match> {
        let hits = self.hits(inv);
        hits.iter().map(|h| self.describe(inv, h)).collect()
    }

    /// Every match of every host, in words.
    pub fn match_all(&mut self, hosts: &[HostInventory]) -> Vec<Match> {
        hosts.iter().flat_map(|h| self.match_host(h)).collect()
    }

    /// The hosts one advisory affects, looking only at hosts that have one of its packages:
    /// what a new advisory costs. `by_package` comes from [`package_hosts`].
    pub fn match_advisory(
        &self,
        adv: usize,
        hosts: &[HostInventory],
        by_package: &PackageHosts,
    ) -> Vec<Match> {
        let a = &self.advisories[adv];
        let mut out = Vec::new();
        for aff in &a.affected {
            let Some(list) = by_package.get(&(aff.scheme, aff.package.clone())) else {
                continue;
            };
            for &(h, p) in list {
                let host = &hosts[h as usize];
                let pkg = &host.packages[p as usize];
                if let (Some(x), Some(y)) = (&aff.distro, &host.distro) {
                    if x != y {
                        continue;
                    }
                }
                if aff.is_affected(&pkg.version) {
                    out.push(Match {
                        host: host.host.clone(),
                        advisory: a.id.clone(),
                        package: pkg.name.clone(),
                        version: pkg.version.clone(),
                        fixed: aff.fixed_for(&pkg.version).map(str::to_string),
                    });
                }
            }
        }
        out
    }
}

/// (scheme, package) → (host number, package number).
pub type PackageHosts = FxHashMap<(Scheme, String), Vec<(u32, u32)>>;

/// Which hosts have which package, for incremental matching.
pub fn package_hosts(hosts: &[HostInventory]) -> PackageHosts {
    let mut m: PackageHosts = FxHashMap::default();
    for (h, inv) in hosts.iter().enumerate() {
        for (p, pkg) in inv.packages.iter().enumerate() {
            m.entry((pkg.scheme, key(pkg.scheme, &pkg.name).into_owned()))
                .or_default()
                .push((h as u32, p as u32));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{manual, ManualAdvisory};
    use crate::inventory::Package;

    fn adv(id: &str, product: &str, scheme: Scheme, fixed: &str) -> Advisory {
        manual(&ManualAdvisory {
            id: id.into(),
            product: product.into(),
            scheme: Some(scheme),
            fixed: fixed.into(),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn matches_and_incremental() {
        let hosts = vec![
            HostInventory {
                host: "web01".into(),
                distro: None,
                packages: vec![Package {
                    name: "openssh-server".into(),
                    version: "1:9.2p1-2+deb12u2".into(),
                    scheme: Scheme::Deb,
                }],
            },
            HostInventory {
                host: "web02".into(),
                distro: None,
                packages: vec![
                    Package {
                        name: "openssh-server".into(),
                        version: "1:9.2p1-2+deb12u3".into(),
                        scheme: Scheme::Deb,
                    },
                    Package {
                        name: "Django".into(),
                        version: "4.2.15".into(),
                        scheme: Scheme::Pep440,
                    },
                ],
            },
        ];
        let mut ix = AdvisoryIndex::new(vec![adv(
            "AIS-1",
            "openssh-server",
            Scheme::Deb,
            "1:9.2p1-2+deb12u3",
        )]);
        let m = ix.match_all(&hosts);
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].host.as_str(), m[0].fixed.as_deref()),
            ("web01", Some("1:9.2p1-2+deb12u3"))
        );
        let n = ix.add(adv("PYSEC-X", "django", Scheme::Pep440, "4.2.16"));
        let by = package_hosts(&hosts);
        let new = ix.match_advisory(n, &hosts, &by);
        assert_eq!(
            new.iter().map(|m| m.host.as_str()).collect::<Vec<_>>(),
            vec!["web02"]
        );
        assert_eq!(
            ix.match_all(&hosts).len(),
            2,
            "the cache was refreshed for django"
        );
    }

    #[test]
    fn keys_borrow_when_they_can() {
        assert!(matches!(key(Scheme::Deb, "libssl3"), Cow::Borrowed(_)));
        assert_eq!(key(Scheme::Pep440, "Django_REST"), "django-rest");
        assert_eq!(key(Scheme::Generic, "Google  Chrome"), "google chrome");
    }
}
