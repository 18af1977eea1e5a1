//! `canhgac spam parse`: 5656 report lines on stdin, one JSON object per line on stdout.

use anyhow::Result;
use serde_json::json;
use std::io::{BufRead, Write};

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
