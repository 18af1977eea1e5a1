//! The append-only audit log: who, when, what, before and after. The database refuses
//! updates and deletes of its rows (triggers in both backends' migrations).

use crate::{scope_sql, Actor, Params, Result, Store};
use canhgac_domain::entity::Record;
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::Value;

/// A row about to be written.
pub(crate) struct AuditRow {
    pub at: i64,
    pub user_id: Option<i64>,
    pub user_email: String,
    pub org_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

pub(crate) fn row(
    actor: &Actor,
    org_id: Option<i64>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    before: Option<&Record>,
    after: Option<&Record>,
) -> AuditRow {
    AuditRow {
        at: now_ms(),
        user_id: actor.user_id,
        user_email: actor.email.clone(),
        org_id,
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id,
        before_json: before.map(|r| Value::Object(r.clone()).to_string()),
        after_json: after.map(|r| Value::Object(r.clone()).to_string()),
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Id, increasing.
    pub id: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Who (user id), if a person.
    pub user_id: Option<i64>,
    /// Who (e-mail or `system:…`).
    pub user_email: String,
    /// The organisation the record belongs to.
    pub org_id: Option<i64>,
    /// `create`, `update`, `delete`, `login`, …
    pub action: String,
    /// The kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: Option<i64>,
    /// The record before.
    pub before: Option<Value>,
    /// The record after.
    pub after: Option<Value>,
}

/// Filters of the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this kind of record.
    pub entity: Option<String>,
    /// Only this record.
    pub entity_id: Option<i64>,
    /// Only this user (e-mail substring).
    pub user: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Page size.
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

type AuditTuple = (
    i64,
    i64,
    Option<i64>,
    String,
    Option<i64>,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Appends one entry outside any other change (log-ins, token issues, …).
    #[allow(clippy::too_many_arguments)]
    pub async fn append_audit(
        &self,
        actor: &Actor,
        org_id: Option<i64>,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        before: Option<&Record>,
        after: Option<&Record>,
    ) -> Result<()> {
        let e = row(actor, org_id, action, entity, entity_id, before, after);
        on_pool!(self, pool => {
            audit_insert!(pool, e);
            Ok(())
        })
    }

    /// The audit log, newest first, cut by scope (entries of organisations in scope;
    /// entries with no organisation only for the whole-province scope).
    pub async fn list_audit(
        &self,
        scope: &Scope,
        q: &AuditQuery,
    ) -> Result<(Vec<AuditEntry>, i64)> {
        let mut p = Params::default();
        let mut w = String::from(" WHERE 1=1");
        if scope.ids().is_some() {
            w.push_str(" AND org_id IS NOT NULL");
            w.push_str(&scope_sql(scope, "org_id"));
        }
        if let Some(e) = q.entity.as_deref().filter(|s| !s.is_empty()) {
            w.push_str(&format!(" AND entity = {}", p.text(e)));
        }
        if let Some(id) = q.entity_id {
            w.push_str(&format!(" AND entity_id = {}", p.int(id)));
        }
        if let Some(a) = q.action.as_deref().filter(|s| !s.is_empty()) {
            w.push_str(&format!(" AND action = {}", p.text(a)));
        }
        if let Some(u) = q.user.as_deref().filter(|s| !s.is_empty()) {
            w.push_str(&format!(
                " AND LOWER(user_email) LIKE {}",
                p.text(format!("%{}%", u.to_lowercase()))
            ));
        }
        let limit = q.limit.unwrap_or(50).clamp(1, 1000);
        let offset = q.offset.unwrap_or(0).max(0);
        let count_sql = format!("SELECT COUNT(*) FROM audit{w}");
        let sql = format!(
            "SELECT id, at, user_id, user_email, org_id, action, entity, entity_id, before_json, after_json \
             FROM audit{w} ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
        );
        let (total, rows) = on_pool!(self, pool => {
            let total: i64 = bind_all!(sqlx::query_scalar::<_, i64>(&count_sql), &p.vals).fetch_one(pool).await?;
            let rows: Vec<AuditTuple> = bind_all!(sqlx::query_as::<_, AuditTuple>(&sql), &p.vals).fetch_all(pool).await?;
            (total, rows)
        });
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str::<Value>(&s).ok());
        let items = rows
            .into_iter()
            .map(
                |(id, at, user_id, user_email, org_id, action, entity, entity_id, b, a)| {
                    AuditEntry {
                        id,
                        at,
                        user_id,
                        user_email,
                        org_id,
                        action,
                        entity,
                        entity_id,
                        before: parse(b),
                        after: parse(a),
                    }
                },
            )
            .collect();
        Ok((items, total))
    }
}
