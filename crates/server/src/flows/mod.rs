//! Network traffic and attacks from flow data (M16): per-organisation traffic over time, top
//! talkers, attacks with their RTBH/FlowSpec advice, flows with listed Botnet addresses, and the
//! operators' exporters and protected customer prefixes.

pub(crate) mod api;
pub(crate) mod pages;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The flows room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::traffic))
            .routes(routes!(api::attacks))
            .routes(routes!(api::attack))
            .routes(routes!(api::exporters, api::add_exporter))
            .routes(routes!(api::prefixes, api::add_prefix))
            .routes(routes!(api::sightings)),
        pages: Pages::new()
            .get("/flows", ANYONE, pages::overview)
            .get("/flows/attacks", ANYONE, pages::attacks)
            .get("/flows/attacks/{id}", ANYONE, pages::attack)
            .get("/flows/exporters", ANYONE, pages::exporters)
            .post("/flows/exporters", WRITERS, pages::add_exporter)
            .post("/flows/exporters/{id}/delete", WRITERS, pages::delete_exporter)
            .get("/flows/prefixes", ANYONE, pages::prefixes)
            .post("/flows/prefixes", WRITERS, pages::add_prefix)
            .post("/flows/prefixes/{id}/delete", WRITERS, pages::delete_prefix),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/flows",
            vi: "Lưu lượng, tấn công mạng",
            en: "Traffic and attacks",
            allow: ANYONE,
        }],
    }
}
