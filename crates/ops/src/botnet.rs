//! The Botnet IP list loop (M7): a list comes in, its entries are matched to organisations,
//! hosts and systems, each finding becomes a hunting task for the owning organisation, and
//! the next list closes the loop by itself — absent: verified clean; present again: reopened
//! and escalated. Also the retro-hunt over log files.

use crate::work::{Again, TaskOutcome};
use canhgac_domain::signal::{Severity, SignalKind};
use canhgac_domain::time::now_ms;
use canhgac_domain::work::{Proof, WorkKind};
use canhgac_domain::Scope;
use canhgac_intel::list::{parse_list, Problem};
use canhgac_intel::matching::{match_registry, RegisteredHost, RegisteredNet};
use canhgac_intel::scan::{count_lines, scan};
use canhgac_intel::set::IpSet;
use canhgac_store::{
    Actor, BotnetEntryRow, NewBotnetList, NewFinding, NewSignal, NewWorkItem, Store, StoreError,
};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

/// List kinds.
pub const LIST_KINDS: &[(&str, &str, &str)] = &[
    ("botnet", "Botnet", "Botnet"),
    ("c2", "Máy chủ điều khiển (C2)", "Command and control (C2)"),
    ("scanner", "Nguồn dò quét", "Scanner"),
    ("phishing", "Lừa đảo (phishing)", "Phishing"),
    ("other", "Khác", "Other"),
];

/// Days an organisation has to hunt a new finding, and a finding listed again.
pub const HUNT_DAYS_NEW: i64 = 7;
/// See [`HUNT_DAYS_NEW`].
pub const HUNT_DAYS_RECURRING: i64 = 3;

/// What an import did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportReport {
    /// The stored list.
    pub list_id: i64,
    /// Recognised format.
    pub format: String,
    /// Entries.
    pub entries: usize,
    /// Findings on the registry.
    pub findings: usize,
    /// Entries not in the previous list of the same kind.
    pub new: usize,
    /// Entries in both.
    pub recurring: usize,
    /// Entries of the previous list that are gone.
    pub gone: usize,
    /// Hunting tasks created.
    pub tasks_created: usize,
    /// Tasks reopened and escalated (listed again).
    pub tasks_reopened: usize,
    /// Tasks closed as verified clean (absent from this monthly list).
    pub tasks_closed: usize,
    /// Non-fatal remarks (unknown columns).
    pub warnings: Vec<Problem>,
}

