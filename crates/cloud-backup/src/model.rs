//! The provider-neutral records, [`Backup`] and [`DownloadLink`], and the time and size
//! normalizations that turn each provider's wire values into them.

use crate::setters::option_setters;
use serde::{Deserialize, Serialize};

use crate::Provider;
use time::format_description::well_known::Rfc3339;
use time::macros::offset;
use time::{OffsetDateTime, UtcOffset};

/// One backup, the same shape for every provider: what `cloud-backup <PROVIDER> list --json`
/// prints, one element per backup.
///
/// ```
/// use cloud_backup::{Backup, Provider};
///
/// let backup = Backup::new(Provider::AliyunRds, "rm-demo", "321020562")
///     .with_status("Success")
///     .with_size_bytes(2167808);
/// assert_eq!(backup.backup_id, "321020562");
/// assert_eq!(backup.size_bytes, Some(2167808));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Backup {
    /// The service; serialized as its name: `capitalonline-mysql`, `aliyun-rds`,
    /// `huaweicloud-rds` or `huaweicloud-gaussdb`.
    pub provider: Provider,
    /// The database instance the backup belongs to, as it was asked for.
    pub instance_id: String,
    /// The backup's id, always as a string (some APIs send numbers); empty when the provider
    /// sent none.
    pub backup_id: String,
    /// The backup's status, the provider's own value (`finished`, `Success`, `COMPLETED`, ...).
    pub status: Option<String>,
    /// The size in bytes, normalized from the provider's unit.
    pub size_bytes: Option<u64>,
    /// When the backup started, RFC 3339 with an offset.
    pub started_at: Option<String>,
    /// When the backup finished, RFC 3339 with an offset; `None` where the provider does not
    /// say (GaussDB for MySQL's instance backups carry no end time).
    pub finished_at: Option<String>,
    /// The provider's backup type (`physical-backup`, `logical-backup`, `FullBackup`, `auto`,
    /// `Db`, ...), as sent.
    #[serde(rename = "type")]
    pub backup_type: Option<String>,
    /// The provider's record exactly as received (numbers stay numbers).
    pub raw: serde_json::Value,
}

impl Backup {
    /// A record with the identifying fields set and the rest empty.
    pub fn new(
        provider: Provider,
        instance_id: impl Into<String>,
        backup_id: impl Into<String>,
    ) -> Self {
        Self {
            provider,
            instance_id: instance_id.into(),
            backup_id: backup_id.into(),
            status: None,
            size_bytes: None,
            started_at: None,
            finished_at: None,
            backup_type: None,
            raw: serde_json::Value::Null,
        }
    }

    option_setters! {
        /// Sets the status.
        with_status(status: impl Into<String>);

        /// Sets the size in bytes.
        with_size_bytes(size_bytes: u64);

        /// Sets the start time (RFC 3339).
        with_started_at(started_at: impl Into<String>);

        /// Sets the finish time (RFC 3339).
        with_finished_at(finished_at: impl Into<String>);

        /// Sets the provider's backup type.
        with_backup_type(backup_type: impl Into<String>);
    }

    /// Sets the raw record.
    #[must_use]
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
    /// When the backup started, from [`started_at`](Self::started_at) (RFC 3339); `None`
    /// when the provider gave no start.
    ///
    /// ```
    /// use cloud_backup::{Backup, Provider};
    ///
    /// let backup = Backup::new(Provider::AliyunRds, "rm-demo", "1")
    ///     .with_started_at("2026-11-21T07:21:49Z");
    /// assert_eq!(backup.started().map(|t| t.unix_timestamp()), Some(1_795_245_709));
    /// assert_eq!(Backup::new(Provider::AliyunRds, "rm-demo", "2").started(), None);
    /// ```
    pub fn started(&self) -> Option<time::OffsetDateTime> {
        time::OffsetDateTime::parse(self.started_at.as_deref()?, &Rfc3339).ok()
    }

    /// Whether the backup completed successfully, in its provider's words: `Success` (Alibaba
    /// Cloud), `finished` (Capital Online), `COMPLETED` (Huawei Cloud RDS and GaussDB).
    ///
    /// ```
    /// use cloud_backup::{Backup, Provider};
    ///
    /// let done = Backup::new(Provider::AliyunRds, "rm-demo", "1").with_status("Success");
    /// assert!(done.succeeded());
    /// assert!(!done.with_status("Failed").succeeded());
    /// assert!(!Backup::new(Provider::HuaweiCloudRds, "i", "2").succeeded());
    /// ```
    pub fn succeeded(&self) -> bool {
        let done = match self.provider {
            Provider::AliyunRds => "Success",
            Provider::CapitalOnlineMysql => "finished",
            Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => "COMPLETED",
        };
        self.status.as_deref() == Some(done)
    }
}

