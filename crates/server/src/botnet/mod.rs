//! Botnet IP lists and hunting (M7): lists in, findings per organisation, the retro-hunt.

pub(crate) mod api;
pub(crate) mod pages;

pub use api::list_diff;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The botnet room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_botnet_lists))
            .routes(routes!(api::import_botnet_list))
            .routes(routes!(api::get_botnet_list))
            .routes(routes!(api::botnet_entries))
            .routes(routes!(api::botnet_findings))
            .routes(routes!(api::botnet_stats))
            .routes(routes!(api::retro_hunt)),
        pages: Pages::new()
            .get("/botnet", ANYONE, pages::lists_page)
            .post("/botnet", DIC, pages::import)
            .get("/botnet/{id}", ANYONE, pages::list_page)
            .get("/hunt", ANYONE, pages::hunt_page)
            .post("/hunt", ANYONE, pages::hunt_upload),
        nav: &[
            NavItem {
                group: NavGroup::Investigate,
                path: "/botnet",
                vi: "Danh sách IP Botnet",
                en: "Botnet IP lists",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Investigate,
                path: "/hunt",
                vi: "Săn lùng Botnet",
                en: "Botnet hunting",
                allow: ANYONE,
            },
        ],
    }
}
