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
use reqwest::Url;
use tracing::Instrument;
use tracing::field::Empty;

use crate::config::RetryPolicy;
use crate::error::Error;

mod checks;
pub(crate) mod fuzzing;
mod part;
mod record;
mod run;
mod wire;

pub use part::DownloadSink;

pub use checks::{
    Check, ChecksumKind, ContentCheck, ContentCheckFactory, ExpectedChecksum, OSS_CRC64_HEADER,
    checks_summary,
};

use run::run;
use wire::shown_url;

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
/// The connections `cloud-backup`'s downloads use unless told otherwise (a [`Download`]
/// uses one until [`Download::with_connections`] says more).
pub const DEFAULT_CONNECTIONS: usize = 8;
/// The most connections one download uses.
pub const MAX_CONNECTIONS: usize = 32;
/// The smallest file fetched over several connections: below it, one connection is as fast.
pub const MIN_RANGED_SIZE: u64 = 2 * MIN_CHUNK;
/// The smallest range one connection fetches in a multi-connection download.
const MIN_CHUNK: u64 = 4 << 20;

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
    /// Makes the check of the file's contents fed while it streams, if any (see
    /// [`ContentCheck`]).
    pub content_check: Option<ContentCheckFactory>,
    /// How many connections fetch the file at once (default 1; [`DEFAULT_CONNECTIONS`] is what
    /// `cloud-backup` uses unless told otherwise; at most [`MAX_CONNECTIONS`]). With more than one, a file of at least [`MIN_RANGED_SIZE`] bytes
    /// from a server that answers ranges is split into ranges fetched in parallel and written
    /// in place into the `.part`; the checksums and the content check follow the contiguous
    /// prefix as it grows (reading it back from the page cache), so every check still covers
    /// every byte in order. One connection for a smaller file, a server that ignores ranges,
    /// or a sink.
    pub connections: usize,
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
            content_check: None,
            connections: 1,
        }
    }

    /// Sets how many connections fetch the file at once (1: one request after another; at
    /// most [`MAX_CONNECTIONS`]).
    pub fn with_connections(mut self, connections: usize) -> Self {
        self.connections = connections.clamp(1, MAX_CONNECTIONS);
        self
    }

    /// Checks the file's contents while it streams, with a fresh [`ContentCheck`] from
    /// `factory` for every start from zero (the bytes of a resumed `.part` are fed first). A
    /// failed check fails the download as corrupt; a passed one joins the checks as
    /// `content (<its words>)`.
    pub fn with_content_check(mut self, factory: ContentCheckFactory) -> Self {
        self.content_check = Some(factory);
        self
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
            .field("content_check", &self.content_check.is_some())
            .field("connections", &self.connections)
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
    let (url, shown, span) = begin(download, &download.dest.display().to_string())?;
    run(client, download, url, shown, span.clone(), None)
        .instrument(span)
        .await
}

/// The link of `download` parsed, as logs show it (no query), and the download's span.
fn begin(download: &Download, dest: &str) -> Result<(Url, String, tracing::Span), Error> {
    let url = Url::parse(&download.url)
        .map_err(|e| Error::config(format!("the download URL is not a valid URL: {e}")))?;
    let shown = shown_url(&url);
    let span = tracing::info_span!(
        "cloud_http.download",
        url = %shown,
        dest = %dest,
        resumed_from = Empty,
        attempts = Empty,
        bytes = Empty,
    );
    Ok((url, shown, span))
}

/// Downloads `download.url` into `sink` instead of a file (an object store's multipart
/// upload, say), with every rule of [`download`] that does not concern local files: streamed
/// in constant memory, resumed within the call with `Range` + `If-Range` after faults (the
/// sink keeps what it has; a server that ignores ranges or an object that changed makes it
/// [`restart`](DownloadSink::restart)), expired links renewed, the size and every checksum
/// verified while streaming. The sink is [completed](DownloadSink::complete) only after every
/// check passed, and [aborted](DownloadSink::abort) on any failure: nothing partial or wrong
/// ever becomes visible. `download.dest`, `overwrite` and the resume record do not apply
/// (nothing survives the call to resume from); [`DownloadOutcome::path`] is the sink's
/// [`describe`](DownloadSink::describe).
///
/// # Errors
///
/// As [`download`], and whatever the sink's own calls return (its errors are not retried).
pub async fn download_to_sink(
    client: &reqwest::Client,
    download: &Download,
    sink: Box<dyn DownloadSink>,
) -> Result<DownloadOutcome, Error> {
    let (url, shown, span) = begin(download, &sink.describe())?;
    run(client, download, url, shown, span.clone(), Some(sink))
        .instrument(span)
        .await
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
