//! The demo province's incidents: the six response-plan templates, the clause-3 contact points,
//! and five incidents in different stages opened from the signals the seeding and the log
//! history raised — a Botnet infection being contained (its initial report drafted), a
//! ransomware case on a level-4 system (serious; support requested by telephone, initial report
//! sent at once), a website defacement already closed (both reports sent on time), a denial of
//! service whose initial report was never sent (the deadline check escalates it), and an alert
//! just reported — with their plans' tasks, notes, observables and reports, their times counted
//! back from now.

use canhgac_domain::report::ReportKind;
use canhgac_domain::signal::SignalKind;
use canhgac_domain::time::now_ms;
use canhgac_domain::work::WorkEvent;
use canhgac_domain::Scope;
use canhgac_ops::incidents::{self, IncidentForm};
use canhgac_store::{Actor, SignalFilter, Store};

const HOUR: i64 = 3_600_000;

async fn first_signal(
    store: &Store,
    kind: SignalKind,
    skip: usize,
) -> anyhow::Result<Option<canhgac_store::SignalRow>> {
    let (rows, _) = store
        .list_signals(
            &Scope::All,
            &SignalFilter {
                kind: Some(kind),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter(|s| s.org_id.is_some() && s.host_id.is_some())
        .nth(skip))
}

/// Stores a text file as evidence of an incident, under its SHA-256.
async fn evidence(
    store: &Store,
    who: &Actor,
    id: i64,
    name: &str,
    text: &str,
) -> anyhow::Result<()> {
    use sha2::{Digest, Sha256};
    let sha = hex::encode(Sha256::digest(text.as_bytes()));
    store
        .add_evidence(&Scope::All, who, id, name, &sha, text.as_bytes())
        .await?;
    Ok(())
}

/// A report drafted from the incident's record and, when `sent_at` is given, sent then to the
/// VNCERT/CC and DIC contact points (the demo's history: its mail is in the mail log too).
async fn report(
    store: &Store,
    who: &Actor,
    id: i64,
    kind: ReportKind,
    drafted_at: i64,
    sent_at: Option<i64>,
) -> anyhow::Result<()> {
    let all = Scope::All;
    let Some(inc) = store.incident(&all, id).await? else {
        return Ok(());
    };
    let (f, _) = canhgac_ops::reports::current(store, &all, &inc, kind, drafted_at).await?;
    store
        .save_incident_report(&all, who, id, kind, &f.number, &f.fields, drafted_at)
        .await?;
    if let Some(at) = sent_at {
        let to: Vec<String> = store
            .report_contacts(true)
            .await?
            .into_iter()
            .filter(|c| c.email == "ir@vncert.vn" || c.position == 3)
            .map(|c| c.email)
            .filter(|e| !e.is_empty())
            .collect();
        let to = to.join(", ");
        let rules = store.report_rules().await?;
        let subject = canhgac_ops::reports::subject(&rules.subject_prefix, &f);
        store
            .log_mail(
                at,
                Some(inc.org_id),
                who,
                &to,
                &subject,
                &format!("incident:{id}:{}", kind.as_str()),
                "sent",
                "250 2.0.0 Ok: queued (lịch sử mẫu của bản trình diễn)",
            )
            .await?;
        store.mark_report_sent(&all, who, id, kind, &to, at).await?;
    }
    Ok(())
}

/// Seeds the plans and the incidents (once: nothing when incidents exist).
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    incidents::ensure_plans(store).await?;
    canhgac_ops::reports::ensure_contacts(store).await?;
    let all = Scope::All;
    let (existing, _) = store
        .list_incidents(&all, &canhgac_store::IncidentFilter::default())
        .await?;
    if !existing.is_empty() {
        return Ok(0);
    }
    let duty = Actor::system("demo");
    let now = now_ms();
    let plans = store.list_plans(&all).await?;
    let plan_for = |cat: &str| plans.iter().find(|p| p.category == cat).map(|p| p.id);
    let mut made = 0;

    // 1. A Botnet infection: opened from the list finding, plan started, being contained.
    if let Some(s) = first_signal(store, SignalKind::BotnetFinding, 0).await? {
        let inc = incidents::open_from_signal(store, &all, &duty, s.id).await?;
        evidence(
            store,
            &duty,
            inc.id,
            "netstat-may-nhiem.txt",
            "Proto Local Address          Foreign Address        State       PID\n  TCP  10.20.3.14:49731       45.155.205.233:443     ESTABLISHED 4412\n",
        )
        .await?;
        store
            .move_incident(
                &all,
                &duty,
                inc.id,
                canhgac_domain::incident::Stage::Triaged,
                "Xác nhận máy có kết nối tới máy chủ điều khiển",
                now,
            )
            .await?;
        if let Some(p) = plan_for("botnet") {
            let tasks = store.start_plan(&all, &duty, inc.id, p).await?;
            // The first two steps are done.
            for t in tasks.iter().take(2) {
                store
                    .apply_work_event(&all, &duty, *t, &WorkEvent::Start, None, None)
                    .await?;
                store
                    .apply_work_event(
                        &all,
                        &duty,
                        *t,
                        &WorkEvent::ReportDone,
                        Some("Đã thực hiện, kết quả lưu trong hồ sơ sự cố"),
                        Some("Biên bản kiểm tra máy"),
                    )
                    .await?;
            }
        }
        store
            .move_incident(
                &all,
                &duty,
                inc.id,
                canhgac_domain::incident::Stage::Contained,
                "Đã cô lập máy khỏi mạng",
                now_ms(),
            )
            .await?;
        // The initial report is drafted, not yet sent (due within five days).
        report(store, &duty, inc.id, ReportKind::Initial, now_ms(), None).await?;
        made += 1;
    }

    // 2. Ransomware on a server of a level-4 system: serious, eradicated, with observables.
    if let Some(s) = first_signal(store, SignalKind::SigmaAlert, 0).await? {
        let systems = store
            .list(
                canhgac_domain::entity::EntityKind::System,
                &all,
                &canhgac_store::ListQuery {
                    limit: Some(500),
                    ..Default::default()
                },
            )
            .await?;
        let level4: Vec<i64> = systems
            .items
            .iter()
            .filter(|x| {
                x["level"].as_i64().is_some_and(|l| l >= 4) && x["org_id"].as_i64() == s.org_id
            })
            .filter_map(|x| x["id"].as_i64())
            .take(1)
            .collect();
        let form = IncidentForm {
            org_id: s.org_id,
            title: "Mã độc mã hoá dữ liệu trên máy chủ ứng dụng".into(),
            summary: "Tệp dữ liệu trên máy chủ bị đổi đuôi .lockbit, có thư đòi tiền chuộc; dịch vụ một cửa điện tử ngừng hoạt động.".into(),
            category: "encryption".into(),
            impacts: vec!["service_interruption".into(), "integrity_loss".into()],
            beyond_owner: true,
            tlp: Some("amber".into()),
            techniques: vec!["T1486, T1490, T1059.001".into()],
            started_at: Some(now - 30 * HOUR),
            detected_at: Some(now - 28 * HOUR),
            hosts: s.host_id.into_iter().collect(),
            systems: level4,
            signals: vec![s.id],
            opened_at: Some(now - 28 * HOUR + 600_000),
            ..Default::default()
        };
        let inc = incidents::open(store, &all, &duty, s.org_id, &form).await?;
        for (kind, value, note) in [
            (
                "ip",
                crate::ATTACKERS[1].0,
                "Địa chỉ kết nối RDP trước khi mã hoá",
            ),
            (
                "hash",
                "3f1c0f8a2b7d4e6f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
                "Tệp thực thi mã hoá",
            ),
            (
                "domain",
                "lockbit-decryptor.example",
                "Trang thanh toán trong thư đòi tiền chuộc",
            ),
        ] {
            incidents::add_observable(store, &all, &duty, inc.id, kind, value, Some(note)).await?;
        }
        // The ransom note, as found on the server: evidence, stored by its SHA-256.
        evidence(
            store,
            &duty,
            inc.id,
            "Restore-My-Files.txt",
            "Your data are stolen and encrypted.\nTo decrypt, visit lockbit-decryptor.example and enter your ID.\n",
        )
        .await?;
        if let Some(p) = plan_for("encryption") {
            store.start_plan(&all, &duty, inc.id, p).await?;
        }
        for (stage, note, at) in [
            (
                canhgac_domain::incident::Stage::Triaged,
                "Xác định biến thể LockBit 3.0",
                now - 27 * HOUR,
            ),
            (
                canhgac_domain::incident::Stage::Contained,
                "Ngắt máy chủ khỏi mạng, khoá tài khoản quản trị bị lộ",
                now - 26 * HOUR,
            ),
            (
                canhgac_domain::incident::Stage::Eradicated,
                "Gỡ mã độc, vá lỗ hổng RDP, đổi toàn bộ mật khẩu",
                now - 8 * HOUR,
            ),
        ] {
            store
                .move_incident(&all, &duty, inc.id, stage, note, at)
                .await?;
        }
        // Beyond the owner: support requested, so the initial report went at once.
        store
            .request_support(
                &all,
                &duty,
                inc.id,
                now - 27 * HOUR + 1_800_000,
                "Cần hỗ trợ khôi phục dữ liệu bị mã hoá",
            )
            .await?;
        // The duty officer who made the call.
        let officer = Actor {
            user_id: None,
            email: "trucban@stttt.laichau.gov.vn".into(),
        };
        store
            .add_escalation(
                &all,
                &officer,
                inc.id,
                &canhgac_store::NewEscalation {
                    at: now - 27 * HOUR + 2_400_000,
                    reason: "support_requested".into(),
                    to_whom: "VNCERT/CC (086.9100.317); Phòng BCVT-CNTT, Sở TTTT".into(),
                    channel: "phone".into(),
                    note: "Gọi đường dây nóng ứng cứu sự cố, đề nghị hỗ trợ khôi phục dữ liệu"
                        .into(),
                },
            )
            .await?;
        report(
            store,
            &duty,
            inc.id,
            ReportKind::Initial,
            now - 27 * HOUR + 2_700_000,
            Some(now - 27 * HOUR + 3_000_000),
        )
        .await?;
        made += 1;
    }

    // 3. A website defacement, handled and closed.
    if let Some(s) = first_signal(store, SignalKind::SigmaAlert, 3).await? {
        let form = IncidentForm {
            org_id: s.org_id,
            title: "Trang thông tin điện tử bị thay đổi giao diện".into(),
            summary: "Trang chủ bị thay bằng nội dung xấu; nguyên nhân: lỗ hổng tải tệp của trình soạn thảo.".into(),
            category: "defacement".into(),
            tlp: Some("green".into()),
            techniques: vec!["T1491.002, T1505.003".into()],
            started_at: Some(now - 5 * 24 * HOUR - 3 * HOUR),
            detected_at: Some(now - 5 * 24 * HOUR),
            hosts: s.host_id.into_iter().collect(),
            opened_at: Some(now - 5 * 24 * HOUR + 300_000),
            ..Default::default()
        };
        let inc = incidents::open(store, &all, &duty, s.org_id, &form).await?;
        for (stage, note, at) in [
            (
                canhgac_domain::incident::Stage::Contained,
                "Chuyển trang sang chế độ bảo trì",
                now - 5 * 24 * HOUR + HOUR,
            ),
            (
                canhgac_domain::incident::Stage::Eradicated,
                "Gỡ webshell, vá trình soạn thảo",
                now - 4 * 24 * HOUR,
            ),
            (
                canhgac_domain::incident::Stage::Recovered,
                "Khôi phục từ bản sao lưu ngày trước",
                now - 4 * 24 * HOUR + 6 * HOUR,
            ),
            (
                canhgac_domain::incident::Stage::Closed,
                "Đã gửi báo cáo kết thúc",
                now - 2 * 24 * HOUR,
            ),
        ] {
            if stage == canhgac_domain::incident::Stage::Closed {
                report(
                    store,
                    &duty,
                    inc.id,
                    ReportKind::Closing,
                    at - 3 * HOUR,
                    Some(at - 2 * HOUR),
                )
                .await?;
            }
            store
                .move_incident(&all, &duty, inc.id, stage, note, at)
                .await?;
            if stage == canhgac_domain::incident::Stage::Contained {
                report(
                    store,
                    &duty,
                    inc.id,
                    ReportKind::Initial,
                    at,
                    Some(at + 2 * HOUR),
                )
                .await?;
            }
        }
        made += 1;
    }

    // National-platform alerts: one naming a registered server's address, one a web portal,
    // one a domain of nobody's (it waits in the DIC's queue).
    platform_alerts(store).await?;

    // 5. A denial of service six days ago, contained, whose initial report was never sent:
    // the deadline check escalates it when the server starts.
    if let Some(s) = first_signal(store, SignalKind::SigmaAlert, 9).await? {
        let form = IncidentForm {
            org_id: s.org_id,
            title: "Tấn công từ chối dịch vụ vào cổng dịch vụ công".into(),
            summary: "Lưu lượng HTTP tăng đột biến từ nhiều địa chỉ nước ngoài, cổng dịch vụ công chậm, gián đoạn khoảng 2 giờ.".into(),
            category: "denial_of_service".into(),
            impacts: vec!["service_interruption".into()],
            tlp: Some("green".into()),
            techniques: vec!["T1498, T1499.002".into()],
            started_at: Some(now - 6 * 24 * HOUR - HOUR),
            detected_at: Some(now - 6 * 24 * HOUR),
            hosts: s.host_id.into_iter().collect(),
            opened_at: Some(now - 6 * 24 * HOUR + 900_000),
            ..Default::default()
        };
        let inc = incidents::open(store, &all, &duty, s.org_id, &form).await?;
        store
            .move_incident(
                &all,
                &duty,
                inc.id,
                canhgac_domain::incident::Stage::Contained,
                "Bật giới hạn tốc độ và chặn địa lý trên tường lửa",
                now - 6 * 24 * HOUR + 2 * HOUR,
            )
            .await?;
        made += 1;
    }

    // 4. Just reported, from a Sigma alert.
    if let Some(s) = first_signal(store, SignalKind::SigmaAlert, 6).await? {
        incidents::open_from_signal(store, &all, &duty, s.id).await?;
        made += 1;
    }
    Ok(made)
}

