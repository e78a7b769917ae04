//! Unpacking a backup into a directory in one streaming pass, verified as it goes: what
//! `xbstream -x` (or `mbstream -x`), `qpress -d`, `tar -x` and `xtrabackup --decompress`
//! (with its removal of the `.qp` files) do together, without those tools.
//!
//! What is written:
//!
//! * **xbstream** (`.xb`, Alibaba Cloud's `_qp.xb`): every member at its path; a member whose
//!   name ends `.qp` and that holds a qpress archive is written decompressed, without `.qp`
//!   (xtrabackup's `--compress`); a sparse chunk's holes stay holes.
//! * **qpress** (Huawei Cloud's `.qp`, Alibaba Cloud's `_xb.qp`): each file decompressed; a
//!   file that is itself an archive (the xbstream inside) is unpacked in turn.
//! * **gzip** (`.tar.gz`, `.xb.gz`, `.sql.gz`): the content unpacked when it is an archive,
//!   else written under the input's name without `.gz`.
//! * **tar**: regular files and directories; a link, a device or a FIFO is refused.
//!
//! Every check [`Verifier`](crate::Verifier) makes is made on the way. Each file goes to a
//! staging directory inside the destination ([`STAGING_DIR`]) as it streams and is flushed to
//! disk when complete; only when the whole input has checked out are the files moved into
//! place (one rename each) and the staging directory removed. On any failure, or when the
//! [`Extractor`] is dropped unfinished, the staging directory is removed and the destination
//! is as it was: it never holds part of a backup. A path that would leave the destination
//! (`..`, an absolute path), or that goes through a link already in the destination, is
//! refused.
//!
//! ```no_run
//! use backup_archive::extract::{extract_reader, ExtractOptions};
//!
//! let file = std::fs::File::open("hins123_20261201_qp.xb")?;
//! let done = extract_reader(file, "/var/lib/mysql-restore", &ExtractOptions::new())?;
//! println!("{} files, {} bytes", done.files.len(), done.bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod staging;

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::content::{Content, Role, Sink};
use crate::report::Collector;
use crate::{ArchiveError, Report};

use staging::Staging;

/// The directory inside the destination where files are staged until the whole input has
/// checked out (removed afterwards; one left by an interrupted run is removed by the next).
pub const STAGING_DIR: &str = ".cloud-backup-extract";

/// How to extract.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ExtractOptions {
    /// Write into a destination that is not empty (files of the same path are replaced, each
    /// in one step, once the whole input checked out; other files stay).
    pub force: bool,
    /// The input's file name (`shop.sql.gz`): names a compressed file that holds no archive.
    pub name: Option<String>,
}

impl ExtractOptions {
    /// The defaults: an empty (or new) destination, no name.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`force`](Self::force).
    pub fn with_force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Sets [`name`](Self::name).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// A file an extraction wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ExtractedFile {
    /// Its path under the destination, `/`-separated.
    pub path: String,
    /// Its size in bytes (holes included).
    pub bytes: u64,
    /// The bytes of it left as holes (sparse xbstream chunks).
    pub holes: u64,
}

/// A finished extraction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Extraction {
    /// The destination.
    pub dir: PathBuf,
    /// The files written, in the order they were completed in the archive.
    pub files: Vec<ExtractedFile>,
    /// The directories the files are in (made, or there before).
    pub directories: u64,
    /// The bytes of all files written.
    pub bytes: u64,
    /// What was verified on the way (the same report as [`Verifier`](crate::Verifier)'s).
    pub report: Report,
}

/// Why an extraction did not happen. In every case nothing was moved into the destination.
#[derive(Debug)]
#[non_exhaustive]
pub enum ExtractError {
    /// The input failed a check, or cannot be extracted safely (a path leaving the
    /// destination, a link, a file where a directory goes).
    Archive(ArchiveError),
    /// The destination holds something already and [`ExtractOptions::force`] was not set.
    NotEmpty {
        /// The destination.
        dir: PathBuf,
        /// One of the names in it.
        example: String,
    },
    /// The destination cannot take the files (not a directory; a link, file or directory in
    /// the way).
    Destination(String),
    /// Reading the input or writing the destination failed.
    Io {
        /// What was being done, and to which path.
        what: String,
        /// The operating system's error.
        source: io::Error,
    },
}

impl ExtractError {
    fn io(path: &Path, what: &str, source: io::Error) -> Self {
        ExtractError::Io {
            what: format!("{what} {}", path.display()),
            source,
        }
    }
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::Archive(error) => write!(f, "{error}"),
            ExtractError::NotEmpty { dir, example } => write!(
                f,
                "{} is not empty (it holds {example:?}, for one)",
                dir.display()
            ),
            ExtractError::Destination(message) => f.write_str(message),
            ExtractError::Io { what, source } => write!(f, "{what}: {source}"),
        }
    }
}

impl std::error::Error for ExtractError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExtractError::Archive(error) => Some(error),
            ExtractError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Extracts a stream fed piece by piece (as a download receives it) into a directory:
