//! Keeping verified copies of every backup of many instances: [`sync`] copies what a
//! destination does not have yet, records each copy in the destination's [`manifest`], and
//! says per file what happened.
//!
//! A file counts as copied only once it is complete and verified at the destination (each
//! download writes `<file>.part` and renames it only when every check passed) and its manifest
//! document is written; the document is written last. So a second run copies nothing new, a
//! run that was killed resumes (the `.part` files resume; a file found without its document is
//! downloaded again, never taken on trust), and what an auditor reads in the manifest is only
//! ever verified copies.

pub mod manifest;
mod retention;

use std::collections::HashMap;
use std::time::Instant;

use futures::StreamExt;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::transfer::http_client;
use crate::{
    Backup, Capability, Client, DownloadOptions, DownloadedFile, Error, LogFile, Provider,
};
use manifest::{Destination, FileKind, InstanceDirs, ManifestEntry};
pub use retention::Keep;

/// The instances a machine takes when N machines split a fleet: `--shard K/N`.
///
/// An instance belongs to shard `hash(provider/instance) mod N` (FNV-1a, 64 bits), so every
/// instance belongs to exactly one shard, the same on every machine and every run, with no
/// coordination.
///
/// ```
/// use cloud_backup::sync::Shard;
/// use cloud_backup::Provider;
///
/// let shards: Vec<Shard> = (0..3).map(|k| format!("{k}/3").parse().unwrap()).collect();
/// for instance in ["rm-a", "rm-b", "rm-c", "rm-d"] {
///     let owners = shards.iter().filter(|s| s.owns(Provider::AliyunRds, instance)).count();
///     assert_eq!(owners, 1);
/// }
/// assert!("3/3".parse::<Shard>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Shard `index` of `count` (`index < count`).
    pub fn new(index: u64, count: u64) -> Result<Self, String> {
        if count == 0 || index >= count {
            return Err(format!(
                "a shard is K/N with 0 <= K < N (K counts from 0, as JOB_COMPLETION_INDEX \
                 does), not {index}/{count}"
            ));
        }
        Ok(Self { index, count })
    }

    /// Whether `instance_id` of `provider` is this shard's.
    pub fn owns(&self, provider: Provider, instance_id: &str) -> bool {
        let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
        for byte in provider
            .name()
            .bytes()
            .chain([b'/'])
            .chain(instance_id.bytes())
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
        }
        hash % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let wrong = || format!("a shard is K/N, such as 0/4, not {text:?}");
        let (k, n) = text.trim().split_once('/').ok_or_else(wrong)?;
        let k = k.trim().parse().map_err(|_| wrong())?;
        let n = n.trim().parse().map_err(|_| wrong())?;
        Self::new(k, n)
    }
}

/// What [`sync`] copies and how.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Only backups started at or after this time (default: every backup listed).
    pub since: Option<OffsetDateTime>,
    /// Also copy the log (binlog) files from `since` (or the oldest backup copied) to now.
    pub binlogs: bool,
    /// Instances synced at once, so at most this many transfers and API calls (0: 4).
    pub concurrency: usize,
    /// Only say what would be copied: nothing is written.
    pub dry_run: bool,
    /// Only this shard's instances.
    pub shard: Option<Shard>,
    /// How each file is downloaded (retries, timeouts, content verification, progress).
    pub download: DownloadOptions,
    /// Prune recorded copies older than this (see [`Keep`]); `None`: keep everything.
    pub keep: Option<Keep>,
}

impl SyncOptions {
    /// Every successful backup listed, 4 instances at a time, no log files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only backups started at or after `since`.
    pub fn with_since(mut self, since: OffsetDateTime) -> Self {
        self.since = Some(since);
        self
    }

    /// Also copy the log files.
    pub fn with_binlogs(mut self, binlogs: bool) -> Self {
        self.binlogs = binlogs;
        self
    }

    /// Instances synced at once.
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Only say what would be copied.
    pub fn with_dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Only `shard`'s instances.
    pub fn with_shard(mut self, shard: Shard) -> Self {
        self.shard = Some(shard);
        self
    }

    /// Prunes recorded copies that `keep` no longer needs, after copying.
    pub fn with_keep(mut self, keep: Keep) -> Self {
        self.keep = Some(keep);
        self
    }

    /// How each file is downloaded.
    pub fn with_download(mut self, download: DownloadOptions) -> Self {
        self.download = download;
        self
    }
}

