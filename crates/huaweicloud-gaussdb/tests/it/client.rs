//! The client against wiremock on 127.0.0.1: the request on the wire, paging with
//! `total_count` as a string (typed and as records), throttling, error mapping, the documented
//! example, checks.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use huaweicloud_gaussdb::{
    BackupV3, Client, Clock, Config, Credentials, ErrorKind, HttpConfig,
    ListGaussMySqlInstancesUnifyStatusRequest, Record, RetryPolicy,
    ShowGaussMySqlBackupPolicyRequest, ShowInstanceBackupsRequest,
};
use serde_json::{Value, json};
use time::macros::datetime;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::example;

const PROJECT_ID: &str = "619d3e78f61b4be68bc5aa0b59edcf7b";
const INSTANCE_ID: &str = "61a4ea66210545909d74a05c27a7179ein07";
const BACKUPS_PATH: &str =
    "/v3/619d3e78f61b4be68bc5aa0b59edcf7b/instances/61a4ea66210545909d74a05c27a7179ein07/backups";

fn fast_http() -> HttpConfig {
    HttpConfig::default()
        .with_clock(Clock::fixed(datetime!(2024-01-01 00:00:00 UTC)))
        .with_retry(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
        )
}

fn client(server: &MockServer) -> Client {
    let config = Config::new(Credentials::new("AKTESTAKTEST", "SKTESTSKTEST"), PROJECT_ID)
        .with_endpoint(server.uri())
        .expect("the server's URI is an endpoint")
        .with_http(fast_http());
    Client::new(config).expect("a valid configuration")
}

#[tokio::test]
async fn the_documented_request_and_response() {
    let server = MockServer::start().await;
    // Seed 004, 请求示例: ...?offset=0&limit=100.
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .and(query_param("offset", "0"))
        .and(query_param("limit", "100"))
        .and(header("content-type", "application/json"))
        .and(header("x-project-id", PROJECT_ID))
        .and(header("x-sdk-date", "20240101T000000Z"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("ShowInstanceBackups.seed-004.json")),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    let request = ShowInstanceBackupsRequest::new(INSTANCE_ID)
        .with_offset(0)
        .with_limit(100);
    let response = client.show_instance_backups(&request).await.unwrap();
    // "total_count": "1", a string.
    assert_eq!(response.total_count, Some(1));
    let backup = &response.backups[0];
    assert_eq!(backup.id.as_deref(), Some("backup-001"));
    // Raw values as sent, typed values beside them.
    assert_eq!(backup.size.as_deref(), Some("74464.0"));
    assert_eq!(backup.size_unit.as_deref(), Some("KB"));
    assert_eq!(backup.size_bytes(), Some(74_464 * 1024));
    assert_eq!(backup.created.as_deref(), Some("2026-01-04 17:30:30"));
    assert_eq!(backup.time_zone.as_deref(), Some("UTC+08:00"));
    assert_eq!(
        backup.created_at(),
        Some(datetime!(2026-01-04 17:30:30 +08:00))
    );
    assert_eq!(
        backup.updated_at(),
        Some(datetime!(2026-01-04 17:34:24 +08:00))
    );

    let raw = client.show_instance_backups_raw(&request).await.unwrap();
    assert_eq!(
        raw.body().as_ref(),
        example!("ShowInstanceBackups.seed-004.json").as_bytes()
    );

    let received = server.received_requests().await.unwrap();
    let authorization = received[0].headers["authorization"].to_str().unwrap();
    assert!(
        authorization.starts_with(
            "SDK-HMAC-SHA256 Access=AKTESTAKTEST, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature="
        ),
        "{authorization}"
    );
}

#[tokio::test]
async fn every_option_goes_on_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .and(query_param("offset", "5"))
        .and(query_param("limit", "20"))
        .and(query_param("order_field", "beginTime"))
        .and(query_param("order_rule", "desc"))
        .and(query_param("filter_field", "name"))
        .and(query_param("filter_content", "daily backup+1"))
        .and(header("x-language", "zh-cn"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("ShowInstanceBackups.seed-004.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let request = ShowInstanceBackupsRequest::new(INSTANCE_ID)
        .with_offset(5)
        .with_limit(20)
        .with_order_field("beginTime")
        .with_order_rule("desc")
        .with_filter_field("name")
        .with_filter_content("daily backup+1")
        .with_x_language("zh-cn");
    client(&server)
        .show_instance_backups(&request)
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    let authorization = received[0].headers["authorization"].to_str().unwrap();
    assert!(
        authorization
            .contains("SignedHeaders=content-type;host;x-language;x-project-id;x-sdk-date,"),
        "{authorization}"
    );
}

#[tokio::test]
async fn the_instance_id_is_encoded_into_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"backups\":[]}"))
        .mount(&server)
        .await;
    client(&server)
        .show_instance_backups(&ShowInstanceBackupsRequest::new("in 07/x"))
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        received[0].url.path(),
        format!("/v3/{PROJECT_ID}/instances/in%2007%2Fx/backups")
    );
    assert!(received[0].url.query().is_none());
}

