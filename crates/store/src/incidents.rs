//! Incidents: the record, what it affects (organisations, systems, hosts), the signals linked to
//! it, its timeline, observables and evidence (the response plans whose steps become its tasks
//! are in `plans`). Every method takes the caller's `Scope`; every change is audited in its
//! transaction and written to the incident's timeline.

use crate::signals::SIGNAL_COLS;
use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Params, Result, SignalRow, Store, StoreError};
use canhgac_domain::incident::{Category, Gravity, Stage, Tlp};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// A new incident.
#[derive(Debug, Clone)]
pub struct NewIncident {
    /// The organisation that owns its response.
    pub org_id: i64,
    /// One line.
    pub title: String,
    /// What happened, as known.
    pub summary: String,
    /// Decision 05 category.
    pub category: Category,
    /// The severity the rule gives (see `domain::incident::computed_gravity`).
    pub gravity_computed: Gravity,
    /// A person's override with the reason, if any.
    pub gravity_override: Option<(Gravity, String)>,
    /// Impacts (wire names), for the record.
    pub impacts: Vec<String>,
    /// Beyond the owner's own capability.
    pub beyond_owner: bool,
    /// Marking.
    pub tlp: Tlp,
    /// ATT&CK technique ids (checked by the caller).
    pub techniques: Vec<String>,
    /// When it began, if known.
    pub started_at: Option<i64>,
    /// When it was detected.
    pub detected_at: i64,
    /// Affected hosts (in scope).
    pub hosts: Vec<i64>,
    /// Affected systems (in scope).
    pub systems: Vec<i64>,
    /// Other affected organisations (in scope).
    pub orgs: Vec<i64>,
    /// Signals it starts from (in scope).
    pub signals: Vec<i64>,
    /// When it was recorded (now when `None`; earlier for an incident entered after the fact).
    pub opened_at: Option<i64>,
}

/// A stored incident.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct IncidentRow {
    /// Id.
    pub id: i64,
    /// Owning organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: Option<String>,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Category (wire name).
    pub category: String,
    /// Severity in force (wire name).
    pub gravity: String,
    /// Severity by the rule (wire name).
    pub gravity_computed: String,
    /// Why the severity in force differs from the rule's, if it does.
    pub gravity_reason: Option<String>,
    /// Impacts (wire names, comma-separated).
    pub impacts: String,
    /// Beyond the owner's own capability (0/1).
    pub beyond_owner: i64,
    /// Marking (wire name).
    pub tlp: String,
    /// ATT&CK technique ids, comma-separated.
    pub techniques: String,
    /// Stage (wire name).
    pub stage: String,
    /// When it began.
    pub started_at: Option<i64>,
    /// When detected.
    pub detected_at: i64,
    /// Reached each stage.
    pub triaged_at: Option<i64>,
    /// Reached each stage.
    pub contained_at: Option<i64>,
    /// Reached each stage.
    pub eradicated_at: Option<i64>,
    /// Reached each stage.
    pub recovered_at: Option<i64>,
    /// Reached each stage.
    pub closed_at: Option<i64>,
    /// The response plan started, if any.
    pub plan_id: Option<i64>,
    /// When the owner asked for support (the initial report is due at once).
    pub support_requested_at: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

impl IncidentRow {
    /// The stage, parsed.
    pub fn stage(&self) -> Stage {
        Stage::parse(&self.stage).unwrap_or(Stage::Reported)
    }

    /// The durations' inputs.
    pub fn times(&self) -> canhgac_domain::incident::Times {
        canhgac_domain::incident::Times {
            started_at: self.started_at,
            detected_at: self.detected_at,
            contained_at: self.contained_at,
            recovered_at: self.recovered_at,
            closed_at: self.closed_at,
        }
    }
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct TimelineRow {
    /// Id.
    pub id: i64,
    /// When.
    pub at: i64,
    /// Who (e-mail or `system:…`).
    pub actor: String,
    /// `created`, `stage`, `signal`, `task`, `plan`, `note`, `gravity`, `observable`,
    /// `evidence`, `escalation`.
    pub kind: String,
    /// What, in the words of whoever wrote it.
    pub text: String,
    /// The record it names (a signal, work item, observable or evidence id), if any.
    pub ref_id: Option<i64>,
}

/// An affected host, system or organisation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AssetRow {
    /// `host`, `system` or `org`.
    pub kind: String,
    /// Its id.
    pub ref_id: i64,
    /// Its name (host name, system name or organisation code).
    pub name: String,
    /// The security level (systems; a host's system's).
    pub level: Option<i64>,
}

