//! The resume record: a small JSON file beside the `.part` (`<dest>.part.resume`) that says
//! which object the partial bytes belong to, so that a later run resumes only the same object.
//!
//! ```json
//! {
//!   "format": "cloud-http/resume-1",
//!   "identity": {"provider": "aliyun-rds", "instance": "rm-demo", "backup_id": "401000409", "file": "x.tar.gz"},
//!   "url": "https://rdsbak-hz-v3.oss-cn-hangzhou.aliyuncs.com/x.tar.gz",
//!   "etag": "\"5B3C1A2E...\"",
//!   "last_modified": "Sat, 21 Nov 2026 02:03:12 GMT",
//!   "total": 1048576,
//!   "checksums": [{"kind": "crc64", "value": "11051210869376104954", "source": "x-oss-hash-crc64ecma"}],
//!   "ranges": [{"start": 0, "end": 1048576, "next": null}]
//! }
//! ```
//!
//! `identity` is what the caller says the file is (provider, instance, backup, file name);
//! `url` is the link without its query string (the signature changes with every new link, the
//! object does not). A resume needs the identity and the URL to match; the validators (`etag`,
//! else `last_modified`) are then sent as `If-Range`, and the total and checksums the server
//! states must be the ones recorded, or the download starts again from zero.
//!
//! `ranges` is the work plan: one range `0..total` fetched in order, whose progress is the
//! `.part`'s length (`next: null`). A download over several connections keeps one entry per
//! range with the offset it has reached in `next`.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::checks::{ChecksumKind, ExpectedChecksum};
use super::part::{Found, inspect, open_regular};
use crate::error::Error;

/// The `format` of the records this version writes and reads.
pub(super) const FORMAT: &str = "cloud-http/resume-1";
/// The largest record read; anything larger is not one of ours.
const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// A checksum the server stated for the whole object, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct RecordedChecksum {
    pub(super) kind: ChecksumKind,
    pub(super) value: String,
    pub(super) source: String,
}

impl From<&ExpectedChecksum> for RecordedChecksum {
    fn from(expected: &ExpectedChecksum) -> Self {
        Self {
            kind: expected.kind,
            value: expected.value.clone(),
            source: expected.source.clone(),
        }
    }
}

impl From<&RecordedChecksum> for ExpectedChecksum {
    fn from(recorded: &RecordedChecksum) -> Self {
        Self {
            kind: recorded.kind,
            value: recorded.value.clone(),
            source: recorded.source.clone(),
            advisory: false,
        }
    }
}

/// One range of the file and how far it has been written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct RangeProgress {
    /// The first byte.
    pub(super) start: u64,
    /// One past the last byte; `None` while the total is unknown.
    pub(super) end: Option<u64>,
    /// The next byte to fetch; `None`: the `.part`'s length (a single range fetched in order).
    pub(super) next: Option<u64>,
}

/// What the partial bytes belong to. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct ResumeRecord {
    pub(super) format: String,
    pub(super) identity: BTreeMap<String, String>,
    pub(super) url: String,
    #[serde(default)]
    pub(super) etag: Option<String>,
    #[serde(default)]
    pub(super) last_modified: Option<String>,
    #[serde(default)]
    pub(super) total: Option<u64>,
    #[serde(default)]
    pub(super) checksums: Vec<RecordedChecksum>,
    #[serde(default)]
    pub(super) ranges: Vec<RangeProgress>,
}

impl ResumeRecord {
    /// A record for `identity` at `url` (shown form), with nothing known yet.
    pub(super) fn new(identity: BTreeMap<String, String>, url: String) -> Self {
        Self {
            format: FORMAT.to_owned(),
            identity,
            url,
            etag: None,
            last_modified: None,
            total: None,
            checksums: Vec::new(),
            ranges: Vec::new(),
        }
    }

    /// Why the partial bytes this record describes cannot be resumed for `identity` at `url`,
    /// or `None` when they can.
    pub(super) fn mismatch(
        &self,
        identity: &BTreeMap<String, String>,
        url: &str,
    ) -> Option<String> {
        if self.format != FORMAT {
            return Some(format!("its record has another format ({:?})", self.format));
        }
        if &self.identity != identity {
            return Some("its record names another file".to_owned());
        }
        if self.url != url {
            return Some(format!("its record names another location ({})", self.url));
        }
        if self.etag.is_none() && self.last_modified.is_none() {
            return Some("its record has no validator (ETag or Last-Modified)".to_owned());
        }
        None
    }
}

