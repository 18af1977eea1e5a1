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

#[test]
fn dshield_block_txt() {
    // The shape of DShield's block.txt, written here: comments, the `Start End Netblock …`
    // header row, tab-separated rows.
    let text = "#\n#   DShield.org Recommended Block List\n#   comment lines\n#\n\
Start\tEnd\tNetblock\tAttacks\tName\tCountry\temail\n\
45.143.200.0\t45.143.200.255\t24\t4021\tExample Net A\tNL\tabuse@example.net\n\
80.82.77.0\t80.82.77.255\t24\t3870\tExample Net B\tSC\tabuse@example.org\n";
    let p = parse_list(text.as_bytes(), Some("block.txt"));
    assert_eq!(p.format, ListFormat::Text);
    assert!(
        p.errors.is_empty() && p.warnings.is_empty(),
        "the Start End Netblock … row is a header, not a bad row: {:?} {:?}",
        p.errors,
        p.warnings
    );
    let shown: Vec<(String, usize)> = p
        .entries
        .iter()
        .map(|e| (e.indicator.normalised(), e.row))
        .collect();
    assert_eq!(
        shown,
        [
            ("45.143.200.0/24".to_string(), 6),
            ("80.82.77.0/24".to_string(), 7)
        ]
    );
}

#[test]
fn abuse_ch_feodo_older_csv() {
    let p = parse_list(&load("abusech_feodo_2019.csv"), Some("ipblocklist.csv"));
    assert_eq!(p.format, ListFormat::Csv);
    assert!(
        p.errors.is_empty() && p.warnings.is_empty(),
        "{:?} {:?}",
        p.errors,
        p.warnings
    );
    let shown: Vec<String> = p.entries.iter().map(|e| e.indicator.normalised()).collect();
    assert_eq!(shown, ["110.93.230.101", "192.155.88.196"]);
    let first = &p.entries[0];
    assert_eq!(
        (first.seen(), first.port(), first.malware(), first.row),
        (Some("2019-03-04 22:10:24"), Some("990"), Some("Heodo"), 10)
    );
}

#[test]
fn spamhaus_drop_text() {
    // The older text form of Spamhaus DROP, written here: `; comments`, `CIDR ; SBL id`.
    let text = "; Spamhaus DROP List\n; Last-Modified: example\n45.8.144.0/22 ; SBL000001\n2a07:e00::/32 ; SBL000002\n";
    let p = parse_list(text.as_bytes(), Some("drop.txt"));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let shown: Vec<String> = p.entries.iter().map(|e| e.indicator.normalised()).collect();
    assert_eq!(shown, ["45.8.144.0/22", "2a07:e00::/32"]);
}
