//! Real published lists (copies in `testdata/intel`, provenance in `testdata/README.md`).
#![allow(clippy::unwrap_used)]

use canhgac_intel::list::{parse_list, ListFormat};
use canhgac_intel::scan::scan;
use canhgac_intel::set::IpSet;

fn load(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/intel")
            .join(name),
    )
    .unwrap()
}

#[test]
fn abuse_ch_feodo_csv() {
    let p = parse_list(
        &load("abusech_feodo_ipblocklist.csv"),
        Some("ipblocklist.csv"),
    );
    assert_eq!(p.format, ListFormat::Csv);
    assert!(
        p.errors.is_empty() && p.warnings.is_empty(),
        "{:?} {:?}",
        p.errors,
        p.warnings
    );
    assert_eq!(p.entries.len(), 28, "every data line, none of the comments");
    assert!(p
        .entries
        .iter()
        .all(|e| e.malware().is_some() && e.seen().is_some()));
}

#[test]
fn firehol_ipset() {
    let p = parse_list(&load("firehol_feodo.ipset"), Some("feodo.ipset"));
    assert_eq!(p.format, ListFormat::Text);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.entries.len(), 235);
    let set = IpSet::from_entries(&p.entries);
    assert_eq!(set.len(), 235);
}

#[test]
fn shadowserver_drone() {
    let p = parse_list(&load("shadowserver_drone_sample.csv"), None);
    assert_eq!(p.format, ListFormat::ShadowserverDrone);
    assert!(
        p.errors.is_empty() && p.warnings.is_empty(),
        "{:?} {:?}",
        p.errors,
        p.warnings
    );
    assert_eq!(p.entries.len(), 20);
    let first = &p.entries[0];
    assert_eq!(first.indicator.normalised(), "198.51.100.4");
    assert_eq!(
        first.context(),
        Some("198.51.100.182"),
        "the C2 is context, not the listed address"
    );
    assert_eq!(first.malware(), Some("bitdefender-ramnit"));
}

#[test]
fn ipsum_with_counts() {
    let p = parse_list(&load("ipsum_head.txt"), Some("ipsum.txt"));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.entries.len(), 293);
    let set = IpSet::from_entries(&p.entries);
    let first = p.entries[0].indicator.normalised();
    let line =
        format!("Apr 29 10:00:01 fw01 kernel: [UFW BLOCK] SRC={first} DST=10.0.0.1 DPT=443\n");
    let mut n = 0;
    scan(&set, line.as_bytes(), |_| n += 1);
    assert_eq!(n, 1);
}
