//! How a provider says a call failed: the [`ServiceProtocol`] trait, and the mechanism every
//! provider crate describes its own error format with ([`ErrorFormat`], [`CodeTable`],
//! [`CodeMeaning`]). The formats themselves (which keys, which codes) live in the provider
//! crates, generated from their `error.json` models: this crate knows no cloud.

use serde_json::{Map, Value};

use crate::error::{Error, ServiceError};
use crate::response::{RawResponse, describe_non_json};

/// What differs between providers in recognising a failed call.
///
/// The runtime calls [`service_error`](ServiceProtocol::service_error) for **every** finished
/// response, 2xx included (some services answer HTTP 200 with an error code in the body).
/// `None` means success: the response is handed back to the caller. [`ErrorFormat`] is the
/// implementation every provider crate uses.
pub trait ServiceProtocol: Send + Sync {
    /// Whether `response` is a service error, and if so its code, message, request id and
    /// what the code means.
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

/// What a provider's error code means, as its [`CodeTable`] says. The HTTP status is judged
/// separately (429 throttling, 401/403 auth, 404 not found, 5xx unavailable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeMeaning {
    /// Too many requests: retried after a backoff.
    pub throttling: bool,
    /// The service is temporarily unable to answer: retried.
    pub unavailable: bool,
    /// A signature, credential or permission failure: never retried.
    pub auth: bool,
    /// The request was refused as invalid: never retried, whatever the status.
    pub validation: bool,
    /// The resource does not exist.
    pub not_found: bool,
}

/// A provider's error codes by what they mean. Built with the `const` setters, so a provider
/// crate can declare its table as a constant.
///
/// A code listed as `Throttling` also matches `Throttling.User` and any other
/// `Throttling.<anything>`; validation codes match as prefixes (`Invalid` matches
/// `InvalidParameter`); not-found markers match anywhere in the code, ignoring case.
///
/// ```
/// use cloud_http::CodeTable;
///
/// const CODES: CodeTable = CodeTable::new()
///     .with_throttling(&["Throttling"])
///     .with_validation_prefixes(&["Invalid"])
///     .with_not_found_markers(&["NotFound"]);
/// assert!(CODES.classify("Throttling.User").throttling);
/// let meaning = CODES.classify("InvalidDBInstanceId.NotFound");
/// assert!(meaning.validation && meaning.not_found && !meaning.throttling);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeTable {
    /// Codes of throttling.
    pub throttling: &'static [&'static str],
    /// Codes of a service temporarily unable to answer.
    pub unavailable: &'static [&'static str],
    /// Codes of signature, credential and permission failures.
    pub auth: &'static [&'static str],
    /// Prefixes of the codes of invalid requests.
    pub validation_prefixes: &'static [&'static str],
    /// Text that marks a code as "not found" wherever it appears (case-insensitive).
    pub not_found_markers: &'static [&'static str],
}

impl CodeTable {
    /// A table that gives no code a meaning (the HTTP status still counts).
    pub const fn new() -> Self {
        Self {
            throttling: &[],
            unavailable: &[],
            auth: &[],
            validation_prefixes: &[],
            not_found_markers: &[],
        }
    }

    /// Sets the throttling codes.
    pub const fn with_throttling(mut self, codes: &'static [&'static str]) -> Self {
        self.throttling = codes;
        self
    }

    /// Sets the codes of a service temporarily unable to answer.
    pub const fn with_unavailable(mut self, codes: &'static [&'static str]) -> Self {
        self.unavailable = codes;
        self
    }

    /// Sets the codes of signature, credential and permission failures.
    pub const fn with_auth(mut self, codes: &'static [&'static str]) -> Self {
        self.auth = codes;
        self
    }

    /// Sets the prefixes of the codes of invalid requests.
    pub const fn with_validation_prefixes(mut self, prefixes: &'static [&'static str]) -> Self {
        self.validation_prefixes = prefixes;
        self
    }

    /// Sets the markers of "not found" codes.
    pub const fn with_not_found_markers(mut self, markers: &'static [&'static str]) -> Self {
        self.not_found_markers = markers;
        self
    }

    /// What `code` means.
    pub fn classify(&self, code: &str) -> CodeMeaning {
        let lower = code.to_ascii_lowercase();
        CodeMeaning {
            throttling: code_in(code, self.throttling),
            unavailable: code_in(code, self.unavailable),
            auth: code_in(code, self.auth),
            validation: self
                .validation_prefixes
                .iter()
                .any(|prefix| code.starts_with(prefix)),
            not_found: self
                .not_found_markers
                .iter()
                .any(|marker| lower.contains(&marker.to_ascii_lowercase())),
        }
    }
}

