//! nfdump's own binary files: what `nfcapd` writes and `nfdump -r` reads (nfdump 1.7).
//!
//! Layout 2 (nfdump 1.7, magic `0xA50C`, version 2), little-endian as written on x86:
//!
//! - a 40-byte file header: magic, layout version, nfdump version, creation time (Unix seconds),
//!   compression, encryption, number of appendix blocks, appendix offset, number of data blocks;
//! - then the data blocks, each a 12-byte block header (record count, data size, block type,
//!   flags) and its data, compressed as the file header says (every block alike);
//! - then the appendix, written when the file is closed: block(s) with the file's ident string
//!   and its statistics record.
//!
//! Records in blocks of type 2 and 3 start with a type and a size. V3 flow records (type 11) carry
//! a list of elements (type, length); this reader uses EXgenericFlow (times, ports, protocol,
//! flags, input counters), EXipv4Flow and EXipv6Flow (addresses), EXflowMisc (reverse TCP flags)
//! and EXcntFlow (output counters, i.e. the reverse direction of a bidirectional flow). Other
//! elements are skipped by their length and counted; other records (exporter information,
//! exporter statistics, sampler records, name arrays, legacy records) are skipped and counted,
//! sampler records after noting their rate.
//!
//! Supported: uncompressed and LZ4-compressed files. Refused with a message saying how to convert
//! them: LZO, bzip2 and zstd compression (`nfdump -r FILE -J 0` rewrites a file uncompressed in
//! place), encrypted files, and nfdump 1.6's layout 1.
//!
//! One [`FlowRecord`] per V3 record, in file order, as `nfdump -r` lists them; a bidirectional
//! record (IPFIX biflows, NSEL) with output counters also yields the reverse flow right after it
//! (see [`Reader::set_split_biflows`]).
//!
//! Counters: `nfcapd` already multiplies packet and byte counts by the sampling rate it knew when
//! it stored a flow, so they are taken as stored; [`FlowRecord::sampling`] says the rate when the
//! record is marked sampled and the file's sampler records name it unambiguously.
//!
//! [`Reader`] streams a file from any [`Read`] block by block with bounded memory (a block's
//! declared size is capped at [`MAX_BLOCK_SIZE`]); [`read`] reads a whole file from bytes.
//! Errors name the block number (data blocks from 0, then the appendix) and the byte offset of
//! its header in the file.

use std::fmt;
use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::record::{FlowRecord, Proto};

/// The 16-bit magic every nfdump file starts with (stored little-endian: `0C A5`).
pub const MAGIC: u16 = 0xA50C;

/// The largest block (declared size on disk, and decompressed size) this reader accepts.
/// nfdump 1.7 itself writes blocks of about 1 MiB and refuses blocks over 5 MiB.
pub const MAX_BLOCK_SIZE: u32 = 64 * 1024 * 1024;

const FILE_HEADER_LEN: usize = 40;
const BLOCK_HEADER_LEN: usize = 12;
const V3_HEADER_LEN: usize = 12;

// Record types (nfdump's id.h).
const RECORD_V3: u16 = 11;
const RECORD_SAMPLER_V0: u16 = 9;
const RECORD_SAMPLER: u16 = 15;
const RECORD_IDENT: u16 = 0x8001;
const RECORD_STAT: u16 = 0x8002;

// Element types of V3 records (nfdump's nfxV3.h) and the sizes of their payloads.
const EX_GENERIC_FLOW: u16 = 1;
const EX_IPV4_FLOW: u16 = 2;
const EX_IPV6_FLOW: u16 = 3;
const EX_FLOW_MISC: u16 = 4;
const EX_CNT_FLOW: u16 = 5;
/// Element types 1..=37 are defined by nfdump 1.7.1; higher ones are unknown to it.
const EX_LAST_KNOWN: u16 = 37;

// V3 record header flags.
const V3_FLAG_SAMPLED: u8 = 2;

// Sampler ids nfcapd gives its own samplers (exporter.h).
const SAMPLER_OVERWRITE: i64 = -3;
const SAMPLER_DEFAULT: i64 = -2;
const SAMPLER_GENERIC: i64 = -1;
/// More sampler records than this in one file are not remembered (bounded memory).
const MAX_SAMPLERS: usize = 4096;

/// How the blocks of a file are compressed (the file header's `compression` byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Lzo,
    Bzip2,
    Lz4,
    /// Written by nfdump 1.7.2 and later.
    Zstd,
    Unknown(u8),
}

impl Compression {
    fn from_code(code: u8) -> Compression {
        match code {
            0 => Compression::None,
            1 => Compression::Lzo,
            2 => Compression::Bzip2,
            3 => Compression::Lz4,
            4 => Compression::Zstd,
            other => Compression::Unknown(other),
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compression::None => f.write_str("no compression"),
            Compression::Lzo => f.write_str("LZO"),
            Compression::Bzip2 => f.write_str("bzip2"),
            Compression::Lz4 => f.write_str("LZ4"),
            Compression::Zstd => f.write_str("zstd"),
            Compression::Unknown(code) => write!(f, "unknown compression method {code}"),
        }
    }
}

/// Why a file could not be read. Errors inside the file name the block (numbered from 0) and
/// the byte offset of that block's header in the file.
#[derive(Debug, thiserror::Error)]
pub enum NfdumpError {
    #[error("not an nfdump file (magic {found:#06x}, 0xa50c expected)")]
    NotNfdump { found: u16 },
    #[error(
        "nfdump file written on a big-endian machine: not supported (nfdump reads it only on \
         such a machine)"
    )]
    BigEndian,
    #[error(
        "nfdump 1.6 file (layout 1): not supported; convert it with nfdump 1.7: \
         `nfdump -r FILE -w NEW`"
    )]
    LayoutV1,
    #[error("nfdump file layout {0}: not supported (only layout 2, nfdump 1.7)")]
    UnsupportedLayout(u16),
    #[error(
        "nfdump file compressed with {0}: only uncompressed and LZ4 files are read; convert it \
         with `nfdump -r FILE -J 0` (rewrites it uncompressed in place) or \
         `nfdump -r FILE -y -w NEW` (LZ4 copy)"
    )]
    UnsupportedCompression(Compression),
    #[error("encrypted nfdump file (encryption {0}): not supported")]
    Encrypted(u8),
    #[error("nfdump file of {len} bytes is shorter than its {FILE_HEADER_LEN}-byte header")]
    HeaderTruncated { len: usize },
    #[error("nfdump file ends inside the {what} of block {block} (block at byte offset {offset})")]
    Truncated {
        what: &'static str,
        block: u32,
        offset: u64,
    },
    #[error(
        "block {block} at byte offset {offset} declares {size} bytes, more than the {max} \
         accepted"
    )]
    BlockTooLarge {
        block: u32,
        offset: u64,
        size: u32,
        max: u32,
    },
    #[error("block {block} at byte offset {offset}: LZ4 data cannot be decompressed: {reason}")]
    Lz4 {
        block: u32,
        offset: u64,
        reason: String,
    },
    #[error("block {block} at byte offset {offset}: {reason} (at byte {pos} of the block's data)")]
    Corrupt {
        block: u32,
        offset: u64,
        pos: usize,
        reason: String,
    },
    #[error("reading the nfdump file at byte offset {offset}: {source}")]
    Io {
        offset: u64,
        #[source]
        source: io::Error,
    },
}

