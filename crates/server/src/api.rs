//! The JSON API under `/api/v1`. Lists are `{"items": [...], "total": N}` with
//! `limit`/`offset`; errors are `{"error": "...", "message_vi": "...", "fields"|"rows": [...]}`.

use crate::auth::{
    authenticate, check_password_policy, client_ip, hash_password, random_token, token_hash,
    Caller, LoginError, Via,
};
use crate::import::{export_rows, import_file, ImportOutcome, RowError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use canhgac_domain::entity::{EntityKind, FieldError, Record};
use canhgac_domain::signal::{SignalKind, SignalState};
use canhgac_domain::time::now_ms;
use canhgac_domain::work::{WorkEvent, WorkKind, WorkState};
use canhgac_domain::Role;
use canhgac_store::{
    AuditQuery, ListQuery, NewUser, NewWorkItem, SignalFilter, StoreError, WorkFilter,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// An error a person can act on.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    message_vi: String,
    fields: Vec<FieldError>,
    rows: Vec<RowError>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, vi: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: en.into(),
            message_vi: vi.into(),
            fields: vec![],
            rows: vec![],
        }
    }
    fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "Không tìm thấy bản ghi (hoặc bạn không có quyền xem)",
            "Not found (or not visible to you)",
        )
    }
    fn read_only() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "Tài khoản chỉ có quyền xem",
            "Your role is read-only",
        )
    }
    fn bad(vi: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, vi, en)
    }
}

impl From<crate::botnet::RetroError> for ApiError {
    fn from(e: crate::botnet::RetroError) -> Self {
        match e {
            crate::botnet::RetroError::File(f) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: f.to_string(),
                message_vi: f.message_vi(),
                fields: Vec::new(),
                rows: Vec::new(),
            },
            crate::botnet::RetroError::Store(s) => s.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden(m) => ApiError::new(
                StatusCode::FORBIDDEN,
                format!("Không được phép: {m}"),
                format!("Forbidden: {m}"),
            ),
            StoreError::Invalid(fields) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!(
                    "Invalid record: {}",
                    fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                message_vi: format!(
                    "Dữ liệu không hợp lệ: {}",
                    fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message_vi))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                fields,
                rows: vec![],
            },
            StoreError::Conflict(m) => ApiError::new(
                StatusCode::CONFLICT,
                format!("Xung đột dữ liệu: {m}"),
                format!("Conflict: {m}"),
            ),
            other => {
                tracing::error!(error = %other, "storage error");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Lỗi lưu trữ, hãy thử lại sau",
                    "Storage error, try again later",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.message, "message_vi": self.message_vi});
        if !self.fields.is_empty() {
            body["fields"] = json!(self.fields);
        }
        if !self.rows.is_empty() {
            body["rows"] = json!(self.rows);
        }
        (self.status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// A JSON body whose errors are answered as [`ApiError`]s (JSON, both languages).
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(ApiError::bad(
                format!("Nội dung JSON không hợp lệ: {}", rej.body_text()),
                format!("Invalid JSON body: {}", rej.body_text()),
            )),
        }
    }
}

/// The answer to an API path that does not exist.
pub async fn not_found_json() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "Không có đường dẫn API này; xem /api/v1/openapi.json",
        "No such API path; see /api/v1/openapi.json",
    )
}

/// Every API route as (path under `/api/v1`, handlers); `openapi::API_ROUTES` documents them.
pub fn route_table() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/auth/token", post(issue_token).delete(revoke_token)),
        ("/me", get(me)),
        (
            "/openapi.json",
            get(|| async { Json(crate::openapi::document()) }),
        ),
        ("/users", get(list_users).post(create_user)),
        ("/users/{id}", get(get_user).patch(update_user)),
        ("/audit", get(list_audit)),
        ("/import/{entity}", post(import)),
        ("/export/{entity}", get(export)),
        ("/signals", get(list_signals)),
        ("/signals/{id}", get(get_signal)),
        ("/signals/{id}/transition", post(transition_signal)),
        ("/work-items", get(list_work).post(create_work)),
        ("/work-items/{id}", get(get_work)),
        ("/work-items/{id}/events", post(work_event)),
        (
            "/botnet-lists",
            get(list_botnet_lists).post(import_botnet_list),
        ),
        ("/botnet-lists/{id}", get(get_botnet_list)),
        ("/botnet-lists/{id}/entries", get(botnet_entries)),
        ("/botnet-findings", get(botnet_findings)),
        ("/botnet-stats", get(botnet_stats)),
        ("/hunts", post(retro_hunt)),
        ("/advisories", get(list_advisories).post(import_advisories)),
        ("/advisories/manual", post(manual_advisory)),
        ("/advisories/{id}", get(get_advisory)),
        ("/advisory-matches", get(advisory_matches)),
        ("/kev", post(import_kev)),
        ("/hosts/{id}/inventory", post(import_inventory)),
        ("/compliance", get(compliance)),
        ("/findings", get(list_findings)),
        ("/scans", post(import_scan)),
        ("/ingest", post(ingest)),
        ("/events", get(search_events)),
        ("/events/import", post(import_events)),
        ("/events/{id}", get(get_event)),
        ("/monitor", get(monitor_status)),
        ("/monitor/retention", post(run_retention)),
        ("/rules", get(list_rules).post(upload_rule)),
        (
            "/rules/{id}",
            get(get_rule).patch(update_rule).delete(delete_rule),
        ),
        ("/alerts/stream", get(alert_stream)),
        ("/signals/{id}/assign", post(assign_signal)),
        (
            "/signals/{id}/notes",
            get(signal_notes).post(add_signal_note),
        ),
        ("/{entity}", get(list_entity).post(create_entity)),
        (
            "/{entity}/{id}",
            get(get_entity)
                .put(update_entity)
                .patch(update_entity)
                .delete(delete_entity),
        ),
    ]
}

