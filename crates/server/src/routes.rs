//! How a capability declares itself to the server: a [`Room`] holds its API routes, its pages
//! and its navigation entries, each route declared once with the roles allowed to call it.
//!
//! - **API routes** are handlers annotated with `#[utoipa::path(...)]`: method, path, summary,
//!   parameters, request and response bodies (JSON Schema) and — as the OpenAPI 3.1 security
//!   requirement `bearer` — the role names allowed (`[]`: any signed-in caller; no `security`:
//!   public). The room adds them with `utoipa_axum::routes!`, and from that one declaration come
//!   the axum router, the OpenAPI document and the [`RouteTable`] the role check and the
//!   tenant-isolation test walk.
//! - **Pages** are added to [`Pages`] with the roles allowed ([`ANYONE`], [`WRITERS`], [`DIC`],
//!   [`USER_ADMINS`] or [`PUBLIC`]), which gives the router and the same table.
//!
//! [`enforce`] is the one place a role is checked against a route: it answers 403 (JSON under
//! `/api/`, a page elsewhere) before the handler runs, and hands the authenticated [`Caller`]
//! on so the handler does not look the session up again.

use crate::auth::Caller;
use crate::AppState;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter};
use axum::Router;
use canhgac_domain::Role;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// The roles allowed on a route; `None` is public (no sign-in needed).
pub type Allow = Option<&'static [Role]>;

/// Public: the log-in form, language switch.
pub const PUBLIC: Allow = None;
/// Any signed-in caller.
pub const ANYONE: Allow = Some(&Role::ALL);
/// Roles that change records (everyone but the read-only viewer).
pub const WRITERS: Allow = Some(&[
    Role::DicAdmin,
    Role::DicOperator,
    Role::OrgAdmin,
    Role::OrgStaff,
    Role::TelecomStaff,
]);
/// The DIC's own staff (province-wide work: lists, advisories, the audit log).
pub const DIC: Allow = Some(&[Role::DicAdmin, Role::DicOperator]);
/// The DIC's administrators only (province-wide rules and settings).
pub const DIC_ADMIN: Allow = Some(&[Role::DicAdmin]);
/// Who manages user accounts.
pub const USER_ADMINS: Allow = Some(&[Role::DicAdmin, Role::OrgAdmin]);

/// The navigation's groups, by what the officer is doing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NavGroup {
    /// Watching: the overview, alerts, monitoring.
    Monitor,
    /// Looking into something: search, events, Botnet hunting.
    Investigate,
    /// Work that must be done and checked: tasks, patches, compliance, findings.
    Work,
    /// The registry: organisations, networks, systems, hosts, people.
    Catalogue,
    /// Accounts and the audit log.
    Admin,
}

impl NavGroup {
    /// Every group, in the navigation's order.
    pub const ALL: [NavGroup; 5] = [
        NavGroup::Monitor,
        NavGroup::Investigate,
        NavGroup::Work,
        NavGroup::Catalogue,
        NavGroup::Admin,
    ];

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            NavGroup::Monitor => "Giám sát",
            NavGroup::Investigate => "Điều tra",
            NavGroup::Work => "Công việc & tuân thủ",
            NavGroup::Catalogue => "Danh mục",
            NavGroup::Admin => "Quản trị",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            NavGroup::Monitor => "Monitoring",
            NavGroup::Investigate => "Investigation",
            NavGroup::Work => "Work & compliance",
            NavGroup::Catalogue => "Registry",
            NavGroup::Admin => "Administration",
        }
    }
}

/// A navigation entry of a room.
#[derive(Clone, Copy)]
pub struct NavItem {
    /// The group it is listed in.
    pub group: NavGroup,
    /// Where it leads.
    pub path: &'static str,
    /// Vietnamese label.
    pub vi: &'static str,
    /// English label.
    pub en: &'static str,
    /// Who sees it.
    pub allow: Allow,
}

/// A room's pages, each added once with the roles allowed.
pub struct Pages {
    router: Router<AppState>,
    table: Vec<RouteEntry>,
}

impl Default for Pages {
    fn default() -> Self {
        Pages {
            router: Router::new(),
            table: Vec::new(),
        }
    }
}

impl Pages {
    /// No pages yet.
    pub fn new() -> Pages {
        Pages::default()
    }

