//! Uploaded log files as records: EVTX, JSON arrays, JSON lines, text lines, gzip.

use super::*;
use serde_json::Value;

/// Splits an uploaded log file into records: `.evtx` (by name or signature), Windows event XML
/// (Windows Event Forwarding, `wevtutil qe /f:xml`), an IIS / W3C extended log (by its `#`
/// directives), JSON (an array, an object, or JSON lines), or text lines; gzip is undone first.
/// Unreadable EVTX records, XML events and W3C lines are kept as malformed records, named by
/// their position.
pub fn records_from_file(name: &str, bytes: &[u8]) -> Result<Vec<Raw>, MonitorError> {
    // Gzip is inflated within the limits (a decompression bomb is refused, not inflated).
    let data =
        crate::limits::inflate(name, bytes).map_err(|e| MonitorError::File(e.to_string()))?;
    let lower = name.to_ascii_lowercase();
    let lower = lower.trim_end_matches(".gz");
    let mut out = Vec::new();
    if lower.ends_with(".evtx") || data.starts_with(b"ElfFile\0") {
        let settings = evtx::ParserSettings::default().num_threads(1);
        let mut p = evtx::EvtxParser::from_buffer(data)
            .map_err(|e| MonitorError::File(format!("{name}: not an EVTX file ({e})")))?
            .with_configuration(settings);
        for rec in p.records_json_value() {
            out.push(match rec {
                Ok(r) => Raw::new(
                    "evtx",
                    None,
                    Body::Evtx(r.data, r.timestamp.as_millisecond()),
                ),
                Err(e) => Raw::new(
                    "evtx",
                    None,
                    Body::Malformed(String::new(), format!("EVTX record: {e}")),
                ),
            });
        }
        return Ok(out);
    }
    let text = String::from_utf8_lossy(&data);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if canhgac_ingest::winxml::looks_like(trimmed) {
        for (i, rec) in canhgac_ingest::winxml::events(trimmed)
            .into_iter()
            .enumerate()
        {
            out.push(match rec {
                Ok(n) => {
                    let t = n
                        .get("TimeCreated")
                        .and_then(canhgac_ingest::event::parse_time_ms);
                    Raw::new("file", None, Body::Read(Box::new(n), t))
                }
                Err(e) => Raw::new(
                    "file",
                    None,
                    Body::Malformed(String::new(), format!("{name}: {e} (record {})", i + 1)),
                ),
            });
        }
        return Ok(out);
    }
    if canhgac_ingest::w3c::looks_like(trimmed.lines().next().unwrap_or("")) {
        let mut w3c = canhgac_ingest::w3c::W3c::new();
        for (i, line) in text.lines().enumerate() {
            match w3c.line(line) {
                Ok(None) => {}
                Ok(Some(n)) => {
                    let t = canhgac_ingest::w3c::time_ms(&n);
                    out.push(Raw::new("file", None, Body::Read(Box::new(n), t)));
                }
                Err(e) => out.push(Raw::new(
                    "file",
                    None,
                    Body::Malformed(line.to_string(), format!("{name}: line {}: {e}", i + 1)),
                )),
            }
        }
        return Ok(out);
    }
    if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(trimmed) {
            Ok(items) => {
                for v in items {
                    out.push(Raw::new("file", None, json_body(v)));
                }
                return Ok(out);
            }
            Err(e) => {
                return Err(MonitorError::File(format!(
                    "{name}: not a JSON array ({e})"
                )))
            }
        }
    }
    let json_lines = lower.ends_with(".json")
        || lower.ends_with(".jsonl")
        || lower.ends_with(".ndjson")
        || trimmed.starts_with('{');
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let body = if json_lines {
            Body::Json(line.to_string())
        } else {
            Body::Line(line.to_string())
        };
        out.push(Raw::new("file", None, body));
    }
    Ok(out)
}

/// A JSON value as a record: objects are events, anything else is malformed.
pub fn json_body(v: Value) -> Body {
    if v.is_object() {
        Body::Json(v.to_string())
    } else {
        Body::Malformed(v.to_string(), "not a JSON object".into())
    }
}
