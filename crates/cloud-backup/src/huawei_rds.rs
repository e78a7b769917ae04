//! Huawei Cloud RDS: `ListBackups` and `ListBackupFiles` through the [`huaweicloud_rds`]
//! client. Feature `huaweicloud-rds`.
//!
//! Credentials: [`Options::credentials`] (then nothing is read from the environment), else the
//! Huawei Cloud chain of [`huaweicloud_core::Config::from_env`]:
//! `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` (and `HUAWEICLOUD_SDK_SECURITY_TOKEN`), else the
//! `[basic]` section of `~/.huaweicloud/credentials`. The project id is part of every request
//! path: [`Options::project_id`], else `HUAWEICLOUD_SDK_PROJECT_ID`, else the file's. Region
//! ([`Options::region`], else `HUAWEICLOUD_SDK_REGION`): a region id such as `cn-north-4`,
//! which picks `https://rds.<region>.myhuaweicloud.com`; one of the two (or an endpoint) is
//! needed.
//!
//! Sizes arrive in kB and become bytes (× 1024); times arrive with their offset
//! (`2018-08-06T12:41:14+0800`) and keep it. Download links come from `ListBackupFiles`
//! (`ShowBackupDownloadLink` in the official SDK), one per file of the backup.

use huaweicloud_rds::{Client, ListBackupFilesResponse, ListBackupsRequest, Record};

use crate::common::{
    backup_record, collect_backups, collect_mapped, huawei_policy, huawei_progress, huawei_ranges,
    instance_record, non_empty, now_rfc3339, unavailable,
};
use crate::manual::Progress;
use crate::model::{normalize_time, rfc3339};
use crate::service::backup_service;
use crate::{
    Backup, BackupPolicy, CreatedBackup, DownloadLink, Error, Instance, LogFile, Options, Provider,
    RestoreWindow,
};
use time::UtcOffset;

pub use crate::common::huawei_config as config;

const PROVIDER: Provider = Provider::HuaweiCloudRds;

/// A client with `options`' credentials (else the environment's chain), region, endpoint and
/// project id. With credentials in `options`, nothing is read from the environment: the
/// project id and the region (or endpoint) must be in `options` too.
pub fn client(options: &Options) -> Result<Client, Error> {
    Client::new(crate::common::huawei_options_config(options)?)
}

/// Every backup of `instance_id`, with `client`: `ListBackups` page after page (`limit` 100)
/// until `total_count`, each backup once, through [`Client::backup_records`].
///
/// Each record's `raw` is the element of `backups` as received.
pub async fn list_backups_with(client: &Client, instance_id: &str) -> Result<Vec<Backup>, Error> {
    let request = ListBackupsRequest::new(instance_id);
    let records = client.backup_records(request);
    collect_backups(records, instance_id, backup_from_record).await
}

/// The download links of the files of backup `backup_id` of `instance_id`, with `client`: one
/// [`DownloadLink`] per file of `ListBackupFiles`, with its name, size in bytes and expiry
/// (`link_expired_time`).
///
/// `ListBackupFiles` takes only the backup id, so the backup is first looked up among the
/// instance's (`ListBackups` filtered by `instance_id` and `backup_id`): a backup of another
/// instance is not found, as on the other providers. A backup with no file to download now
/// (e.g. still building) is an error naming its status.
pub async fn download_links_with(
    client: &Client,
    instance_id: &str,
    backup_id: &str,
) -> Result<Vec<DownloadLink>, Error> {
    let request = ListBackupsRequest::new(instance_id).with_backup_id(backup_id);
    let listed = client.list_backups_raw(&request).await?;
    let found = listed
        .json::<huaweicloud_rds::ListBackupsResponse>()?
        .backups
        .into_iter()
        .find(|backup| backup.id.as_deref().map(str::trim) == Some(backup_id.trim()));
    let Some(backup) = found else {
        return Err(unavailable(
            listed.request_id().map(str::to_owned),
            format!("backup {backup_id} of instance {instance_id} was not found"),
        ));
    };
    let (links, request_id) = file_links(client, instance_id, backup_id).await?;
    if links.is_empty() {
        let status = non_empty(backup.status)
            .map(|s| format!(" (backup status: {s})"))
            .unwrap_or_default();
        return Err(unavailable(
            request_id,
            format!("backup {backup_id} of instance {instance_id} has no download URL now{status}"),
        ));
    }
    Ok(links)
}

