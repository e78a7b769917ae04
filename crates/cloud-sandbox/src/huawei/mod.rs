//! Huawei Cloud RDS and GaussDB for MySQL (private): the API gateway's `SDK-HMAC-SHA256`
//! check, `ListBackups`, `ListBackupFiles`, `ShowInstanceBackups`.

use cloud_signer::huawei::{self, HuaweiRequest};
use hyper::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::auth::within_window;
use crate::catalog::{Backup, Instance};
use crate::changes;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, Reply};
use crate::state::{Received, State};
use crate::{FaultKind, Provider, demo_credentials, files, timefmt};

/// The largest `limit` of both services, and its default.
const MAX_LIMIT: u64 = 100;

mod backups;
mod instances;
mod logs;

/// The operations simulated.
enum Operation {
    ListBackups,
    ListBackupFiles,
    ShowInstanceBackups(String),
    IncrementalBackups(String),
    ListInstances(Provider),
    ShowBackupPolicy(Provider, String),
    RestoreTime(Provider, String),
    CreateBackup(Provider),
    DeleteBackup(Provider, String),
}

impl Operation {
    fn name(&self) -> &'static str {
        match self {
            Operation::ListBackups => "ListBackups",
            Operation::ListBackupFiles => "ListBackupFiles",
            Operation::ShowInstanceBackups(_) => "ShowInstanceBackups",
            Operation::IncrementalBackups(_) => "ShowGaussMySqlIncrementalBackupList",
            Operation::ListInstances(Provider::HuaweiCloudGaussDb) => {
                "ListGaussMySqlInstancesUnifyStatus"
            }
            Operation::ListInstances(_) => "ListInstances",
            Operation::ShowBackupPolicy(Provider::HuaweiCloudGaussDb, _) => {
                "ShowGaussMySqlBackupPolicy"
            }
            Operation::ShowBackupPolicy(..) => "ShowBackupPolicy",
            Operation::RestoreTime(Provider::HuaweiCloudGaussDb, _) => "ShowBackupRestoreTime",
            Operation::RestoreTime(..) => "ListRestoreTimes",
            Operation::CreateBackup(Provider::HuaweiCloudGaussDb) => "CreateGaussMySqlBackup",
            Operation::CreateBackup(_) => "CreateManualBackup",
            Operation::DeleteBackup(Provider::HuaweiCloudGaussDb, _) => "DeleteGaussMySqlBackup",
            Operation::DeleteBackup(..) => "DeleteManualBackup",
        }
    }

    fn service(&self) -> Provider {
        match self {
            Operation::ShowInstanceBackups(_) | Operation::IncrementalBackups(_) => {
                Provider::HuaweiCloudGaussDb
            }
            Operation::ListBackups | Operation::ListBackupFiles => Provider::HuaweiCloudRds,
            Operation::ListInstances(service)
            | Operation::ShowBackupPolicy(service, _)
            | Operation::RestoreTime(service, _)
            | Operation::CreateBackup(service)
            | Operation::DeleteBackup(service, _) => *service,
        }
    }
}

fn gateway(status: u16, message: impl Into<String>) -> ApiError {
    ApiError::new(status, "APIG.0301", message)
}

fn signature_failed() -> ApiError {
    gateway(
        401,
        "Incorrect IAM authentication information: verify aksk signature fail",
    )
}

fn parameter_error() -> ApiError {
    ApiError::new(400, "DBS.200001", "Parameter error.")
}

fn instance_not_found() -> ApiError {
    ApiError::new(404, "DBS.200002", "The DB instance does not exist.")
}

