//! The duty room in a real headless Chromium, as the province lives a holiday: a DIC duty
//! officer generates the holiday rota (New Year's Day inside it) → a critical alert pages the
//! officer on duty by e-mail through an SMTP server this test runs → that officer sees the page
//! ("paging you"), acknowledges it and escalation stops → hands the shift over with remarks →
//! the DIC issues a directive and the district's officer reports its item done with evidence →
//! the compliance matrix shows it done.
//!
//! `.ci/run` installs the browser; without it the test says so and passes only outside CI.

#![allow(clippy::unwrap_used)]

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/smtp.rs"]
mod smtp;

use browser::{driver, session, submit, text, wait_for};
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::Scope;
use canhgac_server::{AppState, ServerConfig};
use canhgac_store::{Actor, NewSignal, NewUser};
use common::{TestApp, PASSWORD};
use fantoccini::{Client, Locator};
use serde_json::json;
use std::sync::Arc;

async fn login(c: &Client, base: &str, email: &str, to: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}{to}")).await.unwrap();
    wait_for(c, "#email").await.send_keys(email).await.unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("#login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "#whoami").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holiday_rota_page_acknowledge_handover_and_directive_in_the_browser() {
    let Some(drv) = driver() else { return };
    let app = TestApp::new().await;
    let all = Scope::All;
    let sys = Actor::system("test");
    let (port, mails) = smtp::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mailer = Arc::new(
        canhgac_ops::mail::Mailer::plain("127.0.0.1", port, "canhgac@stttt.test").unwrap(),
    );
    let state = AppState::new(
        app.store.clone(),
        ServerConfig {
            secure_cookies: false,
            monitor: canhgac_ops::monitor::MonitorConfig {
                bundled_rules: false,
                ..Default::default()
            },
            mailer: Some(mailer.clone()),
            public_url: base.clone(),
            ..ServerConfig::default()
        },
    );
    // Where the pager's history ends: before anything this test raises.
    app.store
        .open_pages(canhgac_domain::time::now_ms())
        .await
        .unwrap();
    tokio::spawn(canhgac_server::serve(listener, state));
    // The DIC's duty team: four officers besides the two accounts the harness made.
    let hash = canhgac_server::auth::hash_password(PASSWORD).unwrap();
    for (i, name) in ["Lò Văn Trực", "Tòng Thị Ca", "Vàng A Đêm", "Giàng Thị Ngày"]
        .iter()
        .enumerate()
    {
        app.store
            .create_user(
                &all,
                &sys,
                &NewUser {
                    email: format!("truc{i}@stttt.test"),
                    full_name: name.to_string(),
                    password_hash: hash.clone(),
                    role: canhgac_domain::Role::DicOperator,
                    org_id: Some(app.orgs["STTTT"]),
                },
            )
            .await
            .unwrap();
    }

    // 1. A DIC officer generates the holiday rota, from yesterday (the night shift under way after
    // midnight began then) to New Year's Day.
    let c = session(&drv, 1400, 1000).await;
    login(&c, &base, "operator@t.vn", "/duty").await;
    let now = canhgac_domain::time::now_ms();
    let today = canhgac_domain::duty::local_date(now);
    let year = chrono::Datelike::year(&today) + 1;
    wait_for(&c, "#roster-generate").await;
    submit(
        &c,
        "#roster-generate",
        &[
            ("name", "Trực Tết Dương lịch"),
            (
                "first",
                &(today - chrono::Duration::days(1))
                    .format("%d/%m/%Y")
                    .to_string(),
            ),
            ("last", &format!("02/01/{year}")),
            ("pattern", "3x8"),
        ],
    )
    .await;
    let body = text(&c).await;
    assert!(
        body.contains("Trực Tết Dương lịch") && body.contains("Tết Dương lịch"),
        "the rota names the holiday: {body}"
    );
    browser::shot(&c, "duty-flow", "01-holiday-rota").await;
    let on = app
        .store
        .on_duty(
            &Scope::Orgs([app.orgs["STTTT"]].into()),
            canhgac_domain::time::now_ms(),
        )
        .await
        .unwrap();
    let officer = on
        .iter()
        .find_map(|s| s.email.clone())
        .expect("someone is on duty now");

    // 2. A critical alert pages the officer on duty.
    app.store
        .raise_signal(&NewSignal {
            kind: SignalKind::SigmaAlert,
            source: "test".into(),
            title: "Mã độc mã hoá dữ liệu trên máy chủ cổng thông tin".into(),
            severity: Severity::Critical,
            org_id: Some(app.orgs["STTTT"]),
            host_id: None,
            dedup_key: "flow:ransom".into(),
            seen_at: now,
            window_ms: 60_000,
            payload: json!({}),
            host_name: Some("portal-01".into()),
            src_ip: None,
        })
        .await
        .unwrap();
    let pager = canhgac_ops::oncall::Pager::new(Some(mailer), &base).unwrap();
    let r = canhgac_ops::oncall::tick(&app.store, &pager, canhgac_domain::time::now_ms())
        .await
        .unwrap();
    assert!(r.opened >= 1 && r.sent >= 1, "{r:?}");
    let m = mails.lock().unwrap().clone();
    assert!(m.iter().all(|m| m.from == "canhgac@stttt.test"));
    assert!(
        m.iter()
            .any(|m| m.to == vec![officer.clone()]
                && smtp::subject(&m.data).contains("Mã độc mã hoá")),
        "{officer}: {m:?}"
    );

    // 3. The officer sees the page and acknowledges it.
    login(&c, &base, &officer, "/oncall").await;
    wait_for(&c, "#oncall-mine").await;
    browser::shot(&c, "duty-flow", "02-paging-you").await;
    let href = c
        .find(Locator::Css("#oncall-mine a[href^='/oncall/pages/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    c.goto(&format!("{base}{href}")).await.unwrap();
    wait_for(&c, "#page-ack").await;
    submit(&c, "#page-ack", &[]).await;
    wait_for(&c, "#page-acked").await;
    assert!(text(&c).await.contains(&officer));
    browser::shot(&c, "duty-flow", "03-acknowledged").await;
    let pid: i64 = href.trim_start_matches("/oncall/pages/").parse().unwrap();
    assert_eq!(
        app.store
            .oncall_page(&all, pid)
            .await
            .unwrap()
            .unwrap()
            .state,
        "acknowledged"
    );

    // 4. The officer hands the shift over.
    c.goto(&format!("{base}/duty")).await.unwrap();
    wait_for(&c, "#handover-prepare").await;
    submit(
        &c,
        "#handover-prepare",
        &[(
            "remarks",
            "Đã cô lập portal-01, chờ ca sau khôi phục từ bản sao lưu.",
        )],
    )
    .await;
    wait_for(&c, "#handover-digest").await;
    let body = text(&c).await;
    assert!(
        body.contains("Đã cô lập portal-01") && body.contains("Mã độc mã hoá"),
        "{body}"
    );
    browser::shot(&c, "duty-flow", "04-handover").await;

    // 5. The DIC issues a directive; the district's officer reports its item done.
    let due = (today + chrono::Duration::days(3))
        .format("%d/%m/%Y")
        .to_string();
    c.goto(&format!("{base}/directives")).await.unwrap();
    wait_for(&c, "#directive-issue").await;
    submit(
        &c,
        "#directive-issue",
        &[
            ("number", "737/STTTT-BCVTCNTT"),
            ("issued_on", &today.format("%d/%m/%Y").to_string()),
            ("issuer", "Giám đốc Sở"),
            ("title", "Tăng cường bảo đảm ATTT dịp nghỉ lễ"),
            (
                "items",
                &format!("1a | so-nganh, huyen | {due} | Củng cố nhân lực trực 24/7"),
            ),
        ],
    )
    .await;
    wait_for(&c, "#directive-matrix").await;
    let url = c.current_url().await.unwrap().to_string();
    let did: i64 = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    login(&c, &base, "td-staff@t.vn", &format!("/directives/{did}")).await;
    wait_for(&c, "#my-tasks").await;
    submit(
        &c,
        ".report-done",
        &[
            ("note", "Đã bố trí 3 cán bộ trực 24/7."),
            ("evidence", "Quyết định 12/QĐ-UBND"),
        ],
    )
    .await;
    wait_for(&c, "#directive-matrix").await;
    let body = text(&c).await;
    assert!(
        body.contains("Đã bố trí 3 cán bộ trực 24/7.") && body.contains("Đã hoàn thành"),
        "{body}"
    );
    browser::shot(&c, "duty-flow", "05-directive-reported").await;
    let tasks = app.store.directive_tasks(&all, did).await.unwrap();
    let td = tasks.iter().find(|t| t.org_code == "TAMDUONG").unwrap();
    assert_eq!(td.state, "closed");
    assert!(browser::console_errors(&c).await.is_empty());
    c.close().await.ok();
}
