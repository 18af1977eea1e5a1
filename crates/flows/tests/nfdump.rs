//! nfdump files written by the real nfcapd 1.7.1 (testdata/flows/nfdump, see testdata/README.md),
//! compared with what nfdump 1.7.1 itself prints for them (the `*.nfdump.txt` files beside them).

use std::io::Read;
use std::net::IpAddr;
use std::path::PathBuf;

use canhgac_flows::nfdump::{self, Compression, NfdumpError, Reader};
use canhgac_flows::FlowRecord;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/flows/nfdump")
        .join(name)
}

fn load(name: &str) -> Vec<u8> {
    std::fs::read(testdata(name)).expect("test file")
}

/// One line of `nfdump -6 -q -N -o 'fmt:%ts|%te|%pr|%sa|%sp|%da|%dp|%ipkt|%ibyt|%opkt|%obyt|%flg|%exp'`
/// (run with TZ=UTC).
#[derive(Debug)]
struct Expected {
    start_ms: i64,
    end_ms: i64,
    proto: u8,
    src: IpAddr,
    src_port: u16,
    dst: IpAddr,
    dst_port: u16,
    in_packets: u64,
    in_bytes: u64,
    out_packets: u64,
    out_bytes: u64,
    tcp_flags: u8,
}

fn expected(name: &str) -> Vec<Expected> {
    let text = std::fs::read_to_string(testdata(name)).expect("expectations");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('|').map(str::trim).collect();
            assert_eq!(f.len(), 13, "{line}");
            Expected {
                start_ms: utc_ms(f[0]),
                end_ms: utc_ms(f[1]),
                proto: f[2].parse().expect("proto"),
                src: f[3].parse().expect("src"),
                src_port: f[4].parse().expect("src port"),
                dst: f[5].parse().expect("dst"),
                dst_port: f[6].parse().expect("dst port"),
                in_packets: f[7].parse().expect("ipkt"),
                in_bytes: f[8].parse().expect("ibyt"),
                out_packets: f[9].parse().expect("opkt"),
                out_bytes: f[10].parse().expect("obyt"),
                tcp_flags: flags(f[11]),
            }
        })
        .collect()
}

/// "2011-03-18 19:06:07.096" (UTC) as Unix milliseconds.
fn utc_ms(s: &str) -> i64 {
    let n = |a: usize, b: usize| -> i64 { s[a..b].parse().expect("number") };
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + n(11, 13)) * 60 + n(14, 16)) * 60_000 + n(17, 19) * 1000 + n(20, 23)
}

/// nfdump's flag string, e.g. "...AP.SF" (CWR ECE URG ACK PSH RST SYN FIN).
fn flags(s: &str) -> u8 {
    assert_eq!(s.len(), 8, "{s}");
    s.bytes()
        .enumerate()
        .filter(|&(_, c)| c != b'.')
        .fold(0, |acc, (i, _)| acc | (0x80 >> i))
}

fn read_unsplit(bytes: &[u8]) -> Vec<FlowRecord> {
    let mut reader = Reader::new(bytes).expect("header");
    reader.set_split_biflows(false);
    let mut flows = Vec::new();
    while reader.next_block(&mut flows).expect("block") {}
    flows
}

fn assert_same(ours: &FlowRecord, theirs: &Expected, i: usize) {
    let got = (
        ours.start_ms,
        ours.end_ms,
        ours.proto,
        ours.src,
        ours.src_port,
        ours.dst,
        ours.dst_port,
        ours.packets,
        ours.bytes,
        ours.tcp_flags,
    );
    let want = (
        theirs.start_ms,
        theirs.end_ms,
        theirs.proto,
        theirs.src,
        theirs.src_port,
        theirs.dst,
        theirs.dst_port,
        theirs.in_packets,
        theirs.in_bytes,
        theirs.tcp_flags,
    );
    assert_eq!(got, want, "record {i}");
}

