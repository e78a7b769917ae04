//! The same bytes fed in pieces whose sizes come from the input: the readers' state machines
//! across every split point must agree with the whole-input result.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    backup_archive::fuzzing::pieces_agree(data);
});
