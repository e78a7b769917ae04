//! Resumable, verified, constant-memory downloads of (signed) links: [`download`].
//!
//! The file is streamed to `<dest>.part` through a small buffer while its checksums are
//! computed, resumed with `Range` requests after faults (only when a resume record proves the
//! partial bytes belong to the same object), checked against every size and checksum the
//! server and the API announced, fsynced, and only then renamed over `<dest>` in one step.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::header;
use reqwest::{Response, StatusCode, Url, Version};
use tracing::Instrument;
use tracing::field::Empty;

use crate::config::RetryPolicy;
use crate::error::Error;

mod checks;
mod part;
mod record;
mod wire;

pub use checks::{Check, ChecksumKind, ExpectedChecksum, OSS_CRC64_HEADER, checks_summary};

use checks::Digests;
use part::{Found, Part, inspect, remove_quietly, sync_parent};
use record::{RangeProgress, RecordedChecksum, ResumeRecord};
use wire::{
    ContentRange, Refusal, content_length, content_range, if_range, is_chunked, last_modified,
    refused, shown_url, strong_etag,
};

/// Attempts in a row without progress before giving up, by default.
const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// The longest wait for response headers or for the next piece of the body, by default.
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// New links asked for after the link expired, by default.
const DEFAULT_MAX_REFRESHES: u32 = 3;
/// The longest `Retry-After` honoured; a longer one is cut to this.
const MAX_SERVER_DELAY: Duration = Duration::from_secs(300);
/// Times the download starts again because the object on the server changed, before failing.
const MAX_CHANGE_RESTARTS: u32 = 2;

/// Receives the progress of a [`download`], e.g. to drive a progress bar.
///
/// All methods are called from the downloading task, in this order: [`start`](Progress::start)
/// each time a response begins to deliver the file (the first response, and each one after a
/// resume or a restart), [`advance`](Progress::advance) for every piece written,
/// [`restart`](Progress::restart) when the partial file is discarded,
/// [`retrying`](Progress::retrying) before each retry, [`refreshing`](Progress::refreshing)
/// when an expired link is replaced, and [`finish`](Progress::finish) once, after the file is
/// complete, verified and renamed. After `start(already, _)`, `already` plus the sum of the
/// following `advance`s is the number of bytes in the partial file, so a bar is always right
/// if `start` sets its position and `advance` increments it.
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

    /// The link expired; a new one is being asked for (the `n`-th), and the download resumes
    /// from the bytes already written.
    fn refreshing(&self, _n: u32) {}

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
    fn refreshing(&self, n: u32) {
        (**self).refreshing(n);
    }
    fn finish(&self) {
        (**self).finish();
    }
}

/// Gets a new signed link to the same file when the one being downloaded has expired, e.g. by
/// asking the provider's API again. Any `Fn() -> impl Future<Output = Result<String, Error>>`
/// is one.
///
/// ```
/// use cloud_http::{Download, Error};
///
/// let download = Download::new("https://bucket.example.com/b.tar?Expires=1&Signature=s", "b.tar")
///     .with_refresh(|| async { Ok::<_, Error>("https://bucket.example.com/b.tar?Expires=2&Signature=t".to_owned()) });
/// assert!(format!("{download:?}").contains("refresh: true"));
/// ```
pub trait RefreshLink: Send + Sync {
    /// A fresh link to the same file.
    fn refresh(&self) -> BoxFuture<'_, Result<String, Error>>;
}

impl<F, Fut> RefreshLink for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<String, Error>> + Send + 'static,
{
    fn refresh(&self) -> BoxFuture<'_, Result<String, Error>> {
        Box::pin(self())
    }
}

