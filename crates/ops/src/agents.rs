//! The server's side of `canhgac-agent` (M4): enrolment with a one-time token, the agent's own
//! credential, heartbeats answered with settings and commands, and the queued messages an agent
//! delivers — log lines and journal entries into the monitoring pipeline, software inventories
//! into patch matching (exactly as an uploaded inventory), file-integrity changes as alerts,
//! scan progress and detections as malware alerts, command results (quarantine, restore).
//!
//! Delivery is exactly-once in effect: each message's number is written in the same
//! transaction as what it does (`ingest_cursors`), and one agent's batches are applied one at
//! a time, so a batch resent after a lost answer (or a server restart) is acknowledged without
//! being applied again.

use crate::malware::{self as mw, Detected};
use crate::monitor::{Body, Monitor, Raw};
use canhgac_domain::agent::{
    bundle_digest, credential, split_credential, Acked, Batch, Enrol, Enrolled, Heartbeat, Message,
    Order, Orders, QuarantineState, Queued, RuleBundle, ScanState,
};
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::{EntityKind, Scope};
use canhgac_store::{agent_stream, Actor, AgentAuth, NewScan, NewSignal, Store, StoreError};
use rand::RngCore;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

/// Why an agent's call was refused.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The token or credential is unknown, spent, expired or revoked.
    #[error("not allowed")]
    Denied,
    /// The request is malformed (named).
    #[error("bad request: {0}")]
    Bad(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The monitoring pipeline did not take the lines.
    #[error("monitoring: {0}")]
    Monitor(String),
}

/// One-time enrolment tokens last this long unless said otherwise.
pub const ENROL_TTL_MS: i64 = 7 * 24 * 3_600_000;

/// A fresh random secret (32 bytes, hex) and its SHA-256 (what is stored).
pub fn new_secret() -> (String, String) {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let s = hex::encode(raw);
    let h = crate::oncall::token_hash(&s);
    (s, h)
}

/// Makes a one-time enrolment token for an organisation: returns its id and the token
/// (shown once).
pub async fn create_token(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    org_id: i64,
    label: &str,
    now: i64,
) -> Result<(i64, String), StoreError> {
    let (token, _) = new_secret();
    let token = format!("cge_{token}");
    let hash = crate::oncall::token_hash(&token);
    let id = store
        .create_enrolment(scope, actor, org_id, label, &hash, now, now + ENROL_TTL_MS)
        .await?;
    Ok((id, token))
}

/// The one-line enrolment command the console shows for a token.
pub fn enrol_command(server_url: &str, token: &str, pin: Option<&str>) -> String {
    let mut cmd = format!("sudo canhgac-agent enrol --server {server_url} --token {token}");
    if let Some(p) = pin {
        cmd.push_str(&format!(" --pin sha256:{p}"));
    }
    cmd
}

fn clean_hostname(s: &str) -> Option<String> {
    let h = s.trim().trim_end_matches('.').to_string();
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
    ok.then_some(h)
}

/// Enrols an agent: the token must be live; the host is the organisation's registered host of
/// that name, or a new one registered for it. The token is spent in the same transaction that
/// records the agent.
pub async fn enrol(
    store: &Store,
    req: &Enrol,
    addr: Option<&str>,
    now: i64,
) -> Result<Enrolled, AgentError> {
    let hostname = clean_hostname(&req.hostname)
        .ok_or_else(|| AgentError::Bad("hostname: not a host name".into()))?;
    let token_hash = crate::oncall::token_hash(req.token.trim());
    let (org_id, org_code) = store
        .enrolment_org(&token_hash, now)
        .await?
        .ok_or(AgentError::Denied)?;
    let scope = Scope::Orgs(BTreeSet::from([org_id]));
    let host_id = match host_named(store, org_id, &hostname).await? {
        Some(id) => Some(id),
        None => {
            let mut rec = canhgac_domain::Record::new();
            rec.insert("org_id".into(), json!(org_id));
            rec.insert("hostname".into(), json!(hostname));
            rec.insert("kind".into(), json!("server"));
            rec.insert(
                "os".into(),
                json!(req.os.chars().take(200).collect::<String>()),
            );
            rec.insert(
                "notes".into(),
                json!("Đăng ký tự động khi cài tác tử canhgac-agent"),
            );
            match store
                .create(
                    EntityKind::Host,
                    &scope,
                    &Actor::system("agent-enrol"),
                    &rec,
                )
                .await
            {
                Ok(r) => r.get("id").and_then(Value::as_i64),
                Err(e) => {
                    tracing::warn!(error = %e, %hostname, "could not register the agent's host");
                    None
                }
            }
        }
    };
    let (secret, secret_hash) = new_secret();
    let (id, _) = store
        .enrol_agent(
            &token_hash,
            host_id,
            &hostname,
            &req.os,
            &req.version,
            &secret_hash,
            addr,
            now,
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AgentError::Denied,
            e => AgentError::Store(e),
        })?;
    Ok(Enrolled {
        agent_id: id,
        credential: credential(id, &secret),
        org_code,
    })
}

