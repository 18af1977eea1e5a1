//! `canhgac flows`: offline analysis of a capture or an nfdump file with the live detector
//! (`replay`), and the collector without a store (`collect`, for trying an exporter and for the
//! benchmark). Also the `[flows]` configuration section.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use canhgac_flows::advice::advise;
use canhgac_flows::detect::{Event, Settings, Thresholds};
use canhgac_ops::flows::{Engine, ExporterInfo, FlowsConfig, Output, Plan, Shared};
use clap::Subcommand;
use serde::Deserialize;

/// `canhgac flows …`
#[derive(Subcommand)]
pub enum FlowsCommand {
    /// Phân tích tệp pcap hoặc nfdump. Analyse a pcap (flow exports or raw traffic) or an nfdump
    /// file with the same detection as the collector.
    Replay {
        /// The file.
        file: PathBuf,
        /// A protected prefix (repeatable); none: every address.
        #[arg(long = "protect")]
        protect: Vec<String>,
        #[command(flatten)]
        limits: Limits,
        /// `table` or `json`.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Thu NetFlow/IPFIX/sFlow không cần kho dữ liệu. Run the collector on a UDP address without a
    /// store, reading every sender; prints what it received and the attacks it saw.
    Collect {
        /// e.g. 127.0.0.1:2055
        #[arg(long, default_value = "127.0.0.1:2055")]
        listen: SocketAddr,
        #[arg(long = "protect")]
        protect: Vec<String>,
        #[command(flatten)]
        limits: Limits,
        /// Stop after this many seconds (0: on Ctrl-C).
        #[arg(long, default_value_t = 0)]
        seconds: u64,
        /// Print one JSON line at the end only (for the benchmark).
        #[arg(long)]
        json: bool,
    },
}

/// Thresholds per destination address.
#[derive(clap::Args)]
pub struct Limits {
    /// Packets a second.
    #[arg(long, default_value_t = 20_000)]
    pps: u64,
    /// Megabits a second.
    #[arg(long, default_value_t = 1_000)]
    mbps: u64,
    /// Flows a second.
    #[arg(long, default_value_t = 3_500)]
    fps: u64,
    /// Seconds under half the thresholds before an attack is over.
    #[arg(long, default_value_t = 60)]
    end_after: u32,
}

impl Limits {
    fn thresholds(&self) -> Thresholds {
        Thresholds {
            pps: self.pps,
            mbps: self.mbps,
            fps: self.fps,
        }
    }

