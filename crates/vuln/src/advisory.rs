//! Advisories as canhgac holds them, whatever they arrived as: which packages of which
//! ecosystem are affected, in which versions (OSV range events: introduced, fixed,
//! last_affected, limit; or explicit versions), and how bad it is.

use crate::{compare, Scheme};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// One OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Affected from this version on (`0` = from the beginning).
    Introduced(String),
    /// Not affected from this version on.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
    /// Not affected from this version on (an upper bound of the range).
    Limit(String),
}

impl Event {
    fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// One affected package of an advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// How versions compare.
    pub scheme: Scheme,
    /// The distribution release the versions belong to (`debian:12`, `ubuntu:22.04`), when
    /// the advisory says.
    pub distro: Option<String>,
    /// Package name, normalised (see [`normalise_name`]).
    pub package: String,
    /// Vendor, for products matched by vendor and name (generic scheme).
    pub vendor: Option<String>,
    /// Ranges, each a list of events.
    pub ranges: Vec<Vec<Event>>,
    /// Explicitly affected versions.
    pub versions: Vec<String>,
}

impl Affected {
    /// Whether `version` is affected. An unreadable version counts as not affected (and is
    /// reported by the caller, not guessed at).
    pub fn is_affected(&self, version: &str) -> bool {
        let cmp = |a: &str, b: &str| compare(self.scheme, a, b).ok();
        if self
            .versions
            .iter()
            .any(|v| cmp(version, v) == Some(Ordering::Equal))
        {
            return true;
        }
        self.ranges
            .iter()
            .any(|events| in_range(self.scheme, version, events))
    }

    /// The lowest fixed version above `version`, if any range names one.
    pub fn fixed_for(&self, version: &str) -> Option<&str> {
        self.ranges
            .iter()
            .flatten()
            .filter_map(|e| match e {
                Event::Fixed(f)
                    if compare(self.scheme, f, version).ok() == Some(Ordering::Greater) =>
                {
                    Some(f.as_str())
                }
                _ => None,
            })
            .min_by(|a, b| compare(self.scheme, a, b).unwrap_or(Ordering::Equal))
    }
}

/// OSV's evaluation of one range: events in version order; `introduced` opens, `fixed` and
/// `limit` close at their version, `last_affected` closes after it.
pub fn in_range(scheme: Scheme, version: &str, events: &[Event]) -> bool {
    let mut sorted: Vec<&Event> = events.iter().collect();
    let key = |e: &Event| e.version() == "0" && matches!(e, Event::Introduced(_));
    sorted.sort_by(|a, b| match (key(a), key(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => compare(scheme, a.version(), b.version()).unwrap_or(Ordering::Equal),
    });
    let mut affected = false;
    for e in sorted {
        let c = if key(e) {
            Some(Ordering::Greater)
        } else {
            compare(scheme, version, e.version()).ok()
        };
        let Some(c) = c else { continue };
        match e {
            Event::Introduced(_) if c != Ordering::Less => affected = true,
            Event::Fixed(_) | Event::Limit(_) if c != Ordering::Less => affected = false,
            Event::LastAffected(_) if c == Ordering::Greater => affected = false,
            _ => {}
        }
    }
    affected
}

/// An advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// Its own id (`DSA-3029-1`, `GHSA-…`, `RHSA-2021:5186`, `CVE-…`, or the national warning's
    /// number).
    pub id: String,
    /// Other ids, CVEs first.
    pub aliases: Vec<String>,
    /// One line.
    pub title: String,
    /// low, medium, high, critical — when known.
    pub severity: Option<String>,
    /// CVSS base score, when known.
    pub cvss: Option<f32>,
    /// Publication date (as written).
    pub published: Option<String>,
    /// Affected packages.
    pub affected: Vec<Affected>,
    /// Recommended action.
    pub recommendation: Option<String>,
    /// Which format it came from (osv, csaf, cve5, manual).
    pub source: String,
}

