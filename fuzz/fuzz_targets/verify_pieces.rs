//! The same bytes fed in pieces whose sizes come from the input: the readers' state machines
//! across every split point must agree with the whole-input result.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let whole = backup_archive::verify_bytes(rest);
    let mut verifier = backup_archive::Verifier::new();
    let size = usize::from(split).max(1);
    let mut failed = None;
    for piece in rest.chunks(size) {
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
        (Err(whole), Err(pieces)) => assert_eq!(whole.message(), pieces.message()),
        (whole, pieces) => panic!("whole: {whole:?}, in pieces: {pieces:?}"),
    }
});
