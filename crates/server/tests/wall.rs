//! The duty wall: the page and its event stream show the caller's open alerts by severity, the
//! newest high ones, attacks under way, queues and the heat map of organisations — only what the
//! caller may see — and the stream sends the wall again as events; in a real Chromium the wall
//! shows an alert raised after it opened without a reload.

#[path = "common/browser.rs"]
mod browser;
mod common;

use axum::http::StatusCode;
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_store::NewSignal;
use common::TestApp;

/// Raises a critical malware signal for `org`.
async fn critical(app: &TestApp, org: &str, title: &str, key: &str) {
    app.store
        .raise_signal(&NewSignal {
            kind: SignalKind::Malware,
            source: "test".into(),
            title: title.into(),
            severity: Severity::Critical,
            org_id: Some(app.orgs[org]),
            host_id: None,
            dedup_key: key.into(),
            seen_at: now_ms(),
            window_ms: 60_000,
            payload: serde_json::json!({}),
            host_name: None,
            src_ip: None,
        })
        .await
        .expect("signal");
}

#[tokio::test]
async fn the_wall_shows_the_callers_province_and_nothing_else() {
    let app = TestApp::new().await;
    let now = now_ms();
    for (org, title) in [
        ("SYT", "Tấn công dò mật khẩu vào máy chủ SYT-wall"),
        ("TAMDUONG", "Mã độc trên máy Tam Đường-wall"),
    ] {
        critical(&app, org, title, &format!("wall:{org}")).await;
    }
    let attack = canhgac_store::AttackWrite {
        operator_org_id: app.orgs["VIETTEL"],
        org_id: app.orgs["TAMDUONG"],
        target: "198.51.100.49".into(),
        prefix: "198.51.100.48/28".into(),
        kind: "udp_flood".into(),
        reason: "pps".into(),
        started_at: now - 10_000,
        last_over_at: now,
        peak_pps: 45_000,
        top_sources: "[]".into(),
        mix: "{}".into(),
        advice: "{}".into(),
        detected_at: now - 9_000,
        ..Default::default()
    };
    app.store.insert_flow_attack(&attack).await.expect("attack");

    let td = app.session("td-staff@t.vn").await;
    let r = td.get("/wall").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("Mã độc trên máy Tam Đường-wall"),
        "its own critical alert"
    );
    assert!(
        !r.text.contains("SYT-wall"),
        "another organisation's alert is not on its wall"
    );
    assert!(
        r.text.contains("198.51.100.49") && r.text.contains("45.000"),
        "the attack under way, its peak"
    );
    assert!(r.text.contains("wall.js") && r.text.contains("id=\"wall\""));
    let ev = td.first_event("/wall/stream").await;
    assert!(ev.starts_with("event: wall"), "{ev}");
    assert!(ev.contains("Mã độc trên máy Tam Đường-wall") && !ev.contains("SYT-wall"));
    assert!(
        !ev.contains("sự kiện/giây"),
        "the province's ingest rate is not an organisation's"
    );

    let dic = app.session("admin@t.vn").await;
    let r = dic.get("/wall?theme=light").await;
    assert!(
        r.text.contains("SYT-wall") && r.text.contains("Tam Đường-wall"),
        "the DIC sees the province"
    );
    assert!(r.text.contains("wall light"));
    // The heat map names every organisation with hosts, its share patched.
    for code in ["SYT", "TAMDUONG", "VIETTEL"] {
        assert!(
            r.text.contains(&format!("#org-{code}")),
            "{code} on the heat map"
        );
    }
    app.cleanup().await;
}

/// In a real browser: the wall is live, and an alert raised after it opened appears on it without
/// a reload (the page's own marker survives, proving the same page was updated).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wall_updates_itself_in_the_browser() {
    let Some(drv) = browser::driver() else {
        return;
    };
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = canhgac_server::AppState::new(
        app.store.clone(),
        canhgac_server::ServerConfig {
            secure_cookies: false,
            monitor: canhgac_ops::monitor::MonitorConfig {
                bundled_rules: false,
                ..Default::default()
            },
            public_url: base.clone(),
            ..canhgac_server::ServerConfig::default()
        },
    );
    tokio::spawn(canhgac_server::serve(listener, state));
    let c = browser::session(&drv, 1600, 1000).await;
    c.goto(&format!("{base}/login")).await.expect("login page");
    browser::wait_for(&c, "#email")
        .await
        .send_keys("td-staff@t.vn")
        .await
        .expect("email");
    c.find(fantoccini::Locator::Css("#password"))
        .await
        .expect("pw")
        .send_keys(common::PASSWORD)
        .await
        .expect("pw");
    c.find(fantoccini::Locator::Css("#login"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    browser::wait_for(&c, "#whoami").await;
    c.goto(&format!("{base}/wall")).await.expect("wall");
    browser::wait_for(&c, "#wall-signals").await;
    // Mark the page: a reload would lose the mark.
    browser::eval(&c, "window.__marked = 1; return 1", vec![]).await;
    let title = "Máy chủ Tam Đường bị dò mật khẩu-live";
    assert!(!browser::text(&c).await.contains(title));
    critical(&app, "TAMDUONG", title, "wall-live").await;
    let mut seen = false;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        if browser::text(&c).await.contains(title) {
            seen = true;
            break;
        }
    }
    assert!(
        seen,
        "the new alert appears on the wall within 15 s (it is sent every 5 s)"
    );
    let marked = browser::eval(&c, "return window.__marked || 0", vec![]).await;
    assert_eq!(
        marked,
        serde_json::json!(1),
        "updated in place, not reloaded"
    );
    let state = c
        .find(fantoccini::Locator::Css("#wall-state"))
        .await
        .expect("state")
        .text()
        .await
        .expect("text");
    assert_eq!(state, "Đang cập nhật trực tiếp");
    assert!(
        browser::console_errors(&c).await.is_empty(),
        "no script errors"
    );
    browser::shot(&c, "wall", "live").await;
    let _ = c.close().await;
    app.cleanup().await;
}

/// A figure the store cannot read is not shown as a quiet zero: the wall says how many figures
/// are missing, and the rest of it still renders.
#[tokio::test]
async fn a_figure_that_cannot_be_read_is_named_missing_not_zero() {
    // Figures are not kept, so the second wall reads the store again.
    let app = TestApp::configured(|c| c.figures_ttl = std::time::Duration::ZERO).await;
    critical(
        &app,
        "TAMDUONG",
        "Mã độc trên máy Tam Đường-missing",
        "wall:missing",
    )
    .await;
    let dic = app.session("admin@t.vn").await;
    let r = dic.get("/wall").await;
    assert!(
        !r.text.contains("wall-missing"),
        "every figure read: no warning"
    );
    app.store
        .execute_raw_for_tests("ALTER TABLE spam_cases RENAME TO spam_cases_gone")
        .await
        .expect("rename");
    let r = dic.get("/wall").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("Không đọc được 2 số liệu"),
        "the two spam counts are named missing"
    );
    assert!(
        r.text.contains("Mã độc trên máy Tam Đường-missing"),
        "the rest of the wall is still there"
    );
    app.store
        .execute_raw_for_tests("ALTER TABLE spam_cases_gone RENAME TO spam_cases")
        .await
        .expect("rename back");
    app.cleanup().await;
}
