//! The HTTP face of canhgac: the JSON API under `/api/v1`, the server-rendered web UI,
//! authentication (argon2id passwords, server-side sessions, hashed API tokens), CSRF
//! protection, log-in rate limiting, `/healthz` and Prometheus `/metrics`.
//!
//! Invariant: every handler that touches an organisation's records gets a [`auth::Caller`],
//! whose [`canhgac_domain::Scope`] is built once, in [`auth`], and passed to the store;
//! no handler builds a scope of its own.

pub mod api;
pub mod auth;
pub mod feed;
pub mod figures;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod security;
pub mod ui;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::Router;
use canhgac_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Settings of the HTTP server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Mark cookies `Secure` (off only for plain HTTP on a loopback address).
    pub secure_cookies: bool,
    /// Session lifetime.
    pub session_ttl_ms: i64,
    /// API token lifetime.
    pub token_ttl_ms: i64,
    /// Failed log-ins allowed per account (and 6× as many failed accounts per client address)
    /// in the window.
    pub login_max_failures: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (empty: none is trusted).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// HTTP connections: in all, per client address, and the time to send a request's headers.
    pub http_connections: canhgac_ops::conns::ConnLimits,
    /// The rate-limit window.
    pub login_window_ms: i64,
    /// Largest request body (imports).
    pub max_body_bytes: usize,
    /// The monitoring pipeline.
    pub monitor: canhgac_ops::monitor::MonitorConfig,
    /// The mail server reports and escalations go through (none: they are not e-mailed).
    pub mailer: Option<Arc<canhgac_ops::mail::Mailer>>,
    /// The address people open the platform at: links in pages and mails point under it.
    pub public_url: String,
    /// The HTTPS address agents reach the server at (the enrolment command names it).
    pub agent_url: Option<String>,
    /// The SHA-256 of the agents' TLS certificate, when it is self-signed (the enrolment
    /// command pins it).
    pub agent_pin: Option<String>,
    /// The compiler that checks uploaded rule sets and hash lists (the binary links yara-x).
    pub rule_check: Option<RuleChecker>,
    /// The flow collector (M16): its UDP address (none: no collector), thresholds, retention.
    pub flows: canhgac_ops::flows::FlowsConfig,
    /// How long a periodic job's lease lasts unrenewed (its holder renews it every third of
    /// that): how soon another process takes over the jobs of one that died.
    pub job_lease_ms: i64,
    /// What this process does among several (`serve --role`).
    pub role: ProcessRole,
    /// Where received records go when this process does not store them (the event stream of a
    /// scaled-out deployment); none: this process's own pipeline stores them.
    pub outlet: Option<OutletHandle>,
    /// The bearer token Prometheus sends for `/metrics`; none: `/metrics` answers only
    /// requests from this machine (loopback).
    pub metrics_token: Option<String>,
    /// How long a summary figure (counts, histograms, the wall's panel) is kept for the pages
    /// of the same scope ([`figures`]); zero: computed for every request.
    pub figures_ttl: Duration,
}

/// What one process of the platform does (`serve --role`): `all` is the single process;
/// several processes on one PostgreSQL database and one NATS JetStream stream divide it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProcessRole {
    /// Everything: web UI and API, listeners, pipeline, periodic jobs.
    #[default]
    All,
    /// The web UI and the API; records received over HTTP go to the event stream.
    Api,
    /// The listeners (syslog, flows, agents) and the HTTP API for senders; records go to the
    /// event stream.
    Ingest,
    /// Reads the event stream, stores and detects; runs the periodic jobs. Serves only
    /// `/healthz` and `/metrics` over HTTP.
    Worker,
}

impl ProcessRole {
    /// From its name in the command line.
    pub fn parse(s: &str) -> Option<ProcessRole> {
        match s {
            "all" => Some(ProcessRole::All),
            "api" => Some(ProcessRole::Api),
            "ingest" => Some(ProcessRole::Ingest),
            "worker" => Some(ProcessRole::Worker),
            _ => None,
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessRole::All => "all",
            ProcessRole::Api => "api",
            ProcessRole::Ingest => "ingest",
            ProcessRole::Worker => "worker",
        }
    }

