//! The transport: one connection pool, timeouts, retries with a freshly signed request per
//! attempt.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use tokio::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

use crate::bytes::BytesMut;
use crate::config::{HttpConfig, RetryPolicy};
use crate::credentials::CredentialProvider;
use crate::error::Error;
use crate::protocol::ServiceProtocol;
use crate::response::{RawResponse, request_id_from};
use crate::retry::server_delay;

/// What the request builder gets for each attempt: a fresh timestamp and nonce to sign with.
///
/// The gateways reject a replayed nonce and a stale timestamp, so every attempt (retries
/// included) is built and signed anew from its own context.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptContext {
    /// The attempt number, 1 for the first.
    pub attempt: u32,
    /// The time to sign with, from the configured [`Clock`](crate::Clock).
    pub timestamp: OffsetDateTime,
    /// The nonce to sign with, from the configured [`NonceSource`](crate::NonceSource).
    pub nonce: String,
    /// The credentials to sign with, when the transport has a
    /// [`CredentialProvider`](crate::credentials::CredentialProvider) (current for this
    /// attempt: refreshed before they expire); `None` otherwise (the client's own).
    pub credentials: Option<cloud_signer::Credentials>,
}

impl AttemptContext {
    /// A context; the transport makes these, tests of request builders may too.
    pub fn new(attempt: u32, timestamp: OffsetDateTime, nonce: impl Into<String>) -> Self {
        Self {
            attempt,
            timestamp,
            nonce: nonce.into(),
            credentials: None,
        }
    }

    /// This context with the credentials to sign with.
    pub fn with_credentials(mut self, credentials: cloud_signer::Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
}

/// Whether an operation may be sent again after a failure ([`Transport::send_with`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Idempotency {
    /// Reading, or anything that gives the same result when done twice: retried on every
    /// retryable failure.
    Idempotent,
    /// A create or a delete: retried only when the request provably never reached the
    /// service (a connect error). The provider's idempotency token, where the action takes
    /// one, is the other way to make a retry safe.
    NotIdempotent,
}

/// The HTTP runtime: a reqwest client (rustls, one connection pool), the configuration, and the
/// provider's [`ServiceProtocol`]. Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    config: Arc<HttpConfig>,
    protocol: Arc<dyn ServiceProtocol>,
    service: &'static str,
    credentials: Option<CredentialProvider>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("service", &self.service)
            .field("config", &self.config)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// How one attempt ended.
enum Outcome {
    Done(RawResponse),
    Failed {
        error: Error,
        server_delay: Option<Duration>,
    },
}

