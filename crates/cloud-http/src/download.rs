//! Resumable, verified, constant-memory downloads of (signed) links: [`download`].
//!
//! The file is streamed to `<dest>.part` through a small buffer while its SHA-256 is computed,
//! resumed with `Range` requests after faults, checked against every size the server and the
//! API announced, fsynced, and only then renamed to `<dest>`.

use std::fmt;
use std::fmt::Write as _;
use std::io::{self, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode, Url, Version};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::fs::{File, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};
use tracing::Instrument;
use tracing::field::Empty;

use crate::config::RetryPolicy;
use crate::error::{Error, ServiceError};
use crate::redact::redact;
use crate::response::request_id_from;
use crate::retry::server_delay;

/// Attempts in a row without progress before giving up, by default.
const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// The longest wait for response headers or for the next piece of the body, by default.
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The buffer between the network and the `.part` file.
const WRITE_BUFFER: usize = 256 * 1024;
/// The buffer used to hash an existing `.part` file.
const READ_BUFFER: usize = 256 * 1024;
/// The longest `Retry-After` honoured; a longer one is cut to this.
const MAX_SERVER_DELAY: Duration = Duration::from_secs(300);
/// How much of an error response's body is read to find the server's code and message.
const ERROR_BODY_LIMIT: usize = 16 * 1024;
/// The longest server message quoted in an error.
const MAX_QUOTED_CHARS: usize = 300;
/// Response headers that carry the object stores' request ids.
const STORAGE_REQUEST_ID_HEADERS: &[&str] =
    &["x-oss-request-id", "x-obs-request-id", "x-amz-request-id"];

/// Receives the progress of a [`download`], e.g. to drive a progress bar.
///
/// All methods are called from the downloading task, in this order: [`start`](Progress::start)
/// each time a response begins to deliver the file (the first response, and each one after a
/// resume or a restart), [`advance`](Progress::advance) for every piece written,
/// [`restart`](Progress::restart) when the partial file is discarded,
/// [`retrying`](Progress::retrying) before each retry, and [`finish`](Progress::finish) once,
/// after the file is complete and renamed. After `start(already, _)`, `already` plus the sum of
/// the following `advance`s is the number of bytes in the partial file, so a bar is always
/// right if `start` sets its position and `advance` increments it.
///
/// With [indicatif](https://docs.rs/indicatif) (a newtype, since neither trait nor type is the
/// CLI's own):
///
/// ```
/// # mod indicatif {
/// #     pub struct ProgressBar;
/// #     impl ProgressBar {
/// #         pub fn set_length(&self, _: u64) {}
/// #         pub fn set_position(&self, _: u64) {}
/// #         pub fn reset_eta(&self) {}
/// #         pub fn inc(&self, _: u64) {}
/// #         pub fn finish(&self) {}
/// #     }
/// # }
/// struct Bar(indicatif::ProgressBar);
///
/// impl cloud_http::Progress for Bar {
///     fn start(&self, already: u64, total: Option<u64>) {
///         if let Some(total) = total {
///             self.0.set_length(total);
///         }
///         self.0.set_position(already);
///         self.0.reset_eta();
///     }
///     fn advance(&self, bytes: u64) {
///         self.0.inc(bytes);
///     }
///     fn finish(&self) {
///         self.0.finish();
///     }
/// }
///
/// let download = cloud_http::Download::new("https://example.com/b.tar", "b.tar")
///     .with_progress(Bar(indicatif::ProgressBar));
/// # let _ = download;
/// ```
pub trait Progress: Send + Sync {
    /// A response starts delivering the file: `already` bytes are in the partial file (kept from
    /// an earlier run or attempt; not transferred by this response), and the file has `total`
    /// bytes when the server or the API said how many.
    fn start(&self, already: u64, total: Option<u64>);

    /// `bytes` more bytes were written to the partial file.
    fn advance(&self, bytes: u64);

    /// The partial file was discarded (the server ignores ranges, or what was there cannot be
    /// part of the file): the download starts again from zero, and a `start(0, _)` follows.
    fn restart(&self) {}

    /// An attempt failed with `error`; the next one starts after `delay` from the bytes already
    /// written.
    fn retrying(&self, _error: &Error, _delay: Duration) {}

    /// The file is complete, verified, and at its destination.
    fn finish(&self) {}
}

impl<P: Progress + ?Sized> Progress for Arc<P> {
    fn start(&self, already: u64, total: Option<u64>) {
        (**self).start(already, total);
    }
    fn advance(&self, bytes: u64) {
        (**self).advance(bytes);
    }
    fn restart(&self) {
        (**self).restart();
    }
    fn retrying(&self, error: &Error, delay: Duration) {
        (**self).retrying(error, delay);
    }
    fn finish(&self) {
        (**self).finish();
    }
}

