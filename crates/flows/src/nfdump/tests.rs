//! Unit tests of the parent module.
use super::*;

fn generic(
    first: u64,
    last: u64,
    packets: u64,
    bytes: u64,
    ports: (u16, u16),
    proto: u8,
    flags: u8,
) -> (u16, Vec<u8>) {
    let mut b = Vec::new();
    b.extend_from_slice(&first.to_le_bytes());
    b.extend_from_slice(&last.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes()); // received
    b.extend_from_slice(&packets.to_le_bytes());
    b.extend_from_slice(&bytes.to_le_bytes());
    b.extend_from_slice(&ports.0.to_le_bytes());
    b.extend_from_slice(&ports.1.to_le_bytes());
    b.extend_from_slice(&[proto, flags, 0, 0]);
    (EX_GENERIC_FLOW, b)
}

fn ipv4(src: [u8; 4], dst: [u8; 4]) -> (u16, Vec<u8>) {
    let mut b = Vec::new();
    b.extend_from_slice(&u32::from(Ipv4Addr::from(src)).to_le_bytes());
    b.extend_from_slice(&u32::from(Ipv4Addr::from(dst)).to_le_bytes());
    (EX_IPV4_FLOW, b)
}

fn ipv6(src: Ipv6Addr, dst: Ipv6Addr) -> (u16, Vec<u8>) {
    let mut b = Vec::new();
    for a in [src, dst] {
        let v = u128::from(a);
        b.extend_from_slice(&((v >> 64) as u64).to_le_bytes());
        b.extend_from_slice(&(v as u64).to_le_bytes());
    }
    (EX_IPV6_FLOW, b)
}

fn counters_out(packets: u64, bytes: u64) -> (u16, Vec<u8>) {
    let mut b = 1u64.to_le_bytes().to_vec();
    b.extend_from_slice(&packets.to_le_bytes());
    b.extend_from_slice(&bytes.to_le_bytes());
    (EX_CNT_FLOW, b)
}

fn misc(rev_tcp_flags: u8) -> (u16, Vec<u8>) {
    let mut b = vec![0u8; 16];
    b[14] = rev_tcp_flags;
    (EX_FLOW_MISC, b)
}

fn v3(exporter: u16, flags: u8, elements: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (t, payload) in elements {
        body.extend_from_slice(&t.to_le_bytes());
        body.extend_from_slice(&((payload.len() + 4) as u16).to_le_bytes());
        body.extend_from_slice(payload);
    }
    let mut r = Vec::new();
    r.extend_from_slice(&RECORD_V3.to_le_bytes());
    r.extend_from_slice(&((body.len() + V3_HEADER_LEN) as u16).to_le_bytes());
    r.extend_from_slice(&(elements.len() as u16).to_le_bytes());
    r.extend_from_slice(&[0, 0]); // engine type, id
    r.extend_from_slice(&exporter.to_le_bytes());
    r.extend_from_slice(&[flags, 10]);
    r.extend_from_slice(&body);
    r
}

fn record(rtype: u16, payload: &[u8]) -> Vec<u8> {
    let mut r = rtype.to_le_bytes().to_vec();
    r.extend_from_slice(&((payload.len() + 4) as u16).to_le_bytes());
    r.extend_from_slice(payload);
    r
}

fn sampler(sysid: u16, id: i64, packet: u32, space: u32) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&sysid.to_le_bytes());
    p.extend_from_slice(&0u16.to_le_bytes());
    p.extend_from_slice(&id.to_le_bytes());
    p.extend_from_slice(&packet.to_le_bytes());
    p.extend_from_slice(&space.to_le_bytes());
    record(RECORD_SAMPLER, &p)
}

/// A block: header and (already compressed, if so) data.
fn block_raw(block_type: u16, num_records: u32, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&num_records.to_le_bytes());
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&block_type.to_le_bytes());
    b.extend_from_slice(&0u16.to_le_bytes());
    b.extend_from_slice(data);
    b
}

fn block(records: &[Vec<u8>]) -> Vec<u8> {
    block_raw(3, records.len() as u32, &records.concat())
}

fn file(compression: u8, blocks: &[Vec<u8>]) -> Vec<u8> {
    file_with_appendix(compression, blocks, &[])
}

