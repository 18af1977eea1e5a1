//! `serve --role api|ingest|worker|all` and the `[scale]` section: the processes of a
//! scaled-out deployment on one PostgreSQL database and one NATS JetStream stream.

use anyhow::{bail, Context, Result};
use canhgac_bus::{Bus, BusConfig, Publisher};
use canhgac_server::{OutletHandle, ProcessRole, ServerConfig};
use canhgac_store::Store;
use serde::Deserialize;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// `[scale]`: the event stream (needed by every role but `all`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ScaleSection {
    /// NATS servers, e.g. "nats://10.0.0.5:4222,nats://10.0.0.6:4222,nats://10.0.0.7:4222".
    nats_url: Option<String>,
    /// The JetStream stream (default CANHGAC_EVENTS).
    stream: Option<String>,
    /// The subjects' prefix (default canhgac.events).
    subject: Option<String>,
    /// Partitions: the most workers that can share the work (default 16, at most 1024). Fixed
    /// once events have flowed: changing it moves organisations between partitions.
    partitions: Option<u32>,
    /// How long the stream keeps a message, in hours (default 168).
    max_age_hours: Option<u64>,
    /// The stream's size limit in GiB (default 8; JetStream reserves it on disk); when full, senders are refused, never
    /// unread messages dropped.
    max_gib: Option<f64>,
    /// Copies of the stream (1 on one NATS server, 3 in a three-node JetStream cluster).
    replicas: Option<usize>,
    /// How soon a partition of a dead worker is taken over, in seconds (default 15).
    lease_seconds: Option<i64>,
}

impl ScaleSection {
    /// The stream's settings; `url` from the command line or the environment wins.
    pub fn config(&self, url: Option<String>) -> Option<BusConfig> {
        let url = url.or(self.nats_url.clone())?;
        let mut c = BusConfig {
            url,
            ..BusConfig::default()
        };
        if let Some(s) = &self.stream {
            c.stream = s.clone();
        }
        if let Some(s) = &self.subject {
            c.subject = s.clone();
        }
        if let Some(p) = self.partitions {
            c.partitions = p;
        }
        if let Some(h) = self.max_age_hours {
            c.max_age = Duration::from_secs(h.clamp(1, 24 * 365) * 3600);
        }
        if let Some(g) = self.max_gib {
            c.max_bytes = (g.max(0.01) * (1u64 << 30) as f64) as i64;
        }
        if let Some(r) = self.replicas {
            c.replicas = r.clamp(1, 5);
        }
        if let Some(s) = self.lease_seconds {
            c.lease_ms = s.clamp(3, 600) * 1000;
        }
        Some(c)
    }
}

/// What a role needs besides the server: the stream's publisher (api, ingest) or the worker's
/// reader.
pub enum Extra {
    /// Nothing (`all`).
    None,
    /// A worker reading the stream.
    Worker(Box<Bus>),
}

/// Checks the role against the store and the stream, and wires the stream in.
pub async fn prepare(
    role: ProcessRole,
    store: &Store,
    bus: Option<BusConfig>,
    cfg: &mut ServerConfig,
) -> Result<Extra> {
    cfg.role = role;
    if role == ProcessRole::All {
        return Ok(Extra::None);
    }
    if store.backend() != "postgres" {
        bail!(
            "--role {} needs PostgreSQL (--database postgres://…): the embedded store serves one process (vai trò này cần PostgreSQL)",
            role.as_str()
        );
    }
    let Some(bus) = bus else {
        bail!(
            "--role {} needs the event stream: --nats nats://host:4222 or [scale] nats_url (vai trò này cần NATS JetStream)",
            role.as_str()
        );
    };
    let name = format!("canhgac-{}-{}", role.as_str(), std::process::id());
    let bus = Bus::connect(bus, &name).await.context("the event stream")?;
    match role {
        ProcessRole::Api | ProcessRole::Ingest => {
            let p = Publisher::new(bus, store.clone())
                .await
                .context("cannot read the registry to partition the stream")?;
            cfg.outlet = Some(OutletHandle(p));
            Ok(Extra::None)
        }
        ProcessRole::Worker => Ok(Extra::Worker(Box::new(bus))),
        ProcessRole::All => Ok(Extra::None),
    }
}

/// Starts what the role runs beside the server; returns what stops it.
pub fn start(extra: Extra, state: &canhgac_server::AppState) -> Option<Stopper> {
    match extra {
        Extra::None => None,
        Extra::Worker(bus) => {
            let stop = Arc::new(AtomicBool::new(false));
            let task = tokio::spawn(canhgac_bus::run_worker(
                *bus,
                state.store.clone(),
                state.monitor.clone(),
                state.instance.clone(),
                stop.clone(),
            ));
            Some(Stopper { stop, task })
        }
    }
}

/// Stops a worker: it finishes the batch in hand and gives its partitions up.
pub struct Stopper {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Arc<canhgac_bus::WorkerStats>>,
}

impl Stopper {
    /// Stops and waits (at most ten seconds).
    pub async fn stop(self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}
