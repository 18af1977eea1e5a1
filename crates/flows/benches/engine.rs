//! Decoding and detection on one core, without a socket: NetFlow v5 datagrams of 30 records
//! (destinations in one protected /24, sources all over the IPv4 space, as bench/nf5send.py
//! sends them) through `Decoder` and `Detector`. Prints flows a second, the median of five runs.
//! `cargo bench -p canhgac-flows --bench engine`

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use canhgac_flows::detect::{Settings, Thresholds};
use canhgac_flows::encode::V5Exporter;
use canhgac_flows::{Decoder, Detector, FlowRecord};

fn main() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let base = 1_800_000_000_000i64;
    let mut exp = V5Exporter::new(base - 100_000);
    let datagrams: Vec<Vec<u8>> = (0..20_000)
        .map(|_| {
            let recs: Vec<FlowRecord> = (0..30)
                .map(|_| {
                    let r = next();
                    FlowRecord {
                        src: IpAddr::V4(Ipv4Addr::from(0x0100_0000 + (r as u32) % 0xde00_0000)),
                        dst: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1 + (r >> 40) as u8 % 254)),
                        src_port: 1024 + (r >> 20) as u16 % 60_000,
                        dst_port: [53, 80, 443, 123][(r >> 50) as usize % 4],
                        proto: if r & 1 == 0 { 6 } else { 17 },
                        tcp_flags: 0x12,
                        packets: 10,
                        bytes: 6000,
                        start_ms: base - 1000,
                        end_ms: base,
                        sampling: 1,
                        fragment: false,
                    }
                })
                .collect();
            exp.datagram(&recs, base)
        })
        .collect();
    let flows = datagrams.len() as f64 * 30.0;
    let mut rates = Vec::new();
    for _ in 0..5 {
        let mut dec = Decoder::new();
        let mut det = Detector::new(
            vec![(
                "198.51.100.0/24".parse().expect("net"),
                1,
                Thresholds::default(),
            )],
            Settings::default(),
        );
        let mut out = Vec::with_capacity(64);
        let peer = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let t = Instant::now();
        let mut seen = 0u64;
        // Ten passes, a simulated second apart, so seconds and minutes close as they would.
        for pass in 0..10i64 {
            for d in &datagrams {
                out.clear();
                let now = base + pass * 1000;
                if dec.decode(peer, d, now, &mut out).is_ok() {
                    for r in &out {
                        det.observe(r, now);
                        seen += 1;
                    }
                }
            }
        }
        det.finish();
        let el = t.elapsed().as_secs_f64();
        assert_eq!(seen as f64, flows * 10.0);
        rates.push(flows * 10.0 / el);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "decode + detect, NetFlow v5, one core: {:.0} flows/s (median of 5; runs {:?})",
        rates[2],
        rates
            .iter()
            .map(|r| format!("{:.2}M", r / 1e6))
            .collect::<Vec<_>>()
    );
}
