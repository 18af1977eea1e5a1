//! Patch management per advisories (M5): advisories and KEV in, hosts matched, patch tasks, compliance.

pub(crate) mod api;
pub(crate) mod pages;

pub(crate) use pages::host_section;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The patching room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_advisories))
            .routes(routes!(api::import_advisories))
            .routes(routes!(api::manual_advisory))
            .routes(routes!(api::get_advisory))
            .routes(routes!(api::advisory_matches))
            .routes(routes!(api::import_kev))
            .routes(routes!(api::import_inventory))
            .routes(routes!(api::compliance)),
        pages: Pages::new()
            .get("/advisories", ANYONE, pages::advisories_page)
            .post("/advisories", DIC, pages::advisories_upload)
            .post("/advisories/manual", DIC, pages::manual_submit)
            .post("/advisories/kev", DIC, pages::kev_upload)
            .get("/advisories/{id}", ANYONE, pages::advisory_page)
            .get("/compliance", ANYONE, pages::compliance_page)
            .post("/hosts/{id}/inventory", WRITERS, pages::inventory_upload),
        nav: &[
            NavItem {
                group: NavGroup::Work,
                path: "/advisories",
                vi: "Khuyến cáo, bản vá",
                en: "Advisories, patches",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Work,
                path: "/compliance",
                vi: "Tuân thủ",
                en: "Compliance",
                allow: ANYONE,
            },
        ],
    }
}
