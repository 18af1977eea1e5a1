//! Response plans: the province's templates and the organisations' own copies, their ordered
//! steps, and starting a plan on an incident (each step becomes a task of the incident, on its
//! timeline). Every method takes the caller's `Scope`; every change is audited in its
//! transaction.

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, NewWorkItem, Result, Store, StoreError};
use canhgac_domain::incident::Category;
use canhgac_domain::time::now_ms;
use canhgac_domain::work::WorkKind;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// A response plan: a province template (`org_id` none) or an organisation's own copy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct PlanRow {
    /// Id.
    pub id: i64,
    /// Owner (`None`: the province's template).
    pub org_id: Option<i64>,
    /// Its code.
    pub org_code: Option<String>,
    /// Name.
    pub name: String,
    /// The incident category it is for (wire name).
    pub category: String,
    /// What it is for.
    pub description: String,
    /// The template it was copied from.
    pub based_on: Option<i64>,
    /// Last changed.
    pub updated_at: i64,
}

/// One ordered step of a plan.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct PlanStep {
    /// Position (1-based).
    pub position: i64,
    /// What to do.
    pub title: String,
    /// Who does it (a role in words: "Cán bộ trực", "Quản trị hệ thống", …).
    pub role: String,
    /// Time limit from the plan's start, in hours.
    pub hours: i64,
}

const PLAN_COLS: &str = "p.id, p.org_id, o.code AS org_code, p.name, p.category, p.description, \
    p.based_on, p.updated_at";

/// The subject of an incident's plan step `n` (work items).
pub fn step_subject(incident_id: i64, n: i64) -> String {
    format!("incident:{incident_id}:step:{n}")
}

impl Store {
    /// Response plans an organisation in scope may start: the province's templates and the
    /// organisations' own copies, in scope.
    pub async fn list_plans(&self, scope: &Scope) -> Result<Vec<PlanRow>> {
        let sql = format!(
            "SELECT {PLAN_COLS} FROM response_plans p LEFT JOIN orgs o ON o.id = p.org_id \
             WHERE p.org_id IS NULL OR (1=1{}) ORDER BY p.org_id IS NOT NULL, p.name, p.id",
            scope_sql(scope, "p.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, PlanRow>(&sql).fetch_all(pool).await?)
        })
    }

