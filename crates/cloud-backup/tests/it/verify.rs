//! `cloud-backup verify`: real archives made by mariabackup, mariadb-dump and GNU tar (those of
//! `crates/backup-archive/tests/data`, see its README), intact, with a byte flipped, cut short.

use serde_json::Value;

use crate::support::{run, scratch};

fn data(name: &str) -> String {
    crate::support::archive_data(name)
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

/// `DownloadOptions::with_verify_content`: a real archive served over HTTP is checked while it
/// streams (no second read); with a byte flipped in transit territory that no transport
/// checksum covers, the download fails as corrupt and nothing is left at the destination.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_verifies_the_contents_while_streaming() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let good = std::fs::read(data("full_qp.xb")).expect("archive");
    let mut bad = good.clone();
    bad[200_000] ^= 0x40;
    let server = MockServer::start().await;
    for (name, body) in [("good.xb", good.clone()), ("bad.xb", bad)] {
        Mock::given(path(format!("/{name}")))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
            .mount(&server)
            .await;
    }
    let dir = scratch("verify-download");
    let options = cloud_backup::DownloadOptions::new().with_verify_content(true);
    let link = |name: &str| {
        cloud_backup::DownloadLink::new(
            cloud_backup::Provider::CapitalOnlineMysql,
            "i-1",
            "b-1",
            format!("{}/{name}", server.uri()),
        )
        .with_size_bytes(good.len() as u64)
    };
    let files = cloud_backup::download_files(&[link("good.xb")], &dir.join("good.xb"), &options)
        .await
        .expect("verified");
    let summary = cloud_http::checks_summary(&files[0].verified);
    assert!(
        summary.contains("content (xbstream, 107 xbstream crc32 chunks, 293 qpress adler32 blocks, 293 quicklz blocks decoded)"),
        "{summary}"
    );
    assert_eq!(std::fs::read(dir.join("good.xb")).expect("written"), good);

    let error = cloud_backup::download_files(&[link("bad.xb")], &dir.join("bad.xb"), &options)
        .await
        .expect_err("corrupt");
    assert!(error.is_integrity(), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("in member mysql/time_zone_leap_second.MAD.qp"),
        "{message}"
    );
    assert!(!dir.join("bad.xb").exists());
    assert!(!dir.join("bad.xb.part").exists());
}

/// The newest backup of each downloadable demo instance: (service name, instance, backup id).
#[cfg(feature = "sandbox")]
async fn newest_backups() -> Vec<(&'static str, String, String)> {
    let mut newest = Vec::new();
    for (service, instance) in [
        ("aliyun-rds", "rm-demo"),
        (
            "capitalonline-mysql",
            "0c5e8f2a-7b41-4d9e-a3c6-5f18b2e9d470",
        ),
        ("huaweicloud-rds", "7f3a9c2e5b8d4e1fa6c0d2b4e8f1a3c5in01"),
    ] {
        let ran = run(
            &[
                "--sandbox",
                service,
                "list",
                "--instance",
                instance,
                "--json",
            ],
            &[],
        )
        .await;
        let backups = ran.json();
        let backup = backups[0]["backup_id"].as_str().expect("an id").to_owned();
        newest.push((service, instance.to_owned(), backup));
    }
    newest
}

/// `download ARGS --out OUT` through the embedded sandbox, with `extra` global options first.
#[cfg(feature = "sandbox")]
async fn sandbox_download(
    extra: &[&str],
    service: &str,
    instance: &str,
    backup: &str,
    out: &std::path::Path,
    verify_content: bool,
) -> crate::support::Run {
    let mut args = vec!["--sandbox"];
    args.extend_from_slice(extra);
    let out = out.to_str().expect("UTF-8");
    args.extend_from_slice(&[
        service,
        "download",
        "--instance",
        instance,
        "--backup",
        backup,
        "--out",
        out,
    ]);
    if verify_content {
        args.push("--verify-content");
    }
    run(&args, &[]).await
}

