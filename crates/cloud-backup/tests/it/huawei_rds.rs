//! `cloud-backup huaweicloud-rds ...` against wiremock.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::huawei::{
    ENV, PROJECT_ID, assert_signed, json_response, list, run_at, wrong_credentials,
};
use crate::support::{ACCESS_KEY_ID, SECRET, assert_backup_shape, assert_rfc3339, run};

const PROVIDER: &str = "huaweicloud-rds";
const INSTANCE: &str = "a48e43ff268f4c0e879652d65e63d0fbin01";
const BACKUP: &str = "43e4feaab48f11e89039fa163ebaa7e4br01";

/// The documented examples (seed 003 and providers.md 3.3).
const MYSQL_EXAMPLE: &str =
    include_str!("../../fixtures/huaweicloud-rds/examples/ListBackups.seed-003-mysql.json");
const SQLSERVER_EXAMPLE: &str =
    include_str!("../../fixtures/huaweicloud-rds/examples/ListBackups.seed-003-sqlserver.json");
const FILES_EXAMPLE: &str =
    include_str!("../../fixtures/huaweicloud-rds/examples/ListBackupFiles.providers-3.3.json");

fn backups_path(project_id: &str) -> String {
    format!("/v3/{project_id}/backups")
}

fn query(request: &Request) -> BTreeMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_follows_the_contract() {
    let server = MockServer::start().await;
    let mysql: Value = serde_json::from_str(MYSQL_EXAMPLE).unwrap();
    let sqlserver: Value = serde_json::from_str(SQLSERVER_EXAMPLE).unwrap();
    // The documented MySQL record, the SQL Server one with its `"id "` key, and one with odd
    // values: a size as a string, a `Z` time, a missing end time, an unknown member.
    let odd = json!({
        "id": "b3", "type": "manual", "size": "1024", "status": "BUILDING",
        "begin_time": "2024-05-01T01:02:03Z", "new_member": {"a": [1, 2.5, null]},
    });
    let served = json!({
        "backups": [mysql["backups"][0], sqlserver["backups"][0], odd],
        "total_count": 3,
    })
    .to_string();
    Mock::given(method("GET"))
        .and(path(backups_path(PROJECT_ID)))
        .respond_with(json_response(&served))
        .mount(&server)
        .await;
    let list = list(PROVIDER, &server, INSTANCE).await;
    let served: Value = serde_json::from_str(&served).unwrap();
    assert_eq!(list.len(), 3);
    for (backup, served) in list.iter().zip(served["backups"].as_array().unwrap()) {
        assert_backup_shape(backup, PROVIDER, INSTANCE);
        assert_eq!(&backup["raw"], served, "raw is the record as served");
    }

    let first = &list[0];
    assert_eq!(first["backup_id"], BACKUP);
    assert_eq!(first["status"], "COMPLETED");
    assert_eq!(first["type"], "auto");
    assert_eq!(first["size_bytes"], 2803 * 1024, "kB become bytes");
    assert_eq!(first["started_at"], "2018-08-06T12:41:14+08:00");
    assert_eq!(first["finished_at"], "2018-08-06T12:43:14+08:00");
    assert_rfc3339(&first["started_at"], "+08:00");
    assert_rfc3339(&first["finished_at"], "+08:00");

    // The docs' `"id "` key: no id, but nothing fails and raw keeps the key.
    let sqlserver = &list[1];
    assert_eq!(sqlserver["backup_id"], "");
    assert_eq!(
        sqlserver["raw"]["id "],
        "43e4feaab48f11e89039fa163ebaa7e4br04"
    );
    assert_eq!(sqlserver["size_bytes"], 2803 * 1024);
    assert_eq!(sqlserver["type"], "manual");

    let odd = &list[2];
    assert_eq!(odd["size_bytes"], 1024 * 1024);
    assert_eq!(odd["raw"]["size"], "1024", "raw keeps the string");
    assert_eq!(odd["started_at"], "2024-05-01T01:02:03Z");
    assert_eq!(odd["finished_at"], Value::Null);

    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
    let sent = query(&requests[0]);
    assert_eq!(sent["instance_id"], INSTANCE);
    assert_eq!(sent["offset"], "0");
    assert_eq!(sent["limit"], "100");
    assert_signed(&requests[0], PROJECT_ID);
}

