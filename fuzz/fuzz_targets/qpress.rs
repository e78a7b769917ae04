//! The qpress reader (and QuickLZ): every input starts with the archive magic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut input = b"qpress10".to_vec();
    input.extend_from_slice(data);
    let _ = backup_archive::verify_bytes(&input);
});
