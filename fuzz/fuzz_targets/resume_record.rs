//! The resume record beside a `.part`: parsed, compared, its ranges made into a plan that tiles the file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_http::fuzzing::resume_record(data);
});
