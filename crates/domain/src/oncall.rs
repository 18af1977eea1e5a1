//! On-call paging (M2): escalation policies — who is paged first, after how many minutes the
//! next, how many times the whole policy repeats — and the arithmetic of a page's next step.
//! No I/O and no clock: the time is always an argument.

use serde::{Deserialize, Serialize};

/// Who a step pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The people on duty in the organisation now (its roster).
    OnDuty,
    /// The organisation's shared channels (a team webhook, a Telegram group).
    Channels,
    /// The organisation's administrators.
    OrgAdmins,
    /// The DIC's officer on duty (the province's watch).
    DicDuty,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 4] = [
        Target::OnDuty,
        Target::Channels,
        Target::OrgAdmins,
        Target::DicDuty,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::OnDuty => "on_duty",
            Target::Channels => "channels",
            Target::OrgAdmins => "org_admins",
            Target::DicDuty => "dic_duty",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Target::OnDuty => "Người đang trực của đơn vị",
            Target::Channels => "Kênh chung của đơn vị (webhook, nhóm Telegram)",
            Target::OrgAdmins => "Quản trị viên đơn vị",
            Target::DicDuty => "Cán bộ trực của Sở TT&TT",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Target::OnDuty => "The organisation's officers on duty",
            Target::Channels => "The organisation's shared channels (webhook, Telegram group)",
            Target::OrgAdmins => "The organisation's administrators",
            Target::DicDuty => "The DIC's officer on duty",
        }
    }
}

/// How a page is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// E-mail over SMTP.
    Email,
    /// A JSON document POSTed to a URL.
    Webhook,
    /// A Telegram bot's `sendMessage` (or anything that speaks it).
    Telegram,
}

impl ChannelKind {
    /// Every kind.
    pub const ALL: [ChannelKind; 3] = [
        ChannelKind::Email,
        ChannelKind::Webhook,
        ChannelKind::Telegram,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Telegram => "telegram",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<ChannelKind> {
        ChannelKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }

    /// Label (the same in both languages but for e-mail).
    pub fn label(self, vi: bool) -> &'static str {
        match (self, vi) {
            (ChannelKind::Email, true) => "Thư điện tử",
            (ChannelKind::Email, false) => "E-mail",
            (ChannelKind::Webhook, _) => "Webhook (JSON)",
            (ChannelKind::Telegram, _) => "Telegram",
        }
    }
}

/// One step of a policy: whom to page, then how long to wait for an acknowledgement before the
/// next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Who is paged.
    pub targets: Vec<Target>,
    /// Minutes to wait after this step before the next (1–1440).
    pub wait_minutes: i64,
}

/// An organisation's escalation policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The steps, in order (1–10).
    pub steps: Vec<Step>,
    /// How many times the whole policy runs again when nobody acknowledged (0–5).
    pub repeat: i64,
}

impl Default for Policy {
    /// The officers on duty and the shared channels at once; the administrators after 15
    /// minutes; the DIC's officer on duty after 15 more.
    fn default() -> Self {
        Policy {
            steps: vec![
                Step {
                    targets: vec![Target::OnDuty, Target::Channels],
                    wait_minutes: 15,
                },
                Step {
                    targets: vec![Target::OrgAdmins],
                    wait_minutes: 15,
                },
                Step {
                    targets: vec![Target::DicDuty],
                    wait_minutes: 30,
                },
            ],
            repeat: 1,
        }
    }
}

/// A problem with a policy, named by step (1-based; 0 for the policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// The step, 1-based, or 0.
    pub step: usize,
    /// English.
    pub en: String,
    /// Vietnamese.
    pub vi: String,
}

impl Policy {
    /// Every problem of the policy, not the first only.
    pub fn validate(&self) -> Vec<PolicyError> {
        let mut out = Vec::new();
        if self.steps.is_empty() || self.steps.len() > 10 {
            out.push(PolicyError {
                step: 0,
                en: "a policy has 1 to 10 steps".into(),
                vi: "chính sách có từ 1 đến 10 bước".into(),
            });
        }
        if !(0..=5).contains(&self.repeat) {
            out.push(PolicyError {
                step: 0,
                en: "repeat is 0 to 5 times".into(),
                vi: "số lần lặp lại từ 0 đến 5".into(),
            });
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.targets.is_empty() {
                out.push(PolicyError {
                    step: i + 1,
                    en: "pages nobody".into(),
                    vi: "không gọi ai".into(),
                });
            }
            if !(1..=1440).contains(&s.wait_minutes) {
                out.push(PolicyError {
                    step: i + 1,
                    en: "waits 1 to 1440 minutes".into(),
                    vi: "thời gian chờ từ 1 đến 1440 phút".into(),
                });
            }
        }
        out
    }

