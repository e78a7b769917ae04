//! The manifest of a sync destination: one JSON document per copied file, written after the
//! file is complete and verified, and one index per instance, made from those documents.
//!
//! ```text
//! <DEST>/<provider>/<instance>/full/<backup id>/<file>           the files
//! <DEST>/<provider>/<instance>/binlog/[<host>/]<file>
//! <DEST>/.cloud-backup/manifest/<provider>/<instance>/<same relative path>.json
//! <DEST>/.cloud-backup/index/<provider>/<instance>.json          {"format", "entries": [...]}
//! ```
//!
//! In a local directory every document is written to a temporary name, flushed to disk and
//! renamed; in an object store it is one PUT: a reader sees the old document or the new one,
//! never half of one.

use std::path::{Path, PathBuf};

use cloud_http::Check;
use serde::{Deserialize, Serialize};

use crate::{Error, Provider};

/// The `format` of a manifest document.
pub const ENTRY_FORMAT: &str = "cloud-backup/manifest-1";
/// The `format` of an instance's index.
pub const INDEX_FORMAT: &str = "cloud-backup/index-1";
/// The directory of a destination's manifest, beside the copies (`verify` skips it).
pub const MANIFEST_DIR: &str = ".cloud-backup";

/// What kind of file a manifest entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum FileKind {
    /// A file of a full backup.
    Full,
    /// A log (binlog) backup file.
    Binlog,
}

/// One copied file, as its manifest document records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManifestEntry {
    /// [`ENTRY_FORMAT`].
    pub format: String,
    /// The service.
    pub provider: Provider,
    /// The instance.
    pub instance_id: String,
    /// A full backup's id; a log file's backup id, or its name when the provider gives none.
    pub backup_id: String,
    /// A full backup's file or a log file.
    pub kind: FileKind,
    /// The file's path under the destination, `/`-separated.
    pub path: String,
    /// Its length in bytes.
    pub bytes: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// Every check that passed when it was copied (size, the provider's and the storage's
    /// checksums, content).
    pub checks: Vec<Check>,
    /// How many files the backup has (this is one of them): the backup is copied when every
    /// one has its entry.
    pub files_in_backup: usize,
    /// When the backup (or the log file's first event) started, RFC 3339.
    pub started_at: Option<String>,
    /// When the backup (or the log file's last event) finished, RFC 3339.
    pub finished_at: Option<String>,
    /// When the copy was verified at the destination, RFC 3339 UTC.
    pub copied_at: String,
}

/// An instance's index: every entry of its manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Index {
    /// [`INDEX_FORMAT`].
    pub format: String,
    /// The service.
    pub provider: Provider,
    /// The instance.
    pub instance_id: String,
    /// Its entries, by path.
    pub entries: Vec<ManifestEntry>,
}

/// Where `sync` copies to: a local directory, or an object store (feature `object-store`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Destination {
    /// A local directory (created if missing).
    Local(PathBuf),
    /// A bucket and prefix of an object store.
    #[cfg(feature = "object-store")]
    Store(crate::store::ObjectStore),
}

impl Destination {
    /// `--to`: `s3://`, `oss://` or `obs://` URLs name an object store (with `endpoint`,
    /// `--to-endpoint`), anything else a local directory.
    pub fn parse(to: &str, endpoint: Option<&str>) -> Result<Self, Error> {
        #[cfg(feature = "object-store")]
        if crate::store::SCHEMES
            .iter()
            .any(|scheme| to.starts_with(scheme))
        {
            return crate::store::ObjectStore::open(to, endpoint).map(Destination::Store);
        }
        #[cfg(not(feature = "object-store"))]
        if ["s3://", "oss://", "obs://"]
            .iter()
            .any(|scheme| to.starts_with(scheme))
        {
            return Err(Error::config(format!(
                "--to {to}: this build of cloud-backup has no object storage: enable the cargo \
                 feature `object-store`"
            )));
        }
        let _ = endpoint;
        Ok(Destination::Local(PathBuf::from(to)))
    }

