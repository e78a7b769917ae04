//! Alibaba Cloud ApsaraDB RDS (private): signature V2 and V3, `DescribeBackups`.

use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::rpc::{self, RpcFlavor};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::auth::{self, within_window};
use crate::catalog::{Backup, Instance};
use crate::changes;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, Body, Reply};
use crate::state::{Received, State};
use crate::{FaultKind, Provider, demo_credentials, files, timefmt};

mod instances;
mod jobs;
mod logs;

const SERVICE: Provider = Provider::AliyunRds;
/// The actions simulated.
const ACTIONS: [&str; 8] = [
    "DescribeBinlogFiles",
    "DescribeBackups",
    "DescribeDBInstances",
    "DescribeBackupPolicy",
    "DescribeLocalAvailableRecoveryTime",
    "CreateBackup",
    "DescribeBackupTasks",
    "DeleteBackup",
];
/// The API version of RDS.
const VERSION: &str = "2014-08-15";
/// The `HostId` of error bodies: the central endpoint's host.
const HOST_ID: &str = "rds.aliyuncs.com";
/// The page sizes `DescribeBackups` accepts, and its default.
const PAGE_SIZES: [u64; 3] = [30, 50, 100];
const DEFAULT_PAGE_SIZE: u64 = 30;

/// How the request was signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signing {
    V2,
    V3,
}

/// How to write the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

pub(super) fn missing(name: &str) -> ApiError {
    ApiError::new(
        400,
        format!("Missing{name}"),
        format!("{name} is mandatory for this action."),
    )
}

fn signature_mismatch(string_to_sign: &str) -> ApiError {
    ApiError::new(
        400,
        "SignatureDoesNotMatch",
        format!(
            "Specified signature is not matched with our calculation. server string to sign \
             is:{string_to_sign}"
        ),
    )
}

/// How `req` is signed: V3 with an `x-acs-action` header or an `ACS3-HMAC-SHA256`
/// `Authorization`, else V2.
fn signing(req: &Received) -> Signing {
    if req.headers.contains_key("x-acs-action")
        || http::header(&req.headers, "authorization")
            .is_some_and(|a| a.starts_with(acs3::ALGORITHM))
    {
        Signing::V3
    } else {
        Signing::V2
    }
}

/// Every parameter of `req`: the query, then a form body's.
fn params(req: &Received) -> Vec<(String, String)> {
    let mut params = req.query.clone();
    params.extend(req.form_params());
    params
}

/// The action `req` asks for (`x-acs-action` for V3, `Action` for V2), before any check.
pub(crate) fn action(req: &Received) -> Option<String> {
    let action = match signing(req) {
        Signing::V3 => http::header(&req.headers, "x-acs-action").map(str::to_owned),
        Signing::V2 => http::pair(&params(req), "Action").map(str::to_owned),
    };
    action.filter(|a| !a.is_empty())
}

/// Answers an RDS request.
pub(crate) fn handle(state: &State, req: &Received) -> Reply {
    let signing = signing(req);
    let params = params(req);
    let format = match (signing, http::pair(&params, "Format")) {
        (Signing::V2, Some(f)) if f.eq_ignore_ascii_case("json") => Format::Json,
        (Signing::V2, _) => Format::Xml,
        (Signing::V3, _) => Format::Json,
    };
    let action = match signing {
        Signing::V3 => http::header(&req.headers, "x-acs-action"),
        Signing::V2 => http::pair(&params, "Action"),
    }
    .unwrap_or_default()
    .to_owned();

    let mut fault = None;
    let result = answer(state, req, signing, &params, &action, &mut fault);
    let request_id = state.uuid(true);
    let retry_after = result
        .as_ref()
        .err()
        .and_then(|error| error.retry_after)
        .map(|wait| wait.as_millis().max(1).to_string());
    let (status, value, error_code, root) = match result {
        Ok(mut value) => {
            if let Value::Object(members) = &mut value {
                members.insert("RequestId".to_owned(), Value::String(request_id.clone()));
            }
            (200, value, None, format!("{action}Response"))
        }
        Err(error) => {
            let value = json!({
                "RequestId": request_id,
                "HostId": HOST_ID,
                "Code": error.code,
                "Message": error.message,
                "Recommend": format!(
                    "https://api.aliyun.com/troubleshoot?q={}&product=Rds&requestId={request_id}",
                    http::encode(&error.code)
                ),
            });
            (error.status, value, Some(error.code), "Error".to_owned())
        }
    };
    // Alibaba's gateway says how long to wait, in milliseconds, in `x-acs-retry-after`.
    let mut headers = vec![("x-acs-request-id", request_id.as_str())];
    if let Some(ms) = &retry_after {
        headers.push(("x-acs-retry-after", ms.as_str()));
    }
    let response = match format {
        Format::Json => http::json(status, &headers, &value),
        Format::Xml => {
            let mut response =
                http::response(status, &headers, Body::bytes(http::to_xml(&root, &value)));
            http::set_header(
                response.headers_mut(),
                "content-type",
                "text/xml;charset=utf-8",
            );
            response
        }
    };
    let operation = (!action.is_empty()).then_some(action);
    Reply::api(response, Some(SERVICE), operation, error_code, fault)
}

