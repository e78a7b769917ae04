//! Huawei Cloud GaussDB for MySQL (TaurusDB): `ShowInstanceBackups` through the
//! [`huaweicloud_gaussdb`] client. Feature `huaweicloud-gaussdb`.
//!
//! Credentials, project id and region: as for [`huawei_rds`](crate::huawei_rds) (the same
//! Huawei Cloud chain); the region picks the GaussDB endpoint from the official SDK's region
//! table, whose host prefix differs from region to region (`gaussdb.`, `gaussdbformysql.`,
//! `gaussdb-mysql.`).
//!
//! What a [`Backup`] holds:
//!
//! * `size_bytes`: `size` (a decimal string such as `"74464.0"`) in the unit of `size_unit`
//!   (`KB` when missing, as documented; `MB`, `GB`, `B` are honoured);
//! * `started_at`: `created`, sent without a zone (`2026-01-04 17:30:30`), in the zone of the
//!   record's `time_zone` (`UTC+08:00`); without a readable `time_zone` it is left out rather
//!   than guessed;
//! * `finished_at`: always `None`. `ShowInstanceBackups` sends no end time: its `updated` is
//!   when the backup record last changed, which the API does not promise to be the end of the
//!   backup, so it is not passed off as one (it stays in `raw`);
//! * `type`: `backup_type` as sent (`Db`, `Snapshot`).
//!
//! GaussDB for MySQL has no API for backup download links: [`no_download_links`] says so.

use huaweicloud_gaussdb::{BackupV3, Client, Record, ShowInstanceBackupsRequest};

use crate::common::{
    backup_record, collect_backups, collect_mapped, huawei_policy, huawei_progress, huawei_ranges,
    instance_record, non_empty, now_rfc3339,
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

const PROVIDER: Provider = Provider::HuaweiCloudGaussDb;

/// A client with `options`' credentials (else the environment's chain), region, endpoint and
/// project id. With credentials in `options`, nothing is read from the environment: the
/// project id and the region (or endpoint) must be in `options` too.
pub fn client(options: &Options) -> Result<Client, Error> {
    Client::new(crate::common::huawei_options_config(options)?)
}

/// Every full backup of `instance_id`, with `client`: `ShowInstanceBackups` page after page
/// (`limit` 100) until `total_count`, each backup once, through
/// [`Client::instance_backup_records`].
///
/// Each record's `raw` is the element of `backups` as received.
pub async fn list_backups_with(client: &Client, instance_id: &str) -> Result<Vec<Backup>, Error> {
    let request = ShowInstanceBackupsRequest::new(instance_id);
    let records = client.instance_backup_records(request);
    collect_backups(records, instance_id, backup_from_record).await
}

/// Always an error (of kind [`Config`](cloud_http::ErrorKind::Config), before anything is
/// sent): GaussDB for MySQL has no API that gives backup download links (the official SDK
/// has none; its backups are kept by the service in OBS). The error names the alternatives:
/// restoring the backup from the console, or exporting the data to an OBS bucket of one's own.
///
/// ```
/// let error = cloud_backup::huawei_gaussdb::no_download_links("in07", "b-1");
/// assert!(error.to_string().contains("no API for backup download links"));
/// ```
pub fn no_download_links(instance_id: &str, backup_id: &str) -> Error {
    match crate::service::downloadable(PROVIDER, instance_id, backup_id) {
        Err(error) => error,
        Ok(()) => Error::config("GaussDB for MySQL has no API for backup download links"),
    }
}

/// A [`Backup`] from one element of `ShowInstanceBackups`' `backups`: its typed fields (size
/// in bytes from `size` and `size_unit`, `created` in the record's `time_zone`), and the
/// element as received as `raw`. See the [module docs](self) for why `finished_at` is `None`.
///
/// ```
/// use cloud_backup::huawei_gaussdb::backup_from_record;
/// use huaweicloud_gaussdb::Record;
///
/// let record = serde_json::json!({
///     "id": "backup-001", "size": "74464.0", "size_unit": "KB", "status": "COMPLETED",
///     "created": "2026-01-04 17:30:30", "updated": "2026-01-04 17:34:24",
///     "time_zone": "UTC+08:00", "backup_type": "Db",
/// });
/// let backup = backup_from_record("instance-123", Record::from_raw(record.clone())?);
/// assert_eq!(backup.size_bytes, Some(74464 * 1024));
/// assert_eq!(backup.started_at.as_deref(), Some("2026-01-04T17:30:30+08:00"));
/// assert_eq!(backup.finished_at, None);
/// assert_eq!(backup.raw, record);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn backup_from_record(instance_id: &str, record: Record<BackupV3>) -> Backup {
    let (typed, raw) = record.into_parts();
    // ShowInstanceBackups gives no end time.
    let times = [typed.created_at().and_then(rfc3339), None];
    let size = typed.size_bytes();
    backup_record(
        PROVIDER,
        instance_id,
        [typed.id, typed.status, typed.backup_type],
        size,
        times,
        raw,
    )
}

