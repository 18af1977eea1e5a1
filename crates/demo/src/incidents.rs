//! The demo province's incidents: the six response-plan templates, and four incidents in
//! different stages opened from the signals the seeding and the log history raised — a Botnet
//! infection being contained, a ransomware case on a level-4 system (serious), a website
//! defacement already closed, and an alert just reported — with their plans' tasks, notes and
//! observables, their times counted back from now.

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

/// Seeds the plans and the incidents (once: nothing when incidents exist).
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    incidents::ensure_plans(store).await?;
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
        store
            .add_incident_entry(&all, &duty, inc.id, "escalation", "Đã gọi điện báo Phòng An toàn thông tin, Sở TTTT; đề nghị hỗ trợ khôi phục dữ liệu", None)
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
            store
                .move_incident(&all, &duty, inc.id, stage, note, at)
                .await?;
        }
        made += 1;
    }

    // National-platform alerts: one naming a registered server's address, one a web portal,
    // one a domain of nobody's (it waits in the DIC's queue).
    platform_alerts(store).await?;

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
