//! Vulnerability scanner reports in: Nessus (`.nessus` v2 XML), OpenVAS/Greenbone XML
//! reports, Nuclei JSON lines and Trivy JSON. Each finding names its host as the scanner saw
//! it (address and/or name), the vulnerability (CVEs, else the scanner's own id), severity,
//! CVSS and the fix.

use crate::formats::{severity_of, FormatError};
use quick_xml::events::Event as XmlEvent;
use quick_xml::Reader;
use serde::Serialize;
use serde_json::Value;

/// One finding of a scanner on one host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanFinding {
    /// Address the scanner reached.
    pub ip: Option<String>,
    /// Name the scanner reported.
    pub hostname: Option<String>,
    /// Port / service, if any.
    pub port: Option<String>,
    /// Identity of the vulnerability: its CVEs (sorted, comma-joined), else `scanner:id`.
    pub key: String,
    /// Title.
    pub title: String,
    /// info, low, medium, high, critical.
    pub severity: String,
    /// CVSS base score.
    pub cvss: Option<f32>,
    /// CVE ids.
    pub cves: Vec<String>,
    /// The fix, when the scanner says.
    pub solution: Option<String>,
}

/// A parsed report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    /// nessus, openvas, nuclei or trivy.
    pub scanner: &'static str,
    /// Every host the scan covered (address or name), findings or not: a clean host proves
    /// its earlier findings fixed.
    pub hosts: Vec<String>,
    /// The findings.
    pub findings: Vec<ScanFinding>,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FormatError {
    FormatError {
        field: field.into(),
        message: message.into(),
    }
}

fn key_of(scanner: &str, id: &str, cves: &mut Vec<String>) -> String {
    cves.iter_mut().for_each(|c| *c = c.to_uppercase());
    cves.sort();
    cves.dedup();
    if cves.is_empty() {
        format!("{scanner}:{id}")
    } else {
        cves.join(",")
    }
}

fn norm_severity(s: &str) -> String {
    match s.trim().to_lowercase().as_str() {
        "critical" => "critical",
        "high" => "high",
        "medium" | "moderate" => "medium",
        "low" => "low",
        _ => "info",
    }
    .to_string()
}

/// Reads any supported report (detected from its content).
pub fn parse_scan(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    if head.contains("<NessusClientData_v2") {
        return parse_nessus(bytes);
    }
    if head.trim_start().starts_with('<') && head.contains("<report") {
        return parse_openvas(bytes);
    }
    let first = head.trim_start();
    if first.starts_with('{') {
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            if v.get("Results").is_some() || v.get("ArtifactName").is_some() {
                return parse_trivy(&v);
            }
            if v.get("template-id").is_some() {
                return parse_nuclei(bytes);
            }
        }
        return parse_nuclei(bytes);
    }
    Err(err("", "not a Nessus, OpenVAS, Nuclei or Trivy report"))
}

fn text_of(reader: &mut Reader<&[u8]>, end: &[u8]) -> Result<String, FormatError> {
    let mut out = String::new();
    loop {
        match reader.read_event() {
            Ok(XmlEvent::Text(t)) => {
                out.push_str(&t.decode().map_err(|e| err("xml", e.to_string()))?)
            }
            Ok(XmlEvent::CData(t)) => out.push_str(&String::from_utf8_lossy(&t)),
            Ok(XmlEvent::GeneralRef(r)) => {
                let name = String::from_utf8_lossy(&r).to_string();
                out.push_str(match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                });
            }
            Ok(XmlEvent::End(e)) if e.name().as_ref() == end => return Ok(out.trim().to_string()),
            Ok(XmlEvent::Start(e)) => {
                let inner = e.name().as_ref().to_vec();
                out.push_str(&text_of(reader, &inner)?);
            }
            Ok(XmlEvent::Eof) => {
                return Err(err(
                    String::from_utf8_lossy(end),
                    "unexpected end of the document",
                ))
            }
            Err(e) => {
                return Err(err(
                    format!("byte {}", reader.buffer_position()),
                    format!("not well-formed XML: {e}"),
                ))
            }
            _ => {}
        }
    }
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| {
            String::from_utf8_lossy(&a.value)
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
}

