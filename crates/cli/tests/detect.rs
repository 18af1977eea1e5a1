//! `canhgac detect` as an analyst runs it offline: rules from a folder and from the SigmaHQ
//! archive, inputs as .evtx, JSON lines and syslog text (plain and gzip), JSON out with rule,
//! level, input and record; refused rules and malformed lines reported on stderr.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("canhgac_detect_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("rules")).unwrap();
    d
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn canhgac(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn evtx_with_the_sigmahq_archive() {
    let sample = testdata()
        .join("evtx/evtx_attack_samples/Credential_Access/sysmon_10_11_lsass_memdump.evtx");
    let rules = testdata().join("sigma/sigma_rules.tar.gz");
    let out = canhgac(&[
        "detect",
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "json",
        sample.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("rule(s) loaded"), "{err}");
    assert!(
        err.contains("refused"),
        "placeholder rules are listed: {err}"
    );
    assert!(err.contains("%Admins_Workstations%"), "{err}");
    let hits = json_lines(&out.stdout);
    let lsass = hits
        .iter()
        .find(|h| h["rule_title"] == "LSASS Process Memory Dump Files")
        .unwrap_or_else(|| panic!("{hits:?}"));
    assert_eq!(lsass["level"], "high");
    assert!(lsass["rule_id"].as_str().unwrap().len() == 36);
    assert_eq!(lsass["input"], sample.to_str().unwrap());
    assert!(lsass["record"].as_u64().unwrap() > 0, "EventRecordID");
}

#[test]
fn text_and_json_lines_with_custom_rules() {
    let d = workdir("text");
    std::fs::write(
        d.join("rules/ssh.yml"),
        "title: Root login over SSH\nid: 5a1d0000-0000-4000-8000-000000000001\nlevel: high\n\
         logsource: {product: linux, service: auth}\ndetection:\n  sel:\n    user: root\n    outcome: success\n  condition: sel\n",
    )
    .unwrap();
    std::fs::write(
        d.join("rules/web.yml"),
        "title: Path traversal\nid: 5a1d0000-0000-4000-8000-000000000002\nlevel: medium\n\
         logsource: {category: webserver}\ndetection:\n  sel:\n    cs-uri-query|contains: '../'\n  condition: sel\n",
    )
    .unwrap();
    std::fs::write(
        d.join("rules/broken.yml"),
        "title: Broken\nlogsource: {product: linux}\ndetection:\n  sel:\n    a|nope: b\n  condition: sel\n",
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        b"Nov 25 02:00:01 web01 sshd[811]: Failed password for root from 203.0.113.9 port 4711 ssh2\n\
          this line is not syslog at all\n\
          Nov 25 02:00:09 web01 sshd[811]: Accepted password for root from 203.0.113.9 port 4711 ssh2\n",
    )
    .unwrap();
    std::fs::write(d.join("auth.log.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        d.join("access.log"),
        "203.0.113.5 - - [25/Nov/2026:02:01:00 +0700] \"GET /view?file=../../etc/passwd HTTP/1.1\" 200 12 \"-\" \"curl\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("events.jsonl"),
        "{\"Channel\":\"Security\",\"EventID\":4688,\"NewProcessName\":\"C:\\\\x\\\\cmd.exe\"}\n{not json\n",
    )
    .unwrap();
    let out = canhgac(&[
        "detect",
        "--rules",
        d.join("rules").to_str().unwrap(),
        "--format",
        "json",
        d.join("auth.log.gz").to_str().unwrap(),
        d.join("access.log").to_str().unwrap(),
        d.join("events.jsonl").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("unknown modifier 'nope'"), "{err}");
    assert!(err.contains("line 2: not a JSON object"), "{err}");
    assert!(err.contains("5 events"), "{err}");
    assert!(err.contains("2 malformed"), "{err}");
    let hits = json_lines(&out.stdout);
    let got: Vec<(String, u64)> = hits
        .iter()
        .map(|h| {
            (
                h["rule_title"].as_str().unwrap().to_string(),
                h["record"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("Root login over SSH".to_string(), 3),
            ("Path traversal".to_string(), 1)
        ]
    );
    // The table format names file and line.
    let out = canhgac(&[
        "detect",
        "--rules",
        d.join("rules/web.yml").to_str().unwrap(),
        d.join("access.log").to_str().unwrap(),
    ]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("access.log:1"), "{table}");
    assert!(table.contains("Path traversal"), "{table}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn no_rules_is_an_error() {
    let d = workdir("none");
    let out = canhgac(&[
        "detect",
        "--rules",
        d.join("rules").to_str().unwrap(),
        "x.log",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Sigma rule files"));
}

#[test]
fn library_logging_stays_off_the_terminal() {
    // A folder of .evtx files: the evtx crate logs about its records at INFO/WARN; without
    // --verbose or RUST_LOG none of that reaches the terminal, only canhgac's own summary.
    let folder = testdata().join("evtx/evtx_attack_samples");
    let rules = testdata().join("sigma/sigma_rules.tar.gz");
    let run = |verbose: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_canhgac"));
        c.env_remove("RUST_LOG").args([
            "detect",
            "--rules",
            rules.to_str().unwrap(),
            "--format",
            "json",
            folder.to_str().unwrap(),
        ]);
        if verbose {
            c.arg("--verbose");
        }
        c.output().unwrap()
    };
    let out = run(false);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("rule(s) loaded"), "{err}");
    let logged: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(" INFO ") || l.contains(" WARN ") || l.contains(" DEBUG "))
        .collect();
    assert!(logged.is_empty(), "library log lines: {logged:?}");
    assert!(!json_lines(&out.stdout).is_empty());
    // --verbose lets them through (the same run, so the same detections).
    let loud = run(true);
    assert!(loud.status.success());
    assert_eq!(
        json_lines(&loud.stdout).len(),
        json_lines(&out.stdout).len()
    );
}
