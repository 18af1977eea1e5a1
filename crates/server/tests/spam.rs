//! The spam room through HTTP: reports in by NDJSON (sloppy syntax, pre-2018 numbers, a line
//! that is not a report kept as unparsed, a resend not stored twice), by batch files (CSV and
//! XLSX with Vietnamese headers, a bad time refusing the whole file by row and column), the
//! queue by score, a case measured, closed and exported, an unparsed report fixed, senders kept
//! apart per operator, harmful content blocked into an RPZ zone BIND accepts and published
//! into the threat lists (after which a report carrying the link counts as listed), and pages.

mod common;

use axum::http::StatusCode;
use canhgac_domain::Scope;
use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn reports_cases_and_harmful_content() {
    run(TestApp::new().await).await;
}

#[tokio::test]
async fn the_same_on_postgres() {
    if let Some(app) = TestApp::new_postgres().await {
        run(app).await;
    }
}

fn ndjson(app: &TestApp, token: &str, body: &str) -> axum::http::Request<axum::body::Body> {
    let _ = app;
    axum::http::Request::post("/api/v1/spam/reports")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/x-ndjson")
        .body(axum::body::Body::from(body.to_string()))
        .expect("request")
}

async fn run(app: TestApp) {
    let vt = app.token("vt-staff@t.vn").await;
    let body = [
        json!({"raw": "S [0162 555 1234][Vietcombank thong bao tai khoan quy khach bi khoa, truy cap vcb-xacthuc-test.xyz de xac thuc ngay]", "reporter": "0912000001", "id": "M-1"}),
        json!({"raw": "s 0325551234 Vietcombank thong bao tai khoan quy khach Le Van B bi khoa, truy cap vcb-xacthuc-test.xyz de xac thuc ngay", "reporter": "0912000002", "id": "M-2"}),
        json!({"raw": "V (024.3825.1234)(goi mao danh cong an yeu cau chuyen tien)", "id": "M-3"}),
        json!({"kind": "sms", "sender": "BDS-LAICHAU", "content": "QC: can ho cao cap gia chi 900 trieu, tu choi QC soan TC gui 789", "id": "M-4"}),
        json!({"raw": "toi muon phan anh so nay lam phien", "id": "M-5"}),
    ]
    .iter()
    .map(|v| v.to_string())
    .collect::<Vec<_>>()
    .join("\n")
        + "\nnot json at all\n";
    let r = app.send(ndjson(&app, &vt, &body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let o = r.json();
    assert_eq!(
        (
            o["rows"].as_i64(),
            o["parsed"].as_i64(),
            o["unparsed"].as_i64()
        ),
        (Some(6), Some(4), Some(2)),
        "{o}"
    );
    assert_eq!(
        o["problems"].as_array().map(Vec::len),
        Some(1),
        "the non-JSON line is named: {o}"
    );
    // A resend of the same Ministry ids is not stored twice.
    let again = app.send(ndjson(&app, &vt, &body)).await.json();
    assert_eq!(again["repeated"].as_i64(), Some(5), "{again}");
    assert_eq!(again["parsed"].as_i64(), Some(0));

    // The two messages from one number (old and new prefix) are one sender, one case, one campaign.
    let reports = app
        .api("get", "/api/v1/spam/reports?label=fraud", Some(&vt), None)
        .await
        .json();
    let fraud: Vec<&serde_json::Value> = reports
        .as_array()
        .expect("list")
        .iter()
        .filter(|r| r["sender"] == "+84325551234")
        .collect();
    assert_eq!(fraud.len(), 2, "{reports}");
    assert_eq!(fraud[0]["case_id"], fraud[1]["case_id"]);
    assert_eq!(
        fraud[0]["campaign_id"], fraud[1]["campaign_id"],
        "near-duplicates cluster"
    );
    let case_id = fraud[0]["case_id"].as_i64().expect("case");
    let queue = app
        .api("get", "/api/v1/spam/queue", Some(&vt), None)
        .await
        .json();
    assert_eq!(
        queue[0]["id"].as_i64(),
        Some(case_id),
        "the fraud sender leads the queue: {queue}"
    );
    let case = app
        .api(
            "get",
            &format!("/api/v1/spam/cases/{case_id}"),
            Some(&vt),
            None,
        )
        .await
        .json();
    let c = &case["case"];
    assert_eq!(c["label"], "fraud");
    assert_eq!(c["reports"].as_i64(), Some(2));
    let hours = (c["due_at"].as_i64().expect("value") - c["opened_at"].as_i64().expect("value"))
        / 3_600_000;
    assert!(hours <= 24, "a fraud case is due within a day: {hours}");
    let sender = app
        .api(
            "get",
            &format!("/api/v1/spam/senders/{}", c["sender_id"]),
            Some(&vt),
            None,
        )
        .await
        .json();
    assert_eq!(sender["sender"]["reporters"].as_i64(), Some(2), "{sender}");
    assert_eq!(sender["sender"]["network"], "viettel");

    // A measure, closure, and the export back to the Ministry.
    let r = app
        .api(
            "post",
            &format!("/api/v1/spam/cases/{case_id}/close"),
            Some(&vt),
            Some(json!({"note": "x"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "nothing done yet: {}",
        r.text
    );
    let r = app
        .api(
            "post",
            &format!("/api/v1/spam/cases/{case_id}/actions"),
            Some(&vt),
            Some(json!({"action": "block_sms", "note": ""})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a measure says what it rests on"
    );
    let r = app
        .api(
            "post",
            &format!("/api/v1/spam/cases/{case_id}/actions"),
            Some(&vt),
            Some(json!({"action": "block_sms", "note": "Chặn chiều đi", "evidence": "Phiếu 1"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .api(
            "post",
            &format!("/api/v1/spam/cases/{case_id}/close"),
            Some(&vt),
            Some(json!({"note": "xong"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let b = app.session("vt-staff@t.vn").await;
    let csv = b.get("/spam/cases/export?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.text.contains(&format!("VV-{case_id}"))
            && csv.text.contains("Chặn tin nhắn")
            && csv.text.contains("Phiếu 1"),
        "{}",
        csv.text
    );
    let xlsx = b.get("/spam/cases/export?format=xlsx").await;
    assert!(xlsx.bytes.starts_with(b"PK"), "an XLSX workbook");

    // The unparsed report fixed by a person.
    let unparsed = app
        .api(
            "get",
            "/api/v1/spam/reports?state=unparsed",
            Some(&vt),
            None,
        )
        .await
        .json();
    let u = unparsed
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["external_id"] == "M-5")
        .expect("kept");
    let r = app
        .api(
            "post",
            &format!("/api/v1/spam/reports/{}/fix", u["id"]),
            Some(&vt),
            Some(json!({"raw": "still nothing"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a fix must be understood"
    );
    let r = app
        .api(
            "post",
            &format!("/api/v1/spam/reports/{}/fix", u["id"]),
            Some(&vt),
            Some(json!({"raw": "V [0987 654 321][goi lam phien nhieu lan]"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let old = app
        .api(
            "get",
            &format!("/api/v1/spam/reports/{}", u["id"]),
            Some(&vt),
            None,
        )
        .await
        .json();
    assert_eq!(old["state"], "fixed");

    // Batch files: Vietnamese headers matched by name, CSV and XLSX; a bad time refuses it all.
    let csv = "STT,Mã phản ánh,Thời gian phản ánh,Thuê bao phản ánh,Loại,Nguồn gửi,Nội dung\n\
        1,F-1,03/12/2026 08:15,0912111222,Tin nhắn,0388 111 222,\"Chuc mung thue bao trung thuong xe SH, nhan tai tri-an-test.club\"\n\
        2,F-2,03/12/2026 08:20,0912111223,Cuộc gọi,0388111222,goi mao danh nhan vien nha mang\n\
        3,F-3,03/12/2026 08:25,0912111224,Tin nhắn,,khong co nguon\n";
    let r = b
        .upload_fields(
            "/spam/import",
            &[],
            &[("file", "phan-anh.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("spam-outcome"), "{}", r.text);
    let imported = app
        .api("get", "/api/v1/spam/reports?limit=1000", Some(&vt), None)
        .await
        .json();
    let f1 = imported
        .as_array()
        .expect("value")
        .iter()
        .find(|r| r["external_id"] == "F-1")
        .expect("F-1");
    assert_eq!(
        canhgac_domain::time::fmt_datetime(f1["received_at"].as_i64().expect("value")),
        "03/12/2026 08:15",
        "the file's time, Viet Nam time"
    );
    assert_eq!(f1["reporter"], "+84912111222");
    assert!(
        imported
            .as_array()
            .expect("value")
            .iter()
            .any(|r| r["external_id"] == "F-3" && r["state"] == "unparsed"),
        "a row without a sender is kept"
    );
    let bad = "Mã phản ánh,Thời gian phản ánh,Nguồn gửi,Nội dung\nB-1,hôm qua,0388111222,x\n";
    let r = b
        .upload_fields("/spam/import", &[], &[("file", "bad.csv", bad.as_bytes())])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("hàng 2") && r.text.contains("Thời gian phản ánh"),
        "row and column named: {}",
        r.text
    );
    let headers = ["Mã phản ánh", "Cú pháp"];
    let rows = vec![vec![
        "X-1".to_string(),
        "S [0988 000 111][Tai khoan VNeID cua ban sap bi khoa, cap nhat tai vneid-test.online]"
            .to_string(),
    ]];
    let xlsx = canhgac_sheets::write_xlsx("phan-anh", &headers, &rows).expect("xlsx");
    let r = b
        .upload_fields("/spam/import", &[], &[("file", "phan-anh.xlsx", &xlsx)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let x = app
        .api("get", "/api/v1/spam/reports?limit=1000", Some(&vt), None)
        .await
        .json();
    assert!(
        x.as_array()
            .expect("value")
            .iter()
            .any(|r| r["external_id"] == "X-1" && r["sender"] == "+84988000111"),
        "{x}"
    );

    // Senders are per operator: the same number reported to another organisation is its own.
    let meta = canhgac_store::SpamImportMeta {
        source: "api".into(),
        ..Default::default()
    };
    let an = canhgac_ops::spam::Analyser::new(canhgac_spam::Model::embedded(), Default::default());
    let other = vec![an.line(
        "S [0325551234][Vietcombank thong bao tai khoan bi khoa]",
        None,
        canhgac_domain::time::now_ms(),
        Some("M-1".into()),
    )];
    let o2 = canhgac_ops::spam::ingest(
        &app.store,
        &Scope::All,
        &canhgac_store::Actor::system("test"),
        app.orgs["SYT"],
        &meta,
        &other,
    )
    .await
    .expect("other org");
    assert_eq!(
        (o2.parsed, o2.repeated, o2.new_senders),
        (1, 0, 1),
        "ids and senders are the organisation's own"
    );
    let s = app
        .api(
            "get",
            &format!("/api/v1/spam/senders/{}", c["sender_id"]),
            Some(&vt),
            None,
        )
        .await
        .json();
    assert_eq!(s["sender"]["reports"].as_i64(), Some(2), "{s}");

    // Harmful content: blocked, listed in an RPZ zone BIND accepts, published into the threat lists.
    let r = app.api("post", "/api/v1/spam/harmful", Some(&vt), Some(json!({"kind": "url", "value": "https://vcb-xacthuc-test.xyz/login", "category": "phishing", "source": "phản ánh"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let hid = r.json()["id"].as_i64().expect("value");
    let r = app.api("post", "/api/v1/spam/harmful", Some(&vt), Some(json!({"kind": "account", "value": "https://facebook.com/ho.tro.vneid", "category": "fraud"}))).await;
    let acc = r.json()["id"].as_i64().expect("value");
    let r = app
        .api(
            "post",
            &format!("/api/v1/spam/harmful/{acc}/state"),
            Some(&vt),
            Some(json!({"state": "blocked", "note": "x"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an account is taken down, not blocked by name"
    );
    let r = app
        .api(
            "post",
            &format!("/api/v1/spam/harmful/{hid}/state"),
            Some(&vt),
            Some(json!({"state": "confirmed", "note": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "not before it is blocked");
    let r = app
        .api(
            "post",
            &format!("/api/v1/spam/harmful/{hid}/state"),
            Some(&vt),
            Some(json!({"state": "blocked", "note": "RPZ"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let plain = b.get("/spam/harmful/blocklist.txt").await.text;
    assert_eq!(plain, "vcb-xacthuc-test.xyz\n");
    let zone = b.get("/spam/harmful/rpz.zone").await.text;
    assert!(
        zone.contains("vcb-xacthuc-test.xyz CNAME .\n*.vcb-xacthuc-test.xyz CNAME .\n"),
        "{zone}"
    );
    named_checkzone(&zone);
    let dic = app.session("operator@t.vn").await;
    let r = dic.post("/spam/harmful/publish", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("harmful-published"), "{}", r.text);
    let r = app.send(ndjson(&app, &vt, &json!({"raw": "S [0912999888][Tai khoan bi khoa, vao https://vcb-xacthuc-test.xyz/login ngay]"}).to_string())).await;
    let id = r.json()["report_ids"][0].as_i64().expect("id");
    let rep = app
        .api(
            "get",
            &format!("/api/v1/spam/reports/{id}"),
            Some(&vt),
            None,
        )
        .await
        .json();
    assert_eq!(rep["label"], "fraud");
    assert!(
        rep["indicators"]
            .as_str()
            .expect("value")
            .contains("danh sách đe doạ"),
        "the published link counts as listed: {rep}"
    );

    // The bulk path (`canhgac spam import`): lines and JSON mixed, junk kept, a resend skipped.
    let bulk = "S [0912 333 444][Vay tien nhanh lai suat thap]\n{\"raw\": \"V [0912333444][goi moi vay]\", \"id\": \"B-1\"}\nnot a report\n\n";
    let actor = canhgac_store::Actor::system("test");
    let now = canhgac_domain::time::now_ms();
    let o = canhgac_ops::spam::import_stream(
        &app.store,
        &Scope::All,
        &actor,
        app.orgs["VIETTEL"],
        std::io::Cursor::new(bulk),
        "bulk.txt",
        now,
    )
    .await
    .expect("bulk");
    assert_eq!((o.rows, o.parsed, o.unparsed), (3, 2, 1));
    let again = canhgac_ops::spam::import_stream(
        &app.store,
        &Scope::All,
        &actor,
        app.orgs["VIETTEL"],
        std::io::Cursor::new(bulk),
        "bulk.txt",
        now,
    )
    .await
    .expect("bulk");
    assert_eq!(
        again.repeated, 1,
        "the report with an id is not taken twice"
    );

    // Pages, as the operator.
    for p in [
        "/spam",
        "/spam/reports",
        "/spam/reports?state=unparsed",
        "/spam/cases",
        "/spam/campaigns",
        "/spam/import",
        "/spam/harmful",
        &format!("/spam/cases/{case_id}"),
        &format!("/spam/harmful/{hid}"),
        &format!("/spam/reports/{id}"),
    ] {
        let r = b.get(p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.text);
    }
    let overview = b.get("/spam").await.text;
    assert!(
        overview.contains("<svg") && overview.contains("spam-daily-numbers"),
        "the chart and its numbers"
    );
    app.cleanup().await;
}

/// Checks a zone with BIND's `named-checkzone` (installed by `.ci/run`; required under CI).
fn named_checkzone(zone: &str) {
    let have = std::process::Command::new("named-checkzone")
        .arg("-v")
        .output()
        .is_ok();
    if !have {
        assert!(
            std::env::var("CI").is_err(),
            "named-checkzone (bind9-utils) is missing under CI"
        );
        eprintln!("named-checkzone not installed: zone not checked");
        return;
    }
    let f = std::env::temp_dir().join(format!("{}.zone", common::unique("rpz")));
    std::fs::write(&f, zone).expect("write");
    let out = std::process::Command::new("named-checkzone")
        .arg(canhgac_ops::spam::RPZ_ORIGIN)
        .arg(&f)
        .output()
        .expect("run");
    let _ = std::fs::remove_file(&f);
    assert!(
        out.status.success(),
        "named-checkzone refused the zone: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
