//! The monitoring pages as people use them: a DIC operator adds Sigma rules (a broken one is
//! refused with its problems), an organisation uploads a log file that trips a rule, the alert
//! appears on /alerts (and in the live feed), is commented, assigned and moved along, and the
//! event is found again on /events.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use canhgac_domain::signal::SignalKind;
use canhgac_domain::Scope;
use canhgac_store::{SignalFilter, SignalRow};
use common::{Browser, Reply, TestApp};
use http_body_util::BodyExt;
use std::time::Duration;
use tower::ServiceExt;

const RULE_ID: &str = "5b1f0c1e-7a33-4c1e-9d5e-0c0ffee00001";
const RULE_TITLE: &str = "Đèn hiệu canhgac thử nghiệm";

fn rule_yaml() -> String {
    format!(
        "title: {RULE_TITLE}\nid: {RULE_ID}\nstatus: test\nlevel: high\n\
         description: Máy gửi tín hiệu về máy chủ điều khiển (thử nghiệm giao diện)\n\
         tags:\n  - attack.command_and_control\n  - attack.t1071\n\
         logsource:\n  product: linux\n\
         detection:\n  selection:\n    app: beaconer\n    message|contains: canhgac-ui-beacon\n  condition: selection\n"
    )
}

/// A rule that compiles but has no id.
const NO_ID_RULE: &str = "title: Không có mã\nlevel: low\nlogsource:\n  product: linux\n\
    detection:\n  selection:\n    app: x\n  condition: selection\n";

/// A rule whose condition names a selection that does not exist.
const BAD_CONDITION_RULE: &str = "title: Điều kiện sai\nid: 5b1f0c1e-7a33-4c1e-9d5e-0c0ffee00002\n\
    level: low\nlogsource:\n  product: linux\ndetection:\n  selection:\n    app: x\n  condition: selection and khongco\n";

fn beacon_log(host: &str) -> String {
    format!(
        "<14>1 2026-11-25T02:00:00+07:00 {host} beaconer 4242 - - canhgac-ui-beacon to 203.0.113.66\n\
         <78>1 2026-11-25T02:00:05+07:00 {host} cron 99 - - (root) CMD (run-parts /etc/cron.hourly)\n"
    )
}

