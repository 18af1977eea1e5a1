//! Unit tests of the parent module.
use super::*;
use std::net::Ipv4Addr;

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn det(pps: u64) -> Detector {
    Detector::new(
        vec![(
            "10.10.10.0/24".parse().expect("net"),
            7,
            Thresholds {
                pps,
                mbps: 10_000,
                fps: 1_000_000,
            },
        )],
        Settings {
            end_after_s: 5,
            ..Settings::default()
        },
    )
}

fn flow(src: IpAddr, dst: IpAddr, proto: u8, sport: u16, dport: u16, flags: u8) -> FlowRecord {
    FlowRecord {
        src,
        dst,
        src_port: sport,
        dst_port: dport,
        proto,
        tcp_flags: flags,
        packets: 1,
        bytes: 60,
        ..FlowRecord::default()
    }
}

#[test]
fn syn_flood_starts_peaks_and_ends_with_sources() {
    let mut d = det(1_000);
    let target = v4(10, 10, 10, 10);
    // 10 s of ordinary traffic, then 5 s of 3,000 SYN/s from many sources, then quiet.
    let mut t = 1_700_000_000_000i64;
    for _ in 0..10 {
        for i in 0..100u32 {
            d.observe(
                &flow(
                    v4(198, 51, 100, (i % 50) as u8),
                    target,
                    Proto::TCP,
                    40000,
                    443,
                    0x18,
                ),
                t + i64::from(i),
            );
        }
        t += 1000;
    }
    assert!(d.drain_events().is_empty());
    let attack_start = t;
    for s in 0..5u32 {
        for i in 0..3000u32 {
            let src = v4(203, (i >> 8) as u8, i as u8, (s + 1) as u8);
            d.observe(
                &flow(src, target, Proto::TCP, 1024 + i as u16, 80, tcp_flags::SYN),
                t + i64::from(i / 3),
            );
        }
        t += 1000;
    }
    d.tick(t + 20_000);
    let ev = d.drain_events();
    let started: Vec<_> = ev
        .iter()
        .filter_map(|e| {
            if let Event::Started(a) = e {
                Some(a)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(started.len(), 1, "{ev:?}");
    assert_eq!(started[0].started_ms, attack_start);
    assert_eq!(started[0].kind, AttackKind::SynFlood);
    assert_eq!(started[0].owner, 7);
    let ended: Vec<_> = ev
        .iter()
        .filter_map(|e| {
            if let Event::Ended(a) = e {
                Some(a)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(ended.len(), 1);
    let a = ended[0];
    assert_eq!(a.peak_pps, 3000);
    assert_eq!(a.kind, AttackKind::SynFlood);
    assert_eq!(a.port, Some(80));
    assert_eq!(a.ended_ms, Some(attack_start + 4999));
    assert_eq!(a.top_sources.len(), 10);
    // Every source up to the cap (the first second's from when it passed half the
    // threshold); flows from sources past the cap are counted.
    assert_eq!(a.sources_seen, Settings::default().max_sources as u64);
    assert!(a.sources_dropped > 0);
    assert_eq!(a.mix.packets, 15_000);
}

#[test]
fn amplification_is_named_by_source_port() {
    for (port, name) in [
        (53u16, "DNS"),
        (123, "NTP"),
        (1900, "SSDP"),
        (389, "CLDAP"),
        (11211, "memcached"),
        (19, "Chargen"),
    ] {
        let mut d = det(500);
        let t = 1_700_000_000_000i64;
        for i in 0..2000u32 {
            let mut f = flow(
                v4(192, 0, 2, (i % 200) as u8),
                v4(10, 10, 10, 5),
                Proto::UDP,
                port,
                30000 + (i % 1000) as u16,
                0,
            );
            f.bytes = 1400;
            d.observe(&f, t + i64::from(i / 4));
        }
        d.finish();
        let ev = d.drain_events();
        let Some(Event::Ended(a)) = ev.iter().find(|e| matches!(e, Event::Ended(_))) else {
            panic!("no attack for {name}: {ev:?}")
        };
        assert_eq!(a.kind, AttackKind::Amplification, "{name}");
        assert_eq!(a.port, Some(port), "{name}");
        assert_eq!(amplifier(port), Some(name));
    }
}

#[test]
fn kinds_from_mix() {
    let m = |f: &dyn Fn(&mut Mix)| {
        let mut m = Mix {
            packets: 100,
            ..Mix::default()
        };
        f(&mut m);
        m.kind()
    };
    assert_eq!(m(&|m| m.synack = 80), AttackKind::TcpReflection);
    assert_eq!(m(&|m| m.udp = 90), AttackKind::UdpFlood);
    assert_eq!(m(&|m| m.icmp = 90), AttackKind::IcmpFlood);
    assert_eq!(m(&|m| m.fragments = 90), AttackKind::FragmentFlood);
    assert_eq!(m(&|m| m.tcp = 90), AttackKind::TcpFlood);
    assert_eq!(
        m(&|m| {
            m.udp = 40;
            m.tcp = 40
        }),
        AttackKind::Mixed
    );
}

#[test]
fn unprotected_and_below_threshold_raise_nothing() {
    let mut d = det(1_000);
    let t = 1_700_000_000_000i64;
    for i in 0..5000u32 {
        // Outside the prefix: counted as unowned.
        d.observe(
            &flow(v4(1, 1, 1, 1), v4(10, 10, 11, 1), Proto::UDP, 53, 5353, 0),
            t + i64::from(i / 10),
        );
    }
    for i in 0..900u32 {
        d.observe(
            &flow(v4(1, 1, 1, 1), v4(10, 10, 10, 1), Proto::UDP, 53, 5353, 0),
            t + 600,
        );
        let _ = i;
    }
    d.finish();
    assert!(d.drain_events().is_empty());
    assert_eq!(d.stats.unowned, 5000);
    let minutes = d.drain_minutes();
    assert_eq!(minutes.len(), 1);
    assert_eq!(minutes[0].owners[0].in_packets, 900);
    assert_eq!(
        minutes[0].talkers.iter().find(|t| t.local).map(|t| t.ip),
        Some(v4(10, 10, 10, 1))
    );
}

#[test]
fn learned_baseline_trips_below_the_static_threshold() {
    let mut d = Detector::new(
        vec![("10.0.0.0/8".parse().expect("net"), 1, Thresholds::default())],
        Settings {
            baseline_min_minutes: 3,
            baseline_floor_pps: 1_000,
            end_after_s: 3,
            ..Settings::default()
        },
    );
    let target = v4(10, 1, 2, 3);
    let mut t = 1_700_000_040_000i64;
    // Four minutes at 100 packets a second.
    for _ in 0..240 {
        let mut f = flow(v4(8, 8, 8, 8), target, Proto::TCP, 443, 50000, 0x18);
        f.packets = 100;
        d.observe(&f, t);
        t += 1000;
    }
    assert!(d.drain_events().is_empty());
    // 5,000 a second: under 20,000 but 50 times the baseline.
    let mut f = flow(v4(8, 8, 4, 4), target, Proto::UDP, 4444, 80, 0);
    f.packets = 5_000;
    d.observe(&f, t);
    d.tick(t + 1000);
    let ev = d.drain_events();
    assert!(
        matches!(&ev[..], [Event::Started(a)] if a.reason == "baseline" && a.kind == AttackKind::UdpFlood),
        "{ev:?}"
    );
}

#[test]
fn host_cap_counts_what_it_turns_away() {
    let mut d = Detector::new(
        vec![("10.0.0.0/8".parse().expect("net"), 1, Thresholds::default())],
        Settings {
            max_hosts: 100,
            ..Settings::default()
        },
    );
    for i in 0..1000u32 {
        let dst = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
        d.observe(
            &flow(v4(8, 8, 8, 8), dst, Proto::UDP, 1, 2, 0),
            1_700_000_000_000,
        );
    }
    assert_eq!(d.stats.hosts_dropped, 900);
}