async fn host_named(store: &Store, org_id: i64, hostname: &str) -> Result<Option<i64>, StoreError> {
    let scope = Scope::Orgs(BTreeSet::from([org_id]));
    let idx = store.name_index(EntityKind::Host, &scope).await?;
    Ok(idx.get(&(org_id, hostname.to_lowercase())).copied())
}

/// The agent a `Bearer` credential names, if live.
pub async fn authenticate(store: &Store, bearer: &str) -> Result<AgentAuth, AgentError> {
    let (id, secret) = split_credential(bearer.trim()).ok_or(AgentError::Denied)?;
    store
        .agent_auth(id, &crate::oncall::token_hash(secret))
        .await?
        .ok_or(AgentError::Denied)
}

/// Records a heartbeat; answers with the settings, the commands waiting and the rules digest.
pub async fn heartbeat(
    store: &Store,
    a: &AgentAuth,
    hb: &Heartbeat,
    addr: Option<&str>,
    now: i64,
) -> Result<Orders, AgentError> {
    store
        .agent_heartbeat(
            a.id,
            &hb.version,
            &hb.os,
            &hb.ips,
            &hb.ports,
            hb.queued,
            addr,
            now,
        )
        .await?;
    let agent = store
        .agent(&Scope::All, a.id)
        .await?
        .ok_or(AgentError::Denied)?;
    let commands = store.take_commands(a.id, now).await?;
    let sets = store.rule_sets_for(a.org_id).await?;
    Ok(Orders {
        config: agent.settings(),
        commands,
        rules_digest: bundle_digest(&sets),
    })
}

/// The rule sets and hash lists in force for the agent's organisation.
pub async fn rules(store: &Store, a: &AgentAuth) -> Result<RuleBundle, AgentError> {
    let sets = store.rule_sets_for(a.org_id).await?;
    Ok(RuleBundle {
        digest: bundle_digest(&sets),
        sets,
    })
}

type AgentLock = Arc<tokio::sync::Mutex<()>>;
static LOCKS: LazyLock<Mutex<HashMap<i64, AgentLock>>> = LazyLock::new(Default::default);

fn lock_of(agent: i64) -> AgentLock {
    let mut g = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
    g.entry(agent).or_default().clone()
}

/// Applies a batch of queued messages in order, skipping those applied before. Answers with
/// the highest number applied; a failure stops the batch there (the rest come again).
pub async fn deliver(
    store: &Store,
    monitor: &Monitor,
    a: &AgentAuth,
    batch: &Batch,
) -> Result<Acked, AgentError> {
    if batch.messages.len() > canhgac_domain::agent::MAX_BATCH {
        return Err(AgentError::Bad(format!(
            "messages: at most {} per batch",
            canhgac_domain::agent::MAX_BATCH
        )));
    }
    let lock = lock_of(a.id);
    let _held = lock.lock().await;
    let stream = agent_stream(a.id);
    let mut acked = store.cursor(&stream).await?;
    for q in &batch.messages {
        if q.seq <= acked {
            continue;
        }
        if q.seq != acked + 1 {
            return Err(AgentError::Bad(format!(
                "seq {}: expected {} (messages are numbered without gaps)",
                q.seq,
                acked + 1
            )));
        }
        apply(store, monitor, a, q).await?;
        acked = q.seq;
    }
    Ok(Acked { acked })
}

