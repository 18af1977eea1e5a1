//! Sigma semantics through the whole engine: modifiers, conditions, filters, correlations, and
//! what is refused with which reason.

use canhgac_detect::{Builder, CorrelationState, Engine, Event, Hit};

/// The events here carry no log source (they test matching, not routing, which
/// `logsource.rs` and the ingest crate's forwarder tests cover), so every rule is tried.
fn engine(files: &[(&str, &str)]) -> Engine {
    let mut b = Builder::new();
    for (name, text) in files {
        b.add_file(name, text);
    }
    b.build().every_rule(true)
}

fn ev(pairs: &[(&str, &str)]) -> Event<'static> {
    let mut e = Event::default();
    for (k, v) in pairs {
        e.push(k.to_string(), v.to_string());
    }
    e
}

fn titles(e: &Engine, ev: &Event) -> Vec<String> {
    let mut s = e.scratch();
    e.detect(&mut s, ev)
        .iter()
        .map(|&r| e.rules()[r as usize].meta.title.clone())
        .collect()
}

const RULES: &str = r#"
title: Keyword
id: 00000000-0000-0000-0000-000000000001
logsource: {product: linux}
detection:
  keywords:
    - 'Accepted password for root'
  condition: keywords
---
title: Null and exists
id: 00000000-0000-0000-0000-000000000002
logsource: {product: windows}
detection:
  sel:
    Image|endswith: '\evil.exe'
    OriginalFileName: null
  present:
    CommandLine|exists: true
  condition: sel and present
---
title: Fieldref cidr numbers
id: 00000000-0000-0000-0000-000000000003
logsource: {product: windows}
detection:
  same:
    User|fieldref: ParentUser
  net:
    DestinationIp|cidr:
      - '10.0.0.0/8'
      - '2001:db8::/32'
  port:
    DestinationPort|gte: 1024
  condition: same and net and port
---
title: Encoded
id: 00000000-0000-0000-0000-000000000004
logsource: {product: windows}
detection:
  sel:
    CommandLine|base64offset|contains: 'IEX (New-Object'
  dash:
    CommandLine|windash|contains: ' -nop '
  condition: sel or dash
---
title: Two of three
id: 00000000-0000-0000-0000-000000000005
logsource: {product: windows}
detection:
  a:
    f: x
  b:
    g: y
  c:
    h: z
  condition: 2 of them
"#;

#[test]
fn modifiers_and_conditions_through_the_engine() {
    let e = engine(&[("r.yml", RULES)]);
    assert!(e.refused().is_empty(), "{:?}", e.refused());
    assert_eq!(
        titles(
            &e,
            &ev(&[(
                "message",
                "sshd[1]: ACCEPTED PASSWORD for root from 1.2.3.4"
            )])
        ),
        ["Keyword"]
    );
    assert_eq!(
        titles(
            &e,
            &ev(&[("Image", "C:\\x\\EVIL.exe"), ("CommandLine", "")])
        ),
        ["Null and exists"]
    );
    assert!(titles(
        &e,
        &ev(&[
            ("Image", "C:\\x\\evil.exe"),
            ("OriginalFileName", "e.exe"),
            ("CommandLine", "a")
        ])
    )
    .is_empty());
    assert!(
        titles(&e, &ev(&[("Image", "C:\\x\\evil.exe")])).is_empty(),
        "exists"
    );
    let net = |ip: &str, port: &str, parent: &str| {
        ev(&[
            ("User", "CORP\\an"),
            ("ParentUser", parent),
            ("DestinationIp", ip),
            ("DestinationPort", port),
        ])
    };
    assert_eq!(
        titles(&e, &net("10.1.2.3", "4444", "corp\\AN")),
        ["Fieldref cidr numbers"]
    );
    assert_eq!(
        titles(&e, &net("2001:db8::7", "1024", "CORP\\an")),
        ["Fieldref cidr numbers"]
    );
    assert!(titles(&e, &net("11.1.2.3", "4444", "CORP\\an")).is_empty());
    assert!(titles(&e, &net("10.1.2.3", "80", "CORP\\an")).is_empty());
    assert!(titles(&e, &net("10.1.2.3", "4444", "CORP\\other")).is_empty());
    // "IEX (New-Object" at offset 1 of a base64 payload.
    assert_eq!(
        titles(
            &e,
            &ev(&[("CommandLine", "powershell -e IElFWCAoTmV3LU9iamVjdCBOZXQu")])
        ),
        ["Encoded"]
    );
    assert_eq!(
        titles(
            &e,
            &ev(&[("CommandLine", "powershell.exe \u{2013}nop -w hidden")])
        ),
        ["Encoded"]
    );
    assert_eq!(titles(&e, &ev(&[("f", "x"), ("h", "z")])), ["Two of three"]);
    assert!(titles(&e, &ev(&[("f", "x")])).is_empty());
}

