//! The demo's flow data tells one story: three past attacks, each found by the detector and
//! alerted to the organisation holding the address and to the operator, with advice naming the
//! target; the traffic per organisation adds up to the minutes stored; the subscriber's Botnet
//! traffic names an address on the seeded lists; and every simulated router's datagrams are read
//! by a real collector, nothing malformed or lost.
#![allow(clippy::unwrap_used)]

use canhgac_domain::signal::SignalKind;
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_store::{SignalFilter, Store};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_flow_data_agrees_and_its_routers_are_read() {
    let dir = std::env::temp_dir().join(format!("canhgac_demo_flows_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open_sqlite(&dir).await.unwrap();
    canhgac_demo::seed(&store, "$argon2id$test").await.unwrap();
    assert_eq!(canhgac_demo::flows::seed(&store).await.unwrap(), 3);
    let all = Scope::All;

    let attacks = store
        .flow_attacks(&all, false, None, None, 100)
        .await
        .unwrap();
    assert_eq!(attacks.len(), 3);
    for a in &attacks {
        assert!(
            a.ended_at.is_some(),
            "past attacks have ended: {}",
            a.target
        );
        let advice: serde_json::Value = serde_json::from_str(&a.advice).unwrap();
        assert!(advice["rtbh_exabgp"]
            .as_str()
            .unwrap()
            .contains(&format!("{}/32", a.target)));
        let sig = store
            .signal(&all, a.signal_id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sig.kind, SignalKind::FlowAttack);
        assert_eq!(sig.org_id, Some(a.org_id));
        assert!(sig.title.contains(&a.target));
        if a.org_id != a.operator_org_id {
            let op = store
                .signal(&all, a.operator_signal_id.unwrap())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(op.org_id, Some(a.operator_org_id));
        }
    }
    let kinds: Vec<&str> = attacks.iter().map(|a| a.kind.as_str()).collect();
    assert!(
        kinds.contains(&"syn_flood") && kinds.contains(&"amplification"),
        "{kinds:?}"
    );

    // Per organisation totals are the minutes' sums.
    let since = now_ms() - 7 * 86_400_000;
    let by_org = store.flow_traffic_by_org(&all, since).await.unwrap();
    let points = store
        .flow_traffic(&all, None, since, now_ms() + 60_000, 3_600_000)
        .await
        .unwrap();
    let total: i64 = by_org.iter().map(|o| o.in_bytes).sum();
    assert_eq!(total, points.iter().map(|p| p.in_bytes).sum::<i64>());
    assert!(
        by_org.len() > 20,
        "the agencies and the operators carry traffic"
    );

    // The subscriber's Botnet traffic: its far end is on the seeded lists.
    let sightings = store.flow_sightings(&all, None, 10).await.unwrap();
    assert_eq!(sightings.len(), 1);
    let set = canhgac_ops::botnet::set_of_lists(&store, &[])
        .await
        .unwrap();
    assert!(set
        .lookup(sightings[0].remote_ip.parse().unwrap())
        .is_some());
    let (bot, _) = store
        .list_signals(
            &all,
            &SignalFilter {
                kind: Some(SignalKind::BotnetFinding),
                source: Some(canhgac_ops::flows::FLOW_SOURCE.into()),
                limit: Some(10),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(bot.len(), 1);

    // The simulated routers, read by a real collector on a free port.
    let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let cfg = canhgac_ops::flows::FlowsConfig {
        listen: Some(addr),
        ..Default::default()
    };
    let collector = canhgac_ops::flows::start(store.clone(), cfg)
        .await
        .unwrap()
        .unwrap();
    let live = tokio::spawn(canhgac_demo::flows::live(store.clone(), addr));
    // Ordinary traffic reaches the registered exporters within a few seconds.
    let mut read = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let e = store.flow_exporters(&all).await.unwrap();
        if e.len() == 3
            && e.iter()
                .all(|x| x.flows > 0 && x.malformed == 0 && x.lost == 0)
        {
            read = true;
            break;
        }
    }
    assert!(
        read,
        "every simulated router is read, nothing malformed or lost"
    );
    assert_eq!(collector.shared.unknown_senders().len(), 0);
    live.abort();
    collector.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
