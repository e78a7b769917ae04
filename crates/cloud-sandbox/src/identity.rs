//! Short-lived credentials, as the clouds hand them to machines and workloads: Alibaba Cloud's
//! ECS metadata service (the instance's RAM role, IMDSv2 token first), STS `AssumeRole` and
//! `AssumeRoleWithOIDC` (RRSA on ACK), and a credentials URI; Huawei Cloud's ECS metadata
//! service (`/openstack/latest/securitykey`, a session token first) and IAM federation by ID
//! token (`/v3.0/OS-AUTH/id-token/tokens`, then `/v3.0/OS-CREDENTIAL/securitytokens`). Every key issued here works for
//! [`SandboxConfig::with_credential_lifetime`](crate::SandboxConfig::with_credential_lifetime)
//! (an hour by default) and only with its security token: the signature checks refuse it
//! after that with the provider's own error.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::http::{self, Body, Outcome, Reply};
use crate::state::State;
use crate::timefmt;
use crate::{Provider, RequestKind};

/// The RAM role of the sandbox's "ECS instance", as its metadata service names it.
pub const ALIYUN_ECS_ROLE: &str = "cloud-backup-reader";
/// The RAM role `AssumeRole` and `AssumeRoleWithOIDC` accept.
pub const ALIYUN_ROLE_ARN: &str = "acs:ram::1234567890123456:role/cloud-backup-reader";
/// The OIDC provider `AssumeRoleWithOIDC` accepts (an ACK cluster's RRSA provider).
pub const ALIYUN_OIDC_PROVIDER_ARN: &str =
    "acs:ram::1234567890123456:oidc-provider/ack-rrsa-sandbox";
/// The OIDC token (a service account token, as ACK mounts it) `AssumeRoleWithOIDC` accepts.
pub const SANDBOX_OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNhbmRib3gifQ.\
eyJpc3MiOiJodHRwczovL29pZGMtYWNrLnNhbmRib3giLCJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YmFja3VwOnN5bmMifQ.\
c2FuZGJveC1zaWduYXR1cmU";
/// The path of the sandbox's credentials URI for Alibaba Cloud (`ALIBABA_CLOUD_CREDENTIALS_URI`).
pub const ALIYUN_CREDENTIALS_PATH: &str = "/credentials/aliyun";
/// The identity provider Huawei IAM federation accepts (`HUAWEICLOUD_SDK_IDP_ID`), with
/// [`SANDBOX_OIDC_TOKEN`] as the ID token.
pub const HUAWEI_IDP_ID: &str = "cce-rrsa-sandbox";

/// A key the sandbox issued.
#[derive(Clone, Debug)]
pub(crate) struct Issued {
    pub(crate) secret: String,
    pub(crate) token: String,
    pub(crate) expires: OffsetDateTime,
    pub(crate) service: Provider,
}

/// Every key issued, by access key id.
#[derive(Debug, Default)]
pub(crate) struct IssuedKeys {
    keys: Mutex<HashMap<String, Issued>>,
}

impl IssuedKeys {
    /// The key `access_key_id`, if the sandbox issued it.
    pub(crate) fn get(&self, access_key_id: &str) -> Option<Issued> {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(access_key_id)
            .cloned()
    }

    /// Every secret and token issued.
    pub(crate) fn secrets(&self) -> Vec<String> {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .flat_map(|k| [k.secret.clone(), k.token.clone()])
            .collect()
    }

    fn insert(&self, id: String, issued: Issued) {
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Keys long expired are forgotten (a long-running sandbox issues many).
        if keys.len() > 10_000 {
            let now = issued.expires;
            keys.retain(|_, k| k.expires + time::Duration::hours(2) > now);
        }
        keys.insert(id, issued);
    }
}

/// Issues a key of `service` valid for `seconds` (at most the configured lifetime).
pub(crate) fn issue(state: &State, service: Provider, seconds: Option<i64>) -> (String, Issued) {
    let lifetime = match seconds {
        Some(seconds) => time::Duration::seconds(seconds).min(state.credential_lifetime),
        None => state.credential_lifetime,
    };
    let id = format!(
        "STS.{}",
        state.uuid(false).replace('-', "")[..20].to_owned()
    );
    let issued = Issued {
        secret: state.uuid(false).replace('-', ""),
        token: format!("CAIS{}", state.uuid(false).replace('-', "")),
        expires: state.now() + lifetime,
        service,
    };
    state.issued.insert(id.clone(), issued.clone());
    (id, issued)
}

