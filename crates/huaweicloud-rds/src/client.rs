//! The client: checks, builds and sends each operation through the shared Huawei engine.

use huaweicloud_core::{OperationRequest, Service, validate};

use crate::{
    Backup, Error, ListBackupFilesRequest, ListBackupFilesResponse, ListBackupsRequest,
    ListBackupsResponse, RawResponse, Result,
};

/// The operation name of `ListBackups`, in errors and tracing spans.
const LIST_BACKUPS: &str = "ListBackups";
/// The operation name of `ListBackupFiles` (`ShowBackupDownloadLink` in the official SDK).
const LIST_BACKUP_FILES: &str = "ListBackupFiles";

huaweicloud_core::service_client! {
    /// A client of the Huawei Cloud RDS (v3) backup API.
    ///
    /// Cloning is cheap and shares the connection pool. Every request goes to
    /// `<endpoint>/v3/<project_id>/...`, carries `Content-Type: application/json` and
    /// `X-Project-Id`, and is signed with `SDK-HMAC-SHA256` afresh for every attempt (retries
    /// included). HTTP 429 and the gateway's `APIG.0308` / `APIGW.0308` are retried with backoff;
    /// see [`HttpConfig`](crate::HttpConfig).
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use huaweicloud_rds::{Client, ListBackupsRequest};
    ///
    /// # async fn run() -> huaweicloud_rds::Result<()> {
    /// // HUAWEICLOUD_SDK_AK, _SK, _PROJECT_ID and _REGION (or ~/.huaweicloud/credentials).
    /// let client = Client::from_env()?;
    /// let request = ListBackupsRequest::new("43e4feaab48f11e89039fa163ebaa7e4br01").with_backup_type("auto");
    /// let backups: Vec<_> = client.backups(request).try_collect().await?;
    /// for backup in &backups {
    ///     println!("{:?} {:?} bytes, began {:?}", backup.id, backup.size_bytes(), backup.begin_time_parsed());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub struct Client(Service::RDS, crate::ERROR_FORMAT);
}

impl Client {
    /// `ListBackups` (`GET /v3/{project_id}/backups`): one page of the backups of an
    /// instance, filtered by every field set on `request` (`backup_id`, `backup_type`,
    /// `status`, `offset`, `limit`, `begin_time`/`end_time`, and the `X-Language` header).
    ///
    /// The request is checked before anything is sent; a [`Config`](crate::ErrorKind::Config)
    /// error when `instance_id` is empty, `limit` is outside 1..=100, `offset` is negative,
    /// only one of `begin_time` and `end_time` is set (the API needs both or neither), or
    /// `end_time` is not after `begin_time`. The times are sent as
    /// `yyyy-mm-ddThh:mm:ss±hhmm` in their own UTC offset (a value at `+08:00` as
    /// `2018-08-06T10:41:14+0800`).
    ///
    /// A service error becomes an [`Error`] of kind [`Service`](crate::ErrorKind::Service)
    /// with the `error_code` (e.g. `DBS.200022`), `error_msg` and the `X-Request-Id`; a body
    /// that is not the expected JSON is a [`Decode`](crate::ErrorKind::Decode) error.
    pub async fn list_backups(&self, request: &ListBackupsRequest) -> Result<ListBackupsResponse> {
        self.inner
            .send_json(&list_backups_operation(request)?)
            .await
    }

    /// [`list_backups`](Self::list_backups), returning the response as received (status,
    /// headers, body bytes) instead of decoding it. The request is checked and errors are
    /// mapped the same way; only a successful body is left undecoded.
    pub async fn list_backups_raw(&self, request: &ListBackupsRequest) -> Result<RawResponse> {
        self.inner.send(&list_backups_operation(request)?).await
    }

    /// `ListBackupFiles` (`GET /v3/{project_id}/backup-files?backup_id=...`,
    /// `ShowBackupDownloadLink` in the official SDK): the files of a backup with their
    /// download links, sizes (kB; [`BackupFile::size_bytes`](crate::BackupFile::size_bytes))
    /// and link expiry times
    /// ([`BackupFile::link_expired_time_parsed`](crate::BackupFile::link_expired_time_parsed)),
    /// and the OBS bucket.
    ///
    /// An empty `backup_id` is a [`Config`](crate::ErrorKind::Config) error, before sending.
    pub async fn list_backup_files(&self, backup_id: &str) -> Result<ListBackupFilesResponse> {
        self.inner
            .send_json(&list_backup_files_operation(backup_id)?)
            .await
    }

