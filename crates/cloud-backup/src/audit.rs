//! Proving the backups are there: [`audit`] checks, per instance, that the newest successful
//! full backup is recent, that the provider keeps them long enough, that the log backups
//! run without a gap from the oldest backup to now, and (with a destination) that every
//! backup has a verified copy in the destination's [manifest](crate::sync::manifest).

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;
use time::OffsetDateTime;

use crate::sync::manifest::{Destination, FileKind, InstanceDirs};
use crate::{Capability, Client, Error, Provider, TimeRange, log_gaps};

/// What [`audit`] checks against.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuditOptions {
    /// The newest successful full backup must be at most this old (default 26 hours).
    pub max_age: Duration,
    /// The provider must keep backups at least this many days (default: not checked).
    pub min_retention_days: Option<u32>,
    /// A [`sync`](crate::sync::sync) destination whose manifest must hold a verified copy of
    /// every successful backup listed (default: not checked).
    pub dest: Option<Destination>,
    /// Read every recorded copy at the destination back and compare its size and SHA-256
    /// with its manifest document (default: a copy counts when its document is there and the
    /// copy has the recorded size).
    pub verify_copies: bool,
    /// Instances audited at once (0: 4).
    pub concurrency: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(26 * 3600),
            min_retention_days: None,
            dest: None,
            verify_copies: false,
            concurrency: 0,
        }
    }
}

impl AuditOptions {
    /// The defaults: newest backup at most 26 hours old, nothing else required.
    pub fn new() -> Self {
        Self::default()
    }

    /// The newest backup's greatest age.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The least retention, in days.
    pub fn with_min_retention_days(mut self, days: u32) -> Self {
        self.min_retention_days = Some(days);
        self
    }

    /// The destination whose copies are checked.
    pub fn with_dest(mut self, dest: Destination) -> Self {
        self.dest = Some(dest);
        self
    }

    /// Whether every copy is read back and its SHA-256 compared with the manifest's.
    pub fn with_verify_copies(mut self, verify_copies: bool) -> Self {
        self.verify_copies = verify_copies;
        self
    }
}

/// One instance's audit.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct InstanceAudit {
    /// The service.
    pub provider: Provider,
    /// The instance.
    pub instance_id: String,
    /// Whether every check passed.
    pub ok: bool,
    /// What failed, one sentence each.
    pub problems: Vec<String>,
    /// Successful full backups listed (`None` when they could not be listed).
    pub backups: Option<usize>,
    /// When the newest successful full backup started (RFC 3339).
    pub newest_backup_at: Option<String>,
    /// Its age, in seconds.
    pub newest_backup_age_seconds: Option<u64>,
    /// When the oldest successful full backup started.
    pub oldest_backup_at: Option<String>,
    /// The days the provider keeps backups, when it says.
    pub retention_days: Option<u32>,
    /// Whether the log backups were checked (not for a provider that keeps none).
    pub binlogs_checked: bool,
    /// Log files listed from the oldest backup to now.
    pub binlog_files: usize,
    /// Stretches from the oldest backup to now that no log file covers.
    pub binlog_gaps: Vec<TimeRange>,
    /// Successful backups without a verified copy at the destination (when one is given).
    pub copies_missing: Option<Vec<String>>,
    /// With [`AuditOptions::verify_copies`]: how many recorded copies (full backups' files
    /// and log files) were read back.
    pub copies_read_back: Option<usize>,
    /// With [`AuditOptions::verify_copies`]: the paths of the copies whose size or SHA-256
    /// differ from their manifest documents, or that are gone or could not be read.
    pub copies_damaged: Vec<String>,
}

/// Audits every `(client, instance)` of `targets`, at most `options.concurrency` at a time,
/// in the order of `targets`. A check that cannot be made (an API error, no policy API when a
/// retention is required) is a problem of its instance.
pub async fn audit(targets: &[(Client, String)], options: &AuditOptions) -> Vec<InstanceAudit> {
    let concurrency = if options.concurrency == 0 {
        4
    } else {
        options.concurrency
    };
    futures::stream::iter(
        targets
            .iter()
            .map(|(client, instance)| audit_instance(client, instance, options)),
    )
    .buffered(concurrency)
    .collect()
    .await
}

