//! Heightened periods (M2): the periods the DIC declares (tightened time limits), each
//! organisation's daily report during one, and the dashboard of who has reported.

pub(crate) mod api;
pub(crate) mod pages;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The periods room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_periods))
            .routes(routes!(api::get_period))
            .routes(routes!(api::submit_report)),
        pages: Pages::new()
            .get("/periods", ANYONE, pages::list)
            .post("/periods", DIC, pages::declare)
            .get("/periods/{id}", ANYONE, pages::dashboard)
            .get("/periods/{id}/report", WRITERS, pages::report_form)
            .post("/periods/{id}/report", WRITERS, pages::submit)
            .get("/periods/{id}/reports/{report}", ANYONE, pages::report_page),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/periods",
            vi: "Cao điểm",
            en: "Heightened periods",
            allow: ANYONE,
        }],
    }
}
