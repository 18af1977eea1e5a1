//! The configuration file of `serve` (`--config`, TOML): every section and key is optional,
//! unknown keys are refused.

use crate::{flows, scale};
use anyhow::{bail, Context, Result};
use canhgac_server::ServerConfig;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The configuration file (`--config`): every section and key is optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    #[serde(default)]
    pub(crate) server: ServerSection,
    #[serde(default)]
    pub(crate) store: StoreSection,
    #[serde(default)]
    pub(crate) monitor: MonitorSection,
    #[serde(default)]
    pub(crate) mail: MailSection,
    #[serde(default)]
    pub(crate) agents: AgentsSection,
    #[serde(default)]
    pub(crate) flows: flows::FlowsSection,
    #[serde(default)]
    pub(crate) scale: scale::ScaleSection,
}

/// `[agents]`: the HTTPS listener `canhgac-agent` reaches.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgentsSection {
    /// e.g. "0.0.0.0:8443"; none: agents are not served.
    pub(crate) listen: Option<SocketAddr>,
    /// The address agents use, e.g. "https://canhgac.stttt.laichau.gov.vn:8443".
    pub(crate) url: Option<String>,
    /// PEM certificate and key; none: one is made in the data folder and pinned.
    pub(crate) tls_cert: Option<PathBuf>,
    pub(crate) tls_key: Option<PathBuf>,
}

/// `[mail]`: the SMTP server incident reports and escalations are sent through.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct MailSection {
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required` or `smtps://user:pass@host:465`.
    pub(crate) smtp_url: Option<String>,
    /// The sender's address.
    pub(crate) from: Option<String>,
}

/// `[monitor]`: where logs arrive and how long events are kept.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct MonitorSection {
    /// Syslog over UDP, e.g. "0.0.0.0:514".
    pub(crate) syslog_udp: Option<SocketAddr>,
    /// Syslog over TCP (octet counting or newline framing), e.g. "0.0.0.0:514".
    pub(crate) syslog_tcp: Option<SocketAddr>,
    /// Syslog over TLS, e.g. "0.0.0.0:6514"; needs tls_cert and tls_key (PEM).
    pub(crate) syslog_tls: Option<SocketAddr>,
    pub(crate) tls_cert: Option<PathBuf>,
    pub(crate) tls_key: Option<PathBuf>,
    /// Syslog over RELP (rsyslog's omrelp), e.g. "0.0.0.0:2514": a message is answered only
    /// once stored.
    pub(crate) syslog_relp: Option<SocketAddr>,
    /// The disk spool between the syslog listeners and the store (default: `spool` in the
    /// embedded store's folder; with PostgreSQL, none unless set); "" turns it off.
    pub(crate) spool_dir: Option<PathBuf>,
    /// The spool's bound in GiB (default 4): past it TCP senders wait and UDP drops.
    pub(crate) spool_max_gib: Option<f64>,
    /// Load the bundled SigmaHQ rules (default true).
    pub(crate) bundled_rules: Option<bool>,
    /// Keep events this many days (default 30).
    pub(crate) retention_days: Option<i64>,
    /// Keep at most this many GiB of events (default 2).
    pub(crate) max_event_gib: Option<f64>,
    /// Same rule and host within this many minutes counts up one alert (default 60).
    pub(crate) dedup_minutes: Option<i64>,
    /// Values for %placeholder% rules: name = ["value", …].
    #[serde(default)]
    pub(crate) placeholders: std::collections::HashMap<String, Vec<String>>,
}

impl MonitorSection {
    /// The spool's settings: `spool_dir` if set (empty: none), else `spool` in the embedded
    /// store's folder `data`.
    pub(crate) fn spool(
        &self,
        data: Option<&std::path::Path>,
    ) -> Option<canhgac_ops::spool::SpoolConfig> {
        let dir = match &self.spool_dir {
            Some(d) if d.as_os_str().is_empty() => return None,
            Some(d) => d.clone(),
            None => data?.join("spool"),
        };
        let gib = self.spool_max_gib.unwrap_or(4.0).clamp(0.001, 1024.0);
        Some(canhgac_ops::spool::SpoolConfig::new(
            dir,
            (gib * (1u64 << 30) as f64) as u64,
        ))
    }

