//! A sync destination's manifest document: accepted only with a path inside its instance's directory.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_backup::fuzzing::manifest(data);
});
