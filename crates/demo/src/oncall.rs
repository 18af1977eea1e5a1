//! The demo province's on-call paging: the DIC allows its own webhook gateway as a destination,
//! Viettel pages faster than the default policy (its NOC runs 2×12), and the pager pages the
//! high and critical alerts and the incidents of the last 45 minutes through each organisation's
//! officers on duty. The demo has no mail server, so every e-mail page says so on its page
//! (shown in the application only) — the truth. The oldest page was acknowledged by the DIC's
//! officer on duty; the rest are still paging, and the live feed's alerts add to them.

use canhgac_domain::oncall::{Policy, Step, Target};
use canhgac_domain::Scope;
use canhgac_ops::oncall::{tick, Pager};
use canhgac_store::{Actor, Store};

/// Seeds the policy, the destination and the first pages. Returns how many pages opened.
pub async fn seed(store: &Store, now: i64, public_url: &str) -> anyhow::Result<usize> {
    let all = Scope::All;
    let actor = Actor::system("demo");
    if !store.oncall_destinations().await?.is_empty() {
        return Ok(0);
    }
    store
        .add_oncall_destination(
            &actor,
            "https://hooks.stttt.laichau.gov.vn/canhgac",
            "Cổng webhook của Sở TT&TT (chuyển tiếp sang Zalo, Telegram nội bộ)",
        )
        .await?;
    let codes = store.org_codes().await?;
    if let Some(vt) = codes.get("VIETTEL") {
        let policy = Policy {
            steps: vec![
                Step {
                    targets: vec![Target::OnDuty, Target::Channels],
                    wait_minutes: 5,
                },
                Step {
                    targets: vec![Target::OrgAdmins],
                    wait_minutes: 10,
                },
                Step {
                    targets: vec![Target::DicDuty],
                    wait_minutes: 15,
                },
            ],
            repeat: 2,
        };
        store.set_oncall_policy(&all, &actor, *vt, &policy).await?;
    }
    store.start_paging_from(now - 45 * 60_000).await?;
    let pager = Pager::new(None, public_url).map_err(anyhow::Error::msg)?;
    let report = tick(store, &pager, now).await?;
    // The DIC's officer on duty took up the oldest page.
    let on_duty = store
        .page_recipients(
            codes.get("STTTT").copied().unwrap_or(0),
            Target::OnDuty,
            now,
        )
        .await?;
    let oldest = store
        .oncall_pages(&all, true, None, 1000)
        .await?
        .into_iter()
        .min_by_key(|p| p.created_at);
    if let (Some(p), Some(who)) = (oldest, on_duty.first()) {
        let officer = Actor {
            user_id: Some(who.user_id),
            email: who.email.clone(),
        };
        store.ack_page(&all, &officer, p.id).await?;
    }
    Ok(report.opened)
}
