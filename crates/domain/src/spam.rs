//! Spam and fraud reports (M10) and harmful content (M11): the states and actions of a case,
//! the states and categories of a harmful item, and their time limits. No I/O.

/// A vocabulary: wire name, Vietnamese and English labels.
macro_rules! vocab {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = ($wire:literal, $vi:literal, $en:literal)),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $v),* }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$v),*];

            /// Wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $wire),* }
            }

            /// From the wire name.
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }

            /// Vietnamese label.
            pub fn label_vi(self) -> &'static str {
                match self { $($name::$v => $vi),* }
            }

            /// English label.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$v => $en),* }
            }
        }
    };
}

vocab!(
    /// What the classifier called a report.
    SpamLabel {
        /// Scams, phishing, impersonation.
        Fraud = ("fraud", "Lừa đảo", "Fraud"),
        /// Unsolicited advertising.
        Spam = ("spam", "Quảng cáo rác", "Spam"),
        /// Legitimate.
        Ham = ("ham", "Hợp lệ", "Legitimate"),
    }
);

vocab!(
    /// Where a case stands.
    CaseState {
        /// Reports are arriving, nothing done yet.
        Open = ("open", "Chờ xử lý", "Open"),
        /// A measure was taken; awaiting closure.
        Actioned = ("actioned", "Đã áp dụng biện pháp", "Actioned"),
        /// Handled to the end.
        Closed = ("closed", "Đã xử lý xong", "Closed"),
        /// Found not to need a measure.
        Dismissed = ("dismissed", "Không xử lý (bác bỏ)", "Dismissed"),
    }
);

impl CaseState {
    /// Still someone's work.
    pub fn active(self) -> bool {
        matches!(self, CaseState::Open | CaseState::Actioned)
    }
}

vocab!(
    /// A measure taken on a sender.
    CaseAction {
        /// A warning to the subscriber.
        Warn = ("warn", "Cảnh báo thuê bao", "Warn the subscriber"),
        /// Outgoing messages blocked.
        BlockSms = ("block_sms", "Chặn tin nhắn", "Block messages"),
        /// Outgoing calls blocked.
        BlockCalls = ("block_calls", "Chặn cuộc gọi", "Block calls"),
        /// The subscription suspended (one- or two-way).
        Suspend = ("suspend", "Tạm dừng thuê bao", "Suspend the subscription"),
        /// Referred to the police.
        Police = ("police", "Chuyển cơ quan công an", "Refer to the police"),
        /// No measure needed.
        Dismiss = ("dismiss", "Bác bỏ phản ánh", "Dismiss"),
    }
);

impl CaseAction {
    /// The state a case takes after this action.
    pub fn next_state(self) -> CaseState {
        match self {
            CaseAction::Dismiss => CaseState::Dismissed,
            _ => CaseState::Actioned,
        }
    }
}

vocab!(
    /// What a harmful item is.
    HarmfulKind {
        /// A web address.
        Url = ("url", "Đường link", "URL"),
        /// A domain and its subdomains.
        Domain = ("domain", "Tên miền", "Domain"),
        /// A social-media account.
        Account = ("account", "Tài khoản mạng xã hội", "Social-media account"),
    }
);

vocab!(
    /// Why an item is harmful.
    HarmfulCategory {
        /// Phishing: credentials, OTPs, cards.
        Phishing = ("phishing", "Lừa đảo lấy thông tin (phishing)", "Phishing"),
        /// Online gambling.
        Gambling = ("gambling", "Cờ bạc trực tuyến", "Gambling"),
        /// Fraud: fake investments, jobs, prizes.
        Fraud = ("fraud", "Lừa đảo chiếm đoạt tài sản", "Fraud"),
        /// Content unlawful under the Cybersecurity Law.
        Unlawful = ("unlawful", "Nội dung vi phạm pháp luật", "Unlawful content"),
    }
);

vocab!(
    /// Where a harmful item stands.
    HarmfulState {
        /// Reported, not yet acted on.
        Reported = ("reported", "Mới tiếp nhận", "Reported"),
        /// Blocked on the operator's network (DNS, web filter).
        Blocked = ("blocked", "Đã chặn", "Blocked"),
        /// Takedown asked of the platform or registrar.
        Takedown = ("takedown", "Đã yêu cầu gỡ bỏ", "Takedown requested"),
        /// The block or takedown checked and holding.
        Confirmed = ("confirmed", "Đã xác nhận ngăn chặn", "Confirmed"),
        /// Not harmful after all.
        Rejected = ("rejected", "Không vi phạm", "Rejected"),
    }
);

impl HarmfulState {
    /// The states an item may move to from this one.
    pub fn next(self) -> &'static [HarmfulState] {
        use HarmfulState::*;
        match self {
            Reported => &[Blocked, Takedown, Rejected],
            Blocked => &[Takedown, Confirmed, Reported],
            Takedown => &[Blocked, Confirmed, Rejected],
            Confirmed => &[Reported],
            Rejected => &[Reported],
        }
    }

    /// Whether the item belongs on the blocklists.
    pub fn blocks(self) -> bool {
        matches!(
            self,
            HarmfulState::Blocked | HarmfulState::Takedown | HarmfulState::Confirmed
        )
    }

    /// Still someone's work.
    pub fn active(self) -> bool {
        matches!(
            self,
            HarmfulState::Reported | HarmfulState::Blocked | HarmfulState::Takedown
        )
    }
}

/// Hours to act on a case: a fraud sender is stopped within a day, an advertiser within three.
pub fn case_hours(label: SpamLabel) -> i64 {
    match label {
        SpamLabel::Fraud => 24,
        SpamLabel::Spam => 72,
        SpamLabel::Ham => 168,
    }
}

/// Hours to block or take down a reported item.
pub const HARMFUL_HOURS: i64 = 24;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_states_move_sensibly() {
        for a in CaseAction::ALL {
            assert_eq!(CaseAction::parse(a.as_str()), Some(*a));
        }
        assert_eq!(CaseAction::Dismiss.next_state(), CaseState::Dismissed);
        assert!(HarmfulState::Reported
            .next()
            .contains(&HarmfulState::Blocked));
        assert!(!HarmfulState::Confirmed
            .next()
            .contains(&HarmfulState::Blocked));
        assert!(HarmfulState::Takedown.blocks() && !HarmfulState::Rejected.blocks());
        assert!(case_hours(SpamLabel::Fraud) < case_hours(SpamLabel::Spam));
    }
}
