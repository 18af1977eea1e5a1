//! Syslog lines: RFC 5424 and RFC 3164 (BSD), as they really arrive.
//!
//! [`parse`] takes one line (one frame from [`crate::framing::Framer`], or one line of a log
//! file) and returns its parts. The format is told by what follows the PRI: `<PRI>1 ` is
//! RFC 5424, anything else is RFC 3164.
//!
//! **RFC 5424** is parsed exactly, because the RFC is exact: every header field must be present
//! and separated by single spaces, NILVALUE `-` means absent, the timestamp must be RFC 3339 with
//! an offset, structured data must be `-` or well-formed `[id param="value"...]` elements
//! (escapes `\"`, `\\`, `\]`; any other backslash is kept, as RFC 5424 §6.3.3 says), and a UTF-8
//! BOM before MSG is removed. Two leniencies, both lossless: fractions of a second may have up to
//! nine digits (the RFC allows six; Go and Java senders write nanoseconds), and header fields
//! are not held to their maximum lengths.
//!
//! **RFC 3164** is a description of practice rather than a grammar, so it is parsed leniently:
//! the PRI may be missing (plain `/var/log/auth.log` files); the timestamp is `Mmm dd hh:mm:ss`
//! (day space- or zero-padded, optional fraction, optional year before the time as Cisco writes
//! it, optional weekday and trailing year as in `ctime`), or ISO 8601 as rsyslog's
//! high-precision file format writes; the host may be missing (`logger` to a local socket sends
//! `<13>Nov 25 02:00:00 root: hello`), and the tag may be `app`, `app[pid]` or `[app]`. A
//! year-less timestamp takes its year from `now_ms` (the previous year if the result would be
//! more than three days in the future) and, like an ISO timestamp without an offset, is read as
//! Asia/Ho_Chi_Minh time (UTC+07:00, no DST). When a PRI is present but the header is not
//! recognisable, RFC 3164 §4.3.3 says the rest is the message: it is returned with no timestamp
//! rather than refused. Without a PRI there is nothing to say the line is syslog at all, so an
//! unrecognisable timestamp is an error.
//!
//! Bytes that are not UTF-8 are replaced (U+FFFD) rather than refused; nothing here panics.

use std::borrow::Cow;
use std::fmt;

use memchr::memchr;

use crate::time::{self, Clock, VN_OFFSET_SECS};

/// Which syslog format a line was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyslogFormat {
    /// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`.
    Rfc5424,
    /// `<PRI>Mmm dd hh:mm:ss HOST TAG: MSG` and its many variants.
    Rfc3164,
}

/// One parsed syslog message. Absent parts (NILVALUE in RFC 5424, missing in RFC 3164) are
/// `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogMessage {
    /// PRI / 8 (0 kern, 1 user, 4 auth, 10 authpriv, 16–23 local0–7); `None` without a PRI.
    pub facility: Option<u8>,
    /// PRI % 8 (0 emergency … 7 debug); `None` without a PRI.
    pub severity: Option<u8>,
    /// Unix milliseconds UTC.
    pub timestamp_ms: Option<i64>,
    pub hostname: Option<String>,
    /// APP-NAME (RFC 5424) or the TAG without its `[pid]` (RFC 3164).
    pub app_name: Option<String>,
    /// PROCID (RFC 5424) or the `[pid]` of the tag (RFC 3164).
    pub proc_id: Option<String>,
    /// MSGID (RFC 5424 only).
    pub msg_id: Option<String>,
    /// Structured data (RFC 5424 only): `(SD-ID, [(PARAM-NAME, value)])` in order, values
    /// unescaped.
    pub structured_data: Vec<(String, Vec<(String, String)>)>,
    /// MSG, without a leading BOM.
    pub message: String,
    pub format: SyslogFormat,
}

/// The part of a line a [`ParseError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The line as a whole (e.g. empty).
    Line,
    Pri,
    Version,
    Timestamp,
    Hostname,
    AppName,
    ProcId,
    MsgId,
    StructuredData,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Line => "line",
            Part::Pri => "PRI",
            Part::Version => "version",
            Part::Timestamp => "timestamp",
            Part::Hostname => "hostname",
            Part::AppName => "app-name",
            Part::ProcId => "procid",
            Part::MsgId => "msgid",
            Part::StructuredData => "structured data",
        })
    }
}

/// Why a line is not syslog: which part, at which byte, and what was wrong. Displayed as e.g.
/// `PRI: expected <0-191> (byte 0)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {detail} (byte {offset})")]
pub struct ParseError {
    pub part: Part,
    /// Byte offset in the line where the problem was found.
    pub offset: usize,
    pub detail: Cow<'static, str>,
}

