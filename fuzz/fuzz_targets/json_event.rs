//! A JSON or NDJSON event (HTTP ingest, agents, forwarders' shapes) read into a Sigma event.
#![no_main]
use canhgac_ingest::event::json_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for line in text.lines() {
            let _ = json_line(line, 1_765_000_000_000);
        }
    }
});
