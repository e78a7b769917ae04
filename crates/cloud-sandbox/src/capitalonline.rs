//! Capital Online MySQL (private): the Capital Online RPC signature, `DescribeBackups` and
//! `DownloadBackup`.

use cloud_signer::rpc::{self, RpcFlavor};
use serde_json::{Map, Value, json};

use crate::auth::within_window;
use crate::catalog::Backup;
use crate::changes;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, Reply};
use crate::state::{Received, State};
use crate::{FaultKind, Provider, demo_credentials, files, timefmt};

const SERVICE: Provider = Provider::CapitalOnlineMysql;

fn arg_missing(name: &str) -> ApiError {
    ApiError::new(
        400,
        "ArgMissing",
        format!("缺少参数错误 (missing parameter): {name}"),
    )
}

fn invalid(name: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidParameter",
        format!("参数错误 (invalid parameter): {name}"),
    )
}

fn not_found() -> ApiError {
    ApiError::new(404, "ResourceNotFound", "资源不存在")
}

/// Answers a `/mysql/` request.
pub(crate) fn handle(state: &State, req: &Received) -> Reply {
    let action = req.query_param("Action").unwrap_or_default().to_owned();
    let mut fault = None;
    let result = answer(state, req, &action, &mut fault);
    let request_id = state.uuid(false);
    let (status, body, error_code) = match result {
        Ok(body) => (200, body, None),
        Err(error) => {
            let body = json!({"Code": error.code, "Message": error.message, "TaskId": ""});
            (error.status, body, Some(error.code))
        }
    };
    let response = http::json(status, &[("cds-request-id", &request_id)], &body);
    let operation = (!action.is_empty()).then_some(action);
    Reply::api(response, Some(SERVICE), operation, error_code, fault)
}

fn answer(
    state: &State,
    req: &Received,
    action: &str,
    fault: &mut Option<FaultKind>,
) -> ApiResult<Value> {
    verify(state, req)?;
    if req.query_param("Version") != Some(rpc::CAPITAL_ONLINE_VERSION) {
        return Err(invalid("Version"));
    }
    let method_ok = match action {
        "DescribeBackups" | "DownloadBackup" | "DescribeDBInstances" => {
            req.method == hyper::Method::GET
        }
        // Business parameters in a JSON body (providers.md 1.3).
        "CreateBackup" | "DeleteBackup" => req.method == hyper::Method::POST,
        _ => false,
    };
    if !method_ok {
        return Err(ApiError::new(
            400,
            "UnsupportedOperation",
            format!(
                "操作不支持 (unsupported operation): {} {action}",
                req.method
            ),
        ));
    }
    let write = matches!(action, "CreateBackup" | "DeleteBackup");
    if let Some((kind, _)) = state.gate(SERVICE, action, write) {
        *fault = Some(kind);
        return Err(match kind {
            FaultKind::Throttled | FaultKind::RateLimited => ApiError::new(
                429,
                "Throttling",
                "请求过于频繁 (request was denied due to request throttling)",
            ),
            _ => ApiError::new(500, "InternalError", "内部错误"),
        });
    }
    if action == "DescribeDBInstances" {
        return Ok(describe_db_instances(state, req));
    }
    if matches!(action, "CreateBackup" | "DeleteBackup") {
        return change_backups(state, req, action);
    }
    let Some(instance_id) = req.query_param("InstanceUuid").filter(|v| !v.is_empty()) else {
        return Err(arg_missing("InstanceUuid"));
    };
    let Some(instance) = state.catalog.instance(SERVICE, instance_id) else {
        return Err(not_found());
    };
    if action == "DescribeBackups" {
        let data: Vec<Value> = changes::all(state, instance)
            .map(|backup| backup_json(&backup, None))
            .collect();
        return Ok(json!({"Code": "Success", "Message": "Success.", "Data": data}));
    }
    let Some(backup_id) = req.query_param("BackupId").filter(|v| !v.is_empty()) else {
        return Err(arg_missing("BackupId"));
    };
    let Some(backup) = changes::find(state, instance, backup_id) else {
        return Err(not_found());
    };
    let url = files::link(state, &backup);
    Ok(json!({
        "Code": "Success",
        "Message": "Success.",
        "Data": backup_json(&backup, Some(&url)),
        "TaskId": "",
    }))
}

/// `CreateBackup` and `DeleteBackup`: the JSON body names the instance (and the backup, or
/// the backup type); the answer carries a task ID.
fn change_backups(state: &State, req: &Received, action: &str) -> ApiResult<Value> {
    let body: Value = serde_json::from_slice(&req.body).map_err(|_| {
        ApiError::new(
            400,
            "InvalidParameter",
            "参数错误 (the body is not a JSON object)",
        )
    })?;
    let text = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(instance_id) = text("InstanceUuid") else {
        return Err(arg_missing("InstanceUuid"));
    };
    let Some(instance) = state.catalog.instance(SERVICE, instance_id) else {
        return Err(not_found());
    };
    let task_id = if action == "CreateBackup" {
        match text("BackupType") {
            Some("physical-backup" | "logical-backup") => {}
            Some(_) => return Err(invalid("BackupType")),
            None => return Err(arg_missing("BackupType")),
        }
        let created = state.changes.create(instance, state.now());
        format!("task-{}", created.job_id)
    } else {
        let Some(backup_id) = text("BackupId") else {
            return Err(arg_missing("BackupId"));
        };
        match changes::delete(state, instance, backup_id, false) {
            Ok(()) => format!("task-delete-{}", state.hex_id()),
            Err(changes::DeleteRefused::Running) => {
                return Err(ApiError::new(
                    409,
                    "ResourceInUse",
                    "资源正在被其他任务占用，操作冲突 (the backup is still being made)",
                ));
            }
            Err(_) => return Err(not_found()),
        }
    };
    Ok(json!({"Code": "Success", "Message": "Success.", "Data": {}, "TaskId": task_id}))
}