fn err<T>(
    part: Part,
    offset: usize,
    detail: impl Into<Cow<'static, str>>,
) -> Result<T, ParseError> {
    Err(ParseError {
        part,
        offset,
        detail: detail.into(),
    })
}

fn lossy(b: &[u8]) -> String {
    // Valid UTF-8 (nearly every line) is checked at word speed; only the rest goes through
    // the replacing decoder.
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses one syslog line (RFC 5424 or RFC 3164). `now_ms` (Unix milliseconds) supplies the
/// year of RFC 3164 timestamps, which have none. A trailing LF, CR or NUL is ignored.
pub fn parse(line: &[u8], now_ms: i64) -> Result<SyslogMessage, ParseError> {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r' | b'\0') {
        end -= 1;
    }
    let line = &line[..end];
    if line.iter().all(|b| b.is_ascii_whitespace()) {
        return err(Part::Line, 0, "empty");
    }
    let (pri, pos) = if line.first() == Some(&b'<') {
        let (pri, pos) = parse_pri(line)?;
        (Some(pri), pos)
    } else {
        (None, 0)
    };
    if let Some(pri) = pri {
        if let Some((version, after)) = version_at(line, pos) {
            if version != 1 {
                return err(
                    Part::Version,
                    pos,
                    format!("unsupported version {version} (RFC 5424 defines only 1)"),
                );
            }
            return parse_5424(line, pri, after);
        }
    }
    parse_3164(line, pri, pos, now_ms)
}

/// `<0>`..`<191>`, returning the value and the offset after `>`.
fn parse_pri(line: &[u8]) -> Result<(u8, usize), ParseError> {
    let n = line
        .iter()
        .skip(1)
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if n == 0 || n > 3 || line.get(1 + n) != Some(&b'>') {
        return err(Part::Pri, 0, "expected <0-191>");
    }
    let value = line[1..1 + n]
        .iter()
        .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
    match u8::try_from(value) {
        Ok(v) if v <= 191 => Ok((v, n + 2)),
        _ => err(Part::Pri, 1, format!("expected <0-191>, found <{value}>")),
    }
}

/// RFC 5424 VERSION: NONZERO-DIGIT 0*2DIGIT followed by a space.
fn version_at(line: &[u8], pos: usize) -> Option<(u32, usize)> {
    let first = *line.get(pos)?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let n = line[pos..]
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if n > 3 || line.get(pos + n) != Some(&b' ') {
        return None;
    }
    let v = line[pos..pos + n]
        .iter()
        .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
    Some((v, pos + n + 1))
}

// ---------------------------------------------------------------------------------------------
// RFC 5424

fn parse_5424(line: &[u8], pri: u8, mut pos: usize) -> Result<SyslogMessage, ParseError> {
    let ts_at = pos;
    let ts = header_field(line, &mut pos, Part::Timestamp)?;
    let timestamp_ms = match ts {
        None => None,
        Some(t) => match parse_iso(t, 0, true) {
            Ok((ms, used)) if used == t.len() => Some(ms),
            Ok((_, used)) => {
                return err(
                    Part::Timestamp,
                    ts_at + used,
                    "unexpected text after the time",
                )
            }
            Err((at, why)) => return err(Part::Timestamp, ts_at + at, why),
        },
    };
    let hostname = header_field(line, &mut pos, Part::Hostname)?.map(lossy);
    let app_name = header_field(line, &mut pos, Part::AppName)?.map(lossy);
    let proc_id = header_field(line, &mut pos, Part::ProcId)?.map(lossy);
    let msg_id = header_field(line, &mut pos, Part::MsgId)?.map(lossy);

    let mut structured_data = Vec::new();
    match line.get(pos) {
        None => return err(Part::StructuredData, pos, "missing (expected '-' or '[')"),
        Some(b'-') => pos += 1,
        Some(b'[') => pos = parse_sd(line, pos, &mut structured_data)?,
        Some(_) => return err(Part::StructuredData, pos, "expected '-' or '['"),
    }
    let message = match line.get(pos) {
        None => String::new(),
        Some(b' ') => {
            let msg = &line[pos + 1..];
            lossy(msg.strip_prefix(BOM).unwrap_or(msg))
        }
        Some(_) => return err(Part::StructuredData, pos, "expected a space before MSG"),
    };
    Ok(SyslogMessage {
        facility: Some(pri >> 3),
        severity: Some(pri & 7),
        timestamp_ms,
        hostname,
        app_name,
        proc_id,
        msg_id,
        structured_data,
        message,
        format: SyslogFormat::Rfc5424,
    })
}

