//! Access API: tokens, the caller, user accounts, the audit log.

#[allow(unused_imports)]
use crate::api::*;
use crate::auth::{
    authenticate, check_password_policy, client_ip, hash_password, random_token, token_hash,
    Caller, LoginError, Via,
};
use crate::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::Json;
use canhgac_domain::time::now_ms;
use canhgac_domain::Role;
use canhgac_store::{AuditQuery, NewUser};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TokenRequest {
    email: String,
    password: String,
    name: Option<String>,
}

#[utoipa::path(
    post,
    path = "/auth/token",
    tag = "access",
    summary = "Exchange e-mail and password for an API token",
    request_body = TokenRequest,
    responses((status = 200, description = "Done", body = Object), (status = 400, description = "Bad request", body = ApiErrorBody), (status = 422, description = "Invalid: each bad field or row is named", body = ApiErrorBody)),
)]
pub(crate) async fn issue_token(
    State(st): State<AppState>,
    req: Request,
) -> ApiResult<Json<Value>> {
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
#[utoipa::path(
    delete,
    path = "/auth/token",
    tag = "access",
    summary = "Revoke the API token this request carries",
    responses((status = 200, description = "Done", body = Object), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn revoke_token(
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

#[utoipa::path(
    get,
    path = "/me",
    tag = "access",
    summary = "The caller, their role and scope",
    responses((status = 200, description = "Done", body = Me), Refusals),
    security(("bearer" = [])),
)]
pub(crate) async fn me(c: Caller) -> Json<Me> {
    Json(Me {
        scope: c.scope.ids(),
        via: if c.via == Via::Token {
            "token"
        } else {
            "session"
        },
        role: c.role.as_str(),
        user: c.user,
    })
}

#[utoipa::path(
    get,
    path = "/users",
    tag = "access",
    summary = "List user accounts (administrators)",
    responses((status = 200, description = "Done", body = Page<canhgac_store::User>), Refusals),
    security(("bearer" = ["dic_admin", "org_admin"])),
)]
pub(crate) async fn list_users(
    State(st): State<AppState>,
    c: Caller,
) -> ApiResult<Json<Page<canhgac_store::User>>> {
    let users = st.store.list_users(&c.scope).await?;
    let total = users.len();
    Ok(Json(Page::new(users, total)))
}

#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "access",
    summary = "One user account",
    params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, description = "Done", body = canhgac_store::User), Refusals),
    security(("bearer" = ["dic_admin", "org_admin"])),
)]
pub(crate) async fn get_user(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<canhgac_store::User>> {
    let u = st
        .store
        .user_in_scope(&c.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(u))
}

/// Who is calling: the account, its role, the organisations it may see (none: the whole
/// province) and whether by token or session.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Me {
    user: canhgac_store::User,
    role: &'static str,
    scope: Option<Vec<i64>>,
    via: &'static str,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct UserBody {
    email: Option<String>,
    full_name: Option<String>,
    password: Option<String>,
    role: Option<String>,
    org: Option<String>,
    org_id: Option<i64>,
    active: Option<bool>,
}

pub(crate) fn parse_role(c: &Caller, role: Option<&str>) -> ApiResult<Option<Role>> {
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

pub(crate) async fn org_of_body(st: &AppState, b: &UserBody) -> ApiResult<Option<Option<i64>>> {
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

#[utoipa::path(
    post,
    path = "/users",
    tag = "access",
    summary = "Create a user account",
    request_body = UserBody,
    responses((status = 201, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "org_admin"])),
)]
pub(crate) async fn create_user(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<UserBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
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

#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "access",
    summary = "Change a user's name, role, organisation, password or activity",
    params(("id" = i64, Path, description = "Record id")),
    request_body = UserBody,
    responses((status = 200, description = "Done", body = Object), Refusals, Invalid),
    security(("bearer" = ["dic_admin", "org_admin"])),
)]
pub(crate) async fn update_user(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<UserBody>,
) -> ApiResult<Json<Value>> {
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

#[utoipa::path(
    get,
    path = "/audit",
    tag = "access",
    summary = "The append-only audit log (DIC)",
    responses((status = 200, description = "Done", body = Page<canhgac_store::AuditEntry>), Refusals),
    security(("bearer" = ["dic_admin", "dic_operator"])),
)]
pub(crate) async fn list_audit(
    State(st): State<AppState>,
    c: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<canhgac_store::AuditEntry>>> {
    let q = AuditQuery {
        entity: p.get("entity").cloned(),
        entity_id: p.get("entity_id").and_then(|v| v.parse().ok()),
        user: p.get("user").cloned(),
        action: p.get("action").cloned(),
        limit: p.get("limit").and_then(|v| v.parse().ok()),
        offset: p.get("offset").and_then(|v| v.parse().ok()),
    };
    let (items, total) = st.store.list_audit(&c.scope, &q).await?;
    Ok(Json(Page::new(items, total)))
}
