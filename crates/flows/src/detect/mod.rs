//! DDoS detection per protected prefix, FastNetMon's way: every second, the packets, bytes and
//! flows that arrived for each protected address are compared with its prefix's thresholds and
//! with a baseline learned from the address's own minutes; an address over either is under
//! attack until it stays under half of them for [`Settings::end_after_s`] seconds.
//!
//! The clock is the caller's: the collector passes the arrival time, a replay the flows' own
//! times, so a capture replays exactly as it was seen. Memory is bounded: tracked addresses,
//! sources per attacked address and talkers per minute each have a cap, and what the cap
//! turned away is counted.

use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv6Addr};

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::prefixes::PrefixTable;
use crate::record::{tcp_flags, Proto};
use crate::FlowRecord;

/// An address as a map key: IPv4 as its IPv6-mapped form, hashed as one mixed word (hashing
/// `IpAddr` byte by byte gave the hash tables long probe runs under floods from many sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key(u128);

impl Hash for Key {
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        let x = (self.0 as u64) ^ ((self.0 >> 64) as u64).rotate_left(29);
        h.write_u64(x.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
}

#[inline]
fn key(ip: IpAddr) -> Key {
    Key(match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)) | 0xffff_u128 << 32,
        IpAddr::V6(a) => u128::from(a),
    })
}

#[inline]
fn addr(k: Key) -> IpAddr {
    Ipv6Addr::from(k.0).to_canonical()
}

/// Thresholds of one protected prefix (per destination address, per second).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub pps: u64,
    pub mbps: u64,
    pub fps: u64,
}

impl Default for Thresholds {
    /// FastNetMon's defaults for packets and flows; 1 Gbit/s for bandwidth.
    fn default() -> Self {
        Thresholds {
            pps: 20_000,
            mbps: 1_000,
            fps: 3_500,
        }
    }
}

/// Detector settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settings {
    /// Seconds under half the thresholds before an attack is over.
    pub end_after_s: u32,
    /// An address whose rate exceeds its learned baseline by this factor is under attack…
    pub baseline_factor: f64,
    /// …once the baseline has this many minutes behind it…
    pub baseline_min_minutes: u32,
    /// …and the rate is at least this many packets a second (small addresses stay quiet).
    pub baseline_floor_pps: u64,
    /// Addresses tracked at once (per second and for baselines).
    pub max_hosts: usize,
    /// Sources remembered per attacked address per attack.
    pub max_sources: usize,
    /// Talkers remembered per minute.
    pub max_talkers: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            end_after_s: 60,
            baseline_factor: 10.0,
            baseline_min_minutes: 30,
            baseline_floor_pps: 2_000,
            max_hosts: 1 << 20,
            max_sources: 1_024,
            max_talkers: 16_384,
        }
    }
}

/// UDP source ports of reflection/amplification services, with their names.
pub const AMPLIFIERS: &[(u16, &str)] = &[
    (19, "Chargen"),
    (53, "DNS"),
    (69, "TFTP"),
    (111, "Portmap"),
    (123, "NTP"),
    (137, "NetBIOS"),
    (161, "SNMP"),
    (389, "CLDAP"),
    (427, "SLP"),
    (500, "IKE"),
    (520, "RIP"),
    (1900, "SSDP"),
    (3283, "ARD"),
    (3702, "WS-Discovery"),
    (4500, "IKE NAT-T"),
    (5353, "mDNS"),
    (5683, "CoAP"),
    (10001, "Ubiquiti"),
    (11211, "memcached"),
    (37810, "DVR"),
    (47808, "BACnet"),
];

/// The service name of an amplification source port.
pub fn amplifier(port: u16) -> Option<&'static str> {
    AMPLIFIERS
        .binary_search_by_key(&port, |(p, _)| *p)
        .ok()
        .map(|i| AMPLIFIERS[i].1)
}

/// What kind of attack the traffic looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackKind {
    SynFlood,
    /// SYN-ACKs (or RSTs) from many servers answering spoofed SYNs.
    TcpReflection,
    TcpFlood,
    /// UDP answers from a reflection service's port (see [`Attack::port`]).
    Amplification,
    UdpFlood,
    IcmpFlood,
    FragmentFlood,
    Mixed,
}

