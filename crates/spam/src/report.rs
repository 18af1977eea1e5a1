//! Reports sent to 5656 (Circular 22/2021/TT-BTTTT): `S [source][content]` or
//! `S (source)(content)` for a message, `V …` for a call — as published, and as people really
//! type them: lower case, plain spaces, missing or unbalanced brackets, the number glued to the
//! letter or split by spaces, dots or dashes, several numbers. A line that cannot be understood
//! is an error saying why (the caller keeps it for a person to fix).

use crate::phone::{normalize, Phone};
use serde::Serialize;

/// Message or call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `S`: a message.
    Sms,
    /// `V`: a call.
    Call,
}

/// Who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sender {
    /// As written.
    pub raw: String,
    /// The number, normalised, if it is one.
    pub phone: Option<Phone>,
    /// The brand name (alphanumeric sender), kept as written, if it is one.
    pub brand: Option<String>,
}

impl Sender {
    /// E.164 for a number, the brand name as written otherwise.
    pub fn key(&self) -> &str {
        match (&self.phone, &self.brand) {
            (Some(p), _) => &p.e164,
            (None, Some(b)) => b,
            _ => &self.raw,
        }
    }
}

/// A report understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Message or call.
    pub kind: Kind,
    /// Senders (usually one).
    pub senders: Vec<Sender>,
    /// What it said, as written.
    pub content: String,
}

/// Why a line is not a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum ParseError {
    /// Empty line.
    #[error("empty")]
    Empty,
    /// It does not start with S or V.
    #[error("does not start with S (message) or V (call)")]
    NoKind,
    /// No number or brand name could be read as the sender.
    #[error("no sender (a phone number or brand name) found")]
    NoSender,
}

fn closing(open: char) -> char {
    if open == '[' {
        ']'
    } else {
        ')'
    }
}

/// Takes a bracketed part at the start of `s` (unbalanced: to the next bracket of either kind,
/// or the end); returns it and the rest.
fn bracketed(s: &str) -> Option<(&str, &str)> {
    let open = s.chars().next().filter(|c| *c == '[' || *c == '(')?;
    let inner = &s[open.len_utf8()..];
    let close = closing(open);
    match inner.find(close) {
        Some(i) => Some((&inner[..i], &inner[i + close.len_utf8()..])),
        None => match inner.find(['[', '(']) {
            Some(i) => Some((&inner[..i], &inner[i..])),
            None => Some((inner, "")),
        },
    }
}

fn is_sep(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '\u{a0}')
}

/// The leading run of a phone number (digits with separators; a leading `+`).
fn leading_number(s: &str) -> Option<(&str, &str)> {
    let mut end = 0;
    let mut digits = 0;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() {
            digits += 1;
            end = i + 1;
        } else if (c == '+' && i == 0) || (is_sep(c) && digits > 0 && digits < 11) {
            continue;
        } else {
            break;
        }
    }
    (digits >= 3).then(|| (&s[..end], &s[end..]))
}

fn sender_of(part: &str) -> Option<Sender> {
    let raw = part
        .trim()
        .trim_matches(|c: char| matches!(c, ':' | ',' | ';'));
    if raw.is_empty() {
        return None;
    }
    if let Some(p) = normalize(raw) {
        return Some(Sender {
            raw: raw.to_string(),
            phone: Some(p),
            brand: None,
        });
    }
    let brand_like = raw.chars().count() <= 20
        && raw
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '&' | ' '))
        && raw.chars().any(char::is_alphabetic);
    brand_like.then(|| Sender {
        raw: raw.to_string(),
        phone: None,
        brand: Some(raw.to_string()),
    })
}

/// Every sender a source part names ("0985931054, 0912 345 678", "VCB").
fn senders_of(source: &str) -> Vec<Sender> {
    let mut out = Vec::new();
    for part in source
        .split([',', ';', '/'])
        .flat_map(|p| p.split(" va "))
        .flat_map(|p| p.split(" và "))
    {
        // Several numbers separated only by spaces.
        let mut rest = part.trim();
        let mut took = false;
        while let Some((n, r)) = leading_number(rest) {
            if let Some(s) = sender_of(n) {
                out.push(s);
                took = true;
            }
            rest = r.trim_start();
            if rest.is_empty() {
                break;
            }
        }
        if !took {
            if let Some(s) = sender_of(part) {
                out.push(s);
            }
        }
    }
    out
}

/// A report from a batch file's separate columns: the kind (`S`/`V`, `sms`/`call`, `tin nhắn`/
/// `cuộc gọi`, with or without diacritics), the source as written and the content.
pub fn from_parts(kind: &str, source: &str, content: &str) -> Result<Report, ParseError> {
    let k = crate::fold::fold(kind);
    let kind = match k.trim() {
        "s" | "sms" | "tin nhan" | "tn" | "message" | "tin" => Kind::Sms,
        "v" | "call" | "cuoc goi" | "goi" | "voice" | "cg" => Kind::Call,
        _ => return Err(ParseError::NoKind),
    };
    let senders = senders_of(source);
    if senders.is_empty() {
        return Err(ParseError::NoSender);
    }
    Ok(Report {
        kind,
        senders,
        content: content.trim().to_string(),
    })
}

