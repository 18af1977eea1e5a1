//! Harmful-content pages: URLs, domains and social-media accounts reported, each blocked or
//! taken down and confirmed, with its history; the blocklists (plain and RPZ) and, for the DIC,
//! publication into the threat lists.

use super::api::operator_of;
use super::pages::tabs;
use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page};
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use canhgac_domain::spam::{HarmfulCategory, HarmfulKind, HarmfulState};
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_ops::spam as sp;
use maud::{html, Markup};
use std::collections::HashMap;

type F = Form<HashMap<String, String>>;

fn state_badge(l: Lang, s: &str) -> Markup {
    let st = HarmfulState::parse(s).unwrap_or(HarmfulState::Reported);
    let class = match st {
        HarmfulState::Reported => "badge sev-high",
        HarmfulState::Blocked | HarmfulState::Takedown => "badge sev-medium",
        _ => "badge sev-low",
    };
    html! { span class=(class) { (l.t(st.label_vi(), st.label_en())) } }
}

fn category(l: Lang, s: &str) -> &'static str {
    HarmfulCategory::parse(s).map(|c| l.t(c.label_vi(), c.label_en())).unwrap_or("—")
}

fn kind(l: Lang, s: &str) -> &'static str {
    HarmfulKind::parse(s).map(|c| l.t(c.label_vi(), c.label_en())).unwrap_or("—")
}

/// `GET /spam/harmful` (`state`).
pub async fn list(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    render(&st, &c, q.get("state").cloned().unwrap_or_default(), None).await
}

async fn render(st: &AppState, c: &Caller, state: String, flash: Option<Markup>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(c, e);
    let rows = st.store.harmful_items(&c.scope, Some(state.as_str()).filter(|s| !s.is_empty()), 500).await.map_err(err)?;
    let ops = st.store.telecom_orgs(&c.scope).await.map_err(err)?;
    let hosts = st.store.blocklist_hosts(&c.scope).await.map_err(err)?;
    let now = now_ms();
    let filters = [
        ("", l.t("Tất cả", "All")),
        ("active", l.t("Chờ xử lý", "Awaiting action")),
        ("reported", l.t("Mới tiếp nhận", "Reported")),
        ("blocked", l.t("Đã chặn", "Blocked")),
        ("takedown", l.t("Đã yêu cầu gỡ bỏ", "Takedown requested")),
        ("confirmed", l.t("Đã xác nhận", "Confirmed")),
        ("rejected", l.t("Không vi phạm", "Rejected")),
    ];
    let body = html! {
        h1 { (l.t("Nội dung độc hại: đường link, tên miền, tài khoản", "Harmful content: URLs, domains, accounts")) }
        (tabs(l, "/spam/harmful"))
        @if let Some(f) = flash { (f) }
        p.filters { @for (i, (s, word)) in filters.iter().enumerate() { @if i > 0 { " · " } @if *s == state { b { (word) } } @else { a href=(format!("/spam/harmful?state={s}")) { (word) } } } }
        p #blocklists { (l.t("Danh sách chặn (", "Blocklists (")) (hosts.len()) (l.t(" tên miền): ", " domains): "))
            a #blocklist-plain href="/spam/harmful/blocklist.txt" { (l.t("danh sách tên miền", "plain domains")) } " · "
            a #blocklist-rpz href="/spam/harmful/rpz.zone" { (l.t("vùng RPZ cho BIND/Unbound", "RPZ zone for BIND/Unbound")) } }
        @if c.role.is_dic() && c.role.can_write() {
            form.inline #harmful-publish method="post" action="/spam/harmful/publish" { (csrf(c))
                button.secondary type="submit" { (l.t("Đưa các mục đã chặn vào danh sách mối đe doạ (để truy vết)", "Publish what is blocked into the threat lists (for hunting)")) } }
        }
        table.records #harmful-items {
            thead { tr { th { (l.t("Giá trị", "Value")) } th { (l.t("Loại", "Kind")) } th { (l.t("Vi phạm", "Category")) } th { (l.t("Nhà mạng", "Operator")) } th { (l.t("Tiếp nhận", "Reported")) } th { (l.t("Hạn chặn/gỡ", "Act by")) } th { (l.t("Trạng thái", "State")) } } }
            tbody {
                @for h in &rows { tr {
                    td { a href=(format!("/spam/harmful/{}", h.id)) { code data-raw { (h.value) } } }
                    td { (kind(l, &h.kind)) }
                    td { (category(l, &h.category)) }
                    td { (h.org_code) }
                    td { (fmt_datetime(h.reported_at)) }
                    td { @if h.state == "reported" && h.due_at < now { span.overdue { (fmt_datetime(h.due_at)) } } @else { (fmt_datetime(h.due_at)) } }
                    td { (state_badge(l, &h.state)) }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { (l.t("Không có mục nào.", "Nothing here.")) } } }
            }
        }
        @if c.role.can_write() && !ops.is_empty() {
            h2 { (l.t("Báo nội dung độc hại", "Report harmful content")) }
            form.card #harmful-form method="post" action="/spam/harmful" { (csrf(c))
                div.grid2 {
                    div {
                        @if ops.len() > 1 || c.user.org_id.is_none_or(|o| !ops.iter().any(|x| x.0 == o)) {
                            label for="h-org" { (l.t("Nhà mạng", "Operator")) }
                            select #h-org name="org" { @for (_, code, name) in &ops { option value=(code) { (code) " — " (name) } } }
                        }
                        label for="h-kind" { (l.t("Loại", "Kind")) }
                        select #h-kind name="kind" { @for k in HarmfulKind::ALL { option value=(k.as_str()) { (l.t(k.label_vi(), k.label_en())) } } }
                        label for="h-value" { (l.t("Đường link, tên miền hoặc địa chỉ trang của tài khoản", "URL, domain or the account's page address")) }
                        input #h-value name="value" required placeholder="https://…";
                    }
                    div {
                        label for="h-cat" { (l.t("Vi phạm", "Category")) }
                        select #h-cat name="category" { @for k in HarmfulCategory::ALL { option value=(k.as_str()) { (l.t(k.label_vi(), k.label_en())) } } }
                        label for="h-source" { (l.t("Nguồn tin (phản ánh, văn bản của Bộ, khách hàng…)", "Source (a report, a Ministry letter, a customer…)")) }
                        input #h-source name="source";
                        label for="h-note" { (l.t("Ghi chú", "Note")) } input #h-note name="note";
                    }
                }
                button type="submit" { (l.t("Ghi nhận", "Record")) }
            }
        }
    };
    Ok(page(c, l.t("Nội dung độc hại", "Harmful content"), "/spam", body).into_response())
}