/// The API's routes.
pub fn routes() -> Router<AppState> {
    route_table()
        .into_iter()
        .fold(Router::new(), |r, (p, m)| r.route(p, m))
}

fn kind_of(slug: &str) -> ApiResult<EntityKind> {
    EntityKind::from_slug(slug).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Không có loại bản ghi '{slug}'"),
            format!("No such resource '{slug}'"),
        )
    })
}

fn must_write(c: &Caller) -> ApiResult<()> {
    if c.role.can_write() {
        Ok(())
    } else {
        Err(ApiError::read_only())
    }
}

#[derive(Deserialize)]
struct TokenRequest {
    email: String,
    password: String,
    name: Option<String>,
}

async fn issue_token(State(st): State<AppState>, req: Request) -> ApiResult<Json<Value>> {
    let ip = client_ip(&req, &st.config.trusted_proxies);
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .map_err(|_| ApiError::bad("Yêu cầu quá lớn", "Request too large"))?;
    let body: TokenRequest = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad(
            format!("Cần JSON {{\"email\", \"password\"}}: {e}"),
            format!("Expected JSON {{\"email\", \"password\"}}: {e}"),
        )
    })?;
    let user = match authenticate(&st, &body.email, &body.password, ip).await {
        Ok(u) => u,
        Err(LoginError::RateLimited) => {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Đăng nhập sai quá nhiều lần; hãy thử lại sau 15 phút",
                "Too many failed log-ins; try again in 15 minutes",
            ))
        }
        Err(LoginError::BadCredentials) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Sai thư điện tử hoặc mật khẩu",
                "Wrong e-mail or password",
            ))
        }
        Err(LoginError::Internal) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Lỗi lưu trữ",
                "Storage error",
            ))
        }
    };
    let token = random_token();
    let ttl = st.config.token_ttl_ms;
    st.store
        .create_api_token(
            &token_hash(&token),
            user.id,
            body.name.as_deref().unwrap_or("api"),
            ttl,
        )
        .await?;
    st.store
        .append_audit(
            &canhgac_store::Actor {
                user_id: Some(user.id),
                email: user.email.clone(),
            },
            user.org_id,
            "issue_token",
            "api_tokens",
            Some(user.id),
            None,
            None,
        )
        .await?;
    Ok(Json(
        json!({"token": token, "expires_at": now_ms() + ttl, "user": user}),
    ))
}

/// `DELETE /auth/token`: the caller revokes the token it is using (a token holder can always
/// end its own token, whatever its role).
async fn revoke_token(
    State(st): State<AppState>,
    c: Caller,
    headers: axum::http::HeaderMap,
) -> ApiResult<Json<Value>> {
    let token = crate::auth::bearer(&headers).filter(|_| c.via == Via::Token);
    let Some(token) = token else {
        return Err(ApiError::bad(
            "Chỉ thu hồi được mã truy cập (API token) đang dùng trong yêu cầu này",
            "Only the API token this request carries can be revoked here",
        ));
    };
    let revoked = st
        .store
        .revoke_api_token(&c.actor(), c.user.id, c.user.org_id, &token_hash(&token))
        .await?;
    Ok(Json(json!({"revoked": revoked})))
}

async fn me(c: Caller) -> Json<Value> {
    Json(
        json!({"user": c.user, "role": c.role, "scope": c.scope.ids(), "via": if c.via == Via::Token { "token" } else { "session" }}),
    )
}

fn list_query(
    st_codes: &HashMap<String, i64>,
    params: &HashMap<String, String>,
) -> ApiResult<ListQuery> {
    let mut q = ListQuery::default();
    for (k, v) in params {
        match k.as_str() {
            "q" => q.q = Some(v.clone()),
            "org" if !v.is_empty() => {
                q.org_id = Some(*st_codes.get(&v.trim().to_uppercase()).ok_or_else(|| {
                    ApiError::bad(
                        format!("Không có đơn vị mã '{v}'"),
                        format!("No organisation with code '{v}'"),
                    )
                })?);
            }
            "limit" => {
                q.limit = Some(
                    v.parse()
                        .map_err(|_| ApiError::bad("limit phải là số", "limit must be a number"))?,
                )
            }
            "offset" => {
                q.offset =
                    Some(v.parse().map_err(|_| {
                        ApiError::bad("offset phải là số", "offset must be a number")
                    })?)
            }
            "lang" | "_csrf" => {}
            _ if !v.is_empty() => q.filters.push((k.clone(), v.clone())),
            _ => {}
        }
    }
    Ok(q)
}

async fn list_entity(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let kind = kind_of(&slug)?;
    let codes = st.store.org_codes().await?;
    let q = list_query(&codes, &params)?;
    let page = st.store.list(kind, &c.scope, &q).await?;
    Ok(Json(json!(page)))
}

/// Accepts `org` (a code) in place of `org_id`, and `parent` in place of `parent_id`.
async fn resolve_codes(st: &AppState, mut rec: Record) -> ApiResult<Record> {
    for (code_key, id_key) in [("org", "org_id"), ("parent", "parent_id")] {
        if rec.contains_key(id_key) {
            continue;
        }
        if let Some(code) = rec
            .get(code_key)
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            let codes = st.store.org_codes().await?;
            let id = codes.get(&code.trim().to_uppercase()).ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Không có đơn vị mã '{code}'"),
                    format!("No organisation with code '{code}'"),
                )
            })?;
            rec.insert(id_key.into(), Value::from(*id));
        }
    }
    Ok(rec)
}

