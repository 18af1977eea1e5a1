//! Spam pages: the overview (figures per operator, the chart of reports per day, the work
//! queue, the largest campaigns), reports (with the unparsed ones to fix), one report with why
//! it got its label, batch import with column mapping, a sender, campaigns, cases with their
//! measures, and the export of handled cases.

use super::api::operator_of;
use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page};
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::spam::{CaseAction, CaseState, HarmfulCategory, SpamLabel};
use canhgac_domain::time::{fmt_datetime, now_ms};
use canhgac_ops::spam::{self as sp, ColumnMap, SpamImportError};
use canhgac_store::{SpamCampaignRow, SpamCaseRow, SpamImportMeta, SpamImportOutcome, SpamReportQuery, SpamReportRow};
use maud::{html, Markup};
use std::collections::HashMap;

type F = Form<HashMap<String, String>>;
type Q = Query<HashMap<String, String>>;

pub(crate) fn tabs(l: Lang, here: &str) -> Markup {
    let items = [
        ("/spam", l.t("Tổng quan", "Overview")),
        ("/spam/reports", l.t("Phản ánh", "Reports")),
        ("/spam/cases", l.t("Vụ việc", "Cases")),
        ("/spam/campaigns", l.t("Chiến dịch", "Campaigns")),
        ("/spam/import", l.t("Nhập tệp", "Import")),
        ("/spam/harmful", l.t("Nội dung độc hại", "Harmful content")),
    ];
    html! { p.tabs { @for (i, (href, label)) in items.iter().enumerate() { @if i > 0 { " · " } @if *href == here { b { (label) } } @else { a href=(href) { (label) } } } } }
}

pub(crate) fn label_badge(l: Lang, label: Option<&str>) -> Markup {
    match label.and_then(SpamLabel::parse) {
        Some(x) => {
            let class = match x {
                SpamLabel::Fraud => "badge sev-critical",
                SpamLabel::Spam => "badge sev-medium",
                SpamLabel::Ham => "badge sev-low",
            };
            html! { span class=(class) { (l.t(x.label_vi(), x.label_en())) } }
        }
        None => html! { span.badge { (l.t("Chưa đọc được", "Unparsed")) } },
    }
}

pub(crate) fn case_state(l: Lang, s: &str) -> Markup {
    let st = CaseState::parse(s).unwrap_or(CaseState::Open);
    let class = match st {
        CaseState::Open => "badge sev-high",
        CaseState::Actioned => "badge sev-medium",
        _ => "badge sev-low",
    };
    html! { span class=(class) { (l.t(st.label_vi(), st.label_en())) } }
}

fn kind_word(l: Lang, k: Option<&str>) -> &'static str {
    match k {
        Some("call") => l.t("Cuộc gọi", "Call"),
        Some("sms") => l.t("Tin nhắn", "Message"),
        _ => "—",
    }
}

fn network_word(l: Lang, n: &str) -> String {
    match n {
        "" => "—".into(),
        "fixed" => l.t("Cố định", "Fixed line").into(),
        other => sp::network_name(other).to_string(),
    }
}

fn sender_kind(l: Lang, k: &str) -> &'static str {
    l.t(sp::sender_kind_vi(k), sp::sender_kind_en(k))
}

fn short(s: &str, n: usize) -> String {
    let mut t: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        t.push('…');
    }
    t
}

fn due_cell(l: Lang, c: &SpamCaseRow, now: i64) -> Markup {
    // The time limit is for taking a measure: an actioned case is not late.
    let waiting = c.state == CaseState::Open.as_str();
    html! {
        @if waiting && c.due_at < now { span.overdue { (fmt_datetime(c.due_at)) " · " (l.t("quá hạn", "overdue")) } }
        @else { (fmt_datetime(c.due_at)) }
    }
}

fn actions_word(l: Lang, a: &Option<String>) -> String {
    let v: Vec<&str> = a
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter_map(CaseAction::parse)
        .map(|x| l.t(x.label_vi(), x.label_en()))
        .collect();
    if v.is_empty() {
        "—".into()
    } else {
        v.join(", ")
    }
}

pub(crate) fn cases_table(l: Lang, rows: &[SpamCaseRow], id: &str) -> Markup {
    let now = now_ms();
    html! {
        div.scroll { table.records id=(id) {
            thead { tr { th { (l.t("Vụ việc", "Case")) } th { (l.t("Nhà mạng", "Operator")) } th { (l.t("Nguồn gửi", "Sender")) } th { (l.t("Phân loại", "Label")) } th { (l.t("Phản ánh", "Reports")) } th { (l.t("Điểm ưu tiên", "Score")) } th { (l.t("Hạn xử lý", "Act by")) } th { (l.t("Trạng thái", "State")) } th { (l.t("Biện pháp", "Measures")) } } }
            tbody {
                @for c in rows { tr {
                    td { a href=(format!("/spam/cases/{}", c.id)) { "VV-" (c.id) } }
                    td { a href=(format!("/orgs/{}", c.org_id)) { (c.org_code) } }
                    td { a href=(format!("/spam/senders/{}", c.sender_id)) { span data-raw { (c.sender) } } " " span.muted { (network_word(l, &c.network)) } }
                    td { (label_badge(l, Some(&c.label))) }
                    td { (c.reports) }
                    td { (format!("{:.0}", c.score)) }
                    td { (due_cell(l, c, now)) }
                    td { (case_state(l, &c.state)) }
                    td { (actions_word(l, &c.actions)) }
                } }
                @if rows.is_empty() { tr { td colspan="9" .muted { (l.t("Không có vụ việc nào.", "No cases.")) } } }
            }
        } }
    }
}