/// The operation `req` asks for and the project id of its path, if it is one simulated.
fn operation(req: &Received) -> Option<(Operation, String)> {
    let segments: Vec<String> = req
        .path
        .trim_start_matches('/')
        .split('/')
        .map(http::decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    if req.method == Method::POST || req.method == Method::DELETE {
        let (operation, project_id) = match (&req.method, segments.as_slice()) {
            (&Method::POST, ["v3", project_id, "backups"]) => (
                Operation::CreateBackup(Provider::HuaweiCloudRds),
                *project_id,
            ),
            (&Method::POST, ["v3", project_id, "backups", "create"]) => (
                Operation::CreateBackup(Provider::HuaweiCloudGaussDb),
                *project_id,
            ),
            // The same path for both services: a GaussDB backup id ends in `br07`.
            (&Method::DELETE, ["v3", project_id, "backups", backup_id]) => {
                let service = if backup_id.ends_with("br07") {
                    Provider::HuaweiCloudGaussDb
                } else {
                    Provider::HuaweiCloudRds
                };
                (
                    Operation::DeleteBackup(service, (*backup_id).to_owned()),
                    *project_id,
                )
            }
            _ => return None,
        };
        return Some((operation, project_id.to_owned()));
    }
    let (operation, project_id) = match (req.method == Method::GET, segments.as_slice()) {
        (true, ["v3", project_id, "backups"]) => (Operation::ListBackups, *project_id),
        (true, ["v3", project_id, "backup-files"]) => (Operation::ListBackupFiles, *project_id),
        (true, ["v3", project_id, "instances", instance_id, "backups"]) => (
            Operation::ShowInstanceBackups((*instance_id).to_owned()),
            *project_id,
        ),
        (
            true,
            [
                "v3",
                project_id,
                "instances",
                instance_id,
                "incremental-backups",
            ],
        ) => (
            Operation::IncrementalBackups((*instance_id).to_owned()),
            *project_id,
        ),
        (true, ["v3", project_id, "instances"]) => (
            Operation::ListInstances(Provider::HuaweiCloudRds),
            *project_id,
        ),
        (true, ["v3.1", project_id, "instances"]) => (
            Operation::ListInstances(Provider::HuaweiCloudGaussDb),
            *project_id,
        ),
        // The same paths for both services: a GaussDB instance id ends in `in07`.
        (
            true,
            [
                "v3",
                project_id,
                "instances",
                instance_id,
                "backups",
                "policy",
            ],
        ) => (
            Operation::ShowBackupPolicy(service_of(instance_id), (*instance_id).to_owned()),
            *project_id,
        ),
        (true, ["v3", project_id, "instances", instance_id, "restore-time"]) => (
            Operation::RestoreTime(service_of(instance_id), (*instance_id).to_owned()),
            *project_id,
        ),
        _ => return None,
    };
    Some((operation, project_id.to_owned()))
}

/// The Huawei Cloud service of an instance, for the paths both services share: GaussDB for
/// MySQL instance ids end in `in07`.
fn service_of(instance_id: &str) -> Provider {
    if instance_id.ends_with("in07") {
        Provider::HuaweiCloudGaussDb
    } else {
        Provider::HuaweiCloudRds
    }
}

/// The service and operation of `req`, from its method and path (before any check).
pub(crate) fn identify(req: &Received) -> Option<(Provider, &'static str)> {
    operation(req).map(|(operation, _)| (operation.service(), operation.name()))
}

/// The region of the demo project, as IAM's `KeystoneListProjects` names it.
pub const HUAWEI_DEMO_REGION: &str = "cn-north-4";

/// IAM `KeystoneListProjects` (`GET /v3/projects?name=<region>`), signed like the APIs: the
/// demo project when the name is [`HUAWEI_DEMO_REGION`], else none.
fn list_projects(state: &State, req: &Received) -> Reply {
    let demo = demo_credentials(Provider::HuaweiCloudRds);
    let project_id = demo.project_id.unwrap_or_default();
    let response = match verify(state, req, project_id) {
        Ok(()) => {
            let projects = if req.query_param("name") == Some(HUAWEI_DEMO_REGION) {
                json!([{"id": project_id, "name": HUAWEI_DEMO_REGION, "enabled": true}])
            } else {
                json!([])
            };
            http::json(200, &[], &json!({"projects": projects, "links": {}}))
        }
        Err(error) => http::json(
            error.status,
            &[],
            &json!({"error_msg": error.message, "error_code": error.code}),
        ),
    };
    Reply::api(
        response,
        Some(Provider::HuaweiCloudRds),
        Some("KeystoneListProjects".to_owned()),
        None,
        None,
    )
}

/// Answers a `/v3/...` request.
pub(crate) fn handle(state: &State, req: &Received) -> Reply {
    if req.path == "/v3/projects" {
        return list_projects(state, req);
    }
    let found = operation(req);

    let mut fault = None;
    let (result, service, operation) = match &found {
        None => (
            Err(ApiError::new(
                404,
                "APIG.0101",
                "The API does not exist or has not been published in the environment",
            )),
            None,
            None,
        ),
        Some((operation, project_id)) => (
            answer(state, req, operation, project_id, &mut fault),
            Some(operation.service()),
            Some(operation.name().to_owned()),
        ),
    };
    let request_id = state.hex_id();
    // GaussDB answers a create with 201 Created.
    let created = matches!(
        found,
        Some((Operation::CreateBackup(Provider::HuaweiCloudGaussDb), _))
    );
    let (status, body, error_code) = match result {
        Ok(body) => (if created { 201 } else { 200 }, body, None),
        Err(error) => {
            // The gateway's own errors carry the request id in the body too.
            let body = if error.code.starts_with("APIG") {
                json!({"error_msg": error.message, "error_code": error.code, "request_id": request_id})
            } else {
                json!({"error_code": error.code, "error_msg": error.message})
            };
            (error.status, body, Some(error.code))
        }
    };
    let response = if body.is_null() {
        // An answer without a body (RDS `DeleteManualBackup`).
        http::response(
            status,
            &[("x-request-id", &request_id)],
            http::Body::empty(),
        )
    } else {
        http::json(status, &[("x-request-id", &request_id)], &body)
    };
    Reply::api(response, service, operation, error_code, fault)
}

fn answer(
    state: &State,
    req: &Received,
    operation: &Operation,
    project_id: &str,
    fault: &mut Option<FaultKind>,
) -> ApiResult<Value> {
    verify(state, req, project_id)?;
    let service = operation.service();
    let write = matches!(
        operation,
        Operation::CreateBackup(_) | Operation::DeleteBackup(..)
    );
    if let Some((kind, _)) = state.gate(service, operation.name(), write) {
        *fault = Some(kind);
        let limit = crate::rate::rate_of(write, state.faults.rate(service));
        return Err(match kind {
            FaultKind::Throttled | FaultKind::RateLimited => ApiError::new(
                429,
                "APIG.0308",
                format!(
                    "The throttling threshold has been reached: policy user over ratelimit,limit:{limit},time:1 second"
                ),
            ),
            _ => ApiError::new(500, "DBS.108000", "Server error."),
        });
    }
    match operation {
        Operation::ListBackups => list_backups(state, req),
        Operation::ListBackupFiles => list_backup_files(state, req),
        Operation::ShowInstanceBackups(instance_id) => {
            show_instance_backups(state, req, instance_id)
        }
        Operation::ListInstances(service) => instances::list_instances(state, req, *service),
        Operation::IncrementalBackups(instance_id) => {
            logs::gaussdb_incremental(state, req, instance_id)
        }
        Operation::ShowBackupPolicy(service, instance_id) => {
            instances::show_backup_policy(state, *service, instance_id)
        }
        Operation::RestoreTime(service, instance_id) => {
            instances::restore_times(state, *service, instance_id)
        }
        Operation::CreateBackup(service) => backups::create(state, req, *service),
        Operation::DeleteBackup(service, backup_id) => backups::delete(state, *service, backup_id),
    }
}

/// What the API gateway checks: the `SDK-HMAC-SHA256` signature over the request as
/// received (with the `Host` header the client sent), the date window, and the project.
fn verify(state: &State, req: &Received, project_id: &str) -> ApiResult<()> {
    let header = |name: &str| http::header(&req.headers, name);
    let Some(authorization) = header("authorization") else {
        // Without AK/SK, the gateway tries token authentication (and there is no token).
        return Err(gateway(
            401,
            "Incorrect IAM authentication information: decrypt token fail",
        ));
    };
    let Some(auth) = huawei::parse_authorization(authorization) else {
        return Err(signature_failed());
    };
    let credentials = demo_credentials(Provider::HuaweiCloudRds);
    // The demo key, or a temporary one the sandbox's metadata service or IAM issued: only
    // with its security token, until it expires.
    let secret = if auth.access_key_id() == credentials.access_key_id {
        credentials.secret.to_owned()
    } else {
        let issued = state
            .issued
            .get(auth.access_key_id())
            .filter(|k| k.service == Provider::HuaweiCloudRds);
        match issued {
            None => {
                return Err(gateway(
                    401,
                    format!(
                        "Incorrect IAM authentication information: ak {} not exist",
                        auth.access_key_id()
                    ),
                ));
            }
            Some(issued) if header("x-security-token") != Some(issued.token.as_str()) => {
                return Err(gateway(
                    401,
                    "Incorrect IAM authentication information: verify aksk signature fail",
                ));
            }
            Some(issued) if state.now() >= issued.expires => {
                return Err(gateway(
                    401,
                    "Incorrect IAM authentication information: the security token has expired",
                ));
            }
            Some(issued) => issued.secret,
        }
    };
    let date_text = header("x-sdk-date").unwrap_or_default();
    let Some(date) = timefmt::parse_sdk_date(date_text) else {
        return Err(signature_failed());
    };
    let now = state.now();
    if !within_window(date, now) {
        return Err(gateway(
            401,
            format!(
                "Incorrect IAM authentication information: signature expired, signature \
                 time:{date_text},server time:{}",
                timefmt::sdk_date(now)
            ),
        ));
    }
    let signed: Vec<String> = auth
        .signed_headers()
        .split(';')
        .map(str::to_ascii_lowercase)
        .collect();
    if !["host", "x-sdk-date"]
        .iter()
        .all(|name| signed.iter().any(|s| s == name))
    {
        return Err(signature_failed());
    }
    let received = req.rebuild(
        HuaweiRequest::new(req.method.as_str(), req.host(state), req.path.as_str())
            .with_body(req.body.to_vec()),
        |request, name, value| request.with_query_param(name, value),
        |request, name, value| request.with_header(name, value),
    );
    let expected = huawei::compute_signature(&received, auth.signed_headers(), &secret);
    if !expected.matches(auth.signature()) {
        return Err(signature_failed());
    }
    let header_project = header("x-project-id").unwrap_or(project_id);
    if Some(project_id) != credentials.project_id || header_project != project_id {
        return Err(gateway(
            401,
            format!("Incorrect IAM authentication information: project id {project_id} not exist"),
        ));
    }
    Ok(())
}

/// `offset` (default 0, not negative) and `limit` (default 100, 1 to 100).
fn offset_and_limit(req: &Received) -> ApiResult<(u64, u64)> {
    let number = |name: &str, default: u64| match req.query_param(name) {
        None => Ok(default),
        Some(text) => text.trim().parse::<u64>().map_err(|_| parameter_error()),
    };
    let offset = number("offset", 0)?;
    let limit = number("limit", MAX_LIMIT)?;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(parameter_error());
    }
    Ok((offset, limit))
}