#[test]
fn filters_apply_to_the_rules_they_name() {
    let rule = "title: Whoami\nid: 11111111-0000-0000-0000-000000000001\nlogsource: {product: windows, category: process_creation}\n\
                detection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel\nlevel: medium\n";
    let filter = "title: Not on admin hosts\nid: 11111111-0000-0000-0000-000000000002\nlogsource: {product: windows}\n\
                  filter:\n  rules:\n    - 11111111-0000-0000-0000-000000000001\n  selection:\n    Computer|startswith: 'ADM-'\n  condition: not selection\n";
    let e = engine(&[("rule.yml", rule), ("filter.yml", filter)]);
    assert!(e.refused().is_empty(), "{:?}", e.refused());
    assert_eq!(e.rules()[0].filters, ["Not on admin hosts"]);
    let w = |host: &str| {
        ev(&[
            ("Image", "C:\\Windows\\System32\\whoami.exe"),
            ("Computer", host),
        ])
    };
    assert_eq!(titles(&e, &w("PC-01")), ["Whoami"]);
    assert!(titles(&e, &w("adm-07")).is_empty());
    let orphan =
        "title: F\nfilter:\n  rules: [nope]\n  selection: {a: b}\n  condition: not selection\n";
    let e = engine(&[("f.yml", orphan)]);
    assert!(e.refused()[0].reason.contains("nope"), "{:?}", e.refused());
}

const BASE: &str = r#"
title: Failed logon
id: 22222222-0000-0000-0000-000000000001
name: failed_logon
logsource: {product: windows, service: security}
detection:
  sel:
    EventID: 4625
  condition: sel
---
title: Successful logon
id: 22222222-0000-0000-0000-000000000002
name: ok_logon
logsource: {product: windows, service: security}
detection:
  sel:
    EventID: 4624
  condition: sel
"#;

fn logon(id: &str, user: &str, ip: &str, t: i64) -> Event<'static> {
    let mut e = ev(&[("EventID", id), ("TargetUserName", user), ("IpAddress", ip)]);
    e.time_ms = Some(t);
    e
}

fn run(e: &Engine, events: &[Event]) -> Vec<(String, Option<u64>)> {
    let mut s = e.scratch();
    let mut st = CorrelationState::default();
    let mut out = Vec::new();
    let mut hits = Vec::new();
    for ev in events {
        hits.clear();
        e.process(&mut s, &mut st, ev, &mut hits);
        for h in &hits {
            let t = e.rules()[h.rule() as usize].meta.title.clone();
            out.push((
                t,
                match h {
                    Hit::Correlation { count, .. } => Some(*count),
                    Hit::Rule(_) => None,
                },
            ));
        }
    }
    out
}

#[test]
fn event_count_with_group_by_and_window() {
    let corr = "title: Brute force\nid: 33333333-0000-0000-0000-000000000001\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {gte: 3}\nlevel: high\n";
    let e = engine(&[("base.yml", BASE), ("corr.yml", corr)]);
    assert!(e.refused().is_empty(), "{:?}", e.refused());
    let min = 60_000;
    let events = [
        logon("4625", "alice", "1.1.1.1", 0),
        logon("4625", "bob", "1.1.1.1", min),
        logon("4625", "alice", "1.1.1.1", 2 * min),
        // alice's first failure is out of the window when the third comes at 6 min.
        logon("4625", "alice", "1.1.1.1", 6 * min),
        logon("4625", "alice", "1.1.1.1", 7 * min),
    ];
    let out = run(&e, &events);
    // generate: false (the default) keeps the base rule's own matches quiet.
    assert_eq!(out, vec![("Brute force".to_string(), Some(3))]);
}