/// The syslog line of a journal entry (`journalctl -o json`): priority, time, host, program,
/// message — so the Sigma rules for Linux logs see what they would see from rsyslog.
pub fn journal_line(e: &Value, fallback_host: &str) -> Option<String> {
    let field = |k: &str| e.get(k).and_then(Value::as_str);
    let message = match e.get("MESSAGE")? {
        Value::String(s) => s.clone(),
        // Binary messages come as arrays of bytes.
        Value::Array(b) => String::from_utf8_lossy(
            &b.iter()
                .filter_map(|x| x.as_u64().map(|n| n as u8))
                .collect::<Vec<u8>>(),
        )
        .into_owned(),
        _ => return None,
    };
    let pri: u32 = field("PRIORITY").and_then(|p| p.parse().ok()).unwrap_or(6);
    let facility: u32 = field("SYSLOG_FACILITY")
        .and_then(|p| p.parse().ok())
        .unwrap_or(3);
    let micros: i64 = field("__REALTIME_TIMESTAMP")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let at = chrono::DateTime::from_timestamp_micros(micros)?;
    let host = field("_HOSTNAME").unwrap_or(fallback_host);
    let ident = field("SYSLOG_IDENTIFIER")
        .or(field("_COMM"))
        .unwrap_or("journal");
    let pid = field("_PID").or(field("SYSLOG_PID")).unwrap_or("-");
    Some(format!(
        "<{}>1 {} {} {} {} - - {}",
        facility.min(23) * 8 + pri.min(7),
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        host,
        ident,
        pid,
        message.replace('\n', " ")
    ))
}

async fn ingest_lines(
    store: &Store,
    monitor: &Monitor,
    a: &AgentAuth,
    lines: Vec<String>,
    seq: u64,
) -> Result<(), AgentError> {
    let stream = agent_stream(a.id);
    if lines.is_empty() {
        store.advance_cursor(&stream, seq).await?;
        return Ok(());
    }
    let n = lines.len();
    let scope = Scope::Orgs(BTreeSet::from([a.org_id]));
    let records: Vec<Raw> = lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let mut r = Raw::new("agent", None, Body::Line(l));
            r.owner = Some((scope.clone(), Some(a.org_id)));
            if i + 1 == n {
                r.mark = Some((stream.clone(), seq as i64));
            }
            r
        })
        .collect();
    monitor
        .ingest(records)
        .await
        .map_err(|e| AgentError::Monitor(e.to_string()))?;
    Ok(())
}

fn fim_severity(path: &str) -> Severity {
    const CRITICAL: [&str; 5] = [
        "/etc/shadow",
        "/etc/passwd",
        "/etc/sudoers",
        "/root/.ssh/authorized_keys",
        "/etc/ld.so.preload",
    ];
    if CRITICAL
        .iter()
        .any(|p| path == *p || path.starts_with("/etc/sudoers.d/"))
    {
        Severity::High
    } else {
        Severity::Medium
    }
}

