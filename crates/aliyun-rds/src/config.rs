//! [`Config`]: credentials, region, endpoint, signature version and HTTP settings.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use cloud_http::HttpConfig;
use cloud_http::credentials::CredentialProvider;
use cloud_signer::Credentials;

use crate::credentials::{self, REGION_VAR};
use crate::{Error, Result};
use cloud_http::Endpoint;

/// The region used when none is given: `cn-hangzhou`, as in the official SDKs' examples.
pub(crate) const DEFAULT_REGION: &str = "cn-hangzhou";

/// How requests are signed.
///
/// [`V3`](SignatureVersion::V3) is what the official SDK (`alibabacloud-rds20140815` 16.0.2)
/// uses and the default; [`V2`](SignatureVersion::V2) is the older RPC signature, which
/// Alibaba Cloud marks as deprecated but still accepts.
///
/// It parses from and displays as `v3` / `v2` (any case), for command lines:
///
/// ```
/// use aliyun_rds::SignatureVersion;
///
/// assert_eq!("V2".parse::<SignatureVersion>().ok(), Some(SignatureVersion::V2));
/// assert_eq!(SignatureVersion::default().to_string(), "v3");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureVersion {
    /// `ACS3-HMAC-SHA256`: `POST https://<endpoint>/?<action parameters>` with an empty body,
    /// the action, version, date, nonce and body hash in `x-acs-*` headers, and an
    /// `Authorization` header. The default.
    #[default]
    V3,
    /// RPC `HMAC-SHA1`: `GET https://<endpoint>/?Action=..&Version=..&Format=JSON&...`, every
    /// parameter and the `Signature` in the query string.
    V2,
}

impl fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureVersion::V3 => "v3",
            SignatureVersion::V2 => "v2",
        })
    }
}

/// Parses `v3` or `v2` (any case); anything else is a [`Config`](crate::ErrorKind::Config)
/// error.
impl FromStr for SignatureVersion {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "v3" | "3" => Ok(SignatureVersion::V3),
            "v2" | "2" => Ok(SignatureVersion::V2),
            _ => Err(Error::config(format!(
                "unknown signature version `{text}`: expected `v3` or `v2`"
            ))),
        }
    }
}

/// Everything a [`Client`](crate::Client) needs: credentials, region, optional endpoint
/// override, signature version and HTTP settings (timeouts, retries, clock, nonce source).
///
/// Build it with [`Config::new`] or [`Config::from_env`] and the `with_*` setters:
///
/// ```
/// use aliyun_rds::{Config, Credentials, SignatureVersion};
///
/// let config = Config::new(Credentials::new("LTAI5tExampleKeyId", "example-secret-value"))
///     .with_region("cn-shanghai")
///     .with_signature_version(SignatureVersion::V3);
/// assert_eq!(config.region(), "cn-shanghai");
/// assert_eq!(config.endpoint(), "https://rds.aliyuncs.com");
///
/// let config = config.with_region("eu-central-1");
/// assert_eq!(config.endpoint(), "https://rds.eu-central-1.aliyuncs.com");
///
/// let config = config.with_endpoint("https://rds-vpc.eu-central-1.aliyuncs.com")?;
/// assert_eq!(config.endpoint(), "https://rds-vpc.eu-central-1.aliyuncs.com");
///
/// // Debug never shows the secret.
/// assert!(!format!("{config:?}").contains("example-secret-value"));
/// # Ok::<(), aliyun_rds::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    credentials: Credentials,
    provider: Option<CredentialProvider>,
    region: String,
    endpoint: Option<Endpoint>,
    signature_version: SignatureVersion,
    http: HttpConfig,
}

