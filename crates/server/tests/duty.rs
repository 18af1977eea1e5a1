//! 24/7 duty end to end, on both backends: an organisation generates a holiday roster from its
//! people (one on leave), the rota keeps rest and leave and names the slots nobody could take;
//! who is on duty now shows on the overview, the duty page and the API; a swap is asked and
//! approved; the officer on duty hands the shift over and the next acknowledges; the roster
//! exports as XLSX; a person's private iCalendar link serves only their shifts and stops working
//! when replaced; another organisation sees none of it.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use canhgac_domain::duty::{local_date, midnight};
use canhgac_domain::Scope;
use canhgac_store::NewUser;
use common::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_is_generated_shown_swapped_and_exported() {
    flow(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duty_on_postgres_too() {
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
    assert!(app.store.ensure_holidays(2026..=2027).await.unwrap() >= 20);
    assert_eq!(
        app.store.ensure_holidays(2026..=2027).await.unwrap(),
        0,
        "seeded once"
    );
    // Tam Duong has three more officers; one is on leave for two days.
    let td = app.orgs["TAMDUONG"];
    let hash = canhgac_server::auth::hash_password(common::PASSWORD).unwrap();
    let mut ids = Vec::new();
    for (i, name) in ["Lò Văn Ba", "Tòng Thị Hoa", "Vàng A Sử"]
        .iter()
        .enumerate()
    {
        let u = app
            .store
            .create_user(
                &all,
                &canhgac_store::Actor::system("test"),
                &NewUser {
                    email: format!("truc{i}@tamduong.test"),
                    full_name: name.to_string(),
                    password_hash: hash.clone(),
                    role: canhgac_domain::Role::OrgStaff,
                    org_id: Some(td),
                },
            )
            .await
            .unwrap();
        ids.push(u.id);
    }
    let staff = app.session("td-staff@t.vn").await;
    let today = local_date(canhgac_domain::time::now_ms());
    let d = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%d/%m/%Y")
            .to_string()
    };
    let r = staff
        .post(
            "/duty/leave",
            &[
                ("user_id", &ids[2].to_string()),
                ("from", &d(1)),
                ("to", &d(2)),
                ("reason", "nghỉ phép năm"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // A bad date is named.
    let r = staff
        .post(
            "/duty/leave",
            &[
                ("user_id", &ids[2].to_string()),
                ("from", "31/02/2026"),
                ("to", &d(2)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("31/02/2026"), "{}", r.text);

    // Generate a 3×8 roster for a week from today across the four people.
    let people: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let mut fields = vec![
        ("name", "Trực tuần này".to_string()),
        ("first", d(0)),
        ("last", d(6)),
        ("pattern", "3x8".into()),
        ("min_rest_hours", "8".into()),
        ("max_consecutive", "5".into()),
    ];
    for p in &people {
        fields.push(("person", p.clone()));
    }
    fields.push(("person", app.users["td-staff@t.vn"].to_string()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = staff.post("/duty", &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let roster: i64 = r.location().trim_start_matches("/duty/").parse().unwrap();
    let shifts = app.store.roster_shifts(&all, roster).await.unwrap();
    assert_eq!(shifts.len(), 21);
    assert!(
        shifts.iter().all(|s| s.user_id.is_some()),
        "four people staff 3×8"
    );
    // Leave kept.
    let (lf, lt) = (
        midnight(today + chrono::Duration::days(1)),
        midnight(today + chrono::Duration::days(3)),
    );
    assert!(!shifts
        .iter()
        .any(|s| s.user_id == Some(ids[2]) && s.starts_at < lt && s.ends_at > lf));
    // The same period again overlaps: refused, named.
    let r = staff.post("/duty", &refs).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // The page: the calendar, everyone's share, no gap.
    let page = staff.get(&format!("/duty/{roster}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Lò Văn Ba") && page.text.contains("roster-load"));
    assert!(!page.text.contains("roster-gaps"));

    // One person alone for 3×8 cannot staff a day: the gaps are named.
    let r = staff
        .post(
            "/duty",
            &[
                ("name", "Một người"),
                ("first", &d(20)),
                ("last", &d(20)),
                ("pattern", "3x8"),
                ("min_rest_hours", "8"),
                ("max_consecutive", "5"),
                ("person", &people[0]),
            ],
        )
        .await;
    let lonely: i64 = r.location().trim_start_matches("/duty/").parse().unwrap();
    let page = staff.get(&format!("/duty/{lonely}")).await;
    assert!(
        page.text.contains("roster-gaps")
            && page.text.contains("CHƯA CÓ NGƯỜI")
            && page.text.contains("chưa nghỉ đủ 8 giờ"),
        "{}",
        page.text
    );
    assert_eq!(
        app.store.roster(&all, lonely).await.unwrap().unwrap().gaps,
        1
    );

    // Who is on duty now: the duty page, the overview, the API.
    let now_shift = shifts
        .iter()
        .find(|s| {
            s.starts_at <= canhgac_domain::time::now_ms()
                && canhgac_domain::time::now_ms() < s.ends_at
        })
        .cloned();
    let token = app.token("td-staff@t.vn").await;
    let api = app.api("GET", "/api/v1/duty/now", Some(&token), None).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text);
    if let Some(s) = &now_shift {
        let name = s.full_name.clone().unwrap();
        assert!(api.text.contains(&name), "{}", api.text);
        assert!(staff.get("/duty").await.text.contains(&name));
        assert!(
            staff.get("/").await.text.contains(&name),
            "the overview names who is on duty"
        );
    }
    // Viettel sees nobody of Tam Duong.
    let vt = app.token("vt-staff@t.vn").await;
    let api = app.api("GET", "/api/v1/duty/now", Some(&vt), None).await;
    assert_eq!(api.json().as_array().unwrap().len(), 0);
    assert_eq!(
        app.api(
            "GET",
            &format!("/api/v1/duty/rosters/{roster}"),
            Some(&vt),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // A swap: asked by staff, approved by the DIC operator; the shift changes hands.
    let later = shifts
        .iter()
        .rev()
        .find(|s| s.user_id != Some(ids[0]))
        .unwrap();
    let r = staff
        .post(
            "/duty/swap",
            &[
                ("shift_id", &later.id.to_string()),
                ("to_user", &people[0]),
                ("reason", "việc gia đình"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let swap = app.store.swaps(&all).await.unwrap()[0].id;
    let r = staff
        .post(&format!("/duty/swaps/{swap}"), &[("decision", "approve")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "staff do not approve their own swaps"
    );
    let op = app.session("operator@t.vn").await;
    let r = op
        .post(&format!("/duty/swaps/{swap}"), &[("decision", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        app.store
            .shift(&all, later.id)
            .await
            .unwrap()
            .unwrap()
            .user_id,
        Some(ids[0])
    );
    let r = op
        .post(&format!("/duty/swaps/{swap}"), &[("decision", "refuse")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "decided once");

    // Handover: the officer on duty now prepares the note of their shift (what happened in it,
    // what is open, their remarks); it waits on the duty page until the next one acknowledges.
    if let Some(s) = &now_shift {
        let officer = app.session(s.email.as_deref().unwrap()).await;
        assert!(officer.get("/duty").await.text.contains("handover-form"));
        let r = officer
            .post(
                &format!("/duty/shifts/{}/handover", s.id),
                &[("remarks", "Theo dõi máy chủ thư, đã báo quản trị")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let h: i64 = r
            .location()
            .trim_start_matches("/duty/handovers/")
            .parse()
            .unwrap();
        let row = app.store.handover(&all, h).await.unwrap().unwrap();
        assert!(
            row.digest.signals_new_high >= 1,
            "the seeded high alert is in the shift: {:?}",
            row.digest
        );
        assert!(row.digest.open_signals_high >= 1);
        assert_eq!(row.from_user, s.user_id);
        let page = staff.get("/duty").await;
        assert!(
            page.text.contains("Chờ nhận ca"),
            "pending handovers stay in view"
        );
        let note = staff.get(&format!("/duty/handovers/{h}")).await;
        assert!(note.text.contains("Theo dõi máy chủ thư") && note.text.contains("handover-ack"));
        // Viettel cannot read or acknowledge it.
        let vt_b = app.session("vt-staff@t.vn").await;
        assert_eq!(
            vt_b.get(&format!("/duty/handovers/{h}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            vt_b.post(&format!("/duty/handovers/{h}/ack"), &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = staff.post(&format!("/duty/handovers/{h}/ack"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(app
            .store
            .handover(&all, h)
            .await
            .unwrap()
            .unwrap()
            .acknowledged_at
            .is_some());
        assert_eq!(
            staff
                .post(&format!("/duty/handovers/{h}/ack"), &[])
                .await
                .status,
            StatusCode::CONFLICT
        );
        // Once acknowledged it cannot be rewritten.
        let r = officer
            .post(
                &format!("/duty/shifts/{}/handover", s.id),
                &[("remarks", "sửa")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    }

    // XLSX.
    let x = staff.get(&format!("/duty/{roster}/xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers[axum::http::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains(".xlsx"));

    // The iCalendar link: shown once, serves only its owner's shifts, replaced → the old one fails.
    let r = staff.post("/duty/feed", &[]).await;
    let url = r
        .text
        .split("id=\"feed-url\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    assert!(url.starts_with("/duty/ical/"));
    let feed = app.api("GET", &url, None, None).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.headers[axum::http::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let mine = app
        .store
        .user_shifts(app.users["td-staff@t.vn"], 0)
        .await
        .unwrap();
    assert_eq!(feed.text.matches("BEGIN:VEVENT").count(), mine.len());
    staff.post("/duty/feed", &[]).await;
    assert_eq!(
        app.api("GET", &url, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api("GET", "/duty/ical/not-a-token", None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Holidays are the DIC admin's to change.
    let r = staff
        .post(
            "/duty/holidays",
            &[("day", "02/01/2027"), ("name", "Nghỉ bù")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = app.session("admin@t.vn").await;
    let r = admin
        .post(
            "/duty/holidays",
            &[("day", "02/01/2027"), ("name", "Nghỉ bù Tết Dương lịch")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 2).unwrap();
    assert_eq!(
        app.store.holidays(day, day).await.unwrap()[0].name,
        "Nghỉ bù Tết Dương lịch"
    );
    app
}