/// One space-terminated RFC 5424 header field; `None` for NILVALUE. Advances `pos` past the
/// space.
fn header_field<'a>(
    line: &'a [u8],
    pos: &mut usize,
    part: Part,
) -> Result<Option<&'a [u8]>, ParseError> {
    let start = *pos;
    if start >= line.len() {
        return err(part, start, "missing");
    }
    let end = memchr(b' ', &line[start..]).map_or(line.len(), |i| start + i);
    if end == start {
        return err(part, start, "empty (two spaces in a row?)");
    }
    if end == line.len() {
        // Every header field is followed by another, so running out here is truncation.
        *pos = end;
    } else {
        *pos = end + 1;
    }
    let tok = &line[start..end];
    Ok(if tok == b"-" { None } else { Some(tok) })
}

/// Parses one or more SD-ELEMENTs starting at `[`; returns the offset after the last `]`.
fn parse_sd(
    line: &[u8],
    mut pos: usize,
    out: &mut Vec<(String, Vec<(String, String)>)>,
) -> Result<usize, ParseError> {
    let sd_err = |at: usize, why: &'static str| err::<usize>(Part::StructuredData, at, why);
    while line.get(pos) == Some(&b'[') {
        pos += 1;
        let id_start = pos;
        while pos < line.len() && !matches!(line[pos], b' ' | b']' | b'=' | b'"') {
            pos += 1;
        }
        if pos == id_start {
            return sd_err(pos, "empty SD-ID");
        }
        if pos >= line.len() {
            return sd_err(pos, "unterminated SD-ELEMENT (missing ']')");
        }
        if matches!(line[pos], b'=' | b'"') {
            return sd_err(pos, "invalid character in SD-ID");
        }
        let id = lossy(&line[id_start..pos]);
        let mut params = Vec::new();
        loop {
            match line.get(pos) {
                None => return sd_err(pos, "unterminated SD-ELEMENT (missing ']')"),
                Some(b']') => {
                    pos += 1;
                    break;
                }
                Some(b' ') => pos += 1,
                Some(_) => return sd_err(pos, "expected ' ' or ']' after SD-PARAM"),
            }
            let name_start = pos;
            while pos < line.len() && !matches!(line[pos], b'=' | b' ' | b']' | b'"') {
                pos += 1;
            }
            if pos == name_start {
                return sd_err(pos, "empty PARAM-NAME");
            }
            let name = lossy(&line[name_start..pos]);
            if line.get(pos) != Some(&b'=') {
                return sd_err(pos, "expected '=' after PARAM-NAME");
            }
            pos += 1;
            if line.get(pos) != Some(&b'"') {
                return sd_err(pos, "expected '\"' to open PARAM-VALUE");
            }
            pos += 1;
            let mut value = Vec::new();
            loop {
                match line.get(pos) {
                    None => return sd_err(pos, "unterminated PARAM-VALUE (missing '\"')"),
                    Some(b'"') => {
                        pos += 1;
                        break;
                    }
                    Some(b'\\') => match line.get(pos + 1) {
                        Some(&c @ (b'"' | b'\\' | b']')) => {
                            value.push(c);
                            pos += 2;
                        }
                        // RFC 5424 §6.3.3: any other backslash is an ordinary character.
                        _ => {
                            value.push(b'\\');
                            pos += 1;
                        }
                    },
                    Some(&c) => {
                        value.push(c);
                        pos += 1;
                    }
                }
            }
            params.push((name, lossy(&value)));
        }
        out.push((id, params));
    }
    Ok(pos)
}

// ---------------------------------------------------------------------------------------------
// ISO 8601 / RFC 3339

