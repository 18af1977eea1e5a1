//! Harmful content (M11): a reported URL, domain or account checked and recorded, moved through
//! blocking or takedown to confirmation, the blocklists of a scope (plain domains, an RPZ zone),
//! and the DIC's publication of every operator's blocked host names into the threat lists the
//! hunts search (and the report classifier counts as "listed").

use crate::botnet::{import_list, ListMeta};
use canhgac_domain::spam::HarmfulState;
use canhgac_domain::time::vn_offset;
use canhgac_domain::Scope;
use canhgac_spam::harmful;
use canhgac_store::{Actor, Store, StoreError};
use serde_json::json;

/// Records a harmful item after checking it.
#[allow(clippy::too_many_arguments)]
pub async fn add_harmful(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    org_id: i64,
    kind: &str,
    value: &str,
    category: &str,
    source: &str,
    note: &str,
    report_id: Option<i64>,
    at: i64,
) -> Result<i64, StoreError> {
    let item = harmful::check(kind, value).map_err(|(en, vi)| {
        StoreError::Invalid(vec![canhgac_domain::FieldError {
            field: "value".into(),
            message: en,
            message_vi: vi,
        }])
    })?;
    store
        .add_harmful(
            scope, actor, org_id, kind, &item, category, source, note, report_id, at,
        )
        .await
}

/// Moves a harmful item on.
pub async fn transition(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    to: &str,
    note: &str,
) -> Result<(), StoreError> {
    let s = HarmfulState::parse(to).ok_or_else(|| {
        StoreError::Invalid(vec![canhgac_domain::FieldError {
            field: "state".into(),
            message: "unknown state".into(),
            message_vi: "trạng thái không hợp lệ".into(),
        }])
    })?;
    store.set_harmful_state(scope, actor, id, s, note).await
}

/// The zone's origin in the RPZ export.
pub const RPZ_ORIGIN: &str = "rpz.canhgac.local";

/// The blocklist in scope as an RPZ zone (serial: the minute it was made).
pub async fn rpz(store: &Store, scope: &Scope, now: i64) -> Result<String, StoreError> {
    let hosts = store.blocklist_hosts(scope).await?;
    let serial = u32::try_from(now / 60_000 % 4_000_000_000).unwrap_or(1);
    Ok(harmful::rpz_zone(
        RPZ_ORIGIN,
        serial,
        hosts.iter().map(String::as_str),
    ))
}

/// The blocklist in scope as plain domains.
pub async fn plain(store: &Store, scope: &Scope) -> Result<String, StoreError> {
    let hosts = store.blocklist_hosts(scope).await?;
    Ok(harmful::plain_list(hosts.iter().map(String::as_str)))
}

/// The name of the threat list harmful content is published as.
pub const THREAT_LIST_NAME: &str = "Nội dung độc hại do nhà mạng chặn";

/// Publishes the host names of every operator's blocked URLs and domains as a new version of a threat list (kind
/// `phishing`), which the hunts and the report classifier then use. Only the province-wide
/// scope publishes. Returns the list's id and entries.
pub async fn publish(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    now: i64,
) -> Result<(i64, usize), crate::botnet::ImportError> {
    if scope.ids().is_some() {
        return Err(crate::botnet::ImportError::Store(StoreError::Forbidden(
            "only the DIC publishes threat lists".into(),
        )));
    }
    let values = store.blocklist_values().await?;
    if values.is_empty() {
        return Err(crate::botnet::ImportError::Invalid(
            "Chưa có tên miền hay đường link nào bị chặn để đưa vào danh sách.".into(),
            "Nothing blocked yet to publish.".into(),
        ));
    }
    // JSON lines, one domain each with its category as the threat (the lists hold addresses
    // and domains: a URL is published as its host).
    let mut csv = String::new();
    for (host, category) in &values {
        csv.push_str(&json!({"value": host, "threat": category}).to_string());
        csv.push('\n');
    }
    let t = chrono::DateTime::from_timestamp_millis(now)
        .unwrap_or_default()
        .with_timezone(&vn_offset());
    let meta = ListMeta {
        name: Some(THREAT_LIST_NAME.into()),
        source: "canhgac".into(),
        kind: "phishing".into(),
        period: t.format("%Y-%m").to_string(),
        version: "adhoc".into(),
    };
    let r = import_list(store, actor, &meta, csv.as_bytes(), Some("harmful.jsonl")).await?;
    Ok((r.list_id, r.entries))
}
