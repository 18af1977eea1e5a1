//! Spam and fraud reports (M10, M11), the engine without I/O: reports to 5656 as people type
//! them ([`report`]), Vietnamese phone numbers to E.164 with their network ([`phone`]), and text
//! folded for matching with the URLs it carries ([`fold`]), fraud/spam/legitimate with the
//! reasons ([`classify`]), near-duplicate messages and campaigns ([`similar`]), how much a sender deserves attention
//! ([`score`]), harmful URLs, domains and accounts with their blocklists ([`harmful`]).

pub mod classify;
pub mod fold;
pub mod harmful;
pub mod phone;
pub mod report;
pub mod score;
pub mod similar;

pub use classify::{Label, Model, Verdict};
pub use fold::{fold, urls};
pub use phone::{normalize, NumberKind, Phone};
pub use report::{from_parts, parse, Kind, ParseError, Report, Sender};
