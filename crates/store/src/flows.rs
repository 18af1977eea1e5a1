//! Flow telemetry (M16): exporters, protected customer prefixes, attacks, traffic per minute,
//! top talkers and flows to or from listed Botnet addresses. A row that concerns an address is
//! visible to the organisation holding the address and to the operator whose network saw it
//! (`operator_org_id`), never to anyone else.

use crate::BeginWrite;
use crate::{audit, invalid, Actor, Result, Store, StoreError};
use canhgac_domain::Scope;
use serde::Serialize;
use serde_json::json;

/// `AND (a IN (…) OR b IN (…))` for a scope; nothing for the province.
fn scope_either(scope: &Scope, a: &str, b: &str) -> String {
    match scope.ids() {
        None => String::new(),
        Some(ids) if ids.is_empty() => " AND 1=0".to_string(),
        Some(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            let list = list.join(",");
            format!(" AND ({a} IN ({list}) OR {b} IN ({list}))")
        }
    }
}

/// A router that sends flows, registered to its operator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct FlowExporterRow {
    pub id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    /// The address its datagrams come from.
    pub address: String,
    pub name: String,
    /// Sampling rate to apply when the exporter does not say (0: as exported).
    pub sampling: i64,
    /// `netflow_v5`, `netflow_v9`, `ipfix`, `sflow5` (last seen).
    pub format: String,
    pub last_seen: i64,
    pub datagrams: i64,
    pub flows: i64,
    pub malformed: i64,
    pub no_template: i64,
    pub templates: i64,
    pub unknown_fields: i64,
    pub lost: i64,
    pub options: i64,
    pub skipped: i64,
    pub created_at: i64,
}

const EXPORTER_COLS: &str = "e.id, e.org_id, o.code AS org_code, o.name AS org_name, e.address, e.name, e.sampling, e.format, e.last_seen, e.datagrams, e.flows, e.malformed, e.no_template, e.templates, e.unknown_fields, e.lost, e.options, e.skipped, e.created_at";

/// Counters to add to an exporter's.
#[derive(Debug, Clone, Default)]
pub struct ExporterDelta {
    pub id: i64,
    pub format: String,
    pub last_seen: i64,
    pub datagrams: i64,
    pub flows: i64,
    pub malformed: i64,
    pub no_template: i64,
    pub templates: i64,
    pub unknown_fields: i64,
    pub lost: i64,
    pub options: i64,
    pub skipped: i64,
}

/// A prefix an operator protects for a customer, with its thresholds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct FlowPrefixRow {
    pub id: i64,
    /// The operator.
    pub org_id: i64,
    pub org_code: String,
    /// The customer organisation in the registry, if it is one.
    pub customer_org_id: Option<i64>,
    pub customer_name: Option<String>,
    pub prefix: String,
    pub name: String,
    pub pps: i64,
    pub mbps: i64,
    pub fps: i64,
    pub created_at: i64,
    pub created_by: String,
}

const PREFIX_COLS: &str = "p.id, p.org_id, o.code AS org_code, p.customer_org_id, c.name AS customer_name, p.prefix, p.name, p.pps, p.mbps, p.fps, p.created_at, p.created_by";

/// An attack as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct FlowAttackRow {
    pub id: i64,
    /// The operator whose network saw it.
    pub operator_org_id: i64,
    pub operator_name: String,
    /// The organisation holding the target address.
    pub org_id: i64,
    pub org_name: String,
    pub target: String,
    pub prefix: String,
    /// `syn_flood`, `amplification`, … (canhgac_flows::AttackKind).
    pub kind: String,
    pub port: Option<i64>,
    pub protocol: i64,
    /// `pps`, `mbps`, `fps` or `baseline`.
    pub reason: String,
    pub started_at: i64,
    pub last_over_at: i64,
    pub ended_at: Option<i64>,
    pub peak_pps: i64,
    pub peak_bps: i64,
    pub peak_fps: i64,
    pub packets: i64,
    pub bytes: i64,
    pub flows: i64,
    pub sources_seen: i64,
    /// JSON: `[[address, packets, bytes], …]`.
    pub top_sources: String,
    /// JSON: packets by what they are.
    pub mix: String,
    /// JSON: RTBH and FlowSpec text.
    pub advice: String,
    pub signal_id: Option<i64>,
    pub operator_signal_id: Option<i64>,
    /// When the detector raised it (arrival clock).
    pub detected_at: i64,
    pub updated_at: i64,
}

