//! Incident reports as a workflow (M9): fill the initial (Mẫu 03) and closing (Mẫu 04) reports
//! from the incident's record, render them as text, HTML-ready fields and PDF, send them by
//! e-mail (SMTP) to the chosen clause-3 contact points with the `[TBSC]` subject prefix, watch
//! their deadlines and escalate missed ones, and count the six-monthly summary (Mẫu 05).

use std::collections::BTreeMap;

use canhgac_domain::entity::EntityKind;
use canhgac_domain::incident::{duration_text, Category, Gravity, Stage, Tlp};
use canhgac_domain::report::{
    closing_due, initial_due, Due, DueState, HalfYear, ReportKind, Template,
};
use canhgac_domain::time::{fmt_date, fmt_datetime};
use canhgac_domain::Scope;
use canhgac_pdf::{Document, Weight};
use canhgac_store::{
    Actor, CategoryCount, IncidentRow, NewContact, NewEscalation, ReportRow, Store, StoreError,
};

use crate::mail::{Mail, Mailer};

/// The clause-3 contact points of dispatch 737/STTTT-BCVTCNTT, as seeded. The DIC edits them
/// (institutions changed in 2025).
pub fn seed_contacts(dic_email: &str) -> Vec<NewContact> {
    vec![
        NewContact {
            name: "Trung tâm Ứng cứu khẩn cấp không gian mạng Việt Nam (VNCERT/CC)".into(),
            email: "ir@vncert.vn".into(),
            phone: "024.3640.4421".into(),
            hotline: "086.9100.317".into(),
            note: "Đầu mối điều phối ứng cứu sự cố quốc gia".into(),
            position: 1,
            active: true,
        },
        NewContact {
            name: "Trung tâm Giám sát an toàn không gian mạng quốc gia (NCSC)".into(),
            email: "ais@mic.gov.vn".into(),
            phone: "024.3209.1616".into(),
            hotline: "038.994.2878".into(),
            note: "Hỗ trợ giám sát, cảnh báo sớm".into(),
            position: 2,
            active: true,
        },
        NewContact {
            name:
                "Phòng Bưu chính - Viễn thông - Công nghệ thông tin, Sở Thông tin và Truyền thông"
                    .into(),
            email: dic_email.into(),
            phone: "0213.3798.798".into(),
            hotline: String::new(),
            note: "Đơn vị chuyên trách ứng cứu sự cố của tỉnh".into(),
            position: 3,
            active: true,
        },
    ]
}

/// Seeds the clause-3 contact points once (the DIC's address from the registry).
pub async fn ensure_contacts(store: &Store) -> Result<usize, StoreError> {
    let dic = store.dic_email().await?.unwrap_or_default();
    store.ensure_report_contacts(&seed_contacts(&dic)).await
}

/// A report ready to show, print or send: the template in force and the values.
#[derive(Debug, Clone)]
pub struct Filled {
    /// Which form.
    pub kind: ReportKind,
    /// The report's number.
    pub number: String,
    /// The reporting organisation's name.
    pub org_name: String,
    /// The template in force.
    pub template: Template,
    /// Key → value.
    pub fields: BTreeMap<String, String>,
}

fn text_of(rec: &Option<canhgac_domain::entity::Record>, key: &str) -> String {
    rec.as_ref()
        .and_then(|r| r.get(key))
        .map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

fn signal_source_vi(kind: &str) -> &'static str {
    match kind {
        "sigma_alert" => "Giám sát nhật ký tập trung (luật Sigma)",
        "malware" => "Phòng chống mã độc tập trung",
        "national_alert" => "Cảnh báo từ nền tảng điều phối quốc gia",
        "botnet_finding" => "Danh sách IP Botnet hằng tháng",
        "vuln_finding" => "Rà quét lỗ hổng",
        "flow_attack" => "Giám sát lưu lượng mạng",
        "spam_report" => "Phản ánh tin nhắn rác, lừa đảo",
        "source_silent" => "Nguồn nhật ký ngừng gửi",
        _ => "Khác",
    }
}

