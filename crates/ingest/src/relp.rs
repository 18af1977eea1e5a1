//! RELP, rsyslog's Reliable Event Logging Protocol (librelp's `doc/relp.md`): frames
//! `TXNR SP COMMAND SP DATALEN [SP DATA] LF` over TCP. The client numbers its commands (`open`,
//! `syslog`, `close`); the server answers each with `rsp` and the same number, in order. A
//! message counts as delivered only when its `rsp` arrives, so a receiver that answers after
//! storing loses nothing across a crash: the sender sends again what was not answered.
//!
//! This is the incremental frame reader (bytes in, frames out) and the answers; the listener
//! lives with the other syslog listeners.

use std::collections::VecDeque;

/// Longest command name (the specification's `1*32ALPHA`).
const MAX_COMMAND: usize = 32;
/// Largest transaction number (`1*9DIGIT`).
const MAX_TXNR: u64 = 999_999_999;

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Transaction number (0: a hint, which is not answered).
    pub txnr: u32,
    /// Command: `open`, `syslog`, `close`, `rsp`, `serverclose`, …
    pub command: String,
    /// Command data.
    pub data: Vec<u8>,
}

/// A frame that breaks the protocol: the connection is closed (the specification's error
/// handling), and the sender sends again what was not answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelpError {
    /// A transaction number that is not 1–9 digits.
    #[error("RELP: bad transaction number")]
    Txnr,
    /// A command that is not 1–32 letters.
    #[error("RELP: bad command")]
    Command,
    /// A data length that is not 1–9 digits.
    #[error("RELP: bad data length")]
    Length,
    /// A data length over the session's limit.
    #[error("RELP: frame of {len} bytes over the limit of {max}")]
    TooLong {
        /// Announced length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The frame does not end with LF where its length says.
    #[error("RELP: frame not ended by LF")]
    Trailer,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Reading the header (`TXNR SP COMMAND SP DATALEN`) up to the space after the length,
    /// or the LF of an empty frame.
    Header,
    /// Reading `len` data bytes, then the LF.
    Data { len: usize },
}

/// Incremental RELP frame reader: push bytes as they arrive, take frames out. Memory stays
/// within one frame of the limit plus what was pushed and not yet taken.
#[derive(Debug)]
pub struct RelpReader {
    buf: VecDeque<u8>,
    state: State,
    head: (u32, String),
    max_data: usize,
    failed: bool,
}

impl RelpReader {
    /// A reader taking frames of at most `max_data` data bytes.
    pub fn new(max_data: usize) -> RelpReader {
        RelpReader {
            buf: VecDeque::new(),
            state: State::Header,
            head: (0, String::new()),
            max_data,
            failed: false,
        }
    }

    /// Bytes received.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend(bytes);
    }

    /// Bytes pushed and not yet read into a frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// The next whole frame, `None` when more bytes are needed, or an error (after which the
    /// reader gives nothing more: the connection is to be closed).
    pub fn next_frame(&mut self) -> Option<Result<Frame, RelpError>> {
        if self.failed {
            return None;
        }
        let r = self.step();
        if matches!(r, Some(Err(_))) {
            self.failed = true;
            self.buf.clear();
        }
        r
    }

    fn step(&mut self) -> Option<Result<Frame, RelpError>> {
        loop {
            match self.state {
                State::Header => {
                    // The header is short: look for its end within a bounded prefix.
                    let limit = self.buf.len().min(9 + 1 + MAX_COMMAND + 1 + 9 + 1);
                    let mut spaces = 0;
                    let mut end = None;
                    for (i, b) in self.buf.iter().take(limit).enumerate() {
                        match b {
                            b' ' => {
                                spaces += 1;
                                if spaces == 3 {
                                    end = Some((i, true));
                                    break;
                                }
                            }
                            b'\n' if spaces == 2 => {
                                end = Some((i, false));
                                break;
                            }
                            b'\n' => return Some(Err(self.header_error(spaces))),
                            _ => {}
                        }
                    }
                    let Some((end, has_data)) = end else {
                        if limit == 9 + 1 + MAX_COMMAND + 1 + 9 + 1 {
                            return Some(Err(self.header_error(spaces)));
                        }
                        return None;
                    };
                    let head: Vec<u8> = self.buf.drain(..=end).collect();
                    let text = &head[..head.len() - 1];
                    let mut parts = text.split(|b| *b == b' ');
                    let txnr = match number(parts.next().unwrap_or_default()) {
                        Some(n) if n <= MAX_TXNR => n as u32,
                        _ => return Some(Err(RelpError::Txnr)),
                    };
                    let cmd = parts.next().unwrap_or_default();
                    if cmd.is_empty()
                        || cmd.len() > MAX_COMMAND
                        || !cmd.iter().all(u8::is_ascii_alphabetic)
                    {
                        return Some(Err(RelpError::Command));
                    }
                    let len = match number(parts.next().unwrap_or_default()) {
                        Some(n) => n as usize,
                        None => return Some(Err(RelpError::Length)),
                    };
                    if len > self.max_data {
                        return Some(Err(RelpError::TooLong {
                            len,
                            max: self.max_data,
                        }));
                    }
                    self.head = (txnr, String::from_utf8_lossy(cmd).into_owned());
                    if !has_data {
                        // `N cmd 0 LF`: no data.
                        if len != 0 {
                            return Some(Err(RelpError::Trailer));
                        }
                        return Some(Ok(self.frame(Vec::new())));
                    }
                    self.state = State::Data { len };
                }
                State::Data { len } => {
                    if self.buf.len() < len + 1 {
                        return None;
                    }
                    let data: Vec<u8> = self.buf.drain(..len).collect();
                    if self.buf.pop_front() != Some(b'\n') {
                        return Some(Err(RelpError::Trailer));
                    }
                    self.state = State::Header;
                    return Some(Ok(self.frame(data)));
                }
            }
        }
    }

    fn frame(&mut self, data: Vec<u8>) -> Frame {
        let (txnr, command) = std::mem::take(&mut self.head);
        Frame {
            txnr,
            command,
            data,
        }
    }

    fn header_error(&self, spaces: usize) -> RelpError {
        match spaces {
            0 => RelpError::Txnr,
            1 => RelpError::Command,
            _ => RelpError::Length,
        }
    }
}