/// What to download and how: the link, the destination, what the file must be (sizes,
/// checksums, identity), retries, the idle timeout, a link refresher and a progress observer.
/// Build one with [`Download::new`] and the `with_*` setters, then hand it to [`download`].
///
/// `Debug` shows the link's scheme, host and path only: the query string of a signed link
/// (`Signature=`, `Expires=`, `OSSAccessKeyId=`, ...) is a credential.
///
/// ```
/// use std::time::Duration;
/// use cloud_http::{Download, ExpectedChecksum};
///
/// let download = Download::new("https://bucket.oss-cn-hangzhou.aliyuncs.com/b.tar?Signature=x", "b.tar")
///     .with_expected_size(74_464)
///     .with_checksum(ExpectedChecksum::crc64(11_051_210_869_376_104_954, "DescribeBackups Checksum"))
///     .with_identity("backup_id", "321020562")
///     .with_max_attempts(8)
///     .with_idle_timeout(Duration::from_secs(30));
/// assert_eq!(download.part_path(), std::path::Path::new("b.tar.part"));
/// assert_eq!(download.resume_record_path(), std::path::Path::new("b.tar.part.resume"));
/// assert!(!format!("{download:?}").contains("Signature"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Download {
    /// The link, e.g. a signed OSS or OBS URL. Only `http` and `https` are accepted.
    pub url: String,
    /// Where the file goes. It is written to [`part_path`](Download::part_path) first.
    pub dest: PathBuf,
    /// The file's size as the provider's API reported it, checked exactly when given.
    pub expected_size: Option<u64>,
    /// Bounds the file's size must lie within (inclusive), when the API reports a rounded size
    /// (Huawei Cloud's kB). Checked against the server's `Content-Length` / `Content-Range`
    /// before the body is read, and against the bytes received.
    pub size_between: Option<(u64, u64)>,
    /// Checksums the file must have (from the API); the server's own (`x-oss-hash-crc64ecma`,
    /// `Content-MD5`, an MD5 `ETag` with [`etag_is_md5`](Self::etag_is_md5)) are added to these
    /// as responses state them.
    pub checksums: Vec<ExpectedChecksum>,
    /// Whether the server's `ETag` is the MD5 of the object when it is 32 hex digits with no
    /// multipart `-N` suffix and the response does not say the object is encrypted on the
    /// server (Huawei Cloud OBS). Default `false`: OSS ETags of appendable objects are not MD5s.
    pub etag_is_md5: bool,
    /// What the file is (e.g. provider, instance, backup id, file name), kept in the resume
    /// record: a `.part` is resumed only by a download with the same identity and the same link
    /// (without its query string).
    pub identity: BTreeMap<String, String>,
    /// Whether an existing file at `dest` may be replaced. Default `false`: the download is
    /// refused. When `true` the old file stays until the new one is complete and verified,
    /// then one rename replaces it; a failed download leaves it untouched.
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
    /// Gets a new link when this one has expired, if any.
    pub refresh: Option<Arc<dyn RefreshLink>>,
    /// How many new links may be asked for in one download. Default 3.
    pub max_refreshes: u32,
    /// The progress observer, if any.
    pub progress: Option<Arc<dyn Progress>>,
}

impl Download {
    /// A download of `url` to `dest`, with the defaults: no expected size or checksum, no
    /// identity, no overwriting, 5 attempts without progress, backoff from 1 s to 30 s, 60 s
    /// idle timeout, no link refresher, no progress.
    pub fn new(url: impl Into<String>, dest: impl Into<PathBuf>) -> Self {
        Self {
            url: url.into(),
            dest: dest.into(),
            expected_size: None,
            size_between: None,
            checksums: Vec::new(),
            etag_is_md5: false,
            identity: BTreeMap::new(),
            overwrite: false,
            retry: RetryPolicy::default()
                .with_max_attempts(DEFAULT_MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_secs(1))
                .with_max_backoff(Duration::from_secs(30)),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            refresh: None,
            max_refreshes: DEFAULT_MAX_REFRESHES,
            progress: None,
        }
    }

    /// Sets the size the provider's API reported (`5`, `Some(5)` or `None`).
    pub fn with_expected_size(mut self, size: impl Into<Option<u64>>) -> Self {
        self.expected_size = size.into();
        self
    }

    /// Sets inclusive bounds for the file's size (for a size the API reports rounded).
    pub fn with_size_between(mut self, min: u64, max: u64) -> Self {
        self.size_between = Some((min.min(max), min.max(max)));
        self
    }

    /// Adds a checksum the file must have.
    pub fn with_checksum(mut self, checksum: ExpectedChecksum) -> Self {
        self.checksums.push(checksum);
        self
    }

    /// Takes the server's plain-MD5 `ETag`s as the file's MD5 (Huawei Cloud OBS).
    pub fn with_etag_md5(mut self, etag_is_md5: bool) -> Self {
        self.etag_is_md5 = etag_is_md5;
        self
    }

    /// Adds one field of the file's identity (`provider`, `backup_id`, `file`, ...).
    pub fn with_identity(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.identity.insert(name.into(), value.into());
        self
    }

    /// Allows replacing an existing file at the destination (atomically, once the new one is
    /// verified).
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

    /// Sets what gets a new link when this one expires.
    pub fn with_refresh(mut self, refresh: impl RefreshLink + 'static) -> Self {
        self.refresh = Some(Arc::new(refresh));
        self
    }

