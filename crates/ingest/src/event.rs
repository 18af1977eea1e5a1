//! Records as detection events ([`canhgac_detect::Event`]): the one place where what was read
//! becomes what the Sigma engine sees, for the server's pipeline and `canhgac detect` alike.

use std::borrow::Cow;

use canhgac_detect::{Event, EventSource};

use crate::normalize::{self, Normalized};

/// A normalised record as a detection event.
pub fn from_normalized(n: Normalized, time_ms: Option<i64>) -> Event<'static> {
    let mut ev = Event {
        fields: Vec::with_capacity(n.fields.len()),
        source: EventSource {
            product: n.product.map(Cow::Borrowed),
            category: n.category.map(Cow::Borrowed),
            service: n.service.map(Cow::Borrowed),
        },
        time_ms,
    };
    for (k, v) in n.fields {
        ev.push(k, v);
    }
    ev
}

/// One JSON line. An evtx-style object (`{"Event": {"System": …}}`) is flattened like an EVTX
/// record; a flat Windows event (`Channel` + `EventID`) gets its log source and Sigma's renamed
/// fields; anything else keeps its flattened fields and an unknown log source (every rule
/// applies). The time comes from the usual fields when present.
pub fn json_line(line: &str) -> Result<Event<'_>, String> {
    let mut ev = Event::from_json(line).map_err(|e| e.to_string())?;
    if ev
        .fields
        .first()
        .is_some_and(|(k, _)| k.starts_with("Event."))
    {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let n = normalize::windows_flatten(&v);
        let t = n.get("TimeCreated").and_then(parse_time_ms);
        return Ok(from_normalized(n, t));
    }
    apply_windows_source(&mut ev);
    if ev.time_ms.is_none() {
        // The first of the usual time fields present, in one pass.
        const KEYS: [&str; 5] = ["TimeCreated", "@timestamp", "timestamp", "UtcTime", "time"];
        let mut best: Option<(usize, &str)> = None;
        for (k, v) in &ev.fields {
            if let Some(rank) = KEYS.iter().position(|x| x == k) {
                if best.is_none_or(|(r, _)| rank < r) {
                    best = Some((rank, v.as_ref()));
                }
            }
        }
        ev.time_ms = best.and_then(|(_, v)| parse_time_ms(v));
    }
    Ok(ev)
}

/// Sets the log source of a flat Windows event and adds Sigma's renamed fields.
pub fn apply_windows_source(ev: &mut Event<'_>) {
    let (mut has_channel, mut has_id) = (false, false);
    for (k, _) in &ev.fields {
        match k.as_ref() {
            "Channel" => has_channel = true,
            "EventID" => has_id = true,
            _ => {}
        }
    }
    if !(has_channel && has_id) {
        return;
    }
    let src = normalize::windows_source(|k| ev.get(k));
    ev.source = EventSource {
        product: Some(Cow::Borrowed("windows")),
        category: src.category.map(Cow::Borrowed),
        service: src.service.map(Cow::Borrowed),
    };
    for (from, to) in src.renames {
        if ev.get(to).is_none() {
            if let Some(v) = ev.get(from) {
                let v = v.to_string();
                ev.fields.push((Cow::Borrowed(*to), Cow::Owned(v)));
            }
        }
    }
}

/// `2026-11-25T02:00:00.123Z`, `2026-11-25 02:00:00.123` (UTC, as Sysmon's UtcTime) or Unix
/// seconds / milliseconds.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(t) = fast_iso(s.as_bytes()) {
        return Some(t);
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(if n > 100_000_000_000 { n } else { n * 1000 });
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    None
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fff…][Z]` read by hand (every Windows event has one; chrono's
/// format parsing costs more than the Sigma rules). Times without a zone are UTC.
fn fast_iso(b: &[u8]) -> Option<i64> {
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut n = 0i64;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + i64::from(c - b'0');
        }
        Some(n)
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let mut digits = 0;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if digits < 3 {
                ms = ms * 10 + i64::from(c - b'0');
            }
            digits += 1;
            i += 1;
        }
        for _ in digits..3 {
            ms *= 10;
        }
    }
    match &b[i..] {
        [] | [b'Z'] | [b'z'] => {}
        _ => return None, // an offset: let chrono read it
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y2, m2) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms)
}

/// One line of text: a web access line, syslog (RFC 5424 or 3164, with or without PRI), an
/// auditd record, or else just a `message`. When the line is none of these, the syslog
/// parser's error comes back beside the event (which holds the line as its `message`), so a
/// caller that expected syslog can flag and count it.
pub fn text_line(line: &str, now_ms: i64) -> (Event<'static>, Option<crate::syslog::ParseError>) {
    if let Some(n) = normalize::web_access(line) {
        let t = normalize::web_access_time_ms(line);
        return (from_normalized(n, t), None);
    }
    if let Some(n) = normalize::auditd_record(line) {
        return (from_normalized(n, None), None);
    }
    match crate::syslog::parse(line.as_bytes(), now_ms) {
        Ok(m) => {
            let t = m.timestamp_ms;
            (from_normalized(normalize::from_syslog(&m), t), None)
        }
        Err(e) => {
            let mut ev = Event::default();
            ev.push("message", line.to_string());
            (ev, Some(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_security_event_gets_source_and_renames() {
        let ev = json_line(r#"{"Channel":"Security","EventID":4688,"NewProcessName":"C:\\w\\cmd.exe","TimeCreated":"2026-11-25T01:02:03Z"}"#)
            .expect("json");
        assert_eq!(ev.source.category.as_deref(), Some("process_creation"));
        assert_eq!(ev.source.service.as_deref(), Some("security"));
        assert_eq!(ev.get("Image"), Some("C:\\w\\cmd.exe"));
        assert_eq!(ev.time_ms, Some(1_795_568_523_000));
        for t in [
            "2026-11-25T01:02:03Z",
            "2026-11-25 01:02:03.000",
            "2024-02-29T23:59:59.5Z",
            "1970-01-01T00:00:00Z",
        ] {
            let chrono = chrono::NaiveDateTime::parse_from_str(
                t.trim_end_matches('Z'),
                if t.contains('T') {
                    "%Y-%m-%dT%H:%M:%S%.f"
                } else {
                    "%Y-%m-%d %H:%M:%S%.f"
                },
            )
            .map(|x| x.and_utc().timestamp_millis())
            .ok();
            assert_eq!(parse_time_ms(t), chrono, "{t}");
        }
        assert_eq!(
            parse_time_ms("2026-11-25T01:02:03+07:00"),
            Some(1_795_543_323_000)
        );
        let plain = json_line(r#"{"a": 1}"#).expect("json");
        assert!(plain.source.is_unknown());
        assert!(json_line("{").is_err());
    }

    #[test]
    fn text_lines() {
        let (ev, err) = text_line(
            "<38>Nov 25 02:00:00 web01 sshd[42]: Failed password for root from 203.0.113.9 port 5 ssh2",
            1_795_600_000_000,
        );
        assert!(err.is_none());
        assert_eq!(ev.source.service.as_deref(), Some("sshd"));
        let (ev, err) = text_line("garbage \u{1} line", 0);
        assert!(err.is_some());
        assert_eq!(ev.get("message"), Some("garbage \u{1} line"));
    }
}
