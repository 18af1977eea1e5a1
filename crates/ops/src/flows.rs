//! Flow telemetry (M16) without HTTP: the collector (a UDP socket read on its own thread,
//! decoded and run through one detector per operator), what it reports written to the store
//! (attacks with their advice and signals, traffic minutes and talkers, flows to or from listed
//! Botnet addresses, exporter counters), exporters and protected prefixes registered within
//! scope.
//!
//! Only registered exporters are read: a datagram from any other address is counted (and the
//! address shown to the DIC so it can be registered) but never decoded, so nobody can make up
//! an operator's traffic or an agency's attack. The protected prefixes of an operator's
//! detector are the registry's ranges and host addresses (each only for the organisation whose
//! claim wins, as [`crate::directory::Directory`] decides) plus the customer prefixes that
//! operator added.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_flows::advice::{advise, RtbhSettings};
use canhgac_flows::decode::DecodeStats;
use canhgac_flows::detect::{Attack, Event, Minute, Settings, Thresholds};
use canhgac_flows::{Decoder, Detector, FlowRecord};
use canhgac_intel::set::IpSet;
use canhgac_store::{
    Actor, AttackWrite, ExporterDelta, MinuteWrite, NewSignal, SightingWrite, Store, StoreError,
    TalkerWrite,
};
use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::json;

/// The source named on the signals the collector raises.
pub const FLOW_SOURCE: &str = "NetFlow/IPFIX/sFlow";

/// The collector's settings (`[flows]` in the configuration file).
#[derive(Debug, Clone)]
pub struct FlowsConfig {
    /// UDP address NetFlow/IPFIX/sFlow is received on (`None`: no collector).
    pub listen: Option<SocketAddr>,
    /// Days of per-minute traffic and talkers kept.
    pub retention_days: i64,
    /// Black-hole next hop and community for the advice.
    pub rtbh: RtbhSettings,
    /// Thresholds of the registry's prefixes (customer prefixes carry their own).
    pub defaults: Thresholds,
    pub settings: Settings,
    /// Socket receive buffer asked of the kernel (bytes).
    pub recv_buffer: usize,
    /// How often the registry, exporters, prefixes and Botnet lists are read again.
    pub refresh: Duration,
}

impl Default for FlowsConfig {
    fn default() -> Self {
        FlowsConfig {
            listen: None,
            retention_days: 30,
            rtbh: RtbhSettings::default(),
            defaults: Thresholds::default(),
            settings: Settings::default(),
            recv_buffer: 32 << 20,
            refresh: Duration::from_secs(30),
        }
    }
}

/// A registered exporter as the collector knows it.
#[derive(Debug, Clone, Copy)]
pub struct ExporterInfo {
    pub id: i64,
    /// The operator.
    pub org_id: i64,
    /// Sampling rate applied to flows the exporter did not mark as sampled (0 or 1: none).
    pub sampling: u32,
}

/// What the collector works from, read from the store.
#[derive(Default)]
pub struct Plan {
    pub exporters: FxHashMap<IpAddr, ExporterInfo>,
    /// Per operator: protected prefixes (prefix, owner, thresholds).
    pub prefixes: HashMap<i64, Vec<(ipnet::IpNet, i64, Thresholds)>>,
    /// Every entry of the newest Botnet and C2 lists.
    pub botnet: IpSet,
    /// Changes whenever the plan is read again.
    pub version: u64,
    /// Offline use (`canhgac flows collect`): every sender is read as this exporter.
    pub any_exporter: Option<ExporterInfo>,
}

