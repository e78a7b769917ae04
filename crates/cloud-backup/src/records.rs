//! The provider-neutral records beyond backups: [`Instance`] and [`BackupPolicy`], and the
//! normalizations of backup windows and days they share.

use serde::{Deserialize, Serialize};

use crate::Provider;
use crate::setters::option_setters;

/// One database instance, the same shape for every provider: what
/// `cloud-backup <PROVIDER> instances --json` prints, one element per instance.
///
/// ```
/// use cloud_backup::{Instance, Provider};
///
/// let instance = Instance::new(Provider::AliyunRds, "rm-demo")
///     .with_engine("MySQL")
///     .with_engine_version("8.0");
/// assert_eq!(instance.engine.as_deref(), Some("MySQL"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Instance {
    /// The service; serialized as its name.
    pub provider: Provider,
    /// The instance's id, as the provider's other APIs take it.
    pub instance_id: String,
    /// The instance's name (Alibaba Cloud: its description).
    pub name: Option<String>,
    /// The engine: `MySQL`, or the provider's own name (`gaussdb-mysql`).
    pub engine: Option<String>,
    /// The engine version, as sent (`8.0`, `5.7.24`).
    pub engine_version: Option<String>,
    /// The status, the provider's own value (`RUNNING`, `Running`, `ACTIVE`, `normal`).
    pub status: Option<String>,
    /// The region, where the provider says it.
    pub region: Option<String>,
    /// The zone (Capital Online: the availability zone code such as `CN_Hongkong_A`; Huawei
    /// Cloud RDS: the primary node's zone).
    pub zone: Option<String>,
    /// When the instance was created, RFC 3339 with an offset.
    pub created_at: Option<String>,
    /// The provider's record exactly as received.
    pub raw: serde_json::Value,
}

impl Instance {
    /// A record with the identifying fields set and the rest empty.
    pub fn new(provider: Provider, instance_id: impl Into<String>) -> Self {
        Self {
            provider,
            instance_id: instance_id.into(),
            name: None,
            engine: None,
            engine_version: None,
            status: None,
            region: None,
            zone: None,
            created_at: None,
            raw: serde_json::Value::Null,
        }
    }

    option_setters! {
        /// Sets the name.
        with_name(name: impl Into<String>);

        /// Sets the engine.
        with_engine(engine: impl Into<String>);

        /// Sets the engine version.
        with_engine_version(engine_version: impl Into<String>);

        /// Sets the status.
        with_status(status: impl Into<String>);

        /// Sets the region.
        with_region(region: impl Into<String>);

        /// Sets the zone.
        with_zone(zone: impl Into<String>);

        /// Sets the creation time (RFC 3339).
        with_created_at(created_at: impl Into<String>);
    }

    /// Sets the raw record.
    #[must_use]
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
}

/// An instance's automated backup policy, the same shape for every provider that has an API
/// for it: what `cloud-backup <PROVIDER> policy --json` prints.
///
/// ```
/// use cloud_backup::{BackupPolicy, Provider};
///
/// let policy = BackupPolicy::new(Provider::HuaweiCloudRds, "in01").with_retention_days(7u32);
/// assert_eq!(policy.retention_days, Some(7));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BackupPolicy {
    /// The service; serialized as its name.
    pub provider: Provider,
    /// The instance, as it was asked for.
    pub instance_id: String,
    /// Whether automated backups are on (Huawei Cloud RDS: `keep_days` above 0).
    pub enabled: Option<bool>,
    /// How long automated backups are kept, in days.
    pub retention_days: Option<u32>,
    /// The backup window in UTC, `HH:MM-HH:MM`.
    pub window_utc: Option<String>,
    /// The days backups run, as English weekday names, Monday first.
    pub days: Vec<String>,
    /// Whether log (binlog) backup is on, where the provider says.
    pub log_backup: Option<bool>,
    /// How long log backups are kept, in days, where the provider says.
    pub log_retention_days: Option<u32>,
    /// The next automated backup, RFC 3339, where the provider says.
    pub next_backup_at: Option<String>,
    /// The provider's record exactly as received.
    pub raw: serde_json::Value,
}

impl BackupPolicy {
    /// A policy with the identifying fields set and the rest empty.
    pub fn new(provider: Provider, instance_id: impl Into<String>) -> Self {
        Self {
            provider,
            instance_id: instance_id.into(),
            enabled: None,
            retention_days: None,
            window_utc: None,
            days: Vec::new(),
            log_backup: None,
            log_retention_days: None,
            next_backup_at: None,
            raw: serde_json::Value::Null,
        }
    }

