//! The Botnet IP list loop through the API: import in the forms lists arrive in, findings
//! per organisation, month-over-month difference, hunting tasks that the next list closes
//! or reopens, retro-hunt.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{json, Value};

async fn import(app: &TestApp, token: &str, query: &str, body: &[u8]) -> common::Reply {
    app.api_bytes(
        &format!("/api/v1/botnet-lists?{query}"),
        token,
        body.to_vec(),
    )
    .await
}

fn task_of<'a>(items: &'a [Value], value: &str) -> &'a Value {
    items
        .iter()
        .find(|w| w["subject"] == json!(format!("botnet:botnet:{value}")))
        .unwrap_or_else(|| panic!("no task for {value}"))
}

#[tokio::test]
async fn the_next_monthly_list_closes_or_reopens_hunting_tasks() {
    monthly_loop(&TestApp::new().await).await;
}

#[tokio::test]
async fn the_loop_holds_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => {
            monthly_loop(&app).await;
            app.cleanup().await;
        }
        None => eprintln!(
            "CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here (CI sets it)"
        ),
    }
}

async fn monthly_loop(app: &TestApp) {
    let op = app.token("operator@t.vn").await;
    // The fixture's October list named 198.51.100.17 (SYT), .33 (SYT-BV), .49 (TAMDUONG), .65 (VIETTEL).
    let november = "STT;Địa chỉ IP;Tên mã độc;Thời gian phát hiện\n1;198.51.100.17;Mirai;14/11/2026\n2;198.51.100.49;Gafgyt;14/11/2026\n3;203.0.113.99;Emotet;\n";
    let r = import(
        app,
        &op,
        "period=11/2026&version=monthly&kind=botnet",
        november.as_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let report = r.json();
    assert_eq!(report["format"], "csv");
    // The signal of a host's listed address names the host, so triage lists show and group it.
    let sigs = app
        .api(
            "get",
            "/api/v1/signals?kind=botnet_finding&q=198.51.100.17&limit=50",
            Some(&op),
            None,
        )
        .await
        .json();
    let syt_host = format!("{}-web01", common::marker("SYT"));
    assert!(
        sigs["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|s| s["host_name"] == json!(syt_host)),
        "{sigs}"
    );
    assert_eq!(
        (
            report["entries"].clone(),
            report["recurring"].clone(),
            report["new"].clone(),
            report["gone"].clone()
        ),
        (json!(3), json!(2), json!(1), json!(3))
    );
    assert_eq!(
        (
            report["tasks_reopened"].clone(),
            report["tasks_closed"].clone(),
            report["tasks_created"].clone()
        ),
        (json!(2), json!(2), json!(0))
    );

    let admin = app.token("admin@t.vn").await;
    let work = app
        .api(
            "get",
            "/api/v1/work-items?kind=hunt_task&limit=100",
            Some(&admin),
            None,
        )
        .await
        .json();
    let items = work["items"].as_array().unwrap();
    assert_eq!(
        task_of(items, "198.51.100.33")["state"],
        "closed",
        "absent from the next list: verified clean"
    );
    assert_eq!(task_of(items, "198.51.100.65")["state"], "closed");
    assert_eq!(
        task_of(items, "198.51.100.17")["escalated"],
        true,
        "listed again: escalated"
    );
    // The organisation's staff see their own finding first, marked recurring.
    let td = app.token("td-staff@t.vn").await;
    let lists = app
        .api("get", "/api/v1/botnet-lists", Some(&td), None)
        .await
        .json();
    let nov = lists["items"][0]["id"].as_i64().unwrap();
    let f = app
        .api(
            "get",
            &format!("/api/v1/botnet-findings?list={nov}"),
            Some(&td),
            None,
        )
        .await
        .json();
    assert_eq!(f["total"], 1);
    assert_eq!(f["items"][0]["value"], "198.51.100.49");
    assert_eq!(f["items"][0]["recurring"], true);
    assert_eq!(f["items"][0]["org_code"], "TAMDUONG");
    let detail = app
        .api(
            "get",
            &format!("/api/v1/botnet-lists/{nov}"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(
        detail["gone_entries"],
        json!(["198.51.100.33", "198.51.100.65", "203.0.113.250"])
    );
    let detail = app
        .api(
            "get",
            &format!("/api/v1/botnet-lists/{nov}"),
            Some(&td),
            None,
        )
        .await
        .json();
    assert!(
        detail.get("gone_entries").is_none(),
        "only the DIC sees the whole list"
    );
    // A task can be reported done but closes only when the list says so.
    let id = task_of(items, "198.51.100.49")["id"].as_i64().unwrap();
    let r = app
        .api(
            "post",
            &format!("/api/v1/work-items/{id}/events"),
            Some(&td),
            Some(json!({"action": "report_done", "evidence": "Đã quét sạch bằng KES"})),
        )
        .await;
    assert_eq!(r.json()["state"], "awaiting_proof");
    let stats = app
        .api("get", "/api/v1/botnet-stats", Some(&admin), None)
        .await
        .json();
    assert!(stats["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["period"] == "2026-11" && i["org"] == "TAMDUONG" && i["addresses"] == 1));
}

#[tokio::test]
async fn an_ad_hoc_list_does_not_clear_anyone() {
    let app = TestApp::new().await;
    let op = app.token("operator@t.vn").await;
    let r = import(
        &app,
        &op,
        "period=11/2026&version=adhoc",
        b"198.51.100.17\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json()["tasks_closed"],
        0,
        "an ad hoc list is partial: absence proves nothing"
    );
    assert_eq!(r.json()["tasks_reopened"], 1);
}

#[tokio::test]
async fn bad_lists_are_refused_whole_with_rows_named() {
    let app = TestApp::new().await;
    let op = app.token("operator@t.vn").await;
    let before = app.store.botnet_lists().await.unwrap().len();
    let r = import(
        &app,
        &op,
        "period=11/2026",
        b"198.51.100.17\n198.51.100.300\nkhong-phai-ip\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows: Vec<u64> = r.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, vec![2, 3]);
    let r = import(&app, &op, "period=th%C3%A1ng%2011", b"198.51.100.17\n").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].as_str().unwrap().contains("MM/YYYY"));
    assert_eq!(
        app.store.botnet_lists().await.unwrap().len(),
        before,
        "nothing stored"
    );
}

#[tokio::test]
async fn lists_arrive_as_stix_misp_and_shadowserver() {
    let app = TestApp::new().await;
    let op = app.token("operator@t.vn").await;
    let stix = r#"{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","name":"C2","pattern":"[ipv4-addr:value = '198.51.100.33']"}]}"#;
    let r = import(
        &app,
        &op,
        "period=11/2026&version=adhoc&kind=c2",
        stix.as_bytes(),
    )
    .await;
    assert_eq!(r.json()["format"], "stix");
    assert_eq!(r.json()["findings"], 1);
    let misp = r#"{"Event":{"info":"x","Attribute":[{"type":"ip-dst","value":"2001:db8::1"}]}}"#;
    assert_eq!(
        import(
            &app,
            &op,
            "period=11/2026&version=adhoc&kind=c2",
            misp.as_bytes()
        )
        .await
        .json()["format"],
        "misp"
    );
    let drone = "\"timestamp\",\"ip\",\"port\",\"infection\",\"cc_ip\"\n\"2026-11-01 00:00:01\",\"198.51.100.49\",4444,\"mirai\",\"192.0.2.9\"\n";
    let r = import(
        &app,
        &op,
        "period=11/2026&version=adhoc&kind=botnet&source=Shadowserver",
        drone.as_bytes(),
    )
    .await;
    assert_eq!(r.json()["format"], "shadowserver_drone");
    let lists = app
        .api("get", "/api/v1/botnet-lists", Some(&op), None)
        .await
        .json();
    let id = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["source"] == "Shadowserver")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let entries = app
        .api(
            "get",
            &format!("/api/v1/botnet-lists/{id}/entries"),
            Some(&op),
            None,
        )
        .await
        .json();
    assert_eq!(
        entries["items"][0]["context"], "192.0.2.9",
        "the C2 is kept as context"
    );
}

#[tokio::test]
async fn retro_hunt_counts_and_maps_hits() {
    let app = TestApp::new().await;
    let staff = app.token("td-staff@t.vn").await;
    let log = "Apr 29 10:00:01 fw SRC=198.51.100.49 DST=8.8.8.8\nApr 29 10:05:09 fw SRC=10.0.0.1 DST=198.51.100.49\nApr 29 11:00:00 fw SRC=198.51.100.17 DST=1.1.1.1\nApr 29 11:00:01 fw SRC=198.51.100.4 DST=1.1.1.1\n";
    let r = app
        .api_bytes("/api/v1/hunts", &staff, log.as_bytes().to_vec())
        .await
        .json();
    assert_eq!(r["lines"], 4);
    let hits = r["items"].as_array().unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(
        (hits[0]["ip"].clone(), hits[0]["count"].clone()),
        (json!("198.51.100.49"), json!(2))
    );
    assert_eq!(
        (hits[0]["first_seen"].clone(), hits[0]["last_seen"].clone()),
        (json!("Apr 29 10:00:01"), json!("Apr 29 10:05:09"))
    );
    assert_eq!(hits[0]["org"], "TAMDUONG");
    assert!(hits[0]["host"].as_str().unwrap().ends_with("-web01"));
    assert!(
        hits[1]["org"].is_null(),
        "another organisation's host is not named to TAMDUONG's staff"
    );
    // Gzip works the same.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, log.as_bytes()).unwrap();
    let r = app
        .api_bytes("/api/v1/hunts", &staff, gz.finish().unwrap())
        .await
        .json();
    assert_eq!(r["total"], 2);
}

/// Issue 3's last clause: the retro-hunt also searches stored events (message and fields), and
/// each caller only the events of their own organisations.
#[tokio::test]
async fn retro_hunt_over_stored_events_is_scoped() {
    let app = TestApp::new().await;
    let admin = app.token("admin@t.vn").await;
    // A firewall line from SYT's range and a JSON event from TAMDUONG's, both naming listed
    // addresses (each organisation's host address is on the fixture list).
    let syt_ip = "198.51.100.17"; // SYT = 1 → 198.51.100.17
    let td_ip = "198.51.100.49"; // TAMDUONG = 3 → .49
    let body = format!(
        "{{\"host\":\"{}-web01\",\"message\":\"DENY SRC={td_ip} DST=10.0.0.1\"}}\n{{\"host\":\"{}-web01\",\"dst_ip\":\"{syt_ip}\"}}\n",
        common::marker("TAMDUONG"),
        common::marker("SYT")
    );
    let r = app
        .api_bytes("/api/v1/ingest", &admin, body.into_bytes())
        .await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.text);
    let hunt = |token: String| {
        let app = &app;
        async move {
            app.api_bytes("/api/v1/hunts?events_days=1", &token, Vec::new())
                .await
                .json()
        }
    };
    let all = hunt(admin.clone()).await;
    let ips: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["ip"].as_str().unwrap())
        .collect();
    assert!(ips.contains(&syt_ip) && ips.contains(&td_ip), "{all}");
    let hit = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["ip"] == td_ip)
        .unwrap();
    assert_eq!(hit["org"], "TAMDUONG");
    assert!(
        hit["first"].as_str().unwrap().starts_with("event #"),
        "{hit}"
    );
    let td = hunt(app.token("td-staff@t.vn").await).await;
    let ips: Vec<&str> = td["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["ip"].as_str().unwrap())
        .collect();
    assert_eq!(ips, vec![td_ip], "{td}");
}

#[tokio::test]
async fn an_address_in_a_unit_s_range_is_the_unit_s_finding_only() {
    // SYT holds 198.51.100.16/28 (and its host web01 198.51.100.17); its unit SYT-BV registers
    // 198.51.100.16/30 inside it. A listed address in the /30 is SYT-BV's finding (the more
    // specific claim), not SYT's as well; one outside it stays SYT's; the host's own address
    // stays the host's.
    let app = TestApp::new().await;
    let t = app.token("admin@t.vn").await;
    let r = app
        .api(
            "post",
            "/api/v1/networks",
            Some(&t),
            Some(json!({"org": "SYT-BV", "cidr": "198.51.100.16/30", "description": "unit"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = import(
        &app,
        &t,
        "period=11/2026&version=adhoc&kind=botnet",
        b"198.51.100.17\n198.51.100.18\n198.51.100.25\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let list = r.json()["list_id"].as_i64().expect("list id");
    let f = app
        .api(
            "get",
            &format!("/api/v1/botnet-findings?list={list}&limit=100"),
            Some(&t),
            None,
        )
        .await
        .json();
    let mut got: Vec<(String, String)> = f["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| {
            (
                x["value"].as_str().unwrap_or_default().to_string(),
                x["org_code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("198.51.100.17".to_string(), "SYT".to_string()),
            ("198.51.100.18".to_string(), "SYT-BV".to_string()),
            ("198.51.100.25".to_string(), "SYT".to_string())
        ],
        "{}",
        f
    );
}
