//! Registry pages: lists, records, forms, the organisation tree.

use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page, pager};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::entity::{EntityKind, Field, FieldError, FieldType, Record};
use canhgac_domain::time::fmt_datetime;
use canhgac_domain::Scope;
use canhgac_store::{ListQuery, StoreError};
use maud::{html, Markup};
use serde_json::Value;
use std::collections::HashMap;

pub(crate) fn kind_or_404(c: &Caller, slug: &str) -> Result<EntityKind, Response> {
    EntityKind::from_slug(slug).ok_or_else(|| not_found(c))
}

pub(crate) fn label(l: Lang, f: &Field) -> &'static str {
    match l {
        Lang::Vi => f.vi,
        Lang::En => f.en,
    }
}

pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Renders a field's value for reading: references by code or name, with links.
pub(crate) fn show_value(l: Lang, f: &Field, rec: &Record) -> Markup {
    let v = &rec[f.name];
    match f.ty {
        FieldType::OrgRef => {
            html! { a href=(format!("/orgs/{}", text(v))) title=(text(&rec["org_name"])) { (text(&rec["org_code"])) } }
        }
        FieldType::ParentRef if !v.is_null() => {
            html! { a href=(format!("/orgs/{}", text(v))) { (text(&rec["parent_code"])) } }
        }
        FieldType::SystemRef if !v.is_null() => {
            html! { a href=(format!("/systems/{}", text(v))) { (text(&rec["system_name"])) } }
        }
        FieldType::HostRef => {
            html! { a href=(format!("/hosts/{}", text(v))) { (text(&rec["host_name"])) } }
        }
        FieldType::Enum(choices) => {
            let s = text(v);
            let lab = choices
                .iter()
                .find(|c| c.value == s)
                .map(|c| l.t(c.vi, c.en).to_string())
                .unwrap_or(s);
            html! { (lab) }
        }
        _ => html! { (text(v)) },
    }
}

pub(crate) fn title_of(kind: EntityKind, rec: &Record) -> String {
    text(&rec[kind.title_field()])
}

/// `GET /{entity}`: the list with search, filters and paging.
pub async fn list_page(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let kind = kind_or_404(&c, &slug)?;
    list_of(&st, &c, kind, params).await
}

