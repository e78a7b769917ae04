//! Capital Online (首云) MySQL: `DescribeBackups` and `DownloadBackup` through the
//! [`capitalonline_mysql`] client. Feature `capitalonline-mysql`.
//!
//! Credentials: [`Options::credentials`], else `CDS_SECRET_ID` and `CDS_SECRET_KEY`. Region ([`Options::region`]): `cn`
//! (mainland China, the default), `asia` or `us`, the three endpoints of the Capital Online
//! OpenAPI. Times are sent without a zone and are China Standard Time (UTC+08:00).

use capitalonline_mysql::{Client, Config};
use cloud_http::Error;
use serde_json::Value;

use crate::common::{
    backup_failed, backup_record, body, bytes, credentials_or_env, instance_record, non_empty,
    now_rfc3339, records, request_id, single_link, started_since,
};
use crate::manual::Progress;
use crate::model::{CHINA_STANDARD_TIME, normalize_time};
use crate::service::backup_service;
use crate::{Backup, CreatedBackup, DownloadLink, Instance, Options, Provider};

const PROVIDER: Provider = Provider::CapitalOnlineMysql;

/// The regions `--region` accepts, and their endpoints.
pub const REGIONS: &[(&str, &str)] = &[
    ("cn", capitalonline_mysql::DEFAULT_ENDPOINT),
    ("asia", capitalonline_mysql::ASIA_ENDPOINT),
    ("us", capitalonline_mysql::US_ENDPOINT),
];

/// A client with `options`' credentials (else the environment's) and region or endpoint.
pub fn client(options: &Options) -> Result<Client, Error> {
    let base = credentials_or_env(options, Config::new, Config::from_env)?;
    Client::new(config(base, options)?)
}

/// Applies `options` to `config`: the region's endpoint, then the endpoint override.
pub fn config(mut config: Config, options: &Options) -> Result<Config, Error> {
    if let Some(region) = &options.region {
        let wanted = region.trim().to_ascii_lowercase();
        let Some((_, endpoint)) = REGIONS.iter().find(|(name, _)| *name == wanted) else {
            let names: Vec<&str> = REGIONS.iter().map(|(name, _)| *name).collect();
            return Err(Error::config(format!(
                "unknown Capital Online region {region:?}; expected one of: {}",
                names.join(", ")
            )));
        };
        config = config.with_endpoint(endpoint)?;
    }
    if let Some(endpoint) = &options.endpoint {
        config = config.with_endpoint(endpoint)?;
    }
    let http = options.http_config(config.http());
    Ok(config.with_http(http))
}

/// Every backup of `instance_id`, with `client`.
///
/// `DescribeBackups` is not paged: one call gives the whole list, kept as sent (one record per
/// element of `Data`, whose `raw` is that element as received).
pub async fn list_backups_with(client: &Client, instance_id: &str) -> Result<Vec<Backup>, Error> {
    let raw = client.describe_backups_raw(instance_id).await?;
    let body = body(&raw)?;
    Ok(records(body.get("Data"))
        .into_iter()
        .map(|record| backup_from_record(instance_id, record))
        .collect())
}

/// The download link of backup `backup_id` of `instance_id`, with `client`: `DownloadBackup`'s
/// `BackupDownloadUrl` (public) with `BackupIntranetDownloadUrl`.
///
/// A response without a public URL is an error: the backup cannot be downloaded now.
pub async fn download_links_with(
    client: &Client,
    instance_id: &str,
    backup_id: &str,
) -> Result<Vec<DownloadLink>, Error> {
    let raw = client.download_backup_raw(instance_id, backup_id).await?;
    let body = body(&raw)?;
    let data = match body.get("Data") {
        Some(data @ Value::Object(_)) => {
            serde_json::from_value::<capitalonline_mysql::BackupDownload>(data.clone())
                .unwrap_or_default()
        }
        _ => capitalonline_mysql::BackupDownload::default(),
    };
    let urls = [
        data.backup_download_url,
        data.backup_intranet_download_url,
        data.status,
    ];
    let id = request_id(&raw, &body);
    let link = single_link(
        PROVIDER,
        instance_id,
        backup_id,
        urls,
        bytes(data.backup_size),
        id,
    )?;
    Ok(vec![link])
}

