//! Incident reports and escalation pages: the deadlines block on the incident, the report
//! editor (Mẫu 03 / Mẫu 04, every save a version), its print view and PDF, sending it by e-mail
//! to the clause-3 contact points, the support request and manual escalations, the DIC's
//! settings (deadlines, contact points, templates), the six-monthly summary (Mẫu 05) and the
//! log of mail sent.

use super::pages::category_word;
use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page};
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::report::{DeadlineRules, DueState, HalfYear, ReportKind, Template};
use canhgac_domain::time::{fmt_date, fmt_datetime, now_ms};
use canhgac_ops::reports::{self as rep, Filled, SendError};
use canhgac_store::{IncidentRow, NewContact, NewEscalation};
use maud::{html, Markup};
use std::collections::{BTreeMap, HashMap};

fn kind_of(c: &Caller, s: &str) -> Result<ReportKind, Response> {
    match ReportKind::parse(s) {
        Some(k @ (ReportKind::Initial | ReportKind::Closing)) => Ok(k),
        _ => Err(not_found(c)),
    }
}

pub(crate) fn kind_word(l: Lang, k: ReportKind) -> String {
    format!("{} ({})", l.t(k.label_vi(), k.label_en()), k.form())
}

fn due_word(l: Lang, s: DueState) -> Markup {
    let class = match s {
        DueState::SentOnTime => "sev sev-low",
        DueState::Pending => "tag",
        DueState::SentLate => "sev sev-medium",
        DueState::Overdue => "sev sev-critical",
    };
    html! { span class=(class) { (l.t(s.label_vi(), s.label_en())) } }
}

/// "by the end of 05/12/2026": the deadline is the next day's 00:00.
fn due_text(l: Lang, at: i64) -> String {
    format!("{} {}", l.t("hết ngày", "end of"), fmt_date(at - 1))
}

fn channel_word(l: Lang, ch: &str) -> &'static str {
    match ch {
        "email" => l.t("Thư điện tử", "E-mail"),
        "phone" => l.t("Điện thoại", "Telephone"),
        "letter" => l.t("Công văn", "Official letter"),
        "platform" => l.t("Nền tảng điều phối", "Coordination platform"),
        "in_app" => l.t("Cảnh báo trên hệ thống", "In the platform"),
        _ => l.t("Khác", "Other"),
    }
}

fn reason_word(l: Lang, r: &str) -> &'static str {
    match r {
        "initial_overdue" => l.t("Quá hạn báo cáo ban đầu", "Initial report overdue"),
        "closing_overdue" => l.t("Quá hạn báo cáo kết thúc", "Closing report overdue"),
        "support_requested" => l.t("Đề nghị hỗ trợ", "Support requested"),
        _ => l.t("Chủ động báo cáo vượt cấp", "Escalated by hand"),
    }
}

const CHANNELS: [&str; 5] = ["email", "phone", "letter", "platform", "in_app"];

