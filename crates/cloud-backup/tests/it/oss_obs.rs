//! `sync` into Huawei Cloud OBS (`obs://`) and Alibaba Cloud OSS (`oss://`), against
//! `tests/store_server.py`: a server on 127.0.0.1 that checks every request's signature (OBS's,
//! OSS's V1) as the providers document them, keeps multipart uploads out of sight until
//! completed, and stores objects as files (read back here directly, with no client of ours).
//! OpenDAL sends OBS requests to a custom endpoint's host without its port, so the OBS server
//! takes port 80: it needs root (CI runs as root). Without python3 or the port a test says so
//! and passes, unless `CLOUD_BACKUP_REQUIRE_S3` is set (as in CI), when it fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::s3::{Server, skip};
use crate::support::{run, scratch, sha256_hex};

const AK: &str = "store-test-ak";
const SK: &str = "store-test-sk-f3a9c1";
const FLEET: &str = "rm-fleet00000001";

/// The server, stopped when dropped (its stdin closes with it too).
struct Store {
    _server: Server,
    /// Where the bucket's objects are, as files.
    objects: PathBuf,
    uploads: PathBuf,
}

impl Store {
    /// `flavor` `obs` or `oss`, on `port` (0: any free one), its objects of `bucket` kept
    /// under `dir`; the server and its endpoint.
    fn start(flavor: &str, port: u16, dir: &Path, bucket: &str) -> Option<(Self, String)> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/store_server.py");
        let port = if port == 0 {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port()
        } else {
            port
        };
        let spawned = Command::new("python3")
            .arg(&script)
            .args([flavor, "127.0.0.1", &port.to_string()])
            .arg(dir)
            .args([AK, SK])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => return skip(&format!("python3 could not start ({e})")),
        };
        let mut line = String::new();
        let stdout = child.stdout.take().expect("a pipe");
        let _ = BufReader::new(stdout).read_line(&mut line);
        let server = Server(child);
        if line.trim() != "ready" {
            drop(server);
            return skip(&format!(
                "the {flavor} test server could not listen on 127.0.0.1:{port} \
                 (port 80 needs root)"
            ));
        }
        let endpoint = if port == 80 {
            "http://127.0.0.1".to_owned()
        } else {
            format!("http://127.0.0.1:{port}")
        };
        let store = Self {
            _server: server,
            objects: dir.join("objects").join(bucket),
            uploads: dir.join("uploads"),
        };
        Some((store, endpoint))
    }

    /// Multipart uploads begun and neither completed nor aborted.
    fn open_uploads(&self) -> usize {
        std::fs::read_dir(&self.uploads).map_or(0, Iterator::count)
    }
}

async fn sync_to(to: &str, endpoint: &str, env: &[(&str, &str)]) -> crate::support::Run {
    let mut args = vec!["--sandbox", "--sandbox-fleet", "1"];
    args.extend([
        "sync",
        "--from",
        "aliyun-rds",
        "--instance",
        FLEET,
        "--to",
        to,
        "--to-endpoint",
        endpoint,
        "--json",
    ]);
    run(&args, env).await
}

