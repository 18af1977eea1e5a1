//! The CSV exports of Nessus (and Tenable.io/Tenable.sc) and OpenVAS/Greenbone.

use super::*;

fn read_table(bytes: &[u8]) -> Result<Table, FormatError> {
    canhgac_sheets::read(bytes, canhgac_sheets::Format::Csv).map_err(|e| match e {
        SheetError::Csv { row, message } => err(format!("row {row}"), message),
        SheetError::Encoding { row } => err(
            format!("row {row}"),
            "the text is not UTF-8 (export the report again, or save it as CSV UTF-8)",
        ),
        SheetError::TooManyRows { row, limit } => err(
            format!("row {row}"),
            format!("more than {limit} rows; export fewer hosts per file"),
        ),
        SheetError::TooManyColumns { row, limit } => {
            err(format!("row {row}"), format!("more than {limit} columns"))
        }
        other => err("file", other.to_string()),
    })
}

/// The first of `names` that is a column of `t`.
fn column(t: &Table, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| t.column(n))
}

fn need(t: &Table, names: &[&str]) -> Result<usize, FormatError> {
    column(t, names).ok_or_else(|| {
        err(
            "row 1",
            format!(
                "no \"{}\" column{} (the header has: {})",
                names[0],
                if names.len() > 1 {
                    format!(" (nor {})", names[1..].join(", "))
                } else {
                    String::new()
                },
                t.headers
                    .iter()
                    .filter(|h| !h.is_empty())
                    .take(16)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

fn cell(row: &[String], col: Option<usize>) -> Option<&str> {
    col.and_then(|c| row.get(c))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// Nessus's CSV export (and Tenable.io / Tenable.sc exports), columns found by name: `Plugin
/// ID`, `CVE`, `CVSS v3.0 Base Score`, `CVSS v2.0 Base Score` (or `CVSS`), `Risk`, `Host`,
/// `Protocol`, `Port`, `Name`, `Solution`, with `IP Address` and `FQDN` / `DNS Name` when
/// present. Nessus writes one row per CVE of a plugin on a host and port: those rows are one
/// finding with all the CVEs, as in the `.nessus` file; a cell listing several CVEs is split.
pub fn parse_nessus_csv(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let t = read_table(bytes)?;
    let c_plugin = need(&t, &["Plugin ID", "Plugin"])?;
    let c_host = need(&t, &["Host", "IP Address", "DNS Name"])?;
    let c_risk = need(&t, &["Risk", "Severity", "Risk Factor"])?;
    let c_ip = column(&t, &["IP Address"]);
    let c_fqdn = column(&t, &["FQDN", "DNS Name", "Host FQDN"]);
    let c_cve = column(&t, &["CVE"]);
    let c_v3 = column(
        &t,
        &[
            "CVSS v3.0 Base Score",
            "CVSS V3 Base Score",
            "CVSS3 Base Score",
        ],
    );
    let c_v2 = column(
        &t,
        &[
            "CVSS v2.0 Base Score",
            "CVSS V2 Base Score",
            "CVSS Base Score",
            "CVSS",
        ],
    );
    let c_proto = column(&t, &["Protocol"]);
    let c_port = column(&t, &["Port"]);
    let c_name = column(&t, &["Name", "Plugin Name"]);
    let c_solution = column(&t, &["Solution", "Steps to Remediate"]);
    let mut r = ScanReport::new(ScanFormat::NessusCsv);
    // (host, port, plugin) → index of its finding.
    let mut at: HashMap<(String, Option<String>, String), usize> = HashMap::new();
    for (row_no, row) in &t.rows {
        let host_cell = cell(row, Some(c_host));
        let ip = cell(row, c_ip)
            .filter(|s| is_ip(s))
            .or(host_cell.filter(|h| is_ip(h)))
            .map(str::to_string);
        let name = cell(row, c_fqdn)
            .or(host_cell.filter(|h| !is_ip(h)))
            .map(str::to_string)
            .filter(|n| Some(n) != ip.as_ref());
        let plugin = cell(row, Some(c_plugin));
        let Some(host) = ip.clone().or(name.clone()) else {
            r.skip(Place::Row(*row_no), plugin, SkipReason::NoHost);
            continue;
        };
        r.cover(&host);
        let Some(plugin) = plugin else {
            r.skip(Place::Row(*row_no), None, SkipReason::NoId);
            continue;
        };
        let severity = norm_severity(cell(row, Some(c_risk)).unwrap_or("none"));
        if severity == "info" {
            continue;
        }
        let port = cell(row, c_port)
            .filter(|p| *p != "0")
            .map(|p| match cell(row, c_proto) {
                Some(proto) => format!("{p}/{}", proto.to_lowercase()),
                None => p.to_string(),
            });
        let cves = cell(row, c_cve).map(cve_list).unwrap_or_default();
        let k = (host.clone(), port.clone(), plugin.to_string());
        if let Some(&i) = at.get(&k) {
            r.findings[i].cves.extend(cves);
            continue;
        }
        let cvss = cell(row, c_v3)
            .and_then(score)
            .or_else(|| cell(row, c_v2).and_then(score));
        at.insert(k, r.findings.len());
        r.findings.push(ScanFinding {
            ip,
            hostname: name,
            port,
            // Set below, once every row of the plugin is read.
            key: plugin.to_string(),
            title: cell(row, c_name)
                .map(str::to_string)
                .unwrap_or_else(|| format!("Nessus plugin {plugin}")),
            severity,
            cvss,
            cves,
            solution: cell(row, c_solution).map(str::to_string),
        });
    }
    for f in &mut r.findings {
        f.key = key_of("nessus", &f.key.clone(), &mut f.cves);
    }
    Ok(r)
}

/// OpenVAS / Greenbone CSV results export, columns found by name: `IP`, `Hostname`, `Port`,
/// `Port Protocol`, `CVSS`, `Severity`, `NVT Name`, `NVT OID`, `CVEs`, `Solution`. One finding
/// per row above informational (`Log`).
pub fn parse_openvas_csv(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let t = read_table(bytes)?;
    let c_ip = need(&t, &["IP", "Host"])?;
    let c_oid = need(&t, &["NVT OID", "OID"])?;
    let c_name = column(&t, &["Hostname"]);
    let c_sev = column(&t, &["Severity"]);
    let c_cvss = column(&t, &["CVSS"]);
    if c_sev.is_none() && c_cvss.is_none() {
        need(&t, &["Severity", "CVSS"])?;
    }
    let c_port = column(&t, &["Port"]);
    let c_proto = column(&t, &["Port Protocol"]);
    let c_title = column(&t, &["NVT Name"]);
    let c_cves = column(&t, &["CVEs", "CVE"]);
    let c_solution = column(&t, &["Solution"]);
    let mut r = ScanReport::new(ScanFormat::OpenvasCsv);
    for (row_no, row) in &t.rows {
        let ip = cell(row, Some(c_ip)).map(str::to_string);
        let name = cell(row, c_name)
            .map(str::to_string)
            .filter(|n| Some(n) != ip.as_ref());
        let oid = cell(row, Some(c_oid));
        let Some(host) = ip.clone().or(name.clone()) else {
            r.skip(Place::Row(*row_no), oid, SkipReason::NoHost);
            continue;
        };
        r.cover(&host);
        let Some(oid) = oid else {
            r.skip(Place::Row(*row_no), None, SkipReason::NoId);
            continue;
        };
        let cvss = cell(row, c_cvss).and_then(score);
        let threat = cell(row, c_sev).map(norm_severity).unwrap_or_default();
        let severity = if threat.is_empty() || threat == "info" {
            cvss.map(severity_of).unwrap_or_else(|| "info".into())
        } else {
            threat
        };
        if severity == "info" {
            continue;
        }
        let port = cell(row, c_port).map(|p| match cell(row, c_proto) {
            Some(proto) => format!("{p}/{}", proto.to_lowercase()),
            None => p.to_string(),
        });
        let mut cves = cell(row, c_cves).map(cve_list).unwrap_or_default();
        let key = key_of("openvas", oid, &mut cves);
        r.findings.push(ScanFinding {
            ip,
            hostname: name,
            port,
            key,
            title: cell(row, c_title).unwrap_or(oid).to_string(),
            severity,
            cvss,
            cves,
            solution: cell(row, c_solution).map(str::to_string),
        });
    }
    Ok(r)
}
