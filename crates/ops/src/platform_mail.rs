//! National-platform alerts that arrive by e-mail (M8): a message saved as `.eml`, as VNCERT/CC,
//! NCSC or the IRLab portal send them. No public format exists, so the fields are read the way
//! a person would read them: CSV, XLSX or JSON attachments through the same readers as an
//! upload or the webhook, and `Label: value` lines in the body (Vietnamese or English labels,
//! the export's column names), one alert per block that starts with its id. The subject stands
//! for the type and the message's date for the time when the body names neither. All or
//! nothing: any problem is named with the file, the attachment or the body's line.

use crate::platform::{parse, parse_table, AlertIn, PushError, COLUMNS, MAX_ALERTS};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Map, Value};

/// Largest message read (bytes).
pub const MAX_MAIL: usize = 20 << 20;

/// The field a body line's label names, if any (`Mã cảnh báo`, `Alert ID`, `IP`, …).
fn field_of(label: &str) -> Option<&'static str> {
    let l = label
        .trim()
        .trim_start_matches(['-', '*', '•', '+', ' '])
        .trim()
        .to_lowercase();
    COLUMNS
        .iter()
        .find(|(_, names)| names.iter().any(|n| *n == l))
        .map(|(f, _)| *f)
}

/// The alerts written in a message's text: blocks of `Label: value` lines, each alert
/// starting at its id; an unlabelled line continues the field before it.
fn body_alerts(text: &str, file: &str) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    let mut cur: Option<(usize, Map<String, Value>)> = None;
    let mut last: Option<&'static str> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        // A signature ("-- ") or a quoted earlier message ends what is read.
        if line == "--" || line.starts_with('>') {
            break;
        }
        let labelled = line.split_once(':').and_then(|(k, v)| {
            // A URL's scheme is not a label.
            if v.starts_with("//") {
                return None;
            }
            field_of(k).map(|f| (f, v.trim()))
        });
        match labelled {
            Some(("id", v)) => {
                if let Some((n, m)) = cur.take() {
                    out.push((format!("{file}: body line {n}"), Value::Object(m)));
                }
                let mut m = Map::new();
                m.insert("id".into(), Value::String(v.to_string()));
                cur = Some((i + 1, m));
                last = Some("id");
            }
            Some((f, v)) => {
                if let Some((_, m)) = cur.as_mut() {
                    m.insert(f.into(), Value::String(v.to_string()));
                    last = Some(f);
                }
            }
            None => {
                let t = line.trim();
                if t.is_empty() {
                    last = None;
                    continue;
                }
                if let (Some((_, m)), Some(f @ ("description" | "recommendation"))) =
                    (cur.as_mut(), last)
                {
                    if let Some(Value::String(s)) = m.get_mut(f) {
                        if !s.is_empty() {
                            s.push(' ');
                        }
                        s.push_str(t);
                    }
                }
            }
        }
    }
    if let Some((n, m)) = cur.take() {
        out.push((format!("{file}: body line {n}"), Value::Object(m)));
    }
    out
}

