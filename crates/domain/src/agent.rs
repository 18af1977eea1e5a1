//! The endpoint agent and centralised anti-malware (M4): the wire protocol between
//! `canhgac-agent` and the server (shared by both, so neither can drift), the agent's settings,
//! and the states of scans, malware alerts and quarantine.
//!
//! Protocol, JSON over HTTPS (rustls on both ends):
//! - `POST /agent/v1/enrol` with a one-time [`Enrol`] token → [`Enrolled`]: the agent's own
//!   credential, sent once, stored hashed by the server.
//! - `POST /agent/v1/heartbeat` with [`Heartbeat`] → [`Orders`]: settings, commands, the digest
//!   of the rule sets in force.
//! - `GET /agent/v1/rules` → [`RuleBundle`].
//! - `POST /agent/v1/messages` with [`Batch`] → [`Acked`]: everything an agent reports goes
//!   through its on-disk queue as numbered messages; the server records the highest number in
//!   the same transaction as each message's effect, so a resend is answered but not applied
//!   twice.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The header value prefix of an agent's credential: `Bearer agent.<id>.<secret>`.
pub const CREDENTIAL_PREFIX: &str = "agent.";

/// Builds an agent credential.
pub fn credential(id: i64, secret: &str) -> String {
    format!("{CREDENTIAL_PREFIX}{id}.{secret}")
}

/// Splits a credential into the agent's id and secret.
pub fn split_credential(s: &str) -> Option<(i64, &str)> {
    let rest = s.strip_prefix(CREDENTIAL_PREFIX)?;
    let (id, secret) = rest.split_once('.')?;
    let id: i64 = id.parse().ok()?;
    (id > 0 && secret.len() >= 32).then_some((id, secret))
}

/// Enrolment request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enrol {
    /// The one-time token shown in the console.
    pub token: String,
    /// The machine's host name.
    pub hostname: String,
    /// Operating system, e.g. "Debian GNU/Linux 12 (bookworm)".
    pub os: String,
    /// Agent version.
    pub version: String,
}

/// Enrolment answer: the agent's own credential (shown once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enrolled {
    /// Agent id.
    pub agent_id: i64,
    /// The credential to send as `Authorization: Bearer …` from now on.
    pub credential: String,
    /// The organisation's code.
    pub org_code: String,
}

/// What an agent is told to do besides commands.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct AgentConfig {
    /// Log files to ship (their new lines).
    pub log_files: Vec<String>,
    /// Ship the systemd journal.
    pub journal: bool,
    /// Paths watched for changes (files, or folders walked to a depth of 8).
    pub fim_paths: Vec<String>,
    /// Seconds between two looks at the watched paths.
    pub fim_every_secs: u64,
    /// Folders a scheduled scan covers.
    pub scan_paths: Vec<String>,
    /// Hours between scheduled scans (0: none).
    pub scan_every_hours: u64,
    /// Seconds between heartbeats.
    pub heartbeat_secs: u64,
    /// Hours between software inventories.
    pub inventory_every_hours: u64,
    /// Share of one CPU the agent's scanning may use, per cent.
    pub cpu_pct: u64,
    /// Bytes per second the agent may read while scanning or hashing.
    pub io_bytes_per_sec: u64,
    /// Threads a scan may use.
    pub scan_threads: u64,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            log_files: vec!["/var/log/auth.log".into(), "/var/log/syslog".into()],
            journal: true,
            fim_paths: vec![
                "/etc/passwd".into(),
                "/etc/shadow".into(),
                "/etc/sudoers".into(),
                "/etc/ssh/sshd_config".into(),
                "/etc/crontab".into(),
                "/etc/systemd/system".into(),
            ],
            fim_every_secs: 300,
            scan_paths: vec![
                "/tmp".into(),
                "/var/tmp".into(),
                "/dev/shm".into(),
                "/home".into(),
                "/var/www".into(),
                "/usr/local/bin".into(),
            ],
            scan_every_hours: 24,
            heartbeat_secs: 30,
            inventory_every_hours: 6,
            cpu_pct: 25,
            io_bytes_per_sec: 20 * 1024 * 1024,
            scan_threads: 1,
        }
    }
}

