//! An in-process simulator of the database-backup APIs of Capital Online (MySQL), Alibaba
//! Cloud (ApsaraDB RDS) and Huawei Cloud (RDS, GaussDB for MySQL), on 127.0.0.1.
//!
//! Start a [`Sandbox`], point any client at [`Sandbox::endpoint`] with the
//! [demo credentials](demo_credentials), and it answers like the real gateways do:
//!
//! * **Every signature is verified** with `cloud-signer`, exactly as the gateways compute
//!   it (Capital Online and Alibaba Cloud RPC HMAC-SHA1 with their own keys, Alibaba Cloud
//!   `ACS3-HMAC-SHA256` with `x-acs-content-sha256` checked against the body, Huawei Cloud
//!   `SDK-HMAC-SHA256` over the `Host` header received). A wrong key, a replayed nonce or a
//!   timestamp more than 15 minutes off gets the provider's own error code and body shape.
//! * **Paging** follows each API: Alibaba Cloud `PageSize` 30, 50 or 100 only and
//!   `PageNumber`; Huawei Cloud `offset` and `limit` 1 to 100 with `total_count`; Capital
//!   Online returns everything at once.
//! * **The field-type quirks** of the real responses are there: Alibaba Cloud `BackupId` and
//!   `HostInstanceID` as numbers, `TotalRecordCount` a string on even pages; Capital Online
//!   times without a zone and `BackupSize` a number; Huawei RDS sizes in KB and `+0800`
//!   times; GaussDB `size` as `"74464.0"` and `total_count` as a string.
//! * **Backup files** download from links that look like signed object-storage links,
//!   with `Range` (206, 416), `Content-Length` and `Accept-Ranges`. They are **real archives**
//!   of the formats the services ship ([`FileLayout`]): Alibaba Cloud's `_qp.xb` (xbstream of
//!   qpress files), Huawei Cloud's `.qp` (qpress of an xbstream), Capital Online's `.tar.gz`
//!   (a physical backup directory, or a `mydumper` dump), laid out like xtrabackup's
//!   (`ibdata1`, `.ibd` files, `backup-my.cnf`, `xtrabackup_checkpoints`, `xtrabackup_info`),
//!   with every checksum inside them right. Their bytes are computed from the backup id and
//!   the offset ([`BackupFile::content`]), so a file of gigabytes costs nothing, at exactly
//!   the size the API reports. Binlog files are random bytes ([`content`]). Files carry the
//!   checksums the object stores send: `x-oss-hash-crc64ecma` for Alibaba Cloud
//!   ([`BackupFile::crc64`], also `DescribeBackups`' `Checksum`), an MD5 `ETag` for Huawei
//!   Cloud ([`BackupFile::md5_hex`]).
//! * **Faults** on demand ([`Faults`]): throttling, 5xx errors, requests never answered,
//!   downloads cut mid-body or with a byte flipped, `Range` ignored, links that expire after
//!   a number of uses or seconds, backups damaged at the source (a byte flipped inside an
//!   archive member, with checksums that agree: [`Faults::damaged`]), from [`SandboxConfig::with_faults`], [`Sandbox::faults`] or
//!   `POST /_sandbox/faults`.
//! * **Flow control** ([`rate`]): each API admits 100 calls a second (create and delete 10),
//!   then answers with the provider's throttling error; [`Faults::with_rate`] changes it.
//! * **A request log** ([`Sandbox::requests`]) for tests that count calls.
//!
//! # Example
//!
//! Listing the 137 backups of the Alibaba Cloud demo instance with the `aliyun-rds` client:
//!
//! ```
//! use aliyun_rds::{Client, Config, DescribeBackupsRequest};
//! use cloud_sandbox::{Sandbox, SandboxConfig, Provider, demo_credentials};
//! use futures::TryStreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start(SandboxConfig::default())?;
//!
//! let credentials = demo_credentials(Provider::AliyunRds).to_credentials();
//! let client = Client::new(Config::new(credentials).with_endpoint(sandbox.endpoint())?)?;
//! let backups: Vec<_> = client
//!     .backups(DescribeBackupsRequest::new(cloud_sandbox::ALIYUN_INSTANCE_ID))
//!     .try_collect()
//!     .await?;
//! assert_eq!(backups.len(), 137);
//!
//! // Two pages of 100, both signed, checked and logged.
//! let calls = sandbox.requests();
//! assert_eq!(calls.len(), 2);
//! assert!(calls.iter().all(|call| call.status == 200));
//!
//! // Every backup downloads; it is an xbstream archive, its bytes known without storing them.
//! let url = backups[0].backup_download_url.as_deref().unwrap_or_default();
//! let file = reqwest::Client::builder().no_proxy().build()?.get(url).send().await?.bytes().await?;
//! assert_eq!(Some(file.len() as i64), backups[0].backup_size);
//! assert_eq!(&file[..8], b"XBSTCK01");
//! let id = backups[0].backup_id.as_deref().unwrap_or_default();
//! let expected = sandbox.find_backup(Provider::AliyunRds, id).unwrap();
//! assert_eq!(&file[..], &expected.content(0, file.len())[..]);
//!
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! For a command line, [`serve`] runs a sandbox until Ctrl-C and prints its endpoint,
//! credentials and instances; [`serve_until`] does the same inside an async runtime.
//!
//! # Crate organization
//!
//! * [`Sandbox`] (`src/server.rs`): start, endpoint, request log, shutdown; the server runs on
//!   its own thread and Tokio runtime. [`serve`] and [`serve_until`] for command lines.
//! * [`SandboxConfig`] (`src/config.rs`): port, clock, faults, backup counts, file sizes,
//!   the checksum limit ([`DEFAULT_CHECKSUM_LIMIT`]).
//! * [`Faults`], [`FaultHandle`], [`FaultKind`] (`src/faults.rs`): fault injection.
//! * [`rate`] (`src/rate.rs`): flow control per service and API, and its default rates.
//! * [`demo_credentials`], [`demo_instances`], [`demo_instance_id`] and the `*_ACCESS_KEY_ID`, `*_SECRET`,
//!   `*_INSTANCE_ID` constants (`src/demo.rs`): the built-in demo account of each provider.
//! * [`RequestRecord`] (`src/log.rs`): the request log.
//! * [`FileLayout`] (`src/archive/`): backup files as archives generated at any offset:
//!   `mod.rs` the pieces (random and literal bytes, chunked framing with checksums in the
//!   headers, exact sizes), `formats.rs` xbstream, qpress, tar and gzip, `backup.rs` what each
//!   service's file holds.
//! * [`content`], [`fill_content`], [`file_crc64`], [`file_md5_hex`] (`src/content.rs`): the
//!   random bytes of binlog files and archive members, and checksums.
//! * [`Provider`] (from `cloud-provider`, shared with `cloud-backup`): the four services,
//!   named like their client crates.
//! * Private: `catalog` (the backups, generated from their index), `aliyun`,
//!   `capitalonline`, `huawei` (each provider's checks, errors and responses), `files`
//!   (signed links, `Range`, the checksum cache, link uses), `control` (`/_sandbox/...`),
//!   `auth` (time window, nonces), `state` (`State`, what every handler shares, and
//!   `Received`, a decoded request: the server and the handlers depend on it, never on each
//!   other, so the modules form a tree: `server` → handlers → `state`).
//!
//! The integration tests (`tests/it/`) drive the sandbox with the workspace's real clients.
//! The README lists every error code the sandbox answers, and where each comes from.

