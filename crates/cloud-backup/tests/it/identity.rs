//! Credentials the way production runs, against a sandbox playing Alibaba Cloud's ECS
//! metadata service, STS (`AssumeRole`, `AssumeRoleWithOIDC`) and a credentials URI: each
//! source of the default chain, the chain's order, short-lived keys refreshed in the middle of
//! a listing without a failed request, and no issued secret in any output.

use std::time::Duration;

#[cfg(all(
    feature = "capitalonline-mysql",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
use cloud_sandbox::HUAWEI_IDP_ID;
use cloud_sandbox::{
    ALIYUN_CREDENTIALS_PATH, ALIYUN_OIDC_PROVIDER_ARN, ALIYUN_ROLE_ARN, Faults, Provider,
    RequestKind, RequestRecord, SANDBOX_OIDC_TOKEN, Sandbox, SandboxConfig, demo_credentials,
};

use crate::support::{Run, run, scratch};

const INSTANCE: &str = "rm-demo";

/// `aliyun-rds list --instance rm-demo --endpoint <sandbox> -vv` with only `env`.
async fn list(sandbox: &Sandbox, env: &[(&str, &str)]) -> Run {
    let endpoint = sandbox.endpoint();
    run(
        &[
            "aliyun-rds",
            "list",
            "--instance",
            INSTANCE,
            "--endpoint",
            &endpoint,
            "--json",
            "-vv",
        ],
        env,
    )
    .await
}

/// The sandbox's records of `kind` or of the STS action `action`.
fn calls(sandbox: &Sandbox, pick: impl Fn(&RequestRecord) -> bool) -> Vec<RequestRecord> {
    sandbox.requests().into_iter().filter(|r| pick(r)).collect()
}

fn is_sts(record: &RequestRecord) -> bool {
    matches!(
        record.operation.as_deref(),
        Some("AssumeRole" | "AssumeRoleWithOIDC")
    )
}

/// Every request the listing made succeeded, and no issued token shows in its output.
fn assert_clean(ran: &Run, sandbox: &Sandbox) {
    assert!(ran.status.success(), "{ran:?}");
    let failed = calls(sandbox, |r| r.kind == RequestKind::Api && r.status != 200);
    assert!(failed.is_empty(), "failed requests: {failed:?}");
    assert_no_issued_secret(ran, sandbox);
}

