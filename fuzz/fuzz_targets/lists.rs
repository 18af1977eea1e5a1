//! A threat list in any form canhgac takes (text, CSV, ipset, XLSX, STIX, MISP, Shadowserver…);
//! the first byte picks the file name it came under.
#![no_main]
use libfuzzer_sys::fuzz_target;

const NAMES: [Option<&str>; 7] = [
    None,
    Some("botnet.csv"),
    Some("botnet.txt"),
    Some("botnet.xlsx"),
    Some("feed.json"),
    Some("list.ipset"),
    Some("misp.xml"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let _ = canhgac_intel::list::parse_list(rest, NAMES[pick as usize % NAMES.len()]);
});
