//! Alibaba Cloud RDS responses: the first byte picks the response type (every operation and the error body), the second the HTTP status; the error format reads it, then the type decodes it, and a decoded value round-trips.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    aliyun_rds::generated::fuzz_decode(data);
});
