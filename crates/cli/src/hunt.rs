//! `canhgac hunt`: the duty officer's offline threat hunt — every listed address in log files
//! and folders (plain or gzip), with a progress bar on a terminal.

use anyhow::{bail, Context, Result};
use canhgac_intel::display_net;
use canhgac_intel::list::parse_list;
use canhgac_intel::scan::{count_lines, scan};
use canhgac_intel::set::IpSet;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Output format.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HuntFormat {
    /// One JSON object per hit.
    Json,
    /// Aligned columns for a person.
    Table,
}

/// Loads every list; any bad row stops the hunt with every problem named.
pub fn load_lists(paths: &[PathBuf]) -> Result<(IpSet, usize)> {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        let bytes =
            std::fs::read(p).with_context(|| format!("cannot read the list {}", p.display()))?;
        let parsed = parse_list(&bytes, p.file_name().and_then(|n| n.to_str()));
        for e in &parsed.errors {
            let col = if e.column.is_empty() {
                String::new()
            } else {
                format!(", column {}", e.column)
            };
            problems.push(format!(
                "{}: row {}{col}: {}",
                p.display(),
                e.row,
                e.message
            ));
        }
        for w in &parsed.warnings {
            eprintln!(
                "{}: row {}, column {}: {}",
                p.display(),
                w.row,
                w.column,
                w.message
            );
        }
        entries.extend(parsed.entries);
    }
    if !problems.is_empty() {
        bail!(
            "the list has {} bad row(s); nothing was scanned:\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
    let set = IpSet::from_entries(&entries);
    let domains = entries.len()
        - entries
            .iter()
            .filter(|e| matches!(e.indicator, canhgac_intel::list::Indicator::Net(_)))
            .count();
    Ok((set, domains))
}

pub(crate) fn walk(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        children.sort();
        for c in children {
            walk(&c, out)?;
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

pub(crate) fn open(path: &Path) -> Result<Box<dyn Read>> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic)?;
    let f = std::fs::File::open(path)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(
            std::io::BufReader::with_capacity(1 << 20, f),
        )))
    } else {
        Ok(Box::new(f))
    }
}

/// What a hunt found and read.
pub struct HuntStats {
    /// Files read.
    pub files: usize,
    /// Bytes scanned (uncompressed).
    pub bytes: u64,
    /// Lines scanned.
    pub lines: u64,
    /// Hits.
    pub hits: u64,
}

/// Scans one reader in large line-aligned chunks; calls `on_hit(line, ip, entry)`.
pub fn hunt_reader(
    set: &IpSet,
    mut r: impl Read,
    mut on_hit: impl FnMut(u64, String, String) -> Result<()>,
    mut progress: impl FnMut(u64),
) -> Result<(u64, u64)> {
    const CHUNK: usize = 4 << 20;
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0;
    let mut line_base: u64 = 1;
    let mut bytes: u64 = 0;
    loop {
        let n = r.read(&mut buf[filled..])?;
        let eof = n == 0;
        filled += n;
        if !eof && filled < buf.len() {
            continue;
        }
        // Process up to the last newline; keep the partial line for the next round.
        let cut = if eof {
            filled
        } else {
            memchr::memrchr(b'\n', &buf[..filled])
                .map(|i| i + 1)
                .unwrap_or(filled)
        };
        if cut == filled
            && !eof
            && filled == buf.len()
            && memchr::memchr(b'\n', &buf[..filled]).is_none()
        {
            // A line longer than the buffer: grow it.
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        let chunk = &buf[..cut];
        let mut last_off = 0;
        let mut line = line_base;
        let mut err = None;
        scan(set, chunk, |h| {
            if err.is_some() {
                return;
            }
            line += count_lines(chunk, last_off, h.offset) as u64;
            last_off = h.offset;
            if let Err(e) = on_hit(line, h.ip.to_string(), display_net(&h.entry)) {
                err = Some(e);
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
        line_base = line + count_lines(chunk, last_off, chunk.len()) as u64;
        bytes += cut as u64;
        progress(cut as u64);
        buf.copy_within(cut..filled, 0);
        filled -= cut;
        if eof {
            break;
        }
    }
    Ok((bytes, line_base - 1))
}

/// Runs the hunt and prints the hits.
pub fn run(lists: &[PathBuf], format: HuntFormat, paths: &[PathBuf]) -> Result<HuntStats> {
    let started = Instant::now();
    let (set, domains) = load_lists(lists)?;
    eprintln!(
        "loaded {} addresses and networks from {} list(s) in {:.2} s",
        set.len(),
        lists.len(),
        started.elapsed().as_secs_f64()
    );
    if domains > 0 {
        eprintln!(
            "note: {domains} domain entries are not searched in text by `hunt` (addresses only)"
        );
    }
    let mut files = Vec::new();
    for p in paths {
        walk(p, &mut files)?;
    }
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let scan_start = Instant::now();
    let mut stats = HuntStats {
        files: 0,
        bytes: 0,
        lines: 0,
        hits: 0,
    };
    for f in &files {
        if let Some(b) = &bar {
            b.set_message(f.display().to_string());
        }
        let name = f.display().to_string();
        let reader = open(f)?;
        let (bytes, lines) = hunt_reader(
            &set,
            reader,
            |line, ip, entry| {
                stats.hits += 1;
                match format {
                    HuntFormat::Json => {
                        serde_json::to_writer(&mut out, &serde_json::json!({"file": name, "line": line, "ip": ip, "entry": entry}))?;
                        out.write_all(b"\n")?;
                    }
                    HuntFormat::Table => writeln!(out, "{name}:{line}\t{ip}\t{entry}")?,
                }
                Ok(())
            },
            |n| {
                if let Some(b) = &bar {
                    b.inc(n);
                }
            },
        )
        .with_context(|| format!("while reading {}", f.display()))?;
        stats.files += 1;
        stats.bytes += bytes;
        stats.lines += lines;
    }
    out.flush()?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let secs = scan_start.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "{} file(s), {} lines, {:.1} MB in {:.2} s ({:.0} MB/s, {:.0} lines/s); {} hit(s)",
        stats.files,
        stats.lines,
        stats.bytes as f64 / 1e6,
        secs,
        stats.bytes as f64 / 1e6 / secs,
        stats.lines as f64 / secs,
        stats.hits
    );
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_across_chunks() {
        let list = parse_list(b"203.0.113.7\n", None);
        let set = IpSet::from_entries(&list.entries);
        let mut text = String::new();
        for i in 0..300_000 {
            if i % 100_000 == 99_999 {
                text.push_str("x SRC=203.0.113.7 y\n");
            } else {
                text.push_str("Apr 29 10:00:01 fw01 SRC=198.51.100.1 DST=203.0.113.77\n");
            }
        }
        let mut hits = vec![];
        let (bytes, lines) = hunt_reader(
            &set,
            text.as_bytes(),
            |l, _, _| {
                hits.push(l);
                Ok(())
            },
            |_| {},
        )
        .expect("scan");
        assert_eq!(hits, vec![100_000, 200_000, 300_000]);
        assert_eq!((bytes as usize, lines), (text.len(), 300_000));
    }
}