impl AgentConfig {
    /// Checks the limits a person may set; every problem named by field.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !(1..=100).contains(&self.cpu_pct) {
            out.push(("cpu_pct", "between 1 and 100".into()));
        }
        if self.io_bytes_per_sec < 1024 * 1024 {
            out.push(("io_bytes_per_sec", "at least 1 MiB/s".into()));
        }
        if !(5..=3600).contains(&self.heartbeat_secs) {
            out.push(("heartbeat_secs", "between 5 and 3600".into()));
        }
        if !(10..=86_400).contains(&self.fim_every_secs) {
            out.push(("fim_every_secs", "between 10 and 86400".into()));
        }
        if !(1..=16).contains(&self.scan_threads) {
            out.push(("scan_threads", "between 1 and 16".into()));
        }
        for (field, paths) in [
            ("log_files", &self.log_files),
            ("fim_paths", &self.fim_paths),
            ("scan_paths", &self.scan_paths),
        ] {
            if paths.len() > 64 {
                out.push((field, "at most 64 paths".into()));
            }
            if let Some(p) = paths
                .iter()
                .find(|p| !p.starts_with('/') || p.contains(".."))
            {
                out.push((field, format!("'{p}' is not an absolute path")));
            }
        }
        out
    }
}

/// A listening socket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListeningPort {
    /// `tcp` or `udp`.
    pub proto: String,
    /// Local address.
    pub addr: String,
    /// Port.
    pub port: u16,
}

/// A heartbeat.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Heartbeat {
    /// Agent version.
    pub version: String,
    /// Operating system.
    pub os: String,
    /// The machine's addresses.
    pub ips: Vec<String>,
    /// Listening sockets.
    pub ports: Vec<ListeningPort>,
    /// Messages waiting in the agent's queue.
    pub queued: u64,
    /// The digest of the rule sets the agent has loaded.
    pub rules_digest: String,
}

/// A command for an agent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Command {
    /// Command id (its result names it).
    pub id: i64,
    /// What to do.
    pub order: Order,
}

/// What a command asks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Order {
    /// Scan these paths with the rule sets in force.
    Scan {
        /// The scan it belongs to.
        scan_id: i64,
        /// Files or folders.
        paths: Vec<String>,
    },
    /// Move a file into quarantine (if its content still has this hash).
    Quarantine {
        /// Quarantine record.
        quarantine_id: i64,
        /// The file.
        path: String,
        /// Its SHA-256 when it was found.
        sha256: String,
    },
    /// Put a quarantined file back.
    Restore {
        /// Quarantine record.
        quarantine_id: i64,
    },
}

/// The heartbeat's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Orders {
    /// Settings in force.
    pub config: AgentConfig,
    /// Commands to run, oldest first.
    pub commands: Vec<Command>,
    /// Digest of the rule sets in force; fetch `/agent/v1/rules` when it differs.
    pub rules_digest: String,
}

/// One rule set or hash list in force.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleSet {
    /// Name.
    pub name: String,
    /// `yara` or `hashes`.
    pub kind: String,
    /// Version.
    pub version: i64,
    /// File name (a hash list's format follows it: `.hdb`, `.hsb`, plain).
    pub file_name: String,
    /// Text.
    pub content: String,
}

/// The rule sets in force for an agent.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct RuleBundle {
    /// Digest over names, versions and contents.
    pub digest: String,
    /// Sets.
    pub sets: Vec<RuleSet>,
}

/// A file's state as file-integrity monitoring records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileState {
    /// SHA-256 of the content.
    pub sha256: String,
    /// Mode, octal (`0644`).
    pub mode: String,
    /// Owner, `uid:gid`.
    pub owner: String,
    /// Size.
    pub size: u64,
}

/// A change seen on a watched path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FimChange {
    /// The file.
    pub path: String,
    /// `added`, `modified`, `removed`, `mode`, `owner`.
    pub change: String,
    /// Before (none when added).
    pub before: Option<FileState>,
    /// After (none when removed).
    pub after: Option<FileState>,
}

