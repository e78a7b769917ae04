//! The gzip reader: every input starts with a gzip member's magic and method.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut input = vec![0x1f, 0x8b, 0x08];
    input.extend_from_slice(data);
    let _ = backup_archive::verify_bytes(&input);
});