/// The file header (layout 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// Layout version (2).
    pub layout: u16,
    /// Version of the nfdump that wrote the file, e.g. `0x01070100` for 1.7.1.
    pub nfdump_version: u32,
    /// When the file was created, Unix seconds.
    pub created: i64,
    pub compression: Compression,
    /// Number of appendix blocks (ident and statistics) after the data blocks.
    pub appendix_blocks: u16,
    /// Byte offset of the first appendix block.
    pub appendix_offset: u64,
    /// Number of data blocks, the appendix not included. A file `nfcapd` is still writing
    /// (`nfcapd.current.*`) says 0 until it is closed, so nothing is read from it, as by nfdump.
    pub num_blocks: u32,
}

/// The file's own statistics record (appendix), as `nfdump -I` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileStat {
    pub flows: u64,
    pub bytes: u64,
    pub packets: u64,
    /// First and last packet of all flows, Unix milliseconds.
    pub first_ms: u64,
    pub last_ms: u64,
    pub sequence_failures: u64,
}

/// What was read, and what was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct NfdumpStats {
    /// Blocks read (the appendix included).
    pub blocks: u64,
    /// Blocks of a type that holds no flow records (array blocks, unknown types), skipped.
    pub skipped_blocks: u64,
    /// Records seen in the blocks read.
    pub records: u64,
    /// V3 flow records turned into [`FlowRecord`]s (one per record, as `nfdump -r` lists them).
    pub flow_records: u64,
    /// Extra [`FlowRecord`]s for the reverse direction of bidirectional records.
    pub reverse_flows: u64,
    /// V3 records without EXgenericFlow or without addresses, skipped.
    pub incomplete_records: u64,
    /// Other records (exporter information and statistics, samplers, name arrays, legacy
    /// records, unknown types), skipped.
    pub skipped_records: u64,
    /// Elements of V3 records whose type nfdump 1.7.1 does not define, skipped by length.
    pub unknown_elements: u64,
    /// Elements nfdump defines that a [`FlowRecord`] has no place for (AS numbers, next hops,
    /// MAC addresses, NSEL, ...), skipped by length.
    pub ignored_elements: u64,
    /// Sampled records whose sampling rate the file's sampler records do not name
    /// unambiguously (their `sampling` is left at 1; their counters are scaled all the same).
    pub sampling_unknown: u64,
}

/// A whole file read by [`read`].
#[derive(Debug, Clone)]
pub struct NfdumpFile {
    pub header: FileHeader,
    /// The ident string from the appendix (`nfcapd -I`; `none` when not given).
    pub ident: Option<String>,
    pub stat: Option<FileStat>,
    pub flows: Vec<FlowRecord>,
    pub stats: NfdumpStats,
}

/// Whether `bytes` start like an nfdump file (either layout, little-endian).
pub fn is_nfdump(bytes: &[u8]) -> bool {
    bytes.len() >= 4
        && u16::from_le_bytes([bytes[0], bytes[1]]) == MAGIC
        && matches!(u16::from_le_bytes([bytes[2], bytes[3]]), 1 | 2)
}

/// Reads a whole nfdump file held in memory.
pub fn read(bytes: &[u8]) -> Result<NfdumpFile, NfdumpError> {
    let mut reader = Reader::new(bytes)?;
    let mut flows = Vec::new();
    while reader.next_block(&mut flows)? {}
    Ok(NfdumpFile {
        header: reader.header().clone(),
        ident: reader.ident().map(str::to_owned),
        stat: reader.stat().copied(),
        flows,
        stats: *reader.stats(),
    })
}

#[derive(Debug, Clone, Copy)]
struct Sampler {
    sysid: u16,
    id: i64,
    rate: u32,
}

/// What the reader learns while parsing blocks.
#[derive(Debug, Default)]
struct State {
    stats: NfdumpStats,
    ident: Option<String>,
    stat: Option<FileStat>,
    samplers: Vec<Sampler>,
    split_biflows: bool,
}

/// Where a block is, for error messages.
#[derive(Debug, Clone, Copy)]
struct BlockPos {
    block: u32,
    offset: u64,
}

impl BlockPos {
    fn corrupt(self, pos: usize, reason: impl Into<String>) -> NfdumpError {
        NfdumpError::Corrupt {
            block: self.block,
            offset: self.offset,
            pos,
            reason: reason.into(),
        }
    }
}

/// Streams an nfdump file block by block.
///
/// ```no_run
/// # fn main() -> Result<(), canhgac_flows::nfdump::NfdumpError> {
/// # let file: &[u8] = &[];
/// let mut reader = canhgac_flows::nfdump::Reader::new(file)?;
/// let mut flows = Vec::new();
/// while reader.next_block(&mut flows)? {
///     // use `flows`, then
///     flows.clear();
/// }
/// # Ok(()) }
/// ```
pub struct Reader<R> {
    inner: R,
    header: FileHeader,
    /// Bytes consumed from `inner`.
    pos: u64,
    /// Number of the next block.
    next: u32,
    done: bool,
    raw: Vec<u8>,
    data: Vec<u8>,
    state: State,
}

