use super::*;
use crate::syslog::parse;

/// 2026-11-26 12:00 +07:00.
const NOW: i64 = 1_796_014_800_000;

const FORTIGATE: &str = include_str!("../../../../../testdata/logs/network/fortigate.log");
const PFSENSE: &str = include_str!("../../../../../testdata/logs/network/pfsense_filterlog.log");
const CISCO_ASA: &str = include_str!("../../../../../testdata/logs/network/cisco_asa.log");
const PALOALTO: &str = include_str!("../../../../../testdata/logs/network/paloalto.log");
const MIKROTIK: &str = include_str!("../../../../../testdata/logs/network/mikrotik.log");
const SOPHOS: &str = include_str!("../../../../../testdata/logs/network/sophos_xg.log");
const CEF: &str = include_str!("../../../../../testdata/logs/network/cef.log");
const LEEF: &str = include_str!("../../../../../testdata/logs/network/leef.log");

const ALL: &[(&str, &str)] = &[
    ("fortigate", FORTIGATE),
    ("pfsense", PFSENSE),
    ("cisco_asa", CISCO_ASA),
    ("paloalto", PALOALTO),
    ("mikrotik", MIKROTIK),
    ("sophos", SOPHOS),
    ("cef", CEF),
    ("leef", LEEF),
];

/// What the ingest path will do with a line: read it as syslog when it is syslog, else as a
/// bare line.
fn read(line: &str) -> Option<Normalized> {
    match parse(line.as_bytes(), NOW) {
        Ok(m) => firewall_from_syslog(&m).or_else(|| firewall_line(line)),
        Err(_) => firewall_line(line),
    }
}

fn lines(file: &str) -> Vec<&str> {
    file.lines().filter(|l| !l.is_empty()).collect()
}

/// The record of line `n` (1-based) of `file`, which must be recognised.
fn rec(file: &str, n: usize) -> Normalized {
    let line = lines(file)[n - 1];
    match read(line) {
        Some(r) => r,
        None => panic!("line {n} not recognised: {line}"),
    }
}

/// `(src_ip, src_port, dst_ip, dst_port, protocol, action)` of a record.
fn five(n: &Normalized) -> [Option<&str>; 6] {
    [
        n.get("src_ip"),
        n.get("src_port"),
        n.get("dst_ip"),
        n.get("dst_port"),
        n.get("protocol"),
        n.get("action"),
    ]
}

#[test]
fn every_sample_line_is_recognised_with_its_product() {
    let expect: &[(&str, Option<&str>, &str, usize)] = &[
        ("fortigate", Some("fortigate"), "fortigate", 12),
        ("pfsense", Some("pfsense"), "pfsense", 11),
        ("cisco_asa", Some("cisco"), "cisco-asa", 30),
        ("paloalto", Some("paloalto"), "paloalto", 8),
        ("mikrotik", Some("mikrotik"), "mikrotik", 7),
        ("sophos", Some("sophos"), "sophos", 6),
        ("cef", None, "cef", 14),
        ("leef", None, "leef", 9),
    ];
    for ((name, file), (ename, product, format, count)) in ALL.iter().zip(expect) {
        assert_eq!(name, ename);
        let ls = lines(file);
        assert_eq!(ls.len(), *count, "{name}: line count");
        for (i, line) in ls.iter().enumerate() {
            let r = read(line).unwrap_or_else(|| panic!("{name} line {} not recognised", i + 1));
            assert_eq!(r.category, Some("firewall"), "{name} line {}", i + 1);
            assert_eq!(r.product, *product, "{name} line {}", i + 1);
            assert_eq!(r.format, *format, "{name} line {}", i + 1);
            assert!(r.get("message").is_some_and(|m| !m.is_empty()));
        }
    }
}