/// What happened to one file (or, when it failed before its files were known, one backup).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "error")]
#[non_exhaustive]
pub enum Outcome {
    /// Copied and verified now; its manifest entry written.
    Copied,
    /// Already at the destination with its manifest entry.
    Skipped,
    /// Not there yet (`dry_run`).
    WouldCopy,
    /// Not copied, and why; the next run tries again.
    Failed(String),
    /// Pruned from the destination (its manifest document first, then the file).
    Pruned,
    /// Would be pruned (`dry_run`).
    WouldPrune,
}

/// One file's (or backup's) line of a [`SyncReport`].
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct SyncedFile {
    /// The service.
    pub provider: Provider,
    /// The instance.
    pub instance_id: String,
    /// The backup (for a log file, its backup id or name).
    pub backup_id: String,
    /// A full backup's file or a log file.
    pub kind: FileKind,
    /// Its path under the destination, when known.
    pub path: Option<String>,
    /// Its size, when known.
    pub bytes: Option<u64>,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// One instance's part of a [`SyncReport`]: its files, or why it could not be synced.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct InstanceSync {
    /// The service.
    pub provider: Provider,
    /// The instance.
    pub instance_id: String,
    /// Why the instance (or its log files) could not be synced, if so.
    pub error: Option<String>,
    /// Its files.
    pub files: Vec<SyncedFile>,
}

/// What [`sync`] did.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct SyncReport {
    /// Files copied now.
    pub copied: usize,
    /// Files already there.
    pub skipped: usize,
    /// Files that would be copied (`dry_run`).
    pub would_copy: usize,
    /// Files (or backups) that failed, plus instances that could not be synced.
    pub failed: usize,
    /// Recorded copies pruned (`keep`).
    pub pruned: usize,
    /// Recorded copies that would be pruned (`dry_run`).
    pub would_prune: usize,
    /// Bytes copied now.
    pub bytes_copied: u64,
    /// How long it took, in seconds.
    pub seconds: f64,
    /// Per instance, in the order given.
    pub instances: Vec<InstanceSync>,
}

impl SyncReport {
    /// Whether everything asked for happened (nothing failed).
    pub fn is_complete(&self) -> bool {
        self.failed == 0
    }

    fn add(&mut self, instance: InstanceSync) {
        if instance.error.is_some() {
            self.failed += 1;
        }
        for file in &instance.files {
            match &file.outcome {
                Outcome::Copied => {
                    self.copied += 1;
                    self.bytes_copied += file.bytes.unwrap_or(0);
                }
                Outcome::Skipped => self.skipped += 1,
                Outcome::WouldCopy => self.would_copy += 1,
                Outcome::Failed(_) => self.failed += 1,
                Outcome::Pruned => self.pruned += 1,
                Outcome::WouldPrune => self.would_prune += 1,
            }
        }
        self.instances.push(instance);
    }
}

