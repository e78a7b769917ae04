//! `cloud-backup huaweicloud-gaussdb ...` against wiremock.

use std::collections::HashSet;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

use crate::support::huawei::{
    ENV, PROJECT_ID, assert_signed, json_response, list, run_at, wrong_credentials,
};
use crate::support::{ACCESS_KEY_ID, SECRET, assert_backup_shape, assert_rfc3339, run};

const PROVIDER: &str = "huaweicloud-gaussdb";
const INSTANCE: &str = "61a4ea66210545909d74a05c27a7179ein07";

/// The documented example (seed 004).
const EXAMPLE: &str =
    include_str!("../../fixtures/huaweicloud-gaussdb/examples/ShowInstanceBackups.seed-004.json");

fn backups_path(project_id: &str) -> String {
    format!("/v3/{project_id}/instances/{INSTANCE}/backups")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_follows_the_contract() {
    let server = MockServer::start().await;
    let example: Value = serde_json::from_str(EXAMPLE).unwrap();
    // The documented record; one in MB in another zone with a numeric size; one with the
    // docs' `"id "` key and no zone.
    let served = json!({
        "backups": [
            example["backups"][0],
            {"id": "backup-002", "size": 1.5, "size_unit": "MB", "status": "BUILDING",
             "created": "2026-01-04 17:30:30", "updated": "2026-01-04 17:31:00",
             "time_zone": "UTC-03:30", "backup_type": "Snapshot", "new_member": [1, null]},
            {"id ": "backup-003", "size": "2", "created": "2026-01-04 17:30:30"}
        ],
        "total_count": "3"
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
        assert_eq!(
            backup["finished_at"],
            Value::Null,
            "GaussDB sends no end time"
        );
    }

    let first = &list[0];
    assert_eq!(first["backup_id"], "backup-001");
    assert_eq!(first["status"], "COMPLETED");
    assert_eq!(first["type"], "Db");
    assert_eq!(first["size_bytes"], 74_464 * 1024, "kB become bytes");
    assert_eq!(first["raw"]["size"], "74464.0", "raw keeps the string");
    assert_eq!(first["started_at"], "2026-01-04T17:30:30+08:00");
    assert_rfc3339(&first["started_at"], "+08:00");

    let second = &list[1];
    assert_eq!(second["size_bytes"], 1_572_864, "size_unit MB is honoured");
    assert!(second["raw"]["size"].is_f64(), "raw keeps the number");
    assert_eq!(second["started_at"], "2026-01-04T17:30:30-03:30");
    assert_eq!(second["type"], "Snapshot");

    let third = &list[2];
    assert_eq!(third["backup_id"], "");
    assert_eq!(third["raw"]["id "], "backup-003");
    assert_eq!(
        third["size_bytes"],
        2 * 1024,
        "KB when size_unit is missing"
    );
    assert_eq!(
        third["started_at"],
        Value::Null,
        "no time_zone: the zone is not guessed"
    );

    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].url.query(),
        Some("limit=100&offset=0"),
        "the canonical order"
    );
    assert_signed(&requests[0], PROJECT_ID);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_example_as_a_table() {
    let server = MockServer::start().await;
    Mock::given(path(backups_path(PROJECT_ID)))
        .respond_with(json_response(EXAMPLE))
        .mount(&server)
        .await;
    let run = run_at(PROVIDER, &server, &["list", "--instance", INSTANCE], ENV).await;
    assert!(run.status.success(), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[1],
        "backup-001  COMPLETED  Db    72.7 MiB  2026-01-04T17:30:30+08:00  -"
    );
    assert_eq!(lines[2], "1 backup");
}

/// Backup number `n` of a listing.
fn record(n: u64) -> Value {
    json!({
        "id": format!("{n:04}-backup"),
        "name": format!("daily-{n}"),
        "size": format!("{}.0", 100 + n),
        "size_unit": "KB",
        "status": "COMPLETED",
        "created": "2026-01-04 17:30:30",
        "updated": "2026-01-04 17:34:24",
        "time_zone": "UTC+08:00",
        "backup_type": "Db",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_fetches_every_page_with_a_string_total() {
    let server = MockServer::start().await;
    for (offset, count) in [(0, 100), (100, 100), (200, 5)] {
        let backups: Vec<Value> = (offset..offset + count).map(record).collect();
        Mock::given(method("GET"))
            .and(path(backups_path(PROJECT_ID)))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "100"))
            .respond_with(json_response(
                &json!({"backups": backups, "total_count": "205"}).to_string(),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    let list = list(PROVIDER, &server, INSTANCE).await;
    assert_eq!(list.len(), 205);
    let ids: HashSet<&str> = list
        .iter()
        .map(|b| b["backup_id"].as_str().expect("a string"))
        .collect();
    assert_eq!(ids.len(), 205, "no backup twice");
    for (n, backup) in list.iter().enumerate() {
        let n = n as u64;
        assert_eq!(backup["raw"], record(n));
        assert_eq!(backup["size_bytes"], (100 + n) * 1024);
    }
    for request in server.received_requests().await.unwrap_or_default() {
        assert_signed(&request, PROJECT_ID);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_url_says_there_is_no_such_api_and_names_the_alternatives() {
    let server = MockServer::start().await;
    let expected = format!(
        "error: {PROVIDER}: configuration error: GaussDB for MySQL (TaurusDB) has no API for \
         backup download links, so backup backup-001 of instance {INSTANCE} cannot be \
         downloaded from here: restore it from the Huawei Cloud console (TaurusDB > Backups > \
         Restore), or export the instance's data to an OBS bucket of your own"
    );
    let args = [
        "download-url",
        "--instance",
        INSTANCE,
        "--backup",
        "backup-001",
    ];
    // The same answer with or without credentials, with or without --json.
    for env in [ENV, &[]] {
        run_at(PROVIDER, &server, &args, env)
            .await
            .assert_error_line(&expected);
        let mut with_json = args.to_vec();
        with_json.push("--json");
        run_at(PROVIDER, &server, &with_json, env)
            .await
            .assert_error_line(&expected);
    }
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing is sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_id_option_wins_over_the_environment() {
    const OTHER_PROJECT: &str = "619d3e78f61b4be68bc5aa0b59edcf7b";
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(backups_path(OTHER_PROJECT)))
        .respond_with(json_response(EXAMPLE))
        .expect(2)
        .mount(&server)
        .await;
    let run = run_at(
        PROVIDER,
        &server,
        &[
            "list",
            "--project-id",
            OTHER_PROJECT,
            "--instance",
            INSTANCE,
            "--json",
        ],
        ENV,
    )
    .await;
    assert_eq!(run.json().as_array().map(Vec::len), Some(1));
    let requests = server.received_requests().await.unwrap_or_default();
    assert_signed(&requests[0], OTHER_PROJECT);

    // Without a project in the environment, the option alone does.
    let env: Vec<(&str, &str)> = ENV
        .iter()
        .copied()
        .filter(|(name, _)| *name != "HUAWEICLOUD_SDK_PROJECT_ID")
        .collect();
    let run = run_at(
        PROVIDER,
        &server,
        &[
            "list",
            "--instance",
            INSTANCE,
            "--project-id",
            OTHER_PROJECT,
        ],
        &env,
    )
    .await;
    assert!(run.status.success(), "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_show_the_gateways_code() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(wrong_credentials())
        .mount(&server)
        .await;
    run_at(
        PROVIDER,
        &server,
        &["list", "--instance", INSTANCE, "--json"],
        ENV,
    )
    .await
    .assert_error_line(&format!(
        "error: {PROVIDER}: APIG.0301: Incorrect IAM authentication information: verify aksk \
             signature fail (HTTP 401, request id 4d2f1a4b8e3c)"
    ));
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1,
        "not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_configuration_names_what_to_set() {
    let server = MockServer::start().await;
    let list = ["list", "--instance", INSTANCE];
    let no_credentials = run_at(PROVIDER, &server, &list, &[]).await;
    let line = no_credentials.error_line(&format!("error: {PROVIDER}: configuration error: "));
    assert!(line.contains("HUAWEICLOUD_SDK_AK"), "{line}");
    let no_project = run_at(
        PROVIDER,
        &server,
        &list,
        &[
            ("HUAWEICLOUD_SDK_AK", ACCESS_KEY_ID),
            ("HUAWEICLOUD_SDK_SK", SECRET),
        ],
    )
    .await;
    let line = no_project.error_line(&format!("error: {PROVIDER}: configuration error: "));
    assert!(line.contains("HUAWEICLOUD_SDK_PROJECT_ID"), "{line}");
    // The command line's words, never a Rust API (Config::with_project_id).
    assert!(line.contains("--project-id"), "{line}");
    assert!(!line.contains("::"), "{line}");
    let no_region = run(&[PROVIDER, "list", "--instance", INSTANCE], ENV).await;
    let line = no_region.error_line(&format!("error: {PROVIDER}: configuration error: "));
    assert!(line.contains("HUAWEICLOUD_SDK_REGION"), "{line}");
    assert!(line.contains("--region"), "{line}");
    assert!(!line.contains("::"), "{line}");
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}
