//! Flow telemetry (M16), without I/O.
//!
//! - [`decode`]: NetFlow v5, v9, IPFIX and sFlow v5 datagrams into [`FlowRecord`]s, with a
//!   template cache per exporter and counters for what could not be used ([`DecodeStats`]).
//! - [`packet`]: captured frames (Ethernet, VLAN, Linux cooked, raw IP) into addresses, ports,
//!   flags and the UDP payload.
//! - [`pcap`]: classic pcap files (flow exports inside, or raw traffic turned into one-packet
//!   records); [`nfdump`]: nfdump's own files.
//! - [`detect`]: per-prefix DDoS detection (thresholds and a learned baseline, attack types,
//!   start/peak/end); [`advice`]: RTBH and FlowSpec text for ExaBGP and GoBGP.

pub mod advice;
pub mod decode;
pub mod detect;
pub mod encode;
pub mod nfdump;
pub mod packet;
pub mod pcap;
pub mod prefixes;
mod record;
pub mod replay;

pub use decode::{DecodeError, DecodeStats, Decoder};
pub use detect::{Attack, AttackKind, Detector, Event, Settings, Thresholds};
pub use record::{tcp_flags, FlowRecord, Proto};
