//! Sigma documents as published: detection rules, correlation rules and filters, read from YAML
//! without edits. This module only reads; `compile` turns the result into the matcher.

use crate::error::DetectError;
use yaml_rust2::{Yaml, YamlLoader};

/// One YAML document of a rule file, classified.
#[derive(Debug, Clone)]
pub enum Document {
    Rule(Rule),
    Correlation(Correlation),
    Filter(Filter),
}

/// Metadata every Sigma document carries.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Meta {
    pub id: Option<String>,
    /// `name:`, by which correlation rules may reference a rule.
    pub name: Option<String>,
    pub title: String,
    pub level: Level,
    pub status: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub references: Vec<String>,
    pub falsepositives: Vec<String>,
}

/// Sigma severity levels, ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "informational" | "info" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// `logsource:`; every key is optional and compared case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct LogSource {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: Meta,
    pub logsource: LogSource,
    pub detection: Detection,
}

/// `detection:` — named selections and the condition over them.
#[derive(Debug, Clone, Default)]
pub struct Detection {
    pub selections: Vec<(String, Selection)>,
    /// Several conditions (a YAML list) are alternatives.
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Selection {
    /// A list of maps: any map matches (each map is an AND of its fields).
    Maps(Vec<Vec<FieldItem>>),
    /// A bare value or list of values: searched in every field of the event.
    Keywords(Vec<ScalarValue>),
}

/// `Field|mod|mod: value(s)`.
#[derive(Debug, Clone)]
pub struct FieldItem {
    /// Empty for a keyword item written as `'|contains': [...]`.
    pub field: String,
    pub modifiers: Vec<String>,
    pub values: Vec<ScalarValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScalarValue {
    Str(String),
    Int(i64),
    Float(String),
    Bool(bool),
    Null,
}

impl ScalarValue {
    /// The value as text, as it is compared with event fields.
    pub fn text(&self) -> String {
        match self {
            ScalarValue::Str(s) | ScalarValue::Float(s) => s.clone(),
            ScalarValue::Int(i) => i.to_string(),
            ScalarValue::Bool(b) => b.to_string(),
            ScalarValue::Null => String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
}

impl CmpOp {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            CmpOp::Gt => left > right,
            CmpOp::Gte => left >= right,
            CmpOp::Lt => left < right,
            CmpOp::Lte => left <= right,
            CmpOp::Eq => left == right,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Correlation {
    pub meta: Meta,
    pub kind: CorrelationType,
    /// Ids or names of the rules it correlates.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan_ms: i64,
    /// For counting types: the threshold; for temporal types: how many of the rules must be seen
    /// (all unless given).
    pub condition: Option<(CmpOp, f64)>,
    /// value_count: the field whose distinct values are counted.
    pub field: Option<String>,
    /// Whether the referenced rules also raise their own detections.
    pub generate: bool,
    /// `aliases:` — one name for a field that differs between the correlated rules:
    /// alias → (rule id or name → field).
    pub aliases: Vec<(String, Vec<(String, String)>)>,
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub meta: Meta,
    pub logsource: LogSource,
    /// Ids or names of the rules it applies to; empty = every rule of its log source.
    pub rules: Vec<String>,
    pub detection: Detection,
}

/// Parses every document of one rule file. Errors name the document (1-based) and the key.
pub fn parse_file(text: &str) -> Result<Vec<Result<Document, DetectError>>, DetectError> {
    Ok(parse_file_text(text)
        .map_err(DetectError::Yaml)?
        .into_iter()
        .map(|d| d.map_err(DetectError::Rule))
        .collect())
}

fn parse_file_text(text: &str) -> Result<Vec<Result<Document, String>>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("YAML: {e}"))?;
    let mut out = Vec::new();
    let mut global: Option<Yaml> = None;
    for doc in docs {
        if matches!(doc, Yaml::Null | Yaml::BadValue) {
            continue;
        }
        // Legacy multi-document rules: `action: global` is merged into the documents after it.
        if str_key(&doc, "action").as_deref() == Some("global") {
            global = Some(doc);
            continue;
        }
        if str_key(&doc, "action").as_deref() == Some("reset") {
            global = None;
            continue;
        }
        let doc = match &global {
            Some(g) => merge(g, &doc),
            None => doc,
        };
        out.push(parse_document(&doc));
    }
    Ok(out)
}

fn merge(base: &Yaml, over: &Yaml) -> Yaml {
    match (base, over) {
        (Yaml::Hash(b), Yaml::Hash(o)) => {
            let mut m = b.clone();
            m.remove(&Yaml::String("action".into()));
            for (k, v) in o {
                let merged = match m.get(k) {
                    Some(existing) => merge(existing, v),
                    None => v.clone(),
                };
                m.insert(k.clone(), merged);
            }
            Yaml::Hash(m)
        }
        (_, o) => o.clone(),
    }
}

fn get<'a>(doc: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    match doc {
        Yaml::Hash(h) => h.get(&Yaml::String(key.to_string())),
        _ => None,
    }
}

fn str_key(doc: &Yaml, key: &str) -> Option<String> {
    get(doc, key).and_then(scalar_string)
}

fn scalar_string(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_list(doc: &Yaml, key: &str) -> Result<Vec<String>, String> {
    match get(doc, key) {
        None | Some(Yaml::Null) => Ok(Vec::new()),
        Some(Yaml::Array(a)) => a
            .iter()
            .map(|v| scalar_string(v).ok_or_else(|| format!("{key}: expected a list of strings")))
            .collect(),
        Some(v) => scalar_string(v)
            .map(|s| vec![s])
            .ok_or_else(|| format!("{key}: expected a string or a list of strings")),
    }
}

fn parse_meta(doc: &Yaml) -> Result<Meta, String> {
    let title = str_key(doc, "title").ok_or("title: missing")?;
    let level = match str_key(doc, "level") {
        None => Level::Informational,
        Some(l) => Level::parse(&l).ok_or_else(|| format!("level: unknown level '{l}'"))?,
    };
    Ok(Meta {
        id: str_key(doc, "id"),
        name: str_key(doc, "name"),
        title,
        level,
        status: str_key(doc, "status"),
        description: str_key(doc, "description"),
        author: str_key(doc, "author"),
        tags: string_list(doc, "tags")?,
        references: string_list(doc, "references")?,
        falsepositives: string_list(doc, "falsepositives")?,
    })
}

fn parse_logsource(doc: &Yaml) -> LogSource {
    let ls = get(doc, "logsource");
    let key = |k: &str| {
        ls.and_then(|l| str_key(l, k))
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
    };
    LogSource {
        product: key("product"),
        category: key("category"),
        service: key("service"),
    }
}

fn parse_document(doc: &Yaml) -> Result<Document, String> {
    let meta = parse_meta(doc)?;
    if let Some(c) = get(doc, "correlation") {
        return parse_correlation(meta, c).map(Document::Correlation);
    }
    if let Some(f) = get(doc, "filter") {
        let rules = string_list(f, "rules")?;
        let detection = parse_detection(f)?;
        return Ok(Document::Filter(Filter {
            meta,
            logsource: parse_logsource(doc),
            rules,
            detection,
        }));
    }
    let det = get(doc, "detection").ok_or("detection: missing")?;
    Ok(Document::Rule(Rule {
        meta,
        logsource: parse_logsource(doc),
        detection: parse_detection(det)?,
    }))
}

fn parse_detection(det: &Yaml) -> Result<Detection, String> {
    let Yaml::Hash(h) = det else {
        return Err("detection: expected a map".into());
    };
    let mut out = Detection::default();
    for (k, v) in h {
        let name = scalar_string(k).ok_or("detection: a key is not a string")?;
        if name == "condition" {
            match v {
                Yaml::Array(a) => {
                    for c in a {
                        out.conditions
                            .push(scalar_string(c).ok_or("detection.condition: expected strings")?);
                    }
                }
                other => out
                    .conditions
                    .push(scalar_string(other).ok_or("detection.condition: expected a string")?),
            }
            continue;
        }
        if name == "timeframe" {
            // Only meaningful for the deprecated aggregation conditions, refused at compile time.
            continue;
        }
        let sel = parse_selection(v).map_err(|e| format!("detection.{name}: {e}"))?;
        out.selections.push((name, sel));
    }
    if out.conditions.is_empty() {
        return Err("detection.condition: missing".into());
    }
    Ok(out)
}

fn parse_selection(v: &Yaml) -> Result<Selection, String> {
    match v {
        Yaml::Hash(h) => Ok(Selection::Maps(vec![parse_map(h)?])),
        Yaml::Array(a) if !a.is_empty() && a.iter().all(|x| matches!(x, Yaml::Hash(_))) => {
            let mut maps = Vec::new();
            for x in a {
                if let Yaml::Hash(h) = x {
                    maps.push(parse_map(h)?);
                }
            }
            Ok(Selection::Maps(maps))
        }
        Yaml::Array(a) => Ok(Selection::Keywords(
            a.iter().map(scalar_value).collect::<Result<_, _>>()?,
        )),
        other => Ok(Selection::Keywords(vec![scalar_value(other)?])),
    }
}

fn parse_map(h: &yaml_rust2::yaml::Hash) -> Result<Vec<FieldItem>, String> {
    let mut items = Vec::new();
    for (k, v) in h {
        let key = scalar_string(k).ok_or("a field name is not a string")?;
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or_default().to_string();
        let modifiers: Vec<String> = parts.map(|m| m.trim().to_ascii_lowercase()).collect();
        let values = match v {
            Yaml::Array(a) => a
                .iter()
                .map(scalar_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{key}: {e}"))?,
            other => vec![scalar_value(other).map_err(|e| format!("{key}: {e}"))?],
        };
        items.push(FieldItem {
            field,
            modifiers,
            values,
        });
    }
    Ok(items)
}

fn scalar_value(y: &Yaml) -> Result<ScalarValue, String> {
    Ok(match y {
        Yaml::String(s) => ScalarValue::Str(s.clone()),
        Yaml::Real(s) => ScalarValue::Float(s.clone()),
        Yaml::Integer(i) => ScalarValue::Int(*i),
        Yaml::Boolean(b) => ScalarValue::Bool(*b),
        Yaml::Null => ScalarValue::Null,
        Yaml::Array(_) => return Err("nested lists are not allowed here".into()),
        Yaml::Hash(_) => return Err("a map is not allowed here".into()),
        Yaml::Alias(_) | Yaml::BadValue => return Err("unsupported YAML value".into()),
    })
}

/// `15m`, `1h`, `30s`, `2d`, `1w` → milliseconds.
pub fn parse_timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().ok()?;
    let unit_ms = match unit.trim() {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "M" => 30 * 86_400_000,
        "y" => 365 * 86_400_000,
        _ => return None,
    };
    n.checked_mul(unit_ms).filter(|v| *v > 0)
}

fn parse_correlation(meta: Meta, c: &Yaml) -> Result<Correlation, String> {
    let kind = match str_key(c, "type").as_deref() {
        Some("event_count") => CorrelationType::EventCount,
        Some("value_count") => CorrelationType::ValueCount,
        Some("temporal") => CorrelationType::Temporal,
        Some("temporal_ordered") => CorrelationType::TemporalOrdered,
        Some(other) => return Err(format!("correlation.type: unknown type '{other}'")),
        None => return Err("correlation.type: missing".into()),
    };
    let rules = string_list(c, "rules")?;
    if rules.is_empty() {
        return Err("correlation.rules: missing".into());
    }
    let group_by = string_list(c, "group-by")?;
    let span = str_key(c, "timespan")
        .or_else(|| str_key(c, "timeframe"))
        .ok_or("correlation.timespan: missing")?;
    let timespan_ms = parse_timespan(&span)
        .ok_or_else(|| format!("correlation.timespan: cannot read '{span}' (e.g. 15m, 1h, 2d)"))?;
    let mut condition = None;
    let mut field = None;
    if let Some(cond) = get(c, "condition") {
        let Yaml::Hash(h) = cond else {
            return Err("correlation.condition: expected a map such as {gte: 10}".into());
        };
        for (k, v) in h {
            let k = scalar_string(k).unwrap_or_default();
            let op = match k.as_str() {
                "gt" => CmpOp::Gt,
                "gte" => CmpOp::Gte,
                "lt" => CmpOp::Lt,
                "lte" => CmpOp::Lte,
                "eq" => CmpOp::Eq,
                "field" => {
                    field = scalar_string(v);
                    continue;
                }
                other => return Err(format!("correlation.condition: unknown operator '{other}'")),
            };
            let n = scalar_string(v)
                .and_then(|s| s.parse::<f64>().ok())
                .ok_or_else(|| format!("correlation.condition.{k}: expected a number"))?;
            condition = Some((op, n));
        }
    }
    if matches!(
        kind,
        CorrelationType::EventCount | CorrelationType::ValueCount
    ) && condition.is_none()
    {
        return Err("correlation.condition: a threshold such as {gte: 10} is required".into());
    }
    if kind == CorrelationType::ValueCount && field.is_none() {
        return Err("correlation.condition.field: value_count needs the field to count".into());
    }
    let generate = match get(c, "generate") {
        Some(Yaml::Boolean(b)) => *b,
        _ => false,
    };
    let mut aliases = Vec::new();
    if let Some(Yaml::Hash(h)) = get(c, "aliases") {
        for (alias, per_rule) in h {
            let alias = scalar_string(alias).ok_or("correlation.aliases: bad alias name")?;
            let mut m = Vec::new();
            if let Yaml::Hash(pr) = per_rule {
                for (r, f) in pr {
                    m.push((
                        scalar_string(r).unwrap_or_default(),
                        scalar_string(f).unwrap_or_default(),
                    ));
                }
            }
            aliases.push((alias, m));
        }
    }
    Ok(Correlation {
        meta,
        kind,
        rules,
        group_by,
        timespan_ms,
        condition,
        field,
        generate,
        aliases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_rule_with_list_of_maps_and_keywords() {
        let docs = parse_file(
            "title: T\nid: x\nlevel: high\nlogsource: {product: Windows, category: process_creation}\n\
             detection:\n  sel:\n    - Image|endswith: '\\a.exe'\n    - OriginalFileName: A.EXE\n  kw:\n    - evil\n    - 42\n  condition: sel or kw\n",
        )
        .expect("yaml");
        let Ok(Document::Rule(r)) = &docs[0] else {
            panic!("not a rule: {docs:?}")
        };
        assert_eq!(r.meta.level, Level::High);
        assert_eq!(r.logsource.product.as_deref(), Some("windows"));
        assert!(matches!(&r.detection.selections[0].1, Selection::Maps(m) if m.len() == 2));
        assert!(
            matches!(&r.detection.selections[1].1, Selection::Keywords(k) if k[1] == ScalarValue::Int(42))
        );
    }

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("15m"), Some(900_000));
        assert_eq!(parse_timespan("1h"), Some(3_600_000));
        assert_eq!(parse_timespan("m"), None);
        assert_eq!(parse_timespan("0s"), None);
    }

    #[test]
    fn correlation_needs_threshold() {
        let docs = parse_file(
            "title: C\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n",
        )
        .expect("yaml");
        assert!(matches!(&docs[0], Err(e) if e.to_string().contains("threshold")));
    }
}