async fn create_entity(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<Record>,
) -> ApiResult<(StatusCode, Json<Record>)> {
    let kind = kind_of(&slug)?;
    must_write(&c)?;
    let rec = resolve_codes(&st, body).await?;
    let created = st.store.create(kind, &c.scope, &c.actor(), &rec).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn get_entity(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> ApiResult<Json<Record>> {
    let kind = kind_of(&slug)?;
    let mut rec = st
        .store
        .get(kind, &c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if kind == EntityKind::Host {
        let q = ListQuery {
            filters: vec![("host_id".into(), id.to_string())],
            limit: Some(1000),
            ..Default::default()
        };
        let sw = st.store.list(EntityKind::Software, &c.scope, &q).await?;
        rec.insert("software".into(), json!(sw.items));
    }
    Ok(Json(rec))
}

async fn update_entity(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<Record>,
) -> ApiResult<Json<Record>> {
    let kind = kind_of(&slug)?;
    must_write(&c)?;
    let rec = resolve_codes(&st, body).await?;
    Ok(Json(
        st.store
            .update(kind, &c.scope, &c.actor(), id, &rec)
            .await?,
    ))
}

async fn delete_entity(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let kind = kind_of(&slug)?;
    must_write(&c)?;
    st.store.delete(kind, &c.scope, &c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn must_manage_users(c: &Caller) -> ApiResult<()> {
    if c.role.can_manage_users() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Chỉ quản trị viên được quản lý tài khoản",
            "Only administrators manage accounts",
        ))
    }
}

async fn list_users(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    must_manage_users(&c)?;
    let users = st.store.list_users(&c.scope).await?;
    Ok(Json(json!({"total": users.len(), "items": users})))
}

async fn get_user(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    must_manage_users(&c)?;
    let u = st
        .store
        .user_in_scope(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(json!(u)))
}

#[derive(Deserialize)]
struct UserBody {
    email: Option<String>,
    full_name: Option<String>,
    password: Option<String>,
    role: Option<String>,
    org: Option<String>,
    org_id: Option<i64>,
    active: Option<bool>,
}

fn parse_role(c: &Caller, role: Option<&str>) -> ApiResult<Option<Role>> {
    let Some(r) = role else { return Ok(None) };
    let role = Role::parse(r).ok_or_else(|| {
        ApiError::bad(format!("Vai trò '{r}' không tồn tại"), format!("No role '{r}'; one of dic_admin, dic_operator, org_admin, org_staff, telecom_staff, viewer"))
    })?;
    if !c.role.may_grant(role) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("Bạn không được cấp vai trò {r}"),
            format!("You may not grant the role {r}"),
        ));
    }
    Ok(Some(role))
}

async fn org_of_body(st: &AppState, b: &UserBody) -> ApiResult<Option<Option<i64>>> {
    if let Some(id) = b.org_id {
        return Ok(Some(Some(id)));
    }
    match b.org.as_deref() {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(code) => {
            let codes = st.store.org_codes().await?;
            codes
                .get(&code.trim().to_uppercase())
                .map(|id| Some(Some(*id)))
                .ok_or_else(|| {
                    ApiError::bad(
                        format!("Không có đơn vị mã '{code}'"),
                        format!("No organisation with code '{code}'"),
                    )
                })
        }
    }
}

async fn create_user(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<UserBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    must_manage_users(&c)?;
    let role = parse_role(&c, b.role.as_deref())?
        .ok_or_else(|| ApiError::bad("Thiếu vai trò (role)", "role is required"))?;
    let password = b.password.clone().unwrap_or_default();
    check_password_policy(&password)
        .map_err(|(vi, en)| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, vi, en))?;
    let hash = hash_password(&password)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.clone(), e))?;
    let org_id = org_of_body(&st, &b).await?.flatten();
    let email = b.email.clone().unwrap_or_default();
    let nu = NewUser {
        full_name: b.full_name.clone().unwrap_or_else(|| email.clone()),
        email,
        password_hash: hash,
        role,
        org_id,
    };
    let u = st.store.create_user(&c.scope, &c.actor(), &nu).await?;
    Ok((StatusCode::CREATED, Json(json!(u))))
}

async fn update_user(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<UserBody>,
) -> ApiResult<Json<Value>> {
    must_manage_users(&c)?;
    let target = st
        .store
        .user_in_scope(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !c.role.may_grant(target.role()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Bạn không được sửa tài khoản này",
            "You may not change this account",
        ));
    }
    let role = parse_role(&c, b.role.as_deref())?;
    let hash = match b.password.as_deref() {
        Some(p) => {
            check_password_policy(p)
                .map_err(|(vi, en)| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, vi, en))?;
            Some(
                hash_password(p)
                    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.clone(), e))?,
            )
        }
        None => None,
    };
    let org = org_of_body(&st, &b).await?;
    let u = st
        .store
        .update_user(
            &c.scope,
            &c.actor(),
            id,
            b.full_name.as_deref(),
            role,
            org,
            b.active,
            hash.as_deref(),
        )
        .await?;
    Ok(Json(json!(u)))
}

async fn list_audit(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    if !c.role.can_read_audit() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Chỉ Sở TTTT được xem nhật ký",
            "Only the DIC reads the audit log",
        ));
    }
    let q = AuditQuery {
        entity: p.get("entity").cloned(),
        entity_id: p.get("entity_id").and_then(|v| v.parse().ok()),
        user: p.get("user").cloned(),
        action: p.get("action").cloned(),
        limit: p.get("limit").and_then(|v| v.parse().ok()),
        offset: p.get("offset").and_then(|v| v.parse().ok()),
    };
    let (items, total) = st.store.list_audit(&c.scope, &q).await?;
    Ok(Json(json!({"items": items, "total": total})))
}