/// `DescribeDBInstances`: every instance (no paging), filtered by `InstanceUuid`,
/// `InstanceName` and `IP` (a prefix), shaped like the documented example (numbers for
/// `Port`, `Cpu`, `Ram`, `Disks`; `CreatedTime` in China Standard Time without a zone).
fn describe_db_instances(state: &State, req: &Received) -> Value {
    let filter = |name: &str| req.query_param(name).filter(|v| !v.is_empty());
    let (uuid, name, ip) = (filter("InstanceUuid"), filter("InstanceName"), filter("IP"));
    let data: Vec<Value> = state
        .catalog
        .instances()
        .filter(|i| i.service == SERVICE)
        .enumerate()
        .map(|(n, instance)| (format!("10.240.{}.{}", n / 250, 10 + n % 250), instance))
        .filter(|(address, i)| {
            uuid.is_none_or(|u| i.id == u)
                && name.is_none_or(|v| i.name == v)
                && ip.is_none_or(|p| address.starts_with(p))
        })
        .map(|(address, instance)| {
            json!({
                "InstanceUuid": instance.id,
                "InstanceName": instance.name,
                "Status": "RUNNING",
                "StatusStr": "运行中",
                "Version": "8.0.32",
                "SubProductKey": "mysql-replication",
                "SubProductName": "MySQL 高可用版",
                "RegionId": "CN_Beijing_B",
                "DisplayName": "中国大陆-北京-可用区B",
                "IP": address,
                "Port": 3306,
                "Cpu": 4,
                "Ram": 8192,
                "Disks": 200,
                "CreatedTime": timefmt::cst_plain(instance.created()),
                "ProjectName": "默认项目",
                "MasterInfo": "",
                "RelationService": null,
                "RoGroups": [],
                "Tags": [],
            })
        })
        .collect();
    json!({"Code": "Success", "Message": "Success.", "Data": data})
}

/// The Capital Online flavour of the RPC signature: HMAC-SHA1 over the query parameters,
/// keyed with the raw secret.
fn verify(state: &State, req: &Received) -> ApiResult<()> {
    let get = |name: &str| req.query_param(name).filter(|v| !v.is_empty());
    for name in [
        "Action",
        "AccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "Timestamp",
        "Version",
        "Signature",
    ] {
        if get(name).is_none() {
            return Err(arg_missing(name));
        }
    }
    if get("SignatureMethod") != Some(rpc::SIGNATURE_METHOD) {
        return Err(invalid("SignatureMethod"));
    }
    if get("SignatureVersion") != Some(rpc::SIGNATURE_VERSION) {
        return Err(invalid("SignatureVersion"));
    }
    let credentials = demo_credentials(SERVICE);
    let access_key_id = get("AccessKeyId").unwrap_or_default();
    if access_key_id != credentials.access_key_id {
        return Err(ApiError::new(
            403,
            "InvalidAccessKeyId",
            "AccessKeyId 不存在 (the AccessKeyId does not exist)",
        ));
    }
    let now = state.now();
    let Some(timestamp) = timefmt::parse_utc_iso(get("Timestamp").unwrap_or_default()) else {
        return Err(invalid("Timestamp"));
    };
    if !within_window(timestamp, now) {
        return Err(ApiError::new(
            403,
            "RequestExpired",
            "请求已过期 (the request has expired: its Timestamp is more than 15 minutes away \
             from the server's time)",
        ));
    }
    let expected = rpc::compute_signature(
        RpcFlavor::CapitalOnline,
        req.method.as_str(),
        &req.query,
        credentials.secret,
    );
    if !expected.matches(get("Signature").unwrap_or_default()) {
        return Err(ApiError::new(
            403,
            "SignatureDoesNotMatch",
            "请求的签名经过计算跟你提供的签名不匹配 (the request signature does not match the \
             signature calculated by the server)",
        ));
    }
    let nonce = get("SignatureNonce").unwrap_or_default();
    if !state
        .nonces
        .check_and_insert(SERVICE, access_key_id, nonce, now)
    {
        return Err(ApiError::new(
            403,
            "SignatureNonceUsed",
            "SignatureNonce 已被使用 (the signature nonce was used already)",
        ));
    }
    Ok(())
}

/// One backup set: `BackupSize` a number (documented as a string), times in CST without a
/// zone. With `url`, the `DownloadBackup` shape.
fn backup_json(backup: &Backup<'_>, url: Option<&str>) -> Value {
    let mut item = Map::new();
    let mut put = |name: &str, value: Value| {
        item.insert(name.to_owned(), value);
    };
    put("BackupId", json!(backup.id));
    put(
        "BackupMode",
        json!(if backup.manual { "manual" } else { "auto" }),
    );
    put("BackupSize", json!(backup.size));
    put(
        "BackupType",
        json!(if backup.logical {
            "logical-backup"
        } else {
            "physical-backup"
        }),
    );
    put(
        "Desc",
        json!(if backup.manual { "manual backup" } else { "" }),
    );
    put("StartTime", json!(timefmt::cst_plain(backup.start)));
    put("EndTime", json!(timefmt::cst_plain(backup.end)));
    put("InstanceId", json!(backup.instance.id));
    put("Status", json!("finished"));
    put(
        "BackupStrategy",
        json!(if backup.logical { "db" } else { "instance" }),
    );
    match url {
        Some(url) => {
            put("BackupDownloadUrl", json!(url));
            put("BackupIntranetDownloadUrl", json!(url));
        }
        None => put("BackupFinishTime", json!(timefmt::cst_plain(backup.end))),
    }
    Value::Object(item)
}
