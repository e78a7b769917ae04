//! The credential chain of [`Config::from_env`](crate::Config::from_env): the first steps of
//! the official Alibaba Cloud default chain (environment variables, then the aliyun CLI's
//! profile file).
//!
//! Nothing here reads the process environment: the variables come through a lookup function
//! and the home directory is a parameter, so the chain is tested without touching either.

use std::io;
use std::path::{Path, PathBuf};

use cloud_signer::Credentials;
use serde::Deserialize;

use crate::Error;

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

/// What the chain found: the credentials, and the region of the profile they came from.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) credentials: Credentials,
    pub(crate) profile_region: Option<String>,
}

/// A variable's value, `None` when unset or empty (an empty variable counts as unset, as in
/// the official chain's "must not be empty" checks, but without failing).
pub(crate) fn var(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Runs the chain: the environment variables, then the aliyun CLI profile file under `home`.
pub(crate) fn resolve(
    lookup: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Found, Error> {
    if let Some(credentials) = from_variables(lookup)? {
        return Ok(Found {
            credentials,
            profile_region: None,
        });
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
    Err(Error::config(format!(
        "no Alibaba Cloud credentials found: the environment variables {ACCESS_KEY_ID_VAR} and \
         {ACCESS_KEY_SECRET_VAR} are not set, and {tried_profile}"
    )))
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
    let name = var(lookup, PROFILE_VAR)
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
    let needs_token = match mode {
        "AK" => false,
        "StsToken" => true,
        other => {
            return Err(Error::config(format!(
                "the aliyun CLI profile `{name}` in {file} uses mode `{other}`, which this crate \
                 does not support: use a profile of mode `AK` or `StsToken`, or set \
                 {ACCESS_KEY_ID_VAR} and {ACCESS_KEY_SECRET_VAR}"
            )));
        }
    };
    let missing = |field: &str| {
        Error::config(format!(
            "the aliyun CLI profile `{name}` (mode {mode}) in {file} has no `{field}`"
        ))
    };
    let id = non_empty(profile.access_key_id.as_ref()).ok_or_else(|| missing("access_key_id"))?;
    let secret = non_empty(profile.access_key_secret.as_ref())
        .ok_or_else(|| missing("access_key_secret"))?;
    let mut credentials = Credentials::new(id, secret);
    if needs_token {
        let token = non_empty(profile.sts_token.as_ref()).ok_or_else(|| missing("sts_token"))?;
        credentials = credentials.with_security_token(token);
    }
    Ok(Found {
        credentials,
        profile_region: non_empty(profile.region_id.as_ref()).map(str::to_owned),
    })
}
