//! Retries, timeouts and attempt contexts against wiremock and raw sockets on 127.0.0.1.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloud_http::{AttemptContext, Clock, Error, ErrorKind, Idempotency, NonceSource, RetryPolicy};
use serde_json::{Value, json};
use time::macros::datetime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    ALIBABA, CAPITAL_ONLINE, HUAWEI, assert_no_secret, config, signed_get, transport,
};

const ALIBABA_OK: &str = r#"{"RequestId":"ok-1","Items":{"Backup":[]}}"#;

fn alibaba_error(code: &str, message: &str, request_id: &str) -> Value {
    json!({
        "RequestId": request_id,
        "HostId": "rds.aliyuncs.com",
        "Code": code,
        "Message": message,
    })
}

#[tokio::test]
async fn success_returns_the_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ALIBABA_OK))
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    let body: Value = transport
        .send_json("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap();
    assert_eq!(body["RequestId"], "ok-1");
}

#[tokio::test]
async fn throttling_then_success_takes_two_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(alibaba_error(
            "Throttling",
            "Request was denied due to request throttling.",
            "thr-1",
        )))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ALIBABA_OK))
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    let response = transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn too_many_requests_with_retry_after_zero_then_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .set_body_string("{}"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), HUAWEI);
    transport
        .send("ListBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap();
}

#[tokio::test]
async fn acs_retry_after_in_milliseconds_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-acs-retry-after", "5")
                .set_body_json(alibaba_error("Throttling.User", "flow control", "thr-2")),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ALIBABA_OK))
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap();
}

#[tokio::test]
async fn service_unavailable_exhausts_three_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(alibaba_error(
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
            "svc-3",
        )))
        .expect(3)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    let error = transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.code(), Some("ServiceUnavailable"));
    assert_eq!(error.request_id(), Some("svc-3"));
    assert_eq!(error.attempts(), Some(3));
    assert_eq!(error.operation(), Some("DescribeBackups"));
    assert!(error.is_retryable());
    assert!(!error.is_throttling());
}

#[tokio::test]
async fn signature_error_is_not_retried() {
    let server = MockServer::start().await;
    let message = format!(
        "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&Signature%3D{}",
        crate::support::SECRET_SIGNATURE
    );
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(alibaba_error(
            "SignatureDoesNotMatch",
            &message,
            "6BE56E05-XXXX",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    let error = transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert!(error.is_auth());
    assert!(!error.is_retryable());
    assert_eq!(error.attempts(), Some(1));
    let shown = error.to_string();
    assert!(
        shown.starts_with(
            "service error: SignatureDoesNotMatch: Specified signature is not matched"
        ),
        "{shown}"
    );
    assert!(
        shown.ends_with("(HTTP 400, request id 6BE56E05-XXXX)"),
        "{shown}"
    );
    assert_no_secret(&shown);
    assert_no_secret(&format!("{error:?}"));
}

#[tokio::test]
async fn every_attempt_is_built_afresh_with_a_new_nonce() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_json(alibaba_error(
            "InternalError",
            "internal",
            "int-1",
        )))
        .expect(3)
        .mount(&server)
        .await;
    let counter = Arc::new(AtomicUsize::new(0));
    let nonce_counter = counter.clone();
    let at = datetime!(2024-05-06 07:08:09 UTC);
    let config = config()
        .with_clock(Clock::fixed(at))
        .with_nonce_source(NonceSource::from_fn(move || {
            format!("nonce-{}", nonce_counter.fetch_add(1, Ordering::SeqCst))
        }));
    let transport = transport(config, ALIBABA);
    let seen: Arc<Mutex<Vec<AttemptContext>>> = Arc::default();
    let mut inner = signed_get(&transport, &server.uri());
    let record = seen.clone();
    let error = transport
        .send("DescribeBackups", move |ctx: &AttemptContext| {
            record.lock().unwrap().push(ctx.clone());
            inner(ctx)
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("InternalError"));
    {
        let seen = seen.lock().unwrap();
        let attempts: Vec<u32> = seen.iter().map(|c| c.attempt).collect();
        assert_eq!(attempts, [1, 2, 3]);
        let nonces: Vec<&str> = seen.iter().map(|c| c.nonce.as_str()).collect();
        assert_eq!(nonces, ["nonce-0", "nonce-1", "nonce-2"]);
        assert!(seen.iter().all(|c| c.timestamp == at));
    }
    // What reached the wire carries each attempt's own nonce.
    let wire: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["x-nonce"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(wire, ["nonce-0", "nonce-1", "nonce-2"]);
}

#[tokio::test]
async fn default_nonces_differ_between_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .expect(3)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    let mut nonces: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["x-nonce"].to_str().unwrap().to_owned())
        .collect();
    assert!(nonces.iter().all(|n| n.len() == 32), "{nonces:?}");
    nonces.dedup();
    assert_eq!(nonces.len(), 3);
}

