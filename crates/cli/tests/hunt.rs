//! `canhgac hunt` as the duty officer runs it: lists from files, logs from files and folders,
//! plain or gzip, JSON lines out, bad lists refused with their rows named.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("canhgac_hunt_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("logs/old")).unwrap();
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
fn hunts_plain_and_gzip_logs_in_folders() {
    let d = workdir("ok");
    std::fs::write(
        d.join("list.txt"),
        "# Botnet 11/2026\n203.0.113.7\n198.51.100.0/24 ; SBL\n2001:db8:bad::/48\n1.2.3.4\n",
    )
    .unwrap();
    std::fs::write(
        d.join("logs/fw.log"),
        "Apr 29 10:00:01 fw SRC=203.0.113.7 DST=10.0.0.1\nApr 29 10:00:02 fw SRC=11.2.3.45 DST=1.2.3.45\nApr 29 10:00:03 fw SRC=10.0.0.9 DST=198.51.100.200:443\n",
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"{\"ts\":1,\"src_ip\":\"2001:db8:bad::5\",\"dst_ip\":\"192.0.2.1\"}\n1714384801.1\tC1\t10.0.0.1\t1.2.3.4\n").unwrap();
    std::fs::write(d.join("logs/old/zeek.json.gz"), gz.finish().unwrap()).unwrap();
    let out = canhgac(&[
        "hunt",
        "--list",
        d.join("list.txt").to_str().unwrap(),
        "--format",
        "json",
        d.join("logs").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(String, u64, String, String)> = hits
        .iter()
        .map(|h| {
            (
                PathBuf::from(h["file"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                h["line"].as_u64().unwrap(),
                h["ip"].as_str().unwrap().to_string(),
                h["entry"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "fw.log".into(),
                1,
                "203.0.113.7".into(),
                "203.0.113.7".into()
            ),
            (
                "fw.log".into(),
                3,
                "198.51.100.200".into(),
                "198.51.100.0/24".into()
            ),
            (
                "zeek.json.gz".into(),
                1,
                "2001:db8:bad::5".into(),
                "2001:db8:bad::/48".into()
            ),
            ("zeek.json.gz".into(), 2, "1.2.3.4".into(), "1.2.3.4".into()),
        ]
    );
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("4 hit(s)") && summary.contains("2 file(s)"),
        "{summary}"
    );
}

#[test]
fn a_bad_list_stops_the_hunt_naming_every_row() {
    let d = workdir("bad");
    std::fs::write(
        d.join("list.csv"),
        "Địa chỉ IP,Tên mã độc\n203.0.113.7,Mirai\n203.0.113.700,Mirai\n,Emotet\n",
    )
    .unwrap();
    std::fs::write(d.join("logs/fw.log"), "SRC=203.0.113.7\n").unwrap();
    let out = canhgac(&[
        "hunt",
        "--list",
        d.join("list.csv").to_str().unwrap(),
        d.join("logs").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("row 3, column Địa chỉ IP: '203.0.113.700'"),
        "{err}"
    );
    assert!(
        err.contains("row 4, column Địa chỉ IP: The IP address is missing"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing scanned");
    let out = canhgac(&[
        "hunt",
        "--list",
        d.join("missing.txt").to_str().unwrap(),
        d.join("logs").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the list"));
}

#[test]
fn version_compare_reads_pairs_from_stdin() {
    let run = |scheme: &str, input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_canhgac"))
            .args(["version", "compare", "--scheme", scheme])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(
        "deb",
        "1:9.2p1-2+deb12u3 1:9.2p1-2+deb12u2\n1.0~rc1 1.0\n1.01 1.1\n",
    );
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), ">\n<\n=\n");
    let out = run("rpm", "8.7p1-38.el9_4.4 8.7p1-38.el9\n");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), ">\n");
    let out = run("pep440", "2.0.0rc1 2.0\n1.0 garbage!\nonly-one\n");
    assert!(!out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "<\n?\n?\n");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("line 2: 'garbage!' is not a valid pep440 version")
            && err.contains("line 3: expected two versions"),
        "{err}"
    );
}

#[test]
fn vuln_match_from_files() {
    let d = workdir("vuln");
    let testdata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vuln");
    std::fs::write(d.join("inv.csv"), "host,name,version,scheme\nweb01,nginx,1.2.1-2.2+wheezy2,deb\nweb02,nginx,1.2.1-2.2+wheezy3,deb\napp01,Django,1.2.6,pypi\n").unwrap();
    std::fs::write(d.join("db01"), "openssl-libs-3.0.7-27.el9.x86_64\n").unwrap();
    let out = canhgac(&[
        "vuln",
        "match",
        "--advisories",
        testdata.join("osv/DSA-3029-1.json").to_str().unwrap(),
        testdata.join("osv/pypi/django").to_str().unwrap(),
        "--inventory",
        d.join("inv.csv").to_str().unwrap(),
        d.join("db01").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.iter().any(|r| r["host"] == "web01"
        && r["advisory"] == "DSA-3029-1"
        && r["package"] == "nginx"
        && r["version"] == "1.2.1-2.2+wheezy2"));
    assert!(
        !rows.iter().any(|r| r["host"] == "web02"),
        "the fixed version is not affected"
    );
    assert!(rows
        .iter()
        .any(|r| r["host"] == "app01" && r["package"] == "Django"));
    std::fs::write(
        d.join("bad.csv"),
        "host,name,version,scheme\nweb01,nginx,,deb\n",
    )
    .unwrap();
    let out = canhgac(&[
        "vuln",
        "match",
        "--advisories",
        testdata.join("osv/DSA-3029-1.json").to_str().unwrap(),
        "--inventory",
        d.join("bad.csv").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("row 2, version: missing"));
}
