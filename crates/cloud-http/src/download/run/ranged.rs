//! Several connections at once: the file is split into pieces ([`Plan`], [`split`]) that the
//! connections take in file order, fetched in parallel and written in place into the `.part`
//! with positional writes; a connection that is done takes the second half of the range with
//! the most left (so the connections finish together instead of waiting for the slowest).
//! One connection runs alone for a tenth of a second first: when it brings 128 MiB/s or more,
//! the others would only cost CPU, and the download goes on over it in order. Meanwhile the
//! hashers (and the content check) follow the contiguous prefix as it grows (at the speed of
//! all the connections, the pieces being taken in order), reading it back from the page
//! cache. Every check still covers every byte in order, and nothing differs at the end: the
//! same verification, fsync and rename as a download over one connection.
//!
//! A first request for one byte asks whether the server answers ranges and how long the file
//! is (and states its validators and checksums); a server that ignores ranges, a file smaller
//! than [`MIN_RANGED_SIZE`](super::super::MIN_RANGED_SIZE), a sink, or one connection: the
//! download goes on over one connection from the hashed prefix. Each range keeps its progress
//! in the resume record (fsynced before the record says so), so a killed download resumes
//! every range. A range answered for another object (another total, `ETag` or checksum) starts
//! the download again from zero; a range answered with the whole file falls back to one
//! connection; an expired link is renewed once for all the connections that saw it expire.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::{StatusCode, header};

use super::super::checks::{self, ChecksumKind};
use super::super::record::RangeProgress;
use super::super::wire::{content_range, last_modified, shown_url, strong_etag};
use super::super::{MIN_CHUNK, MIN_RANGED_SIZE};
use super::Run;
use crate::error::Error;

mod connection;

#[cfg(test)]
use connection::steal;
use connection::{Fetch, Shared, Stop, read_at};

/// The most ranges a download is split into (the resume record stays small).
const MAX_RANGES: u64 = 256;
/// What a connection gathers before one positional write.
const WRITE_BATCH: usize = 512 << 10;
/// A connection with nothing left to fetch takes the second half of the range with the most
/// left, when that half is at least this long (a new request costs a round trip).
const MIN_STEAL: u64 = 2 << 20;
/// The most a range is planned to hold while the file has room for [`MAX_RANGES`] of them:
/// one request each (a round trip), and what the hashers may have to catch up on when the
/// last bytes arrive is about one such piece a connection. With a range per connection
/// instead, the prefix grew at one connection's speed and everything after it was hashed at
/// the end (0.6 s of a 1 GiB download over 8 capped connections, `BENCHMARKS.md`).
const PIECE: u64 = 16 << 20;
/// What the hashers read back at a time.
const READ_BATCH: usize = 1 << 20;
/// What the hashers take of the written prefix before the connections are polled again.
const HASH_SLICE: u64 = 4 << 20;
/// How often the resume record is brought up to date while ranges arrive.
const RECORD_EVERY: Duration = Duration::from_secs(1);
/// How long one connection runs alone before the others start (or are found not needed).
const WARM_UP: Duration = Duration::from_millis(100);
/// The rate of one connection at which the others are not started: the download goes on over
/// it, hashed as it arrives (several connections cost CPU, and pay only on a slower link).
const FAST_ENOUGH: u64 = 128 << 20;

/// The ranges of a multi-connection download, as a resume record keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in super::super) struct Plan {
    /// The length of the contiguous prefix from byte zero that is written.
    pub(in super::super) prefix: u64,
    /// Every range, in order, each with the offset it has reached.
    ranges: Vec<Range>,
    /// The file's length.
    total: u64,
}

/// One range: `start..end`, written up to `next`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    start: u64,
    end: u64,
    next: u64,
}