/// Fills a form from the incident's record as far as the record goes; what it cannot know
/// (controls in place, providers, lessons) stays empty for the reporter.
pub async fn fill(
    store: &Store,
    scope: &Scope,
    inc: &IncidentRow,
    kind: ReportKind,
    now: i64,
) -> Result<BTreeMap<String, String>, StoreError> {
    let org = store.get(EntityKind::Org, scope, inc.org_id).await?;
    let org_name = text_of(&org, "name");
    let parent = match org
        .as_ref()
        .and_then(|o| o.get("parent_id"))
        .and_then(|v| v.as_i64())
    {
        Some(p) => store.get(EntityKind::Org, &Scope::All, p).await?,
        None => None,
    };
    let assets = store.incident_assets(scope, inc.id).await?;
    let mut systems = Vec::new();
    let mut addresses = Vec::new();
    let mut oses = Vec::new();
    let mut level: Option<i64> = None;
    for a in &assets {
        level = level.max(a.level);
        match a.kind.as_str() {
            "system" => {
                let s = store.get(EntityKind::System, scope, a.ref_id).await?;
                let desc = text_of(&s, "description");
                systems.push(if desc.is_empty() {
                    a.name.clone()
                } else {
                    format!("{} ({desc})", a.name)
                });
            }
            "host" => {
                let h = store.get(EntityKind::Host, scope, a.ref_id).await?;
                let ips = text_of(&h, "ips");
                let os = text_of(&h, "os");
                addresses.push(if ips.is_empty() {
                    a.name.clone()
                } else {
                    format!("{} — {ips}", a.name)
                });
                if !os.is_empty() {
                    oses.push(format!("{}: {os}", a.name));
                }
            }
            _ => {}
        }
    }
    let observables = store.incident_observables(scope, inc.id).await?;
    for o in observables
        .iter()
        .filter(|o| o.kind == "domain" || o.kind == "url")
    {
        addresses.push(o.value.clone());
    }
    let signals = store.incident_signals(scope, inc.id).await?;
    let mut detected_by: Vec<String> = Vec::new();
    for s in &signals {
        let line = format!("{}: {}", signal_source_vi(s.kind.as_str()), s.title);
        if !detected_by.contains(&line) && detected_by.len() < 10 {
            detected_by.push(line);
        }
    }
    let evidence = store.incident_evidence(scope, inc.id).await?;
    let attachments: Vec<String> = evidence
        .iter()
        .map(|e| format!("{} ({} byte, SHA-256 {})", e.name, e.size, e.sha256))
        .collect();
    let category = Category::parse(&inc.category)
        .map(|c| c.label_vi())
        .unwrap_or("Khác")
        .to_string();
    let gravity = {
        let g = Gravity::parse(&inc.gravity)
            .map(|g| g.label_vi())
            .unwrap_or("Thông thường")
            .to_string();
        match &inc.gravity_reason {
            Some(r) if !r.is_empty() => format!("{g} (điều chỉnh: {r})"),
            _ => g,
        }
    };
    let contact = org
        .as_ref()
        .map(|_| {
            [text_of(&org, "phone"), text_of(&org, "email")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    put("reporter_org", org_name.clone());
    put("reporter_contact", contact);
    put("operator", org_name.clone());
    put(
        "owner",
        if parent.is_some() {
            text_of(&parent, "name")
        } else {
            org_name.clone()
        },
    );
    put("system_name", systems.join("; "));
    put(
        "security_level",
        level.map(|l| format!("Cấp độ {l}")).unwrap_or_default(),
    );
    put("summary", inc.summary.clone());
    put("category", category);
    put("gravity", gravity);
    put("detected_at", fmt_datetime(inc.detected_at));
    put("status", inc_status(inc));
    put("detected_by", detected_by.join("\n"));
    put("systems", oses.join("\n"));
    put("addresses", addresses.join("\n"));
    put(
        "observables",
        observables
            .iter()
            .map(|o| {
                let kind = crate::incidents::OBSERVABLE_KINDS
                    .iter()
                    .find(|(k, _, _)| *k == o.kind)
                    .map_or(o.kind.as_str(), |(_, vi, _)| vi);
                format!("{kind}: {}", o.value)
            })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    put("attachments", attachments.join("\n"));
    put(
        "confidential",
        match Tlp::parse(&inc.tlp) {
            Some(Tlp::Red) | Some(Tlp::AmberStrict) | Some(Tlp::Amber) => {
                format!(
                    "Có ({})",
                    Tlp::parse(&inc.tlp).map(|t| t.label()).unwrap_or("")
                )
            }
            _ => "Không".to_string(),
        },
    );
    put(
        "requests",
        match inc.support_requested_at {
            Some(at) => format!("Đề nghị hỗ trợ ứng cứu từ {}", fmt_datetime(at)),
            None => "Chưa đề nghị hỗ trợ".to_string(),
        },
    );
    put("reported_at", fmt_datetime(now));
    if kind == ReportKind::Closing {
        let initial = store
            .incident_report(scope, inc.id, ReportKind::Initial)
            .await?;
        put(
            "initial_ref",
            match &initial {
                Some((r, _)) => match r.sent_at {
                    Some(s) => format!("Số {} ngày {}", r.number, fmt_date(s)),
                    None => format!("Số {} (chưa gửi)", r.number),
                },
                None => String::new(),
            },
        );
        let timeline = store.incident_timeline(scope, inc.id).await?;
        let steps: Vec<String> = timeline
            .iter()
            .filter(|t| matches!(t.kind.as_str(), "stage" | "note" | "task"))
            .map(|t| format!("{} — {}", fmt_datetime(t.at), t.text))
            .collect();
        put("what_happened", inc.summary.clone());
        put("resolution", steps.join("\n"));
        let t = inc.times();
        let dur = |d: Option<i64>| {
            d.map(|d| duration_text(d, true))
                .unwrap_or_else(|| "—".into())
        };
        put(
            "durations",
            format!(
                "Phát hiện: {}; ngăn chặn: {}; khôi phục: {}",
                dur(t.to_detect()),
                dur(t.to_contain()),
                dur(t.to_restore())
            ),
        );
        put(
            "ended_at",
            inc.recovered_at.map(fmt_datetime).unwrap_or_default(),
        );
    }
    Ok(f)
}

fn inc_status(inc: &IncidentRow) -> String {
    let stage = inc.stage();
    let at = match stage {
        Stage::Reported => Some(inc.detected_at),
        Stage::Triaged => inc.triaged_at,
        Stage::Contained => inc.contained_at,
        Stage::Eradicated => inc.eradicated_at,
        Stage::Recovered => inc.recovered_at,
        Stage::Closed => inc.closed_at,
    };
    match at {
        Some(at) => format!("{} (từ {})", stage.label_vi(), fmt_datetime(at)),
        None => stage.label_vi().to_string(),
    }
}

/// The report as stored (its latest version), or a new one filled from the record.
pub async fn current(
    store: &Store,
    scope: &Scope,
    inc: &IncidentRow,
    kind: ReportKind,
    now: i64,
) -> Result<(Filled, Option<ReportRow>), StoreError> {
    let (template, _) = store.report_template(kind).await?;
    let org = store.get(EntityKind::Org, scope, inc.org_id).await?;
    let org_name = text_of(&org, "name");
    match store.incident_report(scope, inc.id, kind).await? {
        Some((row, v)) => Ok((
            Filled {
                kind,
                number: row.number.clone(),
                org_name,
                template,
                fields: v.fields,
            },
            Some(row),
        )),
        None => {
            let year = HalfYear::of(now).year;
            let number = store.next_report_number(inc.org_id, year).await?;
            let fields = fill(store, scope, inc, kind, now).await?;
            Ok((
                Filled {
                    kind,
                    number,
                    org_name,
                    template,
                    fields,
                },
                None,
            ))
        }
    }
}

/// The report as plain text (the e-mail's body).
pub fn render_text(f: &Filled) -> String {
    let mut out = format!(
        "{}\n{}\n{} — Số: {}\n\n",
        f.org_name,
        f.kind.form(),
        f.template.title,
        f.number
    );
    for (i, (key, label)) in f.template.fields.iter().enumerate() {
        let v = f.fields.get(key).map(String::as_str).unwrap_or("").trim();
        out.push_str(&format!("{}. {label}:\n", i + 1));
        if v.is_empty() {
            out.push_str("   —\n");
        } else {
            for line in v.lines() {
                out.push_str(&format!("   {line}\n"));
            }
        }
    }
    out
}

/// The national motto heading every Vietnamese administrative document.
const MOTTO: [&str; 2] = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
];

/// The report as a PDF.
pub fn render_pdf(f: &Filled) -> Result<Vec<u8>, String> {
    let mut doc = Document::new(&format!("{} số {}", f.template.title, f.number))
        .map_err(|e| e.to_string())?;
    doc.paragraph(f.kind.form(), 9.0, Weight::Regular, 0.0);
    doc.centered(MOTTO[0], 11.0, Weight::Bold);
    doc.centered(MOTTO[1], 11.0, Weight::Bold);
    doc.gap(10.0);
    doc.paragraph(&f.org_name, 10.5, Weight::Bold, 0.0);
    doc.paragraph(&format!("Số: {}", f.number), 10.5, Weight::Regular, 0.0);
    doc.gap(8.0);
    doc.centered(&f.template.title, 14.0, Weight::Bold);
    doc.gap(10.0);
    for (i, (key, label)) in f.template.fields.iter().enumerate() {
        let v = f.fields.get(key).map(String::as_str).unwrap_or("");
        doc.field(i + 1, label, v);
    }
    doc.gap(16.0);
    doc.paragraph(
        "NGƯỜI BÁO CÁO (ký, ghi rõ họ tên; đóng dấu hoặc ký số)",
        10.0,
        Weight::Bold,
        250.0,
    );
    Ok(doc.finish())
}

/// A report's deadline and where it stands.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    /// Which report.
    pub kind: ReportKind,
    /// When due.
    pub due: Due,
    /// Sent, late, pending or overdue.
    pub state: DueState,
}

/// The incident's report deadlines: the initial report always; the closing one once the
/// response ended.
pub async fn deadlines(
    store: &Store,
    scope: &Scope,
    inc: &IncidentRow,
    now: i64,
) -> Result<Vec<Deadline>, StoreError> {
    let rules = store.report_rules().await?.deadlines;
    deadlines_under(store, scope, inc, &rules, now).await
}

/// [`deadlines`] under rules the caller already read (the deadline check reads them once).
async fn deadlines_under(
    store: &Store,
    scope: &Scope,
    inc: &IncidentRow,
    rules: &canhgac_domain::report::DeadlineRules,
    now: i64,
) -> Result<Vec<Deadline>, StoreError> {
    let reports = store.incident_reports(scope, inc.id).await?;
    let sent = |k: ReportKind| {
        reports
            .iter()
            .find(|r| r.kind == k.as_str())
            .and_then(|r| r.sent_at)
    };
    let mut out = Vec::new();
    let due = initial_due(inc.detected_at, inc.support_requested_at, rules);
    out.push(Deadline {
        kind: ReportKind::Initial,
        due,
        state: DueState::of(due.at, sent(ReportKind::Initial), now),
    });
    if let Some(due) = closing_due(inc.recovered_at, rules) {
        out.push(Deadline {
            kind: ReportKind::Closing,
            due,
            state: DueState::of(due.at, sent(ReportKind::Closing), now),
        });
    }
    Ok(out)
}

/// Why sending failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// No mail server is configured.
    #[error("no mail server is configured ([mail] smtp_url in the configuration file)")]
    NoMailer,
    /// Nobody to send to.
    #[error("choose at least one recipient with an e-mail address")]
    NoRecipients,
    /// An address does not read.
    #[error("recipient `{0}` is not an e-mail address")]
    BadAddress(String),
    /// The report has not been saved yet.
    #[error("save the report before sending it")]
    NotSaved,
    /// The document could not be made.
    #[error("the PDF could not be made: {0}")]
    Pdf(String),
    /// The mail server refused or could not be reached.
    #[error("the mail server: {0}")]
    Smtp(String),
    /// Storage.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The subject line: the prefix in force, the form, the report's number and the organisation.
pub fn subject(prefix: &str, f: &Filled) -> String {
    format!(
        "{} {} số {} — {}",
        prefix.trim(),
        f.kind.label_vi(),
        f.number,
        f.org_name
    )
    .trim()
    .to_string()
}

/// Sends the incident's saved report of `kind` to `to` (addresses), with the PDF attached;
/// logs the message and, when the server took it, marks the report sent.
#[allow(clippy::too_many_arguments)]
pub async fn send(
    store: &Store,
    mailer: Option<&Mailer>,
    scope: &Scope,
    actor: &Actor,
    inc: &IncidentRow,
    kind: ReportKind,
    to: &[String],
    now: i64,
) -> Result<ReportRow, SendError> {
    let mailer = mailer.ok_or(SendError::NoMailer)?;
    let to: Vec<String> = to
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if to.is_empty() {
        return Err(SendError::NoRecipients);
    }
    if to.len() > 20 {
        return Err(SendError::BadAddress(format!(
            "{} recipients (at most 20)",
            to.len()
        )));
    }
    for a in &to {
        if !crate::mail::is_address(a) {
            return Err(SendError::BadAddress(a.clone()));
        }
    }
    let (filled, row) = current(store, scope, inc, kind, now).await?;
    if row.is_none() {
        return Err(SendError::NotSaved);
    }
    let rules = store.report_rules().await?;
    let subject = subject(&rules.subject_prefix, &filled);
    let pdf = render_pdf(&filled).map_err(SendError::Pdf)?;
    let file = format!(
        "{}-{}.pdf",
        match kind {
            ReportKind::Initial => "mau03-bao-cao-ban-dau",
            ReportKind::Closing => "mau04-bao-cao-ket-thuc",
            ReportKind::Summary => "mau05-tong-hop",
        },
        filled.number.replace('/', "-")
    );
    let mail = Mail {
        to: to.clone(),
        subject: subject.clone(),
        body: render_text(&filled),
        attachment: Some((file, "application/pdf".to_string(), pdf)),
    };
    let reference = format!("incident:{}:{}", inc.id, kind.as_str());
    let recipients = to.join(", ");
    match mailer.send(&mail).await {
        Ok(reply) => {
            store
                .log_mail(
                    now,
                    Some(inc.org_id),
                    actor,
                    &recipients,
                    &subject,
                    &reference,
                    "sent",
                    &reply,
                )
                .await?;
            Ok(store
                .mark_report_sent(scope, actor, inc.id, kind, &recipients, now)
                .await?)
        }
        Err(e) => {
            store
                .log_mail(
                    now,
                    Some(inc.org_id),
                    actor,
                    &recipients,
                    &subject,
                    &reference,
                    "failed",
                    &e,
                )
                .await?;
            Err(SendError::Smtp(e))
        }
    }
}

/// Escalates every missed report deadline once: recorded on the incident (who: the platform;
/// to whom: the organisation's administrators and the DIC's duty officers; how: in the
/// platform, and by e-mail when a mail server is configured). Returns how many were raised.
pub async fn check_deadlines(
    store: &Store,
    mailer: Option<&Mailer>,
    now: i64,
) -> Result<usize, StoreError> {
    let actor = Actor::system("deadlines");
    let mut raised = 0;
    let rules = store.report_rules().await?.deadlines;
    for id in store.open_incident_ids().await? {
        let Some(inc) = store.incident(&Scope::All, id).await? else {
            continue;
        };
        for d in deadlines_under(store, &Scope::All, &inc, &rules, now).await? {
            if d.state != DueState::Overdue {
                continue;
            }
            let reason = match d.kind {
                ReportKind::Initial => "initial_overdue",
                _ => "closing_overdue",
            };
            if store.has_escalation(inc.id, reason).await? {
                continue;
            }
            let people = store.escalation_addresses(inc.org_id).await?;
            let to_whom = if people.is_empty() {
                "Trực ban Sở TTTT".to_string()
            } else {
                format!(
                    "Trực ban Sở TTTT và quản trị đơn vị ({})",
                    people.join(", ")
                )
            };
            let mut channel = "in_app";
            let mut note = format!(
                "{} quá hạn: hạn hết ngày {} ({})",
                d.kind.label_vi(),
                fmt_date(d.due.at - 1),
                d.due.basis.label_vi(&rules)
            );
            if let (Some(m), false) = (mailer, people.is_empty()) {
                let mail = Mail {
                    to: people.clone(),
                    subject: format!("[canhgac] Quá hạn {}: {}", d.kind.label_vi(), inc.title),
                    body: format!(
                        "Sự cố \"{}\" ({}): {}.\n",
                        inc.title,
                        inc.org_code.as_deref().unwrap_or(""),
                        note,
                    ),
                    attachment: None,
                };
                let r = m.send(&mail).await;
                let (status, detail) = match &r {
                    Ok(reply) => ("sent", reply.clone()),
                    Err(e) => ("failed", e.clone()),
                };
                store
                    .log_mail(
                        now,
                        Some(inc.org_id),
                        &actor,
                        &people.join(", "),
                        &mail.subject,
                        &format!("incident:{}:{reason}", inc.id),
                        status,
                        &detail,
                    )
                    .await?;
                if r.is_ok() {
                    channel = "email";
                } else {
                    note.push_str(" — gửi thư không thành công");
                }
            }
            store
                .add_escalation(
                    &Scope::All,
                    &actor,
                    inc.id,
                    &NewEscalation {
                        at: now,
                        reason: reason.to_string(),
                        to_whom,
                        channel: channel.to_string(),
                        note,
                    },
                )
                .await?;
            raised += 1;
        }
    }
    Ok(raised)
}

/// The six-monthly summary (Mẫu 05): incidents detected in the half-year in scope, by category.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The period.
    pub half: HalfYear,
    /// Per category, every category.
    pub counts: Vec<CategoryCount>,
    /// Total.
    pub total: i64,
    /// Of them serious.
    pub serious: i64,
    /// Of them closed.
    pub closed: i64,
}

/// Counts the summary.
pub async fn summary(store: &Store, scope: &Scope, half: HalfYear) -> Result<Summary, StoreError> {
    let (from, to) = half.bounds();
    let counts = store.incident_counts(scope, from, to).await?;
    Ok(Summary {
        half,
        total: counts.iter().map(|c| c.total).sum(),
        serious: counts.iter().map(|c| c.serious).sum(),
        closed: counts.iter().map(|c| c.closed).sum(),
        counts,
    })
}

/// The summary as a PDF.
pub fn summary_pdf(s: &Summary, org_name: &str, now: i64) -> Result<Vec<u8>, String> {
    let mut doc = Document::new(&format!("Báo cáo tổng hợp sự cố {}", s.half.label_vi()))
        .map_err(|e| e.to_string())?;
    doc.paragraph(ReportKind::Summary.form(), 9.0, Weight::Regular, 0.0);
    doc.centered(MOTTO[0], 11.0, Weight::Bold);
    doc.centered(MOTTO[1], 11.0, Weight::Bold);
    doc.gap(10.0);
    doc.paragraph(org_name, 10.5, Weight::Bold, 0.0);
    doc.gap(8.0);
    doc.centered("BÁO CÁO TỔNG HỢP TÌNH HÌNH SỰ CỐ", 14.0, Weight::Bold);
    doc.centered(&s.half.label_vi(), 11.0, Weight::Regular);
    doc.gap(10.0);
    let rows: Vec<Vec<String>> = s
        .counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                (i + 1).to_string(),
                Category::parse(&c.category)
                    .map(|c| c.label_vi())
                    .unwrap_or("Khác")
                    .to_string(),
                c.total.to_string(),
                c.serious.to_string(),
                c.closed.to_string(),
            ]
        })
        .chain(std::iter::once(vec![
            String::new(),
            "Tổng cộng".to_string(),
            s.total.to_string(),
            s.serious.to_string(),
            s.closed.to_string(),
        ]))
        .collect();
    doc.table(
        &[
            "TT",
            "Loại sự cố",
            "Số sự cố",
            "Nghiêm trọng",
            "Đã kết thúc",
        ],
        &rows,
        &[0.5, 4.0, 1.2, 1.4, 1.4],
    );
    doc.paragraph(
        &format!("Thời gian báo cáo: {}", fmt_datetime(now)),
        10.0,
        Weight::Regular,
        0.0,
    );
    Ok(doc.finish())
}
