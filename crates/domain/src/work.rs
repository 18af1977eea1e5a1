//! Work items: something an organisation must do by a deadline — a patch task, a
//! hunting task, a removal task, an incident's plan step, a directive item, a spam case.
//! Each has a closing rule: some close by a person's word, others only by proof.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What kind of work; each capability adds one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// Patch a host per an advisory (M5): closes on a fresh inventory.
    PatchTask,
    /// Hunt on hosts of a Botnet IP list finding (M7): closes when the next list omits it.
    HuntTask,
    /// Remove malware (M4): closes on a clean re-scan.
    RemovalTask,
    /// Remediate a scanner finding (M6): closes on a clean re-scan.
    VulnRemediation,
    /// One step of an incident's response plan (M9).
    IncidentStep,
    /// One item of a directive (M12).
    DirectiveItem,
    /// A spam or fraud case (M11).
    SpamCase,
    /// Anything else a person assigns.
    General,
}

impl WorkKind {
    /// Every kind.
    pub const ALL: [WorkKind; 8] = [
        WorkKind::PatchTask,
        WorkKind::HuntTask,
        WorkKind::RemovalTask,
        WorkKind::VulnRemediation,
        WorkKind::IncidentStep,
        WorkKind::DirectiveItem,
        WorkKind::SpamCase,
        WorkKind::General,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkKind::PatchTask => "patch_task",
            WorkKind::HuntTask => "hunt_task",
            WorkKind::RemovalTask => "removal_task",
            WorkKind::VulnRemediation => "vuln_remediation",
            WorkKind::IncidentStep => "incident_step",
            WorkKind::DirectiveItem => "directive_item",
            WorkKind::SpamCase => "spam_case",
            WorkKind::General => "general",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<WorkKind> {
        WorkKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            WorkKind::PatchTask => "Cập nhật bản vá",
            WorkKind::HuntTask => "Săn lùng mối nguy hại",
            WorkKind::RemovalTask => "Bóc gỡ mã độc",
            WorkKind::VulnRemediation => "Khắc phục lỗ hổng",
            WorkKind::IncidentStep => "Bước ứng phó sự cố",
            WorkKind::DirectiveItem => "Nội dung văn bản chỉ đạo",
            WorkKind::SpamCase => "Xử lý phản ánh rác, lừa đảo",
            WorkKind::General => "Công việc",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            WorkKind::PatchTask => "Patch task",
            WorkKind::HuntTask => "Hunting task",
            WorkKind::RemovalTask => "Malware removal",
            WorkKind::VulnRemediation => "Vulnerability remediation",
            WorkKind::IncidentStep => "Incident response step",
            WorkKind::DirectiveItem => "Directive item",
            WorkKind::SpamCase => "Spam or fraud case",
            WorkKind::General => "Task",
        }
    }

    /// How work of this kind may be closed.
    pub fn closing_rule(self) -> ClosingRule {
        match self {
            WorkKind::PatchTask => ClosingRule::ByProof(Proof::FreshInventory),
            WorkKind::HuntTask => ClosingRule::ByProof(Proof::AbsentFromNextList),
            WorkKind::RemovalTask | WorkKind::VulnRemediation => {
                ClosingRule::ByProof(Proof::CleanRescan)
            }
            WorkKind::IncidentStep
            | WorkKind::DirectiveItem
            | WorkKind::SpamCase
            | WorkKind::General => ClosingRule::ByPerson,
        }
    }
}

/// The evidence that closes proof-closed work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proof {
    /// A software inventory taken after the task showing the fixed version.
    FreshInventory,
    /// A scan after the task that no longer finds the problem.
    CleanRescan,
    /// The next Botnet IP list no longer lists the address.
    AbsentFromNextList,
}