/// A page of `count` backups starting at number `start`; `total_count` as a string.
fn page(start: usize, count: usize) -> Value {
    let backups: Vec<Value> = (start..start + count)
        .map(|n| {
            json!({
                "id": format!("backup-{n:03}"),
                "name": format!("b{n}"),
                "size": "74464.0",
                "size_unit": "KB",
                "status": "COMPLETED",
                "created": "2026-01-04 17:30:30",
                "time_zone": "UTC+08:00",
            })
        })
        .collect();
    json!({"backups": backups, "total_count": "250"})
}

#[tokio::test]
async fn pages_over_250_backups_with_a_string_total() {
    let server = MockServer::start().await;
    for (offset, count) in [(0, 100), (100, 100), (200, 50)] {
        Mock::given(method("GET"))
            .and(path(BACKUPS_PATH))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "100"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(offset, count)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let backups: Vec<_> = client(&server)
        .instance_backups(ShowInstanceBackupsRequest::new(INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<String> = backups.iter().map(|b| b.id.clone().unwrap()).collect();
    let want: Vec<String> = (0..250).map(|n| format!("backup-{n:03}")).collect();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn throttled_then_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).set_body_string(example!("error.apig-throttling.json")),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("ShowInstanceBackups.seed-004.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server)
        .show_instance_backups(&ShowInstanceBackupsRequest::new(INSTANCE_ID))
        .await
        .unwrap();
    assert_eq!(response.backups.len(), 1);
}

#[tokio::test]
async fn gateway_throttling_code_alone_is_throttling() {
    // APIGW.0308 with a status other than 429 is still throttling, and retried.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "error_code": "APIGW.0308",
            "error_msg": "The throttling threshold has been reached",
            "request_id": "gw-1"
        })))
        // Three attempts, and ten retries after throttling that do not count against them.
        .expect(3 + 10)
        .mount(&server)
        .await;
    let error = client(&server)
        .show_instance_backups(&ShowInstanceBackupsRequest::new(INSTANCE_ID))
        .await
        .unwrap_err();
    assert!(error.is_throttling());
    assert_eq!(error.request_id(), Some("gw-1"));
}

#[tokio::test]
async fn service_errors_keep_code_message_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("X-Request-Id", "req-42")
                .set_body_string(example!("error.providers-3.6.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .show_instance_backups(&ShowInstanceBackupsRequest::new(INSTANCE_ID))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.code(), Some("DBS.280234"));
    assert_eq!(error.message(), Some("Invalid DB instance name."));
    assert_eq!(error.request_id(), Some("req-42"));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn invalid_requests_are_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server);
    for request in [
        ShowInstanceBackupsRequest::new(""),
        ShowInstanceBackupsRequest::new(INSTANCE_ID).with_limit(0),
        ShowInstanceBackupsRequest::new(INSTANCE_ID).with_limit(101),
        ShowInstanceBackupsRequest::new(INSTANCE_ID).with_offset(-1),
    ] {
        let error = client.show_instance_backups(&request).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config, "{request:?}");
        let results: Vec<_> = client.instance_backups(request).collect().await;
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }
}

