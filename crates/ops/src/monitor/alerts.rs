//! Alerts: what a rule's hit raises on a stored event, raised from the outbox once, and told to
//! the live feeds (this process's, and on PostgreSQL the other processes').

use super::{
    attacker_address, severity_of, AlertNotice, Announced, Compiled, Monitor, MonitorError,
};
use canhgac_detect::{Event, Hit};
use canhgac_domain::signal::SignalKind;
use canhgac_domain::time::now_ms;
use canhgac_store::{NewEvent, NewSignal, Raised, Store};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

impl Monitor {
    /// Raises the alerts left in the outbox for longer than `older_than_ms` (their pipeline
    /// died between storing the events and raising them); returns how many it raised.
    pub async fn drain_outbox(
        &self,
        store: &Store,
        older_than_ms: i64,
    ) -> Result<u64, MonitorError> {
        let mut n = 0;
        loop {
            let ids = store.outbox_waiting(now_ms() - older_than_ms, 500).await?;
            if ids.is_empty() {
                return Ok(n);
            }
            n += self.raise_outboxed(store, &ids).await?;
        }
    }

    /// Raises alerts of the outbox (in one transaction) and tells the live feeds; returns how
    /// many this process raised (another may have raised some first).
    pub(super) async fn raise_outboxed(
        &self,
        store: &Store,
        ids: &[i64],
    ) -> Result<u64, MonitorError> {
        let raised = store.raise_outboxed(ids).await?;
        let n = raised.len() as u64;
        let shared = store.backend() == "postgres";
        let mut announced = Vec::new();
        for (sig, r) in raised {
            let notice = self.notice(sig, r);
            if shared {
                announced.push(self.announcement(&notice));
            }
            let _ = self.alerts.send(notice);
        }
        // The other processes sharing the database are told in one statement.
        if !announced.is_empty() {
            if let Err(e) = store.announce_alerts(&announced).await {
                tracing::warn!(error = %e, "could not announce alerts to the other processes");
            }
        }
        Ok(n)
    }

    /// What the live views show of a raised alert.
    fn notice(&self, sig: NewSignal, raised: Raised) -> AlertNotice {
        let new = matches!(raised.decision, canhgac_domain::signal::Dedup::Raise);
        if new {
            self.stats.alerts.fetch_add(1, Ordering::Relaxed);
        }
        AlertNotice {
            id: raised.id,
            org_id: sig.org_id,
            title: sig.title,
            severity: sig.severity.as_str().to_string(),
            host: sig.host_name,
            at: sig.seen_at,
            new,
            org_code: raised.org_code,
            count: raised.count.max(1),
            src_ip: sig.src_ip,
            group_id: raised.group_id,
        }
    }

    /// A notice as announced to the other processes (long texts trimmed to fit).
    fn announcement(&self, notice: &AlertNotice) -> String {
        let mut notice = notice.clone();
        notice.title = notice.title.chars().take(300).collect();
        notice.host = notice.host.map(|h| h.chars().take(200).collect());
        notice.org_code = notice.org_code.map(|c| c.chars().take(64).collect());
        let a = Announced {
            origin: self.origin.clone(),
            notice,
        };
        serde_json::to_string(&a).unwrap_or_default()
    }
}

/// The alert a rule's hit raises on a stored event, unless the rule is limited to organisations
/// the event is not of. The event's id is filled in by the store (`event_id`).
pub(super) fn alert_for(
    compiled: &Compiled,
    hit: &Hit,
    ev: &Event<'_>,
    stored: &NewEvent,
    window_ms: i64,
) -> Option<NewSignal> {
    let r = hit.rule() as usize;
    if let Some(Some(limit)) = compiled.limits.get(r) {
        if !stored.org_id.is_some_and(|o| limit.contains(o)) {
            return None;
        }
    }
    let info = &compiled.engine.rules()[r];
    let key = &compiled.keys[r];
    let who = stored
        .host_name
        .clone()
        .or_else(|| stored.source_ip.clone())
        .unwrap_or_else(|| "?".into());
    let mut excerpt = serde_json::Map::new();
    for (k, v) in ev.fields.iter().take(24) {
        excerpt
            .entry(k.to_string())
            .or_insert_with(|| Value::String(v.chars().take(300).collect()));
    }
    let attacker = attacker_address(ev);
    let mut payload = json!({
        "attacker_ip": attacker,
        "rule_id": info.meta.id,
        "rule_key": key,
        "rule_title": info.meta.title,
        "level": info.meta.level.as_str(),
        "tags": info.meta.tags,
        "description": info.meta.description,
        "host": stored.host_name,
        "source_ip": stored.source_ip,
        "logsource": {"product": stored.product, "category": stored.category, "service": stored.service},
        "excerpt": excerpt,
    });
    // The owning organisation is part of the key (and the store matches it too): one
    // organisation's events never count into another's alert.
    let org = stored
        .org_id
        .map_or_else(|| "-".to_string(), |o| o.to_string());
    let mut dedup_key = format!("sigma:{org}:{key}:{who}");
    if let Hit::Correlation {
        group,
        count,
        first_ms,
        ..
    } = hit
    {
        payload["correlation"] = json!({"group": group, "count": count, "first_ms": first_ms});
        dedup_key = format!("sigma:{org}:{key}:{}", group.join("|"));
    }
    Some(NewSignal {
        kind: SignalKind::SigmaAlert,
        source: key.clone(),
        title: format!("{} — {who}", info.meta.title),
        severity: severity_of(info.meta.level),
        org_id: stored.org_id,
        host_id: stored.host_id,
        dedup_key,
        seen_at: stored.at.max(stored.received_at),
        window_ms,
        payload,
        host_name: stored.host_name.clone(),
        src_ip: attacker,
    })
}
