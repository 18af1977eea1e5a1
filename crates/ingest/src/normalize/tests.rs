use super::*;
use crate::syslog::parse;
use serde_json::json;

/// 2026-11-26 12:00 +07:00.
const NOW: i64 = 1_796_014_800_000;

fn syslog(line: &str) -> Normalized {
    from_syslog(&parse(line.as_bytes(), NOW).unwrap())
}

fn fields(n: &Normalized, names: &[&str]) -> Vec<Option<String>> {
    names.iter().map(|k| n.get(k).map(str::to_owned)).collect()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[test]
fn syslog_base_fields_always_present() {
    let n = syslog("<13>Nov 25 02:00:00 root: hello");
    assert_eq!(n.product, Some("linux"));
    assert_eq!(n.service, Some("syslog"));
    assert_eq!(
        fields(&n, &["host", "app", "pid", "message"]),
        [s(""), s("root"), s(""), s("hello")]
    );
    let n = syslog(r#"<13>1 2026-11-25T02:00:00Z h app 7 ID1 [origin ip="192.0.2.1"] m"#);
    assert_eq!(
        fields(&n, &["host", "pid", "msg_id", "origin.ip"]),
        [s("h"), s("7"), s("ID1"), s("192.0.2.1")]
    );
}

#[test]
fn sshd_failed_accepted_invalid() {
    let n = syslog("Nov 25 02:00:00 web01 sshd[1]: Failed password for invalid user admin from 203.0.113.7 port 51122 ssh2");
    assert_eq!((n.product, n.service), (Some("linux"), Some("sshd")));
    assert_eq!(
        fields(
            &n,
            &["user", "src_ip", "src_port", "outcome", "auth_method"]
        ),
        [
            s("admin"),
            s("203.0.113.7"),
            s("51122"),
            s("failure"),
            s("password")
        ]
    );
    let n = syslog("Nov 25 02:00:00 web01 sshd[1]: Accepted publickey for deploy from 2001:db8::5 port 40000 ssh2: ED25519 SHA256:abc");
    assert_eq!(
        fields(
            &n,
            &["user", "src_ip", "src_port", "outcome", "auth_method"]
        ),
        [
            s("deploy"),
            s("2001:db8::5"),
            s("40000"),
            s("success"),
            s("publickey")
        ]
    );
    let n = syslog(
        "Nov 25 02:00:00 web01 sshd[1]: Accepted password for root from 192.0.2.9 port 22 ssh2",
    );
    assert_eq!(fields(&n, &["user", "outcome"]), [s("root"), s("success")]);
    let n = syslog("Nov 25 02:00:00 web01 sshd[1]: Invalid user oracle from 198.51.100.4");
    assert_eq!(
        fields(&n, &["user", "src_ip", "src_port", "outcome"]),
        [s("oracle"), s("198.51.100.4"), None, s("failure")]
    );
    let n = syslog("Nov 25 02:00:00 web01 sshd[1]: Invalid user  from 192.0.2.68 port 34916");
    assert_eq!(
        fields(&n, &["user", "src_ip", "src_port"]),
        [s(""), s("192.0.2.68"), s("34916")]
    );
    // A host name when sshd runs with UseDNS.
    let n = syslog(
        "Nov 25 02:00:00 web01 sshd[1]: Failed password for bob from host.example.net port 22 ssh2",
    );
    assert_eq!(
        fields(&n, &["src_ip", "src_host"]),
        [None, s("host.example.net")]
    );
    // Repeated-message wrapper and Solaris message id.
    let n = syslog("Nov 25 02:00:00 web01 sshd[1]: message repeated 2 times: [ Failed password for root from 192.0.2.3 port 5 ssh2]");
    assert_eq!(fields(&n, &["user", "src_ip"]), [s("root"), s("192.0.2.3")]);
    let n = syslog("Mar 29 05:20:09 dusky sshd[19558]: [ID 800047 auth.info] Failed keyboard-interactive for james from 205.186.180.30 port 54520 ssh2");
    assert_eq!(
        fields(&n, &["user", "auth_method"]),
        [s("james"), s("keyboard-interactive")]
    );
    // Nothing to extract: only the base fields.
    let n = syslog(
        "Nov 25 02:00:00 web01 sshd[1]: Received disconnect from 192.0.2.1: 11: Bye Bye [preauth]",
    );
    assert_eq!(n.get("outcome"), None);
    assert_eq!(n.service, Some("sshd"));
}

#[test]
fn sshd_injection_does_not_fool_the_address() {
    let cases = [
        ("Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2", "from 10.10.1.1", "127.0.0.1"),
        ("Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2", "test from 10.10.1.2 port 55555 ssh2", "127.0.0.1"),
        ("Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2", "test", "127.0.0.1"),
        ("Failed password for user from 127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4", "user", "127.0.0.1"),
    ];
    for (msg, user, ip) in cases {
        let n = syslog(&format!("Nov 11 08:04:52 redbamboo sshd[2737]: {msg}"));
        assert_eq!(fields(&n, &["user", "src_ip"]), [s(user), s(ip)], "{msg}");
    }
}

#[test]
fn pam_messages() {
    let n = syslog("Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root");
    assert_eq!(n.service, Some("sshd"));
    assert_eq!(
        fields(&n, &["outcome", "user", "rhost", "src_ip", "ruser"]),
        [
            s("failure"),
            s("root"),
            s("220-135-151-1.hinet-ip.hinet.net"),
            None,
            None
        ]
    );
    let n = syslog("Nov 25 17:12:13 webmail pop(pam_unix)[4920]: authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=192.168.10.3 user=mailuser");
    assert_eq!(n.service, Some("auth"));
    assert_eq!(
        fields(&n, &["user", "src_ip"]),
        [s("mailuser"), s("192.168.10.3")]
    );
    let n = syslog("Jul 19 18:11:26 srv2 vsftpd: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=an8767 rhost=www.google.com");
    assert_eq!(
        n.service,
        Some("auth"),
        "a PAM failure is an auth event whichever program logs it"
    );
    let n = syslog(
        "Jul  7 08:06:15 combo login(pam_unix)[2421]: session opened for user root by LOGIN(uid=0)",
    );
    assert_eq!(
        (n.service, n.get("user"), n.get("outcome")),
        (Some("auth"), Some("root"), Some("success"))
    );
    let n = syslog("Nov 25 02:00:00 h sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)");
    assert_eq!((n.service, n.get("user")), (Some("sudo"), Some("root")));
    let n = syslog("Nov 25 02:00:00 h sshd[5]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.7  user=root");
    assert_eq!(
        fields(&n, &["outcome", "src_ip", "user"]),
        [s("failure"), s("192.0.2.7"), s("root")]
    );
}

#[test]
fn sudo_su_cron() {
    let n = syslog("Nov 25 02:00:00 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id");
    assert_eq!(n.service, Some("sudo"));
    assert_eq!(services_for("sudo"), ["sudo", "auth"]);
    assert_eq!(
        fields(&n, &["user", "TTY", "PWD", "USER", "COMMAND", "outcome"]),
        [
            s("alice"),
            s("pts/0"),
            s("/home/alice"),
            s("root"),
            s("/usr/bin/id"),
            s("success")
        ]
    );
    // CVE-2019-14287 rule: USER|startswith '#-'.
    let n = syslog("Nov 25 02:00:00 h sudo: bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/ ; USER=#-1 ; COMMAND=/bin/bash");
    assert_eq!(fields(&n, &["USER", "outcome"]), [s("#-1"), s("failure")]);
    let n = syslog("Nov 25 02:00:00 h su[77]: (to root) alice on pts/0");
    assert_eq!(
        (
            n.service,
            n.get("user"),
            n.get("target_user"),
            n.get("outcome")
        ),
        (Some("su"), Some("alice"), Some("root"), Some("success"))
    );
    let n = syslog("Nov 25 02:00:00 h su[77]: FAILED SU (to root) alice on pts/0");
    assert_eq!(n.get("outcome"), Some("failure"));
    let n = syslog(
        "Nov 25 02:00:01 h CRON[9]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
    );
    assert_eq!((n.service, n.get("user")), (Some("cron"), Some("root")));
    assert_eq!(
        n.get("command"),
        Some("   cd / && run-parts --report /etc/cron.hourly")
    );
    assert_eq!(services_for("cron"), ["cron", "syslog"]);
    let n = syslog("Nov 25 02:00:01 h /usr/sbin/cron[9]: (CRON) INFO (pidfile fd = 3)");
    assert_eq!(n.service, Some("cron"));
}

#[test]
fn auth_apps_and_facility() {
    assert_eq!(
        syslog("Nov 25 02:00:00 h useradd[5]: new user: name=eve, UID=1001").service,
        Some("auth")
    );
    assert_eq!(
        syslog("Nov 25 02:00:00 h pkexec[5]: alice: Executing command").service,
        Some("auth")
    );
    // Unknown program, facility authpriv (10): auth.
    assert_eq!(
        syslog("<86>Nov 25 02:00:00 h mydaemon[5]: login ok").service,
        Some("auth")
    );
    // Unknown program, facility daemon: syslog.
    assert_eq!(
        syslog("<30>Nov 25 02:00:00 h named[5]: zone loaded").service,
        Some("syslog")
    );
    assert_eq!(
        syslog("<30>Nov 25 02:00:00 h vsftpd[5]: Input line too long.").service,
        Some("vsftpd")
    );
    assert_eq!(
        syslog("<30>Nov 25 02:00:00 h clamd[5]: /tmp/x: Trojan.Foo FOUND").service,
        Some("clamav")
    );
    let n = syslog("<14>Nov 25 02:00:00 dc01 MSWinEventLog\t1\tSecurity\t1\tx");
    assert_eq!(
        (n.product, n.service),
        (Some("linux"), Some("syslog")),
        "tab-separated tag is not a tag token"
    );
    let n = syslog(
        "<14>Nov 25 02:00:00 dc01 Microsoft-Windows-Security-Auditing[4]: An account was logged on",
    );
    assert_eq!((n.product, n.service), (Some("windows"), None));
}

#[test]
fn auditd_via_syslog_and_raw() {
    let line = r#"type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=59 success=yes exit=0 a0=7fffd19c5592 a1=0 comm="cat" exe="/usr/bin/cat" key="susp_exec""#;
    let n = syslog(&format!("Nov 25 02:00:00 h audispd: node=h {line}"));
    assert_eq!((n.product, n.service), (Some("linux"), Some("auditd")));
    assert_eq!(
        fields(
            &n,
            &["type", "msg", "syscall", "exe", "comm", "key", "a0", "node"]
        ),
        [
            s("SYSCALL"),
            s("audit(1364481363.243:24287)"),
            s("59"),
            s("/usr/bin/cat"),
            s("cat"),
            s("susp_exec"),
            s("7fffd19c5592"),
            s("h")
        ]
    );
    let raw = auditd_record(line).unwrap();
    assert_eq!(
        (raw.service, raw.get("exe")),
        (Some("auditd"), Some("/usr/bin/cat"))
    );
    // EXECVE arguments: quoted, or hex when they contain spaces.
    let raw = auditd_record(
        r#"type=EXECVE msg=audit(1.2:3): argc=3 a0="getcap" a1="-r" a2=2F6D7920646972"#,
    )
    .unwrap();
    assert_eq!(
        fields(&raw, &["a0", "a1", "a2", "argc"]),
        [s("getcap"), s("-r"), s("/my dir"), s("3")]
    );
    let raw =
        auditd_record("type=PROCTITLE msg=audit(1.2:3): proctitle=2F62696E2F7368002D63006964")
            .unwrap();
    assert_eq!(raw.get("proctitle"), Some("/bin/sh -c id"));
    // User-space record: msg='…' and its pairs; enriched fields after 0x1D.
    let raw = auditd_record("type=USER_AUTH msg=audit(1.2:3): pid=1 uid=0 msg='op=PAM:authentication grantors=? acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=192.0.2.1 addr=192.0.2.1 terminal=ssh res=failed'\u{1d}UID=\"root\" AUID=\"unset\"").unwrap();
    assert_eq!(
        fields(&raw, &["op", "acct", "exe", "addr", "res", "UID", "AUID"]),
        [
            s("PAM:authentication"),
            s("alice"),
            s("/usr/sbin/sshd"),
            s("192.0.2.1"),
            s("failed"),
            s("root"),
            s("unset")
        ]
    );
    assert!(raw.get("msg").is_some_and(|m| m.starts_with("audit(")));
    assert!(raw.get_all("msg").any(|m| m.starts_with("op=PAM")));
    let raw = auditd_record("type=PATH msg=audit(1.2:3): item=0 name=(null) inode=5").unwrap();
    assert_eq!(raw.get("name"), Some("(null)"));
    assert!(auditd_record("hello world").is_none());
    // Kernel-originated audit record.
    let n = syslog(
        r#"Nov 25 02:00:00 h kernel: [ 12.345678] audit: type=1400 audit(1700000000.123:45): apparmor="DENIED" operation="open" profile="/usr/sbin/cupsd""#,
    );
    assert_eq!(n.service, Some("auditd"));
    assert_eq!(
        fields(&n, &["type", "apparmor", "msg"]),
        [s("1400"), s("DENIED"), s("audit(1700000000.123:45)")]
    );
}

#[test]
fn web_access_combined_and_common() {
    let line = r#"203.0.113.5 - alice [25/Nov/2026:02:00:00 +0700] "GET /search.php?q=1%27+or+1=1 HTTP/1.1" 200 5120 "https://example.vn/" "Mozilla/5.0 (X11; Linux) \"quoted\"""#;
    let n = web_access(line).unwrap();
    assert_eq!(
        (n.product, n.service, n.category),
        (None, None, Some("webserver"))
    );
    assert_eq!(category_aliases("webserver"), ["webserver"]);
    assert_eq!(
        fields(
            &n,
            &[
                "c-ip",
                "cs-username",
                "cs-method",
                "cs-uri-stem",
                "cs-uri-query",
                "cs-version",
                "sc-status",
                "sc-bytes",
                "cs-referer",
                "cs-user-agent",
                "date",
                "message"
            ]
        ),
        [
            s("203.0.113.5"),
            s("alice"),
            s("GET"),
            s("/search.php"),
            s("q=1%27+or+1=1"),
            s("HTTP/1.1"),
            s("200"),
            s("5120"),
            s("https://example.vn/"),
            s("Mozilla/5.0 (X11; Linux) \"quoted\""),
            s("25/Nov/2026:02:00:00 +0700"),
            s(line)
        ]
    );
    assert_eq!(web_access_time_ms(line), Some(1_795_546_800_000));

    let common = r#"192.0.2.1 - - [24/Nov/2026:19:00:00 +0000] "POST /login HTTP/1.0" 401 -"#;
    let n = web_access(common).unwrap();
    assert_eq!(
        fields(
            &n,
            &[
                "cs-username",
                "cs-uri-stem",
                "cs-uri-query",
                "sc-bytes",
                "cs-referer"
            ]
        ),
        [s("-"), s("/login"), None, s("-"), None]
    );
    assert_eq!(web_access_time_ms(common), Some(1_795_546_800_000));

    // Junk request lines keep the line but give no request fields.
    let n =
        web_access(r#"192.0.2.1 - - [24/Nov/2026:19:00:00 +0000] "\x16\x03\x01" 400 0 "-" "-""#)
            .unwrap();
    assert_eq!(
        fields(&n, &["cs-method", "cs-uri-stem", "sc-status"]),
        [None, None, s("400")]
    );
    let n = web_access(r#"192.0.2.1 - - [24/Nov/2026:19:00:00 +0000] "-" 408 0"#).unwrap();
    assert_eq!(n.get("cs-method"), None);

    assert!(web_access("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok").is_none());
    assert!(
        web_access(r#"192.0.2.1 - - [32/Nov/2026:19:00:00 +0000] "GET / HTTP/1.1" 200 1"#)
            .is_none()
    );
    assert!(
        web_access(r#"192.0.2.1 - - [24/Nov/2026:19:00:00 +0000] "GET / HTTP/1.1" 20x 1"#)
            .is_none()
    );
    assert!(web_access("").is_none());
}

fn evtx(system: Value, data: Value) -> Value {
    json!({"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"}, "System": system, "EventData": data}})
}

fn system(channel: &str, provider: &str, event_id: Value) -> Value {
    json!({
        "Provider": {"#attributes": {"Name": provider, "Guid": "{54849625-5478-4994-A5BA-3E3B0328C30D}"}},
        "EventID": event_id,
        "Version": 2, "Level": 0, "Task": 13312, "Opcode": 0, "Keywords": "0x8020000000000000",
        "TimeCreated": {"#attributes": {"SystemTime": "2026-11-24T19:00:00.123456Z"}},
        "EventRecordID": 1234567, "Correlation": null,
        "Execution": {"#attributes": {"ProcessID": 4, "ThreadID": 88}},
        "Channel": channel, "Computer": "WS01.corp.example", "Security": null
    })
}

#[test]
fn windows_security_4688_renames() {
    let ev = evtx(
        system(
            "Security",
            "Microsoft-Windows-Security-Auditing",
            json!(4688),
        ),
        json!({
            "SubjectUserSid": "S-1-5-18", "SubjectUserName": "WS01$", "SubjectDomainName": "CORP",
            "SubjectLogonId": "0x3e7", "NewProcessId": "0x1a2c",
            "NewProcessName": "C:\\Windows\\System32\\cmd.exe", "TokenElevationType": "%%1936",
            "ProcessId": "0x2f0", "CommandLine": "cmd.exe /c whoami", "TargetUserSid": "S-1-0-0",
            "TargetUserName": "-", "TargetDomainName": "-", "TargetLogonId": "0x0",
            "ParentProcessName": "C:\\Windows\\explorer.exe", "MandatoryLabel": "S-1-16-12288"
        }),
    );
    let n = windows_flatten(&ev);
    assert_eq!(
        (n.product, n.service, n.category),
        (Some("windows"), Some("security"), Some("process_creation"))
    );
    assert_eq!(
        fields(
            &n,
            &[
                "EventID",
                "Channel",
                "Computer",
                "Provider_Name",
                "EventRecordID",
                "Level",
                "Task",
                "Keywords",
                "TimeCreated",
                "Execution_ProcessID"
            ]
        ),
        [
            s("4688"),
            s("Security"),
            s("WS01.corp.example"),
            s("Microsoft-Windows-Security-Auditing"),
            s("1234567"),
            s("0"),
            s("13312"),
            s("0x8020000000000000"),
            s("2026-11-24T19:00:00.123456Z"),
            s("4")
        ]
    );
    assert_eq!(
        fields(
            &n,
            &[
                "Image",
                "NewProcessName",
                "ParentImage",
                "ParentProcessName",
                "CommandLine",
                "LogonId",
                "User"
            ]
        ),
        [
            s("C:\\Windows\\System32\\cmd.exe"),
            s("C:\\Windows\\System32\\cmd.exe"),
            s("C:\\Windows\\explorer.exe"),
            s("C:\\Windows\\explorer.exe"),
            s("cmd.exe /c whoami"),
            s("0x3e7"),
            None
        ]
    );
    // Renamed copies come after the originals.
    let pos = |k: &str| n.fields.iter().position(|(f, _)| f == k).unwrap();
    assert!(pos("Image") > pos("NewProcessName"));
}

#[test]
fn windows_event_id_with_qualifiers_and_unnamed_data() {
    // Windows PowerShell 400: EventID with Qualifiers, unnamed <Data> elements.
    let ev = evtx(
        system(
            "Windows PowerShell",
            "PowerShell",
            json!({"#attributes": {"Qualifiers": 0}, "#text": 400}),
        ),
        json!({"Data": {"#text": ["Available", "None", "\tNewEngineState=Available\r\n\tHostApplication=powershell.exe -enc SQBFAFgA"]}, "Binary": null}),
    );
    let n = windows_flatten(&ev);
    assert_eq!(
        (n.service, n.category),
        (Some("powershell-classic"), Some("ps_classic_start"))
    );
    assert_eq!(n.get("EventID"), Some("400"));
    let data: Vec<&str> = n.get_all("Data").collect();
    assert_eq!(data.len(), 3);
    assert!(data[2].contains("HostApplication=powershell.exe"));
    assert_eq!(n.get("Binary"), Some(""));
    // The same with Data as an array of scalars, and as a list of named elements.
    let ev = evtx(
        system("Windows PowerShell", "PowerShell", json!(600)),
        json!({"Data": ["Registry", "Started"]}),
    );
    let n = windows_flatten(&ev);
    assert_eq!(n.category, Some("ps_classic_provider_start"));
    assert_eq!(
        n.get_all("Data").collect::<Vec<_>>(),
        ["Registry", "Started"]
    );
    let ev = evtx(
        system("Windows PowerShell", "PowerShell", json!(800)),
        json!({"Data": [{"#attributes": {"Name": "UserId"}, "#text": "CORP\\bob"}, {"#attributes": {"Name": "Empty"}}]}),
    );
    let n = windows_flatten(&ev);
    assert_eq!(n.category, Some("ps_classic_script"));
    assert_eq!(fields(&n, &["UserId", "Empty"]), [s("CORP\\bob"), s("")]);
}

#[test]
fn windows_powershell_and_channels() {
    let ev = evtx(
        system(
            "Microsoft-Windows-PowerShell/Operational",
            "Microsoft-Windows-PowerShell",
            json!(4104),
        ),
        json!({"MessageNumber": 1, "MessageTotal": 1, "ScriptBlockText": "IEX (New-Object Net.WebClient)", "ScriptBlockId": "x", "Path": null}),
    );
    let n = windows_flatten(&ev);
    assert_eq!(
        (n.service, n.category),
        (Some("powershell"), Some("ps_script"))
    );
    assert_eq!(fields(&n, &["MessageNumber", "Path"]), [s("1"), s("")]);
    let ps = |id: u32| {
        windows_flatten(&evtx(
            system("PowerShellCore/Operational", "PowerShellCore", json!(id)),
            json!({}),
        ))
        .category
    };
    assert_eq!(
        (ps(4103), ps(4104), ps(4105)),
        (Some("ps_module"), Some("ps_script"), None)
    );

    let svc =
        |channel: &str| windows_flatten(&evtx(system(channel, "P", json!(1)), json!({}))).service;
    assert_eq!(svc("System"), Some("system"));
    assert_eq!(
        svc("application"),
        Some("application"),
        "channel names ignore case"
    );
    assert_eq!(
        svc("Microsoft-Windows-Windows Defender/Operational"),
        Some("windefend")
    );
    assert_eq!(
        svc("Microsoft-Windows-TaskScheduler/Operational"),
        Some("taskscheduler")
    );
    assert_eq!(
        svc("Microsoft-Windows-AppLocker/EXE and DLL"),
        Some("applocker")
    );
    assert_eq!(
        svc("Microsoft-Windows-AppLocker/MSI and Script"),
        Some("applocker")
    );
    assert_eq!(
        svc("Microsoft-Windows-SmbClient/Security"),
        Some("smbclient-security")
    );
    assert_eq!(
        svc("Microsoft-Windows-SMBClient/Security"),
        Some("smbclient-security")
    );
    assert_eq!(
        svc("Microsoft-Windows-DNS Client Events/Operational"),
        Some("dns-client")
    );
    assert_eq!(
        svc("Microsoft-Windows-DNS-Client/Operational"),
        Some("dns-client")
    );
    assert_eq!(svc("OpenSSH/Operational"), Some("openssh"));
    assert_eq!(
        svc("Microsoft-Windows-OpenSSH/Operational"),
        Some("openssh")
    );
    assert_eq!(
        svc("Microsoft-Windows-LDAP-Client/Debug"),
        Some("ldap_debug")
    );
    assert_eq!(services_for("ldap_debug"), ["ldap_debug", "ldap"]);
    assert_eq!(
        svc("Microsoft-Windows-PrintService/Admin"),
        Some("printservice-admin")
    );
    assert_eq!(
        svc("Microsoft-Windows-PrintService/Operational"),
        Some("printservice-operational")
    );
    assert_eq!(
        svc("Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"),
        Some("firewall-as")
    );
    assert_eq!(
        svc("Microsoft-Windows-Kernel-ShimEngine/Operational"),
        Some("kernel-shimengine")
    );
    assert_eq!(
        svc("Microsoft-Windows-Kernel-EventTracing/Admin"),
        Some("kernel-event-tracing")
    );
    assert_eq!(
        svc("Microsoft-Windows-Kernel-Power/Thermal-Operational"),
        None
    );
    assert_eq!(
        svc("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"),
        Some("terminalservices-localsessionmanager")
    );
    assert_eq!(
        svc("Microsoft-Windows-Security-Mitigations/KernelMode"),
        Some("security-mitigations")
    );
    assert_eq!(
        svc("Microsoft-Windows-AppLocker"),
        None,
        "a prefix entry needs a channel after the slash"
    );
    assert_eq!(svc("Something/Else"), None);
    // Every service the tables produce is known to services_for.
    for (_, service) in CHANNELS {
        assert_eq!(services_for(service).first(), Some(service), "{service}");
    }
}

#[test]
fn sysmon_categories_and_aliases() {
    let cat = |id: u32, data: Value| {
        windows_flatten(&evtx(
            system(
                "Microsoft-Windows-Sysmon/Operational",
                "Microsoft-Windows-Sysmon",
                json!(id),
            ),
            data,
        ))
        .category
    };
    let expected = [
        (1, "process_creation"),
        (2, "file_change"),
        (3, "network_connection"),
        (4, "sysmon_status"),
        (5, "process_termination"),
        (6, "driver_load"),
        (7, "image_load"),
        (8, "create_remote_thread"),
        (9, "raw_access_thread"),
        (10, "process_access"),
        (11, "file_event"),
        (12, "registry_add"),
        (13, "registry_set"),
        (14, "registry_rename"),
        (15, "create_stream_hash"),
        (16, "sysmon_status"),
        (17, "pipe_created"),
        (18, "pipe_created"),
        (19, "wmi_event"),
        (20, "wmi_event"),
        (21, "wmi_event"),
        (22, "dns_query"),
        (23, "file_delete"),
        (24, "clipboard_capture"),
        (25, "process_tampering"),
        (26, "file_delete_detected"),
        (27, "file_block_executable"),
        (28, "file_block_shredding"),
        (29, "file_executable_detected"),
        (255, "sysmon_error"),
    ];
    for (id, c) in expected {
        assert_eq!(cat(id, json!({})), Some(c), "EventID {id}");
        assert_eq!(category_aliases(c).first(), Some(&c), "{c}");
    }
    assert_eq!(cat(30, json!({})), None);
    assert_eq!(
        cat(12, json!({"EventType": "DeleteKey"})),
        Some("registry_delete")
    );
    assert_eq!(
        cat(12, json!({"EventType": "CreateKey"})),
        Some("registry_add")
    );
    for c in [
        "registry_add",
        "registry_set",
        "registry_rename",
        "registry_delete",
    ] {
        assert_eq!(category_aliases(c), [c, "registry_event"]);
    }
    assert_eq!(
        category_aliases("file_delete_detected"),
        ["file_delete_detected", "file_delete"]
    );
    assert_eq!(category_aliases("nope"), [] as [&str; 0]);
    assert_eq!(services_for("nope"), [] as [&str; 0]);
}

#[test]
fn windows_security_4657_and_defender() {
    let reg = |op: &str| {
        windows_flatten(&evtx(
            system(
                "Security",
                "Microsoft-Windows-Security-Auditing",
                json!(4657),
            ),
            json!({"ObjectName": "\\REGISTRY\\MACHINE\\SOFTWARE\\X", "OperationType": op, "NewValue": "1"}),
        ))
    };
    assert_eq!(reg("%%1904").category, Some("registry_add"));
    assert_eq!(reg("%%1905").category, Some("registry_set"));
    assert_eq!(reg("%%1906").category, None);
    assert_eq!(reg("%%1905").get("Details"), Some("1"));

    let ev = evtx(
        system(
            "Microsoft-Windows-Windows Defender/Operational",
            "Microsoft-Windows-Windows Defender",
            json!(1116),
        ),
        json!({"Threat Name": "HackTool:Win32/Mimikatz", "Path": "file:_C:\\t\\m.exe", "Process Name": "C:\\x.exe"}),
    );
    let n = windows_flatten(&ev);
    assert_eq!(
        (n.service, n.category),
        (Some("windefend"), Some("antivirus"))
    );
    assert_eq!(
        fields(
            &n,
            &[
                "Threat Name",
                "ThreatName",
                "ProcessName",
                "Signature",
                "Filename"
            ]
        ),
        [
            s("HackTool:Win32/Mimikatz"),
            s("HackTool:Win32/Mimikatz"),
            s("C:\\x.exe"),
            s("HackTool:Win32/Mimikatz"),
            s("file:_C:\\t\\m.exe")
        ]
    );
}

#[test]
fn windows_userdata_and_odd_shapes() {
    let ev = json!({"Event": {
        "System": system("Security", "Microsoft-Windows-Eventlog", json!(1102)),
        "UserData": {"LogFileCleared": {
            "#attributes": {"xmlns": "http://manifests.microsoft.com/win/2004/08/windows/eventlog"},
            "SubjectUserSid": "S-1-5-21-1", "SubjectUserName": "admin", "Nested": {"Deep": 5, "List": ["a", "b"]}
        }}
    }});
    let n = windows_flatten(&ev);
    assert_eq!(
        fields(&n, &["SubjectUserName", "Deep", "xmlns"]),
        [s("admin"), s("5"), None]
    );
    assert_eq!(n.get_all("List").collect::<Vec<_>>(), ["a", "b"]);
    // The Event wrapper is optional; "_attributes" style of evtx --separate-json-attributes.
    let ev = json!({
        "System": {"Provider_attributes": {"Name": "P"}, "EventID": 1, "Channel": "System",
                   "TimeCreated_attributes": {"SystemTime": "2026-01-01T00:00:00Z"}},
        "EventData": {"Data": "single"}
    });
    let n = windows_flatten(&ev);
    assert_eq!(
        fields(&n, &["Provider_Name", "TimeCreated", "Data"]),
        [s("P"), s("2026-01-01T00:00:00Z"), s("single")]
    );
    // Not an event at all.
    let n = windows_flatten(&json!([1, 2]));
    assert_eq!((n.product, n.fields.len()), (Some("windows"), 0));
    let n = windows_flatten(&json!({"Event": {"System": "x", "EventData": 5}}));
    assert_eq!(n.get("Data"), Some("5"));
}

#[test]
fn generic_json() {
    let v = json!({"a": {"b": {"c": 1}}, "tags": ["x", "y"], "n": null, "ok": true, "f": 1.5,
                   "objs": [{"k": 1}, {"k": 2}], "big": 18446744073709551615u64});
    let n = json_object(v.as_object().unwrap());
    assert_eq!((n.product, n.service, n.category), (None, None, None));
    assert_eq!(
        fields(&n, &["a.b.c", "ok", "f", "n", "big"]),
        [s("1"), s("true"), s("1.5"), None, s("18446744073709551615")]
    );
    assert_eq!(n.get_all("tags").collect::<Vec<_>>(), ["x", "y"]);
    assert_eq!(n.get_all("objs.k").collect::<Vec<_>>(), ["1", "2"]);

    // evtx-style objects are delegated.
    let ev = evtx(
        system(
            "Microsoft-Windows-Sysmon/Operational",
            "Microsoft-Windows-Sysmon",
            json!(1),
        ),
        json!({"Image": "C:\\a.exe"}),
    );
    let n = json_object(ev.as_object().unwrap());
    assert_eq!(
        (n.service, n.category, n.get("Image")),
        (Some("sysmon"), Some("process_creation"), Some("C:\\a.exe"))
    );
    let inner = ev.get("Event").unwrap().as_object().unwrap();
    assert_eq!(json_object(inner).category, Some("process_creation"));

    // Already-flat Windows (NXLog style).
    let v = json!({"EventTime": "2026-11-25 02:00:00", "Hostname": "WS01", "EventID": 4688, "Channel": "Security",
                   "NewProcessName": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami"});
    let n = json_object(v.as_object().unwrap());
    assert_eq!(
        (n.product, n.service, n.category),
        (Some("windows"), Some("security"), Some("process_creation"))
    );
    assert_eq!(n.get("Image"), Some("C:\\Windows\\System32\\whoami.exe"));
    let v = json!({"EventID": "22", "Channel": "Microsoft-Windows-Sysmon/Operational", "QueryName": "evil.example"});
    assert_eq!(
        json_object(v.as_object().unwrap()).category,
        Some("dns_query")
    );
}
