//! Firewall and network-device logs as Sigma's `firewall` category.
//!
//! SigmaHQ's `rules/network/firewall` rules select `logsource: category: firewall` and name
//! fields `src_ip`, `src_port`, `dst_ip`, `dst_port`, `action`, …; this module reads the logs of
//! the devices common in Vietnamese agencies and operators into those names:
//!
//! | device | recognised by | product / service | format |
//! |---|---|---|---|
//! | FortiGate | `key=value` message with a `logid` or `devid` key | `fortigate` | `fortigate` |
//! | pfSense / OPNsense | syslog program `filterlog` | `pfsense` | `pfsense` |
//! | Cisco ASA / FTD | `%ASA-…` / `%FTD-…` as the syslog tag or at the start of the message | `cisco` / `asa` | `cisco-asa` |
//! | Palo Alto PAN-OS | CSV with `TRAFFIC` or `THREAT` as fourth column | `paloalto` | `paloalto` |
//! | MikroTik RouterOS | `firewall,info`-style topics, or `chain: in:… out:…, … proto …` | `mikrotik` | `mikrotik` |
//! | Sophos XG / SFOS | `key=value` message with `log_type` and `device` (or `device_name`) | `sophos` | `sophos` |
//! | CEF | `CEF:` at the start of the message | see below | `cef` |
//! | LEEF 1.0 / 2.0 | `LEEF:` at the start of the message | see below | `leef` |
//!
//! Every record has category `firewall`. CEF and LEEF records get a product only when the
//! header's device product, lowercased, names one of the devices above (`fortigate`, `pfsense`,
//! `paloalto` or `pan-os`, `mikrotik` or `routeros`, `sophos`, `asa` → `cisco`/`asa`); any other
//! CEF/LEEF source (Check Point, Forcepoint, a Windows agent, …) has no product. They are
//! category `firewall` all the same, because this module is what recognised them.
//!
//! # Fields
//!
//! The normalised fields come first, in this order when present: `src_ip`, `src_port`,
//! `dst_ip`, `dst_port`, `protocol`, `action`, `user`, `host`, `message`, then a few
//! device-specific ones (`vendor_action`, `asa_id`, `severity`, `outcome`, …), then every field
//! the device wrote, under its own name and with its value as written (FortiGate's `srcip`,
//! Sophos' `log_component`, CEF extension keys with CEF escapes decoded, …). CSV formats
//! (filterlog, PAN-OS) have no names of their own: their columns are named after the vendor's
//! documentation in snake case (`rule_number`, `tracker`, `ip_ttl`, `src_zone`, …).
//!
//! - `src_ip`/`dst_ip` only hold values that parse as IP addresses and `src_port`/`dst_port`
//!   only decimal port numbers; a name in that place (Cisco's `dst FE_xUI:Server_Windows/15000`)
//!   is `src_host`/`dst_host`.
//! - `protocol` is lowercase (`tcp`, `udp`, `icmp`, …); a protocol number is written as its
//!   IANA keyword when it is one of the common ones (`6` → `tcp`, `58` → `ipv6-icmp`), else as
//!   the number.
//! - `action` is `allow`, `deny`, `drop` or `reset`, set only when the device's word maps
//!   clearly (see `map_action`); the word itself is always kept in `vendor_action`. MikroTik
//!   logs do not say what the rule did, so they have no `action`.
//! - `host` is the device's own name when the log has one (FortiGate `devname`, Sophos
//!   `device_name`, CEF `dvchost`), else the syslog hostname.
//! - `user` is set when the log names a user (an empty value or `N/A` names none).
//! - `message` is the whole line for [`firewall_line`]; for [`firewall_from_syslog`] it is the
//!   syslog MSG, with the part the syslog parser read as a tag put back in front when the tag
//!   was really the start of the payload (`%ASA-4-106023: Deny …`, `CEF: 0|…`).
//! - When a device's own field has the same name as a normalised one but another value
//!   (FortiGate `action=accept`, Sophos `protocol="TCP"`), it stays as a second value of that
//!   name, after the normalised one: `get` gives the normalised value, and Sigma's
//!   "any value matches" still finds the device's word. A FortiGate or LEEF `action` whose word
//!   does not map (`detected`, `dns`) is then the only `action`, as the device wrote it.
//!
//! # Lines that do not fully parse
//!
//! A parser returns `None` — so the caller keeps the line as a plain message — when the line is
//! not of its format or its header is incomplete: a CEF header with fewer than seven `|`, a LEEF
//! header with fewer than five, a `%ASA-`/`%FTD-` tag without a severity digit and a message
//! number, a filterlog record with fewer than the nine common columns, a PAN-OS record without
//! its type column, a `key=value` line without the keys that identify the device, a MikroTik
//! line without `in:`/`out:`. Once the header is read, the rest is read as far as it goes and
//! the record holds the fields that could be read: a truncated filterlog or PAN-OS record keeps
//! its leading columns, an ASA message whose text is not one of the shapes below keeps
//! `asa_id`, `severity` and `message`. Nothing here panics, whatever the input.
//!
//! # Cost
//!
//! [`firewall_from_syslog`] runs on every syslog message. A message that is none of these costs
//! a few byte comparisons at its start, one `memchr` for `=` (and, only when there is one, a
//! `memmem` for each of `logid=`, `devid=`, `log_type=`) and one `memmem` for `: in:`; nothing is
//! allocated before a format is recognised.

use std::borrow::Cow;
use std::net::IpAddr;

use memchr::{memchr, memmem};

use super::Normalized;
use crate::syslog::SyslogMessage;

/// Sigma's log source category of every record this module produces.
pub const FIREWALL_CATEGORY: &str = "firewall";

// =============================================================================================
// Entry points

/// A syslog message from a firewall or network device, read into Sigma's `firewall` category
/// (see the module documentation for the devices and fields), or `None` when the message is
/// none of them.
pub fn firewall_from_syslog(m: &SyslogMessage) -> Option<Normalized> {
    let app = m.app_name.as_deref().unwrap_or("");
    let msg = m.message.as_str();
    let host = m.hostname.as_deref();

    if app.eq_ignore_ascii_case("filterlog") {
        return filterlog(msg).map(|r| r.finish(msg, host));
    }
    // The syslog parser takes `%ASA-4-106023:` (after a Cisco timestamp) or `CEF:` (in
    // `host CEF: 0|…`) for the tag: put it back in front of the message.
    if asa_header(app.as_bytes()).is_some() || app == "CEF" || app == "LEEF" {
        let text = format!("{app}: {msg}");
        return by_prefix(&text, host);
    }
    // `INT-FW01 : %ASA-6-106100: …` leaves `: ` before the ASA tag.
    let head = msg.trim_start_matches([' ', ':']);
    if let Some(n) = by_prefix(head, host) {
        return Some(n);
    }
    // `Oct 30 09:46:12 1,2012/10/30 09:46:12,…` (PAN-OS without a hostname): the parser takes
    // the first CSV column and the date for the hostname.
    if let Some(h) = host.filter(|h| pan_start(h.as_bytes())) {
        let text = format!("{h} {msg}");
        return paloalto(&text).map(|r| r.finish(&text, None));
    }
    if pan_start(msg.as_bytes()) {
        return paloalto(msg).map(|r| r.finish(msg, host));
    }
    if let Some(r) = key_value(msg) {
        return Some(r.finish(msg, host));
    }
    let topics = app.contains(',').then_some(app);
    mikrotik(topics, msg).map(|r| r.finish(msg, host))
}

