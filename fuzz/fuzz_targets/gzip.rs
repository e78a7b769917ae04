//! The gzip reader: every input starts with a gzip member's magic and method.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = backup_archive::verify_bytes(&backup_archive::fuzzing::reader_input("gzip", data));
});
