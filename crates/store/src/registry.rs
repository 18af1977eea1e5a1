//! Generic create/read/update/delete/list/import for the registry's entities, driven by
//! the descriptors in `canhgac_domain::entity`.

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Params, Result, SqlVal, Store, StoreError};
use canhgac_domain::entity::{EntityKind, FieldError, FieldType, Record};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use std::collections::HashMap;

/// Paging, search and filters of a list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Free text over the searchable fields (case-insensitive substring).
    pub q: Option<String>,
    /// Only records of this organisation (for organisations: it and its children).
    pub org_id: Option<i64>,
    /// Exact matches on fields, by field name.
    pub filters: Vec<(String, String)>,
    /// Page size (1..=1000, default 50).
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// The records.
    pub items: Vec<Record>,
    /// How many match in all.
    pub total: i64,
}

/// Extra joined columns per kind, for display (`org_code`, `system_name`, …).
fn select_sql(kind: EntityKind) -> String {
    let t = kind.table();
    match kind {
        EntityKind::Org => format!(
            "SELECT t.*, x.code AS parent_code FROM {t} t LEFT JOIN orgs x ON x.id = t.parent_id"
        ),
        EntityKind::Host => format!(
            "SELECT t.*, o.code AS org_code, o.name AS org_name, s.name AS system_name, s.level AS system_level \
             FROM {t} t JOIN orgs o ON o.id = t.org_id LEFT JOIN systems s ON s.id = t.system_id"
        ),
        EntityKind::Software => format!(
            "SELECT t.*, o.code AS org_code, o.name AS org_name, h.hostname AS host_name \
             FROM {t} t JOIN orgs o ON o.id = t.org_id JOIN hosts h ON h.id = t.host_id"
        ),
        _ => format!("SELECT t.*, o.code AS org_code, o.name AS org_name FROM {t} t JOIN orgs o ON o.id = t.org_id"),
    }
}

fn extra_text_columns(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::Org => &["parent_code"],
        EntityKind::Host => &["org_code", "org_name", "system_name"],
        EntityKind::Software => &["org_code", "org_name", "host_name"],
        _ => &["org_code", "org_name"],
    }
}

/// Decodes a row of `select_sql(kind)` into a record.
macro_rules! decode_record {
    ($row:expr, $kind:expr) => {{
        let row = &$row;
        let mut rec = Record::new();
        rec.insert("id".into(), Value::from(row.try_get::<i64, _>("id")?));
        for f in $kind.fields() {
            let v = if f.ty.is_int() {
                row.try_get::<Option<i64>, _>(f.name)?.map(Value::from)
            } else {
                row.try_get::<Option<String>, _>(f.name)?.map(Value::from)
            };
            rec.insert(f.name.into(), v.unwrap_or(Value::Null));
        }
        for c in extra_text_columns($kind) {
            let v = row.try_get::<Option<String>, _>(*c)?;
            rec.insert((*c).into(), v.map(Value::from).unwrap_or(Value::Null));
        }
        if $kind == EntityKind::Host || $kind == EntityKind::Network {
            let v = row.try_get::<i64, _>("approved")?;
            rec.insert("approved".into(), Value::Bool(v != 0));
        }
        if $kind == EntityKind::Host {
            let v = row.try_get::<Option<i64>, _>("system_level")?;
            rec.insert(
                "system_level".into(),
                v.map(Value::from).unwrap_or(Value::Null),
            );
        }
        rec.insert(
            "created_at".into(),
            Value::from(row.try_get::<i64, _>("created_at")?),
        );
        rec.insert(
            "updated_at".into(),
            Value::from(row.try_get::<i64, _>("updated_at")?),
        );
        rec
    }};
}

fn sql_val(ty: FieldType, v: &Value) -> SqlVal {
    if ty.is_int() {
        SqlVal::Int(v.as_i64())
    } else {
        SqlVal::Text(v.as_str().map(str::to_string))
    }
}

/// A list's field filters, checked once: each field's name and its value typed as the column.
fn checked_filters(kind: EntityKind, q: &ListQuery) -> Result<Vec<(&'static str, SqlVal)>> {
    q.filters
        .iter()
        .map(|(name, value)| {
            let field = kind.field(name).ok_or_else(|| {
                StoreError::Invalid(vec![FieldError::new(
                    name,
                    format!("không lọc được theo '{name}'"),
                    format!("cannot filter by '{name}'"),
                )])
            })?;
            let v = if field.ty.is_int() {
                let n = value.trim().parse::<i64>().map_err(|_| {
                    StoreError::Invalid(vec![FieldError::new(
                        name,
                        format!("'{value}' phải là số"),
                        format!("'{value}' must be a number"),
                    )])
                })?;
                SqlVal::Int(Some(n))
            } else {
                SqlVal::Text(Some(value.trim().to_string()))
            };
            Ok((field.name, v))
        })
        .collect()
}