/// A line without a syslog header (a line of a file, or a payload handed over on its own): CEF,
/// LEEF, FortiGate or Sophos `key=value`, and also Cisco `%ASA-…`, PAN-OS CSV, MikroTik firewall
/// and `filterlog: …` lines. A leading `<PRI>` is skipped. `message` is the whole line (without a
/// trailing line end). `None` when the line is none of them.
pub fn firewall_line(line: &str) -> Option<Normalized> {
    let line = line.trim_end_matches(['\r', '\n']);
    let body = skip_pri(line).trim_start();
    if let Some(n) = by_prefix(body, None) {
        let mut n = n;
        set_message(&mut n, line);
        return Some(n);
    }
    if pan_start(body.as_bytes()) {
        return paloalto(body).map(|r| r.finish(line, None));
    }
    if let Some(csv) = filterlog_tag(body) {
        return filterlog(csv).map(|r| r.finish(line, None));
    }
    if let Some(r) = key_value(body) {
        return Some(r.finish(line, None));
    }
    mikrotik(None, body).map(|r| r.finish(line, None))
}

/// CEF, LEEF or Cisco, told by the first bytes of `text`.
fn by_prefix(text: &str, host: Option<&str>) -> Option<Normalized> {
    let b = text.as_bytes();
    if b.starts_with(b"CEF:") {
        cef(text).map(|r| r.finish(text, host))
    } else if b.starts_with(b"LEEF:") {
        leef(text).map(|r| r.finish(text, host))
    } else if b.first() == Some(&b'%') && asa_header(b).is_some() {
        asa(text).map(|r| r.finish(text, host))
    } else {
        None
    }
}

fn set_message(n: &mut Normalized, line: &str) {
    if let Some(f) = n.fields.iter_mut().find(|(k, _)| k == "message") {
        f.1 = line.to_owned();
    }
}

/// `line` without a leading `<digits>`.
fn skip_pri(line: &str) -> &str {
    let b = line.as_bytes();
    if b.first() != Some(&b'<') {
        return line;
    }
    let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=3).contains(&digits) && b.get(1 + digits) == Some(&b'>') {
        &line[2 + digits..]
    } else {
        line
    }
}

/// FortiGate or Sophos, told by their identifying keys.
fn key_value(msg: &str) -> Option<Rec> {
    let b = msg.as_bytes();
    memchr(b'=', b)?;
    if memmem::find(b, b"logid=").is_some() || memmem::find(b, b"devid=").is_some() {
        if let Some(r) = fortigate(msg) {
            return Some(r);
        }
    }
    if memmem::find(b, b"log_type=").is_some() {
        return sophos(msg);
    }
    None
}

// =============================================================================================
// Record building

/// A record being built: normalised fields, then the device's own.
struct Rec {
    product: Option<&'static str>,
    service: Option<&'static str>,
    format: &'static str,
    norm: Vec<(&'static str, String)>,
    vendor: Vec<(String, String)>,
}

impl Rec {
    fn new(product: Option<&'static str>, format: &'static str) -> Rec {
        Rec {
            product,
            service: None,
            format,
            norm: Vec::new(),
            vendor: Vec::new(),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.norm.iter().any(|(k, _)| *k == name)
    }

    /// Sets a normalised field unless it is already set.
    fn set(&mut self, name: &'static str, value: impl Into<String>) {
        if !self.has(name) {
            self.norm.push((name, value.into()));
        }
    }

    /// Sets a normalised field from a value that may be empty (then nothing is set).
    fn set_some(&mut self, name: &'static str, value: &str) {
        if !value.is_empty() {
            self.set(name, value);
        }
    }

    /// `src_ip`/`dst_ip` (and `…_host` for a name) from an address as written. IPv6 addresses
    /// in brackets lose them; an empty value sets nothing.
    fn addr(&mut self, side: Side, value: &str) {
        let v = value.trim();
        let v = v
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(v);
        if v.is_empty() {
            return;
        }
        if v.parse::<IpAddr>().is_ok() {
            self.set(side.ip(), v);
        } else if v
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._".contains(&c))
        {
            self.set(side.host(), v);
        }
    }

    /// `src_port`/`dst_port` when `value` is a port number.
    fn port(&mut self, side: Side, value: &str) {
        let v = value.trim();
        if !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) && v.parse::<u16>().is_ok() {
            self.set(side.port(), v);
        }
    }

    fn protocol(&mut self, value: &str) {
        let v = value.trim();
        if !v.is_empty() {
            self.set("protocol", protocol_name(v));
        }
    }

    /// `vendor_action` as written and `action` when the word maps clearly.
    fn action(&mut self, word: &str, map: fn(&str) -> Option<&'static str>) {
        let w = word.trim();
        if w.is_empty() {
            return;
        }
        if let Some(a) = map(w) {
            self.set("action", a);
        }
        self.set("vendor_action", w);
    }

    /// `user` unless the value names nobody.
    fn user(&mut self, value: &str) {
        let v = value.trim();
        if !v.is_empty() && !v.eq_ignore_ascii_case("N/A") && v != "(null)" {
            self.set("user", v);
        }
    }

    fn vendor(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vendor.push((name.into(), value.into()));
    }

    fn finish(mut self, message: &str, host: Option<&str>) -> Normalized {
        // A syslog "hostname" of punctuation only (`Aug 15 2012 23:30:09 : %ASA-…`) is none.
        if let Some(h) = host.filter(|h| h.bytes().any(|c| c.is_ascii_alphanumeric())) {
            self.set("host", h);
        }
        self.set("message", message);
        // Normalised fields in their documented order, then the rest as set.
        const ORDER: &[&str] = &[
            "src_ip", "src_host", "src_port", "dst_ip", "dst_host", "dst_port", "protocol",
            "action", "user", "host", "message",
        ];
        let mut fields: Vec<(String, String)> =
            Vec::with_capacity(self.norm.len() + self.vendor.len());
        for name in ORDER {
            if let Some((k, v)) = self.norm.iter().find(|(k, _)| k == name) {
                fields.push(((*k).to_owned(), v.clone()));
            }
        }
        for (k, v) in &self.norm {
            if !ORDER.contains(k) {
                fields.push(((*k).to_owned(), v.clone()));
            }
        }
        for (k, v) in self.vendor {
            let same = self.norm.iter().any(|(nk, nv)| *nk == k && *nv == v);
            if !same {
                fields.push((k, v));
            }
        }
        Normalized {
            product: self.product,
            service: self.service,
            category: Some(FIREWALL_CATEGORY),
            fields,
            format: self.format,
        }
    }
}

#[derive(Clone, Copy)]
enum Side {
    Src,
    Dst,
}

impl Side {
    fn ip(self) -> &'static str {
        match self {
            Side::Src => "src_ip",
            Side::Dst => "dst_ip",
        }
    }
    fn host(self) -> &'static str {
        match self {
            Side::Src => "src_host",
            Side::Dst => "dst_host",
        }
    }
    fn port(self) -> &'static str {
        match self {
            Side::Src => "src_port",
            Side::Dst => "dst_port",
        }
    }
}