async fn import(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let kind = kind_of(&slug)?;
    must_write(&c)?;
    let name =
        p.get("filename")
            .map(String::as_str)
            .or(match p.get("format").map(String::as_str) {
                Some("xlsx") => Some("upload.xlsx"),
                _ => None,
            });
    match import_file(&st.store, &c, kind, &body, name).await? {
        ImportOutcome::Imported(n) => {
            st.metrics
                .imports
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(Json(json!({"imported": n})))
        }
        ImportOutcome::Rejected(rows) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("Nothing imported: {} problem(s) in the file", rows.len()),
            message_vi: format!("Chưa nhập dòng nào: tệp có {} lỗi", rows.len()),
            fields: vec![],
            rows,
        }),
    }
}

async fn export(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let kind = kind_of(&slug)?;
    export_response(
        &st,
        &c,
        kind,
        p.get("format").map(String::as_str).unwrap_or("csv"),
    )
    .await
}

/// A download of every record of `kind` in the caller's scope.
pub async fn export_response(
    st: &AppState,
    c: &Caller,
    kind: EntityKind,
    format: &str,
) -> ApiResult<Response> {
    let (headers, rows) = export_rows(&st.store, &c.scope, kind).await?;
    let (bytes, ctype, ext) = match format {
        "xlsx" => (
            canhgac_sheets::write_xlsx(kind.label_vi(), &headers, &rows).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    e.to_string(),
                    e.to_string(),
                )
            })?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => (
            canhgac_sheets::write_csv(&headers, &rows).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    e.to_string(),
                    e.to_string(),
                )
            })?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        other => {
            return Err(ApiError::bad(
                format!("Định dạng '{other}' không hỗ trợ; dùng csv hoặc xlsx"),
                format!("Format '{other}' is not supported; use csv or xlsx"),
            ))
        }
    };
    let disp = format!("attachment; filename=\"canhgac-{}.{ext}\"", kind.slug());
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&disp) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

fn page_params(p: &HashMap<String, String>) -> (Option<i64>, Option<i64>) {
    (
        p.get("limit").and_then(|v| v.parse().ok()),
        p.get("offset").and_then(|v| v.parse().ok()),
    )
}

async fn list_signals(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = page_params(&p);
    let f = SignalFilter {
        kind: p.get("kind").and_then(|k| SignalKind::parse(k)),
        state: p.get("state").and_then(|k| SignalState::parse(k)),
        open_only: p.get("open").is_some_and(|v| v == "true" || v == "1"),
        limit,
        offset,
    };
    let (items, total) = st.store.list_signals(&c.scope, &f).await?;
    Ok(Json(json!({"items": items, "total": total})))
}

async fn get_signal(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let s = st
        .store
        .signal(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(json!(s)))
}

#[derive(Deserialize)]
struct TransitionBody {
    state: String,
}

async fn transition_signal(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TransitionBody>,
) -> ApiResult<Json<Value>> {
    must_write(&c)?;
    let to = SignalState::parse(&b.state).ok_or_else(|| {
        ApiError::bad(
            format!("Trạng thái '{}' không tồn tại", b.state),
            format!(
                "No state '{}'; one of new, acknowledged, in_progress, resolved, false_positive",
                b.state
            ),
        )
    })?;
    Ok(Json(json!(
        st.store
            .transition_signal(&c.scope, &c.actor(), id, to)
            .await?
    )))
}

async fn list_work(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = page_params(&p);
    let f = WorkFilter {
        kind: p.get("kind").and_then(|k| WorkKind::parse(k)),
        state: p.get("state").and_then(|k| WorkState::parse(k)),
        open_only: p.get("open").is_some_and(|v| v == "true" || v == "1"),
        limit,
        offset,
    };
    let (items, total) = st.store.list_work_items(&c.scope, &f).await?;
    Ok(Json(json!({"items": items, "total": total})))
}

#[derive(Deserialize)]
struct WorkBody {
    kind: Option<String>,
    title: String,
    org: Option<String>,
    org_id: Option<i64>,
    host_id: Option<i64>,
    due: Option<String>,
    detail: Option<Value>,
}

async fn create_work(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<WorkBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    must_write(&c)?;
    let kind = match b.kind.as_deref() {
        None => WorkKind::General,
        Some(k) => WorkKind::parse(k).ok_or_else(|| {
            ApiError::bad(
                format!("Loại công việc '{k}' không tồn tại"),
                format!("No work kind '{k}'"),
            )
        })?,
    };
    if kind.closing_rule() != canhgac_domain::work::ClosingRule::ByPerson {
        return Err(ApiError::bad(
            "Loại công việc này do hệ thống tạo ra từ cảnh báo, danh sách hoặc kiểm kê",
            "Work of this kind is created by the platform from its advisories, lists or scans",
        ));
    }
    let org_id = match (b.org_id, b.org.as_deref()) {
        (Some(id), _) => id,
        (None, Some(code)) => *st
            .store
            .org_codes()
            .await?
            .get(&code.trim().to_uppercase())
            .ok_or_else(|| {
                ApiError::bad(
                    format!("Không có đơn vị mã '{code}'"),
                    format!("No organisation with code '{code}'"),
                )
            })?,
        (None, None) => c
            .user
            .org_id
            .ok_or_else(|| ApiError::bad("Thiếu đơn vị (org)", "org is required"))?,
    };
    if b.title.trim().is_empty() {
        return Err(ApiError::bad("Thiếu tiêu đề", "title is required"));
    }
    let due_at = match b.due.as_deref() {
        None | Some("") => None,
        Some(d) => Some(canhgac_domain::time::parse_date(d).ok_or_else(|| {
            ApiError::bad(
                format!("Ngày '{d}' không hợp lệ (dd/mm/yyyy)"),
                format!("Date '{d}' is not valid (dd/mm/yyyy)"),
            )
        })?),
    };
    let w = NewWorkItem {
        kind,
        title: b.title.trim().to_string(),
        org_id,
        host_id: b.host_id,
        signal_id: None,
        due_at,
        detail: b.detail.unwrap_or(Value::Null),
        subject: None,
    };
    Ok((
        StatusCode::CREATED,
        Json(json!(
            st.store.create_work_item(&c.scope, &c.actor(), &w).await?
        )),
    ))
}