async fn apply(
    store: &Store,
    monitor: &Monitor,
    a: &AgentAuth,
    q: &Queued,
) -> Result<(), AgentError> {
    let stream = agent_stream(a.id);
    let now = canhgac_domain::time::now_ms();
    match &q.body {
        Message::Logs { file, lines } => {
            let _ = file;
            let lines = lines
                .iter()
                .take(10_000)
                .map(|l| l.chars().take(65_536).collect())
                .collect();
            ingest_lines(store, monitor, a, lines, q.seq).await
        }
        Message::Journal { entries } => {
            let lines = entries
                .iter()
                .take(10_000)
                .filter_map(|e| journal_line(e, &a.hostname))
                .collect();
            ingest_lines(store, monitor, a, lines, q.seq).await
        }
        Message::Inventory { format, text } => {
            let mut packages = 0;
            if let Some(host_id) = a.host_id {
                let name = if format == "rpm" {
                    "rpm-qa.txt"
                } else {
                    "dpkg-status"
                };
                match crate::patching::import_inventory(
                    store,
                    &Actor::system("agent"),
                    host_id,
                    a.org_id,
                    &a.hostname,
                    text.as_bytes(),
                    Some(name),
                )
                .await
                {
                    Ok(r) => {
                        packages = text
                            .lines()
                            .filter(|l| l.starts_with("Package: "))
                            .count()
                            .max(if format == "rpm" {
                                text.lines().filter(|l| !l.trim().is_empty()).count()
                            } else {
                                0
                            });
                        tracing::debug!(agent = a.id, matches = r.matches, "agent inventory");
                    }
                    // A bad inventory does not get better when sent again: noted, not retried.
                    Err(crate::patching::PatchError::Rejected(errs)) => tracing::warn!(
                        agent = a.id,
                        problems = errs.len(),
                        "an agent's inventory was refused"
                    ),
                    Err(crate::patching::PatchError::Store(e)) => return Err(e.into()),
                }
            }
            store
                .agent_inventory_taken(a.id, packages, q.seq, now)
                .await?;
            Ok(())
        }
        Message::Fim { changes } => {
            let mut rows = Vec::with_capacity(changes.len());
            for c in changes.iter().take(10_000) {
                let what = match c.change.as_str() {
                    "added" => "Tệp mới xuất hiện trong thư mục được giám sát",
                    "removed" => "Tệp được giám sát bị xoá",
                    "mode" => "Quyền truy cập của tệp được giám sát thay đổi",
                    "owner" => "Chủ sở hữu của tệp được giám sát thay đổi",
                    _ => "Nội dung tệp được giám sát thay đổi",
                };
                let (id, _) = store
                    .raise_signal(&NewSignal {
                        kind: SignalKind::FileChange,
                        source: "canhgac-agent/fim".into(),
                        title: format!("{what} trên máy {}", a.hostname),
                        severity: fim_severity(&c.path),
                        org_id: Some(a.org_id),
                        host_id: a.host_id,
                        dedup_key: format!("fim:{}:{}", a.id, c.path),
                        seen_at: q.at,
                        window_ms: 3_600_000,
                        payload: json!({"path": c.path, "change": c.change, "before": c.before, "after": c.after, "agent_id": a.id}),
                        host_name: Some(a.hostname.clone()),
                        src_ip: None,
                    })
                    .await?;
                rows.push((c.clone(), Some(id)));
            }
            store.record_fim(a, &rows, q.at, q.seq).await?;
            Ok(())
        }
        Message::ScanStarted { scan_id } => {
            store
                .scan_progress(
                    a.id,
                    *scan_id,
                    ScanState::Running.as_str(),
                    Default::default(),
                    q.seq,
                    now,
                )
                .await?;
            Ok(())
        }
        Message::ScanProgress { scan_id, counts } => {
            store
                .scan_progress(
                    a.id,
                    *scan_id,
                    ScanState::Running.as_str(),
                    *counts,
                    q.seq,
                    now,
                )
                .await?;
            Ok(())
        }
        Message::Detections { scan_id, items } => {
            for d in items.iter().take(10_000) {
                mw::detected(
                    store,
                    a,
                    &Detected {
                        scan_id: Some(*scan_id),
                        detection: d.clone(),
                        at: q.at,
                    },
                )
                .await?;
            }
            store.advance_cursor(&stream, q.seq).await?;
            Ok(())
        }
        Message::ScanDone {
            scan_id,
            counts,
            failed,
        } => {
            let state = if failed.is_some() {
                ScanState::Failed
            } else {
                ScanState::Done
            };
            store
                .scan_progress(a.id, *scan_id, state.as_str(), *counts, q.seq, now)
                .await?;
            if failed.is_none() {
                mw::scan_finished(store, a, *scan_id).await?;
            }
            Ok(())
        }
        Message::CommandResult {
            command_id,
            ok,
            detail,
        } => {
            let Some(cmd) = store
                .finish_command(a.id, *command_id, *ok, detail, q.seq)
                .await?
            else {
                return Ok(());
            };
            match serde_json::from_str::<Order>(&cmd.payload) {
                Ok(Order::Quarantine { quarantine_id, .. }) => {
                    let state = if *ok {
                        QuarantineState::Quarantined
                    } else {
                        QuarantineState::Failed
                    };
                    if let Some(qr) = store
                        .quarantine_result(a.id, quarantine_id, state, detail, q.seq)
                        .await?
                    {
                        if *ok {
                            mw::quarantined(store, a, &qr).await?;
                        }
                    }
                }
                Ok(Order::Restore { quarantine_id }) => {
                    let state = if *ok {
                        QuarantineState::Restored
                    } else {
                        QuarantineState::Quarantined
                    };
                    store
                        .quarantine_result(a.id, quarantine_id, state, detail, q.seq)
                        .await?;
                }
                _ => {}
            }
            Ok(())
        }
    }
}