#[test]
fn fortigate_lines() {
    // Wazuh 5-12: traffic forward deny, bare.
    let r = rec(FORTIGATE, 5);
    assert_eq!(
        five(&r),
        [
            Some("7.3.8.5"),
            Some("57727"),
            Some("7.8.9.81"),
            Some("80"),
            Some("tcp"),
            Some("deny")
        ]
    );
    assert_eq!(r.get("host"), Some("Device_Name"));
    // The vendor's names stay next to Sigma's.
    assert_eq!(r.get("srcip"), Some("7.3.8.5"));
    assert_eq!(r.get("logid"), Some("0000000013"));
    assert_eq!(r.get("vendor_action"), Some("deny"));
    // Inside a syslog frame without PRI or app name: the relay's host comes first.
    let r = rec(FORTIGATE, 2);
    assert_eq!(r.get("src_ip"), Some("10.10.10.35"));
    assert_eq!(r.get("dst_port"), Some("2960"));
    // `detected` is no decision: FortiGate's own `action` is all there is.
    assert_eq!(r.get_all("action").collect::<Vec<_>>(), ["detected"]);
    assert_eq!(r.get("vendor_action"), Some("detected"));
    assert_eq!(r.get("host"), Some("Text"));
    // FortiOS 6, quoted values: accept → allow, the vendor's word kept as a second value.
    let r = rec(FORTIGATE, 8);
    assert_eq!(
        five(&r),
        [
            Some("10.1.100.22"),
            Some("50002"),
            Some("172.16.100.100"),
            Some("53"),
            Some("udp"),
            Some("allow")
        ]
    );
    assert_eq!(r.get_all("action").collect::<Vec<_>>(), ["allow", "accept"]);
    // UTM: blocked → deny, quoted devname.
    let r = rec(FORTIGATE, 11);
    assert_eq!(r.get("action"), Some("deny"));
    assert_eq!(r.get("host"), Some("BA-RSYS-FW"));
    assert_eq!(r.get("dst_ip"), Some("164.100.80.203"));
    // IPS reset; a relay's date and name before the pairs are skipped.
    assert_eq!(rec(FORTIGATE, 1).get("action"), Some("reset"));
    assert_eq!(rec(FORTIGATE, 4).get("src_ip"), Some("172.24.42.175"));
    assert_eq!(rec(FORTIGATE, 4).get("action"), Some("allow"));
    // Event log: the user is named.
    assert_eq!(rec(FORTIGATE, 6).get("user"), Some("root"));
    // An empty user names nobody: only FortiGate's own empty `user` is there.
    assert_eq!(rec(FORTIGATE, 3).get_all("user").collect::<Vec<_>>(), [""]);
}

#[test]
fn fortigate_in_a_syslog_frame_with_pri() {
    // A real line (Wazuh 5-12) inside a PRI, as FortiGate sends it (the framing is ours).
    let line = lines(FORTIGATE)[4];
    let framed = format!("<189>{line}");
    let r = read(&framed).expect("recognised");
    assert_eq!(r.get("dst_ip"), Some("7.8.9.81"));
    assert_eq!(r.get("message"), Some(line));
}

