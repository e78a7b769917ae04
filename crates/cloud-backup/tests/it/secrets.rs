//! Secrets never shown: every command of every provider, run with `-vv` against a sandbox the
//! test holds, with recognisable secrets in every place credentials come from (the
//! environment, the aliyun CLI's profile file, Huawei Cloud's credentials file, STS tokens,
//! the credentials of `sync` destinations), right and wrong; no byte of stdout or stderr (the
//! log lines included) holds one. Likewise the `Debug` of every public type that holds one.

use std::path::Path;

use cloud_sandbox::{Provider, Sandbox, demo_credentials};

use crate::sandbox::{env, instance, newest, start};
use crate::support::{Run, command, scratch};

/// Secrets and tokens of the wrong-credential and token runs: recognisable, never valid.
const WRONG_SECRET: &str = "Zq7WrongSecretMustNeverPrint";
const STS_TOKEN: &str = "Zq7StsTokenMustNeverPrint";
const AWS_SECRET: &str = "Zq7AwsSecretMustNeverPrint";
const AWS_SESSION: &str = "Zq7AwsSessionTokenMustNeverPrint";

/// Everything that must never show.
fn secrets() -> Vec<&'static str> {
    let mut all = vec![WRONG_SECRET, STS_TOKEN, AWS_SECRET, AWS_SESSION];
    all.extend(Provider::ALL.iter().map(|p| demo_credentials(*p).secret));
    all
}

