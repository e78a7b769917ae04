//! One call of [`download`](super::download): the state machine that requests, streams,
//! resumes, restarts, renews links, verifies and renames.

use std::path::{Path, PathBuf};

use reqwest::header;
use reqwest::{Response, StatusCode, Url, Version};
use tracing::Instrument;
use tracing::field::Empty;

use super::checks::{self, ChecksumKind, ExpectedChecksum};
use super::part::DownloadSink;
use super::part::{Found, Keep, Part, inspect, remove_quietly};
use super::record::{self, RangeProgress, RecordedChecksum, ResumeRecord};
use super::wire::{
    ContentRange, Refusal, content_length, content_range, if_range, is_chunked, last_modified,
    refused, shown_url, strong_etag,
};
use super::{Download, DownloadOutcome, MAX_CHANGE_RESTARTS, MAX_SERVER_DELAY, Progress};
use crate::error::Error;

mod finish;
pub(super) mod ranged;

pub(super) async fn run(
    client: &reqwest::Client,
    download: &Download,
    url: Url,
    shown: String,
    span: tracing::Span,
    sink: Option<Box<dyn DownloadSink>>,
) -> Result<DownloadOutcome, Error> {
    validate(download, &url)?;
    if let Some(sink) = sink {
        // No `.part` and no resume record: a sink starts empty and is completed or aborted
        // by this call.
        let md5 = download.etag_is_md5
            || download
                .checksums
                .iter()
                .any(|c| c.kind == ChecksumKind::Md5);
        let part = Part::sink(sink, md5, download.content_check.clone());
        let record = ResumeRecord::new(download.identity.clone(), shown.clone());
        return Run::new(client, download, url, shown, span, part, record, None, 0)
            .go()
            .await;
    }
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
    // A record of a multi-connection download: its contiguous prefix is hashed now, its
    // further ranges are kept in place for the ranges still to fetch.
    let plan = kept
        .as_ref()
        .ok()
        .and_then(|r| ranged::recorded_plan(&r.ranges));
    let keep = match (&kept, &plan) {
        (Err(_), _) => Keep::Nothing,
        (Ok(_), None) => Keep::All,
        (Ok(_), Some(plan)) => Keep::Prefix(plan.prefix),
    };
    let (part, discarded) =
        Part::open(part_path, keep, md5, download.content_check.clone()).await?;
    let mut restarts = 0;
    if discarded > 0 {
        let why = kept.as_ref().err().cloned().flatten().unwrap_or_default();
        tracing::info!(
            bytes = discarded,
            part = %part.shown(),
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
    let mut run = Run::new(
        client, download, url, shown, span, part, record, written, restarts,
    );
    run.record_path = Some(record_path);
    run.recorded_plan = plan;
    run.go().await
}

/// A fresh link from `refresh`, checked to be an http(s) URL.
async fn new_link(refresh: &dyn super::RefreshLink) -> Result<Url, Error> {
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
    Ok(url)
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
    /// The resume record's path; `None` for a sink (nothing to resume across runs).
    record_path: Option<PathBuf>,
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
    /// Whether the file was fetched again from zero after a pieced-together copy failed its
    /// checks (once at most).
    refetched_whole: bool,
    refreshes: u32,
    /// Restarts because the object on the server changed.
    changes: u32,
    restarted_after_416: bool,
    /// The `.part` holds bytes known to be wrong: remove it on failure.
    corrupt: bool,
    /// The ranges of a multi-connection download recorded by an earlier run, to resume.
    recorded_plan: Option<ranged::Plan>,
    /// While a multi-connection download runs: its ranges and how far each has been written,
    /// for the resume record.
    ranges: Option<Vec<RangeProgress>>,
}

impl<'a> Run<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        client: &'a reqwest::Client,
        download: &'a Download,
        url: Url,
        shown: String,
        span: tracing::Span,
        part: Part,
        record: ResumeRecord,
        written: Option<ResumeRecord>,
        restarts: u32,
    ) -> Self {
        Self {
            client,
            download,
            url,
            shown,
            span,
            part,
            record_path: None,
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
            refetched_whole: false,
            refreshes: 0,
            changes: 0,
            restarted_after_416: false,
            corrupt: false,
            recorded_plan: None,
            ranges: None,
        }
    }

    /// Whether the bytes came from more than one response (a resumed `.part`, a retry, a
    /// probe and ranges).
    fn pieced(&self) -> bool {
        self.resumed_from > 0 || self.resumes > 0 || self.attempts > 1
    }

    /// Transfers, then verifies and finishes, or fails.
    async fn go(mut self) -> Result<DownloadOutcome, Error> {
        match self.transfer().await {
            Ok(verified) => self.finish(verified).await,
            Err(error) => Err(self.fail(error).await),
        }
    }

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
        if let Some(verified) = self.transfer_ranged().await? {
            return Ok(verified);
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
        let url = new_link(refresh.as_ref()).await?;
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
        self.adopt_checks(stated);
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

    /// Adds the whole-file checksums a range answer `stated` that are not known yet, each
    /// that can be checked (an MD5 only when computed from byte zero).
    fn adopt_checks(&mut self, stated: Vec<ExpectedChecksum>) {
        for check in stated {
            let checkable = check.kind != ChecksumKind::Md5 || self.part.has_md5();
            if checkable && !self.server_checks.iter().any(|c| c.source == check.source) {
                self.server_checks.push(check);
            }
        }
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
        self.record.ranges = self.ranges.clone().unwrap_or_else(|| {
            vec![RangeProgress {
                start: 0,
                end: self.known_total,
                next: None,
            }]
        });
        let Some(record_path) = &self.record_path else {
            return Ok(());
        };
        if self.written.as_ref() == Some(&self.record) {
            return Ok(());
        }
        record::write(record_path, &self.record).await?;
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

    /// Keeps the `.part` (and its record) for a later resume, or removes them when empty or
    /// known to be wrong, and says which in the error.
    async fn fail(mut self, error: Error) -> Error {
        // Best effort: the bytes already hashed are worth keeping; a failure here only means
        // fewer of them are on disk, which the next run reads as they are.
        let _ = self.part.flush().await;
        let len = self.part.len;
        self.span.record("attempts", self.attempts);
        let Some(path) = self.part.path().map(Path::to_path_buf) else {
            // A sink is never kept: nothing of this download becomes visible.
            self.part.abort().await;
            return error.with_note(&format!(
                "nothing was written to {} (what it received was discarded; the next run starts again)",
                self.part.shown()
            ));
        };
        drop(self.part);
        let ranged = self
            .ranges
            .as_ref()
            .is_some_and(|ranges| ranges.iter().any(|r| r.next.is_some_and(|n| n > r.start)));
        if self.corrupt || (len == 0 && !ranged) {
            remove_quietly(&path).await;
            if let Some(record_path) = &self.record_path {
                remove_quietly(record_path).await;
            }
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