/// `POST /spam/harmful` (`org`, `kind`, `value`, `category`, `source`, `note`, `report_id`).
pub async fn add(State(st): State<AppState>, c: Caller, Form(f): F) -> UiResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let org = operator_of(&st, &c, Some(get("org")).filter(|s| !s.is_empty()).as_deref()).await.map_err(|e| error_page(&c, e.status, &e.message_vi, &e.message))?;
    let report = get("report_id").parse::<i64>().ok();
    if let Some(r) = report {
        st.store.spam_report(&c.scope, r).await.map_err(|e| store_error_page(&c, e))?.filter(|x| x.org_id == org).ok_or_else(|| not_found(&c))?;
    }
    let id = sp::add_harmful(&st.store, &c.scope, &c.actor(), org, &get("kind"), &get("value"), &get("category"), &get("source"), &get("note"), report, now_ms())
        .await
        .map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/spam/harmful/{id}")).into_response())
}

/// `GET /spam/harmful/{id}`.
pub async fn detail(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let h = st.store.harmful_item(&c.scope, id).await.map_err(err)?.ok_or_else(|| not_found(&c))?;
    let history = st.store.harmful_history(id).await.map_err(err)?;
    let st_now = HarmfulState::parse(&h.state).unwrap_or(HarmfulState::Reported);
    let body = html! {
        p.muted { a href="/spam/harmful" { (l.t("Nội dung độc hại", "Harmful content")) } }
        h1 { code data-raw { (h.value) } " " (state_badge(l, &h.state)) }
        table.kv {
            tr { th { (l.t("Loại", "Kind")) } td { (kind(l, &h.kind)) @if !h.platform.is_empty() { " · " span data-raw { (h.platform) } } } }
            tr { th { (l.t("Vi phạm", "Category")) } td { (category(l, &h.category)) } }
            tr { th { (l.t("Tên miền chặn", "Domain blocked")) } td { @if h.host.is_empty() { span.muted { (l.t("không chặn theo tên miền được (tài khoản): yêu cầu nền tảng gỡ bỏ", "cannot be blocked by name (an account): ask the platform for its takedown")) } } @else { code data-raw { (h.host) } } } }
            tr { th { (l.t("Nhà mạng", "Operator")) } td { a href=(format!("/orgs/{}", h.org_id)) { (h.org_code) } } }
            tr { th { (l.t("Nguồn tin", "Source")) } td { span data-raw { (h.source) } @if let Some(r) = h.report_id { " · " a href=(format!("/spam/reports/{r}")) { (l.t("phản ánh", "report")) " #" (r) } } } }
            tr { th { (l.t("Tiếp nhận", "Reported")) } td { (fmt_datetime(h.reported_at)) " · " (crate::ui::fmt::actor(l, &h.reported_by)) } }
            tr { th { (l.t("Hạn chặn/gỡ", "Act by")) } td { (fmt_datetime(h.due_at)) } }
            @if !h.note.is_empty() { tr { th { (l.t("Ghi chú", "Note")) } td { span data-raw { (h.note) } } } }
        }
        h2 { (l.t("Quá trình xử lý", "History")) }
        table.records #harmful-history {
            thead { tr { th { (l.t("Lúc", "When")) } th { (l.t("Trạng thái", "State")) } th { (l.t("Nội dung", "What was done")) } th { (l.t("Người thực hiện", "By")) } } }
            tbody { @for s in &history { tr { td { (fmt_datetime(s.at)) } td { (state_badge(l, &s.state)) } td { span data-raw { (s.note) } } td { (crate::ui::fmt::actor(l, &s.by_email)) } } } }
        }
        @if c.role.can_write() && !st_now.next().is_empty() {
            form.card #harmful-move method="post" action=(format!("/spam/harmful/{id}/state")) { (csrf(&c))
                label for="m-state" { (l.t("Chuyển sang", "Move to")) }
                select #m-state name="state" { @for n in st_now.next() { @if !(h.host.is_empty() && *n == HarmfulState::Blocked) { option value=(n.as_str()) { (l.t(n.label_vi(), n.label_en())) } } } }
                label for="m-note" { (l.t("Đã làm gì (số phiếu, cách kiểm tra…)", "What was done (ticket, how it was checked…)")) }
                input #m-note name="note" required;
                button type="submit" { (l.t("Cập nhật", "Update")) }
            }
        }
    };
    Ok(page(&c, l.t("Nội dung độc hại", "Harmful content"), "/spam", body).into_response())
}

