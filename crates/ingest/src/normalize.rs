//! Log records as Sigma sees them: a log source (`product`, `service`, `category`) and flat
//! `(field, value)` pairs named as Sigma rules name them.
//!
//! # Log sources
//!
//! Each record gets the *most specific* log source; a Sigma rule applies when its
//! `product`/`service`/`category` are each absent from the rule or listed by
//! [`services_for`]`(record.service)` / [`category_aliases`]`(record.category)`:
//!
//! - Linux syslog ([`from_syslog`]): product `linux`; service from the app name: `sshd`,
//!   `sudo`, `su`, `cron`, `auditd`, `vsftpd`, `clamav`, `guacamole` (and `apache`/`nginx` for
//!   their error logs); other authentication programs (`login`, `passwd`, `useradd`, polkit, …),
//!   PAM messages from any program, and unknown programs logging to facility auth/authpriv are
//!   service `auth`; everything else is `syslog`. Because SigmaHQ's `service: auth` rules are
//!   written for `/var/log/auth.log`, which also holds sshd, sudo and su lines,
//!   `services_for("sshd")` is `["sshd", "auth"]` (likewise sudo and su); and because
//!   `/var/log/syslog` holds cron, vsftpd, clamav and guacamole lines,
//!   `services_for("cron")` is `["cron", "syslog"]`.
//! - Web access logs ([`web_access`]): category `webserver`, no product or service.
//! - Windows events ([`windows_flatten`]): product `windows`, service from the channel as in
//!   pySigma's `windows_logsource_mapping` and SigmaHQ's `tests/thor.yml` (the configuration its
//!   regression tests run with), category from the channel and EventID as in
//!   `pySigma-pipeline-sysmon`, `pySigma-pipeline-windows` and `thor.yml`. Sysmon 12 is
//!   `registry_add` or, when EventType is `Delete…`, `registry_delete`; all registry categories
//!   also match `registry_event` through [`category_aliases`], Sysmon 26 (`file_delete_detected`)
//!   also matches `file_delete` (pySigma maps `file_delete` to 23 and 26), and 24
//!   (`clipboard_capture`) also matches thor's `clipboard_change`. Windows PowerShell 400, 600
//!   and 800 are `ps_classic_start`, `ps_classic_provider_start` and `ps_classic_script` as in
//!   pySigma and thor.yml. Defender detections (1006–1012, 1017–1019, 1115, 1116) are category
//!   `antivirus` (thor.yml).
//!
//! # Fields
//!
//! - Multi-valued data (JSON arrays, repeated unnamed `<Data>` elements) becomes the same field
//!   name once per value, in order, so "any value matches" — what Sigma backends do for list
//!   fields — is a plain scan, and `Data|contains` rules for PowerShell classic events see each
//!   `<Data>` separately rather than one joined string.
//! - Renames keep the original: the renamed copy is added after it, never replacing it.
//! - Numbers are their decimal text; booleans `true`/`false`.

use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::syslog::SyslogMessage;

mod firewall;
pub use firewall::{firewall_from_syslog, firewall_line, FIREWALL_CATEGORY};

/// A record as Sigma sees it. See the module documentation for how the log source is chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    pub product: Option<&'static str>,
    pub service: Option<&'static str>,
    pub category: Option<&'static str>,
    /// `(field, value)` in record order; a name repeats for each value of a multi-valued field.
    pub fields: Vec<(String, String)>,
    /// The shape it arrived in, as a short stable label (`syslog`, `winlogbeat`, `fortigate`,
    /// …; see [`crate::event::FORMATS`]); empty until a reader sets it.
    pub format: &'static str,
}

impl Normalized {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields.push((name.into(), value.into()));
    }

    /// Adds `to` with every value of `from`, unless the record already has `to`.
    fn alias(&mut self, from: &str, to: &str) {
        if self.has(to) {
            return;
        }
        let values: Vec<String> = self.get_all(from).map(str::to_owned).collect();
        for v in values {
            self.push(to, v);
        }
    }
}

// =============================================================================================
// Log source tables

/// Every service this module produces with the Sigma services its events should also be
/// matched against (the first entry is the service itself).
const SERVICES: &[&[&str]] = &[
    // Linux
    &["sshd", "auth"],
    &["sudo", "auth"],
    &["su", "auth"],
    &["auth"],
    &["cron", "syslog"],
    &["vsftpd", "syslog"],
    &["clamav", "syslog"],
    &["guacamole", "syslog"],
    &["syslog"],
    &["auditd"],
    &["apache"],
    &["nginx"],
    // FortiGate log types
    &["event"],
    &["traffic"],
    &["utm"],
    // Windows (pySigma's windows_logsource_mapping and SigmaHQ tests/thor.yml)
    &["security"],
    &["system"],
    &["application"],
    &["sysmon"],
    &["powershell"],
    &["powershell-classic"],
    &["taskscheduler"],
    &["wmi"],
    &["dns-server"],
    &["dns-server-audit"],
    &["dns-server-analytic"],
    &["dns-client"],
    &["driver-framework"],
    &["ntlm"],
    &["dhcp"],
    &["msexchange-management"],
    &["applocker"],
    &["printservice-admin"],
    &["printservice-operational"],
    &["codeintegrity-operational"],
    &["smbclient-security"],
    &["smbclient-connectivity"],
    &["smbserver-connectivity"],
    &["firewall-as"],
    &["bits-client"],
    &["windefend"],
    &["terminalservices-localsessionmanager"],
    // SigmaHQ rules say microsoft-servicebus-client, thor.yml says servicebus-client.
    &["microsoft-servicebus-client", "servicebus-client"],
    // pySigma says ldap_debug, SigmaHQ rules and thor.yml say ldap.
    &["ldap_debug", "ldap"],
    &["security-mitigations"],
    &["diagnosis-scripted"],
    &["shell-core"],
    &["openssh"],
    &["bitlocker"],
    &["vhdmp"],
    &["appxdeployment-server"],
    &["lsa-server"],
    &["appxpackaging-om"],
    &["appmodel-runtime"],
    &["capi2"],
    &["certificateservicesclient-lifecycle-system"],
    &["kernel-shimengine"],
    &["kernel-event-tracing"],
    &["application-experience"],
    &["ntfs"],
    &["hyper-v-worker"],
    &["sense"],
    &["iis-configuration"],
    &["dfsn-server"],
    // Network devices (see the firewall submodule): Cisco ASA/FTD, as SigmaHQ names it.
    &["asa"],
];

/// The Sigma services a record of `service` should be matched against: the service itself,
/// then the wider ones that include it, e.g. `sshd` → `["sshd", "auth"]`. Every service this
/// module produces is listed; an unknown name gives an empty slice.
pub fn services_for(service: &str) -> &'static [&'static str] {
    SERVICES
        .iter()
        .find(|s| s.first().is_some_and(|f| *f == service))
        .copied()
        .unwrap_or(&[])
}

const CATEGORIES: &[&[&str]] = &[
    &["process_creation"],
    &["file_change"],
    &["network_connection"],
    &["sysmon_status"],
    &["process_termination"],
    &["driver_load"],
    &["image_load"],
    &["create_remote_thread"],
    &["raw_access_thread"],
    &["process_access"],
    &["file_event"],
    &["registry_add", "registry_event"],
    &["registry_delete", "registry_event"],
    &["registry_set", "registry_event"],
    &["registry_rename", "registry_event"],
    &["create_stream_hash"],
    &["pipe_created"],
    &["wmi_event"],
    &["dns_query"],
    &["file_delete"],
    &["clipboard_capture", "clipboard_change"],
    &["process_tampering"],
    &["file_delete_detected", "file_delete"],
    &["file_block_executable"],
    &["file_block_shredding"],
    &["file_executable_detected"],
    &["sysmon_error"],
    &["ps_module"],
    &["ps_script"],
    &["ps_classic_start"],
    &["ps_classic_provider_start"],
    &["ps_classic_script"],
    &["antivirus"],
    &["webserver"],
    &["firewall"],
];

