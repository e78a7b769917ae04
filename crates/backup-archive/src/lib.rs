//! Verify MySQL backup archives without restoring them.
//!
//! The files the clouds ship carry their own checksums: xbstream chunks a CRC-32, qpress blocks
//! an Adler-32 (and must decompress), gzip members a CRC-32 and a length, tar headers a
//! checksum. This crate reads them as a stream, in constant memory, checks every one of them,
//! nested in any order (Alibaba Cloud's `_qp.xb` is xbstream of qpress files, its `_xb.qp`
//! qpress of an xbstream; a `.tar.gz` is tar in gzip), and says what it found: the format, the
//! members and their sizes, how many checks passed, and for xtrabackup/mariabackup backups the
//! facts in `xtrabackup_checkpoints` and `xtrabackup_info`. No network, no files written
//! (except by [`extract`], which unpacks the same way into a directory).
//!
//! ```
//! use backup_archive::{Format, Verifier};
//!
//! // A gzip member holding "hello\n" (as `printf 'hello\n' | gzip -n` writes it).
//! let gz = [
//!     0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9,
//!     0xc9, 0xe7, 0x02, 0x00, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00,
//! ];
//! let mut verifier = Verifier::new();
//! for piece in gz.chunks(5) {
//!     verifier.write(piece)?; // as the bytes arrive
//! }
//! let report = verifier.finish()?;
//! assert_eq!(report.format, Some(Format::Gzip));
//! assert_eq!(report.checks.gzip_members, 1);
//! assert_eq!(report.members[0].decompressed_bytes, Some(6));
//!
//! // One byte flipped in the CRC: the offset and the reason.
//! let mut bad = gz;
//! bad[18] ^= 0xff;
//! let error = backup_archive::verify_bytes(&bad).unwrap_err();
//! assert_eq!(error.offset(), 18);
//! assert!(error.message().contains("CRC-32 mismatch"));
//! # Ok::<(), backup_archive::ArchiveError>(())
//! ```
//!
//! # The formats
//!
//! All integers are little-endian.
//!
//! **xbstream** (Percona XtraBackup `xbstream_write.cc`/`xbstream_read.cc`, MariaDB
//! `extra/mariabackup/xbstream*.cc`): a sequence of chunks and nothing else (the archive ends
//! at the end of the input, at a chunk boundary).
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `XBSTCK01` |
//! | 1 | flags: bit 0 "ignorable" (a reader that does not know the type may skip the chunk); writers write 0 |
//! | 1 | type: `P` payload, `E` end of file, `S` sparse payload (Percona 8.0 only) |
//! | 4 | path length, at most 511 |
//! | n | path (raw bytes, `/`-separated) |
//! | | an `E` chunk ends here |
//! | 4 | `S` only: the number of sparse-map entries |
//! | 8 | payload length |
//! | 8 | offset of the payload in the file |
//! | 4 | CRC-32 (zlib's) of the payload; for `S`, of the sparse map then the payload |
//! | 8·k | `S` only: the map, k entries of (u32 bytes to skip, u32 bytes of payload) |
//! | len | payload |
//!
//! Chunks of different files interleave (xtrabackup copies with several threads); each file's
//! chunks come in order (each starts where the previous ended, after its skips), and an `E`
//! chunk closes it (an empty file is only an `E` chunk). Checked here: the magic, the type, the
//! path length, every CRC-32, the order of each file's chunks, a sparse map covering exactly the
//! payload, that every file opened is closed, and that the input does not end inside a chunk.
//! Limits ([`limits`]): paths of at most 511 bytes, at most 65,536 sparse
//! entries per chunk and 1,024 files open at once.
//!
//! **qpress** (the qpress tool's `qpress.cpp`; xtrabackup/mariabackup `ds_compress.cc`, which
//! write one file per archive):
//!
//! | bytes | field |
//! |---|---|
//! | 8 + 8 | `qpress10`, then the chunk size (decompressed bytes per block; 64 KiB by default) |
//! | records | `F` + u32 name length + name + NUL (a file), `D` + the same (enter a directory), `U` (leave it) |
//! | per block | `NEWBNEWB`, u64 "recovery information" (the block's offset in the file; not checked: Percona 8.0 writes it wrong), u32 Adler-32 of the packet, the QuickLZ packet |
//! | file end | `ENDSENDS`, u64 (always 0) |
//!
//! A QuickLZ packet starts with a flags byte (`01SSLLHC`: C compressed, H 9-byte header, LL the
//! level, SS the streaming buffer, which is 0 for qpress), then the packet's size (header
//! included) and the decompressed size, as u8 each (3-byte header) or u32 each (9-byte header).
//! Checked here: the header, the records, each block's Adler-32 (zlib's), each packet's header
//! and that it decompresses (the `quicklz` crate: levels 1 and 3, what xtrabackup and qpress
//! write) to at most the chunk size, and that every file ends with `ENDSENDS`. Limits: a chunk
//! size of at most 32 MiB (one block is held in memory), names of at most 4,096 bytes.
//!
//! **gzip** (RFC 1952): members, each a 10-byte header (`1f 8b 08`, flags, time, extra flags,
//! OS) with optional extra field, name, comment and header CRC, a DEFLATE stream, and a trailer
//! of the CRC-32 and the length (mod 2^32) of the uncompressed data. Checked: the header, that
//! the DEFLATE data decodes (`flate2`), the CRC-32 and the length of every member, and that
//! nothing but another member follows one.
//!
//! **tar** (POSIX ustar, pax, GNU): 512-byte headers with an octal checksum of the header's
//! bytes (the field counted as spaces) and the size (octal, or base-256), each followed by the
//! data padded to 512 bytes; a zero block ends the archive. Checked: every header's checksum,
//! that every member's data is there, and the end marker. GNU long names and pax `path`
//! records name the members.
//!
//! # Memory
//!
//! Constant in the size of the file: per open xbstream file its reader's state; a qpress block
//! (at most the chunk size); a 64 KiB inflate buffer and DEFLATE's window; one tar block; 512
//! bytes to recognise a nested format. The report grows with the number of members (at most
//! [`MAX_MEMBERS`](report::MAX_MEMBERS)), not with their size.