    fn settings(&self) -> Settings {
        Settings {
            end_after_s: self.end_after,
            ..Settings::default()
        }
    }
}

fn prefixes(protect: &[String], t: Thresholds) -> Result<Vec<(ipnet::IpNet, i64, Thresholds)>> {
    if protect.is_empty() {
        return Ok(vec![("0.0.0.0/0".parse()?, 1, t), ("::/0".parse()?, 1, t)]);
    }
    protect
        .iter()
        .map(|p| {
            let net = canhgac_domain::entity::parse_cidr(p)
                .with_context(|| format!("--protect '{p}' is not an address or CIDR range"))?;
            Ok((net, 1, t))
        })
        .collect()
}

pub async fn run(command: FlowsCommand) -> Result<()> {
    match command {
        FlowsCommand::Replay {
            file,
            protect,
            limits,
            format,
        } => replay(&file, &protect, &limits, &format),
        FlowsCommand::Collect {
            listen,
            protect,
            limits,
            seconds,
            json,
        } => collect(listen, &protect, &limits, seconds, json).await,
    }
}

fn replay(file: &Path, protect: &[String], limits: &Limits, format: &str) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let a = canhgac_flows::replay::analyse(
        &bytes,
        prefixes(protect, limits.thresholds())?,
        limits.settings(),
    )
    .with_context(|| format!("{}", file.display()))?;
    let rtbh = canhgac_flows::advice::RtbhSettings::default();
    if format == "json" {
        let attacks: Vec<serde_json::Value> = a
            .attacks
            .iter()
            .map(|x| serde_json::json!({"attack": x, "advice": advise(x, &rtbh)}))
            .collect();
        println!(
            "{}",
            serde_json::json!({"file": a.file, "flows": a.flows, "decode": a.decode, "capture": a.capture, "nfdump": a.nfdump, "detect": a.detect, "attacks": attacks})
        );
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: {} flows read ({})",
        file.display(),
        a.flows,
        a.file
    )?;
    if let Some(c) = &a.capture {
        writeln!(
            out,
            "  capture: {} packets, {} flow-export datagrams, {} raw IP packets, {} not IP",
            c.packets, c.export_datagrams, c.raw_packets, c.not_ip
        )?;
    }
    let d = &a.decode;
    if d.datagrams > 0 {
        writeln!(out, "  decoded: {} datagrams, {} malformed, {} data sets without template, {} templates, {} lost by sequence", d.datagrams, d.malformed, d.no_template, d.templates, d.lost)?;
    }
    if a.attacks.is_empty() {
        writeln!(
            out,
            "no attack over the thresholds ({} pkt/s, {} Mbit/s, {} flows/s per address)",
            limits.pps, limits.mbps, limits.fps
        )?;
    }
    for x in &a.attacks {
        writeln!(
            out,
            "\nattack #{} on {}: {} ({}), {} → {}",
            x.seq,
            x.target,
            x.kind.as_str(),
            x.reason,
            canhgac_domain::time::fmt_datetime(x.started_ms),
            x.ended_ms
                .map(canhgac_domain::time::fmt_datetime)
                .unwrap_or_else(|| "under way".into())
        )?;
        if let Some(p) = x.port {
            writeln!(
                out,
                "  port {p}{}",
                canhgac_flows::detect::amplifier(p)
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            )?;
        }
        writeln!(
            out,
            "  peak {} pkt/s, {} bit/s, {} flows/s; {} packets, {} bytes from {} sources",
            x.peak_pps, x.peak_bps, x.peak_fps, x.mix.packets, x.mix.bytes, x.sources_seen
        )?;
        for (ip, p, b) in x.top_sources.iter().take(5) {
            writeln!(out, "  source {ip}: {p} packets, {b} bytes")?;
        }
        let adv = advise(x, &rtbh);
        writeln!(out, "  RTBH (ExaBGP):     {}", adv.rtbh_exabgp)?;
        writeln!(out, "  RTBH (GoBGP):      {}", adv.rtbh_gobgp)?;
        writeln!(out, "  FlowSpec (ExaBGP): {}", adv.flowspec_exabgp)?;
        writeln!(out, "  FlowSpec (GoBGP):  {}", adv.flowspec_gobgp)?;
    }
    Ok(())
}

async fn collect(
    listen: SocketAddr,
    protect: &[String],
    limits: &Limits,
    seconds: u64,
    json: bool,
) -> Result<()> {
    let mut plan = Plan {
        any_exporter: Some(ExporterInfo {
            id: 0,
            org_id: 1,
            sampling: 0,
        }),
        ..Plan::default()
    };
    plan.prefixes
        .insert(1, prefixes(protect, limits.thresholds())?);
    plan.version = 1;
    let shared = Shared::new(plan);
    let socket = canhgac_ops::flows::bind(listen, 64 << 20)
        .with_context(|| format!("cannot listen on udp {listen}"))?;
    if !json {
        eprintln!(
            "collecting on udp {} (Ctrl-C to stop)",
            socket.local_addr()?
        );
    }
    let engine = Engine::new(shared.clone(), limits.settings());
    let (tx, rx) = std::sync::mpsc::channel::<(Instant, Output)>();
    let thread = std::thread::spawn(move || {
        canhgac_ops::flows::run(socket, engine, |o| {
            let _ = tx.send((Instant::now(), o));
        });
    });
    let start = Instant::now();
    let stop = shared.clone();
    let ctrl_c = tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.stop.store(true, Ordering::Relaxed);
    });
    let mut attacks = 0u64;
    let mut lost = 0i64;
    let mut malformed = 0i64;
    let mut first_attack: Option<Duration> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        while let Ok((at, o)) = rx.try_recv() {
            match o {
                Output::Attack {
                    event: Event::Started(a),
                    ..
                } => {
                    attacks += 1;
                    first_attack.get_or_insert(at - start);
                    if !json {
                        println!(
                            "attack on {}: {} started {} (peak so far {} pkt/s)",
                            a.target,
                            a.kind.as_str(),
                            canhgac_domain::time::fmt_datetime(a.started_ms),
                            a.peak_pps
                        );
                    }
                }
                Output::Attack {
                    event: Event::Ended(a),
                    ..
                } if !json => {
                    println!(
                        "attack on {} ended: peak {} pkt/s, {} packets",
                        a.target, a.peak_pps, a.mix.packets
                    );
                }
                Output::Exporters(d) => {
                    for x in d {
                        lost += x.lost;
                        malformed += x.malformed;
                    }
                }
                _ => {}
            }
        }
        let done = shared.stop.load(Ordering::Relaxed)
            || (seconds > 0 && start.elapsed() >= Duration::from_secs(seconds));
        if done {
            shared.stop.store(true, Ordering::Relaxed);
            break;
        }
    }
    ctrl_c.abort();
    let _ = thread.join();
    while let Ok((_, o)) = rx.try_recv() {
        if let Output::Exporters(d) = o {
            for x in d {
                lost += x.lost;
                malformed += x.malformed;
            }
        }
    }
    let c = &shared.counters;
    let (datagrams, flows) = (
        c.datagrams.load(Ordering::Relaxed),
        c.flows.load(Ordering::Relaxed),
    );
    let secs = start.elapsed().as_secs_f64();
    if json {
        println!(
            "{}",
            serde_json::json!({"datagrams": datagrams, "flows": flows, "lost": lost, "malformed": malformed, "attacks": attacks, "seconds": secs, "first_attack_after_s": first_attack.map(|d| d.as_secs_f64())})
        );
    } else {
        println!("{datagrams} datagrams, {flows} flows ({:.0} flows/s), {lost} lost by sequence numbers, {malformed} malformed, {attacks} attacks", flows as f64 / secs.max(0.001));
    }
    Ok(())
}

