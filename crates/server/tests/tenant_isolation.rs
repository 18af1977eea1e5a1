//! Tenant isolation: every API route and every UI route, for a user of every role, proves
//! that no organisation reads or changes another's data. A route this test does not know
//! fails it, so a new route cannot skip the check.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use canhgac_domain::entity::EntityKind;
use canhgac_domain::Role;
use canhgac_server::declared_routes;

/// An API route as declared (lower-case method, path under `/api/v1`).
struct ApiRoute {
    method: &'static str,
    path: &'static str,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Every API route, from the rooms' declarations.
fn api_routes() -> Vec<ApiRoute> {
    declared_routes()
        .into_iter()
        .filter(|r| r.api)
        .map(|r| ApiRoute {
            method: leak(r.method.as_str().to_lowercase()),
            path: leak(
                r.path
                    .strip_prefix("/api/v1")
                    .unwrap_or(&r.path)
                    .to_string(),
            ),
        })
        .collect()
}

/// Every page route (lower-case method, path), from the rooms' declarations.
fn ui_routes() -> Vec<(&'static str, &'static str)> {
    declared_routes()
        .into_iter()
        .filter(|r| !r.api)
        .map(|r| (leak(r.method.as_str().to_lowercase()), leak(r.path)))
        .collect()
}
use common::{marker, TestApp, ORGS, USERS};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Ids of every fixture record per kind, with the code of the owning organisation.
async fn records(app: &TestApp) -> HashMap<EntityKind, Vec<(i64, String)>> {
    let mut out = HashMap::new();
    for kind in EntityKind::ALL {
        let page = app
            .store
            .list(
                kind,
                &canhgac_domain::Scope::All,
                &canhgac_store::ListQuery {
                    limit: Some(1000),
                    ..Default::default()
                },
            )
            .await
            .expect("list");
        let rows = page
            .items
            .iter()
            .map(|r| {
                let code = if kind == EntityKind::Org {
                    r["code"].as_str()
                } else {
                    r["org_code"].as_str()
                };
                (
                    r["id"].as_i64().expect("id"),
                    code.expect("code").to_string(),
                )
            })
            .collect();
        out.insert(kind, rows);
    }
    out
}

/// One incident per organisation (its title carries the organisation's marker), with an
/// observable and a piece of evidence, and an own copy of a response plan for each: the
/// incidents room's records. Made once per app. Returns
/// `(incident id, evidence id, plan id, organisation code)`.
async fn incident_records(app: &TestApp) -> Vec<(i64, i64, i64, String)> {
    let all = canhgac_domain::Scope::All;
    let actor = canhgac_store::Actor::system("test");
    canhgac_ops::incidents::ensure_plans(&app.store)
        .await
        .expect("plans");
    let template = app.store.list_plans(&all).await.expect("plans")[0].id;
    let (have, _) = app
        .store
        .list_incidents(
            &all,
            &canhgac_store::IncidentFilter {
                limit: Some(500),
                ..Default::default()
            },
        )
        .await
        .expect("incidents");
    let mut out = Vec::new();
    for (code, _, _) in ORGS {
        let m = marker(code);
        let org = app.orgs[*code];
        let title = format!("Sự cố {m}");
        let id = match have.iter().find(|i| i.title == title) {
            Some(i) => i.id,
            None => {
                let form = canhgac_ops::incidents::IncidentForm {
                    org_id: Some(org),
                    title: title.clone(),
                    summary: format!("tóm tắt {m}"),
                    category: "malware".into(),
                    ..Default::default()
                };
                let inc = canhgac_ops::incidents::open(&app.store, &all, &actor, Some(org), &form)
                    .await
                    .expect("incident");
                canhgac_ops::incidents::add_observable(
                    &app.store, &all, &actor, inc.id, "account", &m, None,
                )
                .await
                .expect("observable");
                app.store
                    .add_evidence(
                        &all,
                        &actor,
                        inc.id,
                        &format!("{m}.txt"),
                        &format!("{:064}", inc.id),
                        m.as_bytes(),
                    )
                    .await
                    .expect("evidence");
                canhgac_ops::incidents::copy_plan(&app.store, &all, &actor, template, org)
                    .await
                    .expect("plan copy");
                // Its initial report, a message about it and an escalation, each carrying the
                // organisation's marker.
                let mut fields = std::collections::BTreeMap::new();
                fields.insert("summary".to_string(), format!("báo cáo {m}"));
                app.store
                    .save_incident_report(
                        &all,
                        &actor,
                        inc.id,
                        canhgac_domain::report::ReportKind::Initial,
                        &format!("01/2026/{m}"),
                        &fields,
                        canhgac_domain::time::now_ms(),
                    )
                    .await
                    .expect("report");
                app.store
                    .log_mail(
                        canhgac_domain::time::now_ms(),
                        Some(org),
                        &actor,
                        &format!("{m}@t.vn"),
                        &format!("[TBSC] {m}"),
                        &format!("incident:{}:initial", inc.id),
                        "sent",
                        "250",
                    )
                    .await
                    .expect("mail");
                app.store
                    .add_escalation(
                        &all,
                        &actor,
                        inc.id,
                        &canhgac_store::NewEscalation {
                            at: canhgac_domain::time::now_ms(),
                            reason: "manual".into(),
                            to_whom: format!("đầu mối {m}"),
                            channel: "phone".into(),
                            note: m.clone(),
                        },
                    )
                    .await
                    .expect("escalation");
                inc.id
            }
        };
        let ev = app
            .store
            .incident_evidence(&all, id)
            .await
            .expect("evidence")[0]
            .id;
        let plan = app
            .store
            .list_plans(&all)
            .await
            .expect("plans")
            .into_iter()
            .find(|p| p.org_id == Some(org))
            .expect("own plan")
            .id;
        out.push((id, ev, plan, code.to_string()));
    }
    out
}

/// One platform alert per organisation (its target names the organisation's marked host) and one
/// in the DIC's queue. Made once per app.
async fn platform_records(app: &TestApp) {
    let all = canhgac_domain::Scope::All;
    if !app
        .store
        .list_platform_alerts(&all, false, 10)
        .await
        .expect("alerts")
        .is_empty()
    {
        return;
    }
    let actor = canhgac_store::Actor::system("test");
    let src = app
        .store
        .create_platform_source(&actor, "walk", &common::unique("walk-token"), "k")
        .await
        .expect("source");
    for (code, _, _) in ORGS {
        app.store
            .upsert_platform_alert(&canhgac_store::NewPlatformAlert {
                source_id: src,
                platform_id: format!("walk-{code}"),
                alert_time: None,
                alert_type: "walk".into(),
                target: format!("{}-web01", marker(code)),
                description: marker(code),
                severity: "high".into(),
                recommendation: String::new(),
                org_id: Some(app.orgs[*code]),
                host_id: None,
            })
            .await
            .expect("alert");
    }
}

/// One roster per organisation, its one shift under way now and left empty with the
/// organisation's marker as the reason, and a swap request on it where the organisation has
/// someone to take it: the duty room's records. Made once per app. Returns
/// `(roster id, shift id, organisation code)`.
async fn duty_records(app: &TestApp) -> Vec<(i64, i64, String)> {
    let all = canhgac_domain::Scope::All;
    let actor = canhgac_store::Actor::system("test");
    let have = app.store.rosters(&all).await.expect("rosters");
    let mut out = Vec::new();
    let now = canhgac_domain::time::now_ms();
    for (code, _, _) in ORGS {
        let m = marker(code);
        let org = app.orgs[*code];
        let name = format!("Lịch trực {m}");
        let id = match have.iter().find(|r| r.name == name) {
            Some(r) => r.id,
            None => {
                let day = canhgac_domain::duty::local_date(now);
                let slot = canhgac_domain::duty::Slot {
                    date: day,
                    code: "ca1",
                    starts_at: now - 3_600_000,
                    ends_at: now + 7 * 3_600_000,
                    night: false,
                    off_day: false,
                    holiday: None,
                };
                let id = app
                    .store
                    .create_roster(
                        &all,
                        &actor,
                        &canhgac_store::NewRoster {
                            org_id: org,
                            name: name.clone(),
                            pattern: canhgac_domain::duty::Pattern::ThreeEights,
                            first: day,
                            last: day,
                            rules: canhgac_domain::duty::RotaRules::default(),
                        },
                        &[(slot, None, Some(m.clone()))],
                    )
                    .await
                    .expect("roster");
                let shift = app.store.roster_shifts(&all, id).await.expect("shifts")[0].id;
                app.store
                    .prepare_handover(&all, &actor, shift, &m)
                    .await
                    .expect("handover");
                if let Some(p) = app
                    .store
                    .duty_people(&all, org)
                    .await
                    .expect("people")
                    .first()
                {
                    app.store
                        .request_swap(&all, &actor, shift, p.id, &m)
                        .await
                        .expect("swap");
                }
                id
            }
        };
        let shift = app.store.roster_shifts(&all, id).await.expect("shifts")[0].id;
        out.push((id, shift, code.to_string()));
    }
    out
}

/// One on-call page per organisation (a high alert titled with its marker) and one shared
/// e-mail channel labelled with it: the on-call room's records. Made once per app. Returns
/// `(page id, channel id, organisation code)`.
async fn oncall_records(app: &TestApp) -> Vec<(i64, i64, String)> {
    let all = canhgac_domain::Scope::All;
    let actor = canhgac_store::Actor::system("test");
    let now = canhgac_domain::time::now_ms();
    let have = app
        .store
        .oncall_pages(&all, false, None, 1000)
        .await
        .expect("pages");
    if !ORGS
        .iter()
        .all(|(c, _, _)| have.iter().any(|p| p.title.contains(&marker(c))))
    {
        // The pager's first pass only remembers where history ends.
        app.store.open_pages(now).await.expect("cursor");
        for (code, _, _) in ORGS {
            let m = marker(code);
            app.store
                .raise_signal(&canhgac_store::NewSignal {
                    kind: canhgac_domain::signal::SignalKind::SigmaAlert,
                    source: "test".into(),
                    title: format!("Gọi trực {m}"),
                    severity: canhgac_domain::signal::Severity::High,
                    org_id: Some(app.orgs[*code]),
                    host_id: None,
                    dedup_key: format!("oncall:{m}"),
                    seen_at: now,
                    window_ms: 60_000,
                    payload: json!({}),
                    host_name: None,
                    src_ip: None,
                })
                .await
                .expect("signal");
            app.store
                .add_oncall_channel(
                    &all,
                    &actor,
                    &canhgac_store::NewChannel {
                        org_id: app.orgs[*code],
                        user_id: None,
                        kind: canhgac_domain::oncall::ChannelKind::Email,
                        label: m.clone(),
                        target: format!("{}@t.vn", m),
                        endpoint: String::new(),
                    },
                )
                .await
                .expect("channel");
        }
        app.store.open_pages(now).await.expect("pages");
    }
    let pages = app
        .store
        .oncall_pages(&all, false, None, 1000)
        .await
        .expect("pages");
    let chans = app
        .store
        .oncall_channels(&all, None)
        .await
        .expect("channels");
    let mut out = Vec::new();
    for (code, _, _) in ORGS {
        let m = marker(code);
        let p = pages
            .iter()
            .find(|p| p.title.contains(&m))
            .expect("page")
            .id;
        let c = chans.iter().find(|c| c.label == m).expect("channel").id;
        out.push((p, c, code.to_string()));
    }
    out
}

/// One directive per organisation under the DIC, addressed to it by code, titled with its
/// marker, its task reported done with an evidence file named with the marker: the directives
/// room's records. Made once per app. Returns `(directive, task, evidence file, code)`.
async fn directive_records(app: &TestApp) -> Vec<(i64, i64, i64, String)> {
    let all = canhgac_domain::Scope::All;
    let actor = canhgac_store::Actor::system("test");
    let have = app.store.directives(&all).await.expect("directives");
    let today = canhgac_domain::duty::local_date(canhgac_domain::time::now_ms());
    let mut out = Vec::new();
    for (code, _, _) in ORGS.iter().skip(1) {
        let m = marker(code);
        let id = match have.iter().find(|d| d.title.contains(&m)) {
            Some(d) => d.id,
            None => {
                let d = canhgac_store::NewDirective {
                    number: format!("{m}/CV"),
                    issued_on: today,
                    issuer: "Giám đốc".into(),
                    title: format!("Chỉ đạo {m}"),
                    summary: String::new(),
                    file: Some((format!("{m}.pdf"), m.as_bytes().to_vec())),
                    items: canhgac_domain::directive::parse_items(&format!(
                        "1 | {code} | {} | Nội dung {m}",
                        (today + chrono::Duration::days(3)).format("%d/%m/%Y")
                    ))
                    .expect("items"),
                };
                let id = app
                    .store
                    .create_directive(&all, &actor, app.orgs["STTTT"], &d)
                    .await
                    .expect("directive");
                let task =
                    app.store.directive_tasks(&all, id).await.expect("tasks")[0].work_item_id;
                app.store
                    .add_directive_evidence(&all, &actor, task, &format!("{m}.csv"), m.as_bytes())
                    .await
                    .expect("evidence");
                app.store
                    .apply_work_event(
                        &all,
                        &actor,
                        task,
                        &canhgac_domain::work::WorkEvent::Start,
                        Some(&m),
                        None,
                    )
                    .await
                    .expect("start");
                id
            }
        };
        let task = app.store.directive_tasks(&all, id).await.expect("tasks")[0].work_item_id;
        let file = app.store.directive_files(&all, id).await.expect("files")[0].id;
        out.push((id, task, file, code.to_string()));
    }
    out
}

/// A report schedule per organisation, mailing to an address with its marker, and a copy of
/// each whose bytes carry the marker: the reports room's records. Made once per app. Returns
/// `(schedule, copy, organisation code)`.
async fn report_records(app: &TestApp) -> Vec<(i64, i64, String)> {
    let all = canhgac_domain::Scope::All;
    let actor = canhgac_store::Actor::system("test");
    let now = canhgac_domain::time::now_ms();
    let have = app.store.report_schedules(&all).await.expect("schedules");
    let mut out = Vec::new();
    for (code, _, _) in ORGS {
        let org = app.orgs[*code];
        let m = marker(code);
        let sid = match have.iter().find(|s| s.org_id == org) {
            Some(s) => s.id,
            None => {
                let s = canhgac_store::NewSchedule {
                    org_id: org,
                    kind: "monthly".into(),
                    format: "csv".into(),
                    lang: "vi".into(),
                    recipients: vec![format!("{m}@t.vn")],
                    hour: 8,
                    active: true,
                    next_run_at: now + 86_400_000,
                };
                app.store
                    .create_report_schedule(&all, &actor, &s)
                    .await
                    .expect("schedule")
            }
        };
        let run = match app
            .store
            .report_runs(&all, Some(sid), 1)
            .await
            .expect("runs")
            .first()
        {
            Some(r) => r.id,
            None => app
                .store
                .add_report_run(
                    &actor,
                    Some(sid),
                    org,
                    "monthly",
                    "2026-11",
                    "csv",
                    "bao-cao.csv",
                    m.as_bytes(),
                    &[format!("{m}@t.vn")],
                    now,
                )
                .await
                .expect("run")
                .expect("new run"),
        };
        out.push((sid, run, code.to_string()));
    }
    out
}

/// A heightened period covering today and a daily report of it per organisation under the
/// DIC, its remarks carrying the organisation's marker, and a saved daily duty report per
/// organisation with its marker: the periods room's records. Made once per app. Returns
/// `(period, report, organisation code)`.
async fn period_records(app: &TestApp) -> Vec<(i64, i64, String)> {
    let all = canhgac_domain::Scope::All;
    let actor = canhgac_store::Actor::system("test");
    let now = canhgac_domain::time::now_ms();
    let today = canhgac_domain::duty::local_date(now);
    let pid = match app.store.periods().await.expect("periods").first() {
        Some(p) => p.id,
        None => {
            let spec = canhgac_domain::period::validate(
                "Cao điểm",
                Some(today),
                Some(today),
                Some(50),
                "",
            )
            .expect("period");
            let pid = app
                .store
                .create_period(&all, &actor, &spec)
                .await
                .expect("period");
            for (code, _, _) in ORGS.iter().skip(1) {
                let m = marker(code);
                let fields: std::collections::BTreeMap<String, String> =
                    [("issues".to_string(), m.clone())].into();
                app.store
                    .submit_period_report(&all, &actor, pid, app.orgs[*code], today, &fields, now)
                    .await
                    .expect("report");
                app.store
                    .save_daily_report(
                        &all,
                        &actor,
                        app.orgs[*code],
                        &today.to_string(),
                        &m,
                        &m,
                        now,
                    )
                    .await
                    .expect("daily");
            }
            pid
        }
    };
    app.store
        .period_reports(&all, pid)
        .await
        .expect("reports")
        .into_iter()
        .map(|r| (pid, r.id, r.org_code))
        .collect()
}

/// Per organisation: an enrolled agent whose host name carries the marker, an unused
/// enrolment token labelled with it, a scan titled with it, a malware alert and a file change
/// whose paths carry it, and the alert's file ordered into quarantine: the anti-malware room's
/// records. Made once per app. Returns `(agent, alert, scan, quarantine, token, code)`.
async fn malware_records(app: &TestApp) -> Vec<(i64, i64, i64, i64, i64, String)> {
    let all = canhgac_domain::Scope::All;
    let actor = canhgac_store::Actor::system("test");
    let now = canhgac_domain::time::now_ms();
    let mut out = Vec::new();
    for (code, _, _) in ORGS {
        let m = marker(code);
        let org = app.orgs[*code];
        let agents = app.store.agents(&all).await.expect("agents");
        if let Some(a) = agents.iter().find(|a| a.hostname == format!("agent-{m}")) {
            let alert = app
                .store
                .malware_alerts(&all, None, Some(a.id), 10)
                .await
                .expect("alerts")[0]
                .id;
            let scan = app.store.agent_scans(&all, a.id).await.expect("scans")[0].scan_id;
            let q = app
                .store
                .quarantine_list(&all, Some(a.id), None)
                .await
                .expect("q")[0]
                .id;
            let token = app
                .store
                .enrolments(&all)
                .await
                .expect("tokens")
                .into_iter()
                .find(|t| t.label.contains(&m) && t.used_at.is_none())
                .expect("token")
                .id;
            out.push((a.id, alert, scan, q, token, code.to_string()));
            continue;
        }
        let (_, hash) = canhgac_ops::agents::new_secret();
        app.store
            .create_enrolment(
                &all,
                &actor,
                org,
                &format!("spent {m}"),
                &hash,
                now,
                now + 3_600_000,
            )
            .await
            .expect("token");
        let (_, secret) = canhgac_ops::agents::new_secret();
        let (agent, _) = app
            .store
            .enrol_agent(
                &hash,
                None,
                &format!("agent-{m}"),
                "Debian 12",
                "0.1.0",
                &secret,
                None,
                now,
            )
            .await
            .expect("enrol");
        let (_, unused) = canhgac_ops::agents::new_secret();
        let token = app
            .store
            .create_enrolment(
                &all,
                &actor,
                org,
                &format!("unused {m}"),
                &unused,
                now,
                now + 3_600_000,
            )
            .await
            .expect("token");
        let auth = canhgac_store::AgentAuth {
            id: agent,
            org_id: org,
            host_id: None,
            hostname: format!("agent-{m}"),
        };
        let scan = app
            .store
            .create_scan(
                &all,
                &actor,
                &canhgac_store::NewScan {
                    org_id: org,
                    kind: "ordered".into(),
                    title: format!("Quét {m}"),
                    paths: vec!["/srv".into()],
                    target: String::new(),
                    agents: vec![agent],
                },
            )
            .await
            .expect("scan");
        let (alert, _) = app
            .store
            .record_malware_alert(
                &auth,
                &canhgac_store::NewMalwareAlert {
                    scan_id: Some(scan),
                    path: format!("/srv/{m}.exe"),
                    sha256: "ab".repeat(32),
                    size: 68,
                    rule: "EICAR_Test_File".into(),
                    rule_set: "eicar".into(),
                    opinions: vec!["eicar:EICAR_Test_File".into()],
                    signal_id: None,
                },
            )
            .await
            .expect("alert");
        let change = canhgac_domain::agent::FimChange {
            path: format!("/etc/{m}"),
            change: "added".into(),
            before: None,
            after: None,
        };
        app.store
            .record_fim(&auth, &[(change, None)], now, 1)
            .await
            .expect("fim");
        let q = app
            .store
            .order_quarantine(&all, &actor, alert)
            .await
            .expect("quarantine");
        out.push((agent, alert, scan, q, token, code.to_string()));
    }
    out
}

/// Per organisation: an attack it saw on its own address, an exporter and a customer prefix
/// named with its marker, a Botnet sighting and a minute of traffic — the flows room's records,
/// each seen by the organisation's own network, so it belongs to that organisation alone.
/// Returns (attack, exporter, prefix, code).
async fn flow_records(app: &TestApp) -> Vec<(i64, i64, i64, String)> {
    let all = canhgac_domain::Scope::All;
    let actor = canhgac_store::Actor::system("test");
    let now = canhgac_domain::time::now_ms();
    let mut out = Vec::new();
    for (i, (code, _, _)) in ORGS.iter().enumerate() {
        let m = marker(code);
        let org = app.orgs[*code];
        let exporters = app.store.flow_exporters(&all).await.expect("exporters");
        if !exporters.iter().any(|e| e.org_id == org && e.name == m) {
            app.store
                .add_flow_exporter(
                    &all,
                    &actor,
                    org,
                    format!("127.1.0.{}", i + 1).parse().expect("ip"),
                    &m,
                    0,
                )
                .await
                .expect("exporter");
            app.store
                .add_flow_prefix(
                    &all,
                    &actor,
                    org,
                    None,
                    format!("192.0.{}.0/24", 100 + i).parse().expect("net"),
                    &m,
                    (1000, 100, 1000),
                )
                .await
                .expect("prefix");
            let target = format!("198.51.100.{}", i * 16 + 1);
            let a = canhgac_store::AttackWrite {
                operator_org_id: org,
                org_id: org,
                target: target.clone(),
                prefix: format!("{target}/32"),
                kind: "syn_flood".into(),
                reason: "pps".into(),
                started_at: now - 60_000,
                last_over_at: now - 30_000,
                ended_at: Some(now - 29_001),
                peak_pps: 30_000,
                top_sources: "[]".into(),
                mix: "{}".into(),
                advice: "{}".into(),
                detected_at: now - 59_000,
                ..Default::default()
            };
            app.store.insert_flow_attack(&a).await.expect("attack");
            let s = canhgac_store::SightingWrite {
                operator_org_id: org,
                org_id: org,
                host_id: None,
                local_ip: target.clone(),
                remote_ip: "203.0.113.250".into(),
                entry: "203.0.113.250".into(),
                outbound: true,
                proto: 6,
                port: 443,
                flows: 1,
                packets: 1,
                bytes: 60,
                first_seen: now,
                last_seen: now,
            };
            app.store.add_flow_sighting(&s).await.expect("sighting");
            let mw = canhgac_store::MinuteWrite {
                org_id: org,
                in_packets: 1,
                in_bytes: 1,
                out_packets: 1,
                out_bytes: 1,
                flows: 1,
            };
            let tw = canhgac_store::TalkerWrite {
                org_id: org,
                ip: target.clone(),
                local: true,
                packets: 1,
                bytes: 1,
            };
            app.store
                .store_flow_minute(org, now / 60_000 * 60_000, &[mw], &[tw])
                .await
                .expect("minute");
        }
        let attack = app
            .store
            .flow_attacks(&all, false, Some(org), None, 100)
            .await
            .expect("attacks")
            .into_iter()
            .find(|a| a.org_id == org && a.operator_org_id == org)
            .expect("attack")
            .id;
        let exporter = app
            .store
            .flow_exporters(&all)
            .await
            .expect("exporters")
            .into_iter()
            .find(|e| e.org_id == org && e.name == m)
            .expect("exporter")
            .id;
        let prefix = app
            .store
            .flow_prefixes(&all)
            .await
            .expect("prefixes")
            .into_iter()
            .find(|p| p.org_id == org && p.name == m)
            .expect("prefix")
            .id;
        out.push((attack, exporter, prefix, code.to_string()));
    }
    out
}

/// Per organisation: a spam report whose brand-name sender and content carry its marker (with
/// its sender, campaign and case), an unparsed report carrying it, and a harmful account whose
/// address carries it — the spam room's records. (Reports are stored for every organisation,
/// telecom or not, so that every role has foreign ones to be refused.)
async fn spam_records(app: &TestApp) -> Vec<(i64, i64, i64, i64, i64, i64, String)> {
    let all = canhgac_domain::Scope::All;
    let actor = canhgac_store::Actor::system("test");
    let now = canhgac_domain::time::now_ms();
    let an = canhgac_ops::spam::Analyser::new(canhgac_spam::Model::embedded(), Default::default());
    let mut out = Vec::new();
    for (code, _, _) in ORGS {
        let m = marker(code);
        let org = app.orgs[*code];
        let q = canhgac_store::SpamReportQuery {
            limit: 1000,
            ..Default::default()
        };
        let mine: Vec<_> = app
            .store
            .spam_reports(&all, &q)
            .await
            .expect("reports")
            .into_iter()
            .filter(|r| r.org_id == org && r.raw.contains(&m))
            .collect();
        if mine.len() < 2 {
            let reports = vec![
                an.line(&format!("S [{m}][{m} Vietcombank thong bao tai khoan cua quy khach bi khoa, truy cap ngay de xac thuc]"), Some("0912000001".into()), now, None),
                an.line(&format!("{m} khong hieu noi dung"), None, now, None),
            ];
            let meta = canhgac_store::SpamImportMeta {
                source: "api".into(),
                ..Default::default()
            };
            canhgac_ops::spam::ingest(&app.store, &all, &actor, org, &meta, &reports)
                .await
                .expect("spam reports");
            canhgac_ops::spam::add_harmful(
                &app.store,
                &all,
                &actor,
                org,
                "account",
                &format!("https://facebook.com/{m}"),
                "fraud",
                &m,
                &m,
                None,
                now,
            )
            .await
            .expect("harmful");
        }
        let rows: Vec<_> = app
            .store
            .spam_reports(&all, &q)
            .await
            .expect("reports")
            .into_iter()
            .filter(|r| r.org_id == org && r.raw.contains(&m))
            .collect();
        let parsed = rows.iter().find(|r| r.state == "parsed").expect("parsed");
        let unparsed = rows
            .iter()
            .find(|r| r.state == "unparsed")
            .expect("unparsed");
        let harmful = app
            .store
            .harmful_items(&all, None, 1000)
            .await
            .expect("harmful")
            .into_iter()
            .find(|h| h.org_id == org && h.value.contains(&m))
            .expect("item")
            .id;
        out.push((
            parsed.id,
            unparsed.id,
            parsed.sender_id.expect("sender"),
            parsed.campaign_id.expect("campaign"),
            parsed.case_id.expect("case"),
            harmful,
            code.to_string(),
        ));
    }
    out
}

fn foreign_markers(visible: &[String]) -> Vec<String> {
    ORGS.iter()
        .map(|(c, _, _)| c.to_string())
        .filter(|c| !visible.contains(c))
        .map(|c| marker(&c))
        .collect()
}

fn assert_no_foreign(who: &str, what: &str, text: &str, foreign: &[String]) {
    for m in foreign {
        assert!(
            !text.contains(m.as_str()),
            "{who}: {what} shows another organisation's data ({m}): …{}…",
            text.find(m.as_str())
                .map(|i| text[text.floor_char_boundary(i.saturating_sub(200))
                    ..text.floor_char_boundary((i + 100).min(text.len()))]
                    .to_string())
                .unwrap_or_default()
        );
    }
}

fn denied(status: StatusCode) -> bool {
    status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN
}

async fn walk_api(app: &TestApp) {
    let recs = records(app).await;
    for (email, role, _) in USERS {
        let token = app.token(email).await;
        let t = Some(token.as_str());
        let visible = app.visible_codes(email).await;
        let foreign = foreign_markers(&visible);
        let foreign_org = ORGS
            .iter()
            .map(|(c, _, _)| *c)
            .find(|c| !visible.iter().any(|v| v == c));
        let own_org = visible.iter().find(|c| c.as_str() != "STTTT").cloned();
        for route in &api_routes() {
            match (route.method, route.path) {
                // Revoking acts on the caller's own token only (tested in auth.rs).
                ("post", "/auth/token") | ("delete", "/auth/token") | ("get", "/openapi.json") => {}
                ("get", "/me") => {
                    let r = app.api("get", "/api/v1/me", t, None).await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_eq!(r.json()["role"], json!(role.as_str()));
                }
                ("get", "/{entity}") => {
                    for kind in EntityKind::ALL {
                        let r = app
                            .api(
                                "get",
                                &format!("/api/v1/{}?limit=1000", kind.slug()),
                                t,
                                None,
                            )
                            .await;
                        assert_eq!(r.status, StatusCode::OK, "{email} lists {}", kind.slug());
                        assert_no_foreign(email, kind.slug(), &r.text, &foreign);
                        let expected = recs[&kind]
                            .iter()
                            .filter(|(_, c)| visible.contains(c))
                            .count() as i64;
                        assert_eq!(
                            r.json()["total"],
                            json!(expected),
                            "{email} sees every record of its own scope in {}",
                            kind.slug()
                        );
                    }
                }
                ("post", "/{entity}") => {
                    let Some(fo) = foreign_org else { continue };
                    for kind in EntityKind::ALL {
                        let body = match kind {
                            EntityKind::Org => {
                                json!({"code": "NEWORG", "name": "x", "kind": "agency"})
                            }
                            _ => {
                                json!({"org": fo, "hostname": "intruder", "name": "intruder", "full_name": "intruder", "cidr": "192.0.2.0/24",
                                        "kind": "server", "level": 1, "agency": "x", "version": "1", "scheme": "deb", "host_id": recs[&EntityKind::Host][0].0})
                            }
                        };
                        let r = app
                            .api("post", &format!("/api/v1/{}", kind.slug()), t, Some(body))
                            .await;
                        assert!(
                            denied(r.status) || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                            "{email} creating {} in {fo}: {} {}",
                            kind.slug(),
                            r.status,
                            r.text
                        );
                        assert_ne!(r.status, StatusCode::CREATED);
                    }
                }
                ("get", "/{entity}/{id}") => {
                    for kind in EntityKind::ALL {
                        for (id, code) in &recs[&kind] {
                            let r = app
                                .api("get", &format!("/api/v1/{}/{id}", kind.slug()), t, None)
                                .await;
                            if visible.contains(code) {
                                assert_eq!(
                                    r.status,
                                    StatusCode::OK,
                                    "{email} reads own {} {id}",
                                    kind.slug()
                                );
                                assert_no_foreign(email, kind.slug(), &r.text, &foreign);
                            } else {
                                assert_eq!(
                                    r.status,
                                    StatusCode::NOT_FOUND,
                                    "{email} reads {code}'s {} {id}",
                                    kind.slug()
                                );
                            }
                        }
                    }
                }
                (m @ ("put" | "patch" | "delete"), "/{entity}/{id}") => {
                    for kind in EntityKind::ALL {
                        for (id, code) in recs[&kind].iter().filter(|(_, c)| !visible.contains(c)) {
                            let body = if m == "delete" {
                                None
                            } else {
                                Some(json!({"notes": "x", "description": "x"}))
                            };
                            let r = app
                                .api(m, &format!("/api/v1/{}/{id}", kind.slug()), t, body)
                                .await;
                            assert!(
                                denied(r.status),
                                "{email} {m} {code}'s {} {id}: {}",
                                kind.slug(),
                                r.status
                            );
                            let still = app
                                .store
                                .get(kind, &canhgac_domain::Scope::All, *id)
                                .await
                                .expect("get")
                                .expect("still there");
                            assert_ne!(still.get("notes"), Some(&json!("x")), "unchanged");
                        }
                    }
                }
                ("get", "/users") => {
                    let r = app.api("get", "/api/v1/users", t, None).await;
                    if role.can_manage_users() {
                        assert_eq!(r.status, StatusCode::OK);
                        for u in r.json()["items"].as_array().expect("items") {
                            let org = u["org_id"].as_i64();
                            assert!(
                                org.is_none_or(|o| visible.iter().any(|c| app.orgs[c] == o)),
                                "{email} sees user {u}"
                            );
                            assert!(
                                org.is_some() || role.is_dic(),
                                "{email} sees province-wide user {u}"
                            );
                            assert!(
                                u.get("password_hash").is_none(),
                                "no hash leaves the server"
                            );
                        }
                    } else {
                        assert_eq!(r.status, StatusCode::FORBIDDEN);
                    }
                }
                ("post", "/users") => {
                    let Some(fo) = foreign_org else { continue };
                    let r = app.api("post", "/api/v1/users", t, Some(json!({"email": format!("new-{fo}@t.vn"), "password": "mot-mat-khau-dai", "role": "org_staff", "org": fo}))).await;
                    assert!(
                        denied(r.status),
                        "{email} creates a user in {fo}: {}",
                        r.status
                    );
                    let r = app.api("post", "/api/v1/users", t, Some(json!({"email": "escalate@t.vn", "password": "mot-mat-khau-dai", "role": "dic_admin", "org": "STTTT"}))).await;
                    if *role != Role::DicAdmin {
                        assert!(denied(r.status), "{email} grants dic_admin: {}", r.status);
                    }
                }
                (m @ ("get" | "patch"), "/users/{id}") => {
                    for (other, _, org) in USERS {
                        let id = app.users[*other];
                        let in_scope = match org {
                            Some(c) => visible.iter().any(|v| v == c),
                            None => role.is_dic(),
                        };
                        let body = (m == "patch").then(|| json!({"full_name": "đổi tên"}));
                        let r = app.api(m, &format!("/api/v1/users/{id}"), t, body).await;
                        if !in_scope || !role.can_manage_users() {
                            assert!(denied(r.status), "{email} {m} user {other}: {}", r.status);
                        }
                    }
                }
                ("get", "/audit") => {
                    let r = app.api("get", "/api/v1/audit?limit=1000", t, None).await;
                    if role.can_read_audit() {
                        assert_eq!(r.status, StatusCode::OK);
                    } else {
                        assert_eq!(
                            r.status,
                            StatusCode::FORBIDDEN,
                            "{email} reads the audit log"
                        );
                    }
                }
                ("post", "/import/{entity}") => {
                    let Some(fo) = foreign_org else { continue };
                    let csv = format!("org,hostname,kind\n{fo},intruder-host,server\n");
                    let r = app
                        .api_bytes("/api/v1/import/hosts", &token, csv.into_bytes())
                        .await;
                    assert!(
                        denied(r.status) || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                        "{email} imports into {fo}: {}",
                        r.status
                    );
                    let found = app
                        .store
                        .list(
                            EntityKind::Host,
                            &canhgac_domain::Scope::All,
                            &canhgac_store::ListQuery {
                                q: Some("intruder".into()),
                                ..Default::default()
                            },
                        )
                        .await
                        .expect("q");
                    assert_eq!(found.total, 0, "nothing imported");
                }
                ("get", "/export/{entity}") => {
                    for kind in EntityKind::ALL {
                        let r = app
                            .api(
                                "get",
                                &format!("/api/v1/export/{}?format=csv", kind.slug()),
                                t,
                                None,
                            )
                            .await;
                        assert_eq!(r.status, StatusCode::OK);
                        assert_no_foreign(
                            email,
                            &format!("export of {}", kind.slug()),
                            &r.text,
                            &foreign,
                        );
                    }
                }
                ("get", "/advisories") => {
                    assert_eq!(
                        app.api("get", "/api/v1/advisories", t, None).await.status,
                        StatusCode::OK
                    );
                }
                ("post", "/advisories") | ("post", "/kev") => {
                    let r = app
                        .api_bytes(&format!("/api/v1{}", route.path), &token, b"{}".to_vec())
                        .await;
                    if role.is_dic() {
                        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
                    } else {
                        assert_eq!(
                            r.status,
                            StatusCode::FORBIDDEN,
                            "{email} POST {}",
                            route.path
                        );
                    }
                }
                ("post", "/advisories/manual") => {
                    let r = app
                        .api("post", "/api/v1/advisories/manual", t, Some(json!({})))
                        .await;
                    if role.is_dic() {
                        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
                    } else {
                        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email} enters a warning");
                    }
                }
                ("get", "/advisories/{id}") => {
                    let id = app
                        .store
                        .advisory_id("DSA-TEST-1")
                        .await
                        .expect("q")
                        .expect("fixture advisory");
                    let r = app
                        .api("get", &format!("/api/v1/advisories/{id}"), t, None)
                        .await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_no_foreign(email, "/advisories/{id}", &r.text, &foreign);
                    let expected = visible.iter().filter(|c| c.as_str() != "STTTT").count();
                    assert_eq!(
                        r.json()["matches_total"],
                        json!(expected),
                        "{email} sees the matches of its scope"
                    );
                }
                ("post", "/hosts/{id}/inventory") => {
                    for (id, code) in recs[&EntityKind::Host]
                        .iter()
                        .filter(|(_, c)| !visible.contains(c))
                    {
                        let r = app
                            .api_bytes(
                                &format!("/api/v1/hosts/{id}/inventory"),
                                &token,
                                b"host,name,version,scheme\nx,a,1,deb\n".to_vec(),
                            )
                            .await;
                        assert!(
                            denied(r.status),
                            "{email} sends {code}'s inventory: {}",
                            r.status
                        );
                    }
                }
                ("get", "/findings") => {
                    let r = app.api("get", "/api/v1/findings", t, None).await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_no_foreign(email, "/findings", &r.text, &foreign);
                    let admin = app.token("admin@t.vn").await;
                    let all = app
                        .api("get", "/api/v1/findings", Some(&admin), None)
                        .await
                        .json();
                    let expected = all["items"]
                        .as_array()
                        .expect("items")
                        .iter()
                        .filter(|i| visible.iter().any(|v| i["org_code"] == json!(v)))
                        .count();
                    assert!(expected > 0 || visible.len() <= 1);
                    assert_eq!(
                        r.json()["total"],
                        json!(expected),
                        "{email} sees the findings of its scope"
                    );
                }
                ("post", "/scans") => {
                    // A report about every fixture host: only the caller's own may be recorded.
                    let scan: String = (1..ORGS.len())
                        .map(|i| format!("{{\"template-id\":\"walk-{email}\",\"info\":{{\"name\":\"x\",\"severity\":\"high\"}},\"host\":\"198.51.100.{}\",\"ip\":\"198.51.100.{}\"}}\n", i * 16 + 1, i * 16 + 1))
                        .collect();
                    let r = app
                        .api_bytes("/api/v1/scans", &token, scan.into_bytes())
                        .await;
                    if !role.can_write() {
                        assert_eq!(r.status, StatusCode::FORBIDDEN);
                        continue;
                    }
                    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                    let own = visible.iter().filter(|c| c.as_str() != "STTTT").count();
                    assert_eq!(
                        r.json()["new"],
                        json!(own),
                        "{email}: findings recorded only for its own hosts"
                    );
                    assert_eq!(
                        r.json()["unmapped"].as_array().expect("unmapped").len(),
                        ORGS.len() - 1 - own
                    );
                }
                ("get", "/compliance") => {
                    let r = app.api("get", "/api/v1/compliance", t, None).await.json();
                    for i in r["items"].as_array().expect("items") {
                        assert!(
                            visible.iter().any(|v| i["org"] == json!(v)),
                            "{email} sees compliance of {}",
                            i["org"]
                        );
                    }
                    assert_eq!(r["total"], json!(visible.len()));
                }
                ("get", "/signals")
                | ("get", "/work-items")
                | ("get", "/botnet-findings")
                | ("get", "/advisory-matches") => {
                    let r = app
                        .api("get", &format!("/api/v1{}?limit=1000", route.path), t, None)
                        .await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_no_foreign(email, route.path, &r.text, &foreign);
                    let admin = app.token("admin@t.vn").await;
                    let all = app
                        .api(
                            "get",
                            &format!("/api/v1{}?limit=1000", route.path),
                            Some(&admin),
                            None,
                        )
                        .await
                        .json();
                    let expected = all["items"]
                        .as_array()
                        .expect("items")
                        .iter()
                        .filter(|i| visible.iter().any(|v| i["org_code"] == json!(v)))
                        .count();
                    assert!(
                        expected > 0 || visible.len() <= 1,
                        "the fixture gives {email} something to see in {}",
                        route.path
                    );
                    assert_eq!(r.json()["total"], json!(expected), "{email} {}", route.path);
                }
                ("get", "/signals/groups") => {
                    let r = app
                        .api("get", "/api/v1/signals/groups?limit=500", t, None)
                        .await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_no_foreign(email, route.path, &r.text, &foreign);
                    for g in r.json()["items"].as_array().expect("items") {
                        for m in g["members"].as_array().expect("members") {
                            assert!(
                                visible.iter().any(|v| m["org_code"] == json!(v)),
                                "{email} sees a group member of {}",
                                m["org_code"]
                            );
                        }
                    }
                }
                ("post", "/signals/bulk") => {
                    // Every signal and group of the province named; only the caller's own may
                    // change (an assignment to the caller, which leaves states as they are).
                    let admin = app.token("admin@t.vn").await;
                    let all = app
                        .api("get", "/api/v1/signals?limit=1000", Some(&admin), None)
                        .await
                        .json();
                    let items = all["items"].as_array().expect("items").clone();
                    let ids: Vec<i64> = items.iter().filter_map(|i| i["id"].as_i64()).collect();
                    let groups: Vec<i64> = items
                        .iter()
                        .filter_map(|i| i["group_id"].as_i64())
                        .collect();
                    let me = app.users[*email];
                    let r = app
                        .api(
                            "post",
                            "/api/v1/signals/bulk",
                            t,
                            Some(json!({"ids": ids, "groups": groups, "action": "assign", "user_id": me})),
                        )
                        .await;
                    if !role.can_write() {
                        assert!(denied(r.status), "{email} bulk: {}", r.status);
                        continue;
                    }
                    assert_eq!(r.status, StatusCode::OK, "{email} bulk: {}", r.text);
                    let after = app
                        .api("get", "/api/v1/signals?limit=1000", Some(&admin), None)
                        .await
                        .json();
                    for (before, now) in items.iter().zip(after["items"].as_array().expect("items"))
                    {
                        if visible.iter().any(|v| before["org_code"] == json!(v)) {
                            continue;
                        }
                        assert_eq!(
                            before["assignee_id"], now["assignee_id"],
                            "{email} changed another organisation's signal {}",
                            before["id"]
                        );
                    }
                }
                ("get", "/botnet-lists") => {
                    assert_eq!(
                        app.api("get", "/api/v1/botnet-lists", t, None).await.status,
                        StatusCode::OK
                    );
                }
                ("post", "/botnet-lists") => {
                    // No period: a DIC import is refused as invalid, changing nothing.
                    let r = app
                        .api_bytes("/api/v1/botnet-lists", &token, b"198.51.100.17\n".to_vec())
                        .await;
                    if role.is_dic() {
                        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
                    } else {
                        assert_eq!(
                            r.status,
                            StatusCode::FORBIDDEN,
                            "{email} imports a Botnet list"
                        );
                    }
                }
                ("get", "/botnet-lists/{id}") | ("get", "/botnet-lists/{id}/entries") => {
                    let list = app.store.botnet_lists().await.expect("lists")[0].id;
                    let r = app
                        .api(
                            "get",
                            &format!("/api/v1{}", route.path.replace("{id}", &list.to_string())),
                            t,
                            None,
                        )
                        .await;
                    let whole = visible.len() == ORGS.len();
                    if route.path.ends_with("entries") && !whole {
                        assert_eq!(
                            r.status,
                            StatusCode::FORBIDDEN,
                            "{email} reads a whole list"
                        );
                    } else {
                        assert_eq!(r.status, StatusCode::OK);
                        assert_no_foreign(email, route.path, &r.text, &foreign);
                    }
                }
                ("get", "/botnet-stats") => {
                    let r = app.api("get", "/api/v1/botnet-stats", t, None).await.json();
                    for i in r["items"].as_array().expect("items") {
                        assert!(
                            visible.iter().any(|v| i["org"] == json!(v)),
                            "{email} sees stats of {}",
                            i["org"]
                        );
                    }
                }
                ("post", "/hunts") => {
                    let log: String = (1..ORGS.len())
                        .map(|i| {
                            format!(
                                "Apr 29 10:00:0{i} fw SRC=198.51.100.{} DST=10.0.0.1\n",
                                i * 16 + 1
                            )
                        })
                        .collect();
                    let r = app
                        .api_bytes("/api/v1/hunts", &token, log.into_bytes())
                        .await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_no_foreign(email, "retro-hunt", &r.text, &foreign);
                    let body = r.json();
                    for h in body["items"].as_array().expect("items") {
                        assert!(
                            h["org"].is_null() || visible.iter().any(|v| h["org"] == json!(v)),
                            "{email}: retro-hunt maps to {}",
                            h["org"]
                        );
                    }
                    assert_eq!(
                        body["total"],
                        json!(ORGS.len() - 1),
                        "every listed address is reported, mapped or not"
                    );
                }
                (
                    m,
                    p @ ("/signals/{id}"
                    | "/signals/{id}/transition"
                    | "/signals/{id}/assign"
                    | "/signals/{id}/notes"
                    | "/work-items/{id}"
                    | "/work-items/{id}/events"),
                ) => {
                    let list = if p.starts_with("/signals") {
                        "/api/v1/signals?limit=1000"
                    } else {
                        "/api/v1/work-items?limit=1000"
                    };
                    let admin = app.token("admin@t.vn").await;
                    let all = app.api("get", list, Some(&admin), None).await.json();
                    for item in all["items"].as_array().expect("items") {
                        let code = item["org_code"].as_str().expect("code").to_string();
                        if visible.contains(&code) {
                            continue;
                        }
                        let path = format!("/api/v1{}", p.replace("{id}", &item["id"].to_string()));
                        let body = (m == "post").then(|| {
                            json!({"state": "acknowledged", "action": "start", "note": "x", "user": null})
                        });
                        let r = app.api(m, &path, t, body).await;
                        assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                    }
                }
                ("post", "/work-items") => {
                    let Some(fo) = foreign_org else { continue };
                    let r = app
                        .api(
                            "post",
                            "/api/v1/work-items",
                            t,
                            Some(json!({"title": "x", "org": fo})),
                        )
                        .await;
                    assert!(
                        denied(r.status),
                        "{email} assigns work to {fo}: {}",
                        r.status
                    );
                }
                (m @ "post", p @ ("/ingest" | "/events/import")) => {
                    // An event naming another organisation's host is filed under the sender's
                    // own organisation unless the sender may see the host's.
                    let tag = format!("tag{}{}", email.replace(['@', '.', '-'], ""), p.len());
                    let target = foreign_org.map(marker).unwrap_or_else(|| "none".into());
                    let line =
                        json!({"host": format!("{target}-web01"), "message": tag}).to_string();
                    let path = if p == "/ingest" {
                        "/api/v1/ingest".to_string()
                    } else {
                        "/api/v1/events/import?filename=x.jsonl".to_string()
                    };
                    let r = app.api_bytes(&path, &token, line.into_bytes()).await;
                    if !role.can_write() {
                        assert!(denied(r.status), "{email} {m} {p}: {}", r.status);
                        continue;
                    }
                    assert_eq!(r.status, StatusCode::OK, "{email} {m} {p}: {}", r.text);
                    assert_eq!(r.json()["stored"], json!(1));
                    let found = app
                        .api("get", &format!("/api/v1/events?q={tag}"), t, None)
                        .await
                        .json();
                    assert_eq!(found["total"], json!(1), "{email} sees what they sent");
                    let code = found["items"][0]["org_code"].as_str().map(str::to_string);
                    if visible.len() < ORGS.len() {
                        assert!(
                            code.as_ref().is_some_and(|c| visible.contains(c)),
                            "{email}: an event naming {target} was filed under {code:?}"
                        );
                    }
                }
                ("get", "/events") => {
                    let r = app.api("get", "/api/v1/events?limit=1000", t, None).await;
                    assert_eq!(r.status, StatusCode::OK);
                    // Leave out what this caller sent above naming a foreign host on purpose.
                    let items: Vec<Value> = r.json()["items"]
                        .as_array()
                        .expect("items")
                        .iter()
                        .filter(|e| !e["message"].as_str().unwrap_or("").starts_with("tag"))
                        .cloned()
                        .collect();
                    let text = serde_json::to_string(&items).expect("json");
                    assert_no_foreign(email, "events", &text, &foreign);
                    if visible.len() < ORGS.len() {
                        assert!(
                            !text.contains(&marker("NOBODY")),
                            "{email} sees unattributed events"
                        );
                    }
                }
                ("get", "/events/{id}") => {
                    let admin = app.token("admin@t.vn").await;
                    let all = app
                        .api("get", "/api/v1/events?limit=1000", Some(&admin), None)
                        .await
                        .json();
                    for item in all["items"].as_array().expect("items") {
                        let code = item["org_code"].as_str().map(str::to_string);
                        let mine = match &code {
                            Some(c) => visible.contains(c),
                            None => visible.len() == ORGS.len(),
                        };
                        let path = format!("/api/v1/events/{}", item["id"]);
                        let r = app.api("get", &path, t, None).await;
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                        } else {
                            assert!(denied(r.status), "{email} GET {path}: {}", r.status);
                        }
                    }
                }
                ("get", "/monitor") => {
                    let r = app.api("get", "/api/v1/monitor", t, None).await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_eq!(r.json()["store"].is_object(), role.is_dic(), "{email}");
                }
                ("get", "/rules") | ("get", "/rules/{id}") => {
                    let r = app.api("get", "/api/v1/rules", t, None).await;
                    assert_eq!(r.status, StatusCode::OK);
                }
                (m, p @ ("/monitor/retention" | "/rules" | "/rules/{id}")) => {
                    // Province-wide settings: only the DIC changes them.
                    if role.is_dic() && role.can_write() {
                        continue;
                    }
                    let path = format!("/api/v1{}", p.replace("{id}", "1"));
                    let body = (m != "delete").then(|| json!({"enabled": false}));
                    let r = app.api(m, &path, t, body).await;
                    assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                }
                ("get", "/alerts/stream") => {
                    let req = axum::http::Request::get("/api/v1/alerts/stream")
                        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(axum::body::Body::empty())
                        .expect("request");
                    let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
                        .await
                        .expect("infallible");
                    assert_eq!(resp.status(), StatusCode::OK, "{email}");
                    assert!(resp.headers()[axum::http::header::CONTENT_TYPE]
                        .to_str()
                        .expect("type")
                        .starts_with("text/event-stream"));
                    // What each caller receives is checked in tests/monitor.rs.
                }
                ("get", "/sources") => {
                    // Log sources carry their organisation: a caller sees only its own (the
                    // fixture's events name each organisation's marked host).
                    let r = app.api("get", "/api/v1/sources", t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email}");
                    let all = r.json().as_array().expect("list").clone();
                    for s in &all {
                        match s["org_code"].as_str() {
                            Some(c) => assert!(visible.iter().any(|v| v == c), "{email}: {s}"),
                            None => assert_eq!(visible.len(), ORGS.len(), "{email}: {s}"),
                        }
                    }
                    // Leave out the JSON sources the ingest step above made by naming a
                    // foreign host on purpose (filed under the sender's own organisation, as
                    // checked just above); everything else names no foreign organisation.
                    let own: Vec<&Value> = all.iter().filter(|s| s["format"] != "json").collect();
                    let text = serde_json::to_string(&own).expect("json");
                    assert_no_foreign(email, "/api/v1/sources", &text, &foreign);
                }
                ("get", "/incidents") | ("get", "/plans") => {
                    let incs = incident_records(app).await;
                    let r = app
                        .api("get", &format!("/api/v1{}", route.path), t, None)
                        .await;
                    assert_eq!(r.status, StatusCode::OK, "{email} {}", route.path);
                    assert_no_foreign(email, route.path, &r.text, &foreign);
                    if route.path == "/incidents" {
                        // Every visible organisation's incident is listed.
                        let own = incs
                            .iter()
                            .filter(|(_, _, _, c)| visible.contains(c))
                            .count() as i64;
                        assert!(
                            r.json()["total"].as_i64().unwrap_or(0) >= own,
                            "{email}: {}",
                            r.text
                        );
                    }
                }
                ("post", "/incidents") => {
                    let Some(fo) = foreign_org else { continue };
                    let body = json!({"org_id": app.orgs[fo], "title": "x", "category": "malware"});
                    let r = app.api("post", "/api/v1/incidents", t, Some(body)).await;
                    assert!(
                        denied(r.status),
                        "{email} opens an incident for {fo}: {}",
                        r.status
                    );
                }
                (
                    m,
                    p @ ("/incidents/{id}"
                    | "/incidents/{id}/stage"
                    | "/incidents/{id}/signals"
                    | "/incidents/{id}/plan"
                    | "/incidents/{id}/observables"
                    | "/incidents/{id}/observables/export"
                    | "/incidents/{id}/notes"
                    | "/incidents/{id}/gravity"
                    | "/incidents/{id}/reports"
                    | "/incidents/{id}/reports/{kind}"
                    | "/incidents/{id}/reports/{kind}/send"),
                ) => {
                    for (id, _, plan, code) in incident_records(app).await {
                        let path = format!(
                            "/api/v1{}",
                            p.replace("{id}", &id.to_string())
                                .replace("{kind}", "initial")
                        );
                        let body = match p {
                            "/incidents/{id}/stage" => {
                                Some(json!({"stage": "triaged", "note": "x"}))
                            }
                            "/incidents/{id}/signals" => Some(json!({"signal_id": 1})),
                            "/incidents/{id}/plan" => Some(json!({"plan_id": plan})),
                            "/incidents/{id}/observables" => {
                                Some(json!({"kind": "ip", "value": "192.0.2.1"}))
                            }
                            "/incidents/{id}/notes" => Some(json!({"note": "x"})),
                            "/incidents/{id}/gravity" => {
                                Some(json!({"gravity": "serious", "reason": "x"}))
                            }
                            "/incidents/{id}/reports/{kind}" => {
                                Some(json!({"fields": {"summary": "intruder"}}))
                            }
                            "/incidents/{id}/reports/{kind}/send" => {
                                Some(json!({"to": ["intruder@x.test"]}))
                            }
                            _ => None,
                        };
                        if visible.contains(&code) {
                            if m == "get" {
                                let r = app.api(m, &path, t, None).await;
                                assert_eq!(r.status, StatusCode::OK, "{email} {m} {path}");
                                assert_no_foreign(email, &path, &r.text, &foreign);
                            }
                            continue;
                        }
                        let r = app.api(m, &path, t, body).await;
                        assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("get", "/incidents/summary") => {
                    let incs = incident_records(app).await;
                    let r = app.api("get", "/api/v1/incidents/summary", t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email}");
                    // Counted in scope: at least its own organisations' incidents, at most every
                    // incident of a visible organisation.
                    let (every, _) = app
                        .store
                        .list_incidents(
                            &canhgac_domain::Scope::All,
                            &canhgac_store::IncidentFilter {
                                limit: Some(500),
                                ..Default::default()
                            },
                        )
                        .await
                        .expect("incidents");
                    let visible_total = every
                        .iter()
                        .filter(|i| {
                            i.org_code
                                .as_deref()
                                .is_some_and(|c| visible.iter().any(|v| v == c))
                        })
                        .count() as i64;
                    let own = incs
                        .iter()
                        .filter(|(_, _, _, c)| visible.contains(c))
                        .count() as i64;
                    let total = r.json()["total"].as_i64().unwrap_or(-1);
                    assert!(
                        (own..=visible_total).contains(&total),
                        "{email}: summary counts {total}, expected {own}..={visible_total}"
                    );
                }
                ("get", "/duty/now") | ("get", "/duty/rosters") => {
                    duty_records(app).await;
                    let path = format!("/api/v1{}", route.path);
                    let r = app.api("get", &path, t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                    assert_no_foreign(email, &path, &r.text, &foreign);
                }
                ("get", "/periods") | ("get", "/duty/daily") => {
                    period_records(app).await;
                    let path = format!("/api/v1{}", route.path);
                    let r = app.api("get", &path, t, None).await;
                    assert!(
                        r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND,
                        "{email} {path}: {}",
                        r.status
                    );
                    assert_no_foreign(email, &path, &r.text, &foreign);
                }
                ("get", "/periods/{id}") => {
                    let recs = period_records(app).await;
                    let path = format!("/api/v1/periods/{}", recs[0].0);
                    let r = app.api("get", &path, t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                    assert_no_foreign(email, &path, &r.text, &foreign);
                }
                // Sends the caller's own organisation's report only (tests/periods.rs).
                ("post", "/periods/{id}/reports") => {}
                ("get", "/directives") => {
                    directive_records(app).await;
                    let r = app.api("get", "/api/v1/directives", t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email}");
                    assert_no_foreign(email, "/api/v1/directives", &r.text, &foreign);
                }
                ("get", "/directives/{id}") => {
                    for (id, _, _, code) in directive_records(app).await {
                        let path = format!("/api/v1/directives/{id}");
                        let r = app.api("get", &path, t, None).await;
                        if visible.contains(&code) {
                            assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                        } else {
                            assert!(denied(r.status), "{email} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("get", "/oncall/pages") => {
                    oncall_records(app).await;
                    let r = app.api("get", "/api/v1/oncall/pages", t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email}");
                    assert_no_foreign(email, "/api/v1/oncall/pages", &r.text, &foreign);
                }
                (m, p @ ("/oncall/pages/{id}" | "/oncall/pages/{id}/ack")) => {
                    for (id, _, code) in oncall_records(app).await {
                        let path = format!("/api/v1{}", p.replace("{id}", &id.to_string()));
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let r = app.api(m, &path, t, None).await;
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                        } else {
                            assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("get", "/duty/handovers") => {
                    duty_records(app).await;
                    let r = app.api("get", "/api/v1/duty/handovers", t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email}");
                    assert_no_foreign(email, "/api/v1/duty/handovers", &r.text, &foreign);
                }
                ("get", "/duty/rosters/{id}") => {
                    for (id, _, code) in duty_records(app).await {
                        let path = format!("/api/v1/duty/rosters/{id}");
                        let r = app.api("get", &path, t, None).await;
                        if visible.contains(&code) {
                            assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                        } else {
                            assert!(denied(r.status), "{email} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                // The webhook is authenticated by its sender's token and signature, not by an
                // account (tests/platform.rs).
                ("post", "/platform-alerts") => {}
                ("get", "/platform-alerts") => {
                    platform_records(app).await;
                    let r = app.api("get", "/api/v1/platform-alerts", t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email}");
                    assert_no_foreign(email, "/api/v1/platform-alerts", &r.text, &foreign);
                }
                ("post", "/platform-sources") => {
                    if role.is_dic() && role.can_write() {
                        continue;
                    }
                    let r = app
                        .api(
                            "post",
                            "/api/v1/platform-sources",
                            t,
                            Some(json!({"name": "x"})),
                        )
                        .await;
                    assert!(denied(r.status), "{email} registers a sender: {}", r.status);
                }
                // The agent protocol answers agents' credentials only, never a person's.
                ("post", "/agent/enrol") => {
                    let r = app.api("post", "/api/v1/agent/enrol", t, Some(json!({"token": "cge_nope", "hostname": "x", "os": "x", "version": "x"}))).await;
                    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{email}");
                }
                (m, p @ ("/agent/heartbeat" | "/agent/rules" | "/agent/messages")) => {
                    let body = (m == "post").then(|| json!({"messages": []}));
                    let r = app.api(m, &format!("/api/v1{p}"), t, body).await;
                    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{email} {p}");
                }
                (
                    "get",
                    p @ ("/agents"
                    | "/malware/alerts"
                    | "/malware/scans"
                    | "/malware/quarantine"
                    | "/malware/fim"
                    | "/malware/rules"),
                ) => {
                    malware_records(app).await;
                    let path = format!("/api/v1{p}");
                    let r = app.api("get", &path, t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                    assert_no_foreign(email, &path, &r.text, &foreign);
                }
                (
                    m,
                    p @ ("/agents/{id}"
                    | "/malware/alerts/{id}"
                    | "/malware/scans/{id}"
                    | "/malware/alerts/{id}/verify"
                    | "/malware/alerts/{id}/false-positive"),
                ) => {
                    for (agent, alert, scan, _, _, code) in malware_records(app).await {
                        let id = if p.starts_with("/agents") {
                            agent
                        } else if p.starts_with("/malware/scans") {
                            scan
                        } else {
                            alert
                        };
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let path = format!("/api/v1{}", p.replace("{id}", &id.to_string()));
                        let r = app
                            .api(m, &path, t, (m == "post").then(|| json!({"note": "x"})))
                            .await;
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                        } else {
                            assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", p @ ("/agents/tokens" | "/malware/hunts")) => {
                    let Some(fo) = foreign_org else { continue };
                    let body = if p == "/agents/tokens" {
                        json!({"org": fo, "label": "x"})
                    } else {
                        json!({"title": "x", "orgs": [fo]})
                    };
                    let r = app.api("post", &format!("/api/v1{p}"), t, Some(body)).await;
                    assert!(denied(r.status), "{email} {p} for {fo}: {}", r.status);
                }
                (
                    "get",
                    p @ ("/spam/reports" | "/spam/queue" | "/spam/campaigns" | "/spam/cases"
                    | "/spam/stats" | "/spam/harmful" | "/spam/blocklist"),
                ) => {
                    spam_records(app).await;
                    let path = format!("/api/v1{p}");
                    let r = app.api("get", &path, t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                    assert_no_foreign(email, &path, &r.text, &foreign);
                }
                (
                    m,
                    p @ ("/spam/reports/{id}"
                    | "/spam/reports/{id}/fix"
                    | "/spam/senders/{id}"
                    | "/spam/campaigns/{id}"
                    | "/spam/cases/{id}"
                    | "/spam/cases/{id}/actions"
                    | "/spam/cases/{id}/close"
                    | "/spam/harmful/{id}"
                    | "/spam/harmful/{id}/state"),
                ) => {
                    for (report, unparsed, sender, campaign, case, harmful, code) in
                        spam_records(app).await
                    {
                        let id = match p {
                            "/spam/reports/{id}" => report,
                            "/spam/reports/{id}/fix" => unparsed,
                            "/spam/senders/{id}" => sender,
                            "/spam/campaigns/{id}" => campaign,
                            x if x.starts_with("/spam/cases") => case,
                            _ => harmful,
                        };
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let path = format!("/api/v1{}", p.replace("{id}", &id.to_string()));
                        let body = json!({"raw": "S [0912345678][x]", "action": "warn", "note": "x", "state": "blocked"});
                        let r = app.api(m, &path, t, (m == "post").then_some(body)).await;
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                        } else {
                            assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", p @ ("/spam/reports" | "/spam/harmful")) => {
                    let Some(fo) = foreign_org else { continue };
                    let r = if p == "/spam/reports" {
                        app.api(
                            "post",
                            &format!("/api/v1/spam/reports?org={fo}"),
                            t,
                            Some(json!({"raw": "S [0912345678][x]"})),
                        )
                        .await
                    } else {
                        app.api("post", "/api/v1/spam/harmful", t, Some(json!({"org": fo, "kind": "domain", "value": "x.example.xyz", "category": "fraud"}))).await
                    };
                    assert!(denied(r.status), "{email} {p} for {fo}: {}", r.status);
                }
                (
                    "get",
                    p @ ("/flows/traffic" | "/flows/attacks" | "/flows/exporters"
                    | "/flows/prefixes" | "/flows/botnet"),
                ) => {
                    flow_records(app).await;
                    let path = format!("/api/v1{p}");
                    let r = app.api("get", &path, t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                    assert_no_foreign(email, &path, &r.text, &foreign);
                }
                ("get", "/flows/attacks/{id}") => {
                    for (attack, _, _, code) in flow_records(app).await {
                        let path = format!("/api/v1/flows/attacks/{attack}");
                        let r = app.api("get", &path, t, None).await;
                        if visible.contains(&code) {
                            assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                        } else {
                            assert!(denied(r.status), "{email} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", p @ ("/flows/exporters" | "/flows/prefixes")) => {
                    let Some(fo) = foreign_org else { continue };
                    let body = json!({"org": fo, "address": "127.2.0.1", "name": "x", "prefix": "192.0.99.0/24", "pps": 1, "mbps": 1, "fps": 1});
                    let r = app.api("post", &format!("/api/v1{p}"), t, Some(body)).await;
                    assert!(denied(r.status), "{email} {p} for {fo}: {}", r.status);
                }
                (
                    "get",
                    p @ ("/reports/monthly"
                    | "/reports/scorecards"
                    | "/reports/schedules"
                    | "/reports/runs"),
                ) => {
                    report_records(app).await;
                    let path = format!("/api/v1{p}");
                    let r = app.api("get", &path, t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                    assert_no_foreign(email, &path, &r.text, &foreign);
                    for code in r
                        .text
                        .split("\"code\":\"")
                        .skip(1)
                        .filter_map(|s| s.split('"').next())
                        .filter(|c| !c.is_empty())
                    {
                        assert!(
                            visible.iter().any(|v| v == code),
                            "{email}: {code} in {path}"
                        );
                    }
                }
                ("get", "/reports/periods/{id}") => {
                    let recs = period_records(app).await;
                    let path = format!("/api/v1/reports/periods/{}", recs[0].0);
                    let r = app.api("get", &path, t, None).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                    assert_no_foreign(email, &path, &r.text, &foreign);
                }
                ("post", "/reports/schedules") => {
                    let Some(fo) = foreign_org else { continue };
                    let body = json!({"org_id": app.orgs[fo], "kind": "monthly", "format": "pdf", "recipients": ["x@t.vn"], "hour": 8});
                    let r = app
                        .api("post", "/api/v1/reports/schedules", t, Some(body))
                        .await;
                    assert!(denied(r.status), "{email} schedule for {fo}: {}", r.status);
                }
                (m, "/reports/schedules/{id}") => {
                    for (sid, _, code) in report_records(app).await {
                        let path = format!("/api/v1/reports/schedules/{sid}");
                        if visible.contains(&code) {
                            if m == "get" {
                                let r = app.api("get", &path, t, None).await;
                                assert_eq!(r.status, StatusCode::OK, "{email} {path}");
                                assert_no_foreign(email, &path, &r.text, &foreign);
                            }
                            continue;
                        }
                        let body = json!({"org_id": app.orgs[code.as_str()], "kind": "monthly", "format": "pdf", "recipients": ["x@t.vn"], "hour": 8});
                        let r = app.api(m, &path, t, (m == "put").then_some(body)).await;
                        assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                (m, p) => panic!("API route {m} {p} is not covered by the tenant isolation test"),
            }
        }
        let _ = own_org;
    }
}

async fn walk_ui(app: &TestApp) {
    let recs = records(app).await;
    // A custom rule for the rule settings form (no YAML: it never runs).
    let walk_rule = app
        .store
        .add_custom_rule(
            &canhgac_store::Actor::system("test"),
            &canhgac_store::NewRule {
                rule_key: common::unique("walk-rule"),
                origin: "custom".into(),
                path: "walk.yml".into(),
                title: "Walk rule".into(),
                level: "low".into(),
                status: None,
                product: None,
                category: None,
                service: None,
                yaml: None,
                enabled: true,
                org_id: None,
            },
        )
        .await
        .expect("rule")
        .id;
    for (email, role, _) in USERS {
        let b = app.session(email).await;
        let visible = app.visible_codes(email).await;
        let foreign = foreign_markers(&visible);
        let foreign_org = ORGS
            .iter()
            .map(|(c, _, _)| *c)
            .find(|c| !visible.iter().any(|v| v == c));
        let foreign_recs = |kind: EntityKind| {
            recs[&kind]
                .iter()
                .filter(|(_, c)| !visible.contains(c))
                .map(|(i, _)| *i)
                .collect::<Vec<_>>()
        };
        for (m, p) in &ui_routes() {
            match (*m, *p) {
                ("get", "/login")
                | ("post", "/login")
                | ("post", "/logout")
                | ("get", "/lang/{code}") => {}
                (
                    "get",
                    "/" | "/orgs" | "/signals" | "/work" | "/import" | "/botnet" | "/hunt"
                    | "/advisories" | "/compliance" | "/findings",
                ) => {
                    let r = b.get(p).await;
                    if *p == "/import" && !role.can_write() {
                        assert_eq!(r.status, StatusCode::FORBIDDEN);
                        continue;
                    }
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                ("get", "/{entity}") => {
                    for kind in EntityKind::ALL {
                        let r = b.get(&format!("/{}?limit=500", kind.slug())).await;
                        assert_eq!(r.status, StatusCode::OK);
                        assert_no_foreign(email, kind.slug(), &r.text, &foreign);
                    }
                }
                ("get", "/{entity}/new") => {
                    for kind in EntityKind::ALL {
                        let r = b.get(&format!("/{}/new", kind.slug())).await;
                        assert_no_foreign(
                            email,
                            &format!("new {} form", kind.slug()),
                            &r.text,
                            &foreign,
                        );
                    }
                }
                ("post", "/{entity}/new") => {
                    let Some(fo) = foreign_org else { continue };
                    let r = b
                        .post(
                            "/hosts/new",
                            &[
                                ("org_id", fo),
                                ("hostname", "ui-intruder"),
                                ("kind", "server"),
                            ],
                        )
                        .await;
                    assert!(
                        denied(r.status),
                        "{email} creates a host in {fo} through the form: {}",
                        r.status
                    );
                }
                ("get", "/{entity}/{id}") | ("get", "/{entity}/{id}/edit") => {
                    for kind in EntityKind::ALL {
                        for id in foreign_recs(kind) {
                            let path = p
                                .replace("{entity}", kind.slug())
                                .replace("{id}", &id.to_string());
                            let r = b.get(&path).await;
                            assert!(denied(r.status), "{email} GET {path}: {}", r.status);
                            assert_no_foreign(email, &path, &r.text, &foreign);
                        }
                    }
                }
                ("post", "/{entity}/{id}/edit") | ("post", "/{entity}/{id}/delete") => {
                    for kind in EntityKind::ALL {
                        for id in foreign_recs(kind) {
                            let path = p
                                .replace("{entity}", kind.slug())
                                .replace("{id}", &id.to_string());
                            let r = b
                                .post(&path, &[("notes", "ui-x"), ("description", "ui-x")])
                                .await;
                            assert!(denied(r.status), "{email} POST {path}: {}", r.status);
                            assert!(app
                                .store
                                .get(kind, &canhgac_domain::Scope::All, id)
                                .await
                                .expect("get")
                                .is_some());
                        }
                    }
                }
                ("get", "/users") | ("get", "/users/new") => {
                    let r = b.get(p).await;
                    if role.can_manage_users() {
                        assert_eq!(r.status, StatusCode::OK);
                        assert_no_foreign(email, p, &r.text, &foreign);
                        for (other, _, org) in USERS {
                            let in_scope = match org {
                                Some(c) => visible.iter().any(|v| v == c),
                                None => role.is_dic(),
                            };
                            if !in_scope {
                                assert!(
                                    !r.text.contains(&format!(">{other}<")),
                                    "{email} sees user {other} on {p}"
                                );
                            }
                        }
                    } else {
                        assert_eq!(r.status, StatusCode::FORBIDDEN);
                    }
                }
                ("post", "/users/new") => {
                    let Some(fo) = foreign_org else { continue };
                    let r = b
                        .post(
                            "/users/new",
                            &[
                                ("email", "ui-new@t.vn"),
                                ("full_name", "x"),
                                ("password", "mot-mat-khau-dai"),
                                ("role", "org_staff"),
                                ("org", fo),
                            ],
                        )
                        .await;
                    let created = app.store.user_by_email("ui-new@t.vn").await.expect("get");
                    assert!(
                        created.is_none() || role.is_dic(),
                        "{email} created a user in {fo}: {}",
                        r.status
                    );
                    if let Some(u) = created {
                        assert!(role.is_dic(), "only the DIC reaches this: {u:?}");
                    }
                }
                ("get", "/users/{id}/edit") | ("post", "/users/{id}/edit") => {
                    for (other, _, org) in USERS {
                        let in_scope = match org {
                            Some(c) => visible.iter().any(|v| v == c),
                            None => role.is_dic(),
                        };
                        if in_scope && role.can_manage_users() {
                            continue;
                        }
                        let path = p.replace("{id}", &app.users[*other].to_string());
                        let r = if *m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(&path, &[("full_name", "ui-renamed")]).await
                        };
                        assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                    }
                }
                ("get", "/audit") => {
                    let r = b.get("/audit").await;
                    assert_eq!(
                        r.status == StatusCode::OK,
                        role.can_read_audit(),
                        "{email} /audit: {}",
                        r.status
                    );
                }
                ("post", "/import") => {
                    let Some(fo) = foreign_org else { continue };
                    let r = b
                        .import(
                            "hosts",
                            "h.csv",
                            format!("org,hostname,kind\n{fo},ui-import-intruder,server\n")
                                .as_bytes(),
                        )
                        .await;
                    assert!(
                        denied(r.status) || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                        "{email} imports into {fo}: {}",
                        r.status
                    );
                }
                ("get", "/import/template/{entity}") => {
                    let r = b.get("/import/template/hosts").await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert!(r.text.contains("org,hostname,kind"));
                }
                ("post", "/signals/{id}/transition")
                | ("get", "/signals/{id}")
                | ("post", "/signals/{id}/assign")
                | ("post", "/signals/{id}/notes")
                | ("get", "/work/{id}")
                | ("post", "/work/{id}/event") => {
                    let signals = p.starts_with("/signals");
                    let admin = app.token("admin@t.vn").await;
                    let list = app
                        .api(
                            "get",
                            if signals {
                                "/api/v1/signals"
                            } else {
                                "/api/v1/work-items"
                            },
                            Some(&admin),
                            None,
                        )
                        .await
                        .json();
                    for item in list["items"].as_array().expect("items") {
                        if visible.iter().any(|c| item["org_code"] == json!(c)) {
                            continue;
                        }
                        let path = p.replace("{id}", &item["id"].to_string());
                        let r = if *m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(&path, &[("state", "acknowledged"), ("action", "start")])
                                .await
                        };
                        assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", "/advisories") | ("post", "/advisories/kev") => {
                    let r = b.upload(p, &[("file", "doc.json", b"{}")]).await;
                    if role.is_dic() {
                        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
                    } else {
                        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email} POST {p}");
                    }
                }
                ("post", "/findings") => {
                    let scan: String = (1..ORGS.len()).map(|i| format!("{{\"template-id\":\"ui-walk\",\"info\":{{\"name\":\"x\",\"severity\":\"low\"}},\"ip\":\"198.51.100.{}\"}}\n", i * 16 + 1)).collect();
                    let r = b
                        .upload("/findings", &[("file", "scan.jsonl", scan.as_bytes())])
                        .await;
                    if role.can_write() {
                        assert_eq!(r.status, StatusCode::OK);
                        assert_no_foreign(email, "scan import page", &r.text, &foreign);
                    } else {
                        assert_eq!(r.status, StatusCode::FORBIDDEN);
                    }
                }
                ("post", "/advisories/manual") => {
                    let r = b.post("/advisories/manual", &[("id", "")]).await;
                    if role.is_dic() {
                        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
                    } else {
                        assert_eq!(
                            r.status,
                            StatusCode::FORBIDDEN,
                            "{email} enters a warning through the form"
                        );
                    }
                }
                ("get", "/advisories/{id}") => {
                    let id = app
                        .store
                        .advisory_id("DSA-TEST-1")
                        .await
                        .expect("q")
                        .expect("fixture advisory");
                    let r = b.get(&format!("/advisories/{id}")).await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_no_foreign(email, "/advisories/{id}", &r.text, &foreign);
                }
                ("post", "/hosts/{id}/inventory") => {
                    for id in foreign_recs(EntityKind::Host) {
                        let r = b
                            .upload(
                                &format!("/hosts/{id}/inventory"),
                                &[("file", "inv.csv", b"host,name,version,scheme\nx,a,1,deb\n")],
                            )
                            .await;
                        assert!(
                            denied(r.status),
                            "{email} sends a foreign inventory through the form: {}",
                            r.status
                        );
                    }
                }
                ("post", "/botnet") => {
                    // No period: a DIC import is refused as invalid, changing nothing.
                    let r = b
                        .upload("/botnet", &[("file", "list.txt", b"198.51.100.17\n")])
                        .await;
                    if role.is_dic() {
                        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
                    } else {
                        assert_eq!(
                            r.status,
                            StatusCode::FORBIDDEN,
                            "{email} imports a Botnet list through the form"
                        );
                    }
                }
                ("get", "/botnet/{id}") => {
                    let list = app.store.botnet_lists().await.expect("lists")[0].id;
                    let r = b.get(&format!("/botnet/{list}")).await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_no_foreign(email, "/botnet/{id}", &r.text, &foreign);
                }
                ("post", "/hunt") => {
                    let log: String = (1..ORGS.len())
                        .map(|i| format!("SRC=198.51.100.{}\n", i * 16 + 1))
                        .collect();
                    let r = b
                        .upload("/hunt", &[("logs", "fw.log", log.as_bytes())])
                        .await;
                    assert_eq!(r.status, StatusCode::OK, "{email} POST /hunt");
                    assert_no_foreign(email, "retro-hunt page", &r.text, &foreign);
                }
                ("get", "/search") => {
                    // Any foreign organisation's code, host name or address finds nothing of it.
                    for fo in ORGS
                        .iter()
                        .map(|(c, _, _)| *c)
                        .filter(|c| !visible.iter().any(|v| v == c))
                    {
                        let r = b.get(&format!("/search?q={}", marker(fo))).await;
                        assert_eq!(r.status, StatusCode::OK);
                        assert_no_foreign(email, "search", &unecho(&r.text, fo), &foreign);
                    }
                    let r = b.get("/search?q=web01").await;
                    assert_eq!(r.status, StatusCode::OK);
                    assert_no_foreign(email, "search", &r.text, &foreign);
                }
                ("post", "/signals/bulk") => {
                    let all = app
                        .store
                        .list_signals(
                            &canhgac_domain::Scope::All,
                            &canhgac_store::SignalFilter {
                                limit: Some(1000),
                                ..Default::default()
                            },
                        )
                        .await
                        .expect("signals")
                        .0;
                    let groups: Vec<String> = all
                        .iter()
                        .filter_map(|s| s.group_id)
                        .map(|g| g.to_string())
                        .collect();
                    let me = app.users[*email].to_string();
                    let mut form: Vec<(&str, &str)> =
                        groups.iter().map(|g| ("group", g.as_str())).collect();
                    form.push(("action", "assign"));
                    form.push(("user", me.as_str()));
                    form.push(("back", "/signals"));
                    let r = b.post("/signals/bulk", &form).await;
                    if !role.can_write() {
                        assert!(denied(r.status), "{email} bulk: {}", r.status);
                        continue;
                    }
                    assert_eq!(r.status, StatusCode::SEE_OTHER, "{email} bulk");
                    for s in &all {
                        let now = app
                            .store
                            .signal(&canhgac_domain::Scope::All, s.id)
                            .await
                            .expect("signal")
                            .expect("there");
                        let mine = s.org_code.as_ref().is_some_and(|c| visible.contains(c));
                        if !mine {
                            assert_eq!(
                                now.assignee_id, s.assignee_id,
                                "{email} changed signal {}",
                                s.id
                            );
                        }
                    }
                }
                ("get", "/rules/{id}") => {
                    let (rules, _) = app
                        .store
                        .list_rules(
                            &canhgac_domain::Scope::All,
                            &canhgac_store::RuleFilter {
                                q: Some("walk".into()),
                                limit: Some(10),
                                ..Default::default()
                            },
                        )
                        .await
                        .expect("rules");
                    for r in &rules {
                        let page = b.get(&format!("/rules/{}", r.id)).await;
                        assert!(page.status == StatusCode::OK || denied(page.status));
                        assert_no_foreign(email, "rule page", &page.text, &foreign);
                    }
                }
                ("get", "/monitor") | ("get", "/rules") => {
                    let r = b.get(p).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                    if *p == "/monitor" {
                        assert_eq!(
                            r.text.contains("monitor-storage"),
                            role.is_dic(),
                            "{email}: storage figures are the DIC's"
                        );
                        assert_eq!(
                            r.text.contains("/events/upload"),
                            role.can_write(),
                            "{email}: the log upload form"
                        );
                    } else {
                        assert_eq!(
                            r.text.contains("/rules/upload"),
                            role.is_dic() && role.can_write(),
                            "{email}: the rule forms are the DIC's"
                        );
                    }
                }
                ("get", "/alerts") => {
                    let fo = foreign_org.unwrap_or("STTTT");
                    for path in [
                        "/alerts".to_string(),
                        format!("/alerts?org={fo}"),
                        format!("/alerts?q={}&severity=high", marker(fo)),
                        "/alerts?q=mk&open=1".to_string(),
                    ] {
                        let r = b.get(&path).await;
                        assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        assert_no_foreign(email, &path, &unecho(&r.text, fo), &foreign);
                    }
                    let r = b.get("/alerts").await;
                    for c in visible.iter().filter(|c| c.as_str() != "STTTT") {
                        assert!(
                            r.text.contains(&marker(c)),
                            "{email} sees the alerts of {c} on /alerts"
                        );
                    }
                }
                ("get", "/alerts/{id}")
                | ("post", "/alerts/{id}/transition")
                | ("post", "/alerts/{id}/assign")
                | ("post", "/alerts/{id}/notes") => {
                    let (alerts, _) = app
                        .store
                        .list_signals(
                            &canhgac_domain::Scope::All,
                            &canhgac_store::SignalFilter {
                                kind: Some(canhgac_domain::signal::SignalKind::SigmaAlert),
                                limit: Some(1000),
                                ..Default::default()
                            },
                        )
                        .await
                        .expect("alerts");
                    assert!(!alerts.is_empty(), "the fixture has Sigma alerts");
                    let admin_id = app.users["admin@t.vn"].to_string();
                    for s in &alerts {
                        let mine = match &s.org_code {
                            Some(c) => visible.contains(c),
                            None => visible.len() == ORGS.len(),
                        };
                        let path = p.replace("{id}", &s.id.to_string());
                        if mine && *m == "post" && role.can_write() {
                            // Only assigning someone out of reach is tried on one's own alerts.
                            if !p.ends_with("/assign") {
                                continue;
                            }
                            for (other, _, org) in USERS {
                                let reach = match org {
                                    Some(c) => visible.iter().any(|v| v == c),
                                    None => role.is_dic(),
                                };
                                if reach {
                                    continue;
                                }
                                let r = b
                                    .post(&path, &[("user", &app.users[*other].to_string())])
                                    .await;
                                assert_eq!(
                                    r.status,
                                    StatusCode::UNPROCESSABLE_ENTITY,
                                    "{email} assigns {path} to {other}"
                                );
                            }
                            continue;
                        }
                        let r = if *m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(
                                &path,
                                &[
                                    ("state", "acknowledged"),
                                    ("note", "ui-walk-note"),
                                    ("user", admin_id.as_str()),
                                ],
                            )
                            .await
                        };
                        if !mine {
                            assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        } else if *m == "post" {
                            assert_eq!(r.status, StatusCode::FORBIDDEN, "{email} {m} {path}");
                        } else {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                            for (other, _, org) in USERS {
                                let reach = match org {
                                    Some(c) => visible.iter().any(|v| v == c),
                                    None => role.is_dic(),
                                };
                                assert!(
                                    reach || !r.text.contains(&format!(">{other} — ")),
                                    "{email} may assign {path} to {other}"
                                );
                            }
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                    // Nothing the walk tried changed an alert the caller may not see.
                    for s in &alerts {
                        let now = app
                            .store
                            .signal(&canhgac_domain::Scope::All, s.id)
                            .await
                            .expect("get")
                            .expect("still there");
                        assert_eq!(
                            (&now.state, now.assignee_id),
                            (&s.state, s.assignee_id),
                            "{email} changed alert {}",
                            s.id
                        );
                        let notes = app
                            .store
                            .signal_notes(&canhgac_domain::Scope::All, s.id)
                            .await
                            .expect("notes");
                        assert!(notes.iter().all(|n| n.note != "ui-walk-note"));
                    }
                }
                ("get", "/events") => {
                    let fo = foreign_org.unwrap_or("STTTT");
                    for path in [
                        "/events".to_string(),
                        format!("/events?org={fo}"),
                        format!("/events?q={}", marker(fo)),
                        "/events?field=user%3Droot".to_string(),
                        "/events?malformed=1&from=2000-01-01T00%3A00".to_string(),
                    ] {
                        let r = b.get(&path).await;
                        assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        let shown = without_rows(&unecho(&r.text, fo), "\">tag");
                        assert_no_foreign(email, &path, &shown, &foreign);
                        if visible.len() < ORGS.len() {
                            assert!(
                                !shown.contains(&marker("NOBODY")),
                                "{email} sees unattributed events on {path}"
                            );
                        }
                    }
                    let r = b.get("/events").await;
                    for c in visible.iter().filter(|c| c.as_str() != "STTTT") {
                        assert!(
                            r.text.contains(&marker(c)),
                            "{email} sees the events of {c} on /events"
                        );
                    }
                }
                ("get", "/events/{id}") => {
                    let (events, _) = app
                        .store
                        .search_events(
                            &canhgac_domain::Scope::All,
                            &canhgac_store::EventFilter {
                                limit: Some(1000),
                                ..Default::default()
                            },
                        )
                        .await
                        .expect("events");
                    assert!(!events.is_empty(), "the fixture has events");
                    for e in &events {
                        let mine = match &e.org_code {
                            Some(c) => visible.contains(c),
                            None => visible.len() == ORGS.len(),
                        };
                        let path = format!("/events/{}", e.id);
                        let r = b.get(&path).await;
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                            // Events the API walk sent naming a foreign host on purpose show it.
                            if e.message.starts_with("tag") {
                                continue;
                            }
                        } else {
                            assert!(denied(r.status), "{email} GET {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", "/events/upload") => {
                    // Syslog lines from every fixture host, named by address: only the caller's
                    // own hosts keep their organisation, the rest are filed under the caller's.
                    let tag = format!("uiwalk{}", email.replace(['@', '.', '-'], ""));
                    let log: String = (1..ORGS.len())
                        .map(|i| {
                            format!(
                                "<14>1 2020-01-01T00:00:00+07:00 198.51.100.{} walk - - - {tag}\n",
                                i * 16 + 1
                            )
                        })
                        .collect();
                    let r = b
                        .upload("/events/upload", &[("file", "walk.log", log.as_bytes())])
                        .await;
                    if !role.can_write() {
                        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email} uploads logs");
                        continue;
                    }
                    assert_eq!(r.status, StatusCode::OK, "{email} uploads logs: {}", r.text);
                    assert!(r.text.contains("upload-report"));
                    assert_no_foreign(email, "log upload page", &r.text, &foreign);
                    let (rows, total) = app
                        .store
                        .search_events(
                            &canhgac_domain::Scope::All,
                            &canhgac_store::EventFilter {
                                q: Some(tag.clone()),
                                limit: Some(100),
                                ..Default::default()
                            },
                        )
                        .await
                        .expect("events");
                    assert_eq!(total, (ORGS.len() - 1) as i64, "{email}: every line stored");
                    for e in rows {
                        assert!(
                            e.org_code.as_ref().is_some_and(|c| visible.contains(c)),
                            "{email}: an uploaded event was filed under {:?}",
                            e.org_code
                        );
                    }
                }
                ("post", "/rules/upload") => {
                    let r = b
                        .upload(
                            "/rules/upload",
                            &[("file", "bad.yml", b"title: no detection\n")],
                        )
                        .await;
                    if role.is_dic() && role.can_write() {
                        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{email}");
                        assert!(r.text.contains("rules-problems"));
                    } else {
                        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email} uploads a rule");
                    }
                    let (custom, _) = app
                        .store
                        .list_rules(
                            &canhgac_domain::Scope::All,
                            &canhgac_store::RuleFilter {
                                origin: Some("custom".into()),
                                ..Default::default()
                            },
                        )
                        .await
                        .expect("rules");
                    assert!(
                        custom.iter().all(|r| r.path != "bad.yml"),
                        "{email}: a broken rule was stored"
                    );
                }
                ("post", "/rules/{id}") => {
                    let manage = role.is_dic() && role.can_write();
                    let fields: &[(&str, &str)] = if manage {
                        &[("enabled", "1"), ("org", "")]
                    } else {
                        &[("enabled", "0"), ("org", foreign_org.unwrap_or("STTTT"))]
                    };
                    let r = b.post(&format!("/rules/{walk_rule}"), fields).await;
                    if manage {
                        assert_eq!(r.status, StatusCode::SEE_OTHER, "{email}: {}", r.text);
                    } else {
                        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email} changes a rule");
                    }
                    let rule = app
                        .store
                        .rule(&canhgac_domain::Scope::All, walk_rule)
                        .await
                        .expect("rule")
                        .expect("still there");
                    assert_eq!((rule.enabled, rule.org_id), (1, None), "{email}");
                }
                ("get", "/sources") => {
                    let r = b.get("/sources").await;
                    assert_eq!(r.status, StatusCode::OK, "{email}");
                    // Rows of JSON sources the API walk (run first on PostgreSQL) made by
                    // naming a foreign host on purpose are the sender's own: left out.
                    let shown = without_rows(&r.text, "JSON khác");
                    assert_no_foreign(email, "/sources", &shown, &foreign);
                }
                ("get", "/sources/{id}") => {
                    let all = app
                        .store
                        .log_sources(
                            &canhgac_domain::Scope::All,
                            None,
                            None,
                            canhgac_store::SourceSort::Busiest,
                            1000,
                            0,
                        )
                        .await
                        .expect("sources");
                    assert!(!all.is_empty(), "the fixture's events make sources");
                    for s in &all {
                        let mine = match &s.org_code {
                            Some(c) => visible.contains(c),
                            None => visible.len() == ORGS.len(),
                        };
                        let path = format!("/sources/{}", s.id);
                        let r = b.get(&path).await;
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                            // A source named by a sender after a foreign host on purpose
                            // (JSON sent by the API walk) is the sender's own.
                            if s.format == "json" {
                                continue;
                            }
                        } else {
                            assert!(denied(r.status), "{email} GET {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("get", "/incidents") | ("get", "/plans") | ("get", "/incidents/new") => {
                    incident_records(app).await;
                    let r = b.get(p).await;
                    if *p == "/incidents/new" && !role.can_write() {
                        assert!(denied(r.status), "{email} GET {p}: {}", r.status);
                        continue;
                    }
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                ("post", "/incidents") => {
                    let Some(fo) = foreign_org else { continue };
                    let org = app.orgs[fo].to_string();
                    let r = b
                        .post(
                            "/incidents",
                            &[
                                ("org_id", org.as_str()),
                                ("title", "x"),
                                ("category", "malware"),
                            ],
                        )
                        .await;
                    assert!(
                        denied(r.status),
                        "{email} opens an incident for {fo}: {}",
                        r.status
                    );
                }
                (
                    m,
                    p @ ("/incidents/{id}"
                    | "/incidents/{id}/stage"
                    | "/incidents/{id}/gravity"
                    | "/incidents/{id}/notes"
                    | "/incidents/{id}/plan"
                    | "/incidents/{id}/signals"
                    | "/incidents/{id}/observables"
                    | "/incidents/{id}/evidence"
                    | "/incidents/{id}/stix"
                    | "/incidents/{id}/misp"
                    | "/incidents/{id}/reports/{kind}"
                    | "/incidents/{id}/reports/{kind}/print"
                    | "/incidents/{id}/reports/{kind}/pdf"
                    | "/incidents/{id}/reports/{kind}/send"
                    | "/incidents/{id}/support"
                    | "/incidents/{id}/escalations"
                    | "/evidence/{id}"
                    | "/plans/{id}"
                    | "/plans/{id}/copy"),
                ) => {
                    for (id, ev, plan, code) in incident_records(app).await {
                        let target = match p {
                            "/evidence/{id}" => ev,
                            "/plans/{id}" | "/plans/{id}/copy" => plan,
                            _ => id,
                        };
                        let path = p
                            .replace("{id}", &target.to_string())
                            .replace("{kind}", "initial");
                        let mine = visible.contains(&code);
                        let r = match (m, p) {
                            ("get", _) => b.get(&path).await,
                            (_, "/incidents/{id}/evidence") => {
                                b.upload(&path, &[("file", "x.txt", b"x")]).await
                            }
                            _ => {
                                b.post(
                                    &path,
                                    &[
                                        ("stage", "triaged"),
                                        ("gravity", "serious"),
                                        ("reason", "x"),
                                        ("note", "x"),
                                        ("plan_id", &plan.to_string()),
                                        ("signal_id", "1"),
                                        ("kind", "ip"),
                                        ("value", "192.0.2.1"),
                                        ("name", "x"),
                                        ("steps", "a | b | 1"),
                                        ("number", "ui-x"),
                                        ("f_summary", "ui-x"),
                                        ("extra", "ui-x@x.test"),
                                        ("to_whom", "ui-x"),
                                        ("channel", "phone"),
                                    ],
                                )
                                .await
                            }
                        };
                        if mine {
                            if m == "get" {
                                assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                                if !path.starts_with("/evidence") && !path.ends_with("/pdf") {
                                    assert_no_foreign(email, &path, &r.text, &foreign);
                                }
                            }
                            continue;
                        }
                        assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", "/signals/{id}/incident") => {
                    let admin = app.token("admin@t.vn").await;
                    let list = app
                        .api("get", "/api/v1/signals", Some(&admin), None)
                        .await
                        .json();
                    for item in list["items"].as_array().expect("items") {
                        if visible.iter().any(|c| item["org_code"] == json!(c)) {
                            continue;
                        }
                        let path = format!("/signals/{}/incident", item["id"]);
                        let r = b.post(&path, &[]).await;
                        assert!(denied(r.status), "{email} POST {path}: {}", r.status);
                    }
                }
                ("get", "/incidents/reporting")
                | ("get", "/incidents/summary")
                | ("get", "/incidents/mail") => {
                    incident_records(app).await;
                    let r = b.get(p).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                // Province-wide rules: only the DIC's administrators change them.
                (
                    "post",
                    "/incidents/reporting/rules"
                    | "/incidents/reporting/contacts"
                    | "/incidents/reporting/contacts/{id}"
                    | "/incidents/reporting/templates/{kind}",
                ) => {
                    if *role == Role::DicAdmin {
                        continue;
                    }
                    let path = p.replace("{id}", "1").replace("{kind}", "initial");
                    let r = b
                        .post(
                            &path,
                            &[
                                ("notice_days", "1"),
                                ("closing_days", "1"),
                                ("support_hours", "1"),
                                ("name", "ui-x"),
                                ("title", "ui-x"),
                                ("fields", "a | ui-x"),
                            ],
                        )
                        .await;
                    assert!(denied(r.status), "{email} POST {path}: {}", r.status);
                }
                ("get", "/periods") | ("get", "/duty/daily") | ("get", "/duty/daily/print") => {
                    period_records(app).await;
                    let r = b.get(p).await;
                    assert!(
                        r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND,
                        "{email} GET {p}: {}",
                        r.status
                    );
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                // Binary exports of the caller's own organisation's day (tests/periods.rs).
                ("get", "/duty/daily/pdf") | ("get", "/duty/daily/xlsx") => {}
                // These act on the caller's own organisation only (tests/periods.rs).
                ("post", "/duty/daily") | ("post", "/periods/{id}/report") => {}
                ("post", "/periods") => {
                    if role.is_dic() && role.can_write() {
                        continue;
                    }
                    let r = b.post(p, &[("name", "x")]).await;
                    assert!(denied(r.status), "{email} POST {p}: {}", r.status);
                }
                (_, p @ ("/periods/{id}" | "/periods/{id}/report")) => {
                    let recs = period_records(app).await;
                    let path = p.replace("{id}", &recs[0].0.to_string());
                    let r = b.get(&path).await;
                    assert!(
                        r.status == StatusCode::OK || denied(r.status),
                        "{email} GET {path}: {}",
                        r.status
                    );
                    assert_no_foreign(email, &path, &r.text, &foreign);
                }
                ("get", "/periods/{id}/reports/{report}") => {
                    for (pid, rid, code) in period_records(app).await {
                        let path = format!("/periods/{pid}/reports/{rid}");
                        let r = b.get(&path).await;
                        if visible.contains(&code) {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        } else {
                            assert!(denied(r.status), "{email} GET {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("get", "/directives") => {
                    directive_records(app).await;
                    let r = b.get(p).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                // Issuing is the DIC's (tests/directives.rs); others are refused by the role check.
                ("post", "/directives") => {
                    if role.is_dic() && role.can_write() {
                        continue;
                    }
                    let r = b.upload_fields(p, &[("number", "x")], &[]).await;
                    assert!(denied(r.status), "{email} POST {p}: {}", r.status);
                }
                (
                    m,
                    p @ ("/directives/{id}"
                    | "/directives/{id}/file"
                    | "/directives/{id}/xlsx"
                    | "/directives/{id}/tasks/{task}/ack"
                    | "/directives/{id}/tasks/{task}/report"
                    | "/directives/{id}/evidence/{file}"),
                ) => {
                    for (id, task, file, code) in directive_records(app).await {
                        let path = p
                            .replace("{id}", &id.to_string())
                            .replace("{task}", &task.to_string())
                            .replace("{file}", &file.to_string());
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let r = if m == "get" {
                            b.get(&path).await
                        } else if path.ends_with("/report") {
                            b.upload_fields(&path, &[("note", "ui-x")], &[]).await
                        } else {
                            b.post(&path, &[]).await
                        };
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                            if !path.ends_with("/xlsx") && !path.ends_with("/file") {
                                assert_no_foreign(email, &path, &r.text, &foreign);
                            }
                            continue;
                        }
                        assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("get", "/oncall") | ("get", "/oncall/settings") => {
                    oncall_records(app).await;
                    let path = if *p == "/oncall" { "/oncall?all=1" } else { p };
                    let r = b.get(path).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                    assert_no_foreign(email, path, &r.text, &foreign);
                }
                // Authenticated by the message's own token (tests/oncall.rs).
                (_, "/oncall/ack/{token}") => {}
                // These act on the caller's own organisation only (tests/oncall.rs); the
                // destinations are the DIC administrator's, refused to others by the role check.
                ("post", "/oncall/policy") | ("post", "/oncall/channels") => {}
                ("post", "/oncall/destinations") | ("post", "/oncall/destinations/{id}/delete") => {
                    if *role == Role::DicAdmin {
                        continue;
                    }
                    let r = b
                        .post(
                            &p.replace("{id}", "1"),
                            &[("prefix", "http://127.0.0.1:9/")],
                        )
                        .await;
                    assert!(denied(r.status), "{email} POST {p}: {}", r.status);
                }
                (
                    m,
                    p @ ("/oncall/pages/{id}"
                    | "/oncall/pages/{id}/ack"
                    | "/oncall/channels/{id}/delete"),
                ) => {
                    for (page, chan, code) in oncall_records(app).await {
                        let id = if p.starts_with("/oncall/channels") {
                            chan
                        } else {
                            page
                        };
                        let path = p.replace("{id}", &id.to_string());
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let r = if m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(&path, &[]).await
                        };
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        } else {
                            assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("get", "/duty") | ("get", "/duty/holidays") => {
                    duty_records(app).await;
                    let r = b.get(p).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                // These act on the caller's own organisation or account only.
                ("post", "/duty") | ("post", "/duty/feed") => {}
                // Authenticated by the feed's own token (tests/duty.rs).
                ("get", "/duty/ical/{token}") => {}
                ("post", "/duty/holidays") => {
                    if *role == Role::DicAdmin {
                        continue;
                    }
                    let r = b.post(p, &[("day", "01/01/2027"), ("name", "ui-x")]).await;
                    assert!(denied(r.status), "{email} POST {p}: {}", r.status);
                }
                ("post", "/duty/leave") => {
                    // Leave for someone of another organisation is refused.
                    let Some(fo) = foreign_org else { continue };
                    let all = canhgac_domain::Scope::All;
                    let Some(other) = app
                        .store
                        .duty_people(&all, app.orgs[fo])
                        .await
                        .expect("people")
                        .first()
                        .cloned()
                    else {
                        continue;
                    };
                    let r = b
                        .post(
                            p,
                            &[
                                ("user_id", &other.id.to_string()),
                                ("from", "01/01/2027"),
                                ("to", "02/01/2027"),
                                ("reason", "ui-x"),
                            ],
                        )
                        .await;
                    assert_ne!(
                        r.status,
                        StatusCode::SEE_OTHER,
                        "{email} records leave for {fo}"
                    );
                }
                (
                    m,
                    p @ ("/duty/{id}" | "/duty/{id}/xlsx" | "/duty/{id}/delete" | "/duty/swap"),
                ) => {
                    for (roster, shift, code) in duty_records(app).await {
                        let path = p.replace("{id}", &roster.to_string());
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let r = if m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(
                                &path,
                                &[
                                    ("shift_id", &shift.to_string()),
                                    ("to_user", "1"),
                                    ("reason", "ui-x"),
                                ],
                            )
                            .await
                        };
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                            if !path.ends_with("/xlsx") {
                                assert_no_foreign(email, &path, &r.text, &foreign);
                            }
                            continue;
                        }
                        assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                (
                    m,
                    p @ ("/duty/handovers/{id}"
                    | "/duty/handovers/{id}/ack"
                    | "/duty/shifts/{id}/handover"),
                ) => {
                    let all = canhgac_domain::Scope::All;
                    for (_, shift, code) in duty_records(app).await {
                        let target = if p.starts_with("/duty/shifts") {
                            shift
                        } else {
                            app.store
                                .handover_of_shift(&all, shift)
                                .await
                                .expect("handover")
                                .expect("prepared")
                                .id
                        };
                        let path = p.replace("{id}", &target.to_string());
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let r = if m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(&path, &[("remarks", "ui-x")]).await
                        };
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                            assert_no_foreign(email, &path, &r.text, &foreign);
                            continue;
                        }
                        assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", "/duty/swaps/{id}") => {
                    duty_records(app).await;
                    let all = canhgac_domain::Scope::All;
                    for w in app.store.swaps(&all).await.expect("swaps") {
                        let code = app
                            .orgs
                            .iter()
                            .find(|(_, id)| **id == w.org_id)
                            .map(|(c, _)| c.clone())
                            .unwrap_or_default();
                        if visible.contains(&code) {
                            continue;
                        }
                        let path = format!("/duty/swaps/{}", w.id);
                        let r = b.post(&path, &[("decision", "approve")]).await;
                        assert!(denied(r.status), "{email} POST {path}: {}", r.status);
                    }
                }
                ("get", "/platform-alerts") | ("get", "/platform-alerts/export") => {
                    platform_records(app).await;
                    let r = b.get(p).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                ("post", "/platform-alerts/sources") | ("post", "/platform-alerts/upload") => {
                    if role.is_dic() && role.can_write() {
                        continue;
                    }
                    let r = if *p == "/platform-alerts/upload" {
                        b.upload(p, &[("file", "a.csv", b"id,target\nx,192.0.2.1\n")])
                            .await
                    } else {
                        b.post(p, &[("name", "x")]).await
                    };
                    assert!(denied(r.status), "{email} POST {p}: {}", r.status);
                }
                (
                    "get",
                    p @ ("/agents"
                    | "/malware"
                    | "/malware/quarantine"
                    | "/malware/fim"
                    | "/malware/scans"
                    | "/malware/rules"),
                ) => {
                    malware_records(app).await;
                    let path = if p == "/malware" {
                        "/malware?state=all"
                    } else {
                        p
                    };
                    let r = b.get(path).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                    assert_no_foreign(email, path, &r.text, &foreign);
                }
                (
                    m,
                    p @ ("/agents/{id}"
                    | "/agents/{id}/config"
                    | "/agents/{id}/scan"
                    | "/agents/{id}/revoke"
                    | "/agents/tokens/{id}/revoke"
                    | "/malware/alerts/{id}"
                    | "/malware/alerts/{id}/verify"
                    | "/malware/alerts/{id}/false-positive"
                    | "/malware/alerts/{id}/quarantine"
                    | "/malware/quarantine/{id}/restore"
                    | "/malware/scans/{id}"),
                ) => {
                    for (agent, alert, scan, q, token, code) in malware_records(app).await {
                        let id = if p.starts_with("/agents/tokens") {
                            token
                        } else if p.starts_with("/agents") {
                            agent
                        } else if p.starts_with("/malware/scans") {
                            scan
                        } else if p.starts_with("/malware/quarantine") {
                            q
                        } else {
                            alert
                        };
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let path = p.replace("{id}", &id.to_string());
                        let r = if m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(&path, &[("note", "x"), ("paths", "/tmp")]).await
                        };
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        } else {
                            assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", p @ ("/agents/tokens" | "/malware/scans")) => {
                    let Some(fo) = foreign_org else { continue };
                    let r = b
                        .post(
                            p,
                            &[("org", fo), ("orgs", fo), ("label", "x"), ("title", "x")],
                        )
                        .await;
                    assert!(denied(r.status), "{email} POST {p} for {fo}: {}", r.status);
                }
                // The DIC administrator's province-wide rule sets (refused to others by the role
                // check; sets carry no organisation's data).
                (m, p @ ("/malware/rules/{id}" | "/malware/rules/{id}/orgs")) => {
                    let path = p.replace("{id}", "999999");
                    let r = if m == "get" {
                        b.get(&path).await
                    } else {
                        b.post(&path, &[]).await
                    };
                    assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                }
                ("post", "/malware/rules") => {
                    if *role == Role::DicAdmin {
                        continue;
                    }
                    let r = b
                        .upload(p, &[("file", "x.yar", b"rule x { condition: true }")])
                        .await;
                    assert!(denied(r.status), "{email} POST {p}: {}", r.status);
                }
                ("get", "/charts") => {
                    let r = b.get("/charts").await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET /charts");
                    assert_no_foreign(email, "/charts", &r.text, &foreign);
                }
                ("get", "/charts/{name}") => {
                    // Every organisation has signals (the fixture's Botnet list names each one's
                    // host): the organisations chart names only those the caller may see.
                    for name in [
                        "alerts-per-day",
                        "attacks-per-day",
                        "patch-compliance",
                        "spam-per-day",
                        "botnet-per-period",
                        "top-rules",
                        "top-orgs",
                    ] {
                        let path = format!("/charts/{name}.csv");
                        let r = b.get(&path).await;
                        if name == "spam-per-day" && r.status == StatusCode::NOT_FOUND {
                            // Only the DIC and the operators see spam reports (tests/charts.rs).
                            continue;
                        }
                        assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        assert_no_foreign(email, &path, &r.text, &foreign);
                        if name == "top-orgs" {
                            for line in r.text.lines().skip(1) {
                                let code = line.split(',').next().unwrap_or_default();
                                assert!(
                                    visible.iter().any(|v| v == code),
                                    "{email}: {code} in {path}"
                                );
                            }
                        }
                    }
                }
                ("get", p @ ("/reports" | "/reports/monthly" | "/reports/scorecards")) => {
                    report_records(app).await;
                    for q in ["", "?format=csv", "?format=csv&lang=en"] {
                        if p == "/reports" && !q.is_empty() {
                            continue;
                        }
                        let path = format!("{p}{q}");
                        let r = b.get(&path).await;
                        assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        assert_no_foreign(email, &path, &r.text, &foreign);
                        if q.contains("csv") {
                            for line in r.text.lines().skip(1) {
                                let mut f = line.split(',');
                                let (section, line_name) =
                                    (f.next().unwrap_or_default(), f.next().unwrap_or_default());
                                if ["Theo đơn vị", "By organisation", "Bảng điểm", "Scorecards"]
                                    .contains(&section)
                                {
                                    assert!(
                                        visible.iter().any(|v| v == line_name),
                                        "{email}: {line_name} in {path}"
                                    );
                                }
                            }
                        }
                    }
                }
                ("get", "/reports/periods/{id}") => {
                    let recs = period_records(app).await;
                    for q in ["", "?format=csv"] {
                        let path = format!("/reports/periods/{}{q}", recs[0].0);
                        let r = b.get(&path).await;
                        assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("get", "/reports/schedules/new") => {
                    let r = b.get(p).await;
                    if !matches!(*role, Role::DicAdmin | Role::OrgAdmin) {
                        assert!(denied(r.status), "{email} GET {p}: {}", r.status);
                        continue;
                    }
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                ("post", "/reports/schedules") => {
                    let Some(fo) = foreign_org else { continue };
                    let org = app.orgs[fo].to_string();
                    let r = b
                        .post(
                            p,
                            &[
                                ("org", org.as_str()),
                                ("kind", "monthly"),
                                ("format", "pdf"),
                                ("lang", "vi"),
                                ("hour", "8"),
                                ("recipients", "x@t.vn"),
                                ("active", "on"),
                            ],
                        )
                        .await;
                    assert!(denied(r.status), "{email} POST {p} for {fo}: {}", r.status);
                }
                (
                    m,
                    p @ ("/reports/schedules/{id}"
                    | "/reports/schedules/{id}/delete"
                    | "/reports/schedules/{id}/run"
                    | "/reports/runs/{id}"),
                ) => {
                    for (sid, run, code) in report_records(app).await {
                        let id = if p.starts_with("/reports/runs") {
                            run
                        } else {
                            sid
                        };
                        let path = p.replace("{id}", &id.to_string());
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let r = if m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(
                                &path,
                                &[
                                    ("kind", "monthly"),
                                    ("format", "pdf"),
                                    ("lang", "vi"),
                                    ("hour", "8"),
                                    ("recipients", "x@t.vn"),
                                ],
                            )
                            .await
                        };
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        } else {
                            assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("get", "/wall") => {
                    flow_records(app).await;
                    let r = b.get("/wall").await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET /wall");
                    assert_no_foreign(email, "/wall", &r.text, &foreign);
                }
                ("get", "/wall/stream") => {
                    // The first event is the wall as the caller may see it.
                    let text = b.first_event("/wall/stream").await;
                    assert!(text.contains("event: wall"), "{email}: {text}");
                    assert_no_foreign(email, "/wall/stream", &text, &foreign);
                }
                (
                    "get",
                    p @ ("/flows" | "/flows/attacks" | "/flows/exporters" | "/flows/prefixes"),
                ) => {
                    flow_records(app).await;
                    let r = b.get(p).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                (
                    m,
                    p @ ("/flows/attacks/{id}"
                    | "/flows/exporters/{id}/delete"
                    | "/flows/prefixes/{id}/delete"),
                ) => {
                    for (attack, exporter, prefix, code) in flow_records(app).await {
                        let id = match p {
                            "/flows/attacks/{id}" => attack,
                            "/flows/exporters/{id}/delete" => exporter,
                            _ => prefix,
                        };
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let path = p.replace("{id}", &id.to_string());
                        let r = if m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(&path, &[]).await
                        };
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        } else {
                            assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", p @ ("/flows/exporters" | "/flows/prefixes")) => {
                    let Some(fo) = foreign_org else { continue };
                    let r = b
                        .post(
                            p,
                            &[
                                ("org", fo),
                                ("address", "127.2.0.1"),
                                ("name", "x"),
                                ("prefix", "192.0.99.0/24"),
                                ("pps", "1"),
                                ("mbps", "1"),
                                ("fps", "1"),
                            ],
                        )
                        .await;
                    assert!(denied(r.status), "{email} POST {p} for {fo}: {}", r.status);
                }
                (
                    "get",
                    p @ ("/spam"
                    | "/spam/reports"
                    | "/spam/import"
                    | "/spam/campaigns"
                    | "/spam/cases"
                    | "/spam/cases/export"
                    | "/spam/harmful"
                    | "/spam/harmful/blocklist.txt"
                    | "/spam/harmful/rpz.zone"),
                ) => {
                    spam_records(app).await;
                    let r = b.get(p).await;
                    assert_eq!(r.status, StatusCode::OK, "{email} GET {p}");
                    assert_no_foreign(email, p, &r.text, &foreign);
                }
                (
                    m,
                    p @ ("/spam/reports/{id}"
                    | "/spam/reports/{id}/fix"
                    | "/spam/senders/{id}"
                    | "/spam/campaigns/{id}"
                    | "/spam/cases/{id}"
                    | "/spam/cases/{id}/actions"
                    | "/spam/cases/{id}/close"
                    | "/spam/harmful/{id}"
                    | "/spam/harmful/{id}/state"),
                ) => {
                    for (report, unparsed, sender, campaign, case, harmful, code) in
                        spam_records(app).await
                    {
                        let id = match p {
                            "/spam/reports/{id}" => report,
                            "/spam/reports/{id}/fix" => unparsed,
                            "/spam/senders/{id}" => sender,
                            "/spam/campaigns/{id}" => campaign,
                            x if x.starts_with("/spam/cases") => case,
                            _ => harmful,
                        };
                        let mine = visible.contains(&code);
                        if mine && m == "post" {
                            continue;
                        }
                        let path = p.replace("{id}", &id.to_string());
                        let r = if m == "get" {
                            b.get(&path).await
                        } else {
                            b.post(
                                &path,
                                &[
                                    ("raw", "S [0912345678][x]"),
                                    ("action", "warn"),
                                    ("note", "x"),
                                    ("state", "blocked"),
                                ],
                            )
                            .await
                        };
                        if mine {
                            assert_eq!(r.status, StatusCode::OK, "{email} GET {path}");
                        } else {
                            assert!(denied(r.status), "{email} {m} {path}: {}", r.status);
                        }
                        assert_no_foreign(email, &path, &r.text, &foreign);
                    }
                }
                ("post", p @ ("/spam/reports" | "/spam/harmful" | "/spam/import")) => {
                    let Some(fo) = foreign_org else { continue };
                    let r = if p == "/spam/import" {
                        b.upload_fields(
                            p,
                            &[("org", fo)],
                            &[("file", "a.csv", "Nội dung\nS [0912345678][x]\n".as_bytes())],
                        )
                        .await
                    } else {
                        b.post(
                            p,
                            &[
                                ("org", fo),
                                ("lines", "S [0912345678][x]"),
                                ("kind", "domain"),
                                ("value", "x.example.xyz"),
                                ("category", "fraud"),
                            ],
                        )
                        .await
                    };
                    assert!(denied(r.status), "{email} POST {p} for {fo}: {}", r.status);
                }
                // Publishing into the province's threat lists is the DIC's (refused to others by
                // the role check; the list names no operator).
                ("post", "/spam/harmful/publish") => {
                    if !role.is_dic() {
                        let r = b.post("/spam/harmful/publish", &[]).await;
                        assert!(denied(r.status), "{email} publishes: {}", r.status);
                    }
                }
                (m, p) => panic!("UI route {m} {p} is not covered by the tenant isolation test"),
            }
        }
        // Nothing the walk tried may have landed anywhere.
        for q in ["intruder", "ui-x"] {
            let hits = app
                .store
                .list(
                    EntityKind::Host,
                    &canhgac_domain::Scope::All,
                    &canhgac_store::ListQuery {
                        q: Some(q.into()),
                        ..Default::default()
                    },
                )
                .await
                .expect("q");
            assert_eq!(hits.total, 0, "{email}: '{q}' landed");
        }
    }
}

/// The page without the search form's and the pager's echo of a search for `code`'s marker.
fn unecho(html: &str, code: &str) -> String {
    let m = marker(code);
    html.replace(&format!("value=\"{m}\""), "")
        .replace(&format!("q={m}"), "")
}

/// The page without the table rows that contain `needle`.
fn without_rows(html: &str, needle: &str) -> String {
    html.split("<tr")
        .filter(|row| !row.contains(needle))
        .collect::<Vec<_>>()
        .join("<tr")
}

#[tokio::test]
async fn every_api_route_keeps_organisations_apart() {
    walk_api(&TestApp::new().await).await;
}

#[tokio::test]
async fn every_ui_route_keeps_organisations_apart() {
    walk_ui(&TestApp::new().await).await;
}

#[tokio::test]
async fn isolation_holds_on_postgres_too() {
    match TestApp::new_postgres().await {
        Some(app) => {
            walk_api(&app).await;
            walk_ui(&app).await;
            app.cleanup().await;
        }
        None => eprintln!(
            "CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL not exercised here (CI sets it)"
        ),
    }
}
