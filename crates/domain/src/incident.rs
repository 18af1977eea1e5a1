//! Incidents (sự cố, M8–M9): the vocabulary of Decision 05/2017/QĐ-TTg and Circular 20/2017/TT-BTTTT
//! — attack categories, the ordinary/serious severity rule, TLP marking, MITRE ATT&CK technique
//! ids — and the response lifecycle reported → triaged → contained → eradicated → recovered →
//! closed, with the time of each step and the durations derived from them. No I/O.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The attack types of Decision 05 / Circular 20's forms (Mẫu 05 counts incidents by them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Malware.
    Malware,
    /// Unauthorised access or takeover.
    Intrusion,
    /// Encryption of software, data or devices (ransomware).
    Encryption,
    /// Destruction of data or systems.
    Destruction,
    /// Eavesdropping, espionage or data theft.
    DataTheft,
    /// Denial of service.
    DenialOfService,
    /// Website defacement.
    Defacement,
    /// Phishing or fraud.
    Phishing,
    /// A botnet member.
    Botnet,
    /// Several of these combined.
    Combined,
    /// Anything else.
    Other,
}

impl Category {
    /// Every category, in the forms' order.
    pub const ALL: [Category; 11] = [
        Category::Malware,
        Category::Intrusion,
        Category::Encryption,
        Category::Destruction,
        Category::DataTheft,
        Category::DenialOfService,
        Category::Defacement,
        Category::Phishing,
        Category::Botnet,
        Category::Combined,
        Category::Other,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Malware => "malware",
            Category::Intrusion => "intrusion",
            Category::Encryption => "encryption",
            Category::Destruction => "destruction",
            Category::DataTheft => "data_theft",
            Category::DenialOfService => "denial_of_service",
            Category::Defacement => "defacement",
            Category::Phishing => "phishing",
            Category::Botnet => "botnet",
            Category::Combined => "combined",
            Category::Other => "other",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Vietnamese label, as the forms word it.
    pub fn label_vi(self) -> &'static str {
        match self {
            Category::Malware => "Tấn công bằng mã độc",
            Category::Intrusion => "Truy cập trái phép, chiếm quyền điều khiển",
            Category::Encryption => "Mã hoá phần mềm, dữ liệu, thiết bị",
            Category::Destruction => "Phá hoại dữ liệu, hệ thống",
            Category::DataTheft => "Nghe lén, gián điệp, lấy cắp thông tin",
            Category::DenialOfService => "Tấn công từ chối dịch vụ",
            Category::Defacement => "Thay đổi giao diện trang thông tin điện tử",
            Category::Phishing => "Lừa đảo, giả mạo",
            Category::Botnet => "Máy tham gia mạng máy tính ma (Botnet)",
            Category::Combined => "Tấn công tổng hợp",
            Category::Other => "Hình thức khác",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Category::Malware => "Malware",
            Category::Intrusion => "Unauthorised access or takeover",
            Category::Encryption => "Encryption of software, data or devices",
            Category::Destruction => "Destruction of data or systems",
            Category::DataTheft => "Eavesdropping, espionage or data theft",
            Category::DenialOfService => "Denial of service",
            Category::Defacement => "Website defacement",
            Category::Phishing => "Phishing or fraud",
            Category::Botnet => "Botnet member",
            Category::Combined => "Combined attack",
            Category::Other => "Other",
        }
    }
}

/// Decision 05's two severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gravity {
    /// Thông thường.
    Ordinary,
    /// Nghiêm trọng.
    Serious,
}

impl Gravity {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Gravity::Ordinary => "ordinary",
            Gravity::Serious => "serious",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Gravity> {
        match s {
            "ordinary" => Some(Gravity::Ordinary),
            "serious" => Some(Gravity::Serious),
            _ => None,
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Gravity::Ordinary => "Thông thường",
            Gravity::Serious => "Nghiêm trọng",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Gravity::Ordinary => "Ordinary",
            Gravity::Serious => "Serious",
        }
    }
}

/// The harm Decision 05 Art. 9 counts toward a serious incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// The service is interrupted.
    ServiceInterruption,
    /// State secrets may have been disclosed.
    SecretDisclosure,
    /// Important data lost its integrity beyond recovery.
    IntegrityLoss,
    /// Control of the system was lost.
    LossOfControl,
    /// Wide or cascading harm is likely.
    WideHarm,
}

