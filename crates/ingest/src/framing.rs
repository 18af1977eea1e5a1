//! Syslog over TCP: splitting a byte stream into messages (RFC 6587).
//!
//! Senders use one of two framings, and some switch between them, so it is detected per frame:
//!
//! - **octet counting** (§3.4.1): `MSG-LEN SP SYSLOG-MSG`, e.g. `29 <13>Nov 25 02:00:00 h a: x`,
//!   where MSG-LEN is a decimal without leading zero. A frame is taken as octet-counted when it
//!   starts with 1–10 digits, a space and `<` (a syslog message always starts with its PRI);
//!   this keeps a newline-framed line such as `5 apples` from being read as a count.
//! - **non-transparent framing** (§3.4.2): the message ends at LF; a CR before the LF is
//!   removed. Empty lines (keep-alives, CRLF after an octet-counted frame) are skipped.
//!
//! A frame longer than `max_len` is not dropped: [`Framer::next_frame`] returns
//! [`FrameError::TooLong`] with its first `max_len` bytes, and the rest is skipped — for an
//! octet-counted frame exactly the declared length (the count says where the next frame
//! starts), for a newline-framed one up to and including the next LF. [`Framer::discarded`]
//! counts the skipped bytes.
//!
//! The decoder keeps one buffer. `push` appends to it (compacting in bulk, never per byte),
//! LF is found with `memchr`, and a partially received line is not rescanned when more bytes
//! arrive. [`Framer::next_frame_ref`] returns frames borrowed from the buffer without copying.

use std::ops::Range;

use memchr::memchr;

/// The framing a frame was received with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framing {
    /// `MSG-LEN SP SYSLOG-MSG` (RFC 6587 §3.4.1).
    OctetCounting,
    /// Terminated by LF (RFC 6587 §3.4.2).
    NonTransparent,
}

/// A frame the decoder could not deliver whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The frame is longer than `max_len`: `head` holds its first `max_len` bytes, so the caller
    /// can keep what arrived. `declared_len` is MSG-LEN for an octet-counted frame.
    #[error("frame longer than {max_len} bytes ({framing:?}); the first {max_len} bytes are kept")]
    TooLong {
        head: Vec<u8>,
        framing: Framing,
        max_len: usize,
        declared_len: Option<usize>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a frame (or inside one not yet complete).
    Frame,
    /// After an oversized newline-framed frame: skip through the next LF.
    SkipToNewline,
    /// After an oversized octet-counted frame: skip this many more bytes.
    SkipBytes(usize),
}

/// An RFC 6587 stream decoder. Push bytes as they arrive, then take frames until
/// [`Framer::next_frame`] returns `None`; at the end of the stream call [`Framer::finish`].
///
/// ```
/// use canhgac_ingest::framing::Framer;
/// let mut f = Framer::new(1024);
/// f.push(b"<13>Nov 25 02:00:00 h a: one\r\n17 <13>1 - - - - - -<13>Nov 25");
/// assert_eq!(f.next_frame(), Some(Ok(b"<13>Nov 25 02:00:00 h a: one".to_vec())));
/// assert_eq!(f.next_frame(), Some(Ok(b"<13>1 - - - - - -".to_vec())));
/// assert_eq!(f.next_frame(), None);
/// assert_eq!(f.finish(), Some(b"<13>Nov 25".to_vec()));
/// ```
#[derive(Debug, Clone)]
pub struct Framer {
    max_len: usize,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    /// Bytes before this index (and at or after `pos`) are known to hold no LF.
    scanned: usize,
    state: State,
    discarded: u64,
}

/// What the bytes at the start of a frame say about octet counting.
enum Count {
    /// MSG-LEN and the length of `MSG-LEN SP`.
    Yes(usize, usize),
    /// Only digits so far: wait for more bytes.
    NeedMore,
    No,
}

/// Compacting moves the unread bytes to the front; do it when the consumed prefix is large, so
/// the cost is amortised over many frames.
const COMPACT_AT: usize = 64 * 1024;