/// No secret or token the sandbox issued shows in the output (with -vv).
fn assert_no_issued_secret(ran: &Run, sandbox: &Sandbox) {
    let secrets = sandbox.issued_secrets();
    assert!(!secrets.is_empty(), "nothing was issued");
    for text in [&ran.stdout, &ran.stderr] {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "an issued secret in the output: {text}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ecs_instance_role_from_the_metadata_service() {
    let sandbox = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let endpoint = sandbox.endpoint();
    let ran = list(
        &sandbox,
        &[
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "false"),
            ("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", &endpoint),
        ],
    )
    .await;
    assert_clean(&ran, &sandbox);
    let identity: Vec<String> = calls(&sandbox, |r| r.kind == RequestKind::Identity)
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    // IMDSv2 token, the role's name, its keys: once for the whole listing.
    assert_eq!(
        identity,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/",
            "GET /latest/meta-data/ram/security-credentials/cloud-backup-reader",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oidc_role_a_profile_role_and_a_credentials_uri() {
    let sandbox = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let endpoint = sandbox.endpoint();
    let dir = scratch("identity-sources");

    // RRSA: the three variables, the token file, STS at the sandbox.
    let token_file = dir.join("token");
    std::fs::write(&token_file, SANDBOX_OIDC_TOKEN).expect("write");
    let token_path = token_file.to_str().expect("UTF-8");
    let oidc = [
        ("ALIBABA_CLOUD_ROLE_ARN", ALIYUN_ROLE_ARN),
        ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", ALIYUN_OIDC_PROVIDER_ARN),
        ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token_path),
        ("ALIBABA_CLOUD_STS_ENDPOINT", endpoint.as_str()),
    ];
    let ran = list(&sandbox, &oidc).await;
    assert_clean(&ran, &sandbox);
    let sts = calls(&sandbox, is_sts);
    assert_eq!(sts.len(), 1, "{sts:?}");
    assert_eq!(sts[0].operation.as_deref(), Some("AssumeRoleWithOIDC"));

    // A wrong token: STS's own error, named, nothing listed.
    std::fs::write(&token_file, "not-the-token").expect("write");
    let ran = list(&sandbox, &oidc).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("AuthenticationFail.OIDCToken.Invalid"),
        "{}",
        ran.stderr
    );
    std::fs::write(&token_file, SANDBOX_OIDC_TOKEN).expect("write");

    // The aliyun CLI profile in RamRoleArn mode: AssumeRole signed with the profile's key.
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".aliyun")).expect("mkdir");
    let demo = demo_credentials(Provider::AliyunRds);
    let profile = serde_json::json!({
        "current": "backup",
        "profiles": [{
            "name": "backup",
            "mode": "RamRoleArn",
            "access_key_id": demo.access_key_id,
            "access_key_secret": demo.secret,
            "ram_role_arn": ALIYUN_ROLE_ARN,
            "ram_session_name": "nightly-sync",
            "expired_seconds": 900,
            "region_id": "cn-hangzhou"
        }]
    });
    std::fs::write(home.join(".aliyun/config.json"), profile.to_string()).expect("write");
    let before = calls(&sandbox, is_sts).len();
    let ran = list(
        &sandbox,
        &[
            ("HOME", home.to_str().expect("UTF-8")),
            ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "false"),
            ("ALIBABA_CLOUD_STS_ENDPOINT", &endpoint),
        ],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    let sts = calls(&sandbox, is_sts);
    assert_eq!(sts.len(), before + 1);
    assert_eq!(sts[before].operation.as_deref(), Some("AssumeRole"));
    assert!(!ran.stderr.contains(demo.secret));

    // A credentials URI, the metadata service left out.
    let uri = format!("{endpoint}{ALIYUN_CREDENTIALS_PATH}");
    let ran = list(&sandbox, &[("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)]).await;
    assert!(ran.status.success(), "{ran:?}");
    assert!(
        calls(&sandbox, |r| r.path == ALIYUN_CREDENTIALS_PATH).len() == 1,
        "{:?}",
        sandbox.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_takes_the_first_source_in_the_official_order() {
    let sandbox = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let endpoint = sandbox.endpoint();
    let dir = scratch("identity-order");
    let token_file = dir.join("token");
    std::fs::write(&token_file, SANDBOX_OIDC_TOKEN).expect("write");
    let demo = demo_credentials(Provider::AliyunRds);
    let uri = format!("{endpoint}{ALIYUN_CREDENTIALS_PATH}");
    let everything = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", demo.access_key_id),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", demo.secret),
        ("ALIBABA_CLOUD_ROLE_ARN", ALIYUN_ROLE_ARN),
        ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", ALIYUN_OIDC_PROVIDER_ARN),
        (
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.to_str().expect("UTF-8"),
        ),
        ("ALIBABA_CLOUD_STS_ENDPOINT", endpoint.as_str()),
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "false"),
        ("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", endpoint.as_str()),
        ("ALIBABA_CLOUD_CREDENTIALS_URI", uri.as_str()),
    ];
    // 1. The environment's keys: nothing else asked.
    let ran = list(&sandbox, &everything).await;
    assert!(ran.status.success(), "{ran:?}");
    assert!(calls(&sandbox, |r| is_sts(r) || r.kind == RequestKind::Identity).is_empty());
    // 2. Without them, the OIDC role.
    let ran = list(&sandbox, &everything[2..]).await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(calls(&sandbox, is_sts).len(), 1);
    assert!(calls(&sandbox, |r| r.kind == RequestKind::Identity).is_empty());
    // 3. Without the OIDC role: the ECS instance role before the credentials URI.
    let ran = list(&sandbox, &everything[5..]).await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(
        calls(&sandbox, |r| r.kind == RequestKind::Identity
            && r.path.starts_with("/latest/"))
        .len(),
        3
    );
    assert!(calls(&sandbox, |r| r.path == ALIYUN_CREDENTIALS_PATH).is_empty());
    // 4. A metadata service that does not answer: the credentials URI.
    let ran = list(
        &sandbox,
        &[
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "false"),
            ("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", "http://127.0.0.1:9"),
            ("ALIBABA_CLOUD_CREDENTIALS_URI", uri.as_str()),
        ],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(
        calls(&sandbox, |r| r.path == ALIYUN_CREDENTIALS_PATH).len(),
        1
    );
    // 5. Nothing at all: one line naming what was tried.
    let ran = list(
        &sandbox,
        &[
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "false"),
            ("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", "http://127.0.0.1:9"),
        ],
    )
    .await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let line = ran.stderr.lines().last().unwrap_or_default();
    assert!(
        line.contains("ECS metadata service")
            && line.contains("ALIBABA_CLOUD_ECS_METADATA_DISABLED"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_that_expire_mid_listing_are_replaced_before_any_request_fails() {
    // Keys that live 3 seconds, and a listing of 40 pages that takes longer (every answer
    // 120 ms late): the listing must outlive its first key.
    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .with_credential_lifetime(Duration::from_secs(3))
            .with_backup_count(Provider::AliyunRds, INSTANCE, 4_000)
            .with_faults(Faults::default().with_latency_ms(120)),
    )
    .expect("sandbox");
    let endpoint = sandbox.endpoint();
    let ran = list(
        &sandbox,
        &[
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "false"),
            ("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", &endpoint),
        ],
    )
    .await;
    assert_clean(&ran, &sandbox);
    let listed: serde_json::Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(listed.as_array().map(Vec::len), Some(4_000));
    let fetched = calls(&sandbox, |r| {
        r.path == "/latest/meta-data/ram/security-credentials/cloud-backup-reader"
    })
    .len();
    assert!(fetched >= 2, "the keys were fetched {fetched} time(s)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_names_the_source_the_key_and_the_expiry_never_a_secret() {
    let sandbox = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let endpoint = sandbox.endpoint();
    let ran = run(
        &["aliyun-rds", "whoami", "--json"],
        &[
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "false"),
            ("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", &endpoint),
        ],
    )
    .await;
    let json = ran.json();
    let source = json["source"].as_str().expect("a source");
    assert!(source.contains("ECS instance RAM role"), "{source}");
    assert_eq!(json["temporary"], true);
    assert!(
        json["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{json}"
    );
    let key = json["access_key_id"].as_str().expect("a key id");
    assert!(key.starts_with("STS.") && key.contains('…'), "{key}");
    assert_no_issued_secret(&ran, &sandbox);

    // Keys from the environment: said so, and the text form.
    let demo = demo_credentials(Provider::AliyunRds);
    let ran = run(
        &["aliyun-rds", "whoami"],
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", demo.access_key_id),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", demo.secret),
        ],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert!(
        ran.stdout
            .contains("source         environment variables ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("credentials    long-lived key"),
        "{}",
        ran.stdout
    );
    assert!(!ran.stdout.contains(demo.secret));
}

#[cfg(all(
    feature = "capitalonline-mysql",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
/// `<service> list --instance <demo> --endpoint <sandbox> --json -vv` with only `env` (and the
/// demo project id).
async fn huawei_list(sandbox: &Sandbox, service: Provider, env: &[(&str, &str)]) -> Run {
    let endpoint = sandbox.endpoint();
    let instance = crate::sandbox::instance(sandbox, service);
    let project = demo_credentials(service).project_id.unwrap_or_default();
    let mut all = vec![("HUAWEICLOUD_SDK_PROJECT_ID", project)];
    all.extend_from_slice(env);
    run(
        &[
            service.name(),
            "list",
            "--instance",
            &instance,
            "--endpoint",
            &endpoint,
            "--json",
            "-vv",
        ],
        &all,
    )
    .await
}

#[cfg(all(
    feature = "capitalonline-mysql",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huawei_ecs_metadata_and_iam_federation() {
    let sandbox = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let endpoint = sandbox.endpoint();
    for service in [Provider::HuaweiCloudRds, Provider::HuaweiCloudGaussDb] {
        let ran = huawei_list(
            &sandbox,
            service,
            &[
                ("HUAWEICLOUD_SDK_METADATA_DISABLED", "false"),
                ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &endpoint),
            ],
        )
        .await;
        assert!(ran.status.success(), "{ran:?}");
        assert_no_issued_secret(&ran, &sandbox);
    }
    let fetched: Vec<String> = calls(&sandbox, |r| r.kind == RequestKind::Identity)
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        fetched,
        [
            "PUT /meta-data/latest/api/token",
            "GET /openstack/latest/securitykey",
            "PUT /meta-data/latest/api/token",
            "GET /openstack/latest/securitykey",
        ]
    );

    // CCE: the identity provider and the projected token, exchanged at IAM.
    let dir = scratch("identity-huawei");
    let token_file = dir.join("oidc-token");
    std::fs::write(&token_file, SANDBOX_OIDC_TOKEN).expect("write");
    let federation = [
        ("HUAWEICLOUD_SDK_IDP_ID", HUAWEI_IDP_ID),
        (
            "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
            token_file.to_str().expect("UTF-8"),
        ),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", endpoint.as_str()),
    ];
    let ran = huawei_list(&sandbox, Provider::HuaweiCloudRds, &federation).await;
    assert!(ran.status.success(), "{ran:?}");
    let iam: Vec<String> = calls(&sandbox, |r| r.path.starts_with("/v3.0/"))
        .into_iter()
        .map(|r| format!("{} {}", r.path, r.status))
        .collect();
    assert_eq!(
        iam,
        [
            "/v3.0/OS-AUTH/id-token/tokens 201",
            "/v3.0/OS-CREDENTIAL/securitytokens 201"
        ]
    );
    // whoami says so.
    let project = demo_credentials(Provider::HuaweiCloudRds)
        .project_id
        .unwrap_or_default();
    let mut env = federation.to_vec();
    env.push(("HUAWEICLOUD_SDK_PROJECT_ID", project));
    let ran = run(&["huaweicloud-rds", "whoami", "--json"], &env).await;
    let json = ran.json();
    assert!(
        json["source"]
            .as_str()
            .is_some_and(|s| s.contains("IAM federation") && s.contains(HUAWEI_IDP_ID)),
        "{json}"
    );
    assert_eq!(json["temporary"], true);

    // The same from the credentials file's [basic] section (idp_id, id_token_file,
    // iam_endpoint), which wins over nothing else set.
    let file = dir.join("credentials");
    std::fs::write(
        &file,
        format!(
            "[basic]\nidp_id = {HUAWEI_IDP_ID}\nid_token_file = {}\niam_endpoint = {endpoint}\n",
            token_file.display()
        ),
    )
    .expect("write");
    let before = calls(&sandbox, |r| r.path.starts_with("/v3.0/")).len();
    let ran = huawei_list(
        &sandbox,
        Provider::HuaweiCloudRds,
        &[(
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            file.to_str().expect("UTF-8"),
        )],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert_no_issued_secret(&ran, &sandbox);
    assert_eq!(
        calls(&sandbox, |r| r.path.starts_with("/v3.0/")).len(),
        before + 2
    );

    // A token the identity provider does not accept: IAM's refusal, named.
    std::fs::write(&token_file, "not-a-token").expect("write");
    let ran = huawei_list(&sandbox, Provider::HuaweiCloudRds, &federation).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("IAM refused the ID token"),
        "{}",
        ran.stderr
    );
}

