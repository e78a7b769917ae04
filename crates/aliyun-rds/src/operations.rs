//! The operations beyond `DescribeBackups`: instance discovery and the backup policy, each a
//! check of what the API would refuse and a call through [`Client::call_as`] (or its paging).

use cloud_http::Records;
use futures::Stream;

use crate::{
    BinLogFile, Client, CreateBackupRequest, CreateBackupResponse, DBInstance, DeleteBackupRequest,
    DeleteBackupResponse, DescribeBackupPolicyRequest, DescribeBackupPolicyResponse,
    DescribeBackupTasksRequest, DescribeBackupTasksResponse, DescribeBinlogFilesRequest,
    DescribeBinlogFilesResponse, DescribeDBInstancesRequest, DescribeDBInstancesResponse,
    DescribeLocalAvailableRecoveryTimeRequest, DescribeLocalAvailableRecoveryTimeResponse, Error,
    RawResponse, Record, Result,
};

/// The largest `PageSize` of `DescribeDBInstances`.
const MAX_INSTANCES_PAGE: i64 = 100;

impl Client {
    /// `DescribeDBInstances`: one page of the instances of a region (set `Engine` to `MySQL`
    /// for MySQL only).
    ///
    /// The request is checked before anything is sent: an empty `RegionId`, a `PageSize`
    /// outside 1..=100 or a `PageNumber` below 1 is a [`Config`](crate::ErrorKind::Config)
    /// error.
    pub async fn describe_db_instances(
        &self,
        request: &DescribeDBInstancesRequest,
    ) -> Result<DescribeDBInstancesResponse> {
        self.call_as(request, check_describe_db_instances).await
    }

    /// [`describe_db_instances`](Self::describe_db_instances), returning the response as
    /// received.
    pub async fn describe_db_instances_raw(
        &self,
        request: &DescribeDBInstancesRequest,
    ) -> Result<RawResponse> {
        self.call_raw_checked(request, check_describe_db_instances)
            .await
    }

    /// Every instance matching `request`, over all pages (`PageSize` 100 unless the request
    /// sets one), as a lazy stream with the paging rules of [`backups`](Self::backups):
    /// the total, each instance once (told apart by `DBInstanceId`), a page cap.
    ///
    /// ```no_run
    /// use aliyun_rds::{Client, DescribeDBInstancesRequest};
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(client: Client) -> aliyun_rds::Result<()> {
    /// let request = DescribeDBInstancesRequest::new("cn-hangzhou").with_engine("MySQL");
    /// let instances: Vec<_> = client.instances(request).try_collect().await?;
    /// for instance in &instances {
    ///     println!("{:?} {:?}", instance.db_instance_id, instance.db_instance_status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn instances(
        &self,
        request: DescribeDBInstancesRequest,
    ) -> impl Stream<Item = Result<DBInstance>> + Send + '_ {
        self.listing::<_, DescribeDBInstancesResponse>(request, check_describe_db_instances)
    }

    /// [`instances`](Self::instances), each instance as a [`Record`]: typed, and the element
    /// of `Items.DBInstance` exactly as received.
    pub fn instance_records(
        &self,
        request: DescribeDBInstancesRequest,
    ) -> impl Stream<Item = Result<Record<DBInstance>>> + Send + '_ {
        self.listing::<_, Records<DescribeDBInstancesResponse>>(
            request,
            check_describe_db_instances,
        )
    }

    /// `DescribeBackupPolicy`: the backup policy of an instance (retention, window, days,
    /// log backup).
    ///
    /// An empty `DBInstanceId` is a [`Config`](crate::ErrorKind::Config) error, before
    /// sending.
    pub async fn describe_backup_policy(
        &self,
        request: &DescribeBackupPolicyRequest,
    ) -> Result<DescribeBackupPolicyResponse> {
        self.call_as(request, check_describe_backup_policy).await
    }

    /// [`describe_backup_policy`](Self::describe_backup_policy), returning the response as
    /// received.
    pub async fn describe_backup_policy_raw(
        &self,
        request: &DescribeBackupPolicyRequest,
    ) -> Result<RawResponse> {
        self.call_raw_checked(request, check_describe_backup_policy)
            .await
    }

    /// `DescribeLocalAvailableRecoveryTime`: the time range a point-in-time restore of the
    /// instance can reach. An empty `DBInstanceId` is a [`Config`](crate::ErrorKind::Config)
    /// error, before sending.
    pub async fn describe_local_available_recovery_time(
        &self,
        request: &DescribeLocalAvailableRecoveryTimeRequest,
    ) -> Result<DescribeLocalAvailableRecoveryTimeResponse> {
        self.call_as(request, check_recovery_time).await
    }

    /// [`describe_local_available_recovery_time`](Self::describe_local_available_recovery_time),
    /// returning the response as received.
    pub async fn describe_local_available_recovery_time_raw(
        &self,
        request: &DescribeLocalAvailableRecoveryTimeRequest,
    ) -> Result<RawResponse> {
        self.call_raw_checked(request, check_recovery_time).await
    }
}

impl Client {
    /// `CreateBackup`: starts a manual backup of an instance; the answer's `BackupJobId` is
    /// followed with [`describe_backup_tasks`](Self::describe_backup_tasks). Never repeated
    /// after a failure that may have reached the service (the action takes no idempotency
    /// token), so a 5xx or a dropped connection is returned as it is: check
    /// `DescribeBackupTasks` before trying again.
    pub async fn create_backup(
        &self,
        request: &CreateBackupRequest,
    ) -> Result<CreateBackupResponse> {
        self.call_as(request, |r| {
            required("CreateBackup", "DBInstanceId", &r.db_instance_id)
        })
        .await
    }

