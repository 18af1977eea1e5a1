//! Reading a record: a `Raw` into a `detect::Event` (its format recognised, or kept whole with
//! the reason when it cannot be read), and the row stored for it (organisation and host resolved
//! through the directory, the line and its fields kept).

use super::{Body, Raw};
use crate::directory::{Directory, HostOrg};
use canhgac_detect::Event;
use canhgac_store::NewEvent;
use std::net::IpAddr;

/// The stored form of one record: organisation and host resolved, the line kept.
pub(super) fn new_event(
    dir: &Directory,
    memo: &mut Memo,
    r: &mut Raw,
    ev: &Event,
    format: &str,
    malformed: Option<String>,
) -> NewEvent {
    let host_name = host_name_of(ev).map(str::to_string);
    let (host_id, org_id, resolved_org) = decide(dir, memo, r, host_name.as_deref());
    let message = match &mut r.body {
        Body::Line(l) => std::mem::take(l),
        Body::Malformed(raw, _) => std::mem::take(raw),
        _ => ev
            .get("message")
            .or_else(|| ev.get("CommandLine"))
            .or_else(|| ev.get("Image"))
            .map(|m| m.chars().take(500).collect())
            .unwrap_or_else(|| summary(ev)),
    };
    // When the event was filed under the sender's organisation instead of the host's, the
    // (foreign) host is not linked.
    let host_id = if org_id == resolved_org && org_id.is_some() {
        host_id
    } else {
        None
    };
    NewEvent {
        received_at: r.received_at,
        at: ev.time_ms.unwrap_or(r.received_at),
        org_id,
        host_id,
        host_name,
        source_ip: r.peer.map(|p| memo.ip_text(p)),
        transport: r.transport.to_string(),
        product: ev.source.product.as_deref().map(str::to_string),
        category: ev.source.category.as_deref().map(str::to_string),
        service: ev.source.service.as_deref().map(str::to_string),
        message,
        fields: fields_json(ev),
        malformed,
        format: format.to_string(),
    }
}

/// The host name an event gives for itself.
fn host_name_of<'a>(ev: &'a Event) -> Option<&'a str> {
    ["host", "Computer", "hostname", "ComputerName"]
        .iter()
        .find_map(|k| ev.get(k).filter(|v| !v.is_empty()))
}

/// The host and organisation a record is filed under: `(host, organisation, organisation the
/// host resolved to)`.
fn decide(
    dir: &Directory,
    memo: &mut Memo,
    r: &Raw,
    host_name: Option<&str>,
) -> (Option<i64>, Option<i64>, Option<i64>) {
    let (host_id, mut org_id) = match &r.owner {
        // An authenticated sender's events are resolved inside its own scope only.
        Some((scope, _)) => dir.resolve(host_name, r.peer, Some(scope)),
        None => memo.resolve(dir, host_name, r.peer),
    };
    let resolved_org = org_id;
    if let Some((scope, fallback)) = &r.owner {
        // An authenticated sender cannot file events under someone else's organisation.
        if !org_id.is_some_and(|o| scope.contains(o)) {
            org_id = *fallback;
        }
    }
    (host_id, org_id, resolved_org)
}

/// The organisation a record will be filed under, decided as the pipeline decides it with the
/// same registry: a scaled-out deployment partitions its event stream by it, so that one
/// organisation's events (and so every correlation, which is counted per organisation) meet in
/// one worker.
pub fn owning_org(dir: &Directory, r: &Raw, now: i64) -> Option<i64> {
    let (ev, _, _) = read_record(r, now);
    let mut memo = Memo::default();
    decide(dir, &mut memo, r, host_name_of(&ev)).1
}

/// What the previous record of a batch resolved to: records of one stream mostly come from one
/// sender and host, and this spares resolving and formatting the same ones again.
#[derive(Default)]
pub(super) struct Memo {
    ip: Option<(IpAddr, String)>,
    resolved: Option<(Option<String>, Option<IpAddr>, HostOrg)>,
}

