//! The capabilities' workflows, without HTTP: what happens when a Botnet list, an advisory, a
//! scanner report, a registry file or a log line arrives, from parsing (the engine crates)
//! through matching against the registry to the signals and work items it leaves in the store.
//!
//! Knows the store and the engines and nothing of axum or HTML: the web server (`server`), the
//! command line (`cli`) and the demo province (`demo`) all drive the same functions here.
//! Every function that reads or changes an organisation's records takes the caller's
//! [`canhgac_domain::Scope`] and [`canhgac_store::Actor`]; none builds a scope of its own.

pub mod agents;
pub mod botnet;
pub mod conns;
pub mod daily;
pub mod directives;
pub mod directory;
pub mod duty;
pub mod flows;
pub mod harmful;
pub mod import;
pub mod incidents;
pub mod limits;
pub mod listen;
pub mod mail;
pub mod malware;
pub mod monitor;
pub mod oncall;
pub mod patching;
pub mod periods;
pub mod platform;
pub mod platform_mail;
pub mod reports;
pub mod scans;
pub mod spam;
pub mod spool;
pub mod summaries;
pub mod work;