/// A file a scan matched.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Detection {
    /// The file (inside an archive: `archive.zip!member`).
    pub path: String,
    /// SHA-256 of the file (of the archive member when inside one).
    pub sha256: String,
    /// Size.
    pub size: u64,
    /// Every rule that matched: `set:rule` (YARA) or `set:hash:<algo>`.
    pub rules: Vec<String>,
}

/// Counts of a scan so far.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct ScanCounts {
    /// Files scanned.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Matching files.
    pub matches: u64,
    /// Files that could not be read or timed out.
    pub errors: u64,
}

/// The body of a queued message.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// New lines of a log file.
    Logs {
        /// The file.
        file: String,
        /// The lines (without line ends).
        lines: Vec<String>,
    },
    /// Journal entries as `journalctl -o json` prints them.
    Journal {
        /// Entries.
        entries: Vec<Value>,
    },
    /// The software inventory: `/var/lib/dpkg/status` or `rpm -qa` output, as text.
    Inventory {
        /// `dpkg` or `rpm`.
        format: String,
        /// The text.
        text: String,
    },
    /// File-integrity changes.
    Fim {
        /// Changes.
        changes: Vec<FimChange>,
    },
    /// A scan started.
    ScanStarted {
        /// Scan.
        scan_id: i64,
    },
    /// A scan's progress.
    ScanProgress {
        /// Scan.
        scan_id: i64,
        /// Counts so far.
        counts: ScanCounts,
    },
    /// Files a scan matched.
    Detections {
        /// Scan.
        scan_id: i64,
        /// Files.
        items: Vec<Detection>,
    },
    /// A scan ended.
    ScanDone {
        /// Scan.
        scan_id: i64,
        /// Final counts.
        counts: ScanCounts,
        /// Why it failed, if it did.
        failed: Option<String>,
    },
    /// A command's result.
    CommandResult {
        /// Command.
        command_id: i64,
        /// Whether it did what it was asked.
        ok: bool,
        /// What happened.
        detail: String,
    },
}

/// A numbered message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Queued {
    /// Sequence number, from 1, increasing by one.
    pub seq: u64,
    /// When it was queued (Unix ms).
    pub at: i64,
    /// The message.
    pub body: Message,
}

/// A batch of queued messages, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch {
    /// Messages.
    pub messages: Vec<Queued>,
}

/// The answer to a batch: every message up to `acked` is applied (now or before).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Acked {
    /// Highest sequence number applied.
    pub acked: u64,
}

/// Messages in one batch at most, and bytes of one request body at most.
pub const MAX_BATCH: usize = 500;
/// Bytes of one request body at most.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// A scan's progress on one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanState {
    /// Ordered, not yet picked up.
    Pending,
    /// Picked up by the agent.
    Sent,
    /// Under way.
    Running,
    /// Finished.
    Done,
    /// Failed.
    Failed,
}

impl ScanState {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanState::Pending => "pending",
            ScanState::Sent => "sent",
            ScanState::Running => "running",
            ScanState::Done => "done",
            ScanState::Failed => "failed",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Option<ScanState> {
        [
            ScanState::Pending,
            ScanState::Sent,
            ScanState::Running,
            ScanState::Done,
            ScanState::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            ScanState::Pending => "Chờ máy nhận lệnh",
            ScanState::Sent => "Đã gửi lệnh",
            ScanState::Running => "Đang quét",
            ScanState::Done => "Đã xong",
            ScanState::Failed => "Lỗi",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            ScanState::Pending => "Waiting for the agent",
            ScanState::Sent => "Sent",
            ScanState::Running => "Scanning",
            ScanState::Done => "Done",
            ScanState::Failed => "Failed",
        }
    }
}

/// A malware alert's verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Raised by a detection, nobody has looked yet.
    Unverified,
    /// A person confirmed it: a removal task follows.
    Verified,
    /// A person found it harmless.
    FalsePositive,
}