#[test]
fn uncompressed_ipfix_biflows_match_nfdump() {
    let bytes = load("ipfix_biflow.nfcapd");
    let want = expected("ipfix_biflow.nfdump.txt");
    let file = nfdump::read(&bytes).expect("read");

    // `nfdump -v`: layout 2, not compressed, nfdump 1070100, 1 data block and 1 appendix block.
    assert_eq!(file.header.layout, 2);
    assert_eq!(file.header.compression, Compression::None);
    assert_eq!(file.header.nfdump_version, 0x0107_0100);
    assert_eq!(
        (file.header.num_blocks, file.header.appendix_blocks),
        (1, 1)
    );
    assert!(file.header.created > 1_700_000_000);
    assert_eq!(file.ident.as_deref(), Some("canhgac-test"));
    // `nfdump -I`: Flows 34, Packets 126, Bytes 22896, First 1300475167 msec 96,
    // Last 1300475173 msec 475, Sequence failures 1.
    let stat = file.stat.expect("stat record");
    assert_eq!((stat.flows, stat.packets, stat.bytes), (34, 126, 22896));
    assert_eq!(
        (stat.first_ms, stat.last_ms),
        (1_300_475_167_096, 1_300_475_173_475)
    );
    assert_eq!(stat.sequence_failures, 1);

    // One FlowRecord per nfdump line, in the same order.
    let forward = read_unsplit(&bytes);
    assert_eq!(want.len(), 34);
    assert_eq!(forward.len(), want.len());
    for (i, (ours, theirs)) in forward.iter().zip(&want).enumerate() {
        assert_same(ours, theirs, i);
        assert_eq!(ours.sampling, 1);
    }
    assert!(forward.iter().any(|r| r.src.is_ipv6()));

    // With biflows split (the default), each line with output counters adds its reverse flow.
    let with_reply = want.iter().filter(|w| w.out_packets > 0).count();
    assert_eq!(with_reply, 24);
    assert_eq!(file.stats.flow_records, 34);
    assert_eq!(file.stats.reverse_flows, 24);
    assert_eq!(file.flows.len(), 34 + 24);
    let mut flows = file.flows.iter();
    for theirs in &want {
        let fwd = flows.next().expect("forward");
        assert_eq!(
            (fwd.src, fwd.dst, fwd.packets),
            (theirs.src, theirs.dst, theirs.in_packets)
        );
        if theirs.out_packets > 0 {
            let rev = flows.next().expect("reverse");
            assert_eq!((rev.src, rev.src_port), (theirs.dst, theirs.dst_port));
            assert_eq!((rev.dst, rev.dst_port), (theirs.src, theirs.src_port));
            assert_eq!(
                (rev.packets, rev.bytes),
                (theirs.out_packets, theirs.out_bytes)
            );
        }
    }
    // nfcapd's totals count both directions.
    let packets: u64 = file.flows.iter().map(|r| r.packets).sum();
    let bytes_total: u64 = file.flows.iter().map(|r| r.bytes).sum();
    assert_eq!((packets, bytes_total), (126, 22896));

    // A few lines spelled out (nfdump's own output above, line 1, 2 and 4).
    let r = &forward[0];
    assert_eq!(r.src, "141.142.220.202".parse::<IpAddr>().expect("ip"));
    assert_eq!(
        (r.dst, r.src_port, r.dst_port),
        ("224.0.0.251".parse().expect("ip"), 5353, 5353)
    );
    assert_eq!(
        (r.proto, r.packets, r.bytes, r.start_ms),
        (17, 1, 73, 1_300_475_167_096)
    );
    let r = &forward[1];
    assert_eq!(
        r.src,
        "fe80::217:f2ff:fed7:cf65".parse::<IpAddr>().expect("ip")
    );
    assert_eq!(r.dst, "ff02::fb".parse::<IpAddr>().expect("ip"));
    assert_eq!((r.packets, r.bytes), (1, 199));
    let r = &forward[3];
    assert_eq!((r.src_port, r.dst_port, r.bytes), (53, 43927, 117));
    assert_eq!(
        (r.start_ms, r.end_ms),
        (1_300_475_168_853, 1_300_475_168_854)
    );

    // Records other than flows: the exporter information and statistics; elements other than
    // the five used: EXipReceivedV4 (the exporter's address) in every record.
    assert_eq!(file.stats.records, 38);
    assert_eq!(file.stats.skipped_records, 2);
    assert_eq!(file.stats.ignored_elements, 34);
    assert_eq!(file.stats.unknown_elements, 0);
    assert_eq!(file.stats.incomplete_records, 0);
    assert_eq!(file.stats.blocks, 2);
}

