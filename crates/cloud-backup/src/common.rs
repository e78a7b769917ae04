//! Helpers shared by the provider modules.

use cloud_http::Error;

#[cfg(any(feature = "capitalonline-mysql", feature = "aliyun-rds"))]
pub(crate) use json::{body, bytes, records, request_id};

/// Reading the JSON bodies of the RPC-style providers (Capital Online, Alibaba Cloud).
#[cfg(any(feature = "capitalonline-mysql", feature = "aliyun-rds"))]
mod json {
    use cloud_http::{Error, RawResponse};
    use serde_json::Value;

    /// The body as JSON, with the transport's path-naming decode errors.
    pub(crate) fn body(raw: &RawResponse) -> Result<Value, Error> {
        raw.json::<Value>()
    }

    /// The records under `value`: an array's object elements, or one object (some APIs
    /// document a list as a dict); nothing for anything else.
    pub(crate) fn records(value: Option<&Value>) -> Vec<Value> {
        match value {
            Some(Value::Array(items)) => items.iter().filter(|v| v.is_object()).cloned().collect(),
            Some(object @ Value::Object(_)) => vec![object.clone()],
            _ => Vec::new(),
        }
    }

    /// The request id of a successful response: the body's `RequestId`, else the headers'.
    pub(crate) fn request_id(raw: &RawResponse, body: &Value) -> Option<String> {
        body.get("RequestId")
            .and_then(Value::as_str)
            .filter(|id| !id.trim().is_empty())
            .or_else(|| raw.request_id())
            .map(str::to_owned)
    }

    /// A byte count from a provider's signed integer: `None` when negative.
    pub(crate) fn bytes(size: Option<i64>) -> Option<u64> {
        size.and_then(|size| u64::try_from(size).ok())
    }
}

/// A service error that the response implies but no error code states (a missing backup,
/// a backup that cannot be downloaded now), with the response's request id.
#[cfg(any(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds"
))]
pub(crate) fn unavailable(request_id: Option<String>, message: String) -> Error {
    let mut service = cloud_http::ServiceError::new().with_message(message);
    service.request_id = request_id;
    Error::service(None, service)
}

/// The backups of `instance_id` from a client's stream of records, each mapped by `map`
/// (the provider module's `backup_from_record`); the first error ends it.
#[cfg(any(
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
pub(crate) async fn collect_backups<T>(
    records: impl futures::Stream<Item = Result<cloud_http::Record<T>, Error>>,
    instance_id: &str,
    map: fn(&str, cloud_http::Record<T>) -> crate::Backup,
) -> Result<Vec<crate::Backup>, Error> {
    use futures::TryStreamExt;
    records
        .map_ok(|record| map(instance_id, record))
        .try_collect()
        .await
}

/// A backup record of `provider` from what a listing gives: `[id, status, backup type]` as
/// texts (blank ones count as missing), the size in bytes, `[started, finished]` already in
/// RFC 3339, and the provider's JSON as received.
#[cfg(any(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
pub(crate) fn backup_record(
    provider: crate::Provider,
    instance_id: &str,
    [id, status, backup_type]: [Option<String>; 3],
    size_bytes: Option<u64>,
    [started_at, finished_at]: [Option<String>; 2],
    raw: serde_json::Value,
) -> crate::Backup {
    let mut backup = crate::Backup::new(provider, instance_id, non_empty(id).unwrap_or_default());
    backup.status = non_empty(status);
    backup.backup_type = non_empty(backup_type);
    backup.size_bytes = size_bytes;
    backup.started_at = started_at;
    backup.finished_at = finished_at;
    backup.raw = raw;
    backup
}

/// The download link of a backup whose API gives one URL: from `[url, intranet url, backup
/// status]` and the size, or, when the URL is missing or blank, the error that the backup has
/// no download URL now (naming its status), with the response's request id.
#[cfg(any(feature = "capitalonline-mysql", feature = "aliyun-rds"))]
pub(crate) fn single_link(
    provider: crate::Provider,
    instance_id: &str,
    backup_id: &str,
    [url, intranet_url, status]: [Option<String>; 3],
    size_bytes: Option<u64>,
    request_id: Option<String>,
) -> Result<crate::DownloadLink, Error> {
    let Some(url) = non_empty(url) else {
        let status = non_empty(status)
            .map(|s| format!(" (backup status: {s})"))
            .unwrap_or_default();
        return Err(unavailable(
            request_id,
            format!("backup {backup_id} of instance {instance_id} has no download URL now{status}"),
        ));
    };
    let mut link = crate::DownloadLink::new(provider, instance_id, backup_id, url);
    link.intranet_url = non_empty(intranet_url);
    link.size_bytes = size_bytes;
    Ok(link)
}

