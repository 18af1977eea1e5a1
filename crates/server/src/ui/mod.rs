//! The server-rendered web UI: Vietnamese first, English on a switch; plain HTML forms
//! (every one carrying the session's CSRF token), no JavaScript needed to work.

mod admin;
mod botnet;
mod core;
pub mod layout;
mod monitor;
mod patching;
mod registry;

use crate::auth::{
    authenticate, client_ip, random_token, session_cookie, token_hash, Caller, Lang, LoginError,
    LANG_COOKIE, SESSION_COOKIE,
};
use crate::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::signal::Severity;
use canhgac_domain::time::fmt_datetime;
use canhgac_domain::Scope;
use canhgac_store::{AuditQuery, ListQuery, SignalFilter, StoreError, WorkFilter};
use layout::{bare_page, page};
use maud::html;
use serde_json::Value;
use std::collections::HashMap;

/// A UI handler's result: a page, or an error page.
pub type UiResult = Result<Response, Response>;

/// Method and path of every UI route (the tenant-isolation test walks these).
pub const UI_ROUTES: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/login"),
    ("post", "/login"),
    ("post", "/logout"),
    ("get", "/lang/{code}"),
    ("get", "/orgs"),
    ("get", "/import"),
    ("post", "/import"),
    ("get", "/import/template/{entity}"),
    ("get", "/users"),
    ("get", "/users/new"),
    ("post", "/users/new"),
    ("get", "/users/{id}/edit"),
    ("post", "/users/{id}/edit"),
    ("get", "/audit"),
    ("get", "/signals"),
    ("post", "/signals/{id}/transition"),
    ("get", "/work"),
    ("get", "/work/{id}"),
    ("post", "/work/{id}/event"),
    ("get", "/botnet"),
    ("post", "/botnet"),
    ("get", "/botnet/{id}"),
    ("get", "/hunt"),
    ("post", "/hunt"),
    ("get", "/advisories"),
    ("post", "/advisories"),
    ("post", "/advisories/manual"),
    ("post", "/advisories/kev"),
    ("get", "/advisories/{id}"),
    ("get", "/compliance"),
    ("get", "/findings"),
    ("post", "/findings"),
    ("post", "/hosts/{id}/inventory"),
    ("get", "/monitor"),
    ("get", "/alerts"),
    ("get", "/alerts/{id}"),
    ("post", "/alerts/{id}/transition"),
    ("post", "/alerts/{id}/assign"),
    ("post", "/alerts/{id}/notes"),
    ("get", "/rules"),
    ("post", "/rules/upload"),
    ("post", "/rules/{id}"),
    ("get", "/events"),
    ("get", "/events/{id}"),
    ("post", "/events/upload"),
    ("get", "/{entity}"),
    ("get", "/{entity}/new"),
    ("post", "/{entity}/new"),
    ("get", "/{entity}/{id}"),
    ("get", "/{entity}/{id}/edit"),
    ("post", "/{entity}/{id}/edit"),
    ("post", "/{entity}/{id}/delete"),
];