/// Orders the scheduled scans that are due (each agent's interval); returns how many.
pub async fn schedule_scans(store: &Store, now: i64) -> Result<usize, StoreError> {
    let due = store.scheduled_scans_due(now).await?;
    let actor = Actor::system("scheduler");
    let mut n = 0;
    for (agent, org, every) in due {
        let scan = NewScan {
            org_id: org,
            kind: "scheduled".into(),
            title: format!("Quét định kỳ ({every} giờ một lần)"),
            paths: Vec::new(),
            target: format!("agent:{agent}"),
            agents: vec![agent],
        };
        match store.create_scan(&Scope::All, &actor, &scan).await {
            Ok(_) => n += 1,
            Err(e) => tracing::warn!(error = %e, agent, "could not order a scheduled scan"),
        }
    }
    Ok(n)
}

/// Which hosts a hunt covers.
#[derive(Debug, Clone, Default)]
pub struct HuntTarget {
    /// Every agent of these organisations (and those under them).
    pub orgs: Vec<i64>,
    /// Agents on these registered hosts.
    pub hosts: Vec<i64>,
    /// Every agent on a host whose address is on the newest Botnet list.
    pub botnet_listed: bool,
}

/// Orders a hunt: one scan over the chosen agents in the caller's scope (the Botnet-listed
/// hosts first in the progress list). Returns the scan's id.
pub async fn hunt(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    org_id: i64,
    title: &str,
    paths: Vec<String>,
    t: &HuntTarget,
) -> Result<i64, StoreError> {
    let mut agents: BTreeSet<i64> = BTreeSet::new();
    let mut said = Vec::new();
    if !t.orgs.is_empty() {
        let tree = store.org_tree().await?;
        let wanted: BTreeSet<i64> = t
            .orgs
            .iter()
            .flat_map(|o| canhgac_domain::access::descendants(*o, &tree))
            .collect();
        for a in store.agents(scope).await? {
            if wanted.contains(&a.org_id) && a.revoked_at.is_none() {
                agents.insert(a.id);
            }
        }
        said.push(format!("{} đơn vị", t.orgs.len()));
    }
    if !t.hosts.is_empty() {
        agents.extend(store.agents_on_hosts(scope, &t.hosts).await?);
        said.push(format!("{} máy", t.hosts.len()));
    }
    if t.botnet_listed {
        agents.extend(store.botnet_listed_agents(scope).await?);
        said.push("máy có địa chỉ trong danh sách Botnet mới nhất".into());
    }
    if paths
        .iter()
        .any(|p| !p.starts_with('/') || p.contains(".."))
    {
        return Err(StoreError::Invalid(vec![canhgac_domain::FieldError {
            field: "paths".into(),
            message: "absolute paths only".into(),
            message_vi: "chỉ nhận đường dẫn tuyệt đối".into(),
        }]));
    }
    store
        .create_scan(
            scope,
            actor,
            &NewScan {
                org_id,
                kind: "hunt".into(),
                title: title.trim().to_string(),
                paths,
                target: said.join("; "),
                agents: agents.into_iter().collect(),
            },
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_entry_becomes_the_syslog_line_rsyslog_would_send() {
        let e = json!({
            "__REALTIME_TIMESTAMP": "1764806400123456",
            "_HOSTNAME": "web01",
            "SYSLOG_IDENTIFIER": "sshd",
            "_PID": "812",
            "PRIORITY": "6",
            "SYSLOG_FACILITY": "10",
            "MESSAGE": "Failed password for root from 203.0.113.7 port 4242 ssh2"
        });
        assert_eq!(
            journal_line(&e, "fallback").as_deref(),
            Some("<86>1 2025-12-04T00:00:00.123456Z web01 sshd 812 - - Failed password for root from 203.0.113.7 port 4242 ssh2")
        );
        // Binary messages arrive as byte arrays; no MESSAGE, no line.
        let b = json!({"MESSAGE": [104, 105], "__REALTIME_TIMESTAMP": "0"});
        assert!(journal_line(&b, "h")
            .expect("line")
            .ends_with("h journal - - - hi"));
        assert_eq!(journal_line(&json!({"PRIORITY": "3"}), "h"), None);
    }

    #[test]
    fn host_names_are_checked() {
        assert_eq!(
            clean_hostname(" Web01.example. ").as_deref(),
            Some("Web01.example")
        );
        assert_eq!(clean_hostname("bad name"), None);
        assert_eq!(clean_hostname(""), None);
    }
}
