//! Incident reports to the national coordinator (Circular 20/2017/TT-BTTTT, Appendix I): the
//! initial report (Mẫu 03), the closing report (Mẫu 04) and the six-monthly summary (Mẫu 05);
//! their deadlines and the form templates. Institutions and rules changed in 2025 and may change
//! again, so deadlines, recipients and templates are data: the defaults here only seed them.
//! No I/O; every function takes the clock as an argument.

use crate::time::vn_offset;
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

/// Which form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Mẫu 03 — Báo cáo ban đầu sự cố (also the notice of an incident).
    Initial,
    /// Mẫu 04 — Báo cáo kết thúc ứng phó sự cố.
    Closing,
    /// Mẫu 05 — the six-monthly summary to VNCERT/CC.
    Summary,
}

impl ReportKind {
    /// Every kind, in the forms' order.
    pub const ALL: [ReportKind; 3] = [
        ReportKind::Initial,
        ReportKind::Closing,
        ReportKind::Summary,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Initial => "initial",
            ReportKind::Closing => "closing",
            ReportKind::Summary => "summary",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The form's number in Appendix I.
    pub fn form(self) -> &'static str {
        match self {
            ReportKind::Initial => "Mẫu 03",
            ReportKind::Closing => "Mẫu 04",
            ReportKind::Summary => "Mẫu 05",
        }
    }

    /// Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            ReportKind::Initial => "Báo cáo ban đầu sự cố",
            ReportKind::Closing => "Báo cáo kết thúc ứng phó sự cố",
            ReportKind::Summary => "Báo cáo tổng hợp 6 tháng",
        }
    }

    /// English name.
    pub fn label_en(self) -> &'static str {
        match self {
            ReportKind::Initial => "Initial incident report",
            ReportKind::Closing => "Response closing report",
            ReportKind::Summary => "Six-monthly summary",
        }
    }
}

/// The deadlines in force. Seeded from Circular 20 / Decision 05; editable by the DIC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRules {
    /// The notice (initial report) is due this many days after detection.
    pub notice_days: u32,
    /// The closing report is due this many days after the response ends (recovery).
    pub closing_days: u32,
    /// When the owner asked for support the initial report is due "immediately": read as this
    /// many hours after the request.
    pub support_hours: u32,
}

impl Default for DeadlineRules {
    fn default() -> Self {
        DeadlineRules {
            notice_days: 5,
            closing_days: 5,
            support_hours: 2,
        }
    }
}

/// The end of the day `days` calendar days after the day of `at_ms`, both read in Viet Nam time:
/// a period in days starts the day after the event and ends at 24:00 of its last day (Civil
/// Code 2015, Art. 147–148). Returns Unix ms of that 24:00 (the next day's 00:00, UTC+7).
pub fn days_after(at_ms: i64, days: u32) -> i64 {
    let Some(local) = vn_offset().timestamp_millis_opt(at_ms).single() else {
        return at_ms;
    };
    let last_day = local.date_naive() + Duration::days(i64::from(days));
    let end = last_day + Duration::days(1);
    end.and_hms_opt(0, 0, 0)
        .and_then(|t| vn_offset().from_local_datetime(&t).single())
        .map(|t| t.timestamp_millis())
        .unwrap_or(at_ms)
}

/// What a deadline hangs on, for the page ("5 ngày kể từ khi phát hiện").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueBasis {
    /// N days from detection.
    Detection,
    /// Immediately (within the configured hours) after support was requested.
    SupportRequested,
    /// N days after the response ended.
    ResponseEnded,
}

impl DueBasis {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DueBasis::Detection => "detection",
            DueBasis::SupportRequested => "support_requested",
            DueBasis::ResponseEnded => "response_ended",
        }
    }

    /// Vietnamese explanation.
    pub fn label_vi(self, rules: &DeadlineRules) -> String {
        match self {
            DueBasis::Detection => format!("{} ngày kể từ khi phát hiện", rules.notice_days),
            DueBasis::SupportRequested => format!(
                "ngay khi đề nghị hỗ trợ (trong {} giờ)",
                rules.support_hours
            ),
            DueBasis::ResponseEnded => {
                format!("{} ngày sau khi kết thúc ứng phó", rules.closing_days)
            }
        }
    }

    /// English explanation.
    pub fn label_en(self, rules: &DeadlineRules) -> String {
        match self {
            DueBasis::Detection => format!("{} days from detection", rules.notice_days),
            DueBasis::SupportRequested => format!(
                "immediately once support is requested (within {} h)",
                rules.support_hours
            ),
            DueBasis::ResponseEnded => {
                format!("{} days after the response ended", rules.closing_days)
            }
        }
    }
}

