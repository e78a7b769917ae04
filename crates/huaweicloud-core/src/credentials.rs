//! The credentials chain of [`Config::from_env`](crate::Config::from_env), as the official
//! SDKs' default chain begins (`CredentialProviderChain`): the environment variables, then the
//! `[basic]` section of the credentials file.
//!
//! Nothing here reads the process environment: the variables come through a lookup function
//! and the home directory is a parameter, so the chain is tested without touching either.
//!
//! | step | where | keys |
//! |---|---|---|
//! | 1 | environment | [`AK_ENV`], [`SK_ENV`], optional [`SECURITY_TOKEN_ENV`] |
//! | 2 | [`CREDENTIALS_FILE_ENV`] if set, else `~/.huaweicloud/credentials` (INI) | `[basic]`: `ak`, `sk`, optional `security_token`, `project_id` |
//!
//! The project id is [`PROJECT_ID_ENV`] when set, else the file's `project_id` (when the keys
//! came from the file). The official SDKs' other steps (ECS metadata, federated `idp_id` /
//! `id_token_file`) are not supported.

use std::io;
use std::path::{Path, PathBuf};

use cloud_http::Error;
use cloud_signer::Credentials;

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

/// Where [`resolve`] found the credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// The variables [`AK_ENV`] and [`SK_ENV`].
    Environment,
    /// The `[basic]` section of this credentials file.
    File(PathBuf),
}

/// What the chain found: the credentials, the project id if one was given, and where the
/// credentials came from. `Debug` redacts the secret and the token.
#[derive(Clone, Debug)]
pub struct ResolvedCredentials {
    credentials: Credentials,
    project_id: Option<String>,
    source: CredentialSource,
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
                return Err(Error::config(format!(
                    "no Huawei Cloud credentials found: {AK_ENV} and {SK_ENV} are not set, and \
                     there is no home directory to find ~/{CREDENTIALS_FILE} in (set \
                     {CREDENTIALS_FILE_ENV} to its path)"
                )));
            }
        },
    };
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound && !explicit => {
            return Err(Error::config(format!(
                "no Huawei Cloud credentials found: {AK_ENV} and {SK_ENV} are not set, and \
                 there is no credentials file at {}",
                path.display()
            )));
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
    Ok(ResolvedCredentials {
        credentials: found.0,
        project_id: env_project_id.or(found.1),
        source: CredentialSource::File(path),
    })
}

/// The credentials and project id of the `[basic]` section of a credentials file's text.
fn from_file_text(text: &str) -> std::result::Result<(Credentials, Option<String>), String> {
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
    let (Some(ak), Some(sk)) = (get("ak"), get("sk")) else {
        let unsupported = if get("idp_id").is_some() {
            " (federated idp_id / id_token_file credentials are not supported)"
        } else {
            ""
        };
        return Err(format!(
            "its [{BASIC_SECTION}] section needs both ak and sk{unsupported}"
        ));
    };
    let mut credentials = Credentials::new(ak, sk);
    if let Some(token) = get("security_token") {
        credentials = credentials.with_security_token(token);
    }
    Ok((credentials, get("project_id")))
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
    fn file_text_needs_basic_ak_and_sk() {
        let (credentials, project_id) =
            from_file_text("[basic]\nak = a\nsk = s\nsecurity_token = t\nproject_id = p\n")
                .unwrap();
        assert_eq!(credentials.access_key_id(), "a");
        assert_eq!(credentials.secret(), "s");
        assert_eq!(credentials.security_token(), Some("t"));
        assert_eq!(project_id.as_deref(), Some("p"));

        assert!(
            from_file_text("[global]\nak = a\nsk = s\n")
                .unwrap_err()
                .contains("no [basic]")
        );
        assert!(
            from_file_text("[basic]\nak = a\n")
                .unwrap_err()
                .contains("both ak and sk")
        );
        assert!(
            from_file_text("[basic]\nidp_id = x\nid_token_file = /t\n")
                .unwrap_err()
                .contains("not supported")
        );
    }
}
