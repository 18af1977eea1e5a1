//! All rules compiled into one matcher.
//!
//! For every field the rules test, one Aho-Corasick automaton holds every literal some rule
//! *needs* in that field (the longest literal of a `contains`, `startswith`, `endswith`, exact
//! value or wildcard pattern). An event is lower-cased once, each of its values is scanned once by
//! its field's automaton, and only the rules whose needed literal was found — plus the few rules
//! no literal can stand for (negations only, regular expressions, numbers, `exists`…) — are
//! evaluated in full. A rule's needed literals are chosen from its condition: one of the AND-ed
//! parts (the most selective), the union of OR-ed parts; a negation needs nothing.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;

use crate::condition::{self, Cond};
use crate::event::{Event, EventSource};
use crate::logsource;
use crate::rule::{self, CorrelationType, Detection, Document, Level, LogSource, Meta, Selection};
use crate::value::{self, FieldCond, FieldTest, Need, Placeholders};

/// A rule that could not be loaded, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Refused {
    /// File (and document number when the file holds several).
    pub source: String,
    pub id: Option<String>,
    pub title: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Detection,
    Correlation(CorrelationType),
}

/// What is known of a loaded rule.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleInfo {
    pub source: String,
    pub meta: Meta,
    pub logsource: LogSource,
    pub kind: RuleKind,
    /// Whether a match is reported by itself (false for rules only a correlation uses).
    pub reported: bool,
    /// Filters applied to it (their titles).
    pub filters: Vec<String>,
}

#[derive(Debug)]
enum FieldKey {
    Id(u32),
    Any,
}

#[derive(Debug)]
struct CField {
    key: FieldKey,
    cond: FieldCond,
}

/// Per selection: an OR of AND-ed field conditions.
type Selections = Vec<Vec<Vec<CField>>>;

#[derive(Debug)]
struct CRule {
    sels: Selections,
    cond: Cond,
}

struct Prefilter {
    ac: AhoCorasick,
    /// Per pattern: the (rule, clause) it satisfies.
    pat_rules: Vec<Vec<(u32, u8)>>,
}

const MAX_CLAUSES: usize = 4;

const ANY_FIELD: u32 = u32::MAX;

/// (rule, clause) pairs a literal satisfies.
type Satisfies = Vec<(u32, u8)>;
/// Exact lower-cased values of one field → what they satisfy.
type ExactIndex = FxHashMap<Box<str>, Satisfies>;

struct CCorrelation {
    kind: CorrelationType,
    /// Detection rule indices, in the order given.
    rules: Vec<u32>,
    /// Per group-by name: per correlated rule, the field to read.
    group_fields: Vec<Vec<String>>,
    timespan_ms: i64,
    condition: Option<(rule::CmpOp, f64)>,
    /// value_count: per correlated rule, the field counted.
    value_fields: Vec<String>,
}

/// A loaded, compiled rule set.
pub struct Engine {
    infos: Vec<RuleInfo>,
    rules: Vec<CRule>,
    correlations: Vec<CCorrelation>,
    /// For each detection rule: the correlations (by index) that use it.
    rule_correlations: Vec<Vec<u32>>,
    refused: Vec<Refused>,
    fields: FxHashMap<Box<str>, u32>,
    /// Per field: one automaton over every literal some rule needs in that field.
    field_ac: Vec<Option<Prefilter>>,
    /// Literals keywords need (searched in every value), with the (rule, clause) each
    /// satisfies. Each log source gets an automaton of the literals its rules need.
    any_pats: Vec<(String, Vec<(u32, u8)>)>,
    /// Per log source seen: which rules apply, and its keyword automaton (shared by every
    /// thread's scratch; built on first sight).
    ls_shared: RwLock<FxHashMap<EventSource, Arc<LsInfo>>>,
    /// Test every rule on every event, whatever its log source (see [`Engine::every_rule`]).
    every_rule: bool,
    /// Per field: exact (lower-cased) values → (rule, clause) that need that value.
    field_eq: Vec<Option<ExactIndex>>,
    /// Per rule: the bits of every prefilter clause; a rule is a candidate once all are met.
    full_mask: Vec<u32>,
    /// Per rule: the fields its prefilter keys are in (to skip fields no applicable rule needs).
    rule_fields: Vec<Vec<u32>>,
    /// Rules evaluated on every event of their log source.
    always: Vec<u32>,
    uses_any: Vec<bool>,
}

/// Collects rule files, then compiles them.
#[derive(Default)]
pub struct Builder {
    docs: Vec<(String, Document)>,
    refused: Vec<Refused>,
    placeholders: Placeholders,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Values for `%name%` placeholders used with `expand`.
    pub fn placeholders(&mut self, p: Placeholders) -> &mut Self {
        self.placeholders = p;
        self
    }

    /// Adds one rule file (its YAML text). Documents that cannot be read are refused with the
    /// reason; the others are kept.
    pub fn add_file(&mut self, source: &str, text: &str) {
        match rule::parse_file(text) {
            Err(e) => self.refused.push(Refused {
                source: source.to_string(),
                id: None,
                title: None,
                reason: e.to_string(),
            }),
            Ok(docs) => {
                let many = docs.len() > 1;
                for (i, d) in docs.into_iter().enumerate() {
                    let src = if many {
                        format!("{source}#{}", i + 1)
                    } else {
                        source.to_string()
                    };
                    match d {
                        Ok(doc) => self.docs.push((src, doc)),
                        Err(reason) => self.refused.push(Refused {
                            source: src,
                            id: None,
                            title: first_title(text, i),
                            reason: reason.to_string(),
                        }),
                    }
                }
            }
        }
    }

