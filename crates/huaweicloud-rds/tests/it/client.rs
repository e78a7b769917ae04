//! The client against wiremock on 127.0.0.1: the exact signature on the wire, paging (typed
//! and as records), throttling, error mapping, the documented examples, and the checks made
//! before sending.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use huaweicloud_rds::{
    Backup, Client, Clock, Config, Credentials, ErrorKind, HttpConfig, ListBackupsRequest,
    ListInstancesRequest, Record, RetryPolicy, ShowBackupPolicyRequest,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::example;

const AK: &str = "AKTESTAKTEST";
const SK: &str = "SKTESTSKTEST";
const PROJECT_ID: &str = "0483b6b16e954cb88930a360d2c4e663";
const INSTANCE_ID: &str = "43e4feaab48f11e89039fa163ebaa7e4br01";
const BACKUPS_PATH: &str = "/v3/0483b6b16e954cb88930a360d2c4e663/backups";
const FILES_PATH: &str = "/v3/0483b6b16e954cb88930a360d2c4e663/backup-files";

/// providers.md H3, variant B: what the client sends (it sends `Content-Type:
/// application/json`, as the official SDK does, and does not sign `User-Agent`).
const H3_VARIANT_B: &str = "SDK-HMAC-SHA256 Access=AKTESTAKTEST, \
    SignedHeaders=content-type;host;x-project-id;x-sdk-date, \
    Signature=478f594e6b910bd6617ec29d9280787651bca831fc67aabc6026a32d8ac46d7a";

/// Tiny backoffs, so retries cost nothing; no test asserts timings.
fn fast_http() -> HttpConfig {
    HttpConfig::default()
        .with_clock(Clock::fixed(datetime!(2024-01-01 00:00:00 UTC)))
        .with_retry(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
        )
}

/// A client of `server` (its `http://127.0.0.1:port` as the endpoint).
fn client(server: &MockServer) -> Client {
    let config = Config::new(Credentials::new(AK, SK), PROJECT_ID)
        .with_endpoint(server.uri())
        .expect("the server's URI is an endpoint")
        .with_http(fast_http());
    Client::new(config).expect("a valid configuration")
}

#[tokio::test]
async fn h3_signature_on_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .and(query_param("instance_id", INSTANCE_ID))
        .and(query_param("limit", "10"))
        .and(query_param("offset", "0"))
        .and(header("host", "rds.cn-north-4.myhuaweicloud.com"))
        .and(header("content-type", "application/json"))
        .and(header("x-project-id", PROJECT_ID))
        .and(header("x-sdk-date", "20240101T000000Z"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(example!("ListBackups.seed-003-mysql.json")),
        )
        .expect(1)
        .mount(&server)
        .await;

    // The real host name, resolved to the local server: the Host header (and so the
    // signature) is the vector's.
    let config = Config::new(Credentials::new(AK, SK), PROJECT_ID)
        .with_endpoint("http://rds.cn-north-4.myhuaweicloud.com")
        .unwrap()
        .with_http(fast_http().with_resolve("rds.cn-north-4.myhuaweicloud.com", *server.address()));
    let client = Client::new(config).unwrap();
    let response = client
        .list_backups(
            &ListBackupsRequest::new(INSTANCE_ID)
                .with_limit(10)
                .with_offset(0),
        )
        .await
        .unwrap();
    assert_eq!(response.total_count, Some(1));
    assert_eq!(
        response.backups[0].id.as_deref(),
        Some("43e4feaab48f11e89039fa163ebaa7e4br01")
    );

    // The URI sent has no trailing slash and the query in canonical order.
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        format!(
            "{}?{}",
            received[0].url.path(),
            received[0].url.query().unwrap_or("")
        ),
        (format!("{BACKUPS_PATH}?instance_id={INSTANCE_ID}&limit=10&offset=0"))
    );
    assert!(received[0].headers.get("x-security-token").is_none());
    // Compared here rather than with wiremock's `header` matcher, which splits values on `,`.
    assert_eq!(received[0].headers["authorization"], H3_VARIANT_B);
}