/// Lowercase protocol name; common IANA protocol numbers as their keyword.
fn protocol_name(p: &str) -> String {
    if p.bytes().all(|c| c.is_ascii_digit()) {
        let name = match p.trim_start_matches('0') {
            "1" => "icmp",
            "2" => "igmp",
            "4" => "ipv4",
            "6" => "tcp",
            "17" => "udp",
            "41" => "ipv6",
            "47" => "gre",
            "50" => "esp",
            "51" => "ah",
            "58" => "ipv6-icmp",
            "89" => "ospf",
            "103" => "pim",
            "112" => "vrrp",
            "132" => "sctp",
            _ => return p.to_owned(),
        };
        return name.to_owned();
    }
    p.to_ascii_lowercase()
}

/// The device words that clearly mean allow, deny, drop or reset (compared without regard to
/// ASCII case). A word missing here (PAN-OS `alert`, FortiGate `dns`, `detected`, …) gives no
/// `action`.
fn map_action(word: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("accept", "allow"),
        ("accepted", "allow"),
        ("allow", "allow"),
        ("allowed", "allow"),
        ("pass", "allow"),
        ("passed", "allow"),
        ("passthrough", "allow"),
        ("permit", "allow"),
        ("permitted", "allow"),
        ("est-allowed", "allow"),
        ("deny", "deny"),
        ("denied", "deny"),
        ("block", "deny"),
        ("blocked", "deny"),
        ("block-url", "deny"),
        ("reject", "deny"),
        ("rejected", "deny"),
        ("refuse", "deny"),
        ("refused", "deny"),
        ("drop", "drop"),
        ("dropped", "drop"),
        ("discard", "drop"),
        ("discarded", "drop"),
        ("drop-icmp", "drop"),
        ("drop-all-packets", "drop"),
        ("random-drop", "drop"),
        ("reset", "reset"),
        ("reset-client", "reset"),
        ("reset-server", "reset"),
        ("reset-both", "reset"),
    ];
    TABLE
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|(_, a)| *a)
}

/// FortiGate traffic logs report a session it accepted with `start` (logged when it starts) and
/// end it with `close`, `timeout`, `server-rst` or `client-rst` (the FortiOS log reference: the
/// session ended normally, timed out, or was reset by the server or the client — not by the
/// firewall), so those are `allow`.
fn fortigate_action(word: &str) -> Option<&'static str> {
    match word.to_ascii_lowercase().as_str() {
        "close" | "timeout" | "server-rst" | "client-rst" | "start" => Some("allow"),
        _ => map_action(word),
    }
}

/// CEF/LEEF device product → product, for the devices this module knows.
fn known_product(device_product: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match device_product.trim().to_ascii_lowercase().as_str() {
        "fortigate" => ("fortigate", None),
        "pfsense" => ("pfsense", None),
        "paloalto" | "pan-os" => ("paloalto", None),
        "mikrotik" | "routeros" => ("mikrotik", None),
        "sophos" => ("sophos", None),
        "asa" => ("cisco", Some("asa")),
        _ => return None,
    })
}

// =============================================================================================
// key=value (FortiGate, Sophos)

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

/// The `key=value` pairs of a line: values either `"quoted"` (a `\"` inside is a quote) or
/// running to the next space. Tokens that are not `key=value` (a relay's date and name before
/// the pairs) are skipped; an unterminated quote runs to the end of the line.
fn kv_pairs(s: &str) -> Vec<(&str, Cow<'_, str>)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let ks = i;
        while i < b.len() && is_key_byte(b[i]) {
            i += 1;
        }
        if i == ks || b.get(i) != Some(&b'=') {
            // Not a pair: skip the token.
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            continue;
        }
        let key = &s[ks..i];
        i += 1; // '='
        if b.get(i) == Some(&b'"') {
            i += 1;
            let vs = i;
            let mut escaped = false;
            while i < b.len() {
                match b[i] {
                    b'\\' if b.get(i + 1) == Some(&b'"') => {
                        escaped = true;
                        i += 2;
                    }
                    b'"' => break,
                    _ => i += 1,
                }
            }
            let raw = &s[vs..i.min(b.len())];
            let value = if escaped {
                Cow::Owned(raw.replace("\\\"", "\""))
            } else {
                Cow::Borrowed(raw)
            };
            out.push((key, value));
            i += 1; // closing quote
        } else {
            let vs = i;
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            out.push((key, Cow::Borrowed(&s[vs..i])));
        }
    }
    out
}

