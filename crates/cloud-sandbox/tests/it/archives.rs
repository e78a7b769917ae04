//! The sandbox's backup files are real archives: `backup-archive` verifies every one (every
//! xbstream CRC-32, qpress Adler-32, QuickLZ packet, gzip CRC-32, tar checksum), at every
//! size, read whole or in ranges; the `damaged` fault breaks exactly one member.

use backup_archive::{Format, Report};
use cloud_sandbox::{
    ALIYUN_INSTANCE_ID, BackupFile, CAPITALONLINE_INSTANCE_ID, Faults, FileLayout,
    HUAWEI_GAUSSDB_INSTANCE_ID, HUAWEI_RDS_INSTANCE_ID, Provider, Sandbox, SandboxConfig,
};

use crate::support::{self, http};

/// Every demo instance.
const DEMOS: [(Provider, &str); 4] = [
    (Provider::AliyunRds, ALIYUN_INSTANCE_ID),
    (Provider::CapitalOnlineMysql, CAPITALONLINE_INSTANCE_ID),
    (Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID),
    (Provider::HuaweiCloudGaussDb, HUAWEI_GAUSSDB_INSTANCE_ID),
];

fn whole(file: &BackupFile) -> Vec<u8> {
    let bytes = file.content(0, file.size as usize);
    assert_eq!(bytes.len() as u64, file.size, "{}", file.file_name);
    bytes
}

fn verify(file: &BackupFile) -> Report {
    backup_archive::verify_bytes(&whole(file))
        .unwrap_or_else(|e| panic!("{} ({} bytes): {e}", file.file_name, file.size))
}

fn member_names(report: &Report) -> Vec<&str> {
    report.members.iter().map(|m| m.name.as_str()).collect()
}

#[test]
fn every_demo_backup_is_an_archive_that_verifies() {
    let sandbox = support::sandbox();
    let mut layouts = Vec::new();
    for (service, instance) in DEMOS {
        for index in 0..6 {
            let file = sandbox.backup(service, instance, index).expect("a backup");
            let report = verify(&file);
            if file.layout() == FileLayout::LogicalTarGz {
                continue; // below
            }
            let facts = report
                .backup
                .as_ref()
                .unwrap_or_else(|| panic!("{}: no xtrabackup facts: {report:?}", file.file_name));
            layouts.push(file.layout());
            match file.layout() {
                FileLayout::XbstreamOfQpress => {
                    assert_eq!(report.format, Some(Format::Xbstream));
                    assert!(file.file_name.ends_with("_qp.xb"), "{}", file.file_name);
                    let names = member_names(&report);
                    assert!(names.contains(&"ibdata1.qp"), "{names:?}");
                    assert!(names.contains(&"shop/orders.ibd.qp"), "{names:?}");
                    assert!(names.contains(&"xtrabackup_checkpoints"), "{names:?}");
                    assert!(report.checks.qpress_blocks_adler32 > 0);
                    assert!(report.checks.xbstream_chunks_crc32 > 0);
                }
                FileLayout::QpressOfXbstream => {
                    assert_eq!(report.format, Some(Format::Qpress));
                    assert!(file.file_name.ends_with(".qp"), "{}", file.file_name);
                    assert!(report.checks.qpress_blocks_adler32 > 0);
                    assert!(report.checks.xbstream_chunks_crc32 > 0);
                    let names = member_names(&report).join(" ");
                    assert!(names.contains("backup-my.cnf"), "{names}");
                }
                FileLayout::PhysicalTarGz => {
                    assert_eq!(report.format, Some(Format::Gzip));
                    assert!(report.checks.tar_headers > 0);
                    let names = member_names(&report).join(" ");
                    assert!(names.contains("xtrabackup_info"), "{names}");
                }
                other => panic!("{}: {other:?}", file.file_name),
            }
            assert_eq!(facts.backup_type.as_deref(), Some("full-backuped"));
            assert_eq!(facts.from_lsn, Some(0));
            assert!(facts.to_lsn.is_some_and(|lsn| lsn > 0));
        }
    }
    for layout in [
        FileLayout::XbstreamOfQpress,
        FileLayout::QpressOfXbstream,
        FileLayout::PhysicalTarGz,
    ] {
        assert!(layouts.contains(&layout), "{layout:?} in {layouts:?}");
    }
}

