//! Patch management through the API: a national warning becomes patch tasks for exactly the
//! affected hosts; a task closes only when a fresh inventory shows the fix; KEV brings the
//! deadline forward; bad documents are refused with the field named.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::{marker, TestApp};
use serde_json::json;

fn warning(product: &str) -> serde_json::Value {
    json!({"id": "AIS-2026-11-001", "title": "Lỗ hổng OpenSSH", "cves": "CVE-2024-6387", "scheme": "deb", "product": product,
           "fixed": "1:9.2p1-3", "severity": "high", "recommendation": "Cập nhật ngay"})
}

#[tokio::test]
async fn a_warning_becomes_tasks_that_only_a_fresh_inventory_closes() {
    a_warning_becomes_tasks_that_only_a_fresh_inventory_closes_on(&TestApp::new().await).await;
}

#[tokio::test]
async fn a_warning_becomes_tasks_that_only_a_fresh_inventory_closes_on_postgres() {
    match TestApp::new_postgres().await {
        Some(app) => {
            a_warning_becomes_tasks_that_only_a_fresh_inventory_closes_on(&app).await;
            app.cleanup().await;
        }
        None => eprintln!(
            "CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here (CI sets it)"
        ),
    }
}

async fn a_warning_becomes_tasks_that_only_a_fresh_inventory_closes_on(app: &TestApp) {
    let op = app.token("operator@t.vn").await;
    // Every fixture host runs "<marker>-openssh" 1:9.2p1-2; warn about TAMDUONG's only.
    let pkg = format!("{}-openssh", marker("TAMDUONG"));
    let r = app
        .api(
            "post",
            "/api/v1/advisories/manual",
            Some(&op),
            Some(warning(&pkg)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (
            r.json()["matches"].clone(),
            r.json()["tasks_created"].clone()
        ),
        (json!(1), json!(1))
    );
    let staff = app.token("td-staff@t.vn").await;
    let tasks = app
        .api(
            "get",
            "/api/v1/work-items?kind=patch_task",
            Some(&staff),
            None,
        )
        .await
        .json();
    // The fixture's own advisory (DSA-TEST-1) gave every organisation a task already.
    let task = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"].as_str().unwrap().contains("AIS-2026-11-001"))
        .unwrap();
    let due = task["due_at"].as_i64().unwrap();
    assert!(
        due - canhgac_domain::time::now_ms() <= 7 * 86_400_000 + 60_000,
        "high: 7 days"
    );
    let id = task["id"].as_i64().unwrap();
    // Reporting it done does not close it.
    let r = app
        .api(
            "post",
            &format!("/api/v1/work-items/{id}/events"),
            Some(&staff),
            Some(json!({"action": "report_done", "note": "đã chạy apt upgrade"})),
        )
        .await;
    assert_eq!(r.json()["state"], "awaiting_proof");
    // An inventory that still shows the old version keeps it open.
    let hosts = app
        .api("get", "/api/v1/hosts", Some(&staff), None)
        .await
        .json();
    let host = hosts["items"][0]["id"].as_i64().unwrap();
    let hostname = hosts["items"][0]["hostname"].as_str().unwrap().to_string();
    let inv = |v: &str| {
        format!(
            "host,name,version,scheme\n{hostname},{pkg},{v},deb\n{hostname},bash,5.2.15-2+b7,deb\n"
        )
    };
    let r = app
        .api_bytes(
            &format!("/api/v1/hosts/{host}/inventory"),
            &staff,
            inv("1:9.2p1-2").into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["tasks_closed"], 0);
    // The fixed version closes it, by proof.
    let r = app
        .api_bytes(
            &format!("/api/v1/hosts/{host}/inventory"),
            &staff,
            inv("1:9.2p1-3").into_bytes(),
        )
        .await;
    assert_eq!(
        r.json()["tasks_closed"],
        2,
        "this warning's task and the fixture advisory's, both fixed in 1:9.2p1-3"
    );
    let w = app
        .api(
            "get",
            &format!("/api/v1/work-items/{id}"),
            Some(&staff),
            None,
        )
        .await
        .json();
    assert_eq!(w["state"], "closed");
    assert_eq!(
        w["notes"].as_array().unwrap().last().unwrap()["action"],
        "proof_arrived"
    );
    let m = app
        .api(
            "get",
            &format!("/api/v1/advisory-matches?host={host}"),
            Some(&staff),
            None,
        )
        .await
        .json();
    assert_eq!(m["total"], 0);
    let sw = app
        .api("get", &format!("/api/v1/hosts/{host}"), Some(&staff), None)
        .await
        .json();
    assert_eq!(
        sw["software"].as_array().unwrap().len(),
        2,
        "the host's software is the fresh inventory"
    );
    let c = app
        .api("get", "/api/v1/compliance", Some(&staff), None)
        .await
        .json();
    assert_eq!(c["items"][0]["org"], "TAMDUONG");
    assert_eq!(c["items"][0]["compliance_percent"], 100.0);
}

#[tokio::test]
async fn kev_brings_the_deadline_forward_and_overdue_escalates() {
    let app = TestApp::new().await;
    let op = app.token("operator@t.vn").await;
    let kev = json!({"title": "KEV", "catalogVersion": "2026.11.24", "count": 1, "vulnerabilities": [
        {"cveID": "CVE-2024-6387", "vendorProject": "OpenBSD", "product": "OpenSSH", "vulnerabilityName": "regreSSHion", "dateAdded": "2024-07-01", "dueDate": "2024-07-22", "knownRansomwareCampaignUse": "Unknown"}]});
    let r = app
        .api_bytes("/api/v1/kev", &op, kev.to_string().into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let pkg = format!("{}-openssh", marker("SYT"));
    app.api(
        "post",
        "/api/v1/advisories/manual",
        Some(&op),
        Some(warning(&pkg)),
    )
    .await;
    let list = app
        .api("get", "/api/v1/advisories", Some(&op), None)
        .await
        .json();
    assert_eq!(list["items"][0]["kev_due"], "2024-07-22");
    let tasks = app
        .api("get", "/api/v1/work-items?kind=patch_task", Some(&op), None)
        .await
        .json();
    let t = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"].as_str().unwrap().contains("AIS-2026-11-001"))
        .unwrap();
    assert!(
        t["due_at"].as_i64().unwrap() < canhgac_domain::time::now_ms(),
        "the KEV due date wins"
    );
    assert_eq!(t["escalated"], true, "overdue at once: escalated");
    // The fixture's older advisory of the same CVE had its deadline brought forward too.
    let old = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"].as_str().unwrap().contains("DSA-TEST-1"))
        .unwrap();
    assert!(old["due_at"].as_i64().unwrap() < canhgac_domain::time::now_ms());
}

#[tokio::test]
async fn bad_documents_and_forms_name_the_field() {
    let app = TestApp::new().await;
    let op = app.token("operator@t.vn").await;
    let r = app
        .api_bytes(
            "/api/v1/advisories",
            &op,
            br#"{"id": "X", "affected": [{"package": {"ecosystem": "PyPI"}}]}"#.to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["field"], "affected[0].package.name");
    let r = app
        .api(
            "post",
            "/api/v1/advisories/manual",
            Some(&op),
            Some(json!({"id": "", "product": "x", "fixed": "1.0", "cves": "CVE-1"})),
        )
        .await;
    let fields: Vec<String> = r.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, vec!["id", "cves"]);
    let staff = app.token("td-staff@t.vn").await;
    let r = app
        .api(
            "post",
            "/api/v1/advisories/manual",
            Some(&staff),
            Some(warning("x")),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only the DIC enters warnings"
    );
    let hosts = app
        .api("get", "/api/v1/hosts", Some(&staff), None)
        .await
        .json();
    let host = hosts["items"][0]["id"].as_i64().unwrap();
    let r = app
        .api_bytes(
            &format!("/api/v1/hosts/{host}/inventory"),
            &staff,
            b"host,name,version,scheme\nx,openssl,,deb\n".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("row 2"));
}

#[tokio::test]
async fn osv_documents_import_and_match() {
    let app = TestApp::new().await;
    let op = app.token("operator@t.vn").await;
    let osv = json!({"id": "DSA-9999-1", "summary": "openssh", "aliases": ["CVE-2024-6387"],
        "affected": [{"package": {"ecosystem": "Debian:12", "name": format!("{}-openssh", marker("VIETTEL"))},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.2p1-2+deb12u3"}]}]}]});
    let r = app
        .api_bytes("/api/v1/advisories", &op, osv.to_string().into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json()["matches"],
        1,
        "hosts with no known distribution are compared too"
    );
    let list = app
        .api("get", "/api/v1/advisories?q=DSA-9999", Some(&op), None)
        .await
        .json();
    let id = list["items"][0]["id"].as_i64().unwrap();
    let a = app
        .api("get", &format!("/api/v1/advisories/{id}"), Some(&op), None)
        .await
        .json();
    assert_eq!(a["matches"][0]["org_code"], "VIETTEL");
    assert_eq!(a["matches"][0]["fixed"], "1:9.2p1-2+deb12u3");
    let vt = app.token("vt-staff@t.vn").await;
    assert_eq!(
        app.api("get", &format!("/api/v1/advisories/{id}"), Some(&vt), None)
            .await
            .json()["matches_total"],
        1
    );
    let td = app.token("td-staff@t.vn").await;
    assert_eq!(
        app.api("get", &format!("/api/v1/advisories/{id}"), Some(&td), None)
            .await
            .json()["matches_total"],
        0,
        "scoped"
    );
}
