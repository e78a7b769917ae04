//! Alibaba Cloud ApsaraDB RDS: `DescribeBackups` through the [`aliyun_rds`] client. Feature
//! `aliyun-rds`.
//!
//! Credentials: the `aliyun-rds` crate's environment chain ([`aliyun_rds::Config::from_env`]).
//! Region ([`Options::region`]): a region id such as `cn-hangzhou`. Download links come from
//! `DescribeBackups` filtered by `BackupId` (`BackupDownloadURL`,
//! `BackupIntranetDownloadURL`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use aliyun_rds::{Client, Config, DescribeBackupsRequest};
use cloud_http::{Error, Page, PageCursor, RawResponse, paginate};
use futures::TryStreamExt;
use serde_json::Value;
use time::UtcOffset;

use crate::common::{body, bytes, non_empty, records, request_id, unavailable};
use crate::model::normalize_time;
use crate::{Backup, DownloadLink, Options, Provider};

const PROVIDER: Provider = Provider::AliyunRds;

/// The page size asked for: the largest `DescribeBackups` allows.
pub const PAGE_SIZE: i64 = 100;

/// The most pages one listing fetches (a million backups): the last guard against a server
/// that sends neither a total nor a short page.
const MAX_PAGES: i64 = 10_000;

/// A client with the credentials of the environment and `options`' region or endpoint.
pub fn client(options: &Options) -> Result<Client, Error> {
    Client::new(config(Config::from_env()?, options)?)
}

/// Applies `options` to `config`: the region, then the endpoint override.
pub fn config(mut config: Config, options: &Options) -> Result<Config, Error> {
    if let Some(region) = &options.region {
        config = config.with_region(region.trim());
    }
    if let Some(endpoint) = &options.endpoint {
        config = config.with_endpoint(endpoint)?;
    }
    Ok(config)
}

/// Every backup of `instance_id` (credentials from the environment).
pub async fn list_backups(options: &Options, instance_id: &str) -> Result<Vec<Backup>, Error> {
    list_backups_with(&client(options)?, instance_id).await
}

/// Every backup of `instance_id`, with `client`: `DescribeBackups` page after page
/// (`PageSize` 100) until `TotalRecordCount`, each backup once.
///
/// Each record's `raw` is the element of `Items.Backup` as received. The listing also stops
/// at a page that brings no backup not seen before, so a server that ignores `PageNumber`
/// cannot make it loop.
pub async fn list_backups_with(client: &Client, instance_id: &str) -> Result<Vec<Backup>, Error> {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    paginate(|cursor: PageCursor| {
        let seen = Arc::clone(&seen);
        let page_number = i64::try_from(cursor.page_index)
            .unwrap_or(i64::MAX - 1)
            .saturating_add(1);
        let request = DescribeBackupsRequest::new(instance_id)
            .with_page_size(PAGE_SIZE)
            .with_page_number(page_number);
        async move {
            let raw = client.describe_backups_raw(&request).await?;
            let (backups, total) = page(instance_id, &raw)?;
            let received = backups.len();
            let new = dedupe(
                &mut seen.lock().unwrap_or_else(PoisonError::into_inner),
                backups,
            );
            // Without a total, a short page is the last one.
            let last = (total.is_none() && i64::try_from(received).unwrap_or(i64::MAX) < PAGE_SIZE)
                || page_number >= MAX_PAGES;
            let page = Page::new(new).with_last(last);
            Ok(match total {
                Some(total) => page.with_total(total),
                None => page,
            })
        }
    })
    .try_collect()
    .await
}

/// Keeps the first backup of each non-empty backup id not in `seen`; backups without an id
/// are kept.
fn dedupe(seen: &mut HashSet<String>, backups: Vec<Backup>) -> Vec<Backup> {
    backups
        .into_iter()
        .filter(|b| b.backup_id.is_empty() || seen.insert(b.backup_id.clone()))
        .collect()
}

/// The backups of one `DescribeBackups` page and its `TotalRecordCount`.
fn page(instance_id: &str, raw: &RawResponse) -> Result<(Vec<Backup>, Option<u64>), Error> {
    let body = body(raw)?;
    let total = body
        .get("TotalRecordCount")
        .and_then(|total| cloud_http::lenient::integer(total).ok().flatten())
        .and_then(|total| u64::try_from(total).ok());
    let backups = records(body.get("Items").and_then(|items| items.get("Backup")))
        .into_iter()
        .map(|record| backup_from_record(instance_id, record))
        .collect();
    Ok((backups, total))
}

/// The download link of backup `backup_id` of `instance_id` (credentials from the
/// environment).
pub async fn download_links(
    options: &Options,
    instance_id: &str,
    backup_id: &str,
) -> Result<Vec<DownloadLink>, Error> {
    download_links_with(&client(options)?, instance_id, backup_id).await
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
    let Some(url) = non_empty(backup.backup_download_url) else {
        let status = non_empty(backup.backup_status)
            .map(|s| format!(" (backup status: {s})"))
            .unwrap_or_default();
        return Err(unavailable(
            request_id(&raw, &body),
            format!("backup {backup_id} of instance {instance_id} has no download URL now{status}"),
        ));
    };
    let mut link = DownloadLink::new(PROVIDER.name(), instance_id, backup_id, url);
    link.intranet_url = non_empty(backup.backup_intranet_download_url);
    link.size_bytes = bytes(backup.backup_size);
    Ok(vec![link])
}

/// A [`Backup`] from one element of `DescribeBackups`' `Items.Backup`, kept whole as `raw`.
///
/// ```
/// use cloud_backup::aliyun::backup_from_record;
///
/// let record = serde_json::json!({
///     "BackupId": 321020562, "BackupSize": 2167808, "BackupStatus": "Success",
///     "BackupStartTime": "2019-02-13T12:20:37Z", "BackupEndTime": "2019-02-13T12:22:53Z",
/// });
/// let backup = backup_from_record("rm-uf6wjk5xxxxxxx", record.clone());
/// assert_eq!(backup.backup_id, "321020562");
/// assert_eq!(backup.raw["BackupId"], 321020562);
/// ```
pub fn backup_from_record(instance_id: &str, record: Value) -> Backup {
    // The generated type is lenient: any JSON object decodes.
    let typed = serde_json::from_value::<aliyun_rds::Backup>(record.clone()).unwrap_or_default();
    // Alibaba Cloud sends UTC times with a `Z`; a zone-less one is read as UTC too.
    let time = |t: Option<String>| t.and_then(|t| normalize_time(&t, UtcOffset::UTC));
    let mut backup = Backup::new(
        PROVIDER.name(),
        instance_id,
        non_empty(typed.backup_id).unwrap_or_default(),
    );
    backup.status = non_empty(typed.backup_status);
    backup.size_bytes = bytes(typed.backup_size);
    backup.started_at = time(typed.backup_start_time);
    backup.finished_at = time(typed.backup_end_time);
    backup.backup_type = non_empty(typed.backup_type);
    backup.raw = record;
    backup
}

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
        let backup = backup_from_record("rm-uf6wjk5xxxxxxx", record.clone());
        assert_eq!(backup.provider, "aliyun-rds");
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