    /// `DescribeBackupTasks`: the backup jobs of an instance that are not finished yet.
    pub async fn describe_backup_tasks(
        &self,
        request: &DescribeBackupTasksRequest,
    ) -> Result<DescribeBackupTasksResponse> {
        self.call_as(request, |r| {
            required("DescribeBackupTasks", "DBInstanceId", &r.db_instance_id)
        })
        .await
    }

    /// `DeleteBackup`: deletes backup sets (`BackupId` comma-separated). Never repeated after
    /// a failure that may have reached the service.
    pub async fn delete_backup(
        &self,
        request: &DeleteBackupRequest,
    ) -> Result<DeleteBackupResponse> {
        self.call_as(request, |r| {
            required("DeleteBackup", "DBInstanceId", &r.db_instance_id)?;
            required("DeleteBackup", "BackupId", &r.backup_id)
        })
        .await
    }
}

impl Client {
    /// `DescribeBinlogFiles`: one page of the log backup files whose range overlaps
    /// `StartTime`..`EndTime`, with their download links.
    ///
    /// Checked before sending: an empty `DBInstanceId`, a missing `StartTime` or `EndTime`,
    /// an `EndTime` not after `StartTime` (to the second, as sent), a `PageSize` outside
    /// 30..=100 or a `PageNumber` below 1 is a [`Config`](crate::ErrorKind::Config) error.
    pub async fn describe_binlog_files(
        &self,
        request: &DescribeBinlogFilesRequest,
    ) -> Result<DescribeBinlogFilesResponse> {
        self.call_as(request, check_binlog_files).await
    }

    /// Every log backup file matching `request`, over all pages (`PageSize` 100 unless the
    /// request sets one), each file as a [`Record`]: typed, and the element of
    /// `Items.BinLogFile` as received (the `Checksum` number stays exact). No file is dropped
    /// as a duplicate: two hosts may write files of the same name.
    pub fn binlog_file_records(
        &self,
        request: DescribeBinlogFilesRequest,
    ) -> impl Stream<Item = Result<Record<BinLogFile>>> + Send + '_ {
        self.listing::<_, Records<DescribeBinlogFilesResponse>>(request, check_binlog_files)
    }
}

/// Refuses what `DescribeBinlogFiles` would refuse.
fn check_binlog_files(request: &DescribeBinlogFilesRequest) -> Result<()> {
    required(
        "DescribeBinlogFiles",
        "DBInstanceId",
        &request.db_instance_id,
    )?;
    let (Some(start), Some(end)) = (request.start_time, request.end_time) else {
        return Err(Error::config(
            "DescribeBinlogFiles needs a StartTime and an EndTime",
        ));
    };
    if end.unix_timestamp() <= start.unix_timestamp() {
        return Err(Error::config(
            "DescribeBinlogFiles EndTime must be later than StartTime",
        ));
    }
    if let Some(size) = request.page_size
        && !(30..=100).contains(&size)
    {
        return Err(Error::config(format!(
            "DescribeBinlogFiles PageSize must be between 30 and 100, not {size}"
        )));
    }
    if let Some(number) = request.page_number
        && number < 1
    {
        return Err(Error::config(format!(
            "DescribeBinlogFiles PageNumber must be 1 or more, not {number}"
        )));
    }
    Ok(())
}

/// Refuses what `DescribeLocalAvailableRecoveryTime` would refuse.
fn check_recovery_time(request: &DescribeLocalAvailableRecoveryTimeRequest) -> Result<()> {
    required(
        "DescribeLocalAvailableRecoveryTime",
        "DBInstanceId",
        &request.db_instance_id,
    )
}

/// Refuses what `DescribeDBInstances` would refuse.
fn check_describe_db_instances(request: &DescribeDBInstancesRequest) -> Result<()> {
    required("DescribeDBInstances", "RegionId", &request.region_id)?;
    if let Some(size) = request.page_size
        && !(1..=MAX_INSTANCES_PAGE).contains(&size)
    {
        return Err(Error::config(format!(
            "DescribeDBInstances PageSize must be between 1 and {MAX_INSTANCES_PAGE}, not {size}"
        )));
    }
    if let Some(number) = request.page_number
        && number < 1
    {
        return Err(Error::config(format!(
            "DescribeDBInstances PageNumber must be 1 or more, not {number}"
        )));
    }
    Ok(())
}

/// Refuses what `DescribeBackupPolicy` would refuse.
fn check_describe_backup_policy(request: &DescribeBackupPolicyRequest) -> Result<()> {
    required(
        "DescribeBackupPolicy",
        "DBInstanceId",
        &request.db_instance_id,
    )
}

/// `value` (parameter `name` of `operation`) is not blank.
pub(crate) fn required(operation: &str, name: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::config(format!("{operation} needs a {name}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked() {
        let ok = DescribeDBInstancesRequest::new("cn-hangzhou");
        assert!(check_describe_db_instances(&ok).is_ok());
        assert!(check_describe_db_instances(&ok.clone().with_page_size(100)).is_ok());
        for bad in [
            DescribeDBInstancesRequest::new(" "),
            ok.clone().with_page_size(0),
            ok.clone().with_page_size(101),
            ok.clone().with_page_number(0),
        ] {
            let error = check_describe_db_instances(&bad).unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::Config, "{bad:?}");
        }
        assert!(check_describe_backup_policy(&DescribeBackupPolicyRequest::new("rm-1")).is_ok());
        assert!(check_describe_backup_policy(&DescribeBackupPolicyRequest::new("")).is_err());
    }
}