/// `code` is `base` or `base.<anything>` (`Throttling.User`, `Forbidden.RAM`).
fn code_is(code: &str, base: &str) -> bool {
    code == base
        || code
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('.'))
}

fn code_in(code: &str, list: &[&str]) -> bool {
    list.iter().any(|base| code_is(code, base))
}

/// Where a request id is looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdSource {
    /// A member of the error object (or, failing that, of the body's top level).
    Body(&'static str),
    /// A response header.
    Header(&'static str),
}

/// A provider's JSON error format: where its error bodies keep the code, the message, the
/// request id and extra fields, when a response is a failure, and what its codes mean.
///
/// Every provider crate declares one as a constant (generated from its `error.json` model by
/// `cargo xtask codegen`) and hands it to [`Transport::new`](crate::Transport::new).
///
/// A response is a failure when its status is 400 or above, or, when the format has
/// [`success_codes`](Self::with_success_codes), when its body's code is not one of them. The
/// error object is the body, or, with [`nested_depth`](Self::with_nested_depth), the first
/// nested object that holds a code or message key. A body that is not a JSON object gives an
/// error whose message says what arrived (an HTML page's title, the first bytes).
///
/// ```
/// use cloud_http::{CodeTable, ErrorFormat, IdSource, RawResponse, ServiceProtocol};
///
/// const FORMAT: ErrorFormat = ErrorFormat::new()
///     .with_code_keys(&["Code"])
///     .with_message_keys(&["Message"])
///     .with_request_id(&[IdSource::Body("RequestId")])
///     .with_codes(CodeTable::new().with_throttling(&["Throttling"]));
/// let response = RawResponse::new(
///     reqwest::StatusCode::BAD_REQUEST,
///     Default::default(),
///     br#"{"Code": "Throttling.User", "Message": "slow down", "RequestId": "r-1"}"#.to_vec(),
/// );
/// let error = FORMAT.service_error(&response).unwrap();
/// assert_eq!(error.code.as_deref(), Some("Throttling.User"));
/// assert_eq!(error.request_id.as_deref(), Some("r-1"));
/// assert!(error.meaning.throttling);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorFormat {
    /// The keys of the code, in order of preference.
    pub code_keys: &'static [&'static str],
    /// The keys of the message, in order of preference.
    pub message_keys: &'static [&'static str],
    /// Where the request id is looked for, in order; then the usual request id headers.
    pub request_id: &'static [IdSource],
    /// Keys kept as extra named fields (e.g. a host id, a recommendation link).
    pub extra_keys: &'static [&'static str],
    /// How deep nested objects are searched for the error object (0: the body only).
    pub nested_depth: u8,
    /// When not empty, a response of any status whose code is not one of these (ignoring
    /// case) is a failure.
    pub success_codes: &'static [&'static str],
    /// The HTTP status becomes the code when the body gives none.
    pub status_as_code: bool,
    /// What the codes mean.
    pub codes: CodeTable,
}

impl ErrorFormat {
    /// A format with no keys: only the HTTP status tells a failure.
    pub const fn new() -> Self {
        Self {
            code_keys: &[],
            message_keys: &[],
            request_id: &[],
            extra_keys: &[],
            nested_depth: 0,
            success_codes: &[],
            status_as_code: false,
            codes: CodeTable::new(),
        }
    }

