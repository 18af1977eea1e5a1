//! Charts: drawn as SVG with their numbers; the numbers (page table and CSV) add up to what the
//! signal list says for the same scope and days; an agency's charts count only its own.

mod common;

use axum::http::StatusCode;
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_store::{NewSignal, SignalFilter};
use common::TestApp;

fn sum_csv(text: &str) -> i64 {
    text.lines()
        .skip(1)
        .flat_map(|l| {
            l.split(',')
                .skip(1)
                .map(|v| v.parse::<i64>().expect("a count"))
        })
        .sum()
}

#[tokio::test]
async fn charts_agree_with_the_lists_and_keep_organisations_apart() {
    let app = TestApp::new().await;
    let now = now_ms();
    for (i, org) in ["SYT", "TAMDUONG", "TAMDUONG"].iter().enumerate() {
        app.store
            .raise_signal(&NewSignal {
                kind: SignalKind::Malware,
                source: "test".into(),
                title: format!("chart {i}"),
                severity: if i == 0 {
                    Severity::Critical
                } else {
                    Severity::High
                },
                org_id: Some(app.orgs[*org]),
                host_id: None,
                dedup_key: format!("chart:{i}"),
                seen_at: now - i as i64 * 86_400_000,
                window_ms: 1,
                payload: serde_json::json!({}),
                host_name: None,
                src_ip: None,
            })
            .await
            .expect("signal");
    }
    // Tam Đường takes up the alert first seen a day ago: a day to acknowledge, in that week.
    let td = app.token("td-staff@t.vn").await;
    let (list, _) = app
        .store
        .list_signals(
            &canhgac_domain::Scope::All,
            &SignalFilter {
                q: Some("chart 1".into()),
                limit: Some(5),
                ..Default::default()
            },
        )
        .await
        .expect("signals");
    let id = list
        .iter()
        .find(|s| s.title == "chart 1")
        .expect("chart 1")
        .id;
    let r = app
        .api(
            "post",
            &format!("/api/v1/signals/{id}/transition"),
            Some(&td),
            Some(serde_json::json!({"state": "acknowledged"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ack = app
        .session("td-staff@t.vn")
        .await
        .get("/charts/time-to-acknowledge.csv")
        .await
        .text;
    let minutes: Vec<i64> = ack
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(1)
                .expect("value")
                .parse()
                .expect("minutes")
        })
        .collect();
    assert_eq!(minutes.len(), 5, "{ack}");
    assert!(
        minutes.iter().any(|m| (1439..=1441).contains(m)),
        "a day to acknowledge: {ack}"
    );
    for (email, code) in [("td-staff@t.vn", Some("TAMDUONG")), ("admin@t.vn", None)] {
        let b = app.session(email).await;
        let page = b.get("/charts").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text.contains("<svg class=\"chart\"")
                && page.text.contains("id=\"alerts-per-day\"")
        );
        let csv = b.get("/charts/alerts-per-day.csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        // The 30 days of the chart hold every signal first seen since its first day (UTC+7).
        let first_day = ((now + 7 * 3_600_000) / 86_400_000 - 29) * 86_400_000 - 7 * 3_600_000;
        let tree = app.store.org_tree().await.expect("tree");
        let scope = match code {
            Some(c) => canhgac_domain::Scope::for_user(
                canhgac_domain::Role::OrgStaff,
                Some(app.orgs[c]),
                &tree,
            ),
            None => canhgac_domain::Scope::All,
        };
        let (_, total) = app
            .store
            .list_signals(
                &scope,
                &SignalFilter {
                    since: Some(first_day),
                    limit: Some(1),
                    ..Default::default()
                },
            )
            .await
            .expect("signals");
        assert_eq!(
            sum_csv(&csv.text),
            total,
            "{email}: the chart's numbers are the list's"
        );
        // Today's patch compliance is the patching API's, over the same organisations.
        let token = app.token(email).await;
        let comp = app
            .api("get", "/api/v1/compliance", Some(&token), None)
            .await
            .json();
        let (hosts, open) =
            comp["items"]
                .as_array()
                .expect("items")
                .iter()
                .fold((0, 0), |(h, o), r| {
                    (
                        h + r["hosts"].as_i64().expect("hosts"),
                        o + r["hosts_with_open_patches"].as_i64().expect("open"),
                    )
                });
        let expected = if hosts > 0 {
            (hosts - open) * 100 / hosts
        } else {
            100
        };
        let chart = b.get("/charts/patch-compliance.csv").await.text;
        let today: i64 = chart
            .lines()
            .last()
            .and_then(|l| l.split(',').nth(1))
            .expect("a row")
            .parse()
            .expect("per cent");
        assert_eq!(today, expected, "{email}: {chart}");
        let days = chart.lines().count() - 1;
        assert!(
            (1..=30).contains(&days),
            "from the first day with hosts: {chart}"
        );
        // Spam trends for those who see spam: the DIC, not an agency.
        let spam = b.get("/charts/spam-per-day.csv").await.status;
        assert_eq!(
            spam == StatusCode::OK,
            code.is_none(),
            "{email}: spam chart {spam}"
        );
        let orgs = b.get("/charts/top-orgs.csv").await.text;
        if let Some(c) = code {
            assert!(
                orgs.lines().skip(1).all(|l| l.starts_with(c)),
                "{email}: {orgs}"
            );
        } else {
            assert!(orgs.contains("SYT") && orgs.contains("TAMDUONG"), "{orgs}");
        }
    }
    assert_eq!(
        app.session("td-staff@t.vn")
            .await
            .get("/charts/nothing.csv")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}
