//! The JSON shapes log forwarders write, recognised from their field names and mapped to the
//! fields and log source the same record has when it arrives in its native form, so one event
//! raises the same rules whatever carried it:
//!
//! - **Winlogbeat / Elastic Agent** (ECS): `winlog.channel`, `winlog.event_id` (or
//!   `event.code`), `winlog.event_data.*`, `winlog.user_data.*`, `winlog.computer_name`,
//!   `winlog.provider_name`, `winlog.record_id` become `Channel`, `EventID`, the EventData
//!   names, `Computer`, `Provider_Name`, `EventRecordID` (Winlogbeat 6's `log_name`,
//!   `event_id`, `event_data.*`, `computer_name`, `source_name` likewise), then the Windows
//!   log source and renames as for an EVTX record.
//! - **NXLog** `im_msvistalog` + `to_json()` (and any flat `Channel` + `EventID` record): already
//!   Sigma's names; recognised as NXLog by `SourceModuleName` / `EventReceivedTime`.
//! - **journald** (`journalctl -o json`, Fluent Bit's and Vector's journald inputs):
//!   `MESSAGE`, `SYSLOG_IDENTIFIER` (else `_COMM`), `_HOSTNAME`, `_PID`/`SYSLOG_PID`,
//!   `SYSLOG_FACILITY`, `PRIORITY`, `__REALTIME_TIMESTAMP` (µs) read as the syslog message they
//!   are.
//! - **Syslog decoded by a forwarder**: Vector's syslog source (`appname`, `hostname`/`host`,
//!   `procid`, `facility` by name, `message`), Fluent Bit's rfc3164/rfc5424 parsers (`ident`,
//!   `host`, `pid`, `pri`, `message`), rsyslog's `json` template / mmjsonparse (`programname`,
//!   `hostname`, `procid`, `syslogfacility-text`, `msg`), syslog-ng's `format-json`
//!   (`PROGRAM`, `HOST`, `PID`, `FACILITY`, `MESSAGE`).
//! - **A raw line wrapped in JSON**: Fluent Bit's `tail` (`log`), Vector's `file` source and
//!   Filebeat (`message`, with `host` / `host.name`): the line is read as if it had arrived
//!   bare (syslog, a web access line, a firewall line, …) when it is one of those.
//! - **Web access logs as JSON**: nginx `log_format … escape=json` with its variable names
//!   (`remote_addr`, `request` or `request_method` + `request_uri`, `status`,
//!   `http_user_agent`, …), ECS (`source.ip`, `http.request.method`, `url.original`,
//!   `http.response.status_code`, `user_agent.original`) and Caddy (`request.remote_ip`,
//!   `request.method`, `request.uri`, `status`): category `webserver` with Sigma's web names.

use std::borrow::Cow;

use canhgac_detect::Event;

use crate::normalize::Normalized;
use crate::syslog::{SyslogFormat, SyslogMessage};

