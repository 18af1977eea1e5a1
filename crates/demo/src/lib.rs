//! The demo province: Lai Châu as in dispatch 737 — the DIC, provincial agencies, the
//! eight districts and city, the three telecom operators; their ranges (documentation and
//! shared-address ranges only), information systems, a few hundred hosts with real
//! package names and versions, people, the dispatch's escalation contacts, users of every
//! role, and signals and work items of the shared core. Seeding is deterministic and done
//! once per store; [`live_feed`] keeps the duty-room views moving.

use anyhow::{Context, Result};
use canhgac_domain::entity::{EntityKind, Record};
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_domain::work::WorkKind;
use canhgac_domain::{Role, Scope};
use canhgac_store::{Actor, ListQuery, NewSignal, NewUser, NewWorkItem, Store};
use serde_json::{json, Value};
use std::collections::HashMap;

mod catalogue;
pub mod directives;
pub mod duty;
pub mod flows;
mod imports;
pub mod incidents;
pub mod malware;
pub mod monitoring;
pub mod oncall;
pub mod periods;
pub mod reports;
mod software;
pub mod spam;
use catalogue::*;
use software::{OsProfile, SERVER_OS, SERVER_ROLES, WORKSTATION_OS};

/// A small deterministic generator (xorshift64*), so every demo province is the same.
pub struct Dice(u64);

impl Dice {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Dice {
        Dice(seed.max(1))
    }
    /// Next raw value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A value in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// One element of a slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The demo's calendar. Every date the demo writes — KEV due dates, Botnet list periods, the
/// warnings' and the scan's month — is counted from the day it is seeded, because deadlines are
/// what a duty officer reads first: a demo whose KEV due dates were fixed in 2023–2025 showed
/// every patch task overdue and escalated from its first second, which no province looks like.
/// Counted from today, a few tasks are overdue (on purpose), some due within days, most in time.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    today: chrono::NaiveDate,
}

impl Calendar {
    /// The calendar of the day `now_ms` falls on in Viet Nam.
    pub fn at(now_ms: i64) -> Calendar {
        use chrono::TimeZone;
        let today = canhgac_domain::time::vn_offset()
            .timestamp_millis_opt(now_ms)
            .single()
            .map(|t| t.date_naive())
            .unwrap_or_default();
        Calendar { today }
    }
    /// Today moved by `days` (negative: in the past).
    pub fn day(&self, days: i64) -> chrono::NaiveDate {
        self.today + chrono::Duration::days(days)
    }
    /// `yyyy-mm-dd` (as the KEV catalogue writes dates), `days` from today.
    pub fn iso(&self, days: i64) -> String {
        self.day(days).format("%Y-%m-%d").to_string()
    }
    /// The month `back` months before this one (0: this month), as (year, month).
    pub fn month(&self, back: u32) -> (i32, u32) {
        use chrono::Datelike;
        let m = self.today.year() * 12 + self.today.month0() as i32 - back as i32;
        (m.div_euclid(12), m.rem_euclid(12) as u32 + 1)
    }
    /// `mm/yyyy` of the month `back` months before this one (a Botnet list's period).
    pub fn period(&self, back: u32) -> String {
        let (y, m) = self.month(back);
        format!("{m:02}/{y}")
    }
}

/// The addresses that attack the province in the demo's traffic (SSH password guessing, web
/// scans, the C2 a download comes from), each with the malware family the Botnet lists give it.
/// Both seeded monthly lists carry them — they are long-lived botnet nodes — so a retro-hunt
/// over the stored events finds every attacker the generator used, and no demo alert cites an
/// address the lists contradict.
pub const ATTACKERS: &[(&str, &str)] = &[
    ("45.155.205.233", "Mirai"),
    ("185.220.101.47", "QakBot"),
    ("91.240.118.172", "Andromeda"),
    ("103.151.125.9", "Gafgyt"),
    ("194.26.29.113", "Mirai"),
    ("222.186.42.7", "Gafgyt"),
];

