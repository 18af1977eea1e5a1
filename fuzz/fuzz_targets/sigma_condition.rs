//! A Sigma condition expression over a rule's selection names.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let names: Vec<String> = ["selection", "filter", "sel_1", "sel_2", "keywords"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let _ = canhgac_detect::condition::parse(text, &names);
    }
});