    /// How many documents were read so far (loaded or refused).
    pub fn len(&self) -> usize {
        self.docs.len() + self.refused.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Compiles everything added. Rules that do not compile are refused with the reason.
    pub fn build(self) -> Engine {
        compile(self)
    }
}

fn first_title(text: &str, doc: usize) -> Option<String> {
    text.split("\n---")
        .nth(doc)?
        .lines()
        .find_map(|l| l.strip_prefix("title:"))
        .map(|t| t.trim().trim_matches(['\'', '"']).to_string())
}

fn compile_selections(
    det: &Detection,
    ph: &Placeholders,
    fields: &mut FxHashMap<Box<str>, u32>,
) -> Result<(Selections, Cond), String> {
    let mut sels = Vec::new();
    for (name, sel) in &det.selections {
        let maps = match sel {
            Selection::Maps(maps) => {
                let mut out = Vec::new();
                for m in maps {
                    let mut and = Vec::new();
                    for item in m {
                        let cond = value::compile_item(item, ph)
                            .map_err(|e| format!("detection.{name}.{e}"))?;
                        and.push(field_of(cond, fields));
                    }
                    out.push(and);
                }
                out
            }
            Selection::Keywords(kws) => {
                let mut out = Vec::new();
                for k in kws {
                    let cond = value::keyword(k).map_err(|e| format!("detection.{name}: {e}"))?;
                    out.push(vec![field_of(cond, fields)]);
                }
                out
            }
        };
        sels.push(maps);
    }
    let names: Vec<String> = det.selections.iter().map(|(n, _)| n.clone()).collect();
    let mut alts = Vec::new();
    for c in &det.conditions {
        alts.push(condition::parse(c, &names).map_err(|e| e.to_string())?);
    }
    let cond = if alts.len() == 1 {
        alts.remove(0)
    } else {
        Cond::Or(alts)
    };
    Ok((sels, cond))
}

fn field_of(cond: FieldCond, fields: &mut FxHashMap<Box<str>, u32>) -> CField {
    // Fields named only as `fieldref` targets must be collected from events too.
    for t in &cond.tests {
        if let FieldTest::Any(ms) = t {
            for m in ms {
                if let value::Matcher::FieldRef { field, .. } = m {
                    let n = fields.len() as u32;
                    fields.entry(field.as_str().into()).or_insert(n);
                }
            }
        }
    }
    let key = if cond.field.is_empty() {
        FieldKey::Any
    } else {
        let n = fields.len() as u32;
        FieldKey::Id(*fields.entry(cond.field.as_str().into()).or_insert(n))
    };
    CField { key, cond }
}

fn shift(c: &Cond, by: usize) -> Cond {
    match c {
        Cond::Sel(i) => Cond::Sel(i + by),
        Cond::And(v) => Cond::And(v.iter().map(|x| shift(x, by)).collect()),
        Cond::Or(v) => Cond::Or(v.iter().map(|x| shift(x, by)).collect()),
        Cond::Not(x) => Cond::Not(Box::new(shift(x, by))),
        Cond::AtLeast(n, v) => Cond::AtLeast(*n, v.iter().map(|x| shift(x, by)).collect()),
        Cond::Const(b) => Cond::Const(*b),
    }
}

fn compile(b: Builder) -> Engine {
    let Builder {
        docs,
        mut refused,
        placeholders,
    } = b;
    let mut fields: FxHashMap<Box<str>, u32> = FxHashMap::default();
    let mut infos = Vec::new();
    let mut rules = Vec::new();
    let mut correlations_docs = Vec::new();
    let mut filters = Vec::new();
    let mut seen_ids: FxHashMap<String, String> = FxHashMap::default();
    let refuse = |refused: &mut Vec<Refused>, src: &str, meta: &Meta, reason: String| {
        refused.push(Refused {
            source: src.to_string(),
            id: meta.id.clone(),
            title: Some(meta.title.clone()),
            reason,
        })
    };
    for (src, doc) in docs {
        let meta = match &doc {
            Document::Rule(r) => &r.meta,
            Document::Correlation(c) => &c.meta,
            Document::Filter(f) => &f.meta,
        };
        if let Some(id) = &meta.id {
            if let Some(first) = seen_ids.get(id) {
                let reason = format!("id {id} is already used by {first}");
                refuse(&mut refused, &src, meta, reason);
                continue;
            }
            seen_ids.insert(id.clone(), src.clone());
        }
        match doc {
            Document::Rule(r) => match compile_selections(&r.detection, &placeholders, &mut fields)
            {
                Ok((sels, cond)) => {
                    infos.push(RuleInfo {
                        source: src,
                        meta: r.meta,
                        logsource: r.logsource,
                        kind: RuleKind::Detection,
                        reported: true,
                        filters: Vec::new(),
                    });
                    rules.push(CRule { sels, cond });
                }
                Err(e) => refuse(&mut refused, &src, &r.meta, e),
            },
            Document::Correlation(c) => correlations_docs.push((src, c)),
            Document::Filter(f) => filters.push((src, f)),
        }
    }

    let find_rule = |infos: &[RuleInfo], key: &str| -> Option<usize> {
        infos.iter().position(|i| {
            i.kind == RuleKind::Detection
                && (i.meta.id.as_deref() == Some(key) || i.meta.name.as_deref() == Some(key))
        })
    };

    // Filters: AND-ed into the rules they name (or every rule of a compatible log source).
    for (src, f) in filters {
        let targets: Vec<usize> = if f.rules.is_empty() {
            (0..rules.len())
                .filter(|&i| logsource::rule_within(&infos[i].logsource, &f.logsource))
                .collect()
        } else {
            let mut t = Vec::new();
            let mut missing = Vec::new();
            for r in &f.rules {
                match find_rule(&infos, r) {
                    Some(i) => t.push(i),
                    None => missing.push(r.clone()),
                }
            }
            if !missing.is_empty() {
                let reason = format!(
                    "filter names rules that are not loaded: {}",
                    missing.join(", ")
                );
                refuse(&mut refused, &src, &f.meta, reason);
                continue;
            }
            t
        };
        let compiled = compile_selections(&f.detection, &placeholders, &mut fields);
        let (fsels, fcond) = match compiled {
            Ok(x) => x,
            Err(e) => {
                refuse(&mut refused, &src, &f.meta, e);
                continue;
            }
        };
        for t in targets {
            // Recompile the filter's selections for each rule (they are small) so every rule
            // owns its selections.
            let Ok((sels, _)) = compile_selections(&f.detection, &placeholders, &mut fields) else {
                continue;
            };
            let rule = &mut rules[t];
            let offset = rule.sels.len();
            rule.sels.extend(sels);
            let orig = std::mem::replace(&mut rule.cond, Cond::Const(false));
            rule.cond = Cond::And(vec![orig, shift(&fcond, offset)]);
            infos[t].filters.push(f.meta.title.clone());
        }
        drop(fsels);
    }

    // Correlations.
    let mut correlations = Vec::new();
    let mut rule_correlations: Vec<Vec<u32>> = vec![Vec::new(); rules.len()];
    let mut generate = vec![false; rules.len()];
    let mut used = vec![false; rules.len()];
    for (src, c) in correlations_docs {
        let mut idx = Vec::new();
        let mut missing = Vec::new();
        for r in &c.rules {
            match find_rule(&infos, r) {
                Some(i) => idx.push(i as u32),
                None => missing.push(r.clone()),
            }
        }
        if !missing.is_empty() {
            let reason = format!(
                "correlation names rules that are not loaded (or are themselves correlations, which are not chained): {}",
                missing.join(", ")
            );
            refuse(&mut refused, &src, &c.meta, reason);
            continue;
        }
        let alias_for = |name: &str, rule: u32| -> String {
            let info = &infos[rule as usize];
            for (alias, per_rule) in &c.aliases {
                if alias == name {
                    for (r, f) in per_rule {
                        if info.meta.id.as_deref() == Some(r.as_str())
                            || info.meta.name.as_deref() == Some(r.as_str())
                        {
                            return f.clone();
                        }
                    }
                }
            }
            name.to_string()
        };
        let group_fields = c
            .group_by
            .iter()
            .map(|g| idx.iter().map(|&r| alias_for(g, r)).collect())
            .collect();
        let value_fields = match &c.field {
            Some(f) => idx.iter().map(|&r| alias_for(f, r)).collect(),
            None => Vec::new(),
        };
        let ci = correlations.len() as u32;
        for &r in &idx {
            rule_correlations[r as usize].push(ci);
            used[r as usize] = true;
            generate[r as usize] |= c.generate;
        }
        correlations.push(CCorrelation {
            kind: c.kind,
            rules: idx,
            group_fields,
            timespan_ms: c.timespan_ms,
            condition: c.condition,
            value_fields,
        });
        infos.push(RuleInfo {
            source: src,
            meta: c.meta,
            logsource: LogSource::default(),
            kind: RuleKind::Correlation(c.kind),
            reported: true,
            filters: Vec::new(),
        });
    }
    for i in 0..rules.len() {
        if used[i] && !generate[i] {
            infos[i].reported = false;
        }
    }

    // Prefilters.
    let nfields = fields.len();
    let mut field_pats: Vec<FxHashMap<String, Satisfies>> = vec![FxHashMap::default(); nfields];
    let mut any_pats: FxHashMap<String, Satisfies> = FxHashMap::default();
    let mut eq_pats: Vec<ExactIndex> = vec![FxHashMap::default(); nfields];
    let mut full_mask = vec![0u32; rules.len()];
    let mut rule_fields = vec![Vec::new(); rules.len()];
    let mut always = Vec::new();
    let mut uses_any = vec![false; rules.len()];
    for (ri, r) in rules.iter().enumerate() {
        uses_any[ri] = r
            .sels
            .iter()
            .flatten()
            .flatten()
            .any(|f| matches!(f.key, FieldKey::Any));
        let mut cnf = triggers(&r.cond, &r.sels);
        // The most selective clauses, at most MAX_CLAUSES (each must be met, so any subset is
        // sound; more clauses make the automata bigger than the evaluations they save).
        cnf.sort_by_key(clause_cost);
        // Past the first, a clause with a literal of one or two characters (`:`, `-`) is hit by
        // nearly every event: it costs more in automaton matches than it saves.
        let mut first = true;
        cnf.retain(|c| {
            let keep = first || c.iter().all(|(_, n)| literal_cost(n) <= 4);
            first = false;
            keep
        });
        cnf.truncate(MAX_CLAUSES);
        if cnf.is_empty() {
            always.push(ri as u32);
            continue;
        }
        full_mask[ri] = (1u32 << cnf.len()) - 1;
        for (ci, clause) in cnf.into_iter().enumerate() {
            let entry = (ri as u32, ci as u8);
            for (key, need) in clause {
                if let TrigKey::Field(f) = key {
                    if !rule_fields[ri].contains(&f) {
                        rule_fields[ri].push(f);
                    }
                }
                let v = match (key, need) {
                    (TrigKey::Field(f), Need::Exact(lit)) => {
                        eq_pats[f as usize].entry(lit.into()).or_default()
                    }
                    (TrigKey::Field(f), Need::Contains(lit)) => {
                        field_pats[f as usize].entry(lit).or_default()
                    }
                    (TrigKey::Any, Need::Contains(lit) | Need::Exact(lit)) => {
                        any_pats.entry(lit).or_default()
                    }
                };
                if !v.contains(&entry) {
                    v.push(entry);
                }
            }
        }
    }
    let field_ac = field_pats.into_iter().map(build_prefilter).collect();
    let mut any_pats: Vec<(String, Satisfies)> = any_pats.into_iter().collect();
    any_pats.sort_unstable();
    let field_eq = eq_pats
        .into_iter()
        .map(|m| (!m.is_empty()).then_some(m))
        .collect();
    Engine {
        infos,
        rules,
        correlations,
        rule_correlations,
        refused,
        fields,
        field_ac,
        field_eq,
        any_pats,
        ls_shared: RwLock::default(),
        every_rule: false,
        rule_fields,
        full_mask,
        always,
        uses_any,
    }
}

fn build_prefilter(pats: FxHashMap<String, Satisfies>) -> Option<Prefilter> {
    if pats.is_empty() {
        return None;
    }
    let mut lits = Vec::with_capacity(pats.len());
    let mut pat_rules = Vec::with_capacity(pats.len());
    for (lit, rules) in pats {
        lits.push(lit);
        pat_rules.push(rules);
    }
    // Large sets (thousands of command-line literals, hash IOCs) as a contiguous NFA: a DFA
    // of tens of megabytes costs more in cache misses and build time than it saves.
    let kind = if lits.len() > 500 {
        AhoCorasickKind::ContiguousNFA
    } else {
        AhoCorasickKind::DFA
    };
    let ac = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(Some(kind))
        .build(&lits)
        .or_else(|_| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&lits)
        })
        .ok()?;
    Some(Prefilter { ac, pat_rules })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TrigKey {
    Field(u32),
    Any,
}