#[test]
fn pfsense_filterlog_lines() {
    // IPv4 ICMP with a `datalength=` column.
    let r = rec(PFSENSE, 1);
    assert_eq!(
        five(&r),
        [
            Some("192.168.105.11"),
            None,
            Some("192.168.105.1"),
            None,
            Some("icmp"),
            Some("allow")
        ]
    );
    assert_eq!(r.get("data_length"), Some("36"));
    assert_eq!(r.get("rule_number"), Some("65"));
    // IPv4 UDP block, with the host from the syslog header.
    let r = rec(PFSENSE, 2);
    assert_eq!(
        five(&r),
        [
            Some("10.9.0.119"),
            Some("17500"),
            Some("10.9.0.255"),
            Some("17600"),
            Some("udp"),
            Some("deny")
        ]
    );
    assert_eq!(r.get("vendor_action"), Some("block"));
    assert_eq!(r.get("host"), Some("pfSense"));
    assert_eq!(r.get("tracker"), Some("1000102433"));
    // RFC 5424, IPv4 TCP.
    let r = rec(PFSENSE, 3);
    assert_eq!(r.get("dst_port"), Some("80"));
    assert_eq!(r.get("tcp_flags"), Some("S"));
    assert_eq!(r.get("tcp_options"), Some("mss;sackOK;TS;nop;wscale"));
    assert_eq!(r.get("host"), Some("firewall.lan"));
    // IPv6 TCP: protocol text before the protocol id.
    let r = rec(PFSENSE, 5);
    assert_eq!(
        five(&r),
        [
            Some("fdfd:ace:ace:10:d8:cdbf:f6f8:6d69"),
            Some("65382"),
            Some("fdfd:ace:ace:5::6"),
            Some("443"),
            Some("tcp"),
            Some("deny")
        ]
    );
    assert_eq!(r.get("ip_hop_limit"), Some("64"));
    // IPv6 UDP.
    let r = rec(PFSENSE, 6);
    assert_eq!(r.get("src_ip"), Some("fe80::208:9bff:fef3:652b"));
    assert_eq!(r.get("dst_port"), Some("547"));
    // IGMP: no ports, data length.
    let r = rec(PFSENSE, 7);
    assert_eq!(r.get("protocol"), Some("igmp"));
    assert_eq!(r.get("data_length"), Some("8"));
    // ICMP echo request.
    let r = rec(PFSENSE, 8);
    assert_eq!(r.get("icmp_type"), Some("request"));
    assert_eq!(r.get("icmp_id"), Some("37728"));
    assert_eq!(r.get("icmp_seq"), Some("164"));
    // OPNsense, RFC 5424 with structured data, outbound pass.
    let r = rec(PFSENSE, 11);
    assert_eq!(
        five(&r),
        [
            Some("192.168.1.1"),
            Some("40370"),
            Some("10.10.10.10"),
            Some("80"),
            Some("tcp"),
            Some("allow")
        ]
    );
    assert_eq!(r.get("direction"), Some("out"));
}

