//! Incident pages: the list, the form that opens one, and the incident itself — stage and
//! durations, Decision 05 severity, the signals, the plan's tasks, the timeline, observables
//! and evidence — plus the signal pages' "open an incident / join one" block.

use crate::auth::{Caller, Lang};
use crate::ui::fmt::count;
use crate::ui::layout::{csrf, page, severity};
use crate::ui::{error_page, not_found, read_upload, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::incident::{duration_text, Category, Gravity, Impact, Stage, Tlp};
use canhgac_domain::time::{fmt_date, fmt_datetime, now_ms};
use canhgac_ops::incidents::{self, IncidentForm, OBSERVABLE_KINDS};
use canhgac_store::{IncidentFilter, IncidentRow, ListQuery, SignalRow};
use maud::{html, Markup};
use std::collections::HashMap;

/// Largest evidence file kept (bytes).
pub(crate) const MAX_EVIDENCE: usize = 20 << 20;

pub(crate) fn stage_word(l: Lang, s: &str) -> String {
    Stage::parse(s).map_or_else(|| s.to_string(), |s| l.t(s.label_vi(), s.label_en()).to_string())
}

pub(crate) fn category_word(l: Lang, s: &str) -> String {
    Category::parse(s).map_or_else(|| s.to_string(), |c| l.t(c.label_vi(), c.label_en()).to_string())
}

pub(crate) fn gravity_word(l: Lang, s: &str) -> Markup {
    let g = Gravity::parse(s).unwrap_or(Gravity::Ordinary);
    let class = if g == Gravity::Serious { "sev sev-critical" } else { "sev sev-low" };
    html! { span class=(class) { (l.t(g.label_vi(), g.label_en())) } }
}

fn tlp_word(s: &str) -> &'static str {
    Tlp::parse(s).unwrap_or(Tlp::Amber).label()
}

