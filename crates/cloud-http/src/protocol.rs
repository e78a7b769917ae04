//! How a provider says a call failed: the [`ServiceProtocol`] trait and the ready parsers for
//! Alibaba Cloud, Huawei Cloud and Capital Online.

use serde_json::{Map, Value};

use crate::error::{Error, ServiceError};
use crate::response::{RawResponse, describe_non_json};

/// What differs between providers in recognising a failed call.
///
/// The runtime calls [`service_error`](ServiceProtocol::service_error) for **every** finished
/// response, 2xx included (Capital Online answers HTTP 200 with `"Code": "InvalidParameter"`).
/// `None` means success: the response is handed back to the caller.
pub trait ServiceProtocol: Send + Sync {
    /// Whether `response` is a service error, and if so its code, message and request id.
    ///
    /// Must never panic, whatever the body (HTML error pages, empty bodies, garbage).
    fn service_error(&self, response: &RawResponse) -> Option<ServiceError>;

    /// Whether a failed attempt should be retried. The default is [`Error::is_retryable`].
    fn is_retryable(&self, error: &Error) -> bool {
        error.is_retryable()
    }
}

impl<P: ServiceProtocol + ?Sized> ServiceProtocol for std::sync::Arc<P> {
    fn service_error(&self, response: &RawResponse) -> Option<ServiceError> {
        (**self).service_error(response)
    }

    fn is_retryable(&self, error: &Error) -> bool {
        (**self).is_retryable(error)
    }
}

impl<P: ServiceProtocol + ?Sized> ServiceProtocol for Box<P> {
    fn service_error(&self, response: &RawResponse) -> Option<ServiceError> {
        (**self).service_error(response)
    }

    fn is_retryable(&self, error: &Error) -> bool {
        (**self).is_retryable(error)
    }
}

/// Alibaba Cloud (RPC and ROA): an error is HTTP 4xx/5xx with
/// `{"Code"|"code", "Message"|"message", "RequestId"|"requestId", "HostId", "Recommend"}`.
/// The request id falls back to the `x-acs-request-id` header. `HostId`, `Recommend` and
/// `AccessDeniedDetail` are kept as extra fields.
#[derive(Clone, Copy, Debug, Default)]
pub struct AlibabaProtocol;

impl ServiceProtocol for AlibabaProtocol {
    fn service_error(&self, response: &RawResponse) -> Option<ServiceError> {
        if !is_error_status(response) {
            return None;
        }
        let Some(body) = json_object(response) else {
            return Some(non_json_error(response, None));
        };
        let mut error = ServiceError::new();
        error.code = field(&body, &["Code", "code"]);
        error.message = field(&body, &["Message", "message"]);
        error.request_id = field(&body, &["RequestId", "requestId"])
            .or_else(|| response.request_id().map(str::to_owned));
        for name in ["HostId", "Recommend", "AccessDeniedDetail"] {
            if let Some(value) = field(&body, &[name]) {
                error.extra.push((name.to_owned(), value));
            }
        }
        Some(error)
    }
}

/// Huawei Cloud: an error is HTTP status >= 400 with `{"error_code", "error_msg"}`,
/// `{"errorCode", "errorMsg"}` or `{"code", "message"}`, possibly nested (`{"error": {...}}`),
/// as the official SDK's `DefaultExceptionHandler` reads it. The request id comes from the
/// `X-Request-Id` header, else the body's `request_id`. Without a code, the status is the code
/// (`"429"`), as in the SDK. `encoded_authorization_message` is kept as an extra field.
#[derive(Clone, Copy, Debug, Default)]
pub struct HuaweiProtocol;

impl ServiceProtocol for HuaweiProtocol {
    fn service_error(&self, response: &RawResponse) -> Option<ServiceError> {
        if !is_error_status(response) {
            return None;
        }
        let status_code = response.status().as_u16().to_string();
        let header_id = response.header("x-request-id").map(str::to_owned);
        let Some(body) = json_object(response) else {
            let mut error = non_json_error(response, header_id);
            error.code = Some(status_code);
            return Some(error);
        };
        let mut error = ServiceError::new();
        if let Some((code, message, found_in)) = huawei_fields(&body, 0) {
            error.code = code;
            error.message = message;
            error.request_id = field(found_in, &["request_id"]);
            if let Some(value) = field(found_in, &["encoded_authorization_message"]) {
                error
                    .extra
                    .push(("encoded_authorization_message".to_owned(), value));
            }
        }
        error.request_id = header_id
            .or(error.request_id)
            .or_else(|| field(&body, &["request_id"]))
            .or_else(|| response.request_id().map(str::to_owned));
        error.code = error.code.or(Some(status_code));
        Some(error)
    }
}