    /// Sets how many new links one download may ask for.
    pub fn with_max_refreshes(mut self, max_refreshes: u32) -> Self {
        self.max_refreshes = max_refreshes;
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

    /// The resume record beside the `.part` (`backup.tar.part.resume`): a small JSON file that
    /// says which object the partial bytes belong to.
    pub fn resume_record_path(&self) -> PathBuf {
        record::record_path(&self.part_path())
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
            .field("size_between", &self.size_between)
            .field("checksums", &self.checksums)
            .field("etag_is_md5", &self.etag_is_md5)
            .field("identity", &self.identity)
            .field("overwrite", &self.overwrite)
            .field("retry", &self.retry)
            .field("idle_timeout", &self.idle_timeout)
            .field("refresh", &self.refresh.is_some())
            .field("max_refreshes", &self.max_refreshes)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// A finished download: where the file is, its size and checksums, what was verified, and how
/// it went.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadOutcome {
    /// The destination, now holding the complete file.
    pub path: PathBuf,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Bytes kept from an earlier run's `.part` when this one started (0 for a fresh download,
    /// or when the `.part` could not be proved to belong to this file and was discarded).
    pub resumed_from: u64,
    /// HTTP requests made.
    pub attempts: u32,
    /// Responses that continued the file from a non-zero offset (HTTP 206), the one continuing
    /// an earlier run's `.part` included.
    pub resumes: u32,
    /// Times partial bytes were discarded and the download began again from zero (an
    /// unprovable `.part` at the start included).
    pub restarts: u32,
    /// New links asked for after the link expired.
    pub refreshes: u32,
    /// The SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// The CRC-64/XZ of the whole file.
    pub crc64: u64,
    /// What the file was checked against, in order: `size`, `crc64`, `md5`, `sha256` (see
    /// [`checks_summary`]).
    pub checks: Vec<Check>,
    /// Advisory checks that did not match (the file was kept), for people to read.
    pub notes: Vec<String>,
    /// Whether the size was checked against a size announced by the server (`Content-Length`,
    /// `Content-Range`) or the API ([`Download::expected_size`]). `false` only when neither gave
    /// one and the end of a chunked (or HTTP/2) body was taken as the end of the file.
    pub verified_size: bool,
}

/// Downloads `download.url` to `download.dest`, resuming after faults, in constant memory.
///
/// * **Streaming.** The body goes through a 256 KiB buffer to `<dest>.part`, never into memory
///   whole, and its SHA-256 and CRC-64 (and MD5, when one is expected) are computed on the
///   way: no second read of the file.
/// * **Resuming only the same object.** A resume record beside the `.part`
///   ([`resume_record_path`](Download::resume_record_path)) names the object the partial bytes
///   belong to: the [identity](Download::identity), the link without its query string, the
///   `ETag` / `Last-Modified`, the total size and the server's checksums. An existing `.part`
///   is resumed only when its record matches (its bytes are then read once to prime the
///   hashers) and only with `If-Range`; otherwise it is emptied and the download starts from
///   zero. Within a run, a dropped connection, a stall longer than the idle timeout, HTTP 429
///   or 5xx (or a body that ends short of its announced size) is retried after a backoff (or
///   the `Retry-After` the server asked for, up to 5 minutes) with a `Range` request from the
///   bytes already written. A 206 from the offset asked for is appended; a 200 means the server
///   ignores ranges (or the validator no longer matches): the download restarts from zero. A
///   206 whose total, `ETag` or checksums differ from the recorded ones is another object: the
///   download restarts from zero (twice at most, then fails). A 416 whose
///   `Content-Range: bytes */T` says the file has exactly the bytes already written means the
///   `.part` is complete; any other 416 restarts from zero, once.
/// * **Expired links.** A 401/403/404/410 that says the link expired (or for a link whose
///   `Expires=` has passed) asks the [refresher](Download::refresh) for a new link (at most
///   [`max_refreshes`](Download::max_refreshes) times) and resumes from the bytes written.
/// * **Verifying.** The size the server announces (`Content-Length` of a 200, the total of a
///   206's `Content-Range`) is compared with the API's ([`expected_size`](Download::expected_size)
///   or [`size_between`](Download::size_between)) before the body is read, and the bytes
///   received must never exceed and in the end equal it. Every checksum given or stated by the
///   server (`x-oss-hash-crc64ecma`, `Content-MD5`, an MD5 `ETag`) must match. A mismatch is an
///   [`ErrorKind::Integrity`](crate::ErrorKind::Integrity) error naming both values and where
///   the expected one came from, never retried; the `.part` and its record are removed (their
///   bytes are wrong). [`DownloadOutcome::checks`] says what was checked.
/// * **Replacing, never deleting.** Nothing is ever at `dest` unless complete and verified:
///   the `.part` is fsynced, renamed over `dest` in one step, and the directory fsynced. An
///   existing file at `dest` (with [`overwrite`](Download::overwrite)) stays untouched until
///   then. A symlink, directory or device at `dest`, the `.part` or the record is refused:
///   nothing is written through a link.
/// * **Failing.** Other 4xx responses are not retried. After a failure nothing new is at
///   `dest`; the `.part` and its record are kept so that running the same download again
///   resumes them, unless empty or known to be wrong. The error says which, and, when retries
///   ran out, after how many attempts.
///
/// Use a client without an overall request timeout (e.g.
/// [`Transport::http_client`](crate::Transport::http_client)): a long download would hit it
/// (and resume, but pointlessly). Only one download may write a given `.part` at a time.
///
/// # Errors
///
/// [`Config`](crate::ErrorKind::Config) when `dest` exists (without
/// [`with_overwrite`](Download::with_overwrite)), is not a regular file, or the `.part` or
/// record is not one; when the URL is invalid or a setting is zero;
/// [`Io`](crate::ErrorKind::Io) when a local file cannot be read or written;
/// [`Service`](crate::ErrorKind::Service) for an HTTP error status (with
/// [`is_auth`](Error::is_auth) for 401/403, [`is_not_found`](Error::is_not_found) for 404);
/// [`Transport`](crate::ErrorKind::Transport) / [`Timeout`](crate::ErrorKind::Timeout) when
/// the retries ran out on connection faults; [`Integrity`](crate::ErrorKind::Integrity) when a
/// size or checksum does not check out; [`Decode`](crate::ErrorKind::Decode) when the server
/// answers a range request with a range it was not asked for. No error shows the link's query
/// string.
///
/// # Tracing
///
/// The download runs in an `info` span `cloud_http.download` (fields `url` — scheme, host and
/// path only —, `dest`, `resumed_from`, `attempts`, `bytes`), each request in a `debug` span
/// `cloud_http.download_attempt` (`attempt`, `offset`, `status`, `delay_ms`); retries,
/// restarts, resumes and new links are logged at `info`.
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
    check_dest(download).await?;
    let part_path = download.part_path();
    let record_path = download.resume_record_path();
    let part_found = inspect(&part_path, "the partial file").await?;
    let stored = record::read(&record_path).await?;
    let kept = match (&part_found, stored) {
        (Found::Nothing, _) => Err(None),
        (Found::RegularFile, None) => Err(Some("it has no resume record".to_owned())),
        (Found::RegularFile, Some(stored)) => match stored.mismatch(&download.identity, &shown) {
            None => Ok(stored),
            Some(why) => Err(Some(why)),
        },
    };
    let md5 = download.etag_is_md5
        || download
            .checksums
            .iter()
            .any(|c| c.kind == ChecksumKind::Md5)
        || kept
            .as_ref()
            .is_ok_and(|r| r.checksums.iter().any(|c| c.kind == ChecksumKind::Md5));
    let (part, discarded) = Part::open(part_path, kept.is_ok(), md5).await?;
    let mut restarts = 0;
    if discarded > 0 {
        let why = kept.as_ref().err().cloned().flatten().unwrap_or_default();
        tracing::info!(
            bytes = discarded,
            part = %part.path.display(),
            "the partial file cannot be proved to belong to this download ({why}): starting \
             from zero"
        );
        restarts += 1;
    }
    let (record, written) = match kept {
        Ok(record) => (record.clone(), Some(record)),
        Err(_) => {
            remove_quietly(&record_path).await;
            (
                ResumeRecord::new(download.identity.clone(), shown.clone()),
                None,
            )
        }
    };
    let mut run = Run {
        client,
        download,
        url,
        shown,
        span,
        part,
        record_path,
        known_total: record.total,
        etag: record.etag.clone(),
        last_modified: record.last_modified.clone(),
        server_checks: record
            .checksums
            .iter()
            .map(ExpectedChecksum::from)
            .collect(),
        record,
        written,
        resumed_from: 0,
        attempts: 0,
        resumes: 0,
        restarts,
        refreshes: 0,
        changes: 0,
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

/// Refuses a destination that is not a regular file, or that exists when overwriting is not
/// allowed. Nothing is removed: a replaced file is replaced by the final rename.
async fn check_dest(download: &Download) -> Result<(), Error> {
    let dest = &download.dest;
    match inspect(dest, "the download destination").await? {
        Found::RegularFile if !download.overwrite => Err(Error::config(format!(
            "{} already exists; not overwriting it",
            dest.display()
        ))),
        _ => Ok(()),
    }
}

/// How one attempt ended, when it did not fail.
enum Step {
    /// The file is complete; `verified` when a size confirmed it.
    Complete { verified: bool },
    /// Ask again at once, from the bytes now written (no failure, no backoff).
    Again,
    /// The link has expired: get a new one, or fail with this error.
    Expired(Error),
}

/// The state of one call of [`download`].
struct Run<'a> {
    client: &'a reqwest::Client,
    download: &'a Download,
    url: Url,
    shown: String,
    span: tracing::Span,
    part: Part,
    record_path: PathBuf,
    /// What the resume record should say now.
    record: ResumeRecord,
    /// What the record on disk says, if there is one.
    written: Option<ResumeRecord>,
    /// The file's total size as the server announced it (this run, or the record).
    known_total: Option<u64>,
    /// The file's strong `ETag`, sent as `If-Range` when resuming.
    etag: Option<String>,
    /// The file's `Last-Modified`, sent as `If-Range` when there is no strong `ETag`.
    last_modified: Option<String>,
    /// The checksums the server stated for the whole file.
    server_checks: Vec<ExpectedChecksum>,
    resumed_from: u64,
    attempts: u32,
    resumes: u32,
    restarts: u32,
    refreshes: u32,
    /// Restarts because the object on the server changed.
    changes: u32,
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
        if let Some(limit) = [self.size_limit(), self.known_total]
            .into_iter()
            .flatten()
            .min()
            && self.part.len > limit
        {
            tracing::info!(
                part_bytes = self.part.len,
                limit,
                "the partial file is longer than the file: starting again from zero"
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
                Ok(Step::Expired(error)) => {
                    self.refresh_link(error.with_attempts(self.attempts))
                        .await?;
                    continue;
                }
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

    /// Replaces an expired link with a new one from the refresher, or fails with `error`.
    async fn refresh_link(&mut self, error: Error) -> Result<(), Error> {
        let Some(refresh) = self.download.refresh.clone() else {
            return Err(error.with_note(
                "get a new link and run the same download again: it resumes from the bytes \
                 already written",
            ));
        };
        if self.refreshes >= self.download.max_refreshes {
            let n = self.refreshes;
            return Err(error.with_note(&format!(
                "the link expired again after {n} new link{}",
                if n == 1 { "" } else { "s" }
            )));
        }
        self.refreshes += 1;
        tracing::info!(
            offset = self.part.len,
            refresh = self.refreshes,
            "the download link expired; asking for a new one"
        );
        if let Some(progress) = self.progress() {
            progress.refreshing(self.refreshes);
        }
        let fresh = refresh
            .refresh()
            .await
            .map_err(|e| e.with_note("the download link expired and getting a new one failed"))?;
        let url = Url::parse(&fresh)
            .map_err(|e| Error::config(format!("the new download URL is not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::config(format!(
                "the new download URL must be http or https, not {}",
                url.scheme()
            )));
        }
        self.shown = shown_url(&url);
        self.url = url;
        self.record.url = self.shown.clone();
        self.save_record().await
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
            if let Some(validator) = if_range(self.etag.as_deref(), self.last_modified.as_deref()) {
                request = request.header(header::IF_RANGE, validator);
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
            _ => {
                let Refusal { error, expired } =
                    refused(response, &self.url, &self.shown, idle).await;
                if expired {
                    Ok(Step::Expired(error))
                } else {
                    Err(error)
                }
            }
        }
    }

    /// HTTP 200: the whole file from byte zero.
    async fn whole(&mut self, response: Response, offset: u64) -> Result<Step, Error> {
        let headers = response.headers();
        let total = content_length(headers);
        self.check_total(total)?;
        if offset > 0 {
            tracing::info!(
                offset,
                "the server sent the whole file instead of the range asked for (it ignores \
                 ranges, or the file changed): starting again from zero"
            );
            self.restart().await?;
        }
        self.known_total = total;
        self.etag = strong_etag(headers);
        self.last_modified = last_modified(headers);
        self.server_checks = checks::from_headers(headers, true, self.download.etag_is_md5);
        if self
            .server_checks
            .iter()
            .any(|c| c.kind == ChecksumKind::Md5)
        {
            self.part.start_md5();
        }
        let framed = total.is_none()
            && (response.version() >= Version::HTTP_2 || is_chunked(response.headers()));
        self.save_record().await?;
        self.stream(response, total, None, framed).await
    }

    /// HTTP 206: the file from the offset asked for, if that is what the server sent, and if
    /// it is still the same object.
    async fn partial(&mut self, response: Response, offset: u64) -> Result<Step, Error> {
        let status = response.status().as_u16();
        let headers = response.headers();
        let Some(ContentRange {
            range: Some((start, end)),
            total,
        }) = content_range(headers)
        else {
            return Err(self.protocol_error(
                status,
                format!(
                    "the server answered HTTP 206 for {} without a valid Content-Range",
                    self.shown
                ),
            ));
        };
        if start != offset {
            return Err(self.protocol_error(
                status,
                format!(
                    "asked for {} from byte {offset}, the server sent bytes {start}-{end}",
                    self.shown
                ),
            ));
        }
        let length = end - start + 1;
        if let Some(declared) = content_length(headers)
            && declared != length
        {
            return Err(self.protocol_error(
                status,
                format!(
                    "the server sent bytes {start}-{end} of {} ({length} bytes) with a \
                     Content-Length of {declared}",
                    self.shown
                ),
            ));
        }
        let etag = strong_etag(headers);
        let stated = checks::from_headers(headers, false, self.download.etag_is_md5);
        if let Some(what) = self.changed(total, etag.as_deref(), &stated) {
            return self.object_changed(&what).await;
        }
        self.check_total(total)?;
        if total.is_some() {
            self.known_total = total;
        }
        if self.etag.is_none() {
            self.etag = etag;
        }
        if self.last_modified.is_none() {
            self.last_modified = last_modified(headers);
        }
        for check in stated {
            // An MD5 is only checkable when computed from byte zero.
            let checkable = check.kind != ChecksumKind::Md5 || self.part.has_md5();
            if checkable && !self.server_checks.iter().any(|c| c.source == check.source) {
                self.server_checks.push(check);
            }
        }
        if offset > 0 {
            self.resumes += 1;
        }
        self.save_record().await?;
        self.stream(response, self.known_total, Some(end + 1), true)
            .await
    }

    /// What differs between a 206's total, `ETag` and checksums and what is known of the
    /// object the partial file holds, if anything.
    fn changed(
        &self,
        total: Option<u64>,
        etag: Option<&str>,
        stated: &[ExpectedChecksum],
    ) -> Option<String> {
        if let (Some(before), Some(now)) = (self.known_total, total)
            && before != now
        {
            return Some(format!("it had {before} bytes, now {now}"));
        }
        if let (Some(before), Some(now)) = (self.etag.as_deref(), etag)
            && before != now
        {
            return Some(format!("its ETag was {before}, now {now}"));
        }
        for now in stated {
            if let Some(before) = self.server_checks.iter().find(|c| c.source == now.source)
                && before.value != now.value
            {
                return Some(format!(
                    "its {} was {}, now {}",
                    now.source, before.value, now.value
                ));
            }
        }
        None
    }

    /// The object on the server is not the one the partial file holds: start again from zero,
    /// or fail when that keeps happening.
    async fn object_changed(&mut self, what: &str) -> Result<Step, Error> {
        self.changes += 1;
        if self.changes > MAX_CHANGE_RESTARTS {
            self.corrupt = true;
            return Err(Error::integrity(format!(
                "{} kept changing on the server during the download ({what})",
                self.shown
            )));
        }
        tracing::info!(
            change = %what,
            "the file on the server is not the one the partial file belongs to: starting again \
             from zero"
        );
        self.restart().await?;
        Ok(Step::Again)
    }

    /// HTTP 416: complete if the server's total is what we have, else start again (once).
    async fn not_satisfiable(&mut self, response: &Response, offset: u64) -> Result<Step, Error> {
        let total = content_range(response.headers()).and_then(|r| r.total);
        if offset > 0 && total == Some(offset) && self.known_total.is_none_or(|t| t == offset) {
            self.check_total(total)?;
            self.known_total = total;
            tracing::debug!(offset, "the partial file is already complete");
            if let Some(progress) = self.progress() {
                progress.start(offset, total);
            }
            return Ok(Step::Complete { verified: true });
        }
        let said = total.map_or_else(String::new, |t| format!(" (the file has {t} bytes)"));
        if self.restarted_after_416 {
            return Err(self.protocol_error(
                response.status().as_u16(),
                format!(
                    "the server refused the range request for {} from byte {offset}{said} again \
                     after a restart",
                    self.shown
                ),
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

    fn protocol_error(&self, status: u16, message: String) -> Error {
        Error::decode_at(message, None, status, None, None)
    }

    /// The most bytes the file may have, from the API's size.
    fn size_limit(&self) -> Option<u64> {
        [
            self.download.expected_size,
            self.download.size_between.map(|(_, max)| max),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Why a file of `len` bytes cannot be the one the API described, if it cannot.
    fn api_size_mismatch(&self, len: u64) -> Option<String> {
        if let Some(expected) = self.download.expected_size
            && len != expected
        {
            return Some(format!("the API reported {expected}"));
        }
        if let Some((min, max)) = self.download.size_between
            && !(min..=max).contains(&len)
        {
            return Some(format!("the API reported between {min} and {max}"));
        }
        None
    }

    /// Fails, before the body is read, when a total the server announced disagrees with the
    /// size the API reported.
    fn check_total(&self, total: Option<u64>) -> Result<(), Error> {
        match total.and_then(|total| Some((total, self.api_size_mismatch(total)?))) {
            Some((total, said)) => Err(Error::integrity(format!(
                "the server announces a file of {total} bytes, but {said} ({}); nothing was \
                 transferred",
                self.shown
            ))),
            None => Ok(()),
        }
    }

    /// Discards the partial file.
    async fn restart(&mut self) -> Result<(), Error> {
        self.part.truncate().await?;
        self.restarts += 1;
        self.known_total = None;
        self.etag = None;
        self.last_modified = None;
        self.server_checks.clear();
        if let Some(progress) = self.progress() {
            progress.restart();
        }
        Ok(())
    }

    /// Writes the resume record when what it should say changed.
    async fn save_record(&mut self) -> Result<(), Error> {
        self.record.url = self.shown.clone();
        self.record.etag = self.etag.clone();
        self.record.last_modified = self.last_modified.clone();
        self.record.total = self.known_total;
        self.record.checksums = self
            .server_checks
            .iter()
            .map(RecordedChecksum::from)
            .collect();
        self.record.ranges = vec![RangeProgress {
            start: 0,
            end: self.known_total,
            next: None,
        }];
        if self.written.as_ref() == Some(&self.record) {
            return Ok(());
        }
        record::write(&self.record_path, &self.record).await?;
        self.written = Some(self.record.clone());
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
        let limit = [total, self.size_limit(), range_end]
            .into_iter()
            .flatten()
            .min();
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
        if let Some((min, max)) = self.download.size_between {
            said.push(format!("the API reported between {min} and {max}"));
        }
        if said.is_empty() {
            said.push("a range response".to_owned());
        }
        format!("{}; {}", said.join(", "), self.shown)
    }

    /// Checks the complete `.part` (size and checksums), fsyncs it and renames it over the
    /// destination.
    async fn finish(mut self, verified: bool) -> Result<DownloadOutcome, Error> {
        let len = self.part.len;
        if let Some(said) = self.api_size_mismatch(len) {
            self.corrupt = true;
            let error = Error::integrity(format!(
                "the file has {len} bytes, but {said} ({})",
                self.shown
            ));
            return Err(self.fail(error).await);
        }
        let part_path = self.part.path.clone();
        let digests = match self.part.finish().await {
            Ok(digests) => digests,
            Err(error) => {
                // Nothing to resume from reliably when the file cannot be synced.
                return Err(error);
            }
        };
        let (checks, notes) = match self.verify(&digests, len, verified) {
            Ok(found) => found,
            Err(error) => {
                remove_quietly(&part_path).await;
                remove_quietly(&self.record_path).await;
                return Err(error.with_note(&format!(
                    "the partial file {} was removed (its bytes are wrong); running the \
                     download again starts from zero",
                    part_path.display()
                )));
            }
        };
        let dest = &self.download.dest;
        // Checked again: something may have appeared there during the download.
        match inspect(dest, "the download destination").await {
            Ok(Found::RegularFile) if !self.download.overwrite => {
                return Err(Error::config(format!(
                    "{} appeared during the download; not overwriting it (the complete, \
                     verified download is in {})",
                    dest.display(),
                    part_path.display()
                )));
            }
            Ok(_) => {}
            Err(error) => {
                return Err(error.with_note(&format!(
                    "the complete, verified download is in {}",
                    part_path.display()
                )));
            }
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
        remove_quietly(&self.record_path).await;
        self.span.record("bytes", len);
        self.span.record("attempts", self.attempts);
        tracing::info!(
            bytes = len,
            attempts = self.attempts,
            verified = %checks_summary(&checks),
            "download complete"
        );
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
            refreshes: self.refreshes,
            sha256: digests.sha256,
            crc64: digests.crc64,
            checks,
            notes,
            verified_size: verified || self.download.expected_size.is_some(),
        })
    }

    /// Compares the file's checksums with every expected one: the checks that passed, and the
    /// notes of advisory mismatches; an integrity error at the first real mismatch.
    fn verify(
        &self,
        digests: &Digests,
        len: u64,
        verified: bool,
    ) -> Result<(Vec<Check>, Vec<String>), Error> {
        let mut size_sources = Vec::new();
        if verified && self.known_total == Some(len) {
            size_sources.push("server".to_owned());
        }
        if self.download.expected_size.is_some() || self.download.size_between.is_some() {
            size_sources.push("API".to_owned());
        }
        let mut checks = Vec::new();
        if !size_sources.is_empty() {
            checks.push(Check::new("size", len.to_string(), size_sources));
        }
        let mut notes = Vec::new();
        let expected: Vec<&ExpectedChecksum> = self
            .server_checks
            .iter()
            .chain(&self.download.checksums)
            .collect();
        for kind in [ChecksumKind::Crc64, ChecksumKind::Md5, ChecksumKind::Sha256] {
            let Some(actual) = digests.value(kind) else {
                continue;
            };
            let mut sources = Vec::new();
            for want in expected.iter().filter(|c| c.kind == kind) {
                if want.value == actual {
                    sources.push(want.source.clone());
                } else if want.advisory {
                    notes.push(format!(
                        "{kind} mismatch (advisory): {} says {}, the file's is {actual}; the \
                         file was kept, as {} is not known to be an exact {kind} of the file",
                        want.source, want.value, want.source
                    ));
                } else {
                    return Err(Error::integrity(format!(
                        "{kind} mismatch for {}: the {len} bytes received have {kind} {actual}, \
                         but {} says {}",
                        self.shown, want.source, want.value
                    )));
                }
            }
            if !sources.is_empty() || kind == ChecksumKind::Sha256 {
                checks.push(Check::new(kind.name(), actual, sources));
            }
        }
        Ok((checks, notes))
    }

    /// Keeps the `.part` (and its record) for a later resume, or removes them when empty or
    /// known to be wrong, and says which in the error.
    async fn fail(mut self, error: Error) -> Error {
        // Best effort: the bytes already hashed are worth keeping; a failure here only means
        // fewer of them are on disk, which the next run reads as they are.
        let _ = self.part.flush().await;
        let len = self.part.len;
        let path = self.part.path.clone();
        self.span.record("attempts", self.attempts);
        drop(self.part);
        if self.corrupt || len == 0 {
            remove_quietly(&path).await;
            remove_quietly(&self.record_path).await;
            if self.corrupt {
                return error
                    .with_note(&format!("the partial file {} was removed", path.display()));
            }
            return error;
        }
        if self.written.is_none() {
            // Bytes without a record cannot be proved to be this file's: not worth keeping.
            remove_quietly(&path).await;
            return error;
        }
        error.with_note(&format!(
            "the {len} bytes downloaded so far are kept in {}: running the same download again \
             resumes from there",
            path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_query_and_no_user_info() {
        let url = "https://ak:secret@bucket.oss-cn-hangzhou.aliyuncs.com:8443/dir/b.tar.gz?\
                   Expires=1700000000&OSSAccessKeyId=LTAI5t&Signature=abc%2Bdef";
        let download = Download::new(url, "b.tar.gz")
            .with_refresh(|| async { Ok::<_, Error>("https://h/x".to_owned()) });
        let debug = format!("{download:?}");
        for secret in ["LTAI5t", "abc%2Bdef", "1700000000", "secret"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(format!("{:?}", Download::new("not a url", "x")).contains("<not a URL>"));
    }

    #[test]
    fn part_and_record_paths_append_to_the_name() {
        let download = Download::new("http://h/f", "/tmp/backup.tar.gz");
        assert_eq!(
            download.part_path(),
            PathBuf::from("/tmp/backup.tar.gz.part")
        );
        assert_eq!(
            download.resume_record_path(),
            PathBuf::from("/tmp/backup.tar.gz.part.resume")
        );
    }

    #[test]
    fn defaults_and_setters() {
        let download = Download::new("http://h/f", "f");
        assert_eq!(download.retry.max_attempts, DEFAULT_MAX_ATTEMPTS);
        assert_eq!(download.idle_timeout, DEFAULT_IDLE_TIMEOUT);
        assert_eq!(download.max_refreshes, DEFAULT_MAX_REFRESHES);
        assert!(!download.overwrite);
        assert!(!download.etag_is_md5);
        assert_eq!(download.expected_size, None);
        let download = download
            .with_expected_size(5)
            .with_size_between(9, 3)
            .with_overwrite(true)
            .with_etag_md5(true)
            .with_identity("backup_id", "1")
            .with_max_attempts(2)
            .with_max_refreshes(1)
            .with_checksum(ExpectedChecksum::crc64(1, "API"))
            .with_idle_timeout(Duration::from_secs(1));
        assert_eq!(download.expected_size, Some(5));
        assert_eq!(download.size_between, Some((3, 9)));
        assert!(download.overwrite && download.etag_is_md5);
        assert_eq!(download.identity["backup_id"], "1");
        assert_eq!(download.retry.max_attempts, 2);
        assert_eq!(download.max_refreshes, 1);
        assert_eq!(download.checksums.len(), 1);
        assert_eq!(download.with_expected_size(None).expected_size, None);
    }
}
