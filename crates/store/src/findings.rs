//! Storage of scanner findings (M6): one row per (host, vulnerability), de-duplicated across
//! scans and scanners, open or fixed, linked to its remediation task.

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Params, Result, Store, StoreError};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// A finding to record.
#[derive(Debug, Clone)]
pub struct NewScanFinding {
    /// Organisation.
    pub org_id: i64,
    /// Host.
    pub host_id: i64,
    /// Vulnerability identity (CVEs, else scanner:id).
    pub vuln_key: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// CVSS.
    pub cvss: Option<f64>,
    /// CVE ids, comma-separated.
    pub cves: String,
    /// Scanner.
    pub scanner: String,
    /// Port.
    pub port: Option<String>,
    /// Fix.
    pub solution: Option<String>,
}

/// A stored finding with what ranks it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ScanFindingRow {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Organisation code.
    pub org_code: String,
    /// Host.
    pub host_id: i64,
    /// Host name.
    pub hostname: String,
    /// Host addresses.
    pub ips: Option<String>,
    /// Security level of the host's system.
    pub level: Option<i64>,
    /// Vulnerability identity.
    pub vuln_key: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// CVSS.
    pub cvss: Option<f64>,
    /// CVE ids.
    pub cves: String,
    /// Scanners that reported it, comma-separated.
    pub scanner: String,
    /// Port.
    pub port: Option<String>,
    /// Fix.
    pub solution: Option<String>,
    /// open or fixed.
    pub state: String,
    /// First seen (Unix ms).
    pub first_seen: i64,
    /// Last seen (Unix ms).
    pub last_seen: i64,
    /// Remediation task.
    pub work_item_id: Option<i64>,
    /// 1 when a CVE of it is in the KEV catalogue.
    #[serde(serialize_with = "crate::wire::flag")]
    #[schema(value_type = bool)]
    pub known_exploited: i64,
    /// 1 when the host is on a Botnet IP list.
    #[serde(serialize_with = "crate::wire::flag")]
    #[schema(value_type = bool)]
    pub botnet_listed: i64,
}

const SCAN_SELECT: &str = "SELECT f.id, f.org_id, o.code AS org_code, f.host_id, h.hostname, h.ips, s.level, f.vuln_key, f.title, f.severity, f.cvss, f.cves, \
     f.scanner, f.port, f.solution, f.state, f.first_seen, f.last_seen, f.work_item_id, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM scan_finding_cves c JOIN kev k ON k.cve = c.cve WHERE c.finding_id = f.id) THEN 1 ELSE 0 END AS BIGINT) AS known_exploited, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM botnet_findings b WHERE b.host_id = f.host_id) THEN 1 ELSE 0 END AS BIGINT) AS botnet_listed \
     FROM scan_findings f JOIN hosts h ON h.id = f.host_id JOIN orgs o ON o.id = f.org_id LEFT JOIN systems s ON s.id = h.system_id";

