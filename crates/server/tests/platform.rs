//! National-platform alerts in: a sender registered by the DIC pushes signed alerts; each is
//! routed to the organisation owning its target (unmatched ones wait in the DIC's queue), stored
//! once per platform id (the same id again updates it and counts up its signal), and bad tokens,
//! signatures, stale timestamps, replays and malformed alerts are refused by name. Each
//! organisation sees its own; the status export lists them per platform id.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use canhgac_domain::signal::SignalKind;
use canhgac_domain::Scope;
use canhgac_ops::platform::sign;
use canhgac_store::SignalFilter;
use common::TestApp;
use serde_json::{json, Value};

async fn push(
    app: &TestApp,
    token: &str,
    ts: i64,
    sig: Option<String>,
    body: &str,
) -> (StatusCode, Value) {
    let mut req = Request::post("/api/v1/platform-alerts")
        .header("content-type", "application/json")
        .header("x-platform-token", token)
        .header("x-canhgac-timestamp", ts.to_string());
    if let Some(s) = sig {
        req = req.header("x-canhgac-signature", s);
    }
    let r = app
        .send(req.body(Body::from(body.to_string())).unwrap())
        .await;
    let v = serde_json::from_str(&r.text).unwrap_or(Value::Null);
    (r.status, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_alerts_signed_routed_and_idempotent() {
    flow(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_alerts_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => flow(app).await,
        None => eprintln!("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here"),
    }
}

async fn flow(app: TestApp) {
    let admin = app.token("admin@t.vn").await;
    // Only the DIC registers senders.
    let staff = app.token("syt-admin@t.vn").await;
    let r = app
        .api(
            "post",
            "/api/v1/platform-sources",
            Some(&staff),
            Some(json!({"name": "x"})),
        )
        .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status
    );
    let r = app
        .api(
            "post",
            "/api/v1/platform-sources",
            Some(&admin),
            Some(json!({"name": "IRLab VNCERT/CC"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let secret = r.json()["secret"].as_str().unwrap().to_string();

    let syt_host = format!("{}-web01", common::marker("SYT"));
    let body = json!([
        {"id": "IRL-2026-0001", "time": "2026-11-25T02:00:00Z", "type": "Mã độc kết nối C&C",
         "target": format!("http://{syt_host}/admin"), "description": "Máy chủ kết nối tới máy chủ điều khiển", "severity": "cao",
         "recommendation": "Cô lập và quét mã độc"},
        {"id": "IRL-2026-0002", "type": "Lừa đảo", "target": "unknown-phish.example", "severity": "medium"}
    ])
    .to_string();
    let now = canhgac_domain::time::now_ms() / 1000;
    let sig = sign(&secret, &now.to_string(), body.as_bytes());
    let (st, rep) = push(&app, &token, now, Some(sig.clone()), &body).await;
    assert_eq!(st, StatusCode::OK, "{rep}");
    assert_eq!(rep, json!({"new": 2, "updated": 0, "queued": 1}));
    // The same request again is a replay.
    let (st, v) = push(&app, &token, now, Some(sig), &body).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    // Bad token, bad signature, stale time, no signature: refused, nothing stored.
    assert_eq!(
        push(
            &app,
            "nope",
            now,
            Some(sign(&secret, &now.to_string(), body.as_bytes())),
            &body
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        push(
            &app,
            &token,
            now,
            Some(sign("wrong", &now.to_string(), body.as_bytes())),
            &body
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    let old = now - 3600;
    assert_eq!(
        push(
            &app,
            &token,
            old,
            Some(sign(&secret, &old.to_string(), body.as_bytes())),
            &body
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        push(&app, &token, now, None, &body).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A malformed alert is named and nothing of that request is stored.
    let bad = json!([{"id": "IRL-9", "target": "x.example"}, {"target": "y.example", "severity": "huge"}]).to_string();
    let (st, v) = push(
        &app,
        &token,
        now,
        Some(sign(&secret, &(now + 1).to_string(), bad.as_bytes())),
        &bad,
    )
    .await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "the signature covers the timestamp sent: {v}"
    );
    let (st, v) = push(
        &app,
        &token,
        now + 1,
        Some(sign(&secret, &(now + 1).to_string(), bad.as_bytes())),
        &bad,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v.to_string().contains("alert 2: field id is missing"),
        "{v}"
    );
    // The same platform id again updates its alert and counts up its signal.
    let again = json!({"id": "IRL-2026-0001", "target": format!("http://{syt_host}/admin"), "severity": "critical", "type": "Mã độc kết nối C&C"}).to_string();
    let (st, rep) = push(
        &app,
        &token,
        now + 2,
        Some(sign(&secret, &(now + 2).to_string(), again.as_bytes())),
        &again,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(rep, json!({"new": 0, "updated": 1, "queued": 0}));

    let all = app
        .store
        .list_platform_alerts(&Scope::All, false, 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "no IRL-9: the bad request stored nothing");
    let routed = all
        .iter()
        .find(|a| a.platform_id == "IRL-2026-0001")
        .unwrap();
    assert_eq!(routed.org_code.as_deref(), Some("SYT"));
    assert_eq!(routed.times, 2);
    assert_eq!(routed.severity, "critical");
    let queued = all
        .iter()
        .find(|a| a.platform_id == "IRL-2026-0002")
        .unwrap();
    assert_eq!(queued.org_id, None);
    let (signals, _) = app
        .store
        .list_signals(
            &Scope::All,
            &SignalFilter {
                kind: Some(SignalKind::NationalAlert),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let s = signals
        .iter()
        .find(|s| Some(s.id) == routed.signal_id)
        .unwrap();
    assert_eq!(s.org_id, Some(app.orgs["SYT"]));
    assert_eq!(s.count, 2);

    // Each organisation sees its own; the DIC also the queue.
    let syt = app
        .api("get", "/api/v1/platform-alerts", Some(&staff), None)
        .await
        .json();
    assert_eq!(syt.as_array().unwrap().len(), 1);
    let td = app.token("td-staff@t.vn").await;
    assert_eq!(
        app.api("get", "/api/v1/platform-alerts", Some(&td), None)
            .await
            .json(),
        json!([])
    );
    let q = app
        .api("get", "/api/v1/platform-alerts?queue=1", Some(&admin), None)
        .await
        .json();
    assert_eq!(q.as_array().unwrap().len(), 1);
    let b = app.session("syt-admin@t.vn").await;
    let page = b.get("/platform-alerts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("IRL-2026-0001") && !page.text.contains("IRL-2026-0002"));
    let csv = b.get("/platform-alerts/export").await;
    assert!(csv
        .text
        .trim_start_matches('\u{feff}')
        .starts_with("platform_id,"));
    assert!(csv.text.contains("IRL-2026-0001") && !csv.text.contains("IRL-2026-0002"));
    let json = b.get("/platform-alerts/export?format=json").await.json();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["platform_id"], "IRL-2026-0001");
    let xlsx = b.get("/platform-alerts/export?format=xlsx").await;
    assert_eq!(
        xlsx.headers[axum::http::header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    // A platform export uploaded by the DIC: Vietnamese headers found by name, a renamed column
    // mapped by hand; a file with a bad row imports nothing and names the row.
    let dic = app.session("admin@t.vn").await;
    let csv = format!(
        "Mã cảnh báo,Thời gian,Loại cảnh báo,Địa chỉ bị cảnh báo,Mức độ\nIRL-F-1,25/11/2026 09:00,Quét cổng,{syt_host},cao\nIRL-F-2,,Lừa đảo,nobody.example,thấp\n"
    );
    let r = dic
        .upload(
            "/platform-alerts/upload",
            &[("file", "irlab.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the target column is named otherwise: {}",
        r.text
    );
    assert!(r.text.contains("no column for target"), "{}", r.text);
    let r = dic
        .upload_fields(
            "/platform-alerts/upload",
            &[("col_target", "Địa chỉ bị cảnh báo")],
            &[("file", "irlab.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("2 cảnh báo mới") && r.text.contains("1 chờ phân công"),
        "{}",
        r.text
    );
    let bad = "id,target,severity\nIRL-G-1,192.0.2.9,high\n,192.0.2.10,huge\n";
    let r = dic
        .upload(
            "/platform-alerts/upload",
            &[("file", "bad.csv", bad.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("bad.csv: row 3: field id is missing"),
        "{}",
        r.text
    );
    let all = app
        .store
        .list_platform_alerts(&Scope::All, false, 100)
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        4,
        "two pushed, two uploaded, none of the bad file"
    );
    assert!(all
        .iter()
        .any(|a| a.platform_id == "IRL-F-1" && a.org_code.as_deref() == Some("SYT")));
    // An alert e-mail saved as .eml: the body's labelled lines, routed like the others; the
    // same platform id again updates it. A message with a broken block imports nothing.
    let eml = format!(
        "From: VNCERT/CC <canhbao@vncert.vn>\r\nTo: stttt@laichau.gov.vn\r\nSubject: Canh bao ma doc\r\n\
         Date: Tue, 01 Dec 2026 09:30:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Kính gửi Sở TTTT,\r\n\r\nMã cảnh báo: IRL-M-1\r\nĐối tượng: {syt_host}\r\nMức độ: Cao\r\n\
         Mô tả: Máy chủ kết nối tới C&C\r\n\r\nMã cảnh báo: IRL-F-1\r\nĐối tượng: {syt_host}\r\nMức độ: nghiêm trọng\r\n"
    );
    let r = dic
        .upload(
            "/platform-alerts/upload",
            &[("file", "canh-bao.eml", eml.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("1 cảnh báo mới") && r.text.contains("1 cập nhật"),
        "{}",
        r.text
    );
    let broken = "From: a@b.vn\r\nSubject: x\r\n\r\nMã cảnh báo: IRL-M-2\r\nĐối tượng: 192.0.2.5\r\n\r\nMã cảnh báo: IRL-M-3\r\n";
    let r = dic
        .upload(
            "/platform-alerts/upload",
            &[("file", "hong.eml", broken.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("hong.eml: body line 4: field target is missing"),
        "{}",
        r.text
    );
    let all = app
        .store
        .list_platform_alerts(&Scope::All, false, 100)
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        5,
        "one more from the e-mail, none from the broken one"
    );
    assert!(all
        .iter()
        .any(|a| a.platform_id == "IRL-M-1" && a.org_code.as_deref() == Some("SYT")));
    app.cleanup().await;
}
