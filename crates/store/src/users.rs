//! Users, server-side sessions and API tokens. Secrets are stored only as hashes (the
//! caller hashes: argon2id for passwords, SHA-256 for random session and API tokens).

use crate::BeginWrite;
use crate::{audit, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::entity::{FieldError, Record};
use canhgac_domain::time::now_ms;
use canhgac_domain::{Role, Scope};
use serde::Serialize;
use serde_json::{json, Value};

/// A user account. The password hash never leaves the store in serialised form.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Log-in e-mail, lower case.
    pub email: String,
    /// Name.
    pub full_name: String,
    /// Role (wire name).
    pub role: String,
    /// Organisation, if any.
    pub org_id: Option<i64>,
    /// Whether the account may log in.
    pub active: bool,
    /// argon2id PHC string.
    #[serde(skip)]
    pub password_hash: String,
    /// Created (Unix ms).
    pub created_at: i64,
}

impl User {
    /// The parsed role; an unknown stored role is treated as read-only.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }

    fn audit_record(&self) -> Record {
        let v = json!({"id": self.id, "email": self.email, "full_name": self.full_name,
            "role": self.role, "org_id": self.org_id, "active": self.active});
        v.as_object().cloned().unwrap_or_default()
    }
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Log-in e-mail.
    pub email: String,
    /// Name.
    pub full_name: String,
    /// argon2id hash of the password.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Organisation.
    pub org_id: Option<i64>,
}

/// How often a token's last use is written: at most once in this long.
const TOKEN_USE_GRANULARITY_MS: i64 = 60_000;

const USER_COLS: &str = "id, email, full_name, role, org_id, active, password_hash, created_at";

