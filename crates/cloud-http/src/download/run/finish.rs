//! The end of a download: the complete `.part` verified, fsynced and renamed (or the sink
//! completed), and the outcome.

use std::path::{Path, PathBuf};

use super::super::DownloadOutcome;
use super::super::checks::{self, Check, Digests, ExpectedChecksum, checks_summary};
use super::super::part::{Found, inspect, remove_quietly, sync_parent};
use super::Run;
use crate::error::Error;

impl Run<'_> {
    /// Checks the complete `.part` (size and checksums), fsyncs it and renames it over the
    /// destination.
    pub(super) async fn finish(mut self, verified: bool) -> Result<DownloadOutcome, Error> {
        let len = self.part.len;
        if let Some(said) = self.api_size_mismatch(len) {
            self.corrupt = true;
            let error = Error::integrity(format!(
                "the file has {len} bytes, but {said} ({})",
                self.shown
            ));
            return Err(self.fail(error).await);
        }
        let digests = match self.part.finish().await {
            Ok(digests) => digests,
            Err(error) => {
                // Nothing to resume from reliably when the file cannot be synced.
                self.part.abort().await;
                return Err(error);
            }
        };
        let size_sources = self.size_sources(len, verified);
        let expected: Vec<&ExpectedChecksum> = self
            .server_checks
            .iter()
            .chain(&self.download.checksums)
            .collect();
        let (checks, notes) =
            match checks::verify(&digests, len, size_sources, &expected, &self.shown) {
                Ok(found) => found,
                Err(error) if self.pieced() && !self.refetched_whole => {
                    // The bytes came from more than one response (a resumed `.part`, a retry,
                    // several connections): the wrong ones may be bytes kept from an earlier
                    // response (a run killed after a corrupted piece was written) rather than
                    // the object's. Fetched once more from zero, in one go, before failing
                    // (found by the fault campaign, `tests/it/campaign.rs`).
                    tracing::warn!(
                        error = %error,
                        "the file pieced together from several responses fails its checks: \
                         fetching it again from zero"
                    );
                    self.refetched_whole = true;
                    self.ranges = None;
                    self.recorded_plan = None;
                    self.resumed_from = 0;
                    if let Err(error) = self.restart().await {
                        return Err(self.fail(error).await);
                    }
                    return Box::pin(self.go()).await;
                }
                Err(error) => {
                    self.part.abort().await;
                    let Some(part_path) = self.part.path().map(Path::to_path_buf) else {
                        return Err(error.with_note(&format!(
                            "nothing was written to {} (what it received was discarded)",
                            self.part.shown()
                        )));
                    };
                    remove_quietly(&part_path).await;
                    self.remove_record().await;
                    return Err(error.with_note(&format!(
                        "the partial file {} was removed (its bytes are wrong); running the \
                     download again starts from zero",
                        part_path.display()
                    )));
                }
            };
        let Some(part_path) = self.part.path().map(Path::to_path_buf) else {
            // A sink: verified, now made visible (and checked by the store, if it can).
            let mut checks = checks;
            match self.part.complete(&digests.sha256).await {
                Ok(more) => checks.extend(more),
                Err(error) => {
                    self.part.abort().await;
                    return Err(error);
                }
            }
            let path = PathBuf::from(self.part.shown());
            return Ok(self.outcome(path, len, digests, (checks, notes), verified));
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
        self.remove_record().await;
        Ok(self.outcome(dest.clone(), len, digests, (checks, notes), verified))
    }

    /// Removes the resume record, if there is one.
    async fn remove_record(&mut self) {
        if let Some(record_path) = &self.record_path {
            remove_quietly(record_path).await;
        }
    }

    /// The outcome of a verified download now at `path`.
    fn outcome(
        &self,
        path: PathBuf,
        len: u64,
        digests: Digests,
        (checks, notes): (Vec<Check>, Vec<String>),
        verified: bool,
    ) -> DownloadOutcome {
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
        DownloadOutcome {
            path,
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
        }
    }

    /// Where the size check of a file of `len` bytes comes from: the server (when its
    /// announced total was verified) and the API.
    fn size_sources(&self, len: u64, verified: bool) -> Vec<String> {
        let mut sources = Vec::new();
        if verified && self.known_total == Some(len) {
            sources.push("server".to_owned());
        }
        if self.download.expected_size.is_some() || self.download.size_between.is_some() {
            sources.push("API".to_owned());
        }
        sources
    }
}
