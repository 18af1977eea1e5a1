//! On-call paging (M2): escalation policies, channels, the destinations allowed for outgoing
//! webhooks, pages and their deliveries. A page is keyed by its organisation *and* its
//! de-duplication key (`incident:{id}` or `signal:{group}`), so one organisation's events never
//! count into, or silence, another's page. Organisation-bound methods take the caller's
//! `Scope`; the pager's own methods (discovery, due pages, deliveries) run as the platform.

use crate::BeginWrite;
use crate::{audit, invalid, scope_sql, Actor, Result, Store, StoreError};
use canhgac_domain::oncall::{destination_allowed, split_url, ChannelKind, Policy, Target};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// Channels an organisation may have (its own and its people's together).
const MAX_CHANNELS_PER_ORG: i64 = 50;
/// Records the pager looks at per pass.
const BATCH: i64 = 2000;

/// A channel a page goes out on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ChannelRow {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: Option<String>,
    /// The person it belongs to; none: the organisation's shared channel.
    pub user_id: Option<i64>,
    /// Their name.
    pub user_name: Option<String>,
    /// `email`, `webhook` or `telegram`.
    pub kind: String,
    /// A name for people.
    pub label: String,
    /// The address, the URL or the chat id.
    pub target: String,
    /// Telegram: the bot API's base URL (holds the bot token; never shown whole).
    #[serde(skip)]
    pub endpoint: String,
    /// Added.
    pub created_at: i64,
    /// By.
    pub created_by: String,
}

/// A channel to add.
#[derive(Debug, Clone)]
pub struct NewChannel {
    /// Organisation.
    pub org_id: i64,
    /// The person, or none for the organisation's shared channel.
    pub user_id: Option<i64>,
    /// Kind.
    pub kind: ChannelKind,
    /// Name.
    pub label: String,
    /// Address, URL or chat id.
    pub target: String,
    /// Telegram: the bot API's base URL, e.g. `https://api.telegram.org/bot<token>`.
    pub endpoint: String,
}

/// A destination an administrator allowed for outgoing webhooks (a URL prefix).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DestinationRow {
    /// Id.
    pub id: i64,
    /// URL prefix.
    pub prefix: String,
    /// Why.
    pub note: String,
    /// Added.
    pub created_at: i64,
    /// By.
    pub created_by: String,
}

/// A page: someone must look at an incident or an alert group now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct PageRow {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Its code.
    pub org_code: Option<String>,
    /// `incident` or `signal`.
    pub source_kind: String,
    /// The incident, or the alert group's first signal.
    pub source_id: i64,
    /// Title.
    pub title: String,
    /// Severity (wire name).
    pub severity: String,
    /// `open`, `acknowledged` or `merged` (folded into an incident's page).
    pub state: String,
    /// The step of the policy that runs next (0-based).
    pub step: i64,
    /// The policy's round (0 = first run).
    pub round: i64,
    /// When the next step runs; none: the policy is exhausted or the page is closed.
    pub next_at: Option<i64>,
    /// Events folded into this page.
    pub events: i64,
    /// Opened.
    pub created_at: i64,
    /// Acknowledged.
    pub acked_at: Option<i64>,
    /// By (an e-mail, or `system:…` when its room handled it).
    pub acked_by: Option<String>,
    /// Why it closed without an acknowledgement (`incident:{id}`).
    pub closed_reason: Option<String>,
}

/// One message sent (or tried) for a page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DeliveryRow {
    /// Id.
    pub id: i64,
    /// Page.
    pub page_id: i64,
    /// Step (0-based).
    pub step: i64,
    /// Round.
    pub round: i64,
    /// The person paged.
    pub user_id: Option<i64>,
    /// Their name.
    pub user_name: Option<String>,
    /// `email`, `webhook`, `telegram` or `app` (seen in the application only).
    pub channel: String,
    /// Address, URL (without its query) or chat id.
    pub target: String,
    /// Accepted by the other side.
    pub ok: bool,
    /// The other side's answer or the reason it was not sent.
    pub detail: String,
    /// When.
    pub at: i64,
}