/// Three alerts as IRLab would push them, routed through the registry like real ones.
async fn platform_alerts(store: &Store) -> anyhow::Result<()> {
    let all = Scope::All;
    let hosts = store
        .list(
            canhgac_domain::entity::EntityKind::Host,
            &all,
            &canhgac_store::ListQuery {
                limit: Some(2000),
                ..Default::default()
            },
        )
        .await?;
    let named = |pred: &dyn Fn(&str) -> bool| {
        hosts
            .items
            .iter()
            .find(|h| pred(h["hostname"].as_str().unwrap_or_default()))
            .cloned()
    };
    let server = named(&|n: &str| n.contains("mail"));
    let portal = named(&|n: &str| n.contains("web"));
    let ip = server
        .as_ref()
        .and_then(|h| {
            canhgac_domain::net::host_addresses(h["ips"].as_str().unwrap_or_default()).next()
        })
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "192.0.2.10".into());
    let web = portal
        .as_ref()
        .and_then(|h| h["hostname"].as_str().map(str::to_string))
        .unwrap_or_else(|| "cong-thong-tin.example".into());
    let actor = Actor::system("demo");
    let token = format!("demo-{}", now_ms());
    store
        .create_platform_source(&actor, "IRLab VNCERT/CC", &token, "demo-secret")
        .await?;
    let Some(source) = store.platform_source_by_token(&token).await? else {
        return Ok(());
    };
    let alerts = canhgac_ops::platform::parse(
        serde_json::json!([
            {"id": "IRL-2026-11873", "time": canhgac_domain::time::rfc3339(now_ms() - 5 * HOUR),
             "type": "Máy chủ kết nối tới máy chủ điều khiển mã độc", "target": ip,
             "description": "Địa chỉ kết nối định kỳ tới máy chủ C&C của mã độc QakBot.", "severity": "high",
             "recommendation": "Cô lập máy, quét mã độc, chặn địa chỉ C&C trên tường lửa."},
            {"id": "IRL-2026-11874", "time": canhgac_domain::time::rfc3339(now_ms() - 3 * HOUR),
             "type": "Trang thông tin có lỗ hổng SQL injection", "target": format!("https://{web}/tin-tuc?id=1"),
             "description": "Tham số id cho phép chèn câu lệnh SQL.", "severity": "critical",
             "recommendation": "Sửa mã nguồn, lọc tham số đầu vào, rà soát nhật ký truy cập."},
            {"id": "IRL-2026-11875", "time": canhgac_domain::time::rfc3339(now_ms() - HOUR),
             "type": "Trang giả mạo cơ quan nhà nước", "target": "laichau-gov-vn.example",
             "description": "Tên miền giả mạo cổng thông tin của tỉnh để lừa đảo.", "severity": "medium",
             "recommendation": "Thông báo cơ quan liên quan đề nghị gỡ bỏ."}
        ])
        .to_string()
        .as_bytes(),
    )
    .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let dir = canhgac_ops::directory::Directory::load(store).await?;
    canhgac_ops::platform::ingest(store, &dir, &source, &alerts)
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    Ok(())
}

