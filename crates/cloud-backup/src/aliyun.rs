//! Alibaba Cloud ApsaraDB RDS: `DescribeBackups` through the [`aliyun_rds`] client. Feature
//! `aliyun-rds`.
//!
//! Credentials: [`Options::credentials`], else the `aliyun-rds` crate's environment chain
//! ([`aliyun_rds::Config::from_env`]).
//! Region ([`Options::region`]): a region id such as `cn-hangzhou`. Download links come from
//! `DescribeBackups` filtered by `BackupId` (`BackupDownloadURL`,
//! `BackupIntranetDownloadURL`).

use aliyun_rds::{
    Client, Config, DescribeBackupPolicyRequest, DescribeBackupsRequest,
    DescribeDBInstancesRequest, Record,
};
use cloud_http::Error;
use serde_json::Value;
use time::UtcOffset;

use crate::common::{
    backup_failed, backup_record, body, bytes, collect_backups, collect_mapped, credentials_or_env,
    instance_record, non_empty, now_rfc3339, records, request_id, single_link, started_since,
    unavailable,
};
use crate::manual::Progress;
use crate::model::normalize_time;
use crate::records::{weekdays_from_names, window_utc};
use crate::service::backup_service;
use crate::{
    Backup, BackupPolicy, CreatedBackup, DownloadLink, Instance, LogFile, Options, Provider,
    RestoreWindow, TimeRange,
};

const PROVIDER: Provider = Provider::AliyunRds;

/// The page size asked for: the largest `DescribeBackups` allows.
pub const PAGE_SIZE: i64 = 100;

/// A client with `options`' credentials (else the environment's chain) and region or
/// endpoint.
pub fn client(options: &Options) -> Result<Client, Error> {
    let base = credentials_or_env(options, Config::new, Config::from_env)?;
    Client::new(config(base, options)?)
}

/// Applies `options` to `config`: the region, then the endpoint override.
pub fn config(mut config: Config, options: &Options) -> Result<Config, Error> {
    if let Some(region) = &options.region {
        config = config.with_region(region.trim());
    }
    if let Some(endpoint) = &options.endpoint {
        config = config.with_endpoint(endpoint)?;
    }
    let http = options.http_config(config.http());
    Ok(config.with_http(http))
}

/// Every backup of `instance_id`, with `client`: `DescribeBackups` page after page
/// (`PageSize` 100) until `TotalRecordCount`, each backup once, through
/// [`Client::backup_records`].
///
/// Each record's `raw` is the element of `Items.Backup` as received. The listing also stops
/// at a page that brings no backup not seen before, so a server that ignores `PageNumber`
/// cannot make it loop.
pub async fn list_backups_with(client: &Client, instance_id: &str) -> Result<Vec<Backup>, Error> {
    let request = DescribeBackupsRequest::new(instance_id).with_page_size(PAGE_SIZE);
    let records = client.backup_records(request);
    collect_backups(records, instance_id, backup_from_record).await
}

/// The download link of backup `backup_id` of `instance_id`, with `client`:
/// `DescribeBackups` filtered by `BackupId`, its `BackupDownloadURL` (public) with
/// `BackupIntranetDownloadURL`.
///
/// A missing backup, or one whose public URL is empty (not downloadable now), is an error.
pub async fn download_links_with(
    client: &Client,
    instance_id: &str,
    backup_id: &str,
) -> Result<Vec<DownloadLink>, Error> {
    let request = DescribeBackupsRequest::new(instance_id).with_backup_id(backup_id);
    let raw = client.describe_backups_raw(&request).await?;
    let body = body(&raw)?;
    let found = records(body.get("Items").and_then(|items| items.get("Backup")))
        .into_iter()
        .map(|record| serde_json::from_value::<aliyun_rds::Backup>(record).unwrap_or_default())
        .find(|backup| backup.backup_id.as_deref().map(str::trim) == Some(backup_id.trim()));
    let Some(backup) = found else {
        return Err(unavailable(
            request_id(&raw, &body),
            format!("backup {backup_id} of instance {instance_id} was not found"),
        ));
    };
    let urls = [
        backup.backup_download_url,
        backup.backup_intranet_download_url,
        backup.backup_status,
    ];
    let size = bytes(backup.backup_size);
    let id = request_id(&raw, &body);
    let mut link = single_link(PROVIDER, instance_id, backup_id, urls, size, id)?;
    // "The checksum ... calculated by using the CRC64 algorithm" (RDS API reference); the
    // documents' example is masked (`1835830439**********`), so only a decimal u64 is kept.
    link.crc64 = non_empty(backup.checksum)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()) && c.parse::<u64>().is_ok());
    Ok(vec![link])
}

