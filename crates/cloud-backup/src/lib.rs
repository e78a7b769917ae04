//! List and download database backups on several clouds, with one provider-neutral record
//! shape: the library behind the `cloud-backup` command, and an embedded sandbox to try it
//! without an account.
//!
//! ```no_run
//! use cloud_backup::{Client, DownloadOptions, Options, Provider};
//!
//! # async fn run() -> Result<(), cloud_http::Error> {
//! // Credentials come from the environment (CDS_SECRET_ID / CDS_SECRET_KEY for Capital Online,
//! // the aliyun-rds crate's chain for Alibaba Cloud, HUAWEICLOUD_SDK_AK / _SK for Huawei Cloud),
//! // or from `Options::with_credentials`.
//! let options = Options::new().with_region("cn-hangzhou");
//! let client = Client::new(Provider::AliyunRds, &options)?;
//! let backups = client.list_backups("rm-uf6wjk5xxxxxxx").await?;
//! for backup in &backups {
//!     println!("{} {:?} {:?}", backup.backup_id, backup.status, backup.size_bytes);
//! }
//! // Streamed, resumed after faults, verified against the sizes announced, then renamed.
//! let files = client
//!     .download("rm-uf6wjk5xxxxxxx", &backups[0].backup_id, "backup.tar.gz".as_ref(), &DownloadOptions::new())
//!     .await?;
//! println!("{} bytes, sha256 {}", files[0].bytes, files[0].sha256);
//!
//! // One call without a client; Huawei Cloud needs a region and a project id (or
//! // HUAWEICLOUD_SDK_REGION / _PROJECT_ID).
//! let options = Options::new()
//!     .with_region("cn-north-4")
//!     .with_project_id("0483b6b16e954cb88930a360d2c4e663");
//! let backups = cloud_backup::list_backups(
//!     Provider::HuaweiCloudRds,
//!     &options,
//!     "43e4feaab48f11e89039fa163ebaa7e4in01",
//! )
//! .await?;
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
//! | `huaweicloud-rds` | `huaweicloud-rds` | [`huaweicloud_rds`](https://docs.rs/huaweicloud-rds) | `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` (+ `HUAWEICLOUD_SDK_SECURITY_TOKEN`), or `~/.huaweicloud/credentials`; project id and region too |
//! | `huaweicloud-gaussdb` | `huaweicloud-gaussdb` | [`huaweicloud_gaussdb`](https://docs.rs/huaweicloud-gaussdb) | as `huaweicloud-rds` |
//!
//! The other features, default on: `sandbox` (the embedded simulator, [`sandbox`]),
//! `object-store` (`s3://`, `oss://`, `obs://` destinations of [`sync`] through OpenDAL,
//! `store`) and `cli` (the `cloud-backup` binary, a thin layer over this library).
//!
//! # One interface for every service
//!
//! * [`BackupService`] ([`service`]) is the seam: each provider module implements it once for
//!   its client crate's `Client`, and [`service::connect`] is the one place a [`Provider`]
//!   becomes a service. What a provider's files are like (size unit, MD5 ETags, an API
//!   checksum) is one value per provider, [`Provider::file_facts`].
//! * [`Client`]: one service behind `list_backups`, `download_links` and `download`, built
//!   from [`Options`], converted from a provider crate's client you configured yourself, or
//!   from any [`BackupService`] ([`Client::from_service`]).
//! * The free functions [`list_backups`], [`download_links`] and [`download`] do the same
//!   for one call each (a [`Client`] each time); [`download_files`] downloads links you
//!   already have.
//! * Each provider's module behind its feature ([`capitalonline`], [`aliyun`],
//!   [`huawei_rds`], [`huawei_gaussdb`]) has `client(&Options)`, `list_backups_with`,
//!   `download_links_with` (taking its client crate's client) and `backup_from_record`.
//!
//! A provider whose feature is off is a configuration error. GaussDB for MySQL has no
//! download-link API: its `download_links` (and so `download`) is an error that says so and
//! names the alternatives.
//!
//! # Downloads
//!
//! [`download`] and [`Client::download`] fetch a backup's link(s) from the provider's API, then
//! stream each file with [`cloud_http::download`]: constant memory, `Range` resume after
//! faults (only of a `.part` whose resume record proves it is the same object), a restart
//! when the server ignores ranges, bounded retries, a new link from the API when one expires
//! mid-transfer, and `<dest>.part` renamed over `<dest>` only when verified: the size against
//! `Content-Length` / `Content-Range` and the API (before the body is read; Huawei Cloud RDS
//! reports kB, so there within 1 KiB of `kB × 1024`), and every checksum the storage sends
//! (`x-oss-hash-crc64ecma`, `Content-MD5`, OBS MD5 `ETag`s) plus Alibaba Cloud's `Checksum`
//! as an advisory check, all computed while streaming. An existing file replaced with
//! [`DownloadOptions::overwrite`] stays until then. See [`download_files`] for where files go
//! (one file, or a directory for several) and [`DownloadOptions`] for overwriting, retries,
//! timeouts and progress. Each file written is a [`DownloadedFile`]: path, bytes, SHA-256,
//! what was verified, and the host it came from (never the signed link).
//!
//! # What the records hold
//!
//! * [`Backup`]: `provider`, `instance_id`, `backup_id` (always a string), `status` (the
//!   provider's value), `size_bytes` (bytes: Huawei Cloud's kB are multiplied by 1024, and
//!   GaussDB's `size_unit` is honoured), `started_at` / `finished_at` (RFC 3339 with an
//!   offset; Capital Online's zone-less times are China Standard Time, UTC+08:00; Huawei
//!   Cloud's keep their offset, GaussDB's are read in the record's `time_zone`; GaussDB sends
//!   no end time, so its `finished_at` is `null`), `type`, and `raw`: the provider's record as
//!   it arrived, taken from the response body, not re-serialized from a typed value.
//! * [`DownloadLink`]: one per downloadable file: `url` (public), `intranet_url`, `name`,
//!   `size_bytes`, `expires_at`.
//!
//! Listings are complete: every page is fetched (Alibaba Cloud: `PageSize` 100 until
//! `TotalRecordCount`; Huawei Cloud: `limit` 100 until `total_count`) and a backup that shows
//! up on two pages is kept once. The paging is the client crates' own (their `*_records`
//! streams), the same code as their typed streams.
//!
//! # The sandbox
//!
//! With the `sandbox` feature, [`sandbox`] re-exports [`cloud_sandbox`]'s `Sandbox` (the four
//! services simulated on 127.0.0.1: signatures checked, paging, quirks, downloadable files,
//! faults) and points this crate at it: [`sandbox::client`] and [`sandbox::options`] use the
//! demo credentials and the sandbox's endpoint, reading nothing from the environment.
//!
//! # Errors
//!
//! Every function returns [`cloud_http::Error`], with the provider's code, message and request
//! id for service errors. Missing credentials are a configuration error naming the
//! environment variables; secrets never appear in errors, nor does a signed link's query
//! string.
//!
//! # Crate organization
//!
//! * [`model`]: [`Backup`], [`DownloadLink`], time and size normalization.
//! * [`Provider`] (`src/provider.rs`) and [`Options`] (here); [`Client`] (`src/client.rs`).
//! * `src/transfer.rs`: downloads ([`download_files`], [`DownloadOptions`],
//!   [`DownloadedFile`]): destinations, file names, size checks.
//! * [`capitalonline`], [`aliyun`], [`huawei_rds`], [`huawei_gaussdb`]: one module per
//!   provider, each behind its feature; `src/common.rs`: what they share (e.g. applying
//!   [`Options`] to a Huawei Cloud configuration).
//! * [`sandbox`]: the embedded sandbox (feature `sandbox`).
//! * `src/main.rs`, `src/cli.rs`: the `cloud-backup` binary (feature `cli`).
//!
//! The tests in `tests/it/` run the binary (and the library, where a test needs it) against
//! wiremock and `cloud_sandbox::Sandbox` on 127.0.0.1 only.

