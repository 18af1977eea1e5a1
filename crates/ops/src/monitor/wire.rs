//! Records as they travel between processes (`serve --role ingest|api` → stream → `worker`):
//! a batch of [`Raw`] records as JSON, with everything the worker needs to read them exactly as
//! the process that received them would have — the transport, the sender, the arrival time, the
//! authenticated owner and the delivery cursor.

use super::{Body, Raw};
use canhgac_domain::Scope;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;

/// One record on the wire.
#[derive(Serialize, Deserialize)]
struct WireRaw {
    t: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<IpAddr>,
    r: i64,
    b: WireBody,
    /// The owner: the scope's organisations (none: the whole province) and the fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    o: Option<(Option<Vec<i64>>, Option<i64>)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m: Option<(String, i64)>,
}

#[derive(Serialize, Deserialize)]
enum WireBody {
    Line(String),
    Json(String),
    Evtx(Value, i64),
    Read {
        product: Option<String>,
        service: Option<String>,
        category: Option<String>,
        format: String,
        fields: Vec<(String, String)>,
        at: Option<i64>,
    },
    Malformed(String, String),
}

/// Why a batch off the wire could not be read.
#[derive(Debug, thiserror::Error)]
#[error("a batch of records could not be read: {0}")]
pub struct WireError(String);

/// Writes records for the stream.
pub fn encode(records: &[Raw]) -> Vec<u8> {
    let wire: Vec<WireRaw> = records.iter().map(to_wire).collect();
    serde_json::to_vec(&wire).unwrap_or_default()
}

/// Reads records written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Vec<Raw>, WireError> {
    let wire: Vec<WireRaw> = serde_json::from_slice(bytes).map_err(|e| WireError(e.to_string()))?;
    wire.into_iter().map(from_wire).collect()
}

fn to_wire(r: &Raw) -> WireRaw {
    let b = match &r.body {
        Body::Line(l) => WireBody::Line(l.clone()),
        Body::Json(j) => WireBody::Json(j.clone()),
        Body::Evtx(v, t) => WireBody::Evtx(v.clone(), *t),
        Body::Read(n, at) => WireBody::Read {
            product: n.product.map(str::to_string),
            service: n.service.map(str::to_string),
            category: n.category.map(str::to_string),
            format: n.format.to_string(),
            fields: n.fields.clone(),
            at: *at,
        },
        Body::Malformed(raw, why) => WireBody::Malformed(raw.clone(), why.clone()),
    };
    WireRaw {
        t: r.transport.to_string(),
        p: r.peer,
        r: r.received_at,
        b,
        o: r.owner
            .as_ref()
            .map(|(scope, fallback)| (scope.ids().map(|ids| ids.to_vec()), *fallback)),
        m: r.mark.clone(),
    }
}

fn from_wire(w: WireRaw) -> Result<Raw, WireError> {
    let body = match w.b {
        WireBody::Line(l) => Body::Line(l),
        WireBody::Json(j) => Body::Json(j),
        WireBody::Evtx(v, t) => Body::Evtx(v, t),
        WireBody::Read {
            product,
            service,
            category,
            format,
            fields,
            at,
        } => {
            let label = |s: Option<String>| -> Result<Option<&'static str>, WireError> {
                s.map(|s| intern(&s)).transpose()
            };
            Body::Read(
                Box::new(canhgac_ingest::Normalized {
                    product: label(product)?,
                    service: label(service)?,
                    category: label(category)?,
                    fields,
                    format: intern(&format)?,
                }),
                at,
            )
        }
        WireBody::Malformed(raw, why) => Body::Malformed(raw, why),
    };
    Ok(Raw {
        transport: intern(&w.t)?,
        peer: w.p,
        received_at: w.r,
        body,
        owner: w.o.map(|(ids, fallback)| {
            let scope = match ids {
                None => Scope::All,
                Some(ids) => Scope::Orgs(ids.into_iter().collect::<BTreeSet<i64>>()),
            };
            (scope, fallback)
        }),
        mark: w.m,
    })
}

/// The labels a record carries (transport, log source, format) are a small fixed vocabulary in
/// the process that made them; here they are kept once each. Bounded: a sender cannot grow it
/// past `MAX_LABELS` (it is an internal stream, but a bad message must not leak memory).
fn intern(s: &str) -> Result<&'static str, WireError> {
    const MAX_LABELS: usize = 4096;
    static LABELS: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut g = LABELS
        .lock()
        .map_err(|_| WireError("labels lock poisoned".into()))?;
    let set = g.get_or_insert_with(HashSet::new);
    if let Some(&l) = set.get(s) {
        return Ok(l);
    }
    if set.len() >= MAX_LABELS || s.len() > 64 {
        return Err(WireError(format!(
            "unexpected label {:?}",
            s.chars().take(64).collect::<String>()
        )));
    }
    let l: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(l);
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_as_they_went() {
        let mut a = Raw::new(
            "tcp",
            Some("10.0.0.1".parse().expect("ip")),
            Body::Line("<13>Dec  6 08:00:00 web01 sshd[1]: Failed password".into()),
        );
        a.mark = Some(("agent:4".into(), 17));
        let mut b = Raw::new("http", None, Body::Json(r#"{"a":1}"#.into()));
        b.owner = Some((Scope::Orgs(BTreeSet::from([3, 4])), Some(3)));
        let c = Raw::new(
            "file",
            None,
            Body::Read(
                Box::new(canhgac_ingest::Normalized {
                    product: Some("windows"),
                    service: Some("security"),
                    category: None,
                    fields: vec![("EventID".into(), "4625".into())],
                    format: "winxml",
                }),
                Some(5),
            ),
        );
        let d = Raw::new("udp", None, Body::Malformed("\u{1}".into(), "bad".into()));
        let back = decode(&encode(&[a, b, c, d])).expect("decodes");
        assert_eq!(back.len(), 4);
        assert_eq!(back[0].transport, "tcp");
        assert_eq!(back[0].peer, Some("10.0.0.1".parse().expect("ip")));
        assert_eq!(back[0].mark, Some(("agent:4".into(), 17)));
        assert!(matches!(&back[0].body, Body::Line(l) if l.contains("sshd")));
        let (scope, fallback) = back[1].owner.clone().expect("owner");
        assert_eq!(scope, Scope::Orgs(BTreeSet::from([3, 4])));
        assert_eq!(fallback, Some(3));
        match &back[2].body {
            Body::Read(n, at) => {
                assert_eq!(n.product, Some("windows"));
                assert_eq!(n.format, "winxml");
                assert_eq!(n.get("EventID"), Some("4625"));
                assert_eq!(*at, Some(5));
            }
            _ => panic!("not a read record"),
        }
        assert!(matches!(&back[3].body, Body::Malformed(_, w) if w == "bad"));
        assert!(decode(b"[{\"t\":1}]").is_err());
        assert!(decode(b"not json").is_err());
    }
}
