//! Who is calling and what they may see: argon2id passwords, server-side sessions in an
//! `HttpOnly` cookie, hashed API tokens, CSRF checks on every state-changing browser
//! request, and rate limiting of failed log-ins.
//!
//! The [`Caller`] extractor is the one place a request's organisation scope is built.

use crate::AppState;
use argon2::password_hash::{
    rand_core::OsRng as PwRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use base64::Engine;
use canhgac_domain::{Role, Scope};
use canhgac_store::{Actor, User};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "canhgac_session";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "canhgac_lang";
/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Hashes a password with argon2id (OWASP parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut PwRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored argon2 hash.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Whether a password is acceptable; the problem in Vietnamese and English otherwise.
pub fn check_password_policy(password: &str) -> Result<(), (String, String)> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err((
            format!("Mật khẩu phải có ít nhất {MIN_PASSWORD_LEN} ký tự"),
            format!("The password must have at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 of a token, hex: what the store keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Vietnamese (default).
    Vi,
    /// English.
    En,
}

impl Lang {
    /// Picks the Vietnamese or the English text.
    pub fn t<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// From the request's cookie.
    pub fn from_headers(h: &HeaderMap) -> Lang {
        match cookie(h, LANG_COOKIE).as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    /// `vi` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// A cookie's value.
pub fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The bearer token of a request, if any.
pub fn bearer(h: &HeaderMap) -> Option<String> {
    let v = h.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Browser session cookie.
    Session,
    /// API token.
    Token,
}

/// The authenticated caller of a request, with their scope.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// Their role.
    pub role: Role,
    /// What they may see.
    pub scope: Scope,
    /// The session's CSRF token (browser sessions only).
    pub csrf: String,
    /// How they authenticated.
    pub via: Via,
    /// Their UI language.
    pub lang: Lang,
}

impl Caller {
    /// The caller as the audit log names them.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            email: self.user.email.clone(),
        }
    }
}

/// Why a request has no caller.
pub enum AuthRejection {
    /// Not logged in (API: 401).
    Api,
    /// Not logged in (UI: to the log-in page).
    Ui(String),
    /// The store failed.
    Internal,
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Api => (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "authentication required: send 'Authorization: Bearer <token>' (POST /api/v1/auth/token) or log in",
                            "message_vi": "Cần đăng nhập: gửi 'Authorization: Bearer <token>' hoặc đăng nhập"})),
            )
                .into_response(),
            AuthRejection::Ui(next) => Redirect::to(&format!("/login?next={}", urlencoding::encode(&next))).into_response(),
            AuthRejection::Internal => (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable").into_response(),
        }
    }
}

/// Builds the caller's scope from their role and organisation: the one place it is done.
pub async fn scope_of(state: &AppState, user: &User) -> Result<Scope, canhgac_store::StoreError> {
    let role = user.role();
    if role.is_dic() {
        return Ok(Scope::All);
    }
    let tree = state.store.org_tree().await?;
    Ok(Scope::for_user(role, user.org_id, &tree))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The role check (`routes::enforce`) has already authenticated this request.
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        // Inside the nested API router the path has lost its prefix; the original has it.
        let original = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let is_api = original.path().starts_with("/api/");
        let reject = || {
            if is_api {
                AuthRejection::Api
            } else {
                AuthRejection::Ui(
                    original
                        .path_and_query()
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| "/".into()),
                )
            }
        };
        let lang = Lang::from_headers(&parts.headers);
        let found = if let Some(token) = bearer(&parts.headers) {
            state
                .store
                .api_token_user(&token_hash(&token))
                .await
                .map_err(|_| AuthRejection::Internal)?
                .map(|u| (u, String::new(), Via::Token))
        } else if let Some(sid) = cookie(&parts.headers, SESSION_COOKIE) {
            state
                .store
                .session(&token_hash(&sid))
                .await
                .map_err(|_| AuthRejection::Internal)?
                .map(|(u, csrf)| (u, csrf, Via::Session))
        } else {
            None
        };
        let Some((user, csrf, via)) = found else {
            return Err(reject());
        };
        let scope = scope_of(state, &user)
            .await
            .map_err(|_| AuthRejection::Internal)?;
        Ok(Caller {
            role: user.role(),
            user,
            scope,
            csrf,
            via,
            lang,
        })
    }
}

/// Counts failed log-ins in a sliding window: per account first (`max` failures lock that
/// account for the window), and per client address only across *different* accounts (password
/// spraying: `6 × max` accounts), so one person mistyping behind a shared proxy or NAT never
/// locks out everyone else there. Memory is bounded: at most [`LoginLimiter::MAX_KEYS`] keys.
pub struct LoginLimiter {
    max: u32,
    window: Duration,
    accounts: Mutex<HashMap<String, (u32, Instant)>>,
    addresses: Mutex<HashMap<IpAddr, (std::collections::HashSet<String>, Instant)>>,
}

impl LoginLimiter {
    /// The most accounts or addresses tracked at once (the oldest are forgotten first).
    pub const MAX_KEYS: usize = 100_000;

