//! Incidents and response plans (M8–M9): incidents opened from a form or any signal, their
//! stage, severity, signals, tasks from a response plan, timeline, observables (checked against
//! the threat lists and events, exported as STIX 2.1 and MISP) and evidence; the national
//! report forms (Mẫu 03/04 per incident, Mẫu 05 every six months), their deadlines, e-mail to
//! the clause-3 contact points and escalation.

pub(crate) mod api;
pub(crate) mod pages;
pub(crate) mod plans;
pub(crate) mod reports;
pub(crate) mod reports_api;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, DIC_ADMIN, WRITERS};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The incidents room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_incidents, api::create_incident))
            .routes(routes!(api::get_incident))
            .routes(routes!(api::move_incident))
            .routes(routes!(api::add_note))
            .routes(routes!(api::set_gravity))
            .routes(routes!(api::link_signal))
            .routes(routes!(api::start_plan))
            .routes(routes!(api::add_observable))
            .routes(routes!(api::export_observables))
            .routes(routes!(api::list_plans))
            .routes(routes!(reports_api::incident_reports))
            .routes(routes!(reports_api::get_report, reports_api::save_report))
            .routes(routes!(reports_api::send_report))
            .routes(routes!(reports_api::summary)),
        pages: Pages::new()
            .get("/incidents", ANYONE, pages::incidents_page)
            .get("/incidents/new", WRITERS, pages::new_incident_page)
            .post("/incidents", WRITERS, pages::create_incident)
            .get("/incidents/{id}", ANYONE, pages::incident_page)
            .post("/incidents/{id}/stage", WRITERS, pages::stage)
            .post("/incidents/{id}/gravity", WRITERS, pages::gravity)
            .post("/incidents/{id}/notes", WRITERS, pages::note)
            .post("/incidents/{id}/plan", WRITERS, pages::plan)
            .post("/incidents/{id}/signals", WRITERS, pages::link)
            .post("/incidents/{id}/observables", WRITERS, pages::observable)
            .post("/incidents/{id}/evidence", WRITERS, pages::evidence_upload)
            .get("/incidents/{id}/stix", ANYONE, pages::stix)
            .get("/incidents/{id}/misp", ANYONE, pages::misp)
            .get("/evidence/{id}", ANYONE, pages::evidence_download)
            .post("/signals/{id}/incident", WRITERS, pages::from_signal)
            .get("/incidents/reporting", ANYONE, reports::settings_page)
            .post("/incidents/reporting/rules", DIC_ADMIN, reports::save_rules)
            .post("/incidents/reporting/contacts", DIC_ADMIN, reports::save_contact)
            .post("/incidents/reporting/contacts/{id}", DIC_ADMIN, reports::save_contact)
            .post("/incidents/reporting/templates/{kind}", DIC_ADMIN, reports::save_template)
            .get("/incidents/summary", ANYONE, reports::summary_page)
            .get("/incidents/mail", ANYONE, reports::mail_page)
            .get("/incidents/{id}/reports/{kind}", ANYONE, reports::report_page)
            .post("/incidents/{id}/reports/{kind}", WRITERS, reports::save_report)
            .get("/incidents/{id}/reports/{kind}/print", ANYONE, reports::print_report)
            .get("/incidents/{id}/reports/{kind}/pdf", ANYONE, reports::report_pdf)
            .post("/incidents/{id}/reports/{kind}/send", WRITERS, reports::send_report)
            .post("/incidents/{id}/support", WRITERS, reports::request_support)
            .post("/incidents/{id}/escalations", WRITERS, reports::escalate)
            .get("/plans", ANYONE, plans::plans_page)
            .get("/plans/{id}", ANYONE, plans::plan_page)
            .post("/plans/{id}/copy", WRITERS, plans::copy)
            .post("/plans/{id}", WRITERS, plans::save),
        nav: &[
            NavItem {
                group: NavGroup::Work,
                path: "/incidents",
                vi: "Sự cố",
                en: "Incidents",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Work,
                path: "/plans",
                vi: "Kế hoạch ứng phó",
                en: "Response plans",
                allow: ANYONE,
            },
        ],
    }
}