/// Parses one report line.
pub fn parse(line: &str) -> Result<Report, ParseError> {
    let s = line.trim().trim_start_matches('\u{feff}');
    if s.is_empty() {
        return Err(ParseError::Empty);
    }
    let mut chars = s.chars();
    let kind = match chars.next() {
        Some('S' | 's') => Kind::Sms,
        Some('V' | 'v') => Kind::Call,
        _ => return Err(ParseError::NoKind),
    };
    let rest = chars.as_str();
    // "Sao…", "Vui…": a word, not the letter.
    if rest.chars().next().is_some_and(char::is_alphabetic) {
        return Err(ParseError::NoKind);
    }
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '.'));
    let (source, content) = if let Some((src, after)) = bracketed(rest) {
        let after = after.trim_start();
        let content = match bracketed(after) {
            Some((c, tail)) => format!("{c}{tail}"),
            None => after.to_string(),
        };
        match leading_number(src.trim()) {
            // An unclosed bracket swallowed the content: the number, then what it said.
            Some((n, r))
                if content.trim().is_empty()
                    && !r.trim().is_empty()
                    && !r.trim_start().starts_with([',', ';']) =>
            {
                (n.to_string(), r.trim().to_string())
            }
            _ => (src.to_string(), content),
        }
    } else if let Some((num, after)) = leading_number(rest) {
        // Further numbers right after the first, separated by commas or spaces.
        let mut source = num.to_string();
        let mut after = after;
        loop {
            let t = after.trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == ';');
            match leading_number(t) {
                Some((n, a)) if n.chars().filter(char::is_ascii_digit).count() >= 9 => {
                    source.push(',');
                    source.push_str(n);
                    after = a;
                }
                _ => break,
            }
        }
        let content = after.trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '-' | ',' | ']' | ')')
        });
        let content = content.strip_prefix(['[', '(']).unwrap_or(content);
        (source, content.trim_end_matches([']', ')']).to_string())
    } else {
        // A brand name: the first word.
        let (w, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        (w.to_string(), after.to_string())
    };
    let senders = senders_of(&source);
    if senders.is_empty() {
        return Err(ParseError::NoSender);
    }
    Ok(Report {
        kind,
        senders,
        content: content
            .trim()
            .trim_end_matches([']', ')'])
            .trim()
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> (Kind, Vec<String>, String) {
        let r = parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        (
            r.kind,
            r.senders.iter().map(|s| s.key().to_string()).collect(),
            r.content,
        )
    }

    #[test]
    fn the_published_forms() {
        assert_eq!(
            ok("V (0985931054)(Cuộc gọi quảng cáo bất động sản)"),
            (
                Kind::Call,
                vec!["+84985931054".into()],
                "Cuộc gọi quảng cáo bất động sản".into()
            )
        );
        assert_eq!(
            ok("S [0985931054][Ban da trung thuong 500 trieu]"),
            (
                Kind::Sms,
                vec!["+84985931054".into()],
                "Ban da trung thuong 500 trieu".into()
            )
        );
        assert_eq!(
            ok("S [VCB][Tai khoan cua quy khach bi khoa]"),
            (
                Kind::Sms,
                vec!["VCB".into()],
                "Tai khoan cua quy khach bi khoa".into()
            )
        );
    }

    #[test]
    fn as_people_type_them() {
        let n = vec!["+84985931054".to_string()];
        for line in [
            "s 0985931054 ban da trung thuong",
            "S0985931054 ban da trung thuong",
            "S 098 593 1054 ban da trung thuong",
            "S 098.593.1054: ban da trung thuong",
            "s (0985931054) ban da trung thuong",
            "S [0985931054 ban da trung thuong",
            "S (0985931054)(ban da trung thuong",
            "S [+84985931054] [ban da trung thuong]",
            "  s   0985-931-054   ban da trung thuong  ",
        ] {
            let (k, s, c) = ok(line);
            assert_eq!(
                (k, &s, c.as_str()),
                (Kind::Sms, &n, "ban da trung thuong"),
                "{line}"
            );
        }
        assert_eq!(
            ok("v 01621234567 goi lam phien").1,
            ["+84321234567"],
            "old prefix migrated"
        );
        assert_eq!(
            ok("S 0985931054, 0912345678 moi vay tien").1,
            ["+84985931054", "+84912345678"]
        );
        assert_eq!(
            ok("S (0985931054, 0912345678)(moi vay tien)").1,
            ["+84985931054", "+84912345678"]
        );
        assert_eq!(ok("s VIETTEL_KM tang data").1, ["VIETTEL_KM"]);
        assert_eq!(ok("V 0985931054").2, "", "a call with nothing said");
    }

    #[test]
    fn what_is_not_a_report_says_why() {
        assert_eq!(parse(""), Err(ParseError::Empty));
        assert_eq!(parse("Sao toi bi lam phien"), Err(ParseError::NoKind));
        assert_eq!(parse("DK DNC"), Err(ParseError::NoKind));
        assert_eq!(parse("S []"), Err(ParseError::NoSender));
        assert_eq!(parse("S [#@!][x]"), Err(ParseError::NoSender));
    }
}
