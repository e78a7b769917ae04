//! Alibaba Cloud RDS through the `aliyun-rds` client (V3 and V2) and raw signed requests.

use std::collections::HashSet;

use aliyun_rds::{Clock, DescribeBackupsRequest, NonceSource, SignatureVersion};
use cloud_sandbox::{ALIYUN_INSTANCE_ID, Provider, RequestKind, Sandbox, SandboxConfig};
use cloud_signer::Credentials;
use futures::TryStreamExt;
use serde_json::Value;
use time::Duration;
use time::macros::datetime;

use crate::support::{self, aliyun, aliyun_demo, credentials, fast_retries, now, send_json};

const VERSIONS: [SignatureVersion; 2] = [SignatureVersion::V3, SignatureVersion::V2];

#[tokio::test]
async fn lists_all_137_backups_of_rm_demo_with_both_signatures() {
    for version in VERSIONS {
        let sandbox = support::sandbox();
        let client = aliyun_demo(&sandbox, version);
        let backups: Vec<_> = client
            .backups(DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(backups.len(), 137, "{version:?}");
        let ids: HashSet<_> = backups
            .iter()
            .map(|b| b.backup_id.clone().unwrap())
            .collect();
        assert_eq!(ids.len(), 137, "no backup twice");
        assert!(backups.iter().all(|b| b.backup_size.unwrap() >= 256 * 1024));
        assert!(backups.iter().all(|b| b.backup_download_url.is_some()));

        // Pages of 100: two calls, both answered 200.
        let calls = sandbox.requests();
        assert_eq!(calls.len(), 2, "{calls:?}");
        for call in &calls {
            assert_eq!(call.kind, RequestKind::Api);
            assert_eq!(call.service, Some(Provider::AliyunRds));
            assert_eq!(call.operation.as_deref(), Some("DescribeBackups"));
            assert_eq!(call.status, 200);
        }
        assert_eq!(
            calls[0].method,
            if version == SignatureVersion::V3 {
                "POST"
            } else {
                "GET"
            }
        );
    }
}

#[tokio::test]
async fn pages_of_30_and_filters() {
    let sandbox = support::sandbox();
    let client = aliyun_demo(&sandbox, SignatureVersion::V3);
    let request = DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID).with_page_size(30);
    let all: Vec<_> = client.backups(request.clone()).try_collect().await.unwrap();
    assert_eq!(all.len(), 137);
    assert_eq!(sandbox.requests().len(), 5, "137 backups in pages of 30");

    let manual: Vec<_> = client
        .backups(request.with_backup_mode("Manual"))
        .try_collect()
        .await
        .unwrap();
    let expected: Vec<_> = all
        .iter()
        .filter(|b| b.backup_mode.as_deref() == Some("Manual"))
        .map(|b| b.backup_id.clone())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        manual
            .iter()
            .map(|b| b.backup_id.clone())
            .collect::<Vec<_>>(),
        expected
    );

    let last = client
        .describe_backups(
            &DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID)
                .with_page_size(30)
                .with_page_number(5),
        )
        .await
        .unwrap();
    assert_eq!(last.total_record_count, Some(137));
    assert_eq!(last.page_record_count, Some(17));
}