/// A Huawei error's code, message, and the object that held them.
type HuaweiFields<'a> = (Option<String>, Option<String>, &'a Map<String, Value>);

/// Finds the first object (depth first from `body`) holding one of Huawei's code/message
/// pairs; returns its code, message and the object itself.
fn huawei_fields(body: &Map<String, Value>, depth: usize) -> Option<HuaweiFields<'_>> {
    for (code_key, message_key) in [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ] {
        let code = field(body, &[code_key]);
        let message = field(body, &[message_key]);
        if code.is_some() || message.is_some() {
            return Some((code, message, body));
        }
    }
    if depth >= 4 {
        return None;
    }
    body.values()
        .filter_map(Value::as_object)
        .find_map(|nested| huawei_fields(nested, depth + 1))
}

/// Capital Online: an error is a body whose `Code` is present and is not `Success` (any case;
/// `OK` is accepted too, as other Capital Online products use it), or any HTTP status >= 400.
/// Message from `Message`, `message` or `Msg`; request id from `RequestId`, the
/// `cds-request-id` header, else `TaskId`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CapitalOnlineProtocol;

impl ServiceProtocol for CapitalOnlineProtocol {
    fn service_error(&self, response: &RawResponse) -> Option<ServiceError> {
        let failed_status = is_error_status(response);
        let Some(body) = json_object(response) else {
            return failed_status.then(|| {
                non_json_error(
                    response,
                    response.header("cds-request-id").map(str::to_owned),
                )
            });
        };
        let code = field(&body, &["Code", "code"]);
        let failed_code = code.as_deref().is_some_and(|code| {
            !code.eq_ignore_ascii_case("success") && !code.eq_ignore_ascii_case("ok")
        });
        if !failed_status && !failed_code {
            return None;
        }
        let mut error = ServiceError::new();
        error.code = code;
        error.message = field(&body, &["Message", "message", "Msg", "msg"]);
        error.request_id = field(&body, &["RequestId"])
            .or_else(|| response.header("cds-request-id").map(str::to_owned))
            .or_else(|| field(&body, &["TaskId"]))
            .or_else(|| response.request_id().map(str::to_owned));
        Some(error)
    }
}

fn is_error_status(response: &RawResponse) -> bool {
    response.status().as_u16() >= 400
}

/// The body as a JSON object, if it is one.
fn json_object(response: &RawResponse) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(response.body()) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// An error for a non-JSON (or non-object) body: the message says what arrived.
fn non_json_error(response: &RawResponse, request_id: Option<String>) -> ServiceError {
    let mut error = ServiceError::new().with_message(format!(
        "{} with {}",
        status_text(response),
        describe_non_json(response.body())
    ));
    error.request_id = request_id.or_else(|| response.request_id().map(str::to_owned));
    error
}

