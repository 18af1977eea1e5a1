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
use canhgac_domain::entity::EntityKind;
use canhgac_domain::time::fmt_datetime;
use canhgac_domain::Role;
use canhgac_store::{AuditEntry, AuditQuery, NewUser, StoreError, User};
use maud::{html, Markup};
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

/// A field of an audited record in words: the registry's labels, then the store's own names.
fn field_word(l: Lang, entity: &str, key: &str) -> String {
    if let Some(f) =
        EntityKind::from_slug(entity).and_then(|k| k.fields().iter().find(|f| f.name == key))
    {
        return l.t(f.vi, f.en).to_string();
    }
    let (vi, en) = match key {
        "state" => ("Trạng thái", "State"),
        "escalated" => ("Báo cáo cấp trên", "Escalated"),
        "note" => ("Ghi chú", "Note"),
        "reason" => ("Lý do", "Reason"),
        "evidence" => ("Bằng chứng", "Evidence"),
        "title" => ("Tiêu đề", "Title"),
        "due_at" => ("Hạn", "Due"),
        "kind" => ("Loại", "Kind"),
        "severity" | "level" => ("Mức độ", "Severity"),
        "email" => ("Thư điện tử", "E-mail"),
        "full_name" => ("Họ và tên", "Name"),
        "role" => ("Vai trò", "Role"),
        "active" => ("Hoạt động", "Active"),
        "org_id" => ("Đơn vị", "Organisation"),
        "enabled" => ("Bật", "On"),
        "rule_key" => ("Mã luật", "Rule id"),
        "name" => ("Tên", "Name"),
        "source" => ("Nguồn", "Source"),
        "period" => ("Kỳ", "Period"),
        "version" if entity == "incident_reports" => ("Phiên bản", "Version"),
        "version" => ("Phát hành", "Issue"),
        "entries" => ("Số mục", "Entries"),
        "findings" => ("Số phát hiện", "Findings"),
        "ext_id" => ("Số hiệu", "Number"),
        "snapshot" => ("Bản kiểm kê", "Inventory"),
        "packages" => ("Số gói phần mềm", "Packages"),
        "host_id" => ("Máy", "Host"),
        "vuln_key" => ("Lỗ hổng", "Vulnerability"),
        "scanner" => ("Công cụ rà quét", "Scanner"),
        "work_item_id" => ("Nhiệm vụ", "Task"),
        "assignee_id" => ("Người xử lý", "Assignee"),
        "id" => ("Mã số", "Id"),
        "stage" => ("Giai đoạn", "Stage"),
        "category" => ("Loại sự cố", "Category"),
        "gravity" => ("Mức độ", "Severity"),
        "tlp" => ("Mức chia sẻ (TLP)", "Sharing (TLP)"),
        "signals" => ("Cảnh báo", "Signals"),
        "signal_id" => ("Cảnh báo", "Signal"),
        "hosts" => ("Máy", "Hosts"),
        "plan_id" => ("Kế hoạch ứng phó", "Response plan"),
        "tasks" => ("Nhiệm vụ", "Tasks"),
        "steps" => ("Số bước", "Steps"),
        "based_on" => ("Sao chép từ", "Copied from"),
        "value" => ("Giá trị", "Value"),
        "text" => ("Nội dung", "Text"),
        "sha256" => ("Mã băm SHA-256", "SHA-256"),
        "size" => ("Dung lượng (byte)", "Size (bytes)"),
        "number" => ("Số báo cáo", "Report number"),
        "first_day" => ("Từ ngày", "From"),
        "last_day" => ("Đến ngày", "To"),
        "pattern" => ("Kiểu ca", "Pattern"),
        "shifts" => ("Số ca", "Shifts"),
        "gaps" => ("Ca chưa có người", "Empty slots"),
        "to_user" => ("Người nhận ca", "Taken by"),
        "remarks" => ("Ghi chú bàn giao", "Remarks"),
        "acknowledged" => ("Đã nhận ca", "Acknowledged"),
        "day" => ("Ngày", "Day"),
        "incident_id" => ("Sự cố", "Incident"),
        "to" => ("Gửi tới", "Sent to"),
        "deadlines" => ("Thời hạn", "Deadlines"),
        "subject_prefix" => ("Tiền tố tiêu đề thư", "Subject prefix"),
        "fields" => ("Các mục của mẫu", "Form fields"),
        "channel" => ("Cách thức", "Channel"),
        "support_requested_at" => ("Đề nghị hỗ trợ lúc", "Support requested at"),
        "hotline" => ("Đường dây nóng", "Hotline"),
        "position" => ("Thứ tự", "Order"),
        other => return other.replace('_', " "),
    };
    l.t(vi, en).to_string()
}