pub(crate) fn reports_table(l: Lang, rows: &[SpamReportRow]) -> Markup {
    html! {
        table.records #spam-reports {
            thead { tr { th { (l.t("Phản ánh lúc", "Reported")) } th { (l.t("Nhà mạng", "Operator")) } th { (l.t("Hình thức", "Kind")) } th { (l.t("Nguồn gửi", "Sender")) } th { (l.t("Nội dung", "Content")) } th { (l.t("Phân loại", "Label")) } th { (l.t("Vụ việc", "Case")) } } }
            tbody {
                @for r in rows { tr {
                    td { a href=(format!("/spam/reports/{}", r.id)) { (fmt_datetime(r.received_at)) } }
                    td { (r.org_code) }
                    td { (kind_word(l, r.kind.as_deref())) }
                    td { @if let (Some(s), Some(id)) = (&r.sender, r.sender_id) { a href=(format!("/spam/senders/{id}")) { span data-raw { (s) } } } @else { "—" } }
                    td { @if r.state == "unparsed" { span.muted data-raw { (short(&r.raw, 90)) } } @else { span data-raw { (short(&r.content, 90)) } } }
                    td { @if r.state == "fixed" { span.badge.sev-low { (l.t("Đã sửa", "Fixed")) } } @else { (label_badge(l, r.label.as_deref())) } }
                    td { @if let Some(k) = r.case_id { a href=(format!("/spam/cases/{k}")) { "VV-" (k) } } @else { "—" } }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { (l.t("Không có phản ánh nào.", "No reports.")) } } }
            }
        }
    }
}

fn campaigns_table(l: Lang, rows: &[SpamCampaignRow]) -> Markup {
    html! {
        table.records #spam-campaigns {
            thead { tr { th { (l.t("Nội dung mẫu", "Sample")) } th { (l.t("Nhà mạng", "Operator")) } th { (l.t("Phân loại", "Label")) } th { (l.t("Phản ánh", "Reports")) } th { (l.t("Số nguồn gửi", "Senders")) } th { (l.t("Lần đầu", "First")) } th { (l.t("Gần nhất", "Latest")) } } }
            tbody {
                @for c in rows { tr {
                    td { a href=(format!("/spam/campaigns/{}", c.id)) { span data-raw { (short(&c.sample, 80)) } } }
                    td { (c.org_code) }
                    td { (label_badge(l, Some(&c.label))) }
                    td { (c.reports) }
                    td { (c.senders) }
                    td { (fmt_datetime(c.first_seen)) }
                    td { (fmt_datetime(c.last_seen)) }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { (l.t("Chưa có chiến dịch nào (từ hai phản ánh gần giống nhau).", "No campaign yet (two or more near-identical reports).")) } } }
            }
        }
    }
}

fn operator_select(l: Lang, c: &Caller, ops: &[(i64, String, String)]) -> Markup {
    html! {
        @if ops.len() > 1 || c.user.org_id.is_none_or(|o| !ops.iter().any(|x| x.0 == o)) {
            label for="s-org" { (l.t("Nhà mạng nhận phản ánh", "Operator")) }
            select #s-org name="org" { @for (_, code, name) in ops { option value=(code) selected[Some(code) == ops.first().map(|o| &o.1)] { (code) " — " (name) } } }
        }
    }
}

fn outcome_flash(l: Lang, o: &SpamImportOutcome) -> Markup {
    html! { div.flash.ok #spam-outcome {
        (l.t("Đã nhận", "Received")) " " (o.rows) " " (l.t("phản ánh", "reports")) ": " (o.parsed) " " (l.t("đọc được", "understood")) ", "
        @if o.unparsed > 0 { a href="/spam/reports?state=unparsed" { (o.unparsed) " " (l.t("chưa đọc được (giữ lại để sửa)", "not understood (kept for fixing)")) } } @else { "0 " (l.t("chưa đọc được", "not understood")) }
        ", " (o.repeated) " " (l.t("đã nhận trước đó", "already received")) "; " (o.new_senders) " " (l.t("nguồn gửi mới", "new senders")) ", " (o.new_campaigns) " " (l.t("chiến dịch mới", "new campaigns")) ", " (o.new_cases) " " (l.t("vụ việc mới", "new cases")) ". "
        a href=(format!("/spam/reports?import={}", o.import_id)) { (l.t("Xem các phản ánh vừa nhận", "See them")) }
    } }
}

/// `GET /spam`.
pub async fn overview(State(st): State<AppState>, c: Caller) -> UiResult {
    render_overview(&st, &c, None).await
}

