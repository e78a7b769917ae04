//! Log backups of the simulated Huawei Cloud services: RDS incremental backups (one an hour,
//! in `ListBackups` with `backup_type=incremental`, their binlog file in `ListBackupFiles`) and
//! GaussDB's `ShowGaussMySqlIncrementalBackupList`.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{instance_not_found, parameter_error};
use crate::catalog::{Backup, Instance};
use crate::error::ApiResult;
use crate::state::{Received, State};
use crate::{Provider, timefmt};

/// The incremental backups of RDS `instance` for `ListBackups`: newest first, filtered by
/// `backup_id` and by `range` (the logs overlap it), one page.
pub(super) fn rds_incremental(
    state: &State,
    instance: &Instance,
    backup_id: Option<&str>,
    range: Option<(OffsetDateTime, OffsetDateTime)>,
    (offset, limit): (u64, u64),
) -> Value {
    page(state, instance, backup_id, range, (offset, limit), |file| {
        json!({
            "id": file.id,
            "name": format!("incremental-{}", file.file_name),
            "type": "incremental",
            "size": file.size_kb(),
            "status": "COMPLETED",
            "begin_time": timefmt::cst_huawei(file.start),
            "end_time": timefmt::cst_huawei(file.end),
            "datastore": {"type": "MySQL", "version": "8.0"},
            "instance_id": instance.id,
            "associated_with_ddm": false,
        })
    })
}

/// One page of `instance`'s log files overlapping `range` (all without one; only `backup_id`
/// when given), newest first, each as `record` makes it, with the total.
fn page(
    state: &State,
    instance: &Instance,
    backup_id: Option<&str>,
    range: Option<(OffsetDateTime, OffsetDateTime)>,
    (offset, limit): (u64, u64),
    record: impl Fn(&Backup<'_>) -> Value,
) -> Value {
    let mut files: Vec<Backup<'_>> = state
        .catalog
        .log_files(instance, state.now(), range)
        .filter(|file| backup_id.is_none_or(|id| file.id == id))
        .collect();
    files.reverse();
    let total = files.len();
    let backups: Vec<Value> = files
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(record)
        .collect();
    json!({"backups": backups, "total_count": total})
}

/// GaussDB `ShowGaussMySqlIncrementalBackupList`: `offset` and `limit` (10, 20 or 50; default
/// 10) as strings, `begin_time` and `end_time` together; newest first; `size` a number in KB.
pub(super) fn gaussdb_incremental(
    state: &State,
    req: &Received,
    instance_id: &str,
) -> ApiResult<Value> {
    let Some(instance) = state
        .catalog
        .instance(Provider::HuaweiCloudGaussDb, instance_id)
    else {
        return Err(instance_not_found());
    };
    let param = |name: &str| req.query_param(name).filter(|v| !v.is_empty());
    let number = |name: &str, default: u64| match param(name) {
        None => Ok(default),
        Some(text) => text.trim().parse::<u64>().map_err(|_| parameter_error()),
    };
    let offset = number("offset", 0)?;
    let limit = number("limit", 10)?;
    if ![10, 20, 50].contains(&limit) {
        return Err(parameter_error());
    }
    let range = match (param("begin_time"), param("end_time")) {
        (None, None) => None,
        (Some(begin), Some(end)) => {
            match (timefmt::parse_huawei(begin), timefmt::parse_huawei(end)) {
                (Some(begin), Some(end)) if begin < end => Some((begin, end)),
                _ => return Err(parameter_error()),
            }
        }
        _ => return Err(parameter_error()),
    };
    Ok(page(
        state,
        instance,
        None,
        range,
        (offset, limit),
        |file| {
            json!({
                "id": file.id,
                "name": format!("incremental-{}", file.file_name),
                "begin_time": timefmt::cst_huawei(file.start),
                "end_time": timefmt::cst_huawei(file.end),
                "size": file.size as f64 / 1024.0,
                "backup_type": "Log",
                "instance_id": instance.id,
            })
        },
    ))
}
