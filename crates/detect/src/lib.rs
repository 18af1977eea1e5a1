//! Sigma detection for canhgac, with no I/O.
//!
//! - [`Builder`] reads SigmaHQ rule files as published (detection rules, correlation rules,
//!   filters, legacy `action: global` documents); a document that cannot be used is kept in
//!   [`Engine::refused`] with the reason — nothing is dropped silently.
//! - [`Engine`] holds every rule compiled into one matcher: per-field Aho-Corasick prefilters over
//!   the literals rules need, then full evaluation of the few candidate rules.
//! - [`Event`] is what the engine reads: flat fields, a log source, a time.
//!
//! Invariants: loading never panics on any input; a rule either compiles with the exact Sigma
//! semantics or is refused with a reason naming the selection and modifier; evaluation of an
//! event allocates nothing once the [`Scratch`] has warmed up (except for correlation state).

pub mod archive;
pub mod condition;
pub mod engine;
pub mod error;
pub mod event;
pub mod logsource;
pub mod rule;
pub mod value;

pub use engine::{
    Builder, CorrelationState, Engine, Hit, Journal, Refused, RuleInfo, RuleKind, Scratch,
};
pub use error::DetectError;
pub use event::{Event, EventSource};
pub use rule::{Level, LogSource};
pub use value::Placeholders;