async fn audit_instance(
    client: &Client,
    instance_id: &str,
    options: &AuditOptions,
) -> InstanceAudit {
    let provider = client.provider();
    let now = OffsetDateTime::now_utc();
    let mut audit = InstanceAudit {
        provider,
        instance_id: instance_id.to_owned(),
        ok: false,
        problems: Vec::new(),
        backups: None,
        newest_backup_at: None,
        newest_backup_age_seconds: None,
        oldest_backup_at: None,
        retention_days: None,
        binlogs_checked: false,
        binlog_files: 0,
        binlog_gaps: Vec::new(),
        copies_missing: None,
        copies_read_back: None,
        copies_damaged: Vec::new(),
    };
    let problems = &mut audit.problems;

    // The backups: the newest must be recent.
    let mut backups = match client.list_backups(instance_id).await {
        Ok(backups) => backups,
        Err(error) => {
            problems.push(format!("could not list the backups: {error}"));
            audit.ok = false;
            return audit;
        }
    };
    backups.retain(crate::Backup::succeeded);
    backups.sort_by_key(crate::Backup::started);
    audit.backups = Some(backups.len());
    let oldest = backups.first().and_then(crate::Backup::started);
    let newest = backups.last().and_then(crate::Backup::started);
    audit.oldest_backup_at = backups.first().and_then(|b| b.started_at.clone());
    audit.newest_backup_at = backups.last().and_then(|b| b.started_at.clone());
    match newest {
        None => problems.push("no successful full backup".to_owned()),
        Some(at) => {
            let age = (now - at).unsigned_abs();
            audit.newest_backup_age_seconds = Some(age.as_secs());
            if age > options.max_age {
                problems.push(format!(
                    "the newest successful backup is {} old (at most {} allowed)",
                    format_age(age),
                    format_age(options.max_age)
                ));
            }
        }
    }

    // The retention the provider keeps.
    if crate::service::require(provider, Capability::ReadBackupPolicy).is_ok() {
        match client.backup_policy(instance_id).await {
            Ok(policy) => audit.retention_days = policy.retention_days,
            Err(error) if options.min_retention_days.is_some() => {
                problems.push(format!("could not read the backup policy: {error}"));
            }
            Err(_) => {}
        }
    }
    if let Some(min) = options.min_retention_days {
        match audit.retention_days {
            Some(days) if days >= min => {}
            Some(days) => problems.push(format!(
                "the provider keeps backups {days} days (at least {min} required)"
            )),
            None => problems.push(format!(
                "the retention is unknown (the provider does not say it), so {min} days cannot be \
                 proven"
            )),
        }
    }

    // Log backups from the oldest backup to now, without a gap.
    if let Some(oldest) = oldest
        && crate::service::require(provider, Capability::ListLogBackups).is_ok()
    {
        audit.binlogs_checked = true;
        match client.list_log_files(instance_id, oldest, now).await {
            Ok(files) => {
                audit.binlog_files = files.len();
                audit.binlog_gaps = log_gaps(&files);
                if files.is_empty() {
                    problems.push("no log backup since the oldest backup".to_owned());
                }
                for gap in &audit.binlog_gaps {
                    problems.push(format!("no log backup from {} to {}", gap.start, gap.end));
                }
            }
            Err(error) => problems.push(format!("could not list the log backups: {error}")),
        }
    }

    // Every backup copied and verified at the destination.
    if let Some(dest) = &options.dest {
        match InstanceDirs::new(dest, provider, instance_id) {
            Ok(dirs) => audit_copies(&dirs, &backups, options.verify_copies, &mut audit).await,
            Err(error) => audit.problems.push(error.to_string()),
        }
    }
    audit.ok = audit.problems.is_empty();
    audit
}

/// Whether every backup of `backups` has its copies at the destination: each file's manifest
/// document there and the file at its recorded size, or with `verify` read back with the
/// recorded SHA-256.
async fn audit_copies(
    dirs: &InstanceDirs,
    backups: &[crate::Backup],
    verify: bool,
    audit: &mut InstanceAudit,
) {
    let entries = match dirs.entries().await {
        Ok(entries) => entries,
        Err(error) => {
            audit
                .problems
                .push(format!("could not read the manifest: {error}"));
            return;
        }
    };
    let mut files: HashMap<&str, (usize, usize)> = HashMap::new();
    for entry in &entries {
        let there = if verify {
            let found = dirs.dest.sha256_of(&entry.path).await;
            let same = matches!(&found, Ok(Some((sha, len)))
                if *len == entry.bytes && sha.eq_ignore_ascii_case(&entry.sha256));
            if !same {
                audit.problems.push(match found {
                    Ok(Some((sha, len))) => format!(
                        "the copy {} holds {len} bytes with SHA-256 {sha}, not the {} bytes \
                         with SHA-256 {} its manifest records",
                        entry.path, entry.bytes, entry.sha256
                    ),
                    Ok(None) => format!("the copy {} is gone", entry.path),
                    Err(error) => format!("could not read the copy {}: {error}", entry.path),
                });
                audit.copies_damaged.push(entry.path.clone());
            }
            same
        } else {
            dirs.dest.file_size(&entry.path).await == Some(entry.bytes)
        };
        if entry.kind == FileKind::Full && there {
            let have = files
                .entry(entry.backup_id.as_str())
                .or_insert((0, entry.files_in_backup));
            have.0 += 1;
        }
    }
    let missing: Vec<String> = backups
        .iter()
        .filter(|b| files.get(b.backup_id.as_str()).is_none_or(|(n, of)| n < of))
        .map(|b| b.backup_id.clone())
        .collect();
    if !missing.is_empty() {
        audit.problems.push(format!(
            "{} of {} backups have no verified copy in {}: {}",
            missing.len(),
            backups.len(),
            dirs.dest.describe(),
            list(&missing)
        ));
    }
    audit.copies_missing = Some(missing);
    if verify {
        audit.copies_read_back = Some(entries.len());
    }
}

