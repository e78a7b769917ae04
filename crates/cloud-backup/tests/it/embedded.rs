//! `cloud-backup --sandbox ...` (the sandbox inside the command's own process, no credentials
//! in the environment) and `cloud-backup sandbox serve|instances`.

use std::time::Duration;

use cloud_sandbox::{Provider, demo_credentials, demo_instances};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::sandbox::{assert_content, default_file, env};
use crate::support::{command, entries, run, scratch};

/// The demo instance of `service`.
pub(crate) fn demo(service: Provider) -> String {
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
        let expected = default_file(service, backup);
        assert_eq!(expected.size, size);
        assert_content(path.as_ref(), &expected);
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
        let expected = default_file(Provider::CapitalOnlineMysql, backup);
        assert_eq!(expected.size, size);
        assert_content(&out, &expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_through_each_providers_api_and_the_sandbox_demo_list() {
    // Each provider's instance listing API, answered by the sandbox.
    for instance in demo_instances() {
        let service = instance.service;
        let ran = run(&["--sandbox", service.name(), "instances", "--json"], &[]).await;
        assert!(ran.status.success(), "{ran:?}");
        let listed = ran.json();
        let listed = listed.as_array().expect("an array");
        assert_eq!(listed.len(), 1, "{service}: {listed:?}");
        let row = &listed[0];
        assert_eq!(row["provider"], service.name());
        assert_eq!(row["instance_id"], instance.instance_id.as_str());
        assert_eq!(row["name"], instance.name.as_str());
        assert!(
            row["engine"].as_str().is_some_and(|e| !e.is_empty()),
            "{row}"
        );
        assert!(
            row["created_at"]
                .as_str()
                .is_some_and(|t| t.starts_with("2023-03-01T")),
            "{row}"
        );
        assert!(row["raw"].is_object(), "{row}");
    }
    let table = run(&["--sandbox", "aliyun-rds", "instances"], &[]).await;
    assert!(table.stdout.starts_with("INSTANCE ID "), "{table:?}");
    assert!(
        table
            .stdout
            .contains("rm-demo  MySQL 8.0  Running  cn-hangzhou-h"),
        "{table:?}"
    );
    assert!(table.stdout.ends_with("1 instance(s)\n"), "{table:?}");

    // A fleet: the demo instance and 130 more per service, over two pages of 100.
    for service in [Provider::AliyunRds, Provider::HuaweiCloudGaussDb] {
        let ran = run(
            &[
                "--sandbox",
                "--sandbox-fleet",
                "130",
                service.name(),
                "instances",
                "--json",
            ],
            &[],
        )
        .await;
        assert!(ran.status.success(), "{ran:?}");
        let listed = ran.json();
        let ids: Vec<&str> = listed
            .as_array()
            .expect("an array")
            .iter()
            .map(|row| row["instance_id"].as_str().expect("an id"))
            .collect();
        assert_eq!(ids.len(), 131, "{service}: two pages of 100");
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 131, "{service}: each once");
    }

    // The sandbox's own list of its demo instances.
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

    // Without --sandbox, the real API, which needs credentials.
    let ran = run(&["aliyun-rds", "instances"], &[]).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "{ran:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_policy_of_each_provider() {
    for instance in demo_instances() {
        let service = instance.service;
        let id = instance.instance_id.as_str();
        let ran = run(
            &[
                "--sandbox",
                service.name(),
                "policy",
                "--instance",
                id,
                "--json",
            ],
            &[],
        )
        .await;
        if service == Provider::CapitalOnlineMysql {
            // No API reads it: an error that says so and what to do instead.
            assert_eq!(ran.status.code(), Some(1), "{ran:?}");
            assert!(
                ran.stderr.contains("no API that reads the backup policy"),
                "{ran:?}"
            );
            assert!(ran.stderr.contains("console"), "{ran:?}");
            assert_eq!(ran.stdout, "");
            continue;
        }
        assert!(ran.status.success(), "{service}: {ran:?}");
        let policy = ran.json();
        assert_eq!(policy["provider"], service.name());
        assert_eq!(policy["instance_id"], id);
        assert_eq!(policy["enabled"], true);
        assert_eq!(policy["retention_days"], 7);
        assert_eq!(policy["window_utc"], "16:00-17:00");
        assert_eq!(policy["days"].as_array().map(Vec::len), Some(7), "{policy}");
        if service == Provider::AliyunRds {
            assert_eq!(policy["log_backup"], true);
            assert!(policy["next_backup_at"].as_str().is_some(), "{policy}");
        }
    }
    let text = run(
        &["--sandbox", "aliyun-rds", "policy", "--instance", "rm-demo"],
        &[],
    )
    .await;
    assert!(
        text.stdout.contains("window: 16:00-17:00 UTC\n"),
        "{text:?}"
    );
    // An unknown instance is the provider's not-found error.
    let ran = run(
        &[
            "--sandbox",
            "huaweicloud-rds",
            "policy",
            "--instance",
            "nope",
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(ran.stderr.contains("DBS.200002"), "{ran:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_all_instances_lists_the_fleet() {
    let ran = run(
        &[
            "--sandbox",
            "--sandbox-fleet",
            "5",
            "huaweicloud-rds",
            "list",
            "--all-instances",
            "--json",
        ],
        &[],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let backups = ran.json();
    let backups = backups.as_array().expect("an array");
    let demo_count = demo_instances()
        .into_iter()
        .find(|i| i.service == Provider::HuaweiCloudRds)
        .map(|i| i.backup_count)
        .unwrap_or_default();
    assert_eq!(backups.len(), demo_count + 5 * cloud_sandbox::FLEET_BACKUPS);
    let mut instances: Vec<&str> = backups
        .iter()
        .map(|b| b["instance_id"].as_str().expect("an instance"))
        .collect();
    instances.dedup();
    assert_eq!(instances.len(), 6, "records name their instance, in order");
    let table = run(
        &[
            "--sandbox",
            "capitalonline-mysql",
            "list",
            "--all-instances",
        ],
        &[],
    )
    .await;
    assert!(table.stdout.starts_with("PROVIDER "), "{table:?}");
    // Neither or both is a usage error.
    let ran = run(&["--sandbox", "aliyun-rds", "list"], &[]).await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
    let ran = run(
        &[
            "--sandbox",
            "aliyun-rds",
            "list",
            "--instance",
            "rm-demo",
            "--all-instances",
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restore_window_of_each_provider() {
    for instance in demo_instances() {
        let service = instance.service;
        let id = instance.instance_id.as_str();
        let ran = run(
            &[
                "--sandbox",
                service.name(),
                "restore-window",
                "--instance",
                id,
                "--json",
            ],
            &[],
        )
        .await;
        if service == Provider::CapitalOnlineMysql {
            assert_eq!(ran.status.code(), Some(1), "{ran:?}");
            assert!(ran.stderr.contains("restorable time range"), "{ran:?}");
            continue;
        }
        assert!(ran.status.success(), "{service}: {ran:?}");
        let window = ran.json();
        let ranges = window["ranges"].as_array().expect("ranges");
        // The Huawei Cloud RDS demo instance has a deliberate three-hour gap in its log
        // backups; the others are continuous.
        let expected = if service == Provider::HuaweiCloudRds {
            2
        } else {
            1
        };
        assert_eq!(ranges.len(), expected, "{service}: {window}");
        for range in ranges {
            let (start, end) = (
                range["start"].as_str().unwrap(),
                range["end"].as_str().unwrap(),
            );
            assert!(start < end, "{range}");
        }
        assert!(window["raw"].is_object(), "{window}");
    }
    let text = run(
        &[
            "--sandbox",
            "huaweicloud-rds",
            "restore-window",
            "--instance",
            &demo(Provider::HuaweiCloudRds),
        ],
        &[],
    )
    .await;
    assert!(text.stdout.contains("  gap: "), "{text:?}");
    assert_eq!(text.stdout.matches("restorable: ").count(), 2, "{text:?}");
}
