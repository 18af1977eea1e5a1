//! 24/7 duty (M2): who is on duty now, rosters generated for a period (calendar view, XLSX),
//! leave, shift swaps with approval, shift handover notes, each person's iCalendar feed, and the
//! public holidays, and the daily duty report.

pub(crate) mod api;
pub(crate) mod daily;
pub(crate) mod handover;
pub(crate) mod pages;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC_ADMIN, PUBLIC, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The duty room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::on_duty_now))
            .routes(routes!(api::list_rosters))
            .routes(routes!(api::get_roster))
            .routes(routes!(api::list_handovers))
            .routes(routes!(api::daily_report)),
        pages: Pages::new()
            .get("/duty", ANYONE, pages::duty_page)
            .post("/duty", WRITERS, pages::generate)
            .get("/duty/daily", ANYONE, daily::daily_page)
            .post("/duty/daily", WRITERS, daily::save)
            .get("/duty/daily/print", ANYONE, daily::print)
            .get("/duty/daily/pdf", ANYONE, daily::pdf)
            .get("/duty/daily/xlsx", ANYONE, daily::xlsx)
            .get("/duty/{id}", ANYONE, pages::roster_page)
            .get("/duty/{id}/xlsx", ANYONE, pages::roster_xlsx)
            .post("/duty/{id}/delete", WRITERS, pages::delete)
            .post("/duty/leave", WRITERS, pages::add_leave)
            .post("/duty/swap", WRITERS, pages::request_swap)
            .post("/duty/swaps/{id}", WRITERS, pages::decide_swap)
            .post("/duty/shifts/{id}/handover", WRITERS, handover::prepare)
            .get("/duty/handovers/{id}", ANYONE, handover::handover_page)
            .post("/duty/handovers/{id}/ack", WRITERS, handover::acknowledge)
            .post("/duty/feed", ANYONE, pages::new_feed)
            .get("/duty/ical/{token}", PUBLIC, pages::ical_feed)
            .get("/duty/holidays", ANYONE, pages::holidays_page)
            .post("/duty/holidays", DIC_ADMIN, pages::set_holiday),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/duty",
            vi: "Lịch trực",
            en: "Duty roster",
            allow: ANYONE,
        }],
    }
}
