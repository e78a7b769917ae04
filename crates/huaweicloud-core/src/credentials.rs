//! The credentials chain of [`Config::from_env`](crate::Config::from_env), as the official
//! SDKs' default chain (`CredentialProviderChain`): the environment variables, the `[basic]`
//! section of the credentials file, then the ECS metadata service; in the first two, an
//! identity provider and an ID token file (IAM federation, for CCE workloads) win over keys.
//!
//! Nothing here reads the process environment: the variables come through a lookup function
//! and the home directory is a parameter, so the chain is tested without touching either.
//!
//! | step | where | keys |
//! |---|---|---|
//! | 1 | environment | [`IDP_ID_ENV`] and [`ID_TOKEN_FILE_ENV`] (federation), else [`AK_ENV`], [`SK_ENV`], optional [`SECURITY_TOKEN_ENV`] |
//! | 2 | [`CREDENTIALS_FILE_ENV`] if set, else `~/.huaweicloud/credentials` (INI) | `[basic]`: `idp_id` and `id_token_file` (federation; `iam_endpoint`), else `ak`, `sk`, optional `security_token`; `project_id` |
//! | 3 | the ECS metadata service (`169.254.169.254`; [`METADATA_ENDPOINT_ENV`]), unless [`METADATA_DISABLED_ENV`] is `true` | the instance agency's temporary keys |
//!
//! Federation and the metadata service give temporary keys, refreshed before they expire
//! ([`ResolvedCredentials::provider`]); the metadata service is asked when the first request
//! needs credentials. IAM is [`IAM_ENDPOINT_ENV`], else the file's `iam_endpoint`, else
//! `https://iam.myhuaweicloud.com`. The project id is [`PROJECT_ID_ENV`] when set, else the
//! file's `project_id` (when the keys came from the file); without either,
//! [`Config::with_discovered_project_id`](crate::Config::with_discovered_project_id) finds it
//! through IAM.

use std::io;
use std::path::{Path, PathBuf};

use cloud_http::Error;
use cloud_http::credentials::CredentialProvider;
use cloud_signer::Credentials;

use crate::identity::{EcsMetadata, Federation, IAM_ENDPOINT, METADATA_ENDPOINT};

use crate::Result;

/// The access key id (AK) variable, as the official SDKs name it.
pub const AK_ENV: &str = "HUAWEICLOUD_SDK_AK";
/// The secret access key (SK) variable.
pub const SK_ENV: &str = "HUAWEICLOUD_SDK_SK";
/// The security token variable (temporary AK/SK).
pub const SECURITY_TOKEN_ENV: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// The project id variable.
pub const PROJECT_ID_ENV: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// The variable naming another credentials file than `~/.huaweicloud/credentials`.
pub const CREDENTIALS_FILE_ENV: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// The region variable read by [`Config::from_env`](crate::Config::from_env) (e.g.
/// `cn-north-4`). The official SDKs take the region in code; this is the name Huawei's own
/// tools (KooCLI examples, AgentArts) use for it.
pub const REGION_ENV: &str = "HUAWEICLOUD_SDK_REGION";
/// The credentials file, relative to the home directory.
pub const CREDENTIALS_FILE: &str = ".huaweicloud/credentials";
/// The section of the credentials file holding region-level (basic) credentials.
pub const BASIC_SECTION: &str = "basic";

/// The identity provider variable (IAM federation).
pub const IDP_ID_ENV: &str = "HUAWEICLOUD_SDK_IDP_ID";
/// The ID token file variable (IAM federation).
pub const ID_TOKEN_FILE_ENV: &str = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";
/// The IAM endpoint variable.
pub const IAM_ENDPOINT_ENV: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
/// The metadata service's address (ours: the official SDKs have none).
pub const METADATA_ENDPOINT_ENV: &str = "HUAWEICLOUD_SDK_METADATA_ENDPOINT";
/// `true` leaves the metadata service out of the chain (ours: the official SDKs have none).
pub const METADATA_DISABLED_ENV: &str = "HUAWEICLOUD_SDK_METADATA_DISABLED";

/// Where [`resolve`] found the credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// The variables [`AK_ENV`] and [`SK_ENV`].
    Environment,
    /// The `[basic]` section of this credentials file.
    File(PathBuf),
    /// IAM federation: this identity provider's ID token exchanged for temporary keys.
    Federation {
        /// The identity provider.
        idp_id: String,
    },
    /// The ECS metadata service at this address.
    Metadata(String),
}

