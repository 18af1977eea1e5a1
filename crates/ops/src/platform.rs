//! National-platform alerts in (M8): the webhook's checks — a sender's token, an HMAC-SHA256
//! signature of `timestamp + "." + body` with its key, a timestamp within five minutes, a
//! signature never seen before — then each alert (platform id, time, type, target, description,
//! severity, recommendation) routed through the registry to the organisation that owns its
//! target (unmatched ones wait in the DIC's queue), stored by platform id (the same id again
//! updates it) and raised as a `national_alert` signal to that organisation.

use std::net::IpAddr;

use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_store::{NewPlatformAlert, NewSignal, PlatformSource, Store, StoreError};
use serde_json::{json, Value};

use crate::directory::Directory;

/// How far a timestamp may be from now (ms).
pub const CLOCK_SKEW_MS: i64 = 5 * 60_000;
/// Most alerts in one request.
pub const MAX_ALERTS: usize = 1000;

/// Why a push was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// No or unknown token.
    #[error("unknown sender token")]
    Token,
    /// Missing or malformed timestamp or signature header.
    #[error("missing or malformed {0} header")]
    Header(&'static str),
    /// The timestamp is too far from now.
    #[error("the timestamp is more than 5 minutes from the server's clock")]
    Stale,
    /// The signature does not match.
    #[error("the signature does not match the body")]
    Signature,
    /// The same signature was seen before.
    #[error("this request was already received (replay)")]
    Replay,
    /// The body is not what was expected, with the reasons (alert index, field).
    #[error("{0}")]
    Body(String),
    /// The store failed.
    #[error("storage: {0}")]
    Store(String),
}

impl From<StoreError> for PushError {
    fn from(e: StoreError) -> Self {
        PushError::Store(e.to_string())
    }
}

/// The signature of a body: lowercase hex HMAC-SHA256 of `timestamp + "." + body`.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| <Hmac<sha2::Sha256> as Mac>::new_from_slice(b"-").expect("key"));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a push's timestamp (Unix seconds) and signature in constant time, then that the
/// signature is new.
pub async fn verify(
    store: &Store,
    source: &PlatformSource,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), PushError> {
    let ts = timestamp.ok_or(PushError::Header("X-Canhgac-Timestamp"))?;
    let secs: i64 = ts
        .trim()
        .parse()
        .map_err(|_| PushError::Header("X-Canhgac-Timestamp"))?;
    let sig = signature
        .map(|s| s.trim().trim_start_matches("sha256=").to_ascii_lowercase())
        .filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(PushError::Header("X-Canhgac-Signature"))?;
    if (now - secs.saturating_mul(1000)).abs() > CLOCK_SKEW_MS {
        return Err(PushError::Stale);
    }
    let want = sign(&source.secret, ts.trim(), body);
    let same = want.len() == sig.len()
        && want
            .bytes()
            .zip(sig.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(PushError::Signature);
    }
    if !store
        .remember_signature(source.id, &sig, now, 2 * CLOCK_SKEW_MS)
        .await?
    {
        return Err(PushError::Replay);
    }
    Ok(())
}

/// One alert as the platform sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertIn {
    /// The platform's id.
    pub id: String,
    /// When (Unix ms).
    pub time: Option<i64>,
    /// Type.
    pub kind: String,
    /// IP, domain or URL.
    pub target: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: Severity,
    /// Recommendation.
    pub recommendation: String,
}

fn text(v: &Value, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|k| match &v[*k] {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Reads a body: one alert object or an array of them. Every problem is named with the
/// alert's position and field; nothing is taken unless all are well.
pub fn parse(body: &[u8]) -> Result<Vec<AlertIn>, PushError> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| PushError::Body(format!("not JSON: {e}")))?;
    let items = match v {
        Value::Array(a) => a,
        o @ Value::Object(_) => vec![o],
        _ => {
            return Err(PushError::Body(
                "expected an alert object or an array of them".into(),
            ))
        }
    };
    if items.len() > MAX_ALERTS {
        return Err(PushError::Body(format!(
            "more than {MAX_ALERTS} alerts in one request"
        )));
    }
    let labelled = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| (format!("alert {}", i + 1), v))
        .collect();
    parse_items(labelled)
}

/// The columns of a platform export, with the header names looked for by default (Vietnamese
/// and English); a person may name others.
pub const COLUMNS: [(&str, &[&str]); 7] = [
    (
        "id",
        &["id", "mã", "mã cảnh báo", "platform id", "alert id"],
    ),
    ("time", &["time", "thời gian", "thời điểm", "timestamp"]),
    ("type", &["type", "loại", "loại cảnh báo", "category"]),
    (
        "target",
        &[
            "target",
            "đối tượng",
            "địa chỉ",
            "ip",
            "tên miền",
            "url",
            "domain",
        ],
    ),
    ("description", &["description", "mô tả", "nội dung"]),
    ("severity", &["severity", "mức độ", "level"]),
    (
        "recommendation",
        &["recommendation", "khuyến nghị", "đề xuất xử lý"],
    ),
];

