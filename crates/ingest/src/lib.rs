//! Log intake, without I/O: bytes in, records out.
//!
//! - [`framing`]: an RFC 6587 decoder that splits a TCP syslog stream into messages,
//!   detecting octet counting or newline framing per message.
//! - [`syslog`]: RFC 5424 and RFC 3164 (BSD) lines, including plain `/var/log/auth.log` lines,
//!   rsyslog's ISO timestamps and `logger`'s host-less lines. Year-less and zone-less times are
//!   read as Asia/Ho_Chi_Minh (UTC+07:00).
//! - [`normalize`]: syslog messages, Apache/Nginx access lines, Windows events (the JSON the
//!   `evtx` crate produces) and generic JSON into Sigma's log sources and field names.
//!
//! ```
//! use canhgac_ingest::{framing::Framer, normalize, syslog};
//! let mut framer = Framer::new(64 * 1024);
//! framer.push(b"<38>Nov 25 02:00:00 web01 sshd[42]: Failed password for invalid user admin from 203.0.113.9 port 51122 ssh2\n");
//! let frame = framer.next_frame().unwrap().unwrap();
//! let msg = syslog::parse(&frame, 1_795_600_000_000).unwrap();
//! let rec = normalize::from_syslog(&msg);
//! assert_eq!((rec.product, rec.service), (Some("linux"), Some("sshd")));
//! assert_eq!(normalize::services_for("sshd"), ["sshd", "auth"]);
//! assert_eq!(rec.get("user"), Some("admin"));
//! assert_eq!(rec.get("src_ip"), Some("203.0.113.9"));
//! assert_eq!(rec.get("outcome"), Some("failure"));
//! ```
//!
//! **Invariants.**
//! - Nothing here panics, whatever the input: arbitrary bytes, truncated lines, invalid UTF-8
//!   (replaced by U+FFFD), absurd lengths. The property tests feed every prefix of real lines
//!   and random bytes to the parser and the framer.
//! - Every malformed input is reported, not dropped: a line that is not syslog is a
//!   [`syslog::ParseError`] naming the part and byte offset; an oversized frame is a
//!   [`framing::FrameError`] carrying its first `max_len` bytes (the framer also counts what it
//!   skipped); a trailing partial frame comes back from [`framing::Framer::finish`]; `web_access`
//!   and `auditd_record` return `None` so the caller keeps the raw line.
//! - No I/O, no clocks: the caller passes "now" where a year must be guessed.

pub mod event;
pub mod framing;
pub mod normalize;
pub mod relp;
mod shapes;
pub mod syslog;
mod time;
pub mod w3c;
pub mod winxml;

pub use framing::{FrameError, Framer, Framing};
pub use normalize::{
    auditd_record, category_aliases, from_syslog, json_object, services_for, web_access,
    web_access_time_ms, web_error, windows_flatten, Normalized,
};
pub use syslog::{parse as parse_syslog, ParseError, Part, SyslogFormat, SyslogMessage};
pub use time::VN_OFFSET_SECS;
