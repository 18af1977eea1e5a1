//! Nuclei (JSON lines and the JSON array export) and Trivy (image, file system, VM and
//! Kubernetes cluster reports).

use super::*;

fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// One Nuclei result (a line of JSON lines or an entry of the JSON export).
fn nuclei_entry(r: &mut ScanReport, v: &Value, at: Place) -> Result<(), FormatError> {
    let id = str_of(v, "template-id")
        .ok_or_else(|| err(format!("{}: template-id", at.text(false)), "missing"))?;
    let info = v.get("info").cloned().unwrap_or(Value::Null);
    let severity = norm_severity(
        info.get("severity")
            .and_then(Value::as_str)
            .unwrap_or("info"),
    );
    // The address, else the host part of host, matched-at or url (in that order).
    let mut ip = str_of(v, "ip").map(str::to_string);
    let mut hostname = ["host", "matched-at", "url"]
        .iter()
        .find_map(|k| str_of(v, k).and_then(host_of));
    if ip.is_none() && hostname.as_deref().is_some_and(is_ip) {
        ip = hostname.take();
    }
    if hostname.is_some() && hostname == ip {
        hostname = None;
    }
    let Some(host) = ip.clone().or(hostname.clone()) else {
        r.skip(at, Some(id), SkipReason::NoHost);
        return Ok(());
    };
    r.cover(&host);
    if severity == "info" {
        return Ok(());
    }
    let class = info.get("classification").cloned().unwrap_or(Value::Null);
    let mut cves: Vec<String> = match class.get("cve-id") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => cve_list(s),
        _ => vec![],
    };
    let cvss = class
        .get("cvss-score")
        .and_then(|x| {
            x.as_f64()
                .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
        })
        .map(|x| x as f32)
        .filter(|x| (0.0..=10.0).contains(x));
    let key = key_of("nuclei", id, &mut cves);
    let port = v.get("port").and_then(|p| {
        p.as_str()
            .map(str::to_string)
            .or_else(|| p.as_u64().map(|n| n.to_string()))
            .filter(|p| !p.is_empty())
    });
    r.findings.push(ScanFinding {
        ip,
        hostname,
        port,
        key,
        title: str_of(&info, "name").unwrap_or(id).to_string(),
        severity,
        cvss,
        cves,
        solution: str_of(&info, "remediation").map(str::to_string),
    });
    Ok(())
}

/// Nuclei JSON lines. A result naming no host (no `ip`, `host`, `matched-at` or `url`) is
/// skipped and counted.
pub fn parse_nuclei(bytes: &[u8]) -> Result<ScanReport, FormatError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        err(format!("line {line}"), "the text is not UTF-8")
    })?;
    let mut r = ScanReport::new(ScanFormat::NucleiJsonl);
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| err(format!("line {}", i + 1), format!("not valid JSON: {e}")))?;
        if !v.is_object() {
            return Err(err(
                format!("line {}", i + 1),
                "not a JSON object (a Nuclei result)",
            ));
        }
        nuclei_entry(&mut r, &v, Place::Line(i + 1))?;
    }
    Ok(r)
}

/// Nuclei's JSON export (`-je`): an array of the same results as the JSON lines.
pub fn parse_nuclei_array(v: &Value) -> Result<ScanReport, FormatError> {
    let mut r = ScanReport::new(ScanFormat::NucleiJsonArray);
    let entries = v
        .as_array()
        .ok_or_else(|| err("document", "not a JSON array"))?;
    for (i, e) in entries.iter().enumerate() {
        if !e.is_object() {
            return Err(err(format!("[{i}]"), "not a JSON object (a Nuclei result)"));
        }
        nuclei_entry(&mut r, e, Place::Entry(i + 1))?;
    }
    Ok(r)
}

/// The findings of one Trivy result (vulnerabilities and failed misconfiguration checks) on
/// `host`. `path` is the result's JSON path, for refusals.
fn trivy_result(
    r: &mut ScanReport,
    res: &Value,
    host: &str,
    path: &str,
) -> Result<(), FormatError> {
    let host_ip = is_ip(host);
    let (ip, hostname) = if host_ip {
        (Some(host.to_string()), None)
    } else {
        (None, Some(host.to_string()))
    };
    for (j, x) in res
        .get("Vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let id = str_of(x, "VulnerabilityID").ok_or_else(|| {
            err(
                format!("{path}.Vulnerabilities[{j}].VulnerabilityID"),
                "missing",
            )
        })?;
        let pkg = str_of(x, "PkgName").unwrap_or_default();
        let mut cves = if id.to_uppercase().starts_with("CVE-") {
            vec![id.to_string()]
        } else {
            vec![]
        };
        let cvss = x
            .get("CVSS")
            .and_then(Value::as_object)
            .and_then(|m| {
                // NVD's score first, else any source's.
                m.get("nvd")
                    .and_then(|s| s.get("V3Score"))
                    .and_then(Value::as_f64)
                    .or_else(|| {
                        m.values()
                            .find_map(|s| s.get("V3Score").and_then(Value::as_f64))
                    })
            })
            .map(|f| f as f32)
            .filter(|x| (0.0..=10.0).contains(x));
        let key = key_of("trivy", id, &mut cves);
        let fixed = str_of(x, "FixedVersion");
        r.findings.push(ScanFinding {
            ip: ip.clone(),
            hostname: hostname.clone(),
            port: None,
            key,
            title: format!(
                "{pkg} {}: {}",
                str_of(x, "InstalledVersion").unwrap_or_default(),
                str_of(x, "Title").unwrap_or(id)
            ),
            severity: norm_severity(str_of(x, "Severity").unwrap_or("unknown")),
            cvss,
            cves,
            solution: fixed.map(|f| format!("Update {pkg} to {f}")),
        });
    }
    for (j, m) in res
        .get("Misconfigurations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        // Passed and excepted checks are listed with --include-non-failures.
        if str_of(m, "Status").is_some_and(|s| !s.eq_ignore_ascii_case("FAIL")) {
            continue;
        }
        let id = str_of(m, "ID")
            .or_else(|| str_of(m, "AVDID"))
            .ok_or_else(|| err(format!("{path}.Misconfigurations[{j}].ID"), "missing"))?;
        let mut cves = vec![];
        let key = key_of("trivy", id, &mut cves);
        r.findings.push(ScanFinding {
            ip: ip.clone(),
            hostname: hostname.clone(),
            port: None,
            key,
            title: str_of(m, "Title").unwrap_or(id).to_string(),
            severity: norm_severity(str_of(m, "Severity").unwrap_or("unknown")),
            cvss: None,
            cves,
            solution: str_of(m, "Resolution").map(str::to_string),
        });
    }
    Ok(())
}

