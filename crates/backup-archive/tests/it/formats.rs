//! Each format and their nestings: what the report says, and that a flipped byte or a cut
//! is found, with its offset and member.

use backup_archive::{Format, Verifier, verify_bytes};

use crate::build::{gzip, qpress, sample, tar, xbstream};

const CHECKPOINTS: &[u8] =
    b"backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 47386\nlast_lsn = 47395\n";
const INFO: &[u8] = b"tool_name = mariabackup\ntool_version = 10.11.19-MariaDB\nserver_version = 10.11.19-MariaDB\n";

/// An xtrabackup-like stream: data files as `.qp` members, the metadata plain.
fn backup_qp_xb() -> Vec<u8> {
    let ibdata = sample(300_000, 1);
    let ibd = sample(70_000, 2);
    let ibdata_qp = qpress("ibdata1", &ibdata, 65_536);
    let ibd_qp = qpress("t1.ibd", &ibd, 65_536);
    xbstream(
        &[
            ("backup-my.cnf", b"[mysqld]\ninnodb_page_size=16384\n"),
            ("ibdata1.qp", &ibdata_qp),
            ("shop/t1.ibd.qp", &ibd_qp),
            ("shop/empty.frm", b""),
            ("xtrabackup_checkpoints", CHECKPOINTS),
            ("xtrabackup_info", INFO),
        ],
        10_000,
    )
}

