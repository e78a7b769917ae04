//! The `cloud-backup` binary (and, where a test needs it, the library) against wiremock and
//! against a `cloud_sandbox::Sandbox`, on 127.0.0.1 only: the JSON contract of `list`,
//! `download-url` and `download`, paging, downloads cut, resumed and restarted, the one-line
//! errors, credentials from the environment only, `all list`, and the embedded sandbox.

mod support;

mod cli;
mod verify;

#[cfg(feature = "aliyun-rds")]
mod aliyun;
#[cfg(feature = "capitalonline-mysql")]
mod capitalonline;
#[cfg(feature = "huaweicloud-gaussdb")]
mod huawei_gaussdb;
#[cfg(feature = "huaweicloud-rds")]
mod huawei_rds;

// The fuzz corpora of every provider's responses, the runtime's parsers and the signers.
#[cfg(all(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod fuzz_corpus;
// The tests that cross providers need all four.
#[cfg(all(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod all;
#[cfg(all(feature = "aliyun-rds", feature = "huaweicloud-rds"))]
mod download;
#[cfg(all(
    feature = "sandbox",
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod embedded;
#[cfg(all(
    feature = "sandbox",
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod extract;
#[cfg(feature = "aliyun-rds")]
mod identity;
#[cfg(all(
    feature = "sandbox",
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod logs;
#[cfg(all(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod manual;
#[cfg(all(
    feature = "sandbox",
    feature = "object-store",
    feature = "aliyun-rds",
    feature = "capitalonline-mysql",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod oss_obs;
#[cfg(all(
    feature = "sandbox",
    feature = "object-store",
    feature = "aliyun-rds",
    feature = "capitalonline-mysql",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod s3;
#[cfg(all(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod sandbox;
// Secrets from every credential source, never shown (needs the sandbox and all four).
#[cfg(all(
    feature = "sandbox",
    feature = "object-store",
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod secrets;
// The fault campaign against download and sync (needs the sandbox).
#[cfg(all(
    feature = "sandbox",
    feature = "aliyun-rds",
    feature = "capitalonline-mysql",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod campaign;
#[cfg(all(
    feature = "sandbox",
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod sync;
#[cfg(all(
    feature = "sandbox",
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
mod trust;
