//! Reports: every number the monthly report and the scorecards print (CSV, XLSX, PDF, screen)
//! equals what the API returns for the same month and scope, and what the lists count; an
//! agency's reports hold only its own organisations; each PDF renders to pages with ink on them
//! (poppler's pdftoppm) and its Vietnamese text reads back whole (pdftotext); a schedule makes
//! its copy once and mails it over a real SMTP conversation, however many passes claim it.

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use axum::http::StatusCode;
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_ops::mail::Mailer;
use canhgac_ops::summaries::{run_due, Month};
use canhgac_store::NewSignal;
use common::TestApp;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The CSV's rows: (section, line, column) → value.
fn csv_cells(text: &str) -> HashMap<(String, String, String), String> {
    let t = canhgac_sheets::read(text.as_bytes(), canhgac_sheets::Format::Csv).expect("csv");
    t.rows
        .into_iter()
        .map(|(_, r)| ((r[0].clone(), r[1].clone(), r[2].clone()), r[3].clone()))
        .collect()
}

fn cell(cells: &HashMap<(String, String, String), String>, s: &str, l: &str, c: &str) -> i64 {
    cells
        .get(&(s.into(), l.into(), c.into()))
        .unwrap_or_else(|| panic!("no cell {s} / {l} / {c}"))
        .trim_end_matches('%')
        .parse()
        .expect("a number")
}

/// Renders a PDF's pages with pdftoppm (PPM, 40 dpi) and returns, per page, the share of pixels
/// that are not white, in thousandths; and its text by pdftotext.
fn render(pdf: &[u8], name: &str) -> (Vec<u64>, String) {
    assert!(pdf.starts_with(b"%PDF-"), "{name}: not a PDF");
    let dir = std::env::temp_dir().join(common::unique("canhgac-pdf"));
    std::fs::create_dir_all(&dir).expect("tempdir");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "40"])
        .arg(&path)
        .arg(dir.join("page"))
        .output()
        .expect("pdftoppm (poppler-utils) runs");
    assert!(
        out.status.success(),
        "{name}: pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ppm"))
        .collect();
    pages.sort();
    let ink = pages
        .iter()
        .map(|p| {
            let b = std::fs::read(p).expect("ppm");
            // P6\n<w> <h>\n255\n then RGB.
            let mut fields = 0;
            let mut i = 0;
            while fields < 4 {
                while b[i].is_ascii_whitespace() {
                    i += 1;
                }
                while !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                fields += 1;
            }
            let px = &b[i + 1..];
            let dark = px.chunks(3).filter(|c| c.iter().any(|v| *v < 200)).count();
            (dark * 1000 / (px.len() / 3).max(1)) as u64
        })
        .collect();
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    let _ = std::fs::remove_dir_all(&dir);
    (ink, String::from_utf8_lossy(&text.stdout).into_owned())
}

async fn raise(app: &TestApp, org: &str, i: usize, severity: Severity, at: i64) -> i64 {
    app.store
        .raise_signal(&NewSignal {
            kind: SignalKind::Malware,
            source: "test".into(),
            title: format!("report {org} {i}"),
            severity,
            org_id: Some(app.orgs[org]),
            host_id: None,
            dedup_key: format!("report:{org}:{i}"),
            seen_at: at,
            window_ms: 1,
            payload: json!({}),
            host_name: None,
            src_ip: None,
        })
        .await
        .expect("signal")
        .0
}

