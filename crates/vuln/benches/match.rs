//! Matching at province scale: 50,000 advisories against 10,000 hosts with 1,500 packages
//! each (15 million installed packages), then one new advisory re-evaluated incrementally.
//! Synthetic, deterministic data; medians of several runs. `cargo bench -p canhgac-vuln`.

use canhgac_vuln::advisory::{Advisory, Affected, Event};
use canhgac_vuln::inventory::{HostInventory, Package};
use canhgac_vuln::matcher::{package_hosts, AdvisoryIndex};
use canhgac_vuln::Scheme;
use std::time::Instant;

struct Dice(u64);
impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn version(scheme: Scheme, major: usize, minor: usize, patch: usize) -> String {
    match scheme {
        Scheme::Deb => format!(
            "{major}.{minor}.{patch}-{}+deb12u{}",
            1 + patch % 3,
            patch % 5
        ),
        Scheme::Rpm => format!("{major}.{minor}.{patch}-{}.el9_{}", 10 + patch, patch % 4),
        _ => format!("{major}.{minor}.{patch}"),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn main() {
    let mut d = Dice(0x00b1_75ec_0001);
    let schemes = [Scheme::Deb, Scheme::Rpm, Scheme::Pep440, Scheme::Semver];
    // A catalogue of 20,000 packages, 5,000 per scheme, each with a current version.
    let catalogue: Vec<(Scheme, String, usize, usize)> = (0..20_000)
        .map(|i| (schemes[i % 4], format!("pkg-{i}"), 1 + i % 9, i % 20))
        .collect();
    let advisories: Vec<Advisory> = (0..50_000)
        .map(|i| {
            let affected = (0..1 + d.below(2))
                .map(|_| {
                    let (scheme, name, major, minor) = &catalogue[d.below(catalogue.len())];
                    Affected {
                        scheme: *scheme,
                        distro: None,
                        package: name.clone(),
                        vendor: None,
                        ranges: vec![vec![
                            Event::Introduced("0".into()),
                            Event::Fixed(version(*scheme, *major, *minor, 2 + d.below(4))),
                        ]],
                        versions: vec![],
                    }
                })
                .collect();
            Advisory {
                id: format!("ADV-{i}"),
                aliases: vec![],
                title: String::new(),
                severity: None,
                cvss: None,
                published: None,
                affected,
                recommendation: None,
                source: "bench".into(),
            }
        })
        .collect();
    let t = Instant::now();
    let hosts: Vec<HostInventory> = (0..10_000)
        .map(|h| {
            let packages = (0..1_500)
                .map(|_| {
                    let (scheme, name, major, minor) = &catalogue[d.below(catalogue.len())];
                    // Most packages are patched; about one in twenty is behind.
                    let patch = if d.below(20) == 0 { d.below(3) } else { 6 };
                    Package {
                        name: name.clone(),
                        version: version(*scheme, *major, *minor, patch),
                        scheme: *scheme,
                    }
                })
                .collect();
            HostInventory {
                host: format!("host-{h}"),
                distro: None,
                packages,
            }
        })
        .collect();
    eprintln!(
        "generated 50,000 advisories and 10,000 hosts x 1,500 packages in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let mut full = Vec::new();
    let mut found = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let mut ix = AdvisoryIndex::new(advisories.clone());
        found = hosts.iter().map(|h| ix.hits(h).len()).sum();
        full.push(t.elapsed().as_secs_f64());
    }
    let by_package = package_hosts(&hosts);
    let mut ix = AdvisoryIndex::new(advisories.clone());
    for h in &hosts {
        let _ = ix.hits(h);
    }
    let mut inc = Vec::new();
    let mut inc_found = 0;
    for i in 0..11 {
        let (scheme, name, major, minor) = &catalogue[(i * 7919) % catalogue.len()];
        let a = Advisory {
            id: format!("NEW-{i}"),
            aliases: vec![],
            title: String::new(),
            severity: None,
            cvss: None,
            published: None,
            affected: vec![Affected {
                scheme: *scheme,
                distro: None,
                package: name.clone(),
                vendor: None,
                ranges: vec![vec![
                    Event::Introduced("0".into()),
                    Event::Fixed(version(*scheme, *major, *minor, 4)),
                ]],
                versions: vec![],
            }],
            recommendation: None,
            source: "bench".into(),
        };
        let t = Instant::now();
        let n = ix.add(a);
        inc_found = ix.match_advisory(n, &hosts, &by_package).len();
        inc.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("full match: 50,000 advisories x 10,000 hosts x 1,500 packages: median {:.2} s (runs {:?}), {found} affected (host, advisory, package)", median(full.clone()), full.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>());
    println!(
        "one new advisory, incremental: median {:.2} ms, {inc_found} affected in the last run",
        median(inc)
    );
}
