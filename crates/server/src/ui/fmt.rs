//! How stored values read on a page: dates dd/mm/yyyy and times in UTC+07:00, periods
//! mm/yyyy, and the store's wire names (severities, system actors, record kinds, actions) in
//! words of the page's language. A page never shows `2026-11`, `system:botnet-list` or
//! `proof_failed`; `tests/pages.rs` checks every page for them.

use crate::auth::Lang;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::signal::Severity;
use canhgac_domain::time::fmt_datetime;
use chrono::{NaiveDate, NaiveDateTime};

/// An ISO date (`2025-03-07`) as dd/mm/yyyy; an ISO date-time (RFC 3339, or without an offset,
/// taken as UTC) as dd/mm/yyyy HH:MM in Viet Nam time; anything else as given.
/// A count from a capped alert count: the number, or "more than 10,000" when the store stopped
/// counting ([`canhgac_store::COUNT_CAP`]).
pub fn count(l: Lang, n: i64) -> String {
    if n > canhgac_store::COUNT_CAP {
        let cap = canhgac_store::COUNT_CAP;
        match l {
            Lang::Vi => format!("hơn {}.{:03}", cap / 1000, cap % 1000),
            Lang::En => format!("more than {},{:03}", cap / 1000, cap % 1000),
        }
    } else {
        n.to_string()
    }
}

pub fn date_text(s: &str) -> String {
    let t = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d.format("%d/%m/%Y").to_string();
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return fmt_datetime(dt.timestamp_millis());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return fmt_datetime(n.and_utc().timestamp_millis());
        }
    }
    s.to_string()
}

/// A list's period: `2026-11` as `11/2026`; anything else as given.
pub fn period(s: &str) -> String {
    match s.trim().split_once('-') {
        Some((y, m))
            if y.len() == 4
                && m.len() == 2
                && y.bytes().all(|b| b.is_ascii_digit())
                && m.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{m}/{y}")
        }
        _ => s.to_string(),
    }
}

/// A severity's wire name (`critical`, Sigma's `informational`) in words; anything unknown
/// as given.
pub fn severity_word(l: Lang, s: &str) -> String {
    Severity::parse(s)
        .map(|v| l.t(v.label_vi(), v.label_en()).to_string())
        .unwrap_or_else(|| s.to_string())
}

/// Who did something: a person's e-mail as it is, the platform's own jobs (`system:…`) by
/// what they do.
pub fn actor(l: Lang, who: &str) -> String {
    let Some(job) = who.strip_prefix("system:") else {
        return who.to_string();
    };
    let (vi, en) = match job {
        "botnet-list" => ("nhập danh sách IP Botnet", "Botnet IP list import"),
        "advisories" => ("nhập khuyến cáo lỗ hổng", "advisory import"),
        "inventory" => ("đối chiếu kiểm kê phần mềm", "software inventory check"),
        "kev" => (
            "danh mục lỗ hổng bị khai thác (KEV)",
            "known exploited (KEV) list",
        ),
        "monitor" => ("giám sát tập trung", "centralised monitoring"),
        "agent" => ("tác tử trên máy", "endpoint agent"),
        "agent-enrol" => ("đăng ký tác tử", "agent enrolment"),
        "scheduler" => ("lịch quét định kỳ", "scan schedule"),
        "malware-removal" => ("theo dõi bóc gỡ mã độc", "malware removal check"),
        "deadlines" => ("theo dõi thời hạn", "deadline watch"),
        "demo" => ("dữ liệu mẫu", "demo data"),
        "cli" => ("dòng lệnh quản trị", "administration command line"),
        scanner @ ("nessus" | "openvas" | "greenbone" | "nuclei" | "trivy") => {
            let name = match scanner {
                "nessus" => "Nessus",
                "openvas" => "OpenVAS",
                "greenbone" => "Greenbone",
                "nuclei" => "Nuclei",
                _ => "Trivy",
            };
            return match l {
                Lang::Vi => format!("Hệ thống: nhập kết quả rà quét {name}"),
                Lang::En => format!("System: {name} scan import"),
            };
        }
        other => {
            return match l {
                Lang::Vi => format!("Hệ thống ({other})"),
                Lang::En => format!("System ({other})"),
            }
        }
    };
    match l {
        Lang::Vi => format!("Hệ thống: {vi}"),
        Lang::En => format!("System: {en}"),
    }
}

/// A step of a work item's history (`start`, `proof_failed`, …) in words.
pub fn work_action(l: Lang, action: &str) -> String {
    canhgac_domain::work::action_label(action)
        .map(|(vi, en)| l.t(vi, en).to_string())
        .unwrap_or_else(|| action.to_string())
}

