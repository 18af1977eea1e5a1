//! Incident reports end to end, on both backends, with a real SMTP conversation: the initial
//! report (Mẫu 03) is filled from the incident's record, edited and saved as versions, printed
//! (HTML, PDF), and e-mailed through a local SMTP server this test runs — `[TBSC]` subject, PDF
//! attached, sent to the clause-3 contact chosen — then marked sent on the incident's timeline;
//! a server that refuses leaves the report unsent and the failure logged; a missed deadline is
//! escalated once, by e-mail to the organisation's administrators; the deadlines, contact points
//! and templates are the DIC's data; the six-monthly summary counts the incidents.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use axum::http::StatusCode;
use canhgac_domain::Scope;
use canhgac_server::{router, AppState, ServerConfig};
use canhgac_store::Actor;
use common::TestApp;
use serde_json::json;
use std::sync::Arc;

fn with_mailer(app: &mut TestApp, port: Option<u16>) {
    let cfg = ServerConfig {
        secure_cookies: false,
        monitor: canhgac_ops::monitor::MonitorConfig {
            bundled_rules: false,
            ..Default::default()
        },
        mailer: port.map(|p| {
            Arc::new(
                canhgac_ops::mail::Mailer::plain("127.0.0.1", p, "canhgac@stttt.test").unwrap(),
            )
        }),
        ..ServerConfig::default()
    };
    app.state = AppState::new(app.store.clone(), cfg);
    app.router = router(app.state.clone());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_filled_sent_by_smtp_and_escalated() {
    flow(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => {
            let app = flow(app).await;
            app.cleanup().await;
        }
        None => eprintln!("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here"),
    }
}

async fn flow(mut app: TestApp) -> TestApp {
    let (port, taken) = smtp::start().await;
    with_mailer(&mut app, Some(port));
    let all = Scope::All;
    assert_eq!(
        canhgac_ops::reports::ensure_contacts(&app.store)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        canhgac_ops::reports::ensure_contacts(&app.store)
            .await
            .unwrap(),
        0,
        "seeded once"
    );
    let td = app.orgs["TAMDUONG"];
    let now = canhgac_domain::time::now_ms();
    let day = 86_400_000;

    // An incident of Tam Duong detected two days ago.
    let staff = app.session("td-staff@t.vn").await;
    let r = staff
        .post(
            "/incidents",
            &[
                ("title", "Máy chủ thư bị chiếm quyền"),
                ("summary", "Tài khoản quản trị bị đăng nhập từ nước ngoài"),
                ("category", "intrusion"),
                ("tlp", "amber"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = r
        .location()
        .trim_start_matches("/incidents/")
        .parse()
        .unwrap();
    let inc = app.store.incident(&all, id).await.unwrap().unwrap();
    assert_eq!(inc.org_id, td);

    // The incident page shows the initial report due in five days, not yet drafted.
    let page = staff.get(&format!("/incidents/{id}")).await;
    assert!(
        page.text.contains("Báo cáo ban đầu sự cố (Mẫu 03)"),
        "{}",
        page.text
    );
    assert!(page.text.contains("5 ngày kể từ khi phát hiện"));
    assert!(page.text.contains("Chưa gửi — còn hạn"));
    assert!(page.text.contains("chưa lập"));

    // The editor comes filled from the record.
    let ed = staff.get(&format!("/incidents/{id}/reports/initial")).await;
    assert_eq!(ed.status, StatusCode::OK);
    assert!(
        ed.text.contains("Máy chủ thư bị chiếm quyền")
            || ed
                .text
                .contains("Tài khoản quản trị bị đăng nhập từ nước ngoài")
    );
    assert!(
        ed.text.contains("Truy cập trái phép") || ed.text.contains("chiếm quyền"),
        "category label"
    );
    assert!(ed.text.contains("Có (TLP:AMBER)"));
    assert!(ed.text.contains("01/"), "a report number: {}", ed.text);
    // Sending before saving is refused.
    let contacts = app.store.report_contacts(true).await.unwrap();
    let vncert = contacts.iter().find(|c| c.email == "ir@vncert.vn").unwrap();
    let r = staff
        .post(
            &format!("/incidents/{id}/reports/initial/send"),
            &[("contact", &vncert.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("Hãy lưu báo cáo trước khi gửi"),
        "{}",
        r.text
    );

    // Save twice: two versions.
    let fields = [
        ("number", "07/2026/BCSC"),
        (
            "f_summary",
            "Tài khoản quản trị bị đăng nhập từ nước ngoài; đã đổi mật khẩu.",
        ),
        ("f_controls", "Tường lửa, xác thực hai lớp cho VPN"),
        ("f_requests", "Đề nghị VNCERT/CC hỗ trợ phân tích"),
        ("f_not_in_template", "dropped"),
    ];
    assert_eq!(
        staff
            .post(&format!("/incidents/{id}/reports/initial"), &fields)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let mut fields2 = fields.to_vec();
    fields2[2] = (
        "f_controls",
        "Tường lửa, xác thực hai lớp cho VPN, giám sát nhật ký tập trung",
    );
    assert_eq!(
        staff
            .post(&format!("/incidents/{id}/reports/initial"), &fields2)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let (row, v) = app
        .store
        .incident_report(&all, id, canhgac_domain::report::ReportKind::Initial)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.number.as_str(), row.version), ("07/2026/BCSC", 2));
    assert_eq!(
        v.fields["controls"],
        "Tường lửa, xác thực hai lớp cho VPN, giám sát nhật ký tập trung"
    );
    assert!(
        !v.fields.contains_key("not_in_template"),
        "only the template's fields are kept"
    );
    assert_eq!(
        app.store.report_versions(&all, row.id).await.unwrap().len(),
        2
    );

    // Print view and PDF.
    let pr = staff
        .get(&format!("/incidents/{id}/reports/initial/print"))
        .await;
    assert!(
        pr.text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            && pr.text.contains("BÁO CÁO BAN ĐẦU SỰ CỐ")
            && pr.text.contains("07/2026/BCSC")
    );
    let pdf = staff
        .get(&format!("/incidents/{id}/reports/initial/pdf"))
        .await;
    assert_eq!(
        pdf.headers[axum::http::header::CONTENT_TYPE],
        "application/pdf"
    );
    assert!(pdf.text.starts_with("%PDF-1.7"));
    assert!(pdf.headers[axum::http::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));

    // Sent to VNCERT/CC and one more address, through the SMTP server.
    let r = staff
        .post(
            &format!("/incidents/{id}/reports/initial/send"),
            &[
                ("contact", &vncert.id.to_string()),
                ("extra", "lanhdao@tamduong.test"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let msgs = taken.lock().unwrap().clone();
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m.from, "canhgac@stttt.test");
    assert_eq!(
        m.to,
        vec![
            "ir@vncert.vn".to_string(),
            "lanhdao@tamduong.test".to_string()
        ]
    );
    let subj = smtp::subject(&m.data);
    assert!(
        subj.starts_with("[TBSC] Báo cáo ban đầu sự cố số 07/2026/BCSC"),
        "{subj}"
    );
    assert!(m.data.contains("application/pdf"), "PDF attached");
    assert!(m.data.contains("mau03-bao-cao-ban-dau-07-2026-BCSC.pdf"));
    let (row, _) = app
        .store
        .incident_report(&all, id, canhgac_domain::report::ReportKind::Initial)
        .await
        .unwrap()
        .unwrap();
    assert!(row.sent_at.is_some());
    assert_eq!(row.sent_version, Some(2));
    assert_eq!(row.sent_to, "ir@vncert.vn, lanhdao@tamduong.test");
    let tl = app.store.incident_timeline(&all, id).await.unwrap();
    assert!(tl
        .iter()
        .any(|t| t.kind == "report_sent" && t.text.contains("ir@vncert.vn")));
    let page = staff.get(&format!("/incidents/{id}")).await;
    assert!(page.text.contains("Đã gửi đúng hạn"));
    let log = app
        .store
        .mail_log(
            &Scope::for_user(canhgac_domain::access::Role::OrgStaff, Some(td), &[]),
            10,
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, "sent");
    assert!(log[0].detail.contains("250"), "{}", log[0].detail);

    // A server that refuses the recipient: nothing is marked, the failure is logged.
    staff
        .post(
            "/incidents",
            &[("title", "Sự cố thứ hai"), ("category", "malware")],
        )
        .await;
    let (list, _) = app
        .store
        .list_incidents(&all, &canhgac_store::IncidentFilter::default())
        .await
        .unwrap();
    let second = list.iter().find(|i| i.title == "Sự cố thứ hai").unwrap().id;
    staff
        .post(
            &format!("/incidents/{second}/reports/initial"),
            &[("number", "08/2026/BCSC")],
        )
        .await;
    let r = staff
        .post(
            &format!("/incidents/{second}/reports/initial/send"),
            &[("extra", "refuse@vncert.test")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Máy chủ thư không nhận thư"), "{}", r.text);
    let (row2, _) = app
        .store
        .incident_report(&all, second, canhgac_domain::report::ReportKind::Initial)
        .await
        .unwrap()
        .unwrap();
    assert!(row2.sent_at.is_none());
    let log = app.store.mail_log(&all, 10).await.unwrap();
    assert_eq!(log[0].status, "failed");
    assert!(
        log[0].detail.contains("550") || log[0].detail.to_lowercase().contains("reject"),
        "{}",
        log[0].detail
    );
    // Not an address at all: refused before any mail is attempted.
    let r = staff
        .post(
            &format!("/incidents/{second}/reports/initial/send"),
            &[("extra", "khong-phai-dia-chi")],
        )
        .await;
    assert!(r.text.contains("Địa chỉ nhận không hợp lệ"), "{}", r.text);

    // A missed deadline: an incident detected ten days ago, never reported, is escalated once,
    // and the Tam Duong administrator... (Tam Duong has none) — the DIC's duty officers get mail.
    let old = app
        .store
        .create_incident(
            &all,
            &Actor::system("test"),
            &canhgac_store::NewIncident {
                org_id: td,
                title: "Sự cố cũ chưa báo cáo".into(),
                summary: String::new(),
                category: canhgac_domain::incident::Category::Other,
                gravity_computed: canhgac_domain::incident::Gravity::Ordinary,
                gravity_override: None,
                impacts: vec![],
                beyond_owner: false,
                tlp: canhgac_domain::incident::Tlp::Green,
                techniques: vec![],
                started_at: None,
                detected_at: now - 10 * day,
                hosts: vec![],
                systems: vec![],
                orgs: vec![],
                signals: vec![],
                opened_at: Some(now - 10 * day),
            },
        )
        .await
        .unwrap();
    let before = taken.lock().unwrap().len();
    let n =
        canhgac_ops::reports::check_deadlines(&app.store, app.state.config.mailer.as_deref(), now)
            .await
            .unwrap();
    assert_eq!(n, 1, "only the old incident is overdue");
    assert_eq!(
        canhgac_ops::reports::check_deadlines(&app.store, app.state.config.mailer.as_deref(), now)
            .await
            .unwrap(),
        0,
        "once"
    );
    let esc = app.store.escalations(&all, old.id).await.unwrap();
    assert_eq!(esc.len(), 1);
    assert_eq!(esc[0].reason, "initial_overdue");
    assert_eq!(esc[0].channel, "email");
    assert!(
        esc[0].to_whom.contains("admin@t.vn") && esc[0].to_whom.contains("operator@t.vn"),
        "{}",
        esc[0].to_whom
    );
    let msgs = taken.lock().unwrap().clone();
    assert_eq!(msgs.len(), before + 1);
    assert!(msgs
        .last()
        .unwrap()
        .to
        .contains(&"operator@t.vn".to_string()));
    let page = staff.get(&format!("/incidents/{}", old.id)).await;
    assert!(
        page.text.contains("Quá hạn chưa gửi") && page.text.contains("Quá hạn báo cáo ban đầu"),
        "{}",
        page.text
    );

    // Support requested: the initial report is due at once.
    let r = staff
        .post(
            &format!("/incidents/{second}/support"),
            &[("note", "cần phân tích mã độc")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = staff.get(&format!("/incidents/{second}")).await;
    assert!(
        page.text.contains("ngay khi đề nghị hỗ trợ (trong 2 giờ)"),
        "{}",
        page.text
    );
    // A manual escalation by telephone.
    let r = staff
        .post(
            &format!("/incidents/{second}/escalations"),
            &[
                ("to_whom", "VNCERT/CC"),
                ("channel", "phone"),
                ("note", "gọi 086.9100.317"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let esc = app.store.escalations(&all, second).await.unwrap();
    assert_eq!(
        (esc[0].channel.as_str(), esc[0].actor.as_str()),
        ("phone", "td-staff@t.vn")
    );

    // The rules are the DIC's: staff cannot change them; the DIC admin can, and due dates move.
    let r = staff
        .post(
            "/incidents/reporting/rules",
            &[
                ("notice_days", "1"),
                ("closing_days", "5"),
                ("support_hours", "2"),
                ("subject_prefix", "[TBSC]"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = app.session("admin@t.vn").await;
    let r = admin
        .post(
            "/incidents/reporting/rules",
            &[
                ("notice_days", "3"),
                ("closing_days", "4"),
                ("support_hours", "1"),
                ("subject_prefix", "[TBSC-2026]"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let rules = app.store.report_rules().await.unwrap();
    assert_eq!(
        (
            rules.deadlines.notice_days,
            rules.deadlines.closing_days,
            rules.deadlines.support_hours
        ),
        (3, 4, 1)
    );
    assert_eq!(rules.subject_prefix, "[TBSC-2026]");
    let r = admin
        .post(
            "/incidents/reporting/rules",
            &[
                ("notice_days", "x"),
                ("closing_days", "4"),
                ("support_hours", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("notice_days"));
    // A template that does not read names its line; a good one is used by the next draft.
    let r = admin
        .post(
            "/incidents/reporting/templates/closing",
            &[
                ("title", "BÁO CÁO KẾT THÚC"),
                ("fields", "summary | Tóm tắt\nsai dòng này\n"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("dòng 2"), "{}", r.text);
    let r = admin.post("/incidents/reporting/templates/closing", &[("title", "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ (2026)"), ("fields", "what_happened | Sự cố đã xảy ra\nresolution | Đã xử lý\nnew_field | Mục mới do Sở thêm\n")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let ed = staff.get(&format!("/incidents/{id}/reports/closing")).await;
    assert!(
        ed.text.contains("Mục mới do Sở thêm") && !ed.text.contains("Thời gian kết thúc ứng phó")
    );
    // A contact point changed by the DIC (bad address refused).
    let r = admin
        .post(
            "/incidents/reporting/contacts",
            &[
                ("name", "Cục A05, Bộ Công an"),
                ("email", "khong hop le"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = admin
        .post(
            "/incidents/reporting/contacts",
            &[
                ("name", "Cục A05, Bộ Công an"),
                ("email", "a05@bocongan.test"),
                ("position", "4"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store.report_contacts(true).await.unwrap().len(), 4);
    assert!(
        app.store
            .list_audit(
                &all,
                &canhgac_store::AuditQuery {
                    entity: Some("report_contacts".into()),
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .0
            .len()
            >= 4
    );

    // The six-monthly summary counts this half-year's incidents in scope, by category.
    let s = staff.get("/incidents/summary").await;
    assert_eq!(s.status, StatusCode::OK);
    let api = app
        .api(
            "GET",
            "/api/v1/incidents/summary",
            Some(&app.token("td-staff@t.vn").await),
            None,
        )
        .await;
    let j = api.json();
    let count = |cat: &str| {
        j["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["category"] == cat)
            .unwrap()["total"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count("intrusion"), 1);
    assert_eq!(count("malware"), 1);
    assert_eq!(
        j["counts"].as_array().unwrap().len(),
        11,
        "every category, zeros included"
    );
    let pdf = staff.get("/incidents/summary?format=pdf").await;
    assert!(pdf.text.starts_with("%PDF"));
    // The CSV and the workbook hold the API's numbers.
    let csv = staff.get("/incidents/summary?format=csv").await;
    let t = canhgac_sheets::read(csv.text.as_bytes(), canhgac_sheets::Format::Csv).expect("csv");
    let total = t.rows.last().expect("total row").1[2]
        .parse::<i64>()
        .expect("total");
    assert_eq!(total, j["total"].as_i64().expect("total"));
    assert_eq!(t.rows.len(), 12, "11 categories and the total");
    let x = staff.get("/incidents/summary?format=xlsx").await;
    let t = canhgac_sheets::read(&x.bytes, canhgac_sheets::Format::Xlsx).expect("xlsx");
    assert_eq!(t.rows.last().expect("total").1[2], total.to_string());
    // Another organisation's staff counts none of Tam Duong's.
    let vt = app
        .api(
            "GET",
            "/api/v1/incidents/summary",
            Some(&app.token("vt-staff@t.vn").await),
            None,
        )
        .await
        .json();
    assert_eq!(vt["total"], 0);

    // The API: deadlines and reports; saving refuses fields the form does not have.
    let token = app.token("td-staff@t.vn").await;
    let j = app
        .api(
            "GET",
            &format!("/api/v1/incidents/{id}/reports"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(j["deadlines"][0]["state"], "sent_on_time");
    assert_eq!(j["reports"][0]["number"], "07/2026/BCSC");
    let r = app
        .api(
            "PUT",
            &format!("/api/v1/incidents/{id}/reports/initial"),
            Some(&token),
            Some(json!({"fields": {"bogus": "x"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .api(
            "PUT",
            &format!("/api/v1/incidents/{id}/reports/initial"),
            Some(&token),
            Some(json!({"fields": {"summary": "Bản sửa qua API"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["version"], 3);
    // Viettel cannot read or write Tam Duong's reports.
    let vt_token = app.token("vt-staff@t.vn").await;
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/incidents/{id}/reports/initial"),
            Some(&vt_token),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let vt = app.session("vt-staff@t.vn").await;
    assert_eq!(
        vt.get(&format!("/incidents/{id}/reports/initial/pdf"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        vt.post(
            &format!("/incidents/{id}/reports/initial/send"),
            &[("extra", "x@y.test")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_mail_server_nothing_pretends_to_be_sent() {
    let mut app = TestApp::new().await;
    with_mailer(&mut app, None);
    canhgac_ops::reports::ensure_contacts(&app.store)
        .await
        .unwrap();
    let staff = app.session("td-staff@t.vn").await;
    let r = staff
        .post(
            "/incidents",
            &[("title", "Không có máy chủ thư"), ("category", "other")],
        )
        .await;
    let id: i64 = r
        .location()
        .trim_start_matches("/incidents/")
        .parse()
        .unwrap();
    staff
        .post(
            &format!("/incidents/{id}/reports/initial"),
            &[("number", "01/2026/BCSC")],
        )
        .await;
    let r = staff
        .post(
            &format!("/incidents/{id}/reports/initial/send"),
            &[("extra", "ir@vncert.vn")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Chưa cấu hình máy chủ thư"), "{}", r.text);
    let (row, _) = app
        .store
        .incident_report(&Scope::All, id, canhgac_domain::report::ReportKind::Initial)
        .await
        .unwrap()
        .unwrap();
    assert!(row.sent_at.is_none());
}
