//! The OpenAPI 3.1 document, built from the API's route table and the registry's entity
//! descriptors, so it cannot drift from what the server serves.

use canhgac_domain::entity::{EntityKind, FieldType};
use serde_json::{json, Map, Value};

/// One route of the API: method, path, summary, whether it takes an organisation's data.
pub struct ApiRoute {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path under `/api/v1`, with `{entity}` standing for every registry resource.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
}

const fn r(method: &'static str, path: &'static str, summary: &'static str) -> ApiRoute {
    ApiRoute {
        method,
        path,
        summary,
    }
}

/// Every API route. The tenant-isolation test walks this table.
pub const API_ROUTES: &[ApiRoute] = &[
    r(
        "post",
        "/auth/token",
        "Exchange e-mail and password for an API token",
    ),
    r(
        "delete",
        "/auth/token",
        "Revoke the API token this request carries",
    ),
    r("get", "/me", "The caller, their role and scope"),
    r(
        "get",
        "/{entity}",
        "List records (filters: org=CODE, q=TEXT, any field; limit, offset)",
    ),
    r("post", "/{entity}", "Create a record"),
    r(
        "get",
        "/{entity}/{id}",
        "One record (hosts include their software)",
    ),
    r("put", "/{entity}/{id}", "Replace a record's fields"),
    r(
        "patch",
        "/{entity}/{id}",
        "Change some of a record's fields",
    ),
    r("delete", "/{entity}/{id}", "Delete a record"),
    r("get", "/users", "List user accounts (administrators)"),
    r("post", "/users", "Create a user account"),
    r("get", "/users/{id}", "One user account"),
    r(
        "patch",
        "/users/{id}",
        "Change a user's name, role, organisation, password or activity",
    ),
    r("get", "/audit", "The append-only audit log (DIC)"),
    r(
        "post",
        "/import/{entity}",
        "Import a CSV or XLSX file, all or nothing (query: format=csv|xlsx)",
    ),
    r(
        "get",
        "/export/{entity}",
        "Export as CSV or XLSX (query: format=csv|xlsx)",
    ),
    r(
        "get",
        "/signals",
        "List signals (filters: kind, state, open)",
    ),
    r("get", "/signals/{id}", "One signal"),
    r(
        "post",
        "/signals/{id}/transition",
        "Move a signal: {\"state\": \"acknowledged\"|...}",
    ),
    r(
        "get",
        "/work-items",
        "List work items (filters: kind, state, open)",
    ),
    r(
        "post",
        "/work-items",
        "Create a work item closed by a person's word",
    ),
    r("get", "/work-items/{id}", "One work item with its notes"),
    r(
        "post",
        "/work-items/{id}/events",
        "start, report_done or not_applicable (with reason), with note and evidence",
    ),
    r("get", "/botnet-lists", "Botnet IP lists, newest first"),
    r("post", "/botnet-lists", "Import a list (DIC; body: the file; query: period=MM/YYYY, kind, version=monthly|adhoc, source, name, filename)"),
    r("get", "/botnet-lists/{id}", "A list with its difference from the previous one (new, recurring, gone)"),
    r("get", "/botnet-lists/{id}/entries", "A list's entries (DIC; q, limit, offset)"),
    r("get", "/botnet-findings", "Findings in your scope, ranked (list=ID, org=CODE)"),
    r("get", "/botnet-stats", "Listed addresses per organisation and month"),
    r("post", "/hunts", "Retro-hunt: search a log file (body, plain or gzip) for listed addresses (lists=ID,ID), or, with events_days=N, the events stored in the last N days that you may see"),
    r("get", "/advisories", "Advisories, most severe first, with their KEV due date and affected hosts in your scope"),
    r("post", "/advisories", "Import advisories (DIC; body: OSV record or zip dump, CSAF 2.0, CVE JSON 5): stores them, matches hosts, hands out patch tasks"),
    r("post", "/advisories/manual", "A national warning as the form fills it (DIC): id, title, cves, scheme, vendor, product, affected_from, fixed, severity, recommendation, distro"),
    r("get", "/advisories/{id}", "An advisory with the hosts it affects in your scope"),
    r("get", "/advisory-matches", "Affected (host, advisory, package) in your scope (advisory=ID, host=ID)"),
    r("post", "/kev", "Replace the CISA KEV catalogue (DIC; body: the catalogue JSON)"),
    r("post", "/hosts/{id}/inventory", "A host's fresh inventory (CSV, dpkg status, rpm -qa, Windows export): re-evaluates it and closes patch tasks it proves done"),
    r("get", "/compliance", "Patch compliance per organisation in your scope"),
    r("get", "/findings", "Scanner findings in your scope, ranked (state=open|fixed)"),
    r("post", "/scans", "Import a scanner report (body: Nessus .nessus, OpenVAS XML, Nuclei JSONL, Trivy JSON); hosts mapped within your scope"),
    r("post", "/ingest", "Send events: a JSON object, a JSON array or NDJSON (Content-Type application/x-ndjson); answered after they are stored, with counts; events resolve to your hosts or your organisation"),
    r("get", "/events", "Search stored events in your scope (from, to: Unix ms or dd/mm/yyyy; host; org_id; q: words; field=NAME=VALUE[;…] or field.NAME=VALUE; malformed=1; limit, offset)"),
    r("post", "/events/import", "Import a log file (body: .evtx, JSON array, JSON lines or text lines, gzip allowed; ?filename=)"),
    r("get", "/events/{id}", "One stored event"),
    r("get", "/monitor", "Pipeline counters (received, stored, malformed, dropped, detections, alerts), rules running, and (DIC) storage and retention"),
    r("post", "/monitor/retention", "Apply event retention now (DIC)"),
    r("get", "/rules", "Sigma rules (q, level, enabled=1|0, origin=sigmahq|custom; limit, offset) and the rules refused with reasons"),
    r("post", "/rules", "Upload a custom Sigma rule file (body: YAML; ?filename=, ?org=CODE to limit it); refused with every problem named (DIC)"),
    r("get", "/rules/{id}", "One rule"),
    r("patch", "/rules/{id}", "Turn a rule on or off and limit it to an organisation: {\"enabled\": true, \"org\": \"CODE\"|null} (DIC)"),
    r("delete", "/rules/{id}", "Delete an uploaded rule (DIC)"),
    r("get", "/alerts/stream", "Live alert feed (server-sent events, event `alert`), only alerts you may see"),
    r("post", "/signals/{id}/assign", "Assign a signal: {\"user\": \"email\"|null}"),
    r("get", "/signals/{id}/notes", "Notes (comments) on a signal"),
    r("post", "/signals/{id}/notes", "Add a note: {\"note\": \"…\"}"),
    r("get", "/openapi.json", "This document"),
];

