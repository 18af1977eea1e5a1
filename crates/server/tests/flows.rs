//! The flow collector end to end: NetFlow v5 datagrams over UDP from a registered exporter, a
//! SYN flood on an agency's address raising signals for the agency and the operator within
//! five seconds, with RTBH/FlowSpec advice; an operator's customer prefix with its own
//! threshold; flows to a listed Botnet address becoming a Botnet signal; an unregistered
//! sender and a malformed datagram counted, never read; sequence gaps counted as lost; the
//! API and pages only to the organisations concerned; exporters and prefixes registered within
//! scope.

mod common;

use axum::http::StatusCode;
use canhgac_domain::signal::SignalKind;
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_flows::encode::V5Exporter;
use canhgac_flows::{tcp_flags, FlowRecord, Proto};
use canhgac_ops::flows::{FlowsConfig, Output, Writer};
use canhgac_store::SignalFilter;
use common::TestApp;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

#[tokio::test]
async fn collector_detects_and_routes() {
    run(TestApp::new().await).await;
}

#[tokio::test]
async fn the_same_on_postgres() {
    if let Some(app) = TestApp::new_postgres().await {
        run(app).await;
    }
}

#[allow(clippy::too_many_arguments)]
fn flow(
    src: &str,
    dst: &str,
    proto: u8,
    sport: u16,
    dport: u16,
    flags: u8,
    packets: u64,
    now: i64,
) -> FlowRecord {
    FlowRecord {
        src: src.parse().expect("ip"),
        dst: dst.parse().expect("ip"),
        src_port: sport,
        dst_port: dport,
        proto,
        tcp_flags: flags,
        packets,
        bytes: packets * 60,
        start_ms: now - 500,
        end_ms: now,
        sampling: 1,
        fragment: false,
    }
}

