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
//! Every document is written to a temporary name, flushed to disk and renamed: a reader sees
//! the old document or the new one, never half of one.

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

/// Where an instance's copies and manifest live in a local destination.
#[derive(Clone, Debug)]
pub(crate) struct InstanceDirs {
    /// `<DEST>`.
    pub(crate) root: PathBuf,
    /// `<provider>/<instance>`, relative.
    pub(crate) relative: PathBuf,
    pub(crate) provider: Provider,
    pub(crate) instance_id: String,
}

impl InstanceDirs {
    pub(crate) fn new(root: &Path, provider: Provider, instance_id: &str) -> Result<Self, Error> {
        let safe = crate::transfer::safe_name(instance_id).filter(|name| name == instance_id);
        let Some(instance) = safe else {
            return Err(Error::config(format!(
                "instance id {instance_id:?} cannot be a directory name"
            )));
        };
        Ok(Self {
            root: root.to_path_buf(),
            relative: Path::new(provider.name()).join(instance),
            provider,
            instance_id: instance_id.to_owned(),
        })
    }

    /// The directory of a full backup's files.
    pub(crate) fn full(&self, backup_id: &str) -> Result<PathBuf, Error> {
        let safe = crate::transfer::safe_name(backup_id).filter(|name| name == backup_id);
        let Some(backup) = safe else {
            return Err(Error::config(format!(
                "backup id {backup_id:?} cannot be a directory name"
            )));
        };
        Ok(self.root.join(&self.relative).join("full").join(backup))
    }

    /// The directory of the log files.
    pub(crate) fn binlog(&self) -> PathBuf {
        self.root.join(&self.relative).join("binlog")
    }

    /// `path` (under the destination) as the `/`-separated text the manifest records.
    pub(crate) fn relative_text(&self, path: &Path) -> Option<String> {
        let relative = path.strip_prefix(&self.root).ok()?;
        let parts: Option<Vec<&str>> = relative.iter().map(|part| part.to_str()).collect();
        Some(parts?.join("/"))
    }

    /// The manifest document of the file at `relative` (as [`relative_text`] gives it).
    pub(crate) fn entry_path(&self, relative: &str) -> PathBuf {
        let mut path = self.root.join(MANIFEST_DIR).join("manifest");
        for part in relative.split('/') {
            path.push(part);
        }
        path.set_extension(match path.extension().and_then(|e| e.to_str()) {
            Some(ext) => format!("{ext}.json"),
            None => "json".to_owned(),
        });
        path
    }

    /// This instance's index.
    pub(crate) fn index_path(&self) -> PathBuf {
        self.root
            .join(MANIFEST_DIR)
            .join("index")
            .join(self.provider.name())
            .join(format!("{}.json", self.instance_id))
    }

    /// The directory of this instance's manifest documents.
    fn manifest_dir(&self) -> PathBuf {
        self.root
            .join(MANIFEST_DIR)
            .join("manifest")
            .join(&self.relative)
    }

    /// Every manifest document of this instance (unreadable or foreign ones are left out:
    /// what they describe counts as not copied, and is copied again).
    pub(crate) async fn entries(&self) -> Vec<ManifestEntry> {
        let mut entries = Vec::new();
        let mut dirs = vec![self.manifest_dir()];
        while let Some(dir) = dirs.pop() {
            let Ok(mut read) = tokio::fs::read_dir(&dir).await else {
                continue;
            };
            while let Ok(Some(item)) = read.next_entry().await {
                let path = item.path();
                match item.file_type().await {
                    Ok(kind) if kind.is_dir() => dirs.push(path),
                    Ok(kind) if kind.is_file() && path.extension().is_some_and(|e| e == "json") => {
                        if let Some(entry) = read_entry(&path).await
                            && entry.provider == self.provider
                            && entry.instance_id == self.instance_id
                        {
                            entries.push(entry);
                        }
                    }
                    _ => {}
                }
            }
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        entries
    }

    /// Writes `entry`'s document (after its file is in place).
    pub(crate) async fn write_entry(&self, entry: &ManifestEntry) -> Result<(), Error> {
        let path = self.entry_path(&entry.path);
        write_json(&path, entry).await
    }

    /// Rewrites this instance's index from its documents; returns it.
    pub(crate) async fn write_index(&self) -> Result<Index, Error> {
        let index = Index {
            format: INDEX_FORMAT.to_owned(),
            provider: self.provider,
            instance_id: self.instance_id.clone(),
            entries: self.entries().await,
        };
        write_json(&self.index_path(), &index).await?;
        Ok(index)
    }
}

/// The manifest document at `path`, if it is one.
async fn read_entry(path: &Path) -> Option<ManifestEntry> {
    let bytes = tokio::fs::read(path).await.ok()?;
    let entry: ManifestEntry = serde_json::from_slice(&bytes).ok()?;
    (entry.format == ENTRY_FORMAT).then_some(entry)
}

/// Writes `value` as JSON at `path`: a temporary file beside it, flushed, renamed over it,
/// the directory flushed.
async fn write_json(path: &Path, value: &impl Serialize) -> Result<(), Error> {
    let io = |what: &str, e| Error::io(format!("could not {what} {}", path.display()), e);
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::config(format!("could not write a manifest document: {e}")))?;
    text.push(b'\n');
    let dir = path.parent().unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| io("create the directory of", e))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("manifest");
    let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = async {
        use tokio::io::AsyncWriteExt;
        let mut file = tokio::fs::File::create(&temp).await?;
        file.write_all(&text).await?;
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
