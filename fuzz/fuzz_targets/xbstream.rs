//! The xbstream reader: every input starts with the chunk magic, so the fuzzer explores
//! chunk headers, payloads, sparse maps and nested members rather than format recognition.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = backup_archive::verify_bytes(&backup_archive::fuzzing::reader_input("xbstream", data));
});