/// A report's due time and what it hangs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Due {
    /// Unix ms.
    pub at: i64,
    /// Why then.
    pub basis: DueBasis,
}

/// When the initial report is due: N days from detection, or sooner — immediately — once the
/// owner asked for support.
pub fn initial_due(
    detected_at: i64,
    support_requested_at: Option<i64>,
    rules: &DeadlineRules,
) -> Due {
    let by_days = Due {
        at: days_after(detected_at, rules.notice_days),
        basis: DueBasis::Detection,
    };
    match support_requested_at {
        Some(s) => {
            let at = s + i64::from(rules.support_hours) * 3_600_000;
            if at < by_days.at {
                Due {
                    at,
                    basis: DueBasis::SupportRequested,
                }
            } else {
                by_days
            }
        }
        None => by_days,
    }
}

/// When the closing report is due: N days after the response ended (the incident recovered);
/// nothing is due before that.
pub fn closing_due(response_ended_at: Option<i64>, rules: &DeadlineRules) -> Option<Due> {
    response_ended_at.map(|e| Due {
        at: days_after(e, rules.closing_days),
        basis: DueBasis::ResponseEnded,
    })
}

/// Where a due report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum DueState {
    /// Sent on time.
    SentOnTime,
    /// Sent, after the deadline.
    SentLate,
    /// Not sent; time remains.
    Pending,
    /// Not sent; the deadline passed.
    Overdue,
}

impl DueState {
    /// Where a report due `due` stands at `now`, sent at `sent_at` if it was.
    pub fn of(due: i64, sent_at: Option<i64>, now: i64) -> DueState {
        match sent_at {
            Some(s) if s <= due => DueState::SentOnTime,
            Some(_) => DueState::SentLate,
            None if now <= due => DueState::Pending,
            None => DueState::Overdue,
        }
    }

    /// Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            DueState::SentOnTime => "Đã gửi đúng hạn",
            DueState::SentLate => "Đã gửi muộn",
            DueState::Pending => "Chưa gửi — còn hạn",
            DueState::Overdue => "Quá hạn chưa gửi",
        }
    }

    /// English.
    pub fn label_en(self) -> &'static str {
        match self {
            DueState::SentOnTime => "Sent on time",
            DueState::SentLate => "Sent late",
            DueState::Pending => "Not sent — in time",
            DueState::Overdue => "Overdue, not sent",
        }
    }
}

/// A half-year: Mẫu 05 is sent every six months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HalfYear {
    /// The year.
    pub year: i32,
    /// 1 (January–June) or 2 (July–December).
    pub half: u8,
}

impl HalfYear {
    /// The half-year `at_ms` falls in, in Viet Nam time.
    pub fn of(at_ms: i64) -> HalfYear {
        let local = vn_offset()
            .timestamp_millis_opt(at_ms)
            .single()
            .map(|t| t.date_naive())
            .unwrap_or_default();
        HalfYear {
            year: local.year(),
            half: if local.month() <= 6 { 1 } else { 2 },
        }
    }

    /// The one before.
    pub fn previous(self) -> HalfYear {
        if self.half == 2 {
            HalfYear {
                year: self.year,
                half: 1,
            }
        } else {
            HalfYear {
                year: self.year - 1,
                half: 2,
            }
        }
    }

    /// `[start, end)` in Unix ms: 01/01 or 01/07 00:00 UTC+7 to the next half's start.
    pub fn bounds(self) -> (i64, i64) {
        let start_month = if self.half == 2 { 7 } else { 1 };
        let (ey, em) = if self.half == 2 {
            (self.year + 1, 1)
        } else {
            (self.year, 7)
        };
        let at = |y: i32, m: u32| {
            NaiveDate::from_ymd_opt(y, m, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|t| vn_offset().from_local_datetime(&t).single())
                .map(|t| t.timestamp_millis())
                .unwrap_or(0)
        };
        (at(self.year, start_month), at(ey, em))
    }

