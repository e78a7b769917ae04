//! Issue 9, one test per defect found: `--force` never destroys the good copy, a `.part` is
//! resumed only when it provably holds the same object, every checksum the storage offers is
//! checked, hanging servers end within `--timeout`, `all list` (in all.rs) exits 3 when a named
//! provider is skipped, messages name flags, and expired links are renewed on their own.

use std::time::{Duration, Instant};

use cloud_sandbox::{FaultKind, Provider, RequestKind, Sandbox, SandboxConfig};

use crate::sandbox::{assert_content, download, env, newest, start};
use crate::support::{entries, run, scratch, sha256_hex};

/// `cloud-backup --sandbox <ARGS>` (the embedded sandbox: fresh for each run).
async fn embedded(args: &[&str]) -> crate::support::Run {
    let mut all = vec!["--sandbox"];
    all.extend_from_slice(args);
    run(&all, &[]).await
}

/// The newest Alibaba Cloud demo backup, as every sandbox has it.
fn aliyun_newest() -> cloud_sandbox::BackupFile {
    newest(&start(), Provider::AliyunRds)
}

/// `<PROVIDER> download --instance .. --backup .. --out OUT` of `file`.
fn download_args<'a>(file: &'a cloud_sandbox::BackupFile, out: &'a str) -> Vec<&'a str> {
    let mut args = vec![file.service.name()];
    args.extend(crate::sandbox::download_args(file, out));
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_1_force_keeps_the_good_old_file_until_the_new_one_is_verified() {
    let file = aliyun_newest();
    let dir = scratch("force-keeps");
    let keep = dir.join("keep.bin");
    let keep_text = keep.to_str().unwrap();
    std::fs::write(&keep, b"the good old copy").unwrap();

    // Every response cut at once: the download fails; the old file is untouched.
    let mut args = vec!["--sandbox-fault", "drop=50@0", "--max-attempts", "2"];
    args.extend(download_args(&file, keep_text));
    args.push("--force");
    let failed = embedded(&args).await;
    assert_eq!(failed.status.code(), Some(1), "{failed:?}");
    assert_eq!(std::fs::read(&keep).unwrap(), b"the good old copy");

    // A corrupted replacement: refused, the old file untouched, no .part left.
    let mut args = vec!["--sandbox-fault", "corrupt=1@1000"];
    args.extend(download_args(&file, keep_text));
    args.push("--force");
    let corrupt = embedded(&args).await;
    assert_eq!(corrupt.status.code(), Some(1), "{corrupt:?}");
    assert!(corrupt.stderr.contains("integrity error"), "{corrupt:?}");
    assert_eq!(std::fs::read(&keep).unwrap(), b"the good old copy");
    assert_eq!(entries(&dir), ["keep.bin"]);

    // A good replacement lands in one rename.
    let mut args = download_args(&file, keep_text);
    args.insert(0, "--sandbox");
    args.push("--force");
    let replaced = run(&args, &[]).await;
    assert!(replaced.status.success(), "{replaced:?}");
    assert_content(&keep, &file);
    assert_eq!(entries(&dir), ["keep.bin"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_2_a_part_that_is_not_provably_this_backup_is_never_resumed() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::AliyunRds);
    let other = sandbox
        .backup(Provider::AliyunRds, &file.instance_id, 1)
        .expect("a second backup");
    let dir = scratch("foreign-part");
    for (name, planted) in [
        (
            "zeros.bin",
            vec![0u8; 1_000_000.min(file.size as usize - 1)],
        ),
        ("other.bin", other.content(0, 500_000)),
    ] {
        let out = dir.join(name);
        let mut part = out.clone().into_os_string();
        part.push(".part");
        std::fs::write(&part, &planted).unwrap();
        let run = download(&sandbox, &file, &out, &[]).await;
        assert!(run.status.success(), "{run:?}");
        assert_content(&out, &file);
    }
    // No request asked for a range: nothing of the planted bytes was kept.
    assert!(
        sandbox
            .requests()
            .iter()
            .filter(|r| r.kind == RequestKind::Download)
            .all(|r| r.status == 200),
        "{:?}",
        sandbox.requests()
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_2_symlinks_and_devices_are_refused_even_with_force() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::AliyunRds);
    let dir = scratch("links-refused");
    let victim = dir.join("victim");
    std::fs::write(&victim, b"precious").unwrap();

    let out = dir.join("via-part.bin");
    std::os::unix::fs::symlink(&victim, dir.join("via-part.bin.part")).unwrap();
    let run = download(&sandbox, &file, &out, &[]).await;
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(run.stderr.contains("symbolic link"), "{run:?}");

    let out = dir.join("link.bin");
    std::os::unix::fs::symlink(&victim, &out).unwrap();
    let run = download(&sandbox, &file, &out, &["--force"]).await;
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(run.stderr.contains("symbolic link"), "{run:?}");
    assert!(run.stderr.contains("--out"), "{run:?}");

    let fifo = dir.join("fifo.bin");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let run = download(&sandbox, &file, &fifo, &["--force"]).await;
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(run.stderr.contains("not a regular file"), "{run:?}");
    assert!(!std::fs::symlink_metadata(&fifo).unwrap().is_file());

    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(
        !sandbox
            .requests()
            .iter()
            .any(|r| r.kind == RequestKind::Download),
        "refused before any download"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_3_corrupted_bytes_of_the_same_length_are_caught_by_the_storage_checksums() {
    let sandbox = start();
    let dir = scratch("corrupt");
    for (service, check) in [
        (Provider::AliyunRds, "crc64 mismatch"),
        (Provider::HuaweiCloudRds, "md5 mismatch"),
    ] {
        let file = newest(&sandbox, service);
        sandbox.faults().corrupt_next_downloads(1, file.size / 2);
        let out = dir.join(format!("{}.bin", service.name()));
        let run = download(&sandbox, &file, &out, &[]).await;
        assert_eq!(run.status.code(), Some(1), "{run:?}");
        let line = run.stderr.lines().last().unwrap_or_default().to_owned();
        assert!(line.contains("integrity error"), "{line}");
        assert!(line.contains(check), "{line}");
        let source = if service == Provider::AliyunRds {
            "x-oss-hash-crc64ecma says"
        } else {
            "ETag says"
        };
        assert!(line.contains(source), "{line}");
        assert!(line.contains("was removed"), "{line}");
        assert_eq!(
            entries(&dir),
            Vec::<String>::new(),
            "nothing at --out, no .part"
        );
        // The next run starts afresh and succeeds.
        let again = download(&sandbox, &file, &out, &[]).await;
        assert!(again.status.success(), "{again:?}");
        assert_content(&out, &file);
        std::fs::remove_file(&out).unwrap();
    }
    let corrupted = sandbox
        .requests()
        .iter()
        .filter(|r| r.fault == Some(FaultKind::CorruptedDownload))
        .count();
    assert_eq!(corrupted, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_3_the_verified_line_says_what_was_checked() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::AliyunRds);
    let out = scratch("verified-line").join("b.tar.gz");
    let run = download(&sandbox, &file, &out, &[]).await;
    assert!(run.status.success(), "{run:?}");
    let expected = file.content(0, file.size as usize);
    assert_eq!(
        run.stdout,
        format!(
            "{}  {} bytes  sha256 {}\n  verified: size (server, API), crc64 \
             (x-oss-hash-crc64ecma, DescribeBackups Checksum), sha256 (computed)\n",
            out.display(),
            file.size,
            sha256_hex(&expected)
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_4_a_hanging_server_ends_within_the_timeout_with_a_clear_error() {
    let started = Instant::now();
    let run = embedded(&[
        "--sandbox-fault",
        "hang=10",
        "--timeout",
        "1",
        "--max-attempts",
        "2",
        "-v",
        "aliyun-rds",
        "list",
        "--instance",
        "rm-demo",
    ])
    .await;
    let took = started.elapsed();
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let line = run.stderr.lines().last().unwrap_or_default();
    assert!(line.starts_with("error: aliyun-rds: timeout"), "{line}");
    // -v shows each attempt and the retry.
    assert!(run.stderr.contains("retrying"), "{run:?}");
    // Two attempts of one second and a short backoff: a liveness bound, not a speed claim.
    assert!(
        took < Duration::from_secs(30),
        "a hanging server kept cloud-backup for {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_6_messages_name_flags_not_rust_apis() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::AliyunRds);
    let out = scratch("flags").join("exists.bin");
    std::fs::write(&out, b"x").unwrap();
    let run = download(&sandbox, &file, &out, &[]).await;
    let line = run.error_line("error: aliyun-rds: configuration error:");
    assert!(line.contains("--force"), "{line}");
    assert!(!line.contains("::"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_7_a_link_that_expires_mid_transfer_completes_without_the_user() {
    let sandbox = Sandbox::start(SandboxConfig::default()).expect("the sandbox starts");
    for service in [Provider::AliyunRds, Provider::HuaweiCloudRds] {
        sandbox.clear_requests();
        let file = newest(&sandbox, service);
        // The first response is cut after a third; by then the link has been used up, so the
        // resume is refused as expired until a new link is asked for.
        sandbox.faults().drop_next_downloads(1, file.size / 3);
        sandbox.faults().limit_link_uses(Some(1));
        let out = scratch(&format!("expiring-{}", service.name())).join("b.bin");
        let run = download(&sandbox, &file, &out, &[]).await;
        sandbox.faults().clear();
        assert!(run.status.success(), "{run:?}");
        assert_content(&out, &file);
        let files: Vec<(u16, Option<String>)> = sandbox
            .requests()
            .into_iter()
            .filter(|r| r.kind == RequestKind::Download)
            .map(|r| (r.status, r.error_code))
            .collect();
        assert_eq!(
            files,
            [
                (200, None),
                (403, Some("AccessDenied".to_owned())),
                (206, None)
            ],
            "{}",
            service.name()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_is_shown_with_verbose_and_the_flags_are_global() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::AliyunRds);
    sandbox.faults().throttle_next(1);
    let out = scratch("verbose").join("b.bin");
    let run = download(
        &sandbox,
        &file,
        &out,
        &[
            "-v",
            "--connect-timeout",
            "5",
            "--timeout",
            "30",
            "--max-attempts",
            "4",
        ],
    )
    .await;
    assert!(run.status.success(), "{run:?}");
    assert!(run.stderr.contains("retrying"), "{run:?}");
    assert!(run.stderr.contains("download complete"), "{run:?}");
    for secret in [env(Provider::AliyunRds)[1].1, "Signature="] {
        assert!(!run.stderr.contains(secret), "{run:?}");
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_download_keeps_the_part_and_says_how_to_resume() {
    let instance = cloud_sandbox::ALIYUN_INSTANCE_ID;
    // Large enough that the download is still running when the signal comes.
    let config = SandboxConfig::default().with_file_size(
        Provider::AliyunRds,
        instance,
        0,
        8 * 1024 * 1024 * 1024,
    );
    let sandbox = Sandbox::start(config).expect("the sandbox starts");
    let file = newest(&sandbox, Provider::AliyunRds);
    let out = scratch("ctrl-c").join("big.bin");
    let part = scratch("ctrl-c").join("big.bin.part");
    let endpoint = sandbox.endpoint();
    let mut args = download_args(&file, out.to_str().unwrap());
    args.extend(["--endpoint", &endpoint]);
    let child = crate::support::command(&env(Provider::AliyunRds))
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&part).map_or(0, |m| m.len()) < 1024 * 1024 {
        assert!(Instant::now() < deadline, "the download never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("cloud-backup stops after Ctrl-C")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stderr.contains(&part.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    assert!(part.exists() && !out.exists());
    assert!(
        scratch_has_record(&part),
        "the resume record stays beside the .part"
    );
}

fn scratch_has_record(part: &std::path::Path) -> bool {
    let mut record = part.as_os_str().to_owned();
    record.push(".resume");
    std::path::Path::new(&record).exists()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_is_one_note_on_a_terminal_and_silent_in_a_script() {
    let quiet = embedded(&[
        "--sandbox-fault",
        "throttle=1",
        "aliyun-rds",
        "list",
        "--instance",
        "rm-demo",
    ])
    .await;
    assert!(quiet.status.success(), "{quiet:?}");
    assert_eq!(quiet.stderr, "", "nothing on a script's stderr: {quiet:?}");

    // A terminal, through util-linux `script` (a pseudo-terminal), where it exists.
    let Ok(script) = which("script") else {
        eprintln!("skipped: no `script` command to give cloud-backup a terminal");
        return;
    };
    let command = format!(
        "{} --sandbox --sandbox-fault throttle=1 aliyun-rds list --instance rm-demo >/dev/null",
        env!("CARGO_BIN_EXE_cloud-backup")
    );
    let output = tokio::process::Command::new(script)
        .args(["-qec", &command, "/dev/null"])
        .env_clear()
        .env("HOME", "/nonexistent/cloud-backup-tests")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .await
        .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    assert!(output.status.success(), "{shown}");
    let notes: Vec<&str> = shown.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(notes.len(), 1, "{shown}");
    assert!(
        notes[0].starts_with(
            "note: aliyun-rds DescribeBackups: attempt 1 failed (service error: Throttling.User"
        ),
        "{}",
        notes[0]
    );
    assert!(notes[0].contains("; retrying in "), "{}", notes[0]);
}

/// The path of `program` on the usual system directories.
fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    ["/usr/bin", "/bin", "/usr/local/bin"]
        .iter()
        .map(|dir| std::path::Path::new(dir).join(program))
        .find(|path| path.exists())
        .ok_or(())
}
