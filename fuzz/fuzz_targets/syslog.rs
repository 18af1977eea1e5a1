//! Syslog over TCP: octet-counting and newline framing, then every line read as syslog (RFC
//! 5424, RFC 3164) and tried against the firewall, web and Windows recognisers.
#![no_main]
use canhgac_ingest::event::text_line;
use canhgac_ingest::framing::Framer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = Framer::new(4096);
    // Two reads, split where the first byte says: frames across reads.
    let cut = data.first().map_or(0, |b| *b as usize).min(data.len());
    for part in [&data[..cut], &data[cut..]] {
        f.push(part);
        while let Some(frame) = f.next_frame() {
            let bytes = match frame {
                Ok(b) => b,
                Err(canhgac_ingest::FrameError::TooLong { head, .. }) => head,
            };
            let line = String::from_utf8_lossy(&bytes);
            let _ = text_line(&line, 1_765_000_000_000);
        }
    }
    if let Some(rest) = f.finish() {
        let _ = text_line(&String::from_utf8_lossy(&rest), 1_765_000_000_000);
    }
});