/// One clause: the event must hold at least one of these literals. A rule's prefilter is a
/// conjunction of clauses (CNF); an empty conjunction means nothing can be said.
type Clause = Vec<(TrigKey, Need)>;

fn literal_cost(n: &Need) -> u32 {
    match n {
        // An exact value is looked up, not searched: cheap and selective.
        Need::Exact(_) => 2,
        Need::Contains(l) => match l.len() {
            0 => 1000,
            1 => 64,
            2 => 16,
            3 => 4,
            4 | 5 => 2,
            _ => 1,
        },
    }
}

/// Lower is better: a few long literals beat many short ones.
fn clause_cost(c: &Clause) -> u32 {
    c.iter().map(|(_, n)| literal_cost(n)).sum()
}

/// OR of sub-conditions: sound as one clause, the union of each part's best clause; nothing
/// can be said if any part is unconstrained.
fn or_cnf(parts: Vec<Vec<Clause>>) -> Vec<Clause> {
    let mut union: Clause = Vec::new();
    for mut p in parts {
        if p.is_empty() {
            return Vec::new();
        }
        p.sort_by_key(clause_cost);
        union.extend(p.swap_remove(0));
    }
    vec![union]
}

fn field_triggers(f: &CField) -> Vec<Clause> {
    let key = match f.key {
        FieldKey::Id(i) => TrigKey::Field(i),
        FieldKey::Any => TrigKey::Any,
    };
    let per_test: Vec<Option<Clause>> = f
        .cond
        .tests
        .iter()
        .map(|t| match t {
            FieldTest::Any(ms) => {
                let mut lits = Vec::new();
                for m in ms {
                    lits.extend(value::required_literals(m)?.into_iter().map(|n| (key, n)));
                }
                Some(lits)
            }
            FieldTest::Null | FieldTest::Exists(_) => None,
        })
        .collect();
    if f.cond.all {
        // Every value must be there: one clause each (those that can be said).
        per_test.into_iter().flatten().collect()
    } else {
        let mut union = Vec::new();
        for t in per_test {
            match t {
                Some(c) => union.extend(c),
                None => return Vec::new(),
            }
        }
        vec![union]
    }
}

