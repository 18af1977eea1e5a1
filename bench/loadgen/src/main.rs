//! The load benchmark's generator (`bench/load.sh`): a province whose data has piled up.
//!
//! It seeds the demo province into a store (embedded folder or PostgreSQL) with its six hours of
//! log traffic through the real pipeline and the Sigma rules, then multiplies the demo's own
//! hosts, alerts and events in SQL until the store holds the sizes asked for
//! (by default 100,000 hosts, 1,000,000 alerts and 10,000,000 events). Every generated row is a
//! copy of a real demo row of the same table — a Sigma alert keeps its rule, payload and
//! severity, an event its message and normalised fields — moved onto a generated host of the
//! same organisation and spread over time: events over the last 30 days, alerts over the last
//! 90, the newest few hundred left open and the rest resolved, as on a province's duty desk.
//!
//! It ends by printing, as shell assignments, a session cookie and an API token for the DIC's
//! administrator and for an agency's staff, and one host, alert and event id each can see:
//! what the load script hands to `wrk`.

use anyhow::{bail, Context, Result};
use canhgac_server::auth;
use canhgac_store::Store;
use clap::Parser;
use sqlx::{Connection, PgConnection, SqliteConnection};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

#[derive(Parser)]
#[command(about = "Fills a store with piled-up province data for the load benchmark")]
struct Args {
    /// Embedded store folder.
    #[arg(long, conflicts_with = "database")]
    data: Option<String>,
    /// PostgreSQL URL.
    #[arg(long)]
    database: Option<String>,
    /// Registered hosts to reach.
    #[arg(long, default_value_t = 100_000)]
    hosts: i64,
    /// Alerts (signals) to reach.
    #[arg(long, default_value_t = 1_000_000)]
    alerts: i64,
    /// Stored events to reach.
    #[arg(long, default_value_t = 10_000_000)]
    events: i64,
    /// Password of the demo accounts.
    #[arg(long, default_value = "Demo-Pass-2026!")]
    password: String,
}

const DAY_MS: i64 = 86_400_000;
/// Rows per INSERT … SELECT, so progress shows and no statement holds the lock for minutes.
const CHUNK: i64 = 500_000;
/// The newest alerts left open (new); older ones are resolved.
const OPEN_ALERTS: i64 = 400;

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let store = match (&args.database, &args.data) {
        (Some(url), _) => Store::open_postgres(url)
            .await
            .context("cannot open PostgreSQL")?,
        (None, Some(dir)) => Store::open_sqlite(std::path::Path::new(dir))
            .await
            .with_context(|| format!("cannot open the data folder {dir}"))?,
        (None, None) => bail!("say where: --data DIR or --database postgres://…"),
    };
    let hash = auth::hash_password(&args.password).map_err(anyhow::Error::msg)?;
    let seeded = canhgac_demo::seed(&store, &hash).await?;
    eprintln!(
        "demo province {} on {}",
        if seeded.fresh {
            "seeded"
        } else {
            "already there"
        },
        store.backend()
    );
    if seeded.fresh {
        // The demo's six hours of log traffic through the real pipeline and the Sigma rules:
        // the events and alerts the generated ones copy.
        let state =
            canhgac_server::AppState::new(store.clone(), canhgac_server::ServerConfig::default());
        canhgac_demo::monitoring::load_rules(&store, &state.monitor).await?;
        let n = canhgac_demo::monitoring::backfill(&store, &state.monitor, 6).await?;
        eprintln!("{n} demo events through the Sigma rules");
    }
    // One connection of its own for the bulk statements: each sees the tables the one before
    // made (a pool's other connection may hold an older view of the schema).
    let conn = match (&args.database, &args.data) {
        (Some(url), _) => Conn::Pg(PgConnection::connect(url).await?),
        (_, Some(dir)) => {
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(std::path::Path::new(dir).join("canhgac.db"))
                .busy_timeout(Duration::from_secs(60));
            Conn::Sqlite(SqliteConnection::connect_with(&opts).await?)
        }
        _ => unreachable!(),
    };
    let g = Gen {
        store: &store,
        conn: Mutex::new(conn),
        pg: store.backend() == "postgres",
        now: SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64,
    };
    g.hosts(args.hosts).await?;
    g.alerts(args.alerts).await?;
    g.events(args.events).await?;
    g.exec("DROP TABLE IF EXISTS lg_hosts").await?;
    g.exec("DROP TABLE IF EXISTS lg_tpl").await?;
    // PostgreSQL: the generator's updates left dead row versions (a million in `signals`),
    // which its autovacuum would clear within minutes of such a load; cleared here so that the
    // figures are of the data, not of a vacuum not run yet.
    let t = Instant::now();
    let analyze = if g.pg { "VACUUM ANALYZE" } else { "ANALYZE" };
    g.exec(analyze).await?;
    eprintln!("{analyze} in {:.1} s", t.elapsed().as_secs_f64());
    for (role, email) in [
        ("DIC", "admin@stttt.laichau.gov.vn"),
        ("ORG", "cntt@tamduong.laichau.gov.vn"),
    ] {
        g.credentials(role, email).await?;
    }
    Ok(())
}