fn kv_get<'a>(pairs: &'a [(&str, Cow<'_, str>)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.as_ref())
}

/// FortiGate (FortiOS 5 and later): `date=… time=… devname="…" devid="…" logid="…" type=…`.
fn fortigate(msg: &str) -> Option<Rec> {
    let pairs = kv_pairs(msg);
    if kv_get(&pairs, "logid").is_none() && kv_get(&pairs, "devid").is_none() {
        return None;
    }
    let mut r = Rec::new(Some("fortigate"), "fortigate");
    let get = |k: &str| kv_get(&pairs, k).unwrap_or("");
    r.addr(Side::Src, get("srcip"));
    r.port(Side::Src, get("srcport"));
    r.addr(Side::Dst, get("dstip"));
    r.port(Side::Dst, get("dstport"));
    r.protocol(get("proto"));
    r.action(get("action"), fortigate_action);
    r.user(get("user"));
    r.set_some("host", get("devname"));
    for (k, v) in &pairs {
        r.vendor(*k, v.as_ref());
    }
    Some(r)
}

/// Sophos XG / SFOS: `device="SFW" date=… device_name="XG230" … log_type="Firewall" status=…`.
fn sophos(msg: &str) -> Option<Rec> {
    let pairs = kv_pairs(msg);
    kv_get(&pairs, "log_type")?;
    if kv_get(&pairs, "device").is_none() && kv_get(&pairs, "device_name").is_none() {
        return None;
    }
    let mut r = Rec::new(Some("sophos"), "sophos");
    let get = |k: &str| kv_get(&pairs, k).unwrap_or("");
    r.addr(Side::Src, get("src_ip"));
    r.port(Side::Src, get("src_port"));
    r.addr(Side::Dst, get("dst_ip"));
    r.port(Side::Dst, get("dst_port"));
    r.protocol(get("protocol"));
    r.action(get("status"), map_action);
    r.user(get("user_name"));
    r.set_some("host", get("device_name"));
    for (k, v) in &pairs {
        r.vendor(*k, v.as_ref());
    }
    Some(r)
}

// =============================================================================================
// pfSense / OPNsense filterlog

/// The CSV after a `filterlog:` or `filterlog[pid]:` tag at the start of `s`.
fn filterlog_tag(s: &str) -> Option<&str> {
    let rest = s.strip_prefix("filterlog")?;
    let rest = match rest.strip_prefix('[') {
        Some(r) => &r[r.find(']')? + 1..],
        None => rest,
    };
    Some(rest.strip_prefix(':')?.trim_start())
}

/// One filterlog record, as Netgate documents it ("Raw Filter Log Format"): the common columns
/// `rule_number, sub_rule_number, anchor, tracker, interface, reason, action, direction,
/// ip_version`; then for IPv4 `ip_tos, ip_ecn, ip_ttl, ip_id, ip_offset, ip_flags,
/// protocol_id, protocol_text`, for IPv6 `ip_class, ip_flow_label, ip_hop_limit,
/// protocol_text, protocol_id`; then `ip_length`, source and destination address; then for TCP
/// and UDP `src_port, dst_port, data_length`, for TCP also `tcp_flags, tcp_sequence, tcp_ack,
/// tcp_window, tcp_urg, tcp_options`; for ICMP `icmp_type` and the columns of that type; for
/// CARP `carp_type, carp_ttl, carp_vhid, carp_version, carp_advskew, carp_advbase`. A
/// `datalength=N` column (other protocols) is `data_length`. The action column is
/// `vendor_action` (`pass` → `allow`, `block` and `reject` → `deny`).
fn filterlog(csv: &str) -> Option<Rec> {
    let f: Vec<&str> = csv.trim_end().split(',').collect();
    if f.len() < 9 {
        return None;
    }
    let mut r = Rec::new(Some("pfsense"), "pfsense");
    let put = |r: &mut Rec, name: &'static str, i: usize| {
        if let Some(v) = f.get(i) {
            r.vendor(name, *v);
        }
    };
    for (i, name) in [
        "rule_number",
        "sub_rule_number",
        "anchor",
        "tracker",
        "interface",
        "reason",
    ]
    .into_iter()
    .enumerate()
    {
        put(&mut r, name, i);
    }
    r.action(f[6], map_action);
    put(&mut r, "direction", 7);
    put(&mut r, "ip_version", 8);
    let (proto_id, proto_text, next) = match f[8] {
        "4" => {
            for (i, name) in [
                "ip_tos",
                "ip_ecn",
                "ip_ttl",
                "ip_id",
                "ip_offset",
                "ip_flags",
            ]
            .into_iter()
            .enumerate()
            {
                put(&mut r, name, 9 + i);
            }
            put(&mut r, "protocol_id", 15);
            put(&mut r, "protocol_text", 16);
            (f.get(15), f.get(16), 17)
        }
        "6" => {
            put(&mut r, "ip_class", 9);
            put(&mut r, "ip_flow_label", 10);
            put(&mut r, "ip_hop_limit", 11);
            put(&mut r, "protocol_text", 12);
            put(&mut r, "protocol_id", 13);
            (f.get(13), f.get(12), 14)
        }
        _ => return Some(r),
    };
    match proto_text.filter(|t| !t.is_empty()).or(proto_id) {
        Some(p) => r.protocol(p),
        None => return Some(r),
    }
    put(&mut r, "ip_length", next);
    if let Some(src) = f.get(next + 1) {
        r.addr(Side::Src, src);
    }
    if let Some(dst) = f.get(next + 2) {
        r.addr(Side::Dst, dst);
    }
    let p = next + 3;
    let proto_id = proto_id.copied().unwrap_or("");
    if f.get(p).is_some_and(|v| v.starts_with("datalength=")) {
        if let Some(len) = f[p].strip_prefix("datalength=") {
            r.vendor("data_length", len);
        }
        return Some(r);
    }
    match proto_id {
        "6" | "17" => {
            if let Some(v) = f.get(p) {
                r.port(Side::Src, v);
            }
            if let Some(v) = f.get(p + 1) {
                r.port(Side::Dst, v);
            }
            put(&mut r, "data_length", p + 2);
            if proto_id == "6" {
                for (i, name) in [
                    "tcp_flags",
                    "tcp_sequence",
                    "tcp_ack",
                    "tcp_window",
                    "tcp_urg",
                    "tcp_options",
                ]
                .into_iter()
                .enumerate()
                {
                    put(&mut r, name, p + 3 + i);
                }
            }
        }
        "1" | "58" => {
            put(&mut r, "icmp_type", p);
            let names: &[&'static str] = match f.get(p).copied().unwrap_or("") {
                "request" | "reply" | "tstamp" => &["icmp_id", "icmp_seq"],
                "unreachproto" => &["icmp_dst_ip", "icmp_protocol_id"],
                "unreachport" => &["icmp_dst_ip", "icmp_protocol_id", "icmp_port"],
                "needfrag" => &["icmp_dst_ip", "icmp_mtu"],
                "tstampreply" => &[
                    "icmp_id",
                    "icmp_seq",
                    "icmp_otime",
                    "icmp_rtime",
                    "icmp_ttime",
                ],
                "" => &[],
                _ => &["icmp_description"],
            };
            for (i, name) in names.iter().enumerate() {
                put(&mut r, name, p + 1 + i);
            }
        }
        "112" => {
            for (i, name) in [
                "carp_type",
                "carp_ttl",
                "carp_vhid",
                "carp_version",
                "carp_advskew",
                "carp_advbase",
            ]
            .into_iter()
            .enumerate()
            {
                put(&mut r, name, p + i);
            }
        }
        _ => {}
    }
    Some(r)
}

// =============================================================================================
// Cisco ASA / FTD

