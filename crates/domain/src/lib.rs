//! The vocabulary of canhgac: organisations and the records they own, the roles that
//! read and change them, the organisation scope every query is cut by, and the two
//! lifecycles every capability reuses — the [`signal::Signal`] (something observed that
//! may need a person) and the [`work::WorkItem`] (something an organisation must do by
//! a deadline, closed by a person's word or only by proof).
//!
//! This crate does no I/O: it takes values and returns values plus diagnostics.

pub mod access;
pub mod agent;
pub mod directive;
pub mod duty;
pub mod entity;
pub mod incident;
pub mod net;
pub mod oncall;
pub mod period;
pub mod report;
pub mod signal;
pub mod spam;
pub mod text;
pub mod time;
pub mod work;

pub use access::{Role, Scope};
pub use entity::{EntityKind, Field, FieldError, FieldType, Record};

/// A stored or sent name that names no value of a vocabulary (a state, a kind, a severity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// Which vocabulary.
    pub what: &'static str,
    /// The name given.
    pub name: String,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {}: '{}'", self.what, self.name)
    }
}

impl std::error::Error for UnknownName {}

/// `TryFrom<String>` by a vocabulary's `parse` (how rows read their states and kinds), equality
/// with a wire name, and display as the wire name.
macro_rules! named {
    ($($t:ty => $what:literal),* $(,)?) => {$(
        impl TryFrom<String> for $t {
            type Error = UnknownName;
            fn try_from(s: String) -> Result<Self, UnknownName> {
                <$t>::parse(&s).ok_or(UnknownName { what: $what, name: s })
            }
        }

        impl PartialEq<&str> for $t {
            /// Compares with a wire name.
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

named!(
    signal::SignalKind => "signal kind",
    signal::SignalState => "signal state",
    signal::Severity => "severity",
    work::WorkKind => "work item kind",
    work::WorkState => "work item state",
);