    /// Whether it runs the periodic jobs (under their leases) and the alert outbox.
    pub fn runs_jobs(self) -> bool {
        matches!(self, ProcessRole::All | ProcessRole::Worker)
    }

    /// Whether it opens the syslog and flow listeners.
    pub fn listens(self) -> bool {
        matches!(self, ProcessRole::All | ProcessRole::Ingest)
    }

    /// Whether it serves the web UI and the API.
    pub fn serves_app(self) -> bool {
        !matches!(self, ProcessRole::Worker)
    }
}

/// A [`canhgac_ops::monitor::Outlet`] shared by the handlers.
#[derive(Clone)]
pub struct OutletHandle(pub Arc<dyn canhgac_ops::monitor::Outlet>);

impl std::fmt::Debug for OutletHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutletHandle")
    }
}

/// A [`canhgac_ops::malware::RuleCheck`] shared by the handlers.
#[derive(Clone)]
pub struct RuleChecker(pub Arc<dyn canhgac_ops::malware::RuleCheck>);

impl std::fmt::Debug for RuleChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RuleChecker")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            secure_cookies: true,
            session_ttl_ms: 12 * 3_600_000,
            token_ttl_ms: 30 * 86_400_000,
            login_max_failures: 5,
            trusted_proxies: Vec::new(),
            http_connections: canhgac_ops::conns::ConnLimits::http(),
            login_window_ms: 15 * 60_000,
            max_body_bytes: 32 * 1024 * 1024,
            monitor: canhgac_ops::monitor::MonitorConfig::default(),
            mailer: None,
            public_url: "http://127.0.0.1:8080".into(),
            agent_url: None,
            agent_pin: None,
            rule_check: None,
            flows: canhgac_ops::flows::FlowsConfig::default(),
            job_lease_ms: 60_000,
            role: ProcessRole::All,
            outlet: None,
            metrics_token: None,
            figures_ttl: Duration::from_secs(2),
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// Log-in rate limiter.
    pub limiter: Arc<auth::LoginLimiter>,
    /// Counters for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// The monitoring pipeline.
    pub monitor: Arc<canhgac_ops::monitor::Monitor>,
    /// The flow collector's shared state, once `serve` started it.
    pub flows: Arc<std::sync::OnceLock<Arc<canhgac_ops::flows::Shared>>>,
    /// The syslog listeners' disk spool, once `serve` started it.
    pub spool: Arc<std::sync::OnceLock<Arc<canhgac_ops::spool::Spool>>>,
    /// This process's name: the holder of the periodic jobs' leases.
    pub instance: Arc<str>,
    /// Summary figures kept a moment per scope.
    pub figures: Arc<figures::Figures>,
}

impl AppState {
    /// New state over a store; starts the monitoring pipeline's worker (it compiles the enabled
    /// Sigma rules first). Must be called within a Tokio runtime.
    pub fn new(store: Store, config: ServerConfig) -> AppState {
        AppState {
            monitor: canhgac_ops::monitor::Monitor::start_with(
                store.clone(),
                config.monitor.clone(),
                config.outlet.as_ref().map(|o| o.0.clone()),
            ),
            store,
            limiter: Arc::new(auth::LoginLimiter::new(
                config.login_max_failures,
                config.login_window_ms,
            )),
            metrics: Arc::new(metrics::Metrics {
                http: Arc::new(canhgac_ops::conns::Gate::new(
                    config.http_connections.clone(),
                )),
                ..Default::default()
            }),
            figures: Arc::new(figures::Figures::new(config.figures_ttl)),
            config: Arc::new(config),
            flows: Arc::default(),
            spool: Arc::default(),
            instance: instance_name().into(),
        }
    }
}

/// Declares the rooms (one module each) and [`rooms`], in the order of the navigation.
macro_rules! rooms {
    ($($room:ident),* $(,)?) => {
        $(pub mod $room;)*

        /// Every capability's room, in the order of the navigation, then the OpenAPI document's.
        pub fn rooms() -> Vec<routes::Room> {
            vec![$($room::room(),)* openapi::room()]
        }
    };
}

