//! `canhgac vuln match`: which hosts an advisory set affects, from files alone.

use anyhow::{bail, Context, Result};
use canhgac_vuln::formats::parse_advisories;
use canhgac_vuln::inventory::parse_inventory;
use canhgac_vuln::matcher::AdvisoryIndex;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output format.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MatchFormat {
    /// One JSON object per affected (host, advisory).
    Json,
    /// Aligned columns.
    Table,
}

fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    fn walk(p: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        if std::fs::metadata(p)
            .with_context(|| format!("cannot read {}", p.display()))?
            .is_dir()
        {
            let mut children: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            children.sort();
            for c in children {
                walk(&c, out)?;
            }
        } else {
            out.push(p.to_path_buf());
        }
        Ok(())
    }
    for p in paths {
        walk(p, &mut out)?;
    }
    Ok(out)
}

/// Runs the match and prints it.
pub fn run(advisories: &[PathBuf], inventories: &[PathBuf], format: MatchFormat) -> Result<()> {
    let started = std::time::Instant::now();
    let mut all = Vec::new();
    for f in files(advisories)? {
        let bytes = std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?;
        let list = parse_advisories(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        all.extend(list);
    }
    let mut hosts = Vec::new();
    let mut problems = Vec::new();
    for f in files(inventories)? {
        let bytes = std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?;
        let stem = f
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("host")
            .to_string();
        match parse_inventory(&bytes, f.file_name().and_then(|n| n.to_str()), &stem) {
            Ok(h) => hosts.extend(h),
            Err(errs) => problems.extend(errs.into_iter().map(|e| {
                format!(
                    "{}: row {}{}: {}",
                    f.display(),
                    e.row,
                    if e.field.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", e.field)
                    },
                    e.message
                )
            })),
        }
    }
    if !problems.is_empty() {
        bail!(
            "{} bad row(s) in the inventories; nothing was matched:\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
    let packages: usize = hosts.iter().map(|h| h.packages.len()).sum();
    let mut index = AdvisoryIndex::new(all);
    let matches = index.match_all(&hosts);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for m in &matches {
        match format {
            MatchFormat::Json => {
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"host": m.host, "advisory": m.advisory, "package": m.package, "version": m.version, "fixed": m.fixed}),
                )?;
                writeln!(out)?;
            }
            MatchFormat::Table => writeln!(
                out,
                "{}\t{}\t{} {}\t→ {}",
                m.host,
                m.advisory,
                m.package,
                m.version,
                m.fixed.as_deref().unwrap_or("?")
            )?,
        }
    }
    out.flush()?;
    eprintln!(
        "{} advisories, {} hosts, {packages} packages: {} affected (host, advisory) in {:.2} s",
        index.len(),
        hosts.len(),
        matches.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
