//! 24/7 duty (M2): public holidays (province-wide data), rosters and their shifts, leave, swaps
//! with approval, who is on duty at a moment, and calendar-feed tokens. Organisation-bound
//! methods take the caller's `Scope`; every change is audited.

use crate::BeginWrite;
use crate::{audit, invalid, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::duty::{Holiday, Pattern, RotaRules, Slot};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// A roster.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct RosterRow {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: Option<String>,
    /// Name.
    pub name: String,
    /// Pattern (wire name).
    pub pattern: String,
    /// First day, `yyyy-mm-dd`.
    pub first_day: String,
    /// Last day, `yyyy-mm-dd`.
    pub last_day: String,
    /// Rest between shifts.
    pub min_rest_hours: i64,
    /// Consecutive shifts at most.
    pub max_consecutive: i64,
    /// Slots nobody could take.
    pub gaps: i64,
    /// Made.
    pub created_at: i64,
    /// By.
    pub created_by: String,
}

/// A shift of a roster.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ShiftRow {
    /// Id.
    pub id: i64,
    /// Roster.
    pub roster_id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: Option<String>,
    /// Shift code (`ca1`, `ngay`, `24h`…).
    pub code: String,
    /// Local day it starts, `yyyy-mm-dd`.
    pub day: String,
    /// Start.
    pub starts_at: i64,
    /// End.
    pub ends_at: i64,
    /// Who (None: a gap).
    pub user_id: Option<i64>,
    /// Their name.
    pub full_name: Option<String>,
    /// Their e-mail.
    pub email: Option<String>,
    /// A night shift (0/1).
    pub night: i64,
    /// On a weekend day or holiday (0/1).
    pub off_day: i64,
    /// The holiday's name.
    pub holiday: Option<String>,
    /// Why nobody took it.
    pub gap_reason: Option<String>,
}

/// A person's leave.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct LeaveRow {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Who.
    pub user_id: i64,
    /// Their name.
    pub full_name: Option<String>,
    /// From.
    pub from_at: i64,
    /// To.
    pub to_at: i64,
    /// Why.
    pub reason: String,
}

/// A swap request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SwapRow {
    /// Id.
    pub id: i64,
    /// The shift.
    pub shift_id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Who had it.
    pub from_user: Option<i64>,
    /// Who takes it.
    pub to_user: i64,
    /// Their name.
    pub to_name: Option<String>,
    /// Why.
    pub reason: String,
    /// `pending`, `approved`, `refused`.
    pub state: String,
    /// Asked by.
    pub requested_by: String,
    /// When.
    pub requested_at: i64,
    /// Decided by.
    pub decided_by: Option<String>,
    /// The shift's start.
    pub starts_at: i64,
    /// The shift's code.
    pub code: String,
}

/// A person who may stand duty for an organisation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DutyPerson {
    /// User id.
    pub id: i64,
    /// Name.
    pub full_name: String,
    /// E-mail.
    pub email: String,
}

/// A roster to store.
#[derive(Debug, Clone)]
pub struct NewRoster {
    /// Organisation.
    pub org_id: i64,
    /// Name.
    pub name: String,
    /// Pattern.
    pub pattern: Pattern,
    /// First and last day.
    pub first: NaiveDate,
    /// Last day.
    pub last: NaiveDate,
    /// Limits kept.
    pub rules: RotaRules,
}

const SHIFT_COLS: &str =
    "s.id, s.roster_id, s.org_id, o.code AS org_code, s.code, s.day, s.starts_at, s.ends_at, \
    s.user_id, u.full_name, u.email, s.night, s.off_day, s.holiday, s.gap_reason";
const SHIFT_FROM: &str =
    "duty_shifts s JOIN orgs o ON o.id = s.org_id LEFT JOIN users u ON u.id = s.user_id";

impl Store {
    /// The public holidays from `from` to `to` (inclusive).
    pub async fn holidays(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Holiday>> {
        let rows: Vec<(String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT day, name FROM holidays WHERE day >= $1 AND day <= $2 ORDER BY day")
                .bind(from.to_string()).bind(to.to_string()).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(d, name)| {
                Some(Holiday {
                    date: d.parse().ok()?,
                    name,
                })
            })
            .collect())
    }

    /// Seeds the holidays of `years` that are not stored yet (a day the DIC removed or renamed
    /// stays as it is); returns how many were added.
    pub async fn ensure_holidays(&self, years: std::ops::RangeInclusive<i32>) -> Result<usize> {
        let mut added = 0;
        let now = now_ms();
        for y in years {
            for h in canhgac_domain::duty::vietnam_holidays(y) {
                let n = on_pool!(self, pool => {
                    sqlx::query("INSERT INTO holidays (day, name, updated_at) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING")
                        .bind(h.date.to_string()).bind(&h.name).bind(now).execute(pool).await?.rows_affected()
                });
                added += n as usize;
            }
        }
        Ok(added)
    }

