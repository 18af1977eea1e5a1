//! The web UI in a real headless Chromium (Debian's `chromium` and `chromium-driver`,
//! driven over WebDriver): log in, find a host, import a CSV with bad rows and see them;
//! watch the monitoring alert page receive an alert live (and another organisation's page
//! not receive it), handle the alert, search the events and list the Sigma rules.
//!
//! `.ci/run` installs the browser. On a machine without it the test says so and passes
//! only outside CI; under CI (`CI=true`) a missing browser fails it.

#![allow(clippy::unwrap_used)]

mod common;

use canhgac_server::{AppState, ServerConfig};
use common::{TestApp, PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running chromedriver, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
    chromium: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(names: &[&str]) -> Option<PathBuf> {
    names.iter().map(PathBuf::from).find(|p| p.exists())
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Starts chromedriver and a session on headless Chromium, or explains why not.
async fn browser() -> Option<(Driver, Client)> {
    let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
    let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        let msg = "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver; .ci/run does this)";
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("{msg}");
        }
        eprintln!("SKIPPED browser test: {msg}");
        return None;
    };
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let guard = Driver {
        child,
        port,
        chromium,
    };
    let client = session(&guard).await;
    Some((guard, client))
}

/// A new Chromium session (its own browser, profile and cookies) on a running chromedriver.
async fn session(driver: &Driver) -> Client {
    // fantoccini's rustls build and the server's TLS listener enable two rustls crypto
    // providers; without a process default rustls refuses to pick one (and panics).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let profile = std::env::temp_dir().join(common::unique("canhgac_chromium"));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": driver.chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                     format!("--user-data-dir={}", profile.display())]
        }),
    );
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
        {
            Ok(c) => return c,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("cannot start a Chromium session: {last:?}");
}

async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
}

fn shot_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let _ = std::fs::create_dir_all(&d);
    d
}

