//! Log-in, sessions, CSRF, rate limiting, API tokens and roles.

#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{TestApp, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn login_sets_a_hardened_session_cookie_and_logout_ends_it() {
    let app = TestApp::new().await;
    let body = format!("email=admin%40t.vn&password={PASSWORD}&next=%2Fhosts");
    let r = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get(header::LOCATION).expect("loc"), "/hosts");
    let cookie = r
        .headers
        .get(header::SET_COOKIE)
        .expect("cookie")
        .to_str()
        .expect("str");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let b = app.session("admin@t.vn").await;
    assert_eq!(b.get("/hosts").await.status, StatusCode::OK);
    let r = b.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = b.get("/hosts").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the session is gone");
    assert!(r
        .headers
        .get(header::LOCATION)
        .expect("loc")
        .to_str()
        .expect("s")
        .starts_with("/login?next="));
}

#[tokio::test]
async fn open_redirects_are_refused() {
    let app = TestApp::new().await;
    let body = format!("email=admin%40t.vn&password={PASSWORD}&next=%2F%2Fevil.example");
    let r = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("req"),
        )
        .await;
    assert_eq!(r.headers.get(header::LOCATION).expect("loc"), "/");
    // The probe's cases: a tab or newline (browsers drop them, so `/\t/x` is `//x`), a
    // backslash, a scheme; each goes to `/`, and none answers 500.
    for next in [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%0D%0ASet-Cookie%3A%20x%3D1",
        "%2F%5Cevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%20%2Fevil.example",
        "javascript%3Aalert(1)",
    ] {
        let body = format!("email=admin%40t.vn&password={PASSWORD}&next={next}");
        let r = app
            .send(
                Request::post("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .expect("req"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.headers.get(header::LOCATION).expect("loc"), "/", "{next}");
        // And the log-in page does not carry it into its form either.
        let r = app
            .send(
                Request::get(format!("/login?next={next}"))
                    .body(Body::empty())
                    .expect("req"),
            )
            .await;
        assert!(r.text.contains("name=\"next\" value=\"/\""), "{next}");
    }
    // A local path with a query still works.
    let body =
        format!("email=admin%40t.vn&password={PASSWORD}&next=%2Fsignals%3Fkind%3Dsigma_alert");
    let r = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("req"),
        )
        .await;
    assert_eq!(
        r.headers.get(header::LOCATION).expect("loc"),
        "/signals?kind=sigma_alert"
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::new().await;
    let b = app.session("admin@t.vn").await;
    let r = b
        .post_raw(
            "/hosts/new",
            "org_id=TAMDUONG&hostname=csrf-test&kind=server".into(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("CSRF"));
    let r = b
        .post_raw(
            "/hosts/new",
            "org_id=TAMDUONG&hostname=csrf-test&kind=server&_csrf=wrong".into(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The same form with the token goes through.
    let r = b
        .post(
            "/hosts/new",
            &[
                ("org_id", "TAMDUONG"),
                ("hostname", "csrf-test"),
                ("kind", "server"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // A cookie-authenticated API write needs the header too.
    let req = Request::post("/api/v1/hosts")
        .header(header::COOKIE, &b.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"org": "TAMDUONG", "hostname": "csrf-api", "kind": "server"}).to_string(),
        ))
        .expect("req");
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    let req = Request::post("/api/v1/hosts")
        .header(header::COOKIE, &b.cookie)
        .header("x-csrf-token", &b.csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"org": "TAMDUONG", "hostname": "csrf-api", "kind": "server"}).to_string(),
        ))
        .expect("req");
    assert_eq!(app.send(req).await.status, StatusCode::CREATED);
    // Multipart uploads carry it in the query; without it they are refused.
    let req = Request::post("/import")
        .header(header::COOKIE, &b.cookie)
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .body(Body::from("--x--\r\n"))
        .expect("req");
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
}

/// Every state-changing route the server declares — pages and API, every room — refuses a
/// browser session's request without the CSRF token, before its handler runs (nothing is
/// changed: the audit log stays as it was).
#[tokio::test]
async fn every_state_change_needs_the_csrf_token() {
    let app = TestApp::new().await;
    let b = app.session("admin@t.vn").await;
    let audit_count = || async {
        app.store
            .list_audit(&canhgac_domain::Scope::All, &Default::default())
            .await
            .unwrap()
            .1
    };
    let audit_before = audit_count().await;
    let exempt = ["/login", "/api/v1/auth/token"];
    let mut walked = 0;
    for r in canhgac_server::declared_routes() {
        if matches!(r.method.as_str(), "GET" | "HEAD" | "OPTIONS")
            || exempt.contains(&r.path.as_str())
            || r.path.starts_with("/oncall/ack/")
        {
            continue;
        }
        // Path parameters filled with ids that exist in the seeded store or not: the guard
        // answers before anything is looked up.
        let path: String = r
            .path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') || seg.starts_with(':') {
                    "1"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (ctype, body) in [
            (
                "application/x-www-form-urlencoded",
                "note=x&name=x".to_string(),
            ),
            ("application/json", "{}".to_string()),
            ("multipart/form-data; boundary=x", "--x--\r\n".to_string()),
        ] {
            let req = Request::builder()
                .method(r.method.clone())
                .uri(&path)
                .header(header::COOKIE, &b.cookie)
                .header(header::CONTENT_TYPE, ctype)
                .body(Body::from(body))
                .unwrap();
            let resp = app.send(req).await;
            assert_eq!(
                resp.status,
                StatusCode::FORBIDDEN,
                "{} {path} ({ctype}) without the CSRF token: {}",
                r.method,
                resp.text
            );
            assert!(
                resp.text.contains("CSRF"),
                "{} {path}: {}",
                r.method,
                resp.text
            );
        }
        walked += 1;
    }
    assert!(walked > 150, "only {walked} state-changing routes walked");
    assert_eq!(audit_count().await, audit_before, "nothing changed");
}

#[tokio::test]
async fn failed_logins_are_rate_limited_and_audited() {
    let app = TestApp::new().await;
    for _ in 0..5 {
        let r = app
            .api(
                "post",
                "/api/v1/auth/token",
                None,
                Some(json!({"email": "td-staff@t.vn", "password": "sai-mat-khau"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["error"], "Wrong e-mail or password");
    }
    let r = app
        .api(
            "post",
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "td-staff@t.vn", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits out the window"
    );
    let body = format!("email=td-staff%40t.vn&password={PASSWORD}");
    let r = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("15 phút"));
    // Other accounts are not locked out.
    app.token("admin@t.vn").await;
    let admin = app.token("admin@t.vn").await;
    let audit = app
        .api(
            "get",
            "/api/v1/audit?action=login_failed",
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(audit["total"], 5);
    // Unknown accounts fail the same way.
    let r = app
        .api(
            "post",
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "nobody@t.vn", "password": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_tokens_are_bearer_only_and_die_with_a_password_change() {
    let app = TestApp::new().await;
    let r = app.api("get", "/api/v1/hosts", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["error"].as_str().expect("e").contains("Bearer"));
    let r = app
        .api("get", "/api/v1/hosts", Some("not-a-token"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let token = app.token("syt-admin@t.vn").await;
    let me = app
        .api("get", "/api/v1/me", Some(&token), None)
        .await
        .json();
    assert_eq!(me["user"]["email"], "syt-admin@t.vn");
    assert!(me["user"].get("password_hash").is_none());
    let admin = app.token("admin@t.vn").await;
    let id = app.users["syt-admin@t.vn"];
    let r = app
        .api(
            "patch",
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({"password": "ngan"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "short passwords are refused"
    );
    let r = app
        .api(
            "patch",
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({"password": "mat-khau-moi-dai-hon"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.api("get", "/api/v1/me", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn roles_decide_what_may_change() {
    let app = TestApp::new().await;
    let viewer = app.token("td-viewer@t.vn").await;
    let r = app
        .api(
            "post",
            "/api/v1/hosts",
            Some(&viewer),
            Some(json!({"org": "TAMDUONG", "hostname": "v", "kind": "server"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["message_vi"], "Tài khoản chỉ có quyền xem");
    let staff = app.token("td-staff@t.vn").await;
    let r = app.api("post", "/api/v1/hosts", Some(&staff), Some(json!({"org": "TAMDUONG", "hostname": "td-new", "kind": "server", "ips": "203.0.113.5"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().expect("id");
    let r = app
        .api(
            "patch",
            &format!("/api/v1/hosts/{id}"),
            Some(&staff),
            Some(json!({"ips": "203.0.113.999"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["field"], "ips");
    let r = app
        .api(
            "post",
            "/api/v1/orgs",
            Some(&staff),
            Some(json!({"code": "X", "name": "x", "kind": "agency"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only the DIC creates organisations"
    );
    let r = app.api("get", "/api/v1/users", Some(&staff), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An org admin manages its own users but cannot make a DIC admin.
    let syt = app.token("syt-admin@t.vn").await;
    let r = app.api("post", "/api/v1/users", Some(&syt), Some(json!({"email": "bv@t.vn", "password": "mat-khau-benh-vien", "role": "org_staff", "org": "SYT-BV"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app.api("post", "/api/v1/users", Some(&syt), Some(json!({"email": "boss@t.vn", "password": "mat-khau-benh-vien", "role": "dic_admin", "org": "SYT"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .api(
            "post",
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "bv@t.vn", "password": "mat-khau-benh-vien"})),
        )
        .await;
    let bv = r.json()["token"].as_str().expect("token").to_string();
    let hosts = app
        .api("get", "/api/v1/hosts", Some(&bv), None)
        .await
        .json();
    assert_eq!(hosts["total"], 1, "SYT-BV staff see only SYT-BV");
}

#[tokio::test]
async fn work_items_follow_their_closing_rules_through_the_api() {
    let app = TestApp::new().await;
    let staff = app.token("td-staff@t.vn").await;
    let r = app
        .api(
            "post",
            "/api/v1/work-items",
            Some(&staff),
            Some(json!({"title": "Rà soát tường lửa", "due": "30/04/2026"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().expect("id");
    let r = app
        .api(
            "post",
            &format!("/api/v1/work-items/{id}/events"),
            Some(&staff),
            Some(json!({"action": "proof_arrived"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "people cannot submit proofs"
    );
    let r = app
        .api(
            "post",
            "/api/v1/work-items",
            Some(&staff),
            Some(json!({"title": "x", "kind": "patch_task"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "proof-closed work comes from the platform"
    );
    let r = app
        .api(
            "post",
            &format!("/api/v1/work-items/{id}/events"),
            Some(&staff),
            Some(
                json!({"action": "report_done", "note": "Đã rà soát", "evidence": "bien-ban.pdf"}),
            ),
        )
        .await;
    assert_eq!(r.json()["state"], "closed");
    let w = app
        .api(
            "get",
            &format!("/api/v1/work-items/{id}"),
            Some(&staff),
            None,
        )
        .await
        .json();
    assert_eq!(w["notes"][0]["evidence"], "bien-ban.pdf");
    let signals = app
        .api("get", "/api/v1/signals", Some(&staff), None)
        .await
        .json();
    let sid = signals["items"][0]["id"].as_i64().expect("id");
    let r = app
        .api(
            "post",
            &format!("/api/v1/signals/{sid}/transition"),
            Some(&staff),
            Some(json!({"state": "resolved"})),
        )
        .await;
    assert_eq!(r.json()["state"], "resolved");
    let r = app
        .api(
            "post",
            &format!("/api/v1/signals/{sid}/transition"),
            Some(&staff),
            Some(json!({"state": "new"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn api_errors_are_json_a_person_can_act_on() {
    let app = TestApp::new().await;
    let token = app.token("admin@t.vn").await;
    let r = app
        .api("get", "/api/v1/no-such-thing/1/2", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("openapi.json"));
    let req = Request::post("/api/v1/hosts")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("Invalid JSON body"));
    let r = app
        .api("get", "/api/v1/hosts?org=NOPE", Some(&token), None)
        .await;
    assert_eq!(r.json()["error"], "No organisation with code 'NOPE'");
    let r = app.api("get", "/no/such/page", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// `/metrics` is read with the administrator's token, or without one only from this machine
/// directly: not from another address, and not through a reverse proxy (which looks local).
#[tokio::test]
async fn metrics_needs_its_token_or_a_local_caller() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let get = |peer: &str, auth: Option<&str>, forwarded: bool| {
        let mut b = axum::http::Request::get("/metrics");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        if forwarded {
            b = b.header("x-forwarded-for", "203.0.113.9");
        }
        let mut req = b.body(axum::body::Body::empty()).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        req
    };
    let open = TestApp::new().await;
    assert_eq!(
        open.send(get("127.0.0.1:40000", None, false)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        open.send(get("[::1]:40000", None, false)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        open.send(get("192.0.2.7:40000", None, false)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        open.send(get("127.0.0.1:40000", None, true)).await.status,
        StatusCode::FORBIDDEN
    );

    let token = "prometheus-scrape-0123456789";
    let closed = TestApp::configured(|c| c.metrics_token = Some(token.into())).await;
    let bearer = format!("Bearer {token}");
    let r = closed
        .send(get("192.0.2.7:40000", Some(&bearer), false))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("canhgac_http_responses_total"),
        "{}",
        r.text
    );
    for (peer, auth) in [
        ("192.0.2.7:40000", None),
        ("127.0.0.1:40000", None),
        (
            "192.0.2.7:40000",
            Some("Bearer prometheus-scrape-012345678"),
        ),
        (
            "192.0.2.7:40000",
            Some("Bearer prometheus-scrape-01234567890"),
        ),
        ("192.0.2.7:40000", Some(token)),
    ] {
        let r = closed.send(get(peer, auth, false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{peer} {auth:?}");
        assert!(!r.text.contains("canhgac_"), "{}", r.text);
    }
    // Health stays open: a load balancer asks it without credentials.
    assert_eq!(
        closed
            .send(
                axum::http::Request::get("/healthz")
                    .body(axum::body::Body::empty())
                    .unwrap()
            )
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let app = TestApp::new().await;
    let r = app.api("get", "/healthz", None, None).await;
    assert_eq!(r.json(), json!({"status": "ok", "store": "sqlite"}));
    let r = app.api("get", "/metrics", None, None).await;
    assert!(
        r.text
            .contains("canhgac_registry_records{kind=\"hosts\"} 4"),
        "{}",
        r.text
    );
    assert!(r
        .text
        .contains("# TYPE canhgac_http_responses_total counter"));
    let doc = app
        .api("get", "/api/v1/openapi.json", None, None)
        .await
        .json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/{entity}/{id}"]["patch"].is_object());
    assert_eq!(
        doc["components"]["schemas"]["hosts"]["properties"]["kind"]["enum"],
        json!(["server", "workstation", "network"])
    );
}

#[tokio::test]
async fn pages_speak_vietnamese_and_switch_to_english() {
    let app = TestApp::new().await;
    let b = app.session("admin@t.vn").await;
    let r = b.get("/hosts").await;
    assert!(r.text.contains("Máy chủ, máy trạm") && r.text.contains("lang=\"vi\""));
    let r = app
        .send(
            Request::get("/lang/en")
                .header(header::REFERER, "http://x/hosts")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(r.headers.get(header::LOCATION).expect("loc"), "/hosts");
    let lang = r
        .headers
        .get(header::SET_COOKIE)
        .expect("c")
        .to_str()
        .expect("s")
        .split(';')
        .next()
        .expect("kv")
        .to_string();
    let en = app
        .send(
            Request::get("/hosts")
                .header(header::COOKIE, format!("{}; {lang}", b.cookie))
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert!(en.text.contains(">Hosts<") && en.text.contains("lang=\"en\""));
}