/// A [`Backup`] from one element of `DescribeBackups`' `Items.Backup`: its typed fields, and
/// the element as received as `raw`.
///
/// ```
/// use aliyun_rds::Record;
/// use cloud_backup::aliyun::backup_from_record;
///
/// let record = serde_json::json!({
///     "BackupId": 321020562, "BackupSize": 2167808, "BackupStatus": "Success",
///     "BackupStartTime": "2019-02-13T12:20:37Z", "BackupEndTime": "2019-02-13T12:22:53Z",
/// });
/// let backup = backup_from_record("rm-uf6wjk5xxxxxxx", Record::from_raw(record.clone())?);
/// assert_eq!(backup.backup_id, "321020562");
/// assert_eq!(backup.raw["BackupId"], 321020562);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn backup_from_record(instance_id: &str, record: Record<aliyun_rds::Backup>) -> Backup {
    let (typed, raw) = record.into_parts();
    // Alibaba Cloud sends UTC times with a `Z`; a zone-less one is read as UTC too.
    let time = |t: Option<String>| t.and_then(|t| normalize_time(&t, UtcOffset::UTC));
    let texts = [typed.backup_id, typed.backup_status, typed.backup_type];
    let times = [time(typed.backup_start_time), time(typed.backup_end_time)];
    backup_record(
        PROVIDER,
        instance_id,
        texts,
        bytes(typed.backup_size),
        times,
        raw,
    )
}

/// Every MySQL instance of the client's region, with `client`: `DescribeDBInstances`
/// (`Engine=MySQL`, `PageSize` 100) page after page, each once. Each record's `raw` is the
/// element of `Items.DBInstance` as received.
pub async fn list_instances_with(client: &Client) -> Result<Vec<Instance>, Error> {
    let request = DescribeDBInstancesRequest::new(client.config().region())
        .with_engine("MySQL")
        .with_page_size(PAGE_SIZE);
    collect_mapped(client.instance_records(request), instance_from_record).await
}

/// An [`Instance`] from one element of `DescribeDBInstances`' `Items.DBInstance`; its name is
/// the instance's description.
pub fn instance_from_record(record: Record<aliyun_rds::DBInstance>) -> Instance {
    let (typed, raw) = record.into_parts();
    let created = typed
        .create_time
        .and_then(|t| normalize_time(&t, UtcOffset::UTC));
    let texts = [
        typed.db_instance_id,
        typed.db_instance_description,
        typed.engine,
        typed.engine_version,
        typed.db_instance_status,
        typed.region_id,
        typed.zone_id,
    ];
    instance_record(PROVIDER, texts, created, raw)
}

/// The backup policy of `instance_id`, with `client`: `DescribeBackupPolicy`. Automated
/// backups cannot be turned off on Alibaba Cloud, so `enabled` is true when a retention is
/// given; log backup is read from `BackupLog` (`Enable`), else `EnableBackupLog` (`1`).
pub async fn backup_policy_with(client: &Client, instance_id: &str) -> Result<BackupPolicy, Error> {
    let raw = client
        .describe_backup_policy_raw(&DescribeBackupPolicyRequest::new(instance_id))
        .await?;
    let body = body(&raw)?;
    Ok(policy_from_record(instance_id, body))
}