fn triggers(c: &Cond, sels: &[Vec<Vec<CField>>]) -> Vec<Clause> {
    match c {
        Cond::Sel(i) => or_cnf(
            sels[*i]
                .iter()
                .map(|and| and.iter().flat_map(field_triggers).collect())
                .collect(),
        ),
        Cond::And(v) => v.iter().flat_map(|x| triggers(x, sels)).collect(),
        Cond::AtLeast(n, v) if *n >= v.len() => v.iter().flat_map(|x| triggers(x, sels)).collect(),
        Cond::Or(v) | Cond::AtLeast(_, v) => or_cnf(v.iter().map(|x| triggers(x, sels)).collect()),
        Cond::Not(_) | Cond::Const(true) => Vec::new(),
        // Never true: a clause no literal can meet.
        Cond::Const(false) => vec![Vec::new()],
    }
}

const NONE: u32 = u32::MAX;
/// In a rule's clause mask: already queued for evaluation in this event.
const QUEUED: u32 = 1 << 31;

/// Records prefilter hits: a rule becomes a candidate once every one of its clauses is hit.
struct Marker<'a> {
    gen: u32,
    full: &'a [u32],
    applicable: &'a [bool],
    stamp: &'a mut [u32],
    mask: &'a mut [u32],
    cand: &'a mut Vec<u32>,
}

impl Marker<'_> {
    /// Clause `c` of rule `r` is met, for each `(r, c)`.
    #[inline]
    fn mark_all(&mut self, hits: &[(u32, u8)]) {
        for &(r, c) in hits {
            let ri = r as usize;
            if !self.applicable[ri] {
                continue;
            }
            if self.stamp[ri] != self.gen {
                self.stamp[ri] = self.gen;
                self.mask[ri] = 0;
            }
            let m = self.mask[ri];
            if m & QUEUED != 0 {
                continue;
            }
            let m = m | (1 << c);
            if m == self.full[ri] {
                self.mask[ri] = m | QUEUED;
                self.cand.push(r);
            } else {
                self.mask[ri] = m;
            }
        }
    }
}