/// One downloadable file of a backup: what `cloud-backup <PROVIDER> download-url --json`
/// prints, one element per file.
///
/// ```
/// use cloud_backup::{DownloadLink, Provider};
///
/// let link = DownloadLink::new(Provider::AliyunRds, "rm-demo", "321020562", "https://example.com/b.tar.gz")
///     .with_intranet_url("http://internal.example.com/b.tar.gz");
/// assert_eq!(link.url, "https://example.com/b.tar.gz");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DownloadLink {
    /// The service the backup lives on; serialized as its name.
    pub provider: Provider,
    /// The database instance.
    pub instance_id: String,
    /// The backup the file belongs to.
    pub backup_id: String,
    /// The URL to fetch the file from over the Internet.
    pub url: String,
    /// The same file on the provider's internal network, where the API gives one.
    pub intranet_url: Option<String>,
    /// The file name, where the API gives one.
    pub name: Option<String>,
    /// The file size in bytes, where the API gives one. Huawei Cloud RDS reports kB, so its
    /// value is that times 1024, within 1 KiB of the file's real size (a download checks it
    /// that way; the others' exactly).
    pub size_bytes: Option<u64>,
    /// When the link stops working (RFC 3339), where the API says.
    pub expires_at: Option<String>,
    /// The file's CRC-64 as the API reports it, in decimal, where it does: Alibaba Cloud's
    /// `Checksum` ("calculated by using the CRC64 algorithm"). A download compares it with the
    /// CRC-64/XZ of the bytes received, as an advisory check: the documents do not say which
    /// CRC-64 variant it is, nor of exactly which bytes, so a mismatch is reported, not fatal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc64: Option<String>,
    /// Where [`crc64`](Self::crc64) came from, as the `verified:` line names it (e.g.
    /// `DescribeBinlogFiles Checksum`); `None`: the provider's backup listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc64_source: Option<String>,
}

impl DownloadLink {
    /// A link with its identifying fields and URL; the rest empty.
    pub fn new(
        provider: Provider,
        instance_id: impl Into<String>,
        backup_id: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        Self {
            provider,
            instance_id: instance_id.into(),
            backup_id: backup_id.into(),
            url: url.into(),
            intranet_url: None,
            name: None,
            size_bytes: None,
            expires_at: None,
            crc64: None,
            crc64_source: None,
        }
    }

    option_setters! {
        /// Sets the internal-network URL.
        with_intranet_url(intranet_url: impl Into<String>);

        /// Sets the file name.
        with_name(name: impl Into<String>);

        /// Sets the size in bytes.
        with_size_bytes(size_bytes: u64);

        /// Sets the expiry (RFC 3339).
        with_expires_at(expires_at: impl Into<String>);

        /// Sets the CRC-64 the API reports (decimal).
        with_crc64(crc64: impl Into<String>);

        /// Sets where the CRC-64 came from.
        with_crc64_source(crc64_source: impl Into<String>);
    }
}

/// China Standard Time (UTC+08:00), the zone of Capital Online's zone-less timestamps.
pub const CHINA_STANDARD_TIME: UtcOffset = offset!(+8);

/// `t` as RFC 3339 text in its own offset (`2018-08-06T12:41:14+08:00`); `None` for a year
/// RFC 3339 cannot write.
pub(crate) fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.format(&Rfc3339).ok()
}

/// Normalizes a provider timestamp to RFC 3339, or `None` when it is empty or unreadable.
///
/// Accepts, after removing the spaces the docs sometimes print around separators
/// (`"2018 - 08 - 06 T12: 41: 14 + 0800"`):
/// - RFC 3339 (`2019-02-13T12:20:37Z`, `2019-02-13T12:20:37+08:00`), kept in its own offset;
/// - Alibaba's minute form `2019-02-13T12:20Z`;
/// - Huawei's `2018-08-06T12:41:14+0800`;
/// - a zone-less `2020-06-18 04:10:13` or `2020-06-18T04:10:13` (fractional seconds allowed),
///   read in `zone`: pass [`CHINA_STANDARD_TIME`] for Capital Online.
///
/// ```
/// use cloud_backup::model::{normalize_time, CHINA_STANDARD_TIME};
///
/// let cst = CHINA_STANDARD_TIME;
/// assert_eq!(normalize_time("2020-06-18 04:10:13", cst).as_deref(), Some("2020-06-18T04:10:13+08:00"));
/// assert_eq!(normalize_time("2018-08-06T12:41:14+0800", cst).as_deref(), Some("2018-08-06T12:41:14+08:00"));
/// assert_eq!(normalize_time("2019-02-13T12:20:37Z", cst).as_deref(), Some("2019-02-13T12:20:37Z"));
/// assert_eq!(normalize_time("not a time", cst), None);
/// ```
pub fn normalize_time(value: &str, zone: UtcOffset) -> Option<String> {
    // The workspace's one time parser (cloud_http::times), in RFC 3339.
    cloud_http::times::parse_time_or(value, zone).and_then(rfc3339)
}