/// What a flattened JSON record looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Winlogbeat 7+ / Elastic Agent: `winlog.*`.
    Winlogbeat,
    /// Winlogbeat 6: `event_data.*` with `log_name` + `event_id`.
    WinlogbeatLegacy,
    /// Flat `Channel` + `EventID` (NXLog when `nxlog` is set).
    FlatWindows { nxlog: bool },
    /// `journalctl -o json`.
    Journald,
    /// A syslog message decoded into fields by a forwarder.
    SyslogFields(Forwarder),
    /// A raw line under this key.
    Wrapped(&'static str),
    /// A web access log record.
    Web(WebJson),
    /// Anything else.
    Generic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forwarder {
    Vector,
    FluentBit,
    Rsyslog,
    SyslogNg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WebJson {
    Nginx,
    Ecs,
    Caddy,
}

/// Recognises the shape from the field names, in one pass over them.
pub(crate) fn classify(ev: &Event<'_>) -> Shape {
    let mut winlog = false;
    let (mut channel, mut event_id, mut nxlog) = (false, false, false);
    let (mut log_name, mut legacy_id) = (false, false);
    let (mut journald_msg, mut journald_meta) = (false, false);
    let (mut appname, mut vector, mut ident, mut pri) = (false, false, false, false);
    let (mut programname, mut msg, mut program_ng, mut message_ng) = (false, false, false, false);
    let (mut message, mut log) = (false, false);
    let (mut remote_addr, mut request, mut status) = (false, false, false);
    let (mut ecs_method, mut ecs_url) = (false, false);
    let (mut caddy_method, mut caddy_uri) = (false, false);
    for (k, _) in &ev.fields {
        let k = k.as_ref();
        match k.as_bytes().first() {
            Some(b'w') if k.starts_with("winlog.") => winlog = true,
            Some(b'C') if k == "Channel" => channel = true,
            Some(b'E') => match k {
                "EventID" => event_id = true,
                "EventReceivedTime" => nxlog = true,
                _ => {}
            },
            Some(b'S') if k == "SourceModuleName" => nxlog = true,
            Some(b'l') => match k {
                "log_name" => log_name = true,
                "log" => log = true,
                _ => {}
            },
            Some(b'e') if k == "event_id" => legacy_id = true,
            Some(b'M') if k == "MESSAGE" => {
                journald_msg = true;
                message_ng = true;
            }
            Some(b'_') if k == "__REALTIME_TIMESTAMP" || k == "_HOSTNAME" || k == "_COMM" => {
                journald_meta = true
            }
            Some(b'a') if k == "appname" => appname = true,
            Some(b's') if k == "source_type" => vector = true,
            Some(b'i') if k == "ident" => ident = true,
            Some(b'p') => match k {
                "pri" => pri = true,
                "programname" => programname = true,
                _ => {}
            },
            Some(b'P') if k == "PROGRAM" => program_ng = true,
            Some(b'm') => match k {
                "msg" => msg = true,
                "message" => message = true,
                _ => {}
            },
            Some(b'r') => match k {
                "remote_addr" => remote_addr = true,
                "request" | "request_uri" => request = true,
                "request.method" => caddy_method = true,
                "request.uri" => caddy_uri = true,
                _ => {}
            },
            Some(b'h') if k == "http.request.method" => ecs_method = true,
            Some(b'u') if k == "url.original" || k == "url.path" => ecs_url = true,
            Some(b's') if k == "status" => status = true,
            _ => {}
        }
    }
    if winlog {
        return Shape::Winlogbeat;
    }
    if channel && event_id {
        return Shape::FlatWindows { nxlog };
    }
    if log_name && legacy_id {
        return Shape::WinlogbeatLegacy;
    }
    if journald_msg && journald_meta {
        return Shape::Journald;
    }
    if message && appname {
        return Shape::SyslogFields(if vector {
            Forwarder::Vector
        } else {
            Forwarder::FluentBit
        });
    }
    if message && ident && (pri || ev.get("host").is_some()) {
        return Shape::SyslogFields(Forwarder::FluentBit);
    }
    if msg && programname {
        return Shape::SyslogFields(Forwarder::Rsyslog);
    }
    if message_ng && program_ng {
        return Shape::SyslogFields(Forwarder::SyslogNg);
    }
    if remote_addr && request && status {
        return Shape::Web(WebJson::Nginx);
    }
    if ecs_method && ecs_url {
        return Shape::Web(WebJson::Ecs);
    }
    if caddy_method && caddy_uri && status {
        return Shape::Web(WebJson::Caddy);
    }
    if message {
        return Shape::Wrapped("message");
    }
    if log {
        return Shape::Wrapped("log");
    }
    Shape::Generic
}

fn owned(ev: &Event<'_>, k: &str) -> Option<String> {
    ev.get(k).map(str::to_string)
}

/// Adds `to` = `from`'s value(s) unless the event has `to` already.
fn copy_field(ev: &mut Event<'_>, from: &str, to: &'static str) {
    if ev.get(to).is_some() {
        return;
    }
    let vals: Vec<String> = ev
        .fields
        .iter()
        .filter(|(k, _)| k == from)
        .map(|(_, v)| v.to_string())
        .collect();
    for v in vals {
        ev.fields.push((Cow::Borrowed(to), Cow::Owned(v)));
    }
}

/// Winlogbeat's `winlog.*` (or Winlogbeat 6's names) as the EVTX names; the log source is set
/// by the caller from `Channel` and `EventID`.
pub(crate) fn winlogbeat(ev: &mut Event<'_>, legacy: bool) {
    let (data, user) = if legacy {
        ("event_data.", "user_data.")
    } else {
        ("winlog.event_data.", "winlog.user_data.")
    };
    let mut extra: Vec<(String, String)> = Vec::new();
    for (k, v) in &ev.fields {
        let name = k
            .strip_prefix(data)
            .or_else(|| {
                // user_data has one wrapper element per provider: drop it, as for EVTX.
                k.strip_prefix(user)
                    .map(|r| r.split_once('.').map_or(r, |(_, leaf)| leaf))
            })
            .filter(|n| !n.is_empty());
        if let Some(n) = name {
            extra.push((n.to_string(), v.to_string()));
            if n.contains(' ') {
                extra.push((n.replace(' ', ""), v.to_string()));
            }
        }
    }
    for (k, v) in extra {
        if ev.get(&k).is_none() || k == "Data" {
            ev.fields.push((Cow::Owned(k), Cow::Owned(v)));
        }
    }
    if legacy {
        copy_field(ev, "log_name", "Channel");
        copy_field(ev, "event_id", "EventID");
        copy_field(ev, "computer_name", "Computer");
        copy_field(ev, "source_name", "Provider_Name");
        copy_field(ev, "record_number", "EventRecordID");
    } else {
        copy_field(ev, "winlog.channel", "Channel");
        copy_field(ev, "winlog.event_id", "EventID");
        copy_field(ev, "event.code", "EventID");
        copy_field(ev, "winlog.computer_name", "Computer");
        copy_field(ev, "winlog.provider_name", "Provider_Name");
        copy_field(ev, "winlog.provider_guid", "Provider_Guid");
        copy_field(ev, "winlog.record_id", "EventRecordID");
        copy_field(ev, "winlog.task", "Task");
        copy_field(ev, "winlog.opcode", "Opcode");
    }
}

fn facility_by_name(name: &str) -> Option<u8> {
    const NAMES: [&str; 24] = [
        "kern",
        "user",
        "mail",
        "daemon",
        "auth",
        "syslog",
        "lpr",
        "news",
        "uucp",
        "cron",
        "authpriv",
        "ftp",
        "ntp",
        "security",
        "console",
        "solaris-cron",
        "local0",
        "local1",
        "local2",
        "local3",
        "local4",
        "local5",
        "local6",
        "local7",
    ];
    let n = name.trim().to_ascii_lowercase();
    if let Ok(v) = n.parse::<u8>() {
        return (v < 24).then_some(v);
    }
    NAMES.iter().position(|x| *x == n).map(|i| i as u8)
}

/// The syslog message a forwarder decoded into fields (see the module documentation), or
/// `None` when it has no message.
pub(crate) fn syslog_fields(ev: &Event<'_>, shape: Shape) -> Option<SyslogMessage> {
    let pick = |names: &[&str]| names.iter().find_map(|k| owned(ev, k));
    let (message, app, host, pid, facility, time) = match shape {
        Shape::Journald => (
            pick(&["MESSAGE"])?,
            pick(&["SYSLOG_IDENTIFIER", "_COMM"]),
            pick(&["_HOSTNAME", "host", "hostname"]),
            pick(&["SYSLOG_PID", "_PID"]),
            pick(&["SYSLOG_FACILITY"]).and_then(|f| facility_by_name(&f)),
            pick(&["__REALTIME_TIMESTAMP"])
                .and_then(|t| t.trim().parse::<i64>().ok())
                .map(|us| us / 1000),
        ),
        Shape::SyslogFields(Forwarder::Vector) | Shape::SyslogFields(Forwarder::FluentBit) => (
            pick(&["message"])?,
            pick(&["appname", "ident"]),
            pick(&["hostname", "host"]),
            pick(&["procid", "pid"]),
            pick(&["facility"])
                .and_then(|f| facility_by_name(&f))
                .or_else(|| {
                    pick(&["pri"])
                        .and_then(|p| p.trim().parse::<u16>().ok())
                        .map(|p| (p / 8) as u8)
                }),
            pick(&["timestamp", "time"]).and_then(|t| crate::event::parse_time_ms(&t)),
        ),
        Shape::SyslogFields(Forwarder::Rsyslog) => (
            pick(&["msg"])?,
            pick(&["programname", "app-name"]),
            pick(&["hostname", "fromhost"]),
            pick(&["procid"]),
            pick(&["syslogfacility-text", "syslogfacility"]).and_then(|f| facility_by_name(&f)),
            pick(&["timereported", "@timestamp", "timestamp"])
                .and_then(|t| crate::event::parse_time_ms(&t)),
        ),
        Shape::SyslogFields(Forwarder::SyslogNg) => (
            pick(&["MESSAGE"])?,
            pick(&["PROGRAM"]),
            pick(&["HOST"]),
            pick(&["PID"]),
            pick(&["FACILITY"]).and_then(|f| facility_by_name(&f)),
            pick(&["ISODATE", "DATE"]).and_then(|t| crate::event::parse_time_ms(&t)),
        ),
        _ => return None,
    };
    // rsyslog's msg keeps the space after the tag's colon.
    let message = message.strip_prefix(' ').unwrap_or(&message).to_string();
    Some(SyslogMessage {
        facility,
        severity: None,
        timestamp_ms: time,
        hostname: host.filter(|h| !h.is_empty()),
        app_name: app.filter(|a| !a.is_empty()),
        proc_id: pid.filter(|p| !p.is_empty()),
        msg_id: None,
        structured_data: Vec::new(),
        message,
        format: SyslogFormat::Rfc3164,
    })
}

/// A JSON web access record with Sigma's `webserver` names.
pub(crate) fn web_json(ev: &Event<'_>, kind: WebJson) -> Normalized {
    let mut n = Normalized {
        category: Some("webserver"),
        format: match kind {
            WebJson::Nginx => "nginx-json",
            WebJson::Ecs => "ecs-web",
            WebJson::Caddy => "caddy",
        },
        ..Normalized::default()
    };
    let pick = |names: &[&str]| names.iter().find_map(|k| owned(ev, k));
    let (ip, method, target, version, status, bytes, agent, referer, user) = match kind {
        WebJson::Nginx => {
            let request = owned(ev, "request");
            let parts: Vec<String> = request
                .as_deref()
                .map(|r| r.split(' ').map(str::to_string).collect())
                .unwrap_or_default();
            let (m, t, v) = match parts.as_slice() {
                [m, t, v] if v.starts_with("HTTP/") => {
                    (Some(m.clone()), Some(t.clone()), Some(v.clone()))
                }
                [m, t] => (Some(m.clone()), Some(t.clone()), None),
                _ => (None, None, None),
            };
            (
                pick(&["remote_addr"]),
                pick(&["request_method"]).or(m),
                pick(&["request_uri"]).or(t),
                pick(&["server_protocol"]).or(v),
                pick(&["status"]),
                pick(&["body_bytes_sent", "bytes_sent"]),
                pick(&["http_user_agent"]),
                pick(&["http_referer", "http_referrer"]),
                pick(&["remote_user"]),
            )
        }
        WebJson::Ecs => (
            pick(&["source.ip", "client.ip", "source.address"]),
            pick(&["http.request.method"]),
            pick(&["url.original"]).or_else(|| {
                let path = owned(ev, "url.path")?;
                Some(match owned(ev, "url.query") {
                    Some(q) => format!("{path}?{q}"),
                    None => path,
                })
            }),
            pick(&["http.version"]).map(|v| format!("HTTP/{v}")),
            pick(&["http.response.status_code"]),
            pick(&["http.response.body.bytes", "http.response.bytes"]),
            pick(&["user_agent.original"]),
            pick(&["http.request.referrer"]),
            pick(&["user.name"]),
        ),
        WebJson::Caddy => (
            pick(&["request.remote_ip", "request.client_ip"]),
            pick(&["request.method"]),
            pick(&["request.uri"]),
            pick(&["request.proto"]),
            pick(&["status"]),
            pick(&["size"]),
            pick(&["request.headers.User-Agent"]),
            pick(&["request.headers.Referer"]),
            pick(&["user_id"]),
        ),
    };
    if let Some(ip) = ip {
        n.fields.push(("c-ip".into(), ip));
    }
    if let Some(u) = user {
        n.fields.push(("cs-username".into(), u));
    }
    if let Some(m) = method {
        n.fields.push(("cs-method".into(), m));
    }
    if let Some(t) = &target {
        match t.split_once('?') {
            Some((stem, q)) => {
                n.fields.push(("cs-uri-stem".into(), stem.into()));
                n.fields.push(("cs-uri-query".into(), q.into()));
            }
            None => n.fields.push(("cs-uri-stem".into(), t.clone())),
        }
    }
    if let Some(v) = version {
        n.fields.push(("cs-version".into(), v));
    }
    if let Some(s) = status {
        n.fields.push(("sc-status".into(), s));
    }
    if let Some(b) = bytes {
        n.fields.push(("sc-bytes".into(), b));
    }
    if let Some(r) = referer {
        n.fields.push(("cs-referer".into(), r));
    }
    if let Some(a) = agent {
        n.fields.push(("cs-user-agent".into(), a));
    }
    // The original record's fields follow, and a message for keyword rules: the request line
    // as an access log would have it.
    let line = format!(
        "{} {} {}",
        n.get("c-ip").unwrap_or("-"),
        n.get("cs-method").unwrap_or("-"),
        target.as_deref().unwrap_or("-")
    );
    for (k, v) in &ev.fields {
        if k != "message" {
            n.fields.push((k.to_string(), v.to_string()));
        }
    }
    n.fields
        .push(("message".into(), owned(ev, "message").unwrap_or(line)));
    n
}
