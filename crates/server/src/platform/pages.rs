//! The platform-alerts page: each alert with its target, organisation (or the DIC's queue) and
//! the signal it raised; the CSV of handling status per platform id; registering a sender.

use crate::auth::Caller;
use crate::ui::layout::{csrf, page, severity};
use crate::ui::{error_page, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Form;
use canhgac_domain::signal::SignalState;
use canhgac_domain::time::fmt_datetime;
use maud::html;
use std::collections::HashMap;

fn status_word(l: crate::auth::Lang, s: Option<&str>) -> String {
    s.and_then(SignalState::parse)
        .map_or_else(|| l.t("Chưa xử lý", "Not handled").to_string(), |x| l.t(x.label_vi(), x.label_en()).to_string())
}

/// `GET /platform-alerts` (`queue=1`: the DIC's unmatched queue).
pub async fn list_page(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let queue = q.get("queue").is_some_and(|v| v == "1");
    let rows = st.store.list_platform_alerts(&c.scope, queue, 500).await.map_err(|e| store_error_page(&c, e))?;
    let dic_admin = c.role.is_dic() && c.role.can_write();
    let body = html! {
        h1 { (l.t("Cảnh báo từ nền tảng quốc gia", "National-platform alerts")) }
        p.muted { (l.t("Cảnh báo do nền tảng điều phối xử lý sự cố quốc gia (IRLab) hoặc VNCERT/CC gửi tới, được chuyển cho đơn vị sở hữu địa chỉ, tên miền bị cảnh báo; cảnh báo chưa xác định được đơn vị chờ Sở TTTT phân công.",
            "Alerts the national incident-coordination platform (IRLab) or VNCERT/CC sends, routed to the organisation that owns the address or domain named; those that match no organisation wait for the DIC.")) }
        p { @if c.role.is_dic() { @if queue { a href="/platform-alerts" { (l.t("Tất cả", "All")) } } @else { a href="/platform-alerts?queue=1" { (l.t("Chờ phân công", "Waiting for the DIC")) } } " · " }
            (l.t("Tải trạng thái xử lý: ", "Download the handling status: ")) a href="/platform-alerts/export" { "CSV" } " · " a href="/platform-alerts/export?format=xlsx" { "XLSX" } " · " a href="/platform-alerts/export?format=json" { "JSON" } }
        table.records #platform-alerts { thead { tr { th { (l.t("Mã trên nền tảng", "Platform id")) } th { (l.t("Loại", "Type")) } th { (l.t("Đối tượng", "Target")) } th { (l.t("Mức độ", "Severity")) }
            th { (l.t("Đơn vị", "Org")) } th { (l.t("Nhận lúc", "Received")) } th { (l.t("Số lần", "Times")) } th { (l.t("Trạng thái", "Status")) } } }
            tbody { @for a in &rows { tr {
                td { code { (a.platform_id) } } td { span data-raw { (a.alert_type) } } td { code { (a.target) } } td { (severity(l, &a.severity)) }
                td { @match &a.org_code { Some(o) => (o), None => span.muted { (l.t("chờ phân công", "waiting")) } } }
                td { (fmt_datetime(a.received_at)) } td { (a.times) }
                td { @match a.signal_id { Some(s) => a href=(format!("/signals/{s}")) { (status_word(l, a.status.as_deref())) }, None => (status_word(l, None)) } }
            } }
            @if rows.is_empty() { tr { td colspan="8" .muted { (l.t("Chưa có cảnh báo nào.", "No alerts yet.")) } } } } }
        @if dic_admin {
            form.card #platform-upload method="post" enctype="multipart/form-data" action=(format!("/platform-alerts/upload?_csrf={}", urlencoding::encode(&c.csrf))) {
                h2 { (l.t("Nhập cảnh báo từ tệp xuất của nền tảng (CSV, XLSX) hoặc thư cảnh báo (.eml)", "Import alerts from a platform export (CSV, XLSX) or an alert e-mail (.eml)")) }
                p.muted { (l.t("Cột được nhận theo tên (tiếng Việt hoặc tiếng Anh); nếu tệp đặt tên khác, ghi tên cột tương ứng. Thư cảnh báo lưu dạng .eml: đọc các tệp CSV, XLSX, JSON đính kèm và các dòng “Mã cảnh báo: …”, “Đối tượng: …”, “Mức độ: …” trong nội dung thư. Tệp có dòng lỗi thì không nhập dòng nào.",
                    "Columns are found by name (Vietnamese or English); if the file names them otherwise, give the column's name. An alert e-mail saved as .eml: its CSV, XLSX or JSON attachments and the body's “Alert ID: …”, “Target: …”, “Severity: …” lines are read. A file with a bad row imports nothing.")) }
                p { label for="platform-file" { (l.t("Tệp", "File")) } input #platform-file type="file" name="file" required accept=".csv,.xlsx,.eml"; }
                div.grid2 { @for (field, defaults) in canhgac_ops::platform::COLUMNS {
                    p { label for=(format!("col-{field}")) { (column_word(l, field)) } input id=(format!("col-{field}")) name=(format!("col_{field}")) placeholder=(defaults[1]); }
                } }
                button type="submit" { (l.t("Nhập", "Import")) }
            }
            form.card #platform-source method="post" action="/platform-alerts/sources" { (csrf(&c))
                h2 { (l.t("Thêm nguồn gửi cảnh báo", "Register a sender")) }
                p.muted { (l.t("Nguồn gửi nhận một mã và một khoá ký; hai giá trị này chỉ hiện một lần.", "The sender gets a token and a signing key, shown this once.")) }
                p { label for="source-name" { (l.t("Tên nguồn", "Name")) } input #source-name name="name" required placeholder="IRLab VNCERT/CC"; }
                button type="submit" { (l.t("Tạo", "Create")) } }
        }
    };
    Ok(page(&c, l.t("Cảnh báo từ nền tảng quốc gia", "National-platform alerts"), "/platform-alerts", body).into_response())
}