impl Config {
    /// A configuration with `credentials`, region `cn-hangzhou`, the region's endpoint,
    /// signature V3 and the default HTTP settings.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            provider: None,
            region: DEFAULT_REGION.to_owned(),
            endpoint: None,
            signature_version: SignatureVersion::default(),
            http: HttpConfig::default(),
        }
    }

    /// A configuration from the environment, the credentials found in the order of the
    /// official default chain (see the crate documentation's "Credentials"): environment
    /// variables, an OIDC role (RRSA), the aliyun CLI profile file (modes `AK`, `StsToken`,
    /// `RamRoleArn`, `EcsRamRole`, `OIDC`), the ECS instance's RAM role, a credentials URI.
    /// Temporary credentials come through [`credential_provider`](Self::credential_provider)
    /// (then [`credentials`](Self::credentials) is empty) and are refreshed before they
    /// expire.
    ///
    /// The region is `ALIBABA_CLOUD_REGION_ID`, else the `region_id` of the profile the
    /// credentials came from, else `cn-hangzhou`.
    ///
    /// Fails with a [`Config`](crate::ErrorKind::Config) error when no step can give
    /// credentials (saying which variables and which file were tried: with the ECS metadata
    /// service disabled, at once; else at the first request, after asking it), when only half
    /// of a key pair is set, or when the profile file is unreadable, invalid, lacks the
    /// profile or uses another mode. No error shows a secret.
    pub fn from_env() -> Result<Self> {
        let lookup = |name: &str| std::env::var(name).ok();
        let home = home_dir(&lookup);
        Self::from_env_with(lookup, home.as_deref())
    }

    /// [`from_env`](Self::from_env) with the variables read through `lookup` and the home
    /// directory given: the same chain, without touching the process environment (for tests,
    /// or a program that keeps its settings elsewhere).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use aliyun_rds::Config;
    ///
    /// let vars = HashMap::from([
    ///     ("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"),
    ///     ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret"),
    ///     ("ALIBABA_CLOUD_REGION_ID", "cn-chengdu"),
    /// ]);
    /// let config = Config::from_env_with(|name| vars.get(name).map(|v| v.to_string()), None)?;
    /// assert_eq!(config.credentials().access_key_id(), "testid");
    /// assert_eq!(config.endpoint(), "https://rds.cn-chengdu.aliyuncs.com");
    /// # Ok::<(), aliyun_rds::Error>(())
    /// ```
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Self> {
        let found = credentials::resolve(&lookup, home)?;
        let region = credentials::var(&lookup, REGION_VAR)
            .or(found.profile_region)
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        Ok(Self::new(found.credentials)
            .with_credential_provider(found.provider)
            .with_region(region))
    }

    /// Sets the region (e.g. `cn-shanghai`), which picks the endpoint unless one was set with
    /// [`with_endpoint`](Self::with_endpoint).
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into().trim().to_owned();
        self
    }

    /// Sets the endpoint, replacing the region's: `scheme://host[:port]` (`http` or `https`,
    /// an optional trailing `/`), or a bare `host[:port]` for HTTPS. Requests still go to the
    /// path `/`.
    ///
    /// A path, query string, fragment, user name, another scheme or an unparsable text is a
    /// [`Config`](crate::ErrorKind::Config) error.
    pub fn with_endpoint(mut self, endpoint: impl AsRef<str>) -> Result<Self> {
        self.endpoint = Some(Endpoint::parse(endpoint.as_ref())?);
        Ok(self)
    }

    /// Sets the signature version (default [`SignatureVersion::V3`]).
    pub fn with_signature_version(mut self, version: SignatureVersion) -> Self {
        self.signature_version = version;
        self
    }

    /// Sets the HTTP settings: timeouts, retries, user agent, clock, nonce source.
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Replaces the credentials (and any credential provider: these are used as they are).
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self.provider = None;
        self
    }

    /// Signs with the credentials of `provider` (temporary ones from a metadata service or
    /// STS, refreshed before they expire) instead of [`credentials`](Self::credentials).
    pub fn with_credential_provider(mut self, provider: CredentialProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// The credential provider, if any: where the credentials come from
    /// ([`describe`](CredentialProvider::describe)) and when they expire.
    pub fn credential_provider(&self) -> Option<&CredentialProvider> {
        self.provider.as_ref()
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The effective endpoint, `scheme://host[:port]` without a trailing slash: the override
    /// if one was set, else the region's (see the crate documentation's "Endpoints").
    pub fn endpoint(&self) -> String {
        self.effective_endpoint().map_or_else(
            |_| format!("https://{}", crate::endpoint::host_for_region(&self.region)),
            |endpoint| endpoint.as_str().to_owned(),
        )
    }

    /// The signature version.
    pub fn signature_version(&self) -> SignatureVersion {
        self.signature_version
    }

    /// The HTTP settings.
    pub fn http(&self) -> &HttpConfig {
        &self.http
    }

    /// The credentials (their `Debug` and `Display` redact the secret and token).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    pub(crate) fn effective_endpoint(&self) -> Result<Endpoint, Error> {
        match &self.endpoint {
            Some(endpoint) => Ok(endpoint.clone()),
            None => crate::endpoint::for_region(&self.region),
        }
    }
}

/// Shows the access key id, never the secret or the security token.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("credentials", &self.credentials)
            .field("provider", &self.provider)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint())
            .field("signature_version", &self.signature_version)
            .field("http", &self.http)
            .finish()
    }
}

/// The home directory: `HOME`, else (Windows) `USERPROFILE`.
fn home_dir(lookup: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    credentials::var(lookup, "HOME")
        .or_else(|| credentials::var(lookup, "USERPROFILE"))
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let config = Config::new(Credentials::new("id", "very-secret"));
        assert_eq!(config.region(), "cn-hangzhou");
        assert_eq!(config.endpoint(), "https://rds.aliyuncs.com");
        assert_eq!(config.signature_version(), SignatureVersion::V3);
    }

    #[test]
    fn debug_redacts_secret_and_token() {
        let config = Config::new(
            Credentials::new("AKID", "very-secret").with_security_token("sts-token-value"),
        );
        let text = format!("{config:?}");
        assert!(text.contains("AKID"), "{text}");
        assert!(!text.contains("very-secret"), "{text}");
        assert!(!text.contains("sts-token-value"), "{text}");
    }

    #[test]
    fn signature_versions_parse_and_display() {
        for (text, version) in [
            ("v3", SignatureVersion::V3),
            ("V3", SignatureVersion::V3),
            (" v2 ", SignatureVersion::V2),
            ("2", SignatureVersion::V2),
        ] {
            assert_eq!(text.parse::<SignatureVersion>().unwrap(), version, "{text}");
        }
        assert!("v1".parse::<SignatureVersion>().is_err());
        assert_eq!(SignatureVersion::V2.to_string(), "v2");
    }

    #[test]
    fn home_from_home_or_userprofile() {
        let lookup = |name: &str| (name == "USERPROFILE").then(|| "C:\\Users\\me".to_owned());
        assert_eq!(home_dir(&lookup), Some(PathBuf::from("C:\\Users\\me")));
        assert_eq!(home_dir(&|_: &str| None), None);
    }
}