#[test]
fn lz4_sampled_netflow_matches_nfdump() {
    let bytes = load("v9_v5_sampled_lz4.nfcapd");
    let want = expected("v9_v5_sampled_lz4.nfdump.txt");
    let file = nfdump::read(&bytes).expect("read");

    assert_eq!(file.header.compression, Compression::Lz4);
    assert_eq!(
        (file.header.num_blocks, file.header.appendix_blocks),
        (1, 1)
    );
    assert_eq!(file.ident.as_deref(), Some("canhgac-test"));
    // `nfdump -I`: Flows 50, Packets 7750, Bytes 4864560, First 1389719041 msec 508,
    // Last 1623768377 msec 134.
    let stat = file.stat.expect("stat record");
    assert_eq!(
        (stat.flows, stat.packets, stat.bytes),
        (50, 7750, 4_864_560)
    );
    assert_eq!(
        (stat.first_ms, stat.last_ms),
        (1_389_719_041_508, 1_623_768_377_134)
    );

    assert_eq!(want.len(), 50);
    assert_eq!(file.flows.len(), 50);
    assert_eq!(file.stats.reverse_flows, 0);
    for (i, (ours, theirs)) in file.flows.iter().zip(&want).enumerate() {
        assert_same(ours, theirs, i);
        // `nfdump -E`: both exporters use nfcapd's static default sampler, packet interval 1,
        // packet space 9; nfdump prints the counters already multiplied by 10.
        assert_eq!(ours.sampling, 10, "record {i}");
    }
    let packets: u64 = file.flows.iter().map(|r| r.packets).sum();
    assert_eq!(packets, 7750);

    // Line 1 (NetFlow v9) and the last line (NetFlow v5), spelled out.
    let r = &file.flows[0];
    assert_eq!(
        (r.src, r.src_port),
        ("10.0.2.15".parse().expect("ip"), 55082)
    );
    assert_eq!(
        (r.dst, r.dst_port),
        ("192.150.187.43".parse().expect("ip"), 80)
    );
    assert_eq!(
        (r.proto, r.tcp_flags, r.packets, r.bytes),
        (6, 0x1b, 220, 17440)
    );
    assert_eq!(
        (r.start_ms, r.end_ms),
        (1_389_719_041_694, 1_389_719_047_086)
    );
    let r = &file.flows[49];
    assert_eq!(
        (r.src, r.src_port),
        ("216.239.38.10".parse().expect("ip"), 53)
    );
    assert_eq!(
        (r.dst, r.dst_port),
        ("192.168.0.54".parse().expect("ip"), 22387)
    );
    assert_eq!((r.proto, r.packets, r.bytes), (17, 10, 1220));
    assert_eq!(
        (r.start_ms, r.end_ms),
        (1_623_768_377_108, 1_623_768_377_134)
    );

    // Two exporter records, exporter statistics, one sampler record per exporter.
    assert_eq!(file.stats.records, 57);
    assert_eq!(file.stats.skipped_records, 5);
    assert_eq!(file.stats.sampling_unknown, 0);
}

/// A reader that hands out one byte per call.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(slot)) => {
                *slot = b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn streaming_reader_gives_the_same_flows() {
    for name in ["ipfix_biflow.nfcapd", "v9_v5_sampled_lz4.nfcapd"] {
        let bytes = load(name);
        let whole = nfdump::read(&bytes).expect("read");
        let mut reader = Reader::new(Trickle(&bytes)).expect("header");
        let mut flows = Vec::new();
        let mut blocks = 0;
        while reader.next_block(&mut flows).expect("block") {
            blocks += 1;
        }
        assert_eq!(blocks, 2, "{name}");
        assert_eq!(flows, whole.flows, "{name}");
        assert_eq!(*reader.stats(), whole.stats, "{name}");
        assert_eq!(reader.ident(), Some("canhgac-test"));
    }
}

#[test]
fn every_prefix_is_refused_without_panicking() {
    for name in ["ipfix_biflow.nfcapd", "v9_v5_sampled_lz4.nfcapd"] {
        let bytes = load(name);
        for len in 0..bytes.len() {
            match nfdump::read(&bytes[..len]) {
                Err(NfdumpError::HeaderTruncated { .. }) => assert!(len < 40),
                Err(NfdumpError::Truncated { block, offset, .. }) => {
                    assert!(block < 2 && offset <= len as u64, "{name} {len}");
                }
                other => panic!("{name}: prefix of {len} bytes: {other:?}"),
            }
        }
    }
}

#[test]
fn corrupted_files_do_not_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for name in ["ipfix_biflow.nfcapd", "v9_v5_sampled_lz4.nfcapd"] {
        let bytes = load(name);
        let mut errors = 0;
        for round in 0..3000 {
            let mut bad = bytes.clone();
            let flips = 1 + next() % 8;
            for _ in 0..flips {
                // Mostly past the file header, where the blocks are.
                let at = if round % 4 == 0 {
                    next() as usize % bad.len()
                } else {
                    40 + next() as usize % (bad.len() - 40)
                };
                bad[at] = next() as u8;
            }
            if round % 5 == 0 {
                bad.truncate(next() as usize % bad.len());
            }
            let mut reader = match Reader::new(bad.as_slice()) {
                Ok(r) => r,
                Err(_) => {
                    errors += 1;
                    continue;
                }
            };
            let mut flows = Vec::new();
            let mut blocks = 0;
            loop {
                match reader.next_block(&mut flows) {
                    Ok(true) => blocks += 1,
                    Ok(false) => break,
                    Err(e) => {
                        errors += 1;
                        // Every error inside the file names a block and an offset in the file.
                        let text = e.to_string();
                        assert!(
                            text.contains("block") || text.contains("nfdump file"),
                            "{text}"
                        );
                        break;
                    }
                }
                assert!(blocks <= bad.len() / 12);
            }
        }
        assert!(
            errors > 100,
            "{name}: only {errors} corrupted files refused"
        );
    }
}