/// Reads a saved e-mail (`.eml`, RFC 5322 with MIME parts) into platform alerts.
pub fn parse_mail(bytes: &[u8], file: &str) -> Result<Vec<AlertIn>, PushError> {
    if bytes.len() > MAX_MAIL {
        return Err(PushError::Body(format!(
            "{file}: larger than {} MB",
            MAX_MAIL >> 20
        )));
    }
    let msg = MessageParser::default()
        .parse(bytes)
        .filter(|m| m.headers().iter().any(|h| !h.name().is_empty()))
        .ok_or_else(|| PushError::Body(format!("{file}: not an e-mail message")))?;
    let subject = msg
        .subject()
        .unwrap_or("")
        .trim()
        .trim_start_matches("Fwd:")
        .trim_start_matches("FW:")
        .trim()
        .to_string();
    let date = msg.date().map(|d| d.to_timestamp() * 1000);
    let mut alerts: Vec<AlertIn> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for part in msg.attachments() {
        let name = part.attachment_name().unwrap_or("attachment").to_string();
        let lower = name.to_lowercase();
        let label = format!("{file}: {name}");
        let got = if lower.ends_with(".csv") || lower.ends_with(".xlsx") {
            parse_table(part.contents(), &label, &[])
        } else if lower.ends_with(".json") {
            parse(part.contents()).map_err(|e| PushError::Body(format!("{label}: {e}")))
        } else {
            // Logs, screenshots and samples travel with alerts; they are not alerts.
            continue;
        };
        match got {
            Ok(mut a) => alerts.append(&mut a),
            Err(e) => errors.push(e.to_string()),
        }
    }
    let text = msg.body_text(0).map(|t| t.to_string()).unwrap_or_default();
    let mut items = body_alerts(&text, file);
    for (_, v) in items.iter_mut() {
        if let Value::Object(m) = v {
            if !m.contains_key("type") && !subject.is_empty() {
                m.insert("type".into(), Value::String(subject.clone()));
            }
            if !m.contains_key("time") {
                if let Some(d) = date {
                    m.insert(
                        "time".into(),
                        Value::String(canhgac_domain::time::rfc3339(d)),
                    );
                }
            }
        }
    }
    if !items.is_empty() {
        let labelled: Vec<(String, Value)> = std::mem::take(&mut items);
        match crate::platform::parse_labelled(labelled) {
            Ok(mut a) => alerts.append(&mut a),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        errors.truncate(20);
        return Err(PushError::Body(errors.join("; ")));
    }
    if alerts.is_empty() {
        return Err(PushError::Body(format!(
            "{file}: no alert found (no 'Mã cảnh báo:' / 'Alert ID:' line in the body and no CSV, XLSX or JSON attachment)"
        )));
    }
    if alerts.len() > MAX_ALERTS {
        return Err(PushError::Body(format!(
            "{file}: more than {MAX_ALERTS} alerts"
        )));
    }
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY_MAIL: &str = "From: VNCERT/CC <canhbao@vncert.vn>\r\n\
To: stttt@laichau.gov.vn\r\n\
Subject: =?utf-8?b?Q+G6o25oIGLDoW8gbcOjIMSR4buZYw==?=\r\n\
Date: Tue, 01 Dec 2026 09:30:00 +0700\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
Kính gửi Sở TTTT,\r\n\
\r\n\
Mã cảnh báo: IRL-2026-20001\r\n\
Đối tượng: 203.0.113.45\r\n\
Mức độ: Cao\r\n\
Mô tả: Máy kết nối tới máy chủ điều khiển\r\n\
  của mã độc QakBot.\r\n\
Khuyến nghị: Cô lập máy, quét mã độc.\r\n\
\r\n\
Mã cảnh báo: IRL-2026-20002\r\n\
Thời gian: 30/11/2026 22:15\r\n\
Loại: Trang giả mạo\r\n\
URL: https://laichau-gov.example/dang-nhap\r\n\
\r\n\
-- \r\n\
Trung tâm VNCERT/CC\r\n\
Mã cảnh báo: not-an-alert\r\n";

    #[test]
    fn body_blocks_become_alerts() {
        let a = parse_mail(BODY_MAIL.as_bytes(), "canh-bao.eml").expect("parsed");
        assert_eq!(a.len(), 2, "{a:?}");
        assert_eq!(a[0].id, "IRL-2026-20001");
        assert_eq!(a[0].target, "203.0.113.45");
        assert_eq!(
            a[0].kind, "Cảnh báo mã độc",
            "the subject stands for the type"
        );
        assert_eq!(
            a[0].description,
            "Máy kết nối tới máy chủ điều khiển của mã độc QakBot."
        );
        assert_eq!(a[0].severity, canhgac_domain::signal::Severity::High);
        // The message's date (09:30 +07:00 = 02:30 UTC) stands for the time.
        assert_eq!(a[0].time, Some(1_796_092_200_000));
        assert_eq!(a[1].target, "https://laichau-gov.example/dang-nhap");
        assert_eq!(a[1].kind, "Trang giả mạo");
        assert_eq!(
            a[1].time.map(canhgac_domain::time::fmt_datetime).as_deref(),
            Some("30/11/2026 22:15")
        );
    }

    #[test]
    fn attachments_are_read_like_uploads() {
        let csv = "Mã cảnh báo,Đối tượng,Mức độ\nIRL-1,192.0.2.7,cao\nIRL-2,bad.example,thấp\n";
        let mail = format!(
            "From: ncsc@example.vn\r\nSubject: Alerts\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n\
See attached.\r\n--b1\r\nContent-Type: text/csv; name=\"alerts.csv\"\r\n\
Content-Disposition: attachment; filename=\"alerts.csv\"\r\n\r\n{csv}\r\n--b1--\r\n"
        );
        let a = parse_mail(mail.as_bytes(), "m.eml").expect("parsed");
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].target, "bad.example");
    }

    #[test]
    fn problems_are_named_and_nothing_is_taken() {
        let e = parse_mail(b"\x00\x01 not mail", "x.eml").expect_err("not mail");
        assert!(e.to_string().contains("x.eml"), "{e}");
        let no_alert = "From: a@b.vn\r\nSubject: Hello\r\n\r\nNothing here.\r\n";
        let e = parse_mail(no_alert.as_bytes(), "y.eml").expect_err("none");
        assert!(e.to_string().contains("no alert found"), "{e}");
        // One good block and one without a target: the whole message is refused, by line.
        let bad = "From: a@b.vn\r\nSubject: S\r\n\r\nMã cảnh báo: A1\r\nIP: 192.0.2.1\r\n\r\nMã cảnh báo: A2\r\nMức độ: cao\r\n";
        let e = parse_mail(bad.as_bytes(), "z.eml").expect_err("bad");
        let s = e.to_string();
        assert!(
            s.contains("z.eml: body line 4") && s.contains("target"),
            "{s}"
        );
        let csv_bad = "From: a@b.vn\r\nSubject: S\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"q\"\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nx\r\n--q\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"a.csv\"\r\n\r\nfoo,bar\r\n1,2\r\n--q--\r\n";
        let e = parse_mail(csv_bad.as_bytes(), "w.eml").expect_err("csv");
        assert!(e.to_string().contains("w.eml: a.csv"), "{e}");
    }
}
