//! On-call pages: the list (those paging you first), a page with every message sent, the
//! acknowledgement link's page, and the settings (policy, channels, allowed destinations).

use crate::auth::{Caller, Lang};
use crate::ui::layout::{bare_page, csrf, page, severity};
use crate::ui::{error_page, not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use canhgac_domain::oncall::{ChannelKind, Policy, Step, Target};
use canhgac_domain::time::fmt_datetime;
use canhgac_domain::Role;
use canhgac_ops::oncall::{detail, token_hash};
use canhgac_store::{NewChannel, PageRow, StoreError};
use maud::{html, Markup};
use std::collections::HashMap;

pub(crate) fn state_badge(l: Lang, p: &PageRow) -> Markup {
    match p.state.as_str() {
        "open" => html! { span.badge.sev-critical { (l.t("Đang gọi", "Paging")) } },
        "merged" => html! { span.badge.sev-info { (l.t("Gộp vào sự cố", "Folded into the incident")) } },
        _ => html! { span.badge.sev-low { (l.t("Đã xác nhận", "Acknowledged")) } },
    }
}

fn source_link(l: Lang, p: &PageRow) -> Markup {
    let (href, word) = if p.source_kind == "incident" {
        (format!("/incidents/{}", p.source_id), l.t("Sự cố", "Incident"))
    } else {
        (format!("/signals/{}", p.source_id), l.t("Cảnh báo", "Alert"))
    };
    html! { a href=(href) { (word) " #" (p.source_id) } }
}

fn acked_by(l: Lang, who: &str) -> Markup {
    match who {
        "system:signal" => html! { (l.t("đã tiếp nhận tại trang cảnh báo", "taken up on the alert's page")) },
        "system:incident" => html! { (l.t("sự cố đã được phân loại, xử lý", "the incident was triaged")) },
        w => html! { (crate::ui::fmt::actor(l, w)) },
    }
}

fn channel_word(l: Lang, ch: &str) -> &'static str {
    match ChannelKind::parse(ch) {
        Some(k) => k.label(l == Lang::Vi),
        None => match l {
            Lang::Vi => "Trong ứng dụng",
            Lang::En => "In the application",
        },
    }
}

fn detail_text(l: Lang, d: &str) -> Markup {
    match d {
        detail::NO_MAILER => html! { (l.t("Chưa cấu hình máy chủ thư (SMTP): chỉ hiện trong ứng dụng", "No mail server (SMTP) configured: shown in the application only")) },
        detail::NOT_ALLOWED => html! { (l.t("Địa chỉ đích chưa được quản trị viên cho phép", "The destination is not allowed by the administrator")) },
        detail::NOBODY => html! { (l.t("Bước này không có ai để gọi (chưa có lịch trực, quản trị viên hay kênh)", "This step named nobody (no roster, administrator or channel)")) },
        other => html! { span data-raw { (other) } },
    }
}

fn step_text(l: Lang, p: &PageRow) -> String {
    match (p.state.as_str(), p.next_at) {
        ("open", Some(at)) => format!("{} {} · {} {}", l.t("bước tiếp theo", "next step"), p.step + 1, l.t("lúc", "at"), fmt_datetime(at)),
        ("open", None) => l.t("đã gọi hết các bước, chờ xác nhận", "every step paged, awaiting acknowledgement").to_string(),
        _ => String::new(),
    }
}

fn pages_table(l: Lang, rows: &[PageRow], id: &str) -> Markup {
    html! {
        table.records id=(id) {
            thead { tr { th { (l.t("Mở lúc", "Opened")) } th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Nội dung", "What")) } th { (l.t("Mức độ", "Severity")) }
                th { (l.t("Sự kiện", "Events")) } th { (l.t("Trạng thái", "State")) } th { (l.t("Leo thang", "Escalation")) } } }
            tbody {
                @for p in rows { tr {
                    td { a href=(format!("/oncall/pages/{}", p.id)) { (fmt_datetime(p.created_at)) } }
                    td { a href=(format!("/orgs/{}", p.org_id)) { (p.org_code.clone().unwrap_or_default()) } }
                    td { (source_link(l, p)) " " span data-raw { (p.title) } }
                    td { (severity(l, &p.severity)) }
                    td { (p.events) }
                    td { (state_badge(l, p)) }
                    td.muted { (step_text(l, p)) }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { (l.t("Không có.", "None.")) } } }
            }
        }
    }
}

