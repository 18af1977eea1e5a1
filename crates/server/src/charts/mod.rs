//! Charts drawn on the server as SVG (M13), each with its numbers beside it and as CSV: alerts
//! per day by severity, the rules and organisations that raised most, Botnet findings per list
//! period (new and recurring), network attacks per day by kind, patch compliance day by day,
//! spam and fraud reports per day (for those who see them) — within the caller's scope.

pub(crate) mod pages;
pub(crate) mod svg;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE};
use utoipa_axum::router::OpenApiRouter;

/// The charts room.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new(),
        pages: Pages::new()
            .get("/charts", ANYONE, pages::charts)
            .get("/charts/{name}", ANYONE, pages::csv),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/charts",
            vi: "Biểu đồ",
            en: "Charts",
            allow: ANYONE,
        }],
    }
}