/// Reads the plan: exporters, each operator's protected prefixes, the Botnet lists.
pub async fn load_plan(store: &Store, cfg: &FlowsConfig) -> Result<Plan, StoreError> {
    let mut plan = Plan::default();
    let exporters = store.flow_exporters(&Scope::All).await?;
    for e in &exporters {
        if let Ok(ip) = e.address.parse::<IpAddr>() {
            plan.exporters.insert(
                ip,
                ExporterInfo {
                    id: e.id,
                    org_id: e.org_id,
                    sampling: u32::try_from(e.sampling).unwrap_or(0),
                },
            );
        }
    }
    // The registry's claims, each only where its organisation's claim wins.
    let dir = crate::directory::Directory::load(store).await?;
    let mut registry: Vec<(ipnet::IpNet, i64, Thresholds)> = Vec::new();
    let mut claims = store.address_claims().await?;
    claims.sort_by_key(|c| std::cmp::Reverse(c.claim.rank()));
    for c in claims {
        if dir.owner_of(c.net.network()).map(|(_, o)| o) == Some(c.claim.org_id) {
            registry.push((c.net.trunc(), c.claim.org_id, cfg.defaults));
        }
    }
    let customer = store.flow_prefixes(&Scope::All).await?;
    let operators: std::collections::BTreeSet<i64> =
        plan.exporters.values().map(|e| e.org_id).collect();
    for op in operators {
        // The operator's own customer prefixes first: their thresholds win on the same prefix.
        let mut list: Vec<(ipnet::IpNet, i64, Thresholds)> = customer
            .iter()
            .filter(|p| p.org_id == op)
            .filter_map(|p| {
                let net = p.prefix.parse::<ipnet::IpNet>().ok()?;
                let t = Thresholds {
                    pps: u64::try_from(p.pps).unwrap_or(u64::MAX),
                    mbps: u64::try_from(p.mbps).unwrap_or(u64::MAX),
                    fps: u64::try_from(p.fps).unwrap_or(u64::MAX),
                };
                Some((net, p.customer_org_id.unwrap_or(op), t))
            })
            .collect();
        list.extend(registry.iter().copied());
        plan.prefixes.insert(op, list);
    }
    plan.botnet = crate::botnet::set_of_lists(store, &[]).await?;
    plan.version = now_ms().unsigned_abs();
    Ok(plan)
}

/// Flows between a protected address and a listed one, summed over a few seconds.
#[derive(Debug, Clone, Serialize)]
pub struct Sighting {
    pub operator: i64,
    pub org: i64,
    pub local: IpAddr,
    pub remote: IpAddr,
    pub entry: String,
    pub outbound: bool,
    pub proto: u8,
    pub port: u16,
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
    pub first_ms: i64,
    pub last_ms: i64,
}

/// What the collector thread reports.
#[derive(Debug, Clone)]
pub enum Output {
    Attack { operator: i64, event: Event },
    Minute { operator: i64, minute: Minute },
    Sightings(Vec<Sighting>),
    Exporters(Vec<ExporterDelta>),
}

/// Counters over the collector's life, for `/metrics` and the exporters page.
#[derive(Debug, Default)]
pub struct Counters {
    pub datagrams: AtomicU64,
    pub flows: AtomicU64,
    /// Datagrams from addresses not registered as exporters (not decoded).
    pub unregistered: AtomicU64,
    /// Outputs dropped because the writer fell behind.
    pub dropped_outputs: AtomicU64,
    pub attacks: AtomicU64,
}

/// State shared between the collector thread and the rest of the server.
#[derive(Default)]
pub struct Shared {
    pub plan: RwLock<Arc<Plan>>,
    pub counters: Counters,
    pub stop: AtomicBool,
    /// Unregistered senders seen: address → (datagrams, last seen).
    pub unknown: Mutex<BTreeMap<IpAddr, (u64, i64)>>,
}

impl Shared {
    pub fn new(plan: Plan) -> Arc<Shared> {
        Arc::new(Shared {
            plan: RwLock::new(Arc::new(plan)),
            ..Default::default()
        })
    }