/// A provider's configuration with `options`' credentials (`new`), else from the
/// environment's chain (`from_env`).
#[cfg(any(feature = "capitalonline-mysql", feature = "aliyun-rds"))]
pub(crate) fn credentials_or_env<C>(
    options: &crate::Options,
    new: fn(cloud_signer::Credentials) -> C,
    from_env: fn() -> Result<C, Error>,
) -> Result<C, Error> {
    match &options.credentials {
        Some(credentials) => Ok(new(credentials.clone())),
        None => from_env(),
    }
}

/// The items of a client's stream of records, each mapped by `map`; the first error ends it.
#[cfg(any(
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
pub(crate) async fn collect_mapped<T, U>(
    records: impl futures::Stream<Item = Result<cloud_http::Record<T>, Error>>,
    map: fn(cloud_http::Record<T>) -> U,
) -> Result<Vec<U>, Error> {
    use futures::TryStreamExt;
    records.map_ok(map).try_collect().await
}

/// An instance record of `provider` from what a listing gives: `[id, name, engine, engine
/// version, status, region, zone]` as texts (blank ones count as missing), the creation time
/// already in RFC 3339, and the provider's JSON as received.
#[cfg(any(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
pub(crate) fn instance_record(
    provider: crate::Provider,
    [id, name, engine, engine_version, status, region, zone]: [Option<String>; 7],
    created_at: Option<String>,
    raw: serde_json::Value,
) -> crate::Instance {
    let mut instance = crate::Instance::new(provider, non_empty(id).unwrap_or_default());
    instance.name = non_empty(name);
    instance.engine = non_empty(engine);
    instance.engine_version = non_empty(engine_version);
    instance.status = non_empty(status);
    instance.region = non_empty(region);
    instance.zone = non_empty(zone);
    instance.created_at = created_at;
    instance.raw = raw;
    instance
}

/// The policy of a Huawei Cloud service (RDS, GaussDB for MySQL): `keep_days` (0 means
/// automated backup is off), the UTC window `start_time` and the weekday numbers `period`.
#[cfg(any(feature = "huaweicloud-rds", feature = "huaweicloud-gaussdb"))]
pub(crate) fn huawei_policy(
    provider: crate::Provider,
    instance_id: &str,
    keep_days: Option<i64>,
    [start_time, period]: [Option<String>; 2],
    raw: serde_json::Value,
) -> crate::BackupPolicy {
    let mut policy = crate::BackupPolicy::new(provider, instance_id);
    policy.retention_days = keep_days.and_then(|days| u32::try_from(days).ok());
    policy.enabled = keep_days.map(|days| days > 0);
    policy.window_utc = start_time.as_deref().and_then(crate::records::window_utc);
    policy.days = period
        .as_deref()
        .map(crate::records::weekdays_from_numbers)
        .unwrap_or_default();
    policy.raw = raw;
    policy
}

/// The restore ranges of a Huawei Cloud answer: an array of `{start_time, end_time}` in Unix
/// milliseconds (numbers or strings), oldest first; malformed ones are left out.
#[cfg(any(feature = "huaweicloud-rds", feature = "huaweicloud-gaussdb"))]
pub(crate) fn huawei_ranges(ranges: Option<&serde_json::Value>) -> Vec<crate::TimeRange> {
    let millis = |range: &serde_json::Value, key: &str| {
        range
            .get(key)
            .and_then(|value| cloud_http::lenient::integer(value).ok().flatten())
    };
    let mut ranges: Vec<(i64, crate::TimeRange)> = ranges
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|range| {
            let start = millis(range, "start_time")?;
            let time_range =
                crate::TimeRange::from_unix_millis(Some(start), millis(range, "end_time"))?;
            Some((start, time_range))
        })
        .collect();
    ranges.sort_by_key(|(start, _)| *start);
    ranges.into_iter().map(|(_, range)| range).collect()
}

/// Now, in RFC 3339 (this machine's clock): when a create call is sent.
#[cfg(any(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
pub(crate) fn now_rfc3339() -> String {
    crate::model::rfc3339(time::OffsetDateTime::now_utc()).unwrap_or_default()
}

/// Whether `backup` started at or after `requested_at` less a minute (clocks differ): a
/// backup a create call may have made.
#[cfg(any(feature = "capitalonline-mysql", feature = "aliyun-rds"))]
pub(crate) fn started_since(backup: &crate::Backup, requested_at: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    let requested = time::OffsetDateTime::parse(requested_at, &Rfc3339).ok();
    match (backup.started(), requested) {
        (Some(started), Some(requested)) => started >= requested - time::Duration::minutes(1),
        _ => false,
    }
}

/// The error for a backup the provider reports as failed.
#[cfg(any(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
pub(crate) fn backup_failed(backup_id: &str, status: &str) -> Error {
    Error::service(
        None,
        cloud_http::ServiceError::new()
            .with_message(format!("backup {backup_id} failed (status {status})")),
    )
}

