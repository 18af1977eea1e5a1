//! Debian version comparison, as `dpkg` does it: `[epoch:]upstream[-revision]`, epochs
//! numerically, then upstream and revision with `verrevcmp` (`~` before everything, even the
//! end; letters before other symbols; digit runs numerically).

use crate::VersionError;
use std::cmp::Ordering;

fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's comparison of an upstream version or a revision.
pub fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let at = |s: &[u8], k: usize| s.get(k).copied();
    while i < a.len() || j < b.len() {
        let mut first_diff = 0i32;
        while at(a, i).is_some_and(|c| !c.is_ascii_digit())
            || at(b, j).is_some_and(|c| !c.is_ascii_digit())
        {
            let (ac, bc) = (order(at(a, i)), order(at(b, j)));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while at(a, i) == Some(b'0') {
            i += 1;
        }
        while at(b, j) == Some(b'0') {
            j += 1;
        }
        while at(a, i).is_some_and(|c| c.is_ascii_digit())
            && at(b, j).is_some_and(|c| c.is_ascii_digit())
        {
            if first_diff == 0 {
                first_diff = i32::from(a[i]) - i32::from(b[j]);
            }
            i += 1;
            j += 1;
        }
        if at(a, i).is_some_and(|c| c.is_ascii_digit()) {
            return Ordering::Greater;
        }
        if at(b, j).is_some_and(|c| c.is_ascii_digit()) {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

/// A parsed Debian version.
struct DebVersion<'a> {
    epoch: u64,
    upstream: &'a str,
    revision: &'a str,
}

fn parse(v: &str) -> Result<DebVersion<'_>, VersionError> {
    let err = |reason| VersionError {
        scheme: "deb",
        version: v.to_string(),
        reason,
    };
    let v = v.trim();
    if v.is_empty() {
        return Err(err("empty"));
    }
    if v.contains(char::is_whitespace) {
        return Err(err("contains spaces"));
    }
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) => (
            e.parse::<u64>()
                .map_err(|_| err("the epoch is not a number"))?,
            rest,
        ),
        None => (0, v),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) => (u, r),
        None => (rest, ""),
    };
    // dpkg warns about an upstream version that does not start with a digit but still
    // compares it; so do we.
    if upstream.is_empty() {
        return Err(err("the upstream version is empty"));
    }
    Ok(DebVersion {
        epoch,
        upstream,
        revision,
    })
}

/// Compares two Debian versions.
pub fn deb_compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (a, b) = (parse(a)?, parse(b)?);
    Ok(a.epoch
        .cmp(&b.epoch)
        .then_with(|| verrevcmp(a.upstream, b.upstream))
        .then_with(|| verrevcmp(a.revision, b.revision)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    #[test]
    fn dpkg_rules() {
        let c = |a, b| deb_compare(a, b).expect("valid");
        assert_eq!(c("1.0~rc1", "1.0"), Less);
        assert_eq!(c("1.0", "1.0+b1"), Less);
        assert_eq!(c("1.0-1", "1.0-1~bpo1"), Greater);
        assert_eq!(c("1:0.1", "2.0"), Greater);
        assert_eq!(c("1.01", "1.1"), Equal);
        assert_eq!(c("1.0a", "1.0-"), Greater);
        assert_eq!(c("2.36-9+deb12u8", "2.36-9+deb12u10"), Less);
        assert_eq!(c("1:9.2p1-2+deb12u3", "1:9.2p1-2+deb12u2"), Greater);
        assert_eq!(c("a", "."), Less, "letters sort before other symbols");
        assert!(deb_compare("x:1.0", "1.0").is_err());
    }
}
