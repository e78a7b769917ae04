//! Retries: throttling then success, 5xx until the attempts run out, and a fresh signature
//! (new nonce) for every attempt.

use std::collections::HashSet;

use aliyun_rds::{Client, DescribeBackupsRequest, ErrorKind, NonceSource, SignatureVersion};
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    INSTANCE, client_for, config_for, error_body, fast_http, header, page_body, query, received,
};

/// The first `failures` requests get `failure`, the rest one page of one backup.
async fn failing_then_ok(failure: ResponseTemplate, failures: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(failure)
        .up_to_n_times(failures)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(page_body(
            &[321_020_562],
            json!(1),
            json!(1),
        )))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

fn throttled() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(error_body(
        "Throttling.User",
        "Request was denied due to user flow control.",
        "THROTTLED-1",
    ))
}

#[tokio::test]
async fn throttling_then_success() {
    let server = failing_then_ok(throttled(), 1).await;
    let client = client_for(&server, SignatureVersion::V3);
    let response = client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap();
    assert_eq!(response.total_record_count, Some(1));
    assert_eq!(received(&server).await.len(), 2);
}

/// Three attempts, plus ten retries after throttling that do not count against them.
#[tokio::test]
async fn throttling_every_time_gives_a_throttling_error_after_thirteen_attempts() {
    let server = failing_then_ok(throttled(), 20).await;
    let client = client_for(&server, SignatureVersion::V3);
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap_err();
    assert!(error.is_throttling());
    assert_eq!(error.code(), Some("Throttling.User"));
    assert_eq!(error.attempts(), Some(13));
    assert_eq!(received(&server).await.len(), 13);
}

#[tokio::test]
async fn a_5xx_exhausts_the_three_attempts() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_json(error_body(
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
            "UNAVAILABLE-3",
        )))
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V2);
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.code(), Some("ServiceUnavailable"));
    assert_eq!(error.request_id(), Some("UNAVAILABLE-3"));
    assert!(error.is_retryable());
    assert_eq!(error.attempts(), Some(3));
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn v3_retry_is_signed_afresh_with_a_new_nonce() {
    let server = failing_then_ok(throttled(), 1).await;
    let client = client_for(&server, SignatureVersion::V3);
    client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    let nonces: HashSet<&str> = requests
        .iter()
        .map(|r| header(r, "x-acs-signature-nonce").unwrap())
        .collect();
    assert_eq!(nonces.len(), 2, "{nonces:?}");
    let authorizations: HashSet<&str> = requests
        .iter()
        .map(|r| header(r, "authorization").unwrap())
        .collect();
    assert_eq!(authorizations.len(), 2);
}

#[tokio::test]
async fn v2_retry_is_signed_afresh_with_a_new_nonce() {
    let server = failing_then_ok(ResponseTemplate::new(500), 1).await;
    // A counter instead of random nonces: the values must follow the attempts.
    let counter = std::sync::atomic::AtomicU32::new(0);
    let http = fast_http().with_nonce_source(NonceSource::from_fn(move || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        format!("nonce-{n}")
    }));
    let client = Client::new(config_for(&server, SignatureVersion::V2).with_http(http)).unwrap();
    client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap();

    let requests = received(&server).await;
    let nonces: Vec<String> = requests
        .iter()
        .map(|r| query(r)["SignatureNonce"].clone())
        .collect();
    assert_eq!(nonces, ["nonce-0", "nonce-1"]);
    let signatures: HashSet<String> = requests
        .iter()
        .map(|r| query(r)["Signature"].clone())
        .collect();
    assert_eq!(signatures.len(), 2);
}
