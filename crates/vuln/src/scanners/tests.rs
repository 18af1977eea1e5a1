//! The scanner report parsers on real reports and on hostile ones.

use super::*;

/// A CVE-like token with a multi-byte character where "CVE-" would end is not a CVE, and
/// not a panic (found by `fuzz/fuzz_targets/scanners.rs`).
#[test]
fn cve_tokens_are_ascii() {
    assert_eq!(
        cve_list("CVEǩen1-46663, cve-2021-44228;CVE-2024-é1"),
        vec!["CVE-2021-44228"]
    );
}

/// A real report kept in `testdata/vuln/scanners` (provenance in `testdata/README.md`).
fn sample(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/vuln/scanners")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn keys(r: &ScanReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.key.as_str()).collect()
}

const NESSUS: &str = r#"<?xml version="1.0" ?>
<NessusClientData_v2><Report name="scan">
<ReportHost name="203.0.113.10"><HostProperties><tag name="host-ip">203.0.113.10</tag><tag name="host-fqdn">web01.syt.laichau.gov.vn</tag></HostProperties>
<ReportItem port="22" svc_name="ssh" protocol="tcp" severity="3" pluginID="201194" pluginName="OpenSSH &lt; 9.8 RCE (regreSSHion)">
<cve>CVE-2024-6387</cve><cvss3_base_score>8.1</cvss3_base_score><risk_factor>High</risk_factor><solution>Upgrade to OpenSSH 9.8</solution></ReportItem>
<ReportItem port="0" svc_name="general" protocol="tcp" severity="0" pluginID="19506" pluginName="Nessus Scan Information"></ReportItem>
</ReportHost>
<ReportHost name="10.213.14.20"><HostProperties><tag name="host-ip">10.213.14.20</tag></HostProperties></ReportHost>
</Report></NessusClientData_v2>"#;

#[test]
fn nessus() {
    let r = parse_scan(NESSUS.as_bytes()).unwrap();
    assert_eq!((r.scanner, r.format), ("nessus", ScanFormat::NessusXml));
    assert_eq!(
        r.hosts,
        vec!["203.0.113.10", "10.213.14.20"],
        "clean hosts count as scanned"
    );
    assert_eq!(r.findings.len(), 1, "informational items are left out");
    let f = &r.findings[0];
    assert_eq!(
        (
            f.key.as_str(),
            f.severity.as_str(),
            f.cvss,
            f.port.as_deref()
        ),
        ("CVE-2024-6387", "high", Some(8.1), Some("22/tcp"))
    );
    assert_eq!(f.title, "OpenSSH < 9.8 RCE (regreSSHion)");
    assert_eq!(f.hostname.as_deref(), Some("web01.syt.laichau.gov.vn"));
}

#[test]
fn openvas() {
    let xml = r#"<report id="r1"><report id="r1"><results>
<result id="a"><name>OpenSSH RCE</name><host>198.51.100.17<asset asset_id="x"/><hostname>td-web01</hostname></host><port>22/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.114673"><name>OpenSSH RCE</name><cvss_base>8.1</cvss_base><solution type="VendorFix">Update</solution>
<refs><ref type="cve" id="CVE-2024-6387"/><ref type="url" id="https://x"/></refs></nvt><threat>High</threat><severity>8.1</severity></result>
<result id="b"><name>TCP timestamps</name><host>198.51.100.17</host><port>general/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.80091"><name>TCP timestamps</name></nvt><threat>Log</threat><severity>0.0</severity></result>
<result id="c"><name>Hostless</name><host></host><port>80/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.1"><name>X</name></nvt><threat>High</threat><severity>7.5</severity></result>
</results></report></report>"#;
    let r = parse_scan(xml.as_bytes()).unwrap();
    assert_eq!((r.scanner, r.format), ("openvas", ScanFormat::OpenvasXml));
    assert_eq!(r.findings.len(), 1);
    assert_eq!(
        (
            r.findings[0].key.as_str(),
            r.findings[0].ip.as_deref(),
            r.findings[0].hostname.as_deref()
        ),
        ("CVE-2024-6387", Some("198.51.100.17"), Some("td-web01"))
    );
    // A result without a host is counted, not fatal.
    assert_eq!(r.skipped, 1);
    assert_eq!(
        r.skipped_entries[0],
        Skipped {
            at: Place::Entry(3),
            id: Some("1.3.6.1.4.1.25623.1.0.1".into()),
            reason: SkipReason::NoHost
        }
    );
}

