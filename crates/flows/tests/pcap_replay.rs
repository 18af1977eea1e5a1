//! Capture files: classic pcap (both byte orders, micro- and nanosecond), pcapng, faults named
//! by record and offset, and raw traffic turned into one-packet flows — counts checked against
//! tshark 4.0 (`-o ip.defragment:FALSE`; per protocol, IP lengths summed).

use std::collections::BTreeMap;

use canhgac_flows::packet::{self, Link};
use canhgac_flows::pcap::{replay, PcapError, Reader, ReplayStats};
use canhgac_flows::{Decoder, FlowRecord};

fn testdata(name: &str) -> Vec<u8> {
    let path = format!("{}/../../testdata/flows/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run(bytes: &[u8]) -> (ReplayStats, Vec<FlowRecord>, Decoder) {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    let stats = replay(bytes, &mut dec, &mut out).expect("replay");
    (stats, out, dec)
}

/// Per protocol: packets and bytes.
fn per_proto(out: &[FlowRecord]) -> BTreeMap<u8, (u64, u64)> {
    let mut m = BTreeMap::new();
    for f in out {
        let e = m.entry(f.proto).or_insert((0, 0));
        e.0 += f.packets;
        e.1 += f.bytes;
    }
    m
}

#[test]
fn raw_dns_capture() {
    let (s, out, dec) = run(&testdata("pktvisor_dns_udp_mixed_rcode.pcap"));
    assert_eq!(
        s,
        ReplayStats {
            packets: 24,
            export_datagrams: 0,
            raw_packets: 24,
            not_ip: 0,
            // 1623768324.607115 and 1623768377.134897.
            first_ms: Some(1_623_768_324_607),
            last_ms: Some(1_623_768_377_134),
        }
    );
    assert_eq!(per_proto(&out), BTreeMap::from([(17, (24, 2477))]));
    assert_eq!(dec.stats.datagrams, 0);
    let f = out[0];
    assert_eq!(
        f.src,
        "192.168.0.54".parse::<std::net::IpAddr>().expect("ip")
    );
    assert_eq!((f.dst_port, f.packets, f.sampling), (53, 1, 1));
    assert_eq!(
        (f.start_ms, f.end_ms),
        (1_623_768_324_607, 1_623_768_324_607)
    );
}

#[test]
fn raw_lan_capture_with_arp_stp_and_ipv6() {
    let (s, out, _) = run(&testdata("zeek_wikipedia.pcap"));
    // 136 frames: 6 ARP and 4 STP (802.3 / LLC) are not IP.
    assert_eq!((s.packets, s.raw_packets, s.not_ip), (136, 126, 10));
    assert_eq!(
        per_proto(&out),
        BTreeMap::from([(6, (78, 17987)), (17, (48, 4909))])
    );
    assert_eq!(out.iter().filter(|f| f.src.is_ipv6()).count(), 5);
    assert_eq!(out.iter().filter(|f| f.tcp_flags == 0x02).count(), 8);
    assert_eq!(
        (s.first_ms, s.last_ms),
        (Some(1_300_475_167_096), Some(1_300_475_173_475))
    );
}

#[test]
fn raw_web_browsing_tcp_flags() {
    let (s, out, _) = run(&testdata("zeek_workshop_2011_browse.pcap"));
    assert_eq!((s.packets, s.raw_packets, s.not_ip), (121, 121, 0));
    assert_eq!(per_proto(&out), BTreeMap::from([(6, (121, 16049))]));
    let flags = |v: u8| out.iter().filter(|f| f.tcp_flags == v).count();
    // tshark tcp.flags: 6 SYN, 6 SYN-ACK, 55 ACK, 48 PSH-ACK, 6 FIN-ACK.
    assert_eq!(
        (
            flags(0x02),
            flags(0x12),
            flags(0x10),
            flags(0x18),
            flags(0x11)
        ),
        (6, 6, 55, 48, 6)
    );
}

#[test]
fn pcapng_reads_as_the_same_packets() {
    // `editcap -F pcapng` of the classic file.
    let classic = run(&testdata("pktvisor_dns_udp_mixed_rcode.pcap"));
    let ng = run(&testdata("pktvisor_dns_udp_mixed_rcode.pcapng"));
    assert_eq!(ng.0, classic.0);
    assert_eq!(ng.1, classic.1);
}

/// The classic file rewritten big-endian.
fn to_big_endian(le: &[u8]) -> Vec<u8> {
    let mut b = le.to_vec();
    let swap4 = |b: &mut [u8], at: usize| b[at..at + 4].reverse();
    swap4(&mut b, 0);
    b[4..6].reverse();
    b[6..8].reverse();
    for at in (8..24).step_by(4) {
        swap4(&mut b, at);
    }
    let mut at = 24;
    while at < b.len() {
        let incl = u32::from_le_bytes(le[at + 8..at + 12].try_into().expect("4")) as usize;
        for k in 0..4 {
            swap4(&mut b, at + 4 * k);
        }
        at += 16 + incl;
    }
    b
}

#[test]
fn big_endian_and_nanosecond_files() {
    let le = testdata("zeek_workshop_2011_browse.pcap");
    let be = to_big_endian(&le);
    assert_eq!(&be[..4], &[0xa1, 0xb2, 0xc3, 0xd4]);
    let a = run(&le);
    let b = run(&be);
    assert_eq!((a.0, a.1), (b.0, b.1));
    // pktvisor's NetFlow v9 capture has the nanosecond magic: 1508409869.575… s.
    let ns = testdata("pktvisor_nf9.pcap");
    assert_eq!(&ns[..4], &[0x4d, 0x3c, 0xb2, 0xa1]);
    let first = Reader::new(&ns)
        .expect("header")
        .next()
        .expect("one")
        .expect("frame");
    assert_eq!(first.ts_ms(), 1_508_409_869_575);
    assert_ne!(first.ts_ns % 1000, 0);
}

/// A pcapng file written here: big-endian, nanosecond `if_tsresol`, an unknown block between.
#[test]
fn pcapng_big_endian_with_tsresol() {
    let classic = testdata("pktvisor_dns_udp_mixed_rcode.pcap");
    let frames: Vec<_> = Reader::new(&classic)
        .expect("header")
        .map(|f| f.expect("frame"))
        .collect();
    let mut ng = Vec::new();
    let block = |ng: &mut Vec<u8>, kind: u32, body: &[u8]| {
        let len = 12 + body.len().div_ceil(4) * 4;
        ng.extend(kind.to_be_bytes());
        ng.extend((len as u32).to_be_bytes());
        ng.extend(body);
        ng.resize(ng.len() + (len - 12 - body.len()), 0);
        ng.extend((len as u32).to_be_bytes());
    };
    let mut shb = 0x1A2B_3C4Du32.to_be_bytes().to_vec();
    shb.extend([0, 1, 0, 0]);
    shb.extend(u64::MAX.to_be_bytes());
    block(&mut ng, 0x0A0D_0D0A, &shb);
    let mut idb = vec![0, 1, 0, 0];
    idb.extend(65535u32.to_be_bytes());
    idb.extend([0, 9, 0, 1, 9, 0, 0, 0, 0, 0, 0, 0]); // if_tsresol = 10^-9, end of options
    block(&mut ng, 1, &idb);
    block(&mut ng, 0x0BAD, b"name resolution or the like");
    for f in &frames {
        let mut epb = 0u32.to_be_bytes().to_vec();
        let ts = f.ts_ns as u64;
        epb.extend(((ts >> 32) as u32).to_be_bytes());
        epb.extend((ts as u32).to_be_bytes());
        epb.extend((f.data.len() as u32).to_be_bytes());
        epb.extend(f.orig_len.to_be_bytes());
        epb.extend(f.data);
        block(&mut ng, 6, &epb);
    }
    let back: Vec<_> = Reader::new(&ng)
        .expect("pcapng")
        .map(|f| f.expect("frame"))
        .collect();
    assert_eq!(back, frames);
    assert_eq!(run(&ng).1, run(&classic).1);
}

#[test]
fn faults_name_the_record_and_offset() {
    let bytes = testdata("pktvisor_dns_udp_mixed_rcode.pcap");
    // Record 1 at byte 24: 16-byte header and 93 bytes; record 2 (143 bytes) at byte 133.
    let cut = &bytes[..133 + 16 + 10];
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    let err = replay(cut, &mut dec, &mut out).expect_err("cut");
    assert_eq!(
        err,
        PcapError::Record {
            record: 2,
            offset: 133,
            what: "claims 143 captured bytes, 10 remain in the file".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "record 2 at byte 133: claims 143 captured bytes, 10 remain in the file"
    );
    // The packet before the fault stays replayed.
    assert_eq!(out.len(), 1);
    // A header cut short.
    let err = replay(&bytes[..133 + 7], &mut dec, &mut out).expect_err("cut");
    assert_eq!(
        err.to_string(),
        "record 2 at byte 133: header cut short (7 of 16 bytes)"
    );
    // A record claiming more than 256 KiB.
    let mut big = bytes.clone();
    big[133 + 8..133 + 12].copy_from_slice(&300_000u32.to_le_bytes());
    let err = replay(&big, &mut dec, &mut out).expect_err("too big");
    assert_eq!(
        err.to_string(),
        "record 2 at byte 133: claims 300000 captured bytes (more than 262144)"
    );
    // Not a capture; an unknown link type.
    assert_eq!(
        Reader::new(b"GIF89a......").err(),
        Some(PcapError::NotPcap(0x4749_4638))
    );
    assert_eq!(Reader::new(b"ab").err(), Some(PcapError::TooShort(2)));
    let mut odd = bytes.clone();
    odd[20] = 147; // LINKTYPE_USER0
    assert_eq!(
        replay(&odd, &mut dec, &mut out).err(),
        Some(PcapError::LinkType(147))
    );
}

#[test]
fn every_prefix_of_a_capture_never_panics() {
    let bytes = testdata("zeek_workshop_2011_browse.pcap");
    let ng = testdata("pktvisor_dns_udp_mixed_rcode.pcapng");
    for file in [&bytes[..3000], &ng[..]] {
        for n in 0..file.len() {
            let mut dec = Decoder::new();
            let mut out = Vec::new();
            let _ = replay(&file[..n], &mut dec, &mut out);
        }
    }
}

#[test]
fn linux_cooked_capture_of_exports() {
    // pktvisor's IPFIX capture is Linux cooked (link type 113).
    let bytes = testdata("pktvisor_ipfix.pcap");
    let reader = Reader::new(&bytes).expect("header");
    assert_eq!(reader.linktype(), Some(113));
    let frame = reader.into_iter().next().expect("one").expect("frame");
    let p = packet::parse(Link::LinuxSll, frame.data).expect("ip");
    assert_eq!(p.dst_port, 2059);
    let (s, out, dec) = run(&bytes);
    assert_eq!((s.packets, s.export_datagrams, s.raw_packets), (43, 43, 0));
    assert_eq!(out.len(), 23);
    assert_eq!(dec.stats.datagrams, 43);
}
