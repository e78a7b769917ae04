//! Archives made by real tools (`tests/data/README.md` says exactly how): mariabackup
//! 10.11 with and without `--compress`, a qpress file it wrote, mariadb-dump through gzip,
//! GNU tar through gzip. Each verifies; each with a byte flipped or cut short fails, naming
//! the member and the offset.

use std::io::Read;

use backup_archive::{Format, verify_bytes};

const FULL_XB_GZ: &[u8] = include_bytes!("../data/full.xb.gz");
const FULL_QP_XB: &[u8] = include_bytes!("../data/full_qp.xb");
const STANDALONE_QP: &[u8] = include_bytes!("../data/standalone.qp");
const SHOP_SQL_GZ: &[u8] = include_bytes!("../data/shop.sql.gz");
const BACKUP_TAR_GZ: &[u8] = include_bytes!("../data/backup.tar.gz");

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}

#[test]
fn a_mariabackup_xbstream_verifies_with_its_checkpoints() {
    let stream = gunzip(FULL_XB_GZ);
    assert_eq!(stream.len(), 12_461_196);
    let report = verify_bytes(&stream).expect("valid");
    assert_eq!(report.format, Some(Format::Xbstream));
    assert_eq!(report.members.len(), 107);
    assert_eq!(report.checks.xbstream_chunks_crc32, 105);
    let ibdata = report
        .members
        .iter()
        .find(|m| m.name == "ibdata1")
        .expect("ibdata1");
    assert_eq!(ibdata.bytes, 10_485_760);
    let customers = report
        .members
        .iter()
        .find(|m| m.name == "shop/customers.ibd")
        .expect("customers.ibd");
    assert_eq!(customers.bytes, 147_456);
    assert!(
        report
            .members
            .iter()
            .any(|m| m.name == "mysql/general_log.CSV" && m.bytes == 0)
    );
    let facts = report.backup.expect("facts");
    assert_eq!(facts.backup_type.as_deref(), Some("full-backuped"));
    assert_eq!(facts.from_lsn, Some(0));
    assert_eq!(facts.to_lsn, Some(125_579));
    assert_eq!(facts.last_lsn, Some(126_003));
    assert_eq!(
        facts.info.get("format").map(String::as_str),
        Some("mbstream")
    );

    // The gzip file itself: gzip, then the xbstream inside, the same members.
    let nested = verify_bytes(FULL_XB_GZ).expect("valid");
    assert_eq!(nested.format, Some(Format::Gzip));
    assert_eq!(nested.checks.gzip_members, 1);
    assert_eq!(nested.checks.xbstream_chunks_crc32, 105);
    assert_eq!(nested.members.len(), 108);
}

#[test]
fn a_mariabackup_compressed_xbstream_verifies_every_qpress_block() {
    let report = verify_bytes(FULL_QP_XB).expect("valid");
    assert_eq!(report.format, Some(Format::Xbstream));
    let qp: Vec<_> = report
        .members
        .iter()
        .filter(|m| m.name.ends_with(".qp"))
        .collect();
    assert_eq!(qp.len(), 106);
    assert!(qp.iter().all(|m| m.content == Some(Format::Qpress)));
    let customers = report
        .members
        .iter()
        .find(|m| m.name == "shop/customers.ibd.qp/customers.ibd")
        .expect("the file inside");
    assert_eq!(customers.decompressed_bytes, Some(147_456));
    let ibdata = report
        .members
        .iter()
        .find(|m| m.name == "ibdata1.qp/ibdata1")
        .expect("ibdata1");
    assert_eq!(ibdata.decompressed_bytes, Some(10_485_760));
    // Every block checked twice over: its Adler-32 and its decoding.
    assert!(report.checks.qpress_blocks_adler32 >= 160 + 106);
    assert_eq!(
        report.checks.qpress_blocks_adler32,
        report.checks.qpress_blocks_decoded
    );
    assert_eq!(
        report.backup.and_then(|b| b.to_lsn).map(|lsn| lsn > 0),
        Some(true)
    );
}

#[test]
fn a_qpress_file_written_by_mariabackup_verifies() {
    let report = verify_bytes(STANDALONE_QP).expect("valid");
    assert_eq!(report.format, Some(Format::Qpress));
    assert_eq!(report.checks.qpress_blocks_adler32, 3);
    assert_eq!(report.checks.qpress_blocks_decoded, 3);
    assert_eq!(report.members[0].name, "customers.ibd");
    assert_eq!(report.members[0].decompressed_bytes, Some(147_456));
}

#[test]
fn a_gzipped_dump_and_a_gnu_tar_gz_verify() {
    let report = verify_bytes(SHOP_SQL_GZ).expect("valid");
    assert_eq!(report.format, Some(Format::Gzip));
    assert_eq!(report.members[0].decompressed_bytes, Some(39_234));
    assert_eq!(report.members[0].content, None);

    let report = verify_bytes(BACKUP_TAR_GZ).expect("valid");
    assert_eq!(report.format, Some(Format::Gzip));
    let content = report
        .members
        .iter()
        .find(|m| m.name == "(gzip content)")
        .expect("the gzip member's content");
    assert_eq!(content.content, Some(Format::Tar));
    assert_eq!(report.checks.tar_headers, 111);
    assert!(
        report
            .members
            .iter()
            .any(|m| m.name.ends_with("./shop/customers.ibd") && m.bytes == 147_456)
    );
    assert_eq!(report.backup.and_then(|b| b.to_lsn), Some(125_579));
}

/// Flipped bytes: in the compressed archive, a sample of offsets over the whole file; each is
/// an error (or, in the few bytes whose value no check covers, a report that differs: a
/// flags byte or a recovery field), never a panic.
#[test]
fn a_flipped_byte_anywhere_is_caught_in_real_archives() {
    let good = verify_bytes(FULL_QP_XB).expect("valid");
    let mut caught = 0;
    let mut sampled = 0;
    for at in (0..FULL_QP_XB.len()).step_by(4_001) {
        let mut bad = FULL_QP_XB.to_vec();
        bad[at] ^= 0x20;
        sampled += 1;
        match verify_bytes(&bad) {
            Err(error) => {
                caught += 1;
                assert!(error.offset() <= bad.len() as u64, "{error}");
            }
            Ok(report) => assert_ne!(report, good, "flip at {at} went unnoticed"),
        }
    }
    assert!(caught * 100 >= sampled * 95, "{caught} of {sampled}");

    // In the middle of the others: an error (gzip's CRC-32 is at the end of the member, so
    // a flip in its DEFLATE data may be found only there).
    for archive in [STANDALONE_QP, SHOP_SQL_GZ, BACKUP_TAR_GZ, FULL_XB_GZ] {
        let mut bad = archive.to_vec();
        bad[archive.len() / 2] ^= 0x01;
        let error = verify_bytes(&bad).expect_err("flipped");
        assert!(error.offset() <= archive.len() as u64, "{error}");
    }
}

#[test]
fn a_real_archive_cut_short_names_the_member_it_was_in() {
    for cut in [13, 1_000, 200_000, FULL_QP_XB.len() - 1] {
        let error = verify_bytes(&FULL_QP_XB[..cut]).expect_err("cut");
        assert!(error.message().contains("truncated"), "{cut}: {error}");
        assert!(error.offset() <= cut as u64);
    }
    let error = verify_bytes(&BACKUP_TAR_GZ[..BACKUP_TAR_GZ.len() - 9]).expect_err("cut");
    assert!(error.message().contains("truncated"), "{error}");
}