/// What the chain found: the credentials, the project id if one was given, and where the
/// credentials came from. `Debug` redacts the secret and the token.
#[derive(Clone, Debug)]
pub struct ResolvedCredentials {
    credentials: Credentials,
    project_id: Option<String>,
    source: CredentialSource,
    provider: Option<CredentialProvider>,
}

impl ResolvedCredentials {
    /// The access key pair (and security token, for temporary credentials).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The project id: [`PROJECT_ID_ENV`], else the credentials file's `project_id`.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// Where the credentials came from.
    pub fn source(&self) -> &CredentialSource {
        &self.source
    }

    /// The provider of temporary credentials (federation, the metadata service), refreshed
    /// before they expire; `None` for fixed keys (then [`credentials`](Self::credentials)).
    pub fn provider(&self) -> Option<&CredentialProvider> {
        self.provider.as_ref()
    }

    /// The parts: credentials, project id, source.
    pub fn into_parts(self) -> (Credentials, Option<String>, CredentialSource) {
        (self.credentials, self.project_id, self.source)
    }
}

/// A variable's value, trimmed; `None` when unset or empty.
pub(crate) fn var(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The home directory from the variables: `HOME`, else (Windows) `USERPROFILE`.
pub fn home_dir(lookup: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    var(lookup, "HOME")
        .or_else(|| var(lookup, "USERPROFILE"))
        .map(PathBuf::from)
}

/// Runs the chain: the environment variables (read through `lookup`), then the credentials
/// file ([`CREDENTIALS_FILE_ENV`], else `home/.huaweicloud/credentials`).
///
/// Fails with a [`Config`](cloud_http::ErrorKind::Config) error when nothing is found (naming
/// the variables and the file tried), when only one of [`AK_ENV`] and [`SK_ENV`] is set, or
/// when the file exists but cannot be read, is not valid INI, has no `[basic]` section or no
/// `ak` and `sk` in it. No error shows a secret or a line of the file.
///
/// ```
/// use huaweicloud_core::credentials::{self, CredentialSource};
///
/// let resolved = credentials::resolve(
///     &|name: &str| match name {
///         "HUAWEICLOUD_SDK_AK" => Some("AKTESTAKTEST".to_owned()),
///         "HUAWEICLOUD_SDK_SK" => Some("SKTESTSKTEST".to_owned()),
///         "HUAWEICLOUD_SDK_PROJECT_ID" => Some("0483b6b16e954cb88930a360d2c4e663".to_owned()),
///         _ => None,
///     },
///     None,
/// )?;
/// assert_eq!(resolved.credentials().access_key_id(), "AKTESTAKTEST");
/// assert_eq!(resolved.project_id(), Some("0483b6b16e954cb88930a360d2c4e663"));
/// assert_eq!(resolved.source(), &CredentialSource::Environment);
/// # Ok::<(), cloud_http::Error>(())
/// ```
pub fn resolve(
    lookup: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<ResolvedCredentials> {
    let env_project_id = var(lookup, PROJECT_ID_ENV);
    if let (Some(idp_id), Some(token_file)) =
        (var(lookup, IDP_ID_ENV), var(lookup, ID_TOKEN_FILE_ENV))
    {
        return federation(
            lookup,
            idp_id,
            token_file,
            None,
            env_project_id,
            "environment",
        );
    }
    match (var(lookup, AK_ENV), var(lookup, SK_ENV)) {
        (Some(ak), Some(sk)) => {
            let mut credentials = Credentials::new(ak, sk);
            if let Some(token) = var(lookup, SECURITY_TOKEN_ENV) {
                credentials = credentials.with_security_token(token);
            }
            return Ok(ResolvedCredentials {
                credentials,
                project_id: env_project_id,
                source: CredentialSource::Environment,
                provider: None,
            });
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Error::config(format!(
                "incomplete Huawei Cloud credentials: set both {AK_ENV} and {SK_ENV}, or \
                 neither (to use the credentials file)"
            )));
        }
        (None, None) => {}
    }

    let (path, explicit) = match var(lookup, CREDENTIALS_FILE_ENV) {
        Some(path) => (PathBuf::from(path), true),
        None => match home {
            Some(home) => (home.join(CREDENTIALS_FILE), false),
            None => {
                return metadata(
                    lookup,
                    env_project_id,
                    format!(
                        "{AK_ENV} and {SK_ENV} are not set, there is no home directory to find \
                         ~/{CREDENTIALS_FILE} in (set {CREDENTIALS_FILE_ENV} to its path)"
                    ),
                );
            }
        },
    };
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound && !explicit => {
            return metadata(
                lookup,
                env_project_id,
                format!(
                    "{AK_ENV} and {SK_ENV} are not set, there is no credentials file at {}",
                    path.display()
                ),
            );
        }
        Err(error) => {
            return Err(Error::config(format!(
                "the Huawei Cloud credentials file {} could not be read: {error}",
                path.display()
            )));
        }
    };
    let text = String::from_utf8(text).map_err(|_| {
        Error::config(format!(
            "the Huawei Cloud credentials file {} is not UTF-8",
            path.display()
        ))
    })?;
    let found = from_file_text(&text).map_err(|why| {
        Error::config(format!(
            "the Huawei Cloud credentials file {}: {why}",
            path.display()
        ))
    })?;
    match found {
        FileKeys::Keys(credentials, project_id) => Ok(ResolvedCredentials {
            credentials,
            project_id: env_project_id.or(project_id),
            source: CredentialSource::File(path),
            provider: None,
        }),
        FileKeys::Federation {
            idp_id,
            token_file,
            iam_endpoint,
            project_id,
        } => federation(
            lookup,
            idp_id,
            token_file,
            iam_endpoint,
            env_project_id.or(project_id),
            &path.display().to_string(),
        ),
    }
}

