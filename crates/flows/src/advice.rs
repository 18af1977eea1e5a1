//! Mitigation advice for an attack: the remotely-triggered black hole (RTBH) announcement of
//! the target and a FlowSpec rule (RFC 8955) that drops or limits only the attack's traffic,
//! as text ExaBGP's API and GoBGP's CLI accept, with the matching withdrawals.
//!
//! - ExaBGP (text API, one command a line): `announce route P next-hop NH community [C]` and
//!   `announce flow route { match { …; } then { …; } }`.
//! - GoBGP (`gobgp global rib …`): `add P nexthop NH community C -a ipv4` and
//!   `-a ipv4-flowspec add match … then …`, items written `==N`.
//!
//! The black-hole community defaults to RFC 7999's BLACKHOLE (65535:666).

use std::net::IpAddr;

use serde::Serialize;

use crate::detect::{Attack, AttackKind};
use crate::record::Proto;

/// Where black-holed traffic is sent and how the announcement is marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RtbhSettings {
    /// The next hop routers discard (a documentation address by default: operators set theirs).
    pub next_hop_v4: IpAddr,
    pub next_hop_v6: IpAddr,
    /// `ASN:value`.
    pub community: String,
}

impl Default for RtbhSettings {
    fn default() -> Self {
        RtbhSettings {
            next_hop_v4: IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)),
            next_hop_v6: IpAddr::V6(std::net::Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 1)),
            community: "65535:666".into(),
        }
    }
}

/// What the operator can apply, each with its withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    pub rtbh_exabgp: String,
    pub rtbh_exabgp_withdraw: String,
    pub rtbh_gobgp: String,
    pub rtbh_gobgp_withdraw: String,
    pub flowspec_exabgp: String,
    pub flowspec_exabgp_withdraw: String,
    pub flowspec_gobgp: String,
    pub flowspec_gobgp_withdraw: String,
    /// `discard` or `rate-limit N` (bytes a second): what the FlowSpec rule does.
    pub flowspec_action: String,
}

fn host_prefix(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => format!("{a}/32"),
        IpAddr::V6(a) => format!("{a}/128"),
    }
}

