//! `canhgac spam parse`: 5656 report lines on stdin, one JSON object per line on stdout.

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum SpamCommand {
    /// Đọc các dòng phản ánh gửi 5656 (S/V [nguồn][nội dung]) từ đầu vào chuẩn, in mỗi dòng một
    /// đối tượng JSON. Read 5656 report lines on stdin; print one JSON object per line: `kind`
    /// (sms|call), `sender` (E.164 or the brand name), `senders`, `content` — or `error` for a
    /// line that is not a report.
    Parse,
    /// Phân loại tin nhắn: lừa đảo, rác hay hợp lệ. Read JSON lines `{"text": …}` on stdin;
    /// print one object per line with `label` (fraud|spam|ham), `score`, `reasons` and
    /// `indicators`.
    Classify {
        /// Ngưỡng xác suất lừa đảo (mặc định của mô hình). Fraud threshold (default: the model's).
        #[arg(long)]
        threshold: Option<f32>,
    },
    /// Nhập hàng loạt phản ánh vào kho dữ liệu cho một nhà mạng. Import a file of 5656 lines or
    /// NDJSON reports (any size: 50,000 per transaction, memory bounded) for an operator into
    /// the store: each report understood, classified, clustered into campaigns and put in its
    /// sender's case, as the web import does; prints the totals as JSON.
    Import {
        /// Mã nhà mạng / the operator's code (e.g. VIETTEL).
        #[arg(long)]
        org: String,
        /// Thư mục dữ liệu / the embedded store's folder.
        #[arg(long)]
        data: Option<PathBuf>,
        /// PostgreSQL URL.
        #[arg(long, env = "CANHGAC_DATABASE_URL")]
        database: Option<String>,
        /// Tệp phản ánh ("-": đầu vào chuẩn) / the file ("-" for stdin).
        file: PathBuf,
    },
    /// Huấn luyện lại mô hình từ dữ liệu có nhãn. Rebuild the fraud model from labelled CSV
    /// (`content`, `label` 1 = fraud): report precision, recall and F1 on a held-out fifth of the
    /// near-duplicate groups, then train on everything and write the weights.
    Train {
        /// Labelled CSV files.
        #[arg(long = "data", required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        /// Where to write the weights (e.g. crates/spam/model/fraud.bin).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Reads lines until the end of input; a line that is not a report is answered with its
/// error (and line number), never dropped.
pub fn parse_stdin() -> Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line?;
        let v = match canhgac_spam::parse(&line) {
            Ok(r) => json!({
                "kind": r.kind,
                "sender": r.senders.first().map(|s| s.key()),
                "senders": r.senders.iter().map(|s| json!({"raw": s.raw, "key": s.key(), "network": s.phone.as_ref().map(|p| p.network), "kind": s.phone.as_ref().map(|p| p.kind)})).collect::<Vec<_>>(),
                "content": r.content,
            }),
            Err(e) => json!({"line": i + 1, "error": e.to_string(), "text": line}),
        };
        serde_json::to_writer(&mut out, &v)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// `canhgac spam classify`: JSON lines `{"text": …}` in, verdicts out (a line that is not such
/// an object is answered with its error).
pub fn classify_stdin(threshold: Option<f32>) -> Result<()> {
    let mut model = canhgac_spam::Model::embedded();
    if let Some(t) = threshold {
        model.threshold = t.clamp(0.0, 1.0);
    }
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v = match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(v) => match v.get("text").and_then(|t| t.as_str()) {
                Some(text) => {
                    let r = model.classify(text, false);
                    json!({"label": r.label, "score": (r.score * 10_000.0).round() / 10_000.0, "reasons": r.reasons.iter().map(|(k, w)| json!({"feature": k, "weight": (w * 1000.0).round() / 1000.0})).collect::<Vec<_>>(), "indicators": r.indicators})
                }
                None => json!({"line": i + 1, "error": "no \"text\" string"}),
            },
            Err(e) => json!({"line": i + 1, "error": format!("not JSON: {e}")}),
        };
        serde_json::to_writer(&mut out, &v)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Precision, recall and F1 of fraud against the rest.
fn scores(truth: &[bool], predicted: &[bool]) -> (f64, f64, f64, usize, usize) {
    let tp = truth
        .iter()
        .zip(predicted)
        .filter(|(t, p)| **t && **p)
        .count() as f64;
    let fp = truth
        .iter()
        .zip(predicted)
        .filter(|(t, p)| !**t && **p)
        .count() as f64;
    let fneg = truth
        .iter()
        .zip(predicted)
        .filter(|(t, p)| **t && !**p)
        .count() as f64;
    let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let recall = if tp + fneg > 0.0 {
        tp / (tp + fneg)
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (
        precision,
        recall,
        f1,
        truth.iter().filter(|t| **t).count(),
        truth.len(),
    )
}

/// `canhgac spam train`.
pub fn train(data: &[std::path::PathBuf], out: &std::path::Path) -> Result<()> {
    let mut rows: Vec<(String, bool)> = Vec::new();
    for p in data {
        let mut r =
            csv::Reader::from_path(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        let headers = r.headers()?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let (Some(c), Some(l)) = (col("content"), col("label")) else {
            anyhow::bail!("{}: needs `content` and `label` columns", p.display());
        };
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| anyhow::anyhow!("{} row {}: {e}", p.display(), i + 2))?;
            let label = match rec.get(l).map(str::trim) {
                Some("1") => true,
                Some("0") => false,
                other => anyhow::bail!(
                    "{} row {}: label must be 0 or 1, not {:?}",
                    p.display(),
                    i + 2,
                    other
                ),
            };
            rows.push((rec.get(c).unwrap_or_default().to_string(), label));
        }
    }
    // Near-duplicate groups, each wholly on one side of the split (a fifth held out, by the
    // group's first member's hash: deterministic).
    let hashes: Vec<u64> = rows
        .iter()
        .map(|(t, _)| canhgac_spam::similar::simhash(t))
        .collect();
    let groups = canhgac_spam::similar::groups(&hashes, 6);
    let held = |i: usize| {
        hashes[groups[i]]
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .is_multiple_of(5)
    };
    let train_set: Vec<(&str, bool)> = (0..rows.len())
        .filter(|i| !held(*i))
        .map(|i| (rows[i].0.as_str(), rows[i].1))
        .collect();
    let test_idx: Vec<usize> = (0..rows.len()).filter(|i| held(*i)).collect();
    let m = canhgac_spam::classify::train(&train_set, 8);
    let truth: Vec<bool> = test_idx.iter().map(|i| rows[*i].1).collect();
    let pred: Vec<bool> = test_idx
        .iter()
        .map(|i| m.score(&rows[*i].0) >= m.threshold)
        .collect();
    let (p, r, f1, pos, n) = scores(&truth, &pred);
    let distinct = {
        let mut g = groups.clone();
        g.sort_unstable();
        g.dedup();
        g.len()
    };
    eprintln!(
        "{} messages in {distinct} near-duplicate groups; held out {n} ({pos} fraud) by group",
        rows.len()
    );
    eprintln!("held-out fraud vs the rest: precision {p:.3}, recall {r:.3}, F1 {f1:.3}");
    // The same held-out messages with every diacritic removed.
    let bare: Vec<bool> = test_idx
        .iter()
        .map(|i| m.score(&strip(&rows[*i].0)) >= m.threshold)
        .collect();
    let (p2, r2, f2, _, _) = scores(&truth, &bare);
    eprintln!("held out, diacritics removed: precision {p2:.3}, recall {r2:.3}, F1 {f2:.3}");
    let all: Vec<(&str, bool)> = rows.iter().map(|(t, y)| (t.as_str(), *y)).collect();
    let model = canhgac_spam::classify::train(&all, 8);
    std::fs::write(out, model.to_bytes()).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    eprintln!(
        "weights written to {} ({} bytes)",
        out.display(),
        model.to_bytes().len()
    );
    Ok(())
}

fn strip(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for c in s.chars() {
        let f = canhgac_spam::fold(&c.to_string());
        let keep_case = if c.is_uppercase() {
            f.to_uppercase()
        } else {
            f
        };
        let _ = write!(
            out,
            "{}",
            if c.is_whitespace() {
                c.to_string()
            } else {
                keep_case
            }
        );
    }
    out
}

/// `canhgac spam import`.
pub async fn import(
    org: &str,
    data: Option<&std::path::Path>,
    database: Option<&str>,
    file: &std::path::Path,
) -> Result<()> {
    use canhgac_domain::Scope;
    let store = match (database, data) {
        (Some(url), _) => canhgac_store::Store::open_postgres(url).await?,
        (None, Some(dir)) => canhgac_store::Store::open_sqlite(dir).await?,
        (None, None) => anyhow::bail!("say where the data is: --data DIR or --database postgres://… (cần --data hoặc --database)"),
    };
    let ops = store.telecom_orgs(&Scope::All).await?;
    let Some(org_id) = ops.iter().find(|o| o.1 == org).map(|o| o.0) else {
        let known: Vec<&str> = ops.iter().map(|o| o.1.as_str()).collect();
        anyhow::bail!(
            "'{org}' is not a telecom operator in the registry (operators: {})",
            known.join(", ")
        );
    };
    let actor = canhgac_store::Actor::system("canhgac spam import");
    let started = std::time::Instant::now();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let now = canhgac_domain::time::now_ms();
    let out = if file.as_os_str() == "-" {
        canhgac_ops::spam::import_stream(
            &store,
            &Scope::All,
            &actor,
            org_id,
            std::io::stdin().lock(),
            "stdin",
            now,
        )
        .await?
    } else {
        let f =
            std::fs::File::open(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        canhgac_ops::spam::import_stream(
            &store,
            &Scope::All,
            &actor,
            org_id,
            std::io::BufReader::with_capacity(1 << 20, f),
            &name,
            now,
        )
        .await?
    };
    let secs = started.elapsed().as_secs_f64();
    let v = json!({"rows": out.rows, "parsed": out.parsed, "unparsed": out.unparsed, "repeated": out.repeated,
        "new_senders": out.new_senders, "new_campaigns": out.new_campaigns, "new_cases": out.new_cases,
        "seconds": (secs * 100.0).round() / 100.0, "reports_per_second": (out.rows as f64 / secs.max(1e-9)).round()});
    println!("{v}");
    Ok(())
}
