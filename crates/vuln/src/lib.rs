//! Exact version semantics for matching advisories to inventories: Debian (`dpkg`), RPM
//! (`rpmvercmp` with epoch and release), SemVer 2.0, PEP 440 and a generic dotted scheme.
//! Each comparison agrees with the reference implementation of its ecosystem — `dpkg` and
//! RPM's are checked differentially in the tests.
//!
//! ```
//! use canhgac_vuln::{compare, Scheme};
//! use std::cmp::Ordering::*;
//! assert_eq!(compare(Scheme::Deb, "1:9.2p1-2+deb12u3", "1:9.2p1-2+deb12u2"), Ok(Greater));
//! assert_eq!(compare(Scheme::Deb, "1.0~rc1", "1.0"), Ok(Less));
//! assert_eq!(compare(Scheme::Rpm, "8.7p1-38.el9_4.4", "8.7p1-38.el9"), Ok(Greater));
//! assert_eq!(compare(Scheme::Pep440, "2.0.0rc1", "2.0"), Ok(Less));
//! assert_eq!(compare(Scheme::Semver, "1.0.0-alpha.1", "1.0.0-alpha.beta"), Ok(Less));
//! ```
//!
//! No I/O.

pub mod advisory;
mod deb;
pub mod formats;
mod generic;
pub mod inventory;
pub mod matcher;
mod pep440;
mod rpm;
pub mod scanners;
mod semver;

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use thiserror::Error;

pub use deb::{deb_compare, verrevcmp};
pub use generic::generic_compare;
pub use pep440::{pep440_compare, Pep440};
pub use rpm::{rpm_evr_compare, rpmvercmp};
pub use semver::{semver_compare, SemVer};

/// A versioning scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Debian and Ubuntu packages (`dpkg --compare-versions`).
    Deb,
    /// RPM packages (`rpmvercmp` over epoch, version, release).
    Rpm,
    /// Semantic Versioning 2.0 (npm, Go, Cargo…).
    Semver,
    /// Python packages (PEP 440).
    Pep440,
    /// Anything else: dotted numbers and words.
    Generic,
}

impl Scheme {
    /// Parses a scheme name (`deb`, `rpm`, `semver`, `pep440`, `generic`, and the package
    /// schemes of the registry: `pypi` → PEP 440, `npm` → SemVer, `msi` → generic).
    pub fn parse(s: &str) -> Option<Scheme> {
        match s.trim().to_ascii_lowercase().as_str() {
            "deb" | "debian" | "dpkg" | "ubuntu" => Some(Scheme::Deb),
            "rpm" | "redhat" | "rhel" => Some(Scheme::Rpm),
            "semver" | "npm" | "go" | "cargo" | "crates.io" => Some(Scheme::Semver),
            "pep440" | "pypi" | "python" => Some(Scheme::Pep440),
            "generic" | "msi" | "windows" => Some(Scheme::Generic),
            _ => None,
        }
    }
}

/// A version that its scheme cannot read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("'{version}' is not a valid {scheme} version: {reason}")]
pub struct VersionError {
    /// The scheme.
    pub scheme: &'static str,
    /// The text.
    pub version: String,
    /// Why.
    pub reason: &'static str,
}

/// Compares two versions under a scheme.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    match scheme {
        Scheme::Deb => deb_compare(a, b),
        Scheme::Rpm => Ok(rpm_evr_compare(a, b)),
        Scheme::Semver => semver_compare(a, b),
        Scheme::Pep440 => pep440_compare(a, b),
        Scheme::Generic => Ok(generic_compare(a, b)),
    }
}