#[tokio::test]
async fn dropped_connection_is_a_retried_transport_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let server = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    let transport = transport(config(), ALIBABA);
    let error = transport
        .send(
            "DescribeBackups",
            signed_get(&transport, &format!("http://{address}")),
        )
        .await
        .unwrap_err();
    server.abort();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(error.is_retryable());
    assert_eq!(error.attempts(), Some(3));
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
    assert!(
        error.to_string().starts_with("transport error: "),
        "{error}"
    );
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{error:?}"));
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        assert_no_secret(&cause.to_string());
        assert_no_secret(&format!("{cause:?}"));
        source = cause.source();
    }
}

#[tokio::test]
async fn refused_connection_is_a_transport_error() {
    // Bind then drop, so the port is (almost certainly) closed.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let transport = transport(config(), ALIBABA);
    let error = transport
        .send(
            "DescribeBackups",
            signed_get(&transport, &format!("http://{address}")),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(error.is_retryable());
    assert!(
        error
            .to_string()
            .starts_with("transport error: could not connect to the server: "),
        "{error}"
    );
    assert_no_secret(&format!("{error} {error:?}"));
}

#[tokio::test]
async fn attempt_timeout_is_retried_and_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(ALIBABA_OK)
                .set_delay(Duration::from_secs(10)),
        )
        .expect(2)
        .mount(&server)
        .await;
    let config = config()
        .with_attempt_timeout(Duration::from_millis(400))
        .with_retry(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(1)),
        );
    let transport = transport(config, ALIBABA);
    let error = transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(error.is_retryable());
    assert_eq!(error.attempts(), Some(2));
    assert_eq!(
        error.to_string(),
        "timeout: attempt 2 of DescribeBackups did not finish within 400ms"
    );
}

#[tokio::test]
async fn operation_timeout_ends_the_operation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(ALIBABA_OK)
                .set_delay(Duration::from_secs(10)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let config = config().with_operation_timeout(Duration::from_millis(400));
    let transport = transport(config, ALIBABA);
    let error = transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(!error.is_retryable());
    assert!(
        error.to_string().contains("operation timeout of 400ms"),
        "{error}"
    );
}

