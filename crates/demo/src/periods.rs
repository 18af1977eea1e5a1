//! The demo province's heightened period: the days around the demo's start (two days back, four
//! ahead) with time limits at half, and the daily reports the DIC and the organisations under it
//! sent —
//! most for the past days, about a third so far for today, each prefilled from its day as the
//! form does and sent by one of its people. The DIC's daily duty report of yesterday was edited
//! and saved by its officer.

use canhgac_domain::duty::local_date;
use canhgac_domain::period::validate;
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_ops::periods::prefill;
use canhgac_store::{Actor, Store};

/// Seeds the period and its reports (once). Returns how many reports.
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    let all = Scope::All;
    if !store.periods().await?.is_empty() {
        return Ok(0);
    }
    let now = now_ms();
    let today = local_date(now);
    let spec = validate(
        "Cao điểm bảo đảm an toàn thông tin dịp cuối năm",
        Some(today - chrono::Duration::days(2)),
        Some(today + chrono::Duration::days(4)),
        Some(50),
        "",
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let pid = store
        .create_period(&all, &Actor::system("demo"), &spec)
        .await?;
    let p = store
        .period(pid)
        .await?
        .ok_or_else(|| anyhow::anyhow!("period"))?;
    let mut n = 0;
    for (i, (org, code, _)) in store.period_recipients(&all).await?.into_iter().enumerate() {
        let person = store.duty_people(&all, org).await?.into_iter().next();
        let actor = match &person {
            Some(p) => Actor {
                user_id: Some(p.id),
                email: p.email.clone(),
            },
            None => Actor::system("demo"),
        };
        for back in [2i64, 1, 0] {
            // Past days: all but every fifth; today: every third.
            let sends = if back == 0 {
                i.is_multiple_of(3)
            } else {
                !(i + back as usize).is_multiple_of(5)
            };
            if !sends {
                continue;
            }
            let day = today - chrono::Duration::days(back);
            let mut fields = prefill(store, &p, org, day, now).await?;
            fields.insert(
                "issues".into(),
                if code.starts_with("VIETTEL")
                    || code.starts_with("VNPT")
                    || code.starts_with("MOBIFONE")
                {
                    "Lưu lượng tăng dịp cuối năm; đã tăng cường trực NOC.".into()
                } else {
                    "Không có khó khăn, vướng mắc.".into()
                },
            );
            let at = if back == 0 {
                now
            } else {
                canhgac_domain::duty::midnight(day) + 17 * 3_600_000
            };
            store
                .submit_period_report(&all, &actor, pid, org, day, &fields, at.min(now))
                .await?;
            n += 1;
        }
    }
    // The DIC's report of yesterday, edited by its officer.
    if let Some(dic) = store.org_codes().await?.get("STTTT").copied() {
        let yesterday = today - chrono::Duration::days(1);
        let d = canhgac_ops::daily::build(store, &all, dic, yesterday, true, now).await?;
        let officer = store.duty_people(&all, dic).await?.into_iter().next();
        let actor = match &officer {
            Some(p) => Actor {
                user_id: Some(p.id),
                email: p.email.clone(),
            },
            None => Actor::system("demo"),
        };
        let narrative = format!("{}\nCa đêm ghi nhận dò quét SSH từ các địa chỉ trong Danh sách IP Botnet tới nhiều đơn vị; đã gọi trực các đơn vị liên quan.", d.narrative);
        store
            .save_daily_report(
                &all,
                &actor,
                dic,
                &yesterday.to_string(),
                &narrative,
                "Đề nghị các đơn vị chưa gửi báo cáo ngày khẩn trương gửi trước 17 giờ.",
                now,
            )
            .await?;
    }
    Ok(n)
}