enum Conn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

struct Gen<'a> {
    store: &'a Store,
    conn: Mutex<Conn>,
    pg: bool,
    now: i64,
}

impl Gen<'_> {
    async fn exec(&self, sql: &str) -> Result<u64> {
        let mut c = self.conn.lock().await;
        let q = sqlx::query(sql).persistent(false);
        let n = match &mut *c {
            Conn::Sqlite(c) => q.execute(c).await.map(|r| r.rows_affected()),
            Conn::Pg(c) => sqlx::query(sql)
                .persistent(false)
                .execute(c)
                .await
                .map(|r| r.rows_affected()),
        };
        n.with_context(|| format!("generator statement failed: {sql}"))
    }

    async fn scalar(&self, sql: &str) -> Result<i64> {
        let mut c = self.conn.lock().await;
        let v: std::result::Result<Option<i64>, sqlx::Error> = match &mut *c {
            Conn::Sqlite(c) => sqlx::query_scalar(sql).persistent(false).fetch_one(c).await,
            Conn::Pg(c) => sqlx::query_scalar(sql).persistent(false).fetch_one(c).await,
        };
        Ok(v.with_context(|| format!("generator query failed: {sql}"))?
            .unwrap_or(0))
    }

    /// `(prefix, from)`: the numbers `lo..hi` as a row source named `nums(i)`.
    fn nums(&self, lo: i64, hi: i64) -> (String, String) {
        if self.pg {
            (
                String::new(),
                format!(
                    "generate_series({lo}::bigint, {}::bigint) AS nums(i)",
                    hi - 1
                ),
            )
        } else {
            (
                format!(
                    "WITH RECURSIVE nums(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM nums WHERE i < {}) ",
                    hi - 1
                ),
                "nums".to_string(),
            )
        }
    }

    fn pad(&self, expr: &str) -> String {
        if self.pg {
            format!("lpad(({expr})::text, 6, '0')")
        } else {
            format!("printf('%06d', {expr})")
        }
    }

    /// A numbered copy of the hosts (`lg_hosts`: k, id, org_id, hostname) to spread rows over.
    async fn host_index(&self) -> Result<i64> {
        self.exec("DROP TABLE IF EXISTS lg_hosts").await?;
        self.exec(
            "CREATE TABLE lg_hosts AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS k, id, org_id, hostname, kind, os FROM hosts",
        )
        .await?;
        self.exec("CREATE UNIQUE INDEX lg_hosts_k ON lg_hosts(k)")
            .await?;
        self.scalar("SELECT COUNT(*) FROM lg_hosts").await
    }

    /// A numbered copy of a table's rows (`lg_tpl`), the templates of the generated rows.
    async fn templates(&self, table: &str, cols: &str, filter: &str) -> Result<i64> {
        self.exec("DROP TABLE IF EXISTS lg_tpl").await?;
        self.exec(&format!(
            "CREATE TABLE lg_tpl AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS k, {cols} FROM {table} WHERE {filter}"
        ))
        .await?;
        self.exec("CREATE UNIQUE INDEX lg_tpl_k ON lg_tpl(k)")
            .await?;
        let n = self.scalar("SELECT COUNT(*) FROM lg_tpl").await?;
        if n == 0 {
            bail!("the demo province has no {table} to copy");
        }
        Ok(n)
    }

    /// Runs `insert(lo, hi)` over `0..count` in chunks, reporting progress.
    async fn chunked(
        &self,
        what: &str,
        count: i64,
        insert: impl Fn(i64, i64) -> String,
    ) -> Result<()> {
        let t = Instant::now();
        let mut lo = 0;
        while lo < count {
            let hi = (lo + CHUNK).min(count);
            self.exec(&insert(lo, hi)).await?;
            lo = hi;
            eprint!(
                "\r{what}: {lo}/{count} in {:.0} s ",
                t.elapsed().as_secs_f64()
            );
        }
        if count > 0 {
            eprintln!();
        }
        Ok(())
    }

    async fn hosts(&self, target: i64) -> Result<()> {
        let have = self.scalar("SELECT COUNT(*) FROM hosts").await?;
        let need = target - have;
        if need <= 0 {
            return Ok(());
        }
        let nh = self.host_index().await?;
        let now = self.now;
        self.chunked("hosts", need, |lo, hi| {
            let (with, from) = self.nums(lo, hi);
            // Addresses in 100.64.0.0/10, which no demo host uses.
            format!(
                "{with}INSERT INTO hosts (org_id, hostname, kind, os, ips, created_at, updated_at, approved) \
                 SELECT t.org_id, t.hostname || '-' || {pad}, t.kind, t.os, \
                        '100.' || (64 + (i / 65536) % 64) || '.' || ((i / 256) % 256) || '.' || (i % 256), {now}, {now}, 1 \
                 FROM {from} JOIN lg_hosts t ON t.k = i % {nh}",
                pad = self.pad("i"),
            )
        })
        .await
    }

    async fn alerts(&self, target: i64) -> Result<()> {
        let have = self.scalar("SELECT COUNT(*) FROM signals").await?;
        let need = target - have;
        if need <= 0 {
            return Ok(());
        }
        let nt = self
            .templates(
                "signals",
                "kind, source, title, severity, host_id, dedup_key, payload, src_ip",
                "1=1",
            )
            .await?;
        let nh = self.host_index().await?;
        let first = self
            .scalar("SELECT COALESCE(MAX(id), 0) FROM signals")
            .await?;
        let (now, span) = (self.now, 90 * DAY_MS);
        self.chunked("alerts", need, |lo, hi| {
            let (with, from) = self.nums(lo, hi);
            // Alert i was first seen (need − i) steps before now: the newest are open.
            let seen = format!("({now} - 600000 - ({need} - i) * {span} / {need})");
            format!(
                "{with}INSERT INTO signals (kind, source, title, severity, org_id, host_id, state, dedup_key, count, \
                                      first_seen, last_seen, payload, host_name, src_ip) \
                 SELECT t.kind, t.source, t.title, t.severity, h.org_id, \
                        CASE WHEN t.host_id IS NULL THEN NULL ELSE h.id END, \
                        CASE WHEN i >= {need} - {OPEN_ALERTS} THEN 'new' ELSE 'resolved' END, \
                        t.dedup_key || '#lg' || i, 1 + i % 17, {seen}, {seen} + (i % 60) * 60000, t.payload, \
                        CASE WHEN t.host_id IS NULL THEN NULL ELSE h.hostname END, t.src_ip \
                 FROM {from} JOIN lg_tpl t ON t.k = i % {nt} JOIN lg_hosts h ON h.k = (i * 7919) % {nh}"
            )
        })
        .await?;
        // Each generated alert is its own triage group, as one raised far from any other is.
        self.exec(&format!(
            "UPDATE signals SET group_id = id WHERE id > {first} AND group_id IS NULL"
        ))
        .await?;
        Ok(())
    }

    async fn events(&self, target: i64) -> Result<()> {
        let have = self.scalar("SELECT COUNT(*) FROM events").await?;
        let need = target - have;
        if need <= 0 {
            return Ok(());
        }
        let nt = self
            .templates(
                "events",
                "transport, product, category, service, message, fields, malformed, size, source_ip",
                "1=1",
            )
            .await?;
        let nh = self.host_index().await?;
        let first = self
            .scalar("SELECT COALESCE(MAX(id), 0) FROM events")
            .await?;
        let (now, span) = (self.now, 30 * DAY_MS);
        self.chunked("events", need, |lo, hi| {
            let (with, from) = self.nums(lo, hi);
            // In time order, so the time indexes grow at their ends as when events arrive.
            let at = format!("({now} - 60000 - ({need} - i) * {span} / {need})");
            format!(
                "{with}INSERT INTO events (received_at, at, org_id, host_id, host_name, source_ip, transport, product, \
                                     category, service, message, fields, malformed, size) \
                 SELECT {at} + 800, {at}, h.org_id, h.id, h.hostname, t.source_ip, t.transport, t.product, \
                        t.category, t.service, t.message, t.fields, t.malformed, t.size \
                 FROM {from} JOIN lg_tpl t ON t.k = i % {nt} JOIN lg_hosts h ON h.k = (i * 104729) % {nh}"
            )
        })
        .await?;
        // The running totals of the events, as the store keeps them while events arrive.
        self.exec("DELETE FROM event_totals").await?;
        self.exec("INSERT INTO event_totals (slot, events, bytes) SELECT 0, COUNT(*), COALESCE(SUM(size), 0) FROM events")
            .await?;
        // When each host last sent, as the store keeps it while events arrive.
        let t = Instant::now();
        self.exec(&format!(
            "INSERT INTO host_activity (host_id, last_event_id, last_received) \
             SELECT host_id, MAX(id), MAX(received_at) FROM events WHERE id > {first} AND host_id IS NOT NULL GROUP BY host_id \
             ON CONFLICT (host_id) DO UPDATE SET last_event_id = excluded.last_event_id, last_received = excluded.last_received"
        ))
        .await?;
        eprintln!("host activity in {:.1} s", t.elapsed().as_secs_f64());
        Ok(())
    }

    /// Prints a session cookie, an API token, and ids in the user's scope, as shell assignments.
    async fn credentials(&self, role: &str, email: &str) -> Result<()> {
        let user = self
            .store
            .user_by_email(email)
            .await?
            .with_context(|| format!("the demo has no user {email}"))?;
        let ttl = (7 * Duration::from_secs(86_400)).as_millis() as i64;
        let session = auth::random_token();
        self.store
            .create_session(
                &auth::token_hash(&session),
                user.id,
                &auth::random_token(),
                ttl,
            )
            .await?;
        let token = auth::random_token();
        self.store
            .create_api_token(&auth::token_hash(&token), user.id, "load benchmark", ttl)
            .await?;
        // The user's organisation and those under it (the DIC sees every one).
        let cut = match user.org_id {
            Some(org) if role != "DIC" => format!(
                " AND org_id IN (SELECT id FROM orgs WHERE id = {org} OR parent_id = {org})"
            ),
            _ => String::new(),
        };
        let host = self
            .scalar(&format!("SELECT MAX(host_id) FROM events WHERE 1=1{cut}"))
            .await?;
        let alert = self
            .scalar(&format!(
                "SELECT MAX(id) FROM signals WHERE kind = 'sigma_alert' AND state = 'resolved'{cut}"
            ))
            .await?;
        let event = self
            .scalar(&format!("SELECT MAX(id) FROM events WHERE 1=1{cut}"))
            .await?;
        // A signal of another kind than a Sigma alert (those have their page under /alerts).
        let signal = self
            .scalar(&format!(
                "SELECT MAX(id) FROM signals WHERE kind <> 'sigma_alert'{cut}"
            ))
            .await?;
        println!("{role}_COOKIE={}={session}", auth::SESSION_COOKIE);
        println!("{role}_TOKEN={token}");
        println!("{role}_HOST={host}");
        println!("{role}_ALERT={alert}");
        println!("{role}_EVENT={event}");
        println!("{role}_SIGNAL={signal}");
        Ok(())
    }
}