/// The sandbox serves real archives: every service's backup verifies while it downloads (the
/// `verified:` line says what was checked), and `verify` reads the same facts from the file.
#[cfg(feature = "sandbox")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sandbox_backup_verifies_while_it_downloads() {
    let dir = scratch("verify-sandbox");
    for (service, instance, backup) in newest_backups().await {
        let out = dir.join(service);
        let ran = sandbox_download(&[], service, &instance, &backup, &out, true).await;
        assert!(ran.status.success(), "{service}: {ran:?}");
        let format = match service {
            "aliyun-rds" => "content (xbstream, ",
            "huaweicloud-rds" => "content (qpress, ",
            _ => "content (gzip, ",
        };
        assert!(ran.stdout.contains(format), "{service}: {ran:?}");
        let ran = run(&["verify", out.to_str().expect("UTF-8")], &[]).await;
        assert_eq!(ran.status.code(), Some(0), "{service}: {ran:?}");
        if !ran.stdout.contains("logical") {
            assert!(
                ran.stdout.contains("backup: full-backuped, from_lsn 0"),
                "{ran:?}"
            );
        }
    }
}

/// `--sandbox-fault damaged`: backups bad at the source, with provider checksums that agree.
/// A plain download succeeds (nothing else could notice); `verify` and `--verify-content`
/// fail, naming the member and the byte the sandbox flipped; nothing is left at the
/// destination of the checked download.
#[cfg(feature = "sandbox")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_damaged_at_the_source_is_caught_only_by_the_content_check() {
    let dir = scratch("verify-damaged");
    for (service, instance, backup) in newest_backups().await {
        let provider: cloud_sandbox::Provider = service.parse().expect("a provider");
        let damage = crate::sandbox::default_file(provider, &backup)
            .damage_offset()
            .expect("a damage offset");

        let plain = dir.join(format!("{service}-plain"));
        let ran = sandbox_download(
            &["--sandbox-fault", "damaged"],
            service,
            &instance,
            &backup,
            &plain,
            false,
        )
        .await;
        assert!(
            ran.status.success(),
            "{service}: the checksums agree: {ran:?}"
        );
        let ran = run(&["verify", plain.to_str().expect("UTF-8"), "--json"], &[]).await;
        assert_eq!(ran.status.code(), Some(1), "{service}: {ran:?}");
        let reports: serde_json::Value = serde_json::from_str(&ran.stdout).expect("JSON");
        let report = &reports[0];
        assert_eq!(report["ok"], false);
        let message = report["error"]["message"].as_str().expect("a message");
        assert!(message.contains("mismatch"), "{service}: {message}");
        let offset = report["error"]["offset"].as_u64().expect("an offset");
        if service == "capitalonline-mysql" {
            // A gzip member's CRC-32 is checked at its end: the member is the gzip one.
            assert!(offset > damage, "{service}: {offset} {damage}");
        } else {
            let member = report["error"]["member"].as_str().expect("a member");
            assert!(
                member.contains("orders.ibd") || member.ends_with(".xbstream"),
                "{member}"
            );
            assert!(offset <= damage, "{service}: {offset} {damage}");
        }

        let checked = dir.join(format!("{service}-checked"));
        let ran = sandbox_download(
            &["--sandbox-fault", "damaged"],
            service,
            &instance,
            &backup,
            &checked,
            true,
        )
        .await;
        assert_eq!(ran.status.code(), Some(1), "{service}: {ran:?}");
        assert!(ran.stderr.contains("mismatch"), "{service}: {ran:?}");
        assert!(!checked.exists(), "{service}");
        assert!(
            !dir.join(format!("{service}-checked.part")).exists(),
            "{service}"
        );
    }
}

/// A plain binlog is in none of the archive formats: `--verify-content` says so and fails.
#[cfg(all(feature = "sandbox", feature = "aliyun-rds"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_verify_content_refuses_a_file_in_no_archive_format() {
    let dir = scratch("verify-binlogs");
    let ran = run(
        &[
            "--sandbox",
            "aliyun-rds",
            "download-binlogs",
            "--instance",
            "rm-demo",
            "--since",
            "3h",
            "--out",
            dir.to_str().expect("UTF-8"),
            "--verify-content",
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("not a format this tool verifies"),
        "{ran:?}"
    );
}
