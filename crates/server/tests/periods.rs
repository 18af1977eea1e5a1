//! Heightened periods and the daily duty report, on both backends: the DIC declares a period
//! (every problem of a bad one named; no overlap); while it runs, open tasks' remaining time is
//! cut to its share, once; an organisation's daily report is prefilled from its day and sent,
//! corrected, and shows on the dashboard of who has reported, which another organisation sees
//! only for itself; the daily duty report counts the day, is edited and saved, and exports as
//! print, PDF and XLSX.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use canhgac_domain::duty::{local_date, Slot};
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::work::WorkKind;
use canhgac_domain::Scope;
use canhgac_store::{Actor, NewRoster, NewSignal, NewWorkItem};
use common::TestApp;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_period_tightens_limits_and_collects_daily_reports() {
    flow(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn periods_on_postgres_too() {
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
    let sys = Actor::system("test");
    let now = canhgac_domain::time::now_ms();
    let today = local_date(now);
    let day = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%d/%m/%Y")
            .to_string()
    };
    let td = app.orgs["TAMDUONG"];
    let dic = app.session("admin@t.vn").await;
    let staff = app.session("td-staff@t.vn").await;

    // A task due in ten days, and the day's data of Tam Duong: a shift, two alerts.
    let task = app
        .store
        .create_work_item(
            &all,
            &sys,
            &NewWorkItem {
                kind: WorkKind::General,
                title: "Rà soát tường lửa".into(),
                org_id: td,
                host_id: None,
                signal_id: None,
                due_at: Some(now + 10 * 86_400_000),
                detail: json!({}),
                subject: None,
            },
        )
        .await
        .unwrap();
    let slot = Slot {
        date: today,
        code: "24h",
        starts_at: canhgac_domain::duty::midnight(today),
        ends_at: canhgac_domain::duty::midnight(today) + 86_400_000,
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
    for (key, sev) in [("a", Severity::High), ("b", Severity::Low)] {
        app.store
            .raise_signal(&NewSignal {
                kind: SignalKind::SigmaAlert,
                source: "t".into(),
                title: format!("Cảnh báo {key}"),
                severity: sev,
                org_id: Some(td),
                host_id: None,
                dedup_key: key.into(),
                seen_at: now,
                window_ms: 1000,
                payload: json!({}),
                host_name: None,
                src_ip: None,
            })
            .await
            .unwrap();
    }

    // A bad period is refused whole; only the DIC declares.
    let r = dic
        .post(
            "/periods",
            &[
                ("name", ""),
                ("first", &day(3)),
                ("last", &day(1)),
                ("factor_pct", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("name") && r.text.contains("last") && r.text.contains("factor_pct"),
        "{}",
        r.text
    );
    assert_eq!(
        staff
            .post(
                "/periods",
                &[
                    ("name", "x"),
                    ("first", &day(0)),
                    ("last", &day(1)),
                    ("factor_pct", "50")
                ]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = dic
        .post(
            "/periods",
            &[
                ("name", "Cao điểm kiểm thử"),
                ("first", &day(-1)),
                ("last", &day(5)),
                ("factor_pct", "50"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let pid: i64 = r
        .location()
        .trim_start_matches("/periods/")
        .parse()
        .unwrap();
    let r = dic
        .post(
            "/periods",
            &[
                ("name", "Chồng lấn"),
                ("first", &day(4)),
                ("last", &day(8)),
                ("factor_pct", "50"),
            ],
        )
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text.contains("Cao điểm kiểm thử"),
        "an overlap is named: {}",
        r.text
    );

    // Under way: the task's remaining time is halved, once; the pager's waits too.
    assert!(canhgac_ops::periods::apply(&app.store, now).await.unwrap() >= 1);
    let due = app
        .store
        .work_item(&all, task.id)
        .await
        .unwrap()
        .unwrap()
        .due_at
        .unwrap();
    assert_eq!(due, now + 5 * 86_400_000);
    assert_eq!(
        canhgac_ops::periods::apply(&app.store, now + 60_000)
            .await
            .unwrap(),
        0,
        "once per task"
    );
    assert_eq!(
        app.store
            .work_item(&all, task.id)
            .await
            .unwrap()
            .unwrap()
            .due_at
            .unwrap(),
        due
    );

    // Tam Duong's report of today, prefilled from its day, sent, corrected.
    let r = staff.get(&format!("/periods/{pid}/report")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The harness seeds alerts of its own: count what the day holds.
    let tds = Scope::Orgs([td].into());
    let from = canhgac_domain::duty::midnight(today);
    let c = app
        .store
        .daily_counts(&tds, &today.to_string(), from, from + 86_400_000)
        .await
        .unwrap();
    let sev = |s: &str| c.signals_by_severity.get(s).copied().unwrap_or(0);
    let total: i64 = c.signals_by_severity.values().sum();
    assert!(sev("high") >= 1 && sev("low") >= 1);
    let line = format!(
        "{total} cảnh báo mới ({} mức cao",
        sev("high") + sev("critical")
    );
    assert!(
        r.text.contains("1 ca, 1 người") && r.text.contains(&line),
        "{line}: {}",
        r.text
    );
    let r = staff
        .post(
            &format!("/periods/{pid}/report"),
            &[
                ("day", &day(0)),
                ("f_duty_staffed", "2 người"),
                ("f_issues", "Không"),
                ("f_other", "dropped"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = staff
        .post(
            &format!("/periods/{pid}/report"),
            &[
                ("day", &day(0)),
                ("f_duty_staffed", "3 người"),
                ("f_issues", "Không"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let reps = app.store.period_reports(&all, pid).await.unwrap();
    assert_eq!(reps.len(), 1, "a correction replaces the day's report");
    assert_eq!(
        reps[0].fields.get("duty_staffed").map(String::as_str),
        Some("3 người")
    );
    assert!(
        !reps[0].fields.contains_key("other"),
        "only the form's keys"
    );
    let r = staff
        .post(
            &format!("/periods/{pid}/report"),
            &[("day", &day(3)), ("f_issues", "x")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "a future day is clamped to today"
    );
    assert_eq!(app.store.period_reports(&all, pid).await.unwrap().len(), 1);
    // API: Viettel sends its own; the dashboard shows who reported.
    let token = app.token("vt-staff@t.vn").await;
    let r = app
        .api(
            "POST",
            &format!("/api/v1/periods/{pid}/reports"),
            Some(&token),
            Some(json!({"day": day(-1), "fields": {"incidents": "Không có"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .api(
            "POST",
            &format!("/api/v1/periods/{pid}/reports"),
            Some(&token),
            Some(json!({"day": day(-5), "fields": {}})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside the period"
    );
    let r = dic.get(&format!("/periods/{pid}")).await;
    assert!(
        r.text.contains("period-matrix")
            && r.text.contains("TAMDUONG")
            && r.text.contains("VIETTEL"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("1/4"),
        "one of four organisations (the DIC too) reported today: {}",
        r.text
    );
    let r = staff.get(&format!("/periods/{pid}")).await;
    assert!(!r.text.contains("VIETTEL"), "{}", r.text);
    let r = app
        .api("GET", &format!("/api/v1/periods/{pid}"), Some(&token), None)
        .await;
    let codes: Vec<String> = r.json()["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["org_code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, vec!["VIETTEL".to_string()]);

    // The daily duty report: the day counted, edited and saved, exported.
    let r = staff.get("/duty/daily").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let line = format!(
        "Hệ thống ghi nhận {total} cảnh báo mới tại đơn vị: {} nghiêm trọng, {} cao",
        sev("critical"),
        sev("high")
    );
    assert!(
        r.text.contains("daily-figures") && r.text.contains(&line),
        "{line}: {}",
        r.text
    );
    assert!(r.text.contains("Cao điểm kiểm thử"), "the period is named");
    let r = staff
        .post(
            "/duty/daily",
            &[
                ("day", &day(0)),
                ("narrative", "Ngày bình thường, đã xử lý 2 cảnh báo."),
                ("remarks", "Đề nghị bổ sung nhân lực."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = staff.get(&format!("/duty/daily?day={}", day(0))).await;
    assert!(
        r.text.contains("daily-saved") && r.text.contains("Ngày bình thường"),
        "{}",
        r.text
    );
    let r = staff
        .get(&format!("/duty/daily?day={}&fresh=1", day(0)))
        .await;
    assert!(r.text.contains(&line), "rewritten from the figures");
    let r = staff
        .get(&format!("/duty/daily/print?day={}", day(0)))
        .await;
    assert!(
        r.text.contains("BÁO CÁO KẾT QUẢ TRỰC NGÀY")
            && r.text.contains("Đề nghị bổ sung nhân lực."),
        "{}",
        r.text
    );
    let r = staff.get(&format!("/duty/daily/pdf?day={}", day(0))).await;
    assert_eq!(
        r.headers[axum::http::header::CONTENT_TYPE],
        "application/pdf"
    );
    assert!(r.bytes.starts_with(b"%PDF"));
    let r = staff.get(&format!("/duty/daily/xlsx?day={}", day(0))).await;
    let t = canhgac_sheets::read(&r.bytes, canhgac_sheets::Format::Xlsx).unwrap();
    let high = t
        .rows
        .iter()
        .find(|(_, r)| r[0] == "Cảnh báo mới theo mức độ" && r[1] == "Cao")
        .unwrap();
    assert_eq!(high.1[2], sev("high").to_string());
    assert!(t
        .rows
        .iter()
        .any(|(_, r)| r.len() > 1 && r[1] == "Ngày bình thường, đã xử lý 2 cảnh báo."));
    // Viettel's report counts Viettel only.
    let r = app
        .api("GET", "/api/v1/duty/daily", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let vt = Scope::Orgs([app.orgs["VIETTEL"]].into());
    let vc = app
        .store
        .daily_counts(&vt, &today.to_string(), from, from + 86_400_000)
        .await
        .unwrap();
    assert_eq!(
        r.json()["counts"]["signals_by_severity"],
        json!(vc.signals_by_severity)
    );
    assert_eq!(r.json()["org_code"], "VIETTEL");
    // The DIC's counts the province.
    let r = dic.get("/duty/daily").await;
    assert!(
        r.text.contains("số liệu toàn tỉnh") && r.text.contains("trên địa bàn tỉnh"),
        "{}",
        r.text
    );
    app
}