/// The Sigma categories a record of `cat` should be matched against: the category itself, then
/// the generic ones that include it, e.g. `registry_set` → `["registry_set", "registry_event"]`.
/// Every category this module produces is listed; an unknown name gives an empty slice.
pub fn category_aliases(cat: &str) -> &'static [&'static str] {
    CATEGORIES
        .iter()
        .find(|s| s.first().is_some_and(|f| *f == cat))
        .copied()
        .unwrap_or(&[])
}

// =============================================================================================
// Syslog

/// Programs whose messages are authentication events (they log to auth/authpriv).
const AUTH_APPS: &[&str] = &[
    "login",
    "pam",
    "passwd",
    "chpasswd",
    "chage",
    "useradd",
    "userdel",
    "usermod",
    "groupadd",
    "groupdel",
    "groupmod",
    "gpasswd",
    "newgrp",
    "chsh",
    "chfn",
    "unix_chkpwd",
    "polkitd",
    "polkit-agent-helper-1",
    "pkexec",
    "systemd-logind",
    "gdm-password",
    "gdm",
    "lightdm",
    "sddm",
    "xrdp-sesman",
    "runuser",
    "doas",
    "dropbear",
    "faillock",
    "pam_tally2",
];

/// Turns a syslog message into Sigma fields: always `host`, `app`, `pid` and `message` (the
/// empty string when the message has none), `msg_id` and `SD-ID.PARAM` for RFC 5424 extras,
/// and what the message itself says for the services listed in the module documentation:
///
/// - sshd: `user`, `src_ip` (or `src_host` when sshd logged a name), `src_port`,
///   `auth_method`, `outcome` (`failure`/`success`) from `Failed …`, `Accepted …` and
///   `Invalid user …` — robust to user names and key comments that themselves contain
///   `from … port …` (the fail2ban injection cases);
/// - PAM (any program): `outcome`, `user`, `ruser`, `rhost`, `tty`, `uid`, `euid`, and
///   `src_ip` when `rhost` is an address;
/// - sudo: `user` (who ran sudo), `TTY`, `PWD`, `USER`, `COMMAND`, `outcome`;
/// - su: `user`, `target_user`, `outcome`; cron: `user`, `command`;
/// - auditd (including `kernel: audit: …` and audisp): every `key=value` of the record with
///   quotes removed and hex-encoded values decoded (see [`auditd_record`]).
pub fn from_syslog(m: &SyslogMessage) -> Normalized {
    let mut n = Normalized {
        product: Some("linux"),
        ..Normalized::default()
    };
    let app = m.app_name.as_deref().unwrap_or("");
    n.push("host", m.hostname.as_deref().unwrap_or(""));
    n.push("app", app);
    n.push("pid", m.proc_id.as_deref().unwrap_or(""));
    n.push("message", m.message.as_str());
    if let Some(id) = &m.msg_id {
        n.push("msg_id", id.as_str());
    }
    for (id, params) in &m.structured_data {
        for (k, v) in params {
            n.push(format!("{id}.{k}"), v.as_str());
        }
    }

    // A firewall or network device (FortiGate, pfSense, Cisco ASA, Palo Alto, MikroTik, Sophos,
    // CEF, LEEF): category `firewall`.
    if let Some(f) = firewall_from_syslog(m) {
        return fortigate_service(f);
    }
    let msg = m.message.as_str();
    // A web server's access line (nginx `access_log syslog:…`, Apache piped to `logger`, or any
    // program whose message is an access line) is a web request, whatever the program is called.
    if looks_like_access_line(msg) {
        if let Some(mut w) = web_access(msg) {
            w.fields
                .splice(0..0, n.fields.drain(..3).filter(|(k, _)| k != "message"));
            w.format = "web-access-syslog";
            return w;
        }
    }
    // A Windows event forwarded as syslog with its data as RFC 5424 structured data (NXLog's
    // `to_syslog_ietf`, rsyslog's imfile/omfwd of a JSON body) or as a JSON body.
    if let Some(w) = windows_in_syslog(m, &n) {
        return w;
    }
    // `sshd(pam_unix)` (old Red Hat), `/usr/sbin/cron`, `CRON`: compare the program's base name.
    let base = app.split('(').next().unwrap_or("");
    let base = base.rsplit('/').next().unwrap_or(base).to_ascii_lowercase();
    let pam = is_pam_message(app, msg);
    if pam {
        parse_pam(msg, &mut n);
    }
    let auth_facility = matches!(m.facility, Some(4 | 10));

    let service = match base.as_str() {
        "sshd" | "sshd-session" | "sshd-auth" => {
            parse_sshd(msg, &mut n);
            "sshd"
        }
        "sudo" => {
            if !pam {
                parse_sudo(msg, &mut n);
            }
            "sudo"
        }
        "su" => {
            if !pam {
                parse_su(msg, &mut n);
            }
            "su"
        }
        "cron" | "crond" | "anacron" => {
            if !pam {
                parse_cron(msg, &mut n);
            }
            "cron"
        }
        "auditd" | "audit" | "audispd" | "audisp" | "audisp-syslog" | "audisp-remote" => {
            audit_fields(msg, &mut n);
            "auditd"
        }
        "kernel" if kernel_audit(msg).is_some() => {
            audit_fields(kernel_audit(msg).unwrap_or(""), &mut n);
            "auditd"
        }
        _ if pam => "auth",
        a if AUTH_APPS.contains(&a) => "auth",
        "vsftpd" => "vsftpd",
        "clamd" | "clamav" | "freshclam" | "clamscan" | "clamonacc" => "clamav",
        "guacd" | "guacamole" => "guacamole",
        "apache" | "apache2" | "httpd" => {
            web_error_fields(msg, &mut n);
            "apache"
        }
        "nginx" => {
            web_error_fields(msg, &mut n);
            "nginx"
        }
        a if a.starts_with("mswineventlog") || a.starts_with("microsoft-windows-") => {
            // A Windows event forwarded as syslog (NXLog, Snare): not a Linux record.
            n.product = Some("windows");
            return n;
        }
        _ if auth_facility => "auth",
        _ => "syslog",
    };
    n.service = Some(service);
    n
}

/// A cheap test before the access-line parser: an address or name, a space, `-` or an ident,
/// then ` - ` or a user and ` [`.
fn looks_like_access_line(msg: &str) -> bool {
    let b = msg.as_bytes();
    let Some(first) = b.first() else {
        return false;
    };
    (first.is_ascii_hexdigit() || *first == b':' || first.is_ascii_alphabetic())
        && memchr::memmem::find(b, b" [").is_some()
        && memchr::memmem::find(b, b"] \"").is_some()
}

/// Adds what a web server's error line says (see [`web_error`]) to a syslog record.
fn web_error_fields(msg: &str, n: &mut Normalized) {
    if let Some((w, _)) = web_error(msg) {
        for (k, v) in w.fields {
            if k != "message" {
                n.fields.push((k, v));
            }
        }
        n.format = w.format;
    }
}

