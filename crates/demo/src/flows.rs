//! Demo flow data (M16): each operator's border router registered as an exporter, a day of
//! traffic to and from the agencies' public addresses and the operators' subscribers, three
//! past attacks found by the real detector over traffic made for them, a subscriber talking to
//! a listed C2; and live, simulated routers sending NetFlow v5 over UDP to the collector, now
//! and then with a short attack on an agency's web server.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::Dice;
use anyhow::{Context, Result};
use canhgac_domain::time::now_ms;
use canhgac_domain::{EntityKind, Scope};
use canhgac_flows::detect::{Settings, Thresholds};
use canhgac_flows::encode::V5Exporter;
use canhgac_flows::{tcp_flags, Detector, FlowRecord, Proto};
use canhgac_ops::flows::{FlowsConfig, Output, Sighting, Writer};
use canhgac_store::{Actor, MinuteWrite, Store, TalkerWrite};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// The operators' simulated border routers: operator, exporter address (loopback, so the demo
/// machine can send from it), name.
pub const ROUTERS: [(&str, [u8; 4], &str); 3] = [
    (
        "VIETTEL",
        [127, 0, 0, 2],
        "Router biên Viettel Lai Châu (NetFlow v5)",
    ),
    (
        "VNPT",
        [127, 0, 0, 3],
        "Router biên VNPT Lai Châu (NetFlow v5)",
    ),
    (
        "MOBIFONE",
        [127, 0, 0, 4],
        "Router biên MobiFone Lai Châu (NetFlow v5)",
    ),
];

/// A Viettel business customer outside the registry, protected with its own thresholds.
const CUSTOMER: (&str, &str, i64) = (
    "198.18.10.0/24",
    "Khách hàng doanh nghiệp: Khu công nghiệp Tam Đường",
    5_000,
);

/// Remote addresses ordinary traffic comes from (documentation and public resolver ranges).
fn remote(d: &mut Dice) -> IpAddr {
    let nets: [[u8; 2]; 6] = [
        [14, 160],
        [113, 160],
        [171, 244],
        [42, 112],
        [1, 52],
        [27, 72],
    ];
    let n = d.pick(&nets);
    IpAddr::V4(Ipv4Addr::new(
        n[0],
        n[1],
        d.below(256) as u8,
        1 + d.below(254) as u8,
    ))
}

/// How busy the networks are at `t` (UTC ms): the working day in Viet Nam, the evening, the night.
fn busy(t: i64) -> f64 {
    let hour_vn = ((t + 7 * HOUR) / HOUR) % 24;
    if (7..18).contains(&hour_vn) {
        3.0
    } else if (18..23).contains(&hour_vn) {
        1.6
    } else {
        0.6
    }
}

/// Who each operator carries: (owner organisation, its public addresses).
struct Carried {
    operator: i64,
    operator_code: &'static str,
    exporter: IpAddr,
    hosts: Vec<(i64, Ipv4Addr)>,
}

async fn carried(store: &Store) -> Result<Vec<Carried>> {
    let codes = store.org_codes().await?;
    let claims = store.address_claims().await?;
    let mut agencies: Vec<(i64, ipnet::Ipv4Net)> = Vec::new();
    let mut subscribers: HashMap<i64, ipnet::Ipv4Net> = HashMap::new();
    for c in claims.iter().filter(|c| c.kind == EntityKind::Network) {
        if let ipnet::IpNet::V4(n) = c.net {
            if n.prefix_len() == 28 {
                agencies.push((c.claim.org_id, n));
            } else if n.prefix_len() == 16 && n.network().octets()[0] == 100 {
                subscribers.insert(c.claim.org_id, n);
            }
        }
    }
    agencies.sort_by_key(|(o, _)| *o);
    let mut out = Vec::new();
    for (k, (code, ip, _)) in ROUTERS.iter().enumerate() {
        let Some(&op) = codes.get(*code) else {
            continue;
        };
        let mut hosts = Vec::new();
        if k < 2 {
            // Viettel and VNPT share the agencies between them.
            for (i, (org, net)) in agencies.iter().enumerate() {
                if i % 2 == k {
                    let base = u32::from(net.network());
                    for j in 1..=3 {
                        hosts.push((*org, Ipv4Addr::from(base + j)));
                    }
                }
            }
        }
        if let Some(net) = subscribers.get(&op) {
            let base = u32::from(net.network());
            for j in 0..12u32 {
                hosts.push((op, Ipv4Addr::from(base + 31 * 256 + 7 + j * 97)));
            }
        }
        out.push(Carried {
            operator: op,
            operator_code: code,
            exporter: IpAddr::V4(Ipv4Addr::from(*ip)),
            hosts,
        });
    }
    Ok(out)
}

