//! Response plans: the province's templates and the organisations' own copies, each an ordered
//! list of steps with the role that does it and a time limit.

use super::pages::category_word;
use crate::auth::Caller;
use crate::ui::layout::{csrf, page};
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use canhgac_domain::incident::Category;
use canhgac_domain::time::fmt_datetime;
use canhgac_store::PlanStep;
use maud::html;

/// `GET /plans`.
pub async fn plans_page(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let plans = st.store.list_plans(&c.scope).await.map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Kế hoạch ứng phó", "Response plans")) }
        p.muted { (l.t("Mỗi kế hoạch là danh sách bước theo thứ tự, người làm và thời hạn. Kế hoạch mẫu của tỉnh do Sở TTTT quản lý; đơn vị sao chép để điều chỉnh cho mình. Khi bắt đầu kế hoạch trên một sự cố, mỗi bước thành một nhiệm vụ của đơn vị.",
            "Each plan is an ordered list of steps with who does each and a time limit. The province's templates are the DIC's; an organisation copies one to adapt it. Starting a plan on an incident makes each step a task of the organisation.")) }
        table.records #plans-table { thead { tr { th { (l.t("Kế hoạch", "Plan")) } th { (l.t("Loại sự cố", "Category")) } th { (l.t("Của", "Owner")) } th { (l.t("Cập nhật", "Updated")) } } }
            tbody { @for p in &plans { tr { td { a href=(format!("/plans/{}", p.id)) { (p.name) } } td { (category_word(l, &p.category)) }
                td { @match &p.org_code { Some(o) => (o), None => (l.t("Mẫu của tỉnh", "Province template")) } } td { (fmt_datetime(p.updated_at)) } } }
                @if plans.is_empty() { tr { td colspan="4" .muted { (l.t("Chưa có kế hoạch nào.", "No plans yet.")) } } } } }
    };
    Ok(page(&c, l.t("Kế hoạch ứng phó", "Response plans"), "/plans", body).into_response())
}

/// `GET /plans/{id}`: the steps; the owner edits them, anyone who may write copies a template.
pub async fn plan_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let (p, steps) = st.store.plan(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    let mine = match p.org_id { Some(o) => c.scope.contains(o), None => c.scope.ids().is_none() } && c.role.can_write();
    let text: String = steps.iter().map(|s| format!("{} | {} | {}\n", s.title, s.role, s.hours)).collect();
    let body = html! {
        p.muted { a href="/plans" { (l.t("Kế hoạch ứng phó", "Response plans")) } " › " (p.name) }
        h1 { (p.name) }
        p { (category_word(l, &p.category)) " · " @match &p.org_code { Some(o) => (o), None => (l.t("Mẫu của tỉnh", "Province template")) }
            @if let Some(b) = p.based_on { " · " a href=(format!("/plans/{b}")) { (l.t("sao chép từ kế hoạch mẫu", "copied from a template")) } } }
        @if !p.description.is_empty() { p { (p.description) } }
        table.records #plan-steps { thead { tr { th { "#" } th { (l.t("Bước", "Step")) } th { (l.t("Người làm", "Who")) } th { (l.t("Thời hạn (giờ từ lúc bắt đầu)", "Limit (hours from the start)")) } } }
            tbody { @for s in &steps { tr { td { (s.position) } td { (s.title) } td { (s.role) } td { (s.hours) } } } } }
        @if c.role.can_write() && c.user.org_id.is_some() && p.org_id.is_none() && c.scope.ids().is_some() {
            form method="post" action=(format!("/plans/{}/copy", p.id)) { (csrf(&c)) button #plan-copy type="submit" { (l.t("Sao chép cho đơn vị mình để điều chỉnh", "Copy for my organisation to adapt")) } }
        }
        @if mine {
            form.card #plan-edit method="post" action=(format!("/plans/{}", p.id)) { (csrf(&c))
                h2 { (l.t("Sửa kế hoạch", "Edit the plan")) }
                p { label for="name" { (l.t("Tên", "Name")) } input #name name="name" value=(p.name) required; }
                p { label for="category" { (l.t("Loại sự cố", "Category")) } select #category name="category" { @for k in Category::ALL { option value=(k.as_str()) selected[k.as_str() == p.category] { (l.t(k.label_vi(), k.label_en())) } } } }
                p { label for="description" { (l.t("Mô tả", "Description")) } input #description name="description" value=(p.description); }
                p { label for="steps" { (l.t("Các bước, mỗi dòng: việc cần làm | người làm | số giờ", "Steps, one per line: what to do | who | hours")) } textarea #steps name="steps" rows="10" { (text) } }
                button type="submit" { (l.t("Lưu", "Save")) }
            }
        }
    };
    Ok(page(&c, &p.name, "/plans", body).into_response())
}

/// `POST /plans/{id}/copy`: a copy for the caller's organisation.
pub async fn copy(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let Some(org) = c.user.org_id else { return Err(not_found(&c)) };
    let new = canhgac_ops::incidents::copy_plan(&st.store, &c.scope, &c.actor(), id, org).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/plans/{new}")).into_response())
}

/// `POST /plans/{id}` (`name`, `category`, `description`, `steps`: lines `what | who | hours`).
pub async fn save(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<std::collections::HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut steps = Vec::new();
    for (n, line) in get("steps").lines().filter(|x| !x.trim().is_empty()).enumerate() {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let hours = parts.get(2).and_then(|h| h.parse::<i64>().ok()).filter(|h| (1..=8760).contains(h));
        match (parts.first().filter(|t| !t.is_empty()), parts.get(1).filter(|r| !r.is_empty()), hours) {
            (Some(t), Some(r), Some(h)) => steps.push(PlanStep { position: n as i64 + 1, title: (*t).to_string(), role: (*r).to_string(), hours: h }),
            _ => return Err(error_page(&c, StatusCode::BAD_REQUEST,
                &format!("Dòng {}: cần “việc cần làm | người làm | số giờ (1–8760)”.", n + 1),
                &format!("Line {}: needs “what to do | who | hours (1–8760)”.", n + 1))),
        }
    }
    if steps.is_empty() || get("name").is_empty() {
        return Err(error_page(&c, StatusCode::BAD_REQUEST, "Kế hoạch cần tên và ít nhất một bước.", "A plan needs a name and at least one step."));
    }
    let cat = Category::parse(&get("category")).unwrap_or(Category::Other);
    let _ = l;
    st.store.save_plan(&c.scope, &c.actor(), Some(id), None, None, &get("name"), cat, &get("description"), &steps).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/plans/{id}")).into_response())
}
