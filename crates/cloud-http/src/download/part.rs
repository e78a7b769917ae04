//! The local files of a download: the `.part` being written (with the hashers fed as it
//! grows), and the rules for touching any path: never through a symlink, never a device.

use std::io::{self, SeekFrom};
use std::path::{Path, PathBuf};

use tokio::fs::{File, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};

use futures::future::BoxFuture;

use super::checks::{Check, ContentCheckFactory, Digests, Hashers};
use crate::error::Error;

/// The buffer between the network and the `.part` file.
const WRITE_BUFFER: usize = 256 * 1024;
/// The buffer used to hash an existing `.part` file.
const READ_BUFFER: usize = 256 * 1024;

/// What is at a path, as far as a download cares.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Found {
    Nothing,
    RegularFile,
}

/// What is at `path` without following a symlink: nothing, or a regular file. Anything else (a
/// symlink, a directory, a device, a FIFO, a socket) is refused with an error naming `what`:
/// a download never writes through a link or over something that is not a plain file.
pub(super) async fn inspect(path: &Path, what: &str) -> Result<Found, Error> {
    match tokio::fs::symlink_metadata(path).await {
        Ok(meta) if meta.is_file() => Ok(Found::RegularFile),
        Ok(meta) => {
            let kind = if meta.file_type().is_symlink() {
                "a symbolic link"
            } else if meta.is_dir() {
                "a directory"
            } else {
                "not a regular file (a device, FIFO or socket)"
            };
            Err(Error::config(format!(
                "{what} {} is {kind}; a download only ever writes regular files and never \
                 follows links: move it away or choose another path",
                path.display()
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Found::Nothing),
        Err(e) => Err(Error::io(
            format!("could not inspect {}", path.display()),
            e,
        )),
    }
}

/// Opens `path` for reading and writing, creating it, never following a symlink at its last
/// component (`O_NOFOLLOW`), and checks that what was opened is a regular file.
pub(super) async fn open_regular(path: &Path, truncate: bool) -> Result<File, Error> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .write(true)
        .create(true)
        .truncate(truncate);
    #[cfg(unix)]
    options.custom_flags(libc::O_NOFOLLOW);
    let file = options.open(path).await.map_err(|e| {
        if e.raw_os_error() == Some(eloop()) {
            Error::config(format!(
                "{} is a symbolic link; a download never follows links",
                path.display()
            ))
        } else {
            Error::io(format!("could not open {}", path.display()), e)
        }
    })?;
    let meta = file
        .metadata()
        .await
        .map_err(|e| Error::io(format!("could not inspect {}", path.display()), e))?;
    if !meta.is_file() {
        return Err(Error::config(format!(
            "{} is not a regular file; a download only ever writes regular files",
            path.display()
        )));
    }
    Ok(file)
}

/// The error number of "too many levels of symbolic links", what `O_NOFOLLOW` fails with.
fn eloop() -> i32 {
    #[cfg(unix)]
    return libc::ELOOP;
    #[cfg(not(unix))]
    return -1;
}

/// Removes `path` if it is there; a failure is only logged (the caller is already failing or
/// finished).
pub(super) async fn remove_quietly(path: &Path) {
    match tokio::fs::remove_file(path).await {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(error = %e, path = %path.display(), "could not remove a file");
        }
    }
}

/// Fsyncs the directory holding `path`, so a rename survives a crash (Unix only; elsewhere
/// directories cannot be opened for this and the rename is left to the file system).
pub(super) async fn sync_parent(path: &Path) {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if let Ok(dir) = File::open(parent).await {
            let _ = dir.sync_all().await;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Where a download's bytes go instead of a `.part` file: an object store's multipart
/// upload, say. [`download_to_sink`](super::download_to_sink) writes the body to it as it
/// streams, [`restart`](Self::restart)s it when the download must start again from zero, and
/// calls [`complete`](Self::complete) once, only after every check passed, or
/// [`abort`](Self::abort) when anything failed: what a sink makes visible is only ever a
/// complete, verified file.
pub trait DownloadSink: Send {
    /// Appends `data`.
    fn write(&mut self, data: bytes::Bytes) -> BoxFuture<'_, Result<(), Error>>;
    /// Drops everything written so far: the download starts again from zero.
    fn restart(&mut self) -> BoxFuture<'_, Result<(), Error>>;
    /// Makes what was written visible (completes the upload); called once, after every
    /// check passed, with the length and SHA-256 of what was written. Returns the checks the
    /// sink made of its own (a store's checksum of what it received), or an
    /// [`Integrity`](crate::ErrorKind::Integrity) error when the stored object is not what was
    /// written (the sink then removes it).
    fn complete(&mut self, len: u64, sha256: &str) -> BoxFuture<'_, Result<Vec<Check>, Error>>;
    /// Discards what was written; nothing becomes visible.
    fn abort(&mut self) -> BoxFuture<'_, Result<(), Error>>;
    /// Where the bytes go, for messages (`s3://bucket/key`).
    fn describe(&self) -> String;
}

/// Where a [`Part`] writes.
enum Target {
    /// The `.part` file, through a buffer.
    File {
        path: PathBuf,
        file: BufWriter<File>,
    },
    /// A sink.
    Sink(Box<dyn DownloadSink>),
}

/// What [`Part::open`] keeps of an existing `.part`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keep {
    /// Nothing: the file is emptied.
    Nothing,
    /// All of it, hashed, the write position at its end.
    All,
    /// Its first bytes, hashed, the write position after them; the rest is left in place
    /// (ranges written by a multi-connection download, hashed when the prefix reaches them).
    Prefix(u64),
}

/// The partial file (or sink): a buffered writer at its end, and the hashes and length of
/// what it holds. `len` is the length of the prefix that has been hashed: a multi-connection
/// download writes further ranges in place and hashes them as the prefix reaches them.
pub(super) struct Part {
    target: Target,
    hashers: Hashers,
    pub(super) len: u64,
    content: Option<ContentCheckFactory>,
}

impl Part {
    /// Opens (or creates) the `.part` file and keeps of it what `keep` says: what is kept is
    /// read through a fixed buffer into the hashers and the write position left after it.
    /// Also returns how many bytes were discarded.
    pub(super) async fn open(
        path: PathBuf,
        keep: Keep,
        md5: bool,
        content: Option<ContentCheckFactory>,
    ) -> Result<(Self, u64), Error> {
        let mut file = open_regular(&path, false).await?;
        let mut hashers = Hashers::new(md5).with_content(content.as_ref());
        let mut len = 0u64;
        let mut discarded = 0;
        let read_error = |e| Error::io(format!("could not read {}", path.display()), e);
        if let Keep::All | Keep::Prefix(_) = keep {
            let limit = match keep {
                Keep::Prefix(limit) => limit,
                _ => u64::MAX,
            };
            let mut buffer = vec![0u8; READ_BUFFER];
            while len < limit {
                let want = usize::try_from(limit - len).map_or(READ_BUFFER, |n| n.min(READ_BUFFER));
                let n = file.read(&mut buffer[..want]).await.map_err(read_error)?;
                if n == 0 {
                    break;
                }
                hashers.update(&buffer[..n]);
                len += n as u64;
            }
            if matches!(keep, Keep::Prefix(_)) {
                file.seek(SeekFrom::Start(len)).await.map_err(read_error)?;
            }
        } else {
            discarded = file.metadata().await.map_err(read_error)?.len();
            if discarded > 0 {
                file.set_len(0)
                    .await
                    .map_err(|e| Error::io(format!("could not truncate {}", path.display()), e))?;
            }
        }
        let part = Self {
            target: Target::File {
                path,
                file: BufWriter::with_capacity(WRITE_BUFFER, file),
            },
            hashers,
            len,
            content,
        };
        Ok((part, discarded))
    }

    /// A part that writes to `sink`, empty.
    pub(super) fn sink(
        sink: Box<dyn DownloadSink>,
        md5: bool,
        content: Option<ContentCheckFactory>,
    ) -> Self {
        Self {
            target: Target::Sink(sink),
            hashers: Hashers::new(md5).with_content(content.as_ref()),
            len: 0,
            content,
        }
    }

    /// The `.part` file's path, or `None` for a sink.
    pub(super) fn path(&self) -> Option<&Path> {
        match &self.target {
            Target::File { path, .. } => Some(path),
            Target::Sink(_) => None,
        }
    }

    /// Where the bytes go, for messages: the `.part` file or the sink.
    pub(super) fn shown(&self) -> String {
        match &self.target {
            Target::File { path, .. } => path.display().to_string(),
            Target::Sink(sink) => sink.describe(),
        }
    }

    fn io_error(&self, what: &str, error: io::Error) -> Error {
        Error::io(format!("could not {what} {}", self.shown()), error)
    }

    /// Appends `data` (a piece of the body as received: a sink takes it without a copy).
    pub(super) async fn write(&mut self, data: &bytes::Bytes) -> Result<(), Error> {
        let written = match &mut self.target {
            Target::File { file, .. } => file.write_all(data).await,
            Target::Sink(sink) => {
                sink.write(data.clone()).await?;
                Ok(())
            }
        };
        if let Err(e) = written {
            return Err(self.io_error("write", e));
        }
        self.hashers.update(data);
        self.len += data.len() as u64;
        Ok(())
    }

    /// Hands the buffered bytes to the file, so that the file holds exactly `len` bytes (a
    /// sink has no buffer here).
    pub(super) async fn flush(&mut self) -> Result<(), Error> {
        let flushed = match &mut self.target {
            Target::File { file, .. } => file.flush().await,
            Target::Sink(_) => Ok(()),
        };
        match flushed {
            Ok(()) => Ok(()),
            Err(e) => Err(self.io_error("write", e)),
        }
    }

    /// Completes the sink (after verification) and returns its own checks; a file is renamed
    /// by the caller instead.
    pub(super) async fn complete(&mut self, sha256: &str) -> Result<Vec<Check>, Error> {
        let len = self.len;
        match &mut self.target {
            Target::File { .. } => Ok(Vec::new()),
            Target::Sink(sink) => sink.complete(len, sha256).await,
        }
    }

    /// Aborts the sink (a file is removed by the caller instead); a failure is only logged.
    pub(super) async fn abort(&mut self) {
        if let Target::Sink(sink) = &mut self.target
            && let Err(error) = sink.abort().await
        {
            tracing::warn!(error = %error, sink = %sink.describe(), "could not abort an upload");
        }
    }

    /// Hashes `data`, the next bytes of the file, already in the `.part` (written there in
    /// place by a multi-connection download, read back from the page cache).
    pub(super) fn absorb(&mut self, data: &[u8]) {
        self.hashers.update(data);
        self.len += data.len() as u64;
    }

    /// A second handle on the `.part` file, for positional writes and reads; `None` for a sink.
    pub(super) async fn shared_file(
        &mut self,
    ) -> Result<Option<std::sync::Arc<std::fs::File>>, Error> {
        self.flush().await?;
        let cloned = match &self.target {
            Target::File { file, .. } => file.get_ref().try_clone().await,
            Target::Sink(_) => return Ok(None),
        };
        match cloned {
            Ok(file) => Ok(Some(std::sync::Arc::new(file.into_std().await))),
            Err(e) => Err(self.io_error("open again", e)),
        }
    }

    /// Cuts the file after the hashed prefix, and writes on from there: what a
    /// multi-connection download wrote further on is dropped.
    pub(super) async fn cut(&mut self) -> Result<(), Error> {
        self.flush().await?;
        let len = self.len;
        let result = match &mut self.target {
            Target::File { file, .. } => {
                let file = file.get_mut();
                match file.set_len(len).await {
                    Ok(()) => file.seek(SeekFrom::Start(len)).await.map(drop),
                    Err(e) => Err(e),
                }
            }
            Target::Sink(_) => Ok(()),
        };
        result.map_err(|e| self.io_error("truncate", e))
    }

    /// Whether an MD5 is being computed.
    pub(super) fn has_md5(&self) -> bool {
        self.hashers.has_md5()
    }

    /// Computes an MD5 from now on; only possible while the file is empty.
    pub(super) fn start_md5(&mut self) {
        if self.len == 0 && !self.hashers.has_md5() {
            self.hashers = Hashers::new(true).with_content(self.content.as_ref());
        }
    }

    /// Empties the file: the download starts again from zero.
    pub(super) async fn truncate(&mut self) -> Result<(), Error> {
        self.flush().await?;
        let result = match &mut self.target {
            Target::File { file, .. } => {
                let file = file.get_mut();
                match file.set_len(0).await {
                    Ok(()) => file.seek(SeekFrom::Start(0)).await.map(drop),
                    Err(e) => Err(e),
                }
            }
            Target::Sink(sink) => {
                sink.restart().await?;
                Ok(())
            }
        };
        if let Err(e) = result {
            return Err(self.io_error("truncate", e));
        }
        self.hashers = Hashers::new(self.hashers.has_md5()).with_content(self.content.as_ref());
        self.len = 0;
        Ok(())
    }

    /// Flushes and fsyncs the file and returns its checksums (the hashers start afresh).
    pub(super) async fn finish(&mut self) -> Result<Digests, Error> {
        self.flush().await?;
        let synced = match &self.target {
            Target::File { file, .. } => file.get_ref().sync_all().await,
            Target::Sink(_) => Ok(()),
        };
        if let Err(e) = synced {
            return Err(self.io_error("sync", e));
        }
        Ok(std::mem::replace(&mut self.hashers, Hashers::new(false)).finish())
    }
}