/// The demo's collector address on 127.0.0.1 if its port is free, and the banner's line.
pub fn demo_port(port: u16) -> (Option<SocketAddr>, String) {
    if port == 0 {
        return (
            None,
            "NetFlow/IPFIX/sFlow: không mở (--flow-port 0) / not listening".into(),
        );
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    match std::net::UdpSocket::bind(addr) {
        // Free: released here, bound again by the collector a moment later.
        Ok(_) => (Some(addr), format!("NetFlow/IPFIX/sFlow: UDP {addr} (bộ định tuyến mô phỏng của ba nhà mạng / the operators' simulated routers)")),
        Err(e) => (None, format!("NetFlow/IPFIX/sFlow: KHÔNG MỞ / NOT LISTENING — {addr}: {e}; chọn cổng khác / choose another with --flow-port {}", port.wrapping_add(1).max(1))),
    }
}

/// `[flows]`: the collector.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FlowsSection {
    /// UDP address for NetFlow/IPFIX/sFlow, e.g. "0.0.0.0:2055"; none: no collector.
    listen: Option<SocketAddr>,
    /// Days of traffic history kept.
    retention_days: Option<i64>,
    /// Default thresholds per address of the registry's ranges.
    pps: Option<u64>,
    mbps: Option<u64>,
    fps: Option<u64>,
    /// Black-hole next hop (IPv4) and community for the RTBH advice.
    rtbh_next_hop: Option<std::net::IpAddr>,
    rtbh_community: Option<String>,
}

impl FlowsSection {
    pub fn apply(&self, f: &mut FlowsConfig) -> Result<()> {
        f.listen = self.listen;
        if let Some(d) = self.retention_days {
            if !(1..=3650).contains(&d) {
                bail!("[flows] retention_days: {d} is not between 1 and 3650");
            }
            f.retention_days = d;
        }
        for (name, v, slot) in [
            ("pps", self.pps, &mut f.defaults.pps),
            ("mbps", self.mbps, &mut f.defaults.mbps),
            ("fps", self.fps, &mut f.defaults.fps),
        ] {
            if let Some(v) = v {
                if v == 0 {
                    bail!("[flows] {name}: a threshold must be above 0");
                }
                *slot = v;
            }
        }
        if let Some(nh) = self.rtbh_next_hop {
            if nh.is_ipv4() {
                f.rtbh.next_hop_v4 = nh;
            } else {
                f.rtbh.next_hop_v6 = nh;
            }
        }
        if let Some(c) = &self.rtbh_community {
            let ok = c
                .split_once(':')
                .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok());
            if !ok {
                bail!("[flows] rtbh_community: '{c}' is not ASN:value");
            }
            f.rtbh.community = c.clone();
        }
        Ok(())
    }
}
