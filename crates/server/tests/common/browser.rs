//! Headless Chromium over WebDriver (Debian's `chromium` and `chromium-driver`) for the browser
//! tests: start chromedriver, open sessions (each its own profile and cookies), read the
//! browser's console log.
//!
//! On a machine without the browser [`driver`] says so and answers `None` (the test then
//! passes, skipped) — except under CI (`CI=true`), where a missing browser fails the test.
#![allow(dead_code)]

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running chromedriver, killed when dropped.
pub struct Driver {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The Chromium it drives.
    pub chromium: PathBuf,
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

/// Whether the tests run under CI, where a missing browser is a failure.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Starts chromedriver, or explains why not (and fails under CI).
pub fn driver() -> Option<Driver> {
    let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
    let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        let msg = "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver; .ci/run does this)";
        if under_ci() {
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
    Some(Driver {
        child,
        port,
        chromium,
    })
}

/// A new Chromium session (its own browser, profile and cookies) on a running chromedriver,
/// its window `width`×`height`, keeping the console log for [`console_errors`].
pub async fn session(driver: &Driver, width: u32, height: u32) -> Client {
    // fantoccini's rustls build and the server's TLS listener enable two rustls crypto
    // providers; without a process default rustls refuses to pick one (and panics).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let profile = std::env::temp_dir().join(crate::common::unique("canhgac_chromium"));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": driver.chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                     format!("--window-size={width},{height}"),
                     format!("--user-data-dir={}", profile.display())]
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
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

/// chromedriver's log endpoint (`POST /session/{id}/se/log`), which drains the browser's
/// console log.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// The console messages of level SEVERE (script errors, failed loads, CSP refusals) logged
/// since the last call.
pub async fn console_errors(c: &Client) -> Vec<String> {
    let Ok(v) = c.issue_cmd(BrowserLog).await else {
        return Vec::new();
    };
    v.as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"] == "SEVERE")
                .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Runs a script and answers its JSON value (`Null` when the script failed).
pub async fn eval(c: &Client, script: &str, args: Vec<Value>) -> Value {
    c.execute(script, args).await.unwrap_or(Value::Null)
}

/// The element matching `css`, waiting up to 15 seconds for it.
pub async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
}

/// The page's text.
pub async fn text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text")
}

/// Keeps a screenshot as `target/screenshots/{flow}/{name}.png`.
pub async fn shot(c: &Client, flow: &str, name: &str) {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/screenshots")
        .join(flow);
    let _ = std::fs::create_dir_all(&d);
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(d.join(format!("{name}.png")), png);
    }
}

/// Fills the fields of the form that holds `anchor` (by name → value; a checkbox is ticked when
/// its value is given) and submits it the way a click on its button does, then waits for the
/// next page.
pub async fn submit(c: &Client, anchor: &str, fields: &[(&str, &str)]) {
    let before = c.current_url().await.expect("url");
    let values: serde_json::Map<String, Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_string(), json!(v)))
        .collect();
    c.execute(
        "const f = document.querySelector(arguments[0]).closest('form');
         for (const [k, v] of Object.entries(arguments[1])) {
           const els = f.querySelectorAll('[name=\"' + k + '\"]');
           for (const el of els) {
             if (el.type === 'checkbox') { el.checked = (el.value === v) || el.checked; }
             else { el.value = v; }
           }
         }
         window.__submitted = true;
         f.requestSubmit();",
        vec![json!(anchor), json!(values)],
    )
    .await
    .unwrap_or_else(|e| panic!("submit {anchor}: {e}"));
    // The next page has loaded when the marker set above is gone.
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let gone = c
            .execute("return window.__submitted === undefined", vec![])
            .await
            .map(|v| v == json!(true))
            .unwrap_or(false);
        if gone {
            return;
        }
    }
    panic!("submitting {anchor} on {before} did not load a page");
}
