//! Incidents (M8–M9) as a workflow: open one (from a form or from any signal), compute its
//! Decision 05 severity from the affected systems' security level, join signals to it, suggest
//! similar open incidents, start a response plan (its steps become the incident's tasks),
//! check observables against the stored threat lists and events, and export them for sharing
//! (STIX 2.1 bundle, MISP event). The province's response-plan templates are seeded here.

use std::collections::BTreeSet;
use std::net::IpAddr;

use canhgac_domain::entity::FieldError;
use canhgac_domain::incident::{
    computed_gravity, is_attack_technique, Category, Gravity, Impact, Stage, Tlp,
};
use canhgac_domain::signal::SignalKind;
use canhgac_domain::time::now_ms;
use canhgac_domain::Scope;
use canhgac_store::{
    Actor, EventFilter, IncidentRow, NewIncident, ObservableRow, PlanStep, SignalRow, Store,
    StoreError,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// Observable kinds.
pub const OBSERVABLE_KINDS: [(&str, &str, &str); 6] = [
    ("ip", "Địa chỉ IP", "IP address"),
    ("domain", "Tên miền", "Domain"),
    ("url", "Đường dẫn URL", "URL"),
    ("hash", "Mã băm tệp", "File hash"),
    ("account", "Tài khoản", "Account"),
    ("email", "Thư điện tử", "E-mail address"),
];

/// What a person fills in to open an incident (the web form and the API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct IncidentForm {
    /// The owning organisation's id (defaults to the caller's own).
    pub org_id: Option<i64>,
    /// One line.
    pub title: String,
    /// What happened.
    #[serde(default)]
    pub summary: String,
    /// Category (wire name; see `domain::incident::Category`).
    pub category: String,
    /// Impacts (wire names).
    #[serde(default)]
    pub impacts: Vec<String>,
    /// Beyond the owner's own capability.
    #[serde(default)]
    pub beyond_owner: bool,
    /// A severity that overrides the rule's, with `gravity_reason`.
    pub gravity: Option<String>,
    /// Why the override.
    pub gravity_reason: Option<String>,
    /// TLP marking (wire name; default amber).
    pub tlp: Option<String>,
    /// ATT&CK technique ids.
    #[serde(default)]
    pub techniques: Vec<String>,
    /// When it began (Unix ms).
    pub started_at: Option<i64>,
    /// When it was detected (Unix ms; default now).
    pub detected_at: Option<i64>,
    /// Affected hosts.
    #[serde(default)]
    pub hosts: Vec<i64>,
    /// Affected systems.
    #[serde(default)]
    pub systems: Vec<i64>,
    /// Other affected organisations.
    #[serde(default)]
    pub orgs: Vec<i64>,
    /// Signals it starts from.
    #[serde(default)]
    pub signals: Vec<i64>,
    /// When it was recorded, for records entered after the fact by the platform itself (not
    /// settable through the API: people's records are stamped when they make them).
    #[serde(skip)]
    pub opened_at: Option<i64>,
}

fn bad(field: &str, vi: &str, en: &str) -> StoreError {
    StoreError::Invalid(vec![FieldError {
        field: field.to_string(),
        message_vi: vi.to_string(),
        message: en.to_string(),
    }])
}

