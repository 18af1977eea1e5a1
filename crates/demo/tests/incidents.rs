//! The demo's incidents tell one story across pages: the reports each incident shows as sent
//! were sent (and are in the mail log) before their deadlines, the one never reported is the
//! only one the deadline check escalates, the six-monthly summary counts exactly the seeded
//! incidents, and the live feed's platform alerts arrive through the real routing, once per id.
#![allow(clippy::unwrap_used)]

use canhgac_domain::report::{DueState, HalfYear, ReportKind};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_ops::monitor::{Monitor, MonitorConfig};
use canhgac_store::{IncidentFilter, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_incidents_and_their_reports_agree() {
    let dir = std::env::temp_dir().join(format!("canhgac_demo_incidents_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open_sqlite(&dir).await.unwrap();
    canhgac_demo::seed(&store, "$argon2id$test").await.unwrap();
    let monitor = Monitor::start(
        store.clone(),
        MonitorConfig {
            bundled_rules: false,
            ..MonitorConfig::default()
        },
    );
    canhgac_demo::monitoring::load_rules(&store, &monitor)
        .await
        .unwrap();
    canhgac_demo::monitoring::backfill(&store, &monitor, 1)
        .await
        .unwrap();
    let made = canhgac_demo::incidents::seed(&store).await.unwrap();
    assert_eq!(made, 5, "five incidents in different stages");
    assert_eq!(
        canhgac_demo::incidents::seed(&store).await.unwrap(),
        0,
        "seeded once"
    );

    let all = Scope::All;
    let now = now_ms();
    let (incs, _) = store
        .list_incidents(&all, &IncidentFilter::default())
        .await
        .unwrap();
    let mut sent = 0;
    let mut overdue = Vec::new();
    for i in &incs {
        for d in canhgac_ops::reports::deadlines(&store, &all, i, now)
            .await
            .unwrap()
        {
            match d.state {
                DueState::SentLate => {
                    panic!("the demo sends no report late: #{} {:?}", i.id, d.kind)
                }
                DueState::SentOnTime => sent += 1,
                DueState::Overdue => overdue.push((i.id, d.kind)),
                DueState::Pending => {}
            }
        }
        for r in store.incident_reports(&all, i.id).await.unwrap() {
            // A report is never sent before its last version was saved.
            let versions = store.report_versions(&all, r.id).await.unwrap();
            if let Some(s) = r.sent_at {
                assert!(
                    versions.iter().all(|v| v.saved_at <= s),
                    "#{} saved after it was sent",
                    i.id
                );
            }
        }
    }
    assert_eq!(
        sent, 3,
        "the ransomware's initial report and both of the defacement's"
    );
    assert_eq!(
        overdue.len(),
        1,
        "only the denial of service is overdue: {overdue:?}"
    );
    assert_eq!(overdue[0].1, ReportKind::Initial);
    // Every report shown as sent is in the mail log, to the addresses it names.
    let log = store.mail_log(&all, 100).await.unwrap();
    assert_eq!(log.iter().filter(|m| m.status == "sent").count(), 3);
    assert!(log
        .iter()
        .all(|m| m.subject.starts_with("[TBSC] ") && m.recipients.contains("ir@vncert.vn")));

    // The deadline check escalates that one, once.
    assert_eq!(
        canhgac_ops::reports::check_deadlines(&store, None, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        canhgac_ops::reports::check_deadlines(&store, None, now)
            .await
            .unwrap(),
        0
    );
    let esc = store.escalations(&all, overdue[0].0).await.unwrap();
    assert_eq!(esc.len(), 1);
    assert_eq!(esc[0].reason, "initial_overdue");

    // The summary counts the seeded incidents (all detected within the last week, so in this
    // half-year or — in its first days — the one before).
    let this = canhgac_ops::reports::summary(&store, &all, HalfYear::of(now))
        .await
        .unwrap();
    let before = canhgac_ops::reports::summary(&store, &all, HalfYear::of(now).previous())
        .await
        .unwrap();
    assert_eq!(this.total + before.total, incs.len() as i64);

    // The live feed: a platform alert routed to the organisation of the host it names; the same
    // id again updates it.
    let count = || async {
        store
            .list_platform_alerts(&all, false, 1000)
            .await
            .unwrap()
            .len()
    };
    let before = count().await;
    canhgac_demo::incidents::live_platform_alert(&store, 1)
        .await
        .unwrap();
    assert_eq!(count().await, before + 1);
    canhgac_demo::incidents::live_platform_alert(&store, 1)
        .await
        .unwrap();
    assert_eq!(count().await, before + 1, "one alert per platform id");
    let newest = store.list_platform_alerts(&all, false, 1000).await.unwrap();
    let live = newest
        .iter()
        .find(|a| a.platform_id.ends_with("-11876"))
        .unwrap();
    assert!(
        live.org_code.is_some(),
        "routed through the registry: {live:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
