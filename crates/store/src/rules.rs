//! Centralised monitoring (M3): the Sigma rules' settings (enabled, per organisation) and the
//! organisations' own rules.

use crate::BeginWrite;
use crate::{audit, Actor, Params, Result, Store, StoreError};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// A Sigma rule as the platform knows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct RuleRow {
    /// Id.
    pub id: i64,
    /// The rule's Sigma id (or its path when it has none).
    pub rule_key: String,
    /// `sigmahq` (bundled) or `custom` (uploaded).
    pub origin: String,
    /// Path in the archive, or the uploaded file name.
    pub path: String,
    /// Title.
    pub title: String,
    /// Level.
    pub level: String,
    /// Status.
    pub status: Option<String>,
    /// Log source.
    pub product: Option<String>,
    /// Log source.
    pub category: Option<String>,
    /// Log source.
    pub service: Option<String>,
    /// YAML of a custom rule.
    pub yaml: Option<String>,
    /// Whether it runs (0/1; a boolean on the wire).
    #[serde(serialize_with = "crate::wire::flag")]
    #[schema(value_type = bool)]
    pub enabled: i64,
    /// The organisation (and its units) it is limited to; none = every organisation.
    pub org_id: Option<i64>,
    /// Organisation code.
    pub org_code: Option<String>,
    /// Last change.
    pub updated_at: i64,
}

/// A rule to register (bundled at start-up, or uploaded).
#[derive(Debug, Clone)]
pub struct NewRule {
    /// Sigma id or path.
    pub rule_key: String,
    /// `sigmahq` or `custom`.
    pub origin: String,
    /// Path or file name.
    pub path: String,
    /// Title.
    pub title: String,
    /// Level.
    pub level: String,
    /// Status.
    pub status: Option<String>,
    /// Log source.
    pub product: Option<String>,
    /// Log source.
    pub category: Option<String>,
    /// Log source.
    pub service: Option<String>,
    /// YAML (custom rules).
    pub yaml: Option<String>,
    /// Enabled at first.
    pub enabled: bool,
    /// Limited to an organisation.
    pub org_id: Option<i64>,
}

