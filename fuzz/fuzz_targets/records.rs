//! A listing element of any shape made into the crate's records, for each provider.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_backup::fuzzing::records(data);
});