/// A Windows event inside a syslog message: structured data holding `EventID` and `Channel`,
/// or a message that is a JSON object with them. The syslog header's fields come first.
fn windows_in_syslog(m: &SyslogMessage, header: &Normalized) -> Option<Normalized> {
    let sd_event = m.structured_data.iter().find(|(_, params)| {
        params.iter().any(|(k, _)| k == "EventID") && params.iter().any(|(k, _)| k == "Channel")
    });
    if let Some((_, params)) = sd_event {
        let mut n = Normalized {
            fields: header.fields.clone(),
            format: "syslog-windows",
            ..Normalized::default()
        };
        let from = n.fields.len();
        for (k, v) in params {
            n.push(k.as_str(), v.as_str());
        }
        add_spaceless_names(&mut n, from);
        classify_windows(&mut n);
        return Some(n);
    }
    let body = m.message.trim_start();
    if body.starts_with('{') && body.contains("\"EventID\"") {
        let v: Value = serde_json::from_str(body.trim_end()).ok()?;
        let obj = v.as_object()?;
        let mut w = json_object(obj);
        if w.product == Some("windows") {
            let mut fields = header.fields.clone();
            fields.retain(|(k, _)| k != "message");
            fields.append(&mut w.fields);
            w.fields = fields;
            w.format = "syslog-windows";
            return Some(w);
        }
    }
    None
}

/// What every firewall record gets beyond its parser's fields: `blocked` (`true`/`false`) from
/// the normalised `action`, which SigmaHQ's firewall rules test where devices' words differ
/// (`net_firewall_cleartext_protocols`: `action: accept` *or* `blocked: "false"`); and for
/// FortiGate the log's kind (`type`: `traffic`, `event`, `utm`) as the service, since SigmaHQ's
/// FortiGate rules select `product: fortigate, service: event`.
pub fn fortigate_service(mut n: Normalized) -> Normalized {
    if !n.has("blocked") {
        let blocked = match n.get("action") {
            Some("allow") => Some("false"),
            Some("deny" | "drop" | "reset") => Some("true"),
            _ => None,
        };
        if let Some(b) = blocked {
            n.push("blocked", b);
        }
    }
    if n.product == Some("fortigate") && n.service.is_none() {
        n.service = match n.get("type") {
            Some("event") => Some("event"),
            Some("traffic") => Some("traffic"),
            Some("utm") => Some("utm"),
            _ => None,
        };
    }
    n
}

fn is_pam_message(app: &str, msg: &str) -> bool {
    app.contains("(pam_unix)")
        || msg.starts_with("pam_")
        || msg.starts_with("(pam_unix)")
        || msg.starts_with("PAM ")
}

/// The audit record inside a kernel message: `audit: type=1400 audit(…): …`, possibly after a
/// `[ 12.345678]` uptime stamp.
fn kernel_audit(msg: &str) -> Option<&str> {
    let m = msg.trim_start();
    let m = match m.strip_prefix('[') {
        Some(r) => r.split_once(']').map_or(m, |(_, rest)| rest.trim_start()),
        None => m,
    };
    m.strip_prefix("audit: ").filter(|r| r.contains('='))
}

/// The message with syslog's `message repeated N times: [ … ]` and Solaris'
/// `[ID 800047 auth.info] ` wrappers removed.
fn unwrap_message(msg: &str) -> &str {
    let mut m = msg;
    if let Some(rest) = m.strip_prefix("message repeated ") {
        if let Some((_, inner)) = rest.split_once(" times: [") {
            m = inner
                .trim_start()
                .strip_suffix(']')
                .unwrap_or(inner)
                .trim_end();
        }
    }
    if let Some(rest) = m.strip_prefix("[ID ") {
        if let Some((_, after)) = rest.split_once("] ") {
            m = after;
        }
    }
    m
}

fn set_source(n: &mut Normalized, addr: &str) {
    if addr.parse::<IpAddr>().is_ok() {
        n.push("src_ip", addr);
    } else if !addr.is_empty() {
        n.push("src_host", addr);
    }
}

fn parse_sshd(msg: &str, n: &mut Normalized) {
    let m = unwrap_message(msg);
    let (outcome, rest) = if let Some(r) = m.strip_prefix("Failed ") {
        ("failure", r)
    } else if let Some(r) = m.strip_prefix("Accepted ") {
        ("success", r)
    } else if let Some(r) = m.strip_prefix("Invalid user ") {
        if let Some((user, addr, port)) = split_from(r) {
            n.push("user", user);
            set_source(n, addr);
            if let Some(p) = port {
                n.push("src_port", p);
            }
            n.push("outcome", "failure");
        }
        return;
    } else {
        return;
    };
    let Some((method, rest)) = rest.split_once(" for ") else {
        return;
    };
    let rest = rest.strip_prefix("invalid user ").unwrap_or(rest);
    let Some((user, addr, port)) = split_from(rest) else {
        return;
    };
    n.push("user", user);
    set_source(n, addr);
    if let Some(p) = port {
        n.push("src_port", p);
    }
    n.push("auth_method", method);
    n.push("outcome", outcome);
}

/// Splits `USER from ADDR[ port N][ sshN][: info]` into user, address and port.
///
/// OpenSSH prints the user name and the trailing info verbatim, so either may contain
/// `from 10.0.0.1 port 22 ssh2`. The real `from` is the first one followed by exactly
/// `ADDR[ port N][ sshN][ [preauth]]` and then the end of the message or `:` — so text injected
/// into the user name is skipped (it is followed by more text) and text injected into the info
/// comes after the real one.
fn split_from(s: &str) -> Option<(&str, &str, Option<&str>)> {
    let mut search = 0;
    while let Some(i) = s.get(search..).and_then(|t| t.find(" from ")) {
        let at = search + i;
        search = at + 1;
        let after = &s[at + 6..];
        let addr_end = after.find([' ', ':']).map_or(after.len(), |e| {
            // An IPv6 address contains colons: take the whole token up to the space.
            if after[e..].starts_with(':') {
                after.find(' ').map_or(after.len(), |sp| sp)
            } else {
                e
            }
        });
        let mut addr = &after[..addr_end];
        let mut tail = &after[addr_end..];
        // `ADDR:` at the end (IPv4 followed by an info colon) keeps the colon out of the address.
        if addr.parse::<IpAddr>().is_err() {
            if let Some(a) = addr.strip_suffix(':') {
                addr = a;
                tail = &after[addr.len()..];
            }
        }
        if addr.is_empty() {
            continue;
        }
        let mut port = None;
        if let Some(r) = tail.strip_prefix(" port ") {
            let digits = r.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                continue;
            }
            port = Some(&r[..digits]);
            tail = &r[digits..];
        }
        for suffix in [" ssh2", " ssh1", " [preauth]"] {
            if let Some(r) = tail.strip_prefix(suffix) {
                tail = r;
            }
        }
        if tail.is_empty() || tail.starts_with(':') {
            return Some((&s[..at], addr, port));
        }
    }
    None
}

fn parse_pam(msg: &str, n: &mut Normalized) {
    let m = unwrap_message(msg);
    if let Some(i) = m.find("authentication failure") {
        // `authentication failure; logname= …` and `PAM 2 more authentication failures; …`.
        let kv = m[i..].split_once(';').map_or("", |(_, r)| r);
        n.push("outcome", "failure");
        for tok in kv.split_whitespace() {
            let Some((k, v)) = tok.split_once('=') else {
                continue;
            };
            if v.is_empty() {
                continue;
            }
            match k {
                "logname" | "uid" | "euid" | "tty" | "ruser" | "rhost" | "user" => {
                    n.push(k, v);
                    if k == "rhost" && v.parse::<IpAddr>().is_ok() && !n.has("src_ip") {
                        n.push("src_ip", v);
                    }
                }
                _ => {}
            }
        }
    } else if m.contains("check pass; user unknown") {
        n.push("outcome", "failure");
    } else if let Some((_, rest)) = m.split_once("session opened for user ") {
        // `root(uid=0) by alice(uid=1000)` or, older, `root by (uid=0)`.
        let user = rest.split([' ', '(']).next().unwrap_or("");
        if !user.is_empty() && !n.has("user") {
            n.push("user", user);
        }
        n.push("outcome", "success");
    } else if let Some((_, rest)) = m.split_once("session closed for user ") {
        let user = rest.split([' ', '(']).next().unwrap_or("");
        if !user.is_empty() && !n.has("user") {
            n.push("user", user);
        }
    }
}