/// What to download and how: the link, the destination, the size the API reported, retries,
/// the idle timeout and a progress observer. Build one with [`Download::new`] and the `with_*`
/// setters, then hand it to [`download`].
///
/// `Debug` shows the link's scheme, host and path only: the query string of a signed link
/// (`Signature=`, `Expires=`, `OSSAccessKeyId=`, ...) is a credential.
///
/// ```
/// use std::time::Duration;
/// use cloud_http::Download;
///
/// let download = Download::new("https://bucket.oss-cn-hangzhou.aliyuncs.com/b.tar?Signature=x", "b.tar")
///     .with_expected_size(74_464)
///     .with_max_attempts(8)
///     .with_idle_timeout(Duration::from_secs(30));
/// assert_eq!(download.part_path(), std::path::Path::new("b.tar.part"));
/// assert!(!format!("{download:?}").contains("Signature"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Download {
    /// The link, e.g. a signed OSS or OBS URL. Only `http` and `https` are accepted.
    pub url: String,
    /// Where the file goes. It is written to [`part_path`](Download::part_path) first.
    pub dest: PathBuf,
    /// The file's size as the provider's API reported it, checked too when given.
    pub expected_size: Option<u64>,
    /// Whether an existing file at `dest` may be replaced. Default `false`: the download is
    /// refused. When `true` the old file is removed before the first request, so that a failed
    /// download never leaves it there looking like the new one.
    pub overwrite: bool,
    /// Retries after a dropped connection, a stall, HTTP 429 or 5xx: at most
    /// [`max_attempts`](RetryPolicy::max_attempts) failed attempts in a row, where an attempt
    /// that got further into the file than any before it starts the count again. The backoff
    /// (full jitter, 1 s doubling up to 30 s by default) is [`RetryPolicy::backoff`]. Default 5
    /// attempts.
    pub retry: RetryPolicy,
    /// The longest wait for the response headers, or for the next piece of the body, before the
    /// attempt counts as dropped. Default 60 s. There is no limit on the whole download.
    pub idle_timeout: Duration,
    /// The progress observer, if any.
    pub progress: Option<Arc<dyn Progress>>,
}

impl Download {
    /// A download of `url` to `dest`, with the defaults: no expected size, no overwriting,
    /// 5 attempts without progress, backoff from 1 s to 30 s, 60 s idle timeout, no progress.
    pub fn new(url: impl Into<String>, dest: impl Into<PathBuf>) -> Self {
        Self {
            url: url.into(),
            dest: dest.into(),
            expected_size: None,
            overwrite: false,
            retry: RetryPolicy::default()
                .with_max_attempts(DEFAULT_MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_secs(1))
                .with_max_backoff(Duration::from_secs(30)),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            progress: None,
        }
    }

    /// Sets the size the provider's API reported (`5`, `Some(5)` or `None`).
    pub fn with_expected_size(mut self, size: impl Into<Option<u64>>) -> Self {
        self.expected_size = size.into();
        self
    }

