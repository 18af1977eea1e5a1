//! The demo province's duty: Viet Nam's public holidays, and rosters counted from the day the
//! demo starts — the DIC's 3×8 round the clock across its four duty officers (a week back,
//! five weeks ahead, New Year's Day among them), Viettel's NOC on 2×12, and Tam Đường's two
//! officers on day/night, where two people cannot cover every weekend: the roster names the
//! slots nobody could take, as it must. The DIC's last two shifts are handed over, the latest
//! still waiting to be acknowledged.

use canhgac_domain::duty::{local_date, Pattern, RotaRules};
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_ops::duty::{generate_roster, RosterForm};
use canhgac_store::{Actor, Store};

/// Seeds the holidays and the rosters (once: nothing when rosters exist). Returns how many.
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    let today = local_date(now_ms());
    let year = chrono::Datelike::year(&today);
    store.ensure_holidays(year..=year + 1).await?;
    let all = Scope::All;
    if !store.rosters(&all).await?.is_empty() {
        return Ok(0);
    }
    let codes = store.org_codes().await?;
    let actor = Actor::system("demo");
    let day = |n: i64| today + chrono::Duration::days(n);
    let plans = [
        (
            "STTTT",
            "Trực ban 24/7 của Sở TTTT",
            Pattern::ThreeEights,
            -7,
            35,
            5,
        ),
        (
            "VIETTEL",
            "Trực NOC/SOC Viettel Lai Châu",
            Pattern::TwoTwelves,
            -3,
            14,
            14,
        ),
        (
            "TAMDUONG",
            "Trực an toàn thông tin huyện Tam Đường",
            Pattern::DayNight,
            // From yesterday: after midnight, the night shift under way began then.
            -1,
            13,
            6,
        ),
    ];
    let mut made = 0;
    for (code, name, pattern, from, to, max_consecutive) in plans {
        let Some(org) = codes.get(code).copied() else {
            continue;
        };
        // Those who stand duty: the organisation's accounts, leaving out the DIC's director.
        let staff = store.duty_people(&all, org).await?;
        // One DIC officer has three days of leave in ten days' time.
        if let Some(p) = staff
            .iter()
            .find(|p| p.email == "truc3@stttt.laichau.gov.vn")
        {
            store
                .add_leave(
                    &all,
                    &actor,
                    org,
                    p.id,
                    canhgac_domain::duty::midnight(day(10)),
                    canhgac_domain::duty::midnight(day(13)),
                    "Nghỉ phép năm",
                )
                .await?;
        }
        let people: Vec<i64> = staff
            .into_iter()
            .filter(|p| p.email != crate::DEMO_USERS[0].0)
            .map(|p| p.id)
            .collect();
        generate_roster(
            store,
            &all,
            &actor,
            &RosterForm {
                org_id: org,
                name: name.to_string(),
                pattern,
                first: day(from),
                last: day(to),
                rules: RotaRules {
                    min_rest_hours: 8,
                    max_consecutive,
                },
                people,
            },
        )
        .await?;
        made += 1;
    }
    // The DIC's last two shifts that ended are handed over: the earlier one acknowledged by
    // the officer who took over, the latest still waiting for it.
    if let Some(r) = store
        .rosters(&all)
        .await?
        .into_iter()
        .find(|r| r.org_code.as_deref() == Some("STTTT"))
    {
        let now = now_ms();
        let shifts = store.roster_shifts(&all, r.id).await?;
        let ended: Vec<_> = shifts.iter().filter(|s| s.ends_at <= now).collect();
        let remarks = [
            "Đã xử lý cảnh báo dò quét SSH vào máy chủ thư; theo dõi tiếp máy nhiễm Botnet ở huyện Tam Đường.",
            "Cổng dịch vụ công bị tấn công từ chối dịch vụ đã ổn định; báo cáo ban đầu còn chưa gửi, đề nghị ca sau đôn đốc.",
        ];
        for (i, s) in ended.iter().rev().take(2).rev().enumerate() {
            let who = Actor {
                user_id: s.user_id,
                email: s.email.clone().unwrap_or_else(|| "system:demo".into()),
            };
            let h = store
                .prepare_handover(&all, &who, s.id, remarks[i % remarks.len()])
                .await?;
            if i == 0 {
                let next = shifts.iter().find(|x| x.starts_at >= s.ends_at);
                let by = Actor {
                    user_id: next.and_then(|x| x.user_id),
                    email: next
                        .and_then(|x| x.email.clone())
                        .unwrap_or_else(|| "system:demo".into()),
                };
                store.acknowledge_handover(&all, &by, h).await?;
            }
        }
    }
    Ok(made)
}
