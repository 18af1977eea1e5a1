//! The vocabulary of canhgac: organisations and the records they own, the roles that
//! read and change them, the organisation scope every query is cut by, and the two
//! lifecycles every capability reuses — the [`signal::Signal`] (something observed that
//! may need a person) and the [`work::WorkItem`] (something an organisation must do by
//! a deadline, closed by a person's word or only by proof).
//!
//! This crate does no I/O: it takes values and returns values plus diagnostics.

pub mod access;
pub mod entity;
pub mod net;
pub mod signal;
pub mod text;
pub mod time;
pub mod work;

pub use access::{Role, Scope};
pub use entity::{EntityKind, Field, FieldError, FieldType, Record};
