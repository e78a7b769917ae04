//! The shared HTTP runtime of the cloud backup SDK crates.
//!
//! Written once, used by every provider crate: a [`Transport`] (reqwest with rustls, one
//! connection pool) that sends an operation with timeouts and retries, asking a
//! provider-specific [`ServiceProtocol`] whether each response is an error; one [`Error`] type
//! with predicates; a lazy paging [`Stream`](futures::Stream) ([`paginate`]); [`lenient`]
//! serde helpers for the JSON the servers really send; and [`download`], a resumable, verified,
//! constant-memory download of a backup file.
//!
//! This crate knows no signing algorithm. The provider crate hands [`Transport::send`] a closure
//! that **builds and signs** the request; it is called once per attempt with an
//! [`AttemptContext`] carrying a fresh timestamp (from the configured [`Clock`]) and a fresh
//! nonce (from the [`NonceSource`]), because the gateways reject a replayed nonce or a stale
//! timestamp.
//!
//! # Example
//!
//! ```
//! use cloud_http::{AttemptContext, CodeTable, Error, ErrorFormat, HttpConfig, IdSource, Transport};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct DescribeBackups {
//!     #[serde(rename = "RequestId")]
//!     request_id: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! # let server = wiremock::MockServer::start().await;
//! # wiremock::Mock::given(wiremock::matchers::any())
//! #     .respond_with(wiremock::ResponseTemplate::new(200)
//! #         .set_body_string(r#"{"RequestId":"6BE56E05","Items":{"Backup":[]}}"#))
//! #     .mount(&server).await;
//! # let endpoint = server.uri();
//! // How the provider says a call failed (provider crates generate theirs from a model).
//! const ERRORS: ErrorFormat = ErrorFormat::new()
//!     .with_code_keys(&["Code"])
//!     .with_message_keys(&["Message"])
//!     .with_request_id(&[IdSource::Body("RequestId")])
//!     .with_codes(CodeTable::new().with_throttling(&["Throttling"]));
//! // `endpoint` is e.g. "https://rds.aliyuncs.com" (here a local test server).
//! let transport = Transport::new(HttpConfig::default(), ERRORS)?
//!     .with_service_name("aliyun-rds");
//! let client = transport.http_client().clone();
//! let response: DescribeBackups = transport
//!     .send_json("DescribeBackups", |attempt: &AttemptContext| {
//!         // A provider crate signs here with attempt.timestamp and attempt.nonce.
//!         let query = [
//!             ("Action", "DescribeBackups"),
//!             ("SignatureNonce", attempt.nonce.as_str()),
//!         ];
//!         Ok(client.get(&endpoint).query(&query).build()?)
//!     })
//!     .await?;
//! assert_eq!(response.request_id, "6BE56E05");
//! # Ok(())
//! # }
//! ```
//!
//! # Retries and timeouts
//!
//! Defaults (all settable on [`HttpConfig`] and [`RetryPolicy`]): connect 10 s, one attempt
//! 60 s, the whole operation 5 min, 3 attempts, backoff ceiling 200 ms doubling up to 20 s
//! with full jitter.
//!
//! An attempt is retried when [`ServiceProtocol::is_retryable`] says so; by default that is
//! [`Error::is_retryable`]: connection failures, attempt timeouts, HTTP 429/500/502/503/504,
//! and the codes the provider's [`CodeTable`] calls throttling or unavailable (Alibaba's
//! `Throttling.*`, `ServiceUnavailable`, `InternalError`; Huawei's `APIG.0308`). Signature,
//! permission and validation errors never are. Up to 10 retries after throttling
//! ([`RetryPolicy::max_throttled_retries`]) do not count against the attempts: a throttled
//! request was refused before it ran, so many calls at once pace themselves to the provider's
//! rate instead of failing (each waits at least its backoff, so calls throttled together do
//! not come back together); none when the policy makes one attempt.
//!
//! A delay the server asks for replaces the backoff: `Retry-After` in seconds or as an
//! HTTP-date (compared with the configured clock), and Alibaba's `x-acs-retry-after` in
//! **milliseconds** (the unit Alibaba's own darabonba-openapi and aliyun-cli clients use). A
//! delay that would end past the operation timeout is not waited for: the last error is
//! returned at once, with [`Error::retry_after`] saying what the server asked.
//!
//! Operations that must not be repeated (e.g. creating a backup) can use
//! [`Transport::with_retry_policy`] with [`RetryPolicy::no_retry`].
//!
//! # Downloads
//!
//! The provider crates resolve a backup's download link (a signed OSS or OBS URL); [`download`]
//! fetches it to a file:
//!
//! * **in constant memory**, whatever the size: the body streams through a 256 KiB buffer to
//!   `<dest>.part`, and its SHA-256 is computed on the way;
//! * **surviving faults**: after a dropped connection, a stalled body (idle timeout, 60 s by
//!   default), HTTP 429 or 5xx it resumes with `Range: bytes=N-` from the bytes already
//!   written, after a jittered backoff ([`RetryPolicy::backoff`]), for at most 5 failed
//!   attempts in a row (an attempt that gets further into the file than any before starts the
//!   count again); a server that ignores ranges (a 200) makes it restart from zero;
//! * **losing nothing and lying about nothing**: `<dest>.part` is renamed to `<dest>` only
//!   after its byte count matches `Content-Length` / `Content-Range` and the size the API
//!   reported ([`Download::with_expected_size`]), and after an fsync; a size that does not
//!   check out is an [`ErrorKind::Integrity`] error; after any failure nothing is at `<dest>`,
//!   and the `.part` is kept (unless known to be wrong) so that running the same download again
//!   resumes it. An existing `<dest>` is refused unless [`Download::with_overwrite`].
//!
//! A [`Progress`] observer (bytes already there, total, each piece written, restarts, retries)
//! drives a progress bar; the [`DownloadOutcome`] gives the size, the SHA-256 and how many
//! resumes and restarts it took. Links' query strings (signatures, expiry, access key ids)
//! never appear in errors or logs: only scheme, host and path do.
//!
//! ```
//! use cloud_http::{Download, Error};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! # let server = wiremock::MockServer::start().await;
//! # wiremock::Mock::given(wiremock::matchers::any())
//! #     .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("backup bytes"))
//! #     .mount(&server).await;
//! # let dest = std::env::temp_dir().join(format!("cloud-http-doc-{}.tar.gz", std::process::id()));
//! # let _ = std::fs::remove_file(&dest);
//! // `url` is the link the provider's API returned (here a local test server).
//! let url = format!("{}/backup.tar.gz?Expires=1700000000&Signature=...", server.uri());
//! let client = reqwest::Client::new();
//! let outcome = cloud_http::download(
//!     &client,
//!     &Download::new(url, &dest).with_expected_size(12).with_max_attempts(8),
//! )
//! .await?;
//! assert_eq!(outcome.bytes, 12);
//! println!("{} bytes, SHA-256 {}", outcome.bytes, outcome.sha256);
//! # std::fs::remove_file(&dest).expect("the downloaded file");
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! [`Error`] is opaque: [`kind()`](Error::kind) ([`ErrorKind`]: transport, timeout, service,
//! decode, config, integrity, I/O), [`status()`](Error::status), [`code()`](Error::code),
//! [`message()`](Error::message), [`request_id()`](Error::request_id), and the predicates
//! [`is_throttling()`](Error::is_throttling), [`is_retryable()`](Error::is_retryable),
//! [`is_not_found()`](Error::is_not_found), [`is_auth()`](Error::is_auth),
//! [`is_timeout()`](Error::is_timeout), [`is_integrity()`](Error::is_integrity). It displays as
//! `service error: SignatureDoesNotMatch: Specified signature is not matched ... (HTTP 400,
//! request id 6BE5...)`, or as a sentence for the other kinds; a decode error names the JSON
//! path that failed, or says what arrived instead of JSON (an empty body, an HTML page and its
//! title, truncated JSON) with a short excerpt.
//!
//! # Secrets
//!
//! The runtime sees secrets only inside the requests the provider crates build. It logs a
//! request's method, host and path, never its headers or query string; reqwest errors lose
//! their URL before they are kept; and every text from the wire that goes into an error (a
//! message, an extra field, a body excerpt) has `Signature=` and `Authorization` values
//! replaced by `** redacted **`.
//!
//! # Tracing
//!
//! Each [`Transport::send`] runs in an `info` span `cloud_http.operation` (fields `service`,
//! `operation`, `attempts`), each attempt in a `debug` span `cloud_http.attempt` (fields
//! `attempt`, `status`, `delay_ms`, the delay before the next attempt). A retry is logged at
//! `info` with the error; nothing secret is logged at any level.
//!
//! # Crate organization
//!
//! * [`Transport`], [`AttemptContext`]: sending with timeouts and retries
//!   (`src/transport.rs`).
//! * [`HttpConfig`], [`RetryPolicy`], [`Clock`], [`NonceSource`]: settings, with `with_*`
//!   setters (`src/config.rs`).
//! * [`ServiceProtocol`], and [`ErrorFormat`] / [`CodeTable`] / [`CodeMeaning`], the mechanism
//!   each provider crate declares its error format and codes with (`src/protocol.rs`); the
//!   formats themselves live in the provider crates.
//! * [`Error`], [`ErrorKind`], [`ServiceError`] (`src/error.rs`).
//! * [`RawResponse`]: status, headers, size-capped body, [`RawResponse::json`] with
//!   path-naming errors, request id lookup (`src/response.rs`).
//! * [`paginate`], [`Page`], [`PageCursor`]: the lazy paging stream (`src/paginate.rs`).
//! * [`paginate_listing`], [`Paged`], [`PagedRequest`], [`Paging`], [`Records`]: the one
//!   paginator of every listing, over page numbers or offsets, with the total, duplicate
//!   removal, the page cap and the raw records (`src/listing.rs`).
//! * [`download`], [`Download`], [`DownloadOutcome`], [`Progress`]: resumable, verified
//!   downloads (`src/download.rs`).
//! * [`ApiRequest`]: what a client needs of one operation's request, generated for every
//!   operation model (`src/operation.rs`).
//! * [`Record`]: one item of a response, decoded and as received (`src/record.rs`).
//! * [`lenient`]: serde helpers that accept numbers as strings and the reverse, `"74464.0"`,
//!   missing and `null` fields.
//! * [`client_builder`]: the reqwest builder every client starts from: the environment's
//!   proxies (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), never used for the loopback
//!   addresses, so local tests and the sandbox work behind a proxy (`src/proxy.rs`).
//! * Private: `retry` (jitter randomness, `Retry-After` / `x-acs-retry-after` parsing),
//!   `redact` (removing signatures from text).
//!
//! The integration tests (`tests/it/`) run the transport and downloads against wiremock and raw
//! sockets on 127.0.0.1 only.

/// The `bytes` crate, whose [`Bytes`](bytes::Bytes) is the body of a [`RawResponse`].
pub use bytes;

mod config;
pub mod credentials;
mod download;
mod endpoint;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod lenient;
mod listing;
mod operation;
mod paginate;
mod protocol;
mod proxy;
mod record;
mod redact;
mod response;
mod retry;
pub mod times;
mod transport;

pub use config::{Clock, HttpConfig, NonceSource, RetryPolicy};
pub use download::{
    Check, ChecksumKind, ContentCheck, ContentCheckFactory, DEFAULT_CONNECTIONS, Download,
    DownloadOutcome, DownloadSink, ExpectedChecksum, MAX_CONNECTIONS, MIN_RANGED_SIZE,
    OSS_CRC64_HEADER, Progress, RefreshLink, checks_summary, download, download_to_sink,
};
pub use endpoint::Endpoint;
pub use error::{Error, ErrorKind, ServiceError};
pub use listing::{
    MAX_PAGES, PageRequest, PageStyle, Paged, PagedRequest, Paging, Records, paginate_listing,
};
pub use operation::ApiRequest;
pub use paginate::{Page, PageCursor, paginate};
pub use protocol::{CodeMeaning, CodeTable, ErrorFormat, IdSource, ServiceProtocol};
pub use proxy::client_builder;
pub use record::Record;
pub use response::{REQUEST_ID_HEADERS, RawResponse};
pub use transport::{AttemptContext, Idempotency, Transport};

/// Compiles and runs the examples of `README.md` as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
