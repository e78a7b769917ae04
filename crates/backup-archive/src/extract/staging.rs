//! Where an extraction writes: every file first into a staging directory inside the
//! destination, moved into place only when the whole archive has checked out.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{ExtractError, ExtractedFile, STAGING_DIR};
use crate::ArchiveError;
use crate::report::Collector;

/// The longest path extracted (the usual `PATH_MAX`).
const MAX_PATH: usize = 4096;

/// A file being written.
struct Open {
    file: File,
    path: String,
    len: u64,
    holes: u64,
}

/// The staged files of an extraction and where they go.
pub(crate) struct Staging {
    root: PathBuf,
    stage: PathBuf,
    open: HashMap<usize, Open>,
    done: Vec<(usize, ExtractedFile)>,
    directories: BTreeSet<String>,
    /// Every path the archive gave so far: `true` a directory, `false` a file.
    kinds: HashMap<String, bool>,
    next: usize,
    /// The I/O error behind the last error returned to the readers, for the caller.
    failure: Option<(String, io::Error)>,
    finished: bool,
}

impl fmt::Debug for Staging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Staging")
            .field("root", &self.root)
            .field("open", &self.open.len())
            .field("done", &self.done.len())
            .finish_non_exhaustive()
    }
}

/// `name` made a safe path relative to the destination: `/`-separated plain names, `.` and
/// empty components dropped; `..`, an absolute path, a backslash or NUL, or the staging
/// directory's name are refused.
pub(crate) fn safe_path(name: &str) -> Result<String, String> {
    if name.starts_with('/') {
        return Err(format!("{name:?} is an absolute path"));
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(format!("{name:?} leaves the directory (..)")),
            _ if part.contains(['\0', '\\']) => {
                return Err(format!("{name:?} has a NUL or backslash in a name"));
            }
            _ => parts.push(part),
        }
    }
    if parts.first() == Some(&STAGING_DIR) {
        return Err(format!("{name:?} uses the name of the staging directory"));
    }
    let path = parts.join("/");
    if path.len() > MAX_PATH {
        return Err(format!(
            "a path of {} bytes (at most {MAX_PATH})",
            path.len()
        ));
    }
    Ok(path)
}

impl Staging {
    /// Stages under `root/.cloud-backup-extract` (made here, empty).
    pub(crate) fn new(root: &Path) -> Result<Self, ExtractError> {
        let stage = root.join(STAGING_DIR);
        fs::create_dir(&stage).map_err(|e| ExtractError::io(&stage, "could not create", e))?;
        Ok(Self {
            root: root.to_path_buf(),
            stage,
            open: HashMap::new(),
            done: Vec::new(),
            directories: BTreeSet::new(),
            kinds: HashMap::new(),
            next: 0,
            failure: None,
            finished: false,
        })
    }

    /// The I/O error behind the readers' last error, if it was one.
    pub(crate) fn take_failure(&mut self) -> Option<(String, io::Error)> {
        self.failure.take()
    }

    fn io_error(&mut self, what: String, error: io::Error) -> ArchiveError {
        let message = format!("{what}: {error}");
        self.failure = Some((what, error));
        ArchiveError::at(0, message)
    }

    /// Records `path` (safe) as a file (`dir` false) or a directory, refusing a path that is
    /// both (a file where another member needs a directory, or the reverse).
    fn claim(&mut self, path: &str, dir: bool) -> Result<(), ArchiveError> {
        let mut ancestor = String::new();
        for part in path.split('/') {
            if !ancestor.is_empty() {
                match self.kinds.get(&ancestor) {
                    Some(false) => {
                        return Err(ArchiveError::at(
                            0,
                            format!(
                                "{path:?} needs {ancestor:?} to be a directory, and the \
                                 archive has a file there: not extracted"
                            ),
                        ));
                    }
                    Some(true) => {}
                    None => {
                        self.kinds.insert(ancestor.clone(), true);
                    }
                }
                ancestor.push('/');
            }
            ancestor.push_str(part);
        }
        match self.kinds.get(path) {
            Some(&was_dir) if was_dir != dir => Err(ArchiveError::at(
                0,
                format!("{path:?} is both a file and a directory in the archive: not extracted"),
            )),
            _ => {
                self.kinds.insert(path.to_owned(), dir);
                Ok(())
            }
        }
    }

