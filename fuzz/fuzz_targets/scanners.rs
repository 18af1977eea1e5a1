//! Vulnerability scanner reports: Nessus (XML, CSV), OpenVAS/GVM (XML, CSV), Nuclei, Trivy.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = canhgac_vuln::scanners::parse_scan(data);
});