impl<R: Read> Reader<R> {
    /// Reads and checks the file header; refuses layouts and compressions it cannot read.
    pub fn new(mut inner: R) -> Result<Self, NfdumpError> {
        let mut head = [0u8; FILE_HEADER_LEN];
        let got = read_full(&mut inner, &mut head[..4])
            .map_err(|source| NfdumpError::Io { offset: 0, source })?;
        if got < 4 {
            return Err(NfdumpError::HeaderTruncated { len: got });
        }
        let magic = le16(&head, 0);
        if magic == MAGIC.swap_bytes() {
            return Err(NfdumpError::BigEndian);
        }
        if magic != MAGIC {
            return Err(NfdumpError::NotNfdump { found: magic });
        }
        match le16(&head, 2) {
            2 => {}
            1 => return Err(NfdumpError::LayoutV1),
            other => return Err(NfdumpError::UnsupportedLayout(other)),
        }
        let rest = read_full(&mut inner, &mut head[4..])
            .map_err(|source| NfdumpError::Io { offset: 4, source })?;
        if rest < FILE_HEADER_LEN - 4 {
            return Err(NfdumpError::HeaderTruncated { len: 4 + rest });
        }
        let compression = Compression::from_code(head[16]);
        if !matches!(compression, Compression::None | Compression::Lz4) {
            return Err(NfdumpError::UnsupportedCompression(compression));
        }
        if head[17] != 0 {
            return Err(NfdumpError::Encrypted(head[17]));
        }
        let header = FileHeader {
            layout: 2,
            nfdump_version: le32(&head, 4),
            created: le64(&head, 8) as i64,
            compression,
            appendix_blocks: le16(&head, 18),
            appendix_offset: le64(&head, 24),
            num_blocks: le32(&head, 36),
        };
        Ok(Reader {
            inner,
            header,
            pos: FILE_HEADER_LEN as u64,
            next: 0,
            done: false,
            raw: Vec::new(),
            data: Vec::new(),
            state: State {
                split_biflows: true,
                ..State::default()
            },
        })
    }

    /// Whether a bidirectional record (one with output counters) also yields a reverse
    /// [`FlowRecord`] (destination to source, the output counters). On by default.
    pub fn set_split_biflows(&mut self, split: bool) {
        self.state.split_biflows = split;
    }

    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// The file's ident string, once the appendix (after the data blocks) has been read.
    pub fn ident(&self) -> Option<&str> {
        self.state.ident.as_deref()
    }

    /// The file's statistics record, once the appendix (after the data blocks) has been read.
    pub fn stat(&self) -> Option<&FileStat> {
        self.state.stat.as_ref()
    }

    pub fn stats(&self) -> &NfdumpStats {
        &self.state.stats
    }

    /// Reads the next block and appends its flows to `out`. Returns `Ok(false)` at the end:
    /// after the header's number of data blocks and the appendix (like `nfdump`, bytes after
    /// them are not read), and after an error.
    pub fn next_block(&mut self, out: &mut Vec<FlowRecord>) -> Result<bool, NfdumpError> {
        if self.done {
            return Ok(false);
        }
        let result = if self.next < self.header.num_blocks {
            self.read_block(false, out)
        } else if self.next - self.header.num_blocks < u32::from(self.header.appendix_blocks) {
            self.seek_appendix()
                .and_then(|()| self.read_block(true, out))
        } else {
            self.done = true;
            return Ok(false);
        };
        if result.is_err() {
            self.done = true;
        }
        result.map(|()| true)
    }

    /// Skips what lies between the data blocks and the appendix (nothing, in files nfcapd and
    /// nfdump write).
    fn seek_appendix(&mut self) -> Result<(), NfdumpError> {
        if self.next != self.header.num_blocks {
            return Ok(());
        }
        let at = self.header.appendix_offset;
        if at < self.pos {
            return Err(NfdumpError::Corrupt {
                block: self.next,
                offset: self.pos,
                pos: 0,
                reason: format!(
                    "the header puts the appendix at byte offset {at}, inside the data blocks"
                ),
            });
        }
        let gap = at - self.pos;
        let skipped =
            io::copy(&mut (&mut self.inner).take(gap), &mut io::sink()).map_err(|source| {
                NfdumpError::Io {
                    offset: self.pos,
                    source,
                }
            })?;
        if skipped < gap {
            return Err(NfdumpError::Truncated {
                what: "header",
                block: self.next,
                offset: at,
            });
        }
        self.pos = at;
        Ok(())
    }

    fn read_block(&mut self, appendix: bool, out: &mut Vec<FlowRecord>) -> Result<(), NfdumpError> {
        let at = BlockPos {
            block: self.next,
            offset: self.pos,
        };
        let mut bh = [0u8; BLOCK_HEADER_LEN];
        let got = read_full(&mut self.inner, &mut bh).map_err(|source| NfdumpError::Io {
            offset: self.pos,
            source,
        })?;
        if got < BLOCK_HEADER_LEN {
            return Err(NfdumpError::Truncated {
                what: "header",
                block: at.block,
                offset: at.offset,
            });
        }
        let num_records = le32(&bh, 0);
        let size = le32(&bh, 4);
        let block_type = le16(&bh, 8);
        if size > MAX_BLOCK_SIZE {
            return Err(NfdumpError::BlockTooLarge {
                block: at.block,
                offset: at.offset,
                size,
                max: MAX_BLOCK_SIZE,
            });
        }
        if size == 0 || num_records == 0 {
            return Err(at.corrupt(0, "empty block (nfdump never writes one)"));
        }
        self.raw.clear();
        let data_offset = self.pos + BLOCK_HEADER_LEN as u64;
        let got = (&mut self.inner)
            .take(u64::from(size))
            .read_to_end(&mut self.raw)
            .map_err(|source| NfdumpError::Io {
                offset: data_offset,
                source,
            })?;
        if got < size as usize {
            return Err(NfdumpError::Truncated {
                what: "data",
                block: at.block,
                offset: at.offset,
            });
        }
        self.pos = data_offset + u64::from(size);
        self.next += 1;
        self.state.stats.blocks += 1;

        if block_type != 2 && block_type != 3 {
            // Type 4 holds arrays (nbar, interface and VRF names); type 1 is nfdump 1.5's.
            self.state.stats.skipped_blocks += 1;
            return Ok(());
        }
        let data: &[u8] = match self.header.compression {
            Compression::Lz4 => {
                lz4_into(&self.raw, &mut self.data, at)?;
                &self.data
            }
            _ => &self.raw,
        };
        parse_block(&mut self.state, data, num_records, appendix, at, out)
    }
}

