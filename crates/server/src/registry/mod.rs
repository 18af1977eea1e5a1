//! The registry (M1): organisations, systems, hosts, networks, software, people, contacts; import and export.

pub(crate) mod api;
pub(crate) mod host;
pub(crate) mod import;
pub(crate) mod pages;

pub use api::export_response;
pub(crate) use pages::org_options;

use crate::routes::{NavGroup, NavItem, Pages, Room, ANYONE, WRITERS};
use crate::AppState;
use canhgac_domain::{EntityKind, Scope};
use canhgac_store::{ListQuery, Page, StoreError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The registry room: its API routes, pages and navigation.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::import))
            .routes(routes!(api::export))
            .routes(routes!(api::list_entity))
            .routes(routes!(api::create_entity))
            .routes(routes!(api::get_entity))
            .routes(routes!(api::update_entity))
            .routes(routes!(api::delete_entity)),
        pages: Pages::new()
            .get("/orgs", ANYONE, pages::orgs_page)
            .get("/import", WRITERS, import::import_page)
            .post("/import", WRITERS, import::import_upload)
            .get("/import/template/{entity}", ANYONE, import::template)
            .get("/{entity}", ANYONE, pages::list_page)
            .get("/{entity}/new", WRITERS, pages::new_page)
            .post("/{entity}/new", WRITERS, pages::create)
            .get("/{entity}/{id}", ANYONE, pages::detail_page)
            .get("/{entity}/{id}/edit", WRITERS, pages::edit_page)
            .post("/{entity}/{id}/edit", WRITERS, pages::update)
            .post("/{entity}/{id}/delete", WRITERS, pages::delete),
        nav: &[
            NavItem {
                group: NavGroup::Catalogue,
                path: "/orgs",
                vi: "Đơn vị",
                en: "Organisations",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Catalogue,
                path: "/networks",
                vi: "Mạng",
                en: "Networks",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Catalogue,
                path: "/systems",
                vi: "Hệ thống",
                en: "Systems",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Catalogue,
                path: "/hosts",
                vi: "Máy chủ, máy trạm",
                en: "Hosts",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Catalogue,
                path: "/software",
                vi: "Phần mềm",
                en: "Software",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Catalogue,
                path: "/people",
                vi: "Cán bộ",
                en: "People",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Catalogue,
                path: "/contacts",
                vi: "Đầu mối liên hệ",
                en: "Contacts",
                allow: ANYONE,
            },
            NavItem {
                group: NavGroup::Catalogue,
                path: "/import",
                vi: "Nhập dữ liệu",
                en: "Import",
                allow: WRITERS,
            },
        ],
    }
}

/// One page of a registry list and how many records match in all. The count reads every
/// matching record (100,000 hosts for the whole province), so it is kept a moment per scope
/// and query like the other summary figures; the page itself is always read fresh.
pub(crate) async fn list_page_of(
    st: &AppState,
    kind: EntityKind,
    scope: &Scope,
    q: &ListQuery,
) -> Result<Page, StoreError> {
    let items = st.store.list_items(kind, scope, q).await?;
    let unpaged = ListQuery {
        limit: None,
        offset: None,
        ..q.clone()
    };
    let total = *st
        .figures
        .get(
            "registry-count",
            scope,
            &format!("{}:{unpaged:?}", kind.slug()),
            || st.store.list_count(kind, scope, q),
        )
        .await?;
    Ok(Page { items, total })
}