/// A whole instance into the store at `to` (`<scheme>://<bucket>/<prefix>`): every file there
/// byte for byte as the manifest records it, with the store's ETag checked; a second run
/// copies nothing.
async fn copies_an_instance(store: &Store, to: &str, endpoint: &str, env: &[(&str, &str)]) {
    let ran = sync_to(to, endpoint, env).await;
    assert!(ran.status.success(), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["copied"], 12, "{report}");
    let prefix = to.rsplit('/').next().expect("a prefix");
    let index = store.objects.join(format!(
        "{prefix}/.cloud-backup/index/aliyun-rds/{FLEET}.json"
    ));
    let index: Value =
        serde_json::from_slice(&std::fs::read(&index).expect("the index")).expect("JSON");
    let entries = index["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 12);
    for entry in entries {
        let path = entry["path"].as_str().expect("a path");
        let bytes = std::fs::read(store.objects.join(prefix).join(path)).expect("the object");
        assert_eq!(Some(bytes.len() as u64), entry["bytes"].as_u64(), "{path}");
        assert_eq!(
            Some(sha256_hex(&bytes).as_str()),
            entry["sha256"].as_str(),
            "{path}"
        );
        let checks = entry["checks"].to_string();
        assert!(checks.contains("\"etag\""), "{path}: {checks}");
        let doc = store.objects.join(format!(
            "{prefix}/.cloud-backup/manifest/aliyun-rds/{FLEET}"
        ));
        assert!(doc.is_dir(), "{doc:?}");
    }
    let ran = sync_to(to, endpoint, env).await;
    let again: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(
        (again["skipped"].as_u64(), again["copied"].as_u64()),
        (Some(12), Some(0)),
        "{again}"
    );
}

/// A wrong secret (the second of `env`): refused by the server's signature check at the write check, before any
/// download; the secret is never shown.
async fn refuses_a_wrong_secret(store: &Store, to: &str, endpoint: &str, env: &[(&str, &str)]) {
    let ran = sync_to(to, endpoint, env).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["copied"], 0, "{report}");
    let error = report["instances"][0]["error"].as_str().expect("why");
    assert!(error.contains(to), "{error}");
    assert!(error.contains("SignatureDoesNotMatch"), "{error}");
    let secret = env[1].1;
    for text in [&ran.stdout, &ran.stderr] {
        assert!(!text.contains(secret) && !text.contains(SK), "{text}");
    }
    let prefix = to.rsplit('/').next().expect("a prefix");
    assert!(!store.objects.join(prefix).exists());
}

/// OBS: an instance copied, signed as OBS checks it, and recorded; a large file in parts
/// with the multipart ETag checked; a wrong secret refused. (One test: the server holds the
/// one port OBS can use.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_obs_destination_is_signed_verified_and_recorded() {
    let dir = scratch("obs-server");
    // OBS's user domain: the endpoint's host stands for the bucket.
    let Some((obs, endpoint)) = Store::start("obs", 80, &dir, "127.0.0.1") else {
        return;
    };
    let env = [("HUAWEICLOUD_SDK_AK", AK), ("HUAWEICLOUD_SDK_SK", SK)];
    copies_an_instance(&obs, "obs://backups/fleet", &endpoint, &env).await;
    large(&obs, "obs://backups/large", &endpoint).await;
    let wrong = [
        ("HUAWEICLOUD_SDK_AK", AK),
        ("HUAWEICLOUD_SDK_SK", "obs-wrong-secret-77e1"),
    ];
    refuses_a_wrong_secret(&obs, "obs://backups/wrong", &endpoint, &wrong).await;
    assert_eq!(obs.open_uploads(), 0);
}

/// OSS (V1 signatures, path-style addressing at an IP endpoint; ETags in upper case, as OSS
/// writes them): the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oss_destination_is_signed_verified_and_recorded() {
    let dir = scratch("oss-server");
    let Some((oss, endpoint)) = Store::start("oss", 0, &dir, "ossb") else {
        return;
    };
    let env = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", AK),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SK),
    ];
    copies_an_instance(&oss, "oss://ossb/fleet", &endpoint, &env).await;
    large(&oss, "oss://ossb/large", &endpoint).await;
    let wrong = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", AK),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "oss-wrong-secret-5c2d"),
    ];
    refuses_a_wrong_secret(&oss, "oss://ossb/wrong", &endpoint, &wrong).await;
    assert_eq!(oss.open_uploads(), 0);
}

/// A 20 MiB backup, through the library with credentials given: three 8 MiB parts, and the
/// store's ETag (the MD5 of their MD5s) matches what was streamed.
async fn large(store: &Store, to: &str, endpoint: &str) {
    let (key, want) = crate::s3::sync_a_large_file(to, endpoint, (AK, SK)).await;
    let held = std::fs::read(store.objects.join("large").join(&key)).expect("the object");
    assert!(held == want, "the object differs from the file");
    let index = store
        .objects
        .join("large/.cloud-backup/index/aliyun-rds/rm-demo.json");
    crate::s3::assert_three_part_etag(&std::fs::read_to_string(index).expect("the index"));
}
