//! Flow export datagrams: NetFlow v5, v9, IPFIX (with templates kept between datagrams) and
//! sFlow v5. The input is a sequence of datagrams, each prefixed by its length (u16, LE).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut d = canhgac_flows::Decoder::new();
    let exporter = std::net::IpAddr::from([192, 0, 2, 1]);
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 {
        let n = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let body = &rest[2..];
        let take = n.min(body.len());
        let _ = d.decode(exporter, &body[..take], 1_765_000_000_000, &mut out);
        rest = &body[take..];
        out.clear();
    }
});
