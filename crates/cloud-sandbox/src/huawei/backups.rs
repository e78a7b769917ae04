//! Manual backups of the simulated Huawei Cloud services: `CreateManualBackup` (RDS,
//! `POST /v3/{project_id}/backups`), `CreateGaussMySqlBackup` (`POST .../backups/create`,
//! HTTP 201) and the delete both share (`DELETE /v3/{project_id}/backups/{backup_id}`).

use serde_json::{Value, json};

use super::{instance_not_found, parameter_error};
use crate::catalog::created_backup;
use crate::changes::{self, DeleteRefused};
use crate::error::{ApiError, ApiResult};
use crate::state::{Received, State};
use crate::{Provider, timefmt};

/// Whether `name` is a backup name the services accept: 4 to 64 characters, a letter first,
/// then letters, digits, `-` and `_`.
fn valid_name(name: &str) -> bool {
    let count = name.chars().count();
    (4..=64).contains(&count)
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Creates a manual backup of the instance the JSON body names; the answer describes it
/// (`BUILDING`); GaussDB adds a `job_id`.
pub(super) fn create(state: &State, req: &Received, service: Provider) -> ApiResult<Value> {
    let body: Value = serde_json::from_slice(&req.body).map_err(|_| parameter_error())?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
    let Some(instance) = state.catalog.instance(service, text("instance_id")) else {
        return Err(instance_not_found());
    };
    let name = text("name");
    if !valid_name(name) {
        return Err(ApiError::new(
            400,
            "DBS.200001",
            "Parameter error: invalid backup name.",
        ));
    }
    let created = state.changes.create(instance, state.now());
    let backup = created_backup(instance, created.seq, created.start);
    let described = json!({
        "id": backup.id,
        "instance_id": instance.id,
        "name": name,
        "description": text("description"),
        "begin_time": timefmt::cst_huawei(backup.start),
        "status": "BUILDING",
        "type": "manual",
    });
    Ok(match service {
        Provider::HuaweiCloudGaussDb => json!({
            "backup": described,
            "job_id": format!("{:08x}-0000-4000-8000-{:012x}", created.job_id, created.job_id),
        }),
        _ => json!({ "backup": described }),
    })
}

/// Deletes manual backup `backup_id` of `service`: an automated one, one still being made or
/// an unknown one is refused. RDS answers with no body (`Value::Null`), GaussDB with the
/// backup's id and name.
pub(super) fn delete(state: &State, service: Provider, backup_id: &str) -> ApiResult<Value> {
    let Some(backup) = changes::find_in_service(state, service, backup_id)
        .or_else(|| running(state, service, backup_id))
    else {
        return Err(ApiError::new(
            404,
            "DBS.200001",
            "Parameter error: the backup does not exist.",
        ));
    };
    let instance = backup.instance;
    let name = format!("backup-{}", backup.id.get(..8).unwrap_or(&backup.id));
    match changes::delete(state, instance, backup_id, true) {
        Ok(()) => Ok(match service {
            Provider::HuaweiCloudGaussDb => json!({"backup_id": backup_id, "backup_name": name}),
            _ => Value::Null,
        }),
        Err(DeleteRefused::NotManual) => Err(ApiError::new(
            400,
            "DBS.200001",
            "Parameter error: only manual backups can be deleted.",
        )),
        Err(DeleteRefused::Running) => Err(ApiError::new(
            409,
            "DBS.200011",
            "The backup is being made; try again later.",
        )),
        Err(DeleteRefused::NotFound) => Err(ApiError::new(
            404,
            "DBS.200001",
            "Parameter error: the backup does not exist.",
        )),
    }
}

/// A backup of `service` created through the API and still being made.
fn running<'a>(
    state: &'a State,
    service: Provider,
    backup_id: &str,
) -> Option<crate::catalog::Backup<'a>> {
    state
        .catalog
        .instances()
        .filter(|i| i.service == service)
        .find_map(|instance| {
            state
                .changes
                .created(instance)
                .into_iter()
                .find(|c| c.backup_id == backup_id)
                .map(|c| created_backup(instance, c.seq, c.start))
        })
}