// The capabilities' rooms: each holds its API handlers and its pages, and declares its routes.
// Adding a capability adds its name here.
rooms!(
    console, wall, charts, reports, search, work, directives, duty, oncall, periods, monitoring,
    botnet, patching, scans, incidents, platform, malware, spam, flows, registry, access
);

/// Every route as declared (method, path, roles allowed): what the role check enforces and the
/// tenant-isolation test walks.
pub fn declared_routes() -> Vec<routes::RouteEntry> {
    routes::assemble(rooms()).2.entries().to_vec()
}

/// The whole application: UI, API, health and metrics.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    let (app, _doc, table, _nav) = routes::assemble(rooms());
    app.merge(metrics::routes())
        .merge(security::routes())
        .fallback(ui::fallback)
        .layer(middleware::from_fn_with_state(
            (state.clone(), table),
            routes::enforce,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            figures::forget_on_change,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::count_requests,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::harden,
        ))
        .with_state(state)
}

/// Serves the application on a bound listener until the process is stopped.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let role = state.config.role;
    let app = if role.serves_app() {
        router(state.clone())
    } else {
        metrics::routes().with_state(state.clone())
    };
    let store = state.store.clone();
    if role.runs_jobs() {
        jobs(&state).await;
    }
    if role.listens() {
        listeners(&state).await;
    }
    let served = serve_http(listener, app, state.clone()).await;
    // Stopping cleanly (Ctrl-C, or SIGTERM from systemd): hand this process's jobs over at once
    // instead of when their leases lapse.
    if let Err(e) = store.release_leases_of(&state.instance).await {
        tracing::warn!(error = %e, "could not hand the periodic jobs over");
    }
    served
}

/// The flow collector and the syslog listeners, as configured.
async fn listeners(state: &AppState) {
    let store = state.store.clone();
    // The flow collector (NetFlow/IPFIX/sFlow), when configured.
    match canhgac_ops::flows::start(store.clone(), state.config.flows.clone()).await {
        Ok(Some(c)) => {
            tracing::info!(addr = %c.local_addr, "flow collector listening (udp)");
            let _ = state.flows.set(c.shared.clone());
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "the flow collector could not start"),
    }
    // The disk spool in front of the store, when configured and this process stores what it
    // receives (a receiving-only process writes to the event stream, which is its buffer).
    let spool = match (&state.monitor.config().spool, state.monitor.publishes()) {
        (Some(c), false) => {
            match canhgac_ops::spool::start(c.clone(), &store, state.monitor.clone()).await {
                Ok(s) => {
                    tracing::info!(dir = %c.dir.display(), pending = s.stats.pending(), "syslog spool open");
                    let _ = state.spool.set(s.clone());
                    Some(s)
                }
                Err(e) => {
                    tracing::error!(error = %e, dir = %c.dir.display(), "the syslog spool could not open; listeners hand lines straight to the pipeline");
                    None
                }
            }
        }
        _ => None,
    };
    match canhgac_ops::listen::spawn_with(state.monitor.clone(), spool).await {
        Ok((udp, tcp, tls)) => {
            for (what, addr) in [("udp", udp), ("tcp", tcp), ("tls", tls)] {
                if let Some(a) = addr {
                    tracing::info!(%a, "syslog/{what} listening");
                }
            }
        }
        // The web UI and the API still serve; the operator sees why syslog does not.
        Err(e) => tracing::error!(error = %e, "syslog listeners could not start"),
    }
    match canhgac_ops::listen::spawn_relp(state.monitor.clone()).await {
        Ok(Some(a)) => tracing::info!(%a, "syslog/relp listening"),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "the RELP listener could not start"),
    }
}