impl Proof {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Proof::FreshInventory => "fresh_inventory",
            Proof::CleanRescan => "clean_rescan",
            Proof::AbsentFromNextList => "absent_from_next_list",
        }
    }

    /// Vietnamese label: what closes the item.
    pub fn label_vi(self) -> &'static str {
        match self {
            Proof::FreshInventory => "bản kiểm kê phần mềm mới cho thấy đã vá",
            Proof::CleanRescan => "lần rà quét lại không còn phát hiện",
            Proof::AbsentFromNextList => "danh sách IP Botnet kỳ sau không còn địa chỉ",
        }
    }

    /// English label: what closes the item.
    pub fn label_en(self) -> &'static str {
        match self {
            Proof::FreshInventory => "a fresh software inventory showing the fix",
            Proof::CleanRescan => "a re-scan that no longer finds it",
            Proof::AbsentFromNextList => "the next Botnet IP list no longer listing the address",
        }
    }
}

/// How an item may be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosingRule {
    /// The assignee's word (with evidence) closes it.
    ByPerson,
    /// Only this proof closes it; a person may report it done, which waits for proof.
    ByProof(Proof),
}

/// A work item's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkState {
    /// Assigned, not started.
    Open,
    /// Being worked on.
    InProgress,
    /// Reported done; proof-closed work waits here for its proof.
    AwaitingProof,
    /// Closed: done and (where required) proven.
    Closed,
    /// Closed as not applicable, with a reason.
    NotApplicable,
}

impl WorkState {
    /// Every state.
    pub const ALL: [WorkState; 5] = [
        WorkState::Open,
        WorkState::InProgress,
        WorkState::AwaitingProof,
        WorkState::Closed,
        WorkState::NotApplicable,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkState::Open => "open",
            WorkState::InProgress => "in_progress",
            WorkState::AwaitingProof => "awaiting_proof",
            WorkState::Closed => "closed",
            WorkState::NotApplicable => "not_applicable",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<WorkState> {
        WorkState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            WorkState::Open => "Chưa thực hiện",
            WorkState::InProgress => "Đang thực hiện",
            WorkState::AwaitingProof => "Chờ xác minh",
            WorkState::Closed => "Hoàn thành",
            WorkState::NotApplicable => "Không áp dụng",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            WorkState::Open => "Not started",
            WorkState::InProgress => "In progress",
            WorkState::AwaitingProof => "Awaiting proof",
            WorkState::Closed => "Done",
            WorkState::NotApplicable => "Not applicable",
        }
    }

    /// Whether work remains.
    pub fn is_open(self) -> bool {
        !matches!(self, WorkState::Closed | WorkState::NotApplicable)
    }
}

/// Something that moves a work item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum WorkEvent {
    /// The assignee starts.
    Start,
    /// The assignee reports it done.
    ReportDone,
    /// A proof arrived (from the system, never from a person's word).
    ProofArrived {
        /// Which proof.
        proof: Proof,
    },
    /// The proof failed: the problem is still there (e.g. the address is listed again).
    ProofFailed {
        /// Which proof.
        proof: Proof,
    },
    /// Marked not applicable, with a reason.
    NotApplicable {
        /// Why.
        reason: String,
    },
}

/// What a work item's history calls each step (the `action` of a [`WorkEvent`] and the
/// system's own: creation, escalation, a tightened deadline), in Vietnamese and English;
/// `None` for a name it does not know.
pub fn action_label(action: &str) -> Option<(&'static str, &'static str)> {
    Some(match action {
        "create" => ("Giao việc", "Assigned"),
        "start" => ("Bắt đầu thực hiện", "Started"),
        "report_done" => ("Báo cáo đã xong", "Reported done"),
        "proof_arrived" => ("Đã xác minh, đóng", "Proven, closed"),
        "proof_failed" => (
            "Xác minh không đạt: vấn đề vẫn còn",
            "Proof failed: the problem is still there",
        ),
        "not_applicable" => ("Không áp dụng", "Not applicable"),
        "escalate" => ("Báo cáo cấp trên (quá hạn)", "Escalated (overdue)"),
        "tighten_due" => ("Rút ngắn thời hạn", "Deadline brought forward"),
        "reopen" => ("Mở lại", "Reopened"),
        _ => return None,
    })
}

