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
use canhgac_vuln::scanners::{parse_scan, ScanFormat, Skipped};
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// What a scan import did.
#[derive(Debug, Serialize)]
pub struct ScanReportSummary {
    /// The scanner.
    pub scanner: String,
    /// The kind of file the report was read from.
    pub format: ScanFormat,
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
    /// Entries of the report left out because they name no host (or no vulnerability id, or
    /// the scanner failed on them).
    pub skipped: usize,
    /// The first of them, with where and why.
    pub skipped_entries: Vec<Skipped>,
    /// The registered hosts in scope the report covered, by name: what it found on each and
    /// what it proved fixed.
    pub covered: Vec<CoveredHost>,
}

/// A registered host a scan covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoveredHost {
    /// The host.
    pub host_id: i64,
    /// Its name in the registry.
    pub hostname: String,
    /// Its organisation.
    pub org_id: i64,
    /// The organisation's code.
    pub org_code: String,
    /// Distinct vulnerabilities the report found on it (above informational).
    pub findings: usize,
    /// Its open findings of this scanner that the report no longer shows (now fixed).
    pub fixed: usize,
    /// Remediation tasks closed by this import because their finding is gone.
    pub tasks_closed: usize,
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

/// Imports a scanner report; maps its hosts to the registry within `scope`. Every registered
/// host the report covered (listed, with findings or clean) is in the summary's `covered`,
/// with what the report found on it and the findings of the same scanner it no longer shows,
/// which are marked fixed and their remediation tasks closed (proof: a clean re-scan). Hosts
/// outside `scope` are never looked at.
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
        format: report.format,
        findings: report.findings.len(),
        new: 0,
        reopened: 0,
        fixed: 0,
        unmapped: Vec::new(),
        skipped: report.skipped,
        skipped_entries: report.skipped_entries.clone(),
        covered: Vec::new(),
    };
    let system = Actor::system(report.scanner);
    let now = now_ms();
    let mut seen: HashMap<i64, HashSet<String>> = HashMap::new();
    // Every registered host the report covered, with its organisation.
    let mut covered: HashMap<i64, i64> = HashMap::new();
    for f in &report.findings {
        let Some((host_id, org_id)) = map(f.ip.as_deref(), f.hostname.as_deref()) else {
            let n = f.ip.clone().or(f.hostname.clone()).unwrap_or_default();
            if !summary.unmapped.contains(&n) {
                summary.unmapped.push(n);
            }
            continue;
        };
        seen.entry(host_id).or_default().insert(f.key.clone());
        covered.insert(host_id, org_id);
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
    for h in &report.hosts {
        if let Some((id, org)) = map(Some(h), Some(h)) {
            covered.insert(id, org);
        }
    }
    let codes: HashMap<i64, String> = if covered.is_empty() {
        HashMap::new()
    } else {
        store
            .org_codes()
            .await
            .map_err(Err)?
            .into_iter()
            .map(|(code, id)| (id, code))
            .collect()
    };
    for (host_id, org_id) in covered {
        let keys = seen.remove(&host_id).unwrap_or_default();
        let mut host = CoveredHost {
            host_id,
            hostname: dir.host_name(host_id).unwrap_or_default().to_string(),
            org_id,
            org_code: codes.get(&org_id).cloned().unwrap_or_default(),
            findings: keys.len(),
            fixed: 0,
            tasks_closed: 0,
        };
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
                if close_by_proof(
                    store,
                    &system,
                    w,
                    Proof::CleanRescan,
                    "Lần quét lại không còn phát hiện",
                    None,
                )
                .await
                .map_err(Err)?
                {
                    host.tasks_closed += 1;
                }
            }
            host.fixed += 1;
            summary.fixed += 1;
        }
        summary.covered.push(host);
    }
    summary
        .covered
        .sort_by(|a, b| a.hostname.cmp(&b.hostname).then(a.host_id.cmp(&b.host_id)));
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    use canhgac_domain::entity::{EntityKind, Record};
    use canhgac_domain::work::WorkState;
    use std::collections::BTreeSet;

    fn rec(v: serde_json::Value) -> Record {
        v.as_object().cloned().expect("object")
    }

    /// Nessus CSV export rows: (host, plugin, CVE, risk).
    fn nessus_csv(rows: &[(&str, &str, &str, &str)]) -> String {
        let mut s = String::from("Plugin ID,CVE,CVSS v2.0 Base Score,Risk,Host,Protocol,Port,Name,Synopsis,Description,Solution,See Also,Plugin Output\n");
        for (host, plugin, cve, risk) in rows {
            s.push_str(&format!("{plugin},{cve},7.5,{risk},{host},tcp,443,\"Plugin {plugin}\",s,\"d\nd\",Update,,\n"));
        }
        s
    }

    /// A province with two agencies: SYT (two hosts) and TAMDUONG (one).
    async fn province(name: &str) -> (Store, HashMap<&'static str, i64>, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "canhgac_ops_scans_{name}_{}_{}",
            std::process::id(),
            now_ms()
        ));
        let store = Store::open_sqlite(&dir).await.expect("store");
        let (all, actor) = (Scope::All, Actor::system("test"));
        let mut ids = HashMap::new();
        let dic = store
            .create(
                EntityKind::Org,
                &all,
                &actor,
                &rec(
                    json!({"code": "STTTT", "name": "Sở Thông tin và Truyền thông", "kind": "dic"}),
                ),
            )
            .await
            .expect("dic")["id"]
            .as_i64()
            .expect("id");
        for (code, name) in [("SYT", "Sở Y tế"), ("TAMDUONG", "UBND huyện Tam Đường")] {
            let id = store
                .create(
                    EntityKind::Org,
                    &all,
                    &actor,
                    &rec(json!({"code": code, "name": name, "kind": "agency", "parent_id": dic})),
                )
                .await
                .expect("org")["id"]
                .as_i64()
                .expect("id");
            ids.insert(code, id);
        }
        for (org, host, ip) in [
            ("SYT", "syt-web01", "198.51.100.17"),
            ("SYT", "syt-db01", "198.51.100.18"),
            ("TAMDUONG", "td-web01", "198.51.100.49"),
        ] {
            let id = store
                .create(
                    EntityKind::Host,
                    &all,
                    &actor,
                    &rec(
                        json!({"org_id": ids[org], "hostname": host, "kind": "server", "ips": ip}),
                    ),
                )
                .await
                .expect("host")["id"]
                .as_i64()
                .expect("id");
            ids.insert(host, id);
        }
        (store, ids, dir)
    }

    fn summary_of(
        r: Result<ScanReportSummary, Result<Vec<FormatError>, StoreError>>,
    ) -> ScanReportSummary {
        match r {
            Ok(s) => s,
            Err(Ok(e)) => panic!("refused: {e:?}"),
            Err(Err(e)) => panic!("store: {e}"),
        }
    }

    #[tokio::test]
    async fn a_rescan_lists_the_registered_hosts_it_covered_and_closes_what_is_gone() {
        let (store, ids, dir) = province("rescan").await;
        let syt = Scope::Orgs(BTreeSet::from([ids["SYT"]]));
        let staff = Actor {
            user_id: None,
            email: "syt-staff@t.vn".into(),
        };
        // A Nessus CSV export covering both SYT hosts and TAMDUONG's (outside the scope).
        let first = nessus_csv(&[
            ("198.51.100.17", "201194", "CVE-2024-6387", "High"),
            ("198.51.100.17", "42873", "CVE-2016-2183", "Medium"),
            ("198.51.100.18", "201194", "CVE-2024-6387", "High"),
            ("198.51.100.18", "19506", "", "None"),
            ("198.51.100.49", "201194", "CVE-2024-6387", "High"),
        ]);
        let s = summary_of(import_scan(&store, &syt, &staff, first.as_bytes()).await);
        assert_eq!(
            (s.scanner.as_str(), s.format),
            ("nessus", ScanFormat::NessusCsv)
        );
        assert_eq!((s.findings, s.new, s.fixed), (4, 3, 0));
        assert_eq!(
            s.unmapped,
            vec!["198.51.100.49"],
            "TAMDUONG's host is not SYT's"
        );
        let got: Vec<(&str, &str, usize, usize, usize)> = s
            .covered
            .iter()
            .map(|h| {
                (
                    h.hostname.as_str(),
                    h.org_code.as_str(),
                    h.findings,
                    h.fixed,
                    h.tasks_closed,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![("syt-db01", "SYT", 1, 0, 0), ("syt-web01", "SYT", 2, 0, 0)]
        );
        let open = store
            .list_scan_findings(&Scope::All, Some("open"))
            .await
            .expect("findings");
        assert_eq!(
            open.len(),
            3,
            "nothing recorded for the host outside the scope"
        );
        let web_tasks: Vec<i64> = open
            .iter()
            .filter(|f| f.host_id == ids["syt-web01"])
            .filter_map(|f| f.work_item_id)
            .collect();
        assert_eq!(web_tasks.len(), 2);

        // The same clean re-scan of syt-web01 from TAMDUONG's staff closes nothing of SYT's.
        let td = Scope::Orgs(BTreeSet::from([ids["TAMDUONG"]]));
        let clean_web = "<NessusClientData_v2><Report name=\"r\"><ReportHost name=\"198.51.100.17\"><HostProperties><tag name=\"host-ip\">198.51.100.17</tag></HostProperties><ReportItem port=\"0\" protocol=\"tcp\" severity=\"0\" pluginID=\"19506\" pluginName=\"Nessus Scan Information\"></ReportItem></ReportHost>";
        let rescan = format!("{clean_web}<ReportHost name=\"198.51.100.18\"><HostProperties><tag name=\"host-ip\">198.51.100.18</tag></HostProperties><ReportItem port=\"443\" protocol=\"tcp\" severity=\"3\" pluginID=\"201194\" pluginName=\"OpenSSH\"><cve>CVE-2024-6387</cve></ReportItem></ReportHost></Report></NessusClientData_v2>");
        let s = summary_of(import_scan(&store, &td, &staff, rescan.as_bytes()).await);
        assert!(s.covered.is_empty() && s.fixed == 0, "{s:?}");
        assert_eq!(s.unmapped, vec!["198.51.100.18"]);

        // SYT's clean re-scan (the .nessus file this time): syt-web01 shows nothing any more,
        // syt-db01 still has its finding.
        let s = summary_of(import_scan(&store, &syt, &staff, rescan.as_bytes()).await);
        assert_eq!(
            (s.scanner.as_str(), s.format),
            ("nessus", ScanFormat::NessusXml)
        );
        assert_eq!((s.findings, s.new, s.reopened, s.fixed), (1, 0, 0, 2));
        let got: Vec<(&str, usize, usize, usize)> = s
            .covered
            .iter()
            .map(|h| (h.hostname.as_str(), h.findings, h.fixed, h.tasks_closed))
            .collect();
        assert_eq!(got, vec![("syt-db01", 1, 0, 0), ("syt-web01", 0, 2, 2)]);
        assert_eq!(s.covered[1].host_id, ids["syt-web01"]);
        for t in web_tasks {
            let w = store
                .work_item(&Scope::All, t)
                .await
                .expect("task")
                .expect("exists");
            assert_eq!(w.state, WorkState::Closed, "task {t}");
        }
        let open = store
            .list_scan_findings(&syt, Some("open"))
            .await
            .expect("findings");
        assert_eq!(
            open.iter().map(|f| f.hostname.as_str()).collect::<Vec<_>>(),
            vec!["syt-db01"]
        );
        // Once more: nothing left to close on the clean host, and it still says it was covered.
        let s = summary_of(import_scan(&store, &syt, &staff, rescan.as_bytes()).await);
        assert_eq!(s.covered[1].hostname, "syt-web01");
        assert_eq!((s.covered[1].findings, s.covered[1].tasks_closed), (0, 0));
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn skipped_entries_reach_the_summary() {
        let (store, ids, dir) = province("skipped").await;
        let syt = Scope::Orgs(BTreeSet::from([ids["SYT"]]));
        let jsonl = "{\"template-id\":\"git-config\",\"info\":{\"severity\":\"medium\"},\"url\":\"/http://syt-web01/\",\"port\":\"80\"}\n{\"template-id\":\"nameserver-fingerprint\",\"info\":{\"severity\":\"info\"}}\n";
        let s =
            summary_of(import_scan(&store, &syt, &Actor::system("test"), jsonl.as_bytes()).await);
        assert_eq!((s.new, s.skipped), (1, 1));
        assert_eq!(
            s.skipped_entries[0].id.as_deref(),
            Some("nameserver-fingerprint")
        );
        assert_eq!(s.covered.len(), 1);
        assert_eq!(
            (s.covered[0].hostname.as_str(), s.covered[0].findings),
            ("syt-web01", 1)
        );
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

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