async fn get_work(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let w = st
        .store
        .work_item(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let notes = st.store.work_notes(&c.scope, id).await?;
    let mut v = json!(w);
    v["notes"] = json!(notes);
    Ok(Json(v))
}

#[derive(Deserialize)]
struct WorkEventBody {
    action: String,
    reason: Option<String>,
    note: Option<String>,
    evidence: Option<String>,
}

async fn work_event(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<WorkEventBody>,
) -> ApiResult<Json<Value>> {
    must_write(&c)?;
    // Proof events are the platform's; a person can only start, report done or waive.
    let event = match b.action.as_str() {
        "start" => WorkEvent::Start,
        "report_done" => WorkEvent::ReportDone,
        "not_applicable" => WorkEvent::NotApplicable {
            reason: b.reason.clone().unwrap_or_default(),
        },
        other => {
            return Err(ApiError::bad(
                format!(
                    "Thao tác '{other}' không hợp lệ; dùng start, report_done hoặc not_applicable"
                ),
                format!(
                    "Action '{other}' is not allowed; use start, report_done or not_applicable"
                ),
            ))
        }
    };
    let w = st
        .store
        .apply_work_event(
            &c.scope,
            &c.actor(),
            id,
            &event,
            b.note.as_deref(),
            b.evidence.as_deref(),
        )
        .await?;
    Ok(Json(json!(w)))
}

fn province_wide(c: &Caller) -> ApiResult<()> {
    if c.scope == canhgac_domain::Scope::All {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Chỉ Sở TTTT xem được toàn bộ danh sách",
            "Only the DIC sees whole lists",
        ))
    }
}

async fn list_botnet_lists(State(st): State<AppState>, _c: Caller) -> ApiResult<Json<Value>> {
    let lists = st.store.botnet_lists().await?;
    Ok(Json(json!({"total": lists.len(), "items": lists})))
}

/// The difference between a list and the previous one of its kind.
pub async fn list_diff(
    st: &AppState,
    list: &canhgac_store::BotnetListRow,
) -> Result<(Option<i64>, Vec<String>, usize, usize), StoreError> {
    let prev = st
        .store
        .previous_botnet_list(&list.kind, &list.period, Some(list.id))
        .await?;
    let cur: std::collections::HashSet<String> =
        st.store.botnet_values(list.id).await?.into_iter().collect();
    let (prev_id, prev_values) = match &prev {
        Some(p) => (Some(p.id), st.store.botnet_values(p.id).await?),
        None => (None, vec![]),
    };
    let prev_set: std::collections::HashSet<&String> = prev_values.iter().collect();
    let recurring = cur.iter().filter(|v| prev_set.contains(v)).count();
    let mut gone: Vec<String> = prev_values
        .iter()
        .filter(|v| !cur.contains(*v))
        .cloned()
        .collect();
    gone.sort();
    Ok((prev_id, gone, cur.len() - recurring, recurring))
}

async fn get_botnet_list(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let list = st
        .store
        .botnet_list(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (prev, gone, new, recurring) = list_diff(&st, &list).await?;
    let (_, findings) = st
        .store
        .botnet_findings(&c.scope, Some(id), None, 1, 0)
        .await?;
    let mut v = json!(list);
    v["previous_list_id"] = json!(prev);
    v["new"] = json!(new);
    v["recurring"] = json!(recurring);
    v["gone"] = json!(gone.len());
    v["findings"] = json!(findings);
    if c.scope == canhgac_domain::Scope::All {
        v["gone_entries"] = json!(gone.into_iter().take(1000).collect::<Vec<_>>());
    }
    Ok(Json(v))
}

async fn botnet_entries(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    province_wide(&c)?;
    st.store
        .botnet_list(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (limit, offset) = page_params(&p);
    let (items, total) = st
        .store
        .botnet_entries(
            id,
            p.get("q").map(String::as_str),
            limit.unwrap_or(100),
            offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(json!({"items": items, "total": total})))
}

async fn botnet_findings(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = page_params(&p);
    let list = p.get("list").and_then(|v| v.parse().ok());
    let org = match p.get("org").filter(|v| !v.is_empty()) {
        Some(code) => Some(
            *st.store
                .org_codes()
                .await?
                .get(&code.to_uppercase())
                .ok_or_else(|| {
                    ApiError::bad(
                        format!("Không có đơn vị mã '{code}'"),
                        format!("No organisation with code '{code}'"),
                    )
                })?,
        ),
        None => None,
    };
    let (items, total) = st
        .store
        .botnet_findings(
            &c.scope,
            list,
            org,
            limit.unwrap_or(100),
            offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(json!({"items": items, "total": total})))
}

async fn botnet_stats(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    let rows = st.store.botnet_stats(&c.scope).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(period, org, count)| json!({"period": period, "org": org, "addresses": count}))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

async fn import_botnet_list(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if !c.role.is_dic() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Chỉ Sở TTTT nhập danh sách IP Botnet",
            "Only the DIC imports Botnet IP lists",
        ));
    }
    let meta = crate::botnet::ListMeta {
        name: p.get("name").cloned(),
        source: p.get("source").cloned().unwrap_or_else(|| "Sở TTTT".into()),
        kind: p.get("kind").cloned().unwrap_or_else(|| "botnet".into()),
        period: p.get("period").cloned().unwrap_or_default(),
        version: p
            .get("version")
            .cloned()
            .unwrap_or_else(|| "monthly".into()),
    };
    match crate::botnet::import_list(
        &st.store,
        &c.actor(),
        &meta,
        &body,
        p.get("filename").map(String::as_str),
    )
    .await
    {
        Ok(report) => Ok((StatusCode::CREATED, Json(json!(report)))),
        Err(crate::botnet::ImportError::Invalid(vi, en)) => Err(ApiError::bad(vi, en)),
        Err(crate::botnet::ImportError::Rejected(problems)) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!(
                "Nothing imported: {} problem(s) in the list",
                problems.len()
            ),
            message_vi: format!("Chưa nhập: danh sách có {} lỗi", problems.len()),
            fields: vec![],
            rows: problems
                .into_iter()
                .map(|p| RowError {
                    row: p.row,
                    column: p.column,
                    message: p.message,
                    message_vi: p.message_vi,
                })
                .collect(),
        }),
        Err(crate::botnet::ImportError::Store(e)) => Err(e.into()),
    }
}

