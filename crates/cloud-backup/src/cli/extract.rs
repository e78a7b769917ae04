//! `cloud-backup extract <FILE> --to <DIR>`: a backup file unpacked into a directory in one
//! verified streaming pass (`backup-archive`'s extractor), the files listed.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use backup_archive::extract::{ExtractError, ExtractOptions, Extraction};
use clap::Args;
use serde::Serialize;

use super::Failure;
use super::output::write_json;

/// `extract`'s arguments.
#[derive(Debug, Args)]
pub(super) struct ExtractArgs {
    /// The backup file: `_qp.xb`, `_xb.qp`, `.xb`, `.qp`, `.tar.gz`, `.tar`, `.gz`.
    #[arg(value_name = "FILE")]
    pub(super) file: PathBuf,
    /// The directory to unpack into: created when missing, refused when not empty (unless
    /// --force).
    #[arg(long, value_name = "DIR")]
    pub(super) to: PathBuf,
    /// Unpack into a directory that is not empty: files of the same path are replaced (each
    /// by one rename, after the whole archive checked out); other files stay.
    #[arg(long)]
    pub(super) force: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub(super) json: bool,
}

pub(super) const EXTRACT_HELP: &str = "\
Unpack a backup file into a directory, with no other tool installed (no xbstream, mbstream,
qpress or xtrabackup --decompress): one streaming pass in constant memory, every checksum the
formats carry checked on the way (as `verify` does).

  _qp.xb, .xb    xbstream: every file at its path; each .qp member (xtrabackup/mariabackup
                 --compress) written decompressed, without .qp, as `xbstream -x` followed by
                 `xtrabackup --decompress --remove-original` leaves it; sparse chunks
                 (Percona XtraBackup 8.0) written as holes
  _xb.qp, .qp    qpress: decompressed, and the xbstream inside unpacked in turn
  .tar.gz, .tar  regular files and directories (a link, device or FIFO is refused)
  .gz            the archive inside unpacked; a plain file (a .sql.gz dump) written without .gz

Nothing is half-written: each file streams into DIR/.cloud-backup-extract/ and is flushed to
disk; only when the whole archive has checked out are the files moved into place (one rename
each) and the staging directory removed. On any failure (a checksum, a truncated file, a full
disk) the staging directory is removed and DIR is left as it was. A path in the archive that
would leave DIR (`..`, an absolute path), a link in the archive, or a link already in DIR where
the archive has a directory is refused. DIR must be empty or missing unless --force; a staging
directory left by an interrupted run does not count (it is removed).

Output: `<FILE> -> <DIR>: <FORMAT>, <N> files, <BYTES> bytes`, the `verified:` line, the
`backup:` line (backup type and LSNs from xtrabackup_checkpoints), each file written with its
size, and the command that prepares the backup. With --json one object {file, dir, files:
[{path, bytes, holes}], directories, bytes, report}.

Exit status: 0 when every file was written; 1 otherwise (nothing was written).";

/// What `--json` prints.
#[derive(Serialize)]
struct ExtractJson<'a> {
    file: &'a Path,
    #[serde(flatten)]
    extraction: &'a Extraction,
}

/// Unpacks `args.file` into `args.to`; the extraction runs on a blocking thread and stops
/// (removing what it staged) when this future is dropped (Ctrl-C).
pub(super) async fn run(args: &ExtractArgs, out: &mut impl Write) -> Result<(), Failure> {
    let file = std::fs::File::open(&args.file)
        .map_err(|e| Failure::Unverified(format!("could not open {}: {e}", args.file.display())))?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let mut options = ExtractOptions::new().with_force(args.force);
    if let Some(name) = name {
        options = options.with_name(name);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_on_drop = StopOnDrop(stop.clone());
    let to = args.to.clone();
    let outcome = tokio::task::spawn_blocking(move || extract(file, &to, &options, &stop))
        .await
        .map_err(|e| Failure::Unverified(format!("the extraction stopped: {e}")))?;
    let extraction = outcome.map_err(|e| Failure::Unverified(message(&args.file, &args.to, &e)))?;
    if args.json {
        return Ok(write_json(
            out,
            &ExtractJson {
                file: &args.file,
                extraction: &extraction,
            },
        )?);
    }
    write_text(out, &args.file, &extraction)?;
    Ok(())
}

/// Sets its flag when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Reads `file` through the extractor into `to`, stopping (and removing what was staged)
/// when `stop` is set.
fn extract(
    file: std::fs::File,
    to: &Path,
    options: &ExtractOptions,
    stop: &AtomicBool,
) -> Result<Extraction, ExtractError> {
    backup_archive::extract::extract_reader(Stoppable { file, stop }, to, options)
}

/// A file whose reads fail once `stop` is set (the extraction then removes what it staged).
struct Stoppable<'a> {
    file: std::fs::File,
    stop: &'a AtomicBool,
}

impl Read for Stoppable<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(io::Error::other("interrupted"));
        }
        self.file.read(buf)
    }
}

/// The one-line error of a failed extraction: what failed, and that nothing was written.
pub(super) fn message(file: &Path, to: &Path, error: &ExtractError) -> String {
    let (file, to) = (file.display(), to.display());
    match error {
        ExtractError::NotEmpty { example, .. } => format!(
            "{to} is not empty (it holds {example:?}): extract into an empty or new directory, \
             or pass --force to write over it (files of the same path are replaced once the \
             whole archive has checked out)"
        ),
        ExtractError::Archive(error) => {
            format!("{file} could not be extracted: {error}; nothing was written to {to}")
        }
        other => format!(
            "{file} could not be extracted into {to}: {other}; nothing was moved into place"
        ),
    }
}

fn write_text(out: &mut impl Write, file: &Path, extraction: &Extraction) -> io::Result<()> {
    let format = extraction.report.format.map_or("?", |f| f.name());
    writeln!(
        out,
        "{} -> {}: {format}, {} file(s), {} bytes",
        file.display(),
        extraction.dir.display(),
        extraction.files.len(),
        extraction.bytes
    )?;
    super::verify::write_checks(out, &extraction.report)?;
    write_files(out, extraction)
}

/// Each file written, with its size, and the command that prepares the backup.
pub(super) fn write_files(out: &mut impl Write, extraction: &Extraction) -> io::Result<()> {
    writeln!(
        out,
        "  extracted into {}: {} file(s), {} bytes",
        extraction.dir.display(),
        extraction.files.len(),
        extraction.bytes
    )?;
    for written in &extraction.files {
        let holes = if written.holes > 0 {
            format!(" ({} in holes)", written.holes)
        } else {
            String::new()
        };
        writeln!(out, "  {}  {} bytes{holes}", written.path, written.bytes)?;
    }
    if let Some(next) = prepare_hint(extraction) {
        writeln!(out, "  next: {next}")?;
    }
    Ok(())
}

/// The command that prepares an extracted xtrabackup/mariabackup backup, from what its
/// `xtrabackup_info` says made it.
pub(super) fn prepare_hint(extraction: &Extraction) -> Option<String> {
    let facts = extraction.report.backup.as_ref()?;
    let tool = facts
        .info
        .get("tool_name")
        .map_or("xtrabackup", String::as_str);
    let tool = if tool.contains("mariabackup") || tool.contains("mariadb-backup") {
        "mariabackup"
    } else {
        "xtrabackup"
    };
    let version = facts
        .info
        .get("tool_version")
        .map(|v| format!(" (made by {tool} {v}: prepare with the same major version)"))
        .unwrap_or_default();
    Some(format!(
        "{tool} --prepare --target-dir={}{version}",
        extraction.dir.display()
    ))
}