/// Why a work item could not move.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WorkError {
    /// The event does not apply in this state.
    #[error("'{event}' is not allowed while the item is '{state}'")]
    NotAllowed {
        /// The event.
        event: &'static str,
        /// The state.
        state: &'static str,
    },
    /// A reason is required.
    #[error("a reason is required to mark an item not applicable")]
    ReasonRequired,
    /// The proof is not the one this kind closes by.
    #[error("this item closes only by {expected:?}, not {got:?}")]
    WrongProof {
        /// The proof the rule wants.
        expected: Option<Proof>,
        /// The proof offered.
        got: Proof,
    },
}

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The new state.
    pub state: WorkState,
    /// Whether the item must be escalated (proof failed after it was reported done).
    pub escalate: bool,
}

/// Applies an event to an item of `kind` in `state`, enforcing the closing rule.
pub fn apply(kind: WorkKind, state: WorkState, event: &WorkEvent) -> Result<Step, WorkError> {
    use WorkState::*;
    let rule = kind.closing_rule();
    let not_allowed = |event: &'static str| WorkError::NotAllowed {
        event,
        state: state.as_str(),
    };
    let step = |s| {
        Ok(Step {
            state: s,
            escalate: false,
        })
    };
    match event {
        WorkEvent::Start => match state {
            Open => step(InProgress),
            _ => Err(not_allowed("start")),
        },
        WorkEvent::ReportDone => match (state, rule) {
            (Open | InProgress, ClosingRule::ByPerson) => step(Closed),
            (Open | InProgress, ClosingRule::ByProof(_)) => step(AwaitingProof),
            _ => Err(not_allowed("report_done")),
        },
        WorkEvent::ProofArrived { proof } => match rule {
            ClosingRule::ByProof(p) if p == *proof => match state {
                Open | InProgress | AwaitingProof => step(Closed),
                _ => Err(not_allowed("proof_arrived")),
            },
            ClosingRule::ByProof(p) => Err(WorkError::WrongProof {
                expected: Some(p),
                got: *proof,
            }),
            ClosingRule::ByPerson => Err(WorkError::WrongProof {
                expected: None,
                got: *proof,
            }),
        },
        WorkEvent::ProofFailed { proof } => match rule {
            ClosingRule::ByProof(p) if p == *proof => match state {
                // Reported done but the problem is still there: reopen and escalate.
                AwaitingProof | Closed => Ok(Step {
                    state: InProgress,
                    escalate: true,
                }),
                // Still open and still seen: stays, escalates because it recurs.
                Open | InProgress => Ok(Step {
                    state,
                    escalate: true,
                }),
                NotApplicable => Err(not_allowed("proof_failed")),
            },
            ClosingRule::ByProof(p) => Err(WorkError::WrongProof {
                expected: Some(p),
                got: *proof,
            }),
            ClosingRule::ByPerson => Err(WorkError::WrongProof {
                expected: None,
                got: *proof,
            }),
        },
        WorkEvent::NotApplicable { reason } => {
            if reason.trim().is_empty() {
                return Err(WorkError::ReasonRequired);
            }
            match state {
                Open | InProgress | AwaitingProof => step(NotApplicable),
                _ => Err(not_allowed("not_applicable")),
            }
        }
    }
}

/// Whether an open item is past its due time.
pub fn is_overdue(state: WorkState, due_at: Option<i64>, now: i64) -> bool {
    state.is_open() && due_at.is_some_and(|d| now > d)
}