/// 1–9 ASCII digits.
fn number(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// A frame as bytes: `TXNR SP COMMAND SP DATALEN [SP DATA] LF`.
pub fn frame_bytes(txnr: u32, command: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("{txnr} {command} {}", data.len()).into_bytes();
    if !data.is_empty() {
        out.push(b' ');
        out.extend_from_slice(data);
    }
    out.push(b'\n');
    out
}

/// The answer to `open`: the offers this server takes (`relp_version`, the `syslog` command),
/// or `None` when the client offered no `relp_version` (the session cannot start).
pub fn open_answer(offers: &[u8], software: &str) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(offers);
    let mut version = None;
    for line in text.split('\n') {
        if let Some(v) = line.strip_prefix("relp_version=") {
            version = v.trim().parse::<u32>().ok();
        }
    }
    let v = version?.min(1);
    Some(
        format!("200 OK\nrelp_version={v}\nrelp_software={software}\ncommands=syslog").into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn all(r: &mut RelpReader) -> Vec<Result<Frame, RelpError>> {
        std::iter::from_fn(|| r.next_frame()).collect()
    }

    #[test]
    fn frames_split_anywhere_read_the_same() {
        let whole: Vec<u8> = [
            frame_bytes(
                1,
                "open",
                b"relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog",
            ),
            frame_bytes(2, "syslog", b"<13>Dec  6 10:00:00 web01 app: hello"),
            b"3 close 0\n".to_vec(),
        ]
        .concat();
        for cut in 0..whole.len() {
            let mut r = RelpReader::new(1024);
            r.push(&whole[..cut]);
            let mut got = all(&mut r);
            r.push(&whole[cut..]);
            got.extend(all(&mut r));
            let got: Vec<Frame> = got.into_iter().map(Result::unwrap).collect();
            assert_eq!(got.len(), 3, "cut at {cut}");
            assert_eq!(got[0].command, "open");
            assert_eq!(got[1].txnr, 2);
            assert_eq!(got[1].data, b"<13>Dec  6 10:00:00 web01 app: hello");
            assert_eq!(
                (got[2].txnr, got[2].command.as_str(), got[2].data.len()),
                (3, "close", 0)
            );
        }
    }

    #[test]
    fn data_may_hold_newlines_and_spaces() {
        let mut r = RelpReader::new(64);
        r.push(&frame_bytes(7, "syslog", b"a b\nc\n"));
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!(f.data, b"a b\nc\n");
        assert!(r.next_frame().is_none());
    }

    #[test]
    fn bad_frames_are_refused_and_nothing_follows() {
        for (bytes, want) in [
            (&b"x open 0\n"[..], RelpError::Txnr),
            (b"1234567890 open 0\n", RelpError::Txnr),
            (b"1 op3n 0\n", RelpError::Command),
            (b"1 syslog 5x hello\n", RelpError::Length),
            (b"1 syslog 3 abcd\n", RelpError::Trailer),
            (
                b"1 syslog 2000 ",
                RelpError::TooLong {
                    len: 2000,
                    max: 1000,
                },
            ),
            (b"1 syslog\n", RelpError::Command),
            (
                b"11111111111111111111111111111111111111111111111111111111111111111",
                RelpError::Txnr,
            ),
        ] {
            let mut r = RelpReader::new(1000);
            r.push(bytes);
            r.push(b"2 close 0\n");
            assert_eq!(
                r.next_frame(),
                Some(Err(want.clone())),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(r.next_frame(), None);
        }
    }

    #[test]
    fn a_long_header_without_an_end_is_refused_not_buffered() {
        let mut r = RelpReader::new(1000);
        r.push(&[b'1'; 4]);
        assert_eq!(r.next_frame(), None, "needs more");
        r.push(&[b'a'; 100]);
        assert!(matches!(r.next_frame(), Some(Err(_))));
        assert_eq!(r.pending(), 0);
    }

    #[test]
    fn open_answers_the_version_and_syslog() {
        let a = open_answer(
            b"relp_version=0\nrelp_software=librelp\ncommands=syslog",
            "canhgac,1",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(a).unwrap(),
            "200 OK\nrelp_version=0\nrelp_software=canhgac,1\ncommands=syslog"
        );
        assert!(open_answer(b"commands=syslog", "x").is_none());
        assert_eq!(frame_bytes(3, "rsp", b"200 OK"), b"3 rsp 6 200 OK\n");
        assert_eq!(frame_bytes(0, "serverclose", b""), b"0 serverclose 0\n");
    }
}
