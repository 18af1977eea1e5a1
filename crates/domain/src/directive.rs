//! Directives (văn bản chỉ đạo, M12): an official letter's items, each addressed to groups of
//! organisations with a due date, and what a recipient's progress on an item reads as. The item
//! list is written one item per line — `code | audience | due dd/mm/yyyy | text` — and read
//! whole: every bad line is named. No I/O; the clock is an argument.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A group of organisations an item may be addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Provincial departments and agencies (sở, ban, ngành).
    Agencies,
    /// District and city People's Committees.
    Districts,
    /// Telecom operators.
    Telecoms,
}

impl Group {
    /// Every group.
    pub const ALL: [Group; 3] = [Group::Agencies, Group::Districts, Group::Telecoms];

    /// The organisation kind (registry) the group is made of.
    pub fn org_kind(self) -> &'static str {
        match self {
            Group::Agencies => "agency",
            Group::Districts => "district",
            Group::Telecoms => "telecom",
        }
    }

    /// The word written in an item line.
    pub fn word(self) -> &'static str {
        match self {
            Group::Agencies => "so-nganh",
            Group::Districts => "huyen",
            Group::Telecoms => "vien-thong",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Group::Agencies => "Các sở, ban, ngành",
            Group::Districts => "UBND các huyện, thành phố",
            Group::Telecoms => "Các doanh nghiệp viễn thông",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Group::Agencies => "Provincial agencies",
            Group::Districts => "Districts and the city",
            Group::Telecoms => "Telecom operators",
        }
    }

    fn parse(s: &str) -> Option<Group> {
        match s {
            "so-nganh" | "agencies" | "agency" => Some(Group::Agencies),
            "huyen" | "districts" | "district" => Some(Group::Districts),
            "vien-thong" | "telecoms" | "telecom" => Some(Group::Telecoms),
            _ => None,
        }
    }
}

/// Who an item is addressed to: groups, and organisations named by code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// Groups.
    pub groups: Vec<Group>,
    /// Organisation codes, upper-case.
    pub codes: Vec<String>,
}

impl Audience {
    /// Reads `so-nganh, huyen`, `vien-thong`, `tat-ca` (every group) or organisation codes,
    /// separated by commas; `None` when empty.
    pub fn parse(s: &str) -> Option<Audience> {
        let mut a = Audience::default();
        for w in s.split([',', ';']).map(str::trim).filter(|w| !w.is_empty()) {
            let lower = w.to_lowercase();
            if lower == "tat-ca" || lower == "all" {
                a.groups = Group::ALL.to_vec();
            } else if let Some(g) = Group::parse(&lower) {
                if !a.groups.contains(&g) {
                    a.groups.push(g);
                }
            } else {
                let code = w.to_uppercase();
                if !a.codes.contains(&code) {
                    a.codes.push(code);
                }
            }
        }
        a.groups.sort();
        (!a.groups.is_empty() || !a.codes.is_empty()).then_some(a)
    }