/// Posts a multipart form of text fields and files `(field, file name, bytes)`.
async fn multipart(
    b: &Browser<'_>,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Reply {
    let boundary = "canhgacMONITORui";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (field, name, bytes) in files {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let req = Request::post(format!("{path}?_csrf={}", urlencoding::encode(&b.csrf)))
        .header(header::COOKIE, &b.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    b.app.send(req).await
}

fn location(r: &Reply) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The number a report span shows, e.g. `id="report-stored">2<`.
fn report(r: &Reply, what: &str) -> i64 {
    let key = format!("id=\"report-{what}\">");
    r.text
        .split(&key)
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no {what} in the report: {}", r.text))
}

async fn alerts_of_rule(app: &TestApp) -> Vec<SignalRow> {
    let (rows, _) = app
        .store
        .list_signals(
            &Scope::All,
            &SignalFilter {
                kind: Some(SignalKind::SigmaAlert),
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    rows.into_iter().filter(|s| s.source == RULE_ID).collect()
}

#[tokio::test]
async fn rules_alerts_and_events_through_the_pages() {
    through_the_pages(&TestApp::new().await).await;
}

#[tokio::test]
async fn the_pages_work_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => {
            through_the_pages(&app).await;
            app.cleanup().await;
        }
        None => eprintln!("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here"),
    }
}

async fn through_the_pages(app: &TestApp) {
    let op = app.session("operator@t.vn").await;
    let syt = app.session("syt-admin@t.vn").await;
    let td = app.session("td-staff@t.vn").await;
    let viewer = app.session("td-viewer@t.vn").await;

    // The navigation names the new pages.
    let home = syt.get("/").await;
    // The navigation: groups by what the officer is doing, the current group's pages below.
    for label in [
        "Giám sát",
        "Điều tra",
        "Công việc &amp; tuân thủ",
        "Danh mục",
        "Cảnh báo Sigma",
        "Luật Sigma",
    ] {
        assert!(home.text.contains(label), "nav: {label}");
    }
    assert!(
        syt.get("/events").await.text.contains(">Sự kiện</a>"),
        "the events page's group lists it"
    );

    // ---- Rules: the DIC manages them, everyone else reads them ----
    let r = op.get("/rules").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("rule-upload"),
        "the DIC gets the upload form"
    );
    let r = syt.get("/rules").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.text.contains("/rules/upload"),
        "read-only for organisations"
    );

    let r = multipart(
        &op,
        "/rules/upload",
        &[("yaml", NO_ID_RULE), ("org", "")],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("rules-problems"));
    assert!(
        r.text.contains("has no id"),
        "names the problem: {}",
        r.text
    );
    assert!(r.text.contains("Không có mã"), "the pasted YAML is kept");
    let r = multipart(
        &op,
        "/rules/upload",
        &[("org", "")],
        &[("file", "broken.yml", BAD_CONDITION_RULE.as_bytes())],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("broken.yml"), "names the file: {}", r.text);
    let r = multipart(&op, "/rules/upload", &[("yaml", "  ")], &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (custom, _) = app
        .store
        .list_rules(
            &canhgac_domain::Scope::All,
            &canhgac_store::RuleFilter {
                origin: Some("custom".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(custom.is_empty(), "nothing stored from refused uploads");

    // An organisation cannot add or change rules.
    let yaml = rule_yaml();
    let r = multipart(&syt, "/rules/upload", &[("yaml", &yaml)], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = multipart(
        &op,
        "/rules/upload",
        &[("org", "")],
        &[("file", "beacon.yml", yaml.as_bytes())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let to = location(&r);
    assert!(to.starts_with("/rules?added=1"), "{to}");
    let r = op.get(&to).await;
    assert!(r.text.contains("rules-ok"), "a success notice");
    assert!(r.text.contains(RULE_TITLE));
    assert!(r.text.contains(RULE_ID));
    let summary = app.state.monitor.rules_summary();
    assert_eq!(summary.detection, 1, "{summary:?}");
    assert!(r.text.contains("rules-summary"));
    let rule_db_id = app
        .store
        .list_rules(
            &canhgac_domain::Scope::All,
            &canhgac_store::RuleFilter {
                q: Some(RULE_ID.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0[0]
        .id;
    let r = syt
        .post(&format!("/rules/{rule_db_id}"), &[("enabled", "0")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = syt.get(&format!("/rules?q={RULE_ID}")).await;
    assert!(r.text.contains(RULE_TITLE), "organisations see the rule");
    assert!(
        !r.text.contains(&format!("id=\"rule-{rule_db_id}\"")),
        "without its form"
    );

    // ---- An organisation uploads a log file that trips the rule ----
    let r = syt.get("/monitor").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("events-upload"));
    assert!(
        !r.text.contains("monitor-storage"),
        "storage figures are the DIC's"
    );
    let r = syt
        .upload(
            "/events/upload",
            &[("file", "auth.log", beacon_log("mkSYTx-web01").as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(report(&r, "stored"), 2);
    assert_eq!(report(&r, "malformed"), 0);
    assert_eq!(report(&r, "detections"), 1);
    let alerts = alerts_of_rule(app).await;
    assert_eq!(alerts.len(), 1);
    let alert = alerts[0].clone();
    assert_eq!(alert.org_code.as_deref(), Some("SYT"));
    let event_id = serde_json::from_str::<serde_json::Value>(alert.payload.as_deref().unwrap())
        .unwrap()["event_id"]
        .as_i64()
        .unwrap();

    // Unreadable files and read-only accounts.
    let r = syt
        .upload(
            "/events/upload",
            &[("file", "Security.evtx", b"not an evtx file")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("upload-error"));
    let r = syt
        .upload(
            "/events/upload",
            &[(
                "file",
                "app.jsonl",
                b"{\"host\":\"mkSYTx-web01\",\"msg\":\"ok\"}\nnot json at all\n",
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((report(&r, "stored"), report(&r, "malformed")), (2, 1));
    let r = viewer.get("/monitor").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.text.contains("events-upload"),
        "no upload form for read-only"
    );
    let r = viewer
        .upload("/events/upload", &[("file", "a.log", b"hello\n")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // ---- The alert list ----
    let r = syt.get("/alerts").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains(&format!("{RULE_TITLE} — mkSYTx-web01")));
    assert!(r.text.contains(&format!("href=\"/alerts/{}\"", alert.id)));
    // The live feed's script is a static file (the CSP allows no inline script).
    assert!(r.text.contains("<script src=\"/static/live.js?v="));
    let js = syt.get("/static/live.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.text.contains("new EventSource('/api/v1/alerts/stream')"));
    for (q, shown) in [
        ("severity=high", true),
        ("severity=low", false),
        ("q=%C4%91%C3%A8n%20hi%E1%BB%87u%20mkSYTx", true),
        ("q=khong-co-gi", false),
        ("org=SYT", true),
        ("org=SYT-BV", false),
        ("state=new", true),
        ("state=resolved", false),
    ] {
        let r = syt.get(&format!("/alerts?{q}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.text.contains(&format!("href=\"/alerts/{}\"", alert.id)),
            shown,
            "/alerts?{q}"
        );
    }
    assert!(!td.get("/alerts").await.text.contains(RULE_TITLE));

    // ---- The alert's page ----
    let path = format!("/alerts/{}", alert.id);
    let r = syt.get(&path).await;
    assert_eq!(r.status, StatusCode::OK);
    for part in [
        RULE_TITLE,
        "attack.t1071",
        "thử nghiệm giao diện",
        "beaconer",
        "canhgac-ui-beacon",
        &format!("href=\"/events/{event_id}\""),
        RULE_ID,
    ] {
        assert!(r.text.contains(part), "alert page shows {part}");
    }
    // The rule's own page: its YAML and what it raised.
    let rule_href = r
        .text
        .split("href=\"/rules/")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .map(|id| format!("/rules/{id}"))
        .expect("the alert links to its rule's page");
    let rp = syt.get(&rule_href).await;
    assert_eq!(rp.status, StatusCode::OK, "{rule_href}");
    assert!(
        rp.text.contains("id=\"rule-yaml\""),
        "the rule page shows its YAML"
    );
    assert!(rp.text.contains(RULE_ID));
    assert!(
        rp.text.contains(&format!("href=\"/alerts/{}\"", alert.id)),
        "the rule page lists the alert it raised"
    );
    assert_eq!(td.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        td.post(&format!("{path}/notes"), &[("note", "x")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Notes.
    let note = "Đã kiểm tra máy chủ, cô lập tiến trình beaconer";
    let r = syt.post(&format!("{path}/notes"), &[("note", note)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{path}#notes"));
    let r = syt.post(&format!("{path}/notes"), &[("note", "   ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(syt.get(&path).await.text.contains(note));
    assert_eq!(
        viewer
            .post(&format!("{path}/notes"), &[("note", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN,
        "read-only accounts add no notes"
    );

    // Assignment: only to people who can see the alert.
    let id_of = |email: &str| app.users[email].to_string();
    let r = syt.get(&path).await;
    assert!(r.text.contains(">syt-admin@t.vn — "));
    assert!(!r.text.contains(">td-staff@t.vn — "));
    let r = syt
        .post(
            &format!("{path}/assign"),
            &[("user", &id_of("td-staff@t.vn"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = op
        .post(
            &format!("{path}/assign"),
            &[("user", &id_of("td-staff@t.vn"))],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the DIC cannot hand SYT's alert to TAMDUONG"
    );
    let r = op
        .post(
            &format!("{path}/assign"),
            &[("user", &id_of("viewer@t.vn"))],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not to read-only"
    );
    let r = syt
        .post(
            &format!("{path}/assign"),
            &[("user", &id_of("syt-admin@t.vn"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let s = app
        .store
        .signal(&Scope::All, alert.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.assignee_id, Some(app.users["syt-admin@t.vn"]));
    let r = syt.get(&path).await;
    assert!(r.text.contains("syt-admin@t.vn (syt-admin@t.vn)"));
    let r = op
        .post(
            &format!("{path}/assign"),
            &[("user", &id_of("operator@t.vn"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = syt.get("/alerts").await;
    assert!(
        r.text.contains("(tài khoản khác)"),
        "an assignee out of sight stays unnamed"
    );
    let r = syt.post(&format!("{path}/assign"), &[("user", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let s = app
        .store
        .signal(&Scope::All, alert.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.assignee_id, None);

    // State.
    let r = syt
        .post(&format!("{path}/transition"), &[("state", "acknowledged")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), path);
    let s = app
        .store
        .signal(&Scope::All, alert.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.state, "acknowledged");
    let r = syt
        .post(&format!("{path}/transition"), &[("state", "new")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = viewer
        .post(&format!("{path}/transition"), &[("state", "resolved")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = syt.get(&path).await;
    assert!(r.text.contains("Đã tiếp nhận"));
    let audit = app
        .store
        .list_audit(
            &Scope::All,
            &canhgac_store::AuditQuery {
                limit: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
    for action in ["comment", "assign", "transition"] {
        assert!(
            audit
                .iter()
                .any(|a| a.action == action && a.entity == "signals"),
            "audited: {action}"
        );
    }

    // ---- Finding the event again ----
    for (q, shown) in [
        ("field=app%3Dbeaconer", true),
        ("field=app%3Dnobody", false),
        ("q=canhgac-ui-beacon", true),
        ("q=khong-co-gi", false),
        (
            "host=mkSYTx&from=2026-11-25T01%3A00&to=2026-11-25T03%3A00",
            true,
        ),
        ("from=2026-11-26T00%3A00", false),
        ("org=SYT&q=beacon", true),
        ("org=SYT-BV&q=beacon", false),
    ] {
        let r = syt.get(&format!("/events?{q}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.text.contains(&format!("href=\"/events/{event_id}\"")),
            shown,
            "/events?{q}"
        );
    }
    let r = syt.get("/events?malformed=1").await;
    assert!(r.text.contains("not json at all"));
    assert!(r.text.contains("Lỗi định dạng"));
    assert!(!r.text.contains("canhgac-ui-beacon"));
    let r = syt.get("/events?q=canhgac-ui-beacon").await;
    assert!(
        r.text.contains("25/11/2026 02:00:00"),
        "time in Viet Nam, with seconds"
    );
    let r = syt.get(&format!("/events/{event_id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("event-fields"));
    assert!(r.text.contains("beaconer"));
    assert!(r.text.contains("mkSYTx-web01"));
    assert_eq!(
        td.get(&format!("/events/{event_id}")).await.status,
        StatusCode::NOT_FOUND
    );

    // ---- Rule settings: limited to another organisation, then off, then on ----
    let r = op
        .post(
            &format!("/rules/{rule_db_id}"),
            &[
                ("enabled", "1"),
                ("org", "TAMDUONG"),
                ("back", "origin=custom"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        location(&r),
        format!("/rules?saved={rule_db_id}&origin=custom")
    );
    let r = op.get(&location(&r)).await;
    assert!(r.text.contains("rules-ok"));
    assert!(r
        .text
        .contains("<option value=\"TAMDUONG\" title=\"Đơn vị mkTAMDUONGx\" selected>"));
    // A rule limited to another organisation is not SYT's to see at all (its YAML neither).
    let r = syt.get(&format!("/rules?q={RULE_ID}")).await;
    assert!(
        !r.text.contains(RULE_TITLE),
        "SYT does not see TAMDUONG's rule"
    );
    assert!(!r.text.contains("TAMDUONG"));
    let r = syt
        .upload(
            "/events/upload",
            &[("file", "auth.log", beacon_log("mkSYTx-web01").as_bytes())],
        )
        .await;
    assert_eq!(
        report(&r, "detections"),
        0,
        "the rule runs for TAMDUONG only"
    );
    let r = op
        .post(
            &format!("/rules/{rule_db_id}"),
            &[("enabled", "0"), ("org", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.state.monitor.rules_summary().detection, 0);
    let r = op.get("/rules?enabled=0").await;
    assert!(r.text.contains(RULE_TITLE));
    let r = op.get("/rules?enabled=1").await;
    assert!(!r.text.contains(RULE_TITLE));
    let r = op
        .post(
            &format!("/rules/{rule_db_id}"),
            &[("enabled", "1"), ("org", "NOPE")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = op
        .post(
            &format!("/rules/{rule_db_id}"),
            &[("enabled", "1"), ("org", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // ---- The live feed, with the browser's session ----
    let req = Request::get("/api/v1/alerts/stream")
        .header(header::COOKIE, &syt.cookie)
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut body = resp.into_body();
    let r = syt
        .upload(
            "/events/upload",
            &[("file", "auth.log", beacon_log("mkSYTBVx-web01").as_bytes())],
        )
        .await;
    assert_eq!(report(&r, "detections"), 1, "{}", r.text);
    let mut seen = String::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while !seen.contains("event: alert") || !seen.contains("mkSYTBVx-web01") {
            match body.frame().await {
                Some(Ok(f)) => {
                    if let Some(d) = f.data_ref() {
                        seen.push_str(&String::from_utf8_lossy(d));
                    }
                }
                _ => break,
            }
        }
    })
    .await
    .expect("an alert on the live feed");
    assert!(seen.contains("\"new\":true"), "{seen}");

    // ---- The status page ----
    // The periodic jobs and the process holding each (the DIC's view only).
    let now = canhgac_domain::time::now_ms();
    assert!(app
        .store
        .take_lease("pager", "web-1:4242:1", 90_000, now)
        .await
        .expect("lease"));
    let r = op.get("/monitor").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("monitor-jobs")
            && r.text.contains("Gọi trực")
            && r.text.contains("web-1:4242:1"),
        "{}",
        r.text
    );
    assert!(
        !syt.get("/monitor").await.text.contains("monitor-jobs"),
        "the platform's jobs are the DIC's"
    );
    assert!(r.text.contains("monitor-storage"));
    assert!(r.text.contains("count-stored"));
    assert!(r.text.contains("/api/v1/ingest"));
    let stored: u64 = app.state.monitor.stats.snapshot()["stored"]
        .as_u64()
        .unwrap();
    assert!(stored >= 8, "{stored}");
}
