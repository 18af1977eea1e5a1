//! Scheduled reports: when each runs, what period it covers, generating the copy and mailing
//! it. A run is idempotent: the copy of a schedule's period is stored once (the store's unique
//! key), the schedule's next time moves by compare-and-set, and a copy left unmailed by a worker
//! that died is mailed by the next pass — so two workers, or a restart, make one copy and one
//! mail.

use super::{monthly, scope_of_org, scorecards, Doc, Format, Lang, Month};
use crate::mail::{is_address, Mail, Mailer};
use canhgac_domain::duty::{local_date, midnight};
use canhgac_domain::entity::FieldError;
use canhgac_domain::Scope;
use canhgac_store::{Actor, NewSchedule, ScheduleRow, Store, StoreError};
use chrono::NaiveDate;

/// Which report a schedule makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    /// The daily duty report of the day before, every day.
    Daily,
    /// The monthly report of the month before, on the 1st.
    Monthly,
    /// The scorecards of the month before, on the 1st.
    Scorecard,
}

impl ScheduleKind {
    /// Every kind.
    pub const ALL: [ScheduleKind; 3] = [
        ScheduleKind::Daily,
        ScheduleKind::Monthly,
        ScheduleKind::Scorecard,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleKind::Daily => "daily",
            ScheduleKind::Monthly => "monthly",
            ScheduleKind::Scorecard => "scorecard",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Option<ScheduleKind> {
        ScheduleKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }

    /// Vietnamese words.
    pub fn label_vi(self) -> &'static str {
        match self {
            ScheduleKind::Daily => "Báo cáo trực ngày (ngày hôm trước, hằng ngày)",
            ScheduleKind::Monthly => "Báo cáo tháng (tháng trước, ngày 1 hằng tháng)",
            ScheduleKind::Scorecard => "Bảng điểm đơn vị (tháng trước, ngày 1 hằng tháng)",
        }
    }

    /// English words.
    pub fn label_en(self) -> &'static str {
        match self {
            ScheduleKind::Daily => "Daily duty report (the day before, every day)",
            ScheduleKind::Monthly => "Monthly report (the month before, on the 1st)",
            ScheduleKind::Scorecard => "Scorecards (the month before, on the 1st)",
        }
    }
}

fn at_hour(d: NaiveDate, hour: i64) -> i64 {
    midnight(d) + hour.clamp(0, 23) * 3_600_000
}

/// When a schedule runs next after `after` (Viet Nam time): a daily one at the next `hour`:00,
/// a monthly one on the next 1st of a month at `hour`:00.
pub fn next_run(kind: ScheduleKind, hour: i64, after: i64) -> i64 {
    let day = local_date(after);
    match kind {
        ScheduleKind::Daily => {
            let today = at_hour(day, hour);
            if today > after {
                today
            } else {
                at_hour(day + chrono::Duration::days(1), hour)
            }
        }
        ScheduleKind::Monthly | ScheduleKind::Scorecard => {
            let m = Month::of(after);
            let this = at_hour(m.first_day(), hour);
            if this > after {
                this
            } else {
                at_hour(m.next().first_day(), hour)
            }
        }
    }
}

/// The period a run due at `due` covers: the day before (`yyyy-mm-dd`) or the month before
/// (`yyyy-mm`).
pub fn label_for(kind: ScheduleKind, due: i64) -> String {
    match kind {
        ScheduleKind::Daily => (local_date(due) - chrono::Duration::days(1)).to_string(),
        ScheduleKind::Monthly | ScheduleKind::Scorecard => Month::of(due).prev().label(),
    }
}

/// A schedule as typed.
#[derive(Debug, Clone, Default)]
pub struct ScheduleForm {
    /// Organisation id.
    pub org: String,
    /// Kind.
    pub kind: String,
    /// Format.
    pub format: String,
    /// Language.
    pub lang: String,
    /// Recipients (lines, commas or semicolons).
    pub recipients: String,
    /// Hour.
    pub hour: String,
    /// Whether it runs (`on` when ticked).
    pub active: bool,
}

/// Most recipients a schedule mails.
pub const MAX_RECIPIENTS: usize = 20;

