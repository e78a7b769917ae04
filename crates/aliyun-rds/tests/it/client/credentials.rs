//! The credential chain of `Config::from_env_with`: environment variables, then the aliyun
//! CLI profile file, with variables and home directory passed in (the process environment is
//! never touched).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use aliyun_rds::{Client, Config, DescribeBackupsRequest, ErrorKind};
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{INSTANCE, fast_http, header, page_body, received};

/// A fresh home directory under the system temp dir, removed on drop.
struct TempHome(PathBuf);

impl TempHome {
    fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "aliyun-rds-it-{}-{n}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary home directory");
        Self(dir)
    }

    /// Writes `~/.aliyun/config.json`.
    fn with_config(self, text: &str) -> Self {
        let dir = self.0.join(".aliyun");
        std::fs::create_dir_all(&dir).expect("~/.aliyun");
        std::fs::write(dir.join("config.json"), text).expect("~/.aliyun/config.json");
        self
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A lookup over fixed variables.
fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

/// An aliyun CLI configuration as `aliyun configure` writes it, with three profiles.
fn cli_config(current: &str) -> String {
    json!({
        "current": current,
        "profiles": [
            {
                "name": "default",
                "mode": "AK",
                "access_key_id": "profile-ak-id",
                "access_key_secret": "profile-ak-secret",
                "sts_token": "",
                "ram_role_name": "",
                "ram_role_arn": "",
                "ram_session_name": "",
                "private_key": "",
                "key_pair_name": "",
                "expired_seconds": 0,
                "verified": "",
                "region_id": "cn-chengdu",
                "output_format": "json",
                "language": "en",
                "site": "",
                "retry_timeout": 0,
                "retry_count": 0
            },
            {
                "name": "temporary",
                "mode": "StsToken",
                "access_key_id": "STS.profile-id",
                "access_key_secret": "profile-sts-secret",
                "sts_token": "profile-sts-token",
                "region_id": "eu-central-1"
            },
            {
                "name": "role",
                "mode": "RamRoleArn",
                "access_key_id": "role-ak-id",
                "access_key_secret": "role-ak-secret",
                "ram_role_arn": "acs:ram::123456789012:role/backup",
                "region_id": "cn-shanghai"
            },
            {
                "name": "ecs",
                "mode": "EcsRamRole",
                "ram_role_name": "backup-reader",
                "region_id": "cn-beijing"
            },
            {
                "name": "sso",
                "mode": "CloudSSO",
                "access_key_id": "sso-ak-id",
                "region_id": "cn-shanghai"
            }
        ],
        "meta_path": ""
    })
    .to_string()
}

/// No text may show any secret of the fixtures.
fn assert_no_secret(text: &str) {
    for secret in [
        "env-secret",
        "env-token",
        "profile-ak-secret",
        "profile-sts-secret",
        "profile-sts-token",
        "role-ak-secret",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[test]
fn environment_variables_come_first() {
    let home = TempHome::new().with_config(&cli_config("default"));
    let config = Config::from_env_with(
        vars(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
        ]),
        Some(home.path()),
    )
    .unwrap();
    let credentials = config.credentials();
    assert_eq!(credentials.access_key_id(), "env-id");
    assert_eq!(credentials.secret(), "env-secret");
    assert_eq!(credentials.security_token(), Some("env-token"));
    // The profile's region belongs to the profile's credentials: not used here.
    assert_eq!(config.region(), "cn-hangzhou");
    assert_no_secret(&format!("{config:?}"));
}

#[test]
fn the_region_variable_sets_the_region_and_endpoint() {
    let config = Config::from_env_with(
        vars(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
            ("ALIBABA_CLOUD_REGION_ID", "ap-northeast-1"),
        ]),
        None,
    )
    .unwrap();
    assert_eq!(config.region(), "ap-northeast-1");
    assert_eq!(config.endpoint(), "https://rds.ap-northeast-1.aliyuncs.com");
    assert_eq!(config.credentials().security_token(), None);
}

#[test]
fn the_current_ak_profile_and_its_region() {
    let home = TempHome::new().with_config(&cli_config("default"));
    let config = Config::from_env_with(vars(&[]), Some(home.path())).unwrap();
    assert_eq!(config.credentials().access_key_id(), "profile-ak-id");
    assert_eq!(config.credentials().secret(), "profile-ak-secret");
    // An empty sts_token in an AK profile is no token.
    assert_eq!(config.credentials().security_token(), None);
    assert_eq!(config.region(), "cn-chengdu");
    assert_eq!(config.endpoint(), "https://rds.cn-chengdu.aliyuncs.com");
}

#[test]
fn alibaba_cloud_profile_picks_an_sts_profile_and_the_region_variable_wins() {
    let home = TempHome::new().with_config(&cli_config("default"));
    let config = Config::from_env_with(
        vars(&[("ALIBABA_CLOUD_PROFILE", "temporary")]),
        Some(home.path()),
    )
    .unwrap();
    assert_eq!(config.credentials().access_key_id(), "STS.profile-id");
    assert_eq!(
        config.credentials().security_token(),
        Some("profile-sts-token")
    );
    assert_eq!(config.region(), "eu-central-1");

    let config = Config::from_env_with(
        vars(&[
            ("ALIBABA_CLOUD_PROFILE", "temporary"),
            ("ALIBABA_CLOUD_REGION_ID", "cn-beijing"),
        ]),
        Some(home.path()),
    )
    .unwrap();
    assert_eq!(config.region(), "cn-beijing");
    assert_eq!(config.endpoint(), "https://rds.aliyuncs.com");
}

#[test]
fn the_current_profile_may_be_an_sts_one() {
    let home = TempHome::new().with_config(&cli_config("temporary"));
    let config = Config::from_env_with(vars(&[]), Some(home.path())).unwrap();
    assert_eq!(
        config.credentials().security_token(),
        Some("profile-sts-token")
    );
}

#[test]
fn another_mode_is_refused_naming_the_mode() {
    let home = TempHome::new().with_config(&cli_config("sso"));
    let error = Config::from_env_with(vars(&[]), Some(home.path())).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    let text = error.to_string();
    assert!(text.contains("CloudSSO"), "{text}");
    assert!(text.contains("`sso`"), "{text}");
    assert_no_secret(&text);
    assert_no_secret(&format!("{error:?}"));
}

#[test]
fn role_and_instance_profiles_name_their_source_and_fetch_nothing_yet() {
    let home = TempHome::new().with_config(&cli_config("role"));
    let config = Config::from_env_with(vars(&[]), Some(home.path())).expect("a role profile");
    let provider = config.credential_provider().expect("a provider");
    let source = provider.describe();
    assert!(
        source.contains("mode RamRoleArn") && source.contains("role/backup"),
        "{source}"
    );
    assert_eq!(provider.fetches(), 0);
    assert_eq!(config.region(), "cn-shanghai");
    assert_no_secret(&format!("{config:?}"));

    let home = TempHome::new().with_config(&cli_config("ecs"));
    let config = Config::from_env_with(vars(&[]), Some(home.path())).expect("an ECS profile");
    let source = config.credential_provider().expect("a provider").describe();
    assert!(
        source.contains("EcsRamRole") && source.contains("\"backup-reader\""),
        "{source}"
    );

    // Nothing set anywhere: the chain ends at the ECS instance role, asked when first needed.
    let config = Config::from_env_with(vars(&[]), None).expect("the ECS role, lazily");
    let provider = config.credential_provider().expect("a provider");
    assert!(
        provider.describe().contains("100.100.100.200"),
        "{provider:?}"
    );
    assert_eq!(provider.fetches(), 0);
}

/// No ECS metadata service in the chain (tests reach only 127.0.0.1).
const NO_ECS: (&str, &str) = ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");

#[test]
fn missing_credentials_say_what_was_tried() {
    let home = TempHome::new();
    let error = Config::from_env_with(vars(&[NO_ECS]), Some(home.path())).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    let text = error.to_string();
    for tried in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        ".aliyun",
        "config.json",
        "ALIBABA_CLOUD_ROLE_ARN",
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
        "ALIBABA_CLOUD_CREDENTIALS_URI",
    ] {
        assert!(text.contains(tried), "{tried} not in: {text}");
    }
    assert!(text.contains(&home.path().display().to_string()), "{text}");

    let error = Config::from_env_with(vars(&[NO_ECS]), None).unwrap_err();
    assert!(error.to_string().contains("home directory"), "{error}");

    let disabled = TempHome::new().with_config(&cli_config("default"));
    let error = Config::from_env_with(
        vars(&[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true"), NO_ECS]),
        Some(disabled.path()),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("ALIBABA_CLOUD_CLI_PROFILE_DISABLED"),
        "{error}"
    );
}

#[test]
fn half_a_key_pair_is_an_error() {
    for pairs in [
        [("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id")],
        [("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")],
    ] {
        let error = Config::from_env_with(vars(&pairs), None).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);
        assert!(error.to_string().contains("is set but"), "{error}");
        assert_no_secret(&error.to_string());
    }
    // Empty variables count as unset.
    let error = Config::from_env_with(
        vars(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", ""),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ""),
            NO_ECS,
        ]),
        None,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("no Alibaba Cloud credentials"),
        "{error}"
    );
}