/// A value of an audited record in words: organisations by code, times in Viet Nam time,
/// states, severities, kinds and roles by their labels.
fn value_word(l: Lang, entity: &str, key: &str, v: &Value, orgs: &HashMap<i64, String>) -> String {
    use canhgac_domain::entity::FieldType;
    use canhgac_domain::signal::SignalState;
    use canhgac_domain::work::{WorkKind, WorkState};
    let s = match v {
        Value::Null => return "—".into(),
        Value::Bool(b) => {
            return l
                .t(
                    if *b { "có" } else { "không" },
                    if *b { "yes" } else { "no" },
                )
                .into()
        }
        Value::Number(n) => {
            let n = n.as_i64();
            if let Some(n) = n {
                if key == "org_id" || key == "parent_id" {
                    return orgs.get(&n).cloned().unwrap_or_else(|| format!("#{n}"));
                }
                if key.ends_with("_at") {
                    return fmt_datetime(n);
                }
                if key.ends_with("_id") || key == "snapshot" || key == "id" {
                    return format!("#{n}");
                }
            }
            return v.to_string();
        }
        Value::String(s) => s.as_str(),
        other => return short(other),
    };
    if let Some(FieldType::Enum(choices)) = EntityKind::from_slug(entity)
        .and_then(|k| k.fields().iter().find(|f| f.name == key))
        .map(|f| f.ty)
    {
        if let Some(ch) = choices.iter().find(|c| c.value == s) {
            return l.t(ch.vi, ch.en).to_string();
        }
    }
    let word = match key {
        "stage" => canhgac_domain::incident::Stage::parse(s).map(|x| l.t(x.label_vi(), x.label_en())),
        "category" => canhgac_domain::incident::Category::parse(s).map(|x| l.t(x.label_vi(), x.label_en())),
        "gravity" => canhgac_domain::incident::Gravity::parse(s).map(|x| l.t(x.label_vi(), x.label_en())),
        "tlp" => canhgac_domain::incident::Tlp::parse(s).map(|x| x.label()),
        "kind" if entity == "incident_observables" => canhgac_ops::incidents::OBSERVABLE_KINDS
            .iter()
            .find(|(k, _, _)| *k == s)
            .map(|(_, vi, en)| l.t(vi, en)),
        "kind" if entity == "incident_reports" || entity == "report_templates" => {
            canhgac_domain::report::ReportKind::parse(s).map(|k| l.t(k.label_vi(), k.label_en()))
        }
        "pattern" => canhgac_domain::duty::Pattern::parse(s).map(|p| l.t(p.label_vi(), p.label_en())),
        "first_day" | "last_day" | "day" => {
            if let Ok(d) = s.parse::<chrono::NaiveDate>() {
                return d.format("%d/%m/%Y").to_string();
            }
            None
        }
        "state" if entity == "oncall_pages" => match s {
            "open" => Some(l.t("Đang gọi", "Paging")),
            "acknowledged" => Some(l.t("Đã xác nhận", "Acknowledged")),
            _ => Some(l.t("Gộp vào sự cố", "Folded into the incident")),
        },
        "kind" if entity == "oncall_channels" => canhgac_domain::oncall::ChannelKind::parse(s).map(|k| k.label(l == Lang::Vi)),
        "state" if entity == "duty_swaps" => match s {
            "approved" => Some(l.t("Đã duyệt", "Approved")),
            "refused" => Some(l.t("Từ chối", "Refused")),
            _ => Some(l.t("Chờ duyệt", "Pending")),
        },
        "channel" => Some(match s {
            "email" => l.t("Thư điện tử", "E-mail"),
            "phone" => l.t("Điện thoại", "Telephone"),
            "letter" => l.t("Công văn", "Official letter"),
            "platform" => l.t("Nền tảng điều phối", "Coordination platform"),
            _ => l.t("Cảnh báo trên hệ thống", "In the platform"),
        }),
        "reason" if entity == "incidents" => match s {
            "initial_overdue" => Some(l.t("Quá hạn báo cáo ban đầu", "Initial report overdue")),
            "closing_overdue" => Some(l.t("Quá hạn báo cáo kết thúc", "Closing report overdue")),
            "support_requested" => Some(l.t("Đề nghị hỗ trợ", "Support requested")),
            "manual" => Some(l.t("Chủ động báo cáo vượt cấp", "Escalated by hand")),
            _ => None,
        },
        "kind" if entity == "incidents" => match s {
            "note" => Some(l.t("Ghi chú", "Note")),
            "escalation" => Some(l.t("Báo cáo, chuyển cấp", "Escalation")),
            _ => None,
        },
        "state" => WorkState::parse(s)
            .map(|x| l.t(x.label_vi(), x.label_en()))
            .or_else(|| SignalState::parse(s).map(|x| l.t(x.label_vi(), x.label_en())))
            .or_else(|| (s == "fixed").then(|| l.t("Đã khắc phục", "Fixed"))),
        "severity" | "level" => return crate::ui::fmt::severity_word(l, s),
        "kind" => WorkKind::parse(s)
            .map(|k| l.t(k.label_vi(), k.label_en()))
            .or_else(|| {
                canhgac_ops::botnet::LIST_KINDS
                    .iter()
                    .find(|(k, _, _)| *k == s)
                    .map(|(_, vi, en)| l.t(vi, en))
            }),
        "role" => Role::parse(s).map(|r| l.t(r.label_vi(), r.label_en())),
        "period" => return crate::ui::fmt::period(s),
        "version" => match s {
            "monthly" => Some(l.t("Hằng tháng", "Monthly")),
            "adhoc" => Some(l.t("Đột xuất", "Ad hoc")),
            _ => None,
        },
        "source" if s == "manual" => Some(l.t("Biểu mẫu", "Form")),
        "reason" if s == "overdue" => Some(l.t("quá hạn", "overdue")),
        _ => None,
    };
    word.map(str::to_string).unwrap_or_else(|| short(v))
}