    /// Sets the keys of the code.
    pub const fn with_code_keys(mut self, keys: &'static [&'static str]) -> Self {
        self.code_keys = keys;
        self
    }

    /// Sets the keys of the message.
    pub const fn with_message_keys(mut self, keys: &'static [&'static str]) -> Self {
        self.message_keys = keys;
        self
    }

    /// Sets where the request id is looked for.
    pub const fn with_request_id(mut self, sources: &'static [IdSource]) -> Self {
        self.request_id = sources;
        self
    }

    /// Sets the keys kept as extra fields.
    pub const fn with_extra_keys(mut self, keys: &'static [&'static str]) -> Self {
        self.extra_keys = keys;
        self
    }

    /// Sets how deep nested objects are searched for the error object.
    pub const fn with_nested_depth(mut self, depth: u8) -> Self {
        self.nested_depth = depth;
        self
    }

    /// Sets the codes that mean success (a body with another code is a failure).
    pub const fn with_success_codes(mut self, codes: &'static [&'static str]) -> Self {
        self.success_codes = codes;
        self
    }

    /// Makes the HTTP status the code when the body gives none.
    pub const fn with_status_as_code(mut self, status_as_code: bool) -> Self {
        self.status_as_code = status_as_code;
        self
    }

    /// Sets what the codes mean.
    pub const fn with_codes(mut self, codes: CodeTable) -> Self {
        self.codes = codes;
        self
    }

    /// [`service_error`](ServiceProtocol::service_error) of a response given as parts: an
    /// HTTP status, headers and a body. For tests and tools that hold a response outside the
    /// transport; a status outside 100..=999 or an invalid header name or value is ignored
    /// (the status as 500).
    ///
    /// ```
    /// use cloud_http::ErrorFormat;
    ///
    /// const FORMAT: ErrorFormat = ErrorFormat::new().with_code_keys(&["Code"]);
    /// let error = FORMAT.service_error_of(400, &[("x-request-id", "r-1")], br#"{"Code": "Busy"}"#);
    /// assert_eq!(error.unwrap().code.as_deref(), Some("Busy"));
    /// assert!(FORMAT.service_error_of(200, &[], b"{}").is_none());
    /// ```
    pub fn service_error_of(
        &self,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<ServiceError> {
        let status = reqwest::StatusCode::from_u16(status)
            .unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR);
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(value),
            ) {
                map.append(name, value);
            }
        }
        self.service_error(&RawResponse::new(status, map, body.to_vec()))
    }

    /// The error object: the body, or the first nested object holding a code or message key.
    fn error_object<'a>(
        &self,
        body: &'a Map<String, Value>,
        depth: u8,
    ) -> Option<&'a Map<String, Value>> {
        let holds = |object: &Map<String, Value>| {
            field(object, self.code_keys).is_some() || field(object, self.message_keys).is_some()
        };
        if holds(body) {
            return Some(body);
        }
        if depth >= self.nested_depth {
            return None;
        }
        body.values()
            .filter_map(Value::as_object)
            .find_map(|nested| self.error_object(nested, depth + 1))
    }

    /// The request id from the sources, in order, `found` (the error object) before `body`.
    fn request_id(
        &self,
        response: &RawResponse,
        found: Option<&Map<String, Value>>,
        body: Option<&Map<String, Value>>,
    ) -> Option<String> {
        self.request_id
            .iter()
            .find_map(|source| match source {
                IdSource::Header(name) => response.header(name).map(str::to_owned),
                IdSource::Body(key) => found
                    .and_then(|found| field(found, &[key]))
                    .or_else(|| body.and_then(|body| field(body, &[key]))),
            })
            .or_else(|| response.request_id().map(str::to_owned))
    }

    fn meaning(&self, code: Option<&str>) -> crate::CodeMeaning {
        code.map(|code| self.codes.classify(code))
            .unwrap_or_default()
    }
}

