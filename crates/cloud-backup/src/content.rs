//! Checking what a downloaded file holds while it streams: `backup-archive`'s verifier behind
//! `cloud-http`'s [`ContentCheck`], and the same check of a file already on disk.

use std::path::Path;
use std::sync::Arc;

use backup_archive::{Report, Verifier};
use cloud_http::{Check, ContentCheck, ContentCheckFactory};

use crate::Error;

/// `backup-archive`'s verifier as a download's content check.
struct ArchiveCheck(Verifier);

impl ContentCheck for ArchiveCheck {
    fn update(&mut self, data: &[u8]) -> Result<(), String> {
        self.0.write(data).map_err(|e| e.to_string())
    }

    fn finish(self: Box<Self>) -> Result<Vec<String>, String> {
        self.0
            .finish()
            .map(|report| words(&report))
            .map_err(|e| e.to_string())
    }
}

/// A fresh archive check for each download from zero.
pub(crate) fn factory() -> ContentCheckFactory {
    Arc::new(|| Box::new(ArchiveCheck(Verifier::new())) as Box<dyn ContentCheck>)
}

/// What was checked, as the words of the `verified:` line: the format, then each count
/// (`xbstream`, `107 xbstream crc32 chunks`, `293 qpress adler32 blocks`).
pub(crate) fn words(report: &Report) -> Vec<String> {
    let mut words: Vec<String> = report
        .format
        .map(|format| format.name().to_owned())
        .into_iter()
        .collect();
    for summary in report.checks.summary() {
        // "xbstream crc32 chunks (107)" -> "107 xbstream crc32 chunks"
        match summary.rsplit_once(" (") {
            Some((what, count)) => {
                words.push(format!("{} {what}", count.trim_end_matches(')')));
            }
            None => words.push(summary),
        }
    }
    words
}

/// The content check of a file already on disk (kept from an earlier run): read once.
pub(crate) async fn check_file(path: &Path) -> Result<Check, Error> {
    let path = path.to_path_buf();
    let shown = path.display().to_string();
    let outcome = tokio::task::spawn_blocking(move || {
        // `verify_reader` reads in 256 KiB pieces itself: no buffering on top.
        std::fs::File::open(&path).map(backup_archive::verify_reader)
    })
    .await
    .map_err(|e| Error::config(format!("the content check of {shown} stopped: {e}")))?;
    match outcome {
        Err(e) => Err(Error::io(format!("could not read {shown}"), e)),
        Ok(Err(e)) => Err(Error::integrity(format!(
            "the contents of {shown} do not check out: {e}"
        ))),
        Ok(Ok(report)) => Ok(Check::new("content", "ok", words(&report))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counts_read_as_words() {
        let gz = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9,
            0xc9, 0xe7, 0x02, 0x00, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00,
        ];
        let mut check: Box<dyn ContentCheck> = factory()();
        check.update(&gz[..10]).expect("a piece");
        check.update(&gz[10..]).expect("the rest");
        assert_eq!(
            check.finish().expect("valid"),
            ["gzip", "1 gzip crc32+length members"]
        );
        let mut check = factory()();
        let _ = check.update(b"not an archive");
        assert!(
            check
                .finish()
                .expect_err("unknown")
                .contains("not a format")
        );
    }
}
