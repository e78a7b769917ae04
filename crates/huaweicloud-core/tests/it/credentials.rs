//! The credentials chain: variables, then the credentials file, with temporary directories
//! as the home directory and a map as the environment.

use std::collections::HashMap;

use huaweicloud_core::credentials::{self, CredentialSource};
use huaweicloud_core::{Config, ErrorKind};

use crate::TempDir;

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name: &str| vars.get(name).cloned()
}

const FILE: &str = "[global]\nak = global-ak\nsk = global-sk\n\n[basic]\n# the region-level keys\nak = file-ak\nsk = file-secret\nproject_id = file-project\n";

#[test]
fn variables_come_first() {
    let home = TempDir::new();
    home.write(".huaweicloud/credentials", FILE);
    let config = Config::from_env_with(
        lookup(&[
            ("HUAWEICLOUD_SDK_AK", "env-ak"),
            ("HUAWEICLOUD_SDK_SK", "env-secret"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "env-token"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "env-project"),
            ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
        ]),
        Some(home.path()),
    )
    .unwrap();
    assert_eq!(config.credentials().access_key_id(), "env-ak");
    assert_eq!(config.credentials().secret(), "env-secret");
    assert_eq!(config.credentials().security_token(), Some("env-token"));
    assert_eq!(config.project_id(), Some("env-project"));
    assert_eq!(config.region(), Some("cn-north-4"));
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("env-secret") && !debug.contains("env-token"),
        "{debug}"
    );
}

#[test]
fn then_the_basic_section_of_the_file() {
    let home = TempDir::new();
    let path = home.write(".huaweicloud/credentials", FILE);
    let resolved = credentials::resolve(&lookup(&[]), Some(home.path())).unwrap();
    assert_eq!(resolved.credentials().access_key_id(), "file-ak");
    assert_eq!(resolved.credentials().secret(), "file-secret");
    assert_eq!(resolved.credentials().security_token(), None);
    assert_eq!(resolved.project_id(), Some("file-project"));
    assert_eq!(resolved.source(), &CredentialSource::File(path));

    // The project id variable wins over the file's.
    let config = Config::from_env_with(
        lookup(&[("HUAWEICLOUD_SDK_PROJECT_ID", "env-project")]),
        Some(home.path()),
    )
    .unwrap();
    assert_eq!(config.credentials().access_key_id(), "file-ak");
    assert_eq!(config.project_id(), Some("env-project"));
    assert_eq!(config.region(), None);
}

#[test]
fn file_with_security_token_and_no_project_id() {
    let home = TempDir::new();
    home.write(
        ".huaweicloud/credentials",
        "[basic]\nAK: temp-ak\nSK: temp-secret\nsecurity_token = temp-token\n",
    );
    let config = Config::from_env_with(lookup(&[]), Some(home.path())).unwrap();
    assert_eq!(config.credentials().access_key_id(), "temp-ak");
    assert_eq!(config.credentials().security_token(), Some("temp-token"));
    assert_eq!(config.project_id(), None);
}

#[test]
fn credentials_file_variable_names_another_file() {
    let dir = TempDir::new();
    let path = dir.write("elsewhere.ini", FILE);
    let resolved = credentials::resolve(
        &lookup(&[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", path.to_str().unwrap())]),
        None,
    )
    .unwrap();
    assert_eq!(resolved.source(), &CredentialSource::File(path.clone()));

    // A named file that does not exist is an error, not a fall-through.
    let missing = dir.path().join("missing.ini");
    let error = credentials::resolve(
        &lookup(&[(
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            missing.to_str().unwrap(),
        )]),
        None,
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(error.to_string().contains("could not be read"), "{error}");
}

/// No ECS metadata service in the chain (tests reach only 127.0.0.1).
const NO_METADATA: (&str, &str) = ("HUAWEICLOUD_SDK_METADATA_DISABLED", "true");

#[test]
fn nothing_found_names_what_was_tried() {
    let home = TempDir::new();
    let error = Config::from_env_with(lookup(&[NO_METADATA]), Some(home.path())).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    let text = error.to_string();
    assert!(text.contains("HUAWEICLOUD_SDK_AK"), "{text}");
    assert!(text.contains(".huaweicloud"), "{text}");
    assert!(text.contains("HUAWEICLOUD_SDK_METADATA_DISABLED"), "{text}");

    let error = Config::from_env_with(lookup(&[NO_METADATA]), None).unwrap_err();
    assert!(error.to_string().contains("no home directory"), "{error}");

    // Without that: the chain ends at the ECS metadata service, asked when first needed.
    let config = Config::from_env_with(lookup(&[]), Some(home.path())).expect("the metadata");
    let provider = config.credential_provider().expect("a provider");
    assert!(
        provider.describe().contains("169.254.169.254"),
        "{provider:?}"
    );
    assert_eq!(provider.fetches(), 0);
}

#[test]
fn an_identity_provider_and_token_file_win_over_keys() {
    let home = TempDir::new();
    let config = Config::from_env_with(
        lookup(&[
            ("HUAWEICLOUD_SDK_AK", "env-ak"),
            ("HUAWEICLOUD_SDK_SK", "env-sk"),
            ("HUAWEICLOUD_SDK_IDP_ID", "cce-idp"),
            (
                "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
                "/var/run/secrets/tokens/oidc-token",
            ),
        ]),
        Some(home.path()),
    )
    .expect("a federation");
    let source = config.credential_provider().expect("a provider").describe();
    assert!(
        source.contains("cce-idp")
            && source.contains("oidc-token")
            && source.contains("environment"),
        "{source}"
    );
}

#[test]
fn half_a_key_pair_is_an_error() {
    let home = TempDir::new();
    home.write(".huaweicloud/credentials", FILE);
    let error = Config::from_env_with(
        lookup(&[("HUAWEICLOUD_SDK_AK", "env-ak")]),
        Some(home.path()),
    )
    .unwrap_err();
    assert!(error.to_string().contains("HUAWEICLOUD_SDK_SK"), "{error}");
}

#[test]
fn empty_variables_count_as_unset() {
    let home = TempDir::new();
    home.write(".huaweicloud/credentials", FILE);
    let config = Config::from_env_with(
        lookup(&[("HUAWEICLOUD_SDK_AK", " "), ("HUAWEICLOUD_SDK_SK", "")]),
        Some(home.path()),
    )
    .unwrap();
    assert_eq!(config.credentials().access_key_id(), "file-ak");
}

#[test]
fn unusable_files_are_errors_without_secrets() {
    for (text, expect) in [
        ("ak = leaked-secret\n", "line 1"),
        ("[basic]\nleaked-secret\n", "line 2"),
        (
            "[global]\nak = a\nsk = leaked-secret\n",
            "no [basic] section",
        ),
        ("[basic]\nsk = leaked-secret\n", "both ak and sk"),
    ] {
        let home = TempDir::new();
        home.write(".huaweicloud/credentials", text);
        let error = Config::from_env_with(lookup(&[]), Some(home.path())).unwrap_err();
        let shown = error.to_string();
        assert!(shown.contains(expect), "{shown}");
        assert!(!shown.contains("leaked-secret"), "{shown}");
    }
}

#[test]
fn home_dir_from_variables() {
    assert_eq!(
        credentials::home_dir(&lookup(&[("HOME", "/home/u")])),
        Some("/home/u".into())
    );
    assert_eq!(
        credentials::home_dir(&lookup(&[("USERPROFILE", "C:\\Users\\u")])),
        Some("C:\\Users\\u".into())
    );
    assert_eq!(credentials::home_dir(&lookup(&[])), None);
}
