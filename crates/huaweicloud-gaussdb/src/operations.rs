//! The operations beyond the backup listing: instance discovery and the backup policy.

use huaweicloud_core::{OperationRequest, validate};

use crate::{
    Client, CreateGaussMySqlBackupRequest, CreateGaussMySqlBackupResponse,
    DeleteGaussMySqlBackupRequest, DeleteGaussMySqlBackupResponse, IncrementalBackup,
    ListGaussMySqlInstancesUnifyStatusRequest, ListGaussMySqlInstancesUnifyStatusResponse,
    MysqlInstanceListInfo, RawResponse, Result, ShowBackupRestoreTimeRequest,
    ShowBackupRestoreTimeResponse, ShowGaussMySqlBackupPolicyRequest,
    ShowGaussMySqlBackupPolicyResponse, ShowGaussMySqlIncrementalBackupListRequest,
    ShowGaussMySqlIncrementalBackupListResponse,
};

/// The operation name of the instance listing.
const LIST_INSTANCES: &str = "ListGaussMySqlInstancesUnifyStatus";

impl Client {
    /// `ListGaussMySqlInstancesUnifyStatus` (`GET /v3.1/{project_id}/instances`, the
    /// recommended listing): one page of the project's instances, filtered by every set
    /// parameter.
    ///
    /// A `limit` outside 1..=100 or a negative `offset` is a
    /// [`Config`](crate::ErrorKind::Config) error, before sending.
    pub async fn list_instances(
        &self,
        request: &ListGaussMySqlInstancesUnifyStatusRequest,
    ) -> Result<ListGaussMySqlInstancesUnifyStatusResponse> {
        self.inner.call(request, check_list_instances).await
    }

    /// [`list_instances`](Self::list_instances), returning the response as received.
    pub async fn list_instances_raw(
        &self,
        request: &ListGaussMySqlInstancesUnifyStatusRequest,
    ) -> Result<RawResponse> {
        self.inner.call_raw(request, check_list_instances).await
    }

    /// `ShowGaussMySqlBackupPolicy`
    /// (`GET /v3/{project_id}/instances/{instance_id}/backups/policy`): the automated backup
    /// policy of an instance.
    ///
    /// An empty `instance_id` is a [`Config`](crate::ErrorKind::Config) error, before sending.
    pub async fn show_backup_policy(
        &self,
        request: &ShowGaussMySqlBackupPolicyRequest,
    ) -> Result<ShowGaussMySqlBackupPolicyResponse> {
        self.inner.call(request, check_show_backup_policy).await
    }

    /// [`show_backup_policy`](Self::show_backup_policy), returning the response as received.
    pub async fn show_backup_policy_raw(
        &self,
        request: &ShowGaussMySqlBackupPolicyRequest,
    ) -> Result<RawResponse> {
        self.inner.call_raw(request, check_show_backup_policy).await
    }
}

impl Client {
    /// `ShowBackupRestoreTime` (`GET /v3/{project_id}/instances/{instance_id}/restore-time`): the time ranges a
    /// point-in-time restore of the instance can reach, in Unix milliseconds; a gap in the
    /// log backups splits them.
    ///
    /// An empty `instance_id` is a [`Config`](crate::ErrorKind::Config) error, before sending.
    pub async fn show_backup_restore_time(
        &self,
        request: &ShowBackupRestoreTimeRequest,
    ) -> Result<ShowBackupRestoreTimeResponse> {
        self.inner.call(request, check_restore_time).await
    }

    /// [`show_backup_restore_time`](Self::show_backup_restore_time), returning the response as received.
    pub async fn show_backup_restore_time_raw(
        &self,
        request: &ShowBackupRestoreTimeRequest,
    ) -> Result<RawResponse> {
        self.inner.call_raw(request, check_restore_time).await
    }
}

impl Client {
    /// `CreateGaussMySqlBackup`: starts a manual backup; the answer carries the new backup's ID (status
    /// `BUILDING`). The name is checked before sending (4 to 64 characters, starting with a
    /// letter). Never repeated after a failure that may have reached the service (there is no
    /// idempotency token): a 5xx or a dropped connection is returned as it is, so list the
    /// backups before trying again.
    pub async fn create_backup(
        &self,
        request: &CreateGaussMySqlBackupRequest,
    ) -> Result<CreateGaussMySqlBackupResponse> {
        self.inner.call(request, check_create).await
    }

    /// [`create_backup`](Self::create_backup), returning the response as received. Never repeated either.
    pub async fn create_backup_raw(
        &self,
        request: &CreateGaussMySqlBackupRequest,
    ) -> Result<RawResponse> {
        self.inner.call_raw(request, check_create).await
    }