/// Parses `YYYY-MM-DDThh:mm:ss[.frac][Z|±hh:mm]` at `pos`; returns Unix ms and bytes used.
/// `exact` (RFC 5424): `T` and an offset are required, upper case only, `±hh:mm` only.
/// Otherwise (rsyslog and other ISO writers): `t` or a space may separate date and time, `,`
/// may start the fraction, the offset may be `z`, `±hhmm` or `±hh`, and a missing offset means
/// Viet Nam time. Errors give the offset (relative to `pos`) and what was expected.
fn parse_iso(b: &[u8], pos: usize, exact: bool) -> Result<(i64, usize), (usize, &'static str)> {
    let d = |at: usize, n: usize| time::digits(b, pos + at, n);
    let at = |i: usize| b.get(pos + i).copied();
    let year = d(0, 4).ok_or((0, "expected YYYY-MM-DD"))?;
    if at(4) != Some(b'-') || at(7) != Some(b'-') {
        return Err((4, "expected YYYY-MM-DD"));
    }
    let month = d(5, 2).ok_or((5, "expected a two-digit month"))?;
    let day = d(8, 2).ok_or((8, "expected a two-digit day"))?;
    match at(10) {
        Some(b'T') => {}
        Some(b't' | b' ') if !exact => {}
        _ => return Err((10, "expected 'T' between date and time")),
    }
    let hour = d(11, 2).ok_or((11, "expected hh:mm:ss"))?;
    if at(13) != Some(b':') || at(16) != Some(b':') {
        return Err((13, "expected hh:mm:ss"));
    }
    let minute = d(14, 2).ok_or((14, "expected hh:mm:ss"))?;
    let second = d(17, 2).ok_or((17, "expected hh:mm:ss"))?;
    let mut i = 19;
    let mut milli = 0;
    if at(i) == Some(b'.') || (!exact && at(i) == Some(b',')) {
        let frac_start = pos + i + 1;
        let n = b
            .get(frac_start..)
            .map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count());
        if n == 0 || n > 9 {
            return Err((i + 1, "expected 1 to 9 digits of fraction"));
        }
        milli = time::fraction_millis(&b[frac_start..frac_start + n]);
        i += 1 + n;
    }
    let offset_secs: i32 = match at(i) {
        Some(b'Z') => {
            i += 1;
            0
        }
        Some(b'z') if !exact => {
            i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let oh = d(i + 1, 2).ok_or((i + 1, "expected an offset ±hh:mm"))?;
            let (om, used) = if at(i + 3) == Some(b':') {
                (d(i + 4, 2).ok_or((i + 4, "expected an offset ±hh:mm"))?, 6)
            } else if exact {
                return Err((i + 3, "expected an offset ±hh:mm"));
            } else if let Some(m) = d(i + 3, 2) {
                (m, 5)
            } else {
                (0, 3)
            };
            if oh > 23 || om > 59 {
                return Err((i + 1, "offset out of range"));
            }
            i += used;
            let secs = i32::try_from(oh * 3600 + om * 60).unwrap_or(0);
            if sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ if exact => return Err((i, "expected 'Z' or an offset ±hh:mm")),
        _ => VN_OFFSET_SECS,
    };
    let year = i32::try_from(year).map_err(|_| (0, "year out of range"))?;
    let clock = Clock {
        hour,
        minute,
        second,
        milli,
    };
    let ms = time::to_unix_ms(year, month, day, clock, offset_secs)
        .ok_or((0, "no such date or time"))?;
    Ok((ms, i))
}

// ---------------------------------------------------------------------------------------------
// RFC 3164

fn parse_3164(
    line: &[u8],
    pri: Option<u8>,
    mut pos: usize,
    now_ms: i64,
) -> Result<SyslogMessage, ParseError> {
    // Some senders put a space after the PRI; a log file line may be indented.
    while line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    let mut msg = SyslogMessage {
        facility: pri.map(|p| p >> 3),
        severity: pri.map(|p| p & 7),
        timestamp_ms: None,
        hostname: None,
        app_name: None,
        proc_id: None,
        msg_id: None,
        structured_data: Vec::new(),
        message: String::new(),
        format: SyslogFormat::Rfc3164,
    };
    match bsd_timestamp(line, pos, now_ms) {
        Ok((ms, next)) => {
            msg.timestamp_ms = Some(ms);
            pos = next;
        }
        Err(_) if pri.is_some() => {
            // RFC 3164 §4.3.3: without a valid TIMESTAMP the whole remainder is CONTENT.
            msg.message = content(&line[pos..]);
            return Ok(msg);
        }
        Err(e) => return Err(e),
    }
    while line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    let rest = &line[pos..];
    let (first, after_first) = token(rest);
    if first.is_empty() {
        return Ok(msg);
    }
    if let Some((app, pid)) = tag(first, true) {
        // `logger` to a local socket: no hostname, the tag follows the timestamp.
        msg.app_name = app;
        msg.proc_id = pid;
        msg.message = content(skip_one_space(&rest[after_first..]));
        return Ok(msg);
    }
    if first[0] == b'[' {
        // `[pid 27202] [anonymous] …` (vsftpd's own log): bracketed text is never a hostname.
        msg.message = content(rest);
        return Ok(msg);
    }
    msg.hostname = Some(lossy(first));
    let mut rest = &rest[after_first..];
    while rest.first() == Some(&b' ') {
        rest = &rest[1..];
    }
    let (second, after_second) = token(rest);
    match tag(second, false) {
        Some((app, pid)) => {
            msg.app_name = app;
            msg.proc_id = pid;
            msg.message = content(skip_one_space(&rest[after_second..]));
        }
        None => msg.message = content(rest),
    }
    Ok(msg)
}

fn content(b: &[u8]) -> String {
    lossy(b.strip_prefix(BOM).unwrap_or(b))
}

