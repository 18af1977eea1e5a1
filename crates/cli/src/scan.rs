//! `canhgac scan`: the offline malware scan — YARA rules (files or folders of `.yar`/`.yara`)
//! and hash lists over files and folders, zip archives opened within limits, many threads, a
//! progress bar on a terminal. Refused rule files, bad hash-list lines and unreadable or
//! skipped files are counted and named on standard error; none of them stops the scan.

use anyhow::{bail, Result};
use canhgac_malware::{scan_paths, Engine, Limits, Match, Progress};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Output format.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// One JSON object per match: `{"path": …, "rule": …}` (and the detail and SHA-256).
    Json,
    /// Aligned columns for a person.
    Table,
}

/// Runs the scan and prints the matches as they are found.
pub fn run(
    rules: &[PathBuf],
    hashes: &[PathBuf],
    threads: Option<usize>,
    archive_depth: u32,
    format: ScanFormat,
    paths: &[PathBuf],
) -> Result<()> {
    let started = Instant::now();
    let (engine, rule_errors, hash_errors) = Engine::load(rules, hashes);
    for e in &rule_errors {
        eprintln!(
            "rule file refused: {}: {}",
            e.file,
            e.message.lines().next().unwrap_or_default()
        );
    }
    for e in &hash_errors {
        eprintln!("hash list {}: line {}: {}", e.file, e.line, e.message);
    }
    let nrules = engine.rules.as_ref().map_or(0, |r| r.len());
    if nrules == 0 && engine.hashes.is_empty() {
        bail!(
            "no usable rule and no hash: nothing to scan with ({} rule file(s) refused)",
            rule_errors.len()
        );
    }
    eprintln!(
        "loaded {nrules} rule(s) and {} hash(es) in {:.2} s; {} rule file(s) refused",
        engine.hashes.len(),
        started.elapsed().as_secs_f64(),
        rule_errors.len()
    );
    let limits = Limits {
        threads: threads.unwrap_or_else(|| Limits::default().threads).max(1),
        zip_depth: archive_depth,
        ..Limits::default()
    };
    let progress = Progress::default();
    let out = Mutex::new(std::io::BufWriter::new(std::io::stdout()));
    let print = |m: &Match| {
        let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = match format {
            ScanFormat::Json => writeln!(
                o,
                "{}",
                serde_json::json!({"path": m.path, "rule": m.rule, "detail": m.detail, "sha256": m.sha256})
            ),
            ScanFormat::Table => writeln!(o, "{:<40} {}", m.rule, m.path),
        };
    };
    let tty = std::io::stderr().is_terminal();
    let done = std::sync::atomic::AtomicBool::new(false);
    let summary = std::thread::scope(|s| {
        if tty {
            s.spawn(|| {
                let bar = indicatif::ProgressBar::new_spinner();
                while !done.load(Ordering::Relaxed) {
                    bar.set_message(format!(
                        "{} / {} files, {} MB, {} match(es)",
                        progress.files.load(Ordering::Relaxed),
                        progress.found.load(Ordering::Relaxed),
                        progress.bytes.load(Ordering::Relaxed) / 1_000_000,
                        progress.matches.load(Ordering::Relaxed)
                    ));
                    bar.tick();
                    std::thread::sleep(Duration::from_millis(200));
                }
                bar.finish_and_clear();
            });
        }
        let r = scan_paths(&engine, paths, &limits, &progress, &print);
        done.store(true, Ordering::Relaxed);
        r
    });
    let _ = out.lock().unwrap_or_else(|e| e.into_inner()).flush();
    for sk in &summary.skipped {
        eprintln!("not scanned whole: {}: {}", sk.path, sk.reason);
    }
    if summary.skipped_total > summary.skipped.len() as u64 {
        eprintln!(
            "… and {} more not scanned whole",
            summary.skipped_total - summary.skipped.len() as u64
        );
    }
    eprintln!(
        "scanned {} file(s), {} MB in {:.2} s with {} thread(s): {} match(es); {} not scanned whole; {} rule file(s) refused",
        summary.files,
        summary.bytes / 1_000_000,
        started.elapsed().as_secs_f64(),
        limits.threads,
        summary.matches.len(),
        summary.skipped_total,
        rule_errors.len()
    );
    Ok(())
}