/// What the live feed's platform alerts are about: type, severity, recommendation.
const LIVE_ALERTS: [(&str, &str, &str); 4] = [
    (
        "Máy chủ kết nối tới máy chủ điều khiển mã độc",
        "high",
        "Cô lập máy, quét mã độc, chặn địa chỉ điều khiển trên tường lửa.",
    ),
    (
        "Địa chỉ IP tham gia mạng Botnet",
        "high",
        "Rà soát tiến trình lạ, gỡ mã độc, đổi mật khẩu quản trị.",
    ),
    (
        "Dò quét mật khẩu dịch vụ quản trị từ xa",
        "medium",
        "Chặn truy cập quản trị từ Internet, bật xác thực hai lớp.",
    ),
    (
        "Máy chủ có lỗ hổng đang bị khai thác",
        "critical",
        "Cập nhật bản vá theo khuyến cáo, rà soát nhật ký truy cập.",
    ),
];

/// Now and then — every `every` — a national-platform alert as IRLab pushes it, on a
/// registered host's address (the hosts taken in turn), through the same reading, routing and
/// signal as a real push; ids follow on from the seeded ones.
pub async fn live_platform(store: Store, every: std::time::Duration) {
    let mut n: usize = 0;
    loop {
        tokio::time::sleep(every).await;
        n += 1;
        if let Err(e) = live_platform_alert(&store, n).await {
            tracing::warn!(error = %e, "demo generator could not raise a platform alert");
        }
    }
}

