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

/// A record read into a detection event, with the shape it arrived in.
#[derive(Debug, Clone)]
pub struct Read<'a> {
    pub event: Event<'a>,
    /// One of [`FORMATS`]' codes.
    pub format: &'static str,
}

/// Every format label a reader gives, with a Vietnamese and an English name for pages.
pub const FORMATS: &[(&str, &str, &str)] = &[
    ("syslog", "Syslog", "Syslog"),
    ("auditd", "Linux auditd", "Linux auditd"),
    (
        "web-access",
        "Nhật ký truy cập web (Apache/nginx)",
        "Web access log (Apache/nginx)",
    ),
    (
        "web-access-syslog",
        "Nhật ký truy cập web qua syslog",
        "Web access log over syslog",
    ),
    ("nginx-error", "Nhật ký lỗi nginx", "nginx error log"),
    ("apache-error", "Nhật ký lỗi Apache", "Apache error log"),
    (
        "nginx-json",
        "Nhật ký truy cập nginx dạng JSON",
        "nginx JSON access log",
    ),
    (
        "ecs-web",
        "Nhật ký truy cập web dạng ECS",
        "ECS web access log",
    ),
    ("caddy", "Nhật ký truy cập Caddy", "Caddy access log"),
    ("iis-w3c", "Nhật ký IIS (W3C)", "IIS log (W3C)"),
    ("evtx", "Tệp EVTX của Windows", "Windows EVTX file"),
    (
        "evtx-json",
        "Sự kiện Windows dạng JSON (evtx)",
        "Windows event JSON (evtx)",
    ),
    (
        "winlogbeat",
        "Winlogbeat / Elastic Agent",
        "Winlogbeat / Elastic Agent",
    ),
    ("winlogbeat-6", "Winlogbeat 6", "Winlogbeat 6"),
    ("nxlog", "NXLog (JSON)", "NXLog (JSON)"),
    (
        "windows-json",
        "Sự kiện Windows dạng JSON phẳng",
        "Flat Windows event JSON",
    ),
    (
        "wef-xml",
        "Windows Event Forwarding (XML)",
        "Windows Event Forwarding (XML)",
    ),
    (
        "syslog-windows",
        "Sự kiện Windows qua syslog",
        "Windows event over syslog",
    ),
    ("journald", "journald (JSON)", "journald (JSON)"),
    (
        "vector",
        "Vector (syslog dạng JSON)",
        "Vector (syslog as JSON)",
    ),
    (
        "fluent-bit",
        "Fluent Bit (syslog dạng JSON)",
        "Fluent Bit (syslog as JSON)",
    ),
    ("rsyslog-json", "rsyslog (JSON)", "rsyslog (JSON)"),
    ("syslog-ng-json", "syslog-ng (JSON)", "syslog-ng (JSON)"),
    ("fortigate", "Tường lửa FortiGate", "FortiGate firewall"),
    (
        "pfsense",
        "Tường lửa pfSense/OPNsense",
        "pfSense/OPNsense firewall",
    ),
    (
        "cisco-asa",
        "Tường lửa Cisco ASA/FTD",
        "Cisco ASA/FTD firewall",
    ),
    ("paloalto", "Tường lửa Palo Alto", "Palo Alto firewall"),
    ("mikrotik", "Thiết bị MikroTik", "MikroTik router"),
    ("sophos", "Tường lửa Sophos XG", "Sophos XG firewall"),
    ("cef", "CEF", "CEF"),
    ("leef", "LEEF", "LEEF"),
    ("json", "JSON khác", "Other JSON"),
    ("text", "Văn bản không rõ dạng", "Unrecognised text"),
];

/// The (Vietnamese, English) name of a format label; the label itself when unknown.
pub fn format_name(code: &str) -> (&str, &str) {
    FORMATS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or((code, code), |(_, vi, en)| (*vi, *en))
}

