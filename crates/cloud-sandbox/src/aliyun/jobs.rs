//! `CreateBackup`, `DescribeBackupTasks` and `DeleteBackup` of the simulated Alibaba Cloud
//! RDS: a created backup is a job (listed by `DescribeBackupTasks`) until it finishes, then a
//! backup set (listed by `DescribeBackups`).

use serde_json::{Value, json};

use super::{SERVICE, missing};
use crate::catalog::{Instance, created_backup};
use crate::changes::{self, DeleteRefused};
use crate::error::{ApiError, ApiResult};
use crate::http;
use crate::state::State;

/// The instance named by `DBInstanceId`.
fn instance<'a>(state: &'a State, params: &[(String, String)]) -> ApiResult<&'a Instance> {
    let Some(id) = http::pair(params, "DBInstanceId").filter(|v| !v.is_empty()) else {
        return Err(missing("DBInstanceId"));
    };
    state.catalog.instance(SERVICE, id).ok_or_else(|| {
        ApiError::new(
            404,
            "InvalidDBInstanceId.NotFound",
            "Specified instance does not exist or not support.",
        )
    })
}

/// `CreateBackup`: a job that becomes a backup set a moment later.
pub(super) fn create_backup(state: &State, params: &[(String, String)]) -> ApiResult<Value> {
    let instance = instance(state, params)?;
    if let Some(method) = http::pair(params, "BackupMethod")
        && !["Physical", "Logical", "Snapshot"].contains(&method)
    {
        return Err(ApiError::new(
            400,
            "InvalidBackupMethod.Malformed",
            "Specified parameter BackupMethod is not valid.",
        ));
    }
    let created = state.changes.create(instance, state.now());
    Ok(json!({"BackupJobId": created.job_id.to_string()}))
}

/// `DescribeBackupTasks`: the jobs not finished yet (`BackupJobId` a number, as in the
/// documented example).
pub(super) fn describe_backup_tasks(
    state: &State,
    params: &[(String, String)],
) -> ApiResult<Value> {
    let instance = instance(state, params)?;
    let wanted = http::pair(params, "BackupJobId").filter(|v| !v.is_empty());
    let now = state.now();
    let jobs: Vec<Value> = state
        .changes
        .created(instance)
        .into_iter()
        .filter(|job| wanted.is_none_or(|id| id == job.job_id.to_string()))
        .filter(|job| created_backup(instance, job.seq, job.start).end > now)
        .map(|job| {
            json!({
                "BackupJobId": job.job_id,
                "BackupId": job.backup_id,
                "BackupStatus": "Uploading",
                "BackupProgressStatus": "Uploading",
                "JobMode": "Manual",
                "Process": "50",
                "TaskAction": "NormalBackupTask",
            })
        })
        .collect();
    Ok(json!({"Items": {"BackupJob": jobs}}))
}

/// `DeleteBackup`: every set of the comma-separated `BackupId` (up to 100), or none.
pub(super) fn delete_backup(state: &State, params: &[(String, String)]) -> ApiResult<Value> {
    let instance = instance(state, params)?;
    let Some(ids) = http::pair(params, "BackupId").filter(|v| !v.is_empty()) else {
        return Err(missing("BackupId"));
    };
    let ids: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.len() > 100 {
        return Err(ApiError::new(
            400,
            "InvalidBackupId.Malformed",
            "Specified parameter BackupId is not valid: at most 100 IDs.",
        ));
    }
    // All or nothing: check every set first.
    for id in &ids {
        if changes::find(state, instance, id).is_none() {
            return Err(ApiError::new(
                404,
                "InvalidBackupSetID.NotFound",
                "The specified backup set does not exist.",
            ));
        }
    }
    for id in ids {
        match changes::delete(state, instance, id, false) {
            Ok(()) => {}
            Err(DeleteRefused::Running) => {
                return Err(ApiError::new(
                    403,
                    "IncorrectBackupSetState",
                    "The backup set is still being made.",
                ));
            }
            Err(_) => {
                return Err(ApiError::new(
                    404,
                    "InvalidBackupSetID.NotFound",
                    "The specified backup set does not exist.",
                ));
            }
        }
    }
    Ok(json!({}))
}
