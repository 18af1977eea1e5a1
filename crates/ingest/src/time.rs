//! Calendar helpers shared by the syslog and web-access parsers.
//!
//! Everything is computed on naive (zone-less) dates plus an explicit offset, so no time zone
//! database is needed: Viet Nam has kept UTC+07:00 without daylight saving since 1975.

use chrono::{Datelike, NaiveDate};

/// UTC+07:00 (Asia/Ho_Chi_Minh) in seconds: the zone assumed for timestamps that carry none.
pub const VN_OFFSET_SECS: i32 = 7 * 3600;

/// How far in the future a year-less timestamp may lie before we assume it belongs to the
/// previous year. Clocks of senders drift and a sender in UTC looks 7 hours ahead of us, but a
/// line "in the future" by more than a few days is last year's (a December line read in January).
const FUTURE_TOLERANCE_MS: i64 = 3 * 86_400_000;

/// A wall-clock time of day with milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub milli: u32,
}

/// Unix milliseconds of a civil date and time at a fixed offset east of UTC (seconds).
/// `None` for an impossible date or time (31 April, 25:00, a leap second).
pub fn to_unix_ms(year: i32, month: u32, day: u32, clock: Clock, offset_secs: i32) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let dt = date.and_hms_milli_opt(clock.hour, clock.minute, clock.second, clock.milli)?;
    Some(dt.and_utc().timestamp_millis() - i64::from(offset_secs) * 1000)
}

/// Chooses the year of a year-less RFC 3164 timestamp, interpreted in Viet Nam time: the latest
/// year (from next year down to eight years back, so 29 February finds a leap year) that does
/// not put the time more than a few days after `now_ms`.
pub fn infer_year_ms(month: u32, day: u32, clock: Clock, now_ms: i64) -> Option<i64> {
    let local_now = chrono::DateTime::from_timestamp_millis(
        now_ms.saturating_add(i64::from(VN_OFFSET_SECS) * 1000),
    )?;
    let this_year = local_now.year();
    let limit = now_ms.saturating_add(FUTURE_TOLERANCE_MS);
    // Next year first: a sender whose clock already shows 1 January while ours shows
    // 31 December is still within the tolerance.
    (this_year - 8..=this_year + 1)
        .rev()
        .filter_map(|y| to_unix_ms(y, month, day, clock, VN_OFFSET_SECS))
        .find(|&t| t <= limit)
}

/// `Jan`..`Dec` (ASCII case-insensitive, as sloppy senders vary the case) to 1..=12.
pub fn month_number(name: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    if name.len() != 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// Parses exactly `n` ASCII digits at `at`.
pub fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(n)?)?;
    s.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Milliseconds from the digits of a decimal fraction (`.5` is 500 ms; digits beyond the third
/// are truncated).
pub fn fraction_millis(frac: &[u8]) -> u32 {
    let mut ms = 0u32;
    for i in 0..3 {
        let d = frac
            .get(i)
            .map_or(0, |c| u32::from(c.wrapping_sub(b'0')).min(9));
        ms = ms * 10 + d;
    }
    ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(h: u32, m: u32, s: u32) -> Clock {
        Clock {
            hour: h,
            minute: m,
            second: s,
            milli: 0,
        }
    }

    #[test]
    fn vn_time_is_utc_plus_seven() {
        // 2026-11-25 02:00:00 +07:00 = 2026-11-24 19:00:00 UTC.
        let t = to_unix_ms(2026, 11, 25, clock(2, 0, 0), VN_OFFSET_SECS);
        assert_eq!(t, Some(1_795_546_800_000));
    }

    #[test]
    fn year_inference() {
        let now = to_unix_ms(2026, 1, 2, clock(10, 0, 0), VN_OFFSET_SECS).unwrap_or(0);
        // A December line read on 2 January is from the year before.
        let dec = infer_year_ms(12, 31, clock(23, 0, 0), now);
        assert_eq!(
            dec,
            to_unix_ms(2025, 12, 31, clock(23, 0, 0), VN_OFFSET_SECS)
        );
        // Today stays this year; so does a line two days ahead (clock skew).
        let jan = infer_year_ms(1, 4, clock(9, 0, 0), now);
        assert_eq!(jan, to_unix_ms(2026, 1, 4, clock(9, 0, 0), VN_OFFSET_SECS));
        // 29 February goes back to the latest leap year.
        let leap = infer_year_ms(2, 29, clock(0, 0, 0), now);
        assert_eq!(
            leap,
            to_unix_ms(2024, 2, 29, clock(0, 0, 0), VN_OFFSET_SECS)
        );
        // A sender already in the new year while we are on 31 December.
        let eve = to_unix_ms(2025, 12, 31, clock(23, 59, 0), VN_OFFSET_SECS).unwrap_or(0);
        let ny = infer_year_ms(1, 1, clock(0, 0, 30), eve);
        assert_eq!(ny, to_unix_ms(2026, 1, 1, clock(0, 0, 30), VN_OFFSET_SECS));
        assert_eq!(infer_year_ms(2, 30, clock(0, 0, 0), now), None);
    }

    #[test]
    fn small_parsers() {
        assert_eq!(month_number(b"Nov"), Some(11));
        assert_eq!(month_number(b"JAN"), Some(1));
        assert_eq!(month_number(b"Foo"), None);
        assert_eq!(digits(b"x2026", 1, 4), Some(2026));
        assert_eq!(digits(b"20a6", 0, 4), None);
        assert_eq!(digits(b"20", 0, 4), None);
        assert_eq!(fraction_millis(b"5"), 500);
        assert_eq!(fraction_millis(b"123456"), 123);
    }
}