impl ScheduleForm {
    /// Checks every field; all problems at once.
    pub fn validate(&self, now: i64) -> Result<NewSchedule, StoreError> {
        let mut errs = Vec::new();
        let mut bad = |f: &str, en: &str, vi: &str| {
            errs.push(FieldError {
                field: f.into(),
                message: en.into(),
                message_vi: vi.into(),
            })
        };
        let org_id = self.org.trim().parse::<i64>().ok();
        if org_id.is_none() {
            bad("org", "choose an organisation", "chọn đơn vị");
        }
        let kind = ScheduleKind::parse(&self.kind);
        if kind.is_none() {
            bad("kind", "choose a report", "chọn loại báo cáo");
        }
        if Format::parse(&self.format).is_none() {
            bad("format", "PDF, XLSX or CSV", "PDF, XLSX hoặc CSV");
        }
        if !matches!(self.lang.trim(), "vi" | "en") {
            bad("lang", "Vietnamese or English", "tiếng Việt hoặc tiếng Anh");
        }
        let hour = self
            .hour
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|h| (0..=23).contains(h));
        if hour.is_none() {
            bad("hour", "an hour from 0 to 23", "giờ từ 0 đến 23");
        }
        let recipients = canhgac_store::split_recipients(&self.recipients);
        if recipients.is_empty() {
            bad(
                "recipients",
                "at least one address",
                "cần ít nhất một địa chỉ thư",
            );
        } else if recipients.len() > MAX_RECIPIENTS {
            bad(
                "recipients",
                &format!("at most {MAX_RECIPIENTS} addresses"),
                &format!("tối đa {MAX_RECIPIENTS} địa chỉ"),
            );
        } else if let Some(a) = recipients.iter().find(|a| !is_address(a)) {
            bad(
                "recipients",
                &format!("`{a}` is not an e-mail address"),
                &format!("\u{201c}{a}\u{201d} không phải địa chỉ thư"),
            );
        }
        match (org_id, kind, hour) {
            (Some(org_id), Some(kind), Some(hour)) if errs.is_empty() => Ok(NewSchedule {
                org_id,
                kind: kind.as_str().into(),
                format: self.format.trim().to_ascii_lowercase(),
                lang: self.lang.trim().into(),
                recipients,
                hour,
                active: self.active,
                next_run_at: next_run(kind, hour, now),
            }),
            _ => Err(StoreError::Invalid(errs)),
        }
    }
}

/// The copy of a schedule's report for `label`: the document rendered, and its summary as the
/// mail's text.
async fn make(
    store: &Store,
    s: &ScheduleRow,
    label: &str,
    now: i64,
) -> Result<(String, Format, Vec<u8>, String, String), StoreError> {
    let scope: Scope = scope_of_org(store, s.org_id).await?;
    let kind = ScheduleKind::parse(&s.kind).ok_or(StoreError::NotFound)?;
    let format = Format::parse(&s.format).unwrap_or(Format::Pdf);
    let lang = Lang::parse(&s.lang);
    let fail = |e: String| StoreError::Conflict(e);
    if kind == ScheduleKind::Daily {
        let day: NaiveDate = label.parse().map_err(|_| StoreError::NotFound)?;
        let d = crate::daily::build(store, &scope, s.org_id, day, false, now).await?;
        // In Vietnamese as PDF or XLSX, the report as the officer prints it; otherwise the same
        // figures as a document in the language and format asked for.
        let doc = super::daily_doc(&d, lang);
        let bytes = match (format, lang) {
            (Format::Pdf, Lang::Vi) => crate::daily::pdf(&d).map_err(fail)?,
            (Format::Xlsx, Lang::Vi) => crate::daily::xlsx(&d).map_err(fail)?,
            _ => doc.render(format).map_err(fail)?,
        };
        let summary = doc.summary.join("\n");
        return Ok((doc.file_name(format), format, bytes, doc.title, summary));
    }
    let month = Month::parse(label).ok_or(StoreError::NotFound)?;
    let doc: Doc = match kind {
        ScheduleKind::Monthly => monthly(store, &scope, Some(s.org_id), month, lang, now)
            .await?
            .doc
            .ok_or(StoreError::NotFound)?,
        _ => {
            scorecards(store, &scope, Some(s.org_id), month, lang, now)
                .await?
                .1
        }
    };
    let bytes = doc.render(format).map_err(fail)?;
    let title = doc.title.clone();
    Ok((
        doc.file_name(format),
        format,
        bytes,
        title,
        doc.summary.join("\n"),
    ))
}

