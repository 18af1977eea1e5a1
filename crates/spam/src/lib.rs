//! Spam and fraud reports (M10, M11), the engine without I/O: reports to 5656 as people type
//! them ([`report`]), Vietnamese phone numbers to E.164 with their network ([`phone`]), and text
//! folded for matching with the URLs it carries ([`fold`]), fraud/spam/legitimate with the
//! reasons ([`classify`]), near-duplicate messages ([`similar`]).

pub mod classify;
pub mod fold;
pub mod phone;
pub mod report;
pub mod similar;

pub use classify::{Label, Model, Verdict};
pub use fold::{fold, urls};
pub use phone::{normalize, NumberKind, Phone};
pub use report::{parse, Kind, ParseError, Report, Sender};
