//! Patch management per advisories (M5): a warning comes in, within the same request the hosts
//! that must be patched are known, each (host, advisory) gets a patch task with a deadline by
//! severity or the KEV due date, and a task closes only when a later inventory of the host
//! shows a fixed version (or a person marks it not applicable, with a reason).

use canhgac_domain::time::{now_ms, parse_date};
use canhgac_domain::work::{Proof, WorkKind};
use canhgac_domain::Scope;
use canhgac_store::{Actor, KevRow, NewAdvisory, NewMatch, NewWorkItem, Store, StoreError};
use canhgac_vuln::advisory::Advisory;
use canhgac_vuln::formats::{manual, parse_advisories, parse_kev, FormatError, ManualAdvisory};
use canhgac_vuln::inventory::{parse_inventory, HostInventory, Package};
use canhgac_vuln::matcher::{package_hosts, AdvisoryIndex};
use canhgac_vuln::Scheme;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Days to patch by severity.
pub fn days_for(severity: Option<&str>) -> i64 {
    match severity {
        Some("critical") => 3,
        Some("high") => 7,
        Some("medium") => 15,
        _ => 30,
    }
}

/// The distribution release of a host's operating system, as OSV names it.
pub fn distro_of(os: &str) -> Option<String> {
    let lower = os.to_lowercase();
    let version = |s: &str| {
        s.split(|c: char| !c.is_ascii_digit() && c != '.')
            .find(|t| !t.is_empty() && t.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .map(str::to_string)
    };
    if lower.starts_with("debian") {
        version(&lower).map(|v| format!("debian:{}", v.split('.').next().unwrap_or(&v)))
    } else if lower.starts_with("ubuntu") {
        version(&lower).map(|v| {
            format!(
                "ubuntu:{}",
                v.split('.').take(2).collect::<Vec<_>>().join(".")
            )
        })
    } else {
        None
    }
}

/// What an import did.
#[derive(Debug, Default, Serialize)]
pub struct PatchReport {
    /// Advisories stored.
    pub advisories: usize,
    /// Affected (host, advisory, package) now recorded.
    pub matches: usize,
    /// Patch tasks created.
    pub tasks_created: usize,
    /// Patch tasks closed by a fresh inventory.
    pub tasks_closed: usize,
}

/// Why an import did not happen.
#[derive(Debug)]
pub enum PatchError {
    /// The document is bad; nothing was stored.
    Rejected(Vec<FormatError>),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for PatchError {
    fn from(e: StoreError) -> Self {
        PatchError::Store(e)
    }
}

struct Registry {
    hosts: Vec<HostInventory>,
    /// (host id, org id, host name) per entry of `hosts`.
    ids: Vec<(i64, i64, String)>,
}

async fn registry(store: &Store) -> Result<Registry, StoreError> {
    let mut hosts: Vec<HostInventory> = Vec::new();
    let mut ids: Vec<(i64, i64, String)> = Vec::new();
    for canhgac_store::HostSoftwareRow {
        host_id,
        org_id,
        hostname,
        os,
        name,
        version,
        scheme,
    } in store.all_software().await?
    {
        if ids.last().map(|x| x.0) != Some(host_id) {
            ids.push((host_id, org_id, hostname.clone()));
            hosts.push(HostInventory {
                host: host_id.to_string(),
                distro: os.as_deref().and_then(distro_of),
                packages: vec![],
            });
        }
        if let (Some(h), Some(scheme)) = (hosts.last_mut(), Scheme::parse(&scheme)) {
            h.packages.push(Package {
                name,
                version,
                scheme,
            });
        }
    }
    Ok(Registry { hosts, ids })
}

async fn index(store: &Store) -> Result<(AdvisoryIndex, Vec<i64>), StoreError> {
    let mut ix = AdvisoryIndex::default();
    let mut ids = Vec::new();
    for (id, doc) in store.advisory_docs().await? {
        if let Ok(a) = serde_json::from_str::<Advisory>(&doc) {
            ix.add(a);
            ids.push(id);
        }
    }
    Ok((ix, ids))
}

async fn store_advisory(store: &Store, actor: &Actor, a: &Advisory) -> Result<i64, StoreError> {
    let cves: Vec<&str> = a.cves().collect();
    store
        .upsert_advisory(
            actor,
            &NewAdvisory {
                ext_id: a.id.clone(),
                title: a.title.clone(),
                severity: a.severity.clone(),
                cvss: a.cvss.map(f64::from),
                published: a.published.clone(),
                source: a.source.clone(),
                cves: cves.join(","),
                recommendation: a.recommendation.clone(),
                doc: serde_json::to_string(a).unwrap_or_default(),
            },
        )
        .await
}

/// Imports advisory documents (OSV, CSAF, CVE 5; zips of OSV) all or nothing, and hands out
/// patch tasks for what they affect.
pub async fn import_advisories(
    store: &Store,
    actor: &Actor,
    bytes: &[u8],
) -> Result<PatchReport, PatchError> {
    let list = parse_advisories(bytes).map_err(|e| PatchError::Rejected(vec![e]))?;
    add_advisories(store, actor, list).await
}

/// Stores a form-filled national warning and hands out its patch tasks.
pub async fn import_manual(
    store: &Store,
    actor: &Actor,
    m: &ManualAdvisory,
) -> Result<PatchReport, PatchError> {
    let a = manual(m).map_err(PatchError::Rejected)?;
    add_advisories(store, actor, vec![a]).await
}

async fn add_advisories(
    store: &Store,
    actor: &Actor,
    list: Vec<Advisory>,
) -> Result<PatchReport, PatchError> {
    let mut report = PatchReport {
        advisories: list.len(),
        ..Default::default()
    };
    let reg = registry(store).await?;
    let by_package = package_hosts(&reg.hosts);
    let mut ix = AdvisoryIndex::default();
    for a in list {
        let db_id = store_advisory(store, actor, &a).await?;
        let n = ix.add(a);
        let found = ix.match_advisory(n, &reg.hosts, &by_package);
        let host_pos: HashMap<&str, usize> = reg
            .hosts
            .iter()
            .enumerate()
            .map(|(i, h)| (h.host.as_str(), i))
            .collect();
        let matches: Vec<NewMatch> = found
            .iter()
            .filter_map(|m| host_pos.get(m.host.as_str()).map(|&i| (i, m)))
            .map(|(i, m)| NewMatch {
                advisory_id: db_id,
                host_id: reg.ids[i].0,
                org_id: reg.ids[i].1,
                package: m.package.clone(),
                version: m.version.clone(),
                fixed: m.fixed.clone(),
            })
            .collect();
        store.replace_matches(Some(db_id), None, &matches).await?;
        report.matches += matches.len();
        report.tasks_created +=
            sync_tasks(store, &ix.advisories()[n], db_id, &matches, &reg).await?;
    }
    store.escalate_overdue(WorkKind::PatchTask).await?;
    Ok(report)
}

/// Creates the patch tasks an advisory's matches need (one per host).
async fn sync_tasks(
    store: &Store,
    a: &Advisory,
    db_id: i64,
    matches: &[NewMatch],
    reg: &Registry,
) -> Result<usize, StoreError> {
    let mut per_host: BTreeMap<i64, Vec<&NewMatch>> = BTreeMap::new();
    for m in matches {
        per_host.entry(m.host_id).or_default().push(m);
    }
    let cves: Vec<String> = a.cves().map(str::to_string).collect();
    let kev_due = store.kev_due(&cves).await?.and_then(|d| parse_date(&d));
    let now = now_ms();
    let due = {
        let by_severity = now + days_for(a.severity.as_deref()) * 86_400_000;
        Some(kev_due.map_or(by_severity, |k| k.min(by_severity)))
    };
    let system = Actor::system("advisories");
    let mut created = 0;
    for (host_id, ms) in per_host {
        let org_id = ms[0].org_id;
        let subject = format!("patch:{host_id}:{}", a.id);
        let outcome = crate::work::task_for_subject(
            store,
            &system,
            WorkKind::PatchTask,
            org_id,
            &subject,
            crate::work::Again::Keep,
            || {
                let hostname = reg
                    .ids
                    .iter()
                    .find(|x| x.0 == host_id)
                    .map(|x| x.2.clone())
                    .unwrap_or_default();
                let packages: Vec<String> = ms
                    .iter()
                    .map(|m| {
                        format!(
                            "{} {} → {}",
                            m.package,
                            m.version,
                            m.fixed.as_deref().unwrap_or("?")
                        )
                    })
                    .collect();
                NewWorkItem {
                    kind: WorkKind::PatchTask,
                    title: format!("Cập nhật bản vá {} trên {hostname}", a.id),
                    org_id,
                    host_id: Some(host_id),
                    signal_id: None,
                    due_at: due,
                    detail: json!({"advisory": a.id, "severity": a.severity, "cves": cves, "packages": packages, "kev_due": kev_due}),
                    subject: None,
                }
            },
        )
        .await?;
        if matches!(outcome, crate::work::TaskOutcome::Created(_)) {
            created += 1;
        }
        let task_id = outcome.id();
        store.link_patch_task(db_id, host_id, task_id).await?;
    }
    Ok(created)
}

/// Records a host's fresh inventory; re-evaluates the host; closes the patch tasks whose
/// advisory no longer affects it (the proof); opens tasks for anything new.
pub async fn import_inventory(
    store: &Store,
    actor: &Actor,
    host_id: i64,
    org_id: i64,
    hostname: &str,
    bytes: &[u8],
    file_name: Option<&str>,
) -> Result<PatchReport, PatchError> {
    let parsed = parse_inventory(bytes, file_name, hostname).map_err(|errs| {
        let (errs, more) = crate::limits::bounded(errs);
        PatchError::Rejected(
            errs.into_iter()
                .map(|e| FormatError {
                    field: format!(
                        "row {}{}",
                        e.row,
                        if e.field.is_empty() {
                            String::new()
                        } else {
                            format!(", {}", e.field)
                        }
                    ),
                    message: e.message,
                })
                .chain((more > 0).then(|| FormatError {
                    field: String::new(),
                    message: format!("… and {more} more problems not listed"),
                }))
                .collect(),
        )
    })?;
    let packages: Vec<(String, String, String)> = parsed
        .iter()
        .filter(|h| h.host == hostname)
        .flat_map(|h| h.packages.iter())
        .map(|p| {
            let scheme = match p.scheme {
                Scheme::Deb => "deb",
                Scheme::Rpm => "rpm",
                Scheme::Pep440 => "pypi",
                Scheme::Semver => "npm",
                Scheme::Generic => "generic",
            };
            (p.name.clone(), p.version.clone(), scheme.to_string())
        })
        .collect();
    if packages.is_empty() {
        return Err(PatchError::Rejected(vec![FormatError {
            field: "host".into(),
            message: format!("the file has no packages for host {hostname}"),
        }]));
    }
    store
        .record_inventory(
            actor,
            host_id,
            org_id,
            file_name.unwrap_or("upload"),
            &packages,
        )
        .await?;
    let reg = registry(store).await?;
    let (mut ix, ids) = index(store).await?;
    let mut report = PatchReport::default();
    let Some(pos) = reg.ids.iter().position(|x| x.0 == host_id) else {
        return Ok(report);
    };
    let inv = reg.hosts[pos].clone();
    let hits = ix.hits(&inv);
    let matches: Vec<NewMatch> = hits
        .iter()
        .map(|h| {
            let p = &inv.packages[h.package as usize];
            NewMatch {
                advisory_id: ids[h.advisory as usize],
                host_id,
                org_id,
                package: p.name.clone(),
                version: p.version.clone(),
                fixed: h.fixed.as_deref().map(str::to_string),
            }
        })
        .collect();
    store.replace_matches(None, Some(host_id), &matches).await?;
    report.matches = matches.len();
    // Tasks for advisories that still affect the host; close the rest by proof.
    let mut still: Vec<String> = Vec::new();
    let mut by_adv: BTreeMap<u32, Vec<NewMatch>> = BTreeMap::new();
    for (h, m) in hits.iter().zip(matches) {
        by_adv.entry(h.advisory).or_default().push(m);
    }
    for (adv, ms) in by_adv {
        let a = &ix.advisories()[adv as usize];
        still.push(format!("patch:{host_id}:{}", a.id));
        report.tasks_created += sync_tasks(store, a, ids[adv as usize], &ms, &reg).await?;
    }
    let system = Actor::system("inventory");
    for w in
        crate::work::open_tasks(store, WorkKind::PatchTask, &format!("patch:{host_id}:")).await?
    {
        if w.subject.as_ref().is_some_and(|s| still.contains(s)) {
            continue;
        }
        if crate::work::close_by_proof(
            store,
            &system,
            w.id,
            Proof::FreshInventory,
            "Bản kiểm kê mới cho thấy đã cài bản sửa lỗi",
            file_name,
        )
        .await?
        {
            report.tasks_closed += 1;
        }
    }
    store.escalate_overdue(WorkKind::PatchTask).await?;
    Ok(report)
}

/// Replaces the KEV catalogue and brings forward the deadlines of tasks it concerns.
pub async fn import_kev(store: &Store, actor: &Actor, bytes: &[u8]) -> Result<usize, PatchError> {
    let entries = parse_kev(bytes).map_err(|e| PatchError::Rejected(vec![e]))?;
    let rows: Vec<KevRow> = entries
        .into_iter()
        .map(|e| KevRow {
            cve: e.cve,
            vendor: e.vendor,
            product: e.product,
            name: e.name,
            added: e.added,
            due: e.due,
            ransomware: e.ransomware,
        })
        .collect();
    let n = store.replace_kev(actor, &rows).await?;
    // Known exploitation tightens the deadlines of open patch tasks.
    let system = Actor::system("kev");
    let mut offset = 0;
    loop {
        let (page, total) = store
            .list_advisories(&Scope::All, None, 500, offset)
            .await?;
        for a in page.iter().filter(|a| a.kev_due.is_some()) {
            let Some(due) = a.kev_due.as_deref().and_then(parse_date) else {
                continue;
            };
            let (matches, _) = store
                .matches(&Scope::All, Some(a.id), None, 1000, 0)
                .await?;
            let mut seen = std::collections::HashSet::new();
            for w in matches.iter().filter_map(|m| m.work_item_id) {
                if seen.insert(w) {
                    store.tighten_work_due(&system, w, due).await?;
                }
            }
        }
        offset += page.len() as i64;
        if page.is_empty() || offset >= total {
            break;
        }
    }
    store.escalate_overdue(WorkKind::PatchTask).await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distros() {
        assert_eq!(
            distro_of("Debian GNU/Linux 12 (bookworm)").as_deref(),
            Some("debian:12")
        );
        assert_eq!(
            distro_of("Ubuntu 22.04.5 LTS").as_deref(),
            Some("ubuntu:22.04")
        );
        assert_eq!(distro_of("Red Hat Enterprise Linux 9.4 (Plow)"), None);
        assert_eq!(days_for(Some("critical")), 3);
    }
}
