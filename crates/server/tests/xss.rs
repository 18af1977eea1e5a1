//! Hostile text everywhere it can come from — log content and host names from a sender, a
//! Sigma rule's title, an incident's title and note, an evidence file's name, a host's note —
//! is shown escaped on every page that shows it, in both languages, and never as markup.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;

/// Breaks out of an attribute, a text node and a script string alike.
const PAYLOAD: &str = "x\"'><script>alert('xss')</script><img src=x onerror=alert(1)>";

fn assert_escaped(page: &str, text: &str) {
    for raw in [
        "<script>alert(",
        "<img src=x onerror",
        "'><script",
        "\"><script",
    ] {
        assert!(
            !text.contains(raw),
            "{page} carries {raw:?} unescaped:\n{}",
            &text[text.find(raw).unwrap().saturating_sub(300)..]
                .chars()
                .take(600)
                .collect::<String>()
        );
    }
}

#[tokio::test]
async fn hostile_text_is_escaped_on_every_page_that_shows_it() {
    let app = TestApp::new().await;
    let admin = app.token("admin@t.vn").await;
    let syt = app.token("syt-admin@t.vn").await;

    // A rule whose title is the payload, matching the payload in the log content.
    let rule = format!(
        "title: {title}\nid: 7e57a1e7-0000-4000-8000-0000000000c5\nlevel: high\n\
         logsource: {{definition: 'JSON events of this test'}}\ndetection:\n  sel:\n    action|contains: 'onerror'\n  condition: sel\n",
        title = serde_json::to_string(PAYLOAD).unwrap()
    );
    let r = app
        .api_bytes(
            "/api/v1/rules?filename=x%22%3E%3Cscript%3E.yml",
            &admin,
            rule.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Events: host name, message and a field carry it.
    let ev = json!({"host": PAYLOAD, "action": PAYLOAD, "message": PAYLOAD, "user": PAYLOAD});
    let r = app
        .api_bytes("/api/v1/ingest", &syt, ev.to_string().into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["detections"], json!(1), "{}", r.text);
    // An incident titled with it, a note and an evidence file named with it.
    let r = app
        .api(
            "post",
            "/api/v1/incidents",
            Some(&syt),
            Some(json!({"title": PAYLOAD, "category": "malware"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let incident = r.json()["id"].as_i64().unwrap();
    let r = app
        .api(
            "post",
            &format!("/api/v1/incidents/{incident}/notes"),
            Some(&syt),
            Some(json!({"note": PAYLOAD})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);

    let alerts = app
        .api(
            "get",
            "/api/v1/signals?kind=sigma_alert&limit=10",
            Some(&admin),
            None,
        )
        .await
        .json();
    let alert = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().is_some_and(|t| t.contains("onerror")))
        .unwrap_or_else(|| panic!("the alert: {alerts}"))["id"]
        .as_i64()
        .unwrap();
    let rules = app
        .api("get", "/api/v1/rules?origin=custom", Some(&admin), None)
        .await
        .json();
    let rule_id = rules["items"][0]["id"].as_i64().unwrap();

    for (who, lang) in [
        ("admin@t.vn", "vi"),
        ("syt-admin@t.vn", "vi"),
        ("admin@t.vn", "en"),
    ] {
        let b = app.session(who).await;
        if lang == "en" {
            b.get("/lang/en").await;
        }
        let b_up = b
            .upload(
                &format!("/incidents/{incident}/evidence"),
                &[("file", PAYLOAD, PAYLOAD.as_bytes())],
            )
            .await;
        assert!(
            b_up.status.is_redirection() || b_up.status == StatusCode::FORBIDDEN,
            "{}",
            b_up.text
        );
        let pages = [
            "/".to_string(),
            "/events?q=onerror".to_string(),
            "/alerts".to_string(),
            format!("/alerts/{alert}"),
            "/rules?origin=custom".to_string(),
            format!("/rules/{rule_id}"),
            "/incidents".to_string(),
            format!("/incidents/{incident}"),
            "/sources".to_string(),
            "/search?q=onerror".to_string(),
            "/feed".to_string(),
            "/audit".to_string(),
        ];
        let mut shown = 0;
        for p in &pages {
            let r = b.get(p).await;
            if r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN {
                continue;
            }
            assert!(
                r.status.is_success() || r.status.is_redirection(),
                "{p}: {}",
                r.status
            );
            assert_escaped(&format!("{who} {lang} {p}"), &r.text);
            if r.text.contains("&lt;script&gt;alert(") {
                shown += 1;
            }
        }
        assert!(
            shown >= 5,
            "{who}: the payload was shown (escaped) on only {shown} pages"
        );
    }
}
