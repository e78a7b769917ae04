//! The tar reader: the first 512 bytes become a ustar header with a correct checksum, so the
//! fuzzer explores sizes, types, long names and what follows.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut input = data.to_vec();
    if input.len() < 512 {
        input.resize(512, 0);
    }
    input[257..263].copy_from_slice(b"ustar\0");
    input[148..156].copy_from_slice(b"        ");
    let sum: u32 = input[..512].iter().map(|&b| u32::from(b)).sum();
    input[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let _ = backup_archive::verify_bytes(&input);
});