/// The `n`-th live platform alert.
pub async fn live_platform_alert(store: &Store, n: usize) -> anyhow::Result<()> {
    let Some(source) = store.platform_source_by_name("IRLab VNCERT/CC").await? else {
        return Ok(());
    };
    let hosts = store
        .list(
            canhgac_domain::entity::EntityKind::Host,
            &Scope::All,
            &canhgac_store::ListQuery {
                limit: Some(2000),
                ..Default::default()
            },
        )
        .await?;
    let addressed: Vec<String> = hosts
        .items
        .iter()
        .filter_map(|h| {
            canhgac_domain::net::host_addresses(h["ips"].as_str().unwrap_or_default()).next()
        })
        .map(|ip| ip.to_string())
        .collect();
    if addressed.is_empty() {
        return Ok(());
    }
    let target = &addressed[(n * 7) % addressed.len()];
    let (kind, severity, advice) = LIVE_ALERTS[n % LIVE_ALERTS.len()];
    let now = now_ms();
    let year = canhgac_domain::report::HalfYear::of(now).year;
    let alerts = canhgac_ops::platform::parse(
        serde_json::json!({
            "id": format!("IRL-{year}-{}", 11875 + n),
            "time": canhgac_domain::time::rfc3339(now),
            "type": kind,
            "target": target,
            "description": format!("{kind}: địa chỉ {target} được ghi nhận trên hệ thống giám sát quốc gia."),
            "severity": severity,
            "recommendation": advice,
        })
        .to_string()
        .as_bytes(),
    )
    .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let dir = canhgac_ops::directory::Directory::load(store).await?;
    canhgac_ops::platform::ingest(store, &dir, &source, &alerts)
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    Ok(())
}
