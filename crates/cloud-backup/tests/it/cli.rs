//! The command line itself: help, usage errors, options that do not apply.

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
        "huaweicloud-rds",
        "huaweicloud-gaussdb",
        "--project-id",
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_REGION",
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
    for provider in [
        "capitalonline-mysql",
        "aliyun-rds",
        "huaweicloud-rds",
        "huaweicloud-gaussdb",
    ] {
        assert!(run.stderr.contains(provider), "{provider}: {run:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_id_is_refused_where_there_is_no_project() {
    for provider in ["capitalonline-mysql", "aliyun-rds"] {
        let run = run(
            &[provider, "list", "--instance", "i-1", "--project-id", "p-1"],
            &[],
        )
        .await;
        assert_eq!(run.status.code(), Some(2), "{provider}: {run:?}");
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr.starts_with(&format!(
                "error: --project-id is for huaweicloud-rds and huaweicloud-gaussdb; {provider} \
                 has no project"
            )),
            "{run:?}"
        );
    }
    let help = run(&["huaweicloud-rds", "list", "--help"], &[]).await;
    assert!(help.stdout.contains("--project-id <ID>"), "{help:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_with_user_information_never_appears_in_an_error() {
    let env = [
        ("CDS_SECRET_ID", "id"),
        ("CDS_SECRET_KEY", "key"),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "key"),
        ("HUAWEICLOUD_SDK_AK", "ak"),
        ("HUAWEICLOUD_SDK_SK", "sk"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "p"),
    ];
    for provider in [
        "capitalonline-mysql",
        "aliyun-rds",
        "huaweicloud-rds",
        "huaweicloud-gaussdb",
    ] {
        for endpoint in [
            "ftp://ak:endpoint-password@rds.example.com",
            "https://ak:endpoint-password@rds.example.com",
            "ak:endpoint-password@rds.example.com/x",
        ] {
            let run = run(
                &[provider, "list", "--instance", "i", "--endpoint", endpoint],
                &env,
            )
            .await;
            assert_eq!(run.status.code(), Some(1), "{run:?}");
            // A build without the provider refuses it first, without reading the endpoint.
            let enabled = provider
                .parse::<cloud_backup::Provider>()
                .is_ok_and(cloud_backup::is_enabled);
            let says = if enabled {
                "invalid endpoint"
            } else {
                "does not include"
            };
            assert!(run.stderr.contains(says), "{run:?}");
            assert!(!run.stderr.contains("endpoint-password"), "{run:?}");
            assert!(!run.stdout.contains("endpoint-password"), "{run:?}");
        }
    }
}