    /// After step `step` of round `round` ran at `at`: the next step, its round and when it is
    /// due — or `None` when the policy (with its repeats) is exhausted.
    pub fn after(&self, step: usize, round: i64, at: i64) -> Option<(usize, i64, i64)> {
        let wait = self.steps.get(step)?.wait_minutes.max(1) * 60_000;
        if step + 1 < self.steps.len() {
            Some((step + 1, round, at + wait))
        } else if round < self.repeat {
            Some((0, round + 1, at + wait))
        } else {
            None
        }
    }
}

/// Whether a destination URL is one an administrator allowed: the allowed entry is a URL
/// prefix; scheme, host and port must be equal and the path must start with the entry's path
/// at a segment boundary. Both are compared as given (lower-cased scheme and host).
pub fn destination_allowed(url: &str, allowed: &[String]) -> bool {
    let Some(u) = split_url(url) else {
        return false;
    };
    allowed.iter().any(|a| {
        let Some(p) = split_url(a) else { return false };
        u.0 == p.0
            && u.1 == p.1
            && (p.2 == "/"
                || u.2 == p.2
                || u.2.starts_with(&format!("{}/", p.2.trim_end_matches('/'))))
    })
}

/// `(scheme, host:port, path)` of an http(s) URL, the port made explicit; `None` when it has
/// user information, a fragment or is not http(s).
pub fn split_url(url: &str) -> Option<(String, String, String)> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    if rest.contains('#') {
        return None;
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let (host, port) = if let Some(end) = authority.strip_prefix('[').and_then(|r| r.find(']')) {
        let host = &authority[..end + 2];
        match &authority[end + 2..] {
            "" => (host.to_string(), default_port),
            p => (host.to_string(), p.strip_prefix(':')?.parse::<u16>().ok()?),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>().ok()?),
            None => (authority.clone(), default_port),
        }
    };
    if host.is_empty() {
        return None;
    }
    let path = path.split('?').next().unwrap_or("/");
    let path = if path.is_empty() { "/" } else { path };
    if path.split('/').any(|seg| seg == "..") {
        return None;
    }
    Some((scheme, format!("{host}:{port}"), path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalation_walks_the_steps_then_repeats_then_stops() {
        let p = Policy::default();
        let t0 = 1_000_000;
        assert_eq!(p.after(0, 0, t0), Some((1, 0, t0 + 15 * 60_000)));
        assert_eq!(p.after(1, 0, t0), Some((2, 0, t0 + 15 * 60_000)));
        assert_eq!(p.after(2, 0, t0), Some((0, 1, t0 + 30 * 60_000)));
        assert_eq!(p.after(2, 1, t0), None);
        assert_eq!(p.after(9, 0, t0), None);
    }

    #[test]
    fn policies_are_checked_whole() {
        let p = Policy {
            steps: vec![Step {
                targets: vec![],
                wait_minutes: 0,
            }],
            repeat: 9,
        };
        let e = p.validate();
        assert_eq!(e.len(), 3, "{e:?}");
        assert_eq!(e[1].step, 1);
        assert!(Policy::default().validate().is_empty());
    }

    #[test]
    fn destinations_match_by_scheme_host_port_and_path_segment() {
        let allowed = vec![
            "https://hooks.stttt.laichau.gov.vn/canhgac".to_string(),
            "http://127.0.0.1:9000/".to_string(),
        ];
        assert!(destination_allowed(
            "https://hooks.stttt.laichau.gov.vn/canhgac",
            &allowed
        ));
        assert!(destination_allowed(
            "https://HOOKS.stttt.laichau.gov.vn:443/canhgac/x?y=1",
            &allowed
        ));
        assert!(destination_allowed(
            "http://127.0.0.1:9000/anything",
            &allowed
        ));
        // Another segment, another host, port, scheme or user information is refused.
        assert!(!destination_allowed(
            "https://hooks.stttt.laichau.gov.vn/canhgac-evil",
            &allowed
        ));
        assert!(!destination_allowed(
            "https://hooks.stttt.laichau.gov.vn.evil.vn/canhgac",
            &allowed
        ));
        assert!(!destination_allowed(
            "http://hooks.stttt.laichau.gov.vn/canhgac",
            &allowed
        ));
        assert!(!destination_allowed("http://127.0.0.1:9001/", &allowed));
        assert!(!destination_allowed("http://x@127.0.0.1:9000/", &allowed));
        assert!(!destination_allowed(
            "http://127.0.0.1:9000/a/../b",
            &allowed
        ));
        assert!(!destination_allowed("file:///etc/passwd", &allowed));
        assert!(!destination_allowed("http://127.0.0.1:9000/", &[]));
    }
}
