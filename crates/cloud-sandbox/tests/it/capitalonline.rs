//! Capital Online MySQL through the `capitalonline-mysql` client.

use capitalonline_mysql::{Clock, NonceSource};
use cloud_sandbox::{CAPITALONLINE_INSTANCE_ID, Provider};
use cloud_signer::Credentials;
use serde_json::Value;
use time::Duration;

use crate::support::{self, capitalonline, capitalonline_demo, credentials, fast_retries, now};

fn is_zoneless_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 19
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b' ',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        })
}

#[tokio::test]
async fn describes_and_downloads_backups() {
    let sandbox = support::sandbox();
    let client = capitalonline_demo(&sandbox);
    let backups = client
        .describe_backups(CAPITALONLINE_INSTANCE_ID)
        .await
        .unwrap();
    assert_eq!(backups.code.as_deref(), Some("Success"));
    assert_eq!(backups.data.len(), 14);

    let raw: Value = client
        .describe_backups_raw(CAPITALONLINE_INSTANCE_ID)
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(raw["Code"], "Success");
    assert_eq!(raw["Message"], "Success.");
    let first = &raw["Data"][0];
    assert!(
        first["BackupSize"].is_u64(),
        "documented string, sent as a number"
    );
    for field in ["StartTime", "EndTime", "BackupFinishTime"] {
        let text = first[field].as_str().unwrap();
        assert!(is_zoneless_time(text), "{field}: {text}");
    }
    assert_eq!(first["InstanceId"], CAPITALONLINE_INSTANCE_ID);
    assert_eq!(first["Status"], "finished");

    let backup = &backups.data[0];
    let id = backup.backup_id.as_deref().unwrap();
    let download = client
        .download_backup(CAPITALONLINE_INSTANCE_ID, id)
        .await
        .unwrap();
    let data = download.data.unwrap();
    assert_eq!(data.backup_size, backup.backup_size);
    let url = data.backup_download_url.unwrap();
    assert!(
        url.contains("?Expires=") && url.contains("&Signature="),
        "{url}"
    );
    let file = support::download(&url).await;
    assert_eq!(Some(file.len() as i64), backup.backup_size);
    let expected = sandbox
        .find_backup(Provider::CapitalOnlineMysql, id)
        .unwrap()
        .content(0, file.len());
    assert_eq!(file, expected);

    let error = client
        .download_backup(CAPITALONLINE_INSTANCE_ID, "no-such-backup")
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ResourceNotFound"));
    assert!(error.is_not_found());
}

#[tokio::test]
async fn wrong_credentials_are_refused() {
    let sandbox = support::sandbox();
    let wrong_secret = capitalonline(
        &sandbox,
        Credentials::new(cloud_sandbox::CAPITALONLINE_ACCESS_KEY_ID, "nope"),
        fast_retries(),
    );
    let error = wrong_secret
        .describe_backups(CAPITALONLINE_INSTANCE_ID)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(error.status(), Some(403));
    assert!(error.is_auth());
    assert_eq!(error.attempts(), Some(1));
    assert!(error.request_id().is_some(), "the cds-request-id header");

    // An Alibaba Cloud key pair is not a Capital Online one.
    let wrong_key = capitalonline(&sandbox, credentials(Provider::AliyunRds), fast_retries());
    let error = wrong_key
        .describe_backups(CAPITALONLINE_INSTANCE_ID)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("InvalidAccessKeyId"));
    assert!(error.is_auth());

    // Signed the Alibaba way (secret + "&"): refused too.
    let url = {
        use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
        let request = RpcRequest::new("GET")
            .with_param("Action", "DescribeBackups")
            .with_param("Version", rpc::CAPITAL_ONLINE_VERSION)
            .with_param("InstanceUuid", CAPITALONLINE_INSTANCE_ID);
        let signed = rpc::sign(
            RpcFlavor::Aliyun,
            &request,
            &credentials(Provider::CapitalOnlineMysql),
            now(),
            "aliyun-flavour",
        );
        format!("{}/mysql/?{}", sandbox.endpoint(), signed.query_string())
    };
    let (status, headers, body) = support::send_json(support::http().get(url)).await;
    assert_eq!(status, 403);
    assert_eq!(body["Code"], "SignatureDoesNotMatch");
    assert_eq!(body["TaskId"], "");
    assert!(headers.contains_key("cds-request-id"));
}

#[tokio::test]
async fn a_replayed_nonce_and_an_old_timestamp_are_refused() {
    let sandbox = support::sandbox();
    let replaying = capitalonline(
        &sandbox,
        credentials(Provider::CapitalOnlineMysql),
        fast_retries().with_nonce_source(NonceSource::fixed("fixed")),
    );
    replaying
        .describe_backups(CAPITALONLINE_INSTANCE_ID)
        .await
        .unwrap();
    let error = replaying
        .describe_backups(CAPITALONLINE_INSTANCE_ID)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("SignatureNonceUsed"));

    let late = capitalonline(
        &sandbox,
        credentials(Provider::CapitalOnlineMysql),
        fast_retries().with_clock(Clock::fixed(now() - Duration::minutes(16))),
    );
    let error = late
        .describe_backups(CAPITALONLINE_INSTANCE_ID)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("RequestExpired"));
    assert_eq!(error.status(), Some(403));
}

#[tokio::test]
async fn unknown_instances_missing_arguments_and_actions() {
    let sandbox = support::sandbox();
    let client = capitalonline_demo(&sandbox);
    let error = client.describe_backups("nope").await.unwrap_err();
    assert_eq!(error.code(), Some("ResourceNotFound"));
    assert_eq!(error.status(), Some(404));

    let creds = credentials(Provider::CapitalOnlineMysql);
    let url = support::capitalonline_url(
        &sandbox,
        &[("Action", "DescribeBackups")],
        &creds,
        now(),
        "n1",
    );
    let (status, _, body) = support::send_json(support::http().get(url)).await;
    assert_eq!((status, body["Code"].as_str()), (400, Some("ArgMissing")));

    let url = support::capitalonline_url(
        &sandbox,
        &[
            ("Action", "CreateBackup"),
            ("InstanceUuid", CAPITALONLINE_INSTANCE_ID),
        ],
        &creds,
        now(),
        "n2",
    );
    let (status, _, body) = support::send_json(support::http().get(url)).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("UnsupportedOperation"))
    );
}