/// `POST /spam/harmful/{id}/state` (`state`, `note`).
pub async fn transition(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): F) -> UiResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    sp::transition(&st.store, &c.scope, &c.actor(), id, &get("state"), &get("note")).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/spam/harmful/{id}")).into_response())
}

/// `GET /spam/harmful/blocklist.txt`.
pub async fn plain(State(st): State<AppState>, c: Caller) -> UiResult {
    let body = sp::plain(&st.store, &c.scope).await.map_err(|e| store_error_page(&c, e))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"blocklist.txt\"")], body).into_response())
}

/// `GET /spam/harmful/rpz.zone`.
pub async fn rpz(State(st): State<AppState>, c: Caller) -> UiResult {
    let body = sp::rpz(&st.store, &c.scope, now_ms()).await.map_err(|e| store_error_page(&c, e))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"rpz.canhgac.local.zone\"")], body).into_response())
}

/// `POST /spam/harmful/publish`.
pub async fn publish(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    match sp::publish(&st.store, &c.scope, &c.actor(), now_ms()).await {
        Ok((list, n)) => {
            let f = html! { div.flash.ok #harmful-published { (l.t("Đã đưa ", "Published ")) (n) (l.t(" mục vào danh sách mối đe doạ. ", " entries into the threat lists. ")) a href=(format!("/botnet/{list}")) { (l.t("Xem danh sách", "Open the list")) } } };
            render(&st, &c, String::new(), Some(f)).await
        }
        Err(canhgac_ops::botnet::ImportError::Invalid(vi, en)) => Err(error_page(&c, StatusCode::UNPROCESSABLE_ENTITY, &vi, &en)),
        Err(canhgac_ops::botnet::ImportError::Store(e)) => Err(store_error_page(&c, e)),
        Err(canhgac_ops::botnet::ImportError::Rejected(p)) => {
            let text: Vec<String> = p.iter().take(5).map(|x| x.message.clone()).collect();
            Err(error_page(&c, StatusCode::UNPROCESSABLE_ENTITY, "Không tạo được danh sách.", &text.join("; ")))
        }
    }
}