mod content;
mod error;
pub mod extract;
mod gzip;
mod qpress;
pub mod report;
mod tar;
mod xbstream;

use std::fmt;
use std::io::Read;

use serde::Serialize;

pub use content::MAX_DEPTH;
pub use error::ArchiveError;
pub use report::{BackupFacts, Checks, Member, Report};

use content::{Content, Sink};
use report::Collector;

/// The limits that keep hostile input from taking memory or time without bound.
pub mod limits {
    /// The longest xbstream chunk path.
    pub const XBSTREAM_MAX_PATH: usize = crate::xbstream::MAX_PATH;
    /// The most sparse-map entries of one xbstream chunk.
    pub const XBSTREAM_MAX_SPARSE_ENTRIES: u32 = crate::xbstream::MAX_SPARSE_ENTRIES;
    /// The most xbstream files open at once.
    pub const XBSTREAM_MAX_OPEN_FILES: usize = crate::xbstream::MAX_OPEN_FILES;
    /// The largest qpress chunk size.
    pub const QPRESS_MAX_CHUNK_SIZE: u64 = crate::qpress::MAX_CHUNK_SIZE;
    /// The longest qpress file or directory name.
    pub const QPRESS_MAX_NAME: u32 = crate::qpress::MAX_NAME;
}

/// A format this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Format {
    /// xbstream (`XBSTCK01` chunks).
    Xbstream,
    /// qpress (`qpress10`).
    Qpress,
    /// gzip.
    Gzip,
    /// tar.
    Tar,
}

impl Format {
    /// Its name, as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Xbstream => "xbstream",
            Format::Qpress => "qpress",
            Format::Gzip => "gzip",
            Format::Tar => "tar",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Verifies a stream fed piece by piece (as a download receives it): [`write`](Self::write)
/// each piece, then [`finish`](Self::finish). The format is recognised from the first bytes;
/// input in none of the formats is an error at [`finish`](Self::finish) (or as soon as it is
/// known).
pub struct Verifier {
    content: Content,
    collector: Collector,
    failed: Option<ArchiveError>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("bytes", &self.content.bytes())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier waiting for the first bytes.
    pub fn new() -> Self {
        Self {
            content: Content::new("", 0),
            collector: Collector::default(),
            failed: None,
        }
    }

    /// The next bytes. After an error, every later call returns the same error.
    pub fn write(&mut self, data: &[u8]) -> Result<(), ArchiveError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        self.content
            .write(data, &mut self.collector)
            .map_err(|e| self.fail(e))
    }

    /// The input ended: the report, or what failed (a truncated archive included).
    pub fn finish(mut self) -> Result<Report, ArchiveError> {
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        self.content.finish(&mut self.collector)?;
        let Some(format) = self.content.format() else {
            return Err(ArchiveError::at(
                0,
                "not a format this tool verifies (xbstream, qpress, gzip or tar)",
            ));
        };
        let mut report = self.collector.report;
        report.format = Some(format);
        report.bytes = self.content.bytes();
        Ok(report)
    }

    fn fail(&mut self, error: ArchiveError) -> ArchiveError {
        self.failed = Some(error.clone());
        error
    }
}

/// Verifies everything `reader` gives, read in 256 KiB pieces.
///
/// An I/O error of the reader is returned as an [`ArchiveError`] at the offset reached.
pub fn verify_reader(mut reader: impl Read) -> Result<Report, ArchiveError> {
    let mut verifier = Verifier::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut offset = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ArchiveError::at(offset, format!("could not be read: {e}"))),
        };
        verifier.write(&buf[..n])?;
        offset += n as u64;
    }
    verifier.finish()
}

