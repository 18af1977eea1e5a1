//! Duty pages: who is on duty now, the rosters, the form that generates one, leave, swaps, the
//! roster's calendar (days × shifts, gaps in red with the reason, each person's load), its XLSX,
//! a person's iCalendar feed, and the public holidays.

use crate::auth::{Caller, Lang};
use crate::ui::layout::{csrf, page};
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::duty::{local_date, midnight, Pattern, RotaRules};
use canhgac_domain::time::{fmt_date, fmt_datetime, now_ms, parse_date};
use canhgac_ops::duty::{self as duty, RosterForm};
use canhgac_store::ShiftRow;
use chrono::NaiveDate;
use maud::{html, Markup};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

fn day_text(d: &str) -> String {
    d.parse::<NaiveDate>().map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|_| d.to_string())
}

pub(crate) fn shift_word(l: Lang, code: &str) -> String {
    for p in Pattern::ALL {
        for off in [false, true] {
            if let Some(s) = p.shifts(off).iter().find(|s| s.code == code) {
                return l.t(s.label_vi, s.label_en).to_string();
            }
        }
    }
    code.to_string()
}

fn pattern_word(l: Lang, p: &str) -> String {
    Pattern::parse(p).map_or_else(|| p.to_string(), |p| l.t(p.label_vi(), p.label_en()).to_string())
}

fn person(l: Lang, s: &ShiftRow) -> Markup {
    match &s.full_name {
        Some(n) => html! { span data-raw { (n) } },
        None => html! { span.badge.sev-critical title=(s.gap_reason.clone().unwrap_or_default()) { (l.t("CHƯA CÓ NGƯỜI", "NOBODY")) } },
    }
}

/// The overview's card: who is on duty now in the caller's scope.
pub(crate) async fn now_card(st: &AppState, c: &Caller) -> Markup {
    let l = c.lang;
    let now = now_ms();
    let rows = st.store.on_duty(&c.scope, now).await.unwrap_or_default();
    let (paging, mine) = st.store.open_page_counts(&c.scope, c.user.id).await.unwrap_or((0, 0));
    let period = st.store.active_period(now).await.ok().flatten();
    html! {
        div.card #on-duty-now {
            h2 { a href="/duty" { (l.t("Đang trực", "On duty now")) } }
            @if let Some(p) = &period { p #period-banner { a href=(format!("/periods/{}", p.id)) { span.badge.sev-high { (l.t("Thời gian cao điểm: ", "Heightened period: ")) span data-raw { (p.name) } } } } }
            p { a #oncall-count href="/oncall" { (paging) (l.t(" lượt gọi trực chưa xác nhận", " on-call pages not acknowledged")) }
                @if mine > 0 { " · " a href="/oncall#paging-you" { span.badge.sev-critical { (mine) (l.t(" đang gọi bạn", " paging you")) } } } }
            table { tbody {
                @for s in rows.iter().take(20) { tr { td { (s.org_code.clone().unwrap_or_default()) } td { (shift_word(l, &s.code)) } td { (person(l, s)) } td.muted { (l.t("đến ", "until ")) (fmt_datetime(s.ends_at)) } } }
                @if rows.is_empty() { tr { td.muted { (l.t("Chưa có lịch trực cho lúc này.", "No roster covers this moment.")) } } }
            } }
        }
    }
}