/// Reads a CSV or XLSX export of platform alerts. `mapping` names, for any of [`COLUMNS`]' fields,
/// the header that holds it (else the defaults are looked for). The id and target columns must
/// exist; every bad row is named by its row number; nothing is taken unless all are well.
pub fn parse_table(
    bytes: &[u8],
    file_name: &str,
    mapping: &[(String, String)],
) -> Result<Vec<AlertIn>, PushError> {
    let format = canhgac_sheets::Format::detect(bytes, Some(file_name));
    let table = canhgac_sheets::read(bytes, format)
        .map_err(|e| PushError::Body(format!("{file_name}: {e}")))?;
    let mut cols: Vec<(&str, Option<usize>)> = Vec::new();
    for (field, defaults) in COLUMNS {
        let chosen = mapping
            .iter()
            .find(|(f, h)| f == field && !h.trim().is_empty())
            .map(|(_, h)| h.trim().to_string());
        let idx = match &chosen {
            Some(h) => match table.column(h) {
                Some(i) => Some(i),
                None => {
                    return Err(PushError::Body(format!(
                        "{file_name}: no column '{h}' (chosen for {field})"
                    )))
                }
            },
            None => defaults.iter().find_map(|d| table.column(d)),
        };
        if idx.is_none() && matches!(field, "id" | "target") {
            return Err(PushError::Body(format!(
                "{file_name}: no column for {field} (looked for {})",
                defaults.join(", ")
            )));
        }
        cols.push((field, idx));
    }
    if table.rows.len() > MAX_ALERTS {
        return Err(PushError::Body(format!(
            "{file_name}: more than {MAX_ALERTS} rows"
        )));
    }
    let items = table
        .rows
        .iter()
        .map(|(n, cells)| {
            let mut o = serde_json::Map::new();
            for (field, idx) in &cols {
                if let Some(v) = idx
                    .and_then(|i| cells.get(i))
                    .filter(|v| !v.trim().is_empty())
                {
                    o.insert((*field).to_string(), Value::String(v.trim().to_string()));
                }
            }
            (format!("{file_name}: row {n}"), Value::Object(o))
        })
        .collect();
    parse_items(items)
}

/// `dd/mm/yyyy hh:mm[:ss]` in Viet Nam time, as Vietnamese exports write it.
fn vn_time(s: &str) -> Option<i64> {
    ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s.trim(), f).ok())
        .map(|t| t.and_utc().timestamp_millis() - 7 * 3_600_000)
}

/// Reads alerts given as JSON objects, each with the label its problems are named by (an
/// e-mail's body block, say); all or nothing, like [`parse`].
pub fn parse_labelled(items: Vec<(String, Value)>) -> Result<Vec<AlertIn>, PushError> {
    parse_items(items)
}

fn parse_items(items: Vec<(String, Value)>) -> Result<Vec<AlertIn>, PushError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (label, it) in &items {
        let n = label;
        if !it.is_object() {
            errors.push(format!("{n}: not an object"));
            continue;
        }
        let id = text(it, &["id", "platform_id", "alert_id"]);
        let target = text(it, &["target", "ip", "domain", "url"]);
        if id.is_empty() {
            errors.push(format!("{n}: field id is missing"));
        }
        if target.is_empty() {
            errors.push(format!("{n}: field target is missing"));
        }
        let sev_text = text(it, &["severity", "level"]);
        let severity = if sev_text.is_empty() {
            Severity::Medium
        } else {
            match Severity::parse(&sev_text).or(match sev_text.to_lowercase().as_str() {
                "thấp" => Some(Severity::Low),
                "trung bình" => Some(Severity::Medium),
                "cao" => Some(Severity::High),
                "nghiêm trọng" => Some(Severity::Critical),
                _ => None,
            }) {
                Some(s) => s,
                None => {
                    errors.push(format!(
                        "{n}: field severity '{sev_text}' is not low, medium, high or critical"
                    ));
                    Severity::Medium
                }
            }
        };
        let time_text = text(it, &["time", "timestamp", "created_at"]);
        let time = if time_text.is_empty() {
            None
        } else {
            match canhgac_ingest::event::parse_time_ms(&time_text).or_else(|| vn_time(&time_text)) {
                Some(t) => Some(t),
                None => {
                    errors.push(format!("{n}: field time '{time_text}' is not a time"));
                    None
                }
            }
        };
        out.push(AlertIn {
            id: id.chars().take(200).collect(),
            time,
            kind: text(it, &["type", "category"]).chars().take(200).collect(),
            target: target.chars().take(500).collect(),
            description: text(it, &["description", "message"])
                .chars()
                .take(4000)
                .collect(),
            severity,
            recommendation: text(it, &["recommendation", "remediation"])
                .chars()
                .take(4000)
                .collect(),
        });
    }
    if !errors.is_empty() {
        errors.truncate(50);
        return Err(PushError::Body(errors.join("; ")));
    }
    Ok(out)
}

