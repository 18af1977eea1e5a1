//! The duty room's wall (M13): the province, or the caller's organisations, at a glance from
//! across the room — full screen, dark or light, kept current by server-sent events (the
//! server renders the wall and sends it every few seconds; no page reloads, no chart bundle).

pub(crate) mod pages;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE};
use utoipa_axum::router::OpenApiRouter;

/// The wall room: the page and its event stream.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new(),
        pages: Pages::new()
            .get("/wall", ANYONE, pages::wall)
            .get("/wall/stream", ANYONE, pages::stream),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/wall",
            vi: "Màn hình trực",
            en: "Duty wall",
            allow: ANYONE,
        }],
    }
}