struct Val {
    ev_idx: u32,
    /// Field id, or ANY_FIELD when no rule names the field.
    field: u32,
    lo: u32,
    hi: u32,
    next: u32,
}

struct LsInfo {
    applicable: Vec<bool>,
    always: Vec<u32>,
    any_scan: bool,
    /// The keyword literals of the rules that apply, as an automaton…
    any_ac: Option<Prefilter>,
    /// …and in a SIMD (Teddy) searcher when few enough: most events hold none of them, and
    /// this says so at memory speed before the automaton is run.
    any_packed: Option<aho_corasick::packed::Searcher>,
    /// Per field: whether some applicable rule has a prefilter key in it.
    scan_field: Vec<bool>,
}

/// Per-thread working memory, reused from event to event.
#[derive(Default)]
pub struct Scratch {
    gen: u32,
    slot_gen: Vec<u32>,
    slot_head: Vec<u32>,
    vals: Vec<Val>,
    lower: String,
    rule_stamp: Vec<u32>,
    /// Per rule: clauses met so far in this event (valid when its stamp is this event's).
    rule_mask: Vec<u32>,
    cand: Vec<u32>,
    ls_cache: FxHashMap<EventSource, Arc<LsInfo>>,
    matched: Vec<u32>,
    /// Rules evaluated in full so far (candidates from the prefilter plus unfiltered rules).
    pub evaluated: u64,
    /// Prefilter hits so far.
    pub prefilter_hits: u64,
}