#[tokio::test]
async fn a_wrong_secret_is_signature_does_not_match() {
    for version in VERSIONS {
        let sandbox = support::sandbox();
        let client = aliyun(
            &sandbox,
            version,
            Credentials::new(cloud_sandbox::ALIYUN_ACCESS_KEY_ID, "not-the-secret"),
            fast_retries(),
        );
        let error = client
            .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some("SignatureDoesNotMatch"), "{version:?}");
        assert_eq!(error.status(), Some(400));
        assert!(error.is_auth());
        assert_eq!(error.attempts(), Some(1), "not retried");
        assert!(error.request_id().is_some());
        assert_eq!(error.extra_field("HostId"), Some("rds.aliyuncs.com"));
        assert!(
            error
                .extra_field("Recommend")
                .unwrap()
                .contains("SignatureDoesNotMatch")
        );
        assert!(
            error
                .message()
                .unwrap()
                .contains("server string to sign is:"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn an_unknown_access_key_is_not_found() {
    let sandbox = support::sandbox();
    let client = aliyun(
        &sandbox,
        SignatureVersion::V3,
        Credentials::new("LTAI-not-known", "whatever"),
        fast_retries(),
    );
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("InvalidAccessKeyId.NotFound"));
    assert_eq!(error.status(), Some(404));
    assert!(error.is_auth());
}

#[tokio::test]
async fn a_replayed_nonce_is_refused() {
    let sandbox = support::sandbox();
    // Through the client: a nonce source that always gives the same nonce.
    let client = aliyun(
        &sandbox,
        SignatureVersion::V3,
        credentials(Provider::AliyunRds),
        fast_retries().with_nonce_source(NonceSource::fixed("the-same-nonce")),
    );
    let request = DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID);
    client.describe_backups(&request).await.unwrap();
    let error = client.describe_backups(&request).await.unwrap_err();
    assert_eq!(error.code(), Some("SignatureNonceUsed"));
    assert_eq!(error.status(), Some(400));

    // The very same signed V2 request sent twice.
    let url = support::aliyun_v2_url(
        &sandbox,
        &[
            ("Action", "DescribeBackups"),
            ("Version", "2014-08-15"),
            ("Format", "JSON"),
            ("DBInstanceId", ALIYUN_INSTANCE_ID),
        ],
        &credentials(Provider::AliyunRds),
        now(),
        "another-nonce",
    );
    let (status, _, _) = send_json(support::http().get(&url)).await;
    assert_eq!(status, 200);
    let (status, headers, body) = send_json(support::http().get(&url)).await;
    assert_eq!(status, 400);
    assert_eq!(body["Code"], "SignatureNonceUsed");
    assert_eq!(
        headers["x-acs-request-id"].to_str().unwrap(),
        body["RequestId"].as_str().unwrap()
    );
}

#[tokio::test]
async fn a_timestamp_more_than_15_minutes_off_is_refused() {
    let sandbox = support::sandbox();
    for skew in [Duration::minutes(-20), Duration::minutes(20)] {
        let client = aliyun(
            &sandbox,
            SignatureVersion::V3,
            credentials(Provider::AliyunRds),
            fast_retries().with_clock(Clock::fixed(now() + skew)),
        );
        let error = client
            .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some("InvalidTimeStamp.Expired"), "{skew}");
        assert_eq!(error.status(), Some(400));
    }
    // Within the window is fine.
    let client = aliyun(
        &sandbox,
        SignatureVersion::V2,
        credentials(Provider::AliyunRds),
        fast_retries().with_clock(Clock::fixed(now() - Duration::minutes(10))),
    );
    client
        .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_injected_clock_sets_the_window() {
    let at = datetime!(2024-01-01 00:00 UTC);
    let sandbox = Sandbox::start(SandboxConfig::default().with_clock(move || at)).unwrap();
    let request = DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID);
    let in_2024 = aliyun(
        &sandbox,
        SignatureVersion::V3,
        credentials(Provider::AliyunRds),
        fast_retries().with_clock(Clock::fixed(at + Duration::minutes(3))),
    );
    let page = in_2024.describe_backups(&request).await.unwrap();
    // Links expire an hour after the sandbox's time.
    let url = page.items.unwrap().backup[0]
        .backup_download_url
        .clone()
        .unwrap();
    let expires = (at + Duration::hours(1)).unix_timestamp();
    assert!(url.contains(&format!("&Expires={expires}&")), "{url}");

    let today = aliyun_demo(&sandbox, SignatureVersion::V3);
    let error = today.describe_backups(&request).await.unwrap_err();
    assert_eq!(error.code(), Some("InvalidTimeStamp.Expired"));
}

#[tokio::test]
async fn page_size_must_be_30_50_or_100() {
    let sandbox = support::sandbox();
    let creds = credentials(Provider::AliyunRds);
    for (size, nonce) in [
        ("20", "n-20"),
        ("0", "n-0"),
        ("abc", "n-abc"),
        ("1000", "n-1000"),
    ] {
        let request = support::aliyun_v3(
            &sandbox,
            &[("DBInstanceId", ALIYUN_INSTANCE_ID), ("PageSize", size)],
            &creds,
            now(),
            nonce,
        );
        let (status, _, body) = send_json(request).await;
        assert_eq!(status, 400, "{size}");
        assert_eq!(body["Code"], "InvalidPageSize.Malformed", "{size}");
        assert_eq!(body["HostId"], "rds.aliyuncs.com");
    }
    for (size, nonce) in [("30", "n-30"), ("50", "n-50"), ("100", "n-100")] {
        let request = support::aliyun_v3(
            &sandbox,
            &[("DBInstanceId", ALIYUN_INSTANCE_ID), ("PageSize", size)],
            &creds,
            now(),
            nonce,
        );
        let (status, _, body) = send_json(request).await;
        assert_eq!(status, 200, "{size}: {body}");
        assert_eq!(
            body["PageRecordCount"].as_u64(),
            Some(size.parse::<u64>().unwrap().min(137))
        );
    }
    let request = support::aliyun_v3(
        &sandbox,
        &[("DBInstanceId", ALIYUN_INSTANCE_ID), ("PageNumber", "0")],
        &creds,
        now(),
        "n-page-0",
    );
    let (status, _, body) = send_json(request).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("InvalidPageNumber.Malformed"))
    );

    // The default page size is 30; a page past the end is empty.
    let request = support::aliyun_v3(
        &sandbox,
        &[("DBInstanceId", ALIYUN_INSTANCE_ID), ("PageNumber", "9")],
        &creds,
        now(),
        "n-page-9",
    );
    let (status, _, body) = send_json(request).await;
    assert_eq!(status, 200);
    assert_eq!(body["PageRecordCount"], 0);
    assert_eq!(body["Items"]["Backup"], Value::Array(vec![]));
}

