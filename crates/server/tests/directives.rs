//! Directives end to end, on both backends: the DIC issues a letter with its original file and
//! items for agencies and districts, telecoms, and one organisation by code — a bad item line is
//! refused whole, named by line; each recipient gets one task per item addressed to it (the
//! groups' organisations directly under the DIC, not their sub-units); a district acknowledges
//! and reports an item done with a file of evidence; the compliance matrix shows it and exports
//! as XLSX; reminders go by a real SMTP conversation to the administrators, once, before the
//! due date and when late; another organisation sees neither the tasks nor the evidence.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use axum::http::StatusCode;
use canhgac_domain::Scope;
use common::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directive_is_issued_reported_on_and_followed() {
    flow(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directives_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => {
            let app = flow(app).await;
            app.cleanup().await;
        }
        None => eprintln!("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here"),
    }
}

async fn flow(app: TestApp) -> TestApp {
    let all = Scope::All;
    let now = canhgac_domain::time::now_ms();
    let today = canhgac_domain::duty::local_date(now);
    let day = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%d/%m/%Y")
            .to_string()
    };
    let dic = app.session("admin@t.vn").await;
    let pdf = b"%PDF-1.4 the signed letter".to_vec();

    // A bad line refuses the whole letter, each problem named by line.
    let bad = format!(
        "1a | so-nganh, huyen | {} | Trực 24/7\n1b | | 31/02/2027 | x\n2a | KHONGCO | {} | y",
        day(3),
        day(3)
    );
    let r = dic
        .upload_fields(
            "/directives",
            &[
                ("number", "737/STTTT-BCVTCNTT"),
                ("issued_on", &day(-1)),
                ("issuer", "Giám đốc"),
                ("title", "Tăng cường ATTT dịp lễ"),
                ("items", &bad),
            ],
            &[("file", "737.pdf", &pdf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("line 2") && r.text.contains("dd/mm/yyyy"),
        "{}",
        r.text
    );
    assert!(
        app.store.directives(&all).await.unwrap().is_empty(),
        "nothing was kept"
    );
    let r = dic
        .upload_fields(
            "/directives",
            &[
                ("number", "1/X"),
                ("issued_on", &day(-1)),
                ("issuer", "G"),
                ("title", "T"),
                ("items", &format!("1 | KHONGCO | {} | y", day(3))),
            ],
            &[],
        )
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text.contains("KHONGCO"),
        "an unknown code is named: {}",
        r.text
    );
    // Only the DIC issues.
    let staff = app.session("td-staff@t.vn").await;
    let r = staff
        .upload_fields("/directives", &[("number", "9/TD")], &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let items = format!(
        "1a | so-nganh, huyen | {} | Củng cố nhân lực trực 24/7\n1b | so-nganh, huyen | {} | Cập nhật bản vá\n2a | vien-thong | {} | Trực NOC\n3 | SYT-BV | {} | Báo cáo bệnh viện",
        day(1),
        day(10),
        day(-1),
        day(5)
    );
    let r = dic
        .upload_fields(
            "/directives",
            &[
                ("number", "737/STTTT-BCVTCNTT"),
                ("issued_on", &day(-3)),
                ("issuer", "Giám đốc Sở"),
                ("title", "Tăng cường ATTT dịp lễ"),
                ("items", &items),
            ],
            &[("file", "737.pdf", &pdf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = r
        .location()
        .trim_start_matches("/directives/")
        .parse()
        .unwrap();
    let tasks = app.store.directive_tasks(&all, id).await.unwrap();
    let mut who: Vec<(String, String)> = Vec::new();
    let its = app.store.directive_items(&all, id).await.unwrap();
    for t in &tasks {
        let code = its.iter().find(|i| i.id == t.item_id).unwrap().code.clone();
        who.push((t.org_code.clone(), code));
    }
    who.sort();
    let want: Vec<(String, String)> = [
        ("SYT", "1a"),
        ("SYT", "1b"),
        ("SYT-BV", "3"),
        ("TAMDUONG", "1a"),
        ("TAMDUONG", "1b"),
        ("VIETTEL", "2a"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(
        who, want,
        "groups reach the organisations under the DIC; a code reaches its organisation"
    );
    let r = dic.get(&format!("/directives/{id}/file")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers[axum::http::header::CONTENT_TYPE],
        "application/octet-stream"
    );
    assert!(r.text.starts_with("%PDF-1.4"));

    // The district acknowledges 1a, then reports 1b done with a file.
    let td_task = |code: &str| {
        let item = its.iter().find(|i| i.code == code).unwrap().id;
        tasks
            .iter()
            .find(|t| t.org_code == "TAMDUONG" && t.item_id == item)
            .unwrap()
            .work_item_id
    };
    let r = staff.get(&format!("/directives/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("my-tasks") && !r.text.contains("VIETTEL") && !r.text.contains(">SYT<"),
        "{}",
        r.text
    );
    let r = staff
        .post(
            &format!("/directives/{id}/tasks/{}/ack", td_task("1a")),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = staff
        .upload_fields(
            &format!("/directives/{id}/tasks/{}/report", td_task("1b")),
            &[
                ("note", "Đã vá 12 máy chủ"),
                ("evidence", "Báo cáo số 45/BC-UBND"),
            ],
            &[("file", "kiem-ke.csv", b"host;version\nweb01;1.2.3\n")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let tasks = app.store.directive_tasks(&all, id).await.unwrap();
    let t1b = tasks
        .iter()
        .find(|t| t.work_item_id == td_task("1b"))
        .unwrap();
    assert_eq!(
        (t1b.state.as_str(), t1b.note.as_deref(), t1b.files),
        ("closed", Some("Đã vá 12 máy chủ"), 1)
    );
    assert_eq!(
        tasks
            .iter()
            .find(|t| t.work_item_id == td_task("1a"))
            .unwrap()
            .state,
        "in_progress"
    );
    let files = app.store.directive_files(&all, id).await.unwrap();
    let ev = format!("/directives/{id}/evidence/{}", files[0].id);
    let r = staff.get(&ev).await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (StatusCode::OK, "host;version\nweb01;1.2.3\n")
    );
    // Viettel: its own item only; the district's evidence and tasks are not reachable.
    let vt = app.session("vt-staff@t.vn").await;
    assert_eq!(vt.get(&ev).await.status, StatusCode::NOT_FOUND);
    let r = vt
        .post(
            &format!("/directives/{id}/tasks/{}/ack", td_task("1a")),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let token = app.token("vt-staff@t.vn").await;
    let r = app
        .api(
            "GET",
            &format!("/api/v1/directives/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let tasks_vt = r.json()["tasks"].as_array().unwrap().clone();
    assert_eq!(tasks_vt.len(), 1);
    assert_eq!(tasks_vt[0]["org_code"], "VIETTEL");
    assert_eq!(
        app.api("GET", "/api/v1/directives", Some(&token), None)
            .await
            .json()[0]["tasks"],
        1
    );

    // The matrix, on the page and in XLSX; the late one is late.
    let r = dic.get(&format!("/directives/{id}")).await;
    assert!(
        r.text.contains("directive-matrix")
            && r.text.contains("Đã hoàn thành")
            && r.text.contains("Quá hạn"),
        "{}",
        r.text
    );
    let r = dic.get(&format!("/directives/{id}/xlsx")).await;
    assert_eq!(r.status, StatusCode::OK);
    let table = canhgac_sheets::read(&r.bytes, canhgac_sheets::Format::Xlsx).unwrap();
    assert_eq!(table.headers[2], format!("Mục 1a (hạn {})", day(1)));
    let td_row = table.rows.iter().find(|(_, r)| r[0] == "TAMDUONG").unwrap();
    assert_eq!(
        td_row.1[2..],
        ["Đang thực hiện", "Đã hoàn thành", "—", "—", "1/2"].map(String::from)
    );
    let vt_row = table.rows.iter().find(|(_, r)| r[0] == "VIETTEL").unwrap();
    assert_eq!(vt_row.1[4], "Quá hạn");

    // Reminders: 1a due tomorrow to SYT's administrator (TAMDUONG has none; its item was
    // acknowledged, not done, so it is reminded too), 2a late to Viettel; each once.
    let (port, mails) = smtp::start().await;
    let mailer = canhgac_ops::mail::Mailer::plain("127.0.0.1", port, "canhgac@stttt.test").unwrap();
    let n = canhgac_ops::directives::remind(&app.store, Some(&mailer), now)
        .await
        .unwrap();
    assert_eq!(n, 3, "SYT 1a, TAMDUONG 1a due soon; VIETTEL 2a late");
    let m = mails.lock().unwrap().clone();
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].to, vec!["syt-admin@t.vn".to_string()]);
    assert!(
        smtp::subject(&m[0].data).contains("Sắp đến hạn"),
        "{}",
        m[0].data
    );
    assert_eq!(m[0].from, "canhgac@stttt.test");
    assert_eq!(
        canhgac_ops::directives::remind(&app.store, Some(&mailer), now + 60_000)
            .await
            .unwrap(),
        0,
        "once"
    );
    let late = app.store.directive_reminders(&all, id).await.unwrap();
    assert_eq!(late.iter().filter(|r| r.1 == "overdue").count(), 1);
    // The task's page links back to the directive; the audit log names the letter.
    let r = staff.get(&format!("/work/{}", td_task("1a"))).await;
    assert!(
        r.text.contains(&format!("/directives/{id}#task-")),
        "{}",
        r.text
    );
    let (audit, _) = app
        .store
        .list_audit(
            &all,
            &canhgac_store::AuditQuery {
                entity: Some("directives".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    app
}