    option_setters! {
        /// Sets whether automated backups are on.
        with_enabled(enabled: bool);

        /// Sets the retention in days.
        with_retention_days(retention_days: u32);

        /// Sets the backup window (UTC, `HH:MM-HH:MM`).
        with_window_utc(window_utc: impl Into<String>);

        /// Sets whether log backup is on.
        with_log_backup(log_backup: bool);

        /// Sets the log backup retention in days.
        with_log_retention_days(log_retention_days: u32);

        /// Sets the next backup time (RFC 3339).
        with_next_backup_at(next_backup_at: impl Into<String>);
    }

    /// Sets the backup days (English weekday names).
    #[must_use]
    pub fn with_days(mut self, days: Vec<String>) -> Self {
        self.days = days;
        self
    }

    /// Sets the raw record.
    #[must_use]
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
}

/// The time ranges a point-in-time restore of an instance can reach: what
/// `cloud-backup <PROVIDER> restore-window --json` prints. Several ranges when the provider
/// reports a gap in the log backups (Huawei Cloud); one for Alibaba Cloud.
///
/// ```
/// use cloud_backup::{Provider, RestoreWindow, TimeRange};
///
/// let window = RestoreWindow::new(Provider::AliyunRds, "rm-demo")
///     .with_ranges(vec![TimeRange::new("2020-03-16T07:59:18Z", "2020-03-20T08:41:29Z")]);
/// assert_eq!(window.ranges.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RestoreWindow {
    /// The service; serialized as its name.
    pub provider: Provider,
    /// The instance, as it was asked for.
    pub instance_id: String,
    /// The ranges, oldest first.
    pub ranges: Vec<TimeRange>,
    /// The provider's answer exactly as received.
    pub raw: serde_json::Value,
}

impl RestoreWindow {
    /// A window with no range yet.
    pub fn new(provider: Provider, instance_id: impl Into<String>) -> Self {
        Self {
            provider,
            instance_id: instance_id.into(),
            ranges: Vec::new(),
            raw: serde_json::Value::Null,
        }
    }

    /// Sets the ranges.
    #[must_use]
    pub fn with_ranges(mut self, ranges: Vec<TimeRange>) -> Self {
        self.ranges = ranges;
        self
    }

    /// Sets the raw answer.
    #[must_use]
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
}

/// A time range, both ends RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TimeRange {
    /// The start.
    pub start: String,
    /// The end.
    pub end: String,
}

impl TimeRange {
    /// The range from `start` to `end`.
    pub fn new(start: impl Into<String>, end: impl Into<String>) -> Self {
        Self {
            start: start.into(),
            end: end.into(),
        }
    }

    /// The range between two Unix times in milliseconds (Huawei Cloud's), in UTC; `None` when
    /// either is missing or out of range, or the range ends before it starts.
    ///
    /// ```
    /// use cloud_backup::TimeRange;
    ///
    /// let range = TimeRange::from_unix_millis(Some(1532001446987), Some(1532742139000)).unwrap();
    /// assert_eq!(range.start, "2018-07-19T11:57:26.987Z");
    /// assert!(TimeRange::from_unix_millis(Some(2), Some(1)).is_none());
    /// ```
    pub fn from_unix_millis(start: Option<i64>, end: Option<i64>) -> Option<Self> {
        let time = |ms: i64| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .ok()
                .and_then(crate::model::rfc3339)
        };
        let (start, end) = (start?, end?);
        if end < start {
            return None;
        }
        Some(Self::new(time(start)?, time(end)?))
    }
}