    /// [`list_backup_files`](Self::list_backup_files), returning the response as received.
    /// Errors are still mapped.
    pub async fn list_backup_files_raw(&self, backup_id: &str) -> Result<RawResponse> {
        self.inner
            .send(&list_backup_files_operation(backup_id)?)
            .await
    }
}

huaweicloud_core::listing_methods! {
    impl Client {
        /// Every backup matching `request`, over all pages, as a lazy stream: a page is fetched
        /// only when the previous one has been consumed.
        ///
        /// Paging starts at the request's `offset` (default 0) with its `limit` (default 100, the
        /// largest). The stream stops once the offset reaches `total_count` (or, without a total,
        /// after a short page), on an empty page, and after a page that brings nothing new; it
        /// never yields a backup twice (backups are told apart by `id`). An error (an invalid
        /// request, checked before the first page; a page that failed after its retries) is
        /// yielded once and ends the stream.
        ///
        /// [`backup_records`](Self::backup_records) pages the same way and also keeps each backup
        /// as received.
        fn backups;

        /// [`backups`](Self::backups), each backup as a [`Record`](crate::Record): the typed [`Backup`] (`value`)
        /// and the element of `backups` exactly as received (`raw`; odd keys such as the docs'
        /// `"id "` and fields the model does not know stay there), for tools that keep the
        /// provider's own JSON.
        ///
        /// The paging is the same code as [`backups`](Self::backups): the same requests, stops,
        /// duplicate removal and errors; only each page is decoded into JSON values first.
        ///
        /// ```no_run
        /// use futures::TryStreamExt;
        /// use huaweicloud_rds::{Client, ListBackupsRequest};
        ///
        /// # async fn run(client: Client) -> huaweicloud_rds::Result<()> {
        /// let request = ListBackupsRequest::new("43e4feaab48f11e89039fa163ebaa7e4br01");
        /// let records: Vec<_> = client.backup_records(request).try_collect().await?;
        /// for record in &records {
        ///     println!("{:?} {:?} bytes: {}", record.value.id, record.value.size_bytes(), record.raw);
        /// }
        /// # Ok(())
        /// # }
        /// ```
        fn backup_records;

        request: ListBackupsRequest,
        response: ListBackupsResponse,
        item: Backup,
        operation: list_backups_operation,
    }
}

/// Checks `request` and turns it into the operation to send.
fn list_backups_operation(request: &ListBackupsRequest) -> Result<OperationRequest> {
    validate::required(LIST_BACKUPS, "instance_id", &request.instance_id)?;
    validate::limit(LIST_BACKUPS, request.limit)?;
    validate::offset(LIST_BACKUPS, request.offset)?;
    match (request.begin_time, request.end_time) {
        (Some(begin), Some(end)) if end <= begin => {
            return Err(Error::config(format!(
                "{LIST_BACKUPS}: end_time must be after begin_time"
            )));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Error::config(format!(
                "{LIST_BACKUPS}: begin_time and end_time must be set together (both or neither)"
            )));
        }
        _ => {}
    }
    Ok(OperationRequest::of(request))
}

/// Checks `backup_id` and builds the operation to send.
fn list_backup_files_operation(backup_id: &str) -> Result<OperationRequest> {
    validate::required(LIST_BACKUP_FILES, "backup_id", backup_id)?;
    let request = ListBackupFilesRequest::new(backup_id);
    Ok(OperationRequest::of(&request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn checks_before_sending() {
        let ok = ListBackupsRequest::new("i").with_limit(100).with_offset(0);
        assert!(list_backups_operation(&ok).is_ok());
        for bad in [
            ListBackupsRequest::new(""),
            ok.clone().with_limit(0),
            ok.clone().with_limit(101),
            ok.clone().with_offset(-1),
            ok.clone()
                .with_begin_time(datetime!(2018-08-06 10:41:14 +08:00)),
            ok.clone()
                .with_end_time(datetime!(2018-08-06 10:41:14 +08:00)),
            ok.clone()
                .with_begin_time(datetime!(2018-08-06 10:41:14 +08:00))
                .with_end_time(datetime!(2018-08-06 02:41:14 UTC)),
        ] {
            let error = list_backups_operation(&bad).unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::Config, "{bad:?}");
        }
        assert!(list_backup_files_operation(" ").is_err());
    }

    #[test]
    fn client_is_send_sync() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Client>();
    }
}