#[test]
fn an_unknown_profile_lists_the_known_ones() {
    let home = TempHome::new().with_config(&cli_config("default"));
    let error = Config::from_env_with(
        vars(&[("ALIBABA_CLOUD_PROFILE", "nope")]),
        Some(home.path()),
    )
    .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("`nope`"), "{text}");
    assert!(text.contains("default, temporary, role"), "{text}");
}

#[test]
fn an_invalid_file_is_named_but_not_quoted() {
    let home = TempHome::new().with_config(
        r#"{"current": "default", "profiles": [{"access_key_secret": "profile-ak-secret""#,
    );
    let error = Config::from_env_with(vars(&[]), Some(home.path())).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    let text = error.to_string();
    assert!(text.contains("config.json"), "{text}");
    assert_no_secret(&text);

    // A value of the wrong type: serde would quote it, the error does not.
    let home = TempHome::new().with_config(
        r#"{"profiles": [{"name": "default", "access_key_secret": ["profile-ak-secret"]}]}"#,
    );
    let error = Config::from_env_with(vars(&[]), Some(home.path())).unwrap_err();
    assert_no_secret(&error.to_string());
}

#[test]
fn a_profile_missing_a_field_says_which() {
    let home = TempHome::new().with_config(
        &json!({
            "current": "broken",
            "profiles": [{"name": "broken", "mode": "StsToken",
                          "access_key_id": "id", "access_key_secret": "profile-sts-secret"}]
        })
        .to_string(),
    );
    let error = Config::from_env_with(vars(&[]), Some(home.path())).unwrap_err();
    assert!(error.to_string().contains("sts_token"), "{error}");
    assert_no_secret(&error.to_string());
}

#[tokio::test]
async fn a_client_from_an_sts_profile_sends_the_token() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(page_body(&[], json!(0), json!(1))))
        .mount(&server)
        .await;
    let home = TempHome::new().with_config(&cli_config("temporary"));
    let config = Config::from_env_with(vars(&[]), Some(home.path()))
        .unwrap()
        .with_endpoint(server.uri())
        .unwrap()
        .with_http(fast_http());
    let client = Client::new(config).unwrap();
    client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(
        header(&requests[0], "x-acs-security-token"),
        Some("profile-sts-token")
    );
}