#[test]
fn nuclei_and_trivy() {
    let jsonl = "{\"template-id\":\"CVE-2021-44228\",\"info\":{\"name\":\"Log4j RCE\",\"severity\":\"critical\",\"classification\":{\"cve-id\":[\"cve-2021-44228\"],\"cvss-score\":10}},\"host\":\"https://198.51.100.33:8443\",\"ip\":\"198.51.100.33\",\"port\":\"8443\"}\n{\"template-id\":\"tech-detect\",\"info\":{\"name\":\"Tech\",\"severity\":\"info\"},\"host\":\"http://198.51.100.49\",\"ip\":\"198.51.100.49\"}\n";
    let r = parse_scan(jsonl.as_bytes()).unwrap();
    assert_eq!((r.scanner, r.format), ("nuclei", ScanFormat::NucleiJsonl));
    assert_eq!(r.hosts.len(), 2);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].key, "CVE-2021-44228");
    let trivy = r#"{"ArtifactName":"198.51.100.65","ArtifactType":"vm","Results":[{"Target":"debian 12","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-13176","PkgName":"openssl","InstalledVersion":"3.0.15-1~deb12u1","FixedVersion":"3.0.16-1~deb12u1","Severity":"MEDIUM","Title":"timing side-channel","CVSS":{"nvd":{"V3Score":4.1}}}]}]}"#;
    let r = parse_scan(trivy.as_bytes()).unwrap();
    assert_eq!(
        (
            r.scanner,
            r.findings[0].severity.as_str(),
            r.findings[0].cvss
        ),
        ("trivy", "medium", Some(4.1))
    );
    assert!(parse_scan(b"<html>").is_err());
    let e = parse_scan(b"{\"template-id\": \"a\", \"ip\": \"192.0.2.1\"}\n{bad").unwrap_err();
    assert_eq!(e.field, "line 2", "{e:?}");
    assert!(
        e.message.starts_with("not valid JSON")
            && e.message.ends_with("(read as a Nuclei JSON-lines report)"),
        "{e:?}"
    );
}

/// Problem 1: a real Nuclei v3 report (DefectDojo issue 14071) whose info lines carry no
/// `host` (none of its lines do) and two of them no `ip` either; one names nothing at all.
#[test]
fn nuclei_v3_lines_without_host_fall_back_or_are_counted() {
    let r = parse_scan(&sample("nuclei_v3_hostless_lines.jsonl")).unwrap();
    assert_eq!(r.format, ScanFormat::NucleiJsonl);
    assert_eq!(
        keys(&r),
        vec![
            "nuclei:dvwa-default-login",
            "nuclei:git-config",
            "nuclei:dockerfile-hidden-disclosure"
        ]
    );
    let sev: Vec<&str> = r.findings.iter().map(|f| f.severity.as_str()).collect();
    assert_eq!(sev, vec!["critical", "medium", "medium"]);
    let f = &r.findings[0];
    assert_eq!(
        (
            f.ip.as_deref(),
            f.hostname.as_deref(),
            f.port.as_deref(),
            f.cvss
        ),
        (Some("172.18.0.3"), Some("dvwa_dvwa_1"), Some("80"), None),
        "the name comes from matched-at"
    );
    assert_eq!(f.title, "DVWA Default Login");
    assert_eq!(r.findings[1].cvss, Some(5.3));
    // Lines 2 and 3 have only `url` ("/http://dvwa_dvwa_1/"): its host part covers the host.
    assert_eq!(r.hosts, vec!["172.18.0.3", "dvwa_dvwa_1"]);
    // Line 7 (a DNS template's result) names nothing: skipped and counted.
    assert_eq!(r.skipped, 1);
    assert_eq!(
        r.skipped_entries,
        vec![Skipped {
            at: Place::Line(7),
            id: Some("nameserver-fingerprint".into()),
            reason: SkipReason::NoHost
        }]
    );
}

