//! The `cloud-backup` binary against wiremock on 127.0.0.1: the JSON contract of `list` and
//! `download-url`, paging, the one-line errors, credentials from the environment only.

mod support;

mod cli;

#[cfg(feature = "aliyun-rds")]
mod aliyun;
#[cfg(feature = "capitalonline-mysql")]
mod capitalonline;
#[cfg(feature = "huaweicloud-gaussdb")]
mod huawei_gaussdb;
#[cfg(feature = "huaweicloud-rds")]
mod huawei_rds;
