//! The OpenAPI document tells the truth: every GET route of the API is called as the DIC
//! administrator on a store with records of every kind, and each real answer is checked against
//! the JSON Schema its route declares (types, required properties, items, `$ref`s, `oneOf`).
//! Also: every operation declares who may call it, and only roles that exist.

mod common;

use common::TestApp;
use serde_json::{json, Value};

/// Checks `v` against `schema` (resolving `$ref`s in `doc`); returns the first mismatch as a
/// JSON-pointer-like path and reason.
fn check(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            return Err(format!("{at}: unknown schema {r}"));
        }
        return check(doc, target, v, at);
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let ok = alts.iter().filter(|s| check(doc, s, v, at).is_ok()).count();
        return if ok >= 1 {
            Ok(())
        } else {
            Err(format!("{at}: matches none of oneOf"))
        };
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let fits = types.iter().any(|t| match *t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "string" => v.is_string(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => false,
        });
        if !fits {
            return Err(format!("{at}: {v} is not {types:?}"));
        }
    }
    if let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(Value::as_object),
        v.as_object(),
    ) {
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(req) {
                return Err(format!("{at}: required '{req}' missing"));
            }
        }
        for (k, s) in props {
            if let Some(x) = obj.get(k) {
                check(doc, s, x, &format!("{at}/{k}"))?;
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            check(doc, items, x, &format!("{at}/{i}"))?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn every_get_answer_matches_its_declared_schema() {
    let app = TestApp::new().await;
    let token = app.token("admin@t.vn").await;
    let t = Some(token.as_str());
    // Records of every kind the GET routes list: an event, an alert-free signal-less store is
    // not enough, so make a work item, a Botnet list with a finding, an advisory, events.
    let r = app
        .api(
            "post",
            "/api/v1/work-items",
            t,
            Some(json!({"title": "Kiểm tra", "org": "SYT", "detail": {"why": "test"}})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let r = app
        .api_bytes(
            "/api/v1/botnet-lists?period=11/2026&version=monthly&kind=botnet",
            &token,
            b"ip\n203.0.113.10\n198.51.100.99\n".to_vec(),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let r = app
        .api(
            "post",
            "/api/v1/advisories/manual",
            t,
            Some(json!({"id": "VNCERT-2026-01", "title": "Lỗ hổng OpenSSH", "scheme": "deb",
                        "product": "openssh-server", "fixed": "1:9.2p1-2+deb12u3", "severity": "high"})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let r = app
        .api(
            "post",
            "/api/v1/ingest",
            t,
            Some(json!([{"message": "Failed password for root", "host": "web01"}, {"EventID": 4688, "Channel": "Security"}])),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);

    let doc = app
        .api("get", "/api/v1/openapi.json", None, None)
        .await
        .json();
    assert!(doc["components"]["schemas"]["ApiErrorBody"]["properties"]["message_vi"].is_object());
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        // Who may call it is declared on every operation but the public ones.
        for (m, op) in item.as_object().expect("item") {
            // The platform-alert webhook is authenticated by its sender's token and signature.
            let public = (m == "post"
                && matches!(
                    path.as_str(),
                    "/api/v1/auth/token" | "/api/v1/platform-alerts"
                ))
                || path == "/api/v1/openapi.json"
                // The agent protocol: the agent's own credential or one-time token.
                || path.starts_with("/api/v1/agent/");
            assert_eq!(
                op.get("security").is_none(),
                public,
                "{m} {path}: security requirement"
            );
            if !public {
                for code in ["400", "401", "403", "404"] {
                    assert_eq!(
                        op.pointer(&format!(
                            "/responses/{code}/content/application~1json/schema/$ref"
                        ))
                        .and_then(Value::as_str),
                        Some("#/components/schemas/ApiErrorBody"),
                        "{m} {path}: the {code} answer is an error body: {}",
                        op["responses"][code]
                    );
                }
            }
        }
        let Some(op) = item.get("get") else { continue };
        // The agent protocol answers an agent's credential only (tests/malware.rs, crates/agent).
        if path.ends_with("/stream")
            || path.starts_with("/api/v1/export")
            || path.starts_with("/api/v1/agent/")
            // A blocklist is text (plain domains or an RPZ zone; tests/spam.rs).
            || path == "/api/v1/spam/blocklist"
        {
            continue;
        }
        let Some(schema) = op.pointer("/responses/200/content/application~1json/schema") else {
            panic!("GET {path}: no JSON schema for 200");
        };
        let mut urls = vec![path.clone()];
        if path.contains("{entity}") {
            urls = [
                "orgs", "hosts", "systems", "networks", "software", "people", "contacts",
            ]
            .iter()
            .map(|e| path.replace("{entity}", e))
            .collect();
        }
        for url in urls {
            let url = if url.contains("{id}") {
                // The first record of the list route this one belongs to.
                let list = url.trim_end_matches("/{id}").to_string();
                let base = match list.as_str() {
                    "/api/v1/signals" => continue,
                    "/api/v1/work-items"
                    | "/api/v1/botnet-lists"
                    | "/api/v1/advisories"
                    | "/api/v1/events"
                    | "/api/v1/rules" => list.clone(),
                    l if l.starts_with("/api/v1/") && l.matches('/').count() == 3 => l.to_string(),
                    _ => continue,
                };
                let first = app
                    .api("get", &format!("{base}?limit=1"), t, None)
                    .await
                    .json();
                let Some(id) = first["items"][0]["id"].as_i64() else {
                    continue;
                };
                url.replace("{id}", &id.to_string())
            } else if url.contains('{') {
                continue;
            } else {
                url
            };
            let r = app.api("get", &url, t, None).await;
            assert_eq!(r.status.as_u16(), 200, "GET {url}: {}", r.text);
            if let Err(e) = check(&doc, schema, &r.json(), "") {
                panic!("GET {url} does not match its schema: {e}\n{}", r.text);
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked} answers checked");
}