/// `cloud-backup ARGS -vv` with `vars`; asserts that no secret shows anywhere.
async fn run_quiet_about_secrets(args: &[String], vars: &[(String, String)]) -> Run {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.push("-vv");
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let output = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        command(&env)
            .args(&all)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("within 120 s")
    .expect("cloud-backup runs");
    let run = Run {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for secret in secrets() {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{secret} shown by cloud-backup {all:?}: {run:?}"
        );
    }
    run
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The credential sources of `service`, each a name and the variables to run with (files
/// written under `dir`).
fn sources(service: Provider, dir: &Path) -> Vec<(&'static str, Vec<(String, String)>)> {
    let demo = demo_credentials(service);
    let right = owned(&env(service));
    let mut wrong = right.clone();
    for (name, value) in &mut wrong {
        if name.ends_with("SECRET") || name.ends_with("_SK") || name == "CDS_SECRET_KEY" {
            *value = WRONG_SECRET.to_owned();
        }
    }
    let mut all = vec![("environment", right.clone()), ("wrong secret", wrong)];
    match service {
        Provider::AliyunRds => {
            let mut token = right.clone();
            token.push(("ALIBABA_CLOUD_SECURITY_TOKEN".into(), STS_TOKEN.into()));
            all.push(("environment with an STS token", token));
            let home = dir.join("aliyun-home");
            std::fs::create_dir_all(home.join(".aliyun")).expect("test setup");
            let config = serde_json::json!({
                "current": "sts",
                "profiles": [
                    {"name": "ak", "mode": "AK", "access_key_id": demo.access_key_id,
                     "access_key_secret": demo.secret, "region_id": "cn-hangzhou"},
                    {"name": "sts", "mode": "StsToken", "access_key_id": demo.access_key_id,
                     "access_key_secret": WRONG_SECRET, "sts_token": STS_TOKEN,
                     "region_id": "cn-hangzhou"},
                ],
            });
            std::fs::write(home.join(".aliyun/config.json"), config.to_string())
                .expect("test setup");
            let home = home.to_str().expect("test setup").to_owned();
            for profile in ["ak", "sts"] {
                all.push((
                    "the aliyun CLI profile file",
                    vec![
                        ("HOME".into(), home.clone()),
                        ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED".into(), "false".into()),
                        ("ALIBABA_CLOUD_PROFILE".into(), profile.into()),
                    ],
                ));
            }
        }
        Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => {
            let mut token = right.clone();
            token.push(("HUAWEICLOUD_SDK_SECURITY_TOKEN".into(), STS_TOKEN.into()));
            all.push(("environment with a security token", token));
            let file = dir.join("huaweicloud-credentials");
            std::fs::write(
                &file,
                format!(
                    "[basic]\nak = {}\nsk = {}\nsecurity_token = {STS_TOKEN}\nproject_id = {}\n",
                    demo.access_key_id,
                    demo.secret,
                    demo.project_id.unwrap_or_default()
                ),
            )
            .expect("test setup");
            all.push((
                "the Huawei Cloud credentials file",
                vec![(
                    "HUAWEICLOUD_SDK_CREDENTIALS_FILE".into(),
                    file.to_str().expect("test setup").to_owned(),
                )],
            ));
        }
        _ => {}
    }
    all
}

/// Every command of `service` against `sandbox`, as argument lists.
fn commands(sandbox: &Sandbox, service: Provider, dir: &Path) -> Vec<Vec<String>> {
    let endpoint = sandbox.endpoint();
    let instance = instance(sandbox, service);
    let backup = newest(sandbox, service).backup_id;
    let out = dir.join("out").to_str().expect("test setup").to_owned();
    let since = "2026-11-01T00:00:00Z";
    let with = |args: &[&str]| -> Vec<String> {
        let mut all = vec![service.name().to_owned()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        all.extend(["--endpoint".to_owned(), endpoint.clone()]);
        all
    };
    let i = instance.as_str();
    let b = backup.as_str();
    vec![
        with(&["list", "--instance", i]),
        with(&["list", "--all-instances", "--json"]),
        with(&["instances"]),
        with(&["download-url", "--instance", i, "--backup", b]),
        with(&[
            "download",
            "--instance",
            i,
            "--backup",
            b,
            "--out",
            &out,
            "--force",
        ]),
        with(&["binlogs", "--instance", i, "--since", since]),
        with(&[
            "download-binlogs",
            "--instance",
            i,
            "--since",
            since,
            "--out",
            &out,
        ]),
        with(&["restore-window", "--instance", i]),
        with(&["policy", "--instance", i]),
        with(&["create-backup", "--instance", i]),
        with(&["delete-backup", "--instance", i, "--backup", b, "--yes"]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_command_shows_a_secret_from_any_credential_source() {
    let dir = scratch("secrets");
    let mut runs = 0;
    let mut succeeded = 0;
    for service in Provider::ALL.iter().copied() {
        // A sandbox per provider: create-backup and delete-backup change its catalogue.
        let sandbox = start();
        for (source, vars) in sources(service, &dir) {
            for args in commands(&sandbox, service, &dir) {
                let run = run_quiet_about_secrets(&args, &vars).await;
                runs += 1;
                if run.status.success() {
                    succeeded += 1;
                }
                // The log is on: every run that reached the service says so at -vv.
                if source == "environment" && args[1] == "list" {
                    assert!(run.status.success(), "{source}: {args:?}: {run:?}");
                    assert!(run.stderr.contains("DEBUG"), "{run:?}");
                }
                if source == "wrong secret" && args[1] == "list" {
                    assert_eq!(run.status.code(), Some(1), "{args:?}: {run:?}");
                }
            }
        }
    }
    // Both the paths that succeed and those that fail were taken.
    assert!(
        runs > 150 && succeeded > 40 && runs - succeeded > 40,
        "{runs} {succeeded}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_audit_and_verify_show_no_secret_of_theirs_or_their_destinations() {
    let dir = scratch("secrets-sync");
    let sandbox = start();
    let endpoint = sandbox.endpoint();
    let aliyun = instance(&sandbox, Provider::AliyunRds);
    let local = dir.join("dest").to_str().expect("test setup").to_owned();
    let base = |to: &str| -> Vec<String> {
        [
            "sync",
            "--from",
            "aliyun-rds",
            "--to",
            to,
            "--instance",
            &aliyun,
            "--endpoint",
            &endpoint,
            "--since",
            "2026-11-01T00:00:00Z",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect()
    };
    let mut vars = owned(&env(Provider::AliyunRds));
    vars.extend(owned(&[
        ("AWS_ACCESS_KEY_ID", "AKIDsecrettest"),
        ("AWS_SECRET_ACCESS_KEY", AWS_SECRET),
        ("AWS_SESSION_TOKEN", AWS_SESSION),
        ("AWS_REGION", "us-east-1"),
        ("HUAWEICLOUD_SDK_AK", "obs-ak"),
        ("HUAWEICLOUD_SDK_SK", WRONG_SECRET),
    ]));
    // A local destination that works, and object stores that refuse the connection (port 1
    // of 127.0.0.1): the error paths of each store's client, with its credentials loaded.
    let ran = run_quiet_about_secrets(&base(&local), &vars).await;
    assert!(ran.status.success(), "{ran:?}");
    for to in [
        "s3://bucket/prefix",
        "oss://bucket/prefix",
        "obs://bucket/prefix",
    ] {
        let mut args = base(to);
        args.extend(["--to-endpoint".to_owned(), "http://127.0.0.1:1".to_owned()]);
        let ran = run_quiet_about_secrets(&args, &vars).await;
        assert_ne!(ran.status.code(), Some(0), "{to}: {ran:?}");
    }
    let audit: Vec<String> = [
        "audit",
        "--from",
        "aliyun-rds",
        "--to",
        &local,
        "--instance",
        &aliyun,
        "--endpoint",
        &endpoint,
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    let ran = run_quiet_about_secrets(&audit, &vars).await;
    assert!(ran.status.code().is_some(), "{ran:?}");
    let verify = vec!["verify".to_owned(), local.clone()];
    let ran = run_quiet_about_secrets(&verify, &vars).await;
    assert!(ran.status.success(), "{ran:?}");
}

#[test]
fn debug_of_every_type_that_holds_a_secret_hides_it() {
    let credentials =
        cloud_signer::Credentials::new("AKIDdebug", WRONG_SECRET).with_security_token(STS_TOKEN);
    let mut shown = vec![format!("{credentials:?}")];
    let aliyun = aliyun_rds::Config::new(credentials.clone());
    shown.push(format!("{aliyun:?}"));
    shown.push(format!(
        "{:?}",
        aliyun_rds::Client::new(aliyun).expect("test setup")
    ));
    let capital = capitalonline_mysql::Config::new(credentials.clone());
    shown.push(format!("{capital:?}"));
    shown.push(format!(
        "{:?}",
        capitalonline_mysql::Client::new(capital).expect("test setup")
    ));
    shown.push(format!(
        "{:?}",
        huaweicloud_rds::Config::new(credentials.clone(), "project")
    ));
    let mut options = cloud_backup::Options::new();
    options.credentials = Some(credentials.clone());
    options.endpoint = Some("http://127.0.0.1:1".to_owned());
    options.project_id = Some("p".to_owned());
    shown.push(format!("{options:?}"));
    for provider in Provider::ALL.iter().copied() {
        let client = cloud_backup::Client::new(provider, &options);
        shown.push(format!("{client:?}"));
    }
    for url in ["s3://bucket/p", "oss://bucket/p", "obs://bucket/p"] {
        let store = cloud_backup::store::ObjectStore::open_with_credentials(
            url,
            Some("http://127.0.0.1:1"),
            &credentials,
        );
        shown.push(format!("{store:?}"));
    }
    for text in &shown {
        assert!(
            !text.contains(WRONG_SECRET) && !text.contains(STS_TOKEN),
            "{text}"
        );
    }
    assert!(shown.iter().all(|t| !t.is_empty()));
}
