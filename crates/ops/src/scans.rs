//! Vulnerability review (M6): scanner reports in, findings de-duplicated per host and
//! vulnerability, ranked (CVSS, known exploitation, exposure to the Internet, Botnet listing,
//! system level), each tracked to remediation by a task that only a clean re-scan closes.

use crate::patching::days_for;
use crate::work::{close_by_proof, task_for_subject, Again};
use canhgac_domain::time::now_ms;
use canhgac_domain::work::{Proof, WorkKind};
use canhgac_domain::Scope;
use canhgac_store::{Actor, NewScanFinding, NewWorkItem, ScanFindingRow, Store, StoreError};
use canhgac_vuln::formats::FormatError;
use canhgac_vuln::scanners::parse_scan;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// What a scan import did.
#[derive(Debug, Default, Serialize)]
pub struct ScanReportSummary {
    /// The scanner.
    pub scanner: String,
    /// Findings in the report (above informational).
    pub findings: usize,
    /// New findings (each with a new remediation task).
    pub new: usize,
    /// Findings seen again after being fixed (task reopened and escalated).
    pub reopened: usize,
    /// Findings gone from a re-scan of their host (task closed: clean re-scan).
    pub fixed: usize,
    /// Hosts in the report that are not in your registry (nothing recorded for them).
    pub unmapped: Vec<String>,
}

/// Whether an address is reachable from the Internet (not private, shared or documentation).
pub fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            !(a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(a) => {
            !(a.is_loopback()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// The ranking score of a finding: CVSS (or its severity), known exploitation, exposure,
/// Botnet listing and the host's system level.
pub fn score(f: &ScanFindingRow) -> f64 {
    let base = f.cvss.unwrap_or(match f.severity.as_str() {
        "critical" => 9.5,
        "high" => 7.5,
        "medium" => 5.0,
        _ => 2.5,
    });
    let exposed = canhgac_domain::net::host_addresses(f.ips.as_deref().unwrap_or_default())
        .any(|ip| is_public(&ip));
    base + 3.0 * f.known_exploited as f64
        + 2.0 * f64::from(u8::from(exposed))
        + 2.0 * f.botnet_listed as f64
        + 0.5 * f.level.unwrap_or(0) as f64
}

/// Findings in scope, ranked highest first.
pub async fn ranked(
    store: &Store,
    scope: &Scope,
    state: Option<&str>,
) -> Result<Vec<(f64, ScanFindingRow)>, StoreError> {
    let mut rows: Vec<(f64, ScanFindingRow)> = store
        .list_scan_findings(scope, state)
        .await?
        .into_iter()
        .map(|f| (score(&f), f))
        .collect();
    rows.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.id.cmp(&b.1.id))
    });
    Ok(rows)
}

/// Imports a scanner report; maps its hosts to the registry within `scope`.
pub async fn import_scan(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    bytes: &[u8],
) -> Result<ScanReportSummary, Result<Vec<FormatError>, StoreError>> {
    let report = parse_scan(bytes).map_err(|e| Ok(vec![e]))?;
    // The registry's hosts in scope, by address and by name.
    let dir = crate::directory::Directory::load(store)
        .await
        .map_err(Err)?;
    let map = |ip: Option<&str>, name: Option<&str>| -> Option<(i64, i64)> {
        dir.host_in(ip.and_then(|i| i.trim().parse().ok()), name, scope)
    };
    let mut summary = ScanReportSummary {
        scanner: report.scanner.to_string(),
        findings: report.findings.len(),
        ..Default::default()
    };
    let system = Actor::system(report.scanner);
    let now = now_ms();
    let mut seen: HashMap<i64, HashSet<String>> = HashMap::new();
    for f in &report.findings {
        let Some((host_id, org_id)) = map(f.ip.as_deref(), f.hostname.as_deref()) else {
            let n = f.ip.clone().or(f.hostname.clone()).unwrap_or_default();
            if !summary.unmapped.contains(&n) {
                summary.unmapped.push(n);
            }
            continue;
        };
        seen.entry(host_id).or_default().insert(f.key.clone());
        let nf = NewScanFinding {
            org_id,
            host_id,
            vuln_key: f.key.clone(),
            title: f.title.clone(),
            severity: f.severity.clone(),
            cvss: f.cvss.map(f64::from),
            cves: f.cves.join(","),
            scanner: report.scanner.to_string(),
            port: f.port.clone(),
            solution: f.solution.clone(),
        };
        let (id, before) = store
            .upsert_scan_finding(scope, actor, &nf)
            .await
            .map_err(Err)?;
        let subject = format!("vuln:{host_id}:{}", f.key);
        if !matches!(before.as_deref(), None | Some("fixed")) {
            continue;
        }
        // New, or found again after a re-scan had proved it fixed.
        let outcome = task_for_subject(
            store,
            &system,
            WorkKind::VulnRemediation,
            org_id,
            &subject,
            Again::Reopen {
                proof: Proof::CleanRescan,
                note: "Lần quét lại vẫn phát hiện",
            },
            || NewWorkItem {
                kind: WorkKind::VulnRemediation,
                title: format!("Khắc phục lỗ hổng: {} ({})", f.title, f.key),
                org_id,
                host_id: Some(host_id),
                signal_id: None,
                due_at: Some(now + days_for(Some(&f.severity)) * 86_400_000),
                detail: json!({"scanner": report.scanner, "key": f.key, "cves": f.cves, "port": f.port, "solution": f.solution}),
                subject: None,
            },
        )
        .await
        .map_err(Err)?;
        store
            .set_scan_finding(scope, actor, id, None, Some(outcome.id()))
            .await
            .map_err(Err)?;
        if before.is_none() {
            summary.new += 1;
        } else {
            summary.reopened += 1;
        }
    }
    // A host the scan covered proves fixed whatever it no longer reports.
    let mut covered: HashSet<i64> = HashSet::new();
    for h in &report.hosts {
        if let Some((id, _)) = map(Some(h), Some(h)) {
            covered.insert(id);
        }
    }
    for host_id in covered {
        let keys = seen.get(&host_id).cloned().unwrap_or_default();
        for (id, key, work) in store
            .open_scan_findings(scope, host_id, report.scanner)
            .await
            .map_err(Err)?
        {
            if keys.contains(&key) {
                continue;
            }
            store
                .set_scan_finding(scope, actor, id, Some("fixed"), None)
                .await
                .map_err(Err)?;
            if let Some(w) = work {
                close_by_proof(
                    store,
                    &system,
                    w,
                    Proof::CleanRescan,
                    "Lần quét lại không còn phát hiện",
                    None,
                )
                .await
                .map_err(Err)?;
            }
            summary.fixed += 1;
        }
    }
    let _ = actor;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure() {
        for (ip, public) in [
            ("203.0.113.5", true),
            ("10.213.1.1", false),
            ("100.66.1.1", false),
            ("192.168.1.1", false),
            ("2001:db8::1", true),
            ("fd00::1", false),
        ] {
            assert_eq!(is_public(&ip.parse().expect("ip")), public, "{ip}");
        }
    }
}
