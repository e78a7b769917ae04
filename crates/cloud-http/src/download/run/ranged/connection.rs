//! The connections of a multi-connection download: each takes a range (or the second half of
//! the range with the most left), requests it, checks that the answer is a range of the same
//! object, and writes it in place.

use std::sync::{Arc, Mutex, PoisonError};

use reqwest::{StatusCode, Url, header};

use super::super::super::checks::{self, ExpectedChecksum};
use super::super::super::wire::{
    Refusal, content_length, content_range, if_range, last_modified, refused, shown_url,
    strong_etag,
};
use super::super::super::{Download, MAX_SERVER_DELAY, Progress};
use super::{MAX_RANGES, MIN_STEAL, Range, WRITE_BATCH};
use crate::error::Error;

/// Splits the range with the most left (being fetched by another connection) in two, and
/// returns the index of its second half, a new range; `None` when no range has enough left.
/// The connection fetching the first half stops at its new end.
pub(super) fn steal(shared: &mut Shared) -> Option<usize> {
    if shared.ranges.len() as u64 >= MAX_RANGES {
        return None;
    }
    let victim =
        (0..shared.ranges.len()).max_by_key(|&i| shared.ranges[i].end - shared.ranges[i].next)?;
    let Range { next, end, .. } = shared.ranges[victim];
    if end - next < 2 * MIN_STEAL {
        return None;
    }
    let middle = next + (end - next) / 2;
    shared.ranges[victim].end = middle;
    shared.ranges.push(Range {
        start: middle,
        end,
        next: middle,
    });
    shared.taken.push(false);
    Some(shared.ranges.len() - 1)
}

/// Why the connections stopped before the file was complete.
pub(super) enum Stop {
    /// A failure that ends the download.
    Fail(Error),
    /// The server does not serve this download in ranges: one connection from the prefix.
    Fallback(String),
    /// The object changed: start again from zero.
    Changed(String),
}

/// What the connections share.
pub(super) struct Shared {
    pub(super) ranges: Vec<Range>,
    /// Whether a connection has taken the range.
    pub(super) taken: Vec<bool>,
    pub(super) url: Url,
    /// Bumped with every new link, so that a link that expired is renewed once.
    pub(super) generation: u32,
    pub(super) refreshes: u32,
    pub(super) etag: Option<String>,
    pub(super) last_modified: Option<String>,
    /// The whole-file checksums the responses stated.
    pub(super) checks: Vec<ExpectedChecksum>,
    pub(super) stop: Option<Stop>,
    pub(super) attempts: u32,
    pub(super) resumes: u32,
}

/// One connection's view: what it needs of the download, and the shared state.
pub(super) struct Fetch<'a> {
    pub(super) client: &'a reqwest::Client,
    pub(super) download: &'a Download,
    pub(super) file: Arc<std::fs::File>,
    pub(super) total: u64,
    pub(super) shared: Mutex<Shared>,
    /// Woken when a range has more bytes written, or a connection is done.
    pub(super) written: tokio::sync::Notify,
    /// Held while a new link is asked for.
    pub(super) refreshing: tokio::sync::Mutex<()>,
}

/// How one request for a range ended, when the range is not complete.
enum Miss {
    /// Try again after a backoff (if the error is retryable and attempts remain).
    Retry(Error),
    /// The link expired (as of `generation`): renew it.
    Expired(Error, u32),
    /// Stop every connection.
    Stop(Stop),
}

