//! `sync` through the embedded sandbox into a local directory: everything copied once and
//! verified, a second run copies nothing, a failed file is reported and copied by the next
//! run, a run killed at any point leaves only complete files behind, shards split a fleet.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use cloud_sandbox::Provider;
use serde_json::Value;

use crate::sandbox::default_file;
use crate::support::{command, run, scratch};

/// Alibaba Cloud's demo backups started since then: a fixed set (the catalogue's newest is
/// 2026-11-21).
const SINCE: &str = "2026-11-17T00:00:00Z";

async fn sync(dest: &Path, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["--sandbox"];
    let dest = dest.to_str().expect("UTF-8");
    let tail = ["sync", "--from", "aliyun-rds", "--to", dest, "--json"];
    let (globals, rest): (Vec<&str>, Vec<&str>) = split_globals(extra);
    args.extend(globals);
    args.extend(tail);
    args.extend(rest);
    run(&args, &[]).await
}

/// `--sandbox-*` and `--max-attempts` options go before the command.
fn split_globals<'a>(extra: &[&'a str]) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut globals = Vec::new();
    let mut rest = Vec::new();
    let mut iter = extra.iter();
    while let Some(&arg) = iter.next() {
        if arg.starts_with("--sandbox") || arg == "--max-attempts" {
            globals.push(arg);
            if let Some(&value) = iter.next() {
                globals.push(value);
            }
        } else {
            rest.push(arg);
        }
    }
    (globals, rest)
}

fn report(ran: &crate::support::Run) -> Value {
    serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("{e}: {ran:?}"))
}

