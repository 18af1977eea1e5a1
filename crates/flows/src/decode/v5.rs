//! NetFlow v5: a 24-byte header and up to 30 fixed 48-byte records. The hot path: records are
//! written straight into the output, with one reservation per datagram.

use std::net::{IpAddr, Ipv4Addr};

use super::StreamKey;
use super::{be16, be32, malformed, uptime_to_unix, DecodeError, DecodeStats, Decoder, Format};
use crate::FlowRecord;

const HEADER: usize = 24;
const RECORD: usize = 48;

/// Header and length agree, with the 1 to 30 records an exporter sends.
pub(super) fn plausible(b: &[u8]) -> bool {
    let count = usize::from(be16(b, 2));
    (1..=30).contains(&count) && b.len() == HEADER + count * RECORD
}

pub(super) fn decode(
    dec: &mut Decoder,
    exporter: IpAddr,
    b: &[u8],
    now_ms: i64,
    out: &mut Vec<FlowRecord>,
    d: &mut DecodeStats,
) -> Result<(), DecodeError> {
    if b.len() < HEADER {
        return Err(malformed(
            Format::NetflowV5,
            format!("header cut short ({} of 24 bytes)", b.len()),
            0,
        ));
    }
    let count = usize::from(be16(b, 2));
    let need = HEADER + count * RECORD;
    if b.len() < need {
        let whole = (b.len() - HEADER) / RECORD;
        return Err(malformed(
            Format::NetflowV5,
            format!(
                "record {} of {count} cut short (datagram of {} bytes)",
                whole + 1,
                b.len()
            ),
            HEADER + whole * RECORD,
        ));
    }
    let uptime = be32(b, 4);
    let secs = be32(b, 8);
    let nsecs = be32(b, 12);
    let sequence = be32(b, 16);
    let (engine_type, engine_id) = (b[20], b[21]);
    let sampling = u32::from(be16(b, 22) & 0x3fff);
    let rate = sampling.max(1);
    let mult = u64::from(rate);
    let unix_ms = if secs == 0 {
        now_ms
    } else {
        i64::from(secs) * 1000 + i64::from(nsecs / 1_000_000)
    };

    out.reserve(count);
    for chunk in b[HEADER..need].chunks_exact(RECORD) {
        let Ok(r) = <&[u8; RECORD]>::try_from(chunk) else {
            break;
        };
        let first = u32::from_be_bytes([r[24], r[25], r[26], r[27]]);
        let last = u32::from_be_bytes([r[28], r[29], r[30], r[31]]);
        let packets = u64::from(u32::from_be_bytes([r[16], r[17], r[18], r[19]]));
        let bytes = u64::from(u32::from_be_bytes([r[20], r[21], r[22], r[23]]));
        out.push(FlowRecord {
            src: IpAddr::V4(Ipv4Addr::new(r[0], r[1], r[2], r[3])),
            dst: IpAddr::V4(Ipv4Addr::new(r[4], r[5], r[6], r[7])),
            src_port: u16::from_be_bytes([r[32], r[33]]),
            dst_port: u16::from_be_bytes([r[34], r[35]]),
            proto: r[38],
            tcp_flags: r[37],
            packets: packets * mult,
            bytes: bytes * mult,
            start_ms: uptime_to_unix(unix_ms, uptime, first),
            end_ms: uptime_to_unix(unix_ms, uptime, last),
            sampling: rate,
            fragment: false,
        });
    }

    let key = StreamKey::V5(exporter, engine_type, engine_id);
    // `count` ≤ 65535, so the cast is exact.
    d.lost += dec.follow(key, sequence, Some(sequence.wrapping_add(count as u32)));
    Ok(())
}
