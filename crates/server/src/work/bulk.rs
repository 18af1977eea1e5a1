//! Bulk actions on signals: one state change or one assignment applied to many, each signal
//! through the same store call (and audit entry) as a single one.

use crate::auth::Caller;
use crate::AppState;
use canhgac_domain::signal::SignalState;
use canhgac_store::StoreError;
use serde::Serialize;

/// What a bulk action did.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub(crate) struct Outcome {
    /// Signals changed.
    pub done: usize,
    /// Signals left as they were: their state does not allow the move, or the assignee cannot
    /// see their organisation.
    pub skipped: usize,
}

/// A refusal of the whole action, in both languages.
pub(crate) struct Refused(pub &'static str, pub &'static str);

const STORAGE: Refused = Refused(
    "Lỗi lưu trữ; hãy thử lại sau ít phút.",
    "Storage error; try again in a few minutes.",
);

/// Applies `action` (a state's wire name, or `assign` with `user` an account id) to the
/// signals `ids`, which the caller has already narrowed to their scope.
pub(crate) async fn apply(
    st: &AppState,
    c: &Caller,
    ids: &[i64],
    action: &str,
    user: &str,
) -> Result<Outcome, Refused> {
    let mut out = Outcome::default();
    let actor = c.actor();
    if action == "assign" {
        let uid: i64 = user.trim().parse().map_err(|_| {
            Refused(
                "Hãy chọn cán bộ nhận việc.",
                "Choose the person to assign to.",
            )
        })?;
        let users = st.store.list_users(&c.scope).await.map_err(|_| STORAGE)?;
        let u = users
            .into_iter()
            .find(|u| u.id == uid && u.active && u.role().can_write())
            .ok_or(Refused(
                "Không giao được cho tài khoản này: tài khoản không tồn tại, đã khoá hoặc chỉ có quyền xem.",
                "Cannot assign to that account: it does not exist, is disabled or is read-only.",
            ))?;
        let their_scope = crate::auth::scope_of(st, &u).await.map_err(|_| STORAGE)?;
        for id in ids {
            let Some(s) = st.store.signal(&c.scope, *id).await.map_err(|_| STORAGE)? else {
                out.skipped += 1;
                continue;
            };
            let sees = match s.org_id {
                Some(o) => their_scope.contains(o),
                None => u.role().is_dic(),
            };
            match st
                .store
                .assign_signal(&c.scope, &actor, *id, Some(u.id), sees)
                .await
            {
                Ok(()) => out.done += 1,
                Err(StoreError::Conflict(_) | StoreError::NotFound) => out.skipped += 1,
                Err(_) => return Err(STORAGE),
            }
        }
        return Ok(out);
    }
    let to = SignalState::parse(action).ok_or(Refused(
        "Thao tác không hợp lệ.",
        "Unknown action.",
    ))?;
    for id in ids {
        match st
            .store
            .transition_signal(&c.scope, &actor, *id, to)
            .await
        {
            Ok(_) => out.done += 1,
            Err(StoreError::Conflict(_) | StoreError::NotFound) => out.skipped += 1,
            Err(_) => return Err(STORAGE),
        }
    }
    Ok(out)
}
