//! Reports (M13): the monthly province report, the heightened period's summary, the
//! organisations' scorecards — on screen and as PDF, XLSX and CSV in Vietnamese or English —
//! beside the daily duty report and the six-monthly incident summary (Mẫu 05) their own rooms
//! make; and schedules that generate them and mail them to a list of recipients.

pub(crate) mod api;
pub(crate) mod pages;
pub(crate) mod schedules;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, USER_ADMINS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The reports room.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::monthly))
            .routes(routes!(api::scorecards))
            .routes(routes!(api::period))
            .routes(routes!(api::list_schedules, api::create_schedule))
            .routes(routes!(api::get_schedule, api::update_schedule, api::delete_schedule))
            .routes(routes!(api::list_runs)),
        pages: Pages::new()
            .get("/reports", ANYONE, pages::index)
            .get("/reports/monthly", ANYONE, pages::monthly)
            .get("/reports/scorecards", ANYONE, pages::scorecards)
            .get("/reports/periods/{id}", ANYONE, pages::period)
            .get("/reports/schedules/new", USER_ADMINS, schedules::new_form)
            .post("/reports/schedules", USER_ADMINS, schedules::create)
            .get("/reports/schedules/{id}", ANYONE, schedules::detail)
            .post("/reports/schedules/{id}", USER_ADMINS, schedules::update)
            .post("/reports/schedules/{id}/delete", USER_ADMINS, schedules::delete)
            .post("/reports/schedules/{id}/run", USER_ADMINS, schedules::run)
            .get("/reports/runs/{id}", ANYONE, schedules::get_run),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/reports",
            vi: "Báo cáo",
            en: "Reports",
            allow: ANYONE,
        }],
    }
}
