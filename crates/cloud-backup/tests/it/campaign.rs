//! The fault campaign: random schedules of the sandbox's faults against `download` and `sync`
//! (drops at random offsets, bodies shorter than their `Content-Length`, 5xx, throttling,
//! expired links, ignored ranges, bytes corrupted with the length kept, slow trickles, hung
//! calls) and the process killed at a random point, then run again. After every schedule:
//!
//! - nothing at a destination (file or manifest entry) that is not complete and verified;
//! - no good older copy destroyed;
//! - the run ended in success or a clear error within the configured time limits;
//! - running again without faults converges to the complete, verified result.
//!
//! Seeded and replayable: it prints its seed; `CLOUD_BACKUP_CAMPAIGN_SEED=<seed>` runs the same
//! schedules again, `CLOUD_BACKUP_CAMPAIGN_SCHEDULES=<n>` sets how many (CI runs a short
//! campaign; RELIABILITY.md gives the command of the full one and its figures).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use cloud_sandbox::{FaultKind, Faults, Provider, Sandbox, SandboxConfig};

use crate::sandbox::env;
use crate::support::{command, files_under, scratch};

/// The schedules of a run unless `CLOUD_BACKUP_CAMPAIGN_SCHEDULES` says otherwise.
const CI_SCHEDULES: usize = 60;
/// The files' size: small, so that a thousand schedules take minutes, and several pieces of
/// the sandbox's 64 KiB writes.
const FILE_SIZE: u64 = 1_048_576 + 4_321;
/// The per-attempt timeout given to every run (a hung call costs this much).
const TIMEOUT_SECS: &str = "2";
/// How long any run may take, faults included, before the campaign calls it stuck.
const RUN_LIMIT: Duration = Duration::from_secs(90);
const SINCE: &str = "2000-01-01T00:00:00Z";

/// xorshift64*: small, seeded, the same schedules for the same seed on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Default, Debug)]
struct Counts {
    schedules: usize,
    downloads: usize,
    syncs: usize,
    kills: usize,
    resumed_parts: usize,
    failed_runs: usize,
    faults_asked: BTreeMap<&'static str, usize>,
    faults_hit: BTreeMap<String, usize>,
}

/// Random faults for one schedule; records what was asked in `counts`.
fn schedule(rng: &mut Rng, counts: &mut Counts) -> Faults {
    let mut faults = Faults::new();
    let mut asked = |name: &'static str| *counts.faults_asked.entry(name).or_default() += 1;
    for _ in 0..=rng.below(3) {
        match rng.below(9) {
            0 => {
                faults = faults.with_throttle(1 + rng.below(3) as u32);
                asked("throttle");
            }
            1 => {
                faults = faults.with_server_errors(1 + rng.below(3) as u32);
                asked("5xx");
            }
            2 | 3 => {
                faults =
                    faults.with_dropped_downloads(1 + rng.below(2) as u32, rng.below(FILE_SIZE));
                asked("drop (body shorter than its Content-Length)");
            }
            4 => {
                faults = faults.with_ignore_range(true);
                asked("ignored range");
            }
            5 => {
                faults =
                    faults.with_corrupted_downloads(1 + rng.below(2) as u32, rng.below(FILE_SIZE));
                asked("corrupted byte, length kept");
            }
            6 => {
                faults = faults.with_link_uses(1 + rng.below(2) as u32);
                asked("expiring link");
            }
            7 => {
                faults = faults.with_bandwidth(4 << 20);
                asked("slow trickle (4 MiB/s)");
            }
            _ => {
                if rng.chance(30) {
                    faults = faults.with_hang(1);
                    asked("hung call");
                } else {
                    faults = faults.with_throttle(1);
                    asked("throttle");
                }
            }
        }
    }
    faults
}

/// What a run did: its exit code (`None` when killed) and stderr.
struct Ran {
    code: Option<i32>,
    stderr: String,
}