async fn signals(app: &TestApp, kind: SignalKind, org: &str) -> Vec<canhgac_store::SignalRow> {
    app.store
        .list_signals(
            &Scope::All,
            &SignalFilter {
                kind: Some(kind),
                org_id: Some(app.orgs[org]),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .expect("signals")
        .0
}

async fn run(app: TestApp) {
    let admin = app.token("admin@t.vn").await;
    let vt = app.token("vt-staff@t.vn").await;
    let td = app.token("td-staff@t.vn").await;
    let syt = app.token("syt-admin@t.vn").await;

    // Exporters: an operator may register only an address its organisation holds; the DIC any.
    let r = app
        .api(
            "post",
            "/api/v1/flows/exporters",
            Some(&vt),
            Some(json!({"address": "127.0.0.1", "name": "edge"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("address"), "{}", r.text);
    let r = app
        .api(
            "post",
            "/api/v1/flows/exporters",
            Some(&admin),
            Some(json!({"org": "VIETTEL", "address": "127.0.0.1", "name": "Router biên"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .api(
            "post",
            "/api/v1/flows/exporters",
            Some(&admin),
            Some(json!({"org": "VIETTEL", "address": "127.0.0.1", "name": "again"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // An agency is not an operator.
    let r = app
        .api(
            "post",
            "/api/v1/flows/exporters",
            Some(&td),
            Some(json!({"address": "198.51.100.49", "name": "x"})),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    // Customer prefixes: the operator's own, thresholds checked, no absurd width.
    let r = app.api("post", "/api/v1/flows/prefixes", Some(&vt), Some(json!({"prefix": "192.0.2.0/24", "name": "KCN Tam Đường", "pps": 1000, "mbps": 100, "fps": 100000}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .api(
            "post",
            "/api/v1/flows/prefixes",
            Some(&vt),
            Some(json!({"prefix": "10.0.0.0/4", "name": "all", "pps": 1, "mbps": 1, "fps": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .api(
            "post",
            "/api/v1/flows/prefixes",
            Some(&vt),
            Some(json!({"prefix": "192.0.3.0/24", "name": "x", "pps": 0, "mbps": 1, "fps": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let listed = app
        .api("get", "/api/v1/flows/prefixes", Some(&td), None)
        .await
        .json();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(0),
        "an agency does not see the operator's customers: {listed}"
    );

    // The collector, on a free port, ending attacks after two quiet seconds.
    let mut cfg = FlowsConfig {
        listen: Some("127.0.0.1:0".parse().expect("addr")),
        refresh: Duration::from_secs(1),
        ..FlowsConfig::default()
    };
    cfg.settings.end_after_s = 2;
    let collector = canhgac_ops::flows::start(app.store.clone(), cfg)
        .await
        .expect("collector")
        .expect("listening");
    let to = collector.local_addr;
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("udp");
    let mut exp = V5Exporter::new(now_ms() - 3_600_000);
    let send = |recs: Vec<FlowRecord>, exp: &mut V5Exporter| -> Vec<Vec<u8>> {
        recs.chunks(30).map(|c| exp.datagram(c, now_ms())).collect()
    };

    // An unregistered sender and a malformed datagram first.
    let stranger = tokio::net::UdpSocket::bind("127.0.0.9:0")
        .await
        .expect("udp 127.0.0.9");
    let mut other = V5Exporter::new(now_ms());
    for d in send(
        vec![flow(
            "203.0.113.7",
            "198.51.100.49",
            Proto::UDP,
            53,
            4000,
            0,
            100_000,
            now_ms(),
        )],
        &mut other,
    ) {
        stranger.send_to(&d, to).await.expect("send");
    }
    sock.send_to(&[0, 5, 0, 200, 1, 2, 3], to)
        .await
        .expect("send");

    // Ordinary traffic, then a SYN flood on Tam Đường's server: 25,000 packets a second for
    // three seconds (the default threshold is 20,000), from many sources.
    let target = "198.51.100.49";
    let now = now_ms();
    for d in send(
        (0..20)
            .map(|i| {
                flow(
                    &format!("203.0.113.{}", 10 + i),
                    target,
                    Proto::TCP,
                    40000 + i,
                    443,
                    0x1b,
                    20,
                    now,
                )
            })
            .collect(),
        &mut exp,
    ) {
        sock.send_to(&d, to).await.expect("send");
    }
    let t0 = Instant::now();
    for s in 0..3u32 {
        let now = now_ms();
        let recs: Vec<FlowRecord> = (0..250u32)
            .map(|i| {
                flow(
                    &format!("100.{}.{}.{}", 64 + s, i / 200, i % 200 + 1),
                    target,
                    Proto::TCP,
                    1024 + i as u16,
                    443,
                    tcp_flags::SYN,
                    100,
                    now,
                )
            })
            .collect();
        for d in send(recs, &mut exp) {
            sock.send_to(&d, to).await.expect("send");
        }
        // A flow to a listed address from Tam Đường's server, and a burst to the customer prefix.
        if s == 0 {
            let recs = vec![
                flow(
                    target,
                    "203.0.113.250",
                    Proto::TCP,
                    50000,
                    443,
                    0x1b,
                    12,
                    now,
                ),
                flow("8.8.8.8", "192.0.2.10", Proto::UDP, 123, 3333, 0, 1500, now),
            ];
            for d in send(recs, &mut exp) {
                sock.send_to(&d, to).await.expect("send");
            }
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    // The agency's signal within five seconds of the flood's first datagram.
    let mut raised = None;
    while t0.elapsed() < Duration::from_secs(8) {
        if !signals(&app, SignalKind::FlowAttack, "TAMDUONG")
            .await
            .is_empty()
        {
            raised = Some(t0.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = raised.expect("no attack signal for Tam Đường");
    assert!(after < Duration::from_secs(5), "the alert took {after:?}");
    let td_sig = signals(&app, SignalKind::FlowAttack, "TAMDUONG").await;
    assert_eq!(td_sig.len(), 1, "{td_sig:?}");
    assert!(
        td_sig[0].title.contains(target) && td_sig[0].title.contains("SYN flood"),
        "{}",
        td_sig[0].title
    );
    let vt_sig = signals(&app, SignalKind::FlowAttack, "VIETTEL").await;
    assert!(
        vt_sig.iter().any(|s| s.title.contains(target)),
        "the operator is told too: {vt_sig:?}"
    );
    assert!(
        vt_sig.iter().any(|s| s.title.contains("192.0.2.10")),
        "the customer prefix's own threshold: {vt_sig:?}"
    );

    // Quiet: the attacks end; counters and the Botnet sighting are written.
    let mut ended = false;
    for _ in 0..100 {
        let a = app
            .store
            .flow_attacks(&Scope::All, false, None, None, 10)
            .await
            .expect("attacks");
        let exporters = app
            .store
            .flow_exporters(&Scope::All)
            .await
            .expect("exporters");
        let sightings = app
            .store
            .flow_sightings(&Scope::All, None, 10)
            .await
            .expect("sightings");
        if a.len() == 2
            && a.iter().all(|x| x.ended_at.is_some())
            && exporters[0].malformed == 1
            && !sightings.is_empty()
        {
            ended = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ended, "attacks end and counters arrive");
    let attacks = app
        .store
        .flow_attacks(&Scope::All, false, None, None, 10)
        .await
        .expect("attacks");
    let flood = attacks.iter().find(|a| a.target == target).expect("flood");
    assert_eq!(flood.kind, "syn_flood");
    assert_eq!(flood.port, Some(443));
    assert_eq!(flood.org_id, app.orgs["TAMDUONG"]);
    assert_eq!(flood.operator_org_id, app.orgs["VIETTEL"]);
    // The ordinary traffic may fall in the flood's first second.
    assert!(
        (25_000..=25_400).contains(&flood.peak_pps),
        "{}",
        flood.peak_pps
    );
    assert_eq!(
        flood.packets,
        75_000 + 400,
        "the flood and the ordinary traffic before it, all counted"
    );
    let amp = attacks
        .iter()
        .find(|a| a.target == "192.0.2.10")
        .expect("customer");
    assert_eq!(
        (amp.kind.as_str(), amp.port, amp.org_id),
        ("amplification", Some(123), app.orgs["VIETTEL"])
    );
    let exporters = app
        .store
        .flow_exporters(&Scope::All)
        .await
        .expect("exporters");
    assert_eq!(exporters.len(), 1);
    assert_eq!(exporters[0].format, "netflow_v5");
    assert_eq!(exporters[0].lost, 0);
    assert_eq!(exporters[0].flows, 20 + 750 + 2);
    let unknown = collector.shared.unknown_senders();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].0, "127.0.0.9".parse::<IpAddr>().expect("ip"));
    let bot = signals(&app, SignalKind::BotnetFinding, "TAMDUONG").await;
    assert!(
        bot.iter()
            .any(|s| s.source == canhgac_ops::flows::FLOW_SOURCE
                && s.title.contains("203.0.113.250")),
        "{bot:?}"
    );

    // A gap in the flow sequence is counted as lost flows.
    exp.sequence += 90;
    for d in send(
        vec![flow(
            "203.0.113.10",
            target,
            Proto::TCP,
            40000,
            443,
            0x1b,
            1,
            now_ms(),
        )],
        &mut exp,
    ) {
        sock.send_to(&d, to).await.expect("send");
    }
    let mut lost = 0;
    for _ in 0..60 {
        lost = app
            .store
            .flow_exporters(&Scope::All)
            .await
            .expect("exporters")[0]
            .lost;
        if lost > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(lost, 90);
    collector.stop();

    // The API and pages: the agency and the operator see the attack, another agency does not.
    let id = flood.id;
    let r = app
        .api(
            "get",
            &format!("/api/v1/flows/attacks/{id}"),
            Some(&td),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = r.json();
    assert_eq!(
        a["mitigation"]["rtbh_exabgp"].as_str(),
        Some("announce route 198.51.100.49/32 next-hop 192.0.2.1 community [65535:666]")
    );
    assert!(
        a["mitigation"]["flowspec_gobgp"]
            .as_str()
            .is_some_and(|s| s.contains("tcp-flags ==S") && s.contains("destination-port ==443")),
        "{a}"
    );
    assert_eq!(a["sources"].as_array().map(Vec::len), Some(10));
    // Each source an object, as the OpenAPI document says (schemathesis found arrays here).
    assert!(a["sources"][0]["address"].is_string(), "{}", a["sources"]);
    assert!(a["sources"][0]["packets"].as_i64().is_some_and(|p| p > 0));
    assert_eq!(
        app.api(
            "get",
            &format!("/api/v1/flows/attacks/{id}"),
            Some(&vt),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.api(
            "get",
            &format!("/api/v1/flows/attacks/{id}"),
            Some(&syt),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let seen = app
        .api("get", "/api/v1/flows/attacks", Some(&syt), None)
        .await
        .json();
    assert_eq!(seen.as_array().map(Vec::len), Some(0), "{seen}");
    let seen = app
        .api("get", "/api/v1/flows/attacks", Some(&td), None)
        .await
        .json();
    assert_eq!(seen.as_array().map(Vec::len), Some(1), "{seen}");
    let r = app
        .api("get", "/api/v1/flows/attacks?org=SYT", Some(&td), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "an organisation outside the scope is not found"
    );
    let b = app.session("td-staff@t.vn").await;
    let page = b.get(&format!("/flows/attacks/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("ExaBGP") && page.text.contains("announce flow route"),
        "advice on the page"
    );
    assert_eq!(
        app.session("syt-admin@t.vn")
            .await
            .get(&format!("/flows/attacks/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let overview = b.get("/flows").await;
    assert!(
        overview.text.contains(target) && overview.text.contains("203.0.113.250"),
        "attack and Botnet traffic on the overview"
    );

    // Minutes of traffic: stored per organisation and read back per period and as talkers.
    let before = app
        .api("get", "/api/v1/flows/traffic?hours=1", Some(&td), None)
        .await
        .json();
    let before = before["by_org"][0]["in_bytes"].as_i64().unwrap_or(0);
    let mut w = Writer::default();
    let minute = canhgac_flows::detect::Minute {
        minute_ms: now_ms() / 60_000 * 60_000 - 60_000,
        owners: vec![canhgac_flows::detect::OwnerMinute {
            owner: app.orgs["TAMDUONG"],
            in_packets: 10,
            in_bytes: 6_000,
            out_packets: 5,
            out_bytes: 3_000,
            flows: 4,
        }],
        talkers: vec![canhgac_flows::detect::Talker {
            owner: app.orgs["TAMDUONG"],
            ip: target.parse().expect("ip"),
            local: true,
            packets: 10,
            bytes: 6_000,
        }],
        talkers_dropped: 0,
    };
    w.apply(
        &app.store,
        &FlowsConfig::default(),
        Output::Minute {
            operator: app.orgs["VIETTEL"],
            minute,
        },
    )
    .await
    .expect("minute");
    let t = app
        .api("get", "/api/v1/flows/traffic?hours=1", Some(&td), None)
        .await
        .json();
    assert_eq!(
        t["by_org"][0]["in_bytes"].as_i64(),
        Some(before + 6_000),
        "{t}"
    );
    assert_eq!(t["local_talkers"][0]["ip"].as_str(), Some(target), "{t}");
    let t = app
        .api("get", "/api/v1/flows/traffic?hours=1", Some(&syt), None)
        .await
        .json();
    assert_eq!(t["by_org"].as_array().map(Vec::len), Some(0), "{t}");
    let _ = SocketAddr::from(([127, 0, 0, 1], 0));
    app.cleanup().await;
}