/// Ordinary flows of one second for an operator's hosts: web and mail in, DNS and updates out.
fn ordinary(d: &mut Dice, c: &Carried, at: i64, per_host: usize) -> Vec<FlowRecord> {
    let mut v = Vec::new();
    for (_, h) in &c.hosts {
        for _ in 0..d.below(per_host + 1) {
            let r = remote(d);
            let inbound = d.below(3) > 0;
            let (sport, dport, proto) = match d.below(6) {
                0 => (53, 40_000 + d.below(20_000) as u16, Proto::UDP),
                1 => (40_000 + d.below(20_000) as u16, 25, Proto::TCP),
                2 => (40_000 + d.below(20_000) as u16, 80, Proto::TCP),
                _ => (40_000 + d.below(20_000) as u16, 443, Proto::TCP),
            };
            let packets = 4 + d.below(120) as u64;
            let bytes = packets * (200 + d.below(1200) as u64);
            let (src, dst, sp, dp) = if inbound {
                (r, IpAddr::V4(*h), sport, dport)
            } else {
                (IpAddr::V4(*h), r, dport, sport)
            };
            v.push(FlowRecord {
                src,
                dst,
                src_port: sp,
                dst_port: dp,
                proto,
                tcp_flags: if proto == Proto::TCP { 0x1b } else { 0 },
                packets,
                bytes,
                start_ms: at - 900,
                end_ms: at,
                sampling: 1,
                fragment: false,
            });
        }
    }
    v
}

/// One second of an attack on `target`: `kind` 0 SYN flood, 1 DNS amplification, 2 NTP.
fn attack_second(
    d: &mut Dice,
    target: Ipv4Addr,
    kind: usize,
    pps: u64,
    at: i64,
) -> Vec<FlowRecord> {
    let per = 100u64;
    (0..pps / per)
        .map(|_| {
            // A SYN flood's sources are spoofed at random; a reflection comes from the same
            // few thousand open resolvers or NTP servers, some answering far more than others.
            let src = if kind == 0 {
                IpAddr::V4(Ipv4Addr::new(
                    1 + d.below(222) as u8,
                    d.below(256) as u8,
                    d.below(256) as u8,
                    1 + d.below(254) as u8,
                ))
            } else {
                let k = ((1 + d.below(40)) * (1 + d.below(60))) as u32;
                let a = 0x2d00_0000u32.wrapping_add(k.wrapping_mul(2_654_435_761) % 0x5000_0000);
                IpAddr::V4(Ipv4Addr::from((a & !0xff) | (1 + (a & 0xff) % 254)))
            };
            let (proto, sp, dp, flags, size) = match kind {
                0 => (
                    Proto::TCP,
                    1024 + d.below(60_000) as u16,
                    443,
                    tcp_flags::SYN,
                    60,
                ),
                1 => (Proto::UDP, 53, 1024 + d.below(60_000) as u16, 0, 1_400),
                _ => (Proto::UDP, 123, 1024 + d.below(60_000) as u16, 0, 468),
            };
            FlowRecord {
                src,
                dst: IpAddr::V4(target),
                src_port: sp,
                dst_port: dp,
                proto,
                tcp_flags: flags,
                packets: per,
                bytes: per * size,
                start_ms: at - 500,
                end_ms: at,
                sampling: 1,
                fragment: false,
            }
        })
        .collect()
}