impl Engine {
    /// Every loaded rule (detections first, then correlations) with its metadata.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.infos
    }

    /// Rules that could not be loaded, and why.
    pub fn refused(&self) -> &[Refused] {
        &self.refused
    }

    pub fn detection_count(&self) -> usize {
        self.rules.len()
    }

    pub fn correlation_count(&self) -> usize {
        self.correlations.len()
    }

    /// The longest window of the correlation rules (0 when there are none): how far back events
    /// must be seen again to rebuild their counts.
    pub fn longest_timespan_ms(&self) -> i64 {
        self.correlations
            .iter()
            .map(|c| c.timespan_ms)
            .max()
            .unwrap_or(0)
    }

    /// Rules that are evaluated on every event of their log source (no literal stands for them).
    pub fn unfiltered_count(&self) -> usize {
        self.always.len()
    }

    /// Per field with a prefilter: (field, literals, bytes of automaton), largest first.
    pub fn prefilter_sizes(&self) -> Vec<(String, usize, usize)> {
        let mut names: Vec<(&str, u32)> =
            self.fields.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
        names.sort_by_key(|x| x.1);
        let mut out: Vec<(String, usize, usize)> = names
            .iter()
            .filter_map(|(n, f)| {
                let pf = self.field_ac[*f as usize].as_ref()?;
                Some((n.to_string(), pf.pat_rules.len(), pf.ac.memory_usage()))
            })
            .collect();
        out.sort_by_key(|x| std::cmp::Reverse(x.2));
        out
    }

    /// Tests every rule on every event, whatever the log sources say — as engines without
    /// log-source routing do (for comparing with them; never for monitoring, where a rule of
    /// one product must not fire on another's events).
    pub fn every_rule(mut self, on: bool) -> Self {
        self.every_rule = on;
        if let Ok(mut m) = self.ls_shared.write() {
            m.clear();
        }
        self
    }

    /// The rules that are evaluated on every event of their log source.
    pub fn unfiltered(&self) -> &[u32] {
        &self.always
    }

    pub fn scratch(&self) -> Scratch {
        Scratch::default()
    }

    /// What the engine knows of a log source, built on first sight and shared.
    fn shared_ls_info(&self, src: &EventSource) -> Arc<LsInfo> {
        if let Some(i) = self.ls_shared.read().ok().and_then(|m| m.get(src).cloned()) {
            return i;
        }
        let info = Arc::new(self.ls_info(src));
        if let Ok(mut m) = self.ls_shared.write() {
            return m.entry(src.clone()).or_insert(info).clone();
        }
        info
    }

    fn ls_info(&self, src: &EventSource) -> LsInfo {
        let applicable: Vec<bool> = (0..self.rules.len())
            .map(|i| self.every_rule || logsource::applies(&self.infos[i].logsource, src))
            .collect();
        let always = self
            .always
            .iter()
            .copied()
            .filter(|&r| applicable[r as usize])
            .collect();
        let any_scan = (0..self.rules.len()).any(|i| applicable[i] && self.uses_any[i]);
        let mut scan_field = vec![false; self.fields.len()];
        for (i, fs) in self.rule_fields.iter().enumerate() {
            if applicable[i] {
                for &f in fs {
                    scan_field[f as usize] = true;
                }
            }
        }
        // Keyword literals of the rules that apply here only.
        let mut any_pats: FxHashMap<String, Satisfies> = FxHashMap::default();
        for (lit, sat) in &self.any_pats {
            let here: Satisfies = sat
                .iter()
                .copied()
                .filter(|&(r, _)| applicable[r as usize])
                .collect();
            if !here.is_empty() {
                any_pats.insert(lit.clone(), here);
            }
        }
        let any_packed = (!any_pats.is_empty() && any_pats.len() <= 64)
            .then(|| aho_corasick::packed::Searcher::new(any_pats.keys()))
            .flatten();
        LsInfo {
            applicable,
            always,
            any_scan,
            any_ac: build_prefilter(any_pats),
            any_packed,
            scan_field,
        }
    }

    /// The detection rules (indices into [`Engine::rules`]) that match the event, ascending.
    pub fn detect<'s>(&self, s: &'s mut Scratch, ev: &Event) -> &'s [u32] {
        s.gen = s.gen.wrapping_add(1);
        if s.gen == 0 {
            s.slot_gen.iter_mut().for_each(|g| *g = 0);
            s.rule_stamp.iter_mut().for_each(|g| *g = 0);
            s.gen = 1;
        }
        let gen = s.gen;
        if s.slot_gen.len() < self.fields.len() {
            s.slot_gen.resize(self.fields.len(), 0);
            s.slot_head.resize(self.fields.len(), NONE);
        }
        if s.rule_stamp.len() < self.rules.len() {
            s.rule_stamp.resize(self.rules.len(), 0);
            s.rule_mask.resize(self.rules.len(), 0);
        }
        s.vals.clear();
        s.lower.clear();
        s.cand.clear();
        s.matched.clear();
        if !s.ls_cache.contains_key(&ev.source) {
            let info = self.shared_ls_info(&ev.source);
            s.ls_cache.insert(ev.source.clone(), info);
        }
        let Scratch {
            slot_gen,
            slot_head,
            vals,
            lower,
            rule_stamp,
            rule_mask,
            cand,
            ls_cache,
            matched,
            evaluated,
            prefilter_hits,
            ..
        } = s;
        let Some(ls) = ls_cache.get(&ev.source) else {
            return &[];
        };

        // Values of the fields rules name (and of every field when keyword rules apply),
        // lower-cased once into one buffer.
        for (i, (k, v)) in ev.fields.iter().enumerate() {
            let fid = self.fields.get(k.as_ref()).copied();
            if fid.is_none() && !ls.any_scan {
                continue;
            }
            let lo = lower.len() as u32;
            value::lower_into(v, lower);
            let hi = lower.len() as u32;
            // A NUL between values: no literal can span two of them.
            lower.push('\0');
            let vi = vals.len() as u32;
            let mut next = NONE;
            if let Some(f) = fid {
                let f = f as usize;
                if slot_gen[f] == gen {
                    next = slot_head[f];
                }
                slot_gen[f] = gen;
                slot_head[f] = vi;
            }
            vals.push(Val {
                ev_idx: i as u32,
                field: fid.unwrap_or(ANY_FIELD),
                lo,
                hi,
                next,
            });
        }
        let mut marker = Marker {
            gen,
            full: &self.full_mask,
            applicable: &ls.applicable,
            stamp: &mut rule_stamp[..],
            mask: &mut rule_mask[..],
            cand: &mut *cand,
        };
        // Each value once through its field's automaton; keyword literals through every value.
        for v in vals.iter() {
            let text = &lower[v.lo as usize..v.hi as usize];
            let f = v.field as usize;
            let scan = v.field != ANY_FIELD && ls.scan_field[f];
            if scan {
                if let Some(rules) = self.field_eq[f].as_ref().and_then(|eq| eq.get(text)) {
                    marker.mark_all(rules);
                }
            }
            let pf = if scan {
                self.field_ac[f].as_ref()
            } else {
                None
            };
            if let Some(pf) = pf {
                for m in pf.ac.find_overlapping_iter(text) {
                    *prefilter_hits += 1;
                    marker.mark_all(&pf.pat_rules[m.pattern().as_usize()]);
                }
            }
        }
        // Keywords search every value: one pass over all of them at once.
        let any_here = ls.any_scan
            && ls
                .any_packed
                .as_ref()
                .is_none_or(|p| p.find(lower.as_bytes()).is_some());
        if any_here {
            if let Some(pf) = &ls.any_ac {
                for m in pf.ac.find_overlapping_iter(lower.as_str()) {
                    *prefilter_hits += 1;
                    marker.mark_all(&pf.pat_rules[m.pattern().as_usize()]);
                }
            }
        }
        let view = View {
            engine: self,
            ev,
            gen,
            slot_gen,
            slot_head,
            vals,
            lower,
        };
        *evaluated += (ls.always.len() + cand.len()) as u64;
        for &r in ls.always.iter().chain(cand.iter()) {
            let rule = &self.rules[r as usize];
            if view.cond(&rule.cond, &rule.sels) {
                matched.push(r);
            }
        }
        matched.sort_unstable();
        matched.dedup();
        matched
    }

    /// Detections and correlations for one event: what should be reported.
    pub fn process(
        &self,
        s: &mut Scratch,
        state: &mut CorrelationState,
        ev: &Event,
        out: &mut Vec<Hit>,
    ) {
        self.process_in(s, state, 0, ev, out)
    }

    /// Like [`Engine::process`], with correlations counted apart per `partition` (the owning
    /// organisation, in the server): events of two partitions never meet in one group, so one
    /// tenant's events can neither complete nor observe another's correlation.
    pub fn process_in(
        &self,
        s: &mut Scratch,
        state: &mut CorrelationState,
        partition: i64,
        ev: &Event,
        out: &mut Vec<Hit>,
    ) {
        let matched = self.detect(s, ev);
        for &r in matched {
            if self.infos[r as usize].reported {
                out.push(Hit::Rule(r));
            }
            for &c in &self.rule_correlations[r as usize] {
                if let Some(h) = self.correlate(state, c, r, partition, ev) {
                    out.push(h);
                }
            }
        }
    }

    fn correlate(
        &self,
        st: &mut CorrelationState,
        ci: u32,
        rule: u32,
        partition: i64,
        ev: &Event,
    ) -> Option<Hit> {
        let c = &self.correlations[ci as usize];
        let pos = c.rules.iter().position(|&r| r == rule)?;
        if let Some(j) = &mut st.journal {
            j.last_ms
                .entry(partition)
                .or_insert_with(|| st.last_ms.get(&partition).copied());
            j.seen.get_or_insert(st.seen);
        }
        let last = st.last_ms.entry(partition).or_insert(0);
        let t = ev.time_ms.unwrap_or(*last);
        *last = (*last).max(t);
        st.seen += 1;
        if st.seen.is_multiple_of(4096) {
            st.sweep(self);
        }
        let mut key = String::new();
        let mut group = Vec::new();
        for (gi, per_rule) in c.group_fields.iter().enumerate() {
            let v = ev.get(&per_rule[pos]).unwrap_or("");
            if gi > 0 {
                key.push('\u{1f}');
            }
            key.push_str(v);
            group.push(v.to_string());
        }
        let key = (ci, partition, key);
        if let Some(j) = &mut st.journal {
            if !j.groups.contains_key(&key) {
                j.groups.insert(key.clone(), st.groups.get(&key).cloned());
            }
        }
        let g = st.groups.entry(key).or_insert_with(|| GroupState::new(c));
        g.last_ms = g.last_ms.max(t);
        let span = c.timespan_ms;
        let fired = match &mut g.kind {
            GroupKind::Count(times) => {
                times.push_back(t);
                while times.front().is_some_and(|&f| f < t - span) {
                    times.pop_front();
                }
                let n = times.len() as f64;
                let hold = c.condition.is_some_and(|(op, th)| op.holds(n, th));
                if hold {
                    let first = times.front().copied().unwrap_or(t);
                    times.clear();
                    Some((n as u64, first))
                } else {
                    None
                }
            }
            GroupKind::Values(seen) => {
                let v = ev.get(&c.value_fields[pos]).unwrap_or("").to_string();
                seen.push_back((t, v));
                while seen.front().is_some_and(|(f, _)| *f < t - span) {
                    seen.pop_front();
                }
                let mut distinct: Vec<&str> = seen.iter().map(|(_, v)| v.as_str()).collect();
                distinct.sort_unstable();
                distinct.dedup();
                let n = distinct.len() as f64;
                if c.condition.is_some_and(|(op, th)| op.holds(n, th)) {
                    let first = seen.front().map(|x| x.0).unwrap_or(t);
                    seen.clear();
                    Some((n as u64, first))
                } else {
                    None
                }
            }
            GroupKind::Temporal(last) => {
                last[pos] = Some(t);
                let within: Vec<i64> = last
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|&l| l >= t - span)
                    .collect();
                let need = c
                    .condition
                    .map(|(_, n)| n as usize)
                    .unwrap_or(c.rules.len())
                    .max(1);
                if within.len() >= need {
                    let first = within.iter().copied().min().unwrap_or(t);
                    last.iter_mut().for_each(|x| *x = None);
                    Some((within.len() as u64, first))
                } else {
                    None
                }
            }
            GroupKind::Ordered(start) => {
                // start[j]: latest start time of a run that saw rules 0..=j in order.
                if pos == 0 {
                    start[0] = Some(t);
                } else if let Some(s0) = start[pos - 1].filter(|&s0| t - s0 <= span) {
                    start[pos] = Some(start[pos].map_or(s0, |x| x.max(s0)));
                }
                let last = start.len() - 1;
                match start[last] {
                    Some(s0) if t - s0 <= span => {
                        start.iter_mut().for_each(|x| *x = None);
                        Some((c.rules.len() as u64, s0))
                    }
                    _ => None,
                }
            }
        };
        let (count, first_ms) = fired?;
        Some(Hit::Correlation {
            rule: (self.rules.len() + ci as usize) as u32,
            group,
            count,
            first_ms,
            last_ms: t,
        })
    }

    /// Field names every rule needs, for mapping a log source onto them.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(|k| k.as_ref())
    }
}

