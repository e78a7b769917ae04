//! `cloud-backup` against a sandbox the test holds (`--endpoint <sandbox>`, the demo
//! credentials as environment variables): every provider's `list`, `download-url` and
//! `download`, downloads cut, resumed and restarted on purpose, refused credentials.

use std::path::Path;

use cloud_sandbox::{
    BackupFile, FaultKind, Provider, RequestKind, Sandbox, SandboxConfig, demo_credentials,
};
use serde_json::Value;

use crate::support::{Run, entries, run, scratch, sha256_hex};

/// A sandbox with the default configuration.
pub(crate) fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).expect("the sandbox starts")
}

/// The environment variables that carry `service`'s demo credentials (and project id).
pub(crate) fn env(service: Provider) -> Vec<(&'static str, &'static str)> {
    let demo = demo_credentials(service);
    match service {
        Provider::CapitalOnlineMysql => vec![
            ("CDS_SECRET_ID", demo.access_key_id),
            ("CDS_SECRET_KEY", demo.secret),
        ],
        Provider::AliyunRds => vec![
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", demo.access_key_id),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", demo.secret),
        ],
        _ => vec![
            ("HUAWEICLOUD_SDK_AK", demo.access_key_id),
            ("HUAWEICLOUD_SDK_SK", demo.secret),
            (
                "HUAWEICLOUD_SDK_PROJECT_ID",
                demo.project_id.unwrap_or_default(),
            ),
        ],
    }
}

/// The demo instance of `service`.
pub(crate) fn instance(sandbox: &Sandbox, service: Provider) -> String {
    sandbox
        .instances()
        .into_iter()
        .find(|i| i.service == service)
        .expect("a demo instance")
        .instance_id
}

