//! The duty officer's console: one event that trips several rules is one group naming every
//! alert and the attacker; filters, the histogram, bulk acknowledge and assign (each alert
//! audited) work from the page and the API; the global search finds a host by address and an
//! alert by `#id`; the host page shows when it last sent logs and its alerts; a task names its
//! host; a time that cannot be read is said so.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use canhgac_domain::signal::SignalKind;
use canhgac_domain::Scope;
use canhgac_store::{AuditQuery, SignalFilter};
use common::TestApp;
use serde_json::json;

fn rule(id: &str, title: &str, level: &str, needle: &str) -> String {
    format!(
        "title: {title}\nid: {id}\nstatus: test\nlevel: {level}\n\
         logsource:\n  definition: JSON events of this test\n\
         detection:\n  selection:\n    message|contains: {needle}\n  condition: selection\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_event_many_rules_is_one_group_handled_in_bulk() {
    console_flow(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => console_flow(app).await,
        None => eprintln!("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here"),
    }
}

async fn console_flow(app: TestApp) {
    let admin = app.token("admin@t.vn").await;
    for (i, (title, level)) in [
        ("Lệnh tải mã độc", "high"),
        ("Tải tệp qua certutil", "medium"),
        ("Tiến trình lạ", "low"),
    ]
    .iter()
    .enumerate()
    {
        let yaml = rule(
            &format!("5b1f0c1e-7a33-4c1e-9d5e-0c0ffee0010{i}"),
            title,
            level,
            "canhgac-console-probe",
        );
        let r = app
            .api_bytes(
                &format!("/api/v1/rules?filename=r{i}.yml"),
                &admin,
                yaml.into_bytes(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    // A host of its own (the fixture's hosts carry alerts already).
    let host = format!("{}-pc07", common::marker("SYT"));
    app.store
        .create(
            canhgac_domain::entity::EntityKind::Host,
            &Scope::All,
            &canhgac_store::Actor::system("test"),
            &json!({"org_id": app.orgs["SYT"], "hostname": host, "kind": "workstation", "ips": "198.51.100.20"})
                .as_object()
                .cloned()
                .unwrap(),
        )
        .await
        .unwrap();
    let line = json!({"host": host, "product": "linux", "message": "canhgac-console-probe certutil -urlcache", "src_ip": "45.155.205.233"});
    let r = app
        .api_bytes("/api/v1/ingest", &admin, line.to_string().into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["detections"], json!(3), "{}", r.text);

    // Three alerts, one group, the attacker named on each.
    let (alerts, _) = app
        .store
        .list_signals(
            &Scope::All,
            &SignalFilter {
                kind: Some(SignalKind::SigmaAlert),
                host: Some(host.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(alerts.len(), 3);
    let group = alerts[0].group_id.expect("grouped");
    assert!(alerts.iter().all(|a| a.group_id == Some(group)));
    assert!(alerts
        .iter()
        .all(|a| a.src_ip.as_deref() == Some("45.155.205.233")));

    let syt = app.session("syt-admin@t.vn").await;
    let page = syt.get("/alerts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("3 cảnh báo"), "the group says how many");
    assert!(
        page.text.contains("cùng một sự kiện"),
        "and why they are together"
    );
    for a in &alerts {
        assert!(
            page.text.contains(&format!("href=\"/alerts/{}\"", a.id)),
            "every member listed"
        );
    }
    assert!(
        page.text.contains("45.155.205.233"),
        "the attacker's address"
    );
    let by_ip = syt.get("/alerts?ip=45.155.205.233").await;
    assert!(
        by_ip.text.contains("id=\"triage-alerts\">3<"),
        "the count of alerts"
    );
    assert!(
        by_ip.text.contains("id=\"triage-groups\">1<"),
        "in one group"
    );
    // Filters and a click on a value: by attacker, by host, by severity, by time.
    for (q, shown) in [
        ("ip=45.155.205.233", true),
        ("ip=192.0.2.1", false),
        (&format!("host={}", host.to_uppercase()) as &str, true),
        ("severity=low", true),
        ("severity=critical", false),
        ("range=15m", true),
        ("from=01/01/2020%2000:00&to=02/01/2020%2000:00", false),
        ("sort=severity", true),
    ] {
        let r = syt.get(&format!("/alerts?{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{q}");
        assert_eq!(
            r.text
                .contains(&format!("href=\"/alerts/{}\"", alerts[0].id)),
            shown,
            "/alerts?{q}"
        );
    }
    let r = syt.get("/alerts?from=31/02/2026%2025:00").await;
    assert!(
        r.text.contains("Không đọc được thời gian"),
        "an unreadable time is named"
    );
    // The histogram's bars lead to their time.
    assert!(page.text.contains("class=\"histogram\""));
    assert!(page.text.contains("/alerts?from="), "bars are links");

    // A viewer has no bulk form; the organisation's admin acknowledges the group at once.
    let viewer = app.session("td-viewer@t.vn").await;
    assert!(!viewer.get("/alerts").await.text.contains("id=\"bulk\""));
    assert_eq!(
        viewer
            .post(
                "/signals/bulk",
                &[("group", &group.to_string()), ("action", "acknowledged")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(page.text.contains("id=\"bulk\""));
    let r = syt
        .post(
            "/signals/bulk",
            &[
                ("group", &group.to_string()),
                ("action", "acknowledged"),
                ("back", "/alerts?severity=high"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Only what the list showed (the high one) was acknowledged, and it says so.
    let back = r.location();
    assert!(
        back.starts_with("/alerts?severity=high&done=1&skipped=0"),
        "{back}"
    );
    let shown = syt.get(&back).await;
    assert!(
        shown.text.contains("Đã cập nhật 1 cảnh báo"),
        "the outcome is shown"
    );
    let states: Vec<String> = futures_state(&app, &alerts).await;
    assert_eq!(
        states.iter().filter(|s| *s == "acknowledged").count(),
        1,
        "{states:?}"
    );
    // A return address off the site is not followed.
    let r = syt
        .post(
            "/signals/bulk",
            &[
                ("group", &group.to_string()),
                ("action", "in_progress"),
                ("back", "//evil.example/x"),
            ],
        )
        .await;
    assert!(r.location().starts_with("/signals?"), "{}", r.location());

    // The API: groups, then assign every member to the operator (each audited).
    let op_id = app.users["operator@t.vn"];
    let g = app
        .api(
            "get",
            &format!("/api/v1/signals/groups?host={host}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.text);
    assert_eq!(g.json()["total"], json!(1));
    assert_eq!(g.json()["items"][0]["members"].as_array().unwrap().len(), 3);
    assert_eq!(g.json()["items"][0]["same_event"], json!(true));
    let r = app
        .api(
            "post",
            "/api/v1/signals/bulk",
            Some(&admin),
            Some(json!({"groups": [group], "action": "assign", "user_id": op_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["done"], json!(3));
    let audit = app
        .store
        .list_audit(
            &Scope::All,
            &AuditQuery {
                limit: Some(200),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
    let assigned = audit
        .iter()
        .filter(|a| a.entity == "signals" && a.action == "assign")
        .count();
    assert!(assigned >= 3, "each assignment audited: {assigned}");
    // Someone who cannot see SYT is not given its alerts.
    let td = app.users["td-staff@t.vn"];
    let r = app
        .api(
            "post",
            "/api/v1/signals/bulk",
            Some(&admin),
            Some(json!({"groups": [group], "action": "assign", "user_id": td})),
        )
        .await;
    assert_eq!(r.json()["done"], json!(0), "{}", r.text);
    assert_eq!(r.json()["skipped"], json!(3), "{}", r.text);

    // Context: the alert names its attacker and group; the host page its last log and alerts.
    let a = syt.get(&format!("/alerts/{}", alerts[0].id)).await;
    assert!(a.text.contains("id=\"alert-attacker\""));
    assert!(a.text.contains("id=\"alert-group\""));
    let host_id = alerts[0].host_id.expect("registered host");
    let h = syt.get(&format!("/hosts/{host_id}")).await;
    assert_eq!(h.status, StatusCode::OK);
    assert!(h.text.contains("id=\"host-last-event\""));
    assert!(
        !h.text.contains("Chưa nhận được nhật ký nào"),
        "it has sent logs"
    );
    assert!(
        h.text
            .contains(&format!("href=\"/alerts/{}\"", alerts[1].id)),
        "its alerts"
    );

    // Events: a histogram and ranges; a field value on an event's page finds its like.
    let ev = syt.get("/events?range=1h").await;
    assert_eq!(ev.status, StatusCode::OK);
    assert!(ev.text.contains("class=\"histogram\""));
    assert!(
        ev.text.contains("canhgac-console-probe"),
        "the last hour's event"
    );
    let event_id = a
        .text
        .split("href=\"/events/")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("the alert links its event")
        .to_string();
    let e = syt.get(&format!("/events/{event_id}")).await;
    let field_link = "/events?field=src_ip%3D45.155.205.233";
    assert!(
        e.text.contains(field_link),
        "a field value is a filter link"
    );
    let found = syt.get(field_link).await;
    assert!(found.text.contains(&format!("href=\"/events/{event_id}\"")));
    assert!(!syt
        .get("/events?field=src_ip%3D192.0.2.99")
        .await
        .text
        .contains(&format!("href=\"/events/{event_id}\"")));

    // The search box: an address finds the host and its network; `#id` finds the alert.
    let s = syt.get("/search?q=198.51.100.20").await;
    assert!(
        s.text.contains(&format!("href=\"/hosts/{host_id}\"")),
        "host by address"
    );
    assert!(
        s.text.contains("198.51.100.16/28"),
        "the network holding it"
    );
    let s = syt.get(&format!("/search?q=%23{}", alerts[2].id)).await;
    assert!(s
        .text
        .contains(&format!("href=\"/alerts/{}\"", alerts[2].id)));
    let other = app.session("td-staff@t.vn").await;
    let s = other.get(&format!("/search?q=%23{}", alerts[2].id)).await;
    assert!(
        !s.text
            .contains(&format!("href=\"/alerts/{}\"", alerts[2].id)),
        "not another org's"
    );

    // A task on the host names it and what closes it.
    let w = app
        .api(
            "post",
            "/api/v1/work-items",
            Some(&admin),
            Some(json!({"title": "Kiểm tra máy", "org": "SYT", "host_id": host_id})),
        )
        .await;
    assert_eq!(w.status, StatusCode::CREATED, "{}", w.text);
    let wp = syt.get(&format!("/work/{}", w.json()["id"])).await;
    assert!(
        wp.text.contains("id=\"work-host\""),
        "the task names its host"
    );
    assert!(wp.text.contains(&format!("href=\"/hosts/{host_id}\"")));
    assert!(wp.text.contains("id=\"work-closing\""));
    app.cleanup().await;
}

async fn futures_state(app: &TestApp, alerts: &[canhgac_store::SignalRow]) -> Vec<String> {
    let mut out = Vec::new();
    for a in alerts {
        let s = app.store.signal(&Scope::All, a.id).await.unwrap().unwrap();
        out.push(s.state.as_str().to_string());
    }
    out
}

/// The open-alert figure of the overview as shown (`#stat-signals`).
fn open_on_overview(html: &str) -> i64 {
    let after = html
        .split("id=\"stat-signals\"")
        .nth(1)
        .expect("the open-alert card");
    let b = after.split("<b>").nth(1).expect("its figure");
    b.split("</b>")
        .next()
        .unwrap()
        .replace('.', "")
        .trim()
        .parse()
        .expect("a number")
}

/// The overview's figures are kept a moment per scope (`server::figures`): an alert that arrives
/// by itself shows within the time to live, a change made through the server shows on the next
/// page, and one organisation's figures are never another's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_figures_are_kept_per_scope_and_dropped_on_a_change() {
    let ttl = std::time::Duration::from_millis(1500);
    let app = TestApp::configured(|c| c.figures_ttl = ttl).await;
    // Each session opens the overview once: its scope's figures are now kept.
    let dic = app.session("admin@t.vn").await;
    let td = app.session("td-staff@t.vn").await;
    let syt = app.session("syt-admin@t.vn").await;
    let td0 = open_on_overview(&td.get("/").await.text);
    let syt0 = open_on_overview(&syt.get("/").await.text);
    let dic0 = open_on_overview(&dic.get("/").await.text);
    let raise = |n: i64| canhgac_store::NewSignal {
        kind: SignalKind::Malware,
        source: "test".into(),
        title: format!("kept figures {n}"),
        severity: canhgac_domain::signal::Severity::High,
        org_id: Some(app.orgs["TAMDUONG"]),
        host_id: None,
        dedup_key: format!("figures:{n}"),
        seen_at: canhgac_domain::time::now_ms(),
        window_ms: 1,
        payload: json!({}),
        host_name: None,
        src_ip: None,
    };
    let started = std::time::Instant::now();
    let (id, _) = app.store.raise_signal(&raise(1)).await.unwrap();
    // Within the time to live the kept figure is shown (an alert from the pipeline arrives
    // this way, not through a request).
    let td_kept = open_on_overview(&td.get("/").await.text);
    if started.elapsed() < ttl {
        assert_eq!(td_kept, td0, "kept for the time to live");
    }
    // Once it has passed, every scope that can see the alert shows it; another does not.
    tokio::time::sleep(ttl).await;
    assert_eq!(open_on_overview(&td.get("/").await.text), td0 + 1);
    assert_eq!(open_on_overview(&dic.get("/").await.text), dic0 + 1);
    assert_eq!(open_on_overview(&syt.get("/").await.text), syt0);
    // A change through the server shows on the very next page.
    let token = app.token("td-staff@t.vn").await;
    let r = app
        .api(
            "POST",
            &format!("/api/v1/signals/{id}/transition"),
            Some(&token),
            Some(json!({"state": "false_positive"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(open_on_overview(&td.get("/").await.text), td0);
    assert_eq!(open_on_overview(&dic.get("/").await.text), dic0);
}
