//! A Sigma rule file as uploaded (YAML, several documents, correlations), compiled and run
//! over an event.
#![no_main]
use canhgac_detect::engine::Builder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut b = Builder::new();
    b.add_file("fuzz.yml", text);
    let engine = b.build();
    let (read, _) = canhgac_ingest::event::text_line(
        "<38>Dec  6 10:00:00 web01 sshd[42]: Accepted password for root from 203.0.113.9 port 22 ssh2",
        1_765_000_000_000,
    );
    let mut scratch = engine.scratch();
    let mut state = Default::default();
    let mut hits = Vec::new();
    engine.process(&mut scratch, &mut state, &read.event, &mut hits);
});