    /// Allows replacing an existing file at the destination.
    pub fn with_overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Sets how many failed attempts in a row (without getting further into the file) end the
    /// download; 1 disables retries.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.retry.max_attempts = max_attempts;
        self
    }

    /// Sets the whole retry policy (attempts and backoff).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the longest wait for the response headers or the next piece of the body.
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets the progress observer.
    pub fn with_progress(mut self, progress: impl Progress + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Where the file is written until it is complete and verified: `dest` with `.part`
    /// appended to its name (`backup.tar` → `backup.tar.part`).
    pub fn part_path(&self) -> PathBuf {
        let mut path = self.dest.clone().into_os_string();
        path.push(".part");
        PathBuf::from(path)
    }
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url =
            Url::parse(&self.url).map_or_else(|_| "<not a URL>".to_owned(), |u| shown_url(&u));
        f.debug_struct("Download")
            .field("url", &url)
            .field("dest", &self.dest)
            .field("expected_size", &self.expected_size)
            .field("overwrite", &self.overwrite)
            .field("retry", &self.retry)
            .field("idle_timeout", &self.idle_timeout)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// A finished download: where the file is, its size and SHA-256, and how it went.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadOutcome {
    /// The destination, now holding the complete file.
    pub path: PathBuf,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Bytes found in the `.part` file from an earlier run when this one started (0 for a fresh
    /// download). They were kept unless [`restarts`](Self::restarts) says otherwise.
    pub resumed_from: u64,
    /// HTTP requests made.
    pub attempts: u32,
    /// Responses that continued the file from a non-zero offset (HTTP 206), the one continuing
    /// an earlier run's `.part` included.
    pub resumes: u32,
    /// Times the partial file was discarded and the download began again from zero.
    pub restarts: u32,
    /// The SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// Whether the size was checked against a size announced by the server (`Content-Length`,
    /// `Content-Range`) or the API ([`Download::expected_size`]). `false` only when neither gave
    /// one and the end of a chunked (or HTTP/2) body was taken as the end of the file.
    pub verified_size: bool,
}

/// Downloads `download.url` to `download.dest`, resuming after faults, in constant memory.
///
/// * **Streaming.** The body goes through a 256 KiB buffer to `<dest>.part`, never into memory
///   whole, and its SHA-256 is computed on the way. An existing `.part` (from an interrupted
///   run) is read and hashed first, then the download resumes after its last byte with
///   `Range: bytes=N-`.
/// * **Resuming.** A dropped connection, a stall longer than the idle timeout, HTTP 429 or 5xx
///   (or a body that ends short of its announced size) is retried after a backoff (or the
///   `Retry-After` the server asked for, up to 5 minutes) with a `Range` request from the bytes
///   already written, and `If-Range` with the file's `ETag` when the server gave a strong one.
///   A 206 whose `Content-Range` starts there is appended; a 200 means the server ignores
///   ranges (or the file changed): the `.part` is truncated and the download restarts from
///   zero. A 416 whose `Content-Range: bytes */T` says the file has exactly the bytes already
///   written means the `.part` is complete; any other 416 restarts from zero, once.
/// * **Verifying.** The bytes written must never exceed, and must in the end equal, the size
///   the server announced (`Content-Length` of a 200, the total of a 206's `Content-Range`)
///   and [`Download::expected_size`] when given; a size that disagrees fails at once. The
///   total changing between two 206 responses means the file on the server changed: that
///   fails too. Those failures are [`ErrorKind::Integrity`](crate::ErrorKind::Integrity)
///   errors, never retried. The `.part` is fsynced, then renamed to `dest`.
/// * **Failing.** 4xx responses (a 403 or 404 on a signed link usually means it has expired)
///   are not retried. After a failure nothing is at `dest`; the `.part` is kept so that running
///   the same download again resumes it, unless it is empty or known to be wrong (more bytes
///   than announced, a complete response of the wrong size, a file that changed), in which case
///   it is removed. The error says which, and, when retries ran out, after how many attempts.
///
/// Use a client without an overall request timeout (e.g.
/// [`Transport::http_client`](crate::Transport::http_client)): a long download would hit it
/// (and resume, but pointlessly). Only one download may write a given `.part` at a time.
///
/// # Errors
///
/// [`Config`](crate::ErrorKind::Config) when `dest` exists (without
/// [`with_overwrite`](Download::with_overwrite)) or is a directory, the URL is invalid, or a
/// setting is zero; [`Io`](crate::ErrorKind::Io) when a local file cannot be read or written;
/// [`Service`](crate::ErrorKind::Service) for an HTTP error status (with
/// [`is_auth`](Error::is_auth) for 401/403, [`is_not_found`](Error::is_not_found) for 404);
/// [`Transport`](crate::ErrorKind::Transport) / [`Timeout`](crate::ErrorKind::Timeout) when
/// the retries ran out on connection faults; [`Integrity`](crate::ErrorKind::Integrity) when a
/// size does not check out; [`Decode`](crate::ErrorKind::Decode) when the server answers a
/// range request with a range it was not asked for. No error shows the link's query string.
///
/// # Tracing
///
/// The download runs in an `info` span `cloud_http.download` (fields `url` — scheme, host and
/// path only —, `dest`, `resumed_from`, `attempts`, `bytes`), each request in a `debug` span
/// `cloud_http.download_attempt` (`attempt`, `offset`, `status`, `delay_ms`); retries and
/// restarts are logged at `info`.
pub async fn download(
    client: &reqwest::Client,
    download: &Download,
) -> Result<DownloadOutcome, Error> {
    let url = Url::parse(&download.url)
        .map_err(|e| Error::config(format!("the download URL is not a valid URL: {e}")))?;
    let shown = shown_url(&url);
    let span = tracing::info_span!(
        "cloud_http.download",
        url = %shown,
        dest = %download.dest.display(),
        resumed_from = Empty,
        attempts = Empty,
        bytes = Empty,
    );
    run(client, download, url, shown, span.clone())
        .instrument(span)
        .await
}

async fn run(
    client: &reqwest::Client,
    download: &Download,
    url: Url,
    shown: String,
    span: tracing::Span,
) -> Result<DownloadOutcome, Error> {
    validate(download, &url)?;
    prepare_dest(&download.dest, download.overwrite).await?;
    let part = Part::open(download.part_path()).await?;
    let mut run = Run {
        client,
        download,
        url,
        shown,
        span,
        part,
        resumed_from: 0,
        attempts: 0,
        resumes: 0,
        restarts: 0,
        known_total: None,
        etag: None,
        restarted_after_416: false,
        corrupt: false,
    };
    match run.transfer().await {
        Ok(verified) => run.finish(verified).await,
        Err(error) => Err(run.fail(error).await),
    }
}

fn validate(download: &Download, url: &Url) -> Result<(), Error> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "the download URL must be http or https, not {}",
            url.scheme()
        )));
    }
    if download.retry.max_attempts == 0 {
        return Err(Error::config(
            "the download's retry policy must allow at least one attempt",
        ));
    }
    if download.idle_timeout.is_zero() {
        return Err(Error::config(
            "the download's idle timeout must be longer than zero",
        ));
    }
    if download.dest.file_name().is_none() {
        return Err(Error::config(format!(
            "the download destination {} does not name a file",
            download.dest.display()
        )));
    }
    Ok(())
}