impl Verdict {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Unverified => "unverified",
            Verdict::Verified => "verified",
            Verdict::FalsePositive => "false_positive",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Option<Verdict> {
        [
            Verdict::Unverified,
            Verdict::Verified,
            Verdict::FalsePositive,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Verdict::Unverified => "Chưa xác minh",
            Verdict::Verified => "Đã xác minh là mã độc",
            Verdict::FalsePositive => "Cảnh báo nhầm",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Verdict::Unverified => "Unverified",
            Verdict::Verified => "Verified malware",
            Verdict::FalsePositive => "False positive",
        }
    }
}

/// A quarantined file's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarantineState {
    /// Ordered, the agent has not confirmed yet.
    Requested,
    /// The agent moved it into its vault.
    Quarantined,
    /// Restore ordered.
    RestoreRequested,
    /// Put back.
    Restored,
    /// The agent could not (the detail says why).
    Failed,
}

impl QuarantineState {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            QuarantineState::Requested => "requested",
            QuarantineState::Quarantined => "quarantined",
            QuarantineState::RestoreRequested => "restore_requested",
            QuarantineState::Restored => "restored",
            QuarantineState::Failed => "failed",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Option<QuarantineState> {
        [
            QuarantineState::Requested,
            QuarantineState::Quarantined,
            QuarantineState::RestoreRequested,
            QuarantineState::Restored,
            QuarantineState::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            QuarantineState::Requested => "Đã ra lệnh cách ly",
            QuarantineState::Quarantined => "Đã cách ly",
            QuarantineState::RestoreRequested => "Đã ra lệnh khôi phục",
            QuarantineState::Restored => "Đã khôi phục",
            QuarantineState::Failed => "Không thực hiện được",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            QuarantineState::Requested => "Quarantine ordered",
            QuarantineState::Quarantined => "Quarantined",
            QuarantineState::RestoreRequested => "Restore ordered",
            QuarantineState::Restored => "Restored",
            QuarantineState::Failed => "Failed",
        }
    }
}

/// An agent not heard from for this long (or three heartbeats, if longer) is offline.
pub const OFFLINE_AFTER_MS: i64 = 3 * 60_000;

/// Whether an agent last seen at `last_seen` is online at `now`.
pub fn online(last_seen: Option<i64>, heartbeat_secs: u64, now: i64) -> bool {
    let limit = OFFLINE_AFTER_MS.max(3 * heartbeat_secs as i64 * 1000);
    last_seen.is_some_and(|t| now - t <= limit)
}

/// The digest of a set of rule sets: SHA-256 over names, versions and contents.
pub fn bundle_digest(sets: &[RuleSet]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for s in sets {
        h.update(s.name.as_bytes());
        h.update([0]);
        h.update(s.version.to_le_bytes());
        h.update(s.content.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_round_trip_and_refuse_short_secrets() {
        let c = credential(42, &"a".repeat(43));
        assert_eq!(split_credential(&c), Some((42, "a".repeat(43).as_str())));
        assert_eq!(split_credential("agent.42.short"), None);
        assert_eq!(
            split_credential("agent.x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            None
        );
        assert_eq!(split_credential("cg_token"), None);
    }

    #[test]
    fn config_limits_name_their_field() {
        let c = AgentConfig {
            cpu_pct: 0,
            scan_paths: vec!["relative/path".into()],
            ..AgentConfig::default()
        };
        let p = c.problems();
        assert_eq!(
            p.iter().map(|x| x.0).collect::<Vec<_>>(),
            ["cpu_pct", "scan_paths"]
        );
        assert!(AgentConfig::default().problems().is_empty());
    }

    #[test]
    fn messages_carry_their_type() {
        let m = Message::ScanDone {
            scan_id: 3,
            counts: ScanCounts::default(),
            failed: None,
        };
        let v = serde_json::to_value(&m).expect("json");
        assert_eq!(v["type"], "scan_done");
        let o: Order =
            serde_json::from_str(r#"{"type":"restore","quarantine_id":5}"#).expect("parse");
        assert_eq!(o, Order::Restore { quarantine_id: 5 });
    }

    #[test]
    fn online_allows_three_heartbeats() {
        assert!(online(Some(1_000), 30, 1_000 + 170_000));
        assert!(!online(Some(1_000), 30, 1_000 + 200_000));
        assert!(online(Some(0), 120, 350_000));
        assert!(!online(None, 30, 0));
    }
}