    /// With `timeout` as the longest wait for one call of an object store (see
    /// [`ObjectStore::with_timeout`](crate::store::ObjectStore::with_timeout)); a local
    /// directory is unchanged.
    #[must_use]
    pub fn with_timeout(self, timeout: std::time::Duration) -> Self {
        match self {
            #[cfg(feature = "object-store")]
            Destination::Store(store) => Destination::Store(store.with_timeout(timeout)),
            local => {
                let _ = timeout;
                local
            }
        }
    }

    /// The destination, for messages.
    pub fn describe(&self) -> String {
        match self {
            Destination::Local(path) => path.display().to_string(),
            #[cfg(feature = "object-store")]
            Destination::Store(store) => store.url().to_owned(),
        }
    }

    /// Checks that the destination takes writes (an object store: a small object written and
    /// deleted), so that a sync with wrong credentials or a wrong bucket fails at once rather
    /// than after each download.
    pub(crate) async fn check(&self) -> Result<(), Error> {
        match self {
            Destination::Local(_) => Ok(()),
            #[cfg(feature = "object-store")]
            Destination::Store(store) => {
                // One name for every run: a run stopped between the write and the delete
                // leaves one object, which the next run writes over and deletes.
                let key = format!("{MANIFEST_DIR}/write-check");
                store
                    .write(&key, b"cloud-backup write check\n".to_vec())
                    .await?;
                store.delete(&key).await
            }
        }
    }

    /// The size of the file at `key` (`/`-separated, under the destination), when it is
    /// there and a regular file (never through a link).
    pub(crate) async fn file_size(&self, key: &str) -> Option<u64> {
        match self {
            Destination::Local(root) => match tokio::fs::symlink_metadata(local(root, key)).await {
                Ok(meta) if meta.is_file() => Some(meta.len()),
                _ => None,
            },
            #[cfg(feature = "object-store")]
            Destination::Store(store) => store.size(key).await.ok().flatten(),
        }
    }

    /// The SHA-256 (lower-case hex) and length of the file at `key`, read back as a stream;
    /// `None` when there is none.
    pub(crate) async fn sha256_of(&self, key: &str) -> Result<Option<(String, u64)>, Error> {
        match self {
            Destination::Local(root) => {
                let path = local(root, key);
                match tokio::fs::symlink_metadata(&path).await {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    _ => crate::transfer::hash_file(&path)
                        .await
                        .map(|(len, sha)| Some((sha, len))),
                }
            }
            #[cfg(feature = "object-store")]
            Destination::Store(store) => match store.size(key).await? {
                None => Ok(None),
                Some(_) => store.sha256_of(key).await.map(Some),
            },
        }
    }

