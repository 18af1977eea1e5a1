//! Access (M1): log-in and sessions, API tokens, user accounts and the audit log.

pub(crate) mod api;
pub(crate) mod pages;

pub use pages::safe_next;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC, PUBLIC, USER_ADMINS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The access room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::issue_token))
            .routes(routes!(api::revoke_token))
            .routes(routes!(api::me))
            .routes(routes!(api::list_users))
            .routes(routes!(api::create_user))
            .routes(routes!(api::get_user))
            .routes(routes!(api::update_user))
            .routes(routes!(api::list_audit)),
        pages: Pages::new()
            .get("/login", PUBLIC, pages::login_page)
            .post("/login", PUBLIC, pages::login)
            .post("/logout", ANYONE, pages::logout)
            .get("/lang/{code}", PUBLIC, pages::set_lang)
            .get("/users", USER_ADMINS, pages::users_page)
            .get("/users/new", USER_ADMINS, pages::user_new_page)
            .post("/users/new", USER_ADMINS, pages::user_create)
            .get("/users/{id}/edit", USER_ADMINS, pages::user_edit_page)
            .post("/users/{id}/edit", USER_ADMINS, pages::user_update)
            .get("/audit", DIC, pages::audit_page),
        nav: &[
            NavItem {
                group: NavGroup::Admin,
                path: "/users",
                vi: "Tài khoản",
                en: "Users",
                allow: USER_ADMINS,
            },
            NavItem {
                group: NavGroup::Admin,
                path: "/audit",
                vi: "Nhật ký",
                en: "Audit log",
                allow: DIC,
            },
        ],
    }
}