    /// A limiter allowing `max` failures per account and `6 × max` failed accounts per address
    /// in `window_ms`.
    pub fn new(max: u32, window_ms: i64) -> LoginLimiter {
        LoginLimiter {
            max,
            window: Duration::from_millis(window_ms.max(0) as u64),
            accounts: Mutex::new(HashMap::new()),
            addresses: Mutex::new(HashMap::new()),
        }
    }

    fn account(email: &str) -> String {
        email.trim().to_lowercase()
    }

    /// Whether another attempt is allowed now.
    pub fn allowed(&self, email: &str, ip: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let Ok(mut acc) = self.accounts.lock() else {
            return false;
        };
        acc.retain(|_, (_, t)| now.duration_since(*t) < self.window);
        if acc
            .get(&Self::account(email))
            .is_some_and(|(n, _)| *n >= self.max)
        {
            return false;
        }
        drop(acc);
        let Some(ip) = ip else { return true };
        let Ok(mut addr) = self.addresses.lock() else {
            return false;
        };
        addr.retain(|_, (_, t)| now.duration_since(*t) < self.window);
        addr.get(&ip)
            .is_none_or(|(set, _)| set.len() < (self.max as usize) * 6)
    }

    /// Records a failure.
    pub fn failed(&self, email: &str, ip: Option<IpAddr>) {
        let now = Instant::now();
        let account = Self::account(email);
        if let Ok(mut acc) = self.accounts.lock() {
            if acc.len() >= Self::MAX_KEYS {
                forget_oldest(&mut acc, |(_, t)| *t);
            }
            let e = acc.entry(account.clone()).or_insert((0, now));
            e.0 += 1;
            e.1 = now;
        }
        if let (Some(ip), Ok(mut addr)) = (ip, self.addresses.lock()) {
            if addr.len() >= Self::MAX_KEYS {
                forget_oldest(&mut addr, |(_, t)| *t);
            }
            let e = addr.entry(ip).or_insert_with(|| (Default::default(), now));
            if e.0.len() < 1024 {
                e.0.insert(account);
            }
            e.1 = now;
        }
    }

    /// Clears the account's failures after a success.
    pub fn succeeded(&self, email: &str) {
        if let Ok(mut acc) = self.accounts.lock() {
            acc.remove(&Self::account(email));
        }
    }
}

/// Drops the tenth of the entries last touched longest ago.
fn forget_oldest<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    at: impl Fn(&V) -> Instant,
) {
    let mut times: Vec<(Instant, K)> = map.iter().map(|(k, v)| (at(v), k.clone())).collect();
    times.sort_by_key(|(t, _)| *t);
    for (_, k) in times.into_iter().take(map.len() / 10 + 1) {
        map.remove(&k);
    }
}

/// Why a log-in failed.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong e-mail or password (never says which).
    BadCredentials,
    /// Too many failures: wait.
    RateLimited,
    /// The store failed.
    Internal,
}

/// Checks e-mail and password under the rate limit; audits successes and failures.
pub async fn authenticate(
    state: &AppState,
    email: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<User, LoginError> {
    if !state.limiter.allowed(email, ip) {
        state
            .metrics
            .login_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(LoginError::RateLimited);
    }
    let user = state
        .store
        .user_by_email(email)
        .await
        .map_err(|_| LoginError::Internal)?;
    // Hash even for unknown accounts so timing does not reveal which e-mails exist.
    let (ok, user) = match user {
        Some(u) => (
            verify_password(&u.password_hash, password) && u.active,
            Some(u),
        ),
        None => {
            let _ = verify_password(dummy_hash(), password);
            (false, None)
        }
    };
    let actor = Actor {
        user_id: user.as_ref().map(|u| u.id),
        email: email.trim().to_lowercase(),
    };
    let org = user.as_ref().and_then(|u| u.org_id);
    if ok {
        state.limiter.succeeded(email);
        let _ = state
            .store
            .append_audit(
                &actor,
                org,
                "login",
                "sessions",
                user.as_ref().map(|u| u.id),
                None,
                None,
            )
            .await;
        user.ok_or(LoginError::BadCredentials)
    } else {
        state.limiter.failed(email, ip);
        state
            .metrics
            .login_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = state
            .store
            .append_audit(&actor, org, "login_failed", "sessions", None, None, None)
            .await;
        Err(LoginError::BadCredentials)
    }
}

fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("canhgac-dummy-password").unwrap_or_default())
}

/// The client address of a request: the connection's peer, or — when the peer is one of the
/// configured trusted reverse proxies — the last address in `X-Forwarded-For` that is not
/// itself a trusted proxy (addresses a client writes at the left cannot be trusted).
pub fn client_ip(req: &Request, trusted: &[ipnet::IpNet]) -> Option<IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    forwarded_client(peer, req.headers().get("x-forwarded-for"), trusted)
}

/// See [`client_ip`].
pub fn forwarded_client(
    peer: IpAddr,
    xff: Option<&axum::http::HeaderValue>,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let Some(list) = xff.and_then(|v| v.to_str().ok()) else {
        return Some(peer);
    };
    let mut last = peer;
    for part in list.rsplit(',').take(16) {
        match part.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(last),
        }
    }
    Some(last)
}

