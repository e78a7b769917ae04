//! `DescribeBinlogFiles` of the simulated Alibaba Cloud RDS: an hourly log file since the
//! oldest backup, each with a signed link and its CRC-64.

use serde_json::{Value, json};

use super::{SERVICE, malformed, missing, number};
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::{files, http, timefmt};

/// `DescribeBinlogFiles`: the files whose logs overlap `StartTime`..`EndTime` (UTC with
/// seconds, both required), oldest first, one page by `PageNumber` and `PageSize` (30 to
/// 100, default 30).
pub(super) fn describe_binlog_files(
    state: &State,
    params: &[(String, String)],
) -> ApiResult<Value> {
    let get = |name: &str| http::pair(params, name).filter(|v| !v.is_empty());
    let Some(instance_id) = get("DBInstanceId") else {
        return Err(missing("DBInstanceId"));
    };
    let time = |name: &str, code: &str, message: &str| -> ApiResult<time::OffsetDateTime> {
        let Some(text) = get(name) else {
            return Err(missing(name));
        };
        timefmt::parse_utc_iso(text).ok_or_else(|| ApiError::new(400, code, message))
    };
    let start = time(
        "StartTime",
        "InvalidStartTime.Format",
        "Specified start time is not valid.",
    )?;
    let end = time(
        "EndTime",
        "InvalidEndTime.Format",
        "Specified end time is not valid.",
    )?;
    if end <= start {
        return Err(ApiError::new(
            400,
            "InvalidParameterCombination",
            "The end time must be greater than the start time",
        ));
    }
    let page_size = number(params, "PageSize", 30, malformed("PageSize"))?;
    if !(30..=100).contains(&page_size) {
        return Err(malformed("PageSize"));
    }
    let page_number = number(params, "PageNumber", 1, malformed("PageNumber"))?;
    if page_number == 0 {
        return Err(malformed("PageNumber"));
    }
    let Some(instance) = state.catalog.instance(SERVICE, instance_id) else {
        return Err(ApiError::new(
            404,
            "InvalidDBInstanceId.NotFound",
            "Specified instance does not exist or not support.",
        ));
    };
    let files: Vec<_> = state
        .catalog
        .log_files(instance, state.now(), Some((start, end)))
        .collect();
    let first = usize::try_from((page_number - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
    let size = usize::try_from(page_size).unwrap_or(usize::MAX);
    let items: Vec<Value> = files
        .iter()
        .skip(first)
        .take(size)
        .map(|file| {
            let (url, expires) = files::link_expiring(state, file);
            json!({
                "LogFileName": file.file_name,
                "FileSize": file.size,
                "LogBeginTime": timefmt::utc_iso(file.start),
                "LogEndTime": timefmt::utc_iso(file.end),
                "DownloadLink": url,
                "IntranetDownloadLink": url,
                "LinkExpiredTime": timefmt::utc_iso(expires),
                "HostInstanceID": file.host_instance_id,
                // A JSON number, as the documented example sends it (beyond 2^53).
                "Checksum": files::crc64_text(state, file).parse::<u64>().ok(),
                "RemoteStatus": "Completed",
            })
        })
        .collect();
    let total_size: u64 = files.iter().map(|file| file.size).sum();
    Ok(json!({
        "TotalRecordCount": files.len(),
        "PageNumber": page_number,
        "PageRecordCount": items.len(),
        "TotalFileSize": total_size,
        "Items": { "BinLogFile": items },
    }))
}
