//! The client against wiremock on 127.0.0.1: the signature on the wire, retries, errors.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use capitalonline_mysql::{
    Client, Clock, Config, CreateBackupRequest, Credentials, DEFAULT_ENDPOINT, DeleteBackupRequest,
    DescribeDBInstancesRequest, ErrorKind, HttpConfig, NonceSource, RetryPolicy,
};
use cloud_signer::rpc::{self, RpcFlavor};
use time::macros::datetime;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::example;

/// providers.md 4, vector C1.
const ACCESS_KEY_ID: &str = "testid";
const SECRET: &str = "testsecret";
const INSTANCE: &str = "0f3c5b4e-1234-4abc-9def-0123456789ab";
const C1_NONCE: &str = "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf";
const C1_SIGNATURE: &str = "fuxD/kAbRWnP9RcXAQntDAveVr8=";

/// Tiny backoffs so retries are quick; generous timeouts so slow machines pass.
fn http() -> HttpConfig {
    HttpConfig::default()
        .with_retry(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5)),
        )
        .with_attempt_timeout(Duration::from_secs(10))
        .with_operation_timeout(Duration::from_secs(30))
}

fn config(server: &MockServer) -> Config {
    Config::new(Credentials::new(ACCESS_KEY_ID, SECRET))
        .with_endpoint(server.uri())
        .expect("a wiremock URI is a valid endpoint")
        .with_http(http())
}

fn client(server: &MockServer) -> Client {
    Client::new(config(server)).expect("valid configuration")
}

fn json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// The query parameters of a received request, decoded.
fn query(request: &Request) -> BTreeMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

/// The signature of a received request, recomputed from its parameters with the secret.
fn verifies(request: &Request) -> bool {
    let params = query(request);
    let signature = params.get("Signature").cloned().unwrap_or_default();
    rpc::compute_signature(RpcFlavor::CapitalOnline, "GET", &params, SECRET).matches(&signature)
}

#[tokio::test]
async fn c1_signature_on_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/mysql/"))
        .and(query_param("Signature", C1_SIGNATURE))
        .respond_with(json(example!("DescribeBackups.seed-000.json")))
        .expect(1)
        .mount(&server)
        .await;
    let http = http()
        .with_clock(Clock::fixed(datetime!(2024-01-01 00:00:00 UTC)))
        .with_nonce_source(NonceSource::fixed(C1_NONCE));
    let client = Client::new(config(&server).with_http(http)).unwrap();

    let response = client.describe_backups(INSTANCE).await.unwrap();
    assert_eq!(response.data.len(), 4);

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), "/mysql/");
    let expected: BTreeMap<String, String> = [
        ("AccessKeyId", ACCESS_KEY_ID),
        ("Action", "DescribeBackups"),
        ("InstanceUuid", INSTANCE),
        ("Signature", C1_SIGNATURE),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", C1_NONCE),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2024-01-01T00:00:00Z"),
        ("Version", "2019-08-08"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(query(request), expected);
    // As the official code sends it: RFC 3986 encoded, the signature's `/` and `=` escaped.
    let raw_query = request.url.query().unwrap();
    assert!(
        raw_query.ends_with("&Signature=fuxD%2FkAbRWnP9RcXAQntDAveVr8%3D"),
        "{raw_query}"
    );
    assert!(
        raw_query.contains("Timestamp=2024-01-01T00%3A00%3A00Z"),
        "{raw_query}"
    );
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn download_backup_sends_both_ids_and_decodes_the_seed_example() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/mysql/"))
        .and(query_param("Action", "DownloadBackup"))
        .and(query_param("InstanceUuid", INSTANCE))
        .and(query_param("BackupId", "bk-1"))
        .respond_with(json(example!("DownloadBackup.seed-002.json")))
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server)
        .download_backup(INSTANCE, "bk-1")
        .await
        .unwrap();
    let data = response.data.expect("Data");
    assert_eq!(
        data.backup_download_url.as_deref(),
        Some("https://gic.***************")
    );
    assert_eq!(
        data.backup_intranet_download_url.as_deref(),
        Some("http://88.***************")
    );
    assert_eq!(data.backup_size, Some(68_140));
    let request = &received(&server).await[0];
    assert_eq!(query(request)["Version"], "2019-08-08");
    assert!(verifies(request));
}

