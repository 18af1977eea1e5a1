//! On-call paging (M2): the pages (one per incident or alert group) with every message sent and
//! its acknowledgement, the acknowledgement link a message carries (public: the token is the
//! credential), the organisation's escalation policy and channels, and the destinations the DIC
//! administrator allows outgoing webhooks to reach.

pub(crate) mod api;
pub(crate) mod pages;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC_ADMIN, PUBLIC, USER_ADMINS, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The on-call room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_pages))
            .routes(routes!(api::get_page))
            .routes(routes!(api::ack_page)),
        pages: Pages::new()
            .get("/oncall", ANYONE, pages::list)
            .get("/oncall/pages/{id}", ANYONE, pages::detail)
            .post("/oncall/pages/{id}/ack", WRITERS, pages::ack)
            .get("/oncall/ack/{token}", PUBLIC, pages::ack_link)
            .post("/oncall/ack/{token}", PUBLIC, pages::ack_link_confirm)
            .get("/oncall/settings", ANYONE, pages::settings)
            .post("/oncall/policy", USER_ADMINS, pages::set_policy)
            .post("/oncall/channels", WRITERS, pages::add_channel)
            .post("/oncall/channels/{id}/delete", WRITERS, pages::delete_channel)
            .post("/oncall/destinations", DIC_ADMIN, pages::add_destination)
            .post("/oncall/destinations/{id}/delete", DIC_ADMIN, pages::delete_destination),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/oncall",
            vi: "Gọi trực",
            en: "On-call pages",
            allow: ANYONE,
        }],
    }
}
