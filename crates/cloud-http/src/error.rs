//! The one error type of the runtime and of every provider crate.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::protocol::CodeMeaning;
use crate::redact::redact;

/// What kind of failure an [`Error`] is.
///
/// New kinds may be added; match with a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request could not be sent or the response could not be read: DNS, connect, TLS,
    /// a dropped connection.
    Transport,
    /// An attempt, or the whole operation, did not finish in time.
    Timeout,
    /// The service answered with an error: an HTTP error status, or a success status whose body
    /// says the call failed (Capital Online's `"Code": "InvalidParameter"` with HTTP 200).
    Service,
    /// The response arrived but its body is not what was expected: not JSON, truncated, a field
    /// of the wrong type, or larger than the body size limit.
    Decode,
    /// The request could not be built: a bad endpoint, an invalid header, an invalid setting.
    Config,
    /// A download does not check out: the server sent more or fewer bytes than it announced,
    /// its size disagrees with the size the API reported, a checksum (CRC-64, MD5, SHA-256) the
    /// server or the API gave does not match the bytes received, or the file on the server kept
    /// changing during the download. Never retried.
    Integrity,
    /// A local file could not be read or written: permission denied, disk full, a missing
    /// directory.
    Io,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Transport => "transport error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Service => "service error",
            ErrorKind::Decode => "decode error",
            ErrorKind::Config => "configuration error",
            ErrorKind::Integrity => "integrity error",
            ErrorKind::Io => "I/O error",
        })
    }
}

/// What a [`ServiceProtocol`](crate::ServiceProtocol) extracts from an error response: the
/// provider's code, message, request id and any extra fields worth keeping.
///
/// Build one with [`ServiceError::new`] and the `with_*` setters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The provider's error code, e.g. `Throttling`, `DBS.200022`, `InvalidParameter`.
    pub code: Option<String>,
    /// The provider's human-readable message.
    pub message: Option<String>,
    /// The request id from the body or the response headers.
    pub request_id: Option<String>,
    /// Extra named fields, e.g. Alibaba's `HostId` and `Recommend`.
    pub extra: Vec<(String, String)>,
    /// What the code means, as the provider's [`CodeTable`](crate::CodeTable) says.
    pub meaning: CodeMeaning,
}

impl ServiceError {
    /// An empty service error; fill it with the `with_*` setters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the provider's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the provider's message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Adds an extra named field.
    pub fn with_extra(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Sets what the code means.
    pub fn with_meaning(mut self, meaning: CodeMeaning) -> Self {
        self.meaning = meaning;
        self
    }
}

type Source = Box<dyn StdError + Send + Sync + 'static>;

/// The error of every operation: a failure to send, a timeout, a service error or a response
/// that could not be decoded.
///
/// It is opaque: ask it with [`kind()`](Error::kind), the getters and the predicates
/// ([`is_retryable()`](Error::is_retryable), [`is_throttling()`](Error::is_throttling), ...).
/// Its `Display` shows the provider's code, message and request id, or a sentence saying what
/// went wrong; neither `Display` nor `Debug` ever shows a signature or an `Authorization` value.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    operation: Option<&'static str>,
    status: Option<u16>,
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    extra: Vec<(String, String)>,
    /// What the provider's code means.
    meaning: CodeMeaning,
    /// For non-service errors: what happened, as a sentence fragment.
    detail: Option<String>,
    /// For decode errors: the JSON path that failed.
    path: Option<String>,
    /// Overrides the classification by kind/code/status (e.g. an operation deadline).
    retryable: Option<bool>,
    /// The request provably never reached the server (it could not connect, or could not be
    /// built).
    not_sent: bool,
    retry_after: Option<Duration>,
    attempts: Option<u32>,
    source: Option<Source>,
}