#[tokio::test]
async fn describe_backups_decodes_the_seed_example() {
    let server = MockServer::start().await;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(json(example!("DescribeBackups.seed-000.json")))
        .mount(&server)
        .await;
    let response = client(&server).describe_backups(INSTANCE).await.unwrap();
    assert_eq!(response.code.as_deref(), Some("Success"));
    let sizes: Vec<Option<i64>> = response.data.iter().map(|b| b.backup_size).collect();
    assert_eq!(
        sizes,
        [Some(677_496), Some(677_494), Some(677_498), Some(677_484)]
    );
    let first = &response.data[0];
    assert_eq!(first.status.as_deref(), Some("finished"));
    assert_eq!(first.backup_type.as_deref(), Some("logical-backup"));
    assert_eq!(first.start_time.as_deref(), Some("2020-06-18 04:09:59"));
    assert_eq!(first.end_time.as_deref(), Some("2020-06-18 04:10:13"));
    assert_eq!(first.backup_strategy.as_deref(), Some("db"));
    assert_eq!(response.data[3].backup_mode.as_deref(), Some("manual"));
}

#[tokio::test]
async fn raw_responses_are_the_body_as_received() {
    let server = MockServer::start().await;
    let body = r#"{"Code":"Success","Data":[{"BackupId":"b-1","BackupSize":"74464.0","Odd":[1]}],"Message":"Success."}"#;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(json(body).insert_header("cds-request-id", "cds-raw-1"))
        .mount(&server)
        .await;
    Mock::given(query_param("Action", "DownloadBackup"))
        .respond_with(json(example!("DownloadBackup.seed-002.json")))
        .mount(&server)
        .await;
    let client = client(&server);
    let raw = client.describe_backups_raw(INSTANCE).await.unwrap();
    assert_eq!(raw.status().as_u16(), 200);
    assert_eq!(raw.body().as_ref(), body.as_bytes());
    assert_eq!(raw.request_id(), Some("cds-raw-1"));
    // The typed call reads the float string and keeps the unknown field.
    let typed = client.describe_backups(INSTANCE).await.unwrap();
    assert_eq!(typed.data[0].backup_size, Some(74_464));
    assert!(typed.data[0].unknown_fields.contains_key("Odd"));

    let raw = client.download_backup_raw(INSTANCE, "b-1").await.unwrap();
    assert_eq!(
        raw.body().as_ref(),
        example!("DownloadBackup.seed-002.json").as_bytes()
    );
}