    pub fn plan(&self) -> Arc<Plan> {
        match self.plan.read() {
            Ok(p) => p.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn set_plan(&self, plan: Plan) {
        match self.plan.write() {
            Ok(mut p) => *p = Arc::new(plan),
            Err(p) => *p.into_inner() = Arc::new(plan),
        }
    }

    /// Unregistered senders, the busiest first (at most 20).
    pub fn unknown_senders(&self) -> Vec<(IpAddr, u64, i64)> {
        let m = match self.unknown.lock() {
            Ok(m) => m,
            Err(m) => m.into_inner(),
        };
        let mut v: Vec<(IpAddr, u64, i64)> = m.iter().map(|(ip, (n, at))| (*ip, *n, *at)).collect();
        v.sort_by_key(|e| std::cmp::Reverse(e.1));
        v.truncate(20);
        v
    }
}

/// Most unregistered senders remembered.
const MAX_UNKNOWN: usize = 256;

/// The collector's processing, apart from the socket: what a datagram does. Used by the
/// listening thread and by tests and benchmarks that hand datagrams in directly.
pub struct Engine {
    shared: Arc<Shared>,
    plan: Arc<Plan>,
    settings: Settings,
    decoder: Decoder,
    detectors: FxHashMap<i64, Detector>,
    buf: Vec<FlowRecord>,
    /// Per exporter: counters already reported.
    reported: FxHashMap<IpAddr, DecodeStats>,
    sightings: FxHashMap<(i64, i64, IpAddr, IpAddr), Sighting>,
    last_tick: i64,
    last_flush: i64,
}

impl Engine {
    pub fn new(shared: Arc<Shared>, settings: Settings) -> Engine {
        let plan = shared.plan();
        Engine {
            shared,
            plan,
            settings,
            decoder: Decoder::new(),
            detectors: FxHashMap::default(),
            buf: Vec::with_capacity(4096),
            reported: FxHashMap::default(),
            sightings: FxHashMap::default(),
            last_tick: 0,
            last_flush: 0,
        }
    }

    fn refresh_plan(&mut self) {
        let plan = self.shared.plan();
        if plan.version != self.plan.version {
            for (op, det) in self.detectors.iter_mut() {
                det.set_prefixes(plan.prefixes.get(op).cloned().unwrap_or_default());
            }
            self.plan = plan;
        }
    }

    /// One datagram from `peer`, received at `now`.
    pub fn datagram(&mut self, peer: IpAddr, data: &[u8], now: i64) {
        let c = &self.shared.counters;
        c.datagrams.fetch_add(1, Ordering::Relaxed);
        let Some(exp) = self
            .plan
            .exporters
            .get(&peer)
            .copied()
            .or(self.plan.any_exporter)
        else {
            c.unregistered.fetch_add(1, Ordering::Relaxed);
            let mut m = match self.shared.unknown.lock() {
                Ok(m) => m,
                Err(m) => m.into_inner(),
            };
            if m.len() < MAX_UNKNOWN || m.contains_key(&peer) {
                let e = m.entry(peer).or_default();
                e.0 += 1;
                e.1 = now;
            }
            return;
        };
        self.buf.clear();
        let Ok(n) = self.decoder.decode(peer, data, now, &mut self.buf) else {
            return;
        };
        if n == 0 {
            return;
        }
        c.flows.fetch_add(n as u64, Ordering::Relaxed);
        let plan = &self.plan;
        let settings = self.settings;
        let det = self.detectors.entry(exp.org_id).or_insert_with(|| {
            Detector::new(
                plan.prefixes.get(&exp.org_id).cloned().unwrap_or_default(),
                settings,
            )
        });
        let scale = u64::from(exp.sampling.max(1));
        for r in self.buf.iter_mut() {
            if scale > 1 && r.sampling <= 1 {
                r.packets *= scale;
                r.bytes *= scale;
                r.sampling = exp.sampling;
            }
            let (src_owner, dst_owner) = det.observe(r, now);
            if plan.botnet.is_empty() {
                continue;
            }
            let (org, local, remote, outbound, port) = match (src_owner, dst_owner) {
                (Some(o), None) => (o, r.src, r.dst, true, r.dst_port),
                (None, Some(o)) => (o, r.dst, r.src, false, r.src_port),
                _ => continue,
            };
            let Some(entry) = plan.botnet.lookup(remote) else {
                continue;
            };
            let s = self
                .sightings
                .entry((exp.org_id, org, local, remote))
                .or_insert_with(|| Sighting {
                    operator: exp.org_id,
                    org,
                    local,
                    remote,
                    entry: canhgac_intel::display_net(&entry),
                    outbound,
                    proto: r.proto,
                    port,
                    flows: 0,
                    packets: 0,
                    bytes: 0,
                    first_ms: now,
                    last_ms: now,
                });
            s.flows += 1;
            s.packets += r.packets;
            s.bytes += r.bytes;
            s.last_ms = now;
        }
    }

    /// Closes seconds and minutes up to `now` and hands over what they produced; exporter
    /// counters and sightings every five seconds.
    pub fn tick(&mut self, now: i64, out: &mut dyn FnMut(Output)) {
        if now - self.last_tick < 1000 {
            return;
        }
        self.last_tick = now;
        self.refresh_plan();
        for (op, det) in self.detectors.iter_mut() {
            det.tick(now);
            hand_over(*op, det, &self.shared.counters, out);
        }
        if now - self.last_flush >= 5000 {
            self.last_flush = now;
            self.flush(out);
        }
    }

    /// Hands over exporter counters and sightings now.
    pub fn flush(&mut self, out: &mut dyn FnMut(Output)) {
        let mut deltas = Vec::new();
        for (ip, st) in self.decoder.exporters() {
            let Some(exp) = self
                .plan
                .exporters
                .get(ip)
                .or(self.plan.any_exporter.as_ref())
            else {
                continue;
            };
            let before = self.reported.entry(*ip).or_default();
            let s = &st.stats;
            if s.datagrams == before.datagrams && s.malformed == before.malformed {
                continue;
            }
            let d = |a: u64, b: u64| i64::try_from(a.saturating_sub(b)).unwrap_or(i64::MAX);
            deltas.push(ExporterDelta {
                id: exp.id,
                format: st.format.map(|f| f.label().to_string()).unwrap_or_default(),
                last_seen: now_ms(),
                datagrams: d(s.datagrams, before.datagrams),
                flows: d(s.flows, before.flows),
                malformed: d(s.malformed, before.malformed),
                no_template: d(s.no_template, before.no_template),
                templates: d(s.templates, before.templates),
                unknown_fields: d(s.unknown_fields, before.unknown_fields),
                lost: d(s.lost, before.lost),
                options: d(s.options, before.options),
                skipped: d(s.skipped, before.skipped),
            });
            *before = *s;
        }
        if !deltas.is_empty() {
            out(Output::Exporters(deltas));
        }
        if !self.sightings.is_empty() {
            out(Output::Sightings(
                self.sightings.drain().map(|(_, s)| s).collect(),
            ));
        }
    }

    /// Ends what the detectors hold (attacks end, the minute is reported) and hands it over
    /// with the counters: what the collector does when it stops.
    pub fn finish(&mut self, out: &mut dyn FnMut(Output)) {
        for (op, det) in self.detectors.iter_mut() {
            det.finish();
            hand_over(*op, det, &self.shared.counters, out);
        }
        self.flush(out);
    }

    /// Attacks under way, per operator.
    pub fn active(&self) -> Vec<(i64, Attack)> {
        self.detectors
            .iter()
            .flat_map(|(op, d)| d.active().into_iter().map(move |a| (*op, a)))
            .collect()
    }

    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }
}

/// Hands over what a detector reported (attacks counted as they start, then the minutes).
fn hand_over(operator: i64, det: &mut Detector, counters: &Counters, out: &mut dyn FnMut(Output)) {
    for event in det.drain_events() {
        if matches!(event, Event::Started(_)) {
            counters.attacks.fetch_add(1, Ordering::Relaxed);
        }
        out(Output::Attack { operator, event });
    }
    for minute in det.drain_minutes() {
        out(Output::Minute { operator, minute });
    }
}

/// Binds the collector's socket with a large receive buffer.
pub fn bind(addr: SocketAddr, recv_buffer: usize) -> std::io::Result<UdpSocket> {
    let domain = if addr.is_ipv4() {
        socket2::Domain::IPV4
    } else {
        socket2::Domain::IPV6
    };
    let s = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    // The kernel caps this at net.core.rmem_max; whatever it grants is used.
    let _ = s.set_recv_buffer_size(recv_buffer);
    s.bind(&addr.into())?;
    let s: UdpSocket = s.into();
    s.set_read_timeout(Some(Duration::from_millis(200)))?;
    Ok(s)
}

/// The collector loop: reads datagrams until [`Shared::stop`], ticking every second.
pub fn run(socket: UdpSocket, mut engine: Engine, mut out: impl FnMut(Output)) {
    let mut buf = vec![0u8; 65_536];
    loop {
        if engine.shared.stop.load(Ordering::Relaxed) {
            break;
        }
        match socket.recv_from(&mut buf) {
            Ok((n, peer)) => {
                let now = now_ms();
                // An IPv4 router reaching a dual-stack socket is still its IPv4 address.
                engine.datagram(peer.ip().to_canonical(), &buf[..n], now);
                engine.tick(now, &mut out);
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                engine.tick(now_ms(), &mut out);
            }
            Err(e) => {
                tracing::warn!(error = %e, "flow collector: receive failed");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    engine.finish(&mut out);
}

/// A running collector.
pub struct Collector {
    pub shared: Arc<Shared>,
    pub local_addr: SocketAddr,
}

impl Collector {
    /// Stops the socket thread and the refresh (within a fifth of a second).
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts the collector (when `cfg.listen` is set): the socket thread, the writer that stores
/// what it reports, the plan refresh and the retention. Attacks left open by an earlier run are
/// ended first (their detector state is gone).
pub async fn start(store: Store, cfg: FlowsConfig) -> std::io::Result<Option<Collector>> {
    let Some(addr) = cfg.listen else {
        return Ok(None);
    };
    let socket = bind(addr, cfg.recv_buffer)?;
    let local_addr = socket.local_addr()?;
    if let Err(e) = store.end_open_flow_attacks(now_ms()).await {
        tracing::warn!(error = %e, "could not end the attacks of the previous run");
    }
    let plan = match load_plan(&store, &cfg).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "flow collector: could not read the registry; starting empty");
            Plan::default()
        }
    };
    let shared = Shared::new(plan);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Output>(10_000);
    let engine = Engine::new(shared.clone(), cfg.settings);
    let thread_shared = shared.clone();
    std::thread::Builder::new()
        .name("flow-collector".into())
        .spawn(move || {
            run(socket, engine, |o| {
                if tx.try_send(o).is_err() {
                    thread_shared
                        .counters
                        .dropped_outputs
                        .fetch_add(1, Ordering::Relaxed);
                }
            })
        })?;
    let wstore = store.clone();
    let wcfg = cfg.clone();
    tokio::spawn(async move {
        let mut w = Writer::default();
        while let Some(o) = rx.recv().await {
            if let Err(e) = w.apply(&wstore, &wcfg, o).await {
                tracing::warn!(error = %e, "flow collector: could not store");
            }
        }
    });
    let rshared = shared.clone();
    let rstore = store.clone();
    let rcfg = cfg.clone();
    tokio::spawn(async move {
        let mut last_prune = 0i64;
        loop {
            tokio::time::sleep(rcfg.refresh).await;
            if rshared.stop.load(Ordering::Relaxed) {
                break;
            }
            match load_plan(&rstore, &rcfg).await {
                Ok(p) => rshared.set_plan(p),
                Err(e) => tracing::warn!(error = %e, "flow collector: could not refresh"),
            }
            let now = now_ms();
            if now - last_prune > 3_600_000 {
                last_prune = now;
                let before = now - rcfg.retention_days.max(1) * 86_400_000;
                if let Err(e) = rstore.prune_flows(before).await {
                    tracing::warn!(error = %e, "flow retention failed");
                }
            }
        }
    });
    Ok(Some(Collector { shared, local_addr }))
}

/// Stores what the collector reports.
#[derive(Default)]
pub struct Writer {
    /// (operator, detector's attack number) → stored attack.
    attacks: HashMap<(i64, u64), i64>,
}

/// The attack as stored, with its advice.
pub fn attack_write(operator: i64, a: &Attack, cfg: &FlowsConfig) -> AttackWrite {
    let advice = advise(a, &cfg.rtbh);
    let top: Vec<serde_json::Value> = a
        .top_sources
        .iter()
        .map(|(ip, p, b)| json!([ip.to_string(), p, b]))
        .collect();
    let i = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    AttackWrite {
        operator_org_id: operator,
        org_id: a.owner,
        target: a.target.to_string(),
        prefix: a.prefix.clone(),
        kind: a.kind.as_str().to_string(),
        port: a.port.map(i64::from),
        protocol: i64::from(a.protocol),
        reason: a.reason.to_string(),
        started_at: a.started_ms,
        last_over_at: a.last_over_ms,
        ended_at: a.ended_ms,
        peak_pps: i(a.peak_pps),
        peak_bps: i(a.peak_bps),
        peak_fps: i(a.peak_fps),
        packets: i(a.mix.packets),
        bytes: i(a.mix.bytes),
        flows: i(a.mix.flows),
        sources_seen: i(a.sources_seen),
        top_sources: serde_json::Value::Array(top).to_string(),
        mix: serde_json::to_string(&a.mix).unwrap_or_default(),
        advice: serde_json::to_string(&advice).unwrap_or_default(),
        detected_at: now_ms(),
    }
}

/// Vietnamese name of an attack kind, for titles (pages translate from the wire name).
pub fn kind_vi(kind: &str) -> &'static str {
    match kind {
        "syn_flood" => "Tấn công SYN flood",
        "tcp_reflection" => "Tấn công phản xạ TCP (SYN-ACK)",
        "tcp_flood" => "Tấn công TCP flood",
        "amplification" => "Tấn công khuếch đại",
        "udp_flood" => "Tấn công UDP flood",
        "icmp_flood" => "Tấn công ICMP flood",
        "fragment_flood" => "Tấn công bằng gói phân mảnh",
        _ => "Tấn công hỗn hợp",
    }
}

impl Writer {
    /// Stores one output: an attack (and its signals when it starts), a minute, sightings
    /// (a signal for each new one), exporter counters.
    pub async fn apply(
        &mut self,
        store: &Store,
        cfg: &FlowsConfig,
        o: Output,
    ) -> Result<(), StoreError> {
        match o {
            Output::Attack { operator, event } => {
                let (a, started) = match &event {
                    Event::Started(a) => (a, true),
                    Event::Ongoing(a) | Event::Ended(a) => (a, false),
                };
                let key = (operator, a.seq);
                let w = attack_write(operator, a, cfg);
                match self.attacks.get(&key).copied() {
                    Some(id) => store.update_flow_attack(id, &w).await?,
                    None => {
                        let id = store.insert_flow_attack(&w).await?;
                        self.attacks.insert(key, id);
                        // Raised once, when first stored (a start, or an attack whose start
                        // was lost to a full queue).
                        let _ = started;
                        self.raise(store, operator, a, id).await?;
                    }
                }
                if matches!(event, Event::Ended(_)) {
                    self.attacks.remove(&key);
                }
            }
            Output::Minute { operator, minute } => {
                let owners: Vec<MinuteWrite> = minute
                    .owners
                    .iter()
                    .map(|m| MinuteWrite {
                        org_id: m.owner,
                        in_packets: i64::try_from(m.in_packets).unwrap_or(i64::MAX),
                        in_bytes: i64::try_from(m.in_bytes).unwrap_or(i64::MAX),
                        out_packets: i64::try_from(m.out_packets).unwrap_or(i64::MAX),
                        out_bytes: i64::try_from(m.out_bytes).unwrap_or(i64::MAX),
                        flows: i64::try_from(m.flows).unwrap_or(i64::MAX),
                    })
                    .collect();
                let talkers: Vec<TalkerWrite> = minute
                    .talkers
                    .iter()
                    .map(|t| TalkerWrite {
                        org_id: t.owner,
                        ip: t.ip.to_string(),
                        local: t.local,
                        packets: i64::try_from(t.packets).unwrap_or(i64::MAX),
                        bytes: i64::try_from(t.bytes).unwrap_or(i64::MAX),
                    })
                    .collect();
                store
                    .store_flow_minute(operator, minute.minute_ms, &owners, &talkers)
                    .await?;
            }
            Output::Sightings(list) => {
                let dir = crate::directory::Directory::load(store).await?;
                for s in list {
                    let host = dir
                        .owner_of(s.local)
                        .filter(|(_, o)| *o == s.org)
                        .and_then(|(h, _)| h);
                    let w = SightingWrite {
                        operator_org_id: s.operator,
                        org_id: s.org,
                        host_id: host,
                        local_ip: s.local.to_string(),
                        remote_ip: s.remote.to_string(),
                        entry: s.entry.clone(),
                        outbound: s.outbound,
                        proto: i64::from(s.proto),
                        port: i64::from(s.port),
                        flows: i64::try_from(s.flows).unwrap_or(i64::MAX),
                        packets: i64::try_from(s.packets).unwrap_or(i64::MAX),
                        bytes: i64::try_from(s.bytes).unwrap_or(i64::MAX),
                        first_seen: s.first_ms,
                        last_seen: s.last_ms,
                    };
                    let (id, new) = store.add_flow_sighting(&w).await?;
                    if new {
                        let title = if s.outbound {
                            format!("{} gửi lưu lượng tới địa chỉ Botnet {}", s.local, s.remote)
                        } else {
                            format!("{} nhận lưu lượng từ địa chỉ Botnet {}", s.local, s.remote)
                        };
                        let sig = NewSignal {
                            kind: SignalKind::BotnetFinding,
                            source: FLOW_SOURCE.into(),
                            title,
                            severity: Severity::High,
                            org_id: Some(s.org),
                            host_id: host,
                            dedup_key: format!("flow-botnet:{}:{}:{}", s.org, s.local, s.remote),
                            seen_at: s.first_ms,
                            window_ms: 86_400_000,
                            payload: json!({
                                "flow_sighting": id,
                                "local": s.local.to_string(),
                                "remote": s.remote.to_string(),
                                "entry": s.entry,
                                "outbound": s.outbound,
                                "proto": s.proto,
                                "port": s.port,
                                "packets": s.packets,
                                "bytes": s.bytes,
                                "operator_org_id": s.operator,
                            }),
                            host_name: host.and_then(|h| dir.host_name(h)).map(str::to_string),
                            src_ip: Some(s.remote.to_string()),
                        };
                        let (sid, _) = store.raise_signal(&sig).await?;
                        store.set_flow_sighting_signal(id, sid).await?;
                    }
                }
            }
            Output::Exporters(deltas) => store.add_exporter_counts(&deltas).await?,
        }
        Ok(())
    }

