//! Windows Event Forwarding / wevtutil XML.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if canhgac_ingest::winxml::looks_like(text) {
            let _ = canhgac_ingest::winxml::events(text);
        }
        let _ = canhgac_ingest::winxml::event(text);
    }
});