/// `(severity, message number, length of the tag)` of `%ASA-4-106023:` / `%FTD-6-302013 ` /
/// `%ASA-session-5-106100:` at the start of `b` (the colon is optional).
fn asa_header(b: &[u8]) -> Option<(u8, &[u8], usize)> {
    if !(b.starts_with(b"%ASA-") || b.starts_with(b"%FTD-")) {
        return None;
    }
    let mut i = 5;
    if !b.get(i)?.is_ascii_digit() {
        // `%ASA-session-5-…`: a facility word before the severity.
        let word = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        if word == 0 || b.get(i + word) != Some(&b'-') {
            return None;
        }
        i += word + 1;
    }
    let sev = *b.get(i)?;
    if !sev.is_ascii_digit() || b.get(i + 1) != Some(&b'-') {
        return None;
    }
    let id_start = i + 2;
    let id_len = b[id_start..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if id_len == 0 {
        return None;
    }
    let mut end = id_start + id_len;
    if b.get(end) == Some(&b':') {
        end += 1;
    }
    if end < b.len() && b[end] != b' ' {
        return None;
    }
    Some((sev - b'0', &b[id_start..id_start + id_len], end))
}

/// `interface:address/port` (also without interface or port; an IPv6 address keeps its colons:
/// the interface is what precedes the first colon only when that is not part of an address);
/// a `(…)` glued after is dropped. Returns (interface, address, port).
fn asa_endpoint(tok: &str) -> (Option<&str>, &str, Option<&str>) {
    let tok = tok.trim_end_matches([',', ';', '.']);
    let tok = match tok.find('(') {
        Some(p) if p > 0 => &tok[..p],
        _ => tok,
    };
    let (iface, rest) = match tok.split_once(':') {
        Some((i, r)) if !i.is_empty() && i.parse::<IpAddr>().is_err() && !is_hex_group(i) => {
            (Some(i), r)
        }
        _ => (None, tok),
    };
    match rest.rsplit_once('/') {
        Some((a, p)) => (iface, a, Some(p)),
        None => (iface, rest, None),
    }
}

/// A short hex group, as starts an IPv6 address (`2001:db8::1`).
fn is_hex_group(s: &str) -> bool {
    !s.is_empty() && s.len() <= 4 && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// `interface/address(port)` as in 106100.
fn asa_slash_endpoint(tok: &str) -> (Option<&str>, &str, Option<&str>) {
    let (iface, rest) = match tok.split_once('/') {
        Some((i, r)) => (Some(i), r),
        None => (None, tok),
    };
    match rest.split_once('(') {
        Some((a, p)) => (iface, a, Some(p.trim_end_matches(')'))),
        None => (iface, rest, None),
    }
}

/// The word after `marker` in `s`.
fn word_after<'a>(s: &'a str, marker: &str) -> Option<&'a str> {
    let at = s.find(marker)? + marker.len();
    s[at..].split_whitespace().next()
}

/// The text after `marker` up to the first of `ends` (or the end), trimmed.
fn text_after<'a>(s: &'a str, marker: &str, ends: &[char]) -> Option<&'a str> {
    let at = s.find(marker)? + marker.len();
    let rest = &s[at..];
    let end = rest.find(ends).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// `"quoted"` after `marker`.
fn quoted_after<'a>(s: &'a str, marker: &str) -> Option<&'a str> {
    let at = s.find(marker)? + marker.len();
    let rest = s[at..].strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

fn put_endpoint(r: &mut Rec, side: Side, ep: (Option<&str>, &str, Option<&str>)) {
    let (iface, addr, port) = ep;
    if let Some(i) = iface {
        r.vendor(
            match side {
                Side::Src => "src_interface",
                Side::Dst => "dst_interface",
            },
            i,
        );
    }
    r.addr(side, addr);
    if let Some(p) = port {
        if p.bytes().all(|c| c.is_ascii_digit()) {
            r.port(side, p);
        } else if !p.is_empty() {
            r.vendor(
                match side {
                    Side::Src => "src_service",
                    Side::Dst => "dst_service",
                },
                p,
            );
        }
    }
}

/// Cisco ASA and FTD messages. Every one gets `asa_id` (the message number) and `severity`;
/// these also get addresses, ports, protocol, action and user as the Cisco syslog reference
/// describes them:
///
/// - 106001, 106006, 106007, 106015, 710003 (`… from A/p to [if:]B/p …`), 106014, 106023
///   (`Deny proto src if:A/p dst if:B/p [by access-group "acl"]`), 106100
///   (`access-list acl permitted|denied|est-allowed proto if/A(p) -> if/B(p)`): the
///   connection and the deny/permit;
/// - 302013/302015 (`Built inbound|outbound TCP|UDP connection …`): `action` `allow`; for an
///   outbound connection the source is the `to` side, as the inside host opened it;
///   302014/302016 (teardown) give `for` as source and `to` as destination, as written;
/// - 305011 (`Built … translation from if:A/p to if:B/p`): source and `nat_src_ip`/`nat_src_port`;
/// - 113004/113005 (AAA success / rejected), 605004/605005 (login denied / permitted),
///   611101/611102 (user authentication succeeded / failed): `user`, the client address and
///   `outcome` (`success`/`failure`).
fn asa(text: &str) -> Option<Rec> {
    let (sev, id, end) = asa_header(text.as_bytes())?;
    let id = std::str::from_utf8(id).ok()?;
    let body = text[end..].trim();
    let mut r = Rec::new(Some("cisco"), "cisco-asa");
    r.service = Some("asa");
    r.set("asa_id", id);
    r.set("severity", sev.to_string());
    match id {
        "106001" | "106006" | "106007" | "106015" | "710003" => {
            let first = body.split_whitespace().next().unwrap_or("");
            let proto = if first.eq_ignore_ascii_case("Deny") || first == "Inbound" {
                // `Deny inbound UDP from …`, `Deny TCP (no connection) …`, `Inbound TCP …`.
                body.split_whitespace()
                    .skip(1)
                    .find(|w| !w.eq_ignore_ascii_case("inbound"))
            } else {
                Some(first)
            };
            if let Some(p) = proto {
                r.protocol(p);
            }
            if let Some(t) = word_after(body, " from ") {
                put_endpoint(&mut r, Side::Src, asa_endpoint(t));
            }
            if let Some(t) = word_after(body, " to ") {
                put_endpoint(&mut r, Side::Dst, asa_endpoint(t));
            }
            let verb = if first == "Deny" { "Deny" } else { "denied" };
            r.action(verb, map_action);
            if let Some(i) = word_after(body, " on interface ") {
                r.vendor("interface", i);
            }
        }
        "106014" | "106023" => {
            let mut words = body.split_whitespace();
            let verb = words.next().unwrap_or("");
            let mut proto = words.next();
            if proto.is_some_and(|w| w == "inbound" || w == "outbound") {
                proto = words.next();
            }
            if proto == Some("protocol") {
                proto = words.next();
            }
            if let Some(p) = proto.filter(|p| *p != "src") {
                r.protocol(p);
            }
            if let Some(t) = word_after(body, " src ") {
                put_endpoint(&mut r, Side::Src, asa_endpoint(t));
            }
            if let Some(t) = word_after(body, " dst ") {
                put_endpoint(&mut r, Side::Dst, asa_endpoint(t));
            }
            r.action(verb, map_action);
            if let Some(acl) = quoted_after(body, "access-group ") {
                r.vendor("access_group", acl);
            }
        }
        "106100" => {
            let mut words = body.split_whitespace();
            if words.next() == Some("access-list") {
                if let Some(acl) = words.next() {
                    r.vendor("access_list", acl);
                }
                let verb = words.next().unwrap_or("");
                if let Some(p) = words.next() {
                    r.protocol(p);
                }
                if let Some(src) = words.next() {
                    put_endpoint(&mut r, Side::Src, asa_slash_endpoint(src));
                }
                if words.next() == Some("->") {
                    if let Some(dst) = words.next() {
                        put_endpoint(&mut r, Side::Dst, asa_slash_endpoint(dst));
                    }
                }
                r.action(verb, map_action);
            }
        }
        "302013" | "302014" | "302015" | "302016" => {
            let mut words = body.split_whitespace();
            let verb = words.next().unwrap_or("");
            let mut next = words.next();
            let direction = next.filter(|w| *w == "inbound" || *w == "outbound");
            if direction.is_some() {
                next = words.next();
            }
            if let Some(p) = next {
                r.protocol(p);
            }
            if let Some(d) = direction {
                r.vendor("direction", d);
            }
            if let Some(c) = word_after(body, " connection ") {
                r.vendor("connection_id", c);
            }
            let first = word_after(body, " for ").map(asa_endpoint);
            let second = body
                .find(" for ")
                .and_then(|at| word_after(&body[at..], " to "))
                .map(asa_endpoint);
            let (src, dst) = if direction == Some("outbound") {
                (second, first)
            } else {
                (first, second)
            };
            if let Some(ep) = src {
                put_endpoint(&mut r, Side::Src, ep);
            }
            if let Some(ep) = dst {
                put_endpoint(&mut r, Side::Dst, ep);
            }
            if verb == "Built" {
                r.set("action", "allow");
            }
            r.set_some("vendor_action", verb);
        }
        "305011" => {
            let mut words = body.split_whitespace();
            let _built = words.next();
            let kind = words.next();
            if let Some(p) = words.next() {
                r.protocol(p);
            }
            if let Some(k) = kind {
                r.vendor("translation", k);
            }
            if let Some(t) = word_after(body, " from ") {
                put_endpoint(&mut r, Side::Src, asa_endpoint(t));
            }
            if let Some(t) = word_after(body, " to ") {
                let (iface, addr, port) = asa_endpoint(t);
                if let Some(i) = iface {
                    r.vendor("nat_interface", i);
                }
                if addr.parse::<IpAddr>().is_ok() {
                    r.set("nat_src_ip", addr);
                }
                if let Some(p) = port.filter(|p| p.parse::<u16>().is_ok()) {
                    r.set("nat_src_port", p);
                }
            }
        }
        "113004" | "113005" => {
            if let Some(u) = text_after(body, "User = ", &[',', ':']) {
                r.user(u);
            }
            if let Some(s) = text_after(body, "server = ", &[',', ' ']) {
                r.vendor("server", s);
            }
            if let Some(ip) = text_after(body, "user IP = ", &[',', ' ']) {
                r.addr(Side::Src, ip);
            }
            r.set(
                "outcome",
                if id == "113004" { "success" } else { "failure" },
            );
        }
        "605004" | "605005" => {
            if let Some(t) = word_after(body, " from ") {
                put_endpoint(&mut r, Side::Src, asa_endpoint(t));
            }
            if let Some(t) = word_after(body, " to ") {
                put_endpoint(&mut r, Side::Dst, asa_endpoint(t));
            }
            if let Some(u) = quoted_after(body, "for user ") {
                r.user(u);
            }
            r.set(
                "outcome",
                if id == "605005" { "success" } else { "failure" },
            );
        }
        "611101" | "611102" => {
            if let Some(ip) = text_after(body, "IP address: ", &[',', ' ']) {
                r.addr(Side::Src, ip);
            }
            if let Some(u) = text_after(body, "Uname: ", &[',']) {
                r.user(u);
            }
            r.set(
                "outcome",
                if id == "611101" { "success" } else { "failure" },
            );
        }
        _ => {}
    }
    Some(r)
}