/// The record's path for a `.part` path: `<dest>.part.resume`.
pub(super) fn record_path(part: &Path) -> PathBuf {
    let mut path = part.as_os_str().to_owned();
    path.push(".resume");
    PathBuf::from(path)
}

/// Reads the record at `path`: `Ok(None)` when there is none or it is not a valid record
/// (logged); an error when the path is a symlink or not a regular file, or cannot be read.
pub(super) async fn read(path: &Path) -> Result<Option<ResumeRecord>, Error> {
    if inspect(path, "the resume record").await? == Found::Nothing {
        return Ok(None);
    }
    let file = open_regular(path, false).await?;
    let mut text = Vec::new();
    file.take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut text)
        .await
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    let record = parse(&text);
    if record.is_none() {
        tracing::info!(
            path = %path.display(),
            "the resume record is not valid (or too large to be ours)"
        );
    }
    Ok(record)
}

/// The record in `text`, or `None` when it is not one (not JSON of this shape, or larger than
/// a record of ours can be).
pub(super) fn parse(text: &[u8]) -> Option<ResumeRecord> {
    if text.len() as u64 > MAX_RECORD_BYTES {
        return None;
    }
    serde_json::from_slice::<ResumeRecord>(text).ok()
}

/// Writes `record` to `path` in one step: a temporary file beside it (never through a
/// symlink), renamed over it.
pub(super) async fn write(path: &Path, record: &ResumeRecord) -> Result<(), Error> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    inspect(&temporary, "the temporary resume record").await?;
    let text = serde_json::to_vec_pretty(record)
        .map_err(|e| Error::io("could not encode the resume record", io::Error::other(e)))?;
    let mut file = open_regular(&temporary, true).await?;
    let write_error = |e| Error::io(format!("could not write {}", temporary.display()), e);
    file.write_all(&text).await.map_err(write_error)?;
    file.flush().await.map_err(write_error)?;
    drop(file);
    tokio::fs::rename(&temporary, path).await.map_err(|e| {
        Error::io(
            format!(
                "could not rename {} to {}",
                temporary.display(),
                path.display()
            ),
            e,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> BTreeMap<String, String> {
        [("backup_id", "1"), ("file", "a.qp")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn a_record_matches_only_its_object() {
        let mut record = ResumeRecord::new(identity(), "https://h/a.qp".to_owned());
        assert!(
            record.mismatch(&identity(), "https://h/a.qp").is_some(),
            "no validator"
        );
        record.etag = Some("\"x\"".to_owned());
        assert_eq!(record.mismatch(&identity(), "https://h/a.qp"), None);
        assert!(record.mismatch(&identity(), "https://h/b.qp").is_some());
        assert!(
            record
                .mismatch(&BTreeMap::new(), "https://h/a.qp")
                .is_some()
        );
        let mut other = record.clone();
        other.format = "v0".to_owned();
        assert!(other.mismatch(&identity(), "https://h/a.qp").is_some());
        assert_eq!(
            record_path(Path::new("/t/b.tar.part")),
            PathBuf::from("/t/b.tar.part.resume")
        );
    }

    #[test]
    fn records_round_trip_through_json() {
        let mut record = ResumeRecord::new(identity(), "https://h/a.qp".to_owned());
        record.total = Some(5);
        record.checksums.push(RecordedChecksum {
            kind: ChecksumKind::Crc64,
            value: "1".to_owned(),
            source: "x-oss-hash-crc64ecma".to_owned(),
        });
        record.ranges.push(RangeProgress {
            start: 0,
            end: Some(5),
            next: None,
        });
        let text = serde_json::to_string(&record).unwrap();
        assert!(text.contains("\"kind\":\"crc64\""), "{text}");
        assert_eq!(serde_json::from_str::<ResumeRecord>(&text).unwrap(), record);
    }
}