fn column_word(l: crate::auth::Lang, field: &str) -> &'static str {
    match field {
        "id" => l.t("Cột mã cảnh báo", "Alert id column"),
        "time" => l.t("Cột thời gian", "Time column"),
        "type" => l.t("Cột loại cảnh báo", "Type column"),
        "target" => l.t("Cột đối tượng (IP, tên miền, URL)", "Target column (IP, domain, URL)"),
        "description" => l.t("Cột mô tả", "Description column"),
        "severity" => l.t("Cột mức độ", "Severity column"),
        _ => l.t("Cột khuyến nghị", "Recommendation column"),
    }
}

/// The sender that stands for the DIC's own uploads.
const UPLOAD_SOURCE: &str = "Tệp tải lên (Sở TTTT)";

/// `POST /platform-alerts/upload` (multipart `file`, optional `col_<field>` header names).
pub async fn upload(State(st): State<AppState>, c: Caller, mp: axum::extract::Multipart) -> UiResult {
    let l = c.lang;
    let up = crate::ui::read_upload(&c, mp).await?;
    let Some((name, bytes)) = up.file("file").filter(|(_, b)| !b.is_empty()) else {
        return Err(error_page(&c, axum::http::StatusCode::BAD_REQUEST, "Hãy chọn một tệp không rỗng.", "Choose a non-empty file."));
    };
    let name = name.unwrap_or("upload.csv").to_string();
    let mapping: Vec<(String, String)> = up
        .fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("col_").map(|f| (f.to_string(), v.clone())))
        .collect();
    let bad = |e: canhgac_ops::platform::PushError| {
        error_page(&c, axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Không nhập được tệp, chưa dòng nào được nhập. Chi tiết: {e}"),
            &format!("The file was not imported; no row was taken. {e}"))
    };
    // A saved e-mail (as VNCERT/CC or NCSC send alerts) or a CSV/XLSX export.
    let alerts = if name.to_lowercase().ends_with(".eml") {
        canhgac_ops::platform_mail::parse_mail(bytes, &name).map_err(bad)?
    } else {
        canhgac_ops::platform::parse_table(bytes, &name, &mapping).map_err(bad)?
    };
    let source = match st.store.platform_source_by_name(UPLOAD_SOURCE).await.map_err(|e| store_error_page(&c, e))? {
        Some(s) => s,
        None => {
            super::api::new_source(&st, &c, UPLOAD_SOURCE).await.map_err(|e| error_page(&c, e.status, &e.message_vi, &e.message))?;
            st.store.platform_source_by_name(UPLOAD_SOURCE).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| crate::ui::not_found(&c))?
        }
    };
    let dir = canhgac_ops::directory::Directory::load(&st.store).await.map_err(|e| store_error_page(&c, e))?;
    let r = canhgac_ops::platform::ingest(&st.store, &dir, &source, &alerts).await.map_err(bad)?;
    let body = html! {
        h1 { (l.t("Đã nhập cảnh báo", "Alerts imported")) }
        div.flash.good #platform-import { (r.new) " " (l.t("cảnh báo mới", "new")) ", " (r.updated) " " (l.t("cập nhật", "updated")) ", " (r.queued) " " (l.t("chờ phân công", "waiting for the DIC")) }
        p { a href="/platform-alerts" { "← " (l.t("Cảnh báo từ nền tảng quốc gia", "National-platform alerts")) } }
    };
    Ok(page(&c, l.t("Đã nhập cảnh báo", "Alerts imported"), "/platform-alerts", body).into_response())
}

