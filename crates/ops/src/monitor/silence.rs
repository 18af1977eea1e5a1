//! Silent log sources: a source that has sent regularly and then stops for much longer than its
//! usual gap raises an alert to its organisation — stopping the logs is often an attacker's
//! first move (clearing or stopping the forwarder, cutting the firewall's syslog).

use super::*;

/// When a source counts as silent.
#[derive(Debug, Clone, Copy)]
pub struct SilenceRule {
    /// Never sooner than this after the last event (ms).
    pub floor_ms: i64,
    /// Nor sooner than this many usual gaps.
    pub factor: i64,
    /// Only sources that have sent at least this many events (an established habit).
    pub min_events: i64,
}

impl Default for SilenceRule {
    fn default() -> Self {
        SilenceRule {
            floor_ms: 15 * 60_000,
            factor: 6,
            min_events: 20,
        }
    }
}

/// Raises one alert per source that has gone silent since the last check; returns how many.
/// Each alert names the source, its format and how long it has been quiet, and links the host
/// when it is registered; the source is marked so the alert is not raised again until it has
/// sent again.
pub async fn check_silent_sources(
    store: &Store,
    now: i64,
    rule: SilenceRule,
) -> Result<usize, StoreError> {
    let silent = store
        .silent_sources(now, rule.min_events, rule.floor_ms, rule.factor)
        .await?;
    let mut raised = 0;
    for s in silent {
        let (fmt_vi, _) = canhgac_ingest::event::format_name(&s.format);
        let quiet_min = (now - s.last_seen) / 60_000;
        let usual_min = (s.gap_ms / 60_000).max(1);
        let sig = NewSignal {
            kind: SignalKind::SourceSilent,
            source: format!("log_source:{}", s.id),
            title: format!(
                "{} ngừng gửi nhật ký ({fmt_vi}) đã {quiet_min} phút",
                s.source_key
            ),
            severity: Severity::High,
            org_id: s.org_id,
            host_id: s.host_id,
            // The organisation is part of the key (the store matches it too).
            dedup_key: format!(
                "source_silent:{}:{}",
                s.org_id.map_or_else(|| "-".to_string(), |o| o.to_string()),
                s.id
            ),
            seen_at: now,
            window_ms: 0,
            payload: json!({
                "log_source_id": s.id,
                "source": s.source_key,
                "format": s.format,
                "last_seen": s.last_seen,
                "usual_gap_ms": s.gap_ms,
                "silent_ms": now - s.last_seen,
                "usual_gap_minutes": usual_min,
                "events": s.events,
            }),
            host_name: Some(s.source_key.clone()),
            src_ip: None,
        };
        let (id, _) = store.raise_signal(&sig).await?;
        store.mark_source_silent(s.id, id).await?;
        raised += 1;
    }
    Ok(raised)
}