/// The periodic jobs, each under its lease, and the alert outbox.
async fn jobs(state: &AppState) {
    let store = state.store.clone();
    let holder = (state.instance.clone(), state.config.job_lease_ms.max(1000));
    // The province's response-plan templates and the clause-3 contact points, seeded once when
    // there are none. Under a lease like the other jobs: processes starting together on an
    // empty database would otherwise each see "none" and each seed a set.
    let s = store.clone();
    periodic(
        store.clone(),
        holder.clone(),
        "seed",
        Duration::ZERO,
        Duration::from_secs(3600),
        move || {
            let s = s.clone();
            async move {
                match canhgac_ops::incidents::ensure_plans(&s).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "response-plan templates seeded"),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not seed the response-plan templates")
                    }
                }
                if let Err(e) = canhgac_ops::reports::ensure_contacts(&s).await {
                    tracing::warn!(error = %e, "could not seed the incident-report contact points");
                }
            }
        },
    );
    let now = canhgac_domain::time::now_ms;
    // Missed report deadlines escalated, the heightened period applied, directive items
    // reminded: every five minutes.
    let (s, mailer) = (store.clone(), state.config.mailer.clone());
    periodic(
        store.clone(),
        holder.clone(),
        "deadlines",
        Duration::ZERO,
        Duration::from_secs(300),
        move || {
            let (s, mailer) = (s.clone(), mailer.clone());
            async move {
                match canhgac_ops::reports::check_deadlines(&s, mailer.as_deref(), now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "missed incident-report deadlines escalated"),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not check incident-report deadlines")
                    }
                }
                match canhgac_ops::periods::apply(&s, now()).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(n, "deadlines brought forward for the heightened period")
                    }
                    Err(e) => tracing::warn!(error = %e, "could not apply the heightened period"),
                }
                match canhgac_ops::directives::remind(&s, mailer.as_deref(), now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "directive items reminded"),
                    Err(e) => tracing::warn!(error = %e, "could not send directive reminders"),
                }
            }
        },
    );
    // The pager: new incidents and high or critical alerts page the people on duty; unanswered
    // pages escalate. Every 30 seconds.
    match canhgac_ops::oncall::Pager::new(state.config.mailer.clone(), &state.config.public_url) {
        Ok(pager) => {
            let (s, pager) = (store.clone(), Arc::new(pager));
            periodic(
                store.clone(),
                holder.clone(),
                "pager",
                Duration::ZERO,
                Duration::from_secs(30),
                move || {
                    let (s, pager) = (s.clone(), pager.clone());
                    async move {
                        match canhgac_ops::oncall::tick(&s, &pager, now()).await {
                            Ok(r) if r.opened + r.steps > 0 => tracing::info!(
                                opened = r.opened,
                                steps = r.steps,
                                sent = r.sent,
                                failed = r.failed,
                                "on-call pages"
                            ),
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "the pager could not run"),
                        }
                    }
                },
            );
        }
        Err(e) => tracing::error!(error = %e, "the pager could not start"),
    }
    // Scheduled reports, made and mailed every minute.
    let (s, mailer, url) = (
        store.clone(),
        state.config.mailer.clone(),
        state.config.public_url.clone(),
    );
    periodic(
        store.clone(),
        holder.clone(),
        "reports",
        Duration::ZERO,
        Duration::from_secs(60),
        move || {
            let (s, mailer, url) = (s.clone(), mailer.clone(), url.clone());
            async move {
                match canhgac_ops::summaries::run_due(&s, mailer.as_deref(), &url, now()).await {
                    Ok(r) if r.made + r.sent + r.failed > 0 => {
                        tracing::info!(
                            made = r.made,
                            sent = r.sent,
                            failed = r.failed,
                            "scheduled reports"
                        )
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "scheduled reports could not run"),
                }
            }
        },
    );
    // Scheduled malware scans, checked every five minutes.
    let s = store.clone();
    periodic(
        store.clone(),
        holder.clone(),
        "scans",
        Duration::ZERO,
        Duration::from_secs(300),
        move || {
            let s = s.clone();
            async move {
                match canhgac_ops::agents::schedule_scans(&s, now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "scheduled malware scans ordered"),
                    Err(e) => tracing::warn!(error = %e, "could not order scheduled scans"),
                }
            }
        },
    );
    // Silent log sources, checked every minute.
    let s = store.clone();
    periodic(
        store.clone(),
        holder.clone(),
        "silence",
        Duration::from_secs(60),
        Duration::from_secs(60),
        move || {
            let s = s.clone();
            async move {
                let rule = canhgac_ops::monitor::SilenceRule::default();
                match canhgac_ops::monitor::check_silent_sources(&s, now(), rule).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "log sources gone silent"),
                    Err(e) => tracing::warn!(error = %e, "could not check for silent log sources"),
                }
            }
        },
    );
    // Retention, expired sessions, overdue patch tasks: every ten minutes.
    let (s, mon) = (store.clone(), state.monitor.clone());
    periodic(
        store.clone(),
        holder,
        "retention",
        Duration::from_secs(600),
        Duration::from_secs(600),
        move || {
            let (s, mon) = (s.clone(), mon.clone());
            async move {
                match canhgac_ops::monitor::prune(&s, mon.config()).await {
                    Ok(p) if p.by_age + p.by_size > 0 => {
                        tracing::info!(by_age = p.by_age, by_size = p.by_size, "event retention")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "event retention failed"),
                }
                if let Err(e) = s.purge_expired().await {
                    tracing::warn!(error = %e, "could not purge expired sessions");
                }
                if let Err(e) = s.optimize().await {
                    tracing::warn!(error = %e, "could not refresh the query planner's statistics");
                }
                let week = canhgac_domain::time::now_ms() - 7 * 86_400_000;
                if let Err(e) = s.purge_batch_ids(week).await {
                    tracing::warn!(error = %e, "could not forget old ingest batch ids");
                }
                if let Err(e) = s
                    .escalate_overdue(canhgac_domain::work::WorkKind::PatchTask)
                    .await
                {
                    tracing::warn!(error = %e, "could not escalate overdue patch tasks");
                }
            }
        },
    );
    // Alerts whose pipeline died between storing their events and raising them: every 30
    // seconds, those waiting more than a minute.
    let (s, mon) = (store.clone(), state.monitor.clone());
    periodic(
        store.clone(),
        (state.instance.clone(), state.config.job_lease_ms.max(1000)),
        "outbox",
        Duration::from_secs(30),
        Duration::from_secs(30),
        move || {
            let (s, mon) = (s.clone(), mon.clone());
            async move {
                match mon.drain_outbox(&s, 60_000).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "alerts raised from the outbox"),
                    Err(e) => tracing::warn!(error = %e, "could not drain the alert outbox"),
                }
            }
        },
    );
    // Several processes on one database: rules changed through another process's pages are
    // compiled here too.
    if store.backend() == "postgres" {
        let (s, mon) = (store.clone(), state.monitor.clone());
        tokio::spawn(mon.follow_rules(s, Duration::from_secs(10)));
    }
}

