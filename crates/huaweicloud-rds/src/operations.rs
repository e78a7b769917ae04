//! The operations beyond the backup listing: instance discovery and the backup policy.

use huaweicloud_core::{OperationRequest, validate};

use crate::{
    Client, CreateManualBackupRequest, CreateManualBackupResponse, DeleteManualBackupRequest,
    InstanceResponse, ListInstancesRequest, ListInstancesResponse, ListRestoreTimesRequest,
    ListRestoreTimesResponse, RawResponse, Result, ShowBackupPolicyRequest,
    ShowBackupPolicyResponse,
};

impl Client {
    /// `ListInstances` (`GET /v3/{project_id}/instances`): one page of the project's
    /// instances, filtered by every set parameter (set `datastore_type` to `MySQL` for MySQL
    /// only; it is case-sensitive).
    ///
    /// A `limit` outside 1..=100 or a negative `offset` is a
    /// [`Config`](crate::ErrorKind::Config) error, before sending.
    pub async fn list_instances(
        &self,
        request: &ListInstancesRequest,
    ) -> Result<ListInstancesResponse> {
        self.inner.call(request, check_list_instances).await
    }

    /// [`list_instances`](Self::list_instances), returning the response as received.
    pub async fn list_instances_raw(&self, request: &ListInstancesRequest) -> Result<RawResponse> {
        self.inner.call_raw(request, check_list_instances).await
    }

    /// `ShowBackupPolicy` (`GET /v3/{project_id}/instances/{instance_id}/backups/policy`): the
    /// automated backup policy of an instance (`keep_days` 0 when it is off).
    ///
    /// An empty `instance_id` is a [`Config`](crate::ErrorKind::Config) error, before sending.
    pub async fn show_backup_policy(
        &self,
        request: &ShowBackupPolicyRequest,
    ) -> Result<ShowBackupPolicyResponse> {
        self.inner.call(request, check_show_backup_policy).await
    }

    /// [`show_backup_policy`](Self::show_backup_policy), returning the response as received.
    pub async fn show_backup_policy_raw(
        &self,
        request: &ShowBackupPolicyRequest,
    ) -> Result<RawResponse> {
        self.inner.call_raw(request, check_show_backup_policy).await
    }
}

impl Client {
    /// `ListRestoreTimes` (`GET /v3/{project_id}/instances/{instance_id}/restore-time`): the time ranges a
    /// point-in-time restore of the instance can reach, in Unix milliseconds; a gap in the
    /// log backups splits them.
    ///
    /// An empty `instance_id` is a [`Config`](crate::ErrorKind::Config) error, before sending.
    pub async fn list_restore_times(
        &self,
        request: &ListRestoreTimesRequest,
    ) -> Result<ListRestoreTimesResponse> {
        self.inner.call(request, check_restore_time).await
    }

    /// [`list_restore_times`](Self::list_restore_times), returning the response as received.
    pub async fn list_restore_times_raw(
        &self,
        request: &ListRestoreTimesRequest,
    ) -> Result<RawResponse> {
        self.inner.call_raw(request, check_restore_time).await
    }
}

impl Client {
    /// `CreateManualBackup`: starts a manual backup; the answer carries the new backup's ID (status
    /// `BUILDING`). The name is checked before sending (4 to 64 characters, starting with a
    /// letter). Never repeated after a failure that may have reached the service (there is no
    /// idempotency token): a 5xx or a dropped connection is returned as it is, so list the
    /// backups before trying again.
    pub async fn create_manual_backup(
        &self,
        request: &CreateManualBackupRequest,
    ) -> Result<CreateManualBackupResponse> {
        self.inner.call(request, check_create).await
    }

    /// [`create_manual_backup`](Self::create_manual_backup), returning the response as received. Never repeated either.
    pub async fn create_manual_backup_raw(
        &self,
        request: &CreateManualBackupRequest,
    ) -> Result<RawResponse> {
        self.inner.call_raw(request, check_create).await
    }

    /// `DeleteManualBackup` (`DELETE /v3/{project_id}/backups/{backup_id}`): deletes a manual backup
    /// (the answer has no body). Never repeated after a failure that may have reached the
    /// service.
    pub async fn delete_manual_backup(&self, request: &DeleteManualBackupRequest) -> Result<()> {
        self.inner.call_raw(request, check_delete).await.map(|_| ())
    }
}

/// Refuses what `CreateManualBackup` would refuse.
fn check_create(request: &CreateManualBackupRequest) -> Result<()> {
    validate::required("CreateManualBackup", "instance_id", &request.instance_id)?;
    validate::backup_name("CreateManualBackup", &request.name)
}

/// Refuses what `DeleteManualBackup` would refuse.
fn check_delete(request: &DeleteManualBackupRequest) -> Result<()> {
    validate::required("DeleteManualBackup", "backup_id", &request.backup_id)
}

/// Refuses what `ListRestoreTimes` would refuse.
fn check_restore_time(request: &ListRestoreTimesRequest) -> Result<()> {
    validate::required("ListRestoreTimes", "instance_id", &request.instance_id)
}

huaweicloud_core::listing_methods! {
    impl Client {
        /// Every instance matching `request`, over all pages (`limit` 100 unless the request
        /// sets one), as a lazy stream: the total, each instance once (told apart by `id`), a
        /// page cap; an error is yielded once and ends the stream.
        fn instances;

        /// [`instances`](Self::instances), each instance as a
        /// [`Record`](crate::Record): typed, and the element of `instances` exactly as
        /// received.
        fn instance_records;

        request: ListInstancesRequest,
        response: ListInstancesResponse,
        item: InstanceResponse,
        operation: list_instances_operation,
    }
}

/// Refuses what `ListInstances` would refuse.
fn check_list_instances(request: &ListInstancesRequest) -> Result<()> {
    validate::limit("ListInstances", request.limit)?;
    validate::offset("ListInstances", request.offset)
}

/// Checks `request` and turns it into the operation to send.
fn list_instances_operation(request: &ListInstancesRequest) -> Result<OperationRequest> {
    check_list_instances(request)?;
    Ok(OperationRequest::of(request))
}

/// Refuses what `ShowBackupPolicy` would refuse.
fn check_show_backup_policy(request: &ShowBackupPolicyRequest) -> Result<()> {
    validate::required("ShowBackupPolicy", "instance_id", &request.instance_id)
}
