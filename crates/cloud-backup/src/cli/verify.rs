//! `cloud-backup verify <FILE|DIR>...`: each file read once through `backup-archive`, what
//! was checked printed, failures named with their offset and member.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use backup_archive::{ArchiveError, Report};
use serde::Serialize;

use super::Failure;
use super::output::write_json;

/// The most files one `verify` walks (a directory tree is walked for files).
const MAX_FILES: usize = 1_000_000;

/// One file's outcome, as `--json` prints it.
#[derive(Serialize)]
struct Verified {
    path: PathBuf,
    ok: bool,
    #[serde(flatten)]
    report: Option<Report>,
    error: Option<ErrorJson>,
}

#[derive(Serialize)]
struct ErrorJson {
    offset: Option<u64>,
    member: Option<String>,
    message: String,
}

/// Verifies every file of `paths` (directories walked, `.part` files and resume records left
/// out), printing each outcome; an error naming how many failed when any did.
pub(super) fn run(paths: &[PathBuf], json: bool, out: &mut impl Write) -> Result<(), Failure> {
    let mut files = Vec::new();
    let mut results = Vec::new();
    for path in paths {
        if let Err(error) = collect(path, &mut files) {
            results.push(unreadable(path, &error));
        }
    }
    for path in &files {
        let outcome = fs::File::open(path)
            .map_err(|e| ErrorJson {
                offset: None,
                member: None,
                message: format!("could not be opened: {e}"),
            })
            // `verify_reader` reads in 256 KiB pieces itself: no buffering on top.
            .and_then(|file| backup_archive::verify_reader(file).map_err(|e| error_json(&e)));
        let verified = match outcome {
            Ok(report) => Verified {
                path: path.clone(),
                ok: true,
                report: Some(report),
                error: None,
            },
            Err(error) => Verified {
                path: path.clone(),
                ok: false,
                report: None,
                error: Some(error),
            },
        };
        if !json {
            write_text(out, &verified)?;
            out.flush()?;
        }
        results.push(verified);
    }
    if json {
        write_json(out, &results)?;
    } else {
        for result in results
            .iter()
            .filter(|r| r.report.is_none() && !files.contains(&r.path))
        {
            write_text(out, result)?;
        }
    }
    let failed = results.iter().filter(|r| !r.ok).count();
    if results.is_empty() {
        return Err(Failure::Unverified("no file to verify".to_owned()));
    }
    if failed > 0 {
        out.flush()?;
        return Err(Failure::Unverified(format!(
            "{failed} of {} file(s) failed verification",
            results.len()
        )));
    }
    Ok(())
}

fn error_json(error: &ArchiveError) -> ErrorJson {
    ErrorJson {
        offset: Some(error.offset()),
        member: error.member().map(str::to_owned),
        message: error.message().to_owned(),
    }
}

fn unreadable(path: &Path, error: &io::Error) -> Verified {
    Verified {
        path: path.to_path_buf(),
        ok: false,
        report: None,
        error: Some(ErrorJson {
            offset: None,
            member: None,
            message: format!("could not be read: {error}"),
        }),
    }
}

/// The files of `path`: itself, or every file under it (sorted), never a `.part`, a resume
/// record or a sync destination's manifest (`.cloud-backup/`).
fn collect(path: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    let meta = fs::metadata(path)?;
    if !meta.is_dir() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(path)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".part")
            || name.ends_with(".part.resume")
            || name == cloud_backup::sync::manifest::MANIFEST_DIR
        {
            continue;
        }
        if files.len() >= MAX_FILES {
            return Err(io::Error::other(format!("more than {MAX_FILES} files")));
        }
        let meta = fs::symlink_metadata(&entry)?;
        if meta.is_dir() {
            collect(&entry, files)?;
        } else if meta.is_file() {
            files.push(entry);
        }
    }
    Ok(())
}

fn write_text(out: &mut impl Write, verified: &Verified) -> io::Result<()> {
    let path = verified.path.display();
    match (&verified.report, &verified.error) {
        (Some(report), _) => {
            let format = report.format.map_or("?", |f| f.name());
            writeln!(
                out,
                "{path}: {format}, {} member(s), {} bytes",
                report.members.len(),
                report.bytes
            )?;
            write_checks(out, report)?;
        }
        (None, Some(error)) => {
            let at = error
                .offset
                .map(|offset| format!(" at byte {offset}"))
                .unwrap_or_default();
            let member = error
                .member
                .as_deref()
                .map(|member| format!(", in member {member}"))
                .unwrap_or_default();
            writeln!(out, "{path}: FAILED{at}{member}: {}", error.message)?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// The `verified:` line of `report`, and its `backup:` line when it has the facts of an
/// xtrabackup/mariabackup backup.
pub(super) fn write_checks(out: &mut impl Write, report: &Report) -> io::Result<()> {
    writeln!(out, "  verified: {}", report.checks.summary().join(", "))?;
    if let Some(backup) = &report.backup {
        let lsn = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
        let tool = backup
            .info
            .get("tool_version")
            .map(|v| {
                format!(
                    " ({} {v})",
                    backup.info.get("tool_name").map_or("", String::as_str)
                )
            })
            .unwrap_or_default();
        writeln!(
            out,
            "  backup: {}, from_lsn {}, to_lsn {}{tool}",
            backup.backup_type.as_deref().unwrap_or("-"),
            lsn(backup.from_lsn),
            lsn(backup.to_lsn),
        )?;
    }
    Ok(())
}
