//! List database backups and get their download links on several clouds, with one
//! provider-neutral record shape: the library behind the `cloud-backup` command.
//!
//! ```no_run
//! use cloud_backup::{Options, Provider};
//!
//! # async fn run() -> Result<(), cloud_http::Error> {
//! // Credentials come from the environment (CDS_SECRET_ID / CDS_SECRET_KEY for Capital Online,
//! // the aliyun-rds crate's chain for Alibaba Cloud).
//! let options = Options::new().with_region("cn-hangzhou");
//! let backups = cloud_backup::list_backups(Provider::AliyunRds, &options, "rm-uf6wjk5xxxxxxx").await?;
//! for backup in &backups {
//!     println!("{} {:?} {:?}", backup.backup_id, backup.status, backup.size_bytes);
//! }
//! let links = cloud_backup::download_links(
//!     Provider::AliyunRds,
//!     &options,
//!     "rm-uf6wjk5xxxxxxx",
//!     &backups[0].backup_id,
//! )
//! .await?;
//! println!("{}", links[0].url);
//! # Ok(())
//! # }
//! ```
//!
//! # Providers and features
//!
//! | [`Provider`] | cargo feature (default on) | client crate | credentials |
//! |---|---|---|---|
//! | `capitalonline-mysql` | `capitalonline-mysql` | [`capitalonline_mysql`](https://docs.rs/capitalonline-mysql) | `CDS_SECRET_ID`, `CDS_SECRET_KEY` |
//! | `aliyun-rds` | `aliyun-rds` | [`aliyun_rds`](https://docs.rs/aliyun-rds) | the `aliyun-rds` environment chain |
//!
//! Each provider lives in its own module behind its feature ([`capitalonline`], [`aliyun`]),
//! with the same functions: `client(&Options)`, `list_backups`, `download_links`, and
//! `*_with` variants taking a client you built yourself (credentials in code, another HTTP
//! configuration). The top-level [`list_backups`] and [`download_links`] dispatch on a
//! [`Provider`]; a provider whose feature is off is a configuration error. Huawei Cloud RDS
//! and GaussDB will come the same way: one module and one feature each.
//!
//! The `cli` feature (default on) builds the `cloud-backup` binary, a thin layer over these
//! functions.
//!
//! # What the records hold
//!
//! * [`Backup`]: `provider`, `instance_id`, `backup_id` (always a string), `status` (the
//!   provider's value), `size_bytes` (bytes), `started_at` / `finished_at` (RFC 3339 with an
//!   offset; Capital Online's zone-less times are China Standard Time, UTC+08:00), `type`, and
//!   `raw`: the provider's record as it arrived, taken from the response body, not
//!   re-serialized from a typed value.
//! * [`DownloadLink`]: one per downloadable file: `url` (public), `intranet_url`, `size_bytes`.
//!
//! Listings are complete: every page is fetched (Alibaba Cloud: `PageSize` 100 until
//! `TotalRecordCount`) and a backup that shows up on two pages is kept once.
//!
//! # Errors
//!
//! Every function returns [`cloud_http::Error`], with the provider's code, message and request
//! id for service errors. Missing credentials are a configuration error naming the
//! environment variables; secrets never appear in errors.
//!
//! # Crate organization
//!
//! * [`model`]: [`Backup`], [`DownloadLink`], time and size normalization.
//! * [`Provider`] (`src/provider.rs`) and [`Options`] (here).
//! * [`capitalonline`], [`aliyun`]: one module per provider, each behind its feature.
//! * `src/main.rs`, `src/cli.rs`: the `cloud-backup` binary (feature `cli`).
//!
//! The tests in `tests/it/` run the binary against wiremock on 127.0.0.1 only.

pub mod model;
mod provider;

#[cfg(feature = "aliyun-rds")]
pub mod aliyun;
#[cfg(feature = "capitalonline-mysql")]
pub mod capitalonline;

pub use cloud_http::Error;
pub use model::{Backup, DownloadLink};
pub use provider::{ParseProviderError, Provider};

/// Where to send requests: the provider's region and an endpoint override. Credentials are not
/// here: they come from the environment (or from a client built with them, see the
/// provider modules' `*_with` functions).
///
/// ```
/// use cloud_backup::Options;
///
/// let options = Options::new().with_region("cn-hangzhou").with_endpoint("https://rds.aliyuncs.com");
/// assert_eq!(options.region.as_deref(), Some("cn-hangzhou"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The region. Its meaning depends on the provider: see [`Provider::region_help`].
    pub region: Option<String>,
    /// `scheme://host[:port]` replacing the provider's host; the provider's own path stays.
    /// It wins over the region's endpoint.
    pub endpoint: Option<String>,
}