/// `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id`, possibly with a
/// reason first (`3 incorrect password attempts ; …`, `user NOT in sudoers ; …`).
fn parse_sudo(msg: &str, n: &mut Normalized) {
    let Some((user, rest)) = msg.trim_start().split_once(" : ") else {
        return;
    };
    if user.contains(' ') {
        return;
    }
    n.push("user", user);
    let mut failed = false;
    let mut command = false;
    for seg in rest.split(" ; ") {
        let seg = seg.trim();
        match seg.split_once('=') {
            Some((k, v)) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_uppercase()) => {
                command |= k == "COMMAND";
                n.push(k, v);
            }
            _ => {
                let l = seg.to_ascii_lowercase();
                failed |= l.contains("incorrect password")
                    || l.contains("not in sudoers")
                    || l.contains("not allowed")
                    || l.contains("authentication failure");
            }
        }
    }
    if failed {
        n.push("outcome", "failure");
    } else if command {
        n.push("outcome", "success");
    }
}

/// util-linux `(to root) alice on pts/0`, `FAILED SU (to root) alice on pts/0`; shadow
/// `Successful su for root by alice`, `FAILED su for root by alice`.
fn parse_su(msg: &str, n: &mut Normalized) {
    let m = msg.trim();
    let (failed, m) = match m.strip_prefix("FAILED SU ") {
        Some(r) => (true, r),
        None => (false, m),
    };
    if let Some(r) = m.strip_prefix("(to ") {
        if let Some((target, rest)) = r.split_once(") ") {
            let user = rest.split(' ').next().unwrap_or("");
            n.push("user", user);
            n.push("target_user", target);
            n.push("outcome", if failed { "failure" } else { "success" });
        }
        return;
    }
    for (prefix, outcome) in [
        ("Successful su for ", "success"),
        ("FAILED su for ", "failure"),
    ] {
        if let Some(r) = m.strip_prefix(prefix) {
            if let Some((target, user)) = r.split_once(" by ") {
                n.push("user", user);
                n.push("target_user", target);
                n.push("outcome", outcome);
            }
        }
    }
}

/// `(root) CMD (command)`.
fn parse_cron(msg: &str, n: &mut Normalized) {
    let Some(r) = msg.trim_start().strip_prefix('(') else {
        return;
    };
    let Some((user, rest)) = r.split_once(") ") else {
        return;
    };
    if let Some(cmd) = rest.strip_prefix("CMD (") {
        n.push("user", user);
        n.push("command", cmd.strip_suffix(')').unwrap_or(cmd));
    }
}

// =============================================================================================
// auditd

/// Parses one line of `/var/log/audit/audit.log` (`type=… msg=audit(…): key=value …`, with an
/// optional `node=…` first) into product `linux`, service `auditd` and one field per
/// `key=value`. `None` if the line is not an audit record.
///
/// Values are unquoted; values auditd hex-encodes because they contain spaces or special
/// characters (`exe`, `comm`, `cwd`, `name`, `proctitle`, `cmd`, `data`, and `a0`, `a1`, … of
/// EXECVE records) are decoded, NULs in `proctitle` becoming spaces. The `msg='…'` of user-space
/// records yields both `msg` and each pair inside it. With `log_format=ENRICHED` the
/// interpreted fields after the 0x1D separator (`SYSCALL=execve`, `AUID="root"`, …) are kept
/// under their upper-case names, which is what SigmaHQ's `SYSCALL:` selections use.
pub fn auditd_record(line: &str) -> Option<Normalized> {
    let l = line.trim_end_matches(['\n', '\r']);
    let body = match l.strip_prefix("node=") {
        Some(r) => r.split_once(' ').map_or("", |(_, rest)| rest),
        None => l,
    };
    if !body.starts_with("type=") {
        return None;
    }
    let mut n = Normalized {
        product: Some("linux"),
        service: Some("auditd"),
        ..Normalized::default()
    };
    audit_fields(l, &mut n);
    Some(n)
}

fn audit_fields(msg: &str, n: &mut Normalized) {
    let first = n.fields.len();
    audit_pairs(msg, n);
    let is_execve = n.fields[first..]
        .iter()
        .any(|(k, v)| k == "type" && v.trim_start_matches('\u{1}') == "EXECVE");
    // Second pass: decode hex now that the record type is known.
    for (k, v) in &mut n.fields[first..] {
        let hex_field = matches!(
            k.as_str(),
            "exe" | "comm" | "cwd" | "name" | "proctitle" | "cmd" | "data"
        ) || (is_execve
            && k.len() >= 2
            && k.starts_with('a')
            && k[1..].bytes().all(|b| b.is_ascii_digit()));
        if hex_field && v.starts_with('\u{1}') {
            // Marker set by audit_pairs: the value was unquoted.
            let raw = &v[1..];
            *v = decode_audit_hex(raw, k == "proctitle").unwrap_or_else(|| raw.to_owned());
        } else if let Some(stripped) = v.strip_prefix('\u{1}') {
            *v = stripped.to_owned();
        }
    }
}

/// Splits an audit record into pairs. Unquoted values are stored with a leading U+0001 marker so
/// that `audit_fields` knows which values may be hex (U+0001 cannot occur in a value: auditd
/// hex-encodes control characters).
fn audit_pairs(msg: &str, n: &mut Normalized) {
    let mut rest = msg;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\u{1d}']);
        if rest.is_empty() {
            break;
        }
        let tok_end = rest.find([' ', '\t', '\u{1d}', '=']).unwrap_or(rest.len());
        if !rest[tok_end..].starts_with('=') {
            // A word without `=`, e.g. `audit(1700000000.123:45):` in kernel messages.
            let word = &rest[..tok_end];
            if let Some(stamp) = word.strip_suffix(':').filter(|w| w.starts_with("audit(")) {
                n.push("msg", stamp);
            }
            rest = &rest[tok_end..];
            continue;
        }
        let key = &rest[..tok_end];
        let after = &rest[tok_end + 1..];
        let (value, quoted, next) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                Some(e) => (&after[1..1 + e], Some(q), &after[e + 2..]),
                None => (&after[1..], Some(q), ""),
            },
            _ => {
                let e = after.find([' ', '\t', '\u{1d}']).unwrap_or(after.len());
                (&after[..e], None, &after[e..])
            }
        };
        rest = next;
        if key.is_empty() {
            continue;
        }
        match quoted {
            Some('\'') => {
                // `msg='op=PAM:authentication acct="alice" exe="/usr/sbin/sshd" res=failed'`.
                n.push(key, value);
                audit_pairs(value, n);
            }
            Some(_) => n.push(key, value),
            None => {
                let value = if key == "msg" {
                    value.strip_suffix(':').unwrap_or(value)
                } else {
                    value
                };
                n.push(key, format!("\u{1}{value}"));
            }
        }
    }
}