#[tokio::test]
async fn region_picks_the_endpoint() {
    let config = Config::new(Credentials::new(AK, SK), PROJECT_ID);
    let error = Client::new(config.clone()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    let client = Client::new(config.clone().with_region("cn-north-4")).unwrap();
    assert_eq!(
        client.endpoint().as_str(),
        "https://rds.cn-north-4.myhuaweicloud.com"
    );
    let client = Client::new(config.clone().with_region("eu-west-101")).unwrap();
    assert_eq!(
        client.endpoint().as_str(),
        "https://rds.eu-west-101.myhuaweicloud.eu"
    );
    let error = Client::new(config.clone().with_region("xx-nowhere-1")).unwrap_err();
    assert!(
        error.to_string().contains("set the endpoint explicitly"),
        "{error}"
    );
    let error = Client::new(config.with_project_id("").with_region("cn-north-4")).unwrap_err();
    assert!(error.to_string().contains("project id"), "{error}");
    assert_eq!(huaweicloud_rds::SERVICE.regions().count(), 34);
}

/// A page of `count` backups starting at number `start`, with `total` as sent.
fn page(start: usize, count: usize, total: Value) -> Value {
    let backups: Vec<Value> = (start..start + count)
        .map(|n| {
            json!({
                "id": format!("backup-{n:03}"),
                "name": format!("b{n}"),
                "type": "auto",
                "size": 2803,
                "status": "COMPLETED",
                "begin_time": "2018-08-06T12:41:14+0800",
                "end_time": "2018-08-06T12:43:14+0800",
                "datastore": {"type": "MySQL", "version": "8.0"},
                "instance_id": INSTANCE_ID,
            })
        })
        .collect();
    json!({"backups": backups, "total_count": total})
}

#[tokio::test]
async fn pages_over_250_backups() {
    let server = MockServer::start().await;
    for (offset, count) in [(0, 100), (100, 100), (200, 50)] {
        Mock::given(method("GET"))
            .and(path(BACKUPS_PATH))
            .and(query_param("instance_id", INSTANCE_ID))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "100"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(offset, count, json!(250))))
            .expect(1)
            .mount(&server)
            .await;
    }
    let backups: Vec<_> = client(&server)
        .backups(ListBackupsRequest::new(INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(backups.len(), 250);
    let ids: Vec<String> = backups.iter().map(|b| b.id.clone().unwrap()).collect();
    let want: Vec<String> = (0..250).map(|n| format!("backup-{n:03}")).collect();
    assert_eq!(ids, want);
    assert_eq!(backups[0].size_bytes(), Some(2803 * 1024));
}

#[tokio::test]
async fn paging_keeps_the_filters_and_the_limit_asked_for() {
    let server = MockServer::start().await;
    for (offset, count) in [(0, 40), (40, 20)] {
        Mock::given(method("GET"))
            .and(path(BACKUPS_PATH))
            .and(query_param("backup_type", "manual"))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "40"))
            .and(header("x-language", "en-us"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(
                offset,
                count,
                json!("60"),
            )))
            .expect(1)
            .mount(&server)
            .await;
    }
    let request = ListBackupsRequest::new(INSTANCE_ID)
        .with_backup_type("manual")
        .with_limit(40)
        .with_x_language("en-us");
    let backups: Vec<_> = client(&server)
        .backups(request)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(backups.len(), 60);
}

#[tokio::test]
async fn paging_stops_on_an_empty_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"backups": [], "total_count": 5})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let backups: Vec<_> = client(&server)
        .backups(ListBackupsRequest::new(INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    assert!(backups.is_empty());
}

#[tokio::test]
async fn throttled_then_success_is_signed_afresh() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Request-Id", "throttled-1")
                .set_body_string(example!("error.apig-throttling.json")),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(example!("ListBackups.seed-003-mysql.json")),
        )
        .expect(1)
        .mount(&server)
        .await;

    // A clock that moves one second per reading: each attempt has its own X-Sdk-Date.
    let seconds = Arc::new(AtomicI64::new(0));
    let clock = Clock::from_fn(move || {
        datetime!(2024-01-01 00:00:00 UTC)
            + time::Duration::seconds(seconds.fetch_add(1, Ordering::Relaxed))
    });
    let config = Config::new(Credentials::new(AK, SK), PROJECT_ID)
        .with_endpoint(server.uri())
        .unwrap()
        .with_http(fast_http().with_clock(clock));
    let response = Client::new(config)
        .unwrap()
        .list_backups(&ListBackupsRequest::new(INSTANCE_ID))
        .await
        .unwrap();
    assert_eq!(response.backups.len(), 1);

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    let value = |request: &Request, name: &str| {
        request
            .headers
            .get(name)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(
        value(&received[0], "x-sdk-date"),
        value(&received[1], "x-sdk-date")
    );
    assert_ne!(
        value(&received[0], "authorization"),
        value(&received[1], "authorization")
    );
}