/// Verifies `data`.
pub fn verify_bytes(data: &[u8]) -> Result<Report, ArchiveError> {
    let mut verifier = Verifier::new();
    verifier.write(data)?;
    verifier.finish()
}

/// What the fuzz targets (`fuzz/` in the repository) and their stable replay share: not part
/// of the API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::{Verifier, verify_bytes};

    /// The first byte of `data` sets a piece size; the rest fed in pieces of that size must
    /// give the same report as fed whole, or an error for the same reason (where DEFLATE
    /// notices bad data depends on how much it was given at once). Panics otherwise.
    pub fn pieces_agree(data: &[u8]) {
        let Some((&split, rest)) = data.split_first() else {
            return;
        };
        let whole = verify_bytes(rest);
        let mut verifier = Verifier::new();
        let mut failed = None;
        for piece in rest.chunks(usize::from(split).max(1)) {
            if let Err(error) = verifier.write(piece) {
                failed = Some(error);
                break;
            }
        }
        let pieces = match failed {
            Some(error) => Err(error),
            None => verifier.finish(),
        };
        match (whole, pieces) {
            (Ok(whole), Ok(pieces)) => assert_eq!(whole, pieces),
            (Err(whole), Err(pieces)) => assert_eq!(whole.message(), pieces.message()),
            (whole, pieces) => panic!("whole: {whole:?}, in pieces: {pieces:?}"),
        }
    }

    /// Extracts `data` into a fresh directory `scratch/into` (`scratch` is emptied first):
    /// whatever the input, nothing appears beside it, a failure leaves it empty (no staging
    /// directory, no file), input the verifier refuses is refused, and a success leaves only
    /// regular files and directories, the files listed with their sizes, and the verifier's
    /// report. Panics otherwise.
    pub fn extract_stays_inside(data: &[u8], scratch: &std::path::Path) {
        use crate::extract::{ExtractOptions, extract_reader};
        let _ = std::fs::remove_dir_all(scratch);
        std::fs::create_dir_all(scratch).expect("the scratch directory");
        let into = scratch.join("into");
        let extracted = extract_reader(data, &into, &ExtractOptions::new().with_name("input.gz"));
        let verified = verify_bytes(data);
        let beside: Vec<_> = std::fs::read_dir(scratch)
            .expect("readable")
            .map(|entry| entry.expect("an entry").file_name())
            .collect();
        assert_eq!(beside, ["into"], "written beside the destination");
        let mut found = Vec::new();
        walk(&into, &into, &mut found);
        match extracted {
            Err(error) => assert!(found.is_empty(), "{found:?} left after: {error}"),
            Ok(extraction) => {
                assert_eq!(
                    Ok(&extraction.report),
                    verified.as_ref(),
                    "the verifier's report"
                );
                for file in &extraction.files {
                    let meta = std::fs::symlink_metadata(into.join(&file.path)).expect("listed");
                    assert!(meta.is_file() && meta.len() == file.bytes, "{file:?}");
                }
                assert!(
                    !found
                        .iter()
                        .any(|p| p.starts_with(crate::extract::STAGING_DIR))
                );
            }
        }
        if verified.is_err() {
            assert!(found.is_empty(), "a refused archive extracted: {found:?}");
        }
    }

    /// Every path under `dir` (relative to `root`), refusing anything but files and
    /// directories.
    fn walk(root: &std::path::Path, dir: &std::path::Path, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("an entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("stat");
            let rel = path.strip_prefix(root).expect("under root");
            assert!(
                meta.is_file() || meta.is_dir(),
                "{} is neither",
                rel.display()
            );
            found.push(rel.to_string_lossy().into_owned());
            if meta.is_dir() {
                walk(root, &path, found);
            }
        }
    }

    /// The input the per-reader target `target` (`xbstream`, `qpress`, `gzip`, `tar`) makes
    /// of the fuzzer's bytes: the format's magic first, or for tar a first header with a
    /// correct checksum, so that the fuzzer explores the reader, not format recognition.
    pub fn reader_input(target: &str, data: &[u8]) -> Vec<u8> {
        let prefix: &[u8] = match target {
            "xbstream" => b"XBSTCK01",
            "qpress" => b"qpress10",
            "gzip" => &[0x1f, 0x8b, 0x08],
            _ => b"",
        };
        let mut input = prefix.to_vec();
        input.extend_from_slice(data);
        if target == "tar" {
            if input.len() < 512 {
                input.resize(512, 0);
            }
            input[257..263].copy_from_slice(b"ustar\0");
            input[148..156].copy_from_slice(b"        ");
            let sum: u32 = input[..512].iter().map(|&b| u32::from(b)).sum();
            input[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        }
        input
    }
}
