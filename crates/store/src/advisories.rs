//! Storage of advisories (M5): the documents as parsed, the KEV catalogue, inventory
//! snapshots per host (the history), and the current matches of advisories on hosts.

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Params, Result, Store};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// An advisory to store.
#[derive(Debug, Clone)]
pub struct NewAdvisory {
    /// Its own id.
    pub ext_id: String,
    /// Title.
    pub title: String,
    /// low … critical.
    pub severity: Option<String>,
    /// CVSS base score.
    pub cvss: Option<f64>,
    /// Published (as written).
    pub published: Option<String>,
    /// osv, csaf, cve5, manual.
    pub source: String,
    /// CVE ids, comma-separated.
    pub cves: String,
    /// Recommended action.
    pub recommendation: Option<String>,
    /// The parsed document (JSON), kept whole so matching can be redone.
    pub doc: String,
}

/// A stored advisory (without its document).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AdvisoryRow {
    /// Id.
    pub id: i64,
    /// Its own id.
    pub ext_id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Option<String>,
    /// CVSS.
    pub cvss: Option<f64>,
    /// Published.
    pub published: Option<String>,
    /// Format it came from.
    pub source: String,
    /// CVE ids.
    pub cves: String,
    /// Recommended action.
    pub recommendation: Option<String>,
    /// Imported (Unix ms).
    pub imported_at: i64,
    /// KEV due date, if a CVE of it is known exploited.
    pub kev_due: Option<String>,
    /// Hosts it affects in the caller's scope.
    pub affected_hosts: i64,
}

/// A KEV entry to store.
#[derive(Debug, Clone)]
pub struct KevRow {
    /// CVE.
    pub cve: String,
    /// Vendor.
    pub vendor: String,
    /// Product.
    pub product: String,
    /// Name.
    pub name: String,
    /// Added.
    pub added: String,
    /// Due.
    pub due: String,
    /// Used by ransomware.
    pub ransomware: bool,
}

/// A current match, with names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct MatchRow {
    /// Id.
    pub id: i64,
    /// Advisory.
    pub advisory_id: i64,
    /// Its own id.
    pub ext_id: String,
    /// Its severity.
    pub severity: Option<String>,
    /// Host.
    pub host_id: i64,
    /// Host name.
    pub hostname: String,
    /// Organisation.
    pub org_id: i64,
    /// Organisation code.
    pub org_code: String,
    /// Package.
    pub package: String,
    /// Installed version.
    pub version: String,
    /// Fixed version.
    pub fixed: Option<String>,
    /// Patch task.
    pub work_item_id: Option<i64>,
    /// Its state.
    pub work_state: Option<String>,
}

/// A match to record.
#[derive(Debug, Clone)]
pub struct NewMatch {
    /// Advisory.
    pub advisory_id: i64,
    /// Host.
    pub host_id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Package.
    pub package: String,
    /// Installed version.
    pub version: String,
    /// Fixed version.
    pub fixed: Option<String>,
}

const ADV_COLS: &str = "a.id, a.ext_id, a.title, a.severity, a.cvss, a.published, a.source, a.cves, a.recommendation, a.imported_at";
const MATCH_COLS: &str = "m.id, m.advisory_id, a.ext_id, a.severity, m.host_id, h.hostname, m.org_id, o.code AS org_code, m.package, m.version, m.fixed, m.work_item_id, w.state AS work_state";

