//! What the agent reads off its machine: the operating system, addresses, listening sockets
//! (`/proc/net`), the software inventory (dpkg's status file or `rpm -qa`), new lines of log
//! files, the journal, and the state of watched files (hash, mode, owner).

use canhgac_domain::agent::{FileState, FimChange, ListeningPort};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::Command;

/// `PRETTY_NAME` of `/etc/os-release`, else the kernel's name.
pub fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}

/// The machine's host name.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// Addresses other than loopback (`ip -o addr`).
pub fn addresses() -> Vec<String> {
    let Ok(out) = Command::new("ip").args(["-o", "addr", "show"]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            it.find(|w| *w == "inet" || *w == "inet6")?;
            let a = it.next()?.split('/').next()?.to_string();
            (a != "127.0.0.1" && a != "::1").then_some(a)
        })
        .take(64)
        .collect()
}

fn hex_addr(h: &str) -> String {
    let bytes: Vec<u8> = (0..h.len() / 2)
        .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
        .collect();
    match bytes.len() {
        4 => std::net::Ipv4Addr::new(bytes[3], bytes[2], bytes[1], bytes[0]).to_string(),
        16 => {
            // Four little-endian 32-bit words.
            let mut o = [0u8; 16];
            for w in 0..4 {
                for b in 0..4 {
                    o[w * 4 + b] = bytes[w * 4 + 3 - b];
                }
            }
            std::net::Ipv6Addr::from(o).to_string()
        }
        _ => h.to_string(),
    }
}

