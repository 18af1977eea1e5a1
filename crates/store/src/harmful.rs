//! Harmful content (M11): URLs, domains and social-media accounts an operator reports, each
//! blocked or taken down and confirmed, with its history; the host names the blocklists and the
//! threat lists carry. Keyed per organisation like the rest of the spam room.

use crate::BeginWrite;
use crate::{audit, invalid, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::spam::{HarmfulState, HARMFUL_HOURS};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// A harmful URL, domain or account.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct HarmfulRow {
    /// Id.
    pub id: i64,
    /// The operator (or the DIC).
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// `url`, `domain`, `account`.
    pub kind: String,
    /// The value as kept.
    pub value: String,
    /// The host name a blocklist uses (empty for an account).
    pub host: String,
    /// For an account, its platform.
    pub platform: String,
    /// `phishing`, `gambling`, `fraud`, `unlawful`.
    pub category: String,
    /// Wire name of [`HarmfulState`].
    pub state: String,
    /// Where it came from.
    pub source: String,
    /// Note.
    pub note: String,
    /// The report it was found in.
    pub report_id: Option<i64>,
    /// Reported.
    pub reported_at: i64,
    /// By.
    pub reported_by: String,
    /// Block or take down by.
    pub due_at: i64,
    /// Last change.
    pub updated_at: i64,
}

/// One step in a harmful item's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct HarmfulStepRow {
    /// State reached.
    pub state: String,
    /// What was done.
    pub note: String,
    /// When.
    pub at: i64,
    /// By.
    pub by_email: String,
}
const HARMFUL_COLS: &str = "h.id, h.org_id, o.code AS org_code, h.kind, h.value, h.host, h.platform, h.category, h.state, h.source, h.note, h.report_id, h.reported_at, h.reported_by, h.due_at, h.updated_at";

