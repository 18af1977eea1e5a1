//! Field values and modifiers: turns `Field|mod|mod: values` into tests on event values.
//!
//! Strings compare case-insensitively (Unicode lower case of both sides) unless `cased`; `re` is
//! case-sensitive as the Sigma specification says, unless `re|i`. Wildcards `*` and `?` are
//! honoured, `\*`, `\?` and `\\` escape them.

use std::net::IpAddr;

use base64::Engine as _;
use ipnet::IpNet;
use regex::Regex;
use rustc_hash::FxHashMap;

use crate::rule::{CmpOp, FieldItem, ScalarValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrOp {
    Eq,
    Contains,
    Prefix,
    Suffix,
}

/// See [`Matcher::Set`].
#[derive(Debug, Clone)]
pub struct StrSet {
    op: StrOp,
    cased: bool,
    pats: Vec<String>,
    /// Eq, Prefix, Suffix: per pattern length (in bytes), the patterns of that length.
    by_len: Vec<(usize, rustc_hash::FxHashSet<Box<str>>)>,
    /// Contains: an automaton built on first use (most rules are never evaluated in a run,
    /// and building thousands of small automata up front is most of the loading time).
    ac: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
}

impl StrSet {
    fn test(&self, hay: &str) -> bool {
        if self.op == StrOp::Contains {
            let ac = self.ac.get_or_init(|| {
                aho_corasick::AhoCorasick::builder()
                    .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                    .build(&self.pats)
                    .ok()
            });
            return match ac {
                Some(ac) => ac.is_match(hay),
                // Plain strings always build; should it fail, test them one by one.
                None => self
                    .pats
                    .iter()
                    .any(|p| memchr::memmem::find(hay.as_bytes(), p.as_bytes()).is_some()),
            };
        }
        self.by_len.iter().any(|(len, set)| {
            let part = match self.op {
                StrOp::Eq if hay.len() == *len => Some(hay),
                StrOp::Prefix => hay.get(..*len),
                StrOp::Suffix => hay.len().checked_sub(*len).and_then(|at| hay.get(at..)),
                _ => None,
            };
            part.is_some_and(|p| set.contains(p))
        })
    }
}

/// Lists at least this long are tested as a set.
const SET_MIN: usize = 6;

/// Folds the plain-string matchers of one list into sets, per operation.
fn group_into_sets(ms: Vec<Matcher>) -> Vec<Matcher> {
    let mut groups: Vec<((StrOp, bool), Vec<String>)> = Vec::new();
    let mut rest = Vec::new();
    for m in ms {
        match m {
            Matcher::Str { op, pat, cased, .. } if !pat.is_empty() => {
                match groups.iter_mut().find(|(k, _)| *k == (op, cased)) {
                    Some((_, v)) => v.push(pat),
                    None => groups.push(((op, cased), vec![pat])),
                }
            }
            other => rest.push(other),
        }
    }
    for ((op, cased), pats) in groups {
        if pats.len() < SET_MIN {
            for pat in pats {
                let finder = (op == StrOp::Contains)
                    .then(|| Box::new(memchr::memmem::Finder::new(pat.as_bytes()).into_owned()));
                rest.push(Matcher::Str {
                    op,
                    pat,
                    cased,
                    finder,
                });
            }
            continue;
        }
        let mut set = StrSet {
            op,
            cased,
            pats: pats.clone(),
            by_len: Vec::new(),
            ac: std::sync::OnceLock::new(),
        };
        if op != StrOp::Contains {
            for p in pats {
                match set.by_len.iter_mut().find(|(l, _)| *l == p.len()) {
                    Some((_, s)) => {
                        s.insert(p.into());
                    }
                    None => {
                        let mut s = rustc_hash::FxHashSet::default();
                        let l = p.len();
                        s.insert(p.into());
                        set.by_len.push((l, s));
                    }
                }
            }
        }
        rest.push(Matcher::Set(Box::new(set)));
    }
    rest
}

/// A regular expression checked when the rule is loaded and compiled when first used: most
/// rules are never evaluated in a run, and compiling every expression up front was a fifth of
/// the loading time.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    src: String,
    re: std::sync::OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// Checks the syntax now (so an unsupported expression refuses the rule at load time).
    fn new(src: String) -> Result<LazyRegex, String> {
        regex_syntax::Parser::new()
            .parse(&src)
            .map_err(|e| e.to_string().lines().last().unwrap_or_default().to_string())?;
        Ok(LazyRegex {
            src,
            re: std::sync::OnceLock::new(),
        })
    }

    fn as_str(&self) -> &str {
        &self.src
    }

    fn is_match(&self, hay: &str) -> bool {
        self.re
            .get_or_init(|| Regex::new(&self.src).ok())
            .as_ref()
            .is_some_and(|r| r.is_match(hay))
    }
}