/// The organisations in scope: (id, code, name).
async fn orgs(st: &AppState, c: &Caller) -> Result<Vec<(i64, String, String)>, Response> {
    let page = st
        .store
        .list(EntityKind::Org, &c.scope, &ListQuery { limit: Some(1000), ..Default::default() })
        .await
        .map_err(|e| store_error_page(c, e))?;
    let mut v: Vec<(i64, String, String)> = page
        .items
        .iter()
        .filter_map(|r| {
            Some((
                r["id"].as_i64()?,
                r["code"].as_str()?.to_string(),
                r["name"].as_str().unwrap_or_default().to_string(),
            ))
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(v)
}

/// `GET /incidents` (`stage`, `open`, `q`).
pub async fn incidents_page(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> UiResult {
    let l = c.lang;
    let open_only = q.get("open").is_none_or(|v| v == "1");
    let f = IncidentFilter {
        stage: q.get("stage").cloned().filter(|s| !s.is_empty()),
        open_only,
        q: q.get("q").cloned().filter(|s| !s.trim().is_empty()),
        limit: Some(200),
        ..Default::default()
    };
    let (rows, total) = st
        .store
        .list_incidents(&c.scope, &f)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Sự cố", "Incidents")) }
        @if c.role.can_write() { p { a.button #incident-new href="/incidents/new" { (l.t("Mở sự cố mới", "Open an incident")) } " " a href="/plans" { (l.t("Kế hoạch ứng phó", "Response plans")) } } }
        form.filters method="get" action="/incidents" {
            div { label for="stage" { (l.t("Giai đoạn", "Stage")) }
                select #stage name="stage" { option value="" { (l.t("Tất cả", "All")) }
                    @for s in Stage::ALL { option value=(s.as_str()) selected[f.stage.as_deref() == Some(s.as_str())] { (l.t(s.label_vi(), s.label_en())) } } } }
            div { label for="open" { (l.t("Phạm vi", "Which")) }
                select #open name="open" { option value="1" selected[open_only] { (l.t("Đang xử lý", "Open")) } option value="0" selected[!open_only] { (l.t("Cả đã kết thúc", "Closed too")) } } }
            div { label for="q" { (l.t("Từ khoá", "Words")) } input #q name="q" value=(q.get("q").cloned().unwrap_or_default()); }
            div { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
        p.muted { (total) " " (l.t("sự cố", "incidents")) }
        table.records #incidents-table {
            thead { tr { th { "#" } th { (l.t("Sự cố", "Incident")) } th { (l.t("Đơn vị", "Org")) } th { (l.t("Loại", "Category")) } th { (l.t("Mức độ", "Severity")) }
                th { (l.t("Giai đoạn", "Stage")) } th { (l.t("Phát hiện", "Detected")) } th { (l.t("Thời gian ngăn chặn", "Time to contain")) } } }
            tbody {
                @for i in &rows { tr {
                    td { (i.id) } td { a href=(format!("/incidents/{}", i.id)) { span data-raw { (i.title) } } } td { (i.org_code.clone().unwrap_or_default()) }
                    td { (category_word(l, &i.category)) } td { (gravity_word(l, &i.gravity)) } td { (stage_word(l, &i.stage)) }
                    td { (fmt_datetime(i.detected_at)) } td { @match i.times().to_contain() { Some(d) => (duration_text(d, l == Lang::Vi)), None => span.muted { "—" } } }
                } }
                @if rows.is_empty() { tr { td colspan="8" .muted { (l.t("Không có sự cố nào khớp.", "No incident matches.")) } } }
            }
        }
    };
    Ok(page(&c, l.t("Sự cố", "Incidents"), "/incidents", body).into_response())
}

/// `GET /incidents/new` (`signal`: start from this signal).
pub async fn new_incident_page(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> UiResult {
    let l = c.lang;
    let orgs = orgs(&st, &c).await?;
    let hosts = st
        .store
        .list(EntityKind::Host, &c.scope, &ListQuery { limit: Some(2000), ..Default::default() })
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let systems = st
        .store
        .list(EntityKind::System, &c.scope, &ListQuery { limit: Some(1000), ..Default::default() })
        .await
        .map_err(|e| store_error_page(&c, e))?;
    let own = c.user.org_id;
    let body = html! {
        p.muted { a href="/incidents" { (l.t("Sự cố", "Incidents")) } " › " (l.t("Mở sự cố mới", "Open an incident")) }
        h1 { (l.t("Mở sự cố mới", "Open an incident")) }
        form.card #incident-form method="post" action="/incidents" {
            (csrf(&c))
            @if let Some(s) = q.get("signal") { input type="hidden" name="signal" value=(s); }
            div.grid2 {
                p { label for="org_id" { (l.t("Đơn vị chịu trách nhiệm ứng phó", "Organisation responsible")) }
                    select #org_id name="org_id" { @for (id, code, name) in &orgs { option value=(id) selected[own == Some(*id)] { (code) " — " (name) } } } }
                p { label for="category" { (l.t("Loại sự cố (Quyết định 05)", "Category (Decision 05)")) }
                    select #category name="category" { @for k in Category::ALL { option value=(k.as_str()) { (l.t(k.label_vi(), k.label_en())) } } } }
            }
            p { label for="title" { (l.t("Tên sự cố", "Title")) } input #title name="title" required maxlength="300"; }
            p { label for="summary" { (l.t("Mô tả, hiện trạng", "What happened, current state")) } textarea #summary name="summary" {} }
            div.grid2 {
                p { label for="started_at" { (l.t("Bắt đầu từ (dd/mm/yyyy hh:mm, nếu biết)", "Began (dd/mm/yyyy hh:mm, if known)")) } input #started_at name="started_at" placeholder="01/12/2026 08:30"; }
                p { label for="detected_at" { (l.t("Phát hiện lúc (dd/mm/yyyy hh:mm; để trống là bây giờ)", "Detected (dd/mm/yyyy hh:mm; empty: now)")) } input #detected_at name="detected_at" placeholder="01/12/2026 09:15"; }
            }
            div.grid2 {
                div { p { label for="hosts" { (l.t("Máy bị ảnh hưởng", "Affected hosts")) }
                    select #hosts name="hosts" multiple size="6" { @for h in &hosts.items { option value=(h["id"]) { (h["hostname"].as_str().unwrap_or_default()) } } } }
                    p { label for="host_names" { (l.t("Hoặc gõ tên máy, địa chỉ IP (cách nhau bởi dấu phẩy)", "Or type host names, IP addresses (comma-separated)")) }
                        input #host_names name="host_names" placeholder="web01, 10.20.0.5";
                        @if hosts.total > hosts.items.len() as i64 {
                            @let (shown, all) = (count(l, hosts.items.len() as i64), count(l, hosts.total));
                            br; small.muted { (l.t(&format!("Danh sách trên chỉ có {shown} trong {all} máy thuộc phạm vi của bạn."),
                                &format!("The list above holds {shown} of the {all} hosts in your scope."))) }
                        }
                    } }
                p { label for="systems" { (l.t("Hệ thống bị ảnh hưởng (cấp độ)", "Affected systems (level)")) }
                    select #systems name="systems" multiple size="6" { @for s in &systems.items { option value=(s["id"]) { (s["name"].as_str().unwrap_or_default()) " (" (l.t("cấp độ", "level")) " " (s["level"]) ")" } } } }
            }
            fieldset { legend { (l.t("Ảnh hưởng (Quyết định 05, Điều 9)", "Impact (Decision 05, Art. 9)")) }
                @for i in Impact::ALL { label.check { input type="checkbox" name="impacts" value=(i.as_str()); " " (l.t(i.label_vi(), i.label_en())) } }
                label.check { input #beyond_owner type="checkbox" name="beyond_owner" value="1"; " " (l.t("Vượt quá khả năng tự xử lý của chủ quản hệ thống", "Beyond the system owner's own capability")) }
                p.muted { (l.t("Mức độ được tính theo Điều 9: nghiêm trọng khi hệ thống cấp độ 4–5 chịu ít nhất một ảnh hưởng trên và vượt quá khả năng tự xử lý; còn lại là thông thường.",
                    "The severity follows Art. 9: serious when a level 4–5 system suffers at least one of these and it is beyond the owner's capability; ordinary otherwise.")) }
            }
            div.grid2 {
                p { label for="gravity" { (l.t("Mức độ khác với mức tính (tuỳ chọn)", "A severity other than the computed one (optional)")) }
                    select #gravity name="gravity" { option value="" { (l.t("Theo cách tính", "As computed")) } option value="ordinary" { (l.t("Thông thường", "Ordinary")) } option value="serious" { (l.t("Nghiêm trọng", "Serious")) } } }
                p { label for="gravity_reason" { (l.t("Lý do (bắt buộc khi chọn khác)", "Reason (needed when different)")) } input #gravity_reason name="gravity_reason"; }
            }
            div.grid2 {
                p { label for="tlp" { (l.t("Mức chia sẻ (TLP)", "Sharing (TLP)")) }
                    select #tlp name="tlp" { @for t in Tlp::ALL { option value=(t.as_str()) selected[t == Tlp::Amber] { (t.label()) } } } }
                p { label for="techniques" { (l.t("Kỹ thuật MITRE ATT&CK (cách nhau bởi dấu phẩy)", "MITRE ATT&CK techniques (comma-separated)")) } input #techniques name="techniques" placeholder="T1486, T1059.001"; }
            }
            button #incident-submit type="submit" { (l.t("Mở sự cố", "Open the incident")) }
        }
    };
    Ok(page(&c, l.t("Mở sự cố mới", "Open an incident"), "/incidents", body).into_response())
}

/// `POST /incidents` (the form above; repeated `hosts`, `systems`, `impacts`).
pub async fn create_incident(
    State(st): State<AppState>,
    c: Caller,
    Form(v): Form<Vec<(String, String)>>,
) -> UiResult {
    let one = |k: &str| v.iter().find(|(n, _)| n == k).map(|(_, x)| x.trim().to_string()).filter(|x| !x.is_empty());
    let many = |k: &str| v.iter().filter(|(n, _)| n == k).filter_map(|(_, x)| x.parse::<i64>().ok()).collect::<Vec<_>>();
    let time = |k: &str| -> Result<Option<i64>, Response> {
        match one(k) {
            None => Ok(None),
            Some(t) => crate::monitoring::parse_local_time(&t).map(Some).ok_or_else(|| {
                error_page(&c, StatusCode::BAD_REQUEST, &format!("Không đọc được thời điểm “{t}”: hãy viết dd/mm/yyyy hh:mm."), &format!("Cannot read the time “{t}”: write dd/mm/yyyy hh:mm."))
            }),
        }
    };
    let mut hosts = many("hosts");
    for name in one("host_names").iter().flat_map(|n| n.split([',', ';', '\n'])).map(str::trim).filter(|n| !n.is_empty()).take(200) {
        let found = st.store.hosts_named(&c.scope, name).await.map_err(|e| store_error_page(&c, e))?;
        match found.as_slice() {
            [] => return Err(error_page(&c, StatusCode::BAD_REQUEST,
                &format!("Không có máy nào tên hoặc địa chỉ “{name}” trong phạm vi của bạn."),
                &format!("No host named or addressed “{name}” in your scope."))),
            [(id, _, _)] => hosts.push(*id),
            many => {
                let list = many.iter().map(|(_, h, o)| format!("{h} ({o})")).collect::<Vec<_>>().join(", ");
                return Err(error_page(&c, StatusCode::BAD_REQUEST,
                    &format!("“{name}” trùng với nhiều máy: {list}. Hãy chọn trong danh sách hoặc gõ địa chỉ IP."),
                    &format!("“{name}” names several hosts: {list}. Pick one from the list or type its IP address.")));
            }
        }
    }
    hosts.sort_unstable();
    hosts.dedup();
    let form = IncidentForm {
        org_id: one("org_id").and_then(|o| o.parse().ok()),
        title: one("title").unwrap_or_default(),
        summary: one("summary").unwrap_or_default(),
        category: one("category").unwrap_or_default(),
        impacts: v.iter().filter(|(n, _)| n == "impacts").map(|(_, x)| x.clone()).collect(),
        beyond_owner: one("beyond_owner").is_some(),
        gravity: one("gravity"),
        gravity_reason: one("gravity_reason"),
        tlp: one("tlp"),
        techniques: one("techniques").into_iter().collect(),
        started_at: time("started_at")?,
        detected_at: time("detected_at")?,
        hosts,
        systems: many("systems"),
        orgs: Vec::new(),
        signals: one("signal").and_then(|s| s.parse().ok()).into_iter().collect(),
        opened_at: None,
    };
    let inc = incidents::open(&st.store, &c.scope, &c.actor(), c.user.org_id, &form)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/incidents/{}", inc.id)).into_response())
}

async fn load(st: &AppState, c: &Caller, id: i64) -> Result<IncidentRow, Response> {
    st.store
        .incident(&c.scope, id)
        .await
        .map_err(|e| store_error_page(c, e))?
        .ok_or_else(|| not_found(c))
}

fn timeline_word(l: Lang, kind: &str) -> &'static str {
    match kind {
        "created" => l.t("Mở sự cố", "Opened"),
        "stage" => l.t("Chuyển giai đoạn", "Stage"),
        "signal" => l.t("Gắn cảnh báo", "Signal linked"),
        "task" => l.t("Nhiệm vụ", "Task"),
        "plan" => l.t("Bắt đầu kế hoạch ứng phó", "Plan started"),
        "note" => l.t("Ghi chú", "Note"),
        "gravity" => l.t("Mức độ", "Severity"),
        "observable" => l.t("Dấu hiệu", "Observable"),
        "evidence" => l.t("Chứng cứ", "Evidence"),
        "escalation" => l.t("Báo cáo vượt cấp", "Escalation"),
        "report" => l.t("Báo cáo sự cố", "Incident report"),
        "report_sent" => l.t("Gửi báo cáo", "Report sent"),
        "support" => l.t("Đề nghị hỗ trợ", "Support requested"),
        _ => l.t("Khác", "Other"),
    }
}

fn observable_word(l: Lang, kind: &str) -> &'static str {
    OBSERVABLE_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("", |(_, vi, en)| l.t(vi, en))
}

/// `GET /incidents/{id}`.
pub async fn incident_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let vi = l == Lang::Vi;
    load(&st, &c, id).await?;
    let d = super::api::detail(&st, &c, id).await.map_err(|e| {
        error_page(&c, e.status, &e.message_vi, &e.message)
    })?;
    let i = &d.incident;
    let stage = i.stage();
    let plans = st.store.list_plans(&c.scope).await.map_err(|e| store_error_page(&c, e))?;
    let t = i.times();
    let done = d.tasks.iter().filter(|w| !w.state.is_open()).count();
    let now = now_ms();
    let write = c.role.can_write() && stage != Stage::Closed;
    let reports_block = super::reports::block(&st, &c, i).await?;
    let dur = |x: Option<i64>| x.map_or_else(|| "—".to_string(), |d| duration_text(d, vi));
    let stamp = |x: Option<i64>| x.map_or_else(|| "—".to_string(), fmt_datetime);
    let body = html! {
        p.muted { a href="/incidents" { (l.t("Sự cố", "Incidents")) } " › #" (i.id) }
        h1 #incident-title { span data-raw { (i.title) } }
        p { (gravity_word(l, &i.gravity)) " " span.tag { (tlp_word(&i.tlp)) } " " b #incident-stage { (stage_word(l, &i.stage)) } }
        ol.stages #incident-stages { @for s in Stage::ALL { li class=(if s <= stage { "done" } else { "" }) { (l.t(s.label_vi(), s.label_en())) } } }
        div.grid2 {
            div.card { dl.kv {
                dt { (l.t("Đơn vị", "Organisation")) } dd { a href=(format!("/orgs/{}", i.org_id)) { (i.org_code.clone().unwrap_or_default()) } }
                dt { (l.t("Loại", "Category")) } dd { (category_word(l, &i.category)) }
                dt { (l.t("Mức độ", "Severity")) } dd { (gravity_word(l, &i.gravity))
                    @if let Some(r) = &i.gravity_reason { br; span.muted { (l.t("Theo cách tính: ", "As computed: ")) (gravity_word(l, &i.gravity_computed)) " — " (l.t("lý do điều chỉnh: ", "reason for the change: ")) span data-raw { (r) } } } }
                @if !i.impacts.is_empty() { dt { (l.t("Ảnh hưởng", "Impact")) } dd { @for imp in i.impacts.split(',').filter_map(Impact::parse) { (l.t(imp.label_vi(), imp.label_en())) br; } } }
                dt { (l.t("Vượt khả năng tự xử lý", "Beyond the owner")) } dd { @if i.beyond_owner == 1 { (l.t("Có", "Yes")) } @else { (l.t("Không", "No")) } }
                @if !i.techniques.is_empty() { dt { "MITRE ATT&CK" } dd { @for tech in i.techniques.split(',') { a href=(format!("https://attack.mitre.org/techniques/{}/", tech.replace('.', "/"))) rel="noreferrer" { code { (tech) } } " " } } }
                @if !i.summary.is_empty() { dt { (l.t("Mô tả", "Summary")) } dd { span data-raw { (i.summary) } } }
            } }
            div.card { dl.kv #incident-times {
                dt { (l.t("Bắt đầu", "Began")) } dd { (stamp(t.started_at)) }
                dt { (l.t("Phát hiện", "Detected")) } dd { (fmt_datetime(i.detected_at)) }
                dt { (l.t("Ngăn chặn", "Contained")) } dd { (stamp(i.contained_at)) }
                dt { (l.t("Loại bỏ", "Eradicated")) } dd { (stamp(i.eradicated_at)) }
                dt { (l.t("Khôi phục", "Recovered")) } dd { (stamp(i.recovered_at)) }
                dt { (l.t("Kết thúc", "Closed")) } dd { (stamp(i.closed_at)) }
                dt { (l.t("Thời gian phát hiện", "Time to detect")) } dd #ttd { (dur(t.to_detect())) }
                dt { (l.t("Thời gian ngăn chặn", "Time to contain")) } dd #ttc { (dur(t.to_contain())) }
                dt { (l.t("Thời gian khôi phục", "Time to restore")) } dd #ttr { (dur(t.to_restore())) }
            } }
        }
        @if write {
            div.grid2 {
                div.card { h2 { (l.t("Chuyển giai đoạn", "Move on")) }
                    form method="post" action=(format!("/incidents/{}/stage", i.id)) { (csrf(&c))
                        p { label for="stage-to" { (l.t("Giai đoạn", "Stage")) } select #stage-to name="stage" { @for s in Stage::ALL { @if s > stage { option value=(s.as_str()) { (l.t(s.label_vi(), s.label_en())) } } } } }
                        p { label for="stage-note" { (l.t("Ghi chú (đã làm gì)", "Note (what was done)")) } input #stage-note name="note"; }
                        button #stage-submit type="submit" { (l.t("Chuyển", "Move")) } } }
                div.card { h2 { (l.t("Điều chỉnh mức độ", "Change the severity")) }
                    form method="post" action=(format!("/incidents/{}/gravity", i.id)) { (csrf(&c))
                        p { label for="gravity" { (l.t("Mức độ", "Severity")) } select #gravity name="gravity" { option value="ordinary" selected[i.gravity == "ordinary"] { (l.t("Thông thường", "Ordinary")) } option value="serious" selected[i.gravity == "serious"] { (l.t("Nghiêm trọng", "Serious")) } } }
                        p { label for="reason" { (l.t("Lý do (bắt buộc khi khác mức tính)", "Reason (needed when it differs from the computed one)")) } input #reason name="reason"; }
                        button.light type="submit" { (l.t("Lưu", "Save")) } } }
            }
        }
        (reports_block)
        h2 { (l.t("Máy, hệ thống bị ảnh hưởng", "Affected hosts and systems")) }
        ul #incident-assets { @for a in &d.assets { li {
            @match a.kind.as_str() { "host" => { (l.t("Máy", "Host")) " " a href=(format!("/hosts/{}", a.ref_id)) { (a.name) } }, "system" => { (l.t("Hệ thống", "System")) " " a href=(format!("/systems/{}", a.ref_id)) { (a.name) } }, _ => { (l.t("Đơn vị", "Organisation")) " " a href=(format!("/orgs/{}", a.ref_id)) { (a.name) } } }
            @if let Some(lv) = a.level { " · " (l.t("cấp độ", "level")) " " (lv) } } }
            @if d.assets.is_empty() { li.muted { (l.t("Chưa ghi máy hay hệ thống nào.", "No host or system recorded.")) } } }
        h2 { (l.t("Cảnh báo liên quan", "Linked signals")) }
        table.records #incident-signals { thead { tr { th { (l.t("Cảnh báo", "Signal")) } th { (l.t("Mức độ", "Severity")) } th { (l.t("Máy", "Host")) } th { (l.t("Lần đầu", "First seen")) } } }
            tbody { @for s in &d.signals { tr { td { a href=(crate::work::triage::signal_href(s)) { (s.title) } } td { (severity(l, s.severity.as_str())) } td { (s.host_name.clone().unwrap_or_default()) } td { (fmt_datetime(s.first_seen)) } } }
                @if d.signals.is_empty() { tr { td colspan="4" .muted { (l.t("Chưa gắn cảnh báo nào.", "No signal linked.")) } } } } }
        @if write { form.inline method="post" action=(format!("/incidents/{}/signals", i.id)) { (csrf(&c))
            label for="signal_id" { (l.t("Gắn cảnh báo số", "Link signal number")) } " " input #signal_id name="signal_id" type="number" min="1" required; " " button.light type="submit" { (l.t("Gắn", "Link")) } } }
        h2 #incident-plan { (l.t("Kế hoạch ứng phó và nhiệm vụ", "Response plan and tasks")) }
        @if d.tasks.is_empty() {
            @if write { form.inline method="post" action=(format!("/incidents/{}/plan", i.id)) { (csrf(&c))
                label for="plan_id" { (l.t("Kế hoạch", "Plan")) } " " select #plan_id name="plan_id" { @for p in &plans { option value=(p.id) selected[p.category == i.category] { (p.name) @if let Some(o) = &p.org_code { " (" (o) ")" } } } }
                " " button #plan-start type="submit" { (l.t("Bắt đầu kế hoạch", "Start the plan")) } } }
            @else { p.muted { (l.t("Chưa bắt đầu kế hoạch ứng phó.", "No plan started.")) } }
        } @else {
            p #incident-progress { (done) "/" (d.tasks.len()) " " (l.t("nhiệm vụ đã xong", "tasks done")) }
            table.records #incident-tasks { thead { tr { th { (l.t("Nhiệm vụ", "Task")) } th { (l.t("Người làm", "Who")) } th { (l.t("Trạng thái", "State")) } th { (l.t("Hạn", "Due")) } } }
                tbody { @for w in &d.tasks { tr class=(if canhgac_domain::work::is_overdue(w.state, w.due_at, now) { "overdue" } else { "" }) {
                    td { a href=(format!("/work/{}", w.id)) { (w.title) } } td { (task_role(w)) }
                    td { (l.t(w.state.label_vi(), w.state.label_en())) } td { (w.due_at.map(fmt_datetime).unwrap_or_default()) } } } } }
        }
        h2 { (l.t("Dấu hiệu (IOC)", "Observables")) }
        table.records #incident-observables { thead { tr { th { (l.t("Loại", "Kind")) } th { (l.t("Giá trị", "Value")) } th { (l.t("Trong danh sách Botnet", "On Botnet lists")) } th { (l.t("Sự kiện 30 ngày", "Events, 30 days")) } } }
            tbody { @for o in &d.observables { @let chk = d.checks.iter().find(|k| k.id == o.id); tr {
                td { (observable_word(l, &o.kind)) } td { code { (o.value) } }
                td { @match chk { Some(k) if !k.listed_in.is_empty() => span.sev.sev-high { (k.listed_in.join(", ")) }, _ => span.muted { (l.t("không", "no")) } } }
                td { a href=(format!("/events?q={}&from={}", urlencoding::encode(&o.value), urlencoding::encode(&fmt_date(now - 30 * 86_400_000)))) { (chk.map_or(0, |k| k.events_30d)) } } } }
                @if d.observables.is_empty() { tr { td colspan="4" .muted { (l.t("Chưa có dấu hiệu nào.", "No observables yet.")) } } } } }
        p { a href=(format!("/incidents/{}/stix", i.id)) { (l.t("Tải STIX 2.1", "Download STIX 2.1")) } " · " a href=(format!("/incidents/{}/misp", i.id)) { (l.t("Tải sự kiện MISP", "Download a MISP event")) } }
        @if write { form.inline method="post" action=(format!("/incidents/{}/observables", i.id)) { (csrf(&c))
            select name="kind" aria-label=(l.t("Loại dấu hiệu", "Observable kind")) { @for (k, v, e) in OBSERVABLE_KINDS { option value=(k) { (l.t(v, e)) } } }
            " " input name="value" required aria-label=(l.t("Giá trị", "Value")) placeholder="203.0.113.9";
            " " input name="note" aria-label=(l.t("Ghi chú", "Note")) placeholder=(l.t("ghi chú", "note"));
            " " button.light type="submit" { (l.t("Thêm dấu hiệu", "Add")) } } }
        h2 { (l.t("Chứng cứ", "Evidence")) }
        table.records #incident-evidence { thead { tr { th { (l.t("Tệp", "File")) } th { "SHA-256" } th { (l.t("Dung lượng", "Size")) } th { (l.t("Người thêm", "Added by")) } th { (l.t("Lúc", "When")) } } }
            tbody { @for e in &d.evidence { tr { td { a href=(format!("/evidence/{}", e.id)) { span data-raw { (e.name) } } } td { code { (&e.sha256[..16.min(e.sha256.len())]) "…" } } td { (e.size) " B" } td { (crate::ui::fmt::actor(l, &e.added_by)) } td { (fmt_datetime(e.added_at)) } } }
                @if d.evidence.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa có chứng cứ.", "No evidence yet.")) } } } } }
        @if write { form.inline method="post" enctype="multipart/form-data" action=(format!("/incidents/{}/evidence?_csrf={}", i.id, urlencoding::encode(&c.csrf))) {
            label for="evidence-file" { (l.t("Thêm tệp (tối đa 20 MB, chỉ tải về, không mở trên trình duyệt)", "Add a file (up to 20 MB; downloaded, never opened in the browser)")) } " "
            input #evidence-file type="file" name="file" required; " " button.light type="submit" { (l.t("Tải lên", "Upload")) } } }
        h2 { (l.t("Diễn biến", "Timeline")) }
        table.records #incident-timeline { thead { tr { th { (l.t("Lúc", "When")) } th { (l.t("Việc", "What")) } th { (l.t("Nội dung", "Detail")) } th { (l.t("Người", "Who")) } } }
            tbody { @for e in &d.timeline { tr {
                td { (fmt_datetime(e.at)) } td { (timeline_word(l, &e.kind)) }
                td { @match (e.kind.as_str(), e.ref_id) {
                    ("signal", Some(r)) => a href=(format!("/signals/{r}")) { (e.text) },
                    ("task", Some(r)) => a href=(format!("/work/{r}")) { (e.text) },
                    ("plan", Some(r)) => a href=(format!("/plans/{r}")) { (e.text) },
                    ("evidence", Some(r)) => a href=(format!("/evidence/{r}")) { span data-raw { (e.text) } },
                    ("stage" | "gravity", _) => (e.text),
                    _ => span data-raw { (e.text) },
                } }
                td { (crate::ui::fmt::actor(l, &e.actor)) } } } } }
        @if c.role.can_write() { form.card method="post" action=(format!("/incidents/{}/notes", i.id)) { (csrf(&c))
            p { label for="note" { (l.t("Thêm ghi chú vào diễn biến", "Add a note to the timeline")) } textarea #note name="note" required {} }
            button.light type="submit" { (l.t("Ghi", "Add")) } } }
    };
    Ok(page(&c, &i.title, "/incidents", body).into_response())
}

/// Who does a plan task (from its detail).
fn task_role(w: &canhgac_store::WorkItemRow) -> String {
    w.detail
        .as_deref()
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .and_then(|v| v["role"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn back(id: i64) -> UiResult {
    Ok(Redirect::to(&format!("/incidents/{id}")).into_response())
}

/// `POST /incidents/{id}/stage` (`stage`, `note`).
pub async fn stage(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let to = f.get("stage").cloned().unwrap_or_default();
    let note = f.get("note").cloned().unwrap_or_default();
    incidents::advance(&st.store, &c.scope, &c.actor(), id, &to, &note)
        .await
        .map_err(|e| store_error_page(&c, e))?;
    back(id)
}

/// `POST /incidents/{id}/gravity` (`gravity`, `reason`).
pub async fn gravity(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let inc = load(&st, &c, id).await?;
    let g = f.get("gravity").and_then(|g| Gravity::parse(g)).ok_or_else(|| {
        error_page(&c, StatusCode::BAD_REQUEST, "Hãy chọn mức độ.", "Choose a severity.")
    })?;
    let reason = f.get("reason").cloned().unwrap_or_default();
    if g.as_str() != inc.gravity_computed && reason.trim().is_empty() {
        return Err(error_page(&c, StatusCode::BAD_REQUEST,
            "Khi chọn mức độ khác với mức tính theo Quyết định 05, hãy ghi lý do.",
            "Give the reason for a severity other than Decision 05's."));
    }
    st.store.set_incident_gravity(&c.scope, &c.actor(), id, g, &reason).await.map_err(|e| store_error_page(&c, e))?;
    back(id)
}

/// `POST /incidents/{id}/notes` (`note`).
pub async fn note(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let n = f.get("note").cloned().unwrap_or_default();
    if n.trim().is_empty() {
        return Err(error_page(&c, StatusCode::BAD_REQUEST, "Ghi chú trống.", "The note is empty."));
    }
    st.store.add_incident_entry(&c.scope, &c.actor(), id, "note", &n, None).await.map_err(|e| store_error_page(&c, e))?;
    back(id)
}

/// `POST /incidents/{id}/plan` (`plan_id`).
pub async fn plan(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let p = f.get("plan_id").and_then(|p| p.parse::<i64>().ok()).ok_or_else(|| not_found(&c))?;
    st.store.start_plan(&c.scope, &c.actor(), id, p).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/incidents/{id}#incident-plan")).into_response())
}

/// `POST /incidents/{id}/signals` (`signal_id`).
pub async fn link(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let s = f.get("signal_id").and_then(|p| p.trim().trim_start_matches('#').parse::<i64>().ok()).ok_or_else(|| not_found(&c))?;
    st.store.link_signal(&c.scope, &c.actor(), id, s).await.map_err(|e| store_error_page(&c, e))?;
    back(id)
}

/// `POST /incidents/{id}/observables` (`kind`, `value`, `note`).
pub async fn observable(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let note = get("note");
    incidents::add_observable(&st.store, &c.scope, &c.actor(), id, &get("kind"), &get("value"), Some(note.as_str()).filter(|n| !n.trim().is_empty()))
        .await
        .map_err(|e| store_error_page(&c, e))?;
    back(id)
}

/// `POST /incidents/{id}/evidence` (multipart `file`): stored under its SHA-256.
pub async fn evidence_upload(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, mp: Multipart) -> UiResult {
    use sha2::{Digest, Sha256};
    load(&st, &c, id).await?;
    let up = read_upload(&c, mp).await?;
    let Some((name, bytes)) = up.file("file").filter(|(_, b)| !b.is_empty()) else {
        return Err(error_page(&c, StatusCode::BAD_REQUEST, "Hãy chọn một tệp không rỗng.", "Choose a non-empty file."));
    };
    if bytes.len() > MAX_EVIDENCE {
        return Err(error_page(&c, StatusCode::PAYLOAD_TOO_LARGE, "Tệp lớn hơn 20 MB.", "The file is larger than 20 MB."));
    }
    let name: String = name.unwrap_or("evidence").chars().filter(|ch| !ch.is_control()).take(200).collect();
    let sha = hex::encode(Sha256::digest(bytes));
    st.store.add_evidence(&c.scope, &c.actor(), id, &name, &sha, bytes).await.map_err(|e| store_error_page(&c, e))?;
    back(id)
}

/// `GET /evidence/{id}`: the file as a download (never rendered inline).
pub async fn evidence_download(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let (row, bytes) = st.store.evidence_content(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    Ok(crate::ui::download(&row.name, bytes))
}

async fn export(st: &AppState, c: &Caller, id: i64, misp: bool) -> UiResult {
    let inc = load(st, c, id).await?;
    let obs = st.store.incident_observables(&c.scope, id).await.map_err(|e| store_error_page(c, e))?;
    let (v, name) = if misp {
        (incidents::misp_event(&inc, &obs), format!("incident-{id}-misp.json"))
    } else {
        (incidents::stix_bundle(&inc, &obs), format!("incident-{id}-stix.json"))
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        serde_json::to_string_pretty(&v).unwrap_or_default(),
    )
        .into_response())
}

/// `GET /incidents/{id}/stix`: the observables as a STIX 2.1 bundle (download).
pub async fn stix(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    export(&st, &c, id, false).await
}

/// `GET /incidents/{id}/misp`: the observables as a MISP event (download).
pub async fn misp(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    export(&st, &c, id, true).await
}

/// `POST /signals/{id}/incident` (`incident`: an incident id to join, or empty to open a new
/// one from the signal).
pub async fn from_signal(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let target = f.get("incident").and_then(|v| v.trim().trim_start_matches('#').parse::<i64>().ok());
    let inc = match target {
        Some(i) => {
            st.store.link_signal(&c.scope, &c.actor(), i, id).await.map_err(|e| store_error_page(&c, e))?;
            i
        }
        None => incidents::open_from_signal(&st.store, &c.scope, &c.actor(), id).await.map_err(|e| store_error_page(&c, e))?.id,
    };
    back(inc)
}

/// The block on a signal's page: the incidents it belongs to, open incidents that look alike
/// (same host, rule or attacker address), and the buttons to open one or join one.
pub(crate) async fn signal_block(st: &AppState, c: &Caller, s: &SignalRow) -> Result<Markup, Response> {
    let l = c.lang;
    let err = |e| store_error_page(c, e);
    let of = st.store.incidents_of_signal(&c.scope, s.id).await.map_err(err)?;
    let similar = st.store.similar_incidents(&c.scope, s).await.map_err(err)?;
    Ok(html! {
        div.card #signal-incidents {
            h2 { (l.t("Sự cố", "Incident")) }
            @if !of.is_empty() { p { (l.t("Thuộc sự cố: ", "Part of: ")) @for i in &of { a href=(format!("/incidents/{}", i.id)) { "#" (i.id) " " span data-raw { (i.title) } } " (" (stage_word(l, &i.stage)) ") " } } }
            @if !similar.is_empty() { p { (l.t("Sự cố đang xử lý có vẻ liên quan (cùng máy, luật hoặc địa chỉ tấn công): ", "Open incidents that look related (same host, rule or attacker address): "))
                @for i in &similar { a href=(format!("/incidents/{}", i.id)) { "#" (i.id) " " span data-raw { (i.title) } } " " } } }
            @if c.role.can_write() {
                div.actions {
                    form method="post" action=(format!("/signals/{}/incident", s.id)) { (csrf(c)) button #signal-open-incident type="submit" { (l.t("Mở sự cố từ cảnh báo này", "Open an incident from this signal")) } }
                    @if !similar.is_empty() {
                        form method="post" action=(format!("/signals/{}/incident", s.id)) { (csrf(c))
                            select name="incident" aria-label=(l.t("Sự cố", "Incident")) { @for i in &similar { option value=(i.id) { "#" (i.id) " " (i.title) } } }
                            " " button.light type="submit" { (l.t("Thêm vào sự cố", "Join the incident")) } }
                    }
                }
            }
        }
    })
}
