//! Bulk import through the API and the web form: all or nothing, every bad row named.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::Scope;
use canhgac_store::ListQuery;
use common::TestApp;
use serde_json::json;

fn testdata(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/import")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn host_count(app: &TestApp) -> i64 {
    app.store
        .list(EntityKind::Host, &Scope::All, &ListQuery::default())
        .await
        .expect("list")
        .total
}

#[tokio::test]
async fn a_file_with_bad_rows_imports_nothing_and_names_each_row() {
    let app = TestApp::new().await;
    let token = app.token("td-staff@t.vn").await;
    let before = host_count(&app).await;
    let r = app
        .api_bytes(
            "/api/v1/import/hosts",
            &token,
            testdata("hosts_bad_rows.csv"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let rows: Vec<(u64, String)> = r.json()["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().expect("row"),
                e["column"].as_str().expect("column").to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![(3, "kind".into()), (4, "ips".into()), (5, "org".into())]
    );
    let body = r.json();
    assert!(body["rows"][1]["message"]
        .as_str()
        .expect("msg")
        .contains("10.213.22.300"));
    assert!(body["rows"][2]["message_vi"]
        .as_str()
        .expect("msg")
        .contains("KHONGCO"));
    assert_eq!(
        host_count(&app).await,
        before,
        "the good first row was not kept either"
    );
}

#[tokio::test]
async fn a_good_file_imports_whole_and_is_audited() {
    let app = TestApp::new().await;
    let token = app.token("td-staff@t.vn").await;
    let r = app
        .api_bytes("/api/v1/import/hosts", &token, testdata("hosts_good.csv"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), json!({"imported": 2}));
    let r = app
        .api(
            "get",
            "/api/v1/hosts?org=TAMDUONG&q=td-pc09",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        r.json()["items"][0]["kind"],
        "workstation",
        "the Vietnamese label was understood"
    );
    let admin = app.token("admin@t.vn").await;
    let audit = app
        .api(
            "get",
            "/api/v1/audit?entity=hosts&action=create&user=td-staff",
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(audit["total"], 2);
    // The same file again: every row already exists.
    let r = app
        .api_bytes("/api/v1/import/hosts", &token, testdata("hosts_good.csv"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["rows"].as_array().expect("rows").len(), 2);
}

#[tokio::test]
async fn unknown_and_missing_columns_are_named() {
    let app = TestApp::new().await;
    let token = app.token("admin@t.vn").await;
    let r = app
        .api_bytes(
            "/api/v1/import/hosts",
            &token,
            b"org;ten_may;mat_khau\nTAMDUONG;x;y\n".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = r.json()["rows"].clone();
    let cols: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|e| e["column"].as_str().expect("c"))
        .collect();
    assert_eq!(cols, vec!["ten_may", "mat_khau", "hostname", "kind"]);
    assert!(rows.as_array().expect("rows").iter().all(|e| e["row"] == 1));
}

#[tokio::test]
async fn duplicates_inside_a_file_point_at_the_first_row() {
    let app = TestApp::new().await;
    let token = app.token("admin@t.vn").await;
    let csv =
        "org,hostname,kind\nTAMDUONG,dup01,server\nTAMDUONG,other,server\nTAMDUONG,DUP01,server\n";
    let r = app
        .api_bytes("/api/v1/import/hosts", &token, csv.as_bytes().to_vec())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["rows"][0]["row"], 4);
    assert!(r.json()["rows"][0]["message"]
        .as_str()
        .expect("m")
        .contains("row 2"));
}

#[tokio::test]
async fn references_resolve_by_name_and_xlsx_works() {
    let app = TestApp::new().await;
    let token = app.token("admin@t.vn").await;
    let sys = format!("Hệ thống {}", common::marker("TAMDUONG"));
    let rows = vec![
        vec![
            "TAMDUONG".to_string(),
            "td-app07".into(),
            "Máy chủ".into(),
            sys.clone(),
        ],
        vec![
            "TAMDUONG".to_string(),
            "td-app08".into(),
            "server".into(),
            "Hệ thống không có".into(),
        ],
    ];
    let xlsx = canhgac_sheets::write_xlsx("Máy", &["org", "hostname", "kind", "system"], &rows)
        .expect("xlsx");
    let r = app
        .api_bytes("/api/v1/import/hosts?format=xlsx", &token, xlsx)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["rows"][0]["row"], 3);
    assert_eq!(r.json()["rows"][0]["column"], "system");
    let xlsx =
        canhgac_sheets::write_xlsx("Máy", &["org", "hostname", "kind", "system"], &rows[..1])
            .expect("xlsx");
    let r = app.api_bytes("/api/v1/import/hosts", &token, xlsx).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let host = app
        .api("get", "/api/v1/hosts?q=td-app07", Some(&token), None)
        .await
        .json();
    assert_eq!(host["items"][0]["system_name"], json!(sys));
}

#[tokio::test]
async fn export_round_trips_through_import() {
    let app = TestApp::new().await;
    let token = app.token("admin@t.vn").await;
    for fmt in ["csv", "xlsx"] {
        let r = app
            .api(
                "get",
                &format!("/api/v1/export/software?format={fmt}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.headers.get("content-disposition").is_some());
    }
    let csv = app
        .api("get", "/api/v1/export/hosts?format=csv", Some(&token), None)
        .await;
    assert!(
        csv.text.starts_with("\u{feff}org,hostname,kind"),
        "{}",
        &csv.text[..40.min(csv.text.len())]
    );
    // Re-importing an export into a fresh province recreates the same hosts.
    let other = TestApp::new().await;
    let t2 = other.token("admin@t.vn").await;
    let before = host_count(&other).await;
    for id in other.orgs.values() {
        for kind in [EntityKind::Software, EntityKind::Host] {
            let page = other
                .store
                .list(
                    kind,
                    &Scope::All,
                    &ListQuery {
                        org_id: Some(*id),
                        limit: Some(100),
                        ..Default::default()
                    },
                )
                .await
                .expect("l");
            for r in page.items {
                other
                    .store
                    .delete(
                        kind,
                        &Scope::All,
                        &canhgac_store::Actor::system("t"),
                        r["id"].as_i64().expect("id"),
                    )
                    .await
                    .expect("del");
            }
        }
    }
    assert!(before > 0);
    let r = other
        .api_bytes("/api/v1/import/hosts", &t2, csv.text.into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(host_count(&other).await, before);
}

#[tokio::test]
async fn the_import_form_shows_each_bad_row() {
    let app = TestApp::new().await;
    let b = app.session("td-staff@t.vn").await;
    let r = b
        .import(
            "hosts",
            "hosts_bad_rows.csv",
            &testdata("hosts_bad_rows.csv"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"import-errors\""));
    assert!(r.text.contains("10.213.22.300"));
    assert!(
        r.text.contains("Không có đơn vị mã &#39;KHONGCO&#39;")
            || r.text.contains("Không có đơn vị mã 'KHONGCO'"),
        "Vietnamese message"
    );
    let r = b
        .import("hosts", "hosts_good.csv", &testdata("hosts_good.csv"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("id=\"import-ok\""));
    let r = b.import("hosts", "empty.csv", b"").await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "an empty upload is refused with a message"
    );
    let r = b
        .import("hosts", "garbage.xlsx", b"PK\x03\x04not really")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("XLSX"));
}