    /// Removes the file at `key`; one already gone is fine.
    pub(crate) async fn remove(&self, key: &str) -> Result<(), Error> {
        match self {
            Destination::Local(root) => {
                let path = local(root, key);
                match tokio::fs::remove_file(&path).await {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        Err(Error::io(format!("could not remove {}", path.display()), e))
                    }
                    _ => {
                        // Its directory too, when that leaves it empty.
                        if let Some(dir) = path.parent() {
                            let _ = tokio::fs::remove_dir(dir).await;
                        }
                        Ok(())
                    }
                }
            }
            #[cfg(feature = "object-store")]
            Destination::Store(store) => store.delete(key).await,
        }
    }

    /// The JSON document at `key`, if there is one.
    async fn read(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        match self {
            Destination::Local(root) => {
                let path = local(root, key);
                match tokio::fs::read(&path).await {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Error::io(format!("could not read {}", path.display()), e)),
                }
            }
            #[cfg(feature = "object-store")]
            Destination::Store(store) => store.read(key).await,
        }
    }

    /// Writes `value` as the JSON document at `key`, whole or not at all.
    async fn write_json(&self, key: &str, value: &impl Serialize) -> Result<(), Error> {
        let mut text = serde_json::to_vec_pretty(value)
            .map_err(|e| Error::config(format!("could not write a manifest document: {e}")))?;
        text.push(b'\n');
        match self {
            Destination::Local(root) => write_atomically(&local(root, key), &text).await,
            #[cfg(feature = "object-store")]
            Destination::Store(store) => store.write(key, text).await,
        }
    }

    /// The keys of the documents under `prefix` (a directory key); none when there is no
    /// such directory, an error when it cannot be read (so a manifest that cannot be read is
    /// never taken as an empty one).
    async fn documents(&self, prefix: &str) -> Result<Vec<String>, Error> {
        match self {
            Destination::Local(root) => {
                let mut keys = Vec::new();
                let mut dirs = vec![local(root, prefix)];
                while let Some(dir) = dirs.pop() {
                    let unreadable =
                        |e| Error::io(format!("could not read the directory {}", dir.display()), e);
                    let mut read = match tokio::fs::read_dir(&dir).await {
                        Ok(read) => read,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(unreadable(e)),
                    };
                    while let Some(item) = read.next_entry().await.map_err(unreadable)? {
                        let path = item.path();
                        match item.file_type().await {
                            Ok(kind) if kind.is_dir() => dirs.push(path),
                            Ok(kind) if kind.is_file() => {
                                if let Some(key) = key_of(root, &path) {
                                    keys.push(key);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                Ok(keys)
            }
            #[cfg(feature = "object-store")]
            Destination::Store(store) => store.list(&format!("{prefix}/")).await,
        }
    }
}

/// `value` as one path segment, when it is already a safe name as it stands (no separator,
/// no `..`, nothing replaced); else an error naming `what`.
fn segment<'a>(what: &str, value: &'a str) -> Result<&'a str, Error> {
    match crate::transfer::safe_name(value) {
        Some(name) if name == value => Ok(value),
        _ => Err(Error::config(format!(
            "{what} {value:?} cannot be a directory name"
        ))),
    }
}

/// The manifest document `bytes` when it is one of `instance_id`'s of `provider`, whose
/// directory is `relative`: see [`InstanceDirs::accept_entry`].
pub(crate) fn accept_entry(
    bytes: &[u8],
    provider: Provider,
    instance_id: &str,
    relative: &str,
) -> Option<ManifestEntry> {
    let entry = serde_json::from_slice::<ManifestEntry>(bytes).ok()?;
    let inside = entry
        .path
        .strip_prefix(relative)
        .and_then(|rest| rest.strip_prefix('/'))?;
    let ours = entry.format == ENTRY_FORMAT
        && entry.provider == provider
        && entry.instance_id == instance_id
        && inside.split('/').all(|part| {
            crate::transfer::safe_name(part).as_deref() == Some(part) && !part.contains('\\')
        });
    ours.then_some(entry)
}

/// `key` (`/`-separated) under the directory `root`.
pub(crate) fn local(root: &Path, key: &str) -> PathBuf {
    let mut path = root.to_path_buf();
    for part in key.split('/').filter(|p| !p.is_empty()) {
        path.push(part);
    }
    path
}

/// `path` under `root` as a `/`-separated key.
fn key_of(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = relative.iter().map(|part| part.to_str()).collect();
    Some(parts?.join("/"))
}

/// Where an instance's copies and manifest live in a destination.
#[derive(Clone, Debug)]
pub(crate) struct InstanceDirs {
    pub(crate) dest: Destination,
    /// `<provider>/<instance>`.
    relative: String,
    pub(crate) provider: Provider,
    pub(crate) instance_id: String,
}

impl InstanceDirs {
    pub(crate) fn new(
        dest: &Destination,
        provider: Provider,
        instance_id: &str,
    ) -> Result<Self, Error> {
        let instance = segment("instance id", instance_id)?;
        Ok(Self {
            dest: dest.clone(),
            relative: format!("{}/{instance}", provider.name()),
            provider,
            instance_id: instance_id.to_owned(),
        })
    }

    /// The key of a full backup's files.
    pub(crate) fn full(&self, backup_id: &str) -> Result<String, Error> {
        let backup = segment("backup id", backup_id)?;
        Ok(format!("{}/full/{backup}", self.relative))
    }

    /// The key of the log files.
    pub(crate) fn binlog(&self) -> String {
        format!("{}/binlog", self.relative)
    }

    /// Where files under `key` go.
    pub(crate) fn target<'a>(
        &'a self,
        key: &str,
        local_dir: &'a mut PathBuf,
    ) -> crate::transfer::Target<'a> {
        match &self.dest {
            Destination::Local(root) => {
                *local_dir = local(root, key);
                crate::transfer::Target::Dir(local_dir)
            }
            #[cfg(feature = "object-store")]
            Destination::Store(store) => crate::transfer::Target::Store(store, key.to_owned()),
        }
    }

    /// A downloaded file's key: its path under a local destination, or its key.
    pub(crate) fn key_of_file(&self, path: &Path) -> Option<String> {
        match &self.dest {
            Destination::Local(root) => key_of(root, path),
            #[cfg(feature = "object-store")]
            Destination::Store(_) => path.to_str().map(str::to_owned),
        }
    }

    /// The key of the manifest document of the file at `key`.
    pub(crate) fn entry_key(&self, key: &str) -> String {
        format!("{MANIFEST_DIR}/manifest/{key}.json")
    }

    /// The key of this instance's index.
    pub(crate) fn index_key(&self) -> String {
        format!(
            "{MANIFEST_DIR}/index/{}/{}.json",
            self.provider.name(),
            self.instance_id
        )
    }

    /// Every manifest document of this instance (malformed or foreign ones are left out:
    /// what they describe counts as not copied, and is copied again). An error when the
    /// destination cannot be listed or read: a manifest that cannot be read is never taken
    /// as an empty one.
    pub(crate) async fn entries(&self) -> Result<Vec<ManifestEntry>, Error> {
        let prefix = format!("{MANIFEST_DIR}/manifest/{}", self.relative);
        let mut entries = Vec::new();
        for key in self.dest.documents(&prefix).await? {
            if !key.ends_with(".json") {
                continue;
            }
            let Some(bytes) = self.dest.read(&key).await? else {
                continue;
            };
            if let Some(entry) = self.accept_entry(&bytes) {
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries)
    }

    /// The manifest document `bytes` when it is one of this instance's: our format, this
    /// provider and instance, and a path under this instance's directory made only of names
    /// that could be ours (no `..`, `.` or empty part, no backslash, no control character). A path
    /// outside is never read, pruned or trusted: a document written by hand or by another
    /// tool cannot make `sync` delete a file anywhere else.
    pub(crate) fn accept_entry(&self, bytes: &[u8]) -> Option<ManifestEntry> {
        accept_entry(bytes, self.provider, &self.instance_id, &self.relative)
    }

    /// Writes `entry`'s document (after its file is in place).
    pub(crate) async fn write_entry(&self, entry: &ManifestEntry) -> Result<(), Error> {
        self.dest
            .write_json(&self.entry_key(&entry.path), entry)
            .await
    }

    /// Removes `entry`'s document, then its file.
    pub(crate) async fn remove_entry(&self, entry: &ManifestEntry) -> Result<(), Error> {
        self.dest.remove(&self.entry_key(&entry.path)).await?;
        self.dest.remove(&entry.path).await
    }

    /// Rewrites this instance's index: `entries`, the documents as they are now (sorted by
    /// path); returns it.
    pub(crate) async fn write_index(
        &self,
        mut entries: Vec<ManifestEntry>,
    ) -> Result<Index, Error> {
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let index = Index {
            format: INDEX_FORMAT.to_owned(),
            provider: self.provider,
            instance_id: self.instance_id.clone(),
            entries,
        };
        self.dest.write_json(&self.index_key(), &index).await?;
        Ok(index)
    }
}

/// Writes `text` at `path`: a temporary file beside it, flushed, renamed over it, the
/// directory flushed. A reader sees the old file or the new one, never half of one.
pub(crate) async fn write_atomically(path: &Path, text: &[u8]) -> Result<(), Error> {
    let io = |what: &str, e| Error::io(format!("could not {what} {}", path.display()), e);
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| io("create the directory of", e))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("manifest");
    // One temporary name per document: a run stopped before the rename leaves it, and the
    // next write of the same document (the file is recorded again) replaces it.
    let temp = dir.join(format!(".{name}.tmp"));
    let written = async {
        use tokio::io::AsyncWriteExt;
        let mut file = tokio::fs::File::create(&temp).await?;
        file.write_all(text).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&temp, path).await?;
        if let Ok(dir) = tokio::fs::File::open(dir).await {
            let _ = dir.sync_all().await;
        }
        Ok::<(), std::io::Error>(())
    }
    .await;
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(io("write", e));
    }
    Ok(())
}