/// Copies every successful backup of each `(client, instance)` in `targets` (and with
/// [`SyncOptions::binlogs`] their log files) that `dest` (a local directory, or an object
/// store) does not have yet, verifying each file as [`download_files`](crate::download_files)
/// does, and records each in the destination's [`manifest`]. Files go to
/// `<dest>/<provider>/<instance>/full/<backup id>/` and `.../binlog/`. Into an object store,
/// each file streams from the provider into a multipart upload completed only once every check
/// passed (memory: [`PART_SIZE`](crate::store::PART_SIZE) × 3 per transfer; [`FILES_AT_ONCE`]
/// transfers per instance, `concurrency` instances at once), never through
/// the local disk.
///
/// Never fails as a whole: each instance's and file's failure is in the report (and tried
/// again by the next run); [`SyncReport::is_complete`] says whether everything was copied.
pub async fn sync(
    targets: &[(Client, String)],
    dest: &Destination,
    options: &SyncOptions,
) -> SyncReport {
    let started = Instant::now();
    let mut report = SyncReport::default();
    let http = match http_client(&options.download) {
        Ok(http) => http,
        Err(error) => {
            for (client, instance_id) in targets {
                report.add(failed_instance(client.provider(), instance_id, &error));
            }
            return report;
        }
    };
    if !options.dry_run
        && let Err(error) = dest.check().await
    {
        for (client, instance_id) in targets {
            report.add(failed_instance(client.provider(), instance_id, &error));
        }
        report.seconds = started.elapsed().as_secs_f64();
        return report;
    }
    let mine: Vec<&(Client, String)> = targets
        .iter()
        .filter(|(client, id)| options.shard.is_none_or(|s| s.owns(client.provider(), id)))
        .collect();
    let concurrency = if options.concurrency == 0 {
        4
    } else {
        options.concurrency
    };
    let http = &http;
    let mut done: Vec<(usize, InstanceSync)> = futures::stream::iter(mine.iter().enumerate().map(
        |(i, (client, instance_id))| async move {
            (
                i,
                sync_instance(client, instance_id, dest, options, http).await,
            )
        },
    ))
    .buffer_unordered(concurrency)
    .collect()
    .await;
    done.sort_by_key(|(i, _)| *i);
    for (_, instance) in done {
        report.add(instance);
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// The files of one instance copied at once (each over its own connections).
pub const FILES_AT_ONCE: usize = 2;

/// An instance that could not be synced at all.
fn failed_instance(provider: Provider, instance_id: &str, error: &Error) -> InstanceSync {
    InstanceSync {
        provider,
        instance_id: instance_id.to_owned(),
        error: Some(error.to_string()),
        files: Vec::new(),
    }
}

/// One instance: its full backups, then its log files.
async fn sync_instance(
    client: &Client,
    instance_id: &str,
    dest: &Destination,
    options: &SyncOptions,
    http: &reqwest::Client,
) -> InstanceSync {
    let provider = client.provider();
    let mut result = InstanceSync {
        provider,
        instance_id: instance_id.to_owned(),
        error: None,
        files: Vec::new(),
    };
    let prepared = async {
        crate::service::require(provider, Capability::DownloadLinks)?;
        let dirs = InstanceDirs::new(dest, provider, instance_id)?;
        let backups = client.list_backups(instance_id).await?;
        // The manifest as it was, read once; what this run writes and prunes is tracked
        // beside it, so the index at the end needs no second read.
        let entries = dirs.entries().await?;
        Ok::<_, Error>((dirs, backups, entries))
    }
    .await;
    let (dirs, backups, entries) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => return failed_instance(provider, instance_id, &error),
    };
    let mut selected: Vec<Backup> = backups
        .into_iter()
        .filter(|b| b.succeeded() && !b.backup_id.is_empty())
        .filter(|b| match (options.since, b.started()) {
            (Some(since), Some(at)) => at >= since,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .collect();
    selected.sort_by_key(Backup::started);
    if let Some(keep) = options.keep {
        // What retention would prune at once is not copied.
        let starts = selected.iter().filter_map(Backup::started);
        if let Some(cutoff) = retention::oldest_kept(starts, keep, OffsetDateTime::now_utc()) {
            selected.retain(|b| b.started().is_some_and(|at| at >= cutoff));
        }
    }
    let mut written = Vec::new();
    // A file at the destination without its manifest document is not taken as copied, even
    // at the right size: it is downloaded again (the old file stays until its replacement is
    // verified), so nothing unverified is ever recorded.
    let download = options.download.clone().with_overwrite(true);
    let mut by_backup: HashMap<(FileKind, &str), Vec<&ManifestEntry>> = HashMap::new();
    for entry in &entries {
        by_backup
            .entry((entry.kind, entry.backup_id.as_str()))
            .or_default()
            .push(entry);
    }

    // A few files at once: one file's link, probe, fsync and manifest write overlap
    // another's transfer.
    let copies = futures::stream::iter(selected.iter().map(|backup| {
        let (dirs, download) = (&dirs, &download);
        let have = by_backup
            .get(&(FileKind::Full, backup.backup_id.as_str()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        async move {
            let mut written = Vec::new();
            if complete(dirs, have).await {
                let lines = have.iter().map(|e| line(e, Outcome::Skipped)).collect();
                return (lines, written);
            }
            let file = |outcome| SyncedFile {
                provider,
                instance_id: instance_id.to_owned(),
                backup_id: backup.backup_id.clone(),
                kind: FileKind::Full,
                path: None,
                bytes: backup.size_bytes,
                outcome,
            };
            if options.dry_run {
                return (vec![file(Outcome::WouldCopy)], written);
            }
            let copied = async {
                let key = dirs.full(&backup.backup_id)?;
                let mut local = std::path::PathBuf::new();
                let target = dirs.target(&key, &mut local);
                let files = client
                    .fetch_backup(http, instance_id, &backup.backup_id, &target, download)
                    .await?;
                let times = (backup.started_at.clone(), backup.finished_at.clone());
                record(
                    dirs,
                    FileKind::Full,
                    &backup.backup_id,
                    &files,
                    times,
                    &mut written,
                )
                .await
            }
            .await;
            match copied {
                Ok(lines) => (lines, written),
                Err(error) => (vec![file(Outcome::Failed(error.to_string()))], written),
            }
        }
    }))
    .buffered(FILES_AT_ONCE)
    .collect::<Vec<_>>()
    .await;
    gather(copies, &mut result.files, &mut written);

    if options.binlogs {
        let since = options
            .since
            .or_else(|| selected.first().and_then(Backup::started))
            .unwrap_or_else(|| OffsetDateTime::now_utc() - time::Duration::days(7));
        let logs = sync_logs(client, &dirs, &entries, since, options, http, &mut result).await;
        match logs {
            Ok(logs) => written.extend(logs),
            Err(error) => result.error = Some(format!("log files: {error}")),
        }
    }
    // Every entry now: the recorded ones, replaced by any written again (same path).
    let mut current: std::collections::BTreeMap<String, ManifestEntry> = entries
        .into_iter()
        .chain(written)
        .map(|e| (e.path.clone(), e))
        .collect();
    if let Some(keep) = options.keep {
        let entries: Vec<ManifestEntry> = current.values().cloned().collect();
        for pruned in prune(&dirs, &entries, keep, options.dry_run, &mut result).await {
            current.remove(&pruned);
        }
    }
    if !options.dry_run
        && let Err(error) = dirs.write_index(current.into_values().collect()).await
    {
        result.error.get_or_insert_with(|| error.to_string());
    }
    result
}

/// The log files from `since` to now: those with a manifest entry are skipped, the others
/// downloaded one by one (a complete file already there is kept) and recorded. Log files are
/// plain binlogs, in none of the archive formats: content verification is not asked of them.
async fn sync_logs(
    client: &Client,
    dirs: &InstanceDirs,
    entries: &[ManifestEntry],
    since: OffsetDateTime,
    options: &SyncOptions,
    http: &reqwest::Client,
    result: &mut InstanceSync,
) -> Result<Vec<ManifestEntry>, Error> {
    let mut written = Vec::new();
    let provider = client.provider();
    crate::service::require(provider, Capability::DownloadLogBackups)?;
    let until = OffsetDateTime::now_utc();
    let instance_id = &dirs.instance_id;
    let listed = client.list_log_files(instance_id, since, until).await?;
    let recorded: HashMap<&str, Vec<&ManifestEntry>> = entries
        .iter()
        .filter(|e| e.kind == FileKind::Binlog)
        .fold(HashMap::new(), |mut map, e| {
            map.entry(e.backup_id.as_str()).or_default().push(e);
            map
        });
    let download = options
        .download
        .clone()
        .with_verify_content(false)
        .with_overwrite(true);
    let out_key = dirs.binlog();
    let mut local = std::path::PathBuf::new();
    let out = dirs.target(&out_key, &mut local);
    let copies = futures::stream::iter(listed.iter().map(|file| {
        let (recorded, download, out) = (&recorded, &download, &out);
        async move {
            let mut written = Vec::new();
            let key = log_key(file);
            if let Some(have) = recorded.get(key.as_str())
                && complete(dirs, have).await
            {
                let lines = have.iter().map(|e| line(e, Outcome::Skipped)).collect();
                return (lines, written);
            }
            if options.dry_run {
                let line = log_line(provider, instance_id, file, Outcome::WouldCopy);
                return (vec![line], written);
            }
            let copied = async {
                let files = client.download_log_file(http, file, out, download).await?;
                let times = (file.begin_at.clone(), file.end_at.clone());
                record(dirs, FileKind::Binlog, &key, &files, times, &mut written).await
            }
            .await;
            match copied {
                Ok(lines) => (lines, written),
                Err(error) => {
                    let outcome = Outcome::Failed(error.to_string());
                    (
                        vec![log_line(provider, instance_id, file, outcome)],
                        written,
                    )
                }
            }
        }
    }))
    .buffered(FILES_AT_ONCE)
    .collect::<Vec<_>>()
    .await;
    gather(copies, &mut result.files, &mut written);
    Ok(written)
}

/// Each copy's report lines and manifest entries, in the order of the copies.
fn gather(
    copies: Vec<(Vec<SyncedFile>, Vec<ManifestEntry>)>,
    files: &mut Vec<SyncedFile>,
    written: &mut Vec<ManifestEntry>,
) {
    for (lines, entries) in copies {
        files.extend(lines);
        written.extend(entries);
    }
}

/// What identifies a log file in the manifest: its backup id (Huawei Cloud), else its host
/// and name (Alibaba Cloud, where two hosts may have files of the same name).
fn log_key(file: &LogFile) -> String {
    match (&file.backup_id, &file.host) {
        (Some(id), _) => id.clone(),
        (None, Some(host)) => format!("{host}/{}", file.file_name),
        (None, None) => file.file_name.clone(),
    }
}

/// Prunes (or, in a dry run, lists) the copies of `entries` that `keep` no longer needs:
/// each one's manifest document first, so the manifest never names a file that is gone, then
/// the file. Returns the paths pruned.
async fn prune(
    dirs: &InstanceDirs,
    entries: &[ManifestEntry],
    keep: Keep,
    dry_run: bool,
    result: &mut InstanceSync,
) -> Vec<String> {
    let mut pruned = Vec::new();
    for entry in retention::to_prune(entries, keep, OffsetDateTime::now_utc()) {
        if dry_run {
            result.files.push(line(entry, Outcome::WouldPrune));
            continue;
        }
        let outcome = match dirs.remove_entry(entry).await {
            Ok(()) => {
                pruned.push(entry.path.clone());
                Outcome::Pruned
            }
            Err(e) => Outcome::Failed(format!("could not prune {}: {e}", entry.path)),
        };
        result.files.push(line(entry, outcome));
    }
    pruned
}

/// Whether every file of a backup has its entry and is at the destination at its size.
async fn complete(dirs: &InstanceDirs, entries: &[&ManifestEntry]) -> bool {
    let Some(first) = entries.first() else {
        return false;
    };
    if entries.len() != first.files_in_backup {
        return false;
    }
    for entry in entries {
        if dirs.dest.file_size(&entry.path).await != Some(entry.bytes) {
            return false;
        }
    }
    true
}

/// Records `files` (just verified, all of one backup or log backup) in the manifest, each
/// with the backup's `(start, end)`, adding each entry to `written` once its document is;
/// their report lines.
async fn record(
    dirs: &InstanceDirs,
    kind: FileKind,
    backup_id: &str,
    files: &[DownloadedFile],
    (started_at, finished_at): (Option<String>, Option<String>),
    written: &mut Vec<ManifestEntry>,
) -> Result<Vec<SyncedFile>, Error> {
    let mut lines = Vec::new();
    for downloaded in files {
        let entry = entry_of(dirs, kind, backup_id, downloaded, files.len())?
            .with_times(started_at.clone(), finished_at.clone());
        dirs.write_entry(&entry).await?;
        lines.push(line(&entry, Outcome::Copied));
        written.push(entry);
    }
    Ok(lines)
}

/// A manifest entry for `file`, just verified.
fn entry_of(
    dirs: &InstanceDirs,
    kind: FileKind,
    backup_id: &str,
    file: &DownloadedFile,
    files_in_backup: usize,
) -> Result<ManifestEntry, Error> {
    let path = dirs.key_of_file(&file.path).ok_or_else(|| {
        Error::config(format!(
            "{} is not a UTF-8 path under the destination",
            file.path.display()
        ))
    })?;
    Ok(ManifestEntry {
        format: manifest::ENTRY_FORMAT.to_owned(),
        provider: dirs.provider,
        instance_id: dirs.instance_id.clone(),
        backup_id: backup_id.to_owned(),
        kind,
        path,
        bytes: file.bytes,
        sha256: file.sha256.clone(),
        checks: file.verified.clone(),
        files_in_backup,
        started_at: None,
        finished_at: None,
        copied_at: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
    })
}

impl ManifestEntry {
    fn with_times(mut self, started_at: Option<String>, finished_at: Option<String>) -> Self {
        self.started_at = started_at;
        self.finished_at = finished_at;
        self
    }
}

/// A report line for a file with a manifest entry.
fn line(entry: &ManifestEntry, outcome: Outcome) -> SyncedFile {
    SyncedFile {
        provider: entry.provider,
        instance_id: entry.instance_id.clone(),
        backup_id: entry.backup_id.clone(),
        kind: entry.kind,
        path: Some(entry.path.clone()),
        bytes: Some(entry.bytes),
        outcome,
    }
}

/// A report line for a log file without a manifest entry.
fn log_line(provider: Provider, instance_id: &str, file: &LogFile, outcome: Outcome) -> SyncedFile {
    SyncedFile {
        provider,
        instance_id: instance_id.to_owned(),
        backup_id: file
            .backup_id
            .clone()
            .unwrap_or_else(|| file.file_name.clone()),
        kind: FileKind::Binlog,
        path: None,
        bytes: file.size_bytes,
        outcome,
    }
}
