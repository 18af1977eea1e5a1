//! Access pages: log-in, log-out, language, user accounts, the audit log.

use crate::auth::{
    authenticate, check_password_policy, client_ip, hash_password, random_token, session_cookie,
    token_hash, Caller, Lang, LoginError, LANG_COOKIE, SESSION_COOKIE,
};
use crate::ui::layout::{bare_page, csrf, page, pager};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::time::fmt_datetime;
use canhgac_domain::Role;
use canhgac_store::{AuditQuery, NewUser, StoreError, User};
use maud::html;
use serde_json::Value;
use std::collections::HashMap;

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

pub(crate) async fn login_page(
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    login_form(
        Lang::from_headers(&headers),
        &safe_next(q.get("next")),
        None,
        "",
        StatusCode::OK,
    )
}

pub(crate) fn login_form(
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

pub(crate) async fn login(State(st): State<AppState>, req: Request) -> Response {
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
pub(crate) fn serde_urlencoded_pairs(bytes: &[u8]) -> HashMap<String, String> {
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

pub(crate) async fn logout(State(st): State<AppState>, c: Caller, headers: HeaderMap) -> Response {
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

pub(crate) async fn set_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
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

/// `GET /users`.
pub async fn users_page(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let users = st
        .store
        .list_users(&c.scope)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let codes = st
        .store
        .org_codes()
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let by_id: HashMap<i64, String> = codes.into_iter().map(|(k, v)| (v, k)).collect();
    let body = html! {
        h1 { (l.t("Tài khoản", "Users")) }
        div.actions { a.btn href="/users/new" { "+ " (l.t("Thêm tài khoản", "New user")) } }
        table.records { thead { tr { th { (l.t("Thư điện tử", "E-mail")) } th { (l.t("Họ và tên", "Name")) } th { (l.t("Vai trò", "Role")) } th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Trạng thái", "Status")) } } }
            tbody { @for u in &users { tr {
                td { @if c.role.may_grant(u.role()) { a href=(format!("/users/{}/edit", u.id)) { (u.email) } } @else { (u.email) } }
                td { (u.full_name) } td { (l.t(u.role().label_vi(), u.role().label_en())) }
                td { (u.org_id.and_then(|o| by_id.get(&o).cloned()).unwrap_or_default()) }
                td { @if u.active { (l.t("Hoạt động", "Active")) } @else { span.badge { (l.t("Đã khoá", "Disabled")) } } } } } } }
    };
    Ok(page(&c, l.t("Tài khoản", "Users"), "/users", body).into_response())
}

pub(crate) async fn user_form(
    st: &AppState,
    c: &Caller,
    user: Option<&User>,
    values: &HashMap<String, String>,
    error: Option<String>,
) -> UiResult {
    let l = c.lang;
    let orgs = crate::registry::org_options(st, &c.scope)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let codes = st
        .store
        .org_codes()
        .await
        .map_err(|e| store_error_page(c, e))?;
    let by_id: HashMap<i64, String> = codes.into_iter().map(|(k, v)| (v, k)).collect();
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let current_org = values
        .get("org")
        .cloned()
        .or_else(|| {
            user.and_then(|u| u.org_id)
                .and_then(|o| by_id.get(&o).cloned())
        })
        .unwrap_or_default();
    let current_role = values
        .get("role")
        .cloned()
        .or_else(|| user.map(|u| u.role.clone()))
        .unwrap_or_else(|| "org_staff".into());
    let action = match user {
        Some(u) => format!("/users/{}/edit", u.id),
        None => "/users/new".into(),
    };
    let body = html! {
        h1 { @if let Some(u) = user { (l.t("Sửa tài khoản", "Edit user")) " " (u.email) } @else { (l.t("Thêm tài khoản", "New user")) } }
        @if let Some(e) = error { div.flash.bad { (e) } }
        form.card method="post" action=(action) {
            (csrf(c))
            div.grid2 {
                @if user.is_none() { div { label for="email" { (l.t("Thư điện tử", "E-mail")) " *" } input #email type="email" name="email" value=(v("email")) required; } }
                div { label for="full_name" { (l.t("Họ và tên", "Full name")) " *" } input #full_name name="full_name" value=(values.get("full_name").cloned().or_else(|| user.map(|u| u.full_name.clone())).unwrap_or_default()); }
                div { label for="role" { (l.t("Vai trò", "Role")) } select #role name="role" { @for r in Role::ALL { @if c.role.may_grant(r) { option value=(r.as_str()) selected[current_role == r.as_str()] { (l.t(r.label_vi(), r.label_en())) } } } } }
                div { label for="org" { (l.t("Đơn vị", "Organisation")) } select #org name="org" { @if c.role.is_dic() { option value="" { "—" } } @for (code, name) in &orgs { option value=(code) selected[*code == current_org] { (code) " — " (name) } } } }
                div { label for="password" { @if user.is_some() { (l.t("Mật khẩu mới (để trống nếu không đổi)", "New password (blank keeps it)")) } @else { (l.t("Mật khẩu", "Password")) " *" } }
                    input #password type="password" name="password" autocomplete="new-password" minlength=(crate::auth::MIN_PASSWORD_LEN); }
                @if let Some(u) = user { div { label for="active" { (l.t("Trạng thái", "Status")) } select #active name="active" {
                    option value="true" selected[u.active] { (l.t("Hoạt động", "Active")) } option value="false" selected[!u.active] { (l.t("Khoá", "Disabled")) } } } }
            }
            div.actions { button type="submit" { (l.t("Lưu", "Save")) } a.btn.light href="/users" { (l.t("Huỷ", "Cancel")) } }
        }
    };
    Ok(page(c, l.t("Tài khoản", "Users"), "/users", body).into_response())
}

/// `GET /users/new`.
pub async fn user_new_page(State(st): State<AppState>, c: Caller) -> UiResult {
    user_form(&st, &c, None, &HashMap::new(), None).await
}

pub(crate) fn store_msg(l: crate::auth::Lang, e: &StoreError) -> Option<String> {
    match e {
        StoreError::Invalid(errs) => Some(
            errs.iter()
                .map(|e| format!("{}: {}", e.field, l.t(&e.message_vi, &e.message)))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        StoreError::Conflict(_) => Some(
            l.t(
                "Thư điện tử này đã có tài khoản.",
                "This e-mail already has an account.",
            )
            .to_string(),
        ),
        StoreError::Forbidden(m) => Some(m.clone()),
        _ => None,
    }
}

/// `POST /users/new`.
pub async fn user_create(
    State(st): State<AppState>,
    c: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    let l = c.lang;
    let Some(role) = f
        .get("role")
        .and_then(|r| Role::parse(r))
        .filter(|r| c.role.may_grant(*r))
    else {
        return user_form(
            &st,
            &c,
            None,
            &f,
            Some(l.t("Vai trò không hợp lệ", "Invalid role").into()),
        )
        .await;
    };
    let password = f.get("password").cloned().unwrap_or_default();
    if let Err((vi, en)) = check_password_policy(&password) {
        return user_form(&st, &c, None, &f, Some(l.t(&vi, &en).into())).await;
    }
    let codes = st
        .store
        .org_codes()
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let org_id = f
        .get("org")
        .filter(|s| !s.is_empty())
        .and_then(|code| codes.get(code).copied());
    let hash = hash_password(&password)
        .map_err(|e| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, &e, &e))?;
    let nu = NewUser {
        email: f.get("email").cloned().unwrap_or_default(),
        full_name: f.get("full_name").cloned().unwrap_or_default(),
        password_hash: hash,
        role,
        org_id,
    };
    match st.store.create_user(&c.scope, &c.actor(), &nu).await {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(e) => match store_msg(l, &e) {
            Some(m) => user_form(&st, &c, None, &f, Some(m)).await,
            None => Err(store_error_page(&c, e)),
        },
    }
}

/// `GET /users/{id}/edit`.
pub async fn user_edit_page(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> UiResult {
    let u = st
        .store
        .user_in_scope(&c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .filter(|u| c.role.may_grant(u.role()))
        .ok_or_else(|| not_found(&c))?;
    user_form(&st, &c, Some(&u), &HashMap::new(), None).await
}

/// `POST /users/{id}/edit`.
pub async fn user_update(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    let l = c.lang;
    let u = st
        .store
        .user_in_scope(&c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .filter(|u| c.role.may_grant(u.role()))
        .ok_or_else(|| not_found(&c))?;
    let role = match f.get("role") {
        Some(r) => match Role::parse(r).filter(|r| c.role.may_grant(*r)) {
            Some(r) => Some(r),
            None => {
                return user_form(
                    &st,
                    &c,
                    Some(&u),
                    &f,
                    Some(l.t("Vai trò không hợp lệ", "Invalid role").into()),
                )
                .await
            }
        },
        None => None,
    };
    let hash = match f.get("password").filter(|p| !p.is_empty()) {
        Some(p) => {
            if let Err((vi, en)) = check_password_policy(p) {
                return user_form(&st, &c, Some(&u), &f, Some(l.t(&vi, &en).into())).await;
            }
            Some(
                hash_password(p)
                    .map_err(|e| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, &e, &e))?,
            )
        }
        None => None,
    };
    let codes = st
        .store
        .org_codes()
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let org = f.get("org").map(|code| {
        if code.is_empty() {
            None
        } else {
            codes.get(code).copied()
        }
    });
    let active = f.get("active").map(|a| a == "true");
    match st
        .store
        .update_user(
            &c.scope,
            &c.actor(),
            id,
            f.get("full_name").map(String::as_str),
            role,
            org,
            active,
            hash.as_deref(),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(e) => match store_msg(l, &e) {
            Some(m) => user_form(&st, &c, Some(&u), &f, Some(m)).await,
            None => Err(store_error_page(&c, e)),
        },
    }
}

pub(crate) fn changed_keys(before: &Option<Value>, after: &Option<Value>) -> String {
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => a
            .iter()
            .filter(|(k, v)| b.get(*k) != Some(v))
            .map(|(k, v)| {
                format!(
                    "{k}: {} → {}",
                    b.get(k).map(short).unwrap_or_default(),
                    short(v)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        (None, Some(a)) => short(a),
        (Some(b), None) => short(b),
        _ => String::new(),
    }
}

pub(crate) fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| !k.ends_with("_at"))
            .map(|(k, v)| format!("{k}={}", short(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

/// `GET /audit`.
pub async fn audit_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let l = c.lang;
    let get = |k: &str| Some(crate::ui::param(&params, k)).filter(|v| !v.is_empty());
    let limit = 50;
    let offset = get("offset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0i64)
        .max(0);
    let q = AuditQuery {
        entity: get("entity"),
        entity_id: get("entity_id").and_then(|v| v.parse().ok()),
        user: get("user"),
        action: get("action"),
        limit: Some(limit),
        offset: Some(offset),
    };
    let (items, total) = st
        .store
        .list_audit(&c.scope, &q)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Nhật ký thay đổi", "Audit log")) }
        form.filters method="get" action="/audit" {
            div { label for="user" { (l.t("Người thực hiện", "User")) } input #user name="user" value=(get("user").unwrap_or_default()); }
            div { label for="entity" { (l.t("Loại bản ghi", "Record kind")) } input #entity name="entity" value=(get("entity").unwrap_or_default()) placeholder="hosts, users…"; }
            div { label for="action" { (l.t("Thao tác", "Action")) } select #action name="action" { option value="" { (l.t("Tất cả", "All")) }
                @for a in ["create", "update", "delete", "login", "login_failed", "logout", "issue_token", "transition", "start", "report_done", "not_applicable"] { option value=(a) selected[get("action").as_deref() == Some(a)] { (a) } } } }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        table.records { thead { tr { th { (l.t("Thời gian", "When")) } th { (l.t("Người thực hiện", "Who")) } th { (l.t("Thao tác", "Action")) } th { (l.t("Bản ghi", "Record")) } th { (l.t("Thay đổi", "Change")) } } }
            tbody { @for a in &items { tr { td { (fmt_datetime(a.at)) } td { (a.user_email) } td { (a.action) } td { (a.entity) @if let Some(id) = a.entity_id { " #" (id) } } td { (changed_keys(&a.before, &a.after)) } } } } }
        (pager(l, "/audit", &params, offset, limit, total))
    };
    Ok(page(&c, l.t("Nhật ký", "Audit log"), "/audit", body).into_response())
}