/// Refuses an existing destination, or removes it when overwriting is allowed.
async fn prepare_dest(dest: &Path, overwrite: bool) -> Result<(), Error> {
    match tokio::fs::symlink_metadata(dest).await {
        Ok(meta) if meta.is_dir() => Err(Error::config(format!(
            "the download destination {} is a directory; give the path of the file to write",
            dest.display()
        ))),
        Ok(_) if !overwrite => Err(Error::config(format!(
            "{} already exists; not overwriting it (remove it, or allow overwriting)",
            dest.display()
        ))),
        Ok(_) => tokio::fs::remove_file(dest)
            .await
            .map_err(|e| Error::io(format!("could not remove {}", dest.display()), e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(
            format!("could not inspect {}", dest.display()),
            e,
        )),
    }
}

/// The partial file: a buffered writer at its end, and the hash and length of what it holds.
struct Part {
    path: PathBuf,
    file: BufWriter<File>,
    hasher: Sha256,
    len: u64,
}

impl Part {
    /// Opens (or creates) the `.part` file and hashes what it already holds, reading it through
    /// a fixed buffer; the write position is left at its end.
    async fn open(path: PathBuf) -> Result<Self, Error> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .await
            .map_err(|e| Error::io(format!("could not open {}", path.display()), e))?;
        let mut hasher = Sha256::new();
        let mut len = 0u64;
        let mut buffer = vec![0u8; READ_BUFFER];
        loop {
            let n = file
                .read(&mut buffer)
                .await
                .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            len += n as u64;
        }
        Ok(Self {
            path,
            file: BufWriter::with_capacity(WRITE_BUFFER, file),
            hasher,
            len,
        })
    }

    fn io_error(&self, what: &str, error: io::Error) -> Error {
        Error::io(format!("could not {what} {}", self.path.display()), error)
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        if let Err(e) = self.file.write_all(data).await {
            return Err(self.io_error("write", e));
        }
        self.hasher.update(data);
        self.len += data.len() as u64;
        Ok(())
    }

    /// Hands the buffered bytes to the file, so that the file holds exactly `len` bytes.
    async fn flush(&mut self) -> Result<(), Error> {
        match self.file.flush().await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.io_error("write", e)),
        }
    }

    /// Empties the file: the download starts again from zero.
    async fn truncate(&mut self) -> Result<(), Error> {
        self.flush().await?;
        let file = self.file.get_mut();
        let result = match file.set_len(0).await {
            Ok(()) => file.seek(SeekFrom::Start(0)).await.map(drop),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            return Err(self.io_error("truncate", e));
        }
        self.hasher = Sha256::new();
        self.len = 0;
        Ok(())
    }

    /// Flushes and fsyncs the file, closes it, and returns the hex SHA-256 of its content.
    async fn finish(mut self) -> Result<String, Error> {
        self.flush().await?;
        if let Err(e) = self.file.get_ref().sync_all().await {
            return Err(self.io_error("sync", e));
        }
        drop(self.file);
        Ok(hex(&self.hasher.finalize()))
    }
}

/// How one attempt ended, when it did not fail.
enum Step {
    /// The file is complete; `verified` when a size confirmed it.
    Complete { verified: bool },
    /// Ask again at once, from the bytes now written (no failure, no backoff).
    Again,
}

/// The state of one call of [`download`].
struct Run<'a> {
    client: &'a reqwest::Client,
    download: &'a Download,
    url: Url,
    shown: String,
    span: tracing::Span,
    part: Part,
    resumed_from: u64,
    attempts: u32,
    resumes: u32,
    restarts: u32,
    /// The file's total size as a response of this run announced it.
    known_total: Option<u64>,
    /// The file's strong `ETag`, sent as `If-Range` when resuming.
    etag: Option<HeaderValue>,
    restarted_after_416: bool,
    /// The `.part` holds bytes known to be wrong: remove it on failure.
    corrupt: bool,
}

