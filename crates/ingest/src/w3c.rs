//! W3C extended log files, as IIS writes them (`u_ex*.log`): `#Software`, `#Version`, `#Date`
//! and `#Fields:` directives, then space-separated lines in the order `#Fields` names. Read
//! into Sigma's `webserver` category: the names Sigma uses are IIS's own (`c-ip`, `cs-method`,
//! `cs-uri-stem`, `cs-uri-query`, `sc-status`, …) except the header fields, which become
//! `cs-user-agent`, `cs-referer`, `cs-cookie` and `cs-host` (from `cs(User-Agent)`, …). IIS
//! writes a space inside a value as `+` in the user agent, referrer and cookie; those are
//! decoded. Values are as logged (`-` included). `date` + `time` (UTC, as IIS logs) give the
//! event time.

use crate::normalize::Normalized;

/// Longest `#Fields` list kept (IIS has about 30 fields).
const MAX_FIELDS: usize = 128;

/// Reads one W3C log, line by line: the field list changes wherever a `#Fields:` directive
/// appears (IIS writes one after every restart).
#[derive(Debug, Default, Clone)]
pub struct W3c {
    fields: Vec<String>,
}

/// Whether a file's first line says it is a W3C extended log.
pub fn looks_like(first_line: &str) -> bool {
    let l = first_line.trim_start_matches('\u{feff}');
    l.starts_with("#Software: Microsoft Internet Information Services")
        || l.starts_with("#Fields: ")
        || (l.starts_with("#Version: 1.0"))
}

fn sigma_name(iis: &str) -> String {
    match iis.to_ascii_lowercase().as_str() {
        "cs(user-agent)" => "cs-user-agent".into(),
        "cs(referer)" | "cs(referrer)" => "cs-referer".into(),
        "cs(cookie)" => "cs-cookie".into(),
        "cs-host" | "cs(host)" => "cs-host".into(),
        _ => iis.to_string(),
    }
}

impl W3c {
    pub fn new() -> Self {
        Self::default()
    }

    /// One line: `Ok(None)` for a directive or a blank line, `Ok(Some(record))` for a data
    /// line, `Err(reason)` for a data line before any `#Fields:` or with the wrong number of
    /// values.
    pub fn line(&mut self, line: &str) -> Result<Option<Normalized>, String> {
        let line = line
            .trim_start_matches('\u{feff}')
            .trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            return Ok(None);
        }
        if let Some(d) = line.strip_prefix('#') {
            if let Some(list) = d.strip_prefix("Fields:") {
                self.fields = list
                    .split_whitespace()
                    .take(MAX_FIELDS)
                    .map(sigma_name)
                    .collect();
            }
            return Ok(None);
        }
        if self.fields.is_empty() {
            return Err("a W3C log line before any #Fields: directive".into());
        }
        let values: Vec<&str> = line.split(' ').collect();
        if values.len() != self.fields.len() {
            return Err(format!(
                "{} values where #Fields: names {}",
                values.len(),
                self.fields.len()
            ));
        }
        let mut n = Normalized {
            category: Some("webserver"),
            format: "iis-w3c",
            ..Normalized::default()
        };
        for (k, v) in self.fields.iter().zip(values) {
            let v = if matches!(k.as_str(), "cs-user-agent" | "cs-referer" | "cs-cookie") {
                v.replace('+', " ")
            } else {
                v.to_string()
            };
            n.fields.push((k.clone(), v));
        }
        n.fields.push(("message".into(), line.to_string()));
        Ok(Some(n))
    }
}

/// The time of a W3C record from its `date` and `time` fields (UTC), as Unix ms.
pub fn time_ms(n: &Normalized) -> Option<i64> {
    let s = format!("{}T{}Z", n.get("date")?, n.get("time")?);
    crate::event::parse_time_ms(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iis_log_with_header_changes() {
        let mut r = W3c::new();
        let lines = [
            "#Software: Microsoft Internet Information Services 10.0",
            "#Version: 1.0",
            "#Date: 2026-11-25 02:00:00",
            "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
            "2026-11-25 02:00:01 10.0.0.5 GET /owa/auth/x.js - 443 - 203.0.113.9 Mozilla/5.0+(compatible;+Nmap+Scripting+Engine) - 404 0 2 15",
            "#Fields: date time c-ip cs-method cs-uri-stem sc-status",
            "2026-11-25 02:00:02 203.0.113.9 GET /../../etc/passwd 400",
            "2026-11-25 02:00:02 203.0.113.9 GET",
        ];
        assert!(looks_like(lines[0]));
        let got: Vec<_> = lines.iter().map(|l| r.line(l)).collect();
        assert!(got[..4].iter().all(|g| matches!(g, Ok(None))));
        let a = got[4].as_ref().unwrap().as_ref().unwrap();
        assert_eq!(a.category, Some("webserver"));
        assert_eq!(a.get("c-ip"), Some("203.0.113.9"));
        assert_eq!(a.get("cs-uri-query"), Some("-"));
        assert_eq!(
            a.get("cs-user-agent"),
            Some("Mozilla/5.0 (compatible; Nmap Scripting Engine)")
        );
        assert_eq!(a.get("sc-status"), Some("404"));
        assert_eq!(time_ms(a), Some(1_795_572_001_000));
        let b = got[6].as_ref().unwrap().as_ref().unwrap();
        assert_eq!(b.get("cs-uri-stem"), Some("/../../etc/passwd"));
        assert!(got[7].as_ref().unwrap_err().contains("4 values"));
        assert!(W3c::new().line("2026-11-25 x").is_err());
    }
}