/// A [`BackupPolicy`] from a `DescribeBackupPolicy` body, kept whole as `raw`.
pub fn policy_from_record(instance_id: &str, record: Value) -> BackupPolicy {
    let typed = serde_json::from_value::<aliyun_rds::DescribeBackupPolicyResponse>(record.clone())
        .unwrap_or_default();
    let days = |value: Option<i64>| value.and_then(|days| u32::try_from(days).ok());
    let mut policy = BackupPolicy::new(PROVIDER, instance_id);
    policy.retention_days = days(typed.backup_retention_period);
    policy.enabled = policy.retention_days.map(|days| days > 0);
    policy.window_utc = typed.preferred_backup_time.as_deref().and_then(window_utc);
    policy.days = typed
        .preferred_backup_period
        .as_deref()
        .map(weekdays_from_names)
        .unwrap_or_default();
    policy.log_backup = match non_empty(typed.backup_log).as_deref() {
        Some(text) => Some(text.eq_ignore_ascii_case("enable")),
        None => non_empty(typed.enable_backup_log).map(|flag| flag == "1"),
    };
    policy.log_retention_days = days(typed.log_backup_retention_period);
    policy.next_backup_at = typed
        .preferred_next_backup_time
        .and_then(|t| normalize_time(&t, UtcOffset::UTC));
    policy.raw = record;
    policy
}

/// The restorable time range of `instance_id`, with `client`:
/// `DescribeLocalAvailableRecoveryTime` (one range, UTC); its `raw` is the body as received.
pub async fn restore_window_with(
    client: &Client,
    instance_id: &str,
) -> Result<RestoreWindow, Error> {
    let request = aliyun_rds::DescribeLocalAvailableRecoveryTimeRequest::new(instance_id);
    let raw = client
        .describe_local_available_recovery_time_raw(&request)
        .await?;
    let body = body(&raw)?;
    let typed = serde_json::from_value::<aliyun_rds::DescribeLocalAvailableRecoveryTimeResponse>(
        body.clone(),
    )
    .unwrap_or_default();
    let time = |t: Option<String>| t.and_then(|t| normalize_time(&t, UtcOffset::UTC));
    let ranges = match (
        time(typed.recovery_begin_time),
        time(typed.recovery_end_time),
    ) {
        (Some(start), Some(end)) => vec![TimeRange::new(start, end)],
        _ => Vec::new(),
    };
    Ok(RestoreWindow::new(PROVIDER, instance_id)
        .with_ranges(ranges)
        .with_raw(body))
}

/// Starts a manual backup of `instance_id`, with `client`: `CreateBackup` (Alibaba Cloud
/// takes no name). The answer carries a backup job ID.
pub async fn create_backup_with(
    client: &Client,
    instance_id: &str,
    _name: &str,
) -> Result<CreatedBackup, Error> {
    let mut created = CreatedBackup::new(PROVIDER, instance_id, now_rfc3339());
    let raw = client
        .call_raw(&aliyun_rds::CreateBackupRequest::new(instance_id))
        .await?;
    let body = body(&raw)?;
    let typed = serde_json::from_value::<aliyun_rds::CreateBackupResponse>(body.clone())
        .unwrap_or_default();
    created.job_id = non_empty(typed.backup_job_id);
    created.raw = body;
    Ok(created)
}

/// One look at a backup `created` started: its job in `DescribeBackupTasks` while it runs;
/// once the job has left the list, the backup set in `DescribeBackups` (by the ID the job
/// gave, else the newest manual set started since the create call).
pub async fn backup_progress_with(
    client: &Client,
    created: &CreatedBackup,
) -> Result<Progress, Error> {
    let instance_id = created.instance_id.as_str();
    if let Some(job_id) = &created.job_id {
        let request =
            aliyun_rds::DescribeBackupTasksRequest::new(instance_id).with_backup_job_id(job_id);
        let tasks = client.describe_backup_tasks(&request).await?;
        let job = tasks
            .items
            .map(|items| items.backup_job)
            .unwrap_or_default()
            .into_iter()
            .find(|job| job.backup_job_id.as_deref() == Some(job_id.as_str()));
        if let Some(job) = job {
            return Ok(Progress::Running {
                status: non_empty(job.backup_status),
                backup_id: non_empty(job.backup_id).or_else(|| created.backup_id.clone()),
            });
        }
    }
    let backups = list_backups_with(client, instance_id).await?;
    let found = backups.into_iter().find(|backup| match &created.backup_id {
        Some(id) => backup.backup_id == *id,
        None => {
            backup.raw.get("BackupMode").and_then(Value::as_str) == Some("Manual")
                && started_since(backup, &created.requested_at)
        }
    });
    Ok(match found {
        Some(backup) if backup.status.as_deref() == Some("Failed") => {
            return Err(backup_failed(&backup.backup_id, "Failed"));
        }
        Some(backup) => Progress::Done(Box::new(backup)),
        None => Progress::Running {
            status: None,
            backup_id: created.backup_id.clone(),
        },
    })
}

