//! The SigmaHQ rule set as published, and its regression data: every sample is detected by the
//! rule it belongs to, as many times as SigmaHQ says. Also a snapshot of which rules fire on the
//! EVTX-ATTACK-SAMPLES files. Data: `testdata/sigma`, `testdata/evtx` (see testdata/README.md).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use canhgac_detect::{Builder, Engine, Event};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// Every file of a .tar.gz, by path.
fn untar(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut out = BTreeMap::new();
    for entry in ar.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().expect("path").to_string_lossy().to_string();
        let mut buf = Vec::new();
        entry.read_to_end(&mut buf).expect("read");
        out.insert(name, buf);
    }
    out
}

fn sigmahq_engine() -> Engine {
    let files = untar(&testdata().join("sigma/sigma_rules.tar.gz"));
    let mut b = Builder::new();
    for (name, bytes) in &files {
        if name.ends_with(".yml") && name.contains("rules") {
            b.add_file(name, &String::from_utf8_lossy(bytes));
        }
    }
    b.build()
}

fn evtx_events(bytes: Vec<u8>) -> Vec<(u64, Event<'static>)> {
    let settings = evtx::ParserSettings::default().num_threads(1);
    let mut p = evtx::EvtxParser::from_buffer(bytes)
        .expect("evtx")
        .with_configuration(settings);
    let mut out = Vec::new();
    for rec in p.records_json_value() {
        let rec = rec.expect("record");
        let ev = canhgac_ingest::event::from_normalized(
            canhgac_ingest::normalize::windows_flatten(&rec.data),
            Some(rec.timestamp.as_millisecond()),
        );
        out.push((rec.event_record_id, ev));
    }
    out
}

#[test]
fn sigmahq_rules_load_and_refusals_are_explained() {
    let e = sigmahq_engine();
    let loaded = e.detection_count();
    let refused = e.refused();
    eprintln!("{loaded} rules loaded, {} refused", refused.len());
    for r in refused {
        eprintln!("  refused {}: {}", r.source, r.reason);
        assert!(!r.reason.is_empty());
    }
    assert!(loaded > 3500, "only {loaded} rules loaded");
    // What is refused and why is part of the contract: only placeholder rules (which need the
    // site's values for `expand`) and regular expressions the `regex` crate cannot run.
    for r in refused {
        assert!(
            r.reason.contains("placeholder") || r.reason.contains("regex engine"),
            "unexpected refusal {}: {}",
            r.source,
            r.reason
        );
    }
    assert!(
        e.unfiltered_count() * 20 < loaded,
        "{} rules without prefilter",
        e.unfiltered_count()
    );
}

/// Samples whose info.yml says `match_count: 1` although several events of the sample satisfy
/// the rule's condition as written: Anydesk (three `user.conf` files written), Cred Dump Tools
/// (three dropped files) and IE Change Domain Zone (three zone keys set). rsigma 0.23 finds the
/// same three; for these the test asks for at least the published count.
const KNOWN_UNDERCOUNTED: &[&str] = &[
    "0b9ad457-2554-44c1-82c2-d56a99c42377",
    "8fbf3271-1ef6-4e94-8210-03c2317947f6",
    "45e112d0-7759-4c2a-aa36-9f8fb79d3393",
];

#[test]
fn every_regression_sample_is_detected_by_its_rule() {
    let e = sigmahq_engine();
    let data = untar(&testdata().join("sigma/sigma_regression_data_part_A.tar.gz"));
    let by_id: BTreeMap<&str, u32> = e
        .rules()
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.meta.id.as_deref().map(|id| (id, i as u32)))
        .collect();
    let mut scratch = e.scratch();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, bytes) in &data {
        if !name.ends_with("info.yml") {
            continue;
        }
        let info = String::from_utf8_lossy(bytes);
        let info = yaml_rust2::YamlLoader::load_from_str(&info).expect("info.yml")[0].clone();
        let rule_id = info["rule_metadata"][0]["id"]
            .as_str()
            .expect("rule id")
            .to_string();
        // A test commented out in info.yml (a raw, non-EVTX sample) has no list: nothing to run.
        let Some(tests) = info["regression_tests_info"].as_vec() else {
            continue;
        };
        for t in tests {
            if t["type"].as_str() != Some("evtx") {
                continue;
            }
            // Without match_count, SigmaHQ's checker asks for at least one match.
            let want = t["match_count"].as_i64().map(|n| n as usize);
            let path = t["path"].as_str().expect("path");
            let bytes = data
                .get(&format!("sigma/{path}"))
                .unwrap_or_else(|| panic!("{name}: {path} not in the archive"))
                .clone();
            let Some(&rule) = by_id.get(rule_id.as_str()) else {
                failures.push(format!("{path}: rule {rule_id} is not loaded"));
                continue;
            };
            let mut got = 0;
            for (_, ev) in evtx_events(bytes) {
                if e.detect(&mut scratch, &ev).contains(&rule) {
                    got += 1;
                }
            }
            checked += 1;
            let ok = match want {
                Some(n) if KNOWN_UNDERCOUNTED.contains(&rule_id.as_str()) => got >= n,
                Some(n) => got == n,
                None => got >= 1,
            };
            if !ok {
                failures.push(format!(
                    "{path}: rule {rule_id} ({}) matched {got} events, SigmaHQ says {}",
                    e.rules()[rule as usize].meta.title,
                    want.map_or("at least 1".to_string(), |n| n.to_string())
                ));
            }
        }
    }
    assert!(checked >= 100, "only {checked} samples checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} samples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn evtx_attack_samples_fire_the_expected_rules() {
    let e = sigmahq_engine();
    let dir = testdata().join("evtx/evtx_attack_samples");
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["Credential_Access", "Execution"] {
        for f in std::fs::read_dir(dir.join(sub)).expect("dir") {
            let p = f.expect("entry").path();
            if p.extension().is_some_and(|x| x == "evtx") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut scratch = e.scratch();
    let mut snapshot = String::new();
    let mut with_detections = 0;
    for f in &files {
        let mut fired: BTreeMap<String, usize> = BTreeMap::new();
        for (_, ev) in evtx_events(std::fs::read(f).expect("read")) {
            for &r in e.detect(&mut scratch, &ev) {
                *fired
                    .entry(e.rules()[r as usize].meta.title.clone())
                    .or_default() += 1;
            }
        }
        if !fired.is_empty() {
            with_detections += 1;
        }
        snapshot.push_str(&format!(
            "{}\n",
            f.strip_prefix(&dir).expect("prefix").display()
        ));
        for (t, n) in fired {
            snapshot.push_str(&format!("  {n:>4}  {t}\n"));
        }
    }
    let path = testdata().join("evtx/detections.snapshot");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &snapshot).expect("write snapshot");
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        with_detections * 10 >= files.len() * 7,
        "only {with_detections} of {} files produce detections",
        files.len()
    );
    assert_eq!(
        snapshot, want,
        "detections on the EVTX attack samples changed; if intended, run with UPDATE_SNAPSHOTS=1"
    );
}
