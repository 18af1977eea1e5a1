//! The demo province's scheduled reports: the DIC mails the monthly report (PDF) and the
//! scorecards (XLSX) to the province's leadership on the 1st, and its daily duty report every
//! morning; the Department of Health sends its own monthly figures in English as CSV. Each
//! schedule was due once before the demo started and its copy is made by the scheduler itself
//! (kept, not mailed, as the demo has no mail server), so the copies are what it would send.

use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_ops::summaries::{next_run, run_due, ScheduleKind};
use canhgac_store::{Actor, NewSchedule, Store};

/// Seeds the schedules (once) and lets the scheduler make their latest copies. Returns how many
/// copies.
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    let all = Scope::All;
    if !store.report_schedules(&all).await?.is_empty() {
        return Ok(0);
    }
    let now = now_ms();
    let orgs = store.orgs_in_scope(&all).await?;
    let id = |code: &str| orgs.iter().find(|o| o.1 == code).map(|o| o.0);
    let dic = store
        .dic_org()
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo province has no DIC"))?;
    let mut plans = vec![
        (
            dic,
            ScheduleKind::Monthly,
            "pdf",
            "vi",
            vec!["lanhdao@laichau.gov.vn", "vanphong@stttt.laichau.gov.vn"],
            8,
        ),
        (
            dic,
            ScheduleKind::Scorecard,
            "xlsx",
            "vi",
            vec!["lanhdao@laichau.gov.vn"],
            8,
        ),
        (
            dic,
            ScheduleKind::Daily,
            "pdf",
            "vi",
            vec!["vanphong@stttt.laichau.gov.vn"],
            7,
        ),
    ];
    if let Some(syt) = id("SYT") {
        plans.push((
            syt,
            ScheduleKind::Monthly,
            "csv",
            "en",
            vec!["quantri@syt.laichau.gov.vn"],
            9,
        ));
    }
    let actor = Actor::system("demo");
    for (org, kind, format, lang, to, hour) in plans {
        // The run before the demo started: the latest due time not after now.
        let back = match kind {
            ScheduleKind::Daily => 86_400_000,
            _ => 32 * 86_400_000,
        };
        let mut due = next_run(kind, hour, now - back);
        while next_run(kind, hour, due) <= now {
            due = next_run(kind, hour, due);
        }
        let s = NewSchedule {
            org_id: org,
            kind: kind.as_str().into(),
            format: format.into(),
            lang: lang.into(),
            recipients: to.into_iter().map(str::to_string).collect(),
            hour,
            active: true,
            next_run_at: due,
        };
        store.create_report_schedule(&all, &actor, &s).await?;
    }
    let made = run_due(store, None, "", now).await?;
    Ok(made.made)
}