/// Why an import did not happen.
#[derive(Debug)]
pub enum ImportError {
    /// The file has problems; nothing was stored.
    Rejected(Vec<Problem>),
    /// The metadata is wrong.
    Invalid(String, String),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

/// The list's description as given by the person importing it.
#[derive(Debug, Clone)]
pub struct ListMeta {
    /// Name; defaults from kind and period.
    pub name: Option<String>,
    /// Source.
    pub source: String,
    /// Kind (see [`LIST_KINDS`]).
    pub kind: String,
    /// `YYYY-MM` (also accepts `MM/YYYY`).
    pub period: String,
    /// monthly or adhoc.
    pub version: String,
}

fn normalise_period(p: &str) -> Option<String> {
    let p = p.trim();
    let (y, m) = if let Some((m, y)) = p.split_once('/') {
        (y, m)
    } else {
        p.split_once('-')?
    };
    let (y, m): (u32, u32) = (y.trim().parse().ok()?, m.trim().parse().ok()?);
    ((2000..=2100).contains(&y) && (1..=12).contains(&m)).then(|| format!("{y:04}-{m:02}"))
}

/// The registry as the matcher needs it. A host address claimed by hosts of two
/// organisations counts only for the claim the directory gives it to (approved, then more
/// specific, then oldest), so one listed address is one organisation's finding.
pub async fn registry(
    store: &Store,
) -> Result<(Vec<RegisteredHost>, Vec<RegisteredNet>), StoreError> {
    let dir = crate::directory::Directory::load(store).await?;
    let hosts = store
        .host_entries()
        .await?
        .into_iter()
        .filter(|h| h.ips.as_deref().is_some_and(|ips| !ips.trim().is_empty()))
        .map(|h| RegisteredHost {
            id: h.id,
            org_id: h.org_id,
            ips: canhgac_domain::net::host_addresses(h.ips.as_deref().unwrap_or_default())
                .filter(|ip| {
                    dir.owner_of(*ip)
                        .is_none_or(|(host, o)| o == h.org_id && host.is_none_or(|x| x == h.id))
                })
                .collect(),
            level: h.level,
        })
        .collect();
    let nets = store
        .network_ranges()
        .await?
        .into_iter()
        .filter_map(|(org_id, cidr)| cidr.parse().ok().map(|net| RegisteredNet { org_id, net }))
        .collect();
    Ok((hosts, nets))
}

/// Imports a list all or nothing, matches it, hands out hunting tasks and closes the loop
/// on the previous ones.
pub async fn import_list(
    store: &Store,
    actor: &Actor,
    meta: &ListMeta,
    bytes: &[u8],
    file_name: Option<&str>,
) -> Result<ImportReport, ImportError> {
    let period = normalise_period(&meta.period).ok_or_else(|| {
        ImportError::Invalid(
            format!(
                "Kỳ '{}' không hợp lệ: dùng MM/YYYY, ví dụ 11/2026",
                meta.period
            ),
            format!(
                "Period '{}' is not valid: use MM/YYYY, e.g. 11/2026",
                meta.period
            ),
        )
    })?;
    if !LIST_KINDS.iter().any(|(k, _, _)| *k == meta.kind) {
        return Err(ImportError::Invalid(
            format!("Loại danh sách '{}' không hợp lệ", meta.kind),
            format!(
                "List kind '{}' is not one of botnet, c2, scanner, phishing, other",
                meta.kind
            ),
        ));
    }
    if meta.version != "monthly" && meta.version != "adhoc" {
        return Err(ImportError::Invalid(
            "Kỳ phát hành phải là hằng tháng hoặc đột xuất".into(),
            "version must be monthly or adhoc".into(),
        ));
    }
    let parsed = parse_list(bytes, file_name);
    if !parsed.errors.is_empty() {
        // At most a hundred problems answered, and how many more there were.
        let (mut shown, more) = crate::limits::bounded(parsed.errors);
        if more > 0 {
            shown.push(Problem {
                row: 0,
                column: String::new(),
                message: format!("… and {more} more problems not listed"),
                message_vi: format!("… và {more} lỗi khác không liệt kê"),
            });
        }
        return Err(ImportError::Rejected(shown));
    }
    if parsed.entries.is_empty() {
        return Err(ImportError::Rejected(vec![Problem {
            row: 0,
            column: String::new(),
            message: "The list has no entries".into(),
            message_vi: "Danh sách không có mục nào".into(),
        }]));
    }
    let format = serde_json::to_value(parsed.format)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let (hosts, nets) = registry(store).await?;
    let dir = crate::directory::Directory::load(store).await?;
    // A listed address inside the ranges of an organisation and of its unit (or of a unit's
    // host) is one organisation's finding: the claim the directory gives it to.
    let found: Vec<_> = match_registry(&parsed.entries, &hosts, &nets)
        .into_iter()
        .filter(|f| match (f.host_id, f.value.parse::<IpAddr>()) {
            (None, Ok(ip)) => dir.owner_of(ip).is_none_or(|(_, org)| org == f.org_id),
            _ => true,
        })
        .collect();
    let prev = store
        .previous_botnet_list(&meta.kind, &period, None)
        .await?;
    let prev_values: HashSet<String> = match &prev {
        Some(p) => store.botnet_values(p.id).await?.into_iter().collect(),
        None => HashSet::new(),
    };
    let mut seen_values = HashSet::new();
    let mut rows = Vec::with_capacity(parsed.entries.len());
    for e in &parsed.entries {
        let value = e.indicator.normalised();
        if !seen_values.insert(value.clone()) {
            continue;
        }
        rows.push(BotnetEntryRow {
            value,
            kind: e.indicator.kind().to_string(),
            malware: e.malware().map(str::to_string),
            seen: e.seen().map(str::to_string),
            context: e.context().map(str::to_string),
            org_hint: e.org_hint().map(str::to_string),
            row_no: e.row as i64,
        });
    }
    let recurring = seen_values
        .iter()
        .filter(|v| prev_values.contains(*v))
        .count();
    let gone = prev_values
        .iter()
        .filter(|v| !seen_values.contains(*v))
        .count();
    let findings: Vec<NewFinding> = found
        .iter()
        .map(|f| NewFinding {
            value: f.value.clone(),
            org_id: f.org_id,
            host_id: f.host_id,
            ip: f.ip.map(|i| i.to_string()),
            network: f.network.clone(),
            level: f.level,
            malware: parsed.entries[f.entry].malware().map(str::to_string),
            recurring: prev_values.contains(&f.value),
        })
        .collect();
    let name = meta
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| {
            let (y, m) = period.split_once('-').unwrap_or(("", ""));
            let kind = LIST_KINDS
                .iter()
                .find(|(k, _, _)| *k == meta.kind)
                .map_or(meta.kind.as_str(), |(_, vi, _)| *vi);
            format!(
                "Danh sách IP {} {}/{y}{}",
                kind,
                m,
                if meta.version == "adhoc" {
                    " (đột xuất)"
                } else {
                    ""
                }
            )
        });
    let list = NewBotnetList {
        name: name.clone(),
        source: meta.source.clone(),
        kind: meta.kind.clone(),
        period: period.clone(),
        version: meta.version.clone(),
        format: format.clone(),
    };
    let (list_id, finding_ids) = store
        .insert_botnet_list(actor, &list, &rows, &findings)
        .await?;
    let mut report = ImportReport {
        list_id,
        format,
        entries: rows.len(),
        findings: findings.len(),
        new: rows.len() - recurring,
        recurring,
        gone,
        warnings: parsed.warnings,
        ..Default::default()
    };

