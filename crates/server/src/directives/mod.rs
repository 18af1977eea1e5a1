//! Directives (M12): an official letter turned into tracked items per recipient — issued by the
//! DIC with the original file, acknowledged and reported on (with evidence) by each recipient,
//! followed in a compliance matrix (organisations × items) that exports to XLSX.

pub(crate) mod api;
pub(crate) mod pages;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The directives room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_directives))
            .routes(routes!(api::get_directive)),
        pages: Pages::new()
            .get("/directives", ANYONE, pages::list)
            .post("/directives", DIC, pages::issue)
            .get("/directives/{id}", ANYONE, pages::detail)
            .get("/directives/{id}/file", ANYONE, pages::original)
            .get("/directives/{id}/xlsx", ANYONE, pages::matrix_xlsx)
            .post("/directives/{id}/tasks/{task}/ack", WRITERS, pages::ack)
            .post("/directives/{id}/tasks/{task}/report", WRITERS, pages::report)
            .get("/directives/{id}/evidence/{file}", ANYONE, pages::evidence),
        nav: &[NavItem {
            group: NavGroup::Work,
            path: "/directives",
            vi: "Văn bản chỉ đạo",
            en: "Directives",
            allow: ANYONE,
        }],
    }
}