/// Rule list filters.
#[derive(Debug, Clone, Default)]
pub struct RuleFilter {
    /// Words in title, key, path or log source.
    pub q: Option<String>,
    /// Level.
    pub level: Option<String>,
    /// Only enabled (Some(true)) or disabled (Some(false)).
    pub enabled: Option<bool>,
    /// Origin.
    pub origin: Option<String>,
    /// Page size.
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

/// The clause hiding rules limited to organisations outside the scope (ids are integers from
/// the scope, never from input).
fn rule_visibility(scope: &Scope) -> String {
    match scope.ids() {
        None => String::new(),
        Some(ids) if ids.is_empty() => " AND r.org_id IS NULL".into(),
        Some(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!(
                " AND (r.org_id IS NULL OR r.org_id IN ({}))",
                list.join(", ")
            )
        }
    }
}

const RULE_COLS: &str =
    "r.id, r.rule_key, r.origin, r.path, r.title, r.level, r.status, r.product, \
    r.category, r.service, r.yaml, r.enabled, r.org_id, o.code AS org_code, r.updated_at";

impl Store {
    /// Registers rules that are not known yet (by key); known ones keep their settings.
    /// Returns how many were added.
    pub async fn sync_rules(&self, rules: &[NewRule]) -> Result<u64> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut added = 0;
            for r in rules {
                added += sqlx::query(
                    "INSERT INTO sigma_rules (rule_key, origin, path, title, level, status, product, category, service, \
                     yaml, enabled, org_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (rule_key) DO NOTHING",
                )
                .bind(&r.rule_key).bind(&r.origin).bind(&r.path).bind(&r.title).bind(&r.level)
                .bind(&r.status).bind(&r.product).bind(&r.category).bind(&r.service).bind(&r.yaml)
                .bind(r.enabled as i64).bind(r.org_id).bind(now)
                .execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            Ok(added)
        })
    }

    /// Adds an uploaded rule; audited. Fails with a conflict if its id is taken.
    pub async fn add_custom_rule(&self, actor: &Actor, r: &NewRule) -> Result<RuleRow> {
        let now = now_ms();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM sigma_rules WHERE rule_key = $1")
                .bind(&r.rule_key).fetch_optional(&mut *tx).await?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!("a rule with id {} exists already", r.rule_key)));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sigma_rules (rule_key, origin, path, title, level, status, product, category, service, \
                 yaml, enabled, org_id, updated_at) VALUES ($1, 'custom', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(&r.rule_key).bind(&r.path).bind(&r.title).bind(&r.level).bind(&r.status)
            .bind(&r.product).bind(&r.category).bind(&r.service).bind(&r.yaml)
            .bind(r.enabled as i64).bind(r.org_id).bind(now)
            .fetch_one(&mut *tx).await?;
            let after = json!({"rule_key": r.rule_key, "title": r.title, "enabled": r.enabled, "org_id": r.org_id});
            let e = audit::row(actor, r.org_id, "create", "sigma_rules", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })?;
        self.rule(&Scope::All, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// One rule the scope may see: a rule limited to an organisation (its YAML included) is
    /// visible only to callers who see that organisation.
    pub async fn rule(&self, scope: &Scope, id: i64) -> Result<Option<RuleRow>> {
        let vis = rule_visibility(scope);
        let sql = format!("SELECT {RULE_COLS} FROM sigma_rules r LEFT JOIN orgs o ON o.id = r.org_id WHERE r.id = $1{vis}");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, RuleRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// The id of the rule with this key, if the scope sees it (an alert's page links its rule).
    pub async fn rule_id_by_key(&self, scope: &Scope, key: &str) -> Result<Option<i64>> {
        let sql = format!(
            "SELECT r.id FROM sigma_rules r WHERE r.rule_key = $1{}",
            rule_visibility(scope)
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>(&sql).bind(key).fetch_optional(pool).await?
        }))
    }

    /// Rules, by origin then title.
    pub async fn list_rules(&self, scope: &Scope, f: &RuleFilter) -> Result<(Vec<RuleRow>, i64)> {
        let like = self.like();
        let mut p = Params::default();
        let mut w = format!(" WHERE 1=1{}", rule_visibility(scope));
        if let Some(q) = &f.q {
            for word in q.split_whitespace().take(6) {
                let pat = format!("%{word}%");
                let (a, b, c, d) = (
                    p.text(pat.clone()),
                    p.text(pat.clone()),
                    p.text(pat.clone()),
                    p.text(pat),
                );
                w.push_str(&format!(
                    " AND (r.title {like} {a} OR r.rule_key {like} {b} OR r.path {like} {c} OR \
                     COALESCE(r.product, '') || ' ' || COALESCE(r.category, '') || ' ' || COALESCE(r.service, '') {like} {d})"
                ));
            }
        }
        if let Some(l) = &f.level {
            w.push_str(&format!(" AND r.level = {}", p.text(l.clone())));
        }
        if let Some(e) = f.enabled {
            w.push_str(&format!(" AND r.enabled = {}", p.int(e as i64)));
        }
        if let Some(o) = &f.origin {
            w.push_str(&format!(" AND r.origin = {}", p.text(o.clone())));
        }
        let limit = f.limit.unwrap_or(50).clamp(1, 5000);
        let offset = f.offset.unwrap_or(0).max(0);
        let count_sql = format!("SELECT COUNT(*) FROM sigma_rules r{w}");
        let sql = format!(
            "SELECT {RULE_COLS} FROM sigma_rules r LEFT JOIN orgs o ON o.id = r.org_id{w} \
             ORDER BY r.origin DESC, r.title, r.id LIMIT {limit} OFFSET {offset}"
        );
        on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?;
            let rows = bind_all!(sqlx::query_as::<_, RuleRow>(&sql), &p.vals).fetch_all(pool).await?;
            Ok((rows, total))
        })
    }

    /// A fingerprint of the rule set (how many, the latest change, how many enabled): a process
    /// that compiled the rules sees from it that another changed them.
    pub async fn rules_version(&self) -> Result<String> {
        let (n, at, on): (i64, i64, i64) = on_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(MAX(updated_at), 0) AS BIGINT), CAST(COALESCE(SUM(enabled), 0) AS BIGINT) FROM sigma_rules")
                .fetch_one(pool).await?
        });
        Ok(format!("{n}:{at}:{on}"))
    }

    /// Every enabled rule, as the pipeline compiles them.
    pub async fn enabled_rules(&self) -> Result<Vec<EnabledRule>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as("SELECT rule_key, origin, yaml, org_id FROM sigma_rules WHERE enabled = 1 ORDER BY id")
                .fetch_all(pool).await?)
        })
    }

    /// Turns a rule on or off and sets the organisation it is limited to; audited.
    pub async fn set_rule(
        &self,
        actor: &Actor,
        id: i64,
        enabled: bool,
        org_id: Option<i64>,
    ) -> Result<RuleRow> {
        let before = self
            .rule(&Scope::All, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE sigma_rules SET enabled = $1, org_id = $2, updated_at = $3 WHERE id = $4")
                .bind(enabled as i64).bind(org_id).bind(now_ms()).bind(id).execute(&mut *tx).await?;
            let b = json!({"enabled": before.enabled == 1, "org_id": before.org_id});
            let a = json!({"enabled": enabled, "org_id": org_id});
            let e = audit::row(actor, org_id, "update", "sigma_rules", Some(id), b.as_object(), a.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.rule(&Scope::All, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Deletes an uploaded rule; audited. Bundled rules can only be disabled.
    pub async fn delete_custom_rule(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self
            .rule(&Scope::All, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if before.origin != "custom" {
            return Err(StoreError::Conflict(
                "bundled SigmaHQ rules cannot be deleted; disable them instead".into(),
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM sigma_rules WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let b = json!({"rule_key": before.rule_key, "title": before.title});
            let e = audit::row(actor, before.org_id, "delete", "sigma_rules", Some(id), b.as_object(), None);
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok(())
        })
    }
}

/// An enabled rule, as the pipeline compiles it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnabledRule {
    /// Its key (the Sigma id, or the file and document).
    pub rule_key: String,
    /// `sigmahq` (bundled) or `custom` (uploaded).
    pub origin: String,
    /// The YAML of a custom rule.
    pub yaml: Option<String>,
    /// The organisation (and its units) it is limited to.
    pub org_id: Option<i64>,
}