async fn render_overview(st: &AppState, c: &Caller, flash: Option<Markup>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(c, e);
    let now = now_ms();
    let figures = sp::figures(&st.store, &c.scope).await.map_err(err)?;
    let daily = st.store.spam_daily(&c.scope, super::chart::day_start(now, 30)).await.map_err(err)?;
    let queue = st.store.spam_queue(&c.scope, 15).await.map_err(err)?;
    let campaigns = st.store.spam_campaigns(&c.scope, now - sp::CAMPAIGN_DAYS * 86_400_000, 10).await.map_err(err)?;
    let ops = st.store.telecom_orgs(&c.scope).await.map_err(err)?;
    let today: i64 = daily.iter().filter(|(d, _, _)| *d == (now + 7 * 3_600_000) / 86_400_000).map(|x| x.2).sum();
    let sum = |f: fn(&sp::OperatorFigures) -> i64| figures.iter().map(f).sum::<i64>();
    let body = html! {
        h1 { (l.t("Phản ánh tin nhắn rác, cuộc gọi rác và lừa đảo", "Spam and fraud reports")) }
        (tabs(l, "/spam"))
        @if let Some(f) = flash { (f) }
        div.cards {
            div.stat #spam-today { b { (today) } span { (l.t("phản ánh hôm nay", "reports today")) } }
            div.stat { b { (sum(|f| f.fraud)) } span { (l.t("phản ánh lừa đảo", "fraud reports")) } }
            div.stat #spam-active { a href="/spam/cases?state=open" { b { (sum(|f| f.active_cases)) } } span { (l.t("vụ việc đang xử lý", "cases in hand")) } }
            div.stat #spam-overdue { a href="/spam/cases?state=overdue" { b { (sum(|f| f.overdue_cases)) } } span { (l.t("vụ việc quá hạn", "cases overdue")) } }
            div.stat #spam-unparsed { a href="/spam/reports?state=unparsed" { b { (sum(|f| f.unparsed)) } } span { (l.t("phản ánh chưa đọc được, chờ sửa", "reports to fix")) } }
            div.stat { a href="/spam/harmful?state=active" { b { (sum(|f| f.harmful_active)) } } span { (l.t("nội dung độc hại chờ chặn/gỡ", "harmful items to block")) } }
        }
        h2 { (l.t("Theo nhà mạng", "By operator")) }
        table.records #spam-operators {
            thead { tr { th { (l.t("Nhà mạng", "Operator")) } th { (l.t("Lừa đảo", "Fraud")) } th { (l.t("Quảng cáo rác", "Spam")) } th { (l.t("Hợp lệ", "Legitimate")) } th { (l.t("Chưa đọc được", "Unparsed")) } th { (l.t("Vụ việc đang xử lý", "Cases in hand")) } th { (l.t("Quá hạn", "Overdue")) } th { (l.t("Nội dung độc hại chờ xử lý", "Harmful items open")) } } }
            tbody {
                @for f in &figures { tr {
                    td { a href=(format!("/orgs/{}", f.org_id)) { (f.org_code) } }
                    td { (f.fraud) } td { (f.spam) } td { (f.ham) } td { (f.unparsed) } td { (f.active_cases) }
                    td { @if f.overdue_cases > 0 { span.overdue { (f.overdue_cases) } } @else { "0" } }
                    td { (f.harmful_active) }
                } }
                @if figures.is_empty() { tr { td colspan="8" .muted { (l.t("Chưa có phản ánh nào.", "No reports yet.")) } } }
            }
        }
        h2 { (l.t("Phản ánh 30 ngày qua theo phân loại", "Reports over the last 30 days by label")) }
        (super::chart::daily(l, &daily, now, 30))
        h2 { (l.t("Hàng đợi xử lý (theo điểm ưu tiên của nguồn gửi)", "Work queue (by sender score)")) }
        (cases_table(l, &queue, "spam-queue"))
        h2 { (l.t("Chiến dịch lớn nhất", "Largest campaigns")) }
        (campaigns_table(l, &campaigns))
        @if c.role.can_write() && !ops.is_empty() {
            h2 { (l.t("Nhập phản ánh theo cú pháp 5656", "Enter 5656 reports")) }
            form.card #spam-add method="post" action="/spam/reports" { (csrf(c))
                (operator_select(l, c, &ops))
                label for="s-lines" { (l.t("Mỗi dòng một phản ánh, ví dụ: S [0912345678][nội dung tin nhắn] hoặc V (0985931054)(cuộc gọi mạo danh)", "One report per line, e.g. S [0912345678][message text] or V (0985931054)(impersonation call)")) }
                textarea #s-lines name="lines" rows="4" required {}
                button type="submit" { (l.t("Ghi nhận", "Record")) }
            }
        }
    };
    Ok(page(c, l.t("Tin rác, lừa đảo", "Spam and fraud"), "/spam", body).into_response())
}

/// `POST /spam/reports` (`lines`, `org`).
pub async fn add_reports(State(st): State<AppState>, c: Caller, Form(f): F) -> UiResult {
    let l = c.lang;
    let org = operator_of(&st, &c, f.get("org").map(String::as_str)).await.map_err(|e| error_page(&c, e.status, &e.message_vi, &e.message))?;
    let an = sp::Analyser::load(&st.store).await.map_err(|e| store_error_page(&c, e))?;
    let now = now_ms();
    let reports: Vec<_> = f.get("lines").map(String::as_str).unwrap_or_default().lines().filter(|x| !x.trim().is_empty()).take(1000).map(|x| an.line(x, None, now, None)).collect();
    if reports.is_empty() {
        return Err(error_page(&c, StatusCode::UNPROCESSABLE_ENTITY, "Nhập ít nhất một dòng phản ánh.", "Enter at least one report line."));
    }
    let meta = SpamImportMeta { source: "form".into(), ..Default::default() };
    let o = sp::ingest(&st.store, &c.scope, &c.actor(), org, &meta, &reports).await.map_err(|e| store_error_page(&c, e))?;
    render_overview(&st, &c, Some(outcome_flash(l, &o))).await
}