    /// Adds or renames a holiday (the DIC: the government moves days by decision); audited.
    pub async fn set_holiday(&self, actor: &Actor, day: NaiveDate, name: &str) -> Result<()> {
        if name.trim().is_empty() {
            return Err(invalid("name", "required", "bắt buộc"));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO holidays (day, name, updated_at) VALUES ($1, $2, $3) ON CONFLICT (day) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at")
                .bind(day.to_string()).bind(name.trim()).bind(now_ms()).execute(&mut *tx).await?;
            let after = json!({"day": day.to_string(), "name": name.trim()});
            let e = audit::row(actor, None, "update", "holidays", None, None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Removes a holiday; audited.
    pub async fn delete_holiday(&self, actor: &Actor, day: NaiveDate) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM holidays WHERE day = $1").bind(day.to_string()).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let before = json!({"day": day.to_string()});
            let e = audit::row(actor, None, "delete", "holidays", None, before.as_object(), None);
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// The people who may stand duty for an organisation: its active accounts that may act
    /// (not viewers), by name.
    pub async fn duty_people(&self, scope: &Scope, org_id: i64) -> Result<Vec<DutyPerson>> {
        if !scope.contains(org_id) {
            return Err(StoreError::NotFound);
        }
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, DutyPerson>("SELECT id, full_name, email FROM users WHERE org_id = $1 AND active = TRUE AND role <> 'viewer' ORDER BY full_name, id")
                .bind(org_id).fetch_all(pool).await?)
        })
    }