impl Impact {
    /// Every impact.
    pub const ALL: [Impact; 5] = [
        Impact::ServiceInterruption,
        Impact::SecretDisclosure,
        Impact::IntegrityLoss,
        Impact::LossOfControl,
        Impact::WideHarm,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::ServiceInterruption => "service_interruption",
            Impact::SecretDisclosure => "secret_disclosure",
            Impact::IntegrityLoss => "integrity_loss",
            Impact::LossOfControl => "loss_of_control",
            Impact::WideHarm => "wide_harm",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Impact> {
        Impact::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Impact::ServiceInterruption => "Hệ thống bị ngừng hoạt động",
            Impact::SecretDisclosure => "Có khả năng lộ bí mật nhà nước",
            Impact::IntegrityLoss => "Dữ liệu quan trọng mất toàn vẹn, không khôi phục được",
            Impact::LossOfControl => "Mất quyền điều khiển hệ thống",
            Impact::WideHarm => "Có khả năng gây ảnh hưởng lan rộng, dây chuyền",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Impact::ServiceInterruption => "Service interrupted",
            Impact::SecretDisclosure => "State secrets may be disclosed",
            Impact::IntegrityLoss => "Important data lost integrity beyond recovery",
            Impact::LossOfControl => "Loss of control of the system",
            Impact::WideHarm => "Wide or cascading harm likely",
        }
    }
}

/// Decision 05 Art. 9: serious only when (1) an affected system is of security level 4 or 5 (or
/// a national critical system) *and* suffers at least one of the listed harms, and (2) the owner
/// cannot handle it alone; every other incident is ordinary. `max_level` is the highest security
/// level among the affected systems (`None` when no registered system is affected).
pub fn computed_gravity(max_level: Option<u8>, impacts: &[Impact], beyond_owner: bool) -> Gravity {
    let critical = max_level.is_some_and(|l| l >= 4);
    if critical && !impacts.is_empty() && beyond_owner {
        Gravity::Serious
    } else {
        Gravity::Ordinary
    }
}

/// Traffic Light Protocol 2.0 marking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tlp {
    /// TLP:CLEAR.
    Clear,
    /// TLP:GREEN.
    Green,
    /// TLP:AMBER.
    Amber,
    /// TLP:AMBER+STRICT.
    AmberStrict,
    /// TLP:RED.
    Red,
}

impl Tlp {
    /// Every marking.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber_strict",
            Tlp::Red => "red",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Tlp> {
        Tlp::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The marking as written (`TLP:AMBER+STRICT`); the same in every language.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }
}

/// Whether `s` is a MITRE ATT&CK technique id: `T` and four digits, optionally `.` and three
/// (a sub-technique), e.g. `T1059.001`.
pub fn is_attack_technique(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..5]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..9]),
        _ => false,
    }
}

/// The response lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Reported (tiếp nhận).
    Reported,
    /// Triaged (đã phân loại).
    Triaged,
    /// Contained (đã ngăn chặn).
    Contained,
    /// Eradicated (đã loại bỏ).
    Eradicated,
    /// Recovered (đã khôi phục).
    Recovered,
    /// Closed (đã kết thúc).
    Closed,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 6] = [
        Stage::Reported,
        Stage::Triaged,
        Stage::Contained,
        Stage::Eradicated,
        Stage::Recovered,
        Stage::Closed,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Reported => "reported",
            Stage::Triaged => "triaged",
            Stage::Contained => "contained",
            Stage::Eradicated => "eradicated",
            Stage::Recovered => "recovered",
            Stage::Closed => "closed",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Stage::Reported => "Tiếp nhận",
            Stage::Triaged => "Đã phân loại",
            Stage::Contained => "Đã ngăn chặn",
            Stage::Eradicated => "Đã loại bỏ nguyên nhân",
            Stage::Recovered => "Đã khôi phục",
            Stage::Closed => "Đã kết thúc",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Stage::Reported => "Reported",
            Stage::Triaged => "Triaged",
            Stage::Contained => "Contained",
            Stage::Eradicated => "Eradicated",
            Stage::Recovered => "Recovered",
            Stage::Closed => "Closed",
        }
    }

    /// The next stage, if any.
    pub fn next(self) -> Option<Stage> {
        let i = Stage::ALL.iter().position(|s| *s == self)?;
        Stage::ALL.get(i + 1).copied()
    }
}

/// Why a stage change is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StageError {
    /// A step back or to the same stage.
    #[error("an incident moves forward only: {from} → {to}")]
    Backwards {
        /// From.
        from: &'static str,
        /// To.
        to: &'static str,
    },
    /// Closed is final.
    #[error("the incident is closed")]
    Closed,
}

