//! Downloading the files of a backup: where each goes, the size checks, and the loop over
//! [`cloud_http::download`].

use crate::setters::option_setters;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cloud_http::{
    Check, Download, DownloadOutcome, DownloadSink, Error, ExpectedChecksum, Progress, RetryPolicy,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::{DownloadLink, SizeUnit};

/// The longest file name written (bytes); a longer one is cut at a character boundary.
pub(crate) const MAX_NAME_BYTES: usize = 200;

/// Makes the progress observer of one file: called once per file about to be downloaded,
/// with its link and destination. See [`DownloadOptions::with_progress`].
pub type ProgressFactory = dyn Fn(&DownloadLink, &Path) -> Arc<dyn Progress> + Send + Sync;

/// Asks the API again for a backup's download links, to replace one that expired.
pub(crate) type LinkSource = Arc<
    dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<DownloadLink>, Error>> + Send>>
        + Send
        + Sync,
>;

/// How [`download`](crate::download) and [`Client::download`](crate::Client::download) fetch
/// files: overwriting, retries, timeouts and progress. The default refuses to replace an
/// existing file and uses [`cloud_http::Download`]'s defaults (5 attempts in a row without
/// progress, backoff from 1 s to 30 s, 60 s idle timeout, 10 s to connect).
///
/// ```
/// use std::time::Duration;
/// use cloud_backup::{DownloadOptions, RetryPolicy};
///
/// let options = DownloadOptions::new()
///     .with_overwrite(true)
///     .with_retry(RetryPolicy::default().with_max_attempts(8))
///     .with_idle_timeout(Duration::from_secs(30));
/// assert!(options.overwrite);
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct DownloadOptions {
    /// Whether an existing file at a destination may be replaced. Default `false`: the
    /// download is refused before anything is fetched. When `true` the old file stays where it
    /// is until the new one is complete and verified, then one rename replaces it: a failed
    /// download leaves the old file untouched. A symlink or anything but a regular file at a
    /// destination is refused either way.
    pub overwrite: bool,
    /// The retry policy of each file ([`cloud_http::Download::retry`]); `None` for its default.
    pub retry: Option<RetryPolicy>,
    /// The longest wait for a response or the next piece of a body; `None` for the default
    /// (60 s).
    pub idle_timeout: Option<Duration>,
    /// The longest wait for a connection to the file's server; `None` for the default (10 s).
    pub connect_timeout: Option<Duration>,
    /// Makes a progress observer for each file, if any.
    pub progress: Option<Arc<ProgressFactory>>,
    /// Whether each file's contents are verified too, while it streams: every checksum of
    /// its format (xbstream, qpress, gzip, tar, nested), through `backup-archive`. A file in
    /// none of these formats, or one that fails, fails the download (its `.part` removed).
    /// A file kept from an earlier run is read once to check it. Default `false`.
    pub verify_content: bool,
    /// How many connections fetch each file at once; `None` for
    /// [`cloud_http::DEFAULT_CONNECTIONS`]. A file of at least
    /// [`cloud_http::MIN_RANGED_SIZE`] bytes from a server that answers ranges is fetched in
    /// ranges over that many connections (see [`cloud_http::Download::connections`]); a
    /// smaller one, or one streamed into an object store, over one.
    pub connections: Option<usize>,
    /// Whether each file is unpacked into the destination directory as it streams, instead
    /// of being kept (`download --extract`): see `backup_archive::extract`. Every check of
    /// the archive's is made on the way, and the files are moved into place only once the
    /// whole file checked out, the provider's checksums included. Default `false`.
    pub extract: bool,
}

impl DownloadOptions {
    /// The defaults: no overwriting, the runtime's retries and idle timeout, no progress.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allows replacing existing files.
    #[must_use]
    pub fn with_overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Unpacks each file into the destination directory instead of keeping it (see
    /// [`extract`](Self::extract)).
    #[must_use]
    pub fn with_extract(mut self, extract: bool) -> Self {
        self.extract = extract;
        self
    }

    /// Verifies each file's contents while it streams (see
    /// [`verify_content`](Self::verify_content)).
    #[must_use]
    pub fn with_verify_content(mut self, verify: bool) -> Self {
        self.verify_content = verify;
        self
    }

    option_setters! {
        /// Sets the retry policy of each file.
        with_retry(retry: RetryPolicy);

        /// Sets the idle timeout.
        with_idle_timeout(idle_timeout: Duration);

        /// Sets the connect timeout.
        with_connect_timeout(connect_timeout: Duration);

        /// Sets how many connections fetch each file at once (1: one after another).
        with_connections(connections: usize);
    }

    /// Sets the progress observer factory: `make(link, destination)` is called before each
    /// file's download and returns the [`Progress`] that follows it (e.g. one progress bar per
    /// file).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use cloud_backup::{DownloadOptions, Progress};
    ///
    /// #[derive(Default)]
    /// struct Bytes(AtomicU64);
    /// impl Progress for Bytes {
    ///     fn start(&self, already: u64, _total: Option<u64>) { self.0.store(already, Ordering::Relaxed); }
    ///     fn advance(&self, bytes: u64) { self.0.fetch_add(bytes, Ordering::Relaxed); }
    /// }
    ///
    /// let options = DownloadOptions::new().with_progress(|link, dest| {
    ///     eprintln!("{} -> {}", link.backup_id, dest.display());
    ///     Arc::new(Bytes::default())
    /// });
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn with_progress(
        mut self,
        make: impl Fn(&DownloadLink, &Path) -> Arc<dyn Progress> + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(Arc::new(make));
        self
    }
}

impl fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("overwrite", &self.overwrite)
            .field("retry", &self.retry)
            .field("idle_timeout", &self.idle_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("progress", &self.progress.is_some())
            .field("verify_content", &self.verify_content)
            .field("connections", &self.connections)
            .finish()
    }
}

/// One file written by a download: what `cloud-backup <PROVIDER> download --json` prints, one
/// element per file (`path`, `bytes`, `sha256`, `url_host`, `verified`, `notes`).
///
/// The signed link itself is not kept: its query string is a credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DownloadedFile {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// The host (and port, when the link names one) the file came from, e.g.
    /// `rdsbak-hz-v3.oss-cn-hangzhou.aliyuncs.com`.
    pub url_host: String,
    /// What the file was checked against, e.g. `size (server, API)`, `crc64
    /// (x-oss-hash-crc64ecma)`, `sha256 (computed)`; see [`cloud_http::checks_summary`].
    pub verified: Vec<Check>,
    /// Advisory checks that did not match (the file was kept), for people to read.
    pub notes: Vec<String>,
    /// How the download went (attempts, resumes, restarts); `None` when the file was already
    /// complete from an earlier run and kept (a directory download run again, see
    /// [`download_files`]).
    #[serde(skip)]
    pub outcome: Option<DownloadOutcome>,
    /// With [`DownloadOptions::extract`]: what the file was unpacked into (`path` is then
    /// the directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extracted: Option<backup_archive::extract::Extraction>,
}

