//! The credential chain of [`Config::from_env`](crate::Config::from_env), in the order of
//! the official Alibaba Cloud default chain (`alibabacloud-credentials`): environment
//! variables, an OIDC role (RRSA), the aliyun CLI's profile file, the ECS instance's RAM role,
//! a credentials URI. (The libraries' INI file `~/.alibabacloud/credentials` is not read.)
//!
//! Nothing here reads the process environment: the variables come through a lookup function
//! and the home directory is a parameter, so the chain is tested without touching either.

use std::io;
use std::path::{Path, PathBuf};

use cloud_http::credentials::{CredentialProvider, CredentialSource, Expiring};
use cloud_signer::Credentials;
use futures::future::BoxFuture;
use serde::Deserialize;

use crate::Error;
use crate::identity::{self, CredentialsUri, EcsRamRole, Proof, StsRole};

/// The access key id variable.
pub(crate) const ACCESS_KEY_ID_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// The access key secret variable.
pub(crate) const ACCESS_KEY_SECRET_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// The security token (STS) variable.
pub(crate) const SECURITY_TOKEN_VAR: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
/// The variable naming the profile to use instead of the file's `current` one.
pub(crate) const PROFILE_VAR: &str = "ALIBABA_CLOUD_PROFILE";
/// The variable that, set to `true`, skips the aliyun CLI profile file.
pub(crate) const PROFILE_DISABLED_VAR: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";
/// The region variable.
pub(crate) const REGION_VAR: &str = "ALIBABA_CLOUD_REGION_ID";

/// The aliyun CLI's configuration file, relative to the home directory.
const CLI_CONFIG_FILE: &str = ".aliyun/config.json";

/// The role ARN variable of an OIDC role (RRSA).
pub(crate) const ROLE_ARN_VAR: &str = "ALIBABA_CLOUD_ROLE_ARN";
/// The OIDC provider ARN variable.
pub(crate) const OIDC_PROVIDER_ARN_VAR: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
/// The OIDC token file variable.
pub(crate) const OIDC_TOKEN_FILE_VAR: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
/// The role session name variable.
pub(crate) const ROLE_SESSION_NAME_VAR: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
/// The STS region variable (`sts.<region>.aliyuncs.com`).
pub(crate) const STS_REGION_VAR: &str = "ALIBABA_CLOUD_STS_REGION";
/// The variable that, `true`, picks STS's VPC endpoint (`sts-vpc.<region>.aliyuncs.com`).
pub(crate) const VPC_VAR: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";
/// The whole STS endpoint (ours: the official libraries set it only in code).
pub(crate) const STS_ENDPOINT_VAR: &str = "ALIBABA_CLOUD_STS_ENDPOINT";
/// The variable that, `true`, leaves the ECS metadata service out of the chain.
pub(crate) const ECS_DISABLED_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
/// The ECS RAM role name variable (skips asking the metadata service for it).
pub(crate) const ECS_ROLE_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA";
/// The variable that, `true`, forbids metadata requests without an IMDSv2 token.
pub(crate) const IMDSV1_DISABLED_VAR: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";
/// The metadata service's address (ours: the official libraries have none).
pub(crate) const ECS_ENDPOINT_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA_ENDPOINT";
/// The credentials URI variable.
pub(crate) const CREDENTIALS_URI_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";

/// What the chain found: the credentials (fixed ones; empty when they come from a source
/// that hands out temporary ones), the provider that signs with them, and the region of the
/// profile they came from.
pub(crate) struct Found {
    pub(crate) credentials: Credentials,
    pub(crate) provider: CredentialProvider,
    pub(crate) profile_region: Option<String>,
}

impl Found {
    fn fixed(credentials: Credentials, describe: String, profile_region: Option<String>) -> Self {
        Self {
            provider: CredentialProvider::fixed(credentials.clone(), describe),
            credentials,
            profile_region,
        }
    }

    fn dynamic(source: impl CredentialSource + 'static, profile_region: Option<String>) -> Self {
        Self {
            credentials: Credentials::new("", ""),
            provider: CredentialProvider::from_source(source),
            profile_region,
        }
    }
}

