//! PEP 440 versions: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the spellings PEP 440
//! normalises (`alpha`, `beta`, `c`, `pre`, `preview`, `rev`, `r`, `-N` for post, `_` and `-`
//! separators, a leading `v`) and its ordering (dev < pre < release < post; trailing zeros of the
//! release ignored; local versions after the public one).

use crate::VersionError;
use std::cmp::Ordering;

/// A parsed PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pep440 {
    epoch: u64,
    release: Vec<u64>,
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Vec<LocalPart>,
}

/// Epoch, release, pre-release, post-release and dev-release, as PEP 440 orders them.
type SortKey = (u64, Vec<u64>, (i8, u8, u64), (i8, u64), (i8, u64));

#[derive(Debug, Clone, PartialEq, Eq)]
enum LocalPart {
    Num(u64),
    Word(String),
}

impl Pep440 {
    /// Parses a version.
    pub fn parse(v: &str) -> Result<Pep440, VersionError> {
        let err = |reason| VersionError {
            scheme: "pep440",
            version: v.to_string(),
            reason,
        };
        let s = v.trim().to_ascii_lowercase();
        let s = s.strip_prefix('v').unwrap_or(&s);
        let (public, local) = match s.split_once('+') {
            Some((p, l)) => (p, Some(l)),
            None => (s, None),
        };
        let b = public.as_bytes();
        let mut i = 0;
        let num = |i: &mut usize| -> Option<u64> {
            let start = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            (start < *i)
                .then(|| public[start..*i].parse().ok())
                .flatten()
        };
        let first = num(&mut i).ok_or_else(|| err("must start with a number"))?;
        let (epoch, mut release) = if b.get(i) == Some(&b'!') {
            i += 1;
            (
                first,
                vec![num(&mut i).ok_or_else(|| err("a number must follow the epoch"))?],
            )
        } else {
            (0, vec![first])
        };
        while b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            release.push(num(&mut i).ok_or_else(|| err("bad release segment"))?);
        }
        let skip_sep = |i: &mut usize| {
            if matches!(b.get(*i), Some(b'.' | b'-' | b'_')) {
                *i += 1;
            }
        };
        let word = |i: &mut usize, words: &[&str]| -> Option<usize> {
            for (k, w) in words.iter().enumerate() {
                if public[*i..].starts_with(w) {
                    *i += w.len();
                    return Some(k);
                }
            }
            None
        };
        let mut pre = None;
        let mut j = i;
        skip_sep(&mut j);
        // Longest spellings first.
        if let Some(k) = word(
            &mut j,
            &["alpha", "beta", "preview", "pre", "rc", "a", "b", "c"],
        ) {
            let kind = match k {
                0 | 5 => 0,
                1 | 6 => 1,
                _ => 2,
            };
            skip_sep(&mut j);
            pre = Some((kind, num(&mut j).unwrap_or(0)));
            i = j;
        }
        let mut post = None;
        let mut j = i;
        if b.get(j) == Some(&b'-') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
            j += 1;
            post = num(&mut j);
            i = j;
        } else {
            skip_sep(&mut j);
            if word(&mut j, &["post", "rev", "r"]).is_some() {
                skip_sep(&mut j);
                post = Some(num(&mut j).unwrap_or(0));
                i = j;
            }
        }
        let mut dev = None;
        let mut j = i;
        skip_sep(&mut j);
        if word(&mut j, &["dev"]).is_some() {
            skip_sep(&mut j);
            dev = Some(num(&mut j).unwrap_or(0));
            i = j;
        }
        if i != b.len() {
            return Err(err("unexpected text after the version"));
        }
        let local = match local {
            None => vec![],
            Some(l) => {
                let parts: Vec<&str> = l.split(['.', '-', '_']).collect();
                if parts
                    .iter()
                    .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_alphanumeric()))
                {
                    return Err(err("bad local version"));
                }
                parts
                    .into_iter()
                    .map(|p| {
                        p.parse()
                            .map(LocalPart::Num)
                            .unwrap_or_else(|_| LocalPart::Word(p.to_string()))
                    })
                    .collect()
            }
        };
        Ok(Pep440 {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    fn key(&self) -> SortKey {
        let mut release = self.release.clone();
        while release.len() > 1 && release.last() == Some(&0) {
            release.pop();
        }
        // As `packaging` does: a dev release of a final version sorts before its pre-releases.
        let pre = match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (-1, 0, 0),
            (None, _, _) => (1, 0, 0),
            (Some((k, n)), _, _) => (0, k, n),
        };
        let post = match self.post {
            None => (-1, 0),
            Some(n) => (0, n),
        };
        let dev = match self.dev {
            None => (1, 0),
            Some(n) => (0, n),
        };
        (self.epoch, release, pre, post, dev)
    }
}

fn cmp_local(a: &[LocalPart], b: &[LocalPart]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (LocalPart::Num(p), LocalPart::Num(q)) => p.cmp(q),
            (LocalPart::Num(_), LocalPart::Word(_)) => Ordering::Greater,
            (LocalPart::Word(_), LocalPart::Num(_)) => Ordering::Less,
            (LocalPart::Word(p), LocalPart::Word(q)) => p.cmp(q),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

impl Ord for Pep440 {
    fn cmp(&self, o: &Self) -> Ordering {
        let (a, b) = (self.key(), o.key());
        let (ra, rb) = (&a.1, &b.1);
        let release = {
            let n = ra.len().max(rb.len());
            (0..n)
                .map(|k| {
                    ra.get(k)
                        .copied()
                        .unwrap_or(0)
                        .cmp(&rb.get(k).copied().unwrap_or(0))
                })
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        };
        a.0.cmp(&b.0)
            .then(release)
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
            .then(a.4.cmp(&b.4))
            .then_with(|| cmp_local(&self.local, &o.local))
    }
}

impl PartialOrd for Pep440 {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Compares two PEP 440 versions.
pub fn pep440_compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(Pep440::parse(a)?.cmp(&Pep440::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_order() {
        // The ordering example of PEP 440.
        let order = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for w in order.windows(2) {
            assert_eq!(
                pep440_compare(w[0], w[1]),
                Ok(Ordering::Less),
                "{} < {}",
                w[0],
                w[1]
            );
        }
    }

    #[test]
    fn spellings_normalise() {
        let eq = |a, b| assert_eq!(pep440_compare(a, b), Ok(Ordering::Equal), "{a} == {b}");
        eq("1.0", "1.0.0");
        eq("1.0alpha1", "1.0a1");
        eq("1.0-beta.2", "1.0b2");
        eq("1.0c1", "1.0rc1");
        eq("1.0-1", "1.0.post1");
        eq("v2.0", "2.0");
        eq("1!1.0", "1!1.0.0");
        assert_eq!(pep440_compare("1!0.1", "2.0"), Ok(Ordering::Greater));
        assert!(pep440_compare("1.0foo", "1.0").is_err());
    }
}