#[test]
fn a_partition_ahead_in_time_does_not_expire_another() {
    // Organisation 2's events run an hour ahead of organisation 1's (a sender's clock, or a
    // batch read ahead): organisation 1's window still counts its own three failures.
    let corr = "title: Brute force\nid: 33333333-0000-0000-0000-000000000010\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {gte: 3}\nlevel: high\n";
    let e = engine(&[("base.yml", BASE), ("corr.yml", corr)]);
    let mut s = e.scratch();
    let mut st = CorrelationState::default();
    let mut hits = Vec::new();
    let hour = 3_600_000;
    let mut fired = Vec::new();
    for i in 0..3i64 {
        hits.clear();
        e.process_in(
            &mut s,
            &mut st,
            1,
            &logon("4625", "alice", "1.1.1.1", i * 1000),
            &mut hits,
        );
        fired.push(!hits.is_empty());
        // Many events of the other organisation, far ahead: enough to run the sweep.
        for k in 0..5000 {
            hits.clear();
            e.process_in(
                &mut s,
                &mut st,
                2,
                &logon("4625", &format!("u{k}"), "2.2.2.2", hour + i * 1000 + k),
                &mut hits,
            );
        }
    }
    assert_eq!(fired, vec![false, false, true]);
}

#[test]
fn correlations_never_mix_partitions() {
    // Two organisations' failures for one user name: neither reaches the threshold alone, so
    // no alert, whatever the other one sends.
    let corr = "title: Brute force\nid: 33333333-0000-0000-0000-000000000009\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {gte: 3}\nlevel: high\n";
    let e = engine(&[("base.yml", BASE), ("corr.yml", corr)]);
    let mut s = e.scratch();
    let mut st = CorrelationState::default();
    let mut hits = Vec::new();
    for (i, org) in [1, 2, 1, 2].into_iter().enumerate() {
        let ev = logon("4625", "alice", "1.1.1.1", i as i64 * 1000);
        e.process_in(&mut s, &mut st, org, &ev, &mut hits);
    }
    assert!(hits.is_empty(), "{hits:?}");
    // The third of one organisation fires, counted from its own events only.
    let ev = logon("4625", "alice", "1.1.1.1", 5000);
    e.process_in(&mut s, &mut st, 2, &ev, &mut hits);
    assert!(
        matches!(hits.as_slice(), [Hit::Correlation { count: 3, .. }]),
        "{hits:?}"
    );
}

#[test]
fn value_count_temporal_and_ordered() {
    let corr = "title: Spray\nid: 44444444-0000-0000-0000-000000000001\ncorrelation:\n  type: value_count\n  rules: [failed_logon]\n  group-by: [IpAddress]\n  timespan: 10m\n  condition: {gte: 3, field: TargetUserName}\n  generate: true\n---\n\
title: Fail then success\nid: 44444444-0000-0000-0000-000000000002\ncorrelation:\n  type: temporal_ordered\n  rules: [failed_logon, ok_logon]\n  group-by: [TargetUserName]\n  timespan: 1m\n---\n\
title: Both seen\nid: 44444444-0000-0000-0000-000000000003\ncorrelation:\n  type: temporal\n  rules: [ok_logon, failed_logon]\n  group-by: [IpAddress]\n  timespan: 1m\n";
    let e = engine(&[("base.yml", BASE), ("corr.yml", corr)]);
    assert!(e.refused().is_empty(), "{:?}", e.refused());
    let s = 1000;
    let out = run(
        &e,
        &[
            logon("4624", "carol", "9.9.9.9", 0),
            logon("4625", "carol", "9.9.9.9", s),
            logon("4625", "dave", "9.9.9.9", 2 * s),
            logon("4625", "dave", "9.9.9.9", 3 * s),
            logon("4625", "erin", "9.9.9.9", 4 * s),
            logon("4624", "erin", "9.9.9.9", 5 * s),
        ],
    );
    let names: Vec<&str> = out.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        names,
        // Successful logon is used only by correlations with generate: false, so its own
        // matches are not reported; Failed logon is also used by Spray (generate: true).
        [
            "Failed logon",
            "Both seen",
            "Failed logon",
            "Failed logon",
            "Failed logon",
            "Spray",
            "Fail then success",
            "Both seen"
        ],
        "{out:?}"
    );
    // Success before failure for carol: not "fail then success".
    assert_eq!(
        out.iter().filter(|(t, _)| t == "Fail then success").count(),
        1
    );
}

