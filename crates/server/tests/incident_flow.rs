//! The whole incident flow in a real headless Chromium, as a district's officer lives it: a
//! national-platform alert arrives by the signed webhook naming the district's server → the
//! officer opens it from the alert list and opens an incident from it → starts the response
//! plan → does every task (with evidence) → contains the incident → fills and e-mails the
//! initial report (Mẫu 03) to VNCERT/CC through an SMTP server this test runs → recovers →
//! fills and e-mails the closing report (Mẫu 04) → closes the incident. Both reports show as
//! sent on time; the mail carries the `[TBSC]` subject and the PDF.
//!
//! `.ci/run` installs the browser; without it the test says so and passes only outside CI.

#![allow(clippy::unwrap_used)]

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/smtp.rs"]
mod smtp;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use browser::{driver, session, submit, text, wait_for};
use canhgac_domain::Scope;
use canhgac_server::{AppState, ServerConfig};
use common::{TestApp, PASSWORD};
use fantoccini::Locator;
use serde_json::json;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_alert_to_closed_incident_in_the_browser() {
    let Some(drv) = driver() else { return };
    let app = TestApp::new().await;
    let (port, taken) = smtp::start().await;
    canhgac_ops::incidents::ensure_plans(&app.store)
        .await
        .unwrap();
    canhgac_ops::reports::ensure_contacts(&app.store)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(
        app.store.clone(),
        ServerConfig {
            secure_cookies: false,
            monitor: canhgac_ops::monitor::MonitorConfig {
                bundled_rules: false,
                ..Default::default()
            },
            mailer: Some(Arc::new(
                canhgac_ops::mail::Mailer::plain("127.0.0.1", port, "canhgac@stttt.test").unwrap(),
            )),
            ..ServerConfig::default()
        },
    );
    tokio::spawn(canhgac_server::serve(listener, state));

    // 1. The platform pushes an alert naming Tam Duong's server (198.51.100.49).
    let admin = app.token("admin@t.vn").await;
    let r = app
        .api(
            "post",
            "/api/v1/platform-sources",
            Some(&admin),
            Some(json!({"name": "IRLab"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (token, secret) = (
        r.json()["token"].as_str().unwrap().to_string(),
        r.json()["secret"].as_str().unwrap().to_string(),
    );
    let body = json!([{"id": "IRL-FLOW-0001", "type": "Máy chủ kết nối tới máy chủ điều khiển mã độc",
        "target": "198.51.100.49", "description": "Kết nối định kỳ tới C&C của QakBot", "severity": "high",
        "recommendation": "Cô lập máy, quét mã độc"}])
    .to_string();
    let ts = canhgac_domain::time::now_ms() / 1000;
    let r = app
        .send(
            Request::post("/api/v1/platform-alerts")
                .header("content-type", "application/json")
                .header("x-platform-token", &token)
                .header("x-canhgac-timestamp", ts.to_string())
                .header(
                    "x-canhgac-signature",
                    canhgac_ops::platform::sign(&secret, &ts.to_string(), body.as_bytes()),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // 2. The district's officer logs in and finds it among the platform alerts.
    let c = session(&drv, 1400, 1000).await;
    c.goto(&format!("{base}/platform-alerts")).await.unwrap();
    wait_for(&c, "#email")
        .await
        .send_keys("td-staff@t.vn")
        .await
        .unwrap();
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
    wait_for(&c, "#whoami").await;
    assert!(text(&c).await.contains("IRL-FLOW-0001"));
    browser::shot(&c, "incident-flow", "01-platform-alerts").await;
    let signal = c
        .find(Locator::Css("a[href^='/signals/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    c.goto(&format!("{base}{signal}")).await.unwrap();

    // 3. An incident from the alert.
    wait_for(&c, "#signal-open-incident").await;
    submit(&c, "#signal-open-incident", &[]).await;
    let url = c.current_url().await.unwrap();
    let id: i64 = url
        .path()
        .trim_start_matches("/incidents/")
        .parse()
        .unwrap_or_else(|_| panic!("{url}"));
    wait_for(&c, "#incident-title").await;
    browser::shot(&c, "incident-flow", "02-incident").await;

    // 4. The response plan, and every task done with evidence.
    submit(&c, "#plan-start", &[]).await;
    let tasks = app.store.incident_tasks(&Scope::All, id).await.unwrap();
    assert!(tasks.len() >= 5, "the plan made the tasks: {}", tasks.len());
    for t in &tasks {
        c.goto(&format!("{base}/work/{}", t.id)).await.unwrap();
        wait_for(&c, "#action").await;
        submit(&c, "#action", &[("action", "start")]).await;
        wait_for(&c, "#action").await;
        submit(
            &c,
            "#action",
            &[
                ("action", "report_done"),
                ("evidence", "Biên bản xử lý số 12"),
                ("note", "Đã thực hiện"),
            ],
        )
        .await;
    }
    let tasks = app.store.incident_tasks(&Scope::All, id).await.unwrap();
    assert!(
        tasks.iter().all(|t| !t.state.is_open()),
        "every task done: {tasks:?}"
    );

    // 5. Contained.
    c.goto(&format!("{base}/incidents/{id}")).await.unwrap();
    wait_for(&c, "#stage-to").await;
    submit(
        &c,
        "#stage-to",
        &[("stage", "contained"), ("note", "Đã cô lập máy chủ")],
    )
    .await;
    assert_eq!(
        app.store
            .incident(&Scope::All, id)
            .await
            .unwrap()
            .unwrap()
            .stage,
        "contained"
    );

    // 6. The initial report: filled from the record, completed, saved and e-mailed.
    c.goto(&format!("{base}/incidents/{id}/reports/initial"))
        .await
        .unwrap();
    wait_for(&c, "#report-form").await;
    let summary = c
        .find(Locator::Css("#f-detected_by"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        summary.contains("nền tảng điều phối quốc gia"),
        "how it was detected: {summary}"
    );
    submit(
        &c,
        "#report-save",
        &[("f_controls", "Tường lửa, giám sát nhật ký tập trung")],
    )
    .await;
    let vncert = app
        .store
        .report_contacts(true)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.email == "ir@vncert.vn")
        .unwrap();
    wait_for(&c, "#report-send").await;
    browser::shot(&c, "incident-flow", "03-initial-report").await;
    submit(
        &c,
        "#report-send-button",
        &[("contact", &vncert.id.to_string())],
    )
    .await;
    wait_for(&c, "#report-sent").await;
    {
        let m = taken.lock().unwrap().clone();
        assert_eq!(m.len(), 1, "one message");
        assert_eq!(m[0].from, "canhgac@stttt.test");
        assert_eq!(m[0].to, vec!["ir@vncert.vn".to_string()]);
        assert!(smtp::subject(&m[0].data).starts_with("[TBSC] Báo cáo ban đầu sự cố"));
        assert!(m[0].data.contains("application/pdf"));
    }

    // 7. Recovered, then the closing report, then closed.
    c.goto(&format!("{base}/incidents/{id}")).await.unwrap();
    wait_for(&c, "#stage-to").await;
    submit(
        &c,
        "#stage-to",
        &[
            ("stage", "recovered"),
            ("note", "Khôi phục dịch vụ từ bản sao lưu"),
        ],
    )
    .await;
    c.goto(&format!("{base}/incidents/{id}/reports/closing"))
        .await
        .unwrap();
    wait_for(&c, "#report-form").await;
    let initial_ref = c
        .find(Locator::Css("#f-initial_ref"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        initial_ref.starts_with("Số ") && !initial_ref.contains("chưa gửi"),
        "the initial report's number and date: {initial_ref}"
    );
    submit(
        &c,
        "#report-save",
        &[("f_lessons", "Bật xác thực hai lớp cho quản trị từ xa")],
    )
    .await;
    wait_for(&c, "#report-send").await;
    submit(
        &c,
        "#report-send-button",
        &[("contact", &vncert.id.to_string())],
    )
    .await;
    wait_for(&c, "#report-sent").await;
    assert_eq!(taken.lock().unwrap().len(), 2);
    c.goto(&format!("{base}/incidents/{id}")).await.unwrap();
    wait_for(&c, "#stage-to").await;
    submit(
        &c,
        "#stage-to",
        &[("stage", "closed"), ("note", "Đã gửi báo cáo kết thúc")],
    )
    .await;
    wait_for(&c, "#report-deadlines").await;
    let page = text(&c).await;
    browser::shot(&c, "incident-flow", "04-closed").await;
    assert_eq!(
        page.matches("Đã gửi đúng hạn").count(),
        2,
        "both reports on time"
    );
    let inc = app.store.incident(&Scope::All, id).await.unwrap().unwrap();
    assert_eq!(inc.stage, "closed");
    assert!(inc.closed_at.is_some() && inc.recovered_at.is_some() && inc.contained_at.is_some());
    let tl = app.store.incident_timeline(&Scope::All, id).await.unwrap();
    assert_eq!(tl.iter().filter(|t| t.kind == "report_sent").count(), 2);
    c.close().await.ok();
}