/// What the API said about a file's size, and how strictly it can be checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SizeCheck {
    /// Nothing said.
    Unknown,
    /// Exactly this many bytes (Capital Online, Alibaba Cloud).
    Exact(u64),
    /// This many kB, rounded one way or another (Huawei Cloud RDS).
    Kilobytes(u64),
}

impl SizeCheck {
    fn of(link: &DownloadLink) -> Self {
        let Some(size) = link.size_bytes else {
            return SizeCheck::Unknown;
        };
        // Huawei Cloud RDS reports kB; the link's `size_bytes` is that times 1024.
        match link.provider.file_facts().size_unit {
            SizeUnit::Kilobytes => SizeCheck::Kilobytes(size / 1024),
            _ => SizeCheck::Exact(size),
        }
    }

    /// Whether a file of `bytes` bytes has the size the API reported.
    fn accepts(self, bytes: u64) -> bool {
        match self {
            SizeCheck::Unknown => true,
            SizeCheck::Exact(size) => bytes == size,
            SizeCheck::Kilobytes(kb) => kilobytes_match(bytes, kb),
        }
    }
}

/// Whether `bytes` is consistent with a size of `kb` kB rounded by the API either way:
/// `floor(bytes / 1024) == kb` or `ceil(bytes / 1024) == kb`, that is, less than 1 KiB away
/// from `kb × 1024`.
fn kilobytes_match(bytes: u64, kb: u64) -> bool {
    let (min, max) = kilobyte_bounds(kb);
    (min..=max).contains(&bytes)
}

