//! The demo province is what the README promises: the dispatch's organisations, at least 30
//! systems and 300 hosts with inventories, users of every role, the clause-3 contacts.
#![allow(clippy::unwrap_used)]

use canhgac_domain::entity::EntityKind;
use canhgac_domain::{Role, Scope};
use canhgac_store::{ListQuery, SignalFilter, Store, WorkFilter};

#[tokio::test]
async fn the_demo_province_is_complete_and_seeded_once() {
    let dir = std::env::temp_dir().join(format!("canhgac_demo_test_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open_sqlite(&dir).await.unwrap();
    let seeded = canhgac_demo::seed(&store, "$argon2id$test").await.unwrap();
    assert!(seeded.fresh);
    let count = |k: EntityKind| {
        seeded
            .counts
            .iter()
            .find(|(kind, _)| *kind == k)
            .map(|(_, n)| *n)
            .unwrap()
    };
    assert!(count(EntityKind::System) >= 30);
    assert!(count(EntityKind::Host) >= 300);
    assert!(count(EntityKind::Software) >= 3000);
    let orgs = store
        .list(
            EntityKind::Org,
            &Scope::All,
            &ListQuery {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let of_kind = |k: &str| orgs.items.iter().filter(|o| o["kind"] == k).count();
    assert_eq!(of_kind("dic"), 1);
    assert!(of_kind("agency") >= 15);
    assert_eq!(
        orgs.items
            .iter()
            .filter(|o| o["kind"] == "district" && o["parent_code"] == "STTTT")
            .count(),
        8,
        "the 8 districts and city"
    );
    let mut telecoms: Vec<&str> = orgs
        .items
        .iter()
        .filter(|o| o["kind"] == "telecom")
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    telecoms.sort_unstable();
    assert_eq!(telecoms, vec!["MOBIFONE", "VIETTEL", "VNPT"]);
    let users = store.list_users(&Scope::All).await.unwrap();
    for role in Role::ALL {
        assert!(
            users.iter().any(|u| u.role() == role),
            "a demo user with role {role}"
        );
    }
    let contacts = store
        .list(EntityKind::Contact, &Scope::All, &ListQuery::default())
        .await
        .unwrap();
    let text = serde_json::to_string(&contacts.items).unwrap();
    for needle in [
        "ir@vncert.vn",
        "086.9100.317",
        "ais@mic.gov.vn",
        "0389942878",
        "02133798798",
    ] {
        assert!(text.contains(needle), "clause 3 contact {needle}");
    }
    // Every package has a scheme matching its host's OS family.
    let rpm = store
        .list(
            EntityKind::Software,
            &Scope::All,
            &ListQuery {
                filters: vec![("scheme".into(), "rpm".into())],
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(rpm.total > 0);
    assert!(
        store
            .list_signals(&Scope::All, &SignalFilter::default())
            .await
            .unwrap()
            .1
            >= 7
    );
    assert!(
        store
            .list_work_items(&Scope::All, &WorkFilter::default())
            .await
            .unwrap()
            .1
            >= 30
    );
    // The Botnet loop ran on the two demo lists: October's Home Affairs finding was verified
    // clean by November's list, the Health portal was listed again and escalated.
    let lists = store.botnet_lists().await.unwrap();
    assert_eq!(
        lists.iter().map(|l| l.period.as_str()).collect::<Vec<_>>(),
        vec!["2026-11", "2026-10"]
    );
    let (hunts, _) = store
        .list_work_items(
            &Scope::All,
            &WorkFilter {
                kind: Some(canhgac_domain::work::WorkKind::HuntTask),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let state_of = |needle: &str| {
        hunts
            .iter()
            .find(|w| w.title.contains(needle))
            .map(|w| (w.state.as_str().to_string(), w.escalated))
            .unwrap()
    };
    assert_eq!(state_of("snv-web01"), ("closed".to_string(), 0));
    assert_eq!(state_of("syt-web01"), ("open".to_string(), 1));
    assert_eq!(state_of("tamduong-web01").0, "open");
    let (findings, _) = store
        .botnet_findings(&Scope::All, Some(lists[0].id), None, 100, 0)
        .await
        .unwrap();
    assert_eq!(
        findings[0].recurring, 1,
        "the recurring finding ranks first"
    );
    // Patch management: the warnings found their hosts, KEV made the WinRAR ones overdue.
    let (advisories, _) = store
        .list_advisories(&Scope::All, None, 100, 0)
        .await
        .unwrap();
    let winrar = advisories
        .iter()
        .find(|a| a.ext_id == "AIS-2026-11-001")
        .unwrap();
    assert!(
        winrar.affected_hosts > 50,
        "WinRAR on the workstations: {}",
        winrar.affected_hosts
    );
    assert_eq!(winrar.kev_due.as_deref(), Some("2025-09-02"));
    let regre = advisories
        .iter()
        .find(|a| a.ext_id == "DSA-5724-1")
        .unwrap();
    let (rm, _) = store
        .matches(&Scope::All, Some(regre.id), None, 5, 0)
        .await
        .unwrap();
    assert_eq!(
        regre.affected_hosts, 0,
        "the demo's Debian hosts already run the fixed OpenSSH: {rm:?}"
    );
    let openssl = advisories
        .iter()
        .find(|a| a.ext_id == "AIS-2026-11-004")
        .unwrap();
    assert!(openssl.affected_hosts > 0, "Debian 12 hosts only");
    let (ubuntu_hits, _) = store
        .matches(&Scope::All, Some(openssl.id), None, 1000, 0)
        .await
        .unwrap();
    assert!(
        ubuntu_hits.iter().all(|m| !m.version.contains("ubuntu")),
        "the Debian warning does not touch Ubuntu hosts"
    );
    // Vulnerability review: the scan's findings, the Health portal's ranked highest (KEV,
    // Internet-facing, Botnet-listed).
    let ranked = store
        .list_scan_findings(&Scope::All, Some("open"))
        .await
        .unwrap();
    assert!(ranked.len() >= 10);
    assert!(ranked
        .iter()
        .any(|f| f.hostname == "syt-web01" && f.known_exploited == 1 && f.botnet_listed == 1));
    // A second run finds the province and leaves it alone.
    let again = canhgac_demo::seed(&store, "$argon2id$test").await.unwrap();
    assert!(!again.fresh);
    assert_eq!(again.counts, seeded.counts);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vietnamese_folds_to_ascii_handles() {
    assert_eq!(canhgac_demo::ascii_handle("Nguyễn Thị Thu Hà"), "ha");
    assert_eq!(canhgac_demo::ascii_handle("Lường Văn Cường"), "cuong");
    assert_eq!(canhgac_demo::fold_vietnamese('Đ'), 'D');
}