/// The incident page's block: each report's deadline and state, the support request, the
/// escalations and the form to record one.
pub(crate) async fn block(st: &AppState, c: &Caller, i: &IncidentRow) -> Result<Markup, Response> {
    let l = c.lang;
    let now = now_ms();
    let rules = st.store.report_rules().await.map_err(|e| store_error_page(c, e))?;
    let dls = rep::deadlines(&st.store, &c.scope, i, now).await.map_err(|e| store_error_page(c, e))?;
    let reports = st.store.incident_reports(&c.scope, i.id).await.map_err(|e| store_error_page(c, e))?;
    let escalations = st.store.escalations(&c.scope, i.id).await.map_err(|e| store_error_page(c, e))?;
    let write = c.role.can_write();
    Ok(html! {
        h2 #incident-reports { (l.t("Báo cáo sự cố và báo cáo vượt cấp", "Incident reports and escalation")) }
        table.records #report-deadlines { thead { tr { th { (l.t("Báo cáo", "Report")) } th { (l.t("Hạn", "Due")) } th { (l.t("Căn cứ", "Basis")) } th { (l.t("Tình trạng", "State")) } th { (l.t("Số, gửi", "Number, sent")) } } }
            tbody {
                @for d in &dls {
                    @let r = reports.iter().find(|r| r.kind == d.kind.as_str());
                    tr data-state=(format!("{:?}", d.state)) {
                        td { a href=(format!("/incidents/{}/reports/{}", i.id, d.kind.as_str())) { (kind_word(l, d.kind)) } }
                        td { (due_text(l, d.due.at)) }
                        td { @if l == Lang::Vi { (d.due.basis.label_vi(&rules.deadlines)) } @else { (d.due.basis.label_en(&rules.deadlines)) } }
                        td { (due_word(l, d.state)) }
                        td { @match r {
                            Some(r) => { (r.number) @if let Some(s) = r.sent_at { br; span.muted { (l.t("gửi ", "sent ")) (fmt_datetime(s)) " → " (r.sent_to) } } @else { br; span.muted { (l.t("bản nháp, phiên bản ", "draft, version ")) (r.version) } } }
                            None => span.muted { (l.t("chưa lập", "not drafted")) }
                        } }
                    }
                }
                @if !dls.iter().any(|d| d.kind == ReportKind::Closing) {
                    tr { td { (kind_word(l, ReportKind::Closing)) } td colspan="4" .muted { (l.t("Đến hạn sau khi khôi phục (kết thúc ứng phó).", "Due once the incident is recovered (response ended).")) } }
                }
            }
        }
        @match i.support_requested_at {
            Some(at) => p #support-requested { b { (l.t("Đã đề nghị hỗ trợ ứng cứu lúc ", "Support requested at ")) (fmt_datetime(at)) } " — " (l.t("báo cáo ban đầu phải gửi ngay.", "the initial report is due at once.")) },
            None => @if write && i.stage() != canhgac_domain::incident::Stage::Closed {
                form.inline #support-form method="post" action=(format!("/incidents/{}/support", i.id)) { (csrf(c))
                    label for="support-note" { (l.t("Vượt khả năng tự xử lý? ", "Beyond your own means? ")) }
                    input #support-note name="note" placeholder=(l.t("cần hỗ trợ gì", "what help is needed"));
                    button type="submit" { (l.t("Đề nghị hỗ trợ ứng cứu", "Request support")) }
                }
            }
        }
        h3 { (l.t("Báo cáo vượt cấp", "Escalations")) }
        table.records #escalations { thead { tr { th { (l.t("Thời gian", "When")) } th { (l.t("Người thực hiện", "By")) } th { (l.t("Lý do", "Why")) } th { (l.t("Tới", "To")) } th { (l.t("Cách thức", "How")) } th { (l.t("Ghi chú", "Note")) } } }
            tbody {
                @for e in &escalations { tr { td { (fmt_datetime(e.at)) } td { (actor_word(l, &e.actor)) } td { (reason_word(l, &e.reason)) } td { span data-raw { (e.to_whom) } } td { (channel_word(l, &e.channel)) } td { span data-raw { (e.note) } } } }
                @if escalations.is_empty() { tr { td colspan="6" .muted { (l.t("Chưa có.", "None yet.")) } } }
            }
        }
        @if write {
            details.card { summary { (l.t("Ghi nhận báo cáo vượt cấp (gọi điện, công văn…)", "Record an escalation (call, letter…)")) }
                form #escalation-form method="post" action=(format!("/incidents/{}/escalations", i.id)) { (csrf(c))
                    p { label for="esc-to" { (l.t("Tới (đơn vị, người nhận)", "To (unit, person)")) } input #esc-to name="to_whom" required list="esc-contacts"; }
                    datalist #esc-contacts { @for ct in st.store.report_contacts(true).await.unwrap_or_default() { option value=(ct.name) {} } }
                    p { label for="esc-channel" { (l.t("Cách thức", "How")) } select #esc-channel name="channel" { @for ch in CHANNELS { option value=(ch) { (channel_word(l, ch)) } } } }
                    p { label for="esc-note" { (l.t("Nội dung", "What was said")) } input #esc-note name="note"; }
                    button type="submit" { (l.t("Ghi nhận", "Record")) }
                }
            }
        }
    })
}

fn actor_word(l: Lang, a: &str) -> String {
    crate::ui::fmt::actor(l, a)
}

async fn load(st: &AppState, c: &Caller, id: i64) -> Result<IncidentRow, Response> {
    st.store
        .incident(&c.scope, id)
        .await
        .map_err(|e| store_error_page(c, e))?
        .ok_or_else(|| not_found(c))
}

async fn filled(st: &AppState, c: &Caller, i: &IncidentRow, kind: ReportKind) -> Result<(Filled, Option<canhgac_store::ReportRow>), Response> {
    rep::current(&st.store, &c.scope, i, kind, now_ms()).await.map_err(|e| store_error_page(c, e))
}