#[test]
fn cisco_asa_lines() {
    let r = rec(CISCO_ASA, 8); // 106023
    assert_eq!(
        five(&r),
        [
            Some("10.10.10.10"),
            Some("64388"),
            Some("192.168.2.2"),
            Some("443"),
            Some("tcp"),
            Some("deny")
        ]
    );
    assert_eq!((r.product, r.service), (Some("cisco"), Some("asa")));
    assert_eq!(r.get("asa_id"), Some("106023"));
    assert_eq!(r.get("severity"), Some("4"));
    assert_eq!(r.get("access_group"), Some("out1111_access_out"));
    // FTD 302013 inbound: the `for` side is the source.
    let r = rec(CISCO_ASA, 1);
    assert_eq!(r.get("asa_id"), Some("302013"));
    assert_eq!(r.get("src_ip"), Some("10.10.10.10"));
    assert_eq!(r.get("dst_ip"), Some("192.168.2.2"));
    assert_eq!(r.get("action"), Some("allow"));
    // 302013 outbound: the inside host (the `to` side) opened it.
    let r = rec(CISCO_ASA, 3);
    assert_eq!(
        five(&r),
        [
            Some("10.10.10.10"),
            Some("54839"),
            Some("192.168.2.2"),
            Some("80"),
            Some("tcp"),
            Some("allow")
        ]
    );
    // 302014 teardown: as written, no action.
    let r = rec(CISCO_ASA, 2);
    assert_eq!(r.get("src_ip"), Some("10.10.10.10"));
    assert_eq!(r.get("dst_port"), Some("55225"));
    assert_eq!(r.get("action"), None);
    // 305011: translation.
    let r = rec(CISCO_ASA, 4);
    assert_eq!(r.get("src_ip"), Some("10.10.10.10"));
    assert_eq!(r.get("nat_src_ip"), Some("192.168.2.2"));
    // 106001, 106006, 106015.
    assert_eq!(
        five(&rec(CISCO_ASA, 5)),
        [
            Some("192.168.2.2"),
            Some("43803"),
            Some("10.10.10.10"),
            Some("14322"),
            Some("tcp"),
            Some("deny")
        ]
    );
    assert_eq!(rec(CISCO_ASA, 9).get("protocol"), Some("udp"));
    assert_eq!(rec(CISCO_ASA, 10).get("dst_port"), Some("443"));
    // 106100 permitted / denied / est-allowed.
    let r = rec(CISCO_ASA, 11);
    assert_eq!(
        five(&r),
        [
            Some("192.168.2.2"),
            Some("62157"),
            Some("10.10.10.10"),
            Some("3452"),
            Some("tcp"),
            Some("allow")
        ]
    );
    assert_eq!(r.get("access_list"), Some("fw111_out"));
    let r = rec(CISCO_ASA, 13);
    assert_eq!(r.get("src_host"), Some("somedomainname.local"));
    assert_eq!(r.get("action"), Some("deny"));
    assert_eq!(rec(CISCO_ASA, 25).get("action"), Some("allow"));
    // Logins and AAA.
    let r = rec(CISCO_ASA, 14); // 605004
    assert_eq!(r.get("src_ip"), Some("10.10.1.212"));
    assert_eq!(r.get("dst_service"), Some("https"));
    assert_eq!(r.get("outcome"), Some("failure"));
    let r = rec(CISCO_ASA, 16); // 605005
    assert_eq!(r.get("user"), Some("admin"));
    assert_eq!(r.get("outcome"), Some("success"));
    let r = rec(CISCO_ASA, 15); // 611102
    assert_eq!(r.get("src_ip"), Some("10.10.0.87"));
    assert_eq!(r.get("user"), Some("admin"));
    assert_eq!(r.get("outcome"), Some("failure"));
    assert_eq!(rec(CISCO_ASA, 17).get("outcome"), Some("success")); // 611101
    let r = rec(CISCO_ASA, 26); // 113004
    assert_eq!(r.get("user"), Some("user"));
    assert_eq!(r.get("outcome"), Some("success"));
    let r = rec(CISCO_ASA, 27); // 113005
    assert_eq!(r.get("src_ip"), Some("192.168.0.1"));
    assert_eq!(r.get("outcome"), Some("failure"));
    // 710003: no interface on the source side.
    let r = rec(CISCO_ASA, 18);
    assert_eq!(r.get("src_ip"), Some("104.46.88.19"));
    assert_eq!(r.get("dst_ip"), Some("195.74.114.34"));
    assert_eq!(r.get("dst_port"), Some("23"));
    assert_eq!(r.get("action"), Some("deny"));
    // The tag as syslog's app name (Cisco timestamp with a colon), a facility word, a
    // hostname then ` : `, and a tag without its colon.
    assert_eq!(rec(CISCO_ASA, 19).get("dst_ip"), Some("192.0.0.8"));
    assert_eq!(
        rec(CISCO_ASA, 19).get("message"),
        Some(
            "%ASA-4-106023: Deny tcp src dmz:10.1.2.30/63016 dst outside:192.0.0.8/53 by access-group \"acl_dmz\" [0xe3aab522, 0x0]"
        )
    );
    assert_eq!(rec(CISCO_ASA, 20).get("asa_id"), Some("106100"));
    let r = rec(CISCO_ASA, 21);
    assert_eq!(r.get("host"), Some("INT-FW01"));
    assert_eq!(r.get("action"), Some("deny"));
    let r = rec(CISCO_ASA, 23);
    assert_eq!(r.get("asa_id"), Some("302016"));
    assert_eq!(r.get("dst_ip"), Some("10.44.2.2"));
    assert_eq!(r.get("host"), None);
    // A name where the address goes.
    assert_eq!(rec(CISCO_ASA, 29).get("dst_host"), Some("Server_Windows"));
    assert_eq!(rec(CISCO_ASA, 29).get("dst_ip"), None);
    // 106014: ICMP without ports.
    let r = rec(CISCO_ASA, 30);
    assert_eq!(r.get("protocol"), Some("icmp"));
    assert_eq!(r.get("dst_ip"), Some("116.6.127.112"));
}

