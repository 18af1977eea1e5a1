//! Patching pages: advisories, an advisory, compliance, a host's inventory.

use crate::auth::{Caller, Lang};
use crate::ui::fmt::{date_text, severity_word};
use crate::ui::layout::{csrf, page, pager, severity};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use canhgac_domain::time::fmt_date;
use canhgac_ops::patching::{
    import_advisories, import_inventory, import_kev, import_manual, PatchError, PatchReport,
};
use canhgac_vuln::formats::ManualAdvisory;
use maud::{html, Markup};
use std::collections::HashMap;

pub(crate) async fn file_of(
    c: &Caller,
    mp: Multipart,
) -> Result<(Option<String>, Vec<u8>), axum::response::Response> {
    let up = crate::ui::read_upload(c, mp).await?;
    up.file("file")
        .map(|(n, b)| (n.map(str::to_string), b.to_vec()))
        .ok_or_else(|| {
            error_page(
                c,
                StatusCode::BAD_REQUEST,
                "Hãy chọn một tệp không rỗng.",
                "Choose a non-empty file.",
            )
        })
}

/// Where an advisory came from: the form, or the document format (OSV, CSAF, CVE…).
pub(crate) fn source_word(l: Lang, source: &str) -> String {
    match source {
        "manual" => l.t("Biểu mẫu", "Form").to_string(),
        other => other.to_uppercase(),
    }
}

pub(crate) fn report_flash(l: Lang, r: &PatchReport) -> Markup {
    html! { div.flash.ok #patch-ok {
    (r.advisories) " " (l.t("cảnh báo", "advisories")) "; " (r.matches) " " (l.t("gói phần mềm bị ảnh hưởng", "affected packages")) "; "
    (r.tasks_created) " " (l.t("nhiệm vụ vá mới", "new patch tasks")) "; " (r.tasks_closed) " " (l.t("nhiệm vụ đóng nhờ kiểm kê mới", "tasks closed by a fresh inventory")) "." } }
}

