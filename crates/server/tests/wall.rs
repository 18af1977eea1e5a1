//! The duty wall: the page and its event stream show the caller's open alerts by severity, the
//! newest high ones, attacks under way, queues and the heat map of organisations — only what the
//! caller may see — and the stream sends the wall again as events.

mod common;

use axum::http::StatusCode;
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_store::NewSignal;
use common::TestApp;

#[tokio::test]
async fn the_wall_shows_the_callers_province_and_nothing_else() {
    let app = TestApp::new().await;
    let now = now_ms();
    for (org, title) in [
        ("SYT", "Tấn công dò mật khẩu vào máy chủ SYT-wall"),
        ("TAMDUONG", "Mã độc trên máy Tam Đường-wall"),
    ] {
        app.store
            .raise_signal(&NewSignal {
                kind: SignalKind::Malware,
                source: "test".into(),
                title: title.into(),
                severity: Severity::Critical,
                org_id: Some(app.orgs[org]),
                host_id: None,
                dedup_key: format!("wall:{org}"),
                seen_at: now,
                window_ms: 60_000,
                payload: serde_json::json!({}),
                host_name: None,
                src_ip: None,
            })
            .await
            .expect("signal");
    }
    let attack = canhgac_store::AttackWrite {
        operator_org_id: app.orgs["VIETTEL"],
        org_id: app.orgs["TAMDUONG"],
        target: "198.51.100.49".into(),
        prefix: "198.51.100.48/28".into(),
        kind: "udp_flood".into(),
        reason: "pps".into(),
        started_at: now - 10_000,
        last_over_at: now,
        peak_pps: 45_000,
        top_sources: "[]".into(),
        mix: "{}".into(),
        advice: "{}".into(),
        detected_at: now - 9_000,
        ..Default::default()
    };
    app.store.insert_flow_attack(&attack).await.expect("attack");

    let td = app.session("td-staff@t.vn").await;
    let r = td.get("/wall").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("Mã độc trên máy Tam Đường-wall"),
        "its own critical alert"
    );
    assert!(
        !r.text.contains("SYT-wall"),
        "another organisation's alert is not on its wall"
    );
    assert!(
        r.text.contains("198.51.100.49") && r.text.contains("45.000"),
        "the attack under way, its peak"
    );
    assert!(r.text.contains("wall.js") && r.text.contains("id=\"wall\""));
    let ev = td.first_event("/wall/stream").await;
    assert!(ev.starts_with("event: wall"), "{ev}");
    assert!(ev.contains("Mã độc trên máy Tam Đường-wall") && !ev.contains("SYT-wall"));
    assert!(
        !ev.contains("sự kiện/giây"),
        "the province's ingest rate is not an organisation's"
    );

    let dic = app.session("admin@t.vn").await;
    let r = dic.get("/wall?theme=light").await;
    assert!(
        r.text.contains("SYT-wall") && r.text.contains("Tam Đường-wall"),
        "the DIC sees the province"
    );
    assert!(r.text.contains("wall light"));
    // The heat map names every organisation with hosts, its share patched.
    for code in ["SYT", "TAMDUONG", "VIETTEL"] {
        assert!(
            r.text.contains(&format!("#org-{code}")),
            "{code} on the heat map"
        );
    }
    app.cleanup().await;
}