/// Always [`no_download_links`]: the service has no download API (for the seam).
async fn download_links_with(
    _client: &Client,
    instance_id: &str,
    backup_id: &str,
) -> Result<Vec<DownloadLink>, Error> {
    Err(no_download_links(instance_id, backup_id))
}

/// Every instance of the project, with `client`: `ListGaussMySqlInstancesUnifyStatus`
/// (`limit` 100) page after page, each once. Each record's `raw` is the element of
/// `instances` as received.
pub async fn list_instances_with(client: &Client) -> Result<Vec<Instance>, Error> {
    let request = huaweicloud_gaussdb::ListGaussMySqlInstancesUnifyStatusRequest::default();
    collect_mapped(client.instance_records(request), instance_from_record).await
}

/// An [`Instance`] from one element of the instance listing; the engine is
/// `gaussdb-mysql`, as the API names it.
pub fn instance_from_record(
    record: Record<huaweicloud_gaussdb::MysqlInstanceListInfo>,
) -> Instance {
    let (typed, raw) = record.into_parts();
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
        None,
    ];
    instance_record(PROVIDER, texts, created, raw)
}

/// The automated backup policy of `instance_id`, with `client`: `ShowGaussMySqlBackupPolicy`;
/// its `raw` is `backup_policy` as received.
pub async fn backup_policy_with(client: &Client, instance_id: &str) -> Result<BackupPolicy, Error> {
    let request = huaweicloud_gaussdb::ShowGaussMySqlBackupPolicyRequest::new(instance_id);
    let raw = client.show_backup_policy_raw(&request).await?;
    let body: serde_json::Value = raw.json()?;
    let record = body.get("backup_policy").cloned().unwrap_or_default();
    let typed = serde_json::from_value::<huaweicloud_gaussdb::GaussBackupPolicy>(record.clone())
        .unwrap_or_default();
    Ok(huawei_policy(
        PROVIDER,
        instance_id,
        typed.keep_days,
        [typed.start_time, typed.period],
        record,
    ))
}

/// The restorable time ranges of `instance_id`, with `client`: the `restore_times` of the answer, from
/// Unix milliseconds to RFC 3339 (UTC), oldest first; its `raw` is the body as received.
pub async fn restore_window_with(
    client: &Client,
    instance_id: &str,
) -> Result<RestoreWindow, Error> {
    let raw = client
        .show_backup_restore_time_raw(&huaweicloud_gaussdb::ShowBackupRestoreTimeRequest::new(
            instance_id,
        ))
        .await?;
    let body: serde_json::Value = raw.json()?;
    Ok(RestoreWindow::new(PROVIDER, instance_id)
        .with_ranges(huawei_ranges(body.get("restore_times")))
        .with_raw(body))
}

/// Starts a manual backup of `instance_id` named `name`, with `client`:
/// `CreateGaussMySqlBackup`. The answer carries the new backup's ID and a job ID.
pub async fn create_backup_with(
    client: &Client,
    instance_id: &str,
    name: &str,
) -> Result<CreatedBackup, Error> {
    let mut created = CreatedBackup::new(PROVIDER, instance_id, now_rfc3339());
    let request = huaweicloud_gaussdb::CreateGaussMySqlBackupRequest::new(instance_id, name);
    let raw = client.create_backup_raw(&request).await?;
    let body: serde_json::Value = raw.json()?;
    let typed =
        serde_json::from_value::<huaweicloud_gaussdb::CreateGaussMySqlBackupResponse>(body.clone())
            .unwrap_or_default();
    let backup = typed.backup.unwrap_or_default();
    created.backup_id = non_empty(backup.id);
    created.status = non_empty(backup.status);
    created.job_id = non_empty(typed.job_id);
    created.raw = body;
    Ok(created)
}

/// One look at a backup `created` started: the instance's backups; `COMPLETED` (or
/// `AVAILABLE`) is done, `FAILED` an error, anything else (or not listed yet) still running.
pub async fn backup_progress_with(
    client: &Client,
    created: &CreatedBackup,
) -> Result<Progress, Error> {
    let Some(backup_id) = created.backup_id.clone() else {
        return Err(Error::config(
            "CreateGaussMySqlBackup gave no backup ID to follow",
        ));
    };
    let backups = list_backups_with(client, &created.instance_id).await?;
    huawei_progress(
        backups.into_iter().find(|b| b.backup_id == backup_id),
        &backup_id,
    )
}