impl AttackKind {
    pub const ALL: [AttackKind; 8] = [
        AttackKind::SynFlood,
        AttackKind::TcpReflection,
        AttackKind::TcpFlood,
        AttackKind::Amplification,
        AttackKind::UdpFlood,
        AttackKind::IcmpFlood,
        AttackKind::FragmentFlood,
        AttackKind::Mixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttackKind::SynFlood => "syn_flood",
            AttackKind::TcpReflection => "tcp_reflection",
            AttackKind::TcpFlood => "tcp_flood",
            AttackKind::Amplification => "amplification",
            AttackKind::UdpFlood => "udp_flood",
            AttackKind::IcmpFlood => "icmp_flood",
            AttackKind::FragmentFlood => "fragment_flood",
            AttackKind::Mixed => "mixed",
        }
    }

    pub fn parse(s: &str) -> Option<AttackKind> {
        AttackKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Packets of one second (or one attack) by what they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Mix {
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
    pub syn: u64,
    pub synack: u64,
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    pub fragments: u64,
    /// UDP packets from an amplifier's port.
    pub amp: u64,
}

impl Mix {
    fn add(&mut self, r: &FlowRecord) {
        let p = r.packets;
        self.packets += p;
        self.bytes += r.bytes;
        self.flows += 1;
        if r.fragment {
            self.fragments += p;
        }
        match r.proto {
            Proto::TCP => {
                self.tcp += p;
                let f = r.tcp_flags;
                if f & tcp_flags::SYN != 0 {
                    if f & tcp_flags::ACK != 0 {
                        self.synack += p;
                    } else {
                        self.syn += p;
                    }
                }
            }
            Proto::UDP => {
                self.udp += p;
                if amplifier(r.src_port).is_some() {
                    self.amp += p;
                }
            }
            Proto::ICMP | Proto::ICMPV6 => self.icmp += p,
            _ => {}
        }
    }

    fn merge(&mut self, o: &Mix) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.flows += o.flows;
        self.syn += o.syn;
        self.synack += o.synack;
        self.tcp += o.tcp;
        self.udp += o.udp;
        self.icmp += o.icmp;
        self.fragments += o.fragments;
        self.amp += o.amp;
    }

    /// The attack kind this mix shows.
    pub fn kind(&self) -> AttackKind {
        let total = self.packets.max(1) as f64;
        let share = |n: u64| n as f64 / total;
        if share(self.syn) >= 0.5 {
            AttackKind::SynFlood
        } else if share(self.amp) >= 0.5 {
            AttackKind::Amplification
        } else if share(self.synack) >= 0.5 {
            AttackKind::TcpReflection
        } else if share(self.fragments) >= 0.5 {
            // Fragments of large answers: an amplification whose first fragments carry the port.
            if self.amp > 0 {
                AttackKind::Amplification
            } else {
                AttackKind::FragmentFlood
            }
        } else if share(self.udp) >= 0.6 {
            AttackKind::UdpFlood
        } else if share(self.icmp) >= 0.6 {
            AttackKind::IcmpFlood
        } else if share(self.tcp) >= 0.6 {
            AttackKind::TcpFlood
        } else {
            AttackKind::Mixed
        }
    }
}

/// An address under attack, as known so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attack {
    /// Sequence number of the attack in this detector (stable while it lasts).
    pub seq: u64,
    pub target: IpAddr,
    /// The protected prefix holding the target, and its owner.
    pub prefix: String,
    pub owner: i64,
    pub kind: AttackKind,
    /// The dominant amplifier port (amplification) or destination port (floods), if one
    /// carries at least half the packets.
    pub port: Option<u16>,
    pub started_ms: i64,
    /// The last second over threshold.
    pub last_over_ms: i64,
    pub ended_ms: Option<i64>,
    pub peak_pps: u64,
    pub peak_bps: u64,
    pub peak_fps: u64,
    /// Over the whole attack.
    pub mix: Mix,
    /// What tripped: `pps`, `mbps`, `fps` or `baseline`.
    pub reason: &'static str,
    /// Largest sources by packets (address, packets, bytes).
    pub top_sources: Vec<(IpAddr, u64, u64)>,
    /// Distinct sources seen (up to the cap), and flows from sources the cap turned away.
    pub sources_seen: u64,
    pub sources_dropped: u64,
    pub protocol: u8,
}

