//! `sync` and `audit` against a real S3-compatible server on 127.0.0.1: moto's server (PyPI
//! `moto[server]`, which `.ci/run` installs). Without it a test says so and passes, unless
//! `CLOUD_BACKUP_REQUIRE_S3` is set (as in CI), when it fails.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{run, scratch};

/// A server process of a test, killed (and reaped) when dropped.
pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Says why a test that needs a server of its own is skipped (`None`), or fails when
/// `CLOUD_BACKUP_REQUIRE_S3` is set (as in CI).
pub(crate) fn skip<T>(why: &str) -> Option<T> {
    assert!(
        std::env::var_os("CLOUD_BACKUP_REQUIRE_S3").is_none(),
        "{why}"
    );
    eprintln!("skipped: {why}");
    None
}

/// A moto server on a free port, with one bucket; stopped when dropped.
struct S3 {
    _server: Server,
    endpoint: String,
}

impl S3 {
    /// Starts the server and creates `bucket`; `None` (after saying why) when moto is not
    /// installed and CI does not require it.
    async fn start(bucket: &str) -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let spawned = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                return skip(&format!(
                    "moto_server could not start ({e}): pip install 'moto[server]'"
                ));
            }
        };
        let s3 = Self {
            _server: Server(child),
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client");
        let started = Instant::now();
        loop {
            if let Ok(response) = http.put(format!("{}/{bucket}", s3.endpoint)).send().await
                && response.status().is_success()
            {
                return Some(s3);
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not answer"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The keys and sizes under `prefix` (ListObjectsV2).
    async fn list(&self, bucket: &str, prefix: &str) -> Vec<(String, u64)> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client");
        let body = http
            .get(format!(
                "{}/{bucket}?list-type=2&prefix={prefix}&max-keys=1000",
                self.endpoint
            ))
            .send()
            .await
            .expect("a listing")
            .text()
            .await
            .expect("XML");
        let field = |item: &str, tag: &str| {
            let start = item.find(&format!("<{tag}>"))? + tag.len() + 2;
            let end = item[start..].find(&format!("</{tag}>"))? + start;
            Some(item[start..end].to_owned())
        };
        body.split("<Contents>")
            .skip(1)
            .filter_map(|item| Some((field(item, "Key")?, field(item, "Size")?.parse().ok()?)))
            .collect()
    }

    /// Multipart uploads begun and neither completed nor aborted.
    async fn open_uploads(&self, bucket: &str) -> usize {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client");
        let body = http
            .get(format!("{}/{bucket}?uploads", self.endpoint))
            .send()
            .await
            .expect("a listing")
            .text()
            .await
            .expect("XML");
        body.matches("<Upload>").count()
    }

    /// The SHA-256 and length of the object at `key`, read by boto3 (installed with moto): a
    /// client independent of ours, with the test credentials (moto refuses anonymous reads).
    fn sha256_of(&self, bucket: &str, key: &str) -> (String, u64) {
        let script = "import boto3, hashlib, sys\n\
            s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1')\n\
            body = s3.get_object(Bucket=sys.argv[2], Key=sys.argv[3])['Body'].read()\n\
            print(hashlib.sha256(body).hexdigest(), len(body))\n";
        let output = Command::new("python3")
            .args(["-c", script, &self.endpoint, bucket, key])
            .env("AWS_ACCESS_KEY_ID", ENV[0].1)
            .env("AWS_SECRET_ACCESS_KEY", ENV[1].1)
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .output()
            .expect("python3 runs");
        assert!(output.status.success(), "{output:?}");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (sha, len) = text.trim().split_once(' ').expect("sha256 and length");
        (sha.to_owned(), len.parse().expect("a length"))
    }
}

const ENV: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "cloud-backup-test"),
    ("AWS_SECRET_ACCESS_KEY", "cloud-backup-test-secret"),
    ("AWS_REGION", "us-east-1"),
];

const FLEET: &str = "rm-fleet00000001";

