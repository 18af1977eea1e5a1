//! Log sources as they really arrive: a FortiGate line and an nginx access line over the ingest
//! API, an IIS log and a Windows Event Forwarding XML file uploaded — each a source with its
//! format, organisation and the rules it feeds; a source that stops sending for much longer
//! than its habit raises one alert to its own organisation (not another's), which clears when
//! it sends again.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use canhgac_domain::signal::SignalKind;
use canhgac_domain::Scope;
use canhgac_ops::monitor::{check_silent_sources, SilenceRule};
use canhgac_store::{NewEvent, SignalFilter, SourceSort};
use common::TestApp;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_formats_and_silence() {
    flow(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => flow(app).await,
        None => eprintln!("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here"),
    }
}

async fn flow(app: TestApp) {
    let admin = app.token("admin@t.vn").await;
    let syt = app.orgs["SYT"];
    let td = app.orgs["TAMDUONG"];
    let fw = format!("{}-fgt", common::marker("SYT"));
    let web = format!("{}-web02", common::marker("TAMDUONG"));
    for (org, host, ip) in [(syt, &fw, "192.0.2.161"), (td, &web, "192.0.2.162")] {
        app.store
            .create(
                canhgac_domain::entity::EntityKind::Host,
                &Scope::All,
                &canhgac_store::Actor::system("test"),
                &json!({"org_id": org, "hostname": host, "kind": "server", "ips": ip})
                    .as_object()
                    .cloned()
                    .unwrap(),
            )
            .await
            .unwrap();
    }
    // Three SigmaHQ rules, from the bundled set (the test server does not load it whole).
    for path in [
        "sigma/rules/network/firewall/net_firewall_cleartext_protocols.yml",
        "sigma/rules/web/webserver_generic/web_path_traversal_exploitation_attempt.yml",
        "sigma/rules/windows/builtin/security/win_security_audit_log_cleared.yml",
    ] {
        let text = canhgac_ops::monitor::bundled_rule_text(path)
            .unwrap_or_else(|| panic!("bundled {path}"));
        let r = app
            .api_bytes(
                "/api/v1/rules?filename=r.yml",
                &admin,
                text.as_bytes().to_vec(),
            )
            .await;
        assert!(r.status.is_success(), "{path}: {}", r.text);
    }
    // A FortiGate traffic line (its own key=value, no syslog header) and an nginx access line
    // forwarded by Fluent Bit, as one NDJSON body.
    let lines = [
        json!({"log": format!("<189>date=2026-11-25 time=09:00:01 devname=\"{fw}\" devid=\"FG100FTK22900001\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" srcip=10.20.1.5 srcport=51514 srcintf=\"internal\" dstip=203.0.113.80 dstport=23 dstintf=\"wan1\" sessionid=1 proto=6 action=\"accept\" policyid=1 service=\"TELNET\"")}),
        json!({"log": format!("<190>Nov 25 09:00:02 {web} nginx: 203.0.113.9 - - [25/Nov/2026:09:00:02 +0700] \"GET /index.php?page=../../../etc/passwd HTTP/1.1\" 404 153 \"-\" \"curl/8.5\"")}),
    ];
    let body = lines
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let r = app
        .api_bytes("/api/v1/ingest", &admin, body.into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // An IIS log and a WEF XML file, uploaded by the agency's own staff.
    let b = app.session("td-staff@t.vn").await;
    let iis = String::from(
        "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n\
         #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken\r\n\
         2026-11-25 02:00:03 192.0.2.162 GET /default.aspx q=../../../etc/passwd 443 - 203.0.113.9 curl/8.5 404 0 2 15\r\n"
    );
    let r = b
        .upload(
            "/events/upload",
            &[("file", "u_ex261125.log", iis.as_bytes())],
        )
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.text
    );
    let wef = format!(
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Eventlog"/><EventID>1102</EventID><TimeCreated SystemTime="2026-11-25T02:00:04.000Z"/><Channel>Security</Channel><Computer>{web}</Computer></System><UserData><LogFileCleared><SubjectUserName>an.nv</SubjectUserName></LogFileCleared></UserData></Event>"#
    );
    let r = b
        .upload(
            "/events/upload",
            &[("file", "forwarded.xml", wef.as_bytes())],
        )
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.text
    );

    let all = app
        .store
        .log_sources(&Scope::All, None, None, SourceSort::Busiest, 100, 0)
        .await
        .unwrap();
    let find = |key: &str, format: &str| {
        all.iter()
            .find(|s| s.source_key == key && s.format == format)
            .unwrap_or_else(|| panic!("{key} {format}: {all:?}"))
    };
    let f = find(&fw, "fortigate");
    assert_eq!(f.org_id, Some(syt));
    assert_eq!(f.category.as_deref(), Some("firewall"));
    assert_eq!(f.service.as_deref(), Some("traffic"));
    let n = find(&web, "web-access-syslog");
    assert_eq!(n.org_id, Some(td));
    assert_eq!(n.category.as_deref(), Some("webserver"));
    assert_eq!(find(&web, "wef-xml").service.as_deref(), Some("security"));
    // The IIS line names no host: its source is the uploader's organisation, by format.
    assert!(
        all.iter()
            .any(|s| s.format == "iis-w3c" && s.org_id == Some(td)),
        "{all:?}"
    );
    // What they raised: the firewall's cleartext rule, the path traversal (nginx and IIS),
    // the cleared Security log — the same rules as their native forms.
    let (alerts, _) = app
        .store
        .list_signals(
            &Scope::All,
            &SignalFilter {
                kind: Some(SignalKind::SigmaAlert),
                limit: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let titles: Vec<&str> = alerts.iter().map(|a| a.title.as_str()).collect();
    for want in [
        "Cleartext Protocol Usage",
        "Path Traversal Exploitation Attempts",
        "Security Eventlog Cleared",
    ] {
        assert!(
            titles.iter().any(|t| t.starts_with(want)),
            "{want}: {titles:?}"
        );
    }

    // The pages: the agency sees its own sources only, each with its rules.
    let page = b.get("/sources").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&web), "{}", page.text);
    assert!(!page.text.contains(&fw));
    assert!(page.text.contains("Nhật ký truy cập web qua syslog"));
    let detail = b.get(&format!("/sources/{}", n.id)).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.text.contains("Path Traversal Exploitation Attempts"));
    assert_eq!(
        b.get(&format!("/sources/{}", f.id)).await.status,
        StatusCode::NOT_FOUND
    );
    let dic = app.session("admin@t.vn").await;
    assert!(dic.get("/sources").await.text.contains(&fw));
    let monitor = dic.get("/monitor").await;
    for id in ["fw-nginx", "fw-nxlog", "fw-winlogbeat", "fw-syslog-ng"] {
        assert!(monitor.text.contains(id), "{id}");
    }

    // Silence: a host that sent every minute for half an hour, then nothing for two hours.
    let now = canhgac_domain::time::now_ms();
    let quiet = format!("{}-db01", common::marker("SYT"));
    let evs: Vec<NewEvent> = (0..30)
        .map(|i| {
            let at = now - 2 * 3_600_000 - (30 - i) * 60_000;
            NewEvent {
                received_at: at,
                at,
                org_id: Some(syt),
                host_name: Some(quiet.clone()),
                transport: "udp".into(),
                format: "syslog".into(),
                product: Some("linux".into()),
                service: Some("syslog".into()),
                message: format!("tick {i}"),
                fields: "{}".into(),
                ..Default::default()
            }
        })
        .collect();
    // One batch per event, as a forwarder sending once a minute would arrive.
    for e in evs {
        app.store.insert_events(vec![e]).await.unwrap();
    }
    let raised = check_silent_sources(&app.store, now, SilenceRule::default())
        .await
        .unwrap();
    assert_eq!(raised, 1, "only the silent host");
    assert_eq!(
        check_silent_sources(&app.store, now + 60_000, SilenceRule::default())
            .await
            .unwrap(),
        0,
        "raised once"
    );
    let silent = app
        .store
        .list_signals(
            &Scope::All,
            &SignalFilter {
                kind: Some(SignalKind::SourceSilent),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
    assert_eq!(silent.len(), 1);
    assert_eq!(silent[0].org_id, Some(syt));
    assert!(silent[0].title.contains(&quiet), "{}", silent[0].title);
    // The agency's own admin sees it; another organisation does not.
    let syt_admin = app.session("syt-admin@t.vn").await;
    let r = syt_admin.get(&format!("/signals/{}", silent[0].id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        b.get(&format!("/signals/{}", silent[0].id)).await.status,
        StatusCode::NOT_FOUND
    );
    let src = app
        .store
        .log_sources(&Scope::All, Some(syt), None, SourceSort::Quietest, 100, 0)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.source_key == quiet)
        .unwrap();
    assert_eq!(src.silent_signal_id, Some(silent[0].id));
    assert!(syt_admin.get("/sources").await.text.contains("Ngừng gửi"));
    // It speaks again: the silence is over.
    app.store
        .insert_events(vec![NewEvent {
            received_at: now,
            at: now,
            org_id: Some(syt),
            host_name: Some(quiet.clone()),
            transport: "udp".into(),
            format: "syslog".into(),
            message: "back".into(),
            fields: "{}".into(),
            ..Default::default()
        }])
        .await
        .unwrap();
    let src = app
        .store
        .log_source(&Scope::All, src.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(src.silent_signal_id, None);
    assert_eq!(src.events, 31);
    app.cleanup().await;
}

/// A province's sources are listed a hundred at a time, with a pager; the summary and the wall
/// count every source of the scope, not only the page's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sources_list_is_paged_and_its_totals_count_every_source() {
    let app = TestApp::new().await;
    let td = app.orgs["TAMDUONG"];
    let now = canhgac_domain::time::now_ms();
    let events: Vec<NewEvent> = (0..130)
        .map(|i| NewEvent {
            received_at: now - i,
            at: now - i,
            org_id: Some(td),
            host_name: Some(format!("pager-src-{i:03}")),
            format: "syslog".into(),
            transport: "udp".into(),
            message: format!("line {i}"),
            fields: "{}".into(),
            ..Default::default()
        })
        .collect();
    app.store.insert_events(events).await.unwrap();
    // Rows of the table: each links to the rules its source feeds.
    let rows = |text: &str| text.matches("#source-rules\"").count();
    let tree = app.store.org_tree().await.unwrap();
    for (email, scope) in [
        ("admin@t.vn", Scope::All),
        (
            "td-staff@t.vn",
            Scope::for_user(canhgac_domain::Role::OrgStaff, Some(td), &tree),
        ),
    ] {
        let total = app
            .store
            .log_source_totals(&scope, 0)
            .await
            .unwrap()
            .sources;
        assert!(total >= 130, "{email}: {total}");
        let b = app.session(email).await;
        let first = b.get("/sources?sort=quietest").await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(rows(&first.text), 100, "{email}: a page of a hundred");
        let summary = first
            .text
            .split("sources-summary")
            .nth(1)
            .unwrap_or_default();
        assert!(
            summary.starts_with(&format!("\"><div class=\"stat\"><b>{total}</b>")),
            "{email}: the summary counts all {total}"
        );
        assert!(
            first.text.contains("offset=100") && first.text.contains("sort=quietest"),
            "{email}: the next page keeps the order"
        );
        let second = b.get("/sources?sort=quietest&offset=100").await;
        assert_eq!(
            rows(&second.text),
            (total - 100) as usize,
            "{email}: the rest"
        );
        // The wall counts every source too.
        let wall = b.get("/wall").await;
        assert!(
            wall.text.contains(&format!("<b>{total}</b>nguồn nhật ký")),
            "{email}: the wall's log sources"
        );
    }
    let token = app.token("td-staff@t.vn").await;
    let all = app
        .api("get", "/api/v1/sources?limit=1000", Some(&token), None)
        .await;
    let total = all.json().as_array().map_or(0, Vec::len);
    assert!(total >= 130);
    let page = app
        .api(
            "get",
            "/api/v1/sources?limit=50&offset=120",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.json().as_array().map(Vec::len),
        Some((total - 120).min(50)),
        "the API pages the same way"
    );
    let first = app.api("get", "/api/v1/sources", Some(&token), None).await;
    assert_eq!(
        first.json().as_array().map(Vec::len),
        Some(100),
        "a hundred unless asked"
    );
    app.cleanup().await;
}