    /// As written in an item line.
    pub fn words(&self) -> String {
        self.groups
            .iter()
            .map(|g| g.word().to_string())
            .chain(self.codes.iter().cloned())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// For people.
    pub fn label(&self, vi: bool) -> String {
        self.groups
            .iter()
            .map(|g| if vi { g.label_vi() } else { g.label_en() }.to_string())
            .chain(self.codes.iter().cloned())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One item of a directive as read from its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSpec {
    /// Its number in the letter: `1a`, `2.c`…
    pub code: String,
    /// Addressed to.
    pub audience: Audience,
    /// The last day (local), due at its 24:00.
    pub due: NaiveDate,
    /// What it asks.
    pub text: String,
}

/// A line that does not read, named by its number (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// Line number.
    pub line: usize,
    /// English.
    pub en: String,
    /// Vietnamese.
    pub vi: String,
}

/// At most this many items per directive.
pub const MAX_ITEMS: usize = 60;

/// Reads the item lines whole: every problem of every line, or the items. Empty lines and lines
/// starting with `#` are skipped.
pub fn parse_items(text: &str) -> Result<Vec<ItemSpec>, Vec<LineError>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let n = i + 1;
        let mut err = |en: &str, vi: &str| {
            if errors.len() < 50 {
                errors.push(LineError {
                    line: n,
                    en: en.into(),
                    vi: vi.into(),
                });
            }
        };
        let parts: Vec<&str> = line.splitn(4, '|').map(str::trim).collect();
        if parts.len() < 4 {
            err(
                "write code | audience | due dd/mm/yyyy | text",
                "viết: mục | nơi nhận | hạn dd/mm/yyyy | nội dung",
            );
            continue;
        }
        let code: String = parts[0].chars().take(20).collect();
        if code.is_empty() {
            err("the item's number is missing", "thiếu số mục");
        }
        let audience = Audience::parse(parts[1]);
        if audience.is_none() {
            err(
                "say who it is for: so-nganh, huyen, vien-thong, tat-ca or organisation codes",
                "ghi nơi nhận: so-nganh, huyen, vien-thong, tat-ca hoặc mã đơn vị",
            );
        }
        let due = NaiveDate::parse_from_str(parts[2], "%d/%m/%Y").ok();
        if due.is_none() {
            err("the due date is dd/mm/yyyy", "hạn là ngày dd/mm/yyyy");
        }
        let text: String = parts[3].chars().take(4000).collect();
        if text.is_empty() {
            err("the item's text is missing", "thiếu nội dung");
        }
        if !code.is_empty() && seen.contains(&code) {
            err("the item's number is used twice", "số mục bị trùng");
        }
        seen.push(code.clone());
        if let (false, Some(audience), Some(due), false) =
            (code.is_empty(), audience, due, text.is_empty())
        {
            items.push(ItemSpec {
                code,
                audience,
                due,
                text,
            });
        }
    }
    if items.len() > MAX_ITEMS {
        errors.push(LineError {
            line: 0,
            en: format!("at most {MAX_ITEMS} items"),
            vi: format!("tối đa {MAX_ITEMS} mục"),
        });
    }
    if items.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 0,
            en: "a directive has at least one item".into(),
            vi: "văn bản cần ít nhất một mục".into(),
        });
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// Writes items back as lines (what the form shows again after an error).
pub fn write_items(items: &[ItemSpec]) -> String {
    items
        .iter()
        .map(|it| {
            format!(
                "{} | {} | {} | {}",
                it.code,
                it.audience.words(),
                it.due.format("%d/%m/%Y"),
                it.text
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where one recipient stands on one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Not acknowledged yet, not due.
    Pending,
    /// Acknowledged, under way, not due.
    Acknowledged,
    /// Reported done.
    Done,
    /// Marked not applicable (with a reason).
    NotApplicable,
    /// Past due and not done.
    Late,
}

impl Standing {
    /// From a work item's state, its due time and the time now.
    pub fn of(state: &str, due_at: Option<i64>, now: i64) -> Standing {
        match state {
            "closed" => Standing::Done,
            "not_applicable" => Standing::NotApplicable,
            _ if due_at.is_some_and(|d| d < now) => Standing::Late,
            "in_progress" | "awaiting_proof" => Standing::Acknowledged,
            _ => Standing::Pending,
        }
    }

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Pending => "pending",
            Standing::Acknowledged => "acknowledged",
            Standing::Done => "done",
            Standing::NotApplicable => "not_applicable",
            Standing::Late => "late",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Standing::Pending => "Chưa tiếp nhận",
            Standing::Acknowledged => "Đang thực hiện",
            Standing::Done => "Đã hoàn thành",
            Standing::NotApplicable => "Không áp dụng",
            Standing::Late => "Quá hạn",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Standing::Pending => "Not acknowledged",
            Standing::Acknowledged => "Under way",
            Standing::Done => "Done",
            Standing::NotApplicable => "Not applicable",
            Standing::Late => "Late",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_read_whole_and_every_bad_line_is_named() {
        let ok = parse_items("# dispatch 737\n1a | so-nganh, huyen | 30/04/2027 | Trực 24/7\n\n2a | vien-thong | 29/02/2028 | Trực NOC\n3 | SYT, tat-ca | 01/05/2027 | Liên hệ").unwrap();
        assert_eq!(ok.len(), 3);
        assert_eq!(
            ok[0].audience.groups,
            vec![Group::Agencies, Group::Districts]
        );
        assert_eq!(
            ok[1].due,
            NaiveDate::from_ymd_opt(2028, 2, 29).unwrap(),
            "a leap day"
        );
        assert_eq!(ok[2].audience.groups.len(), 3);
        assert_eq!(ok[2].audience.codes, vec!["SYT".to_string()]);
        assert_eq!(
            parse_items(&write_items(&ok)).unwrap(),
            ok,
            "written back, read the same"
        );

        let bad = parse_items("1a | so-nganh | 31/02/2027 | x\n1a | | 01/01/2027 |\nno pipes\n")
            .unwrap_err();
        let lines: Vec<usize> = bad.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 2, 2, 2, 3], "{bad:?}");
        assert!(bad[0].vi.contains("dd/mm/yyyy"));
        assert_eq!(parse_items("\n# only a comment\n").unwrap_err()[0].line, 0);
    }

    #[test]
    fn standing_reads_state_and_due_date() {
        let now = 1_000;
        assert_eq!(Standing::of("open", Some(2_000), now), Standing::Pending);
        assert_eq!(
            Standing::of("in_progress", Some(2_000), now),
            Standing::Acknowledged
        );
        assert_eq!(Standing::of("in_progress", Some(500), now), Standing::Late);
        assert_eq!(Standing::of("open", None, now), Standing::Pending);
        assert_eq!(Standing::of("closed", Some(500), now), Standing::Done);
        assert_eq!(
            Standing::of("not_applicable", Some(500), now),
            Standing::NotApplicable
        );
    }
}