/// One JSON line, recognised by its shape (see [`crate::shapes`]): an evtx-style object
/// (`{"Event": {"System": …}}`) is flattened like an EVTX record; Winlogbeat / Elastic Agent
/// and flat Windows records (NXLog) get Sigma's Windows names and log source; journald and
/// syslog decoded by Vector, Fluent Bit, rsyslog or syslog-ng are read as the syslog message
/// they are; a raw line wrapped in JSON (`message`, `log`) is read as the line; nginx, ECS and
/// Caddy access records become `webserver` events. Anything else keeps its flattened fields and
/// an unknown log source (only rules that name no log source apply). The time comes from the
/// usual fields when present; `now_ms` is for year-less syslog times inside.
pub fn json_line(line: &str, now_ms: i64) -> Result<Read<'_>, String> {
    use crate::shapes::{self, Shape};
    let mut ev = Event::from_json(line).map_err(|e| e.to_string())?;
    if ev
        .fields
        .first()
        .is_some_and(|(k, _)| k.starts_with("Event."))
    {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let n = normalize::windows_flatten(&v);
        let t = n.get("TimeCreated").and_then(parse_time_ms);
        return Ok(Read {
            event: from_normalized(n, t),
            format: "evtx-json",
        });
    }
    let shape = shapes::classify(&ev);
    let format = match shape {
        Shape::Winlogbeat | Shape::WinlogbeatLegacy => {
            shapes::winlogbeat(&mut ev, shape == Shape::WinlogbeatLegacy);
            apply_windows_source(&mut ev);
            if shape == Shape::Winlogbeat {
                "winlogbeat"
            } else {
                "winlogbeat-6"
            }
        }
        Shape::FlatWindows { nxlog } => {
            apply_windows_source(&mut ev);
            if nxlog {
                "nxlog"
            } else {
                "windows-json"
            }
        }
        Shape::Journald | Shape::SyslogFields(_) => {
            if let Some(m) = shapes::syslog_fields(&ev, shape) {
                let mut n = normalize::from_syslog(&m);
                let t = m.timestamp_ms;
                if n.format.is_empty() || n.format == "syslog" {
                    n.format = match shape {
                        Shape::Journald => "journald",
                        Shape::SyslogFields(shapes::Forwarder::Vector) => "vector",
                        Shape::SyslogFields(shapes::Forwarder::FluentBit) => "fluent-bit",
                        Shape::SyslogFields(shapes::Forwarder::Rsyslog) => "rsyslog-json",
                        _ => "syslog-ng-json",
                    };
                }
                return Ok(Read {
                    format: n.format,
                    event: from_normalized(n, t.or_else(|| json_time(&ev))),
                });
            }
            "json"
        }
        Shape::Web(kind) => {
            let n = shapes::web_json(&ev, kind);
            let t = json_time(&ev);
            return Ok(Read {
                format: n.format,
                event: from_normalized(n, t),
            });
        }
        Shape::Wrapped(key) => {
            if let Some(inner) = ev.get(key).map(str::to_string) {
                let (mut r, err) = text_line(&inner, now_ms);
                if err.is_none() && r.format != "text" {
                    // The forwarder's host when the line has none of its own.
                    if r.event.get("host").is_none_or(str::is_empty) {
                        if let Some(h) = ev
                            .get("host.name")
                            .or_else(|| ev.get("host"))
                            .or_else(|| ev.get("hostname"))
                        {
                            let h = h.to_string();
                            r.event.fields.retain(|(k, _)| k != "host");
                            r.event.push("host", h);
                        }
                    }
                    if r.event.time_ms.is_none() {
                        r.event.time_ms = json_time(&ev);
                    }
                    return Ok(r);
                }
            }
            "json"
        }
        Shape::Generic => "json",
    };
    if ev.time_ms.is_none() {
        ev.time_ms = json_time(&ev);
    }
    Ok(Read { event: ev, format })
}

