//! Incident reports and escalation (M9): the deadlines, templates and clause-3 contact points in
//! force (province-wide data the DIC edits), each incident's initial and closing reports with
//! every saved version and what was sent to whom, escalations, and the log of mail sent.
//! Incident-bound methods take the caller's `Scope`; every change is audited and the incident's
//! ones are written to its timeline.

use crate::BeginWrite;
use crate::{audit, invalid, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::incident::Category;
use canhgac_domain::report::{DeadlineRules, ReportKind, Template};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The subject line's required prefix, seeded from Circular 20 (Mẫu 03).
pub const DEFAULT_SUBJECT_PREFIX: &str = "[TBSC]";

/// The rules in force: deadlines and the subject prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRules {
    /// Deadlines.
    pub deadlines: DeadlineRules,
    /// Prefix of every report e-mail's subject.
    pub subject_prefix: String,
    /// Last changed (None: the seeded defaults).
    pub updated_at: Option<i64>,
    /// By whom.
    pub updated_by: Option<String>,
}

/// A clause-3 contact point (or any other recipient the DIC lists).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ContactRow {
    /// Id.
    pub id: i64,
    /// Name of the institution or unit.
    pub name: String,
    /// E-mail address, if any.
    pub email: String,
    /// Telephone.
    pub phone: String,
    /// Hotline.
    pub hotline: String,
    /// Remarks.
    pub note: String,
    /// Order on the page.
    pub position: i64,
    /// Offered as a recipient (0/1).
    pub active: i64,
    /// Last changed.
    pub updated_at: i64,
}

/// A contact to save.
#[derive(Debug, Clone, Default)]
pub struct NewContact {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Telephone.
    pub phone: String,
    /// Hotline.
    pub hotline: String,
    /// Remarks.
    pub note: String,
    /// Order.
    pub position: i64,
    /// Offered as a recipient.
    pub active: bool,
}

/// An incident's report (its latest version's fields are read separately).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ReportRow {
    /// Id.
    pub id: i64,
    /// The incident.
    pub incident_id: i64,
    /// The incident's organisation.
    pub org_id: i64,
    /// `initial` or `closing`.
    pub kind: String,
    /// The report's number (`03/2026/BCSC`).
    pub number: String,
    /// Latest version.
    pub version: i64,
    /// First saved.
    pub created_at: i64,
    /// By.
    pub created_by: String,
    /// When sent, if sent.
    pub sent_at: Option<i64>,
    /// By whom.
    pub sent_by: Option<String>,
    /// Which version was sent.
    pub sent_version: Option<i64>,
    /// To whom (addresses, comma-separated).
    pub sent_to: String,
}

/// One saved version of a report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportVersion {
    /// Version number, from 1.
    pub version: i64,
    /// Field key → value.
    pub fields: BTreeMap<String, String>,
    /// When saved.
    pub saved_at: i64,
    /// By.
    pub saved_by: String,
}

/// An escalation: who raised the incident beyond the organisation, when, to whom and how.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct EscalationRow {
    /// Id.
    pub id: i64,
    /// The incident.
    pub incident_id: i64,
    /// When.
    pub at: i64,
    /// Who (a person's e-mail, or `system:deadlines`).
    pub actor: String,
    /// Why: `initial_overdue`, `closing_overdue`, `support_requested` or `manual`.
    pub reason: String,
    /// To whom.
    pub to_whom: String,
    /// How: `email`, `phone`, `letter`, `platform`, `in_app`.
    pub channel: String,
    /// Remarks.
    pub note: String,
}

/// An escalation to record.
#[derive(Debug, Clone)]
pub struct NewEscalation {
    /// When.
    pub at: i64,
    /// Why (see `EscalationRow::reason`).
    pub reason: String,
    /// To whom.
    pub to_whom: String,
    /// How.
    pub channel: String,
    /// Remarks.
    pub note: String,
}

/// A message the platform sent (or failed to send).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct MailRow {
    /// Id.
    pub id: i64,
    /// Organisation it concerns.
    pub org_id: Option<i64>,
    /// When.
    pub at: i64,
    /// Who sent it.
    pub actor: String,
    /// Addresses, comma-separated.
    pub recipients: String,
    /// Subject.
    pub subject: String,
    /// What it carried (`incident:12:initial`, `summary:2026-2`).
    pub r#ref: String,
    /// `sent` or `failed`.
    pub status: String,
    /// The server's reply or the error.
    pub detail: String,
}