#[tokio::test]
async fn throttling_that_persists_is_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).set_body_string(example!("error.apig-throttling.json")),
        )
        // Three attempts, and ten retries after throttling that do not count against them.
        .expect(3 + 10)
        .mount(&server)
        .await;
    let error = client(&server)
        .list_backups(&ListBackupsRequest::new(INSTANCE_ID))
        .await
        .unwrap_err();
    assert!(error.is_throttling());
    assert_eq!(error.code(), Some("APIG.0308"));
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.attempts(), Some(13));
}

#[tokio::test]
async fn service_errors_keep_code_message_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("X-Request-Id", "0b2b8c7a-req-1")
                .set_body_string(example!("error.providers-3.6.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .list_backups(&ListBackupsRequest::new(INSTANCE_ID))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.code(), Some("DBS.200022"));
    assert_eq!(
        error.message(),
        Some("The DB instance name already exists.")
    );
    assert_eq!(error.request_id(), Some("0b2b8c7a-req-1"));
    assert!(!error.is_retryable());
    assert!(!error.is_throttling());
    assert_eq!(error.operation(), Some("ListBackups"));
    let shown = error.to_string();
    assert!(shown.contains("DBS.200022"), "{shown}");
    assert!(!shown.contains(SK), "{shown}");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let error = client(&server)
        .list_backups(&ListBackupsRequest::new(INSTANCE_ID))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn every_documented_example_decodes_through_the_client() {
    let server = MockServer::start().await;
    let examples = [
        ("mysql", example!("ListBackups.seed-003-mysql.json")),
        (
            "postgresql",
            example!("ListBackups.seed-003-postgresql.json"),
        ),
        ("sqlserver", example!("ListBackups.seed-003-sqlserver.json")),
    ];
    for (engine, body) in examples {
        Mock::given(method("GET"))
            .and(path(BACKUPS_PATH))
            .and(query_param("backup_id", engine))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let want_begin = datetime!(2018-08-06 12:41:14 +08:00);
    let want_end = datetime!(2018-08-06 12:43:14 +08:00);
    for (engine, body) in examples {
        let request = ListBackupsRequest::new(INSTANCE_ID).with_backup_id(engine);
        let response = client.list_backups(&request).await.unwrap();
        assert_eq!(response.total_count, Some(1), "{engine}");
        let backup = &response.backups[0];
        assert_eq!(backup.size, Some(2803), "{engine}");
        assert_eq!(backup.size_bytes(), Some(2_870_272), "{engine}");
        assert_eq!(backup.begin_time_parsed(), Some(want_begin), "{engine}");
        assert_eq!(backup.end_time_parsed(), Some(want_end), "{engine}");
        assert_eq!(backup.status.as_deref(), Some("COMPLETED"), "{engine}");

        // The raw call hands back the body as received.
        let raw = client.list_backups_raw(&request).await.unwrap();
        assert_eq!(raw.status(), 200);
        assert_eq!(raw.body().as_ref(), body.as_bytes(), "{engine}");
    }
    // The SQL Server example's misspelled "id " key is kept, not lost.
    let response = client
        .list_backups(&ListBackupsRequest::new(INSTANCE_ID).with_backup_id("sqlserver"))
        .await
        .unwrap();
    let backup = &response.backups[0];
    assert_eq!(backup.id, None);
    assert_eq!(
        backup.unknown_fields.get("id "),
        Some(&json!("43e4feaab48f11e89039fa163ebaa7e4br04"))
    );
    assert_eq!(backup.databases.len(), 2);
}

#[tokio::test]
async fn backup_files_with_links_sizes_and_expiry() {
    let server = MockServer::start().await;
    let body = example!("ListBackupFiles.providers-3.3.json");
    Mock::given(method("GET"))
        .and(path(FILES_PATH))
        .and(query_param(
            "backup_id",
            "c0c9f155c7b7423a9d30f0175998b63bbr01",
        ))
        .and(query_param_is_missing("instance_id"))
        .and(header("x-project-id", PROJECT_ID))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    let response = client
        .list_backup_files("c0c9f155c7b7423a9d30f0175998b63bbr01")
        .await
        .unwrap();
    assert_eq!(response.bucket.as_deref(), Some("rdsbucket.bucketname"));
    let file = &response.files[0];
    assert_eq!(
        file.name.as_deref(),
        Some("43e4feaab48f11e89039fa163ebaa7e4br01.xxx")
    );
    assert_eq!(
        file.download_link.as_deref(),
        Some("https://obs.domainname.com/rdsbucket.username.1/xxxxxx")
    );
    assert_eq!(file.size, Some(2803));
    assert_eq!(file.size_bytes(), Some(2803 * 1024));
    // The doc example's malformed "2018-08-016" is read as the 16th; the raw text is kept.
    assert_eq!(
        file.link_expired_time.as_deref(),
        Some("2018-08-016T10:15:14+0800")
    );
    assert_eq!(
        file.link_expired_time_parsed(),
        Some(datetime!(2018-08-16 10:15:14 +08:00))
    );
    let raw = client
        .list_backup_files_raw("c0c9f155c7b7423a9d30f0175998b63bbr01")
        .await
        .unwrap();
    assert_eq!(raw.body().as_ref(), body.as_bytes());

    let error = client.list_backup_files("").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn times_are_sent_with_their_offset() {
    let server = MockServer::start().await;
    // Seed 003's URI example.
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .and(query_param("instance_id", INSTANCE_ID))
        .and(query_param(
            "backup_id",
            "c0c9f155c7b7423a9d30f0175998b63bbr01",
        ))
        .and(query_param("backup_type", "auto"))
        .and(query_param("offset", "0"))
        .and(query_param("limit", "10"))
        .and(query_param("begin_time", "2018-08-06T10:41:14+0800"))
        .and(query_param("end_time", "2018-08-16T10:41:14+0800"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(example!("ListBackups.seed-003-mysql.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let request = ListBackupsRequest::new(INSTANCE_ID)
        .with_backup_id("c0c9f155c7b7423a9d30f0175998b63bbr01")
        .with_backup_type("auto")
        .with_offset(0)
        .with_limit(10)
        .with_begin_time(datetime!(2018-08-06 10:41:14 +08:00))
        .with_end_time(datetime!(2018-08-16 10:41:14 +08:00));
    client(&server).list_backups(&request).await.unwrap();
    // `+` is percent-encoded on the wire (it would read as a space otherwise).
    let received = server.received_requests().await.unwrap();
    let query = received[0].url.query().unwrap().to_owned();
    assert!(
        query.contains("begin_time=2018-08-06T10%3A41%3A14%2B0800"),
        "{query}"
    );
}

#[tokio::test]
async fn begin_and_end_time_go_together() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server);
    let begin: OffsetDateTime = datetime!(2018-08-06 10:41:14 +08:00);
    for request in [
        ListBackupsRequest::new(INSTANCE_ID).with_begin_time(begin),
        ListBackupsRequest::new(INSTANCE_ID).with_end_time(begin),
        ListBackupsRequest::new(INSTANCE_ID)
            .with_begin_time(begin)
            .with_end_time(begin),
    ] {
        let error = client.list_backups(&request).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config, "{request:?}");
        let error = client.list_backups_raw(&request).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);
        // The paginator yields the error once and ends.
        let results: Vec<_> = client.backups(request).collect().await;
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].as_ref().unwrap_err().kind(), ErrorKind::Config);
    }
    let error = client
        .list_backups(&ListBackupsRequest::new(INSTANCE_ID).with_begin_time(begin))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("both or neither"), "{error}");
}

#[tokio::test]
async fn limit_and_offset_out_of_range_are_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server);
    for request in [
        ListBackupsRequest::new(INSTANCE_ID).with_limit(0),
        ListBackupsRequest::new(INSTANCE_ID).with_limit(101),
        ListBackupsRequest::new(INSTANCE_ID).with_limit(-5),
        ListBackupsRequest::new(INSTANCE_ID).with_offset(-1),
        ListBackupsRequest::new(""),
    ] {
        let error = client.list_backups(&request).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config, "{request:?}");
        let results: Vec<_> = client.backups(request).collect().await;
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }
    let error = client
        .list_backups(&ListBackupsRequest::new(INSTANCE_ID).with_limit(101))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("between 1 and 100"), "{error}");
}

