//! Any bytes through every reader (the format is recognised from them): an error or a report,
//! never a panic, never an allocation the input did not pay for.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = backup_archive::verify_bytes(data);
});
