//! The fuzz corpus (`fuzz/corpus/<target>/`, `cargo +nightly fuzz run <target>` grows it),
//! replayed on stable with the targets' own checks, and a few thousand deterministic mutations
//! of real archives: every input gives a report or an error, never a panic, and pieces agree
//! with the whole.

use std::path::PathBuf;

use backup_archive::{Verifier, verify_bytes};

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

/// What `fuzz_targets/verify_pieces.rs` checks: pieces of any size agree with the whole.
fn pieces_agree(data: &[u8]) {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let whole = verify_bytes(rest);
    let mut verifier = Verifier::new();
    let mut failed = None;
    for piece in rest.chunks(usize::from(split).max(1)) {
        if let Err(error) = verifier.write(piece) {
            failed = Some(error);
            break;
        }
    }
    let pieces = match failed {
        Some(error) => Err(error),
        None => verifier.finish(),
    };
    match (whole, pieces) {
        (Ok(whole), Ok(pieces)) => assert_eq!(whole, pieces),
        // Where DEFLATE notices bad data depends on how much it was given at once; what
        // failed does not.
        (Err(whole), Err(pieces)) => assert_eq!(whole.message(), pieces.message()),
        (whole, pieces) => panic!("whole: {whole:?}, in pieces: {pieces:?}"),
    }
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

/// The input each per-reader target (`fuzz_targets/<reader>.rs`) builds from the fuzzer's
/// bytes.
fn reader_input(target: &str, data: &[u8]) -> Vec<u8> {
    let prefix: &[u8] = match target {
        "xbstream" => b"XBSTCK01",
        "qpress" => b"qpress10",
        "gzip" => &[0x1f, 0x8b, 0x08],
        _ => b"",
    };
    let mut input = prefix.to_vec();
    input.extend_from_slice(data);
    if target == "tar" {
        if input.len() < 512 {
            input.resize(512, 0);
        }
        input[257..263].copy_from_slice(b"ustar\0");
        input[148..156].copy_from_slice(b"        ");
        let sum: u32 = input[..512].iter().map(|&b| u32::from(b)).sum();
        input[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    }
    input
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
