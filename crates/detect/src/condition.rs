//! The Sigma condition grammar: `and`, `or`, `not`, parentheses, `1 of x*`, `all of x*`,
//! `N of them`, with wildcards in selection names. Precedence: `not` > `and` > `or`.

/// A condition over selections, resolved to selection indices.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Sel(usize),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// At least `n` of the parts hold.
    AtLeast(usize, Vec<Cond>),
    Const(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    And,
    Or,
    Not,
    Of,
    All,
    Num(usize),
    Them,
    LParen,
    RParen,
    Ident(String),
    Pipe,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        match c {
            '(' => {
                out.push(Tok::LParen);
                chars.next();
            }
            ')' => {
                out.push(Tok::RParen);
                chars.next();
            }
            '|' => {
                out.push(Tok::Pipe);
                chars.next();
            }
            _ => {
                let mut end = i;
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace() || d == '(' || d == ')' || d == '|' {
                        break;
                    }
                    end = j + d.len_utf8();
                    chars.next();
                }
                let word = &s[i..end];
                out.push(match word.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "of" => Tok::Of,
                    "all" => Tok::All,
                    "any" => Tok::Num(1),
                    "them" => Tok::Them,
                    w if w.bytes().all(|b| b.is_ascii_digit()) => Tok::Num(
                        w.parse()
                            .map_err(|_| format!("condition: number '{word}' too large"))?,
                    ),
                    _ => Tok::Ident(word.to_string()),
                });
            }
        }
    }
    Ok(out)
}

/// Matches a selection name against a pattern with `*` (and `?`) wildcards: one pass with
/// backtracking to the last `*` only, so a pattern of many stars costs pattern × name steps,
/// not an exponential number (fuzzing found `1 of ***…*` hanging the recursive version).
fn name_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut i, mut j) = (0, 0);
    // Where the last `*` was in the pattern, and where in the name it began to match.
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && p[i] == b'*' {
            star = Some((i + 1, j));
            i += 1;
        } else if i < p.len() && (p[i] == b'?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if let Some((after, from)) = star {
            // The last `*` takes one more byte of the name.
            i = after;
            j = from + 1;
            star = Some((after, from + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|b| *b == b'*')
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    names: &'a [String],
}

/// Parses a condition against the rule's selection names.
pub fn parse(condition: &str, names: &[String]) -> Result<Cond, crate::error::DetectError> {
    parse_text(condition, names).map_err(crate::error::DetectError::Condition)
}

fn parse_text(condition: &str, names: &[String]) -> Result<Cond, String> {
    let toks = tokenize(condition)?;
    if toks.contains(&Tok::Pipe) {
        return Err(format!(
            "condition '{condition}': aggregation expressions (`| count() …`) are deprecated in Sigma; write a correlation rule"
        ));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        names,
    };
    let c = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!(
            "condition '{condition}': unexpected {:?} at token {}",
            p.toks[p.pos],
            p.pos + 1
        ));
    }
    Ok(c)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn or(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::Or(parts)
        })
    }
    fn and(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.not()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::And(parts)
        })
    }
    fn not(&mut self) -> Result<Cond, String> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Cond, String> {
        match self.next() {
            Some(Tok::LParen) => {
                let c = self.or()?;
                match self.next() {
                    Some(Tok::RParen) => Ok(c),
                    _ => Err("condition: missing ')'".into()),
                }
            }
            Some(Tok::Ident(name)) => self
                .names
                .iter()
                .position(|n| *n == name)
                .map(Cond::Sel)
                .ok_or_else(|| format!("condition: no selection named '{name}'")),
            Some(t @ (Tok::All | Tok::Num(_))) => {
                if self.next() != Some(Tok::Of) {
                    return Err("condition: expected 'of' after a quantifier".into());
                }
                let parts: Vec<Cond> = match self.next() {
                    // `them` covers every selection except those starting with `_`.
                    Some(Tok::Them) => (0..self.names.len())
                        .filter(|&i| !self.names[i].starts_with('_'))
                        .map(Cond::Sel)
                        .collect(),
                    Some(Tok::Ident(pat)) => {
                        let v: Vec<Cond> = (0..self.names.len())
                            .filter(|&i| name_matches(&pat, &self.names[i]))
                            .map(Cond::Sel)
                            .collect();
                        if v.is_empty() {
                            return Err(format!("condition: no selection matches '{pat}'"));
                        }
                        v
                    }
                    _ => return Err("condition: expected a selection pattern or 'them'".into()),
                };
                Ok(match t {
                    Tok::All => Cond::And(parts),
                    Tok::Num(1) => Cond::Or(parts),
                    Tok::Num(n) => Cond::AtLeast(n, parts),
                    _ => Cond::Const(false),
                })
            }
            Some(t) => Err(format!("condition: unexpected {t:?}")),
            None => Err("condition: ends too early".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wildcards_match_in_linear_steps() {
        for (p, n, want) in [
            ("sel*", "selection", true),
            ("sel_*", "selection", false),
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("s?l*n", "selection", true),
            ("*tion", "selection", true),
            ("*ti*on*", "selection", true),
            ("*x*", "selection", false),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "aXbYd", false),
            ("**", "ab", true),
        ] {
            assert_eq!(name_matches(p, n), want, "{p} ~ {n}");
        }
        // The fuzzer's hang: many stars before a byte the names do not have. The recursive
        // matcher took minutes; this answers at once.
        let stars = format!("1 of {}\0\0\0s", "*".repeat(75));
        let n = names(&["selection", "filter", "sel_1", "sel_2", "keywords"]);
        let _ = parse(&stars, &n);
        assert!(!name_matches(
            &format!("{}!", "*".repeat(200)),
            &"a".repeat(200)
        ));
    }

    #[test]
    fn precedence_and_quantifiers() {
        let n = names(&["sel_a", "sel_b", "filter_x", "_hidden"]);
        assert_eq!(
            parse("sel_a or sel_b and not filter_x", &n).expect("parse"),
            Cond::Or(vec![
                Cond::Sel(0),
                Cond::And(vec![Cond::Sel(1), Cond::Not(Box::new(Cond::Sel(2)))])
            ])
        );
        assert_eq!(
            parse("all of sel_* and not 1 of filter_*", &n).expect("parse"),
            Cond::And(vec![
                Cond::And(vec![Cond::Sel(0), Cond::Sel(1)]),
                Cond::Not(Box::new(Cond::Or(vec![Cond::Sel(2)])))
            ])
        );
        assert_eq!(
            parse("2 of them", &n).expect("parse"),
            Cond::AtLeast(2, vec![Cond::Sel(0), Cond::Sel(1), Cond::Sel(2)])
        );
        assert_eq!(
            parse("(sel_a)", &n).expect("parse"),
            Cond::Sel(0),
            "parentheses"
        );
    }

    #[test]
    fn errors_are_named() {
        let n = names(&["a"]);
        assert!(parse("a and", &n)
            .unwrap_err()
            .to_string()
            .contains("ends too early"));
        assert!(parse("b", &n).unwrap_err().to_string().contains("'b'"));
        assert!(parse("a | count() > 5", &n)
            .unwrap_err()
            .to_string()
            .contains("correlation"));
        assert!(parse("(a", &n).unwrap_err().to_string().contains(")"));
    }
}