#[tokio::test]
async fn code_other_than_success_with_http_200_is_a_service_error() {
    let server = MockServer::start().await;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(
            json(r#"{"Code":"InvalidParameter","Message":"InstanceUuid is invalid","TaskId":""}"#)
                .insert_header("cds-request-id", "cds-req-42"),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    for result in [
        client.describe_backups(INSTANCE).await.map(drop),
        client.describe_backups_raw(INSTANCE).await.map(drop),
    ] {
        let error = result.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Service);
        assert_eq!(error.status(), Some(200));
        assert_eq!(error.code(), Some("InvalidParameter"));
        assert_eq!(error.message(), Some("InstanceUuid is invalid"));
        assert_eq!(error.request_id(), Some("cds-req-42"));
        assert_eq!(error.operation(), Some("DescribeBackups"));
        assert!(!error.is_retryable());
        assert_eq!(
            error.to_string(),
            "service error: InvalidParameter: InstanceUuid is invalid \
             (HTTP 200, request id cds-req-42)"
        );
    }
    // A validation error is not retried: one request per call.
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn throttling_and_5xx_are_retried_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_string(r#"{"Code":"Throttling","Message":"too many requests"}"#),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(ResponseTemplate::new(503).set_body_string(
            "<html><head><title>503 Service Unavailable</title></head><body>nginx</body></html>",
        ))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(json(example!("DescribeBackups.seed-000.json")))
        .with_priority(3)
        .mount(&server)
        .await;
    let response = client(&server).describe_backups(INSTANCE).await.unwrap();
    assert_eq!(response.data.len(), 4);
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn a_5xx_exhausting_the_retries_is_returned() {
    let server = MockServer::start().await;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_string(r#"{"Code":"InternalError","Message":"内部错误"}"#)
                .insert_header("cds-request-id", "cds-500"),
        )
        .mount(&server)
        .await;
    let error = client(&server)
        .describe_backups(INSTANCE)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.code(), Some("InternalError"));
    assert_eq!(error.message(), Some("内部错误"));
    assert_eq!(error.request_id(), Some("cds-500"));
    assert_eq!(error.attempts(), Some(3));
    assert!(error.is_retryable());
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn each_retry_is_signed_afresh_with_a_new_nonce() {
    let server = MockServer::start().await;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(json(example!("DescribeBackups.seed-000.json")))
        .with_priority(2)
        .mount(&server)
        .await;
    let counter = Arc::new(AtomicU32::new(0));
    let nonces = NonceSource::from_fn({
        let counter = Arc::clone(&counter);
        move || format!("nonce-{}", counter.fetch_add(1, Ordering::SeqCst) + 1)
    });
    let client = Client::new(config(&server).with_http(http().with_nonce_source(nonces))).unwrap();
    client.describe_backups(INSTANCE).await.unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    let nonces: Vec<String> = requests
        .iter()
        .map(|r| query(r)["SignatureNonce"].clone())
        .collect();
    assert_eq!(nonces, ["nonce-1", "nonce-2", "nonce-3"]);
    let signatures: std::collections::BTreeSet<String> = requests
        .iter()
        .map(|r| query(r)["Signature"].clone())
        .collect();
    assert_eq!(signatures.len(), 3, "every attempt has its own signature");
    for request in &requests {
        assert!(verifies(request), "{:?}", request.url.query());
    }
}

#[tokio::test]
async fn html_and_truncated_bodies_are_errors_not_panics() {
    let cases: [(u16, &str, ErrorKind, &str); 4] = [
        (
            200,
            "<!DOCTYPE html><html><head><title>Login</title></head><body></body></html>",
            ErrorKind::Decode,
            "HTML page titled \"Login\"",
        ),
        (
            200,
            r#"{"Code":"Success","Data":[{"BackupId":"b-1","BackupSize":677"#,
            ErrorKind::Decode,
            "truncated JSON",
        ),
        (200, "", ErrorKind::Decode, "empty body"),
        (
            502,
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            ErrorKind::Service,
            "502 Bad Gateway",
        ),
    ];
    for (status, body, kind, needle) in cases {
        let server = MockServer::start().await;
        Mock::given(query_param("Action", "DescribeBackups"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        let error = client(&server)
            .describe_backups(INSTANCE)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{body}: {error}");
        assert_eq!(error.status(), Some(status), "{body}");
        assert!(error.to_string().contains(needle), "{error}");
    }
}

#[tokio::test]
async fn endpoint_override_keeps_the_mysql_path() {
    let server = MockServer::start().await;
    Mock::given(path("/mysql/"))
        .respond_with(json(example!("DescribeBackups.seed-000.json")))
        .expect(1)
        .mount(&server)
        .await;
    let config = Config::new(Credentials::new(ACCESS_KEY_ID, SECRET))
        .with_endpoint(format!("{}/", server.uri()))
        .unwrap()
        .with_http(http());
    assert_eq!(config.endpoint(), server.uri());
    let client = Client::new(config).unwrap();
    assert_eq!(client.base_url(), format!("{}/mysql/", server.uri()));
    client.describe_backups(INSTANCE).await.unwrap();

    for bad in [
        format!("{}/mysql", server.uri()),
        format!("{}/?Action=x", server.uri()),
        server.uri().replace("http://", "ftp://"),
    ] {
        let error = Config::new(Credentials::new(ACCESS_KEY_ID, SECRET))
            .with_endpoint(&bad)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config, "{bad}");
    }
    // A bare host means HTTPS, as for every provider crate (cloud_http::Endpoint).
    let bare = Config::new(Credentials::new(ACCESS_KEY_ID, SECRET))
        .with_endpoint(server.uri().replace("http://", ""))
        .unwrap();
    assert!(
        format!("{bare:?}").contains("endpoint: \"https://127.0.0.1:"),
        "{bare:?}"
    );
}

#[test]
fn credentials_from_the_environment() {
    let env = |id: Option<&str>, key: Option<&str>| {
        let (id, key) = (id.map(str::to_owned), key.map(str::to_owned));
        move |name: &str| match name {
            "CDS_SECRET_ID" => id.clone(),
            "CDS_SECRET_KEY" => key.clone(),
            _ => None,
        }
    };
    let config = Config::from_env_with(env(Some("AKID"), Some(SECRET))).unwrap();
    assert_eq!(config.credentials().access_key_id(), "AKID");
    assert_eq!(config.credentials().secret(), SECRET);
    assert_eq!(config.endpoint(), DEFAULT_ENDPOINT);

    for (id, key, missing) in [
        (None, None, "CDS_SECRET_ID, CDS_SECRET_KEY"),
        (Some("AKID"), None, "CDS_SECRET_KEY"),
        (Some(""), Some(SECRET), "CDS_SECRET_ID"),
    ] {
        let error = Config::from_env_with(env(id, key)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);
        let text = error.to_string();
        assert!(text.contains("CDS_SECRET_ID and CDS_SECRET_KEY"), "{text}");
        assert!(
            text.ends_with(&format!("(not set or empty: {missing})")),
            "{text}"
        );
        assert!(!text.contains(SECRET), "{text}");
    }
}

#[tokio::test]
async fn the_secret_never_shows() {
    let server = MockServer::start().await;
    Mock::given(query_param("Action", "DescribeBackups"))
        .respond_with(ResponseTemplate::new(400).set_body_string(
            r#"{"Code":"SignatureDoesNotMatch","Message":"bad Signature=abc&x=1"}"#,
        ))
        .mount(&server)
        .await;
    let config = config(&server);
    let client = Client::new(config.clone()).unwrap();
    let error = client.describe_backups(INSTANCE).await.unwrap_err();
    assert!(error.is_auth());
    assert_eq!(received(&server).await.len(), 1, "not retried");
    for text in [
        format!("{config:?}"),
        format!("{client:?}"),
        format!("{error:?}"),
        error.to_string(),
    ] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains("Signature=abc"), "{text}");
    }
}

