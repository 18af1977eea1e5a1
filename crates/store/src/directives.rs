//! Directives (M12): the letter, its items, one work item per item and recipient (closed by the
//! recipient's word, with evidence), files attached as evidence, and reminders. Only the
//! province-wide scope (the DIC) issues; a recipient sees a directive through the items
//! addressed to it, and only its own tasks and files.

use crate::BeginWrite;
use crate::{audit, invalid, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::directive::ItemSpec;
use canhgac_domain::duty::midnight;
use canhgac_domain::time::now_ms;
use canhgac_domain::work::WorkKind;
use canhgac_domain::Scope;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Largest original file or evidence file.
pub const MAX_DIRECTIVE_FILE: usize = 20 * 1024 * 1024;

/// A directive to issue.
#[derive(Debug, Clone)]
pub struct NewDirective {
    /// Its number, e.g. `737/STTTT-BCVTCNTT`.
    pub number: String,
    /// Signed on.
    pub issued_on: NaiveDate,
    /// Who signed it.
    pub issuer: String,
    /// Title (V/v …).
    pub title: String,
    /// A short summary.
    pub summary: String,
    /// The original file: name and bytes.
    pub file: Option<(String, Vec<u8>)>,
    /// Its items.
    pub items: Vec<ItemSpec>,
}

/// A directive with its progress in the caller's scope.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DirectiveRow {
    /// Id.
    pub id: i64,
    /// The issuing organisation.
    pub org_id: i64,
    /// Number.
    pub number: String,
    /// Signed on, `yyyy-mm-dd`.
    pub issued_on: String,
    /// Who signed.
    pub issuer: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// The original file's name.
    pub file_name: Option<String>,
    /// Its size.
    pub file_size: Option<i64>,
    /// Recorded.
    pub created_at: i64,
    /// By.
    pub created_by: String,
    /// Items.
    pub items: i64,
    /// Tasks (item × recipient) in scope.
    pub tasks: i64,
    /// Of them done or not applicable.
    pub done: i64,
    /// Of them past due and not done.
    pub late: i64,
    /// The nearest due date of an open task in scope.
    pub next_due: Option<i64>,
}

/// An item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DirectiveItemRow {
    /// Id.
    pub id: i64,
    /// Directive.
    pub directive_id: i64,
    /// Order.
    pub position: i64,
    /// Its number in the letter.
    pub code: String,
    /// What it asks.
    pub body: String,
    /// Addressed to (as written: `so-nganh, huyen`, codes).
    pub audience: String,
    /// Due (24:00 of the last day, UTC+7).
    pub due_at: i64,
}

/// One recipient's task for one item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DirectiveTaskRow {
    /// The work item.
    pub work_item_id: i64,
    /// Directive.
    pub directive_id: i64,
    /// Item.
    pub item_id: i64,
    /// Recipient.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// Its name.
    pub org_name: String,
    /// Work state (wire name).
    pub state: String,
    /// Due.
    pub due_at: Option<i64>,
    /// Last change.
    pub updated_at: i64,
    /// The last report's note.
    pub note: Option<String>,
    /// The last report's evidence (text).
    pub evidence: Option<String>,
    /// Files attached.
    pub files: i64,
}

/// A file attached as evidence.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DirectiveFileRow {
    /// Id.
    pub id: i64,
    /// The task.
    pub work_item_id: i64,
    /// Recipient.
    pub org_id: i64,
    /// Name.
    pub file_name: String,
    /// SHA-256.
    pub sha256: String,
    /// Size.
    pub size: i64,
    /// When.
    pub uploaded_at: i64,
    /// By.
    pub uploaded_by: String,
}

/// A reminder to send.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReminderDue {
    /// The task.
    pub work_item_id: i64,
    /// Recipient.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// Directive.
    pub directive_id: i64,
    /// Its number.
    pub number: String,
    /// The item's number.
    pub code: String,
    /// The task's title.
    pub title: String,
    /// Due.
    pub due_at: i64,
}