/// One record of a kind the audit log names (`hosts`, `work_items`, …), in words:
/// `(Vietnamese, English)`.
pub fn record_noun(entity: &str) -> Option<(&'static str, &'static str)> {
    if let Some(k) = EntityKind::from_slug(entity) {
        return Some((k.noun_vi(), k.noun_en()));
    }
    Some(match entity {
        "users" => ("tài khoản", "user account"),
        "sessions" => ("phiên đăng nhập", "session"),
        "api_tokens" => ("mã truy cập API", "API token"),
        "signals" => ("cảnh báo", "alert"),
        "work_items" => ("nhiệm vụ", "task"),
        "sigma_rules" => ("luật Sigma", "Sigma rule"),
        "scan_findings" => ("lỗ hổng do rà quét", "scanner finding"),
        "advisories" => ("khuyến cáo lỗ hổng", "advisory"),
        "kev" => ("danh mục KEV", "KEV catalogue"),
        "botnet_lists" => ("danh sách IP Botnet", "Botnet IP list"),
        "agent_enrolments" => ("mã đăng ký tác tử", "agent enrolment token"),
        "agents" => ("tác tử", "agent"),
        "flow_exporters" => ("thiết bị gửi luồng", "flow exporter"),
        "flow_prefixes" => ("dải được bảo vệ", "protected prefix"),
        "malware_scans" => ("lượt quét mã độc", "malware scan"),
        "malware_sets" => ("bộ luật / danh sách mã băm", "rule set / hash list"),
        "malware_alerts" => ("cảnh báo mã độc", "malware alert"),
        "quarantine" => ("tệp cách ly", "quarantined file"),
        "incidents" => ("sự cố", "incident"),
        "response_plans" => ("kế hoạch ứng phó", "response plan"),
        "incident_observables" => ("dấu hiệu của sự cố", "incident observable"),
        "incident_evidence" => ("chứng cứ sự cố", "incident evidence"),
        "platform_sources" => ("nguồn gửi cảnh báo nền tảng", "platform alert sender"),
        "incident_reports" => ("báo cáo sự cố", "incident report"),
        "report_settings" => ("thời hạn báo cáo sự cố", "incident-report deadlines"),
        "report_templates" => ("mẫu báo cáo sự cố", "incident-report form"),
        "report_contacts" => ("đầu mối nhận báo cáo", "report contact point"),
        "duty_rosters" => ("lịch trực", "duty roster"),
        "duty_leave" => ("nghỉ phép", "leave"),
        "duty_swaps" => ("đề nghị đổi ca", "shift swap"),
        "holidays" => ("ngày nghỉ lễ", "public holiday"),
        "duty_handovers" => ("biên bản bàn giao ca", "shift handover"),
        "directives" => ("văn bản chỉ đạo", "directive"),
        "directive_evidence" => ("minh chứng thực hiện văn bản", "directive evidence"),
        "heightened_periods" => ("đợt cao điểm", "heightened period"),
        "daily_reports" => ("báo cáo trực ngày", "daily duty report"),
        "period_reports" => (
            "báo cáo ngày trong đợt cao điểm",
            "heightened-period daily report",
        ),
        "oncall_pages" => ("lượt gọi trực", "on-call page"),
        "oncall_policies" => ("chính sách gọi trực", "on-call policy"),
        "oncall_channels" => ("kênh nhận gọi trực", "on-call channel"),
        "oncall_destinations" => (
            "địa chỉ được phép gửi webhook",
            "allowed webhook destination",
        ),
        _ => return None,
    })
}

/// Record kinds the audit log names, for its filter.
pub const AUDITED: &[&str] = &[
    "orgs",
    "networks",
    "systems",
    "hosts",
    "software",
    "people",
    "contacts",
    "users",
    "sessions",
    "api_tokens",
    "signals",
    "work_items",
    "sigma_rules",
    "scan_findings",
    "advisories",
    "kev",
    "botnet_lists",
    "incidents",
    "response_plans",
    "incident_observables",
    "incident_evidence",
    "platform_sources",
    "incident_reports",
    "report_settings",
    "report_templates",
    "report_contacts",
    "duty_rosters",
    "duty_leave",
    "duty_swaps",
    "holidays",
    "duty_handovers",
    "directives",
    "directive_evidence",
    "heightened_periods",
    "period_reports",
    "daily_reports",
    "oncall_pages",
    "oncall_policies",
    "oncall_channels",
    "oncall_destinations",
    "agent_enrolments",
    "agents",
    "malware_scans",
    "malware_sets",
    "malware_alerts",
    "quarantine",
];

