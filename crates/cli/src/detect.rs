//! `canhgac detect`: Sigma rules over files, offline — .evtx, JSON/JSON lines and syslog or web
//! access text (plain or gzip), with a progress bar on a terminal and a summary on stderr.

use anyhow::{bail, Context, Result};
use canhgac_detect::archive::{is_rule_path, rule_files_from_tar_gz};
use canhgac_detect::{Builder, CorrelationState, Engine, Event, Hit, Placeholders};
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::hunt::{open, walk};

/// Output format.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DetectFormat {
    /// One JSON object per detection.
    Json,
    /// Aligned columns for a person.
    Table,
}

/// Loads rules from files, folders (recursively) and `.tar.gz` archives.
pub fn load_rules(paths: &[PathBuf], placeholders: Option<&Path>) -> Result<Engine> {
    let mut b = Builder::new();
    if let Some(p) = placeholders {
        b.placeholders(read_placeholders(p)?);
    }
    for p in paths {
        let mut files = Vec::new();
        walk(p, &mut files)?;
        for f in files {
            let name = f.display().to_string();
            if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
                let bytes = std::fs::read(&f).with_context(|| format!("cannot read {name}"))?;
                let rules =
                    rule_files_from_tar_gz(&bytes).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
                for (path, text) in rules {
                    if is_rule_path(&path) {
                        b.add_file(&format!("{name}:{path}"), &text);
                    }
                }
            } else if name.ends_with(".yml") || name.ends_with(".yaml") {
                if !is_rule_path(&name) {
                    continue;
                }
                let text =
                    std::fs::read_to_string(&f).with_context(|| format!("cannot read {name}"))?;
                b.add_file(&name, &text);
            }
        }
    }
    if b.is_empty() {
        bail!("no Sigma rule files (.yml, .yaml, .tar.gz) found in the given --rules paths");
    }
    Ok(b.build())
}

/// `name: [values]` YAML for the `expand` modifier.
fn read_placeholders(p: &Path) -> Result<Placeholders> {
    let text =
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
    let mut out = Placeholders::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            bail!(
                "{}: line {}: expected `name: value, value`",
                p.display(),
                i + 1
            );
        };
        let vals = v
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|s| s.trim().trim_matches(['\'', '"']).to_string())
            .filter(|s| !s.is_empty())
            .collect();
        out.insert(k.trim().trim_matches('%').to_string(), vals);
    }
    Ok(out)
}

/// What the run read and found.
#[derive(Default, Debug)]
pub struct DetectStats {
    pub events: u64,
    pub detections: u64,
    /// Lines or records that could not be read (counted, reported, not silently skipped).
    pub malformed: u64,
    pub bytes: u64,
}

enum InputKind {
    Evtx,
    JsonLines,
    Text,
}

fn kind_of(path: &Path) -> Result<InputKind> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.trim_end_matches(".gz");
    if name.ends_with(".evtx") {
        return Ok(InputKind::Evtx);
    }
    if name.ends_with(".json") || name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        return Ok(InputKind::JsonLines);
    }
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut head = [0u8; 8];
    let n = f.read(&mut head)?;
    if n >= 7 && &head[..7] == b"ElfFile" {
        return Ok(InputKind::Evtx);
    }
    Ok(InputKind::Text)
}

struct Out<'a> {
    w: BufWriter<std::io::StdoutLock<'a>>,
    format: DetectFormat,
}

impl Out<'_> {
    fn hit(&mut self, e: &Engine, input: &str, record: u64, ev: &Event, hit: &Hit) -> Result<()> {
        let info = &e.rules()[hit.rule() as usize];
        match self.format {
            DetectFormat::Json => {
                #[derive(serde::Serialize)]
                struct Line<'a> {
                    rule_id: Option<&'a str>,
                    rule_title: &'a str,
                    level: &'a str,
                    input: &'a str,
                    record: u64,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    time_ms: Option<i64>,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    host: Option<&'a str>,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    event_id: Option<&'a str>,
                    tags: &'a [String],
                    #[serde(skip_serializing_if = "Option::is_none")]
                    correlation: Option<serde_json::Value>,
                }
                let correlation = match hit {
                    Hit::Correlation {
                        group,
                        count,
                        first_ms,
                        ..
                    } => Some(
                        serde_json::json!({"group": group, "count": count, "first_ms": first_ms}),
                    ),
                    Hit::Rule(_) => None,
                };
                let line = Line {
                    rule_id: info.meta.id.as_deref(),
                    rule_title: &info.meta.title,
                    level: info.meta.level.as_str(),
                    input,
                    record,
                    time_ms: ev.time_ms,
                    host: ev.get("Computer").or_else(|| ev.get("host")),
                    event_id: ev.get("EventID"),
                    tags: &info.meta.tags,
                    correlation,
                };
                serde_json::to_writer(&mut self.w, &line)?;
                self.w.write_all(b"\n")?;
            }
            DetectFormat::Table => {
                let extra = match hit {
                    Hit::Correlation { group, count, .. } => {
                        format!("\t[{count}× {}]", group.join(", "))
                    }
                    Hit::Rule(_) => String::new(),
                };
                writeln!(
                    self.w,
                    "{input}:{record}\t{:<13}\t{}\t{}{extra}",
                    info.meta.level.as_str(),
                    info.meta.id.as_deref().unwrap_or("-"),
                    info.meta.title
                )?;
            }
        }
        Ok(())
    }
}

