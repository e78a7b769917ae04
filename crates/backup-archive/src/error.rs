//! [`ArchiveError`]: what failed, where.

use std::fmt;

/// A check that failed, or input that cannot be read: the byte offset in the file where the
/// reader was, the member it was in (for nested formats, the path through them, e.g.
/// `ibdata1.qp`), and what was wrong.
///
/// ```
/// use backup_archive::{verify_bytes, ArchiveError};
///
/// let error: ArchiveError = verify_bytes(b"XBSTCK01\x00P").unwrap_err();
/// assert_eq!(error.offset(), 10);
/// assert!(error.to_string().contains("truncated"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveError {
    offset: u64,
    member: Option<String>,
    message: String,
}

impl ArchiveError {
    /// An error at byte `offset` of the stream being read.
    pub(crate) fn at(offset: u64, message: impl Into<String>) -> Self {
        Self {
            offset,
            member: None,
            message: message.into(),
        }
    }

    /// The input ended at `offset` in the middle of `what`.
    pub(crate) fn truncated(offset: u64, what: &str) -> Self {
        Self::at(offset, format!("truncated: the input ends inside {what}"))
    }

    /// This error, found inside member `member` whose bytes this layer was passing on at
    /// `offset`: the offset becomes the outer one, the inner offset goes into the message.
    pub(crate) fn inside(self, member: &str, offset: u64, unit: &str) -> Self {
        let path = match &self.member {
            Some(inner) => format!("{member}/{inner}"),
            None => member.to_owned(),
        };
        Self {
            offset,
            member: Some(path),
            message: format!("{} (at byte {} of its {unit})", self.message, self.offset),
        }
    }

    /// This error, in member `member` of the layer that found it.
    pub(crate) fn in_member(mut self, member: String) -> Self {
        self.member = Some(member);
        self
    }

    /// The byte offset in the file (for a nested format, where the outer layer was when the
    /// inner one failed).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The member the failure is in, if any: a path through nested formats joined with `/`
    /// (`ibdata1.qp`, `backup_xb.qp/ibdata1`).
    pub fn member(&self) -> Option<&str> {
        self.member.as_deref()
    }

    /// What was wrong, without the offset and member.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.member {
            Some(member) => write!(
                f,
                "at byte {}, in member {member}: {}",
                self.offset, self.message
            ),
            None => write!(f, "at byte {}: {}", self.offset, self.message),
        }
    }
}

impl std::error::Error for ArchiveError {}
