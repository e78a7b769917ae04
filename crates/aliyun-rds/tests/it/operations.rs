//! Instance discovery and the backup policy against wiremock: what goes on the wire, paging,
//! and the documented examples' values.

use aliyun_rds::{DescribeBackupPolicyRequest, DescribeDBInstancesRequest, SignatureVersion};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::client::{client_for, query, received};
use crate::example;

/// One page of `count` instances from `first`, of `total`.
fn instances_page(first: u32, count: u32, total: u32) -> Value {
    let items: Vec<Value> = (first..first + count)
        .map(|n| {
            json!({
                "DBInstanceId": format!("rm-{n:04}"),
                "DBInstanceStatus": "Running",
                "Engine": "MySQL",
                "EngineVersion": 8.0,
                "RegionId": "cn-hangzhou",
                "CreateTime": "2024-01-01T00:00:00Z",
            })
        })
        .collect();
    json!({"RequestId": "r", "TotalRecordCount": total, "PageRecordCount": count, "Items": {"DBInstance": items}})
}

#[tokio::test]
async fn instances_page_through_describe_db_instances() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|request: &Request| {
            let page: u32 = query(request)
                .get("PageNumber")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            let first = (page - 1) * 100;
            ResponseTemplate::new(200).set_body_json(instances_page(
                first,
                130u32.saturating_sub(first).min(100),
                130,
            ))
        })
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V2);
    let request = DescribeDBInstancesRequest::new("cn-hangzhou").with_engine("MySQL");
    let instances: Vec<_> = client.instances(request).try_collect().await.unwrap();
    assert_eq!(instances.len(), 130);
    assert_eq!(instances[129].db_instance_id.as_deref(), Some("rm-0129"));
    // A number where the docs say string is read as its text.
    assert_eq!(instances[0].engine_version.as_deref(), Some("8.0"));
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    for (n, request) in requests.iter().enumerate() {
        let query = query(request);
        assert_eq!(query["Action"], "DescribeDBInstances");
        assert_eq!(query["RegionId"], "cn-hangzhou");
        assert_eq!(query["Engine"], "MySQL");
        assert_eq!(query["PageSize"], "100");
        assert_eq!(query["PageNumber"], (n + 1).to_string());
    }
}

#[tokio::test]
async fn instance_records_keep_the_documented_example_as_received() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("DescribeDBInstances.ali-doc-en.json")),
        )
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V3);
    let records: Vec<_> = client
        .instance_records(DescribeDBInstancesRequest::new("cn-hangzhou"))
        .try_collect()
        .await
        .unwrap();
    assert!(!records.is_empty());
    let served: Value =
        serde_json::from_str(example!("DescribeDBInstances.ali-doc-en.json")).unwrap();
    assert_eq!(records[0].raw, served["Items"]["DBInstance"][0]);
    assert_eq!(
        records[0].value.db_instance_id.as_deref(),
        served["Items"]["DBInstance"][0]["DBInstanceId"].as_str()
    );
}

#[tokio::test]
async fn the_backup_policy_of_the_documented_example() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(example!("DescribeBackupPolicy.ali-doc-en.json")),
        )
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V2);
    let policy = client
        .describe_backup_policy(&DescribeBackupPolicyRequest::new("rm-uf6wjk5xxxxxxx"))
        .await
        .unwrap();
    assert_eq!(policy.backup_retention_period, Some(7));
    assert_eq!(
        policy.preferred_backup_time.as_deref(),
        Some("15:00Z-16:00Z")
    );
    assert_eq!(
        policy.preferred_backup_period.as_deref(),
        Some("Monday,Wednesday,Friday,Sunday")
    );
    // Numbers where the docs say string.
    assert_eq!(policy.enable_backup_log.as_deref(), Some("1"));
    assert_eq!(policy.log_backup_retention_period, Some(7));
    let query = query(&received(&server).await[0]);
    assert_eq!(query["Action"], "DescribeBackupPolicy");
    assert_eq!(query["DBInstanceId"], "rm-uf6wjk5xxxxxxx");
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = client_for(&server, SignatureVersion::V2);
    let error = client
        .describe_db_instances(&DescribeDBInstancesRequest::new(""))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("RegionId"), "{error}");
    let error = client
        .describe_backup_policy(&DescribeBackupPolicyRequest::new(" "))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("DBInstanceId"), "{error}");
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn the_recovery_time_of_the_documented_example() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(example!(
            "DescribeLocalAvailableRecoveryTime.ali-doc-en.json"
        )))
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V3);
    let window = client
        .describe_local_available_recovery_time(
            &aliyun_rds::DescribeLocalAvailableRecoveryTimeRequest::new("rm-uf6wjk5xxxxxxx"),
        )
        .await
        .unwrap();
    assert_eq!(
        window.recovery_begin_time.as_deref(),
        Some("2020-03-16T07:59:18Z")
    );
    assert_eq!(
        window.recovery_end_time.as_deref(),
        Some("2020-03-20T08:41:29Z")
    );
    assert_eq!(
        query(&received(&server).await[0])["DBInstanceId"],
        "rm-uf6wjk5xxxxxxx"
    );
}