/// The files of backup `backup_id` that have a download URL now (`ListBackupFiles`), as links,
/// and the request id of the answer.
async fn file_links(
    client: &Client,
    instance_id: &str,
    backup_id: &str,
) -> Result<(Vec<DownloadLink>, Option<String>), Error> {
    let raw = client.list_backup_files_raw(backup_id).await?;
    let links: Vec<DownloadLink> = raw
        .json::<ListBackupFilesResponse>()?
        .files
        .into_iter()
        .filter_map(|file| {
            let mut link = DownloadLink::new(
                PROVIDER,
                instance_id,
                backup_id,
                non_empty(file.download_link.clone())?,
            );
            link.size_bytes = file.size_bytes();
            link.expires_at = file.link_expired_time_parsed().and_then(rfc3339);
            link.name = non_empty(file.name);
            Some(link)
        })
        .collect();
    Ok((links, raw.request_id().map(str::to_owned)))
}

/// A [`Backup`] from one element of `ListBackups`' `backups`: its typed fields (size in bytes,
/// `begin_time` and `end_time` in their own offset), and the element as received as `raw`.
///
/// ```
/// use cloud_backup::huawei_rds::backup_from_record;
/// use huaweicloud_rds::Record;
///
/// let record = serde_json::json!({
///     "id": "43e4feaab48f11e89039fa163ebaa7e4br01", "type": "auto", "size": 2803,
///     "status": "COMPLETED", "begin_time": "2018-08-06T12:41:14+0800",
///     "end_time": "2018-08-06T12:43:14+0800",
/// });
/// let backup = backup_from_record("a48e43ff268f4c0e879652d65e63d0fbin01", Record::from_raw(record.clone())?);
/// assert_eq!(backup.size_bytes, Some(2803 * 1024));
/// assert_eq!(backup.started_at.as_deref(), Some("2018-08-06T12:41:14+08:00"));
/// assert_eq!(backup.raw, record);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn backup_from_record(instance_id: &str, record: Record<huaweicloud_rds::Backup>) -> Backup {
    let (typed, raw) = record.into_parts();
    let size = typed.size_bytes();
    let times = [
        typed.begin_time_parsed().and_then(rfc3339),
        typed.end_time_parsed().and_then(rfc3339),
    ];
    let texts = [typed.id, typed.status, typed.r#type];
    backup_record(PROVIDER, instance_id, texts, size, times, raw)
}

/// Every MySQL instance of the project, with `client`: `ListInstances`
/// (`datastore_type=MySQL`, `limit` 100) page after page, each once. Each record's `raw` is
/// the element of `instances` as received.
pub async fn list_instances_with(client: &Client) -> Result<Vec<Instance>, Error> {
    let request = huaweicloud_rds::ListInstancesRequest::default().with_datastore_type("MySQL");
    collect_mapped(client.instance_records(request), instance_from_record).await
}

