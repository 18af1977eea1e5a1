//! The demo's log traffic through the real pipeline (bundled SigmaHQ rules and the province's
//! own): its attackers are on the seeded Botnet lists, so a retro-hunt over the stored events
//! finds them, and its alert rate is one a duty team could work through.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use canhgac_demo::monitoring::{self, Attack};
use canhgac_demo::Dice;
use canhgac_domain::signal::SignalKind;
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_ops::monitor::{Monitor, MonitorConfig};
use canhgac_store::{SignalFilter, Store};

async fn seeded(name: &str) -> (Store, Arc<Monitor>, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("canhgac_demo_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open_sqlite(&dir).await.unwrap();
    canhgac_demo::seed(&store, "$argon2id$test").await.unwrap();
    let monitor = Monitor::start(store.clone(), MonitorConfig::default());
    monitoring::load_rules(&store, &monitor).await.unwrap();
    (store, monitor, dir)
}

/// Every IPv4 address written in a text.
fn addresses(text: &str) -> Vec<std::net::IpAddr> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|w| w.trim_matches('.').parse::<std::net::Ipv4Addr>().ok())
        .map(std::net::IpAddr::V4)
        .collect()
}

/// Runs the live generator over `hours` simulated hours at its live cadence, through the
/// pipeline; returns the attacks it made.
async fn simulate(store: &Store, monitor: &Monitor, hours: i64, seed: u64) -> Vec<Attack> {
    let hosts = monitoring::hosts(store).await.unwrap();
    let mut dice = Dice::new(seed);
    let start = now_ms() - hours * 3_600_000;
    let mut attacks = Vec::new();
    let mut batch = Vec::new();
    let mut at = start;
    while at < start + hours * 3_600_000 {
        let (raws, attack) = monitoring::burst_at(&mut dice, &hosts, at, monitoring::LIVE_EVERY_MS);
        attacks.extend(attack);
        batch.extend(raws);
        if batch.len() >= 500 {
            monitor.ingest(std::mem::take(&mut batch)).await.unwrap();
        }
        at += monitoring::LIVE_EVERY_MS;
    }
    monitor.ingest(batch).await.unwrap();
    attacks
}

#[tokio::test]
async fn the_attackers_are_on_the_seeded_lists_and_the_retro_hunt_finds_them() {
    let (store, monitor, dir) = seeded("lists").await;
    let attacks = simulate(&store, &monitor, 2, 0x5eed).await;
    assert!(!attacks.is_empty());
    let set = canhgac_ops::botnet::set_of_lists(&store, &[])
        .await
        .unwrap();
    for (ip, _) in canhgac_demo::ATTACKERS {
        assert!(
            set.lookup(ip.parse().unwrap()).is_some(),
            "{ip} is on a seeded list"
        );
    }
    // The retro-hunt over the stored events finds every attacker the traffic used.
    let (hits, searched) = canhgac_ops::botnet::retro_hunt_events(&store, &Scope::All, &set, 0)
        .await
        .unwrap();
    assert!(searched > 1000, "{searched} events searched");
    let found: BTreeSet<&str> = hits.iter().map(|h| h.ip.as_str()).collect();
    let used: BTreeSet<&str> = attacks.iter().filter_map(|a| a.source).collect();
    assert!(!used.is_empty());
    for ip in &used {
        assert!(found.contains(ip), "the retro-hunt finds {ip}: {found:?}");
    }
    // Every address an alert or a seeded signal cites — in its title, or as its remote
    // address — is on a list or is the province's own (a listed host's, or a registered one's).
    let dirx = canhgac_ops::directory::Directory::load(&store)
        .await
        .unwrap();
    let (signals, _) = store
        .list_signals(
            &Scope::All,
            &SignalFilter {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut cited = 0;
    for s in &signals {
        let mut ips = addresses(&s.title);
        ips.extend(
            s.src_ip
                .as_deref()
                .and_then(|a| a.parse::<std::net::IpAddr>().ok()),
        );
        for ip in ips {
            cited += 1;
            let listed = set.lookup(ip).is_some();
            let ours = dirx.address_in(ip, &Scope::All).is_some();
            assert!(
                listed || (ours && s.kind == SignalKind::SigmaAlert),
                "{ip} cited by {:?} '{}' is on no seeded list",
                s.kind,
                s.title
            );
            if matches!(
                s.kind,
                SignalKind::BotnetFinding | SignalKind::NationalAlert | SignalKind::FlowAttack
            ) {
                assert!(listed, "{ip} in '{}' is listed", s.title);
            }
        }
    }
    assert!(cited > 10, "{cited} addresses cited");
    // The live feed's signals too.
    let page = store
        .list(
            canhgac_domain::entity::EntityKind::Host,
            &Scope::All,
            &canhgac_store::ListQuery {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut dice = Dice::new(7);
    for _ in 0..50 {
        let s = canhgac_demo::live_signal(&mut dice, &page.items, now_ms()).unwrap();
        assert_ne!(s.kind, SignalKind::SigmaAlert);
        let ip = s.src_ip.as_deref().unwrap().parse().unwrap();
        assert!(set.lookup(ip).is_some(), "{ip} of '{}'", s.title);
        assert!(addresses(&s.title).contains(&ip));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_live_traffic_raises_a_few_dozen_alerts_an_hour_with_every_attack() {
    let (store, monitor, dir) = seeded("rate").await;
    let hours = 3;
    let attacks = simulate(&store, &monitor, hours, 0x1a1c).await;
    let detections = monitor.stats.detections.load(Ordering::Relaxed) as i64;
    let alerts = monitor.stats.alerts.load(Ordering::Relaxed) as i64;
    let events = monitor.stats.stored.load(Ordering::Relaxed) as i64;
    let mut per_rule: BTreeMap<String, i64> = BTreeMap::new();
    let (signals, _) = store
        .list_signals(
            &Scope::All,
            &SignalFilter {
                kind: Some(SignalKind::SigmaAlert),
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for s in &signals {
        *per_rule.entry(s.source.clone()).or_default() += 1;
    }
    eprintln!(
        "{hours} h simulated: {events} events, {} attacks, {detections} detections ({}/h), {alerts} new alerts ({}/h); per rule {per_rule:#?}",
        attacks.len(),
        detections / hours,
        alerts / hours
    );
    // A few dozen an hour: enough to watch, few enough to work through.
    assert!(
        (12..=80).contains(&(alerts / hours)),
        "{} new alerts an hour",
        alerts / hours
    );
    assert!(
        detections / hours <= 150,
        "{} detections an hour",
        detections / hours
    );
    // Every attack pattern appeared, and each was detected by at least one rule.
    let kinds: BTreeSet<&str> = attacks.iter().map(|a| a.kind).collect();
    assert_eq!(kinds.len(), monitoring::ATTACK_KINDS.len(), "{kinds:?}");
    for kind in monitoring::ATTACK_KINDS {
        assert!(
            attacks
                .iter()
                .filter(|a| a.kind == *kind)
                .any(|a| signals.iter().any(
                    |s| s.host_name.as_deref() == Some(a.host.as_str()) && s.last_seen >= a.at
                )),
            "an alert for {kind}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
