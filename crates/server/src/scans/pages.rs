//! Scanner findings pages.

use crate::auth::Caller;
use crate::patching::pages::{file_of, rejected};
use crate::ui::layout::{page, severity};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use canhgac_ops::patching::PatchError;
use maud::{html, Markup};

/// `GET /findings`: scanner findings in scope, ranked.
pub async fn findings_page(
    State(st): State<AppState>,
    c: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> UiResult {
    findings_view(&st, &c, params, None, StatusCode::OK).await
}

pub(crate) async fn findings_view(
    st: &AppState,
    c: &Caller,
    params: Vec<(String, String)>,
    flash: Option<Markup>,
    status: StatusCode,
) -> UiResult {
    let l = c.lang;
    let state = params
        .iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "open".into());
    let rows = canhgac_ops::scans::ranked(&st.store, &c.scope, Some(&state))
        .await
        .map_err(|e| store_error_page(c, e))?;
    let body = html! {
        h1 { (l.t("Lỗ hổng phát hiện bởi công cụ rà quét", "Scanner findings")) }
        @if let Some(f) = flash { (f) }
        p.muted { (l.t("Xếp hạng theo điểm CVSS, bị khai thác thực tế (KEV), máy có địa chỉ Internet, máy nằm trong danh sách IP Botnet và cấp độ hệ thống.", "Ranked by CVSS, known exploitation (KEV), Internet exposure, Botnet listing and system level.")) }
        form.filters method="get" action="/findings" { div { label for="state" { (l.t("Trạng thái", "State")) } select #state name="state" {
            option value="open" selected[state == "open"] { (l.t("Chưa khắc phục", "Open")) } option value="fixed" selected[state == "fixed"] { (l.t("Đã khắc phục", "Fixed")) } } } div { button type="submit" { (l.t("Lọc", "Filter")) } } }
        table.records #findings { thead { tr { th { (l.t("Điểm", "Score")) } th { (l.t("Mức độ", "Severity")) } th { (l.t("Lỗ hổng", "Vulnerability")) } th { (l.t("Máy", "Host")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Dấu hiệu", "Flags")) } th { (l.t("Nhiệm vụ", "Task")) } } }
            tbody { @for (score, f) in &rows { tr {
                td { (format!("{score:.1}")) } td { (severity(l, &f.severity)) }
                td { span data-raw { (f.title) } br; span.muted { span data-raw { (f.vuln_key) } " · " (f.scanner) @if let Some(p) = &f.port { " · " (l.t("cổng", "port")) " " (p) } } }
                td { a href=(format!("/hosts/{}", f.host_id)) { (f.hostname) } } td { (f.org_code) }
                td { @if f.known_exploited == 1 { span.badge.sev-critical { "KEV" } " " } @if f.botnet_listed == 1 { span.badge.sev-high { "Botnet" } " " }
                     @if canhgac_domain::net::host_addresses(f.ips.as_deref().unwrap_or_default()).any(|ip| canhgac_ops::scans::is_public(&ip)) { span.badge.sev-medium { "Internet" } } }
                td { @if let Some(w) = f.work_item_id { a href=(format!("/work/{w}")) { "#" (w) } } } } }
                @if rows.is_empty() { tr { td colspan="7" .muted { (l.t("Không có phát hiện nào", "No findings")) } } } } }
        @if c.role.can_write() {
            form.card method="post" enctype="multipart/form-data" action=(format!("/findings?_csrf={}", urlencoding::encode(&c.csrf))) {
                h2 { (l.t("Nhập kết quả rà quét", "Import a scan report")) }
                p.muted { "Nessus (.nessus), OpenVAS/Greenbone XML, Nuclei JSONL, Trivy JSON" }
                input #scan-file type="file" name="file" required; " " button type="submit" { (l.t("Nhập", "Import")) }
            }
        }
    };
    Ok((
        status,
        page(c, l.t("Lỗ hổng", "Findings"), "/findings", body),
    )
        .into_response())
}

/// `POST /findings` (multipart file).
pub async fn findings_upload(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let l = c.lang;
    let (_, bytes) = file_of(&c, mp).await?;
    match canhgac_ops::scans::import_scan(&st.store, &c.scope, &c.actor(), &bytes).await {
        Ok(r) => {
            let flash = html! { div.flash.ok #scan-ok { (r.scanner) ": " (r.findings) " " (l.t("phát hiện", "findings")) "; " (r.new) " " (l.t("mới", "new")) ", " (r.reopened) " " (l.t("tái xuất hiện", "reopened")) ", " (r.fixed) " " (l.t("đã khắc phục", "fixed")) "."
            @if !r.unmapped.is_empty() { br; (l.t("Không thuộc danh mục máy của bạn (bỏ qua):", "Not in your registry (skipped):")) " " (r.unmapped.join(", ")) } } };
            findings_view(&st, &c, vec![], Some(flash), StatusCode::OK).await
        }
        Err(Ok(errs)) => {
            let flash = rejected(l, PatchError::Rejected(errs), &c)?;
            findings_view(
                &st,
                &c,
                vec![],
                Some(flash),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Err(e)) => Err(store_error_page(&c, e)),
    }
}
