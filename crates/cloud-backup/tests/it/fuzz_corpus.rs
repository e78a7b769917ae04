//! The fuzz corpora of every target that reads what a server, a destination or a user sends
//! (`fuzz/corpus/<target>/`: seeds from `fuzz/seeds.py`, and whatever the fuzzers found),
//! replayed on stable through the targets' own checks, with deterministic mutations of each
//! input: no panic, and every property the targets assert. The archive readers' corpora are
//! replayed by `backup-archive`'s own `fuzz_corpus` test.

use std::path::PathBuf;

type Target = fn(&[u8]);

/// Every target of `fuzz/Cargo.toml` but the archive readers', with what it runs.
const TARGETS: &[(&str, Target)] = &[
    ("aliyun_rds", aliyun_rds::generated::fuzz_decode),
    (
        "capitalonline_mysql",
        capitalonline_mysql::generated::fuzz_decode,
    ),
    ("huaweicloud_rds", huaweicloud_rds::generated::fuzz_decode),
    (
        "huaweicloud_gaussdb",
        huaweicloud_gaussdb::generated::fuzz_decode,
    ),
    ("http_headers", cloud_http::fuzzing::headers),
    ("http_body", cloud_http::fuzzing::body),
    ("error_xml", cloud_http::fuzzing::error_body),
    ("endpoint", cloud_http::fuzzing::endpoint),
    ("times", cloud_http::fuzzing::times),
    ("redact", cloud_http::fuzzing::redact),
    ("resume_record", cloud_http::fuzzing::resume_record),
    ("signers", cloud_signer::fuzzing::signers),
    ("manifest", cloud_backup::fuzzing::manifest),
    ("file_names", cloud_backup::fuzzing::file_names),
    ("records", cloud_backup::fuzzing::records),
];

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (python3 fuzz/seeds.py writes the seeds)",
                dir.display()
            )
        })
        .map(|entry| {
            let path = entry.expect("an entry").path();
            let bytes = std::fs::read(&path).expect("readable");
            (path, bytes)
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no corpus in {}", dir.display());
    inputs
}

/// Flipped bits, cut tails, inserted, removed and overwritten bytes, the same on every run.
fn mutations(seed: &[u8], count: usize, state: &mut u64) -> Vec<Vec<u8>> {
    let mut next = || {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    };
    (0..count)
        .map(|_| {
            let mut bytes = seed.to_vec();
            for _ in 0..=next() % 3 {
                if bytes.is_empty() {
                    bytes.push(next() as u8);
                    continue;
                }
                let at = (next() as usize) % bytes.len();
                match next() % 6 {
                    0 => bytes[at] ^= 1 << (next() % 8),
                    1 => bytes.truncate(at),
                    2 => bytes.insert(at, next() as u8),
                    3 => {
                        bytes.remove(at);
                    }
                    4 => bytes[at] = b"\"{}[],:0-9.eE\\\n/"[(next() % 16) as usize],
                    _ => {
                        let end = (at + 4).min(bytes.len());
                        bytes[at..end].fill(0xff);
                    }
                }
            }
            bytes
        })
        .collect()
}

#[test]
fn every_target_of_the_fuzz_crate_is_replayed() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let archive = [
        "verify",
        "verify_pieces",
        "extract",
        "xbstream",
        "qpress",
        "gzip",
        "tar",
    ];
    for line in manifest.lines() {
        if let Some(name) = line
            .strip_prefix("name = \"")
            .and_then(|l| l.strip_suffix('"'))
        {
            if name == "cloud-backup-fuzz" || archive.contains(&name) {
                continue;
            }
            assert!(
                TARGETS.iter().any(|(target, _)| *target == name),
                "fuzz target {name} is not replayed here"
            );
        }
    }
}

#[test]
fn every_corpus_replays_with_mutations() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut runs = 0;
    for (target, run) in TARGETS {
        for (path, bytes) in corpus(target) {
            let result = std::panic::catch_unwind(|| run(&bytes));
            assert!(result.is_ok(), "{target}: {} panicked", path.display());
            for mutated in mutations(&bytes, 60, &mut state) {
                if std::panic::catch_unwind(|| run(&mutated)).is_err() {
                    panic!(
                        "{target}: a mutation of {} panicked: {mutated:?}",
                        path.display()
                    );
                }
                runs += 1;
            }
        }
    }
    assert!(runs > 10_000, "{runs}");
}