/// Validates a form, computes the severity and opens the incident. Every problem is named by
/// field; nothing is stored unless all is well.
pub async fn open(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    own_org: Option<i64>,
    f: &IncidentForm,
) -> Result<IncidentRow, StoreError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, vi: &str, en: &str| {
        if let StoreError::Invalid(mut e) = bad(field, vi, en) {
            errors.append(&mut e);
        }
    };
    let title = f.title.trim();
    if title.is_empty() {
        err("title", "Hãy nhập tên sự cố.", "Give the incident a title.");
    }
    let category = Category::parse(&f.category);
    if category.is_none() {
        err("category", "Hãy chọn loại sự cố.", "Choose a category.");
    }
    let mut impacts = Vec::new();
    for i in &f.impacts {
        match Impact::parse(i) {
            Some(i) => impacts.push(i),
            None => err("impacts", "Mức ảnh hưởng không hợp lệ.", "Unknown impact."),
        }
    }
    let mut techniques = Vec::new();
    for t in f.techniques.iter().flat_map(|t| t.split([',', ' ', ';'])) {
        let t = t.trim().to_ascii_uppercase();
        if t.is_empty() {
            continue;
        }
        if is_attack_technique(&t) {
            if !techniques.contains(&t) {
                techniques.push(t);
            }
        } else {
            err(
                "techniques",
                &format!("{t}: không phải mã kỹ thuật MITRE ATT&CK (dạng T1059 hoặc T1059.001)."),
                &format!("{t}: not a MITRE ATT&CK technique id (T1059 or T1059.001)."),
            );
        }
    }
    let tlp = match f.tlp.as_deref().filter(|t| !t.is_empty()) {
        None => Some(Tlp::Amber),
        Some(t) => Tlp::parse(t),
    };
    if tlp.is_none() {
        err("tlp", "Mức TLP không hợp lệ.", "Unknown TLP marking.");
    }
    let override_ = match f.gravity.as_deref().filter(|g| !g.is_empty()) {
        None => None,
        Some(g) => match Gravity::parse(g) {
            None => {
                err("gravity", "Mức độ không hợp lệ.", "Unknown severity.");
                None
            }
            Some(g) => Some(g),
        },
    };
    let detected_at = f.detected_at.unwrap_or_else(now_ms);
    if let Some(s) = f.started_at {
        if s > detected_at {
            err(
                "started_at",
                "Thời điểm bắt đầu phải trước thời điểm phát hiện.",
                "The start must come before the detection.",
            );
        }
    }
    let org_id = f.org_id.or(own_org);
    if org_id.is_none() {
        err("org_id", "Hãy chọn đơn vị.", "Choose the organisation.");
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let (Some(category), Some(tlp), Some(org_id)) = (category, tlp, org_id) else {
        return Err(bad("form", "Biểu mẫu chưa đủ.", "The form is incomplete."));
    };
    // The signals' hosts are affected hosts too.
    let mut hosts: BTreeSet<i64> = f.hosts.iter().copied().collect();
    let mut observables = Vec::new();
    for &sid in &f.signals {
        let s = store.signal(scope, sid).await?.ok_or_else(|| {
            bad(
                "signals",
                "Cảnh báo không có hoặc ngoài phạm vi.",
                "No such signal in your scope.",
            )
        })?;
        if let Some(h) = s.host_id {
            hosts.insert(h);
        }
        if let Some(ip) = s.src_ip.clone() {
            observables.push(("ip", ip));
        }
    }
    let hosts: Vec<i64> = hosts.into_iter().collect();
    let level = store
        .max_security_level(scope, &f.systems, &hosts)
        .await?
        .and_then(|l| u8::try_from(l).ok());
    let computed = computed_gravity(level, &impacts, f.beyond_owner);
    let gravity_override = match override_ {
        Some(g) if g != computed => {
            let reason = f.gravity_reason.as_deref().unwrap_or("").trim().to_string();
            if reason.is_empty() {
                return Err(bad(
                    "gravity_reason",
                    "Khi chọn mức độ khác với mức tính theo Quyết định 05, hãy ghi lý do.",
                    "Give the reason for a severity other than Decision 05's.",
                ));
            }
            Some((g, reason))
        }
        _ => None,
    };
    let inc = store
        .create_incident(
            scope,
            actor,
            &NewIncident {
                org_id,
                title: title.to_string(),
                summary: f.summary.trim().to_string(),
                category,
                gravity_computed: computed,
                gravity_override,
                impacts: impacts.iter().map(|i| i.as_str().to_string()).collect(),
                beyond_owner: f.beyond_owner,
                tlp,
                techniques,
                started_at: f.started_at,
                detected_at,
                hosts,
                systems: f.systems.clone(),
                orgs: f.orgs.clone(),
                signals: f.signals.clone(),
                opened_at: f.opened_at,
            },
        )
        .await?;
    for (kind, value) in observables {
        store
            .add_observable(scope, actor, inc.id, kind, &value, None)
            .await?;
    }
    Ok(inc)
}

/// The category a signal suggests.
pub fn category_of(s: &SignalRow) -> Category {
    let title = s.title.to_lowercase();
    match s.kind {
        SignalKind::BotnetFinding => Category::Botnet,
        SignalKind::Malware => Category::Malware,
        SignalKind::FlowAttack => Category::DenialOfService,
        SignalKind::SpamReport => Category::Phishing,
        _ if title.contains("ransom") || title.contains("shadow cop") => Category::Encryption,
        _ if title.contains("deface") => Category::Defacement,
        _ if title.contains("phish") => Category::Phishing,
        _ if title.contains("mimikatz")
            || title.contains("lsass")
            || title.contains("credential") =>
        {
            Category::DataTheft
        }
        _ if title.contains("download")
            || title.contains("malware")
            || title.contains("powershell") =>
        {
            Category::Malware
        }
        SignalKind::SigmaAlert | SignalKind::VulnFinding | SignalKind::NationalAlert => {
            Category::Intrusion
        }
        SignalKind::SourceSilent => Category::Other,
        SignalKind::FileChange => Category::Other,
    }
}

