//! Pages read in words and Vietnamese dates (without a browser): the event search takes
//! `dd/mm/yyyy hh:mm` in Viet Nam time and names a box it cannot read; the audit log says what
//! happened in words and links the record; Botnet periods read mm/yyyy.

#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use canhgac_domain::time::{fmt_datetime, now_ms};
use common::{marker, TestApp};

fn q(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

#[tokio::test]
async fn event_search_reads_vietnamese_times_and_names_a_bad_box() {
    let app = TestApp::new().await;
    let b = app.session("admin@t.vn").await;
    // The fixture's SYT event ends with its marker (the marker alone is also in the organisation list).
    let m = format!("ssh2 {}", marker("SYT"));

    let page = b.get("/events").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains("datetime-local"),
        "no browser date picker"
    );
    assert!(page.text.contains("placeholder=\"dd/mm/yyyy hh:mm\""));

    // The fixture's events are stamped now: a window around now finds them, one after or
    // before it does not. Times are typed in Viet Nam time.
    let hour = 3_600_000;
    let around = b
        .get(&format!(
            "/events?from={}&to={}",
            q(&fmt_datetime(now_ms() - hour)),
            q(&fmt_datetime(now_ms() + hour))
        ))
        .await;
    assert!(
        around.text.contains(&m),
        "an hour around now finds the events"
    );
    let later = b
        .get(&format!(
            "/events?from={}",
            q(&fmt_datetime(now_ms() + hour))
        ))
        .await;
    assert!(!later.text.contains(&m), "nothing after an hour from now");
    let earlier = b
        .get(&format!("/events?to={}", q(&fmt_datetime(now_ms() - hour))))
        .await;
    assert!(!earlier.text.contains(&m), "nothing before an hour ago");
    // A date alone in "to" means the whole day.
    let today = canhgac_domain::time::fmt_date(now_ms());
    let day = b.get(&format!("/events?to={}", q(&today))).await;
    assert!(day.text.contains(&m), "to=today includes today's events");
    // The box shows what the officer typed.
    assert!(day.text.contains(&format!("value=\"{today}\"")));

    // A box it cannot read is named, with what was typed and the expected form.
    let bad = b
        .get(&format!("/events?from={}", q("31/02/2026 08:00")))
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(
        bad.text.contains("“Từ” không đọc được") && bad.text.contains("31/02/2026 08:00"),
        "{}",
        bad.text
    );
    assert!(bad.text.contains("dd/mm/yyyy hh:mm, ví dụ"));
    assert!(
        bad.text.contains(&m),
        "the unreadable bound does not filter"
    );
}

#[tokio::test]
async fn audit_log_reads_in_words_and_links_records() {
    let app = TestApp::new().await;
    let b = app.session("admin@t.vn").await;

    let hosts = b.get("/audit?entity=hosts").await;
    assert_eq!(hosts.status, StatusCode::OK);
    let host = format!("{}-web01", marker("SYT"));
    assert!(hosts.text.contains("Thêm máy"), "{}", hosts.text);
    assert!(hosts.text.contains(&host));
    assert!(
        hosts.text.contains("href=\"/hosts/"),
        "each entry links its host"
    );
    assert!(
        hosts.text.contains("Hệ thống (test)"),
        "a system actor in words"
    );
    assert!(!hosts.text.contains(">system:test<"));
    assert!(!hosts.text.contains(">create<"));
    assert!(!hosts.text.contains("org_id="), "{}", hosts.text);

    let lists = b.get("/audit?entity=botnet_lists").await;
    assert!(
        lists.text.contains("Nhập danh sách IP Botnet"),
        "{}",
        lists.text
    );
    assert!(lists.text.contains("href=\"/botnet/"));
    assert!(lists.text.contains("10/2026") && !lists.text.contains("2026-10"));

    let work = b.get("/audit?entity=work_items").await;
    assert!(work.text.contains("Thêm nhiệm vụ") && work.text.contains("href=\"/work/"));

    // The same in English.
    let en = app
        .send(
            Request::get("/audit?entity=hosts")
                .header(header::COOKIE, format!("{}; canhgac_lang=en", b.cookie))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(en.text.contains("Added host") && en.text.contains("System (test)"));
}

#[tokio::test]
async fn botnet_periods_and_kev_dates_read_the_vietnamese_way() {
    let app = TestApp::new().await;
    let b = app.session("operator@t.vn").await;
    let lists = b.get("/botnet").await;
    assert!(lists.text.contains("10/2026"), "{}", lists.text);
    assert!(!lists.text.contains("2026-10"), "no ISO period");
    let adv = b.get("/advisories").await;
    // The manual warning form names severities in words.
    assert!(adv.text.contains(">Nghiêm trọng<") && !adv.text.contains(">critical<"));
}
