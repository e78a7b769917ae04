//! Hostile headers: huge lengths, endless streams, deep nesting, bad names. Each is an error,
//! found without allocating what the header claims.

use backup_archive::{Verifier, limits, verify_bytes};

use crate::build::{qpress, xb_end, xb_payload, xbstream};

fn chunk_header(kind: u8, path_len: u32, path: &[u8]) -> Vec<u8> {
    let mut chunk = b"XBSTCK01".to_vec();
    chunk.push(0);
    chunk.push(kind);
    chunk.extend_from_slice(&path_len.to_le_bytes());
    chunk.extend_from_slice(path);
    chunk
}

#[test]
fn a_huge_path_length_is_refused_before_reading_it() {
    let error = verify_bytes(&chunk_header(b'P', u32::MAX, b"")).expect_err("huge");
    assert!(error.message().contains("at most 511"), "{error}");
    assert_eq!(error.offset(), 10);
}

#[test]
fn a_huge_payload_length_is_a_truncation_not_an_allocation() {
    let mut chunk = chunk_header(b'P', 1, b"a");
    chunk.extend_from_slice(&u64::MAX.to_le_bytes());
    chunk.extend_from_slice(&0u64.to_le_bytes());
    chunk.extend_from_slice(&0u32.to_le_bytes());
    chunk.extend_from_slice(b"some bytes");
    let error = verify_bytes(&chunk).expect_err("truncated");
    assert!(error.message().contains("truncated"), "{error}");
}

#[test]
fn a_huge_sparse_map_is_refused() {
    let mut chunk = chunk_header(b'S', 1, b"a");
    chunk.extend_from_slice(&u32::MAX.to_le_bytes());
    let error = verify_bytes(&chunk).expect_err("huge map");
    assert!(error.message().contains("sparse map"), "{error}");
}

#[test]
fn an_unknown_chunk_type_is_refused_unless_ignorable() {
    let mut chunk = xb_payload("a", 0, b"x");
    chunk[9] = b'Z';
    let error = verify_bytes(&chunk).expect_err("unknown");
    assert!(error.message().contains("unknown chunk type"), "{error}");
    chunk[8] = 0x01; // ignorable: skipped (its CRC still checked)
    let mut archive = chunk;
    archive.extend(xbstream(&[("b", b"data")], 10));
    let report = verify_bytes(&archive).expect("skipped");
    assert_eq!(report.members.len(), 1);
}

#[test]
fn out_of_order_chunks_and_unclosed_files_are_errors() {
    let mut archive = xb_payload("a", 0, b"abc");
    archive.extend(xb_payload("a", 10, b"def"));
    let error = verify_bytes(&archive).expect_err("gap");
    assert!(error.message().contains("out-of-order"), "{error}");

    let archive = xb_payload("a", 0, b"abc");
    let error = verify_bytes(&archive).expect_err("unclosed");
    assert!(error.message().contains("no end-of-file chunk"), "{error}");
}

#[test]
fn endless_open_files_stop_at_the_limit() {
    let mut verifier = Verifier::new();
    let mut failed = None;
    for i in 0..(limits::XBSTREAM_MAX_OPEN_FILES + 5) {
        if let Err(error) = verifier.write(&xb_payload(&format!("f{i}"), 0, b"x")) {
            failed = Some(error);
            break;
        }
    }
    let error = failed.expect("the limit");
    assert!(error.message().contains("files open at once"), "{error}");
    // The verifier stays failed.
    assert!(verifier.write(&xb_end("f0")).is_err());
}

#[test]
fn qpress_hostile_headers() {
    // A chunk size beyond the limit.
    let mut archive = b"qpress10".to_vec();
    archive.extend_from_slice(&u64::MAX.to_le_bytes());
    assert!(
        verify_bytes(&archive)
            .expect_err("chunk")
            .message()
            .contains("chunk size")
    );
    // A name length beyond the limit.
    let mut archive = b"qpress10".to_vec();
    archive.extend_from_slice(&65_536u64.to_le_bytes());
    archive.push(b'F');
    archive.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(
        verify_bytes(&archive)
            .expect_err("name")
            .message()
            .contains("name of")
    );
    // A path in a name.
    let good = qpress("ibdata1", b"hello", 65_536);
    let mut bad = good.clone();
    let at = 16 + 1 + 4;
    bad[at..at + 3].copy_from_slice(b"../");
    bad.splice(at..at + 7, b"../x/yz".iter().copied());
    assert!(
        verify_bytes(&bad)
            .expect_err("path")
            .message()
            .contains("not a plain name")
    );
    // A packet size beyond the chunk size.
    let mut bad = good;
    let packet = 16 + 1 + 4 + 7 + 1 + 20;
    bad[packet] = 0x47; // long header
    bad.splice(packet + 1..packet + 3, [0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]);
    let error = verify_bytes(&bad).expect_err("packet");
    assert!(error.message().contains("QuickLZ packet of"), "{error}");
}

#[test]
fn nesting_stops_at_the_depth_limit() {
    let mut data = b"core".to_vec();
    for i in 0..10 {
        data = qpress(&format!("level{i}"), &data, 65_536);
    }
    let report = verify_bytes(&data).expect("verified down to the limit");
    let deepest = report
        .members
        .iter()
        .map(|m| m.name.matches('/').count())
        .max();
    assert_eq!(deepest, Some(backup_archive::MAX_DEPTH - 1));
}

#[test]
fn gzip_with_an_endless_file_name_is_refused() {
    let mut archive = vec![0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3];
    archive.extend(std::iter::repeat_n(b'a', 70_000));
    let error = verify_bytes(&archive).expect_err("name");
    assert!(error.message().contains("longer than 64 KiB"), "{error}");
}

/// A QuickLZ packet of 20 bytes that claims 30 MiB of output (with a correct Adler-32): refused
/// before anything is allocated for it.
#[test]
fn a_packet_claiming_more_than_quicklz_can_expand_is_refused() {
    let mut archive = b"qpress10".to_vec();
    archive.extend_from_slice(&(32u64 << 20).to_le_bytes());
    archive.push(b'F');
    archive.extend_from_slice(&1u32.to_le_bytes());
    archive.extend_from_slice(b"a\0");
    let mut packet = vec![0x47];
    packet.extend_from_slice(&20u32.to_le_bytes());
    packet.extend_from_slice(&(30u32 << 20).to_le_bytes());
    packet.resize(20, 0);
    archive.extend_from_slice(b"NEWBNEWB");
    archive.extend_from_slice(&0u64.to_le_bytes());
    archive.extend_from_slice(&crate::build::adler32(&packet).to_le_bytes());
    archive.extend_from_slice(&packet);
    let error = verify_bytes(&archive).expect_err("refused");
    assert!(
        error
            .message()
            .contains("claims 31457280 decompressed bytes"),
        "{error}"
    );
}
