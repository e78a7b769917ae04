//! The tar reader: the first 512 bytes become a ustar header with a correct checksum, so the
//! fuzzer explores sizes, types, long names and what follows.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = backup_archive::verify_bytes(&backup_archive::fuzzing::reader_input("tar", data));
});
