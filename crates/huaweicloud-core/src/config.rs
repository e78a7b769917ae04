//! The settings shared by the Huawei Cloud clients: credentials, project id, region, endpoint
//! override and HTTP settings.

use std::fmt;
use std::path::Path;

use cloud_http::credentials::CredentialProvider;
use cloud_http::{Error, HttpConfig};
use cloud_signer::Credentials;

use crate::Result;
use crate::credentials::{self, PROJECT_ID_ENV, REGION_ENV};
use crate::endpoint::{Endpoint, Service};

/// The settings of a Huawei Cloud client (`huaweicloud_rds::Client`,
/// `huaweicloud_gaussdb::Client`): credentials, project id, region, an optional endpoint
/// override, and the HTTP settings (timeouts, retries, and for tests a fixed clock and DNS
/// overrides).
///
/// One `Config` serves every Huawei Cloud service: the endpoint is picked when a client is
/// built, from the service's region table (see [`Service`]) unless
/// [`with_endpoint`](Self::with_endpoint) set one.
///
/// Building a client fails with a [`Config`](cloud_http::ErrorKind::Config) error when the
/// project id is missing (it is part of every path, `/v3/{project_id}/...`), when neither a
/// region nor an endpoint is set, or when the region is not in the service's table: this crate
/// does not guess an endpoint for an unknown region (GaussDB's host prefix differs from region
/// to region), it asks for [`with_endpoint`](Self::with_endpoint) instead.
///
/// `Debug` shows the access key id, never the secret or the security token.
///
/// ```
/// use huaweicloud_core::{Config, Credentials, Service};
///
/// let config = Config::new(
///     Credentials::new("my-access-key-id", "my-secret-key"),
///     "0483b6b16e954cb88930a360d2c4e663",
/// )
/// .with_region("cn-north-4");
/// assert_eq!(
///     config.endpoint_for(Service::RDS)?.as_str(),
///     "https://rds.cn-north-4.myhuaweicloud.com"
/// );
/// assert_eq!(
///     config.endpoint_for(Service::GAUSSDB)?.as_str(),
///     "https://gaussdb.cn-north-4.myhuaweicloud.com"
/// );
///
/// // An explicit endpoint wins over the region's.
/// let config = config.with_endpoint("http://127.0.0.1:8080")?;
/// assert_eq!(config.endpoint_for(Service::RDS)?.as_str(), "http://127.0.0.1:8080");
///
/// assert!(!format!("{config:?}").contains("my-secret-key"));
/// # Ok::<(), cloud_http::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    credentials: Credentials,
    provider: Option<CredentialProvider>,
    project_id: Option<String>,
    region: Option<String>,
    endpoint: Option<Endpoint>,
    iam_endpoint: Option<String>,
    http: HttpConfig,
}

impl Config {
    /// A configuration with `credentials` and `project_id` (an empty id counts as none), no
    /// region (set one with [`with_region`](Self::with_region) or an endpoint with
    /// [`with_endpoint`](Self::with_endpoint)) and the default HTTP settings.
    pub fn new(credentials: Credentials, project_id: impl Into<String>) -> Self {
        Self {
            credentials,
            provider: None,
            project_id: non_empty(project_id.into().trim().to_owned()),
            region: None,
            endpoint: None,
            iam_endpoint: None,
            http: HttpConfig::default(),
        }
    }

    /// A configuration from the process environment and the credentials file:
    ///
    /// * credentials: `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK` (with
    ///   `HUAWEICLOUD_SDK_SECURITY_TOKEN` for temporary credentials), else the `[basic]`
    ///   section of `~/.huaweicloud/credentials` (or of the file `HUAWEICLOUD_SDK_CREDENTIALS_FILE`
    ///   names): `ak`, `sk`, `security_token`; see [`credentials`];
    /// * project id: `HUAWEICLOUD_SDK_PROJECT_ID`, else the file's `project_id`;
    /// * region: `HUAWEICLOUD_SDK_REGION` (e.g. `cn-north-4`), else none.
    ///
    /// A missing project id or region is not an error here (set them with
    /// [`with_project_id`](Self::with_project_id) and [`with_region`](Self::with_region));
    /// building a client without them is.
    ///
    /// Fails with a [`Config`](cloud_http::ErrorKind::Config) error when no credentials are
    /// found, when only one of the AK/SK variables is set, or when the credentials file exists
    /// but is unusable. No error shows a secret.
    pub fn from_env() -> Result<Self> {
        let lookup = |name: &str| std::env::var(name).ok();
        let home = credentials::home_dir(&lookup);
        Self::from_env_with(lookup, home.as_deref())
    }