/// What changed, in words: `Field: before → after` for an update, the record's main fields
/// for a creation or a deletion. Values people typed (names, titles) are marked as data.
fn change_words(l: Lang, a: &AuditEntry, orgs: &HashMap<i64, String>) -> Markup {
    let shown = |k: &str| {
        !matches!(
            k,
            "id" | "created_at" | "updated_at" | "org_name" | "org_code"
        )
    };
    let w = |k: &str, v: &Value| value_word(l, &a.entity, k, v, orgs);
    let parts: Vec<(String, Option<String>, String)> = match (&a.before, &a.after) {
        (Some(Value::Object(b)), Some(Value::Object(n))) => n
            .iter()
            .filter(|(k, v)| shown(k) && b.get(*k) != Some(v))
            .map(|(k, v)| {
                let before = b.get(k).map(|x| w(k, x)).unwrap_or_else(|| "—".into());
                (field_word(l, &a.entity, k), Some(before), w(k, v))
            })
            .collect(),
        (None, Some(Value::Object(m))) | (Some(Value::Object(m)), None) => m
            .iter()
            .filter(|(k, v)| shown(k) && !v.is_null() && v.as_str() != Some(""))
            .map(|(k, v)| (field_word(l, &a.entity, k), None, w(k, v)))
            .collect(),
        _ => Vec::new(),
    };
    html! {
        @for (i, (field, before, after)) in parts.iter().take(12).enumerate() {
            @if i > 0 { "; " }
            (field) ": "
            @if let Some(b) = before { span data-raw { (b) } " → " }
            span data-raw { (after) }
        }
        @if parts.len() > 12 { "; …" }
    }
}