/// What a pass of the scheduler did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Copies made.
    pub made: usize,
    /// Mails the server took.
    pub sent: usize,
    /// Mails that failed.
    pub failed: usize,
}

/// Mails a copy (or keeps it when there is no mail server: its state says so) and records how
/// it went.
async fn deliver(
    store: &Store,
    mailer: Option<&Mailer>,
    run_id: i64,
    mail: Mail,
    stats: &mut RunStats,
) -> Result<(), StoreError> {
    match mailer {
        None => store.finish_report_run(run_id, "kept", "").await,
        Some(m) => match m.send(&mail).await {
            Ok(reply) => {
                stats.sent += 1;
                store.finish_report_run(run_id, "sent", &reply).await
            }
            Err(e) => {
                stats.failed += 1;
                store.finish_report_run(run_id, "failed", &e).await
            }
        },
    }
}

fn body(lang: &str, title: &str, summary: &str, public_url: &str) -> String {
    if lang == "en" {
        format!("{title}\n\n{summary}\n\nThe report is attached. Made by canhgac: {public_url}/reports\n")
    } else {
        format!("{title}\n\n{summary}\n\nBáo cáo đính kèm thư này. Do hệ thống canhgac lập: {public_url}/reports\n")
    }
}

/// Periods made at most in one pass for a schedule that missed several (the server was down).
pub const MISSED_MAX: usize = 31;

/// Makes a schedule's copy of the period `label`, keeps it as `stored` (unique per schedule),
/// and mails it. `None` when that copy already exists.
#[allow(clippy::too_many_arguments)]
async fn copy_and_mail(
    store: &Store,
    actor: &Actor,
    s: &ScheduleRow,
    label: &str,
    stored: &str,
    mailer: Option<&Mailer>,
    public_url: &str,
    now: i64,
    stats: &mut RunStats,
) -> Result<Option<i64>, StoreError> {
    let (file_name, format, bytes, title, summary) = make(store, s, label, now).await?;
    let to = s.recipient_list();
    let run = store
        .add_report_run(
            actor,
            Some(s.id),
            s.org_id,
            &s.kind,
            stored,
            format.as_str(),
            &file_name,
            &bytes,
            &to,
            now,
        )
        .await?;
    if let Some(run_id) = run {
        stats.made += 1;
        let subject = format!("[canhgac] {title} — {}", s.org_name);
        let mail = Mail {
            to,
            subject,
            body: body(&s.lang, &title, &summary, public_url),
            attachment: Some((file_name, format.mime().into(), bytes)),
        };
        deliver(store, mailer, run_id, mail, stats).await?;
    }
    Ok(run)
}

/// Runs every schedule due by `now`: makes the copy of each period that fell due since it last
/// ran (after downtime, up to [`MISSED_MAX`], oldest first) once, mails it (or keeps it when
/// there is no mail server), and moves the schedule on. A database error leaves the schedule
/// where it was, to be tried again on the next pass; a report that cannot be made at all is
/// logged and skipped. Then mails copies a dead worker left unmailed.
pub async fn run_due(
    store: &Store,
    mailer: Option<&Mailer>,
    public_url: &str,
    now: i64,
) -> Result<RunStats, StoreError> {
    let mut stats = RunStats::default();
    let actor = Actor::system("report scheduler");
    for s in store.due_report_schedules(now).await? {
        let Some(kind) = ScheduleKind::parse(&s.kind) else {
            continue;
        };
        let mut dues = vec![s.next_run_at];
        while let Some(&last) = dues.last() {
            let n = next_run(kind, s.hour, last);
            if n > now {
                break;
            }
            dues.push(n);
        }
        if dues.len() > MISSED_MAX {
            dues.drain(..dues.len() - MISSED_MAX);
        }
        let mut retry = false;
        for due in &dues {
            let label = label_for(kind, *due);
            match copy_and_mail(
                store, &actor, &s, &label, &label, mailer, public_url, now, &mut stats,
            )
            .await
            {
                Ok(_) => {}
                Err(e @ (StoreError::Db(_) | StoreError::Migrate(_))) => {
                    tracing::warn!(schedule = s.id, error = %e, "scheduled report: database error; trying again next pass");
                    retry = true;
                    break;
                }
                Err(e) => {
                    tracing::warn!(schedule = s.id, %label, error = %e, "scheduled report could not be made; skipped")
                }
            }
        }
        if !retry {
            // Whoever moves the schedule on owns this pass; each copy exists once either way.
            let next = next_run(kind, s.hour, now);
            store
                .claim_report_schedule(s.id, s.next_run_at, next, now)
                .await?;
        }
    }
    // Copies left unmailed for ten minutes (their worker died): mail them now.
    for id in store.pending_report_runs(now - 600_000).await? {
        if let Some((r, bytes)) = store.report_run(&Scope::All, id).await? {
            let format = Format::parse(&r.format).unwrap_or(Format::Pdf);
            let mail = Mail {
                to: canhgac_store::split_recipients(&r.recipients),
                subject: format!("[canhgac] {} — {}", r.file_name, r.org_code),
                body: body("vi", &r.file_name, "", public_url),
                attachment: Some((r.file_name.clone(), format.mime().into(), bytes)),
            };
            deliver(store, mailer, id, mail, &mut stats).await?;
        }
    }
    Ok(stats)
}