/// `GET /spam/reports` (`state`, `label`, `sender`, `campaign`, `case`, `import`, `before`).
pub async fn reports(State(st): State<AppState>, c: Caller, Query(q): Q) -> UiResult {
    let l = c.lang;
    let query = SpamReportQuery { limit: 100, ..super::api::query(&q) };
    let rows = st.store.spam_reports(&c.scope, &query).await.map_err(|e| store_error_page(&c, e))?;
    let filters = [
        ("", "", l.t("Tất cả", "All")),
        ("", "fraud", l.t("Lừa đảo", "Fraud")),
        ("", "spam", l.t("Quảng cáo rác", "Spam")),
        ("", "ham", l.t("Hợp lệ", "Legitimate")),
        ("unparsed", "", l.t("Chưa đọc được — chờ sửa", "Unparsed — to fix")),
        ("fixed", "", l.t("Đã sửa", "Fixed")),
    ];
    let here_state = query.state.clone().unwrap_or_default();
    let here_label = query.label.clone().unwrap_or_default();
    let mut next = q.clone();
    if let Some(last) = rows.last() {
        next.insert("before".into(), last.id.to_string());
    }
    let next_q: String = next.iter().map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v))).collect::<Vec<_>>().join("&");
    let body = html! {
        h1 { (l.t("Phản ánh", "Reports")) }
        (tabs(l, "/spam/reports"))
        p.filters { @for (i, (s, lb, word)) in filters.iter().enumerate() { @if i > 0 { " · " }
            @if *s == here_state && *lb == here_label { b { (word) } } @else { a href=(format!("/spam/reports?state={s}&label={lb}")) { (word) } } } }
        @if query.import_id.is_some() || query.sender_id.is_some() || query.campaign_id.is_some() || query.case_id.is_some() { p.muted { (l.t("Đang lọc theo lượt nhập, nguồn gửi, chiến dịch hoặc vụ việc.", "Filtered by import, sender, campaign or case.")) " " a href="/spam/reports" { (l.t("Bỏ lọc", "Clear")) } } }
        (reports_table(l, &rows))
        @if rows.len() == 100 { p { a #spam-older href=(format!("/spam/reports?{next_q}")) { (l.t("Cũ hơn →", "Older →")) } } }
    };
    Ok(page(&c, l.t("Phản ánh", "Reports"), "/spam", body).into_response())
}

/// `GET /spam/reports/{id}`.
pub async fn report(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let r = st.store.spam_report(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    let urls = r.url_list();
    let body = html! {
        p.muted { a href="/spam/reports" { (l.t("Phản ánh", "Reports")) } }
        h1 { (l.t("Phản ánh", "Report")) " #" (r.id) " " (label_badge(l, r.label.as_deref())) }
        table.kv {
            tr { th { (l.t("Nguyên văn", "As received")) } td { pre.prewrap data-raw { (r.raw) } } }
            tr { th { (l.t("Nhà mạng", "Operator")) } td { a href=(format!("/orgs/{}", r.org_id)) { (r.org_code) } } }
            tr { th { (l.t("Phản ánh lúc", "Reported")) } td { (fmt_datetime(r.received_at)) } }
            tr { th { (l.t("Nguồn tiếp nhận", "Came in by")) } td { (match r.source.as_str() { "file" => l.t("Tệp của hệ thống 5656", "Batch file"), "api" => l.t("Giao diện lập trình (API)", "API"), "form" => l.t("Nhập tay", "Entered by hand"), "demo" => l.t("Dữ liệu mô phỏng", "Demo data"), _ => l.t("Tin nhắn tới 5656", "Message to 5656") }) @if let Some(i) = r.import_id { " · " a href=(format!("/spam/reports?import={i}")) { (l.t("lượt nhập", "import")) " #" (i) } } } }
            @if let Some(x) = &r.external_id { tr { th { (l.t("Mã trên hệ thống của Bộ", "Ministry system id")) } td { span data-raw { (x) } } } }
            @if let Some(x) = &r.reporter { tr { th { (l.t("Thuê bao phản ánh", "Reported by")) } td { span data-raw { (x) } } } }
            tr { th { (l.t("Hình thức", "Kind")) } td { (kind_word(l, r.kind.as_deref())) } }
            tr { th { (l.t("Nguồn gửi", "Sender")) } td { @if let (Some(s), Some(sid)) = (&r.sender, r.sender_id) { a href=(format!("/spam/senders/{sid}")) { span data-raw { (s) } } } @else { "—" } } }
            tr { th { (l.t("Nội dung", "Content")) } td { span data-raw { (r.content) } } }
            @if let Some(s) = r.score { tr { th { (l.t("Xác suất lừa đảo", "Fraud probability")) } td { (format!("{:.0}%", s * 100.0)) } } }
            @if let Some(k) = r.campaign_id { tr { th { (l.t("Chiến dịch", "Campaign")) } td { a href=(format!("/spam/campaigns/{k}")) { (l.t("Chiến dịch", "Campaign")) " #" (k) } } } }
            @if let Some(k) = r.case_id { tr { th { (l.t("Vụ việc", "Case")) } td { a href=(format!("/spam/cases/{k}")) { "VV-" (k) } } } }
        }
        @if r.state == "unparsed" {
            div.flash.bad { (l.t("Chưa đọc được phản ánh này: ", "This report could not be understood: ")) span data-raw { (r.error.clone().unwrap_or_default()) } }
            @if c.role.can_write() {
                form.card #spam-fix method="post" action=(format!("/spam/reports/{id}/fix")) { (csrf(&c))
                    label for="fix-raw" { (l.t("Sửa lại theo cú pháp S [nguồn][nội dung] hoặc V [nguồn][nội dung]", "Correct it as S [source][content] or V [source][content]")) }
                    textarea #fix-raw name="raw" rows="3" required { (r.raw) }
                    button type="submit" { (l.t("Lưu bản đã sửa", "Save the correction")) }
                }
            }
        }
        @if r.state == "fixed" { p.muted { (l.t("Phản ánh này đã được sửa bởi ", "Fixed by ")) (crate::ui::fmt::actor(l, &r.fixed_by.clone().unwrap_or_default())) "." } }
        @if !r.reason_list().is_empty() || !r.indicator_list().is_empty() {
            h2 { (l.t("Vì sao có phân loại này", "Why this label")) }
            ul #spam-reasons {
                @for i in r.indicator_list() { li { b data-raw { (i) } } }
                @for (k, w) in r.reason_list() { li { (l.t("Đặc trưng ", "Feature ")) code data-raw { (k) } " " span.muted { "(+" (format!("{w:.2}")) ")" } } }
            }
        }
        @if !urls.is_empty() {
            h2 { (l.t("Đường link trong nội dung", "Links in the content")) }
            table.records #spam-urls { tbody { @for u in &urls { tr {
                td { code data-raw { (u) } }
                td { @if c.role.can_write() {
                    form.inline method="post" action="/spam/harmful" { (csrf(&c))
                        input type="hidden" name="org" value=(r.org_code);
                        input type="hidden" name="kind" value="url";
                        input type="hidden" name="value" value=(u);
                        input type="hidden" name="report_id" value=(r.id);
                        input type="hidden" name="source" value=(format!("Phản ánh #{}", r.id));
                        select name="category" { @for k in HarmfulCategory::ALL { option value=(k.as_str()) { (l.t(k.label_vi(), k.label_en())) } } }
                        button.secondary type="submit" { (l.t("Báo nội dung độc hại", "Report as harmful")) }
                    }
                } }
            } } } }
        }
    };
    Ok(page(&c, l.t("Phản ánh", "Report"), "/spam", body).into_response())
}