#[tokio::test]
async fn create_backup_and_its_job_and_never_a_second_create() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|request: &Request| {
            // Signature V3 names the action in a header.
            let action = request
                .headers
                .get("x-acs-action")
                .and_then(|value| value.to_str().ok());
            let body = match action {
                Some("CreateBackup") => example!("CreateBackup.ali-doc-en-old.json"),
                _ => example!("DescribeBackupTasks.ali-doc-cn-old.json"),
            };
            ResponseTemplate::new(200).set_body_string(body)
        })
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V3);
    let created = client
        .create_backup(&aliyun_rds::CreateBackupRequest::new("rm-uf6wjk5xxxxxxx"))
        .await
        .unwrap();
    assert_eq!(created.backup_job_id.as_deref(), Some("5073731"));
    let tasks = client
        .describe_backup_tasks(
            &aliyun_rds::DescribeBackupTasksRequest::new("rm-uf6wjk5xxxxxxx")
                .with_backup_job_id("5073731"),
        )
        .await
        .unwrap();
    let job = &tasks.items.unwrap().backup_job[0];
    // A number where the docs say string.
    assert_eq!(job.backup_job_id.as_deref(), Some("4762614"));
    assert_eq!(job.backup_status.as_deref(), Some("NoStart"));

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "Code": "ServiceUnavailable", "Message": "The request has failed due to a temporary failure of the server.", "RequestId": "r-1"
        })))
        .expect(2)
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V2);
    let error = client
        .create_backup(&aliyun_rds::CreateBackupRequest::new("rm-uf6wjk5xxxxxxx"))
        .await
        .unwrap_err();
    assert_eq!(
        error.attempts(),
        Some(1),
        "a 5xx after a create: no second create"
    );
    let error = client
        .delete_backup(&aliyun_rds::DeleteBackupRequest::new(
            "rm-uf6wjk5xxxxxxx",
            "327329803",
        ))
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), Some(1));
    let sent = received(&server).await;
    assert_eq!(query(&sent[1])["BackupId"], "327329803");
    assert!(
        client
            .delete_backup(&aliyun_rds::DeleteBackupRequest::new("rm-1", " "))
            .await
            .unwrap_err()
            .to_string()
            .contains("BackupId")
    );
}

/// `DescribeBinlogFiles`: the documented example (a link ending in a space, a `Checksum`
/// beyond 2^53, a numeric `HostInstanceID`), 45 files over two pages of 30, the times in the
/// query as the API wants them (`yyyy-MM-ddTHH:mm:ssZ`), the records kept as served.
#[tokio::test]
async fn binlog_files_page_and_keep_the_documented_quirks() {
    let server = MockServer::start().await;
    let example: Value =
        serde_json::from_str(example!("DescribeBinlogFiles.ali-doc-en.json")).unwrap();
    let documented = example["Items"]["BinLogFile"][0].clone();
    let served = documented.clone();
    Mock::given(any())
        .respond_with(move |request: &Request| {
            let page: usize = query(request)
                .get("PageNumber")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            let first = (page - 1) * 30;
            let items: Vec<Value> = (first..(first + 30).min(45))
                .map(|n| {
                    let mut item = served.clone();
                    item["LogFileName"] = json!(format!("mysql-bin.{n:06}"));
                    item
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "RequestId": "r", "TotalRecordCount": 45, "PageNumber": page,
                "PageRecordCount": items.len(), "TotalFileSize": 1, "Items": {"BinLogFile": items},
            }))
        })
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V2);
    let start = time::macros::datetime!(2019-02-09 00:00 UTC);
    let end = time::macros::datetime!(2019-02-16 00:00:00.5 +08:00);
    let request = aliyun_rds::DescribeBinlogFilesRequest::new("rm-uf6wjk5xxxxxxx")
        .with_start_time(start)
        .with_end_time(end)
        .with_page_size(30);
    let records: Vec<_> = client
        .binlog_file_records(request)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(records.len(), 45);
    let first = &records[0].value;
    assert_eq!(first.log_file_name.as_deref(), Some("mysql-bin.000000"));
    assert_eq!(first.checksum.as_deref(), Some("18358304393468703000"));
    assert_eq!(first.host_instance_id.as_deref(), Some("5841973"));
    assert_eq!(first.file_size, Some(2_269_410));
    assert_eq!(
        first.download_link.as_deref(),
        Some("http://rdsxxxxx.oss.aliyuncs.com/xxxxxx ")
    );
    let mut raw = documented;
    raw["LogFileName"] = json!("mysql-bin.000000");
    assert_eq!(records[0].raw, raw);
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    let query = query(&requests[1]);
    assert_eq!(query["Action"], "DescribeBinlogFiles");
    assert_eq!(query["StartTime"], "2019-02-09T00:00:00Z");
    assert_eq!(query["EndTime"], "2019-02-15T16:00:00Z");
    assert_eq!(query["PageNumber"], "2");
    assert_eq!(query["PageSize"], "30");
}