impl Advisory {
    /// The CVE ids of the advisory.
    pub fn cves(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .filter(|i| i.starts_with("CVE-"))
    }
}

/// A package name as matching compares it: lower case, runs of `-_.` and spaces as one `-`
/// for Python packages (PEP 503), trimmed otherwise.
pub fn normalise_name(scheme: Scheme, name: &str) -> String {
    let lower = name.trim().to_lowercase();
    match scheme {
        Scheme::Pep440 => {
            let mut out = String::with_capacity(lower.len());
            let mut sep = false;
            for c in lower.chars() {
                if matches!(c, '-' | '_' | '.') || c.is_whitespace() {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.push(c);
                }
            }
            out
        }
        Scheme::Generic => lower.split_whitespace().collect::<Vec<_>>().join(" "),
        _ => lower,
    }
}

/// The scheme and distribution of an OSV ecosystem (`Debian:12`, `PyPI`, `npm`, …).
pub fn ecosystem(eco: &str) -> (Scheme, Option<String>) {
    let (base, release) = match eco.split_once(':') {
        Some((b, r)) => (b, Some(r)),
        None => (eco, None),
    };
    let lower = base.to_ascii_lowercase();
    let scheme = match lower.as_str() {
        "debian" | "ubuntu" => Scheme::Deb,
        "red hat" | "redhat" | "almalinux" | "rocky linux" | "suse" | "opensuse" | "mageia"
        | "openeuler" => Scheme::Rpm,
        "pypi" => Scheme::Pep440,
        "npm" | "go" | "crates.io" | "nuget" | "packagist" | "rubygems" | "hex" | "pub" => {
            Scheme::Semver
        }
        _ => Scheme::Generic,
    };
    let distro = match (scheme, release) {
        (Scheme::Deb | Scheme::Rpm, Some(r)) => {
            Some(format!("{lower}:{}", r.split(':').next().unwrap_or(r)))
        }
        _ => None,
    };
    (scheme, distro)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(list: &[(&str, &str)]) -> Vec<Event> {
        list.iter()
            .map(|(k, v)| match *k {
                "i" => Event::Introduced(v.to_string()),
                "f" => Event::Fixed(v.to_string()),
                "l" => Event::LastAffected(v.to_string()),
                _ => Event::Limit(v.to_string()),
            })
            .collect()
    }

    #[test]
    fn osv_ranges() {
        let r = ev(&[("i", "0"), ("f", "1.2.7"), ("i", "1.3"), ("f", "1.3.1")]);
        for (v, want) in [
            ("1.0", true),
            ("1.2.6", true),
            ("1.2.7", false),
            ("1.2.9", false),
            ("1.3", true),
            ("1.3.1", false),
            ("2.0", false),
        ] {
            assert_eq!(in_range(Scheme::Pep440, v, &r), want, "{v}");
        }
        let r = ev(&[("i", "2.0"), ("l", "2.4")]);
        assert!(
            in_range(Scheme::Semver, "2.4.0", &r)
                && !in_range(Scheme::Semver, "2.4.1", &r)
                && !in_range(Scheme::Semver, "1.9.0", &r)
        );
        let r = ev(&[("i", "0"), ("l", "5.0"), ("lim", "4.0")]);
        assert!(
            !in_range(Scheme::Generic, "4.5", &r),
            "limit closes the range"
        );
    }

    #[test]
    fn names_and_ecosystems() {
        assert_eq!(
            normalise_name(Scheme::Pep440, "Django_REST.framework"),
            "django-rest-framework"
        );
        assert_eq!(
            normalise_name(Scheme::Generic, " Google  Chrome "),
            "google chrome"
        );
        assert_eq!(
            ecosystem("Debian:12"),
            (Scheme::Deb, Some("debian:12".into()))
        );
        assert_eq!(
            ecosystem("Ubuntu:22.04:LTS"),
            (Scheme::Deb, Some("ubuntu:22.04".into()))
        );
        assert_eq!(ecosystem("PyPI"), (Scheme::Pep440, None));
    }
}
