//! Nessus `.nessus` v2 and OpenVAS/Greenbone XML reports.

use super::*;

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
    let mut r = ScanReport::new(ScanFormat::NessusXml);
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
                r.cover(&ip.clone().or(name.clone()).unwrap_or_else(|| host.clone()));
                for mut f in pending.drain(..) {
                    f.ip = ip.clone();
                    f.hostname = name.clone();
                    r.findings.push(f);
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
    Ok(r)
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
    let mut r = ScanReport::new(ScanFormat::OpenvasXml);
    let mut results = 0usize;
    let mut depth_result = false;
    let mut cur: Option<OpenvasResult> = None;
    loop {
        match reader.read_event() {
            Ok(XmlEvent::Start(e)) => {
                let n = e.name().as_ref().to_vec();
                match n.as_slice() {
                    b"result" => {
                        results += 1;
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
                    let Some(host) = ip.clone().or(name.clone()) else {
                        r.skip(Place::Entry(results), Some(&oid), SkipReason::NoHost);
                        continue;
                    };
                    r.cover(&host);
                    let severity = if threat.is_empty() || threat == "info" {
                        cvss.map(severity_of).unwrap_or_else(|| "info".into())
                    } else {
                        threat
                    };
                    if severity == "info" {
                        continue;
                    }
                    let key = key_of("openvas", &oid, &mut cves);
                    r.findings.push(ScanFinding {
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
    Ok(r)
}