impl ServiceProtocol for ErrorFormat {
    fn service_error(&self, response: &RawResponse) -> Option<ServiceError> {
        let failed_status = response.status().as_u16() >= 400;
        let status_code = response.status().as_u16().to_string();
        let Some(body) = json_object(response) else {
            if !failed_status {
                return None;
            }
            let mut error = non_json_error(response, self.request_id(response, None, None));
            if self.status_as_code {
                error.code = Some(status_code);
            }
            return Some(error);
        };
        let found = self.error_object(&body, 0);
        let code = found.and_then(|found| field(found, self.code_keys));
        let failed_code = !self.success_codes.is_empty()
            && code.as_deref().is_some_and(|code| {
                !self
                    .success_codes
                    .iter()
                    .any(|success| code.eq_ignore_ascii_case(success))
            });
        if !failed_status && !failed_code {
            return None;
        }
        let mut error = ServiceError::new();
        error.message = found.and_then(|found| field(found, self.message_keys));
        error.request_id = self.request_id(response, found, Some(&body));
        for key in self.extra_keys {
            if let Some(value) = found
                .and_then(|found| field(found, &[key]))
                .or_else(|| field(&body, &[key]))
            {
                error.extra.push(((*key).to_owned(), value));
            }
        }
        error.code = code.or_else(|| self.status_as_code.then_some(status_code));
        error.meaning = self.meaning(error.code.as_deref());
        Some(error)
    }
}

fn json_object(response: &RawResponse) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(response.body()) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// The error for a body that is not a JSON object: what arrived instead.
fn non_json_error(response: &RawResponse, request_id: Option<String>) -> ServiceError {
    let mut error = ServiceError::new().with_message(format!(
        "{} with {}",
        status_text(response),
        describe_non_json(response.body())
    ));
    error.request_id = request_id;
    error
}

