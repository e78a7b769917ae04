//! Decoding responses that are not what was expected: never a panic, always a useful message.

use cloud_http::ErrorKind;
use serde::Deserialize;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{ALIBABA, CAPITAL_ONLINE, config, signed_get, transport};

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct DescribeBackups {
    #[serde(rename = "RequestId")]
    request_id: String,
    #[serde(rename = "Items")]
    items: Items,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Items {
    #[serde(rename = "Backup")]
    backup: Vec<Backup>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Backup {
    #[serde(rename = "BackupId")]
    id: String,
    #[serde(rename = "BackupSize")]
    size: u64,
}

/// Serves `body` with status 200 (and `x-acs-request-id`), decodes it as DescribeBackups.
async fn decode(body: &str) -> cloud_http::Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-acs-request-id", "dec-1")
                .set_body_raw(body.to_owned(), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let transport = transport(config(), ALIBABA);
    transport
        .send_json::<DescribeBackups, _>("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .expect_err("decoding should fail")
}

#[tokio::test]
async fn html_page_with_status_200() {
    let error = decode(
        "<!DOCTYPE html>\n<html><head><title>Access denied | WAF</title></head><body>blocked</body></html>",
    )
    .await;
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "decode error: expected JSON, got an HTML page titled \"Access denied | WAF\" \
         (HTTP 200, request id dec-1)"
    );
    assert_eq!(error.operation(), Some("DescribeBackups"));
}

#[tokio::test]
async fn html_page_without_title() {
    let error = decode("<html><body>oops</body></html>").await;
    assert!(
        error
            .to_string()
            .contains("expected JSON, got an HTML page"),
        "{error}"
    );
}

#[tokio::test]
async fn empty_body() {
    let error = decode("").await;
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(
        error
            .to_string()
            .contains("expected JSON, got an empty body"),
        "{error}"
    );
}

#[tokio::test]
async fn truncated_json_names_the_path() {
    let error = decode(
        r#"{"RequestId":"r","Items":{"Backup":[{"BackupId":"1","BackupSize":10},{"BackupId":"2","Backup"#,
    )
    .await;
    let shown = error.to_string();
    assert!(shown.contains("truncated JSON"), "{shown}");
    assert!(shown.contains("Items.Backup[1]"), "{shown}");
    assert!(shown.contains("body starts with \"{"), "{shown}");
}

#[tokio::test]
async fn wrong_type_names_the_path() {
    let error = decode(
        r#"{"RequestId":"r","Items":{"Backup":[{"BackupId":"1","BackupSize":10},{"BackupId":"2","BackupSize":"big"}]}}"#,
    )
    .await;
    assert_eq!(error.json_path(), Some("Items.Backup[1].BackupSize"));
    let shown = error.to_string();
    assert!(
        shown.starts_with("decode error: unexpected value at `Items.Backup[1].BackupSize`: invalid type: string \"big\""),
        "{shown}"
    );
    assert!(shown.ends_with("(HTTP 200, request id dec-1)"), "{shown}");
}

#[tokio::test]
async fn missing_field_names_its_parent() {
    let error = decode(r#"{"RequestId":"r","Items":{}}"#).await;
    assert!(
        error.to_string().contains("missing field `Backup`"),
        "{error}"
    );
    assert_eq!(error.json_path(), Some("Items"));
}

#[tokio::test]
async fn not_json_text_is_quoted_briefly() {
    let long = format!("Service temporarily unavailable {}", "z".repeat(10_000));
    let error = decode(&long).await;
    let shown = error.to_string();
    assert!(shown.contains("invalid JSON"), "{shown}");
    assert!(
        shown.len() < 400,
        "excerpt not capped: {} chars",
        shown.len()
    );
}

#[tokio::test]
async fn capital_online_html_with_200_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<html><title>Maintenance</title></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let transport = transport(config(), CAPITAL_ONLINE);
    let error = transport
        .send_json::<serde_json::Value, _>("DescribeBackups", signed_get(&transport, &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(error.to_string().contains("\"Maintenance\""), "{error}");
}
