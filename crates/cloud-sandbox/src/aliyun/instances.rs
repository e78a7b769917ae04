//! `DescribeDBInstances` and `DescribeBackupPolicy` of the simulated Alibaba Cloud RDS.

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::{SERVICE, malformed, missing, number};
use crate::catalog::Instance;
use crate::error::{ApiError, ApiResult};
use crate::http;
use crate::state::State;
use crate::timefmt;

/// The region every simulated instance is in (the `aliyun-rds` client's default).
pub(super) const REGION: &str = "cn-hangzhou";

/// The English weekday names `PreferredBackupPeriod` uses, Monday first.
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// `DescribeDBInstances`: `RegionId` required (another region has no instances), filters by
/// `Engine`, `DBInstanceId` and `DBInstanceStatus`, pages by `PageNumber` and `PageSize`
/// (1 to 100, default 30).
pub(super) fn describe_db_instances(
    state: &State,
    params: &[(String, String)],
) -> ApiResult<Value> {
    let get = |name: &str| http::pair(params, name).filter(|v| !v.trim().is_empty());
    let Some(region) = get("RegionId") else {
        return Err(ApiError::new(
            400,
            "MissingRegionId",
            "RegionId is mandatory for this action.",
        ));
    };
    let page_size = number(params, "PageSize", 30, malformed("PageSize"))?;
    if !(1..=100).contains(&page_size) {
        return Err(malformed("PageSize"));
    }
    let page_number = number(params, "PageNumber", 1, malformed("PageNumber"))?;
    if page_number == 0 {
        return Err(malformed("PageNumber"));
    }
    let engine = get("Engine");
    let id = get("DBInstanceId");
    let status = get("DBInstanceStatus");
    let matching: Vec<&Instance> = state
        .catalog
        .instances()
        .filter(|i| i.service == SERVICE && region == REGION)
        .filter(|_| engine.is_none_or(|e| e.eq_ignore_ascii_case("MySQL")))
        .filter(|i| id.is_none_or(|id| i.id == id))
        .filter(|_| status.is_none_or(|s| s.eq_ignore_ascii_case("Running")))
        .collect();
    let first = usize::try_from((page_number - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
    let size = usize::try_from(page_size).unwrap_or(usize::MAX);
    let items: Vec<Value> = matching
        .iter()
        .skip(first)
        .take(size)
        .map(|instance| instance_json(instance))
        .collect();
    Ok(json!({
        "TotalRecordCount": matching.len(),
        "PageNumber": page_number,
        "PageRecordCount": items.len(),
        "Items": { "DBInstance": items },
    }))
}

/// One `DBInstance`, shaped like the documented example.
fn instance_json(instance: &Instance) -> Value {
    json!({
        "DBInstanceId": instance.id,
        "DBInstanceDescription": instance.name,
        "DBInstanceStatus": "Running",
        "DBInstanceType": "Primary",
        "DBInstanceClass": "mysql.n2.medium.2c",
        "DBInstanceStorageType": "cloud_essd",
        "DBInstanceNetType": "Intranet",
        "Engine": "MySQL",
        "EngineVersion": "8.0",
        "RegionId": REGION,
        "ZoneId": "cn-hangzhou-h",
        "CreateTime": timefmt::utc_iso(instance.created()),
        "PayType": "Postpaid",
        "LockMode": "Unlock",
        "Category": "HighAvailability",
        "ConnectionMode": "Standard",
        "InstanceNetworkType": "VPC",
        "MutriORsignle": false,
        "DeletionProtection": false,
    })
}

/// `DescribeBackupPolicy`: the instance's policy, with numbers where the documented example
/// has numbers (`EnableBackupLog`, `CompressType`) though the reference says strings.
pub(super) fn describe_backup_policy(
    state: &State,
    params: &[(String, String)],
) -> ApiResult<Value> {
    let Some(instance_id) = http::pair(params, "DBInstanceId").filter(|v| !v.is_empty()) else {
        return Err(missing("DBInstanceId"));
    };
    let Some(instance) = state.catalog.instance(SERVICE, instance_id) else {
        return Err(ApiError::new(
            404,
            "InvalidDBInstanceId.NotFound",
            "Specified instance does not exist or not support.",
        ));
    };
    let policy = instance.policy();
    let hour = policy.window_hour;
    let days: Vec<&str> = policy
        .days
        .iter()
        .filter_map(|day| WEEKDAYS.get(usize::from(*day).checked_sub(1)?).copied())
        .collect();
    Ok(json!({
        "BackupRetentionPeriod": policy.retention_days,
        "PreferredBackupTime": format!("{hour:02}:00Z-{:02}:00Z", hour + 1),
        "PreferredBackupPeriod": days.join(","),
        "PreferredNextBackupTime": next_backup(state.now(), hour, &policy.days),
        "BackupMethod": "Physical",
        "BackupLog": "Enable",
        "EnableBackupLog": 1,
        "LogBackupRetentionPeriod": policy.log_retention_days,
        "LocalLogRetentionHours": 18,
        "LocalLogRetentionSpace": 30,
        "HighSpaceUsageProtection": "Enable",
        "LogBackupFrequency": "LogInterval",
        "CompressType": 1,
        "Category": "Standard",
        "ReleasedKeepPolicy": "None",
        "EnableIncrementDataBackup": false,
        "SupportsHighFrequencyBackup": 0,
    }))
}

/// The next backup after `now`: the next day among `days` (1 Monday .. 7 Sunday) at
/// `hour`:00 UTC, as `yyyy-MM-ddTHH:mmZ`.
fn next_backup(now: OffsetDateTime, hour: u8, days: &[u8]) -> String {
    let mut day = now.replace_time(time::Time::MIDNIGHT) + Duration::hours(i64::from(hour));
    for _ in 0..8 {
        if day > now && days.contains(&day.weekday().number_from_monday()) {
            break;
        }
        day += Duration::days(1);
    }
    let text = timefmt::utc_iso(day);
    // Minutes precision, as the API writes it.
    match text.rsplit_once(':') {
        Some((minutes, _)) => format!("{minutes}Z"),
        None => text,
    }
}

/// `DescribeLocalAvailableRecoveryTime`: one range, from the oldest backup to the newest log
/// backup (the newest range where the log backups have a gap), UTC.
pub(super) fn describe_local_available_recovery_time(
    state: &State,
    params: &[(String, String)],
) -> ApiResult<Value> {
    let Some(instance_id) = http::pair(params, "DBInstanceId").filter(|v| !v.is_empty()) else {
        return Err(missing("DBInstanceId"));
    };
    let Some(instance) = state.catalog.instance(SERVICE, instance_id) else {
        return Err(ApiError::new(
            404,
            "InvalidDBInstance.NotFound",
            "Specified instance does not exist or not support.",
        ));
    };
    let Some((start, end)) = state.catalog.restore_ranges(instance, state.now()).pop() else {
        return Err(ApiError::new(
            404,
            "InvalidBackup.NotFound",
            "The available backup does not exist in recovery time.",
        ));
    };
    Ok(json!({
        "DBInstanceId": instance.id,
        "RecoveryBeginTime": timefmt::utc_iso(start),
        "RecoveryEndTime": timefmt::utc_iso(end),
    }))
}