/// Every UI route as (path, handlers); [`UI_ROUTES`] names their methods.
pub fn route_table() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/", get(overview)),
        ("/login", get(login_page).post(login)),
        ("/logout", post(logout)),
        ("/lang/{code}", get(set_lang)),
        ("/orgs", get(orgs_page)),
        (
            "/import",
            get(admin::import_page).post(admin::import_upload),
        ),
        ("/import/template/{entity}", get(admin::template)),
        ("/users", get(admin::users_page)),
        (
            "/users/new",
            get(admin::user_new_page).post(admin::user_create),
        ),
        (
            "/users/{id}/edit",
            get(admin::user_edit_page).post(admin::user_update),
        ),
        ("/audit", get(admin::audit_page)),
        ("/signals", get(core::signals_page)),
        ("/signals/{id}/transition", post(core::signal_transition)),
        ("/work", get(core::work_page)),
        ("/work/{id}", get(core::work_detail)),
        ("/work/{id}/event", post(core::work_event)),
        ("/botnet", get(botnet::lists_page).post(botnet::import)),
        ("/botnet/{id}", get(botnet::list_page)),
        ("/hunt", get(botnet::hunt_page).post(botnet::hunt_upload)),
        (
            "/advisories",
            get(patching::advisories_page).post(patching::advisories_upload),
        ),
        ("/advisories/manual", post(patching::manual_submit)),
        ("/advisories/kev", post(patching::kev_upload)),
        ("/advisories/{id}", get(patching::advisory_page)),
        ("/compliance", get(patching::compliance_page)),
        (
            "/findings",
            get(patching::findings_page).post(patching::findings_upload),
        ),
        ("/hosts/{id}/inventory", post(patching::inventory_upload)),
        ("/monitor", get(monitor::monitor_page)),
        ("/alerts", get(monitor::alerts_page)),
        ("/alerts/{id}", get(monitor::alert_page)),
        ("/alerts/{id}/transition", post(monitor::alert_transition)),
        ("/alerts/{id}/assign", post(monitor::alert_assign)),
        ("/alerts/{id}/notes", post(monitor::alert_note)),
        ("/rules", get(monitor::rules_page)),
        ("/rules/upload", post(monitor::rule_upload)),
        ("/rules/{id}", post(monitor::rule_update)),
        ("/events", get(monitor::events_page)),
        ("/events/{id}", get(monitor::event_page)),
        ("/events/upload", post(monitor::events_upload)),
        ("/{entity}", get(registry::list_page)),
        (
            "/{entity}/new",
            get(registry::new_page).post(registry::create),
        ),
        ("/{entity}/{id}", get(registry::detail_page)),
        (
            "/{entity}/{id}/edit",
            get(registry::edit_page).post(registry::update),
        ),
        ("/{entity}/{id}/delete", post(registry::delete)),
    ]
}

/// The UI's routes.
pub fn routes() -> Router<AppState> {
    route_table()
        .into_iter()
        .fold(Router::new(), |r, (p, m)| r.route(p, m))
}

/// Any path no route knows.
pub async fn fallback(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::api::not_found_json().await.into_response();
    }
    let l = Lang::from_headers(&headers);
    let body = html! { h1 { (l.t("Không tìm thấy trang", "Page not found")) } p { a href="/" { (l.t("Về trang tổng quan", "Back to the overview")) } } };
    (
        StatusCode::NOT_FOUND,
        bare_page(l, l.t("Không tìm thấy", "Not found"), body),
    )
        .into_response()
}

/// A query parameter's value, empty when absent (the first one when repeated).
pub(crate) fn param(params: &[(String, String)], name: &str) -> String {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A multipart form as read: its text fields and its non-empty files.
pub(crate) struct Upload {
    /// Text fields by name.
    pub fields: HashMap<String, String>,
    /// Files as `(field, file name, bytes)`.
    pub files: Vec<(String, Option<String>, Vec<u8>)>,
}

impl Upload {
    /// The first file of a field.
    pub fn file(&self, field: &str) -> Option<(Option<&str>, &[u8])> {
        self.files
            .iter()
            .find(|(f, _, _)| f == field)
            .map(|(_, n, b)| (n.as_deref(), b.as_slice()))
    }
}

/// Reads a multipart form whole; a broken upload is answered with a page.
pub(crate) async fn read_upload(
    c: &Caller,
    mut mp: axum::extract::Multipart,
) -> Result<Upload, Response> {
    let broken = || {
        error_page(
            c,
            StatusCode::BAD_REQUEST,
            "Tải tệp lên không thành công.",
            "The upload did not complete.",
        )
    };
    let mut up = Upload {
        fields: HashMap::new(),
        files: Vec::new(),
    };
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().map(str::to_string);
                let bytes = field.bytes().await.map_err(|_| broken())?;
                match file_name {
                    Some(f) if !bytes.is_empty() => up.files.push((name, Some(f), bytes.to_vec())),
                    Some(_) => {}
                    None => {
                        up.fields
                            .insert(name, String::from_utf8_lossy(&bytes).trim().to_string());
                    }
                }
            }
            Ok(None) => return Ok(up),
            Err(_) => return Err(broken()),
        }
    }
}

