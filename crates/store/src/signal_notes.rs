//! An alert's notes and its assignment.

use crate::BeginWrite;
use crate::{audit, Actor, Result, Store, StoreError};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// A note on an alert.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SignalNote {
    /// Id.
    pub id: i64,
    /// When.
    pub at: i64,
    /// Who.
    pub user_email: String,
    /// What.
    pub note: String,
}

impl Store {
    /// Adds a note to a signal in scope; audited.
    pub async fn add_signal_note(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        note: &str,
    ) -> Result<SignalNote> {
        let s = self.signal(scope, id).await?.ok_or(StoreError::NotFound)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(StoreError::Invalid(vec![
                canhgac_domain::entity::FieldError::new(
                    "note",
                    "Nội dung ghi chú trống",
                    "the note is empty",
                ),
            ]));
        }
        let at = now_ms();
        let nid = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let nid: i64 = sqlx::query_scalar("INSERT INTO signal_notes (signal_id, at, user_email, note) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(id).bind(at).bind(&actor.email).bind(note).fetch_one(&mut *tx).await?;
            let a = json!({"note": note});
            let e = audit::row(actor, s.org_id, "comment", "signals", Some(id), None, a.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(nid)
        })?;
        Ok(SignalNote {
            id: nid,
            at,
            user_email: actor.email.clone(),
            note: note.to_string(),
        })
    }

    /// Notes of a signal in scope, oldest first.
    pub async fn signal_notes(&self, scope: &Scope, id: i64) -> Result<Vec<SignalNote>> {
        self.signal(scope, id).await?.ok_or(StoreError::NotFound)?;
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, SignalNote>("SELECT id, at, user_email, note FROM signal_notes WHERE signal_id = $1 ORDER BY id")
                .bind(id).fetch_all(pool).await?)
        })
    }

    /// Assigns a signal in scope to a user (or nobody); audited. The assignee must be able to
    /// see the signal.
    pub async fn assign_signal(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        assignee: Option<i64>,
        assignee_sees_it: bool,
    ) -> Result<()> {
        let s = self.signal(scope, id).await?.ok_or(StoreError::NotFound)?;
        if assignee.is_some() && !assignee_sees_it {
            return Err(StoreError::Conflict(
                "that user cannot see this alert's organisation".into(),
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE signals SET assignee_id = $1 WHERE id = $2").bind(assignee).bind(id).execute(&mut *tx).await?;
            let b = json!({"assignee_id": s.assignee_id});
            let a = json!({"assignee_id": assignee});
            let e = audit::row(actor, s.org_id, "assign", "signals", Some(id), b.as_object(), a.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok(())
        })
    }
}
