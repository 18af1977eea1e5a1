//! Differential tests: our comparisons against the reference implementations, on 100,000
//! generated pairs each — Debian's through the `dpkg --compare-versions` binary (every pair)
//! and dpkg's own `Dpkg::Version` module (libdpkg-perl); RPM's through `rpm.vercmp` in rpm's embedded Lua (Debian's `rpm` package). Plus
//! APT's published test vectors.
//!
//! `.ci/run` installs `rpm` and `libdpkg-perl`; on a machine without them the tests say so and
//! pass only outside CI.
#![allow(clippy::unwrap_used)]

use canhgac_vuln::{deb_compare, rpm_evr_compare};
use std::cmp::Ordering;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

const PAIRS: usize = 100_000;

struct Dice(u64);
impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick(&mut self, s: &[u8]) -> u8 {
        s[self.below(s.len())]
    }
}

fn tool_missing(what: &str) -> bool {
    let msg = format!("{what} is not installed (.ci/run installs it)");
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED differential test: {msg}");
    true
}

fn sign(o: Ordering) -> i32 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// A version string from `alphabet`, often close to `base` so comparisons are interesting.
fn mutate(d: &mut Dice, base: &[u8], alphabet: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + d.below(3) {
        match d.below(4) {
            0 if !v.is_empty() => {
                let i = d.below(v.len());
                v[i] = d.pick(alphabet);
            }
            1 => {
                let i = d.below(v.len() + 1);
                v.insert(i, d.pick(alphabet));
            }
            2 if v.len() > 1 => {
                let i = d.below(v.len());
                v.remove(i);
            }
            _ => v.push(d.pick(alphabet)),
        }
    }
    v
}

fn deb_version(d: &mut Dice) -> (String, String) {
    const UP: &[u8] = b"0123456789012345678901234567890123456789abcz.+~";
    const REV: &[u8] = b"0123456789abcdu.+~";
    let gen = |d: &mut Dice, alpha: &[u8], min: usize| -> Vec<u8> {
        (0..min + d.below(6)).map(|_| d.pick(alpha)).collect()
    };
    let mut up = gen(d, UP, 1);
    up[0] = b"0123456789"[d.below(10)];
    let rev = gen(d, REV, 0);
    let epoch = if d.below(8) == 0 {
        format!("{}:", d.below(3))
    } else {
        String::new()
    };
    let full = |up: &[u8], rev: &[u8], epoch: &str| {
        let mut s = format!("{epoch}{}", String::from_utf8_lossy(up));
        if !rev.is_empty() {
            s.push('-');
            s.push_str(&String::from_utf8_lossy(rev));
        }
        s
    };
    let a = full(&up, &rev, &epoch);
    let mut up2 = mutate(d, &up, UP);
    if up2.is_empty() || !up2[0].is_ascii_digit() {
        up2.insert(0, b'1');
    }
    let rev2 = if d.below(2) == 0 {
        mutate(d, &rev, REV)
    } else {
        rev.clone()
    };
    let epoch2 = if d.below(10) == 0 {
        format!("{}:", d.below(3))
    } else {
        epoch.clone()
    };
    (a, full(&up2, &rev2, &epoch2))
}

fn rpm_version(d: &mut Dice) -> (String, String) {
    const V: &[u8] = b"0123456789012345678901234567890123456789abcXYZ._+~^";
    let gen = |d: &mut Dice| -> Vec<u8> { (0..1 + d.below(7)).map(|_| d.pick(V)).collect() };
    let (v, r) = (gen(d), gen(d));
    let with_rel = d.below(4) != 0;
    let epoch = if d.below(8) == 0 {
        format!("{}:", d.below(3))
    } else {
        String::new()
    };
    let full = |v: &[u8], r: &[u8], e: &str, rel: bool| {
        let mut s = format!("{e}{}", String::from_utf8_lossy(v));
        if rel {
            s.push('-');
            s.push_str(&String::from_utf8_lossy(r));
        }
        s
    };
    let v2 = mutate(d, &v, V);
    let r2 = if d.below(2) == 0 {
        mutate(d, &r, V)
    } else {
        r.clone()
    };
    let clean = |x: Vec<u8>| if x.is_empty() { b"1".to_vec() } else { x };
    (
        full(&v, &r, &epoch, with_rel),
        full(&clean(v2), &clean(r2), &epoch, with_rel && d.below(5) != 0),
    )
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("canhgac_vuln_{name}_{}", std::process::id()))
}