/// One test on one event value.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// `pat` is lower case unless `cased`.
    Str {
        op: StrOp,
        pat: String,
        cased: bool,
        /// Prebuilt searcher for `Contains`.
        finder: Option<Box<memchr::memmem::Finder<'static>>>,
    },
    /// A wildcard pattern that is not a plain prefix/suffix/contains, anchored.
    Glob {
        re: LazyRegex,
        cased: bool,
    },
    /// `re`: searched in the original value.
    Regex(LazyRegex),
    Cidr(IpNet),
    /// Many plain strings with one operation (a long list of values), tested at once: exact
    /// values by hash, prefixes and suffixes by hash per length, substrings by Aho-Corasick.
    Set(Box<StrSet>),
    Num(CmpOp, f64),
    /// `fieldref`: compares with the value(s) of another field of the same event.
    FieldRef {
        field: String,
        op: StrOp,
        cased: bool,
    },
}

/// What one field item asks of its field.
#[derive(Debug, Clone)]
pub enum FieldTest {
    /// Any of the variants (windash, base64offset… expand into several) matches a value.
    Any(Vec<Matcher>),
    /// `Field: null`: the field is missing or empty.
    Null,
    /// `Field|exists: true/false`.
    Exists(bool),
}

/// `Field|mods: values` compiled.
#[derive(Debug, Clone)]
pub struct FieldCond {
    /// Empty: search every field (keywords).
    pub field: String,
    pub tests: Vec<FieldTest>,
    /// `all`: every test must hold (otherwise any).
    pub all: bool,
}

/// Values of `%placeholder%` names, for the `expand` modifier.
pub type Placeholders = FxHashMap<String, Vec<String>>;

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Lit(String),
    Star,
    One,
}

/// Splits a Sigma string into literal text and wildcards.
fn pieces(s: &str, wildcards: bool) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if wildcards => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' if wildcards => {
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                if out.last() != Some(&Piece::Star) {
                    out.push(Piece::Star);
                }
            }
            '?' if wildcards => {
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(Piece::One);
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    out
}

fn fold(s: &str, cased: bool) -> String {
    if cased {
        s.to_string()
    } else {
        let mut out = String::with_capacity(s.len());
        lower_into(s, &mut out);
        out
    }
}

fn lower(s: &str) -> String {
    fold(s, false)
}