/// Checks a move from `from` to `to`: forward only (a stage may be skipped: an incident found
/// already contained goes straight there), never out of Closed.
pub fn check_move(from: Stage, to: Stage) -> Result<(), StageError> {
    if from == Stage::Closed {
        return Err(StageError::Closed);
    }
    if to <= from {
        return Err(StageError::Backwards {
            from: from.as_str(),
            to: to.as_str(),
        });
    }
    Ok(())
}

/// When the incident started, was detected, and reached each stage (Unix ms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Times {
    /// When it began, as far as known.
    pub started_at: Option<i64>,
    /// When it was detected.
    pub detected_at: i64,
    /// Reached Contained (or a later stage, when skipped to it).
    pub contained_at: Option<i64>,
    /// Reached Recovered.
    pub recovered_at: Option<i64>,
    /// Reached Closed.
    pub closed_at: Option<i64>,
}

impl Times {
    /// Time to detect: start → detection.
    pub fn to_detect(&self) -> Option<i64> {
        self.started_at
            .map(|s| self.detected_at - s)
            .filter(|d| *d >= 0)
    }

    /// Time to contain: detection → containment.
    pub fn to_contain(&self) -> Option<i64> {
        self.contained_at
            .map(|c| c - self.detected_at)
            .filter(|d| *d >= 0)
    }

    /// Time to restore: detection → recovery.
    pub fn to_restore(&self) -> Option<i64> {
        self.recovered_at
            .map(|r| r - self.detected_at)
            .filter(|d| *d >= 0)
    }
}

/// A duration in words: `3 ngày 4 giờ`, `2 giờ 15 phút`, `40 phút` (`3 d 4 h` in English).
pub fn duration_text(ms: i64, vi: bool) -> String {
    let m = ms.max(0) / 60_000;
    let (d, h, mi) = (m / 1440, (m / 60) % 24, m % 60);
    let (dw, hw, mw) = if vi {
        ("ngày", "giờ", "phút")
    } else {
        ("d", "h", "min")
    };
    if d > 0 {
        format!("{d} {dw} {h} {hw}")
    } else if h > 0 {
        format!("{h} {hw} {mi} {mw}")
    } else {
        format!("{mi} {mw}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_follows_decision_05() {
        use Impact::*;
        assert_eq!(
            computed_gravity(Some(4), &[ServiceInterruption], true),
            Gravity::Serious
        );
        assert_eq!(
            computed_gravity(Some(5), &[WideHarm], true),
            Gravity::Serious
        );
        // Either condition alone is not enough.
        assert_eq!(
            computed_gravity(Some(4), &[ServiceInterruption], false),
            Gravity::Ordinary
        );
        assert_eq!(computed_gravity(Some(4), &[], true), Gravity::Ordinary);
        assert_eq!(
            computed_gravity(Some(3), &[LossOfControl, WideHarm], true),
            Gravity::Ordinary
        );
        assert_eq!(
            computed_gravity(None, &[LossOfControl], true),
            Gravity::Ordinary
        );
    }

    #[test]
    fn stages_move_forward_only() {
        assert!(check_move(Stage::Reported, Stage::Triaged).is_ok());
        assert!(check_move(Stage::Reported, Stage::Contained).is_ok());
        assert!(check_move(Stage::Contained, Stage::Triaged).is_err());
        assert!(check_move(Stage::Triaged, Stage::Triaged).is_err());
        assert_eq!(
            check_move(Stage::Closed, Stage::Closed),
            Err(StageError::Closed)
        );
        assert_eq!(Stage::Recovered.next(), Some(Stage::Closed));
        assert_eq!(Stage::Closed.next(), None);
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn techniques_and_durations() {
        assert!(is_attack_technique("T1059"));
        assert!(is_attack_technique("T1059.001"));
        assert!(!is_attack_technique("t1059"));
        assert!(!is_attack_technique("T105"));
        assert!(!is_attack_technique("T1059.01"));
        assert!(!is_attack_technique("T1059-001"));
        let t = Times {
            started_at: Some(0),
            detected_at: 3_600_000,
            contained_at: Some(3_600_000 + 45 * 60_000),
            recovered_at: Some(3_600_000 + 26 * 3_600_000),
            closed_at: None,
        };
        assert_eq!(t.to_detect(), Some(3_600_000));
        assert_eq!(duration_text(t.to_contain().unwrap(), true), "45 phút");
        assert_eq!(duration_text(t.to_restore().unwrap(), true), "1 ngày 2 giờ");
        assert_eq!(duration_text(t.to_restore().unwrap(), false), "1 d 2 h");
        assert_eq!(
            Times {
                started_at: Some(10),
                detected_at: 5,
                ..t
            }
            .to_detect(),
            None
        );
    }
}