// =============================================================================================
// Palo Alto PAN-OS

/// `1,2012/10/30 …`: a FUTURE_USE digit then a comma, as PAN-OS CSV records begin.
fn pan_start(b: &[u8]) -> bool {
    b.len() > 2 && b[0].is_ascii_digit() && b[1] == b',' && b[2].is_ascii_digit()
}

/// CSV fields; `"…"` quotes a field (`""` inside is a quote).
fn csv_fields(s: &str) -> Vec<Cow<'_, str>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            let mut v = String::new();
            let mut j = i + 1;
            let mut seg = j;
            loop {
                match b.get(j) {
                    None => {
                        v.push_str(&s[seg..]);
                        break;
                    }
                    Some(b'"') if b.get(j + 1) == Some(&b'"') => {
                        v.push_str(&s[seg..=j]);
                        j += 2;
                        seg = j;
                    }
                    Some(b'"') => {
                        v.push_str(&s[seg..j]);
                        j += 1;
                        break;
                    }
                    Some(_) => j += 1,
                }
            }
            out.push(Cow::Owned(v));
            // Skip to the comma after the closing quote.
            match memchr(b',', &b[j.min(b.len())..]) {
                Some(k) => i = j + k + 1,
                None => break,
            }
        } else {
            match memchr(b',', &b[i..]) {
                Some(k) => {
                    out.push(Cow::Borrowed(&s[i..i + k]));
                    i += k + 1;
                }
                None => {
                    out.push(Cow::Borrowed(&s[i..]));
                    break;
                }
            }
        }
    }
    out
}

/// PAN-OS syslog (the default CSV format) for TRAFFIC and THREAT logs. Columns by the PAN-OS
/// syslog field reference: `receive_time, serial_number, type, subtype, generated_time`,
/// source and destination address, `nat_src_ip, nat_dst_ip, rule, src_user, dst_user,
/// application, virtual_system, src_zone, dst_zone, inbound_interface, outbound_interface,
/// log_action, session_id, repeat_count`, source and destination port, `nat_src_port,
/// nat_dst_port, flags`, protocol, action (`vendor_action`); then for TRAFFIC `bytes,
/// bytes_sent, bytes_received, packets, start_time, elapsed_time, category`, for THREAT
/// `url_filename, threat_id, category, threat_severity, direction`. Later columns (which
/// differ by PAN-OS version) are not named; they stay in `message`.
fn paloalto(text: &str) -> Option<Rec> {
    let f = csv_fields(text.trim_end());
    let kind = f.get(3)?.as_ref();
    if kind != "TRAFFIC" && kind != "THREAT" {
        return None;
    }
    let mut r = Rec::new(Some("paloalto"), "paloalto");
    let col = |i: usize| f.get(i).map_or("", |c| c.as_ref());
    r.addr(Side::Src, col(7));
    r.addr(Side::Dst, col(8));
    r.port(Side::Src, col(24));
    r.port(Side::Dst, col(25));
    r.protocol(col(29));
    r.action(col(30), map_action);
    r.user(col(12));
    const COMMON: &[(usize, &str)] = &[
        (1, "receive_time"),
        (2, "serial_number"),
        (3, "type"),
        (4, "subtype"),
        (6, "generated_time"),
        (9, "nat_src_ip"),
        (10, "nat_dst_ip"),
        (11, "rule"),
        (12, "src_user"),
        (13, "dst_user"),
        (14, "application"),
        (15, "virtual_system"),
        (16, "src_zone"),
        (17, "dst_zone"),
        (18, "inbound_interface"),
        (19, "outbound_interface"),
        (20, "log_action"),
        (22, "session_id"),
        (23, "repeat_count"),
        (26, "nat_src_port"),
        (27, "nat_dst_port"),
        (28, "flags"),
    ];
    const TRAFFIC: &[(usize, &str)] = &[
        (31, "bytes"),
        (32, "bytes_sent"),
        (33, "bytes_received"),
        (34, "packets"),
        (35, "start_time"),
        (36, "elapsed_time"),
        (37, "category"),
    ];
    const THREAT: &[(usize, &str)] = &[
        (31, "url_filename"),
        (32, "threat_id"),
        (33, "category"),
        (34, "threat_severity"),
        (35, "direction"),
    ];
    let extra = if kind == "TRAFFIC" { TRAFFIC } else { THREAT };
    for (i, name) in COMMON.iter().chain(extra) {
        if let Some(v) = f.get(*i) {
            r.vendor(*name, v.as_ref());
        }
    }
    Some(r)
}

