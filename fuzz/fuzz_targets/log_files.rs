//! An uploaded log file as the monitoring page takes it: EVTX, JSON array, JSON lines, text,
//! IIS W3C, WEF XML, each possibly gzip. The first byte picks the name it was uploaded under.
#![no_main]
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 7] = [
    "Security.evtx",
    "events.json",
    "events.jsonl",
    "auth.log",
    "u_ex261206.log",
    "forwarded.xml",
    "auth.log.gz",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[pick as usize % NAMES.len()];
    let _ = canhgac_ops::monitor::records_from_file(name, rest);
});
