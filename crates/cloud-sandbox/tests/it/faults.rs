//! Fault injection: throttling and 5xx through the clients' retries, cut downloads, ignored
//! ranges, corrupted downloads, hung requests.

use std::time::Duration;

use aliyun_rds::{DescribeBackupsRequest, SignatureVersion};
use cloud_sandbox::{
    ALIYUN_INSTANCE_ID, CAPITALONLINE_INSTANCE_ID, FaultKind, Faults, HUAWEI_RDS_INSTANCE_ID,
    Provider, RequestKind, Sandbox, SandboxConfig,
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
    // 4 attempts, plus 10 retries after throttling that do not count against them.
    let sandbox =
        Sandbox::start(SandboxConfig::default().with_faults(Faults::new().with_throttle(20)))
            .unwrap();
    let client = aliyun(
        &sandbox,
        SignatureVersion::V2,
        credentials(Provider::AliyunRds),
        fast_retries(),
    );
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap_err();
    assert!(error.is_throttling());
    assert_eq!(error.code(), Some("Throttling.User"));
    assert_eq!(error.attempts(), Some(14));
    assert_eq!(sandbox.faults().get().throttle, 6);

    // With one attempt, none at all.
    let client = aliyun(
        &sandbox,
        SignatureVersion::V2,
        credentials(Provider::AliyunRds),
        fast_retries().with_retry(aliyun_rds::RetryPolicy::no_retry()),
    );
    let error = client
        .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), Some(1));
    assert_eq!(sandbox.faults().get().throttle, 5);
}

