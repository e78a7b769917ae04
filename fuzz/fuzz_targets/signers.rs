//! The three signers over any method, host, path, query, header and body bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cloud_signer::fuzzing::signers(data);
});
