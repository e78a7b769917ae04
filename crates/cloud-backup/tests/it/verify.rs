//! `cloud-backup verify`: real archives made by mariabackup, mariadb-dump and GNU tar (those of
//! `crates/backup-archive/tests/data`, see its README), intact, with a byte flipped, cut short.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::{run, scratch};

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../backup-archive/tests/data")
        .join(name)
        .to_str()
        .expect("UTF-8")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_archives_verify_with_what_was_checked() {
    let ran = run(
        &[
            "verify",
            &data("full_qp.xb"),
            &data("shop.sql.gz"),
            &data("backup.tar.gz"),
        ],
        &[],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(ran.stderr, "");
    let text = &ran.stdout;
    assert!(
        text.contains("full_qp.xb: xbstream, 213 member(s), 414181 bytes"),
        "{text}"
    );
    assert!(
        text.contains(
            "  verified: xbstream crc32 chunks (107), qpress adler32 blocks (293), quicklz blocks decoded (293)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  backup: full-backuped, from_lsn 0, to_lsn 125579 (mariabackup 10.11.19-MariaDB)"
        ),
        "{text}"
    );
    assert!(
        text.contains("shop.sql.gz: gzip, 1 member(s), 9612 bytes"),
        "{text}"
    );
    assert!(text.contains("tar header checksums (111)"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_and_a_cut_fail_with_offset_and_member() {
    let dir = scratch("verify-bad");
    let mut bytes = std::fs::read(data("full_qp.xb")).expect("archive");
    let whole = bytes.clone();
    bytes[200_000] ^= 0x40;
    let flipped = dir.join("flipped.xb");
    std::fs::write(&flipped, &bytes).expect("write");
    let cut = dir.join("cut.xb");
    std::fs::write(&cut, &whole[..300_000]).expect("write");
    // A resume record and a .part in the directory are not verified.
    std::fs::write(dir.join("x.part"), b"partial").expect("write");
    let ran = run(&["verify", dir.to_str().expect("UTF-8")], &[]).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", ran.stdout);
    assert!(
        lines[0].ends_with(
            "cut.xb: FAILED at byte 300000, in member aria_log.00000001.qp: truncated: the input ends inside the payload of a chunk"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("flipped.xb: FAILED at byte 199874, in member mysql/time_zone_leap_second.MAD.qp: CRC-32 mismatch"),
        "{}",
        lines[1]
    );
    assert_eq!(ran.stderr, "error: 2 of 2 file(s) failed verification\n");

    let ran = run(&["verify", "--json", flipped.to_str().expect("UTF-8")], &[]).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let json: Value = serde_json::from_str(&ran.stdout).expect("JSON on stdout");
    let only = &json.as_array().expect("array")[0];
    assert_eq!(only["ok"], Value::Bool(false));
    assert_eq!(only["error"]["offset"], 199_874);
    assert_eq!(
        only["error"]["member"],
        "mysql/time_zone_leap_second.MAD.qp"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_takes_local_files_only() {
    let ran = run(&["--sandbox", "verify", &data("standalone.qp")], &[]).await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
    let ran = run(&["verify", "/nonexistent/backup.xb"], &[]).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(ran.stdout.contains("could not be read"), "{ran:?}");
}