/// The record an audit entry names.
pub(crate) struct RecordRef {
    /// Its kind, in words ("Máy", "Nhiệm vụ").
    pub noun: String,
    /// Its name or title, as people typed it.
    pub title: Option<String>,
    /// Its id.
    pub id: Option<i64>,
    /// Its page, when it still exists and the caller may open it.
    pub href: Option<String>,
}

/// The record an entry names, and where it is when it still exists; `None` for log-ins and
/// tokens (they name the account, shown as the actor already).
pub(crate) fn record_of(c: &Caller, a: &AuditEntry) -> Option<RecordRef> {
    let l = c.lang;
    if matches!(a.entity.as_str(), "sessions" | "api_tokens") {
        return None;
    }
    let noun = crate::ui::fmt::record_noun(&a.entity)
        .map(|(vi, en)| upper_first(l.t(vi, en)))
        .unwrap_or_else(|| a.entity.clone());
    let title_key = EntityKind::from_slug(&a.entity)
        .map(|k| k.title_field())
        .unwrap_or(match a.entity.as_str() {
            "advisories" => "ext_id",
            "users" => "email",
            "botnet_lists" | "response_plans" | "incident_evidence" | "platform_sources"
            | "report_contacts" => "name",
            "incident_reports" => "number",
            "duty_rosters" => "name",
            "holidays" => "name",
            "incident_observables" => "value",
            _ => "title",
        });
    let title = [&a.after, &a.before]
        .into_iter()
        .flatten()
        .find_map(|v| v.get(title_key).and_then(Value::as_str).map(str::to_string))
        .filter(|t| !t.is_empty());
    let id = a.entity_id;
    let href = match id {
        Some(_) if a.action == "delete" => None,
        None => None,
        Some(id) if EntityKind::from_slug(&a.entity).is_some() => {
            Some(format!("/{}/{id}", a.entity))
        }
        Some(id) => match a.entity.as_str() {
            "work_items" => Some(format!("/work/{id}")),
            "signals" => Some(format!("/signals/{id}")),
            "advisories" => Some(format!("/advisories/{id}")),
            "botnet_lists" => Some(format!("/botnet/{id}")),
            "scan_findings" => Some("/findings".to_string()),
            "sigma_rules" => Some(format!("/rules/{id}")),
            "incidents" => Some(format!("/incidents/{id}")),
            "response_plans" => Some(format!("/plans/{id}")),
            "incident_reports" => a
                .after
                .as_ref()
                .and_then(|v| Some((v.get("incident_id")?.as_i64()?, v.get("kind")?.as_str()?)))
                .map(|(i, k)| format!("/incidents/{i}/reports/{k}")),
            "report_contacts" | "report_settings" | "report_templates" => {
                Some("/incidents/reporting".to_string())
            }
            "duty_rosters" => Some(format!("/duty/{id}")),
            "duty_leave" | "duty_swaps" => Some("/duty".to_string()),
            "duty_handovers" => Some(format!("/duty/handovers/{id}")),
            "directives" => Some(format!("/directives/{id}")),
            "directive_evidence" => a
                .after
                .as_ref()
                .and_then(|v| v.get("directive_id")?.as_i64())
                .map(|d| format!("/directives/{d}")),
            "heightened_periods" => Some(format!("/periods/{id}")),
            "daily_reports" => a
                .after
                .as_ref()
                .and_then(|v| v.get("day")?.as_str()?.parse::<chrono::NaiveDate>().ok())
                .map(|d| format!("/duty/daily?day={}", d.format("%d/%m/%Y"))),
            "period_reports" => a
                .after
                .as_ref()
                .and_then(|v| v.get("period_id")?.as_i64())
                .map(|p| format!("/periods/{p}/reports/{id}")),
            "oncall_pages" => Some(format!("/oncall/pages/{id}")),
            "oncall_policies" | "oncall_channels" => Some("/oncall/settings".to_string()),
            "oncall_destinations" => Some("/oncall/settings#destinations".to_string()),
            "users" if USER_ADMIN_ROLES.contains(&c.role) => Some(format!("/users/{id}/edit")),
            _ => None,
        },
    };
    Some(RecordRef {
        noun,
        title,
        id,
        href,
    })
}

