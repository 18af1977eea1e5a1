//! The web UI in a real headless Chromium (Debian's `chromium` and `chromium-driver`,
//! driven over WebDriver): log in, find a host, import a CSV with bad rows and see them.
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

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
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
    let guard = Driver(child);
    let profile = std::env::temp_dir().join(common::unique("canhgac_chromium"));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
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
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return Some((guard, c)),
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
