//! The pager (M2): opens pages for new incidents and high or critical alerts (and every
//! national-platform alert), runs each organisation's escalation policy step by step, and
//! delivers each step by e-mail (SMTP), a generic JSON webhook and a Telegram bot's
//! `sendMessage`, every message with its own acknowledgement link. `tick` takes the time as an
//! argument: the server calls it every 30 seconds, tests call it with any clock.
//!
//! Outgoing HTTP goes only to destinations an administrator allowed (checked when a channel is
//! added and again before every send), follows no redirects, waits at most 10 seconds and reads
//! at most 64 KiB of the answer.

use crate::mail::{Mail, Mailer};
use bytes::Bytes;
use canhgac_domain::oncall::{destination_allowed, Target};
use canhgac_domain::signal::Severity;
use canhgac_domain::time::fmt_datetime;
use canhgac_store::{ChannelRow, NewDelivery, PageRow, Recipient, Store, StoreError};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// How long one HTTP delivery may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer read.
const MAX_ANSWER: usize = 64 * 1024;

/// Delivery details the pages translate (anything else is the other side's own answer).
pub mod detail {
    /// No mail server is configured.
    pub const NO_MAILER: &str = "no_mailer";
    /// The destination is not (any longer) allowed.
    pub const NOT_ALLOWED: &str = "not_allowed";
    /// The step named nobody (no roster, no administrator, no channel).
    pub const NOBODY: &str = "nobody";
}

type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// What pages go out through, and the address links in them point to.
#[derive(Clone)]
pub struct Pager {
    mailer: Option<Arc<Mailer>>,
    client: HttpClient,
    public_url: String,
}

impl std::fmt::Debug for Pager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pager({})", self.public_url)
    }
}

impl Pager {
    /// A pager sending mail through `mailer` (none: e-mail pages are recorded as not sent) with
    /// links under `public_url` (the address people open the platform at).
    pub fn new(mailer: Option<Arc<Mailer>>, public_url: &str) -> Result<Pager, String> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(HTTP_TIMEOUT));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(2)
            .build(https);
        Ok(Pager {
            mailer,
            client,
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }

    /// The address links point to.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// POSTs a JSON document; the status and the start of the answer, or why it failed.
    async fn post_json(&self, url: &str, body: &Value) -> Result<(u16, String), String> {
        let req = hyper::Request::post(url)
            .header("content-type", "application/json")
            .header("user-agent", "canhgac-pager")
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| format!("request: {e}"))?;
        let resp = tokio::time::timeout(HTTP_TIMEOUT, self.client.request(req))
            .await
            .map_err(|_| "timed out".to_string())?
            .map_err(|e| format!("{e}"))?;
        let status = resp.status().as_u16();
        let body = tokio::time::timeout(
            HTTP_TIMEOUT,
            Limited::new(resp.into_body(), MAX_ANSWER).collect(),
        )
        .await
        .map_err(|_| "timed out reading the answer".to_string())?
        .map(|b| b.to_bytes())
        .unwrap_or_default();
        Ok((
            status,
            String::from_utf8_lossy(&body).chars().take(300).collect(),
        ))
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    /// Pages opened.
    pub opened: usize,
    /// Pages stopped because their record was taken up in its room.
    pub settled: u64,
    /// Policy steps run.
    pub steps: usize,
    /// Messages the other side accepted.
    pub sent: usize,
    /// Messages that failed or could not be sent.
    pub failed: usize,
}

