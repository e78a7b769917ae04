//! A response body as the transport decodes it, the excerpts quoted in errors, and the lenient scalar decoders.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_http::fuzzing::body(data);
});