/// What a second's evaluation reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Event {
    Started(Attack),
    /// A new peak, or every 10 seconds while it lasts.
    Ongoing(Attack),
    Ended(Attack),
}

/// Traffic of one owner in one minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OwnerMinute {
    pub owner: i64,
    pub in_packets: u64,
    pub in_bytes: u64,
    pub out_packets: u64,
    pub out_bytes: u64,
    pub flows: u64,
}

/// A busy address in one minute: local (`local` = inside the owner's prefixes) or remote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Talker {
    pub owner: i64,
    pub ip: IpAddr,
    pub local: bool,
    pub packets: u64,
    pub bytes: u64,
}

/// A finished minute: traffic per owner and the top talkers of each.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Minute {
    pub minute_ms: i64,
    pub owners: Vec<OwnerMinute>,
    pub talkers: Vec<Talker>,
    /// Talkers turned away by the cap in this minute.
    pub talkers_dropped: u64,
}

#[derive(Debug, Default)]
struct HostState {
    prefix: usize,
    second: Mix,
    /// Per destination or amplifier port packets this second (bounded small map).
    ports: FxHashMap<u16, u64>,
    minute_packets: u64,
    minute_bytes: u64,
    baseline_pps: f64,
    baseline_minutes: u32,
    attack: Option<Box<AttackState>>,
    /// Sources of this second once it passed half the packet threshold (so an attack's first
    /// second names its sources too).
    pending: FxHashMap<Key, (u64, u64)>,
    /// Whole seconds since the last traffic (to forget idle hosts).
    idle_minutes: u32,
}

#[derive(Debug)]
struct AttackState {
    attack: Attack,
    sources: FxHashMap<Key, (u64, u64)>,
    ports: FxHashMap<u16, u64>,
    quiet_s: u32,
    last_report_ms: i64,
}

/// Counters of what the detector did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DetectStats {
    pub flows: u64,
    /// Flows with neither end in a protected prefix.
    pub unowned: u64,
    /// Addresses not tracked because the host cap was reached.
    pub hosts_dropped: u64,
    pub attacks: u64,
}

/// The detector.
pub struct Detector {
    prefixes: PrefixTable,
    nets: Vec<ipnet::IpNet>,
    thresholds: Vec<Thresholds>,
    owners: Vec<i64>,
    settings: Settings,
    hosts: FxHashMap<Key, HostState>,
    /// The second being counted (Unix seconds) and the minute.
    second: i64,
    minute: i64,
    /// This minute's traffic per protected prefix (merged per owner when the minute closes).
    prefix_minute: Vec<OwnerMinute>,
    /// This minute's traffic counted under prefixes since replaced, by owner.
    carried: FxHashMap<i64, OwnerMinute>,
    talkers: FxHashMap<(i64, Key, bool), (u64, u64)>,
    talkers_dropped: u64,
    next_seq: u64,
    pub stats: DetectStats,
    events: Vec<Event>,
    minutes: Vec<Minute>,
}

/// Talkers kept per owner and side in a [`Minute`].
pub const TOP_TALKERS: usize = 10;