fn schema_of(kind: EntityKind) -> Value {
    let mut props = Map::new();
    props.insert("id".into(), json!({"type": "integer", "readOnly": true}));
    let mut required = vec![];
    for f in kind.fields() {
        let s = match f.ty {
            FieldType::Int { min, max } => {
                json!({"type": "integer", "minimum": min, "maximum": max})
            }
            t if t.is_int() => {
                json!({"type": "integer", "description": "id of the referenced record"})
            }
            FieldType::Enum(choices) => {
                json!({"type": "string", "enum": choices.iter().map(|c| c.value).collect::<Vec<_>>()})
            }
            FieldType::Cidr => json!({"type": "string", "example": "203.0.113.0/24"}),
            FieldType::IpList => json!({"type": "string", "example": "203.0.113.10, 2001:db8::10"}),
            _ => json!({"type": "string"}),
        };
        let mut s = s;
        s["description"] = json!(format!("{} / {}", f.en, f.vi));
        props.insert(f.name.into(), s);
        if f.required {
            required.push(f.name);
        }
    }
    json!({"type": "object", "properties": props, "required": required})
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    let slugs: Vec<&str> = EntityKind::ALL.iter().map(|k| k.slug()).collect();
    for route in API_ROUTES {
        let mut op = json!({
            "summary": route.summary,
            "responses": {"200": {"description": "OK"}, "401": {"description": "Not authenticated"},
                          "403": {"description": "Not allowed for your role"}, "404": {"description": "Not found or not in your scope"},
                          "422": {"description": "Invalid: the body names each bad field or row"}},
        });
        let mut params = vec![];
        if route.path.contains("{entity}") {
            params.push(json!({"name": "entity", "in": "path", "required": true, "schema": {"type": "string", "enum": slugs}}));
        }
        if route.path.contains("{id}") {
            params.push(json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}));
        }
        if !params.is_empty() {
            op["parameters"] = json!(params);
        }
        let public = (route.path == "/auth/token" && route.method == "post")
            || route.path == "/openapi.json";
        if !public {
            op["security"] = json!([{"bearer": []}]);
        }
        let path = format!("/api/v1{}", route.path);
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[route.method] = op;
    }
    let schemas: Map<String, Value> = EntityKind::ALL
        .iter()
        .map(|k| (k.slug().to_string(), schema_of(*k)))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {"title": "canhgac API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Security operations for a province's DIC, agencies and telecom operators. Lists are {\"items\", \"total\"} with limit/offset."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
    })
}