fn skip_one_space(b: &[u8]) -> &[u8] {
    b.strip_prefix(b" ").unwrap_or(b)
}

/// The bytes up to the next space, and the offset of that space (or the end).
fn token(b: &[u8]) -> (&[u8], usize) {
    let end = memchr(b' ', b).unwrap_or(b.len());
    (&b[..end], end)
}

/// Reads a TAG token: `app:`, `app[pid]:`, `[app]:`, or (when `needs_colon` is false, i.e.
/// after a hostname) also `app[pid]` without the colon. Returns `(app, pid)`.
fn tag(tok: &[u8], needs_colon: bool) -> Option<(Option<String>, Option<String>)> {
    let body = match tok.strip_suffix(b":") {
        Some(b) => b,
        None if !needs_colon && tok.ends_with(b"]") && tok.contains(&b'[') => tok,
        None => return None,
    };
    // A token such as `fe80::` is an IPv6 hostname, not a tag.
    if body.is_empty() || body.contains(&b':') {
        return None;
    }
    if body.len() >= 2 && body[0] == b'[' && body[body.len() - 1] == b']' {
        let inner = &body[1..body.len() - 1];
        return Some((non_empty(inner), None));
    }
    if body.ends_with(b"]") {
        if let Some(lb) = memchr::memrchr(b'[', body) {
            let app = &body[..lb];
            let pid = &body[lb + 1..body.len() - 1];
            return Some((non_empty(app), non_empty(pid)));
        }
    }
    Some((non_empty(body), None))
}

fn non_empty(b: &[u8]) -> Option<String> {
    (!b.is_empty()).then(|| lossy(b))
}

