//! `create-backup [--wait]` and `delete-backup` against a sandbox: created backups appear,
//! deleted ones leave, a create is never sent twice, a delete asks first.

use cloud_sandbox::{Faults, Provider};
use serde_json::Value;

use crate::sandbox::{instance, run_at, start};

/// The backup ids `list --json` shows.
fn ids(listed: &Value) -> Vec<String> {
    listed
        .as_array()
        .expect("an array")
        .iter()
        .map(|b| b["backup_id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_wait_list_delete_on_every_provider() {
    let sandbox = start();
    for service in Provider::ALL.iter().copied() {
        let id = instance(&sandbox, service);
        let created = run_at(
            &sandbox,
            service,
            &[
                "create-backup",
                "--instance",
                &id,
                "--wait",
                "--wait-interval",
                "1",
                "--json",
            ],
        )
        .await;
        assert!(created.status.success(), "{service}: {created:?}");
        let created = created.json();
        let backup_id = created["backup"]["backup_id"]
            .as_str()
            .expect("the finished backup")
            .to_owned();
        assert_eq!(created["created"]["provider"], service.name());
        assert!(created["created"]["requested_at"].is_string());

        let listed = run_at(&sandbox, service, &["list", "--instance", &id, "--json"]).await;
        assert!(
            ids(&listed.json()).contains(&backup_id),
            "{service}: listed"
        );

        let deleted = run_at(
            &sandbox,
            service,
            &[
                "delete-backup",
                "--instance",
                &id,
                "--backup",
                &backup_id,
                "--yes",
            ],
        )
        .await;
        assert!(deleted.status.success(), "{service}: {deleted:?}");
        assert!(deleted.stdout.contains("deleted backup"), "{deleted:?}");
        let listed = run_at(&sandbox, service, &["list", "--instance", &id, "--json"]).await;
        assert!(
            !ids(&listed.json()).contains(&backup_id),
            "{service}: still listed"
        );

        // Deleting it again: the provider's error, exit status 1.
        let again = run_at(
            &sandbox,
            service,
            &[
                "delete-backup",
                "--instance",
                &id,
                "--backup",
                &backup_id,
                "--yes",
            ],
        )
        .await;
        assert_eq!(again.status.code(), Some(1), "{service}: {again:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huawei_refuses_to_delete_an_automated_backup() {
    let sandbox = start();
    let service = Provider::HuaweiCloudRds;
    let id = instance(&sandbox, service);
    // The newest demo backup is an automated one.
    let newest = sandbox.backup(service, &id, 0).expect("a backup");
    let ran = run_at(
        &sandbox,
        service,
        &[
            "delete-backup",
            "--instance",
            &id,
            "--backup",
            &newest.backup_id,
            "--yes",
        ],
    )
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(ran.stderr.contains("only manual backups"), "{ran:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_without_yes_and_without_a_terminal_is_refused() {
    let sandbox = start();
    let service = Provider::AliyunRds;
    let id = instance(&sandbox, service);
    let newest = sandbox.backup(service, &id, 0).expect("a backup");
    let ran = run_at(
        &sandbox,
        service,
        &[
            "delete-backup",
            "--instance",
            &id,
            "--backup",
            &newest.backup_id,
        ],
    )
    .await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
    assert!(ran.stderr.contains("--yes"), "{ran:?}");
    assert!(
        !sandbox
            .requests()
            .iter()
            .any(|r| r.operation.as_deref() == Some("DeleteBackup")),
        "nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_after_a_create_is_not_followed_by_a_second_create() {
    let sandbox = start();
    for service in Provider::ALL.iter().copied() {
        let id = instance(&sandbox, service);
        sandbox
            .faults()
            .set(Faults::new().with_server_errors(1).with_service(service));
        sandbox.clear_requests();
        let ran = run_at(&sandbox, service, &["create-backup", "--instance", &id]).await;
        assert_eq!(ran.status.code(), Some(1), "{service}: {ran:?}");
        let creates = sandbox
            .requests()
            .iter()
            .filter(|r| {
                r.operation
                    .as_deref()
                    .is_some_and(|op| op.starts_with("Create"))
            })
            .count();
        assert_eq!(creates, 1, "{service}: one create, never a second");
    }
}