/// A MobiFone subscriber (CGNAT range) on the last month's Botnet list; the seeded flow alert
/// names it.
pub const LISTED_SUBSCRIBER: (&str, &str) = ("100.66.31.7", "Gafgyt");

/// Days from the seeding day to the KEV due date of WinRAR's CVE-2025-8088 (due soon).
pub const KEV_DUE_WINRAR: i64 = 2;
/// Days from the seeding day to the KEV due date of 7-Zip's CVE-2025-0411: negative, so the
/// 7-Zip patch tasks are the demo's intended overdue ones.
pub const KEV_DUE_7ZIP: i64 = -2;

/// The demo accounts: e-mail, name, role, organisation code.
pub const DEMO_USERS: &[(&str, &str, Role, Option<&str>)] = &[
    (
        "admin@stttt.laichau.gov.vn",
        "Nguyễn Văn Quản",
        Role::DicAdmin,
        Some("STTTT"),
    ),
    (
        "trucban@stttt.laichau.gov.vn",
        "Lò Thị Trực",
        Role::DicOperator,
        Some("STTTT"),
    ),
    (
        "quantri@syt.laichau.gov.vn",
        "Trần Minh Y",
        Role::OrgAdmin,
        Some("SYT"),
    ),
    (
        "cntt@tamduong.laichau.gov.vn",
        "Vàng A Dũng",
        Role::OrgStaff,
        Some("TAMDUONG"),
    ),
    (
        "soc@viettel-laichau.vn",
        "Phạm Quốc Việt",
        Role::TelecomStaff,
        Some("VIETTEL"),
    ),
    (
        "lanhdao@laichau.gov.vn",
        "Hoàng Thị Lãnh",
        Role::Viewer,
        None,
    ),
    // Duty officers: with the ones above they make the DIC's, Viettel's and Tam Đường's rosters.
    (
        "truc1@stttt.laichau.gov.vn",
        "Đèo Văn Hùng",
        Role::DicOperator,
        Some("STTTT"),
    ),
    (
        "truc2@stttt.laichau.gov.vn",
        "Lường Thị Mai",
        Role::DicOperator,
        Some("STTTT"),
    ),
    (
        "truc3@stttt.laichau.gov.vn",
        "Nguyễn Đức Thắng",
        Role::DicOperator,
        Some("STTTT"),
    ),
    (
        "noc@viettel-laichau.vn",
        "Đỗ Minh Tuấn",
        Role::TelecomStaff,
        Some("VIETTEL"),
    ),
    (
        "truc@tamduong.laichau.gov.vn",
        "Tao Văn Pó",
        Role::OrgStaff,
        Some("TAMDUONG"),
    ),
];

/// The line of the login sheet that holds the shared password.
const PASSWORD_LINE: &str = "Mật khẩu chung / shared password:";

/// The demo accounts as table lines: e-mail, role (Vietnamese label, English label and wire
/// name), organisation (code and name); a header first.
pub fn accounts_table() -> Vec<String> {
    let rows: Vec<[String; 3]> = DEMO_USERS
        .iter()
        .map(|(email, _, role, org)| {
            let org = match org {
                Some(code) => {
                    let name = ORGS.iter().find(|o| o.code == *code).map_or("", |o| o.name);
                    format!("{code} — {name}")
                }
                None => "(toàn tỉnh / whole province)".to_string(),
            };
            [
                email.to_string(),
                format!(
                    "{} / {} ({})",
                    role.label_vi(),
                    role.label_en(),
                    role.as_str()
                ),
                org,
            ]
        })
        .collect();
    let header = [
        "E-mail".to_string(),
        "Vai trò / role".to_string(),
        "Đơn vị / organisation".to_string(),
    ];
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&header))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    std::iter::once(&header)
        .chain(rows.iter())
        .map(|r| format!("{:<w0$}  {:<w1$}  {}", r[0], r[1], r[2]))
        .collect()
}