// =============================================================================================
// MikroTik RouterOS

/// RouterOS topics such as `firewall,info` as the first word.
fn is_topics(w: &str) -> bool {
    w.contains(',')
        && w.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b',' || c == b'!')
}

/// Splits on `", "` outside parentheses.
fn split_parts(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth <= 0 && b.get(i + 1) == Some(&b' ') => {
                out.push(&s[start..i]);
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&s[start.min(s.len())..]);
    out
}

/// `address[:port]`, `[v6]:port`, or a bare IPv6 address.
fn mikrotik_endpoint(s: &str) -> (&str, Option<&str>) {
    if let Some(rest) = s.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((a, p)) => (a, p.strip_prefix(':')),
            None => (rest, None),
        };
    }
    match s.bytes().filter(|c| *c == b':').count() {
        1 => s.split_once(':').map_or((s, None), |(a, p)| (a, Some(p))),
        _ => (s, None),
    }
}

/// A RouterOS firewall rule's log line: `[topics ][prefix ]chain: in:IF out:IF,
/// [connection-state:S ][src-mac M, ]proto P[ (flags)], A[:p]->B[:q][, NAT …], len N`. Fields:
/// `topics`, `log_prefix`, `chain`, `in_interface`, `out_interface`, `connection_state`,
/// `src_mac`, protocol, `tcp_flags` (or `icmp_type`/`icmp_code`), addresses and ports, `nat`
/// (as written), `length`. RouterOS does not log the rule's action, so there is no `action`.
fn mikrotik(topics: Option<&str>, msg: &str) -> Option<Rec> {
    let at = memmem::find(msg.as_bytes(), b": in:")?;
    let after = &msg[at + 5..];
    let out_at = after.find(" out:")?;
    let mut head = msg[..at].trim();
    let mut topics = topics;
    if topics.is_none() {
        if let Some((w, rest)) = head.split_once(' ') {
            if is_topics(w) {
                topics = Some(w);
                head = rest.trim_start();
            }
        } else if is_topics(head) {
            return None;
        }
    }
    let (prefix, chain) = match head.rsplit_once(' ') {
        Some((p, c)) => (p.trim(), c),
        None => ("", head),
    };
    if chain.is_empty() || chain.contains([',', '=', ':']) {
        return None;
    }
    let rest = &after[out_at + 5..];
    // Without `firewall` topics, insist on the packet description.
    if !topics.is_some_and(|t| t.contains("firewall"))
        && memmem::find(rest.as_bytes(), b"proto ").is_none()
    {
        return None;
    }
    let mut r = Rec::new(Some("mikrotik"), "mikrotik");
    if let Some(t) = topics {
        r.vendor("topics", t);
    }
    if !prefix.is_empty() {
        r.vendor("log_prefix", prefix);
    }
    r.vendor("chain", chain);
    r.vendor("in_interface", &after[..out_at]);
    let mut parts = split_parts(rest).into_iter();
    if let Some(out_if) = parts.next() {
        r.vendor("out_interface", out_if);
    }
    for part in parts {
        let mut part = part.trim();
        if let Some(st) = part.strip_prefix("connection-state:") {
            let (state, more) = st.split_once(' ').unwrap_or((st, ""));
            r.vendor("connection_state", state);
            part = more.trim();
        }
        if let Some(mac) = part.strip_prefix("src-mac ") {
            r.vendor("src_mac", mac);
        } else if let Some(p) = part.strip_prefix("proto ") {
            let (name, detail) = match p.split_once(" (") {
                Some((n, d)) => (n, Some(d.trim_end_matches(')'))),
                None => (p, None),
            };
            r.protocol(name);
            if let Some(d) = detail {
                if name.eq_ignore_ascii_case("tcp") {
                    r.vendor("tcp_flags", d);
                } else if let Some((t, c)) = d.split_once(", ") {
                    if let Some(t) = t.strip_prefix("type ") {
                        r.vendor("icmp_type", t);
                    }
                    if let Some(c) = c.strip_prefix("code ") {
                        r.vendor("icmp_code", c);
                    }
                }
            }
        } else if let Some(len) = part.strip_prefix("len ") {
            r.vendor("length", len);
        } else if part.starts_with("NAT ") {
            r.vendor("nat", part);
        } else if let Some((a, b)) = part.split_once("->") {
            let (sa, sp) = mikrotik_endpoint(a);
            let (da, dp) = mikrotik_endpoint(b);
            r.addr(Side::Src, sa);
            if let Some(p) = sp {
                r.port(Side::Src, p);
            }
            r.addr(Side::Dst, da);
            if let Some(p) = dp {
                r.port(Side::Dst, p);
            }
        }
    }
    Some(r)
}

// =============================================================================================
// CEF

