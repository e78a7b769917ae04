//! The push interface every reader implements ([`Sink`]), and [`Content`]: a member's bytes,
//! recognised by their first bytes and verified by the matching reader.

use crate::report::{Collector, MetadataKind, metadata_kind};
use crate::{ArchiveError, Format, gzip, qpress, tar, xbstream};

/// How deep formats may nest (`_xb.qp` is qpress → xbstream → qpress members: 3).
pub const MAX_DEPTH: usize = 4;

/// Bytes looked at to recognise a format (tar's `ustar` is at 257).
const SNIFF_BYTES: usize = 512;

/// A reader fed the stream piece by piece.
pub(crate) trait Sink {
    /// The next bytes of the stream.
    fn write(&mut self, data: &[u8], out: &mut Collector) -> Result<(), ArchiveError>;
    /// The stream ended: an error when it ended where it may not (truncation).
    fn finish(&mut self, out: &mut Collector) -> Result<(), ArchiveError>;
}

/// The format `head` (the first bytes of a stream, or all of a shorter one) is in, if any.
pub(crate) fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(xbstream::MAGIC) {
        Some(Format::Xbstream)
    } else if head.starts_with(qpress::MAGIC_PREFIX) {
        Some(Format::Qpress)
    } else if head.starts_with(&gzip::MAGIC) {
        Some(Format::Gzip)
    } else if tar::looks_like_tar(head) {
        Some(Format::Tar)
    } else {
        None
    }
}

/// The reader of `format`, at nesting `depth`, naming what it finds under `prefix`.
pub(crate) fn reader(format: Format, prefix: &str, depth: usize) -> Box<dyn Sink + Send> {
    match format {
        Format::Xbstream => Box::new(xbstream::Reader::new(prefix, depth)),
        Format::Qpress => Box::new(qpress::Reader::new(prefix, depth)),
        Format::Gzip => Box::new(gzip::Reader::new(prefix, depth)),
        Format::Tar => Box::new(tar::Reader::new(prefix, depth)),
    }
}

/// A member's content: the first bytes are held until the format is known, then everything
/// goes to that format's reader (when the depth allows), or is only counted. A metadata
/// member's text is kept (up to [`MAX_METADATA_BYTES`](crate::report::MAX_METADATA_BYTES)).
pub(crate) struct Content {
    name: String,
    depth: usize,
    head: Vec<u8>,
    inner: Option<Box<dyn Sink + Send>>,
    decided: bool,
    format: Option<Format>,
    bytes: u64,
    metadata: Option<(MetadataKind, Vec<u8>)>,
}

impl Content {
    /// The content of member `name`, found at nesting `depth` (0: the file itself).
    pub(crate) fn new(name: &str, depth: usize) -> Self {
        Self {
            name: name.to_owned(),
            depth,
            head: Vec::new(),
            inner: None,
            decided: false,
            format: None,
            bytes: 0,
            metadata: metadata_kind(name).map(|kind| (kind, Vec::new())),
        }
    }

    /// The format recognised, once decided.
    pub(crate) fn format(&self) -> Option<Format> {
        self.format
    }

    /// The bytes passed through.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    fn decide(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        self.decided = true;
        self.format = sniff(&self.head);
        if let Some(format) = self.format
            && self.depth < MAX_DEPTH
        {
            let mut inner = reader(format, &self.name, self.depth + 1);
            let head = std::mem::take(&mut self.head);
            inner.write(&head, out)?;
            self.inner = Some(inner);
        }
        // Not needed once decided (taken above, or dropped when nothing reads it).
        self.head = Vec::new();
        Ok(())
    }
}

impl Sink for Content {
    fn write(&mut self, data: &[u8], out: &mut Collector) -> Result<(), ArchiveError> {
        self.bytes += data.len() as u64;
        if let Some((_, text)) = &mut self.metadata {
            let room = crate::report::MAX_METADATA_BYTES.saturating_sub(text.len());
            text.extend_from_slice(&data[..room.min(data.len())]);
        }
        if !self.decided {
            let take = (SNIFF_BYTES - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..take]);
            if self.head.len() < SNIFF_BYTES {
                return Ok(());
            }
            let rest = &data[take..];
            self.decide(out)?;
            if let Some(inner) = &mut self.inner {
                inner.write(rest, out)?;
            }
            return Ok(());
        }
        match &mut self.inner {
            Some(inner) => inner.write(data, out),
            None => Ok(()),
        }
    }

    fn finish(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        if !self.decided {
            self.decide(out)?;
        }
        if let Some(inner) = &mut self.inner {
            inner.finish(out)?;
        }
        if let Some((kind, text)) = self.metadata.take()
            && self.inner.is_none()
            && text.len() < crate::report::MAX_METADATA_BYTES
        {
            out.metadata(kind, &text);
        }
        Ok(())
    }
}

/// Joins a member's name under `prefix` (the enclosing member's), for reports and errors.
pub(crate) fn joined(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}
