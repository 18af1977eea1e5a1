//! Signals: something observed that may need a person — a Sigma alert, a malware
//! detection, a national-platform alert, a botnet finding, a flow attack, a spam report.
//! Every capability raises signals of its own kind through this one model.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where a signal came from; each capability adds one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// A Sigma rule matched an event (M3).
    SigmaAlert,
    /// Malware found by the agent (M4).
    Malware,
    /// An alert from the national coordination platform or VNCERT/CC (M8).
    NationalAlert,
    /// A Botnet IP list entry that maps to the organisation (M7).
    BotnetFinding,
    /// A scanner's vulnerability finding (M6).
    VulnFinding,
    /// A network attack seen in flow data (M16).
    FlowAttack,
    /// A spam or fraud report (M11).
    SpamReport,
    /// A log source that stopped sending for much longer than usual (M3): often an
    /// attacker's first move.
    SourceSilent,
    /// A watched file changed (M4, the agent's file-integrity monitoring).
    FileChange,
}

impl SignalKind {
    /// Every kind.
    pub const ALL: [SignalKind; 9] = [
        SignalKind::SigmaAlert,
        SignalKind::Malware,
        SignalKind::NationalAlert,
        SignalKind::BotnetFinding,
        SignalKind::VulnFinding,
        SignalKind::FlowAttack,
        SignalKind::SpamReport,
        SignalKind::SourceSilent,
        SignalKind::FileChange,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::SigmaAlert => "sigma_alert",
            SignalKind::Malware => "malware",
            SignalKind::NationalAlert => "national_alert",
            SignalKind::BotnetFinding => "botnet_finding",
            SignalKind::VulnFinding => "vuln_finding",
            SignalKind::FlowAttack => "flow_attack",
            SignalKind::SpamReport => "spam_report",
            SignalKind::SourceSilent => "source_silent",
            SignalKind::FileChange => "file_change",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<SignalKind> {
        SignalKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Vietnamese label: one name per kind, used the same way on every page ("Cảnh báo" is any
    /// signal; each kind names where it came from).
    pub fn label_vi(self) -> &'static str {
        match self {
            SignalKind::SigmaAlert => "Cảnh báo Sigma",
            SignalKind::Malware => "Mã độc",
            SignalKind::NationalAlert => "Cảnh báo từ nền tảng quốc gia",
            SignalKind::BotnetFinding => "Địa chỉ trong danh sách Botnet",
            SignalKind::VulnFinding => "Lỗ hổng do máy quét phát hiện",
            SignalKind::FlowAttack => "Tấn công mạng (phân tích luồng)",
            SignalKind::SpamReport => "Phản ánh tin nhắn, cuộc gọi rác",
            SignalKind::SourceSilent => "Nguồn nhật ký ngừng gửi",
            SignalKind::FileChange => "Tệp được giám sát thay đổi",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            SignalKind::SigmaAlert => "Sigma alert",
            SignalKind::Malware => "Malware",
            SignalKind::NationalAlert => "National-platform alert",
            SignalKind::BotnetFinding => "Address on a Botnet list",
            SignalKind::VulnFinding => "Scanner finding",
            SignalKind::FlowAttack => "Network attack (flows)",
            SignalKind::SpamReport => "Spam or fraud report",
            SignalKind::SourceSilent => "Log source gone silent",
            SignalKind::FileChange => "Watched file changed",
        }
    }
}

/// Severity, shared by every kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every severity, low to high.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses the wire name (Sigma's `informational` too).
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_lowercase().as_str() {
            "info" | "informational" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Severity::Info => "Info",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }

    /// How long an alert of this severity may wait to be taken up (acknowledged or worked on)
    /// before the scorecards count it late: 15 minutes critical, 30 high, 4 hours medium, a day
    /// low and info.
    pub fn take_up_limit_ms(self) -> i64 {
        match self {
            Severity::Critical => 15 * 60_000,
            Severity::High => 30 * 60_000,
            Severity::Medium => 4 * 3_600_000,
            Severity::Low | Severity::Info => 24 * 3_600_000,
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Severity::Info => "Thông tin",
            Severity::Low => "Thấp",
            Severity::Medium => "Trung bình",
            Severity::High => "Cao",
            Severity::Critical => "Nghiêm trọng",
        }
    }
}

/// A signal's state: new → acknowledged → in progress → resolved / false positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalState {
    /// Raised, nobody has looked yet.
    New,
    /// Someone on duty has seen it.
    Acknowledged,
    /// Being handled.
    InProgress,
    /// Handled.
    Resolved,
    /// Not a real threat.
    FalsePositive,
}