#[test]
fn paloalto_lines() {
    // THREAT, bare, reset-both.
    let r = rec(PALOALTO, 1);
    assert_eq!(
        five(&r),
        [
            Some("199.195.252.165"),
            Some("55094"),
            Some("172.30.250.61"),
            Some("443"),
            Some("tcp"),
            Some("reset")
        ]
    );
    assert_eq!(r.get("vendor_action"), Some("reset-both"));
    assert_eq!(r.get("url_filename"), Some("getuser"));
    assert_eq!(r.get("threat_severity"), Some("high"));
    // TRAFFIC deny.
    let r = rec(PALOALTO, 2);
    assert_eq!(r.get("action"), Some("deny"));
    assert_eq!(r.get("dst_ip"), Some("51.11.168.232"));
    assert_eq!(r.get("rule"), Some("DENY-ALL"));
    // A record cut after its type column keeps what it has.
    let r = rec(PALOALTO, 3);
    assert_eq!(r.get("type"), Some("TRAFFIC"));
    assert_eq!(r.get("src_ip"), None);
    assert_eq!(r.get("host"), Some("xx-xx-xx.xx"));
    // THREAT with a quoted column holding commas; alert is no decision.
    let r = rec(PALOALTO, 5);
    assert_eq!(r.get("action"), None);
    assert_eq!(r.get("vendor_action"), Some("alert"));
    assert_eq!(
        r.get("url_filename"),
        Some("1.2.3.5/nmaplowercheck1688559266")
    );
    assert_eq!(r.get("host"), Some("paloalto.test.host"));
    // No hostname: the syslog parser took the first column for one.
    let r = rec(PALOALTO, 6);
    assert_eq!(
        five(&r),
        [
            Some("192.168.0.2"),
            Some("59324"),
            Some("67.43.156.12"),
            Some("80"),
            Some("tcp"),
            Some("allow")
        ]
    );
    assert_eq!(r.get("user"), Some("crusher"));
    assert_eq!(r.get("host"), None);
    assert!(r
        .get("message")
        .is_some_and(|m| m.starts_with("1,2012/10/30 09:46:12,")));
    // block-url.
    let r = rec(PALOALTO, 8);
    assert_eq!(r.get("action"), Some("deny"));
    assert_eq!(r.get("host"), Some("PA-220"));
    assert_eq!(r.get("url_filename"), Some("consent.cmp.oath.com/"));
}

#[test]
fn mikrotik_lines() {
    let r = rec(MIKROTIK, 1);
    assert_eq!(
        five(&r),
        [
            Some("186.26.78.68"),
            Some("44355"),
            Some("81.82.202.145"),
            Some("53"),
            Some("udp"),
            None
        ]
    );
    assert_eq!(r.get("topics"), Some("firewall,info"));
    assert_eq!(r.get("log_prefix"), Some("drop-in"));
    assert_eq!(r.get("chain"), Some("input"));
    assert_eq!(r.get("in_interface"), Some("ether1-WAN"));
    assert_eq!(r.get("out_interface"), Some("(unknown 0)"));
    assert_eq!(r.get("connection_state"), Some("new"));
    assert_eq!(r.get("src_mac"), Some("00:17:10:88:bc:02"));
    assert_eq!(r.get("length"), Some("65"));
    assert_eq!(r.get("host"), Some("10.120.127.1"));
    let r = rec(MIKROTIK, 2);
    assert_eq!(r.get("tcp_flags"), Some("SYN"));
    assert_eq!(r.get("dst_port"), Some("23"));
    // IPv6 in brackets, no prefix.
    let r = rec(MIKROTIK, 3);
    assert_eq!(r.get("src_ip"), Some("2001:db8:1234::1"));
    assert_eq!(r.get("dst_ip"), Some("2001:db8:1234::2"));
    assert_eq!(r.get("dst_port"), Some("20461"));
    assert_eq!(r.get("log_prefix"), None);
    assert_eq!(r.get("chain"), Some("input"));
    let r = rec(MIKROTIK, 4);
    assert_eq!(r.get("chain"), Some("forward"));
    assert_eq!(r.get("out_interface"), Some("LAN"));
    // No src-mac after the connection state.
    let r = rec(MIKROTIK, 5);
    assert_eq!(r.get("src_mac"), None);
    assert_eq!(r.get("dst_port"), Some("36228"));
    // No syslog header, no topics.
    let r = rec(MIKROTIK, 7);
    assert_eq!(
        five(&r),
        [
            Some("192.168.1.196"),
            Some("62583"),
            Some("10.1.0.0"),
            Some("8000"),
            Some("tcp"),
            None
        ]
    );
}