/// The text of `demo-login.txt`: every demo account with its e-mail, role and organisation, and
/// the password they share.
pub fn login_sheet(password: &str) -> String {
    let mut out = String::from(
        "canhgac — tài khoản mẫu của tỉnh Lai Châu (demo) / demo accounts of the Lai Châu demo\n\n",
    );
    out.push_str(&format!("{PASSWORD_LINE} {password}\n\n"));
    for line in accounts_table() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The shared password written in a login sheet — or the whole of the one-line file that
/// older demos wrote.
pub fn password_in_login_sheet(text: &str) -> Option<String> {
    let found = match text
        .lines()
        .find_map(|l| l.trim().strip_prefix(PASSWORD_LINE))
    {
        Some(p) => p.trim(),
        None if text.trim().lines().count() == 1 => text.trim(),
        None => return None,
    };
    (!found.is_empty()).then(|| found.to_string())
}

/// What seeding did.
#[derive(Debug)]
pub struct Seeded {
    /// Whether the store was empty and has been seeded now.
    pub fresh: bool,
    /// Records per kind now in the store.
    pub counts: Vec<(EntityKind, i64)>,
}

fn rec(v: Value) -> Record {
    match v {
        Value::Object(m) => m,
        _ => Record::new(),
    }
}

/// Seeds the demo province if the store has no organisations; `password_hash` is given
/// to every demo account.
pub async fn seed(store: &Store, password_hash: &str) -> Result<Seeded> {
    let scope = Scope::All;
    if store
        .counts(&scope)
        .await?
        .iter()
        .any(|(k, n)| *k == EntityKind::Org && *n > 0)
    {
        return Ok(Seeded {
            fresh: false,
            counts: store.counts(&scope).await?,
        });
    }
    let actor = Actor::system("demo");
    let mut dice = Dice::new(0x001A_1C4A_0737);

    // Organisations: the DIC first, then everyone under it (parents before children).
    let (root, rest): (Vec<&OrgSeed>, Vec<&OrgSeed>) =
        ORGS.iter().partition(|o| o.parent.is_none());
    let mut ids: HashMap<&str, i64> = HashMap::new();
    for batch in [
        root,
        rest.iter()
            .copied()
            .filter(|o| o.parent == Some("STTTT"))
            .collect(),
        rest.iter()
            .copied()
            .filter(|o| o.parent != Some("STTTT"))
            .collect(),
    ] {
        let codes = store.org_codes().await?;
        let recs: Vec<Record> = batch
            .iter()
            .map(|o| {
                rec(json!({"code": o.code, "name": o.name, "kind": o.kind, "parent_id": o.parent.and_then(|p| codes.get(p)),
                    "address": o.address, "phone": o.phone, "email": o.email}))
            })
            .collect();
        let (clean, errs): (Vec<_>, Vec<_>) =
            recs.iter().map(|r| EntityKind::Org.validate(r)).unzip();
        anyhow::ensure!(
            errs.iter().all(Vec::is_empty),
            "demo organisations are invalid: {errs:?}"
        );
        store
            .import(EntityKind::Org, &scope, &actor, &clean)
            .await
            .context("seeding organisations")?;
    }
    for (code, id) in store.org_codes().await? {
        if let Some(o) = ORGS.iter().find(|o| o.code == code) {
            ids.insert(o.code, id);
        }
    }

    // Networks: a private /24, a public slice of a documentation range, an IPv6 /48.
    let mut nets = Vec::new();
    for (i, o) in ORGS.iter().enumerate() {
        let id = ids[o.code];
        let n = i as u32;
        if o.kind == "telecom" {
            nets.push(json!({"org_id": id, "cidr": format!("100.{}.0.0/16", 64 + n % 16), "description": "Dải địa chỉ cấp cho thuê bao (CGNAT)"}));
            nets.push(json!({"org_id": id, "cidr": format!("2001:db8:{:x}00::/40", 0x10 + n), "description": "Dải IPv6 cấp cho thuê bao"}));
        } else if o.kind != "national" {
            nets.push(json!({"org_id": id, "cidr": format!("10.213.{n}.0/24"), "description": "Mạng nội bộ (LAN)"}));
            let (base, slot) = match n {
                0..=15 => ("203.0.113", n),
                16..=31 => ("198.51.100", n - 16),
                _ => ("192.0.2", n - 32),
            };
            nets.push(json!({"org_id": id, "cidr": format!("{base}.{}/28", slot * 16), "description": "Địa chỉ công khai (Internet)"}));
            nets.push(json!({"org_id": id, "cidr": format!("2001:db8:{:x}::/48", 0x2130 + n), "description": "Mạng IPv6"}));
        }
    }
    import(store, &actor, EntityKind::Network, nets).await?;

    // Information systems.
    let systems: Vec<Value> = SYSTEMS
        .iter()
        .map(|s| json!({"org_id": ids[s.org], "name": s.name, "level": s.level, "owner": s.owner, "description": s.description}))
        .collect();
    import(store, &actor, EntityKind::System, systems).await?;
    let system_ids = store.name_index(EntityKind::System, &scope).await?;

    // Hosts: servers for each system, workstations for each organisation.
    let mut hosts = Vec::new();
    let mut host_os: Vec<(String, i64, &'static OsProfile)> = Vec::new();
    for (i, o) in ORGS
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind != "national")
    {
        let id = ids[o.code];
        let short = o.code.to_lowercase();
        let mut server_no = 0;
        for s in SYSTEMS.iter().filter(|s| s.org == o.code) {
            let sys_id = system_ids.get(&(id, s.name.to_lowercase())).copied();
            let count = 2 + s.level as usize / 2 + dice.below(2);
            for k in 0..count {
                server_no += 1;
                let profile = dice.pick(SERVER_OS);
                let role = SERVER_ROLES[k % SERVER_ROLES.len()];
                let hostname = format!("{short}-{role}{:02}", server_no);
                let ips = if o.kind == "telecom" {
                    format!(
                        "100.{}.{}.{}",
                        64 + i % 16,
                        10 + server_no / 200,
                        10 + server_no % 200
                    )
                } else if k == 0 {
                    let (base, slot) = match i {
                        0..=15 => ("203.0.113", i),
                        16..=31 => ("198.51.100", i - 16),
                        _ => ("192.0.2", i - 32),
                    };
                    format!(
                        "10.213.{i}.{}, {base}.{}, 2001:db8:{:x}::{:x}",
                        10 + server_no,
                        slot * 16 + 1 + server_no % 14,
                        0x2130 + i,
                        10 + server_no
                    )
                } else {
                    format!("10.213.{i}.{}", 10 + server_no)
                };
                hosts.push(json!({"org_id": id, "hostname": hostname, "kind": "server", "os": profile.name, "ips": ips,
                    "system_id": sys_id, "owner": dice.pick(PEOPLE_NAMES).to_string(), "notes": Value::Null}));
                host_os.push((hostname, id, profile));
            }
        }
        let ws = match o.kind {
            "dic" => 10,
            "agency" => 4 + dice.below(5),
            "district" => 5 + dice.below(4),
            "telecom" => 6,
            _ => 3,
        };
        for k in 1..=ws {
            let profile = dice.pick(WORKSTATION_OS);
            let hostname = format!("{short}-pc{k:02}");
            hosts.push(json!({"org_id": id, "hostname": hostname, "kind": "workstation", "os": profile.name,
                "ips": format!("10.213.{i}.{}", 100 + k), "owner": dice.pick(PEOPLE_NAMES).to_string()}));
            host_os.push((hostname, id, profile));
        }
        if o.kind == "dic" || o.kind == "telecom" {
            for (k, dev) in ["fw01", "core-sw01"].iter().enumerate() {
                let hostname = format!("{short}-{dev}");
                hosts.push(json!({"org_id": id, "hostname": hostname, "kind": "network", "os": if k == 0 { "FortiOS 7.2.8" } else { "Cisco IOS XE 17.9.4a" },
                    "ips": format!("10.213.{i}.{}", 1 + k)}));
            }
        }
    }
    import(store, &actor, EntityKind::Host, hosts).await?;
    let host_ids = store.name_index(EntityKind::Host, &scope).await?;

    // Software inventories from each host's OS profile.
    let mut software = Vec::new();
    for (hostname, org, profile) in &host_os {
        let Some(host_id) = host_ids.get(&(*org, hostname.to_lowercase())) else {
            continue;
        };
        for (name, version) in profile.base {
            software.push(json!({"org_id": org, "host_id": host_id, "name": name, "version": version, "scheme": profile.scheme}));
        }
        let extra = 3 + dice.below(profile.extra.len().saturating_sub(2).max(1));
        let start = dice.below(profile.extra.len().max(1));
        for k in 0..extra.min(profile.extra.len()) {
            let (name, version, scheme) = profile.extra[(start + k) % profile.extra.len()];
            software.push(json!({"org_id": org, "host_id": host_id, "name": name, "version": version, "scheme": scheme}));
        }
    }
    import(store, &actor, EntityKind::Software, software).await?;

    // People and the dispatch's escalation contacts.
    let mut people = Vec::new();
    for o in ORGS.iter().filter(|o| o.kind != "national") {
        let n = 2 + dice.below(3);
        for k in 0..n {
            let name = dice.pick(PEOPLE_NAMES);
            let title = TITLES[k % TITLES.len()];
            let domain = o.email.split('@').nth(1).unwrap_or("laichau.gov.vn");
            people.push(json!({"org_id": ids[o.code], "full_name": name, "title": title,
                "email": format!("{}{}@{domain}", ascii_handle(name), k + 1), "phone": format!("0912{:06}", dice.below(1_000_000))}));
        }
    }
    import(store, &actor, EntityKind::Person, people).await?;
    let contacts: Vec<Value> = CONTACTS
        .iter()
        .map(|c| json!({"org_id": ids["STTTT"], "name": c.name, "agency": c.agency, "purpose": c.purpose, "phone": c.phone, "email": c.email, "notes": c.notes, "escalation_order": c.order}))
        .collect();
    import(store, &actor, EntityKind::Contact, contacts).await?;

    // Users of every role.
    for (email, name, role, org) in DEMO_USERS {
        let nu = NewUser {
            email: email.to_string(),
            full_name: name.to_string(),
            password_hash: password_hash.to_string(),
            role: *role,
            org_id: org.map(|c| ids[c]),
        };
        store
            .create_user(&scope, &actor, &nu)
            .await
            .with_context(|| format!("creating demo user {email}"))?;
    }

    let cal = Calendar::at(now_ms());
    seed_core(store, &actor, &ids, &host_ids, &mut dice).await?;
    imports::seed_botnet_lists(store, &mut dice, &cal).await?;
    imports::seed_advisories(store, &cal).await?;
    imports::seed_scan(store, &cal).await?;
    Ok(Seeded {
        fresh: true,
        counts: store.counts(&scope).await?,
    })
}

async fn import(store: &Store, actor: &Actor, kind: EntityKind, values: Vec<Value>) -> Result<()> {
    let mut clean = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let (r, errs) = kind.validate(&rec(v));
        anyhow::ensure!(
            errs.is_empty(),
            "demo {} #{i} is invalid: {errs:?}",
            kind.slug()
        );
        clean.push(r);
    }
    store
        .import(kind, &Scope::All, actor, &clean)
        .await
        .with_context(|| format!("seeding {}", kind.slug()))?;
    Ok(())
}

