//! Bounds on what one upload may cost: compressed input is inflated as a stream, never whole,
//! and stops at an absolute size and a ratio to its compressed size (a 1 MB gzip that inflates
//! to 1 GiB is refused after at most [`MAX_INFLATED`] bytes); lists of problems stop after
//! [`MAX_ERRORS`] and say how many more there were.

use std::io::Read;

/// The most bytes one compressed upload may inflate to.
pub const MAX_INFLATED: u64 = 256 * 1024 * 1024;
/// The most it may inflate relative to its compressed size (text logs compress 5–20×).
pub const MAX_RATIO: u64 = 100;
/// The most problems listed in one answer.
pub const MAX_ERRORS: usize = 100;

/// Whether the bytes are a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The inflation limit for `compressed` bytes of input.
pub fn inflation_limit(compressed: usize) -> u64 {
    (compressed as u64)
        .max(64 * 1024)
        .saturating_mul(MAX_RATIO)
        .min(MAX_INFLATED)
}

/// Why an upload could not be inflated.
#[derive(Debug, thiserror::Error)]
pub enum InflateError {
    /// Not a readable gzip stream.
    #[error("{name}: not a readable gzip file ({reason})")]
    Corrupt {
        /// The file.
        name: String,
        /// What the decoder said.
        reason: String,
    },
    /// It inflates beyond the limits.
    #[error("{name}: inflates to more than {limit} bytes ({MAX_RATIO}× its compressed size or {MAX_INFLATED} bytes at most); refused")]
    TooLarge {
        /// The file.
        name: String,
        /// The limit it passed.
        limit: u64,
    },
}

impl InflateError {
    /// The message in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            InflateError::Corrupt { name, reason } => {
                format!("{name}: không phải tệp gzip đọc được ({reason})")
            }
            InflateError::TooLarge { name, limit } => format!(
                "{name}: giải nén ra hơn {limit} byte (tối đa {MAX_RATIO} lần kích thước nén hoặc {MAX_INFLATED} byte); bị từ chối"
            ),
        }
    }
}

/// Calls `chunk` with the content of `bytes` — inflated if it is gzip — in pieces of about
/// `piece` bytes that end at a line end (the last may not), never holding more than one piece
/// and a line. Stops with an error past the inflation limit.
pub fn for_each_piece(
    name: &str,
    bytes: &[u8],
    piece: usize,
    mut chunk: impl FnMut(&[u8]),
) -> Result<(), InflateError> {
    if !is_gzip(bytes) {
        chunk(bytes);
        return Ok(());
    }
    let limit = inflation_limit(bytes.len());
    let mut dec = flate2::read::MultiGzDecoder::new(bytes).take(limit + 1);
    let mut buf: Vec<u8> = Vec::with_capacity(piece + 64 * 1024);
    let mut total = 0u64;
    let mut block = vec![0u8; 64 * 1024];
    loop {
        let n = dec.read(&mut block).map_err(|e| InflateError::Corrupt {
            name: name.to_string(),
            reason: e.to_string(),
        })?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(InflateError::TooLarge {
                name: name.to_string(),
                limit,
            });
        }
        buf.extend_from_slice(&block[..n]);
        if buf.len() >= piece {
            let cut = memchr::memrchr(b'\n', &buf).map_or(buf.len(), |i| i + 1);
            chunk(&buf[..cut]);
            buf.drain(..cut);
        }
    }
    if !buf.is_empty() {
        chunk(&buf);
    }
    Ok(())
}

/// The content of `bytes`, inflated if it is gzip, within the inflation limit.
pub fn inflate(name: &str, bytes: &[u8]) -> Result<Vec<u8>, InflateError> {
    if !is_gzip(bytes) {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::new();
    for_each_piece(name, bytes, 1 << 20, |p| out.extend_from_slice(p))?;
    Ok(out)
}

/// The first [`MAX_ERRORS`] problems, and how many more there were.
pub fn bounded<T>(mut problems: Vec<T>) -> (Vec<T>, usize) {
    let more = problems.len().saturating_sub(MAX_ERRORS);
    problems.truncate(MAX_ERRORS);
    (problems, more)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
    }

    #[test]
    fn pieces_end_at_line_ends_and_keep_everything() {
        let text: String = (0..50_000).map(|i| format!("line {i}\n")).collect();
        let mut got = Vec::new();
        let mut ends = true;
        for_each_piece("t.gz", &gz(text.as_bytes()), 4096, |p| {
            ends &= p.ends_with(b"\n");
            got.extend_from_slice(p);
        })
        .expect("ok");
        assert!(ends);
        assert_eq!(got, text.as_bytes());
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let bomb = gz(&vec![b'a'; 64 * 1024 * 1024]);
        let e = inflate("bomb.gz", &bomb).unwrap_err();
        assert!(matches!(e, InflateError::TooLarge { .. }), "{e}");
        assert!(e.to_string().starts_with("bomb.gz: inflates to more than"));
    }
}
