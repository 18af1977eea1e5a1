//! National-platform alerts (M8): the signed webhook they arrive on, the senders allowed to
//! push, and the list — each organisation its own, the DIC also the queue of unmatched ones.

pub(crate) mod api;
pub(crate) mod pages;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The platform room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::push, api::list))
            .routes(routes!(api::create_source)),
        pages: Pages::new()
            .get("/platform-alerts", ANYONE, pages::list_page)
            .get("/platform-alerts/export", ANYONE, pages::export_csv)
            .post("/platform-alerts/sources", DIC, pages::create_source)
            .post("/platform-alerts/upload", DIC, pages::upload),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/platform-alerts",
            vi: "Cảnh báo từ nền tảng quốc gia",
            en: "National-platform alerts",
            allow: ANYONE,
        }],
    }
}
