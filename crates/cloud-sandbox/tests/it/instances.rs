//! The instance listings and backup policies of the four simulated services, through the
//! workspace's real clients: signatures checked, filters, paging, the fleet.

use cloud_sandbox::{FLEET_BACKUPS, Provider, Sandbox, SandboxConfig};
use futures::TryStreamExt;

use crate::support::{
    aliyun, aliyun_demo, capitalonline_demo, credentials, fast_retries, gaussdb_demo, rds_demo,
};

fn fleet(count: usize) -> Sandbox {
    Sandbox::start(SandboxConfig::default().with_fleet(count)).expect("the sandbox starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alibaba_lists_the_region_s_instances_page_by_page() {
    let sandbox = fleet(45);
    let client = aliyun_demo(&sandbox, aliyun_rds::SignatureVersion::V3);
    let request = aliyun_rds::DescribeDBInstancesRequest::new("cn-hangzhou")
        .with_engine("MySQL")
        .with_page_size(20);
    let instances: Vec<_> = client.instances(request).try_collect().await.unwrap();
    assert_eq!(instances.len(), 46);
    assert_eq!(instances[0].db_instance_id.as_deref(), Some("rm-demo"));
    assert_eq!(
        instances[45].db_instance_id.as_deref(),
        Some("rm-fleet00000045")
    );
    // Another region has none; another engine neither.
    let other = aliyun_rds::DescribeDBInstancesRequest::new("cn-shanghai");
    assert!(
        client
            .describe_db_instances(&other)
            .await
            .unwrap()
            .items
            .unwrap_or_default()
            .db_instance
            .is_empty()
    );
    let other =
        aliyun_rds::DescribeDBInstancesRequest::new("cn-hangzhou").with_engine("PostgreSQL");
    assert_eq!(
        client
            .describe_db_instances(&other)
            .await
            .unwrap()
            .total_record_count,
        Some(0)
    );
    // A wrong secret is refused, as for every other action.
    let wrong = aliyun(
        &sandbox,
        aliyun_rds::SignatureVersion::V2,
        cloud_signer::Credentials::new(credentials(Provider::AliyunRds).access_key_id(), "wrong"),
        fast_retries(),
    );
    let error = wrong
        .describe_db_instances(&aliyun_rds::DescribeDBInstancesRequest::new("cn-hangzhou"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("SignatureDoesNotMatch"));
    assert!(error.is_auth());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alibaba_backup_policy_and_its_errors() {
    let sandbox = fleet(1);
    let client = aliyun_demo(&sandbox, aliyun_rds::SignatureVersion::V2);
    let demo = client
        .describe_backup_policy(&aliyun_rds::DescribeBackupPolicyRequest::new("rm-demo"))
        .await
        .unwrap();
    let other = client
        .describe_backup_policy(&aliyun_rds::DescribeBackupPolicyRequest::new(
            "rm-fleet00000001",
        ))
        .await
        .unwrap();
    assert_eq!(demo.backup_retention_period, Some(7));
    assert_eq!(other.backup_retention_period, Some(14), "instances differ");
    assert_eq!(
        other.preferred_backup_period.as_deref(),
        Some("Monday,Wednesday,Friday,Sunday")
    );
    let error = client
        .describe_backup_policy(&aliyun_rds::DescribeBackupPolicyRequest::new("rm-nope"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("InvalidDBInstanceId.NotFound"));
    assert!(error.is_not_found());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capital_online_lists_every_instance_and_filters() {
    let sandbox = fleet(3);
    let client = capitalonline_demo(&sandbox);
    let all = client
        .describe_db_instances(&capitalonline_mysql::DescribeDBInstancesRequest::default())
        .await
        .unwrap();
    assert_eq!(all.data.len(), 4);
    assert_eq!(all.data[0].instance_name.as_deref(), Some("demo-mysql"));
    let one = client
        .describe_db_instances(
            &capitalonline_mysql::DescribeDBInstancesRequest::default()
                .with_instance_name("demo-mysql-fleet-2"),
        )
        .await
        .unwrap();
    assert_eq!(one.data.len(), 1);
    let by_ip = client
        .describe_db_instances(
            &capitalonline_mysql::DescribeDBInstancesRequest::default().with_ip("10.240.0.1"),
        )
        .await
        .unwrap();
    assert_eq!(by_ip.data.len(), 4, "a prefix of every address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huawei_services_list_their_own_instances_and_policies() {
    let sandbox = fleet(120);
    let rds = rds_demo(&sandbox);
    let request = huaweicloud_rds::ListInstancesRequest::default().with_datastore_type("MySQL");
    let instances: Vec<_> = rds.instances(request).try_collect().await.unwrap();
    assert_eq!(instances.len(), 121);
    assert!(
        instances
            .iter()
            .all(|i| i.id.as_deref().is_some_and(|id| id.ends_with("in01")))
    );
    let postgres =
        huaweicloud_rds::ListInstancesRequest::default().with_datastore_type("PostgreSQL");
    assert_eq!(
        rds.list_instances(&postgres).await.unwrap().total_count,
        Some(0)
    );
    let fuzzy = huaweicloud_rds::ListInstancesRequest::default().with_name("*fleet-11");
    let names: Vec<String> = rds
        .list_instances(&fuzzy)
        .await
        .unwrap()
        .instances
        .into_iter()
        .filter_map(|i| i.name)
        .collect();
    assert_eq!(
        names,
        [
            "rds-demo-fleet-11",
            "rds-demo-fleet-110",
            "rds-demo-fleet-111",
            "rds-demo-fleet-112",
            "rds-demo-fleet-113",
            "rds-demo-fleet-114",
            "rds-demo-fleet-115",
            "rds-demo-fleet-116",
            "rds-demo-fleet-117",
            "rds-demo-fleet-118",
            "rds-demo-fleet-119"
        ]
    );

    let gaussdb = gaussdb_demo(&sandbox);
    let request = huaweicloud_gaussdb::ListGaussMySqlInstancesUnifyStatusRequest::default();
    let instances: Vec<_> = gaussdb
        .instance_records(request)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(instances.len(), 121);
    assert!(
        instances[0].raw["port"].is_string(),
        "GaussDB's numbers are strings"
    );

    // The policy path is the same for both services; the instance tells them apart.
    let id = instances[5].value.id.clone().unwrap();
    let policy = gaussdb
        .show_backup_policy(&huaweicloud_gaussdb::ShowGaussMySqlBackupPolicyRequest::new(&id))
        .await
        .unwrap()
        .backup_policy
        .unwrap();
    assert_eq!(policy.period.as_deref(), Some("1,3,5,7"));
    let error = rds
        .show_backup_policy(&huaweicloud_rds::ShowBackupPolicyRequest::new("0000in01"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("DBS.200002"));
    assert_eq!(FLEET_BACKUPS, 12);
}

#[test]
fn a_fleet_too_large_is_refused() {
    let error = Sandbox::start(SandboxConfig::default().with_fleet(cloud_sandbox::MAX_FLEET + 1))
        .unwrap_err();
    assert!(error.to_string().contains("fleet"), "{error}");
}

#[test]
fn fleet_instances_have_the_backups_asked_for() {
    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .with_fleet(3)
            .with_fleet_backups(50),
    )
    .expect("the sandbox starts");
    let fleet: Vec<_> = sandbox
        .instances()
        .into_iter()
        .filter(|i| i.name.contains("-fleet-"))
        .collect();
    assert_eq!(fleet.len(), 3 * Provider::ALL.len(), "{fleet:?}");
    assert!(fleet.iter().all(|i| i.backup_count == 50), "{fleet:?}");
    let error = Sandbox::start(
        SandboxConfig::default()
            .with_fleet(1)
            .with_fleet_backups(cloud_sandbox::MAX_BACKUPS_PER_INSTANCE + 1),
    )
    .unwrap_err();
    assert!(error.to_string().contains("per fleet instance"), "{error}");
}