/// An observable of an incident.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ObservableRow {
    /// Id.
    pub id: i64,
    /// Incident.
    pub incident_id: i64,
    /// `ip`, `domain`, `url`, `hash`, `account`, `email`.
    pub kind: String,
    /// The value.
    pub value: String,
    /// A note.
    pub note: Option<String>,
    /// Added when.
    pub added_at: i64,
    /// By whom.
    pub added_by: String,
}

/// A piece of evidence of an incident.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct EvidenceRow {
    /// Id.
    pub id: i64,
    /// Incident.
    pub incident_id: i64,
    /// SHA-256 of the content (hex): where it is stored.
    pub sha256: String,
    /// The file's name as given.
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// Added when.
    pub added_at: i64,
    /// By whom.
    pub added_by: String,
}

/// What a list of incidents shows.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only this stage.
    pub stage: Option<String>,
    /// Only open ones (not closed).
    pub open_only: bool,
    /// Only this organisation.
    pub org_id: Option<i64>,
    /// Words in the title or summary.
    pub q: Option<String>,
    /// Page size.
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

const COLS: &str =
    "i.id, i.org_id, o.code AS org_code, i.title, i.summary, i.category, i.gravity, \
    i.gravity_computed, i.gravity_reason, i.impacts, i.beyond_owner, i.tlp, i.techniques, i.stage, \
    i.started_at, i.detected_at, i.triaged_at, i.contained_at, i.eradicated_at, i.recovered_at, \
    i.closed_at, i.plan_id, i.support_requested_at, i.created_at, i.updated_at";

const EVIDENCE_COLS: &str = "v.id, v.incident_id, v.sha256, v.name, v.size, v.added_at, v.added_by";

fn stage_column(s: Stage) -> Option<&'static str> {
    match s {
        Stage::Reported => None,
        Stage::Triaged => Some("triaged_at"),
        Stage::Contained => Some("contained_at"),
        Stage::Eradicated => Some("eradicated_at"),
        Stage::Recovered => Some("recovered_at"),
        Stage::Closed => Some("closed_at"),
    }
}

impl Store {
    /// The organisations an incident of `org_id` may draw on: itself and the units below it.
    /// An incident never links a signal, host or system of another branch, so whoever may see
    /// the incident may see everything it shows.
    async fn incident_subtree(&self, org_id: i64) -> Result<std::collections::BTreeSet<i64>> {
        let tree = self.org_tree().await?;
        Ok(canhgac_domain::access::descendants(org_id, &tree))
    }

    /// The highest security level among these systems and the systems of these hosts, in scope.
    pub async fn max_security_level(
        &self,
        scope: &Scope,
        systems: &[i64],
        hosts: &[i64],
    ) -> Result<Option<i64>> {
        let mut best: Option<i64> = None;
        for &s in systems {
            let sql = format!(
                "SELECT level FROM systems WHERE id = $1{}",
                scope_sql(scope, "org_id")
            );
            let l: Option<i64> = on_pool!(self, pool => {
                sqlx::query_scalar(&sql).bind(s).fetch_optional(pool).await?
            });
            best = best.max(l);
        }
        for &h in hosts {
            let sql = format!(
                "SELECT s.level FROM hosts h JOIN systems s ON s.id = h.system_id WHERE h.id = $1{}",
                scope_sql(scope, "h.org_id")
            );
            let l: Option<i64> = on_pool!(self, pool => {
                sqlx::query_scalar(&sql).bind(h).fetch_optional(pool).await?
            });
            best = best.max(l);
        }
        Ok(best)
    }

