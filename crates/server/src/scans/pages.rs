//! Scanner findings pages.

use crate::auth::{Caller, Lang};
use crate::patching::pages::file_of;
use crate::ui::layout::{page, severity};
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use canhgac_ops::scans::ScanReportSummary;
use canhgac_vuln::formats::FormatError;
use canhgac_vuln::scanners::{sniff, Place, ScanFormat};
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
                p.muted { (READABLE.0) " " (l.t(READABLE.1, READABLE.2)) }
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

/// What the import reads, for the form and for refusals: (list, Vietnamese, English).
const READABLE: (&str, &str, &str) = (
    "Nessus (.nessus, CSV), OpenVAS/Greenbone (XML, CSV), Nuclei (JSONL, JSON), Trivy (JSON)",
    "— Trivy gồm cả báo cáo quét cụm Kubernetes.",
    "— Trivy including Kubernetes cluster reports.",
);

/// `POST /findings` (multipart file).
pub async fn findings_upload(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let l = c.lang;
    let (_, bytes) = file_of(&c, mp).await?;
    match canhgac_ops::scans::import_scan(&st.store, &c.scope, &c.actor(), &bytes).await {
        Ok(r) => {
            let flash = imported(l, &r);
            findings_view(&st, &c, vec![], Some(flash), StatusCode::OK).await
        }
        Err(Ok(errs)) => {
            let flash = refused(l, sniff(&bytes), &errs);
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

fn described(l: Lang, f: ScanFormat) -> &'static str {
    l.t(f.described_vi(), f.described())
}

/// What an import did: counts, the registered hosts it covered (and the tasks a clean
/// re-scan closed on each), entries left out, hosts not in the registry.
fn imported(l: Lang, r: &ScanReportSummary) -> Markup {
    let vi = l == Lang::Vi;
    let listed = r.skipped_entries.len();
    html! {
        div.flash.ok #scan-ok {
            (l.t("Đã nhập ", "Imported ")) (described(l, r.format)) ": " (r.findings) " " (l.t("phát hiện", "findings")) "; "
            (r.new) " " (l.t("mới", "new")) ", " (r.reopened) " " (l.t("tái xuất hiện", "reopened")) ", " (r.fixed) " " (l.t("đã khắc phục", "fixed")) "."
            @if r.skipped > 0 {
                div #scan-skipped {
                    (l.t("Bỏ qua ", "Left out ")) (r.skipped) (l.t(" mục của báo cáo:", " entries of the report:"))
                    ul { @for s in &r.skipped_entries { li {
                        @match &s.at { Place::Path(p) => code { (p) }, at => (at.text(vi)) }
                        @if let Some(id) = &s.id { " (" code { (id) } ")" } ": " (l.t(s.reason.label_vi(), s.reason.label_en()))
                    } }
                    @if r.skipped > listed { li { (l.t("… và ", "… and ")) (r.skipped - listed) (l.t(" mục khác", " more")) } } }
                }
            }
            @if !r.unmapped.is_empty() { div #scan-unmapped { (l.t("Không thuộc danh mục máy của bạn (bỏ qua):", "Not in your registry (skipped):")) " " span data-raw { (r.unmapped.join(", ")) } } }
        }
        div.card #scan-covered {
            h2 { (l.t("Máy trong danh mục được lần quét này bao phủ", "Registered hosts this scan covered")) }
            @if r.covered.is_empty() {
                p.muted { (l.t("Báo cáo không bao phủ máy nào trong danh mục của bạn: không nhiệm vụ nào được đóng.", "The report covered none of your registered hosts: no task was closed.")) }
            } @else {
                table.records { thead { tr { th { (l.t("Máy", "Host")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Lỗ hổng phát hiện", "Vulnerabilities found")) } th { (l.t("Không còn phát hiện", "No longer found")) } th { (l.t("Nhiệm vụ đã đóng", "Tasks closed")) } th { (l.t("Kết quả", "Outcome")) } } }
                    tbody { @for h in &r.covered { tr {
                        td { a href=(format!("/hosts/{}", h.host_id)) { (h.hostname) } } td { (h.org_code) }
                        td { (h.findings) } td { (h.fixed) } td { (h.tasks_closed) }
                        td { @if h.findings == 0 && h.tasks_closed > 0 { span.badge.sev-low { (l.t("Quét lại sạch: đã đóng ", "Clean re-scan: closed ")) (h.tasks_closed) (l.t(" nhiệm vụ", " tasks")) } }
                             @else if h.findings == 0 { (l.t("Sạch", "Clean")) }
                             @else if h.tasks_closed > 0 { (l.t("Còn lỗ hổng; đã đóng ", "Still vulnerable; closed ")) (h.tasks_closed) (l.t(" nhiệm vụ đã khắc phục", " fixed tasks")) }
                             @else { (l.t("Còn lỗ hổng", "Still vulnerable")) } }
                    } } }
                }
            }
        }
    }
}

/// A refused file: what it was taken for and what is wrong.
fn refused(l: Lang, format: ScanFormat, errs: &[FormatError]) -> Markup {
    html! {
        div.flash.bad #scan-errors {
            @match format {
                ScanFormat::TrivyLegacy => {
                    (l.t("Chưa nhập gì: báo cáo Trivy dạng mảng cũ (trước bản 0.20) không ghi tên máy hay ảnh được quét; hãy quét lại bằng Trivy bản mới với tuỳ chọn", "Nothing imported: a Trivy report in the pre-0.20 array format does not name the scanned machine or image; re-run with a current Trivy and")) " " code { "--format json" } "."
                }
                ScanFormat::OtherJson | ScanFormat::OtherXml | ScanFormat::OtherCsv | ScanFormat::Unknown => {
                    (l.t("Chưa nhập gì: tệp là ", "Nothing imported: the file is ")) (described(l, format)) (l.t(" nhưng không phải báo cáo rà quét đọc được. Đọc được: ", " but not a scanner report this reads. Read: ")) (READABLE.0) "."
                }
                _ => { (l.t("Chưa nhập gì: tệp được đọc như ", "Nothing imported: the file was read as ")) (described(l, format)) (l.t(" và có lỗi:", " and is wrong:")) }
            }
            ul { @for e in errs { li { @if !e.field.is_empty() { code { (e.field) } ": " } span data-raw { (e.message) } } } }
        }
    }
}