impl Run<'_> {
    fn progress(&self) -> Option<&dyn Progress> {
        self.download.progress.as_deref()
    }

    /// Requests until the file is complete, or a failure is final.
    async fn transfer(&mut self) -> Result<bool, Error> {
        if let Some(expected) = self.download.expected_size
            && self.part.len > expected
        {
            tracing::info!(
                part_bytes = self.part.len,
                expected,
                "the partial file is longer than the expected size: starting again from zero"
            );
            self.restart().await?;
        }
        self.resumed_from = self.part.len;
        self.span.record("resumed_from", self.resumed_from);
        let max_attempts = self.download.retry.max_attempts;
        let mut failures = 0u32;
        let mut furthest = self.part.len;
        loop {
            self.attempts += 1;
            self.span.record("attempts", self.attempts);
            let attempt_span = tracing::debug_span!(
                "cloud_http.download_attempt",
                attempt = self.attempts,
                offset = self.part.len,
                status = Empty,
                delay_ms = Empty,
            );
            let result = self
                .attempt(&attempt_span)
                .instrument(attempt_span.clone())
                .await;
            if self.part.len > furthest {
                furthest = self.part.len;
                failures = 0;
            }
            let error = match result {
                Ok(Step::Complete { verified }) => return Ok(verified),
                Ok(Step::Again) => continue,
                Err(error) => error,
            };
            failures += 1;
            let attempts = self.attempts;
            let error = error.with_attempts(attempts);
            if !error.is_retryable() {
                return Err(error);
            }
            if failures >= max_attempts {
                let plural = if attempts == 1 { "" } else { "s" };
                return Err(error.with_note(&format!("gave up after {attempts} attempt{plural}")));
            }
            let delay = error.retry_after().map_or_else(
                || self.download.retry.backoff(failures),
                |asked| asked.min(MAX_SERVER_DELAY),
            );
            attempt_span.record("delay_ms", delay.as_millis());
            attempt_span.in_scope(|| {
                tracing::info!(
                    error = %error,
                    offset = self.part.len,
                    delay_ms = delay.as_millis(),
                    "download interrupted; resuming after a delay"
                );
            });
            if let Some(progress) = self.progress() {
                progress.retrying(&error, delay);
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// One request, and the response streamed to the `.part` file.
    async fn attempt(&mut self, span: &tracing::Span) -> Result<Step, Error> {
        let offset = self.part.len;
        // Identity: a compressed body would not match Content-Length or the range offsets.
        let mut request = self
            .client
            .get(self.url.clone())
            .header(header::ACCEPT_ENCODING, "identity");
        if offset > 0 {
            request = request.header(header::RANGE, format!("bytes={offset}-"));
            if let Some(etag) = &self.etag {
                request = request.header(header::IF_RANGE, etag.clone());
            }
        }
        tracing::debug!(offset, "requesting");
        let idle = self.download.idle_timeout;
        let response = match tokio::time::timeout(idle, request.send()).await {
            Ok(response) => response?,
            Err(_) => {
                return Err(Error::timeout(format!(
                    "the server sent no response within {idle:?}"
                )));
            }
        };
        let status = response.status();
        span.record("status", status.as_u16());
        match status {
            StatusCode::OK => self.whole(response, offset).await,
            StatusCode::PARTIAL_CONTENT => self.partial(response, offset).await,
            StatusCode::RANGE_NOT_SATISFIABLE => self.not_satisfiable(&response, offset).await,
            _ if status.is_success() => Err(Error::decode_at(
                format!(
                    "the server answered the download of {} with HTTP {status}, not 200 or 206",
                    self.shown
                ),
                None,
                status.as_u16(),
                None,
                None,
            )),
            _ => Err(refused(response, &self.shown, idle).await),
        }
    }

    /// HTTP 200: the whole file from byte zero.
    async fn whole(&mut self, response: Response, offset: u64) -> Result<Step, Error> {
        let total = content_length(response.headers());
        self.check_total(total)?;
        if offset > 0 {
            tracing::info!(
                offset,
                "the server ignored the range request and sent the whole file: starting again \
                 from zero"
            );
            self.restart().await?;
        }
        self.known_total = total;
        self.etag = strong_etag(response.headers());
        let framed = total.is_none()
            && (response.version() >= Version::HTTP_2 || is_chunked(response.headers()));
        self.stream(response, total, None, framed).await
    }

    /// HTTP 206: the file from the offset asked for, if that is what the server sent.
    async fn partial(&mut self, response: Response, offset: u64) -> Result<Step, Error> {
        let status = response.status().as_u16();
        let range = content_range(response.headers());
        let Some(ContentRange {
            range: Some((start, end)),
            total,
        }) = range
        else {
            return Err(Error::decode_at(
                format!(
                    "the server answered HTTP 206 for {} without a valid Content-Range",
                    self.shown
                ),
                None,
                status,
                None,
                None,
            ));
        };
        if start != offset {
            return Err(Error::decode_at(
                format!(
                    "asked for {} from byte {offset}, the server sent bytes {start}-{end}",
                    self.shown
                ),
                None,
                status,
                None,
                None,
            ));
        }
        let length = end - start + 1;
        if let Some(declared) = content_length(response.headers())
            && declared != length
        {
            return Err(Error::decode_at(
                format!(
                    "the server sent bytes {start}-{end} of {} ({length} bytes) with a \
                     Content-Length of {declared}",
                    self.shown
                ),
                None,
                status,
                None,
                None,
            ));
        }
        if let (Some(before), Some(now)) = (self.known_total, total)
            && before != now
        {
            self.corrupt = true;
            return Err(Error::integrity(format!(
                "{} changed on the server during the download: it had {before} bytes, now \
                 {now}",
                self.shown
            )));
        }
        self.check_total(total)?;
        if total.is_some() {
            self.known_total = total;
        }
        if self.etag.is_none() {
            self.etag = strong_etag(response.headers());
        }
        if offset > 0 {
            self.resumes += 1;
        }
        self.stream(response, self.known_total, Some(end + 1), true)
            .await
    }

    /// HTTP 416: complete if the server's total is what we have, else start again (once).
    async fn not_satisfiable(&mut self, response: &Response, offset: u64) -> Result<Step, Error> {
        let total = content_range(response.headers()).and_then(|r| r.total);
        if offset > 0 && total == Some(offset) {
            self.check_total(total)?;
            tracing::debug!(offset, "the partial file is already complete");
            if let Some(progress) = self.progress() {
                progress.start(offset, total);
            }
            return Ok(Step::Complete { verified: true });
        }
        let said = total.map_or_else(String::new, |t| format!(" (the file has {t} bytes)"));
        if self.restarted_after_416 {
            return Err(Error::decode_at(
                format!(
                    "the server refused the range request for {} from byte {offset}{said} again \
                     after a restart",
                    self.shown
                ),
                None,
                response.status().as_u16(),
                None,
                None,
            ));
        }
        tracing::info!(
            offset,
            total,
            "the server cannot serve the rest of the partial file: starting again from zero"
        );
        self.restarted_after_416 = true;
        self.restart().await?;
        Ok(Step::Again)
    }

    /// Fails when a total the server announced disagrees with the size the API reported.
    fn check_total(&self, total: Option<u64>) -> Result<(), Error> {
        match (total, self.download.expected_size) {
            (Some(total), Some(expected)) if total != expected => Err(Error::integrity(format!(
                "expected {expected} bytes (the size the API reported), got a file of {total} \
                     bytes from the server ({})",
                self.shown
            ))),
            _ => Ok(()),
        }
    }

    /// Discards the partial file.
    async fn restart(&mut self) -> Result<(), Error> {
        self.part.truncate().await?;
        self.restarts += 1;
        self.known_total = None;
        self.etag = None;
        if let Some(progress) = self.progress() {
            progress.restart();
        }
        Ok(())
    }

    /// Writes the body to the `.part` file. `total`: the file's size the server announced;
    /// `range_end`: where a 206's range ends; `framed`: the body's clean end is reliable
    /// (chunked, HTTP/2, or a range with a Content-Length).
    async fn stream(
        &mut self,
        mut response: Response,
        total: Option<u64>,
        range_end: Option<u64>,
        framed: bool,
    ) -> Result<Step, Error> {
        let expected = self.download.expected_size;
        let limit = [total, expected, range_end].into_iter().flatten().min();
        if let Some(progress) = self.progress() {
            progress.start(self.part.len, total.or(expected));
        }
        let started_at = self.part.len;
        let idle = self.download.idle_timeout;
        loop {
            let chunk = match tokio::time::timeout(idle, response.chunk()).await {
                Ok(Ok(Some(chunk))) => chunk,
                Ok(Ok(None)) => break,
                Ok(Err(error)) => {
                    self.part.flush().await?;
                    return Err(Error::from(error));
                }
                Err(_) => {
                    self.part.flush().await?;
                    return Err(Error::timeout(format!(
                        "no data arrived for {idle:?} after {} bytes",
                        self.part.len
                    )));
                }
            };
            let size = chunk.len() as u64;
            if let Some(limit) = limit
                && self.part.len + size > limit
            {
                self.corrupt = true;
                return Err(Error::integrity(format!(
                    "expected {limit} bytes, got more: {} ({})",
                    self.part.len + size,
                    self.sizes_said()
                )));
            }
            self.part.write(&chunk).await?;
            if let Some(progress) = self.progress() {
                progress.advance(size);
            }
        }
        self.part.flush().await?;
        let len = self.part.len;
        let received = len - started_at;
        if let Some(total) = total {
            if len == total {
                return Ok(Step::Complete { verified: true });
            }
            if range_end == Some(len) && received > 0 {
                // A shorter range than asked for: ask for the rest.
                return Ok(Step::Again);
            }
            return Err(Error::transport(format!(
                "the server ended the response after {len} of {total} bytes"
            )));
        }
        if range_end.is_some() {
            // A 206 of unknown total (`bytes N-M/*`).
            return match expected {
                Some(expected) if len < expected && received > 0 => Ok(Step::Again),
                Some(expected) if len < expected => Err(Error::transport(format!(
                    "the server ended the response after {len} of {expected} bytes"
                ))),
                _ => Ok(Step::Complete {
                    verified: expected.is_some(),
                }),
            };
        }
        // A 200 without Content-Length.
        match expected {
            Some(expected) if len == expected => Ok(Step::Complete { verified: true }),
            Some(expected) if framed => {
                self.corrupt = true;
                Err(Error::integrity(format!(
                    "expected {expected} bytes (the size the API reported), got a complete \
                     file of {len} bytes from the server ({})",
                    self.shown
                )))
            }
            Some(expected) => Err(Error::transport(format!(
                "the connection closed after {len} of {expected} bytes"
            ))),
            None if framed => Ok(Step::Complete { verified: false }),
            None => Err(Error::integrity(format!(
                "the server sent {} without a size and ended it by closing the connection, \
                 which cannot be told from a dropped connection; {len} bytes arrived",
                self.shown
            ))),
        }
    }

    /// Which sizes were announced, for an error message.
    fn sizes_said(&self) -> String {
        let mut said = Vec::new();
        if let Some(total) = self.known_total {
            said.push(format!("the server announced {total}"));
        }
        if let Some(expected) = self.download.expected_size {
            said.push(format!("the API reported {expected}"));
        }
        if said.is_empty() {
            said.push("a range response".to_owned());
        }
        format!("{}; {}", said.join(", "), self.shown)
    }

    /// Fsyncs the complete `.part` and renames it to the destination.
    async fn finish(self, verified: bool) -> Result<DownloadOutcome, Error> {
        let len = self.part.len;
        if let Some(expected) = self.download.expected_size
            && len != expected
        {
            let error = Error::integrity(format!(
                "expected {expected} bytes (the size the API reported), got {len} ({})",
                self.shown
            ));
            return Err(self.fail(error).await);
        }
        let dest = &self.download.dest;
        let part_path = self.part.path.clone();
        let sha256 = self.part.finish().await?;
        if !self.download.overwrite && tokio::fs::symlink_metadata(dest).await.is_ok() {
            return Err(Error::config(format!(
                "{} appeared during the download; not overwriting it (the complete download is \
                 in {})",
                dest.display(),
                part_path.display()
            )));
        }
        tokio::fs::rename(&part_path, dest).await.map_err(|e| {
            Error::io(
                format!(
                    "could not rename {} to {}",
                    part_path.display(),
                    dest.display()
                ),
                e,
            )
        })?;
        sync_parent(dest).await;
        self.span.record("bytes", len);
        tracing::info!(bytes = len, attempts = self.attempts, "download complete");
        if let Some(progress) = self.download.progress.as_deref() {
            progress.finish();
        }
        Ok(DownloadOutcome {
            path: dest.clone(),
            bytes: len,
            resumed_from: self.resumed_from,
            attempts: self.attempts,
            resumes: self.resumes,
            restarts: self.restarts,
            sha256,
            verified_size: verified || self.download.expected_size.is_some(),
        })
    }

    /// Keeps the `.part` for a later resume, or removes it when empty or known to be wrong, and
    /// says which in the error.
    async fn fail(mut self, error: Error) -> Error {
        // Best effort: the bytes already hashed are worth keeping; a failure here only means
        // fewer of them are on disk, which the next run reads as they are.
        let _ = self.part.flush().await;
        let len = self.part.len;
        let path = self.part.path.clone();
        drop(self.part);
        if self.corrupt || len == 0 {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(error = %e, path = %path.display(), "could not remove the partial file");
                }
            }
            if self.corrupt {
                return error
                    .with_note(&format!("the partial file {} was removed", path.display()));
            }
            return error;
        }
        error.with_note(&format!(
            "the {len} bytes downloaded so far are kept in {}: running the same download again \
             resumes from there",
            path.display()
        ))
    }
}

