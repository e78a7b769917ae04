//! The database backup services of the `cloud-backup` toolkit as one type, [`Provider`], and
//! the facts that differ between them: names, titles, what `--region` means, how their APIs
//! report a backup file ([`FileFacts`]), and which has no download API.
//!
//! `cloud-backup` (records, command line) and `cloud-sandbox` (the simulated services) both
//! use it, so a service is named one way everywhere; a record's `provider` serializes as
//! [`Provider::name`] (`capitalonline-mysql`, `aliyun-rds`, `huaweicloud-rds`,
//! `huaweicloud-gaussdb`), which is also the name of the service's client crate.

use std::fmt;
use std::str::FromStr;

/// Compiles the README's example as a doctest, so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use serde::{Deserialize, Serialize};

/// A database backup service: the `<PROVIDER>` of the command line and the `provider` of
/// every record.
///
/// One enum for the whole toolkit: `cloud-backup`'s records and command line, and the
/// simulated services of `cloud-sandbox`. Every service is a variant, whichever cargo features
/// a crate builds with.
///
/// Exhaustive on purpose (no `#[non_exhaustive]`): the toolkit's crates match on it to choose
/// a client, a simulator or a fact, and a new provider must be handled by each of them; a
/// compile error in every such `match` is the reminder. A new provider is a new minor version
/// (0.x) of this crate.
///
/// ```
/// use cloud_provider::Provider;
///
/// let provider: Provider = "aliyun-rds".parse()?;
/// assert_eq!(provider, Provider::AliyunRds);
/// assert_eq!(provider.to_string(), "aliyun-rds");
/// assert!("aws-rds".parse::<Provider>().is_err());
/// # Ok::<(), cloud_provider::ParseProviderError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Provider {
    /// Capital Online (首云) cloud database MySQL: `capitalonline-mysql`, cargo feature of the
    /// same name. Credentials: `CDS_SECRET_ID`, `CDS_SECRET_KEY`.
    #[serde(rename = "capitalonline-mysql")]
    CapitalOnlineMysql,
    /// Alibaba Cloud ApsaraDB RDS: `aliyun-rds`, cargo feature of the same name. Credentials:
    /// the `aliyun-rds` crate's environment chain.
    #[serde(rename = "aliyun-rds")]
    AliyunRds,
    /// Huawei Cloud RDS (MySQL, PostgreSQL, SQL Server): `huaweicloud-rds`, cargo feature of
    /// the same name. Credentials: `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` (or
    /// `~/.huaweicloud/credentials`), with a project id and a region.
    #[serde(rename = "huaweicloud-rds")]
    HuaweiCloudRds,
    /// Huawei Cloud GaussDB for MySQL (TaurusDB): `huaweicloud-gaussdb`, cargo feature of the
    /// same name. Credentials as [`HuaweiCloudRds`](Self::HuaweiCloudRds). Lists backups;
    /// it has no download-link API.
    #[serde(rename = "huaweicloud-gaussdb")]
    HuaweiCloudGaussDb,
}

impl Provider {
    /// Every provider the crate knows, in the order the command line lists them.
    pub const ALL: &'static [Provider] = &[
        Provider::CapitalOnlineMysql,
        Provider::AliyunRds,
        Provider::HuaweiCloudRds,
        Provider::HuaweiCloudGaussDb,
    ];

    /// The name on the command line and in records, which is also the cargo feature's and the
    /// client crate's name.
    pub const fn name(self) -> &'static str {
        match self {
            Provider::CapitalOnlineMysql => "capitalonline-mysql",
            Provider::AliyunRds => "aliyun-rds",
            Provider::HuaweiCloudRds => "huaweicloud-rds",
            Provider::HuaweiCloudGaussDb => "huaweicloud-gaussdb",
        }
    }

    /// What the service is, in a few words, for help texts.
    pub const fn title(self) -> &'static str {
        match self {
            Provider::CapitalOnlineMysql => "Capital Online (首云) cloud database MySQL",
            Provider::AliyunRds => "Alibaba Cloud ApsaraDB RDS",
            Provider::HuaweiCloudRds => "Huawei Cloud RDS (MySQL, PostgreSQL, SQL Server)",
            Provider::HuaweiCloudGaussDb => {
                "Huawei Cloud GaussDB for MySQL (TaurusDB); it has no download API"
            }
        }
    }

    /// Whether this is one of the two Huawei Cloud services (same credentials, same gateway,
    /// same object store).
    pub const fn is_huawei(self) -> bool {
        matches!(
            self,
            Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb
        )
    }

    /// What `--region` means for this provider, for help texts.
    pub const fn region_help(self) -> &'static str {
        match self {
            Provider::CapitalOnlineMysql => {
                "cn (mainland China, the default), asia (Asia-Pacific) or us (Europe and the Americas)"
            }
            Provider::AliyunRds => "a region id such as cn-hangzhou",
            Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => {
                "a region id such as cn-north-4 (default: HUAWEICLOUD_SDK_REGION)"
            }
        }
    }
}