async fn retro_hunt(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let ids: Vec<i64> = p
        .get("lists")
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    let set = crate::botnet::set_of_lists(&st.store, &ids).await?;
    if let Some(days) = p.get("events_days").and_then(|d| d.parse::<i64>().ok()) {
        // Stored events instead of an uploaded log.
        let since = canhgac_domain::time::now_ms() - days.clamp(1, 3650) * 86_400_000;
        let (hits, events) =
            crate::botnet::retro_hunt_events(&st.store, &c.scope, &set, since).await?;
        return Ok(Json(
            json!({"events": events, "addresses_listed": set.len(), "total": hits.len(), "items": hits}),
        ));
    }
    let name = p
        .get("filename")
        .cloned()
        .unwrap_or_else(|| "upload".into());
    let (hits, lines) =
        crate::botnet::retro_hunt(&st.store, &c.scope, &set, &[(name, body.to_vec())]).await?;
    Ok(Json(
        json!({"lines": lines, "addresses_listed": set.len(), "total": hits.len(), "items": hits}),
    ))
}

fn patch_error(e: crate::patching::PatchError) -> ApiError {
    match e {
        crate::patching::PatchError::Rejected(errs) => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!(
                "Nothing imported: {}",
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            message_vi: format!(
                "Chưa nhập: {}",
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            fields: errs
                .iter()
                .map(|e| FieldError::new(&e.field, e.message.clone(), e.message.clone()))
                .collect(),
            rows: vec![],
        },
        crate::patching::PatchError::Store(e) => e.into(),
    }
}

fn must_be_dic(c: &Caller) -> ApiResult<()> {
    if c.role.is_dic() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Chỉ Sở TTTT nhập cảnh báo",
            "Only the DIC imports advisories",
        ))
    }
}

async fn list_advisories(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = page_params(&p);
    let (items, total) = st
        .store
        .list_advisories(
            &c.scope,
            p.get("q").map(String::as_str),
            limit.unwrap_or(50),
            offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(json!({"items": items, "total": total})))
}