/// Authenticates, applies faults, and runs the action.
fn answer(
    state: &State,
    req: &Received,
    signing: Signing,
    params: &[(String, String)],
    action: &str,
    fault: &mut Option<FaultKind>,
) -> ApiResult<Value> {
    // STS: AssumeRoleWithOIDC is anonymous (the OIDC token is the proof), AssumeRole signed.
    if action == "AssumeRoleWithOIDC" {
        return crate::identity::assume_role(state, action, params);
    }
    match signing {
        Signing::V2 => verify_v2(state, req, params)?,
        Signing::V3 => verify_v3(state, req)?,
    }
    if action == "AssumeRole" {
        return crate::identity::assume_role(state, action, params);
    }
    let version = match signing {
        Signing::V3 => http::header(&req.headers, "x-acs-version"),
        Signing::V2 => http::pair(params, "Version"),
    };
    let Some(version) = version else {
        return Err(missing("Version"));
    };
    if !ACTIONS.contains(&action) {
        return Err(ApiError::new(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ));
    }
    if version != VERSION {
        return Err(ApiError::new(
            400,
            "InvalidVersion",
            "Specified parameter Version is not valid.",
        ));
    }
    let write = matches!(action, "CreateBackup" | "DeleteBackup");
    if let Some((kind, wait)) = state.gate(SERVICE, action, write) {
        *fault = Some(kind);
        return Err(match kind {
            FaultKind::Throttled | FaultKind::RateLimited => ApiError::new(
                400,
                "Throttling.User",
                "Request was denied due to user flow control.",
            )
            .with_retry_after(wait),
            _ => ApiError::new(
                503,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            ),
        });
    }
    match action {
        "DescribeDBInstances" => instances::describe_db_instances(state, params),
        "DescribeBackupPolicy" => instances::describe_backup_policy(state, params),
        "DescribeLocalAvailableRecoveryTime" => {
            instances::describe_local_available_recovery_time(state, params)
        }
        "DescribeBinlogFiles" => logs::describe_binlog_files(state, params),
        "CreateBackup" => jobs::create_backup(state, params),
        "DescribeBackupTasks" => jobs::describe_backup_tasks(state, params),
        "DeleteBackup" => jobs::delete_backup(state, params),
        _ => describe_backups(state, params),
    }
}

/// The checks shared by both signatures once the signature itself matched: the timestamp
/// window was checked before; the nonce must be new.
fn check_nonce(
    state: &State,
    access_key_id: &str,
    nonce: &str,
    now: OffsetDateTime,
) -> ApiResult<()> {
    if state
        .nonces
        .check_and_insert(SERVICE, access_key_id, nonce, now)
    {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ))
    }
}