/// Lower-case ASCII handle of a Vietnamese name, for demo e-mail addresses.
pub fn ascii_handle(name: &str) -> String {
    let mut out = String::new();
    for ch in name.split_whitespace().last().unwrap_or("canbo").chars() {
        out.push(fold_vietnamese(ch));
    }
    out.to_lowercase()
}

/// Removes Vietnamese diacritics from one character.
pub fn fold_vietnamese(c: char) -> char {
    canhgac_domain::text::fold_char(c)
}

/// Signals and work items of the shared core, so the overview shows a living province.
async fn seed_core(
    store: &Store,
    actor: &Actor,
    ids: &HashMap<&str, i64>,
    hosts: &HashMap<(i64, String), i64>,
    dice: &mut Dice,
) -> Result<()> {
    let now = now_ms();
    let hour = 3_600_000;
    let day = 24 * hour;
    let host_of = |org: &str, name: &str| hosts.get(&(ids[org], name.to_string())).copied();
    // Botnet findings and Sigma alerts are not written here: the Botnet lists and the log
    // traffic raise them through the real paths. What is written here stands in for the
    // capabilities that do not exist yet, and every address it cites is on a seeded list
    // (the Tam Đường server is on November's, its C2 and the CGNAT subscriber on the lists).
    let td = host_ip(store, "tamduong-web01", true).await?;
    let (c2, c2_family) = ATTACKERS[2];
    let national = format!("Cảnh báo từ Nền tảng điều phối quốc gia: máy chủ tamduong-web01 ({td}) kết nối tới máy chủ điều khiển {c2} ({c2_family})");
    let signals = [
        (
            SignalKind::NationalAlert,
            "IRlab.vn",
            national.as_str(),
            Severity::High,
            "TAMDUONG",
            "tamduong-web01",
            vec![td.clone(), c2.to_string()],
            1,
        ),
        (
            SignalKind::SpamReport,
            "Hệ thống 5656",
            "Phản ánh tin nhắn lừa đảo giả danh ngân hàng từ đầu số 0856xxxxxx",
            Severity::Medium,
            "VIETTEL",
            "",
            vec![],
            17,
        ),
        (
            SignalKind::VulnFinding,
            "Nessus",
            "CVE-2024-6387 (regreSSHion) trên máy chủ OpenSSH chưa vá",
            Severity::Critical,
            "STC",
            "stc-app02",
            vec![],
            1,
        ),
    ];
    for (i, (kind, source, title, sev, org, host, cited, count)) in signals.iter().enumerate() {
        for k in 0..*count {
            let s = NewSignal {
                kind: *kind,
                source: source.to_string(),
                title: title.to_string(),
                severity: *sev,
                org_id: Some(ids[org]),
                host_id: host_of(org, host),
                dedup_key: format!("demo:{i}"),
                seen_at: now - (7 - i as i64) * hour + k as i64 * 60_000,
                window_ms: day,
                payload: json!({"demo": true, "addresses": cited}),
                host_name: (!host.is_empty()).then(|| host.to_string()),
                src_ip: cited.last().cloned(),
            };
            store.raise_signal(&s).await?;
        }
    }
    // The dispatch as directive items: every agency, district and operator acknowledges
    // and reports on clause 1 (and operators on clause 2) by the start of the holiday.
    let scope = Scope::All;
    for o in ORGS
        .iter()
        .filter(|o| matches!(o.kind, "agency" | "district" | "telecom"))
    {
        let clause = if o.kind == "telecom" {
            "mục 1 và 2"
        } else {
            "mục 1"
        };
        let w = NewWorkItem {
            kind: WorkKind::DirectiveItem,
            title: format!("Báo cáo thực hiện Công văn 737/STTTT-BCVTCNTT ({clause})"),
            org_id: ids[o.code],
            host_id: None,
            signal_id: None,
            // Due in one to eight days: a few soon, none overdue (the dispatch is recent).
            due_at: Some(now + (1 + dice.below(8) as i64) * day),
            detail: json!({"directive": "737/STTTT-BCVTCNTT"}),
            subject: None,
        };
        store.create_work_item(&scope, actor, &w).await?;
    }
    // Overdue by a day on purpose: the one general task the duty officer has to chase.
    let w = NewWorkItem {
        kind: WorkKind::General,
        title: "Rà soát tài khoản quản trị Cổng thông tin điện tử trước kỳ nghỉ lễ".into(),
        org_id: ids["SYT"],
        host_id: host_of("SYT", "syt-web01"),
        signal_id: None,
        due_at: Some(now - day),
        detail: Value::Null,
        subject: None,
    };
    store.create_work_item(&scope, actor, &w).await?;
    Ok(())
}