    /// [`from_env`](Self::from_env) with the variables read through `lookup` and the home
    /// directory given: the same chain, without touching the process environment (for tests,
    /// or a program that keeps its settings elsewhere).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use huaweicloud_core::Config;
    ///
    /// let vars = HashMap::from([
    ///     ("HUAWEICLOUD_SDK_AK", "AKTESTAKTEST"),
    ///     ("HUAWEICLOUD_SDK_SK", "SKTESTSKTEST"),
    ///     ("HUAWEICLOUD_SDK_PROJECT_ID", "0483b6b16e954cb88930a360d2c4e663"),
    ///     ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
    /// ]);
    /// let config = Config::from_env_with(|name| vars.get(name).map(|v| v.to_string()), None)?;
    /// assert_eq!(config.credentials().access_key_id(), "AKTESTAKTEST");
    /// assert_eq!(config.project_id(), Some("0483b6b16e954cb88930a360d2c4e663"));
    /// assert_eq!(config.region(), Some("cn-north-4"));
    /// # Ok::<(), cloud_http::Error>(())
    /// ```
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Self> {
        let resolved = credentials::resolve(&lookup, home)?;
        let provider = resolved.provider().cloned();
        let (credentials, project_id, _) = resolved.into_parts();
        let mut config = Self::new(credentials, project_id.unwrap_or_default());
        config.provider = provider;
        if let Some(region) = credentials::var(&lookup, REGION_ENV) {
            config = config.with_region(region);
        }
        config.iam_endpoint = credentials::var(&lookup, credentials::IAM_ENDPOINT_ENV);
        Ok(config)
    }

    /// Sets the region (e.g. `cn-north-4`; trimmed and lower-cased, empty means none), which
    /// picks the endpoint unless one was set with [`with_endpoint`](Self::with_endpoint).
    /// Remember that a project id belongs to one region.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = non_empty(region.into().trim().to_lowercase());
        self
    }

    /// Sets the endpoint, replacing the region's: `scheme://host[:port]` (`http` or `https`,
    /// an optional trailing `/`), e.g. `https://rds.cn-north-4.myhuaweicloud.com` or a test
    /// server's `http://127.0.0.1:8080`. The client adds the API path (`/v3/...`) itself.
    ///
    /// A path, query string, fragment, user information, another scheme or an unparsable
    /// text is a [`Config`](cloud_http::ErrorKind::Config) error.
    pub fn with_endpoint(mut self, endpoint: impl AsRef<str>) -> Result<Self> {
        self.endpoint = Some(Endpoint::parse(endpoint.as_ref())?);
        Ok(self)
    }

    /// Sets the project id (an empty id counts as none).
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = non_empty(project_id.into().trim().to_owned());
        self
    }

    /// Replaces the credentials.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self.provider = None;
        self
    }

    /// Signs with the credentials of `provider` (temporary ones from the metadata service or
    /// IAM federation, refreshed before they expire) instead of
    /// [`credentials`](Self::credentials).
    pub fn with_credential_provider(mut self, provider: CredentialProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// Sets the IAM endpoint that [`with_discovered_project_id`](Self::with_discovered_project_id)
    /// asks (default `HUAWEICLOUD_SDK_IAM_ENDPOINT`, else `https://iam.myhuaweicloud.com`).
    pub fn with_iam_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.iam_endpoint = non_empty(endpoint.into().trim().to_owned());
        self
    }

    /// This configuration with its project id, found through IAM when it has none: the
    /// project named after the region (`KeystoneListProjects`, `GET /v3/projects?name=<region>`,
    /// signed with the credentials), as the official SDKs do. A configuration with a project
    /// id, or without a region, is returned as it is.
    ///
    /// # Errors
    ///
    /// IAM's error, or a [`Config`](cloud_http::ErrorKind::Config) error when IAM lists no
    /// project of that name, or several.
    pub async fn with_discovered_project_id(mut self) -> Result<Self> {
        let (None, Some(region)) = (&self.project_id, self.region.clone()) else {
            return Ok(self);
        };
        let iam = self
            .iam_endpoint
            .clone()
            .unwrap_or_else(|| crate::identity::IAM_ENDPOINT.to_owned());
        let iam = if iam.contains("://") {
            iam
        } else {
            format!("https://{iam}")
        };
        let id = crate::identity::project_id_of_region(
            &iam,
            &region,
            &self.credentials,
            self.provider.as_ref(),
            self.http.clone(),
        )
        .await?;
        self.project_id = Some(id);
        Ok(self)
    }

    /// The credential provider, if any: where the credentials come from and when they
    /// expire.
    pub fn credential_provider(&self) -> Option<&CredentialProvider> {
        self.provider.as_ref()
    }

    /// Sets the HTTP settings: timeouts, retries, user agent, and for tests a fixed clock and
    /// DNS overrides ([`HttpConfig::with_resolve`]).
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// The credentials (their `Debug` and `Display` redact the secret and token).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The project id, if set.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The region, if set.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The endpoint set with [`with_endpoint`](Self::with_endpoint), if any.
    pub fn endpoint_override(&self) -> Option<&Endpoint> {
        self.endpoint.as_ref()
    }

    /// The HTTP settings.
    pub fn http(&self) -> &HttpConfig {
        &self.http
    }

    /// The endpoint a client of `service` uses: the override, else the region's from the
    /// service's table.
    ///
    /// Fails with a [`Config`](cloud_http::ErrorKind::Config) error when neither a region
    /// nor an endpoint is set, or when the region is not in the table (the error lists the
    /// known regions and says to set the endpoint explicitly).
    pub fn endpoint_for(&self, service: Service) -> Result<Endpoint> {
        if let Some(endpoint) = &self.endpoint {
            return Ok(endpoint.clone());
        }
        match &self.region {
            Some(region) => service.endpoint_or_error(region),
            None => Err(Error::config(format!(
                "no region or endpoint for Huawei Cloud {}: set a region (e.g. cn-north-4) or \
                 an endpoint in the configuration, or set {REGION_ENV}",
                service.name()
            ))),
        }
    }

    /// The project id, or a [`Config`](cloud_http::ErrorKind::Config) error saying how to set
    /// one.
    pub fn require_project_id(&self) -> Result<&str> {
        self.project_id().ok_or_else(|| {
            Error::config(format!(
                "no Huawei Cloud project id: it is part of every request path \
                 (/v3/{{project_id}}/...); set it in the configuration, set {PROJECT_ID_ENV}, \
                 or add project_id to the [basic] section of ~/.huaweicloud/credentials"
            ))
        })
    }
}