const USER_ADMIN_ROLES: &[Role] = &[Role::DicAdmin, Role::OrgAdmin];

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
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

/// An audit entry's who, what and which record (linked), as three table cells — the audit
/// log's and the overview's "recent changes".
pub(crate) fn audit_cells(c: &Caller, a: &AuditEntry) -> Markup {
    let l = c.lang;
    let record = record_of(c, a).map(|r| {
        let text = html! {
            (r.noun) " "
            @if let Some(t) = &r.title { span data-raw { (t) } } @else if let Some(id) = r.id { "#" (id) }
        };
        match r.href {
            Some(h) => html! { a href=(h) { (text) } },
            None => text,
        }
    });
    html! {
        td { (crate::ui::fmt::actor(l, &a.user_email)) }
        td { (crate::ui::fmt::audit_action(l, &a.action, &a.entity)) }
        td { @if let Some(r) = record { (r) } }
    }
}

/// `GET /audit`: who did what, when, in words, each entry linked to the record it names.
pub async fn audit_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    use crate::ui::fmt::{action_word, record_noun, AUDITED, AUDIT_ACTIONS};
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
    let orgs: HashMap<i64, String> = st
        .store
        .org_codes()
        .await
        .map_err(|e| store_error_page(&c, e))?
        .into_iter()
        .map(|(code, id)| (id, code))
        .collect();
    let entity = get("entity").unwrap_or_default();
    let body = html! {
        h1 { (l.t("Nhật ký thay đổi", "Audit log")) }
        form.filters method="get" action="/audit" {
            div { label for="user" { (l.t("Người thực hiện (thư điện tử)", "Who (e-mail)")) } input #user name="user" value=(get("user").unwrap_or_default()); }
            div { label for="entity" { (l.t("Loại bản ghi", "Record kind")) } select #entity name="entity" { option value="" { (l.t("Tất cả", "All")) }
                @for e in AUDITED { @if let Some((vi, en)) = record_noun(e) { option value=(e) selected[entity == *e] { (upper_first(l.t(vi, en))) } } }
                @if !entity.is_empty() && !AUDITED.contains(&entity.as_str()) { option value=(entity) selected { (entity) } } } }
            @if let Some(id) = get("entity_id") { input type="hidden" name="entity_id" value=(id); }
            div { label for="action" { (l.t("Thao tác", "Action")) } select #action name="action" { option value="" { (l.t("Tất cả", "All")) }
                @for a in AUDIT_ACTIONS { option value=(a) selected[get("action").as_deref() == Some(a)] { (action_word(l, a)) } } } }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        @if let Some(id) = get("entity_id") { p.muted { (l.t("Chỉ lịch sử của bản ghi", "Only the history of record")) " #" (id) " · " a href="/audit" { (l.t("Xem toàn bộ nhật ký", "See the whole log")) } } }
        table.records #audit { thead { tr { th { (l.t("Thời gian", "When")) } th { (l.t("Người thực hiện", "Who")) } th { (l.t("Thao tác", "Action")) } th { (l.t("Bản ghi", "Record")) } th { (l.t("Thay đổi", "Change")) } } }
            tbody { @for a in &items {
                tr { td { (fmt_datetime(a.at)) } (audit_cells(&c, a)) td { (change_words(l, a, &orgs)) } } }
                @if items.is_empty() { tr { td colspan="5" .muted { (l.t("Không có mục nào", "No entries")) } } } } }
        (pager(l, "/audit", &params, offset, limit, total))
    };
    Ok(page(&c, l.t("Nhật ký", "Audit log"), "/audit", body).into_response())
}