impl Transport {
    /// A transport with its own connection pool, resolving the domains of
    /// [`HttpConfig::resolve`] to their fixed addresses.
    ///
    /// Fails with a [`Config`](crate::ErrorKind::Config) error when the retry policy allows no
    /// attempt, a timeout is zero, or the TLS backend cannot start.
    pub fn new(
        config: HttpConfig,
        protocol: impl ServiceProtocol + 'static,
    ) -> Result<Self, Error> {
        validate(&config)?;
        let mut builder = crate::client_builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone());
        for (domain, address) in &config.resolve {
            builder = builder.resolve(domain, *address);
        }
        let client = builder.build().map_err(|e| {
            Error::config_with_source("the HTTP client could not be built", e.without_url())
        })?;
        Ok(Self {
            client,
            config: Arc::new(config),
            protocol: Arc::new(protocol),
            service: "cloud",
            credentials: None,
        })
    }

    /// Names the service in tracing spans (e.g. `"aliyun-rds"`). Default `"cloud"`.
    pub fn with_service_name(mut self, service: &'static str) -> Self {
        self.service = service;
        self
    }

    /// Signs with the credentials of `provider`: each attempt's [`AttemptContext::credentials`]
    /// is what it holds then, refreshed before they expire (one fetch however many requests
    /// wait). A failure to get credentials ends the operation with that error, unsent.
    pub fn with_credentials(mut self, provider: CredentialProvider) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// The credential provider, if the transport has one.
    pub fn credentials(&self) -> Option<&CredentialProvider> {
        self.credentials.as_ref()
    }

    /// A transport sharing this one's connection pool with another retry policy, e.g.
    /// [`RetryPolicy::no_retry`] for an operation that must not be repeated.
    pub fn with_retry_policy(&self, retry: RetryPolicy) -> Result<Self, Error> {
        let config = HttpConfig {
            retry,
            ..(*self.config).clone()
        };
        validate(&config)?;
        Ok(Self {
            config: Arc::new(config),
            ..self.clone()
        })
    }

    /// The reqwest client, for requests outside [`send`](Transport::send) (downloads).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Sends `operation`, retrying as configured, and returns the first successful response.
    ///
    /// `build` is called once per attempt with a fresh [`AttemptContext`] and must build (and
    /// sign) the whole request; an error from it ends the operation at once. Every response
    /// goes through the protocol's
    /// [`service_error`](ServiceProtocol::service_error); a service error, a transport
    /// failure or an attempt timeout is retried when
    /// [`ServiceProtocol::is_retryable`] says so, after a backoff or the delay the server asked
    /// for, as long as the attempt limit and the operation timeout allow. The last error is
    /// returned otherwise.
    pub async fn send<F>(&self, operation: &'static str, build: F) -> Result<RawResponse, Error>
    where
        F: FnMut(&AttemptContext) -> Result<reqwest::Request, Error>,
    {
        self.send_with(operation, Idempotency::Idempotent, build)
            .await
    }

    /// [`send`](Transport::send), then decodes the body as JSON.
    pub async fn send_json<T, F>(&self, operation: &'static str, build: F) -> Result<T, Error>
    where
        T: DeserializeOwned,
        F: FnMut(&AttemptContext) -> Result<reqwest::Request, Error>,
    {
        self.send_json_with(operation, Idempotency::Idempotent, build)
            .await
    }

    /// [`send`](Transport::send) for an operation of the given [`Idempotency`]: one that must
    /// not run twice (a create, a delete) is retried only when its request provably never
    /// reached the server ([`Error::request_not_sent`]: a connect error); any other failure
    /// — a 5xx, a dropped connection, a timeout — is returned at once, since the service may
    /// have acted on it.
    pub async fn send_with<F>(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        build: F,
    ) -> Result<RawResponse, Error>
    where
        F: FnMut(&AttemptContext) -> Result<reqwest::Request, Error>,
    {
        let span = tracing::info_span!(
            "cloud_http.operation",
            service = self.service,
            operation,
            attempts = Empty,
        );
        self.send_inner(operation, idempotency, build, span.clone())
            .instrument(span)
            .await
            .map_err(|e| e.with_operation(operation))
    }

    /// [`send_with`](Transport::send_with), then decodes the body as JSON.
    pub async fn send_json_with<T, F>(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        build: F,
    ) -> Result<T, Error>
    where
        T: DeserializeOwned,
        F: FnMut(&AttemptContext) -> Result<reqwest::Request, Error>,
    {
        self.send_with(operation, idempotency, build)
            .await?
            .json()
            .map_err(|e| e.with_operation(operation))
    }

    async fn send_inner<F>(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        mut build: F,
        span: tracing::Span,
    ) -> Result<RawResponse, Error>
    where
        F: FnMut(&AttemptContext) -> Result<reqwest::Request, Error>,
    {
        let config = &*self.config;
        let max_attempts = config.retry.max_attempts;
        let deadline = Instant::now() + config.operation_timeout;
        let mut attempt = 0;
        // Retries after throttling not counted against `max_attempts`.
        let mut throttled = 0;
        loop {
            attempt += 1;
            let mut context =
                AttemptContext::new(attempt, config.clock.now(), config.nonce.next_nonce());
            if let Some(provider) = &self.credentials {
                context.credentials = Some(provider.current().await?);
            }
            let request = build(&context)?;

            let remaining = deadline.saturating_duration_since(Instant::now());
            let limit = remaining.min(config.attempt_timeout);
            let attempt_span = tracing::debug_span!(
                "cloud_http.attempt",
                attempt,
                status = Empty,
                delay_ms = Empty,
            );
            let outcome = self
                .attempt(
                    request,
                    limit,
                    remaining <= config.attempt_timeout,
                    operation,
                    attempt,
                    &attempt_span,
                )
                .instrument(attempt_span.clone())
                .await;
            // Recorded once, when the operation ends (a log line shows each record).
            let (error, asked) = match outcome {
                Outcome::Done(response) => {
                    span.record("attempts", attempt);
                    return Ok(response);
                }
                Outcome::Failed {
                    error,
                    server_delay,
                } => (error, server_delay),
            };
            let error = error.with_attempts(attempt);
            let repeatable = match idempotency {
                Idempotency::Idempotent => true,
                Idempotency::NotIdempotent => error.request_not_sent(),
            };
            let retryable = repeatable && self.protocol.is_retryable(&error);
            if !repeatable {
                attempt_span.in_scope(|| {
                    tracing::debug!(
                        error = %error,
                        "not retrying: the request may have reached the service, and {operation} must not run twice"
                    );
                });
            }
            let free = retryable
                && error.is_throttling()
                && max_attempts > 1
                && throttled < config.retry.max_throttled_retries;
            if !free && (attempt - throttled >= max_attempts || !retryable) {
                attempt_span.in_scope(|| {
                    tracing::debug!(error = %error, retryable, "giving up");
                });
                span.record("attempts", attempt);
                return Err(error);
            }
            let mut delay = asked.unwrap_or_else(|| config.retry.backoff(attempt));
            if free {
                throttled += 1;
                // Clients throttled together must not come back together.
                delay = delay.max(config.retry.backoff(throttled));
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if delay >= remaining {
                attempt_span.in_scope(|| {
                    tracing::info!(
                        error = %error,
                        delay_ms = delay.as_millis(),
                        "not retrying: the delay would pass the operation timeout"
                    );
                });
                span.record("attempts", attempt);
                return Err(error);
            }
            attempt_span.record("delay_ms", delay.as_millis());
            attempt_span.in_scope(|| {
                // Its own target, so that a command line can show retries alone
                // (`cloud_http::retry=info`).
                tracing::info!(
                    target: "cloud_http::retry",
                    service = self.service,
                    operation,
                    attempt,
                    error = %error,
                    delay_ms = delay.as_millis(),
                    "retrying"
                );
            });
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: send, read the body within `limit`, classify.
    async fn attempt(
        &self,
        request: reqwest::Request,
        limit: Duration,
        limit_is_deadline: bool,
        operation: &'static str,
        attempt: u32,
        span: &tracing::Span,
    ) -> Outcome {
        // Method, host and path only: the query string carries signatures.
        tracing::debug!(
            method = %request.method(),
            host = request.url().host_str().unwrap_or(""),
            path = request.url().path(),
            "sending"
        );
        let exchange = async {
            let response = self.client.execute(request).await?;
            read_response(response, self.config.max_body_size).await
        };
        let response = match tokio::time::timeout(limit, exchange).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                return Outcome::Failed {
                    error,
                    server_delay: None,
                };
            }
            Err(_) => {
                let error = if limit_is_deadline {
                    Error::timeout(format!(
                        "{operation} did not finish within the operation timeout of {}",
                        human(self.config.operation_timeout)
                    ))
                    .with_retryable(false)
                } else {
                    Error::timeout(format!(
                        "attempt {attempt} of {operation} did not finish within {}",
                        human(limit)
                    ))
                };
                return Outcome::Failed {
                    error,
                    server_delay: None,
                };
            }
        };
        let status = response.status().as_u16();
        span.record("status", status);
        match self.protocol.service_error(&response) {
            None => Outcome::Done(response),
            Some(service) => {
                let delay = server_delay(response.headers(), self.config.clock.now());
                let mut error = Error::service(Some(status), service).with_retry_after(delay);
                error.set_request_id_if_missing(response.request_id().map(str::to_owned));
                Outcome::Failed {
                    error,
                    server_delay: delay,
                }
            }
        }
    }
}

fn validate(config: &HttpConfig) -> Result<(), Error> {
    if config.retry.max_attempts == 0 {
        return Err(Error::config(
            "the retry policy must allow at least one attempt",
        ));
    }
    if config.attempt_timeout.is_zero() || config.operation_timeout.is_zero() {
        return Err(Error::config("timeouts must be longer than zero"));
    }
    Ok(())
}

/// Reads the whole body, refusing more than `max` bytes.
async fn read_response(mut response: reqwest::Response, max: usize) -> Result<RawResponse, Error> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let too_large = |status: reqwest::StatusCode, headers: &reqwest::header::HeaderMap| {
        let mut error = Error::decode(format!(
            "the response body is larger than the limit of {max} bytes"
        ));
        error.set_status_if_missing(status.as_u16());
        error.set_request_id_if_missing(request_id_from(headers).map(str::to_owned));
        error
    };
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(too_large(status, &headers));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max {
            return Err(too_large(status, &headers));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(RawResponse::new(status, headers, body.freeze()))
}

/// `1.5s`, `60s`, `250ms`.
fn human(duration: Duration) -> String {
    if duration.as_millis() < 1000 {
        format!("{}ms", duration.as_millis())
    } else if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorFormat as AnyFormat;

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_millis(250)), "250ms");
        assert_eq!(human(Duration::from_secs(60)), "60s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn invalid_configs_are_refused() {
        let error = Transport::new(
            HttpConfig::default().with_retry(RetryPolicy::default().with_max_attempts(0)),
            AnyFormat::new(),
        )
        .unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Config);
        assert!(
            Transport::new(
                HttpConfig::default().with_attempt_timeout(Duration::ZERO),
                AnyFormat::new()
            )
            .is_err()
        );
        let transport = Transport::new(HttpConfig::default(), AnyFormat::new()).unwrap();
        assert_eq!(
            transport
                .with_retry_policy(RetryPolicy::no_retry())
                .unwrap()
                .config()
                .retry
                .max_attempts,
            1
        );
        assert!(
            transport
                .with_retry_policy(RetryPolicy::default().with_max_attempts(0))
                .is_err()
        );
    }

    #[tokio::test]
    async fn resolve_override_connects_to_the_address_and_keeps_the_host() {
        use wiremock::matchers::{header, method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};

        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/probe"))
            .and(header("host", "backup.invalid"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .expect(1)
            .mount(&server)
            .await;
        // `.invalid` never resolves (RFC 2606): only the override can reach the server.
        let config = HttpConfig::default().with_resolve("backup.invalid", *server.address());
        let transport = Transport::new(config, AnyFormat::new()).unwrap();
        let client = transport.http_client().clone();
        let response = transport
            .send("Probe", |_| {
                Ok(client.get("http://backup.invalid/probe").build()?)
            })
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    #[test]
    fn transport_is_send_sync_and_send_future() {
        fn check<T: Send + Sync + Clone + 'static>(_: &T) {}
        fn check_future<T: Send>(_: &T) {}
        let transport = Transport::new(HttpConfig::default(), AnyFormat::new()).unwrap();
        check(&transport);
        let future = transport.send("Op", |_| Err(Error::config("x")));
        check_future(&future);
    }
}