/// The first few of `items`, and how many more.
fn list(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    match items.len().saturating_sub(shown.len()) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// `d` in its largest whole unit, as the CLI writes ages: `11d` (from 3 days, or whole days),
/// `26h`, `45m`, `10s`.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(cloud_backup::audit::format_age(Duration::from_secs(26 * 3600)), "26h");
/// ```
pub fn format_age(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 86_400 && s.is_multiple_of(86_400) || s >= 3 * 86_400 {
        format!("{}d", s / 86_400)
    } else if s >= 3600 {
        format!("{}h", s / 3600)
    } else if s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// The audit as node_exporter's textfile format: one gauge per fact, labelled by provider
/// and instance.
///
/// ```
/// use cloud_backup::audit::{prometheus, InstanceAudit};
/// let text = prometheus(&[]);
/// assert!(text.contains("# TYPE cloud_backup_audit_ok gauge"));
/// ```
pub fn prometheus(audits: &[InstanceAudit]) -> String {
    type Metric = (
        &'static str,
        &'static str,
        fn(&InstanceAudit) -> Option<f64>,
    );
    let metrics: [Metric; 9] = [
        (
            "cloud_backup_audit_ok",
            "1 when every check of the instance passed",
            |a| Some(f64::from(u8::from(a.ok))),
        ),
        (
            "cloud_backup_backups",
            "Successful full backups listed",
            |a| a.backups.map(|n| n as f64),
        ),
        (
            "cloud_backup_newest_backup_age_seconds",
            "Age of the newest successful full backup",
            |a| a.newest_backup_age_seconds.map(|s| s as f64),
        ),
        (
            "cloud_backup_retention_days",
            "Days the provider keeps backups",
            |a| a.retention_days.map(f64::from),
        ),
        (
            "cloud_backup_binlog_files",
            "Log backup files since the oldest backup",
            |a| a.binlogs_checked.then_some(a.binlog_files as f64),
        ),
        (
            "cloud_backup_binlog_gaps",
            "Gaps in the log backups since the oldest backup",
            |a| a.binlogs_checked.then_some(a.binlog_gaps.len() as f64),
        ),
        (
            "cloud_backup_copies_missing",
            "Successful backups without a verified copy at the destination",
            |a| a.copies_missing.as_ref().map(|m| m.len() as f64),
        ),
        (
            "cloud_backup_copies_read_back",
            "Recorded copies read back and compared with their SHA-256 (audit --verify-copies)",
            |a| a.copies_read_back.map(|n| n as f64),
        ),
        (
            "cloud_backup_copies_damaged",
            "Recorded copies whose size or SHA-256 differ from the manifest (audit --verify-copies)",
            |a| a.copies_read_back.map(|_| a.copies_damaged.len() as f64),
        ),
    ];
    let mut out = String::new();
    for (name, help, value) in metrics {
        out.push_str(&format!("# HELP {name} {help}.\n# TYPE {name} gauge\n"));
        for audit in audits {
            if let Some(v) = value(audit) {
                out.push_str(&format!(
                    "{name}{{provider=\"{}\",instance=\"{}\"}} {v}\n",
                    audit.provider,
                    escape(&audit.instance_id)
                ));
            }
        }
    }
    out
}

/// Writes [`prometheus`] of `audits` to `path` for node_exporter's textfile collector: through
/// a temporary file renamed over `path`, so the collector never reads half a file.
pub async fn write_prometheus(
    path: &std::path::Path,
    audits: &[InstanceAudit],
) -> Result<(), Error> {
    crate::sync::manifest::write_atomically(path, prometheus(audits).as_bytes()).await
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(format_age(Duration::from_secs(26 * 3600)), "26h");
        assert_eq!(format_age(Duration::from_secs(2 * 86_400)), "2d");
        assert_eq!(format_age(Duration::from_secs(11 * 86_400 + 5)), "11d");
        assert_eq!(format_age(Duration::from_secs(90)), "1m");
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
