//! NetFlow v5 datagrams from records: what the demo's simulated routers, the benchmark's sender
//! and the tests send to the collector.

use std::net::IpAddr;

use crate::FlowRecord;

/// Records a NetFlow v5 datagram holds at most.
pub const V5_MAX: usize = 30;

/// A NetFlow v5 exporter: keeps the flow sequence and its boot time.
#[derive(Debug, Clone)]
pub struct V5Exporter {
    /// Unix ms of the router's boot (uptime 0).
    pub boot_ms: i64,
    /// Flows sent so far (the header's flow_sequence).
    pub sequence: u32,
    pub engine_id: u8,
}

impl V5Exporter {
    pub fn new(boot_ms: i64) -> V5Exporter {
        V5Exporter {
            boot_ms,
            sequence: 0,
            engine_id: 0,
        }
    }

    /// One datagram of up to [`V5_MAX`] records sent at `now_ms` (IPv4 records only; others
    /// are left out). Times are relative to the boot, as routers write them.
    pub fn datagram(&mut self, records: &[FlowRecord], now_ms: i64) -> Vec<u8> {
        let recs: Vec<&FlowRecord> = records
            .iter()
            .filter(|r| r.src.is_ipv4() && r.dst.is_ipv4())
            .take(V5_MAX)
            .collect();
        let uptime = |t: i64| u32::try_from((t - self.boot_ms).max(0)).unwrap_or(u32::MAX);
        let mut b = Vec::with_capacity(24 + 48 * recs.len());
        b.extend_from_slice(&5u16.to_be_bytes());
        b.extend_from_slice(&(recs.len() as u16).to_be_bytes());
        b.extend_from_slice(&uptime(now_ms).to_be_bytes());
        b.extend_from_slice(&(u32::try_from(now_ms / 1000).unwrap_or(0)).to_be_bytes());
        b.extend_from_slice(
            &(u32::try_from((now_ms % 1000) * 1_000_000).unwrap_or(0)).to_be_bytes(),
        );
        b.extend_from_slice(&self.sequence.to_be_bytes());
        b.push(0); // engine type
        b.push(self.engine_id);
        b.extend_from_slice(&0u16.to_be_bytes()); // not sampled
        for r in &recs {
            let v4 = |a: IpAddr| match a {
                IpAddr::V4(a) => a.octets(),
                IpAddr::V6(_) => [0; 4],
            };
            b.extend_from_slice(&v4(r.src));
            b.extend_from_slice(&v4(r.dst));
            b.extend_from_slice(&[0; 4]); // next hop
            b.extend_from_slice(&1u16.to_be_bytes()); // input
            b.extend_from_slice(&2u16.to_be_bytes()); // output
            b.extend_from_slice(&(u32::try_from(r.packets).unwrap_or(u32::MAX)).to_be_bytes());
            b.extend_from_slice(&(u32::try_from(r.bytes).unwrap_or(u32::MAX)).to_be_bytes());
            b.extend_from_slice(&uptime(r.start_ms).to_be_bytes());
            b.extend_from_slice(&uptime(r.end_ms).to_be_bytes());
            b.extend_from_slice(&r.src_port.to_be_bytes());
            b.extend_from_slice(&r.dst_port.to_be_bytes());
            b.push(0);
            b.push(r.tcp_flags);
            b.push(r.proto);
            b.push(0); // tos
            b.extend_from_slice(&[0; 4]); // src/dst AS
            b.push(24);
            b.push(24);
            b.extend_from_slice(&[0; 2]);
        }
        self.sequence = self.sequence.wrapping_add(recs.len() as u32);
        b
    }
}
