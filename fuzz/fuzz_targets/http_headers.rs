//! What a download reads of response headers: `Content-Range`, `Content-Length`, `ETag`, `Last-Modified`, `Retry-After`, `x-acs-retry-after`, the checksum headers.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_http::fuzzing::headers(data);
});