async fn import_advisories(
    State(st): State<AppState>,
    c: Caller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    must_be_dic(&c)?;
    let r = crate::patching::import_advisories(&st.store, &c.actor(), &body)
        .await
        .map_err(patch_error)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ManualBody {
    id: String,
    title: String,
    cves: String,
    scheme: String,
    vendor: String,
    product: String,
    affected_from: String,
    fixed: String,
    severity: String,
    recommendation: String,
    distro: String,
}

async fn manual_advisory(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<ManualBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    must_be_dic(&c)?;
    let m = canhgac_vuln::formats::ManualAdvisory {
        id: b.id,
        title: b.title,
        cves: b.cves,
        scheme: canhgac_vuln::Scheme::parse(&b.scheme),
        vendor: b.vendor,
        product: b.product,
        affected_from: b.affected_from,
        fixed: b.fixed,
        severity: b.severity,
        recommendation: b.recommendation,
        distro: b.distro,
    };
    let r = crate::patching::import_manual(&st.store, &c.actor(), &m)
        .await
        .map_err(patch_error)?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

async fn get_advisory(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let a = st
        .store
        .advisory(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (matches, total) = st.store.matches(&c.scope, Some(id), None, 1000, 0).await?;
    let mut v = json!(a);
    v["matches"] = json!(matches);
    v["matches_total"] = json!(total);
    Ok(Json(v))
}

async fn advisory_matches(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = page_params(&p);
    let (items, total) = st
        .store
        .matches(
            &c.scope,
            p.get("advisory").and_then(|v| v.parse().ok()),
            p.get("host").and_then(|v| v.parse().ok()),
            limit.unwrap_or(100),
            offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(json!({"items": items, "total": total})))
}

async fn import_kev(
    State(st): State<AppState>,
    c: Caller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    must_be_dic(&c)?;
    let n = crate::patching::import_kev(&st.store, &c.actor(), &body)
        .await
        .map_err(patch_error)?;
    Ok((StatusCode::CREATED, Json(json!({"entries": n}))))
}

async fn import_inventory(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    must_write(&c)?;
    let host = st
        .store
        .get(EntityKind::Host, &c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let org = host["org_id"].as_i64().unwrap_or_default();
    let name = host["hostname"].as_str().unwrap_or_default().to_string();
    let r = crate::patching::import_inventory(
        &st.store,
        &c.actor(),
        id,
        org,
        &name,
        &body,
        p.get("filename").map(String::as_str),
    )
    .await
    .map_err(patch_error)?;
    Ok(Json(json!(r)))
}

async fn compliance(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    let rows = st.store.patch_compliance(&c.scope).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(code, name, hosts, unpatched, open, overdue)| {
            let pct = if hosts > 0 { 100.0 * (hosts - unpatched) as f64 / hosts as f64 } else { 100.0 };
            json!({"org": code, "name": name, "hosts": hosts, "hosts_with_open_patches": unpatched, "open_tasks": open, "overdue_tasks": overdue, "compliance_percent": (pct * 10.0).round() / 10.0})
        })
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

async fn list_findings(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let rows =
        crate::scans::ranked(&st.store, &c.scope, p.get("state").map(String::as_str)).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(score, f)| {
            let mut v = json!(f);
            v["score"] = json!((score * 10.0).round() / 10.0);
            v
        })
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

async fn import_scan(
    State(st): State<AppState>,
    c: Caller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    must_write(&c)?;
    match crate::scans::import_scan(&st.store, &c.scope, &c.actor(), &body).await {
        Ok(r) => Ok((StatusCode::CREATED, Json(json!(r)))),
        Err(Ok(errs)) => Err(patch_error(crate::patching::PatchError::Rejected(errs))),
        Err(Err(e)) => Err(e.into()),
    }
}

// ---- Centralised monitoring (M3) ----

/// `POST /ingest`: a JSON object, a JSON array of objects, or NDJSON. Answered once the batch
/// is stored; events that resolve to none of the caller's hosts belong to the caller's
/// organisation.
async fn ingest(
    State(st): State<AppState>,
    c: Caller,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    must_write(&c)?;
    let peer = None;
    let text = String::from_utf8_lossy(&body);
    let trimmed = text.trim_start();
    let mut records = Vec::new();
    let ndjson = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("ndjson") || v.contains("jsonl"));
    if trimmed.starts_with('[') && !ndjson {
        let items: Vec<Value> = serde_json::from_str(trimmed).map_err(|e| {
            ApiError::bad(
                format!("Nội dung không phải mảng JSON: {e}"),
                format!("The body is not a JSON array: {e}"),
            )
        })?;
        for v in items {
            records.push(crate::monitor::Raw::new(
                "http",
                peer,
                crate::monitor::json_body(v),
            ));
        }
    } else {
        for line in text.lines() {
            if line.trim().is_empty() {
                continue;
            }
            records.push(crate::monitor::Raw::new(
                "http",
                peer,
                crate::monitor::Body::Json(line.to_string()),
            ));
        }
    }
    if records.is_empty() {
        return Err(ApiError::bad(
            "Không có sự kiện nào",
            "No events in the body",
        ));
    }
    ingest_as(&st, &c, records).await
}

/// Hands records over as the caller's (they stay within the caller's organisations) and
/// answers once they are stored.
async fn ingest_as(
    st: &AppState,
    c: &Caller,
    mut records: Vec<crate::monitor::Raw>,
) -> ApiResult<Json<Value>> {
    for r in &mut records {
        r.owner = Some((c.scope.clone(), c.user.org_id));
    }
    let report = st.monitor.ingest(records).await.map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Chưa lưu được: {e}"),
            format!("Not stored: {e}"),
        )
    })?;
    Ok(Json(json!(report)))
}

/// `POST /events/import?filename=…`: an .evtx, JSON/JSON lines or text log file (gzip allowed).
async fn import_events(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    must_write(&c)?;
    let name = p
        .get("filename")
        .cloned()
        .unwrap_or_else(|| "upload".into());
    let records = crate::monitor::records_from_file(&name, &body).map_err(|e| {
        ApiError::bad(
            format!("Không đọc được tệp: {e}"),
            format!("Cannot read the file: {e}"),
        )
    })?;
    ingest_as(&st, &c, records).await
}

/// Event search parameters shared by the API and the UI.
pub fn event_filter(p: &HashMap<String, String>) -> canhgac_store::EventFilter {
    let (limit, offset) = page_params(p);
    let time = |k: &str| {
        p.get(k).and_then(|v| {
            let v = v.trim();
            v.parse::<i64>().ok().or_else(|| parse_local_time(v))
        })
    };
    let mut fields = Vec::new();
    for (k, v) in p {
        if let Some(name) = k.strip_prefix("field.") {
            fields.push((name.to_string(), v.clone()));
        }
    }
    if let Some(f) = p.get("field") {
        for part in f.split(';') {
            if let Some((k, v)) = part.split_once(['=', ':']) {
                if !k.trim().is_empty() {
                    fields.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
        }
    }
    fields.sort();
    canhgac_store::EventFilter {
        from: time("from"),
        to: time("to"),
        host: p.get("host").cloned().filter(|s| !s.trim().is_empty()),
        org_id: p.get("org_id").and_then(|v| v.parse().ok()),
        q: p.get("q").cloned().filter(|s| !s.trim().is_empty()),
        fields,
        malformed_only: p.get("malformed").is_some_and(|v| v == "1" || v == "true"),
        limit,
        offset,
    }
}

async fn search_events(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let f = event_filter(&p);
    let (items, total) = st.store.search_events(&c.scope, &f).await?;
    Ok(Json(json!({"items": items, "total": total})))
}

async fn get_event(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let e = st
        .store
        .event(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(json!(e)))
}

async fn monitor_status(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    let summary = st.monitor.rules_summary();
    let mut body = json!({
        "counters": st.monitor.stats.snapshot(),
        "rules": {"detection": summary.detection, "correlation": summary.correlation,
                   "refused": summary.refused.len(), "compiled_at": summary.compiled_at},
    });
    if c.role.is_dic() {
        let (events, bytes) = st.store.event_totals().await?;
        body["store"] = json!({"events": events, "bytes": bytes,
            "retention_days": st.monitor.config().retention_days,
            "max_bytes": st.monitor.config().max_event_bytes});
    }
    Ok(Json(body))
}

async fn run_retention(State(st): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    must_be_dic(&c)?;
    must_write(&c)?;
    let p = crate::monitor::prune(&st.store, st.monitor.config()).await?;
    Ok(Json(json!(p)))
}

async fn list_rules(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = page_params(&p);
    let f = canhgac_store::RuleFilter {
        q: p.get("q").cloned().filter(|s| !s.trim().is_empty()),
        level: p.get("level").cloned().filter(|s| !s.is_empty()),
        enabled: p.get("enabled").and_then(|v| match v.as_str() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        }),
        origin: p.get("origin").cloned().filter(|s| !s.is_empty()),
        limit,
        offset,
    };
    let (items, total) = st.store.list_rules(&c.scope, &f).await?;
    let summary = st.monitor.rules_summary();
    Ok(Json(
        json!({"items": items, "total": total, "refused": summary.refused}),
    ))
}

async fn get_rule(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let r = st
        .store
        .rule(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(json!(r)))
}

/// `POST /rules?filename=…&org=CODE`: a Sigma rule file (YAML) as the body.
async fn upload_rule(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    must_be_dic(&c)?;
    must_write(&c)?;
    let name = p
        .get("filename")
        .cloned()
        .unwrap_or_else(|| "rule.yml".into());
    let org_id = match p.get("org").filter(|s| !s.is_empty()) {
        Some(code) => Some(org_by_code(&st, code).await?),
        None => None,
    };
    let yaml = String::from_utf8_lossy(&body).into_owned();
    let added = crate::monitor::add_custom_rules(&st, &c, &name, &yaml, org_id)
        .await
        .map_err(rule_error)?;
    Ok(Json(
        json!({"items": added, "rules": st.monitor.rules_summary()}),
    ))
}

fn rule_error(problems: Vec<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("Luật không hợp lệ: {}", problems.join("; ")),
        format!("Invalid rule: {}", problems.join("; ")),
    )
}