/// Rejects state-changing browser requests whose CSRF token does not match the session's.
/// The token is read from the `X-CSRF-Token` header, the `_csrf` query parameter (used by
/// multipart forms) or the `_csrf` field of a URL-encoded form. Requests with a bearer
/// token carry no ambient credentials and are exempt, as are the log-in endpoints.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let m = req.method().clone();
    if matches!(m, Method::GET | Method::HEAD | Method::OPTIONS) || bearer(req.headers()).is_some()
    {
        return next.run(req).await;
    }
    let path = req.uri().path();
    // The acknowledgement link's token is its own credential; the handler uses no session.
    if path == "/login" || path == "/api/v1/auth/token" || path.starts_with("/oncall/ack/") {
        return next.run(req).await;
    }
    let Some(sid) = cookie(req.headers(), SESSION_COOKIE) else {
        // No session: the handler's own authentication answers.
        return next.run(req).await;
    };
    let expected = match state.store.session(&token_hash(&sid)).await {
        Ok(Some((_, csrf))) => csrf,
        Ok(None) => return next.run(req).await,
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable").into_response(),
    };
    let from_header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_query = req.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "_csrf")
            .map(|(_, v)| {
                urlencoding::decode(v)
                    .map(|s| s.into_owned())
                    .unwrap_or_default()
            })
    });
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (req, from_form) = if from_header.is_none() && from_query.is_none() && is_form {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = to_bytes(body, state.config.max_body_bytes).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response();
        };
        let token = form_urlencoded_field(&bytes, "_csrf");
        (Request::from_parts(parts, Body::from(bytes)), token)
    } else {
        (req, None)
    };
    let given = from_header.or(from_query).or(from_form).unwrap_or_default();
    if given.is_empty() || !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        let lang = Lang::from_headers(req.headers());
        return (
            StatusCode::FORBIDDEN,
            lang.t(
                "Yêu cầu bị từ chối: thiếu hoặc sai mã chống giả mạo (CSRF). Hãy tải lại trang và thử lại.",
                "Request refused: missing or wrong anti-forgery (CSRF) token. Reload the page and try again.",
            )
            .to_string(),
        )
            .into_response();
    }
    next.run(req).await
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    let s = std::str::from_utf8(body).ok()?;
    s.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            urlencoding::decode(&v.replace('+', " "))
                .map(|s| s.into_owned())
                .unwrap_or_default()
        })
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `Set-Cookie` value for a new session.
pub fn session_cookie(value: &str, secure: bool, max_age_s: i64) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id() {
        let h = hash_password("mật khẩu đủ dài").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "mật khẩu đủ dài"));
        assert!(!verify_password(&h, "mat khau du dai"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn limiter_blocks_after_max_failures() {
        let l = LoginLimiter::new(3, 60_000);
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert!(l.allowed("a@x.vn", ip));
            l.failed("A@x.vn", ip);
        }
        assert!(!l.allowed("a@x.vn", ip));
        assert!(l.allowed("b@x.vn", ip));
        l.succeeded("a@x.vn");
        assert!(l.allowed("a@x.vn", ip));
        // Thirty failures of one account from one address do not lock the address: the
        // account is locked, the others behind the same proxy still log in.
        let l = LoginLimiter::new(5, 60_000);
        for _ in 0..30 {
            l.failed("mistyper@x.vn", ip);
        }
        assert!(!l.allowed("mistyper@x.vn", ip));
        assert!(l.allowed("colleague@x.vn", ip));
        // Spraying many accounts from one address locks the address.
        for i in 0..30 {
            l.failed(&format!("u{i}@x.vn"), ip);
        }
        assert!(!l.allowed("colleague@x.vn", ip));
        assert!(l.allowed("colleague@x.vn", Some(IpAddr::from([10, 0, 0, 9]))));
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let proxy: ipnet::IpNet = "10.0.0.0/24".parse().expect("net");
        let h = |v: &str| axum::http::HeaderValue::from_str(v).expect("header");
        let p = IpAddr::from([10, 0, 0, 2]);
        let c = IpAddr::from([203, 0, 113, 5]);
        // Not a trusted peer: its header is ignored.
        assert_eq!(forwarded_client(c, Some(&h("1.2.3.4")), &[proxy]), Some(c));
        // A trusted peer: the right-most untrusted address; a forged left part is ignored.
        assert_eq!(
            forwarded_client(p, Some(&h("1.2.3.4, 203.0.113.5, 10.0.0.3")), &[proxy]),
            Some(c)
        );
        assert_eq!(forwarded_client(p, None, &[proxy]), Some(p));
        assert_eq!(forwarded_client(p, Some(&h("junk")), &[proxy]), Some(p));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[test]
    fn form_field_decoding() {
        assert_eq!(
            form_urlencoded_field(b"a=1&_csrf=x%2By+z", "_csrf").as_deref(),
            Some("x+y z")
        );
    }
}