/// Every file under `dir` (paths relative to it, `/`-separated), manifest included.
fn files(dir: &Path) -> BTreeSet<String> {
    crate::support::files_under(dir)
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(dir).ok()?;
            Some(relative.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

/// Checks the destination: every backup file there (not a `.part` or resume record) is the
/// sandbox's file, whole; every manifest document names a file that is there, with its size
/// and SHA-256. Returns the manifest documents' backup ids.
fn check_destination(dest: &Path) -> BTreeSet<String> {
    let all = files(dest);
    // <provider>/<instance>/full/<backup id>/<file>
    let copies = all.iter().filter(|p| {
        p.contains("/full/") && !p.starts_with(".cloud-backup") && p.split('/').count() == 5
    });
    for path in copies {
        if path.contains(".part") {
            continue; // partial bytes and resume records (and their temporary files)
        }
        let backup_id = path.split('/').nth(3).expect("a backup id");
        let expected = default_file(Provider::AliyunRds, backup_id);
        let written = std::fs::read(dest.join(path)).expect("readable");
        assert!(
            written == expected.content(0, expected.size as usize),
            "{path} is not the sandbox's whole file"
        );
    }
    let mut recorded = BTreeSet::new();
    for doc in all
        .iter()
        .filter(|p| p.starts_with(".cloud-backup/manifest/"))
    {
        let entry: Value =
            serde_json::from_slice(&std::fs::read(dest.join(doc)).expect("readable"))
                .expect("JSON");
        assert_eq!(entry["format"], "cloud-backup/manifest-1");
        let path = entry["path"].as_str().expect("a path");
        let bytes = std::fs::read(dest.join(path)).unwrap_or_else(|e| panic!("{doc}: {path}: {e}"));
        assert_eq!(Some(bytes.len() as u64), entry["bytes"].as_u64(), "{doc}");
        assert_eq!(entry["sha256"], crate::support::sha256_hex(&bytes), "{doc}");
        let checks: Vec<&str> = entry["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter_map(|c| c["check"].as_str())
            .collect();
        assert!(
            checks.contains(&"sha256") && checks.contains(&"size"),
            "{checks:?}"
        );
        recorded.insert(entry["backup_id"].as_str().expect("an id").to_owned());
    }
    recorded
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_is_copied_once_verified_and_recorded() {
    let dest = scratch("sync-once");
    // A dry run first: it says what it would copy and writes nothing.
    let ran = sync(
        &dest,
        &["--instance", "rm-demo", "--since", SINCE, "--dry-run"],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let dry = report(&ran);
    let expected = dry["would_copy"].as_u64().expect("a count");
    assert!(expected >= 4, "{dry}");
    assert!(files(&dest).is_empty(), "a dry run writes nothing");

    let ran = sync(
        &dest,
        &[
            "--instance",
            "rm-demo",
            "--since",
            SINCE,
            "--verify-content",
        ],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let first = report(&ran);
    assert_eq!(first["copied"].as_u64(), Some(expected), "{first}");
    assert_eq!(first["failed"], 0);
    let recorded = check_destination(&dest);
    assert_eq!(recorded.len() as u64, expected);
    // Content verification is recorded with the other checks.
    let index: Value = serde_json::from_slice(
        &std::fs::read(dest.join(".cloud-backup/index/aliyun-rds/rm-demo.json")).expect("index"),
    )
    .expect("JSON");
    let entries = index["entries"].as_array().expect("entries");
    assert_eq!(entries.len() as u64, expected);
    for entry in entries {
        let checks = entry["checks"].to_string();
        assert!(
            checks.contains("\"content\"") && checks.contains("crc64"),
            "{checks}"
        );
        assert!(entry["started_at"].is_string() && entry["copied_at"].is_string());
    }

    // Again: nothing new.
    let ran = sync(&dest, &["--instance", "rm-demo", "--since", SINCE]).await;
    assert!(ran.status.success(), "{ran:?}");
    let second = report(&ran);
    assert_eq!(second["copied"], 0, "{second}");
    assert_eq!(second["skipped"].as_u64(), Some(expected));

    // `verify` of the whole destination reads the copies and leaves the manifest alone.
    let ran = run(&["verify", dest.to_str().expect("UTF-8")], &[]).await;
    assert!(ran.status.success(), "{ran:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binlogs_are_copied_once_too() {
    for (service, instance) in [
        ("aliyun-rds", "rm-demo"),
        ("huaweicloud-rds", "7f3a9c2e5b8d4e1fa6c0d2b4e8f1a3c5in01"),
    ] {
        let dest = scratch(&format!("sync-binlogs-{service}"));
        let dest_text = dest.to_str().expect("UTF-8");
        // --verify-content asks nothing of plain binlogs (they are in no archive format).
        let args = [
            "--sandbox",
            "sync",
            "--from",
            service,
            "--instance",
            instance,
            "--to",
            dest_text,
            "--since",
            "3h",
            "--binlogs",
            "--verify-content",
            "--json",
        ];
        let ran = run(&args, &[]).await;
        assert!(ran.status.success(), "{service}: {ran:?}");
        let first = report(&ran);
        let copied = first["copied"].as_u64().expect("a count");
        assert!(copied >= 2, "{service}: {first}");
        let kinds: BTreeSet<String> = first["instances"][0]["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| f["kind"].as_str().expect("a kind").to_owned())
            .collect();
        assert_eq!(kinds, BTreeSet::from(["binlog".to_owned()]));
        let index = dest.join(format!(".cloud-backup/index/{service}/{instance}.json"));
        let index: Value =
            serde_json::from_slice(&std::fs::read(index).expect("index")).expect("JSON");
        for entry in index["entries"].as_array().expect("entries") {
            let path = entry["path"].as_str().expect("a path");
            let bytes = std::fs::read(dest.join(path)).expect("the copy");
            assert_eq!(
                entry["sha256"],
                crate::support::sha256_hex(&bytes),
                "{path}"
            );
            assert!(entry["started_at"].is_string() && entry["finished_at"].is_string());
        }
        let ran = run(&args, &[]).await;
        let second = report(&ran);
        assert_eq!(second["copied"], 0, "{service}: {second}");
        assert!(
            second["skipped"].as_u64() >= Some(copied),
            "{service}: {second}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_file_is_reported_not_recorded_and_copied_next_time() {
    let dest = scratch("sync-faults");
    // Cut with no retry left (the first file), corrupted in transit (the next file covering
    // byte 400,000; the CRC-64 catches it): two files fail.
    let faulted = [
        "--sandbox-fault",
        "corrupt=1@400000,drop=1@300000",
        "--max-attempts",
        "1",
        "--instance",
        "rm-demo",
        "--since",
        SINCE,
        "--concurrency",
        "1",
    ];
    let ran = sync(&dest, &faulted).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(ran.stderr.contains("sync incomplete"), "{ran:?}");
    let first = report(&ran);
    assert_eq!(first["failed"], 2, "{first}");
    let failures: Vec<String> = first["instances"][0]["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["outcome"] == "failed")
        .map(|f| f["error"].as_str().expect("why").to_owned())
        .collect();
    assert!(
        failures.iter().any(|e| e.contains("integrity")),
        "{failures:?}"
    );
    let recorded = check_destination(&dest);
    let copied = first["copied"].as_u64().expect("a count");
    assert_eq!(
        recorded.len() as u64,
        copied,
        "failed files are not recorded"
    );

    let ran = sync(&dest, &["--instance", "rm-demo", "--since", SINCE]).await;
    assert!(ran.status.success(), "{ran:?}");
    let second = report(&ran);
    assert_eq!(second["copied"], 2, "{second}");
    assert_eq!(second["skipped"].as_u64(), Some(copied));
    assert_eq!(check_destination(&dest).len() as u64, copied + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_at_any_point_leaves_only_whole_files_and_the_next_completes() {
    let dest = scratch("sync-killed");
    let dest_text = dest.to_str().expect("UTF-8").to_owned();
    let args = [
        "--sandbox",
        "sync",
        "--from",
        "aliyun-rds",
        "--instance",
        "rm-demo",
        "--to",
        &dest_text,
        "--since",
        "2026-10-01T00:00:00Z",
        "--concurrency",
        "1",
    ];
    // Killed after a few milliseconds, then later and later: each time, what is there is
    // whole and every manifest document is true.
    for delay_ms in [30u64, 60, 120, 200, 350] {
        let mut child = command(&[])
            .args(args)
            .kill_on_drop(true)
            .spawn()
            .expect("runs");
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        let _ = child.start_kill();
        let _ = child.wait().await;
        check_destination(&dest);
    }
    let ran = run(
        &args.iter().copied().chain(["--json"]).collect::<Vec<_>>(),
        &[],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let last = report(&ran);
    let total = last["copied"].as_u64().unwrap_or(0) + last["skipped"].as_u64().unwrap_or(0);
    let recorded = check_destination(&dest);
    assert_eq!(recorded.len() as u64, total, "{last}");
    // No file twice, nothing left half-written.
    let leftovers: Vec<String> = files(&dest)
        .into_iter()
        .filter(|p| p.contains(".part") || p.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_split_a_fleet_with_each_instance_once() {
    let dest = scratch("sync-shards");
    let mut owners: Vec<BTreeSet<String>> = Vec::new();
    for k in 0..3 {
        let shard = format!("{k}/3");
        let ran = run(
            &[
                "--sandbox",
                "--sandbox-fleet",
                "7",
                "sync",
                "--from",
                "huaweicloud-rds",
                "--all-instances",
                "--to",
                dest.to_str().expect("UTF-8"),
                "--shard",
                &shard,
                "--dry-run",
                "--json",
            ],
            &[],
        )
        .await;
        assert!(ran.status.success(), "{ran:?}");
        let report = report(&ran);
        owners.push(
            report["instances"]
                .as_array()
                .expect("instances")
                .iter()
                .map(|i| i["instance_id"].as_str().expect("an id").to_owned())
                .collect(),
        );
    }
    let all: BTreeSet<String> = owners.iter().flatten().cloned().collect();
    assert_eq!(all.len(), 8, "the demo instance and 7 more: {owners:?}");
    assert_eq!(
        owners.iter().map(BTreeSet::len).sum::<usize>(),
        8,
        "disjoint: {owners:?}"
    );
    let bad = run(
        &[
            "--sandbox",
            "sync",
            "--from",
            "aliyun-rds",
            "--all-instances",
            "--to",
            "x",
            "--shard",
            "3/3",
        ],
        &[],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cannot_be_copied_fails_the_run() {
    let dest = scratch("sync-gaussdb");
    // GaussDB for MySQL has no download API: the instance fails, the exit status says so.
    let ran = run(
        &[
            "--sandbox",
            "sync",
            "--from",
            "huaweicloud-gaussdb",
            "--all-instances",
            "--to",
            dest.to_str().expect("UTF-8"),
            "--json",
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let report = report(&ran);
    assert!(report["instances"][0]["error"].is_string(), "{report}");
    // An object store URL without a bucket is a usage error, before anything is done.
    let ran = run(
        &[
            "--sandbox",
            "sync",
            "--from",
            "aliyun-rds",
            "--instance",
            "rm-demo",
            "--to",
            "s3://",
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
}

/// `audit` with `--sandbox-fleet 1` (the fleet's Alibaba Cloud instance has 12 backups and
/// continuous binlogs).
async fn audit(args: &[&str]) -> crate::support::Run {
    let mut all = vec!["--sandbox", "--sandbox-fleet", "1", "audit", "--from"];
    all.extend_from_slice(args);
    run(&all, &[]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_passes_a_synced_instance_and_finds_what_is_wrong() {
    let dest = scratch("audit");
    let dest_text = dest.to_str().expect("UTF-8");
    let fleet = "rm-fleet00000001";
    let ran = run(
        &[
            "--sandbox",
            "--sandbox-fleet",
            "1",
            "sync",
            "--from",
            "aliyun-rds",
            "--instance",
            fleet,
            "--to",
            dest_text,
        ],
        &[],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");

    // Everything there, recent enough, kept long enough, continuous: exit 0, and the metrics.
    let prom = dest.join("audit.prom");
    let prom_text = prom.to_str().expect("UTF-8");
    let base = [
        "aliyun-rds",
        "--instance",
        fleet,
        "--to",
        dest_text,
        "--max-age",
        "3650d",
    ];
    let mut ok = base.to_vec();
    ok.extend(["--min-retention", "7d", "--prometheus", prom_text]);
    let ran = audit(&ok).await;
    assert!(ran.status.success(), "{ran:?}");
    assert!(ran.stdout.contains(" OK"), "{ran:?}");
    let metrics = std::fs::read_to_string(&prom).expect("the textfile");
    let labels = format!("{{provider=\"aliyun-rds\",instance=\"{fleet}\"}}");
    for line in [
        format!("cloud_backup_audit_ok{labels} 1"),
        format!("cloud_backup_backups{labels} 12"),
        format!("cloud_backup_binlog_gaps{labels} 0"),
        format!("cloud_backup_copies_missing{labels} 0"),
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in {metrics}");
    }
    assert!(metrics.contains("# TYPE cloud_backup_newest_backup_age_seconds gauge"));

    // A stale instance: the newest backup older than --max-age.
    let ran = audit(&[
        "aliyun-rds",
        "--instance",
        fleet,
        "--max-age",
        "1h",
        "--json",
    ])
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let audits: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(audits[0]["ok"], false);
    assert!(
        audits[0]["problems"][0]
            .as_str()
            .expect("a problem")
            .contains("old"),
        "{audits}"
    );

    // A retention shorter than required.
    let ran = audit(&[
        "aliyun-rds",
        "--instance",
        fleet,
        "--max-age",
        "3650d",
        "--min-retention",
        "30d",
    ])
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(
        ran.stdout
            .contains("keeps backups 14 days (at least 30 required)"),
        "{ran:?}"
    );

    // A copy damaged at the destination (one byte changed, its size kept): the plain audit
    // goes by size, --verify-copies reads every copy back and names it.
    let index = dest.join(format!(".cloud-backup/index/aliyun-rds/{fleet}.json"));
    let index: Value = serde_json::from_slice(&std::fs::read(index).expect("index")).expect("JSON");
    let damaged = index["entries"][5]["path"].as_str().expect("a path");
    let mut bytes = std::fs::read(dest.join(damaged)).expect("the copy");
    bytes[1000] ^= 0x01;
    std::fs::write(dest.join(damaged), &bytes).expect("written");
    assert!(audit(&base).await.status.success());
    let mut deep = base.to_vec();
    deep.extend(["--verify-copies", "--prometheus", prom_text]);
    let ran = audit(&deep).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(
        ran.stdout.contains(&format!("the copy {damaged} holds"))
            && ran.stdout.contains("1 of 12 backups have no verified copy"),
        "{ran:?}"
    );
    let metrics = std::fs::read_to_string(&prom).expect("the textfile");
    for line in [
        format!("cloud_backup_copies_read_back{labels} 12"),
        format!("cloud_backup_copies_damaged{labels} 1"),
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in {metrics}");
    }
    bytes[1000] ^= 0x01;
    std::fs::write(dest.join(damaged), &bytes).expect("written");
    assert!(audit(&deep).await.status.success());

    // A copy gone from the destination: named.
    let gone = index["entries"][3].clone();
    std::fs::remove_file(dest.join(gone["path"].as_str().expect("a path"))).expect("removed");
    let ran = audit(&base).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let backup = gone["backup_id"].as_str().expect("an id");
    assert!(
        ran.stdout.contains("1 of 12 backups have no verified copy"),
        "{ran:?}"
    );
    assert!(ran.stdout.contains(backup), "{ran:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_finds_the_binlog_gap() {
    // The Huawei Cloud RDS demo instance's log backups have a deliberate gap.
    let ran = audit(&[
        "huaweicloud-rds",
        "--instance",
        "7f3a9c2e5b8d4e1fa6c0d2b4e8f1a3c5in01",
        "--max-age",
        "3650d",
        "--json",
    ])
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let audits: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    let gaps = audits[0]["binlog_gaps"].as_array().expect("gaps");
    assert_eq!(gaps.len(), 1, "{audits}");
    assert!(gaps[0]["start"].is_string() && gaps[0]["end"].is_string());
    let problems = audits[0]["problems"].to_string();
    assert!(problems.contains("no log backup from"), "{problems}");
    // Capital Online keeps no log backups: not checked, not a failure by itself.
    let ran = audit(&[
        "capitalonline-mysql",
        "--all-instances",
        "--max-age",
        "3650d",
        "--json",
    ])
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let audits: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(audits[0]["binlogs_checked"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_last_prunes_recorded_copies_and_copies_nothing_it_would_prune() {
    let dest = scratch("sync-keep");
    let ran = sync(&dest, &["--instance", "rm-demo", "--since", SINCE]).await;
    assert!(ran.status.success(), "{ran:?}");
    let total = report(&ran)["copied"].as_u64().expect("a count");
    assert!(total >= 4);

    // A dry run names what would go and removes nothing.
    let before = files(&dest);
    let ran = sync(
        &dest,
        &[
            "--instance",
            "rm-demo",
            "--since",
            SINCE,
            "--keep-last",
            "2",
            "--dry-run",
        ],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(report(&ran)["would_prune"].as_u64(), Some(total - 2));
    assert_eq!(files(&dest), before);

    let ran = sync(
        &dest,
        &[
            "--instance",
            "rm-demo",
            "--since",
            SINCE,
            "--keep-last",
            "2",
        ],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let pruned = report(&ran);
    assert_eq!(pruned["pruned"].as_u64(), Some(total - 2), "{pruned}");
    assert_eq!(pruned["copied"], 0);
    // The two newest are left, recorded and whole; nothing else of the full backups.
    let recorded = check_destination(&dest);
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    let copies = files(&dest)
        .into_iter()
        .filter(|p| p.contains("/full/") && !p.starts_with(".cloud-backup"))
        .count();
    assert_eq!(copies, 2);
    // Steady: the next run neither copies what it would prune nor prunes anything.
    let ran = sync(
        &dest,
        &[
            "--instance",
            "rm-demo",
            "--since",
            SINCE,
            "--keep-last",
            "2",
        ],
    )
    .await;
    let steady = report(&ran);
    assert_eq!(
        (steady["copied"].as_u64(), steady["pruned"].as_u64()),
        (Some(0), Some(0)),
        "{steady}"
    );
    assert_eq!(steady["skipped"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_that_refuses_a_file_fails_that_file_only() {
    let dest = scratch("sync-dest-error");
    // A file where a backup's directory must go: that backup cannot be written.
    let newest = "401000409";
    let blocked = dest.join("aliyun-rds/rm-demo/full");
    std::fs::create_dir_all(&blocked).expect("a directory");
    std::fs::write(blocked.join(newest), b"in the way").expect("a file");
    let ran = sync(&dest, &["--instance", "rm-demo", "--since", SINCE]).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let first = report(&ran);
    assert_eq!(first["failed"], 1, "{first}");
    let failed: Vec<&Value> = first["instances"][0]["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["outcome"] == "failed")
        .collect();
    assert_eq!(failed[0]["backup_id"], newest);
    assert!(!check_destination(&dest).contains(newest));

    std::fs::remove_file(blocked.join(newest)).expect("removed");
    let ran = sync(&dest, &["--instance", "rm-demo", "--since", SINCE]).await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(report(&ran)["copied"], 1);
    assert!(check_destination(&dest).contains(newest));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_there_without_its_document_or_a_stale_partial_is_never_taken_as_a_copy() {
    let dest = scratch("sync-imposters");
    let newest = default_file(Provider::AliyunRds, "401000409");
    let older = default_file(Provider::AliyunRds, "401000406");
    let dir = |file: &cloud_sandbox::BackupFile| {
        dest.join(format!("aliyun-rds/rm-demo/full/{}", file.backup_id))
    };
    // The newest backup: a file of the right size and the wrong bytes, no manifest document.
    std::fs::create_dir_all(dir(&newest)).expect("a directory");
    let imposter = dir(&newest).join(&newest.file_name);
    std::fs::write(&imposter, vec![0u8; newest.size as usize]).expect("written");
    // The one before: a stale `.part` of garbage with no resume record.
    std::fs::create_dir_all(dir(&older)).expect("a directory");
    let part = dir(&older).join(format!("{}.part", older.file_name));
    std::fs::write(&part, vec![0xAB; 300_000]).expect("written");

    let ran = sync(
        &dest,
        &["--instance", "rm-demo", "--since", "2026-11-19T12:00:00Z"],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let report = report(&ran);
    assert_eq!(report["copied"], 2, "{report}");
    // Both are the sandbox's files now, each recorded with the provider's CRC-64.
    let recorded = check_destination(&dest);
    assert!(
        recorded.contains("401000409") && recorded.contains("401000406"),
        "{recorded:?}"
    );
    assert!(!part.exists());
    let index = dest.join(".cloud-backup/index/aliyun-rds/rm-demo.json");
    let index: Value = serde_json::from_slice(&std::fs::read(index).expect("index")).expect("JSON");
    for entry in index["entries"].as_array().expect("entries") {
        assert!(entry["checks"].to_string().contains("crc64"), "{entry}");
    }
}

/// A manifest that cannot be read (here a file where its directory should be) is never taken
/// as an empty one: the instance fails naming what could not be read, nothing is copied
/// again and no index is written from nothing; `audit --to` says the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_that_cannot_be_read_fails_the_instance_instead_of_copying_everything_again() {
    let dest = scratch("sync-unreadable-manifest");
    let manifest = dest.join(".cloud-backup/manifest/aliyun-rds/rm-demo");
    std::fs::create_dir_all(manifest.parent().expect("a parent")).expect("a directory");
    std::fs::write(&manifest, b"not a directory").expect("written");

    let ran = sync(
        &dest,
        &["--instance", "rm-demo", "--since", "2026-11-19T12:00:00Z"],
    )
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let report = report(&ran);
    assert_eq!(report["copied"], 0, "{report}");
    let error = report["instances"][0]["error"].as_str().expect("why");
    assert!(
        error.contains("could not read the directory") && error.contains("rm-demo"),
        "{error}"
    );
    assert!(!dest.join("aliyun-rds").exists());
    assert!(!dest.join(".cloud-backup/index").exists());

    let to = dest.to_str().expect("UTF-8");
    let ran = audit(&["aliyun-rds", "--instance", "rm-demo", "--to", to]).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(
        ran.stdout.contains("could not read the manifest"),
        "{ran:?}"
    );
}

/// The Kubernetes Indexed Job of the README, run as Kubernetes would run it: its container's
/// command once per completion index, with `JOB_COMPLETION_INDEX` set, through `sh -c` (only
/// `cloud-backup` made to use the sandbox, `/backups` a scratch directory, and `--since 1d`
/// added to keep the test short). Every instance is copied by exactly one of them, and every
/// one of them succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_indexed_job_splits_the_fleet_with_each_instance_once() {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("As a Kubernetes Indexed Job")
        .and_then(|at| readme[at..].find("```yaml").map(|y| at + y + 7))
        .expect("the README's Job manifest");
    let manifest = &readme[start..start + readme[start..].find("```").expect("its end")];
    let field = |name: &str| {
        manifest
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(str::trim)
            .unwrap_or_else(|| panic!("{name} in {manifest}"))
    };
    assert_eq!(field("completionMode:"), "Indexed");
    assert_eq!(field("restartPolicy:"), "Never");
    let completions: u32 = field("completions:").parse().expect("a number");
    assert_eq!(field("parallelism:").parse::<u32>().ok(), Some(completions));
    assert_eq!(field("command:"), r#"["sh", "-c"]"#);
    // `args:` holds one plain scalar folded over lines: joined with spaces, as YAML reads it.
    let args: Vec<&str> = manifest
        .lines()
        .skip_while(|l| l.trim() != "args:")
        .skip(1)
        .take_while(|l| !l.trim().ends_with(':'))
        .map(str::trim)
        .collect();
    let script = args.join(" ");
    let script = script.strip_prefix("- ").expect("one list item");
    assert!(
        script.contains(&format!(
            r#"--shard "${{JOB_COMPLETION_INDEX}}/{completions}""#
        )),
        "{script}"
    );

    let dest = scratch("sync-indexed-job");
    let bin = env!("CARGO_BIN_EXE_cloud-backup");
    let script = script
        .replacen(
            "cloud-backup sync ",
            &format!("{bin} --sandbox --sandbox-fleet 5 sync --since 1d "),
            1,
        )
        .replace(" /backups ", &format!(" {} ", dest.display()));
    let mut owners: Vec<BTreeSet<String>> = Vec::new();
    for index in 0..completions {
        let ran = tokio::process::Command::new("sh")
            .args(["-c", &script])
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
            .kill_on_drop(true)
            .output()
            .await
            .expect("sh runs");
        let stdout = String::from_utf8_lossy(&ran.stdout);
        assert!(ran.status.success(), "index {index}: {ran:?}");
        owners.push(
            stdout
                .lines()
                .filter_map(|l| l.strip_prefix("copied  aliyun-rds/"))
                .filter_map(|path| path.split('/').next())
                .map(str::to_owned)
                .collect(),
        );
    }
    let all: BTreeSet<&String> = owners.iter().flatten().collect();
    assert_eq!(all.len(), 6, "the demo instance and 5 more: {owners:?}");
    assert_eq!(
        owners.iter().map(BTreeSet::len).sum::<usize>(),
        6,
        "disjoint: {owners:?}"
    );
    for id in all {
        let index = dest.join(format!(".cloud-backup/index/aliyun-rds/{id}.json"));
        assert!(index.is_file(), "{index:?}");
    }
}

/// A manifest document is read from the destination, which other hands can write: one whose
/// path leaves its instance's directory (`..`) is not an entry, so pruning it cannot delete a
/// file anywhere else (before, `--keep-last` removed the file the forged path named).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_manifest_path_outside_the_instance_is_never_pruned() {
    let root = scratch("sync-forged");
    let dest = root.join("dest");
    let ran = sync(&dest, &["--instance", "rm-demo", "--since", SINCE]).await;
    assert!(ran.status.success(), "{ran:?}");
    let victim = root.join("victim.txt");
    std::fs::write(&victim, b"not a backup").expect("test setup");
    let other = dest.join("aliyun-rds/rm-other/full/1/keep.bin");
    std::fs::create_dir_all(other.parent().expect("test setup")).expect("test setup");
    std::fs::write(&other, b"another instance's copy").expect("test setup");
    // Forged documents, the oldest backups of all, so that --keep-last would prune them.
    let docs = dest.join(".cloud-backup/manifest/aliyun-rds/rm-demo/full/1");
    std::fs::create_dir_all(&docs).expect("test setup");
    for (name, path) in [
        ("escape", "aliyun-rds/rm-demo/../../../victim.txt"),
        ("other", "aliyun-rds/rm-other/full/1/keep.bin"),
        (
            "dots",
            "aliyun-rds/rm-demo/full/./../../rm-other/full/1/keep.bin",
        ),
    ] {
        let forged = serde_json::json!({
            "format": "cloud-backup/manifest-1", "provider": "aliyun-rds",
            "instance_id": "rm-demo", "backup_id": "1", "kind": "full", "path": path,
            "bytes": 12, "sha256": "00", "checks": [], "files_in_backup": 1,
            "started_at": "2001-01-01T00:00:00Z", "finished_at": "2001-01-01T01:00:00Z",
            "copied_at": "2001-01-02T00:00:00Z",
        });
        std::fs::write(docs.join(format!("{name}.json")), forged.to_string()).expect("test setup");
    }
    let ran = sync(
        &dest,
        &[
            "--instance",
            "rm-demo",
            "--since",
            SINCE,
            "--keep-last",
            "2",
        ],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(std::fs::read(&victim).expect("test setup"), b"not a backup");
    assert_eq!(
        std::fs::read(&other).expect("test setup"),
        b"another instance's copy"
    );
    let pruned = report(&ran);
    let names = pruned.to_string();
    assert!(
        !names.contains("victim") && !names.contains("keep.bin"),
        "{pruned}"
    );
}