/// Runs `cloud-backup ARGS` against the sandbox, killing it after `kill_after` if given.
async fn run(sandbox: &Sandbox, args: &[&str], kill_after: Option<Duration>) -> Ran {
    let endpoint = sandbox.endpoint();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--endpoint", &endpoint, "--timeout", TIMEOUT_SECS]);
    let mut child = command(&env(Provider::AliyunRds))
        .args(&all)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("cloud-backup starts");
    let started = Instant::now();
    if let Some(delay) = kill_after {
        tokio::time::sleep(delay).await;
        if child.try_wait().expect("a status").is_none() {
            child.start_kill().expect("killed");
            let _ = child.wait().await;
            return Ran {
                code: None,
                stderr: String::new(),
            };
        }
    }
    let output = tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("cloud-backup {all:?} ran over {RUN_LIMIT:?}"))
        .expect("cloud-backup runs");
    assert!(started.elapsed() < RUN_LIMIT);
    Ran {
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `args` with `faults` on (and off again after), killed after `kill_after` if given;
/// checks that a failure is a clear one, and counts it.
async fn run_faulty(
    sandbox: &Sandbox,
    args: &[&str],
    faults: Faults,
    kill_after: Option<Duration>,
    counts: &mut Counts,
) -> Ran {
    sandbox.faults().set(faults);
    let ran = run(sandbox, args, kill_after).await;
    sandbox.faults().clear();
    assert_clear(&ran, args[0]);
    counts.failed_runs += usize::from(ran.code != Some(0));
    ran
}

/// A failed run says why, in a line that starts with `error:`, and exits non-zero.
fn assert_clear(ran: &Ran, what: &str) {
    if let Some(code) = ran.code
        && code != 0
    {
        assert!(
            ran.stderr.lines().any(|l| l.starts_with("error:")),
            "{what}: exit {code} without an error line: {}",
            ran.stderr
        );
    }
}

/// Temporary names: partial bytes, their records, documents being written.
fn is_temporary(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.contains(".part") || name.ends_with(".tmp") || name.starts_with('.')
}

/// Every final-named copy in a sync destination is the sandbox's whole file, and every
/// manifest entry names such a copy; returns the backup ids recorded.
fn check_sync_destination(sandbox: &Sandbox, dest: &Path) -> Vec<String> {
    let copies = dest.join("aliyun-rds/rm-demo/full");
    for path in files_under(&copies) {
        if is_temporary(&path) {
            continue;
        }
        let backup_id = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .expect("full/<backup id>/<file>");
        let file = sandbox
            .find_backup(Provider::AliyunRds, backup_id)
            .expect("a backup of the sandbox");
        let written = std::fs::read(&path).expect("readable");
        assert!(
            written.len() as u64 == file.size && written == file.content(0, file.size as usize),
            "{} is at its final name but is not the whole, verified file",
            path.display()
        );
    }
    let mut recorded = Vec::new();
    for doc in files_under(&dest.join(".cloud-backup/manifest")) {
        if doc.extension().and_then(|e| e.to_str()) != Some("json") || is_temporary(&doc) {
            continue;
        }
        let entry: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&doc).expect("readable")).expect("whole JSON");
        let path = dest.join(entry["path"].as_str().expect("a path"));
        assert!(path.is_file(), "{} names a missing copy", doc.display());
        recorded.push(entry["backup_id"].as_str().expect("an id").to_owned());
    }
    recorded.sort();
    recorded
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_fault_schedules_lose_nothing_and_converge() {
    let seed = std::env::var("CLOUD_BACKUP_CAMPAIGN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    let schedules: usize = std::env::var("CLOUD_BACKUP_CAMPAIGN_SCHEDULES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CI_SCHEDULES);
    println!(
        "fault campaign: seed {seed}, {schedules} schedules (CLOUD_BACKUP_CAMPAIGN_SEED={seed} replays it)"
    );
    let mut config = SandboxConfig::default();
    for index in 0..3 {
        config = config.with_file_size(
            Provider::AliyunRds,
            "rm-demo",
            index,
            FILE_SIZE + index as u64,
        );
    }
    let sandbox = Sandbox::start(config).expect("the sandbox starts");
    let newest = sandbox
        .backup(Provider::AliyunRds, "rm-demo", 0)
        .expect("a backup");
    let older = sandbox
        .backup(Provider::AliyunRds, "rm-demo", 1)
        .expect("a backup");
    let new_bytes = newest.content(0, newest.size as usize);
    let old_bytes = older.content(0, older.size as usize);
    let root = scratch("campaign");
    let sync_dest = root.join("sync");
    let sync_dest_text = sync_dest.to_str().expect("UTF-8").to_owned();
    let mut rng = Rng(seed);
    let mut counts = Counts::default();
    let mut recorded_before: Vec<String> = Vec::new();
    let started = Instant::now();
    for n in 0..schedules {
        counts.schedules += 1;
        let faults = schedule(&mut rng, &mut counts);
        let kill_after = rng
            .chance(25)
            .then(|| Duration::from_millis(rng.below(600)));
        counts.kills += usize::from(kill_after.is_some());
        sandbox.clear_requests();
        if rng.chance(70) {
            // download, over a good older copy half the time (--force replaces it only with
            // the new file, verified).
            counts.downloads += 1;
            let out = root.join(format!("dl-{}.xb", n % 8));
            let out_text = out.to_str().expect("UTF-8").to_owned();
            let over_old = rng.chance(50);
            if over_old {
                std::fs::write(&out, &old_bytes).expect("an older copy");
            } else {
                let _ = std::fs::remove_file(&out);
            }
            let connections = ["1", "4"][rng.below(2) as usize];
            let args = [
                "aliyun-rds",
                "download",
                "--instance",
                "rm-demo",
                "--backup",
                &newest.backup_id,
                "--out",
                &out_text,
                "--force",
                "--connections",
                connections,
            ];
            let ran = run_faulty(&sandbox, &args, faults, kill_after, &mut counts).await;
            let there = std::fs::read(&out).ok();
            match (&there, ran.code) {
                (Some(bytes), Some(0)) => {
                    assert!(*bytes == new_bytes, "schedule {n}: exit 0 but not the file")
                }
                (None, Some(0)) => panic!("schedule {n}: exit 0 and no file"),
                (Some(bytes), _) => assert!(
                    *bytes == new_bytes || (over_old && *bytes == old_bytes),
                    "schedule {n}: the destination holds neither the old copy nor the verified new file"
                ),
                (None, _) => assert!(!over_old, "schedule {n}: the good older copy was destroyed"),
            }
            let mut part = out.as_os_str().to_owned();
            part.push(".part");
            counts.resumed_parts += usize::from(Path::new(&part).exists());
            let again = run(&sandbox, &args, None).await;
            assert_eq!(
                again.code,
                Some(0),
                "schedule {n}: no convergence: {}",
                again.stderr
            );
            assert!(
                std::fs::read(&out).expect("the file") == new_bytes,
                "schedule {n}"
            );
        } else {
            counts.syncs += 1;
            let args = [
                "sync",
                "--from",
                "aliyun-rds",
                "--to",
                &sync_dest_text,
                "--instance",
                "rm-demo",
                "--since",
                SINCE,
                "--keep-last",
                "2",
            ];
            let ran = run_faulty(&sandbox, &args, faults, kill_after, &mut counts).await;
            let recorded = check_sync_destination(&sandbox, &sync_dest);
            // Exit 0 tells a cron job that everything asked for was done.
            if ran.code == Some(0) {
                assert_eq!(recorded.len(), 2, "schedule {n}: exit 0 with {recorded:?}");
            }
            for id in &recorded_before {
                assert!(
                    recorded.contains(id),
                    "schedule {n}: the verified copy of {id} is gone"
                );
            }
            let again = run(&sandbox, &args, None).await;
            assert_eq!(
                again.code,
                Some(0),
                "schedule {n}: no convergence: {}",
                again.stderr
            );
            recorded_before = check_sync_destination(&sandbox, &sync_dest);
            assert_eq!(
                recorded_before.len(),
                2,
                "schedule {n}: {recorded_before:?}"
            );
        }
        for request in sandbox.requests() {
            if let Some(fault) = request.fault {
                *counts.faults_hit.entry(fault_name(fault)).or_default() += 1;
            }
        }
    }
    println!(
        "fault campaign: seed {seed}: {} schedules ({} downloads, {} syncs) in {:.0} s, {} kills, \
         {} runs ended in an error (each then converged), {} partial files resumed",
        counts.schedules,
        counts.downloads,
        counts.syncs,
        started.elapsed().as_secs_f64(),
        counts.kills,
        counts.failed_runs,
        counts.resumed_parts,
    );
    println!(
        "fault campaign: faults scheduled: {:?}",
        counts.faults_asked
    );
    println!(
        "fault campaign: faults the sandbox injected: {:?}",
        counts.faults_hit
    );
    assert!(
        counts.faults_hit.values().sum::<usize>() >= schedules / 2,
        "{counts:?}"
    );
}

fn fault_name(fault: FaultKind) -> String {
    format!("{fault:?}")
}