impl Options {
    /// No region, no endpoint override: the providers' defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the region.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets the endpoint override (`scheme://host[:port]`).
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }
}

/// Every backup of `instance_id` on `provider`, all pages, each backup once.
///
/// Credentials come from the environment; see [`Provider`].
pub async fn list_backups(
    provider: Provider,
    options: &Options,
    instance_id: &str,
) -> Result<Vec<Backup>, Error> {
    match provider {
        #[cfg(feature = "capitalonline-mysql")]
        Provider::CapitalOnlineMysql => capitalonline::list_backups(options, instance_id).await,
        #[cfg(feature = "aliyun-rds")]
        Provider::AliyunRds => aliyun::list_backups(options, instance_id).await,
        #[allow(unreachable_patterns)]
        other => {
            let _ = (options, instance_id);
            Err(not_built(other))
        }
    }
}

/// The download links of backup `backup_id` of `instance_id` on `provider`: one per
/// downloadable file.
///
/// Fails when the backup does not exist or has no download URL now (e.g. still running).
pub async fn download_links(
    provider: Provider,
    options: &Options,
    instance_id: &str,
    backup_id: &str,
) -> Result<Vec<DownloadLink>, Error> {
    match provider {
        #[cfg(feature = "capitalonline-mysql")]
        Provider::CapitalOnlineMysql => {
            capitalonline::download_links(options, instance_id, backup_id).await
        }
        #[cfg(feature = "aliyun-rds")]
        Provider::AliyunRds => aliyun::download_links(options, instance_id, backup_id).await,
        #[allow(unreachable_patterns)]
        other => {
            let _ = (options, instance_id, backup_id);
            Err(not_built(other))
        }
    }
}

/// The error for a provider whose cargo feature is off.
fn not_built(provider: Provider) -> Error {
    Error::config(format!(
        "this build of cloud-backup does not include {provider}: enable the cargo feature \
         `{provider}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_left_out_of_the_build_is_a_config_error() {
        let error = not_built(Provider::AliyunRds);
        assert_eq!(error.kind(), cloud_http::ErrorKind::Config);
        assert_eq!(
            error.to_string(),
            "configuration error: this build of cloud-backup does not include aliyun-rds: \
             enable the cargo feature `aliyun-rds`"
        );
    }
}

/// Helpers shared by the provider modules.
#[cfg(any(feature = "capitalonline-mysql", feature = "aliyun-rds"))]
mod common {
    use cloud_http::{Error, RawResponse, ServiceError};
    use serde_json::Value;

    /// The body as JSON, with the transport's path-naming decode errors.
    pub(crate) fn body(raw: &RawResponse) -> Result<Value, Error> {
        raw.json::<Value>()
    }

    /// The records under `value`: an array's object elements, or one object (some APIs
    /// document a list as a dict); nothing for anything else.
    pub(crate) fn records(value: Option<&Value>) -> Vec<Value> {
        match value {
            Some(Value::Array(items)) => items.iter().filter(|v| v.is_object()).cloned().collect(),
            Some(object @ Value::Object(_)) => vec![object.clone()],
            _ => Vec::new(),
        }
    }

    /// The request id of a successful response: the body's `RequestId`, else the headers'.
    pub(crate) fn request_id(raw: &RawResponse, body: &Value) -> Option<String> {
        body.get("RequestId")
            .and_then(Value::as_str)
            .filter(|id| !id.trim().is_empty())
            .or_else(|| raw.request_id())
            .map(str::to_owned)
    }

    /// A service error that the response implies but no error code states (a missing backup,
    /// a backup that cannot be downloaded now), with the response's request id.
    pub(crate) fn unavailable(request_id: Option<String>, message: String) -> Error {
        let mut service = ServiceError::new().with_message(message);
        service.request_id = request_id;
        Error::service(None, service)
    }

    /// A byte count from a provider's signed integer: `None` when negative.
    pub(crate) fn bytes(size: Option<i64>) -> Option<u64> {
        size.and_then(|size| u64::try_from(size).ok())
    }

    /// A text field that is present and not blank, trimmed.
    pub(crate) fn non_empty(value: Option<String>) -> Option<String> {
        value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn byte_counts() {
            assert_eq!(bytes(Some(5)), Some(5));
            assert_eq!(bytes(Some(-1)), None);
            assert_eq!(bytes(None), None);
            assert_eq!(non_empty(Some("  ".into())), None);
            assert_eq!(non_empty(Some(" a ".into())).as_deref(), Some("a"));
        }
    }
}

/// Compiles the README's Rust example as a doctest, so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