#[test]
fn sophos_lines() {
    let r = rec(SOPHOS, 1);
    assert_eq!(
        five(&r),
        [
            Some("11.22.33.44"),
            Some("52667"),
            Some("44.33.22.11"),
            Some("10051"),
            Some("tcp"),
            Some("deny")
        ]
    );
    assert_eq!(r.get("host"), Some("XG210"));
    // Sophos' own `protocol` stays as a second value.
    assert_eq!(r.get_all("protocol").collect::<Vec<_>>(), ["tcp", "TCP"]);
    assert_eq!(r.get("log_component"), Some("Firewall Rule"));
    assert_eq!(rec(SOPHOS, 2).get("action"), Some("allow"));
    assert_eq!(rec(SOPHOS, 3).get("action"), Some("drop"));
    let r = rec(SOPHOS, 5);
    assert_eq!(r.get("user"), Some("elastic@user.local"));
    assert_eq!(r.get("dst_ip"), Some("192.168.0.1"));
    assert_eq!(r.get("action"), Some("deny"));
    let r = rec(SOPHOS, 6);
    assert_eq!(r.get("protocol"), Some("icmp"));
    assert_eq!(r.get("icmp_type"), Some("3"));
    assert_eq!(r.get("src_port"), None);
}

#[test]
fn cef_lines() {
    let r = rec(CEF, 2); // UniFi inside syslog
    assert_eq!(
        five(&r),
        [
            Some("198.51.100.10"),
            Some("46621"),
            None,
            Some("80"),
            Some("tcp"),
            Some("deny")
        ]
    );
    assert_eq!(r.get("vendor_action"), Some("blocked"));
    assert_eq!(r.get("device_product"), Some("UniFi Network"));
    assert_eq!(r.get("host"), Some("Express-7"));
    // `CEF: 0|…` inside syslog: the parser took `CEF:` for the tag.
    let r = rec(CEF, 4);
    assert_eq!(r.get("dst_ip"), Some("192.168.1.100"));
    assert_eq!(r.get("cef_version"), Some("0"));
    assert!(r
        .get("message")
        .is_some_and(|m| m.starts_with("CEF: 0|Ubiquiti|")));
    // `CEF: 0|…` bare.
    assert_eq!(rec(CEF, 3).get("src_ip"), Some("10.72.1.222"));
    // Forcepoint: an escaped `=` in a value, act=Allow.
    let r = rec(CEF, 5);
    assert_eq!(r.get("action"), Some("allow"));
    assert_eq!(r.get("protocol"), Some("icmp"));
    assert_eq!(r.get("host"), Some("10.1.1.40"));
    assert_eq!(
        r.get("msg"),
        Some("Referred connection: 10.1.1.40 -> 10.37.133.35 frag=0x4000 TCP 47413->3020")
    );
    assert_eq!(r.get("deviceFacility"), Some("Packet Filtering"));
    let r = rec(CEF, 6);
    assert_eq!(
        five(&r),
        [
            Some("172.16.1.1"),
            Some("68"),
            Some("255.255.255.255"),
            Some("67"),
            Some("udp"),
            None
        ]
    );
    assert_eq!(rec(CEF, 7).get("action"), Some("deny")); // Refuse
    assert_eq!(rec(CEF, 8).get("user"), Some("alice"));
    // Check Point: `\=` inside a value; act=Drop.
    let r = rec(CEF, 9);
    assert_eq!(r.get("originsicname"), Some("CN=R80,O=R80_M..6u6bdo"));
    assert_eq!(r.get("dst_ip"), Some("52.173.84.157"));
    assert_eq!(r.get("action"), Some("allow"));
    assert_eq!(r.get("product"), Some("VPN-1 & FireWall-1"));
    assert_eq!(rec(CEF, 10).get("action"), Some("drop"));
    // Escapes: `\\` and `\=` in the extension, `\|` and `\\` in the header, `\n`, `\r`.
    let r = rec(CEF, 12);
    assert_eq!(r.get("msg"), Some("a+b=c"));
    assert_eq!(r.get("x"), Some("c\\d=z"));
    let r = rec(CEF, 13);
    assert_eq!(r.get("device_vendor"), Some("security\\compliance"));
    assert_eq!(r.get("device_product"), Some("threat|->manager"));
    assert_eq!(
        r.get("msg"),
        Some("Newlines in messages\nare allowed.\r\nAnd so are carriage feeds\\newlines\\=.")
    );
    // Header only.
    let r = rec(CEF, 14);
    assert_eq!(r.get("name"), Some("SSL Untraceable Connection"));
    assert_eq!(r.get("cef_severity"), Some("Medium"));
    assert_eq!(r.get("host"), Some("3.3.3.3"));
}