#[tokio::test]
async fn instances_of_the_documented_example() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("Action", "DescribeDBInstances"))
        .respond_with(json(example!("DescribeDBInstances.cds-doc.json")))
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server)
        .describe_db_instances(
            &DescribeDBInstancesRequest::default().with_instance_name("test-mysql"),
        )
        .await
        .unwrap();
    assert_eq!(response.code.as_deref(), Some("Success"));
    let instance = &response.data[0];
    assert_eq!(
        instance.instance_uuid.as_deref(),
        Some("5ac7c945-ae47-4bbf-82e6-2823d64b57c5")
    );
    assert_eq!(instance.version.as_deref(), Some("5.7.24"));
    assert_eq!(instance.status.as_deref(), Some("RUNNING"));
    assert_eq!(
        instance.created_time.as_deref(),
        Some("2020-05-03 22:16:22")
    );
    assert_eq!(instance.ram, Some(8192));
    assert_eq!(instance.tags[0].tag_name.as_deref(), Some("test_tag"));
    assert_eq!(
        instance.ro_groups[0].svc_type.as_deref(),
        Some("mysql-readonly")
    );
    let query = query(&received(&server).await[0]);
    assert_eq!(query["InstanceName"], "test-mysql");
    assert_eq!(query["Version"], "2019-08-08");
}

#[tokio::test]
async fn create_backup_posts_its_parameters_as_json_and_is_never_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(query_param("Action", "CreateBackup"))
        .respond_with(json(example!("CreateBackup.cds-doc.json")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let first = client(&server);
    let request = CreateBackupRequest::new(INSTANCE, "physical-backup").with_desc("before upgrade");
    let created = first.create_backup(&request).await.unwrap();
    assert_eq!(created.task_id.as_deref(), Some("***********"));
    let sent = &received(&server).await[0];
    // The business parameters travel in the JSON body, unsigned; the query is signed.
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"InstanceUuid": INSTANCE, "BackupType": "physical-backup", "Desc": "before upgrade"})
    );
    let query = query(sent);
    assert!(query.contains_key("Signature"));
    assert!(!query.contains_key("InstanceUuid"));

    // A 5xx after the request may have reached the service: one attempt, never a second
    // create.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_string(r#"{"Code":"InternalError","Message":"内部错误","TaskId":""}"#),
        )
        // One create and one delete, each sent once.
        .expect(2)
        .mount(&server)
        .await;
    let error = client(&server).create_backup(&request).await.unwrap_err();
    assert_eq!(error.code(), Some("InternalError"));
    assert_eq!(error.attempts(), Some(1));
    assert!(error.is_retryable(), "a read would have been retried");
    let error = client(&server)
        .delete_backup(&DeleteBackupRequest::new(INSTANCE, "b-1"))
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), Some(1));
}
