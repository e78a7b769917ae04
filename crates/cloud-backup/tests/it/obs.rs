//! `sync` into Huawei Cloud OBS (`obs://`), against `tests/obs_server.py`: an OBS server on
//! 127.0.0.1 that checks every request's OBS signature as Huawei Cloud documents it, keeps
//! multipart uploads out of sight until completed, and stores objects as files (read back here
//! directly, with no client of ours). OpenDAL sends OBS requests to a custom endpoint's host
//! without its port, so the server takes port 80: it needs root (CI runs as root). Without
//! python3 or the port the test says so and passes, unless `CLOUD_BACKUP_REQUIRE_S3` is set
//! (as in CI), when it fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::support::{run, scratch, sha256_hex};

const AK: &str = "obs-test-ak";
const SK: &str = "obs-test-sk-f3a9c1";
const FLEET: &str = "rm-fleet00000001";

/// The server, stopped when dropped (its stdin closes with it too).
struct Obs {
    child: Child,
    objects: PathBuf,
    uploads: PathBuf,
}

impl Drop for Obs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Obs {
    fn start(dir: &Path) -> Option<Self> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/obs_server.py");
        let skip = |why: String| {
            assert!(
                std::env::var_os("CLOUD_BACKUP_REQUIRE_S3").is_none(),
                "{why}"
            );
            eprintln!("skipped: {why}");
            None
        };
        let spawned = Command::new("python3")
            .arg(&script)
            .args(["127.0.0.1", "80"])
            .arg(dir)
            .args([AK, SK])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => return skip(format!("python3 could not start ({e})")),
        };
        let mut line = String::new();
        let stdout = child.stdout.take().expect("a pipe");
        let _ = BufReader::new(stdout).read_line(&mut line);
        if line.trim() != "ready" {
            let _ = child.kill();
            let _ = child.wait();
            return skip(
                "the OBS test server could not listen on 127.0.0.1:80 (root is needed)".into(),
            );
        }
        Some(Self {
            child,
            objects: dir.join("objects"),
            uploads: dir.join("uploads"),
        })
    }

    /// Multipart uploads begun and neither completed nor aborted.
    fn open_uploads(&self) -> usize {
        std::fs::read_dir(&self.uploads).map_or(0, Iterator::count)
    }
}

async fn sync_to(to: &str, sk: &str, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["--sandbox", "--sandbox-fleet", "1"];
    args.extend(extra);
    args.extend([
        "sync",
        "--from",
        "aliyun-rds",
        "--instance",
        FLEET,
        "--to",
        to,
        "--to-endpoint",
        "http://127.0.0.1",
        "--json",
    ]);
    let env = [("HUAWEICLOUD_SDK_AK", AK), ("HUAWEICLOUD_SDK_SK", sk)];
    run(&args, &env).await
}

