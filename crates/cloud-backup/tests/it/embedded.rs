//! `cloud-backup --sandbox ...` (the sandbox inside the command's own process, no credentials
//! in the environment) and `cloud-backup sandbox serve|instances`.

use std::time::Duration;

use cloud_sandbox::{Provider, demo_credentials, demo_instances};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::sandbox::{assert_content, env};
use crate::support::{command, entries, run, scratch};

/// The demo instance of `service`.
fn demo(service: Provider) -> String {
    demo_instances()
        .into_iter()
        .find(|i| i.service == service)
        .expect("a demo instance")
        .instance_id
}

/// `--sandbox <service> list --instance <demo> --json`: the array.
async fn list(service: Provider, more: &[&str]) -> Vec<Value> {
    let instance = demo(service);
    let mut args = vec!["--sandbox", service.name(), "list", "--instance", &instance];
    args.extend_from_slice(more);
    args.push("--json");
    match run(&args, &[]).await.json() {
        Value::Array(list) => list,
        other => panic!("not an array: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provider_lists_without_an_account() {
    for instance in demo_instances() {
        let list = list(instance.service, &[]).await;
        assert_eq!(list.len(), instance.backup_count, "{}", instance.service);
        assert!(
            list.iter()
                .all(|b| b["provider"] == instance.service.name())
        );
        assert!(
            list.iter()
                .all(|b| b["instance_id"] == instance.instance_id.as_str())
        );
    }
    // The newcomer's command, as a table.
    let ran = run(
        &["--sandbox", "aliyun-rds", "list", "--instance", "rm-demo"],
        &[],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(ran.stderr, "");
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert!(
        lines[0].starts_with("BACKUP ID  STATUS   TYPE"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.last(), Some(&"137 backups"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_credential_variables_are_ignored() {
    let wrong = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-not-the-demo"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong"),
        ("HUAWEICLOUD_SDK_AK", "wrong"),
        ("HUAWEICLOUD_SDK_SK", "wrong"),
        (
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "ffffffffffffffffffffffffffffffff",
        ),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
    ];
    for service in [Provider::AliyunRds, Provider::HuaweiCloudRds] {
        let instance = demo(service);
        let ran = run(
            &[
                "--sandbox",
                service.name(),
                "list",
                "--instance",
                &instance,
                "--json",
            ],
            &wrong,
        )
        .await;
        assert!(
            ran.json().as_array().is_some_and(|l| !l.is_empty()),
            "{ran:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_downloadable_provider_downloads_without_an_account() {
    let dir = scratch("embedded-download");
    for service in [
        Provider::CapitalOnlineMysql,
        Provider::AliyunRds,
        Provider::HuaweiCloudRds,
    ] {
        // As a newcomer would: list, then download the newest backup into a directory.
        let newest = list(service, &[]).await.swap_remove(0);
        let backup = newest["backup_id"].as_str().unwrap();
        let size = newest["size_bytes"].as_u64().unwrap();
        let out = dir.join(service.name());
        std::fs::create_dir(&out).unwrap();
        let instance = demo(service);
        let ran = run(
            &[
                "--sandbox",
                service.name(),
                "download",
                "--instance",
                &instance,
                "--backup",
                backup,
                "--out",
                out.to_str().unwrap(),
                "--json",
            ],
            &[],
        )
        .await;
        let written = ran.json();
        assert_eq!(written[0]["bytes"], size, "{ran:?}");
        let path = written[0]["path"].as_str().unwrap();
        assert_eq!(entries(&out).len(), 1, "one file, no .part");
        assert_content(path.as_ref(), backup, size);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_can_be_injected_into_the_embedded_sandbox() {
    // Two throttled calls, retried: the listing still succeeds.
    assert_eq!(
        list(Provider::AliyunRds, &["--sandbox-fault", "throttle=2"])
            .await
            .len(),
        137
    );
    // More server errors than retries: the provider's code, in one line.
    let ran = run(
        &[
            "--sandbox",
            "--sandbox-fault",
            "5xx=10",
            "huaweicloud-rds",
            "list",
            "--instance",
            &demo(Provider::HuaweiCloudRds),
        ],
        &[],
    )
    .await;
    ran.error_line("error: huaweicloud-rds: DBS.108000:");

    // A download cut after 50,000 bytes, then one whose ranges are ignored: resumed, restarted.
    let newest = list(Provider::CapitalOnlineMysql, &[]).await.swap_remove(0);
    let backup = newest["backup_id"].as_str().unwrap();
    let size = newest["size_bytes"].as_u64().unwrap();
    let dir = scratch("embedded-faults");
    let instance = demo(Provider::CapitalOnlineMysql);
    for (name, faults) in [
        ("cut", "drop=1@50000"),
        ("restarted", "drop=1@50000,ignore-range"),
    ] {
        let out = dir.join(name);
        let ran = run(
            &[
                "--sandbox",
                "--sandbox-fault",
                faults,
                "capitalonline-mysql",
                "download",
                "--instance",
                &instance,
                "--backup",
                backup,
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        )
        .await;
        assert!(ran.status.success(), "{faults}: {ran:?}");
        assert_content(&out, backup, size);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_of_one_provider_and_of_all() {
    let ran = run(&["--sandbox", "aliyun-rds", "instances", "--json"], &[]).await;
    assert_eq!(
        ran.json(),
        serde_json::json!([{
            "provider": "aliyun-rds",
            "instance_id": "rm-demo",
            "name": "rm-demo",
            "engine": "MySQL 8.0",
            "backup_count": 137,
        }])
    );
    let all = run_all_instances().await;
    let providers: Vec<&str> = all
        .iter()
        .map(|i| i["provider"].as_str().unwrap())
        .collect();
    assert_eq!(
        providers,
        [
            "capitalonline-mysql",
            "aliyun-rds",
            "huaweicloud-rds",
            "huaweicloud-gaussdb"
        ]
    );
    for (row, instance) in all.iter().zip(demo_instances()) {
        assert_eq!(row["instance_id"], instance.instance_id.as_str());
        assert_eq!(row["backup_count"], instance.backup_count);
    }
    let table = run(&["sandbox", "instances"], &[]).await;
    assert!(table.status.success(), "{table:?}");
    assert!(table.stdout.starts_with("PROVIDER "), "{table:?}");
    assert!(table.stdout.contains("rm-demo"), "{table:?}");

    // Without --sandbox, there is nothing to list: a usage error.
    let ran = run(&["aliyun-rds", "instances"], &[]).await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
    assert!(ran.stderr.contains("--sandbox"), "{ran:?}");
}

async fn run_all_instances() -> Vec<Value> {
    match run(&["sandbox", "instances", "--json"], &[]).await.json() {
        Value::Array(list) => list,
        other => panic!("not an array: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_list_in_the_sandbox_lists_every_demo_instance() {
    let ran = run(&["--sandbox", "all", "list", "--json"], &[]).await;
    assert_eq!(ran.stderr, "", "{ran:?}");
    let list = ran.json();
    let list = list.as_array().unwrap();
    let expected: usize = demo_instances().iter().map(|i| i.backup_count).sum();
    assert_eq!(list.len(), expected);
    for instance in demo_instances() {
        let of = list
            .iter()
            .filter(|b| b["provider"] == instance.service.name())
            .count();
        assert_eq!(of, instance.backup_count, "{}", instance.service);
    }
}

/// `sandbox serve` for other programs: the banner gives the endpoint; the demo credentials of
/// the environment reach it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_serve_runs_for_other_programs() {
    let mut child = command(&[])
        .args(["sandbox", "serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("cloud-backup sandbox serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = Vec::new();
    let endpoint = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("a line") {
            banner.push(line.clone());
            if let Some(endpoint) = line.strip_prefix("cloud-sandbox listening on ") {
                return endpoint.trim().to_owned();
            }
        }
        panic!("no endpoint in the banner: {banner:?}");
    })
    .await
    .expect("the banner within 60 s");
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let ran = run(
        &[
            "aliyun-rds",
            "list",
            "--instance",
            "rm-demo",
            "--endpoint",
            &endpoint,
            "--json",
        ],
        &env(Provider::AliyunRds),
    )
    .await;
    assert_eq!(ran.json().as_array().map(Vec::len), Some(137));
    let huawei = demo_credentials(Provider::HuaweiCloudRds);
    assert!(huawei.project_id.is_some());
    child.kill().await.expect("the sandbox stops");
}
