//! Heightened periods (thời gian cao điểm, M2): a named span of days — a holiday, an event —
//! during which time limits tighten (open tasks' remaining time and the on-call policy's waits
//! are cut to a share) and every organisation sends a short daily report. No I/O; the clock is
//! an argument.

use crate::duty::midnight;
use crate::report::Template;
use chrono::NaiveDate;

/// The daily report's form unless the period sets its own (`key | label` lines).
pub const DEFAULT_FORM: &str =
    "duty_staffed | Lực lượng trực trong ngày (số người, họ tên trưởng ca)\n\
incidents | Sự cố phát sinh và tình hình xử lý\n\
alerts_handled | Số cảnh báo đã tiếp nhận, xử lý\n\
issues | Khó khăn, vướng mắc, đề xuất";

/// The longest period, in days.
pub const MAX_DAYS: i64 = 62;

/// A period as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSpec {
    /// Name, e.g. "Nghỉ lễ 30/4 – 1/5".
    pub name: String,
    /// First day (local).
    pub first: NaiveDate,
    /// Last day (local).
    pub last: NaiveDate,
    /// Share of the usual time limits that remains, in per cent (10–100).
    pub factor_pct: i64,
    /// The daily report's form.
    pub form: Template,
}

/// Problems of a period as entered: `(field, English, Vietnamese)`, every one.
pub fn validate(
    name: &str,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    factor_pct: Option<i64>,
    form: &str,
) -> Result<PeriodSpec, Vec<(String, String, String)>> {
    let mut errs = Vec::new();
    let mut e =
        |f: &str, en: &str, vi: &str| errs.push((f.to_string(), en.to_string(), vi.to_string()));
    if name.trim().is_empty() {
        e("name", "required", "bắt buộc");
    }
    if first.is_none() {
        e(
            "first",
            "the first day is dd/mm/yyyy",
            "ngày bắt đầu là dd/mm/yyyy",
        );
    }
    if last.is_none() {
        e(
            "last",
            "the last day is dd/mm/yyyy",
            "ngày kết thúc là dd/mm/yyyy",
        );
    }
    if let (Some(a), Some(b)) = (first, last) {
        if b < a {
            e(
                "last",
                "ends before it starts",
                "kết thúc trước khi bắt đầu",
            );
        } else if (b - a).num_days() + 1 > MAX_DAYS {
            e(
                "last",
                "a period is at most 62 days",
                "một đợt cao điểm tối đa 62 ngày",
            );
        }
    }
    let factor_pct = match factor_pct {
        Some(f) if (10..=100).contains(&f) => f,
        _ => {
            e(
                "factor_pct",
                "the share of the usual time limits is 10 to 100 per cent",
                "tỷ lệ thời hạn còn lại từ 10 đến 100%",
            );
            100
        }
    };
    let text = if form.trim().is_empty() {
        DEFAULT_FORM
    } else {
        form
    };
    let form = match Template::parse("Báo cáo ngày trong thời gian cao điểm", text) {
        Ok(t) => Some(t),
        Err(t) => {
            e(
                "form",
                &format!("line {}: {}", t.line, t.reason),
                &format!("dòng {}: mẫu không hợp lệ ({})", t.line, t.reason),
            );
            None
        }
    };
    match (errs.is_empty(), first, last, form) {
        (true, Some(first), Some(last), Some(form)) => Ok(PeriodSpec {
            name: name.trim().to_string(),
            first,
            last,
            factor_pct,
            form,
        }),
        _ => Err(errs),
    }
}

/// Whether `now` falls in the period (from 00:00 of the first day to 24:00 of the last, UTC+7).
pub fn is_active(first: NaiveDate, last: NaiveDate, now: i64) -> bool {
    midnight(first) <= now && now < midnight(last + chrono::Duration::days(1))
}

/// A due time tightened: what remains after `now` cut to `factor_pct` per cent (a due time
/// already past stays as it is).
pub fn tighten(due: i64, now: i64, factor_pct: i64) -> i64 {
    if due <= now {
        return due;
    }
    now + (due - now) * factor_pct.clamp(10, 100) / 100
}

/// An escalation wait tightened, at least one minute.
pub fn scale_wait(minutes: i64, factor_pct: i64) -> i64 {
    (minutes * factor_pct.clamp(10, 100) / 100).max(1)
}

/// The days of a period, in order.
pub fn days(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .take(MAX_DAYS as usize)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn a_period_is_checked_whole() {
        let ok = validate(
            "Nghỉ lễ 30/4",
            Some(d(2027, 4, 27)),
            Some(d(2027, 5, 7)),
            Some(50),
            "",
        )
        .unwrap();
        assert_eq!(ok.form.fields.len(), 4);
        let e = validate(
            " ",
            Some(d(2027, 5, 7)),
            Some(d(2027, 4, 27)),
            Some(5),
            "bad line without a bar",
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(fields, vec!["name", "last", "factor_pct", "form"]);
        assert!(
            validate("x", Some(d(2027, 1, 1)), Some(d(2027, 3, 5)), Some(50), "").is_err(),
            "too long"
        );
    }

    #[test]
    fn activity_runs_from_midnight_to_midnight_in_vietnam() {
        // 27/04/2027 00:00 UTC+7 = 26/04/2027 17:00 UTC.
        let start = midnight(d(2027, 4, 27));
        let utc = d(2027, 4, 26)
            .and_hms_opt(17, 0, 0)
            .unwrap_or_default()
            .and_utc();
        assert_eq!(start, utc.timestamp_millis());
        assert!(!is_active(d(2027, 4, 27), d(2027, 5, 7), start - 1));
        assert!(is_active(d(2027, 4, 27), d(2027, 5, 7), start));
        let end = midnight(d(2027, 5, 8));
        assert!(is_active(d(2027, 4, 27), d(2027, 5, 7), end - 1));
        assert!(!is_active(d(2027, 4, 27), d(2027, 5, 7), end));
        // A leap day inside a period.
        assert_eq!(days(d(2028, 2, 27), d(2028, 3, 1)).len(), 4);
    }

    #[test]
    fn limits_tighten_to_their_share() {
        let now = 1_000_000;
        assert_eq!(tighten(now + 10 * 3_600_000, now, 50), now + 5 * 3_600_000);
        assert_eq!(tighten(now - 5, now, 50), now - 5, "already past");
        assert_eq!(tighten(now + 100, now, 100), now + 100);
        assert_eq!(scale_wait(15, 50), 7);
        assert_eq!(scale_wait(1, 10), 1);
    }
}