/// Seeds exporters, a customer prefix, a day of traffic, three past attacks and a Botnet
/// sighting. Returns the attacks stored.
pub async fn seed(store: &Store) -> Result<usize> {
    let actor = Actor::system("demo");
    let codes = store.org_codes().await?;
    for (code, ip, name) in ROUTERS {
        let Some(&op) = codes.get(code) else { continue };
        store
            .add_flow_exporter(
                &Scope::All,
                &actor,
                op,
                IpAddr::V4(Ipv4Addr::from(ip)),
                name,
                0,
            )
            .await
            .context("demo exporter")?;
    }
    let viettel = codes
        .get("VIETTEL")
        .copied()
        .context("no Viettel in the demo province")?;
    let net: ipnet::IpNet = CUSTOMER.0.parse()?;
    store
        .add_flow_prefix(
            &Scope::All,
            &actor,
            viettel,
            None,
            net,
            CUSTOMER.1,
            (CUSTOMER.2, 200, 2_000),
        )
        .await
        .context("demo customer prefix")?;

    let now = now_ms();
    let mut d = Dice::new(0x0f10_5eed);
    let carried = carried(store).await?;
    // A day of traffic per owner: five-minute steps until the last hour, then every minute,
    // following the working day (UTC+7). Talkers for the last hour.
    for c in &carried {
        let mut t = (now - 24 * HOUR) / (5 * MINUTE) * (5 * MINUTE);
        while t < now - MINUTE {
            let step = if t < now - HOUR { 5 * MINUTE } else { MINUTE };
            let busy = busy(t);
            let mut per_org: HashMap<i64, MinuteWrite> = HashMap::new();
            let mut talkers: Vec<TalkerWrite> = Vec::new();
            for (org, h) in &c.hosts {
                let inb = ((40_000 + d.below(80_000)) as f64 * busy) as i64 * (step / MINUTE);
                let outb = inb / (3 + d.below(4) as i64);
                let m = per_org.entry(*org).or_insert(MinuteWrite {
                    org_id: *org,
                    ..MinuteWrite::default()
                });
                m.in_bytes += inb * 60;
                m.out_bytes += outb * 60;
                m.in_packets += inb * 60 / 900;
                m.out_packets += outb * 60 / 600;
                m.flows += (inb / 2_000).max(1);
                if t >= now - HOUR {
                    talkers.push(TalkerWrite {
                        org_id: *org,
                        ip: h.to_string(),
                        local: true,
                        packets: inb * 60 / 900,
                        bytes: inb * 60,
                    });
                    let r = remote(&mut d);
                    talkers.push(TalkerWrite {
                        org_id: *org,
                        ip: r.to_string(),
                        local: false,
                        packets: inb * 20 / 900,
                        bytes: inb * 20,
                    });
                }
            }
            let owners: Vec<MinuteWrite> = per_org.into_values().collect();
            store
                .store_flow_minute(c.operator, t, &owners, &talkers)
                .await?;
            t += step;
        }
    }

    // Past attacks, found by the detector in traffic made for them.
    let cfg = FlowsConfig::default();
    let mut writer = Writer::default();
    let mut stored = 0;
    let agencies: Vec<&Carried> = carried
        .iter()
        .filter(|c| c.operator_code != "MOBIFONE")
        .collect();
    let plan: [(usize, i64, usize, u64, i64); 3] = [
        // (carrier index, hours ago, attack kind, packets/s, seconds)
        (0, 14, 1, 60_000, 180),
        (1, 30, 0, 30_000, 90),
        (0, 72, 2, 12_000, 120),
    ];
    for (k, (ci, ago, kind, pps, secs)) in plan.into_iter().enumerate() {
        let Some(c) = agencies.get(ci) else { continue };
        let (target, prefixes) = if k == 2 {
            let t = Ipv4Addr::new(198, 18, 10, 20);
            (
                t,
                vec![(
                    net,
                    c.operator,
                    Thresholds {
                        pps: CUSTOMER.2 as u64,
                        mbps: 200,
                        fps: 2_000,
                    },
                )],
            )
        } else {
            let Some(&(org, h)) = c.hosts.get(k * 3) else {
                continue;
            };
            let net = ipnet::Ipv4Net::new(h, 28)
                .map(|n| n.trunc())
                .unwrap_or_else(|_| ipnet::Ipv4Net::from(h));
            (h, vec![(ipnet::IpNet::V4(net), org, Thresholds::default())])
        };
        let mut det = Detector::new(
            prefixes,
            Settings {
                end_after_s: 30,
                ..Settings::default()
            },
        );
        let start = now - ago * HOUR;
        for s in 0..secs {
            for r in attack_second(&mut d, target, kind, pps, start + s * 1000) {
                det.observe(&r, r.end_ms);
            }
        }
        det.tick(start + (secs + 40) * 1000);
        det.finish();
        for event in det.drain_events() {
            writer
                .apply(
                    store,
                    &cfg,
                    Output::Attack {
                        operator: c.operator,
                        event,
                    },
                )
                .await?;
        }
        stored += 1;
    }

    // A MobiFone subscriber talking to a listed C2 server (both on the seeded lists).
    if let Some(m) = carried.iter().find(|c| c.operator_code == "MOBIFONE") {
        let local: IpAddr = crate::LISTED_SUBSCRIBER.0.parse()?;
        let c2: IpAddr = crate::ATTACKERS[4].0.parse()?;
        let t = now - 5 * HOUR;
        let s = Sighting {
            operator: m.operator,
            org: m.operator,
            local,
            remote: c2,
            entry: c2.to_string(),
            outbound: true,
            proto: Proto::TCP,
            port: 23,
            flows: 48,
            packets: 1_920,
            bytes: 131_000,
            first_ms: t,
            last_ms: t + 40 * MINUTE,
        };
        writer
            .apply(store, &cfg, Output::Sightings(vec![s]))
            .await?;
    }
    Ok(stored)
}