#[test]
fn capital_online_logical_backups_are_mydumper_directories() {
    let sandbox = support::sandbox();
    let logical = (0..10)
        .filter_map(|i| sandbox.backup(Provider::CapitalOnlineMysql, CAPITALONLINE_INSTANCE_ID, i))
        .find(|file| file.layout() == FileLayout::LogicalTarGz)
        .expect("a logical backup among the first ten");
    let report = verify(&logical);
    assert_eq!(report.format, Some(Format::Gzip));
    let names = member_names(&report).join(" ");
    assert!(names.contains("shop.orders.sql"), "{names}");
    assert!(names.contains("metadata"), "{names}");
    assert!(report.backup.is_none(), "a logical backup has no LSNs");
    // Its data is SQL text, whole lines.
    let bytes = whole(&logical);
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("INSERT INTO `orders` VALUES (0000000001,'"),
        "no rows"
    );
}

/// A sandbox whose first Alibaba, Capital Online and Huawei backups are `size` bytes.
fn sized(size: u64) -> Sandbox {
    let mut config = SandboxConfig::default();
    for (service, instance) in DEMOS {
        let size = if service.is_huawei() {
            size / 1024 * 1024
        } else {
            size
        };
        config = config.with_file_size(service, instance, 0, size);
    }
    Sandbox::start(config).expect("the sandbox starts")
}

#[test]
fn any_size_is_exact_and_verifies() {
    // Around the boundaries: tiny files (random bytes), the smallest archives, the switch to
    // the larger layout at 256 KiB, qpress blocks, DEFLATE blocks and gzip members.
    let sizes = [
        0,
        1,
        500,
        3_000,
        4_096,
        9_999,
        65_536 + 29,
        262_143,
        262_144,
        300_001,
        1_048_576,
        16_777_216 + 7,
    ];
    for size in sizes {
        let sandbox = sized(size);
        for (service, instance) in DEMOS {
            let file = sandbox.backup(service, instance, 0).expect("a backup");
            let bytes = whole(&file);
            match file.layout() {
                FileLayout::Raw => {
                    assert!(file.size < 8_192, "{} bytes: no archive", file.size);
                    assert_eq!(bytes, file.content(0, bytes.len()));
                }
                _ => {
                    backup_archive::verify_bytes(&bytes).unwrap_or_else(|e| {
                        panic!("{} of {} bytes: {e}", file.file_name, file.size)
                    });
                }
            }
        }
    }
}

#[test]
fn every_odd_size_in_a_range_is_exact() {
    // Every size over a stretch, so each remainder of every framing comes up.
    for size in (200_000u64..200_000 + 3 * 1024).step_by(97) {
        let sandbox = sized(size);
        for (service, instance) in DEMOS {
            let file = sandbox.backup(service, instance, 0).expect("a backup");
            assert_ne!(file.layout(), FileLayout::Raw, "{size}");
            verify(&file);
        }
    }
}

#[test]
fn ranges_read_the_same_bytes_as_the_whole() {
    let sandbox = support::sandbox();
    for (service, instance) in DEMOS {
        let file = sandbox.backup(service, instance, 1).expect("a backup");
        let bytes = whole(&file);
        let size = bytes.len() as u64;
        for (start, len) in [
            (0, 1),
            (7, 100),
            (size / 3, 70_000),
            (size - 9, 9),
            (size - 1, 5),
        ] {
            let part = file.content(start, len);
            let end = (start as usize + len).min(bytes.len());
            assert_eq!(
                part,
                &bytes[start as usize..end],
                "{} at {start}",
                file.file_name
            );
        }
    }
}

#[tokio::test]
async fn served_bytes_are_the_archive() {
    let sandbox = support::sandbox();
    for (service, instance) in DEMOS {
        let file = sandbox.backup(service, instance, 0).expect("a backup");
        let body = http()
            .get(&file.download_url)
            .send()
            .await
            .expect("a response")
            .bytes()
            .await
            .expect("a body");
        assert!(body[..] == whole(&file)[..], "{}", file.file_name);
        let mid = file.size / 2;
        let range = http()
            .get(&file.download_url)
            .header("range", format!("bytes={mid}-{}", mid + 99))
            .send()
            .await
            .expect("a response");
        assert_eq!(range.status(), 206);
        let part = range.bytes().await.expect("a body");
        assert_eq!(&part[..], &file.content(mid, 100)[..]);
    }
}