/// Splits a header at unescaped `|` into at most `n` fields plus the rest; `\|` and `\\` are
/// decoded in the fields. `None` when there are fewer than `n` separators.
fn header_fields(s: &str, n: usize) -> Option<(Vec<String>, &str)> {
    let b = s.as_bytes();
    let mut fields = Vec::with_capacity(n);
    let mut cur = String::new();
    let mut seg = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if matches!(b.get(i + 1), Some(b'|' | b'\\')) => {
                cur.push_str(&s[seg..i]);
                cur.push(b[i + 1] as char);
                i += 2;
                seg = i;
            }
            b'|' => {
                cur.push_str(&s[seg..i]);
                fields.push(std::mem::take(&mut cur));
                i += 1;
                seg = i;
                if fields.len() == n {
                    return Some((fields, &s[i..]));
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Decodes the CEF extension escapes `\\`, `\=`, `\n`, `\r`; any other backslash is kept as
/// written (the ArcSight spec defines no other escape in the extension, e.g. `\|`).
fn cef_unescape(v: &str) -> Cow<'_, str> {
    if !v.contains('\\') {
        return Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut peek = chars.clone();
        match peek.next() {
            Some('\\') => out.push('\\'),
            Some('=') => out.push('='),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars = peek;
    }
    Cow::Owned(out)
}

fn is_cef_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'[' | b']')
}

/// CEF extension pairs: a key is a word preceded by a space (or the start) and followed by an
/// unescaped `=`; its value runs to the space before the next key. The last value loses trailing
/// white space.
fn cef_extension(ext: &str) -> Vec<(&str, Cow<'_, str>)> {
    let b = ext.as_bytes();
    let mut keys: Vec<(usize, usize)> = Vec::new();
    let mut escaped = false;
    for (i, &c) in b.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            b'\\' => escaped = true,
            b'=' => {
                let mut s = i;
                while s > 0 && is_cef_key_byte(b[s - 1]) {
                    s -= 1;
                }
                if s < i && (s == 0 || b[s - 1] == b' ') {
                    keys.push((s, i));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(keys.len());
    for (n, &(ks, eq)) in keys.iter().enumerate() {
        let raw = match keys.get(n + 1) {
            Some(&(next, _)) => &ext[eq + 1..(next - 1).max(eq + 1)],
            None => ext[eq + 1..].trim_end(),
        };
        out.push((&ext[ks..eq], cef_unescape(raw)));
    }
    out
}

/// `CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension`.
/// The header becomes `cef_version`, `device_vendor`, `device_product`, `device_version`,
/// `signature_id`, `name`, `cef_severity`; extension keys keep their names (values decoded).
/// Normalised from the extension: `src`/`sourceAddress`, `dst`/`destinationAddress`,
/// `spt`/`sourcePort`, `dpt`/`destinationPort`, `proto`/`transportProtocol`,
/// `act`/`deviceAction`, `suser`/`sourceUserName` (else `duser`/`destinationUserName`),
/// `dvchost`/`deviceHostName` as `host`.
fn cef(text: &str) -> Option<Rec> {
    let rest = text.strip_prefix("CEF:")?;
    let (h, ext) = header_fields(rest, 7)?;
    let version = h[0].trim();
    if version.is_empty() || !version.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return None;
    }
    let mut r = Rec::new(None, "cef");
    if let Some((p, s)) = known_product(&h[2]) {
        r.product = Some(p);
        r.service = s;
    }
    let pairs = cef_extension(ext);
    let get = |a: &str, b: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == a || *k == b)
            .map_or("", |(_, v)| v.as_ref())
    };
    r.addr(Side::Src, get("src", "sourceAddress"));
    r.port(Side::Src, get("spt", "sourcePort"));
    r.addr(Side::Dst, get("dst", "destinationAddress"));
    r.port(Side::Dst, get("dpt", "destinationPort"));
    r.protocol(get("proto", "transportProtocol"));
    r.action(get("act", "deviceAction"), map_action);
    r.user(get("suser", "sourceUserName"));
    r.user(get("duser", "destinationUserName"));
    r.set_some("host", get("dvchost", "deviceHostName"));
    for (name, v) in [
        "cef_version",
        "device_vendor",
        "device_product",
        "device_version",
        "signature_id",
        "name",
        "cef_severity",
    ]
    .into_iter()
    .zip(&h)
    {
        r.vendor(
            name,
            if name == "cef_version" {
                version
            } else {
                v.as_str()
            },
        );
    }
    for (k, v) in pairs {
        r.vendor(k, v);
    }
    Some(r)
}

// =============================================================================================
// LEEF

/// A LEEF 2.0 delimiter field: one character, or its code as `0x09`/`x09` (1–4 hex digits);
/// empty means tab.
fn leef_delimiter(spec: &str) -> Option<char> {
    if spec.is_empty() {
        return Some('\t');
    }
    let hex = spec
        .strip_prefix("0x")
        .or_else(|| spec.strip_prefix("0X"))
        .or_else(|| spec.strip_prefix('x'))
        .or_else(|| spec.strip_prefix('X'));
    if let Some(h) = hex.filter(|h| (1..=4).contains(&h.len())) {
        return u32::from_str_radix(h, 16).ok().and_then(char::from_u32);
    }
    let mut chars = spec.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// `LEEF:1.0|Vendor|Product|Version|EventID|attributes` (attributes separated by tabs) and
/// `LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|attributes` (the delimiter a character or
/// its hex code, `x09`, `0x5E`; empty or absent means tab). A LEEF 1.0 record whose attributes
/// hold no tab but `|` between them (PAN-OS's LEEF format) is split at `|`. The header becomes
/// `leef_version`, `device_vendor`, `device_product`, `device_version`, `event_id` (and
/// `leef_delimiter` as written); attributes keep their names. Normalised: `src`, `dst`,
/// `srcPort`, `dstPort`, `proto`, `action`, `usrName` (else `accountName`) as `user`.
fn leef(text: &str) -> Option<Rec> {
    let rest = text.strip_prefix("LEEF:")?;
    let (h, attrs) = header_fields(rest, 5)?;
    let version = h[0].trim();
    if version.is_empty() || !version.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return None;
    }
    let mut delimiter = '\t';
    let mut delim_spec = None;
    let mut attrs = attrs;
    if version.starts_with('2') {
        // The delimiter field, unless the attributes follow at once.
        if let Some(bar) = attrs.find('|') {
            let spec = &attrs[..bar];
            if !spec.contains('=') {
                if let Some(d) = leef_delimiter(spec) {
                    delimiter = d;
                    delim_spec = Some(spec);
                    attrs = &attrs[bar + 1..];
                }
            }
        }
    } else if !attrs.contains('\t') && attrs.contains('|') {
        delimiter = '|';
    }
    let attrs = attrs.trim_end_matches(['\r', '\n']);
    let pairs: Vec<(&str, &str)> = attrs
        .split(delimiter)
        .filter_map(|seg| {
            let (k, v) = seg.split_once('=')?;
            let k = k.trim();
            (!k.is_empty()).then_some((k, v))
        })
        .collect();
    let mut r = Rec::new(None, "leef");
    if let Some((p, s)) = known_product(&h[2]) {
        r.product = Some(p);
        r.service = s;
    }
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, v)| *v)
    };
    r.addr(Side::Src, get("src"));
    r.port(Side::Src, get("srcPort"));
    r.addr(Side::Dst, get("dst"));
    r.port(Side::Dst, get("dstPort"));
    r.protocol(get("proto"));
    r.action(get("action"), map_action);
    r.user(get("usrName"));
    r.user(get("accountName"));
    for (name, v) in [
        "leef_version",
        "device_vendor",
        "device_product",
        "device_version",
        "event_id",
    ]
    .into_iter()
    .zip(&h)
    {
        r.vendor(
            name,
            if name == "leef_version" {
                version
            } else {
                v.as_str()
            },
        );
    }
    if let Some(d) = delim_spec {
        r.vendor("leef_delimiter", d);
    }
    for (k, v) in pairs {
        r.vendor(k, v);
    }
    Some(r)
}

#[cfg(test)]
mod tests;