#[test]
fn refusals_name_the_problem() {
    let e = engine(&[
        ("bad_yaml.yml", "title: x\ndetection: [\n"),
        (
            "bad_mod.yml",
            "title: M\nlogsource: {product: x}\ndetection:\n  s:\n    a|sometimes: b\n  condition: s\n",
        ),
        (
            "bad_cond.yml",
            "title: C\nlogsource: {product: x}\ndetection:\n  s:\n    a: b\n  condition: s and t\n",
        ),
        (
            "agg.yml",
            "title: A\nlogsource: {product: x}\ndetection:\n  s:\n    a: b\n  condition: s | count() > 5\n",
        ),
        (
            "dup.yml",
            "title: D1\nid: same\nlogsource: {product: x}\ndetection:\n  s: {a: b}\n  condition: s\n---\ntitle: D2\nid: same\nlogsource: {product: x}\ndetection:\n  s: {a: b}\n  condition: s\n",
        ),
    ]);
    let reasons: Vec<String> = e
        .refused()
        .iter()
        .map(|r| format!("{}: {}", r.source, r.reason))
        .collect();
    let all = reasons.join("\n");
    assert_eq!(reasons.len(), 5, "{all}");
    assert!(all.contains("bad_yaml.yml: YAML"), "{all}");
    assert!(
        all.contains("bad_mod.yml: detection.s.a|sometimes: unknown modifier 'sometimes'"),
        "{all}"
    );
    assert!(
        all.contains("bad_cond.yml: condition: no selection named 't'"),
        "{all}"
    );
    assert!(
        all.contains("agg.yml: condition 's | count() > 5': aggregation"),
        "{all}"
    );
    assert!(
        all.contains("dup.yml#2: id same is already used by dup.yml#1"),
        "{all}"
    );
    assert_eq!(e.detection_count(), 1);
}

#[test]
fn an_undone_batch_is_counted_once_when_sent_again() {
    // Two failures counted, then undone (the batch was not stored), then counted again: two,
    // not four, so the third completes "three in five minutes" — and not before.
    let corr = "title: Brute force\nid: 33333333-0000-0000-0000-000000000011\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {gte: 3}\nlevel: high\n";
    let e = engine(&[("base.yml", BASE), ("corr.yml", corr)]);
    let mut s = e.scratch();
    let mut st = CorrelationState::default();
    let mut hits = Vec::new();
    let mut count = |st: &mut CorrelationState, evs: &[Event]| {
        let mut fired = Vec::new();
        for ev in evs {
            hits.clear();
            e.process_in(&mut s, st, 1, ev, &mut hits);
            fired.extend(hits.iter().filter_map(|h| match h {
                Hit::Correlation { count, .. } => Some(*count),
                Hit::Rule(_) => None,
            }));
        }
        fired
    };
    // Bob's window already holds one failure; the batch adds alice's two and bob's second.
    assert!(count(&mut st, &[logon("4625", "bob", "1.1.1.1", 0)]).is_empty());
    let batch = [
        logon("4625", "alice", "1.1.1.1", 1000),
        logon("4625", "alice", "1.1.1.1", 2000),
        logon("4625", "bob", "1.1.1.1", 3000),
    ];
    st.begin();
    assert!(count(&mut st, &batch).is_empty());
    let journal = st.finish();
    assert!(!journal.is_empty());
    st.undo(journal);
    // The same batch again (its retry): nothing fires yet.
    st.begin();
    assert!(count(&mut st, &batch).is_empty());
    let _ = st.finish();
    assert_eq!(
        count(&mut st, &[logon("4625", "alice", "1.1.1.1", 4000)]),
        vec![3]
    );
    assert_eq!(
        count(&mut st, &[logon("4625", "bob", "1.1.1.1", 5000)]),
        vec![3]
    );
}

#[test]
fn undoing_puts_back_groups_swept_during_the_batch() {
    // A batch far ahead in time sweeps alice's open window; undone, the window is back.
    let corr = "title: Brute force\nid: 33333333-0000-0000-0000-000000000012\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {gte: 3}\nlevel: high\n";
    let e = engine(&[("base.yml", BASE), ("corr.yml", corr)]);
    let mut s = e.scratch();
    let mut st = CorrelationState::default();
    let mut hits = Vec::new();
    for t in [0, 1000] {
        e.process_in(
            &mut s,
            &mut st,
            1,
            &logon("4625", "alice", "1.1.1.1", t),
            &mut hits,
        );
    }
    let groups = st.groups();
    st.begin();
    for k in 0..5000 {
        let ev = logon("4625", &format!("u{k}"), "2.2.2.2", 3_600_000 + k);
        e.process_in(&mut s, &mut st, 1, &ev, &mut hits);
    }
    let journal = st.finish();
    st.undo(journal);
    assert_eq!(st.groups(), groups);
    hits.clear();
    e.process_in(
        &mut s,
        &mut st,
        1,
        &logon("4625", "alice", "1.1.1.1", 2000),
        &mut hits,
    );
    assert!(
        matches!(hits.as_slice(), [Hit::Correlation { count: 3, .. }]),
        "{hits:?}"
    );
}