/// Three calls of one API in a row at a rate of two a second: the third is refused with each
/// provider's throttling error (Alibaba Cloud's saying how long to wait in
/// `x-acs-retry-after`), and recorded as rate-limited.
#[tokio::test]
async fn calls_over_the_rate_are_throttled_with_each_providers_error() {
    let sandbox =
        Sandbox::start(SandboxConfig::default().with_faults(Faults::new().with_rate(2))).unwrap();
    let no_retry = || fast_retries().with_retry(aliyun_rds::RetryPolicy::no_retry());
    let alibaba = aliyun(
        &sandbox,
        SignatureVersion::V3,
        credentials(Provider::AliyunRds),
        no_retry(),
    );
    let request = DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID);
    alibaba.describe_backups(&request).await.unwrap();
    alibaba.describe_backups(&request).await.unwrap();
    let error = alibaba.describe_backups(&request).await.unwrap_err();
    assert!(error.is_throttling(), "{error}");
    assert_eq!(error.code(), Some("Throttling.User"));
    let wait = error.retry_after().expect("x-acs-retry-after");
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_millis(500),
        "{wait:?}"
    );
    // Another API has its own rate.
    alibaba
        .describe_binlog_files(
            &aliyun_rds::DescribeBinlogFilesRequest::new(ALIYUN_INSTANCE_ID)
                .with_start_time(support::now() - time::Duration::hours(3))
                .with_end_time(support::now()),
        )
        .await
        .unwrap();

    let rds = support::rds(&sandbox, credentials(Provider::HuaweiCloudRds), no_retry());
    let request = ListBackupsRequest::new(HUAWEI_RDS_INSTANCE_ID);
    rds.list_backups(&request).await.unwrap();
    rds.list_backups(&request).await.unwrap();
    let error = rds.list_backups(&request).await.unwrap_err();
    assert_eq!(error.code(), Some("APIG.0308"));
    assert_eq!(error.status(), Some(429));
    assert!(
        error.to_string().contains("limit:2,time:1 second"),
        "{error}"
    );

    let limited: Vec<_> = api_calls(&sandbox)
        .into_iter()
        .filter(|call| call.2 == Some(FaultKind::RateLimited))
        .collect();
    assert_eq!(limited.len(), 2, "{limited:?}");

    // Through the retries, calls over the rate wait as asked and succeed.
    let alibaba = aliyun(
        &sandbox,
        SignatureVersion::V3,
        credentials(Provider::AliyunRds),
        fast_retries(),
    );
    for _ in 0..4 {
        alibaba
            .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_default_rates_are_documented_and_zero_turns_them_off() {
    assert_eq!(cloud_sandbox::rate::READ_RATE, 100);
    assert_eq!(cloud_sandbox::rate::WRITE_RATE, 10);
    let sandbox =
        Sandbox::start(SandboxConfig::default().with_faults(Faults::new().with_rate(0))).unwrap();
    let cds = support::capitalonline_demo(&sandbox);
    for _ in 0..150 {
        cds.describe_backups(CAPITALONLINE_INSTANCE_ID)
            .await
            .unwrap();
    }
    assert!(api_calls(&sandbox).iter().all(|call| call.0 == 200));
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
            .with_service(Provider::HuaweiCloudRds),
    );
    aliyun(
        &sandbox,
        SignatureVersion::V3,
        credentials(Provider::AliyunRds),
        fast_retries().with_retry(aliyun_rds::RetryPolicy::no_retry()),
    )
    .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
    .await
    .unwrap();
    assert_eq!(sandbox.faults().get().throttle, 1);
    let error = support::rds(
        &sandbox,
        credentials(Provider::HuaweiCloudRds),
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
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
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
    assert_eq!(received, file.content(0, received.len()));

    // Resuming with a range gets the rest; the next download is whole again.
    let rest = http()
        .get(&file.download_url)
        .header("range", format!("bytes={}-", received.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 206);
    received.extend_from_slice(&rest.bytes().await.unwrap());
    assert_eq!(received, file.content(0, file.size as usize));
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
        .backup(Provider::CapitalOnlineMysql, CAPITALONLINE_INSTANCE_ID, 0)
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

/// A capped, late sandbox still sends every byte right, whole and in ranges (how fast is for
/// the benchmarks, never asserted here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capped_late_download_sends_the_same_bytes() {
    let faults = Faults::new().with_bandwidth(4 << 20).with_latency_ms(5);
    let sandbox = Sandbox::start(SandboxConfig::default().with_faults(faults)).unwrap();
    let file = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    let whole = http().get(&file.download_url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    let body = whole.bytes().await.unwrap();
    assert_eq!(body.len() as u64, file.size);
    assert!(
        body == file.content(0, body.len()),
        "the capped body differs"
    );
    let part = http()
        .get(&file.download_url)
        .header("range", "bytes=1000-300999")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    let body = part.bytes().await.unwrap();
    assert!(body == file.content(1000, 300_000));
    assert!(sandbox.requests().iter().all(|r| r.fault.is_none()));
    // Switched off through the handle.
    sandbox.faults().limit_bandwidth(None);
    sandbox.faults().add_latency(None);
    assert!(sandbox.faults().get().is_empty());
}

#[tokio::test]
async fn a_corrupted_download_flips_one_byte() {
    let sandbox = support::sandbox();
    let file = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    let true_file = file.content(0, file.size as usize);
    let crc = file.crc64().to_string();
    sandbox.faults().corrupt_next_downloads(2, 1000);

    // A range without the offset passes untouched and uses nothing up.
    let response = http()
        .get(&file.download_url)
        .header("range", "bytes=2000-2999")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    assert_eq!(&response.bytes().await.unwrap()[..], &true_file[2000..3000]);
    assert_eq!(sandbox.faults().get().corrupt_downloads, 2);

    // A range with it: that byte flipped, at its place in the range.
    let response = http()
        .get(&file.download_url)
        .header("range", "bytes=900-1099")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    let body = response.bytes().await.unwrap();
    let mut expected = true_file[900..1100].to_vec();
    expected[100] ^= 0xFF;
    assert_eq!(&body[..], &expected[..]);

    // The whole file: same length, same headers (they describe the true file), one byte off.
    let response = http().get(&file.download_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(file.size));
    assert_eq!(
        response.headers()["x-oss-hash-crc64ecma"].to_str().unwrap(),
        crc
    );
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len(), true_file.len());
    let differing: Vec<usize> = (0..body.len())
        .filter(|&i| body[i] != true_file[i])
        .collect();
    assert_eq!(differing, [1000]);
    assert_eq!(body[1000], true_file[1000] ^ 0xFF);
    let mut digest = crc64fast::Digest::new();
    digest.write(&body);
    assert_ne!(
        digest.sum64().to_string(),
        crc,
        "a checksum check catches it"
    );

    // Used up: the next download is whole and true.
    assert_eq!(sandbox.faults().get().corrupt_downloads, 0);
    assert!(sandbox.faults().get().is_empty());
    assert_eq!(support::download(&file.download_url).await, true_file);
    let faults: Vec<_> = sandbox.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(
        faults,
        [
            None,
            Some(FaultKind::CorruptedDownload),
            Some(FaultKind::CorruptedDownload),
            None
        ]
    );
}

#[tokio::test]
async fn corruption_follows_the_service_and_skips_heads() {
    let sandbox = Sandbox::start(
        SandboxConfig::default().with_faults(
            Faults::new()
                .with_corrupted_downloads(1, 0)
                .with_service(Provider::HuaweiCloudRds),
        ),
    )
    .unwrap();
    let aliyun = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    assert_eq!(
        support::download(&aliyun.download_url).await,
        aliyun.content(0, aliyun.size as usize)
    );
    let rds = sandbox
        .backup(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 0)
        .unwrap();
    assert_eq!(
        http()
            .head(&rds.download_url)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(sandbox.faults().get().corrupt_downloads, 1);
    let body = support::download(&rds.download_url).await;
    assert_eq!(body[0], rds.content(0, 1)[0] ^ 0xFF);
    assert_eq!(body[1..], rds.content(1, body.len() - 1)[..]);
}

#[tokio::test]
async fn a_dropped_download_cut_before_the_offset_keeps_the_corruption() {
    let sandbox = support::sandbox();
    let file = sandbox
        .backup(Provider::CapitalOnlineMysql, CAPITALONLINE_INSTANCE_ID, 0)
        .unwrap();
    sandbox.faults().drop_next_downloads(1, 1000);
    sandbox.faults().corrupt_next_downloads(1, 5000);
    let response = http().get(&file.download_url).send().await.unwrap();
    assert!(response.bytes().await.is_err(), "cut");
    assert_eq!(
        sandbox.faults().get().corrupt_downloads,
        1,
        "the byte was not sent"
    );
    // The resumed download carries it.
    let response = http()
        .get(&file.download_url)
        .header("range", "bytes=1000-")
        .send()
        .await
        .unwrap();
    let body = response.bytes().await.unwrap();
    assert_eq!(body[4000], file.content(5000, 1)[0] ^ 0xFF);
    let faults: Vec<_> = sandbox.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(
        faults,
        [
            Some(FaultKind::DroppedDownload),
            Some(FaultKind::CorruptedDownload)
        ]
    );
}

#[tokio::test]
async fn a_hung_request_is_never_answered() {
    let sandbox = support::sandbox();
    sandbox.faults().hang_next(1);
    // Counted before authentication: even a wrong key hangs.
    let wrong = cloud_signer::Credentials::new(cloud_sandbox::ALIYUN_ACCESS_KEY_ID, "wrong");
    let request = support::aliyun_v3(
        &sandbox,
        &[("DBInstanceId", ALIYUN_INSTANCE_ID)],
        &wrong,
        support::now(),
        "hang-1",
    );
    let error = request
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    let hung = sandbox.requests();
    assert_eq!(hung.len(), 1);
    assert_eq!(hung[0].status, 0);
    assert_eq!(hung[0].fault, Some(FaultKind::Hung));
    assert_eq!(hung[0].kind, RequestKind::Api);
    assert_eq!(hung[0].service, Some(Provider::AliyunRds));
    assert_eq!(hung[0].operation.as_deref(), Some("DescribeBackups"));
    assert_eq!(hung[0].error_code, None);
    assert_eq!(sandbox.faults().get().hang, 0);

    // The next request is answered (here: refused, the key is wrong).
    let request = support::aliyun_v3(
        &sandbox,
        &[("DBInstanceId", ALIYUN_INSTANCE_ID)],
        &wrong,
        support::now(),
        "hang-2",
    );
    let (status, _, body) = support::send_json(request).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("SignatureDoesNotMatch"))
    );
}

#[tokio::test]
async fn hangs_follow_the_service() {
    let sandbox = support::sandbox();
    sandbox.faults().set(
        Faults::new()
            .with_hang(1)
            .with_service(Provider::HuaweiCloudGaussDb),
    );
    let credentials = credentials(Provider::HuaweiCloudRds);
    let rds = support::huawei_get(
        &sandbox,
        "backups",
        &[("instance_id", HUAWEI_RDS_INSTANCE_ID)],
        &credentials,
        support::now(),
    );
    assert_eq!(support::send_json(rds).await.0, 200);
    let path = format!(
        "instances/{}/backups",
        cloud_sandbox::HUAWEI_GAUSSDB_INSTANCE_ID
    );
    let gaussdb = support::huawei_get(&sandbox, &path, &[], &credentials, support::now());
    let error = gaussdb
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    let records: Vec<_> = sandbox
        .requests()
        .into_iter()
        .map(|r| (r.service, r.operation, r.status, r.fault))
        .collect();
    assert_eq!(
        records,
        [
            (
                Some(Provider::HuaweiCloudRds),
                Some("ListBackups".to_owned()),
                200,
                None
            ),
            (
                Some(Provider::HuaweiCloudGaussDb),
                Some("ShowInstanceBackups".to_owned()),
                0,
                Some(FaultKind::Hung)
            ),
        ]
    );
}

#[tokio::test]
async fn shutdown_completes_with_hung_requests() {
    let sandbox =
        Sandbox::start(SandboxConfig::default().with_faults(Faults::new().with_hang(2))).unwrap();
    let url = support::capitalonline_url(
        &sandbox,
        &[
            ("Action", "DescribeBackups"),
            ("InstanceUuid", CAPITALONLINE_INSTANCE_ID),
        ],
        &credentials(Provider::CapitalOnlineMysql),
        support::now(),
        "hang-shutdown-1",
    );
    // One the client gave up on, one still waiting when the sandbox stops.
    let error = http()
        .get(&url)
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    let waiting = tokio::spawn(http().get(url).send());
    while sandbox.requests().len() < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let port = sandbox.port();
    tokio::time::timeout(Duration::from_secs(10), sandbox.shutdown())
        .await
        .expect("shutdown completes despite the hung requests");
    let answer = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the waiting client is let go")
        .unwrap();
    assert!(answer.is_err(), "no response, the connection closed");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn dropping_a_sandbox_with_a_hung_request_returns() {
    use std::io::{Read, Write};

    let sandbox =
        Sandbox::start(SandboxConfig::default().with_faults(Faults::new().with_hang(1))).unwrap();
    let mut stream = std::net::TcpStream::connect(sandbox.local_addr()).unwrap();
    stream
        .write_all(b"GET /mysql/?Action=DescribeBackups HTTP/1.1\r\nHost: sandbox\r\n\r\n")
        .unwrap();
    while sandbox.requests().is_empty() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    drop(sandbox);
    // The server closes the connection without an answer.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    if let Err(error) = stream.read_to_end(&mut answer) {
        // A reset is a close too; a timeout is not.
        assert!(
            !matches!(
                error.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "{error}"
        );
    }
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
}