/// [`write`](Self::write) each piece, then [`finish`](Self::finish), which moves the files
/// into place. Dropped unfinished (or after an error), it removes what it staged.
pub struct Extractor {
    content: Content,
    collector: Collector,
    dir: PathBuf,
    failed: Option<String>,
}

impl fmt::Debug for Extractor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extractor")
            .field("dir", &self.dir)
            .field("bytes", &self.content.bytes())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Extractor {
    /// An extraction into `dir` (made when missing). Fails when `dir` is not a directory, or
    /// is not empty without [`force`](ExtractOptions::force) (a staging directory left by an
    /// interrupted extraction does not count, and is removed).
    pub fn new(dir: impl Into<PathBuf>, options: &ExtractOptions) -> Result<Self, ExtractError> {
        let dir = dir.into();
        prepare(&dir, options.force)?;
        let staging = Staging::new(&dir)?;
        let collector = Collector {
            staging: Some(staging),
            ..Collector::default()
        };
        let role = Role::Unpack {
            dir: String::new(),
            name: options.name.clone(),
        };
        Ok(Self {
            content: Content::with_role("", 0, role),
            collector,
            dir,
            failed: None,
        })
    }

    /// The next bytes. After an error, every later call fails.
    pub fn write(&mut self, data: &[u8]) -> Result<(), ExtractError> {
        if let Some(message) = &self.failed {
            return Err(ExtractError::Destination(format!(
                "the extraction already failed: {message}"
            )));
        }
        let result = self.content.write(data, &mut self.collector);
        result.map_err(|e| self.fail(e))
    }

    /// The input ended: checks that it ended where it may, then moves every file into
    /// place. The outcome, or what failed (then nothing was moved into place).
    pub fn finish(mut self) -> Result<Extraction, ExtractError> {
        if let Some(message) = self.failed.take() {
            return Err(ExtractError::Destination(format!(
                "the extraction already failed: {message}"
            )));
        }
        if let Err(error) = self.content.finish(&mut self.collector) {
            return Err(self.fail(error));
        }
        let Some(format) = self.content.format() else {
            return Err(self.fail(ArchiveError::at(
                0,
                "not an archive this tool extracts (xbstream, qpress, gzip or tar)",
            )));
        };
        let mut collector = std::mem::take(&mut self.collector);
        let Some(staging) = collector.staging.take() else {
            return Err(ExtractError::Destination(
                "internal: the staging directory is gone".to_owned(),
            ));
        };
        let (files, directories) = staging.commit()?;
        let mut report = collector.report;
        report.format = Some(format);
        report.bytes = self.content.bytes();
        Ok(Extraction {
            dir: self.dir.clone(),
            bytes: files.iter().map(|f| f.bytes).sum(),
            files,
            directories,
            report,
        })
    }

    /// Removes everything staged; the destination is left as it was.
    pub fn abort(mut self) {
        if let Some(staging) = self.collector.staging.take() {
            staging.abort();
        }
    }

    /// An error from the readers: the I/O error behind it when there was one, the staged
    /// files removed.
    fn fail(&mut self, error: ArchiveError) -> ExtractError {
        self.failed = Some(error.to_string());
        let failure = self
            .collector
            .staging
            .as_mut()
            .and_then(Staging::take_failure);
        if let Some(staging) = self.collector.staging.take() {
            staging.abort();
        }
        match failure {
            Some((what, source)) => ExtractError::Io { what, source },
            None => ExtractError::Archive(error),
        }
    }
}

/// Makes `dir` when missing; refuses anything but a directory, and a non-empty one without
/// `force`. Removes a staging directory an interrupted extraction left.
fn prepare(dir: &Path, force: bool) -> Result<(), ExtractError> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(ExtractError::Destination(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir)
                .map_err(|e| ExtractError::io(dir, "could not create", e))?;
        }
        Err(e) => return Err(ExtractError::io(dir, "could not inspect", e)),
    }
    let stage = dir.join(STAGING_DIR);
    match std::fs::symlink_metadata(&stage) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&stage)
            .map_err(|e| ExtractError::io(&stage, "could not remove the leftover", e))?,
        Ok(_) => {
            return Err(ExtractError::Destination(format!(
                "{} is in the way (not a directory this tool made)",
                stage.display()
            )));
        }
        Err(_) => {}
    }
    if !force {
        let entries =
            std::fs::read_dir(dir).map_err(|e| ExtractError::io(dir, "could not read", e))?;
        if let Some(entry) = entries.flatten().next() {
            return Err(ExtractError::NotEmpty {
                dir: dir.to_path_buf(),
                example: entry.file_name().to_string_lossy().into_owned(),
            });
        }
    }
    Ok(())
}

/// Extracts everything `reader` gives into `dir`, read in 256 KiB pieces (see the module
/// docs).
pub fn extract_reader(
    mut reader: impl Read,
    dir: impl Into<PathBuf>,
    options: &ExtractOptions,
) -> Result<Extraction, ExtractError> {
    let mut extractor = Extractor::new(dir, options)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                extractor.abort();
                return Err(ExtractError::Io {
                    what: "could not read the archive".to_owned(),
                    source: e,
                });
            }
        };
        extractor.write(&buf[..n])?;
    }
    extractor.finish()
}