/// A full error page with a status.
pub(crate) fn error_page(c: &Caller, status: StatusCode, vi: &str, en: &str) -> Response {
    let l = c.lang;
    let body = html! { h1 { (l.t("Không thực hiện được", "Could not do that")) } div.flash.bad { (l.t(vi, en)) } p { a href="/" data-back { "← " (l.t("Quay lại", "Back")) } } };
    (status, page(c, l.t("Lỗi", "Error"), "", body)).into_response()
}

pub(crate) fn not_found(c: &Caller) -> Response {
    error_page(
        c,
        StatusCode::NOT_FOUND,
        "Không tìm thấy trang hoặc bản ghi này (hoặc bạn không có quyền xem).",
        "No such page or record (or it is not visible to you).",
    )
}

pub(crate) fn store_error_page(c: &Caller, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => not_found(c),
        StoreError::Forbidden(m) => error_page(
            c,
            StatusCode::FORBIDDEN,
            &format!("Không được phép: {m}"),
            &format!("Forbidden: {m}"),
        ),
        StoreError::Conflict(m) => error_page(
            c,
            StatusCode::CONFLICT,
            &format!("Xung đột dữ liệu: {m}"),
            &format!("Conflict: {m}"),
        ),
        StoreError::Invalid(errs) => {
            let en: Vec<String> = errs
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            let vi: Vec<String> = errs
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message_vi))
                .collect();
            error_page(
                c,
                StatusCode::UNPROCESSABLE_ENTITY,
                &vi.join("; "),
                &en.join("; "),
            )
        }
        other => {
            tracing::error!(error = %other, "storage error");
            error_page(
                c,
                StatusCode::SERVICE_UNAVAILABLE,
                "Lỗi lưu trữ; hãy thử lại sau ít phút.",
                "Storage error; try again in a few minutes.",
            )
        }
    }
}

pub(crate) fn must_write(c: &Caller, kind: EntityKind) -> Result<(), Response> {
    if !c.role.can_write() {
        return Err(error_page(
            c,
            StatusCode::FORBIDDEN,
            "Tài khoản của bạn chỉ có quyền xem.",
            "Your account is read-only.",
        ));
    }
    if kind == EntityKind::Org && !c.role.can_manage_orgs() {
        return Err(error_page(
            c,
            StatusCode::FORBIDDEN,
            "Chỉ Sở TTTT được thêm, sửa, xoá đơn vị.",
            "Only the DIC manages organisations.",
        ));
    }
    Ok(())
}

/// Where to go after logging in: a local path only — one leading `/` not followed by another
/// `/` or a `\\`, no backslash anywhere and no control or blank characters (browsers drop tabs
/// and newlines from a URL, so `/\t/evil.example` would become `//evil.example`); anything else
/// goes to `/`.
pub fn safe_next(next: Option<&String>) -> String {
    let Some(n) = next else {
        return "/".into();
    };
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.contains('\\')
        && !n.chars().any(|c| c.is_control() || c.is_whitespace())
        && n.len() <= 2048;
    if local {
        n.clone()
    } else {
        "/".into()
    }
}

async fn login_page(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    login_form(
        Lang::from_headers(&headers),
        &safe_next(q.get("next")),
        None,
        "",
        StatusCode::OK,
    )
}