/// The advice for `attack`.
pub fn advise(attack: &Attack, rtbh: &RtbhSettings) -> Advice {
    let prefix = host_prefix(attack.target);
    let v6 = attack.target.is_ipv6();
    let nh = if v6 {
        rtbh.next_hop_v6
    } else {
        rtbh.next_hop_v4
    };
    let family = if v6 { "ipv6" } else { "ipv4" };

    // FlowSpec match items as (ExaBGP, GoBGP) pairs.
    let mut exa: Vec<String> = vec![format!("destination {prefix}")];
    let mut gob: Vec<String> = vec![format!("destination {prefix}")];
    let proto = match attack.protocol {
        Proto::TCP => Some("tcp"),
        Proto::UDP => Some("udp"),
        Proto::ICMP if !v6 => Some("icmp"),
        _ => None,
    };
    if let Some(p) = proto {
        exa.push(format!("protocol {p}"));
        gob.push(format!("protocol {p}"));
    }
    match (attack.kind, attack.port) {
        (AttackKind::Amplification, Some(port)) => {
            exa.push(format!("source-port ={port}"));
            gob.push(format!("source-port =={port}"));
        }
        (AttackKind::SynFlood, port) => {
            exa.push("tcp-flags [ syn ]".into());
            gob.push("tcp-flags ==S".into());
            if let Some(port) = port {
                exa.push(format!("destination-port ={port}"));
                gob.push(format!("destination-port =={port}"));
            }
        }
        (AttackKind::TcpReflection, _) => {
            exa.push("tcp-flags [ syn ack ]".into());
            gob.push("tcp-flags ==SA".into());
        }
        (AttackKind::UdpFlood | AttackKind::TcpFlood, Some(port)) => {
            exa.push(format!("destination-port ={port}"));
            gob.push(format!("destination-port =={port}"));
        }
        (AttackKind::FragmentFlood, _) => {
            exa.push("fragment [ is-fragment ]".into());
            gob.push("fragment is-fragment".into());
        }
        _ => {}
    }
    // A SYN flood on a service that must stay up is limited, not dropped: the limit is the
    // average SYN rate of a healthy server (its threshold's byte rate would still pass the
    // flood). Everything else the rule matches is attack traffic and is dropped.
    let action = if attack.kind == AttackKind::SynFlood {
        "rate-limit 125000".to_string()
    } else {
        "discard".to_string()
    };
    let gob_action = action.clone();
    let exa_match = exa.iter().map(|i| format!("{i}; ")).collect::<String>();
    let flow_exa = format!("flow route {{ match {{ {exa_match}}} then {{ {action}; }} }}");
    let gob_match = gob.join(" ");
    Advice {
        rtbh_exabgp: format!(
            "announce route {prefix} next-hop {nh} community [{}]",
            rtbh.community
        ),
        rtbh_exabgp_withdraw: format!("withdraw route {prefix} next-hop {nh}"),
        rtbh_gobgp: format!(
            "gobgp global rib -a {family} add {prefix} nexthop {nh} community {}",
            rtbh.community
        ),
        rtbh_gobgp_withdraw: format!("gobgp global rib -a {family} del {prefix}"),
        flowspec_exabgp: format!("announce {flow_exa}"),
        flowspec_exabgp_withdraw: format!("withdraw {flow_exa}"),
        flowspec_gobgp: format!(
            "gobgp global rib -a {family}-flowspec add match {gob_match} then {gob_action}"
        ),
        flowspec_gobgp_withdraw: format!(
            "gobgp global rib -a {family}-flowspec del match {gob_match} then {gob_action}"
        ),
        flowspec_action: action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Mix;

    fn attack(kind: AttackKind, port: Option<u16>, protocol: u8, target: &str) -> Attack {
        Attack {
            seq: 1,
            target: target.parse().expect("ip"),
            prefix: String::new(),
            owner: 1,
            kind,
            port,
            started_ms: 0,
            last_over_ms: 0,
            ended_ms: None,
            peak_pps: 0,
            peak_bps: 0,
            peak_fps: 0,
            mix: Mix::default(),
            reason: "pps",
            top_sources: Vec::new(),
            sources_seen: 0,
            sources_dropped: 0,
            protocol,
        }
    }

    #[test]
    fn dns_amplification() {
        let a = advise(
            &attack(
                AttackKind::Amplification,
                Some(53),
                Proto::UDP,
                "203.0.113.10",
            ),
            &RtbhSettings::default(),
        );
        assert_eq!(
            a.rtbh_exabgp,
            "announce route 203.0.113.10/32 next-hop 192.0.2.1 community [65535:666]"
        );
        assert_eq!(
            a.rtbh_gobgp,
            "gobgp global rib -a ipv4 add 203.0.113.10/32 nexthop 192.0.2.1 community 65535:666"
        );
        assert_eq!(
            a.flowspec_exabgp,
            "announce flow route { match { destination 203.0.113.10/32; protocol udp; source-port =53; } then { discard; } }"
        );
        assert_eq!(
            a.flowspec_gobgp,
            "gobgp global rib -a ipv4-flowspec add match destination 203.0.113.10/32 protocol udp source-port ==53 then discard"
        );
        assert!(a.flowspec_gobgp_withdraw.contains(" del match "));
    }

    #[test]
    fn syn_flood_is_limited_and_ipv6_uses_its_family() {
        let a = advise(
            &attack(AttackKind::SynFlood, Some(443), Proto::TCP, "2001:db8::10"),
            &RtbhSettings::default(),
        );
        assert_eq!(a.flowspec_action, "rate-limit 125000");
        assert_eq!(
            a.flowspec_gobgp,
            "gobgp global rib -a ipv6-flowspec add match destination 2001:db8::10/128 protocol tcp tcp-flags ==S destination-port ==443 then rate-limit 125000"
        );
        assert!(a
            .rtbh_exabgp
            .starts_with("announce route 2001:db8::10/128 next-hop 100::1 "));
    }
}