/// Fsyncs the directory holding `path`, so the rename survives a crash (Unix only; elsewhere
/// directories cannot be opened for this and the rename is left to the file system).
async fn sync_parent(path: &Path) {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if let Ok(dir) = File::open(parent).await {
            let _ = dir.sync_all().await;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The error for an HTTP error status: the server's code and message (from an OSS/OBS/S3 XML
/// error body), its request id, and what a refused signed link usually means.
async fn refused(mut response: Response, shown: &str, idle: Duration) -> Error {
    let status = response.status().as_u16();
    let headers = response.headers();
    let delay = server_delay(headers, OffsetDateTime::now_utc());
    let mut request_id = STORAGE_REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| header_text(headers, name))
        .or_else(|| request_id_from(headers))
        .map(str::to_owned);
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_LIMIT {
        match tokio::time::timeout(idle, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&body);
    let code = xml_element(&text, "Code");
    if request_id.is_none() {
        request_id = xml_element(&text, "RequestId");
    }
    // The server's own words go last: redaction runs to the end of a signature it echoes.
    let said =
        xml_element(&text, "Message").map_or_else(String::new, |m| format!("; it said: {m}"));
    let message = if matches!(status, 401 | 403 | 404 | 410) {
        format!(
            "the server refused to send {shown}: a signed download link (OSS, OBS) is refused \
             like this once it has expired, so get a new link and run again{said}"
        )
    } else {
        format!("the server could not send {shown}{said}")
    };
    let mut service = ServiceError::new().with_message(message);
    if let Some(code) = code {
        service = service.with_code(code);
    }
    if let Some(request_id) = request_id {
        service = service.with_request_id(request_id);
    }
    Error::service(Some(status), service).with_retry_after(delay)
}

/// Scheme, host, port and path of `url`: never its query string (signatures, expiry, access key
/// ids) nor its user info.
fn shown_url(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    let port = url.port().map_or_else(String::new, |p| format!(":{p}"));
    redact(&format!("{}://{host}{port}{}", url.scheme(), url.path()))
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    header_text(headers, header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse().ok())
}

fn is_chunked(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::TRANSFER_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("chunked"))
}

/// A strong `ETag` (a weak one, `W/"..."`, cannot be used with `If-Range`).
fn strong_etag(headers: &HeaderMap) -> Option<HeaderValue> {
    headers
        .get(header::ETAG)
        .filter(|v| v.to_str().is_ok_and(|s| s.starts_with('"')))
        .cloned()
}

/// A parsed `Content-Range: bytes <start>-<end>/<total>` (either part may be `*`).
#[derive(Debug, PartialEq, Eq)]
struct ContentRange {
    range: Option<(u64, u64)>,
    total: Option<u64>,
}

fn content_range(headers: &HeaderMap) -> Option<ContentRange> {
    parse_content_range(header_text(headers, header::CONTENT_RANGE.as_str())?)
}

fn parse_content_range(value: &str) -> Option<ContentRange> {
    let (unit, spec) = value.trim().split_once(' ')?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (range, total) = spec.trim().split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        total => Some(total.parse::<u64>().ok()?),
    };
    let range = match range.trim() {
        "*" => None,
        range => {
            let (start, end) = range.split_once('-')?;
            let start = start.trim().parse::<u64>().ok()?;
            let end = end.trim().parse::<u64>().ok()?;
            if end < start || total.is_some_and(|total| end >= total) {
                return None;
            }
            Some((start, end))
        }
    };
    if range.is_none() && total.is_none() {
        return None;
    }
    Some(ContentRange { range, total })
}