impl Store {
    /// Records a harmful item for an operator (the same value twice is refused with the
    /// existing item's id). Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_harmful(
        &self,
        scope: &Scope,
        actor: &Actor,
        org_id: i64,
        kind: &str,
        item: &canhgac_spam::harmful::Item,
        category: &str,
        source: &str,
        note: &str,
        report_id: Option<i64>,
        at: i64,
    ) -> Result<i64> {
        if !scope.contains(org_id) {
            return Err(StoreError::NotFound);
        }
        if canhgac_domain::spam::HarmfulCategory::parse(category).is_none() {
            return Err(invalid(
                "category",
                "one of phishing, gambling, fraud, unlawful",
                "chọn một loại vi phạm",
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let old: Option<i64> = sqlx::query_scalar("SELECT id FROM harmful_items WHERE org_id = $1 AND kind = $2 AND value = $3").bind(org_id).bind(kind).bind(&item.value).fetch_optional(&mut *tx).await?;
            if let Some(id) = old {
                return Err(StoreError::Conflict(format!("already recorded as item {id}")));
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO harmful_items (org_id, kind, value, host, platform, category, state, source, note, report_id, reported_at, reported_by, due_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'reported', $7, $8, $9, $10, $11, $12, $10) RETURNING id")
                .bind(org_id).bind(kind).bind(&item.value).bind(&item.host).bind(&item.platform).bind(category).bind(source.chars().take(200).collect::<String>()).bind(note.chars().take(2000).collect::<String>()).bind(report_id).bind(at).bind(&actor.email).bind(at + HARMFUL_HOURS * 3_600_000)
                .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO harmful_history (item_id, state, note, at, by_email) VALUES ($1, 'reported', $2, $3, $4)").bind(id).bind(note.chars().take(2000).collect::<String>()).bind(at).bind(&actor.email).execute(&mut *tx).await?;
            let a = json!({"kind": kind, "value": item.value, "category": category, "source": source});
            let e = audit::row(actor, Some(org_id), "create", "harmful_items", Some(id), None, a.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Harmful items in scope (of one state; `active`: awaiting action), the newest first.
    pub async fn harmful_items(
        &self,
        scope: &Scope,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<HarmfulRow>> {
        let filter = match state {
            Some("active") => " AND h.state IN ('reported', 'blocked', 'takedown')".to_string(),
            Some(s) if HarmfulState::parse(s).is_some() => format!(" AND h.state = '{s}'"),
            _ => String::new(),
        };
        let sql = format!("SELECT {HARMFUL_COLS} FROM harmful_items h JOIN orgs o ON o.id = h.org_id WHERE 1=1{filter}{} ORDER BY h.id DESC LIMIT $1", scope_sql(scope, "h.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, HarmfulRow>(&sql).bind(limit.clamp(1, 100_000)).fetch_all(pool).await?) })
    }

    /// One harmful item in scope.
    pub async fn harmful_item(&self, scope: &Scope, id: i64) -> Result<Option<HarmfulRow>> {
        let sql = format!("SELECT {HARMFUL_COLS} FROM harmful_items h JOIN orgs o ON o.id = h.org_id WHERE h.id = $1{}", scope_sql(scope, "h.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, HarmfulRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// A harmful item's history, in order.
    pub async fn harmful_history(&self, id: i64) -> Result<Vec<HarmfulStepRow>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, HarmfulStepRow>("SELECT state, note, at, by_email FROM harmful_history WHERE item_id = $1 ORDER BY id").bind(id).fetch_all(pool).await?)
        })
    }

    /// Moves a harmful item on (only to a state its current one allows; the note says what
    /// was done). Audited.
    pub async fn set_harmful_state(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        to: HarmfulState,
        note: &str,
    ) -> Result<()> {
        let item = self
            .harmful_item(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let from = HarmfulState::parse(&item.state).unwrap_or(HarmfulState::Reported);
        if !from.next().contains(&to) {
            return Err(StoreError::Conflict(format!(
                "an item that is {} cannot become {}",
                from.as_str(),
                to.as_str()
            )));
        }
        if to == HarmfulState::Blocked && item.host.is_empty() {
            return Err(invalid(
                "state",
                "an account cannot be blocked by name: ask for its takedown",
                "tài khoản không chặn theo tên miền được: hãy yêu cầu gỡ bỏ",
            ));
        }
        let note: String = note.trim().chars().take(2000).collect();
        if note.is_empty() {
            return Err(invalid("note", "say what was done", "ghi rõ đã làm gì"));
        }
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE harmful_items SET state = $2, updated_at = $3 WHERE id = $1 AND state = $4").bind(id).bind(to.as_str()).bind(now).bind(&item.state).execute(&mut *tx).await?;
            if n.rows_affected() != 1 {
                return Err(StoreError::Conflict("the item changed meanwhile".into()));
            }
            sqlx::query("INSERT INTO harmful_history (item_id, state, note, at, by_email) VALUES ($1, $2, $3, $4, $5)").bind(id).bind(to.as_str()).bind(&note).bind(now).bind(&actor.email).execute(&mut *tx).await?;
            let e = audit::row(actor, Some(item.org_id), "transition", "harmful_items", Some(id), json!({"state": item.state}).as_object(), json!({"state": to.as_str(), "note": note}).as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// The host names to block in scope: items blocked, being taken down or confirmed.
    pub async fn blocklist_hosts(&self, scope: &Scope) -> Result<Vec<String>> {
        let sql = format!("SELECT DISTINCT h.host FROM harmful_items h WHERE h.host <> '' AND h.state IN ('blocked', 'takedown', 'confirmed'){} ORDER BY h.host", scope_sql(scope, "h.org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_scalar::<_, String>(&sql).fetch_all(pool).await?) })
    }

    /// The host names to publish on the threat lists, with their category: every operator's
    /// URLs and domains that block.
    pub async fn blocklist_values(&self) -> Result<Vec<(String, String)>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (String, String)>("SELECT host, MIN(category) FROM harmful_items WHERE host <> '' AND state IN ('blocked', 'takedown', 'confirmed') GROUP BY host ORDER BY host").fetch_all(pool).await?)
        })
    }
}