/// What [`Engine::process`] reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Hit {
    /// A detection rule matched (index into [`Engine::rules`]).
    Rule(u32),
    /// A correlation rule's condition was met for a group.
    Correlation {
        rule: u32,
        group: Vec<String>,
        count: u64,
        first_ms: i64,
        last_ms: i64,
    },
}

impl Hit {
    pub fn rule(&self) -> u32 {
        match self {
            Hit::Rule(r) | Hit::Correlation { rule: r, .. } => *r,
        }
    }
}

#[derive(Clone)]
enum GroupKind {
    Count(std::collections::VecDeque<i64>),
    Values(std::collections::VecDeque<(i64, String)>),
    Temporal(Vec<Option<i64>>),
    Ordered(Vec<Option<i64>>),
}

#[derive(Clone)]
struct GroupState {
    last_ms: i64,
    kind: GroupKind,
}

impl GroupState {
    fn new(c: &CCorrelation) -> Self {
        let kind = match c.kind {
            CorrelationType::EventCount => GroupKind::Count(Default::default()),
            CorrelationType::ValueCount => GroupKind::Values(Default::default()),
            CorrelationType::Temporal => GroupKind::Temporal(vec![None; c.rules.len()]),
            CorrelationType::TemporalOrdered => GroupKind::Ordered(vec![None; c.rules.len()]),
        };
        GroupState {
            last_ms: i64::MIN,
            kind,
        }
    }
}

/// The state of every correlation's groups; memory is bounded by dropping groups whose window
/// has passed.
#[derive(Default)]
pub struct CorrelationState {
    groups: FxHashMap<(u32, i64, String), GroupState>,
    /// The latest event time seen per partition: each partition's windows run on its own
    /// events' clock, so one sender's batch arriving ahead (or a partition read ahead of
    /// another in a scaled-out deployment) never expires another's windows.
    last_ms: FxHashMap<i64, i64>,
    seen: u64,
    /// While a batch is being counted ([`CorrelationState::begin`]): what it changed.
    journal: Option<Journal>,
}

/// What one batch changed in a [`CorrelationState`]: each group and partition clock it touched
/// as it was before. [`CorrelationState::undo`] puts them back, so that a batch that was not
/// stored, and is sent again, is counted once.
#[derive(Default)]
pub struct Journal {
    /// Every group touched, as it was (`None`: it did not exist).
    groups: FxHashMap<(u32, i64, String), Option<GroupState>>,
    last_ms: FxHashMap<i64, Option<i64>>,
    seen: Option<u64>,
}