/// The host part of a target: an address, a domain, or a URL's host.
pub fn target_host(target: &str) -> String {
    let t = target.trim();
    let t = t.split_once("://").map_or(t, |(_, r)| r);
    let t = t.split(['/', '?', '#']).next().unwrap_or(t);
    let t = t.rsplit_once('@').map_or(t, |(_, h)| h);
    if let Some(v6) = t.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6).to_string();
    }
    if t.parse::<IpAddr>().is_ok() {
        return t.to_string();
    }
    t.split(':').next().unwrap_or(t).to_ascii_lowercase()
}

/// What a push did.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct PushReport {
    /// Alerts stored for the first time.
    pub new: usize,
    /// Alerts already known (updated, not doubled).
    pub updated: usize,
    /// Of all, routed to no organisation (the DIC's queue).
    pub queued: usize,
}

/// Stores and routes alerts, raising or counting up each one's signal.
pub async fn ingest(
    store: &Store,
    dir: &Directory,
    source: &PlatformSource,
    alerts: &[AlertIn],
) -> Result<PushReport, PushError> {
    let mut r = PushReport::default();
    for a in alerts {
        let host = target_host(&a.target);
        let ip = host.parse::<IpAddr>().ok();
        let (host_id, org_id) = if ip.is_some() {
            dir.resolve(None, ip, None)
        } else {
            dir.resolve(Some(&host), None, None)
        };
        let (id, new) = store
            .upsert_platform_alert(&NewPlatformAlert {
                source_id: source.id,
                platform_id: a.id.clone(),
                alert_time: a.time,
                alert_type: a.kind.clone(),
                target: a.target.clone(),
                description: a.description.clone(),
                severity: a.severity.as_str().to_string(),
                recommendation: a.recommendation.clone(),
                org_id,
                host_id,
            })
            .await?;
        if new {
            r.new += 1;
        } else {
            r.updated += 1;
        }
        if org_id.is_none() {
            r.queued += 1;
        }
        let org = org_id.map_or_else(|| "-".to_string(), |o| o.to_string());
        // The title names the target's host; the whole target (a URL's path and query) is in
        // the payload.
        let title = if a.kind.is_empty() {
            format!(
                "{host}: {}",
                a.description.chars().take(120).collect::<String>()
            )
        } else {
            format!("{} — {host}", a.kind)
        };
        let (sid, _) = store
            .raise_signal(&NewSignal {
                kind: SignalKind::NationalAlert,
                source: source.name.clone(),
                title,
                severity: a.severity,
                org_id,
                host_id,
                // The organisation is part of the key: one organisation's alert never counts
                // into another's.
                dedup_key: format!("national:{org}:{}:{}", source.id, a.id),
                seen_at: a.time.unwrap_or_else(now_ms),
                window_ms: 365 * 86_400_000,
                payload: json!({"platform_id": a.id, "type": a.kind, "target": a.target,
                    "description": a.description, "recommendation": a.recommendation, "platform_alert_id": id}),
                host_name: None,
                src_ip: ip.map(|i| i.to_string()),
            })
            .await?;
        store.set_platform_alert_signal(id, sid).await?;
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_and_targets() {
        let a = parse(br#"{"id": "IRL-1", "target": "https://Portal.Example.gov.vn/x?y", "severity": "cao", "time": "2026-11-25T02:00:00Z"}"#).unwrap();
        assert_eq!(a[0].severity, Severity::High);
        assert_eq!(a[0].time, Some(1_795_572_000_000));
        assert_eq!(target_host(&a[0].target), "portal.example.gov.vn");
        assert_eq!(target_host("203.0.113.5"), "203.0.113.5");
        assert_eq!(target_host("http://[2001:db8::1]:8080/a"), "2001:db8::1");
        let e = parse(br#"[{"id": "1", "target": "x"}, {"target": "y", "severity": "huge"}, 5]"#)
            .unwrap_err();
        let m = e.to_string();
        assert!(m.contains("alert 2: field id is missing"), "{m}");
        assert!(m.contains("alert 2: field severity 'huge'"), "{m}");
        assert!(m.contains("alert 3: not an object"), "{m}");
        assert!(parse(b"nope").is_err());
        assert_eq!(sign("k", "1", b"b").len(), 64);
        assert_ne!(sign("k", "1", b"b"), sign("k", "2", b"b"));
    }
}