/// The byte counts that `kb` kB can stand for (see [`kilobytes_match`]).
fn kilobyte_bounds(kb: u64) -> (u64, u64) {
    let exact = kb.saturating_mul(1024);
    (exact.saturating_sub(1023), exact.saturating_add(1023))
}

/// One file to fetch.
#[derive(Debug)]
struct Planned<'a> {
    /// Its place in the links (to find it again among fresh links).
    index: usize,
    link: &'a DownloadLink,
    dest: PathBuf,
    size: SizeCheck,
    /// Already there, complete, from an earlier run: keep it.
    keep: bool,
}

/// Downloads the files of `links` (as [`download_links`](crate::download_links) gives them)
/// into `out`, one after the other, and returns what was written, in the order of `links`.
///
/// **Where files go.** With one link, `out` is the file to write, unless it is an existing
/// directory (or ends with a path separator), in which case the file goes into it under its
/// own name. With several links (Huawei Cloud RDS can give several), `out` is a directory,
/// created if missing, and each file goes into it under its own name. A file's name is the
/// one the API gives, else the last segment of the link's path, made safe: only the part after
/// the last `/` or `\`, control characters and `:*?"<>|` replaced with `_`, at most 200 bytes;
/// a name that is then empty, `.` or `..`, or that a previous file already took, becomes
/// `<backup_id>-<n>` (`n` counting files from 1).
///
/// **Existing files.** A destination that exists is refused, before anything is fetched,
/// unless [`DownloadOptions::overwrite`]; a symlink or anything but a regular file is refused
/// even then. A replaced file stays until its replacement is complete and verified. One
/// exception, so that a directory download cut short resumes by running it again: with
/// several links, a file already in the directory whose size is the one the API reports is
/// taken as complete from an earlier run and kept (its SHA-256 is computed from the disk;
/// [`DownloadedFile::outcome`] is `None`).
///
/// **Checks.** Each file is streamed by [`cloud_http::download`]: constant memory, resumed
/// after faults only when its resume record proves the partial bytes are the same object,
/// bounded retries, written to `<dest>.part` and renamed to `<dest>` only when verified:
///
/// * its size against the server's `Content-Length` / `Content-Range` and the API's size, the
///   latter compared before the body is read. Capital Online and Alibaba Cloud report bytes
///   (checked exactly); Huawei Cloud RDS reports kB, rounded either way, so the file must be
///   less than 1 KiB away from `size × 1024` bytes;
/// * every checksum the storage sends: `x-oss-hash-crc64ecma` (Alibaba Cloud OSS, CRC-64/XZ),
///   `Content-MD5`, and for Huawei Cloud (OBS) the `ETag` when it is a plain MD5 (no multipart
///   `-N` suffix, not encrypted on the server);
/// * the CRC-64 the API reports ([`DownloadLink::crc64`], Alibaba Cloud's `Checksum`), as an
///   advisory check (a mismatch is a note in [`DownloadedFile::notes`], not a failure);
/// * its SHA-256, always computed and reported.
///
/// All are computed while the file streams. [`DownloadedFile::verified`] lists what was
/// checked. A size or checksum mismatch is an [`Integrity`](cloud_http::ErrorKind::Integrity)
/// error naming both values and where the expected one came from, and the `.part` is removed.
///
/// After a failure nothing is at the failed file's destination (or the old file is still
/// there); its `.part` is kept when it holds bytes worth resuming from, so that running the
/// same download again resumes it (files of the same call completed before the failure stay
/// where they are).
pub async fn download_files(
    links: &[DownloadLink],
    out: &Path,
    options: &DownloadOptions,
) -> Result<Vec<DownloadedFile>, Error> {
    let http = http_client(options)?;
    download_files_with(&http, links, out, options, None, false).await
}

/// [`download_files`] through `http`; an expired link is replaced with the matching one from
/// `source`, when given. With `directory`, `out` is a directory even for one link, and a
/// complete file already there is kept as for several links (log files, fetched group by
/// group).
pub(crate) async fn download_files_with(
    http: &reqwest::Client,
    links: &[DownloadLink],
    out: &Path,
    options: &DownloadOptions,
    source: Option<LinkSource>,
    directory: bool,
) -> Result<Vec<DownloadedFile>, Error> {
    if options.extract {
        return extract_files(http, links, out, options, source).await;
    }
    let plan = plan(links, out, options.overwrite, directory).await?;
    let mut written = Vec::with_capacity(plan.len());
    for file in plan {
        written.push(fetch(http, &file, options, source.clone()).await?);
    }
    Ok(written)
}

