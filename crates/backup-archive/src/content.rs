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

/// The reader of `format`, at nesting `depth`, naming what it finds under `prefix`, doing
/// with its members what `unpack` says.
pub(crate) fn reader(
    format: Format,
    prefix: &str,
    depth: usize,
    unpack: Unpack,
) -> Box<dyn Sink + Send> {
    match format {
        Format::Xbstream => Box::new(xbstream::Reader::new(prefix, depth, unpack)),
        Format::Qpress => Box::new(qpress::Reader::new(prefix, depth, unpack)),
        Format::Gzip => Box::new(gzip::Reader::new(prefix, depth, unpack)),
        Format::Tar => Box::new(tar::Reader::new(prefix, depth, unpack)),
    }
}

/// What an extraction does with a member's content (see [`crate::extract`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Nothing: it is only verified (every nested format is still read).
    Verify,
    /// An archive, or a compressed layer around one, unpacked into `dir` (a relative path,
    /// empty for the destination itself). Content in no archive format is written as the file
    /// `dir/name`; the input itself (depth 0), or content without a name, is an error.
    Unpack { dir: String, name: Option<String> },
    /// An archive member written to `path`; when `path` ends `.qp` and the content is a
    /// qpress archive, its one file decompressed to `path` without `.qp` instead, as
    /// `xtrabackup --decompress` leaves it.
    Member { path: String },
    /// Written to `path` as it is.
    Raw { path: String },
}

/// What a reader does with the members it finds (from the role of the content it reads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unpack {
    /// Nothing: members are only verified.
    Verify,
    /// Members go under `dir`: an archive's as files (with the `.qp` rule), a compressed
    /// layer's as unpacked again (`name`: the layer's own name, if any, for a gzip member's).
    Into { dir: String, name: Option<String> },
    /// The one file of a qpress archive goes to `path` (a second file is an error).
    OneFile { path: String },
}

impl Unpack {
    /// Whether members are written at all.
    pub(crate) fn extracts(&self) -> bool {
        !matches!(self, Unpack::Verify)
    }

    /// The role of an archive member named `name` (a path inside the archive).
    pub(crate) fn member(&self, name: &str) -> Role {
        match self {
            Unpack::Into { dir, .. } => Role::Member {
                path: joined(dir, name),
            },
            _ => Role::Verify,
        }
    }
}

/// A member's content: the first bytes are held until the format is known, then everything
/// goes to that format's reader (when the depth allows), or is only counted. A metadata
/// member's text is kept (up to [`MAX_METADATA_BYTES`](crate::report::MAX_METADATA_BYTES)).
pub(crate) struct Content {
    name: String,
    depth: usize,
    role: Role,
    /// The staged file this content is written to, once decided.
    staged: Option<usize>,
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
        Self::with_role(name, depth, Role::Verify)
    }

    /// The content of member `name`, at nesting `depth`, extracted as `role` says.
    pub(crate) fn with_role(name: &str, depth: usize, role: Role) -> Self {
        Self {
            name: name.to_owned(),
            depth,
            role,
            staged: None,
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
        let (unpack, write_to) = self.plan()?;
        if let Some(path) = write_to {
            let id = out.stage(&path)?;
            out.staged_write(id, &self.head)?;
            self.staged = Some(id);
        }
        if let Some(format) = self.format
            && self.depth < MAX_DEPTH
        {
            let mut inner = reader(format, &self.name, self.depth + 1, unpack);
            let head = std::mem::take(&mut self.head);
            inner.write(&head, out)?;
            self.inner = Some(inner);
        } else if unpack.extracts() {
            return Err(ArchiveError::at(
                0,
                format!(
                    "formats nested more than {MAX_DEPTH} deep: not extracted ({})",
                    self.name
                ),
            ));
        }
        // Not needed once decided (taken above, or dropped when nothing reads it).
        self.head = Vec::new();
        Ok(())
    }

    /// Once the format is known: what the inner reader does with its members, and the path
    /// this content itself is written to, if any.
    fn plan(&self) -> Result<(Unpack, Option<String>), ArchiveError> {
        Ok(match (&self.role, self.format) {
            (Role::Verify, _) => (Unpack::Verify, None),
            (Role::Unpack { dir, name }, Some(_)) => (
                Unpack::Into {
                    dir: dir.clone(),
                    name: name.clone(),
                },
                None,
            ),
            // A compressed layer's plain content is a file; the input itself must be an
            // archive (refused here, before any of it is written).
            (
                Role::Unpack {
                    dir,
                    name: Some(name),
                },
                None,
            ) if self.depth > 0 => (Unpack::Verify, Some(joined(dir, name))),
            (Role::Unpack { .. }, None) => {
                return Err(ArchiveError::at(
                    0,
                    "not an archive this tool extracts (xbstream, qpress, gzip or tar)",
                ));
            }
            (Role::Member { path }, Some(Format::Qpress)) if path.ends_with(".qp") => (
                Unpack::OneFile {
                    path: path[..path.len() - 3].to_owned(),
                },
                None,
            ),
            (Role::Member { path } | Role::Raw { path }, _) => (Unpack::Verify, Some(path.clone())),
        })
    }

    /// A hole of `len` zero bytes (a sparse xbstream chunk's skip): written as a hole, not
    /// passed to a nested reader.
    pub(crate) fn hole(&mut self, len: u64, out: &mut Collector) -> Result<(), ArchiveError> {
        if !self.decided {
            self.decide(out)?;
        }
        match self.staged {
            Some(id) => out.staged_hole(id, len),
            None => Ok(()),
        }
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
            if let Some(id) = self.staged {
                out.staged_write(id, rest)?;
            }
            if let Some(inner) = &mut self.inner {
                inner.write(rest, out)?;
            }
            return Ok(());
        }
        if let Some(id) = self.staged {
            out.staged_write(id, data)?;
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
        if let Some(id) = self.staged.take() {
            out.staged_close(id)?;
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
