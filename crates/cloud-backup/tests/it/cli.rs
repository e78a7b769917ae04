//! The command line itself: help, usage errors.

use crate::support::run;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_names_providers_commands_and_credentials() {
    let help = run(&["--help"], &[]).await;
    assert!(help.status.success(), "{help:?}");
    for needle in [
        "capitalonline-mysql",
        "aliyun-rds",
        "list",
        "download-url",
        "--region",
        "--endpoint",
        "CDS_SECRET_ID",
        "CDS_SECRET_KEY",
    ] {
        assert!(help.stdout.contains(needle), "{needle}: {}", help.stdout);
    }
    let help = run(&["aliyun-rds", "download-url", "--help"], &[]).await;
    assert!(help.status.success(), "{help:?}");
    for needle in [
        "--instance <ID>",
        "--backup <BACKUP_ID>",
        "--json",
        "--region <REGION>",
        "--endpoint <URL>",
    ] {
        assert!(help.stdout.contains(needle), "{needle}: {}", help.stdout);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_with_status_2() {
    for args in [
        vec!["huaweicloud-dds", "list", "--instance", "i-1"],
        vec!["aliyun-rds", "list"],
        vec!["aliyun-rds", "download-url", "--instance", "i-1"],
        vec!["aliyun-rds"],
        vec![],
    ] {
        let run = run(&args, &[]).await;
        assert_eq!(run.status.code(), Some(2), "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
    }
    let run = run(&["aws-rds", "list", "--instance", "i-1"], &[]).await;
    assert!(run.stderr.contains("capitalonline-mysql"), "{run:?}");
    assert!(run.stderr.contains("aliyun-rds"), "{run:?}");
}