#[test]
fn leef_lines() {
    // LEEF 2.0 over syslog, delimiter `0x09`.
    let r = rec(LEEF, 1);
    assert_eq!(r.get("leef_delimiter"), Some("0x09"));
    assert_eq!(r.get("user"), Some("Mervin Marks"));
    assert_eq!(r.get("EventID"), Some("10"));
    assert_eq!(r.get("host"), Some("LAPTOP-45Q5L6E5"));
    assert_eq!(
        r.get("Channel"),
        Some("Microsoft-Windows-Security-Mitigations/KernelMode")
    );
    // `^`, `0x5E`, `x5E`, empty (tab) and absent (tab) delimiters, and LEEF 1.0 with tabs.
    for n in 2..=8 {
        let r = rec(LEEF, n);
        assert!(r.get("src_ip").is_some(), "line {n}");
        assert_eq!(r.get("dst_ip"), Some("172.50.123.1"), "line {n}");
        assert_eq!(r.get("dst_port"), Some("21"), "line {n}");
        assert_eq!(r.get("src_port"), Some("81"), "line {n}");
        assert_eq!(r.get("user"), Some("joe.black"), "line {n}");
    }
    assert_eq!(rec(LEEF, 2).get("src_ip"), Some("192.0.2.0"));
    assert_eq!(rec(LEEF, 2).get("host"), Some("3.3.3.3"));
    assert_eq!(rec(LEEF, 8).get("src_ip"), Some("200.0.2.0"));
    // PAN-OS's LEEF 1.0 with `|` between the attributes.
    let r = rec(LEEF, 9);
    assert_eq!(
        five(&r),
        [
            Some("1.1.1.1"),
            Some("12345"),
            Some("1.1.1.1"),
            Some("443"),
            Some("tcp"),
            Some("allow")
        ]
    );
    assert_eq!(r.get("user"), None);
    assert_eq!(r.get("DeviceName"), Some("host"));
}

#[test]
fn cef_leef_product_from_a_known_device_product() {
    let r = firewall_line("CEF:0|Fortinet|Fortigate|v6.0.3|00013|traffic:forward close|3|src=192.0.2.1 dst=198.51.100.2 act=close").expect("cef");
    assert_eq!(r.product, Some("fortigate"));
    let r = firewall_line("LEEF:1.0|Cisco|ASA|9.8|106023|src=192.0.2.1").expect("leef");
    assert_eq!((r.product, r.service), (Some("cisco"), Some("asa")));
}