const ATTACK_COLS: &str = "a.id, a.operator_org_id, op.name AS operator_name, a.org_id, o.name AS org_name, a.target, a.prefix, a.kind, a.port, a.protocol, a.reason, a.started_at, a.last_over_at, a.ended_at, a.peak_pps, a.peak_bps, a.peak_fps, a.packets, a.bytes, a.flows, a.sources_seen, a.top_sources, a.mix, a.advice, a.signal_id, a.operator_signal_id, a.detected_at, a.updated_at";

/// An attack's figures to write (insert or update).
#[derive(Debug, Clone, Default)]
pub struct AttackWrite {
    pub operator_org_id: i64,
    pub org_id: i64,
    pub target: String,
    pub prefix: String,
    pub kind: String,
    pub port: Option<i64>,
    pub protocol: i64,
    pub reason: String,
    pub started_at: i64,
    pub last_over_at: i64,
    pub ended_at: Option<i64>,
    pub peak_pps: i64,
    pub peak_bps: i64,
    pub peak_fps: i64,
    pub packets: i64,
    pub bytes: i64,
    pub flows: i64,
    pub sources_seen: i64,
    pub top_sources: String,
    pub mix: String,
    pub advice: String,
    pub detected_at: i64,
}

/// One owner's minute of traffic.
#[derive(Debug, Clone, Copy, Default)]
pub struct MinuteWrite {
    pub org_id: i64,
    pub in_packets: i64,
    pub in_bytes: i64,
    pub out_packets: i64,
    pub out_bytes: i64,
    pub flows: i64,
}

/// One talker of a minute.
#[derive(Debug, Clone)]
pub struct TalkerWrite {
    pub org_id: i64,
    pub ip: String,
    pub local: bool,
    pub packets: i64,
    pub bytes: i64,
}

/// Traffic in one time bucket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct TrafficPoint {
    /// Start of the bucket (Unix ms).
    pub at: i64,
    pub in_bytes: i64,
    pub out_bytes: i64,
    pub in_packets: i64,
    pub out_packets: i64,
    pub flows: i64,
}

/// A top talker over a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct TalkerRow {
    pub org_id: i64,
    pub org_name: String,
    pub ip: String,
    /// 1: an address of the organisation; 0: the far end.
    pub local: i64,
    pub packets: i64,
    pub bytes: i64,
}

/// Traffic of one organisation over a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct OrgTraffic {
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub in_bytes: i64,
    pub out_bytes: i64,
    pub in_packets: i64,
    pub out_packets: i64,
    pub flows: i64,
}

/// Flows between an organisation's address and a listed Botnet address.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct FlowSightingRow {
    pub id: i64,
    pub operator_org_id: i64,
    pub operator_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub host_id: Option<i64>,
    pub local_ip: String,
    pub remote_ip: String,
    /// The list entry that holds the remote address.
    pub entry: String,
    /// 1 when the organisation's address sent the traffic.
    pub outbound: i64,
    pub proto: i64,
    pub port: i64,
    pub flows: i64,
    pub packets: i64,
    pub bytes: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub signal_id: Option<i64>,
}

const SIGHTING_COLS: &str = "s.id, s.operator_org_id, op.name AS operator_name, s.org_id, o.name AS org_name, s.host_id, s.local_ip, s.remote_ip, s.entry, s.outbound, s.proto, s.port, s.flows, s.packets, s.bytes, s.first_seen, s.last_seen, s.signal_id";