/// The first address of a demo host (by host name).
pub(crate) async fn host_ip(store: &Store, hostname: &str, public: bool) -> Result<String> {
    let page = store
        .list(
            EntityKind::Host,
            &Scope::All,
            &ListQuery {
                q: Some(hostname.into()),
                ..Default::default()
            },
        )
        .await?;
    let host = page
        .items
        .iter()
        .find(|h| h["hostname"] == hostname)
        .with_context(|| format!("demo host {hostname}"))?;
    let ips: Vec<&str> = host["ips"]
        .as_str()
        .unwrap_or_default()
        .split(", ")
        .collect();
    let pick = if public {
        ips.iter().find(|i| !i.starts_with("10."))
    } else {
        ips.first()
    };
    pick.map(|s| s.to_string())
        .with_context(|| format!("demo host {hostname} has no address"))
}

/// Raises a realistic signal on a random host every `every` until the task is dropped,
/// so the duty-room views move while a newcomer watches. Repeats of the same pattern on
/// the same host count up instead of piling up.
pub async fn live_feed(store: Store, every: std::time::Duration) {
    let mut dice = Dice::new(now_ms() as u64);
    loop {
        tokio_sleep(every).await;
        let Ok(page) = store
            .list(
                EntityKind::Host,
                &Scope::All,
                &ListQuery {
                    limit: Some(1000),
                    ..Default::default()
                },
            )
            .await
        else {
            continue;
        };
        let Some(s) = live_signal(&mut dice, &page.items, now_ms()) else {
            continue;
        };
        if let Err(e) = store.raise_signal(&s).await {
            tracing::warn!(error = %e, "demo generator could not raise a signal");
        }
    }
}

