//! Registry imports: CSV (any separator, any encoding canhgac reads) and XLSX.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = canhgac_sheets::read(data, canhgac_sheets::Format::Csv);
    let _ = canhgac_sheets::read(data, canhgac_sheets::Format::Xlsx);
});