/// One pass of the pager at `now`: discover, settle, run the due steps.
pub async fn tick(store: &Store, pager: &Pager, now: i64) -> Result<TickReport, StoreError> {
    let mut r = TickReport {
        opened: store.open_pages(now).await?.len(),
        settled: store.settle_pages(now).await?,
        ..Default::default()
    };
    let prefixes = store.destination_prefixes().await?;
    // During a heightened period every wait is cut to the period's share.
    let factor = store.active_period(now).await?.map(|p| p.factor_pct);
    for page in store.due_pages(now).await? {
        let mut policy = store.oncall_policy(page.org_id).await?;
        if let Some(f) = factor {
            for s in &mut policy.steps {
                s.wait_minutes = canhgac_domain::period::scale_wait(s.wait_minutes, f);
            }
        }
        let idx = (page.step.max(0) as usize).min(policy.steps.len().saturating_sub(1));
        let Some(step) = policy.steps.get(idx) else {
            continue;
        };
        let mut people: Vec<Recipient> = Vec::new();
        let mut channels: Vec<ChannelRow> = Vec::new();
        for t in &step.targets {
            if *t == Target::Channels {
                channels.extend(store.channels_of(page.org_id, None).await?);
            } else {
                for p in store.page_recipients(page.org_id, *t, now).await? {
                    if !people.iter().any(|q| q.user_id == p.user_id) {
                        people.push(p);
                    }
                }
            }
        }
        let ctx = Ctx {
            page: &page,
            step: idx,
            steps: policy.steps.len(),
            prefixes: &prefixes,
        };
        if people.is_empty() && channels.is_empty() {
            store
                .record_delivery(&ctx.delivery(None, "app", "", false, detail::NOBODY.into(), None))
                .await?;
            r.failed += 1;
        }
        for p in &people {
            let (ok, bad) = deliver_person(store, pager, &ctx, p).await?;
            r.sent += ok;
            r.failed += bad;
        }
        for c in &channels {
            if deliver_channel(store, pager, &ctx, c, None).await? {
                r.sent += 1;
            } else {
                r.failed += 1;
            }
        }
        store
            .advance_page(page.id, policy.after(idx, page.round, now))
            .await?;
        r.steps += 1;
    }
    Ok(r)
}

struct Ctx<'a> {
    page: &'a PageRow,
    step: usize,
    steps: usize,
    prefixes: &'a [String],
}

impl Ctx<'_> {
    fn delivery(
        &self,
        user: Option<i64>,
        channel: &str,
        target: &str,
        ok: bool,
        detail: String,
        token_hash: Option<String>,
    ) -> NewDelivery {
        NewDelivery {
            page_id: self.page.id,
            step: self.step as i64,
            round: self.page.round,
            user_id: user,
            channel: channel.into(),
            target: target.into(),
            ok,
            detail,
            token_hash,
        }
    }
}