#[test]
fn nuclei_skips_are_counted_but_listed_up_to_a_cap() {
    let mut s = String::new();
    for i in 0..30 {
        s.push_str(&format!(
            "{{\"template-id\":\"t{i}\",\"info\":{{\"severity\":\"high\"}}}}\n"
        ));
    }
    s.push_str("{\"template-id\":\"x\",\"info\":{\"severity\":\"high\"},\"matched-at\":\"https://[2001:db8::5]:8443/a\"}\n");
    let r = parse_scan(s.as_bytes()).unwrap();
    assert_eq!(r.skipped, 30);
    assert_eq!(r.skipped_entries.len(), MAX_SKIPPED_LISTED);
    assert_eq!(r.skipped_entries[19].at, Place::Line(20));
    assert_eq!(r.findings.len(), 1);
    assert_eq!(
        (
            r.findings[0].ip.as_deref(),
            r.findings[0].hostname.as_deref()
        ),
        (Some("2001:db8::5"), None),
        "an address in a URL is the address"
    );
}

/// Problem 3: Nuclei's `-je` export, a JSON array of the same results.
#[test]
fn nuclei_json_export() {
    // Constructed in Nuclei v3's `-je` shape: two informational results.
    let export = r#"[{"template-id":"dns-saas-service-detection","info":{"name":"DNS SaaS Service Detection","severity":"info"},"type":"dns","host":"www.example.org","matched-at":"www.example.org","timestamp":"2026-11-25T02:00:00Z"},
        {"template-id":"ssl-issuer","info":{"name":"Detect SSL Certificate Issuer","severity":"info"},"type":"ssl","host":"192.0.2.8","ip":"192.0.2.8","port":"443","matched-at":"192.0.2.8:443","timestamp":"2026-11-25T02:00:01Z"}]"#;
    let r = parse_scan(export.as_bytes()).unwrap();
    assert_eq!(
        (r.scanner, r.format),
        ("nuclei", ScanFormat::NucleiJsonArray)
    );
    assert_eq!(r.findings.len(), 0, "informational results only");
    assert_eq!(r.hosts, vec!["www.example.org", "192.0.2.8"]);
    assert_eq!(r.skipped, 0);
    let arr = r#"[{"template-id":"CVE-2024-4577","info":{"name":"PHP CGI","severity":"critical","classification":{"cve-id":"CVE-2024-4577","cvss-score":9.8}},"host":"http://198.51.100.33","matched-at":"http://198.51.100.33/index.php","port":80},
        {"template-id":"t","info":{"severity":"low"}}]"#;
    let r = parse_scan(arr.as_bytes()).unwrap();
    assert_eq!(keys(&r), vec!["CVE-2024-4577"]);
    assert_eq!(
        (
            r.findings[0].ip.as_deref(),
            r.findings[0].port.as_deref(),
            r.findings[0].cvss
        ),
        (Some("198.51.100.33"), Some("80"), Some(9.8))
    );
    assert_eq!(r.skipped_entries[0].at, Place::Entry(2));
    let e = parse_scan(b"[{\"template-id\":\"a\",\"host\":\"h\"}, 3]").unwrap_err();
    assert_eq!(e.field, "[1]");
    assert!(e.message.contains("read as a Nuclei JSON export"), "{e:?}");
}

/// Problem 2: `trivy k8s` as 0.29 to 0.41 wrote it (real EKS report, trimmed).
#[test]
fn trivy_k8s_vulnerabilities_and_misconfigurations_lists() {
    let r = parse_scan(&sample("trivy_k8s_eks_2022.json")).unwrap();
    assert_eq!((r.scanner, r.format), ("trivy", ScanFormat::TrivyK8s));
    assert_eq!(
        r.hosts,
        vec![
            "default/Deployment/redis-follower",
            "default/Deployment/redis-leader",
            "default/Service/redis-follower",
            "default/Service/redis-leader"
        ],
        "services without findings are covered too"
    );
    assert_eq!(
        keys(&r),
        vec![
            "CVE-2020-27350",
            "CVE-2011-3374",
            "CVE-2020-27350",
            "trivy:KSV001",
            "trivy:KSV012",
            "trivy:KSV001"
        ]
    );
    let f = &r.findings[0];
    assert_eq!(
        (
            f.hostname.as_deref(),
            f.ip.as_deref(),
            f.severity.as_str(),
            f.solution.as_deref()
        ),
        (
            Some("default/Deployment/redis-follower"),
            None,
            "medium",
            Some("Update apt to 1.8.2.2")
        )
    );
    let m = &r.findings[3];
    assert_eq!(
        (m.title.as_str(), m.severity.as_str(), m.cvss),
        ("Process can elevate its own privileges", "medium", None)
    );
    assert_eq!(r.skipped, 0);
}