#[tokio::test]
async fn server_delay_longer_than_the_operation_timeout_is_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "3600")
                .set_body_json(json!({"error_code": "APIG.0308", "error_msg": "throttled"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), HUAWEI);
    let error = transport
        .send("ListBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert!(error.is_throttling());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(error.attempts(), Some(1));
}

#[tokio::test]
async fn http_date_retry_after_uses_the_injected_clock() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "Mon, 06 May 2024 08:08:09 GMT")
                .set_body_string("{}"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let config = config().with_clock(Clock::fixed(datetime!(2024-05-06 07:08:09 UTC)));
    let transport = transport(config, HUAWEI);
    let error = transport
        .send("ListBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(error.code(), Some("503"));
}

#[tokio::test]
async fn capital_online_200_with_error_code_is_a_service_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cds-request-id", "cds-req-1")
                .set_body_json(json!({
                    "Code": "InvalidParameter",
                    "Message": "InstanceUuid is invalid",
                    "Data": {},
                    "TaskId": ""
                })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), CAPITAL_ONLINE);
    let error = transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.status(), Some(200));
    assert_eq!(error.code(), Some("InvalidParameter"));
    assert_eq!(error.message(), Some("InstanceUuid is invalid"));
    assert_eq!(error.request_id(), Some("cds-req-1"));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn capital_online_success_passes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "Code": "Success", "Message": "Success.", "Data": [], "TaskId": ""
        })))
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), CAPITAL_ONLINE);
    let body: Value = transport
        .send_json("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap();
    assert_eq!(body["Code"], "Success");
}

#[tokio::test]
async fn huawei_gateway_throttling_is_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Request-Id", "hw-req-7")
                .set_body_json(json!({
                    "error_msg": "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
                    "error_code": "APIG.0308",
                    "request_id": "body-req-7"
                })),
        )
        .expect(2 + 3)
        .mount(&server)
        .await;
    // Two attempts, and three retries after throttling that do not count against them.
    let config = config().with_retry(
        RetryPolicy::default()
            .with_max_attempts(2)
            .with_max_throttled_retries(3)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
    );
    let transport = transport(config, HUAWEI);
    let error = transport
        .send("ListBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert!(error.is_throttling());
    assert!(error.is_retryable());
    assert_eq!(error.code(), Some("APIG.0308"));
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.request_id(), Some("hw-req-7"));
    assert_eq!(error.attempts(), Some(5));
}

/// Throttling does not use up the attempts that other failures get: after throttled
/// answers, a 503 and then success still fit in three attempts.
#[tokio::test]
async fn throttled_retries_do_not_use_up_the_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(alibaba_error(
            "Throttling.User",
            "Request was denied due to user flow control.",
            "t-1",
        )))
        .up_to_n_times(6)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(alibaba_error(
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
            "t-2",
        )))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(ALIBABA_OK, "application/json"))
        .mount(&server)
        .await;
    let config = config().with_retry(
        RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
    );
    let transport = transport(config, ALIBABA);
    transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .expect("success on the eighth request");
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(8));
}