/// The progress of a Huawei Cloud backup from its listing: `COMPLETED` or `AVAILABLE` is
/// done, `FAILED` an error, anything else (or not listed yet) still running.
#[cfg(any(feature = "huaweicloud-rds", feature = "huaweicloud-gaussdb"))]
pub(crate) fn huawei_progress(
    found: Option<crate::Backup>,
    backup_id: &str,
) -> Result<crate::manual::Progress, Error> {
    use crate::manual::Progress;
    Ok(match found {
        Some(backup) => match backup.status.as_deref() {
            Some("COMPLETED" | "AVAILABLE") => Progress::Done(Box::new(backup)),
            Some("FAILED") => return Err(backup_failed(backup_id, "FAILED")),
            status => Progress::Running {
                status: status.map(str::to_owned),
                backup_id: Some(backup_id.to_owned()),
            },
        },
        None => Progress::Running {
            status: None,
            backup_id: Some(backup_id.to_owned()),
        },
    })
}

/// A text field that is present and not blank, trimmed.
pub(crate) fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Applies `options` to the configuration of a Huawei Cloud client (RDS or GaussDB): the
/// region (which picks the endpoint from the service's region table), then the endpoint
/// override, then the project id, each replacing what the environment gave
/// (`HUAWEICLOUD_SDK_REGION`, `HUAWEICLOUD_SDK_PROJECT_ID`).
///
/// (The example needs the `huaweicloud-rds` feature.)
#[cfg_attr(feature = "huaweicloud-rds", doc = "```")]
#[cfg_attr(not(feature = "huaweicloud-rds"), doc = "```ignore")]
/// use cloud_backup::Options;
/// use huaweicloud_core::{Config, Credentials};
///
/// let from_env = Config::new(Credentials::new("ak", "sk"), "project-from-env").with_region("cn-north-4");
/// let options = Options::new().with_project_id("0483b6b16e954cb88930a360d2c4e663");
/// let config = cloud_backup::huawei_rds::config(from_env, &options)?;
/// assert_eq!(config.project_id(), Some("0483b6b16e954cb88930a360d2c4e663"));
/// assert_eq!(config.region(), Some("cn-north-4"));
/// # Ok::<(), cloud_backup::Error>(())
/// ```
#[cfg(any(feature = "huaweicloud-rds", feature = "huaweicloud-gaussdb"))]
pub fn huawei_config(
    mut config: huaweicloud_core::Config,
    options: &crate::Options,
) -> Result<huaweicloud_core::Config, Error> {
    if let Some(region) = &options.region {
        config = config.with_region(region.as_str());
    }
    if let Some(endpoint) = &options.endpoint {
        config = config.with_endpoint(endpoint)?;
    }
    if let Some(project_id) = &options.project_id {
        config = config.with_project_id(project_id.as_str());
    }
    let http = options.http_config(config.http());
    Ok(config.with_http(http))
}

/// The Huawei configuration of `options`: its credentials (else the environment's chain),
/// then its region, endpoint and project id ([`huawei_config`]). Both Huawei services use it.
#[cfg(any(feature = "huaweicloud-rds", feature = "huaweicloud-gaussdb"))]
pub(crate) fn huawei_options_config(
    options: &crate::Options,
) -> Result<huaweicloud_core::Config, Error> {
    let base = match &options.credentials {
        Some(credentials) => huaweicloud_core::Config::new(credentials.clone(), ""),
        None => huaweicloud_core::Config::from_env()?,
    };
    let config = huawei_config(base, options)?;
    // Said here in the command line's words (the client crates' messages speak of their
    // configuration).
    if config.project_id().is_none() {
        return Err(Error::config(
            "no Huawei Cloud project id (it is part of every request path): give --project-id, \
             set HUAWEICLOUD_SDK_PROJECT_ID, or add project_id to the [basic] section of \
             ~/.huaweicloud/credentials",
        ));
    }
    if config.region().is_none() && config.endpoint_override().is_none() {
        return Err(Error::config(
            "no Huawei Cloud region: give --region (e.g. cn-north-4) or --endpoint, or set \
             HUAWEICLOUD_SDK_REGION",
        ));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields() {
        assert_eq!(non_empty(Some("  ".into())), None);
        assert_eq!(non_empty(Some(" a ".into())).as_deref(), Some("a"));
        assert_eq!(non_empty(None), None);
    }

    #[cfg(any(feature = "capitalonline-mysql", feature = "aliyun-rds"))]
    #[test]
    fn byte_counts() {
        assert_eq!(bytes(Some(5)), Some(5));
        assert_eq!(bytes(Some(-1)), None);
        assert_eq!(bytes(None), None);
    }
}