/// The files of `links` unpacked into the directory `dir`, one after another, each streamed
/// into an extractor (a later file into what the earlier ones left).
async fn extract_files(
    http: &reqwest::Client,
    links: &[DownloadLink],
    dir: &Path,
    options: &DownloadOptions,
    source: Option<LinkSource>,
) -> Result<Vec<DownloadedFile>, Error> {
    // The extraction checks the content itself.
    let options = DownloadOptions {
        verify_content: false,
        ..options.clone()
    };
    let mut extractions = Vec::with_capacity(links.len());
    let mut written = stream_each(http, links, &options, source, |index, name| {
        let done = Arc::new(std::sync::Mutex::new(None));
        extractions.push(done.clone());
        let extract = backup_archive::extract::ExtractOptions::new()
            .with_force(options.overwrite || index > 0)
            .with_name(name.as_str());
        let sink = crate::unpack::ExtractSink::new(dir, extract, done)?;
        Ok((dir.join(name), Box::new(sink) as Box<dyn DownloadSink>))
    })
    .await?;
    for (file, done) in written.iter_mut().zip(extractions) {
        file.path = dir.to_path_buf();
        file.extracted = done.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
    Ok(written)
}

/// Each file of `links` streamed into a sink instead of a `.part` file: `target` gives, for
/// the file's index and unique name, the path it is planned (and reported) under and the sink.
async fn stream_each(
    http: &reqwest::Client,
    links: &[DownloadLink],
    options: &DownloadOptions,
    source: Option<LinkSource>,
    mut target: impl FnMut(usize, String) -> Result<(PathBuf, Box<dyn DownloadSink>), Error>,
) -> Result<Vec<DownloadedFile>, Error> {
    let mut taken = Vec::new();
    let mut written = Vec::with_capacity(links.len());
    for (index, link) in links.iter().enumerate() {
        let (dest, sink) = target(index, unique_name(link, index, &mut taken))?;
        let file = Planned {
            index,
            link,
            dest,
            size: SizeCheck::of(link),
            keep: false,
        };
        let download = plan_download(&file, options, source.clone())?;
        let outcome = cloud_http::download_to_sink(http, &download, sink).await?;
        written.push(DownloadedFile::fetched(
            file.dest,
            outcome,
            url_host(&link.url),
        ));
    }
    Ok(written)
}

/// Where a sync puts a backup's files: a local directory (complete files already there are
/// kept), or an object store under a key prefix (each file streamed into an upload completed
/// only when verified).
pub(crate) enum Target<'a> {
    /// A local directory.
    Dir(&'a Path),
    /// An object store and the key prefix of the files.
    #[cfg(feature = "object-store")]
    Store(&'a crate::store::ObjectStore, String),
}

/// The files of `links` into `target`, each verified; the [`DownloadedFile::path`] of a file
/// in an object store is its key.
pub(crate) async fn fetch_into(
    http: &reqwest::Client,
    links: &[DownloadLink],
    target: &Target<'_>,
    options: &DownloadOptions,
    source: Option<LinkSource>,
) -> Result<Vec<DownloadedFile>, Error> {
    match target {
        Target::Dir(dir) => download_files_with(http, links, dir, options, source, true).await,
        #[cfg(feature = "object-store")]
        Target::Store(store, prefix) => {
            stream_each(http, links, options, source, |_, name| {
                let key = format!("{prefix}/{name}");
                let sink = store.sink(&key);
                Ok((PathBuf::from(key), sink))
            })
            .await
        }
    }
}

/// The HTTP client of downloads: no overall timeout (a large file would hit it; the downloads
/// have an idle timeout instead), the connect timeout of `options` (10 s by default), rustls,
/// the environment's proxy settings (never for the loopback addresses).
pub(crate) fn http_client(options: &DownloadOptions) -> Result<reqwest::Client, Error> {
    cloud_http::client_builder()
        .connect_timeout(options.connect_timeout.unwrap_or(Duration::from_secs(10)))
        .user_agent(concat!("cloud-backup/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::config_with_source("the HTTP client could not be built", e))
}

/// Where each file goes, and which existing files are kept; fails before any download when a
/// destination cannot be used.
async fn plan<'a>(
    links: &'a [DownloadLink],
    out: &Path,
    overwrite: bool,
    directory: bool,
) -> Result<Vec<Planned<'a>>, Error> {
    let Some(first) = links.first() else {
        return Err(Error::config("there is no file to download"));
    };
    let several = links.len() > 1 || directory;
    let into_directory = several || ends_with_separator(out) || is_directory(out).await;
    if into_directory {
        // One look (a directory being created by a download beside this one is no file).
        let not_a_directory = matches!(tokio::fs::metadata(out).await, Ok(m) if !m.is_dir())
            || tokio::fs::symlink_metadata(out)
                .await
                .is_ok_and(|m| !m.is_dir())
                && tokio::fs::metadata(out).await.is_err();
        if several && not_a_directory {
            let what = if directory {
                "log files go into a directory".to_owned()
            } else {
                format!(
                    "backup {} has {} files, so the destination must be a directory",
                    first.backup_id,
                    links.len()
                )
            };
            return Err(Error::config(format!(
                "{what}, and {} is not one",
                out.display()
            )));
        }
        tokio::fs::create_dir_all(out).await.map_err(|e| {
            Error::io(
                format!("could not create the directory {}", out.display()),
                e,
            )
        })?;
    }
    let mut taken: Vec<String> = Vec::new();
    let mut planned = Vec::with_capacity(links.len());
    for (i, link) in links.iter().enumerate() {
        let dest = if into_directory {
            out.join(unique_name(link, i, &mut taken))
        } else {
            out.to_path_buf()
        };
        let size = SizeCheck::of(link);
        let keep = check_dest(&dest, overwrite, several, size).await?;
        planned.push(Planned {
            index: i,
            link,
            dest,
            size,
            keep,
        });
    }
    Ok(planned)
}

/// The file name of link number `i` in a directory, not one of `taken` (whatever the case);
/// added to `taken`.
pub(crate) fn unique_name(link: &DownloadLink, i: usize, taken: &mut Vec<String>) -> String {
    let is_taken =
        |name: &str, taken: &[String]| taken.iter().any(|t| t.eq_ignore_ascii_case(name));
    let mut name = local_name(link).unwrap_or_default();
    // The file's number, or a later one if an API name already took that.
    let mut n = i + 1;
    while name.is_empty() || is_taken(&name, taken) {
        name = fallback_name(&link.backup_id, n);
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// Whether `dest` can be written: `Ok(true)` when it holds a complete file to keep (see
/// [`download_files`]), `Ok(false)` when it can be (over)written.
async fn check_dest(
    dest: &Path,
    overwrite: bool,
    keep_complete: bool,
    size: SizeCheck,
) -> Result<bool, Error> {
    match tokio::fs::symlink_metadata(dest).await {
        Ok(meta) if meta.is_dir() => Err(Error::config(format!(
            "{} is a directory; not writing a file over it",
            dest.display()
        ))),
        Ok(meta) if !meta.is_file() => Err(Error::config(format!(
            "{} is {}; cloud-backup only writes regular files and never follows links, even \
             with --force: move it away or choose another --out",
            dest.display(),
            if meta.file_type().is_symlink() {
                "a symbolic link"
            } else {
                "not a regular file (a device, FIFO or socket)"
            }
        ))),
        Ok(_) if overwrite => Ok(false),
        Ok(meta) if keep_complete && size != SizeCheck::Unknown => {
            if size.accepts(meta.len()) {
                Ok(true)
            } else {
                Err(already_exists(dest))
            }
        }
        Ok(_) => Err(already_exists(dest)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(
            format!("could not inspect {}", dest.display()),
            e,
        )),
    }
}

fn already_exists(dest: &Path) -> Error {
    Error::config(format!(
        "{} already exists; not overwriting it (--force replaces it once the new copy is \
         complete and verified)",
        dest.display()
    ))
}

/// Downloads (or keeps) one planned file.
async fn fetch(
    http: &reqwest::Client,
    file: &Planned<'_>,
    options: &DownloadOptions,
    source: Option<LinkSource>,
) -> Result<DownloadedFile, Error> {
    let url_host = url_host(&file.link.url);
    if file.keep {
        forget_finished_resume(&file.dest).await;
        let (bytes, sha256) = hash_file(&file.dest).await?;
        let mut verified = vec![
            Check::new("size", bytes.to_string(), vec!["API".to_owned()]),
            Check::new("sha256", sha256.clone(), Vec::new()),
        ];
        if options.verify_content {
            verified.push(crate::content::check_file(&file.dest).await?);
        }
        return Ok(DownloadedFile {
            path: file.dest.clone(),
            bytes,
            verified,
            sha256,
            url_host,
            notes: Vec::new(),
            outcome: None,
            extracted: None,
        });
    }
    let download = plan_download(file, options, source)?;
    let outcome = cloud_http::download(http, &download).await?;
    Ok(DownloadedFile::fetched(
        outcome.path.clone(),
        outcome,
        url_host,
    ))
}

impl DownloadedFile {
    /// A file just downloaded from `url_host` to `path` (a file, or an object store's key).
    fn fetched(path: PathBuf, outcome: DownloadOutcome, url_host: String) -> Self {
        Self {
            path,
            bytes: outcome.bytes,
            sha256: outcome.sha256.clone(),
            url_host,
            verified: outcome.checks.clone(),
            notes: outcome.notes.clone(),
            outcome: Some(outcome),
            extracted: None,
        }
    }
}

/// Removes what a run stopped right after renaming `dest` into place can leave beside it:
/// its resume record (and the record's temporary file), which name a `.part` that is gone.
/// Nothing is touched while a `.part` is there (a replacement under way).
async fn forget_finished_resume(dest: &Path) {
    let with = |suffix: &str| {
        let mut path = dest.as_os_str().to_owned();
        path.push(suffix);
        PathBuf::from(path)
    };
    if tokio::fs::symlink_metadata(with(".part")).await.is_ok() {
        return;
    }
    for stale in [with(".part.resume"), with(".part.resume.tmp")] {
        if tokio::fs::symlink_metadata(&stale)
            .await
            .is_ok_and(|meta| meta.is_file())
        {
            let _ = tokio::fs::remove_file(&stale).await;
        }
    }
}

/// The [`Download`] of one planned file: what it must be, how to retry, and where a new link
/// comes from.
fn plan_download(
    file: &Planned<'_>,
    options: &DownloadOptions,
    source: Option<LinkSource>,
) -> Result<Download, Error> {
    let link = file.link;
    let name = file
        .dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut download = Download::new(link.url.as_str(), file.dest.as_path())
        .with_overwrite(options.overwrite)
        .with_identity("provider", link.provider.name())
        .with_identity("instance", link.instance_id.as_str())
        .with_identity("backup_id", link.backup_id.as_str())
        .with_identity("file", name);
    match file.size {
        SizeCheck::Exact(size) => download = download.with_expected_size(size),
        SizeCheck::Kilobytes(kb) => {
            let (min, max) = kilobyte_bounds(kb);
            download = download.with_size_between(min, max);
        }
        SizeCheck::Unknown => {}
    }
    let facts = link.provider.file_facts();
    if let Some(crc64) = &link.crc64 {
        let source = link
            .crc64_source
            .as_deref()
            .or(facts.checksum_field)
            .unwrap_or("the API's checksum");
        download = download
            .with_checksum(ExpectedChecksum::crc64_text(crc64, source)?.with_advisory(true));
    }
    download = download.with_etag_md5(facts.etag_is_md5).with_connections(
        options
            .connections
            .unwrap_or(cloud_http::DEFAULT_CONNECTIONS),
    );
    if options.verify_content {
        download = download.with_content_check(crate::content::factory());
    }
    if let Some(retry) = &options.retry {
        download = download.with_retry(retry.clone());
    }
    if let Some(timeout) = options.idle_timeout {
        download = download.with_idle_timeout(timeout);
    }
    if let Some(make) = &options.progress {
        download.progress = Some(make(link, &file.dest));
    }
    if let Some(source) = source {
        let (index, name) = (file.index, local_name(link));
        download = download.with_refresh(move || {
            let source = source.clone();
            let name = name.clone();
            async move {
                let links = source().await?;
                let fresh = match &name {
                    Some(name) if links.len() > 1 => {
                        links.iter().find(|l| local_name(l).as_ref() == Some(name))
                    }
                    _ => links.get(index),
                };
                fresh.map(|l| l.url.clone()).ok_or_else(|| {
                    Error::config(
                        "the API no longer lists this file of the backup, so its expired \
                         link cannot be replaced",
                    )
                })
            }
        });
    }
    Ok(download)
}

/// The size and SHA-256 of a file on disk, read through a fixed buffer.
pub(crate) async fn hash_file(path: &Path) -> Result<(u64, String), Error> {
    let fail = |e| Error::io(format!("could not read {}", path.display()), e);
    let mut file = tokio::fs::File::open(path).await.map_err(fail)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buffer).await.map_err(fail)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        len += n as u64;
    }
    Ok((len, hex(&hasher.finalize())))
}

/// `bytes` as lower-case hex digits (digests in reports and the manifest).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The host and port of `url`, never its path or query string; empty when it is not a URL.
fn url_host(url: &str) -> String {
    let Ok(url) = reqwest::Url::parse(url) else {
        return String::new();
    };
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// The file name of `link`: the API's name, else the last segment of the URL's path
/// (percent-decoded), made safe ([`safe_name`]).
pub(crate) fn local_name(link: &DownloadLink) -> Option<String> {
    if let Some(name) = link.name.as_deref().and_then(safe_name) {
        return Some(name);
    }
    let url = reqwest::Url::parse(&link.url).ok()?;
    let segment = url.path_segments()?.rev().find(|s| !s.is_empty())?;
    safe_name(&percent_decode(segment))
}

/// `<backup_id>-<n>`, made safe; `backup-<n>` when even that is not a usable name.
fn fallback_name(backup_id: &str, n: usize) -> String {
    safe_name(&format!("{backup_id}-{n}")).unwrap_or_else(|| format!("backup-{n}"))
}

/// `name` as a plain file name: the part after the last `/` or `\`, control characters and
/// `:*?"<>|` replaced with `_`, trimmed, at most [`MAX_NAME_BYTES`]; `None` when nothing usable
/// is left (empty, `.`, `..`, only dots).
pub(crate) fn safe_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut safe: String = base
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    safe = safe.trim().to_owned();
    if safe.len() > MAX_NAME_BYTES {
        let mut end = MAX_NAME_BYTES;
        while !safe.is_char_boundary(end) {
            end -= 1;
        }
        safe.truncate(end);
    }
    if safe.is_empty() || safe.chars().all(|c| c == '.') {
        return None;
    }
    Some(safe)
}

/// Decodes `%XY` escapes (the signers' decoding); the text as it is when the result is not
/// UTF-8.
fn percent_decode(text: &str) -> String {
    cloud_signer::encoding::percent_decode(text).unwrap_or_else(|| text.to_owned())
}

fn ends_with_separator(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR)
}

async fn is_directory(path: &Path) -> bool {
    tokio::fs::metadata(path).await.is_ok_and(|m| m.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Provider;

    #[test]
    fn kilobytes_allow_rounding_either_way() {
        // 2803 kB: floor, ceil or nearest of the byte count.
        for bytes in [
            2803 * 1024 - 1023,
            2803 * 1024 - 1,
            2803 * 1024,
            2803 * 1024 + 1023,
        ] {
            assert!(kilobytes_match(bytes, 2803), "{bytes}");
        }
        for bytes in [2803 * 1024 - 1024, 2803 * 1024 + 1024, 0, 5] {
            assert!(!kilobytes_match(bytes, 2803), "{bytes}");
        }
        // A file under 1 kB reported as 0 or 1.
        assert!(kilobytes_match(500, 0));
        assert!(kilobytes_match(500, 1));
        assert!(kilobytes_match(0, 0));
        assert!(!kilobytes_match(0, 1));
    }

    #[test]
    fn size_checks_follow_the_provider() {
        let link = |provider: Provider| {
            DownloadLink::new(provider, "i", "b", "http://h/f").with_size_bytes(10 * 1024)
        };
        assert_eq!(
            SizeCheck::of(&link(Provider::AliyunRds)),
            SizeCheck::Exact(10 * 1024)
        );
        assert_eq!(
            SizeCheck::of(&link(Provider::CapitalOnlineMysql)),
            SizeCheck::Exact(10 * 1024)
        );
        assert_eq!(
            SizeCheck::of(&link(Provider::HuaweiCloudRds)),
            SizeCheck::Kilobytes(10)
        );
        assert_eq!(
            SizeCheck::of(&DownloadLink::new(Provider::AliyunRds, "i", "b", "u")),
            SizeCheck::Unknown
        );
        assert!(SizeCheck::Unknown.accepts(7));
        assert!(SizeCheck::Exact(7).accepts(7));
        assert!(!SizeCheck::Exact(7).accepts(8));
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("full.qp").as_deref(), Some("full.qp"));
        assert_eq!(safe_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(safe_name("a\\b\\c.bak").as_deref(), Some("c.bak"));
        assert_eq!(safe_name("db:1?.bak").as_deref(), Some("db_1_.bak"));
        assert_eq!(safe_name("x\ny").as_deref(), Some("x_y"));
        for bad in ["", "  ", ".", "..", "...", "dir/", "dir/..", "/"] {
            assert_eq!(safe_name(bad), None, "{bad:?}");
        }
        let long = "é".repeat(150);
        let cut = safe_name(&long).unwrap();
        assert!(cut.len() <= MAX_NAME_BYTES && cut.chars().all(|c| c == 'é'));
        assert_eq!(fallback_name("b-1", 2), "b-1-2");
        assert_eq!(fallback_name("", 3), "-3");
        assert_eq!(fallback_name("a/..", 1), "..-1");
    }

    #[tokio::test]
    async fn several_files_get_unique_names_in_a_new_directory() {
        let dir = std::env::temp_dir().join(format!("cloud-backup-plan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("new");
        let link = |name: Option<&str>| {
            let link = DownloadLink::new(Provider::HuaweiCloudRds, "i", "b", "https://h/");
            match name {
                Some(name) => link.with_name(name),
                None => link,
            }
        };
        // The API's "b-2", a file without a name (its number, 2, is taken: 3), and "B-2" again
        // (taken, whatever the case; 3 too: 4).
        let links = [link(Some("b-2")), link(None), link(Some("B-2"))];
        let plan = plan(&links, &out, false, false).await.unwrap();
        let names: Vec<_> = plan
            .iter()
            .map(|p| {
                p.dest
                    .strip_prefix(&out)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(names, ["b-2", "b-3", "b-4"]);
        assert!(out.is_dir(), "created");
        assert!(plan.iter().all(|p| !p.keep));

        // One link: `out` is the file, unless it is a directory.
        let one = [DownloadLink::new(
            Provider::AliyunRds,
            "i",
            "b",
            "https://h/f/x.tar.gz",
        )];
        let plan_one = super::plan(&one, &dir.join("file"), false, false)
            .await
            .unwrap();
        assert_eq!(plan_one[0].dest, dir.join("file"));
        let plan_dir = super::plan(&one, &out, false, false).await.unwrap();
        assert_eq!(plan_dir[0].dest, out.join("x.tar.gz"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_come_from_the_api_else_from_the_url() {
        let link = DownloadLink::new(
            Provider::AliyunRds,
            "rm-1",
            "321020562",
            "https://bucket.oss-cn-hangzhou.aliyuncs.com/dir/hins1_data%2020.tar.gz?Signature=a%2Fb",
        );
        assert_eq!(local_name(&link).as_deref(), Some("hins1_data 20.tar.gz"));
        assert_eq!(
            local_name(&link.clone().with_name("../x.qp")).as_deref(),
            Some("x.qp")
        );
        let bare = DownloadLink::new(Provider::AliyunRds, "rm-1", "321020562", "https://h/");
        assert_eq!(local_name(&bare), None);
        let dots = DownloadLink::new(Provider::AliyunRds, "rm-1", "b", "https://h/a/%2E%2E");
        assert_eq!(local_name(&dots), None);
        assert_eq!(percent_decode("a%zz%4"), "a%zz%4");
        assert_eq!(percent_decode("%ff"), "%ff");
    }

    #[test]
    fn hosts_never_show_the_query() {
        assert_eq!(
            url_host("https://b.oss-cn-hangzhou.aliyuncs.com/x?Signature=s&OSSAccessKeyId=k"),
            "b.oss-cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(url_host("http://127.0.0.1:8080/files/x"), "127.0.0.1:8080");
        assert_eq!(url_host("not a url"), "");
    }

    #[test]
    fn options_debug_shows_no_closure() {
        let options = DownloadOptions::new().with_progress(|_, _| {
            struct Nothing;
            impl Progress for Nothing {
                fn start(&self, _: u64, _: Option<u64>) {}
                fn advance(&self, _: u64) {}
            }
            Arc::new(Nothing)
        });
        assert!(format!("{options:?}").contains("progress: true"));
    }
}