/// A fresh acknowledgement token and its SHA-256 (what is stored).
pub fn new_token() -> (String, String) {
    let mut raw = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = hex::encode(raw);
    (token.clone(), token_hash(&token))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The message of a page, in Vietnamese then English.
pub fn message(
    pager: &Pager,
    page: &PageRow,
    step: usize,
    steps: usize,
    ack_url: &str,
) -> (String, String) {
    let sev = Severity::parse(&page.severity);
    let (sev_vi, sev_en) = sev.map_or(("", ""), |s| (s.label_vi(), s.label_en()));
    let org = page.org_code.clone().unwrap_or_default();
    let (what_vi, what_en) = if page.source_kind == "incident" {
        ("Sự cố", "Incident")
    } else {
        ("Cảnh báo", "Alert")
    };
    let subject = format!("[canhgac] {what_vi} {sev_vi} — {org}: {}", page.title);
    let body = format!(
        "{what_vi} mức {sev_vi} cần người trực xử lý ngay / {what_en}, {sev_en}, needs the officer on duty now\n\n\
         {title}\n\
         Đơn vị / Organisation: {org}\n\
         Thời điểm / Opened: {opened} (UTC+7)\n\
         Số sự kiện gộp / Events folded in: {events}\n\
         Bước gọi / Escalation step: {step}/{steps}, lượt / round {round}\n\n\
         Xem / View: {view}\n\
         Xác nhận đã nhận / Acknowledge: {ack}\n",
        title = page.title,
        opened = fmt_datetime(page.created_at),
        events = page.events,
        step = step + 1,
        round = page.round + 1,
        view = source_url(pager, page),
        ack = ack_url,
    );
    (subject, body)
}

/// The page of the record a page is about.
pub fn source_url(pager: &Pager, page: &PageRow) -> String {
    match page.source_kind.as_str() {
        "incident" => format!("{}/incidents/{}", pager.public_url, page.source_id),
        _ => format!("{}/signals/{}", pager.public_url, page.source_id),
    }
}

/// Pages one person: an e-mail to their log-in address and a message on each of their own
/// channels. Returns (accepted, failed).
async fn deliver_person(
    store: &Store,
    pager: &Pager,
    ctx: &Ctx<'_>,
    p: &Recipient,
) -> Result<(usize, usize), StoreError> {
    let (mut ok, mut bad) = (0, 0);
    let (token, hash) = new_token();
    let ack = format!("{}/oncall/ack/{token}", pager.public_url);
    let (subject, body) = message(pager, ctx.page, ctx.step, ctx.steps, &ack);
    let (accepted, detail) = send_mail(pager, &p.email, &subject, &body).await;
    store
        .record_delivery(&ctx.delivery(
            Some(p.user_id),
            "email",
            &p.email,
            accepted,
            detail,
            Some(hash),
        ))
        .await?;
    if accepted {
        ok += 1
    } else {
        bad += 1
    }
    for c in store.channels_of(ctx.page.org_id, Some(p.user_id)).await? {
        if deliver_channel(store, pager, ctx, &c, Some(p.user_id)).await? {
            ok += 1
        } else {
            bad += 1
        }
    }
    Ok((ok, bad))
}

async fn send_mail(pager: &Pager, to: &str, subject: &str, body: &str) -> (bool, String) {
    let Some(m) = &pager.mailer else {
        return (false, detail::NO_MAILER.into());
    };
    let mail = Mail {
        to: vec![to.to_string()],
        subject: subject.to_string(),
        body: body.to_string(),
        attachment: None,
    };
    match m.send(&mail).await {
        Ok(reply) => (true, reply),
        Err(e) => (false, e),
    }
}

/// One message on one channel (its own acknowledgement token); whether it was accepted.
async fn deliver_channel(
    store: &Store,
    pager: &Pager,
    ctx: &Ctx<'_>,
    c: &ChannelRow,
    user: Option<i64>,
) -> Result<bool, StoreError> {
    let (token, hash) = new_token();
    let ack = format!("{}/oncall/ack/{token}", pager.public_url);
    let (subject, body) = message(pager, ctx.page, ctx.step, ctx.steps, &ack);
    let page = ctx.page;
    let (accepted, detail, shown) = match c.kind.as_str() {
        "email" => {
            let (a, d) = send_mail(pager, &c.target, &subject, &body).await;
            (a, d, c.target.clone())
        }
        "webhook" => {
            let shown = c.target.split('?').next().unwrap_or_default().to_string();
            if !destination_allowed(&c.target, ctx.prefixes) {
                (false, detail::NOT_ALLOWED.to_string(), shown)
            } else {
                let doc = json!({
                    "type": "canhgac.page",
                    "page_id": page.id,
                    "organisation": {"id": page.org_id, "code": page.org_code},
                    "title": page.title,
                    "severity": page.severity,
                    "source": {"kind": page.source_kind, "id": page.source_id, "url": source_url(pager, page)},
                    "events": page.events,
                    "step": ctx.step + 1,
                    "steps": ctx.steps,
                    "round": page.round + 1,
                    "opened_at": chrono::DateTime::from_timestamp_millis(page.created_at).map(|t| t.to_rfc3339()),
                    "page_url": format!("{}/oncall/pages/{}", pager.public_url, page.id),
                    "ack_url": ack,
                    "text": body,
                });
                match pager.post_json(&c.target, &doc).await {
                    Ok((s, _)) if (200..300).contains(&s) => (true, format!("HTTP {s}"), shown),
                    Ok((s, a2)) => (false, format!("HTTP {s} {a2}"), shown),
                    Err(e) => (false, e, shown),
                }
            }
        }
        "telegram" => {
            let url = format!("{}/sendMessage", c.endpoint);
            if !destination_allowed(&url, ctx.prefixes) {
                (false, detail::NOT_ALLOWED.to_string(), c.target.clone())
            } else {
                let chat: Value = c
                    .target
                    .parse::<i64>()
                    .map_or_else(|_| json!(c.target), |n| json!(n));
                let doc = json!({
                    "chat_id": chat,
                    "text": format!("{subject}\n\n{body}"),
                    "disable_web_page_preview": true,
                    "reply_markup": {"inline_keyboard": [[{"text": "Xác nhận đã nhận / Acknowledge", "url": ack}]]},
                });
                match pager.post_json(&url, &doc).await {
                    Ok((s, a)) if (200..300).contains(&s) => {
                        let ok = serde_json::from_str::<Value>(&a)
                            .ok()
                            .and_then(|v| v.get("ok").and_then(Value::as_bool))
                            .unwrap_or(false);
                        (
                            ok,
                            if ok {
                                format!("HTTP {s}")
                            } else {
                                format!("HTTP {s} {a}")
                            },
                            c.target.clone(),
                        )
                    }
                    Ok((s, a)) => (false, format!("HTTP {s} {a}"), c.target.clone()),
                    Err(e) => (false, e, c.target.clone()),
                }
            }
        }
        other => (false, format!("unknown channel {other}"), c.target.clone()),
    };
    store
        .record_delivery(&ctx.delivery(user, &c.kind, &shown, accepted, detail, Some(hash)))
        .await?;
    Ok(accepted)
}
