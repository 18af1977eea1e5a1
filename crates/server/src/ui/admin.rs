//! Import, user accounts and the audit log pages.

use super::{error_page, not_found, store_error_page, UiResult};
use crate::auth::{check_password_policy, hash_password, Caller};
use crate::import::{file_columns, import_file, ImportOutcome, RowError};
use crate::ui::layout::{csrf, page, pager};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::time::fmt_datetime;
use canhgac_domain::Role;
use canhgac_store::{AuditQuery, NewUser, StoreError, User};
use maud::{html, Markup};
use serde_json::Value;
use std::collections::HashMap;

fn import_form(c: &Caller, selected: Option<EntityKind>) -> Markup {
    let l = c.lang;
    html! {
        form #import-form.card method="post" enctype="multipart/form-data" action=(format!("/import?_csrf={}", urlencoding::encode(&c.csrf))) {
            div.grid2 {
                div { label for="entity" { (l.t("Loại dữ liệu", "Kind of records")) }
                    select #entity name="entity" { @for k in EntityKind::ALL { @if k != EntityKind::Org || c.role.can_manage_orgs() {
                        option value=(k.slug()) selected[Some(k) == selected] { (l.t(k.label_vi(), k.label_en())) } } } } }
                div { label for="file" { (l.t("Tệp CSV hoặc XLSX", "CSV or XLSX file")) } input #file type="file" name="file" accept=".csv,.xlsx,text/csv" required; }
            }
            div.actions { button #import-submit type="submit" { (l.t("Nhập dữ liệu", "Import")) } }
        }
    }
}

fn columns_help(c: &Caller) -> Markup {
    let l = c.lang;
    html! {
        div.card {
            h2 { (l.t("Các cột của tệp", "File columns")) }
            p.muted { (l.t("Dòng đầu tiên là tên cột. Đơn vị ghi theo mã (ví dụ STTTT), hệ thống theo tên, máy theo tên máy. Tệp được nhập toàn bộ hoặc không nhập gì: nếu có lỗi, không dòng nào được lưu.",
                "The first row names the columns. Organisations go by code (e.g. STTTT), systems by name, hosts by host name. A file is imported whole or not at all: if any row is wrong, nothing is stored.")) }
            table { thead { tr { th { (l.t("Loại", "Kind")) } th { (l.t("Cột (* bắt buộc)", "Columns (* required)")) } th {} } }
                tbody { @for k in EntityKind::ALL { tr { td { (l.t(k.label_vi(), k.label_en())) }
                    td { code { @for (i, f) in k.fields().iter().enumerate() { @if i > 0 { ", " } (f.file_name) @if f.required { "*" } } } }
                    td { a href=(format!("/import/template/{}", k.slug())) { (l.t("Tệp mẫu", "Template")) } } } } }
            }
        }
    }
}

/// `GET /import`.
pub async fn import_page(c: Caller) -> UiResult {
    if !c.role.can_write() {
        return Err(error_page(
            &c,
            StatusCode::FORBIDDEN,
            "Tài khoản của bạn chỉ có quyền xem.",
            "Your account is read-only.",
        ));
    }
    let l = c.lang;
    let body = html! { h1 { (l.t("Nhập dữ liệu từ tệp", "Import from a file")) } (import_form(&c, None)) (columns_help(&c)) };
    Ok(page(&c, l.t("Nhập dữ liệu", "Import"), "/import", body).into_response())
}