impl Store {
    /// Stores or replaces an advisory (by its own id); audited. Returns its id.
    pub async fn upsert_advisory(&self, actor: &Actor, a: &NewAdvisory) -> Result<i64> {
        let now = now_ms();
        let existing = self.advisory_id(&a.ext_id).await?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = match existing {
                Some(id) => {
                    sqlx::query("UPDATE advisories SET title = $1, severity = $2, cvss = $3, published = $4, source = $5, cves = $6, recommendation = $7, doc = $8, imported_at = $9, imported_by = $10 WHERE id = $11")
                        .bind(&a.title).bind(&a.severity).bind(a.cvss).bind(&a.published).bind(&a.source).bind(&a.cves).bind(&a.recommendation).bind(&a.doc).bind(now).bind(&actor.email).bind(id)
                        .execute(&mut *tx).await?;
                    id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO advisories (ext_id, title, severity, cvss, published, source, cves, recommendation, doc, imported_at, imported_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(&a.ext_id).bind(&a.title).bind(&a.severity).bind(a.cvss).bind(&a.published).bind(&a.source).bind(&a.cves).bind(&a.recommendation).bind(&a.doc).bind(now).bind(&actor.email)
                .fetch_one(&mut *tx).await?,
            };
            cve_refs_replace!(tx, "advisory_cves", "advisory_id", id, &a.cves);
            let after = json!({"ext_id": a.ext_id, "title": a.title, "severity": a.severity, "source": a.source});
            let e = audit::row(actor, None, if existing.is_some() { "update" } else { "import" }, "advisories", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The id of an advisory by its own id.
    pub async fn advisory_id(&self, ext_id: &str) -> Result<Option<i64>> {
        on_pool!(self, pool => { Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM advisories WHERE ext_id = $1").bind(ext_id).fetch_optional(pool).await?) })
    }

    /// Every stored document (id, JSON), for rebuilding the matching index.
    pub async fn advisory_docs(&self) -> Result<Vec<(i64, String)>> {
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (i64, String)>("SELECT id, doc FROM advisories ORDER BY id").fetch_all(pool).await?) })
    }

    /// Advisories with their KEV due date and the hosts they affect in scope, most severe first.
    pub async fn list_advisories(
        &self,
        scope: &Scope,
        q: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<AdvisoryRow>, i64)> {
        let mut p = Params::default();
        let mut w = String::from(" WHERE 1=1");
        if let Some(q) = q.map(str::trim).filter(|s| !s.is_empty()) {
            let ph = p.text(format!("%{}%", q.to_lowercase()));
            w.push_str(&format!(" AND (LOWER(a.ext_id) LIKE {ph} OR LOWER(a.title) LIKE {ph} OR LOWER(a.cves) LIKE {ph})"));
        }
        let limit = limit.clamp(1, 1000);
        let offset = offset.max(0);
        let count_sql = format!("SELECT COUNT(*) FROM advisories a{w}");
        let sql = format!(
            "SELECT {ADV_COLS}, (SELECT MIN(k.due) FROM advisory_cves c JOIN kev k ON k.cve = c.cve WHERE c.advisory_id = a.id) AS kev_due, \
             (SELECT COUNT(DISTINCT m.host_id) FROM advisory_matches m WHERE m.advisory_id = a.id{}) AS affected_hosts \
             FROM advisories a{w} ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, a.id DESC \
             LIMIT {limit} OFFSET {offset}",
            scope_sql(scope, "m.org_id")
        );
        on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?;
            let rows = bind_all!(sqlx::query_as::<_, AdvisoryRow>(&sql), &p.vals).fetch_all(pool).await?;
            Ok((rows, total))
        })
    }

    /// One advisory, with its scoped counts.
    pub async fn advisory(&self, scope: &Scope, id: i64) -> Result<Option<AdvisoryRow>> {
        let sql = format!(
            "SELECT {ADV_COLS}, (SELECT MIN(k.due) FROM advisory_cves c JOIN kev k ON k.cve = c.cve WHERE c.advisory_id = a.id) AS kev_due, \
             (SELECT COUNT(DISTINCT m.host_id) FROM advisory_matches m WHERE m.advisory_id = a.id{}) AS affected_hosts \
             FROM advisories a WHERE a.id = $1",
            scope_sql(scope, "m.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, AdvisoryRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// Replaces the KEV catalogue; audited.
    pub async fn replace_kev(&self, actor: &Actor, rows: &[KevRow]) -> Result<usize> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM kev").execute(&mut *tx).await?;
            for chunk in rows.chunks(500) {
                let mut p = Params::default();
                let mut values = Vec::new();
                for r in chunk {
                    let cells = [p.text(r.cve.clone()), p.text(r.vendor.clone()), p.text(r.product.clone()), p.text(r.name.clone()), p.text(r.added.clone()), p.text(r.due.clone()), p.int(i64::from(r.ransomware))];
                    values.push(format!("({})", cells.join(", ")));
                }
                let sql = format!("INSERT INTO kev (cve, vendor, product, name, added, due, ransomware) VALUES {}", values.join(", "));
                bind_all!(sqlx::query(&sql), &p.vals).execute(&mut *tx).await?;
            }
            let after = json!({"entries": rows.len()});
            let e = audit::row(actor, None, "import", "kev", None, None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok(rows.len())
        })
    }

    /// The earliest KEV due date among these CVEs.
    pub async fn kev_due(&self, cves: &[String]) -> Result<Option<String>> {
        let mut best: Option<String> = None;
        for c in cves {
            let due = on_pool!(self, pool => { sqlx::query_scalar::<_, String>("SELECT due FROM kev WHERE cve = $1").bind(c).fetch_optional(pool).await? });
            if let Some(d) = due {
                if best.as_ref().is_none_or(|b| d < *b) {
                    best = Some(d);
                }
            }
        }
        Ok(best)
    }

    /// Records a host's inventory: a snapshot for the history and the host's current software
    /// replaced, in one transaction; audited.
    pub async fn record_inventory(
        &self,
        actor: &Actor,
        host_id: i64,
        org_id: i64,
        source: &str,
        packages: &[(String, String, String)],
    ) -> Result<i64> {
        let now = now_ms();
        let snapshot = serde_json::to_string(packages).unwrap_or_default();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO inventory_snapshots (host_id, org_id, taken_at, source, packages) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(host_id).bind(org_id).bind(now).bind(source).bind(&snapshot).fetch_one(&mut *tx).await?;
            sqlx::query("DELETE FROM software WHERE host_id = $1").bind(host_id).execute(&mut *tx).await?;
            for chunk in packages.chunks(400) {
                let mut p = Params::default();
                let mut values = Vec::new();
                for (name, version, scheme) in chunk {
                    let cells = [p.int(org_id), p.int(host_id), p.text(name.clone()), p.text(version.clone()), p.text(scheme.clone()), p.int(now), p.int(now)];
                    values.push(format!("({})", cells.join(", ")));
                }
                let sql = format!("INSERT INTO software (org_id, host_id, name, version, scheme, created_at, updated_at) VALUES {}", values.join(", "));
                bind_all!(sqlx::query(&sql), &p.vals).execute(&mut *tx).await?;
            }
            let after = json!({"snapshot": id, "packages": packages.len(), "source": source});
            let e = audit::row(actor, Some(org_id), "inventory", "hosts", Some(host_id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A host's ten newest inventory snapshots, newest first (each holds its whole package list).
    pub async fn inventory_history(&self, scope: &Scope, host_id: i64) -> Result<Vec<SnapshotRow>> {
        let sql = format!("SELECT id, taken_at, source, packages FROM inventory_snapshots WHERE host_id = $1{} ORDER BY taken_at DESC, id DESC LIMIT 10", scope_sql(scope, "org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SnapshotRow>(&sql).bind(host_id).fetch_all(pool).await?) })
    }

    /// Every host's current software, province-wide (for matching advisories).
    pub async fn all_software(&self) -> Result<Vec<HostSoftwareRow>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, HostSoftwareRow>(
                "SELECT h.id AS host_id, h.org_id, h.hostname, h.os, s.name, s.version, s.scheme FROM software s JOIN hosts h ON h.id = s.host_id ORDER BY h.id, s.id",
            ).fetch_all(pool).await?)
        })
    }

    /// Replaces the matches of one advisory (all hosts) or of one host (all advisories).
    pub async fn replace_matches(
        &self,
        advisory_id: Option<i64>,
        host_id: Option<i64>,
        matches: &[NewMatch],
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(a) = advisory_id {
                sqlx::query("DELETE FROM advisory_matches WHERE advisory_id = $1").bind(a).execute(&mut *tx).await?;
            }
            if let Some(h) = host_id {
                sqlx::query("DELETE FROM advisory_matches WHERE host_id = $1").bind(h).execute(&mut *tx).await?;
            }
            for chunk in matches.chunks(300) {
                let mut p = Params::default();
                let mut values = Vec::new();
                for m in chunk {
                    let cells = [p.int(m.advisory_id), p.int(m.host_id), p.int(m.org_id), p.text(m.package.clone()), p.text(m.version.clone()), p.push(crate::SqlVal::Text(m.fixed.clone()))];
                    values.push(format!("({})", cells.join(", ")));
                }
                let sql = format!("INSERT INTO advisory_matches (advisory_id, host_id, org_id, package, version, fixed) VALUES {} ON CONFLICT DO NOTHING", values.join(", "));
                bind_all!(sqlx::query(&sql), &p.vals).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Links a (advisory, host) pair's matches to its patch task.
    pub async fn link_patch_task(
        &self,
        advisory_id: i64,
        host_id: i64,
        work_item_id: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE advisory_matches SET work_item_id = $1 WHERE advisory_id = $2 AND host_id = $3").bind(work_item_id).bind(advisory_id).bind(host_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Current matches in scope, by advisory and/or host.
    pub async fn matches(
        &self,
        scope: &Scope,
        advisory_id: Option<i64>,
        host_id: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<MatchRow>, i64)> {
        let mut p = Params::default();
        let mut w = format!(" WHERE 1=1{}", scope_sql(scope, "m.org_id"));
        if let Some(a) = advisory_id {
            w.push_str(&format!(" AND m.advisory_id = {}", p.int(a)));
        }
        if let Some(h) = host_id {
            w.push_str(&format!(" AND m.host_id = {}", p.int(h)));
        }
        let limit = limit.clamp(1, 1000);
        let offset = offset.max(0);
        let count_sql = format!("SELECT COUNT(*) FROM advisory_matches m{w}");
        let sql = format!(
            "SELECT {MATCH_COLS} FROM advisory_matches m JOIN advisories a ON a.id = m.advisory_id JOIN hosts h ON h.id = m.host_id \
             JOIN orgs o ON o.id = m.org_id LEFT JOIN work_items w ON w.id = m.work_item_id{w} ORDER BY o.code, h.hostname, a.ext_id LIMIT {limit} OFFSET {offset}"
        );
        on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?;
            let rows = bind_all!(sqlx::query_as::<_, MatchRow>(&sql), &p.vals).fetch_all(pool).await?;
            Ok((rows, total))
        })
    }

    /// Patch compliance per organisation in scope.
    pub async fn patch_compliance(&self, scope: &Scope) -> Result<Vec<ComplianceRow>> {
        let now = now_ms();
        let sql = format!(
            "SELECT o.code, o.name, \
             (SELECT COUNT(*) FROM hosts h WHERE h.org_id = o.id) AS hosts, \
             (SELECT COUNT(DISTINCT w.host_id) FROM work_items w WHERE w.org_id = o.id AND w.kind = 'patch_task' AND w.state NOT IN ('closed', 'not_applicable')) AS hosts_to_patch, \
             (SELECT COUNT(*) FROM work_items w WHERE w.org_id = o.id AND w.kind = 'patch_task' AND w.state NOT IN ('closed', 'not_applicable')) AS open_tasks, \
             (SELECT COUNT(*) FROM work_items w WHERE w.org_id = o.id AND w.kind = 'patch_task' AND w.state NOT IN ('closed', 'not_applicable') AND w.due_at < $1) AS overdue_tasks \
             FROM orgs o WHERE 1=1{} ORDER BY o.code",
            scope_sql(scope, "o.id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ComplianceRow>(&sql).bind(now).fetch_all(pool).await?) })
    }
}

/// One inventory snapshot of a host.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SnapshotRow {
    /// Id.
    pub id: i64,
    /// When taken (Unix ms).
    pub taken_at: i64,
    /// Where it came from (file name, agent).
    pub source: String,
    /// The packages (JSON array as text).
    pub packages: String,
}

impl SnapshotRow {
    /// How many packages it lists.
    pub fn package_count(&self) -> usize {
        serde_json::from_str::<Vec<serde_json::Value>>(&self.packages).map_or(0, |v| v.len())
    }
}

/// One installed package of one host, with what matching needs of the host.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HostSoftwareRow {
    /// Host.
    pub host_id: i64,
    /// Its organisation.
    pub org_id: i64,
    /// Its name.
    pub hostname: String,
    /// Its operating system as registered (gives the distribution).
    pub os: Option<String>,
    /// Package name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Version scheme (deb, rpm, …).
    pub scheme: String,
}

/// Patch compliance of one organisation.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ComplianceRow {
    /// Organisation code.
    pub code: String,
    /// Organisation name.
    pub name: String,
    /// Hosts registered.
    pub hosts: i64,
    /// Hosts with an open patch task.
    pub hosts_to_patch: i64,
    /// Open patch tasks.
    pub open_tasks: i64,
    /// Of which past their deadline.
    pub overdue_tasks: i64,
}

impl ComplianceRow {
    /// Share of hosts with no open patch task, in per cent (100 with no host).
    pub fn percent(&self) -> f64 {
        if self.hosts > 0 {
            100.0 * (self.hosts - self.hosts_to_patch) as f64 / self.hosts as f64
        } else {
            100.0
        }
    }
}
