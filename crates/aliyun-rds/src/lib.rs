//! An async client for the backup APIs of Alibaba Cloud ApsaraDB RDS (API version
//! `2014-08-15`): list an instance's backup sets, page after page, with their download URLs.
//!
//! ```no_run
//! use aliyun_rds::{Client, DescribeBackupsRequest};
//! use futures::TryStreamExt;
//!
//! # async fn run() -> aliyun_rds::Result<()> {
//! // Credentials from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET or ~/.aliyun/config.json.
//! let client = Client::from_env()?;
//! let request = DescribeBackupsRequest::new("rm-uf6wjk5xxxxxxx").with_backup_status("Success");
//! let mut backups = client.backups(request);
//! while let Some(backup) = backups.try_next().await? {
//!     println!(
//!         "{} {} {} bytes",
//!         backup.backup_id.as_deref().unwrap_or("?"),
//!         backup.backup_start_time.as_deref().unwrap_or("?"),
//!         backup.backup_size.unwrap_or_default(),
//!     );
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Configuration
//!
//! A [`Config`] holds the credentials, the region (default `cn-hangzhou`), an optional
//! endpoint override, the [`SignatureVersion`] and the [`HttpConfig`] (timeouts, retries,
//! clock, nonce source). [`Client::new`] takes one; [`Client::from_env`] builds it from the
//! environment.
//!
//! ## Credentials
//!
//! Either explicit, [`Config::new`]`(`[`Credentials::new`]`(id, secret))` (add
//! [`Credentials::with_security_token`] for temporary STS credentials), or found by
//! [`Config::from_env`] in the order of the official default chain:
//!
//! 1. **environment variables** `ALIBABA_CLOUD_ACCESS_KEY_ID` and `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
//!    with `ALIBABA_CLOUD_SECURITY_TOKEN` for STS credentials;
//! 2. **an OIDC role** (RRSA on ACK), when `ALIBABA_CLOUD_ROLE_ARN`,
//!    `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all set: STS
//!    `AssumeRoleWithOIDC` with the token file's content (read again at every refresh;
//!    `ALIBABA_CLOUD_ROLE_SESSION_NAME` names the session);
//! 3. **the aliyun CLI's `~/.aliyun/config.json`**: the profile named by `ALIBABA_CLOUD_PROFILE`,
//!    else the file's `current` one, in mode `AK`, `StsToken`, `RamRoleArn` (STS `AssumeRole`
//!    signed with the profile's key: `ram_role_arn`, `ram_session_name`, `expired_seconds`),
//!    `ChainableRamRoleArn` (`AssumeRole` signed with the current keys of `source_profile`, any
//!    mode above), `EcsRamRole` (`ram_role_name`) or `OIDC` (`ram_role_arn`, `oidc_provider_arn`,
//!    `oidc_token_file`); other modes (`CloudSSO`, `OAuth`, `External`: interactive sign-ins) are
//!    refused naming the mode.
//!    `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true` skips the file;
//! 4. **the ECS instance's RAM role** from the metadata service at `100.100.100.200` (an IMDSv2
//!    token first, without one unless `ALIBABA_CLOUD_IMDSV1_DISABLED=true`; the role named by
//!    `ALIBABA_CLOUD_ECS_METADATA`, else asked), unless `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`;
//! 5. **a credentials URI**, `ALIBABA_CLOUD_CREDENTIALS_URI` (a `GET` answering `AccessKeyId`,
//!    `AccessKeySecret`, `SecurityToken`, `Expiration`).
//!
//! Steps 4 and 5 are asked when the first request needs credentials (not when the configuration
//! is made); the first that answers is kept. Temporary credentials (steps 2 to 5) are fetched
//! again before they expire — 15 minutes before, or a third of their lifetime for short ones —
//! by one task while the others wait, so every request is signed with a valid token. STS is
//! `sts.aliyuncs.com`, or `sts[-vpc].<region>.aliyuncs.com` with `ALIBABA_CLOUD_STS_REGION` (and
//! `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`), as the official libraries choose it;
//! `ALIBABA_CLOUD_STS_ENDPOINT` and `ALIBABA_CLOUD_ECS_METADATA_ENDPOINT` (ours: the official
//! libraries set these only in code) replace the STS endpoint and the metadata service's address,
//! which is how the tests point them at the sandbox. The official libraries' INI file
//! (`~/.alibabacloud/credentials`) is not read. `Config::credential_provider()` says which source
//! supplied the credentials and when they expire.
//!
//! The region comes from `ALIBABA_CLOUD_REGION_ID`, else the profile's `region_id`.
//! [`Config::from_env_with`] runs the same chain with the variables and the home directory
//! passed in. A secret never appears in a `Debug` output, a log line or an error.
//!
//! ## Endpoints
//!
//! As in the official SDK's endpoint map: the central regions (`cn-hangzhou`, `cn-shanghai`,
//! `cn-beijing`, `cn-shenzhen`, `cn-qingdao`, `cn-hongkong`, `ap-southeast-1`, `us-west-1`,
//! `us-east-1` and the financial and internal ones) use `https://rds.aliyuncs.com`,
//! `cn-hangzhou-finance` uses `https://rds-vpc.cn-hangzhou-finance.aliyuncs.com`, and every
//! other region `https://rds.<region>.aliyuncs.com` (e.g. `rds.eu-central-1.aliyuncs.com`).
//! [`Config::with_endpoint`] overrides it with `scheme://host[:port]` (a VPC endpoint, a
//! proxy, a test server); requests always go to the path `/`.
//!
//! ## Signatures
//!
//! [`SignatureVersion::V3`] (the default) signs as the official SDK 16.0.2 sends RDS calls:
//! `POST https://<endpoint>/?<action parameters>` with an empty body and the `x-acs-action`,
//! `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256`
//! (`x-acs-security-token` with STS) and `Authorization: ACS3-HMAC-SHA256 ...` headers.
//! [`SignatureVersion::V2`] sends the older RPC form: `GET` with `Action`, `Version`,
//! `Format=JSON`, the signature parameters and `Signature` in the query string. Each attempt,
//! retries included, is signed afresh with a new timestamp and nonce.
//!
//! # Paging
//!
//! [`Client::describe_backups`] returns one page; [`Client::backups`] is a lazy
//! [`Stream`](futures::Stream) of the backups of every page, which stops at
//! `TotalRecordCount`, never yields a backup twice, and stops on an empty or repeated page.
//! [`Client::backup_records`] pages the same way (the same code) and yields each backup as a
//! [`Record`]: typed, and as received.
//!
//! # Errors
//!
//! Every operation returns [`Result`], whose error is [`cloud_http::Error`] (re-exported as
//! [`Error`]): [`kind()`](Error::kind) says whether the request could not be built
//! ([`ErrorKind::Config`], e.g. an invalid `PageSize`, checked before sending), sent
//! ([`ErrorKind::Transport`], [`ErrorKind::Timeout`]), was refused by the service
//! ([`ErrorKind::Service`], with the provider's [`code()`](Error::code),
//! [`message()`](Error::message), [`request_id()`](Error::request_id), and `HostId` and
//! `Recommend` in [`extra_field()`](Error::extra_field)), or came back in a shape that could
//! not be read ([`ErrorKind::Decode`]). [`Error::is_throttling`], [`Error::is_auth`],
//! [`Error::is_not_found`] and [`Error::is_retryable`] classify it. Throttling
//! (`Throttling.*`), `ServiceUnavailable`, `InternalError` and HTTP 5xx are retried (3 attempts
//! by default); signature and validation errors are not.
//!
//! # Crate organization
//!
//! * [`Client`] (`src/client.rs`): signs and sends the operations, checks requests,
//!   [`Client::backups`] and [`Client::backup_records`] page.
//! * [`Config`], [`SignatureVersion`] (`src/config.rs`): settings with `with_*` setters;
//!   the credential chain of [`Config::from_env`] is in the private `credentials` module and
//!   the region to endpoint table in the private `endpoint` module.
//! * [`generated`]: the request and response types ([`DescribeBackupsRequest`],
//!   [`DescribeBackupsResponse`], [`Backup`], [`ErrorBody`], ...), re-exported at the crate
//!   root. They are generated from `fixtures/aliyun-rds/` by `cargo xtask codegen`; never edit
//!   them by hand. Responses decode leniently: numbers sent as strings and the reverse, missing
//!   fields and unknown members are all accepted.
//! * Re-exports from the shared runtime [`cloud_http`] ([`Error`], [`ErrorKind`],
//!   [`HttpConfig`], [`RetryPolicy`], [`Clock`], [`NonceSource`], [`RawResponse`], [`Record`]) and from
//!   the signer [`cloud_signer`] ([`Credentials`]), so users need no other crate.
//!
//! The integration tests (`tests/it/`) run the client against wiremock on 127.0.0.1: the exact
//! V2 and V3 signatures of the reference vectors, paging, retries, errors and credentials.

pub mod generated;

mod client;
mod config;
mod credentials;
mod endpoint;
mod identity;
mod operations;

pub use generated::*;

pub use client::Client;
pub use cloud_http::{
    Clock, Error, ErrorKind, HttpConfig, NonceSource, RawResponse, Record, RetryPolicy,
};
pub use cloud_signer::Credentials;
pub use config::{Config, SignatureVersion};

/// The result of every operation of this crate; the error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The README's examples compile as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
