//! Flow export decoding on real exporter captures (`testdata/flows/`, see its README), with
//! expectations taken from tshark 4.0 (`-d udp.port==N,cflow`, `-T pdml`): flow counts, addresses,
//! ports, packets and bytes; sums over whole captures.

use std::net::IpAddr;

use canhgac_flows::decode::Format;
use canhgac_flows::packet::{self, Link};
use canhgac_flows::pcap::{self, Reader};
use canhgac_flows::{DecodeError, Decoder, FlowRecord};

fn testdata(name: &str) -> Vec<u8> {
    let path = format!("{}/../../testdata/flows/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A capture's UDP datagrams: source address, time (ms) and payload.
fn datagrams(name: &str) -> Vec<(IpAddr, i64, Vec<u8>)> {
    let bytes = testdata(name);
    let mut v = Vec::new();
    for frame in Reader::new(&bytes).expect("pcap header") {
        let frame = frame.expect("record");
        let link = Link::from_pcap(frame.linktype).expect("link type");
        let p = packet::parse(link, frame.data).expect("IP packet");
        let payload = p.udp_payload.expect("whole UDP datagram");
        v.push((p.src, frame.ts_ms(), payload.to_vec()));
    }
    v
}

/// Replay captures one after the other through one decoder.
fn replay(names: &[&str]) -> (Decoder, Vec<FlowRecord>) {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for name in names {
        let stats = pcap::replay(&testdata(name), &mut dec, &mut out).expect(name);
        assert_eq!(stats.raw_packets, 0, "{name}: every packet is an export");
        assert_eq!(stats.export_datagrams, stats.packets, "{name}");
    }
    (dec, out)
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

/// The record's identity and counters as tshark shows them (before sampling).
fn raw(f: &FlowRecord) -> (IpAddr, IpAddr, u16, u16, u8, u64, u64) {
    let s = u64::from(f.sampling);
    (
        f.src,
        f.dst,
        f.src_port,
        f.dst_port,
        f.proto,
        f.packets / s,
        f.bytes / s,
    )
}

fn sums(out: &[FlowRecord]) -> (u64, u64) {
    out.iter().fold((0, 0), |(p, b), f| {
        let s = u64::from(f.sampling);
        (p + f.packets / s, b + f.bytes / s)
    })
}

// ---------------------------------------------------------------- NetFlow v5

#[test]
fn netflow_v5_akvorado() {
    let (dec, out) = replay(&["akvorado_nfv5.pcap"]);
    assert_eq!(out.len(), 29);
    assert_eq!(sums(&out), (78, 88345));
    // pdu 2/29: SysUptime 2874339 s, export 1680626679 s, first 2874315 s, last 2874324 s.
    let f = out[1];
    assert_eq!(
        raw(&f),
        (
            ip("173.194.4.8"),
            ip("202.160.21.5"),
            443,
            37422,
            6,
            7,
            10262
        )
    );
    assert_eq!(f.tcp_flags, 0x10);
    assert_eq!(
        (f.start_ms, f.end_ms),
        (1_680_626_655_000, 1_680_626_664_000)
    );
    assert_eq!(f.sampling, 1);
    assert_eq!(dec.stats.flows, 29);
    assert_eq!(dec.stats.malformed, 0);
    let (exporter, e) = dec.exporters().next().expect("one exporter");
    assert_eq!(*exporter, ip("10.19.144.41"));
    assert_eq!(e.format, Some(Format::NetflowV5));
    assert_eq!(e.stats.flows, 29);
}

#[test]
fn netflow_v5_sampled_header_multiplies() {
    // Sampling mode 1, rate 100 in every header.
    let (_, out) = replay(&["graylog_netflow5.pcap"]);
    assert_eq!(out.len(), 4);
    assert_eq!(sums(&out), (5, 817));
    let f = out[0];
    // ICMP echo request: tshark DstPort 2048 (type 8 << 8).
    assert_eq!(
        raw(&f),
        (ip("192.168.1.100"), ip("192.168.1.1"), 0, 2048, 1, 1, 84)
    );
    assert_eq!((f.packets, f.bytes, f.sampling), (100, 8400, 100));
}

#[test]
fn netflow_v5_sequence_gap_counts_missing_flows() {
    // Four datagrams of 30 flows each, FlowSequence 824700, 824730, 824760, 824790.
    let d = datagrams("graylog_netgraph-netflow5.pcap");
    assert_eq!(d.len(), 4);
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for (i, (src, ts, payload)) in d.iter().enumerate() {
        if i == 1 {
            continue; // lost on the way
        }
        dec.decode(*src, payload, *ts, &mut out).expect("v5");
    }
    assert_eq!(out.len(), 90);
    assert_eq!(dec.stats.lost, 30);
    // The whole capture: 120 flows, nothing lost.
    let (dec, out) = replay(&["graylog_netgraph-netflow5.pcap"]);
    assert_eq!((out.len(), dec.stats.lost), (120, 0));
    assert_eq!(sums(&out).1, 6_765_997);
}

#[test]
fn netflow_v5_raw_payload() {
    // Logstash's Juniper MX80 payload: 29 records, sums from tshark on the payload in UDP.
    let payload = testdata("logstash_netflow5_test_juniper_mx80.dat");
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    let n = dec
        .decode(ip("192.0.2.1"), &payload, 0, &mut out)
        .expect("v5");
    assert_eq!(n, 29);
    assert_eq!(sums(&out), (31, 3989));
    // SysUptime 190649.064 s, export 1469109172 s; first record StartTime 190632 s.
    assert_eq!(
        raw(&out[0]),
        (ip("10.0.0.1"), ip("192.168.0.2"), 443, 61608, 6, 1, 1500)
    );
    assert_eq!(out[0].start_ms, 1_469_109_172_000 - 17_064);
}

// ---------------------------------------------------------------- NetFlow v9

#[test]
fn netflow_v9_data_before_template_then_after() {
    let template = datagrams("akvorado_template.pcap");
    let data = datagrams("akvorado_data.pcap");
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    let (src, ts, d) = &data[0];
    // Data first: its flowset is counted and skipped, the datagram itself is fine.
    assert_eq!(dec.decode(*src, d, *ts, &mut out), Ok(0));
    assert_eq!(dec.stats.no_template, 1);
    assert_eq!(dec.stats.malformed, 0);
    let (tsrc, tts, t) = &template[0];
    assert_eq!(dec.decode(*tsrc, t, *tts, &mut out), Ok(0));
    assert_eq!(dec.stats.templates, 1);
    // Template 260's unused fields: 23 fields, 11 used (first/last switched among them).
    assert_eq!(dec.stats.unknown_fields, 12);
    assert_eq!(dec.decode(*src, d, *ts, &mut out), Ok(4));
    assert_eq!(dec.stats.no_template, 1);
    assert_eq!(
        raw(&out[0]),
        (
            ip("198.38.121.178"),
            ip("91.170.143.87"),
            443,
            19624,
            6,
            1,
            1500
        )
    );
    assert_eq!(out[0].tcp_flags, 0x10);
    // SysUptime 944951.609 s, export 1647285928 s, FIRST_SWITCHED 944948.659 s.
    assert_eq!(out[0].start_ms, 1_647_285_928_000 - 2_950);
    assert_eq!(
        raw(&out[3]),
        (
            ip("74.125.100.234"),
            ip("88.120.219.117"),
            443,
            52300,
            6,
            1,
            1448
        )
    );
    assert_eq!(sums(&out), (4, 5848));
}

#[test]
fn netflow_v9_one_datagram_data_set_before_its_template() {
    // Data flowset 257, then options template 256 + options data (sampling interval 100),
    // then template 257, then 10 records of 257.
    let (dec, out) = replay(&["akvorado_data+templates.pcap"]);
    assert_eq!(dec.stats.no_template, 1);
    assert_eq!(dec.stats.templates, 2);
    assert_eq!(dec.stats.options, 1);
    assert_eq!(out.len(), 10);
    assert_eq!(sums(&out), (48, 54592));
    assert!(out.iter().all(|f| f.sampling == 100));
    assert_eq!(
        raw(&out[1]),
        (
            ip("120.120.7.41"),
            ip("120.120.15.78"),
            80,
            35224,
            6,
            14,
            21000
        )
    );
    assert_eq!((out[1].packets, out[1].bytes), (1400, 2_100_000));
}

#[test]
fn netflow_v9_sampling_rate_per_sampler_id() {
    // Options data: sampler 1 → 1 in 2000, sampler 2 → 1 in 4000; records name their sampler.
    let (dec, out) = replay(&[
        "akvorado_multiplesamplingrates-template.pcap",
        "akvorado_multiplesamplingrates-options-template.pcap",
        "akvorado_multiplesamplingrates-options-data.pcap",
        "akvorado_multiplesamplingrates-data.pcap",
    ]);
    assert_eq!(dec.stats.options, 2);
    assert_eq!(out.len(), 12);
    assert_eq!(sums(&out).1, 14818);
    assert_eq!(
        raw(&out[0]),
        (ip("ffff::68"), ip("ffff::1a"), 443, 52616, 6, 18, 1348)
    );
    assert_eq!(out[0].sampling, 4000);
    assert_eq!(out[0].bytes, 1348 * 4000);
    assert!(out[1..].iter().all(|f| f.sampling == 2000));
}

#[test]
fn netflow_v9_nprobe_templates_and_options() {
    let (dec, out) = replay(&["graylog_nprobe-netflow9-3.pcap"]);
    assert_eq!(out.len(), 892);
    assert_eq!(sums(&out), (2949, 224_593));
    assert_eq!(dec.stats.templates, 18);
    assert_eq!(dec.stats.options, 6);
    assert_eq!((dec.stats.lost, dec.stats.no_template), (0, 0));
    assert_eq!(
        raw(&out[0]),
        (ip("172.17.0.2"), ip("192.168.65.1"), 49666, 53, 17, 2, 114)
    );
}

#[test]
fn netflow_v9_two_exporters_nanosecond_pcap() {
    let (dec, out) = replay(&["pktvisor_nf9.pcap"]);
    assert_eq!(out.len(), 24);
    assert_eq!(sums(&out), (183_920, 142_139_882));
    assert_eq!(
        raw(&out[0]),
        (
            ip("20.0.1.174"),
            ip("30.0.1.174"),
            0,
            0,
            253,
            7799,
            6_020_905
        )
    );
    assert_eq!(dec.exporters().count(), 2);
}

#[test]
fn netflow_v9_cisco_asr9k_and_sequence() {
    let (dec, out) = replay(&["pmacct_101-NFv9-CISCO-ASR9k.pcap"]);
    assert_eq!(out.len(), 51);
    assert_eq!(sums(&out), (56, 4500));
    assert_eq!(
        raw(&out[0]),
        (
            ip("138.187.58.13"),
            ip("138.187.57.33"),
            10000,
            58779,
            6,
            1,
            60
        )
    );
    // The capture keeps 40 of the exporter's packets (sequence 147674 … 147736 with holes;
    // the template packet, 147688, comes first and out of order).
    assert_eq!(dec.stats.lost, 24);
}

#[test]
fn netflow_v9_mid_stream_capture_has_no_templates() {
    let (dec, out) = replay(&["ndpi_netflowv9.pcap"]);
    assert!(out.is_empty());
    assert_eq!(dec.stats.datagrams, 10);
    assert_eq!(dec.stats.no_template, 23);
    assert_eq!(dec.stats.malformed, 0);
}

#[test]
fn netflow_v9_records_beyond_the_header_count() {
    // tshark stops at the header's record count and shows 18 flows; the exporter (a home
    // router) undercounts: the 18 are read in the same order, plus three more it sent.
    let (_, out) = replay(&["graylog_netflow9.pcap"]);
    assert_eq!(out.len(), 21);
    let extra = [
        (
            ip("192.168.1.11"),
            ip("192.168.1.255"),
            138,
            138,
            17,
            1,
            235,
        ),
        (
            ip("fe80::5660:9ff:fed9:bc7e"),
            ip("ff02::1:ffd9:d469"),
            0,
            0,
            58,
            1,
            72,
        ),
        (
            ip("fe80::18a9:193f:f50e:20e"),
            ip("ff02::fb"),
            5353,
            5353,
            17,
            1,
            108,
        ),
    ];
    let ours: Vec<_> = out.iter().map(raw).collect();
    let rest: Vec<_> = ours.iter().filter(|r| !extra.contains(r)).collect();
    assert_eq!(rest.len(), 18);
    assert_eq!(rest.iter().map(|r| r.6).sum::<u64>(), 6887);
    // Sampling interval 100 from the options data in the first datagram.
    assert!(out.iter().all(|f| f.sampling == 100));
}

#[test]
fn netflow_v9_cisco_asa_payloads() {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for name in [
        "logstash_netflow9_test_cisco_asa_1_tpl.dat",
        "logstash_netflow9_test_cisco_asa_1_data.dat",
    ] {
        dec.decode(ip("192.0.2.1"), &testdata(name), 0, &mut out)
            .expect(name);
    }
    assert_eq!(dec.stats.templates, 13);
    assert_eq!(out.len(), 14);
    assert_eq!(out.iter().map(|f| f.bytes).sum::<u64>(), 888);
    assert_eq!(
        (out[0].src, out[0].dst, out[0].proto, out[0].dst_port),
        (ip("192.168.14.1"), ip("2.2.2.11"), 1, 17549)
    );
    // flowStartMilliseconds 2015-10-09 09:47:47.569 UTC.
    assert_eq!(out[0].start_ms, 1_444_384_067_569);
}

// ---------------------------------------------------------------- IPFIX

#[test]
fn ipfix_variable_length_fields_and_template_refreshes() {
    // Linux cooked capture; templates re-sent 18 times, with variable-length fields (ifName).
    let (dec, out) = replay(&["pktvisor_ipfix.pcap"]);
    assert_eq!(out.len(), 23);
    assert_eq!(sums(&out), (1472, 120_000));
    assert_eq!(dec.stats.templates, 89);
    assert_eq!(dec.stats.options, 1);
    let f = out[0];
    assert_eq!(raw(&f), (ip("::1"), ip("::1"), 36435, 53000, 6, 64, 4608));
    // flowStartMilliseconds 2023-01-06 22:34:24.109 UTC.
    assert_eq!(f.start_ms, 1_673_044_464_109);
    // tshark: "FlowSequence: 762 (expected 761)", the one gap.
    assert_eq!(dec.stats.lost, 1);
}

#[test]
fn ipfix_sampling_from_options_and_both_address_families() {
    // Options data set the domain's sampling interval (1000); the template has IPv4 and IPv6
    // address fields, the unused family left zero.
    let (dec, out) = replay(&["akvorado_physicalinterfaces.pcap"]);
    assert_eq!(dec.stats.options, 1);
    assert_eq!(out.len(), 8);
    assert_eq!(sums(&out), (29, 31111));
    assert!(out.iter().all(|f| f.sampling == 1000));
    assert_eq!(
        raw(&out[0]),
        (
            ip("147.53.240.75"),
            ip("212.82.101.24"),
            55629,
            993,
            6,
            3,
            4506
        )
    );
    assert_eq!(out[0].bytes, 4_506_000);
    assert_eq!(out[0].start_ms, 1_737_739_081_621);
}

#[test]
fn ipfix_data_link_frame_section() {
    // Template 384: interfaces, direction, dataLinkFrameSize (114) and a variable-length
    // dataLinkFrameSection holding an 802.1Q-tagged UDP packet.
    let (dec, out) = replay(&[
        "akvorado_datalink-template.pcap",
        "akvorado_datalink-data.pcap",
    ]);
    assert_eq!(dec.stats.templates, 1);
    assert_eq!(out.len(), 1);
    assert_eq!(
        raw(&out[0]),
        (
            ip("51.51.51.51"),
            ip("52.52.52.52"),
            55501,
            11777,
            17,
            1,
            114
        )
    );
}

#[test]
fn ipfix_cisco_absolute_times() {
    let (_, out) = replay(&["pmacct_100-IPFIX-CISCO.pcap"]);
    assert_eq!(out.len(), 12);
    assert_eq!(sums(&out), (34, 34172));
    let f = out[0];
    assert_eq!(
        raw(&f),
        (
            ip("10.231.65.56"),
            ip("10.192.12.213"),
            17000,
            17000,
            17,
            2,
            220
        )
    );
    // 2023-02-28 09:46:01.088 and 09:46:12.352 UTC.
    assert_eq!(
        (f.start_ms, f.end_ms),
        (1_677_577_561_088, 1_677_577_572_352)
    );
}

#[test]
fn ipfix_huawei_enterprise_fields_and_tunnels() {
    // Exported over IPv6; enterprise (Huawei) fields are skipped by length; each record
    // describes an IPv6 packet carrying IPv4 (protocol 4), the inner header's fields after
    // the outer's: the outer ones are read.
    let (dec, out) = replay(&["pmacct_106-IPFIX-HUAWEI-ipv6.pcap"]);
    assert_eq!(out.len(), 3);
    assert_eq!(sums(&out), (1227, 284_557));
    assert_eq!(
        raw(&out[0]),
        (
            ip("2001:db8:53::1"),
            ip("2001:db8:9:e140::"),
            0,
            0,
            4,
            613,
            142_216
        )
    );
    assert!(dec.stats.unknown_fields > 0);
    let (exporter, _) = dec.exporters().next().expect("exporter");
    assert_eq!(*exporter, ip("2001:db8:54::1"));
}

#[test]
fn ipfix_options_templates_per_exporter() {
    // Eight options templates (VRF, interface and sampler tables) and a data template, from a
    // Cisco router over IPv6. tshark shows no flows because it keys templates by both
    // addresses and the test author changed the collector address mid-capture; the exporter
    // and observation domain are the same, so the 9 records of template 347 are read here.
    let (dec, out) = replay(&["pmacct_112-IPFIX-CISCO-options.pcap"]);
    assert_eq!(dec.stats.templates, 9);
    assert_eq!(dec.stats.options, 76);
    assert_eq!(out.len(), 9);
    assert_eq!(
        (out[0].src, out[0].dst, out[0].dst_port, out[0].proto),
        (ip("169.254.0.1"), ip("169.254.0.0"), 179, 6)
    );
    // The data sets of frames 11 and 21 whose templates are never sent.
    assert_eq!(dec.stats.no_template, 4);
}

#[test]
fn ipfix_openbsd_pflow_payloads() {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for name in [
        "logstash_ipfix_test_openbsd_pflow_tpl.dat",
        "logstash_ipfix_test_openbsd_pflow_data.dat",
    ] {
        dec.decode(ip("192.0.2.1"), &testdata(name), 0, &mut out)
            .expect(name);
    }
    assert_eq!(out.len(), 26);
    assert_eq!(sums(&out), (209, 99323));
    assert_eq!(
        raw(&out[0]),
        (ip("192.168.0.17"), ip("192.168.0.1"), 64020, 80, 6, 7, 373)
    );
    assert_eq!(out[0].start_ms, 1_469_107_799_000);
    assert_eq!(
        raw(&out[25]),
        (ip("192.168.0.1"), ip("192.168.0.17"), 80, 64026, 6, 8, 6425)
    );
}

#[test]
fn ipfix_juniper_options_template_with_padding() {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for name in [
        "logstash_ipfix_test_juniper_mx240_junos151r6s3_opttpl512.dat",
        "logstash_ipfix_test_juniper_mx240_junos151r6s3_data512.dat",
    ] {
        assert_eq!(
            dec.decode(ip("192.0.2.1"), &testdata(name), 0, &mut out),
            Ok(0)
        );
    }
    assert_eq!((dec.stats.templates, dec.stats.options), (1, 1));
    assert_eq!(dec.stats.malformed, 0);
}

// ---------------------------------------------------------------- sFlow v5

#[test]
fn sflow_raw_headers_ipv4_ipv6() {
    let (dec, out) = replay(&["akvorado_data-1140.pcap"]);
    assert_eq!(out.len(), 5);
    // Per sample: extended switch / router / gateway records are skipped.
    assert_eq!(dec.stats.skipped, 9);
    let ssh = (
        ip("2a0c:8880:2:0:185:21:130:38"),
        ip("2a0c:8880:2:0:185:21:130:39"),
        46026,
        22,
        6,
        1,
        1514,
    );
    assert_eq!(raw(&out[0]), ssh);
    assert_eq!(out[0].sampling, 1024);
    assert_eq!((out[0].packets, out[0].bytes), (1024, 1514 * 1024));
    // Frame length 439, 4 stripped.
    assert_eq!(
        raw(&out[1]),
        (ip("104.26.8.24"), ip("45.90.161.46"), 443, 56876, 6, 1, 435)
    );
    assert_eq!(out[3].tcp_flags, 0x02);
    // No timestamps in sFlow: the datagram's arrival.
    assert_eq!(out[0].start_ms, 1_662_715_598_886);
}

#[test]
fn sflow_qinq_expanded_sample() {
    let (_, out) = replay(&["akvorado_data-qinq.pcap"]);
    assert_eq!(out.len(), 1);
    // VLANs 1062 and 1493 (two 0x8100 tags); frame 106 bytes, 4 stripped; 1 in 4096.
    assert_eq!(
        raw(&out[0]),
        (ip("49.49.49.2"), ip("49.49.49.109"), 32017, 443, 6, 1, 102)
    );
    assert_eq!(out[0].tcp_flags, 0x10);
    assert_eq!((out[0].packets, out[0].bytes), (4096, 102 * 4096));
}

#[test]
fn sflow_icmpv6_and_other_samples() {
    let (_, out) = replay(&[
        "akvorado_data-icmpv6.pcap",
        "akvorado_data-sflow-expanded-sample.pcap",
        "akvorado_data-sflow-raw-ipv4.pcap",
        "akvorado_data-sflow-ipv4-data.pcap",
        "akvorado_data-encap-vxlan.pcap",
        "akvorado_data-discard-interface.pcap",
    ]);
    let got: Vec<_> = out.iter().map(|f| (raw(f), f.sampling)).collect();
    assert_eq!(
        got,
        vec![
            // Neighbour solicitation (type 135): frame 90, 4 stripped.
            (
                (
                    ip("fe80::d05b:45ff:feee:5ecf"),
                    ip("2001:db8::"),
                    0,
                    135 << 8,
                    58,
                    1,
                    86
                ),
                1
            ),
            (
                (ip("52.52.52.52"), ip("53.53.53.53"), 22, 52237, 6, 1, 122),
                1000
            ),
            // Raw IPv4 headers (header protocol 11): frame 50, 18 stripped; echo replies.
            ((ip("69.58.92.107"), ip("92.222.186.1"), 0, 0, 1, 1, 32), 1),
            ((ip("69.58.92.107"), ip("92.222.184.1"), 0, 0, 1, 1, 32), 1),
            // Frame 1390 with 1262 "stripped" (more than the IP packet's 1344): the frame length.
            (
                (
                    ip("50.50.50.50"),
                    ip("51.51.51.51"),
                    46622,
                    58631,
                    17,
                    1,
                    1390
                ),
                256
            ),
            // VXLAN: the outer packet.
            (
                (
                    ip("192.168.108.40"),
                    ip("192.168.15.14"),
                    45833,
                    4789,
                    17,
                    1,
                    168
                ),
                1
            ),
            // One sample, then bytes the test's author left after it.
            (
                (
                    ip("2a0c:8880:2:0:185:21:130:38"),
                    ip("2a0c:8880:2:0:185:21:130:39"),
                    46026,
                    22,
                    6,
                    1,
                    1514
                ),
                1024
            ),
        ]
    );
}

#[test]
fn sflow_counter_samples_and_sequence() {
    // Nine datagrams, sequence 415–423: eight hold a counter sample, one a flow sample.
    let (dec, out) = replay(&["ndpi_sflow.pcap"]);
    assert_eq!(dec.stats.datagrams, 9);
    assert_eq!(dec.stats.skipped, 8);
    assert_eq!(dec.stats.lost, 0);
    assert_eq!(out.len(), 1);
    assert_eq!(
        raw(&out[0]),
        (
            ip("172.21.32.254"),
            ip("172.21.32.241"),
            0,
            8 << 8,
            1,
            1,
            78
        )
    );
    assert_eq!(out[0].sampling, 2048);
    // Without datagram 5 (sequence 419): one datagram lost.
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for (i, (src, ts, payload)) in datagrams("ndpi_sflow.pcap").iter().enumerate() {
        if i != 4 {
            dec.decode(*src, payload, *ts, &mut out).expect("sflow");
        }
    }
    assert_eq!(dec.stats.lost, 1);
}

// ---------------------------------------------------------------- loss, faults, noise

#[test]
fn ipfix_and_v9_sequence_gaps() {
    // IPFIX counts data records: pktvisor's data datagrams hold one record each.
    let d = datagrams("pktvisor_ipfix.pcap");
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for (i, (src, ts, p)) in d.iter().enumerate() {
        if i == 30 || i == 31 {
            continue;
        }
        dec.decode(*src, p, *ts, &mut out).expect("ipfix");
    }
    assert_eq!(dec.stats.lost, 1 + 2);
    // NetFlow v9 counts export packets: nProbe's sequence has no holes; drop three packets.
    let d = datagrams("graylog_nprobe-netflow9-3.pcap");
    let mut dec = Decoder::new();
    for (i, (src, ts, p)) in d.iter().enumerate() {
        if (40..43).contains(&i) {
            continue;
        }
        dec.decode(*src, p, *ts, &mut out).expect("v9");
    }
    assert_eq!(dec.stats.lost, 3);
}

#[test]
fn lying_lengths_refuse_the_datagram() {
    let d = datagrams("akvorado_data+templates.pcap");
    let (src, ts, good) = &d[0];
    let mut dec = Decoder::new();
    let mut out = vec![FlowRecord::default()];
    // The third flowset (options data, at byte 708) claims more bytes than remain.
    let mut bad = good.clone();
    assert_eq!(&bad[708..710], &[0x01, 0x00]);
    bad[710] = 0x7f;
    let err = dec.decode(*src, &bad, *ts, &mut out).expect_err("refused");
    match &err {
        DecodeError::Malformed {
            format,
            offset,
            what,
        } => {
            assert_eq!((*format, *offset), ("netflow_v9", 710));
            assert!(what.contains("set 256 length"), "{what}");
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "netflow_v9: set 256 length 32524 ({} bytes left in the datagram) at byte 710",
            bad.len() - 708
        )
    );
    // Nothing appended (the 10 flows after it neither), counted once.
    assert_eq!(out.len(), 1);
    assert_eq!(dec.stats.malformed, 1);
    assert_eq!(dec.stats.flows, 0);
    // The same datagram whole decodes.
    assert_eq!(dec.decode(*src, good, *ts, &mut out), Ok(10));

    // IPFIX: a variable-length field whose length runs past its set.
    let d = datagrams("akvorado_datalink-data.pcap");
    let t = datagrams("akvorado_datalink-template.pcap");
    let mut dec = Decoder::new();
    dec.decode(t[0].0, &t[0].2, 0, &mut out).expect("template");
    let mut bad = d[0].2.clone();
    // Set header at 16, record at 20: 4 + 4 + 1 + 2 bytes, then the section's length byte.
    assert_eq!(bad[31], 114);
    bad[31] = 200;
    let err = dec.decode(d[0].0, &bad, 0, &mut out).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "ipfix: template 384: field 315 of 200 bytes runs past the set end at byte 32"
    );
}

/// Every strict prefix of a real datagram is refused (or, for NetFlow v9, decodes when cut at a
/// flowset boundary), never a panic; a refused one appends nothing.
#[test]
fn every_prefix_never_panics() {
    let cases: [(&[&str], &str, bool); 5] = [
        (&[], "akvorado_nfv5.pcap", true),
        (&[], "akvorado_data+templates.pcap", false),
        (
            &["akvorado_datalink-template.pcap"],
            "akvorado_datalink-data.pcap",
            true,
        ),
        (&[], "akvorado_data-1140.pcap", true),
        (&[], "akvorado_data-qinq.pcap", true),
    ];
    for (setup, name, all_refused) in cases {
        let mut dec = Decoder::new();
        let mut out = Vec::new();
        for s in setup {
            for (src, ts, p) in datagrams(s) {
                dec.decode(src, &p, ts, &mut out).expect("setup");
            }
        }
        let before = dec.stats;
        let (src, ts, full) = &datagrams(name)[0];
        let mut refused = 0u64;
        for n in 0..full.len() {
            let len = out.len();
            match dec.decode(*src, &full[..n], *ts, &mut out) {
                Ok(k) => {
                    assert!(!all_refused, "{name}: prefix {n} accepted");
                    assert_eq!(out.len(), len + k);
                }
                Err(_) => {
                    refused += 1;
                    assert_eq!(out.len(), len, "{name}: prefix {n} appended");
                }
            }
        }
        assert!(refused > full.len() as u64 / 2, "{name}");
        assert_eq!(dec.stats.malformed - before.malformed, refused);
        assert_eq!(dec.stats.datagrams - before.datagrams, full.len() as u64);
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_bytes_and_mutations_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    let exporter = ip("192.0.2.9");
    // Random datagrams behind each version word.
    let heads: [&[u8]; 5] = [&[0, 5], &[0, 9], &[0, 10], &[0, 0, 0, 5], &[]];
    let mut results = (0u64, 0u64);
    for i in 0..20_000 {
        let head = heads[i % heads.len()];
        let n = (rng.next() % 600) as usize;
        let mut d = head.to_vec();
        d.extend((0..n).map(|_| rng.next() as u8));
        if i % heads.len() == 3 && d.len() > 8 {
            d[7] = 1 + (rng.next() % 2) as u8; // agent address type
        }
        match dec.decode(exporter, &d, 0, &mut out) {
            Ok(_) => results.0 += 1,
            Err(_) => results.1 += 1,
        }
    }
    assert_eq!(dec.stats.datagrams, 20_000);
    assert_eq!(dec.stats.malformed, results.1);
    assert!(results.1 > 10_000);
    // Real datagrams with a few bytes changed, templates known.
    let mut sources = Vec::new();
    for name in [
        "akvorado_nfv5.pcap",
        "akvorado_data+templates.pcap",
        "pktvisor_ipfix.pcap",
        "akvorado_data-1140.pcap",
        "akvorado_data-qinq.pcap",
        "graylog_nprobe-netflow9-3.pcap",
    ] {
        sources.extend(datagrams(name));
    }
    let mut dec = Decoder::new();
    for (src, ts, p) in &sources {
        let _ = dec.decode(*src, p, *ts, &mut out);
    }
    for _ in 0..30_000 {
        let (src, ts, p) = &sources[(rng.next() % sources.len() as u64) as usize];
        let mut m = p.clone();
        for _ in 0..1 + rng.next() % 4 {
            let at = (rng.next() % m.len() as u64) as usize;
            m[at] = rng.next() as u8;
        }
        let len = out.len();
        if dec.decode(*src, &m, *ts, &mut out).is_err() {
            assert_eq!(out.len(), len);
        }
    }
}

#[test]
fn unknown_versions_and_short_datagrams() {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    let e = ip("192.0.2.1");
    assert_eq!(
        dec.decode(e, &[0, 7, 0, 0, 0, 0], 0, &mut out),
        Err(DecodeError::UnknownVersion(7))
    );
    assert!(dec.decode(e, &[0, 5], 0, &mut out).is_err());
    assert!(dec.decode(e, &[], 0, &mut out).is_err());
    assert_eq!(
        dec.decode(e, &[0, 0, 0, 4, 0, 0, 0, 1], 0, &mut out),
        Err(DecodeError::UnknownVersion(4))
    );
    assert_eq!((dec.stats.datagrams, dec.stats.malformed), (4, 4));
    let (_, s) = dec.exporters().next().expect("exporter");
    assert_eq!((s.format, s.stats.malformed), (None, 4));
}

/// An IPFIX message: header (sequence, domain 7) and sets.
fn ipfix(sequence: u32, sets: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (id, s) in sets {
        body.extend(id.to_be_bytes());
        body.extend(((s.len() + 4) as u16).to_be_bytes());
        body.extend(s);
    }
    let mut m = vec![0, 10];
    m.extend(((16 + body.len()) as u16).to_be_bytes());
    m.extend(1_700_000_000u32.to_be_bytes());
    m.extend(sequence.to_be_bytes());
    m.extend(7u32.to_be_bytes());
    m.extend(body);
    m
}

#[test]
fn ipfix_synthetic_redefinition_withdrawal_long_lengths() {
    let e = ip("192.0.2.7");
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    // Template 300: sourceIPv4Address, destinationIPv4Address, an enterprise field (PEN 9,
    // variable length), octetDeltaCount (4 bytes), packetDeltaCount (reduced to 2 bytes).
    let t300 = [
        &[1, 44, 0, 5][..],
        &[0, 8, 0, 4, 0, 12, 0, 4],
        &[0x80, 0x10, 0xff, 0xff, 0, 0, 0, 9],
        &[0, 1, 0, 4, 0, 2, 0, 2],
    ]
    .concat();
    let mut rec = vec![10, 0, 0, 1, 10, 0, 0, 2];
    rec.extend([255, 1, 44]); // long form: 300 bytes follow
    rec.extend([0xab; 300]);
    rec.extend([0, 0, 5, 220, 0, 3]);
    let short = [
        &[10, 0, 0, 3, 10, 0, 0, 4, 2, 1, 2][..],
        &[0, 0, 0, 80, 0, 1],
    ]
    .concat();
    let data = [rec.clone(), short, vec![0, 0]].concat(); // two records, 2 bytes of padding
    let m = ipfix(100, &[(2, t300), (300, data)]);
    assert_eq!(dec.decode(e, &m, 0, &mut out), Ok(2));
    assert_eq!(dec.stats.unknown_fields, 1);
    assert_eq!(
        (out[0].src, out[0].dst, out[0].bytes, out[0].packets),
        (ip("10.0.0.1"), ip("10.0.0.2"), 1500, 3)
    );
    assert_eq!((out[1].bytes, out[1].packets), (80, 1));
    assert_eq!(out[0].start_ms, 1_700_000_000_000);
    // Redefined: destination first, then source; sequence 102 follows 100 + 2 records.
    let t300b = [&[1, 44, 0, 2][..], &[0, 12, 0, 4, 0, 8, 0, 4]].concat();
    let m = ipfix(102, &[(2, t300b), (300, vec![10, 0, 0, 9, 10, 0, 0, 8])]);
    assert_eq!(dec.decode(e, &m, 0, &mut out), Ok(1));
    assert_eq!((out[2].src, out[2].dst), (ip("10.0.0.8"), ip("10.0.0.9")));
    assert_eq!(dec.stats.lost, 0);
    // Withdrawn (field count 0): its data is no longer read; sequence 110 after 103: 7 lost.
    let m = ipfix(110, &[(2, vec![1, 44, 0, 0]), (300, vec![1; 8])]);
    assert_eq!(dec.decode(e, &m, 0, &mut out), Ok(0));
    assert_eq!((dec.stats.no_template, dec.stats.lost), (1, 7));
    // The long length form cut short is refused.
    let t = [&[1, 45, 0, 1][..], &[0, 8, 0xff, 0xff]].concat();
    let m = ipfix(110, &[(2, t), (301, vec![255, 0])]);
    let err = dec.decode(e, &m, 0, &mut out).expect_err("cut");
    assert_eq!(
        err.to_string(),
        "ipfix: template 301: length of field 8 cut short at byte 33"
    );
    assert_eq!(out.len(), 3);
}
