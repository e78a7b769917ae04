//! The qpress reader (and QuickLZ): every input starts with the archive magic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = backup_archive::verify_bytes(&backup_archive::fuzzing::reader_input("qpress", data));
});