    /// Opens an incident for an organisation in scope, with what it affects and the signals it
    /// starts from (each must be in scope); audited; the timeline records its opening and each
    /// signal.
    pub async fn create_incident(
        &self,
        scope: &Scope,
        actor: &Actor,
        n: &NewIncident,
    ) -> Result<IncidentRow> {
        if !scope.contains(n.org_id) {
            return Err(StoreError::Forbidden(
                "organisation outside your scope".into(),
            ));
        }
        for &o in &n.orgs {
            if !scope.contains(o) {
                return Err(StoreError::Forbidden(
                    "affected organisation outside your scope".into(),
                ));
            }
        }
        // Assets and signals are looked up in scope, and within the incident's organisation
        // and the units below it, before anything is written.
        let subtree = self.incident_subtree(n.org_id).await?;
        let within = Scope::Orgs(subtree.clone());
        for &o in &n.orgs {
            if !subtree.contains(&o) {
                return Err(StoreError::Forbidden(
                    "an affected organisation outside the incident's organisation".into(),
                ));
            }
        }
        let mut assets: Vec<(&'static str, i64, String)> = Vec::new();
        for &h in &n.hosts {
            let sql = format!(
                "SELECT hostname FROM hosts WHERE id = $1{}{}",
                scope_sql(scope, "org_id"),
                scope_sql(&within, "org_id")
            );
            let name: Option<String> = on_pool!(self, pool => { sqlx::query_scalar(&sql).bind(h).fetch_optional(pool).await? });
            let name = name
                .ok_or_else(|| StoreError::Forbidden(format!("host {h} is not in your scope")))?;
            assets.push(("host", h, name));
        }
        for &s in &n.systems {
            let sql = format!(
                "SELECT name FROM systems WHERE id = $1{}{}",
                scope_sql(scope, "org_id"),
                scope_sql(&within, "org_id")
            );
            let name: Option<String> = on_pool!(self, pool => { sqlx::query_scalar(&sql).bind(s).fetch_optional(pool).await? });
            let name = name
                .ok_or_else(|| StoreError::Forbidden(format!("system {s} is not in your scope")))?;
            assets.push(("system", s, name));
        }
        for &o in &n.orgs {
            assets.push(("org", o, String::new()));
        }
        let mut signals = Vec::new();
        for &sid in &n.signals {
            let s = self.signal(scope, sid).await?.ok_or_else(|| {
                StoreError::Forbidden(format!("signal {sid} is not in your scope"))
            })?;
            if !s.org_id.is_some_and(|o| subtree.contains(&o)) {
                return Err(StoreError::Forbidden(format!(
                    "signal {sid} belongs to another organisation than the incident's"
                )));
            }
            signals.push(s);
        }
        let now = n.opened_at.unwrap_or_else(now_ms);
        let gravity = n
            .gravity_override
            .as_ref()
            .map_or(n.gravity_computed, |(g, _)| *g);
        let reason = n
            .gravity_override
            .as_ref()
            .filter(|(g, _)| *g != n.gravity_computed)
            .map(|(_, r)| r.clone());
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO incidents (org_id, title, summary, category, gravity, gravity_computed, gravity_reason, \
                 impacts, beyond_owner, tlp, techniques, stage, started_at, detected_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'reported', $12, $13, $14, $14) RETURNING id",
            )
            .bind(n.org_id).bind(&n.title).bind(&n.summary).bind(n.category.as_str())
            .bind(gravity.as_str()).bind(n.gravity_computed.as_str()).bind(&reason)
            .bind(n.impacts.join(",")).bind(i64::from(n.beyond_owner)).bind(n.tlp.as_str())
            .bind(n.techniques.join(",")).bind(n.started_at).bind(n.detected_at).bind(now)
            .fetch_one(&mut *tx).await?;
            for (kind, rid, _) in &assets {
                sqlx::query("INSERT INTO incident_assets (incident_id, kind, ref_id) VALUES ($1, $2, $3)")
                    .bind(id).bind(*kind).bind(rid).execute(&mut *tx).await?;
            }
            timeline_insert!(&mut *tx, id, now, &actor.email, "created", &n.title, Option::<i64>::None);
            for s in &signals {
                sqlx::query("INSERT INTO incident_signals (incident_id, signal_id, added_at) VALUES ($1, $2, $3)")
                    .bind(id).bind(s.id).bind(now).execute(&mut *tx).await?;
                timeline_insert!(&mut *tx, id, now, &actor.email, "signal", &s.title, Some(s.id));
            }
            let after = json!({"id": id, "org_id": n.org_id, "title": n.title, "category": n.category.as_str(),
                "gravity": gravity.as_str(), "tlp": n.tlp.as_str(), "signals": n.signals, "hosts": n.hosts});
            let e = audit::row(actor, Some(n.org_id), "create", "incidents", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            id
        });
        self.incident(scope, id).await?.ok_or(StoreError::NotFound)
    }

    /// One incident in scope.
    pub async fn incident(&self, scope: &Scope, id: i64) -> Result<Option<IncidentRow>> {
        let sql = format!(
            "SELECT {COLS} FROM incidents i JOIN orgs o ON o.id = i.org_id WHERE i.id = $1{}",
            scope_sql(scope, "i.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, IncidentRow>(&sql).bind(id).fetch_optional(pool).await?)
        })
    }

    /// Incidents in scope, newest first, with the total.
    pub async fn list_incidents(
        &self,
        scope: &Scope,
        f: &IncidentFilter,
    ) -> Result<(Vec<IncidentRow>, i64)> {
        let like = self.like();
        let mut p = Params::default();
        let mut w = format!(" WHERE 1=1{}", scope_sql(scope, "i.org_id"));
        if let Some(s) = f.stage.as_deref().filter(|s| Stage::parse(s).is_some()) {
            w.push_str(&format!(" AND i.stage = {}", p.text(s.to_string())));
        }
        if f.open_only {
            w.push_str(" AND i.stage <> 'closed'");
        }
        if let Some(o) = f.org_id {
            w.push_str(&format!(" AND i.org_id = {}", p.int(o)));
        }
        if let Some(q) = &f.q {
            for word in q.split_whitespace().take(6) {
                let a = p.text(format!("%{}%", crate::signals::escape_like(word)));
                let b = p.text(format!("%{}%", crate::signals::escape_like(word)));
                w.push_str(&format!(
                    " AND (i.title {like} {a} ESCAPE '\\' OR i.summary {like} {b} ESCAPE '\\')"
                ));
            }
        }
        let limit = f.limit.unwrap_or(50).clamp(1, 500);
        let offset = f.offset.unwrap_or(0).max(0);
        let sql = format!(
            "SELECT {COLS} FROM incidents i JOIN orgs o ON o.id = i.org_id{w} \
             ORDER BY i.detected_at DESC, i.id DESC LIMIT {limit} OFFSET {offset}"
        );
        let count = format!("SELECT COUNT(*) FROM incidents i{w}");
        on_pool!(self, pool => {
            let rows = bind_all!(sqlx::query_as::<_, IncidentRow>(&sql), &p.vals).fetch_all(pool).await?;
            let total: i64 = bind_all!(sqlx::query_scalar(&count), &p.vals).fetch_one(pool).await?;
            Ok((rows, total))
        })
    }

    /// Moves an incident to a later stage (the domain checks the move), stamping `at` (now, for
    /// people; earlier for records entered after the fact) as the time of that stage (and of
    /// skipped ones); audited and on the timeline with the note.
    pub async fn move_incident(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        to: Stage,
        note: &str,
        at: i64,
    ) -> Result<IncidentRow> {
        let inc = self
            .incident(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let from = inc.stage();
        canhgac_domain::incident::check_move(from, to)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let now = at;
        // The stage reached and any skipped on the way get this time, unless already set.
        let mut sets = vec!["stage = $1".to_string(), "updated_at = $2".to_string()];
        for s in Stage::ALL {
            if s > from && s <= to {
                if let Some(c) = stage_column(s) {
                    sets.push(format!("{c} = COALESCE({c}, $2)"));
                }
            }
        }
        let sql = format!("UPDATE incidents SET {} WHERE id = $3", sets.join(", "));
        let text = if note.trim().is_empty() {
            to.label_vi().to_string()
        } else {
            format!("{} — {}", to.label_vi(), note.trim())
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(&sql).bind(to.as_str()).bind(now).bind(id).execute(&mut *tx).await?;
            timeline_insert!(&mut *tx, id, now, &actor.email, "stage", &text, Option::<i64>::None);
            let before = json!({"stage": from.as_str()});
            let after = json!({"stage": to.as_str(), "note": note});
            let e = audit::row(actor, Some(inc.org_id), "stage", "incidents", Some(id), before.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.incident(scope, id).await?.ok_or(StoreError::NotFound)
    }

    /// Sets the severity in force with the reason (a person's override of the rule's result, or
    /// back to it); audited and on the timeline.
    pub async fn set_incident_gravity(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        gravity: Gravity,
        reason: &str,
    ) -> Result<IncidentRow> {
        let inc = self
            .incident(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let now = now_ms();
        let differs = gravity.as_str() != inc.gravity_computed;
        let reason = differs.then(|| reason.trim().to_string());
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE incidents SET gravity = $1, gravity_reason = $2, updated_at = $3 WHERE id = $4")
                .bind(gravity.as_str()).bind(&reason).bind(now).bind(id).execute(&mut *tx).await?;
            let text = match &reason {
                Some(r) => format!("{} — {r}", gravity.label_vi()),
                None => gravity.label_vi().to_string(),
            };
            timeline_insert!(&mut *tx, id, now, &actor.email, "gravity", &text, Option::<i64>::None);
            let before = json!({"gravity": inc.gravity});
            let after = json!({"gravity": gravity.as_str(), "reason": reason});
            let e = audit::row(actor, Some(inc.org_id), "update", "incidents", Some(id), before.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.incident(scope, id).await?.ok_or(StoreError::NotFound)
    }

    /// Links a signal to an incident (both in scope; the signal's organisation must be the
    /// incident's or one below it, whoever the caller is); audited and on the timeline.
    /// Linking twice is one link.
    pub async fn link_signal(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        signal_id: i64,
    ) -> Result<()> {
        let inc = self
            .incident(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let s = self
            .signal(scope, signal_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let subtree = self.incident_subtree(inc.org_id).await?;
        if !s.org_id.is_some_and(|o| subtree.contains(&o)) {
            return Err(StoreError::Forbidden(
                "the signal belongs to another organisation than the incident's".into(),
            ));
        }
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "INSERT INTO incident_signals (incident_id, signal_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id).bind(signal_id).bind(now).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                timeline_insert!(&mut *tx, id, now, &actor.email, "signal", &s.title, Some(signal_id));
                sqlx::query("UPDATE incidents SET updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
                let after = json!({"signal_id": signal_id});
                let e = audit::row(actor, Some(inc.org_id), "link", "incidents", Some(id), None, after.as_object());
                audit_insert!(&mut *tx, e);
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        Ok(())
    }

    /// The signals linked to an incident, in scope, oldest link first.
    pub async fn incident_signals(&self, scope: &Scope, id: i64) -> Result<Vec<SignalRow>> {
        let sql = format!(
            "SELECT {SIGNAL_COLS} FROM incident_signals l JOIN signals s ON s.id = l.signal_id \
             LEFT JOIN orgs o ON o.id = s.org_id JOIN incidents i ON i.id = l.incident_id \
             WHERE l.incident_id = $1{}{} ORDER BY l.added_at, s.id",
            scope_sql(scope, "i.org_id"),
            scope_sql(scope, "s.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, SignalRow>(&sql).bind(id).fetch_all(pool).await?)
        })
    }

    /// The incidents a signal is linked to, in scope.
    pub async fn incidents_of_signal(
        &self,
        scope: &Scope,
        signal_id: i64,
    ) -> Result<Vec<IncidentRow>> {
        let sql = format!(
            "SELECT {COLS} FROM incident_signals l JOIN incidents i ON i.id = l.incident_id \
             JOIN orgs o ON o.id = i.org_id WHERE l.signal_id = $1{} ORDER BY i.id",
            scope_sql(scope, "i.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, IncidentRow>(&sql).bind(signal_id).fetch_all(pool).await?)
        })
    }

    /// Open incidents in scope that share something with a signal: its host (by id or name),
    /// its source (the same rule or list), or an observable equal to its remote address.
    pub async fn similar_incidents(
        &self,
        scope: &Scope,
        signal: &SignalRow,
    ) -> Result<Vec<IncidentRow>> {
        let mut p = Params::default();
        let mut any = Vec::new();
        if let Some(h) = signal.host_id {
            any.push(format!(
                "EXISTS (SELECT 1 FROM incident_assets a WHERE a.incident_id = i.id AND a.kind = 'host' AND a.ref_id = {})",
                p.int(h)
            ));
        }
        let src = p.text(signal.source.clone());
        any.push(format!(
            "EXISTS (SELECT 1 FROM incident_signals l JOIN signals s ON s.id = l.signal_id WHERE l.incident_id = i.id AND s.source = {src})"
        ));
        if let Some(h) = signal.host_name.as_deref().filter(|h| !h.is_empty()) {
            let hn = p.text(h.to_string());
            any.push(format!(
                "EXISTS (SELECT 1 FROM incident_signals l JOIN signals s ON s.id = l.signal_id WHERE l.incident_id = i.id AND s.host_name = {hn})"
            ));
        }
        if let Some(ip) = signal.src_ip.as_deref().filter(|h| !h.is_empty()) {
            let v = p.text(ip.to_string());
            any.push(format!(
                "EXISTS (SELECT 1 FROM incident_observables b WHERE b.incident_id = i.id AND b.value = {v})"
            ));
        }
        let sid = p.int(signal.id);
        let sql = format!(
            "SELECT {COLS} FROM incidents i JOIN orgs o ON o.id = i.org_id WHERE i.stage <> 'closed'{} \
             AND ({}) AND NOT EXISTS (SELECT 1 FROM incident_signals x WHERE x.incident_id = i.id AND x.signal_id = {sid}) \
             ORDER BY i.detected_at DESC LIMIT 10",
            scope_sql(scope, "i.org_id"),
            any.join(" OR ")
        );
        on_pool!(self, pool => {
            Ok(bind_all!(sqlx::query_as::<_, IncidentRow>(&sql), &p.vals).fetch_all(pool).await?)
        })
    }

    /// An incident's timeline, in scope, oldest first.
    pub async fn incident_timeline(&self, scope: &Scope, id: i64) -> Result<Vec<TimelineRow>> {
        let sql = format!(
            "SELECT t.id, t.at, t.actor, t.kind, t.text, t.ref_id FROM incident_timeline t \
             JOIN incidents i ON i.id = t.incident_id WHERE t.incident_id = $1{} ORDER BY t.at, t.id",
            scope_sql(scope, "i.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, TimelineRow>(&sql).bind(id).fetch_all(pool).await?)
        })
    }

    /// Adds a note (or another entry kind written by the workflow: `escalation`, `task`) to an
    /// incident's timeline; audited.
    pub async fn add_incident_entry(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        kind: &str,
        text: &str,
        ref_id: Option<i64>,
    ) -> Result<()> {
        let inc = self
            .incident(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let now = now_ms();
        let text: String = text.trim().chars().take(4000).collect();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            timeline_insert!(&mut *tx, id, now, &actor.email, kind, &text, ref_id);
            sqlx::query("UPDATE incidents SET updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
            let after = json!({"kind": kind, "text": text});
            let e = audit::row(actor, Some(inc.org_id), "note", "incidents", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        Ok(())
    }

    /// What an incident affects, in scope: hosts, systems (with their security level) and
    /// organisations.
    pub async fn incident_assets(&self, scope: &Scope, id: i64) -> Result<Vec<AssetRow>> {
        let sc = scope_sql(scope, "i.org_id");
        let sql = format!(
            "SELECT a.kind, a.ref_id, h.hostname AS name, s.level FROM incident_assets a JOIN incidents i ON i.id = a.incident_id \
             JOIN hosts h ON h.id = a.ref_id LEFT JOIN systems s ON s.id = h.system_id WHERE a.incident_id = $1 AND a.kind = 'host'{sc} \
             UNION ALL \
             SELECT a.kind, a.ref_id, s.name AS name, s.level FROM incident_assets a JOIN incidents i ON i.id = a.incident_id \
             JOIN systems s ON s.id = a.ref_id WHERE a.incident_id = $1 AND a.kind = 'system'{sc} \
             UNION ALL \
             SELECT a.kind, a.ref_id, o.code AS name, CAST(NULL AS BIGINT) AS level FROM incident_assets a JOIN incidents i ON i.id = a.incident_id \
             JOIN orgs o ON o.id = a.ref_id WHERE a.incident_id = $1 AND a.kind = 'org'{sc}"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, AssetRow>(&sql).bind(id).fetch_all(pool).await?)
        })
    }

    /// Adds an observable to an incident (the same kind and value once); audited and on the
    /// timeline. Returns its id.
    pub async fn add_observable(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        kind: &str,
        value: &str,
        note: Option<&str>,
    ) -> Result<i64> {
        let inc = self
            .incident(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let now = now_ms();
        let oid = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM incident_observables WHERE incident_id = $1 AND kind = $2 AND value = $3",
            )
            .bind(id).bind(kind).bind(value).fetch_optional(&mut *tx).await?;
            let oid = match existing {
                Some(o) => o,
                None => {
                    let o: i64 = sqlx::query_scalar(
                        "INSERT INTO incident_observables (incident_id, kind, value, note, added_at, added_by) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(id).bind(kind).bind(value).bind(note).bind(now).bind(&actor.email)
                    .fetch_one(&mut *tx).await?;
                    timeline_insert!(&mut *tx, id, now, &actor.email, "observable", value, Some(o));
                    let after = json!({"kind": kind, "value": value});
                    let e = audit::row(actor, Some(inc.org_id), "create", "incident_observables", Some(o), None, after.as_object());
                    audit_insert!(&mut *tx, e);
                    o
                }
            };
            tx.commit().await?;
            oid
        });
        Ok(oid)
    }

    /// An incident's observables, in scope.
    pub async fn incident_observables(&self, scope: &Scope, id: i64) -> Result<Vec<ObservableRow>> {
        let sql = format!(
            "SELECT b.id, b.incident_id, b.kind, b.value, b.note, b.added_at, b.added_by FROM incident_observables b \
             JOIN incidents i ON i.id = b.incident_id WHERE b.incident_id = $1{} ORDER BY b.id",
            scope_sql(scope, "i.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, ObservableRow>(&sql).bind(id).fetch_all(pool).await?)
        })
    }

    /// Stores a piece of evidence for an incident: the content under its SHA-256 (`sha256` is
    /// computed by the caller; the same content is kept once), the file name as given, who
    /// added it; audited and on the timeline. Returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_evidence(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        name: &str,
        sha256: &str,
        bytes: &[u8],
    ) -> Result<i64> {
        let inc = self
            .incident(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let now = now_ms();
        let size = bytes.len() as i64;
        let eid = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO evidence_blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
                .bind(sha256).bind(size).bind(bytes).execute(&mut *tx).await?;
            let eid: i64 = sqlx::query_scalar(
                "INSERT INTO incident_evidence (incident_id, sha256, name, size, added_at, added_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(id).bind(sha256).bind(name).bind(size).bind(now).bind(&actor.email)
            .fetch_one(&mut *tx).await?;
            let text = format!("{name} (SHA-256 {sha256})");
            timeline_insert!(&mut *tx, id, now, &actor.email, "evidence", &text, Some(eid));
            let after = json!({"name": name, "sha256": sha256, "size": size});
            let e = audit::row(actor, Some(inc.org_id), "create", "incident_evidence", Some(eid), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            eid
        });
        Ok(eid)
    }

    /// An incident's evidence, in scope.
    pub async fn incident_evidence(&self, scope: &Scope, id: i64) -> Result<Vec<EvidenceRow>> {
        let sql = format!(
            "SELECT {EVIDENCE_COLS} FROM incident_evidence v \
             JOIN incidents i ON i.id = v.incident_id WHERE v.incident_id = $1{} ORDER BY v.id",
            scope_sql(scope, "i.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, EvidenceRow>(&sql).bind(id).fetch_all(pool).await?)
        })
    }

    /// One piece of evidence with its content, in scope.
    pub async fn evidence_content(
        &self,
        scope: &Scope,
        evidence_id: i64,
    ) -> Result<Option<(EvidenceRow, Vec<u8>)>> {
        let sql = format!(
            "SELECT {EVIDENCE_COLS} FROM incident_evidence v \
             JOIN incidents i ON i.id = v.incident_id WHERE v.id = $1{}",
            scope_sql(scope, "i.org_id")
        );
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, EvidenceRow>(&sql).bind(evidence_id).fetch_optional(pool).await?
        });
        let Some(row) = row else { return Ok(None) };
        let bytes: Vec<u8> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT bytes FROM evidence_blobs WHERE sha256 = $1").bind(&row.sha256).fetch_one(pool).await?
        });
        Ok(Some((row, bytes)))
    }
}