/// How a provider's API reports a backup file's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SizeUnit {
    /// In bytes, exactly (Capital Online, Alibaba Cloud).
    Bytes,
    /// In kB, rounded one way or another (Huawei Cloud RDS): the file is less than 1 KiB away
    /// from the reported kB × 1024.
    Kilobytes,
}

/// What a provider's API and object store say about a backup file, which a download checks:
/// one value per provider ([`Provider::file_facts`]), so the download code knows no provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileFacts {
    /// The unit of the size its API reports for a file.
    pub size_unit: SizeUnit,
    /// Whether its object store's `ETag` of a single-part, unencrypted object is the MD5 of
    /// the file (Huawei Cloud OBS; not OSS, whose appendable objects have other ETags).
    pub etag_is_md5: bool,
    /// The API field that carries a file checksum, when there is one (Alibaba Cloud's
    /// `Checksum`, documented only as "CRC64", so an advisory check).
    pub checksum_field: Option<&'static str>,
}

impl Provider {
    /// What this provider's API and object store say about a backup file.
    ///
    /// ```
    /// use cloud_provider::{Provider, SizeUnit};
    ///
    /// assert_eq!(Provider::HuaweiCloudRds.file_facts().size_unit, SizeUnit::Kilobytes);
    /// assert!(Provider::HuaweiCloudRds.file_facts().etag_is_md5);
    /// assert_eq!(Provider::AliyunRds.file_facts().checksum_field, Some("DescribeBackups Checksum"));
    /// ```
    pub const fn file_facts(self) -> FileFacts {
        let (size_unit, etag_is_md5, checksum_field) = match self {
            Provider::CapitalOnlineMysql => (SizeUnit::Bytes, false, None),
            Provider::AliyunRds => (SizeUnit::Bytes, false, Some("DescribeBackups Checksum")),
            Provider::HuaweiCloudRds => (SizeUnit::Kilobytes, true, None),
            // No download API; its backups are kept in OBS like RDS's.
            Provider::HuaweiCloudGaussDb => (SizeUnit::Kilobytes, true, None),
        };
        FileFacts {
            size_unit,
            etag_is_md5,
            checksum_field,
        }
    }
}

/// Something a backup tool does through a provider's API, which some providers do not offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capability {
    /// Download links of full backups.
    DownloadLinks,
    /// Listing the account's instances.
    ListInstances,
    /// Reading an instance's backup policy.
    ReadBackupPolicy,
    /// Listing log (binlog) backups.
    ListLogBackups,
    /// Download links of log (binlog) backups.
    DownloadLogBackups,
    /// Creating a manual backup.
    CreateBackup,
    /// Deleting a backup.
    DeleteBackup,
    /// The time range a restore can reach.
    RestoreWindow,
}

impl Capability {
    /// Every capability, in the order the documentation lists them.
    pub const ALL: &'static [Capability] = &[
        Capability::ListInstances,
        Capability::DownloadLinks,
        Capability::ListLogBackups,
        Capability::DownloadLogBackups,
        Capability::ReadBackupPolicy,
        Capability::CreateBackup,
        Capability::DeleteBackup,
        Capability::RestoreWindow,
    ];

    /// What it is, in a few words, for messages: "download links of full backups".
    pub const fn description(self) -> &'static str {
        match self {
            Capability::DownloadLinks => "download links of full backups",
            Capability::ListInstances => "listing the account's instances",
            Capability::ReadBackupPolicy => "reading the backup policy",
            Capability::ListLogBackups => "listing log (binlog) backups",
            Capability::DownloadLogBackups => "download links of log (binlog) backups",
            Capability::CreateBackup => "creating a manual backup",
            Capability::DeleteBackup => "deleting a backup",
            Capability::RestoreWindow => "the restorable time range",
        }
    }
}

/// Why a provider's API lacks a [`Capability`], and what to do instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lack {
    /// What is missing, as a sentence fragment: "GaussDB for MySQL (TaurusDB) has no API for
    /// backup download links".
    pub why: &'static str,
    /// What to do instead.
    pub instead: &'static str,
}

