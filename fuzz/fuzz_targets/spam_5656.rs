//! A spam or fraud report in the 5656 syntax (and the phone numbers in it).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(r) = canhgac_spam::parse(text) {
            let _ = canhgac_spam::fold(&r.content);
        }
        let _ = canhgac_spam::normalize(text);
    }
});