/// `GET /incidents/{id}/reports/{kind}`: the editor, versions and the send form.
pub async fn report_page(State(st): State<AppState>, c: Caller, Path((id, kind)): Path<(i64, String)>) -> UiResult {
    let l = c.lang;
    let kind = kind_of(&c, &kind)?;
    let i = load(&st, &c, id).await?;
    let (f, row) = filled(&st, &c, &i, kind).await?;
    let versions = match &row {
        Some(r) => st.store.report_versions(&c.scope, r.id).await.map_err(|e| store_error_page(&c, e))?,
        None => Vec::new(),
    };
    let contacts = st.store.report_contacts(true).await.map_err(|e| store_error_page(&c, e))?;
    let rules = st.store.report_rules().await.map_err(|e| store_error_page(&c, e))?;
    let write = c.role.can_write();
    let base = format!("/incidents/{}/reports/{}", i.id, kind.as_str());
    let body = html! {
        p.muted { a href="/incidents" { (l.t("Sự cố", "Incidents")) } " › " a href=(format!("/incidents/{}#incident-reports", i.id)) { "#" (i.id) " " span data-raw { (i.title) } } " › " (kind.form()) }
        h1 { (kind_word(l, kind)) }
        p {
            @match &row {
                Some(r) => { (l.t("Số ", "Number ")) b { (r.number) } " · " (l.t("phiên bản ", "version ")) (r.version) " · " (l.t("lập bởi ", "drafted by ")) (actor_word(l, &r.created_by))
                    @if let Some(s) = r.sent_at { " · " span.sev.sev-low #report-sent { (l.t("đã gửi ", "sent ")) (fmt_datetime(s)) " → " (r.sent_to) } } }
                None => span.muted #report-draft-new { (l.t("Chưa lưu: các mục đã được điền sẵn từ hồ sơ sự cố, hãy kiểm tra và lưu.", "Not saved yet: the fields are filled from the incident's record; check them and save.")) }
            }
        }
        p { a.button href=(format!("{base}/print")) target="_blank" { (l.t("Bản in (HTML)", "Print view (HTML)")) } " " a.button #report-pdf href=(format!("{base}/pdf")) { (l.t("Tải PDF", "Download PDF")) } }
        form.card #report-form method="post" action=(base.clone()) { (csrf(&c))
            p { label for="number" { (l.t("Số báo cáo", "Report number")) } input #number name="number" value=(f.number) required maxlength="60" disabled[!write]; }
            @for (n, (key, label)) in f.template.fields.iter().enumerate() {
                p { label for=(format!("f-{key}")) { (n + 1) ". " span data-raw { (label) } }
                    textarea id=(format!("f-{key}")) name=(format!("f_{key}")) rows=(rows_for(f.fields.get(key))) disabled[!write] { (f.fields.get(key).cloned().unwrap_or_default()) } }
            }
            @if write { button #report-save type="submit" { (l.t("Lưu phiên bản mới", "Save a new version")) } }
        }
        @if write && row.is_some() {
            form.card #report-send method="post" action=(format!("{base}/send")) { (csrf(&c))
                h2 { (l.t("Gửi báo cáo qua thư điện tử", "Send by e-mail")) }
                p.muted { (l.t("Tiêu đề: ", "Subject: ")) code { (rep::subject(&rules.subject_prefix, &f)) } " · " (l.t("kèm bản PDF", "PDF attached"))
                    @match &st.config.mailer { Some(m) => { " · " (m.describe()) } None => { " · " b { (l.t("chưa cấu hình máy chủ thư (mục [mail] trong tệp cấu hình)", "no mail server configured ([mail] in the configuration file)")) } } } }
                @for ct in &contacts { @if !ct.email.is_empty() {
                    p { label { input type="checkbox" name="contact" value=(ct.id); " " (ct.name) " — " code { (ct.email) } } }
                } }
                p { label for="extra" { (l.t("Địa chỉ khác (cách nhau bởi dấu phẩy)", "Other addresses (comma-separated)")) } input #extra name="extra"; }
                button #report-send-button type="submit" { (l.t("Gửi", "Send")) }
            }
        }
        h2 { (l.t("Các phiên bản", "Versions")) }
        table.records #report-versions { thead { tr { th { (l.t("Phiên bản", "Version")) } th { (l.t("Lưu lúc", "Saved")) } th { (l.t("Bởi", "By")) } th { (l.t("Số mục đã điền", "Fields filled")) } } }
            tbody { @for v in versions.iter().rev() { tr { td { (v.version) @if row.as_ref().and_then(|r| r.sent_version) == Some(v.version) { " " span.tag { (l.t("đã gửi", "sent")) } } } td { (fmt_datetime(v.saved_at)) } td { (actor_word(l, &v.saved_by)) } td { (v.fields.values().filter(|x| !x.trim().is_empty()).count()) } } }
                @if versions.is_empty() { tr { td colspan="4" .muted { (l.t("Chưa lưu phiên bản nào.", "No version saved yet.")) } } } } }
    };
    Ok(page(&c, &format!("{} — #{}", kind.form(), i.id), "/incidents", body).into_response())
}

fn rows_for(v: Option<&String>) -> usize {
    v.map_or(2, |v| (v.lines().count() + 1).clamp(2, 12))
}

/// `POST /incidents/{id}/reports/{kind}`: saves the fields as a new version.
pub async fn save_report(State(st): State<AppState>, c: Caller, Path((id, kind)): Path<(i64, String)>, Form(form): Form<Vec<(String, String)>>) -> UiResult {
    let l = c.lang;
    let kind = kind_of(&c, &kind)?;
    let i = load(&st, &c, id).await?;
    let (tpl, _) = st.store.report_template(kind).await.map_err(|e| store_error_page(&c, e))?;
    let mut number = String::new();
    let mut fields = BTreeMap::new();
    for (k, v) in form {
        if k == "number" {
            number = v;
        } else if let Some(key) = k.strip_prefix("f_") {
            if tpl.fields.iter().any(|(t, _)| t == key) {
                if v.len() > 20_000 {
                    return Err(error_page(&c, StatusCode::BAD_REQUEST, &format!("Mục {key} dài quá 20 000 ký tự."), &format!("Field {key} is longer than 20,000 characters.")));
                }
                fields.insert(key.to_string(), v.replace("\r\n", "\n"));
            }
        }
    }
    st.store.save_incident_report(&c.scope, &c.actor(), i.id, kind, &number, &fields, now_ms()).await.map_err(|e| store_error_page(&c, e))?;
    let _ = l;
    Ok(Redirect::to(&format!("/incidents/{}/reports/{}", i.id, kind.as_str())).into_response())
}

/// `GET /incidents/{id}/reports/{kind}/print`: the form on its own, A4, for the browser's print.
pub async fn print_report(State(st): State<AppState>, c: Caller, Path((id, kind)): Path<(i64, String)>) -> UiResult {
    let kind = kind_of(&c, &kind)?;
    let i = load(&st, &c, id).await?;
    let (f, _) = filled(&st, &c, &i, kind).await?;
    let body = html! {
        p.form-no { (kind.form()) }
        div.head { div { b { (f.org_name) } br; "Số: " (f.number) } div.motto { b { "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" } br; b { "Độc lập - Tự do - Hạnh phúc" } } }
        h1 { (f.template.title) }
        ol { @for (key, label) in &f.template.fields { li { b { (label) ":" } div.v { @let v = f.fields.get(key).map(String::as_str).unwrap_or("").trim(); @if v.is_empty() { "…………………………………………" } @else { (v) } } } } }
        p.sign { b { "NGƯỜI BÁO CÁO" } br; i { "(ký, ghi rõ họ tên; đóng dấu hoặc ký số)" } }
    };
    Ok(crate::ui::layout::print_page(&format!("{} số {}", f.template.title, f.number), body).into_response())
}

/// `GET /incidents/{id}/reports/{kind}/pdf`.
pub async fn report_pdf(State(st): State<AppState>, c: Caller, Path((id, kind)): Path<(i64, String)>) -> UiResult {
    let kind = kind_of(&c, &kind)?;
    let i = load(&st, &c, id).await?;
    let (f, _) = filled(&st, &c, &i, kind).await?;
    let bytes = rep::render_pdf(&f).map_err(|e| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, "Không tạo được tệp PDF.", &e))?;
    let short = if kind == ReportKind::Initial { "mau03" } else { "mau04" };
    Ok(crate::ui::pdf_response(&format!("{short}-su-co-{}-{}.pdf", i.id, f.number.replace('/', "-")), bytes))
}

/// `POST /incidents/{id}/reports/{kind}/send` (`contact` ids, `extra` addresses).
pub async fn send_report(State(st): State<AppState>, c: Caller, Path((id, kind)): Path<(i64, String)>, Form(form): Form<Vec<(String, String)>>) -> UiResult {
    let l = c.lang;
    let kind = kind_of(&c, &kind)?;
    let i = load(&st, &c, id).await?;
    let contacts = st.store.report_contacts(true).await.map_err(|e| store_error_page(&c, e))?;
    let mut to: Vec<String> = Vec::new();
    for (k, v) in &form {
        match k.as_str() {
            "contact" => {
                if let Some(ct) = v.parse::<i64>().ok().and_then(|id| contacts.iter().find(|x| x.id == id)) {
                    if !ct.email.is_empty() && !to.contains(&ct.email) {
                        to.push(ct.email.clone());
                    }
                }
            }
            "extra" => to.extend(v.split([',', ';', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(String::from)),
            _ => {}
        }
    }
    match rep::send(&st.store, st.config.mailer.as_deref(), &c.scope, &c.actor(), &i, kind, &to, now_ms()).await {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{}/reports/{}", i.id, kind.as_str())).into_response()),
        Err(SendError::Store(e)) => Err(store_error_page(&c, e)),
        Err(e) => {
            let vi = match &e {
                SendError::NoMailer => "Chưa cấu hình máy chủ thư (mục [mail] trong tệp cấu hình); báo cáo chưa được gửi.".to_string(),
                SendError::NoRecipients => "Hãy chọn ít nhất một nơi nhận có địa chỉ thư điện tử.".to_string(),
                SendError::BadAddress(a) => format!("Địa chỉ nhận không hợp lệ: {a}"),
                SendError::NotSaved => "Hãy lưu báo cáo trước khi gửi.".to_string(),
                SendError::Pdf(_) => "Không tạo được tệp PDF.".to_string(),
                SendError::Smtp(m) => format!("Máy chủ thư không nhận thư: {m}. Báo cáo chưa được gửi; lần thử đã được ghi lại."),
                SendError::Store(_) => String::new(),
            };
            let _ = l;
            Err(error_page(&c, StatusCode::BAD_REQUEST, &vi, &e.to_string()))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /incidents/{id}/support`: the owner asks for support; the initial report is due now.
pub async fn request_support(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<NoteForm>) -> UiResult {
    let i = load(&st, &c, id).await?;
    st.store.request_support(&c.scope, &c.actor(), i.id, now_ms(), &f.note).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/incidents/{}#incident-reports", i.id)).into_response())
}

#[derive(serde::Deserialize)]
pub struct EscalationForm {
    to_whom: String,
    channel: String,
    #[serde(default)]
    note: String,
}

/// `POST /incidents/{id}/escalations`: records an escalation made by hand.
pub async fn escalate(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<EscalationForm>) -> UiResult {
    let l = c.lang;
    let i = load(&st, &c, id).await?;
    if !CHANNELS.contains(&f.channel.as_str()) {
        return Err(error_page(&c, StatusCode::BAD_REQUEST, "Cách thức không hợp lệ.", "Unknown channel."));
    }
    let _ = l;
    let n = NewEscalation { at: now_ms(), reason: "manual".into(), to_whom: f.to_whom.chars().take(300).collect(), channel: f.channel, note: f.note.chars().take(2000).collect() };
    st.store.add_escalation(&c.scope, &c.actor(), i.id, &n).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/incidents/{}#incident-reports", i.id)).into_response())
}

/// `GET /incidents/reporting`: the deadlines, contact points and templates in force (the DIC
/// edits them; everyone reads them).
pub async fn settings_page(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let rules = st.store.report_rules().await.map_err(|e| store_error_page(&c, e))?;
    let contacts = st.store.report_contacts(false).await.map_err(|e| store_error_page(&c, e))?;
    let edit = c.role == canhgac_domain::access::Role::DicAdmin;
    let mut templates = Vec::new();
    for k in ReportKind::ALL {
        templates.push((k, st.store.report_template(k).await.map_err(|e| store_error_page(&c, e))?));
    }
    let d = rules.deadlines;
    let body = html! {
        h1 { (l.t("Quy định báo cáo sự cố", "Incident reporting rules")) }
        p.muted { (l.t("Thời hạn, đầu mối nhận báo cáo và mẫu biểu là dữ liệu: từ năm 2025 cơ quan và quy định có thay đổi, Sở TTTT cập nhật tại đây mà không cần sửa phần mềm. Giá trị ban đầu theo Thông tư 20/2017/TT-BTTTT, Quyết định 05/2017/QĐ-TTg và khoản 3 Công văn 737/STTTT-BCVTCNTT.",
            "Deadlines, contact points and forms are data: institutions and rules changed in 2025, and the DIC updates them here without a new release. Seeded from Circular 20/2017/TT-BTTTT, Decision 05/2017/QĐ-TTg and clause 3 of dispatch 737/STTTT-BCVTCNTT.")) }
        p { a href="/incidents/summary" { (l.t("Báo cáo tổng hợp 6 tháng (Mẫu 05)", "Six-monthly summary (Mẫu 05)")) } " · " a href="/incidents/mail" { (l.t("Thư đã gửi", "Mail sent")) } }
        h2 { (l.t("Thời hạn", "Deadlines")) }
        form.card #rules-form method="post" action="/incidents/reporting/rules" { (csrf(&c))
            p { label for="notice_days" { (l.t("Báo cáo ban đầu: số ngày kể từ khi phát hiện", "Initial report: days from detection")) } input #notice_days name="notice_days" type="number" min="0" max="60" value=(d.notice_days) disabled[!edit]; }
            p { label for="support_hours" { (l.t("Khi đề nghị hỗ trợ: báo cáo ban đầu trong số giờ", "When support is requested: initial report within hours")) } input #support_hours name="support_hours" type="number" min="0" max="72" value=(d.support_hours) disabled[!edit]; }
            p { label for="closing_days" { (l.t("Báo cáo kết thúc: số ngày sau khi kết thúc ứng phó", "Closing report: days after the response ended")) } input #closing_days name="closing_days" type="number" min="0" max="60" value=(d.closing_days) disabled[!edit]; }
            p { label for="subject_prefix" { (l.t("Tiền tố tiêu đề thư", "Subject prefix")) } input #subject_prefix name="subject_prefix" value=(rules.subject_prefix) maxlength="40" disabled[!edit]; }
            p.muted { (l.t("Hạn tính theo ngày lịch, giờ Việt Nam: kết thúc lúc 24 giờ của ngày cuối cùng.", "Days are calendar days in Viet Nam time, ending at 24:00 of the last day."))
                @if let (Some(at), Some(by)) = (rules.updated_at, &rules.updated_by) { " " (l.t("Cập nhật ", "Updated ")) (fmt_datetime(at)) " — " (by) } }
            @if edit { button type="submit" { (l.t("Lưu", "Save")) } }
        }
        h2 { (l.t("Đầu mối nhận báo cáo, hỗ trợ", "Contact points")) }
        table.records #report-contacts { thead { tr { th { (l.t("Đơn vị", "Unit")) } th { (l.t("Thư điện tử", "E-mail")) } th { (l.t("Điện thoại", "Telephone")) } th { (l.t("Đường dây nóng", "Hotline")) } th { (l.t("Ghi chú", "Note")) } th { (l.t("Dùng", "In use")) } } }
            tbody { @for ct in &contacts { tr { td { (ct.name) } td { code { (ct.email) } } td { (ct.phone) } td { (ct.hotline) } td { (ct.note) } td { @if ct.active == 1 { (l.t("Có", "Yes")) } @else { (l.t("Không", "No")) } } } } } }
        @if edit {
            @for ct in &contacts { details { summary { (l.t("Sửa: ", "Edit: ")) (ct.name) } (contact_form(&c, Some(ct.id), &NewContact { name: ct.name.clone(), email: ct.email.clone(), phone: ct.phone.clone(), hotline: ct.hotline.clone(), note: ct.note.clone(), position: ct.position, active: ct.active == 1 })) } }
            details { summary { (l.t("Thêm đầu mối", "Add a contact point")) } (contact_form(&c, None, &NewContact { active: true, position: contacts.len() as i64 + 1, ..Default::default() })) }
        }
        h2 { (l.t("Mẫu biểu", "Forms")) }
        p.muted { (l.t("Mỗi dòng một mục: mã | tên mục. Các mã hệ thống tự điền: ", "One field per line: key | label. Keys the platform fills: ")) code { "reporter_org, reporter_contact, operator, owner, system_name, security_level, summary, category, gravity, detected_at, status, detected_by, systems, addresses, observables, attachments, confidential, requests, reported_at, initial_ref, what_happened, resolution, durations, ended_at" } }
        @for (k, (t, edited)) in &templates {
            form.card id=(format!("template-{}", k.as_str())) method="post" action=(format!("/incidents/reporting/templates/{}", k.as_str())) { (csrf(&c))
                h3 { (kind_word(l, *k)) }
                p { label for=(format!("title-{}", k.as_str())) { (l.t("Tiêu đề", "Title")) } input id=(format!("title-{}", k.as_str())) name="title" value=(t.title) disabled[!edit]; }
                p { textarea name="fields" rows="8" disabled[!edit] { (t.to_text()) } }
                @if let Some((at, by)) = edited { p.muted { (l.t("Cập nhật ", "Updated ")) (fmt_datetime(*at)) " — " (by) } }
                @if edit { button type="submit" { (l.t("Lưu mẫu", "Save the form")) } }
            }
        }
    };
    Ok(page(&c, l.t("Quy định báo cáo sự cố", "Incident reporting rules"), "/incidents", body).into_response())
}

fn contact_form(c: &Caller, id: Option<i64>, ct: &NewContact) -> Markup {
    let l = c.lang;
    let action = match id { Some(id) => format!("/incidents/reporting/contacts/{id}"), None => "/incidents/reporting/contacts".to_string() };
    html! {
        form.card method="post" action=(action) { (csrf(c))
            p { label { (l.t("Đơn vị", "Unit")) input name="name" value=(ct.name) required; } }
            p { label { (l.t("Thư điện tử", "E-mail")) input name="email" type="email" value=(ct.email); } }
            p { label { (l.t("Điện thoại", "Telephone")) input name="phone" value=(ct.phone); } }
            p { label { (l.t("Đường dây nóng", "Hotline")) input name="hotline" value=(ct.hotline); } }
            p { label { (l.t("Ghi chú", "Note")) input name="note" value=(ct.note); } }
            p { label { (l.t("Thứ tự", "Order")) input name="position" type="number" value=(ct.position); } }
            p { label { input type="checkbox" name="active" value="1" checked[ct.active]; " " (l.t("Dùng làm nơi nhận", "Offer as a recipient")) } }
            button type="submit" { (l.t("Lưu", "Save")) }
        }
    }
}

/// `POST /incidents/reporting/rules`.
pub async fn save_rules(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let num = |k: &str, max: u32| -> Result<u32, Response> {
        f.get(k).and_then(|v| v.trim().parse::<u32>().ok()).filter(|v| *v <= max).ok_or_else(|| {
            error_page(&c, StatusCode::BAD_REQUEST, &format!("Giá trị {k} phải là số từ 0 đến {max}."), &format!("{k} must be a number from 0 to {max}."))
        })
    };
    let rules = DeadlineRules { notice_days: num("notice_days", 60)?, closing_days: num("closing_days", 60)?, support_hours: num("support_hours", 72)? };
    let prefix: String = f.get("subject_prefix").map(|s| s.trim().chars().take(40).collect()).unwrap_or_default();
    st.store.set_report_rules(&c.actor(), &rules, &prefix).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/incidents/reporting").into_response())
}

/// `POST /incidents/reporting/contacts[/{id}]`.
pub async fn save_contact(State(st): State<AppState>, c: Caller, id: Option<Path<i64>>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let get = |k: &str| f.get(k).map(|v| v.trim().chars().take(300).collect::<String>()).unwrap_or_default();
    let email = get("email");
    if !email.is_empty() && !canhgac_ops::mail::is_address(&email) {
        return Err(error_page(&c, StatusCode::BAD_REQUEST, &format!("Địa chỉ thư điện tử không hợp lệ: {email}"), &format!("Not an e-mail address: {email}")));
    }
    let ct = NewContact { name: get("name"), email, phone: get("phone"), hotline: get("hotline"), note: get("note"), position: get("position").parse().unwrap_or(0), active: f.contains_key("active") };
    st.store.save_report_contact(&c.actor(), id.map(|Path(i)| i), &ct).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/incidents/reporting").into_response())
}

/// `POST /incidents/reporting/templates/{kind}` (`title`, `fields`).
pub async fn save_template(State(st): State<AppState>, c: Caller, Path(kind): Path<String>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let Some(kind) = ReportKind::parse(&kind) else { return Err(not_found(&c)) };
    let t = Template::parse(f.get("title").map(String::as_str).unwrap_or(""), f.get("fields").map(String::as_str).unwrap_or(""))
        .map_err(|e| error_page(&c, StatusCode::BAD_REQUEST, &format!("Mẫu biểu chưa đúng: dòng {}: {}", e.line, e.reason), &format!("The form does not read: {e}")))?;
    st.store.set_report_template(&c.actor(), kind, &t).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/incidents/reporting#template-{}", kind.as_str())).into_response())
}

#[derive(serde::Deserialize)]
pub struct HalfQuery {
    year: Option<i32>,
    half: Option<u8>,
    format: Option<String>,
}

fn half_of(q: &HalfQuery) -> HalfYear {
    match (q.year, q.half) {
        (Some(year), Some(half @ 1..=2)) if (2000..=2100).contains(&year) => HalfYear { year, half },
        _ => HalfYear::of(now_ms()),
    }
}

/// `GET /incidents/summary?year=&half=[&format=pdf|print|xlsx|csv]`: Mẫu 05, counted from the
/// incidents in scope.
pub async fn summary_page(State(st): State<AppState>, c: Caller, Query(q): Query<HalfQuery>) -> UiResult {
    let l = c.lang;
    let half = half_of(&q);
    let s = rep::summary(&st.store, &c.scope, half).await.map_err(|e| store_error_page(&c, e))?;
    let org_name = match c.user.org_id {
        Some(o) if c.scope.ids().is_some() => st.store.get(canhgac_domain::entity::EntityKind::Org, &c.scope, o).await.ok().flatten()
            .and_then(|r| r.get("name").and_then(|v| v.as_str()).map(String::from)).unwrap_or_default(),
        _ => "Sở Thông tin và Truyền thông".to_string(),
    };
    let label = |c: &str| category_word(Lang::Vi, c);
    match q.format.as_deref() {
        Some("pdf") => {
            let bytes = rep::summary_pdf(&s, &org_name, now_ms()).map_err(|e| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, "Không tạo được tệp PDF.", &e))?;
            return Ok(crate::ui::pdf_response(&format!("mau05-tong-hop-{}-{}.pdf", half.year, half.half), bytes));
        }
        Some(f @ ("xlsx" | "csv")) => {
            // The same table in the caller's language, a row per category and the total.
            let header = [l.t("TT", "No."), l.t("Loại sự cố", "Category"), l.t("Số sự cố", "Incidents"), l.t("Nghiêm trọng", "Serious"), l.t("Đã kết thúc", "Closed")];
            let mut rows: Vec<Vec<String>> = s.counts.iter().enumerate().map(|(n, r)| vec![(n + 1).to_string(), category_word(l, &r.category).to_string(), r.total.to_string(), r.serious.to_string(), r.closed.to_string()]).collect();
            rows.push(vec![String::new(), l.t("Tổng cộng", "Total").into(), s.total.to_string(), s.serious.to_string(), s.closed.to_string()]);
            let bytes = if f == "csv" { canhgac_sheets::write_csv(&header, &rows) } else { canhgac_sheets::write_xlsx(&format!("Mẫu 05 {}-{}", half.year, half.half), &header, &rows) };
            let bytes = bytes.map_err(|e| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, "Không tạo được tệp.", &e.to_string()))?;
            return Ok(crate::ui::download(&format!("mau05-tong-hop-{}-{}.{f}", half.year, half.half), bytes));
        }
        Some("print") => {
            let body = html! {
                p.form-no { "Mẫu 05" }
                div.head { div { b { (org_name) } } div.motto { b { "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" } br; b { "Độc lập - Tự do - Hạnh phúc" } } }
                h1 { "BÁO CÁO TỔNG HỢP TÌNH HÌNH SỰ CỐ" br; (half.label_vi()) }
                table { thead { tr { th { "TT" } th { "Loại sự cố" } th { "Số sự cố" } th { "Nghiêm trọng" } th { "Đã kết thúc" } } }
                    tbody { @for (n, r) in s.counts.iter().enumerate() { tr { td { (n + 1) } td { (label(&r.category)) } td { (r.total) } td { (r.serious) } td { (r.closed) } } }
                        tr { td {} td { b { "Tổng cộng" } } td { b { (s.total) } } td { b { (s.serious) } } td { b { (s.closed) } } } } }
                p { "Thời gian báo cáo: " (fmt_datetime(now_ms())) }
            };
            return Ok(crate::ui::layout::print_page(&format!("Báo cáo tổng hợp sự cố {}", half.label_vi()), body).into_response());
        }
        _ => {}
    }
    let (prev, next) = (half.previous(), HalfYear { year: if half.half == 2 { half.year + 1 } else { half.year }, half: if half.half == 2 { 1 } else { 2 } });
    let qs = format!("year={}&half={}", half.year, half.half);
    let body = html! {
        p.muted { a href="/incidents" { (l.t("Sự cố", "Incidents")) } " › " a href="/incidents/reporting" { (l.t("Quy định báo cáo", "Reporting rules")) } }
        h1 { (l.t("Báo cáo tổng hợp 6 tháng (Mẫu 05)", "Six-monthly summary (Mẫu 05)")) }
        p { a href=(format!("/incidents/summary?year={}&half={}", prev.year, prev.half)) { "‹ " (if l == Lang::Vi { prev.label_vi() } else { prev.label_en() }) } " · "
            b #summary-period { (if l == Lang::Vi { half.label_vi() } else { half.label_en() }) } " · "
            a href=(format!("/incidents/summary?year={}&half={}", next.year, next.half)) { (if l == Lang::Vi { next.label_vi() } else { next.label_en() }) " ›" } }
        p.muted { (l.t("Đếm các sự cố phát hiện trong kỳ (giờ Việt Nam) thuộc phạm vi của bạn, theo loại tấn công của Quyết định 05/2017/QĐ-TTg.", "Counts the incidents detected in the period (Viet Nam time) within your scope, by the attack types of Decision 05/2017/QĐ-TTg.")) }
        p { a.button href=(format!("/incidents/summary?{qs}&format=print")) target="_blank" { (l.t("Bản in (HTML)", "Print view (HTML)")) } " " a.button #summary-pdf href=(format!("/incidents/summary?{qs}&format=pdf")) { (l.t("Tải PDF", "Download PDF")) } " " a.button #summary-xlsx href=(format!("/incidents/summary?{qs}&format=xlsx")) { "XLSX" } " " a.button #summary-csv href=(format!("/incidents/summary?{qs}&format=csv")) { "CSV" } }
        table.records #summary-table { thead { tr { th { "#" } th { (l.t("Loại sự cố", "Category")) } th { (l.t("Số sự cố", "Incidents")) } th { (l.t("Nghiêm trọng", "Serious")) } th { (l.t("Đã kết thúc", "Closed")) } } }
            tbody { @for (n, r) in s.counts.iter().enumerate() { tr { td { (n + 1) } td { (category_word(l, &r.category)) } td { (r.total) } td { (r.serious) } td { (r.closed) } } }
                tr #summary-total { td {} td { b { (l.t("Tổng cộng", "Total")) } } td { b { (s.total) } } td { b { (s.serious) } } td { b { (s.closed) } } } } }
    };
    Ok(page(&c, l.t("Báo cáo tổng hợp 6 tháng", "Six-monthly summary"), "/incidents", body).into_response())
}

/// `GET /incidents/mail`: mail the platform sent about organisations in scope.
pub async fn mail_page(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let rows = st.store.mail_log(&c.scope, 200).await.map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        p.muted { a href="/incidents" { (l.t("Sự cố", "Incidents")) } " › " a href="/incidents/reporting" { (l.t("Quy định báo cáo", "Reporting rules")) } }
        h1 { (l.t("Thư đã gửi", "Mail sent")) }
        p.muted { @match &st.config.mailer { Some(m) => { (m.describe()) } None => { (l.t("Chưa cấu hình máy chủ thư (mục [mail] trong tệp cấu hình).", "No mail server configured ([mail] in the configuration file).")) } } }
        table.records #mail-log { thead { tr { th { (l.t("Thời gian", "When")) } th { (l.t("Người gửi", "By")) } th { (l.t("Nơi nhận", "To")) } th { (l.t("Tiêu đề", "Subject")) } th { (l.t("Kết quả", "Result")) } } }
            tbody { @for m in &rows { tr { td { (fmt_datetime(m.at)) } td { (actor_word(l, &m.actor)) } td { span data-raw { (m.recipients) } } td { @match ref_link(&m.r#ref) { Some(h) => a href=(h) { span data-raw { (m.subject) } }, None => span data-raw { (m.subject) } } }
                td { @if m.status == "sent" { span.sev.sev-low { (l.t("Đã gửi", "Sent")) } } @else { span.sev.sev-critical { (l.t("Lỗi", "Failed")) } } br; span.muted data-raw { (m.detail) } } } }
                @if rows.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa gửi thư nào.", "No mail sent yet.")) } } } } }
    };
    Ok(page(&c, l.t("Thư đã gửi", "Mail sent"), "/incidents", body).into_response())
}

fn ref_link(r: &str) -> Option<String> {
    let mut parts = r.split(':');
    match (parts.next(), parts.next().and_then(|x| x.parse::<i64>().ok()), parts.next()) {
        (Some("incident"), Some(id), Some(k)) if ReportKind::parse(k).is_some() => Some(format!("/incidents/{id}/reports/{k}")),
        (Some("incident"), Some(id), _) => Some(format!("/incidents/{id}#incident-reports")),
        _ => None,
    }
}