/// Builds the matcher for one string value after transformations.
fn string_matcher(s: &str, op: StrOp, cased: bool, wildcards: bool) -> Result<Matcher, String> {
    let mut p = pieces(s, wildcards);
    match op {
        StrOp::Contains => {
            if p.first() != Some(&Piece::Star) {
                p.insert(0, Piece::Star);
            }
            if p.last() != Some(&Piece::Star) {
                p.push(Piece::Star);
            }
        }
        StrOp::Prefix => {
            if p.last() != Some(&Piece::Star) {
                p.push(Piece::Star);
            }
        }
        StrOp::Suffix => {
            if p.first() != Some(&Piece::Star) {
                p.insert(0, Piece::Star);
            }
        }
        StrOp::Eq => {}
    }
    let simple = match p.as_slice() {
        [] => Some((StrOp::Eq, String::new())),
        [Piece::Lit(l)] => Some((StrOp::Eq, l.clone())),
        [Piece::Star, Piece::Lit(l), Piece::Star] => Some((StrOp::Contains, l.clone())),
        [Piece::Lit(l), Piece::Star] => Some((StrOp::Prefix, l.clone())),
        [Piece::Star, Piece::Lit(l)] => Some((StrOp::Suffix, l.clone())),
        [Piece::Star] => Some((StrOp::Prefix, String::new())),
        _ => None,
    };
    if let Some((op, lit)) = simple {
        let pat = fold(&lit, cased);
        let finder = (op == StrOp::Contains)
            .then(|| Box::new(memchr::memmem::Finder::new(pat.as_bytes()).into_owned()));
        return Ok(Matcher::Str {
            op,
            pat,
            cased,
            finder,
        });
    }
    let mut re = String::from("(?s)^");
    for piece in &p {
        match piece {
            Piece::Lit(l) => re.push_str(&regex::escape(&fold(l, cased))),
            Piece::Star => re.push_str(".*"),
            Piece::One => re.push('.'),
        }
    }
    re.push('$');
    Ok(Matcher::Glob {
        re: LazyRegex::new(re).map_err(|e| format!("wildcard pattern '{s}': {e}"))?,
        cased,
    })
}

/// What a value must be or contain (lower case) for a matcher to hold: the prefilter's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Need {
    /// The whole value, lower-cased, equals this.
    Exact(String),
    /// The lower-cased value contains this.
    Contains(String),
}

/// What a value must be or contain for a matcher to hold: any one of the returned needs (a
/// regular expression may give several). `None` when nothing can be said.
pub fn required_literals(m: &Matcher) -> Option<Vec<Need>> {
    match m {
        Matcher::Regex(re) => regex_literals(re.as_str()),
        Matcher::Set(set) => Some(
            set.pats
                .iter()
                .map(|p| {
                    let p = if set.cased { lower(p) } else { p.clone() };
                    if set.op == StrOp::Eq {
                        Need::Exact(p)
                    } else {
                        Need::Contains(p)
                    }
                })
                .collect(),
        ),
        other => required_literal(other).map(|n| vec![n]),
    }
}

/// Literals one of which starts (or ends) every match of a regular expression, lower-cased.
fn regex_literals(pattern: &str) -> Option<Vec<Need>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut best: Option<Vec<Need>> = None;
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        let seq = Extractor::new().kind(kind).extract(&hir);
        let lits = seq.literals()?;
        if lits.is_empty() || lits.len() > 64 {
            continue;
        }
        let mut out: Vec<Need> = Vec::new();
        let mut ok = true;
        for l in lits {
            let Ok(text) = std::str::from_utf8(l.as_bytes()) else {
                ok = false;
                break;
            };
            if text.chars().count() < 2 {
                ok = false;
                break;
            }
            let n = Need::Contains(lower(text));
            if !out.contains(&n) {
                out.push(n);
            }
        }
        if ok && best.as_ref().is_none_or(|b| out.len() < b.len()) {
            best = Some(out);
        }
    }
    best
}

/// The most selective need of a matcher, if any.
pub fn required_literal(m: &Matcher) -> Option<Need> {
    match m {
        Matcher::Str {
            op: StrOp::Eq,
            pat,
            cased,
            ..
        } => Some(Need::Exact(if *cased { lower(pat) } else { pat.clone() })),
        Matcher::Str { pat, .. } if !pat.is_empty() => Some(Need::Contains(lower(pat))),
        Matcher::Glob { re, .. } => {
            // Longest run of literal text between wildcards of the anchored pattern.
            let src = re.as_str();
            let body = src.strip_prefix("(?s)^")?.strip_suffix('$')?;
            let mut best = String::new();
            for part in body.split(".*").flat_map(split_unescaped_dot) {
                let lit = unescape_regex(&part)?;
                if lit.chars().count() > best.chars().count() {
                    best = lit;
                }
            }
            (!best.is_empty()).then(|| Need::Contains(lower(&best)))
        }
        _ => None,
    }
}

