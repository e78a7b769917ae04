//! An object store's XML error body, as a refused download reads it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_http::fuzzing::error_body(data);
});