/// One signal of [`live_feed`] on one of `hosts` (registry rows): a pattern of a capability
/// that does not raise signals by itself yet (Sigma alerts come from the real pipeline, see
/// `monitoring::live`), its remote address one of the listed [`ATTACKERS`].
pub fn live_signal(dice: &mut Dice, hosts: &[Record], at: i64) -> Option<NewSignal> {
    if hosts.is_empty() {
        return None;
    }
    let host = dice.pick(hosts);
    let patterns: Vec<_> = LIVE_PATTERNS
        .iter()
        .filter(|(kind, _, _)| *kind != SignalKind::SigmaAlert)
        .collect();
    let (kind, title, sev) = **dice.pick(&patterns);
    let hostname = host["hostname"].as_str().unwrap_or_default().to_string();
    let (src, family) = *dice.pick(ATTACKERS);
    Some(NewSignal {
        kind,
        source: "demo-generator".into(),
        title: format!("{title} — {hostname} ← {src}"),
        severity: sev,
        org_id: host["org_id"].as_i64(),
        host_id: host["id"].as_i64(),
        dedup_key: format!("live:{title}:{hostname}"),
        seen_at: at,
        window_ms: 30 * 60_000,
        payload: json!({"demo": true, "src_ip": src, "malware": family}),
        host_name: Some(hostname),
        src_ip: Some(src.to_string()),
    })
}

async fn tokio_sleep(d: std::time::Duration) {
    tokio::time::sleep(d).await;
}
