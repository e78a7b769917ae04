//! Alibaba Cloud ApsaraDB RDS: `DescribeBackups` through the [`aliyun_rds`] client. Feature
//! `aliyun-rds`.
//!
//! Credentials: [`Options::credentials`], else the `aliyun-rds` crate's environment chain
//! ([`aliyun_rds::Config::from_env`]).
//! Region ([`Options::region`]): a region id such as `cn-hangzhou`. Download links come from
//! `DescribeBackups` filtered by `BackupId` (`BackupDownloadURL`,
//! `BackupIntranetDownloadURL`).

use aliyun_rds::{Client, Config, DescribeBackupsRequest, Record};
use cloud_http::Error;
use time::UtcOffset;

use crate::common::{
    backup_record, body, bytes, collect_backups, credentials_or_env, non_empty, records,
    request_id, single_link, unavailable,
};
use crate::model::normalize_time;
use crate::service::backup_service;
use crate::{Backup, DownloadLink, Options, Provider};

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

backup_service!(Client, PROVIDER);

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
