//! Error responses: the provider's body mapped into the error, HTML and truncated bodies.

use aliyun_rds::{DescribeBackupsRequest, ErrorKind, SignatureVersion};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{INSTANCE, client_for, error_body, received};

async fn answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn wrong_credentials_give_signature_does_not_match_with_code_message_and_request_id() {
    let message = "Specified signature is not matched with our calculation. server string to sign is:POST\n/\n...";
    let server = answering(ResponseTemplate::new(400).set_body_json(error_body(
        "SignatureDoesNotMatch",
        message,
        "6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581",
    )))
    .await;
    for version in [SignatureVersion::V3, SignatureVersion::V2] {
        let client = client_for(&server, version);
        let error = client
            .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Service);
        assert_eq!(error.status(), Some(400));
        assert_eq!(error.code(), Some("SignatureDoesNotMatch"));
        assert_eq!(error.message(), Some(message));
        assert_eq!(
            error.request_id(),
            Some("6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581")
        );
        assert_eq!(error.extra_field("HostId"), Some("rds.aliyuncs.com"));
        assert!(
            error
                .extra_field("Recommend")
                .is_some_and(|r| r.contains("SignatureDoesNotMatch"))
        );
        assert!(error.is_auth());
        assert!(!error.is_retryable());
        assert_eq!(error.attempts(), Some(1));
        assert_eq!(error.operation(), Some("DescribeBackups"));
        let shown = error.to_string();
        assert!(shown.contains("SignatureDoesNotMatch"), "{shown}");
        assert!(shown.contains("6BE56E05"), "{shown}");
        for text in [shown, format!("{error:?}")] {
            assert!(!text.contains("testsecret"), "{text}");
        }
    }
    // Not retried: one request per signature version.
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn an_html_page_with_200_is_a_decode_error_not_a_panic() {
    let server = answering(ResponseTemplate::new(200).set_body_raw(
        "<html><head><title>Gateway maintenance</title></head><body>Try later</body></html>",
        "text/html",
    ))
    .await;
    let client = client_for(&server, SignatureVersion::V3);
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.status(), Some(200));
    assert!(error.to_string().to_lowercase().contains("html"), "{error}");
}

#[tokio::test]
async fn an_html_gateway_error_is_a_retried_service_error() {
    let server = answering(
        ResponseTemplate::new(502)
            .set_body_raw("<html><title>502 Bad Gateway</title></html>", "text/html"),
    )
    .await;
    let client = client_for(&server, SignatureVersion::V2);
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.status(), Some(502));
    assert_eq!(error.attempts(), Some(3));
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn a_truncated_body_is_a_decode_error_not_a_panic() {
    let server = answering(ResponseTemplate::new(200).set_body_raw(
        r#"{"RequestId":"T-1","TotalRecordCount":137,"Items":{"Backup":[{"BackupId":1,"#,
        "application/json",
    ))
    .await;
    let client = client_for(&server, SignatureVersion::V3);
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.operation(), Some("DescribeBackups"));

    // Through the stream too: one error, then the end.
    let results: Vec<_> = futures::StreamExt::collect::<Vec<_>>(
        client.backups(DescribeBackupsRequest::new(INSTANCE)),
    )
    .await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].as_ref().unwrap_err().kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn an_empty_error_body_keeps_the_status() {
    let server = answering(ResponseTemplate::new(403)).await;
    let client = client_for(&server, SignatureVersion::V3);
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.status(), Some(403));
    assert!(error.is_auth());
}