    // One hunting task per (organisation, listed value); a host-level finding names its host.
    let hostnames: HashMap<i64, String> = {
        let mut m = HashMap::new();
        for f in findings.iter().filter_map(|f| f.host_id) {
            if let Some(h) = store
                .get(canhgac_domain::EntityKind::Host, &Scope::All, f)
                .await?
            {
                m.insert(f, h["hostname"].as_str().unwrap_or_default().to_string());
            }
        }
        m
    };
    let mut per_task: BTreeMap<(i64, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        per_task
            .entry((f.org_id, f.value.clone()))
            .or_default()
            .push(i);
    }
    let now = now_ms();
    let day = 86_400_000;
    let system = Actor::system("botnet-list");
    for ((org_id, value), idx) in &per_task {
        let f = &findings[idx[0]];
        let subject = format!("botnet:{}:{value}", meta.kind);
        let note = format!("Vẫn có trong {name}");
        let outcome = crate::work::task_for_subject(
            store,
            &system,
            WorkKind::HuntTask,
            *org_id,
            &subject,
            Again::Reopen {
                proof: Proof::AbsentFromNextList,
                note: &note,
            },
            || {
                let target = f
                    .host_id
                    .and_then(|h| hostnames.get(&h).cloned())
                    .or_else(|| f.network.clone())
                    .unwrap_or_default();
                let malware = f
                    .malware
                    .clone()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default();
                let days = if f.recurring {
                    HUNT_DAYS_RECURRING
                } else {
                    HUNT_DAYS_NEW
                };
                NewWorkItem {
                    kind: WorkKind::HuntTask,
                    title: format!("Săn lùng, bóc gỡ: {value}{malware} — {target}"),
                    org_id: *org_id,
                    host_id: f.host_id,
                    signal_id: None,
                    due_at: Some(now + days * day),
                    detail: json!({"list_id": list_id, "value": value, "malware": f.malware, "network": f.network}),
                    subject: None,
                }
            },
        )
        .await?;
        match outcome {
            TaskOutcome::Created(_) => report.tasks_created += 1,
            TaskOutcome::Reopened(_) => report.tasks_reopened += 1,
            TaskOutcome::Open(_) => {}
        }
        let task_id = outcome.id();
        for i in idx {
            store
                .set_finding_work_item(finding_ids[*i], task_id)
                .await?;
        }
        let sig = NewSignal {
            kind: SignalKind::BotnetFinding,
            source: name.clone(),
            title: format!("{value} có trong {name}"),
            severity: if f.recurring || f.level.is_some_and(|l| l >= 3) {
                Severity::High
            } else {
                Severity::Medium
            },
            org_id: Some(*org_id),
            host_id: f.host_id,
            dedup_key: format!("{subject}:{org_id}"),
            seen_at: now,
            window_ms: 45 * day,
            payload: json!({"list_id": list_id, "value": value, "recurring": f.recurring}),
            host_name: f.host_id.and_then(|h| hostnames.get(&h).cloned()),
            src_ip: None,
        };
        store.raise_signal(&sig).await?;
    }
    // A monthly list is complete: what it no longer lists is verified clean.
    if meta.version == "monthly" {
        let prefix = format!("botnet:{}:", meta.kind);
        for w in crate::work::open_tasks(store, WorkKind::HuntTask, &prefix).await? {
            let value = w
                .subject
                .as_deref()
                .and_then(|s| s.strip_prefix(&prefix))
                .unwrap_or_default();
            if per_task.contains_key(&(w.org_id, value.to_string())) {
                continue;
            }
            let note = format!("Không còn trong {name}: đã xác minh sạch");
            if crate::work::close_by_proof(
                store,
                &system,
                w.id,
                Proof::AbsentFromNextList,
                &note,
                None,
            )
            .await?
            {
                report.tasks_closed += 1;
            }
        }
    }
    Ok(report)
}