/// `cloud-backup <service> ARGS --endpoint <sandbox>` with the demo credentials.
pub(crate) async fn run_at(sandbox: &Sandbox, service: Provider, args: &[&str]) -> Run {
    let endpoint = sandbox.endpoint();
    let mut all = vec![service.name()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--endpoint", &endpoint]);
    run(&all, &env(service)).await
}

/// The newest backup of `service`'s demo instance.
pub(crate) fn newest(sandbox: &Sandbox, service: Provider) -> BackupFile {
    let instance = instance(sandbox, service);
    sandbox.backup(service, &instance, 0).expect("a backup")
}

/// `download --instance .. --backup .. --out OUT --json` of `file`.
pub(crate) async fn download(
    sandbox: &Sandbox,
    file: &BackupFile,
    out: &Path,
    more: &[&str],
) -> Run {
    let out = out.to_str().expect("a UTF-8 path");
    let mut args = download_args(file, out);
    args.extend_from_slice(more);
    run_at(sandbox, file.service, &args).await
}

/// `download --instance .. --backup .. --out OUT` of `file`.
pub(crate) fn download_args<'a>(file: &'a BackupFile, out: &'a str) -> Vec<&'a str> {
    vec![
        "download",
        "--instance",
        &file.instance_id,
        "--backup",
        &file.backup_id,
        "--out",
        out,
    ]
}

/// Backup `backup_id` of `service` in a sandbox with the default configuration, as the CLI's
/// embedded one has it (its bytes depend on the catalogue alone).
pub(crate) fn default_file(service: Provider, backup_id: &str) -> BackupFile {
    Sandbox::start(SandboxConfig::default())
        .expect("a sandbox")
        .find_backup(service, backup_id)
        .unwrap_or_else(|| panic!("{service} has no backup {backup_id}"))
}

/// Asserts that `path` holds exactly the sandbox's file of `file`.
pub(crate) fn assert_content(path: &Path, file: &BackupFile) {
    let written = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(written.len() as u64, file.size, "{}", path.display());
    let expected = file.content(0, file.size as usize);
    assert!(
        written == expected,
        "{} differs from the sandbox's file",
        path.display()
    );
}

/// The statuses and faults of the file downloads the sandbox answered, in order.
fn downloads(sandbox: &Sandbox) -> Vec<(u16, Option<FaultKind>)> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.kind == RequestKind::Download)
        .map(|r| (r.status, r.fault))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provider_lists_links_and_downloads() {
    let sandbox = start();
    let dir = scratch("every-provider");
    let port = sandbox.port();
    for service in [
        Provider::CapitalOnlineMysql,
        Provider::AliyunRds,
        Provider::HuaweiCloudRds,
    ] {
        let name = service.name();
        let demo = instance(&sandbox, service);
        let count = sandbox
            .instances()
            .into_iter()
            .find(|i| i.service == service)
            .map(|i| i.backup_count)
            .unwrap();
        let list = run_at(&sandbox, service, &["list", "--instance", &demo, "--json"])
            .await
            .json();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), count, "{name}");
        assert!(list.iter().all(|b| b["provider"] == name), "{name}");

        let file = newest(&sandbox, service);
        assert_eq!(list[0]["backup_id"], file.backup_id.as_str(), "{name}");
        assert_eq!(list[0]["size_bytes"], file.size, "{name}");
        let links = run_at(
            &sandbox,
            service,
            &[
                "download-url",
                "--instance",
                &demo,
                "--backup",
                &file.backup_id,
                "--json",
            ],
        )
        .await
        .json();
        assert_eq!(links.as_array().map(Vec::len), Some(1), "{name}: {links}");
        let url = links[0]["url"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("{}/files/{name}/", sandbox.endpoint())),
            "{url}"
        );
        assert_eq!(links[0]["size_bytes"], file.size, "{name}");

        let out = dir.join(format!("{name}.bin"));
        let run = download(&sandbox, &file, &out, &["--json"]).await;
        assert_eq!(run.stderr, "", "{run:?}");
        let mut written = run.json();
        let expected = file.content(0, file.size as usize);
        // Every check the storage offers ran, and says where its value came from.
        let verified = written[0]["verified"].take();
        let checks: Vec<String> = verified
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{} {}", c["check"].as_str().unwrap(), c["sources"]))
            .collect();
        let sha256 = sha256_hex(&expected);
        let wanted: &[&str] = match name {
            "aliyun-rds" => &[
                r#"size ["server","API"]"#,
                r#"crc64 ["x-oss-hash-crc64ecma","DescribeBackups Checksum"]"#,
                "sha256 []",
            ],
            "huaweicloud-rds" => &[r#"size ["server","API"]"#, r#"md5 ["ETag"]"#, "sha256 []"],
            _ => &[r#"size ["server","API"]"#, "sha256 []"],
        };
        assert_eq!(checks, wanted, "{name}");
        assert_eq!(
            verified[verified.as_array().unwrap().len() - 1]["value"],
            sha256
        );
        assert_eq!(
            written,
            serde_json::json!([{
                "path": out.to_str().unwrap(),
                "bytes": file.size,
                "sha256": sha256,
                "url_host": format!("127.0.0.1:{port}"),
                "verified": null,
                "notes": [],
            }]),
            "{name}"
        );
        assert_content(&out, &file);
    }
    // Nothing but the finished files: no .part left behind.
    assert_eq!(
        entries(&dir),
        [
            "aliyun-rds.bin",
            "capitalonline-mysql.bin",
            "huaweicloud-rds.bin"
        ]
    );

    // GaussDB for MySQL lists, and says why it cannot download.
    let demo = instance(&sandbox, Provider::HuaweiCloudGaussDb);
    let list = run_at(
        &sandbox,
        Provider::HuaweiCloudGaussDb,
        &["list", "--instance", &demo, "--json"],
    )
    .await
    .json();
    assert_eq!(list.as_array().map(Vec::len), Some(103));
    let backup = list[0]["backup_id"].as_str().unwrap();
    let out = dir.join("gaussdb.bin");
    let run = run_at(
        &sandbox,
        Provider::HuaweiCloudGaussDb,
        &[
            "download",
            "--instance",
            &demo,
            "--backup",
            backup,
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .await;
    let line = run.error_line("error: huaweicloud-gaussdb: configuration error: GaussDB");
    assert!(line.contains("no API for backup download links"), "{line}");
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_cut_at_a_third_resumes_to_the_same_bytes() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::AliyunRds);
    let out = scratch("cut-at-a-third").join("backup.tar.gz");
    sandbox.faults().drop_next_downloads(1, file.size / 3);
    let run = download(&sandbox, &file, &out, &[]).await;
    assert!(run.status.success(), "{run:?}");
    assert_content(&out, &file);
    assert_eq!(
        run.stdout,
        format!(
            "{}  {} bytes  sha256 {}\n  verified: size (server, API), crc64 \
             (x-oss-hash-crc64ecma, DescribeBackups Checksum), sha256 (computed)\n",
            out.display(),
            file.size,
            sha256_hex(&file.content(0, file.size as usize))
        )
    );
    // The whole file cut after a third, then the rest with a range request.
    assert_eq!(
        downloads(&sandbox),
        [(200, Some(FaultKind::DroppedDownload)), (206, None)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_ranges_gets_the_file_again_from_zero() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::CapitalOnlineMysql);
    let out = scratch("ignores-ranges").join("backup.tar.gz");
    let faults = sandbox.faults();
    faults.drop_next_downloads(1, file.size / 3);
    faults.ignore_range(true);
    let run = download(&sandbox, &file, &out, &[]).await;
    assert!(run.status.success(), "{run:?}");
    assert_content(&out, &file);
    assert_eq!(
        downloads(&sandbox),
        [
            (200, Some(FaultKind::DroppedDownload)),
            (200, Some(FaultKind::IgnoredRange))
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_resumes_when_run_again() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::HuaweiCloudRds);
    let dir = scratch("interrupted");
    let out = dir.join("backup.qp");
    let part = dir.join("backup.qp.part");
    let third = file.size / 3;
    // Every attempt is cut after a third, and ranges are ignored, so no attempt gets further
    // than the first: the retries run out.
    let faults = sandbox.faults();
    faults.drop_next_downloads(10, third);
    faults.ignore_range(true);
    let run = download(&sandbox, &file, &out, &[]).await;
    let line = run.error_line("error: huaweicloud-rds: transport error:");
    assert!(line.contains("gave up after 5 attempts"), "{line}");
    assert!(
        line.contains(&format!(
            "the {third} bytes downloaded so far are kept in {}",
            part.display()
        )),
        "{line}"
    );
    assert!(!out.exists(), "nothing at --out after a failure");
    let kept = std::fs::read(&part).unwrap();
    assert_eq!(kept, file.content(0, third as usize));

    // The same command again, the faults gone: it resumes from the .part.
    faults.clear();
    sandbox.clear_requests();
    let run = download(&sandbox, &file, &out, &[]).await;
    assert!(run.status.success(), "{run:?}");
    assert_content(&out, &file);
    assert!(!part.exists());
    assert_eq!(downloads(&sandbox), [(206, None)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_file_is_refused_unless_forced() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::AliyunRds);
    let dir = scratch("existing");
    let out = dir.join("backup.tar.gz");
    std::fs::write(&out, b"an older backup").unwrap();
    let run = download(&sandbox, &file, &out, &[]).await;
    let line = run.error_line("error: aliyun-rds: configuration error:");
    assert!(
        line.contains(&format!(
            "{} already exists; not overwriting it",
            out.display()
        )),
        "{line}"
    );
    assert!(line.contains("--force"), "{line}");
    assert_eq!(std::fs::read(&out).unwrap(), b"an older backup");
    assert_eq!(downloads(&sandbox), [], "refused before any download");

    let run = download(&sandbox, &file, &out, &["--force"]).await;
    assert!(run.status.success(), "{run:?}");
    assert_content(&out, &file);

    // An existing directory: the file goes in under its own name.
    let run = download(&sandbox, &file, &dir, &["--json"]).await;
    let written = run.json();
    let path = dir.join(&file.file_name);
    assert_eq!(written[0]["path"], path.to_str().unwrap());
    assert_content(&path, &file);
    assert_eq!(entries(&dir), ["backup.tar.gz".to_owned(), file.file_name]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let sandbox = start();
    let file = newest(&sandbox, Provider::AliyunRds);
    let dir = scratch("no-progress");
    // A retry too, which a terminal would show above the bar.
    sandbox.faults().drop_next_downloads(1, 1000);
    for (name, quiet) in [("a.tar.gz", None), ("b.tar.gz", Some("--quiet"))] {
        let out = dir.join(name);
        let run = download(&sandbox, &file, &out, quiet.as_slice()).await;
        assert!(run.status.success(), "{run:?}");
        assert_eq!(run.stderr, "", "nothing on stderr but errors: {run:?}");
        assert_eq!(run.stdout.lines().count(), 2, "{run:?}");
        assert!(run.stdout.contains(" bytes  sha256 "), "{run:?}");
        assert!(
            run.stdout
                .contains("\n  verified: size (server, API), crc64"),
            "{run:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_gets_the_providers_code() {
    let sandbox = start();
    let endpoint = sandbox.endpoint();
    for (service, wrong, expected) in [
        (
            Provider::CapitalOnlineMysql,
            "CDS_SECRET_KEY",
            "error: capitalonline-mysql: SignatureDoesNotMatch:",
        ),
        (
            Provider::AliyunRds,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "error: aliyun-rds: SignatureDoesNotMatch:",
        ),
        (
            Provider::HuaweiCloudRds,
            "HUAWEICLOUD_SDK_SK",
            "error: huaweicloud-rds: APIG.0301:",
        ),
        (
            Provider::HuaweiCloudGaussDb,
            "HUAWEICLOUD_SDK_SK",
            "error: huaweicloud-gaussdb: APIG.0301:",
        ),
    ] {
        let env: Vec<(&str, &str)> = env(service)
            .into_iter()
            .map(|(name, value)| {
                if name == wrong {
                    (name, "not-the-demo-secret")
                } else {
                    (name, value)
                }
            })
            .collect();
        let demo = instance(&sandbox, service);
        let run = run(
            &[
                service.name(),
                "list",
                "--instance",
                &demo,
                "--endpoint",
                &endpoint,
            ],
            &env,
        )
        .await;
        let line = run.error_line(expected);
        assert!(line.contains("request id"), "{line}");
        assert!(!line.contains("not-the-demo-secret"), "{line}");
    }
}

/// Through the library: a client whose nonce never changes is refused the second time, by the
/// sandbox as by the real gateway, and the error keeps the provider's code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_nonce_is_refused() {
    use cloud_http::{HttpConfig, NonceSource, RetryPolicy};

    let sandbox = start();
    let demo = demo_credentials(Provider::AliyunRds).to_credentials();
    let client = |nonce: NonceSource| -> cloud_backup::Client {
        let http = HttpConfig::default()
            .with_nonce_source(nonce)
            .with_retry(RetryPolicy::no_retry());
        let config = aliyun_rds::Config::new(demo.clone())
            .with_endpoint(sandbox.endpoint())
            .unwrap()
            .with_http(http);
        aliyun_rds::Client::new(config).unwrap().into()
    };
    let file = newest(&sandbox, Provider::AliyunRds);

    let replaying = client(NonceSource::fixed("the-same-nonce"));
    assert_eq!(replaying.provider(), cloud_backup::Provider::AliyunRds);
    let links = replaying
        .download_links("rm-demo", &file.backup_id)
        .await
        .unwrap();
    assert_eq!(links[0].size_bytes, Some(file.size));
    let error = replaying
        .download_links("rm-demo", &file.backup_id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("SignatureNonceUsed"), "{error}");
    assert_eq!(error.status(), Some(400));

    // A fresh nonce per request (the default): any number of calls.
    let fresh = client(NonceSource::random());
    for _ in 0..3 {
        assert_eq!(fresh.list_backups("rm-demo").await.unwrap().len(), 137);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_library_downloads_through_one_client() {
    let sandbox = start();
    let dir = scratch("library-client");
    let client =
        cloud_backup::sandbox::client(cloud_backup::Provider::HuaweiCloudRds, &sandbox).unwrap();
    let instance = instance(&sandbox, Provider::HuaweiCloudRds);
    let backups = client.list_backups(&instance).await.unwrap();
    assert_eq!(backups.len(), 125);
    let files = client
        .download(
            &instance,
            &backups[1].backup_id,
            &dir,
            &cloud_backup::DownloadOptions::new(),
        )
        .await
        .unwrap();
    let file = sandbox
        .backup(Provider::HuaweiCloudRds, &instance, 1)
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, dir.join(&file.file_name));
    assert_eq!(files[0].bytes, file.size);
    let outcome = files[0].outcome.as_ref().unwrap();
    assert_eq!((outcome.resumes, outcome.restarts), (0, 0));
    assert_content(&files[0].path, &file);
    let json: Value = serde_json::to_value(&files[0]).unwrap();
    let mut keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["bytes", "notes", "path", "sha256", "url_host", "verified"]
    );
}