impl Detector {
    /// A detector over `prefixes`: each entry (prefix, owner, thresholds).
    pub fn new(prefixes: Vec<(ipnet::IpNet, i64, Thresholds)>, settings: Settings) -> Detector {
        let mut owners = Vec::with_capacity(prefixes.len());
        let mut thresholds = Vec::with_capacity(prefixes.len());
        let mut nets = Vec::with_capacity(prefixes.len());
        for (net, owner, t) in prefixes {
            nets.push(net);
            owners.push(owner);
            thresholds.push(t);
        }
        let n = nets.len();
        Detector {
            prefixes: PrefixTable::new(&nets),
            nets,
            thresholds,
            owners,
            settings,
            hosts: FxHashMap::default(),
            second: i64::MIN,
            minute: i64::MIN,
            prefix_minute: vec![OwnerMinute::default(); n],
            carried: FxHashMap::default(),
            talkers: FxHashMap::default(),
            talkers_dropped: 0,
            next_seq: 1,
            stats: DetectStats::default(),
            events: Vec::new(),
            minutes: Vec::new(),
        }
    }

    /// Replaces the protected prefixes (the registry changed); attacks under way keep going
    /// on addresses still protected.
    pub fn set_prefixes(&mut self, prefixes: Vec<(ipnet::IpNet, i64, Thresholds)>) {
        let fresh = Detector::new(prefixes, self.settings);
        let old = std::mem::replace(&mut self.prefix_minute, fresh.prefix_minute);
        for (p, m) in old.into_iter().enumerate() {
            fold(&mut self.carried, self.owners[p], &m);
        }
        self.prefixes = fresh.prefixes;
        self.nets = fresh.nets;
        self.thresholds = fresh.thresholds;
        self.owners = fresh.owners;
        let table = &self.prefixes;
        self.hosts.retain(|ip, h| match table.lookup(addr(*ip)) {
            Some(p) => {
                h.prefix = p;
                true
            }
            None => false,
        });
    }

    /// The owner of the prefix holding `ip`, if protected.
    pub fn owner_of(&self, ip: IpAddr) -> Option<i64> {
        self.prefixes.lookup(ip).map(|p| self.owners[p])
    }

    /// Counts one flow that arrived at `at_ms`. Seconds before `at_ms` are closed first.
    /// Returns the owners of its source and destination (`None` outside every protected
    /// prefix), so a caller can look at the far end of owned traffic.
    #[inline]
    pub fn observe(&mut self, r: &FlowRecord, at_ms: i64) -> (Option<i64>, Option<i64>) {
        let sec = at_ms.div_euclid(1000);
        if sec != self.second {
            self.advance(sec);
        }
        self.stats.flows += 1;
        let dst = self.prefixes.lookup(r.dst);
        let src = self.prefixes.lookup(r.src);
        if dst.is_none() && src.is_none() {
            self.stats.unowned += 1;
            return (None, None);
        }
        let owners = (src.map(|p| self.owners[p]), dst.map(|p| self.owners[p]));
        if let Some(p) = src {
            let owner = self.owners[p];
            let m = &mut self.prefix_minute[p];
            m.out_packets += r.packets;
            m.out_bytes += r.bytes;
            m.flows += 1;
            self.talk(owner, r.src, true, r);
            if dst.is_none() {
                self.talk(owner, r.dst, false, r);
            }
        }
        let Some(p) = dst else { return owners };
        let owner = self.owners[p];
        {
            let m = &mut self.prefix_minute[p];
            m.in_packets += r.packets;
            m.in_bytes += r.bytes;
            if src.is_none() {
                m.flows += 1;
            }
        }
        if src.is_none() {
            self.talk(owner, r.src, false, r);
        }
        let full = self.hosts.len() >= self.settings.max_hosts;
        let dst_key = key(r.dst);
        let h = match self.hosts.get_mut(&dst_key) {
            Some(h) => h,
            None if full => {
                self.stats.hosts_dropped += 1;
                self.talk(owner, r.dst, true, r);
                return owners;
            }
            None => self.hosts.entry(dst_key).or_insert_with(|| HostState {
                prefix: p,
                ..Default::default()
            }),
        };
        h.second.add(r);
        h.minute_packets += r.packets;
        h.minute_bytes += r.bytes;
        let half_pps = self.thresholds[h.prefix].pps / 2;
        let hot = h.second.packets > half_pps;
        if !hot && h.attack.is_none() {
            return owners;
        }
        // Ports and sources only for an address past half its threshold or under attack: all
        // an attack's description needs, and nothing for ordinary traffic.
        let port = if r.proto == Proto::UDP && amplifier(r.src_port).is_some() {
            r.src_port
        } else {
            r.dst_port
        };
        if h.attack.is_none() && (h.ports.len() < 64 || h.ports.contains_key(&port)) {
            *h.ports.entry(port).or_default() += r.packets;
        }
        if h.attack.is_none()
            && (h.pending.len() < self.settings.max_sources || h.pending.contains_key(&key(r.src)))
        {
            let e = h.pending.entry(key(r.src)).or_default();
            e.0 += r.packets;
            e.1 += r.bytes;
        }
        if let Some(a) = h.attack.as_mut() {
            let src = key(r.src);
            if a.sources.len() < self.settings.max_sources || a.sources.contains_key(&src) {
                let e = a.sources.entry(src).or_default();
                e.0 += r.packets;
                e.1 += r.bytes;
            } else {
                a.attack.sources_dropped += 1;
            }
            if a.ports.len() < 1024 || a.ports.contains_key(&port) {
                *a.ports.entry(port).or_default() += r.packets;
            }
        }
        owners
    }