pub(crate) fn rejected(
    l: Lang,
    e: PatchError,
    c: &Caller,
) -> Result<Markup, axum::response::Response> {
    match e {
        PatchError::Rejected(errs) => Ok(
            html! { div.flash.bad #patch-errors { (l.t("Chưa nhập gì:", "Nothing imported:")) ul { @for e in &errs { li { code { (e.field) } ": " (e.message) } } } } },
        ),
        PatchError::Store(e) => Err(store_error_page(c, e)),
    }
}

pub(crate) fn forms(c: &Caller) -> Markup {
    let l = c.lang;
    let q = urlencoding::encode(&c.csrf).into_owned();
    html! {
        div.grid2 {
            form.card method="post" enctype="multipart/form-data" action=(format!("/advisories?_csrf={q}")) {
                h2 { (l.t("Nhập tài liệu cảnh báo", "Import advisory documents")) }
                p.muted { "OSV (JSON, zip), CSAF 2.0, CVE JSON 5" }
                input #adv-file type="file" name="file" required; " " button type="submit" { (l.t("Nhập", "Import")) }
            }
            form.card method="post" enctype="multipart/form-data" action=(format!("/advisories/kev?_csrf={q}")) {
                h2 { (l.t("Danh mục lỗ hổng bị khai thác (KEV)", "Known exploited (KEV)")) }
                p.muted { (l.t("Tệp", "CISA's")) " " code { "known_exploited_vulnerabilities.json" } " " (l.t("của CISA: đánh dấu và rút ngắn hạn xử lý.", ": marks advisories and brings deadlines forward.")) }
                input type="file" name="file" required; " " button type="submit" { (l.t("Nhập", "Import")) }
            }
        }
        form.card #manual-form method="post" action="/advisories/manual" {
            (csrf(c))
            h2 { (l.t("Nhập cảnh báo của Cục An toàn thông tin", "Enter a national warning")) }
            div.grid2 {
                div { label for="m-id" { (l.t("Số hiệu cảnh báo *", "Warning number *")) } input #m-id name="id" placeholder="AIS-2026-11-001" required; }
                div { label for="m-title" { (l.t("Tiêu đề", "Title")) } input #m-title name="title"; }
                div { label for="m-cves" { (l.t("Mã CVE", "CVE ids")) } input #m-cves name="cves" placeholder="CVE-2024-6387"; }
                div { label for="m-scheme" { (l.t("Kiểu phiên bản", "Version scheme")) } select #m-scheme name="scheme" { @for (v, t) in [("deb", "Debian/Ubuntu (deb)"), ("rpm", "RHEL (rpm)"), ("generic", "Windows / khác"), ("pypi", "Python (PyPI)"), ("npm", "Node.js (npm)")] { option value=(v) { (t) } } } }
                div { label for="m-distro" { (l.t("Bản phân phối (tuỳ chọn)", "Distribution (optional)")) } input #m-distro name="distro" placeholder="debian:12"; }
                div { label for="m-vendor" { (l.t("Hãng", "Vendor")) } input #m-vendor name="vendor"; }
                div { label for="m-product" { (l.t("Sản phẩm / gói *", "Product / package *")) } input #m-product name="product" required; }
                div { label for="m-from" { (l.t("Ảnh hưởng từ phiên bản", "Affected from version")) } input #m-from name="affected_from"; }
                div { label for="m-fixed" { (l.t("Phiên bản đã vá *", "Fixed version *")) } input #m-fixed name="fixed"; }
                div { label for="m-sev" { (l.t("Mức độ", "Severity")) } select #m-sev name="severity" { @for s in ["critical", "high", "medium", "low"] { option value=(s) { (severity_word(l, s)) } } } }
            }
            p { label for="m-rec" { (l.t("Khuyến nghị", "Recommended action")) } textarea #m-rec name="recommendation" {} }
            button type="submit" { (l.t("Lưu và đối chiếu", "Save and match")) }
        }
    }
}

/// `GET /advisories`.
pub async fn advisories_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    advisories_view(&st, &c, params, None, StatusCode::OK).await
}

pub(crate) async fn advisories_view(
    st: &AppState,
    c: &Caller,
    params: Vec<(String, String)>,
    flash: Option<Markup>,
    status: StatusCode,
) -> UiResult {
    let l = c.lang;
    let get = |k: &str| crate::ui::param(&params, k);
    let offset = get("offset").parse().unwrap_or(0i64).max(0);
    let (items, total) = st
        .store
        .list_advisories(&c.scope, Some(&get("q")), 50, offset)
        .await
        .map_err(|e| store_error_page(c, e))?;
    let body = html! {
        h1 { (l.t("Khuyến cáo lỗ hổng và bản vá", "Advisories and patches")) }
        @if let Some(f) = flash { (f) }
        form.filters method="get" action="/advisories" { div { label for="q" { (l.t("Tìm", "Search")) } input #q name="q" value=(get("q")) placeholder="CVE, RHSA, DSA…"; } div { button type="submit" { (l.t("Lọc", "Filter")) } } }
        table.records #advisories { thead { tr { th { (l.t("Mức độ", "Severity")) } th { (l.t("Khuyến cáo", "Advisory")) } th { "CVE" } th { (l.t("Hạn KEV", "KEV due")) } th { (l.t("Máy bị ảnh hưởng", "Affected hosts")) } th { (l.t("Nguồn", "Source")) } } }
            tbody { @for a in &items { tr {
                td { @if let Some(s) = &a.severity { (severity(l, s)) } }
                td { a href=(format!("/advisories/{}", a.id)) { (a.ext_id) } br; span.muted data-raw { (a.title) } }
                td { (a.cves.replace(',', ", ")) }
                td { @if let Some(d) = &a.kev_due { span.badge.sev-high { (date_text(d)) } } }
                td { (a.affected_hosts) } td { (source_word(l, &a.source)) } } }
                @if items.is_empty() { tr { td colspan="6" .muted { (l.t("Chưa có cảnh báo", "No advisories yet")) } } } } }
        (pager(l, "/advisories", &params, offset, 50, total))
        @if c.role.is_dic() { (forms(c)) }
    };
    Ok((
        status,
        page(c, l.t("Bản vá", "Patches"), "/advisories", body),
    )
        .into_response())
}

/// `POST /advisories` (multipart file).
pub async fn advisories_upload(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let (_, bytes) = file_of(&c, mp).await?;
    match import_advisories(&st.store, &c.actor(), &bytes).await {
        Ok(r) => {
            advisories_view(
                &st,
                &c,
                vec![],
                Some(report_flash(c.lang, &r)),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let f = rejected(c.lang, e, &c)?;
            advisories_view(&st, &c, vec![], Some(f), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /advisories/kev` (multipart file).
pub async fn kev_upload(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let (_, bytes) = file_of(&c, mp).await?;
    match import_kev(&st.store, &c.actor(), &bytes).await {
        Ok(n) => advisories_view(&st, &c, vec![], Some(html! { div.flash.ok { (n) " " (c.lang.t("mục KEV đã nhập.", "KEV entries imported.")) } }), StatusCode::OK).await,
        Err(e) => {
            let f = rejected(c.lang, e, &c)?;
            advisories_view(&st, &c, vec![], Some(f), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /advisories/manual`.
pub async fn manual_submit(
    State(st): State<AppState>,
    c: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    let m = ManualAdvisory {
        id: g("id"),
        title: g("title"),
        cves: g("cves"),
        scheme: canhgac_vuln::Scheme::parse(&g("scheme")),
        vendor: g("vendor"),
        product: g("product"),
        affected_from: g("affected_from"),
        fixed: g("fixed"),
        severity: g("severity"),
        recommendation: g("recommendation"),
        distro: g("distro"),
    };
    match import_manual(&st.store, &c.actor(), &m).await {
        Ok(r) => {
            advisories_view(
                &st,
                &c,
                vec![],
                Some(report_flash(c.lang, &r)),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let fl = rejected(c.lang, e, &c)?;
            advisories_view(&st, &c, vec![], Some(fl), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `GET /advisories/{id}`.
pub async fn advisory_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let a = st
        .store
        .advisory(&c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .ok_or_else(|| not_found(&c))?;
    let (matches, total) = st
        .store
        .matches(&c.scope, Some(id), None, 500, 0)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        p.muted { a href="/advisories" { (l.t("Khuyến cáo", "Advisories")) } " › " (a.ext_id) }
        h1 { (a.ext_id) " " @if let Some(s) = &a.severity { (severity(l, s)) } }
        div.card { dl.kv {
            dt { (l.t("Tiêu đề", "Title")) } dd data-raw { (a.title) }
            dt { "CVE" } dd { (a.cves.replace(',', ", ")) }
            dt { "CVSS" } dd { (a.cvss.map(|x| format!("{x:.1}")).unwrap_or_default()) }
            dt { (l.t("Hạn theo KEV", "KEV due date")) } dd { (a.kev_due.as_deref().map(date_text).unwrap_or_default()) }
            dt { (l.t("Khuyến nghị", "Recommended action")) } dd data-raw { (a.recommendation.clone().unwrap_or_default()) }
            dt { (l.t("Nhập lúc", "Imported")) } dd { (fmt_date(a.imported_at)) " · " (source_word(l, &a.source)) }
        } }
        h2 { (l.t("Máy phải vá", "Hosts to patch")) " (" (total) ")" }
        table.records #advisory-matches { thead { tr { th { (l.t("Đơn vị", "Org")) } th { (l.t("Máy", "Host")) } th { (l.t("Gói", "Package")) } th { (l.t("Đang cài", "Installed")) } th { (l.t("Bản vá", "Fixed in")) } th { (l.t("Nhiệm vụ", "Task")) } } }
            tbody { @for m in &matches { tr { td { (m.org_code) } td { a href=(format!("/hosts/{}", m.host_id)) { (m.hostname) } } td.mono data-raw { (m.package) } td { code { (m.version) } } td { code { (m.fixed.clone().unwrap_or_default()) } }
                td { @if let Some(w) = m.work_item_id { a href=(format!("/work/{w}")) { "#" (w) " " (m.work_state.as_deref().and_then(canhgac_domain::work::WorkState::parse).map(|s| l.t(s.label_vi(), s.label_en())).unwrap_or_default()) } } } } }
                @if matches.is_empty() { tr { td colspan="6" .muted { (l.t("Không có máy nào trong phạm vi của bạn bị ảnh hưởng", "No host in your scope is affected")) } } } } }
    };
    Ok(page(&c, &a.ext_id, "/advisories", body).into_response())
}

/// `GET /compliance`.
pub async fn compliance_page(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let rows = st
        .store
        .patch_compliance(&c.scope)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Tuân thủ cập nhật bản vá", "Patch compliance")) }
        p.muted { (l.t("Tỷ lệ máy không còn nhiệm vụ vá đang mở, theo đơn vị.", "Share of hosts with no open patch task, per organisation.")) }
        table.records #compliance { thead { tr { th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Số máy", "Hosts")) } th { (l.t("Máy còn phải vá", "Hosts to patch")) } th { (l.t("Nhiệm vụ mở", "Open tasks")) } th { (l.t("Quá hạn", "Overdue")) } th { (l.t("Tuân thủ", "Compliant")) } } }
            tbody { @for r in &rows {
                @let pct = if r.hosts > 0 { 100 * (r.hosts - r.hosts_to_patch) / r.hosts } else { 100 };
                tr { td { a href=(format!("/hosts?org={}", r.code)) { (r.code) } " " span.muted { (r.name) } } td { (r.hosts) } td { (r.hosts_to_patch) } td { (r.open_tasks) }
                    td { @if r.overdue_tasks > 0 { span.badge.sev-high { (r.overdue_tasks) } } @else { "0" } }
                    td.w30 { (crate::ui::layout::meter(pct, if pct >= 90 { "#1e7b34" } else if pct >= 70 { "#b26a00" } else { "#b3261e" })) " " (pct) "%" } } } } }
    };
    Ok(page(
        &c,
        l.t("Tuân thủ bản vá", "Patch compliance"),
        "/compliance",
        body,
    )
    .into_response())
}

/// `POST /hosts/{id}/inventory` (multipart file).
pub async fn inventory_upload(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    mp: Multipart,
) -> UiResult {
    let host = st
        .store
        .get(canhgac_domain::EntityKind::Host, &c.scope, id)
        .await
        .map_err(|e| store_error_page(&c, e))?
        .ok_or_else(|| not_found(&c))?;
    let (fname, bytes) = file_of(&c, mp).await?;
    let org = host["org_id"].as_i64().unwrap_or_default();
    let name = host["hostname"].as_str().unwrap_or_default().to_string();
    match import_inventory(
        &st.store,
        &c.actor(),
        id,
        org,
        &name,
        &bytes,
        fname.as_deref(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/hosts/{id}")).into_response()),
        Err(e) => {
            let f = rejected(c.lang, e, &c)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(
                    &c,
                    &name,
                    "/hosts",
                    html! { h1 { (name) } (f) p { a href=(format!("/hosts/{id}")) { "←" } } },
                ),
            )
                .into_response())
        }
    }
}

/// The host page's section: open advisories and a fresh-inventory upload.
pub async fn host_section(
    st: &AppState,
    c: &Caller,
    host_id: i64,
) -> Result<Markup, canhgac_store::StoreError> {
    let l = c.lang;
    let ((matches, total), history) = tokio::try_join!(
        st.store.matches(&c.scope, None, Some(host_id), 200, 0),
        st.store.inventory_history(&c.scope, host_id),
    )?;
    Ok(html! {
        h2 { (l.t("Lỗ hổng cần vá", "Advisories to patch")) " (" (total) ")" }
        table.records #host-advisories { thead { tr { th { (l.t("Khuyến cáo", "Advisory")) } th { (l.t("Gói", "Package")) } th { (l.t("Đang cài", "Installed")) } th { (l.t("Bản vá", "Fixed in")) } th { (l.t("Nhiệm vụ", "Task")) } } }
            tbody { @for m in &matches { tr { td { a href=(format!("/advisories/{}", m.advisory_id)) { (m.ext_id) } " " @if let Some(s) = &m.severity { (severity(l, s)) } } td.mono data-raw { (m.package) } td { code { (m.version) } } td { code { (m.fixed.clone().unwrap_or_default()) } }
                td { @if let Some(w) = m.work_item_id { a href=(format!("/work/{w}")) { "#" (w) } } } } }
                @if matches.is_empty() { tr { td colspan="5" .muted { (l.t("Không có cảnh báo nào ảnh hưởng máy này", "No advisory affects this host")) } } } } }
        @if c.role.can_write() {
            form.card method="post" enctype="multipart/form-data" action=(format!("/hosts/{host_id}/inventory?_csrf={}", urlencoding::encode(&c.csrf))) {
                label for="inv-file" { (l.t("Nộp bản kiểm kê phần mềm mới (CSV, /var/lib/dpkg/status, rpm -qa, danh sách chương trình Windows)", "Submit a fresh software inventory (CSV, /var/lib/dpkg/status, rpm -qa, Windows programs list)")) }
                input #inv-file type="file" name="file" required; " " button type="submit" { (l.t("Nộp", "Submit")) }
            }
        }
        @if !history.is_empty() {
            p.muted { (l.t("Lịch sử kiểm kê:", "Inventory history:")) @for snap in history.iter().take(10) { " · " (fmt_date(snap.taken_at)) " " span data-raw { (snap.source) } " (" (snap.package_count()) " " (l.t("gói", "packages")) ")" } }
        }
    })
}