/// Resolves when the process is asked to stop: Ctrl-C, or SIGTERM (systemd's stop).
async fn stopped() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs `tick` every `period` (the first time after `first`) while this process holds the job's
/// lease: with several processes on one database, each job runs in one of them at a time. The
/// lease (`ServerConfig::job_lease_ms`, a minute by default) is renewed every third of its
/// length, during a long tick too, so when its holder dies another process takes the job over
/// within that time (and a restart waits no longer than that).
fn periodic<F, Fut>(
    store: Store,
    (holder, ttl_ms): (Arc<str>, i64),
    name: &'static str,
    first: Duration,
    period: Duration,
    mut tick: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let held = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = held.clone();
    tokio::spawn(async move {
        loop {
            let now = canhgac_domain::time::now_ms();
            let got = match store.take_lease(name, &holder, ttl_ms, now).await {
                Ok(got) => got,
                Err(e) => {
                    tracing::warn!(job = name, error = %e, "could not take the job's lease");
                    false
                }
            };
            flag.store(got, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(ttl_ms.max(3) as u64 / 3)).await;
        }
    });
    tokio::spawn(async move {
        // The first renewal has had time to answer.
        tokio::time::sleep(first.max(Duration::from_millis(500))).await;
        // A process that has just taken a job over runs it at once, then every period.
        let mut last: Option<std::time::Instant> = None;
        loop {
            if held.load(std::sync::atomic::Ordering::SeqCst) {
                if last.is_none_or(|t| t.elapsed() >= period) {
                    last = Some(std::time::Instant::now());
                    tick().await;
                }
            } else {
                last = None;
            }
            tokio::time::sleep(period.min(Duration::from_secs(1))).await;
        }
    });
}