    #[inline]
    fn talk(&mut self, owner: i64, ip: IpAddr, local: bool, r: &FlowRecord) {
        let key = (owner, key(ip), local);
        if let Some(t) = self.talkers.get_mut(&key) {
            t.0 += r.packets;
            t.1 += r.bytes;
        } else if self.talkers.len() < self.settings.max_talkers {
            self.talkers.insert(key, (r.packets, r.bytes));
        } else {
            self.talkers_dropped += 1;
        }
    }

    /// Closes every second (and minute) before `now_ms`: what a live collector calls once a
    /// second so that quiet seconds count too.
    pub fn tick(&mut self, now_ms: i64) {
        let sec = now_ms.div_euclid(1000);
        if sec > self.second {
            self.advance(sec);
        }
    }

    /// Closes everything: attacks under way end at the last second seen, the minute is
    /// reported. For a replay's end.
    pub fn finish(&mut self) {
        if self.second == i64::MIN {
            return;
        }
        self.close_second();
        let last = self.second * 1000 + 999;
        let hosts: Vec<Key> = self
            .hosts
            .iter()
            .filter(|(_, h)| h.attack.is_some())
            .map(|(ip, _)| *ip)
            .collect();
        for ip in hosts {
            if let Some(h) = self.hosts.get_mut(&ip) {
                if let Some(a) = h.attack.take() {
                    let mut attack = finish_attack(*a);
                    attack.ended_ms = Some(last.max(attack.last_over_ms));
                    self.events.push(Event::Ended(attack));
                }
            }
        }
        self.close_minute();
        self.second = i64::MIN;
        self.minute = i64::MIN;
    }

    /// Attack events since the last call.
    pub fn drain_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Finished minutes since the last call.
    pub fn drain_minutes(&mut self) -> Vec<Minute> {
        std::mem::take(&mut self.minutes)
    }

    /// Attacks under way.
    pub fn active(&self) -> Vec<Attack> {
        self.hosts
            .values()
            .filter_map(|h| h.attack.as_ref().map(|a| snapshot(a)))
            .collect()
    }

    fn advance(&mut self, sec: i64) {
        if self.second == i64::MIN {
            self.second = sec;
            self.minute = sec.div_euclid(60);
            return;
        }
        if sec < self.second {
            // A late flow (an exporter's clock behind): counted in the current second.
            return;
        }
        // Close the current second, then the quiet ones in between (at most end_after_s + 1
        // of them matter: after that every attack has ended and nothing else changes).
        let gap = (sec - self.second).min(i64::from(self.settings.end_after_s) + 2);
        for _ in 0..gap {
            self.close_second();
            self.second += 1;
            if self.second.div_euclid(60) != self.minute {
                self.close_minute();
                self.minute = self.second.div_euclid(60);
            }
        }
        if self.second != sec {
            self.second = sec;
            if sec.div_euclid(60) != self.minute {
                self.close_minute();
                self.minute = sec.div_euclid(60);
            }
        }
    }