/// Listening TCP sockets and bound UDP sockets from `/proc/net`.
pub fn listening() -> Vec<ListeningPort> {
    let mut out = Vec::new();
    for (file, proto) in [
        ("tcp", "tcp"),
        ("tcp6", "tcp"),
        ("udp", "udp"),
        ("udp6", "udp"),
    ] {
        let Ok(t) = std::fs::read_to_string(format!("/proc/net/{file}")) else {
            continue;
        };
        for l in t.lines().skip(1) {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 4 {
                continue;
            }
            // TCP LISTEN is 0A; a UDP socket bound to a port shows state 07.
            if (proto == "tcp" && f[3] != "0A") || (proto == "udp" && f[3] != "07") {
                continue;
            }
            let Some((a, p)) = f[1].split_once(':') else {
                continue;
            };
            let Ok(port) = u16::from_str_radix(p, 16) else {
                continue;
            };
            let addr = hex_addr(a);
            if !out
                .iter()
                .any(|x: &ListeningPort| x.proto == proto && x.port == port && x.addr == addr)
            {
                out.push(ListeningPort {
                    proto: proto.into(),
                    addr,
                    port,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.port, &a.proto).cmp(&(b.port, &b.proto)));
    out.truncate(1024);
    out
}

/// The software inventory: dpkg's status file, else `rpm -qa` — `(format, text)`.
pub fn inventory(dpkg_status: &Path) -> Option<(String, String)> {
    if let Ok(t) = std::fs::read_to_string(dpkg_status) {
        return Some(("dpkg".into(), t));
    }
    let out = Command::new("rpm").args(["-qa"]).output().ok()?;
    out.status.success().then(|| {
        (
            "rpm".into(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    })
}

/// New complete lines of a log file since `offset` (at most `max_bytes`), with the new
/// offset; a file that shrank or was replaced is read from its start.
pub fn tail(
    path: &Path,
    offset: u64,
    inode: u64,
    max_bytes: u64,
) -> Option<(Vec<String>, u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut f = std::fs::File::open(path).ok()?;
    let meta = f.metadata().ok()?;
    let (mut start, ino) = (offset, meta.ino());
    if ino != inode || meta.len() < offset {
        start = 0;
    }
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut buf = Vec::new();
    f.take(max_bytes).read_to_end(&mut buf).ok()?;
    let end = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let lines = String::from_utf8_lossy(&buf[..end])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    Some((lines, start + end as u64, ino))
}

/// New journal entries after a cursor (`journalctl -o json`), with the cursor to keep; with no
/// cursor, only the cursor of now (history is not shipped).
pub fn journal(after: Option<&str>, max: usize) -> Option<(Vec<serde_json::Value>, String)> {
    let mut cmd = Command::new("journalctl");
    cmd.args(["--no-pager", "-o", "json", "--show-cursor"]);
    match after {
        Some(c) => cmd
            .arg(format!("--after-cursor={c}"))
            .arg(format!("-n{max}")),
        None => cmd.arg("-n0"),
    };
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut entries = Vec::new();
    let mut cursor = after.map(str::to_string);
    for l in text.lines() {
        if let Some(c) = l.strip_prefix("-- cursor: ") {
            cursor = Some(c.trim().to_string());
        } else if let Ok(v) = serde_json::from_str::<serde_json::Value>(l) {
            if let Some(c) = v.get("__CURSOR").and_then(|c| c.as_str()) {
                cursor = Some(c.to_string());
            }
            entries.push(v);
        }
    }
    Some((entries, cursor?))
}

/// A file's state: SHA-256 (reading at most `io_rate` bytes a second), mode, owner, size.
pub fn file_state(path: &Path, io_rate: u64) -> Option<FileState> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let started = std::time::Instant::now();
    let mut read = 0u64;
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        read += n as u64;
        throttle(started, read, io_rate);
    }
    Some(FileState {
        sha256: hex::encode(h.finalize()),
        mode: format!("{:04o}", meta.mode() & 0o7777),
        owner: format!("{}:{}", meta.uid(), meta.gid()),
        size: meta.len(),
    })
}

/// Sleeps so that `bytes` read since `started` stay within `rate` bytes a second.
pub fn throttle(started: std::time::Instant, bytes: u64, rate: u64) {
    if rate == 0 {
        return;
    }
    let due = std::time::Duration::from_secs_f64(bytes as f64 / rate as f64);
    let spent = started.elapsed();
    if due > spent {
        std::thread::sleep(due - spent);
    }
}

/// Every regular file under the paths (folders walked to `max_depth`, at most `max_files`;
/// symbolic links not followed), in name order.
pub fn files_under(paths: &[String], max_depth: u32, max_files: usize) -> Vec<std::path::PathBuf> {
    fn walk(p: &Path, depth: u32, max_depth: u32, max: usize, out: &mut Vec<std::path::PathBuf>) {
        if out.len() >= max {
            return;
        }
        let Ok(meta) = std::fs::symlink_metadata(p) else {
            return;
        };
        if meta.is_file() {
            out.push(p.to_path_buf());
        } else if meta.is_dir() && depth < max_depth {
            let Ok(rd) = std::fs::read_dir(p) else { return };
            let mut names: Vec<_> = rd.flatten().map(|e| e.path()).collect();
            names.sort();
            for n in names {
                walk(&n, depth + 1, max_depth, max, out);
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        walk(Path::new(p), 0, max_depth, max_files, &mut out);
    }
    out
}

/// Every file under the watched paths (depth 8, at most 100,000 files).
pub fn watched_files(paths: &[String]) -> Vec<std::path::PathBuf> {
    files_under(paths, 8, 100_000)
}

/// The changes between two looks at the watched files.
pub fn diff(
    before: &BTreeMap<String, FileState>,
    after: &BTreeMap<String, FileState>,
) -> Vec<FimChange> {
    let mut out = Vec::new();
    for (p, a) in after {
        match before.get(p) {
            None => out.push(FimChange {
                path: p.clone(),
                change: "added".into(),
                before: None,
                after: Some(a.clone()),
            }),
            Some(b) if b != a => {
                let change = if b.sha256 != a.sha256 {
                    "modified"
                } else if b.mode != a.mode {
                    "mode"
                } else if b.owner != a.owner {
                    "owner"
                } else {
                    continue;
                };
                out.push(FimChange {
                    path: p.clone(),
                    change: change.into(),
                    before: Some(b.clone()),
                    after: Some(a.clone()),
                });
            }
            _ => {}
        }
    }
    for (p, b) in before {
        if !after.contains_key(p) {
            out.push(FimChange {
                path: p.clone(),
                change: "removed".into(),
                before: Some(b.clone()),
                after: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_addresses_read_back() {
        assert_eq!(hex_addr("0100007F"), "127.0.0.1");
        assert_eq!(hex_addr("00000000000000000000000001000000"), "::1");
    }

    #[test]
    fn changes_are_named() {
        let s = |h: &str, m: &str| FileState {
            sha256: h.into(),
            mode: m.into(),
            owner: "0:0".into(),
            size: 1,
        };
        let before = BTreeMap::from([
            ("/a".to_string(), s("1", "0644")),
            ("/b".to_string(), s("2", "0644")),
            ("/c".to_string(), s("3", "0644")),
        ]);
        let after = BTreeMap::from([
            ("/a".to_string(), s("9", "0644")),
            ("/b".to_string(), s("2", "0777")),
            ("/d".to_string(), s("4", "0644")),
        ]);
        let kinds: Vec<(String, String)> = diff(&before, &after)
            .into_iter()
            .map(|c| (c.path, c.change))
            .collect();
        assert_eq!(
            kinds,
            [
                ("/a".into(), "modified".into()),
                ("/b".into(), "mode".into()),
                ("/d".into(), "added".into()),
                ("/c".into(), "removed".into())
            ]
        );
    }
}