/// A [`Backup`] from one element of `DescribeBackups`' `Data`, kept whole as `raw`.
///
/// ```
/// use cloud_backup::capitalonline::backup_from_record;
///
/// let record = serde_json::json!({
///     "BackupId": "b-1", "BackupSize": 677496, "Status": "finished",
///     "StartTime": "2020-06-18 04:09:59", "EndTime": "2020-06-18 04:10:13",
/// });
/// let backup = backup_from_record("0f3c5b4e", record.clone());
/// assert_eq!(backup.size_bytes, Some(677496));
/// assert_eq!(backup.started_at.as_deref(), Some("2020-06-18T04:09:59+08:00"));
/// assert_eq!(backup.raw, record);
/// ```
pub fn backup_from_record(instance_id: &str, record: Value) -> Backup {
    // The generated type is lenient: any JSON object decodes.
    let typed =
        serde_json::from_value::<capitalonline_mysql::Backup>(record.clone()).unwrap_or_default();
    let time = |t: Option<String>| t.and_then(|t| normalize_time(&t, CHINA_STANDARD_TIME));
    let finished = time(typed.end_time).or_else(|| time(typed.backup_finish_time));
    let texts = [typed.backup_id, typed.status, typed.backup_type];
    let times = [time(typed.start_time), finished];
    backup_record(
        PROVIDER,
        instance_id,
        texts,
        bytes(typed.backup_size),
        times,
        record,
    )
}

/// Every MySQL instance of the account, with `client`: `DescribeDBInstances` (one call: the
/// API does not page). Each record's `raw` is the element of `Data` as received.
pub async fn list_instances_with(client: &Client) -> Result<Vec<Instance>, Error> {
    let raw = client
        .describe_db_instances_raw(&capitalonline_mysql::DescribeDBInstancesRequest::default())
        .await?;
    let body = body(&raw)?;
    Ok(records(body.get("Data"))
        .into_iter()
        .map(instance_from_record)
        .collect())
}

/// An [`Instance`] from one element of `DescribeDBInstances`' `Data`, kept whole as `raw`;
/// its zone is the availability zone code (`RegionId`, e.g. `CN_Hongkong_A`) and its
/// creation time China Standard Time.
pub fn instance_from_record(record: Value) -> Instance {
    // The generated type is lenient: any JSON object decodes.
    let typed = serde_json::from_value::<capitalonline_mysql::DBInstance>(record.clone())
        .unwrap_or_default();
    let created = typed
        .created_time
        .and_then(|t| normalize_time(&t, CHINA_STANDARD_TIME));
    let texts = [
        typed.instance_uuid,
        typed.instance_name,
        Some("MySQL".to_owned()),
        typed.version,
        typed.status,
        None,
        typed.region_id,
    ];
    instance_record(PROVIDER, texts, created, record)
}

/// Starts a physical backup of `instance_id`, with `client`: `CreateBackup` (`name` becomes
/// its description). The answer carries a task ID only.
pub async fn create_backup_with(
    client: &Client,
    instance_id: &str,
    name: &str,
) -> Result<CreatedBackup, Error> {
    let mut created = CreatedBackup::new(PROVIDER, instance_id, now_rfc3339());
    let mut request = capitalonline_mysql::CreateBackupRequest::new(instance_id, "physical-backup");
    if !name.trim().is_empty() {
        request = request.with_desc(name);
    }
    let raw = client.call_raw(&request).await?;
    let body = body(&raw)?;
    created.job_id = body
        .get("TaskId")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .and_then(|id| non_empty(Some(id)));
    created.raw = body;
    Ok(created)
}