/// Tightens a deadline during a heightened period: the time left is divided by
/// `factor` (e.g. 2 halves it), never below an hour.
pub fn tighten_deadline(created_at: i64, due_at: i64, factor: u32) -> i64 {
    const HOUR: i64 = 3_600_000;
    let span = (due_at - created_at).max(0);
    let f = i64::from(factor.max(1));
    created_at + (span / f).max(HOUR.min(span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_closed_work_closes_on_report() {
        let s = apply(
            WorkKind::IncidentStep,
            WorkState::InProgress,
            &WorkEvent::ReportDone,
        )
        .expect("done");
        assert_eq!(s.state, WorkState::Closed);
    }

    #[test]
    fn patch_task_cannot_close_by_word() {
        let s = apply(
            WorkKind::PatchTask,
            WorkState::InProgress,
            &WorkEvent::ReportDone,
        )
        .expect("done");
        assert_eq!(s.state, WorkState::AwaitingProof);
        let s = apply(
            WorkKind::PatchTask,
            s.state,
            &WorkEvent::ProofArrived {
                proof: Proof::FreshInventory,
            },
        )
        .expect("proof");
        assert_eq!(s.state, WorkState::Closed);
    }

    #[test]
    fn wrong_proof_is_refused() {
        let e = apply(
            WorkKind::PatchTask,
            WorkState::Open,
            &WorkEvent::ProofArrived {
                proof: Proof::CleanRescan,
            },
        )
        .unwrap_err();
        assert_eq!(
            e,
            WorkError::WrongProof {
                expected: Some(Proof::FreshInventory),
                got: Proof::CleanRescan
            }
        );
        assert!(apply(
            WorkKind::General,
            WorkState::Open,
            &WorkEvent::ProofArrived {
                proof: Proof::CleanRescan
            }
        )
        .is_err());
    }

    #[test]
    fn hunt_task_reopens_and_escalates_when_listed_again() {
        let s = apply(
            WorkKind::HuntTask,
            WorkState::AwaitingProof,
            &WorkEvent::ProofFailed {
                proof: Proof::AbsentFromNextList,
            },
        )
        .expect("reopen");
        assert_eq!(
            s,
            Step {
                state: WorkState::InProgress,
                escalate: true
            }
        );
        let s = apply(
            WorkKind::HuntTask,
            WorkState::Closed,
            &WorkEvent::ProofFailed {
                proof: Proof::AbsentFromNextList,
            },
        )
        .expect("reopen");
        assert!(s.escalate && s.state == WorkState::InProgress);
    }

    #[test]
    fn not_applicable_needs_reason() {
        let e = apply(
            WorkKind::PatchTask,
            WorkState::Open,
            &WorkEvent::NotApplicable {
                reason: "  ".into(),
            },
        );
        assert_eq!(e, Err(WorkError::ReasonRequired));
        let s = apply(
            WorkKind::PatchTask,
            WorkState::Open,
            &WorkEvent::NotApplicable {
                reason: "Máy đã ngừng hoạt động".into(),
            },
        )
        .expect("na");
        assert_eq!(s.state, WorkState::NotApplicable);
    }

    #[test]
    fn closed_work_does_not_restart() {
        assert!(apply(WorkKind::General, WorkState::Closed, &WorkEvent::Start).is_err());
        assert!(apply(WorkKind::General, WorkState::Closed, &WorkEvent::ReportDone).is_err());
    }

    #[test]
    fn overdue_and_tightening() {
        assert!(is_overdue(WorkState::Open, Some(10), 11));
        assert!(!is_overdue(WorkState::Closed, Some(10), 11));
        assert!(!is_overdue(WorkState::Open, None, 11));
        let day = 86_400_000;
        assert_eq!(tighten_deadline(0, 4 * day, 2), 2 * day);
        assert_eq!(tighten_deadline(0, 2 * 3_600_000, 10), 3_600_000);
    }

    #[test]
    fn wire_names_round_trip() {
        for k in WorkKind::ALL {
            assert_eq!(WorkKind::parse(k.as_str()), Some(k));
        }
        for s in WorkState::ALL {
            assert_eq!(WorkState::parse(s.as_str()), Some(s));
        }
    }
}