/// The backups of a records stream, as typed values.
fn values(records: &[Record<Backup>]) -> Vec<&Backup> {
    records.iter().map(|record| &record.value).collect()
}

#[tokio::test]
async fn backup_records_page_as_backups_do_and_keep_each_backup_as_served() {
    let server = MockServer::start().await;
    let pages = [(0, 100), (100, 100), (200, 50)].map(|(offset, count)| {
        let mut body = page(offset, count, json!("250"));
        // A number where the docs say string, a string where they say number, an extra member.
        body["backups"][0]["size"] = json!("2803");
        body["backups"][1]["id"] = json!(offset + 1);
        body["backups"][2]["new_member"] = json!({"a": [1, 2.5, null]});
        (offset, body)
    });
    for (offset, body) in &pages {
        Mock::given(method("GET"))
            .and(path(BACKUPS_PATH))
            .and(query_param("instance_id", INSTANCE_ID))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "100"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(2)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let records: Vec<Record<Backup>> = client
        .backup_records(ListBackupsRequest::new(INSTANCE_ID))
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
    assert_eq!(records[0].raw["size"], "2803", "the string stays a string");
    assert_eq!(records[0].value.size_bytes(), Some(2803 * 1024));
    assert!(records[1].raw["id"].is_u64(), "the number stays a number");
    assert_eq!(records[1].value.id.as_deref(), Some("1"));
    // The typed stream yields the same backups from the same pages (each mock expects two).
    let backups: Vec<Backup> = client
        .backups(ListBackupsRequest::new(INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(values(&records), backups.iter().collect::<Vec<_>>());
}

#[tokio::test]
async fn backup_records_of_the_documented_examples_keep_the_odd_key() {
    for text in [
        example!("ListBackups.seed-003-mysql.json"),
        example!("ListBackups.seed-003-postgresql.json"),
        example!("ListBackups.seed-003-sqlserver.json"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(BACKUPS_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_string(text))
            .expect(1)
            .mount(&server)
            .await;
        let records: Vec<Record<Backup>> = client(&server)
            .backup_records(ListBackupsRequest::new(INSTANCE_ID))
            .try_collect()
            .await
            .unwrap();
        let served: Value = serde_json::from_str(text).unwrap();
        assert_eq!(records.len(), 1, "{text}");
        assert_eq!(records[0].raw, served["backups"][0]);
    }
    let served: Value =
        serde_json::from_str(example!("ListBackups.seed-003-sqlserver.json")).unwrap();
    let record: Record<Backup> = Record::from_raw(served["backups"][0].clone()).unwrap();
    assert_eq!(record.value.id, None, "the key is `\"id \"`");
    assert_eq!(
        record.raw["id "], "43e4feaab48f11e89039fa163ebaa7e4br04",
        "raw keeps the key as sent"
    );
}

#[tokio::test]
async fn backup_records_stop_on_a_repeated_page_and_yield_an_error_once() {
    let server = MockServer::start().await;
    // A server that ignores `offset`.
    Mock::given(method("GET"))
        .and(path(BACKUPS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0, 100, json!(1000))))
        .expect(2)
        .mount(&server)
        .await;
    let records: Vec<Record<Backup>> = client(&server)
        .backup_records(ListBackupsRequest::new(INSTANCE_ID))
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
        .backup_records(ListBackupsRequest::new(INSTANCE_ID))
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().unwrap_err();
    assert_eq!(error.code(), Some("DBS.200022"));
    assert_eq!(error.request_id(), Some("req-400"));
    // Checked before sending, as for the typed stream.
    let results: Vec<_> = client(&server)
        .backup_records(ListBackupsRequest::new(INSTANCE_ID).with_limit(101))
        .collect()
        .await;
    assert_eq!(results[0].as_ref().unwrap_err().kind(), ErrorKind::Config);
}

/// One page of `count` instances from `first`, of `total`.
fn instances_page(first: i64, count: i64, total: i64) -> Value {
    let instances: Vec<Value> = (first..first + count)
        .map(|n| {
            json!({"id": format!("{n:032}in01"), "name": format!("db-{n}"), "status": "ACTIVE",
                        "datastore": {"type": "MySQL", "version": "8.0"}})
        })
        .collect();
    json!({"instances": instances, "total_count": total})
}

#[tokio::test]
async fn instances_page_through_list_instances() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/0483b6b16e954cb88930a360d2c4e663/instances"))
        .and(query_param("datastore_type", "MySQL"))
        .respond_with(|request: &Request| {
            let offset: i64 = request
                .url
                .query_pairs()
                .find(|(name, _)| name == "offset")
                .and_then(|(_, value)| value.parse().ok())
                .unwrap_or(0);
            ResponseTemplate::new(200).set_body_json(instances_page(
                offset,
                (150 - offset).min(100),
                150,
            ))
        })
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    let request = ListInstancesRequest::default().with_datastore_type("MySQL");
    let instances: Vec<_> = client.instances(request).try_collect().await.unwrap();
    assert_eq!(instances.len(), 150);
    assert_eq!(instances[149].name.as_deref(), Some("db-149"));
    assert_eq!(
        instances[0]
            .datastore
            .as_ref()
            .and_then(|d| d.r#type.as_deref()),
        Some("MySQL")
    );
}

#[tokio::test]
async fn instances_of_the_documented_example() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("ListInstances.otc-mirror-all.json")),
        )
        .mount(&server)
        .await;
    let records: Vec<_> = client(&server)
        .instance_records(ListInstancesRequest::default())
        .try_collect()
        .await
        .unwrap();
    let served: Value =
        serde_json::from_str(example!("ListInstances.otc-mirror-all.json")).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].raw, served["instances"][1]);
    assert!(records[0].value.id.is_some());
    assert!(records[0].value.backup_strategy.is_some());
}

