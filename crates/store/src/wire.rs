//! How stored columns appear on the wire (the API's JSON): a 0/1 flag as a boolean, JSON kept as
//! text as the JSON value itself — so no client parses JSON inside a string or compares to 1.

use serde::Serializer;

/// A 0/1 column as `false`/`true`.
pub(crate) fn flag<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*v != 0)
}

/// A JSON text column as its value (an object, usually); text that is not JSON as a string,
/// and none as `null`.
pub(crate) fn json_text<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v.as_deref().map(serde_json::from_str::<serde_json::Value>) {
        Some(Ok(j)) => serde::Serialize::serialize(&j, s),
        Some(Err(_)) => s.serialize_str(v.as_deref().unwrap_or_default()),
        None => s.serialize_none(),
    }
}
