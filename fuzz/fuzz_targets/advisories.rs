//! Advisories: OSV, CSAF, CVE JSON 5 (one document or a feed), and CISA's KEV catalogue.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = canhgac_vuln::formats::parse_advisories(data);
    let _ = canhgac_vuln::formats::parse_kev(data);
});