async fn shot(c: &Client, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(shot_dir().join(format!("{name}.png")), png);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_logs_in_finds_a_host_and_sees_import_errors() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState::new(
        app.store.clone(),
        ServerConfig {
            secure_cookies: false,
            ..ServerConfig::default()
        },
    );
    tokio::spawn(canhgac_server::serve(listener, state));

    // Log in.
    c.goto(&format!("{base}/hosts")).await.expect("goto");
    wait_for(&c, "#email")
        .await
        .send_keys("td-staff@t.vn")
        .await
        .expect("type");
    c.find(Locator::Css("#password"))
        .await
        .expect("pw")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    shot(&c, "01-login").await;
    c.find(Locator::Css("#login"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    let who = wait_for(&c, "#whoami").await.text().await.expect("text");
    assert!(who.contains("td-staff@t.vn"), "{who}");
    assert!(
        c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/hosts"),
        "back where the officer was going"
    );

    // Find a host by search and open it.
    let host = format!("{}-web01", common::marker("TAMDUONG"));
    let q = wait_for(&c, "#q").await;
    q.send_keys(&host[..8]).await.expect("type");
    c.find(Locator::Css("form.filters button[type=submit]"))
        .await
        .expect("filter")
        .click()
        .await
        .expect("click");
    // Wait for the filtered page itself, so the link found is not one of the page before.
    let mut filtered = false;
    for _ in 0..50 {
        if c.current_url()
            .await
            .is_ok_and(|u| u.query().is_some_and(|q| q.contains("q=")))
        {
            filtered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(filtered, "the filter did not load");
    shot(&c, "02-hosts").await;
    let mut opened = false;
    for _ in 0..5 {
        let link = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::LinkText(&host))
            .await
            .expect("host link");
        if link.click().await.is_ok() {
            opened = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(opened, "could not open the host");
    // The list page has an h1 too: wait for the host's own.
    let mut h1 = String::new();
    for _ in 0..50 {
        h1 = wait_for(&c, "main h1")
            .await
            .text()
            .await
            .unwrap_or_default();
        if h1 == host {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(h1, host);
    let page = c.source().await.expect("source");
    assert!(
        page.contains("Phần mềm đã cài") && page.contains("openssh"),
        "the host page lists its software"
    );
    shot(&c, "03-host").await;

    // Import a CSV with bad rows and read the errors.
    c.goto(&format!("{base}/import")).await.expect("goto");
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/import/hosts_bad_rows.csv")
        .canonicalize()
        .expect("file");
    wait_for(&c, "#entity")
        .await
        .select_by_value("hosts")
        .await
        .expect("select");
    c.find(Locator::Css("#file"))
        .await
        .expect("file input")
        .send_keys(&file.display().to_string())
        .await
        .expect("attach");
    c.find(Locator::Css("#import-submit"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    let table = wait_for(&c, "#import-errors").await;
    let text = table.text().await.expect("text");
    shot(&c, "04-import-errors").await;
    assert!(text.contains("10.213.22.300"), "{text}");
    assert!(text.contains("KHONGCO"), "{text}");
    let rows = table
        .find_all(Locator::Css("tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3, "one line per bad row");
    let first = rows[0].text().await.expect("row");
    assert!(
        first.starts_with("3 kind"),
        "row number and column first: {first}"
    );
    let hosts = app
        .store
        .list(
            canhgac_domain::entity::EntityKind::Host,
            &canhgac_domain::Scope::All,
            &canhgac_store::ListQuery {
                q: Some("td-web02".into()),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(hosts.total, 0, "nothing was imported");
    c.close().await.expect("close");
}

// ---- Centralised monitoring in the browser ----

/// What a failed wait shows: where the browser was and the page's main part; a screenshot
/// goes to `target/screenshots/{name}.png`.
async fn diagnose(c: &Client, name: &str, msg: &str) -> String {
    shot(c, name).await;
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_else(|e| format!("(no URL: {e})"));
    let src = c
        .source()
        .await
        .unwrap_or_else(|e| format!("(no source: {e})"));
    let main = src.find("<main").map_or(src.as_str(), |i| &src[i..]);
    let main: String = main.chars().take(6000).collect();
    format!(
        "{msg}\n  page: {url}\n  screenshot: {}\n  source (from <main>, cut at 6000 characters):\n{main}",
        shot_dir().join(format!("{name}.png")).display()
    )
}

/// Polls `probe` every 200 ms until it gives a value, or fails with `what` and a diagnosis.
async fn eventually<T>(
    c: &Client,
    secs: u64,
    name: &str,
    what: &str,
    mut probe: impl AsyncFnMut() -> Option<T>,
) -> T {
    let until = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        if std::time::Instant::now() >= until {
            let msg = format!("after {secs} s: {what}");
            panic!("{}", diagnose(c, name, &msg).await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The text of the first element `css` names, if there is one now.
async fn text_of(c: &Client, css: &str) -> Option<String> {
    let e = c.find(Locator::Css(css)).await.ok()?;
    e.text().await.ok()
}

/// Waits until the element `css` names shows `needle`; returns its whole text.
async fn wait_text(c: &Client, css: &str, needle: &str, secs: u64, name: &str) -> String {
    let what = format!("{css} does not show '{needle}'");
    eventually(c, secs, name, &what, async || {
        text_of(c, css).await.filter(|t| t.contains(needle))
    })
    .await
}

/// Clicks the element `css` names, retrying while the page is still changing.
async fn click(c: &Client, css: &str, name: &str) {
    let what = format!("cannot click {css}");
    eventually(c, 15, name, &what, async || {
        let e = c.find(Locator::Css(css)).await.ok()?;
        e.click().await.ok()
    })
    .await
}

/// Types into the field `css` names (cleared first).
async fn type_into(c: &Client, css: &str, text: &str, name: &str) {
    let what = format!("cannot type into {css}");
    eventually(c, 15, name, &what, async || {
        let e = c.find(Locator::Css(css)).await.ok()?;
        e.clear().await.ok()?;
        e.send_keys(text).await.ok()
    })
    .await
}

/// Opens `path`, logs in as `email` on the login page it leads to, and waits to be back.
async fn login_at(c: &Client, base: &str, path: &str, email: &str, name: &str) {
    c.goto(&format!("{base}{path}")).await.expect("goto");
    type_into(c, "#email", email, name).await;
    type_into(c, "#password", PASSWORD, name).await;
    click(c, "#login", name).await;
    wait_text(c, "#whoami", email, 15, name).await;
    let what = format!("not back on {path} after logging in");
    eventually(c, 15, name, &what, async || {
        let u = c.current_url().await.ok()?;
        (u.path() == path).then_some(())
    })
    .await;
}

/// The rows the live feed added to the alert table: (row id, row text).
async fn live_rows(c: &Client) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in c
        .find_all(Locator::Css("#alerts-body tr.live"))
        .await
        .unwrap_or_default()
    {
        let id = r.attr("id").await.ok().flatten().unwrap_or_default();
        out.push((id, r.text().await.unwrap_or_default()));
    }
    out
}

/// Opens `/alerts` (after logging in) and waits until its event stream is connected.
async fn open_live_alerts(c: &Client, base: &str, email: &str, name: &str) {
    login_at(c, base, "/alerts", email, name).await;
    wait_text(c, "main h1", "Cảnh báo Sigma", 15, name).await;
    wait_text(c, "#alerts-live-state", "đang nhận trực tiếp", 15, name).await;
    assert_eq!(
        text_of(c, "#alerts-live-count").await.as_deref(),
        Some("0"),
        "{email}: no live alert before any event"
    );
    // Marks this document: if the page reloads, the mark is gone.
    c.execute("window.__canhgacMark = 'no-reload'; return 1;", vec![])
        .await
        .expect("mark the page");
}

async fn still_same_page(c: &Client, name: &str) {
    let mark = c
        .execute("return window.__canhgacMark || null;", vec![])
        .await
        .expect("read the mark");
    if mark != json!("no-reload") {
        panic!(
            "{}",
            diagnose(c, name, "the page was reloaded: the row must come live").await
        );
    }
}

const PROBE_RULE_TITLE: &str = "Xoá nhật ký hệ thống (thử nghiệm trình duyệt)";

fn probe_rule() -> String {
    format!(
        "title: {PROBE_RULE_TITLE}\nid: 7e57a1e7-0000-4000-8000-00000000b001\nlevel: high\n\
         description: Kiểm thử luồng cảnh báo trực tiếp trên giao diện\n\
         logsource: {{definition: 'JSON events of this test'}}\ndetection:\n  sel:\n    action|contains: 'browserprobe'\n  condition: sel\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_sees_a_live_alert_handles_it_and_another_org_does_not_see_it() {
    let Some((driver, op)) = browser().await else {
        return;
    };
    let td = session(&driver).await;
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    // The app's own state: the API calls below and the pages share one monitor (and its
    // alert feed), with the bundled SigmaHQ rules off.
    tokio::spawn(canhgac_server::serve(listener, app.state.clone()));
    let started = std::time::Instant::now();
    // Run in a task so that both browsers are closed even when a check fails (a local
    // task: the polling closures are not `Send`).
    let local = tokio::task::LocalSet::new();
    let handle = local.spawn_local(monitoring_flow(app, base, op.clone(), td.clone()));
    let flow = local.run_until(handle).await;
    let _ = op.close().await;
    let _ = td.close().await;
    drop(driver);
    if let Err(e) = flow {
        std::panic::resume_unwind(e.into_panic());
    }
    eprintln!(
        "monitoring browser flow took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn monitoring_flow(app: TestApp, base: String, op: Client, td: Client) {
    use axum::http::StatusCode;

    // A custom rule, uploaded by the DIC admin over the API.
    let admin = app.token("admin@t.vn").await;
    let r = app
        .api_bytes(
            "/api/v1/rules?filename=r.yml",
            &admin,
            probe_rule().into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "rule upload: {}", r.text);
    assert_eq!(r.json()["rules"]["detection"], json!(1), "{}", r.text);

    // The DIC operator and a TAMDUONG officer both watch their alert page.
    open_live_alerts(&op, &base, "operator@t.vn", "m01-operator-alerts").await;
    open_live_alerts(&td, &base, "td-staff@t.vn", "m01-tamduong-alerts").await;
    assert!(
        !td.source()
            .await
            .expect("source")
            .contains(&common::marker("SYT")),
        "TAMDUONG's alert page shows nothing of SYT"
    );

    // An SYT event that the rule matches, sent by SYT's admin while the pages are open.
    let syt_host = format!("{}-web01", common::marker("SYT"));
    let action = format!("browserprobe-xoa-nhat-ky-{}", std::process::id());
    let syt = app.token("syt-admin@t.vn").await;
    let line = json!({"host": syt_host, "action": action, "user": "root"}).to_string() + "\n";
    let r = app
        .api_bytes("/api/v1/ingest", &syt, line.into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK, "ingest: {}", r.text);
    assert_eq!(
        r.json(),
        json!({"stored": 1, "malformed": 0, "detections": 1, "queued": 0})
    );

    // The operator's page gets the row live, with the "Mới" badge, without reloading.
    let (row_id, row_text) = eventually(
        &op,
        10,
        "m02-operator-live",
        "no live row with the rule's title on the operator's /alerts",
        async || {
            live_rows(&op)
                .await
                .into_iter()
                .find(|(_, t)| t.contains(PROBE_RULE_TITLE))
        },
    )
    .await;
    shot(&op, "m02-operator-live").await;
    still_same_page(&op, "m02-operator-live").await;
    assert!(
        row_text.contains(&syt_host),
        "the row names the host: {row_text}"
    );
    let id: i64 = row_id
        .strip_prefix("alert-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("row id {row_id:?}"));
    let badge = text_of(&op, &format!("#{row_id} .badge.new")).await;
    assert_eq!(badge.as_deref(), Some("Mới"), "a new alert is marked new");
    let sev = text_of(&op, &format!("#{row_id} .badge.sev-high")).await;
    assert_eq!(sev.as_deref(), Some("Cao"), "level high, in Vietnamese");
    assert_eq!(
        text_of(&op, "#alerts-live-count").await.as_deref(),
        Some("1")
    );
    let first = op
        .find(Locator::Css("#alerts-body tr"))
        .await
        .expect("first row")
        .attr("id")
        .await
        .expect("id");
    assert_eq!(first.as_deref(), Some(row_id.as_str()), "prepended");
    assert!(
        op.find(Locator::Css("#alerts-empty")).await.is_err(),
        "no 'no alerts' row left"
    );
    // It is the alert the API knows, and it is SYT's.
    let a = app
        .api("get", &format!("/api/v1/signals/{id}"), Some(&admin), None)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["org_code"], json!("SYT"), "{}", a.text);

    // TAMDUONG's page gets nothing of it, given a few seconds more.
    let until = std::time::Instant::now() + Duration::from_secs(4);
    while std::time::Instant::now() < until {
        let rows = live_rows(&td).await;
        let src = td.source().await.unwrap_or_default();
        if !rows.is_empty() || src.contains(PROBE_RULE_TITLE) || src.contains(&syt_host) {
            let msg = format!("TAMDUONG received SYT's alert live: {rows:?}");
            panic!("{}", diagnose(&td, "m03-tamduong-leak", &msg).await);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        text_of(&td, "#alerts-live-count").await.as_deref(),
        Some("0")
    );
    still_same_page(&td, "m03-tamduong-quiet").await;
    shot(&td, "m03-tamduong-quiet").await;

    // Its stream does work: a TAMDUONG event reaches it (and the DIC operator).
    let td_host = format!("{}-web01", common::marker("TAMDUONG"));
    let line =
        json!({"host": td_host, "action": format!("{action}-td"), "user": "root"}).to_string();
    let r = app
        .api_bytes("/api/v1/ingest", &admin, line.into_bytes())
        .await;
    assert_eq!(r.json()["detections"], json!(1), "{}", r.text);
    let (_, td_row) = eventually(
        &td,
        10,
        "m04-tamduong-live",
        "TAMDUONG's own alert did not come live",
        async || live_rows(&td).await.into_iter().next(),
    )
    .await;
    assert!(td_row.contains(&td_host), "{td_row}");
    assert!(!td_row.contains(&syt_host), "{td_row}");
    assert_eq!(live_rows(&td).await.len(), 1, "only TAMDUONG's own alert");
    still_same_page(&td, "m04-tamduong-live").await;
    eventually(
        &op,
        10,
        "m04-operator-both",
        "the operator sees the TAMDUONG alert too",
        async || {
            let rows = live_rows(&op).await;
            (rows.len() == 2 && rows[0].1.contains(&td_host)).then_some(())
        },
    )
    .await;
    assert_eq!(
        text_of(&op, "#alerts-live-count").await.as_deref(),
        Some("2")
    );

    // The operator opens the SYT alert from the live row and adds a note.
    click(
        &op,
        &format!("#{row_id} a[href='/alerts/{id}']"),
        "m05-alert",
    )
    .await;
    wait_text(&op, "#alert-title", PROBE_RULE_TITLE, 15, "m05-alert").await;
    let path = op.current_url().await.expect("url").path().to_string();
    assert_eq!(path, format!("/alerts/{id}"));
    let rule = wait_text(&op, "#alert-rule", PROBE_RULE_TITLE, 5, "m05-alert").await;
    assert!(
        rule.contains("7e57a1e7-0000-4000-8000-00000000b001"),
        "{rule}"
    );
    assert_eq!(text_of(&op, "#alert-state").await.as_deref(), Some("Mới"));
    let excerpt = wait_text(&op, "#alert-excerpt", &action, 5, "m05-alert").await;
    assert!(excerpt.contains(&syt_host), "{excerpt}");
    wait_text(&op, "#alert-notes", "Chưa có ghi chú", 5, "m05-alert").await;
    shot(&op, "m05-alert").await;
    let note = "Đã kiểm tra máy chủ, cô lập để điều tra tiếp";
    type_into(&op, "#note", note, "m06-note").await;
    click(
        &op,
        &format!("form[action='/alerts/{id}/notes'] button[type=submit]"),
        "m06-note",
    )
    .await;
    let notes = wait_text(&op, "#alert-notes", note, 15, "m06-note").await;
    assert!(notes.contains("operator@t.vn"), "who wrote it: {notes}");
    assert!(!notes.contains("Chưa có ghi chú"), "{notes}");
    let frag = op.current_url().await.expect("url");
    assert_eq!(frag.path(), format!("/alerts/{id}"));
    assert_eq!(frag.fragment(), Some("notes"));
    shot(&op, "m06-note").await;
    let stored = app
        .api(
            "get",
            &format!("/api/v1/signals/{id}/notes"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(stored["items"][0]["note"], json!(note), "{stored}");

    // Event search by field finds the event.
    op.goto(&format!("{base}/events")).await.expect("goto");
    wait_text(&op, "main h1", "Tìm kiếm sự kiện", 15, "m07-events").await;
    type_into(&op, "#field", &format!("action={action}"), "m07-events").await;
    click(&op, "#events-search button[type=submit]", "m07-events").await;
    eventually(
        &op,
        15,
        "m07-events",
        "the search did not load",
        async || {
            let u = op.current_url().await.ok()?;
            u.query_pairs()
                .any(|(k, v)| k == "field" && v == format!("action={action}"))
                .then_some(())
        },
    )
    .await;
    let table = wait_text(&op, "#events-table tbody", &syt_host, 15, "m07-events").await;
    shot(&op, "m07-events").await;
    let rows = op
        .find_all(Locator::Css("#events-table tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1, "exactly the event sent: {table}");
    assert!(table.contains("SYT"), "its organisation: {table}");
    // (No message column check: an NDJSON event without a "message" field is stored with an
    // empty message, and the list shows an empty cell for it.)
    assert!(
        !table.contains(&td_host),
        "the field filter applies: {table}"
    );
    click(&op, "#events-table tbody tr td a", "m08-event").await;
    let fields = wait_text(&op, "#event-fields", &action, 15, "m08-event").await;
    assert!(fields.contains(&syt_host), "{fields}");

    // The rule is listed, in Vietnamese and then in English.
    op.goto(&format!("{base}/rules")).await.expect("goto");
    let row_css = "#rules-table tbody tr";
    wait_text(&op, "#rules-table", PROBE_RULE_TITLE, 15, "m09-rules").await;
    let summary = wait_text(&op, "#rules-summary", "luật phát hiện", 5, "m09-rules").await;
    assert!(summary.contains("Đang chạy: 1 luật phát hiện"), "{summary}");
    let row = op
        .find(Locator::Css(row_css))
        .await
        .expect("rule row")
        .text()
        .await
        .expect("text");
    shot(&op, "m09-rules").await;
    assert!(row.contains(PROBE_RULE_TITLE), "{row}");
    assert!(
        row.contains("7e57a1e7-0000-4000-8000-00000000b001"),
        "{row}"
    );
    assert!(row.contains("Cao"), "level in Vietnamese: {row}");
    assert!(row.contains("Tự tải lên"), "origin in Vietnamese: {row}");
    let on = op
        .find(Locator::Css(&format!("{row_css} select[name=enabled]")))
        .await
        .expect("on/off")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(on.as_deref(), Some("1"), "the rule is on");
    click(&op, "a[href='/lang/en']", "m10-rules-en").await;
    wait_text(&op, "main h1", "Sigma rules", 15, "m10-rules-en").await;
    assert_eq!(op.current_url().await.expect("url").path(), "/rules");
    let row = wait_text(&op, row_css, "Uploaded", 5, "m10-rules-en").await;
    assert!(row.contains(PROBE_RULE_TITLE), "{row}");
    // The English level badge shows the code ("high", from `Severity::as_str`), not a label
    // like the level filter's "High": accept either.
    let level = text_of(&op, &format!("{row_css} .badge.sev-high"))
        .await
        .unwrap_or_default();
    assert!(
        level.eq_ignore_ascii_case("high"),
        "level in English: {row}"
    );
    let summary = text_of(&op, "#rules-summary").await.unwrap_or_default();
    assert!(summary.contains("Running: 1 detection rules"), "{summary}");
    shot(&op, "m10-rules-en").await;
}
