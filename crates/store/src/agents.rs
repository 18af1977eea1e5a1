//! Endpoint agents (M4): enrolment tokens, agents and their credentials, the cursor of each
//! agent's delivered messages, commands, file-integrity changes, scans and hunts with their
//! progress per agent. Malware rule sets, alerts and quarantine are in `malware.rs`.
//!
//! Every read takes the caller's [`Scope`]; an agent's own calls are keyed by its id, which the
//! server takes from the agent's credential only.

use crate::BeginWrite;
use crate::{audit, invalid, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::agent::{AgentConfig, Command, ListeningPort, Order, ScanCounts};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// An enrolment token (never its secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct EnrolmentRow {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// What it is for.
    pub label: String,
    /// Made.
    pub created_at: i64,
    /// By.
    pub created_by: String,
    /// Good until.
    pub expires_at: i64,
    /// Used (once).
    pub used_at: Option<i64>,
    /// The agent it enrolled.
    pub agent_id: Option<i64>,
    /// Withdrawn.
    pub revoked_at: Option<i64>,
}

/// An agent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AgentRow {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// The registered host it runs on.
    pub host_id: Option<i64>,
    /// Host name it reported.
    pub hostname: String,
    /// Agent version.
    pub version: String,
    /// Operating system.
    pub os: String,
    /// Addresses, JSON array.
    pub ips: String,
    /// Listening sockets, JSON array.
    pub ports: String,
    /// Settings, JSON ([`AgentConfig`]).
    pub config: String,
    /// Enrolled.
    pub enrolled_at: i64,
    /// Last heartbeat.
    pub last_seen: Option<i64>,
    /// Address it last called from.
    pub last_addr: Option<String>,
    /// Last software inventory.
    pub inventory_at: Option<i64>,
    /// Packages in it.
    pub packages: i64,
    /// Messages waiting in its queue at the last heartbeat.
    pub queued: i64,
    /// Credential withdrawn.
    pub revoked_at: Option<i64>,
    /// By.
    pub revoked_by: Option<String>,
}

impl AgentRow {
    /// Settings in force.
    pub fn settings(&self) -> AgentConfig {
        serde_json::from_str(&self.config).unwrap_or_default()
    }

    /// Addresses.
    pub fn addresses(&self) -> Vec<String> {
        serde_json::from_str(&self.ips).unwrap_or_default()
    }

    /// Listening sockets.
    pub fn listening(&self) -> Vec<ListeningPort> {
        serde_json::from_str(&self.ports).unwrap_or_default()
    }
}

/// What the server knows of a caller holding an agent credential.
#[derive(Debug, Clone)]
pub struct AgentAuth {
    /// Agent id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Host.
    pub host_id: Option<i64>,
    /// Host name.
    pub hostname: String,
}

/// A command as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct CommandRow {
    /// Id.
    pub id: i64,
    /// Agent.
    pub agent_id: i64,
    /// Organisation.
    pub org_id: i64,
    /// `scan`, `quarantine`, `restore`.
    pub kind: String,
    /// The order, JSON.
    pub payload: String,
    /// `pending`, `sent`, `done`, `failed`.
    pub state: String,
    /// What the agent said.
    pub result: Option<String>,
    /// Made.
    pub created_at: i64,
    /// By.
    pub created_by: String,
    /// Picked up.
    pub sent_at: Option<i64>,
    /// Answered.
    pub done_at: Option<i64>,
}

/// A file-integrity change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct FimRow {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Agent.
    pub agent_id: i64,
    /// Host name.
    pub hostname: String,
    /// Host.
    pub host_id: Option<i64>,
    /// The file.
    pub path: String,
    /// `added`, `modified`, `removed`, `mode`, `owner`.
    pub change: String,
    /// Hash before.
    pub old_sha256: Option<String>,
    /// Hash after.
    pub new_sha256: Option<String>,
    /// Mode before.
    pub old_mode: Option<String>,
    /// Mode after.
    pub new_mode: Option<String>,
    /// Owner before.
    pub old_owner: Option<String>,
    /// Owner after.
    pub new_owner: Option<String>,
    /// Seen.
    pub at: i64,
    /// The alert raised.
    pub signal_id: Option<i64>,
}