impl Journal {
    /// Whether the batch changed nothing.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.last_ms.is_empty()
    }
}

impl CorrelationState {
    fn sweep(&mut self, e: &Engine) {
        let last = &self.last_ms;
        let expired = |(ci, p, _): &(u32, i64, String), g: &GroupState| {
            let span = e.correlations[*ci as usize].timespan_ms;
            let now = last.get(p).copied().unwrap_or(i64::MIN);
            g.last_ms < now.saturating_sub(span)
        };
        match &mut self.journal {
            // A group swept during a batch is kept in the journal as it was, to be put back.
            Some(j) => {
                let gone: Vec<_> = self
                    .groups
                    .iter()
                    .filter(|(k, g)| expired(k, g))
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in gone {
                    if let Some(g) = self.groups.remove(&k) {
                        j.groups.entry(k).or_insert(Some(g));
                    }
                }
            }
            None => self.groups.retain(|k, g| !expired(k, g)),
        }
    }

    /// Starts recording what the events counted from now on change (one batch's), until
    /// [`CorrelationState::finish`]. A journal already open is dropped.
    pub fn begin(&mut self) {
        self.journal = Some(Journal::default());
    }

    /// Stops recording and returns what the batch changed.
    pub fn finish(&mut self) -> Journal {
        self.journal.take().unwrap_or_default()
    }

    /// Puts back what a batch changed, as if its events had not been counted. Journals of
    /// batches counted one after another are undone newest first.
    pub fn undo(&mut self, j: Journal) {
        for (k, before) in j.groups {
            match before {
                Some(g) => {
                    self.groups.insert(k, g);
                }
                None => {
                    self.groups.remove(&k);
                }
            }
        }
        for (p, before) in j.last_ms {
            match before {
                Some(t) => {
                    self.last_ms.insert(p, t);
                }
                None => {
                    self.last_ms.remove(&p);
                }
            }
        }
        if let Some(n) = j.seen {
            self.seen = n;
        }
    }

    /// Forgets the windows of the partitions (organisations) `gone` says: their events are
    /// about to be counted again from the start of their windows.
    pub fn forget(&mut self, gone: impl Fn(i64) -> bool) {
        self.groups.retain(|(_, p, _), _| !gone(*p));
        self.last_ms.retain(|p, _| !gone(*p));
    }

    /// How many groups are being tracked.
    pub fn groups(&self) -> usize {
        self.groups.len()
    }
}

struct View<'a> {
    engine: &'a Engine,
    ev: &'a Event<'a>,
    gen: u32,
    slot_gen: &'a [u32],
    slot_head: &'a [u32],
    vals: &'a [Val],
    lower: &'a str,
}

impl<'a> View<'a> {
    fn values_of(&self, fid: u32) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        let f = fid as usize;
        let mut i = if self.slot_gen.get(f) == Some(&self.gen) {
            self.slot_head[f]
        } else {
            NONE
        };
        std::iter::from_fn(move || {
            if i == NONE {
                return None;
            }
            let v = &self.vals[i as usize];
            i = v.next;
            Some((
                self.ev.fields[v.ev_idx as usize].1.as_ref(),
                &self.lower[v.lo as usize..v.hi as usize],
            ))
        })
    }

    fn all_values(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.vals.iter().map(|v| {
            (
                self.ev.fields[v.ev_idx as usize].1.as_ref(),
                &self.lower[v.lo as usize..v.hi as usize],
            )
        })
    }

    fn by_name(&self, name: &str) -> Vec<(&'a str, &'a str)> {
        match self.engine.fields.get(name) {
            Some(&f) => self.values_of(f).collect(),
            None => Vec::new(),
        }
    }

    fn cond(&self, c: &Cond, sels: &[Vec<Vec<CField>>]) -> bool {
        match c {
            Cond::Sel(i) => sels[*i].iter().any(|and| and.iter().all(|f| self.field(f))),
            Cond::And(v) => v.iter().all(|x| self.cond(x, sels)),
            Cond::Or(v) => v.iter().any(|x| self.cond(x, sels)),
            Cond::Not(x) => !self.cond(x, sels),
            Cond::AtLeast(n, v) => v.iter().filter(|x| self.cond(x, sels)).take(*n).count() >= *n,
            Cond::Const(b) => *b,
        }
    }

    fn field(&self, f: &CField) -> bool {
        let test = |t: &FieldTest| -> bool {
            match (t, &f.key) {
                (FieldTest::Null, FieldKey::Id(id)) => {
                    let mut any = false;
                    for (o, _) in self.values_of(*id) {
                        if o.is_empty() {
                            return true;
                        }
                        any = true;
                    }
                    !any
                }
                (FieldTest::Exists(b), FieldKey::Id(id)) => {
                    self.values_of(*id).next().is_some() == *b
                }
                (FieldTest::Any(ms), FieldKey::Id(id)) => self.values_of(*id).any(|(o, l)| {
                    ms.iter()
                        .any(|m| value::matches(m, o, l, &|n| self.by_name(n)))
                }),
                (FieldTest::Any(ms), FieldKey::Any) => self.all_values().any(|(o, l)| {
                    ms.iter()
                        .any(|m| value::matches(m, o, l, &|n| self.by_name(n)))
                }),
                (FieldTest::Null | FieldTest::Exists(_), FieldKey::Any) => false,
            }
        };
        if f.cond.all {
            f.cond.tests.iter().all(test)
        } else {
            f.cond.tests.iter().any(test)
        }
    }
}

/// Sorts levels for display: most severe first.
pub fn level_rank(l: Level) -> u8 {
    4 - l as u8
}