/// A person a step pages.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Recipient {
    /// User id.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Log-in e-mail (where e-mail pages go).
    pub email: String,
}

/// A delivery to record.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// Page.
    pub page_id: i64,
    /// Step.
    pub step: i64,
    /// Round.
    pub round: i64,
    /// Person.
    pub user_id: Option<i64>,
    /// Channel word.
    pub channel: String,
    /// Where.
    pub target: String,
    /// Accepted.
    pub ok: bool,
    /// Answer or reason.
    pub detail: String,
    /// SHA-256 of the acknowledgement token in the message, if it carried one.
    pub token_hash: Option<String>,
}

/// A signal past the cursor: id, group, organisation, kind, title, severity, first seen.
type NewSignalRow = (i64, i64, Option<i64>, String, String, String, i64);

/// A delivery found by its token: page, person, their e-mail, channel, target.
type TokenHit = (i64, Option<i64>, Option<String>, String, String);

const PAGE_COLS: &str = "p.id, p.org_id, o.code AS org_code, p.source_kind, p.source_id, p.title, p.severity, p.state, \
    p.step, p.round, p.next_at, p.events, p.created_at, p.acked_at, p.acked_by, p.closed_reason";
const CHANNEL_COLS: &str = "c.id, c.org_id, o.code AS org_code, c.user_id, u.full_name AS user_name, c.kind, c.label, c.target, c.endpoint, c.created_at, c.created_by";