/// `POST /import` (multipart: entity, file).
pub async fn import_upload(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    if !c.role.can_write() {
        return Err(error_page(
            &c,
            StatusCode::FORBIDDEN,
            "Tài khoản của bạn chỉ có quyền xem.",
            "Your account is read-only.",
        ));
    }
    let l = c.lang;
    let up = super::read_upload(&c, mp).await?;
    let Some(kind) = up
        .fields
        .get("entity")
        .and_then(|e| EntityKind::from_slug(e))
    else {
        return Err(error_page(
            &c,
            StatusCode::BAD_REQUEST,
            "Hãy chọn loại dữ liệu.",
            "Choose the kind of records.",
        ));
    };
    let Some((fname, bytes)) = up
        .file("file")
        .map(|(n, b)| (n.map(str::to_string), b.to_vec()))
    else {
        return Err(error_page(
            &c,
            StatusCode::BAD_REQUEST,
            "Hãy chọn một tệp không rỗng.",
            "Choose a non-empty file.",
        ));
    };
    let outcome = import_file(&st.store, &c, kind, &bytes, fname.as_deref())
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let name = fname.unwrap_or_default();
    let (status, result) = match outcome {
        ImportOutcome::Imported(n) => {
            st.metrics
                .imports
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            (
                StatusCode::OK,
                html! { div.flash.ok #import-ok { (l.t("Đã nhập", "Imported")) " " (n) " " (l.t("bản ghi từ", "records from")) " " (name) "." " "
                a href=(format!("/{}", kind.slug())) { (l.t("Xem danh sách", "See the list")) } } },
            )
        }
        ImportOutcome::Rejected(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            rejected(c.lang, &name, &errors),
        ),
    };
    let body = html! { h1 { (l.t("Nhập dữ liệu từ tệp", "Import from a file")) } (result) (import_form(&c, Some(kind))) (columns_help(&c)) };
    Ok((
        status,
        page(&c, l.t("Nhập dữ liệu", "Import"), "/import", body),
    )
        .into_response())
}

fn rejected(l: crate::auth::Lang, name: &str, errors: &[RowError]) -> Markup {
    html! {
        div.flash.bad { (l.t("Chưa nhập dòng nào từ", "Nothing was imported from")) " " (name) ": " (errors.len()) " " (l.t("lỗi. Hãy sửa tệp và nhập lại.", "problem(s). Correct the file and import it again.")) }
        table #import-errors { thead { tr { th { (l.t("Dòng", "Row")) } th { (l.t("Cột", "Column")) } th { (l.t("Lỗi", "Problem")) } } }
            tbody { @for e in errors { tr { td { @if e.row > 0 { (e.row) } } td { (e.column) } td { (l.t(&e.message_vi, &e.message)) } } } } }
    }
}

/// `GET /import/template/{entity}`: a CSV with just the header row.
pub async fn template(c: Caller, Path(slug): Path<String>) -> UiResult {
    let kind = EntityKind::from_slug(&slug).ok_or_else(|| not_found(&c))?;
    let bytes = canhgac_sheets::write_csv(&file_columns(kind), &[]).map_err(|e| {
        error_page(
            &c,
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            &e.to_string(),
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"mau-{}.csv\"", kind.slug()),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn must_manage(c: &Caller) -> Result<(), Response> {
    if c.role.can_manage_users() {
        Ok(())
    } else {
        Err(error_page(
            c,
            StatusCode::FORBIDDEN,
            "Chỉ quản trị viên được quản lý tài khoản.",
            "Only administrators manage accounts.",
        ))
    }
}

/// `GET /users`.
pub async fn users_page(State(st): State<AppState>, c: Caller) -> UiResult {
    must_manage(&c)?;
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

async fn user_form(
    st: &AppState,
    c: &Caller,
    user: Option<&User>,
    values: &HashMap<String, String>,
    error: Option<String>,
) -> UiResult {
    let l = c.lang;
    let orgs = super::registry::org_options(st, &c.scope)
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
    must_manage(&c)?;
    user_form(&st, &c, None, &HashMap::new(), None).await
}

fn store_msg(l: crate::auth::Lang, e: &StoreError) -> Option<String> {
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
    must_manage(&c)?;
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
    must_manage(&c)?;
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
    must_manage(&c)?;
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

fn changed_keys(before: &Option<Value>, after: &Option<Value>) -> String {
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

fn short(v: &Value) -> String {
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
    if !c.role.can_read_audit() {
        return Err(error_page(
            &c,
            StatusCode::FORBIDDEN,
            "Chỉ Sở TTTT được xem nhật ký.",
            "Only the DIC reads the audit log.",
        ));
    }
    let l = c.lang;
    let get = |k: &str| Some(super::param(&params, k)).filter(|v| !v.is_empty());
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
