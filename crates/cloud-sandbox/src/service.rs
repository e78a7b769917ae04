//! [`Service`]: the four simulated services.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the four simulated services. All of them answer on the sandbox's one port, told
/// apart by path (and, for Alibaba Cloud, by the `Action` parameter or `x-acs-action` header).
///
/// The [`name`](Self::name) is the name of the client crate (`aliyun-rds`, ...); it is what
/// [`Display`](fmt::Display) prints, what [`FromStr`] and the control endpoint's JSON accept,
/// and the first segment of download paths (`/files/aliyun-rds/...`).
///
/// ```
/// use cloud_sandbox::Service;
///
/// assert_eq!(Service::AliyunRds.to_string(), "aliyun-rds");
/// assert_eq!("huaweicloud-gaussdb".parse::<Service>(), Ok(Service::HuaweiGaussdb));
/// assert_eq!(Service::ALL.len(), 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Service {
    /// Capital Online (首云) MySQL: `GET /mysql/?Action=...`, RPC HMAC-SHA1 keyed with the raw
    /// secret (`DescribeBackups`, `DownloadBackup`).
    #[serde(rename = "capitalonline-mysql")]
    CapitalOnlineMysql,
    /// Alibaba Cloud ApsaraDB RDS `2014-08-15`: `/` with `Action` (signature V2) or
    /// `x-acs-action` (signature V3) (`DescribeBackups`).
    #[serde(rename = "aliyun-rds")]
    AliyunRds,
    /// Huawei Cloud RDS v3: `GET /v3/{project_id}/backups` (`ListBackups`) and
    /// `GET /v3/{project_id}/backup-files` (`ListBackupFiles`, the SDK's
    /// `ShowBackupDownloadLink`).
    #[serde(rename = "huaweicloud-rds")]
    HuaweiRds,
    /// Huawei Cloud GaussDB for MySQL (TaurusDB) v3:
    /// `GET /v3/{project_id}/instances/{instance_id}/backups` (`ShowInstanceBackups`).
    #[serde(rename = "huaweicloud-gaussdb")]
    HuaweiGaussdb,
}

impl Service {
    /// Every service, in the order the sandbox lists them.
    pub const ALL: [Service; 4] = [
        Service::CapitalOnlineMysql,
        Service::AliyunRds,
        Service::HuaweiRds,
        Service::HuaweiGaussdb,
    ];

    /// The service's name: the name of its client crate (`capitalonline-mysql`, `aliyun-rds`,
    /// `huaweicloud-rds`, `huaweicloud-gaussdb`).
    pub fn name(self) -> &'static str {
        match self {
            Service::CapitalOnlineMysql => "capitalonline-mysql",
            Service::AliyunRds => "aliyun-rds",
            Service::HuaweiRds => "huaweicloud-rds",
            Service::HuaweiGaussdb => "huaweicloud-gaussdb",
        }
    }

    /// A title for people: `Capital Online MySQL`, `Alibaba Cloud RDS`, `Huawei Cloud RDS`,
    /// `Huawei Cloud GaussDB for MySQL`.
    pub fn title(self) -> &'static str {
        match self {
            Service::CapitalOnlineMysql => "Capital Online MySQL",
            Service::AliyunRds => "Alibaba Cloud RDS",
            Service::HuaweiRds => "Huawei Cloud RDS",
            Service::HuaweiGaussdb => "Huawei Cloud GaussDB for MySQL",
        }
    }

    /// Whether this is one of the two Huawei Cloud services (same credentials, same gateway).
    pub(crate) fn is_huawei(self) -> bool {
        matches!(self, Service::HuaweiRds | Service::HuaweiGaussdb)
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a [`Service`] from a name it does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseServiceError {
    name: String,
}

impl fmt::Display for ParseServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown service {:?}: expected one of capitalonline-mysql, aliyun-rds, \
             huaweicloud-rds, huaweicloud-gaussdb",
            self.name
        )
    }
}

impl std::error::Error for ParseServiceError {}

/// Parses a service [`name`](Service::name), ignoring ASCII case.
impl FromStr for Service {
    type Err = ParseServiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Service::ALL
            .into_iter()
            .find(|service| service.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseServiceError { name: s.to_owned() })
    }
}