/// Nessus `.nessus` (v2).
pub fn parse_nessus(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut hosts = Vec::new();
    let mut findings = Vec::new();
    let (mut host, mut ip, mut fqdn) = (String::new(), None::<String>, None::<String>);
    let mut pending: Vec<ScanFinding> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(XmlEvent::Start(e)) => match e.name().as_ref() {
                b"ReportHost" => {
                    host = attr(&e, b"name").ok_or_else(|| err("ReportHost", "missing name"))?;
                    ip = None;
                    fqdn = None;
                    pending.clear();
                }
                b"tag" => {
                    let name = attr(&e, b"name").unwrap_or_default();
                    let v = text_of(&mut reader, b"tag")?;
                    match name.as_str() {
                        "host-ip" => ip = Some(v),
                        "host-fqdn" | "hostname" => fqdn = Some(v),
                        _ => {}
                    }
                }
                b"ReportItem" => {
                    let sev: u8 = attr(&e, b"severity")
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    let plugin = attr(&e, b"pluginID").ok_or_else(|| {
                        err(format!("ReportHost {host} ReportItem"), "missing pluginID")
                    })?;
                    let title = attr(&e, b"pluginName").unwrap_or_default();
                    let port = attr(&e, b"port")
                        .filter(|p| p != "0")
                        .map(|p| format!("{p}/{}", attr(&e, b"protocol").unwrap_or_default()));
                    let (mut cves, mut cvss, mut solution, mut risk) =
                        (Vec::new(), None, None, None);
                    loop {
                        match reader.read_event() {
                            Ok(XmlEvent::Start(c)) => {
                                let n = c.name().as_ref().to_vec();
                                let v = text_of(&mut reader, &n)?;
                                match n.as_slice() {
                                    b"cve" => cves.push(v),
                                    b"cvss3_base_score" => cvss = v.parse().ok().or(cvss),
                                    b"cvss_base_score" if cvss.is_none() => cvss = v.parse().ok(),
                                    b"solution" => solution = Some(v),
                                    b"risk_factor" => risk = Some(v),
                                    _ => {}
                                }
                            }
                            Ok(XmlEvent::End(c)) if c.name().as_ref() == b"ReportItem" => break,
                            Ok(XmlEvent::Eof) => {
                                return Err(err(
                                    format!("ReportHost {host}"),
                                    "unexpected end inside a ReportItem",
                                ))
                            }
                            Err(e) => {
                                return Err(err(
                                    format!("byte {}", reader.buffer_position()),
                                    format!("not well-formed XML: {e}"),
                                ))
                            }
                            _ => {}
                        }
                    }
                    if sev == 0 {
                        continue;
                    }
                    let severity = match sev {
                        4 => "critical".to_string(),
                        3 => "high".to_string(),
                        2 => "medium".to_string(),
                        _ => risk
                            .map(|r| norm_severity(&r))
                            .unwrap_or_else(|| "low".into()),
                    };
                    let key = key_of("nessus", &plugin, &mut cves);
                    pending.push(ScanFinding {
                        ip: None,
                        hostname: None,
                        port,
                        key,
                        title,
                        severity,
                        cvss,
                        cves,
                        solution,
                    });
                }
                _ => {}
            },
            Ok(XmlEvent::End(e)) if e.name().as_ref() == b"ReportHost" => {
                let ip = ip
                    .clone()
                    .or_else(|| host.parse::<std::net::IpAddr>().ok().map(|_| host.clone()));
                let name = fqdn
                    .clone()
                    .or_else(|| (ip.as_deref() != Some(host.as_str())).then(|| host.clone()));
                hosts.push(ip.clone().or(name.clone()).unwrap_or_else(|| host.clone()));
                for mut f in pending.drain(..) {
                    f.ip = ip.clone();
                    f.hostname = name.clone();
                    findings.push(f);
                }
            }
            Ok(XmlEvent::Eof) => break,
            Err(e) => {
                return Err(err(
                    format!("byte {}", reader.buffer_position()),
                    format!("not well-formed XML: {e}"),
                ))
            }
            _ => {}
        }
    }
    Ok(ScanReport {
        scanner: "nessus",
        hosts,
        findings,
    })
}

/// One `<result>` of an OpenVAS report while it is read.
#[derive(Default)]
struct OpenvasResult {
    ip: Option<String>,
    name: Option<String>,
    port: Option<String>,
    title: String,
    threat: String,
    cvss: Option<f32>,
    cves: Vec<String>,
    solution: Option<String>,
    oid: String,
}