pub mod audit;
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
mod provider;
pub mod records;
mod setters;

#[cfg(feature = "aliyun-rds")]
pub mod aliyun;
#[cfg(feature = "capitalonline-mysql")]
pub mod capitalonline;
mod client;
#[cfg(any(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod common;
mod content;
pub mod fleet;
#[cfg(feature = "huaweicloud-gaussdb")]
pub mod huawei_gaussdb;
#[cfg(feature = "huaweicloud-rds")]
pub mod huawei_rds;
mod logs;
pub mod manual;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod service;
#[cfg(feature = "object-store")]
pub mod store;
pub mod sync;
mod transfer;
mod unpack;
pub mod whoami;

use std::path::Path;
use std::time::Duration;

use crate::setters::option_setters;

pub use client::Client;
pub use cloud_http::{DownloadOutcome, Error, ErrorKind, Progress, RetryPolicy};
pub use cloud_provider::{Capability, Lack};
pub use cloud_signer::Credentials;
pub use logs::{download_log_files, list_log_files};
pub use manual::{CreatedBackup, WaitOptions};
pub use model::{Backup, DownloadLink};
pub use provider::{
    FileFacts, ParseProviderError, Provider, SizeUnit, enabled_providers, is_enabled,
};
pub use records::{BackupPolicy, Instance, LogFile, RestoreWindow, TimeRange, log_gaps};
pub use service::BackupService;
pub use service::discover_project_id;
pub use transfer::{DownloadOptions, DownloadedFile, ProgressFactory, download_files};
pub use whoami::{Identity, whoami};