/// One listed address found in logs, with counts and where it maps.
#[derive(Debug, Clone, Serialize)]
pub struct RetroHit {
    /// The address.
    pub ip: String,
    /// The list entry it matched.
    pub entry: String,
    /// Lines it appears on.
    pub count: u64,
    /// First file and line.
    pub first: String,
    /// Last file and line.
    pub last: String,
    /// Time stamp of the first line, if the line starts with one.
    pub first_seen: Option<String>,
    /// Time stamp of the last line.
    pub last_seen: Option<String>,
    /// Host it belongs to.
    pub host: Option<String>,
    /// Organisation it belongs to.
    pub org: Option<String>,
}

impl RetroHit {
    /// Counts one sighting of `ip` (matched by list entry `entry`) at `at` (file and line, or
    /// event), seen at `when`: the first sighting makes the hit, later ones move its end.
    fn record(
        hits: &mut BTreeMap<String, RetroHit>,
        ip: IpAddr,
        entry: &ipnet::IpNet,
        at: String,
        when: Option<String>,
    ) {
        let e = hits.entry(ip.to_string()).or_insert_with(|| RetroHit {
            ip: ip.to_string(),
            entry: canhgac_intel::display_net(entry),
            count: 0,
            first: at.clone(),
            last: at.clone(),
            first_seen: when.clone(),
            last_seen: when.clone(),
            host: None,
            org: None,
        });
        e.count += 1;
        e.last = at;
        if when.is_some() {
            e.last_seen = when;
        }
    }
}

/// A leading timestamp of a log line, if any (syslog, ISO 8601, Apache, Zeek epoch).
pub fn line_time(line: &[u8]) -> Option<String> {
    let head = &line[..line.len().min(64)];
    let s = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
    };
    let s = s.split('\n').next().unwrap_or_default();
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|x| x.iter().all(u8::is_ascii_digit))
    };
    // 2026-04-29T10:00:01 or 2026-04-29 10:00:01
    if b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b' ')
        && digits(11..13)
        && b[13] == b':'
    {
        return Some(s[..19].replace('T', " "));
    }
    // Apr 29 10:00:01 (syslog)
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    if b.len() >= 15 && MONTHS.iter().any(|m| s.starts_with(m)) && b[3] == b' ' && b[9] == b':' {
        return Some(s[..15].to_string());
    }
    // 203.0.113.5 - - [29/Apr/2026:10:00:01 +0700] (web access)
    if let Some(i) = s.find('[') {
        if let Some(j) = s[i..].find(']') {
            return Some(s[i + 1..i + j].to_string());
        }
    }
    // Zeek: 1714384801.123456
    if b.len() >= 10 && digits(0..10) && b.get(10).is_none_or(|c| *c == b'.' || *c == b'\t') {
        return Some(s.split(['\t', ' ']).next().unwrap_or_default().to_string());
    }
    None
}

/// Searches log files (plain or gzip) for every address of `set`; each hit is mapped to the
/// registry, but only to hosts and organisations inside the caller's `scope`. `files` are
/// `(name, bytes)`.
pub async fn retro_hunt(
    store: &Store,
    scope: &Scope,
    set: &IpSet,
    files: &[(String, Vec<u8>)],
) -> Result<(Vec<RetroHit>, u64), RetroError> {
    let mut by_ip: BTreeMap<String, RetroHit> = BTreeMap::new();
    let mut lines_total = 0u64;
    for (name, raw) in files {
        // Gzip is inflated as a stream, 4 MiB of whole lines at a time, within the limits.
        let mut line = 1u64;
        let mut last_piece_open = false;
        crate::limits::for_each_piece(name, raw, 4 << 20, |data| {
            let ends = count_lines(data, 0, data.len()) as u64;
            lines_total += ends;
            last_piece_open = !data.is_empty() && !data.ends_with(b"\n");
            let base = line;
            let mut at_line = base;
            let mut last = 0usize;
            scan(set, data, |h| {
                at_line += count_lines(data, last, h.offset) as u64;
                last = h.offset;
                let start = memchr::memrchr(b'\n', &data[..h.offset])
                    .map(|i| i + 1)
                    .unwrap_or(0);
                let when = line_time(&data[start..]);
                RetroHit::record(
                    &mut by_ip,
                    h.ip,
                    &h.entry,
                    format!("{name}:{at_line}"),
                    when,
                );
            });
            line = base + ends;
        })?;
        lines_total += u64::from(last_piece_open);
    }
    let hits = map_hits(store, scope, by_ip).await?;
    Ok((hits, lines_total))
}