fn decode_audit_hex(s: &str, nul_to_space: bool) -> Option<String> {
    let pairs = s.as_bytes().chunks_exact(2);
    if s.is_empty() || !pairs.remainder().is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out: Vec<u8> = pairs
        .map(|p| {
            let h = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            (h(p[0]) << 4) | h(p[1])
        })
        .collect();
    if nul_to_space {
        while out.last() == Some(&0) {
            out.pop();
        }
        for b in &mut out {
            if *b == 0 {
                *b = b' ';
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

// =============================================================================================
// Web access logs

struct Clf<'a> {
    host: &'a str,
    user: &'a str,
    date: &'a str,
    request: String,
    status: &'a str,
    bytes: &'a str,
    referer: Option<String>,
    agent: Option<String>,
}

/// Reads a `"…"` field with Apache's escapes (`\"` and `\\`; `\xhh` is left as written).
/// Returns the value and the rest after the closing quote.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => match chars.clone().next() {
                Some((_, e @ ('"' | '\\'))) => {
                    out.push(e);
                    chars.next();
                }
                _ => out.push('\\'),
            },
            _ => out.push(c),
        }
    }
    None
}

fn word(s: &str) -> Option<(&str, &str)> {
    let (w, rest) = s.split_once(' ').unwrap_or((s, ""));
    (!w.is_empty()).then_some((w, rest))
}

fn parse_clf(line: &str) -> Option<Clf<'_>> {
    let line = line.trim_end_matches(['\n', '\r']);
    let (host, rest) = word(line)?;
    let (_ident, rest) = word(rest)?;
    let (user, rest) = word(rest)?;
    let rest = rest.strip_prefix('[')?;
    let (date, rest) = rest.split_once(']')?;
    clf_time_ms(date)?;
    let rest = rest.strip_prefix(' ')?;
    let (request, rest) = quoted(rest)?;
    let rest = rest.strip_prefix(' ')?;
    let (status, rest) = word(rest)?;
    if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (bytes, rest) = word(rest)?;
    if bytes != "-" && !bytes.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (referer, agent) = match quoted(rest.trim_start()) {
        Some((r, after)) => (Some(r), quoted(after.trim_start()).map(|(a, _)| a)),
        None => (None, None),
    };
    Some(Clf {
        host,
        user,
        date,
        request,
        status,
        bytes,
        referer,
        agent,
    })
}

/// `25/Nov/2026:02:00:00 +0700` to Unix ms.
fn clf_time_ms(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let day = crate::time::digits(b, 0, 2)?;
    let month = crate::time::month_number(&b[3..6])?;
    let year = i32::try_from(crate::time::digits(b, 7, 4)?).ok()?;
    let hour = crate::time::digits(b, 12, 2)?;
    let minute = crate::time::digits(b, 15, 2)?;
    let second = crate::time::digits(b, 18, 2)?;
    if b[14] != b':' || b[17] != b':' {
        return None;
    }
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let oh = crate::time::digits(b, 22, 2)?;
    let om = crate::time::digits(b, 24, 2)?;
    if oh > 23 || om > 59 {
        return None;
    }
    let offset = sign * i32::try_from(oh * 3600 + om * 60).ok()?;
    let clock = crate::time::Clock {
        hour,
        minute,
        second,
        milli: 0,
    };
    crate::time::to_unix_ms(year, month, day, clock, offset)
}

/// Reads an Apache/Nginx access log line in common or combined format
/// (`IP - user [25/Nov/2026:02:00:00 +0700] "GET /path?q=1 HTTP/1.1" 200 123 "referer" "ua"`,
/// extra trailing fields ignored) into category `webserver` with Sigma's web field names:
/// `c-ip`, `cs-username`, `cs-method`, `cs-uri-stem`, `cs-uri-query` (after the first `?`,
/// only when there is one), `cs-version`, `sc-status`, `sc-bytes`, `cs-referer`,
/// `cs-user-agent` (combined format only), `date` (as written), and `message`, the whole line,
/// for Sigma's keyword searches (SigmaHQ's webserver keyword rules match text such as `=whoami`
/// that spans the path and the query). Values are as logged (`-` included); a request line
/// that is not `METHOD TARGET [VERSION]` (e.g. `-` or TLS bytes sent to a plain port) gives no
/// method, URI or version fields. `None` if the line is not in this format.
pub fn web_access(line: &str) -> Option<Normalized> {
    let c = parse_clf(line)?;
    let mut n = Normalized {
        category: Some("webserver"),
        ..Normalized::default()
    };
    n.push("c-ip", c.host);
    n.push("cs-username", c.user);
    let parts: Vec<&str> = c.request.split(' ').collect();
    let (method, target, version) = match parts.as_slice() {
        [m, t] => (Some(*m), Some(t.to_string()), None),
        [m, mid @ .., v] if !mid.is_empty() && v.starts_with("HTTP/") => {
            (Some(*m), Some(mid.join(" ")), Some(*v))
        }
        _ => (None, None, None),
    };
    if let (Some(m), Some(t)) = (method, target) {
        n.push("cs-method", m);
        match t.split_once('?') {
            Some((stem, q)) => {
                n.push("cs-uri-stem", stem);
                n.push("cs-uri-query", q);
            }
            None => n.push("cs-uri-stem", t),
        }
        if let Some(v) = version {
            n.push("cs-version", v);
        }
    }
    n.push("sc-status", c.status);
    n.push("sc-bytes", c.bytes);
    if let Some(r) = c.referer {
        n.push("cs-referer", r);
    }
    if let Some(a) = c.agent {
        n.push("cs-user-agent", a);
    }
    n.push("date", c.date);
    n.push("message", line.trim_end_matches(['\n', '\r']));
    Some(n)
}