#[tokio::test]
async fn raw_json_has_the_real_field_types() {
    let sandbox = support::sandbox();
    let client = aliyun_demo(&sandbox, SignatureVersion::V3);
    let request = DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID).with_page_size(100);
    let first: Value = client
        .describe_backups_raw(&request)
        .await
        .unwrap()
        .json()
        .unwrap();
    assert!(first["TotalRecordCount"].is_u64(), "a number on odd pages");
    assert_eq!(first["TotalRecordCount"], 137);
    assert_eq!(first["PageNumber"], 1);
    assert_eq!(first["PageRecordCount"], 100);
    assert!(first["RequestId"].is_string());
    let backup = &first["Items"]["Backup"][0];
    assert!(
        backup["BackupId"].is_u64(),
        "documented string, sent as a number"
    );
    assert!(backup["HostInstanceID"].is_u64());
    assert!(backup["BackupSize"].is_u64());
    assert!(backup["Encryption"].is_object());
    assert!(backup["StorageClass"].is_u64());
    assert_eq!(backup["DBInstanceId"], ALIYUN_INSTANCE_ID);
    assert_eq!(backup["BackupStatus"], "Success");
    let start = backup["BackupStartTime"].as_str().unwrap();
    assert_eq!(start.len(), "2026-11-20T18:03:12Z".len());
    assert!(start.ends_with('Z'));
    let url = backup["BackupDownloadURL"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/files/aliyun-rds/rm-demo/", sandbox.endpoint())));
    assert!(
        url.contains("?OSSAccessKeyId=")
            && url.contains("&Expires=")
            && url.contains("&Signature=")
    );

    let second: Value = client
        .describe_backups_raw(&request.with_page_number(2))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(second["TotalRecordCount"], "137", "a string on even pages");
    assert_eq!(second["PageRecordCount"], 37);
}

#[tokio::test]
async fn signature_v2_without_format_answers_xml() {
    let sandbox = support::sandbox();
    let url = support::aliyun_v2_url(
        &sandbox,
        &[
            ("Action", "DescribeBackups"),
            ("Version", "2014-08-15"),
            ("DBInstanceId", ALIYUN_INSTANCE_ID),
            ("PageSize", "30"),
        ],
        &credentials(Provider::AliyunRds),
        now(),
        "xml-nonce",
    );
    let response = support::http().get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    let body = response.text().await.unwrap();
    assert!(body.starts_with("<?xml version='1.0' encoding='UTF-8'?><DescribeBackupsResponse>"));
    assert_eq!(body.matches("<Backup>").count(), 30);
    assert!(body.contains("<TotalRecordCount>137</TotalRecordCount>"));
    // `&` in the links is escaped.
    assert!(body.contains("&amp;Expires="));
}

#[tokio::test]
async fn unknown_instances_and_actions() {
    let sandbox = support::sandbox();
    let client = aliyun_demo(&sandbox, SignatureVersion::V3);
    let error = client
        .describe_backups(&DescribeBackupsRequest::new("rm-nope"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("InvalidDBInstanceId.NotFound"));
    assert!(error.is_not_found());

    let url = support::aliyun_v2_url(
        &sandbox,
        &[
            ("Action", "DescribeSQLLogRecords"),
            ("Version", "2014-08-15"),
            ("Format", "JSON"),
        ],
        &credentials(Provider::AliyunRds),
        now(),
        "action-nonce",
    );
    let (status, _, body) = send_json(support::http().get(&url)).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (404, Some("InvalidAction.NotFound"))
    );

    let url = support::aliyun_v2_url(
        &sandbox,
        &[
            ("Action", "DescribeBackups"),
            ("Version", "2014-08-15"),
            ("Format", "JSON"),
        ],
        &credentials(Provider::AliyunRds),
        now(),
        "missing-nonce",
    );
    let (status, _, body) = send_json(support::http().get(&url)).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("MissingDBInstanceId"))
    );
}

#[tokio::test]
async fn a_tampered_payload_hash_is_refused() {
    let sandbox = support::sandbox();
    let creds = credentials(Provider::AliyunRds);
    let request = support::aliyun_v3(
        &sandbox,
        &[("DBInstanceId", ALIYUN_INSTANCE_ID)],
        &creds,
        now(),
        "body-nonce",
    )
    .body("unexpected body");
    let (status, _, body) = send_json(request).await;
    assert_eq!(status, 400);
    assert_eq!(body["Code"], "SignatureDoesNotMatch");
    assert!(
        body["Message"]
            .as_str()
            .unwrap()
            .contains("x-acs-content-sha256")
    );
}