/// The first of the usual time fields present, in one pass.
fn json_time(ev: &Event<'_>) -> Option<i64> {
    const KEYS: [&str; 5] = ["TimeCreated", "@timestamp", "timestamp", "UtcTime", "time"];
    let mut best: Option<(usize, &str)> = None;
    for (k, v) in &ev.fields {
        if let Some(rank) = KEYS.iter().position(|x| x == k) {
            if best.is_none_or(|(r, _)| rank < r) {
                best = Some((rank, v.as_ref()));
            }
        }
    }
    best.and_then(|(_, v)| parse_time_ms(v))
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
        // Seconds unless it can only be milliseconds; a count of seconds too large (or too
        // negative) for milliseconds is no time (found by fuzzing `mail`: it overflowed).
        return if n > 100_000_000_000 {
            Some(n)
        } else {
            n.checked_mul(1000)
        };
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

/// One line of text: a web access line, an nginx or Apache error line, an auditd record, a
/// bare firewall line (CEF, LEEF, FortiGate or Sophos key=value), syslog (RFC 5424 or 3164,
/// with or without PRI; its message read further by [`normalize::from_syslog`]), or else just
/// a `message` with format `text`. When the line is none of these, the syslog parser's error
/// comes back beside the event (which holds the line as its `message`), so a caller that
/// expected syslog can flag and count it.
pub fn text_line(line: &str, now_ms: i64) -> (Read<'static>, Option<crate::syslog::ParseError>) {
    let done = |n: Normalized, t: Option<i64>, default: &'static str| {
        let format = if n.format.is_empty() {
            default
        } else {
            n.format
        };
        Read {
            event: from_normalized(n, t),
            format,
        }
    };
    if let Some(n) = normalize::web_access(line) {
        let t = normalize::web_access_time_ms(line);
        return (done(n, t, "web-access"), None);
    }
    if let Some((n, t)) = normalize::web_error(line) {
        return (done(n, t, "web-error"), None);
    }
    if let Some(n) = normalize::auditd_record(line) {
        return (done(n, None, "auditd"), None);
    }
    if let Some(n) = normalize::firewall_line(line) {
        return (
            done(normalize::fortigate_service(n), None, "firewall"),
            None,
        );
    }
    if crate::winxml::looks_like(line) {
        if let Some(Ok(n)) = crate::winxml::events(line).into_iter().next() {
            let t = n.get("TimeCreated").and_then(parse_time_ms);
            return (done(n, t, "wef-xml"), None);
        }
    }
    match crate::syslog::parse(line.as_bytes(), now_ms) {
        Ok(m) => {
            let t = m.timestamp_ms;
            (done(normalize::from_syslog(&m), t, "syslog"), None)
        }
        Err(e) => {
            let mut ev = Event::default();
            ev.push("message", line.to_string());
            (
                Read {
                    event: ev,
                    format: "text",
                },
                Some(e),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_security_event_gets_source_and_renames() {
        let ev = json_line(r#"{"Channel":"Security","EventID":4688,"NewProcessName":"C:\\w\\cmd.exe","TimeCreated":"2026-11-25T01:02:03Z"}"#, 0)
            .expect("json")
            .event;
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
        assert_eq!(parse_time_ms("1795543323"), Some(1_795_543_323_000));
        assert_eq!(parse_time_ms("1795543323000"), Some(1_795_543_323_000));
        // Seconds that do not fit as milliseconds (the fuzzer's `timestamp: -000…0200…`).
        assert_eq!(parse_time_ms("-20000000000000000"), None);
        assert_eq!(parse_time_ms(&i64::MIN.to_string()), None);
        let plain = json_line(r#"{"a": 1}"#, 0).expect("json");
        assert!(plain.event.source.is_unknown());
        assert_eq!(plain.format, "json");
        assert!(json_line("{", 0).is_err());
    }

    #[test]
    fn text_lines() {
        let (r, err) = text_line(
            "<38>Nov 25 02:00:00 web01 sshd[42]: Failed password for root from 203.0.113.9 port 5 ssh2",
            1_795_600_000_000,
        );
        assert!(err.is_none());
        assert_eq!(r.event.source.service.as_deref(), Some("sshd"));
        assert_eq!(r.format, "syslog");
        let (r, err) = text_line("garbage \u{1} line", 0);
        assert!(err.is_some());
        assert_eq!(r.format, "text");
        assert_eq!(r.event.get("message"), Some("garbage \u{1} line"));
    }
}
