//! Storage of Botnet IP lists (M7): the lists, their entries, and their findings on the
//! registry. Lists are province-wide data kept by the DIC; findings belong to organisations
//! and are cut by scope like every other record.

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Params, Result, Store};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// A list about to be stored.
#[derive(Debug, Clone)]
pub struct NewBotnetList {
    /// Name (e.g. "Danh sách IP Botnet tháng 11/2026").
    pub name: String,
    /// Who sent it (DIC, NCSC, Shadowserver, …).
    pub source: String,
    /// botnet, c2, scanner, phishing, other.
    pub kind: String,
    /// Period it covers, `YYYY-MM`.
    pub period: String,
    /// monthly or adhoc.
    pub version: String,
    /// Recognised file format.
    pub format: String,
}

/// One entry to store.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct BotnetEntryRow {
    /// Normalised value (`1.2.3.4`, `198.51.100.0/24`, `evil.example`).
    pub value: String,
    /// ip, cidr or domain.
    pub kind: String,
    /// Malware name.
    pub malware: Option<String>,
    /// When seen, as written.
    pub seen: Option<String>,
    /// C2 / sinkhole / peer.
    pub context: Option<String>,
    /// Organisation the list names.
    pub org_hint: Option<String>,
    /// Row in the file.
    pub row_no: i64,
}

/// One finding to store.
#[derive(Debug, Clone)]
pub struct NewFinding {
    /// The listed value.
    pub value: String,
    /// Organisation.
    pub org_id: i64,
    /// Host, if a host address is listed.
    pub host_id: Option<i64>,
    /// The host address.
    pub ip: Option<String>,
    /// The organisation's range, when no host matched.
    pub network: Option<String>,
    /// System security level.
    pub level: Option<i64>,
    /// Malware.
    pub malware: Option<String>,
    /// Listed in the previous list of the same kind too.
    pub recurring: bool,
}

/// A stored list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct BotnetListRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Source.
    pub source: String,
    /// Kind.
    pub kind: String,
    /// Period `YYYY-MM`.
    pub period: String,
    /// monthly / adhoc.
    pub version: String,
    /// File format.
    pub format: String,
    /// Entries.
    pub entry_count: i64,
    /// When imported (Unix ms).
    pub imported_at: i64,
    /// By whom.
    pub imported_by: String,
}

/// A stored finding, with names for display.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct FindingRow {
    /// Id.
    pub id: i64,
    /// List.
    pub list_id: i64,
    /// Listed value.
    pub value: String,
    /// Organisation.
    pub org_id: i64,
    /// Organisation code.
    pub org_code: String,
    /// Host.
    pub host_id: Option<i64>,
    /// Host name.
    pub hostname: Option<String>,
    /// Host address.
    pub ip: Option<String>,
    /// Range.
    pub network: Option<String>,
    /// System level.
    pub level: Option<i64>,
    /// Malware.
    pub malware: Option<String>,
    /// Listed in the previous list too (0/1; a boolean on the wire).
    #[serde(serialize_with = "crate::wire::flag")]
    #[schema(value_type = bool)]
    pub recurring: i64,
    /// Hunting task.
    pub work_item_id: Option<i64>,
    /// Its state.
    pub work_state: Option<String>,
}

const FINDING_COLS: &str = "f.id, f.list_id, f.value, f.org_id, o.code AS org_code, f.host_id, h.hostname, f.ip, f.network, \
    f.level, f.malware, f.recurring, f.work_item_id, w.state AS work_state";
const LIST_COLS: &str =
    "id, name, source, kind, period, version, format, entry_count, imported_at, imported_by";

/// A list entry found by [`Store::find_botnet_entries`], as read: list id, name and period, then
/// the entry's columns.
type EntryHit = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

