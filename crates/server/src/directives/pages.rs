//! Directive pages: the list with each directive's progress and the issuing form (the DIC),
//! a directive with its items, the caller's own tasks (acknowledge, report with evidence), the
//! compliance matrix and the contact points; the original file and the evidence as downloads.

use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page};
use crate::ui::{download, error_page, not_found, read_upload, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use canhgac_domain::directive::{Audience, Standing};
use canhgac_domain::time::{fmt_date, fmt_datetime, now_ms};
use canhgac_domain::work::WorkEvent;
use canhgac_ops::directives::{self as dir, DirectiveForm, Matrix};
use canhgac_store::{DirectiveRow, DirectiveTaskRow};
use maud::{html, Markup};

/// A standing as a badge.
pub(crate) fn standing(l: Lang, s: Standing) -> Markup {
    let class = match s {
        Standing::Done => "badge sev-low",
        Standing::NotApplicable => "badge sev-info",
        Standing::Acknowledged => "badge sev-medium",
        Standing::Late => "badge sev-critical",
        Standing::Pending => "badge",
    };
    html! { span class=(class) { (l.t(s.label_vi(), s.label_en())) } }
}

fn progress(l: Lang, d: &DirectiveRow) -> Markup {
    html! {
        (d.done) "/" (d.tasks) " " (l.t("đã hoàn thành", "done"))
        @if d.late > 0 { " · " span.badge.sev-critical { (d.late) " " (l.t("quá hạn", "late")) } }
    }
}

fn day(iso: &str) -> String {
    iso.parse::<chrono::NaiveDate>().map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|_| iso.to_string())
}

/// The last day an item is due (it is due at that day's 24:00).
fn due_day(due_at: i64) -> String {
    fmt_date(due_at - 1)
}