impl SignalState {
    /// Every state.
    pub const ALL: [SignalState; 5] = [
        SignalState::New,
        SignalState::Acknowledged,
        SignalState::InProgress,
        SignalState::Resolved,
        SignalState::FalsePositive,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalState::New => "new",
            SignalState::Acknowledged => "acknowledged",
            SignalState::InProgress => "in_progress",
            SignalState::Resolved => "resolved",
            SignalState::FalsePositive => "false_positive",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<SignalState> {
        SignalState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            SignalState::New => "New",
            SignalState::Acknowledged => "Acknowledged",
            SignalState::InProgress => "In progress",
            SignalState::Resolved => "Resolved",
            SignalState::FalsePositive => "False positive",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            SignalState::New => "Mới",
            SignalState::Acknowledged => "Đã tiếp nhận",
            SignalState::InProgress => "Đang xử lý",
            SignalState::Resolved => "Đã xử lý",
            SignalState::FalsePositive => "Cảnh báo sai",
        }
    }

    /// Whether the signal still needs someone.
    pub fn is_open(self) -> bool {
        !matches!(self, SignalState::Resolved | SignalState::FalsePositive)
    }

    /// Checks a transition. Closed signals may be reopened (back to in progress) when
    /// the threat turns out not to be gone.
    pub fn transition(self, to: SignalState) -> Result<SignalState, TransitionError> {
        use SignalState::*;
        let ok = matches!(
            (self, to),
            (New, Acknowledged)
                | (New, InProgress)
                | (New, FalsePositive)
                | (New, Resolved)
                | (Acknowledged, InProgress)
                | (Acknowledged, Resolved)
                | (Acknowledged, FalsePositive)
                | (InProgress, Resolved)
                | (InProgress, FalsePositive)
                | (Resolved, InProgress)
                | (FalsePositive, InProgress)
        );
        if ok {
            Ok(to)
        } else {
            Err(TransitionError {
                from: self.as_str(),
                to: to.as_str(),
            })
        }
    }
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("cannot move from '{from}' to '{to}'")]
pub struct TransitionError {
    /// The current state.
    pub from: &'static str,
    /// The state asked for.
    pub to: &'static str,
}

/// What a newly observed occurrence does to the stored signals: counts up an open
/// signal with the same de-duplication key seen within the window, else raises a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dedup {
    /// Count up the signal with this id.
    CountUp(i64),
    /// Raise a new signal.
    Raise,
}

/// The stored signal a new occurrence is compared with.
#[derive(Debug, Clone, Copy)]
pub struct OpenSignal {
    /// Its id.
    pub id: i64,
    /// Its state.
    pub state: SignalState,
    /// When it was last seen (Unix ms).
    pub last_seen: i64,
}

/// Decides de-duplication: `existing` is the newest signal with the same key.
pub fn dedup(existing: Option<OpenSignal>, seen_at: i64, window_ms: i64) -> Dedup {
    match existing {
        Some(s) if s.state.is_open() && seen_at - s.last_seen <= window_ms => Dedup::CountUp(s.id),
        _ => Dedup::Raise,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_forward() {
        let s = SignalState::New;
        let s = s.transition(SignalState::Acknowledged).expect("ack");
        let s = s.transition(SignalState::InProgress).expect("work");
        let s = s.transition(SignalState::Resolved).expect("resolve");
        assert!(!s.is_open());
    }

    #[test]
    fn no_going_back_to_new() {
        for st in SignalState::ALL {
            assert!(st.transition(SignalState::New).is_err(), "{st:?} -> new");
        }
        let e = SignalState::Resolved
            .transition(SignalState::Acknowledged)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot move from 'resolved' to 'acknowledged'"
        );
    }

    #[test]
    fn reopen_goes_to_in_progress() {
        assert_eq!(
            SignalState::FalsePositive.transition(SignalState::InProgress),
            Ok(SignalState::InProgress)
        );
    }

    #[test]
    fn dedup_counts_up_within_window_only() {
        let open = OpenSignal {
            id: 7,
            state: SignalState::Acknowledged,
            last_seen: 1_000,
        };
        assert_eq!(dedup(Some(open), 60_000, 300_000), Dedup::CountUp(7));
        assert_eq!(dedup(Some(open), 1_000 + 300_001, 300_000), Dedup::Raise);
        let closed = OpenSignal {
            state: SignalState::Resolved,
            ..open
        };
        assert_eq!(dedup(Some(closed), 2_000, 300_000), Dedup::Raise);
        assert_eq!(dedup(None, 2_000, 300_000), Dedup::Raise);
    }

    #[test]
    fn severity_parses_sigma_levels() {
        assert_eq!(Severity::parse("informational"), Some(Severity::Info));
        assert_eq!(Severity::parse("High"), Some(Severity::High));
        assert!(Severity::Critical > Severity::High);
    }
}