#[test]
fn plain_syslog_is_not_recognised() {
    for line in [
        "Nov 25 02:00:00 web01 sshd[1]: Failed password for invalid user admin from 203.0.113.7 port 51122 ssh2",
        "Nov 25 02:00:00 web01 sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root",
        "<13>1 2026-11-25T02:00:00Z h app 7 ID1 [origin ip=\"192.0.2.1\"] m=1 n=2",
        "Nov 25 02:00:00 web01 kernel: [ 12.345678] audit: type=1400 audit(1.2:3): apparmor=\"DENIED\"",
        "Nov 25 02:00:00 web01 CRON[42]: (root) CMD (cd / && run-parts --report /etc/cron.hourly)",
    ] {
        let m = parse(line.as_bytes(), NOW).expect("syslog");
        assert_eq!(firewall_from_syslog(&m), None, "{line}");
        assert_eq!(firewall_line(&m.message), None, "{line}");
        assert_eq!(firewall_line(line), None, "{line}");
    }
}

#[test]
fn incomplete_headers_give_none() {
    for line in [
        "CEF:0|SentinelOne|Mgmt|activityID=1111111111111111111 activityType=3505",
        "CEF:x|a|b|c|d|e|f|g",
        "LEEF:2.0|Vendor|Product",
        "%ASA-4: Deny tcp",
        "%ASA-x-106023: Deny tcp",
        "%FTD-6-: Built",
        "1,2012/10/30 09:46:12,01606001116,SYSTEM,general",
        "date=2016-06-16 time=10:19:23 devname=x srcip=1.2.3.4",
        "forward: in:ether1",
    ] {
        assert_eq!(firewall_line(line), None, "{line}");
    }
    let m = parse(
        b"<134>Jul  3 19:10:30 filterlog[72237]: 146,,,1535324496,igb1.12",
        NOW,
    )
    .expect("syslog");
    assert_eq!(firewall_from_syslog(&m), None);
}

/// Every prefix of every sample line, as syslog and as a bare line: no panic.
#[test]
fn prefixes_of_sample_lines_never_panic() {
    for (_, file) in ALL {
        for line in lines(file) {
            for (i, _) in line.char_indices() {
                let p = &line[..i];
                let _ = read(p);
                let _ = firewall_line(p);
                let _ = firewall_line(&line[i..]);
            }
        }
    }
}

/// Random bytes, alone and after the start of each format, never panic.
#[test]
fn random_bytes_never_panic() {
    let heads = [
        "",
        "CEF:0|",
        "CEF:0|a|b|c|d|e|f|",
        "LEEF:2.0|a|b|c|d|",
        "LEEF:2.0|a|b|c|d|x|",
        "LEEF:1.0|a|b|c|d|",
        "%ASA-4-106023: Deny ",
        "%ASA-6-302013: Built outbound TCP connection 1 for ",
        "%ASA-6-106100: access-list a permitted tcp ",
        "%FTD-6-113005: ",
        "1,2020/01/01 00:00:00,1,TRAFFIC,",
        "1,2020/01/01 00:00:00,1,THREAT,url,",
        "logid=\"1\" srcip=",
        "device=\"SFW\" log_type=\"Firewall\" src_ip=",
        "firewall,info x input: in:a out:",
        "forward: in:a out:b, proto TCP (",
        "filterlog: 1,,,1,em0,match,block,in,4,",
        "filterlog: 1,,,1,em0,match,block,in,6,",
    ];
    let alphabet = b"|=,:;\\\" ()[]<>/%-.0123456789abcdefxACTFR\t^\xc3\xa9\xff";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..4000 {
        let len = (next() % 120) as usize;
        let mut bytes: Vec<u8> = heads[round % heads.len()].as_bytes().to_vec();
        for _ in 0..len {
            let pick = if next() % 4 == 0 {
                (next() & 0xff) as u8
            } else {
                alphabet[(next() as usize) % alphabet.len()]
            };
            bytes.push(pick);
        }
        let line = String::from_utf8_lossy(&bytes);
        let _ = firewall_line(&line);
        let _ = read(&line);
        let framed = format!("<134>Jul  3 19:10:30 fw {line}");
        let _ = read(&framed);
        if let Ok(m) = parse(
            format!("<134>Jul  3 19:10:30 fw filterlog: {line}").as_bytes(),
            NOW,
        ) {
            let _ = firewall_from_syslog(&m);
        }
    }
}