/// Shows the access key id, never the secret or the security token.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("credentials", &self.credentials)
            .field("provider", &self.provider)
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint.as_ref().map(Endpoint::as_str))
            .field("http", &self.http)
            .finish()
    }
}

fn non_empty(value: String) -> Option<String> {
    if value.trim().is_empty() {
        None
    } else {
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::new(Credentials::new("ak", "sk-secret"), "pid")
    }

    #[test]
    fn region_and_endpoint() {
        let error = config().endpoint_for(Service::RDS).unwrap_err();
        assert!(
            error.to_string().contains("HUAWEICLOUD_SDK_REGION"),
            "{error}"
        );
        let config = config().with_region(" EU-West-101 ");
        assert_eq!(config.region(), Some("eu-west-101"));
        assert_eq!(
            config.endpoint_for(Service::RDS).unwrap().as_str(),
            "https://rds.eu-west-101.myhuaweicloud.eu"
        );
        // eu-west-101 is not in the GaussDB table.
        assert!(config.endpoint_for(Service::GAUSSDB).is_err());
    }

    #[test]
    fn project_id_is_required() {
        let config = Config::new(Credentials::new("ak", "sk"), "");
        assert_eq!(config.project_id(), None);
        let error = config.require_project_id().unwrap_err();
        assert_eq!(error.kind(), cloud_http::ErrorKind::Config);
        assert!(error.to_string().contains("HUAWEICLOUD_SDK_PROJECT_ID"));
        assert_eq!(
            config.with_project_id("p").require_project_id().unwrap(),
            "p"
        );
    }

    #[test]
    fn debug_redacts() {
        let text = format!(
            "{:?}",
            config().with_credentials(
                Credentials::new("ak", "sk-secret").with_security_token("tok-secret")
            )
        );
        assert!(!text.contains("sk-secret"), "{text}");
        assert!(!text.contains("tok-secret"), "{text}");
        assert!(text.contains("\"ak\""), "{text}");
    }
}