fn split_unescaped_dot(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let cur = out.last_mut().expect("non-empty");
                cur.push('\\');
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '.' => out.push(String::new()),
            c => out.last_mut().expect("non-empty").push(c),
        }
    }
    out
}

fn unescape_regex(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next()?);
        } else {
            out.push(c);
        }
    }
    Some(out)
}

const WINDASH: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// `windash`: every dash or slash that starts an option (`\B[-/]\b`) in each of its five forms.
fn windash(s: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = s.chars().collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], '-' | '/')
                && !word(i.checked_sub(1).and_then(|j| chars.get(j)))
                && word(chars.get(i + 1))
        })
        .collect();
    if positions.len() > 4 {
        return Err(format!(
            "windash: '{s}' has {} options; at most 4 are expanded",
            positions.len()
        ));
    }
    let mut out = vec![chars.clone()];
    for &p in &positions {
        let mut next = Vec::with_capacity(out.len() * WINDASH.len());
        for v in &out {
            for d in WINDASH {
                let mut v = v.clone();
                v[p] = d;
                next.push(v);
            }
        }
        out = next;
    }
    Ok(out.into_iter().map(|v| v.into_iter().collect()).collect())
}

#[derive(Clone, Copy)]
enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Utf16Bom,
}

fn encode(s: &str, enc: Encoding) -> Vec<u8> {
    match enc {
        Encoding::Utf8 => s.as_bytes().to_vec(),
        Encoding::Utf16Le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Encoding::Utf16Be => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        Encoding::Utf16Bom => {
            let mut v = vec![0xff, 0xfe];
            v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
            v
        }
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `base64offset`: the three encodings of the value at every byte offset, trimmed of the
/// characters its neighbours would change.
fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..3usize {
        let mut padded = vec![b' '; i];
        padded.extend_from_slice(bytes);
        let enc = b64(&padded);
        let start = [0usize, 2, 3][i];
        let end_trim = [0usize, 3, 2][(bytes.len() + i) % 3];
        let end = enc.trim_end_matches('=').len().min(enc.len() - end_trim);
        if start < end {
            out.push(enc[start..end].to_string());
        }
    }
    out
}

fn bytes_as_text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => b.iter().map(|&c| c as char).collect(),
    }
}

fn expand_placeholders(s: &str, ph: &Placeholders) -> Result<Vec<String>, String> {
    let mut out = vec![String::new()];
    let mut rest = s;
    while let Some(start) = rest.find('%') {
        let Some(len) = rest[start + 1..].find('%') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + len];
        let values = ph.get(name).ok_or_else(|| {
            format!("expand: placeholder %{name}% has no values (give them with --placeholders or in the rules settings)")
        })?;
        let prefix = &rest[..start];
        out = out
            .iter()
            .flat_map(|o| values.iter().map(move |v| format!("{o}{prefix}{v}")))
            .collect();
        rest = &rest[start + 2 + len..];
    }
    for o in &mut out {
        o.push_str(rest);
    }
    Ok(out)
}

/// Compiles one `Field|modifiers: values` item.
pub fn compile_item(item: &FieldItem, ph: &Placeholders) -> Result<FieldCond, String> {
    let key = if item.modifiers.is_empty() {
        item.field.clone()
    } else {
        format!("{}|{}", item.field, item.modifiers.join("|"))
    };
    compile_inner(item, ph).map_err(|e| format!("{key}: {e}"))
}