    /// `DeleteGaussMySqlBackup` (`DELETE /v3/{project_id}/backups/{backup_id}`): deletes a manual backup.
    /// Never repeated after a failure that may have reached the service.
    pub async fn delete_backup(
        &self,
        request: &DeleteGaussMySqlBackupRequest,
    ) -> Result<DeleteGaussMySqlBackupResponse> {
        self.inner.call(request, check_delete).await
    }
}

/// Refuses what `CreateGaussMySqlBackup` would refuse.
fn check_create(request: &CreateGaussMySqlBackupRequest) -> Result<()> {
    validate::required(
        "CreateGaussMySqlBackup",
        "instance_id",
        &request.instance_id,
    )?;
    validate::backup_name("CreateGaussMySqlBackup", &request.name)
}

/// Refuses what `DeleteGaussMySqlBackup` would refuse.
fn check_delete(request: &DeleteGaussMySqlBackupRequest) -> Result<()> {
    validate::required("DeleteGaussMySqlBackup", "backup_id", &request.backup_id)
}

/// Refuses what `ShowBackupRestoreTime` would refuse.
fn check_restore_time(request: &ShowBackupRestoreTimeRequest) -> Result<()> {
    validate::required("ShowBackupRestoreTime", "instance_id", &request.instance_id)
}

huaweicloud_core::listing_methods! {
    impl Client {
        /// Every incremental (log) backup matching `request`, over all pages (`limit` 50
        /// unless the request sets one), as a lazy stream. GaussDB for MySQL has no API to
        /// download them: they serve point-in-time restores only.
        fn incremental_backups;

        /// [`incremental_backups`](Self::incremental_backups), each as a
        /// [`Record`](crate::Record): typed, and as received.
        fn incremental_backup_records;

        request: ShowGaussMySqlIncrementalBackupListRequest,
        response: ShowGaussMySqlIncrementalBackupListResponse,
        item: IncrementalBackup,
        operation: incremental_backups_operation,
    }
}

/// Checks `request` (a `limit` of 10, 20 or 50; `begin_time` and `end_time` together) and
/// turns it into the operation to send.
fn incremental_backups_operation(
    request: &ShowGaussMySqlIncrementalBackupListRequest,
) -> Result<OperationRequest> {
    const OPERATION: &str = "ShowGaussMySqlIncrementalBackupList";
    validate::required(OPERATION, "instance_id", &request.instance_id)?;
    validate::offset(OPERATION, request.offset)?;
    if let Some(limit) = request.limit
        && ![10, 20, 50].contains(&limit)
    {
        return Err(crate::Error::config(format!(
            "{OPERATION}: limit must be 10, 20 or 50, not {limit}"
        )));
    }
    if request.begin_time.is_some() != request.end_time.is_some() {
        return Err(crate::Error::config(format!(
            "{OPERATION}: begin_time and end_time must be set together (both or neither)"
        )));
    }
    Ok(OperationRequest::of(request))
}

huaweicloud_core::listing_methods! {
    impl Client {
        /// Every instance matching `request`, over all pages (`limit` 100 unless the request
        /// sets one), as a lazy stream: the total, each instance once (told apart by `id`), a
        /// page cap; an error is yielded once and ends the stream.
        fn instances;

        /// [`instances`](Self::instances), each instance as a
        /// [`Record`](crate::Record): typed, and the element of `instances` exactly as
        /// received (`port` and `keep_days` stay the strings they are).
        fn instance_records;

        request: ListGaussMySqlInstancesUnifyStatusRequest,
        response: ListGaussMySqlInstancesUnifyStatusResponse,
        item: MysqlInstanceListInfo,
        operation: list_instances_operation,
    }
}

/// Refuses what the instance listing would refuse.
fn check_list_instances(request: &ListGaussMySqlInstancesUnifyStatusRequest) -> Result<()> {
    validate::limit(LIST_INSTANCES, request.limit)?;
    validate::offset(LIST_INSTANCES, request.offset)
}

/// Checks `request` and turns it into the operation to send.
fn list_instances_operation(
    request: &ListGaussMySqlInstancesUnifyStatusRequest,
) -> Result<OperationRequest> {
    check_list_instances(request)?;
    Ok(OperationRequest::of(request))
}

/// Refuses what `ShowGaussMySqlBackupPolicy` would refuse.
fn check_show_backup_policy(request: &ShowGaussMySqlBackupPolicyRequest) -> Result<()> {
    validate::required(
        "ShowGaussMySqlBackupPolicy",
        "instance_id",
        &request.instance_id,
    )
}