#[cfg(all(
    feature = "capitalonline-mysql",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huawei_project_id_is_found_through_iam_by_region() {
    let sandbox = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let demo = demo_credentials(Provider::HuaweiCloudRds);
    let config = huaweicloud_core::Config::new(
        huaweicloud_core::Credentials::new(demo.access_key_id, demo.secret),
        "",
    )
    .with_region(cloud_sandbox::HUAWEI_DEMO_REGION)
    .with_iam_endpoint(sandbox.endpoint());
    let found = config
        .clone()
        .with_discovered_project_id()
        .await
        .expect("the project of the region");
    assert_eq!(found.project_id(), demo.project_id);
    let listed = calls(&sandbox, |r| {
        r.operation.as_deref() == Some("KeystoneListProjects") && r.status == 200
    });
    assert_eq!(listed.len(), 1);

    // The command line does the same when no project id is given anywhere.
    let endpoint = sandbox.endpoint();
    let instance = crate::sandbox::instance(&sandbox, Provider::HuaweiCloudRds);
    let ran = run(
        &[
            "huaweicloud-rds",
            "list",
            "--instance",
            &instance,
            "--endpoint",
            &endpoint,
            "--region",
            cloud_sandbox::HUAWEI_DEMO_REGION,
            "--json",
        ],
        &[
            ("HUAWEICLOUD_SDK_AK", demo.access_key_id),
            ("HUAWEICLOUD_SDK_SK", demo.secret),
            ("HUAWEICLOUD_SDK_IAM_ENDPOINT", &endpoint),
        ],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(
        calls(&sandbox, |r| r.operation.as_deref()
            == Some("KeystoneListProjects"))
        .len(),
        2
    );

    // A region without a project of that name: said so, naming the variable to set.
    let error = config
        .with_region("ap-southeast-1")
        .with_discovered_project_id()
        .await
        .expect_err("no project");
    assert!(
        error.to_string().contains("HUAWEICLOUD_SDK_PROJECT_ID"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chainable_profile_assumes_a_role_with_the_instance_role() {
    let sandbox = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let endpoint = sandbox.endpoint();
    let home = scratch("identity-chain").join("home");
    std::fs::create_dir_all(home.join(".aliyun")).expect("mkdir");
    let profiles = serde_json::json!({
        "current": "backup",
        "profiles": [
            {
                "name": "backup",
                "mode": "ChainableRamRoleArn",
                "source_profile": "instance",
                "ram_role_arn": ALIYUN_ROLE_ARN,
                "ram_session_name": "chained"
            },
            {"name": "instance", "mode": "EcsRamRole", "ram_role_name": "cloud-backup-reader"},
            {"name": "loop", "mode": "ChainableRamRoleArn", "source_profile": "loop",
             "ram_role_arn": ALIYUN_ROLE_ARN}
        ]
    });
    std::fs::write(home.join(".aliyun/config.json"), profiles.to_string()).expect("write");
    let env = [
        ("HOME", home.to_str().expect("UTF-8")),
        ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "false"),
        ("ALIBABA_CLOUD_STS_ENDPOINT", endpoint.as_str()),
        ("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", endpoint.as_str()),
    ];
    let ran = list(&sandbox, &env).await;
    assert_clean(&ran, &sandbox);
    // The instance role's keys (no role-name lookup: the profile names it), then AssumeRole
    // signed with them.
    let identity: Vec<String> = calls(&sandbox, |r| r.kind == RequestKind::Identity)
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        identity,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/cloud-backup-reader"
        ]
    );
    let sts = calls(&sandbox, is_sts);
    assert_eq!(sts.len(), 1);
    assert_eq!(
        (sts[0].operation.as_deref(), sts[0].status),
        (Some("AssumeRole"), 200)
    );

    // A profile that is its own source: refused at once.
    let mut looped = env.to_vec();
    looped.push(("ALIBABA_CLOUD_PROFILE", "loop"));
    let ran = list(&sandbox, &looped).await;
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("source_profile chain loops"),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oidc_profile_of_the_cli_file() {
    let sandbox = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let endpoint = sandbox.endpoint();
    let dir = scratch("identity-oidc-profile");
    let token_file = dir.join("token");
    std::fs::write(&token_file, SANDBOX_OIDC_TOKEN).expect("write");
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".aliyun")).expect("mkdir");
    let profiles = serde_json::json!({
        "current": "rrsa",
        "profiles": [{
            "name": "rrsa",
            "mode": "OIDC",
            "ram_role_arn": ALIYUN_ROLE_ARN,
            "oidc_provider_arn": ALIYUN_OIDC_PROVIDER_ARN,
            "oidc_token_file": token_file.to_str().expect("UTF-8"),
            "ram_session_name": "rrsa-profile"
        }]
    });
    std::fs::write(home.join(".aliyun/config.json"), profiles.to_string()).expect("write");
    let ran = list(
        &sandbox,
        &[
            ("HOME", home.to_str().expect("UTF-8")),
            ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "false"),
            ("ALIBABA_CLOUD_STS_ENDPOINT", endpoint.as_str()),
        ],
    )
    .await;
    assert_clean(&ran, &sandbox);
    let sts = calls(&sandbox, is_sts);
    assert_eq!(sts.len(), 1);
    assert_eq!(sts[0].operation.as_deref(), Some("AssumeRoleWithOIDC"));
}