impl Store {
    /// Stores a list, its entries and findings in one transaction (audited); returns the
    /// list's id and the findings' ids in order.
    pub async fn insert_botnet_list(
        &self,
        actor: &Actor,
        list: &NewBotnetList,
        entries: &[BotnetEntryRow],
        findings: &[NewFinding],
    ) -> Result<(i64, Vec<i64>)> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO botnet_lists (name, source, kind, period, version, format, entry_count, imported_at, imported_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(&list.name).bind(&list.source).bind(&list.kind).bind(&list.period).bind(&list.version).bind(&list.format)
            .bind(entries.len() as i64).bind(now).bind(&actor.email)
            .fetch_one(&mut *tx).await?;
            // Multi-row inserts: a national list can hold a million entries.
            for chunk in entries.chunks(500) {
                let mut p = Params::default();
                let mut rows = Vec::with_capacity(chunk.len());
                for e in chunk {
                    let cells = [
                        p.int(id),
                        p.text(e.value.clone()),
                        p.text(e.kind.clone()),
                        p.push(crate::SqlVal::Text(e.malware.clone())),
                        p.push(crate::SqlVal::Text(e.seen.clone())),
                        p.push(crate::SqlVal::Text(e.context.clone())),
                        p.push(crate::SqlVal::Text(e.org_hint.clone())),
                        p.int(e.row_no),
                    ];
                    rows.push(format!("({})", cells.join(", ")));
                }
                let sql = format!("INSERT INTO botnet_entries (list_id, value, kind, malware, seen, context, org_hint, row_no) VALUES {}", rows.join(", "));
                bind_all!(sqlx::query(&sql), &p.vals).execute(&mut *tx).await?;
            }
            let mut ids = Vec::with_capacity(findings.len());
            for f in findings {
                let fid: i64 = sqlx::query_scalar(
                    "INSERT INTO botnet_findings (list_id, value, org_id, host_id, ip, network, level, malware, recurring) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(id).bind(&f.value).bind(f.org_id).bind(f.host_id).bind(&f.ip).bind(&f.network).bind(f.level)
                .bind(&f.malware).bind(i64::from(f.recurring))
                .fetch_one(&mut *tx).await?;
                ids.push(fid);
            }
            let after = json!({"name": list.name, "source": list.source, "kind": list.kind, "period": list.period,
                "version": list.version, "entries": entries.len(), "findings": findings.len()});
            let e = audit::row(actor, None, "import", "botnet_lists", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok((id, ids))
        })
    }