/// An nginx or Apache *error* log line, bare or as the message of a syslog frame: service
/// `nginx` or `apache` (SigmaHQ's `rules/web/product/{nginx,apache}` rules name only the
/// service), fields `level`, `pid`, `c-ip` (the client, when the line names one), the nginx
/// `request`, `server` and `host` or the Apache `module` and error code (`AH00126` as
/// `error_code`), and `message` (the whole line), plus the time (local, UTC+07:00) when the
/// line carries one. `None` if the line is neither format.
///
/// - nginx: `2026/11/25 02:00:00 [error] 1234#0: *5 open() "…" failed (…), client: 203.0.113.9,
///   server: _, request: "GET /x HTTP/1.1", host: "…"`;
/// - Apache 2.4: `[Wed Nov 25 02:00:00.123456 2026] [core:error] [pid 1234:tid 5678] [client
///   203.0.113.9:51122] AH00126: Invalid URI in request …`, and 2.2's `[…] [error] [client
///   203.0.113.9] …`.
pub fn web_error(line: &str) -> Option<(Normalized, Option<i64>)> {
    let line = line.trim_end_matches(['\n', '\r']);
    let b = line.as_bytes();
    if b.len() > 21
        && b[4] == b'/'
        && b[7] == b'/'
        && b[10] == b' '
        && b[13] == b':'
        && b[19] == b' '
        && b[20] == b'['
    {
        let (y, mo, d) = (
            crate::time::digits(b, 0, 4)?,
            crate::time::digits(b, 5, 2)?,
            crate::time::digits(b, 8, 2)?,
        );
        let clock = crate::time::Clock {
            hour: crate::time::digits(b, 11, 2)?,
            minute: crate::time::digits(b, 14, 2)?,
            second: crate::time::digits(b, 17, 2)?,
            milli: 0,
        };
        let rest = &line[21..];
        let (level, rest) = rest.split_once("] ")?;
        if level.is_empty() || !level.bytes().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        let mut n = Normalized {
            service: Some("nginx"),
            format: "nginx-error",
            ..Normalized::default()
        };
        n.push("level", level);
        if let Some((pid, _)) = rest.split_once('#') {
            if pid.bytes().all(|c| c.is_ascii_digit()) {
                n.push("pid", pid);
            }
        }
        for (key, name) in [
            (", client: ", "c-ip"),
            (", server: ", "server"),
            (", request: ", "request"),
            (", host: ", "host"),
        ] {
            if let Some((_, after)) = rest.split_once(key) {
                let v = match after.strip_prefix('"') {
                    Some(q) => q.split('"').next().unwrap_or(""),
                    None => after.split(',').next().unwrap_or(""),
                };
                n.push(name, v);
            }
        }
        n.push("message", line);
        let t = crate::time::to_unix_ms(y as i32, mo, d, clock, crate::time::VN_OFFSET_SECS);
        return Some((n, t));
    }
    // Apache: "[Www Mmm dd hh:mm:ss[.ffffff] yyyy] [module:level] …"
    let inner = line.strip_prefix('[')?;
    let (stamp, rest) = inner.split_once("] [")?;
    let sb = stamp.as_bytes();
    if sb.len() < 24 || sb[3] != b' ' || sb[7] != b' ' || sb[13] != b':' {
        return None;
    }
    let month = crate::time::month_number(&sb[4..7])?;
    let day = stamp[8..10].trim().parse::<u32>().ok()?;
    let clock = crate::time::Clock {
        hour: crate::time::digits(sb, 11, 2)?,
        minute: crate::time::digits(sb, 14, 2)?,
        second: crate::time::digits(sb, 17, 2)?,
        milli: 0,
    };
    let year = stamp.rsplit(' ').next()?.parse::<i32>().ok()?;
    let (tag, mut rest) = rest.split_once(']')?;
    let mut n = Normalized {
        service: Some("apache"),
        format: "apache-error",
        ..Normalized::default()
    };
    match tag.split_once(':') {
        Some((module, level)) => {
            n.push("module", module);
            n.push("level", level);
        }
        None => n.push("level", tag),
    }
    // The bracketed parts that follow: [pid N:tid M], [client IP:port], [remote …].
    while let Some(r) = rest.strip_prefix(" [") {
        let Some((part, after)) = r.split_once(']') else {
            break;
        };
        if let Some(p) = part.strip_prefix("pid ") {
            n.push("pid", p.split(':').next().unwrap_or(p));
        } else if let Some(c) = part.strip_prefix("client ") {
            let ip = match c.rsplit_once(':') {
                Some((a, port)) if port.bytes().all(|x| x.is_ascii_digit()) && !a.is_empty() => {
                    a.trim_start_matches('[').trim_end_matches(']')
                }
                _ => c,
            };
            n.push("c-ip", ip);
        }
        rest = after;
    }
    let text = rest.trim_start();
    if let Some((code, _)) = text.split_once(": ") {
        if code.len() == 7 && code.starts_with("AH") {
            n.push("error_code", code);
        }
    }
    n.push("message", line);
    let t = crate::time::to_unix_ms(year, month, day, clock, crate::time::VN_OFFSET_SECS);
    Some((n, t))
}

/// The time of an access log line (see [`web_access`]) as Unix ms, from its `[…]` field.
pub fn web_access_time_ms(line: &str) -> Option<i64> {
    let c = parse_clf(line)?;
    clf_time_ms(c.date)
}

// =============================================================================================
// Windows events

/// Channel → service. Channel names are compared without regard to ASCII case, as Windows
/// does; entries ending in `/` match every channel under that provider.
const CHANNELS: &[(&str, &str)] = &[
    ("Security", "security"),
    ("System", "system"),
    ("Application", "application"),
    ("Microsoft-Windows-Sysmon/Operational", "sysmon"),
    ("Microsoft-Windows-PowerShell/Operational", "powershell"),
    ("PowerShellCore/Operational", "powershell"),
    ("Windows PowerShell", "powershell-classic"),
    (
        "Microsoft-Windows-TaskScheduler/Operational",
        "taskscheduler",
    ),
    ("Microsoft-Windows-WMI-Activity/Operational", "wmi"),
    ("DNS Server", "dns-server"),
    ("Microsoft-Windows-DNS-Server/Audit", "dns-server-audit"),
    ("Microsoft-Windows-DNSServer/Audit", "dns-server-audit"),
    (
        "Microsoft-Windows-DNS-Server/Analytical",
        "dns-server-analytic",
    ),
    (
        "Microsoft-Windows-DNSServer/Analytical",
        "dns-server-analytic",
    ),
    (
        "Microsoft-Windows-DNS Client Events/Operational",
        "dns-client",
    ),
    ("Microsoft-Windows-DNS-Client/Operational", "dns-client"),
    (
        "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
        "driver-framework",
    ),
    ("Microsoft-Windows-NTLM/Operational", "ntlm"),
    ("Microsoft-Windows-DHCP-Server/Operational", "dhcp"),
    ("MSExchange Management", "msexchange-management"),
    ("Microsoft-Windows-AppLocker/", "applocker"),
    ("Microsoft-Windows-PrintService/Admin", "printservice-admin"),
    (
        "Microsoft-Windows-PrintService/Operational",
        "printservice-operational",
    ),
    (
        "Microsoft-Windows-CodeIntegrity/Operational",
        "codeintegrity-operational",
    ),
    ("Microsoft-Windows-SmbClient/Security", "smbclient-security"),
    (
        "Microsoft-Windows-SmbClient/Connectivity",
        "smbclient-connectivity",
    ),
    (
        "Microsoft-Windows-SMBServer/Connectivity",
        "smbserver-connectivity",
    ),
    (
        "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
        "firewall-as",
    ),
    ("Microsoft-Windows-Bits-Client/Operational", "bits-client"),
    (
        "Microsoft-Windows-Windows Defender/Operational",
        "windefend",
    ),
    (
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
        "terminalservices-localsessionmanager",
    ),
    ("Microsoft-ServiceBus-Client", "microsoft-servicebus-client"),
    (
        "Microsoft-ServiceBus-Client/",
        "microsoft-servicebus-client",
    ),
    ("Microsoft-Windows-LDAP-Client/Debug", "ldap_debug"),
    (
        "Microsoft-Windows-Security-Mitigations/",
        "security-mitigations",
    ),
    (
        "Microsoft-Windows-Diagnosis-Scripted/Operational",
        "diagnosis-scripted",
    ),
    ("Microsoft-Windows-Shell-Core/Operational", "shell-core"),
    ("OpenSSH/Operational", "openssh"),
    ("Microsoft-Windows-OpenSSH/Operational", "openssh"),
    (
        "Microsoft-Windows-BitLocker/BitLocker Management",
        "bitlocker",
    ),
    ("Microsoft-Windows-VHDMP/Operational", "vhdmp"),
    ("Microsoft-Windows-VHDMP-Operational", "vhdmp"),
    (
        "Microsoft-Windows-AppXDeploymentServer/Operational",
        "appxdeployment-server",
    ),
    ("Microsoft-Windows-LSA/Operational", "lsa-server"),
    (
        "Microsoft-Windows-AppxPackaging/Operational",
        "appxpackaging-om",
    ),
    (
        "Microsoft-Windows-AppModel-Runtime/Admin",
        "appmodel-runtime",
    ),
    ("Microsoft-Windows-CAPI2/Operational", "capi2"),
    (
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
        "certificateservicesclient-lifecycle-system",
    ),
    ("Microsoft-Windows-Kernel-ShimEngine/", "kernel-shimengine"),
    (
        "Microsoft-Windows-Kernel-EventTracing",
        "kernel-event-tracing",
    ),
    (
        "Microsoft-Windows-Kernel-EventTracing/",
        "kernel-event-tracing",
    ),
    (
        "Microsoft-Windows-Application-Experience/Program-Telemetry",
        "application-experience",
    ),
    (
        "Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant",
        "application-experience",
    ),
    ("Microsoft-Windows-Ntfs/Operational", "ntfs"),
    ("Microsoft-Windows-Hyper-V-Worker", "hyper-v-worker"),
    ("Microsoft-Windows-Hyper-V-Worker/", "hyper-v-worker"),
    ("Microsoft-Windows-SENSE/Operational", "sense"),
    (
        "Microsoft-IIS-Configuration/Operational",
        "iis-configuration",
    ),
    ("Microsoft-Windows-DFSN-Server/Admin", "dfsn-server"),
];