/// One log (binlog) backup file: what `cloud-backup <PROVIDER> binlogs --json` prints, one
/// element per file.
///
/// ```
/// use cloud_backup::{LogFile, Provider};
///
/// let file = LogFile::new(Provider::AliyunRds, "rm-demo", "mysql-bin.000071");
/// assert_eq!(file.file_name, "mysql-bin.000071");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LogFile {
    /// The service; serialized as its name.
    pub provider: Provider,
    /// The instance, as it was asked for.
    pub instance_id: String,
    /// The file's name (`mysql-bin.000071`; Huawei Cloud: the incremental backup's file).
    pub file_name: String,
    /// The backup that holds it, where the provider has one (Huawei Cloud's incremental
    /// backups).
    pub backup_id: Option<String>,
    /// The host that wrote it, where the provider says (Alibaba Cloud's `HostInstanceID`).
    pub host: Option<String>,
    /// The size in bytes.
    pub size_bytes: Option<u64>,
    /// The first log record's time, RFC 3339.
    pub begin_at: Option<String>,
    /// The last log record's time, RFC 3339.
    pub end_at: Option<String>,
    /// The download URL, where the listing gives one (it is signed and expires).
    pub url: Option<String>,
    /// The internal-network URL, where given.
    pub intranet_url: Option<String>,
    /// When the URLs expire, RFC 3339.
    pub expires_at: Option<String>,
    /// The file's CRC-64 in decimal, as the API reports it (Alibaba Cloud).
    pub crc64: Option<String>,
    /// The provider's record exactly as received.
    pub raw: serde_json::Value,
}

impl LogFile {
    /// A record with the identifying fields set and the rest empty.
    pub fn new(
        provider: Provider,
        instance_id: impl Into<String>,
        file_name: impl Into<String>,
    ) -> Self {
        Self {
            provider,
            instance_id: instance_id.into(),
            file_name: file_name.into(),
            backup_id: None,
            host: None,
            size_bytes: None,
            begin_at: None,
            end_at: None,
            url: None,
            intranet_url: None,
            expires_at: None,
            crc64: None,
            raw: serde_json::Value::Null,
        }
    }

    /// The download link of this file, when the listing gave it a URL: its identity is the
    /// file (and host, or backup), so a resumed download only continues the same file.
    pub fn download_link(&self) -> Option<crate::DownloadLink> {
        let url = self.url.clone()?;
        let identity = match (&self.backup_id, &self.host) {
            (Some(backup), _) => format!("log:{backup}"),
            (None, Some(host)) => format!("log:{host}/{}", self.file_name),
            (None, None) => format!("log:{}", self.file_name),
        };
        let mut link = crate::DownloadLink::new(self.provider, &self.instance_id, identity, url);
        link.intranet_url = self.intranet_url.clone();
        link.name = Some(self.file_name.clone());
        link.size_bytes = self.size_bytes;
        link.expires_at = self.expires_at.clone();
        link.crc64 = self.crc64.clone();
        if link.crc64.is_some() {
            link.crc64_source = Some(format!("{} Checksum", self.listing_action()));
        }
        Some(link)
    }

    /// The API action that lists these files, for messages.
    fn listing_action(&self) -> &'static str {
        match self.provider {
            Provider::AliyunRds => "DescribeBinlogFiles",
            Provider::HuaweiCloudRds => "ListBackupFiles",
            Provider::HuaweiCloudGaussDb => "ShowGaussMySqlIncrementalBackupList",
            Provider::CapitalOnlineMysql => "the API",
        }
    }
}

/// The periods inside the span of `files` that no file's logs cover, per host (files of
/// different hosts of one instance are never mixed), oldest first: what a point-in-time
/// restore cannot reach through these files. Files whose times are missing are left out; a
/// second or less between two files is not a gap. An instance with no writes for a while
/// can show a gap that holds nothing to replay; the provider's restore window
/// ([`RestoreWindow`]) is the authority.
///
/// ```
/// use cloud_backup::{LogFile, Provider, log_gaps};
///
/// let file = |name: &str, begin: &str, end: &str| {
///     let mut f = LogFile::new(Provider::AliyunRds, "rm-1", name);
///     f.begin_at = Some(begin.to_owned());
///     f.end_at = Some(end.to_owned());
///     f
/// };
/// let files = [
///     file("mysql-bin.000001", "2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z"),
///     file("mysql-bin.000002", "2026-11-01T01:00:01Z", "2026-11-01T02:00:00Z"),
///     file("mysql-bin.000003", "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z"),
/// ];
/// let gaps = log_gaps(&files);
/// assert_eq!(gaps.len(), 1);
/// assert_eq!(gaps[0].start, "2026-11-01T02:00:00Z");
/// assert_eq!(gaps[0].end, "2026-11-01T05:00:00Z");
/// ```
pub fn log_gaps(files: &[LogFile]) -> Vec<TimeRange> {
    use time::OffsetDateTime;
    let mut spans: Vec<(Option<&str>, OffsetDateTime, OffsetDateTime)> = files
        .iter()
        .filter_map(|file| {
            let begin = cloud_http::times::parse_time(file.begin_at.as_deref()?)?;
            let end = cloud_http::times::parse_time(file.end_at.as_deref()?)?;
            Some((file.host.as_deref(), begin, end.max(begin)))
        })
        .collect();
    spans.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut gaps: Vec<(OffsetDateTime, OffsetDateTime)> = Vec::new();
    let mut covered: Option<(Option<&str>, OffsetDateTime)> = None;
    for (host, begin, end) in spans {
        match covered {
            Some((h, until)) if h == host => {
                if begin - until > time::Duration::SECOND {
                    gaps.push((until, begin));
                }
                covered = Some((host, until.max(end)));
            }
            _ => covered = Some((host, end)),
        }
    }
    gaps.sort();
    let text = |t: OffsetDateTime| crate::model::rfc3339(t.to_offset(time::UtcOffset::UTC));
    gaps.into_iter()
        .filter_map(|(start, end)| Some(TimeRange::new(text(start)?, text(end)?)))
        .collect()
}