fn compile_inner(item: &FieldItem, ph: &Placeholders) -> Result<FieldCond, String> {
    let mut op: Option<StrOp> = None;
    let mut all = false;
    let mut cased = false;
    let mut windash_on = false;
    let mut expand = false;
    let mut b64_mode: Option<bool> = None; // Some(false) = base64, Some(true) = base64offset
    let mut enc = Encoding::Utf8;
    let mut re_flags = String::new();
    let mut kind: Option<&str> = None; // re, cidr, exists, fieldref, lt…
    for m in &item.modifiers {
        match m.as_str() {
            "contains" => op = Some(StrOp::Contains),
            "startswith" => op = Some(StrOp::Prefix),
            "endswith" => op = Some(StrOp::Suffix),
            "all" => all = true,
            "cased" => cased = true,
            "windash" => windash_on = true,
            "expand" => expand = true,
            "base64" => b64_mode = Some(false),
            "base64offset" => b64_mode = Some(true),
            "utf16le" | "wide" => enc = Encoding::Utf16Le,
            "utf16be" => enc = Encoding::Utf16Be,
            "utf16" => enc = Encoding::Utf16Bom,
            "re" | "cidr" | "exists" | "fieldref" | "lt" | "lte" | "gt" | "gte" => {
                if let Some(k) = kind {
                    return Err(format!("modifiers '{k}' and '{m}' cannot be combined"));
                }
                kind = Some(m.as_str());
            }
            "i" | "m" | "s" => {
                if kind != Some("re") {
                    return Err(format!("modifier '{m}' applies only after 're'"));
                }
                re_flags.push_str(m);
            }
            other => return Err(format!("unknown modifier '{other}'")),
        }
    }
    if all && item.values.len() < 2 && kind.is_none() {
        // `|all` with one value is the same as without; SigmaHQ's validators warn, we accept.
    }
    let mut tests = Vec::new();
    for v in &item.values {
        if *v == ScalarValue::Null && kind.is_none() {
            tests.push(FieldTest::Null);
            continue;
        }
        let text = v.text();
        let test = match kind {
            Some("exists") => FieldTest::Exists(match v {
                ScalarValue::Bool(b) => *b,
                ScalarValue::Str(s) if s.eq_ignore_ascii_case("true") => true,
                ScalarValue::Str(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return Err("exists: expected true or false".into()),
            }),
            Some("re") => {
                let pat = if re_flags.is_empty() {
                    text.clone()
                } else {
                    format!("(?{re_flags}){text}")
                };
                FieldTest::Any(vec![Matcher::Regex(LazyRegex::new(pat).map_err(
                    |first| format!("re: '{text}' is not supported by the regex engine ({first})"),
                )?)])
            }
            Some("cidr") => {
                let net: IpNet = text
                    .parse()
                    .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("cidr: '{text}' is not a network"))?;
                FieldTest::Any(vec![Matcher::Cidr(net.trunc())])
            }
            Some(k @ ("lt" | "lte" | "gt" | "gte")) => {
                let n: f64 = text
                    .trim()
                    .parse()
                    .map_err(|_| format!("{k}: '{text}' is not a number"))?;
                let op = match k {
                    "lt" => CmpOp::Lt,
                    "lte" => CmpOp::Lte,
                    "gt" => CmpOp::Gt,
                    _ => CmpOp::Gte,
                };
                FieldTest::Any(vec![Matcher::Num(op, n)])
            }
            Some("fieldref") => FieldTest::Any(vec![Matcher::FieldRef {
                field: text.clone(),
                op: op.unwrap_or(StrOp::Eq),
                cased,
            }]),
            _ => {
                let mut variants = if expand {
                    expand_placeholders(&text, ph)?
                } else {
                    vec![text.clone()]
                };
                if windash_on {
                    let mut w = Vec::new();
                    for v in &variants {
                        w.extend(windash(v)?);
                    }
                    variants = w;
                }
                let mut matchers = Vec::new();
                match b64_mode {
                    Some(offset) => {
                        for v in &variants {
                            let bytes = encode(v, enc);
                            let encoded = if offset {
                                base64_offsets(&bytes)
                            } else {
                                vec![b64(&bytes)]
                            };
                            for e in encoded {
                                // Base64 text has no wildcards; its letters are case-sensitive.
                                matchers.push(string_matcher(
                                    &e,
                                    op.unwrap_or(StrOp::Eq),
                                    true,
                                    false,
                                )?);
                            }
                        }
                    }
                    None => {
                        for v in &variants {
                            let s = match enc {
                                Encoding::Utf8 => v.clone(),
                                e => bytes_as_text(&encode(v, e)),
                            };
                            matchers.push(string_matcher(
                                &s,
                                op.unwrap_or(StrOp::Eq),
                                cased,
                                true,
                            )?);
                        }
                    }
                }
                FieldTest::Any(matchers)
            }
        };
        tests.push(test);
    }
    if tests.is_empty() {
        return Err("no values".into());
    }
    if !all {
        // Any value may match: one list of matchers, long runs of plain strings as sets.
        let mut merged = Vec::new();
        let mut other = Vec::new();
        for t in tests {
            match t {
                FieldTest::Any(ms) => merged.extend(ms),
                t => other.push(t),
            }
        }
        if !merged.is_empty() {
            other.push(FieldTest::Any(group_into_sets(merged)));
        }
        tests = other;
    }
    Ok(FieldCond {
        field: item.field.clone(),
        tests,
        all,
    })
}