/// OpenVAS / Greenbone XML report.
pub fn parse_openvas(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut findings = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    let mut depth_result = false;
    let mut cur: Option<OpenvasResult> = None;
    loop {
        match reader.read_event() {
            Ok(XmlEvent::Start(e)) => {
                let n = e.name().as_ref().to_vec();
                match n.as_slice() {
                    b"result" => {
                        depth_result = true;
                        cur = Some(OpenvasResult::default());
                    }
                    b"host" if depth_result => {
                        // <host>10.0.0.1<asset/><hostname>x</hostname></host>
                        let mut ip = String::new();
                        let mut name = None;
                        loop {
                            match reader.read_event() {
                                Ok(XmlEvent::Text(t)) => {
                                    ip.push_str(t.decode().unwrap_or_default().trim())
                                }
                                Ok(XmlEvent::Start(c)) if c.name().as_ref() == b"hostname" => {
                                    name = Some(text_of(&mut reader, b"hostname")?)
                                        .filter(|s| !s.is_empty())
                                }
                                Ok(XmlEvent::End(c)) if c.name().as_ref() == b"host" => break,
                                Ok(XmlEvent::Eof) => {
                                    return Err(err("result.host", "unexpected end"))
                                }
                                Err(e) => return Err(err("result.host", e.to_string())),
                                _ => {}
                            }
                        }
                        if let Some(c) = cur.as_mut() {
                            c.ip = (!ip.is_empty()).then_some(ip);
                            c.name = name;
                        }
                    }
                    b"nvt" if depth_result => {
                        let oid = attr(&e, b"oid").unwrap_or_default();
                        if let Some(c) = cur.as_mut() {
                            c.oid = oid;
                        }
                    }
                    b"ref" if depth_result => {}
                    b"port" | b"name" | b"threat" | b"severity" | b"cvss_base" | b"solution"
                        if depth_result =>
                    {
                        let v = text_of(&mut reader, &n)?;
                        if let Some(c) = cur.as_mut() {
                            match n.as_slice() {
                                b"port" => c.port = Some(v),
                                b"name" if c.title.is_empty() => c.title = v,
                                b"threat" => c.threat = norm_severity(&v),
                                b"severity" | b"cvss_base" => c.cvss = v.parse().ok().or(c.cvss),
                                b"solution" => c.solution = Some(v),
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
            Ok(XmlEvent::Empty(e))
                if depth_result
                    && e.name().as_ref() == b"ref"
                    && attr(&e, b"type").as_deref() == Some("cve") =>
            {
                if let (Some(c), Some(id)) = (cur.as_mut(), attr(&e, b"id")) {
                    c.cves.push(id);
                }
            }
            Ok(XmlEvent::End(e)) if e.name().as_ref() == b"result" => {
                depth_result = false;
                if let Some(OpenvasResult {
                    ip,
                    name,
                    port,
                    title,
                    threat,
                    cvss,
                    mut cves,
                    solution,
                    oid,
                }) = cur.take()
                {
                    let host = ip
                        .clone()
                        .or(name.clone())
                        .ok_or_else(|| err("result.host", "missing"))?;
                    if !hosts.contains(&host) {
                        hosts.push(host);
                    }
                    let severity = if threat.is_empty() || threat == "info" {
                        cvss.map(severity_of).unwrap_or_else(|| "info".into())
                    } else {
                        threat
                    };
                    if severity == "info" {
                        continue;
                    }
                    let key = key_of("openvas", &oid, &mut cves);
                    findings.push(ScanFinding {
                        ip,
                        hostname: name,
                        port,
                        key,
                        title,
                        severity,
                        cvss,
                        cves,
                        solution,
                    });
                }
            }
            Ok(XmlEvent::Eof) => break,
            Err(e) => {
                return Err(err(
                    format!("byte {}", reader.buffer_position()),
                    format!("not well-formed XML: {e}"),
                ))
            }
            _ => {}
        }
    }
    Ok(ScanReport {
        scanner: "openvas",
        hosts,
        findings,
    })
}

/// Nuclei JSON lines.
pub fn parse_nuclei(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let text = std::str::from_utf8(bytes).map_err(|_| err("", "not UTF-8"))?;
    let mut findings = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| err(format!("line {}", i + 1), format!("not valid JSON: {e}")))?;
        let id = v
            .get("template-id")
            .and_then(Value::as_str)
            .ok_or_else(|| err(format!("line {}: template-id", i + 1), "missing"))?;
        let info = v.get("info").cloned().unwrap_or(Value::Null);
        let severity = norm_severity(
            info.get("severity")
                .and_then(Value::as_str)
                .unwrap_or("info"),
        );
        let ip = v.get("ip").and_then(Value::as_str).map(str::to_string);
        let host_url = v.get("host").and_then(Value::as_str).unwrap_or_default();
        let hostname = host_url
            .split("://")
            .last()
            .map(|h| h.split(['/', ':']).next().unwrap_or(h).to_string())
            .filter(|h| !h.is_empty() && Some(h) != ip.as_ref());
        let host = ip
            .clone()
            .or(hostname.clone())
            .ok_or_else(|| err(format!("line {}: host", i + 1), "missing"))?;
        if !hosts.contains(&host) {
            hosts.push(host);
        }
        if severity == "info" {
            continue;
        }
        let class = info.get("classification").cloned().unwrap_or(Value::Null);
        let mut cves: Vec<String> = match class.get("cve-id") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => vec![],
        };
        let cvss = class
            .get("cvss-score")
            .and_then(Value::as_f64)
            .map(|x| x as f32);
        let key = key_of("nuclei", id, &mut cves);
        let port = v.get("port").and_then(|p| {
            p.as_str()
                .map(str::to_string)
                .or_else(|| p.as_u64().map(|n| n.to_string()))
        });
        findings.push(ScanFinding {
            ip,
            hostname,
            port,
            key,
            title: info
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_string(),
            severity,
            cvss,
            cves,
            solution: info
                .get("remediation")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    Ok(ScanReport {
        scanner: "nuclei",
        hosts,
        findings,
    })
}

/// Trivy JSON (`trivy … --format json`): the artifact is the host.
pub fn parse_trivy(v: &Value) -> Result<ScanReport, FormatError> {
    let artifact = v
        .get("ArtifactName")
        .and_then(Value::as_str)
        .ok_or_else(|| err("ArtifactName", "missing"))?
        .to_string();
    let is_ip = artifact.parse::<std::net::IpAddr>().is_ok();
    let mut findings = Vec::new();
    for (i, r) in v
        .get("Results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (j, x) in r
            .get("Vulnerabilities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let id = x
                .get("VulnerabilityID")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    err(
                        format!("Results[{i}].Vulnerabilities[{j}].VulnerabilityID"),
                        "missing",
                    )
                })?;
            let pkg = x.get("PkgName").and_then(Value::as_str).unwrap_or_default();
            let mut cves = if id.starts_with("CVE-") {
                vec![id.to_string()]
            } else {
                vec![]
            };
            let cvss = x
                .get("CVSS")
                .and_then(Value::as_object)
                .and_then(|m| {
                    m.values()
                        .find_map(|s| s.get("V3Score").and_then(Value::as_f64))
                })
                .map(|f| f as f32);
            let key = key_of("trivy", id, &mut cves);
            let fixed = x
                .get("FixedVersion")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            findings.push(ScanFinding {
                ip: is_ip.then(|| artifact.clone()),
                hostname: (!is_ip).then(|| artifact.clone()),
                port: None,
                key,
                title: format!(
                    "{pkg} {}: {}",
                    x.get("InstalledVersion")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    x.get("Title").and_then(Value::as_str).unwrap_or(id)
                ),
                severity: norm_severity(
                    x.get("Severity")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown"),
                ),
                cvss,
                cves,
                solution: fixed.map(|f| format!("Update {pkg} to {f}")),
            });
        }
    }
    Ok(ScanReport {
        scanner: "trivy",
        hosts: vec![artifact],
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(r.scanner, "nessus");
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
</results></report></report>"#;
        let r = parse_scan(xml.as_bytes()).unwrap();
        assert_eq!(r.scanner, "openvas");
        assert_eq!(r.findings.len(), 1);
        assert_eq!(
            (
                r.findings[0].key.as_str(),
                r.findings[0].ip.as_deref(),
                r.findings[0].hostname.as_deref()
            ),
            ("CVE-2024-6387", Some("198.51.100.17"), Some("td-web01"))
        );
    }

    #[test]
    fn nuclei_and_trivy() {
        let jsonl = "{\"template-id\":\"CVE-2021-44228\",\"info\":{\"name\":\"Log4j RCE\",\"severity\":\"critical\",\"classification\":{\"cve-id\":[\"cve-2021-44228\"],\"cvss-score\":10}},\"host\":\"https://198.51.100.33:8443\",\"ip\":\"198.51.100.33\",\"port\":\"8443\"}\n{\"template-id\":\"tech-detect\",\"info\":{\"name\":\"Tech\",\"severity\":\"info\"},\"host\":\"http://198.51.100.49\",\"ip\":\"198.51.100.49\"}\n";
        let r = parse_scan(jsonl.as_bytes()).unwrap();
        assert_eq!(r.scanner, "nuclei");
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
        let e = parse_scan(b"{\"template-id\": 1}\n{bad").unwrap_err();
        assert!(e.field.starts_with("line"), "{e:?}");
    }
}