/// Problem 2: `trivy k8s --report all` of 0.42 and later, `{"ClusterName", "Resources"}`.
#[test]
fn trivy_k8s_resources_list() {
    let r = parse_scan(&sample("trivy_k8s_minikube_all.json")).unwrap();
    assert_eq!(r.format, ScanFormat::TrivyK8s);
    assert_eq!(
        r.hosts,
        vec![
            "default/Service/kubernetes",
            "default/ConfigMap/kube-root-ca.crt",
            "default/Role/caas-scanners-role",
            "default/StatefulSet/vault"
        ]
    );
    assert_eq!(
        keys(&r),
        vec![
            "trivy:KSV116",
            "trivy:KSV116",
            "trivy:KSV001",
            "trivy:KSV117",
            "trivy:KSV003",
            "trivy:KSV104"
        ]
    );
    assert_eq!(r.findings[3].severity, "high");
}

#[test]
fn trivy_k8s_nodes_failures_and_cluster_wide_resources() {
    // Constructed: the shapes Trivy's k8s scanner gives node components, a cluster-wide
    // resource, a resource it failed on and one without a name.
    let doc = r#"{"ClusterName":"laichau-prod","Resources":[
        {"Kind":"NodeComponents","Name":"node-01","Results":[{"Target":"node-01","Class":"lang-pkgs","Vulnerabilities":[{"VulnerabilityID":"CVE-2023-2431","PkgName":"k8s.io/kubelet","InstalledVersion":"1.27.1","FixedVersion":"1.27.2","Severity":"LOW"}]}]},
        {"Kind":"ClusterRole","Name":"admin","Results":[{"Target":"ClusterRole/admin","Misconfigurations":[{"ID":"KSV046","Title":"Manage all resources","Severity":"CRITICAL","Status":"FAIL"},{"ID":"KSV047","Severity":"HIGH","Status":"PASS"}]}]},
        {"Namespace":"kube-system","Kind":"Deployment","Name":"coredns","Error":"unable to pull image"},
        {"Namespace":"default","Kind":"Pod","Name":""}
    ]}"#;
    let r = parse_scan(doc.as_bytes()).unwrap();
    assert_eq!(r.hosts, vec!["node-01", "ClusterRole/admin"]);
    assert_eq!(keys(&r), vec!["CVE-2023-2431", "trivy:KSV046"]);
    assert_eq!(r.findings[1].severity, "critical");
    assert_eq!(r.skipped, 2);
    assert_eq!(
        r.skipped_entries,
        vec![
            Skipped {
                at: Place::Path("Resources[2]".into()),
                id: Some("Deployment/coredns".into()),
                reason: SkipReason::ScanFailed
            },
            Skipped {
                at: Place::Path("Resources[3]".into()),
                id: Some("Pod".into()),
                reason: SkipReason::NoHost
            }
        ]
    );
    // An empty cluster report is a report.
    let r = parse_scan(b"{\"ClusterName\":\"x\",\"Resources\":null}").unwrap();
    assert_eq!((r.format, r.hosts.len()), (ScanFormat::TrivyK8s, 0));
}

/// Problem 4: the pre-0.20 array form is refused by name (real report, trimmed).
#[test]
fn trivy_pre_020_array_is_refused_by_name() {
    let e = parse_scan(&sample("trivy_pre_0.20_array.json")).unwrap_err();
    assert_eq!(e.field, "document");
    assert!(
        e.message
            .starts_with("Trivy report in the pre-0.20 array format")
            && e.message.contains("re-run with a current Trivy"),
        "{e:?}"
    );
    assert_eq!(
        sniff(&sample("trivy_pre_0.20_array.json")),
        ScanFormat::TrivyLegacy
    );
}