#[test]
fn debian_agrees_with_dpkg_on_100000_pairs() {
    if Command::new("perl")
        .args(["-MDpkg::Version", "-e", "1"])
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
        && tool_missing("libdpkg-perl (Dpkg::Version)")
    {
        return;
    }
    let mut d = Dice(0x5eed_0001);
    let pairs: Vec<(String, String)> = (0..PAIRS).map(|_| deb_version(&mut d)).collect();
    let input = temp("deb_pairs");
    let mut f = std::fs::File::create(&input).unwrap();
    for (a, b) in &pairs {
        writeln!(f, "{a} {b}").unwrap();
    }
    drop(f);
    let out = Command::new("perl")
        .args([
            "-MDpkg::Version",
            "-ne",
            "chomp; my ($a, $b) = split / /; print((version_compare($a, $b) <=> 0), \"\\n\")",
        ])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<i32> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(theirs.len(), PAIRS);
    let mut disagreements = vec![];
    for ((a, b), t) in pairs.iter().zip(&theirs) {
        let ours = sign(deb_compare(a, b).unwrap());
        if ours != *t {
            disagreements.push(format!("{a} {b}: ours {ours}, dpkg {t}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements, e.g. {:?}",
        disagreements.len(),
        &disagreements[..disagreements.len().min(10)]
    );
    // The dpkg binary itself, on every pair: one process per comparison, so the pairs are
    // split between two shells running side by side.
    if Command::new("dpkg").arg("--version").output().is_err() {
        tool_missing("dpkg");
        return;
    }
    let script = r#"while read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo -1; elif dpkg --compare-versions "$a" eq "$b"; then echo 0; else echo 1; fi; done < "$1""#;
    let halves: Vec<PathBuf> = (0..2).map(|k| temp(&format!("deb_half{k}"))).collect();
    for (k, path) in halves.iter().enumerate() {
        let mut f = std::fs::File::create(path).unwrap();
        for (a, b) in pairs.iter().skip(k * PAIRS / 2).take(PAIRS / 2) {
            writeln!(f, "{a} {b}").unwrap();
        }
    }
    let children: Vec<_> = halves
        .iter()
        .map(|p| {
            Command::new("bash")
                .args(["-c", script, "dpkg-compare"])
                .arg(p)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut binary: Vec<i32> = Vec::with_capacity(PAIRS);
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        binary.extend(
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(|l| l.trim().parse::<i32>().unwrap()),
        );
    }
    assert_eq!(binary.len(), PAIRS);
    let mut disagreements = vec![];
    for ((a, b), t) in pairs.iter().zip(&binary) {
        let ours = sign(deb_compare(a, b).unwrap());
        if ours != *t {
            disagreements.push(format!("{a} {b}: ours {ours}, dpkg --compare-versions {t}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements with the dpkg binary, e.g. {:?}",
        disagreements.len(),
        &disagreements[..disagreements.len().min(10)]
    );
    for p in halves {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(input);
}

#[test]
fn rpm_agrees_with_rpm_on_100000_pairs() {
    if Command::new("rpm")
        .arg("--version")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
        && tool_missing("rpm")
    {
        return;
    }
    let mut d = Dice(0x5eed_0002);
    let pairs: Vec<(String, String)> = (0..PAIRS).map(|_| rpm_version(&mut d)).collect();
    let (input, output) = (temp("rpm_pairs"), temp("rpm_out"));
    let mut f = std::fs::File::create(&input).unwrap();
    for (a, b) in &pairs {
        writeln!(f, "{a} {b}").unwrap();
    }
    drop(f);
    let lua = format!(
        "%{{lua: local out = io.open('{}', 'w') for line in io.lines('{}') do local a, b = line:match('^(%S+) (%S+)$') out:write(rpm.vercmp(a, b), '\\n') end out:close()}}",
        output.display(),
        input.display()
    );
    let st = Command::new("rpm").args(["--eval", &lua]).output().unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let theirs: Vec<i32> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse::<i32>().unwrap().signum())
        .collect();
    assert_eq!(theirs.len(), PAIRS);
    let mut disagreements = vec![];
    for ((a, b), t) in pairs.iter().zip(&theirs) {
        let ours = sign(rpm_evr_compare(a, b));
        if ours != *t {
            disagreements.push(format!("{a} {b}: ours {ours}, rpm {t}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements, e.g. {:?}",
        disagreements.len(),
        &disagreements[..disagreements.len().min(10)]
    );
    let _ = std::fs::remove_file(input);
    let _ = std::fs::remove_file(output);
}

#[test]
fn apt_test_vectors() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/vuln/apt_versions.lst"),
    )
    .unwrap();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        let expected: i32 = f[2].parse().unwrap();
        assert_eq!(sign(deb_compare(f[0], f[1]).unwrap()), expected, "{line}");
        assert_eq!(
            sign(deb_compare(f[1], f[0]).unwrap()),
            -expected,
            "{line} reversed"
        );
        n += 1;
    }
    assert!(n >= 60, "{n} vectors");
}