/// Opens an incident from one signal: its title, organisation, host and remote address, the
/// category it suggests, detected when the signal was first seen.
pub async fn open_from_signal(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    signal_id: i64,
) -> Result<IncidentRow, StoreError> {
    let s = store
        .signal(scope, signal_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let org = s.org_id.ok_or_else(|| {
        bad(
            "org_id",
            "Cảnh báo chưa gắn với đơn vị nào: hãy mở sự cố từ biểu mẫu và chọn đơn vị.",
            "The signal belongs to no organisation: open the incident from the form and choose one.",
        )
    })?;
    let form = IncidentForm {
        org_id: Some(org),
        title: s.title.clone(),
        summary: String::new(),
        category: category_of(&s).as_str().to_string(),
        detected_at: Some(s.first_seen),
        signals: vec![s.id],
        ..Default::default()
    };
    open(store, scope, actor, Some(org), &form).await
}

/// Moves an incident on (see `domain::incident::check_move`).
pub async fn advance(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    to: &str,
    note: &str,
) -> Result<IncidentRow, StoreError> {
    let to = Stage::parse(to)
        .ok_or_else(|| bad("stage", "Giai đoạn không hợp lệ.", "Unknown stage."))?;
    store
        .move_incident(scope, actor, id, to, note, now_ms())
        .await
}

/// What the stored threat lists and events say of an observable.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct ObservableCheck {
    /// The observable.
    pub id: i64,
    /// Botnet lists that name it (exactly or by a range holding the address): list names.
    pub listed_in: Vec<String>,
    /// Stored events in the caller's scope in the last 30 days that mention it.
    pub events_30d: i64,
}

/// Checks observables against the Botnet lists and the stored events (in scope).
pub async fn check_observables(
    store: &Store,
    scope: &Scope,
    obs: &[ObservableRow],
) -> Result<Vec<ObservableCheck>, StoreError> {
    let mut out = Vec::new();
    let set = if obs.iter().any(|o| o.kind == "ip") {
        Some(crate::botnet::set_of_lists(store, &[]).await?)
    } else {
        None
    };
    let since = now_ms() - 30 * 86_400_000;
    for o in obs {
        let mut listed: Vec<String> = store
            .find_botnet_entries(&o.value)
            .await?
            .into_iter()
            .filter(|(_, _, _, e)| e.value.eq_ignore_ascii_case(&o.value))
            .map(|(_, name, _, _)| name)
            .collect();
        if listed.is_empty() {
            if let (Some(set), Ok(ip)) = (&set, o.value.parse::<IpAddr>()) {
                if let Some(net) = set.lookup(ip) {
                    listed.push(canhgac_intel::display_net(&net));
                }
            }
        }
        listed.dedup();
        let (_, n) = store
            .search_events(
                scope,
                &EventFilter {
                    q: Some(o.value.clone()),
                    from: Some(since),
                    limit: Some(1),
                    ..Default::default()
                },
            )
            .await?;
        out.push(ObservableCheck {
            id: o.id,
            listed_in: listed,
            events_30d: n,
        });
    }
    Ok(out)
}

/// Validates and adds an observable.
pub async fn add_observable(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    kind: &str,
    value: &str,
    note: Option<&str>,
) -> Result<i64, StoreError> {
    let value = value.trim();
    if !OBSERVABLE_KINDS.iter().any(|(k, _, _)| *k == kind) {
        return Err(bad(
            "kind",
            "Loại dấu hiệu không hợp lệ.",
            "Unknown observable kind.",
        ));
    }
    let ok = match kind {
        "ip" => value.parse::<IpAddr>().is_ok(),
        "domain" => {
            !value.is_empty()
                && value.len() <= 253
                && value.contains('.')
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        }
        "url" => value.starts_with("http://") || value.starts_with("https://"),
        "hash" => {
            matches!(value.len(), 32 | 40 | 64) && value.chars().all(|c| c.is_ascii_hexdigit())
        }
        "email" => value
            .split_once('@')
            .is_some_and(|(a, d)| !a.is_empty() && d.contains('.')),
        _ => !value.is_empty() && value.len() <= 256,
    };
    if !ok {
        return Err(bad(
            "value",
            "Giá trị không đúng với loại dấu hiệu đã chọn (IP, tên miền, URL bắt đầu bằng http(s)://, mã băm MD5/SHA-1/SHA-256, thư điện tử).",
            "The value does not fit the kind (IP, domain, URL starting http(s)://, MD5/SHA-1/SHA-256 hash, e-mail).",
        ));
    }
    let value = if kind == "hash" || kind == "domain" {
        value.to_ascii_lowercase()
    } else {
        value.to_string()
    };
    store
        .add_observable(scope, actor, id, kind, &value, note)
        .await
}