impl Error {
    fn from_inner(kind: ErrorKind) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                operation: None,
                status: None,
                code: None,
                message: None,
                request_id: None,
                extra: Vec::new(),
                meaning: CodeMeaning::default(),
                detail: None,
                path: None,
                retryable: None,
                not_sent: false,
                retry_after: None,
                attempts: None,
                source: None,
            }),
        }
    }

    fn with_detail(kind: ErrorKind, detail: impl Into<String>) -> Self {
        let mut error = Self::from_inner(kind);
        error.inner.detail = Some(redact(&detail.into()));
        error
    }

    /// A service error: the HTTP status (if any) and what the protocol extracted.
    ///
    /// The message and extra values are redacted (signatures and `Authorization` values that
    /// a server may echo are removed).
    pub fn service(status: Option<u16>, service: ServiceError) -> Self {
        let mut error = Self::from_inner(ErrorKind::Service);
        error.inner.status = status;
        error.inner.code = service.code.filter(|c| !c.is_empty());
        error.inner.message = service
            .message
            .filter(|m| !m.is_empty())
            .map(|m| redact(&m));
        error.inner.request_id = service.request_id.filter(|r| !r.is_empty());
        error.inner.extra = service
            .extra
            .into_iter()
            .map(|(name, value)| (name, redact(&value)))
            .collect();
        error.inner.meaning = service.meaning;
        error
    }

    /// A configuration error: the request could not be built.
    pub fn config(message: impl Into<String>) -> Self {
        Self::with_detail(ErrorKind::Config, message)
    }

    /// A configuration error caused by `source`.
    pub fn config_with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self::with_detail(ErrorKind::Config, message).with_source(Box::new(source))
    }

    /// A decode error: the response is not what was expected.
    pub fn decode(message: impl Into<String>) -> Self {
        Self::with_detail(ErrorKind::Decode, message)
    }

    /// A transport error: the request could not be sent or the response not read.
    pub fn transport(message: impl Into<String>) -> Self {
        Self::with_detail(ErrorKind::Transport, message)
    }

    /// A timeout.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::with_detail(ErrorKind::Timeout, message)
    }

    /// An integrity error: a size that does not check out (say which sizes, expected and got).
    pub fn integrity(message: impl Into<String>) -> Self {
        Self::with_detail(ErrorKind::Integrity, message)
    }

    /// An I/O error on a local file: what was being done (name the file) and the cause.
    pub fn io(message: impl Into<String>, source: std::io::Error) -> Self {
        let message = message.into();
        let detail = format!("{message}: {source}");
        Self::with_detail(ErrorKind::Io, detail).with_source(Box::new(source))
    }

    pub(crate) fn decode_at(
        message: impl Into<String>,
        path: Option<String>,
        status: u16,
        request_id: Option<String>,
        source: Option<Source>,
    ) -> Self {
        let mut error = Self::with_detail(ErrorKind::Decode, message);
        error.inner.path = path;
        error.inner.status = Some(status);
        error.inner.request_id = request_id;
        error.inner.source = source;
        error
    }

    pub(crate) fn with_source(mut self, source: Source) -> Self {
        self.inner.source = Some(source);
        self
    }

    pub(crate) fn with_operation(mut self, operation: &'static str) -> Self {
        if self.inner.operation.is_none() {
            self.inner.operation = Some(operation);
        }
        self
    }

    pub(crate) fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = Some(retryable);
        self
    }

    pub(crate) fn with_retry_after(mut self, delay: Option<Duration>) -> Self {
        self.inner.retry_after = delay;
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = Some(attempts);
        self
    }

    /// Appends `note` (redacted) to what the error says: to the message of a service error, to
    /// the detail otherwise.
    pub(crate) fn with_note(mut self, note: &str) -> Self {
        let note = redact(note);
        let text = if self.inner.kind == ErrorKind::Service {
            &mut self.inner.message
        } else {
            &mut self.inner.detail
        };
        *text = Some(match text.take() {
            Some(text) => format!("{text}; {note}"),
            None => note,
        });
        self
    }

    pub(crate) fn set_status_if_missing(&mut self, status: u16) {
        self.inner.status.get_or_insert(status);
    }

    pub(crate) fn set_request_id_if_missing(&mut self, request_id: Option<String>) {
        if self.inner.request_id.is_none() {
            self.inner.request_id = request_id;
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The provider's error code, e.g. `Throttling` or `DBS.200022`.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The provider's error message (redacted).
    pub fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// The request id the service gave the failed request, from the body or the headers.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// Extra fields of the error body, e.g. Alibaba's `HostId` and `Recommend`.
    pub fn extra(&self) -> &[(String, String)] {
        &self.inner.extra
    }

    /// The value of one extra field by name.
    pub fn extra_field(&self, name: &str) -> Option<&str> {
        self.inner
            .extra
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The operation that failed, e.g. `DescribeBackups`, when the error came from
    /// [`Transport::send`](crate::Transport::send).
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// For a decode error: the JSON path that failed, e.g. `Items.Backup[0].BackupSize`.
    pub fn json_path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }

    /// The delay the server asked for before a retry (`Retry-After`, `x-acs-retry-after`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// How many attempts were made before giving up, when the error came from
    /// [`Transport::send`](crate::Transport::send) or [`download`](crate::download).
    pub fn attempts(&self) -> Option<u32> {
        self.inner.attempts
    }

    /// The request was throttled: HTTP 429, or a code the provider's
    /// [`CodeTable`](crate::CodeTable) calls throttling (Alibaba's `Throttling.User`, Huawei's
    /// `APIG.0308`).
    pub fn is_throttling(&self) -> bool {
        self.inner.kind == ErrorKind::Service
            && (self.inner.status == Some(429) || self.inner.meaning.throttling)
    }

    /// A signature, credential or permission failure: HTTP 401/403, or a code the provider
    /// calls one (`SignatureDoesNotMatch`, `InvalidAccessKeyId.NotFound`, `APIG.0301`).
    pub fn is_auth(&self) -> bool {
        self.inner.kind == ErrorKind::Service
            && (matches!(self.inner.status, Some(401 | 403)) || self.inner.meaning.auth)
    }

    /// The resource does not exist: HTTP 404, or a code the provider calls "not found"
    /// (`InvalidDBInstanceId.NotFound`, `ResourceNotFound`).
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::Service
            && !self.is_auth()
            && (self.inner.status == Some(404) || self.inner.meaning.not_found)
    }

    /// The request provably never reached the server: it could not connect (DNS, TCP, TLS)
    /// or could not be built. Only such a failure may be retried for an operation that must
    /// not run twice ([`Idempotency::NotIdempotent`](crate::Idempotency::NotIdempotent)).
    pub fn request_not_sent(&self) -> bool {
        self.inner.not_sent
    }

    /// What the provider's code means (all `false` when it has no code or the provider's
    /// table does not list it).
    pub fn code_meaning(&self) -> CodeMeaning {
        self.inner.meaning
    }

    /// An attempt or the whole operation timed out.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// A download's size or checksum did not check out ([`ErrorKind::Integrity`]).
    pub fn is_integrity(&self) -> bool {
        self.inner.kind == ErrorKind::Integrity
    }

    /// Trying again may succeed: a transport failure, an attempt timeout, throttling, HTTP
    /// 429/500/502/503/504, or a code the provider calls unavailable (`ServiceUnavailable`,
    /// `InternalError`).
    ///
    /// Signature, permission and validation errors are never retryable, whatever their status;
    /// nor are decode, configuration, integrity and I/O errors, nor a timeout of the whole
    /// operation.
    pub fn is_retryable(&self) -> bool {
        if let Some(retryable) = self.inner.retryable {
            return retryable;
        }
        match self.inner.kind {
            ErrorKind::Transport | ErrorKind::Timeout => true,
            ErrorKind::Service => {
                if self.is_auth() {
                    return false;
                }
                let meaning = self.inner.meaning;
                if meaning.validation {
                    return false;
                }
                if meaning.throttling || meaning.unavailable {
                    return true;
                }
                matches!(self.inner.status, Some(429 | 500 | 502 | 503 | 504))
            }
            _ => false,
        }
    }

    fn fmt_context(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(status) = self.inner.status {
            parts.push(format!("HTTP {status}"));
        }
        if let Some(request_id) = &self.inner.request_id {
            parts.push(format!("request id {request_id}"));
        }
        if parts.is_empty() {
            Ok(())
        } else {
            write!(f, " ({})", parts.join(", "))
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inner.kind)?;
        match self.inner.kind {
            ErrorKind::Service => match (&self.inner.code, &self.inner.message) {
                (Some(code), Some(message)) => write!(f, ": {code}: {message}")?,
                (Some(text), None) | (None, Some(text)) => write!(f, ": {text}")?,
                (None, None) => {}
            },
            _ => {
                if let Some(detail) = &self.inner.detail {
                    write!(f, ": {detail}")?;
                }
            }
        }
        self.fmt_context(f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut s = f.debug_struct("Error");
        s.field("kind", &inner.kind);
        if let Some(operation) = inner.operation {
            s.field("operation", &operation);
        }
        if let Some(status) = inner.status {
            s.field("status", &status);
        }
        if let Some(code) = &inner.code {
            s.field("code", code);
        }
        if let Some(message) = &inner.message {
            s.field("message", message);
        }
        if let Some(request_id) = &inner.request_id {
            s.field("request_id", request_id);
        }
        if !inner.extra.is_empty() {
            s.field("extra", &inner.extra);
        }
        if let Some(detail) = &inner.detail {
            s.field("detail", detail);
        }
        if let Some(path) = &inner.path {
            s.field("json_path", path);
        }
        if let Some(attempts) = inner.attempts {
            s.field("attempts", &attempts);
        }
        if let Some(source) = &inner.source {
            // Display, not Debug: a source's Debug may carry a URL with its query string.
            s.field("source", &redact(&source.to_string()));
        }
        s.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

/// The innermost message of an error chain, redacted.
fn root_cause(error: &(dyn StdError + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    redact(&current.to_string())
}

impl From<reqwest::Error> for Error {
    /// Classifies a reqwest error; the URL (with its signed query string) is removed first.
    fn from(error: reqwest::Error) -> Self {
        let error = error.without_url();
        // A connect error (DNS, TCP connect, TLS handshake) or a request that could not be
        // built: nothing reached the server. Anything later may have.
        let not_sent = error.is_connect() || error.is_builder();
        let cause = root_cause(&error);
        let (kind, sentence) = if error.is_builder() {
            (ErrorKind::Config, "the request could not be built")
        } else if error.is_connect() && error.is_timeout() {
            (ErrorKind::Timeout, "timed out connecting to the server")
        } else if error.is_connect() {
            (ErrorKind::Transport, "could not connect to the server")
        } else if error.is_timeout() {
            (ErrorKind::Timeout, "the request timed out")
        } else if error.is_body() || error.is_decode() {
            (
                ErrorKind::Transport,
                "the connection failed while reading the response body",
            )
        } else if error.is_redirect() {
            (ErrorKind::Transport, "too many redirects")
        } else {
            (
                ErrorKind::Transport,
                "the connection failed or was closed before a response arrived",
            )
        };
        let top = redact(&error.to_string());
        let detail = if cause == top || cause.is_empty() {
            format!("{sentence}: {top}")
        } else {
            format!("{sentence}: {cause}")
        };
        let mut out = Self::with_detail(kind, detail).with_source(Box::new(error));
        out.inner.not_sent = not_sent;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CodeTable;

    /// A table as a provider crate declares one (these are test data: each provider crate
    /// tests its own table).
    const CODES: CodeTable = CodeTable::new()
        .with_throttling(&["Throttling", "APIG.0308", "APIGW.0308"])
        .with_unavailable(&["ServiceUnavailable", "InternalError"])
        .with_auth(&[
            "SignatureDoesNotMatch",
            "IncompleteSignature",
            "InvalidAccessKeyId",
            "Forbidden",
            "APIG.0301",
            "APIGW.0301",
        ])
        .with_validation_prefixes(&["Invalid", "Missing"])
        .with_not_found_markers(&["NotFound"]);

    fn service(status: u16, code: &str) -> Error {
        Error::service(
            Some(status),
            ServiceError::new()
                .with_code(code)
                .with_message("m")
                .with_request_id("rid")
                .with_meaning(CODES.classify(code)),
        )
    }

    #[test]
    fn display_shows_code_message_status_and_request_id() {
        let error = Error::service(
            Some(400),
            ServiceError::new()
                .with_code("SignatureDoesNotMatch")
                .with_message("Specified signature is not matched with our calculation.")
                .with_request_id("6BE56E05-XXXX"),
        );
        assert_eq!(
            error.to_string(),
            "service error: SignatureDoesNotMatch: Specified signature is not matched with our \
             calculation. (HTTP 400, request id 6BE56E05-XXXX)"
        );
    }

    #[test]
    fn display_without_code_or_request_id() {
        let error = Error::service(Some(502), ServiceError::new().with_message("bad gateway"));
        assert_eq!(error.to_string(), "service error: bad gateway (HTTP 502)");
        let error = Error::service(None, ServiceError::new());
        assert_eq!(error.to_string(), "service error");
        let error = Error::config("endpoint is not a URL");
        assert_eq!(
            error.to_string(),
            "configuration error: endpoint is not a URL"
        );
    }

    #[test]
    fn secrets_in_messages_are_redacted() {
        let error = Error::service(
            Some(400),
            ServiceError::new()
                .with_code("SignatureDoesNotMatch")
                .with_message("url /?A=1&Signature=c2VjcmV0%3D&B=2")
                .with_extra("Recommend", "Authorization: ACS3 Signature=abc"),
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(!shown.contains("abc"), "{shown}");
    }

    #[test]
    fn throttling_codes_and_status() {
        for code in [
            "Throttling",
            "Throttling.User",
            "Throttling.Api",
            "APIG.0308",
            "APIGW.0308",
        ] {
            let error = service(400, code);
            assert!(error.is_throttling(), "{code}");
            assert!(error.is_retryable(), "{code}");
        }
        assert!(service(429, "Whatever").is_throttling());
        assert!(!service(400, "ThrottlingX").is_throttling());
    }

    #[test]
    fn retryable_statuses_and_codes() {
        for status in [429, 500, 502, 503, 504] {
            assert!(service(status, "Something").is_retryable(), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 501] {
            assert!(!service(status, "Something").is_retryable(), "{status}");
        }
        assert!(service(503, "ServiceUnavailable").is_retryable());
        assert!(service(503, "ServiceUnavailable.RegionMaintaining").is_retryable());
        assert!(service(500, "InternalError").is_retryable());
        assert!(service(200, "InternalError").is_retryable());
    }

    #[test]
    fn auth_and_validation_never_retryable() {
        for code in [
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId.NotFound",
            "Forbidden.RAM",
            "APIG.0301",
            "APIGW.0301",
            "IncompleteSignature",
        ] {
            let error = service(500, code);
            assert!(error.is_auth(), "{code}");
            assert!(!error.is_retryable(), "{code}");
            assert!(!error.is_not_found(), "{code}");
        }
        assert!(!service(503, "InvalidParameter").is_retryable());
        assert!(!service(502, "MissingBackupId").is_retryable());
        assert!(service(403, "x").is_auth());
        assert!(service(401, "x").is_auth());
    }

    #[test]
    fn a_code_means_only_what_the_table_says() {
        // Without a meaning, only the status counts.
        let unclassified =
            Error::service(Some(400), ServiceError::new().with_code("Throttling.User"));
        assert!(!unclassified.is_throttling());
        assert!(!unclassified.is_retryable());
        assert!(service(400, "Throttling.User").code_meaning().throttling);
    }

    #[test]
    fn not_found() {
        assert!(service(404, "x").is_not_found());
        assert!(service(400, "InvalidDBInstanceId.NotFound").is_not_found());
        assert!(service(404, "ResourceNotFound").is_not_found());
        assert!(!service(400, "InvalidParameter").is_not_found());
    }

    #[test]
    fn kinds_and_predicates() {
        assert!(Error::timeout("t").is_timeout());
        assert!(Error::timeout("t").is_retryable());
        assert!(Error::transport("t").is_retryable());
        assert!(!Error::decode("d").is_retryable());
        assert!(!Error::config("c").is_retryable());
        assert!(!Error::timeout("t").with_retryable(false).is_retryable());
        assert!(!Error::transport("t").is_throttling());
        assert_eq!(Error::decode("d").kind(), ErrorKind::Decode);
        let integrity = Error::integrity("expected 3 bytes, got 4");
        assert!(integrity.is_integrity());
        assert!(!integrity.is_retryable());
        assert_eq!(
            integrity.to_string(),
            "integrity error: expected 3 bytes, got 4"
        );
        let io = Error::io(
            "could not write /tmp/x.part",
            std::io::Error::other("disk full"),
        );
        assert_eq!(io.kind(), ErrorKind::Io);
        assert!(!io.is_retryable());
        assert!(!io.is_integrity());
        assert_eq!(
            io.to_string(),
            "I/O error: could not write /tmp/x.part: disk full"
        );
        assert!(std::error::Error::source(&io).is_some());
    }

    #[test]
    fn notes_extend_the_detail_or_the_message() {
        let error = Error::transport("connection reset").with_note("gave up after 5 attempts");
        assert_eq!(
            error.to_string(),
            "transport error: connection reset; gave up after 5 attempts"
        );
        let error = Error::service(Some(503), ServiceError::new()).with_note("kept 3 bytes");
        assert_eq!(error.to_string(), "service error: kept 3 bytes (HTTP 503)");
        let error = Error::service(Some(503), ServiceError::new().with_message("busy"))
            .with_note("see /x?Signature=abc");
        assert_eq!(
            error.to_string(),
            "service error: busy; see /x?Signature=** redacted ** (HTTP 503)"
        );
    }

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: Send + Sync + 'static + StdError>() {}
        check::<Error>();
    }
}