/// Deletes manual backup `backup_id`, with `client`: `DeleteGaussMySqlBackup`.
pub async fn delete_backup_with(
    client: &Client,
    _instance_id: &str,
    backup_id: &str,
) -> Result<(), Error> {
    client
        .delete_backup(&huaweicloud_gaussdb::DeleteGaussMySqlBackupRequest::new(
            backup_id,
        ))
        .await
        .map(|_| ())
}

/// The incremental (log) backups of `instance_id` overlapping `since`..`until`, with
/// `client`: `ShowGaussMySqlIncrementalBackupList` page after page (`limit` 50), oldest first.
/// GaussDB for MySQL has no API to download them: with `links`, the error that says so.
pub async fn list_log_files_with(
    client: &Client,
    instance_id: &str,
    since: time::OffsetDateTime,
    until: time::OffsetDateTime,
    links: bool,
) -> Result<Vec<LogFile>, Error> {
    if links {
        return Err(crate::service::lacking(
            PROVIDER,
            crate::Capability::DownloadLogBackups,
        ));
    }
    let request = huaweicloud_gaussdb::ShowGaussMySqlIncrementalBackupListRequest::new(instance_id)
        .with_begin_time(since.to_offset(UtcOffset::UTC))
        .with_end_time(until.to_offset(UtcOffset::UTC));
    let mut files = collect_mapped(client.incremental_backup_records(request), |record| {
        let (typed, raw) = record.into_parts();
        let time = |t: Option<String>| t.and_then(|t| normalize_time(&t, UtcOffset::UTC));
        let id = non_empty(typed.id).unwrap_or_default();
        let mut file = LogFile::new(
            PROVIDER,
            String::new(),
            non_empty(typed.name).unwrap_or_else(|| id.clone()),
        );
        file.backup_id = Some(id);
        file.size_bytes = typed
            .size
            .filter(|kb| kb.is_finite() && *kb >= 0.0)
            .map(|kb| (kb * 1024.0).round() as u64);
        file.begin_at = time(typed.begin_time);
        file.end_at = time(typed.end_time);
        file.raw = raw;
        file
    })
    .await?;
    files.reverse();
    for file in &mut files {
        file.instance_id = instance_id.to_owned();
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
        backup_from_record("in07", Record::from_raw(record).unwrap())
    }

    #[test]
    fn records_of_the_documented_example() {
        let record = serde_json::json!({
            "id": "backup-001", "description": "每日自动备份", "instance_id": "instance-123",
            "instance_name": "prod-db", "name": "daily-backup-20231101", "size": "74464.0",
            "size_unit": "KB", "status": "COMPLETED", "created": "2026-01-04 17:30:30",
            "updated": "2026-01-04 17:34:24", "backup_type": "Db", "backup_level": "2",
            "backup_method": "Db", "use_detail": "生产环境备份", "time_zone": "UTC+08:00",
        });
        let converted = backup(record.clone());
        assert_eq!(converted.provider, PROVIDER);
        assert_eq!(converted.instance_id, "in07");
        assert_eq!(converted.backup_id, "backup-001");
        assert_eq!(converted.status.as_deref(), Some("COMPLETED"));
        assert_eq!(converted.size_bytes, Some(76_251_136));
        assert_eq!(
            converted.started_at.as_deref(),
            Some("2026-01-04T17:30:30+08:00")
        );
        assert_eq!(converted.finished_at, None);
        assert_eq!(converted.backup_type.as_deref(), Some("Db"));
        assert_eq!(converted.raw, record);
    }

    #[test]
    fn units_and_zones_are_honoured_and_nothing_is_guessed() {
        let converted = backup(serde_json::json!({
            "size": "1.5", "size_unit": "MB", "created": "2026-01-04 17:30:30",
            "time_zone": "UTC-03:30",
        }));
        assert_eq!(converted.size_bytes, Some(1_572_864));
        assert_eq!(
            converted.started_at.as_deref(),
            Some("2026-01-04T17:30:30-03:30")
        );
        let converted = backup(serde_json::json!({
            "size": "12", "size_unit": "parsecs", "created": "2026-01-04 17:30:30",
        }));
        assert_eq!(converted.size_bytes, None, "an unknown unit");
        assert_eq!(
            converted.started_at, None,
            "a zone-less time without time_zone"
        );
    }

    #[test]
    fn download_links_name_the_alternatives() {
        let error = no_download_links("in07", "b-1");
        assert_eq!(error.kind(), cloud_http::ErrorKind::Config);
        let text = error.to_string();
        for needle in [
            "no API for backup download links",
            "b-1",
            "in07",
            "console",
            "OBS",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
    }
}