    /// One plan in scope, with its steps.
    pub async fn plan(&self, scope: &Scope, id: i64) -> Result<Option<(PlanRow, Vec<PlanStep>)>> {
        let sql = format!(
            "SELECT {PLAN_COLS} FROM response_plans p LEFT JOIN orgs o ON o.id = p.org_id \
             WHERE p.id = $1 AND (p.org_id IS NULL OR (1=1{}))",
            scope_sql(scope, "p.org_id")
        );
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, PlanRow>(&sql).bind(id).fetch_optional(pool).await?
        });
        let Some(row) = row else { return Ok(None) };
        let steps = on_pool!(self, pool => {
            sqlx::query_as::<_, PlanStep>(
                "SELECT position, title, role, hours FROM plan_steps WHERE plan_id = $1 ORDER BY position",
            )
            .bind(id).fetch_all(pool).await?
        });
        Ok(Some((row, steps)))
    }

    /// Saves a plan: a new one (`id` none) for an organisation in scope or, for the DIC's
    /// full scope only, a province template (`org_id` none); or replaces an existing plan's
    /// name, description and steps (the plan must be the caller's to change: a template only in
    /// the full scope). Audited. Returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_plan(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: Option<i64>,
        org_id: Option<i64>,
        based_on: Option<i64>,
        name: &str,
        category: Category,
        description: &str,
        steps: &[PlanStep],
    ) -> Result<i64> {
        let may = |o: Option<i64>| match o {
            Some(o) => scope.contains(o),
            None => scope.ids().is_none(),
        };
        let now = now_ms();
        if let Some(pid) = id {
            let (cur, _) = self.plan(scope, pid).await?.ok_or(StoreError::NotFound)?;
            if !may(cur.org_id) {
                return Err(StoreError::Forbidden(
                    "the province's plans are changed by the DIC; copy it to adapt it".into(),
                ));
            }
            on_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("UPDATE response_plans SET name = $1, category = $2, description = $3, updated_at = $4 WHERE id = $5")
                    .bind(name).bind(category.as_str()).bind(description).bind(now).bind(pid).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM plan_steps WHERE plan_id = $1").bind(pid).execute(&mut *tx).await?;
                for (i, s) in steps.iter().enumerate() {
                    sqlx::query("INSERT INTO plan_steps (plan_id, position, title, role, hours) VALUES ($1, $2, $3, $4, $5)")
                        .bind(pid).bind(i as i64 + 1).bind(&s.title).bind(&s.role).bind(s.hours).execute(&mut *tx).await?;
                }
                let after = json!({"name": name, "steps": steps.len()});
                let e = audit::row(actor, cur.org_id, "update", "response_plans", Some(pid), None, after.as_object());
                audit_insert!(&mut *tx, e);
                tx.commit().await?;
                Ok::<(), StoreError>(())
            })?;
            return Ok(pid);
        }
        if !may(org_id) {
            return Err(StoreError::Forbidden(
                "organisation outside your scope".into(),
            ));
        }
        let pid = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let pid: i64 = sqlx::query_scalar(
                "INSERT INTO response_plans (org_id, name, category, description, based_on, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(org_id).bind(name).bind(category.as_str()).bind(description).bind(based_on).bind(now)
            .fetch_one(&mut *tx).await?;
            for (i, s) in steps.iter().enumerate() {
                sqlx::query("INSERT INTO plan_steps (plan_id, position, title, role, hours) VALUES ($1, $2, $3, $4, $5)")
                    .bind(pid).bind(i as i64 + 1).bind(&s.title).bind(&s.role).bind(s.hours).execute(&mut *tx).await?;
            }
            let after = json!({"name": name, "org_id": org_id, "based_on": based_on, "steps": steps.len()});
            let e = audit::row(actor, org_id, "create", "response_plans", Some(pid), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            pid
        });
        Ok(pid)
    }

    /// Starts a plan on an incident: one work item per step (kind `incident_step`, closed by a
    /// person's word with evidence, due the step's hours after now), the plan recorded on the
    /// incident, each task on its timeline. A plan is started once per incident.
    pub async fn start_plan(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        plan_id: i64,
    ) -> Result<Vec<i64>> {
        let inc = self
            .incident(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if inc.plan_id.is_some() {
            return Err(StoreError::Conflict(
                "a plan has already been started on this incident".into(),
            ));
        }
        let (plan, steps) = self
            .plan(scope, plan_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let now = now_ms();
        let host = self
            .incident_assets(scope, id)
            .await?
            .into_iter()
            .find(|a| a.kind == "host")
            .map(|a| a.ref_id);
        let mut ids = Vec::new();
        for s in &steps {
            let w = self
                .create_work_item(
                    scope,
                    actor,
                    &NewWorkItem {
                        kind: WorkKind::IncidentStep,
                        title: format!("#{id} · {}. {}", s.position, s.title),
                        org_id: inc.org_id,
                        host_id: host,
                        signal_id: None,
                        due_at: Some(now + s.hours.max(1) * 3_600_000),
                        detail: json!({"incident_id": id, "plan_id": plan_id, "plan": plan.name,
                            "position": s.position, "role": s.role, "hours": s.hours}),
                        subject: Some(step_subject(id, s.position)),
                    },
                )
                .await?;
            ids.push(w.id);
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE incidents SET plan_id = $1, updated_at = $2 WHERE id = $3")
                .bind(plan_id).bind(now).bind(id).execute(&mut *tx).await?;
            timeline_insert!(&mut *tx, id, now, &actor.email, "plan", &plan.name, Some(plan_id));
            for (s, w) in steps.iter().zip(&ids) {
                let text = format!("{}. {} ({})", s.position, s.title, s.role);
                timeline_insert!(&mut *tx, id, now, &actor.email, "task", &text, Some(*w));
            }
            let after = json!({"plan_id": plan_id, "tasks": ids});
            let e = audit::row(actor, Some(inc.org_id), "start_plan", "incidents", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        Ok(ids)
    }

    /// The tasks of an incident's plan, in scope, in step order.
    pub async fn incident_tasks(&self, scope: &Scope, id: i64) -> Result<Vec<crate::WorkItemRow>> {
        let prefix = format!("incident:{id}:step:");
        let len = prefix.chars().count() as i64;
        let sql = format!(
            "SELECT {} FROM work_items w JOIN orgs o ON o.id = w.org_id \
             WHERE w.kind = 'incident_step' AND substr(w.subject, 1, CAST($2 AS INTEGER)) = $1{} ORDER BY w.id",
            crate::signals::WORK_COLS,
            scope_sql(scope, "w.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, crate::WorkItemRow>(&sql).bind(prefix).bind(len).fetch_all(pool).await?)
        })
    }
}