impl Framer {
    /// A decoder that delivers frames of at most `max_len` bytes.
    pub fn new(max_len: usize) -> Self {
        Framer {
            max_len,
            buf: Vec::new(),
            pos: 0,
            scanned: 0,
            state: State::Frame,
            discarded: 0,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, mut bytes: &[u8]) {
        // While skipping the rest of an oversized frame, do not buffer what will be dropped.
        if self.pos == self.buf.len() {
            match self.state {
                State::SkipBytes(n) => {
                    let k = n.min(bytes.len());
                    self.discarded += k as u64;
                    bytes = &bytes[k..];
                    self.state = if k < n {
                        State::SkipBytes(n - k)
                    } else {
                        State::Frame
                    };
                }
                State::SkipToNewline => match memchr(b'\n', bytes) {
                    Some(i) => {
                        self.discarded += i as u64 + 1;
                        bytes = &bytes[i + 1..];
                        self.state = State::Frame;
                    }
                    None => {
                        self.discarded += bytes.len() as u64;
                        bytes = &[];
                    }
                },
                State::Frame => {}
            }
        }
        if bytes.is_empty() {
            return;
        }
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            self.scanned = 0;
        } else if self.pos >= COMPACT_AT || (self.pos > 0 && self.pos * 2 >= self.buf.len()) {
            self.buf.drain(..self.pos);
            self.scanned -= self.pos;
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, or `None` until more bytes are pushed. The frame is copied out;
    /// see [`Framer::next_frame_ref`] to borrow it instead.
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        self.next_frame_ref().map(|r| r.map(<[u8]>::to_vec))
    }

    /// Like [`Framer::next_frame`], but borrowing the frame from the decoder's buffer (valid
    /// until the next call that changes the decoder).
    pub fn next_frame_ref(&mut self) -> Option<Result<&[u8], FrameError>> {
        match self.step()? {
            Ok(r) => Some(Ok(&self.buf[r])),
            Err(e) => Some(Err(e)),
        }
    }

    /// The trailing bytes of a stream that ended without a final LF (or in the middle of an
    /// octet-counted frame, whose received part is returned). Resets the decoder.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        let out = if self.state == State::Frame && self.pos < self.buf.len() {
            let rest = &self.buf[self.pos..];
            let body = match self.octet_count() {
                Count::Yes(_, hdr) => &rest[hdr..],
                Count::NeedMore | Count::No => rest.strip_suffix(b"\r").unwrap_or(rest),
            };
            (!body.is_empty()).then(|| body.to_vec())
        } else {
            None
        };
        self.buf.clear();
        self.pos = 0;
        self.scanned = 0;
        self.state = State::Frame;
        out
    }

    /// Bytes received and not yet returned.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Bytes skipped after oversized frames (beyond the `max_len` bytes returned in each
    /// [`FrameError::TooLong`]), since the decoder was made.
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    fn step(&mut self) -> Option<Result<Range<usize>, FrameError>> {
        loop {
            let len = self.buf.len();
            match self.state {
                State::SkipBytes(n) => {
                    let k = n.min(len - self.pos);
                    self.pos += k;
                    self.scanned = self.pos;
                    self.discarded += k as u64;
                    if k < n {
                        self.state = State::SkipBytes(n - k);
                        return None;
                    }
                    self.state = State::Frame;
                }
                State::SkipToNewline => match memchr(b'\n', &self.buf[self.pos..]) {
                    Some(i) => {
                        self.discarded += i as u64 + 1;
                        self.pos += i + 1;
                        self.scanned = self.pos;
                        self.state = State::Frame;
                    }
                    None => {
                        self.discarded += (len - self.pos) as u64;
                        self.pos = len;
                        self.scanned = len;
                        return None;
                    }
                },
                State::Frame => {
                    if self.pos == len {
                        return None;
                    }
                    match self.octet_count() {
                        Count::NeedMore => return None,
                        Count::Yes(n, hdr) => return self.octet_frame(n, hdr),
                        Count::No => {}
                    }
                    let from = self.scanned.max(self.pos);
                    match memchr(b'\n', &self.buf[from..]) {
                        Some(i) => {
                            let lf = from + i;
                            let start = self.pos;
                            let end = if lf > start && self.buf[lf - 1] == b'\r' {
                                lf - 1
                            } else {
                                lf
                            };
                            self.pos = lf + 1;
                            self.scanned = self.pos;
                            if end == start {
                                continue;
                            }
                            if end - start > self.max_len {
                                self.discarded += (end - start - self.max_len) as u64;
                                return Some(Err(FrameError::TooLong {
                                    head: self.buf[start..start + self.max_len].to_vec(),
                                    framing: Framing::NonTransparent,
                                    max_len: self.max_len,
                                    declared_len: None,
                                }));
                            }
                            return Some(Ok(start..end));
                        }
                        None => {
                            self.scanned = len;
                            // One byte more than max_len may be the CR of a CRLF still to come.
                            let pending = len - self.pos;
                            let too_long = pending > self.max_len.saturating_add(1)
                                || (pending > self.max_len && self.buf[len - 1] != b'\r');
                            if too_long {
                                let start = self.pos;
                                self.discarded += (len - start - self.max_len) as u64;
                                self.pos = len;
                                self.state = State::SkipToNewline;
                                return Some(Err(FrameError::TooLong {
                                    head: self.buf[start..start + self.max_len].to_vec(),
                                    framing: Framing::NonTransparent,
                                    max_len: self.max_len,
                                    declared_len: None,
                                }));
                            }
                            return None;
                        }
                    }
                }
            }
        }
    }

    fn octet_frame(&mut self, n: usize, hdr: usize) -> Option<Result<Range<usize>, FrameError>> {
        let start = self.pos + hdr;
        let avail = self.buf.len() - start;
        if n > self.max_len {
            // Deliver the head as soon as it is here; skip the declared remainder after it.
            if avail < self.max_len {
                return None;
            }
            let head = self.buf[start..start + self.max_len].to_vec();
            self.pos = start + self.max_len;
            self.scanned = self.pos;
            self.state = State::SkipBytes(n - self.max_len);
            return Some(Err(FrameError::TooLong {
                head,
                framing: Framing::OctetCounting,
                max_len: self.max_len,
                declared_len: Some(n),
            }));
        }
        if avail < n {
            return None;
        }
        self.pos = start + n;
        self.scanned = self.pos;
        Some(Ok(start..start + n))
    }

    fn octet_count(&self) -> Count {
        let b = &self.buf[self.pos..];
        match b.first() {
            Some(b'1'..=b'9') => {}
            _ => return Count::No,
        }
        let digits = b.iter().take(11).take_while(|c| c.is_ascii_digit()).count();
        if digits > 10 {
            return Count::No;
        }
        match b.get(digits) {
            None => return Count::NeedMore,
            Some(b' ') => {}
            Some(_) => return Count::No,
        }
        match b.get(digits + 1) {
            None => return Count::NeedMore,
            Some(b'<') => {}
            Some(_) => return Count::No,
        }
        let n = b[..digits]
            .iter()
            .fold(0u64, |acc, &c| acc * 10 + u64::from(c - b'0'));
        match usize::try_from(n) {
            Ok(n) => Count::Yes(n, digits + 1),
            Err(_) => Count::No,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(f: &mut Framer) -> Vec<Result<Vec<u8>, FrameError>> {
        std::iter::from_fn(|| f.next_frame()).collect()
    }

    fn ok(s: &str) -> Result<Vec<u8>, FrameError> {
        Ok(s.as_bytes().to_vec())
    }

    #[test]
    fn newline_framing_with_crlf_and_empty_lines() {
        let mut f = Framer::new(100);
        f.push(b"<13>a\n<13>b\r\n\n\r\n<13>c");
        assert_eq!(frames(&mut f), vec![ok("<13>a"), ok("<13>b")]);
        f.push(b"d\n");
        assert_eq!(frames(&mut f), vec![ok("<13>cd")]);
        assert_eq!(f.finish(), None);
    }

    #[test]
    fn octet_counting_and_mixed() {
        let mut f = Framer::new(100);
        let m1 = "<13>1 - h a - - - one";
        let m2 = "<13>two\nlines";
        let stream = format!("{} {m1}{} {m2}\n<13>plain\n", m1.len(), m2.len());
        f.push(stream.as_bytes());
        assert_eq!(frames(&mut f), vec![ok(m1), ok(m2), ok("<13>plain")]);
    }

    #[test]
    fn octet_count_split_across_pushes() {
        let m = "<13>Nov 25 02:00:00 h a: split";
        let stream = format!("{} {m}", m.len());
        for cut in 0..stream.len() {
            let mut f = Framer::new(100);
            f.push(&stream.as_bytes()[..cut]);
            let mut got = frames(&mut f);
            f.push(&stream.as_bytes()[cut..]);
            got.extend(frames(&mut f));
            assert_eq!(got, vec![ok(m)], "cut at {cut}");
        }
    }

    #[test]
    fn digits_without_pri_are_newline_framed() {
        let mut f = Framer::new(100);
        f.push(b"5 apples\n2026-11-25 x\n");
        assert_eq!(frames(&mut f), vec![ok("5 apples"), ok("2026-11-25 x")]);
    }

    #[test]
    fn oversized_newline_frame_is_reported_and_resynchronised() {
        let mut f = Framer::new(8);
        f.push(b"<13>0123456789abcdef\n<13>ok\n");
        let got = frames(&mut f);
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0],
            Err(FrameError::TooLong {
                head: b"<13>0123".to_vec(),
                framing: Framing::NonTransparent,
                max_len: 8,
                declared_len: None
            })
        );
        assert_eq!(got[1], ok("<13>ok"));
        assert_eq!(f.discarded(), 12);

        // The long frame arrives in pieces, without its LF yet: reported once, rest skipped.
        let mut f = Framer::new(8);
        f.push(b"<13>0123456789");
        assert!(matches!(
            f.next_frame(),
            Some(Err(FrameError::TooLong { .. }))
        ));
        assert_eq!(f.next_frame(), None);
        f.push(b"more more more");
        assert_eq!(f.next_frame(), None);
        assert_eq!(f.buffered(), 0, "skipped bytes are not buffered");
        f.push(b" end\n<13>next\n");
        assert_eq!(frames(&mut f), vec![ok("<13>next")]);
    }

    #[test]
    fn oversized_octet_frame_skips_the_declared_length() {
        let mut f = Framer::new(8);
        let long = "<13>0123456789\nabcdef";
        f.push(format!("{} {long}", long.len()).as_bytes());
        f.push(b"6 <13>ok");
        let got = frames(&mut f);
        assert_eq!(
            got[0],
            Err(FrameError::TooLong {
                head: b"<13>0123".to_vec(),
                framing: Framing::OctetCounting,
                max_len: 8,
                declared_len: Some(long.len())
            })
        );
        assert_eq!(got[1..], [ok("<13>ok")]);
    }

    #[test]
    fn finish_returns_partial_frames() {
        let mut f = Framer::new(100);
        f.push(b"50 <13>partial");
        assert_eq!(f.next_frame(), None);
        assert_eq!(f.finish(), Some(b"<13>partial".to_vec()));
        f.push(b"123");
        assert_eq!(f.next_frame(), None);
        assert_eq!(f.finish(), Some(b"123".to_vec()));
        f.push(b"tail\r");
        assert_eq!(f.finish(), Some(b"tail".to_vec()));
        assert_eq!(f.finish(), None);
    }

    #[test]
    fn borrowing_api() {
        let mut f = Framer::new(100);
        f.push(b"<13>a\n<13>b\n");
        let mut n = 0;
        while let Some(fr) = f.next_frame_ref() {
            assert!(fr.unwrap().starts_with(b"<13>"));
            n += 1;
        }
        assert_eq!(n, 2);
    }

    #[test]
    fn many_small_pushes_do_not_rescan() {
        // One 60 KB line pushed a byte at a time stays linear: each byte is scanned once.
        let mut f = Framer::new(1 << 20);
        let line = vec![b'x'; 60_000];
        for chunk in line.chunks(1) {
            f.push(chunk);
            assert_eq!(f.next_frame(), None);
        }
        f.push(b"\n");
        assert_eq!(f.next_frame().map(|r| r.map(|v| v.len())), Some(Ok(60_000)));
    }
}
