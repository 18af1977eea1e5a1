//! Semantic Versioning 2.0 precedence (build metadata ignored). A leading `v` and missing
//! minor/patch (`v1.2`) are accepted, as ecosystems write them.

use crate::VersionError;
use std::cmp::Ordering;

/// A parsed SemVer version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemVer {
    /// Major, minor, patch.
    pub core: [u64; 3],
    /// Pre-release identifiers (empty for a release).
    pub pre: Vec<String>,
}

impl SemVer {
    /// Parses a version.
    pub fn parse(v: &str) -> Result<SemVer, VersionError> {
        let err = |reason| VersionError {
            scheme: "semver",
            version: v.to_string(),
            reason,
        };
        let t = v.trim();
        let t = t
            .strip_prefix('v')
            .or_else(|| t.strip_prefix('V'))
            .unwrap_or(t);
        let t = t.split('+').next().unwrap_or_default();
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (t, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty()
            || parts.len() > 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(err("expected MAJOR.MINOR.PATCH"));
        }
        let mut nums = [0u64; 3];
        for (i, p) in parts.iter().enumerate() {
            nums[i] = p.parse().map_err(|_| err("a number is too large"))?;
        }
        let pre = match pre {
            None => vec![],
            Some(p) => {
                let ids: Vec<String> = p.split('.').map(str::to_string).collect();
                if ids.iter().any(|i| {
                    i.is_empty() || !i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                }) {
                    return Err(err("bad pre-release identifier"));
                }
                ids
            }
        };
        Ok(SemVer { core: nums, pre })
    }
}

fn cmp_ident(a: &str, b: &str) -> Ordering {
    let num = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    match (num(a), num(b)) {
        (true, true) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

impl Ord for SemVer {
    fn cmp(&self, o: &Self) -> Ordering {
        self.core
            .cmp(&o.core)
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (x, y) in self.pre.iter().zip(&o.pre) {
                        match cmp_ident(x, y) {
                            Ordering::Equal => {}
                            d => return d,
                        }
                    }
                    self.pre.len().cmp(&o.pre.len())
                }
            })
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Compares two SemVer versions.
pub fn semver_compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(SemVer::parse(a)?.cmp(&SemVer::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_order() {
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for w in order.windows(2) {
            assert_eq!(
                semver_compare(w[0], w[1]),
                Ok(Ordering::Less),
                "{} < {}",
                w[0],
                w[1]
            );
        }
        assert_eq!(semver_compare("v1.2", "1.2.0+build.5"), Ok(Ordering::Equal));
        assert!(semver_compare("1.2.x", "1.2.0").is_err());
    }
}
