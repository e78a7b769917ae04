//! `cloud-backup capitalonline-mysql ...` against wiremock.

use std::collections::BTreeMap;

use cloud_signer::rpc::{self, RpcFlavor};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{ACCESS_KEY_ID, SECRET, assert_backup_shape, assert_rfc3339, run};

const INSTANCE: &str = "0f3c5b4e-1234-4abc-9def-0123456789ab";
const ENV: &[(&str, &str)] = &[("CDS_SECRET_ID", ACCESS_KEY_ID), ("CDS_SECRET_KEY", SECRET)];

/// The documented examples (seeds 000 and 002).
const DESCRIBE_EXAMPLE: &str =
    include_str!("../../fixtures/capitalonline-mysql/examples/DescribeBackups.seed-000.json");
const DOWNLOAD_EXAMPLE: &str =
    include_str!("../../fixtures/capitalonline-mysql/examples/DownloadBackup.seed-002.json");

fn json_response(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

async fn mount(server: &MockServer, action: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/mysql/"))
        .and(query_param("Action", action))
        .respond_with(response)
        .mount(server)
        .await;
}

/// Checks one received request: the query, and its signature recomputed with the secret.
fn assert_signed(request: &Request, action: &str) -> BTreeMap<String, String> {
    let query: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
    assert_eq!(request.url.path(), "/mysql/");
    assert_eq!(query["Action"], action);
    assert_eq!(query["Version"], "2019-08-08");
    assert_eq!(query["AccessKeyId"], ACCESS_KEY_ID);
    assert_eq!(query["InstanceUuid"], INSTANCE);
    let expected = rpc::compute_signature(RpcFlavor::CapitalOnline, "GET", &query, SECRET);
    assert!(expected.matches(&query["Signature"]), "{query:?}");
    query
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_follows_the_contract() {
    let server = MockServer::start().await;
    let body = json!({
        "Code": "Success",
        "Message": "Success.",
        "Data": [
            {"BackupId": "c7a1e3f0-0001", "BackupMode": "auto", "BackupSize": 677496,
             "BackupType": "logical-backup", "Desc": "", "EndTime": "2020-06-18 04:10:13",
             "InstanceId": INSTANCE, "StartTime": "2020-06-18 04:09:59", "Status": "finished",
             "BackupStrategy": "db"},
            {"BackupId": 42, "BackupMode": "manual", "BackupSize": "74464.0",
             "BackupType": "physical-backup", "EndTime": "", "StartTime": "2020-06-15 15:04:41",
             "Status": "running", "Extra": {"nested": [1, 2.5, null]}}
        ]
    });
    mount(&server, "DescribeBackups", json_response(&body.to_string())).await;
    let endpoint = server.uri();
    let run = run(
        &[
            "capitalonline-mysql",
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
    let list = run.json();
    let list = list.as_array().expect("one JSON array");
    assert_eq!(list.len(), 2);
    for backup in list {
        assert_backup_shape(backup, "capitalonline-mysql", INSTANCE);
    }
    let first = &list[0];
    assert_eq!(first["backup_id"], "c7a1e3f0-0001");
    assert_eq!(first["status"], "finished");
    assert_eq!(first["size_bytes"], 677_496);
    assert_eq!(first["type"], "logical-backup");
    assert_eq!(first["started_at"], "2020-06-18T04:09:59+08:00");
    assert_eq!(first["finished_at"], "2020-06-18T04:10:13+08:00");
    assert_rfc3339(&first["started_at"], "+08:00");
    assert_eq!(first["raw"], body["Data"][0]);

    let second = &list[1];
    assert_eq!(second["backup_id"], "42");
    assert_eq!(second["raw"]["BackupId"], 42, "raw keeps the number");
    assert_eq!(second["size_bytes"], 74_464);
    assert_eq!(
        second["raw"]["BackupSize"], "74464.0",
        "raw keeps the string"
    );
    assert_eq!(second["finished_at"], Value::Null);
    assert_eq!(second["raw"], body["Data"][1]);

    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
    assert_signed(&requests[0], "DescribeBackups");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_example_lists_every_record() {
    let server = MockServer::start().await;
    mount(&server, "DescribeBackups", json_response(DESCRIBE_EXAMPLE)).await;
    let endpoint = format!("{}/", server.uri());
    let run = run(
        &[
            "capitalonline-mysql",
            "list",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
            "--json",
        ],
        ENV,
    )
    .await;
    let list = run.json();
    let served: Value = serde_json::from_str(DESCRIBE_EXAMPLE).unwrap();
    let list = list.as_array().unwrap();
    // The example masks every id the same way; the records are still four.
    assert_eq!(list.len(), 4);
    let sizes: Vec<u64> = list
        .iter()
        .map(|b| b["size_bytes"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [677_496, 677_494, 677_498, 677_484]);
    for (i, backup) in list.iter().enumerate() {
        assert_backup_shape(backup, "capitalonline-mysql", INSTANCE);
        assert_rfc3339(&backup["started_at"], "+08:00");
        assert_rfc3339(&backup["finished_at"], "+08:00");
        assert_eq!(backup["raw"], served["Data"][i]);
    }
    assert_eq!(list[3]["started_at"], "2020-06-15T15:04:41+08:00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_without_json_is_a_table_with_human_sizes() {
    let server = MockServer::start().await;
    mount(&server, "DescribeBackups", json_response(DESCRIBE_EXAMPLE)).await;
    let endpoint = server.uri();
    let run = run(
        &[
            "capitalonline-mysql",
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
    assert!(lines[0].starts_with("BACKUP ID"), "{}", run.stdout);
    assert!(lines[1].contains("661.6 KiB"), "{}", run.stdout);
    assert!(
        lines[1].contains("2020-06-18T04:09:59+08:00"),
        "{}",
        run.stdout
    );
    assert_eq!(lines.last(), Some(&"4 backups"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_url_json_and_plain() {
    let server = MockServer::start().await;
    mount(&server, "DownloadBackup", json_response(DOWNLOAD_EXAMPLE)).await;
    let endpoint = server.uri();
    let args = [
        "capitalonline-mysql",
        "download-url",
        "--instance",
        INSTANCE,
        "--backup",
        "bk-7",
        "--endpoint",
        &endpoint,
    ];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let links = run(&with_json, ENV).await.json();
    assert_eq!(
        links,
        json!([{
            "provider": "capitalonline-mysql",
            "instance_id": INSTANCE,
            "backup_id": "bk-7",
            "url": "https://gic.***************",
            "intranet_url": "http://88.***************",
            "name": null,
            "size_bytes": 68140,
            "expires_at": null
        }])
    );
    let plain = run(&args, ENV).await;
    assert!(plain.status.success(), "{plain:?}");
    assert_eq!(plain.stdout, "https://gic.***************\n");

    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        let query = assert_signed(request, "DownloadBackup");
        assert_eq!(query["BackupId"], "bk-7");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_without_a_download_url_is_a_clear_error() {
    let server = MockServer::start().await;
    mount(
        &server,
        "DownloadBackup",
        json_response(
            r#"{"Code":"Success","Data":{"BackupDownloadUrl":"","Status":"running"},"TaskId":""}"#,
        )
        .insert_header("cds-request-id", "cds-9"),
    )
    .await;
    let endpoint = server.uri();
    let run = run(
        &[
            "capitalonline-mysql",
            "download-url",
            "--instance",
            INSTANCE,
            "--backup",
            "bk-7",
            "--endpoint",
            &endpoint,
            "--json",
        ],
        ENV,
    )
    .await;
    run.assert_error_line(&format!(
        "error: capitalonline-mysql: backup bk-7 of instance {INSTANCE} has no download URL now \
         (backup status: running) (request id cds-9)"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_other_than_success_with_http_200_is_an_error() {
    let server = MockServer::start().await;
    mount(
        &server,
        "DescribeBackups",
        json_response(
            r#"{"Code":"InvalidParameter","Message":"InstanceUuid is invalid","TaskId":""}"#,
        )
        .insert_header("cds-request-id", "cds-req-42"),
    )
    .await;
    let endpoint = server.uri();
    let run = run(
        &[
            "capitalonline-mysql",
            "list",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
            "--json",
        ],
        ENV,
    )
    .await;
    run.assert_error_line(
        "error: capitalonline-mysql: InvalidParameter: InstanceUuid is invalid \
         (HTTP 200, request id cds-req-42)",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_show_the_providers_code() {
    let server = MockServer::start().await;
    mount(
        &server,
        "DescribeBackups",
        ResponseTemplate::new(400)
            .set_body_string(r#"{"Code":"SignatureDoesNotMatch","Message":"请求的签名经过计算跟你提供的签名不匹配"}"#)
            .insert_header("cds-request-id", "cds-sig-1"),
    )
    .await;
    let endpoint = server.uri();
    let run = run(
        &[
            "capitalonline-mysql",
            "list",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
        ],
        ENV,
    )
    .await;
    run.assert_error_line(
        "error: capitalonline-mysql: SignatureDoesNotMatch: 请求的签名经过计算跟你提供的签名不匹配 \
         (HTTP 400, request id cds-sig-1)",
    );
    // Not retried.
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_name_the_variables() {
    let server = MockServer::start().await;
    let endpoint = server.uri();
    for env in [
        &[][..],
        &[("CDS_SECRET_ID", ACCESS_KEY_ID)][..],
        &[("CDS_SECRET_KEY", SECRET)][..],
    ] {
        let run = run(
            &[
                "capitalonline-mysql",
                "list",
                "--instance",
                INSTANCE,
                "--endpoint",
                &endpoint,
            ],
            env,
        )
        .await;
        let line = run.error_line("error: capitalonline-mysql: ");
        assert!(line.contains("CDS_SECRET_ID and CDS_SECRET_KEY"), "{line}");
    }
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regions_and_endpoints() {
    let server = MockServer::start().await;
    mount(&server, "DescribeBackups", json_response(DESCRIBE_EXAMPLE)).await;
    let endpoint = server.uri();
    // The endpoint wins over the region.
    let ok = run(
        &[
            "capitalonline-mysql",
            "list",
            "--region",
            "asia",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
            "--json",
        ],
        ENV,
    )
    .await;
    assert_eq!(ok.json().as_array().map(Vec::len), Some(4));

    let bad_region = run(
        &[
            "capitalonline-mysql",
            "list",
            "--region",
            "mars",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
        ],
        ENV,
    )
    .await;
    let line = bad_region.error_line("error: capitalonline-mysql: configuration error: ");
    assert!(line.contains("cn, asia, us"), "{line}");

    let with_path = format!("{endpoint}/mysql");
    let bad_endpoint = run(
        &[
            "capitalonline-mysql",
            "list",
            "--instance",
            INSTANCE,
            "--endpoint",
            &with_path,
        ],
        ENV,
    )
    .await;
    let line = bad_endpoint
        .error_line("error: capitalonline-mysql: configuration error: invalid endpoint");
    assert!(line.contains("scheme://host[:port]"), "{line}");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
}
