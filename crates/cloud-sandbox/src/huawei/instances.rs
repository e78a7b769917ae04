//! The instance listings (`ListInstances` of RDS, `ListGaussMySqlInstancesUnifyStatus` of
//! GaussDB for MySQL) and the backup policies (`ShowBackupPolicy`,
//! `ShowGaussMySqlBackupPolicy`) of the simulated Huawei Cloud services.

use serde_json::{Value, json};

use super::{instance_not_found, offset_and_limit, parameter_error};
use crate::catalog::Instance;
use crate::error::ApiResult;
use crate::state::{Received, State};
use crate::{Provider, timefmt};

/// The region of every simulated Huawei Cloud instance (the sandbox clients' region).
const REGION: &str = "cn-north-4";

/// The instances of `service`, filtered by `id`, `name` (a leading `*` matches a part) and
/// `datastore_type` (case-sensitive: `MySQL` for RDS, `gaussdb-mysql` for GaussDB), one
/// page by `offset` and `limit`.
pub(super) fn list_instances(state: &State, req: &Received, service: Provider) -> ApiResult<Value> {
    let (offset, limit) = offset_and_limit(req)?;
    let param = |name: &str| req.query_param(name).filter(|v| !v.is_empty());
    let datastore = datastore(service);
    if let Some(kind) = param("datastore_type")
        && ![
            "MySQL",
            "PostgreSQL",
            "SQLServer",
            "MariaDB",
            "gaussdb-mysql",
        ]
        .contains(&kind)
    {
        return Err(parameter_error());
    }
    let text_matches = |value: &str, wanted: Option<&str>| match wanted {
        None => true,
        Some(wanted) => match wanted.strip_prefix('*') {
            Some(part) => value.contains(part),
            None => value == wanted,
        },
    };
    let matching: Vec<&Instance> = state
        .catalog
        .instances()
        .filter(|i| i.service == service)
        .filter(|_| param("datastore_type").is_none_or(|kind| kind == datastore))
        .filter(|i| text_matches(&i.id, param("id")) && text_matches(&i.name, param("name")))
        .collect();
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let size = usize::try_from(limit).unwrap_or(usize::MAX);
    let instances: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(size)
        .map(|instance| instance_json(instance))
        .collect();
    // GaussDB sends its counts as strings (the SDK's model), RDS as numbers.
    let total = match service {
        Provider::HuaweiCloudGaussDb => json!(matching.len().to_string()),
        _ => json!(matching.len()),
    };
    Ok(json!({"instances": instances, "total_count": total}))
}

/// The engine name each service lists.
fn datastore(service: Provider) -> &'static str {
    match service {
        Provider::HuaweiCloudGaussDb => "gaussdb-mysql",
        _ => "MySQL",
    }
}

/// One instance, shaped like each service's documented example.
fn instance_json(instance: &Instance) -> Value {
    let created = timefmt::cst_huawei(instance.created());
    let policy = instance.policy();
    let window = format!(
        "{:02}:00-{:02}:00",
        policy.window_hour,
        policy.window_hour + 1
    );
    // Node ids share the instance id's stem (`...in01` → `...no01`).
    let stem = instance
        .id
        .get(..instance.id.len().saturating_sub(4))
        .unwrap_or_default();
    match instance.service {
        Provider::HuaweiCloudGaussDb => json!({
            "id": instance.id,
            "name": instance.name,
            "status": "normal",
            "type": "Cluster",
            "port": "3306",
            "region": REGION,
            "datastore": {"type": "gaussdb-mysql", "version": "8.0", "kernel_version": "2.0.57.240900"},
            "created": created,
            "updated": created,
            "time_zone": "UTC+08:00",
            "db_user_name": "root",
            "backup_strategy": {"start_time": window, "keep_days": policy.retention_days.to_string()},
            "volume": {"type": "POOLED", "size": "40"},
        }),
        _ => json!({
            "id": instance.id,
            "name": instance.name,
            "status": "ACTIVE",
            "type": "Ha",
            "port": 3306,
            "region": REGION,
            "datastore": {"type": "MySQL", "version": "8.0", "complete_version": "8.0.28"},
            "created": created,
            "updated": created,
            "time_zone": "UTC+08:00",
            "enable_ssl": false,
            "private_ips": ["192.168.0.10"],
            "volume": {"type": "CLOUDSSD", "size": 100},
            "backup_strategy": {"start_time": window, "keep_days": policy.retention_days},
            "nodes": [
                {"id": format!("{stem}no01"), "name": format!("{}_node0", instance.name), "role": "master", "status": "ACTIVE", "availability_zone": "cn-north-4a"},
                {"id": format!("{stem}no02"), "name": format!("{}_node1", instance.name), "role": "slave", "status": "ACTIVE", "availability_zone": "cn-north-4b"},
            ],
        }),
    }
}

/// The automated backup policy of `instance_id` of `service`: `keep_days`, the UTC
/// `start_time` window and the weekday numbers of `period`.
pub(super) fn show_backup_policy(
    state: &State,
    service: Provider,
    instance_id: &str,
) -> ApiResult<Value> {
    let Some(instance) = state.catalog.instance(service, instance_id) else {
        return Err(instance_not_found());
    };
    let policy = instance.policy();
    let days: Vec<String> = policy.days.iter().map(u8::to_string).collect();
    Ok(json!({"backup_policy": {
        "keep_days": policy.retention_days,
        "start_time": format!("{:02}:00-{:02}:00", policy.window_hour, policy.window_hour + 1),
        "period": days.join(","),
    }}))
}

/// The restorable ranges of `instance_id` of `service`, in Unix milliseconds: RDS names the
/// member `restore_time`, GaussDB `restore_times`.
pub(super) fn restore_times(
    state: &State,
    service: Provider,
    instance_id: &str,
) -> ApiResult<Value> {
    let Some(instance) = state.catalog.instance(service, instance_id) else {
        return Err(instance_not_found());
    };
    let millis = |t: time::OffsetDateTime| {
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    };
    let ranges: Vec<Value> = state
        .catalog
        .restore_ranges(instance, state.now())
        .into_iter()
        .map(|(start, end)| json!({"start_time": millis(start), "end_time": millis(end)}))
        .collect();
    let member = match service {
        Provider::HuaweiCloudGaussDb => "restore_times",
        _ => "restore_time",
    };
    Ok(json!({ member: ranges }))
}
