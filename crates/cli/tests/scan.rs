//! `canhgac scan` as an officer runs it on a suspect folder: real YARA rules (a folder of them,
//! one malformed file among them) and a hash list, JSON lines out (`{"path", "rule"}`), refused
//! rules and unreadable files named on standard error and never fatal.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/yara")
}

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("canhgac_scan_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("suspect/sub")).unwrap();
    std::fs::create_dir_all(d.join("rules")).unwrap();
    d
}

fn canhgac(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[test]
fn rules_and_hashes_over_a_folder_json_lines_out() {
    let d = workdir("ok");
    for f in ["gen_mimikatz.yar", "crime_emotet.yar"] {
        std::fs::copy(
            testdata().join("signature-base").join(f),
            d.join("rules").join(f),
        )
        .unwrap();
    }
    std::fs::write(
        d.join("rules/broken.yar"),
        "rule broken { condition: nonsense( }",
    )
    .unwrap();
    let eicar = std::fs::read(testdata().join("eicar_test_string.txt")).unwrap();
    std::fs::write(d.join("suspect/eicar.com"), &eicar).unwrap();
    std::fs::write(
        d.join("suspect/sub/dump.txt"),
        b"xx sekurlsa::logonPasswords xx",
    )
    .unwrap();
    std::fs::write(d.join("suspect/clean.txt"), b"nothing").unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&eicar))
    };
    std::fs::write(d.join("bad.txt"), format!("{sha} EICAR test file\nzz\n")).unwrap();
    let missing = d.join("gone");
    let out = canhgac(&[
        "scan",
        "--rules",
        d.join("rules").to_str().unwrap(),
        "--hashes",
        d.join("bad.txt").to_str().unwrap(),
        "--threads",
        "2",
        "--format",
        "json",
        d.join("suspect").to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let mut hits: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["rule"].as_str().unwrap().to_string(),
                Path::new(v["path"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            )
        })
        .collect();
    hits.sort();
    assert_eq!(
        hits,
        vec![
            ("Mimikatz_Memory_Rule_1".to_string(), "dump.txt".to_string()),
            ("hash:sha256".to_string(), "eicar.com".to_string())
        ]
    );
    assert!(
        stderr.contains("rule file refused") && stderr.contains("broken.yar"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 2"),
        "the bad hash line is named: {stderr}"
    );
    assert!(
        stderr.contains("not scanned whole") && stderr.contains("gone"),
        "{stderr}"
    );
    assert!(stderr.contains("1 rule file(s) refused"), "{stderr}");
}

#[test]
fn nothing_to_scan_with_is_an_error_that_says_so() {
    let d = workdir("none");
    std::fs::write(d.join("rules/broken.yar"), "rule {").unwrap();
    let out = canhgac(&[
        "scan",
        "--rules",
        d.join("rules").to_str().unwrap(),
        d.join("suspect").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing to scan with") && stderr.contains("broken.yar"),
        "{stderr}"
    );
}