/// Deletes backup set `backup_id` of `instance_id`, with `client`: `DeleteBackup`.
pub async fn delete_backup_with(
    client: &Client,
    instance_id: &str,
    backup_id: &str,
) -> Result<(), Error> {
    let request = aliyun_rds::DeleteBackupRequest::new(instance_id, backup_id);
    client.delete_backup(&request).await.map(|_| ())
}

/// The log backup files of `instance_id` overlapping `since`..`until`, with `client`:
/// `DescribeBinlogFiles` page after page (`PageSize` 100), oldest first as listed, each with
/// its links (the listing always gives them; `links` changes nothing).
pub async fn list_log_files_with(
    client: &Client,
    instance_id: &str,
    since: time::OffsetDateTime,
    until: time::OffsetDateTime,
    _links: bool,
) -> Result<Vec<LogFile>, Error> {
    let request = aliyun_rds::DescribeBinlogFilesRequest::new(instance_id)
        .with_start_time(since)
        .with_end_time(until)
        .with_page_size(PAGE_SIZE);
    let records = client.binlog_file_records(request);
    let files: Vec<LogFile> = futures::TryStreamExt::try_collect::<Vec<_>>(
        futures::TryStreamExt::map_ok(records, |record| log_file_from_record(instance_id, record)),
    )
    .await?;
    Ok(files)
}

/// A [`LogFile`] from one element of `DescribeBinlogFiles`' `Items.BinLogFile`: the links
/// trimmed (the documented example ends one with a space), the `Checksum` kept only when it is
/// a decimal u64.
pub fn log_file_from_record(instance_id: &str, record: Record<aliyun_rds::BinLogFile>) -> LogFile {
    let (typed, raw) = record.into_parts();
    let time = |t: Option<String>| t.and_then(|t| normalize_time(&t, UtcOffset::UTC));
    let mut file = LogFile::new(
        PROVIDER,
        instance_id,
        non_empty(typed.log_file_name).unwrap_or_default(),
    );
    file.host = non_empty(typed.host_instance_id);
    file.size_bytes = bytes(typed.file_size);
    file.begin_at = time(typed.log_begin_time);
    file.end_at = time(typed.log_end_time);
    file.url = non_empty(typed.download_link);
    file.intranet_url = non_empty(typed.intranet_download_link);
    file.expires_at = time(typed.link_expired_time);
    file.crc64 = non_empty(typed.checksum)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()) && c.parse::<u64>().is_ok());
    file.raw = raw;
    file
}

backup_service!(
    Client,
    PROVIDER,
    instances: list_instances_with,
    policy: backup_policy_with,
    restore_window: restore_window_with,
    manual: (create_backup_with, backup_progress_with, delete_backup_with),
    logs: list_log_files_with,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_of_the_documented_example() {
        let record = serde_json::json!({
            "BackupStatus": "Success",
            "BackupType": "FullBackup",
            "BackupEndTime": "2019-02-13T12:20:00Z",
            "BackupStartTime": "2019-02-03T12:20:00Z",
            "BackupDownloadURL": "http://rdsbak-hz-v3.oss-cn-hangzhou.aliyuncs.com/xxxxx",
            "BackupId": 321020562,
            "HostInstanceID": 5882781,
            "BackupSize": 2167808,
            "Encryption": {},
            "EngineVersion": 8
        });
        let backup = backup_from_record(
            "rm-uf6wjk5xxxxxxx",
            Record::from_raw(record.clone()).unwrap(),
        );
        assert_eq!(backup.provider, PROVIDER);
        assert_eq!(backup.backup_id, "321020562");
        assert_eq!(backup.status.as_deref(), Some("Success"));
        assert_eq!(backup.size_bytes, Some(2_167_808));
        assert_eq!(backup.started_at.as_deref(), Some("2019-02-03T12:20:00Z"));
        assert_eq!(backup.finished_at.as_deref(), Some("2019-02-13T12:20:00Z"));
        assert_eq!(backup.backup_type.as_deref(), Some("FullBackup"));
        assert_eq!(backup.raw, record);
        assert!(backup.raw["BackupId"].is_u64());
    }
}