/// The secret of `access_key_id`: the demo key, or a short-lived key the sandbox issued,
/// which works only with its security token and until it expires.
fn check_access_key(state: &State, access_key_id: &str, token: Option<&str>) -> ApiResult<String> {
    let credentials = demo_credentials(SERVICE);
    if access_key_id == credentials.access_key_id {
        return Ok(credentials.secret.to_owned());
    }
    let Some(issued) = state
        .issued
        .get(access_key_id)
        .filter(|issued| issued.service == SERVICE)
    else {
        return Err(ApiError::new(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    };
    if token != Some(issued.token.as_str()) {
        return Err(ApiError::new(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "Specified SecurityToken mismatch with the AccessKey.",
        ));
    }
    if state.now() >= issued.expires {
        return Err(ApiError::new(
            400,
            "InvalidSecurityToken.Expired",
            "Specified SecurityToken is expired.",
        ));
    }
    Ok(issued.secret)
}

fn check_time(text: &str, now: OffsetDateTime) -> ApiResult<()> {
    let Some(timestamp) = timefmt::parse_utc_iso(text) else {
        return Err(ApiError::new(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        ));
    };
    if within_window(timestamp, now) {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ))
    }
}

/// Signature V2: HMAC-SHA1 over every parameter, keyed with `secret&`.
fn verify_v2(state: &State, req: &Received, params: &[(String, String)]) -> ApiResult<()> {
    let get = |name: &str| http::pair(params, name);
    for name in [
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureNonce",
        "Timestamp",
    ] {
        if get(name).is_none_or(str::is_empty) {
            return Err(missing(name));
        }
    }
    if get("SignatureMethod") != Some(rpc::SIGNATURE_METHOD) {
        return Err(ApiError::new(
            400,
            "InvalidSignatureMethod",
            "Specified signature method is not valid: only HMAC-SHA1 is supported.",
        ));
    }
    if get("SignatureVersion").is_some_and(|v| v != rpc::SIGNATURE_VERSION) {
        return Err(ApiError::new(
            400,
            "InvalidSignatureVersion",
            "Specified signature version is not valid.",
        ));
    }
    let access_key_id = get("AccessKeyId").unwrap_or_default();
    let secret = check_access_key(state, access_key_id, get("SecurityToken"))?;
    let now = state.now();
    check_time(get("Timestamp").unwrap_or_default(), now)?;
    let expected = rpc::compute_signature(RpcFlavor::Aliyun, req.method.as_str(), params, &secret);
    if !expected.matches(get("Signature").unwrap_or_default()) {
        return Err(signature_mismatch(expected.string_to_sign().as_str()));
    }
    check_nonce(
        state,
        access_key_id,
        get("SignatureNonce").unwrap_or_default(),
        now,
    )
}

/// The headers signature V3 requires to be signed.
const V3_SIGNED: [&str; 6] = [
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
];

/// Signature V3: `ACS3-HMAC-SHA256` over the canonical request, the payload hash checked.
fn verify_v3(state: &State, req: &Received) -> ApiResult<()> {
    let header = |name: &str| http::header(&req.headers, name);
    let Some(authorization) = header("authorization") else {
        return Err(missing("Authorization"));
    };
    let Some(auth) = acs3::parse_authorization(authorization) else {
        return Err(ApiError::new(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards.",
        ));
    };
    let Some(nonce) = header("x-acs-signature-nonce").filter(|n| !n.is_empty()) else {
        return Err(missing("SignatureNonce"));
    };
    let Some(date) = header("x-acs-date") else {
        return Err(missing("Timestamp"));
    };
    let secret = check_access_key(state, auth.access_key_id(), header("x-acs-security-token"))?;
    let now = state.now();
    check_time(date, now)?;
    let Some(content_sha256) = header("x-acs-content-sha256") else {
        return Err(ApiError::new(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards: the \
             x-acs-content-sha256 header is missing.",
        ));
    };
    let signed: Vec<String> = auth
        .signed_headers()
        .split(';')
        .map(str::to_ascii_lowercase)
        .collect();
    if let Some(unsigned) = V3_SIGNED
        .iter()
        .find(|name| !signed.iter().any(|s| s == *name))
    {
        return Err(ApiError::new(
            400,
            "IncompleteSignature",
            format!(
                "The request signature does not conform to Aliyun standards: the {unsigned} \
                 header must be signed."
            ),
        ));
    }
    if !content_sha256.eq_ignore_ascii_case(&auth::sha256_hex(&req.body)) {
        return Err(ApiError::new(
            400,
            "SignatureDoesNotMatch",
            "The x-acs-content-sha256 header is not the SHA-256 of the request body.",
        ));
    }

    let received = req.rebuild(
        Acs3Request::new(req.method.as_str(), req.host(state))
            .with_canonical_uri(req.path.as_str())
            .with_body(req.body.to_vec()),
        |request, name, value| request.with_query_param(name, value),
        |request, name, value| request.with_header(name, value),
    );
    let expected = acs3::compute_signature(&received, auth.signed_headers(), &secret);
    if !expected.matches(auth.signature()) {
        return Err(signature_mismatch(expected.string_to_sign().as_str()));
    }
    check_nonce(state, auth.access_key_id(), nonce, now)
}