/// An audited action on a kind of record, as a sentence's start: "Thêm máy", "Changed user
/// account"; an unknown action as written.
pub fn audit_action(l: Lang, action: &str, entity: &str) -> String {
    let (nv, ne) = record_noun(entity).unwrap_or((entity, entity));
    let (vi, en): (String, String) = match action {
        "create" => (format!("Thêm {nv}"), format!("Added {ne}")),
        "update" => (format!("Sửa {nv}"), format!("Changed {ne}")),
        "delete" => (format!("Xoá {nv}"), format!("Deleted {ne}")),
        "import" => (format!("Nhập {nv}"), format!("Imported {ne}")),
        "inventory" => (
            "Nộp bản kiểm kê phần mềm".into(),
            "Submitted a software inventory".into(),
        ),
        "transition" => (
            format!("Chuyển trạng thái {nv}"),
            format!("Changed the state of {ne}"),
        ),
        "comment" => (format!("Ghi chú vào {nv}"), format!("Note on {ne}")),
        "assign" => (format!("Giao người xử lý {nv}"), format!("Assigned {ne}")),
        "reopen" => (format!("Mở lại {nv}"), format!("Reopened {ne}")),
        "escalate" => (
            format!("Báo cáo cấp trên: {nv} quá hạn"),
            format!("Escalated overdue {ne}"),
        ),
        "tighten_due" => (
            format!("Rút ngắn thời hạn {nv}"),
            format!("Brought forward the deadline of {ne}"),
        ),
        "stage" => (
            format!("Chuyển giai đoạn {nv}"),
            format!("Moved the {ne} on"),
        ),
        "link" => (
            format!("Gắn cảnh báo vào {nv}"),
            format!("Linked a signal to the {ne}"),
        ),
        "note" => (
            format!("Ghi vào diễn biến {nv}"),
            format!("Wrote on the {ne}'s timeline"),
        ),
        "start_plan" => (
            format!("Bắt đầu kế hoạch ứng phó cho {nv}"),
            format!("Started a response plan on the {ne}"),
        ),
        "send" => (format!("Gửi {nv}"), format!("Sent the {ne}")),
        "request_support" => (
            format!("Đề nghị hỗ trợ ứng cứu {nv}"),
            format!("Requested support for the {ne}"),
        ),
        "escalate_incident" => (
            format!("Báo cáo vượt cấp về {nv}"),
            format!("Escalated the {ne}"),
        ),
        "acknowledge" => (format!("Xác nhận {nv}"), format!("Acknowledged the {ne}")),
        "login" => ("Đăng nhập".into(), "Logged in".into()),
        "login_failed" => ("Đăng nhập sai".into(), "Failed log-in".into()),
        "logout" => ("Đăng xuất".into(), "Logged out".into()),
        "issue_token" => ("Cấp mã truy cập API".into(), "Issued an API token".into()),
        "enrol" => (format!("Đăng ký {nv}"), format!("Enrolled an {ne}")),
        "revoke" => (format!("Thu hồi {nv}"), format!("Revoked the {ne}")),
        "upload" => (
            format!("Tải lên phiên bản mới của {nv}"),
            format!("Uploaded a new version of the {ne}"),
        ),
        "enable" => (
            format!("Chọn đơn vị áp dụng {nv}"),
            format!("Chose where the {ne} applies"),
        ),
        "verify" => (format!("Kết luận {nv}"), format!("Decided on the {ne}")),
        "quarantine" => (
            "Ra lệnh cách ly tệp".into(),
            "Ordered a file into quarantine".into(),
        ),
        "restore" => (
            "Ra lệnh khôi phục tệp".into(),
            "Ordered a file restored".into(),
        ),
        "revoke_token" => (
            "Thu hồi mã truy cập API".into(),
            "Revoked API tokens".into(),
        ),
        other => match canhgac_domain::work::action_label(other) {
            Some((vi, en)) => (
                format!("{nv}: {}", lower_first(vi)),
                format!("{ne}: {}", lower_first(en)),
            ),
            None => (other.to_string(), other.to_string()),
        },
    };
    upper_first(match l {
        Lang::Vi => &vi,
        Lang::En => &en,
    })
}