#[tokio::test]
async fn the_damaged_fault_breaks_one_member_and_keeps_the_checksums_true() {
    let sandbox = support::sandbox();
    let good: Vec<BackupFile> = DEMOS
        .iter()
        .map(|(service, instance)| sandbox.backup(*service, instance, 0).expect("a backup"))
        .collect();
    sandbox.faults().set(Faults::new().with_damaged(true));
    for good in good {
        let damaged = sandbox
            .backup(good.service, &good.instance_id, 0)
            .expect("a backup");
        let at = damaged.damage_offset().expect("a damage offset");
        let (before, after) = (whole(&good), whole(&damaged));
        let differ: Vec<usize> = (0..before.len())
            .filter(|&i| before[i] != after[i])
            .collect();
        assert_eq!(differ, [at as usize], "{}", good.file_name);
        assert_eq!(after[at as usize], before[at as usize] ^ 0xFF);

        let error = backup_archive::verify_bytes(&after).expect_err("a damaged archive");
        let text = error.to_string();
        assert!(
            text.contains("CRC-32") || text.contains("Adler-32"),
            "{}: {text}",
            good.file_name
        );
        if damaged.layout() == FileLayout::PhysicalTarGz {
            // A gzip member's CRC-32 covers all it holds: the member is the gzip one.
            assert!(text.contains("gzip member"), "{text}");
        } else {
            let member = error.member().unwrap_or_default();
            assert!(
                member.contains("shop/orders.ibd") || member.ends_with(".xbstream"),
                "{text}"
            );
        }

        // What the service sends describes the damaged file: a download succeeds.
        let response = http()
            .get(&damaged.download_url)
            .send()
            .await
            .expect("a response");
        assert_eq!(response.status(), 200);
        let crc = response
            .headers()
            .get("x-oss-hash-crc64ecma")
            .map(|v| v.to_str().expect("text").to_owned());
        let etag = response.headers().get("etag").cloned();
        let body = response.bytes().await.expect("a body");
        assert!(body[..] == after[..], "{}", good.file_name);
        if let Some(crc) = crc {
            let mut digest = crc64fast::Digest::new();
            digest.write(&after);
            assert_eq!(crc, digest.sum64().to_string());
        }
        if good.service.is_huawei() {
            let etag = etag.expect("an ETag");
            let md5 = md5::Md5::digest(&after);
            let hex: String = md5.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(etag.to_str().expect("text"), format!("\"{hex}\""));
        }
    }
}

use md5::Digest as _;

#[test]
fn gnu_tar_and_gzip_read_the_tar_gz_files() {
    // Real tools, not only our reader: `gzip -t` checks every member's CRC-32 and length,
    // `tar -tzv` every header.
    let sandbox = support::sandbox();
    let dir = std::env::temp_dir().join(format!("cloud-sandbox-tar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let mut seen = Vec::new();
    for index in 0..4 {
        let file = sandbox
            .backup(
                Provider::CapitalOnlineMysql,
                CAPITALONLINE_INSTANCE_ID,
                index,
            )
            .expect("a backup");
        let path = dir.join(&file.file_name);
        std::fs::write(&path, whole(&file)).expect("written");
        let gzip = std::process::Command::new("gzip")
            .arg("-t")
            .arg(&path)
            .output()
            .expect("gzip runs");
        assert!(gzip.status.success(), "{gzip:?}");
        let tar = std::process::Command::new("tar")
            .arg("-tzvf")
            .arg(&path)
            .output()
            .expect("tar runs");
        assert!(tar.status.success(), "{tar:?}");
        let listing = String::from_utf8_lossy(&tar.stdout).into_owned();
        let expected = if file.layout() == FileLayout::LogicalTarGz {
            "shop.orders.sql"
        } else {
            "xtrabackup_checkpoints"
        };
        assert!(listing.contains(expected), "{listing}");
        assert!(listing.contains("mysql/mysql"), "owner mysql: {listing}");
        seen.push(file.layout());
    }
    assert!(seen.contains(&FileLayout::PhysicalTarGz) && seen.contains(&FileLayout::LogicalTarGz));
    let _ = std::fs::remove_dir_all(&dir);
}