    fn close_second(&mut self) {
        let now_ms = self.second * 1000;
        let settings = self.settings;
        let mut started = Vec::new();
        for (ip, h) in self.hosts.iter_mut() {
            let m = std::mem::take(&mut h.second);
            let t = self.thresholds[h.prefix];
            let pps = m.packets;
            let bps = m.bytes * 8;
            let fps = m.flows;
            let reason = if pps > t.pps {
                Some("pps")
            } else if bps > t.mbps * 1_000_000 {
                Some("mbps")
            } else if fps > t.fps {
                Some("fps")
            } else if h.baseline_minutes >= settings.baseline_min_minutes
                && pps >= settings.baseline_floor_pps
                && pps as f64 > h.baseline_pps * settings.baseline_factor
            {
                Some("baseline")
            } else {
                None
            };
            let half = pps * 2 > t.pps || bps * 2 > t.mbps * 1_000_000 || fps * 2 > t.fps;
            match (&mut h.attack, reason) {
                (None, Some(reason)) => {
                    let seq = self.next_seq;
                    self.next_seq += 1;
                    self.stats.attacks += 1;
                    let mut ports = FxHashMap::default();
                    for (p, n) in h.ports.drain() {
                        ports.insert(p, n);
                    }
                    let attack = Attack {
                        seq,
                        target: addr(*ip),
                        prefix: self.nets[h.prefix].to_string(),
                        owner: self.owners[h.prefix],
                        kind: m.kind(),
                        port: None,
                        started_ms: now_ms,
                        last_over_ms: now_ms,
                        ended_ms: None,
                        peak_pps: pps,
                        peak_bps: bps,
                        peak_fps: fps,
                        mix: m,
                        reason,
                        top_sources: Vec::new(),
                        sources_seen: 0,
                        sources_dropped: 0,
                        protocol: 0,
                    };
                    let mut st = AttackState {
                        attack,
                        sources: std::mem::take(&mut h.pending),
                        ports,
                        quiet_s: 0,
                        last_report_ms: now_ms,
                    };
                    let snap = snapshot(&st);
                    st.attack.kind = snap.kind;
                    h.attack = Some(Box::new(st));
                    started.push(snap);
                }
                (Some(a), over) => {
                    a.attack.mix.merge(&m);
                    let mut peak = false;
                    if pps > a.attack.peak_pps {
                        a.attack.peak_pps = pps;
                        peak = true;
                    }
                    if bps > a.attack.peak_bps {
                        a.attack.peak_bps = bps;
                        peak = true;
                    }
                    if fps > a.attack.peak_fps {
                        a.attack.peak_fps = fps;
                    }
                    if over.is_some() || half {
                        a.attack.last_over_ms = now_ms;
                        a.quiet_s = 0;
                    } else {
                        a.quiet_s += 1;
                    }
                    h.ports.clear();
                    if a.quiet_s >= settings.end_after_s {
                        if let Some(a) = h.attack.take() {
                            let mut attack = finish_attack(*a);
                            attack.ended_ms = Some(attack.last_over_ms + 999);
                            self.events.push(Event::Ended(attack));
                        }
                    } else if peak && now_ms - a.last_report_ms >= 1000
                        || now_ms - a.last_report_ms >= 10_000
                    {
                        a.last_report_ms = now_ms;
                        self.events.push(Event::Ongoing(snapshot(a)));
                    }
                }
                (None, None) => {
                    h.ports.clear();
                    h.pending.clear();
                }
            }
        }
        self.events.extend(started.into_iter().map(Event::Started));
    }

