//! Fault injection: throttling and 5xx through the clients' retries, cut downloads, ignored
//! ranges.

use aliyun_rds::{DescribeBackupsRequest, SignatureVersion};
use cloud_sandbox::{
    ALIYUN_INSTANCE_ID, CAPITALONLINE_INSTANCE_ID, FaultKind, Faults, HUAWEI_RDS_INSTANCE_ID,
    RequestKind, Sandbox, SandboxConfig, Service,
};
use futures::StreamExt;
use huaweicloud_rds::ListBackupsRequest;

use crate::support::{self, aliyun, aliyun_demo, credentials, fast_retries, http};

fn api_calls(sandbox: &Sandbox) -> Vec<(u16, Option<String>, Option<FaultKind>)> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.kind == RequestKind::Api)
        .map(|r| (r.status, r.error_code, r.fault))
        .collect()
}

#[tokio::test]
async fn throttling_then_success_through_the_retries() {
    let sandbox = support::sandbox();
    sandbox.faults().throttle_next(2);
    let client = aliyun_demo(&sandbox, SignatureVersion::V3);
    let page = client
        .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap();
    assert_eq!(page.total_record_count, Some(137));
    let throttled = (
        400,
        Some("Throttling.User".to_owned()),
        Some(FaultKind::Throttled),
    );
    assert_eq!(
        api_calls(&sandbox),
        [throttled.clone(), throttled, (200, None, None)],
        "each retry signed afresh: no SignatureNonceUsed"
    );
    assert_eq!(sandbox.faults().get().throttle, 0);

    sandbox.clear_requests();
    sandbox.faults().throttle_next(1);
    let rds = support::rds_demo(&sandbox);
    rds.list_backups(&ListBackupsRequest::new(HUAWEI_RDS_INSTANCE_ID))
        .await
        .unwrap();
    assert_eq!(
        api_calls(&sandbox),
        [
            (
                429,
                Some("APIG.0308".to_owned()),
                Some(FaultKind::Throttled)
            ),
            (200, None, None)
        ]
    );

    sandbox.clear_requests();
    sandbox.faults().throttle_next(1);
    let cds = support::capitalonline_demo(&sandbox);
    cds.describe_backups(CAPITALONLINE_INSTANCE_ID)
        .await
        .unwrap();
    assert_eq!(
        api_calls(&sandbox),
        [
            (
                429,
                Some("Throttling".to_owned()),
                Some(FaultKind::Throttled)
            ),
            (200, None, None)
        ]
    );
}

#[tokio::test]
async fn too_much_throttling_is_a_throttling_error() {
    let sandbox =
        Sandbox::start(SandboxConfig::default().with_faults(Faults::new().with_throttle(10)))
            .unwrap();
    let client = aliyun(
        &sandbox,
        SignatureVersion::V2,
        credentials(Service::AliyunRds),
        fast_retries(),
    );
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap_err();
    assert!(error.is_throttling());
    assert_eq!(error.code(), Some("Throttling.User"));
    assert_eq!(error.attempts(), Some(4));
    assert_eq!(sandbox.faults().get().throttle, 6);
}

#[tokio::test]
async fn server_errors_then_success() {
    let sandbox = support::sandbox();
    sandbox.faults().fail_next(1);
    aliyun_demo(&sandbox, SignatureVersion::V3)
        .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap();
    sandbox.faults().fail_next(1);
    support::rds_demo(&sandbox)
        .list_backups(&ListBackupsRequest::new(HUAWEI_RDS_INSTANCE_ID))
        .await
        .unwrap();
    sandbox.faults().fail_next(1);
    support::capitalonline_demo(&sandbox)
        .describe_backups(CAPITALONLINE_INSTANCE_ID)
        .await
        .unwrap();
    let failed =
        |status: u16, code: &str| (status, Some(code.to_owned()), Some(FaultKind::ServerError));
    let ok = (200, None, None);
    assert_eq!(
        api_calls(&sandbox),
        [
            failed(503, "ServiceUnavailable"),
            ok.clone(),
            failed(500, "DBS.108000"),
            ok.clone(),
            failed(500, "InternalError"),
            ok
        ]
    );
}

#[tokio::test]
async fn faults_hit_only_their_service() {
    let sandbox = support::sandbox();
    sandbox.faults().set(
        Faults::new()
            .with_throttle(1)
            .with_service(Service::HuaweiRds),
    );
    aliyun(
        &sandbox,
        SignatureVersion::V3,
        credentials(Service::AliyunRds),
        fast_retries().with_retry(aliyun_rds::RetryPolicy::no_retry()),
    )
    .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
    .await
    .unwrap();
    assert_eq!(sandbox.faults().get().throttle, 1);
    let error = support::rds(
        &sandbox,
        credentials(Service::HuaweiRds),
        fast_retries().with_retry(huaweicloud_rds::RetryPolicy::no_retry()),
    )
    .list_backups(&ListBackupsRequest::new(HUAWEI_RDS_INSTANCE_ID))
    .await
    .unwrap_err();
    assert!(error.is_throttling());
    assert_eq!(error.status(), Some(429));
}

#[tokio::test]
async fn a_download_is_cut_after_k_bytes() {
    let sandbox = support::sandbox();
    let file = sandbox
        .backup(Service::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    sandbox.faults().drop_next_downloads(1, 100_000);

    let response = http().get(&file.download_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.content_length(),
        Some(file.size),
        "the head promises the whole file"
    );
    let mut stream = response.bytes_stream();
    let mut received = Vec::new();
    let mut failed = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "the body ends with an error, not a clean end");
    assert_eq!(received.len(), 100_000, "exactly the bytes before the cut");
    assert_eq!(
        received,
        cloud_sandbox::content(&file.backup_id, 0, received.len())
    );

    // Resuming with a range gets the rest; the next download is whole again.
    let rest = http()
        .get(&file.download_url)
        .header("range", format!("bytes={}-", received.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 206);
    received.extend_from_slice(&rest.bytes().await.unwrap());
    assert_eq!(
        received,
        cloud_sandbox::content(&file.backup_id, 0, file.size as usize)
    );
    assert_eq!(
        support::download(&file.download_url).await.len() as u64,
        file.size
    );

    let faults: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter_map(|r| r.fault)
        .collect();
    assert_eq!(faults, [FaultKind::DroppedDownload]);
}

#[tokio::test]
async fn ignoring_range_answers_the_whole_file() {
    let sandbox =
        Sandbox::start(SandboxConfig::default().with_faults(Faults::new().with_ignore_range(true)))
            .unwrap();
    let file = sandbox
        .backup(Service::CapitalOnlineMysql, CAPITALONLINE_INSTANCE_ID, 0)
        .unwrap();
    let response = http()
        .get(&file.download_url)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-range").is_none());
    assert_eq!(response.bytes().await.unwrap().len() as u64, file.size);
    assert!(
        sandbox.faults().get().ignore_range,
        "a switch, not a counter"
    );

    sandbox.faults().ignore_range(false);
    let response = http()
        .get(&file.download_url)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    let faults: Vec<_> = sandbox.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults, [Some(FaultKind::IgnoredRange), None]);
}