impl Memo {
    fn ip_text(&mut self, ip: IpAddr) -> String {
        match &self.ip {
            Some((a, t)) if *a == ip => t.clone(),
            _ => {
                let t = ip.to_string();
                self.ip = Some((ip, t.clone()));
                t
            }
        }
    }

    fn resolve(&mut self, dir: &Directory, host: Option<&str>, peer: Option<IpAddr>) -> HostOrg {
        if let Some((h, p, got)) = &self.resolved {
            if h.as_deref() == host && *p == peer {
                return *got;
            }
        }
        let got = dir.resolve(host, peer, None);
        self.resolved = Some((host.map(str::to_string), peer, got));
        got
    }
}

/// A one-line summary of an event without a message: its first fields as `name=value`.
fn summary(ev: &Event) -> String {
    let mut out = String::new();
    for (k, v) in ev.fields.iter().take(8) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(k);
        out.push('=');
        out.extend(v.chars().take(80));
    }
    out
}

/// The fields as a JSON object written directly (a field given several times becomes a list).
fn fields_json(ev: &Event) -> String {
    let mut out = Vec::with_capacity(ev.fields.len() * 32);
    out.push(b'{');
    let mut first = true;
    for (i, (k, v)) in ev.fields.iter().enumerate() {
        if ev.fields[..i].iter().any(|(p, _)| p == k) {
            continue; // written with its first occurrence
        }
        if !first {
            out.push(b',');
        }
        first = false;
        json_str(&mut out, k);
        out.push(b':');
        let more = ev.fields[i + 1..].iter().any(|(p, _)| p == k);
        if more {
            out.push(b'[');
            let mut f = true;
            for (_, v2) in ev.fields[i..].iter().filter(|(p, _)| p == k) {
                if !f {
                    out.push(b',');
                }
                f = false;
                json_str(&mut out, v2);
            }
            out.push(b']');
        } else {
            json_str(&mut out, v);
        }
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

/// A JSON string: copied as it is when nothing in it needs escaping (the usual case), else
/// escaped by serde_json.
fn json_str(out: &mut Vec<u8>, s: &str) {
    // No early exit: a branch-free pass over the bytes is vectorised.
    let plain = !s.bytes().fold(false, |acc, b| {
        acc | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Reads one record into an event and the format it arrived in; `Some(reason)` when it could
/// not be read. A line that arrived over syslog (UDP, TCP, TLS) and is not syslog (nor another
/// format a device sends over syslog) is malformed — stored raw, flagged and counted — yet still
/// matched as a message (keyword rules); a line of an uploaded text file that is no known format
/// is simply a message.
pub(super) fn read_record(r: &Raw, now: i64) -> (Event<'static>, &'static str, Option<String>) {
    use canhgac_ingest::event;
    match &r.body {
        Body::Line(l) => {
            let (read, err) = event::text_line(l, now);
            let syslog = matches!(r.transport, "udp" | "tcp" | "tls");
            let reason = err
                .filter(|_| syslog)
                .map(|e| format!("not a syslog message: {e}"));
            (read.event, read.format, reason)
        }
        Body::Json(j) => match event::json_line(j, now) {
            Ok(read) => (read.event.into_owned(), read.format, None),
            Err(e) => {
                let mut ev = Event::default();
                ev.push("message", j.clone());
                (ev, "json", Some(format!("not a JSON object: {e}")))
            }
        },
        Body::Evtx(v, t) => (
            event::from_normalized(canhgac_ingest::normalize::windows_flatten(v), Some(*t)),
            "evtx",
            None,
        ),
        Body::Read(n, t) => {
            let format = if n.format.is_empty() {
                "text"
            } else {
                n.format
            };
            (event::from_normalized((**n).clone(), *t), format, None)
        }
        Body::Malformed(raw, reason) => {
            let mut ev = Event::default();
            ev.push("message", raw.clone());
            (ev, "text", Some(reason.clone()))
        }
    }
}
