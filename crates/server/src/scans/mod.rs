//! Vulnerability review (M6): scanner reports in, findings ranked and tracked to a clean re-scan.

pub(crate) mod api;
pub(crate) mod pages;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The scans room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_findings))
            .routes(routes!(api::import_scan)),
        pages: Pages::new()
            .get("/findings", ANYONE, pages::findings_page)
            .post("/findings", WRITERS, pages::findings_upload),
        nav: &[NavItem {
            group: NavGroup::Work,
            path: "/findings",
            vi: "Lỗ hổng (rà quét)",
            en: "Scanner findings",
            allow: ANYONE,
        }],
    }
}