    fn close_minute(&mut self) {
        if self.minute == i64::MIN {
            return;
        }
        // Baselines: the minute's average rate, learned only outside attacks.
        let alpha = 1.0 / 60.0;
        // Inbound traffic of each tracked address joins its talker counts.
        for (ip, h) in &self.hosts {
            if h.minute_packets > 0 {
                let key = (self.owners[h.prefix], *ip, true);
                let t = self.talkers.entry(key).or_default();
                t.0 += h.minute_packets;
                t.1 += h.minute_bytes;
            }
        }
        self.hosts.retain(|_, h| {
            let avg = h.minute_packets as f64 / 60.0;
            if h.attack.is_none() {
                if h.baseline_minutes == 0 {
                    h.baseline_pps = avg;
                } else {
                    h.baseline_pps += alpha * (avg - h.baseline_pps);
                }
                h.baseline_minutes = h.baseline_minutes.saturating_add(1);
            }
            if h.minute_packets == 0 && h.attack.is_none() {
                h.idle_minutes += 1;
            } else {
                h.idle_minutes = 0;
            }
            h.minute_packets = 0;
            h.minute_bytes = 0;
            // An address idle for a day is forgotten.
            h.idle_minutes < 1440
        });
        let mut per_owner = std::mem::take(&mut self.carried);
        for (p, m) in self.prefix_minute.iter_mut().enumerate() {
            fold(&mut per_owner, self.owners[p], m);
            *m = OwnerMinute::default();
        }
        let mut owners: Vec<OwnerMinute> = per_owner.into_values().collect();
        owners.sort_by_key(|m| m.owner);
        let mut by_side: FxHashMap<(i64, bool), Vec<Talker>> = FxHashMap::default();
        for ((owner, ip, local), (packets, bytes)) in self.talkers.drain() {
            by_side.entry((owner, local)).or_default().push(Talker {
                owner,
                ip: addr(ip),
                local,
                packets,
                bytes,
            });
        }
        let mut talkers = Vec::new();
        for (_, mut v) in by_side {
            v.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.ip.cmp(&b.ip)));
            v.truncate(TOP_TALKERS);
            talkers.extend(v);
        }
        talkers.sort_by(|a, b| (a.owner, !a.local, b.bytes).cmp(&(b.owner, !b.local, a.bytes)));
        if !owners.is_empty() || !talkers.is_empty() {
            self.minutes.push(Minute {
                minute_ms: self.minute * 60_000,
                owners,
                talkers,
                talkers_dropped: std::mem::take(&mut self.talkers_dropped),
            });
        }
    }
}

/// Adds a prefix's minute to its owner's.
fn fold(per_owner: &mut FxHashMap<i64, OwnerMinute>, owner: i64, m: &OwnerMinute) {
    if m.in_packets + m.out_packets + m.flows == 0 {
        return;
    }
    let o = per_owner.entry(owner).or_default();
    o.owner = owner;
    o.in_packets += m.in_packets;
    o.in_bytes += m.in_bytes;
    o.out_packets += m.out_packets;
    o.out_bytes += m.out_bytes;
    o.flows += m.flows;
}

/// The attack as reported now: kind from its whole mix, dominant port, top sources.
fn snapshot(a: &AttackState) -> Attack {
    let mut attack = a.attack.clone();
    attack.kind = attack.mix.kind();
    let total: u64 = a.ports.values().sum();
    attack.port = a
        .ports
        .iter()
        .max_by_key(|(p, n)| (**n, std::cmp::Reverse(**p)))
        .filter(|(_, n)| **n * 2 >= total && total > 0)
        .map(|(p, _)| *p);
    if attack.kind == AttackKind::Amplification {
        attack.port = attack.port.filter(|p| amplifier(*p).is_some());
    }
    attack.protocol = match attack.kind {
        AttackKind::SynFlood | AttackKind::TcpReflection | AttackKind::TcpFlood => Proto::TCP,
        AttackKind::Amplification | AttackKind::UdpFlood => Proto::UDP,
        AttackKind::IcmpFlood => Proto::ICMP,
        AttackKind::FragmentFlood | AttackKind::Mixed => 0,
    };
    let mut top: Vec<(IpAddr, u64, u64)> = a
        .sources
        .iter()
        .map(|(ip, (p, b))| (addr(*ip), *p, *b))
        .collect();
    top.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    top.truncate(10);
    attack.top_sources = top;
    attack.sources_seen = a.sources.len() as u64;
    attack
}

fn finish_attack(a: AttackState) -> Attack {
    snapshot(&a)
}

#[cfg(test)]
mod tests;
