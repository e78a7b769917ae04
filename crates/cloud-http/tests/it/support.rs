//! Shared helpers: a fast-retrying config, request builders, a log capture.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloud_http::{AttemptContext, Error, HttpConfig, RetryPolicy, ServiceProtocol, Transport};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A query signature and an Authorization header value that must never show up anywhere.
pub(crate) const SECRET_SIGNATURE: &str = "c2VjcmV0LXNpZ25hdHVyZQ";
pub(crate) const SECRET_AUTHORIZATION: &str =
    "SDK-HMAC-SHA256 Access=AKID, SignedHeaders=host;x-sdk-date, Signature=0ddba11f00d";

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