/// Problem 5: an empty `ArtifactName` is never a host.
#[test]
fn trivy_empty_artifact_name() {
    let vuln = r#"{"VulnerabilityID":"CVE-2024-13176","PkgName":"openssl","InstalledVersion":"3.0.15","Severity":"MEDIUM"}"#;
    let doc = format!(
        r#"{{"SchemaVersion":2,"ArtifactName":"","Results":[{{"Target":"registry.laichau.gov.vn/cong-dv:2.1 (debian 12.8)","Class":"os-pkgs","Vulnerabilities":[{vuln}]}}]}}"#
    );
    let r = parse_scan(doc.as_bytes()).unwrap();
    assert_eq!(r.hosts, vec!["registry.laichau.gov.vn/cong-dv:2.1"]);
    assert_eq!(
        r.findings[0].hostname.as_deref(),
        Some("registry.laichau.gov.vn/cong-dv:2.1")
    );
    // No name anywhere: each result skipped and counted, nothing with an empty host.
    let doc = format!(
        r#"{{"ArtifactName":"  ","Results":[{{"Target":"debian 12","Vulnerabilities":[{vuln}]}},{{"Target":"/usr/lib/app/package-lock.json"}}]}}"#
    );
    let r = parse_scan(doc.as_bytes()).unwrap();
    assert!(r.hosts.is_empty() && r.findings.is_empty());
    assert_eq!(r.skipped, 2);
    assert_eq!(
        r.skipped_entries[0],
        Skipped {
            at: Place::Path("Results[0]".into()),
            id: Some("debian 12".into()),
            reason: SkipReason::NoHost
        }
    );
}

