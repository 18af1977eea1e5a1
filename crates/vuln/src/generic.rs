//! A generic scheme for versions no ecosystem owns (Windows programs, appliances): runs of
//! digits compare as numbers, runs of letters case-insensitively; a version that continues
//! with a number is newer (`1.0.1` > `1.0`), one that continues with a word is a pre-release
//! (`1.0rc1` < `1.0`).

use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Num(&'a str),
    Word(String),
}

fn parts(v: &str) -> Vec<Part<'_>> {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Part::Num(v[start..i].trim_start_matches('0')));
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Part::Word(v[start..i].to_ascii_lowercase()));
        } else {
            i += 1;
        }
    }
    out
}

/// Compares two versions of no particular ecosystem.
pub fn generic_compare(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (parts(a), parts(b));
    for k in 0..pa.len().max(pb.len()) {
        let o = match (pa.get(k), pb.get(k)) {
            (Some(Part::Num(x)), Some(Part::Num(y))) => {
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (Some(Part::Word(x)), Some(Part::Word(y))) => x.cmp(y),
            (Some(Part::Num(_)), Some(Part::Word(_))) => Ordering::Greater,
            (Some(Part::Word(_)), Some(Part::Num(_))) => Ordering::Less,
            (Some(Part::Num(_)), None) => Ordering::Greater,
            (Some(Part::Word(_)), None) => Ordering::Less,
            (None, Some(Part::Num(_))) => Ordering::Less,
            (None, Some(Part::Word(_))) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    #[test]
    fn generic_rules() {
        assert_eq!(generic_compare("131.0.6778.70", "130.0.6723.92"), Greater);
        assert_eq!(generic_compare("10.0.17763.6414", "10.0.17763.6414"), Equal);
        assert_eq!(generic_compare("1.0.1", "1.0"), Greater);
        assert_eq!(generic_compare("1.0rc1", "1.0"), Less);
        assert_eq!(generic_compare("4.3 RC5", "4.3 rc6"), Less);
        assert_eq!(generic_compare("2024.2.3.25184", "2024.10.0"), Less);
        assert_eq!(generic_compare("01.2", "1.2"), Equal);
    }
}