/// A positive integer parameter with a default, or `error`.
pub(super) fn number(
    params: &[(String, String)],
    name: &str,
    default: u64,
    error: ApiError,
) -> ApiResult<u64> {
    match http::pair(params, name) {
        None => Ok(default),
        Some(text) => text.trim().parse::<u64>().map_err(|_| error),
    }
}

pub(super) fn malformed(name: &str) -> ApiError {
    ApiError::new(
        400,
        format!("Invalid{name}.Malformed"),
        format!("Specified parameter {name} is not valid."),
    )
}

/// `DescribeBackups`: one page of the instance's backup sets.
fn describe_backups(state: &State, params: &[(String, String)]) -> ApiResult<Value> {
    let get = |name: &str| http::pair(params, name).filter(|v| !v.is_empty());
    let Some(instance_id) = get("DBInstanceId") else {
        return Err(missing("DBInstanceId"));
    };
    let Some(instance) = state.catalog.instance(SERVICE, instance_id) else {
        return Err(ApiError::new(
            404,
            "InvalidDBInstanceId.NotFound",
            "Specified instance does not exist or not support.",
        ));
    };
    let page_size = number(params, "PageSize", DEFAULT_PAGE_SIZE, malformed("PageSize"))?;
    if !PAGE_SIZES.contains(&page_size) {
        return Err(malformed("PageSize"));
    }
    let page_number = number(params, "PageNumber", 1, malformed("PageNumber"))?;
    if page_number == 0 {
        return Err(malformed("PageNumber"));
    }
    let filter = Filter::new(params)?;

    let first = (page_number - 1).saturating_mul(page_size);
    let (total, page): (u64, Vec<Backup<'_>>) =
        if filter.is_empty() && !state.changes.changed(instance) {
            let count = instance.count as u64;
            let start = usize::try_from(first.min(count)).unwrap_or(instance.count);
            let end = usize::try_from((first + page_size).min(count)).unwrap_or(instance.count);
            (
                count,
                (start..end)
                    .map(|i| state.catalog.backup(instance, i))
                    .collect(),
            )
        } else {
            let mut total = 0;
            let mut page = Vec::new();
            for backup in changes::all(state, instance) {
                if filter.matches(&backup) {
                    if total >= first && total < first + page_size {
                        page.push(backup);
                    }
                    total += 1;
                }
            }
            (total, page)
        };

    // The checksum costs a pass over the file: sent for a lookup by BackupId (how clients get
    // one backup's link), empty in other listings.
    let with_checksum = filter.backup_id.is_some();
    let items: Vec<Value> = page
        .iter()
        .map(|b| backup_json(state, instance, b, with_checksum))
        .collect();
    // The examples send counts as numbers and the SDK models them as strings; the sandbox
    // sends TotalRecordCount as a string on even pages, a number on odd ones.
    let total_value = if page_number % 2 == 0 {
        Value::String(total.to_string())
    } else {
        json!(total)
    };
    Ok(json!({
        "TotalRecordCount": total_value,
        "PageNumber": page_number,
        "PageRecordCount": items.len(),
        "TotalEcsSnapshotSize": 0,
        "Items": { "Backup": items },
    }))
}

/// The filters of `DescribeBackups`.
#[derive(Debug, Default)]
struct Filter {
    backup_id: Option<String>,
    status: Option<String>,
    mode: Option<String>,
    kind: Option<String>,
    start: Option<OffsetDateTime>,
    end: Option<OffsetDateTime>,
}

impl Filter {
    fn new(params: &[(String, String)]) -> ApiResult<Self> {
        let get = |name: &str| {
            http::pair(params, name)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let one_of = |name: &str, values: &[&str]| match get(name) {
            Some(value) if !values.contains(&value.as_str()) => Err(malformed(name)),
            value => Ok(value),
        };
        let time = |name: &str| match get(name) {
            None => Ok(None),
            Some(text) => timefmt::parse_utc_minutes(&text)
                .map(Some)
                .ok_or_else(|| malformed(name)),
        };
        let filter = Filter {
            backup_id: get("BackupId"),
            status: one_of("BackupStatus", &["Success", "Failed"])?,
            mode: one_of("BackupMode", &["Automated", "Manual"])?,
            kind: one_of("BackupType", &["FullBackup", "IncrementalBackup"])?,
            start: time("StartTime")?,
            end: time("EndTime")?,
        };
        if let (Some(start), Some(end)) = (filter.start, filter.end)
            && end <= start
        {
            return Err(ApiError::new(
                400,
                "InvalidEndTime.Malformed",
                "Specified parameter EndTime is not valid: it must be later than StartTime.",
            ));
        }
        Ok(filter)
    }

    fn is_empty(&self) -> bool {
        self.backup_id.is_none()
            && self.status.is_none()
            && self.mode.is_none()
            && self.kind.is_none()
            && self.start.is_none()
            && self.end.is_none()
    }

    fn matches(&self, backup: &Backup<'_>) -> bool {
        let mode = if backup.manual { "Manual" } else { "Automated" };
        self.backup_id.as_deref().is_none_or(|id| id == backup.id)
            && self.status.as_deref().is_none_or(|s| s == "Success")
            && self.mode.as_deref().is_none_or(|m| m == mode)
            && self.kind.as_deref().is_none_or(|k| k == "FullBackup")
            && self.start.is_none_or(|start| backup.start >= start)
            && self.end.is_none_or(|end| backup.start <= end)
    }
}

/// One backup set as `DescribeBackups` sends it: `BackupId` and `HostInstanceID` as numbers
/// (documented as strings), `BackupSize` a number, `Encryption` an object, `StorageClass` a
/// number, `Checksum` the file's CRC-64/XZ in decimal when `with_checksum` (else empty).
fn backup_json(
    state: &State,
    instance: &Instance,
    backup: &Backup<'_>,
    with_checksum: bool,
) -> Value {
    let url = files::link(state, backup);
    let mut item = Map::new();
    let id: u64 = backup.id.parse().unwrap_or_default();
    let mut put = |name: &str, value: Value| {
        item.insert(name.to_owned(), value);
    };
    put("BackupId", json!(id));
    put("DBInstanceId", json!(instance.id));
    put("HostInstanceID", json!(backup.host_instance_id));
    put("BackupStatus", json!("Success"));
    put("BackupStartTime", json!(timefmt::utc_iso(backup.start)));
    put("BackupEndTime", json!(timefmt::utc_iso(backup.end)));
    put("BackupType", json!("FullBackup"));
    put(
        "BackupMode",
        json!(if backup.manual { "Manual" } else { "Automated" }),
    );
    put("BackupMethod", json!("Physical"));
    put(
        "BackupInitiator",
        json!(if backup.manual { "User" } else { "System" }),
    );
    put("BackupLocation", json!("OSS"));
    put("BackupScale", json!("DBInstance"));
    put("BackupDBNames", json!("shop,crm,mysql,sys"));
    put("BackupDownloadURL", json!(url));
    put("BackupIntranetDownloadURL", json!(url));
    put("BackupSize", json!(backup.size));
    let checksum = if with_checksum {
        files::crc64_text(state, backup)
    } else {
        String::new()
    };
    put("Checksum", json!(checksum));
    put(
        "StoreStatus",
        json!(if backup.manual { "Enabled" } else { "Disabled" }),
    );
    put("MetaStatus", json!("OK"));
    put("ConsistentTime", json!(backup.end.unix_timestamp()));
    put("IsAvail", json!(1));
    put("StorageClass", json!(0));
    put("Encryption", json!({}));
    put("Engine", json!("MySQL"));
    put("EngineVersion", json!("8.0"));
    Value::Object(item)
}
