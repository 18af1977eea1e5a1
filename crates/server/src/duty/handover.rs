//! Shift handover pages: the outgoing officer prepares the note of their shift (what happened,
//! what is still open, their remarks); the incoming officer acknowledges it; handovers not yet
//! acknowledged stay in view on the duty page.

use crate::auth::Caller;
use crate::ui::layout::{csrf, page, severity};
use crate::ui::{not_found, store_error_page, UiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use canhgac_domain::time::{fmt_datetime, now_ms};
use maud::{html, Markup};
use std::collections::HashMap;

/// The duty page's block: the caller's shift to hand over (under way or ended in the last day,
/// not yet handed over), and the recent handovers, pending first.
pub(crate) async fn block(st: &AppState, c: &Caller) -> Markup {
    let l = c.lang;
    let now = now_ms();
    let mine = st
        .store
        .user_shifts(c.user.id, now - 86_400_000)
        .await
        .unwrap_or_default()
        .into_iter()
        .rev()
        .find(|s| s.starts_at <= now);
    let to_hand = match mine {
        Some(s) => match st.store.handover_of_shift(&c.scope, s.id).await {
            Ok(None) => Some(s),
            _ => None,
        },
        None => None,
    };
    let mut list = st.store.handovers(&c.scope, true, 50).await.unwrap_or_default();
    list.extend(st.store.handovers(&c.scope, false, 20).await.unwrap_or_default().into_iter().filter(|h| h.acknowledged_at.is_some()));
    html! {
        h2 #handovers { (l.t("Bàn giao ca", "Shift handover")) }
        @if let Some(s) = &to_hand {
            @if c.role.can_write() {
                form.card #handover-form method="post" action=(format!("/duty/shifts/{}/handover", s.id)) { (csrf(c))
                    p { b { (l.t("Ca của bạn: ", "Your shift: ")) } (super::pages::shift_word(l, &s.code)) " " (fmt_datetime(s.starts_at)) " → " (fmt_datetime(s.ends_at)) }
                    p.muted { (l.t("Biên bản tự tổng hợp cảnh báo, sự cố, công việc và cảnh báo nền tảng trong ca và những việc còn mở; thêm ghi chú cho người nhận ca.",
                        "The note counts the shift's signals, incidents, work and platform alerts and what is still open; add your remarks for the next officer.")) }
                    p { label for="handover-remarks" { (l.t("Ghi chú bàn giao", "Remarks")) } textarea #handover-remarks name="remarks" rows="3" {} }
                    button #handover-prepare type="submit" { (l.t("Lập biên bản bàn giao", "Prepare the handover")) }
                }
            }
        }
        table.records #handover-list { thead { tr { th { (l.t("Ca kết thúc", "Shift ended")) } th { (l.t("Đơn vị", "Organisation")) } th { (l.t("Người giao", "From")) } th { (l.t("Người nhận", "To")) } th { (l.t("Trạng thái", "State")) } } }
            tbody { @for h in &list { tr {
                td { a href=(format!("/duty/handovers/{}", h.id)) { (fmt_datetime(h.ends_at)) } } td { (h.org_code.clone().unwrap_or_default()) }
                td { span data-raw { (h.from_name.clone().unwrap_or_default()) } } td { span data-raw { (h.to_name.clone().unwrap_or_default()) } }
                td { @match h.acknowledged_at { Some(a) => span.badge.sev-low { (l.t("Đã nhận ", "Acknowledged ")) (fmt_datetime(a)) }, None => span.badge.sev-high { (l.t("Chờ nhận ca", "Awaiting acknowledgement")) } } } } }
                @if list.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa có biên bản bàn giao.", "No handovers yet.")) } } } } }
    }
}

/// `POST /duty/shifts/{id}/handover` (`remarks`).
pub async fn prepare(State(st): State<AppState>, c: Caller, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> UiResult {
    let h = st.store.prepare_handover(&c.scope, &c.actor(), id, f.get("remarks").map(String::as_str).unwrap_or("")).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/duty/handovers/{h}")).into_response())
}

/// `POST /duty/handovers/{id}/ack`.
pub async fn acknowledge(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    st.store.acknowledge_handover(&c.scope, &c.actor(), id).await.map_err(|e| store_error_page(&c, e))?;
    Ok(Redirect::to(&format!("/duty/handovers/{id}")).into_response())
}

/// `GET /duty/handovers/{id}`.
pub async fn handover_page(State(st): State<AppState>, c: Caller, Path(id): Path<i64>) -> UiResult {
    let l = c.lang;
    let h = st.store.handover(&c.scope, id).await.map_err(|e| store_error_page(&c, e))?.ok_or_else(|| not_found(&c))?;
    let d = &h.digest;
    let stage = |s: &str| canhgac_domain::incident::Stage::parse(s).map_or_else(|| s.to_string(), |x| l.t(x.label_vi(), x.label_en()).to_string());
    let body = html! {
        p.muted { a href="/duty#handovers" { (l.t("Bàn giao ca", "Shift handover")) } }
        h1 { (l.t("Biên bản bàn giao ca", "Shift handover note")) }
        p { a href=(format!("/orgs/{}", h.org_id)) { (h.org_code.clone().unwrap_or_default()) } " · " (l.t("ca kết thúc ", "shift ended ")) (fmt_datetime(h.ends_at))
            " · " (l.t("người giao: ", "from: ")) span data-raw { (h.from_name.clone().unwrap_or_else(|| "—".into())) }
            " · " (l.t("người nhận: ", "to: ")) span data-raw { (h.to_name.clone().unwrap_or_else(|| "—".into())) }
            " · " (l.t("lập lúc ", "prepared ")) (fmt_datetime(h.prepared_at)) }
        div.cards #handover-digest {
            div.stat { b { (d.signals_new) } span { (l.t("Cảnh báo mới trong ca", "New signals in the shift")) " · " (d.signals_new_high) " " (l.t("cao, nghiêm trọng", "high or critical")) } }
            div.stat { b { (d.incidents_new) } span { (l.t("Sự cố mới", "New incidents")) } }
            div.stat { b { (d.platform_new) } span { (l.t("Cảnh báo từ nền tảng quốc gia", "National-platform alerts")) } }
            div.stat { b { (d.work_closed) } span { (l.t("Công việc đã xong", "Work closed")) } }
            div.stat { b { (d.open_signals_high) } span { (l.t("Cảnh báo cao, nghiêm trọng còn mở", "High or critical signals still open")) } }
            div.stat { b { (d.open_incidents) } span { (l.t("Sự cố đang xử lý", "Incidents in progress")) } }
            div.stat { b { (d.overdue_work) } span { (l.t("Công việc quá hạn", "Overdue work")) } }
        }
        @if !d.top_signals.is_empty() {
            h2 { (l.t("Cảnh báo cao, nghiêm trọng trong ca", "High and critical signals in the shift")) }
            ul { @for s in &d.top_signals { li { (severity(l, &s.word)) " " a href=(format!("/signals/{}", s.id)) { span data-raw { (s.title) } } } } }
        }
        @if !d.incidents.is_empty() {
            h2 { (l.t("Sự cố đang xử lý", "Incidents in progress")) }
            ul { @for i in &d.incidents { li { a href=(format!("/incidents/{}", i.id)) { "#" (i.id) " " span data-raw { (i.title) } } " — " (stage(&i.word)) } } }
        }
        h2 { (l.t("Ghi chú của người giao ca", "The outgoing officer's remarks")) }
        @if h.remarks.is_empty() { p.muted { (l.t("Không có ghi chú.", "No remarks.")) } } @else { p #handover-remarks-text { span data-raw { (h.remarks) } } }
        @match h.acknowledged_at {
            Some(a) => p #handover-acknowledged { span.badge.sev-low { (l.t("Đã nhận ca lúc ", "Acknowledged at ")) (fmt_datetime(a)) } " " (crate::ui::fmt::actor(l, h.acknowledged_by.as_deref().unwrap_or(""))) },
            None => @if c.role.can_write() {
                form method="post" action=(format!("/duty/handovers/{}/ack", h.id)) { (csrf(&c)) button #handover-ack type="submit" { (l.t("Xác nhận nhận ca", "Acknowledge")) } }
            } @else { p.muted { (l.t("Chờ người nhận ca xác nhận.", "Awaiting the incoming officer's acknowledgement.")) } }
        }
    };
    Ok(page(&c, l.t("Biên bản bàn giao ca", "Shift handover note"), "/duty", body).into_response())
}
