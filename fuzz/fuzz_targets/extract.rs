//! Any bytes extracted into a scratch directory: nothing written outside it, nothing left when
//! the extraction fails, only files and directories when it succeeds, the verifier's report.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let scratch = std::env::temp_dir().join(format!("backup-archive-fuzz-{}", std::process::id()));
    backup_archive::fuzzing::extract_stays_inside(data, &scratch);
});