async fn sync_to(s3: &S3, to: &str, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["--sandbox", "--sandbox-fleet", "1"];
    let rest = [
        "sync",
        "--from",
        "aliyun-rds",
        "--instance",
        FLEET,
        "--to",
        to,
        "--to-endpoint",
        &s3.endpoint,
        "--json",
    ];
    let (globals, tail): (Vec<&str>, Vec<&str>) = extra
        .iter()
        .partition(|a| a.starts_with("--sandbox-fault") || a.starts_with("corrupt="));
    args.extend(globals);
    args.extend(rest);
    args.extend(tail);
    run(&args, &ENV).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_streams_into_s3_verified_and_audit_reads_the_manifest_there() {
    let Some(s3) = S3::start("backups").await else {
        return;
    };
    let to = "s3://backups/mysql";
    let ran = sync_to(&s3, to, &["--verify-content"]).await;
    assert!(ran.status.success(), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["copied"], 12, "{report}");

    // Every object is the sandbox's whole file; nothing of it landed on the local disk.
    let objects = s3.list("backups", "mysql/").await;
    let copies: Vec<&(String, u64)> = objects
        .iter()
        .filter(|(k, _)| k.contains("/full/") && !k.starts_with("mysql/.cloud-backup"))
        .collect();
    assert_eq!(copies.len(), 12, "{objects:?}");
    // The files as the CLI's embedded sandbox (with its fleet of one) has them.
    let sandbox =
        cloud_sandbox::Sandbox::start(cloud_sandbox::SandboxConfig::default().with_fleet(1))
            .expect("a sandbox");
    for (key, size) in &copies {
        let backup_id = key.split('/').nth(4).expect("a backup id");
        let expected = sandbox
            .find_backup(cloud_sandbox::Provider::AliyunRds, backup_id)
            .expect("the backup");
        assert_eq!(*size, expected.size, "{key}");
        if key.ends_with(&expected.file_name) && backup_id.ends_with('1') {
            let want = expected.content(0, expected.size as usize);
            let want = (crate::support::sha256_hex(&want), want.len() as u64);
            assert_eq!(s3.sha256_of("backups", key), want, "{key}");
        }
    }
    // The manifest is in the bucket: a document per file and the index.
    let keys: Vec<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
    let index = format!("mysql/.cloud-backup/index/aliyun-rds/{FLEET}.json");
    assert!(keys.contains(&index.as_str()), "{keys:?}");
    let documents = keys
        .iter()
        .filter(|k| k.starts_with("mysql/.cloud-backup/manifest/"))
        .count();
    assert_eq!(documents, 12, "{keys:?}");
    assert_eq!(s3.open_uploads("backups").await, 0);

    // Again: nothing new; and the audit proves every copy from the bucket's manifest.
    let ran = sync_to(&s3, to, &[]).await;
    let again: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(
        (again["copied"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(12)),
        "{again}"
    );
    let ran = run(
        &[
            "--sandbox",
            "--sandbox-fleet",
            "1",
            "audit",
            "--from",
            "aliyun-rds",
            "--instance",
            FLEET,
            "--to",
            to,
            "--to-endpoint",
            &s3.endpoint,
            "--max-age",
            "3650d",
            "--verify-copies",
            "--json",
        ],
        &ENV,
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let audit: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(audit[0]["copies_missing"].as_array().map(Vec::len), Some(0));
    // Every copy read back from the bucket, each as recorded.
    assert_eq!(audit[0]["copies_read_back"], 12, "{audit}");
    assert_eq!(audit[0]["copies_damaged"].as_array().map(Vec::len), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_fails_its_checks_never_appears_in_the_bucket() {
    let Some(s3) = S3::start("faults").await else {
        return;
    };
    let dest = scratch("s3-faults"); // nothing may land here either
    let to = "s3://faults/x";
    // The first download covering byte 400,000 is corrupted in transit: its CRC-64 fails.
    let ran = sync_to(
        &s3,
        to,
        &["--sandbox-fault", "corrupt=1@400000", "--concurrency", "1"],
    )
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["failed"], 1, "{report}");
    let failed = report["instances"][0]["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["outcome"] == "failed")
        .expect("the failed file")
        .clone();
    let error = failed["error"].as_str().expect("why");
    assert!(
        error.contains("integrity") && error.contains("nothing was written"),
        "{error}"
    );
    let backup_id = failed["backup_id"].as_str().expect("an id");
    let objects = s3.list("faults", "x/").await;
    assert!(
        !objects.iter().any(|(k, _)| k.contains(backup_id)),
        "{objects:?}"
    );
    assert_eq!(s3.open_uploads("faults").await, 0, "the upload was aborted");
    assert!(
        std::fs::read_dir(&dest)
            .expect("a directory")
            .next()
            .is_none()
    );

    // The next run copies it.
    let ran = sync_to(&s3, to, &[]).await;
    assert!(ran.status.success(), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["copied"], 1, "{report}");

    // A bucket that does not exist: refused at once, before any download.
    let ran = sync_to(&s3, "s3://no-such-bucket/x", &[]).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["copied"], 0);
    assert!(
        report["instances"][0]["error"]
            .as_str()
            .expect("why")
            .contains("no-such-bucket"),
        "{report}"
    );
}

impl S3 {
    /// The object at `key` as text, read by boto3.
    fn text_of(&self, bucket: &str, key: &str) -> String {
        let script = "import boto3, sys\n\
            s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1')\n\
            sys.stdout.write(s3.get_object(Bucket=sys.argv[2], Key=sys.argv[3])['Body'].read().decode())\n";
        let output = Command::new("python3")
            .args(["-c", script, &self.endpoint, bucket, key])
            .env("AWS_ACCESS_KEY_ID", ENV[0].1)
            .env("AWS_SECRET_ACCESS_KEY", ENV[1].1)
            .output()
            .expect("python3 runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("UTF-8")
    }
}

/// The size of the file [`sync_a_large_file`] copies: three 8 MiB parts.
pub(crate) const LARGE: u64 = 20 << 20;

/// A 20 MiB backup of `rm-demo` synced into the store at `to` through the library, with
/// `(key id, secret)` given rather than from the environment; checks that one file of that size
/// was copied, and returns its key under the store's prefix and its bytes.
pub(crate) async fn sync_a_large_file(
    to: &str,
    endpoint: &str,
    (id, secret): (&str, &str),
) -> (String, Vec<u8>) {
    use cloud_backup::store::ObjectStore;
    use cloud_backup::sync::SyncOptions;
    use cloud_backup::sync::manifest::Destination;
    use cloud_sandbox::{Provider, Sandbox, SandboxConfig};

    let sandbox = Sandbox::start(SandboxConfig::default().with_file_size(
        Provider::AliyunRds,
        "rm-demo",
        0,
        LARGE,
    ))
    .expect("a sandbox");
    let client = cloud_backup::sandbox::client(Provider::AliyunRds, &sandbox).expect("a client");
    let credentials = cloud_backup::Credentials::new(id, secret);
    let store =
        ObjectStore::open_with_credentials(to, Some(endpoint), &credentials).expect("a store");
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
        (1, LARGE),
        "{report:?}"
    );
    let file = sandbox
        .backup(Provider::AliyunRds, "rm-demo", 0)
        .expect("the newest");
    let key = format!(
        "aliyun-rds/rm-demo/full/{}/{}",
        file.backup_id, file.file_name
    );
    (key, file.content(0, LARGE as usize))
}

/// Checks that the first entry of an instance's `index` records the store's ETag of a
/// three-part upload.
pub(crate) fn assert_three_part_etag(index: &str) {
    let index: Value = serde_json::from_str(index).expect("JSON");
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

/// The library, with credentials given rather than from the environment: a 20 MiB file goes
/// up in three 8 MiB parts, and the store's multipart ETag (the MD5 of the parts' MD5s)
/// matches what was streamed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_goes_up_in_parts_and_the_stores_etag_is_checked() {
    let Some(s3) = S3::start("large").await else {
        return;
    };
    let (key, want) = sync_a_large_file("s3://large/db", &s3.endpoint, (ENV[0].1, ENV[1].1)).await;
    assert_eq!(
        s3.sha256_of("large", &format!("db/{key}")),
        (crate::support::sha256_hex(&want), LARGE)
    );
    assert_three_part_etag(&s3.text_of("large", "db/.cloud-backup/index/aliyun-rds/rm-demo.json"));
    assert_eq!(s3.open_uploads("large").await, 0);
}

/// A proxy in front of the S3 server that answers the connections numbered in `throttled`
/// with `503 SlowDown` (what S3 sends when throttling) and passes the others through.
async fn throttling_proxy(
    target: &str,
    throttled: &'static [usize],
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = answered.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    let target = target.trim_start_matches("http://").to_owned();
    tokio::spawn(async move {
        let mut n = 0usize;
        while let Ok((mut inbound, _)) = listener.accept().await {
            let this = n;
            n += 1;
            let target = target.clone();
            let count = count.clone();
            tokio::spawn(async move {
                if throttled.contains(&this) {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match inbound.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(k) => head.extend_from_slice(&buf[..k]),
                        }
                    }
                    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>\
                                <Message>Please reduce your request rate.</Message></Error>";
                    let reply = format!(
                        "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    if inbound.write_all(reply.as_bytes()).await.is_ok() {
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = inbound.shutdown().await;
                    return;
                }
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (format!("http://{address}"), answered)
}

/// The store throttling (503 SlowDown) the write probe and a later request: OpenDAL's retry
/// layer backs off and the run completes, every copy verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttling_store_is_retried_and_the_run_completes() {
    let Some(s3) = S3::start("throttled").await else {
        return;
    };
    let (proxy, throttled) = throttling_proxy(&s3.endpoint, &[0, 2, 5]).await;
    let ran = run(
        &[
            "--sandbox",
            "--sandbox-fleet",
            "1",
            "sync",
            "--from",
            "aliyun-rds",
            "--instance",
            FLEET,
            "--to",
            "s3://throttled/t",
            "--to-endpoint",
            &proxy,
            "--json",
        ],
        &ENV,
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["copied"], 12, "{report}");
    let copies = s3
        .list("throttled", "t/aliyun-rds/")
        .await
        .into_iter()
        .filter(|(k, _)| k.contains("/full/"))
        .count();
    assert_eq!(copies, 12);
    assert_eq!(s3.open_uploads("throttled").await, 0);
    let throttled = throttled.load(std::sync::atomic::Ordering::SeqCst);
    assert!(throttled >= 1, "the store was never throttled");
}

/// A store that accepts connections and never answers: with `--timeout 1` each call gives up
/// after a second (and is retried a few times), so the run ends with an error naming the
/// store instead of hanging, and downloads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_never_answers_fails_the_run_instead_of_hanging() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket); // read nothing, answer nothing
        }
    });
    let ran = run(
        &[
            "--sandbox",
            "--timeout",
            "1",
            "sync",
            "--from",
            "aliyun-rds",
            "--instance",
            "rm-demo",
            "--to",
            "s3://silent/x",
            "--to-endpoint",
            &endpoint,
            "--json",
        ],
        &ENV,
    )
    .await;
    held.abort();
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["copied"], 0, "{report}");
    let error = report["instances"][0]["error"].as_str().expect("why");
    assert!(error.contains("s3://silent/x"), "{error}");
}