/// The `WHERE` clause of a list in `scope` with `q`'s organisation, text and the `filters`
/// checked by [`checked_filters`].
fn where_sql(
    kind: EntityKind,
    scope: &Scope,
    q: &ListQuery,
    filters: &[(&'static str, SqlVal)],
    p: &mut Params,
) -> String {
    let mut w = String::from(" WHERE 1=1");
    w.push_str(&scope_sql(scope, &format!("t.{}", kind.org_column())));
    if let Some(org) = q.org_id {
        if kind == EntityKind::Org {
            let a = p.int(org);
            let b = p.int(org);
            w.push_str(&format!(" AND (t.id = {a} OR t.parent_id = {b})"));
        } else {
            let a = p.int(org);
            w.push_str(&format!(" AND t.org_id = {a}"));
        }
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pat = p.text(format!("%{}%", text.to_lowercase()));
        let ors: Vec<String> = kind
            .fields()
            .iter()
            .filter(|f| f.searchable)
            .map(|f| format!("LOWER(COALESCE(t.{}, '')) LIKE {pat}", f.name))
            .collect();
        if !ors.is_empty() {
            w.push_str(&format!(" AND ({})", ors.join(" OR ")));
        }
    }
    for (name, v) in filters {
        let ph = p.push(v.clone());
        w.push_str(&format!(" AND t.{name} = {ph}"));
    }
    w
}

impl Store {
    /// Lists records of `kind` visible in `scope`: one page and how many there are in all.
    pub async fn list(&self, kind: EntityKind, scope: &Scope, q: &ListQuery) -> Result<Page> {
        let items = self.list_items(kind, scope, q).await?;
        let total = self.list_count(kind, scope, q).await?;
        Ok(Page { items, total })
    }

    /// Hosts in `scope` that `name` names: by its exact host name, or, for an IP address, the
    /// hosts holding it. `(id, hostname, organisation code)`, at most 20. For forms that pick a
    /// host by what the user knows of it when the province has too many to list.
    pub async fn hosts_named(
        &self,
        scope: &Scope,
        name: &str,
    ) -> Result<Vec<(i64, String, String)>> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(Vec::new());
        }
        let ip = name.parse::<std::net::IpAddr>().ok();
        let (cond, arg) = match ip {
            Some(a) => ("h.ips LIKE $1", format!("%{a}%")),
            None => ("h.hostname = $1", name.to_string()),
        };
        let sql = format!(
            "SELECT h.id, h.hostname, o.code, h.ips FROM hosts h JOIN orgs o ON o.id = h.org_id WHERE {cond}{} ORDER BY h.id LIMIT 200",
            scope_sql(scope, "h.org_id")
        );
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, (i64, String, String, Option<String>)>(&sql).bind(arg).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .filter(|(_, _, _, ips)| {
                ip.is_none_or(|a| {
                    crate::host_addresses(ips.as_deref().unwrap_or("")).any(|x| x == a)
                })
            })
            .take(20)
            .map(|(id, h, o, _)| (id, h, o))
            .collect())
    }

    /// How many records of `kind` in `scope` match `q` (its page aside).
    pub async fn list_count(&self, kind: EntityKind, scope: &Scope, q: &ListQuery) -> Result<i64> {
        let filters = checked_filters(kind, q)?;
        let mut p = Params::default();
        let w = where_sql(kind, scope, q, &filters, &mut p);
        let sql = format!("SELECT COUNT(*) FROM {} t{w}", kind.table());
        on_pool!(self, pool => {
            Ok(bind_all!(sqlx::query_scalar::<_, i64>(&sql), &p.vals).fetch_one(pool).await?)
        })
    }

    /// One page of the records of `kind` in `scope` that match `q`, in title order.
    pub async fn list_items(
        &self,
        kind: EntityKind,
        scope: &Scope,
        q: &ListQuery,
    ) -> Result<Vec<Record>> {
        let filters = checked_filters(kind, q)?;
        let limit = q.limit.unwrap_or(50).clamp(1, 1000);
        let offset = q.offset.unwrap_or(0).max(0);
        let title = kind.title_field();
        // An agency's hosts: each organisation's first names read in order from
        // `hosts_org_name` and merged, instead of walking every host of the province by name
        // (PostgreSQL's plan) or gathering and sorting every host of the agency.
        let merged = (kind == EntityKind::Host)
            .then(|| {
                crate::per_org(scope, |one, p| {
                    let w = where_sql(kind, one, q, &filters, p);
                    format!(
                        "{}{w} ORDER BY t.{title}, t.id LIMIT {}",
                        select_sql(kind),
                        limit + offset
                    )
                })
            })
            .flatten();
        let (sql, p) = match merged {
            Some((union, p)) => (
                format!("SELECT * FROM ({union}) u ORDER BY u.{title}, u.id LIMIT {limit} OFFSET {offset}"),
                p,
            ),
            None => {
                let mut p = Params::default();
                let w = where_sql(kind, scope, q, &filters, &mut p);
                (
                    format!("{}{w} ORDER BY t.{title}, t.id LIMIT {limit} OFFSET {offset}", select_sql(kind)),
                    p,
                )
            }
        };
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query(&sql), &p.vals).fetch_all(pool).await?;
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                items.push(decode_record!(row, kind));
            }
            Ok(items)
        })
    }

    /// One record, if visible in `scope`.
    pub async fn get(&self, kind: EntityKind, scope: &Scope, id: i64) -> Result<Option<Record>> {
        let sql = format!(
            "{} WHERE t.id = $1{}",
            select_sql(kind),
            scope_sql(scope, &format!("t.{}", kind.org_column()))
        );
        on_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
            match row {
                Some(row) => Ok(Some(decode_record!(row, kind))),
                None => Ok(None),
            }
        })
    }

    /// Checks a validated record's references: its organisation is in scope, its system
    /// or host belongs to the same organisation, its parent exists without a cycle.
    async fn check_refs(
        &self,
        kind: EntityKind,
        scope: &Scope,
        rec: &Record,
        id: Option<i64>,
    ) -> Result<()> {
        let mut errors = Vec::new();
        if let Some(org) = rec.get("org_id").and_then(Value::as_i64) {
            if !scope.contains(org) {
                return Err(StoreError::Forbidden(format!(
                    "organisation {org} is outside your scope"
                )));
            }
            if self.get(EntityKind::Org, &Scope::All, org).await?.is_none() {
                errors.push(FieldError::new(
                    "org_id",
                    "đơn vị không tồn tại",
                    "no such organisation",
                ));
            }
            for (field, target) in [
                ("system_id", EntityKind::System),
                ("host_id", EntityKind::Host),
            ] {
                if let Some(rid) = rec.get(field).and_then(Value::as_i64) {
                    let owner = self
                        .get(target, &Scope::All, rid)
                        .await?
                        .and_then(|r| r["org_id"].as_i64());
                    if owner != Some(org) {
                        errors.push(FieldError::new(
                            field,
                            "không thuộc cùng đơn vị",
                            "does not exist in the same organisation",
                        ));
                    }
                }
            }
        }
        if kind == EntityKind::Org {
            if let Some(parent) = rec.get("parent_id").and_then(Value::as_i64) {
                let tree = self.org_tree().await?;
                if !tree.iter().any(|(i, _)| *i == parent) {
                    errors.push(FieldError::new(
                        "parent_id",
                        "đơn vị cấp trên không tồn tại",
                        "no such parent",
                    ));
                } else if let Some(me) = id {
                    if canhgac_domain::access::descendants(me, &tree).contains(&parent) {
                        errors.push(FieldError::new(
                            "parent_id",
                            "không thể đặt đơn vị cấp dưới làm cấp trên",
                            "an organisation cannot sit below itself",
                        ));
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(errors))
        }
    }

    /// Validates and creates a record; audited.
    pub async fn create(
        &self,
        kind: EntityKind,
        scope: &Scope,
        actor: &Actor,
        input: &Record,
    ) -> Result<Record> {
        let (rec, errors) = kind.validate(input);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        if kind == EntityKind::Org && *scope != Scope::All {
            return Err(StoreError::Forbidden(
                "only the DIC creates organisations".into(),
            ));
        }
        self.check_refs(kind, scope, &rec, None).await?;
        self.check_claims(kind, scope, &[(None, &rec)]).await?;
        let id = self
            .insert_many(
                kind,
                actor,
                *scope == Scope::All,
                std::slice::from_ref(&rec),
            )
            .await?;
        self.get(kind, &Scope::All, id.first().copied().unwrap_or_default())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Inserts validated records in one transaction with their audit rows; returns ids.
    /// `approved`: the records' address claims are the DIC's (see [`crate::claims`]).
    async fn insert_many(
        &self,
        kind: EntityKind,
        actor: &Actor,
        approved: bool,
        recs: &[Record],
    ) -> Result<Vec<i64>> {
        let mut cols: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
        let n = cols.len();
        let mut phs: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        cols.push("created_at");
        cols.push("updated_at");
        phs.push(format!("${}", n + 1));
        phs.push(format!("${}", n + 1));
        let claims = crate::claims::claims_addresses(kind);
        if claims {
            cols.push("approved");
            phs.push(format!("${}", n + 2));
        }
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) RETURNING id",
            kind.table(),
            cols.join(", "),
            phs.join(", ")
        );
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut ids = Vec::with_capacity(recs.len());
            for rec in recs {
                let mut vals: Vec<SqlVal> =
                    kind.fields().iter().map(|f| sql_val(f.ty, &rec[f.name])).collect();
                vals.push(SqlVal::Int(Some(now)));
                if claims {
                    vals.push(SqlVal::Int(Some(approved as i64)));
                }
                let id: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&sql), &vals).fetch_one(&mut *tx).await?;
                let org = if kind == EntityKind::Org { Some(id) } else { rec["org_id"].as_i64() };
                let mut after = rec.clone();
                after.insert("id".into(), Value::from(id));
                let entry = audit::row(actor, org, "create", kind.slug(), Some(id), None, Some(&after));
                audit_insert!(&mut *tx, entry);
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        })
    }

    /// Imports records all or nothing: the caller has validated and resolved them.
    pub async fn import(
        &self,
        kind: EntityKind,
        scope: &Scope,
        actor: &Actor,
        recs: &[Record],
    ) -> Result<usize> {
        for r in recs {
            let org = if kind == EntityKind::Org {
                None
            } else {
                r.get("org_id").and_then(Value::as_i64)
            };
            if let Some(org) = org {
                if !scope.contains(org) {
                    return Err(StoreError::Forbidden(format!(
                        "organisation {org} is outside your scope"
                    )));
                }
            }
        }
        if kind == EntityKind::Org && *scope != Scope::All {
            return Err(StoreError::Forbidden(
                "only the DIC creates organisations".into(),
            ));
        }
        let batch: Vec<(Option<i64>, &Record)> = recs.iter().map(|r| (None, r)).collect();
        self.check_claims(kind, scope, &batch).await?;
        Ok(self
            .insert_many(kind, actor, *scope == Scope::All, recs)
            .await?
            .len())
    }

    /// Validates and replaces a record's fields; audited with before and after.
    pub async fn update(
        &self,
        kind: EntityKind,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        input: &Record,
    ) -> Result<Record> {
        let before = self
            .get(kind, scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        // Fields not given keep their value, so PATCH-style partial updates work.
        let mut merged = Record::new();
        for f in kind.fields() {
            let v = input
                .get(f.name)
                .cloned()
                .unwrap_or_else(|| before[f.name].clone());
            merged.insert(f.name.into(), v);
        }
        let (rec, errors) = kind.validate(&merged);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        // Where an organisation sits and what kind it is decide what it sees (a `dic` at the
        // top sees the province): only the DIC changes them.
        if kind == EntityKind::Org
            && (rec["parent_id"] != before["parent_id"] || rec["kind"] != before["kind"])
            && *scope != Scope::All
        {
            return Err(StoreError::Forbidden(
                "only the DIC moves organisations or changes their kind".into(),
            ));
        }
        self.check_refs(kind, scope, &rec, Some(id)).await?;
        self.check_claims(kind, scope, &[(Some(id), &rec)]).await?;
        let mut p = Params::default();
        let mut sets: Vec<String> = kind
            .fields()
            .iter()
            .map(|f| format!("{} = {}", f.name, p.push(sql_val(f.ty, &rec[f.name]))))
            .collect();
        if crate::claims::claims_addresses(kind) {
            // The DIC's change approves the claim; anyone else's change of the addresses
            // withdraws the approval until the DIC confirms it.
            let moved = ["ips", "cidr", "org_id"]
                .iter()
                .any(|f| rec.get(*f).is_some() && rec.get(*f) != before.get(*f));
            if *scope == Scope::All {
                sets.push("approved = 1".into());
            } else if moved {
                sets.push("approved = 0".into());
            }
        }
        let now = p.int(now_ms());
        let idp = p.int(id);
        let sql = format!(
            "UPDATE {} SET {}, updated_at = {now} WHERE id = {idp}",
            kind.table(),
            sets.join(", ")
        );
        let org = if kind == EntityKind::Org {
            Some(id)
        } else {
            rec["org_id"].as_i64()
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            bind_all!(sqlx::query(&sql), &p.vals).execute(&mut *tx).await?;
            let entry = audit::row(actor, org, "update", kind.slug(), Some(id), Some(&before), Some(&rec));
            audit_insert!(&mut *tx, entry);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.get(kind, &Scope::All, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Deletes a record visible in `scope`; audited with its last state.
    pub async fn delete(
        &self,
        kind: EntityKind,
        scope: &Scope,
        actor: &Actor,
        id: i64,
    ) -> Result<()> {
        let before = self
            .get(kind, scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if kind == EntityKind::Org && *scope != Scope::All {
            return Err(StoreError::Forbidden(
                "only the DIC deletes organisations".into(),
            ));
        }
        let org = if kind == EntityKind::Org {
            Some(id)
        } else {
            before["org_id"].as_i64()
        };
        let sql = format!("DELETE FROM {} WHERE id = $1", kind.table());
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(&sql).bind(id).execute(&mut *tx).await?;
            let entry = audit::row(actor, org, "delete", kind.slug(), Some(id), Some(&before), None);
            audit_insert!(&mut *tx, entry);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Organisation codes to ids (codes are public within the province).
    pub async fn org_codes(&self) -> Result<HashMap<String, i64>> {
        on_pool!(self, pool => {
            let rows = sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM orgs").fetch_all(pool).await?;
            Ok(rows.into_iter().collect())
        })
    }

    /// `(org_id, name)` to id, for systems (by name) or hosts (by host name) in scope;
    /// used to resolve references in imported files.
    pub async fn name_index(
        &self,
        kind: EntityKind,
        scope: &Scope,
    ) -> Result<HashMap<(i64, String), i64>> {
        let sql = format!(
            "SELECT t.org_id, t.{}, t.id FROM {} t WHERE 1=1{}",
            kind.title_field(),
            kind.table(),
            scope_sql(scope, "t.org_id")
        );
        on_pool!(self, pool => {
            let rows = sqlx::query_as::<_, (i64, String, i64)>(&sql).fetch_all(pool).await?;
            Ok(rows.into_iter().map(|(o, n, i)| ((o, n.to_lowercase()), i)).collect())
        })
    }

    /// Counts of records by kind in scope, for the overview.
    pub async fn counts(&self, scope: &Scope) -> Result<Vec<(EntityKind, i64)>> {
        let mut out = Vec::new();
        for kind in EntityKind::ALL {
            let sql = format!(
                "SELECT COUNT(*) FROM {} t WHERE 1=1{}",
                kind.table(),
                scope_sql(scope, &format!("t.{}", kind.org_column()))
            );
            let n = on_pool!(self, pool => { sqlx::query_scalar::<_, i64>(&sql).fetch_one(pool).await? });
            out.push((kind, n));
        }
        Ok(out)
    }

    /// Host counts per organisation in scope, largest first: `(code, name, servers, workstations)`.
    pub async fn hosts_per_org(&self, scope: &Scope) -> Result<Vec<(String, String, i64, i64)>> {
        // Counted per organisation from the (org_id, kind) index alone, then named: joining
        // every host to its organisation first cost four times as much over 100,000 hosts.
        let sql = format!(
            "SELECT o.code, o.name, c.servers, c.others FROM (SELECT t.org_id, \
             CAST(SUM(CASE WHEN t.kind = 'server' THEN 1 ELSE 0 END) AS BIGINT) AS servers, \
             CAST(SUM(CASE WHEN t.kind = 'server' THEN 0 ELSE 1 END) AS BIGINT) AS others, \
             COUNT(*) AS n FROM hosts t WHERE 1=1{} GROUP BY t.org_id) c \
             JOIN orgs o ON o.id = c.org_id ORDER BY c.n DESC, o.code",
            scope_sql(scope, "t.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (String, String, i64, i64)>(&sql).fetch_all(pool).await?)
        })
    }
}