/// Parses a zone written as `UTC+08:00`, `UTC-03:30`, `UTC`, `GMT+8`, `+08:00` or `+0800`
/// (GaussDB's `time_zone` field).
///
/// ```
/// use cloud_backup::model::parse_utc_offset;
/// use time::macros::offset;
///
/// assert_eq!(parse_utc_offset("UTC+08:00"), Some(offset!(+8)));
/// assert_eq!(parse_utc_offset("UTC-03:30"), Some(offset!(-3:30)));
/// assert_eq!(parse_utc_offset("UTC"), Some(offset!(UTC)));
/// assert_eq!(parse_utc_offset("Mars"), None);
/// ```
pub fn parse_utc_offset(zone: &str) -> Option<UtcOffset> {
    cloud_http::times::parse_zone(zone)
}

/// Formats a byte count for people, in binary units: `2.1 MiB`, `661.6 KiB`, `512 B`.
///
/// ```
/// assert_eq!(cloud_backup::model::human_size(677496), "661.6 KiB");
/// assert_eq!(cloud_backup::model::human_size(512), "512 B");
/// ```
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // Precision loss is fine: one decimal is shown.
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    // 1023.95 KiB would print as "1024.0 KiB": show the next unit instead.
    if format!("{value:.1}") == "1024.0" && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_from_every_provider() {
        let cst = CHINA_STANDARD_TIME;
        let cases = [
            ("2020-06-18 04:10:13", Some("2020-06-18T04:10:13+08:00")),
            ("2020-06-18  04:10:13 ", Some("2020-06-18T04:10:13+08:00")),
            ("2020-06-18T04:10:13", Some("2020-06-18T04:10:13+08:00")),
            ("2020-06-18 04:10:13.5", Some("2020-06-18T04:10:13.5+08:00")),
            ("2019-02-13T12:20:37Z", Some("2019-02-13T12:20:37Z")),
            ("2019-02-13T12:20Z", Some("2019-02-13T12:20:00Z")),
            (
                "2018-08-06T12:41:14+0800",
                Some("2018-08-06T12:41:14+08:00"),
            ),
            (
                "2018 - 08 - 06 T12: 41: 14 + 0800",
                Some("2018-08-06T12:41:14+08:00"),
            ),
            (
                "2026-01-04T17:30:30+08:00",
                Some("2026-01-04T17:30:30+08:00"),
            ),
            // The documented example's three-digit day, read as the day it means.
            (
                "2018-08-016T10:15:14+0800",
                Some("2018-08-16T10:15:14+08:00"),
            ),
            ("2020 06 18 04:10:13", None),
            ("2020-06-1804:10:13", None),
            ("2020-13-18 04:10:13", None),
            ("", None),
            ("   ", None),
            ("yesterday", None),
            ("无效的时间", None),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_time(input, cst).as_deref(), want, "{input:?}");
        }
    }

    #[test]
    fn zone_less_time_in_another_zone() {
        let zone = parse_utc_offset("UTC-03:30").unwrap();
        assert_eq!(
            normalize_time("2026-01-04 17:30:30", zone).as_deref(),
            Some("2026-01-04T17:30:30-03:30")
        );
        assert_eq!(
            normalize_time("2026-01-04 17:30:30", UtcOffset::UTC).as_deref(),
            Some("2026-01-04T17:30:30Z")
        );
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_utc_offset("+0800"), Some(offset!(+8)));
        assert_eq!(parse_utc_offset("UTC+8"), Some(offset!(+8)));
        assert_eq!(parse_utc_offset("GMT+05:45"), Some(offset!(+5:45)));
        assert_eq!(parse_utc_offset("-0330"), Some(offset!(-3:30)));
        for bad in [
            "",
            "UTC+99:00",
            "UTC+ab",
            "UTC++8",
            "UTC+-8",
            "UTC+08:75",
            "+a€",
            "+€12",
            "-128",
            "UTC+1:2:3",
        ] {
            assert_eq!(parse_utc_offset(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(1024 * 1024 - 1), "1.0 MiB");
        assert_eq!(human_size(2167808), "2.1 MiB");
        assert_eq!(human_size(u64::MAX), "16.0 EiB");
    }
}
