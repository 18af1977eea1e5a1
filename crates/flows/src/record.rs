//! One flow as every decoder produces it.

use std::net::{IpAddr, Ipv4Addr};

/// IP protocol numbers the detector names.
pub struct Proto;
impl Proto {
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
}

/// TCP flag bits as NetFlow/IPFIX carry them (cumulative OR over the flow).
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
}

/// A unidirectional flow. Packet and byte counts are already multiplied by the sampling rate
/// the exporter declared (`sampling`, 1 when unsampled), so every consumer counts real traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowRecord {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub proto: u8,
    /// Cumulative TCP flags (see [`tcp_flags`]); 0 for other protocols.
    pub tcp_flags: u8,
    pub packets: u64,
    pub bytes: u64,
    /// First and last packet, Unix milliseconds (the export time when the format gives none).
    pub start_ms: i64,
    pub end_ms: i64,
    /// The sampling rate applied (1 = every packet).
    pub sampling: u32,
    /// Non-first IP fragment (no ports): reflection attacks with large answers arrive so.
    pub fragment: bool,
}

impl Default for FlowRecord {
    fn default() -> Self {
        FlowRecord {
            src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            dst: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            src_port: 0,
            dst_port: 0,
            proto: 0,
            tcp_flags: 0,
            packets: 0,
            bytes: 0,
            start_ms: 0,
            end_ms: 0,
            sampling: 1,
            fragment: false,
        }
    }
}
