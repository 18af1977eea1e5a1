//! Centralised monitoring (M3): ingest, events, Sigma rules, alerts and the live feed.

pub(crate) mod alerts;
pub(crate) mod api;
pub(crate) mod common;
pub(crate) mod events;
pub(crate) mod forwarders;
pub(crate) mod rule_page;
pub(crate) mod rules;
pub(crate) mod sources;

pub use api::{event_filter, parse_local_time};

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The monitoring room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::ingest))
            .routes(routes!(api::search_events))
            .routes(routes!(api::import_events))
            .routes(routes!(api::get_event))
            .routes(routes!(api::monitor_status))
            .routes(routes!(api::run_retention))
            .routes(routes!(api::list_rules))
            .routes(routes!(api::upload_rule))
            .routes(routes!(api::get_rule))
            .routes(routes!(api::update_rule))
            .routes(routes!(api::delete_rule))
            .routes(routes!(api::alert_stream))
            .routes(routes!(sources::list_sources)),
        pages: Pages::new()
            .get("/monitor", ANYONE, events::monitor_page)
            .get("/alerts", ANYONE, alerts::alerts_page)
            .get("/alerts/{id}", ANYONE, alerts::alert_page)
            .post("/alerts/{id}/transition", WRITERS, alerts::alert_transition)
            .post("/alerts/{id}/assign", WRITERS, alerts::alert_assign)
            .post("/alerts/{id}/notes", WRITERS, alerts::alert_note)
            .get("/rules", ANYONE, rules::rules_page)
            .get("/rules/{id}", ANYONE, rule_page::rule_page)
            .post("/rules/upload", DIC, rules::rule_upload)
            .post("/rules/{id}", DIC, rules::rule_update)
            .get("/sources", ANYONE, sources::sources_page)
            .get("/sources/{id}", ANYONE, sources::source_page)
            .get("/events", ANYONE, events::events_page)
            .get("/events/{id}", ANYONE, events::event_page)
            .post("/events/upload", WRITERS, events::events_upload),
        nav: &[
            NavItem {
                group: NavGroup::Monitor,
                path: "/alerts",
                vi: "Cảnh báo Sigma",
                en: "Sigma alerts",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Monitor,
                path: "/monitor",
                vi: "Giám sát tập trung",
                en: "Centralised monitoring",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Monitor,
                path: "/rules",
                vi: "Luật Sigma",
                en: "Sigma rules",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Monitor,
                path: "/sources",
                vi: "Nguồn nhật ký",
                en: "Log sources",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Investigate,
                path: "/events",
                vi: "Sự kiện",
                en: "Events",
                allow: ANYONE,
            },
        ],
    }
}