/// The `Credentials` member of an STS answer (and the body of the metadata service's and the
/// credentials URI's, with `Code`).
fn credentials_json(id: &str, issued: &Issued) -> Value {
    json!({
        "AccessKeyId": id,
        "AccessKeySecret": issued.secret,
        "SecurityToken": issued.token,
        "Expiration": timefmt::utc_iso(issued.expires),
    })
}

/// A request for a metadata service, the credentials URI or Huawei IAM federation.
pub(crate) fn is_identity_path(path: &str) -> bool {
    path.starts_with("/latest/")
        || path == ALIYUN_CREDENTIALS_PATH
        || path.starts_with("/openstack/latest/")
        || path.starts_with("/meta-data/latest/")
        || path.starts_with("/v3.0/OS-")
}

/// Huawei's `{"credential": {...}}`.
fn huawei_credential(id: &str, issued: &Issued) -> Value {
    json!({"credential": {
        "access": id,
        "secret": issued.secret,
        "securitytoken": issued.token,
        "expires_at": format!("{}.000000Z", timefmt::utc_iso(issued.expires).trim_end_matches('Z')),
    }})
}

/// Answers the ECS metadata service (`/latest/...`) and the credentials URI.
pub(crate) fn handle(
    state: &State,
    method: &hyper::Method,
    path: &str,
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> Reply {
    if path.starts_with("/openstack/")
        || path.starts_with("/meta-data/")
        || path.starts_with("/v3.0/")
    {
        return huawei(state, method, path, headers, body);
    }
    let text = |status: u16, body: String| {
        let mut response = http::response(status, &[], Body::bytes(body.into_bytes()));
        http::set_header(response.headers_mut(), "content-type", "text/plain");
        response
    };
    let response = match (method.as_str(), path) {
        ("PUT", "/latest/api/token") => text(200, format!("IMDS{}", state.uuid(false))),
        ("GET", "/latest/meta-data/ram/security-credentials/") => {
            text(200, ALIYUN_ECS_ROLE.to_owned())
        }
        ("GET", _) if path.starts_with("/latest/meta-data/ram/security-credentials/") => {
            let role = &path["/latest/meta-data/ram/security-credentials/".len()..];
            if role == ALIYUN_ECS_ROLE {
                let (id, issued) = issue(state, Provider::AliyunRds, None);
                let mut body = credentials_json(&id, &issued);
                if let Value::Object(members) = &mut body {
                    members.insert("Code".to_owned(), json!("Success"));
                    members.insert(
                        "LastUpdated".to_owned(),
                        json!(timefmt::utc_iso(state.now())),
                    );
                }
                http::json(200, &[], &body)
            } else {
                text(404, "Not Found".to_owned())
            }
        }
        ("GET", ALIYUN_CREDENTIALS_PATH) => {
            let (id, issued) = issue(state, Provider::AliyunRds, None);
            let mut body = credentials_json(&id, &issued);
            if let Value::Object(members) = &mut body {
                members.insert("Code".to_owned(), json!("Success"));
            }
            http::json(200, &[], &body)
        }
        _ => text(404, "Not Found".to_owned()),
    };
    Reply {
        response,
        outcome: Outcome {
            kind: Some(RequestKind::Identity),
            service: Some(Provider::AliyunRds),
            ..Outcome::default()
        },
    }
}

/// STS `AssumeRoleWithOIDC` (anonymous: the OIDC token is the proof) and `AssumeRole` (signed
/// with the demo key, checked before this is called): new credentials for the sandbox's role.
pub(crate) fn assume_role(
    state: &State,
    action: &str,
    params: &[(String, String)],
) -> Result<Value, ApiError> {
    let get = |name: &str| http::pair(params, name).filter(|v| !v.is_empty());
    let Some(role) = get("RoleArn") else {
        return Err(crate::aliyun::missing("RoleArn"));
    };
    if get("RoleSessionName").is_none() {
        return Err(crate::aliyun::missing("RoleSessionName"));
    }
    if action == "AssumeRoleWithOIDC" {
        if get("OIDCProviderArn") != Some(ALIYUN_OIDC_PROVIDER_ARN) {
            return Err(ApiError::new(
                404,
                "EntityNotExist.OIDCProvider",
                "The specified OIDC provider does not exist.",
            ));
        }
        if get("OIDCToken").map(str::trim) != Some(SANDBOX_OIDC_TOKEN) {
            return Err(ApiError::new(
                400,
                "AuthenticationFail.OIDCToken.Invalid",
                "The OIDC token is invalid.",
            ));
        }
    }
    if role != ALIYUN_ROLE_ARN {
        return Err(ApiError::new(
            404,
            "EntityNotExist.Role",
            "The specified Role not exists.",
        ));
    }
    let seconds = match get("DurationSeconds") {
        Some(text) => match text.parse::<i64>() {
            Ok(seconds) if (900..=43_200).contains(&seconds) => Some(seconds),
            _ => {
                return Err(ApiError::new(
                    400,
                    "InvalidParameter.DurationSeconds",
                    "The parameter DurationSeconds is wrong.",
                ));
            }
        },
        None => None,
    };
    let (id, issued) = issue(state, Provider::AliyunRds, seconds);
    Ok(json!({
        "AssumedRoleUser": {
            "Arn": format!("{ALIYUN_ROLE_ARN}/{}", get("RoleSessionName").unwrap_or_default()),
            "AssumedRoleId": format!("3{}", &id[4..]),
        },
        "Credentials": credentials_json(&id, &issued),
    }))
}

/// Huawei Cloud's metadata service and IAM federation.
fn huawei(
    state: &State,
    method: &hyper::Method,
    path: &str,
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> Reply {
    let error = |status: u16, message: &str| {
        http::json(
            status,
            &[],
            &json!({"error": {"code": status.to_string(), "message": message}}),
        )
    };
    let response = match (method.as_str(), path) {
        ("PUT", "/meta-data/latest/api/token") => {
            let mut response = http::response(
                200,
                &[],
                Body::bytes(format!("META{}", state.uuid(false)).into_bytes()),
            );
            http::set_header(response.headers_mut(), "content-type", "text/plain");
            response
        }
        ("GET", "/openstack/latest/securitykey") => {
            let (id, issued) = issue(state, Provider::HuaweiCloudRds, None);
            http::json(200, &[], &huawei_credential(&id, &issued))
        }
        ("POST", "/v3.0/OS-AUTH/id-token/tokens") => {
            let token = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v["auth"]["id_token"]["id"].as_str().map(str::to_owned));
            if http::header(headers, "x-idp-id") != Some(HUAWEI_IDP_ID) {
                error(404, "the identity provider does not exist")
            } else if token.as_deref().map(str::trim) != Some(SANDBOX_OIDC_TOKEN) {
                error(401, "The id_token is invalid.")
            } else {
                // The IAM token: a key of its own, exchanged below.
                let (id, _) = issue(state, Provider::HuaweiCloudRds, None);
                let mut response = http::json(201, &[], &json!({"token": {"methods": ["mapped"]}}));
                http::set_header(
                    response.headers_mut(),
                    "x-subject-token",
                    &format!("MII{id}"),
                );
                response
            }
        }
        ("POST", "/v3.0/OS-CREDENTIAL/securitytokens") => {
            let token = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
                v["auth"]["identity"]["token"]["id"]
                    .as_str()
                    .map(str::to_owned)
            });
            let known = token
                .as_deref()
                .and_then(|t| t.strip_prefix("MII"))
                .and_then(|id| state.issued.get(id))
                .is_some_and(|k| state.now() < k.expires);
            if known {
                let (id, issued) = issue(state, Provider::HuaweiCloudRds, None);
                http::json(201, &[], &huawei_credential(&id, &issued))
            } else {
                error(401, "The token is invalid or has expired.")
            }
        }
        _ => error(404, "Not Found"),
    };
    Reply {
        response,
        outcome: Outcome {
            kind: Some(RequestKind::Identity),
            service: Some(Provider::HuaweiCloudRds),
            ..Outcome::default()
        },
    }
}