/// Decompresses one LZ4 block into `out`, growing it as needed up to [`MAX_BLOCK_SIZE`].
fn lz4_into(input: &[u8], out: &mut Vec<u8>, at: BlockPos) -> Result<(), NfdumpError> {
    let max = MAX_BLOCK_SIZE as usize;
    let mut cap = input.len().saturating_mul(4).clamp(64 * 1024, max);
    loop {
        out.clear();
        out.resize(cap, 0);
        match lz4_flex::block::decompress_into(input, out) {
            Ok(n) => {
                out.truncate(n);
                return Ok(());
            }
            Err(lz4_flex::block::DecompressError::OutputTooSmall { .. }) if cap < max => {
                cap = cap.saturating_mul(2).min(max);
            }
            Err(e) => {
                out.clear();
                return Err(NfdumpError::Lz4 {
                    block: at.block,
                    offset: at.offset,
                    reason: e.to_string(),
                });
            }
        }
    }
}

/// Parses the records of one (decompressed) block.
fn parse_block(
    state: &mut State,
    data: &[u8],
    num_records: u32,
    appendix: bool,
    at: BlockPos,
    out: &mut Vec<FlowRecord>,
) -> Result<(), NfdumpError> {
    let mut p = 0usize;
    for i in 0..num_records {
        if data.len() - p < 4 {
            return Err(at.corrupt(
                p,
                format!("record {i} of {num_records} starts past the end of the block"),
            ));
        }
        let rtype = le16(data, p);
        let rsize = usize::from(le16(data, p + 2));
        if rsize < 4 || rsize > data.len() - p {
            return Err(at.corrupt(
                p,
                format!(
                    "record {i} (type {rtype}) of {rsize} bytes does not fit in the block's \
                     {} bytes left",
                    data.len() - p
                ),
            ));
        }
        let record = &data[p..p + rsize];
        state.stats.records += 1;
        match rtype {
            // nfdump reads only the ident and the statistics from the appendix.
            RECORD_V3 if !appendix => parse_v3(state, record, at, p, out)?,
            RECORD_IDENT => {
                let text = &record[4..];
                let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
                state.ident = Some(String::from_utf8_lossy(&text[..end]).into_owned());
            }
            RECORD_STAT => {
                // stat_record_t: 15 counters, firstseen, lastseen, sequence_failure (u64 each).
                if record.len() >= 4 + 18 * 8 {
                    state.stat = Some(FileStat {
                        flows: le64(record, 4),
                        bytes: le64(record, 12),
                        packets: le64(record, 20),
                        first_ms: le64(record, 4 + 15 * 8),
                        last_ms: le64(record, 4 + 16 * 8),
                        sequence_failures: le64(record, 4 + 17 * 8),
                    });
                } else {
                    state.stats.skipped_records += 1;
                }
            }
            RECORD_SAMPLER => {
                // sampler_record_t: exporter sysid, algorithm, id (i64), packet interval, space.
                if record.len() >= 24 {
                    let packet = u64::from(le32(record, 16)).max(1);
                    let space = u64::from(le32(record, 20));
                    let rate = (packet + space) / packet;
                    add_sampler(state, le16(record, 4), le64(record, 8) as i64, rate);
                }
                state.stats.skipped_records += 1;
            }
            RECORD_SAMPLER_V0 => {
                // samplerV0_record_t: id (i32), interval, algorithm, exporter sysid.
                if record.len() >= 16 {
                    let id = i64::from(le32(record, 4) as i32);
                    add_sampler(state, le16(record, 14), id, u64::from(le32(record, 8)));
                }
                state.stats.skipped_records += 1;
            }
            _ => state.stats.skipped_records += 1,
        }
        p += rsize;
    }
    Ok(())
}

fn add_sampler(state: &mut State, sysid: u16, id: i64, rate: u64) {
    let rate = u32::try_from(rate).unwrap_or(u32::MAX).max(1);
    if let Some(s) = state
        .samplers
        .iter_mut()
        .find(|s| s.sysid == sysid && s.id == id)
    {
        s.rate = rate;
    } else if state.samplers.len() < MAX_SAMPLERS {
        state.samplers.push(Sampler { sysid, id, rate });
    }
}

/// The sampling rate nfcapd applied to a sampled record of exporter `sysid`, when the file's
/// sampler records say it unambiguously: an overwrite sampler (`nfcapd -s -N`), else the
/// exporter's only sampler announced by the device, else its generic sampler, else the
/// default one (`nfcapd -s N`).
fn sampling_rate(samplers: &[Sampler], sysid: u16) -> Option<u32> {
    let of = |id: i64| {
        samplers
            .iter()
            .find(|s| s.sysid == sysid && s.id == id)
            .map(|s| s.rate)
    };
    if let Some(rate) = of(SAMPLER_OVERWRITE) {
        return Some(rate);
    }
    let mut device = samplers.iter().filter(|s| s.sysid == sysid && s.id >= 0);
    match (device.next(), device.next()) {
        (Some(s), None) => Some(s.rate),
        (Some(_), Some(_)) => None,
        _ => of(SAMPLER_GENERIC).or_else(|| of(SAMPLER_DEFAULT)),
    }
}

/// The parts of a V3 record a [`FlowRecord`] needs.
#[derive(Default)]
struct V3Flow {
    generic: Option<Generic>,
    addrs: Option<(IpAddr, IpAddr)>,
    out: Option<(u64, u64)>,
    rev_tcp_flags: u8,
}

struct Generic {
    first_ms: u64,
    last_ms: u64,
    packets: u64,
    bytes: u64,
    src_port: u16,
    dst_port: u16,
    proto: u8,
    tcp_flags: u8,
}