fn file_with_appendix(compression: u8, blocks: &[Vec<u8>], appendix: &[Vec<u8>]) -> Vec<u8> {
    let appendix_at = FILE_HEADER_LEN + blocks.iter().map(Vec::len).sum::<usize>();
    let mut f = Vec::new();
    f.extend_from_slice(&MAGIC.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&0x0107_0100u32.to_le_bytes());
    f.extend_from_slice(&1_700_000_000i64.to_le_bytes());
    f.extend_from_slice(&[compression, 0]);
    f.extend_from_slice(&(appendix.len() as u16).to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(&(appendix_at as u64).to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes()); // block size
    f.extend_from_slice(&(blocks.len() as u32).to_le_bytes());
    assert_eq!(f.len(), FILE_HEADER_LEN);
    for b in blocks.iter().chain(appendix) {
        f.extend_from_slice(b);
    }
    f
}

fn tcp_flow() -> Vec<u8> {
    v3(
        1,
        0,
        &[
            generic(1_000, 2_500, 7, 900, (40000, 443), 6, 0x1b),
            ipv4([192, 0, 2, 1], [198, 51, 100, 2]),
        ],
    )
}

#[test]
fn reads_an_ipv4_flow() {
    let f = read(&file(0, &[block(&[tcp_flow()])])).expect("read");
    assert_eq!(f.header.nfdump_version, 0x0107_0100);
    assert_eq!(f.header.created, 1_700_000_000);
    assert_eq!(f.header.compression, Compression::None);
    assert_eq!(
        f.flows,
        vec![FlowRecord {
            src: "192.0.2.1".parse().expect("ip"),
            dst: "198.51.100.2".parse().expect("ip"),
            src_port: 40000,
            dst_port: 443,
            proto: 6,
            tcp_flags: 0x1b,
            packets: 7,
            bytes: 900,
            start_ms: 1_000,
            end_ms: 2_500,
            sampling: 1,
            fragment: false,
        }]
    );
    assert_eq!(f.stats.blocks, 1);
    assert_eq!(f.stats.flow_records, 1);
    assert!(is_nfdump(&file(0, &[])));
    assert!(!is_nfdump(b"\xd4\xc3\xb2\xa1"));
}

#[test]
fn reads_ipv6_addresses_high_word_first() {
    let src: Ipv6Addr = "2001:db8::1".parse().expect("ip");
    let dst: Ipv6Addr = "fe80::217:f2ff:fed7:cf65".parse().expect("ip");
    let rec = v3(
        1,
        0,
        &[generic(1, 2, 1, 60, (5353, 5353), 17, 0), ipv6(src, dst)],
    );
    let f = read(&file(0, &[block(&[rec])])).expect("read");
    assert_eq!(f.flows[0].src, IpAddr::V6(src));
    assert_eq!(f.flows[0].dst, IpAddr::V6(dst));
}

#[test]
fn splits_bidirectional_records() {
    let tcp = v3(
        1,
        0,
        &[
            generic(10, 20, 3, 180, (50000, 80), 6, 0x02),
            ipv4([10, 0, 0, 1], [10, 0, 0, 2]),
            misc(0x12),
            counters_out(2, 120),
        ],
    );
    let icmp = v3(
        1,
        0,
        &[
            generic(10, 20, 1, 84, (0, 0x0800), 1, 0),
            ipv4([10, 0, 0, 1], [10, 0, 0, 2]),
            counters_out(1, 84),
        ],
    );
    let no_reply = v3(
        1,
        0,
        &[
            generic(10, 20, 1, 60, (1, 2), 17, 0),
            ipv4([10, 0, 0, 1], [10, 0, 0, 2]),
            counters_out(0, 0),
        ],
    );
    let bytes = file(0, &[block(&[tcp, icmp, no_reply])]);
    let f = read(&bytes).expect("read");
    assert_eq!(f.stats.flow_records, 3);
    assert_eq!(f.stats.reverse_flows, 2);
    assert_eq!(f.flows.len(), 5);
    let rev = f.flows[1];
    assert_eq!((rev.src, rev.dst), (f.flows[0].dst, f.flows[0].src));
    assert_eq!((rev.src_port, rev.dst_port), (80, 50000));
    assert_eq!((rev.packets, rev.bytes, rev.tcp_flags), (2, 120, 0x12));
    assert_eq!((f.flows[3].src_port, f.flows[3].dst_port), (0, 0));

    let mut reader = Reader::new(bytes.as_slice()).expect("header");
    reader.set_split_biflows(false);
    let mut flows = Vec::new();
    while reader.next_block(&mut flows).expect("block") {}
    assert_eq!(flows.len(), 3);
    assert_eq!(reader.stats().reverse_flows, 0);
}

#[test]
fn skips_and_counts_other_elements_and_records() {
    let rec = v3(
        1,
        0,
        &[
            (7, vec![0; 8]),  // EXasRouting
            (99, vec![1; 5]), // unknown to nfdump 1.7.1
            generic(1, 2, 1, 40, (1, 2), 6, 0),
            (0, vec![]), // EXnull
            ipv4([1, 1, 1, 1], [2, 2, 2, 2]),
        ],
    );
    let no_addresses = v3(1, 0, &[generic(1, 2, 1, 40, (1, 2), 6, 0)]);
    let exporter = record(7, &[0; 28]);
    let unknown = record(200, &[1, 2, 3]);
    let f = read(&file(0, &[block(&[exporter, rec, no_addresses, unknown])])).expect("read");
    assert_eq!(f.flows.len(), 1);
    assert_eq!(f.flows[0].packets, 1);
    assert_eq!(f.stats.records, 4);
    assert_eq!(f.stats.ignored_elements, 1);
    assert_eq!(f.stats.unknown_elements, 2);
    assert_eq!(f.stats.incomplete_records, 1);
    assert_eq!(f.stats.skipped_records, 2);
}

#[test]
fn skips_array_blocks() {
    let array = block_raw(4, 1, &[0u8; 16]);
    let f = read(&file(0, &[array, block(&[tcp_flow()])])).expect("read");
    assert_eq!(f.stats.blocks, 2);
    assert_eq!(f.stats.skipped_blocks, 1);
    assert_eq!(f.flows.len(), 1);
}

#[test]
fn sampling_rate_from_sampler_records() {
    let sampled = |sysid| {
        v3(
            sysid,
            V3_FLAG_SAMPLED,
            &[
                generic(1, 2, 100, 4000, (1, 2), 17, 0),
                ipv4([1, 1, 1, 1], [2, 2, 2, 2]),
            ],
        )
    };
    let records = vec![
        sampler(1, SAMPLER_DEFAULT, 1, 9),
        sampler(2, SAMPLER_DEFAULT, 1, 9),
        sampler(2, 5, 1, 99),
        sampler(3, SAMPLER_GENERIC, 1, 49),
        sampler(3, SAMPLER_OVERWRITE, 1, 1),
        sampler(4, 1, 1, 9),
        sampler(4, 2, 1, 19),
        sampled(1),
        sampled(2),
        sampled(3),
        sampled(4),
        sampled(5),
        tcp_flow(),
    ];
    let f = read(&file(0, &[block(&records)])).expect("read");
    let rates: Vec<u32> = f.flows.iter().map(|r| r.sampling).collect();
    assert_eq!(rates, vec![10, 100, 2, 1, 1, 1]);
    // Counters are taken as nfcapd stored them (already scaled).
    assert_eq!(f.flows[0].packets, 100);
    assert_eq!(f.stats.sampling_unknown, 2);
    assert_eq!(f.stats.skipped_records, 7);
}

#[test]
fn reads_ident_and_stat_from_the_appendix() {
    let ident = record(RECORD_IDENT, b"router-1\0");
    let mut stat = vec![0u8; 18 * 8];
    stat[0..8].copy_from_slice(&57u64.to_le_bytes());
    stat[8..16].copy_from_slice(&22896u64.to_le_bytes());
    stat[16..24].copy_from_slice(&126u64.to_le_bytes());
    stat[120..128].copy_from_slice(&1_300_475_167_096u64.to_le_bytes());
    stat[128..136].copy_from_slice(&1_300_475_173_489u64.to_le_bytes());
    stat[136..144].copy_from_slice(&2u64.to_le_bytes());
    let stat = record(RECORD_STAT, &stat);
    // A flow record in the appendix is not read (nor by nfdump).
    let bytes = file_with_appendix(
        0,
        &[block(&[tcp_flow()])],
        &[block(&[ident, stat, tcp_flow()])],
    );
    let mut reader = Reader::new(bytes.as_slice()).expect("header");
    let mut flows = Vec::new();
    assert!(reader.next_block(&mut flows).expect("block 0"));
    assert_eq!(reader.ident(), None);
    assert!(reader.next_block(&mut flows).expect("block 1"));
    assert!(!reader.next_block(&mut flows).expect("end"));
    assert_eq!(reader.ident(), Some("router-1"));
    let s = reader.stat().copied().expect("stat");
    assert_eq!((s.flows, s.bytes, s.packets), (57, 22896, 126));
    assert_eq!(
        (s.first_ms, s.last_ms, s.sequence_failures),
        (1_300_475_167_096, 1_300_475_173_489, 2)
    );
    assert_eq!(flows.len(), 1);
    assert_eq!(reader.stats().records, 4);
    assert_eq!(reader.stats().skipped_records, 1);
}

#[test]
fn skips_a_gap_before_the_appendix_and_refuses_a_bad_offset() {
    let ident = block(&[record(RECORD_IDENT, b"x\0")]);
    let mut bytes = file_with_appendix(0, &[block(&[tcp_flow()])], std::slice::from_ref(&ident));
    let appendix_at = bytes.len() - ident.len();
    bytes.splice(appendix_at..appendix_at, [0xee; 7]);
    bytes[24..32].copy_from_slice(&((appendix_at + 7) as u64).to_le_bytes());
    let f = read(&bytes).expect("read");
    assert_eq!((f.ident.as_deref(), f.flows.len()), (Some("x"), 1));

    bytes[24..32].copy_from_slice(&41u64.to_le_bytes());
    let err = read(&bytes).expect_err("offset inside the data");
    assert!(
        matches!(err, NfdumpError::Corrupt { block: 1, .. }),
        "{err}"
    );
    bytes[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
    let err = read(&bytes).expect_err("offset past the end");
    assert!(
        matches!(err, NfdumpError::Truncated { block: 1, .. }),
        "{err}"
    );
}

#[test]
fn reads_lz4_blocks() {
    let first = [tcp_flow(), tcp_flow()].concat();
    let second = (0..200).map(|_| tcp_flow()).collect::<Vec<_>>().concat();
    let b0 = block_raw(3, 2, &lz4_flex::block::compress(&first));
    let b1 = block_raw(3, 200, &lz4_flex::block::compress(&second));
    let f = read(&file(3, &[b0, b1])).expect("read");
    assert_eq!(f.header.compression, Compression::Lz4);
    assert_eq!(f.flows.len(), 202);
    assert_eq!(f.stats.blocks, 2);

    // Far more data than the first guess of the output size (4 times the input, 64 KiB).
    let many = (0..5000).map(|_| tcp_flow()).collect::<Vec<_>>().concat();
    let packed = lz4_flex::block::compress(&many);
    assert!(packed.len() * 4 < many.len() && 64 * 1024 < many.len());
    let f = read(&file(3, &[block_raw(3, 5000, &packed)])).expect("read");
    assert_eq!(f.flows.len(), 5000);

    let bad = block_raw(3, 1, &[0xf0, 0xff, 0xff]);
    let err = read(&file(3, &[bad])).expect_err("bad lz4");
    assert!(
        matches!(
            err,
            NfdumpError::Lz4 {
                block: 0,
                offset: 40,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn stops_after_the_declared_blocks() {
    let mut bytes = file(0, &[block(&[tcp_flow()])]);
    bytes.extend_from_slice(&block(&[tcp_flow()]));
    bytes.extend_from_slice(b"trailing garbage");
    let f = read(&bytes).expect("read");
    assert_eq!(f.flows.len(), 1);
    // A file nfcapd is still writing says 0 blocks: nothing is read, as by nfdump.
    let mut open = file(0, &[]);
    open.extend_from_slice(&block(&[tcp_flow()]));
    assert!(read(&open).expect("read").flows.is_empty());
}

#[test]
fn refuses_what_it_cannot_read() {
    for (code, name) in [
        (1u8, "LZO"),
        (2, "bzip2"),
        (4, "zstd"),
        (9, "unknown compression method 9"),
    ] {
        let err = read(&file(code, &[])).expect_err("compression");
        let text = err.to_string();
        assert!(
            text.contains(name) && text.contains("nfdump -r FILE -J 0"),
            "{text}"
        );
    }
    let mut encrypted = file(0, &[]);
    encrypted[17] = 1;
    assert!(matches!(read(&encrypted), Err(NfdumpError::Encrypted(1))));
    let mut v1 = file(0, &[]);
    v1[2] = 1;
    let err = read(&v1).expect_err("layout 1");
    assert!(err.to_string().contains("nfdump 1.6"), "{err}");
    let mut v3 = file(0, &[]);
    v3[2] = 3;
    assert!(matches!(read(&v3), Err(NfdumpError::UnsupportedLayout(3))));
    let mut be = file(0, &[]);
    be.swap(0, 1);
    assert!(matches!(read(&be), Err(NfdumpError::BigEndian)));
    assert!(matches!(
        read(b"\xd4\xc3\xb2\xa1\x02\x00"),
        Err(NfdumpError::NotNfdump { found: 0xc3d4 })
    ));
    assert!(matches!(
        read(&file(0, &[])[..39]),
        Err(NfdumpError::HeaderTruncated { len: 39 })
    ));
    assert!(matches!(
        read(&[0x0c]),
        Err(NfdumpError::HeaderTruncated { len: 1 })
    ));
}

#[test]
fn errors_name_the_block_and_offset() {
    let good = block(&[tcp_flow()]);
    let second_at = (FILE_HEADER_LEN + good.len()) as u64;

    let bytes = file(0, &[good.clone(), block(&[tcp_flow()])]);
    let err = read(&bytes[..bytes.len() - 1]).expect_err("truncated data");
    assert!(
        matches!(err, NfdumpError::Truncated { what: "data", block: 1, offset } if offset == second_at),
        "{err}"
    );
    let err = read(&bytes[..second_at as usize + 5]).expect_err("truncated header");
    assert!(
        matches!(
            err,
            NfdumpError::Truncated {
                what: "header",
                block: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("byte offset {second_at}")),
        "{err}"
    );

    let mut huge = block(&[tcp_flow()]);
    huge[4..8].copy_from_slice(&(MAX_BLOCK_SIZE + 1).to_le_bytes());
    let err = read(&file(0, &[good.clone(), huge])).expect_err("too large");
    assert!(
        matches!(err, NfdumpError::BlockTooLarge { block: 1, .. }),
        "{err}"
    );

    let empty = block_raw(3, 0, &[]);
    let err = read(&file(0, &[empty])).expect_err("empty");
    assert!(
        matches!(
            err,
            NfdumpError::Corrupt {
                block: 0,
                offset: 40,
                ..
            }
        ),
        "{err}"
    );

    // A record claiming more bytes than the block holds.
    let mut rec = tcp_flow();
    rec[2..4].copy_from_slice(&500u16.to_le_bytes());
    let err = read(&file(0, &[good.clone(), block(&[rec])])).expect_err("record size");
    assert!(
        matches!(
            err,
            NfdumpError::Corrupt {
                block: 1,
                pos: 0,
                ..
            }
        ),
        "{err}"
    );

    // More records announced than present.
    let short = block_raw(3, 2, &tcp_flow());
    let err = read(&file(0, &[short])).expect_err("record count");
    assert!(
        matches!(err, NfdumpError::Corrupt { block: 0, .. }),
        "{err}"
    );

    // An element running past its record, and a known element too short.
    let mut rec = tcp_flow();
    rec[14..16].copy_from_slice(&200u16.to_le_bytes());
    let err = read(&file(0, &[block(&[rec])])).expect_err("element size");
    assert!(matches!(err, NfdumpError::Corrupt { pos: 12, .. }), "{err}");
    let rec = v3(1, 0, &[(EX_GENERIC_FLOW, vec![0; 20])]);
    let err = read(&file(0, &[block(&[rec])])).expect_err("short element");
    assert!(
        err.to_string()
            .contains("element type 1 has 20 bytes, 48 expected"),
        "{err}"
    );
    let rec = v3(1, 0, &[(EX_IPV4_FLOW, vec![0; 8])]);
    let mut cut = rec.clone();
    cut[4..6].copy_from_slice(&3u16.to_le_bytes());
    let err = read(&file(0, &[block(&[cut])])).expect_err("element count");
    assert!(err.to_string().contains("element 1 of 3"), "{err}");
}

#[test]
fn no_more_blocks_after_an_error() {
    let mut rec = tcp_flow();
    rec[2..4].copy_from_slice(&2u16.to_le_bytes());
    let bytes = file(0, &[block(&[rec]), block(&[tcp_flow()])]);
    let mut reader = Reader::new(bytes.as_slice()).expect("header");
    let mut flows = Vec::new();
    assert!(reader.next_block(&mut flows).is_err());
    assert!(!reader.next_block(&mut flows).expect("done"));
    assert!(flows.is_empty());
}