mod aliyun;
mod archive;
mod auth;
mod capitalonline;
mod catalog;
mod changes;
mod config;
mod content;
mod control;
mod demo;
mod error;
mod faults;
mod files;
mod http;
mod huawei;
mod identity;
mod log;
mod mix;
pub mod rate;
mod server;
mod state;
mod timefmt;

pub use archive::backup::FileLayout;
pub use cloud_provider::{ParseProviderError, Provider};
pub use config::{
    DEFAULT_CHECKSUM_LIMIT, FLEET_BACKUPS, MAX_BACKUPS_PER_INSTANCE, MAX_FLEET, SandboxConfig,
};
pub use content::{content, file_crc64, file_md5_hex, fill_content};
pub use demo::{
    ALIYUN_ACCESS_KEY_ID, ALIYUN_INSTANCE_ID, ALIYUN_SECRET, CAPITALONLINE_ACCESS_KEY_ID,
    CAPITALONLINE_INSTANCE_ID, CAPITALONLINE_SECRET, DemoCredentials, DemoInstance,
    HUAWEI_ACCESS_KEY_ID, HUAWEI_GAUSSDB_INSTANCE_ID, HUAWEI_PROJECT_ID, HUAWEI_RDS_INSTANCE_ID,
    HUAWEI_SECRET, demo_credentials, demo_instance_id, demo_instances,
};
pub use faults::{FaultHandle, FaultKind, Faults};
pub use huawei::HUAWEI_DEMO_REGION;
pub use identity::{
    ALIYUN_CREDENTIALS_PATH, ALIYUN_ECS_ROLE, ALIYUN_OIDC_PROVIDER_ARN, ALIYUN_ROLE_ARN,
    HUAWEI_IDP_ID, SANDBOX_OIDC_TOKEN,
};
pub use log::{REQUEST_LOG_CAPACITY, RequestKind, RequestRecord};
pub use server::{BackupFile, Sandbox, serve, serve_until};

/// The README's examples run as doctests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