/// `GET /oncall` (`all=1`: also the closed ones).
pub async fn list(State(st): State<AppState>, c: Caller, Query(q): Query<HashMap<String, String>>) -> UiResult {
    let l = c.lang;
    let all = q.get("all").is_some_and(|v| v == "1");
    let mine = st.store.oncall_pages(&c.scope, true, Some(c.user.id), 50).await.map_err(|e| store_error_page(&c, e))?;
    let rows = st.store.oncall_pages(&c.scope, !all, None, 200).await.map_err(|e| store_error_page(&c, e))?;
    let body = html! {
        h1 { (l.t("Gọi trực", "On-call pages")) }
        p.muted { (l.t("Mỗi sự cố mới, mỗi nhóm cảnh báo mức cao, nghiêm trọng và mỗi cảnh báo từ nền tảng quốc gia gọi người đang trực của đơn vị (thư điện tử, webhook, Telegram) kèm đường dẫn xác nhận; chưa ai xác nhận thì sau số phút đã đặt sẽ gọi bước tiếp theo. Một sự cố chỉ gọi một lần, không gọi theo từng sự kiện.",
            "Each new incident, each high or critical alert group and each national-platform alert pages the organisation's officers on duty (e-mail, webhook, Telegram) with an acknowledgement link; unacknowledged after the set minutes, the next step is paged. One page per incident, not per event.")) }
        p { a href="/oncall/settings" { (l.t("Chính sách leo thang và kênh nhận", "Escalation policy and channels")) } }
        @if !mine.is_empty() {
            h2 #paging-you { (l.t("Đang gọi bạn", "Paging you")) }
            (pages_table(l, &mine, "oncall-mine"))
        }
        h2 { @if all { (l.t("Tất cả lượt gọi", "All pages")) } @else { (l.t("Đang gọi", "Open pages")) } }
        p { @if all { a href="/oncall" { (l.t("Chỉ xem lượt đang gọi", "Open pages only")) } } @else { a href="/oncall?all=1" { (l.t("Xem cả lượt đã xác nhận", "Include acknowledged pages")) } } }
        (pages_table(l, &rows, "oncall-pages"))
    };
    Ok(page(&c, l.t("Gọi trực", "On-call pages"), "/oncall", body).into_response())
}