/// Backup number `n` of a listing.
fn record(n: u64) -> Value {
    json!({
        "id": format!("{n:04}e4feaab48f11e89039fa163ebaa7br01"),
        "name": format!("backup-{n}"),
        "type": if n.is_multiple_of(2) { "auto" } else { "manual" },
        "size": 2803 + n,
        "status": "COMPLETED",
        "begin_time": "2018-08-06T12:41:14+0800",
        "end_time": "2018-08-06T12:43:14+0800",
        "datastore": {"type": "MySQL", "version": "8.0"},
        "instance_id": INSTANCE,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_fetches_every_page() {
    let server = MockServer::start().await;
    for (offset, count) in [(0, 100), (100, 100), (200, 37)] {
        let backups: Vec<Value> = (offset..offset + count).map(record).collect();
        // `total_count` as a number on one page, as a string on the others.
        let total = if offset == 0 {
            json!(237)
        } else {
            json!("237")
        };
        Mock::given(method("GET"))
            .and(path(backups_path(PROJECT_ID)))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "100"))
            .respond_with(json_response(
                &json!({"backups": backups, "total_count": total}).to_string(),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    let list = list(PROVIDER, &server, INSTANCE).await;
    assert_eq!(list.len(), 237);
    let ids: HashSet<&str> = list
        .iter()
        .map(|b| b["backup_id"].as_str().expect("a string"))
        .collect();
    assert_eq!(ids.len(), 237, "no backup twice");
    for (n, backup) in list.iter().enumerate() {
        let n = n as u64;
        assert_backup_shape(backup, PROVIDER, INSTANCE);
        assert_eq!(backup["raw"], record(n));
        assert_eq!(backup["size_bytes"], (2803 + n) * 1024);
    }
    for request in server.received_requests().await.unwrap_or_default() {
        assert_signed(&request, PROJECT_ID);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_without_json_is_a_table() {
    let server = MockServer::start().await;
    Mock::given(path(backups_path(PROJECT_ID)))
        .respond_with(json_response(MYSQL_EXAMPLE))
        .mount(&server)
        .await;
    let run = run_at(PROVIDER, &server, &["list", "--instance", INSTANCE], ENV).await;
    assert!(run.status.success(), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[1].starts_with(&format!("{BACKUP}  COMPLETED  auto  2.7 MiB")),
        "{}",
        run.stdout
    );
    assert_eq!(lines[2], "1 backup");
}

/// Mounts `ListBackups` filtered by `BACKUP` (answering `listed`) and `ListBackupFiles`
/// (answering `files`).
async fn mount_download(server: &MockServer, project_id: &str, listed: &str, files: &str) {
    Mock::given(method("GET"))
        .and(path(backups_path(project_id)))
        .and(query_param("instance_id", INSTANCE))
        .and(query_param("backup_id", BACKUP))
        .respond_with(json_response(listed))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v3/{project_id}/backup-files")))
        .and(query_param("backup_id", BACKUP))
        .respond_with(json_response(files).insert_header("X-Request-Id", "req-files"))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_url_gives_every_file() {
    let server = MockServer::start().await;
    let files = json!({
        "files": [
            {"name": "full.qp", "size": 2803, "download_link": "https://obs.example.com/b/full.qp?sig=1",
             "link_expired_time": "2018-08-06T10:15:14+0800", "database_name": "user01"},
            // The doc example's three-digit day.
            {"name": "user02.bak", "size": "10", "download_link": "https://obs.example.com/b/user02.bak",
             "link_expired_time": "2018-08-016T10:15:14+0800"},
            {"name": "no-link-yet", "size": 1, "download_link": ""},
            {"name": "third", "download_link": "https://obs.example.com/b/third"}
        ],
        "bucket": "rdsbucket.bucketname"
    })
    .to_string();
    mount_download(&server, PROJECT_ID, MYSQL_EXAMPLE, &files).await;
    let args = [
        "download-url",
        "--instance",
        INSTANCE,
        "--backup",
        BACKUP,
        "--json",
    ];
    let links = run_at(PROVIDER, &server, &args, ENV).await.json();
    let link = |url: &str, name: &str, size: Value, expires: Value| {
        json!({
            "provider": PROVIDER, "instance_id": INSTANCE, "backup_id": BACKUP, "url": url,
            "intranet_url": null, "name": name, "size_bytes": size, "expires_at": expires,
        })
    };
    assert_eq!(
        links,
        json!([
            link(
                "https://obs.example.com/b/full.qp?sig=1",
                "full.qp",
                json!(2803 * 1024),
                json!("2018-08-06T10:15:14+08:00")
            ),
            link(
                "https://obs.example.com/b/user02.bak",
                "user02.bak",
                json!(10 * 1024),
                json!("2018-08-16T10:15:14+08:00")
            ),
            link(
                "https://obs.example.com/b/third",
                "third",
                Value::Null,
                Value::Null
            ),
        ])
    );
    let plain = run_at(PROVIDER, &server, &args[..5], ENV).await;
    assert!(plain.status.success(), "{plain:?}");
    assert_eq!(
        plain.stdout,
        "https://obs.example.com/b/full.qp?sig=1\nhttps://obs.example.com/b/user02.bak\n\
         https://obs.example.com/b/third\n"
    );
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 4, "ListBackups then ListBackupFiles, twice");
    for request in &requests {
        assert_signed(request, PROJECT_ID);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_url_of_the_documented_example() {
    let server = MockServer::start().await;
    mount_download(&server, PROJECT_ID, MYSQL_EXAMPLE, FILES_EXAMPLE).await;
    let links = run_at(
        PROVIDER,
        &server,
        &[
            "download-url",
            "--instance",
            INSTANCE,
            "--backup",
            BACKUP,
            "--json",
        ],
        ENV,
    )
    .await
    .json();
    let served: Value = serde_json::from_str(FILES_EXAMPLE).unwrap();
    let file = &served["files"][0];
    assert_eq!(links.as_array().map(Vec::len), Some(1));
    assert_eq!(links[0]["url"], file["download_link"]);
    assert_eq!(links[0]["name"], file["name"]);
    assert_eq!(links[0]["size_bytes"], 2803 * 1024);
    assert_eq!(links[0]["expires_at"], "2018-08-16T10:15:14+08:00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_url_errors_are_clear() {
    // Not a backup of this instance.
    let server = MockServer::start().await;
    mount_download(
        &server,
        PROJECT_ID,
        r#"{"backups": [], "total_count": 0}"#,
        FILES_EXAMPLE,
    )
    .await;
    let args = ["download-url", "--instance", INSTANCE, "--backup", BACKUP];
    run_at(PROVIDER, &server, &args, ENV).await.assert_error_line(&format!(
        "error: {PROVIDER}: backup {BACKUP} of instance {INSTANCE} was not found (request id req-ok)"
    ));
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1,
        "no ListBackupFiles for a backup not found"
    );

    // Still building: no file has a link.
    let server = MockServer::start().await;
    let building = MYSQL_EXAMPLE.replace("COMPLETED", "BUILDING");
    mount_download(
        &server,
        PROJECT_ID,
        &building,
        r#"{"files": [], "bucket": "b"}"#,
    )
    .await;
    run_at(PROVIDER, &server, &args, ENV)
        .await
        .assert_error_line(&format!(
            "error: {PROVIDER}: backup {BACKUP} of instance {INSTANCE} has no download URL now \
         (backup status: BUILDING) (request id req-files)"
        ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_id_option_wins_over_the_environment() {
    const OTHER_PROJECT: &str = "9f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e";
    let server = MockServer::start().await;
    mount_download(&server, OTHER_PROJECT, MYSQL_EXAMPLE, FILES_EXAMPLE).await;
    Mock::given(method("GET"))
        .and(path(backups_path(OTHER_PROJECT)))
        .respond_with(json_response(MYSQL_EXAMPLE))
        .mount(&server)
        .await;
    for args in [
        &[
            "list",
            "--instance",
            INSTANCE,
            "--project-id",
            OTHER_PROJECT,
        ][..],
        &[
            "--project-id",
            OTHER_PROJECT,
            "download-url",
            "--instance",
            INSTANCE,
            "--backup",
            BACKUP,
        ][..],
    ] {
        let run = run_at(PROVIDER, &server, args, ENV).await;
        assert!(run.status.success(), "{args:?}: {run:?}");
    }
    let requests = server.received_requests().await.unwrap_or_default();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            format!("/v3/{OTHER_PROJECT}/backups"),
            format!("/v3/{OTHER_PROJECT}/backups"),
            format!("/v3/{OTHER_PROJECT}/backup-files"),
        ]
    );
    for request in &requests {
        assert_signed(request, OTHER_PROJECT);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_show_the_gateways_code() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(wrong_credentials())
        .mount(&server)
        .await;
    for args in [
        &["list", "--instance", INSTANCE, "--json"][..],
        &["download-url", "--instance", INSTANCE, "--backup", BACKUP][..],
    ] {
        run_at(PROVIDER, &server, args, ENV).await.assert_error_line(&format!(
            "error: {PROVIDER}: APIG.0301: Incorrect IAM authentication information: verify aksk \
             signature fail (HTTP 401, request id 4d2f1a4b8e3c)"
        ));
    }
    // Authentication errors are not retried.
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_configuration_names_what_to_set() {
    let server = MockServer::start().await;
    let list = ["list", "--instance", INSTANCE];
    let project = ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT_ID);
    /// The environment, and what the error line must name.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 4] = [
        (&[project], &["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"]),
        (
            &[("HUAWEICLOUD_SDK_AK", ACCESS_KEY_ID), project],
            &["HUAWEICLOUD_SDK_SK"],
        ),
        (
            &[("HUAWEICLOUD_SDK_SK", SECRET), project],
            &["HUAWEICLOUD_SDK_AK"],
        ),
        (
            &[
                ("HUAWEICLOUD_SDK_AK", ACCESS_KEY_ID),
                ("HUAWEICLOUD_SDK_SK", SECRET),
            ],
            &["project id", "HUAWEICLOUD_SDK_PROJECT_ID"],
        ),
    ];
    for (env, needles) in cases {
        let run = run_at(PROVIDER, &server, &list, env).await;
        let line = run.error_line(&format!("error: {PROVIDER}: configuration error: "));
        for needle in needles {
            assert!(line.contains(needle), "{needle}: {line}");
        }
    }
    // No region and no endpoint.
    let no_region = run(&[PROVIDER, "list", "--instance", INSTANCE], ENV).await;
    let line = no_region.error_line(&format!("error: {PROVIDER}: configuration error: "));
    assert!(line.contains("HUAWEICLOUD_SDK_REGION"), "{line}");
    // A region the official SDK does not know.
    let unknown = run(
        &[
            PROVIDER,
            "list",
            "--instance",
            INSTANCE,
            "--region",
            "xx-nowhere-1",
        ],
        ENV,
    )
    .await;
    let line = unknown.error_line(&format!("error: {PROVIDER}: configuration error: "));
    assert!(line.contains("xx-nowhere-1"), "{line}");
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_retried_and_then_reported_in_one_line() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Request-Id", "req-throttled")
                .set_body_raw(
                    r#"{"error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second","error_code":"APIG.0308"}"#,
                    "application/json",
                ),
        )
        .mount(&server)
        .await;
    let run = run_at(PROVIDER, &server, &["list", "--instance", INSTANCE], ENV).await;
    let line = run.error_line(&format!("error: {PROVIDER}: APIG.0308: "));
    assert!(
        line.ends_with("(HTTP 429, request id req-throttled)"),
        "{line}"
    );
    assert!(
        server.received_requests().await.unwrap_or_default().len() > 1,
        "retried"
    );
}

/// `binlogs` asks `ListBackups` for the incremental backups of the range (the documented
/// PostgreSQL example is one), oldest first; `download-binlogs` then asks `ListBackupFiles`
/// for each one's files, and a file whose link is missing stops everything before a byte is
/// written, naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binlogs_are_the_incremental_backups_of_the_range() {
    let server = MockServer::start().await;
    let incremental = |id: &str, begin: &str, end: &str| {
        json!({
            "id": id, "name": format!("incremental-{id}"), "type": "incremental", "size": 3,
            "status": "COMPLETED", "begin_time": begin, "end_time": end,
            "instance_id": INSTANCE,
        })
    };
    let served = json!({
        "backups": [
            incremental("b2br01", "2026-11-01T10:00:00+0800", "2026-11-01T11:00:00+0800"),
            incremental("b1br01", "2026-11-01T08:00:00+0800", "2026-11-01T09:00:00+0800"),
        ],
        "total_count": 2,
    })
    .to_string();
    Mock::given(method("GET"))
        .and(path(backups_path(PROJECT_ID)))
        .and(query_param("backup_type", "incremental"))
        .and(query_param("begin_time", "2026-11-01T00:00:00+0000"))
        .and(query_param("end_time", "2026-11-02T00:00:00+0000"))
        .respond_with(json_response(&served))
        .mount(&server)
        .await;
    let args = [
        "binlogs",
        "--instance",
        INSTANCE,
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-02",
    ];
    let run = run_at(PROVIDER, &server, &args, ENV).await;
    assert!(run.status.success(), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[1].starts_with("incremental-b1br01  2026-11-01T08:00:00+08:00"),
        "{}",
        run.stdout
    );
    assert!(lines[2].starts_with("incremental-b2br01"), "{}", run.stdout);
    assert_eq!(lines[3], "2 log files, 6.0 KiB");
    assert_eq!(
        lines[4],
        "gap: 2026-11-01T01:00:00Z .. 2026-11-01T02:00:00Z: no log file covers it"
    );

    // Files: the first backup's has a link, the second's has none.
    Mock::given(method("GET"))
        .and(path(format!("/v3/{PROJECT_ID}/backup-files")))
        .and(query_param("backup_id", "b1br01"))
        .respond_with(json_response(
            r#"{"files":[{"name":"mysql-bin.000001","size":3,"download_link":"http://127.0.0.1:9/x","link_expired_time":"2030-01-01T00:00:00+0800"}]}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v3/{PROJECT_ID}/backup-files")))
        .and(query_param("backup_id", "b2br01"))
        .respond_with(json_response(
            r#"{"files":[{"name":"mysql-bin.000002","size":3}]}"#,
        ))
        .mount(&server)
        .await;
    let out = crate::support::scratch("huawei-binlogs");
    let out_text = out.to_str().expect("UTF-8");
    let mut download = vec!["download-binlogs"];
    download.extend_from_slice(&args[1..]);
    download.extend_from_slice(&["--out", out_text]);
    let run = run_at(PROVIDER, &server, &download, ENV).await;
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(run.stderr.contains("incremental-b2br01"), "{run:?}");
    assert!(run.stderr.contains("nothing was downloaded"), "{run:?}");
    assert!(crate::support::entries(&out).is_empty());
}