/// A host name from a Trivy target (`alpine:3.19 (alpine 3.19.1)` → `alpine:3.19`), when it
/// reads as one: not a path, no spaces.
fn target_host(res: &Value) -> Option<String> {
    let t = str_of(res, "Target")?;
    let t = match t.find(" (") {
        Some(i) if t.ends_with(')') => t[..i].trim(),
        _ => t,
    };
    (!t.is_empty() && !t.starts_with(['/', '.']) && !t.contains(char::is_whitespace))
        .then(|| t.to_string())
}

/// Trivy JSON (`trivy image|fs|rootfs|vm … --format json`): the artifact is the host. An
/// empty `ArtifactName` falls back to the first target that reads as a name; failing that,
/// each result is skipped and counted.
pub fn parse_trivy(v: &Value) -> Result<ScanReport, FormatError> {
    let mut r = ScanReport::new(ScanFormat::TrivyJson);
    let results: Vec<&Value> = v
        .get("Results")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let artifact = str_of(v, "ArtifactName")
        .map(str::to_string)
        .or_else(|| results.iter().find_map(|res| target_host(res)));
    let Some(host) = artifact else {
        for (i, res) in results.iter().enumerate() {
            r.skip(
                Place::Path(format!("Results[{i}]")),
                str_of(res, "Target"),
                SkipReason::NoHost,
            );
        }
        return Ok(r);
    };
    r.cover(&host);
    for (i, res) in results.iter().enumerate() {
        trivy_result(&mut r, res, &host, &format!("Results[{i}]"))?;
    }
    Ok(r)
}

/// `trivy k8s --format json`: `{"ClusterName", "Resources": [...]}` (`--report all`, 0.42 and
/// later), `"Findings"` (`--report summary`), or `"Vulnerabilities"` and
/// `"Misconfigurations"` (0.29 to 0.41), each a list of resources with their results. The host
/// is the resource, `namespace/Kind/name` (`Kind/name` when cluster-wide), a node's name for
/// node components, the cluster's name for control-plane components. A resource the scanner
/// failed on is skipped and counted (it proves nothing fixed).
pub fn parse_trivy_k8s(v: &Value) -> Result<ScanReport, FormatError> {
    let mut r = ScanReport::new(ScanFormat::TrivyK8s);
    let cluster = str_of(v, "ClusterName");
    for top in [
        "Resources",
        "Findings",
        "Vulnerabilities",
        "Misconfigurations",
    ] {
        let Some(list) = v.get(top) else { continue };
        if list.is_null() {
            continue;
        }
        let list = list
            .as_array()
            .ok_or_else(|| err(top, "not a list of resources"))?;
        for (i, res) in list.iter().enumerate() {
            let path = format!("{top}[{i}]");
            let kind = str_of(res, "Kind").unwrap_or_default();
            let name = str_of(res, "Name").unwrap_or_default();
            let ns = str_of(res, "Namespace");
            let label = format!("{kind}/{name}");
            if str_of(res, "Error").is_some() {
                r.skip(Place::Path(path), Some(&label), SkipReason::ScanFailed);
                continue;
            }
            let host = match kind {
                _ if name.is_empty() => None,
                "NodeInfo" | "NodeComponents" | "Node" => Some(name.to_string()),
                "Cluster" | "ControlPlaneComponents" => {
                    Some(cluster.map(str::to_string).unwrap_or(label.clone()))
                }
                "" => None,
                _ => Some(match ns {
                    Some(ns) => format!("{ns}/{kind}/{name}"),
                    None => label.clone(),
                }),
            };
            let Some(host) = host else {
                r.skip(Place::Path(path), Some(kind), SkipReason::NoHost);
                continue;
            };
            r.cover(&host);
            for (j, x) in res
                .get("Results")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                trivy_result(&mut r, x, &host, &format!("{path}.Results[{j}]"))?;
            }
        }
    }
    Ok(r)
}