fn channel_service(channel: &str) -> Option<&'static str> {
    CHANNELS.iter().find_map(|&(c, s)| {
        let hit = if c.ends_with('/') {
            channel.len() > c.len()
                && channel.is_char_boundary(c.len())
                && channel[..c.len()].eq_ignore_ascii_case(c)
        } else {
            channel.eq_ignore_ascii_case(c)
        };
        hit.then_some(s)
    })
}

fn sysmon_category(event_id: u32, event_type: Option<&str>) -> Option<&'static str> {
    Some(match event_id {
        1 => "process_creation",
        2 => "file_change",
        3 => "network_connection",
        4 | 16 => "sysmon_status",
        5 => "process_termination",
        6 => "driver_load",
        7 => "image_load",
        8 => "create_remote_thread",
        9 => "raw_access_thread",
        10 => "process_access",
        11 => "file_event",
        12 => {
            let deleted = event_type.is_some_and(|t| {
                t.as_bytes()
                    .get(..6)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"delete"))
            });
            if deleted {
                "registry_delete"
            } else {
                "registry_add"
            }
        }
        13 => "registry_set",
        14 => "registry_rename",
        15 => "create_stream_hash",
        17 | 18 => "pipe_created",
        19..=21 => "wmi_event",
        22 => "dns_query",
        23 => "file_delete",
        24 => "clipboard_capture",
        25 => "process_tampering",
        26 => "file_delete_detected",
        27 => "file_block_executable",
        28 => "file_block_shredding",
        29 => "file_executable_detected",
        255 => "sysmon_error",
        _ => return None,
    })
}

/// The log source of an already-flat Windows event (product `windows`) and the renames Sigma
/// expects, as (from, to) field names, without building a [`Normalized`]: for JSON lines whose
/// fields already have Sigma's names (`Channel`, `EventID`, EventData names). `get` reads a field
/// of the event.
pub fn windows_source<'a>(get: impl Fn(&str) -> Option<&'a str>) -> WindowsSource {
    let service = get("Channel").and_then(channel_service);
    let category = get("EventID")
        .and_then(|e| e.trim().parse::<u32>().ok())
        .and_then(|id| windows_category(service, id, &get));
    let renames = if service == Some("security") {
        SECURITY_RENAMES
    } else if category == Some("antivirus") {
        ANTIVIRUS_RENAMES
    } else {
        &[]
    };
    WindowsSource {
        service,
        category,
        renames,
    }
}

/// See [`windows_source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowsSource {
    pub service: Option<&'static str>,
    pub category: Option<&'static str>,
    /// (from, to): the field `to` gets the value of `from` as well.
    pub renames: &'static [(&'static str, &'static str)],
}

/// pySigma's windows_audit_pipeline field mapping for service security (thor.yml maps the first
/// two for 4688). User is deliberately not mapped from SubjectUserName: neither does so, and
/// Sysmon's User is DOMAIN\name while SubjectUserName is only the name.
const SECURITY_RENAMES: &[(&str, &str)] = &[
    ("NewProcessName", "Image"),
    ("ParentProcessName", "ParentImage"),
    ("NewValue", "Details"),
    ("SubjectLogonId", "LogonId"),
];
/// thor.yml: Signature ← ThreatName, Filename ← Path.
const ANTIVIRUS_RENAMES: &[(&str, &str)] = &[
    ("ThreatName", "Signature"),
    ("Threat Name", "Signature"),
    ("Path", "Filename"),
];

fn windows_category<'a>(
    service: Option<&str>,
    id: u32,
    get: &impl Fn(&str) -> Option<&'a str>,
) -> Option<&'static str> {
    match service {
        Some("sysmon") => sysmon_category(id, get("EventType")),
        Some("powershell") => match id {
            4103 => Some("ps_module"),
            4104 => Some("ps_script"),
            _ => None,
        },
        Some("powershell-classic") => match id {
            400 => Some("ps_classic_start"),
            600 => Some("ps_classic_provider_start"),
            800 => Some("ps_classic_script"),
            _ => None,
        },
        Some("security") => match id {
            4688 => Some("process_creation"),
            // pySigma's windows_audit_pipeline: registry_add / registry_set by OperationType.
            4657 => match get("OperationType") {
                Some("%%1904" | "New registry value created") => Some("registry_add"),
                Some("%%1905" | "Existing registry value modified") => Some("registry_set"),
                _ => None,
            },
            _ => None,
        },
        Some("windefend") => match id {
            1006..=1012 | 1017..=1019 | 1115 | 1116 => Some("antivirus"),
            _ => None,
        },
        _ => None,
    }
}

/// Sets service and category from `Channel` and `EventID` and adds the renamed fields Sigma
/// expects (see [`windows_flatten`]).
fn classify_windows(n: &mut Normalized) {
    n.product = Some("windows");
    let src = windows_source(|k| n.get(k));
    n.service = src.service;
    n.category = src.category;
    for (from, to) in src.renames {
        n.alias(from, to);
    }
}

/// Windows event data names with spaces (Defender's `Threat Name`, `Process Name`, …) are also
/// given without them: SigmaHQ rules write `ThreatName`, `ProcessName`, and its regression tests
/// (evtx-sigma-checker) match them that way.
fn add_spaceless_names(n: &mut Normalized, from: usize) {
    let mut extra = Vec::new();
    for (k, v) in &n.fields[from..] {
        if k.contains(' ') {
            let name: String = k.chars().filter(|c| *c != ' ').collect();
            if !n.fields[from..].iter().any(|(e, _)| *e == name) {
                extra.push((name, v.clone()));
            }
        }
    }
    n.fields.extend(extra);
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(x) => Some(x.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `elem.#attributes.name`, or `elem_attributes.name` as evtx writes it with
/// `--separate-json-attributes`.
fn attribute<'a>(obj: &'a Map<String, Value>, elem: &str, name: &str) -> Option<&'a Value> {
    obj.get(elem)
        .and_then(|e| e.get("#attributes"))
        .and_then(|a| a.get(name))
        .or_else(|| {
            obj.get(&format!("{elem}_attributes"))
                .and_then(|a| a.get(name))
        })
}

/// An element's text: itself if scalar, else its `#text`.
fn element_text(v: &Value) -> Option<String> {
    scalar(v).or_else(|| v.get("#text").and_then(scalar))
}

