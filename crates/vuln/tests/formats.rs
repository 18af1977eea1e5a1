//! Real advisories (copies in `testdata/vuln`, provenance in `testdata/README.md`).
#![allow(clippy::unwrap_used)]

use canhgac_vuln::formats::{parse_advisories, parse_kev};
use canhgac_vuln::Scheme;
use std::path::{Path, PathBuf};

fn dir(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/vuln")
        .join(p)
}

/// The OSV test vectors: every final version an OSV record lists as affected is affected by
/// its ranges as we evaluate them, and its fixed versions are not. (The PyPI database also
/// lists pre-releases of an `introduced` version, e.g. `3.2a1` for a range from `3.2`, which
/// PEP 440 orders before it; the record's explicit `versions` cover those.)
#[test]
fn every_listed_pypi_version_is_affected() {
    let mut checked = 0;
    for pkg in ["django", "flask", "requests"] {
        for f in std::fs::read_dir(dir(&format!("osv/pypi/{pkg}"))).unwrap() {
            let path = f.unwrap().path();
            let advisories = parse_advisories(&std::fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for a in &advisories {
                for aff in &a.affected {
                    assert_eq!(aff.scheme, Scheme::Pep440);
                    if aff.ranges.is_empty() {
                        continue;
                    }
                    for v in aff
                        .versions
                        .iter()
                        .filter(|v| !v.contains(['a', 'b', 'c', 'd']))
                    {
                        let only_ranges = canhgac_vuln::advisory::Affected {
                            versions: vec![],
                            ..aff.clone()
                        };
                        assert!(
                            only_ranges.is_affected(v),
                            "{} {} {v}",
                            path.display(),
                            aff.package
                        );
                        checked += 1;
                    }
                    for v in &aff.versions {
                        assert!(aff.is_affected(v), "{} {v}", path.display());
                    }
                    for e in aff.ranges.iter().flatten() {
                        if let canhgac_vuln::advisory::Event::Fixed(f) = e {
                            let only_ranges = canhgac_vuln::advisory::Affected {
                                versions: vec![],
                                ..aff.clone()
                            };
                            assert!(!only_ranges.is_affected(f), "{} fixed {f}", path.display());
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "{checked} listed versions checked");
}

#[test]
fn debian_and_ubuntu_osv_records() {
    let a = &parse_advisories(&std::fs::read(dir("osv/DSA-3029-1.json")).unwrap()).unwrap()[0];
    assert_eq!(a.id, "DSA-3029-1");
    assert_eq!(a.aliases, vec!["CVE-2014-3616"]);
    let nginx = &a.affected[0];
    assert_eq!(
        (
            nginx.scheme,
            nginx.package.as_str(),
            nginx.distro.as_deref()
        ),
        (Scheme::Deb, "nginx", Some("debian:7"))
    );
    assert!(nginx.is_affected("1.2.1-2.2+wheezy2"));
    assert!(!nginx.is_affected("1.2.1-2.2+wheezy3"));
    for f in [
        "osv/GHSA-838r-hvwh-24h8.json",
        "osv/UBUNTU-CVE-2025-38094.json",
    ] {
        let a = parse_advisories(&std::fs::read(dir(f)).unwrap()).unwrap();
        assert!(!a[0].affected.is_empty(), "{f}");
    }
}

#[test]
fn csaf_documents() {
    let a = &parse_advisories(&std::fs::read(dir("csaf/rhsa-2021_5186.json")).unwrap()).unwrap()[0];
    assert_eq!(a.id, "RHSA-2021:5186");
    assert!(a.aliases.contains(&"CVE-2021-4104".to_string()));
    assert_eq!(a.severity.as_deref(), Some("critical"));
    assert!(
        a.affected
            .iter()
            .any(|x| x.package == "openshift4/ose-metering-hive"),
        "{:?}",
        a.affected
    );
    let b = &parse_advisories(&std::fs::read(dir("csaf/bsi-2022-0001.json")).unwrap()).unwrap()[0];
    let conv = b
        .affected
        .iter()
        .find(|x| x.package.contains("cvrf-csaf-converter"))
        .unwrap();
    assert!(conv.is_affected("1.0.0-rc1"));
    assert!(!conv.is_affected("1.0.0-rc2"), "fixed in rc2");
}

#[test]
fn kev_catalogue() {
    let k = parse_kev(&std::fs::read(dir("kev_head.json")).unwrap()).unwrap();
    assert_eq!(k.len(), 40);
    assert!(k
        .iter()
        .all(|e| e.cve.starts_with("CVE-") && e.due.len() == 10));
    let e = parse_advisories(&std::fs::read(dir("kev_head.json")).unwrap()).unwrap_err();
    assert_eq!(e.field, "catalogVersion");
}
