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
mod tests;
