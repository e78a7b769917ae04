//! `cloud-backup all list`: every configured provider at once, the others skipped with a note.

use cloud_sandbox::Provider;
use serde_json::Value;

use crate::sandbox::{env, instance, start};
use crate::support::run;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_provider_skipped_for_lack_of_credentials_makes_the_exit_status_3() {
    // Defect: `all list` exited 0 when a provider the user named was skipped, so a script
    // could not tell it from success.
    let sandbox = start();
    let endpoint = sandbox.endpoint();
    // Credentials for Capital Online and Alibaba Cloud only; an instance for Alibaba Cloud and
    // Huawei Cloud RDS only.
    let mut vars = env(Provider::AliyunRds);
    vars.extend(env(Provider::CapitalOnlineMysql));
    let rds = format!(
        "huaweicloud-rds={}",
        instance(&sandbox, Provider::HuaweiCloudRds)
    );
    let args = [
        "all",
        "list",
        "--instance",
        "aliyun-rds=rm-demo",
        "--instance",
        &rds,
        "--endpoint",
        &endpoint,
    ];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let run_json = run(&with_json, &vars).await;
    assert_eq!(run_json.status.code(), Some(3), "{run_json:?}");
    let list: Value = serde_json::from_str(&run_json.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 137);
    assert!(list.iter().all(|b| b["provider"] == "aliyun-rds"));
    let notes: Vec<&str> = run_json.stderr.lines().collect();
    assert_eq!(notes.len(), 3, "{run_json:?}");
    assert_eq!(
        notes[0],
        "note: skipping capitalonline-mysql: no instance given (add --instance \
         capitalonline-mysql=<ID>)"
    );
    assert!(
        notes[1].starts_with("error: skipping huaweicloud-rds: configuration error:"),
        "{}",
        notes[1]
    );
    assert!(notes[1].contains("HUAWEICLOUD_SDK_AK"), "{}", notes[1]);
    assert!(
        notes[2].starts_with("note: skipping huaweicloud-gaussdb: configuration error:"),
        "{}",
        notes[2]
    );

    // The table names each backup's provider and instance.
    let table = run(&args, &vars).await;
    assert_eq!(table.status.code(), Some(3), "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(
        lines[0].starts_with("PROVIDER    INSTANCE  BACKUP ID"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("aliyun-rds  rm-demo   "),
        "{}",
        lines[1]
    );
    assert_eq!(lines.last(), Some(&"137 backups"));

    // Everything named was listed: success, whatever was skipped unnamed.
    let named_ok: Vec<&str> = args[..4].iter().chain(&args[6..]).copied().collect();
    let fine = run(&named_ok, &vars).await;
    assert!(fine.status.success(), "{fine:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_provider_that_fails_makes_the_exit_status_3() {
    let sandbox = start();
    let endpoint = sandbox.endpoint();
    let mut vars = env(Provider::AliyunRds);
    vars.extend(env(Provider::CapitalOnlineMysql));
    vars.extend(env(Provider::HuaweiCloudGaussDb));
    let gaussdb = format!(
        "huaweicloud-gaussdb={}",
        instance(&sandbox, Provider::HuaweiCloudGaussDb)
    );
    let run = run(
        &[
            "all",
            "list",
            "--json",
            "--instance",
            "aliyun-rds=rm-demo",
            "--instance",
            "capitalonline-mysql=no-such-instance",
            "--instance",
            &gaussdb,
            "--endpoint",
            &endpoint,
        ],
        &vars,
    )
    .await;
    assert_eq!(run.status.code(), Some(3), "{run:?}");
    // What did work is printed all the same.
    let list: Value = serde_json::from_str(&run.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 137 + 103);
    assert!(list.iter().any(|b| b["provider"] == "huaweicloud-gaussdb"));
    let lines: Vec<&str> = run.stderr.lines().collect();
    let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{run:?}");
    assert!(
        errors[0].starts_with("error: capitalonline-mysql: ResourceNotFound:"),
        "{}",
        errors[0]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("note: skipping huaweicloud-rds:")),
        "{run:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_configured_lists_nothing_and_exits_3() {
    let run = run(&["all", "list", "--json"], &[]).await;
    assert_eq!(run.status.code(), Some(3), "{run:?}");
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap(),
        serde_json::json!([])
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{run:?}");
    assert!(lines[..4].iter().all(|l| l.starts_with("note: skipping ")));
    assert!(
        lines[4].starts_with("error: no provider could be listed"),
        "{}",
        lines[4]
    );
    // Options that mean something else to each provider are refused.
    let refused = crate::support::run(&["all", "list", "--region", "cn-hangzhou"], &[]).await;
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
}
