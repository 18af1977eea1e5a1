//! The host page's picture of the host beyond its record: when it last sent logs, its alerts,
//! its Botnet list hits, scanner findings and the work open on it (advisories, software and
//! inventory history follow from the patching room).

use crate::auth::Caller;
use crate::ui::layout::severity;
use crate::work::triage::{kind_label, signal_href};
use crate::AppState;
use canhgac_domain::time::{fmt_date, fmt_datetime};
use canhgac_domain::entity::Record;
use canhgac_store::{SignalFilter, StoreError};
use maud::{html, Markup};

/// The sections shown first on a host's page.
pub(crate) async fn context(
    st: &AppState,
    c: &Caller,
    id: i64,
    rec: &Record,
) -> Result<Markup, StoreError> {
    let l = c.lang;
    let name = rec["hostname"].as_str().unwrap_or_default();
    let enc = urlencoding::encode(name).into_owned();
    // Independent reads, run together: on a loaded PostgreSQL store each is a round trip of
    // a few milliseconds, and the page waits for the slowest rather than for their sum.
    let signals_of = |open_only: bool, limit: i64| SignalFilter {
        host_id: Some(id),
        open_only,
        limit: Some(limit),
        ..Default::default()
    };
    let (open_filter, recent_filter) = (signals_of(true, 1), signals_of(false, 15));
    let (recent, open, signals_page, botnet, findings, related) = tokio::try_join!(
        st.store.last_event_of_host(&c.scope, id),
        st.store.list_signals(&c.scope, &open_filter),
        st.store.list_signals(&c.scope, &recent_filter),
        st.store.botnet_findings_of_host(&c.scope, id),
        st.store.scan_findings_of(&c.scope, Some(id), None),
        st.store.related_work_items(&c.scope, None, Some(id), None),
    )?;
    let (last, open_signals, (signals, signal_total)) = (recent, open.1, signals_page);
    let work: Vec<_> = related.into_iter().filter(|w| w.state.is_open()).collect();
    let open_findings = findings.iter().filter(|f| f.state == "open").count();
    Ok(html! {
        div.cards #host-summary {
            a.stat href=(format!("/signals?host={enc}&open=1")) { b { (crate::ui::fmt::count(l, open_signals)) } span { (l.t("Cảnh báo chưa xử lý", "Open signals")) } }
            a.stat href="#host-botnet" { b { (botnet.len()) } span { (l.t("Lần có trong danh sách Botnet", "Botnet list hits")) } }
            a.stat href="#host-findings" { b { (open_findings) } span { (l.t("Lỗ hổng (rà quét) còn mở", "Open scanner findings")) } }
            a.stat href="#host-work" { b { (work.len()) } span { (l.t("Công việc đang mở", "Open work items")) } }
            div.stat #host-last-event { b { @match last { Some((_, at)) => (fmt_datetime(at)), None => "—" } }
                span { (l.t("Nhật ký nhận gần nhất", "Last log received")) } }
        }
        p.muted { @match last {
            Some((ev, _)) => { a href=(format!("/events/{ev}")) { (l.t("Sự kiện gần nhất", "The latest event")) " #" (ev) } " · " a href=(format!("/events?host={enc}")) { (l.t("Mọi sự kiện của máy này", "Every event of this host")) } },
            None => (l.t("Chưa nhận được nhật ký nào từ máy này — kiểm tra cấu hình gửi nhật ký (syslog, Winlogbeat, NXLog).", "No log received from this host yet — check its log forwarding (syslog, Winlogbeat, NXLog).")),
        } }
        h2 #host-signals { (l.t("Cảnh báo trên máy này", "Signals on this host")) " (" (crate::ui::fmt::count(l, signal_total)) ")" }
        table.records { thead { tr { th { (l.t("Mức độ", "Severity")) } th { (l.t("Cảnh báo", "Signal")) } th { (l.t("Loại", "Kind")) } th { (l.t("Lần cuối", "Last seen")) } th { (l.t("Trạng thái", "State")) } } }
            tbody { @for s in &signals { tr { td { (severity(l, s.severity.as_str())) } td { a href=(signal_href(s)) { (s.title) } @if s.count > 1 { " ×" (s.count) } }
                td { (kind_label(l, s.kind)) } td { (fmt_datetime(s.last_seen)) } td { (l.t(s.state.label_vi(), s.state.label_en())) } } }
                @if signals.is_empty() { tr { td colspan="5" .muted { (l.t("Chưa có cảnh báo nào trên máy này", "No signal on this host")) } } } } }
        @if signal_total > signals.len() as i64 { p { a href=(format!("/signals?host={enc}")) { (l.t("Xem tất cả", "See all")) " →" } } }
        h2 #host-botnet { (l.t("Trong danh sách IP Botnet", "On Botnet IP lists")) " (" (botnet.len()) ")" }
        table.records { thead { tr { th { (l.t("Địa chỉ", "Address")) } th { (l.t("Danh sách", "List")) } th { (l.t("Mã độc", "Malware")) } th { (l.t("Tái diễn", "Recurring")) } th { (l.t("Nhiệm vụ", "Task")) } } }
            tbody { @for f in &botnet { tr { td { code { (f.value) } } td { a href=(format!("/botnet/{}", f.list_id)) { "#" (f.list_id) } } td { (f.malware.clone().unwrap_or_default()) }
                td { @if f.recurring != 0 { (l.t("Có", "Yes")) } } td { @if let Some(w) = f.work_item_id { a href=(format!("/work/{w}")) { "#" (w) } } } } }
                @if botnet.is_empty() { tr { td colspan="5" .muted { (l.t("Địa chỉ của máy này không có trong danh sách nào", "None of this host's addresses is listed")) } } } } }
        h2 #host-findings { (l.t("Lỗ hổng do máy quét phát hiện", "Scanner findings")) " (" (findings.len()) ")" }
        table.records { thead { tr { th { (l.t("Mức độ", "Severity")) } th { (l.t("Lỗ hổng", "Finding")) } th { "CVE" } th { (l.t("Cổng", "Port")) } th { (l.t("Trạng thái", "State")) } th { (l.t("Lần cuối", "Last seen")) } th { (l.t("Nhiệm vụ", "Task")) } } }
            tbody { @for f in &findings { tr { td { (severity(l, &f.severity)) } td data-raw { (f.title) } td { (f.cves) } td { (f.port.clone().unwrap_or_default()) }
                td { @if f.state == "open" { (l.t("Còn mở", "Open")) } @else { (l.t("Đã khắc phục", "Fixed")) } } td { (fmt_date(f.last_seen)) }
                td { @if let Some(w) = f.work_item_id { a href=(format!("/work/{w}")) { "#" (w) } } } } }
                @if findings.is_empty() { tr { td colspan="7" .muted { (l.t("Chưa có kết quả rà quét nào cho máy này", "No scanner result for this host")) } } } } }
        h2 #host-work { (l.t("Công việc đang mở trên máy này", "Open work on this host")) " (" (work.len()) ")" }
        table.records { thead { tr { th { (l.t("Công việc", "Work")) } th { (l.t("Loại", "Kind")) } th { (l.t("Trạng thái", "State")) } th { (l.t("Hạn", "Due")) } } }
            tbody { @for w in &work { tr { td { a href=(format!("/work/{}", w.id)) { span data-raw { (w.title) } } } td { (l.t(w.kind.label_vi(), w.kind.label_en())) }
                td { (l.t(w.state.label_vi(), w.state.label_en())) } td { (w.due_at.map(fmt_date).unwrap_or_default()) } } }
                @if work.is_empty() { tr { td colspan="4" .muted { (l.t("Không có việc đang mở", "No open work")) } } } } }
    })
}
