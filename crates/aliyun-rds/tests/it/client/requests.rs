//! What is checked before sending, the raw response, and lenient decoding through the client.

use aliyun_rds::{DescribeBackupsRequest, ErrorKind, SignatureVersion};
use futures::StreamExt;
use serde_json::json;
use time::macros::datetime;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{INSTANCE, client_for, error_body, received};

/// A server that must receive nothing.
async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let server = silent_server().await;
    let client = client_for(&server, SignatureVersion::V3);
    let base = DescribeBackupsRequest::new(INSTANCE);
    let invalid = [
        (base.clone().with_page_size(20), "PageSize"),
        (base.clone().with_page_size(0), "PageSize"),
        (base.clone().with_page_size(101), "PageSize"),
        (base.clone().with_page_number(0), "PageNumber"),
        (DescribeBackupsRequest::new(""), "DBInstanceId"),
        (
            base.clone()
                .with_start_time(datetime!(2024-02-01 00:00 UTC))
                .with_end_time(datetime!(2024-01-01 00:00 UTC)),
            "EndTime",
        ),
    ];
    for (request, named) in invalid {
        let error = client.describe_backups(&request).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config, "{request:?}");
        assert!(error.to_string().contains(named), "{error}");

        let error = client.describe_backups_raw(&request).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);

        // The stream yields the error once, then ends.
        let results: Vec<_> = client.backups(request).collect().await;
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].as_ref().unwrap_err().kind(), ErrorKind::Config);
    }
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn raw_returns_the_body_as_received() {
    let server = MockServer::start().await;
    // Odd spacing, member order and number formats survive untouched.
    let body = r#"{"TotalRecordCount":"1" ,"Items":{"Backup":[{"BackupId":321020562,"BackupSize":"74464.0"}]},"RequestId":"R-1","Extra":{"x":[1,2]}}"#;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(body, "application/json")
                .insert_header("x-acs-request-id", "R-1"),
        )
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V3);
    let raw = client
        .describe_backups_raw(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.body().as_ref(), body.as_bytes());
    assert_eq!(raw.request_id(), Some("R-1"));
}

#[tokio::test]
async fn raw_still_maps_service_errors() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404).set_body_json(error_body(
            "InvalidDBInstanceId.NotFound",
            "Specified instance does not exist or not support.",
            "NOT-FOUND-1",
        )))
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V2);
    let error = client
        .describe_backups_raw(&DescribeBackupsRequest::new("rm-missing"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert!(error.is_not_found());
    assert_eq!(error.code(), Some("InvalidDBInstanceId.NotFound"));
    assert_eq!(error.request_id(), Some("NOT-FOUND-1"));
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn numbers_as_strings_and_strings_as_numbers_decode() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "TotalRecordCount": "137",
            "PageNumber": "2",
            "PageRecordCount": 1,
            "Items": {"Backup": [{
                "BackupId": 321020562,
                "HostInstanceID": 5882781,
                "BackupSize": "2167808",
                "Encryption": {},
                "SomethingNew": true,
            }]},
        })))
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V3);
    let response = client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap();
    assert_eq!(response.total_record_count, Some(137));
    assert_eq!(response.page_number, Some(2));
    assert_eq!(response.page_record_count, Some(1));
    let backup = &response.items.as_ref().unwrap().backup[0];
    assert_eq!(backup.backup_id.as_deref(), Some("321020562"));
    assert_eq!(backup.host_instance_id.as_deref(), Some("5882781"));
    assert_eq!(backup.backup_size, Some(2_167_808));
    assert!(backup.unknown_fields.contains_key("SomethingNew"));
}