#[test]
fn an_xbstream_of_qpress_members_is_verified_through_both_layers() {
    let archive = backup_qp_xb();
    let report = verify_bytes(&archive).expect("valid");
    assert_eq!(report.format, Some(Format::Xbstream));
    assert_eq!(report.bytes, archive.len() as u64);
    let names: Vec<&str> = report.members.iter().map(|m| m.name.as_str()).collect();
    for name in [
        "backup-my.cnf",
        "ibdata1.qp",
        "ibdata1.qp/ibdata1",
        "shop/t1.ibd.qp",
        "shop/t1.ibd.qp/t1.ibd",
        "shop/empty.frm",
        "xtrabackup_checkpoints",
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
    let ibdata = report
        .members
        .iter()
        .find(|m| m.name == "ibdata1.qp/ibdata1")
        .expect("ibdata1");
    assert_eq!(ibdata.decompressed_bytes, Some(300_000));
    let qp = report
        .members
        .iter()
        .find(|m| m.name == "ibdata1.qp")
        .expect("ibdata1.qp");
    assert_eq!(qp.content, Some(Format::Qpress));
    assert!(report.checks.xbstream_chunks_crc32 > 10);
    // 300,000 bytes in 64 KiB blocks: 5; 70,000: 2.
    assert_eq!(report.checks.qpress_blocks_adler32, 7);
    assert_eq!(report.checks.qpress_blocks_decoded, 7);
    let facts = report.backup.expect("facts");
    assert_eq!(facts.backup_type.as_deref(), Some("full-backuped"));
    assert_eq!(facts.to_lsn, Some(47386));
    assert_eq!(facts.info["tool_name"], "mariabackup");
    assert!(
        report
            .checks
            .summary()
            .iter()
            .any(|s| s.starts_with("xbstream crc32"))
    );
}

#[test]
fn a_qpress_archive_wrapping_an_xbstream_is_verified_inside() {
    let inner = xbstream(
        &[
            ("ibdata1", &sample(100_000, 3)),
            ("xtrabackup_checkpoints", CHECKPOINTS),
        ],
        30_000,
    );
    let archive = qpress("backup.xb", &inner, 65_536);
    let report = verify_bytes(&archive).expect("valid");
    assert_eq!(report.format, Some(Format::Qpress));
    let outer = report
        .members
        .iter()
        .find(|m| m.name == "backup.xb")
        .expect("the file");
    assert_eq!(outer.content, Some(Format::Xbstream));
    assert_eq!(outer.decompressed_bytes, Some(inner.len() as u64));
    assert!(
        report
            .members
            .iter()
            .any(|m| m.name == "backup.xb/ibdata1" && m.bytes == 100_000)
    );
    assert_eq!(report.backup.and_then(|b| b.to_lsn), Some(47386));
}

#[test]
fn a_tar_gz_is_verified_through_both_layers() {
    let archive = gzip(&tar(&[
        ("dump.sql", &sample(50_000, 4)),
        ("xtrabackup_info", INFO),
    ]));
    let report = verify_bytes(&archive).expect("valid");
    assert_eq!(report.format, Some(Format::Gzip));
    assert_eq!(report.checks.gzip_members, 1);
    assert_eq!(report.checks.tar_headers, 2);
    assert!(
        report
            .members
            .iter()
            .any(|m| m.name.ends_with("/dump.sql") && m.bytes == 50_000)
    );
    assert_eq!(
        report
            .backup
            .map(|b| b.info["tool_name"].clone())
            .as_deref(),
        Some("mariabackup")
    );
}

#[test]
fn concatenated_gzip_members_are_all_checked() {
    let mut archive = gzip(b"first part\n");
    archive.extend(gzip(b"second part\n"));
    let report = verify_bytes(&archive).expect("valid");
    assert_eq!(report.checks.gzip_members, 2);
    assert_eq!(report.members[0].decompressed_bytes, Some(23));
}

#[test]
fn pieces_of_any_size_give_the_same_report() {
    let archive = backup_qp_xb();
    let whole = verify_bytes(&archive).expect("valid");
    for size in [1, 7, 511, 4096, 65_537] {
        let mut verifier = Verifier::new();
        for piece in archive.chunks(size) {
            verifier.write(piece).expect("valid");
        }
        assert_eq!(verifier.finish().expect("valid"), whole, "pieces of {size}");
    }
}

/// Every archive, cut at every offset (a sample of offsets for the big one): an error, never a
/// panic, and never a report.
#[test]
fn every_truncation_is_an_error() {
    let small_xb = xbstream(&[("a", b"hello"), ("b", b"")], 3);
    let small_qp = qpress("a", &sample(3_000, 5), 1024);
    let small_gz = gzip(&sample(2_000, 6));
    let small_tar = tar(&[("a", b"hello")]);
    for archive in [&small_xb, &small_qp, &small_gz, &small_tar] {
        for cut in 0..archive.len() {
            let error = verify_bytes(&archive[..cut]).expect_err("cut short");
            assert!(error.offset() <= cut as u64, "{error} at cut {cut}");
        }
    }
    let big = backup_qp_xb();
    for cut in (0..big.len()).step_by(997) {
        assert!(verify_bytes(&big[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn a_flipped_payload_byte_is_named_with_its_chunk_and_member() {
    let archive = backup_qp_xb();
    // A byte in the middle of the compressed ibdata1.qp payload: the xbstream CRC catches it
    // first, at the start of its chunk.
    let at = archive.len() / 2;
    let mut bad = archive.clone();
    bad[at] ^= 0x01;
    let error = verify_bytes(&bad).expect_err("flipped");
    assert!(
        error.message().contains("CRC-32 mismatch") || error.message().contains("magic"),
        "{error}"
    );
    assert!(error.offset() <= at as u64);

    // A flipped byte inside a qpress block of a standalone .qp: the Adler-32.
    let qp = qpress("ibdata1", &sample(200_000, 7), 65_536);
    let mut bad = qp.clone();
    bad[100] ^= 0x80;
    let error = verify_bytes(&bad).expect_err("flipped");
    assert!(error.message().contains("Adler-32 mismatch"), "{error}");

    // In tar: the header checksum.
    let mut bad = tar(&[("a", b"hello")]);
    bad[10] ^= 0x01;
    let error = verify_bytes(&bad).expect_err("flipped");
    assert!(error.message().contains("checksum"), "{error}");
    assert_eq!(error.offset(), 148);

    // In gzip's data: CRC, length or DEFLATE.
    let gz = gzip(&sample(20_000, 8));
    for at in [12, gz.len() / 2, gz.len() - 6] {
        let mut bad = gz.clone();
        bad[at] ^= 0x04;
        assert!(verify_bytes(&bad).is_err(), "flip at {at}");
    }
}

#[test]
fn an_error_inside_a_nested_member_names_the_member_and_the_outer_offset() {
    // A qpress block corrupted *before* being put in the xbstream, so the xbstream CRC
    // matches and the qpress Adler-32 finds it.
    let mut ibdata_qp = qpress("ibdata1", &sample(100_000, 9), 65_536);
    ibdata_qp[60] ^= 0x10;
    let archive = xbstream(
        &[("backup-my.cnf", b"x"), ("ibdata1.qp", &ibdata_qp)],
        50_000,
    );
    let error = verify_bytes(&archive).expect_err("corrupt member");
    assert_eq!(error.member(), Some("ibdata1.qp/ibdata1"));
    assert!(error.message().contains("Adler-32 mismatch"), "{error}");
    assert!(error.message().contains("of its content"), "{error}");
    assert!(error.offset() > 0 && error.offset() < archive.len() as u64);
}

#[test]
fn unknown_input_is_refused() {
    let error = verify_bytes(b"this is not an archive at all").expect_err("unknown");
    assert!(error.message().contains("not a format"), "{error}");
    assert!(verify_bytes(b"").is_err());
}

#[test]
fn an_error_two_layers_down_names_the_path_once() {
    // Huawei Cloud's layout: a qpress file holding an xbstream. A chunk's payload corrupted
    // after its CRC-32 was computed, then the qpress file made around it (so its Adler-32s
    // match): the xbstream CRC-32 finds it, and the member is the path through both layers.
    let mut stream = xbstream(
        &[
            ("backup-my.cnf", b"[mysqld]\n"),
            ("ibdata1", &sample(5_000, 3)),
        ],
        4_096,
    );
    let at = stream.len() - 100;
    stream[at] ^= 0x01;
    let archive = qpress("full.xbstream", &stream, 65_536);
    let error = verify_bytes(&archive).expect_err("corrupt chunk");
    assert_eq!(error.member(), Some("full.xbstream/ibdata1"), "{error}");
    assert!(error.message().contains("CRC-32 mismatch"), "{error}");

    // A bad block of the qpress file itself names the file.
    let mut archive = qpress("full.xbstream", &xbstream(&[("a", b"abc")], 4_096), 65_536);
    let last = archive.len() - 20;
    archive[last] ^= 0x01;
    let error = verify_bytes(&archive).expect_err("corrupt block");
    assert_eq!(error.member(), Some("full.xbstream"), "{error}");
}