/// A keyword: found anywhere in a value (a glob with `*` on both sides).
pub fn keyword(v: &ScalarValue) -> Result<FieldCond, String> {
    let text = v.text();
    Ok(FieldCond {
        field: String::new(),
        tests: vec![FieldTest::Any(vec![string_matcher(
            &text,
            StrOp::Contains,
            false,
            true,
        )?])],
        all: false,
    })
}

/// Lower-cases like the matchers expect (fast path for ASCII).
pub fn lower_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        for c in s.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

/// Tests one matcher on one value; `lower` is `orig` lower-cased.
/// `other` gives the values of another field for `fieldref`.
pub fn matches<'a>(
    m: &Matcher,
    orig: &str,
    lower: &str,
    other: &dyn Fn(&str) -> Vec<(&'a str, &'a str)>,
) -> bool {
    match m {
        Matcher::Str {
            op,
            pat,
            cased,
            finder,
        } => {
            let hay = if *cased { orig } else { lower };
            match finder {
                Some(f) => f.find(hay.as_bytes()).is_some(),
                None => str_op(*op, hay, pat),
            }
        }
        Matcher::Glob { re, cased } => re.is_match(if *cased { orig } else { lower }),
        Matcher::Regex(re) => re.is_match(orig),
        Matcher::Set(set) => set.test(if set.cased { orig } else { lower }),
        Matcher::Cidr(net) => orig
            .trim()
            .parse::<IpAddr>()
            .is_ok_and(|ip| net.contains(&ip)),
        Matcher::Num(op, n) => orig.trim().parse::<f64>().is_ok_and(|v| op.holds(v, *n)),
        Matcher::FieldRef { field, op, cased } => other(field).iter().any(|(o, l)| {
            if *cased {
                str_op(*op, orig, o)
            } else {
                str_op(*op, lower, l)
            }
        }),
    }
}