/// Runs the detection and prints the detections.
pub fn run(
    rules: &[PathBuf],
    placeholders: Option<&Path>,
    format: DetectFormat,
    every_rule: bool,
    inputs: &[PathBuf],
) -> Result<DetectStats> {
    let started = Instant::now();
    let engine = load_rules(rules, placeholders)?.every_rule(every_rule);
    eprintln!(
        "{} rule(s) loaded ({} detection, {} correlation) in {:.2} s; {} refused",
        engine.rules().len(),
        engine.detection_count(),
        engine.correlation_count(),
        started.elapsed().as_secs_f64(),
        engine.refused().len()
    );
    for r in engine.refused() {
        eprintln!("  refused {}: {}", r.source, r.reason);
    }
    let mut files = Vec::new();
    for p in inputs {
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
    let mut out = Out {
        w: BufWriter::with_capacity(1 << 16, stdout.lock()),
        format,
    };
    let mut stats = DetectStats::default();
    let mut scratch = engine.scratch();
    let mut state = CorrelationState::default();
    let mut hits = Vec::new();
    let run_start = Instant::now();
    for f in &files {
        let input = f.display().to_string();
        if let Some(b) = &bar {
            b.set_message(input.clone());
        }
        let mut on_event = |record: u64, ev: &mut Event, stats: &mut DetectStats| -> Result<()> {
            stats.events += 1;
            hits.clear();
            engine.process(&mut scratch, &mut state, ev, &mut hits);
            for h in &hits {
                stats.detections += 1;
                out.hit(&engine, &input, record, ev, h)?;
            }
            Ok(())
        };
        match kind_of(f)? {
            InputKind::Evtx => {
                let bytes = std::fs::read(f).with_context(|| format!("cannot read {input}"))?;
                stats.bytes += bytes.len() as u64;
                let settings = evtx::ParserSettings::default().num_threads(1);
                let mut p = evtx::EvtxParser::from_buffer(bytes)
                    .with_context(|| format!("{input} is not an EVTX file"))?
                    .with_configuration(settings);
                for rec in p.records_json_value() {
                    match rec {
                        Ok(rec) => {
                            let mut ev = canhgac_ingest::event::from_normalized(
                                canhgac_ingest::normalize::windows_flatten(&rec.data),
                                Some(rec.timestamp.as_millisecond()),
                            );
                            on_event(rec.event_record_id, &mut ev, &mut stats)?;
                        }
                        Err(e) => {
                            stats.malformed += 1;
                            eprintln!("{input}: a record cannot be read: {e}");
                        }
                    }
                }
                if let Some(b) = &bar {
                    b.inc(std::fs::metadata(f).map(|m| m.len()).unwrap_or(0));
                }
            }
            kind @ (InputKind::JsonLines | InputKind::Text) => {
                let mut r = BufReader::with_capacity(1 << 20, open(f)?);
                let mut line = String::new();
                let mut n: u64 = 0;
                let now = canhgac_domain::time::now_ms();
                loop {
                    line.clear();
                    let read = r
                        .read_line(&mut line)
                        .with_context(|| format!("while reading {input}"))?;
                    if read == 0 {
                        break;
                    }
                    n += 1;
                    stats.bytes += read as u64;
                    if let Some(b) = &bar {
                        if n.is_multiple_of(4096) {
                            b.set_position(stats.bytes);
                        }
                    }
                    let text = line.trim_end_matches(['\n', '\r']);
                    if text.trim().is_empty() {
                        continue;
                    }
                    match kind {
                        InputKind::JsonLines => match canhgac_ingest::event::json_line(text, now) {
                            Ok(mut r) => on_event(n, &mut r.event, &mut stats)?,
                            Err(e) => {
                                stats.malformed += 1;
                                if stats.malformed <= 20 {
                                    eprintln!("{input}: line {n}: not a JSON object ({e})");
                                }
                            }
                        },
                        _ => {
                            let (mut r, err) = canhgac_ingest::event::text_line(text, now);
                            if err.is_some() {
                                stats.malformed += 1;
                            }
                            on_event(n, &mut r.event, &mut stats)?;
                        }
                    }
                }
            }
        }
    }
    out.w.flush()?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let secs = run_start.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "{} file(s), {} events, {} detection(s), {} malformed, {:.1} MB in {:.2} s ({:.0} events/s); {:.1} rules evaluated per event after the prefilter",
        files.len(),
        stats.events,
        stats.detections,
        stats.malformed,
        stats.bytes as f64 / 1e6,
        secs,
        stats.events as f64 / secs,
        scratch.evaluated as f64 / stats.events.max(1) as f64
    );
    Ok(stats)
}