/// Problem 2 (second half) and 7: unknown documents are refused by name.
#[test]
fn unknown_documents_are_refused_by_name() {
    let e = parse_scan(br#"{"scan":{"id":1},"hosts":[]}"#).unwrap_err();
    assert_eq!(e.field, "document");
    assert!(
        e.message
            .starts_with("a JSON document that is not a Nuclei, Trivy")
            && e.message.contains("scan")
            && e.message.contains("hosts"),
        "{e:?}"
    );
    let e = parse_scan(b"[{\"id\": 1}]").unwrap_err();
    assert!(e.message.starts_with("a JSON array that is not"), "{e:?}");
    let e = parse_scan(b"{\n  \"ArtifactName\": \"x\",\n  \"Results\": [\n}").unwrap_err();
    assert!(e.field.starts_with("line 4 column"), "{e:?}");
    assert!(e.message.starts_with("not valid JSON"), "{e:?}");
    let e = parse_scan(b"{\"a\":1}\n{\"a\":2}\n").unwrap_err();
    assert!(
        e.message
            .starts_with("JSON lines that are not a Nuclei report"),
        "{e:?}"
    );
    let e = parse_scan(b"<?xml version=\"1.0\"?><html/>").unwrap_err();
    assert!(
        e.message.starts_with("an XML document that is not"),
        "{e:?}"
    );
    let e = parse_scan(b"Host,Port,Finding\n10.0.0.1,22,x\n").unwrap_err();
    assert_eq!(e.field, "row 1");
    assert!(e.message.starts_with("a CSV file that is not"), "{e:?}");
    let e = parse_scan(b"hello").unwrap_err();
    assert!(e.message.starts_with("not a Nessus"), "{e:?}");
    let e = parse_scan(b"<NessusClientData_v2><Report><ReportHost name=\"x\"><ReportItem severity=\"3\"></ReportItem>").unwrap_err();
    assert!(
        e.message.contains("pluginID") || e.field.contains("ReportItem"),
        "{e:?}"
    );
    assert!(
        e.message
            .ends_with("(read as a Nessus .nessus (v2 XML) report)"),
        "{e:?}"
    );
}

/// Problem 6: Nessus's default CSV export (13 columns, `CVSS`), real, trimmed.
#[test]
fn nessus_csv_default_export() {
    let r = parse_scan(&sample("nessus_default_export.csv")).unwrap();
    assert_eq!((r.scanner, r.format), ("nessus", ScanFormat::NessusCsv));
    assert_eq!(r.hosts, vec!["52.208.101.182"]);
    assert_eq!(r.findings.len(), 1, "Risk None rows are informational");
    let f = &r.findings[0];
    assert_eq!(
        (
            f.key.as_str(),
            f.severity.as_str(),
            f.cvss,
            f.port.as_deref(),
            f.ip.as_deref(),
            f.hostname.as_deref()
        ),
        (
            "nessus:104743",
            "medium",
            Some(6.1),
            Some("443/tcp"),
            Some("52.208.101.182"),
            None
        )
    );
    assert_eq!(f.title, "TLS Version 1.0 Protocol Detection");
    assert!(
        f.solution
            .as_deref()
            .unwrap()
            .starts_with("Enable support for TLS 1.2 and"),
        "a quoted cell over several lines: {:?}",
        f.solution
    );
}

/// Problem 6: a Tenable.io export (more columns, `CVSS3 Base Score`, `IP Address`,
/// `FQDN`; one row per CVE of a plugin), real, trimmed.
#[test]
fn nessus_csv_tenable_export_merges_rows_of_a_plugin() {
    let r = parse_scan(&sample("tenable_io_export.csv")).unwrap();
    assert_eq!(r.format, ScanFormat::NessusCsv);
    assert_eq!(r.hosts, vec!["127.0.0.1", "192.168.1.110"]);
    assert_eq!(
        keys(&r),
        vec![
            "CVE-2023-32233",
            "CVE-2021-46663,CVE-2021-46666,CVE-2022-31624",
            "CVE-2022-37439",
            "CVE-2022-37439"
        ]
    );
    let f = &r.findings[1];
    assert_eq!(
        (
            f.severity.as_str(),
            f.cvss,
            f.port.as_deref(),
            f.ip.as_deref(),
            f.hostname.as_deref()
        ),
        (
            "high",
            Some(7.5),
            None,
            Some("127.0.0.1"),
            Some("ip-127-0-0-1.us-west-2.compute.internal")
        ),
        "CVSS v3 preferred; port 0 is no port"
    );
    assert_eq!(f.title, "Amazon Linux 2 : mariadb (ALAS-2023-2057)");
    assert_eq!(r.findings[3].ip.as_deref(), Some("192.168.1.110"));
}

#[test]
fn nessus_csv_newer_columns_several_cves_and_bad_rows() {
    // Constructed in the newer export's column order (CVSS v2.0 and v3.0 Base Score).
    let csv = "\u{feff}Plugin ID,CVE,CVSS v2.0 Base Score,Risk,Host,Protocol,Port,Name,Synopsis,Description,Solution,See Also,Plugin Output,CVSS v3.0 Base Score\n\
        201194,\"CVE-2024-6387, CVE-2024-6409\",9.3,Critical,203.0.113.10,tcp,22,\"OpenSSH < 9.8, RCE\",s,\"line one\nline two, with comma\",Upgrade,,out,8.1\n\
        201194,,9.3,Critical,,tcp,22,OpenSSH,s,d,Upgrade,,out,8.1\n\
        ,,,High,203.0.113.11,tcp,80,Nameless,s,d,x,,,\n\
        19506,,,None,web02.laichau.gov.vn,tcp,0,Nessus Scan Information,s,d,n/a,,,\n";
    let r = parse_scan(csv.as_bytes()).unwrap();
    assert_eq!(
        r.hosts,
        vec!["203.0.113.10", "203.0.113.11", "web02.laichau.gov.vn"]
    );
    assert_eq!(keys(&r), vec!["CVE-2024-6387,CVE-2024-6409"]);
    assert_eq!(
        (r.findings[0].cvss, r.findings[0].title.as_str()),
        (Some(8.1), "OpenSSH < 9.8, RCE")
    );
    assert_eq!(r.skipped, 2);
    assert_eq!(
        r.skipped_entries,
        vec![
            Skipped {
                at: Place::Row(4),
                id: Some("201194".into()),
                reason: SkipReason::NoHost
            },
            Skipped {
                at: Place::Row(5),
                id: None,
                reason: SkipReason::NoId
            }
        ],
        "rows are counted as lines of the file (a quoted cell spans two)"
    );
    let e = parse_scan(b"Plugin ID,CVE,Name\n1,,x\n").unwrap_err();
    assert_eq!(e.field, "row 1");
    assert!(
        e.message.starts_with("no \"Host\" column")
            && e.message.ends_with("(read as a Nessus CSV export)"),
        "{e:?}"
    );
}

/// Problem 6: an OpenVAS/GVM CSV results export (constructed in GVM's column layout, with a
/// multi-line quoted cell and a result naming two CVEs).
#[test]
fn openvas_csv_export() {
    let csv = "IP,Hostname,Port,Port Protocol,CVSS,Severity,QoD,Solution Type,NVT Name,Summary,Specific Result,NVT OID,CVEs,Task ID,Task Name,Timestamp\n\
        192.0.2.21,LOGSRV,,,2.6,Low,80,Mitigation,TCP timestamps,\"The remote host implements TCP timestamps.\",\"It was detected that the host implements RFC1323/RFC7323.\nPacket 1: 1\",1.3.6.1.4.1.25623.1.0.80091,,t1,Weekly,2026-11-25T02:00:00Z\n\
        192.0.2.21,LOGSRV,9200,tcp,4.3,Medium,70,Mitigation,SSL/TLS: weak ciphers,Weak ciphers,x,1.3.6.1.4.1.25623.1.0.103440,\"CVE-2011-3389,CVE-2015-0204\",t1,Weekly,2026-11-25T02:00:00Z\n\
        192.0.2.21,LOGSRV,9200,tcp,9.0,High,80,VendorFix,Elasticsearch RCE,Remote code execution,x,1.3.6.1.4.1.25623.1.0.103240,,t1,Weekly,2026-11-25T02:00:00Z\n";
    let r = parse_scan(csv.as_bytes()).unwrap();
    assert_eq!((r.scanner, r.format), ("openvas", ScanFormat::OpenvasCsv));
    assert_eq!(r.hosts, vec!["192.0.2.21"]);
    assert_eq!(
        keys(&r),
        vec![
            "openvas:1.3.6.1.4.1.25623.1.0.80091",
            "CVE-2011-3389,CVE-2015-0204",
            "openvas:1.3.6.1.4.1.25623.1.0.103240"
        ]
    );
    let sev: Vec<(&str, Option<f32>, Option<&str>)> = r
        .findings
        .iter()
        .map(|f| (f.severity.as_str(), f.cvss, f.port.as_deref()))
        .collect();
    assert_eq!(
        sev,
        vec![
            ("low", Some(2.6), None),
            ("medium", Some(4.3), Some("9200/tcp")),
            ("high", Some(9.0), Some("9200/tcp"))
        ]
    );
    assert_eq!(r.findings[0].hostname.as_deref(), Some("LOGSRV"));
    assert_eq!(r.findings[0].title, "TCP timestamps");
    assert_eq!(r.skipped, 0);
}

#[test]
fn openvas_csv_log_rows_and_missing_columns() {
    let csv = "IP,Hostname,Port,Port Protocol,CVSS,Severity,QoD,Solution Type,NVT Name,Summary,Specific Result,NVT OID,CVEs\n\
        45.33.32.156,,80,tcp,0.0,Log,80,,HTTP Server type and version,s,r,1.3.6.1.4.1.25623.1.0.10107,\n\
        ,,443,tcp,7.5,High,80,,X,s,r,1.3.6.1.4.1.25623.1.0.2,CVE-2021-26690\n";
    let r = parse_scan(csv.as_bytes()).unwrap();
    assert_eq!(r.hosts, vec!["45.33.32.156"]);
    assert!(r.findings.is_empty());
    assert_eq!(r.skipped_entries[0].at, Place::Row(3));
    let e = parse_scan(b"IP,NVT Name,CVSS\n1.2.3.4,x,5\n").unwrap_err();
    assert!(
        e.message.starts_with("no \"NVT OID\" column")
            && e.message
                .ends_with("(read as an OpenVAS/Greenbone CSV results export)"),
        "{e:?}"
    );
}

#[test]
fn host_part() {
    for (s, h) in [
        ("https://a.b.vn:8443/x?y", Some("a.b.vn")),
        ("/http://dvwa_dvwa_1/", Some("dvwa_dvwa_1")),
        ("www.asdf.de:443", Some("www.asdf.de")),
        ("[2001:db8::1]:443", Some("2001:db8::1")),
        ("2001:db8::1", Some("2001:db8::1")),
        ("https://user@h.vn/", Some("h.vn")),
        ("", None),
        ("/", None),
    ] {
        assert_eq!(host_of(s).as_deref(), h, "{s}");
    }
}
