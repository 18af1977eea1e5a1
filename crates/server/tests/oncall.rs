//! On-call paging end to end, on both backends, with a real SMTP conversation (a local SMTP
//! server this test runs) and a local HTTP receiver standing in for a webhook consumer and the
//! Telegram bot API: a high alert pages the officer on duty by e-mail, their Telegram chat and
//! the organisation's webhook, each with an acknowledgement link; more alerts of the same group
//! count into the same page; nobody acknowledging, the administrator is paged after the
//! policy's minutes; the link acknowledges as the person it was sent to and paging stops; an
//! incident folds its alerts' pages into one; webhooks go only where the DIC administrator
//! allowed; another organisation sees none of it.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use canhgac_domain::duty::Slot;
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::Scope;
use canhgac_ops::oncall::{tick, Pager};
use canhgac_server::{router, AppState, ServerConfig};
use canhgac_store::{Actor, NewRoster, NewSignal, NewUser};
use common::TestApp;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A request the receiver took: its path and JSON body.
type Hits = Arc<Mutex<Vec<(String, Value)>>>;

/// A local HTTP/1.1 receiver: answers every POST `{"ok":true}` and keeps path and body.
async fn receiver() -> (u16, Hits) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let hits: Hits = Arc::new(Mutex::new(Vec::new()));
    let keep = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    let Some((head, body)) = text.split_once("\r\n\r\n") else {
                        continue;
                    };
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() < len {
                        continue;
                    }
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                    keep.lock()
                        .unwrap()
                        .push((path, serde_json::from_str(body).unwrap_or(Value::Null)));
                    let answer = "{\"ok\":true}";
                    let resp = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}", answer.len());
                    let _ = sock.write_all(resp.as_bytes()).await;
                    return;
                }
            });
        }
    });
    (port, hits)
}

fn configure(app: &mut TestApp, smtp_port: u16) -> Pager {
    let mailer = Arc::new(
        canhgac_ops::mail::Mailer::plain("127.0.0.1", smtp_port, "canhgac@stttt.test").unwrap(),
    );
    let cfg = ServerConfig {
        secure_cookies: false,
        monitor: canhgac_ops::monitor::MonitorConfig {
            bundled_rules: false,
            ..Default::default()
        },
        mailer: Some(mailer.clone()),
        public_url: "http://canhgac.test".into(),
        ..ServerConfig::default()
    };
    app.state = AppState::new(app.store.clone(), cfg);
    app.router = router(app.state.clone());
    Pager::new(Some(mailer), "http://canhgac.test").unwrap()
}