    /// Each person's last shift end before `before` in an organisation, and how many shifts in a
    /// row led up to it (for a rota that continues the last one).
    pub async fn duty_history(
        &self,
        org_id: i64,
        before: i64,
    ) -> Result<BTreeMap<i64, (i64, u32)>> {
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT user_id, starts_at, ends_at FROM duty_shifts WHERE org_id = $1 AND user_id IS NOT NULL AND ends_at <= $2 AND ends_at > $3 ORDER BY starts_at")
                .bind(org_id).bind(before).bind(before - 14 * 86_400_000).fetch_all(pool).await?
        });
        let mut out: BTreeMap<i64, (i64, u32)> = BTreeMap::new();
        for (u, s, e) in rows {
            let next = match out.get(&u) {
                Some((end, run)) if s < end + 86_400_000 => (e, run + 1),
                _ => (e, 1),
            };
            out.insert(u, next);
        }
        Ok(out)
    }

    /// Stores a generated roster and its shifts in one transaction (a roster may not overlap
    /// another of the same organisation); audited.
    pub async fn create_roster(
        &self,
        scope: &Scope,
        actor: &Actor,
        r: &NewRoster,
        shifts: &[(Slot, Option<i64>, Option<String>)],
    ) -> Result<i64> {
        if !scope.contains(r.org_id) {
            return Err(StoreError::NotFound);
        }
        if r.name.trim().is_empty() {
            return Err(invalid("name", "required", "bắt buộc"));
        }
        let (first, last) = (r.first.to_string(), r.last.to_string());
        let clash: Option<(String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT first_day, last_day FROM duty_rosters WHERE org_id = $1 AND first_day <= $2 AND last_day >= $3 LIMIT 1")
                .bind(r.org_id).bind(&last).bind(&first).fetch_optional(pool).await?
        });
        if let Some((a, b)) = clash {
            return Err(StoreError::Conflict(format!(
                "a roster of this organisation already covers {a} to {b}; delete it first"
            )));
        }
        let gaps = shifts.iter().filter(|(_, u, _)| u.is_none()).count() as i64;
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>("INSERT INTO duty_rosters (org_id, name, pattern, first_day, last_day, min_rest_hours, max_consecutive, gaps, created_at, created_by) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(r.org_id).bind(r.name.trim()).bind(r.pattern.as_str()).bind(&first).bind(&last)
                .bind(r.rules.min_rest_hours).bind(i64::from(r.rules.max_consecutive)).bind(gaps).bind(now).bind(&actor.email)
                .fetch_one(&mut *tx).await?;
            for (s, u, why) in shifts {
                sqlx::query("INSERT INTO duty_shifts (roster_id, org_id, code, day, starts_at, ends_at, user_id, night, off_day, holiday, gap_reason) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                    .bind(id).bind(r.org_id).bind(s.code).bind(s.date.to_string()).bind(s.starts_at).bind(s.ends_at)
                    .bind(*u).bind(i64::from(s.night)).bind(i64::from(s.off_day)).bind(&s.holiday).bind(why)
                    .execute(&mut *tx).await?;
            }
            let after = json!({"name": r.name.trim(), "pattern": r.pattern.as_str(), "first_day": first, "last_day": last, "shifts": shifts.len(), "gaps": gaps});
            let e = audit::row(actor, Some(r.org_id), "create", "duty_rosters", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Rosters in scope, newest period first.
    pub async fn rosters(&self, scope: &Scope) -> Result<Vec<RosterRow>> {
        let sql = format!(
            "SELECT r.id, r.org_id, o.code AS org_code, r.name, r.pattern, r.first_day, r.last_day, r.min_rest_hours, \
             r.max_consecutive, r.gaps, r.created_at, r.created_by FROM duty_rosters r JOIN orgs o ON o.id = r.org_id \
             WHERE 1=1{} ORDER BY r.first_day DESC, r.id DESC LIMIT 500",
            scope_sql(scope, "r.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, RosterRow>(&sql).fetch_all(pool).await?) })
    }

    /// One roster in scope.
    pub async fn roster(&self, scope: &Scope, id: i64) -> Result<Option<RosterRow>> {
        Ok(self.rosters_where(scope, id).await?.into_iter().next())
    }

    async fn rosters_where(&self, scope: &Scope, id: i64) -> Result<Vec<RosterRow>> {
        let sql = format!(
            "SELECT r.id, r.org_id, o.code AS org_code, r.name, r.pattern, r.first_day, r.last_day, r.min_rest_hours, \
             r.max_consecutive, r.gaps, r.created_at, r.created_by FROM duty_rosters r JOIN orgs o ON o.id = r.org_id \
             WHERE r.id = $1{}",
            scope_sql(scope, "r.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, RosterRow>(&sql).bind(id).fetch_all(pool).await?) })
    }

    /// Deletes a roster and its shifts; audited.
    pub async fn delete_roster(&self, scope: &Scope, actor: &Actor, id: i64) -> Result<()> {
        let r = self.roster(scope, id).await?.ok_or(StoreError::NotFound)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM duty_rosters WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let before = json!({"name": r.name, "first_day": r.first_day, "last_day": r.last_day});
            let e = audit::row(actor, Some(r.org_id), "delete", "duty_rosters", Some(id), before.as_object(), None);
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// A roster's shifts in order.
    pub async fn roster_shifts(&self, scope: &Scope, roster_id: i64) -> Result<Vec<ShiftRow>> {
        let sql = format!(
            "SELECT {SHIFT_COLS} FROM {SHIFT_FROM} WHERE s.roster_id = $1{} ORDER BY s.starts_at, s.id",
            scope_sql(scope, "s.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ShiftRow>(&sql).bind(roster_id).fetch_all(pool).await?) })
    }

    /// One shift in scope.
    pub async fn shift(&self, scope: &Scope, id: i64) -> Result<Option<ShiftRow>> {
        let sql = format!(
            "SELECT {SHIFT_COLS} FROM {SHIFT_FROM} WHERE s.id = $1{}",
            scope_sql(scope, "s.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ShiftRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// The shifts under way at `at` in scope (empty slots included, so a gap shows), by
    /// organisation.
    pub async fn on_duty(&self, scope: &Scope, at: i64) -> Result<Vec<ShiftRow>> {
        let sql = format!(
            "SELECT {SHIFT_COLS} FROM {SHIFT_FROM} WHERE s.starts_at <= $1 AND s.ends_at > $1{} ORDER BY o.code, s.starts_at",
            scope_sql(scope, "s.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ShiftRow>(&sql).bind(at).fetch_all(pool).await?) })
    }

    /// The shifts that start on a local day (`yyyy-mm-dd`) in scope, by organisation then time.
    pub async fn day_shifts(&self, scope: &Scope, day: &str) -> Result<Vec<ShiftRow>> {
        let sql = format!(
            "SELECT {SHIFT_COLS} FROM {SHIFT_FROM} WHERE s.day = $1{} ORDER BY o.code, s.starts_at LIMIT 2000",
            scope_sql(scope, "s.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ShiftRow>(&sql).bind(day).fetch_all(pool).await?) })
    }

    /// A person's shifts ending after `from`, in order (their calendar feed).
    pub async fn user_shifts(&self, user_id: i64, from: i64) -> Result<Vec<ShiftRow>> {
        let sql = format!(
            "SELECT {SHIFT_COLS} FROM {SHIFT_FROM} WHERE s.user_id = $1 AND s.ends_at > $2 ORDER BY s.starts_at LIMIT 1000"
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ShiftRow>(&sql).bind(user_id).bind(from).fetch_all(pool).await?) })
    }

    /// Records leave for a person of an organisation in scope; audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_leave(
        &self,
        scope: &Scope,
        actor: &Actor,
        org_id: i64,
        user_id: i64,
        from: i64,
        to: i64,
        reason: &str,
    ) -> Result<i64> {
        if !self
            .duty_people(scope, org_id)
            .await?
            .iter()
            .any(|p| p.id == user_id)
        {
            return Err(invalid(
                "user_id",
                "not a person of this organisation",
                "không phải người của đơn vị này",
            ));
        }
        if to <= from {
            return Err(invalid(
                "to",
                "must be after the start",
                "phải sau ngày bắt đầu",
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>("INSERT INTO duty_leave (org_id, user_id, from_at, to_at, reason, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(org_id).bind(user_id).bind(from).bind(to).bind(reason.trim()).bind(now_ms()).bind(&actor.email).fetch_one(&mut *tx).await?;
            let after = json!({"user_id": user_id, "from_at": from, "to_at": to, "reason": reason.trim()});
            let e = audit::row(actor, Some(org_id), "create", "duty_leave", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Leave in scope that ends after `from`.
    pub async fn leave(&self, scope: &Scope, from: i64) -> Result<Vec<LeaveRow>> {
        let sql = format!(
            "SELECT l.id, l.org_id, l.user_id, u.full_name, l.from_at, l.to_at, l.reason FROM duty_leave l LEFT JOIN users u ON u.id = l.user_id \
             WHERE l.to_at > $1{} ORDER BY l.from_at LIMIT 500",
            scope_sql(scope, "l.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, LeaveRow>(&sql).bind(from).fetch_all(pool).await?) })
    }

    /// Asks that `to_user` take a shift; audited.
    pub async fn request_swap(
        &self,
        scope: &Scope,
        actor: &Actor,
        shift_id: i64,
        to_user: i64,
        reason: &str,
    ) -> Result<i64> {
        let s = self
            .shift(scope, shift_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if !self
            .duty_people(scope, s.org_id)
            .await?
            .iter()
            .any(|p| p.id == to_user)
        {
            return Err(invalid(
                "to_user",
                "not a person of this organisation",
                "không phải người của đơn vị này",
            ));
        }
        if s.user_id == Some(to_user) {
            return Err(invalid(
                "to_user",
                "already on this shift",
                "đã trực ca này",
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>("INSERT INTO duty_swaps (shift_id, org_id, from_user, to_user, reason, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(shift_id).bind(s.org_id).bind(s.user_id).bind(to_user).bind(reason.trim()).bind(&actor.email).bind(now_ms()).fetch_one(&mut *tx).await?;
            let after = json!({"shift_id": shift_id, "to_user": to_user, "reason": reason.trim()});
            let e = audit::row(actor, Some(s.org_id), "create", "duty_swaps", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Swap requests in scope (pending first).
    pub async fn swaps(&self, scope: &Scope) -> Result<Vec<SwapRow>> {
        let sql = format!(
            "SELECT w.id, w.shift_id, w.org_id, w.from_user, w.to_user, u.full_name AS to_name, w.reason, w.state, w.requested_by, \
             w.requested_at, w.decided_by, s.starts_at, s.code FROM duty_swaps w JOIN duty_shifts s ON s.id = w.shift_id \
             LEFT JOIN users u ON u.id = w.to_user WHERE 1=1{} ORDER BY CASE WHEN w.state = 'pending' THEN 0 ELSE 1 END, w.requested_at DESC LIMIT 200",
            scope_sql(scope, "w.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, SwapRow>(&sql).fetch_all(pool).await?) })
    }

    /// Approves (the shift changes hands) or refuses a pending swap; audited.
    pub async fn decide_swap(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        approve: bool,
    ) -> Result<()> {
        let w = self
            .swaps(scope)
            .await?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or(StoreError::NotFound)?;
        if w.state != "pending" {
            return Err(StoreError::Conflict("this swap was already decided".into()));
        }
        let state = if approve { "approved" } else { "refused" };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE duty_swaps SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4")
                .bind(state).bind(&actor.email).bind(now_ms()).bind(id).execute(&mut *tx).await?;
            if approve {
                sqlx::query("UPDATE duty_shifts SET user_id = $1, gap_reason = NULL WHERE id = $2").bind(w.to_user).bind(w.shift_id).execute(&mut *tx).await?;
            }
            let after = json!({"state": state, "shift_id": w.shift_id, "to_user": w.to_user});
            let e = audit::row(actor, Some(w.org_id), "update", "duty_swaps", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Sets a person's calendar-feed token (its SHA-256 hex); the old one stops working.
    pub async fn set_feed_token(&self, user_id: i64, token_hash: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO duty_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at")
                .bind(user_id).bind(token_hash).bind(now_ms()).execute(pool).await?;
            Ok(())
        })
    }

    /// The person a calendar-feed token (its SHA-256 hex) belongs to, if active.
    pub async fn feed_user(&self, token_hash: &str) -> Result<Option<i64>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>("SELECT f.user_id FROM duty_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = $1 AND u.active = TRUE")
                .bind(token_hash).fetch_optional(pool).await?)
        })
    }
}
