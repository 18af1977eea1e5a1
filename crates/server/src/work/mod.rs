//! Signals and work items: what is raised, who handles it, and the tasks that track it to closure.

pub(crate) mod api;
pub(crate) mod bulk;
pub(crate) mod pages;
pub(crate) mod signal;
pub(crate) mod triage;

pub(crate) use pages::transition_from_form;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The work room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_signals))
            .routes(routes!(api::signal_groups))
            .routes(routes!(api::bulk_signals))
            .routes(routes!(api::get_signal))
            .routes(routes!(api::transition_signal))
            .routes(routes!(api::assign_signal))
            .routes(routes!(api::signal_notes))
            .routes(routes!(api::add_signal_note))
            .routes(routes!(api::list_work))
            .routes(routes!(api::create_work))
            .routes(routes!(api::get_work))
            .routes(routes!(api::work_event)),
        pages: Pages::new()
            .get("/signals", ANYONE, pages::signals_page)
            .post("/signals/bulk", WRITERS, pages::signals_bulk)
            .get("/signals/{id}", ANYONE, signal::signal_page)
            .post(
                "/signals/{id}/transition",
                WRITERS,
                pages::signal_transition,
            )
            .post("/signals/{id}/assign", WRITERS, signal::signal_assign)
            .post("/signals/{id}/notes", WRITERS, signal::signal_note)
            .get("/work", ANYONE, pages::work_page)
            .get("/work/{id}", ANYONE, pages::work_detail)
            .post("/work/{id}/event", WRITERS, pages::work_event),
        nav: &[
            NavItem {
                group: NavGroup::Monitor,
                path: "/signals",
                vi: "Cảnh báo",
                en: "Signals",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Work,
                path: "/work",
                vi: "Công việc",
                en: "Work",
                allow: ANYONE,
            },
        ],
    }
}
