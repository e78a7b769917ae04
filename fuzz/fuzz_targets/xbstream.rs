//! The xbstream reader: every input starts with the chunk magic, so the fuzzer explores
//! chunk headers, payloads, sparse maps and nested members rather than format recognition.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut input = b"XBSTCK01".to_vec();
    input.extend_from_slice(data);
    let _ = backup_archive::verify_bytes(&input);
});