    /// A new file for the member extracted to `name`.
    pub(crate) fn create(&mut self, name: &str) -> Result<usize, ArchiveError> {
        let path = safe_path(name).map_err(|why| {
            ArchiveError::at(
                0,
                format!("member path refused: {why}; nothing was extracted"),
            )
        })?;
        if path.is_empty() {
            return Err(ArchiveError::at(
                0,
                format!("member path {name:?} names no file"),
            ));
        }
        self.claim(&path, false)?;
        let id = self.next;
        self.next += 1;
        let staged = self.staged_path(id);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o640);
        let file = options
            .open(&staged)
            .map_err(|e| self.io_error(format!("could not create {}", staged.display()), e))?;
        self.open.insert(
            id,
            Open {
                file,
                path,
                len: 0,
                holes: 0,
            },
        );
        Ok(id)
    }

    fn staged_path(&self, id: usize) -> PathBuf {
        self.stage.join(format!("{id:08}"))
    }

    fn open_file(&mut self, id: usize) -> Result<&mut Open, ArchiveError> {
        self.open
            .get_mut(&id)
            .ok_or_else(|| ArchiveError::at(0, "internal: a staged file written after its end"))
    }

    pub(crate) fn write(&mut self, id: usize, data: &[u8]) -> Result<(), ArchiveError> {
        if data.is_empty() {
            return Ok(());
        }
        let open = self.open_file(id)?;
        match open.file.write_all(data) {
            Ok(()) => {
                open.len += data.len() as u64;
                Ok(())
            }
            Err(e) => {
                let what = format!("could not write {} (staged)", open.path);
                Err(self.io_error(what, e))
            }
        }
    }

    /// `len` zero bytes left as a hole: the file position moves on, nothing is written.
    pub(crate) fn hole(&mut self, id: usize, len: u64) -> Result<(), ArchiveError> {
        let open = self.open_file(id)?;
        let Ok(step) = i64::try_from(len) else {
            return Err(ArchiveError::at(0, format!("a hole of {len} bytes")));
        };
        match open.file.seek(SeekFrom::Current(step)) {
            Ok(_) => {
                open.len += len;
                open.holes += len;
                Ok(())
            }
            Err(e) => {
                let what = format!("could not skip a hole in {} (staged)", open.path);
                Err(self.io_error(what, e))
            }
        }
    }

    /// The file is complete (its own checks passed): its length set (a trailing hole) and
    /// its bytes flushed to disk.
    pub(crate) fn close(&mut self, id: usize) -> Result<(), ArchiveError> {
        let Some(open) = self.open.remove(&id) else {
            return Err(ArchiveError::at(0, "internal: a staged file closed twice"));
        };
        let result = (if open.holes > 0 {
            open.file.set_len(open.len)
        } else {
            Ok(())
        })
        .and_then(|()| open.file.sync_all());
        if let Err(e) = result {
            return Err(self.io_error(format!("could not write {} (staged)", open.path), e));
        }
        self.done.push((
            id,
            ExtractedFile {
                path: open.path,
                bytes: open.len,
                holes: open.holes,
            },
        ));
        Ok(())
    }

    /// A directory the archive names (kept even when empty).
    pub(crate) fn directory(&mut self, name: &str) -> Result<(), ArchiveError> {
        let path = safe_path(name).map_err(|why| {
            ArchiveError::at(
                0,
                format!("directory path refused: {why}; nothing was extracted"),
            )
        })?;
        if path.is_empty() {
            return Ok(());
        }
        self.claim(&path, true)?;
        self.directories.insert(path);
        Ok(())
    }

    /// Moves every staged file into place (a later member of the same path replaces an
    /// earlier one, as the tools do): first checks that nothing in the destination is in
    /// the way (a link or a file where a directory goes, a directory where a file goes), then
    /// makes the directories, renames each file, syncs the directories, and removes the
    /// staging directory. When a step fails, the files already moved are moved back and the
    /// directories made removed (a file that replaced another under `force` stays). Returns the files, in the order they were completed, and the
    /// number of directories.
    pub(crate) fn commit(mut self) -> Result<(Vec<ExtractedFile>, u64), ExtractError> {
        if let Some(open) = self.open.values().next() {
            return Err(ExtractError::Destination(format!(
                "internal: {} was never completed",
                open.path
            )));
        }
        let done = std::mem::take(&mut self.done);
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (index, (_, file)) in done.iter().enumerate() {
            last.insert(file.path.as_str(), index);
        }
        let mut dirs: BTreeSet<String> = self.directories.clone();
        for path in last.keys() {
            let mut parts: Vec<&str> = path.split('/').collect();
            parts.pop();
            for n in 1..=parts.len() {
                dirs.insert(parts[..n].join("/"));
            }
        }
        // Nothing renamed before everything is known to fit.
        for dir in &dirs {
            match fs::symlink_metadata(self.root.join(dir)) {
                Ok(meta) if meta.is_dir() => {}
                Ok(meta) => {
                    return Err(ExtractError::Destination(format!(
                        "{} is {} where the archive has a directory; nothing was moved \
                         into place",
                        self.root.join(dir).display(),
                        kind_of(&meta)
                    )));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(ExtractError::io(
                        &self.root.join(dir),
                        "could not inspect",
                        e,
                    ));
                }
            }
        }
        for path in last.keys() {
            let target = self.root.join(path);
            if let Ok(meta) = fs::symlink_metadata(&target)
                && meta.is_dir()
            {
                return Err(ExtractError::Destination(format!(
                    "{} is a directory where the archive has a file; nothing was moved into \
                     place",
                    target.display()
                )));
            }
        }
        // What was done so far, undone if a later step fails (a full disk, a directory
        // changed meanwhile): nothing of the archive stays in place unless all of it is.
        let mut made: Vec<PathBuf> = Vec::new();
        let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
        let undo = |made: &[PathBuf], moved: &[(PathBuf, PathBuf)]| {
            for (staged, target) in moved.iter().rev() {
                let _ = fs::rename(target, staged);
            }
            for dir in made.iter().rev() {
                let _ = fs::remove_dir(dir);
            }
        };
        for dir in &dirs {
            let path = self.root.join(dir);
            let mut builder = fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o750);
            match builder.create(&path) {
                Ok(()) => made.push(path),
                // Made by now, or there before: it must still be a real directory.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                        undo(&made, &moved);
                        return Err(ExtractError::Destination(format!(
                            "{} changed while extracting: it is no longer a directory",
                            path.display()
                        )));
                    }
                }
                Err(e) => {
                    undo(&made, &moved);
                    return Err(ExtractError::io(&path, "could not create", e));
                }
            }
        }
        let mut files = Vec::with_capacity(last.len());
        let mut parents = BTreeSet::new();
        let keep: Vec<bool> = done
            .iter()
            .enumerate()
            .map(|(index, (_, file))| last.get(file.path.as_str()) == Some(&index))
            .collect();
        drop(last);
        for ((id, file), keep) in done.into_iter().zip(keep) {
            if !keep {
                continue;
            }
            let target = self.root.join(&file.path);
            let staged = self.staged_path(id);
            // A file that replaced one of the same path (`force`) is not moved back: the
            // one it replaced is gone, and it is complete and verified.
            let replaces = fs::symlink_metadata(&target).is_ok();
            if let Err(e) = fs::rename(&staged, &target) {
                undo(&made, &moved);
                return Err(ExtractError::io(&target, "could not move into place", e));
            }
            parents.insert(target.parent().map(Path::to_path_buf).unwrap_or_default());
            if !replaces {
                moved.push((staged, target));
            }
            files.push(file);
        }
        parents.insert(self.root.clone());
        for parent in parents {
            sync_dir(&parent);
        }
        self.finished = true;
        let _ = fs::remove_dir_all(&self.stage);
        Ok((files, dirs.len() as u64))
    }

    /// Removes everything staged; nothing was moved into place.
    pub(crate) fn abort(mut self) {
        self.discard();
    }

    fn discard(&mut self) {
        if !self.finished {
            self.finished = true;
            self.open.clear();
            let _ = fs::remove_dir_all(&self.stage);
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        self.discard();
    }
}