/// `GET /oncall/pages/{id}`.
pub async fn detail(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let p = st.store.oncall_page(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    let deliveries = st.store.page_deliveries(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?;
    let policy = st.store.oncall_policy(p.org_id).await.unwrap_or_default();
    let body = html! {
        p.muted { a href="/oncall" { (l.t("Gọi trực", "On-call pages")) } }
        h1 { (l.t("Lượt gọi trực", "On-call page")) " #" (p.id) }
        p { (state_badge(l, &p)) " " (severity(l, &p.severity)) " " (source_link(l, &p)) " " span data-raw { (p.title) } }
        dl.facts {
            dt { (l.t("Đơn vị", "Organisation")) } dd { a href=(format!("/orgs/{}", p.org_id)) { (p.org_code.clone().unwrap_or_default()) } }
            dt { (l.t("Mở lúc", "Opened")) } dd { (fmt_datetime(p.created_at)) }
            dt { (l.t("Số sự kiện gộp", "Events folded in")) } dd #page-events { (p.events) }
            dt { (l.t("Bước", "Step")) } dd { (p.step + 1) " / " (policy.steps.len()) " · " (l.t("lượt ", "round ")) (p.round + 1) " " span.muted { (step_text(l, &p)) } }
            @if let Some(a) = p.acked_at { dt { (l.t("Xác nhận", "Acknowledged")) } dd #page-acked { (fmt_datetime(a)) " — " (acked_by(l, p.acked_by.as_deref().unwrap_or(""))) } }
            @if let Some(r) = &p.closed_reason { @if let Some(i) = r.strip_prefix("incident:") {
                dt { (l.t("Gộp vào", "Folded into")) } dd { a href=(format!("/incidents/{i}")) { (l.t("Sự cố #", "Incident #")) (i) } }
            } }
        }
        @if p.state == "open" && c.role.can_write() {
            form method="post" action=(format!("/oncall/pages/{}/ack", p.id)) { (csrf(&c)) button #page-ack type="submit" { (l.t("Xác nhận đã nhận, tôi xử lý", "Acknowledge: I am on it")) } }
        }
        h2 { (l.t("Tin đã gửi", "Messages sent")) }
        table.records #page-deliveries {
            thead { tr { th { (l.t("Lúc", "At")) } th { (l.t("Bước", "Step")) } th { (l.t("Người nhận", "Recipient")) } th { (l.t("Kênh", "Channel")) } th { (l.t("Đến", "To")) } th { (l.t("Kết quả", "Result")) } } }
            tbody {
                @for d in &deliveries { tr {
                    td { (fmt_datetime(d.at)) } td { (d.step + 1) "·" (d.round + 1) }
                    td { @match &d.user_name { Some(n) => span data-raw { (n) }, None => span.muted { (l.t("kênh chung", "shared channel")) } } }
                    td { (channel_word(l, &d.channel)) } td { span data-raw { (d.target) } }
                    td { @if d.ok { span.badge.sev-low { (l.t("Đã gửi", "Sent")) } " " } @else { span.badge.sev-high { (l.t("Chưa gửi được", "Not sent")) } " " } span.muted { (detail_text(l, &d.detail)) } }
                } }
                @if deliveries.is_empty() { tr { td colspan="6" .muted { @if p.state == "open" { (l.t("Chưa gửi tin nào (bộ gọi chạy mỗi 30 giây).", "Nothing sent yet (the pager runs every 30 seconds).")) } @else { (l.t("Không cần gửi: đã được tiếp nhận trước lượt gọi đầu.", "Nothing sent: taken up before the first step.")) } } } }
            }
        }
    };
    Ok(page(&c, l.t("Lượt gọi trực", "On-call page"), "/oncall", body).into_response())
}

/// `POST /oncall/pages/{id}/ack`.
pub async fn ack(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    match st.store.ack_page(&c.scope, &c.actor(), id).await {
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(Redirect::to(&format!("/oncall/pages/{id}")).into_response()),
        Err(e) => Err(store_error_page(&c, e)),
    }
}

fn link_page(l: Lang, status: StatusCode, body: Markup) -> Response {
    (status, bare_page(l, l.t("Xác nhận lượt gọi trực", "Acknowledge a page"), body)).into_response()
}

/// `GET /oncall/ack/{token}` (public: the token is the credential): what the page is about and
/// a button to acknowledge — a GET changes nothing, so mail scanners that open links do not
/// acknowledge on anyone's behalf.
pub async fn ack_link(State(st): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    let l = Lang::from_headers(&headers);
    match st.store.page_by_token(&token_hash(&token)).await {
        Ok(Some((p, _))) => link_page(l, StatusCode::OK, html! {
            h1 { (l.t("Lượt gọi trực", "On-call page")) " #" (p.id) }
            p { (severity(l, &p.severity)) " " strong { span data-raw { (p.title) } } }
            p.muted { (p.org_code.clone().unwrap_or_default()) " · " (l.t("mở lúc ", "opened ")) (fmt_datetime(p.created_at)) }
            @if p.state == "open" {
                form method="post" action=(format!("/oncall/ack/{token}")) { button #link-ack type="submit" { (l.t("Xác nhận đã nhận, tôi xử lý", "Acknowledge: I am on it")) } }
            } @else {
                p #link-done { (l.t("Lượt gọi này đã được xác nhận.", "This page was already acknowledged.")) }
            }
            p { a href=(format!("/oncall/pages/{}", p.id)) { (l.t("Mở trong canhgac (cần đăng nhập)", "Open in canhgac (log-in needed)")) } }
        }),
        Ok(None) => link_page(l, StatusCode::NOT_FOUND, html! { p { (l.t("Đường dẫn không đúng hoặc đã hết hiệu lực.", "This link is wrong or no longer valid.")) } }),
        Err(_) => link_page(l, StatusCode::SERVICE_UNAVAILABLE, html! { p { (l.t("Lỗi lưu trữ; hãy thử lại.", "Storage error; try again.")) } }),
    }
}

/// `POST /oncall/ack/{token}`: acknowledges as the person (or channel) the message went to.
pub async fn ack_link_confirm(State(st): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    let l = Lang::from_headers(&headers);
    match st.store.ack_page_by_token(&token_hash(&token)).await {
        Ok(p) => link_page(l, StatusCode::OK, html! {
            h1 { (l.t("Đã xác nhận", "Acknowledged")) }
            p #link-acked { (l.t("Cảm ơn. Lượt gọi #", "Thank you. Page #")) (p.id) (l.t(" đã dừng leo thang.", " stops escalating.")) }
            p { a href=(format!("/oncall/pages/{}", p.id)) { (l.t("Mở trong canhgac", "Open in canhgac")) } }
        }),
        Err(StoreError::Conflict(_)) => link_page(l, StatusCode::OK, html! { p #link-done { (l.t("Lượt gọi này đã được xác nhận.", "This page was already acknowledged.")) } }),
        Err(StoreError::NotFound) => link_page(l, StatusCode::NOT_FOUND, html! { p { (l.t("Đường dẫn không đúng hoặc đã hết hiệu lực.", "This link is wrong or no longer valid.")) } }),
        Err(_) => link_page(l, StatusCode::SERVICE_UNAVAILABLE, html! { p { (l.t("Lỗi lưu trữ; hãy thử lại.", "Storage error; try again.")) } }),
    }
}

fn short_target(l: Lang, t: Target) -> &'static str {
    match t {
        Target::OnDuty => l.t("Người trực", "On duty"),
        Target::Channels => l.t("Kênh chung", "Channels"),
        Target::OrgAdmins => l.t("Quản trị", "Admins"),
        Target::DicDuty => l.t("Trực Sở", "DIC duty"),
    }
}

fn is_admin(c: &Caller) -> bool {
    matches!(c.role, Role::DicAdmin | Role::OrgAdmin)
}

/// `GET /oncall/settings`: the caller's organisation's policy and channels; the allowed
/// destinations.
pub async fn settings(State(st): State<AppState>, c: Caller) -> UiResult {
    let l = c.lang;
    let org = c.user.org_id;
    let policy = match org {
        Some(o) => st.store.oncall_policy(o).await.map_err(|e| store_error_page(&c, e))?,
        None => Policy::default(),
    };
    let channels = match org {
        Some(o) => st.store.oncall_channels(&c.scope, Some(o)).await.map_err(|e| store_error_page(&c, e))?,
        None => Vec::new(),
    };
    let dests = st.store.oncall_destinations().await.map_err(|e| store_error_page(&c, e))?;
    let admin = is_admin(&c) && org.is_some();
    let dic_admin = c.role == Role::DicAdmin;
    let write = c.role.can_write() && org.is_some();
    let rows = policy.steps.len().max(1) + 1;
    let body = html! {
        p.muted { a href="/oncall" { (l.t("Gọi trực", "On-call pages")) } }
        h1 { (l.t("Chính sách leo thang và kênh nhận", "Escalation policy and channels")) }
        h2 { (l.t("Chính sách leo thang của đơn vị", "Your organisation's escalation policy")) }
        @if admin {
            form.card #policy-form method="post" action="/oncall/policy" { (csrf(&c))
                table.records { thead { tr { th { (l.t("Bước", "Step")) } @for t in Target::ALL { th title=(l.t(t.label_vi(), t.label_en())) { (short_target(l, t)) } } th title=(l.t("Chờ xác nhận (phút) rồi gọi bước sau", "Wait for acknowledgement (minutes), then the next step")) { (l.t("Chờ (phút)", "Wait (min)")) } } }
                    tbody { @for i in 0..rows.min(10) { @let s = policy.steps.get(i); tr {
                        td { (i + 1) }
                        @for t in Target::ALL { td { input.check type="checkbox" name=(format!("step{}", i + 1)) value=(t.as_str()) checked[s.is_some_and(|s| s.targets.contains(&t))]; } }
                        td { input.num type="number" min="1" max="1440" name=(format!("wait{}", i + 1)) value=(s.map(|s| s.wait_minutes.to_string()).unwrap_or_default()); }
                    } } } }
                p { label for="repeat" { (l.t("Lặp lại cả chính sách nếu chưa ai xác nhận (lần)", "Run the whole policy again if nobody acknowledged (times)")) } " "
                    input.num #repeat type="number" min="0" max="5" name="repeat" value=(policy.repeat); }
                p.muted { (l.t("Bước không chọn ai sẽ bị bỏ qua. Bước 1 gọi ngay khi có sự cố hoặc cảnh báo.", "A step with nobody ticked is dropped. Step 1 pages at once.")) }
                button #policy-save type="submit" { (l.t("Lưu chính sách", "Save the policy")) }
            }
        } @else {
            ol #policy-steps { @for s in &policy.steps { li {
                (s.targets.iter().map(|t| l.t(t.label_vi(), t.label_en())).collect::<Vec<_>>().join(", "))
                " — " (l.t("chờ ", "wait ")) (s.wait_minutes) (l.t(" phút", " minutes")) } } }
            p.muted { (l.t("Lặp lại: ", "Repeats: ")) (policy.repeat) }
        }
        h2 { (l.t("Kênh nhận", "Channels")) }
        p.muted { (l.t("Ngoài thư điện tử tới địa chỉ đăng nhập, mỗi người có thể thêm kênh riêng (Telegram); quản trị viên thêm kênh chung của đơn vị (webhook, nhóm Telegram).",
            "Besides e-mail to the log-in address, each person may add their own channels (Telegram); administrators add the organisation's shared channels (webhook, Telegram group).")) }
        table.records #channels {
            thead { tr { th { (l.t("Tên", "Name")) } th { (l.t("Của", "Whose")) } th { (l.t("Kênh", "Channel")) } th { (l.t("Đến", "To")) } th {} } }
            tbody {
                @for ch in &channels { tr {
                    td { span data-raw { (ch.label) } } td { @match &ch.user_name { Some(n) => span data-raw { (n) }, None => (l.t("Kênh chung", "Shared")) } }
                    td { (channel_word(l, &ch.kind)) } td { span data-raw { (ch.target) } }
                    td { @if write && (admin || ch.user_id == Some(c.user.id)) {
                        form.inline method="post" action=(format!("/oncall/channels/{}/delete", ch.id)) { (csrf(&c)) button.light type="submit" { (l.t("Xoá", "Remove")) } } } }
                } }
                @if channels.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa có kênh nào ngoài thư điện tử.", "No channel besides e-mail yet.")) } } }
            }
        }
        @if write {
            form.card #channel-form method="post" action="/oncall/channels" { (csrf(&c))
                p { label for="ch-kind" { (l.t("Kênh", "Channel")) } " " select #ch-kind name="kind" { @for k in ChannelKind::ALL { option value=(k.as_str()) { (k.label(l == Lang::Vi)) } } }
                    @if admin { " " label { input.check type="checkbox" name="shared" value="1"; " " (l.t("kênh chung của đơn vị", "the organisation's shared channel")) } } }
                p { label for="ch-label" { (l.t("Tên", "Name")) } " " input #ch-label name="label" size="30"; }
                p { label for="ch-target" { (l.t("Địa chỉ thư, URL webhook hoặc mã cuộc trò chuyện Telegram", "E-mail address, webhook URL or Telegram chat id")) } " " input #ch-target name="target" size="50" required; }
                p { label for="ch-endpoint" { (l.t("Telegram: địa chỉ API của bot (https://api.telegram.org/bot<mã>)", "Telegram: the bot's API address (https://api.telegram.org/bot<token>)")) } " " input #ch-endpoint name="endpoint" size="50"; }
                button #channel-add type="submit" { (l.t("Thêm kênh", "Add the channel")) }
            }
        }
        h2 #destinations { (l.t("Địa chỉ được phép gửi webhook", "Destinations allowed for webhooks")) }
        p.muted { (l.t("Webhook và bot Telegram chỉ gửi tới các địa chỉ bắt đầu bằng một mục dưới đây (cùng giao thức, máy, cổng; đường dẫn theo từng đoạn). Chỉ quản trị viên Sở TT&TT thay đổi danh sách.",
            "Webhooks and Telegram bots send only to addresses under an entry below (same scheme, host and port; the path by whole segments). Only the DIC administrator changes the list.")) }
        table.records #destination-list {
            thead { tr { th { (l.t("Tiền tố URL", "URL prefix")) } th { (l.t("Ghi chú", "Note")) } th { (l.t("Thêm bởi", "Added by")) } th {} } }
            tbody {
                @for d in &dests { tr { td { code { (d.prefix) } } td { span data-raw { (d.note) } } td { (crate::ui::fmt::actor(l, &d.created_by)) " " (fmt_datetime(d.created_at)) }
                    td { @if dic_admin { form.inline method="post" action=(format!("/oncall/destinations/{}/delete", d.id)) { (csrf(&c)) button.light type="submit" { (l.t("Thu hồi", "Withdraw")) } } } } } }
                @if dests.is_empty() { tr { td colspan="4" .muted { (l.t("Chưa cho phép địa chỉ nào.", "No destination allowed yet.")) } } }
            }
        }
        @if dic_admin {
            form.card #destination-form method="post" action="/oncall/destinations" { (csrf(&c))
                p { label for="dest-prefix" { (l.t("Tiền tố URL", "URL prefix")) } " " input #dest-prefix name="prefix" size="50" required placeholder="https://hooks.example.gov.vn/canhgac"; }
                p { label for="dest-note" { (l.t("Ghi chú", "Note")) } " " input #dest-note name="note" size="50"; }
                button #destination-add type="submit" { (l.t("Cho phép", "Allow")) }
            }
        }
    };
    Ok(page(&c, l.t("Chính sách gọi trực", "On-call settings"), "/oncall", body).into_response())
}

/// `POST /oncall/policy` (`step{n}` = targets, repeated; `wait{n}`; `repeat`).
pub async fn set_policy(State(st): State<AppState>, c: Caller, Form(f): Form<Vec<(String, String)>>) -> UiResult {
    let Some(org) = c.user.org_id else { return Err(not_found(&c)) };
    let mut steps = Vec::new();
    for n in 1..=10 {
        let targets: Vec<Target> = f.iter().filter(|(k, _)| *k == format!("step{n}")).filter_map(|(_, v)| Target::parse(v)).collect();
        if targets.is_empty() {
            continue;
        }
        let wait = f.iter().find(|(k, _)| *k == format!("wait{n}")).map(|(_, v)| v.trim()).unwrap_or("");
        let Ok(wait_minutes) = wait.parse::<i64>() else {
            return Err(error_page(&c, StatusCode::UNPROCESSABLE_ENTITY, &format!("Bước {n}: nhập số phút chờ (1–1440)."), &format!("Step {n}: give the minutes to wait (1–1440).")));
        };
        steps.push(Step { targets, wait_minutes });
    }
    let repeat = f.iter().find(|(k, _)| k == "repeat").and_then(|(_, v)| v.trim().parse::<i64>().ok()).unwrap_or(0);
    st.store.set_oncall_policy(&c.scope, &c.actor(), org, &Policy { steps, repeat }).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/oncall/settings").into_response())
}

/// `POST /oncall/channels` (`kind`, `label`, `target`, `endpoint`, `shared`): a person adds
/// their own; an administrator may add the organisation's shared one.
pub async fn add_channel(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let Some(org) = c.user.org_id else { return Err(not_found(&c)) };
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let Some(kind) = ChannelKind::parse(&get("kind")) else {
        return Err(error_page(&c, StatusCode::UNPROCESSABLE_ENTITY, "Chọn loại kênh.", "Choose the kind of channel."));
    };
    let shared = get("shared") == "1";
    if shared && !is_admin(&c) {
        return Err(error_page(&c, StatusCode::FORBIDDEN, "Chỉ quản trị viên thêm kênh chung của đơn vị.", "Only administrators add the organisation's shared channels."));
    }
    let ch = NewChannel { org_id: org, user_id: if shared { None } else { Some(c.user.id) }, kind, label: get("label"), target: get("target"), endpoint: get("endpoint") };
    st.store.add_oncall_channel(&c.scope, &c.actor(), &ch).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/oncall/settings").into_response())
}

/// `POST /oncall/channels/{id}/delete`: your own; an administrator any of the organisation's.
pub async fn delete_channel(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    st.store.delete_oncall_channel(&c.scope, &c.actor(), id, !is_admin(&c)).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/oncall/settings").into_response())
}

/// `POST /oncall/destinations` (`prefix`, `note`).
pub async fn add_destination(State(st): State<AppState>, c: Caller, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    st.store.add_oncall_destination(&c.actor(), &get("prefix"), &get("note")).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/oncall/settings#destinations").into_response())
}

/// `POST /oncall/destinations/{id}/delete`.
pub async fn delete_destination(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    st.store.delete_oncall_destination(&c.actor(), id).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to("/oncall/settings#destinations").into_response())
}