/// Makes a schedule's latest copy now, by hand, and mails it. The copy is kept among the
/// schedule's (its period marked as made by hand, `label#time`); one a minute at most.
pub async fn run_now(
    store: &Store,
    actor: &Actor,
    s: &ScheduleRow,
    mailer: Option<&Mailer>,
    public_url: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let kind = ScheduleKind::parse(&s.kind).ok_or(StoreError::NotFound)?;
    if let Some(last) = store.report_runs(&Scope::All, Some(s.id), 1).await?.first() {
        if now - last.generated_at < 60_000 {
            return Err(StoreError::Conflict(
                "a copy was made less than a minute ago".into(),
            ));
        }
    }
    let label = label_for(kind, now);
    let stored = format!("{label}#{now}");
    let mut stats = RunStats::default();
    copy_and_mail(
        store, actor, s, &label, &stored, mailer, public_url, now, &mut stats,
    )
    .await?
    .ok_or(StoreError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: i64) -> i64 {
        at_hour(NaiveDate::from_ymd_opt(y, m, d).expect("date"), h)
    }

    #[test]
    fn daily_runs_at_the_next_hour_and_covers_the_day_before() {
        let now = at(2026, 12, 5, 6) + 1;
        let n = next_run(ScheduleKind::Daily, 7, now);
        assert_eq!(n, at(2026, 12, 5, 7));
        assert_eq!(next_run(ScheduleKind::Daily, 7, n), at(2026, 12, 6, 7));
        assert_eq!(label_for(ScheduleKind::Daily, n), "2026-12-04");
    }

    #[test]
    fn monthly_runs_on_the_first_and_covers_the_month_before() {
        let n = next_run(ScheduleKind::Monthly, 8, at(2026, 12, 5, 9));
        assert_eq!(n, at(2027, 1, 1, 8));
        assert_eq!(label_for(ScheduleKind::Monthly, n), "2026-12");
        assert_eq!(
            next_run(ScheduleKind::Scorecard, 8, at(2026, 12, 1, 7)),
            at(2026, 12, 1, 8)
        );
        assert_eq!(
            label_for(ScheduleKind::Scorecard, at(2026, 1, 1, 8)),
            "2025-12"
        );
    }

    #[test]
    fn the_form_names_every_problem() {
        let f = ScheduleForm {
            org: "x".into(),
            kind: "weekly".into(),
            format: "doc".into(),
            lang: "fr".into(),
            recipients: "a@b.vn, not-an-address".into(),
            hour: "24".into(),
            active: true,
        };
        let Err(StoreError::Invalid(errs)) = f.validate(0) else {
            panic!("accepted")
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["org", "kind", "format", "lang", "hour", "recipients"]
        );
        assert!(errs[5].message.contains("not-an-address"));
        let ok = ScheduleForm {
            org: "3".into(),
            kind: "monthly".into(),
            format: "pdf".into(),
            lang: "vi".into(),
            recipients: "a@b.vn\nc@d.vn".into(),
            hour: "8".into(),
            active: true,
        };
        let s = ok.validate(at(2026, 12, 5, 9)).expect("valid");
        assert_eq!(
            (s.org_id, s.recipients.len(), s.next_run_at),
            (3, 2, at(2027, 1, 1, 8))
        );
    }
}