/// Emits the leaves of an EventData/UserData value under their own names. `#attributes` (and
/// `…_attributes`) are dropped; a `Data` element with a `Name` attribute is named by it; a
/// `null` leaf is an element that was present but empty, so it becomes `""` (the evtx crate
/// writes empty `<Data Name="X"/>` as null).
fn event_leaves(name: &str, v: &Value, n: &mut Normalized) {
    match v {
        Value::Null => n.push(name, ""),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            n.push(name, scalar(v).unwrap_or_default());
        }
        Value::Array(items) => {
            for item in items {
                event_leaves(name, item, n);
            }
        }
        Value::Object(map) => {
            let named = map
                .get("#attributes")
                .and_then(|a| a.get("Name"))
                .and_then(Value::as_str);
            if let Some(text) = map.get("#text") {
                event_leaves(named.unwrap_or(name), text, n);
            } else if let Some(named) = named {
                // `<Data Name="X"/>` with attributes only.
                n.push(named, "");
            } else {
                for (k, v) in map {
                    if k == "#attributes" || k.ends_with("_attributes") {
                        continue;
                    }
                    event_leaves(k, v, n);
                }
            }
        }
    }
}

fn windows_from_event(ev: &Map<String, Value>) -> Normalized {
    let mut n = Normalized::default();
    if let Some(sys) = ev.get("System").and_then(Value::as_object) {
        let mut put = |name: &str, v: Option<&Value>| {
            if let Some(s) = v.and_then(element_text) {
                n.push(name, s);
            }
        };
        put("EventID", sys.get("EventID"));
        put("Version", sys.get("Version"));
        put("Level", sys.get("Level"));
        put("Task", sys.get("Task"));
        put("Opcode", sys.get("Opcode"));
        put("Keywords", sys.get("Keywords"));
        put("TimeCreated", attribute(sys, "TimeCreated", "SystemTime"));
        put("EventRecordID", sys.get("EventRecordID"));
        put("Channel", sys.get("Channel"));
        put("Computer", sys.get("Computer"));
        put("Provider_Name", attribute(sys, "Provider", "Name"));
        put("Provider_Guid", attribute(sys, "Provider", "Guid"));
        put(
            "Provider_EventSourceName",
            attribute(sys, "Provider", "EventSourceName"),
        );
        put(
            "Correlation_ActivityID",
            attribute(sys, "Correlation", "ActivityID"),
        );
        put(
            "Correlation_RelatedActivityID",
            attribute(sys, "Correlation", "RelatedActivityID"),
        );
        put(
            "Execution_ProcessID",
            attribute(sys, "Execution", "ProcessID"),
        );
        put(
            "Execution_ThreadID",
            attribute(sys, "Execution", "ThreadID"),
        );
        put("Security_UserID", attribute(sys, "Security", "UserID"));
    }
    let data_start = n.fields.len();
    match ev.get("EventData") {
        Some(Value::Object(map)) => {
            for (k, v) in map {
                if k != "#attributes" && !k.ends_with("_attributes") {
                    event_leaves(k, v, &mut n);
                }
            }
        }
        Some(v @ (Value::Array(_) | Value::String(_) | Value::Number(_))) => {
            event_leaves("Data", v, &mut n)
        }
        _ => {}
    }
    if let Some(Value::Object(map)) = ev.get("UserData") {
        // The single child element (its name differs per provider) is dropped: Sigma rules
        // name UserData fields by their leaf names.
        for (k, v) in map {
            if k == "#attributes" || k.ends_with("_attributes") {
                continue;
            }
            match v {
                Value::Object(inner) => {
                    for (ik, iv) in inner {
                        if ik != "#attributes" && !ik.ends_with("_attributes") {
                            event_leaves(ik, iv, &mut n);
                        }
                    }
                }
                other => event_leaves(k, other, &mut n),
            }
        }
    }
    add_spaceless_names(&mut n, data_start);
    classify_windows(&mut n);
    n
}

/// Flattens one Windows event record as the `evtx` crate renders it to JSON
/// (`{"Event": {"System": …, "EventData": …}}`, the `Event` wrapper optional) into product
/// `windows`, the service and category of its channel and EventID (see the module
/// documentation), and flat fields:
///
/// - from System: `EventID` (the number, also from `{"#text": 4688, "#attributes":
///   {"Qualifiers": 0}}`), `Version`, `Level`, `Task`, `Opcode`, `Keywords`, `TimeCreated`
///   (SystemTime), `EventRecordID`, `Channel`, `Computer`, `Provider_Name`, `Provider_Guid`,
///   and, when present, `Provider_EventSourceName`, `Correlation_ActivityID`,
///   `Execution_ProcessID`, `Execution_ThreadID`, `Security_UserID`;
/// - every EventData and UserData leaf under its own name (UserData's wrapper element and
///   any nesting dropped, `#attributes` dropped, named `<Data>` by its `Name`, unnamed
///   `<Data>` as `Data` once per element, an empty element as `""`); names with spaces also
///   without them (`Threat Name` → `ThreatName`, as SigmaHQ rules write them);
/// - for service security, the pySigma `windows_audit_pipeline` renames, each kept next to its
///   original: `Image` ← `NewProcessName`, `ParentImage` ← `ParentProcessName`, `Details` ←
///   `NewValue`, `LogonId` ← `SubjectLogonId`. `CommandLine` already has Sigma's name, and
///   `SubjectUserName` is *not* renamed to `User` (pySigma does not, and the values differ in
///   form from Sysmon's `DOMAIN\user`);
/// - for Defender detections (category `antivirus`), `Signature` ← `Threat Name` and
///   `Filename` ← `Path` as in SigmaHQ's thor.yml.
pub fn windows_flatten(event: &Value) -> Normalized {
    let ev = event
        .get("Event")
        .and_then(Value::as_object)
        .or_else(|| event.as_object());
    match ev {
        Some(ev) => windows_from_event(ev),
        None => Normalized {
            product: Some("windows"),
            ..Normalized::default()
        },
    }
}

// =============================================================================================
// Generic JSON

fn flatten_json(prefix: &str, v: &Value, n: &mut Normalized) {
    match v {
        // A null member carries no value: leave the field absent, which is what Sigma's
        // `field: null` tests for.
        Value::Null => {}
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            n.push(prefix, scalar(v).unwrap_or_default());
        }
        Value::Array(items) => {
            for item in items {
                flatten_json(prefix, item, n);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                if prefix.is_empty() {
                    flatten_json(k, v, n);
                } else {
                    flatten_json(&format!("{prefix}.{k}"), v, n);
                }
            }
        }
    }
}

/// Flattens a generic JSON object: nested objects become dot-joined names (`a.b.c`), scalars
/// their text, nulls are left out, and an array gives its field once per element (arrays of
/// objects flatten each element under the same prefix) so that "any value matches" works.
///
/// An evtx-style record (`{"Event": {"System": …}}` or `{"System": …, "EventData": …}`) is
/// handed to [`windows_flatten`]. An already-flat Windows record with top-level `Channel` and
/// `EventID` (NXLog and similar forwarders) gets product `windows`, its service and category
/// and the same renames as [`windows_flatten`] gives. Anything else has no log source.
pub fn json_object(obj: &Map<String, Value>) -> Normalized {
    if let Some(ev) = obj.get("Event").and_then(Value::as_object) {
        if ev.get("System").is_some_and(Value::is_object) {
            return windows_from_event(ev);
        }
    }
    if obj.get("System").is_some_and(Value::is_object)
        && (obj.contains_key("EventData") || obj.contains_key("UserData"))
    {
        return windows_from_event(obj);
    }
    let mut n = Normalized::default();
    for (k, v) in obj {
        flatten_json(k, v, &mut n);
    }
    let flat_windows = obj.get("Channel").is_some_and(|c| c.is_string())
        && obj
            .get("EventID")
            .is_some_and(|e| e.is_number() || e.is_string());
    if flat_windows {
        add_spaceless_names(&mut n, 0);
        classify_windows(&mut n);
    }
    n
}

#[cfg(test)]
mod tests;