impl Store {
    /// An organisation's escalation policy (the default one until it sets its own).
    pub async fn oncall_policy(&self, org_id: i64) -> Result<Policy> {
        let text: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT policy FROM oncall_policies WHERE org_id = $1").bind(org_id).fetch_optional(pool).await?
        });
        Ok(text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default())
    }

    /// Sets an organisation's escalation policy (every problem named by step); audited with
    /// before and after.
    pub async fn set_oncall_policy(
        &self,
        scope: &Scope,
        actor: &Actor,
        org_id: i64,
        policy: &Policy,
    ) -> Result<()> {
        if !scope.contains(org_id) {
            return Err(StoreError::NotFound);
        }
        let problems = policy.validate();
        if !problems.is_empty() {
            return Err(StoreError::Invalid(
                problems
                    .into_iter()
                    .map(|p| canhgac_domain::entity::FieldError {
                        field: if p.step == 0 {
                            "policy".into()
                        } else {
                            format!("step{}", p.step)
                        },
                        message: p.en,
                        message_vi: p.vi,
                    })
                    .collect(),
            ));
        }
        let before = serde_json::to_value(self.oncall_policy(org_id).await?).unwrap_or_default();
        let after = serde_json::to_value(policy).unwrap_or_default();
        let text = after.to_string();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO oncall_policies (org_id, policy, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
                ON CONFLICT (org_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
                .bind(org_id).bind(&text).bind(now_ms()).bind(&actor.email).execute(&mut *tx).await?;
            let e = audit::row(actor, Some(org_id), "update", "oncall_policies", Some(org_id), before.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Channels in scope (of one organisation when given), the shared ones first.
    pub async fn oncall_channels(
        &self,
        scope: &Scope,
        org_id: Option<i64>,
    ) -> Result<Vec<ChannelRow>> {
        let org = org_id
            .map(|o| format!(" AND c.org_id = {o}"))
            .unwrap_or_default();
        let sql = format!(
            "SELECT {CHANNEL_COLS} FROM oncall_channels c JOIN orgs o ON o.id = c.org_id LEFT JOIN users u ON u.id = c.user_id \
             WHERE 1=1{org}{} ORDER BY o.code, c.user_id IS NOT NULL, u.full_name, c.id LIMIT 500",
            scope_sql(scope, "c.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ChannelRow>(&sql).fetch_all(pool).await?) })
    }

    /// The channels of an organisation's person (`Some`) or its shared ones (`None`): the pager's.
    pub async fn channels_of(&self, org_id: i64, user_id: Option<i64>) -> Result<Vec<ChannelRow>> {
        let who = match user_id {
            Some(u) => format!("c.user_id = {u}"),
            None => "c.user_id IS NULL".into(),
        };
        let sql = format!(
            "SELECT {CHANNEL_COLS} FROM oncall_channels c JOIN orgs o ON o.id = c.org_id LEFT JOIN users u ON u.id = c.user_id \
             WHERE c.org_id = $1 AND {who} ORDER BY c.id"
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, ChannelRow>(&sql).bind(org_id).fetch_all(pool).await?) })
    }

    /// Adds a channel to an organisation in scope, for one of its people or shared. A webhook's
    /// URL and a Telegram bot's endpoint must be under a destination an administrator allowed.
    /// Audited (the endpoint, which holds a bot token, is not written to the log).
    pub async fn add_oncall_channel(
        &self,
        scope: &Scope,
        actor: &Actor,
        c: &NewChannel,
    ) -> Result<i64> {
        if !scope.contains(c.org_id) {
            return Err(StoreError::NotFound);
        }
        let label: String = c.label.trim().chars().take(120).collect();
        let target = c.target.trim().to_string();
        let endpoint = c.endpoint.trim().trim_end_matches('/').to_string();
        if target.is_empty() || target.len() > 500 {
            return Err(invalid(
                "target",
                "give the address, URL or chat id (at most 500 characters)",
                "nhập địa chỉ, URL hoặc mã cuộc trò chuyện (tối đa 500 ký tự)",
            ));
        }
        if let Some(u) = c.user_id {
            let n: i64 = on_pool!(self, pool => {
                sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1 AND org_id = $2").bind(u).bind(c.org_id).fetch_one(pool).await?
            });
            if n == 0 {
                return Err(invalid(
                    "user_id",
                    "the person is not of this organisation",
                    "người này không thuộc đơn vị",
                ));
            }
        }
        let allowed = self.destination_prefixes().await?;
        match c.kind {
            ChannelKind::Email => {
                let ok = target.split_once('@').is_some_and(|(a, d)| {
                    !a.is_empty() && d.contains('.') && !target.contains(char::is_whitespace)
                });
                if !ok {
                    return Err(invalid(
                        "target",
                        "not an e-mail address",
                        "không phải địa chỉ thư điện tử",
                    ));
                }
            }
            ChannelKind::Webhook => {
                if split_url(&target).is_none() {
                    return Err(invalid(
                        "target",
                        "not an http(s) URL",
                        "không phải URL http(s)",
                    ));
                }
                if !destination_allowed(&target, &allowed) {
                    return Err(invalid(
                        "target",
                        "the administrator has not allowed this destination",
                        "quản trị viên chưa cho phép gửi tới địa chỉ này",
                    ));
                }
            }
            ChannelKind::Telegram => {
                let chat_ok = target.parse::<i64>().is_ok()
                    || (target.starts_with('@')
                        && target.len() > 1
                        && !target.contains(char::is_whitespace));
                if !chat_ok {
                    return Err(invalid(
                        "target",
                        "a Telegram chat id is a number or @channel",
                        "mã cuộc trò chuyện Telegram là một số hoặc @kênh",
                    ));
                }
                if !destination_allowed(&format!("{endpoint}/sendMessage"), &allowed) {
                    return Err(invalid(
                        "endpoint",
                        "the administrator has not allowed this bot API address",
                        "quản trị viên chưa cho phép địa chỉ API bot này",
                    ));
                }
            }
        }
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM oncall_channels WHERE org_id = $1").bind(c.org_id).fetch_one(pool).await?
        });
        if n >= MAX_CHANNELS_PER_ORG {
            return Err(invalid(
                "target",
                "an organisation has at most 50 channels",
                "mỗi đơn vị có tối đa 50 kênh",
            ));
        }
        let label = if label.is_empty() {
            c.kind.label(true).to_string()
        } else {
            label
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO oncall_channels (org_id, user_id, kind, label, target, endpoint, created_at, created_by) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(c.org_id).bind(c.user_id).bind(c.kind.as_str()).bind(&label).bind(&target).bind(&endpoint).bind(now_ms()).bind(&actor.email)
                .fetch_one(&mut *tx).await?;
            let after = json!({"kind": c.kind.as_str(), "label": label, "target": target, "user_id": c.user_id});
            let e = audit::row(actor, Some(c.org_id), "create", "oncall_channels", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Removes a channel in scope; a person may remove their own, an administrator any. Audited.
    pub async fn delete_oncall_channel(
        &self,
        scope: &Scope,
        actor: &Actor,
        id: i64,
        only_own: bool,
    ) -> Result<()> {
        let sql = format!(
            "SELECT {CHANNEL_COLS} FROM oncall_channels c JOIN orgs o ON o.id = c.org_id LEFT JOIN users u ON u.id = c.user_id WHERE c.id = $1{}",
            scope_sql(scope, "c.org_id")
        );
        let c: ChannelRow = on_pool!(self, pool => { sqlx::query_as::<_, ChannelRow>(&sql).bind(id).fetch_optional(pool).await? })
            .ok_or(StoreError::NotFound)?;
        if only_own && (c.user_id.is_none() || c.user_id != actor.user_id) {
            return Err(StoreError::Forbidden("only your own channels".into()));
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM oncall_channels WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let before = json!({"kind": c.kind, "label": c.label, "target": c.target, "user_id": c.user_id});
            let e = audit::row(actor, Some(c.org_id), "delete", "oncall_channels", Some(id), before.as_object(), None);
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// The destinations allowed for outgoing webhooks.
    pub async fn oncall_destinations(&self) -> Result<Vec<DestinationRow>> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, DestinationRow>("SELECT id, prefix, note, created_at, created_by FROM oncall_destinations ORDER BY prefix").fetch_all(pool).await?)
        })
    }

    /// Their prefixes.
    pub async fn destination_prefixes(&self) -> Result<Vec<String>> {
        Ok(self
            .oncall_destinations()
            .await?
            .into_iter()
            .map(|d| d.prefix)
            .collect())
    }

    /// Allows a destination (an http(s) URL prefix); the DIC administrator's, audited.
    pub async fn add_oncall_destination(
        &self,
        actor: &Actor,
        prefix: &str,
        note: &str,
    ) -> Result<i64> {
        let prefix = prefix.trim().to_string();
        if split_url(&prefix).is_none() || prefix.len() > 500 || prefix.contains('?') {
            return Err(invalid(
                "prefix",
                "an http(s) URL without user information, query or fragment",
                "một URL http(s) không có thông tin người dùng, tham số hay phân đoạn",
            ));
        }
        let note: String = note.trim().chars().take(300).collect();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO oncall_destinations (prefix, note, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(&prefix).bind(&note).bind(now_ms()).bind(&actor.email).fetch_one(&mut *tx).await?;
            let after = json!({"prefix": prefix, "note": note});
            let e = audit::row(actor, None, "create", "oncall_destinations", Some(id), None, after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Withdraws a destination (channels under it stop receiving: the pager checks at each
    /// send); audited.
    pub async fn delete_oncall_destination(&self, actor: &Actor, id: i64) -> Result<()> {
        let prefix: String = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT prefix FROM oncall_destinations WHERE id = $1").bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM oncall_destinations WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let before = json!({"prefix": prefix});
            let e = audit::row(actor, None, "delete", "oncall_destinations", Some(id), before.as_object(), None);
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// The pager's discovery: opens a page for every incident and every alert group (high or
    /// critical, or any national-platform alert) that arrived since the last pass; a later alert
    /// of the same group, or of an incident that has a page, counts into that page instead; a
    /// new incident folds the open pages of its alerts into its own. On the very first pass it
    /// only remembers where history ends (no pages for the past). Returns the new pages' ids.
    pub async fn open_pages(&self, now: i64) -> Result<Vec<i64>> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // A write first, so that SQLite takes the write lock now (waiting its busy timeout)
            // rather than failing to upgrade a read lock while the monitor writes.
            sqlx::query("DELETE FROM oncall_cursors WHERE name = ''").execute(&mut *tx).await?;
            let cur_s: Option<i64> = sqlx::query_scalar("SELECT last_id FROM oncall_cursors WHERE name = 'signals'").fetch_optional(&mut *tx).await?;
            let cur_i: Option<i64> = sqlx::query_scalar("SELECT last_id FROM oncall_cursors WHERE name = 'incidents'").fetch_optional(&mut *tx).await?;
            let (Some(cur_s), Some(cur_i)) = (cur_s, cur_i) else {
                let ms: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM signals").fetch_one(&mut *tx).await?;
                let mi: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM incidents").fetch_one(&mut *tx).await?;
                for (name, v) in [("signals", ms), ("incidents", mi)] {
                    sqlx::query("INSERT INTO oncall_cursors (name, last_id) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                        .bind(name).bind(v).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                return Ok(Vec::new());
            };
            // Records older than `since` (set by `start_paging_from`) are not paged.
            let since: i64 = sqlx::query_scalar("SELECT last_id FROM oncall_cursors WHERE name = 'since'").fetch_optional(&mut *tx).await?.unwrap_or(0);
            let mut opened = Vec::new();
            // Incidents first, so that their alerts of the same pass count into their pages.
            let incs: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
                "SELECT id, org_id, title, gravity, created_at FROM incidents WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(cur_i).bind(BATCH).fetch_all(&mut *tx).await?;
            for (id, org, title, gravity, created) in &incs {
                if *created < since {
                    continue;
                }
                let sev = if gravity == "serious" { "critical" } else { "high" };
                let key = format!("incident:{id}");
                let pid: Option<i64> = sqlx::query_scalar("INSERT INTO oncall_pages (org_id, dedup_key, source_kind, source_id, title, severity, next_at, created_at) \
                    VALUES ($1, $2, 'incident', $3, $4, $5, $6, $6) ON CONFLICT (org_id, dedup_key) DO NOTHING RETURNING id")
                    .bind(org).bind(&key).bind(id).bind(title).bind(sev).bind(now).fetch_optional(&mut *tx).await?;
                if let Some(pid) = pid {
                    opened.push(pid);
                    let merged = sqlx::query("UPDATE oncall_pages SET state = 'merged', next_at = NULL, closed_reason = $1 \
                        WHERE org_id = $2 AND state = 'open' AND source_kind = 'signal' AND source_id IN \
                        (SELECT COALESCE(s.group_id, s.id) FROM incident_signals l JOIN signals s ON s.id = l.signal_id WHERE l.incident_id = $3 AND s.org_id = $2)")
                        .bind(&key).bind(org).bind(id).execute(&mut *tx).await?.rows_affected();
                    if merged > 0 {
                        sqlx::query("UPDATE oncall_pages SET events = events + $1 WHERE id = $2").bind(merged as i64).bind(pid).execute(&mut *tx).await?;
                    }
                }
            }
            let sigs: Vec<NewSignalRow> = sqlx::query_as(
                "SELECT id, COALESCE(group_id, id), org_id, kind, title, severity, first_seen FROM signals WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(cur_s).bind(BATCH).fetch_all(&mut *tx).await?;
            for (id, group, org, kind, title, sev, first_seen) in &sigs {
                let Some(org) = org else { continue };
                if *first_seen < since {
                    continue;
                }
                if !(sev == "high" || sev == "critical" || kind == "national_alert") {
                    continue;
                }
                // An alert of an incident that has a page counts into it.
                let inc_page: Option<i64> = sqlx::query_scalar("SELECT p.id FROM incident_signals l JOIN incidents i ON i.id = l.incident_id \
                    JOIN oncall_pages p ON p.org_id = i.org_id AND p.source_kind = 'incident' AND p.source_id = i.id \
                    WHERE l.signal_id = $1 AND i.org_id = $2 LIMIT 1")
                    .bind(id).bind(org).fetch_optional(&mut *tx).await?;
                if let Some(p) = inc_page {
                    sqlx::query("UPDATE oncall_pages SET events = events + 1 WHERE id = $1").bind(p).execute(&mut *tx).await?;
                    continue;
                }
                let key = format!("signal:{group}");
                let pid: Option<i64> = sqlx::query_scalar("INSERT INTO oncall_pages (org_id, dedup_key, source_kind, source_id, title, severity, next_at, created_at) \
                    VALUES ($1, $2, 'signal', $3, $4, $5, $6, $6) ON CONFLICT (org_id, dedup_key) DO NOTHING RETURNING id")
                    .bind(org).bind(&key).bind(group).bind(title).bind(sev).bind(now).fetch_optional(&mut *tx).await?;
                match pid {
                    Some(p) => opened.push(p),
                    None => {
                        sqlx::query("UPDATE oncall_pages SET events = events + 1 WHERE org_id = $1 AND dedup_key = $2").bind(org).bind(&key).execute(&mut *tx).await?;
                    }
                }
            }
            let new_s = sigs.last().map_or(cur_s, |s| s.0);
            let new_i = incs.last().map_or(cur_i, |i| i.0);
            sqlx::query("UPDATE oncall_cursors SET last_id = $1 WHERE name = 'signals'").bind(new_s).execute(&mut *tx).await?;
            sqlx::query("UPDATE oncall_cursors SET last_id = $1 WHERE name = 'incidents'").bind(new_i).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<Vec<i64>, StoreError>(opened)
        })
    }

    /// Sets where the pager's discovery starts: records first seen from `at` on are paged on its
    /// next pass, older ones never (a restored or freshly seeded store; by default a new store
    /// pages nothing of its past).
    pub async fn start_paging_from(&self, at: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Ids are not in time order (imports and back-fills), so from the first record at or
            // after `at`: an older one inserted later is paged too — better than one missed.
            let ms: i64 = sqlx::query_scalar("SELECT COALESCE((SELECT MIN(id) FROM signals WHERE first_seen >= $1) - 1, (SELECT MAX(id) FROM signals), 0)").bind(at).fetch_one(&mut *tx).await?;
            let mi: i64 = sqlx::query_scalar("SELECT COALESCE((SELECT MIN(id) FROM incidents WHERE created_at >= $1) - 1, (SELECT MAX(id) FROM incidents), 0)").bind(at).fetch_one(&mut *tx).await?;
            for (name, v) in [("signals", ms), ("incidents", mi), ("since", at)] {
                sqlx::query("INSERT INTO oncall_cursors (name, last_id) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id")
                    .bind(name).bind(v).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Stops paging for what was taken up in its own room: an alert no longer new, an incident
    /// past its first stage. Returns how many pages stopped.
    pub async fn settle_pages(&self, now: i64) -> Result<u64> {
        on_pool!(self, pool => {
            let a = sqlx::query("UPDATE oncall_pages SET state = 'acknowledged', acked_at = $1, acked_by = 'system:signal', next_at = NULL \
                WHERE state = 'open' AND source_kind = 'signal' AND EXISTS (SELECT 1 FROM signals s WHERE s.id = oncall_pages.source_id AND s.state <> 'new')")
                .bind(now).execute(pool).await?.rows_affected();
            let b = sqlx::query("UPDATE oncall_pages SET state = 'acknowledged', acked_at = $1, acked_by = 'system:incident', next_at = NULL \
                WHERE state = 'open' AND source_kind = 'incident' AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = oncall_pages.source_id AND i.stage <> 'reported')")
                .bind(now).execute(pool).await?.rows_affected();
            Ok(a + b)
        })
    }

    /// Open pages whose next step is due at `now`.
    pub async fn due_pages(&self, now: i64) -> Result<Vec<PageRow>> {
        let sql = format!("SELECT {PAGE_COLS} FROM oncall_pages p JOIN orgs o ON o.id = p.org_id WHERE p.state = 'open' AND p.next_at <= $1 ORDER BY p.next_at, p.id LIMIT 200");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, PageRow>(&sql).bind(now).fetch_all(pool).await?) })
    }

    /// The people a step's target names for an organisation at `now` (channels are not people:
    /// see [`Store::channels_of`]).
    pub async fn page_recipients(
        &self,
        org_id: i64,
        target: Target,
        now: i64,
    ) -> Result<Vec<Recipient>> {
        let on_duty = "SELECT DISTINCT u.id AS user_id, u.full_name AS name, u.email FROM duty_shifts s JOIN users u ON u.id = s.user_id \
            WHERE s.starts_at <= $2 AND s.ends_at > $2 AND u.active";
        let sql = match target {
            Target::OnDuty => format!("{on_duty} AND s.org_id = $1 ORDER BY u.id"),
            Target::DicDuty => format!("{on_duty} AND $1 = $1 AND s.org_id IN (SELECT id FROM orgs WHERE kind = 'dic') ORDER BY u.id"),
            Target::OrgAdmins => "SELECT u.id AS user_id, u.full_name AS name, u.email FROM users u JOIN orgs o ON o.id = u.org_id \
                WHERE u.org_id = $1 AND $2 = $2 AND u.active AND u.role = CASE WHEN o.kind = 'dic' THEN 'dic_admin' ELSE 'org_admin' END ORDER BY u.id".to_string(),
            Target::Channels => return Ok(Vec::new()),
        };
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, Recipient>(&sql).bind(org_id).bind(now).fetch_all(pool).await?) })
    }

    /// Records one delivery.
    pub async fn record_delivery(&self, d: &NewDelivery) -> Result<i64> {
        let detail: String = d.detail.chars().take(500).collect();
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>("INSERT INTO oncall_deliveries (page_id, step, round, user_id, channel, target, ok, detail, token_hash, at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(d.page_id).bind(d.step).bind(d.round).bind(d.user_id).bind(&d.channel).bind(&d.target).bind(d.ok).bind(&detail)
                .bind(&d.token_hash).bind(now_ms()).fetch_one(pool).await?)
        })
    }

    /// Moves a page to its next step (none: the policy is exhausted; it stays open, waiting).
    pub async fn advance_page(&self, id: i64, next: Option<(usize, i64, i64)>) -> Result<()> {
        let (step, round, at) = match next {
            Some((s, r, at)) => (Some(s as i64), Some(r), Some(at)),
            None => (None, None, None),
        };
        on_pool!(self, pool => {
            sqlx::query("UPDATE oncall_pages SET step = COALESCE($1, step), round = COALESCE($2, round), next_at = $3 WHERE id = $4 AND state = 'open'")
                .bind(step).bind(round).bind(at).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// Acknowledges an open page in scope: paging stops. Audited.
    pub async fn ack_page(&self, scope: &Scope, actor: &Actor, id: i64) -> Result<PageRow> {
        let p = self
            .oncall_page(scope, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.ack(actor, p).await
    }

    /// Acknowledges the page a delivery's token belongs to, as the person it was sent to (or,
    /// for a shared channel, the channel). The token is the credential; it works while the page
    /// is open and only for its own page.
    pub async fn ack_page_by_token(&self, token_hash: &str) -> Result<PageRow> {
        let (p, actor) = self
            .page_by_token(token_hash)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.ack(&actor, p).await
    }

    /// The page a token was sent for, and who it was sent to.
    pub async fn page_by_token(&self, token_hash: &str) -> Result<Option<(PageRow, Actor)>> {
        let hit: Option<TokenHit> = on_pool!(self, pool => {
            sqlx::query_as("SELECT d.page_id, d.user_id, u.email, d.channel, d.target FROM oncall_deliveries d LEFT JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1")
                .bind(token_hash).fetch_optional(pool).await?
        });
        let Some((page_id, user_id, email, channel, target)) = hit else {
            return Ok(None);
        };
        let p = self
            .oncall_page(&Scope::All, page_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let actor = Actor {
            user_id,
            email: email.unwrap_or_else(|| format!("{channel}:{target}")),
        };
        Ok(Some((p, actor)))
    }

    async fn ack(&self, actor: &Actor, p: PageRow) -> Result<PageRow> {
        if p.state != "open" {
            return Err(StoreError::Conflict("this page is no longer open".into()));
        }
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE oncall_pages SET state = 'acknowledged', acked_at = $1, acked_by = $2, next_at = NULL WHERE id = $3 AND state = 'open'")
                .bind(now).bind(&actor.email).bind(p.id).execute(&mut *tx).await?;
            let before = json!({"state": "open"});
            let after = json!({"state": "acknowledged"});
            let e = audit::row(actor, Some(p.org_id), "acknowledge", "oncall_pages", Some(p.id), before.as_object(), after.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.oncall_page(&Scope::All, p.id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// One page in scope.
    pub async fn oncall_page(&self, scope: &Scope, id: i64) -> Result<Option<PageRow>> {
        let sql = format!(
            "SELECT {PAGE_COLS} FROM oncall_pages p JOIN orgs o ON o.id = p.org_id WHERE p.id = $1{}",
            scope_sql(scope, "p.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, PageRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// Pages in scope, open first then newest (only open ones when asked; only those sent to a
    /// person when `user` is given).
    pub async fn oncall_pages(
        &self,
        scope: &Scope,
        open_only: bool,
        user: Option<i64>,
        limit: i64,
    ) -> Result<Vec<PageRow>> {
        let open = if open_only {
            " AND p.state = 'open'"
        } else {
            ""
        };
        let mine = user
            .map(|u| format!(" AND EXISTS (SELECT 1 FROM oncall_deliveries d WHERE d.page_id = p.id AND d.user_id = {u})"))
            .unwrap_or_default();
        let sql = format!(
            "SELECT {PAGE_COLS} FROM oncall_pages p JOIN orgs o ON o.id = p.org_id WHERE 1=1{open}{mine}{} \
             ORDER BY CASE WHEN p.state = 'open' THEN 0 ELSE 1 END, p.created_at DESC, p.id DESC LIMIT {}",
            scope_sql(scope, "p.org_id"),
            limit.clamp(1, 1000)
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, PageRow>(&sql).fetch_all(pool).await?) })
    }

    /// How many pages are open in scope, and how many of them were sent to `user`.
    pub async fn open_page_counts(&self, scope: &Scope, user: i64) -> Result<(i64, i64)> {
        let sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM oncall_deliveries d WHERE d.page_id = p.id AND d.user_id = $1) THEN 1 ELSE 0 END), 0) \
             FROM oncall_pages p WHERE p.state = 'open'{}",
            scope_sql(scope, "p.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, (i64, i64)>(&sql).bind(user).fetch_one(pool).await?) })
    }

    /// The deliveries of a page in scope, in order.
    pub async fn page_deliveries(&self, scope: &Scope, page_id: i64) -> Result<Vec<DeliveryRow>> {
        let sql = format!(
            "SELECT d.id, d.page_id, d.step, d.round, d.user_id, u.full_name AS user_name, d.channel, d.target, d.ok, d.detail, d.at \
             FROM oncall_deliveries d JOIN oncall_pages p ON p.id = d.page_id LEFT JOIN users u ON u.id = d.user_id \
             WHERE d.page_id = $1{} ORDER BY d.id LIMIT 1000",
            scope_sql(scope, "p.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, DeliveryRow>(&sql).bind(page_id).fetch_all(pool).await?) })
    }

    /// The open page of a record (an incident or an alert group) in scope, if any.
    pub async fn page_of(
        &self,
        scope: &Scope,
        source_kind: &str,
        source_id: i64,
    ) -> Result<Option<PageRow>> {
        let sql = format!(
            "SELECT {PAGE_COLS} FROM oncall_pages p JOIN orgs o ON o.id = p.org_id WHERE p.source_kind = $1 AND p.source_id = $2{} ORDER BY p.id DESC LIMIT 1",
            scope_sql(scope, "p.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, PageRow>(&sql).bind(source_kind).bind(source_id).fetch_optional(pool).await?) })
    }
}
