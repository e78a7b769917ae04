//! `cloud-backup aliyun-rds ...` against wiremock.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{ACCESS_KEY_ID, SECRET, assert_backup_shape, assert_rfc3339, run};

const INSTANCE: &str = "rm-uf6wjk5xxxxxxx";
const ENV: &[(&str, &str)] = &[
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID),
    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
];

/// The documented examples (seed 001 and the English doc page).
const SEED_EXAMPLE: &str =
    include_str!("../../fixtures/aliyun-rds/examples/DescribeBackups.seed-001.json");
const DOC_EXAMPLE: &str =
    include_str!("../../fixtures/aliyun-rds/examples/DescribeBackups.doc-en.json");

fn query(request: &Request) -> BTreeMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

fn json_response(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// Backup number `i` of the 137: even ones with a numeric `BackupId` (as the doc example
/// sends it), odd ones with a string; the first is the doc example's 321020562.
fn record(i: u64) -> Value {
    let id = 321_020_562 + i;
    let backup_id = if i.is_multiple_of(2) {
        json!(id)
    } else {
        json!(id.to_string())
    };
    json!({
        "BackupId": backup_id,
        "DBInstanceId": INSTANCE,
        "BackupStatus": "Success",
        "BackupType": "FullBackup",
        "BackupMode": "Automated",
        "BackupSize": 2_167_808 + i,
        "BackupStartTime": format!("2019-02-13T12:{:02}:37Z", i % 60),
        "BackupEndTime": "2019-02-13T13:22:53Z",
        "BackupDownloadURL": format!("https://rdsbak.example.com/{id}.tar.gz"),
        "HostInstanceID": 5_882_781,
        "Encryption": {},
    })
}

/// A DescribeBackups server holding `total` backups that serves at most `cap` per page and
/// starts each page after the first `overlap` items early (as when backups are added while
/// paging); `TotalRecordCount` is a string, as the SDK model types it.
fn pager(total: u64, cap: u64, overlap: u64) -> impl Fn(&Request) -> ResponseTemplate {
    move |request: &Request| {
        let query = query(request);
        let number: u64 = query
            .get("PageNumber")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let size: u64 = query
            .get("PageSize")
            .and_then(|n| n.parse().ok())
            .unwrap_or(30);
        let size = size.min(cap);
        let start = ((number - 1) * size).saturating_sub(if number > 1 { overlap } else { 0 });
        let items: Vec<Value> = (start..(start + size).min(total)).map(record).collect();
        let body = json!({
            "RequestId": format!("req-page-{number}"),
            "PageNumber": number,
            "PageRecordCount": items.len(),
            "TotalRecordCount": total.to_string(),
            "Items": {"Backup": items},
        });
        json_response(&body.to_string())
    }
}

async fn list(server: &MockServer) -> Vec<Value> {
    let endpoint = server.uri();
    let run = run(
        &[
            "aliyun-rds",
            "list",
            "--instance",
            INSTANCE,
            "--json",
            "--endpoint",
            &endpoint,
        ],
        ENV,
    )
    .await;
    match run.json() {
        Value::Array(list) => list,
        other => panic!("not one JSON array: {other}"),
    }
}

fn assert_137_unique(list: &[Value]) {
    assert_eq!(list.len(), 137);
    let ids: HashSet<&str> = list
        .iter()
        .map(|b| b["backup_id"].as_str().expect("backup_id is a string"))
        .collect();
    assert_eq!(ids.len(), 137, "no backup twice");
    for (i, backup) in list.iter().enumerate() {
        assert_backup_shape(backup, "aliyun-rds", INSTANCE);
        assert_eq!(
            backup["raw"],
            record(i as u64),
            "raw is the record as served"
        );
        assert_eq!(backup["backup_id"], (321_020_562 + i as u64).to_string());
        assert_eq!(backup["size_bytes"], 2_167_808 + i as u64);
        assert_rfc3339(&backup["started_at"], "Z");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_fetches_every_page() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .and(query_param("DBInstanceId", INSTANCE))
        .respond_with(pager(137, 100, 0))
        .mount(&server)
        .await;
    let list = list(&server).await;
    assert_137_unique(&list);
    let first = &list[0];
    assert_eq!(first["backup_id"], "321020562");
    assert_eq!(first["raw"]["BackupId"], 321_020_562);
    assert!(
        first["raw"]["BackupId"].is_u64(),
        "a number stays a number in raw"
    );
    assert_eq!(first["status"], "Success");
    assert_eq!(first["type"], "FullBackup");
    assert_eq!(first["finished_at"], "2019-02-13T13:22:53Z");

    let pages: Vec<(String, String)> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let q = query(r);
            (q["PageNumber"].clone(), q["PageSize"].clone())
        })
        .collect();
    assert_eq!(
        pages,
        [
            ("1".to_owned(), "100".to_owned()),
            ("2".to_owned(), "100".to_owned())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_over_small_overlapping_pages_keeps_each_backup_once() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(pager(137, 30, 1))
        .mount(&server)
        .await;
    let list = list(&server).await;
    assert_137_unique(&list);
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(requests.len() >= 5, "several pages: {}", requests.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_is_the_documented_record_as_served() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(json_response(SEED_EXAMPLE))
        .mount(&server)
        .await;
    let list = list(&server).await;
    let served: Value = serde_json::from_str(SEED_EXAMPLE).unwrap();
    assert_eq!(list.len(), 1);
    let backup = &list[0];
    assert_backup_shape(backup, "aliyun-rds", INSTANCE);
    assert_eq!(backup["raw"], served["Items"]["Backup"][0]);
    assert_eq!(backup["raw"]["BackupId"], 321_020_562);
    assert_eq!(backup["backup_id"], "321020562");
    assert_eq!(backup["size_bytes"], 2_167_808);
    assert_eq!(backup["started_at"], "2019-02-13T12:20:37Z");
    assert_eq!(backup["finished_at"], "2019-02-13T12:22:53Z");
    // TotalRecordCount 1: one page.
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_repeating_its_page_cannot_make_the_listing_loop() {
    // The English doc example says TotalRecordCount 100 but holds one backup; this server
    // sends it for every page number.
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(json_response(DOC_EXAMPLE))
        .mount(&server)
        .await;
    let list = list(&server).await;
    assert_eq!(list.len(), 1);
    let served: Value = serde_json::from_str(DOC_EXAMPLE).unwrap();
    assert_eq!(list[0]["raw"], served["Items"]["Backup"][0]);
    assert_eq!(list[0]["started_at"], "2019-02-03T12:20:00Z");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_without_json_is_a_table() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(json_response(SEED_EXAMPLE))
        .mount(&server)
        .await;
    let endpoint = server.uri();
    let run = run(
        &[
            "aliyun-rds",
            "list",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
        ],
        ENV,
    )
    .await;
    assert!(run.status.success(), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[1].starts_with("321020562  Success  FullBackup  2.1 MiB"),
        "{}",
        run.stdout
    );
    assert_eq!(lines[2], "1 backup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_url_json_and_plain() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .and(query_param("BackupId", "321020562"))
        .respond_with(json_response(SEED_EXAMPLE))
        .mount(&server)
        .await;
    let served: Value = serde_json::from_str(SEED_EXAMPLE).unwrap();
    let record = &served["Items"]["Backup"][0];
    let endpoint = server.uri();
    let args = [
        "aliyun-rds",
        "download-url",
        "--instance",
        INSTANCE,
        "--backup",
        "321020562",
        "--endpoint",
        &endpoint,
    ];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let links = run(&with_json, ENV).await.json();
    assert_eq!(
        links,
        json!([{
            "provider": "aliyun-rds",
            "instance_id": INSTANCE,
            "backup_id": "321020562",
            "url": record["BackupDownloadURL"],
            "intranet_url": record["BackupIntranetDownloadURL"],
            "name": null,
            "size_bytes": 2_167_808,
            "expires_at": null
        }])
    );
    let plain = run(&args, ENV).await;
    assert!(plain.status.success(), "{plain:?}");
    assert_eq!(
        plain.stdout,
        format!("{}\n", record["BackupDownloadURL"].as_str().unwrap())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_url_errors_are_clear() {
    let server = MockServer::start().await;
    let not_ready = json!({
        "RequestId": "req-empty-url",
        "TotalRecordCount": 1,
        "Items": {"Backup": [{"BackupId": 5, "BackupStatus": "Failed", "BackupDownloadURL": ""}]},
    });
    Mock::given(query_param("BackupId", "5"))
        .respond_with(json_response(&not_ready.to_string()))
        .mount(&server)
        .await;
    Mock::given(query_param("BackupId", "6"))
        .respond_with(json_response(
            r#"{"RequestId":"req-none","TotalRecordCount":0,"Items":{"Backup":[]}}"#,
        ))
        .mount(&server)
        .await;
    let endpoint = server.uri();
    let download = |backup: &'static str| {
        let endpoint = endpoint.clone();
        async move {
            run(
                &[
                    "aliyun-rds",
                    "download-url",
                    "--instance",
                    INSTANCE,
                    "--backup",
                    backup,
                    "--endpoint",
                    &endpoint,
                ],
                ENV,
            )
            .await
        }
    };
    download("5").await.assert_error_line(&format!(
        "error: aliyun-rds: backup 5 of instance {INSTANCE} has no download URL now \
         (backup status: Failed) (request id req-empty-url)"
    ));
    download("6").await.assert_error_line(&format!(
        "error: aliyun-rds: backup 6 of instance {INSTANCE} was not found (request id req-none)"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_does_not_match_is_one_line_with_code_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            json!({
                "RequestId": "6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581",
                "HostId": "rds.aliyuncs.com",
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
                "Recommend": "https://api.alibabacloud.com/troubleshoot?q=SignatureDoesNotMatch&product=Rds"
            })
            .to_string(),
            "application/json",
        ))
        .mount(&server)
        .await;
    let endpoint = server.uri();
    for command in [
        &[
            "aliyun-rds",
            "list",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
            "--json",
        ][..],
        &[
            "aliyun-rds",
            "download-url",
            "--instance",
            INSTANCE,
            "--backup",
            "1",
            "--endpoint",
            &endpoint,
        ][..],
    ] {
        run(command, ENV).await.assert_error_line(
            "error: aliyun-rds: SignatureDoesNotMatch: Specified signature is not matched with \
             our calculation. (HTTP 400, request id 6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581)",
        );
    }
    // Signature errors are not retried.
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_name_the_variables() {
    let server = MockServer::start().await;
    let endpoint = server.uri();
    let run = run(
        &[
            "aliyun-rds",
            "list",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
        ],
        &[],
    )
    .await;
    let line = run.error_line("error: aliyun-rds: configuration error: ");
    assert!(line.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{line}");
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_replaces_only_the_host() {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(json_response(SEED_EXAMPLE))
        .mount(&server)
        .await;
    let endpoint = format!("{}/", server.uri());
    let ok = run(
        &[
            "aliyun-rds",
            "list",
            "--region",
            "cn-shanghai",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
            "--json",
        ],
        ENV,
    )
    .await;
    assert_eq!(ok.json().as_array().map(Vec::len), Some(1));
    let with_path = format!("{}/rds", server.uri());
    let bad = run(
        &[
            "aliyun-rds",
            "list",
            "--instance",
            INSTANCE,
            "--endpoint",
            &with_path,
        ],
        ENV,
    )
    .await;
    bad.error_line("error: aliyun-rds: configuration error: ");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
}