/// `GET /directives`.
pub async fn list(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let rows = st.store.directives(&c.scope).await.map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Văn bản chỉ đạo", "Directives")) }
        p.muted { (l.t("Mỗi văn bản được tách thành các nội dung giao cho từng nhóm đơn vị kèm thời hạn; mỗi đơn vị tiếp nhận, báo cáo kết quả kèm minh chứng; Sở TT&TT theo dõi bảng tổng hợp tình hình thực hiện.",
            "Each letter is split into items addressed to groups of organisations with due dates; each organisation acknowledges and reports with evidence; the DIC follows the compliance matrix.")) }
        table.records #directive-list {
            thead { tr { th { (l.t("Số, ký hiệu", "Number")) } th { (l.t("Ngày", "Date")) } th { (l.t("Trích yếu", "Title")) } th { (l.t("Nội dung", "Items")) } th { (l.t("Tiến độ", "Progress")) } th { (l.t("Hạn gần nhất", "Next due")) } } }
            tbody {
                @for d in &rows { tr {
                    td { a href=(format!("/directives/{}", d.id)) { span data-raw { (d.number) } } }
                    td { (day(&d.issued_on)) }
                    td { span data-raw { (d.title) } }
                    td { (d.items) }
                    td { (progress(l, d)) }
                    td { @if let Some(n) = d.next_due { (due_day(n)) } }
                } }
                @if rows.is_empty() { tr { td colspan="6" .muted { (l.t("Chưa có văn bản nào.", "No directive yet.")) } } }
            }
        }
        @if dir::may_issue(c.role) && c.user.org_id.is_some() {
            h2 { (l.t("Ban hành văn bản chỉ đạo", "Issue a directive")) }
            form.card #directive-form method="post" action=(format!("/directives?_csrf={}", urlencoding::encode(&c.csrf))) enctype="multipart/form-data" {
                div.grid2 {
                    div { label for="d-number" { (l.t("Số, ký hiệu", "Number")) } input #d-number name="number" required placeholder="737/STTTT-BCVTCNTT"; }
                    div { label for="d-date" { (l.t("Ngày ban hành (dd/mm/yyyy)", "Signed on (dd/mm/yyyy)")) } input #d-date name="issued_on" required; }
                    div { label for="d-issuer" { (l.t("Người ký", "Signed by")) } input #d-issuer name="issuer" required; }
                    div { label for="d-file" { (l.t("Tệp văn bản gốc", "The original file")) } input #d-file type="file" name="file"; }
                }
                p { label for="d-title" { (l.t("Trích yếu (V/v)", "Title (Re:)")) } input #d-title name="title" required size="80"; }
                p { label for="d-summary" { (l.t("Tóm tắt", "Summary")) } textarea #d-summary name="summary" rows="2" cols="80" {} }
                p { label for="d-items" { (l.t("Các nội dung, mỗi dòng một mục: số mục | nơi nhận | hạn dd/mm/yyyy | nội dung", "Items, one per line: number | audience | due dd/mm/yyyy | text")) }
                    textarea #d-items name="items" rows="8" cols="80" required {} }
                p.muted { (l.t("Nơi nhận: so-nganh (các sở, ban, ngành), huyen (UBND huyện, thành phố), vien-thong (doanh nghiệp viễn thông), tat-ca, hoặc mã đơn vị; cách nhau bởi dấu phẩy. Ví dụ: ",
                    "Audience: so-nganh (agencies), huyen (districts), vien-thong (telecoms), tat-ca (all), or organisation codes, separated by commas. Example: ")) code { "1a | so-nganh, huyen | 30/04/2027 | Củng cố nhân lực trực 24/7" } }
                button #directive-issue type="submit" { (l.t("Ban hành và giao việc", "Issue and assign")) }
            }
        }
    };
    Ok(page(&c, l.t("Văn bản chỉ đạo", "Directives"), "/directives", body).into_response())
}

/// `POST /directives` (multipart: the fields and `file`).
pub async fn issue(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let Some(org) = c.user.org_id else { return Err(not_found(&c)) };
    let up = read_upload(&c, mp).await?;
    let get = |k: &str| up.fields.get(k).cloned().unwrap_or_default();
    let form = DirectiveForm {
        number: get("number"),
        issued_on: get("issued_on"),
        issuer: get("issuer"),
        title: get("title"),
        summary: get("summary"),
        items: get("items"),
        file: up.file("file").map(|(n, b)| (n.unwrap_or("van-ban").to_string(), b.to_vec())),
    };
    let id = dir::issue(&st.store, &c.scope, &c.actor(), org, &form).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/directives/{id}")).into_response())
}

async fn load(st: &AppState, c: &Caller, id: i64) -> Result<DirectiveRow, axum::response::Response> {
    st.store.directive(&c.scope, id).await.map_err(|e| store_error_page(c, e))?.ok_or_else(|| not_found(c))
}

/// `GET /directives/{id}`.
pub async fn detail(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let d = load(&st, &c, id).await?;
    let err = |e| store_error_page(&c, e);
    let items = st.store.directive_items(&c.scope, id).await.map_err(err)?;
    let tasks = st.store.directive_tasks(&c.scope, id).await.map_err(err)?;
    let files = st.store.directive_files(&c.scope, id).await.map_err(err)?;
    let reminders = st.store.directive_reminders(&c.scope, id).await.map_err(err)?;
    let contacts = st.store.report_contacts(true).await.map_err(err)?;
    let now = now_ms();
    let m = Matrix::of(&tasks, now);
    let mine: Vec<&DirectiveTaskRow> = tasks.iter().filter(|t| Some(t.org_id) == c.user.org_id).collect();
    let item_of = |t: &DirectiveTaskRow| items.iter().find(|i| i.id == t.item_id);
    let body = html! {
        p.muted { a href="/directives" { (l.t("Văn bản chỉ đạo", "Directives")) } }
        h1 { (l.t("Văn bản số ", "Directive No. ")) span data-raw { (d.number) } }
        p { strong { span data-raw { (d.title) } } }
        dl.facts {
            dt { (l.t("Ngày ban hành", "Signed on")) } dd { (day(&d.issued_on)) }
            dt { (l.t("Người ký", "Signed by")) } dd { span data-raw { (d.issuer) } }
            @if !d.summary.is_empty() { dt { (l.t("Tóm tắt", "Summary")) } dd { span data-raw { (d.summary) } } }
            dt { (l.t("Văn bản gốc", "Original")) } dd { @match &d.file_name { Some(n) => { a #directive-file href=(format!("/directives/{}/file", d.id)) { span data-raw { (n) } } " (" ((d.file_size.unwrap_or(0) + 1023) / 1024) " KB)" }, None => span.muted { (l.t("không đính kèm", "not attached")) } } }
            dt { (l.t("Tiến độ", "Progress")) } dd #directive-progress { (progress(l, &d)) }
        }
        h2 { (l.t("Các nội dung", "Items")) }
        table.records #directive-items {
            thead { tr { th { (l.t("Mục", "Item")) } th { (l.t("Nội dung", "What it asks")) } th { (l.t("Nơi nhận", "Addressed to")) } th { (l.t("Hạn", "Due")) } th { (l.t("Hoàn thành", "Done")) } } }
            tbody { @for it in &items { tr {
                td { b { (it.code) } } td { span data-raw { (it.body) } }
                td { (Audience::parse(&it.audience).map(|a| a.label(l == Lang::Vi)).unwrap_or_default()) }
                td { (due_day(it.due_at)) }
                td { @let n = m.cells.keys().filter(|(_, i)| *i == it.id).count(); @if n == 0 { span.muted title=(l.t("Không giao cho đơn vị trong phạm vi của bạn", "Not addressed to an organisation in your scope")) { "—" } } @else {
                    (m.count(Some(it.id), Standing::Done) + m.count(Some(it.id), Standing::NotApplicable)) "/" (n)
                    @let late = m.count(Some(it.id), Standing::Late); @if late > 0 { " " span.badge.sev-critical { (late) " " (l.t("quá hạn", "late")) } } } }
            } } }
        }
        @if !mine.is_empty() {
            h2 #my-tasks { (l.t("Việc của đơn vị bạn", "Your organisation's items")) }
            @for t in &mine { @let s = Standing::of(&t.state, t.due_at, now); @if let Some(it) = item_of(t) {
                div.card id=(format!("task-{}", t.work_item_id)) {
                    p { b { (l.t("Mục ", "Item ")) (it.code) } " " (standing(l, s)) " · " (l.t("hạn ", "due ")) (due_day(it.due_at)) " · " a href=(format!("/work/{}", t.work_item_id)) { (l.t("công việc #", "task #")) (t.work_item_id) } }
                    p { span data-raw { (it.body) } }
                    @if let Some(n) = &t.note { p { (l.t("Báo cáo: ", "Report: ")) span data-raw { (n) } } }
                    @if let Some(e) = &t.evidence { @if !e.is_empty() { p { (l.t("Minh chứng: ", "Evidence: ")) span data-raw { (e) } } } }
                    @for f in files.iter().filter(|f| f.work_item_id == t.work_item_id) { p { a href=(format!("/directives/{}/evidence/{}", d.id, f.id)) { span data-raw { (f.file_name) } } " · " (fmt_datetime(f.uploaded_at)) } }
                    @if c.role.can_write() {
                        @if t.state == "open" {
                            form.inline method="post" action=(format!("/directives/{}/tasks/{}/ack", d.id, t.work_item_id)) { (csrf(&c)) button.ack type="submit" { (l.t("Tiếp nhận", "Acknowledge")) } }
                        }
                        @if t.state == "open" || t.state == "in_progress" {
                            form.report method="post" action=(format!("/directives/{}/tasks/{}/report?_csrf={}", d.id, t.work_item_id, urlencoding::encode(&c.csrf))) enctype="multipart/form-data" {
                                p { label { (l.t("Kết quả thực hiện", "What was done")) } textarea name="note" rows="2" cols="70" required {} }
                                p { label { (l.t("Minh chứng (số văn bản, đường dẫn, mô tả)", "Evidence (letter number, link, description)")) } input name="evidence" size="60"; }
                                p { label { (l.t("Tệp minh chứng", "Evidence file")) } input type="file" name="file"; }
                                button.report-done type="submit" { (l.t("Báo cáo đã hoàn thành", "Report done")) }
                            }
                        }
                    }
                }
            } }
        }
        h2 #matrix { (l.t("Tình hình thực hiện", "Compliance matrix")) " " a.button href=(format!("/directives/{}/xlsx", d.id)) { (l.t("Tải XLSX", "Download XLSX")) } }
        div.scroll { table.records #directive-matrix {
            thead { tr { th { (l.t("Đơn vị", "Organisation")) } @for it in &items { th title=(due_day(it.due_at)) { (it.code) } } } }
            tbody {
                @for (org, code, name) in &m.orgs { tr {
                    td { a href=(format!("/orgs/{org}")) title=(name) { (code) } }
                    @for it in &items { td { @match m.cells.get(&(*org, it.id)) {
                        Some((s, w)) => a href=(format!("/work/{w}")) { (standing(l, *s)) },
                        None => span.muted { "—" },
                    } } }
                } }
                @if m.orgs.is_empty() { tr { td .muted { (l.t("Không có đơn vị nhận trong phạm vi của bạn.", "No recipient in your scope.")) } } }
            }
        } }
        p.muted { (l.t("Đã gửi nhắc hạn: ", "Reminders sent: ")) (reminders.iter().filter(|r| r.1 == "due_soon").count()) " · "
            (l.t("nhắc quá hạn: ", "late notices: ")) (reminders.iter().filter(|r| r.1 == "overdue").count())
            (l.t(" (nhắc 2 ngày trước hạn và khi quá hạn, tới quản trị viên đơn vị)", " (two days before and when late, to the organisation's administrators)")) }
        @if !contacts.is_empty() {
            h2 { (l.t("Đầu mối hỗ trợ giám sát, ứng cứu sự cố", "Contact points for monitoring and incident-response support")) }
            ul #directive-contacts { @for ct in &contacts { li { span data-raw { (ct.name) } @if !ct.phone.is_empty() { " · " (l.t("điện thoại ", "phone ")) (ct.phone) } @if !ct.hotline.is_empty() { " · " (l.t("đường dây nóng ", "hotline ")) (ct.hotline) } @if !ct.email.is_empty() { " · " (ct.email) } } } }
        }
    };
    Ok(page(&c, l.t("Văn bản chỉ đạo", "Directive"), "/directives", body).into_response())
}

/// `GET /directives/{id}/file`.
pub async fn original(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let (name, bytes) = st.store.directive_file(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    Ok(download(&name, bytes))
}

/// `GET /directives/{id}/evidence/{file}`.
pub async fn evidence(State(st): State<AppState>, c: Caller, Path((id, file)): Path<(i64, i64)>) -> UiResult {
    load(&st, &c, id).await?;
    let (name, bytes) = st.store.directive_file_content(&c.scope, file).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    Ok(download(&name, bytes))
}

/// `GET /directives/{id}/xlsx`: the compliance matrix in the caller's scope.
pub async fn matrix_xlsx(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let d = load(&st, &c, id).await?;
    let items = st.store.directive_items(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?;
    let tasks = st.store.directive_tasks(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?;
    let bytes = dir::matrix_xlsx(&d, &items, &tasks, now_ms())
        .map_err(|e| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, &format!("Không tạo được tệp: {e}"), &format!("Could not write the file: {e}")))?;
    let name: String = format!("tinh-hinh-thuc-hien-{}.xlsx", d.number).chars().map(|ch| if ch.is_ascii_alphanumeric() || ".-_".contains(ch) { ch } else { '-' }).collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

async fn own_task(st: &AppState, c: &Caller, id: i64, task: i64) -> Result<DirectiveTaskRow, axum::response::Response> {
    match st.store.directive_task(&c.scope, task).await.map_err(|e| store_error_page(c, e))? {
        Some(t) if t.directive_id == id => Ok(t),
        _ => Err(not_found(c)),
    }
}

/// `POST /directives/{id}/tasks/{task}/ack`: the recipient acknowledges (the work item starts).
pub async fn ack(State(st): State<AppState>, c: Caller, Path((id, task)): Path<(i64, i64)>) -> UiResult {
    own_task(&st, &c, id, task).await?;
    st.store.apply_work_event(&c.scope, &c.actor(), task, &WorkEvent::Start, Some("Đã tiếp nhận văn bản"), None).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/directives/{id}#task-{task}")).into_response())
}

/// `POST /directives/{id}/tasks/{task}/report` (multipart: `note`, `evidence`, `file`): the
/// recipient reports the item done, with evidence; an unacknowledged item is acknowledged first.
pub async fn report(State(st): State<AppState>, c: Caller, Path((id, task)): Path<(i64, i64)>, mp: Multipart) -> UiResult {
    let t = own_task(&st, &c, id, task).await?;
    let up = read_upload(&c, mp).await?;
    let note = up.fields.get("note").cloned().unwrap_or_default();
    if note.trim().is_empty() {
        return Err(error_page(&c, StatusCode::UNPROCESSABLE_ENTITY, "Ghi kết quả thực hiện.", "Say what was done."));
    }
    let err = |e| store_error_page(&c, e);
    if let Some((name, bytes)) = up.file("file") {
        st.store.add_directive_evidence(&c.scope, &c.actor(), task, name.unwrap_or("minh-chung"), bytes).await.map_err(err)?;
    }
    if t.state == "open" {
        st.store.apply_work_event(&c.scope, &c.actor(), task, &WorkEvent::Start, Some("Đã tiếp nhận văn bản"), None).await.map_err(err)?;
    }
    let evidence = up.fields.get("evidence").map(String::as_str).filter(|e| !e.is_empty());
    st.store.apply_work_event(&c.scope, &c.actor(), task, &WorkEvent::ReportDone, Some(note.trim()), evidence).await.map_err(err)?;
    Ok(Redirect::to(&format!("/directives/{id}#task-{task}")).into_response())
}