/// Federation by `idp_id` with the token in `token_file`, at IAM [`IAM_ENDPOINT_ENV`], else
/// `iam_endpoint` (the credentials file's), else the global one.
fn federation(
    lookup: &dyn Fn(&str) -> Option<String>,
    idp_id: String,
    token_file: String,
    iam_endpoint: Option<String>,
    project_id: Option<String>,
    from: &str,
) -> Result<ResolvedCredentials> {
    let iam = var(lookup, IAM_ENDPOINT_ENV)
        .or(iam_endpoint)
        .unwrap_or_else(|| IAM_ENDPOINT.to_owned());
    let iam = if iam.contains("://") {
        iam
    } else {
        format!("https://{iam}")
    };
    let label = format!(
        "IAM federation: identity provider {idp_id}, ID token file {token_file} (from the {from})"
    );
    let source = Federation::new(&iam, idp_id.clone(), PathBuf::from(token_file), label)?;
    Ok(ResolvedCredentials {
        credentials: Credentials::new("", ""),
        project_id,
        source: CredentialSource::Federation { idp_id },
        provider: Some(CredentialProvider::from_source(source)),
    })
}

/// The last step: the ECS metadata service, unless [`METADATA_DISABLED_ENV`]; `tried` says
/// what the earlier steps found missing, for the error when it is disabled.
fn metadata(
    lookup: &dyn Fn(&str) -> Option<String>,
    project_id: Option<String>,
    tried: String,
) -> Result<ResolvedCredentials> {
    if var(lookup, METADATA_DISABLED_ENV).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Err(Error::config(format!(
            "no Huawei Cloud credentials found: {tried}, and the ECS metadata service is \
             disabled ({METADATA_DISABLED_ENV})"
        )));
    }
    let endpoint =
        var(lookup, METADATA_ENDPOINT_ENV).unwrap_or_else(|| METADATA_ENDPOINT.to_owned());
    let source = EcsMetadata::new(&endpoint)?;
    Ok(ResolvedCredentials {
        credentials: Credentials::new("", ""),
        project_id,
        source: CredentialSource::Metadata(endpoint),
        provider: Some(CredentialProvider::from_source(source)),
    })
}

/// What a credentials file's `[basic]` section gives.
enum FileKeys {
    Keys(Credentials, Option<String>),
    Federation {
        idp_id: String,
        token_file: String,
        iam_endpoint: Option<String>,
        project_id: Option<String>,
    },
}