/// A scan or hunt.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ScanRow {
    /// Id.
    pub id: i64,
    /// The organisation that ordered it.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// `ordered`, `scheduled`, `hunt`, `rescan`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Paths, JSON array.
    pub paths: String,
    /// How the hosts were chosen.
    pub target: String,
    /// Made.
    pub created_at: i64,
    /// By.
    pub created_by: String,
    /// Hosts in the caller's scope.
    pub hosts: i64,
    /// Of which finished.
    pub finished: i64,
    /// Of which running.
    pub running: i64,
    /// Files scanned (in scope).
    pub files: i64,
    /// Matches (in scope).
    pub matches: i64,
}

/// A scan's progress on one agent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ScanHostRow {
    /// Scan.
    pub scan_id: i64,
    /// Agent.
    pub agent_id: i64,
    /// Host name.
    pub hostname: String,
    /// Organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: String,
    /// `pending`, `sent`, `running`, `done`, `failed`.
    pub state: String,
    /// Files scanned.
    pub files: i64,
    /// Bytes read.
    pub bytes: i64,
    /// Matching files.
    pub matches: i64,
    /// Unreadable files.
    pub errors: i64,
    /// Started.
    pub started_at: Option<i64>,
    /// Last progress.
    pub updated_at: Option<i64>,
    /// Finished.
    pub finished_at: Option<i64>,
}

/// A new scan: which agents, what to scan.
#[derive(Debug, Clone)]
pub struct NewScan {
    /// The ordering organisation.
    pub org_id: i64,
    /// `ordered`, `scheduled`, `hunt`, `rescan`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Paths (empty: each agent's scheduled-scan paths).
    pub paths: Vec<String>,
    /// How the hosts were chosen, for a person.
    pub target: String,
    /// Agents.
    pub agents: Vec<i64>,
}

const SCAN_HOST_COLS: &str = "h.scan_id, h.agent_id, a.hostname, h.org_id, o.code AS org_code, h.state, h.files, h.bytes, h.matches, h.errors, h.started_at, h.updated_at, h.finished_at \
    FROM malware_scan_hosts h JOIN agents a ON a.id = h.agent_id JOIN orgs o ON o.id = h.org_id";
const AGENT_COLS: &str = "a.id, a.org_id, o.code AS org_code, a.host_id, a.hostname, a.version, a.os, a.ips, a.ports, a.config, a.enrolled_at, a.last_seen, a.last_addr, a.inventory_at, a.packages, a.queued, a.revoked_at, a.revoked_by";

/// Writes an agent's delivered-message cursor inside a transaction: never moves back.
macro_rules! advance_cursor {
    ($ex:expr, $stream:expr, $seq:expr) => {
        sqlx::query(
            "INSERT INTO ingest_cursors (stream, seq, touched_at) VALUES ($1, $2, $3) ON CONFLICT (stream) DO UPDATE \
             SET seq = CASE WHEN excluded.seq > ingest_cursors.seq THEN excluded.seq ELSE ingest_cursors.seq END, \
             touched_at = excluded.touched_at",
        )
        .bind($stream)
        .bind($seq)
        .bind(canhgac_domain::time::now_ms())
        .execute($ex)
        .await?
    };
}
pub(crate) use advance_cursor;

/// The cursor stream of an agent's messages.
pub fn agent_stream(agent_id: i64) -> String {
    format!("agent:{agent_id}")
}

impl Store {
    // ---- Enrolment ----