impl Fetch<'_> {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn progress(&self) -> Option<&dyn Progress> {
        self.download.progress.as_deref()
    }

    fn stopped(&self) -> bool {
        self.lock().stop.is_some()
    }

    pub(super) fn stop(&self, stop: Stop) {
        let mut shared = self.lock();
        if shared.stop.is_none() {
            shared.stop = Some(stop);
        }
        drop(shared);
        self.written.notify_one();
    }

    /// One connection: takes ranges until none is left, fetching each to its end.
    pub(super) async fn connection(&self) {
        loop {
            let index = {
                let mut shared = self.lock();
                if shared.stop.is_some() {
                    return;
                }
                let free = (0..shared.ranges.len())
                    .find(|&i| !shared.taken[i] && shared.ranges[i].next < shared.ranges[i].end);
                match free.or_else(|| steal(&mut shared)) {
                    Some(index) => {
                        shared.taken[index] = true;
                        index
                    }
                    None => return,
                }
            };
            if !self.range(index).await {
                return;
            }
            self.written.notify_one();
        }
    }

    /// Fetches range `index` to its end, retrying; `false` when the download stops.
    async fn range(&self, index: usize) -> bool {
        let max_attempts = self.download.retry.max_attempts;
        let mut failures = 0u32;
        loop {
            if self.stopped() {
                return false;
            }
            let before = self.lock().ranges[index].next;
            let error = match self.request(index).await {
                Ok(true) => return true,
                Ok(false) => continue,
                Err(Miss::Stop(stop)) => {
                    self.stop(stop);
                    return false;
                }
                Err(Miss::Expired(error, generation)) => {
                    if let Err(error) = self.renew(error, generation).await {
                        self.stop(Stop::Fail(error));
                        return false;
                    }
                    continue;
                }
                Err(Miss::Retry(error)) => error,
            };
            if self.lock().ranges[index].next > before {
                failures = 0;
            }
            failures += 1;
            let attempts = self.lock().attempts;
            let error = error.with_attempts(attempts);
            if !error.is_retryable() {
                self.stop(Stop::Fail(error));
                return false;
            }
            if failures >= max_attempts {
                let note = format!("gave up after {failures} attempts at one range in a row");
                self.stop(Stop::Fail(error.with_note(&note)));
                return false;
            }
            let delay = error.retry_after().map_or_else(
                || self.download.retry.backoff(failures),
                |asked| asked.min(MAX_SERVER_DELAY),
            );
            tracing::info!(
                error = %error,
                range = index,
                delay_ms = delay.as_millis(),
                "a range was interrupted; resuming it after a delay"
            );
            if let Some(progress) = self.progress() {
                progress.retrying(&error, delay);
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// A new link for every connection, unless one was got since `generation` expired.
    async fn renew(&self, error: Error, generation: u32) -> Result<(), Error> {
        let _one_at_a_time = self.refreshing.lock().await;
        let refreshes = {
            let shared = self.lock();
            if shared.generation != generation {
                return Ok(());
            }
            shared.refreshes
        };
        let Some(refresh) = self.download.refresh.clone() else {
            return Err(error.with_note(
                "get a new link and run the same download again: it resumes from the bytes \
                 already written",
            ));
        };
        if refreshes >= self.download.max_refreshes {
            return Err(error.with_note(&format!(
                "the link expired again after {refreshes} new link{}",
                if refreshes == 1 { "" } else { "s" }
            )));
        }
        tracing::info!(
            refresh = refreshes + 1,
            "the download link expired; asking for a new one"
        );
        if let Some(progress) = self.progress() {
            progress.refreshing(refreshes + 1);
        }
        let url = super::super::new_link(refresh.as_ref()).await?;
        let mut shared = self.lock();
        shared.url = url;
        shared.generation += 1;
        shared.refreshes += 1;
        Ok(())
    }

    /// One request for what is left of range `index`, streamed into place: `Ok(true)` when
    /// the range is complete, `Ok(false)` when the server sent less (ask again).
    async fn request(&self, index: usize) -> Result<bool, Miss> {
        let (url, generation, from, end, validator) = {
            let mut shared = self.lock();
            shared.attempts += 1;
            let range = shared.ranges[index];
            if range.next > range.start {
                shared.resumes += 1;
            }
            let validator = if_range(shared.etag.as_deref(), shared.last_modified.as_deref());
            (
                shared.url.clone(),
                shared.generation,
                range.next,
                range.end,
                validator,
            )
        };
        let shown = shown_url(&url);
        let mut request = self
            .client
            .get(url.clone())
            .header(header::ACCEPT_ENCODING, "identity")
            .header(header::RANGE, format!("bytes={from}-{}", end - 1));
        if let Some(validator) = validator {
            request = request.header(header::IF_RANGE, validator);
        }
        let idle = self.download.idle_timeout;
        let response = match tokio::time::timeout(idle, request.send()).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => return Err(Miss::Retry(Error::from(error))),
            Err(_) => {
                return Err(Miss::Retry(Error::timeout(format!(
                    "the server sent no response within {idle:?}"
                ))));
            }
        };
        let status = response.status();
        match status {
            StatusCode::PARTIAL_CONTENT => {}
            StatusCode::OK => {
                return Err(Miss::Stop(Stop::Fallback(
                    "the server answered a range with the whole file (it ignores ranges, or \
                     the file changed)"
                        .to_owned(),
                )));
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                return Err(Miss::Stop(Stop::Changed(format!(
                    "the server refuses bytes {from}-{} of a file of {} bytes",
                    end - 1,
                    self.total
                ))));
            }
            _ if status.is_success() => {
                return Err(Miss::Stop(Stop::Fail(Error::decode_at(
                    format!("the server answered a range of {shown} with HTTP {status}, not 206"),
                    None,
                    status.as_u16(),
                    None,
                    None,
                ))));
            }
            _ => {
                let Refusal { error, expired } = refused(response, &url, &shown, idle).await;
                return Err(if expired {
                    Miss::Expired(error, generation)
                } else {
                    Miss::Retry(error)
                });
            }
        }
        let headers = response.headers();
        let Some(sent) = content_range(headers) else {
            return Err(Miss::Stop(Stop::Fail(protocol(
                status,
                format!("the server answered HTTP 206 for {shown} without a valid Content-Range"),
            ))));
        };
        if sent.total.is_some_and(|total| total != self.total) {
            return Err(Miss::Stop(Stop::Changed(format!(
                "it had {} bytes, now {}",
                self.total,
                sent.total.unwrap_or_default()
            ))));
        }
        let Some((first, last)) = sent
            .range
            .filter(|&(first, last)| first == from && last < end)
        else {
            return Err(Miss::Stop(Stop::Fail(protocol(
                status,
                format!(
                    "asked for bytes {from}-{} of {shown}, the server sent {:?}",
                    end - 1,
                    sent.range
                ),
            ))));
        };
        let length = last - first + 1;
        if content_length(headers).is_some_and(|declared| declared != length) {
            return Err(Miss::Stop(Stop::Fail(protocol(
                status,
                format!(
                    "the server sent bytes {first}-{last} of {shown} with a Content-Length \
                     that is not {length}"
                ),
            ))));
        }
        if let Some(changed) = self.same_object(headers) {
            return Err(Miss::Stop(Stop::Changed(changed)));
        }
        self.stream(index, response, first, last + 1).await
    }

    /// What shows that `headers` describe another object than the one being fetched.
    fn same_object(&self, headers: &header::HeaderMap) -> Option<String> {
        let etag = strong_etag(headers);
        let stated = checks::from_headers(headers, false, self.download.etag_is_md5);
        let mut shared = self.lock();
        match (&shared.etag, etag) {
            (Some(before), Some(now)) if *before != now => {
                return Some(format!("its ETag was {before}, now {now}"));
            }
            (None, Some(now)) => shared.etag = Some(now),
            _ => {}
        }
        if shared.last_modified.is_none() {
            shared.last_modified = last_modified(headers);
        }
        for check in stated {
            if let Some(known) = shared.checks.iter().find(|c| c.source == check.source) {
                if known.value != check.value {
                    return Some(format!(
                        "its {} was {}, now {}",
                        check.source, known.value, check.value
                    ));
                }
            } else {
                shared.checks.push(check);
            }
        }
        None
    }

    /// Writes the body of a 206 for `from..end` into place, in batches.
    async fn stream(
        &self,
        index: usize,
        mut response: reqwest::Response,
        from: u64,
        asked_end: u64,
    ) -> Result<bool, Miss> {
        let idle = self.download.idle_timeout;
        let mut at = from;
        let mut batch: Vec<u8> = Vec::with_capacity(WRITE_BATCH);
        let failure = loop {
            // The range's end moves closer when another connection takes its second half.
            let end = self.lock().ranges[index].end;
            if self.stopped() || at + batch.len() as u64 >= end {
                break None;
            }
            let piece = match tokio::time::timeout(idle, response.chunk()).await {
                Ok(Ok(Some(piece))) => piece,
                Ok(Ok(None)) => break None,
                Ok(Err(error)) => break Some(Miss::Retry(Error::from(error))),
                Err(_) => {
                    break Some(Miss::Retry(Error::timeout(format!(
                        "no data arrived for {idle:?} in bytes {from}-{}",
                        asked_end - 1
                    ))));
                }
            };
            let held = at + batch.len() as u64;
            if held + piece.len() as u64 > asked_end {
                break Some(Miss::Stop(Stop::Fail(Error::integrity(format!(
                    "the server sent more than the {} bytes of range {from}-{} it announced",
                    asked_end - from,
                    asked_end - 1
                )))));
            }
            let wanted = usize::try_from(end - held).map_or(piece.len(), |n| n.min(piece.len()));
            let piece = &piece[..wanted];
            if batch.len() + piece.len() > WRITE_BATCH && !batch.is_empty() {
                match self.write(index, at, std::mem::take(&mut batch)).await {
                    Ok(emptied) => batch = emptied,
                    Err(error) => break Some(Miss::Stop(Stop::Fail(error))),
                }
                at = self.lock().ranges[index].next;
            }
            batch.extend_from_slice(piece);
        };
        if !batch.is_empty()
            && let Err(error) = self.write(index, at, batch).await
        {
            return Err(Miss::Stop(Stop::Fail(error)));
        }
        let Range {
            next: reached, end, ..
        } = self.lock().ranges[index];
        match failure {
            Some(miss) => Err(miss),
            None if reached >= end => Ok(true),
            None if reached > from || self.stopped() => Ok(false),
            None => Err(Miss::Retry(Error::transport(format!(
                "the server ended a range after {} of {} bytes",
                reached - from,
                end - from
            )))),
        }
    }

    /// Writes `batch` at `at` (range `index`'s next byte), then moves the range on; gives the
    /// emptied buffer back.
    async fn write(&self, index: usize, at: u64, mut batch: Vec<u8>) -> Result<Vec<u8>, Error> {
        let end = self.lock().ranges[index].end;
        batch.truncate(usize::try_from(end.saturating_sub(at)).unwrap_or(usize::MAX));
        let file = Arc::clone(&self.file);
        let written = tokio::task::spawn_blocking(move || {
            let result = write_at(&file, &batch, at);
            (batch, result)
        })
        .await;
        let (mut batch, result) = written.map_err(|e| {
            Error::io(
                "a write of the partial file failed",
                std::io::Error::other(e),
            )
        })?;
        result.map_err(|e| Error::io("could not write the partial file", e))?;
        let n = batch.len() as u64;
        batch.clear();
        self.lock().ranges[index].next = at + n;
        if let Some(progress) = self.progress() {
            progress.advance(n);
        }
        self.written.notify_one();
        Ok(batch)
    }
}

fn protocol(status: StatusCode, message: String) -> Error {
    Error::decode_at(message, None, status.as_u16(), None, None)
}

#[cfg(unix)]
fn write_at(file: &std::fs::File, data: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, data, at)
}

#[cfg(unix)]
pub(super) fn read_at(file: &std::fs::File, data: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, data, at)
}

#[cfg(windows)]
fn write_at(file: &std::fs::File, mut data: &[u8], mut at: u64) -> std::io::Result<()> {
    while !data.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, data, at)?;
        data = &data[n..];
        at += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
pub(super) fn read_at(
    file: &std::fs::File,
    mut data: &mut [u8],
    mut at: u64,
) -> std::io::Result<()> {
    while !data.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_read(file, data, at)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        data = &mut data[n..];
        at += n as u64;
    }
    Ok(())
}
