//! The client's settings: credentials, endpoint and HTTP settings.

use std::fmt;

use cloud_http::{Error, HttpConfig};
use cloud_signer::Credentials;

use crate::Result;

/// The endpoint for mainland China (中国大陆), the default.
pub const DEFAULT_ENDPOINT: &str = "https://cdsapi.capitalonline.net";

/// The endpoint for the Asia-Pacific region (亚太地区).
pub const ASIA_ENDPOINT: &str = "https://cdsapi-asia.capitalonline.net";

/// The endpoint for Europe and the Americas (欧美地区).
pub const US_ENDPOINT: &str = "https://cdsapi-us.capitalonline.net";

/// The path of the MySQL product under every endpoint; the client always appends it.
pub const SERVICE_PATH: &str = "/mysql/";

/// The environment variable holding the access key id (the official SDKs' name).
pub const SECRET_ID_ENV: &str = "CDS_SECRET_ID";

/// The environment variable holding the access key secret (the official SDKs' name).
pub const SECRET_KEY_ENV: &str = "CDS_SECRET_KEY";

/// The settings of a [`Client`](crate::Client): credentials, endpoint and HTTP settings
/// (timeouts, retries, and for tests the clock and nonce source).
///
/// `Debug` shows the access key id but never the secret.
///
/// ```
/// use capitalonline_mysql::{Config, Credentials, ASIA_ENDPOINT};
///
/// let config = Config::new(Credentials::new("my-access-key-id", "my-secret"))
///     .with_endpoint(ASIA_ENDPOINT)?;
/// assert_eq!(config.endpoint(), "https://cdsapi-asia.capitalonline.net");
/// assert!(!format!("{config:?}").contains("my-secret"));
/// # Ok::<(), capitalonline_mysql::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    pub(crate) credentials: Credentials,
    pub(crate) endpoint: String,
    pub(crate) http: HttpConfig,
}

impl Config {
    /// A configuration with `credentials`, the default endpoint ([`DEFAULT_ENDPOINT`]) and the
    /// default HTTP settings.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            http: HttpConfig::default()
                .with_user_agent(concat!("capitalonline-mysql/", env!("CARGO_PKG_VERSION"))),
        }
    }

    /// A configuration with the credentials of the environment variables `CDS_SECRET_ID` and
    /// `CDS_SECRET_KEY` (the names the official SDKs use).
    ///
    /// Fails with a [`Config`](crate::ErrorKind::Config) error naming the variables when one is
    /// missing or empty.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with another source of variables: `lookup` returns the
    /// value of a variable, or `None` when it is not set. Useful in tests and for
    /// configuration read from elsewhere.
    ///
    /// ```
    /// use capitalonline_mysql::Config;
    ///
    /// let config = Config::from_env_with(|name| match name {
    ///     "CDS_SECRET_ID" => Some("my-access-key-id".to_owned()),
    ///     "CDS_SECRET_KEY" => Some("my-secret".to_owned()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(config.credentials().access_key_id(), "my-access-key-id");
    ///
    /// let error = Config::from_env_with(|_| None).unwrap_err();
    /// assert!(error.to_string().contains("CDS_SECRET_ID"));
    /// # Ok::<(), capitalonline_mysql::Error>(())
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let read = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        match (read(SECRET_ID_ENV), read(SECRET_KEY_ENV)) {
            (Some(id), Some(secret)) => Ok(Self::new(Credentials::new(id.trim(), secret))),
            (id, secret) => {
                let missing: Vec<&str> = [
                    (SECRET_ID_ENV, id.is_none()),
                    (SECRET_KEY_ENV, secret.is_none()),
                ]
                .into_iter()
                .filter_map(|(name, missing)| missing.then_some(name))
                .collect();
                Err(Error::config(format!(
                    "missing Capital Online credentials: set the environment variables \
                     {SECRET_ID_ENV} and {SECRET_KEY_ENV} (not set or empty: {})",
                    missing.join(", ")
                )))
            }
        }
    }

    /// Sets the endpoint: `scheme://host[:port]` only, such as [`ASIA_ENDPOINT`], [`US_ENDPOINT`]
    /// or a test server's `http://127.0.0.1:8080`. The client appends the MySQL path
    /// ([`SERVICE_PATH`]) itself.
    ///
    /// Fails with a [`Config`](crate::ErrorKind::Config) error when `endpoint` is not an `http`
    /// or `https` URL made of a scheme, a host and an optional port (a trailing `/` is
    /// accepted); a path, a query, a fragment or user information are refused.
    pub fn with_endpoint(mut self, endpoint: impl AsRef<str>) -> Result<Self> {
        self.endpoint = parse_endpoint(endpoint.as_ref())?;
        Ok(self)
    }

    /// Sets the HTTP settings: timeouts, retries, user agent, and for tests a fixed clock and
    /// nonce source.
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// The endpoint, `scheme://host[:port]` without a trailing `/`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The credentials. Their `Debug` and `Display` redact the secret.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The HTTP settings.
    pub fn http(&self) -> &HttpConfig {
        &self.http
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("access_key_id", &self.credentials.access_key_id())
            .field("secret", &"** redacted **")
            .field("endpoint", &self.endpoint)
            .field("http", &self.http)
            .finish()
    }
}

/// `endpoint` as `scheme://host[:port]` without a trailing `/`, by the rules every client
/// crate shares ([`cloud_http::Endpoint`]); the client adds `/mysql/` itself.
pub(crate) fn parse_endpoint(endpoint: &str) -> Result<String> {
    cloud_http::Endpoint::parse(endpoint).map(|endpoint| endpoint.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_normalized() {
        for (input, want) in [
            ("https://cdsapi.capitalonline.net", DEFAULT_ENDPOINT),
            ("https://cdsapi.capitalonline.net/", DEFAULT_ENDPOINT),
            ("https://CDSAPI.capitalonline.net:443", DEFAULT_ENDPOINT),
            (" http://127.0.0.1:8080 ", "http://127.0.0.1:8080"),
            ("http://[::1]:9000/", "http://[::1]:9000"),
            ("cdsapi.capitalonline.net", DEFAULT_ENDPOINT),
        ] {
            assert_eq!(parse_endpoint(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn bad_endpoints_are_config_errors() {
        for input in [
            "",
            "ftp://cdsapi.capitalonline.net",
            "https://cdsapi.capitalonline.net/mysql",
            "https://cdsapi.capitalonline.net/mysql/",
            "https://cdsapi.capitalonline.net/?a=b",
            "https://cdsapi.capitalonline.net/#x",
            "https://user:pass@cdsapi.capitalonline.net",
            "https://",
        ] {
            let error = parse_endpoint(input).unwrap_err();
            assert_eq!(error.kind(), cloud_http::ErrorKind::Config, "{input}");
            assert!(!error.to_string().contains("pass@"), "{error}");
        }
    }
}