/// This process's name among the platform's processes (it holds the periodic jobs' leases):
/// host, process id and start time.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "canhgac".into());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        canhgac_domain::time::now_ms()
    )
}

/// The HTTP accept loop: each connection is admitted within the limits (in all, and per client
/// address unless it is a trusted proxy), must send a request's headers within the idle limit
/// (a half-sent request is closed, not kept), and is served by hyper's HTTP/1 with upgrades
/// (the live alert feed). Ends on Ctrl-C.
async fn serve_http(listener: TcpListener, app: Router, state: AppState) -> std::io::Result<()> {
    accept_loop(listener, app, state, None).await
}

/// Serves the whole application over TLS (rustls) on its own listener: the address agents
/// reach (`canhgac-agent` speaks only HTTPS), with the same limits as [`serve`]'s HTTP.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    state: AppState,
) -> std::io::Result<()> {
    let app = router(state.clone());
    accept_loop(
        listener,
        app,
        state,
        Some(tokio_rustls::TlsAcceptor::from(tls)),
    )
    .await
}

async fn accept_loop(
    listener: TcpListener,
    app: Router,
    state: AppState,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    let gate = state.metrics.http.clone();
    let header_timeout = gate.limits().idle;
    let shutdown = stopped();
    tokio::pin!(shutdown);
    loop {
        let (sock, peer) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "HTTP accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let proxy = state
            .config
            .trusted_proxies
            .iter()
            .any(|n| n.contains(&peer.ip()));
        let Some(ticket) = gate.admit(peer.ip(), proxy) else {
            drop(sock);
            continue;
        };
        let app = app.clone();
        let gate = gate.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _ticket = ticket;
            match tls {
                None => serve_one(sock, app, peer, &gate, header_timeout).await,
                Some(acceptor) => {
                    match tokio::time::timeout(header_timeout, acceptor.accept(sock)).await {
                        Ok(Ok(stream)) => serve_one(stream, app, peer, &gate, header_timeout).await,
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => {
                            gate.timed_out
                                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
            }
        });
    }
}

async fn serve_one<IO>(
    io: IO,
    app: Router,
    peer: std::net::SocketAddr,
    gate: &canhgac_ops::conns::Gate,
    header_timeout: std::time::Duration,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        tower::ServiceExt::oneshot(app.clone(), req.map(axum::body::Body::new))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), svc)
        .with_upgrades();
    if let Err(e) = conn.await {
        if e.is_timeout() {
            gate.timed_out
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        tracing::debug!(%peer, error = %e, "HTTP connection ended");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_is_declared_with_known_roles() {
        // `assemble` panics on an unknown role name; every API route but the public two is
        // signed-in only.
        let routes = crate::declared_routes();
        assert!(routes.len() > 90, "{} routes", routes.len());
        for r in &routes {
            let public = matches!(
                (r.method.as_str(), r.path.as_str()),
                ("POST", "/api/v1/auth/token")
                    | ("POST", "/api/v1/platform-alerts")
                    | ("GET", "/api/v1/openapi.json")
                    | ("GET", "/login")
                    | ("POST", "/login")
                    | ("GET", "/lang/{code}")
                    // A person's calendar feed: its private token is the credential.
                    | ("GET", "/duty/ical/{token}")
                    // An on-call message's acknowledgement link: its token is the credential,
                    // good for one page only.
                    | ("GET", "/oncall/ack/{token}")
                    | ("POST", "/oncall/ack/{token}")
                    // The agent protocol: the agent's own credential (or one-time token).
                    | ("POST", "/api/v1/agent/enrol")
                    | ("POST", "/api/v1/agent/heartbeat")
                    | ("GET", "/api/v1/agent/rules")
                    | ("POST", "/api/v1/agent/messages")
            );
            assert_eq!(r.allow.is_none(), public, "{} {}", r.method, r.path);
        }
    }
}