    fn add<H, T>(mut self, method: Method, path: &'static str, allow: Allow, h: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = if method == Method::POST {
            MethodFilter::POST
        } else {
            MethodFilter::GET
        };
        self.router = self.router.route(path, on(filter, h));
        self.table.push(RouteEntry {
            method,
            path: path.to_string(),
            allow,
            api: false,
        });
        self
    }

    /// A page shown on GET.
    pub fn get<H, T>(self, path: &'static str, allow: Allow, h: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, allow, h)
    }

    /// A form posted to `path`.
    pub fn post<H, T>(self, path: &'static str, allow: Allow, h: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, allow, h)
    }
}

/// A capability as the server sees it.
pub struct Room {
    /// Its API routes (under `/api/v1`), with their OpenAPI description.
    pub api: OpenApiRouter<AppState>,
    /// Its pages.
    pub pages: Pages,
    /// Its entries in the navigation, in order.
    pub nav: &'static [NavItem],
}

/// One route as declared: method, path (as routed, `{param}` placeholders), the roles allowed.
#[derive(Clone, Debug)]
pub struct RouteEntry {
    /// HTTP method.
    pub method: Method,
    /// Full path (API routes with their `/api/v1` prefix).
    pub path: String,
    /// Who may call it.
    pub allow: Allow,
    /// An API route (answers JSON) rather than a page.
    pub api: bool,
}

/// Every route of the server as declared, looked up by method and matched path.
#[derive(Default)]
pub struct RouteTable {
    entries: Vec<RouteEntry>,
    index: HashMap<(Method, String), usize>,
}

impl RouteTable {
    fn push(&mut self, e: RouteEntry) {
        self.index
            .insert((e.method.clone(), e.path.clone()), self.entries.len());
        self.entries.push(e);
    }

    /// Every route, in declaration order.
    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }

    /// The declaration of a routed request.
    pub fn find(&self, method: &Method, path: &str) -> Option<&RouteEntry> {
        // HEAD is served by the GET route.
        let m = if method == Method::HEAD {
            Method::GET
        } else {
            method.clone()
        };
        self.index
            .get(&(m, path.to_string()))
            .map(|&i| &self.entries[i])
    }
}

/// The roles named in an operation's `bearer` security requirement, as declared.
fn roles_of(op: &serde_json::Value) -> Result<Allow, String> {
    let Some(reqs) = op.get("security").and_then(|s| s.as_array()) else {
        return Ok(PUBLIC);
    };
    let mut names: Vec<&str> = Vec::new();
    let mut any = false;
    for r in reqs {
        let Some(scopes) = r.get("bearer").and_then(|s| s.as_array()) else {
            continue;
        };
        if scopes.is_empty() {
            any = true;
        }
        names.extend(scopes.iter().filter_map(|s| s.as_str()));
    }
    if any || names.is_empty() && !reqs.is_empty() {
        return Ok(ANYONE);
    }
    let mut roles: Vec<Role> = Vec::new();
    for n in names {
        let r = Role::parse(n).ok_or_else(|| format!("unknown role '{n}'"))?;
        if !roles.contains(&r) {
            roles.push(r);
        }
    }
    // The allowed sets are few; keep one static slice per distinct set.
    Ok(Some(intern(roles)))
}

fn intern(mut roles: Vec<Role>) -> &'static [Role] {
    use std::sync::Mutex;
    static SETS: Mutex<Vec<&'static [Role]>> = Mutex::new(Vec::new());
    roles.sort_by_key(|r| Role::ALL.iter().position(|x| x == r));
    let mut sets = SETS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = sets.iter().find(|s| **s == roles.as_slice()) {
        return s;
    }
    let s: &'static [Role] = Box::leak(roles.into_boxed_slice());
    sets.push(s);
    s
}

