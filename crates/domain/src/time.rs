//! Time as the province reads it: Asia/Ho_Chi_Minh, dates dd/mm/yyyy.
//!
//! Viet Nam has kept UTC+07:00 without daylight saving since 1975, so a fixed offset is
//! exact for every date canhgac stores. Times are stored as Unix milliseconds (UTC).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// UTC+07:00, Asia/Ho_Chi_Minh.
pub fn vn_offset() -> FixedOffset {
    // 7 hours is always within chrono's range.
    FixedOffset::east_opt(7 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// Now, as Unix milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn local(ms: i64) -> Option<DateTime<FixedOffset>> {
    vn_offset().timestamp_millis_opt(ms).single()
}

/// `dd/mm/yyyy` in Viet Nam time.
pub fn fmt_date(ms: i64) -> String {
    local(ms)
        .map(|t| t.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// `dd/mm/yyyy HH:MM` in Viet Nam time.
pub fn fmt_datetime(ms: i64) -> String {
    local(ms)
        .map(|t| t.format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// RFC 3339 with the +07:00 offset, for APIs and exports.
pub fn rfc3339(ms: i64) -> String {
    local(ms).map(|t| t.to_rfc3339()).unwrap_or_default()
}

/// Parses `dd/mm/yyyy` (Vietnamese usage) or `yyyy-mm-dd` as midnight Viet Nam time.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let d = NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()?;
    let t = d.and_hms_opt(0, 0, 0)?;
    vn_offset()
        .from_local_datetime(&t)
        .single()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_vietnam_time() {
        // 2025-04-26T17:30:00Z is 27/04/2025 00:30 in Ha Noi.
        let ms = 1_745_688_600_000;
        assert_eq!(fmt_date(ms), "27/04/2025");
        assert_eq!(fmt_datetime(ms), "27/04/2025 00:30");
        assert!(rfc3339(ms).ends_with("+07:00"));
    }

    #[test]
    fn parses_both_date_styles() {
        let a = parse_date("27/04/2025");
        assert_eq!(a, parse_date("2025-04-27"));
        assert_eq!(a.map(fmt_date).as_deref(), Some("27/04/2025"));
        assert_eq!(parse_date("31/02/2025"), None);
    }
}