fn kind_of(meta: &fs::Metadata) -> &'static str {
    if meta.file_type().is_symlink() {
        "a symbolic link"
    } else if meta.is_file() {
        "a file"
    } else {
        "not a directory"
    }
}

/// Fsyncs a directory so that the renames into it survive a crash (Unix only).
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(path) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

impl Collector {
    fn staging(&mut self) -> Result<&mut Staging, ArchiveError> {
        self.staging
            .as_mut()
            .ok_or_else(|| ArchiveError::at(0, "internal: extraction without a destination"))
    }

    /// A new staged file for `path`.
    pub(crate) fn stage(&mut self, path: &str) -> Result<usize, ArchiveError> {
        self.staging()?.create(path)
    }

    /// More bytes of staged file `id`.
    pub(crate) fn staged_write(&mut self, id: usize, data: &[u8]) -> Result<(), ArchiveError> {
        self.staging()?.write(id, data)
    }

    /// A hole in staged file `id`.
    pub(crate) fn staged_hole(&mut self, id: usize, len: u64) -> Result<(), ArchiveError> {
        self.staging()?.hole(id, len)
    }

    /// Staged file `id` is complete.
    pub(crate) fn staged_close(&mut self, id: usize) -> Result<(), ArchiveError> {
        self.staging()?.close(id)
    }

    /// A directory to make (when extracting).
    pub(crate) fn directory(&mut self, path: &str, at: u64) -> Result<(), ArchiveError> {
        match &mut self.staging {
            Some(staging) => staging
                .directory(path)
                .map_err(|e| ArchiveError::at(at, e.message())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        assert_eq!(
            safe_path("./shop/customers.ibd").as_deref(),
            Ok("shop/customers.ibd")
        );
        assert_eq!(safe_path("a//b/./c/").as_deref(), Ok("a/b/c"));
        assert_eq!(safe_path("./").as_deref(), Ok(""));
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a\\..\\b",
            "a\0b",
            ".cloud-backup-extract/1",
        ] {
            assert!(safe_path(bad).is_err(), "{bad}");
        }
        assert!(safe_path(&"a/".repeat(3000)).is_err());
    }
}