/// Where to send requests and as whom: the provider's region, an endpoint override, for Huawei
/// Cloud the project id, and optionally the credentials (by default they come from the
/// provider's environment chain).
///
/// ```
/// use cloud_backup::{Credentials, Options};
///
/// let options = Options::new().with_region("cn-hangzhou").with_endpoint("https://rds.aliyuncs.com");
/// assert_eq!(options.region.as_deref(), Some("cn-hangzhou"));
///
/// // Credentials in code instead of the environment (Debug never shows the secret).
/// let options = options.with_credentials(Credentials::new("LTAI5tExample", "my-secret"));
/// assert!(!format!("{options:?}").contains("my-secret"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The region. Its meaning depends on the provider: see [`Provider::region_help`].
    pub region: Option<String>,
    /// `scheme://host[:port]` replacing the provider's host; the provider's own path stays.
    /// It wins over the region's endpoint.
    pub endpoint: Option<String>,
    /// Huawei Cloud only: the project id (part of every request path), replacing
    /// `HUAWEICLOUD_SDK_PROJECT_ID` and the credentials file's. The other providers have no
    /// project and ignore it.
    pub project_id: Option<String>,
    /// The access key pair (and security token) to sign with. `None` (the default): the
    /// provider's environment chain (see [`Provider`]). When set, the environment is not read
    /// at all, so for Huawei Cloud set the project id and the region (or endpoint) here too.
    pub credentials: Option<Credentials>,
    /// The longest wait for a connection to the provider's API. `None`: the runtime's default
    /// (10 s).
    pub connect_timeout: Option<Duration>,
    /// The longest wait for one attempt of an API call (the whole response). `None`: the
    /// runtime's default (60 s).
    pub timeout: Option<Duration>,
    /// Attempts per API call, the first included (1: no retry). `None`: the runtime's default
    /// (3). Calls are retried only on connection errors, timeouts, throttling and 5xx.
    pub max_attempts: Option<u32>,
    /// The retry policy of API calls (backoff, retries after throttling); `None`: the
    /// runtime's default. [`max_attempts`](Self::max_attempts), when set, replaces its
    /// attempts.
    pub retry: Option<RetryPolicy>,
}

impl Options {
    /// No region, no endpoint override, credentials from the environment: the providers'
    /// defaults.
    pub fn new() -> Self {
        Self::default()
    }

    option_setters! {
        /// Sets the region.
        with_region(region: impl Into<String>);

        /// Sets the endpoint override (`scheme://host[:port]`).
        with_endpoint(endpoint: impl Into<String>);

        /// Sets the Huawei Cloud project id.
        with_project_id(project_id: impl Into<String>);

        /// Sets the credentials, instead of the environment's.
        with_credentials(credentials: Credentials);

        /// Sets the longest wait for a connection.
        with_connect_timeout(connect_timeout: Duration);

        /// Sets the longest wait for one attempt of an API call.
        with_timeout(timeout: Duration);

        /// Sets the attempts per API call (1: no retry).
        with_max_attempts(max_attempts: u32);

        /// Sets the retry policy of API calls.
        with_retry(retry: RetryPolicy);
    }

    /// `http` with these options' timeouts and attempts (what every provider client built
    /// from these options uses). The operation timeout (the whole call, retries included)
    /// grows to fit the attempts asked for.
    ///
    /// ```
    /// use std::time::Duration;
    /// use cloud_backup::Options;
    ///
    /// let options = Options::new().with_timeout(Duration::from_secs(5)).with_max_attempts(2);
    /// let http = options.http_config(&cloud_http::HttpConfig::default());
    /// assert_eq!(http.attempt_timeout, Duration::from_secs(5));
    /// assert_eq!(http.retry.max_attempts, 2);
    /// ```
    pub fn http_config(&self, http: &cloud_http::HttpConfig) -> cloud_http::HttpConfig {
        let mut http = http.clone();
        if let Some(timeout) = self.connect_timeout {
            http = http.with_connect_timeout(timeout);
        }
        if let Some(timeout) = self.timeout {
            http = http.with_attempt_timeout(timeout);
        }
        if let Some(retry) = &self.retry {
            http = http.with_retry(retry.clone());
        }
        if let Some(attempts) = self.max_attempts {
            let retry = http.retry.clone().with_max_attempts(attempts);
            http = http.with_retry(retry);
        }
        let needed = http
            .attempt_timeout
            .saturating_mul(http.retry.max_attempts)
            .saturating_add(
                http.retry
                    .max_backoff
                    .saturating_mul(http.retry.max_attempts),
            );
        if needed > http.operation_timeout {
            http = http.with_operation_timeout(needed);
        }
        http
    }
}