/// The observables as a STIX 2.1 bundle: one `indicator` per observable (a STIX pattern), the
/// incident as an `incident` object with its TLP marking, `indicates` relationships between.
pub fn stix_bundle(inc: &IncidentRow, obs: &[ObservableRow]) -> Value {
    let tlp_ref = match inc.tlp.as_str() {
        "clear" => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "green" => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "amber_strict" => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "red" => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        _ => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    };
    let ts = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_default()
    };
    let incident_id = format!(
        "incident--{}",
        uuid_like(&format!("canhgac-incident-{}", inc.id))
    );
    let mut objects = vec![json!({
        "type": "incident", "spec_version": "2.1", "id": incident_id,
        "created": ts(inc.created_at), "modified": ts(inc.updated_at),
        "name": inc.title, "description": inc.summary,
        "object_marking_refs": [tlp_ref],
    })];
    for o in obs {
        let pattern = match o.kind.as_str() {
            "ip" if o.value.contains(':') => format!("[ipv6-addr:value = '{}']", esc(&o.value)),
            "ip" => format!("[ipv4-addr:value = '{}']", esc(&o.value)),
            "domain" => format!("[domain-name:value = '{}']", esc(&o.value)),
            "url" => format!("[url:value = '{}']", esc(&o.value)),
            "hash" => {
                let alg = match o.value.len() {
                    32 => "MD5",
                    40 => "'SHA-1'",
                    _ => "'SHA-256'",
                };
                format!("[file:hashes.{alg} = '{}']", esc(&o.value))
            }
            "email" => format!("[email-addr:value = '{}']", esc(&o.value)),
            _ => format!("[user-account:account_login = '{}']", esc(&o.value)),
        };
        let iid = format!("indicator--{}", uuid_like(&format!("canhgac-obs-{}", o.id)));
        objects.push(json!({
            "type": "indicator", "spec_version": "2.1", "id": iid,
            "created": ts(o.added_at), "modified": ts(o.added_at),
            "pattern": pattern, "pattern_type": "stix", "valid_from": ts(o.added_at),
            "description": o.note, "object_marking_refs": [tlp_ref],
        }));
        objects.push(json!({
            "type": "relationship", "spec_version": "2.1",
            "id": format!("relationship--{}", uuid_like(&format!("canhgac-rel-{}-{}", inc.id, o.id))),
            "created": ts(o.added_at), "modified": ts(o.added_at),
            "relationship_type": "indicates", "source_ref": iid, "target_ref": incident_id,
        }));
    }
    json!({"type": "bundle", "id": format!("bundle--{}", uuid_like(&format!("canhgac-bundle-{}-{}", inc.id, inc.updated_at))), "objects": objects})
}

/// The observables as a MISP event (the JSON MISP imports: `{"Event": {…, "Attribute": […]}}`).
pub fn misp_event(inc: &IncidentRow, obs: &[ObservableRow]) -> Value {
    let attrs: Vec<Value> = obs
        .iter()
        .map(|o| {
            let (t, cat) = match o.kind.as_str() {
                "ip" => ("ip-dst", "Network activity"),
                "domain" => ("domain", "Network activity"),
                "url" => ("url", "Network activity"),
                "hash" => (
                    match o.value.len() {
                        32 => "md5",
                        40 => "sha1",
                        _ => "sha256",
                    },
                    "Payload delivery",
                ),
                "email" => ("email-src", "Payload delivery"),
                _ => ("target-user", "Targeting data"),
            };
            json!({"type": t, "category": cat, "value": o.value, "to_ids": o.kind != "account",
                   "comment": o.note.clone().unwrap_or_default(), "timestamp": (o.added_at / 1000).to_string()})
        })
        .collect();
    let tlp = canhgac_domain::incident::Tlp::parse(&inc.tlp).map_or("tlp:amber", |t| match t {
        Tlp::Clear => "tlp:clear",
        Tlp::Green => "tlp:green",
        Tlp::Amber => "tlp:amber",
        Tlp::AmberStrict => "tlp:amber+strict",
        Tlp::Red => "tlp:red",
    });
    let date = chrono::DateTime::from_timestamp_millis(inc.detected_at)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    json!({"Event": {
        "info": inc.title, "date": date, "threat_level_id": if inc.gravity == "serious" { "1" } else { "2" },
        "analysis": if inc.stage == "closed" { "2" } else { "1" }, "distribution": "0",
        "Tag": [{"name": tlp}], "Attribute": attrs,
    }})
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\'")
}