    /// Records a one-time enrolment token (its SHA-256), made at `now`, for an organisation in
    /// scope. Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_enrolment(
        &self,
        scope: &Scope,
        actor: &Actor,
        org_id: i64,
        label: &str,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<i64> {
        if !scope.contains(org_id) {
            return Err(StoreError::NotFound);
        }
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 200 {
            return Err(invalid(
                "label",
                "say what the token is for (at most 200 characters)",
                "ghi rõ mã dùng cho máy nào (tối đa 200 ký tự)",
            ));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO agent_enrolments (org_id, token_hash, label, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(org_id).bind(token_hash).bind(label).bind(now).bind(&actor.email).bind(expires_at)
                .fetch_one(&mut *tx).await?;
            let after = json!({"label": label, "expires_at": expires_at});
            let e = audit::row(actor, Some(org_id), "create", "agent_enrolments", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Enrolment tokens in scope, the newest first.
    pub async fn enrolments(&self, scope: &Scope) -> Result<Vec<EnrolmentRow>> {
        let sql = format!(
            "SELECT e.id, e.org_id, o.code AS org_code, e.label, e.created_at, e.created_by, e.expires_at, e.used_at, e.agent_id, e.revoked_at \
             FROM agent_enrolments e JOIN orgs o ON o.id = e.org_id WHERE 1=1{} ORDER BY e.id DESC LIMIT 200",
            scope_sql(scope, "e.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, EnrolmentRow>(&sql).fetch_all(pool).await?) })
    }

    /// Withdraws an unused token. Audited.
    pub async fn revoke_enrolment(&self, scope: &Scope, actor: &Actor, id: i64) -> Result<()> {
        let org: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT org_id FROM agent_enrolments WHERE id = $1").bind(id).fetch_optional(pool).await?
        });
        let org = org
            .filter(|o| scope.contains(*o))
            .ok_or(StoreError::NotFound)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE agent_enrolments SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL AND used_at IS NULL")
                .bind(id).bind(now_ms()).execute(&mut *tx).await?;
            let e = audit::row(actor, Some(org), "revoke", "agent_enrolments", Some(id), None, None);
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// The organisation of a live token (unused, unexpired, not withdrawn).
    pub async fn enrolment_org(&self, token_hash: &str, now: i64) -> Result<Option<(i64, String)>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64, String)>("SELECT e.org_id, o.code FROM agent_enrolments e JOIN orgs o ON o.id = e.org_id WHERE e.token_hash = $1 AND e.used_at IS NULL AND e.revoked_at IS NULL AND e.expires_at > $2")
                .bind(token_hash).bind(now).fetch_optional(pool).await?)
        })
    }

