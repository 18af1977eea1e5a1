//! Incidents end to end, on both backends: a Sigma alert on a host of a level-4 system opens an
//! incident whose Decision 05 severity is computed (serious only with an impact and beyond the
//! owner), a second alert joins it and similar incidents are suggested, a response plan makes
//! the organisation's tasks, stages keep their times and the durations follow, observables are
//! checked against the Botnet lists and exported as STIX 2.1 and MISP, evidence is stored under
//! its SHA-256 and only downloaded, and bad input is refused by field.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::Scope;
use canhgac_store::{Actor, NewSignal};
use common::TestApp;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_from_signal_to_closed() {
    flow(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => flow(app).await,
        None => eprintln!("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here"),
    }
}

async fn flow(app: TestApp) {
    let all = Scope::All;
    let sys = Actor::system("test");
    canhgac_ops::incidents::ensure_plans(&app.store)
        .await
        .unwrap();
    assert_eq!(
        canhgac_ops::incidents::ensure_plans(&app.store)
            .await
            .unwrap(),
        0,
        "seeded once"
    );
    let syt = app.orgs["SYT"];
    // A level-4 system with a host, and two alerts on that host.
    let system = app
        .store
        .create(
            canhgac_domain::entity::EntityKind::System,
            &all,
            &sys,
            json!({"org_id": syt, "name": "Hệ thống bệnh án điện tử", "level": 4})
                .as_object()
                .unwrap(),
        )
        .await
        .unwrap();
    let system_id = system["id"].as_i64().unwrap();
    let host = format!("{}-his01", common::marker("SYT"));
    let h = app
        .store
        .create(
            canhgac_domain::entity::EntityKind::Host,
            &all,
            &sys,
            json!({"org_id": syt, "hostname": host, "kind": "server", "ips": "192.0.2.201", "system_id": system_id})
                .as_object()
                .unwrap(),
        )
        .await
        .unwrap();
    let host_id = h["id"].as_i64().unwrap();
    let raise = |title: &str, key: &str, ip: &str| NewSignal {
        kind: SignalKind::SigmaAlert,
        source: key.to_string(),
        title: title.to_string(),
        severity: Severity::High,
        org_id: Some(syt),
        host_id: Some(host_id),
        dedup_key: format!("test:{key}"),
        seen_at: canhgac_domain::time::now_ms() - 3_600_000,
        window_ms: 0,
        payload: json!({}),
        host_name: Some(host.clone()),
        src_ip: Some(ip.to_string()),
    };
    let (s1, _) = app
        .store
        .raise_signal(&raise("Shadow copies deleted", "rule-a", "203.0.113.77"))
        .await
        .unwrap();
    let (s2, _) = app
        .store
        .raise_signal(&raise(
            "Suspicious encoded PowerShell",
            "rule-b",
            "203.0.113.77",
        ))
        .await
        .unwrap();

    // Open from the first alert, as the agency's admin, through the page.
    let b = app.session("syt-admin@t.vn").await;
    let r = b.post(&format!("/signals/{s1}/incident"), &[]).await;
    assert!(r.status.is_redirection(), "{}", r.text);
    let loc = r.location();
    let id: i64 = loc.trim_start_matches("/incidents/").parse().unwrap();
    let inc = app.store.incident(&all, id).await.unwrap().unwrap();
    assert_eq!(inc.org_id, syt);
    assert_eq!(
        inc.category, "encryption",
        "shadow copies suggest ransomware"
    );
    // No impact recorded yet: ordinary, even on a level-4 system.
    assert_eq!(inc.gravity, "ordinary");
    assert_eq!(inc.stage, "reported");
    // The second alert's page suggests this incident (same host and attacker), and joins it.
    let page = app
        .session("admin@t.vn")
        .await
        .get(&format!("/signals/{s2}"))
        .await;
    let page = if page.status.is_redirection() {
        app.session("admin@t.vn").await.get(&page.location()).await
    } else {
        page
    };
    assert!(
        page.text.contains(&format!("/incidents/{id}")),
        "suggested: {}",
        page.text
    );
    let r = b
        .post(
            &format!("/signals/{s2}/incident"),
            &[("incident", &id.to_string())],
        )
        .await;
    assert!(r.status.is_redirection());
    let linked = app.store.incident_signals(&all, id).await.unwrap();
    assert_eq!(linked.len(), 2);
    // The attacker's address is an observable already; the host and its system are affected.
    let obs = app.store.incident_observables(&all, id).await.unwrap();
    assert!(obs.iter().any(|o| o.value == "203.0.113.77"));
    let assets = app.store.incident_assets(&all, id).await.unwrap();
    assert!(assets
        .iter()
        .any(|a| a.kind == "host" && a.ref_id == host_id && a.level == Some(4)));

    // Severity by the rule, through the API: serious with an impact and beyond the owner.
    let token = app.token("syt-admin@t.vn").await;
    let r = app
        .api(
            "post",
            "/api/v1/incidents",
            Some(&token),
            Some(json!({"title": "Ransomware HIS", "category": "encryption", "impacts": ["service_interruption"],
                "beyond_owner": true, "systems": [system_id], "techniques": ["T1486", "t1490"], "tlp": "red"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let serious = r.json();
    assert_eq!(serious["gravity"], "serious");
    assert_eq!(serious["techniques"], "T1486,T1490");
    // Overriding needs a reason; bad techniques and categories are named.
    let r = app
        .api(
            "post",
            "/api/v1/incidents",
            Some(&token),
            Some(json!({"title": "x", "category": "malware", "gravity": "serious"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("gravity_reason"), "{}", r.text);
    let r = app
        .api(
            "post",
            "/api/v1/incidents",
            Some(&token),
            Some(json!({"title": "", "category": "nope", "techniques": ["T12"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["title", "category", "techniques"] {
        assert!(r.text.contains(f), "{f}: {}", r.text);
    }

    // Notes and the severity through the API: an override needs its reason.
    let r = app
        .api(
            "post",
            &format!("/api/v1/incidents/{id}/notes"),
            Some(&token),
            Some(json!({"note": "Đã gọi nhà mạng"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .api(
            "post",
            &format!("/api/v1/incidents/{id}/gravity"),
            Some(&token),
            Some(json!({"gravity": "serious"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = app
        .api(
            "post",
            &format!("/api/v1/incidents/{id}/gravity"),
            Some(&token),
            Some(json!({"gravity": "serious", "reason": "Hệ thống bệnh án ngừng phục vụ"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["gravity"], "serious");
    assert_eq!(r.json()["gravity_computed"], "ordinary");

    // A plan: its steps become the organisation's tasks.
    let plans = app.store.list_plans(&all).await.unwrap();
    let ransomware = plans.iter().find(|p| p.category == "encryption").unwrap();
    let r = b
        .post(
            &format!("/incidents/{id}/plan"),
            &[("plan_id", &ransomware.id.to_string())],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    let tasks = app.store.incident_tasks(&all, id).await.unwrap();
    assert_eq!(tasks.len(), 7);
    assert!(tasks.iter().all(|t| t.org_id == syt && t.due_at.is_some()));
    let again = b
        .post(
            &format!("/incidents/{id}/plan"),
            &[("plan_id", &ransomware.id.to_string())],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a plan starts once");

    // Stages move forward only and keep their times.
    for stage in ["triaged", "contained"] {
        let r = b
            .post(
                &format!("/incidents/{id}/stage"),
                &[("stage", stage), ("note", "đã làm")],
            )
            .await;
        assert!(r.status.is_redirection(), "{stage}: {}", r.text);
    }
    let back = b
        .post(&format!("/incidents/{id}/stage"), &[("stage", "triaged")])
        .await;
    assert_eq!(back.status, StatusCode::CONFLICT);
    let inc = app.store.incident(&all, id).await.unwrap().unwrap();
    assert!(inc.triaged_at.is_some() && inc.contained_at.is_some());
    assert!(inc.times().to_contain().unwrap() >= 0);
    let page = b.get(&format!("/incidents/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Đã ngăn chặn"));
    assert!(page.text.contains("0/7"), "progress shown");

    // Observables: checked against a Botnet list, exported for sharing.
    let r = b
        .post(
            &format!("/incidents/{id}/observables"),
            &[("kind", "hash"), ("value", "nope")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .post(
            &format!("/incidents/{id}/observables"),
            &[("kind", "domain"), ("value", "Evil.Example")],
        )
        .await;
    assert!(r.status.is_redirection());
    let stix = b.get(&format!("/incidents/{id}/stix")).await;
    assert_eq!(stix.status, StatusCode::OK);
    let bundle: serde_json::Value = serde_json::from_str(&stix.text).unwrap();
    assert_eq!(bundle["type"], "bundle");
    let patterns: Vec<String> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["pattern"].as_str().map(str::to_string))
        .collect();
    assert!(
        patterns.contains(&"[ipv4-addr:value = '203.0.113.77']".to_string()),
        "{patterns:?}"
    );
    assert!(patterns.contains(&"[domain-name:value = 'evil.example']".to_string()));
    let misp = b.get(&format!("/incidents/{id}/misp")).await;
    let ev: serde_json::Value = serde_json::from_str(&misp.text).unwrap();
    assert!(ev["Event"]["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["type"] == "ip-dst"));

    // Evidence: stored by content, downloaded as an attachment, never inline.
    let r = b
        .upload(
            &format!("/incidents/{id}/evidence"),
            &[("file", "<script>.html", b"<script>alert(1)</script>")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    let ev = app.store.incident_evidence(&all, id).await.unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].sha256.len(), 64);
    let dl = b.get(&format!("/evidence/{}", ev[0].id)).await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(dl.headers["content-type"], "application/octet-stream");
    assert!(dl.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(dl.text, "<script>alert(1)</script>");

    // Another organisation sees none of it.
    let other = app.session("td-staff@t.vn").await;
    assert_eq!(
        other.get(&format!("/incidents/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get(&format!("/evidence/{}", ev[0].id)).await.status,
        StatusCode::NOT_FOUND
    );
    // The timeline recorded every step; the audit log every change.
    let tl = app.store.incident_timeline(&all, id).await.unwrap();
    for kind in [
        "created",
        "signal",
        "plan",
        "task",
        "stage",
        "observable",
        "evidence",
    ] {
        assert!(tl.iter().any(|e| e.kind == kind), "{kind} on the timeline");
    }
    let (audit, _) = app
        .store
        .list_audit(
            &all,
            &canhgac_store::AuditQuery {
                entity: Some("incidents".into()),
                entity_id: Some(id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(audit.len() >= 4, "{} audit rows", audit.len());
    app.cleanup().await;
}

/// The new-incident form takes affected hosts by name or address too (a province has more
/// hosts than its list can show), only within the caller's scope, and says which it could not
/// place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn affected_hosts_by_name_or_address() {
    let app = TestApp::new().await;
    let td = app.orgs["TAMDUONG"];
    let b = app.session("td-staff@t.vn").await;
    let name = format!("{}-web01", common::marker("TAMDUONG"));
    let form = |hosts: String| {
        vec![
            ("org_id".to_string(), td.to_string()),
            ("title".to_string(), "Mã độc trên máy chủ".to_string()),
            ("category".to_string(), "malware".to_string()),
            ("host_names".to_string(), hosts),
        ]
    };
    let post = |f: Vec<(String, String)>| {
        let b = &b;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            b.post("/incidents", &f).await
        }
    };
    // Its name and its address name one host: it is affected once.
    let r = post(form(format!(" {name} ; 198.51.100.49,"))).await;
    assert!(r.status.is_redirection(), "{}", r.text);
    let id: i64 = r
        .location()
        .trim_start_matches("/incidents/")
        .parse()
        .unwrap();
    let assets = app.store.incident_assets(&Scope::All, id).await.unwrap();
    let hosts: Vec<&str> = assets
        .iter()
        .filter(|a| a.kind == "host")
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(hosts, vec![name.as_str()]);
    // Another organisation's host is not found, by name or by address; nor is an unknown one.
    let syt = format!("{}-web01", common::marker("SYT"));
    for wrong in [syt.as_str(), "198.51.100.17", "khong-co-may-nay"] {
        let r = post(form(format!("{name}, {wrong}"))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{wrong}");
        assert!(r.text.contains(wrong), "the error names {wrong}");
        assert!(
            !r.text.contains(&format!("{syt} (")),
            "nothing of SYT is shown"
        );
    }
}
