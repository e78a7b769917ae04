//! Endpoints as users give them: parsed, and an accepted one parses again from its own text.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_http::fuzzing::endpoint(data);
});