impl Store {
    /// Records a finding of an organisation in `scope`: new, or seen again (last seen refreshed,
    /// reopened if it was fixed), audited as the actor's. Returns its id and its state before.
    pub async fn upsert_scan_finding(
        &self,
        scope: &Scope,
        actor: &Actor,
        f: &NewScanFinding,
    ) -> Result<(i64, Option<String>)> {
        if !scope.contains(f.org_id) {
            return Err(StoreError::Forbidden(
                "organisation outside your scope".into(),
            ));
        }
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let existing = sqlx::query_as::<_, (i64, String, String)>("SELECT id, state, scanner FROM scan_findings WHERE host_id = $1 AND vuln_key = $2")
                .bind(f.host_id).bind(&f.vuln_key).fetch_optional(&mut *tx).await?;
            let out = match existing {
                Some((id, state, scanners)) => {
                    // Every scanner that reported it is kept: any of them can later prove it fixed.
                    let mut list: Vec<&str> = scanners.split(',').filter(|s| !s.is_empty()).collect();
                    if !list.contains(&f.scanner.as_str()) {
                        list.push(&f.scanner);
                    }
                    sqlx::query("UPDATE scan_findings SET last_seen = $1, state = 'open', title = $2, severity = $3, cvss = $4, scanner = $5, port = $6, solution = $7 WHERE id = $8")
                        .bind(now).bind(&f.title).bind(&f.severity).bind(f.cvss).bind(list.join(",")).bind(&f.port).bind(&f.solution).bind(id)
                        .execute(&mut *tx).await?;
                    if state != "open" {
                        let before = json!({"state": state});
                        let after = json!({"state": "open", "scanner": f.scanner});
                        let e = audit::row(actor, Some(f.org_id), "reopen", "scan_findings", Some(id), before.as_object(), after.as_object());
                        audit_insert!(&mut *tx, e);
                    }
                    (id, Some(state))
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO scan_findings (org_id, host_id, vuln_key, title, severity, cvss, cves, scanner, port, solution, state, first_seen, last_seen) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $11) RETURNING id",
                    )
                    .bind(f.org_id).bind(f.host_id).bind(&f.vuln_key).bind(&f.title).bind(&f.severity).bind(f.cvss).bind(&f.cves).bind(&f.scanner)
                    .bind(&f.port).bind(&f.solution).bind(now)
                    .fetch_one(&mut *tx).await?;
                    cve_refs_replace!(tx, "scan_finding_cves", "finding_id", id, &f.cves);
                    let after = json!({"host_id": f.host_id, "vuln_key": f.vuln_key, "severity": f.severity, "scanner": f.scanner});
                    let e = audit::row(actor, Some(f.org_id), "create", "scan_findings", Some(id), None, after.as_object());
                    audit_insert!(&mut *tx, e);
                    (id, None)
                }
            };
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Open findings of a host in `scope` that a scanner has reported:
    /// `(id, vuln_key, work_item_id)`.
    pub async fn open_scan_findings(
        &self,
        scope: &Scope,
        host_id: i64,
        scanner: &str,
    ) -> Result<Vec<(i64, String, Option<i64>)>> {
        let sql = format!(
            "SELECT f.id, f.vuln_key, f.work_item_id, f.scanner FROM scan_findings f WHERE f.host_id = $1 AND f.state = 'open'{}",
            scope_sql(scope, "f.org_id")
        );
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, (i64, String, Option<i64>, String)>(&sql)
                .bind(host_id).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .filter(|r| r.3.split(',').any(|s| s == scanner))
            .map(|(a, b, c, _)| (a, b, c))
            .collect())
    }

    /// Sets the state (`open`, `fixed`) and/or the task of a finding in `scope`, audited.
    pub async fn set_scan_finding(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        state: Option<&str>,
        work_item_id: Option<i64>,
    ) -> Result<()> {
        let sql = format!(
            "SELECT f.org_id, f.state, f.work_item_id FROM scan_findings f WHERE f.id = $1{}",
            scope_sql(scope, "f.org_id")
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some((org_id, before_state, before_work)) = sqlx::query_as::<_, (i64, String, Option<i64>)>(&sql)
                .bind(id).fetch_optional(&mut *tx).await? else {
                return Err(StoreError::NotFound);
            };
            let new_state = state.unwrap_or(&before_state).to_string();
            let new_work = work_item_id.or(before_work);
            if new_state == before_state && new_work == before_work {
                return Ok(());
            }
            sqlx::query("UPDATE scan_findings SET state = $1, work_item_id = $2 WHERE id = $3")
                .bind(&new_state).bind(new_work).bind(id).execute(&mut *tx).await?;
            let before = json!({"state": before_state, "work_item_id": before_work});
            let after = json!({"state": new_state, "work_item_id": new_work});
            let e = audit::row(actor, Some(org_id), "update", "scan_findings", Some(id), before.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Findings in scope (`state` = open or fixed; none = both).
    pub async fn list_scan_findings(
        &self,
        scope: &Scope,
        state: Option<&str>,
    ) -> Result<Vec<ScanFindingRow>> {
        let mut w = format!(" WHERE 1=1{}", scope_sql(scope, "f.org_id"));
        let st = state.filter(|s| matches!(*s, "open" | "fixed"));
        if let Some(s) = st {
            w.push_str(&format!(" AND f.state = '{s}'"));
        }
        let sql = format!("{SCAN_SELECT}{w} ORDER BY f.id LIMIT 5000");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ScanFindingRow>(&sql).fetch_all(pool).await?) })
    }

    /// Findings in scope on one host, or naming a CVE exactly (newest first, at most 200).
    pub async fn scan_findings_of(
        &self,
        scope: &Scope,
        host_id: Option<i64>,
        cve: Option<&str>,
    ) -> Result<Vec<ScanFindingRow>> {
        let mut p = Params::default();
        let mut w = format!(" WHERE 1=1{}", scope_sql(scope, "f.org_id"));
        if let Some(h) = host_id {
            w.push_str(&format!(" AND f.host_id = {}", p.int(h)));
        }
        if let Some(c) = cve {
            w.push_str(&format!(
                " AND f.id IN (SELECT finding_id FROM scan_finding_cves WHERE cve = {})",
                p.text(c.trim().to_ascii_uppercase())
            ));
        }
        let sql = format!("{SCAN_SELECT}{w} ORDER BY f.last_seen DESC, f.id DESC LIMIT 200");
        on_pool!(self, pool => {
            Ok(bind_all!(sqlx::query_as::<_, ScanFindingRow>(&sql), &p.vals).fetch_all(pool).await?)
        })
    }
}