fn status_text(response: &RawResponse) -> String {
    let status = response.status();
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// The first of `names` present in `body` as text: strings (not blank), numbers and booleans
/// as written, objects and arrays as compact JSON cut at 1,024 characters.
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

    /// A flat format: code and message keys in order of preference, the body's request id
    /// first, extra keys.
    const FLAT: ErrorFormat = ErrorFormat::new()
        .with_code_keys(&["Code", "code"])
        .with_message_keys(&["Message", "message"])
        .with_request_id(&[IdSource::Body("RequestId")])
        .with_extra_keys(&["HostId", "Recommend"])
        .with_codes(CodeTable::new().with_throttling(&["Throttling"]));

    /// A nested format whose header request id wins and whose status is the code by default.
    const NESTED: ErrorFormat = ErrorFormat::new()
        .with_code_keys(&["error_code", "code"])
        .with_message_keys(&["error_msg", "message"])
        .with_request_id(&[
            IdSource::Header("x-request-id"),
            IdSource::Body("request_id"),
        ])
        .with_nested_depth(4)
        .with_status_as_code(true);

    /// A format whose HTTP 200 may carry a failure code.
    const CODED: ErrorFormat = ErrorFormat::new()
        .with_code_keys(&["Code"])
        .with_message_keys(&["Message", "Msg"])
        .with_request_id(&[
            IdSource::Body("RequestId"),
            IdSource::Header("cds-request-id"),
            IdSource::Body("TaskId"),
        ])
        .with_success_codes(&["Success", "OK"]);

    #[test]
    fn a_flat_error_body() {
        let body = r#"{"RequestId": "6BE5", "HostId": "ecs.example.com", "Code": "Throttling.User",
            "Message": "slow down", "Recommend": "https://example.com/q", "Other": 1}"#;
        let error = FLAT.service_error(&response(400, &[], body)).unwrap();
        assert_eq!(error.code.as_deref(), Some("Throttling.User"));
        assert_eq!(error.message.as_deref(), Some("slow down"));
        assert_eq!(error.request_id.as_deref(), Some("6BE5"));
        assert_eq!(error.extra.len(), 2);
        assert_eq!(error.extra[0].0, "HostId");
        assert!(error.meaning.throttling);
        // The usual request id headers are the last resort; a success status is no error.
        let error = FLAT
            .service_error(&response(
                400,
                &[("x-acs-request-id", "hdr-1")],
                r#"{"code": "x"}"#,
            ))
            .unwrap();
        assert_eq!(error.code.as_deref(), Some("x"));
        assert_eq!(error.request_id.as_deref(), Some("hdr-1"));
        assert!(
            FLAT.service_error(&response(200, &[], r#"{"Code":"x"}"#))
                .is_none()
        );
    }

    #[test]
    fn a_nested_error_object_and_the_status_as_code() {
        for body in [
            r#"{"error_code":"DBS.200022","error_msg":"exists"}"#,
            r#"{"code":"DBS.200022","message":"exists"}"#,
            r#"{"error":{"code":"DBS.200022","message":"exists"}}"#,
        ] {
            let error = NESTED
                .service_error(&response(400, &[("X-Request-Id", "hw-1")], body))
                .unwrap();
            assert_eq!(error.code.as_deref(), Some("DBS.200022"), "{body}");
            assert_eq!(error.message.as_deref(), Some("exists"));
            assert_eq!(error.request_id.as_deref(), Some("hw-1"));
        }
        let error = NESTED
            .service_error(&response(
                429,
                &[],
                r#"{"error_code":"APIG.0308","request_id":"rq-9"}"#,
            ))
            .unwrap();
        assert_eq!(error.request_id.as_deref(), Some("rq-9"));
        let error = NESTED
            .service_error(&response(503, &[], r#"{"unexpected": true}"#))
            .unwrap();
        assert_eq!(error.code.as_deref(), Some("503"));
        let error = NESTED.service_error(&response(502, &[], "<html>")).unwrap();
        assert_eq!(error.code.as_deref(), Some("502"));
        assert!(
            NESTED
                .service_error(&response(200, &[], r#"{"error_code":"x"}"#))
                .is_none()
        );
        // Deeper than the format searches: no code from the body.
        let deep = r#"{"a":{"b":{"c":{"d":{"e":{"code":"deep"}}}}}}"#;
        let error = NESTED.service_error(&response(400, &[], deep)).unwrap();
        assert_eq!(error.code.as_deref(), Some("400"));
    }

    #[test]
    fn success_codes_make_a_200_a_failure() {
        for ok in [
            r#"{"Code":"Success","Message":"Success.","Data":[],"TaskId":""}"#,
            r#"{"Code":"success"}"#,
            r#"{"Code":"OK"}"#,
            r#"{"Data":[]}"#,
            "<html>not json</html>",
        ] {
            assert!(
                CODED.service_error(&response(200, &[], ok)).is_none(),
                "{ok}"
            );
        }
        let error = CODED
            .service_error(&response(
                200,
                &[("cds-request-id", "cds-1")],
                r#"{"Code":"InvalidParameter","Msg":"bad InstanceUuid","TaskId":"t-1"}"#,
            ))
            .unwrap();
        assert_eq!(error.code.as_deref(), Some("InvalidParameter"));
        assert_eq!(error.message.as_deref(), Some("bad InstanceUuid"));
        assert_eq!(error.request_id.as_deref(), Some("cds-1"));
        let error = CODED
            .service_error(&response(
                404,
                &[],
                r#"{"Code":"ResourceNotFound","TaskId":"t-2"}"#,
            ))
            .unwrap();
        assert_eq!(error.request_id.as_deref(), Some("t-2"));
        let error = CODED
            .service_error(&response(500, &[("cds-request-id", "cds-2")], "oops"))
            .unwrap();
        assert_eq!(error.request_id.as_deref(), Some("cds-2"));
    }

    #[test]
    fn html_error_pages_never_panic() {
        let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        for format in [FLAT, NESTED, CODED, ErrorFormat::new()] {
            let error = format.service_error(&response(502, &[], page)).unwrap();
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
        let long = format!("{{\"Code\": {{\"a\": \"{}\"}}}}", "x".repeat(5000));
        let bodies: Vec<&[u8]> = vec![
            b"",
            b"null",
            b"[]",
            b"\"str\"",
            b"{\"Code\":null,\"Message\":[1,2]}",
            b"{\"error_code\":12,\"error_msg\":{\"a\":1}}",
            b"\xff\xfe\x00",
            deep.as_bytes(),
            long.as_bytes(),
        ];
        let nested_deep = ErrorFormat::new()
            .with_code_keys(&["code"])
            .with_nested_depth(u8::MAX);
        for format in [FLAT, NESTED, CODED, nested_deep] {
            for body in &bodies {
                for status in [200, 400, 500] {
                    let raw = RawResponse::new(
                        StatusCode::from_u16(status).unwrap(),
                        HeaderMap::new(),
                        body.to_vec(),
                    );
                    if let Some(error) = format.service_error(&raw)
                        && let Some(code) = error.code
                    {
                        assert!(code.chars().count() <= 1025, "cut at 1,024 characters");
                    }
                }
            }
        }
    }
}