    /// `6 tháng đầu năm 2026` / `6 tháng cuối năm 2026`.
    pub fn label_vi(self) -> String {
        if self.half == 1 {
            format!("6 tháng đầu năm {}", self.year)
        } else {
            format!("6 tháng cuối năm {}", self.year)
        }
    }

    /// `first half of 2026`.
    pub fn label_en(self) -> String {
        if self.half == 1 {
            format!("first half of {}", self.year)
        } else {
            format!("second half of {}", self.year)
        }
    }
}

/// A form template: a title and its fields in order, each a key the filler knows (or a new one
/// the reporter fills by hand) and the label printed on the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// Printed heading.
    pub title: String,
    /// `(key, label)` in order.
    pub fields: Vec<(String, String)>,
}

/// A template line that does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong, in English.
    pub reason: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// The most fields a template may have.
pub const MAX_TEMPLATE_FIELDS: usize = 60;

impl Template {
    /// Reads the editable text form: one field per line, `key | Label`; `#` lines are comments;
    /// keys are lower-case ASCII letters, digits and `_`, each at most once.
    pub fn parse(title: &str, text: &str) -> Result<Template, TemplateError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(TemplateError {
                line: 0,
                reason: "the title is empty".into(),
            });
        }
        let mut fields: Vec<(String, String)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |reason: String| TemplateError {
                line: i + 1,
                reason,
            };
            let Some((key, label)) = line.split_once('|') else {
                return Err(err("expected `key | Label`".into()));
            };
            let (key, label) = (key.trim(), label.trim());
            if key.is_empty()
                || key.len() > 40
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(err(format!(
                    "key `{key}`: use lower-case letters, digits and _ (at most 40)"
                )));
            }
            if label.is_empty() {
                return Err(err(format!("key `{key}` has no label")));
            }
            if fields.iter().any(|(k, _)| k == key) {
                return Err(err(format!("key `{key}` appears twice")));
            }
            if fields.len() == MAX_TEMPLATE_FIELDS {
                return Err(err(format!("more than {MAX_TEMPLATE_FIELDS} fields")));
            }
            fields.push((key.to_string(), label.to_string()));
        }
        if fields.is_empty() {
            return Err(TemplateError {
                line: 0,
                reason: "the template has no fields".into(),
            });
        }
        Ok(Template {
            title: title.to_string(),
            fields,
        })
    }

    /// The editable text form, as `parse` reads it.
    pub fn to_text(&self) -> String {
        self.fields
            .iter()
            .map(|(k, l)| format!("{k} | {l}\n"))
            .collect()
    }

    /// The seeded template of a form (Circular 20, Appendix I, as summarised in the regulations
    /// notes); the DIC edits it when the form changes.
    pub fn default_for(kind: ReportKind) -> Template {
        let (title, fields): (&str, &[(&str, &str)]) = match kind {
            ReportKind::Initial => (
                "BÁO CÁO BAN ĐẦU SỰ CỐ",
                &[
                    ("reporter_org", "Tên tổ chức/cá nhân báo cáo sự cố"),
                    (
                        "reporter_contact",
                        "Người liên hệ (họ tên, chức vụ, điện thoại, thư điện tử)",
                    ),
                    ("operator", "Đơn vị vận hành hệ thống thông tin"),
                    ("owner", "Cơ quan, tổ chức chủ quản hệ thống thông tin"),
                    (
                        "system_name",
                        "Tên hệ thống thông tin bị sự cố (tên miền, địa chỉ IP)",
                    ),
                    ("security_level", "Cấp độ an toàn của hệ thống thông tin"),
                    (
                        "providers",
                        "Đơn vị cung cấp dịch vụ an toàn thông tin, nhà cung cấp dịch vụ Internet",
                    ),
                    ("summary", "Mô tả sơ bộ về sự cố"),
                    ("category", "Loại sự cố"),
                    ("gravity", "Mức độ sự cố"),
                    ("detected_at", "Ngày, giờ phát hiện sự cố"),
                    ("status", "Tình trạng hiện tại của sự cố"),
                    (
                        "detected_by",
                        "Cách thức phát hiện (IDS, nhật ký hệ thống, được thông báo bởi…)",
                    ),
                    ("informed", "Đã thông báo sự cố cho"),
                    ("systems", "Hệ điều hành, phiên bản, dịch vụ trên hệ thống"),
                    ("controls", "Các biện pháp an toàn thông tin đã triển khai"),
                    (
                        "addresses",
                        "Địa chỉ IP công khai, tên miền và mục đích sử dụng",
                    ),
                    ("observables", "Dấu hiệu nhận biết (IP, tên miền, mã băm…)"),
                    ("attachments", "Thông tin gửi kèm (nhật ký, mẫu mã độc…)"),
                    ("confidential", "Đề nghị giữ bí mật thông tin sự cố"),
                    ("requests", "Đề nghị hỗ trợ ứng cứu"),
                    ("reported_at", "Thời gian báo cáo"),
                ],
            ),
            ReportKind::Closing => (
                "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ",
                &[
                    ("reporter_org", "Tên tổ chức/cá nhân báo cáo"),
                    (
                        "reporter_contact",
                        "Người liên hệ (họ tên, chức vụ, điện thoại, thư điện tử)",
                    ),
                    ("initial_ref", "Số, ngày báo cáo ban đầu sự cố"),
                    (
                        "system_name",
                        "Tên hệ thống thông tin bị sự cố (tên miền, địa chỉ IP)",
                    ),
                    ("owner", "Cơ quan, tổ chức chủ quản hệ thống thông tin"),
                    ("detected_at", "Ngày, giờ phát hiện sự cố"),
                    ("category", "Loại sự cố"),
                    ("what_happened", "Mô tả sự cố đã xảy ra"),
                    ("resolution", "Các biện pháp đã xử lý, khắc phục"),
                    ("durations", "Thời gian phát hiện, ngăn chặn, khôi phục"),
                    ("ended_at", "Thời gian kết thúc ứng phó"),
                    ("lessons", "Kiến nghị, bài học kinh nghiệm"),
                    ("attachments", "Tài liệu gửi kèm"),
                    ("reported_at", "Thời gian báo cáo"),
                ],
            ),
            ReportKind::Summary => (
                "BÁO CÁO TỔNG HỢP TÌNH HÌNH SỰ CỐ",
                &[
                    ("reporter_org", "Đơn vị báo cáo"),
                    ("period", "Kỳ báo cáo"),
                    ("counts", "Số lượng sự cố theo loại"),
                    ("notes", "Đánh giá, kiến nghị"),
                    ("reported_at", "Thời gian báo cáo"),
                ],
            ),
        };
        Template {
            title: title.to_string(),
            fields: fields
                .iter()
                .map(|(k, l)| ((*k).to_string(), (*l).to_string()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{fmt_datetime, parse_date};

    fn at(date: &str, h: i64, m: i64) -> i64 {
        parse_date(date).expect("date") + h * 3_600_000 + m * 60_000
    }

    #[test]
    fn notice_deadline_counts_days_in_vietnam_time_across_midnight() {
        let rules = DeadlineRules::default();
        // Detected 30/11 at 23:50 Ha Noi (16:50 UTC, still 30/11 in UTC too): due end of 05/12.
        let d = at("30/11/2026", 23, 50);
        assert_eq!(fmt_datetime(days_after(d, 5)), "06/12/2026 00:00");
        // Detected 01/12 at 00:10 Ha Noi — 30/11 17:10 UTC: the local day counts, due end of 06/12.
        let d = at("01/12/2026", 0, 10);
        assert_eq!(fmt_datetime(days_after(d, 5)), "07/12/2026 00:00");
        assert_eq!(
            initial_due(d, None, &rules),
            Due {
                at: at("07/12/2026", 0, 0),
                basis: DueBasis::Detection
            }
        );
    }

    #[test]
    fn deadlines_cross_month_and_year_ends() {
        // 28/02/2027 (not a leap year) + 5 days ends with 05/03.
        assert_eq!(
            fmt_datetime(days_after(at("28/02/2027", 9, 0), 5)),
            "06/03/2027 00:00"
        );
        // 2028 is a leap year: 28/02 + 5 ends with 04/03.
        assert_eq!(
            fmt_datetime(days_after(at("28/02/2028", 9, 0), 5)),
            "05/03/2028 00:00"
        );
        // 29/12 + 5 ends with 03/01 of the next year.
        assert_eq!(
            fmt_datetime(days_after(at("29/12/2026", 21, 0), 5)),
            "04/01/2027 00:00"
        );
        // 31/01 + 0 days: the end of that same day.
        assert_eq!(
            fmt_datetime(days_after(at("31/01/2027", 12, 0), 0)),
            "01/02/2027 00:00"
        );
    }

    #[test]
    fn support_request_makes_the_initial_report_immediate() {
        let rules = DeadlineRules::default();
        let detected = at("10/12/2026", 8, 0);
        let asked = at("10/12/2026", 22, 30);
        let due = initial_due(detected, Some(asked), &rules);
        assert_eq!(due.basis, DueBasis::SupportRequested);
        assert_eq!(fmt_datetime(due.at), "11/12/2026 00:30");
        // Asked after the five days already ran out: the earlier deadline stands.
        let late = at("20/12/2026", 8, 0);
        assert_eq!(
            initial_due(detected, Some(late), &rules).basis,
            DueBasis::Detection
        );
    }

    #[test]
    fn closing_deadline_runs_from_the_end_of_response() {
        let rules = DeadlineRules {
            notice_days: 5,
            closing_days: 3,
            support_hours: 2,
        };
        assert_eq!(closing_due(None, &rules), None);
        let ended = at("30/06/2026", 23, 59);
        let due = closing_due(Some(ended), &rules).expect("due");
        assert_eq!(fmt_datetime(due.at), "04/07/2026 00:00");
        assert_eq!(DueState::of(due.at, None, due.at - 1), DueState::Pending);
        assert_eq!(DueState::of(due.at, None, due.at + 1), DueState::Overdue);
        assert_eq!(
            DueState::of(due.at, Some(due.at), due.at + 1),
            DueState::SentOnTime
        );
        assert_eq!(
            DueState::of(due.at, Some(due.at + 1), due.at + 1),
            DueState::SentLate
        );
    }

    #[test]
    fn half_years_are_read_in_vietnam_time() {
        // 30/06/2026 20:00 UTC is 01/07/2026 03:00 in Ha Noi: the second half.
        let ms = at("01/07/2026", 3, 0);
        assert_eq!(
            HalfYear::of(ms),
            HalfYear {
                year: 2026,
                half: 2
            }
        );
        let (s, e) = HalfYear {
            year: 2026,
            half: 2,
        }
        .bounds();
        assert_eq!(fmt_datetime(s), "01/07/2026 00:00");
        assert_eq!(fmt_datetime(e), "01/01/2027 00:00");
        assert_eq!(
            HalfYear::of(e - 1),
            HalfYear {
                year: 2026,
                half: 2
            }
        );
        assert_eq!(
            HalfYear::of(s - 1),
            HalfYear {
                year: 2026,
                half: 1
            }
        );
        assert_eq!(
            HalfYear {
                year: 2026,
                half: 1
            }
            .previous(),
            HalfYear {
                year: 2025,
                half: 2
            }
        );
    }

    #[test]
    fn templates_round_trip_and_name_the_bad_line() {
        for kind in ReportKind::ALL {
            let t = Template::default_for(kind);
            assert_eq!(Template::parse(&t.title, &t.to_text()), Ok(t));
        }
        let e = Template::parse("X", "a | A\n# note\nb A\n").expect_err("bad");
        assert_eq!(e.line, 3);
        let e = Template::parse("X", "a | A\na | again\n").expect_err("twice");
        assert!(e.reason.contains("twice"), "{e}");
        let e = Template::parse("X", "Bad Key | A\n").expect_err("key");
        assert_eq!(e.line, 1);
        assert!(Template::parse("", "a | A").is_err());
        assert!(Template::parse("X", "# only comments\n").is_err());
    }
}