/// `GET /platform-alerts/export`: platform id, target, organisation, status, signal, times.
pub async fn export_csv(State(st): State<AppState>, c: Caller, Query(q): Query<std::collections::HashMap<String, String>>) -> UiResult {
    let rows = st.store.list_platform_alerts(&c.scope, false, 5000).await.map_err(|e| store_error_page(&c, e))?;
    const HEAD: [&str; 8] = ["platform_id", "source", "target", "org", "status", "signal_id", "received_at", "updated_at"];
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|a| vec![
            a.platform_id.clone(), a.source.clone(), a.target.clone(), a.org_code.clone().unwrap_or_default(),
            a.status.clone().unwrap_or_else(|| "new".into()), a.signal_id.map(|s| s.to_string()).unwrap_or_default(),
            canhgac_domain::time::rfc3339(a.received_at), canhgac_domain::time::rfc3339(a.updated_at),
        ])
        .collect();
    let fail = |e: canhgac_sheets::SheetError| error_page(&c, axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Không tạo được tệp.", &e.to_string());
    let (ct, name, body): (&str, &str, Vec<u8>) = match q.get("format").map(String::as_str) {
        Some("xlsx") => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "platform-alerts-status.xlsx",
            canhgac_sheets::write_xlsx("status", &HEAD, &table).map_err(fail)?),
        Some("json") => {
            let items: Vec<serde_json::Value> = table.iter().map(|r| {
                serde_json::Value::Object(HEAD.iter().zip(r).map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone()))).collect())
            }).collect();
            ("application/json", "platform-alerts-status.json", serde_json::to_vec_pretty(&items).unwrap_or_default())
        }
        _ => ("text/csv; charset=utf-8", "platform-alerts-status.csv", canhgac_sheets::write_csv(&HEAD, &table).map_err(fail)?),
    };
    Ok(([(header::CONTENT_TYPE, ct.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], body).into_response())
}

/// `POST /platform-alerts/sources` (`name`): shows the new sender's token and key once.
pub async fn create_source(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let name = f.get("name").cloned().unwrap_or_default();
    let (token, secret) = super::api::new_source(&st, &c, &name).await.map_err(|e| error_page(&c, e.status, &e.message_vi, &e.message))?;
    let body = html! {
        h1 { (l.t("Đã tạo nguồn gửi cảnh báo", "Sender registered")) }
        div.flash.good { (l.t("Lưu hai giá trị sau ngay bây giờ: chúng không hiện lại.", "Keep these two values now: they are not shown again.")) }
        dl.kv { dt { "X-Platform-Token" } dd { code #source-token { (token) } } dt { (l.t("Khoá ký HMAC-SHA256", "HMAC-SHA256 key")) } dd { code #source-secret { (secret) } } }
        p { (l.t("Mỗi yêu cầu gửi tới", "Each request goes to")) " " code { "POST /api/v1/platform-alerts" } " " (l.t("với tiêu đề", "with the headers")) " " code { "X-Platform-Token" } ", " code { "X-Canhgac-Timestamp" } " " (l.t("(giây Unix) và", "(Unix seconds) and")) " " code { "X-Canhgac-Signature" } " " (l.t("= HMAC-SHA256(khoá, dấu thời gian + \".\" + nội dung), dạng hex.", "= hex HMAC-SHA256(key, timestamp + \".\" + body).")) }
        p { a href="/platform-alerts" { "← " (l.t("Cảnh báo từ nền tảng quốc gia", "National-platform alerts")) } }
    };
    Ok(page(&c, l.t("Đã tạo nguồn gửi cảnh báo", "Sender registered"), "/platform-alerts", body).into_response())
}
