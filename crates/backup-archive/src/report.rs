//! What a verification found: [`Report`], its [`Member`]s, the [`Checks`] counted and the
//! [`BackupFacts`] of an xtrabackup/mariabackup archive.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Format;

/// The most members a report lists; more is an error (a hostile archive must not grow the
/// report without bound).
pub const MAX_MEMBERS: usize = 1_000_000;

/// The largest metadata member (`xtrabackup_checkpoints`, `xtrabackup_info`, ...) whose text is
/// kept for [`BackupFacts`]; a longer one is read and checked, its facts left out.
pub const MAX_METADATA_BYTES: usize = 64 * 1024;

/// The outcome of a verification that passed: the format, every member, what was checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The outermost format.
    pub format: Option<Format>,
    /// The bytes read.
    pub bytes: u64,
    /// The members, in the order they ended (for xbstream, the order of their end-of-file
    /// chunks), with nested members named by their path (`backup.xb/ibdata1`).
    pub members: Vec<Member>,
    /// How many of each check passed.
    pub checks: Checks,
    /// The facts of an xtrabackup/mariabackup backup, when its metadata members were found.
    pub backup: Option<BackupFacts>,
}

/// One member of an archive (an xbstream file, a qpress file, a tar entry, a gzip member's
/// content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Member {
    /// Its name (a path through nested formats, joined with `/`).
    pub name: String,
    /// Its size as stored in the archive.
    pub bytes: u64,
    /// The format of its content, when it is one this crate reads (then verified too).
    pub content: Option<Format>,
    /// The size of its content once decompressed (qpress, gzip), when it is compressed.
    pub decompressed_bytes: Option<u64>,
}

/// The checks that passed, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Checks {
    /// xbstream chunks whose CRC-32 matched.
    pub xbstream_chunks_crc32: u64,
    /// qpress blocks whose Adler-32 matched.
    pub qpress_blocks_adler32: u64,
    /// qpress blocks decompressed (QuickLZ) to the size their header states.
    pub qpress_blocks_decoded: u64,
    /// gzip members whose CRC-32 and length matched.
    pub gzip_members: u64,
    /// tar headers whose checksum matched.
    pub tar_headers: u64,
}

impl Checks {
    /// The checks as the words of a `verified:` line, e.g. `xbstream crc32 (1204 chunks)`.
    pub fn summary(&self) -> Vec<String> {
        let mut words = Vec::new();
        let mut add = |count: u64, what: &str| {
            if count > 0 {
                words.push(format!("{what} ({count})"));
            }
        };
        add(self.xbstream_chunks_crc32, "xbstream crc32 chunks");
        add(self.qpress_blocks_adler32, "qpress adler32 blocks");
        add(self.qpress_blocks_decoded, "quicklz blocks decoded");
        add(self.gzip_members, "gzip crc32+length members");
        add(self.tar_headers, "tar header checksums");
        words
    }
}

/// What an xtrabackup/mariabackup backup says of itself in `xtrabackup_checkpoints` and
/// `xtrabackup_info` (MariaDB 11.1 and later: `mariadb_backup_checkpoints`,
/// `mariadb_backup_info`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BackupFacts {
    /// `backup_type`: `full-backuped`, `incremental`, `log-applied`, `full-prepared`.
    pub backup_type: Option<String>,
    /// `from_lsn`.
    pub from_lsn: Option<u64>,
    /// `to_lsn`.
    pub to_lsn: Option<u64>,
    /// `last_lsn`.
    pub last_lsn: Option<u64>,
    /// Every `key = value` line of the checkpoints file.
    pub checkpoints: BTreeMap<String, String>,
    /// Every `key = value` line of the info file (`tool_version`, `server_version`,
    /// `start_time`, `end_time`, `binlog_pos`, ...).
    pub info: BTreeMap<String, String>,
}

/// Parses `key = value` lines, leniently (lines without ` = ` are skipped).
pub(crate) fn key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            let key = key.trim();
            (!key.is_empty()).then(|| (key.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// Whether a member named `name` (its last path component, without `.qp`) is a metadata file
/// whose text is kept.
pub(crate) fn metadata_kind(name: &str) -> Option<MetadataKind> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let base = base.strip_suffix(".qp").unwrap_or(base);
    match base {
        "xtrabackup_checkpoints" | "mariadb_backup_checkpoints" => Some(MetadataKind::Checkpoints),
        "xtrabackup_info" | "mariadb_backup_info" => Some(MetadataKind::Info),
        _ => None,
    }
}

/// Which metadata file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MetadataKind {
    Checkpoints,
    Info,
}

/// What the readers add to as they go.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    pub(crate) report: Report,
    /// Where an extraction writes ([`crate::extract`]); `None` when only verifying.
    pub(crate) staging: Option<crate::extract::staging::Staging>,
}

impl Collector {
    /// Records a member; an error past [`MAX_MEMBERS`].
    pub(crate) fn member(
        &mut self,
        member: Member,
        offset: u64,
    ) -> Result<(), crate::ArchiveError> {
        if self.report.members.len() >= MAX_MEMBERS {
            return Err(crate::ArchiveError::at(
                offset,
                format!("more than {MAX_MEMBERS} members"),
            ));
        }
        self.report.members.push(member);
        Ok(())
    }

    /// Keeps the facts of a metadata member's text.
    pub(crate) fn metadata(&mut self, kind: MetadataKind, text: &[u8]) {
        let text = String::from_utf8_lossy(text);
        let facts = self.report.backup.get_or_insert_with(BackupFacts::default);
        match kind {
            MetadataKind::Checkpoints => {
                let values = key_values(&text);
                let lsn = |key: &str| values.get(key).and_then(|v| v.parse::<u64>().ok());
                facts.backup_type = values.get("backup_type").cloned();
                facts.from_lsn = lsn("from_lsn");
                facts.to_lsn = lsn("to_lsn");
                facts.last_lsn = lsn("last_lsn");
                facts.checkpoints = values;
            }
            MetadataKind::Info => facts.info = key_values(&text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_are_read_leniently() {
        let mut collector = Collector::default();
        collector.metadata(
            MetadataKind::Checkpoints,
            b"backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 45678\nlast_lsn = 45690\nnot a line\n",
        );
        let facts = collector.report.backup.expect("facts");
        assert_eq!(facts.backup_type.as_deref(), Some("full-backuped"));
        assert_eq!(facts.from_lsn, Some(0));
        assert_eq!(facts.to_lsn, Some(45678));
        assert_eq!(facts.last_lsn, Some(45690));
        assert_eq!(facts.checkpoints.len(), 4);
    }

    #[test]
    fn metadata_members_are_found_by_name() {
        assert_eq!(
            metadata_kind("xtrabackup_checkpoints"),
            Some(MetadataKind::Checkpoints)
        );
        assert_eq!(
            metadata_kind("x/xtrabackup_info.qp"),
            Some(MetadataKind::Info)
        );
        assert_eq!(
            metadata_kind("mariadb_backup_info"),
            Some(MetadataKind::Info)
        );
        assert_eq!(metadata_kind("ibdata1"), None);
    }
}
