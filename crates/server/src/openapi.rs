//! The OpenAPI 3.1 document. Every route is described where it is declared (its handler's
//! `#[utoipa::path]`), and the rooms' routers carry those descriptions up; this module adds what
//! belongs to the whole document: its title, the `bearer` security scheme (whose requirement on
//! each operation lists the roles allowed), the shape of an error, and the registry's record
//! schemas, which come from the entity descriptors rather than Rust types.

use canhgac_domain::entity::{EntityKind, FieldType};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// An error as every API route answers it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// What went wrong, in English.
    pub error: String,
    /// What went wrong, in Vietnamese.
    pub message_vi: String,
    /// The fields that are not valid (name, reason in both languages), when a record was refused.
    #[schema(value_type = Option<Vec<Object>>)]
    pub fields: Option<Vec<Value>>,
    /// The rows that are not valid (row, column, reason), when an imported file was refused.
    #[schema(value_type = Option<Vec<Object>>)]
    pub rows: Option<Vec<Value>>,
}

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
        if !f.required {
            // An optional field is answered as null when empty.
            let t = s["type"].clone();
            s["type"] = json!([t, "null"]);
        }
        s["description"] = json!(format!("{} / {}", f.en, f.vi));
        props.insert(f.name.into(), s);
        if f.required {
            required.push(f.name);
        }
    }
    json!({"type": "object", "properties": props, "required": required})
}

static DOCUMENT: OnceLock<Value> = OnceLock::new();

/// Fills in what belongs to the whole document, and keeps it for `GET /api/v1/openapi.json`.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    doc.info.title = "canhgac API".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description = Some(
        "Security operations for a province's DIC, agencies and telecom operators. Lists are \
         {\"items\", \"total\"} with limit/offset; times are Unix milliseconds (UTC). Each \
         operation's `bearer` security requirement lists the roles allowed (none listed: any \
         signed-in caller)."
            .into(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    for k in EntityKind::ALL {
        if let Ok(s) = serde_json::from_value(schema_of(k)) {
            components.schemas.insert(k.slug().to_string(), s);
        }
    }
    let mut v = serde_json::to_value(&*doc).unwrap_or_default();
    // The registry's routes take and give the record of the entity named in the path.
    let one_of: Vec<Value> = EntityKind::ALL
        .iter()
        .map(|k| json!({"$ref": format!("#/components/schemas/{}", k.slug())}))
        .collect();
    let slugs: Vec<&str> = EntityKind::ALL.iter().map(|k| k.slug()).collect();
    if let Some(paths) = v.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for (path, item) in paths.iter_mut() {
            if !path.contains("{entity}") {
                continue;
            }
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                if let Some(params) = op.get_mut("parameters").and_then(|p| p.as_array_mut()) {
                    for p in params.iter_mut() {
                        if p["name"] == "entity" {
                            p["schema"] = json!({"type": "string", "enum": slugs});
                        }
                    }
                }
                let registry = path == "/api/v1/{entity}" || path == "/api/v1/{entity}/{id}";
                if !registry {
                    continue;
                }
                if let Some(body) = op.pointer_mut("/requestBody/content/application~1json") {
                    body["schema"] = json!({"oneOf": one_of});
                }
                let list = path == "/api/v1/{entity}" && op.get("requestBody").is_none();
                for code in ["200", "201"] {
                    if let Some(body) =
                        op.pointer_mut(&format!("/responses/{code}/content/application~1json"))
                    {
                        body["schema"] = if list {
                            json!({"type": "object", "required": ["items", "total"], "properties": {
                                "items": {"type": "array", "items": {"oneOf": one_of}},
                                "total": {"type": "integer"}}})
                        } else {
                            json!({"oneOf": one_of})
                        };
                    }
                }
            }
        }
    }
    if let Ok(d) = serde_json::from_value(v.clone()) {
        *doc = d;
    }
    let _ = DOCUMENT.set(v);
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    summary = "This document",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
pub async fn openapi_json() -> axum::Json<Value> {
    axum::Json(DOCUMENT.get().cloned().unwrap_or_else(|| json!({})))
}

/// The document's own room: one public route.
pub fn room() -> crate::routes::Room {
    crate::routes::Room {
        api: utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(openapi_json)),
        pages: crate::routes::Pages::new(),
        nav: &[],
    }
}