impl Lack {
    const fn some(why: &'static str, instead: &'static str) -> Option<Lack> {
        Some(Lack { why, instead })
    }
}

impl Provider {
    /// Why this provider's API lacks `capability`, and what to do instead; `None` when the
    /// API offers it. The facts come from the providers' API documents and official SDKs
    /// (see the workspace README's capability table).
    ///
    /// ```
    /// use cloud_provider::{Capability, Provider};
    ///
    /// assert!(Provider::HuaweiCloudGaussDb.lacks(Capability::DownloadLinks).is_some());
    /// assert!(Provider::CapitalOnlineMysql.lacks(Capability::ReadBackupPolicy).is_some());
    /// assert!(Provider::AliyunRds.lacks(Capability::ReadBackupPolicy).is_none());
    /// ```
    pub const fn lacks(self, capability: Capability) -> Option<Lack> {
        match (self, capability) {
            (Provider::HuaweiCloudGaussDb, Capability::DownloadLinks) => Lack::some(
                "GaussDB for MySQL (TaurusDB) has no API for backup download links",
                "restore it from the Huawei Cloud console (TaurusDB > Backups > Restore), or \
                 export the instance's data to an OBS bucket of your own",
            ),
            (Provider::CapitalOnlineMysql, Capability::ReadBackupPolicy) => Lack::some(
                "Capital Online MySQL has no API that reads the backup policy (only \
                 ModifyDbBackupPolicy, which changes it)",
                "see the policy in the Capital Online console",
            ),
            (
                Provider::CapitalOnlineMysql,
                Capability::ListLogBackups | Capability::DownloadLogBackups,
            ) => Lack::some(
                "Capital Online MySQL has no API for log (binlog) backups",
                "keep binlogs with your own replica or binlog server",
            ),
            (Provider::CapitalOnlineMysql, Capability::RestoreWindow) => Lack::some(
                "Capital Online MySQL has no API for the restorable time range (its \
                 DescribeRollbackRangeTime was withdrawn from the documentation in December 2021)",
                "see the restore options in the Capital Online console",
            ),
            (Provider::HuaweiCloudGaussDb, Capability::DownloadLogBackups) => Lack::some(
                "GaussDB for MySQL (TaurusDB) has no API for downloading log backups (its \
                 incremental backups serve point-in-time restore only)",
                "restore to a point in time from the Huawei Cloud console",
            ),
            _ => None,
        }
    }

    /// Why this provider's backups cannot be downloaded through its API, and what to do
    /// instead; `None` when its API gives download links
    /// (`lacks(Capability::DownloadLinks)`).
    pub const fn no_download_api(self) -> Option<(&'static str, &'static str)> {
        match self.lacks(Capability::DownloadLinks) {
            Some(lack) => Some((lack.why, lack.instead)),
            None => None,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Provider {
    type Err = ParseProviderError;

    /// Parses a provider's [`name`](Provider::name), ignoring ASCII case and surrounding
    /// whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseProviderError(s.to_owned()))
    }
}

/// A provider name that is not one of [`Provider::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseProviderError(String);

impl fmt::Display for ParseProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Provider::ALL.iter().map(|p| p.name()).collect();
        write!(
            f,
            "unknown provider {:?}; expected one of: {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for ParseProviderError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &provider in Provider::ALL {
            assert_eq!(provider.name().parse::<Provider>(), Ok(provider));
            assert_eq!(
                provider.name().to_uppercase().parse::<Provider>(),
                Ok(provider)
            );
            assert_eq!(
                serde_json::to_value(provider).unwrap(),
                serde_json::Value::from(provider.name())
            );
            assert_eq!(provider.to_string(), provider.name());
        }
        let error = "huaweicloud-dds".parse::<Provider>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown provider \"huaweicloud-dds\"; expected one of: capitalonline-mysql, \
             aliyun-rds, huaweicloud-rds, huaweicloud-gaussdb"
        );
    }

    #[test]
    fn huawei_services_share_their_facts() {
        let huawei: Vec<Provider> = Provider::ALL
            .iter()
            .copied()
            .filter(|p| p.is_huawei())
            .collect();
        assert_eq!(
            huawei,
            [Provider::HuaweiCloudRds, Provider::HuaweiCloudGaussDb]
        );
        for provider in huawei {
            assert!(provider.file_facts().etag_is_md5);
        }
        assert!(Provider::HuaweiCloudGaussDb.no_download_api().is_some());
        assert!(Provider::AliyunRds.no_download_api().is_none());
    }
}