/// Every file copied into OBS, signed as OBS checks it; what the manifest records is what the
/// bucket holds, byte for byte; a second run copies nothing; a large file goes up in parts
/// and the multipart ETag is checked; a wrong secret fails the run before anything is
/// downloaded and is never shown. (One test: the server holds the one port OBS can use.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_obs_destination_is_signed_verified_and_recorded() {
    let dir = scratch("obs-server");
    let Some(obs) = Obs::start(&dir) else {
        return;
    };

    // The fleet instance, into obs://…/fleet.
    let ran = sync_to("obs://backups/fleet", SK, &[]).await;
    assert!(ran.status.success(), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["copied"], 12, "{report}");
    let index = obs
        .objects
        .join(format!("fleet/.cloud-backup/index/aliyun-rds/{FLEET}.json"));
    let index: Value =
        serde_json::from_slice(&std::fs::read(&index).expect("the index")).expect("JSON");
    let entries = index["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 12);
    for entry in entries {
        let path = entry["path"].as_str().expect("a path");
        let bytes = std::fs::read(obs.objects.join("fleet").join(path)).expect("the object");
        assert_eq!(Some(bytes.len() as u64), entry["bytes"].as_u64(), "{path}");
        assert_eq!(
            Some(sha256_hex(&bytes).as_str()),
            entry["sha256"].as_str(),
            "{path}"
        );
        let checks = entry["checks"].to_string();
        assert!(checks.contains("\"etag\""), "{path}: {checks}");
        let doc = obs
            .objects
            .join("fleet/.cloud-backup/manifest/aliyun-rds")
            .join(FLEET);
        assert!(doc.is_dir(), "{doc:?}");
    }
    let ran = sync_to("obs://backups/fleet", SK, &[]).await;
    let again: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(
        (again["skipped"].as_u64(), again["copied"].as_u64()),
        (Some(12), Some(0))
    );

    // A 20 MiB backup, through the library: three 8 MiB parts, and the store's ETag (the MD5
    // of their MD5s) matches what was streamed.
    large(&obs).await;

    // A wrong secret: refused by the server's signature check, at the write check, before any
    // download; the secret is never shown.
    let wrong = "obs-wrong-secret-77e1";
    let ran = sync_to("obs://backups/wrong", wrong, &[]).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["copied"], 0, "{report}");
    let error = report["instances"][0]["error"].as_str().expect("why");
    assert!(error.contains("obs://backups/wrong"), "{error}");
    assert!(error.contains("SignatureDoesNotMatch"), "{error}");
    for text in [&ran.stdout, &ran.stderr] {
        assert!(!text.contains(wrong) && !text.contains(SK), "{text}");
    }
    assert!(!obs.objects.join("wrong").exists());
    assert_eq!(obs.open_uploads(), 0);
}

async fn large(obs: &Obs) {
    use cloud_backup::store::ObjectStore;
    use cloud_backup::sync::SyncOptions;
    use cloud_backup::sync::manifest::Destination;
    use cloud_sandbox::{Provider, Sandbox, SandboxConfig};

    let size = 20 << 20;
    let sandbox = Sandbox::start(SandboxConfig::default().with_file_size(
        Provider::AliyunRds,
        "rm-demo",
        0,
        size,
    ))
    .expect("a sandbox");
    let client = cloud_backup::sandbox::client(Provider::AliyunRds, &sandbox).expect("a client");
    let credentials = cloud_backup::Credentials::new(AK, SK);
    let store = ObjectStore::open_with_credentials(
        "obs://backups/large",
        Some("http://127.0.0.1"),
        &credentials,
    )
    .expect("a store");
    let since = time::macros::datetime!(2026-11-21 00:00 UTC);
    let report = cloud_backup::sync::sync(
        &[(client, "rm-demo".to_owned())],
        &Destination::Store(store),
        &SyncOptions::new().with_since(since),
    )
    .await;
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(
        (report.copied, report.bytes_copied),
        (1, size),
        "{report:?}"
    );
    let file = sandbox
        .backup(Provider::AliyunRds, "rm-demo", 0)
        .expect("the newest");
    let key = format!(
        "large/aliyun-rds/rm-demo/full/{}/{}",
        file.backup_id, file.file_name
    );
    let held = std::fs::read(obs.objects.join(&key)).expect("the object");
    assert_eq!(held, file.content(0, size as usize));
    let index = obs
        .objects
        .join("large/.cloud-backup/index/aliyun-rds/rm-demo.json");
    let index: Value =
        serde_json::from_slice(&std::fs::read(index).expect("the index")).expect("JSON");
    let checks = index["entries"][0]["checks"].as_array().expect("checks");
    let etag = checks
        .iter()
        .find(|c| c["check"] == "etag")
        .unwrap_or_else(|| panic!("no etag check: {checks:?}"));
    assert!(
        etag["value"].as_str().is_some_and(|v| v.ends_with("-3")),
        "{etag}"
    );
}