/// `true` as the official libraries read it (case-insensitive).
fn is_true(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> bool {
    var(lookup, name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The STS endpoint: `ALIBABA_CLOUD_STS_ENDPOINT`, else `sts[-vpc].<region>.aliyuncs.com`
/// for `ALIBABA_CLOUD_STS_REGION` (or the profile's `sts_region`), else `sts.aliyuncs.com`.
fn sts_endpoint(
    lookup: &dyn Fn(&str) -> Option<String>,
    region: Option<&str>,
    vpc: bool,
) -> String {
    if let Some(endpoint) = var(lookup, STS_ENDPOINT_VAR) {
        return endpoint;
    }
    let region = var(lookup, STS_REGION_VAR).or_else(|| region.map(str::to_owned));
    let prefix = if vpc || is_true(lookup, VPC_VAR) {
        "sts-vpc"
    } else {
        "sts"
    };
    match region {
        Some(region) => format!("https://{prefix}.{region}.aliyuncs.com"),
        None => identity::STS_ENDPOINT.to_owned(),
    }
}

/// A role session name: the variable's, else one made of the time (as the libraries do).
fn session_name(lookup: &dyn Fn(&str) -> Option<String>, given: Option<&str>) -> String {
    given
        .map(str::to_owned)
        .or_else(|| var(lookup, ROLE_SESSION_NAME_VAR))
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            format!("cloud-backup-{now}")
        })
}

/// The sources tried in order at the first fetch (the ECS role, then a credentials URI):
/// the first that answers is kept (the libraries' "reuse the last provider").
struct FirstOf {
    sources: Vec<Box<dyn CredentialSource>>,
    chosen: std::sync::Mutex<Option<usize>>,
}

impl CredentialSource for FirstOf {
    fn describe(&self) -> String {
        let chosen = *self
            .chosen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match chosen.and_then(|i| self.sources.get(i)) {
            Some(source) => source.describe(),
            None => self
                .sources
                .iter()
                .map(|s| s.describe())
                .collect::<Vec<_>>()
                .join(", else "),
        }
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        Box::pin(async move {
            let chosen = *self
                .chosen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(source) = chosen.and_then(|i| self.sources.get(i)) {
                return source.fetch().await;
            }
            let mut failures = Vec::new();
            for (index, source) in self.sources.iter().enumerate() {
                match source.fetch().await {
                    Ok(found) => {
                        *self
                            .chosen
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(index);
                        return Ok(found);
                    }
                    Err(error) => failures.push(error.to_string()),
                }
            }
            Err(Error::config(format!(
                "no Alibaba Cloud credentials found: the environment variables \
                 {ACCESS_KEY_ID_VAR} and {ACCESS_KEY_SECRET_VAR} are not set, there is no OIDC \
                 role ({ROLE_ARN_VAR}) or aliyun CLI profile, and {}",
                failures.join("; ")
            )))
        })
    }
}

/// A variable's value, `None` when unset or empty (an empty variable counts as unset, as in
/// the official chain's "must not be empty" checks, but without failing).
pub(crate) fn var(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Runs the chain: the environment variables, an OIDC role, the aliyun CLI profile file under
/// `home`, then (fetched when first needed) the ECS instance's RAM role and a credentials URI.
pub(crate) fn resolve(
    lookup: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Found, Error> {
    if let Some(credentials) = from_variables(lookup)? {
        let shown = if credentials.security_token().is_some() {
            format!("environment variables {ACCESS_KEY_ID_VAR} and {SECURITY_TOKEN_VAR}")
        } else {
            format!("environment variables {ACCESS_KEY_ID_VAR} and {ACCESS_KEY_SECRET_VAR}")
        };
        return Ok(Found::fixed(credentials, shown, None));
    }
    if let Some(found) = from_oidc_variables(lookup)? {
        return Ok(found);
    }
    let tried_profile = match profile_file(lookup, home) {
        ProfileFile::Disabled => {
            format!("the aliyun CLI profile is disabled by {PROFILE_DISABLED_VAR}")
        }
        ProfileFile::NoHome => {
            format!(
                "there is no home directory to find the aliyun CLI profile (~/{CLI_CONFIG_FILE}) in"
            )
        }
        ProfileFile::At(path) => match std::fs::read(&path) {
            Ok(bytes) => return from_profile(lookup, &path, &bytes),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                format!("there is no aliyun CLI profile file at {}", path.display())
            }
            Err(error) => {
                return Err(Error::config(format!(
                    "the aliyun CLI profile file {} could not be read: {error}",
                    path.display()
                )));
            }
        },
    };
    let mut later: Vec<Box<dyn CredentialSource>> = Vec::new();
    if !is_true(lookup, ECS_DISABLED_VAR) {
        let endpoint =
            var(lookup, ECS_ENDPOINT_VAR).unwrap_or_else(|| identity::ECS_METADATA_ENDPOINT.into());
        later.push(Box::new(EcsRamRole::new(
            &endpoint,
            var(lookup, ECS_ROLE_VAR),
            is_true(lookup, IMDSV1_DISABLED_VAR),
        )?));
    }
    if let Some(uri) = var(lookup, CREDENTIALS_URI_VAR) {
        later.push(Box::new(CredentialsUri::new(&uri)?));
    }
    if later.is_empty() {
        return Err(Error::config(format!(
            "no Alibaba Cloud credentials found: the environment variables {ACCESS_KEY_ID_VAR} \
             and {ACCESS_KEY_SECRET_VAR} are not set, there is no OIDC role ({ROLE_ARN_VAR}), \
             {tried_profile}, the ECS metadata service is disabled ({ECS_DISABLED_VAR}) and \
             {CREDENTIALS_URI_VAR} is not set"
        )));
    }
    if later.len() == 1
        && let Some(only) = later.pop()
    {
        return Ok(Found::dynamic(Boxed(only), None));
    }
    Ok(Found::dynamic(
        FirstOf {
            sources: later,
            chosen: std::sync::Mutex::new(None),
        },
        None,
    ))
}

/// A boxed source as a source.
struct Boxed(Box<dyn CredentialSource>);

impl CredentialSource for Boxed {
    fn describe(&self) -> String {
        self.0.describe()
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        self.0.fetch()
    }
}

/// Step 2: an OIDC role (RRSA on ACK), when `ALIBABA_CLOUD_ROLE_ARN`,
/// `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all set.
fn from_oidc_variables(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Option<Found>, Error> {
    let (Some(role_arn), Some(provider_arn), Some(token_file)) = (
        var(lookup, ROLE_ARN_VAR),
        var(lookup, OIDC_PROVIDER_ARN_VAR),
        var(lookup, OIDC_TOKEN_FILE_VAR),
    ) else {
        return Ok(None);
    };
    let label = format!("OIDC role {role_arn} ({ROLE_ARN_VAR}, token file {token_file})");
    let source = StsRole::new(
        &sts_endpoint(lookup, None, false),
        role_arn,
        session_name(lookup, None),
        3600,
        Proof::Oidc {
            provider_arn,
            token_file: PathBuf::from(token_file),
        },
        label,
    )?;
    Ok(Some(Found::dynamic(source, None)))
}

/// Step 1: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and the optional
/// `ALIBABA_CLOUD_SECURITY_TOKEN`. Half a key pair is an error rather than a reason to look
/// further: it is surely a mistake.
fn from_variables(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Option<Credentials>, Error> {
    let id = var(lookup, ACCESS_KEY_ID_VAR);
    let secret = var(lookup, ACCESS_KEY_SECRET_VAR);
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let mut credentials = Credentials::new(id, secret);
            if let Some(token) = var(lookup, SECURITY_TOKEN_VAR) {
                credentials = credentials.with_security_token(token);
            }
            Ok(Some(credentials))
        }
        (Some(_), None) => Err(Error::config(format!(
            "{ACCESS_KEY_ID_VAR} is set but {ACCESS_KEY_SECRET_VAR} is not (or is empty)"
        ))),
        (None, Some(_)) => Err(Error::config(format!(
            "{ACCESS_KEY_SECRET_VAR} is set but {ACCESS_KEY_ID_VAR} is not (or is empty)"
        ))),
        (None, None) => Ok(None),
    }
}

/// Where the profile file is, if it is to be read.
enum ProfileFile {
    Disabled,
    NoHome,
    At(PathBuf),
}

fn profile_file(lookup: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> ProfileFile {
    if var(lookup, PROFILE_DISABLED_VAR).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return ProfileFile::Disabled;
    }
    match home {
        Some(home) => ProfileFile::At(home.join(CLI_CONFIG_FILE)),
        None => ProfileFile::NoHome,
    }
}

/// The parts of the aliyun CLI's `config.json` that matter here. Other members (`meta_path`,
/// a profile's `language`, `expired_seconds`, ...) are ignored.
#[derive(Deserialize)]
struct CliConfig {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<CliProfile>,
}

/// One profile. Every field may be missing or `null`.
#[derive(Deserialize)]
struct CliProfile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    access_key_secret: Option<String>,
    #[serde(default)]
    sts_token: Option<String>,
    #[serde(default)]
    region_id: Option<String>,
    #[serde(default)]
    ram_role_arn: Option<String>,
    #[serde(default)]
    source_profile: Option<String>,
    #[serde(default)]
    ram_session_name: Option<String>,
    #[serde(default)]
    role_session_name: Option<String>,
    #[serde(default)]
    ram_role_name: Option<String>,
    #[serde(default)]
    oidc_provider_arn: Option<String>,
    #[serde(default)]
    oidc_token_file: Option<String>,
    /// A number; anything else is taken as unset (the file is written by many versions).
    #[serde(default)]
    expired_seconds: Option<serde_json::Value>,
    #[serde(default)]
    sts_region: Option<String>,
    #[serde(default)]
    enable_vpc: Option<serde_json::Value>,
}

fn non_empty(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Step 2: the profile named by `ALIBABA_CLOUD_PROFILE`, else the file's `current` one (else
/// `default`), in modes `AK` and `StsToken`.
fn from_profile(
    lookup: &dyn Fn(&str) -> Option<String>,
    path: &Path,
    bytes: &[u8],
) -> Result<Found, Error> {
    from_profile_named(lookup, path, bytes, None, 0)
}

/// How deep `source_profile` chains may go.
const MAX_CHAIN: usize = 5;

/// The profile `wanted` (else the one `ALIBABA_CLOUD_PROFILE` or `current` names), `depth`
/// profiles down a `ChainableRamRoleArn` chain.
fn from_profile_named(
    lookup: &dyn Fn(&str) -> Option<String>,
    path: &Path,
    bytes: &[u8],
    wanted: Option<&str>,
    depth: usize,
) -> Result<Found, Error> {
    let file = path.display();
    // The position only: serde's message could quote a value, and values here are secrets.
    let config: CliConfig = serde_json::from_slice(bytes).map_err(|e| {
        Error::config(format!(
            "the aliyun CLI profile file {file} is not a valid configuration \
             ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let name = wanted
        .map(str::to_owned)
        .or_else(|| var(lookup, PROFILE_VAR))
        .or_else(|| non_empty(config.current.as_ref()).map(str::to_owned))
        .unwrap_or_else(|| "default".to_owned());
    let Some(profile) = config
        .profiles
        .iter()
        .find(|p| non_empty(p.name.as_ref()) == Some(name.as_str()))
    else {
        let names: Vec<&str> = config
            .profiles
            .iter()
            .filter_map(|p| non_empty(p.name.as_ref()))
            .collect();
        let known = if names.is_empty() {
            "it has no profiles".to_owned()
        } else {
            format!("its profiles are {}", names.join(", "))
        };
        return Err(Error::config(format!(
            "the aliyun CLI profile `{name}` is not in {file} ({known})"
        )));
    };

    // An empty mode is what old aliyun CLI versions wrote for access keys.
    let mode = non_empty(profile.mode.as_ref()).unwrap_or("AK");
    let missing = |field: &str| {
        Error::config(format!(
            "the aliyun CLI profile `{name}` (mode {mode}) in {file} has no `{field}`"
        ))
    };
    let region = non_empty(profile.region_id.as_ref()).map(str::to_owned);
    let label = format!("aliyun CLI profile `{name}` ({file}, mode {mode})");
    let duration = profile
        .expired_seconds
        .as_ref()
        .and_then(serde_json::Value::as_u64)
        .and_then(|s| u32::try_from(s).ok())
        .filter(|&s| s > 0)
        .unwrap_or(3600);
    let sts = || {
        sts_endpoint(
            lookup,
            non_empty(profile.sts_region.as_ref()),
            profile
                .enable_vpc
                .as_ref()
                .and_then(serde_json::Value::as_bool)
                == Some(true),
        )
    };
    let needs_token = match mode {
        "AK" => false,
        "StsToken" => true,
        "EcsRamRole" => {
            let endpoint = var(lookup, ECS_ENDPOINT_VAR)
                .unwrap_or_else(|| identity::ECS_METADATA_ENDPOINT.to_owned());
            let source = EcsRamRole::new(
                &endpoint,
                non_empty(profile.ram_role_name.as_ref()).map(str::to_owned),
                is_true(lookup, IMDSV1_DISABLED_VAR),
            )?;
            return Ok(Found::dynamic(Labelled(label, Box::new(source)), region));
        }
        "OIDC" => {
            let role =
                non_empty(profile.ram_role_arn.as_ref()).ok_or_else(|| missing("ram_role_arn"))?;
            let provider = non_empty(profile.oidc_provider_arn.as_ref())
                .ok_or_else(|| missing("oidc_provider_arn"))?;
            let token_file = non_empty(profile.oidc_token_file.as_ref())
                .ok_or_else(|| missing("oidc_token_file"))?;
            let given = non_empty(profile.ram_session_name.as_ref())
                .or_else(|| non_empty(profile.role_session_name.as_ref()));
            let source = StsRole::new(
                &sts(),
                role.to_owned(),
                session_name(lookup, given),
                duration,
                Proof::Oidc {
                    provider_arn: provider.to_owned(),
                    token_file: PathBuf::from(token_file),
                },
                format!("{label}: OIDC role {role}"),
            )?;
            return Ok(Found::dynamic(source, region));
        }
        "RamRoleArn" => false,
        "ChainableRamRoleArn" => {
            let role =
                non_empty(profile.ram_role_arn.as_ref()).ok_or_else(|| missing("ram_role_arn"))?;
            let source_name = non_empty(profile.source_profile.as_ref())
                .ok_or_else(|| missing("source_profile"))?;
            if depth >= MAX_CHAIN || source_name == name {
                return Err(Error::config(format!(
                    "the aliyun CLI profile `{name}` in {file}: its source_profile chain loops \
                     or is longer than {MAX_CHAIN}"
                )));
            }
            let source = from_profile_named(lookup, path, bytes, Some(source_name), depth + 1)?;
            let given = non_empty(profile.ram_session_name.as_ref());
            let sts_role = StsRole::new(
                &sts(),
                role.to_owned(),
                session_name(lookup, given),
                duration,
                Proof::Chained(source.provider.clone()),
                format!(
                    "{label}: role {role} assumed with profile `{source_name}` ({})",
                    source.provider.describe()
                ),
            )?;
            return Ok(Found::dynamic(sts_role, region));
        }
        other => {
            return Err(Error::config(format!(
                "the aliyun CLI profile `{name}` in {file} uses mode `{other}`, which this crate \
                 does not support: use a profile of mode `AK`, `StsToken`, `RamRoleArn`, \
                 `ChainableRamRoleArn`, `EcsRamRole` or `OIDC`, or set {ACCESS_KEY_ID_VAR} and {ACCESS_KEY_SECRET_VAR}"
            )));
        }
    };
    let id = non_empty(profile.access_key_id.as_ref()).ok_or_else(|| missing("access_key_id"))?;
    let secret = non_empty(profile.access_key_secret.as_ref())
        .ok_or_else(|| missing("access_key_secret"))?;
    let mut credentials = Credentials::new(id, secret);
    if needs_token {
        let token = non_empty(profile.sts_token.as_ref()).ok_or_else(|| missing("sts_token"))?;
        credentials = credentials.with_security_token(token);
    }
    if mode == "RamRoleArn" {
        let role =
            non_empty(profile.ram_role_arn.as_ref()).ok_or_else(|| missing("ram_role_arn"))?;
        let given = non_empty(profile.ram_session_name.as_ref());
        let source = StsRole::new(
            &sts(),
            role.to_owned(),
            session_name(lookup, given),
            duration,
            Proof::Keys(credentials),
            format!("{label}: role {role} assumed with the profile's key"),
        )?;
        return Ok(Found::dynamic(source, region));
    }
    Ok(Found::fixed(credentials, label, region))
}

/// A source described as a profile of the CLI file names it.
struct Labelled(String, Box<dyn CredentialSource>);

impl CredentialSource for Labelled {
    fn describe(&self) -> String {
        format!("{}: {}", self.0, self.1.describe())
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        self.1.fetch()
    }
}