#[tokio::test]
async fn request_ids_from_headers_and_bodies() {
    let server = MockServer::start().await;
    // Alibaba: body RequestId.
    Mock::given(path("/ali-body"))
        .respond_with(ResponseTemplate::new(404).set_body_json(alibaba_error(
            "InvalidDBInstanceId.NotFound",
            "not found",
            "ali-body-id",
        )))
        .mount(&server)
        .await;
    // Alibaba: an HTML error page, request id only in the header.
    Mock::given(path("/ali-header"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-acs-request-id", "ali-header-id")
                .set_body_string("<html><title>Not Found</title></html>"),
        )
        .mount(&server)
        .await;
    // Huawei: header X-Request-Id.
    Mock::given(path("/hw"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("X-Request-Id", "hw-header-id")
                .set_body_json(json!({"error_code": "DBS.280238", "error_msg": "missing"})),
        )
        .mount(&server)
        .await;
    // Capital Online: body RequestId wins over the header.
    Mock::given(path("/cds"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("cds-request-id", "cds-header-id")
                .set_body_json(json!({"Code": "ResourceNotFound", "Message": "gone", "RequestId": "cds-body-id"})),
        )
        .mount(&server)
        .await;

    let cases: [(&str, Box<dyn cloud_http::ServiceProtocol>, &str); 4] = [
        ("/ali-body", Box::new(ALIBABA), "ali-body-id"),
        ("/ali-header", Box::new(ALIBABA), "ali-header-id"),
        ("/hw", Box::new(HUAWEI), "hw-header-id"),
        ("/cds", Box::new(CAPITAL_ONLINE), "cds-body-id"),
    ];
    for (route, protocol, expected) in cases {
        let transport = transport(config(), protocol);
        let client = transport.http_client().clone();
        let url = format!("{}{route}", server.uri());
        let error = transport
            .send("Get", |_: &AttemptContext| {
                client.get(&url).build().map_err(Error::from)
            })
            .await
            .unwrap_err();
        assert_eq!(error.request_id(), Some(expected), "{route}: {error}");
        assert!(error.is_not_found(), "{route}: {error}");
        assert!(!error.is_retryable(), "{route}");
    }
}

#[tokio::test]
async fn html_gateway_page_is_a_retryable_service_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(
            "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>",
            "text/html",
        ))
        .expect(3)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    let error = transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.status(), Some(502));
    assert!(error.is_retryable());
    assert_eq!(
        error.to_string(),
        "service error: HTTP 502 Bad Gateway with an HTML page titled \"502 Bad Gateway\" (HTTP 502)"
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(64 * 1024)))
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config().with_max_body_size(1024), ALIBABA);
    let error = transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(
        error
            .to_string()
            .contains("larger than the limit of 1024 bytes"),
        "{error}"
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn build_errors_end_the_operation_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    let mut calls = 0;
    let error = transport
        .send("DescribeBackups", |_: &AttemptContext| {
            calls += 1;
            Err(Error::config("no credentials configured"))
        })
        .await
        .unwrap_err();
    assert_eq!(calls, 1);
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_eq!(
        error.to_string(),
        "configuration error: no credentials configured"
    );
}

#[tokio::test]
async fn no_retry_policy_makes_one_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA)
        .with_retry_policy(RetryPolicy::no_retry())
        .unwrap();
    let error = transport
        .send("CreateBackup", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(error.is_retryable());
}

#[tokio::test]
async fn logs_name_the_operation_and_never_the_secrets() {
    let capture = crate::support::Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_json(alibaba_error(
            "InternalError",
            &format!("echo Signature={}", crate::support::SECRET_SIGNATURE),
            "log-1",
        )))
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA).with_service_name("aliyun-rds");
    transport
        .send("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    let logs = capture.text();
    assert!(logs.contains("operation=\"DescribeBackups\""), "{logs}");
    assert!(logs.contains("service=\"aliyun-rds\""), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
    assert!(logs.contains("status=500"), "{logs}");
    assert_no_secret(&logs);
}

/// A create or delete is never sent twice on a failure after its request may have reached the
/// service: a 5xx, a dropped connection, an attempt timeout.
#[tokio::test]
async fn a_non_idempotent_call_is_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(alibaba_error(
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
            "svc-create",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    let error = transport
        .send_with(
            "CreateBackup",
            Idempotency::NotIdempotent,
            signed_get(&transport, &server.uri()),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.attempts(), Some(1));
    assert!(!error.request_not_sent());
    // The same failure of a read is retried.
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_non_idempotent_call_is_not_repeated_after_a_dropped_connection() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let server = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    let transport = transport(config(), ALIBABA);
    let error = transport
        .send_with(
            "DeleteBackup",
            Idempotency::NotIdempotent,
            signed_get(&transport, &format!("http://{address}")),
        )
        .await
        .unwrap_err();
    server.abort();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert_eq!(error.attempts(), Some(1));
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_non_idempotent_call_is_retried_when_it_could_not_connect() {
    // Bind then drop, so the port is (almost certainly) closed: nothing was sent.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let transport = transport(config(), ALIBABA);
    let error = transport
        .send_with(
            "CreateBackup",
            Idempotency::NotIdempotent,
            signed_get(&transport, &format!("http://{address}")),
        )
        .await
        .unwrap_err();
    assert!(error.request_not_sent(), "{error}");
    assert_eq!(error.attempts(), Some(3));
}