/// The English weekday names, Monday first.
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Backup days from comma-separated weekday numbers, `1` Monday to `7` Sunday (Huawei
/// Cloud's `period`); anything else is left out.
///
/// ```
/// assert_eq!(cloud_backup::records::weekdays_from_numbers("1,2, 7"), ["Monday", "Tuesday", "Sunday"]);
/// ```
pub fn weekdays_from_numbers(text: &str) -> Vec<String> {
    text.split(',')
        .filter_map(|day| day.trim().parse::<usize>().ok())
        .filter_map(|day| WEEKDAYS.get(day.checked_sub(1)?))
        .map(|day| (*day).to_owned())
        .collect()
}

/// Backup days from comma-separated English weekday names (Alibaba Cloud's
/// `PreferredBackupPeriod`), in the canonical spelling; unknown names are left out.
///
/// ```
/// assert_eq!(cloud_backup::records::weekdays_from_names("monday,Friday,Funday"), ["Monday", "Friday"]);
/// ```
pub fn weekdays_from_names(text: &str) -> Vec<String> {
    text.split(',')
        .filter_map(|day| {
            WEEKDAYS
                .iter()
                .find(|name| name.eq_ignore_ascii_case(day.trim()))
        })
        .map(|day| (*day).to_owned())
        .collect()
}

/// A backup window as `HH:MM-HH:MM` from the providers' UTC forms: `15:00Z-16:00Z` (Alibaba
/// Cloud) or `19:00-20:00` (Huawei Cloud); `None` for anything else.
///
/// ```
/// use cloud_backup::records::window_utc;
///
/// assert_eq!(window_utc("15:00Z-16:00Z").as_deref(), Some("15:00-16:00"));
/// assert_eq!(window_utc("19:00-20:00").as_deref(), Some("19:00-20:00"));
/// assert_eq!(window_utc("7pm").as_deref(), None);
/// ```
pub fn window_utc(text: &str) -> Option<String> {
    let (start, end) = text.trim().split_once('-')?;
    let clock = |part: &str| -> Option<String> {
        let part = part.trim().trim_end_matches(['Z', 'z']);
        let (hour, minute) = part.split_once(':')?;
        let (hour, minute) = (hour.parse::<u8>().ok()?, minute.parse::<u8>().ok()?);
        (hour <= 24 && minute < 60).then(|| format!("{hour:02}:{minute:02}"))
    };
    Some(format!("{}-{}", clock(start)?, clock(end)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_days_and_windows() {
        assert!(weekdays_from_numbers("0,8,x,").is_empty());
        assert_eq!(weekdays_from_numbers("3"), ["Wednesday"]);
        assert!(weekdays_from_names("").is_empty());
        assert_eq!(window_utc("24:00-01:00").as_deref(), Some("24:00-01:00"));
        assert_eq!(window_utc("25:00-01:00"), None);
        assert_eq!(window_utc("10:60-11:00"), None);
        assert_eq!(window_utc("-"), None);
    }

    #[test]
    fn records_serialize_their_provider_as_its_name() {
        let instance = Instance::new(Provider::HuaweiCloudGaussDb, "in07");
        let json = serde_json::to_value(&instance).unwrap();
        assert_eq!(json["provider"], "huaweicloud-gaussdb");
        let policy =
            BackupPolicy::new(Provider::AliyunRds, "rm-1").with_days(vec!["Monday".into()]);
        let json = serde_json::to_value(&policy).unwrap();
        assert_eq!(json["days"][0], "Monday");
    }
}
