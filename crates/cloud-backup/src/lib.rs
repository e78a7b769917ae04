//! List database backups and get their download links on several clouds, with one
//! provider-neutral record shape: the library behind the `cloud-backup` command.
//!
//! ```no_run
//! use cloud_backup::{Options, Provider};
//!
//! # async fn run() -> Result<(), cloud_http::Error> {
//! // Credentials come from the environment (CDS_SECRET_ID / CDS_SECRET_KEY for Capital Online,
//! // the aliyun-rds crate's chain for Alibaba Cloud, HUAWEICLOUD_SDK_AK / _SK for Huawei Cloud).
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
//!
//! // Huawei Cloud: a region and a project id (or HUAWEICLOUD_SDK_REGION / _PROJECT_ID).
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
//! Each provider lives in its own module behind its feature ([`capitalonline`], [`aliyun`],
//! [`huawei_rds`], [`huawei_gaussdb`]), with the same functions: `client(&Options)`,
//! `list_backups`, `download_links`, and `*_with` variants taking a client you built yourself
//! (credentials in code, another HTTP configuration). The top-level [`list_backups`] and
//! [`download_links`] dispatch on a [`Provider`]; a provider whose feature is off is a
//! configuration error. GaussDB for MySQL has no download-link API: its `download_links`
//! is an error that says so and names the alternatives.
//!
//! The `cli` feature (default on) builds the `cloud-backup` binary, a thin layer over these
//! functions.
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
//! * [`capitalonline`], [`aliyun`], [`huawei_rds`], [`huawei_gaussdb`]: one module per
//!   provider, each behind its feature; `src/common.rs`: what they share (e.g. applying
//!   [`Options`] to a Huawei Cloud configuration).
//! * `src/main.rs`, `src/cli.rs`: the `cloud-backup` binary (feature `cli`).
//!
//! The tests in `tests/it/` run the binary against wiremock on 127.0.0.1 only.

pub mod model;
mod provider;

#[cfg(feature = "aliyun-rds")]
pub mod aliyun;
#[cfg(feature = "capitalonline-mysql")]
pub mod capitalonline;
#[cfg(any(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod common;
#[cfg(feature = "huaweicloud-gaussdb")]
pub mod huawei_gaussdb;
#[cfg(feature = "huaweicloud-rds")]
pub mod huawei_rds;

pub use cloud_http::Error;
pub use model::{Backup, DownloadLink};
pub use provider::{ParseProviderError, Provider};

/// Where to send requests: the provider's region, an endpoint override, and for Huawei Cloud
/// the project id. Credentials are not here: they come from the environment (or from a client
/// built with them, see the provider modules' `*_with` functions).
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
    /// Huawei Cloud only: the project id (part of every request path), replacing
    /// `HUAWEICLOUD_SDK_PROJECT_ID` and the credentials file's. The other providers have no
    /// project and ignore it.
    pub project_id: Option<String>,
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

    /// Sets the Huawei Cloud project id.
    #[must_use]
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
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
        #[cfg(feature = "huaweicloud-rds")]
        Provider::HuaweiCloudRds => huawei_rds::list_backups(options, instance_id).await,
        #[cfg(feature = "huaweicloud-gaussdb")]
        Provider::HuaweiCloudGaussDb => huawei_gaussdb::list_backups(options, instance_id).await,
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
/// Fails when the backup does not exist or has no download URL now (e.g. still running), and
/// always for GaussDB for MySQL, which has no download-link API.
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
        #[cfg(feature = "huaweicloud-rds")]
        Provider::HuaweiCloudRds => {
            huawei_rds::download_links(options, instance_id, backup_id).await
        }
        #[cfg(feature = "huaweicloud-gaussdb")]
        Provider::HuaweiCloudGaussDb => {
            huawei_gaussdb::download_links(options, instance_id, backup_id).await
        }
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

/// Compiles the README's Rust example as a doctest, so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