/// A BSD or ISO timestamp at `pos`; returns Unix ms and the offset after it.
fn bsd_timestamp(line: &[u8], pos: usize, now_ms: i64) -> Result<(i64, usize), ParseError> {
    let ts_err = |at: usize, why: &'static str| err::<(i64, usize)>(Part::Timestamp, at, why);
    if line.get(pos).is_some_and(u8::is_ascii_digit) {
        return match parse_iso(line, pos, false) {
            Ok((ms, used)) => finish_timestamp(line, pos + used).map(|next| (ms, next)),
            Err((at, why)) => ts_err(pos + at, why),
        };
    }
    let mut p = pos;
    // ctime style, `Fri Jan 19 12:20:33 2007`: weekday first and the year last.
    let weekday = line.get(p..p + 4).is_some_and(|w| {
        w[3] == b' '
            && [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"]
                .iter()
                .any(|d| d.eq_ignore_ascii_case(&w[..3]))
    });
    if weekday {
        p += 4;
    }
    let Some(month) = line.get(p..p + 3).and_then(time::month_number) else {
        return ts_err(p, "expected 'Mmm dd hh:mm:ss' or an ISO 8601 date");
    };
    p += 3;
    if line.get(p) != Some(&b' ') {
        return ts_err(p, "expected a space after the month");
    }
    while line.get(p) == Some(&b' ') {
        p += 1;
    }
    let day_len = line[p..]
        .iter()
        .take(3)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if day_len == 0 || day_len > 2 {
        return ts_err(p, "expected a day of the month");
    }
    let day = time::digits(line, p, day_len).unwrap_or(0);
    p += day_len;
    if line.get(p) != Some(&b' ') {
        return ts_err(p, "expected a space after the day");
    }
    p += 1;
    // Cisco: `Mmm dd yyyy hh:mm:ss`.
    let mut year = None;
    if line.get(p + 4) == Some(&b' ') {
        if let Some(y) = time::digits(line, p, 4) {
            year = Some(y);
            p += 5;
        }
    }
    let (Some(hour), Some(minute), Some(second)) = (
        time::digits(line, p, 2),
        time::digits(line, p + 3, 2),
        time::digits(line, p + 6, 2),
    ) else {
        return ts_err(p, "expected hh:mm:ss");
    };
    if line.get(p + 2) != Some(&b':') || line.get(p + 5) != Some(&b':') {
        return ts_err(p, "expected hh:mm:ss");
    }
    p += 8;
    let mut milli = 0;
    if line.get(p) == Some(&b'.') {
        let n = line[p + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        milli = time::fraction_millis(&line[p + 1..p + 1 + n]);
        p += 1 + n;
    }
    if weekday && year.is_none() && line.get(p) == Some(&b' ') {
        if let Some(y) = time::digits(line, p + 1, 4) {
            if matches!(line.get(p + 5), None | Some(b' ')) {
                year = Some(y);
                p += 5;
            }
        }
    }
    let clock = Clock {
        hour,
        minute,
        second,
        milli,
    };
    let ms = match year {
        Some(y) => {
            let y = i32::try_from(y).unwrap_or(0);
            time::to_unix_ms(y, month, day, clock, VN_OFFSET_SECS)
        }
        None => time::infer_year_ms(month, day, clock, now_ms),
    };
    let Some(ms) = ms else {
        return ts_err(pos, "no such date or time");
    };
    finish_timestamp(line, p).map(|next| (ms, next))
}

/// After a timestamp: the end of the line, a space, or (Cisco) a colon and a space.
fn finish_timestamp(line: &[u8], p: usize) -> Result<usize, ParseError> {
    match line.get(p) {
        None | Some(b' ') => Ok(p),
        Some(b':') if matches!(line.get(p + 1), None | Some(b' ')) => Ok(p + 1),
        Some(_) => err(Part::Timestamp, p, "unexpected character after the time"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::to_unix_ms;

    fn vn(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        to_unix_ms(
            y,
            mo,
            d,
            Clock {
                hour: h,
                minute: mi,
                second: s,
                milli: 0,
            },
            VN_OFFSET_SECS,
        )
        .unwrap()
    }

    /// 2026-11-26 12:00 Viet Nam time.
    fn now() -> i64 {
        vn(2026, 11, 26, 12, 0, 0)
    }

    fn p(s: &str) -> SyslogMessage {
        parse(s.as_bytes(), now()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn rfc5424_full() {
        let m = p(r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] BOMAn application event log entry"#
            .replace("BOM", "\u{feff}")
            .as_str());
        assert_eq!(m.format, SyslogFormat::Rfc5424);
        assert_eq!((m.facility, m.severity), (Some(20), Some(5)));
        assert_eq!(m.timestamp_ms, Some(1_065_910_455_003));
        assert_eq!(m.hostname.as_deref(), Some("mymachine.example.com"));
        assert_eq!(m.app_name.as_deref(), Some("evntslog"));
        assert_eq!(m.proc_id, None);
        assert_eq!(m.msg_id.as_deref(), Some("ID47"));
        assert_eq!(m.structured_data.len(), 1);
        assert_eq!(m.structured_data[0].0, "exampleSDID@32473");
        assert_eq!(
            m.structured_data[0].1,
            vec![
                ("iut".to_string(), "3".to_string()),
                ("eventSource".to_string(), "Application".to_string()),
                ("eventID".to_string(), "1011".to_string())
            ]
        );
        assert_eq!(m.message, "An application event log entry");
    }

    #[test]
    fn rfc5424_examples_from_the_rfc() {
        let m = p("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8");
        assert_eq!((m.facility, m.severity), (Some(4), Some(2)));
        assert_eq!(m.app_name.as_deref(), Some("su"));
        assert_eq!(m.message, "'su root' failed for lonvick on /dev/pts/8");
        let m = p("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");
        assert_eq!(m.timestamp_ms, Some(1_061_727_255_000));
        assert_eq!(m.proc_id.as_deref(), Some("8710"));
        assert_eq!(m.message, "%% It's time to make the do-nuts.");
        // Two SD-ELEMENTs and no MSG.
        let m = p(
            r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"][examplePriority@32473 class="high"]"#,
        );
        assert_eq!(m.structured_data.len(), 2);
        assert_eq!(
            m.structured_data[1].1[0],
            ("class".to_string(), "high".to_string())
        );
        assert_eq!(m.message, "");
        // All NILVALUE.
        let m = p("<0>1 - - - - - -");
        assert_eq!(
            (m.timestamp_ms, m.hostname.clone(), m.app_name.clone()),
            (None, None, None)
        );
        assert_eq!(m.message, "");
    }

    #[test]
    fn rfc5424_sd_escapes() {
        let m = p(
            r#"<14>1 2026-11-25T02:00:00+07:00 h app 1 - [x@1 a="q\"uote" b="br\]acket" c="back\\slash" d="other\n" e="[brackets]"] m"#,
        );
        let params = &m.structured_data[0].1;
        assert_eq!(params[0].1, "q\"uote");
        assert_eq!(params[1].1, "br]acket");
        assert_eq!(params[2].1, "back\\slash");
        assert_eq!(params[3].1, "other\\n");
        assert_eq!(params[4].1, "[brackets]");
        assert_eq!(m.timestamp_ms, Some(vn(2026, 11, 25, 2, 0, 0)));
        assert_eq!(m.message, "m");
    }

    #[test]
    fn rfc5424_errors_name_the_part() {
        let e = |s: &str| parse(s.as_bytes(), now()).unwrap_err();
        assert_eq!(e("<192>1 - - - - - -").part, Part::Pri);
        assert!(e("<192>1 - - - - - -")
            .to_string()
            .starts_with("PRI: expected <0-191>"));
        assert_eq!(e("<1x>hello").part, Part::Pri);
        assert_eq!(e("<13>2 - - - - - -").part, Part::Version);
        assert_eq!(e("<13>1 2026-11-25 h a p m -").part, Part::Timestamp);
        assert_eq!(
            e("<13>1 2026-11-25T02:00:00 h a p m -").part,
            Part::Timestamp,
            "offset required"
        );
        assert_eq!(
            e("<13>1 2026-02-30T02:00:00Z h a p m -").part,
            Part::Timestamp
        );
        assert!(e("<13>1 2026-02-30T02:00:00Z h a p m -")
            .to_string()
            .starts_with("timestamp: "));
        assert_eq!(e("<13>1 - h  a p m -").part, Part::AppName);
        assert_eq!(e("<13>1 - h a p").part, Part::MsgId);
        assert_eq!(e("<13>1 - h a p m").part, Part::StructuredData);
        assert_eq!(e("<13>1 - h a p m msg").part, Part::StructuredData);
        assert_eq!(e(r#"<13>1 - h a p m [x a="1"#).part, Part::StructuredData);
        assert_eq!(e(r#"<13>1 - h a p m [x a=1]"#).part, Part::StructuredData);
        assert_eq!(
            e(r#"<13>1 - h a p m [x a="1"]msg"#).part,
            Part::StructuredData
        );
        assert_eq!(e("").part, Part::Line);
        assert_eq!(e("\n").part, Part::Line);
    }

    #[test]
    fn rfc5424_nanoseconds_are_accepted() {
        let m = p("<13>1 2026-11-25T02:00:00.123456789+07:00 h a - - - x");
        assert_eq!(m.timestamp_ms, Some(vn(2026, 11, 25, 2, 0, 0) + 123));
    }

    #[test]
    fn rfc3164_classic() {
        let m = p("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
        assert_eq!(m.format, SyslogFormat::Rfc3164);
        assert_eq!((m.facility, m.severity), (Some(4), Some(2)));
        assert_eq!(m.timestamp_ms, Some(vn(2026, 10, 11, 22, 14, 15)));
        assert_eq!(m.hostname.as_deref(), Some("mymachine"));
        assert_eq!(m.app_name.as_deref(), Some("su"));
        assert_eq!(m.proc_id, None);
        assert_eq!(m.message, "'su root' failed for lonvick on /dev/pts/8");
    }

    #[test]
    fn rfc3164_auth_log_without_pri() {
        let m = p("Nov  5 02:00:00 web01 sshd[1234]: Failed password for root from 203.0.113.7 port 2222 ssh2\n");
        assert_eq!((m.facility, m.severity), (None, None));
        assert_eq!(m.timestamp_ms, Some(vn(2026, 11, 5, 2, 0, 0)));
        assert_eq!(m.hostname.as_deref(), Some("web01"));
        assert_eq!(m.app_name.as_deref(), Some("sshd"));
        assert_eq!(m.proc_id.as_deref(), Some("1234"));
        assert_eq!(
            m.message,
            "Failed password for root from 203.0.113.7 port 2222 ssh2"
        );
        // Zero-padded and unpadded days.
        assert_eq!(
            p("Jul 05 18:22:44 h a: x").timestamp_ms,
            Some(vn(2026, 7, 5, 18, 22, 44))
        );
        assert_eq!(
            p("Feb 6 12:02:29 h a: x").timestamp_ms,
            Some(vn(2026, 2, 6, 12, 2, 29))
        );
    }

    #[test]
    fn rfc3164_year_rollover() {
        // Read on 2 January 2027: a 31 December line is from 2026.
        let jan2 = vn(2027, 1, 2, 8, 0, 0);
        let m = parse(b"<13>Dec 31 23:59:59 h a: x", jan2).unwrap();
        assert_eq!(m.timestamp_ms, Some(vn(2026, 12, 31, 23, 59, 59)));
    }

    #[test]
    fn rfc3164_without_host() {
        let m = p("<13>Nov 25 02:00:00 root: hello");
        assert_eq!(m.hostname, None);
        assert_eq!(m.app_name.as_deref(), Some("root"));
        assert_eq!(m.message, "hello");
        let m = p("Feb 17 17:40:17 sshd[19725]: error: kex_exchange_identification: client sent invalid protocol identifier \"\"");
        assert_eq!(m.hostname, None);
        assert_eq!(m.app_name.as_deref(), Some("sshd"));
        assert_eq!(m.proc_id.as_deref(), Some("19725"));
        let m = p("Mar  3 00:17:22 [sshd]: User root from 211.188.220.49 not allowed because not listed in AllowUsers");
        assert_eq!(m.hostname, None);
        assert_eq!(m.app_name.as_deref(), Some("sshd"));
        assert!(m.message.starts_with("User root"));
    }

    #[test]
    fn rfc3164_tags() {
        let m = p(
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
        );
        assert_eq!(m.app_name.as_deref(), Some("sshd(pam_unix)"));
        assert_eq!(m.proc_id.as_deref(), Some("19939"));
        let m = p("Jul 19 18:11:26 srv2 vsftpd: pam_unix(vsftpd:auth): authentication failure;");
        assert_eq!(m.app_name.as_deref(), Some("vsftpd"));
        assert_eq!(m.message, "pam_unix(vsftpd:auth): authentication failure;");
        let m = p("Nov 25 02:00:00 host postfix/smtpd[99]: connect from x");
        assert_eq!(m.app_name.as_deref(), Some("postfix/smtpd"));
        // No tag at all.
        let m = p("Nov 25 02:00:00 host just some text");
        assert_eq!(m.hostname.as_deref(), Some("host"));
        assert_eq!(m.app_name, None);
        assert_eq!(m.message, "just some text");
        // Double space before the rest (loghub Linux_2k line 899).
        let m = p("Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2");
        assert_eq!(m.hostname.as_deref(), Some("combo"));
        assert_eq!(m.message, "-- root[2421]: ROOT LOGIN ON tty2");
        // IPv6 host ending in a colon is not a tag.
        let m = p("Nov 25 02:00:00 fe80:: kernel: x");
        assert_eq!(m.hostname.as_deref(), Some("fe80::"));
        assert_eq!(m.app_name.as_deref(), Some("kernel"));
    }

    #[test]
    fn rfc3164_iso_timestamps() {
        let m = p("<38>2026-11-25T02:00:00.123456+07:00 web01 sshd[5]: Accepted publickey for a from 192.0.2.1 port 1 ssh2");
        assert_eq!(m.timestamp_ms, Some(vn(2026, 11, 25, 2, 0, 0) + 123));
        assert_eq!(m.hostname.as_deref(), Some("web01"));
        assert_eq!(m.app_name.as_deref(), Some("sshd"));
        let m = p("2015-04-16T18:02:50.321974+00:00 host sshd[2716]: x");
        assert_eq!(m.timestamp_ms, Some(1_429_207_370_321));
        // No offset: Viet Nam time.
        let m = p("2026-11-25 02:00:00 host app: x");
        assert_eq!(m.timestamp_ms, Some(vn(2026, 11, 25, 2, 0, 0)));
        let m = p("2026-11-25T02:00:00Z host app: x");
        assert_eq!(m.timestamp_ms, Some(vn(2026, 11, 25, 9, 0, 0)));
    }

    #[test]
    fn rfc3164_other_timestamp_shapes() {
        // Cisco: year before the time, trailing colon, fraction.
        let m = p("<189>Nov 25 2025 02:00:00.250: %SYS-5-CONFIG_I: Configured");
        assert_eq!(m.timestamp_ms, Some(vn(2025, 11, 25, 2, 0, 0) + 250));
        // ctime.
        let m = p(
            "Fri Jan 19 12:20:33 2007 [pid 27202] [anonymous] FAIL LOGIN: Client \"64.106.46.98\"",
        );
        assert_eq!(m.timestamp_ms, Some(vn(2007, 1, 19, 12, 20, 33)));
    }

    #[test]
    fn rfc3164_leniency_with_pri() {
        // A PRI and then no recognisable header: the rest is the message.
        let m = p("<13>hello world");
        assert_eq!(m.timestamp_ms, None);
        assert_eq!(m.message, "hello world");
        assert_eq!(m.severity, Some(5));
        let m = p("<13>");
        assert_eq!(m.message, "");
        // Without a PRI the line is not syslog.
        let e = parse(b"type=SYSCALL msg=audit(1.2:3): x", now()).unwrap_err();
        assert_eq!(e.part, Part::Timestamp);
        let e = parse(b"Nov 31 02:00:00 h a: x", now()).unwrap_err();
        assert_eq!(e.part, Part::Timestamp);
        let e = parse(b"Nov 25 25:00:00 h a: x", now()).unwrap_err();
        assert_eq!(e.part, Part::Timestamp);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let m = parse(b"<13>Nov 25 02:00:00 h\xff app: caf\xc3\xa9 \xfe", now()).unwrap();
        assert_eq!(m.hostname.as_deref(), Some("h\u{fffd}"));
        assert_eq!(m.message, "café \u{fffd}");
        let m = parse(b"<13>1 - h\xff a - - - \xff", now()).unwrap();
        assert_eq!(m.hostname.as_deref(), Some("h\u{fffd}"));
        assert_eq!(m.message, "\u{fffd}");
    }
}