/// Why a retro-hunt over uploaded files failed.
#[derive(Debug, thiserror::Error)]
pub enum RetroError {
    /// A file could not be read (not gzip, or a decompression bomb).
    #[error(transparent)]
    File(#[from] crate::limits::InflateError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Searches the events stored since `since_ms` (those the caller's scope allows) for every
/// address of `set`: the message and every field of each event. Returns the hits, mapped like
/// [`retro_hunt`]'s, and how many events were searched. Hits name `event #ID`.
pub async fn retro_hunt_events(
    store: &Store,
    scope: &Scope,
    set: &IpSet,
    since_ms: i64,
) -> Result<(Vec<RetroHit>, u64), StoreError> {
    let mut by_ip: BTreeMap<String, RetroHit> = BTreeMap::new();
    let mut after = 0i64;
    let mut searched = 0u64;
    loop {
        let rows = store.events_after(scope, after, since_ms, 5000).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        // One line per event: its message and its fields.
        let mut text = Vec::new();
        let mut starts = Vec::with_capacity(rows.len());
        for r in &rows {
            starts.push(text.len());
            text.extend_from_slice(r.message.replace('\n', " ").as_bytes());
            text.push(b'\t');
            text.extend_from_slice(r.fields.as_bytes());
            text.push(b'\n');
        }
        searched += rows.len() as u64;
        scan(set, &text, |h| {
            let i = starts.partition_point(|&s| s <= h.offset).saturating_sub(1);
            let r = &rows[i];
            RetroHit::record(
                &mut by_ip,
                h.ip,
                &h.entry,
                format!("event #{}", r.id),
                Some(canhgac_domain::time::fmt_datetime(r.at)),
            );
        });
    }
    let hits = map_hits(store, scope, by_ip).await?;
    Ok((hits, searched))
}

/// Maps each address to the registry through the directory — a host's own address, else an
/// organisation's range, the winning claim among those inside the caller's scope.
async fn map_hits(
    store: &Store,
    scope: &Scope,
    mut by_ip: BTreeMap<String, RetroHit>,
) -> Result<Vec<RetroHit>, StoreError> {
    let dir = crate::directory::Directory::load(store).await?;
    let code_of: HashMap<i64, String> = store
        .org_codes()
        .await?
        .into_iter()
        .map(|(c, i)| (i, c))
        .collect();
    for hit in by_ip.values_mut() {
        let Ok(ip) = hit.ip.parse::<IpAddr>() else {
            continue;
        };
        if let Some((host, org)) = dir.address_in(ip, scope) {
            hit.host = host.and_then(|h| dir.host_name(h)).map(str::to_string);
            hit.org = code_of.get(&org).cloned();
        }
    }
    let mut hits: Vec<RetroHit> = by_ip.into_values().collect();
    hits.sort_by(|a, b| b.count.cmp(&a.count).then(a.ip.cmp(&b.ip)));
    Ok(hits)
}

/// The set of every entry of the given lists (all lists when none given).
pub async fn set_of_lists(store: &Store, ids: &[i64]) -> Result<IpSet, StoreError> {
    let ids: Vec<i64> = if ids.is_empty() {
        store
            .botnet_lists()
            .await?
            .into_iter()
            .map(|l| l.id)
            .collect()
    } else {
        ids.to_vec()
    };
    let mut set = IpSet::new();
    for id in ids {
        for v in store.botnet_values(id).await? {
            if let Some(nets) = canhgac_intel::list::parse_nets(&v) {
                for n in nets {
                    set.insert(n);
                }
            }
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        assert_eq!(normalise_period("11/2026").as_deref(), Some("2026-11"));
        assert_eq!(normalise_period("2026-4").as_deref(), Some("2026-04"));
        assert_eq!(normalise_period("13/2026"), None);
        assert_eq!(normalise_period("tháng 11"), None);
    }

    #[test]
    fn leading_times() {
        assert_eq!(
            line_time(b"Apr 29 10:00:01 fw01 kernel: x").as_deref(),
            Some("Apr 29 10:00:01")
        );
        assert_eq!(
            line_time(b"2026-04-29T10:00:01+07:00 x").as_deref(),
            Some("2026-04-29 10:00:01")
        );
        assert_eq!(
            line_time(b"203.0.113.5 - - [29/Apr/2026:10:00:01 +0700] \"GET /\"").as_deref(),
            Some("29/Apr/2026:10:00:01 +0700")
        );
        assert_eq!(
            line_time(b"1714384801.123456\tCabc\t203.0.113.5").as_deref(),
            Some("1714384801.123456")
        );
        assert_eq!(line_time(b"no time here"), None);
    }
}