/// The rooms put together: the router (API nested under `/api/v1`), the OpenAPI document and
/// the route table. Panics at start-up on a route that names an unknown role — a programming
/// error that a test catches first.
pub fn assemble(
    rooms: Vec<Room>,
) -> (
    Router<AppState>,
    utoipa::openapi::OpenApi,
    Arc<RouteTable>,
    Vec<NavItem>,
) {
    let mut api = OpenApiRouter::new();
    let mut pages = Router::new();
    let mut table = RouteTable::default();
    let mut nav = Vec::new();
    for room in rooms {
        api = api.merge(room.api);
        pages = pages.merge(room.pages.router);
        for e in room.pages.table {
            table.push(e);
        }
        nav.extend(room.nav.iter().copied());
    }
    let (api_router, mut doc) = OpenApiRouter::new().nest("/api/v1", api).split_for_parts();
    crate::openapi::complete(&mut doc);
    let json = serde_json::to_value(&doc).unwrap_or_default();
    if let Some(paths) = json.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (m, op) in item {
                let Ok(method) = Method::from_bytes(m.to_uppercase().as_bytes()) else {
                    continue;
                };
                let allow = match roles_of(op) {
                    Ok(a) => a,
                    Err(e) => panic!("{m} {path}: {e}"),
                };
                table.push(RouteEntry {
                    method,
                    path: path.clone(),
                    allow,
                    api: true,
                });
            }
        }
    }
    let _ = NAV.set(nav.iter().map(|n| NavItem { ..*n }).collect());
    (pages.merge(api_router), doc, Arc::new(table), nav)
}

static NAV: std::sync::OnceLock<Vec<NavItem>> = std::sync::OnceLock::new();

/// The navigation of every room, in the order the rooms were registered.
pub fn nav() -> &'static [NavItem] {
    NAV.get().map(|v| v.as_slice()).unwrap_or(&[])
}

/// Checks the caller's role against the route's declaration before the handler runs.
pub async fn enforce(
    State((st, table)): State<(AppState, Arc<RouteTable>)>,
    req: Request,
    next: Next,
) -> Response {
    let Some(matched) = req.extensions().get::<MatchedPath>().cloned() else {
        return next.run(req).await;
    };
    let Some(entry) = table.find(req.method(), matched.as_str()) else {
        return next.run(req).await;
    };
    let Some(allowed) = entry.allow else {
        return next.run(req).await;
    };
    let api = entry.api;
    let (mut parts, body) = req.into_parts();
    let caller = match Caller::from_request_parts(&mut parts, &st).await {
        Ok(c) => c,
        Err(rej) => return rej.into_response(),
    };
    if !allowed.contains(&caller.role) {
        return forbidden(&caller, allowed, api);
    }
    parts.extensions.insert(caller);
    next.run(Request::from_parts(parts, body)).await
}

fn forbidden(c: &Caller, allowed: &[Role], api: bool) -> Response {
    let role = c.role;
    let (vi, en) = if role == Role::Viewer {
        (
            "Tài khoản chỉ có quyền xem".to_string(),
            "Your role is read-only".to_string(),
        )
    } else {
        denied_roles(role, allowed)
    };
    if api {
        crate::api::ApiError::new(StatusCode::FORBIDDEN, vi, en).into_response()
    } else {
        crate::ui::error_page(c, StatusCode::FORBIDDEN, &vi, &en)
    }
}

fn denied_roles(role: Role, allowed: &[Role]) -> (String, String) {
    let vi = format!(
        "Vai trò {} không được dùng chức năng này; cần một trong: {}",
        role.label_vi(),
        allowed
            .iter()
            .map(|r| r.label_vi())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let en = format!(
        "The role {} may not do this; it needs one of: {}",
        role.label_en(),
        allowed
            .iter()
            .map(|r| r.label_en())
            .collect::<Vec<_>>()
            .join(", ")
    );
    (vi, en)
}

/// Whether a caller sees a navigation entry.
pub fn shows(n: &NavItem, c: &Caller) -> bool {
    n.allow.is_none_or(|a| a.contains(&c.role))
}

/// The navigation group a page belongs to: its own entry's, else the entry whose path is the
/// longest prefix of it (`/hosts/7` → the hosts entry's group).
pub fn group_of(active: &str) -> Option<NavGroup> {
    nav()
        .iter()
        .filter(|n| {
            n.path == active
                || (n.path != "/"
                    && active.starts_with(n.path)
                    && active[n.path.len()..].starts_with('/'))
        })
        .max_by_key(|n| n.path.len())
        .map(|n| n.group)
        .or_else(|| (active == "/").then_some(NavGroup::Monitor))
}