/// The credentials and project id of the `[basic]` section of a credentials file's text.
fn from_file_text(text: &str) -> std::result::Result<FileKeys, String> {
    let sections = parse_ini(text)?;
    let Some((_, basic)) = sections
        .iter()
        .rev()
        .find(|(name, _)| name == BASIC_SECTION)
    else {
        return Err(format!("there is no [{BASIC_SECTION}] section"));
    };
    let get = |key: &str| {
        basic
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    if let (Some(idp_id), Some(token_file)) = (get("idp_id"), get("id_token_file")) {
        return Ok(FileKeys::Federation {
            idp_id,
            token_file,
            iam_endpoint: get("iam_endpoint"),
            project_id: get("project_id"),
        });
    }
    let (Some(ak), Some(sk)) = (get("ak"), get("sk")) else {
        return Err(format!(
            "its [{BASIC_SECTION}] section needs both ak and sk (or idp_id and id_token_file)"
        ));
    };
    let mut credentials = Credentials::new(ak, sk);
    if let Some(token) = get("security_token") {
        credentials = credentials.with_security_token(token);
    }
    Ok(FileKeys::Keys(credentials, get("project_id")))
}

/// A parsed INI file: sections in order, each with its `(key, value)` pairs in order.
type Ini = Vec<(String, Vec<(String, String)>)>;

/// Parses INI text as Python's `configparser` (which the official SDK uses) reads it:
/// `[section]` headers; `key = value` or `key: value` (the first `=` or `:` splits), keys
/// lower-cased, both sides trimmed; whole-line comments starting with `#` or `;`; an indented
/// line continues the previous value. The error names a line number, never its text (it may
/// hold a secret).
fn parse_ini(text: &str) -> std::result::Result<Ini, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections: Ini = Vec::new();
    let mut last_key = false;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented && last_key {
            if let Some((_, value)) = sections.last_mut().and_then(|(_, pairs)| pairs.last_mut()) {
                value.push('\n');
                value.push_str(trimmed);
            }
            continue;
        }
        if let Some(name) = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            sections.push((name.trim().to_owned(), Vec::new()));
            last_key = false;
            continue;
        }
        let Some((_, pairs)) = sections.last_mut() else {
            return Err(format!("line {number} comes before any [section] header"));
        };
        let Some(split) = trimmed.find(['=', ':']) else {
            return Err(format!("line {number} is not `key = value`"));
        };
        let key = trimmed[..split].trim().to_lowercase();
        if key.is_empty() {
            return Err(format!("line {number} has no key"));
        }
        pairs.push((key, trimmed[split + 1..].trim().to_owned()));
        last_key = true;
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_as_configparser_reads_it() {
        let text = "\u{feff}; comment\n[basic]\nAK = a1 \nsk: s1\n# c\nproject_id =\n  continued\n\n[global]\nak = g\n";
        let ini = parse_ini(text).unwrap();
        assert_eq!(ini.len(), 2);
        assert_eq!(ini[0].0, "basic");
        assert_eq!(
            ini[0].1,
            [
                ("ak".to_owned(), "a1".to_owned()),
                ("sk".to_owned(), "s1".to_owned()),
                ("project_id".to_owned(), "\ncontinued".to_owned()),
            ]
        );
    }

    #[test]
    fn ini_errors_name_lines_not_text() {
        let error = parse_ini("ak = secret-value\n").unwrap_err();
        assert!(error.contains("line 1"), "{error}");
        assert!(!error.contains("secret-value"));
        let error = parse_ini("[basic]\nsecret-value\n").unwrap_err();
        assert!(error.contains("line 2"), "{error}");
        assert!(!error.contains("secret-value"));
    }

    #[test]
    fn file_text_needs_basic_ak_and_sk_or_a_federation() {
        let Ok(FileKeys::Keys(credentials, project_id)) =
            from_file_text("[basic]\nak = a\nsk = s\nsecurity_token = t\nproject_id = p\n")
        else {
            panic!("keys expected");
        };
        assert_eq!(credentials.access_key_id(), "a");
        assert_eq!(credentials.secret(), "s");
        assert_eq!(credentials.security_token(), Some("t"));
        assert_eq!(project_id.as_deref(), Some("p"));

        let error = |text: &str| match from_file_text(text) {
            Err(error) => error,
            Ok(_) => panic!("an error expected for {text:?}"),
        };
        assert!(error("[global]\nak = a\nsk = s\n").contains("no [basic]"));
        assert!(error("[basic]\nak = a\n").contains("both ak and sk"));
        let Ok(FileKeys::Federation {
            idp_id,
            token_file,
            iam_endpoint,
            ..
        }) = from_file_text(
            "[basic]\nidp_id = x\nid_token_file = /t\niam_endpoint = https://iam.cn-north-4.myhuaweicloud.com\n",
        )
        else {
            panic!("a federation expected");
        };
        assert_eq!((idp_id.as_str(), token_file.as_str()), ("x", "/t"));
        assert_eq!(
            iam_endpoint.as_deref(),
            Some("https://iam.cn-north-4.myhuaweicloud.com")
        );
    }
}
