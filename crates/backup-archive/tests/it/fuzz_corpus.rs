//! The fuzz corpus (`fuzz/corpus/<target>/`, `cargo +nightly fuzz run <target>` grows it),
//! replayed on stable with the targets' own checks, and a few thousand deterministic mutations
//! of real archives: every input gives a report or an error, never a panic, and pieces agree
//! with the whole.

use std::path::PathBuf;

use backup_archive::fuzzing::{pieces_agree, reader_input};
use backup_archive::verify_bytes;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
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

#[test]
fn the_verify_corpus_replays() {
    let mut verified = 0;
    for (path, bytes) in corpus("verify") {
        if verify_bytes(&bytes).is_ok() {
            verified += 1;
        }
        let _ = path;
    }
    // The seeds include valid archives of every format.
    assert!(verified >= 6, "{verified}");
}

/// The `extract` corpus, and deterministic mutations of its seeds (flipped bytes, cut tails),
/// extracted: nothing outside the destination, nothing left after a failure.
#[test]
fn the_extract_corpus_replays_and_mutations_write_nothing_outside() {
    let scratch = crate::extract::TempDir::new("fuzz-extract");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for (_, bytes) in corpus("extract") {
        backup_archive::fuzzing::extract_stays_inside(&bytes, scratch.path());
        if bytes.is_empty() {
            continue;
        }
        for _ in 0..40 {
            let mut mutated = bytes.clone();
            let at = (next() % mutated.len() as u64) as usize;
            if next() % 2 == 0 {
                mutated[at] ^= 1 << (next() % 8);
            } else {
                mutated.truncate(at);
            }
            backup_archive::fuzzing::extract_stays_inside(&mutated, scratch.path());
        }
    }
}

#[test]
fn the_verify_pieces_corpus_replays() {
    for (_, bytes) in corpus("verify_pieces") {
        pieces_agree(&bytes);
    }
}

/// Deterministic mutations of each seed: flipped bytes, cut tails, inserted and removed
/// bytes, a length field set to its maximum.
#[test]
fn mutated_seeds_never_panic_and_pieces_agree() {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for (_, seed) in corpus("verify") {
        if seed.is_empty() {
            continue;
        }
        for _ in 0..150 {
            let mut bytes = seed.clone();
            let at = (next() as usize) % bytes.len();
            match next() % 5 {
                0 => bytes[at] ^= 1 << (next() % 8),
                1 => bytes.truncate(at),
                2 => bytes.insert(at, next() as u8),
                3 => {
                    bytes.remove(at);
                }
                _ => {
                    let end = (at + 4).min(bytes.len());
                    bytes[at..end].fill(0xff);
                }
            }
            let mut input = vec![(next() % 64) as u8 + 1];
            input.extend_from_slice(&bytes);
            pieces_agree(&input);
        }
    }
}

#[test]
fn the_per_reader_corpora_replay_and_their_seeds_are_valid() {
    for target in ["xbstream", "qpress", "gzip", "tar"] {
        let mut valid = 0;
        for (path, bytes) in corpus(target) {
            let input = reader_input(target, &bytes);
            if verify_bytes(&input).is_ok() {
                valid += 1;
            }
            let _ = path;
            let mut pieces = vec![3u8];
            pieces.extend_from_slice(&input);
            pieces_agree(&pieces);
        }
        assert!(valid >= 1, "{target}: no valid seed");
    }
}