/// `POST /spam/reports/{id}/fix` (`raw`).
pub async fn fix(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): F) -> UiResult {
    let raw = f.get("raw").cloned().unwrap_or_default();
    let o = sp::fix_report(&st.store, &c.scope, &c.actor(), id, &raw).await.map_err(|e| store_error_page(&c, e))?;
    match o.report_ids.first() {
        Some(n) => Ok(Redirect::to(&format!("/spam/reports/{n}")).into_response()),
        None => Ok(Redirect::to(&format!("/spam/reports/{id}")).into_response()),
    }
}

const MAP_FIELDS: [(&str, &str, &str); 7] = [
    ("raw", "Cột cú pháp 5656 (cả dòng S/V)", "Column with the whole 5656 line"),
    ("kind", "Cột hình thức (tin nhắn/cuộc gọi)", "Column: message or call"),
    ("sender", "Cột nguồn gửi", "Column: sender"),
    ("content", "Cột nội dung", "Column: content"),
    ("reporter", "Cột thuê bao phản ánh", "Column: reporter"),
    ("time", "Cột thời gian phản ánh", "Column: time"),
    ("id", "Cột mã phản ánh (để không nhận trùng)", "Column: report id (so nothing is taken twice)"),
];

async fn render_import(st: &AppState, c: &Caller, flash: Option<Markup>, status: StatusCode) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(c, e);
    let ops = st.store.telecom_orgs(&c.scope).await.map_err(err)?;
    let imports = st.store.spam_imports(&c.scope, 30).await.map_err(err)?;
    let body = html! {
        h1 { (l.t("Nhập phản ánh từ tệp của hệ thống 5656", "Import reports from the 5656 system's files")) }
        (tabs(l, "/spam/import"))
        @if let Some(f) = flash { (f) }
        @if c.role.can_write() && !ops.is_empty() {
            form.card #spam-import method="post" enctype="multipart/form-data" action=(format!("/spam/import?_csrf={}", urlencoding::encode(&c.csrf))) {
                div.grid2 {
                    div {
                        label for="file" { (l.t("Tệp CSV hoặc XLSX (tối đa 100.000 dòng)", "CSV or XLSX file (at most 100,000 rows)")) }
                        input #file type="file" name="file" accept=".csv,.xlsx,text/csv" required;
                        (operator_select(l, c, &ops))
                        p.muted { (l.t("Để trống các ô cột bên cạnh: hệ thống tự nhận theo tên cột (Nguồn gửi, Nội dung, Thời gian phản ánh, Mã phản ánh…). Cả tệp được nhận, hoặc không nhận gì nếu có lỗi; dòng không đọc được vẫn được giữ lại để sửa.", "Leave the column boxes empty to match by the headers' names (sender, content, time, report id — in Vietnamese or English). The whole file is taken, or nothing if it has errors; rows that cannot be understood are kept for fixing.")) }
                    }
                    div { @for (k, vi, en) in MAP_FIELDS { label for=(format!("map-{k}")) { (l.t(vi, en)) } input id=(format!("map-{k}")) name=(format!("map_{k}")) placeholder=(l.t("tự nhận", "automatic")); } }
                }
                button type="submit" { (l.t("Nhập tệp", "Import")) }
            }
        }
        h2 { (l.t("Các tệp đã nhập gần đây", "Recent file imports")) }
        table.records #spam-imports {
            thead { tr { th { (l.t("Lúc", "When")) } th { (l.t("Nhà mạng", "Operator")) } th { (l.t("Tệp", "File")) } th { (l.t("Số dòng", "Rows")) } th { (l.t("Đọc được", "Understood")) } th { (l.t("Chờ sửa", "To fix")) } th { (l.t("Đã nhận trước", "Repeats")) } th { (l.t("Người nhập", "By")) } } }
            tbody {
                @for i in &imports { tr {
                    td { a href=(format!("/spam/reports?import={}", i.id)) { (fmt_datetime(i.created_at)) } }
                    td { (i.org_code) }
                    td { @if i.file_name.is_empty() { (match i.source.as_str() { "api" => l.t("Giao diện lập trình (API)", "API"), "form" => l.t("Nhập tay", "Entered by hand"), "demo" => l.t("Dữ liệu mô phỏng", "Demo data"), _ => l.t("Tin nhắn tới 5656", "Message to 5656") }) } @else { span data-raw { (i.file_name) } } }
                    td { (i.rows) } td { (i.parsed) }
                    td { @if i.unparsed > 0 { a href=(format!("/spam/reports?import={}&state=unparsed", i.id)) { (i.unparsed) } } @else { "0" } }
                    td { (i.repeated) }
                    td { (crate::ui::fmt::actor(l, &i.created_by)) }
                } }
                @if imports.is_empty() { tr { td colspan="8" .muted { (l.t("Chưa có lượt nhập nào.", "No imports yet.")) } } }
            }
        }
    };
    let mut r = page(c, l.t("Nhập phản ánh", "Import reports"), "/spam", body).into_response();
    *r.status_mut() = status;
    Ok(r)
}

/// `GET /spam/import`.
pub async fn import_form(State(st): State<AppState>, c: Caller) -> UiResult {
    render_import(&st, &c, None, StatusCode::OK).await
}