fn parse_v3(
    state: &mut State,
    record: &[u8],
    at: BlockPos,
    rec_pos: usize,
    out: &mut Vec<FlowRecord>,
) -> Result<(), NfdumpError> {
    if record.len() < V3_HEADER_LEN {
        return Err(at.corrupt(
            rec_pos,
            format!(
                "V3 record of {} bytes, shorter than its header",
                record.len()
            ),
        ));
    }
    let num_elements = le16(record, 4);
    let exporter = le16(record, 8);
    let flags = record[10];
    let mut flow = V3Flow::default();
    let mut e = V3_HEADER_LEN;
    for i in 0..num_elements {
        if record.len() - e < 4 {
            return Err(at.corrupt(
                rec_pos + e,
                format!("element {i} of {num_elements} starts past the end of its V3 record"),
            ));
        }
        let etype = le16(record, e);
        let elen = usize::from(le16(record, e + 2));
        if elen < 4 || elen > record.len() - e {
            return Err(at.corrupt(
                rec_pos + e,
                format!(
                    "element {i} (type {etype}) of {elen} bytes does not fit in its V3 record's \
                     {} bytes left",
                    record.len() - e
                ),
            ));
        }
        let body = &record[e + 4..e + elen];
        let need = match etype {
            EX_GENERIC_FLOW => 48,
            EX_IPV4_FLOW => 8,
            EX_IPV6_FLOW => 32,
            EX_FLOW_MISC => 16,
            EX_CNT_FLOW => 24,
            _ => 0,
        };
        if body.len() < need {
            return Err(at.corrupt(
                rec_pos + e,
                format!(
                    "element type {etype} has {} bytes, {need} expected",
                    body.len()
                ),
            ));
        }
        match etype {
            EX_GENERIC_FLOW => {
                flow.generic = Some(Generic {
                    first_ms: le64(body, 0),
                    last_ms: le64(body, 8),
                    packets: le64(body, 24),
                    bytes: le64(body, 32),
                    src_port: le16(body, 40),
                    dst_port: le16(body, 42),
                    proto: body[44],
                    tcp_flags: body[45],
                });
            }
            EX_IPV4_FLOW => {
                // Host byte order (little-endian) 32-bit addresses.
                let src = Ipv4Addr::from(le32(body, 0));
                let dst = Ipv4Addr::from(le32(body, 4));
                flow.addrs = Some((IpAddr::V4(src), IpAddr::V4(dst)));
            }
            EX_IPV6_FLOW => {
                // Each address is two host-order 64-bit words, the high one first.
                let v6 = |at: usize| {
                    let hi = u128::from(le64(body, at));
                    let lo = u128::from(le64(body, at + 8));
                    IpAddr::V6(Ipv6Addr::from((hi << 64) | lo))
                };
                flow.addrs = Some((v6(0), v6(16)));
            }
            EX_FLOW_MISC => flow.rev_tcp_flags = body[14],
            EX_CNT_FLOW => flow.out = Some((le64(body, 8), le64(body, 16))),
            _ if (1..=EX_LAST_KNOWN).contains(&etype) => state.stats.ignored_elements += 1,
            _ => state.stats.unknown_elements += 1,
        }
        e += elen;
    }

    let (Some(g), Some((src, dst))) = (flow.generic, flow.addrs) else {
        state.stats.incomplete_records += 1;
        return Ok(());
    };
    let sampling = if flags & V3_FLAG_SAMPLED != 0 {
        sampling_rate(&state.samplers, exporter).unwrap_or_else(|| {
            state.stats.sampling_unknown += 1;
            1
        })
    } else {
        1
    };
    let start_ms = i64::try_from(g.first_ms).unwrap_or(i64::MAX);
    let end_ms = i64::try_from(g.last_ms).unwrap_or(i64::MAX);
    out.push(FlowRecord {
        src,
        dst,
        src_port: g.src_port,
        dst_port: g.dst_port,
        proto: g.proto,
        tcp_flags: g.tcp_flags,
        packets: g.packets,
        bytes: g.bytes,
        start_ms,
        end_ms,
        sampling,
        fragment: false,
    });
    state.stats.flow_records += 1;

    if let Some((packets, bytes)) = flow.out {
        if state.split_biflows && (packets > 0 || bytes > 0) {
            let icmp = g.proto == Proto::ICMP || g.proto == Proto::ICMPV6;
            out.push(FlowRecord {
                src: dst,
                dst: src,
                // ICMP keeps type and code in the destination port; the reply's are unknown.
                src_port: if icmp { 0 } else { g.dst_port },
                dst_port: if icmp { 0 } else { g.src_port },
                proto: g.proto,
                tcp_flags: flow.rev_tcp_flags,
                packets,
                bytes,
                start_ms,
                end_ms,
                sampling,
                fragment: false,
            });
            state.stats.reverse_flows += 1;
        }
    }
    Ok(())
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

// Little-endian readers; callers have checked the bounds.
fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generic(
        first: u64,
        last: u64,
        packets: u64,
        bytes: u64,
        ports: (u16, u16),
        proto: u8,
        flags: u8,
    ) -> (u16, Vec<u8>) {
        let mut b = Vec::new();
        b.extend_from_slice(&first.to_le_bytes());
        b.extend_from_slice(&last.to_le_bytes());
        b.extend_from_slice(&0u64.to_le_bytes()); // received
        b.extend_from_slice(&packets.to_le_bytes());
        b.extend_from_slice(&bytes.to_le_bytes());
        b.extend_from_slice(&ports.0.to_le_bytes());
        b.extend_from_slice(&ports.1.to_le_bytes());
        b.extend_from_slice(&[proto, flags, 0, 0]);
        (EX_GENERIC_FLOW, b)
    }

    fn ipv4(src: [u8; 4], dst: [u8; 4]) -> (u16, Vec<u8>) {
        let mut b = Vec::new();
        b.extend_from_slice(&u32::from(Ipv4Addr::from(src)).to_le_bytes());
        b.extend_from_slice(&u32::from(Ipv4Addr::from(dst)).to_le_bytes());
        (EX_IPV4_FLOW, b)
    }

    fn ipv6(src: Ipv6Addr, dst: Ipv6Addr) -> (u16, Vec<u8>) {
        let mut b = Vec::new();
        for a in [src, dst] {
            let v = u128::from(a);
            b.extend_from_slice(&((v >> 64) as u64).to_le_bytes());
            b.extend_from_slice(&(v as u64).to_le_bytes());
        }
        (EX_IPV6_FLOW, b)
    }

    fn counters_out(packets: u64, bytes: u64) -> (u16, Vec<u8>) {
        let mut b = 1u64.to_le_bytes().to_vec();
        b.extend_from_slice(&packets.to_le_bytes());
        b.extend_from_slice(&bytes.to_le_bytes());
        (EX_CNT_FLOW, b)
    }

    fn misc(rev_tcp_flags: u8) -> (u16, Vec<u8>) {
        let mut b = vec![0u8; 16];
        b[14] = rev_tcp_flags;
        (EX_FLOW_MISC, b)
    }

    fn v3(exporter: u16, flags: u8, elements: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (t, payload) in elements {
            body.extend_from_slice(&t.to_le_bytes());
            body.extend_from_slice(&((payload.len() + 4) as u16).to_le_bytes());
            body.extend_from_slice(payload);
        }
        let mut r = Vec::new();
        r.extend_from_slice(&RECORD_V3.to_le_bytes());
        r.extend_from_slice(&((body.len() + V3_HEADER_LEN) as u16).to_le_bytes());
        r.extend_from_slice(&(elements.len() as u16).to_le_bytes());
        r.extend_from_slice(&[0, 0]); // engine type, id
        r.extend_from_slice(&exporter.to_le_bytes());
        r.extend_from_slice(&[flags, 10]);
        r.extend_from_slice(&body);
        r
    }

    fn record(rtype: u16, payload: &[u8]) -> Vec<u8> {
        let mut r = rtype.to_le_bytes().to_vec();
        r.extend_from_slice(&((payload.len() + 4) as u16).to_le_bytes());
        r.extend_from_slice(payload);
        r
    }

    fn sampler(sysid: u16, id: i64, packet: u32, space: u32) -> Vec<u8> {
        let mut p = Vec::new();
        p.extend_from_slice(&sysid.to_le_bytes());
        p.extend_from_slice(&0u16.to_le_bytes());
        p.extend_from_slice(&id.to_le_bytes());
        p.extend_from_slice(&packet.to_le_bytes());
        p.extend_from_slice(&space.to_le_bytes());
        record(RECORD_SAMPLER, &p)
    }

    /// A block: header and (already compressed, if so) data.
    fn block_raw(block_type: u16, num_records: u32, data: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&num_records.to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&block_type.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(data);
        b
    }

    fn block(records: &[Vec<u8>]) -> Vec<u8> {
        block_raw(3, records.len() as u32, &records.concat())
    }

    fn file(compression: u8, blocks: &[Vec<u8>]) -> Vec<u8> {
        file_with_appendix(compression, blocks, &[])
    }

    fn file_with_appendix(compression: u8, blocks: &[Vec<u8>], appendix: &[Vec<u8>]) -> Vec<u8> {
        let appendix_at = FILE_HEADER_LEN + blocks.iter().map(Vec::len).sum::<usize>();
        let mut f = Vec::new();
        f.extend_from_slice(&MAGIC.to_le_bytes());
        f.extend_from_slice(&2u16.to_le_bytes());
        f.extend_from_slice(&0x0107_0100u32.to_le_bytes());
        f.extend_from_slice(&1_700_000_000i64.to_le_bytes());
        f.extend_from_slice(&[compression, 0]);
        f.extend_from_slice(&(appendix.len() as u16).to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&(appendix_at as u64).to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes()); // block size
        f.extend_from_slice(&(blocks.len() as u32).to_le_bytes());
        assert_eq!(f.len(), FILE_HEADER_LEN);
        for b in blocks.iter().chain(appendix) {
            f.extend_from_slice(b);
        }
        f
    }

    fn tcp_flow() -> Vec<u8> {
        v3(
            1,
            0,
            &[
                generic(1_000, 2_500, 7, 900, (40000, 443), 6, 0x1b),
                ipv4([192, 0, 2, 1], [198, 51, 100, 2]),
            ],
        )
    }

    #[test]
    fn reads_an_ipv4_flow() {
        let f = read(&file(0, &[block(&[tcp_flow()])])).expect("read");
        assert_eq!(f.header.nfdump_version, 0x0107_0100);
        assert_eq!(f.header.created, 1_700_000_000);
        assert_eq!(f.header.compression, Compression::None);
        assert_eq!(
            f.flows,
            vec![FlowRecord {
                src: "192.0.2.1".parse().expect("ip"),
                dst: "198.51.100.2".parse().expect("ip"),
                src_port: 40000,
                dst_port: 443,
                proto: 6,
                tcp_flags: 0x1b,
                packets: 7,
                bytes: 900,
                start_ms: 1_000,
                end_ms: 2_500,
                sampling: 1,
                fragment: false,
            }]
        );
        assert_eq!(f.stats.blocks, 1);
        assert_eq!(f.stats.flow_records, 1);
        assert!(is_nfdump(&file(0, &[])));
        assert!(!is_nfdump(b"\xd4\xc3\xb2\xa1"));
    }

    #[test]
    fn reads_ipv6_addresses_high_word_first() {
        let src: Ipv6Addr = "2001:db8::1".parse().expect("ip");
        let dst: Ipv6Addr = "fe80::217:f2ff:fed7:cf65".parse().expect("ip");
        let rec = v3(
            1,
            0,
            &[generic(1, 2, 1, 60, (5353, 5353), 17, 0), ipv6(src, dst)],
        );
        let f = read(&file(0, &[block(&[rec])])).expect("read");
        assert_eq!(f.flows[0].src, IpAddr::V6(src));
        assert_eq!(f.flows[0].dst, IpAddr::V6(dst));
    }

    #[test]
    fn splits_bidirectional_records() {
        let tcp = v3(
            1,
            0,
            &[
                generic(10, 20, 3, 180, (50000, 80), 6, 0x02),
                ipv4([10, 0, 0, 1], [10, 0, 0, 2]),
                misc(0x12),
                counters_out(2, 120),
            ],
        );
        let icmp = v3(
            1,
            0,
            &[
                generic(10, 20, 1, 84, (0, 0x0800), 1, 0),
                ipv4([10, 0, 0, 1], [10, 0, 0, 2]),
                counters_out(1, 84),
            ],
        );
        let no_reply = v3(
            1,
            0,
            &[
                generic(10, 20, 1, 60, (1, 2), 17, 0),
                ipv4([10, 0, 0, 1], [10, 0, 0, 2]),
                counters_out(0, 0),
            ],
        );
        let bytes = file(0, &[block(&[tcp, icmp, no_reply])]);
        let f = read(&bytes).expect("read");
        assert_eq!(f.stats.flow_records, 3);
        assert_eq!(f.stats.reverse_flows, 2);
        assert_eq!(f.flows.len(), 5);
        let rev = f.flows[1];
        assert_eq!((rev.src, rev.dst), (f.flows[0].dst, f.flows[0].src));
        assert_eq!((rev.src_port, rev.dst_port), (80, 50000));
        assert_eq!((rev.packets, rev.bytes, rev.tcp_flags), (2, 120, 0x12));
        assert_eq!((f.flows[3].src_port, f.flows[3].dst_port), (0, 0));

        let mut reader = Reader::new(bytes.as_slice()).expect("header");
        reader.set_split_biflows(false);
        let mut flows = Vec::new();
        while reader.next_block(&mut flows).expect("block") {}
        assert_eq!(flows.len(), 3);
        assert_eq!(reader.stats().reverse_flows, 0);
    }

    #[test]
    fn skips_and_counts_other_elements_and_records() {
        let rec = v3(
            1,
            0,
            &[
                (7, vec![0; 8]),  // EXasRouting
                (99, vec![1; 5]), // unknown to nfdump 1.7.1
                generic(1, 2, 1, 40, (1, 2), 6, 0),
                (0, vec![]), // EXnull
                ipv4([1, 1, 1, 1], [2, 2, 2, 2]),
            ],
        );
        let no_addresses = v3(1, 0, &[generic(1, 2, 1, 40, (1, 2), 6, 0)]);
        let exporter = record(7, &[0; 28]);
        let unknown = record(200, &[1, 2, 3]);
        let f = read(&file(0, &[block(&[exporter, rec, no_addresses, unknown])])).expect("read");
        assert_eq!(f.flows.len(), 1);
        assert_eq!(f.flows[0].packets, 1);
        assert_eq!(f.stats.records, 4);
        assert_eq!(f.stats.ignored_elements, 1);
        assert_eq!(f.stats.unknown_elements, 2);
        assert_eq!(f.stats.incomplete_records, 1);
        assert_eq!(f.stats.skipped_records, 2);
    }

    #[test]
    fn skips_array_blocks() {
        let array = block_raw(4, 1, &[0u8; 16]);
        let f = read(&file(0, &[array, block(&[tcp_flow()])])).expect("read");
        assert_eq!(f.stats.blocks, 2);
        assert_eq!(f.stats.skipped_blocks, 1);
        assert_eq!(f.flows.len(), 1);
    }

    #[test]
    fn sampling_rate_from_sampler_records() {
        let sampled = |sysid| {
            v3(
                sysid,
                V3_FLAG_SAMPLED,
                &[
                    generic(1, 2, 100, 4000, (1, 2), 17, 0),
                    ipv4([1, 1, 1, 1], [2, 2, 2, 2]),
                ],
            )
        };
        let records = vec![
            sampler(1, SAMPLER_DEFAULT, 1, 9),
            sampler(2, SAMPLER_DEFAULT, 1, 9),
            sampler(2, 5, 1, 99),
            sampler(3, SAMPLER_GENERIC, 1, 49),
            sampler(3, SAMPLER_OVERWRITE, 1, 1),
            sampler(4, 1, 1, 9),
            sampler(4, 2, 1, 19),
            sampled(1),
            sampled(2),
            sampled(3),
            sampled(4),
            sampled(5),
            tcp_flow(),
        ];
        let f = read(&file(0, &[block(&records)])).expect("read");
        let rates: Vec<u32> = f.flows.iter().map(|r| r.sampling).collect();
        assert_eq!(rates, vec![10, 100, 2, 1, 1, 1]);
        // Counters are taken as nfcapd stored them (already scaled).
        assert_eq!(f.flows[0].packets, 100);
        assert_eq!(f.stats.sampling_unknown, 2);
        assert_eq!(f.stats.skipped_records, 7);
    }

    #[test]
    fn reads_ident_and_stat_from_the_appendix() {
        let ident = record(RECORD_IDENT, b"router-1\0");
        let mut stat = vec![0u8; 18 * 8];
        stat[0..8].copy_from_slice(&57u64.to_le_bytes());
        stat[8..16].copy_from_slice(&22896u64.to_le_bytes());
        stat[16..24].copy_from_slice(&126u64.to_le_bytes());
        stat[120..128].copy_from_slice(&1_300_475_167_096u64.to_le_bytes());
        stat[128..136].copy_from_slice(&1_300_475_173_489u64.to_le_bytes());
        stat[136..144].copy_from_slice(&2u64.to_le_bytes());
        let stat = record(RECORD_STAT, &stat);
        // A flow record in the appendix is not read (nor by nfdump).
        let bytes = file_with_appendix(
            0,
            &[block(&[tcp_flow()])],
            &[block(&[ident, stat, tcp_flow()])],
        );
        let mut reader = Reader::new(bytes.as_slice()).expect("header");
        let mut flows = Vec::new();
        assert!(reader.next_block(&mut flows).expect("block 0"));
        assert_eq!(reader.ident(), None);
        assert!(reader.next_block(&mut flows).expect("block 1"));
        assert!(!reader.next_block(&mut flows).expect("end"));
        assert_eq!(reader.ident(), Some("router-1"));
        let s = reader.stat().copied().expect("stat");
        assert_eq!((s.flows, s.bytes, s.packets), (57, 22896, 126));
        assert_eq!(
            (s.first_ms, s.last_ms, s.sequence_failures),
            (1_300_475_167_096, 1_300_475_173_489, 2)
        );
        assert_eq!(flows.len(), 1);
        assert_eq!(reader.stats().records, 4);
        assert_eq!(reader.stats().skipped_records, 1);
    }

    #[test]
    fn skips_a_gap_before_the_appendix_and_refuses_a_bad_offset() {
        let ident = block(&[record(RECORD_IDENT, b"x\0")]);
        let mut bytes =
            file_with_appendix(0, &[block(&[tcp_flow()])], std::slice::from_ref(&ident));
        let appendix_at = bytes.len() - ident.len();
        bytes.splice(appendix_at..appendix_at, [0xee; 7]);
        bytes[24..32].copy_from_slice(&((appendix_at + 7) as u64).to_le_bytes());
        let f = read(&bytes).expect("read");
        assert_eq!((f.ident.as_deref(), f.flows.len()), (Some("x"), 1));

        bytes[24..32].copy_from_slice(&41u64.to_le_bytes());
        let err = read(&bytes).expect_err("offset inside the data");
        assert!(
            matches!(err, NfdumpError::Corrupt { block: 1, .. }),
            "{err}"
        );
        bytes[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
        let err = read(&bytes).expect_err("offset past the end");
        assert!(
            matches!(err, NfdumpError::Truncated { block: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn reads_lz4_blocks() {
        let first = [tcp_flow(), tcp_flow()].concat();
        let second = (0..200).map(|_| tcp_flow()).collect::<Vec<_>>().concat();
        let b0 = block_raw(3, 2, &lz4_flex::block::compress(&first));
        let b1 = block_raw(3, 200, &lz4_flex::block::compress(&second));
        let f = read(&file(3, &[b0, b1])).expect("read");
        assert_eq!(f.header.compression, Compression::Lz4);
        assert_eq!(f.flows.len(), 202);
        assert_eq!(f.stats.blocks, 2);

        // Far more data than the first guess of the output size (4 times the input, 64 KiB).
        let many = (0..5000).map(|_| tcp_flow()).collect::<Vec<_>>().concat();
        let packed = lz4_flex::block::compress(&many);
        assert!(packed.len() * 4 < many.len() && 64 * 1024 < many.len());
        let f = read(&file(3, &[block_raw(3, 5000, &packed)])).expect("read");
        assert_eq!(f.flows.len(), 5000);

        let bad = block_raw(3, 1, &[0xf0, 0xff, 0xff]);
        let err = read(&file(3, &[bad])).expect_err("bad lz4");
        assert!(
            matches!(
                err,
                NfdumpError::Lz4 {
                    block: 0,
                    offset: 40,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn stops_after_the_declared_blocks() {
        let mut bytes = file(0, &[block(&[tcp_flow()])]);
        bytes.extend_from_slice(&block(&[tcp_flow()]));
        bytes.extend_from_slice(b"trailing garbage");
        let f = read(&bytes).expect("read");
        assert_eq!(f.flows.len(), 1);
        // A file nfcapd is still writing says 0 blocks: nothing is read, as by nfdump.
        let mut open = file(0, &[]);
        open.extend_from_slice(&block(&[tcp_flow()]));
        assert!(read(&open).expect("read").flows.is_empty());
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for (code, name) in [
            (1u8, "LZO"),
            (2, "bzip2"),
            (4, "zstd"),
            (9, "unknown compression method 9"),
        ] {
            let err = read(&file(code, &[])).expect_err("compression");
            let text = err.to_string();
            assert!(
                text.contains(name) && text.contains("nfdump -r FILE -J 0"),
                "{text}"
            );
        }
        let mut encrypted = file(0, &[]);
        encrypted[17] = 1;
        assert!(matches!(read(&encrypted), Err(NfdumpError::Encrypted(1))));
        let mut v1 = file(0, &[]);
        v1[2] = 1;
        let err = read(&v1).expect_err("layout 1");
        assert!(err.to_string().contains("nfdump 1.6"), "{err}");
        let mut v3 = file(0, &[]);
        v3[2] = 3;
        assert!(matches!(read(&v3), Err(NfdumpError::UnsupportedLayout(3))));
        let mut be = file(0, &[]);
        be.swap(0, 1);
        assert!(matches!(read(&be), Err(NfdumpError::BigEndian)));
        assert!(matches!(
            read(b"\xd4\xc3\xb2\xa1\x02\x00"),
            Err(NfdumpError::NotNfdump { found: 0xc3d4 })
        ));
        assert!(matches!(
            read(&file(0, &[])[..39]),
            Err(NfdumpError::HeaderTruncated { len: 39 })
        ));
        assert!(matches!(
            read(&[0x0c]),
            Err(NfdumpError::HeaderTruncated { len: 1 })
        ));
    }

    #[test]
    fn errors_name_the_block_and_offset() {
        let good = block(&[tcp_flow()]);
        let second_at = (FILE_HEADER_LEN + good.len()) as u64;

        let bytes = file(0, &[good.clone(), block(&[tcp_flow()])]);
        let err = read(&bytes[..bytes.len() - 1]).expect_err("truncated data");
        assert!(
            matches!(err, NfdumpError::Truncated { what: "data", block: 1, offset } if offset == second_at),
            "{err}"
        );
        let err = read(&bytes[..second_at as usize + 5]).expect_err("truncated header");
        assert!(
            matches!(
                err,
                NfdumpError::Truncated {
                    what: "header",
                    block: 1,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains(&format!("byte offset {second_at}")),
            "{err}"
        );

        let mut huge = block(&[tcp_flow()]);
        huge[4..8].copy_from_slice(&(MAX_BLOCK_SIZE + 1).to_le_bytes());
        let err = read(&file(0, &[good.clone(), huge])).expect_err("too large");
        assert!(
            matches!(err, NfdumpError::BlockTooLarge { block: 1, .. }),
            "{err}"
        );

        let empty = block_raw(3, 0, &[]);
        let err = read(&file(0, &[empty])).expect_err("empty");
        assert!(
            matches!(
                err,
                NfdumpError::Corrupt {
                    block: 0,
                    offset: 40,
                    ..
                }
            ),
            "{err}"
        );

        // A record claiming more bytes than the block holds.
        let mut rec = tcp_flow();
        rec[2..4].copy_from_slice(&500u16.to_le_bytes());
        let err = read(&file(0, &[good.clone(), block(&[rec])])).expect_err("record size");
        assert!(
            matches!(
                err,
                NfdumpError::Corrupt {
                    block: 1,
                    pos: 0,
                    ..
                }
            ),
            "{err}"
        );

        // More records announced than present.
        let short = block_raw(3, 2, &tcp_flow());
        let err = read(&file(0, &[short])).expect_err("record count");
        assert!(
            matches!(err, NfdumpError::Corrupt { block: 0, .. }),
            "{err}"
        );

        // An element running past its record, and a known element too short.
        let mut rec = tcp_flow();
        rec[14..16].copy_from_slice(&200u16.to_le_bytes());
        let err = read(&file(0, &[block(&[rec])])).expect_err("element size");
        assert!(matches!(err, NfdumpError::Corrupt { pos: 12, .. }), "{err}");
        let rec = v3(1, 0, &[(EX_GENERIC_FLOW, vec![0; 20])]);
        let err = read(&file(0, &[block(&[rec])])).expect_err("short element");
        assert!(
            err.to_string()
                .contains("element type 1 has 20 bytes, 48 expected"),
            "{err}"
        );
        let rec = v3(1, 0, &[(EX_IPV4_FLOW, vec![0; 8])]);
        let mut cut = rec.clone();
        cut[4..6].copy_from_slice(&3u16.to_le_bytes());
        let err = read(&file(0, &[block(&[cut])])).expect_err("element count");
        assert!(err.to_string().contains("element 1 of 3"), "{err}");
    }

    #[test]
    fn no_more_blocks_after_an_error() {
        let mut rec = tcp_flow();
        rec[2..4].copy_from_slice(&2u16.to_le_bytes());
        let bytes = file(0, &[block(&[rec]), block(&[tcp_flow()])]);
        let mut reader = Reader::new(bytes.as_slice()).expect("header");
        let mut flows = Vec::new();
        assert!(reader.next_block(&mut flows).is_err());
        assert!(!reader.next_block(&mut flows).expect("done"));
        assert!(flows.is_empty());
    }
}
