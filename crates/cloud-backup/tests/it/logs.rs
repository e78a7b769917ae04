//! Log (binlog) backups: `binlogs` and `download-binlogs` through the embedded sandbox on
//! every provider, the library against the documented `DescribeBinlogFiles` example on
//! wiremock.

use cloud_sandbox::Provider;
use serde_json::Value;
use wiremock::matchers::{header, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::embedded::demo;
use crate::support::{ACCESS_KEY_ID, SECRET, run, scratch, sha256_hex};

/// `--sandbox <service> binlogs --instance <demo> ARGS --json`: the array.
async fn binlogs(service: Provider, more: &[&str]) -> Vec<Value> {
    let instance = demo(service);
    let mut args = vec![
        "--sandbox",
        service.name(),
        "binlogs",
        "--instance",
        &instance,
    ];
    args.extend_from_slice(more);
    args.push("--json");
    let ran = run(&args, &[]).await;
    assert!(ran.status.success(), "{ran:?}");
    match ran.json() {
        Value::Array(files) => files,
        other => panic!("not an array: {other}"),
    }
}

fn times(file: &Value) -> (time::OffsetDateTime, time::OffsetDateTime) {
    let parse = |key: &str| {
        let text = file[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {file}"));
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("{key} {text}: {e}"))
    };
    (parse("begin_at"), parse("end_at"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alibaba_binlogs_are_continuous_with_links_sizes_and_checksums() {
    let files = binlogs(Provider::AliyunRds, &["--since", "2d", "--until", "1d"]).await;
    // One an hour: a day's worth, plus the one overlapping each end at most.
    assert!((24..=26).contains(&files.len()), "{}", files.len());
    for pair in files.windows(2) {
        assert_eq!(times(&pair[0]).1, times(&pair[1]).0, "{pair:?}");
    }
    for file in &files {
        assert_eq!(file["provider"], "aliyun-rds");
        assert_eq!(file["instance_id"], "rm-demo");
        assert!(
            file["file_name"]
                .as_str()
                .is_some_and(|n| n.starts_with("mysql-bin."))
        );
        assert!(file["size_bytes"].as_u64().is_some_and(|s| s > 0), "{file}");
        assert!(
            file["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("http://127.0.0.1:"))
        );
        assert!(file["expires_at"].as_str().is_some(), "{file}");
        assert!(
            file["crc64"]
                .as_str()
                .is_some_and(|c| c.parse::<u64>().is_ok()),
            "{file}"
        );
        assert!(file["host"].as_str().is_some(), "{file}");
        assert_eq!(file["raw"]["LogFileName"], file["file_name"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_huawei_rds_log_gap_shows_in_the_listing_and_matches_the_restore_window() {
    let instance = demo(Provider::HuaweiCloudRds);
    let window = run(
        &[
            "--sandbox",
            "huaweicloud-rds",
            "restore-window",
            "--instance",
            &instance,
            "--json",
        ],
        &[],
    )
    .await
    .json();
    let ranges = window["ranges"].as_array().expect("ranges");
    assert_eq!(ranges.len(), 2, "{window}");
    let (gap_start, gap_end) = (
        ranges[0]["end"].as_str().expect("end").to_owned(),
        ranges[1]["start"].as_str().expect("start").to_owned(),
    );
    let ran = run(
        &[
            "--sandbox",
            "huaweicloud-rds",
            "binlogs",
            "--instance",
            &instance,
            "--since",
            "30d",
        ],
        &[],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let gaps: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("gap: "))
        .collect();
    assert_eq!(
        gaps,
        [format!("gap: {gap_start} .. {gap_end}: no log file covers it").as_str()],
        "{}",
        ran.stdout
    );
    // The JSON: incremental backups, each its own backup id, oldest first.
    let files = binlogs(Provider::HuaweiCloudRds, &["--since", "3d"]).await;
    assert!(files.len() >= 70, "{}", files.len());
    assert!(files.windows(2).all(|p| times(&p[0]).0 < times(&p[1]).0));
    assert!(files.iter().all(|f| {
        f["backup_id"]
            .as_str()
            .is_some_and(|id| id.ends_with("br01"))
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gaussdb_lists_log_backups_but_cannot_download_them_and_capital_online_has_none() {
    let files = binlogs(Provider::HuaweiCloudGaussDb, &["--since", "12h"]).await;
    assert!((11..=13).contains(&files.len()), "{}", files.len());
    assert!(files.iter().all(|f| f["url"].is_null()));

    let out = scratch("logs-gaussdb");
    let instance = demo(Provider::HuaweiCloudGaussDb);
    let ran = run(
        &[
            "--sandbox",
            "huaweicloud-gaussdb",
            "download-binlogs",
            "--instance",
            &instance,
            "--since",
            "12h",
            "--out",
            out.to_str().expect("UTF-8"),
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("no API for downloading log backups"),
        "{ran:?}"
    );
    assert_eq!(std::fs::read_dir(&out).expect("out").count(), 0);

    let instance = demo(Provider::CapitalOnlineMysql);
    let ran = run(
        &[
            "--sandbox",
            "capitalonline-mysql",
            "binlogs",
            "--instance",
            &instance,
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    ran.assert_error_line(
        "error: capitalonline-mysql: configuration error: Capital Online MySQL has no API for \
         log (binlog) backups: keep binlogs with your own replica or binlog server",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alibaba_binlogs_download_verified_into_a_host_directory_and_a_rerun_keeps_them() {
    let out = scratch("logs-aliyun");
    let dir = out.to_str().expect("UTF-8");
    let args = [
        "--sandbox",
        "aliyun-rds",
        "download-binlogs",
        "--instance",
        "rm-demo",
        "--since",
        "5h",
        "--until",
        "2h",
        "--out",
        dir,
        "--json",
    ];
    // A connection dropped in the middle of the first file: resumed, then verified.
    let mut faulted = vec!["--sandbox-fault", "drop=1@20000"];
    faulted.extend_from_slice(&args);
    let ran = run(&faulted, &[]).await;
    assert!(ran.status.success(), "{ran:?}");
    let downloaded = ran.json();
    let downloaded = downloaded.as_array().expect("an array");
    assert!((3..=4).contains(&downloaded.len()), "{downloaded:?}");
    for file in downloaded {
        let path = std::path::Path::new(file["path"].as_str().expect("path"));
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let host = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str());
        assert!(
            host.is_some_and(|h| h.bytes().all(|b| b.is_ascii_digit())),
            "{path:?}"
        );
        // mysql-bin.<k + 1> is the sandbox's log file binlog-<k>.
        let number: u64 = name
            .trim_start_matches("mysql-bin.")
            .parse()
            .expect("number");
        let bytes = std::fs::read(path).expect("the file");
        let expected = cloud_sandbox::content(&format!("binlog-{:07}", number - 1), 0, bytes.len());
        assert!(
            bytes == expected,
            "{path:?} differs from the sandbox's file"
        );
        assert_eq!(file["sha256"], sha256_hex(&bytes));
        let checks: Vec<String> = file["verified"]
            .as_array()
            .expect("verified")
            .iter()
            .map(|c| format!("{} {}", c["check"], c["sources"]))
            .collect();
        let checks = checks.join("; ");
        assert!(checks.contains("x-oss-hash-crc64ecma"), "{checks}");
        assert!(checks.contains("DescribeBinlogFiles Checksum"), "{checks}");
    }
    let parts: Vec<_> = walk(&out).into_iter().filter(|p| !is_final(p)).collect();
    assert!(parts.is_empty(), "left behind: {parts:?}");

    // Again: every file is already complete and kept.
    let again = run(&args, &[]).await;
    assert!(again.status.success(), "{again:?}");
    let kept = again.json();
    assert_eq!(kept.as_array().map(Vec::len), Some(downloaded.len()));
    for (first, second) in downloaded.iter().zip(kept.as_array().expect("array")) {
        assert_eq!(first["path"], second["path"]);
        assert_eq!(first["sha256"], second["sha256"]);
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn is_final(path: &std::path::Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("mysql-bin.") && !n.contains(".part"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huawei_rds_binlogs_download_through_list_backup_files() {
    let out = scratch("logs-huawei");
    let instance = demo(Provider::HuaweiCloudRds);
    let ran = run(
        &[
            "--sandbox",
            "huaweicloud-rds",
            "download-binlogs",
            "--instance",
            &instance,
            "--since",
            "4h",
            "--until",
            "2h",
            "--out",
            out.to_str().expect("UTF-8"),
        ],
        &[],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert!(lines.len() >= 4, "{}", ran.stdout);
    assert!(
        lines
            .iter()
            .filter(|l| l.trim_start().starts_with("verified:"))
            .all(|l| l.contains("md5 (ETag)") && l.contains("sha256 (computed)")),
        "{}",
        ran.stdout
    );
    let names = crate::support::entries(&out);
    assert!(names.len() >= 2, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("mysql-bin.")),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binlogs_of_every_instance_name_their_instance() {
    let ran = run(
        &[
            "--sandbox",
            "--sandbox-fleet",
            "5",
            "aliyun-rds",
            "binlogs",
            "--all-instances",
            "--since",
            "3h",
            "--json",
        ],
        &[],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let files = ran.json();
    let files = files.as_array().expect("array");
    let mut instances: Vec<&str> = files
        .iter()
        .map(|f| f["instance_id"].as_str().expect("instance"))
        .collect();
    instances.dedup();
    assert_eq!(instances.len(), 6, "{instances:?}");
    assert!(instances.contains(&"rm-demo"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_are_checked_before_anything_is_sent() {
    let ran = run(
        &[
            "--sandbox",
            "aliyun-rds",
            "binlogs",
            "--instance",
            "rm-demo",
            "--since",
            "yesterday",
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
    assert!(ran.stderr.contains("--since"), "{ran:?}");
    let ran = run(
        &[
            "--sandbox",
            "aliyun-rds",
            "binlogs",
            "--instance",
            "rm-demo",
            "--since",
            "1d",
            "--until",
            "2d",
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
    assert!(ran.stderr.contains("must be before --until"), "{ran:?}");
}

/// The documented `DescribeBinlogFiles` example: its link with a trailing space, its
/// `Checksum` beyond 2^53 (as a JSON number), its `HostInstanceID` as a number.
#[tokio::test]
async fn the_documented_describe_binlog_files_example_becomes_a_log_file() {
    let server = MockServer::start().await;
    let example =
        include_str!("../../fixtures/aliyun-rds/examples/DescribeBinlogFiles.ali-doc-en.json");
    // The example says 100 records but holds one: answer it once, then an empty page.
    Mock::given(header("x-acs-action", "DescribeBinlogFiles"))
        .and(query_param("PageNumber", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(example, "application/json"))
        .mount(&server)
        .await;
    Mock::given(header("x-acs-action", "DescribeBinlogFiles"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"RequestId":"R2","PageNumber":2,"PageRecordCount":0,"TotalRecordCount":1,"Items":{"BinLogFile":[]}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let options = cloud_backup::Options::new()
        .with_region("cn-hangzhou")
        .with_endpoint(server.uri())
        .with_credentials(cloud_backup::Credentials::new(ACCESS_KEY_ID, SECRET));
    let client =
        cloud_backup::Client::new(cloud_backup::Provider::AliyunRds, &options).expect("client");
    let since = time::macros::datetime!(2019-02-09 00:00 UTC);
    let until = time::macros::datetime!(2019-02-16 00:00 UTC);
    let files = client
        .list_log_files("rm-uf6wjk5xxxxxxx", since, until)
        .await
        .expect("listed");
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    assert_eq!(file.file_name, "000000040000000000000019");
    assert_eq!(file.host.as_deref(), Some("5841973"));
    assert_eq!(file.size_bytes, Some(2_269_410));
    assert_eq!(file.begin_at.as_deref(), Some("2019-02-09T17:45:21Z"));
    assert_eq!(file.end_at.as_deref(), Some("2019-02-15T13:10:28Z"));
    assert_eq!(
        file.url.as_deref(),
        Some("http://rdsxxxxx.oss.aliyuncs.com/xxxxxx")
    );
    assert_eq!(file.crc64.as_deref(), Some("18358304393468703000"));
    assert_eq!(file.expires_at.as_deref(), Some("2013-06-09T18:00:00Z"));
    let link = file.download_link().expect("a link");
    assert_eq!(
        link.crc64_source.as_deref(),
        Some("DescribeBinlogFiles Checksum")
    );
    let requests = server.received_requests().await.expect("recorded");
    let first: std::collections::BTreeMap<String, String> =
        requests[0].url.query_pairs().into_owned().collect();
    assert_eq!(first["DBInstanceId"], "rm-uf6wjk5xxxxxxx");
    assert_eq!(first["StartTime"], "2019-02-09T00:00:00Z");
    assert_eq!(first["EndTime"], "2019-02-16T00:00:00Z");
}

/// With the sandbox's flow control at 5 calls a second, a fleet-wide listing (13 instances,
/// 8 at a time) is throttled again and again, and still lists every instance: throttled
/// retries wait and do not use up the attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_listing_over_the_rate_paces_itself_and_lists_everything() {
    for provider in ["aliyun-rds", "huaweicloud-rds"] {
        let ran = run(
            &[
                "--sandbox",
                "--sandbox-fleet",
                "12",
                "--sandbox-fault",
                "rate=5",
                provider,
                "binlogs",
                "--all-instances",
                "--since",
                "3h",
                "--json",
            ],
            // The real API backoff (200 ms, doubling), not the tests' millisecond.
            &[("CLOUD_BACKUP_RETRY_BASE_MS", "200")],
        )
        .await;
        assert!(ran.status.success(), "{ran:?}");
        let files = ran.json();
        let mut instances: Vec<&str> = files
            .as_array()
            .expect("array")
            .iter()
            .map(|f| f["instance_id"].as_str().expect("instance"))
            .collect();
        instances.dedup();
        assert_eq!(instances.len(), 13, "{provider}: {instances:?}");
    }
}