/// `POST /spam/import` (multipart: `file`, `org`, `map_*`).
pub async fn import(State(st): State<AppState>, c: Caller, mp: Multipart) -> UiResult {
    let l = c.lang;
    let up = crate::ui::read_upload(&c, mp).await?;
    let Some((name, bytes)) = up.file("file").map(|(n, b)| (n.unwrap_or("tep.csv").to_string(), b.to_vec())) else {
        return Err(error_page(&c, StatusCode::BAD_REQUEST, "Hãy chọn một tệp không rỗng.", "Choose a non-empty file."));
    };
    let get = |k: &str| up.fields.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let org = operator_of(&st, &c, Some(get("org")).filter(|s| !s.is_empty()).as_deref()).await.map_err(|e| error_page(&c, e.status, &e.message_vi, &e.message))?;
    let map = ColumnMap { raw: get("map_raw"), kind: get("map_kind"), sender: get("map_sender"), content: get("map_content"), reporter: get("map_reporter"), time: get("map_time"), id: get("map_id") };
    match sp::import_file(&st.store, &c.scope, &c.actor(), org, &bytes, &name, map, now_ms()).await {
        Ok(o) => render_import(&st, &c, Some(outcome_flash(l, &o)), StatusCode::OK).await,
        Err(SpamImportError::Sheet(e)) => {
            let f = html! { div.flash.bad #spam-import-errors { (l.t("Chưa nhập: ", "Nothing imported: ")) span data-raw { (name) } ": " (l.t(&e.message_vi(), &e.to_string())) } };
            render_import(&st, &c, Some(f), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(SpamImportError::Rejected(problems)) => {
            let f = html! {
                div.flash.bad { (l.t("Chưa nhập gì từ tệp ", "Nothing imported from ")) span data-raw { (name) } (l.t(": tệp có lỗi.", ": the file has problems.")) }
                ul #spam-import-errors { @for (en, vi) in &problems { li { (l.t(vi, en)) } } }
            };
            render_import(&st, &c, Some(f), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(SpamImportError::Store(e)) => Err(store_error_page(&c, e)),
    }
}

/// `GET /spam/senders/{id}`.
pub async fn sender(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let s = st.store.spam_sender(&c.scope, id).await.map_err(err)?.ok_or_else(|| not_found(&c))?;
    let cases = st.store.spam_cases_of_sender(&c.scope, id).await.map_err(err)?;
    let reports = st.store.spam_reports(&c.scope, &SpamReportQuery { sender_id: Some(id), limit: 50, ..Default::default() }).await.map_err(err)?;
    let sc = canhgac_spam::score::score(&s.stats());
    let rate = canhgac_spam::score::decayed(s.recent, s.last_seen, now_ms(), 0.0);
    let body = html! {
        p.muted { a href="/spam/cases" { (l.t("Vụ việc", "Cases")) } }
        h1 { (l.t("Nguồn gửi ", "Sender ")) span data-raw { (s.sender) } }
        table.kv {
            tr { th { (l.t("Nhà mạng tiếp nhận", "Operator")) } td { a href=(format!("/orgs/{}", s.org_id)) { (s.org_code) } } }
            tr { th { (l.t("Loại nguồn", "Kind")) } td { (sender_kind(l, &s.kind)) } }
            tr { th { (l.t("Mạng của số", "Number's network")) } td { (network_word(l, &s.network)) } }
            tr { th { (l.t("Số phản ánh", "Reports")) } td { (s.reports) " (" (s.fraud) " " (l.t("lừa đảo", "fraud")) ", " (s.spam) " " (l.t("quảng cáo rác", "spam")) ", " (s.calls) " " (l.t("cuộc gọi", "calls")) ")" } }
            tr { th { (l.t("Số người phản ánh khác nhau", "Different reporters")) } td { (s.reporters) } }
            tr { th { (l.t("Có đường link trong danh sách đe doạ", "With a listed link")) } td { (s.listed) } }
            tr { th { (l.t("Tốc độ (số phản ánh quy về một ngày)", "Rate (reports, one-day decay)")) } td { (format!("{rate:.1}")) } }
            tr { th { (l.t("Điểm ưu tiên", "Score")) } td #sender-score { b { (format!("{:.0}", sc.total)) } "/100 — " span.muted {
                (l.t("số phản ánh ", "volume ")) (format!("{:.0}", sc.volume)) ", " (l.t("người phản ánh ", "reporters ")) (format!("{:.0}", sc.reporters)) ", " (l.t("tốc độ ", "rate ")) (format!("{:.0}", sc.velocity)) ", " (l.t("nội dung ", "content ")) (format!("{:.0}", sc.content)) ", " (l.t("danh sách đe doạ ", "threat lists ")) (format!("{:.0}", sc.listed)) } } }
            tr { th { (l.t("Lần đầu, gần nhất", "First, latest")) } td { (fmt_datetime(s.first_seen)) " — " (fmt_datetime(s.last_seen)) } }
        }
        h2 { (l.t("Vụ việc", "Cases")) }
        (cases_table(l, &cases, "sender-cases"))
        h2 { (l.t("Phản ánh gần nhất", "Latest reports")) }
        (reports_table(l, &reports))
        @if reports.len() == 50 { p { a href=(format!("/spam/reports?sender={id}")) { (l.t("Tất cả phản ánh về nguồn này →", "All reports on this sender →")) } } }
    };
    Ok(page(&c, &s.sender, "/spam", body).into_response())
}

/// `GET /spam/campaigns`.
pub async fn campaigns(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let rows = st.store.spam_campaigns(&c.scope, now_ms() - sp::CAMPAIGN_DAYS * 86_400_000, 200).await.map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Chiến dịch tin nhắn rác, lừa đảo", "Spam and fraud campaigns")) }
        (tabs(l, "/spam/campaigns"))
        p.muted { (l.t("Các tin nhắn gần giống nhau (khác tên, số tiền, đường link) từ nhiều nguồn gửi được gom thành một chiến dịch; 30 ngày gần nhất.", "Near-identical messages (a changed name, amount or link) from any number of senders grouped as one campaign; the last 30 days.")) }
        (campaigns_table(l, &rows))
    };
    Ok(page(&c, l.t("Chiến dịch", "Campaigns"), "/spam", body).into_response())
}

/// `GET /spam/campaigns/{id}`.
pub async fn campaign(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let k = st.store.spam_campaign(&c.scope, id).await.map_err(err)?.ok_or_else(|| not_found(&c))?;
    let senders = st.store.spam_campaign_senders(&c.scope, id).await.map_err(err)?;
    let reports = st.store.spam_reports(&c.scope, &SpamReportQuery { campaign_id: Some(id), limit: 50, ..Default::default() }).await.map_err(err)?;
    let body = html! {
        p.muted { a href="/spam/campaigns" { (l.t("Chiến dịch", "Campaigns")) } }
        h1 { (l.t("Chiến dịch", "Campaign")) " #" (k.id) " " (label_badge(l, Some(&k.label))) }
        blockquote data-raw { (k.sample) }
        table.kv {
            tr { th { (l.t("Nhà mạng", "Operator")) } td { a href=(format!("/orgs/{}", k.org_id)) { (k.org_code) } } }
            tr { th { (l.t("Phản ánh", "Reports")) } td { (k.reports) } }
            tr { th { (l.t("Số nguồn gửi", "Senders")) } td { (k.senders) } }
            tr { th { (l.t("Lần đầu, gần nhất", "First, latest")) } td { (fmt_datetime(k.first_seen)) " — " (fmt_datetime(k.last_seen)) } }
        }
        h2 { (l.t("Các nguồn gửi", "Senders")) }
        table.records #campaign-senders {
            thead { tr { th { (l.t("Nguồn gửi", "Sender")) } th { (l.t("Mạng", "Network")) } th { (l.t("Phản ánh trong chiến dịch", "Reports in it")) } th { (l.t("Tổng phản ánh", "All reports")) } th { (l.t("Điểm ưu tiên", "Score")) } } }
            tbody { @for (s, n) in &senders { tr {
                td { a href=(format!("/spam/senders/{}", s.id)) { span data-raw { (s.sender) } } }
                td { (network_word(l, &s.network)) }
                td { (n) } td { (s.reports) } td { (format!("{:.0}", s.score)) }
            } } }
        }
        h2 { (l.t("Phản ánh gần nhất", "Latest reports")) }
        (reports_table(l, &reports))
    };
    Ok(page(&c, l.t("Chiến dịch", "Campaign"), "/spam", body).into_response())
}

/// `GET /spam/cases` (`state`: open, actioned, closed, dismissed, overdue, handled).
pub async fn cases(State(st): State<AppState>, c: Caller, Query(q): Q) -> UiResult {
    let l = c.lang;
    let state = q.get("state").cloned().unwrap_or_default();
    let rows = st.store.spam_cases(&c.scope, Some(state.as_str()).filter(|s| !s.is_empty()), 500).await.map_err(|e| store_error_page(&c, e))?;
    let filters = [
        ("", l.t("Tất cả", "All")),
        ("open", l.t("Chờ xử lý", "Open")),
        ("overdue", l.t("Quá hạn", "Overdue")),
        ("actioned", l.t("Đã áp dụng biện pháp", "Actioned")),
        ("closed", l.t("Đã xử lý xong", "Closed")),
        ("dismissed", l.t("Bác bỏ", "Dismissed")),
    ];
    let body = html! {
        h1 { (l.t("Vụ việc xử lý tin rác, cuộc gọi rác", "Cases")) }
        (tabs(l, "/spam/cases"))
        p.filters { @for (i, (s, word)) in filters.iter().enumerate() { @if i > 0 { " · " } @if *s == state { b { (word) } } @else { a href=(format!("/spam/cases?state={s}")) { (word) } } } }
        p { (l.t("Xuất các vụ việc đã xử lý để báo cáo lại hệ thống của Bộ: ", "Export handled cases for the Ministry's system: ")) a #export-csv href="/spam/cases/export?format=csv" { "CSV" } " · " a #export-xlsx href="/spam/cases/export?format=xlsx" { "XLSX" } }
        (cases_table(l, &rows, "spam-cases"))
    };
    Ok(page(&c, l.t("Vụ việc", "Cases"), "/spam", body).into_response())
}

/// `GET /spam/cases/export?format=csv|xlsx`.
pub async fn export(State(st): State<AppState>, c: Caller, Query(q): Q) -> UiResult {
    let rows = sp::export_rows(&st.store, &c.scope).await.map_err(|e| store_error_page(&c, e))?;
    let fail = |e: canhgac_sheets::SheetError| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, "Không tạo được tệp.", &e.to_string());
    let (ct, name, body): (&str, &str, Vec<u8>) = match q.get("format").map(String::as_str) {
        Some("xlsx") => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "vu-viec-tin-rac.xlsx", canhgac_sheets::write_xlsx("vu-viec", &sp::EXPORT_COLUMNS, &rows).map_err(fail)?),
        _ => ("text/csv; charset=utf-8", "vu-viec-tin-rac.csv", canhgac_sheets::write_csv(&sp::EXPORT_COLUMNS, &rows).map_err(fail)?),
    };
    Ok(([(header::CONTENT_TYPE, ct.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], body).into_response())
}

async fn load_case(st: &AppState, c: &Caller, id: i64) -> Result<SpamCaseRow, Response> {
    st.store.spam_case(&c.scope, id).await.map_err(|e| store_error_page(c, e))?.ok_or_else(|| not_found(c))
}

/// `GET /spam/cases/{id}`.
pub async fn case(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let k = load_case(&st, &c, id).await?;
    let actions = st.store.spam_actions(id).await.map_err(err)?;
    let reports = st.store.spam_reports(&c.scope, &SpamReportQuery { case_id: Some(id), limit: 50, ..Default::default() }).await.map_err(err)?;
    let items = st.store.directive_items_for(k.org_id).await.map_err(err)?;
    let linked = k.directive_item_id.and_then(|i| items.iter().find(|x| x.0 == i));
    let active = CaseState::parse(&k.state).is_some_and(CaseState::active);
    let now = now_ms();
    let body = html! {
        p.muted { a href="/spam/cases" { (l.t("Vụ việc", "Cases")) } }
        h1 { "VV-" (k.id) " " (case_state(l, &k.state)) }
        table.kv {
            tr { th { (l.t("Nhà mạng", "Operator")) } td { a href=(format!("/orgs/{}", k.org_id)) { (k.org_code) } } }
            tr { th { (l.t("Nguồn gửi", "Sender")) } td { a href=(format!("/spam/senders/{}", k.sender_id)) { span data-raw { (k.sender) } } " · " (sender_kind(l, &k.sender_kind)) " · " (network_word(l, &k.network)) " · " (l.t("điểm ưu tiên ", "score ")) (format!("{:.0}", k.score)) } }
            tr { th { (l.t("Phân loại", "Label")) } td { (label_badge(l, Some(&k.label))) } }
            tr { th { (l.t("Số phản ánh", "Reports")) } td { a href=(format!("/spam/reports?case={}", k.id)) { (k.reports) } } }
            tr { th { (l.t("Mở lúc", "Opened")) } td { (fmt_datetime(k.opened_at)) } }
            tr { th { (l.t("Hạn xử lý", "Act by")) } td { (due_cell(l, &k, now)) " " span.muted { (l.t("(lừa đảo: 24 giờ; quảng cáo rác: 72 giờ)", "(fraud: 24 hours; spam: 72 hours)")) } } }
            @if let Some(t) = k.closed_at { tr { th { (l.t("Kết thúc lúc", "Closed")) } td { (fmt_datetime(t)) " · " (crate::ui::fmt::actor(l, &k.closed_by.clone().unwrap_or_default())) } } }
            @if let Some((_, did, number, code, _)) = linked { tr { th { (l.t("Thực hiện chỉ đạo", "Carries out")) } td { a href=(format!("/directives/{did}")) { span data-raw { (number) } } " — " (l.t("mục ", "item ")) span data-raw { (code) } } } }
        }
        h2 { (l.t("Biện pháp đã áp dụng", "Measures taken")) }
        table.records #case-actions {
            thead { tr { th { (l.t("Lúc", "When")) } th { (l.t("Biện pháp", "Measure")) } th { (l.t("Căn cứ, nội dung", "What and why")) } th { (l.t("Bằng chứng", "Evidence")) } th { (l.t("Người thực hiện", "By")) } } }
            tbody {
                @for a in &actions { tr {
                    td { (fmt_datetime(a.at)) }
                    td { (CaseAction::parse(&a.action).map(|x| l.t(x.label_vi(), x.label_en())).unwrap_or("—")) }
                    td { span data-raw { (a.note) } }
                    td { span data-raw { (a.evidence) } }
                    td { (crate::ui::fmt::actor(l, &a.by_email)) }
                } }
                @if actions.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa áp dụng biện pháp nào.", "Nothing done yet.")) } } }
            }
        }
        @if active && c.role.can_write() {
            form.card #case-act method="post" action=(format!("/spam/cases/{id}/actions")) { (csrf(&c))
                div.grid2 {
                    div {
                        label for="a-action" { (l.t("Biện pháp", "Measure")) }
                        select #a-action name="action" { @for a in CaseAction::ALL { option value=(a.as_str()) { (l.t(a.label_vi(), a.label_en())) } } }
                        label for="a-item" { (l.t("Thực hiện chỉ đạo của Bộ (nếu có)", "Carries out a Ministry directive (if any)")) }
                        select #a-item name="directive_item" { option value="" { "—" } @for (iid, _, number, code, text) in &items { option value=(iid) selected[k.directive_item_id == Some(*iid)] { (number) " — " (code) ": " (short(text, 60)) } } }
                    }
                    div {
                        label for="a-note" { (l.t("Đã làm gì, căn cứ", "What was done and why")) } textarea #a-note name="note" rows="3" required {}
                        label for="a-evidence" { (l.t("Bằng chứng (số phiếu, số văn bản…)", "Evidence (ticket, letter number…)")) } input #a-evidence name="evidence";
                    }
                }
                button type="submit" { (l.t("Ghi nhận biện pháp", "Record the measure")) }
            }
        }
        @if k.state == "actioned" && c.role.can_write() {
            form.inline #case-close method="post" action=(format!("/spam/cases/{id}/close")) { (csrf(&c))
                input name="note" placeholder=(l.t("Ghi chú kết thúc", "Closing note"));
                button type="submit" { (l.t("Kết thúc vụ việc", "Close the case")) }
            }
        }
        h2 { (l.t("Phản ánh trong vụ việc", "Reports in the case")) }
        (reports_table(l, &reports))
    };
    Ok(page(&c, &format!("VV-{}", k.id), "/spam", body).into_response())
}

/// `POST /spam/cases/{id}/actions` (`action`, `note`, `evidence`, `directive_item`).
pub async fn act(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): F) -> UiResult {
    load_case(&st, &c, id).await?;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let item = get("directive_item").parse::<i64>().ok();
    sp::act(&st.store, &c.scope, &c.actor(), id, &get("action"), &get("note"), &get("evidence"), item).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/spam/cases/{id}")).into_response())
}

/// `POST /spam/cases/{id}/close` (`note`).
pub async fn close(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): F) -> UiResult {
    st.store.close_spam_case(&c.scope, &c.actor(), id, f.get("note").map(String::as_str).unwrap_or_default()).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/spam/cases/{id}")).into_response())
}
