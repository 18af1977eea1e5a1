//! The work-item step every capability shares: a task is keyed by its *subject* (what it is
//! about, e.g. `patch:<host>:<advisory>`, `botnet:<kind>:<address>`, `scan:<host>:<key>`) within
//! its organisation, so the same thing seen again finds its task instead of creating another;
//! and a task that a machine can check closes by proof (a fresh inventory, a clean re-scan, the
//! next list) — the same proof failing reopens and escalates it.

use canhgac_domain::work::{Proof, WorkEvent, WorkKind, WorkState};
use canhgac_domain::Scope;
use canhgac_store::{Actor, NewWorkItem, Store, StoreError, WorkItemRow};

/// What happens when the subject already has a task.
pub enum Again<'a> {
    /// An open task stays as it is; a closed one is history and a new task is created
    /// (a new advisory's patch after the last one was applied).
    Keep,
    /// The proof that would close it failed: an open task is escalated, a closed one
    /// reopened and escalated, with this note (a listed address listed again; a fixed finding
    /// found again).
    Reopen {
        /// The proof that failed.
        proof: Proof,
        /// Why, for the task's history.
        note: &'a str,
    },
}

/// What [`task_for_subject`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    /// A new task.
    Created(i64),
    /// The open task, left as it was.
    Open(i64),
    /// The task was reopened or escalated.
    Reopened(i64),
}

impl TaskOutcome {
    /// The task's id.
    pub fn id(self) -> i64 {
        match self {
            TaskOutcome::Created(i) | TaskOutcome::Open(i) | TaskOutcome::Reopened(i) => i,
        }
    }
}

/// The task of `new.subject` in `new.org_id`: creates it, keeps it, or reopens and escalates it
/// (see [`Again`]). A task marked not applicable is never reopened; the subject seen again gets
/// a new task. `new` is built only when a task is created.
pub async fn task_for_subject(
    store: &Store,
    actor: &Actor,
    kind: WorkKind,
    org_id: i64,
    subject: &str,
    again: Again<'_>,
    new: impl FnOnce() -> NewWorkItem,
) -> Result<TaskOutcome, StoreError> {
    let existing = store
        .work_item_by_subject(kind, org_id, subject)
        .await?
        .filter(|w| state(w) != Some(WorkState::NotApplicable));
    match (existing, again) {
        (Some(w), Again::Keep) if state(&w).is_some_and(|s| s.is_open()) => {
            Ok(TaskOutcome::Open(w.id))
        }
        (Some(w), Again::Reopen { proof, note }) => {
            store
                .apply_work_event(
                    &Scope::All,
                    actor,
                    w.id,
                    &WorkEvent::ProofFailed { proof },
                    Some(note),
                    None,
                )
                .await?;
            Ok(TaskOutcome::Reopened(w.id))
        }
        _ => {
            let mut item = new();
            item.kind = kind;
            item.org_id = org_id;
            item.subject = Some(subject.to_string());
            Ok(TaskOutcome::Created(
                store.create_work_item(&Scope::All, actor, &item).await?.id,
            ))
        }
    }
}

/// Closes a task by a proof that arrived (with a note and, optionally, the evidence's name).
/// A task already closed is left alone: returns whether it was closed now.
pub async fn close_by_proof(
    store: &Store,
    actor: &Actor,
    id: i64,
    proof: Proof,
    note: &str,
    evidence: Option<&str>,
) -> Result<bool, StoreError> {
    match store
        .apply_work_event(
            &Scope::All,
            actor,
            id,
            &WorkEvent::ProofArrived { proof },
            Some(note),
            evidence,
        )
        .await
    {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The open tasks of a kind whose subject starts with `prefix` (a list's kind, a host).
pub async fn open_tasks(
    store: &Store,
    kind: WorkKind,
    prefix: &str,
) -> Result<Vec<WorkItemRow>, StoreError> {
    store.open_work_items_by_subject(kind, prefix).await
}

fn state(w: &WorkItemRow) -> Option<WorkState> {
    Some(w.state)
}