const DIRECTIVE_COLS: &str = "d.id, d.org_id, d.number, d.issued_on, d.issuer, d.title, d.summary, d.file_name, d.file_size, d.created_at, d.created_by, \
    (SELECT COUNT(*) FROM directive_items i WHERE i.directive_id = d.id) AS items, \
    COUNT(w.id) AS tasks, \
    COALESCE(SUM(CASE WHEN w.state IN ('closed', 'not_applicable') THEN 1 ELSE 0 END), 0) AS done, \
    COALESCE(SUM(CASE WHEN w.state NOT IN ('closed', 'not_applicable') AND w.due_at < $1 THEN 1 ELSE 0 END), 0) AS late, \
    MIN(CASE WHEN w.state NOT IN ('closed', 'not_applicable') THEN w.due_at END) AS next_due";

fn blob_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Store {
    /// Issues a directive from the organisation `issuer_org` (province-wide scope only): the
    /// letter, its items and, for each item, a task for every organisation it is addressed to —
    /// the groups' organisations directly under the issuer, and those named by code. All or
    /// nothing; an unknown code or a group with nobody in it is named by item. Audited.
    pub async fn create_directive(
        &self,
        scope: &Scope,
        actor: &Actor,
        issuer_org: i64,
        d: &NewDirective,
    ) -> Result<i64> {
        if scope.ids().is_some() {
            return Err(StoreError::Forbidden(
                "only the DIC issues directives".into(),
            ));
        }
        let mut problems = Vec::new();
        let mut bad = |field: &str, en: String, vi: String| {
            problems.push(canhgac_domain::entity::FieldError {
                field: field.into(),
                message: en,
                message_vi: vi,
            })
        };
        for (k, v) in [
            ("number", &d.number),
            ("issuer", &d.issuer),
            ("title", &d.title),
        ] {
            if v.trim().is_empty() {
                bad(k, "required".into(), "bắt buộc".into());
            }
        }
        if let Some((_, bytes)) = &d.file {
            if bytes.len() > MAX_DIRECTIVE_FILE {
                bad(
                    "file",
                    "the file is larger than 20 MB".into(),
                    "tệp lớn hơn 20 MB".into(),
                );
            }
        }
        // Recipients per item.
        let orgs: Vec<(i64, String, String, Option<i64>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, code, kind, parent_id FROM orgs ORDER BY code").fetch_all(pool).await?
        });
        let mut per_item: Vec<Vec<i64>> = Vec::new();
        for it in &d.items {
            let mut ids: Vec<i64> = orgs
                .iter()
                .filter(|(id, _, kind, parent)| {
                    *id != issuer_org
                        && *parent == Some(issuer_org)
                        && it.audience.groups.iter().any(|g| g.org_kind() == kind)
                })
                .map(|o| o.0)
                .collect();
            for code in &it.audience.codes {
                match orgs.iter().find(|o| o.1.eq_ignore_ascii_case(code)) {
                    Some(o) if o.0 != issuer_org => {
                        if !ids.contains(&o.0) {
                            ids.push(o.0)
                        }
                    }
                    _ => bad(
                        &format!("item {}", it.code),
                        format!("no organisation with code {code}"),
                        format!("không có đơn vị mã {code}"),
                    ),
                }
            }
            if ids.is_empty() && it.audience.codes.is_empty() {
                bad(
                    &format!("item {}", it.code),
                    "no organisation in these groups".into(),
                    "không có đơn vị nào trong nhóm nhận".into(),
                );
            }
            per_item.push(ids);
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let now = now_ms();
        let file = d.file.as_ref().map(|(name, bytes)| {
            (
                name.chars().take(200).collect::<String>(),
                bytes,
                blob_hash(bytes),
            )
        });
        let number = d.number.trim().to_string();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some((_, bytes, sha)) = &file {
                sqlx::query("INSERT INTO evidence_blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
                    .bind(sha).bind(bytes.len() as i64).bind(bytes.as_slice()).execute(&mut *tx).await?;
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO directives (org_id, number, issued_on, issuer, title, summary, file_name, file_sha256, file_size, created_at, created_by) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
                .bind(issuer_org).bind(&number).bind(d.issued_on.to_string()).bind(d.issuer.trim()).bind(d.title.trim()).bind(d.summary.trim())
                .bind(file.as_ref().map(|f| f.0.clone())).bind(file.as_ref().map(|f| f.2.clone())).bind(file.as_ref().map(|f| f.1.len() as i64))
                .bind(now).bind(&actor.email).fetch_one(&mut *tx).await?;
            let mut tasks = 0usize;
            for (pos, (it, ids)) in d.items.iter().zip(&per_item).enumerate() {
                let due = midnight(it.due + chrono::Duration::days(1));
                let item: i64 = sqlx::query_scalar("INSERT INTO directive_items (directive_id, position, code, body, audience, due_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                    .bind(id).bind(pos as i64).bind(&it.code).bind(&it.text).bind(it.audience.words()).bind(due).fetch_one(&mut *tx).await?;
                let title: String = format!("{number} · mục {}: {}", it.code, it.text).chars().take(300).collect();
                for org in ids {
                    let detail = json!({"directive_id": id, "item_id": item, "code": it.code});
                    let w: i64 = sqlx::query_scalar("INSERT INTO work_items (kind, title, org_id, state, due_at, escalated, created_at, updated_at, detail, subject) \
                        VALUES ($1, $2, $3, 'open', $4, 0, $5, $5, $6, $7) RETURNING id")
                        .bind(WorkKind::DirectiveItem.as_str()).bind(&title).bind(org).bind(due).bind(now).bind(detail.to_string())
                        .bind(format!("directive:{id}:item:{item}")).fetch_one(&mut *tx).await?;
                    sqlx::query("INSERT INTO directive_tasks (work_item_id, directive_id, item_id, org_id) VALUES ($1, $2, $3, $4)")
                        .bind(w).bind(id).bind(item).bind(org).execute(&mut *tx).await?;
                    let after = json!({"id": w, "kind": "directive_item", "title": title, "org_id": org, "due_at": due});
                    let e = audit::row(actor, Some(*org), "create", "work_items", Some(w), None, after.as_object());
                    audit_insert!(&mut *tx, e);
                    tasks += 1;
                }
            }
            let after = json!({"number": number, "title": d.title.trim(), "items": d.items.len(), "tasks": tasks, "file": file.as_ref().map(|f| f.0.clone())});
            let e = audit::row(actor, Some(issuer_org), "create", "directives", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Directives visible in scope (the province: all; an organisation: those with a task of
    /// its own), newest first, with progress counted in scope.
    pub async fn directives(&self, scope: &Scope) -> Result<Vec<DirectiveRow>> {
        let having = if scope.ids().is_some() {
            " HAVING COUNT(w.id) > 0"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {DIRECTIVE_COLS} FROM directives d LEFT JOIN directive_tasks t ON t.directive_id = d.id{} LEFT JOIN work_items w ON w.id = t.work_item_id \
             GROUP BY d.id, d.org_id, d.number, d.issued_on, d.issuer, d.title, d.summary, d.file_name, d.file_size, d.created_at, d.created_by{having} \
             ORDER BY d.issued_on DESC, d.id DESC LIMIT 500",
            scope_sql(scope, "t.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, DirectiveRow>(&sql).bind(now_ms()).fetch_all(pool).await?) })
    }

    /// One directive, if visible in scope.
    pub async fn directive(&self, scope: &Scope, id: i64) -> Result<Option<DirectiveRow>> {
        let having = if scope.ids().is_some() {
            " HAVING COUNT(w.id) > 0"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {DIRECTIVE_COLS} FROM directives d LEFT JOIN directive_tasks t ON t.directive_id = d.id{} LEFT JOIN work_items w ON w.id = t.work_item_id \
             WHERE d.id = $2 GROUP BY d.id, d.org_id, d.number, d.issued_on, d.issuer, d.title, d.summary, d.file_name, d.file_size, d.created_at, d.created_by{having}",
            scope_sql(scope, "t.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, DirectiveRow>(&sql).bind(now_ms()).bind(id).fetch_optional(pool).await?) })
    }

    /// A directive's items (all of them: the letter is the same for every recipient) — when
    /// the directive is visible in scope.
    pub async fn directive_items(&self, scope: &Scope, id: i64) -> Result<Vec<DirectiveItemRow>> {
        if self.directive(scope, id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, DirectiveItemRow>("SELECT id, directive_id, position, code, body, audience, due_at FROM directive_items WHERE directive_id = $1 ORDER BY position")
                .bind(id).fetch_all(pool).await?)
        })
    }

    /// A directive's tasks in scope, by organisation then item.
    pub async fn directive_tasks(&self, scope: &Scope, id: i64) -> Result<Vec<DirectiveTaskRow>> {
        let sql = format!(
            "SELECT t.work_item_id, t.directive_id, t.item_id, t.org_id, o.code AS org_code, o.name AS org_name, w.state, w.due_at, w.updated_at, \
             (SELECT n.note FROM work_notes n WHERE n.work_item_id = w.id AND n.action = 'report_done' ORDER BY n.id DESC LIMIT 1) AS note, \
             (SELECT n.evidence FROM work_notes n WHERE n.work_item_id = w.id AND n.action = 'report_done' ORDER BY n.id DESC LIMIT 1) AS evidence, \
             (SELECT COUNT(*) FROM directive_evidence e WHERE e.work_item_id = w.id) AS files \
             FROM directive_tasks t JOIN work_items w ON w.id = t.work_item_id JOIN orgs o ON o.id = t.org_id JOIN directive_items i ON i.id = t.item_id \
             WHERE t.directive_id = $1{} ORDER BY o.code, i.position",
            scope_sql(scope, "t.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, DirectiveTaskRow>(&sql).bind(id).fetch_all(pool).await?) })
    }

    /// The task a work item is, if it is one in scope.
    pub async fn directive_task(
        &self,
        scope: &Scope,
        work_item_id: i64,
    ) -> Result<Option<DirectiveTaskRow>> {
        let d: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT directive_id FROM directive_tasks WHERE work_item_id = $1").bind(work_item_id).fetch_optional(pool).await?
        });
        let Some(d) = d else { return Ok(None) };
        Ok(self
            .directive_tasks(scope, d)
            .await?
            .into_iter()
            .find(|t| t.work_item_id == work_item_id))
    }

    /// The original file of a directive visible in scope.
    pub async fn directive_file(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<(String, Vec<u8>)>> {
        if self.directive(scope, id).await?.is_none() {
            return Ok(None);
        }
        let r: Option<(Option<String>, Option<Vec<u8>>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT d.file_name, b.bytes FROM directives d LEFT JOIN evidence_blobs b ON b.sha256 = d.file_sha256 WHERE d.id = $1")
                .bind(id).fetch_optional(pool).await?
        });
        Ok(r.and_then(|(n, b)| Some((n?, b?))))
    }

    /// Attaches a file as evidence to a task in scope; audited.
    pub async fn add_directive_evidence(
        &self,
        scope: &Scope,
        actor: &Actor,
        work_item_id: i64,
        name: &str,
        bytes: &[u8],
    ) -> Result<i64> {
        let t = self
            .directive_task(scope, work_item_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if bytes.is_empty() || bytes.len() > MAX_DIRECTIVE_FILE {
            return Err(invalid(
                "file",
                "a file of 1 byte to 20 MB",
                "tệp từ 1 byte đến 20 MB",
            ));
        }
        let name: String = name
            .trim()
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(200)
            .collect();
        let name = if name.is_empty() {
            "tep-minh-chung".to_string()
        } else {
            name
        };
        let sha = blob_hash(bytes);
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO evidence_blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
                .bind(&sha).bind(bytes.len() as i64).bind(bytes).execute(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO directive_evidence (work_item_id, org_id, file_name, sha256, size, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(work_item_id).bind(t.org_id).bind(&name).bind(&sha).bind(bytes.len() as i64).bind(now_ms()).bind(&actor.email).fetch_one(&mut *tx).await?;
            let after = json!({"work_item_id": work_item_id, "directive_id": t.directive_id, "file": name, "sha256": sha});
            let e = audit::row(actor, Some(t.org_id), "create", "directive_evidence", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// The evidence files of a directive's tasks in scope.
    pub async fn directive_files(&self, scope: &Scope, id: i64) -> Result<Vec<DirectiveFileRow>> {
        let sql = format!(
            "SELECT e.id, e.work_item_id, e.org_id, e.file_name, e.sha256, e.size, e.uploaded_at, e.uploaded_by FROM directive_evidence e \
             JOIN directive_tasks t ON t.work_item_id = e.work_item_id WHERE t.directive_id = $1{} ORDER BY e.id",
            scope_sql(scope, "e.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, DirectiveFileRow>(&sql).bind(id).fetch_all(pool).await?) })
    }

    /// One evidence file's name and bytes, in scope.
    pub async fn directive_file_content(
        &self,
        scope: &Scope,
        evidence_id: i64,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let sql = format!(
            "SELECT e.file_name, b.bytes FROM directive_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256 WHERE e.id = $1{}",
            scope_sql(scope, "e.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (String, Vec<u8>)>(&sql).bind(evidence_id).fetch_optional(pool).await?) })
    }

    /// Open tasks that need a reminder of `kind` now: `due_soon` — due within `within_ms`;
    /// `overdue` — past due. Each only once per task.
    pub async fn directive_reminders_due(
        &self,
        kind: &str,
        now: i64,
        within_ms: i64,
    ) -> Result<Vec<ReminderDue>> {
        let when = if kind == "overdue" {
            "w.due_at < $1 AND $2 = $2"
        } else {
            "w.due_at >= $1 AND w.due_at <= $1 + $2"
        };
        let sql = format!(
            "SELECT t.work_item_id, t.org_id, o.code AS org_code, d.id AS directive_id, d.number, i.code, w.title, w.due_at \
             FROM directive_tasks t JOIN work_items w ON w.id = t.work_item_id JOIN orgs o ON o.id = t.org_id \
             JOIN directives d ON d.id = t.directive_id JOIN directive_items i ON i.id = t.item_id \
             WHERE w.state NOT IN ('closed', 'not_applicable') AND {when} \
             AND NOT EXISTS (SELECT 1 FROM directive_reminders r WHERE r.work_item_id = t.work_item_id AND r.kind = $3) ORDER BY w.due_at, o.code LIMIT 2000"
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ReminderDue>(&sql).bind(now).bind(within_ms).bind(kind).fetch_all(pool).await?) })
    }

    /// Records that a task was reminded (`false` when it already was).
    pub async fn mark_reminded(&self, work_item_id: i64, kind: &str, at: i64) -> Result<bool> {
        on_pool!(self, pool => {
            Ok(sqlx::query("INSERT INTO directive_reminders (work_item_id, kind, at) VALUES ($1, $2, $3) ON CONFLICT (work_item_id, kind) DO NOTHING")
                .bind(work_item_id).bind(kind).bind(at).execute(pool).await?.rows_affected() > 0)
        })
    }

    /// The reminders a directive's tasks in scope got: (task, kind, when).
    pub async fn directive_reminders(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Vec<(i64, String, i64)>> {
        let sql = format!(
            "SELECT r.work_item_id, r.kind, r.at FROM directive_reminders r JOIN directive_tasks t ON t.work_item_id = r.work_item_id WHERE t.directive_id = $1{} ORDER BY r.at",
            scope_sql(scope, "t.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (i64, String, i64)>(&sql).bind(id).fetch_all(pool).await?) })
    }
}