pub(crate) async fn list_of(
    st: &AppState,
    c: &Caller,
    kind: EntityKind,
    params: Vec<(String, String)>,
) -> UiResult {
    let l = c.lang;
    let get = |k: &str| crate::ui::param(&params, k);
    let codes = st
        .store
        .org_codes()
        .await
        .map_err(|e| store_error_page(c, e))?;
    let mut q = ListQuery {
        q: Some(get("q")).filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let org = get("org");
    if !org.is_empty() {
        q.org_id = Some(codes.get(&org.to_uppercase()).copied().unwrap_or(-1));
    }
    let filter_fields: Vec<&Field> = kind
        .fields()
        .iter()
        .filter(|f| {
            matches!(
                f.ty,
                FieldType::Enum(_)
                    | FieldType::Int { .. }
                    | FieldType::HostRef
                    | FieldType::SystemRef
            )
        })
        .collect();
    for f in &filter_fields {
        let v = get(f.name);
        if !v.is_empty() {
            q.filters.push((f.name.to_string(), v));
        }
    }
    let limit = get("limit")
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=500).contains(n))
        .unwrap_or(50);
    let offset = get("offset").parse::<i64>().unwrap_or(0).max(0);
    q.limit = Some(limit);
    q.offset = Some(offset);
    let result = super::list_page_of(st, kind, &c.scope, &q).await;
    let (page_data, problem) = match result {
        Ok(p) => (p, None),
        Err(StoreError::Invalid(errs)) => (
            canhgac_store::Page {
                items: vec![],
                total: 0,
            },
            Some(
                errs.iter()
                    .map(|e| l.t(&e.message_vi, &e.message).to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
        Err(e) => return Err(store_error_page(c, e)),
    };
    let orgs = org_options(st, &c.scope)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let listed: Vec<&Field> = kind.fields().iter().filter(|f| f.listed).collect();
    let export_q: String = params
        .iter()
        .filter(|(k, _)| k != "offset")
        .map(|(k, v)| format!("&{}={}", urlencoding::encode(k), urlencoding::encode(v)))
        .collect();
    let body = html! {
        h1 { (l.t(kind.label_vi(), kind.label_en())) }
        form.filters method="get" action=(format!("/{}", kind.slug())) {
            div { label for="q" { (l.t("Tìm kiếm", "Search")) } input #q type="search" name="q" value=(get("q")) placeholder=(l.t("tên, IP, hệ điều hành…", "name, IP, OS…")); }
            div { label for="org" { (l.t("Đơn vị", "Organisation")) }
                select #org name="org" { option value="" { (l.t("Tất cả", "All")) }
                    @for (code, name) in &orgs { option value=(code) selected[*code == org] { (code) " — " (name) } } } }
            @for f in &filter_fields {
                @if let FieldType::Enum(choices) = f.ty {
                    div { label for=(f.name) { (label(l, f)) }
                        select id=(f.name) name=(f.name) { option value="" { (l.t("Tất cả", "All")) }
                            @for ch in choices { option value=(ch.value) selected[get(f.name) == ch.value] { (l.t(ch.vi, ch.en)) } } } }
                } @else if let FieldType::Int { min, max } = f.ty {
                    div { label for=(f.name) { (label(l, f)) }
                        select id=(f.name) name=(f.name) { option value="" { (l.t("Tất cả", "All")) }
                            @for n in min..=max { option value=(n) selected[get(f.name) == n.to_string()] { (n) } } } }
                }
            }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        div.actions {
            @if c.role.can_write() && (kind != EntityKind::Org || c.role.can_manage_orgs()) {
                a.btn href=(format!("/{}/new", kind.slug())) { "+ " (l.t("Thêm mới", "New")) }
            }
            a.btn.light href=(format!("/api/v1/export/{}?format=xlsx{export_q}", kind.slug())) { (l.t("Xuất XLSX", "Export XLSX")) }
            a.btn.light href=(format!("/api/v1/export/{}?format=csv{export_q}", kind.slug())) { (l.t("Xuất CSV", "Export CSV")) }
        }
        @if let Some(p) = problem { div.flash.bad { (p) } }
        table.records {
            thead { tr { @for f in &listed { th { (label(l, f)) } } } }
            tbody {
                @for rec in &page_data.items {
                    tr {
                        @for f in &listed {
                            td {
                                @if f.name == kind.title_field() {
                                    a href=(format!("/{}/{}", kind.slug(), text(&rec["id"]))) { (title_of(kind, rec)) }
                                } @else { (show_value(l, f, rec)) }
                            }
                        }
                    }
                }
                @if page_data.items.is_empty() { tr { td colspan=(listed.len()) .muted { (l.t("Không có bản ghi nào", "No records")) } } }
            }
        }
        (pager(l, &format!("/{}", kind.slug()), &params, offset, limit, page_data.total))
    };
    Ok(page(
        c,
        l.t(kind.label_vi(), kind.label_en()),
        &format!("/{}", kind.slug()),
        body,
    )
    .into_response())
}

pub(crate) async fn org_options(
    st: &AppState,
    scope: &Scope,
) -> Result<Vec<(String, String)>, StoreError> {
    let page = st
        .store
        .list(
            EntityKind::Org,
            scope,
            &ListQuery {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await?;
    let mut v: Vec<(String, String)> = page
        .items
        .iter()
        .map(|r| (text(&r["code"]), text(&r["name"])))
        .collect();
    v.sort();
    Ok(v)
}

/// `GET /{entity}/{id}`: a record, with what hangs off it.
pub async fn detail_page(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> UiResult {
    let kind = kind_or_404(&c, &slug)?;
    let l = c.lang;
    let rec = st
        .store
        .get(kind, &c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .ok_or_else(|| not_found(&c))?;
    let related = related_sections(&st, &c, kind, id, &rec)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let title = title_of(kind, &rec);
    let body = html! {
        p.muted { a href=(format!("/{}", kind.slug())) { (l.t(kind.label_vi(), kind.label_en())) } " › " (title) }
        h1 { (title) }
        div.card {
            dl.kv {
                @for f in kind.fields() { dt { (label(l, f)) } dd { (show_value(l, f, &rec)) } }
                @if kind == EntityKind::Host && !rec["system_level"].is_null() {
                    dt { (l.t("Cấp độ hệ thống", "System security level")) } dd { (text(&rec["system_level"])) }
                }
                dt { (l.t("Cập nhật lúc", "Updated")) } dd { (fmt_datetime(rec["updated_at"].as_i64().unwrap_or_default())) }
            }
        }
        @if c.role.can_write() && (kind != EntityKind::Org || c.role.can_manage_orgs()) {
            div.actions {
                a.btn href=(format!("/{}/{}/edit", kind.slug(), id)) { (l.t("Sửa", "Edit")) }
                form method="post" action=(format!("/{}/{}/delete", kind.slug(), id)) data-confirm=(l.t("Xoá bản ghi này?", "Delete this record?")) {
                    (csrf(&c)) button.danger type="submit" { (l.t("Xoá", "Delete")) }
                }
                a.btn.light href=(format!("/audit?entity={}&entity_id={}", kind.slug(), id)) { (l.t("Lịch sử thay đổi", "Change history")) }
            }
        }
        (related)
    };
    Ok(page(&c, &title, &format!("/{}", kind.slug()), body).into_response())
}

pub(crate) async fn related_sections(
    st: &AppState,
    c: &Caller,
    kind: EntityKind,
    id: i64,
    rec: &Record,
) -> Result<Markup, StoreError> {
    let l = c.lang;
    let sub = |field: &str, limit: i64| ListQuery {
        filters: vec![(field.to_string(), id.to_string())],
        limit: Some(limit),
        ..Default::default()
    };
    let table = |k: EntityKind, items: &[Record], total: i64, more: String| {
        let listed: Vec<&Field> = k
            .fields()
            .iter()
            .filter(|f| f.listed && !matches!(f.ty, FieldType::OrgRef))
            .collect();
        html! {
            h2 { (l.t(k.label_vi(), k.label_en())) " (" (total) ")" }
            table.records {
                thead { tr { @for f in &listed { th { (label(l, f)) } } } }
                tbody { @for r in items { tr { @for f in &listed { td {
                    @if f.name == k.title_field() { a href=(format!("/{}/{}", k.slug(), text(&r["id"]))) { (title_of(k, r)) } }
                    @else { (show_value(l, f, r)) } } } } } }
            }
            @if total > items.len() as i64 { p { a href=(more) { (l.t("Xem tất cả", "See all")) " →" } } }
        }
    };
    Ok(match kind {
        EntityKind::Host => {
            let software_query = sub("host_id", 500);
            let (context, patches, sw) = tokio::try_join!(
                super::host::context(st, c, id, rec),
                crate::patching::host_section(st, c, id),
                st.store.list(EntityKind::Software, &c.scope, &software_query),
            )?;
            let software = table(
                EntityKind::Software,
                &sw.items,
                sw.total,
                format!("/software?host_id={id}"),
            );
            html! { (context) (patches) (software) }
        }
        EntityKind::System => {
            let hosts = st
                .store
                .list(EntityKind::Host, &c.scope, &sub("system_id", 100))
                .await?;
            table(
                EntityKind::Host,
                &hosts.items,
                hosts.total,
                format!("/hosts?system_id={id}"),
            )
        }
        EntityKind::Org => {
            let code = text(&rec["code"]);
            let mut out = Vec::new();
            let children = st
                .store
                .list(EntityKind::Org, &c.scope, &sub("parent_id", 100))
                .await?;
            if children.total > 0 {
                out.push(table(
                    EntityKind::Org,
                    &children.items,
                    children.total,
                    format!("/orgs?parent_id={id}"),
                ));
            }
            for k in [
                EntityKind::Network,
                EntityKind::System,
                EntityKind::Host,
                EntityKind::Person,
                EntityKind::Contact,
            ] {
                let page = st.store.list(k, &c.scope, &sub("org_id", 25)).await?;
                out.push(table(
                    k,
                    &page.items,
                    page.total,
                    format!("/{}?org={code}", k.slug()),
                ));
            }
            html! { @for m in out { (m) } }
        }
        _ => html! {},
    })
}

/// The records of `target` (systems or hosts) in scope that a reference field of `kind` can
/// point to; empty when `kind` has no such field.
pub(crate) async fn ref_targets(
    st: &AppState,
    scope: &Scope,
    kind: EntityKind,
    target: EntityKind,
) -> Result<Vec<Record>, StoreError> {
    let wanted = |t: FieldType| match target {
        EntityKind::System => matches!(t, FieldType::SystemRef),
        _ => matches!(t, FieldType::HostRef),
    };
    if !kind.fields().iter().any(|f| wanted(f.ty)) {
        return Ok(vec![]);
    }
    Ok(st
        .store
        .list(
            target,
            scope,
            &ListQuery {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await?
        .items)
}

/// Form values: the record being edited plus per-field errors.
pub(crate) async fn form_page(
    st: &AppState,
    c: &Caller,
    kind: EntityKind,
    id: Option<i64>,
    values: &Record,
    errors: &[FieldError],
    top_error: Option<String>,
) -> UiResult {
    let l = c.lang;
    let orgs = org_options(st, &c.scope)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let all_orgs = org_options(st, &Scope::All)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let codes = st
        .store
        .org_codes()
        .await
        .map_err(|e| store_error_page(c, e))?;
    let by_id: std::collections::HashMap<i64, String> =
        codes.iter().map(|(k, v)| (*v, k.clone())).collect();
    let systems = ref_targets(st, &c.scope, kind, EntityKind::System)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let hosts = ref_targets(st, &c.scope, kind, EntityKind::Host)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let action = match id {
        Some(id) => format!("/{}/{}/edit", kind.slug(), id),
        None => format!("/{}/new", kind.slug()),
    };
    let val = |name: &str| text(values.get(name).unwrap_or(&Value::Null));
    let err_of = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| l.t(&e.message_vi, &e.message).to_string())
    };
    let status = if errors.is_empty() && top_error.is_none() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = match id {
        Some(_) => format!(
            "{} — {}",
            l.t("Sửa", "Edit"),
            l.t(kind.label_vi(), kind.label_en())
        ),
        None => format!(
            "{} — {}",
            l.t("Thêm mới", "New"),
            l.t(kind.label_vi(), kind.label_en())
        ),
    };
    let body = html! {
        h1 { (title) }
        @if let Some(e) = top_error { div.flash.bad { (e) } }
        @if !errors.is_empty() { div.flash.bad { (l.t("Hãy sửa các ô được đánh dấu.", "Please correct the marked fields.")) } }
        form.card method="post" action=(action) {
            (csrf(c))
            div.grid2 {
                @for f in kind.fields() {
                    @let e = err_of(f.name);
                    div class=(if e.is_some() { "field err" } else { "field" }) {
                        label for=(f.name) { (label(l, f)) @if f.required { " *" } }
                        @match f.ty {
                            FieldType::LongText => { textarea id=(f.name) name=(f.name) { (val(f.name)) } }
                            FieldType::Enum(choices) => {
                                select id=(f.name) name=(f.name) { option value="" { "—" }
                                    @for ch in choices { option value=(ch.value) selected[val(f.name) == ch.value] { (l.t(ch.vi, ch.en)) } } }
                            }
                            FieldType::OrgRef | FieldType::ParentRef => {
                                @let list = if matches!(f.ty, FieldType::OrgRef) { &orgs } else { &all_orgs };
                                @let current = values.get(f.name).and_then(Value::as_i64).and_then(|i| by_id.get(&i).cloned())
                                    .or_else(|| values.get(f.name).and_then(Value::as_str).map(str::to_string)).unwrap_or_default();
                                select id=(f.name) name=(f.name) { option value="" { "—" }
                                    @for (code, name) in list { option value=(code) selected[*code == current] { (code) " — " (name) } } }
                            }
                            FieldType::SystemRef => {
                                select id=(f.name) name=(f.name) { option value="" { "—" }
                                    @for s in &systems { option value=(text(&s["id"])) selected[val(f.name) == text(&s["id"])] { (text(&s["org_code"])) " / " (text(&s["name"])) } } }
                            }
                            FieldType::HostRef => {
                                select id=(f.name) name=(f.name) { option value="" { "—" }
                                    @for h in &hosts { option value=(text(&h["id"])) selected[val(f.name) == text(&h["id"])] { (text(&h["org_code"])) " / " (text(&h["hostname"])) } } }
                            }
                            FieldType::Int { min, max } => { input id=(f.name) name=(f.name) type="number" min=(min) max=(max) value=(val(f.name)); }
                            FieldType::Email => { input id=(f.name) name=(f.name) type="email" value=(val(f.name)); }
                            _ => { input id=(f.name) name=(f.name) type="text" value=(val(f.name)); }
                        }
                        @if let Some(e) = e { div.errmsg { (e) } }
                    }
                }
            }
            div.actions { button type="submit" { (l.t("Lưu", "Save")) } a.btn.light href=(format!("/{}", kind.slug())) { (l.t("Huỷ", "Cancel")) } }
        }
    };
    Ok((status, page(c, &title, &format!("/{}", kind.slug()), body)).into_response())
}

/// Turns submitted form fields into a record: organisation codes become ids, empty
/// fields become null.
pub(crate) async fn record_from_form(
    st: &AppState,
    kind: EntityKind,
    form: &[(String, String)],
) -> Result<Record, StoreError> {
    let codes = st.store.org_codes().await?;
    let mut rec = Record::new();
    for f in kind.fields() {
        let v = form
            .iter()
            .find(|(k, _)| k == f.name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        let value = if v.is_empty() {
            Value::Null
        } else if matches!(f.ty, FieldType::OrgRef | FieldType::ParentRef) {
            match codes.get(&v.to_uppercase()) {
                Some(id) => Value::from(*id),
                None => Value::String(v),
            }
        } else {
            Value::String(v)
        };
        rec.insert(f.name.into(), value);
    }
    Ok(rec)
}

/// `GET /{entity}/new`.
pub async fn new_page(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    let kind = kind_or_404(&c, &slug)?;
    crate::ui::must_write(&c, kind)?;
    let mut values = record_from_form(&st, kind, &params)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    if let (Some(org), true) = (
        c.user.org_id,
        values.get("org_id").is_none_or(Value::is_null),
    ) {
        values.insert("org_id".into(), Value::from(org));
    }
    form_page(&st, &c, kind, None, &values, &[], None).await
}

/// `POST /{entity}/new`.
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> UiResult {
    let kind = kind_or_404(&c, &slug)?;
    crate::ui::must_write(&c, kind)?;
    let rec = record_from_form(&st, kind, &form)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    match st.store.create(kind, &c.scope, &c.actor(), &rec).await {
        Ok(created) => {
            Ok(Redirect::to(&format!("/{}/{}", kind.slug(), text(&created["id"]))).into_response())
        }
        Err(StoreError::Invalid(errs)) => form_page(&st, &c, kind, None, &rec, &errs, None).await,
        Err(StoreError::Conflict(m)) => form_page(&st, &c, kind, None, &rec, &[], Some(m)).await,
        Err(e) => Err(store_error_page(&c, e)),
    }
}

/// `GET /{entity}/{id}/edit`.
pub async fn edit_page(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> UiResult {
    let kind = kind_or_404(&c, &slug)?;
    crate::ui::must_write(&c, kind)?;
    let rec = st
        .store
        .get(kind, &c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .ok_or_else(|| not_found(&c))?;
    form_page(&st, &c, kind, Some(id), &rec, &[], None).await
}

/// `POST /{entity}/{id}/edit`.
pub async fn update(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> UiResult {
    let kind = kind_or_404(&c, &slug)?;
    crate::ui::must_write(&c, kind)?;
    let rec = record_from_form(&st, kind, &form)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    match st.store.update(kind, &c.scope, &c.actor(), id, &rec).await {
        Ok(_) => Ok(Redirect::to(&format!("/{}/{}", kind.slug(), id)).into_response()),
        Err(StoreError::Invalid(errs)) => {
            form_page(&st, &c, kind, Some(id), &rec, &errs, None).await
        }
        Err(StoreError::Conflict(m)) => {
            form_page(&st, &c, kind, Some(id), &rec, &[], Some(m)).await
        }
        Err(e) => Err(store_error_page(&c, e)),
    }
}

/// `POST /{entity}/{id}/delete`.
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> UiResult {
    let kind = kind_or_404(&c, &slug)?;
    crate::ui::must_write(&c, kind)?;
    match st.store.delete(kind, &c.scope, &c.actor(), id).await {
        Ok(()) => Ok(Redirect::to(&format!("/{}", kind.slug())).into_response()),
        Err(StoreError::NotFound) => Err(not_found(&c)),
        Err(e) => Err(store_error_page(&c, e)),
    }
}

/// `GET /orgs`: the organisation tree, or a filtered list when searching.
pub(crate) async fn orgs_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    if params.iter().any(|(k, v)| !v.is_empty() && k != "lang") {
        return list_of(&st, &c, EntityKind::Org, params).await;
    }
    let l = c.lang;
    let page_data = st
        .store
        .list(
            EntityKind::Org,
            &c.scope,
            &ListQuery {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let hosts = st
        .store
        .hosts_per_org(&c.scope)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let host_count: HashMap<String, i64> = hosts
        .into_iter()
        .map(|(code, _, s, w)| (code, s + w))
        .collect();
    let ids: std::collections::HashSet<i64> = page_data
        .items
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    let mut children: HashMap<Option<i64>, Vec<&serde_json::Map<String, Value>>> = HashMap::new();
    for r in &page_data.items {
        // A visible org whose parent is not visible is a root of the caller's tree.
        let parent = r["parent_id"].as_i64().filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(r);
    }
    // Siblings grouped as the dispatch addresses them: agencies, districts, operators.
    let kind_rank = |r: &serde_json::Map<String, Value>| {
        canhgac_domain::entity::ORG_KINDS
            .iter()
            .position(|k| Some(k.value) == r["kind"].as_str())
            .unwrap_or(99)
    };
    for list in children.values_mut() {
        list.sort_by(|a, b| {
            (kind_rank(a), a["code"].as_str()).cmp(&(kind_rank(b), b["code"].as_str()))
        });
    }
    fn render(
        l: Lang,
        parent: Option<i64>,
        children: &HashMap<Option<i64>, Vec<&serde_json::Map<String, Value>>>,
        counts: &HashMap<String, i64>,
        depth: usize,
    ) -> maud::Markup {
        let Some(list) = children.get(&parent) else {
            return html! {};
        };
        if depth > 16 {
            return html! {};
        }
        html! { ul { @for r in list {
            @let code = r["code"].as_str().unwrap_or_default();
            @let kind = canhgac_domain::entity::ORG_KINDS.iter().find(|k| Some(k.value) == r["kind"].as_str());
            li { a href=(format!("/orgs/{}", r["id"])) { b { (code) } " — " (r["name"].as_str().unwrap_or_default()) }
                " " span.badge { (kind.map(|k| l.t(k.vi, k.en)).unwrap_or_default()) }
                " " a.muted href=(format!("/hosts?org={code}")) { (counts.get(code).copied().unwrap_or(0)) " " (l.t("máy", "hosts")) }
                (render(l, r["id"].as_i64(), children, counts, depth + 1)) }
        } } }
    }
    let body = html! {
        h1 { (l.t("Đơn vị", "Organisations")) }
        form.filters method="get" action="/orgs" { div { label for="q" { (l.t("Tìm kiếm", "Search")) } input #q type="search" name="q"; } div { button type="submit" { (l.t("Tìm", "Search")) } } }
        div.actions {
            @if c.role.can_manage_orgs() { a.btn href="/orgs/new" { "+ " (l.t("Thêm đơn vị", "New organisation")) } }
            a.btn.light href="/api/v1/export/orgs?format=xlsx" { (l.t("Xuất XLSX", "Export XLSX")) }
            a.btn.light href="/api/v1/export/orgs?format=csv" { (l.t("Xuất CSV", "Export CSV")) }
        }
        div.card.tree { (render(l, None, &children, &host_count, 0)) }
    };
    Ok(page(&c, l.t("Đơn vị", "Organisations"), "/orgs", body).into_response())
}