fn str_op(op: StrOp, hay: &str, pat: &str) -> bool {
    match op {
        StrOp::Eq => hay == pat,
        StrOp::Contains => memchr::memmem::find(hay.as_bytes(), pat.as_bytes()).is_some(),
        StrOp::Prefix => hay.starts_with(pat),
        StrOp::Suffix => hay.ends_with(pat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(field: &str, mods: &[&str], vals: &[&str]) -> FieldItem {
        FieldItem {
            field: field.into(),
            modifiers: mods.iter().map(|s| s.to_string()).collect(),
            values: vals
                .iter()
                .map(|s| ScalarValue::Str(s.to_string()))
                .collect(),
        }
    }

    fn hit(fc: &FieldCond, value: &str) -> bool {
        let lower = value.to_lowercase();
        fc.tests.iter().any(|t| match t {
            FieldTest::Any(ms) => ms
                .iter()
                .any(|m| matches(m, value, &lower, &|_| Vec::new())),
            _ => false,
        })
    }

    #[test]
    fn wildcards_and_escapes() {
        let ph = Placeholders::default();
        let fc = compile_item(&item("f", &[], &["C:\\Win*\\sys?em32\\\\*.exe"]), &ph).expect("c");
        assert!(hit(&fc, "c:\\windows\\SYSTEM32\\cmd.exe"));
        assert!(!hit(&fc, "c:\\windows\\system3\\cmd.exe"));
        let lit = compile_item(&item("f", &[], &["a\\*b"]), &ph).expect("c");
        assert!(hit(&lit, "A*B") && !hit(&lit, "axb"));
        let bs = compile_item(&item("f", &["endswith"], &["\\cmd.exe"]), &ph).expect("c");
        assert!(hit(&bs, "C:\\x\\CMD.EXE"));
    }

    #[test]
    fn windash_expands_five_ways() {
        let v = windash("-enc x /c").expect("windash");
        assert_eq!(v.len(), 25);
        assert!(v.contains(&"/enc x -c".to_string()));
        assert!(v.contains(&"\u{2014}enc x \u{2013}c".to_string()));
        assert_eq!(windash("a-b").expect("w"), vec!["a-b".to_string()]);
    }

    #[test]
    fn base64offset_matches_pysigma() {
        // The three forms pySigma gives for "/bin/bash".
        assert_eq!(
            base64_offsets(b"/bin/bash"),
            vec!["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]
        );
        let ph = Placeholders::default();
        let fc = compile_item(
            &item("f", &["base64offset", "contains"], &["/bin/bash"]),
            &ph,
        )
        .expect("c");
        assert!(hit(&fc, "echo IC9iaW4vYmFzaCAtaQ== | base64 -d"));
        let wide = compile_item(
            &item("f", &["wide", "base64offset", "contains"], &["ping"]),
            &ph,
        )
        .expect("c");
        // "ping" in UTF-16LE, base64: cABpAG4AZwA=
        assert!(hit(&wide, "powershell -enc cABpAG4AZwA="));
    }

    #[test]
    fn other_kinds() {
        let ph = Placeholders::default();
        let c = compile_item(&item("ip", &["cidr"], &["10.0.0.0/8"]), &ph).expect("c");
        assert!(hit(&c, "10.2.3.4") && !hit(&c, "11.0.0.1"));
        let n = compile_item(&item("n", &["gte"], &["10"]), &ph).expect("c");
        assert!(hit(&n, "10") && !hit(&n, "9.5") && !hit(&n, "x"));
        let r = compile_item(&item("f", &["re"], &["^A.c$"]), &ph).expect("c");
        assert!(hit(&r, "Abc") && !hit(&r, "abc"), "re is case-sensitive");
        let ri = compile_item(&item("f", &["re", "i"], &["^A.c$"]), &ph).expect("c");
        assert!(hit(&ri, "abc"));
        let bad = compile_item(&item("f", &["re"], &["(?<=x)y"]), &ph).unwrap_err();
        assert!(bad.starts_with("f|re: re:"), "{bad}");
        assert!(compile_item(&item("f", &["bogus"], &["x"]), &ph)
            .unwrap_err()
            .contains("unknown modifier 'bogus'"));
        let mut ph = Placeholders::default();
        ph.insert("admins".into(), vec!["alice".into(), "bob".into()]);
        let e = compile_item(&item("u", &["expand"], &["%admins%"]), &ph).expect("c");
        assert!(hit(&e, "Bob") && !hit(&e, "carol"));
        assert!(compile_item(
            &item("u", &["expand"], &["%nobody%"]),
            &Placeholders::default()
        )
        .unwrap_err()
        .contains("%nobody%"));
    }

    #[test]
    fn required_literals() {
        let ph = Placeholders::default();
        let fc = compile_item(&item("f", &[], &["*\\Temp\\\\*.ps1"]), &ph).expect("c");
        let FieldTest::Any(ms) = &fc.tests[0] else {
            panic!()
        };
        assert_eq!(
            required_literal(&ms[0]),
            Some(Need::Contains("\\temp\\".into()))
        );
    }
}
