//! A directive's items as typed or pasted (one per line, with deadlines and recipients).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = canhgac_domain::directive::parse_items(text);
    }
});
