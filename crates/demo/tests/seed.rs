//! The demo province is what the README promises: the dispatch's organisations, at least 30
//! systems and 300 hosts with inventories, users of every role, the clause-3 contacts.
#![allow(clippy::unwrap_used)]

use canhgac_domain::entity::EntityKind;
use canhgac_domain::work::WorkKind;
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
    // The two lists are of the two months before this one.
    let cal = canhgac_demo::Calendar::at(canhgac_domain::time::now_ms());
    let period = |back| {
        let (y, m) = cal.month(back);
        format!("{y}-{m:02}")
    };
    let lists = store.botnet_lists().await.unwrap();
    assert_eq!(
        lists.iter().map(|l| l.period.clone()).collect::<Vec<_>>(),
        vec![period(1), period(2)]
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
    // Patch management: the warnings found their hosts, KEV brought the WinRAR ones forward.
    let (advisories, _) = store
        .list_advisories(&Scope::All, None, 100, 0)
        .await
        .unwrap();
    let winrar = advisories
        .iter()
        .find(|a| a.ext_id == format!("AIS-{}-001", period(0)))
        .unwrap();
    assert!(
        winrar.affected_hosts > 50,
        "WinRAR on the workstations: {}",
        winrar.affected_hosts
    );
    assert_eq!(
        winrar.kev_due.as_deref(),
        Some(cal.iso(canhgac_demo::KEV_DUE_WINRAR).as_str())
    );
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
        .find(|a| a.ext_id == format!("AIS-{}-004", period(0)))
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

/// Every open work item, all pages.
async fn open_work(store: &Store) -> Vec<canhgac_store::WorkItemRow> {
    let mut all = Vec::new();
    loop {
        let (page, total) = store
            .list_work_items(
                &Scope::All,
                &WorkFilter {
                    open_only: true,
                    limit: Some(1000),
                    offset: Some(all.len() as i64),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let done = page.is_empty();
        all.extend(page);
        if done || all.len() as i64 >= total {
            return all;
        }
    }
}

#[tokio::test]
async fn deadlines_are_counted_from_the_day_the_demo_starts() {
    let dir = std::env::temp_dir().join(format!("canhgac_demo_due_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open_sqlite(&dir).await.unwrap();
    canhgac_demo::seed(&store, "$argon2id$test").await.unwrap();
    let now = canhgac_domain::time::now_ms();
    let day = 86_400_000;
    let work = open_work(&store).await;
    let total = work.len();
    let overdue: Vec<_> = work
        .iter()
        .filter(|w| w.due_at.is_some_and(|d| d < now))
        .collect();
    let soon = work
        .iter()
        .filter(|w| w.due_at.is_some_and(|d| d >= now && d <= now + 3 * day))
        .count();
    let later = total - overdue.len() - soon;
    eprintln!(
        "{total} open work items: {} overdue, {soon} due within 3 days, {later} later",
        overdue.len()
    );
    assert!(total > 300, "{total}");
    assert!(
        !overdue.is_empty() && overdue.len() * 100 < total * 15,
        "a few overdue: {} of {total}",
        overdue.len()
    );
    assert!(soon > 0 && soon * 100 < total * 50, "some due soon: {soon}");
    assert!(later * 2 > total, "most later: {later} of {total}");
    // The overdue ones are those meant to be: the 7-Zip patch tasks (KEV due date two days
    // ago) and the Health Department's account review, overdue by a day.
    let (advisories, _) = store
        .list_advisories(&Scope::All, None, 100, 0)
        .await
        .unwrap();
    let seven_zip = advisories
        .iter()
        .find(|a| a.title.starts_with("7-Zip"))
        .unwrap();
    let cal = canhgac_demo::Calendar::at(now);
    assert_eq!(
        seven_zip.kev_due.as_deref(),
        Some(cal.iso(canhgac_demo::KEV_DUE_7ZIP).as_str())
    );
    let intended = |w: &canhgac_store::WorkItemRow| {
        (w.kind == WorkKind::PatchTask && w.title.contains(&seven_zip.ext_id))
            || (w.kind == WorkKind::General && w.org_code.as_deref() == Some("SYT"))
    };
    for w in &overdue {
        assert!(intended(w), "not meant to be overdue: {}", w.title);
        assert!(
            w.due_at.unwrap() > now - 3 * day,
            "overdue by days, not years"
        );
    }
    assert!(overdue.iter().any(|w| w.kind == WorkKind::PatchTask));
    // No patch task is escalated at start except the overdue ones.
    for w in work.iter().filter(|w| w.kind == WorkKind::PatchTask) {
        assert_eq!(w.escalated == 1, intended(w), "{}", w.title);
    }
    // WinRAR's KEV due date is in two days: its tasks are among those due soon.
    let winrar = advisories
        .iter()
        .find(|a| a.title.starts_with("WinRAR"))
        .unwrap();
    assert_eq!(
        winrar.kev_due.as_deref(),
        Some(cal.iso(canhgac_demo::KEV_DUE_WINRAR).as_str())
    );
    assert!(work.iter().any(|w| w.title.contains(&winrar.ext_id)
        && w.due_at.is_some_and(|d| d > now && d <= now + 3 * day)));
    // Every other deadline (directives, hunts, scanner findings) lies ahead.
    for w in &work {
        if !intended(w) {
            assert!(w.due_at.is_none_or(|d| d > now), "{} is overdue", w.title);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vietnamese_folds_to_ascii_handles() {
    assert_eq!(canhgac_demo::ascii_handle("Nguyễn Thị Thu Hà"), "ha");
    assert_eq!(canhgac_demo::ascii_handle("Lường Văn Cường"), "cuong");
    assert_eq!(canhgac_demo::fold_vietnamese('Đ'), 'D');
}

#[test]
fn the_login_sheet_lists_every_account_with_its_role_and_the_password() {
    let sheet = canhgac_demo::login_sheet("LaiChau-0123456789");
    for (email, _, role, org) in canhgac_demo::DEMO_USERS {
        let line = sheet
            .lines()
            .find(|l| l.starts_with(email))
            .unwrap_or_else(|| panic!("{email} in {sheet}"));
        assert!(line.contains(role.label_vi()), "{line}");
        assert!(line.contains(&format!("({})", role.as_str())), "{line}");
        match org {
            Some(code) => assert!(line.contains(&format!("{code} — ")), "{line}"),
            None => assert!(line.contains("toàn tỉnh"), "{line}"),
        }
    }
    assert!(sheet.contains("Sở Y tế"));
    assert!(sheet.contains("LaiChau-0123456789"));
    // The table's columns line up (the role column starts at the same character everywhere).
    let starts: Vec<usize> = sheet
        .lines()
        .filter(|l| l.contains('@') || l.starts_with("E-mail"))
        .map(|l| {
            // The e-mail column is ASCII: a byte offset is a character offset.
            let cut = l.find("  ").unwrap();
            cut + l[cut..].len() - l[cut..].trim_start().len()
        })
        .collect();
    assert_eq!(starts.len(), canhgac_demo::DEMO_USERS.len() + 1);
    assert!(starts.iter().all(|s| *s == starts[0]), "{starts:?}");
    // The password is read back, and from the one-line file older demos wrote.
    assert_eq!(
        canhgac_demo::password_in_login_sheet(&sheet).as_deref(),
        Some("LaiChau-0123456789")
    );
    assert_eq!(
        canhgac_demo::password_in_login_sheet("LaiChau-abcdef1234\n").as_deref(),
        Some("LaiChau-abcdef1234")
    );
    assert_eq!(canhgac_demo::password_in_login_sheet("a\nb\n"), None);
    assert_eq!(canhgac_demo::password_in_login_sheet(""), None);
}