/// One look at a backup `created` started: Capital Online names no backup and has no task
/// API, so it is the newest manual backup that started since the create call (less a minute
/// of clock difference), once its status is `finished`.
pub async fn backup_progress_with(
    client: &Client,
    created: &CreatedBackup,
) -> Result<Progress, Error> {
    let backups = list_backups_with(client, &created.instance_id).await?;
    let candidate = backups.into_iter().find(|backup| {
        backup.raw.get("BackupMode").and_then(Value::as_str) == Some("manual")
            && started_since(backup, &created.requested_at)
    });
    Ok(match candidate {
        Some(backup) if backup.status.as_deref() == Some("finished") => {
            Progress::Done(Box::new(backup))
        }
        Some(backup)
            if backup
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("failed")) =>
        {
            return Err(backup_failed(&backup.backup_id, "failed"));
        }
        Some(backup) => Progress::Running {
            status: backup.status,
            backup_id: Some(backup.backup_id),
        },
        None => Progress::Running {
            status: None,
            backup_id: None,
        },
    })
}

/// Deletes backup `backup_id` of `instance_id`, with `client`: `DeleteBackup`.
pub async fn delete_backup_with(
    client: &Client,
    instance_id: &str,
    backup_id: &str,
) -> Result<(), Error> {
    let request = capitalonline_mysql::DeleteBackupRequest::new(instance_id, backup_id);
    client.call(&request).await.map(|_| ())
}

backup_service!(
    Client,
    PROVIDER,
    instances: list_instances_with,
    manual: (create_backup_with, backup_progress_with, delete_backup_with),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_of_the_documented_example() {
        let record = serde_json::json!({
            "BackupId": "**************************",
            "BackupMode": "auto",
            "BackupSize": 677496,
            "BackupType": "logical-backup",
            "Desc": "",
            "EndTime": "2020-06-18 04:10:13",
            "InstanceId": "**************************",
            "StartTime": "2020-06-18 04:09:59",
            "Status": "finished",
            "BackupStrategy": "db"
        });
        let backup = backup_from_record("i-1", record.clone());
        assert_eq!(backup.provider, PROVIDER);
        assert_eq!(backup.instance_id, "i-1");
        assert_eq!(backup.backup_id, "**************************");
        assert_eq!(backup.status.as_deref(), Some("finished"));
        assert_eq!(backup.size_bytes, Some(677_496));
        assert_eq!(
            backup.started_at.as_deref(),
            Some("2020-06-18T04:09:59+08:00")
        );
        assert_eq!(
            backup.finished_at.as_deref(),
            Some("2020-06-18T04:10:13+08:00")
        );
        assert_eq!(backup.backup_type.as_deref(), Some("logical-backup"));
        assert_eq!(backup.raw, record);
    }

    #[test]
    fn odd_records_do_not_fail() {
        let record = serde_json::json!({
            "BackupId": 42, "BackupSize": "-5", "StartTime": "", "BackupFinishTime": "2020-06-18 04:10:13",
            "Status": null
        });
        let backup = backup_from_record("i-1", record);
        assert_eq!(backup.backup_id, "42");
        assert_eq!(backup.size_bytes, None);
        assert_eq!(backup.started_at, None);
        assert_eq!(
            backup.finished_at.as_deref(),
            Some("2020-06-18T04:10:13+08:00")
        );
        assert_eq!(backup.status, None);
    }

    #[test]
    fn regions_and_endpoints() {
        let base = || Config::new(capitalonline_mysql::Credentials::new("id", "secret"));
        let asia = config(base(), &Options::new().with_region("ASIA")).unwrap();
        assert_eq!(asia.endpoint(), capitalonline_mysql::ASIA_ENDPOINT);
        let both = config(
            base(),
            &Options::new()
                .with_region("us")
                .with_endpoint("http://127.0.0.1:9"),
        )
        .unwrap();
        assert_eq!(both.endpoint(), "http://127.0.0.1:9");
        let error = config(base(), &Options::new().with_region("eu-west-1")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "configuration error: unknown Capital Online region \"eu-west-1\"; expected one of: cn, asia, us"
        );
        assert!(config(base(), &Options::new().with_endpoint("http://h/mysql")).is_err());
    }
}