async fn reports_agree_and_keep_organisations_apart(app: TestApp) {
    let now = now_ms();
    let month = Month::of(now);
    let first = canhgac_domain::duty::midnight(month.first_day());
    let admin = app.token("admin@t.vn").await;
    let td_token = app.token("td-staff@t.vn").await;
    let m = month.label();
    let before = app
        .api(
            "get",
            &format!("/api/v1/reports/monthly?month={m}"),
            Some(&admin),
            None,
        )
        .await
        .json()["total"]
        .clone();
    let td_before = app
        .api(
            "get",
            &format!("/api/v1/reports/monthly?month={m}"),
            Some(&td_token),
            None,
        )
        .await
        .json()["total"]["alerts"]
        .as_i64()
        .expect("alerts");
    let n = |v: &Value, k: &str| v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}"));
    // Alerts of this month: SYT one critical, Tâm Đường two high (one taken up at once), and
    // one of last month that must not count.
    raise(&app, "SYT", 0, Severity::Critical, first + 1000).await;
    let td = raise(&app, "TAMDUONG", 1, Severity::High, now - 2000).await;
    raise(&app, "TAMDUONG", 2, Severity::High, now - 1000).await;
    raise(&app, "SYT", 3, Severity::Medium, first - 3_600_000).await;
    // An alert from a sender no organisation claims: stored, but in no organisation's report.
    app.store
        .raise_signal(&NewSignal {
            kind: SignalKind::Malware,
            source: "test".into(),
            title: "report nobody's".into(),
            severity: Severity::High,
            org_id: None,
            host_id: None,
            dedup_key: "report:none".into(),
            seen_at: now - 500,
            window_ms: 1,
            payload: json!({}),
            host_name: None,
            src_ip: None,
        })
        .await
        .expect("signal");
    let r = app
        .api(
            "post",
            &format!("/api/v1/signals/{td}/transition"),
            Some(&td_token),
            Some(json!({"state": "acknowledged"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let r = app
        .api(
            "get",
            &format!("/api/v1/reports/monthly?month={m}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rep = r.json();
    let total = &rep["total"];
    let delta = |k: &str| n(total, k) - n(&before, k);
    assert_eq!(
        delta("alerts"),
        4,
        "three of the organisations' and one nobody's: {total}"
    );
    assert_eq!(
        (
            delta("alerts_critical"),
            delta("alerts_high"),
            delta("alerts_medium")
        ),
        (1, 3, 0)
    );
    assert_eq!(delta("alerts_taken_up"), 1);
    assert_eq!(
        delta("alerts_taken_in_time"),
        1,
        "taken up within 30 minutes of a high alert"
    );

    // The same numbers as the alert list for the month, severity by severity.
    let to = canhgac_domain::duty::midnight(month.next().first_day());
    let fmt = |t: i64| {
        canhgac_domain::time::fmt_date(t)
            .split('/')
            .rev()
            .collect::<Vec<_>>()
            .join("-")
    };
    for sev in ["critical", "high", "medium"] {
        let r = app
            .api(
                "get",
                &format!(
                    "/api/v1/signals?severity={sev}&from={}&to={}",
                    fmt(first),
                    fmt(to)
                ),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            r.json()["total"],
            total[format!("alerts_{sev}")],
            "{sev}: list and report"
        );
    }
    // Compliance as the patching API counts it now, organisation by organisation.
    let r = app
        .api("get", "/api/v1/compliance", Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = r.json();
    let compliance: Vec<Value> =
        serde_json::from_value(c.get("items").cloned().unwrap_or(c)).expect("rows");
    let orgs: Vec<Value> = serde_json::from_value(rep["orgs"].clone()).expect("orgs");
    assert_eq!(
        orgs.len(),
        common::ORGS.len() + 1,
        "every organisation and what nobody claims"
    );
    let nobody = orgs.last().expect("the unclaimed row");
    assert_eq!(
        (nobody["org_id"].as_i64(), nobody["alerts"].as_i64()),
        (Some(0), Some(1))
    );
    for c in &compliance {
        let o = orgs
            .iter()
            .find(|o| o["code"] == c["org"])
            .expect("org in report");
        assert_eq!(
            (&o["hosts"], &o["hosts_to_patch"]),
            (&c["hosts"], &c["hosts_with_open_patches"]),
            "{}",
            c["org"]
        );
        let shown = canhgac_ops::summaries::percent(
            o["hosts"].as_i64().expect("hosts") - o["hosts_to_patch"].as_i64().expect("open"),
            o["hosts"].as_i64().expect("hosts"),
        );
        assert_eq!(
            shown.trim_end_matches('%').parse::<f64>().expect("pct"),
            c["compliance_percent"].as_f64().expect("pct"),
            "{}: as the patching page says",
            c["org"]
        );
    }

    // The CSV prints the API's numbers.
    let dic = app.session("admin@t.vn").await;
    let csv = dic
        .get(&format!("/reports/monthly?month={m}&format=csv&lang=vi"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let cells = csv_cells(&csv.text);
    assert_eq!(
        cell(&cells, "Cảnh báo", "Cảnh báo mới", "Số liệu"),
        n(total, "alerts")
    );
    assert_eq!(
        cell(&cells, "Cảnh báo", "Tiếp nhận đúng hạn", "Số liệu"),
        n(total, "alerts_taken_in_time")
    );
    assert_eq!(
        cell(&cells, "Bản vá", "Máy chủ, máy trạm đăng ký", "Số liệu"),
        total["hosts"].as_i64().expect("hosts")
    );
    for o in &orgs {
        let code = match o["code"].as_str().expect("code") {
            "" => "(chưa rõ đơn vị)",
            c => c,
        };
        assert_eq!(
            cell(&cells, "Theo đơn vị", code, "Cảnh báo"),
            o["alerts"].as_i64().expect("alerts"),
            "{code}"
        );
    }
    // English on request.
    let en = csv_cells(
        &dic.get(&format!("/reports/monthly?month={m}&format=csv&lang=en"))
            .await
            .text,
    );
    assert_eq!(
        cell(&en, "Alerts", "New alerts", "Value"),
        n(total, "alerts")
    );
    // The workbook: a summary sheet first, numbers readable.
    let x = dic
        .get(&format!("/reports/monthly?month={m}&format=xlsx"))
        .await;
    assert_eq!(x.status, StatusCode::OK);
    let book = canhgac_sheets::read(&x.bytes, canhgac_sheets::Format::Xlsx).expect("xlsx");
    assert!(book.headers[0].contains("Báo cáo"), "{:?}", book.headers);
    // On screen, the same table.
    let page = dic.get(&format!("/reports/monthly?month={m}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains("BÁO CÁO TÌNH HÌNH BẢO ĐẢM AN TOÀN THÔNG TIN MẠNG THÁNG"),
        "{}",
        page.text
    );

    // Scorecards: the API's criteria equal the figures.
    let r = app
        .api(
            "get",
            &format!("/api/v1/reports/scorecards?month={m}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cards: Vec<Value> = serde_json::from_value(r.json()).expect("cards");
    let tdc = cards
        .iter()
        .find(|c| c["figures"]["code"] == "TAMDUONG")
        .expect("Tam Duong");
    let tdo = orgs
        .iter()
        .find(|o| o["code"] == "TAMDUONG")
        .expect("Tam Duong");
    assert_eq!(tdc["scores"][0]["key"], "alerts");
    assert_eq!(
        (n(&tdc["scores"][0], "done"), n(&tdc["scores"][0], "total")),
        (n(tdo, "alerts_taken_in_time"), n(tdo, "alerts"))
    );
    assert_eq!(
        n(&tdc["scores"][0], "pct"),
        n(tdo, "alerts_taken_in_time") * 100 / n(tdo, "alerts")
    );

    // An agency's reports: its organisation only, in the API, the CSV and the scorecards.
    let r = app
        .api(
            "get",
            &format!("/api/v1/reports/monthly?month={m}"),
            Some(&td_token),
            None,
        )
        .await;
    let mine = r.json();
    let codes: Vec<&str> = mine["orgs"]
        .as_array()
        .expect("orgs")
        .iter()
        .map(|o| o["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["TAMDUONG"]);
    assert_eq!(n(&mine["total"], "alerts"), td_before + 2);
    let td_session = app.session("td-staff@t.vn").await;
    for path in [
        format!("/reports/monthly?month={m}&format=csv"),
        format!("/reports/scorecards?month={m}&format=csv"),
        format!("/reports/monthly?month={m}"),
    ] {
        let t = td_session.get(&path).await;
        assert_eq!(t.status, StatusCode::OK, "{path}");
        for other in ["SYT", "VIETTEL", "STTTT"] {
            assert!(
                !t.text.contains(&common::marker(other)),
                "{path} shows {other}"
            );
            assert!(
                !t.text.contains(&format!(",{other},")),
                "{path} shows {other}"
            );
        }
    }
    let r = app
        .api(
            "get",
            &format!("/api/v1/reports/scorecards?month={m}"),
            Some(&td_token),
            None,
        )
        .await;
    let cards: Vec<Value> = serde_json::from_value(r.json()).expect("cards");
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["figures"]["code"], "TAMDUONG");

    // Each PDF renders to pages with ink on them and reads back in Vietnamese.
    let today = canhgac_domain::duty::local_date(now);
    let spec = canhgac_domain::period::validate(
        "Tết",
        Some(today),
        Some(today + chrono::Duration::days(3)),
        Some(50),
        "",
    )
    .expect("period");
    let pid = app
        .store
        .create_period(
            &canhgac_domain::Scope::All,
            &canhgac_store::Actor::system("test"),
            &spec,
        )
        .await
        .expect("period");
    let r = app
        .api(
            "get",
            &format!("/api/v1/reports/periods/{pid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["days"], 1, "the period's first day so far");
    let r = app
        .api(
            "get",
            &format!("/api/v1/reports/periods/{pid}"),
            Some(&td_token),
            None,
        )
        .await;
    assert_eq!(
        r.json()["orgs"].as_array().map(Vec::len),
        Some(1),
        "an agency's summary: its own"
    );
    for (name, path, words) in [
        (
            "monthly-vi",
            format!("/reports/monthly?month={m}&format=pdf&lang=vi"),
            "BÁO CÁO TÌNH HÌNH BẢO ĐẢM AN TOÀN THÔNG TIN MẠNG",
        ),
        (
            "monthly-en",
            format!("/reports/monthly?month={m}&format=pdf&lang=en"),
            "INFORMATION SECURITY REPORT",
        ),
        (
            "scorecards",
            format!("/reports/scorecards?month={m}&format=pdf"),
            "BẢNG ĐIỂM AN TOÀN THÔNG TIN CÁC ĐƠN VỊ",
        ),
        (
            "daily",
            "/duty/daily/pdf".to_string(),
            "BÁO CÁO KẾT QUẢ TRỰC NGÀY",
        ),
        (
            "period",
            format!("/reports/periods/{pid}?format=pdf"),
            "BÁO CÁO TỔNG HỢP ĐỢT TRỰC CAO ĐIỂM",
        ),
    ] {
        let r = dic.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let (ink, text) = render(&r.bytes, name);
        assert!(!ink.is_empty(), "{name}: no page");
        assert!(ink.iter().all(|i| *i > 5), "{name}: a blank page: {ink:?}");
        assert!(text.contains(words), "{name}: {text}");
        if name == "monthly-vi" {
            assert!(text.contains("Tiếp nhận đúng hạn"), "diacritics: {text}");
        }
    }
    app.cleanup().await;
}

#[tokio::test]
async fn reports_agree_with_the_api_and_keep_organisations_apart() {
    reports_agree_and_keep_organisations_apart(TestApp::new().await).await;
}

#[tokio::test]
async fn the_same_on_postgres() {
    if let Some(app) = TestApp::new_postgres().await {
        reports_agree_and_keep_organisations_apart(app).await;
    }
}

#[tokio::test]
async fn a_schedule_mails_its_copy_once() {
    let app = TestApp::new().await;
    let (port, taken) = smtp::start().await;
    let mailer = Mailer::plain("127.0.0.1", port, "canhgac@t.vn").expect("mailer");
    let admin = app.token("admin@t.vn").await;
    // Problems are named, field by field.
    let r = app.api("post", "/api/v1/reports/schedules", Some(&admin), Some(json!({"org_id": app.orgs["STTTT"], "kind": "weekly", "format": "pdf", "recipients": ["nobody"], "hour": 30}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for f in ["kind", "hour", "recipients"] {
        assert!(r.text.contains(&format!("\"{f}\"")), "{f}: {}", r.text);
    }
    let r = app.api("post", "/api/v1/reports/schedules", Some(&admin), Some(json!({"org_id": app.orgs["STTTT"], "kind": "monthly", "format": "pdf", "recipients": ["lanhdao@t.vn", "bo@t.vn"], "hour": 8}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let s = r.json();
    let id = s["id"].as_i64().expect("id");
    let due = s["next_run_at"].as_i64().expect("next");
    let label = Month::of(due).prev().label();

    // Not due yet: nothing. Due: two passes at once make one copy and one mail.
    let st = run_due(&app.store, Some(&mailer), "http://t", due - 1)
        .await
        .expect("pass");
    assert_eq!(st.made, 0);
    let (a, b) = tokio::join!(
        run_due(&app.store, Some(&mailer), "http://t", due + 1),
        run_due(&app.store, Some(&mailer), "http://t", due + 1)
    );
    let (a, b) = (a.expect("pass a"), b.expect("pass b"));
    assert_eq!(a.made + b.made, 1, "{a:?} {b:?}");
    assert_eq!(a.sent + b.sent, 1);
    let again = run_due(&app.store, Some(&mailer), "http://t", due + 2)
        .await
        .expect("pass");
    assert_eq!(again.made, 0, "the schedule moved on");
    {
        let mails = taken.lock().expect("lock");
        assert_eq!(mails.len(), 1);
        let mut to = mails[0].to.clone();
        to.sort();
        assert_eq!(to, ["bo@t.vn", "lanhdao@t.vn"]);
        assert!(
            mails[0]
                .data
                .contains(&format!("bao-cao-thang-{label}.pdf")),
            "attachment named: {}",
            &mails[0].data[..mails[0].data.len().min(2000)]
        );
        assert!(mails[0].data.contains("application/pdf"));
        assert_eq!(mails[0].from, "canhgac@t.vn");
        let subject = smtp::subject(&mails[0].data);
        assert!(
            subject.starts_with("[canhgac] BÁO CÁO TÌNH HÌNH"),
            "{subject}"
        );
    }
    // The copy is listed, mailed, and downloads as the PDF that was sent.
    let r = app
        .api(
            "get",
            &format!("/api/v1/reports/schedules/{id}"),
            Some(&admin),
            None,
        )
        .await;
    let runs = r.json()["runs"].clone();
    assert_eq!(runs.as_array().map(Vec::len), Some(1), "{r:?}", r = r.text);
    assert_eq!(runs[0]["state"], "sent");
    assert_eq!(runs[0]["label"], label);
    let run = runs[0]["id"].as_i64().expect("run");
    let dl = app
        .session("admin@t.vn")
        .await
        .get(&format!("/reports/runs/{run}"))
        .await;
    assert_eq!(dl.status, StatusCode::OK);
    assert!(dl.bytes.starts_with(b"%PDF-"));

    // Made by hand: kept among the schedule's copies, marked so, at most one a minute.
    let admin_ui = app.session("admin@t.vn").await;
    let r = admin_ui
        .post(&format!("/reports/schedules/{id}/run"), &[])
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "the scheduled copy was made a moment ago"
    );
    // An agency sees neither the DIC's schedule nor its copy, and cannot change it.
    let td = app.token("td-staff@t.vn").await;
    let r = app
        .api("get", "/api/v1/reports/schedules", Some(&td), None)
        .await;
    assert_eq!(r.json(), json!([]));
    assert_eq!(
        app.api(
            "get",
            &format!("/api/v1/reports/schedules/{id}"),
            Some(&td),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.session("td-staff@t.vn")
            .await
            .get(&format!("/reports/runs/{run}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let syt = app.token("syt-admin@t.vn").await;
    assert_eq!(
        app.api(
            "delete",
            &format!("/api/v1/reports/schedules/{id}"),
            Some(&syt),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // Nor can it make its own organisation the DIC (which would report on the province).
    let r = app
        .api(
            "patch",
            &format!("/api/v1/orgs/{}", app.orgs["SYT"]),
            Some(&syt),
            Some(json!({"kind": "dic"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // An organisation's administrator schedules its own report, not another's.
    let r = app.api("post", "/api/v1/reports/schedules", Some(&syt), Some(json!({"org_id": app.orgs["TAMDUONG"], "kind": "scorecard", "format": "csv", "recipients": ["a@t.vn"], "hour": 7}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app.api("post", "/api/v1/reports/schedules", Some(&syt), Some(json!({"org_id": app.orgs["SYT"], "kind": "scorecard", "format": "csv", "lang": "en", "recipients": ["a@t.vn"], "hour": 7}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Without a mail server the copy is kept and says so.
    let s2 = r.json();
    let st = run_due(
        &app.store,
        None,
        "http://t",
        s2["next_run_at"].as_i64().expect("next") + 1,
    )
    .await
    .expect("pass");
    assert_eq!(st.made, 1);
    let r = app
        .api("get", "/api/v1/reports/runs", Some(&syt), None)
        .await;
    let runs: Vec<Value> = serde_json::from_value(r.json()).expect("runs");
    assert_eq!(runs.len(), 1, "SYT sees its own copy only");
    assert_eq!(runs[0]["state"], "kept");
    let csv = app
        .session("syt-admin@t.vn")
        .await
        .get(&format!("/reports/runs/{}", runs[0]["id"]))
        .await;
    assert!(
        csv.text.contains("Alerts taken up in time"),
        "English scorecards: {}",
        csv.text
    );
    assert!(
        !csv.text.contains("TAMDUONG"),
        "SYT's scorecards hold SYT's organisations only"
    );
    // Every change is audited.
    let audit = app
        .api(
            "get",
            "/api/v1/audit?entity=report_schedules",
            Some(&admin),
            None,
        )
        .await;
    assert!(audit.text.contains("report_schedules"), "{}", audit.text);
    app.cleanup().await;
}