/// The simulated routers: every second each sends its ordinary traffic as NetFlow v5 to the
/// collector at `to`; a minute and a half after the start, then every ten minutes, one of them
/// carries a 45-second attack on an agency's web server; every quarter of an hour a host talks
/// to a listed C2 server.
pub async fn live(store: Store, to: SocketAddr) {
    let Ok(carried) = carried(&store).await else {
        return;
    };
    let mut socks = Vec::new();
    for c in &carried {
        match tokio::net::UdpSocket::bind(SocketAddr::new(c.exporter, 0)).await {
            Ok(s) => socks.push((s, V5Exporter::new(now_ms() - 86_400_000))),
            Err(e) => {
                tracing::warn!("demo flows: cannot send from {}: {e}", c.exporter);
                return;
            }
        }
    }
    let mut d = Dice::new(now_ms() as u64);
    let started = now_ms();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut attack: Option<(usize, Ipv4Addr, usize, i64)> = None;
    let mut next_attack = started + 90_000;
    let mut next_c2 = started + 120_000;
    let mut attacks = 0usize;
    loop {
        tick.tick().await;
        let now = now_ms();
        if attack.is_none() && now >= next_attack {
            let ci = attacks % 2;
            if let Some(c) = carried.get(ci) {
                if !c.hosts.is_empty() {
                    let h = c.hosts[(d.below(c.hosts.len() / 3 + 1) * 3).min(c.hosts.len() - 1)].1;
                    attack = Some((ci, h, attacks % 3, now + 45_000));
                }
            }
            attacks += 1;
            next_attack = now + 600_000;
        }
        for (k, c) in carried.iter().enumerate() {
            // About as much traffic as the seeded day at this hour.
            let mut flows = ordinary(&mut d, c, now, (2.0 * busy(now)).round() as usize);
            if let Some((ci, target, kind, until)) = attack {
                if ci == k && now < until {
                    flows.extend(attack_second(&mut d, target, kind, 30_000, now));
                }
            }
            if now >= next_c2 && k == 0 {
                if let Some((_, h)) = c.hosts.get(d.below(c.hosts.len().max(1))) {
                    let (c2, _) = crate::ATTACKERS[d.below(crate::ATTACKERS.len())];
                    if let Ok(c2) = c2.parse::<IpAddr>() {
                        flows.push(FlowRecord {
                            src: IpAddr::V4(*h),
                            dst: c2,
                            src_port: 49_152 + d.below(10_000) as u16,
                            dst_port: 443,
                            proto: Proto::TCP,
                            tcp_flags: 0x1b,
                            packets: 12,
                            bytes: 4_800,
                            start_ms: now - 2_000,
                            end_ms: now,
                            sampling: 1,
                            fragment: false,
                        });
                    }
                }
                next_c2 = now + 900_000;
            }
            let (sock, exp) = &mut socks[k];
            for chunk in flows.chunks(canhgac_flows::encode::V5_MAX) {
                let _ = sock.send_to(&exp.datagram(chunk, now), to).await;
            }
        }
        if attack.is_some_and(|(_, _, _, until)| now >= until) {
            attack = None;
        }
    }
}