    /// Links a finding to its hunting task.
    pub async fn set_finding_work_item(&self, finding_id: i64, work_item_id: i64) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE botnet_findings SET work_item_id = $1 WHERE id = $2").bind(work_item_id).bind(finding_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Every list, newest period first.
    pub async fn botnet_lists(&self) -> Result<Vec<BotnetListRow>> {
        let sql = format!("SELECT {LIST_COLS} FROM botnet_lists ORDER BY period DESC, id DESC");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, BotnetListRow>(&sql).fetch_all(pool).await?) })
    }

    /// One list.
    pub async fn botnet_list(&self, id: i64) -> Result<Option<BotnetListRow>> {
        let sql = format!("SELECT {LIST_COLS} FROM botnet_lists WHERE id = $1");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, BotnetListRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// The list of the same kind that came before `list` (earlier period, or same period
    /// imported earlier).
    pub async fn previous_botnet_list(
        &self,
        kind: &str,
        period: &str,
        before_id: Option<i64>,
    ) -> Result<Option<BotnetListRow>> {
        let sql = format!(
            "SELECT {LIST_COLS} FROM botnet_lists WHERE kind = $1 AND (period < $2 OR (period = $2 AND id < $3)) \
             ORDER BY period DESC, id DESC LIMIT 1"
        );
        let before = before_id.unwrap_or(i64::MAX);
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, BotnetListRow>(&sql).bind(kind).bind(period).bind(before).fetch_optional(pool).await?)
        })
    }

    /// Every value of a list.
    pub async fn botnet_values(&self, list_id: i64) -> Result<Vec<String>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, String>("SELECT value FROM botnet_entries WHERE list_id = $1").bind(list_id).fetch_all(pool).await?)
        })
    }

    /// Entries of a list, by row, with a text filter.
    pub async fn botnet_entries(
        &self,
        list_id: i64,
        q: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<BotnetEntryRow>, i64)> {
        let mut p = Params::default();
        let mut w = format!(" WHERE list_id = {}", p.int(list_id));
        if let Some(q) = q.map(str::trim).filter(|s| !s.is_empty()) {
            let ph = p.text(format!("%{}%", q.to_lowercase()));
            w.push_str(&format!(
                " AND (LOWER(value) LIKE {ph} OR LOWER(COALESCE(malware, '')) LIKE {ph})"
            ));
        }
        let limit = limit.clamp(1, 1000);
        let offset = offset.max(0);
        let count_sql = format!("SELECT COUNT(*) FROM botnet_entries{w}");
        let sql = format!("SELECT value, kind, malware, seen, context, org_hint, row_no FROM botnet_entries{w} ORDER BY row_no, id LIMIT {limit} OFFSET {offset}");
        on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?;
            let rows = bind_all!(sqlx::query_as::<_, BotnetEntryRow>(&sql), &p.vals).fetch_all(pool).await?;
            Ok((rows, total))
        })
    }

    /// Findings in scope, ranked: listed again first, then by system level, then value.
    pub async fn botnet_findings(
        &self,
        scope: &Scope,
        list_id: Option<i64>,
        org_id: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<FindingRow>, i64)> {
        let mut p = Params::default();
        let mut w = format!(" WHERE 1=1{}", scope_sql(scope, "f.org_id"));
        if let Some(l) = list_id {
            w.push_str(&format!(" AND f.list_id = {}", p.int(l)));
        }
        if let Some(o) = org_id {
            w.push_str(&format!(" AND f.org_id = {}", p.int(o)));
        }
        let limit = limit.clamp(1, 1000);
        let offset = offset.max(0);
        let count_sql = format!("SELECT COUNT(*) FROM botnet_findings f{w}");
        let sql = format!(
            "SELECT {FINDING_COLS} FROM botnet_findings f JOIN orgs o ON o.id = f.org_id \
             LEFT JOIN hosts h ON h.id = f.host_id LEFT JOIN work_items w ON w.id = f.work_item_id{w} \
             ORDER BY f.recurring DESC, CASE WHEN f.level IS NULL THEN 0 ELSE f.level END DESC, o.code, f.value \
             LIMIT {limit} OFFSET {offset}"
        );
        on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?;
            let rows = bind_all!(sqlx::query_as::<_, FindingRow>(&sql), &p.vals).fetch_all(pool).await?;
            Ok((rows, total))
        })
    }

    /// Findings in scope on one host (newest list first, at most 200).
    pub async fn botnet_findings_of_host(
        &self,
        scope: &Scope,
        host_id: i64,
    ) -> Result<Vec<FindingRow>> {
        let sql = format!(
            "SELECT {FINDING_COLS} FROM botnet_findings f JOIN orgs o ON o.id = f.org_id \
             LEFT JOIN hosts h ON h.id = f.host_id LEFT JOIN work_items w ON w.id = f.work_item_id \
             WHERE f.host_id = $1{} ORDER BY f.list_id DESC, f.value LIMIT 200",
            scope_sql(scope, "f.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, FindingRow>(&sql).bind(host_id).fetch_all(pool).await?)
        })
    }

    /// List entries whose value starts with `prefix` (an address or range as written), in
    /// every list, newest list first: `(list id, list name, period, entry)`, at most 50.
    pub async fn find_botnet_entries(
        &self,
        prefix: &str,
    ) -> Result<Vec<(i64, String, String, BotnetEntryRow)>> {
        let like = format!(
            "{}%",
            prefix
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows: Vec<EntryHit> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT l.id, l.name, l.period, e.value, e.kind, e.malware, e.seen, e.context, e.org_hint, e.row_no \
                 FROM botnet_entries e JOIN botnet_lists l ON l.id = e.list_id \
                 WHERE LOWER(e.value) LIKE $1 ESCAPE '\\' ORDER BY l.id DESC, e.row_no LIMIT 50",
            )
            .bind(like)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, name, period, value, kind, malware, seen, context, org_hint, row_no)| {
                    (
                        id,
                        name,
                        period,
                        BotnetEntryRow {
                            value,
                            kind,
                            malware,
                            seen,
                            context,
                            org_hint,
                            row_no,
                        },
                    )
                },
            )
            .collect())
    }

    /// Listed addresses per organisation and period, in scope: `(period, org code, count)`.
    pub async fn botnet_stats(&self, scope: &Scope) -> Result<Vec<(String, String, i64)>> {
        let sql = format!(
            "SELECT l.period, o.code, COUNT(DISTINCT f.value) FROM botnet_findings f JOIN botnet_lists l ON l.id = f.list_id \
             JOIN orgs o ON o.id = f.org_id WHERE 1=1{} GROUP BY l.period, o.code ORDER BY l.period, o.code",
            scope_sql(scope, "f.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (String, String, i64)>(&sql).fetch_all(pool).await?) })
    }

    /// Every host, province-wide, as the registry directory needs it: name, addresses,
    /// whether the DIC approved its claim, its system's security level.
    pub async fn host_entries(&self) -> Result<Vec<HostEntry>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, HostEntry>(
                "SELECT h.id, h.org_id, h.hostname, h.ips, h.approved, s.level FROM hosts h LEFT JOIN systems s ON s.id = h.system_id ORDER BY h.id",
            ).fetch_all(pool).await?)
        })
    }

    /// Every registered range, province-wide: `(org_id, cidr)`.
    pub async fn network_ranges(&self) -> Result<Vec<(i64, String)>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64, String)>("SELECT org_id, cidr FROM networks").fetch_all(pool).await?)
        })
    }
}

/// A host as the registry directory knows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HostEntry {
    /// Host id.
    pub id: i64,
    /// Its organisation.
    pub org_id: i64,
    /// Its name.
    pub hostname: String,
    /// Its addresses (see `domain::net::host_addresses`).
    pub ips: Option<String>,
    /// Whether its address claim is the DIC's (0/1; a boolean on the wire).
    #[serde(serialize_with = "crate::wire::flag")]
    #[schema(value_type = bool)]
    pub approved: i64,
    /// Security level of its information system.
    pub level: Option<i64>,
}