    pub(crate) fn apply(&self, m: &mut canhgac_ops::monitor::MonitorConfig) -> Result<()> {
        m.syslog_udp = self.syslog_udp;
        m.syslog_tcp = self.syslog_tcp;
        m.syslog_relp = self.syslog_relp;
        if let Some(listen) = self.syslog_tls {
            let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
                bail!("[monitor] syslog_tls needs tls_cert and tls_key (PEM files)");
            };
            m.syslog_tls = Some(canhgac_ops::monitor::TlsListen {
                listen,
                cert: cert.clone(),
                key: key.clone(),
            });
        }
        if let Some(b) = self.bundled_rules {
            m.bundled_rules = b;
        }
        if let Some(d) = self.retention_days {
            m.retention_days = d.clamp(1, 3650);
        }
        if let Some(g) = self.max_event_gib {
            m.max_event_bytes = (g.max(0.001) * (1u64 << 30) as f64) as i64;
        }
        if let Some(d) = self.dedup_minutes {
            m.dedup_window_ms = d.clamp(1, 7 * 24 * 60) * 60_000;
        }
        m.placeholders = self
            .placeholders
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(())
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServerSection {
    /// Address to listen on.
    pub(crate) listen: Option<SocketAddr>,
    /// Mark cookies Secure (default: yes unless listening on loopback).
    pub(crate) secure_cookies: Option<bool>,
    /// Session lifetime in hours (default 12).
    pub(crate) session_hours: Option<i64>,
    /// API token lifetime in days (default 30).
    pub(crate) token_days: Option<i64>,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the client.
    pub(crate) trusted_proxies: Option<Vec<String>>,
    /// The address people open the platform at (links in pages and mails), e.g.
    /// "https://canhgac.stttt.laichau.gov.vn"; default http://<listen>.
    pub(crate) public_url: Option<String>,
    /// How long a periodic job's lease lasts unrenewed, in seconds (5–600, default 60): how soon
    /// another process sharing the database takes over the jobs of one that died.
    pub(crate) job_lease_seconds: Option<i64>,
    /// What this process does: "all" (default), "api", "ingest" or "worker" (`--role` wins).
    pub(crate) role: Option<String>,
    /// The bearer token Prometheus sends for `/metrics` (at least 16 characters; or
    /// `CANHGAC_METRICS_TOKEN`); unset: `/metrics` answers only requests from this machine.
    pub(crate) metrics_token: Option<String>,
    /// How long the pages' summary figures (counts, histograms, the wall) are kept per scope,
    /// in milliseconds (0–60000, default 2000; 0: computed for every request).
    pub(crate) figures_ttl_ms: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoreSection {
    /// Embedded store folder.
    pub(crate) data: Option<PathBuf>,
    /// PostgreSQL URL.
    pub(crate) database: Option<String>,
}

pub(crate) fn server_config(listen: SocketAddr, section: &ServerSection) -> Result<ServerConfig> {
    let mut cfg = ServerConfig {
        secure_cookies: section.secure_cookies.unwrap_or(!listen.ip().is_loopback()),
        public_url: format!("http://{listen}"),
        ..ServerConfig::default()
    };
    if let Some(u) = &section.public_url {
        if canhgac_domain::oncall::split_url(u).is_none() {
            bail!("[server] public_url: '{u}' is not an http(s) URL");
        }
        cfg.public_url = u.trim_end_matches('/').to_string();
    }
    if let Some(h) = section.session_hours {
        cfg.session_ttl_ms = h.clamp(1, 24 * 30) * 3_600_000;
    }
    if let Some(d) = section.token_days {
        cfg.token_ttl_ms = d.clamp(1, 366) * 86_400_000;
    }
    if let Some(s) = section.job_lease_seconds {
        cfg.job_lease_ms = s.clamp(5, 600) * 1000;
    }
    if let Some(ms) = section.figures_ttl_ms {
        cfg.figures_ttl = std::time::Duration::from_millis(ms.min(60_000));
    }
    let token = std::env::var("CANHGAC_METRICS_TOKEN")
        .ok()
        .or_else(|| section.metrics_token.clone())
        .filter(|t| !t.is_empty());
    if let Some(t) = token {
        if t.len() < 16 || !t.bytes().all(|b| b.is_ascii_graphic()) {
            bail!("[server] metrics_token: at least 16 printable characters, no spaces");
        }
        cfg.metrics_token = Some(t);
    }
    for p in section.trusted_proxies.iter().flatten() {
        let net = canhgac_domain::entity::parse_cidr(p).with_context(|| {
            format!("[server] trusted_proxies: '{p}' is not an address or CIDR range")
        })?;
        cfg.trusted_proxies.push(net);
    }
    Ok(cfg)
}