    /// Spends a token and records the agent it enrols, in one transaction: a token enrols one
    /// agent only, even when two machines race with it. Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn enrol_agent(
        &self,
        token_hash: &str,
        host_id: Option<i64>,
        hostname: &str,
        os: &str,
        version: &str,
        secret_hash: &str,
        addr: Option<&str>,
        now: i64,
    ) -> Result<(i64, i64)> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64, i64)> = sqlx::query_as("SELECT id, org_id FROM agent_enrolments WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2")
                .bind(token_hash).bind(now).fetch_optional(&mut *tx).await?;
            let Some((token_id, org_id)) = row else { return Err(StoreError::NotFound) };
            let spent = sqlx::query("UPDATE agent_enrolments SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                .bind(token_id).bind(now).execute(&mut *tx).await?;
            if spent.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            let config = serde_json::to_string(&AgentConfig::default()).unwrap_or_else(|_| "{}".into());
            let id: i64 = sqlx::query_scalar("INSERT INTO agents (org_id, host_id, hostname, secret_hash, version, os, config, enrolled_at, last_seen, last_addr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id")
                .bind(org_id).bind(host_id).bind(hostname).bind(secret_hash).bind(version).bind(os).bind(&config).bind(now).bind(addr)
                .fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE agent_enrolments SET agent_id = $2 WHERE id = $1").bind(token_id).bind(id).execute(&mut *tx).await?;
            let after = json!({"hostname": hostname, "host_id": host_id, "os": os, "version": version, "token": token_id});
            let e = audit::row(&Actor::system("agent-enrol"), Some(org_id), "enrol", "agents", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(i64, i64), StoreError>((id, org_id))
        })
    }

    /// The agent a credential names, if its secret's hash matches and it is not revoked.
    /// The comparison of the hashes takes the same time wherever they differ.
    pub async fn agent_auth(&self, id: i64, secret_hash: &str) -> Result<Option<AgentAuth>> {
        let row: Option<(i64, Option<i64>, String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT org_id, host_id, hostname, secret_hash FROM agents WHERE id = $1 AND revoked_at IS NULL")
                .bind(id).fetch_optional(pool).await?
        });
        Ok(row.and_then(|(org_id, host_id, hostname, stored)| {
            let same = stored.len() == secret_hash.len()
                && stored
                    .bytes()
                    .zip(secret_hash.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0;
            same.then_some(AgentAuth {
                id,
                org_id,
                host_id,
                hostname,
            })
        }))
    }

    /// Records a heartbeat.
    #[allow(clippy::too_many_arguments)]
    pub async fn agent_heartbeat(
        &self,
        id: i64,
        version: &str,
        os: &str,
        ips: &[String],
        ports: &[ListeningPort],
        queued: u64,
        addr: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let ips =
            serde_json::to_string(&ips.iter().take(256).collect::<Vec<_>>()).unwrap_or_default();
        let ports =
            serde_json::to_string(&ports.iter().take(1024).collect::<Vec<_>>()).unwrap_or_default();
        on_pool!(self, pool => {
            sqlx::query("UPDATE agents SET version = $2, os = $3, ips = $4, ports = $5, queued = $6, last_addr = $7, last_seen = $8 WHERE id = $1")
                .bind(id).bind(version.chars().take(64).collect::<String>()).bind(os.chars().take(200).collect::<String>())
                .bind(&ips).bind(&ports).bind(queued as i64).bind(addr).bind(now).execute(pool).await?;
        });
        Ok(())
    }

    /// Agents in scope, by organisation and host name.
    pub async fn agents(&self, scope: &Scope) -> Result<Vec<AgentRow>> {
        let sql = format!(
            "SELECT {AGENT_COLS} FROM agents a JOIN orgs o ON o.id = a.org_id WHERE 1=1{} ORDER BY o.code, a.hostname, a.id LIMIT 5000",
            scope_sql(scope, "a.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, AgentRow>(&sql).fetch_all(pool).await?) })
    }

    /// One agent in scope.
    pub async fn agent(&self, scope: &Scope, id: i64) -> Result<Option<AgentRow>> {
        let sql = format!(
            "SELECT {AGENT_COLS} FROM agents a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1{}",
            scope_sql(scope, "a.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, AgentRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// The agents on registered hosts (any of `host_ids`), in scope and not revoked.
    pub async fn agents_on_hosts(&self, scope: &Scope, host_ids: &[i64]) -> Result<Vec<i64>> {
        if host_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = host_ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT a.id FROM agents a WHERE a.revoked_at IS NULL AND a.host_id IN ({}){} ORDER BY a.id",
            list.join(","),
            scope_sql(scope, "a.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_scalar::<_, i64>(&sql).fetch_all(pool).await?) })
    }

    /// The agents (in scope, not revoked) on hosts that the newest Botnet list names.
    pub async fn botnet_listed_agents(&self, scope: &Scope) -> Result<Vec<i64>> {
        let sql = format!(
            "SELECT a.id FROM agents a WHERE a.revoked_at IS NULL AND a.host_id IN \
             (SELECT f.host_id FROM botnet_findings f WHERE f.host_id IS NOT NULL AND f.list_id = (SELECT MAX(id) FROM botnet_lists WHERE kind = 'botnet')){} ORDER BY a.id",
            scope_sql(scope, "a.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_scalar::<_, i64>(&sql).fetch_all(pool).await?) })
    }

    /// Changes an agent's settings. Audited with before and after.
    pub async fn set_agent_config(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        config: &AgentConfig,
    ) -> Result<()> {
        let a = self.agent(scope, id).await?.ok_or(StoreError::NotFound)?;
        let text = serde_json::to_string(config).unwrap_or_else(|_| "{}".into());
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE agents SET config = $2 WHERE id = $1").bind(id).bind(&text).execute(&mut *tx).await?;
            let before = json!({"config": serde_json::from_str::<serde_json::Value>(&a.config).unwrap_or_default()});
            let after = json!({"config": config});
            let e = audit::row(actor, Some(a.org_id), "update", "agents", Some(id), before.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Withdraws an agent's credential: its next call is refused. Audited.
    pub async fn revoke_agent(&self, scope: &Scope, actor: &Actor, id: i64) -> Result<()> {
        let a = self.agent(scope, id).await?.ok_or(StoreError::NotFound)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE agents SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id).bind(now_ms()).bind(&actor.email).execute(&mut *tx).await?;
            sqlx::query("UPDATE agent_commands SET state = 'failed', result = 'agent revoked', done_at = $2 WHERE agent_id = $1 AND state IN ('pending', 'sent')")
                .bind(id).bind(now_ms()).execute(&mut *tx).await?;
            let e = audit::row(actor, Some(a.org_id), "revoke", "agents", Some(id), None, None);
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// The highest message number applied for a stream (0: none).
    pub async fn cursor(&self, stream: &str) -> Result<u64> {
        let v: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT seq FROM ingest_cursors WHERE stream = $1").bind(stream).fetch_optional(pool).await?
        });
        Ok(v.unwrap_or(0).max(0) as u64)
    }

    /// Forgets HTTP ingest batch ids (`http:` cursors) not used since `before` (Unix ms): a
    /// client retries within minutes, and one row a batch would otherwise pile up.
    pub async fn purge_batch_ids(&self, before: i64) -> Result<u64> {
        on_pool!(self, pool => {
            Ok(sqlx::query("DELETE FROM ingest_cursors WHERE stream LIKE 'http:%' AND touched_at < $1")
                .bind(before).execute(pool).await?.rows_affected())
        })
    }

    /// Moves a stream's cursor forward (messages whose effect is idempotent or nothing).
    pub async fn advance_cursor(&self, stream: &str, seq: u64) -> Result<()> {
        on_pool!(self, pool => { advance_cursor!(pool, stream, seq as i64); });
        Ok(())
    }

    /// Notes a fresh inventory and moves the cursor.
    pub async fn agent_inventory_taken(
        &self,
        id: i64,
        packages: usize,
        seq: u64,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE agents SET inventory_at = $2, packages = $3 WHERE id = $1").bind(id).bind(now).bind(packages as i64).execute(&mut *tx).await?;
            advance_cursor!(&mut *tx, agent_stream(id), seq as i64);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    // ---- Commands ----

    /// Commands waiting for an agent, oldest first, now marked sent. A command sent but not
    /// answered within ten minutes is sent again (the agent may have restarted).
    pub async fn take_commands(&self, agent_id: i64, now: i64) -> Result<Vec<Command>> {
        let rows: Vec<(i64, String)> = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, payload FROM agent_commands WHERE agent_id = $1 AND (state = 'pending' OR (state = 'sent' AND sent_at < $2)) ORDER BY id LIMIT 50")
                .bind(agent_id).bind(now - 600_000).fetch_all(&mut *tx).await?;
            for (id, _) in &rows {
                sqlx::query("UPDATE agent_commands SET state = 'sent', sent_at = $2 WHERE id = $1").bind(id).bind(now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            rows
        });
        let mut out = Vec::new();
        for (id, payload) in rows {
            if let Ok(order) = serde_json::from_str::<Order>(&payload) {
                if let Order::Scan { scan_id, .. } = &order {
                    on_pool!(self, pool => {
                        sqlx::query("UPDATE malware_scan_hosts SET state = 'sent', updated_at = $3 WHERE scan_id = $1 AND agent_id = $2 AND state = 'pending'")
                            .bind(scan_id).bind(agent_id).bind(now).execute(pool).await?;
                    });
                }
                out.push(Command { id, order });
            }
        }
        Ok(out)
    }

    /// Records a command's result (once) and moves the cursor; returns the command if it was
    /// open.
    pub async fn finish_command(
        &self,
        agent_id: i64,
        command_id: i64,
        ok: bool,
        detail: &str,
        seq: u64,
    ) -> Result<Option<CommandRow>> {
        let detail: String = detail.chars().take(2000).collect();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<CommandRow> = sqlx::query_as("SELECT id, agent_id, org_id, kind, payload, state, result, created_at, created_by, sent_at, done_at FROM agent_commands WHERE id = $1 AND agent_id = $2 AND state IN ('pending', 'sent')")
                .bind(command_id).bind(agent_id).fetch_optional(&mut *tx).await?;
            if row.is_some() {
                sqlx::query("UPDATE agent_commands SET state = $2, result = $3, done_at = $4 WHERE id = $1")
                    .bind(command_id).bind(if ok { "done" } else { "failed" }).bind(&detail).bind(now_ms()).execute(&mut *tx).await?;
            }
            advance_cursor!(&mut *tx, agent_stream(agent_id), seq as i64);
            tx.commit().await?;
            Ok::<Option<CommandRow>, StoreError>(row)
        })
    }

    /// An agent's commands, the newest first.
    pub async fn agent_commands(&self, scope: &Scope, agent_id: i64) -> Result<Vec<CommandRow>> {
        let sql = format!(
            "SELECT id, agent_id, org_id, kind, payload, state, result, created_at, created_by, sent_at, done_at FROM agent_commands WHERE agent_id = $1{} ORDER BY id DESC LIMIT 100",
            scope_sql(scope, "org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, CommandRow>(&sql).bind(agent_id).fetch_all(pool).await?) })
    }

    // ---- File integrity ----

    /// Records file-integrity changes with their alerts and moves the cursor, in one
    /// transaction.
    pub async fn record_fim(
        &self,
        a: &AgentAuth,
        changes: &[(canhgac_domain::agent::FimChange, Option<i64>)],
        at: i64,
        seq: u64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (c, signal) in changes.iter().take(10_000) {
                let b = c.before.as_ref();
                let n = c.after.as_ref();
                sqlx::query("INSERT INTO fim_changes (org_id, agent_id, host_id, path, change, old_sha256, new_sha256, old_mode, new_mode, old_owner, new_owner, at, signal_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                    .bind(a.org_id).bind(a.id).bind(a.host_id).bind(c.path.chars().take(4096).collect::<String>()).bind(&c.change)
                    .bind(b.map(|s| s.sha256.clone())).bind(n.map(|s| s.sha256.clone()))
                    .bind(b.map(|s| s.mode.clone())).bind(n.map(|s| s.mode.clone()))
                    .bind(b.map(|s| s.owner.clone())).bind(n.map(|s| s.owner.clone()))
                    .bind(at).bind(signal)
                    .execute(&mut *tx).await?;
            }
            advance_cursor!(&mut *tx, agent_stream(a.id), seq as i64);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// File-integrity changes in scope (of one agent, if given), the newest first.
    pub async fn fim_changes(
        &self,
        scope: &Scope,
        agent_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FimRow>> {
        let sql = format!(
            "SELECT f.id, f.org_id, f.agent_id, a.hostname, f.host_id, f.path, f.change, f.old_sha256, f.new_sha256, f.old_mode, f.new_mode, f.old_owner, f.new_owner, f.at, f.signal_id \
             FROM fim_changes f JOIN agents a ON a.id = f.agent_id WHERE ($1 = 0 OR f.agent_id = $1){} ORDER BY f.at DESC, f.id DESC LIMIT $2",
            scope_sql(scope, "f.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, FimRow>(&sql).bind(agent_id.unwrap_or(0)).bind(limit.clamp(1, 1000)).fetch_all(pool).await?) })
    }

    // ---- Scans and hunts ----

    /// Orders a scan on agents in scope: one command each. Audited.
    pub async fn create_scan(&self, scope: &Scope, actor: &Actor, s: &NewScan) -> Result<i64> {
        if !scope.contains(s.org_id) {
            return Err(StoreError::NotFound);
        }
        let mut agents: Vec<(i64, i64, String)> = Vec::new();
        for id in &s.agents {
            let a = self.agent(scope, *id).await?.ok_or(StoreError::NotFound)?;
            if a.revoked_at.is_none() {
                let paths = if s.paths.is_empty() {
                    a.settings().scan_paths
                } else {
                    s.paths.clone()
                };
                agents.push((
                    a.id,
                    a.org_id,
                    serde_json::to_string(&paths).unwrap_or_default(),
                ));
            }
        }
        if agents.is_empty() {
            return Err(invalid(
                "agents",
                "no enrolled agent among the hosts chosen",
                "không có máy nào đã cài tác tử trong các máy được chọn",
            ));
        }
        let now = now_ms();
        let paths = serde_json::to_string(&s.paths).unwrap_or_else(|_| "[]".into());
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO malware_scans (org_id, kind, title, paths, target, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(s.org_id).bind(&s.kind).bind(s.title.chars().take(300).collect::<String>()).bind(&paths).bind(s.target.chars().take(1000).collect::<String>()).bind(now).bind(&actor.email)
                .fetch_one(&mut *tx).await?;
            for (agent, org, p) in &agents {
                sqlx::query("INSERT INTO malware_scan_hosts (scan_id, agent_id, org_id, state, updated_at) VALUES ($1, $2, $3, 'pending', $4)")
                    .bind(id).bind(agent).bind(org).bind(now).execute(&mut *tx).await?;
                let order = json!({"type": "scan", "scan_id": id, "paths": serde_json::from_str::<serde_json::Value>(p).unwrap_or_default()});
                sqlx::query("INSERT INTO agent_commands (agent_id, org_id, kind, payload, created_at, created_by) VALUES ($1, $2, 'scan', $3, $4, $5)")
                    .bind(agent).bind(org).bind(order.to_string()).bind(now).bind(&actor.email).execute(&mut *tx).await?;
            }
            let after = json!({"kind": s.kind, "title": s.title, "paths": s.paths, "target": s.target, "agents": agents.len()});
            let e = audit::row(actor, Some(s.org_id), "create", "malware_scans", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Records a scan's progress on an agent (the state moves forward only) and the cursor.
    pub async fn scan_progress(
        &self,
        agent_id: i64,
        scan_id: i64,
        state: &str,
        counts: ScanCounts,
        seq: u64,
        now: i64,
    ) -> Result<()> {
        let finished = matches!(state, "done" | "failed");
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE malware_scan_hosts SET state = $3, files = $4, bytes = $5, matches = $6, errors = $7, updated_at = $8, \
                         started_at = COALESCE(started_at, $8), finished_at = CASE WHEN $9 = 1 THEN $8 ELSE finished_at END \
                         WHERE scan_id = $1 AND agent_id = $2 AND state NOT IN ('done', 'failed')")
                .bind(scan_id).bind(agent_id).bind(state)
                .bind(counts.files as i64).bind(counts.bytes as i64).bind(counts.matches as i64).bind(counts.errors as i64)
                .bind(now).bind(i64::from(finished))
                .execute(&mut *tx).await?;
            advance_cursor!(&mut *tx, agent_stream(agent_id), seq as i64);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    fn scan_select(scope: &Scope) -> String {
        let inner = scope_sql(scope, "h.org_id");
        format!(
            "SELECT s.id, s.org_id, o.code AS org_code, s.kind, s.title, s.paths, s.target, s.created_at, s.created_by, \
             (SELECT COUNT(*) FROM malware_scan_hosts h WHERE h.scan_id = s.id{inner}) AS hosts, \
             (SELECT COUNT(*) FROM malware_scan_hosts h WHERE h.scan_id = s.id AND h.state IN ('done', 'failed'){inner}) AS finished, \
             (SELECT COUNT(*) FROM malware_scan_hosts h WHERE h.scan_id = s.id AND h.state = 'running'{inner}) AS running, \
             (SELECT CAST(COALESCE(SUM(h.files), 0) AS BIGINT) FROM malware_scan_hosts h WHERE h.scan_id = s.id{inner}) AS files, \
             (SELECT CAST(COALESCE(SUM(h.matches), 0) AS BIGINT) FROM malware_scan_hosts h WHERE h.scan_id = s.id{inner}) AS matches \
             FROM malware_scans s JOIN orgs o ON o.id = s.org_id WHERE ({} OR EXISTS (SELECT 1 FROM malware_scan_hosts h WHERE h.scan_id = s.id{inner}))",
            match scope.ids() {
                None => "1=1".to_string(),
                Some(_) => format!("1=1{}", scope_sql(scope, "s.org_id")),
            }
        )
    }

    /// Scans and hunts that touch the caller's scope (ordered by it, or on its hosts), the
    /// newest first; counts cover the hosts in scope only.
    pub async fn scans(
        &self,
        scope: &Scope,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ScanRow>> {
        let sql = format!(
            "{} AND ($1 = '' OR s.kind = $1) ORDER BY s.id DESC LIMIT $2",
            Self::scan_select(scope)
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ScanRow>(&sql).bind(kind.unwrap_or("")).bind(limit.clamp(1, 500)).fetch_all(pool).await?) })
    }

    /// One scan visible to the caller.
    pub async fn scan(&self, scope: &Scope, id: i64) -> Result<Option<ScanRow>> {
        let sql = format!("{} AND s.id = $1", Self::scan_select(scope));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ScanRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// A scan's hosts in scope.
    pub async fn scan_hosts(&self, scope: &Scope, scan_id: i64) -> Result<Vec<ScanHostRow>> {
        let sql = format!(
            "SELECT {SCAN_HOST_COLS} WHERE h.scan_id = $1{} ORDER BY o.code, a.hostname",
            scope_sql(scope, "h.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ScanHostRow>(&sql).bind(scan_id).fetch_all(pool).await?) })
    }

    /// An agent's scans, the newest first.
    pub async fn agent_scans(&self, scope: &Scope, agent_id: i64) -> Result<Vec<ScanHostRow>> {
        let sql = format!(
            "SELECT {SCAN_HOST_COLS} WHERE h.agent_id = $1{} ORDER BY h.scan_id DESC LIMIT 50",
            scope_sql(scope, "h.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ScanHostRow>(&sql).bind(agent_id).fetch_all(pool).await?) })
    }

    /// The agents whose scheduled scan is due at `now`: enrolled, not revoked, seen within
    /// the hour, with no scan open and none started within their interval.
    pub async fn scheduled_scans_due(&self, now: i64) -> Result<Vec<(i64, i64, u64)>> {
        let rows: Vec<(i64, i64, String, Option<i64>, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT a.id, a.org_id, a.config, (SELECT MAX(s.created_at) FROM malware_scan_hosts h JOIN malware_scans s ON s.id = h.scan_id WHERE h.agent_id = a.id), \
                            (SELECT COUNT(*) FROM malware_scan_hosts h WHERE h.agent_id = a.id AND h.state IN ('pending', 'sent', 'running')) \
                            FROM agents a WHERE a.revoked_at IS NULL AND a.last_seen > $1")
                .bind(now - 3_600_000).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(id, org, config, last, open)| {
                let every = serde_json::from_str::<AgentConfig>(&config)
                    .unwrap_or_default()
                    .scan_every_hours;
                let due = every > 0
                    && open == 0
                    && last.is_none_or(|t| now - t >= every as i64 * 3_600_000);
                due.then_some((id, org, every))
            })
            .collect())
    }
}