impl Store {
    /// Creates a user; checks that org roles have an organisation in `scope`.
    pub async fn create_user(&self, scope: &Scope, actor: &Actor, u: &NewUser) -> Result<User> {
        let email = u.email.trim().to_lowercase();
        let mut errors = Vec::new();
        if !email.contains('@') || email.contains(char::is_whitespace) {
            errors.push(FieldError::new(
                "email",
                "địa chỉ thư điện tử không hợp lệ",
                "not a valid e-mail address",
            ));
        }
        if u.full_name.trim().is_empty() {
            errors.push(FieldError::new(
                "full_name",
                "bắt buộc phải có",
                "is required",
            ));
        }
        if u.role.needs_org() && u.org_id.is_none() {
            errors.push(FieldError::new(
                "org_id",
                "vai trò này cần gắn với một đơn vị",
                "this role needs an organisation",
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        match u.org_id {
            Some(org) if !scope.contains(org) => {
                return Err(StoreError::Forbidden(
                    "organisation outside your scope".into(),
                ))
            }
            None if *scope != Scope::All => {
                return Err(StoreError::Forbidden(
                    "only the DIC creates users without an organisation".into(),
                ))
            }
            _ => {}
        }
        let now = now_ms();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, full_name, password_hash, role, org_id, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) RETURNING id",
            )
            .bind(&email)
            .bind(u.full_name.trim())
            .bind(&u.password_hash)
            .bind(u.role.as_str())
            .bind(u.org_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let after = json!({"id": id, "email": email, "full_name": u.full_name.trim(), "role": u.role.as_str(),
                "org_id": u.org_id, "active": true});
            let e = audit::row(actor, u.org_id, "create", "users", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            id
        });
        self.user_by_id(id).await?.ok_or(StoreError::NotFound)
    }

    /// A user by id, unscoped (for sessions).
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, User>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// A user by e-mail, unscoped (for log-in).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE email = $1");
        let email = email.trim().to_lowercase();
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, User>(&sql).bind(email).fetch_optional(pool).await?) })
    }

    /// Users in scope (users with no organisation only for the whole province).
    pub async fn list_users(&self, scope: &Scope) -> Result<Vec<User>> {
        let mut w = String::from(" WHERE 1=1");
        if scope.ids().is_some() {
            w.push_str(" AND org_id IS NOT NULL");
            w.push_str(&scope_sql(scope, "org_id"));
        }
        let sql = format!("SELECT {USER_COLS} FROM users{w} ORDER BY email");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, User>(&sql).fetch_all(pool).await?) })
    }

    /// A user in scope.
    pub async fn user_in_scope(&self, scope: &Scope, id: i64) -> Result<Option<User>> {
        let u = self.user_by_id(id).await?;
        Ok(u.filter(|u| match u.org_id {
            Some(o) => scope.contains(o),
            None => *scope == Scope::All,
        }))
    }

    /// Changes a user's name, role, organisation, activity or password hash; audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_user(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        full_name: Option<&str>,
        role: Option<Role>,
        org_id: Option<Option<i64>>,
        active: Option<bool>,
        password_hash: Option<&str>,
    ) -> Result<User> {
        let before = self
            .user_in_scope(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let new_org = org_id.unwrap_or(before.org_id);
        let new_role = role.unwrap_or(before.role());
        if let Some(o) = new_org {
            if !scope.contains(o) {
                return Err(StoreError::Forbidden(
                    "organisation outside your scope".into(),
                ));
            }
        } else if *scope != Scope::All {
            return Err(StoreError::Forbidden(
                "only the DIC keeps users without an organisation".into(),
            ));
        }
        if new_role.needs_org() && new_org.is_none() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "org_id",
                "vai trò này cần gắn với một đơn vị",
                "this role needs an organisation",
            )]));
        }
        let name = full_name
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(&before.full_name)
            .to_string();
        let active = active.unwrap_or(before.active);
        let hash = password_hash.unwrap_or(&before.password_hash).to_string();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE users SET full_name = $1, role = $2, org_id = $3, active = $4, password_hash = $5, updated_at = $6 WHERE id = $7",
            )
            .bind(&name)
            .bind(new_role.as_str())
            .bind(new_org)
            .bind(active)
            .bind(&hash)
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if password_hash.is_some() || (before.active && !active) {
                // A new password, or deactivation, ends every session and token of the account
                // (so reactivating it later does not revive them).
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
            let mut after = before.audit_record();
            after.insert("full_name".into(), Value::from(name.clone()));
            after.insert("role".into(), Value::from(new_role.as_str()));
            after.insert("org_id".into(), new_org.map(Value::from).unwrap_or(Value::Null));
            after.insert("active".into(), Value::from(active));
            if password_hash.is_some() {
                after.insert("password".into(), Value::from("changed"));
            }
            let e = audit::row(actor, new_org, "update", "users", Some(id), Some(&before.audit_record()), Some(&after));
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.user_by_id(id).await?.ok_or(StoreError::NotFound)
    }

    /// Stores a new session (hash of the cookie value) with its CSRF token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash).bind(user_id).bind(csrf).bind(now).bind(now + ttl_ms)
                .execute(pool).await?;
            Ok(())
        })
    }

    /// The live session's user and CSRF token.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(User, String)>> {
        let now = now_ms();
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, (i64, String)>("SELECT user_id, csrf FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash).bind(now).fetch_optional(pool).await?
        });
        let Some((uid, csrf)) = row else {
            return Ok(None);
        };
        Ok(self
            .user_by_id(uid)
            .await?
            .filter(|u| u.active)
            .map(|u| (u, csrf)))
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
            Ok(())
        })
    }

    /// Removes expired sessions and tokens; returns how many.
    pub async fn purge_expired(&self) -> Result<u64> {
        let now = now_ms();
        on_pool!(self, pool => {
            let a = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await?;
            let b = sqlx::query("DELETE FROM api_tokens WHERE expires_at <= $1").bind(now).execute(pool).await?;
            Ok(a.rows_affected() + b.rows_affected())
        })
    }

    /// Stores an API token (its hash).
    pub async fn create_api_token(
        &self,
        token_hash: &str,
        user_id: i64,
        name: &str,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash).bind(user_id).bind(name).bind(now).bind(now + ttl_ms)
                .execute(pool).await?;
            Ok(())
        })
    }

    /// Revokes one API token of `user_id` (by its hash); audited. `false` if there was none.
    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        user_id: i64,
        org_id: Option<i64>,
        token_hash: &str,
    ) -> Result<bool> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM api_tokens WHERE token_hash = $1 AND user_id = $2")
                .bind(token_hash).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                let e = audit::row(actor, org_id, "revoke_token", "api_tokens", Some(user_id), None, None);
                audit_insert!(&mut *tx, e);
            }
            tx.commit().await?;
            Ok(n > 0)
        })
    }

    /// The user of a live API token; records its use (to the minute).
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>> {
        let now = now_ms();
        let uid = on_pool!(self, pool => {
            let row = sqlx::query_as::<_, (i64, Option<i64>)>("SELECT user_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash).bind(now).fetch_optional(pool).await?;
            // Its use is written at most once a minute: a write on every call would queue
            // every API read behind the store's one writer.
            if let Some((_, last)) = row {
                if last.is_none_or(|t| now - t >= TOKEN_USE_GRANULARITY_MS) {
                    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                        .bind(now).bind(token_hash).execute(pool).await?;
                }
            }
            row.map(|(uid, _)| uid)
        });
        match uid {
            Some(id) => Ok(self.user_by_id(id).await?.filter(|u| u.active)),
            None => Ok(None),
        }
    }
}
