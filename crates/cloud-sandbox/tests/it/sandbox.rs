//! The sandbox itself: ports, shutdown, configuration, control endpoint, demo data.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;

use aliyun_rds::{DescribeBackupsRequest, SignatureVersion};
use cloud_sandbox::{
    ALIYUN_INSTANCE_ID, Provider, RequestKind, Sandbox, SandboxConfig, demo_credentials,
    demo_instances,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::support::{self, aliyun_demo, credentials, http, now, send_json};

#[tokio::test]
async fn a_taken_port_is_an_error_and_shutdown_frees_it() {
    let first = support::sandbox();
    let port = first.port();
    assert_eq!(first.endpoint(), format!("http://127.0.0.1:{port}"));
    let error = Sandbox::start(SandboxConfig::default().with_port(port)).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);

    first.shutdown().await;
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens any more"
    );
    let again = Sandbox::start(SandboxConfig::default().with_port(port)).unwrap();
    assert_eq!(again.port(), port);
}

#[test]
fn it_runs_without_an_async_runtime() {
    let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
    let mut stream = TcpStream::connect(sandbox.local_addr()).unwrap();
    stream
        .write_all(b"GET /_sandbox HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains(&sandbox.endpoint()));
    drop(sandbox);
}

#[tokio::test]
async fn backup_counts_for_benchmarks() {
    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .with_backup_count(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 10_000)
            .with_backup_count(Provider::AliyunRds, "rm-bench", 250),
    )
    .unwrap();
    let client = aliyun_demo(&sandbox, SignatureVersion::V3);
    let all: Vec<_> = client
        .backups(DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 10_000);
    let ids: HashSet<_> = all.iter().map(|b| b.backup_id.clone()).collect();
    assert_eq!(ids.len(), 10_000);
    assert_eq!(sandbox.requests().len(), 100);

    let bench: Vec<_> = client
        .backups(DescribeBackupsRequest::new("rm-bench"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(bench.len(), 250);
    assert!(bench.iter().all(|b| !ids.contains(&b.backup_id)));

    let instances = sandbox.instances();
    let aliyun: Vec<_> = instances
        .iter()
        .filter(|i| i.service == Provider::AliyunRds)
        .map(|i| (i.instance_id.as_str(), i.backup_count))
        .collect();
    assert_eq!(aliyun, [(ALIYUN_INSTANCE_ID, 10_000), ("rm-bench", 250)]);
}

#[test]
fn bad_configurations_are_refused() {
    for config in [
        SandboxConfig::default().with_file_size(Provider::HuaweiCloudGaussDb, "nope", 0, 1),
        SandboxConfig::default().with_backup_count(Provider::AliyunRds, "rm demo", 1),
    ] {
        let error = Sandbox::start(config).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    }
}

#[test]
fn demo_data_is_consistent() {
    let instances = demo_instances();
    assert_eq!(
        instances
            .iter()
            .map(|i| (i.service, i.instance_id.as_str(), i.backup_count))
            .collect::<Vec<_>>(),
        [
            (
                Provider::CapitalOnlineMysql,
                cloud_sandbox::CAPITALONLINE_INSTANCE_ID,
                14
            ),
            (Provider::AliyunRds, "rm-demo", 137),
            (
                Provider::HuaweiCloudRds,
                cloud_sandbox::HUAWEI_RDS_INSTANCE_ID,
                125
            ),
            (
                Provider::HuaweiCloudGaussDb,
                cloud_sandbox::HUAWEI_GAUSSDB_INSTANCE_ID,
                103
            ),
        ]
    );
    assert!(cloud_sandbox::HUAWEI_RDS_INSTANCE_ID.ends_with("in01"));
    assert!(cloud_sandbox::HUAWEI_GAUSSDB_INSTANCE_ID.ends_with("in07"));
    for service in Provider::ALL.iter().copied() {
        let credentials = demo_credentials(service);
        assert!(
            credentials.secret.contains("not-real"),
            "obviously not a real secret"
        );
        assert!(!format!("{credentials:?}").contains(credentials.secret));
        assert_eq!(service.name().parse::<Provider>(), Ok(service));
    }
    let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
    assert_eq!(sandbox.instances(), instances);
    let banner = sandbox.banner();
    for instance in &instances {
        assert!(banner.contains(&instance.instance_id));
    }
    assert!(banner.contains(cloud_sandbox::HUAWEI_PROJECT_ID));
    assert!(banner.contains("CDS_SECRET_ID="));
}

#[tokio::test]
async fn the_control_endpoint() {
    let sandbox = support::sandbox();
    let control = |path: &str| format!("{}/_sandbox{path}", sandbox.endpoint());

    let (status, _, info) = send_json(http().get(control(""))).await;
    assert_eq!(status, 200);
    assert_eq!(info["endpoint"], sandbox.endpoint());
    assert_eq!(info["services"][1]["service"], "aliyun-rds");
    assert_eq!(
        info["services"][1]["instances"][0]["instance_id"],
        "rm-demo"
    );
    assert_eq!(
        info["services"][2]["project_id"],
        cloud_sandbox::HUAWEI_PROJECT_ID
    );

    let (status, _, faults) = send_json(
        http()
            .post(control("/faults"))
            .body(r#"{"throttle": 1, "service": "aliyun-rds"}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(faults["throttle"], 1);
    assert_eq!(sandbox.faults().get().throttle, 1);

    // A raw call is throttled, and the counter goes down.
    let request = support::aliyun_v3(
        &sandbox,
        &[("DBInstanceId", ALIYUN_INSTANCE_ID)],
        &credentials(Provider::AliyunRds),
        now(),
        "control-nonce",
    );
    let (status, _, body) = send_json(request).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("Throttling.User"))
    );
    let (_, _, faults) = send_json(http().get(control("/faults"))).await;
    assert_eq!(faults["throttle"], 0);

    for bad in [
        r#"{"throttle": -1}"#,
        r#"{"throttel": 1}"#,
        "not json",
        r#"{"service": "aws"}"#,
    ] {
        let (status, _, body) = send_json(http().post(control("/faults")).body(bad)).await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("invalid faults")
        );
    }

    send_json(
        http()
            .put(control("/faults"))
            .body(r#"{"server_errors": 3}"#),
    )
    .await;
    let (status, _, faults) = send_json(http().delete(control("/faults"))).await;
    assert_eq!(status, 200);
    assert_eq!(faults["server_errors"], 0);

    let (_, _, requests) = send_json(http().get(control("/requests"))).await;
    assert_eq!(
        requests,
        json!([{
            "method": "POST",
            "path": "/",
            "kind": "api",
            "service": "aliyun-rds",
            "operation": "DescribeBackups",
            "status": 400,
            "error_code": "Throttling.User",
            "fault": "throttled",
        }])
    );
    assert_eq!(
        sandbox.requests().len(),
        1,
        "control requests are not logged"
    );
    send_json(http().delete(control("/requests"))).await;
    assert!(sandbox.requests().is_empty());

    let (status, _, _) = send_json(http().get(control("/nothing"))).await;
    assert_eq!(status, 404);
    let (status, _, _) = send_json(http().patch(control("/faults"))).await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn unknown_paths_are_404_and_logged() {
    let sandbox = support::sandbox();
    for path in ["/", "/nothing", "/v2/x"] {
        let (status, _, body) =
            send_json(http().get(format!("{}{path}", sandbox.endpoint()))).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "NotFound");
    }
    let (status, _, body) = send_json(http().get(format!("{}/v3/x/y", sandbox.endpoint()))).await;
    assert_eq!(status, 404);
    assert_eq!(body["error_code"], "APIG.0101");
    let kinds: Vec<_> = sandbox.requests().into_iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            RequestKind::Other,
            RequestKind::Other,
            RequestKind::Other,
            RequestKind::Api
        ]
    );
    let _: Value = Value::Null;
}