/// An [`Instance`] from one element of `ListInstances`' `instances`; its zone is the
/// primary node's availability zone.
pub fn instance_from_record(record: Record<huaweicloud_rds::InstanceResponse>) -> Instance {
    let (typed, raw) = record.into_parts();
    let zone = typed
        .nodes
        .iter()
        .find(|node| node.role.as_deref() == Some("master"))
        .or(typed.nodes.first())
        .and_then(|node| node.availability_zone.clone());
    let created = typed
        .created
        .and_then(|t| normalize_time(&t, UtcOffset::UTC));
    let (engine, version) = typed
        .datastore
        .map(|datastore| (datastore.r#type, datastore.version))
        .unwrap_or_default();
    let texts = [
        typed.id,
        typed.name,
        engine,
        version,
        typed.status,
        typed.region,
        zone,
    ];
    instance_record(PROVIDER, texts, created, raw)
}

/// The automated backup policy of `instance_id`, with `client`: `ShowBackupPolicy`
/// (`keep_days` 0 means it is off); its `raw` is `backup_policy` as received.
pub async fn backup_policy_with(client: &Client, instance_id: &str) -> Result<BackupPolicy, Error> {
    let request = huaweicloud_rds::ShowBackupPolicyRequest::new(instance_id);
    let raw = client.show_backup_policy_raw(&request).await?;
    let body: serde_json::Value = raw.json()?;
    let record = body.get("backup_policy").cloned().unwrap_or_default();
    let typed =
        serde_json::from_value::<huaweicloud_rds::BackupPolicy>(record.clone()).unwrap_or_default();
    Ok(huawei_policy(
        PROVIDER,
        instance_id,
        typed.keep_days,
        [typed.start_time, typed.period],
        record,
    ))
}

/// The restorable time ranges of `instance_id`, with `client`: the `restore_time` of the answer, from
/// Unix milliseconds to RFC 3339 (UTC), oldest first; its `raw` is the body as received.
pub async fn restore_window_with(
    client: &Client,
    instance_id: &str,
) -> Result<RestoreWindow, Error> {
    let raw = client
        .list_restore_times_raw(&huaweicloud_rds::ListRestoreTimesRequest::new(instance_id))
        .await?;
    let body: serde_json::Value = raw.json()?;
    Ok(RestoreWindow::new(PROVIDER, instance_id)
        .with_ranges(huawei_ranges(body.get("restore_time")))
        .with_raw(body))
}

/// Starts a manual backup of `instance_id` named `name`, with `client`:
/// `CreateManualBackup`. The answer carries the new backup's ID.
pub async fn create_backup_with(
    client: &Client,
    instance_id: &str,
    name: &str,
) -> Result<CreatedBackup, Error> {
    let mut created = CreatedBackup::new(PROVIDER, instance_id, now_rfc3339());
    let request = huaweicloud_rds::CreateManualBackupRequest::new(instance_id, name);
    let raw = client.create_manual_backup_raw(&request).await?;
    let body: serde_json::Value = raw.json()?;
    let typed = serde_json::from_value::<huaweicloud_rds::CreateManualBackupResponse>(body.clone())
        .unwrap_or_default()
        .backup
        .unwrap_or_default();
    created.backup_id = non_empty(typed.id);
    created.status = non_empty(typed.status);
    created.raw = body;
    Ok(created)
}

/// One look at a backup `created` started: `ListBackups` filtered by its ID; `COMPLETED` is
/// done, `FAILED` an error, anything else (or not listed yet) still running.
pub async fn backup_progress_with(
    client: &Client,
    created: &CreatedBackup,
) -> Result<Progress, Error> {
    let Some(backup_id) = created.backup_id.clone() else {
        return Err(Error::config(
            "CreateManualBackup gave no backup ID to follow",
        ));
    };
    let request = ListBackupsRequest::new(&created.instance_id).with_backup_id(&backup_id);
    let records = client.backup_records(request);
    let backups = collect_backups(records, &created.instance_id, backup_from_record).await?;
    huawei_progress(
        backups.into_iter().find(|b| b.backup_id == backup_id),
        &backup_id,
    )
}

/// Deletes manual backup `backup_id`, with `client`: `DeleteManualBackup` (the API takes the
/// backup ID only).
pub async fn delete_backup_with(
    client: &Client,
    _instance_id: &str,
    backup_id: &str,
) -> Result<(), Error> {
    client
        .delete_manual_backup(&huaweicloud_rds::DeleteManualBackupRequest::new(backup_id))
        .await
}

/// The binlog files of `instance_id` overlapping `since`..`until`, with `client`: its
/// incremental backups (`ListBackups`, `backup_type=incremental`), oldest first; with
/// `links`, each backup's files through `ListBackupFiles` (one call a backup), one record a
/// file, with its URL and expiry.
pub async fn list_log_files_with(
    client: &Client,
    instance_id: &str,
    since: time::OffsetDateTime,
    until: time::OffsetDateTime,
    links: bool,
) -> Result<Vec<LogFile>, Error> {
    let request = ListBackupsRequest::new(instance_id)
        .with_backup_type("incremental")
        .with_begin_time(since)
        .with_end_time(until);
    let mut backups = collect_backups(
        client.backup_records(request),
        instance_id,
        backup_from_record,
    )
    .await?;
    // Newest first as listed; binlogs are replayed oldest first.
    backups.reverse();
    let mut files = Vec::with_capacity(backups.len());
    for backup in backups {
        let name = backup
            .raw
            .get("name")
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .unwrap_or(&backup.backup_id)
            .to_owned();
        let mut file = LogFile::new(PROVIDER, instance_id, name);
        file.backup_id = Some(backup.backup_id.clone());
        file.size_bytes = backup.size_bytes;
        file.begin_at = backup.started_at.clone();
        file.end_at = backup.finished_at.clone();
        file.raw = backup.raw.clone();
        if !links {
            files.push(file);
            continue;
        }
        let (links, _) = file_links(client, instance_id, &backup.backup_id).await?;
        if links.is_empty() {
            // Listed without a file to fetch now: kept, without a URL, so that the caller
            // sees it and says so.
            files.push(file);
            continue;
        }
        for link in links {
            let mut with_link = file.clone();
            if let Some(name) = link.name.clone() {
                with_link.file_name = name;
            }
            with_link.size_bytes = link.size_bytes.or(file.size_bytes);
            with_link.url = Some(link.url);
            with_link.expires_at = link.expires_at;
            files.push(with_link);
        }
    }
    Ok(files)
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

    fn backup(record: serde_json::Value) -> Backup {
        backup_from_record("in01", Record::from_raw(record).unwrap())
    }

    #[test]
    fn records_of_the_documented_examples() {
        let record = serde_json::json!({
            "id": "43e4feaab48f11e89039fa163ebaa7e4br03", "name": "xxxx.xxx", "type": "incremental",
            "size": 2803, "status": "COMPLETED",
            "begin_time": "2018 - 08 - 06 T12: 41: 14 + 0800",
            "end_time": "2018 - 08 - 06 T12: 43: 14 + 0800",
        });
        let converted = backup(record.clone());
        assert_eq!(converted.provider, PROVIDER);
        assert_eq!(converted.backup_id, "43e4feaab48f11e89039fa163ebaa7e4br03");
        assert_eq!(converted.status.as_deref(), Some("COMPLETED"));
        assert_eq!(converted.backup_type.as_deref(), Some("incremental"));
        assert_eq!(converted.size_bytes, Some(2_870_272));
        assert_eq!(
            converted.started_at.as_deref(),
            Some("2018-08-06T12:41:14+08:00")
        );
        assert_eq!(
            converted.finished_at.as_deref(),
            Some("2018-08-06T12:43:14+08:00")
        );
        assert_eq!(converted.raw, record);
    }

    #[test]
    fn odd_records_do_not_fail() {
        // The SQL Server example's `"id "`, a negative size, an unreadable time.
        let record = serde_json::json!({
            "id ": "43e4feaab48f11e89039fa163ebaa7e4br04", "size": -1, "begin_time": "soon",
            "status": null, "type": "  ",
        });
        let converted = backup(record.clone());
        assert_eq!(converted.backup_id, "");
        assert_eq!(converted.size_bytes, None);
        assert_eq!(converted.started_at, None);
        assert_eq!(converted.finished_at, None);
        assert_eq!(converted.status, None);
        assert_eq!(converted.backup_type, None);
        assert_eq!(converted.raw, record);
    }
}