/// A sighting to add to.
#[derive(Debug, Clone)]
pub struct SightingWrite {
    pub operator_org_id: i64,
    pub org_id: i64,
    pub host_id: Option<i64>,
    pub local_ip: String,
    pub remote_ip: String,
    pub entry: String,
    pub outbound: bool,
    pub proto: i64,
    pub port: i64,
    pub flows: i64,
    pub packets: i64,
    pub bytes: i64,
    pub first_seen: i64,
    pub last_seen: i64,
}

fn clip(s: &str, n: usize) -> String {
    s.trim().chars().take(n).collect()
}

impl Store {
    /// Registers an exporter for an operator (an address is one exporter, province-wide).
    /// Audited.
    pub async fn add_flow_exporter(
        &self,
        scope: &Scope,
        actor: &Actor,
        org_id: i64,
        address: std::net::IpAddr,
        name: &str,
        sampling: i64,
    ) -> Result<i64> {
        if !scope.contains(org_id) {
            return Err(StoreError::NotFound);
        }
        let name = clip(name, 200);
        if name.is_empty() {
            return Err(invalid(
                "name",
                "give the router a name",
                "đặt tên cho thiết bị",
            ));
        }
        if !(0..=1_000_000).contains(&sampling) {
            return Err(invalid(
                "sampling",
                "a sampling rate between 0 (as exported) and 1,000,000",
                "tỉ lệ lấy mẫu từ 0 (theo thiết bị) đến 1.000.000",
            ));
        }
        let now = canhgac_domain::time::now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM flow_exporters WHERE address = $1").bind(address.to_string()).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Err(StoreError::Conflict("this address is already registered as an exporter".into()));
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO flow_exporters (org_id, address, name, sampling, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(org_id).bind(address.to_string()).bind(&name).bind(sampling).bind(now).bind(&actor.email)
                .fetch_one(&mut *tx).await?;
            let a = json!({"address": address.to_string(), "name": name, "sampling": sampling});
            let e = audit::row(actor, Some(org_id), "create", "flow_exporters", Some(id), None, a.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Removes an exporter. Audited.
    pub async fn delete_flow_exporter(&self, scope: &Scope, actor: &Actor, id: i64) -> Result<()> {
        let e = self
            .flow_exporters(scope)
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or(StoreError::NotFound)?;
        let before = json!({"address": e.address, "name": e.name});
        self.delete_flow_row("flow_exporters", id, e.org_id, actor, before)
            .await
    }

    /// Exporters of the organisations in scope.
    pub async fn flow_exporters(&self, scope: &Scope) -> Result<Vec<FlowExporterRow>> {
        let sql = format!(
            "SELECT {EXPORTER_COLS} FROM flow_exporters e JOIN orgs o ON o.id = e.org_id WHERE 1=1{} ORDER BY o.name, e.name",
            crate::scope_sql(scope, "e.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, FlowExporterRow>(&sql).fetch_all(pool).await?) })
    }

    /// Adds counters to exporters (the collector, every few seconds).
    pub async fn add_exporter_counts(&self, deltas: &[ExporterDelta]) -> Result<()> {
        if deltas.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for d in deltas {
                sqlx::query("UPDATE flow_exporters SET format = CASE WHEN $2 = '' THEN format ELSE $2 END, last_seen = CASE WHEN $3 > last_seen THEN $3 ELSE last_seen END, datagrams = datagrams + $4, flows = flows + $5, malformed = malformed + $6, no_template = no_template + $7, templates = templates + $8, unknown_fields = unknown_fields + $9, lost = lost + $10, options = options + $11, skipped = skipped + $12 WHERE id = $1")
                    .bind(d.id).bind(&d.format).bind(d.last_seen).bind(d.datagrams).bind(d.flows).bind(d.malformed).bind(d.no_template).bind(d.templates).bind(d.unknown_fields).bind(d.lost).bind(d.options).bind(d.skipped)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Protects a prefix for an operator (thresholds per destination address). Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_flow_prefix(
        &self,
        scope: &Scope,
        actor: &Actor,
        org_id: i64,
        customer_org_id: Option<i64>,
        prefix: ipnet::IpNet,
        name: &str,
        thresholds: (i64, i64, i64),
    ) -> Result<i64> {
        if !scope.contains(org_id) {
            return Err(StoreError::NotFound);
        }
        let name = clip(name, 200);
        if name.is_empty() {
            return Err(invalid(
                "name",
                "name the customer or the service",
                "ghi tên khách hàng hoặc dịch vụ",
            ));
        }
        let (pps, mbps, fps) = thresholds;
        for (field, v) in [("pps", pps), ("mbps", mbps), ("fps", fps)] {
            if !(1..=1_000_000_000).contains(&v) {
                return Err(invalid(
                    field,
                    "a threshold between 1 and 1,000,000,000",
                    "ngưỡng từ 1 đến 1.000.000.000",
                ));
            }
        }
        let prefix = prefix.trunc();
        let now = canhgac_domain::time::now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM flow_prefixes WHERE org_id = $1 AND prefix = $2").bind(org_id).bind(prefix.to_string()).fetch_optional(&mut *tx).await?;
            if let Some(id) = taken {
                return Err(StoreError::Conflict(format!("this prefix is already protected (entry {id})")));
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO flow_prefixes (org_id, customer_org_id, prefix, name, pps, mbps, fps, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(org_id).bind(customer_org_id).bind(prefix.to_string()).bind(&name).bind(pps).bind(mbps).bind(fps).bind(now).bind(&actor.email)
                .fetch_one(&mut *tx).await?;
            let a = json!({"prefix": prefix.to_string(), "name": name, "customer_org_id": customer_org_id, "pps": pps, "mbps": mbps, "fps": fps});
            let e = audit::row(actor, Some(org_id), "create", "flow_prefixes", Some(id), None, a.as_object());
            audit_insert!(&mut *tx, e);
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Removes a protected prefix. Audited.
    pub async fn delete_flow_prefix(&self, scope: &Scope, actor: &Actor, id: i64) -> Result<()> {
        let p = self
            .flow_prefixes(scope)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(StoreError::NotFound)?;
        let before = json!({"prefix": p.prefix, "name": p.name});
        self.delete_flow_row("flow_prefixes", id, p.org_id, actor, before)
            .await
    }

    /// Deletes a row of `table` (one of this module's, never a caller's text) with its audit
    /// record, in one transaction.
    async fn delete_flow_row(
        &self,
        table: &'static str,
        id: i64,
        org_id: i64,
        actor: &Actor,
        before: serde_json::Value,
    ) -> Result<()> {
        let sql = format!("DELETE FROM {table} WHERE id = $1");
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(&sql).bind(id).execute(&mut *tx).await?;
            let a = audit::row(actor, Some(org_id), "delete", table, Some(id), before.as_object(), None);
            audit_insert!(&mut *tx, a);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Prefixes the operators in scope protect.
    pub async fn flow_prefixes(&self, scope: &Scope) -> Result<Vec<FlowPrefixRow>> {
        let sql = format!(
            "SELECT {PREFIX_COLS} FROM flow_prefixes p JOIN orgs o ON o.id = p.org_id LEFT JOIN orgs c ON c.id = p.customer_org_id WHERE 1=1{} ORDER BY o.name, p.prefix",
            crate::scope_sql(scope, "p.org_id")
        );
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, FlowPrefixRow>(&sql).fetch_all(pool).await?) })
    }

    /// Stores a new attack; returns its id.
    pub async fn insert_flow_attack(&self, a: &AttackWrite) -> Result<i64> {
        let now = canhgac_domain::time::now_ms();
        on_pool!(self, pool => {
            let id: i64 = sqlx::query_scalar("INSERT INTO flow_attacks (operator_org_id, org_id, target, prefix, kind, port, protocol, reason, started_at, last_over_at, ended_at, peak_pps, peak_bps, peak_fps, packets, bytes, flows, sources_seen, top_sources, mix, advice, detected_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id")
                .bind(a.operator_org_id).bind(a.org_id).bind(&a.target).bind(&a.prefix).bind(&a.kind).bind(a.port).bind(a.protocol).bind(&a.reason).bind(a.started_at).bind(a.last_over_at).bind(a.ended_at).bind(a.peak_pps).bind(a.peak_bps).bind(a.peak_fps).bind(a.packets).bind(a.bytes).bind(a.flows).bind(a.sources_seen).bind(&a.top_sources).bind(&a.mix).bind(&a.advice).bind(a.detected_at).bind(now)
                .fetch_one(pool).await?;
            Ok::<i64, StoreError>(id)
        })
    }

    /// Updates an attack's figures (kind, peaks, totals, sources, end).
    pub async fn update_flow_attack(&self, id: i64, a: &AttackWrite) -> Result<()> {
        let now = canhgac_domain::time::now_ms();
        on_pool!(self, pool => {
            sqlx::query("UPDATE flow_attacks SET kind = $2, port = $3, protocol = $4, last_over_at = $5, ended_at = $6, peak_pps = $7, peak_bps = $8, peak_fps = $9, packets = $10, bytes = $11, flows = $12, sources_seen = $13, top_sources = $14, mix = $15, advice = $16, updated_at = $17 WHERE id = $1")
                .bind(id).bind(&a.kind).bind(a.port).bind(a.protocol).bind(a.last_over_at).bind(a.ended_at).bind(a.peak_pps).bind(a.peak_bps).bind(a.peak_fps).bind(a.packets).bind(a.bytes).bind(a.flows).bind(a.sources_seen).bind(&a.top_sources).bind(&a.mix).bind(&a.advice).bind(now)
                .execute(pool).await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Links an attack to the signals raised for it.
    pub async fn set_flow_attack_signals(
        &self,
        id: i64,
        signal: Option<i64>,
        operator_signal: Option<i64>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE flow_attacks SET signal_id = $2, operator_signal_id = $3 WHERE id = $1").bind(id).bind(signal).bind(operator_signal).execute(pool).await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Ends every attack still open (the collector restarted: their detector state is gone).
    pub async fn end_open_flow_attacks(&self, at: i64) -> Result<u64> {
        on_pool!(self, pool => {
            let n = sqlx::query("UPDATE flow_attacks SET ended_at = CASE WHEN last_over_at + 999 > $1 THEN $1 ELSE last_over_at + 999 END, updated_at = $1 WHERE ended_at IS NULL").bind(at).execute(pool).await?;
            Ok::<u64, StoreError>(n.rows_affected())
        })
    }

    /// Attacks in scope (the target's organisation or the operator), newest first; `active`
    /// only those not ended; `org` one organisation's.
    pub async fn flow_attacks(
        &self,
        scope: &Scope,
        active: bool,
        org: Option<i64>,
        since: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FlowAttackRow>> {
        let mut w = scope_either(scope, "a.org_id", "a.operator_org_id");
        if active {
            w.push_str(" AND a.ended_at IS NULL");
        }
        if let Some(o) = org {
            w.push_str(&format!(" AND (a.org_id = {o} OR a.operator_org_id = {o})"));
        }
        if let Some(s) = since {
            w.push_str(&format!(" AND a.started_at >= {s}"));
        }
        let sql = format!("SELECT {ATTACK_COLS} FROM flow_attacks a JOIN orgs o ON o.id = a.org_id JOIN orgs op ON op.id = a.operator_org_id WHERE 1=1{w} ORDER BY a.started_at DESC, a.id DESC LIMIT $1");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, FlowAttackRow>(&sql).bind(limit.clamp(1, 10_000)).fetch_all(pool).await?) })
    }

    /// One attack in scope.
    pub async fn flow_attack(&self, scope: &Scope, id: i64) -> Result<Option<FlowAttackRow>> {
        let sql = format!("SELECT {ATTACK_COLS} FROM flow_attacks a JOIN orgs o ON o.id = a.org_id JOIN orgs op ON op.id = a.operator_org_id WHERE a.id = $1{}", scope_either(scope, "a.org_id", "a.operator_org_id"));
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, FlowAttackRow>(&sql).bind(id).fetch_optional(pool).await?) })
    }

    /// Writes one operator's finished minute: traffic per organisation (added to what is there)
    /// and its talkers, in one transaction.
    pub async fn store_flow_minute(
        &self,
        operator_org_id: i64,
        minute_ms: i64,
        owners: &[MinuteWrite],
        talkers: &[TalkerWrite],
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for m in owners {
                sqlx::query("INSERT INTO flow_minutes (operator_org_id, org_id, minute, in_packets, in_bytes, out_packets, out_bytes, flows) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (operator_org_id, org_id, minute) DO UPDATE SET in_packets = flow_minutes.in_packets + excluded.in_packets, in_bytes = flow_minutes.in_bytes + excluded.in_bytes, out_packets = flow_minutes.out_packets + excluded.out_packets, out_bytes = flow_minutes.out_bytes + excluded.out_bytes, flows = flow_minutes.flows + excluded.flows")
                    .bind(operator_org_id).bind(m.org_id).bind(minute_ms).bind(m.in_packets).bind(m.in_bytes).bind(m.out_packets).bind(m.out_bytes).bind(m.flows)
                    .execute(&mut *tx).await?;
            }
            for t in talkers {
                sqlx::query("INSERT INTO flow_talkers (operator_org_id, org_id, minute, ip, local, packets, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(operator_org_id).bind(t.org_id).bind(minute_ms).bind(&t.ip).bind(i64::from(t.local)).bind(t.packets).bind(t.bytes)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Traffic in scope from `since` to `until`, in buckets of `bucket_ms`; `org` one
    /// organisation's (as the address holder or the operator).
    pub async fn flow_traffic(
        &self,
        scope: &Scope,
        org: Option<i64>,
        since: i64,
        until: i64,
        bucket_ms: i64,
    ) -> Result<Vec<TrafficPoint>> {
        let b = bucket_ms.max(60_000);
        let mut w = scope_either(scope, "m.org_id", "m.operator_org_id");
        if let Some(o) = org {
            w.push_str(&format!(" AND m.org_id = {o}"));
        }
        let sql = format!("SELECT CAST((m.minute / {b}) * {b} AS BIGINT) AS at, CAST(SUM(m.in_bytes) AS BIGINT) AS in_bytes, CAST(SUM(m.out_bytes) AS BIGINT) AS out_bytes, CAST(SUM(m.in_packets) AS BIGINT) AS in_packets, CAST(SUM(m.out_packets) AS BIGINT) AS out_packets, CAST(SUM(m.flows) AS BIGINT) AS flows FROM flow_minutes m WHERE m.minute >= $1 AND m.minute < $2{w} GROUP BY (m.minute / {b}) ORDER BY 1");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, TrafficPoint>(&sql).bind(since).bind(until).fetch_all(pool).await?) })
    }

    /// Traffic per organisation in scope since `since`, busiest first.
    pub async fn flow_traffic_by_org(&self, scope: &Scope, since: i64) -> Result<Vec<OrgTraffic>> {
        let w = scope_either(scope, "m.org_id", "m.operator_org_id");
        let sql = format!("SELECT m.org_id, o.code AS org_code, o.name AS org_name, CAST(SUM(m.in_bytes) AS BIGINT) AS in_bytes, CAST(SUM(m.out_bytes) AS BIGINT) AS out_bytes, CAST(SUM(m.in_packets) AS BIGINT) AS in_packets, CAST(SUM(m.out_packets) AS BIGINT) AS out_packets, CAST(SUM(m.flows) AS BIGINT) AS flows FROM flow_minutes m JOIN orgs o ON o.id = m.org_id WHERE m.minute >= $1{w} GROUP BY m.org_id, o.code, o.name ORDER BY 4 DESC");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, OrgTraffic>(&sql).bind(since).fetch_all(pool).await?) })
    }

    /// The busiest addresses in scope since `since` (`local`: the organisations' own, else
    /// the far ends), by bytes.
    pub async fn flow_top_talkers(
        &self,
        scope: &Scope,
        org: Option<i64>,
        local: bool,
        since: i64,
        limit: i64,
    ) -> Result<Vec<TalkerRow>> {
        let mut w = scope_either(scope, "t.org_id", "t.operator_org_id");
        if let Some(o) = org {
            w.push_str(&format!(" AND t.org_id = {o}"));
        }
        let sql = format!("SELECT t.org_id, o.name AS org_name, t.ip, CAST(MAX(t.local) AS BIGINT) AS local, CAST(SUM(t.packets) AS BIGINT) AS packets, CAST(SUM(t.bytes) AS BIGINT) AS bytes FROM flow_talkers t JOIN orgs o ON o.id = t.org_id WHERE t.minute >= $1 AND t.local = $2{w} GROUP BY t.org_id, o.name, t.ip ORDER BY 6 DESC, t.ip LIMIT $3");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, TalkerRow>(&sql).bind(since).bind(i64::from(local)).bind(limit.clamp(1, 1000)).fetch_all(pool).await?) })
    }

    /// Adds flows to a sighting (creating it); returns its id and whether it is new.
    pub async fn add_flow_sighting(&self, s: &SightingWrite) -> Result<(i64, bool)> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let old: Option<i64> = sqlx::query_scalar("SELECT id FROM flow_sightings WHERE operator_org_id = $1 AND org_id = $2 AND local_ip = $3 AND remote_ip = $4")
                .bind(s.operator_org_id).bind(s.org_id).bind(&s.local_ip).bind(&s.remote_ip).fetch_optional(&mut *tx).await?;
            let out = if let Some(id) = old {
                sqlx::query("UPDATE flow_sightings SET flows = flows + $2, packets = packets + $3, bytes = bytes + $4, last_seen = CASE WHEN $5 > last_seen THEN $5 ELSE last_seen END WHERE id = $1")
                    .bind(id).bind(s.flows).bind(s.packets).bind(s.bytes).bind(s.last_seen).execute(&mut *tx).await?;
                (id, false)
            } else {
                let id: i64 = sqlx::query_scalar("INSERT INTO flow_sightings (operator_org_id, org_id, host_id, local_ip, remote_ip, entry, outbound, proto, port, flows, packets, bytes, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id")
                    .bind(s.operator_org_id).bind(s.org_id).bind(s.host_id).bind(&s.local_ip).bind(&s.remote_ip).bind(&s.entry).bind(i64::from(s.outbound)).bind(s.proto).bind(s.port).bind(s.flows).bind(s.packets).bind(s.bytes).bind(s.first_seen).bind(s.last_seen)
                    .fetch_one(&mut *tx).await?;
                (id, true)
            };
            tx.commit().await?;
            Ok::<(i64, bool), StoreError>(out)
        })
    }

    /// Links a sighting to its signal.
    pub async fn set_flow_sighting_signal(&self, id: i64, signal: i64) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE flow_sightings SET signal_id = $2 WHERE id = $1").bind(id).bind(signal).execute(pool).await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Sightings in scope, the latest first.
    pub async fn flow_sightings(
        &self,
        scope: &Scope,
        org: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FlowSightingRow>> {
        let mut w = scope_either(scope, "s.org_id", "s.operator_org_id");
        if let Some(o) = org {
            w.push_str(&format!(" AND s.org_id = {o}"));
        }
        let sql = format!("SELECT {SIGHTING_COLS} FROM flow_sightings s JOIN orgs o ON o.id = s.org_id JOIN orgs op ON op.id = s.operator_org_id WHERE 1=1{w} ORDER BY s.last_seen DESC, s.id DESC LIMIT $1");
        on_pool!(self, pool => { Ok(sqlx::query_as::<_, FlowSightingRow>(&sql).bind(limit.clamp(1, 10_000)).fetch_all(pool).await?) })
    }

    /// Deletes traffic minutes and talkers older than `before` (retention); returns rows removed.
    pub async fn prune_flows(&self, before: i64) -> Result<u64> {
        on_pool!(self, pool => {
            let a = sqlx::query("DELETE FROM flow_minutes WHERE minute < $1").bind(before).execute(pool).await?;
            let b = sqlx::query("DELETE FROM flow_talkers WHERE minute < $1").bind(before).execute(pool).await?;
            Ok::<u64, StoreError>(a.rows_affected() + b.rows_affected())
        })
    }
}
