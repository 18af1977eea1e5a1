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
