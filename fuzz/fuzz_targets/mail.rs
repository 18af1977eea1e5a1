//! National-platform alerts: a saved e-mail (.eml, MIME) and the pushed JSON body.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = canhgac_ops::platform_mail::parse_mail(data, "alert.eml");
    let _ = canhgac_ops::platform::parse(data);
});
