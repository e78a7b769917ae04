//! Redaction of echoed signatures and `Authorization` values: a secret after a marker never survives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_http::fuzzing::redact(data);
});
