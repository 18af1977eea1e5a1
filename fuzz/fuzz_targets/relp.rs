//! RELP frames (rsyslog's reliable protocol) read incrementally, and the `open` offers answered.
#![no_main]
use canhgac_ingest::relp::{open_answer, RelpReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut r = RelpReader::new(4096);
    let cut = data.first().map_or(0, |b| *b as usize).min(data.len());
    for part in [&data[..cut], &data[cut..]] {
        r.push(part);
        while let Some(f) = r.next_frame() {
            match f {
                Ok(f) if f.command == "open" => {
                    let _ = open_answer(&f.data, "fuzz");
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        // Never more than one frame's limit plus what was pushed.
        assert!(r.pending() <= data.len());
    }
});
