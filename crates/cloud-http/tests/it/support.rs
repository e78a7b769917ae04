//! Shared helpers: a fast-retrying config, request builders, a log capture.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloud_http::{
    AttemptContext, CodeTable, Error, ErrorFormat, HttpConfig, IdSource, RetryPolicy,
    ServiceProtocol, Transport,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A query signature and an Authorization header value that must never show up anywhere.
pub(crate) const SECRET_SIGNATURE: &str = "c2VjcmV0LXNpZ25hdHVyZQ";
pub(crate) const SECRET_AUTHORIZATION: &str =
    "SDK-HMAC-SHA256 Access=AKID, SignedHeaders=host;x-sdk-date, Signature=0ddba11f00d";

/// Error formats shaped like the three clouds' (test data: the real ones are generated in the
/// provider crates from their `error.json` models and tested there).
pub(crate) const ALIBABA: ErrorFormat = ErrorFormat::new()
    .with_code_keys(&["Code", "code"])
    .with_message_keys(&["Message", "message"])
    .with_request_id(&[IdSource::Body("RequestId"), IdSource::Body("requestId")])
    .with_extra_keys(&["HostId", "Recommend"])
    .with_codes(
        CodeTable::new()
            .with_throttling(&["Throttling"])
            .with_unavailable(&["ServiceUnavailable", "InternalError"])
            .with_auth(&["SignatureDoesNotMatch", "InvalidAccessKeyId"])
            .with_validation_prefixes(&["Invalid", "Missing"])
            .with_not_found_markers(&["NotFound"]),
    );

/// See [`ALIBABA`].
pub(crate) const HUAWEI: ErrorFormat = ErrorFormat::new()
    .with_code_keys(&["error_code", "errorCode", "code"])
    .with_message_keys(&["error_msg", "errorMsg", "message"])
    .with_request_id(&[
        IdSource::Header("x-request-id"),
        IdSource::Body("request_id"),
    ])
    .with_nested_depth(4)
    .with_status_as_code(true)
    .with_codes(
        CodeTable::new()
            .with_throttling(&["APIG.0308", "APIGW.0308"])
            .with_auth(&["APIG.0301", "APIGW.0301"]),
    );

/// See [`ALIBABA`].
pub(crate) const CAPITAL_ONLINE: ErrorFormat = ErrorFormat::new()
    .with_code_keys(&["Code", "code"])
    .with_message_keys(&["Message", "message", "Msg", "msg"])
    .with_request_id(&[
        IdSource::Body("RequestId"),
        IdSource::Header("cds-request-id"),
        IdSource::Body("TaskId"),
    ])
    .with_success_codes(&["Success", "OK"])
    .with_codes(
        CodeTable::new()
            .with_unavailable(&["InternalError"])
            .with_validation_prefixes(&["Invalid", "ArgMissing", "BadArgs"])
            .with_not_found_markers(&["NotFound"]),
    );

/// Tiny backoffs so retries are quick; generous timeouts so slow machines pass.
pub(crate) fn config() -> HttpConfig {
    HttpConfig::default()
        .with_retry(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(2))
                .with_max_backoff(Duration::from_millis(10)),
        )
        .with_attempt_timeout(Duration::from_secs(10))
        .with_operation_timeout(Duration::from_secs(30))
}

pub(crate) fn transport(config: HttpConfig, protocol: impl ServiceProtocol + 'static) -> Transport {
    Transport::new(config, protocol).expect("valid config")
}

/// A builder for a GET of `{base}/?Action=..&Signature=..` with an `Authorization` header and the
/// attempt's nonce in `x-nonce`, as a provider crate would sign it.
pub(crate) fn signed_get(
    transport: &Transport,
    base: &str,
) -> impl FnMut(&AttemptContext) -> Result<reqwest::Request, Error> + Send + 'static {
    let client = transport.http_client().clone();
    let url = format!("{base}/?Action=DescribeBackups&Signature={SECRET_SIGNATURE}");
    move |ctx: &AttemptContext| {
        client
            .get(&url)
            .header("Authorization", SECRET_AUTHORIZATION)
            .header("x-nonce", &ctx.nonce)
            .header("x-attempt", ctx.attempt.to_string())
            .build()
            .map_err(Error::from)
    }
}

/// Asserts that `text` leaks neither the signature nor the Authorization value.
pub(crate) fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET_SIGNATURE), "signature leaked: {text}");
    assert!(
        !text.contains("0ddba11f00d"),
        "authorization leaked: {text}"
    );
    assert!(
        !text.contains("Access=AKID"),
        "authorization leaked: {text}"
    );
}

/// A minimal tracing subscriber that writes every span and event field into a string.
#[derive(Clone, Default)]
pub(crate) struct Capture(pub(crate) Arc<Mutex<String>>);

impl Capture {
    pub(crate) fn text(&self) -> String {
        self.0.lock().expect("capture lock").clone()
    }
}

struct Writer<'a>(&'a mut String);

impl Visit for Writer<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut text = self.0.lock().expect("capture lock");
        let _ = write!(text, "\nspan {}", span.metadata().name());
        span.record(&mut Writer(&mut text));
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut text = self.0.lock().expect("capture lock");
        text.push_str("\nrecord");
        values.record(&mut Writer(&mut text));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut text = self.0.lock().expect("capture lock");
        let _ = write!(text, "\nevent {}", event.metadata().level());
        event.record(&mut Writer(&mut text));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}