fn signal(org: i64, key: &str, title: &str, sev: Severity, at: i64) -> NewSignal {
    NewSignal {
        kind: SignalKind::SigmaAlert,
        source: "test".into(),
        title: title.into(),
        severity: sev,
        org_id: Some(org),
        host_id: None,
        dedup_key: key.into(),
        seen_at: at,
        window_ms: 3_600_000,
        payload: json!({}),
        host_name: Some("srv-01".into()),
        src_ip: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_page_the_officer_on_duty_and_escalate_until_acknowledged() {
    flow(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oncall_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => {
            let app = flow(app).await;
            app.cleanup().await;
        }
        None => eprintln!("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here"),
    }
}

async fn flow(mut app: TestApp) -> TestApp {
    let (smtp_port, mails) = smtp::start().await;
    let (port, hits) = receiver().await;
    let pager = configure(&mut app, smtp_port);
    let all = Scope::All;
    let sys = Actor::system("test");
    let td = app.orgs["TAMDUONG"];
    let vt = app.orgs["VIETTEL"];
    let now = canhgac_domain::time::now_ms();

    // The first pass only remembers where history ends.
    let r = tick(&app.store, &pager, now).await.unwrap();
    assert_eq!((r.opened, r.steps), (0, 0));

    // Tam Duong: td-staff is on duty now; an administrator to escalate to.
    let hash = canhgac_server::auth::hash_password(common::PASSWORD).unwrap();
    let admin = app
        .store
        .create_user(
            &all,
            &sys,
            &NewUser {
                email: "td-admin@t.vn".into(),
                full_name: "Quản trị Tam Đường".into(),
                password_hash: hash,
                role: canhgac_domain::Role::OrgAdmin,
                org_id: Some(td),
            },
        )
        .await
        .unwrap();
    let today = canhgac_domain::duty::local_date(now);
    let slot = Slot {
        date: today,
        code: "24h",
        starts_at: now - 3_600_000,
        ends_at: now + 23 * 3_600_000,
        night: false,
        off_day: true,
        holiday: None,
    };
    app.store
        .create_roster(
            &all,
            &sys,
            &NewRoster {
                org_id: td,
                name: "Trực".into(),
                pattern: canhgac_domain::duty::Pattern::DayNight,
                first: today,
                last: today,
                rules: Default::default(),
            },
            &[(slot, Some(app.users["td-staff@t.vn"]), None)],
        )
        .await
        .unwrap();

    // Webhooks only where the DIC administrator allowed.
    let dic = app.session("admin@t.vn").await;
    let staff = app.session("td-staff@t.vn").await;
    let refused = staff
        .post(
            "/oncall/channels",
            &[
                ("kind", "telegram"),
                ("label", "Telegram của tôi"),
                ("target", "12345"),
                ("endpoint", &format!("http://127.0.0.1:{port}/botTEST")),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(refused.text.contains("chưa cho phép"), "{}", refused.text);
    let r = staff
        .post("/oncall/destinations", &[("prefix", "http://127.0.0.1:1/")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only the DIC administrator allows destinations"
    );
    for prefix in [
        format!("http://127.0.0.1:{port}/botTEST"),
        format!("http://127.0.0.1:{port}/hook"),
    ] {
        let r = dic
            .post(
                "/oncall/destinations",
                &[("prefix", &prefix), ("note", "kiểm thử")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let r = staff
        .post(
            "/oncall/channels",
            &[
                ("kind", "telegram"),
                ("label", "Telegram của tôi"),
                ("target", "12345"),
                ("endpoint", &format!("http://127.0.0.1:{port}/botTEST")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = staff
        .post(
            "/oncall/channels",
            &[
                ("kind", "webhook"),
                ("shared", "1"),
                ("target", &format!("http://127.0.0.1:{port}/hook")),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a shared channel is the administrator's"
    );
    let tdadmin = app.session("td-admin@t.vn").await;
    let r = tdadmin
        .post(
            "/oncall/channels",
            &[
                ("kind", "webhook"),
                ("shared", "1"),
                ("label", "Nhóm trực"),
                (
                    "target",
                    &format!("http://127.0.0.1:{port}/hook/canhgac?k=secret"),
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = tdadmin
        .post(
            "/oncall/channels",
            &[
                ("kind", "webhook"),
                ("shared", "1"),
                ("target", &format!("http://127.0.0.1:{port}/other")),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside the allowed prefixes"
    );

    // A high alert, two more of its group, a low one (no page) and Viettel's own.
    let (a1, _) = app
        .store
        .raise_signal(&signal(
            td,
            "td:brute",
            "Dò mật khẩu SSH trên srv-01",
            Severity::High,
            now,
        ))
        .await
        .unwrap();
    app.store
        .raise_signal(&signal(
            td,
            "td:brute",
            "Dò mật khẩu SSH trên srv-01",
            Severity::High,
            now + 1000,
        ))
        .await
        .unwrap();
    app.store
        .raise_signal(&signal(
            td,
            "td:shell",
            "Web shell trên srv-01",
            Severity::Critical,
            now + 2000,
        ))
        .await
        .unwrap();
    app.store
        .raise_signal(&signal(
            td,
            "td:low",
            "Quét cổng",
            Severity::Low,
            now + 3000,
        ))
        .await
        .unwrap();
    let (v1, _) = app
        .store
        .raise_signal(&signal(
            vt,
            "vt:ddos",
            "Tấn công từ chối dịch vụ",
            Severity::Critical,
            now,
        ))
        .await
        .unwrap();

    let r = tick(&app.store, &pager, now + 5000).await.unwrap();
    assert_eq!(r.opened, 2, "{r:?}");
    let pages = app
        .store
        .oncall_pages(&Scope::Orgs([td].into()), false, None, 10)
        .await
        .unwrap();
    assert_eq!(pages.len(), 1, "one page for the group, not one per event");
    let page = &pages[0];
    assert_eq!(
        (page.source_id, page.events, page.state.as_str()),
        (a1, 2, "open")
    );
    // E-mail to the officer on duty, their Telegram chat, the shared webhook.
    let m = mails.lock().unwrap().clone();
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].to, vec!["td-staff@t.vn".to_string()]);
    assert_eq!(m[0].from, "canhgac@stttt.test");
    assert!(
        smtp::subject(&m[0].data).contains("Dò mật khẩu SSH"),
        "{}",
        m[0].data
    );
    let h = hits.lock().unwrap().clone();
    assert_eq!(h.len(), 2, "{h:?}");
    let tg = h
        .iter()
        .find(|(p, _)| p == "/botTEST/sendMessage")
        .expect("telegram");
    assert_eq!(tg.1["chat_id"], 12345);
    let tg_ack = tg.1["reply_markup"]["inline_keyboard"][0][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        tg_ack.starts_with("http://canhgac.test/oncall/ack/"),
        "{tg_ack}"
    );
    let hook = h
        .iter()
        .find(|(p, _)| p == "/hook/canhgac?k=secret")
        .expect("webhook");
    assert_eq!(hook.1["type"], "canhgac.page");
    assert_eq!(hook.1["organisation"]["code"], "TAMDUONG");
    assert_eq!(
        hook.1["source"]["url"],
        format!("http://canhgac.test/signals/{a1}")
    );
    assert!(hook.1["ack_url"]
        .as_str()
        .unwrap()
        .starts_with("http://canhgac.test/oncall/ack/"));
    // Viettel has nobody on duty and no channel: the page says so.
    let vpage = app
        .store
        .page_of(&all, "signal", v1)
        .await
        .unwrap()
        .unwrap();
    let vd = app.store.page_deliveries(&all, vpage.id).await.unwrap();
    assert_eq!((vd.len(), vd[0].detail.as_str()), (1, "nobody"));

    // Another alert of the group later counts in; nothing is sent before the policy's minutes.
    app.store
        .raise_signal(&signal(
            td,
            "td:shell2",
            "Web shell thứ hai",
            Severity::High,
            now + 60_000,
        ))
        .await
        .unwrap();
    let r = tick(&app.store, &pager, now + 5 * 60_000).await.unwrap();
    assert_eq!((r.opened, r.steps), (0, 0), "{r:?}");
    assert_eq!(
        app.store
            .oncall_page(&all, page.id)
            .await
            .unwrap()
            .unwrap()
            .events,
        3
    );
    assert_eq!(mails.lock().unwrap().len(), 1);

    // 15 minutes unacknowledged: the administrator.
    let r = tick(&app.store, &pager, now + 16 * 60_000).await.unwrap();
    assert!(r.steps >= 1, "{r:?}");
    let m = mails.lock().unwrap().clone();
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(m[1].to, vec!["td-admin@t.vn".to_string()]);

    // The Telegram link: GET changes nothing, POST acknowledges as the officer it was sent to.
    let path = tg_ack.trim_start_matches("http://canhgac.test").to_string();
    let r = app
        .send(Request::get(&path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("link-ack"), "{}", r.text);
    assert_eq!(
        app.store
            .oncall_page(&all, page.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "open"
    );
    let r = app
        .send(Request::post(&path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("link-acked"), "{}", r.text);
    let p = app.store.oncall_page(&all, page.id).await.unwrap().unwrap();
    assert_eq!(
        (p.state.as_str(), p.acked_by.as_deref()),
        ("acknowledged", Some("td-staff@t.vn"))
    );
    let r = app
        .send(Request::post(&path).body(Body::empty()).unwrap())
        .await;
    assert!(
        r.text.contains("link-done"),
        "a second press says it is done"
    );
    let r = app
        .send(
            Request::get("/oncall/ack/0000")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Acknowledged: no more steps for it.
    let before = mails.lock().unwrap().len();
    tick(&app.store, &pager, now + 120 * 60_000).await.unwrap();
    assert_eq!(
        mails.lock().unwrap().len(),
        before,
        "an acknowledged page stays quiet"
    );
    let (audit, _) = app
        .store
        .list_audit(
            &all,
            &canhgac_store::AuditQuery {
                entity: Some("oncall_pages".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "acknowledge" && a.user_email == "td-staff@t.vn"),
        "{audit:?}"
    );

    // Viettel opens an incident from its alert: one page for the incident, the alert's folded in.
    let vts = app.session("vt-staff@t.vn").await;
    let inc = canhgac_ops::incidents::open_from_signal(&app.store, &all, &sys, v1)
        .await
        .unwrap();
    let r = tick(&app.store, &pager, now + 121 * 60_000).await.unwrap();
    assert_eq!(r.opened, 1, "{r:?}");
    let ipage = app
        .store
        .page_of(&all, "incident", inc.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.store
            .oncall_page(&all, vpage.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "merged"
    );
    assert_eq!(ipage.events, 2);
    let r = vts.get(&format!("/oncall/pages/{}", vpage.id)).await;
    assert!(
        r.text.contains(&format!("/incidents/{}", inc.id)),
        "the folded page names the incident"
    );

    // Pages and screens per organisation.
    let r = staff.get("/oncall?all=1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("Dò mật khẩu SSH") && !r.text.contains("Tấn công từ chối"),
        "{}",
        r.text
    );
    assert_eq!(
        staff
            .get(&format!("/oncall/pages/{}", ipage.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = staff.get(&format!("/oncall/pages/{}", page.id)).await;
    assert!(
        r.text.contains("page-deliveries") && r.text.contains("Telegram"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("secret"), "a webhook's query is not shown");
    let token = app.token("vt-staff@t.vn").await;
    let r = app
        .api("GET", "/api/v1/oncall/pages", Some(&token), None)
        .await;
    let ids: Vec<i64> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["org_id"].as_i64().unwrap())
        .collect();
    assert!(!ids.is_empty() && ids.iter().all(|o| *o == vt), "{ids:?}");
    let r = app
        .api(
            "POST",
            &format!("/api/v1/oncall/pages/{}/ack", page.id),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another organisation's page"
    );
    let r = app
        .api(
            "POST",
            &format!("/api/v1/oncall/pages/{}/ack", ipage.id),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.api(
            "POST",
            &format!("/api/v1/oncall/pages/{}/ack", ipage.id),
            Some(&token),
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );

    // The overview's counts agree with the lists.
    for (scope, user) in [
        (Scope::Orgs([td].into()), app.users["td-staff@t.vn"]),
        (Scope::All, app.users["vt-staff@t.vn"]),
    ] {
        let (open, mine) = app.store.open_page_counts(&scope, user).await.unwrap();
        assert_eq!(
            open as usize,
            app.store
                .oncall_pages(&scope, true, None, 1000)
                .await
                .unwrap()
                .len()
        );
        assert_eq!(
            mine as usize,
            app.store
                .oncall_pages(&scope, true, Some(user), 1000)
                .await
                .unwrap()
                .len()
        );
    }
    // The administrator's policy, every problem named.
    let r = tdadmin
        .post(
            "/oncall/policy",
            &[("step1", "on_duty"), ("wait1", "0"), ("repeat", "9")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("step1") && r.text.contains("0 đến 5"),
        "{}",
        r.text
    );
    let r = tdadmin
        .post(
            "/oncall/policy",
            &[
                ("step1", "on_duty"),
                ("step1", "channels"),
                ("wait1", "5"),
                ("step2", "dic_duty"),
                ("wait2", "10"),
                ("repeat", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let p = app.store.oncall_policy(td).await.unwrap();
    assert_eq!(
        (p.steps.len(), p.steps[0].wait_minutes, p.repeat),
        (2, 5, 0)
    );
    assert_eq!(
        staff
            .post("/oncall/policy", &[("step1", "on_duty"), ("wait1", "5")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let _ = admin;
    app
}