/// The plan a resume record describes, when it is one of a multi-connection download: ranges
/// that tile `0..total` in order, each with `next` inside it. `None` for a record of one
/// connection or one that does not hold together (it is then treated as one connection's:
/// what was written is not trusted beyond what the `.part` proves).
pub(in super::super) fn recorded_plan(recorded: &[RangeProgress]) -> Option<Plan> {
    if !recorded.iter().any(|r| r.next.is_some()) || recorded.len() as u64 > MAX_RANGES + 1 {
        return None;
    }
    let ranges = recorded
        .iter()
        .map(|r| {
            Some(Range {
                start: r.start,
                end: r.end?,
                next: r.next?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let plan = Plan {
        prefix: contiguous(&ranges, 0),
        total: ranges.last()?.end,
        ranges,
    };
    plan.holds_together().then_some(plan)
}

impl Plan {
    /// Whether the plan is one a download can follow: ranges that tile `0..total` in order,
    /// each written up to a point inside it, and a prefix that is what they say.
    pub(in super::super) fn holds_together(&self) -> bool {
        let mut at = 0;
        for r in &self.ranges {
            if r.start != at || r.end <= r.start || r.next < r.start || r.next > r.end {
                return false;
            }
            at = r.end;
        }
        at == self.total && self.prefix == contiguous(&self.ranges, 0) && self.prefix <= self.total
    }
}

/// How many bytes the ranges have written.
fn written(ranges: &[Range]) -> u64 {
    ranges.iter().map(|r| r.next - r.start).sum()
}

/// How far from `from` the ranges are written without a gap.
fn contiguous(ranges: &[Range], from: u64) -> u64 {
    let mut reached = from;
    for range in ranges {
        if range.end <= reached {
            continue;
        }
        if range.start > reached || range.next <= reached {
            break;
        }
        reached = range.next;
        if range.next < range.end {
            break;
        }
    }
    reached
}

/// Splits `from..total` into pieces of at most [`PIECE`] (fewer when there are few
/// `connections`: one range each), each at least [`MIN_CHUNK`], at most [`MAX_RANGES`] of
/// them. The connections take the pieces in file order, so the written prefix, which the
/// hashers follow, grows at the speed of all of them; the connections that finish first take
/// halves of what is left.
fn split(from: u64, total: u64, connections: usize) -> Vec<Range> {
    let rest = total.saturating_sub(from);
    let per = rest
        .div_ceil((connections as u64).max(1))
        .min(PIECE)
        .max(rest.div_ceil(MAX_RANGES))
        .max(MIN_CHUNK);
    let mut ranges = Vec::new();
    let mut start = from;
    while start < total {
        let end = (start + per).min(total);
        ranges.push(Range {
            start,
            end,
            next: start,
        });
        start = end;
    }
    ranges
}

/// `ranges` in file order (ranges split by [`steal`] are added at the end).
fn in_order(ranges: &[Range]) -> Vec<Range> {
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| r.start);
    sorted
}

/// Reads `n` bytes at `at` into `buffer` (on a blocking thread).
async fn read_back(
    file: &Arc<std::fs::File>,
    mut buffer: Vec<u8>,
    n: usize,
    at: u64,
) -> std::io::Result<Vec<u8>> {
    let file = Arc::clone(file);
    let read = tokio::task::spawn_blocking(move || {
        let result = read_at(&file, &mut buffer[..n], at);
        (buffer, result)
    })
    .await
    .map_err(std::io::Error::other)?;
    let (buffer, result) = read;
    result.map(|()| buffer)
}

impl Run<'_> {
    /// Fetches the file over several connections when it can: `Ok(Some(verified))` when the
    /// file is complete (and hashed), `Ok(None)` to go on over one connection from the hashed
    /// prefix (the `.part` cut there).
    pub(super) async fn transfer_ranged(&mut self) -> Result<Option<bool>, Error> {
        let recorded = self.recorded_plan.take();
        let connections = self
            .download
            .connections
            .clamp(1, super::super::MAX_CONNECTIONS);
        let small = [self.download.expected_size, self.size_limit()]
            .into_iter()
            .flatten()
            .min()
            .is_some_and(|size| size < MIN_RANGED_SIZE);
        if connections < 2 || small || self.part.path().is_none() {
            if recorded.is_some() {
                self.one_connection().await?;
            }
            return Ok(None);
        }
        let Some(total) = self.probe(recorded.as_ref()).await? else {
            if recorded.is_some() {
                self.one_connection().await?;
            }
            return Ok(None);
        };
        let Some(file) = self.part.shared_file().await? else {
            return Ok(None);
        };
        let from = self.part.len;
        let ranges = match recorded {
            Some(plan) if plan.total == total && self.part.len == plan.prefix => plan
                .ranges
                .into_iter()
                .filter(|r| r.end > from)
                .map(|r| Range {
                    start: r.start.max(from),
                    end: r.end,
                    next: r.next.max(from),
                })
                .collect(),
            _ => {
                // What lies beyond the hashed prefix is not known to be this object's.
                self.part.cut().await?;
                split(from, total, connections)
            }
        };
        let already: u64 = from + ranges.iter().map(|r| r.next - r.start).sum::<u64>();
        self.resumed_from = already;
        self.span.record("resumed_from", already);
        if let Some(progress) = self.progress() {
            progress.start(already, Some(total));
        }
        tracing::debug!(
            total,
            ranges = ranges.len(),
            connections,
            "fetching in ranges"
        );
        // The plan is on record before any range is fetched.
        self.keep_ranges(&file, &ranges).await;
        let fetch = Fetch {
            client: self.client,
            download: self.download,
            file: Arc::clone(&file),
            total,
            shared: Mutex::new(Shared {
                taken: vec![false; ranges.len()],
                ranges,
                url: self.url.clone(),
                generation: 0,
                refreshes: self.refreshes,
                etag: self.etag.clone(),
                last_modified: self.last_modified.clone(),
                checks: self.server_checks.clone(),
                stop: None,
                attempts: 0,
                resumes: 0,
            }),
            written: tokio::sync::Notify::new(),
            refreshing: tokio::sync::Mutex::new(()),
        };
        let outcome = self.follow(&fetch, &file, connections, total).await;
        let shared = fetch
            .shared
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        self.attempts += shared.attempts;
        self.resumes += shared.resumes;
        self.refreshes = shared.refreshes;
        if shared.generation > 0 {
            self.shown = shown_url(&shared.url);
            self.url = shared.url;
        }
        self.etag = shared.etag;
        self.last_modified = shared.last_modified;
        self.server_checks = shared.checks;
        outcome?;
        match shared.stop {
            None if self.part.len == total => {
                self.ranges = None;
                Ok(Some(true))
            }
            None => Err(Error::transport(format!(
                "the ranges ended after {} of {total} bytes",
                self.part.len
            ))),
            Some(Stop::Fail(error)) => {
                self.keep_ranges(&file, &in_order(&shared.ranges)).await;
                Err(error)
            }
            Some(Stop::Fallback(why)) => {
                tracing::info!(
                    offset = self.part.len,
                    "{why}: going on over one connection"
                );
                if let Some(progress) = self.progress() {
                    // What was fetched beyond the prefix is dropped; a `start` follows.
                    progress.restart();
                }
                self.one_connection().await?;
                Ok(None)
            }
            Some(Stop::Changed(what)) => {
                self.ranges = None;
                self.object_changed(&what).await?;
                Ok(None)
            }
        }
    }

    /// Cuts the `.part` after its hashed prefix and records it as one connection's, so that
    /// the download goes on in order from there.
    async fn one_connection(&mut self) -> Result<(), Error> {
        self.ranges = None;
        self.part.cut().await?;
        if self.written.is_some() {
            self.save_record().await?;
        }
        Ok(())
    }

    /// The one-byte request that tells whether the server answers ranges, and the file's
    /// length, validators and checksums: the length when the file is fetched in ranges.
    async fn probe(&mut self, recorded: Option<&Plan>) -> Result<Option<u64>, Error> {
        self.attempts += 1;
        let request = self
            .client
            .get(self.url.clone())
            .header(header::ACCEPT_ENCODING, "identity")
            .header(header::RANGE, "bytes=0-0");
        let idle = self.download.idle_timeout;
        let Ok(Ok(response)) = tokio::time::timeout(idle, request.send()).await else {
            // The connection or the server failed: one connection deals with it.
            return Ok(None);
        };
        if response.status() != StatusCode::PARTIAL_CONTENT {
            return Ok(None);
        }
        let headers = response.headers();
        let Some(total) = content_range(headers).and_then(|r| r.total) else {
            return Ok(None);
        };
        self.check_total(Some(total))?;
        let etag = strong_etag(headers);
        let stated = checks::from_headers(headers, false, self.download.etag_is_md5);
        let changed = self
            .changed(Some(total), etag.as_deref(), &stated)
            .or_else(|| {
                recorded
                    .filter(|plan| plan.total != total)
                    .map(|plan| format!("it had {} bytes, now {total}", plan.total))
            });
        if let Some(what) = changed {
            self.object_changed(&what).await?;
        }
        self.known_total = Some(total);
        if self.etag.is_none() {
            self.etag = etag;
        }
        if self.last_modified.is_none() {
            self.last_modified = last_modified(headers);
        }
        if stated.iter().any(|c| c.kind == ChecksumKind::Md5) {
            self.part.start_md5();
        }
        self.adopt_checks(stated);
        drop(response);
        if total < MIN_RANGED_SIZE || total - self.part.len < MIN_CHUNK {
            return Ok(None);
        }
        Ok(Some(total))
    }

    /// Runs the connections while the hashers follow the contiguous prefix, bringing the
    /// resume record up to date as ranges arrive; returns when every connection has ended.
    async fn follow(
        &mut self,
        fetch: &Fetch<'_>,
        file: &Arc<std::fs::File>,
        connections: usize,
        total: u64,
    ) -> Result<(), Error> {
        use futures::StreamExt;
        use futures::stream::FuturesUnordered;

        let count = connections.min(fetch.lock().ranges.len()).max(1);
        // One connection first: when it alone goes fast enough, several would only cost CPU
        // (each range read back for the hashers), so the download goes on over it, in order.
        let mut workers: FuturesUnordered<_> = std::iter::once(fetch.connection()).collect();
        let started = tokio::time::Instant::now();
        let written_before = written(&fetch.lock().ranges);
        let mut launched = count == 1;
        let mut recorded_at = started;
        let mut buffer = vec![0u8; READ_BATCH];
        loop {
            let (reached, ranges) = {
                let ranges = in_order(&fetch.lock().ranges);
                (contiguous(&ranges, self.part.len), ranges)
            };
            // A few batches at a time, so that the connections (polled below, in this same
            // task) are not left waiting while a long prefix is hashed.
            let hash_until = reached.min(self.part.len + HASH_SLICE);
            while self.part.len < hash_until {
                let n = usize::try_from(hash_until - self.part.len)
                    .map_or(READ_BATCH, |n| n.min(READ_BATCH));
                buffer = read_back(file, buffer, n, self.part.len)
                    .await
                    .map_err(|e| {
                        Error::io(format!("could not read back {}", self.part.shown()), e)
                    })?;
                self.part.absorb(&buffer[..n]);
            }
            if self.part.len >= total {
                tracing::debug!(total, "every range written and hashed");
            }
            let workers_done = launched && workers.is_empty();
            if self.part.len >= total || (workers_done && self.part.len >= reached) {
                if self.part.len < total {
                    self.keep_ranges(file, &ranges).await;
                }
                return Ok(());
            }
            let warm = started.elapsed();
            if !launched && (warm >= WARM_UP || workers.is_empty()) {
                launched = true;
                let bytes = written(&ranges).saturating_sub(written_before);
                let rate = bytes as f64 / warm.as_secs_f64().max(1e-3);
                if rate >= FAST_ENOUGH as f64 && !workers.is_empty() {
                    fetch.stop(Stop::Fallback(format!(
                        "one connection brings {:.0} MiB/s",
                        rate / f64::from(1 << 20)
                    )));
                } else {
                    workers.extend((1..count).map(|_| fetch.connection()));
                }
            }
            if recorded_at.elapsed() >= RECORD_EVERY {
                self.keep_ranges(file, &ranges).await;
                recorded_at = tokio::time::Instant::now();
            }
            let wait = if self.part.len < reached {
                Duration::ZERO
            } else if launched {
                RECORD_EVERY
            } else {
                WARM_UP.saturating_sub(started.elapsed())
            };
            tokio::select! {
                // The connections first: with hashing pending the sleep is ready at once.
                biased;
                Some(()) = workers.next(), if !workers.is_empty() => {}
                () = fetch.written.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Brings the resume record up to date with `ranges` (the bytes it claims synced to disk
    /// first); a failure only means a later run fetches more again.
    async fn keep_ranges(&mut self, file: &Arc<std::fs::File>, ranges: &[Range]) {
        let file = Arc::clone(file);
        if !matches!(
            tokio::task::spawn_blocking(move || file.sync_data()).await,
            Ok(Ok(()))
        ) {
            return;
        }
        let mut progress = Vec::with_capacity(ranges.len() + 1);
        if let Some(first) = ranges.first()
            && first.start > 0
        {
            progress.push(RangeProgress {
                start: 0,
                end: Some(first.start),
                next: Some(first.start),
            });
        }
        progress.extend(ranges.iter().map(|r| RangeProgress {
            start: r.start,
            end: Some(r.end),
            next: Some(r.next),
        }));
        self.ranges = Some(progress);
        if let Err(error) = self.save_record().await {
            tracing::warn!(error = %error, "could not bring the resume record up to date");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, end: u64, next: u64) -> Range {
        Range { start, end, next }
    }

    #[test]
    fn ranges_cover_the_rest_in_order_with_bounded_counts() {
        let ranges = split(0, 48 << 20, 4);
        assert_eq!(ranges.len(), 4);
        assert_eq!(ranges[0], r(0, 12 << 20, 0));
        // Pieces of at most PIECE, taken in order by the connections.
        let ranges = split(0, 100 << 20, 4);
        assert_eq!(ranges.len(), 7);
        assert_eq!(ranges[0], r(0, PIECE, 0));
        assert_eq!(ranges.last().map(|r| r.end), Some(100 << 20));
        assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
        // Never smaller than MIN_CHUNK, never more than MAX_RANGES.
        assert_eq!(split(10, 10 + 9 * MIN_CHUNK, 32).len(), 9);
        assert!(split(0, 1 << 40, 32).len() as u64 <= MAX_RANGES);
        assert!(split(5, 5, 4).is_empty());
    }

    #[test]
    fn a_free_connection_takes_the_second_half_of_the_longest_range_left() {
        let mut shared = Shared {
            ranges: vec![r(0, 10 << 20, 9 << 20), r(10 << 20, 30 << 20, 12 << 20)],
            taken: vec![true, true],
            url: reqwest::Url::parse("http://127.0.0.1/f").expect("a URL"),
            generation: 0,
            refreshes: 0,
            etag: None,
            last_modified: None,
            checks: Vec::new(),
            stop: None,
            attempts: 0,
            resumes: 0,
        };
        assert_eq!(steal(&mut shared), Some(2));
        assert_eq!(shared.ranges[1], r(10 << 20, 21 << 20, 12 << 20));
        assert_eq!(shared.ranges[2], r(21 << 20, 30 << 20, 21 << 20));
        assert_eq!(
            in_order(&shared.ranges)
                .iter()
                .map(|r| r.start)
                .collect::<Vec<_>>(),
            [0, 10 << 20, 21 << 20]
        );
        // Nothing long enough left: no steal.
        shared.ranges = vec![r(0, 10 << 20, (10 << 20) - (3 << 20))];
        shared.taken = vec![true];
        assert_eq!(steal(&mut shared), None);
    }

    #[test]
    fn the_prefix_runs_to_the_first_gap() {
        let ranges = [r(0, 10, 10), r(10, 20, 15), r(20, 30, 30)];
        assert_eq!(contiguous(&ranges, 0), 15);
        assert_eq!(contiguous(&ranges, 12), 15);
        let ranges = [r(0, 10, 10), r(10, 20, 20), r(20, 30, 20)];
        assert_eq!(contiguous(&ranges, 0), 20);
        assert_eq!(contiguous(&[r(5, 10, 7)], 0), 0);
    }

    #[test]
    fn a_recorded_plan_must_tile_the_file() {
        let p = |start, end: Option<u64>, next| RangeProgress { start, end, next };
        let plan = recorded_plan(&[
            p(0, Some(10), Some(10)),
            p(10, Some(20), Some(12)),
            p(20, Some(30), Some(30)),
        ])
        .expect("a plan");
        assert_eq!((plan.prefix, plan.total), (12, 30));
        // One connection's record, gaps, overlaps and offsets outside their range are not.
        assert_eq!(recorded_plan(&[p(0, Some(30), None)]), None);
        assert_eq!(
            recorded_plan(&[p(0, Some(10), Some(10)), p(11, Some(20), Some(11))]),
            None
        );
        assert_eq!(
            recorded_plan(&[p(0, Some(10), Some(10)), p(5, Some(20), Some(5))]),
            None
        );
        assert_eq!(recorded_plan(&[p(0, Some(10), Some(11))]), None);
        assert_eq!(recorded_plan(&[p(0, None, Some(0))]), None);
    }
}
