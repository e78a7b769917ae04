//! Local file names made from the APIs' names and the links' URLs: plain, distinct names.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_backup::fuzzing::file_names(data);
});