/// A page `offset..offset + limit` of `instance`'s backups, newest first, those `keep` keeps.
fn page<'a>(
    state: &'a State,
    instance: &'a Instance,
    offset: u64,
    limit: u64,
    keep: Option<&dyn Fn(&Backup<'_>) -> bool>,
) -> (u64, Vec<Backup<'a>>) {
    match keep {
        None if !state.changes.changed(instance) => {
            let count = instance.count as u64;
            let start = offset.min(count) as usize;
            let end = offset.saturating_add(limit).min(count) as usize;
            (
                count,
                (start..end)
                    .map(|i| state.catalog.backup(instance, i))
                    .collect(),
            )
        }
        keep => {
            let mut total = 0;
            let mut page = Vec::new();
            for backup in changes::all(state, instance) {
                if keep.is_none_or(|keep| keep(&backup)) {
                    if total >= offset && total < offset.saturating_add(limit) {
                        page.push(backup);
                    }
                    total += 1;
                }
            }
            (total, page)
        }
    }
}

fn backup_name(backup: &Backup<'_>) -> String {
    format!(
        "{}-backup-{}",
        if backup.manual { "manual" } else { "auto" },
        timefmt::cst_compact(backup.start)
    )
}

/// RDS `ListBackups`: `size` in KB as an integer, times with a `+0800` offset.
fn list_backups(state: &State, req: &Received) -> ApiResult<Value> {
    let param = |name: &str| req.query_param(name).filter(|v| !v.is_empty());
    let Some(instance_id) = param("instance_id") else {
        return Err(parameter_error());
    };
    let (offset, limit) = offset_and_limit(req)?;
    let backup_type = param("backup_type");
    if backup_type.is_some_and(|t| !["auto", "manual", "fragment", "incremental"].contains(&t)) {
        return Err(parameter_error());
    }
    let status = param("status");
    if status.is_some_and(|s| !["BUILDING", "COMPLETED", "FAILED", "DELETING"].contains(&s)) {
        return Err(parameter_error());
    }
    let backup_id = param("backup_id");
    let range: Option<(OffsetDateTime, OffsetDateTime)> =
        match (param("begin_time"), param("end_time")) {
            (None, None) => None,
            (Some(begin), Some(end)) => {
                let (Some(begin), Some(end)) =
                    (timefmt::parse_huawei(begin), timefmt::parse_huawei(end))
                else {
                    return Err(parameter_error());
                };
                if end <= begin {
                    return Err(parameter_error());
                }
                Some((begin, end))
            }
            _ => return Err(parameter_error()),
        };
    let Some(instance) = state
        .catalog
        .instance(Provider::HuaweiCloudRds, instance_id)
    else {
        return Err(instance_not_found());
    };
    if backup_type == Some("incremental") {
        let _ = status;
        return Ok(logs::rds_incremental(
            state,
            instance,
            backup_id,
            range,
            (offset, limit),
        ));
    }
    let keep = |backup: &Backup<'_>| {
        let kind = if backup.manual { "manual" } else { "auto" };
        backup_type.is_none_or(|t| t == kind)
            && status.is_none_or(|s| s == "COMPLETED")
            && backup_id.is_none_or(|id| id == backup.id)
            && range.is_none_or(|(begin, end)| backup.start >= begin && backup.start <= end)
    };
    let filtered =
        backup_type.is_some() || status.is_some() || backup_id.is_some() || range.is_some();
    let (total, backups) = page(
        state,
        instance,
        offset,
        limit,
        filtered.then_some(&keep as &dyn Fn(&Backup<'_>) -> bool),
    );
    let backups: Vec<Value> = backups
        .iter()
        .map(|backup| {
            json!({
                "id": backup.id,
                "name": backup_name(backup),
                "type": if backup.manual { "manual" } else { "auto" },
                "size": backup.size_kb(),
                "status": "COMPLETED",
                "begin_time": timefmt::cst_huawei(backup.start),
                "end_time": timefmt::cst_huawei(backup.end),
                "datastore": {"type": "MySQL", "version": "8.0"},
                "instance_id": instance.id,
                "associated_with_ddm": false,
            })
        })
        .collect();
    Ok(json!({"backups": backups, "total_count": total}))
}

/// RDS `ListBackupFiles` (`ShowBackupDownloadLink`): one file per backup, `size` in KB.
fn list_backup_files(state: &State, req: &Received) -> ApiResult<Value> {
    let Some(backup_id) = req.query_param("backup_id").filter(|v| !v.is_empty()) else {
        return Err(parameter_error());
    };
    let Some(backup) = changes::find_in_service(state, Provider::HuaweiCloudRds, backup_id) else {
        return Err(parameter_error());
    };
    let (link, expires) = files::link_expiring(state, &backup);
    Ok(json!({
        "files": [{
            "name": backup.file_name,
            "size": backup.size_kb(),
            "download_link": link,
            "link_expired_time": timefmt::cst_huawei(expires),
        }],
        "bucket": "rdsbucket.sandbox.1",
    }))
}

/// GaussDB `ShowInstanceBackups`: `size` a decimal string in KB (`"74464.0"`), `total_count` a
/// string, `created` without a zone plus `time_zone`.
fn show_instance_backups(state: &State, req: &Received, instance_id: &str) -> ApiResult<Value> {
    let Some(instance) = state
        .catalog
        .instance(Provider::HuaweiCloudGaussDb, instance_id)
    else {
        return Err(instance_not_found());
    };
    let (offset, limit) = offset_and_limit(req)?;
    let param = |name: &str| req.query_param(name).filter(|v| !v.is_empty());
    let order_field = param("order_field");
    if order_field.is_some_and(|f| !["name", "beginTime", "type"].contains(&f)) {
        return Err(parameter_error());
    }
    let ascending = match param("order_rule") {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(_) => return Err(parameter_error()),
    };
    let filter = match (param("filter_field"), param("filter_content")) {
        (Some("name"), content) => content,
        (None, _) => None,
        (Some(_), _) => return Err(parameter_error()),
    };

    let unchanged = !state.changes.changed(instance);
    let (total, backups) = if filter.is_none() && order_field != Some("name") && unchanged {
        // Newest first by default; `type` is `Db` for every backup, so it keeps that order.
        let count = instance.count as u64;
        if ascending {
            // Position p from the oldest is index count - 1 - p.
            let start = offset.min(count);
            let end = offset.saturating_add(limit).min(count);
            let backups = (start..end)
                .map(|p| state.catalog.backup(instance, (count - 1 - p) as usize))
                .collect();
            (count, backups)
        } else {
            page(state, instance, offset, limit, None)
        }
    } else {
        let mut all: Vec<Backup<'_>> = changes::all(state, instance)
            .filter(|backup| filter.is_none_or(|text| backup_name(backup).contains(text)))
            .collect();
        if order_field == Some("name") {
            all.sort_by_key(backup_name);
            if !ascending {
                all.reverse();
            }
        } else if ascending {
            all.reverse();
        }
        let total = all.len() as u64;
        let page = all
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        (total, page)
    };
    let backups: Vec<Value> = backups
        .iter()
        .map(|backup| {
            json!({
                "id": backup.id,
                "name": backup_name(backup),
                "description": if backup.manual { "manual backup" } else { "" },
                "instance_id": instance.id,
                "instance_name": instance.name,
                "size": format!("{}.0", backup.size_kb()),
                "size_unit": "KB",
                "status": "COMPLETED",
                "created": timefmt::cst_plain(backup.start),
                "updated": timefmt::cst_plain(backup.end),
                "backup_type": "Db",
                "backup_method": "Db",
                "backup_level": "2",
                "backup_mode": "completed",
                "use_detail": "",
                "time_zone": "UTC+08:00",
            })
        })
        .collect();
    Ok(json!({"backups": backups, "total_count": total.to_string()}))
}