/// The text of the first `<name>...</name>` in an XML error body, trimmed and shortened.
fn xml_element(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&close)?;
    let value = text[start..end].trim();
    if value.is_empty() {
        return None;
    }
    let mut shortened: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    if shortened.len() < value.len() {
        shortened.push('…');
    }
    Some(shortened)
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(
            parse_content_range("bytes 100-199/300"),
            Some(ContentRange {
                range: Some((100, 199)),
                total: Some(300)
            })
        );
        assert_eq!(
            parse_content_range("bytes */300"),
            Some(ContentRange {
                range: None,
                total: Some(300)
            })
        );
        assert_eq!(
            parse_content_range("Bytes 0-9/*"),
            Some(ContentRange {
                range: Some((0, 9)),
                total: None
            })
        );
        for bad in [
            "",
            "bytes",
            "bytes */*",
            "bytes 5-4/10",
            "bytes 0-10/10",
            "items 0-1/2",
            "bytes 0-x/10",
            "bytes 0-9",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn shown_urls_have_no_query_and_no_user_info() {
        let url = Url::parse(
            "https://ak:secret@bucket.oss-cn-hangzhou.aliyuncs.com:8443/dir/b.tar.gz?\
             Expires=1700000000&OSSAccessKeyId=LTAI5t&Signature=abc%2Bdef",
        )
        .unwrap();
        assert_eq!(
            shown_url(&url),
            "https://bucket.oss-cn-hangzhou.aliyuncs.com:8443/dir/b.tar.gz"
        );
        let download = Download::new(url.as_str(), "b.tar.gz");
        let debug = format!("{download:?}");
        for secret in ["LTAI5t", "abc%2Bdef", "1700000000", "secret"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(format!("{:?}", Download::new("not a url", "x")).contains("<not a URL>"));
    }

    #[test]
    fn xml_error_bodies() {
        let body = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>\
                    <Message>Request has expired.</Message><RequestId>5C3D</RequestId></Error>";
        assert_eq!(xml_element(body, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(
            xml_element(body, "Message").as_deref(),
            Some("Request has expired.")
        );
        assert_eq!(xml_element(body, "RequestId").as_deref(), Some("5C3D"));
        assert_eq!(xml_element(body, "HostId"), None);
        assert_eq!(xml_element("<Code> </Code>", "Code"), None);
        assert_eq!(xml_element("<html>oops</html>", "Code"), None);
        let long = format!("<Message>{}</Message>", "é".repeat(400));
        let quoted = xml_element(&long, "Message").unwrap();
        assert_eq!(quoted.chars().count(), MAX_QUOTED_CHARS + 1);
    }

    #[test]
    fn part_path_appends_to_the_name() {
        assert_eq!(
            Download::new("http://h/f", "/tmp/backup.tar.gz").part_path(),
            PathBuf::from("/tmp/backup.tar.gz.part")
        );
    }

    #[test]
    fn hex_and_etags() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_static("W/\"weak\""));
        assert_eq!(strong_etag(&headers), None);
        headers.insert(header::ETAG, HeaderValue::from_static("\"5B3C1A2E\""));
        assert_eq!(
            strong_etag(&headers),
            Some(HeaderValue::from_static("\"5B3C1A2E\""))
        );
    }

    #[test]
    fn defaults_and_setters() {
        let download = Download::new("http://h/f", "f");
        assert_eq!(download.retry.max_attempts, DEFAULT_MAX_ATTEMPTS);
        assert_eq!(download.idle_timeout, DEFAULT_IDLE_TIMEOUT);
        assert!(!download.overwrite);
        assert_eq!(download.expected_size, None);
        let download = download
            .with_expected_size(5)
            .with_overwrite(true)
            .with_max_attempts(2)
            .with_idle_timeout(Duration::from_secs(1));
        assert_eq!(download.expected_size, Some(5));
        assert!(download.overwrite);
        assert_eq!(download.retry.max_attempts, 2);
        assert_eq!(download.with_expected_size(None).expected_size, None);
    }
}
