//! The client: checks, builds and sends each operation through the shared Huawei engine.

use huaweicloud_core::{OperationRequest, Service, validate};

use crate::{
    BackupV3, RawResponse, Result, ShowInstanceBackupsRequest, ShowInstanceBackupsResponse,
};

/// The operation name of `ShowInstanceBackups`, in errors and tracing spans.
const SHOW_INSTANCE_BACKUPS: &str = "ShowInstanceBackups";

huaweicloud_core::service_client! {
    /// A client of the Huawei Cloud GaussDB for MySQL (TaurusDB, v3) backup API.
    ///
    /// Cloning is cheap and shares the connection pool. Every request goes to
    /// `<endpoint>/v3/<project_id>/...`, carries `Content-Type: application/json` and
    /// `X-Project-Id`, and is signed with `SDK-HMAC-SHA256` afresh for every attempt (retries
    /// included). HTTP 429 and the gateway's `APIG.0308` / `APIGW.0308` are retried with backoff;
    /// see [`HttpConfig`](crate::HttpConfig).
    ///
    /// There is no download-link API for GaussDB for MySQL backups (the official SDK has none;
    /// only its audit, slow, error and DDL logs have download APIs): this client lists backups
    /// only.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use huaweicloud_gaussdb::{Client, ShowInstanceBackupsRequest};
    ///
    /// # async fn run() -> huaweicloud_gaussdb::Result<()> {
    /// // HUAWEICLOUD_SDK_AK, _SK, _PROJECT_ID and _REGION (or ~/.huaweicloud/credentials).
    /// let client = Client::from_env()?;
    /// let request = ShowInstanceBackupsRequest::new("61a4ea66210545909d74a05c27a7179ein07");
    /// let backups: Vec<_> = client.instance_backups(request).try_collect().await?;
    /// for backup in &backups {
    ///     println!("{:?} {:?} bytes, created {:?}", backup.id, backup.size_bytes(), backup.created_at());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub struct Client(Service::GAUSSDB, crate::ERROR_FORMAT);
}

impl Client {
    /// `ShowInstanceBackups` (`GET /v3/{project_id}/instances/{instance_id}/backups`): one
    /// page of the full backups of an instance, with every option set on `request`
    /// (`offset`, `limit`, `order_field`, `order_rule`, `filter_field`, `filter_content`, and
    /// the `X-Language` header).
    ///
    /// The request is checked before anything is sent: an empty `instance_id`, a `limit`
    /// outside 1..=100 or a negative `offset` is a [`Config`](crate::ErrorKind::Config)
    /// error. The instance id is percent-encoded into the path.
    ///
    /// `total_count` and each backup's `size` arrive as strings (`"1"`, `"74464.0"`):
    /// `total_count` is decoded to its integer, `size` is kept as sent, with
    /// [`BackupV3::size_bytes`](crate::BackupV3::size_bytes) for the value in bytes.
    pub async fn show_instance_backups(
        &self,
        request: &ShowInstanceBackupsRequest,
    ) -> Result<ShowInstanceBackupsResponse> {
        self.inner
            .send_json(&show_instance_backups_operation(request)?)
            .await
    }

    /// [`show_instance_backups`](Self::show_instance_backups), returning the response as
    /// received (status, headers, body bytes) instead of decoding it. The request is checked
    /// and errors are mapped the same way.
    pub async fn show_instance_backups_raw(
        &self,
        request: &ShowInstanceBackupsRequest,
    ) -> Result<RawResponse> {
        self.inner
            .send(&show_instance_backups_operation(request)?)
            .await
    }
}

huaweicloud_core::listing_methods! {
    impl Client {
        /// Every full backup matching `request`, over all pages, as a lazy stream: a page is
        /// fetched only when the previous one has been consumed.
        ///
        /// Paging starts at the request's `offset` (default 0) with its `limit` (default 100, the
        /// largest). The stream stops once the offset reaches `total_count` (sent as a string; or,
        /// without a total, after a short page), on an empty page, and after a page that brings
        /// nothing new; it never yields a backup twice (backups are told apart by `id`). An error
        /// is yielded once and ends the stream.
        ///
        /// [`instance_backup_records`](Self::instance_backup_records) pages the same way and also
        /// keeps each backup as received.
        fn instance_backups;

        /// [`instance_backups`](Self::instance_backups), each backup as a [`Record`](crate::Record): the typed
        /// [`BackupV3`] (`value`) and the element of `backups` exactly as received (`raw`; `size`
        /// stays the string `"74464.0"`, fields the model does not know stay there), for tools that
        /// keep the provider's own JSON.
        ///
        /// The paging is the same code as [`instance_backups`](Self::instance_backups): the same
        /// requests, stops, duplicate removal and errors; only each page is decoded into JSON
        /// values first.
        ///
        /// ```no_run
        /// use futures::TryStreamExt;
        /// use huaweicloud_gaussdb::{Client, ShowInstanceBackupsRequest};
        ///
        /// # async fn run(client: Client) -> huaweicloud_gaussdb::Result<()> {
        /// let request = ShowInstanceBackupsRequest::new("61a4ea66210545909d74a05c27a7179ein07");
        /// let records: Vec<_> = client.instance_backup_records(request).try_collect().await?;
        /// for record in &records {
        ///     println!("{:?} created {:?}: {}", record.value.id, record.value.created_at(), record.raw);
        /// }
        /// # Ok(())
        /// # }
        /// ```
        fn instance_backup_records;

        request: ShowInstanceBackupsRequest,
        response: ShowInstanceBackupsResponse,
        item: BackupV3,
        operation: show_instance_backups_operation,
    }
}

/// Checks `request` and turns it into the operation to send.
fn show_instance_backups_operation(
    request: &ShowInstanceBackupsRequest,
) -> Result<OperationRequest> {
    validate::required(SHOW_INSTANCE_BACKUPS, "instance_id", &request.instance_id)?;
    validate::limit(SHOW_INSTANCE_BACKUPS, request.limit)?;
    validate::offset(SHOW_INSTANCE_BACKUPS, request.offset)?;
    Ok(OperationRequest::of(request))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_before_sending() {
        let ok = ShowInstanceBackupsRequest::new("i")
            .with_limit(1)
            .with_offset(0);
        assert!(show_instance_backups_operation(&ok).is_ok());
        for bad in [
            ShowInstanceBackupsRequest::new(" "),
            ok.clone().with_limit(0),
            ok.clone().with_limit(101),
            ok.clone().with_offset(-1),
        ] {
            let error = show_instance_backups_operation(&bad).unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::Config, "{bad:?}");
        }
    }

    #[test]
    fn client_is_send_sync() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Client>();
    }
}