fn status_text(response: &RawResponse) -> String {
    let status = response.status();
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// The first of `names` present as a non-empty scalar; numbers and booleans become text, an
/// object or array its compact JSON (capped).
fn field(body: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| match body.get(*name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        value @ (Value::Object(_) | Value::Array(_)) => {
            let text = value.to_string();
            Some(match text.char_indices().nth(1024) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text,
            })
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> RawResponse {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        RawResponse::new(
            StatusCode::from_u16(status).unwrap(),
            map,
            body.as_bytes().to_vec(),
        )
    }

    #[test]
    fn alibaba_documented_error() {
        let body = r#"{
          "RequestId": "6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581",
          "HostId": "ecs.ap-southeast-3.aliyuncs.com",
          "Code": "InvalidImageId.NotFound",
          "Message": "The specified ImageId does not exist.",
          "Recommend": "https://api.alibabacloud.com/troubleshoot?q=InvalidImageId.NotFound"
        }"#;
        let error = AlibabaProtocol
            .service_error(&response(404, &[], body))
            .unwrap();
        assert_eq!(error.code.as_deref(), Some("InvalidImageId.NotFound"));
        assert_eq!(
            error.message.as_deref(),
            Some("The specified ImageId does not exist.")
        );
        assert_eq!(
            error.request_id.as_deref(),
            Some("6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581")
        );
        assert_eq!(error.extra.len(), 2);
        assert_eq!(error.extra[0].0, "HostId");
    }

    #[test]
    fn alibaba_lowercase_fields_and_header_request_id() {
        let error = AlibabaProtocol
            .service_error(&response(
                400,
                &[("x-acs-request-id", "hdr-1")],
                r#"{"code":"Throttling.User","message":"Request was denied due to user flow control."}"#,
            ))
            .unwrap();
        assert_eq!(error.code.as_deref(), Some("Throttling.User"));
        assert_eq!(error.request_id.as_deref(), Some("hdr-1"));
        assert!(
            AlibabaProtocol
                .service_error(&response(200, &[], r#"{"Code":"x"}"#))
                .is_none()
        );
    }

    #[test]
    fn huawei_shapes() {
        for body in [
            r#"{"error_code":"DBS.200022","error_msg":"The DB instance name already exists."}"#,
            r#"{"errorCode":"DBS.200022","errorMsg":"The DB instance name already exists."}"#,
            r#"{"code":"DBS.200022","message":"The DB instance name already exists."}"#,
            r#"{"error":{"code":"DBS.200022","message":"The DB instance name already exists."}}"#,
        ] {
            let error = HuaweiProtocol
                .service_error(&response(400, &[("X-Request-Id", "hw-1")], body))
                .unwrap();
            assert_eq!(error.code.as_deref(), Some("DBS.200022"), "{body}");
            assert_eq!(
                error.message.as_deref(),
                Some("The DB instance name already exists.")
            );
            assert_eq!(error.request_id.as_deref(), Some("hw-1"));
        }
    }

    #[test]
    fn huawei_gateway_body_request_id_and_status_code_fallback() {
        let error = HuaweiProtocol
            .service_error(&response(
                429,
                &[],
                r#"{"error_msg":"The throttling threshold has been reached","error_code":"APIG.0308","request_id":"rq-9"}"#,
            ))
            .unwrap();
        assert_eq!(error.code.as_deref(), Some("APIG.0308"));
        assert_eq!(error.request_id.as_deref(), Some("rq-9"));
        let error = HuaweiProtocol
            .service_error(&response(503, &[], r#"{"unexpected": true}"#))
            .unwrap();
        assert_eq!(error.code.as_deref(), Some("503"));
        assert!(
            HuaweiProtocol
                .service_error(&response(200, &[], r#"{"error_code":"x"}"#))
                .is_none()
        );
    }

    #[test]
    fn capital_online_success_and_failure() {
        for ok in [
            r#"{"Code":"Success","Message":"Success.","Data":[],"TaskId":""}"#,
            r#"{"Code":"success"}"#,
            r#"{"Code":"OK"}"#,
            r#"{"Data":[]}"#,
            "<html>not json</html>",
        ] {
            assert!(
                CapitalOnlineProtocol
                    .service_error(&response(200, &[], ok))
                    .is_none(),
                "{ok}"
            );
        }
        let error = CapitalOnlineProtocol
            .service_error(&response(
                200,
                &[("cds-request-id", "cds-1")],
                r#"{"Code":"InvalidParameter","Msg":"bad InstanceUuid","TaskId":"t-1"}"#,
            ))
            .unwrap();
        assert_eq!(error.code.as_deref(), Some("InvalidParameter"));
        assert_eq!(error.message.as_deref(), Some("bad InstanceUuid"));
        assert_eq!(error.request_id.as_deref(), Some("cds-1"));
        let error = CapitalOnlineProtocol
            .service_error(&response(
                404,
                &[],
                r#"{"Code":"ResourceNotFound","message":"gone","TaskId":"t-2"}"#,
            ))
            .unwrap();
        assert_eq!(error.message.as_deref(), Some("gone"));
        assert_eq!(error.request_id.as_deref(), Some("t-2"));
    }

    #[test]
    fn html_error_pages_never_panic() {
        let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        let protocols: [&dyn ServiceProtocol; 3] =
            [&AlibabaProtocol, &HuaweiProtocol, &CapitalOnlineProtocol];
        for protocol in protocols {
            let error = protocol.service_error(&response(502, &[], page)).unwrap();
            let message = error.message.unwrap();
            assert!(
                message.contains("HTML page titled \"502 Bad Gateway\""),
                "{message}"
            );
            assert!(message.contains("HTTP 502 Bad Gateway"), "{message}");
        }
    }

    #[test]
    fn hostile_bodies_never_panic() {
        let deep = format!("{}{}", "{\"error\":".repeat(200), "}".repeat(200));
        let bodies: Vec<&[u8]> = vec![
            b"",
            b"null",
            b"[]",
            b"\"str\"",
            b"{\"Code\":null,\"Message\":[1,2]}",
            b"{\"error_code\":12,\"error_msg\":{\"a\":1}}",
            b"\xff\xfe\x00",
            deep.as_bytes(),
        ];
        let protocols: [&dyn ServiceProtocol; 3] =
            [&AlibabaProtocol, &HuaweiProtocol, &CapitalOnlineProtocol];
        for protocol in protocols {
            for body in &bodies {
                for status in [200, 400, 500] {
                    let raw = RawResponse::new(
                        StatusCode::from_u16(status).unwrap(),
                        HeaderMap::new(),
                        body.to_vec(),
                    );
                    let _ = protocol.service_error(&raw);
                }
            }
        }
    }
}
