//! The parts shared by the Huawei Cloud clients of the cloud backup SDK (`huaweicloud-rds`,
//! `huaweicloud-gaussdb`), written once.
//!
//! You normally use this crate through one of those: their `Config` is this crate's
//! [`Config`], and their clients are thin layers over [`ServiceClient`].
//!
//! * **Signing**: every attempt is signed afresh with `SDK-HMAC-SHA256`
//!   ([`cloud_signer::huawei`]), sending `X-Project-Id`, `X-Security-Token` (temporary
//!   credentials), `X-Sdk-Date` and `Authorization`. `Content-Type: application/json` is sent
//!   and signed on every request, as the official SDK does; `User-Agent` is not signed.
//! * **Requests**: [`OperationRequest`] (method, path template, path/query/header parameters)
//!   becomes a signed `reqwest::Request` with `{project_id}` and the path parameters
//!   substituted and percent-encoded, and the query sorted and encoded as the signer
//!   canonicalizes it.
//! * **Errors**: each service crate reads its errors with its own `ERROR_FORMAT` (a
//!   [`cloud_http::ErrorFormat`] generated from its `error.json` model: `error_code` /
//!   `error_msg` and the SDK's other shapes, the request id from `X-Request-Id`, `APIG.0308`
//!   and `APIGW.0308` as throttling), handed over with [`Service::with_error_format`]; HTTP
//!   429 is throttling whatever the format ([`cloud_http::Error::is_throttling`]).
//! * **Credentials**: explicit, or the chain of [`credentials`]: `HUAWEICLOUD_SDK_AK`,
//!   `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`, `HUAWEICLOUD_SDK_PROJECT_ID`, then
//!   the `[basic]` section of `~/.huaweicloud/credentials` (the official SDKs' names).
//! * **Endpoints**: [`Service::RDS`] and [`Service::GAUSSDB`] hold the region tables of the
//!   official SDK's region files; an unknown region is a configuration error that says to set
//!   the endpoint explicitly ([`Config::with_endpoint`]): no endpoint is guessed, since
//!   GaussDB's host prefix differs from region to region.
//! * **Paging**: [`ServiceClient::listing`] pages an operation whose generated types implement
//!   [`cloud_http::PagedRequest`] and [`cloud_http::Paged`] (both services' `offset`, `limit`
//!   and `total_count`) through the one paginator of `cloud-http`, typed or as
//!   [`cloud_http::Records`].
//! * **Values**: [`convert`] turns the sizes (kB, or `"74464.0"` with a unit) and times
//!   (`2018-08-06T12:41:14+0800`, `2026-01-04 17:30:30` with `UTC+08:00`) into typed values.
//!
//! # Example
//!
//! ```no_run
//! use huaweicloud_core::{Config, OperationRequest, Service, ServiceClient};
//!
//! # async fn run() -> huaweicloud_core::Result<()> {
//! let config = Config::from_env()?.with_region("cn-north-4");
//! let client = ServiceClient::new(config, Service::RDS)?;
//! let request = OperationRequest::new("ListBackups", "GET", "/v3/{project_id}/backups")
//!     .with_query_params(vec![("instance_id", "43e4feaab48f11e89039fa163ebaa7e4br01".to_owned())]);
//! let body: serde_json::Value = client.send_json(&request).await?;
//! println!("{body}");
//! # Ok(())
//! # }
//! ```
//!
//! # Crate organization
//!
//! * [`Config`] (`src/config.rs`): credentials, project id, region, endpoint override, HTTP
//!   settings; [`Config::from_env`] and [`Config::from_env_with`].
//! * [`credentials`] (`src/credentials.rs`): the credentials chain and its variable names,
//!   with an INI reader for the credentials file.
//! * [`Service`], [`Endpoint`] (`src/endpoint.rs`): the region tables and endpoint parsing.
//! * [`OperationRequest`] (`src/request.rs`): one operation's parts, and its path.
//! * [`ServiceClient`] (`src/client.rs`): signing, building and sending.
//! * [`convert`] (`src/convert.rs`): sizes and times.
//! * [`validate`] (`src/validate.rs`): the parameter checks made before sending.
//!
//! The tests (`tests/it/`) check the wire signature against the reference vector (providers.md
//! H3) and the credentials chain against temporary directories, without network access.

mod client;
mod config;
pub mod convert;
pub mod credentials;
mod endpoint;
mod identity;
mod request;
pub mod validate;

pub use client::{CONTENT_TYPE, ServiceClient};
pub use cloud_http::{Error, ErrorKind};
pub use cloud_signer::Credentials;
pub use config::Config;
pub use endpoint::{Endpoint, Service};
pub use request::OperationRequest;
pub use validate::MAX_LIMIT;

/// What the macros of this crate name in the crates that use them.
#[doc(hidden)]
pub mod macro_support {
    pub use cloud_http::{Record, Records};
    pub use futures::Stream;
}

/// The result of every fallible function of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Compiles the README's example as a doctest, so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