/// `GET /duty`.
pub async fn duty_page(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let err = |e| store_error_page(&c, e);
    let now = now_ms();
    let on = st.store.on_duty(&c.scope, now).await.map_err(err)?;
    let rosters = st.store.rosters(&c.scope).await.map_err(err)?;
    let swaps = st.store.swaps(&c.scope).await.map_err(err)?;
    let leave = st.store.leave(&c.scope, now).await.map_err(err)?;
    let org = c.user.org_id;
    let people = match org {
        Some(o) => st.store.duty_people(&c.scope, o).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let today = local_date(now);
    let write = c.role.can_write() && org.is_some();
    let handovers = super::handover::block(&st, &c).await;
    let body = html! {
        h1 { (l.t("Lịch trực 24/7", "24/7 duty")) }
        p #duty-links { a href="/duty/daily" { (l.t("Báo cáo kết quả trực ngày", "Daily duty report")) } " · " a href="/oncall" { (l.t("Gọi trực", "On-call pages")) } " · " a href="/periods" { (l.t("Thời gian cao điểm", "Heightened periods")) } }
        h2 { (l.t("Đang trực lúc ", "On duty at ")) (fmt_datetime(now)) }
        table.records #on-duty { thead { tr { th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Ca", "Shift")) } th { (l.t("Người trực", "On duty")) } th { (l.t("Từ", "From")) } th { (l.t("Đến", "Until")) } } }
            tbody { @for s in &on { tr { td { a href=(format!("/orgs/{}", s.org_id)) { (s.org_code.clone().unwrap_or_default()) } } td { a href=(format!("/duty/{}", s.roster_id)) { (shift_word(l, &s.code)) } } td { (person(l, s)) @if let Some(e) = &s.email { " " span.muted { (e) } } } td { (fmt_datetime(s.starts_at)) } td { (fmt_datetime(s.ends_at)) } } }
                @if on.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa có lịch trực cho lúc này.", "No roster covers this moment.")) } } } } }
        p { a href="/duty/holidays" { (l.t("Ngày nghỉ lễ, Tết", "Public holidays")) } " · " a href="/api/v1/duty/now" { (l.t("API: ai đang trực", "API: who is on duty")) } }
        (handovers)
        h2 { (l.t("Các lịch trực", "Rosters")) }
        table.records #rosters { thead { tr { th { (l.t("Lịch", "Roster")) } th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Kiểu ca", "Pattern")) } th { (l.t("Thời gian", "Period")) } th { (l.t("Ca trống", "Empty slots")) } } }
            tbody { @for r in &rosters { tr { td { a href=(format!("/duty/{}", r.id)) { span data-raw { (r.name) } } } td { (r.org_code.clone().unwrap_or_default()) } td { (pattern_word(l, &r.pattern)) }
                td { (day_text(&r.first_day)) " – " (day_text(&r.last_day)) } td { @if r.gaps > 0 { span.badge.sev-critical { (r.gaps) } } @else { "0" } } } }
                @if rosters.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa có lịch trực.", "No rosters yet.")) } } } } }
        @if write {
            form.card #roster-form method="post" action="/duty" { (csrf(&c))
                h2 { (l.t("Lập lịch trực cho đơn vị", "Generate a roster for your organisation")) }
                p.muted { (l.t("Ca được chia đều (ca đêm, cuối tuần, ngày lễ tính nặng hơn), giữ thời gian nghỉ giữa hai ca, số ca liền tối đa và lịch nghỉ phép; ca không xếp được người sẽ được nêu rõ.",
                    "Shifts are shared out evenly (nights, weekends and holidays weigh more), keeping rest between shifts, the most shifts in a row and leave; a slot nobody can take is named.")) }
                p { label for="roster-name" { (l.t("Tên lịch", "Name")) } input #roster-name name="name" required placeholder=(l.t("Trực dịp nghỉ lễ 30/4 – 1/5", "Holiday duty 30/4 – 1/5")); }
                div.grid2 {
                    p { label for="roster-first" { (l.t("Từ ngày (dd/mm/yyyy)", "From (dd/mm/yyyy)")) } input #roster-first name="first" required value=(today.format("%d/%m/%Y").to_string()); }
                    p { label for="roster-last" { (l.t("Đến ngày (dd/mm/yyyy)", "To (dd/mm/yyyy)")) } input #roster-last name="last" required value=((today + chrono::Duration::days(13)).format("%d/%m/%Y").to_string()); }
                    p { label for="roster-pattern" { (l.t("Kiểu ca", "Pattern")) } select #roster-pattern name="pattern" { @for p in Pattern::ALL { option value=(p.as_str()) { (l.t(p.label_vi(), p.label_en())) } } } }
                    p { label for="roster-rest" { (l.t("Nghỉ tối thiểu giữa hai ca (giờ)", "Rest between shifts (hours)")) } input #roster-rest name="min_rest_hours" type="number" min="0" max="48" value="8"; }
                    p { label for="roster-max" { (l.t("Số ca liền tối đa", "Most shifts in a row")) } input #roster-max name="max_consecutive" type="number" min="1" max="31" value="5"; }
                }
                fieldset { legend { (l.t("Người trực", "Who stands duty")) }
                    @for p in &people { label.inline { input type="checkbox" name="person" value=(p.id) checked; " " span data-raw { (p.full_name) } } " " }
                    @if people.is_empty() { p.muted { (l.t("Đơn vị chưa có tài khoản nào có thể trực.", "Your organisation has no account that can stand duty.")) } } }
                button #roster-generate type="submit" { (l.t("Lập lịch", "Generate")) }
            }
            form.card #leave-form method="post" action="/duty/leave" { (csrf(&c))
                h2 { (l.t("Ghi nghỉ phép", "Record leave")) }
                div.grid2 {
                    p { label for="leave-person" { (l.t("Người nghỉ", "Who")) } select #leave-person name="user_id" { @for p in &people { option value=(p.id) { (p.full_name) } } } }
                    p { label for="leave-reason" { (l.t("Lý do", "Reason")) } input #leave-reason name="reason"; }
                    p { label for="leave-from" { (l.t("Từ ngày", "From")) } input #leave-from name="from" required placeholder="dd/mm/yyyy"; }
                    p { label for="leave-to" { (l.t("Đến hết ngày", "To (inclusive)")) } input #leave-to name="to" required placeholder="dd/mm/yyyy"; }
                }
                button type="submit" { (l.t("Ghi", "Record")) }
            }
        }
        h2 { (l.t("Nghỉ phép sắp tới", "Upcoming leave")) }
        table.records #leave { thead { tr { th { (l.t("Người", "Who")) } th { (l.t("Từ", "From")) } th { (l.t("Đến", "To")) } th { (l.t("Lý do", "Reason")) } } }
            tbody { @for v in &leave { tr { td { span data-raw { (v.full_name.clone().unwrap_or_default()) } } td { (fmt_date(v.from_at)) } td { (fmt_date(v.to_at - 1)) } td { span data-raw { (v.reason) } } } }
                @if leave.is_empty() { tr { td colspan="4" .muted { (l.t("Không có.", "None.")) } } } } }
        h2 { (l.t("Đề nghị đổi ca", "Swap requests")) }
        table.records #swaps { thead { tr { th { (l.t("Ca", "Shift")) } th { (l.t("Người nhận ca", "Taken by")) } th { (l.t("Lý do", "Reason")) } th { (l.t("Đề nghị bởi", "Asked by")) } th { (l.t("Trạng thái", "State")) } } }
            tbody { @for w in &swaps { tr { td { (fmt_datetime(w.starts_at)) " " (shift_word(l, &w.code)) } td { span data-raw { (w.to_name.clone().unwrap_or_default()) } } td { span data-raw { (w.reason) } } td { (w.requested_by) }
                td { @match w.state.as_str() {
                    "pending" => { span.badge.sev-medium { (l.t("Chờ duyệt", "Pending")) }
                        @if c.role.can_write() && matches!(c.role, canhgac_domain::Role::DicAdmin | canhgac_domain::Role::DicOperator | canhgac_domain::Role::OrgAdmin) {
                            form.inline method="post" action=(format!("/duty/swaps/{}", w.id)) { (csrf(&c)) button name="decision" value="approve" type="submit" { (l.t("Duyệt", "Approve")) } " " button.light name="decision" value="refuse" type="submit" { (l.t("Từ chối", "Refuse")) } } } }
                    "approved" => span.badge.sev-low { (l.t("Đã duyệt", "Approved")) },
                    _ => span.badge { (l.t("Từ chối", "Refused")) },
                } } } }
                @if swaps.is_empty() { tr { td colspan="5" .muted { (l.t("Không có.", "None.")) } } } } }
        div.card #feed {
            h2 { (l.t("Lịch trực của tôi trên điện thoại", "My shifts in my calendar")) }
            p.muted { (l.t("Tạo một đường dẫn iCalendar riêng để đăng ký trong lịch (Google Calendar, Outlook, điện thoại). Đường dẫn chỉ hiện một lần; tạo lại thì đường dẫn cũ hết hiệu lực.",
                "Make a private iCalendar link to subscribe to in a calendar app. It is shown once; making a new one ends the old.")) }
            form.inline method="post" action="/duty/feed" { (csrf(&c)) button #feed-new type="submit" { (l.t("Tạo đường dẫn lịch", "Make my calendar link")) } }
        }
    };
    Ok(page(&c, l.t("Lịch trực", "Duty roster"), "/duty", body).into_response())
}

fn bad_input(c: &Caller, vi: &str, en: &str) -> Response {
    error_page(c, StatusCode::BAD_REQUEST, vi, en)
}

fn date_of(c: &Caller, s: &str, what_vi: &str, what_en: &str) -> Result<NaiveDate, Response> {
    parse_date(s).map(local_date).ok_or_else(|| {
        bad_input(c, &format!("{what_vi}: “{s}” không phải ngày dd/mm/yyyy."), &format!("{what_en}: “{s}” is not a dd/mm/yyyy date."))
    })
}

/// `POST /duty`: generates a roster for the caller's organisation.
pub async fn generate(State(st): State<AppState>, c: Caller, Form(f): Form<Vec<(String, String)>>) -> UiResult {
    let Some(org) = c.user.org_id else { return Err(not_found(&c)) };
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let first = date_of(&c, &get("first"), "Từ ngày", "From")?;
    let last = date_of(&c, &get("last"), "Đến ngày", "To")?;
    let pattern = Pattern::parse(&get("pattern")).ok_or_else(|| bad_input(&c, "Kiểu ca không hợp lệ.", "Unknown pattern."))?;
    let rules = RotaRules {
        min_rest_hours: get("min_rest_hours").parse().unwrap_or(8),
        max_consecutive: get("max_consecutive").parse().unwrap_or(5),
    };
    let people: Vec<i64> = f.iter().filter(|(k, _)| k == "person").filter_map(|(_, v)| v.parse().ok()).collect();
    if people.is_empty() {
        return Err(bad_input(&c, "Hãy chọn ít nhất một người trực.", "Choose at least one person."));
    }
    let form = RosterForm { org_id: org, name: get("name"), pattern, first, last, rules, people };
    let g = duty::generate_roster(&st.store, &c.scope, &c.actor(), &form).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/duty/{}", g.id)).into_response())
}

/// `GET /duty/{id}`: the roster as a calendar, its gaps and each person's share.
pub async fn roster_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let r = st.store.roster(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    let shifts = st.store.roster_shifts(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?;
    let people = st.store.duty_people(&c.scope, r.org_id).await.unwrap_or_default();
    let mut by_day: BTreeMap<String, Vec<&ShiftRow>> = BTreeMap::new();
    for s in &shifts {
        by_day.entry(s.day.clone()).or_default().push(s);
    }
    // Each person's share: shifts, hours, of them at night and on days off.
    let mut load: BTreeMap<String, (u32, i64, i64, i64)> = BTreeMap::new();
    for s in &shifts {
        if let Some(n) = &s.full_name {
            let e = load.entry(n.clone()).or_default();
            let h = (s.ends_at - s.starts_at) / 3_600_000;
            e.0 += 1;
            e.1 += h;
            if s.night == 1 { e.2 += h; }
            if s.off_day == 1 { e.3 += h; }
        }
    }
    let gaps: Vec<&ShiftRow> = shifts.iter().filter(|s| s.user_id.is_none()).collect();
    // The roster's shift codes in the order they first occur: the calendar's columns.
    let mut codes: Vec<String> = Vec::new();
    for s in &shifts {
        if !codes.contains(&s.code) {
            codes.push(s.code.clone());
        }
    }
    let write = c.role.can_write() && c.scope.contains(r.org_id);
    let now = now_ms();
    let body = html! {
        p.muted { a href="/duty" { (l.t("Lịch trực", "Duty roster")) } " › " span data-raw { (r.name) } }
        h1 { span data-raw { (r.name) } }
        p { a href=(format!("/orgs/{}", r.org_id)) { (r.org_code.clone().unwrap_or_default()) } " · " (pattern_word(l, &r.pattern)) " · " (day_text(&r.first_day)) " – " (day_text(&r.last_day))
            " · " (l.t("nghỉ tối thiểu ", "rest ")) (r.min_rest_hours) (l.t(" giờ, tối đa ", " h, at most ")) (r.max_consecutive) (l.t(" ca liền", " shifts in a row"))
            " · " (l.t("lập bởi ", "made by ")) (crate::ui::fmt::actor(l, &r.created_by)) " " (fmt_datetime(r.created_at)) }
        p { a.button href=(format!("/duty/{}/xlsx", r.id)) { (l.t("Tải XLSX", "Download XLSX")) } }
        @if !gaps.is_empty() {
            div.flash.bad #roster-gaps { b { (gaps.len()) " " (l.t("ca chưa có người trực:", "slots nobody could take:")) }
                ul { @for g in gaps.iter().take(30) { li { (fmt_datetime(g.starts_at)) " " (shift_word(l, &g.code)) " — " (g.gap_reason.clone().unwrap_or_default()) } } } }
        }
        table.records #roster-calendar { thead { tr { th { (l.t("Ngày", "Day")) } @for code in &codes { th { (shift_word(l, code)) } } } }
            tbody { @for (day, list) in &by_day {
                @let hol = list.iter().find_map(|s| s.holiday.clone());
                tr { td { b { (day_text(day)) } @if let Some(h) = &hol { br; span.badge.sev-medium { (h) } } @else if list.iter().any(|s| s.off_day == 1) { br; span.muted { (l.t("cuối tuần", "weekend")) } } }
                    @for code in &codes { td { @for s in list.iter().filter(|s| &s.code == code) {
                        @if s.starts_at <= now && now < s.ends_at { b { "▶ " } } (person(l, s)) } } } }
                } } }
        @if write {
            @let future: Vec<&ShiftRow> = shifts.iter().filter(|s| s.starts_at > now).take(200).collect();
            @if !future.is_empty() {
                form.card #swap-form method="post" action="/duty/swap" { (csrf(&c))
                    h2 { (l.t("Đề nghị đổi ca", "Ask for a swap")) }
                    div.grid2 {
                        p { label for="swap-shift" { (l.t("Ca", "Shift")) } select #swap-shift name="shift_id" { @for s in &future { option value=(s.id) { (fmt_datetime(s.starts_at)) " " (shift_word(l, &s.code)) " — " (s.full_name.clone().unwrap_or_else(|| l.t("chưa có người", "nobody").to_string())) } } } }
                        p { label for="swap-to" { (l.t("Người nhận ca", "Taken by")) } select #swap-to name="to_user" { @for p in &people { option value=(p.id) { (p.full_name) } } } }
                        p { label for="swap-reason" { (l.t("Lý do", "Reason")) } input #swap-reason name="reason"; }
                    }
                    button type="submit" { (l.t("Gửi đề nghị", "Ask")) }
                }
            }
        }
        h2 { (l.t("Phân bổ", "Share of the load")) }
        table.records #roster-load { thead { tr { th { (l.t("Người", "Who")) } th { (l.t("Số ca", "Shifts")) } th { (l.t("Giờ", "Hours")) } th { (l.t("Giờ đêm", "Night hours")) } th { (l.t("Giờ cuối tuần, lễ", "Weekend, holiday hours")) } } }
            tbody { @for (n, (k, h, nh, oh)) in &load { tr { td { span data-raw { (n) } } td { (k) } td { (h) } td { (nh) } td { (oh) } } } } }
        @if write {
            form method="post" action=(format!("/duty/{}/delete", r.id)) data-confirm=(l.t("Xoá lịch trực này?", "Delete this roster?")) { (csrf(&c)) button.light type="submit" { (l.t("Xoá lịch", "Delete the roster")) } }
        }
    };
    Ok(page(&c, &r.name, "/duty", body).into_response())
}

/// `GET /duty/{id}/xlsx`.
pub async fn roster_xlsx(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let r = st.store.roster(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    let shifts = st.store.roster_shifts(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?;
    let (head, rows) = duty::table(&shifts);
    let bytes = canhgac_sheets::write_xlsx("Lịch trực", &head, &rows)
        .map_err(|e| error_page(&c, StatusCode::INTERNAL_SERVER_ERROR, "Không tạo được tệp.", &e.to_string()))?;
    let name = format!("lich-truc-{}-{}.xlsx", r.org_code.unwrap_or_default(), r.first_day);
    Ok(([(header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], bytes).into_response())
}

/// `POST /duty/{id}/delete`.
pub async fn delete(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    st.store.delete_roster(&c.scope, &c.actor(), id).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/duty").into_response())
}

/// `POST /duty/leave` (`user_id`, `from`, `to` inclusive, `reason`).
pub async fn add_leave(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let Some(org) = c.user.org_id else { return Err(not_found(&c)) };
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let from = date_of(&c, &get("from"), "Từ ngày", "From")?;
    let to = date_of(&c, &get("to"), "Đến ngày", "To")?;
    let user: i64 = get("user_id").parse().map_err(|_| bad_input(&c, "Hãy chọn người nghỉ.", "Choose who is on leave."))?;
    st.store.add_leave(&c.scope, &c.actor(), org, user, midnight(from), midnight(to + chrono::Duration::days(1)), &get("reason"))
        .await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/duty#leave").into_response())
}

/// `POST /duty/swap` (`shift_id`, `to_user`, `reason`).
pub async fn request_swap(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let id: i64 = f.get("shift_id").and_then(|v| v.parse().ok()).ok_or_else(|| bad_input(&c, "Hãy chọn ca.", "Choose the shift."))?;
    let to: i64 = f.get("to_user").and_then(|v| v.parse().ok()).ok_or_else(|| bad_input(&c, "Hãy chọn người nhận ca.", "Choose who takes the shift."))?;
    st.store.request_swap(&c.scope, &c.actor(), id, to, f.get("reason").map(String::as_str).unwrap_or("")).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/duty#swaps").into_response())
}

/// `POST /duty/swaps/{id}` (`decision` = approve | refuse): the DIC or the organisation's
/// administrator decides.
pub async fn decide_swap(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    use canhgac_domain::Role;
    if !matches!(c.role, Role::DicAdmin | Role::DicOperator | Role::OrgAdmin) {
        return Err(error_page(&c, StatusCode::FORBIDDEN, "Chỉ quản trị đơn vị hoặc Sở TTTT duyệt đổi ca.", "Only the organisation's administrator or the DIC approves swaps."));
    }
    let approve = match f.get("decision").map(String::as_str) {
        Some("approve") => true,
        Some("refuse") => false,
        _ => return Err(bad_input(&c, "Quyết định không hợp lệ.", "Unknown decision.")),
    };
    st.store.decide_swap(&c.scope, &c.actor(), id, approve).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/duty#swaps").into_response())
}

/// `POST /duty/feed`: a new private calendar link for the caller (shown once).
pub async fn new_feed(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    use rand::RngCore;
    let mut raw = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    st.store.set_feed_token(c.user.id, &hash).await.map_err(|e| store_error_page(&c, e))?;
    let path = format!("/duty/ical/{token}");
    let body = html! {
        h1 { (l.t("Đường dẫn lịch trực của bạn", "Your duty calendar link")) }
        p { (l.t("Sao chép đường dẫn này vào ứng dụng lịch (\"Thêm lịch từ URL\"). Nó chỉ hiện lần này.", "Copy this link into your calendar app (\"add calendar from URL\"). It is shown only this once.")) }
        p { code #feed-url { (path) } }
        p { a href="/duty" { "← " (l.t("Lịch trực", "Duty roster")) } }
    };
    Ok(page(&c, l.t("Đường dẫn lịch trực", "Calendar link"), "/duty", body).into_response())
}

/// `GET /duty/ical/{token}`: the person's shifts as iCalendar (the token is the credential).
pub async fn ical_feed(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    let token = token.trim_end_matches(".ics");
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let user = match st.store.feed_user(&hash).await {
        Ok(Some(u)) => u,
        Ok(None) => return (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response(),
    };
    let now = now_ms();
    let shifts = st.store.user_shifts(user, now - 30 * 86_400_000).await.unwrap_or_default();
    let name = shifts.first().and_then(|s| s.full_name.clone()).unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")],
        duty::ical(&name, &shifts, now),
    )
        .into_response()
}

/// `GET /duty/holidays`.
pub async fn holidays_page(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let today = local_date(now_ms());
    let from = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let to = from + chrono::Duration::days(730);
    let hol = st.store.holidays(from, to).await.map_err(|e| store_error_page(&c, e))?;
    let edit = c.role == canhgac_domain::Role::DicAdmin;
    let body = html! {
        p.muted { a href="/duty" { (l.t("Lịch trực", "Duty roster")) } }
        h1 { (l.t("Ngày nghỉ lễ, Tết", "Public holidays")) }
        p.muted { (l.t("Theo Bộ luật Lao động 2019 (Điều 112); ngày Tết và Giỗ Tổ theo âm lịch. Chính phủ có thể điều chỉnh, hoán đổi ngày nghỉ hằng năm: Sở TTTT cập nhật tại đây. Ngày lễ được xếp như ngày nghỉ (trực 24 giờ với kiểu ca ngày/đêm) và tính nặng hơn khi chia ca.",
            "From the Labour Code 2019 (Art. 112); Tết and the Hùng Kings' day by the lunar calendar. The government moves days each year: the DIC updates them here. A holiday is rostered as a day off (a 24-hour shift with the day/night pattern) and weighs more when sharing out shifts.")) }
        table.records #holidays { thead { tr { th { (l.t("Ngày", "Day")) } th { (l.t("Tên", "Name")) } } }
            tbody { @for h in &hol { tr { td { (h.date.format("%d/%m/%Y").to_string()) } td { (h.name) } } } } }
        @if edit {
            form.card #holiday-form method="post" action="/duty/holidays" { (csrf(&c))
                h2 { (l.t("Thêm, sửa hoặc bỏ một ngày", "Add, rename or remove a day")) }
                p { label for="hol-day" { (l.t("Ngày (dd/mm/yyyy)", "Day (dd/mm/yyyy)")) } input #hol-day name="day" required; }
                p { label for="hol-name" { (l.t("Tên (để trống để bỏ ngày này)", "Name (empty removes the day)")) } input #hol-name name="name"; }
                button type="submit" { (l.t("Lưu", "Save")) }
            }
        }
    };
    Ok(page(&c, l.t("Ngày nghỉ lễ, Tết", "Public holidays"), "/duty", body).into_response())
}

/// `POST /duty/holidays` (`day`, `name`; an empty name removes the day).
pub async fn set_holiday(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let day = date_of(&c, f.get("day").map(String::as_str).unwrap_or(""), "Ngày", "Day")?;
    let name = f.get("name").map(|s| s.trim()).unwrap_or("");
    let r = if name.is_empty() {
        st.store.delete_holiday(&c.actor(), day).await
    } else {
        st.store.set_holiday(&c.actor(), day, name).await
    };
    r.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/duty/holidays").into_response())
}
