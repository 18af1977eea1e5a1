//! The security probe's findings, each reproduced and shown to hold: alert de-duplication and
//! registry claims that crossed organisations, security headers, CSV formulas, rule
//! visibility, tokens, and connection exhaustion of the syslog and HTTP listeners.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{header, StatusCode};
use canhgac_ops::conns::ConnLimits;
use canhgac_ops::monitor::MonitorConfig;
use canhgac_server::{AppState, ServerConfig};
use common::{marker, TestApp};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const RULE: &str = "title: Probe marker\nid: 7e57a1e7-0000-4000-8000-0000000000aa\nlevel: high\n\
logsource: {definition: 'JSON events of this test'}\ndetection:\n  sel:\n    action|contains: 'probe'\n  condition: sel\n";

async fn alerts(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app
        .api(
            "get",
            "/api/v1/signals?kind=sigma_alert&limit=1000",
            Some(token),
            None,
        )
        .await;
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["source"] == "7e57a1e7-0000-4000-8000-0000000000aa")
        .cloned()
        .collect()
}

/// The probe: TAMDUONG's staff ingested one event naming SYT's host; from then on SYT's own
/// events for that host counted into TAMDUONG's alert. Now each organisation has its own.
async fn dedup_case(app: &TestApp) {
    let admin = app.token("admin@t.vn").await;
    let r = app
        .api_bytes(
            "/api/v1/rules?filename=p.yml",
            &admin,
            RULE.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let td = app.token("td-staff@t.vn").await;
    let syt = app.token("syt-admin@t.vn").await;
    let host = format!("{}-web01", marker("SYT"));
    let line = |h: &str| format!("{{\"host\":\"{h}\",\"action\":\"probe here\"}}\n");
    // TAMDUONG first, naming SYT's host; then events with no host at all.
    for _ in 0..2 {
        let r = app
            .api_bytes("/api/v1/ingest", &td, line(&host).into_bytes())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = app
        .api_bytes(
            "/api/v1/ingest",
            &td,
            b"{\"action\":\"probe, no host\"}\n".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Then SYT's own events for its host, and without a host.
    for _ in 0..3 {
        let r = app
            .api_bytes("/api/v1/ingest", &syt, line(&host).into_bytes())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = app
        .api_bytes(
            "/api/v1/ingest",
            &syt,
            b"{\"action\":\"probe, no host\"}\n".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let mine = alerts(app, &syt).await;
    let theirs = alerts(app, &td).await;
    // SYT sees its own two alerts (host, no host) with only its own counts.
    let total: i64 = mine.iter().map(|a| a["count"].as_i64().unwrap()).sum();
    assert_eq!(total, 4, "{mine:?}");
    assert!(mine.iter().all(|a| a["org_code"] == "SYT"), "{mine:?}");
    // TAMDUONG's are its own: its three events, none of SYT's.
    let total: i64 = theirs.iter().map(|a| a["count"].as_i64().unwrap()).sum();
    assert_eq!(total, 3, "{theirs:?}");
    assert!(theirs.iter().all(|a| a["org_code"] == "TAMDUONG"));
    for a in &mine {
        let id = a["id"].as_i64().unwrap();
        let r = app
            .api("get", &format!("/api/v1/signals/{id}"), Some(&td), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .api("get", &format!("/api/v1/signals/{id}"), Some(&syt), None)
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
}

/// The probe: TAMDUONG's staff registered SYT's addresses, `0.0.0.0/0`, loopback and ranges
/// inside SYT's LAN, and SYT's syslog followed. Each is refused now, through the API and
/// through a file import, without naming SYT to TAMDUONG.
async fn claims_case(app: &TestApp) {
    let td = app.token("td-staff@t.vn").await;
    // SYT's fixture range is 198.51.100.16/28, its host 198.51.100.17.
    for cidr in [
        "0.0.0.0/0",
        "127.0.0.1/32",
        "169.254.0.0/16",
        "198.51.100.17/32",
        "198.51.100.16/29",
        "198.51.100.0/24",
    ] {
        let r = app
            .api(
                "post",
                "/api/v1/networks",
                Some(&td),
                Some(json!({"org": "TAMDUONG", "cidr": cidr})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{cidr}: {}",
            r.text
        );
        assert!(r.text.contains("cidr"), "{}", r.text);
        assert!(
            !r.text.contains("SYT"),
            "the owner is not named: {}",
            r.text
        );
    }
    let r = app
        .api(
            "post",
            "/api/v1/hosts",
            Some(&td),
            Some(json!({"org": "TAMDUONG", "hostname": format!("{}-web01", marker("SYT")), "kind": "server", "ips": "198.51.100.17"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let csv = "org,cidr\nTAMDUONG,192.0.2.128/25\nTAMDUONG,198.51.100.20/30\n";
    let r = app
        .api_bytes(
            "/api/v1/import/networks?filename=n.csv",
            &td,
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["rows"][0]["row"], json!(3), "{}", r.text);
    // The DIC is told who holds it.
    let admin = app.token("admin@t.vn").await;
    let r = app
        .api(
            "post",
            "/api/v1/networks",
            Some(&admin),
            Some(json!({"org": "TAMDUONG", "cidr": "198.51.100.16/28"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("SYT"), "{}", r.text);
}

#[tokio::test]
async fn one_organisation_never_updates_or_claims_anothers() {
    let app = TestApp::new().await;
    dedup_case(&app).await;
    claims_case(&app).await;
}

#[tokio::test]
async fn one_organisation_never_updates_or_claims_anothers_on_postgres() {
    match TestApp::new_postgres().await {
        Some(app) => {
            dedup_case(&app).await;
            claims_case(&app).await;
            app.cleanup().await;
        }
        None => eprintln!(
            "CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here (CI sets it)"
        ),
    }
}

#[tokio::test]
async fn responses_carry_security_headers_and_pages_no_inline_script() {
    let app = TestApp::new().await;
    let b = app.session("syt-admin@t.vn").await;
    for path in ["/", "/alerts", "/hosts", "/botnet", "/login"] {
        let r = b.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        for part in [
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(r.headers[header::REFERRER_POLICY], "same-origin");
        assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY");
        // No inline script or style, no handler attributes, no javascript: links.
        let lower = r.text.to_lowercase();
        for bad in [
            "<script>",
            "<style",
            " style=",
            " onclick=",
            " onsubmit=",
            "javascript:",
        ] {
            assert!(!lower.contains(bad), "{path} has {bad}");
        }
    }
    for asset in ["/static/app.css", "/static/app.js", "/static/live.js"] {
        let r = b.get(asset).await;
        assert_eq!(r.status, StatusCode::OK, "{asset}");
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    // API errors too, and an oversize body is a JSON error like any other.
    let r = app.api("get", "/api/v1/me", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers.contains_key(header::CONTENT_SECURITY_POLICY));
    let admin = app.token("admin@t.vn").await;
    let limit = app.state.config.max_body_bytes;
    let r = app
        .api_bytes("/api/v1/ingest", &admin, vec![b'x'; limit + 1])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let j = r.json();
    assert!(j["error"].as_str().unwrap().contains("too large"), "{j}");
    assert!(j["message_vi"].as_str().unwrap().contains("quá lớn"), "{j}");
}

#[tokio::test]
async fn exported_cells_are_not_formulas_and_limited_rules_stay_private() {
    let app = TestApp::new().await;
    let syt = app.token("syt-admin@t.vn").await;
    let r = app
        .api(
            "post",
            "/api/v1/people",
            Some(&syt),
            Some(json!({"org": "SYT", "full_name": "=HYPERLINK(\"http://evil.example\",\"x\")", "phone": "+84 912 345 678"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .api("get", "/api/v1/export/people?format=csv", Some(&syt), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("'=HYPERLINK("), "{}", r.text);
    assert!(!r.text.contains(",=HYPERLINK("), "{}", r.text);

    // A rule limited to SYT: SYT and the DIC see it, TAMDUONG neither in the list nor by id.
    let admin = app.token("admin@t.vn").await;
    let r = app
        .api_bytes(
            "/api/v1/rules?filename=p.yml&org=SYT",
            &admin,
            RULE.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json()["items"][0]["id"].as_i64().unwrap();
    let td = app.token("td-staff@t.vn").await;
    for (token, visible) in [(&syt, true), (&admin, true), (&td, false)] {
        let list = app
            .api("get", "/api/v1/rules?origin=custom", Some(token), None)
            .await;
        assert_eq!(list.text.contains("Probe marker"), visible, "{}", list.text);
        let one = app
            .api("get", &format!("/api/v1/rules/{id}"), Some(token), None)
            .await;
        assert_eq!(one.status == StatusCode::OK, visible, "{}", one.text);
    }
}

#[tokio::test]
async fn tokens_end_with_deactivation_and_their_holder_can_revoke_them() {
    let app = TestApp::new().await;
    let admin = app.token("admin@t.vn").await;
    let td = app.token("td-staff@t.vn").await;
    let uid = app.users["td-staff@t.vn"];
    assert_eq!(me(&app, &td).await, StatusCode::OK);
    for active in [false, true] {
        let r = app
            .api(
                "patch",
                &format!("/api/v1/users/{uid}"),
                Some(&admin),
                Some(json!({"active": active})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    assert_eq!(
        me(&app, &td).await,
        StatusCode::UNAUTHORIZED,
        "reactivating does not revive the old token"
    );
    // A holder revokes its own token (a viewer too).
    let viewer = app.token("viewer@t.vn").await;
    let r = app
        .api("delete", "/api/v1/auth/token", Some(&viewer), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["revoked"], json!(true));
    assert_eq!(me(&app, &viewer).await, StatusCode::UNAUTHORIZED);
}

async fn me(app: &TestApp, token: &str) -> StatusCode {
    app.api("get", "/api/v1/me", Some(token), None).await.status
}

/// A served app with small connection limits.
async fn served(http: ConnLimits, syslog: ConnLimits) -> (std::net::SocketAddr, AppState) {
    let dir = std::env::temp_dir().join(common::unique("canhgac_conn_test"));
    let store = canhgac_store::Store::open_sqlite(&dir).await.unwrap();
    let state = AppState::new(
        store,
        ServerConfig {
            secure_cookies: false,
            http_connections: http,
            monitor: MonitorConfig {
                bundled_rules: false,
                syslog_tcp: Some("127.0.0.1:0".parse().unwrap()),
                connections: syslog,
                ..MonitorConfig::default()
            },
            ..ServerConfig::default()
        },
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(canhgac_server::serve(l, state.clone()));
    (addr, state)
}

/// Whether the server closed the connection within `wait`.
async fn closed_within(s: &mut tokio::net::TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout(wait, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn connections_are_capped_and_slow_ones_closed() {
    let limits = ConnLimits {
        total: 20,
        per_source: 8,
        idle: Duration::from_secs(1),
    };
    let (addr, state) = served(limits.clone(), limits).await;
    // Half-sent requests: all closed after the header timeout.
    let mut slow = Vec::new();
    for _ in 0..8 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(s);
    }
    // A ninth from the same address is refused at once.
    let mut extra = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut extra, Duration::from_millis(500)).await);
    for s in &mut slow {
        assert!(
            closed_within(s, Duration::from_secs(4)).await,
            "a half-sent request was kept"
        );
    }
    // After they are gone, a whole request is served.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(
        state
            .metrics
            .http
            .refused
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    );
    assert!(
        state
            .metrics
            .http
            .timed_out
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 8
    );

    // Syslog over TCP: the same for idle senders.
    let (_, tcp, _) = canhgac_ops::listen::spawn(state.monitor.clone())
        .await
        .unwrap();
    let tcp = tcp.unwrap();
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(tokio::net::TcpStream::connect(tcp).await.unwrap());
    }
    let mut extra = tokio::net::TcpStream::connect(tcp).await.unwrap();
    assert!(closed_within(&mut extra, Duration::from_millis(500)).await);
    for s in &mut idle {
        assert!(
            closed_within(s, Duration::from_secs(4)).await,
            "an idle syslog connection was kept"
        );
    }
    // The counters are in /metrics.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(
        out.contains("canhgac_connections_refused_total{listener=\"syslog\"} 1"),
        "{out}"
    );
    assert!(
        out.contains("canhgac_connections_timed_out_total{listener=\"syslog\"} 8"),
        "{out}"
    );
    assert!(
        out.contains("canhgac_connections_refused_total{listener=\"http\"}"),
        "{out}"
    );
}