#[test]
fn regions_pick_the_host_prefix() {
    let config = Config::new(Credentials::new("ak", "sk"), PROJECT_ID);
    for (region, endpoint) in [
        ("cn-north-4", "https://gaussdb.cn-north-4.myhuaweicloud.com"),
        (
            "ap-southeast-1",
            "https://gaussdbformysql.ap-southeast-1.myhuaweicloud.com",
        ),
        (
            "af-south-1",
            "https://gaussdb-mysql.af-south-1.myhuaweicloud.com",
        ),
    ] {
        let client = Client::new(config.clone().with_region(region)).unwrap();
        assert_eq!(client.endpoint().as_str(), endpoint);
    }
    let error = Client::new(config.with_region("eu-west-101")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(
        error.to_string().contains("set the endpoint explicitly"),
        "{error}"
    );
    assert_eq!(huaweicloud_gaussdb::SERVICE.regions().count(), 20);
}

#[tokio::test]
async fn instance_backup_records_page_as_instance_backups_do_and_keep_each_as_served() {
    let server = MockServer::start().await;
    let pages = [(0, 100), (100, 100), (200, 50)].map(|(offset, count)| {
        let mut body = page(offset, count);
        // A number where the docs say string, an extra member.
        body["backups"][0]["size"] = json!(74464);
        body["backups"][1]["new_member"] = json!({"a": [1, 2.5, null]});
        (offset, body)
    });
    for (offset, body) in &pages {
        Mock::given(method("GET"))
            .and(path(BACKUPS_PATH))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "100"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(2)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let records: Vec<Record<BackupV3>> = client
        .instance_backup_records(ShowInstanceBackupsRequest::new(INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    let served: Vec<&Value> = pages
        .iter()
        .flat_map(|(_, body)| body["backups"].as_array().unwrap())
        .collect();
    assert_eq!(records.len(), 250);
    for (record, served) in records.iter().zip(&served) {
        assert_eq!(&&record.raw, served, "raw is the element as served");
    }
    assert!(records[0].raw["size"].is_u64(), "the number stays a number");
    assert_eq!(
        records[1].raw["size"], "74464.0",
        "the string stays a string"
    );
    assert_eq!(records[0].value.size_bytes(), Some(74_464 * 1024));
    // The typed stream yields the same backups from the same pages (each mock expects two).
    let backups: Vec<BackupV3> = client
        .instance_backups(ShowInstanceBackupsRequest::new(INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        records.iter().map(|r| &r.value).collect::<Vec<_>>(),
        backups.iter().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn instance_backup_records_of_the_documented_example() {
    let server = MockServer::start().await;
    let text = example!("ShowInstanceBackups.seed-004.json");
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string(text))
        .expect(1)
        .mount(&server)
        .await;
    let records: Vec<Record<BackupV3>> = client(&server)
        .instance_backup_records(ShowInstanceBackupsRequest::new(INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    let served: Value = serde_json::from_str(text).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].raw, served["backups"][0]);
    assert_eq!(
        records[0].value.created_at(),
        Some(datetime!(2026-01-04 17:30:30 +08:00))
    );
}

#[tokio::test]
async fn instance_backup_records_stop_on_a_repeated_page_and_yield_an_error_once() {
    let server = MockServer::start().await;
    // A server that ignores `offset`, claiming 250 backups.
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0, 100)))
        .expect(2)
        .mount(&server)
        .await;
    let records: Vec<Record<BackupV3>> = client(&server)
        .instance_backup_records(ShowInstanceBackupsRequest::new(INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(records.len(), 100);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("X-Request-Id", "req-400")
                .set_body_string(example!("error.providers-3.6.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let results: Vec<_> = client(&server)
        .instance_backup_records(ShowInstanceBackupsRequest::new(INSTANCE_ID))
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.request_id(), Some("req-400"));
}

#[tokio::test]
async fn instances_of_the_documented_example_from_the_v3_1_listing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3.1/619d3e78f61b4be68bc5aa0b59edcf7b/instances"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("ListGaussMySqlInstances.v3.otc-mirror.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let records: Vec<_> = client(&server)
        .instance_records(ListGaussMySqlInstancesUnifyStatusRequest::default())
        .try_collect()
        .await
        .unwrap();
    let served: serde_json::Value =
        serde_json::from_str(example!("ListGaussMySqlInstances.v3.otc-mirror.json")).unwrap();
    assert!(!records.is_empty());
    assert_eq!(records[0].raw, served["instances"][0]);
    let instance = &records[0].value;
    assert_eq!(
        instance.id.as_deref(),
        served["instances"][0]["id"].as_str()
    );
    // A number where the SDK says string is read as its text.
    assert_eq!(instance.port.as_deref(), Some("3306"));
    // The documented `_0800` is kept as sent (not a valid offset).
    assert!(
        instance
            .created
            .as_deref()
            .is_some_and(|c| c.ends_with("_0800"))
    );
}

#[tokio::test]
async fn the_backup_policy_of_the_documented_example() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{}/policy", BACKUPS_PATH)))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("ShowGaussMySqlBackupPolicy.otc-mirror.json")),
        )
        .mount(&server)
        .await;
    let policy = client(&server)
        .show_backup_policy(&ShowGaussMySqlBackupPolicyRequest::new(INSTANCE_ID))
        .await
        .unwrap()
        .backup_policy
        .unwrap();
    // `"keep_days" : "7,"`: not a number, so no value rather than a wrong one.
    assert_eq!(policy.keep_days, None);
    assert!(policy.start_time.is_some());
}

#[tokio::test]
async fn create_and_delete_backups_never_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/619d3e78f61b4be68bc5aa0b59edcf7b/backups/create"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "backup": {"id": "b1182ccdda034f2b9535f3dca5c47e71br07", "name": "backup-1",
                       "begin_time": "2020-07-07T01:17:05+0800", "status": "BUILDING", "type": "manual",
                       "instance_id": INSTANCE_ID},
            "job_id": "e0fbbfc8-1ac4-4721-b9e9-7dd685c5bdd7"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(
            "/v3/619d3e78f61b4be68bc5aa0b59edcf7b/backups/b1182ccdda034f2b9535f3dca5c47e71br07",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("DeleteGaussMySqlBackup.otc-mirror.json")),
        )
        .mount(&server)
        .await;
    let first = client(&server);
    let request = huaweicloud_gaussdb::CreateGaussMySqlBackupRequest::new(INSTANCE_ID, "backup-1");
    let created = first.create_backup(&request).await.unwrap();
    assert_eq!(
        created.job_id.as_deref(),
        Some("e0fbbfc8-1ac4-4721-b9e9-7dd685c5bdd7")
    );
    let id = created.backup.unwrap().id.unwrap();
    let deleted = first
        .delete_backup(&huaweicloud_gaussdb::DeleteGaussMySqlBackupRequest::new(
            &id,
        ))
        .await
        .unwrap();
    assert_eq!(deleted.backup_id.as_deref(), Some(id.as_str()));

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(502)
                .set_body_string("<html><title>502 Bad Gateway</title></html>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server).create_backup(&request).await.unwrap_err();
    assert_eq!(
        error.attempts(),
        Some(1),
        "a 5xx after a create: no second create"
    );
}

/// `ShowGaussMySqlIncrementalBackupList`: the query as the API documents it (`offset` and
/// `limit` as strings, `begin_time` and `end_time` together), 120 backups over three pages of
/// 50, `size` a number of KB; a `limit` the API refuses and a lone `begin_time` are refused
/// before sending.
#[tokio::test]
async fn incremental_backups_page_with_the_documented_query() {
    let server = MockServer::start().await;
    let path_of = format!("/v3/{PROJECT_ID}/instances/{INSTANCE_ID}/incremental-backups");
    Mock::given(method("GET"))
        .and(path(path_of.as_str()))
        .respond_with(|request: &wiremock::Request| {
            let query: std::collections::HashMap<String, String> =
                request.url.query_pairs().into_owned().collect();
            let offset: usize = query["offset"].parse().unwrap();
            let limit: usize = query["limit"].parse().unwrap();
            assert_eq!(query["begin_time"], "2026-11-01T00:00:00+0000");
            assert_eq!(query["end_time"], "2026-11-06T00:00:00+0000");
            let backups: Vec<Value> = (offset..(offset + limit).min(120))
                .map(|i| {
                    json!({
                        "id": format!("{i:032x}br07"),
                        "name": format!("incremental-{i}"),
                        "begin_time": "2026-11-01T08:00:00+0800",
                        "end_time": "2026-11-01T09:00:00+0800",
                        "size": 12.5,
                        "backup_type": "Log",
                        "instance_id": INSTANCE_ID,
                    })
                })
                .collect();
            ResponseTemplate::new(200)
                .set_body_json(json!({"backups": backups, "total_count": 120}))
        })
        .expect(3)
        .mount(&server)
        .await;
    let request = huaweicloud_gaussdb::ShowGaussMySqlIncrementalBackupListRequest::new(INSTANCE_ID)
        .with_begin_time(datetime!(2026-11-01 00:00 UTC))
        .with_end_time(datetime!(2026-11-06 00:00 UTC));
    let backups: Vec<_> = client(&server)
        .incremental_backups(request.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(backups.len(), 120);
    assert_eq!(backups[119].name.as_deref(), Some("incremental-119"));
    assert_eq!(backups[0].size, Some(12.5));

    let refused = client(&server)
        .incremental_backups(request.clone().with_limit(30))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Config);
    assert!(refused.to_string().contains("10, 20 or 50"), "{refused}");
    let lone = huaweicloud_gaussdb::ShowGaussMySqlIncrementalBackupListRequest::new(INSTANCE_ID)
        .with_begin_time(datetime!(2026-11-01 00:00 UTC));
    let refused = client(&server)
        .incremental_backups(lone)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("together"), "{refused}");
}

/// `ShowBackupRestoreTime`: the path with the instance, `date` in the query, and
/// `restore_times` as Unix milliseconds (a number, or a string as some gateways send).
#[tokio::test]
async fn the_restore_time_ranges_of_a_day() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            format!("/v3/{PROJECT_ID}/instances/{INSTANCE_ID}/restore-time").as_str(),
        ))
        .and(query_param("date", "2026-11-30"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "restore_times": [
                {"start_time": 1_764_460_800_000_i64, "end_time": "1764468000000"},
                {"start_time": 1_764_478_800_000_i64, "end_time": 1_764_547_199_000_i64}
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let request =
        huaweicloud_gaussdb::ShowBackupRestoreTimeRequest::new(INSTANCE_ID).with_date("2026-11-30");
    let answer = client(&server)
        .show_backup_restore_time(&request)
        .await
        .unwrap();
    assert_eq!(answer.restore_times.len(), 2);
    assert_eq!(answer.restore_times[0].start_time, Some(1_764_460_800_000));
    assert_eq!(answer.restore_times[0].end_time, Some(1_764_468_000_000));
    assert_eq!(answer.restore_times[1].end_time, Some(1_764_547_199_000));
}