#[tokio::test]
async fn the_backup_policy_on_and_off() {
    let server = MockServer::start().await;
    let policy_path = "/v3/0483b6b16e954cb88930a360d2c4e663/instances/43e4feaab48f11e89039fa163ebaa7e4br01/backups/policy";
    Mock::given(method("GET"))
        .and(path(policy_path))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("ShowBackupPolicy.otc-mirror-md-enabled.json")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(policy_path))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("ShowBackupPolicy.otc-mirror-md-disabled.json")),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let request = ShowBackupPolicyRequest::new(INSTANCE_ID);
    let on = client
        .show_backup_policy(&request)
        .await
        .unwrap()
        .backup_policy
        .unwrap();
    assert_eq!(on.keep_days, Some(7));
    assert_eq!(on.start_time.as_deref(), Some("19:00-20:00"));
    assert_eq!(on.period.as_deref(), Some("1,2"));
    let off = client
        .show_backup_policy(&request)
        .await
        .unwrap()
        .backup_policy
        .unwrap();
    assert_eq!(off.keep_days, Some(0));
    assert_eq!(off.start_time, None);
    let error = client
        .show_backup_policy(&ShowBackupPolicyRequest::new(" "))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("instance_id"), "{error}");
}

#[tokio::test]
async fn restore_times_of_the_documented_example() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/v3/0483b6b16e954cb88930a360d2c4e663/instances/43e4feaab48f11e89039fa163ebaa7e4br01/restore-time",
        ))
        .and(query_param("date", "2018-07-20"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(example!("ListRestoreTimes.otc-mirror-md.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server)
        .list_restore_times(
            &huaweicloud_rds::ListRestoreTimesRequest::new(INSTANCE_ID).with_date("2018-07-20"),
        )
        .await
        .unwrap();
    assert_eq!(response.restore_time.len(), 1);
    assert_eq!(response.restore_time[0].start_time, Some(1532001446987));
    assert_eq!(response.restore_time[0].end_time, Some(1532742139000));
}

#[tokio::test]
async fn create_and_delete_manual_backups_never_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/0483b6b16e954cb88930a360d2c4e663/backups"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("CreateManualBackup.otc-mirror.json")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(
            "/v3/0483b6b16e954cb88930a360d2c4e663/backups/2f4ddb93",
        ))
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let first = client(&server);
    let request = huaweicloud_rds::CreateManualBackupRequest::new(INSTANCE_ID, "backupDemo")
        .with_description("This is a description");
    let created = first.create_manual_backup(&request).await.unwrap();
    let backup = created.backup.unwrap();
    assert_eq!(backup.status.as_deref(), Some("BUILDING"));
    assert_eq!(
        backup.id.as_deref(),
        Some("2f4ddb93-b901-4b08-93d8-1d2e472f30fe")
    );
    let sent = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(
        body,
        json!({"instance_id": INSTANCE_ID, "name": "backupDemo", "description": "This is a description"})
    );
    // The JSON body is signed (its SHA-256 is part of the canonical request).
    assert!(sent[0].headers.get("authorization").is_some());
    first
        .delete_manual_backup(&huaweicloud_rds::DeleteManualBackupRequest::new("2f4ddb93"))
        .await
        .unwrap();
    // Refused before sending.
    let error = first
        .create_manual_backup(&huaweicloud_rds::CreateManualBackupRequest::new(
            INSTANCE_ID,
            "x",
        ))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error_code": "DBS.108000", "error_msg": "Server error."})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .create_manual_backup(&request)
        .await
        .unwrap_err();
    assert_eq!(
        error.attempts(),
        Some(1),
        "a 5xx after a create: no second create"
    );
}