async fn org_by_code(st: &AppState, code: &str) -> ApiResult<i64> {
    st.store
        .org_codes()
        .await?
        .get(code.trim())
        .copied()
        .ok_or_else(|| {
            ApiError::bad(
                format!("Không có đơn vị '{code}'"),
                format!("No organisation '{code}'"),
            )
        })
}

/// `dd/mm/yyyy`, `yyyy-mm-dd` or `yyyy-mm-ddThh:mm` (a browser's datetime field), read as
/// Viet Nam time.
pub fn parse_local_time(v: &str) -> Option<i64> {
    canhgac_domain::time::parse_date(v).or_else(|| {
        ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(v.trim(), f).ok())
            .map(|t| t.and_utc().timestamp_millis() - 7 * 3_600_000)
    })
}

#[derive(Deserialize)]
struct RuleSettings {
    enabled: bool,
    /// Organisation code, or empty for every organisation.
    org: Option<String>,
}

async fn update_rule(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RuleSettings>,
) -> ApiResult<Json<Value>> {
    must_be_dic(&c)?;
    must_write(&c)?;
    let org_id = match b.org.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => Some(org_by_code(&st, code).await?),
        None => None,
    };
    let r = st.store.set_rule(&c.actor(), id, b.enabled, org_id).await?;
    let summary = st
        .monitor
        .reload()
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.clone(), e))?;
    Ok(Json(json!({"rule": r, "rules": summary})))
}

async fn delete_rule(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    must_be_dic(&c)?;
    must_write(&c)?;
    st.store.delete_custom_rule(&c.actor(), id).await?;
    let summary = st
        .monitor
        .reload()
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.clone(), e))?;
    Ok(Json(json!({"deleted": id, "rules": summary})))
}

#[derive(Deserialize)]
struct AssignBody {
    /// The assignee's e-mail, or null to unassign.
    user: Option<String>,
}

async fn assign_signal(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AssignBody>,
) -> ApiResult<Json<Value>> {
    must_write(&c)?;
    let sig = st
        .store
        .signal(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (assignee, sees) = match b.user.as_deref().filter(|s| !s.is_empty()) {
        None => (None, true),
        Some(email) => {
            let u = st.store.user_by_email(email).await?.ok_or_else(|| {
                ApiError::bad(
                    format!("Không có tài khoản {email}"),
                    format!("No user {email}"),
                )
            })?;
            // The assignee must be allowed to see the alert, and the caller allowed to see them.
            if let Some(o) = u.org_id {
                if !c.scope.contains(o) {
                    return Err(ApiError::bad(
                        format!("Không có tài khoản {email}"),
                        format!("No user {email}"),
                    ));
                }
            } else if !c.role.is_dic() {
                return Err(ApiError::bad(
                    format!("Không có tài khoản {email}"),
                    format!("No user {email}"),
                ));
            }
            let sees = match sig.org_id {
                Some(o) => crate::auth::scope_of(&st, &u).await?.contains(o),
                None => u.role().is_dic(),
            };
            (Some(u.id), sees)
        }
    };
    st.store
        .assign_signal(&c.scope, &c.actor(), id, assignee, sees)
        .await?;
    Ok(Json(json!(st.store.signal(&c.scope, id).await?)))
}

async fn signal_notes(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let items = st.store.signal_notes(&c.scope, id).await?;
    Ok(Json(json!({"items": items})))
}

#[derive(Deserialize)]
struct NoteBody {
    note: String,
}

async fn add_signal_note(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NoteBody>,
) -> ApiResult<Json<Value>> {
    must_write(&c)?;
    Ok(Json(json!(
        st.store
            .add_signal_note(&c.scope, &c.actor(), id, &b.note)
            .await?
    )))
}

/// `GET /alerts/stream`: server-sent events, one per new or counted-up alert the caller may see.
async fn alert_stream(
    State(st): State<AppState>,
    c: Caller,
) -> axum::response::sse::Sse<
    impl futures_core::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
> {
    crate::monitor::alert_sse(&st, c)
}
