//! Spam and fraud reports (M10) and harmful content (M11) for telecom operators, and the
//! DIC's view over all of them: reports in (a form for 5656 lines, batch files with their
//! columns mapped, the API for single reports and NDJSON), the unparsed kept for fixing, the
//! work queue of senders by score, campaigns, cases with their measures and the export back
//! to the Ministry's system, harmful URLs, domains and accounts with their blocklists (plain
//! and RPZ) and publication into the threat lists.

pub(crate) mod api;
pub(crate) mod chart;
pub(crate) mod harmful;
pub(crate) mod pages;

use crate::routes::{Allow, NavGroup, NavItem, Pages, Room, ANYONE, DIC, WRITERS};
use canhgac_domain::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Who is shown the room in the navigation: the DIC, the operators, province-wide readers.
const NAV: Allow = Some(&[Role::DicAdmin, Role::DicOperator, Role::TelecomStaff, Role::Viewer]);

/// The spam room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_reports, api::add_reports))
            .routes(routes!(api::get_report))
            .routes(routes!(api::fix_report))
            .routes(routes!(api::queue))
            .routes(routes!(api::get_sender))
            .routes(routes!(api::list_campaigns))
            .routes(routes!(api::get_campaign))
            .routes(routes!(api::list_cases))
            .routes(routes!(api::get_case))
            .routes(routes!(api::act))
            .routes(routes!(api::close))
            .routes(routes!(api::stats))
            .routes(routes!(api::list_harmful, api::add_harmful))
            .routes(routes!(api::get_harmful))
            .routes(routes!(api::harmful_state))
            .routes(routes!(api::blocklist)),
        pages: Pages::new()
            .get("/spam", ANYONE, pages::overview)
            .get("/spam/reports", ANYONE, pages::reports)
            .post("/spam/reports", WRITERS, pages::add_reports)
            .get("/spam/reports/{id}", ANYONE, pages::report)
            .post("/spam/reports/{id}/fix", WRITERS, pages::fix)
            .get("/spam/import", ANYONE, pages::import_form)
            .post("/spam/import", WRITERS, pages::import)
            .get("/spam/senders/{id}", ANYONE, pages::sender)
            .get("/spam/campaigns", ANYONE, pages::campaigns)
            .get("/spam/campaigns/{id}", ANYONE, pages::campaign)
            .get("/spam/cases", ANYONE, pages::cases)
            .get("/spam/cases/export", ANYONE, pages::export)
            .get("/spam/cases/{id}", ANYONE, pages::case)
            .post("/spam/cases/{id}/actions", WRITERS, pages::act)
            .post("/spam/cases/{id}/close", WRITERS, pages::close)
            .get("/spam/harmful", ANYONE, harmful::list)
            .post("/spam/harmful", WRITERS, harmful::add)
            .get("/spam/harmful/blocklist.txt", ANYONE, harmful::plain)
            .get("/spam/harmful/rpz.zone", ANYONE, harmful::rpz)
            .post("/spam/harmful/publish", DIC, harmful::publish)
            .get("/spam/harmful/{id}", ANYONE, harmful::detail)
            .post("/spam/harmful/{id}/state", WRITERS, harmful::transition),
        nav: &[NavItem {
            group: NavGroup::Monitor,
            path: "/spam",
            vi: "Tin rác, lừa đảo",
            en: "Spam and fraud",
            allow: NAV,
        }],
    }
}