    /// The attack's signals: one for the organisation holding the address, one for the
    /// operator when that is another organisation.
    async fn raise(
        &self,
        store: &Store,
        operator: i64,
        a: &Attack,
        id: i64,
    ) -> Result<(), StoreError> {
        let title = format!("{} vào {}", kind_vi(a.kind.as_str()), a.target);
        let severity = if a.peak_pps >= 100_000 || a.peak_bps >= 1_000_000_000 {
            Severity::Critical
        } else {
            Severity::High
        };
        let mut ids = [None, None];
        let orgs = if a.owner == operator {
            vec![a.owner]
        } else {
            vec![a.owner, operator]
        };
        for (i, org) in orgs.into_iter().enumerate() {
            let sig = NewSignal {
                kind: SignalKind::FlowAttack,
                source: FLOW_SOURCE.into(),
                title: title.clone(),
                severity,
                org_id: Some(org),
                host_id: None,
                dedup_key: format!("flow-attack:{org}:{id}"),
                seen_at: a.started_ms,
                window_ms: 3_600_000,
                payload: json!({
                    "flow_attack": id,
                    "target": a.target.to_string(),
                    "kind": a.kind.as_str(),
                    "port": a.port,
                    "peak_pps": a.peak_pps,
                    "peak_bps": a.peak_bps,
                    "operator_org_id": operator,
                }),
                host_name: None,
                src_ip: a.top_sources.first().map(|(ip, _, _)| ip.to_string()),
            };
            let (sid, _) = store.raise_signal(&sig).await?;
            ids[i] = Some(sid);
        }
        store.set_flow_attack_signals(id, ids[0], ids[1]).await
    }
}

/// Registers an exporter. An operator's staff may register only an address their own
/// organisation holds in the registry; the DIC any address.
pub async fn add_exporter(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    org_id: i64,
    address: &str,
    name: &str,
    sampling: i64,
) -> Result<i64, StoreError> {
    let ip: IpAddr = address.trim().parse().map_err(|_| {
        invalid_field(
            "address",
            "an IPv4 or IPv6 address (the router's export source)",
            "địa chỉ IPv4 hoặc IPv6 (địa chỉ nguồn gửi của thiết bị)",
        )
    })?;
    if !matches!(scope, Scope::All) {
        let dir = crate::directory::Directory::load(store).await?;
        if dir.owner_of(ip).map(|(_, o)| o) != Some(org_id) {
            return Err(invalid_field(
                "address",
                "this address is not registered to your organisation: register it first, or ask the DIC",
                "địa chỉ này chưa được đăng ký cho đơn vị của bạn: đăng ký trong danh mục trước, hoặc đề nghị Sở",
            ));
        }
    }
    store
        .add_flow_exporter(scope, actor, org_id, ip, name, sampling)
        .await
}

/// Protects a customer prefix for an operator.
#[allow(clippy::too_many_arguments)]
pub async fn add_prefix(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    org_id: i64,
    customer_org_id: Option<i64>,
    prefix: &str,
    name: &str,
    thresholds: (i64, i64, i64),
) -> Result<i64, StoreError> {
    let net: ipnet::IpNet = prefix
        .trim()
        .parse()
        .or_else(|_| prefix.trim().parse::<IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            invalid_field(
                "prefix",
                "a prefix such as 203.0.113.0/24",
                "dải địa chỉ, ví dụ 203.0.113.0/24",
            )
        })?;
    let min = if net.addr().is_ipv4() { 8 } else { 32 };
    if net.prefix_len() < min {
        return Err(invalid_field(
            "prefix",
            "too wide a prefix: at most a /8 (IPv4) or /32 (IPv6)",
            "dải quá rộng: tối đa /8 (IPv4) hoặc /32 (IPv6)",
        ));
    }
    store
        .add_flow_prefix(scope, actor, org_id, customer_org_id, net, name, thresholds)
        .await
}

fn invalid_field(field: &str, en: &str, vi: &str) -> StoreError {
    StoreError::Invalid(vec![canhgac_domain::FieldError {
        field: field.into(),
        message: en.into(),
        message_vi: vi.into(),
    }])
}