/// Incidents counted for the six-monthly summary.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryCount {
    /// Category (wire name).
    pub category: String,
    /// All.
    pub total: i64,
    /// Of them serious.
    pub serious: i64,
    /// Of them closed.
    pub closed: i64,
}

const REPORT_COLS: &str =
    "r.id, r.incident_id, r.org_id, r.kind, r.number, r.version, r.created_at, \
    r.created_by, r.sent_at, r.sent_by, r.sent_version, r.sent_to";

const CONTACT_COLS: &str = "id, name, email, phone, hotline, note, position, active, updated_at";

fn read_fields(s: &str) -> BTreeMap<String, String> {
    serde_json::from_str(s).unwrap_or_default()
}

impl Store {
    /// The deadlines and subject prefix in force (the seeded defaults until the DIC edits them).
    pub async fn report_rules(&self) -> Result<ReportRules> {
        let rows: Vec<(String, String, i64, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT key, value, updated_at, updated_by FROM report_settings")
                .fetch_all(pool).await?
        });
        let mut r = ReportRules {
            deadlines: DeadlineRules::default(),
            subject_prefix: DEFAULT_SUBJECT_PREFIX.to_string(),
            updated_at: None,
            updated_by: None,
        };
        for (k, v, at, by) in rows {
            match k.as_str() {
                "notice_days" => {
                    r.deadlines.notice_days = v.parse().unwrap_or(r.deadlines.notice_days)
                }
                "closing_days" => {
                    r.deadlines.closing_days = v.parse().unwrap_or(r.deadlines.closing_days)
                }
                "support_hours" => {
                    r.deadlines.support_hours = v.parse().unwrap_or(r.deadlines.support_hours)
                }
                "subject_prefix" => r.subject_prefix = v,
                _ => continue,
            }
            if r.updated_at.is_none_or(|u| at > u) {
                r.updated_at = Some(at);
                r.updated_by = Some(by);
            }
        }
        Ok(r)
    }

    /// Sets the deadlines and subject prefix (the DIC); audited with before and after.
    pub async fn set_report_rules(
        &self,
        actor: &Actor,
        rules: &DeadlineRules,
        prefix: &str,
    ) -> Result<()> {
        let before = self.report_rules().await?;
        let now = now_ms();
        let pairs = [
            ("notice_days", rules.notice_days.to_string()),
            ("closing_days", rules.closing_days.to_string()),
            ("support_hours", rules.support_hours.to_string()),
            ("subject_prefix", prefix.trim().to_string()),
        ];
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (k, v) in &pairs {
                sqlx::query("INSERT INTO report_settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
                    .bind(k).bind(v).bind(now).bind(&actor.email).execute(&mut *tx).await?;
            }
            let b = json!({"deadlines": before.deadlines, "subject_prefix": before.subject_prefix});
            let a = json!({"deadlines": rules, "subject_prefix": prefix.trim()});
            let e = audit::row(actor, None, "update", "report_settings", None, b.as_object(), a.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// The template of a form in force, and when it was last edited (None: the seeded one).
    pub async fn report_template(
        &self,
        kind: ReportKind,
    ) -> Result<(Template, Option<(i64, String)>)> {
        let row: Option<(String, String, i64, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT title, fields, updated_at, updated_by FROM report_templates WHERE kind = $1")
                .bind(kind.as_str()).fetch_optional(pool).await?
        });
        Ok(match row {
            Some((title, fields, at, by)) => {
                let t = Template::parse(&title, &fields)
                    .unwrap_or_else(|_| Template::default_for(kind));
                (t, Some((at, by)))
            }
            None => (Template::default_for(kind), None),
        })
    }

    /// Replaces a form's template (the DIC); audited with before and after.
    pub async fn set_report_template(
        &self,
        actor: &Actor,
        kind: ReportKind,
        t: &Template,
    ) -> Result<()> {
        let (before, _) = self.report_template(kind).await?;
        let now = now_ms();
        let text = t.to_text();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO report_templates (kind, title, fields, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (kind) DO UPDATE SET title = excluded.title, fields = excluded.fields, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
                .bind(kind.as_str()).bind(&t.title).bind(&text).bind(now).bind(&actor.email).execute(&mut *tx).await?;
            let b = json!({"kind": kind.as_str(), "title": before.title, "fields": before.to_text()});
            let a = json!({"kind": kind.as_str(), "title": t.title, "fields": text});
            let e = audit::row(actor, None, "update", "report_templates", None, b.as_object(), a.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// The contact points, in order (active ones only when asked).
    pub async fn report_contacts(&self, active_only: bool) -> Result<Vec<ContactRow>> {
        let w = if active_only { " WHERE active = 1" } else { "" };
        let sql = format!("SELECT {CONTACT_COLS} FROM report_contacts{w} ORDER BY position, id");
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, ContactRow>(&sql).fetch_all(pool).await?)
        })
    }

    /// Adds (`id` None) or changes a contact point; audited.
    pub async fn save_report_contact(
        &self,
        actor: &Actor,
        id: Option<i64>,
        c: &NewContact,
    ) -> Result<i64> {
        if c.name.trim().is_empty() {
            return Err(invalid("name", "required", "bắt buộc"));
        }
        let now = now_ms();
        let before = match id {
            Some(id) => Some(
                self.report_contacts(false)
                    .await?
                    .into_iter()
                    .find(|r| r.id == id)
                    .ok_or(StoreError::NotFound)?,
            ),
            None => None,
        };
        let after = json!({"name": c.name.trim(), "email": c.email.trim(), "phone": c.phone.trim(),
            "hotline": c.hotline.trim(), "note": c.note.trim(), "position": c.position, "active": c.active});
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = match id {
                Some(id) => {
                    sqlx::query("UPDATE report_contacts SET name = $1, email = $2, phone = $3, hotline = $4, note = $5, position = $6, active = $7, updated_at = $8 WHERE id = $9")
                        .bind(c.name.trim()).bind(c.email.trim()).bind(c.phone.trim()).bind(c.hotline.trim()).bind(c.note.trim())
                        .bind(c.position).bind(i64::from(c.active)).bind(now).bind(id).execute(&mut *tx).await?;
                    id
                }
                None => {
                    sqlx::query_scalar::<_, i64>("INSERT INTO report_contacts (name, email, phone, hotline, note, position, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                        .bind(c.name.trim()).bind(c.email.trim()).bind(c.phone.trim()).bind(c.hotline.trim()).bind(c.note.trim())
                        .bind(c.position).bind(i64::from(c.active)).bind(now).fetch_one(&mut *tx).await?
                }
            };
            let b = before.as_ref().map(|r| json!({"name": r.name, "email": r.email, "phone": r.phone, "hotline": r.hotline, "note": r.note, "position": r.position, "active": r.active == 1}));
            let e = audit::row(actor, None, if before.is_some() { "update" } else { "create" }, "report_contacts", Some(id),
                b.as_ref().and_then(|b| b.as_object()), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Seeds the contact points once (when there are none); returns how many were added.
    pub async fn ensure_report_contacts(&self, seeds: &[NewContact]) -> Result<usize> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM report_contacts").fetch_one(pool).await?
        });
        if n > 0 {
            return Ok(0);
        }
        let actor = Actor::system("seed");
        for s in seeds {
            self.save_report_contact(&actor, None, s).await?;
        }
        Ok(seeds.len())
    }

    /// An incident's reports in scope.
    pub async fn incident_reports(
        &self,
        scope: &Scope,
        incident_id: i64,
    ) -> Result<Vec<ReportRow>> {
        let sql = format!(
            "SELECT {REPORT_COLS} FROM incident_reports r WHERE r.incident_id = $1{} ORDER BY r.id",
            scope_sql(scope, "r.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, ReportRow>(&sql).bind(incident_id).fetch_all(pool).await?)
        })
    }

    /// An incident's report of a kind in scope, with its latest version.
    pub async fn incident_report(
        &self,
        scope: &Scope,
        incident_id: i64,
        kind: ReportKind,
    ) -> Result<Option<(ReportRow, ReportVersion)>> {
        let Some(r) = self
            .incident_reports(scope, incident_id)
            .await?
            .into_iter()
            .find(|r| r.kind == kind.as_str())
        else {
            return Ok(None);
        };
        let v = self
            .report_versions(scope, r.id)
            .await?
            .into_iter()
            .last()
            .ok_or(StoreError::NotFound)?;
        Ok(Some((r, v)))
    }

    /// Every saved version of a report in scope, oldest first.
    pub async fn report_versions(
        &self,
        scope: &Scope,
        report_id: i64,
    ) -> Result<Vec<ReportVersion>> {
        let sql = format!(
            "SELECT v.version, v.fields, v.saved_at, v.saved_by FROM incident_report_versions v \
             JOIN incident_reports r ON r.id = v.report_id WHERE v.report_id = $1{} ORDER BY v.version",
            scope_sql(scope, "r.org_id")
        );
        let rows: Vec<(i64, String, i64, String)> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(report_id).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(version, f, saved_at, saved_by)| ReportVersion {
                version,
                fields: read_fields(&f),
                saved_at,
                saved_by,
            })
            .collect())
    }

    /// The next report number of an organisation in a year: `NN/YYYY/BCSC`.
    pub async fn next_report_number(&self, org_id: i64, year: i32) -> Result<String> {
        let pattern = format!("%/{year}/BCSC");
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM incident_reports WHERE org_id = $1 AND number LIKE $2")
                .bind(org_id).bind(&pattern).fetch_one(pool).await?
        });
        Ok(format!("{:02}/{year}/BCSC", n + 1))
    }

    /// Saves a report's fields as a new version made at `at` (now, for people) — creating the
    /// report with `number` the first time; audited and on the incident's timeline.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_incident_report(
        &self,
        scope: &Scope,
        actor: &Actor,
        incident_id: i64,
        kind: ReportKind,
        number: &str,
        fields: &BTreeMap<String, String>,
        at: i64,
    ) -> Result<ReportRow> {
        let inc = self
            .incident(scope, incident_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if kind == ReportKind::Summary {
            return Err(StoreError::Conflict(
                "the summary is not an incident's report".into(),
            ));
        }
        let number = number.trim();
        if number.is_empty() || number.len() > 60 {
            return Err(invalid(
                "number",
                "required, at most 60 characters",
                "bắt buộc, tối đa 60 ký tự",
            ));
        }
        let existing = self.incident_report(scope, incident_id, kind).await?;
        let now = at;
        let body = serde_json::to_string(fields).unwrap_or_else(|_| "{}".into());
        let text = match &existing {
            None => format!("Lập {} ({}) số {number}", kind.label_vi(), kind.form()),
            Some((r, _)) => format!("Sửa {} — phiên bản {}", kind.label_vi(), r.version + 1),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (rid, version) = match &existing {
                Some((r, _)) => {
                    sqlx::query("UPDATE incident_reports SET version = version + 1, number = $1 WHERE id = $2")
                        .bind(number).bind(r.id).execute(&mut *tx).await?;
                    (r.id, r.version + 1)
                }
                None => {
                    let id = sqlx::query_scalar::<_, i64>("INSERT INTO incident_reports (incident_id, org_id, kind, number, version, created_at, created_by) VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING id")
                        .bind(incident_id).bind(inc.org_id).bind(kind.as_str()).bind(number).bind(now).bind(&actor.email)
                        .fetch_one(&mut *tx).await?;
                    (id, 1)
                }
            };
            sqlx::query("INSERT INTO incident_report_versions (report_id, version, fields, saved_at, saved_by) VALUES ($1, $2, $3, $4, $5)")
                .bind(rid).bind(version).bind(&body).bind(now).bind(&actor.email).execute(&mut *tx).await?;
            timeline_insert!(&mut *tx, incident_id, now, &actor.email, "report", &text, Some(rid));
            let after = json!({"incident_id": incident_id, "kind": kind.as_str(), "number": number, "version": version});
            let e = audit::row(actor, Some(inc.org_id), if existing.is_some() { "update" } else { "create" }, "incident_reports", Some(rid), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.incident_report(scope, incident_id, kind)
            .await?
            .map(|(r, _)| r)
            .ok_or(StoreError::NotFound)
    }

    /// Records that a report's latest version was sent to `to` at `at`; audited and on the
    /// timeline.
    pub async fn mark_report_sent(
        &self,
        scope: &Scope,
        actor: &Actor,
        incident_id: i64,
        kind: ReportKind,
        to: &str,
        at: i64,
    ) -> Result<ReportRow> {
        let (r, _) = self
            .incident_report(scope, incident_id, kind)
            .await?
            .ok_or(StoreError::NotFound)?;
        let text = format!(
            "Gửi {} số {} (phiên bản {}) tới {to}",
            kind.label_vi(),
            r.number,
            r.version
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE incident_reports SET sent_at = COALESCE(sent_at, $1), sent_by = COALESCE(sent_by, $2), sent_version = $3, sent_to = $4 WHERE id = $5")
                .bind(at).bind(&actor.email).bind(r.version).bind(to).bind(r.id).execute(&mut *tx).await?;
            timeline_insert!(&mut *tx, incident_id, at, &actor.email, "report_sent", &text, Some(r.id));
            let after = json!({"kind": kind.as_str(), "number": r.number, "version": r.version, "to": to});
            let e = audit::row(actor, Some(r.org_id), "send", "incident_reports", Some(r.id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.incident_report(scope, incident_id, kind)
            .await?
            .map(|(r, _)| r)
            .ok_or(StoreError::NotFound)
    }

    /// Records that the owner asked for support (beyond its own capability): the initial report
    /// becomes due at once. Audited and on the timeline.
    pub async fn request_support(
        &self,
        scope: &Scope,
        actor: &Actor,
        incident_id: i64,
        at: i64,
        note: &str,
    ) -> Result<()> {
        let inc = self
            .incident(scope, incident_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if inc.support_requested_at.is_some() {
            return Err(StoreError::Conflict("support was already requested".into()));
        }
        let text = if note.trim().is_empty() {
            "Đề nghị hỗ trợ ứng cứu (vượt khả năng của đơn vị)".to_string()
        } else {
            format!("Đề nghị hỗ trợ ứng cứu — {}", note.trim())
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE incidents SET support_requested_at = $1, beyond_owner = 1, updated_at = $1 WHERE id = $2")
                .bind(at).bind(incident_id).execute(&mut *tx).await?;
            timeline_insert!(&mut *tx, incident_id, at, &actor.email, "support", &text, Option::<i64>::None);
            let after = json!({"support_requested_at": at, "note": note.trim()});
            let e = audit::row(actor, Some(inc.org_id), "request_support", "incidents", Some(incident_id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Records an escalation; audited and on the timeline.
    pub async fn add_escalation(
        &self,
        scope: &Scope,
        actor: &Actor,
        incident_id: i64,
        n: &NewEscalation,
    ) -> Result<i64> {
        let inc = self
            .incident(scope, incident_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if n.to_whom.trim().is_empty() {
            return Err(invalid("to_whom", "required", "bắt buộc"));
        }
        let text = format!(
            "Báo cáo vượt cấp tới {} ({}){}",
            n.to_whom.trim(),
            channel_vi(&n.channel),
            if n.note.trim().is_empty() {
                String::new()
            } else {
                format!(" — {}", n.note.trim())
            }
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>("INSERT INTO incident_escalations (incident_id, at, actor, reason, to_whom, channel, note) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(incident_id).bind(n.at).bind(&actor.email).bind(&n.reason).bind(n.to_whom.trim()).bind(&n.channel).bind(n.note.trim())
                .fetch_one(&mut *tx).await?;
            timeline_insert!(&mut *tx, incident_id, n.at, &actor.email, "escalation", &text, Some(id));
            let after = json!({"reason": n.reason, "to": n.to_whom.trim(), "channel": n.channel, "note": n.note.trim()});
            let e = audit::row(actor, Some(inc.org_id), "escalate_incident", "incidents", Some(incident_id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// An incident's escalations in scope, oldest first.
    pub async fn escalations(&self, scope: &Scope, incident_id: i64) -> Result<Vec<EscalationRow>> {
        let sql = format!(
            "SELECT e.id, e.incident_id, e.at, e.actor, e.reason, e.to_whom, e.channel, e.note \
             FROM incident_escalations e JOIN incidents i ON i.id = e.incident_id \
             WHERE e.incident_id = $1{} ORDER BY e.at, e.id",
            scope_sql(scope, "i.org_id")
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, EscalationRow>(&sql).bind(incident_id).fetch_all(pool).await?)
        })
    }

    /// Records a message sent or failed.
    #[allow(clippy::too_many_arguments)]
    pub async fn log_mail(
        &self,
        at: i64,
        org_id: Option<i64>,
        actor: &Actor,
        recipients: &str,
        subject: &str,
        r#ref: &str,
        status: &str,
        detail: &str,
    ) -> Result<i64> {
        let detail: String = detail.chars().take(2000).collect();
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>("INSERT INTO mail_log (org_id, at, actor, recipients, subject, ref, status, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(org_id).bind(at).bind(&actor.email).bind(recipients).bind(subject).bind(r#ref).bind(status).bind(&detail)
                .fetch_one(pool).await?)
        })
    }

    /// Mail the platform sent about organisations in scope (the DIC also sees province-wide
    /// mail), newest first.
    pub async fn mail_log(&self, scope: &Scope, limit: i64) -> Result<Vec<MailRow>> {
        let w = match scope.ids() {
            None => String::new(),
            Some(_) => format!(" WHERE 1=1{}", scope_sql(scope, "org_id")),
        };
        let sql = format!(
            "SELECT id, org_id, at, actor, recipients, subject, ref, status, detail FROM mail_log{w} \
             ORDER BY at DESC, id DESC LIMIT {}",
            limit.clamp(1, 500)
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, MailRow>(&sql).fetch_all(pool).await?)
        })
    }

    /// Incidents detected in `[from, to)` in scope, counted by category (every category, in
    /// the forms' order, zeros included).
    pub async fn incident_counts(
        &self,
        scope: &Scope,
        from: i64,
        to: i64,
    ) -> Result<Vec<CategoryCount>> {
        let sql = format!(
            "SELECT i.category, COUNT(*), \
             SUM(CASE WHEN i.gravity = 'serious' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN i.stage = 'closed' THEN 1 ELSE 0 END) \
             FROM incidents i WHERE i.detected_at >= $1 AND i.detected_at < $2{} GROUP BY i.category",
            scope_sql(scope, "i.org_id")
        );
        let rows: Vec<(String, i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(from).bind(to).fetch_all(pool).await?
        });
        Ok(Category::ALL
            .iter()
            .map(|c| {
                let r = rows.iter().find(|r| r.0 == c.as_str());
                CategoryCount {
                    category: c.as_str().to_string(),
                    total: r.map(|r| r.1).unwrap_or(0),
                    serious: r.map(|r| r.2).unwrap_or(0),
                    closed: r.map(|r| r.3).unwrap_or(0),
                }
            })
            .collect())
    }

    /// Every incident not closed, across the province (for the deadline check).
    pub async fn open_incident_ids(&self) -> Result<Vec<i64>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM incidents WHERE stage <> 'closed' OR id IN (SELECT incident_id FROM incident_reports WHERE kind = 'closing' AND sent_at IS NULL) ORDER BY id")
                .fetch_all(pool).await?)
        })
    }

    /// The DIC's own e-mail address from the registry (the province's response unit), if set.
    pub async fn dic_email(&self) -> Result<Option<String>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, Option<String>>("SELECT email FROM orgs WHERE kind = 'dic' ORDER BY id LIMIT 1")
                .fetch_optional(pool).await?.flatten().filter(|e| !e.is_empty()))
        })
    }

    /// Whom a missed deadline is escalated to by e-mail: the organisation's active
    /// administrators and the DIC's duty officers and administrators.
    pub async fn escalation_addresses(&self, org_id: i64) -> Result<Vec<String>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, String>("SELECT email FROM users WHERE active = TRUE AND \
                ((role = 'org_admin' AND org_id = $1) OR role IN ('dic_admin', 'dic_operator')) ORDER BY role, email LIMIT 20")
                .bind(org_id).fetch_all(pool).await?)
        })
    }

    /// Whether an incident already has an escalation for `reason` (the automatic check raises
    /// each once).
    pub async fn has_escalation(&self, incident_id: i64, reason: &str) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM incident_escalations WHERE incident_id = $1 AND reason = $2")
                .bind(incident_id).bind(reason).fetch_one(pool).await?
        });
        Ok(n > 0)
    }
}

/// A channel's Vietnamese name.
pub fn channel_vi(channel: &str) -> &'static str {
    match channel {
        "email" => "thư điện tử",
        "phone" => "điện thoại",
        "letter" => "công văn",
        "platform" => "nền tảng điều phối",
        "in_app" => "cảnh báo trên hệ thống",
        _ => "khác",
    }
}