/// The audit actions, for its filter.
pub const AUDIT_ACTIONS: &[&str] = &[
    "create",
    "update",
    "delete",
    "import",
    "inventory",
    "transition",
    "comment",
    "assign",
    "reopen",
    "escalate",
    "tighten_due",
    "stage",
    "link",
    "note",
    "start_plan",
    "send",
    "enrol",
    "revoke",
    "upload",
    "enable",
    "verify",
    "quarantine",
    "restore",
    "request_support",
    "escalate_incident",
    "acknowledge",
    "start",
    "report_done",
    "proof_arrived",
    "proof_failed",
    "not_applicable",
    "login",
    "login_failed",
    "logout",
    "issue_token",
    "revoke_token",
];

/// An audit action alone (for the filter): "Thêm", "Đăng nhập", …
pub fn action_word(l: Lang, action: &str) -> String {
    let (vi, en) = match action {
        "create" => ("Thêm", "Add"),
        "update" => ("Sửa", "Change"),
        "delete" => ("Xoá", "Delete"),
        "import" => ("Nhập từ tệp", "Import"),
        "inventory" => ("Kiểm kê phần mềm", "Software inventory"),
        "transition" => ("Chuyển trạng thái", "State change"),
        "comment" => ("Ghi chú", "Note"),
        "assign" => ("Giao người xử lý", "Assignment"),
        "reopen" => ("Mở lại", "Reopen"),
        "escalate" => ("Báo cáo cấp trên", "Escalation"),
        "tighten_due" => ("Rút ngắn thời hạn", "Deadline brought forward"),
        "stage" => ("Chuyển giai đoạn", "Stage change"),
        "link" => ("Gắn cảnh báo", "Signal linked"),
        "note" => ("Ghi diễn biến", "Timeline note"),
        "start_plan" => ("Bắt đầu kế hoạch ứng phó", "Plan started"),
        "send" => ("Gửi báo cáo", "Report sent"),
        "request_support" => ("Đề nghị hỗ trợ", "Support requested"),
        "escalate_incident" => ("Báo cáo vượt cấp", "Incident escalated"),
        "acknowledge" => ("Xác nhận", "Acknowledgement"),
        "login" => ("Đăng nhập", "Log-in"),
        "login_failed" => ("Đăng nhập sai", "Failed log-in"),
        "logout" => ("Đăng xuất", "Log-out"),
        "issue_token" => ("Cấp mã truy cập API", "API token issued"),
        "enrol" => ("Đăng ký tác tử", "Agent enrolled"),
        "revoke" => ("Thu hồi", "Revoked"),
        "upload" => ("Tải lên phiên bản mới", "New version uploaded"),
        "enable" => ("Chọn đơn vị áp dụng", "Where enabled"),
        "verify" => ("Xác minh cảnh báo", "Alert verified"),
        "quarantine" => ("Ra lệnh cách ly", "Quarantine ordered"),
        "restore" => ("Ra lệnh khôi phục", "Restore ordered"),
        "revoke_token" => ("Thu hồi mã truy cập API", "API tokens revoked"),
        other => return work_action(l, other),
    };
    l.t(vi, en).to_string()
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_periods_read_the_vietnamese_way() {
        assert_eq!(date_text("2025-03-07"), "07/03/2025");
        // 17:30 UTC is 00:30 the next day in Ha Noi.
        assert_eq!(date_text("2025-04-26T17:30:00Z"), "27/04/2025 00:30");
        assert_eq!(date_text("2025-04-26 17:30:00"), "27/04/2025 00:30");
        assert_eq!(date_text("hôm qua"), "hôm qua");
        assert_eq!(period("2026-11"), "11/2026");
        assert_eq!(period("11/2026"), "11/2026");
    }

    #[test]
    fn codes_read_in_words() {
        assert_eq!(
            actor(Lang::Vi, "system:botnet-list"),
            "Hệ thống: nhập danh sách IP Botnet"
        );
        assert_eq!(actor(Lang::En, "a@b.vn"), "a@b.vn");
        assert_eq!(audit_action(Lang::Vi, "create", "hosts"), "Thêm máy");
        assert_eq!(
            audit_action(Lang::En, "update", "users"),
            "Changed user account"
        );
        assert_eq!(
            audit_action(Lang::Vi, "proof_failed", "work_items"),
            "Nhiệm vụ: xác minh không đạt: vấn đề vẫn còn"
        );
        assert_eq!(
            work_action(Lang::Vi, "proof_failed"),
            "Xác minh không đạt: vấn đề vẫn còn"
        );
        assert_eq!(severity_word(Lang::Vi, "medium"), "Trung bình");
        for a in AUDIT_ACTIONS {
            assert!(!action_word(Lang::Vi, a).contains('_'), "{a}");
        }
        for e in AUDITED {
            assert!(record_noun(e).is_some(), "{e}");
        }
    }
}