/// The account's MySQL instances on `provider` (see [`Client::list_instances`]).
pub async fn list_instances(provider: Provider, options: &Options) -> Result<Vec<Instance>, Error> {
    Client::new(provider, options)?.list_instances().await
}

/// The automated backup policy of `instance_id` on `provider` (see
/// [`Client::backup_policy`]); an error, before any credential is read, when the provider
/// has no API for it.
pub async fn backup_policy(
    provider: Provider,
    options: &Options,
    instance_id: &str,
) -> Result<BackupPolicy, Error> {
    service::require(provider, Capability::ReadBackupPolicy)?;
    Client::new(provider, options)?
        .backup_policy(instance_id)
        .await
}

/// The time ranges a point-in-time restore of `instance_id` on `provider` can reach (see
/// [`Client::restore_window`]); an error, before any credential is read, when the provider
/// has no API for it.
pub async fn restore_window(
    provider: Provider,
    options: &Options,
    instance_id: &str,
) -> Result<RestoreWindow, Error> {
    service::require(provider, Capability::RestoreWindow)?;
    Client::new(provider, options)?
        .restore_window(instance_id)
        .await
}

/// Every backup of `instance_id` on `provider`, all pages, each backup once.
///
/// Credentials come from the environment; see [`Provider`]. The same as
/// [`Client::new`]`(provider, options)?.`[`list_backups`](Client::list_backups)`(instance_id)`.
pub async fn list_backups(
    provider: Provider,
    options: &Options,
    instance_id: &str,
) -> Result<Vec<Backup>, Error> {
    Client::new(provider, options)?
        .list_backups(instance_id)
        .await
}

/// The download links of backup `backup_id` of `instance_id` on `provider`: one per
/// downloadable file.
///
/// Fails when the backup does not exist or has no download URL now (e.g. still running), and
/// always for GaussDB for MySQL, which has no download-link API.
pub async fn download_links(
    provider: Provider,
    options: &Options,
    instance_id: &str,
    backup_id: &str,
) -> Result<Vec<DownloadLink>, Error> {
    service::downloadable(provider, instance_id, backup_id)?;
    Client::new(provider, options)?
        .download_links(instance_id, backup_id)
        .await
}

/// Downloads backup `backup_id` of `instance_id` on `provider` to `out`: the backup's download
/// links ([`download_links`]: Capital Online `DownloadBackup`, Alibaba Cloud
/// `BackupDownloadURL`, Huawei Cloud RDS `ListBackupFiles`; GaussDB for MySQL has none), then
/// each file, streamed, resumed after faults and verified; see [`download_files`] for where
/// the files go and what is checked. Returns one [`DownloadedFile`] per file.
///
/// ```no_run
/// use cloud_backup::{DownloadOptions, Options, Provider};
///
/// # async fn run() -> Result<(), cloud_backup::Error> {
/// let files = cloud_backup::download(
///     Provider::CapitalOnlineMysql,
///     &Options::new(),
///     "0f3c5b4e-1234-4abc-9def-0123456789ab",
///     "b-20240101",
///     "backup.tar.gz".as_ref(),
///     &DownloadOptions::new(),
/// )
/// .await?;
/// println!("{} bytes, sha256 {}", files[0].bytes, files[0].sha256);
/// # Ok(())
/// # }
/// ```
pub async fn download(
    provider: Provider,
    options: &Options,
    instance_id: &str,
    backup_id: &str,
    out: &Path,
    download: &DownloadOptions,
) -> Result<Vec<DownloadedFile>, Error> {
    service::downloadable(provider, instance_id, backup_id)?;
    Client::new(provider, options)?
        .download(instance_id, backup_id, out, download)
        .await
}

/// The error for a provider whose cargo feature is off.
pub(crate) fn not_built(provider: Provider) -> Error {
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

/// Compiles the README's Rust example as a doctest, so it stays true.
/// (Its examples use every provider and the sandbox: the default features.)
#[cfg(all(
    doctest,
    feature = "sandbox",
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
