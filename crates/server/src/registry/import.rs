//! Registry import pages: upload a CSV/XLSX file, templates.

use crate::auth::Caller;
use crate::ui::layout::page;
#[allow(unused_imports)]
use crate::ui::*;
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use canhgac_domain::entity::EntityKind;
use canhgac_ops::import::{file_columns, import_file, ImportOutcome, RowError};
use maud::{html, Markup};

pub(crate) fn import_form(c: &Caller, selected: Option<EntityKind>) -> Markup {
    let l = c.lang;
    html! {
        form #import-form.card method="post" enctype="multipart/form-data" action=(format!("/import?_csrf={}", urlencoding::encode(&c.csrf))) {
            div.grid2 {
                div { label for="entity" { (l.t("Loại dữ liệu", "Kind of records")) }
                    select #entity name="entity" { @for k in EntityKind::ALL { @if k != EntityKind::Org || c.role.can_manage_orgs() {
                        option value=(k.slug()) selected[Some(k) == selected] { (l.t(k.label_vi(), k.label_en())) } } } } }
                div { label for="file" { (l.t("Tệp CSV hoặc XLSX", "CSV or XLSX file")) } input #file type="file" name="file" accept=".csv,.xlsx,text/csv" required; }
            }
            div.actions { button #import-submit type="submit" { (l.t("Nhập dữ liệu", "Import")) } }
        }
    }
}

pub(crate) fn columns_help(c: &Caller) -> Markup {
    let l = c.lang;
    html! {
        div.card {
            h2 { (l.t("Các cột của tệp", "File columns")) }
            p.muted { (l.t("Dòng đầu tiên là tên cột. Đơn vị ghi theo mã (ví dụ STTTT), hệ thống theo tên, máy theo tên máy. Tệp được nhập toàn bộ hoặc không nhập gì: nếu có lỗi, không dòng nào được lưu.",
                "The first row names the columns. Organisations go by code (e.g. STTTT), systems by name, hosts by host name. A file is imported whole or not at all: if any row is wrong, nothing is stored.")) }
            table { thead { tr { th { (l.t("Loại", "Kind")) } th { (l.t("Cột (* bắt buộc)", "Columns (* required)")) } th {} } }
                tbody { @for k in EntityKind::ALL { tr { td { (l.t(k.label_vi(), k.label_en())) }
                    td { code { @for (i, f) in k.fields().iter().enumerate() { @if i > 0 { ", " } (f.file_name) @if f.required { "*" } } } }
                    td { a href=(format!("/import/template/{}", k.slug())) { (l.t("Tệp mẫu", "Template")) } } } } }
            }
        }
    }
}

/// `GET /import`.
pub async fn import_page(c: Caller) -> UiResult {
    let l = c.lang;
    let body = html! { h1 { (l.t("Nhập dữ liệu từ tệp", "Import from a file")) } (import_form(&c, None)) (columns_help(&c)) };
    Ok(page(&c, l.t("Nhập dữ liệu", "Import"), "/import", body).into_response())
}

/// `POST /import` (multipart: entity, file).
pub async fn import_upload(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let l = c.lang;
    let up = crate::ui::read_upload(&c, mp).await?;
    let Some(kind) = up
        .fields
        .get("entity")
        .and_then(|e| EntityKind::from_slug(e))
    else {
        return Err(error_page(
            &c,
            StatusCode::BAD_REQUEST,
            "Hãy chọn loại dữ liệu.",
            "Choose the kind of records.",
        ));
    };
    let Some((fname, bytes)) = up
        .file("file")
        .map(|(n, b)| (n.map(str::to_string), b.to_vec()))
    else {
        return Err(error_page(
            &c,
            StatusCode::BAD_REQUEST,
            "Hãy chọn một tệp không rỗng.",
            "Choose a non-empty file.",
        ));
    };
    let outcome = import_file(
        &st.store,
        &c.scope,
        &c.actor(),
        kind,
        &bytes,
        fname.as_deref(),
    )
    .await
    .map_err(|e| store_error_page(&c, e))?;
    let name = fname.unwrap_or_default();
    let (status, result) = match outcome {
        ImportOutcome::Imported(n) => {
            st.metrics
                .imports
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            (
                StatusCode::OK,
                html! { div.flash.ok #import-ok { (l.t("Đã nhập", "Imported")) " " (n) " " (l.t("bản ghi từ", "records from")) " " (name) "." " "
                a href=(format!("/{}", kind.slug())) { (l.t("Xem danh sách", "See the list")) } } },
            )
        }
        ImportOutcome::Rejected(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            rejected(c.lang, &name, &errors),
        ),
    };
    let body = html! { h1 { (l.t("Nhập dữ liệu từ tệp", "Import from a file")) } (result) (import_form(&c, Some(kind))) (columns_help(&c)) };
    Ok((
        status,
        page(&c, l.t("Nhập dữ liệu", "Import"), "/import", body),
    )
        .into_response())
}

pub(crate) fn rejected(l: crate::auth::Lang, name: &str, errors: &[RowError]) -> Markup {
    html! {
        div.flash.bad { (l.t("Chưa nhập dòng nào từ", "Nothing was imported from")) " " (name) ": " (errors.len()) " " (l.t("lỗi. Hãy sửa tệp và nhập lại.", "problem(s). Correct the file and import it again.")) }
        table #import-errors { thead { tr { th { (l.t("Dòng", "Row")) } th { (l.t("Cột", "Column")) } th { (l.t("Lỗi", "Problem")) } } }
            tbody { @for e in errors { tr { td { @if e.row > 0 { (e.row) } } td { (e.column) } td { (l.t(&e.message_vi, &e.message)) } } } } }
    }
}

/// `GET /import/template/{entity}`: a CSV with just the header row.
pub async fn template(c: Caller, Path(slug): Path<String>) -> UiResult {
    let kind = EntityKind::from_slug(&slug).ok_or_else(|| not_found(&c))?;
    let bytes = canhgac_sheets::write_csv(&file_columns(kind), &[]).map_err(|e| {
        error_page(
            &c,
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            &e.to_string(),
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"mau-{}.csv\"", kind.slug()),
            ),
        ],
        bytes,
    )
        .into_response())
}