/// A stable UUID-shaped id from a name (SHA-256, version nibble 5 as STIX's deterministic ids).
fn uuid_like(name: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

/// The province's response-plan templates, in Vietnamese: (name, category, description,
/// steps as (title, role, hours)).
#[allow(clippy::type_complexity)]
pub const PLAN_TEMPLATES: &[(&str, Category, &str, &[(&str, &str, i64)])] = &[
    (
        "Ứng phó mã độc mã hoá dữ liệu (ransomware)",
        Category::Encryption,
        "Dữ liệu, máy chủ bị mã hoá và đòi tiền chuộc.",
        &[
            ("Cô lập các máy bị mã hoá khỏi mạng (rút cáp, chặn trên tường lửa), không tắt nguồn", "Cán bộ trực, quản trị hệ thống", 1),
            ("Xác định biến thể mã độc, phạm vi lây lan và tài khoản bị chiếm", "Quản trị hệ thống", 4),
            ("Báo cáo ban đầu gửi Sở TTTT và VNCERT/CC (Mẫu 03)", "Lãnh đạo đơn vị", 24),
            ("Thu thập chứng cứ: bản sao bộ nhớ, nhật ký, mẫu mã độc, thư đòi tiền chuộc", "Quản trị hệ thống", 8),
            ("Loại bỏ mã độc, đổi mật khẩu tài khoản quản trị, vá lỗ hổng bị khai thác", "Quản trị hệ thống", 48),
            ("Khôi phục dữ liệu từ bản sao lưu sạch và kiểm tra toàn vẹn", "Quản trị hệ thống", 72),
            ("Báo cáo kết thúc ứng phó (Mẫu 04)", "Lãnh đạo đơn vị", 120),
        ],
    ),
    (
        "Ứng phó tấn công thay đổi giao diện trang thông tin điện tử",
        Category::Defacement,
        "Trang thông tin điện tử bị thay đổi nội dung, chèn nội dung xấu độc.",
        &[
            ("Tạm dừng trang hoặc chuyển sang trang thông báo bảo trì", "Quản trị hệ thống", 1),
            ("Lưu lại bằng chứng: ảnh chụp giao diện, nhật ký truy cập web, tệp bị thay đổi", "Quản trị hệ thống", 4),
            ("Tìm và gỡ webshell, tài khoản lạ; vá lỗ hổng ứng dụng bị khai thác", "Quản trị hệ thống", 24),
            ("Khôi phục mã nguồn và nội dung từ bản sao lưu sạch", "Quản trị hệ thống", 24),
            ("Thông báo Sở TTTT; báo cáo ban đầu nếu trang thuộc cấp độ 3 trở lên", "Lãnh đạo đơn vị", 24),
            ("Theo dõi trang 7 ngày sau khi khôi phục", "Cán bộ trực", 168),
        ],
    ),
    (
        "Ứng phó tấn công từ chối dịch vụ (DDoS)",
        Category::DenialOfService,
        "Dịch vụ bị gián đoạn do lưu lượng tấn công.",
        &[
            ("Xác nhận tấn công qua giám sát lưu lượng, xác định đích và loại tấn công", "Cán bộ trực", 1),
            ("Yêu cầu nhà mạng/ISP lọc lưu lượng hoặc chuyển hướng (blackhole) địa chỉ bị tấn công", "Quản trị mạng", 2),
            ("Chặn nguồn tấn công trên tường lửa, bật giới hạn tốc độ", "Quản trị mạng", 2),
            ("Thông báo Sở TTTT và đơn vị liên quan", "Lãnh đạo đơn vị", 8),
            ("Khôi phục dịch vụ, theo dõi lưu lượng 48 giờ", "Quản trị hệ thống", 48),
        ],
    ),
    (
        "Ứng phó lừa đảo (phishing), chiếm đoạt tài khoản",
        Category::Phishing,
        "Thư lừa đảo, tài khoản thư điện tử hoặc hệ thống bị chiếm đoạt.",
        &[
            ("Khoá tài khoản bị chiếm, buộc đổi mật khẩu, thu hồi phiên đăng nhập", "Quản trị hệ thống", 1),
            ("Thu hồi thư lừa đảo khỏi các hộp thư, chặn người gửi và đường dẫn", "Quản trị thư điện tử", 4),
            ("Rà soát nhật ký đăng nhập, quy tắc chuyển tiếp thư và quyền đã cấp", "Quản trị hệ thống", 24),
            ("Bật xác thực hai yếu tố cho tài khoản bị ảnh hưởng", "Quản trị hệ thống", 48),
            ("Cảnh báo cán bộ trong đơn vị về mẫu thư lừa đảo", "Lãnh đạo đơn vị", 24),
        ],
    ),
    (
        "Ứng phó lộ, lọt dữ liệu",
        Category::DataTheft,
        "Dữ liệu cá nhân, dữ liệu nội bộ bị sao chép hoặc công bố trái phép.",
        &[
            ("Xác định dữ liệu bị lộ, nguồn và thời điểm", "Quản trị hệ thống", 8),
            ("Chặn kênh rò rỉ: tài khoản, dịch vụ chia sẻ, cổng kết nối", "Quản trị hệ thống", 4),
            ("Đề nghị gỡ dữ liệu đã công bố trên mạng", "Lãnh đạo đơn vị", 48),
            ("Báo cáo Sở TTTT; thông báo chủ thể dữ liệu theo quy định về bảo vệ dữ liệu cá nhân", "Lãnh đạo đơn vị", 72),
            ("Rà soát phân quyền và mã hoá dữ liệu nhạy cảm", "Quản trị hệ thống", 120),
        ],
    ),
    (
        "Ứng phó máy tính tham gia mạng Botnet",
        Category::Botnet,
        "Địa chỉ của đơn vị có tên trong danh sách Botnet hoặc kết nối tới máy chủ điều khiển.",
        &[
            ("Xác định máy dùng địa chỉ trong danh sách (NAT, DHCP, nhật ký tường lửa)", "Quản trị mạng", 8),
            ("Cô lập máy, quét mã độc bằng phần mềm phòng chống mã độc tập trung", "Quản trị hệ thống", 24),
            ("Gỡ mã độc, cài lại nếu cần; đổi mật khẩu các tài khoản dùng trên máy", "Quản trị hệ thống", 48),
            ("Chặn địa chỉ máy chủ điều khiển (C2) trên tường lửa", "Quản trị mạng", 8),
            ("Báo cáo kết quả xử lý cho Sở TTTT", "Lãnh đạo đơn vị", 120),
        ],
    ),
];

/// Seeds the province's plan templates when there are none (idempotent).
pub async fn ensure_plans(store: &Store) -> Result<usize, StoreError> {
    let scope = Scope::All;
    let existing = store.list_plans(&scope).await?;
    if existing.iter().any(|p| p.org_id.is_none()) {
        return Ok(0);
    }
    let actor = Actor::system("response-plans");
    for (name, cat, desc, steps) in PLAN_TEMPLATES {
        let steps: Vec<PlanStep> = steps
            .iter()
            .enumerate()
            .map(|(i, (t, r, h))| PlanStep {
                position: i as i64 + 1,
                title: (*t).to_string(),
                role: (*r).to_string(),
                hours: *h,
            })
            .collect();
        store
            .save_plan(&scope, &actor, None, None, None, name, *cat, desc, &steps)
            .await?;
    }
    Ok(PLAN_TEMPLATES.len())
}

/// Copies a plan for an organisation to adapt (its own copy, based on the original).
pub async fn copy_plan(
    store: &Store,
    scope: &Scope,
    actor: &Actor,
    plan_id: i64,
    org_id: i64,
) -> Result<i64, StoreError> {
    let (p, steps) = store
        .plan(scope, plan_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let cat = Category::parse(&p.category).unwrap_or(Category::Other);
    store
        .save_plan(
            scope,
            actor,
            None,
            Some(org_id),
            Some(p.id),
            &p.name,
            cat,
            &p.description,
            &steps,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_uuids() {
        let a = uuid_like("x");
        assert_eq!(a, uuid_like("x"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
        assert_ne!(a, uuid_like("y"));
    }
}