fn login_form(
    l: Lang,
    next: &str,
    error: Option<&str>,
    email: &str,
    status: StatusCode,
) -> Response {
    let body = html! {
        div.login.card {
            h1 { (l.t("Đăng nhập", "Log in")) }
            @if let Some(e) = error { div.flash.bad #login-error { (e) } }
            form method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                p { label for="email" { (l.t("Thư điện tử", "E-mail")) } input #email type="email" name="email" value=(email) required autofocus autocomplete="username"; }
                p { label for="password" { (l.t("Mật khẩu", "Password")) } input #password type="password" name="password" required autocomplete="current-password"; }
                p { button #login type="submit" { (l.t("Đăng nhập", "Log in")) } }
            }
        }
    };
    (status, bare_page(l, l.t("Đăng nhập", "Log in"), body)).into_response()
}

async fn login(State(st): State<AppState>, req: Request) -> Response {
    let ip = client_ip(&req, &st.config.trusted_proxies);
    let l = Lang::from_headers(req.headers());
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let form: HashMap<String, String> = serde_urlencoded_pairs(&bytes);
    let email = form.get("email").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let next = safe_next(form.get("next"));
    match authenticate(&st, &email, &password, ip).await {
        Ok(user) => {
            let sid = random_token();
            let csrf = random_token();
            let ttl = st.config.session_ttl_ms;
            if st
                .store
                .create_session(&token_hash(&sid), user.id, &csrf, ttl)
                .await
                .is_err()
            {
                return login_form(
                    l,
                    &next,
                    Some(l.t("Lỗi lưu trữ, hãy thử lại", "Storage error, try again")),
                    &email,
                    StatusCode::SERVICE_UNAVAILABLE,
                );
            }
            let mut resp = Redirect::to(&next).into_response();
            if let Ok(v) = session_cookie(&sid, st.config.secure_cookies, ttl / 1000).parse() {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        Err(LoginError::RateLimited) => login_form(
            l,
            &next,
            Some(l.t(
                "Đăng nhập sai quá nhiều lần. Hãy thử lại sau 15 phút.",
                "Too many failed log-ins. Try again in 15 minutes.",
            )),
            &email,
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(LoginError::BadCredentials) => login_form(
            l,
            &next,
            Some(l.t(
                "Sai thư điện tử hoặc mật khẩu.",
                "Wrong e-mail or password.",
            )),
            &email,
            StatusCode::UNAUTHORIZED,
        ),
        Err(LoginError::Internal) => login_form(
            l,
            &next,
            Some(l.t("Lỗi lưu trữ, hãy thử lại", "Storage error, try again")),
            &email,
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    }
}

/// Decodes `application/x-www-form-urlencoded` into a map (last value wins).
fn serde_urlencoded_pairs(bytes: &[u8]) -> HashMap<String, String> {
    let s = String::from_utf8_lossy(bytes);
    s.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let d = |x: &str| {
                urlencoding::decode(&x.replace('+', " "))
                    .map(|c| c.into_owned())
                    .unwrap_or_default()
            };
            (d(k), d(v))
        })
        .collect()
}

async fn logout(State(st): State<AppState>, c: Caller, headers: HeaderMap) -> Response {
    if let Some(sid) = crate::auth::cookie(&headers, SESSION_COOKIE) {
        let _ = st.store.delete_session(&token_hash(&sid)).await;
    }
    let _ = st
        .store
        .append_audit(
            &c.actor(),
            c.user.org_id,
            "logout",
            "sessions",
            Some(c.user.id),
            None,
            None,
        )
        .await;
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0").parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

async fn set_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let code = if code == "en" { "en" } else { "vi" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .map(|i| &r[i + 3..])
                .and_then(|rest| rest.find('/').map(|j| rest[j..].to_string()))
        })
        .unwrap_or_else(|| "/".into());
    let mut resp = Redirect::to(&safe_next(Some(&back))).into_response();
    if let Ok(v) = format!("{LANG_COOKIE}={code}; Path=/; SameSite=Lax; Max-Age=31536000").parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

async fn overview(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let counts = st.store.counts(&c.scope).await.map_err(err)?;
    let per_org = st.store.hosts_per_org(&c.scope).await.map_err(err)?;
    let (signals, open_signals) = st
        .store
        .list_signals(
            &c.scope,
            &SignalFilter {
                open_only: true,
                limit: Some(10),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let (work, open_work) = st
        .store
        .list_work_items(
            &c.scope,
            &WorkFilter {
                open_only: true,
                limit: Some(10),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let audit = if c.role.can_read_audit() {
        st.store
            .list_audit(
                &c.scope,
                &AuditQuery {
                    limit: Some(8),
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?
            .0
    } else {
        vec![]
    };
    let (_, open_hunts) = st
        .store
        .list_work_items(
            &c.scope,
            &WorkFilter {
                kind: Some(canhgac_domain::work::WorkKind::HuntTask),
                open_only: true,
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let patch_hosts: i64 = st
        .store
        .patch_compliance(&c.scope)
        .await
        .map_err(err)?
        .iter()
        .map(|r| r.3)
        .sum();
    let critical_findings = st
        .store
        .list_scan_findings(&c.scope, Some("open"))
        .await
        .map_err(err)?
        .iter()
        .filter(|f| f.severity == "critical" || f.severity == "high")
        .count();
    let level_hosts = st
        .store
        .list(
            EntityKind::System,
            &c.scope,
            &ListQuery {
                filters: vec![("level".into(), "4".into())],
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?
        .total
        + st.store
            .list(
                EntityKind::System,
                &c.scope,
                &ListQuery {
                    filters: vec![("level".into(), "5".into())],
                    limit: Some(1),
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?
            .total;
    let max_hosts = per_org
        .iter()
        .map(|(_, _, s, w)| s + w)
        .max()
        .unwrap_or(1)
        .max(1);
    let now = canhgac_domain::time::now_ms();
    let body = html! {
        h1 { (l.t("Tổng quan", "Overview")) @if let Scope::Orgs(_) = c.scope { span.muted { " — " (l.t("đơn vị của bạn", "your organisation")) } } }
        div.cards {
            @for (k, n) in &counts { a.stat href=(format!("/{}", k.slug())) { b { (n) } span { (l.t(k.label_vi(), k.label_en())) } } }
            a.stat href="/systems?level=4" { b { (level_hosts) } span { (l.t("Hệ thống cấp độ 4–5", "Level 4–5 systems")) } }
            a.stat href="/signals" { b { (open_signals) } span { (l.t("Cảnh báo chưa xử lý", "Open signals")) } }
            a.stat href="/work" { b { (open_work) } span { (l.t("Công việc đang mở", "Open work items")) } }
            a.stat href="/work?kind=hunt_task" { b { (open_hunts) } span { (l.t("Nhiệm vụ săn lùng Botnet", "Botnet hunting tasks")) } }
            a.stat href="/compliance" { b { (patch_hosts) } span { (l.t("Máy còn phải vá", "Hosts to patch")) } }
            a.stat href="/findings" { b { (critical_findings) } span { (l.t("Lỗ hổng nghiêm trọng, cao", "Critical and high findings")) } }
        }
        div.grid2 {
            div.card {
                h2 { (l.t("Cảnh báo mới nhất", "Latest signals")) }
                table { thead { tr { th { (l.t("Mức độ", "Severity")) } th { (l.t("Nội dung", "Title")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Lần cuối", "Last seen")) } } }
                    tbody { @for s in &signals { tr { td { (layout::severity(l, &s.severity)) } td { (s.title) @if s.count > 1 { " ×" (s.count) } } td { (s.org_code.clone().unwrap_or_default()) } td { (fmt_datetime(s.last_seen)) } } }
                        @if signals.is_empty() { tr { td colspan="4" .muted { (l.t("Không có cảnh báo mở", "No open signals")) } } } } }
            }
            div.card {
                h2 { (l.t("Công việc sắp đến hạn", "Work due soonest")) }
                table { thead { tr { th { (l.t("Công việc", "Work")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Hạn", "Due")) } } }
                    tbody { @for w in &work { tr { td { a href=(format!("/work/{}", w.id)) { (w.title) } } td { (w.org_code.clone().unwrap_or_default()) }
                        td { @if let Some(d) = w.due_at { @if d < now { span.badge.sev-high { (canhgac_domain::time::fmt_date(d)) } } @else { (canhgac_domain::time::fmt_date(d)) } } } } }
                        @if work.is_empty() { tr { td colspan="3" .muted { (l.t("Không có việc đang mở", "No open work")) } } } } }
            }
        }
        div.card {
            h2 { (l.t("Máy chủ, máy trạm theo đơn vị", "Hosts per organisation")) }
            table { thead { tr { th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Máy chủ", "Servers")) } th { (l.t("Máy trạm, khác", "Workstations, other")) } th {} } }
                tbody { @for (code, name, s, w) in per_org.iter().take(30) { tr {
                    td { a href=(format!("/hosts?org={code}")) { (code) } " " span.muted { (name) } } td { (s) } td { (w) }
                    td.w40 { (layout::meter((s + w) * 100 / max_hosts, "#0b4f8a")) } } } } }
        }
        @if !audit.is_empty() {
            div.card { h2 { (l.t("Thay đổi gần đây", "Recent changes")) }
                table { tbody { @for a in &audit { tr { td { (fmt_datetime(a.at)) } td { (a.user_email) } td { (a.action) } td { (a.entity) " #" (a.entity_id.map(|i| i.to_string()).unwrap_or_default()) } } } } }
                p { a href="/audit" { (l.t("Xem nhật ký", "Open the audit log")) " →" } } }
        }
        p.muted { (l.t("Mức độ nghiêm trọng:", "Severities:")) @for s in Severity::ALL { " " (layout::severity(l, s.as_str())) } }
    };
    Ok(layout::live_page(&c, l.t("Tổng quan", "Overview"), "/", body).into_response())
}

/// `GET /orgs`: the organisation tree, or a filtered list when searching.
async fn orgs_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    if params.iter().any(|(k, v)| !v.is_empty() && k != "lang") {
        return registry::list_of(&st, &c, EntityKind::Org, params).await;
    }
    let l = c.lang;
    let page_data = st
        .store
        .list(
            EntityKind::Org,
            &c.scope,
            &ListQuery {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let hosts = st
        .store
        .hosts_per_org(&c.scope)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let host_count: HashMap<String, i64> = hosts
        .into_iter()
        .map(|(code, _, s, w)| (code, s + w))
        .collect();
    let ids: std::collections::HashSet<i64> = page_data
        .items
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    let mut children: HashMap<Option<i64>, Vec<&serde_json::Map<String, Value>>> = HashMap::new();
    for r in &page_data.items {
        // A visible org whose parent is not visible is a root of the caller's tree.
        let parent = r["parent_id"].as_i64().filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(r);
    }
    // Siblings grouped as the dispatch addresses them: agencies, districts, operators.
    let kind_rank = |r: &serde_json::Map<String, Value>| {
        canhgac_domain::entity::ORG_KINDS
            .iter()
            .position(|k| Some(k.value) == r["kind"].as_str())
            .unwrap_or(99)
    };
    for list in children.values_mut() {
        list.sort_by(|a, b| {
            (kind_rank(a), a["code"].as_str()).cmp(&(kind_rank(b), b["code"].as_str()))
        });
    }
    fn render(
        l: Lang,
        parent: Option<i64>,
        children: &HashMap<Option<i64>, Vec<&serde_json::Map<String, Value>>>,
        counts: &HashMap<String, i64>,
        depth: usize,
    ) -> maud::Markup {
        let Some(list) = children.get(&parent) else {
            return html! {};
        };
        if depth > 16 {
            return html! {};
        }
        html! { ul { @for r in list {
            @let code = r["code"].as_str().unwrap_or_default();
            @let kind = canhgac_domain::entity::ORG_KINDS.iter().find(|k| Some(k.value) == r["kind"].as_str());
            li { a href=(format!("/orgs/{}", r["id"])) { b { (code) } " — " (r["name"].as_str().unwrap_or_default()) }
                " " span.badge { (kind.map(|k| l.t(k.vi, k.en)).unwrap_or_default()) }
                " " a.muted href=(format!("/hosts?org={code}")) { (counts.get(code).copied().unwrap_or(0)) " " (l.t("máy", "hosts")) }
                (render(l, r["id"].as_i64(), children, counts, depth + 1)) }
        } } }
    }
    let body = html! {
        h1 { (l.t("Đơn vị", "Organisations")) }
        form.filters method="get" action="/orgs" { div { label for="q" { (l.t("Tìm kiếm", "Search")) } input #q type="search" name="q"; } div { button type="submit" { (l.t("Tìm", "Search")) } } }
        div.actions {
            @if c.role.can_manage_orgs() { a.btn href="/orgs/new" { "+ " (l.t("Thêm đơn vị", "New organisation")) } }
            a.btn.light href="/api/v1/export/orgs?format=xlsx" { (l.t("Xuất XLSX", "Export XLSX")) }
            a.btn.light href="/api/v1/export/orgs?format=csv" { (l.t("Xuất CSV", "Export CSV")) }
        }
        div.card.tree { (render(l, None, &children, &host_count, 0)) }
    };
    Ok(page(&c, l.t("Đơn vị", "Organisations"), "/orgs", body).into_response())
}
