//! Retention at a sync destination: which recorded copies `--keep` and `--keep-last` prune.
//!
//! Only what the manifest records is ever pruned, and never a copy that a restore to a point
//! in time still in retention needs: for `--keep D`, every full backup started within the last
//! D, **plus the newest one started before that** (a restore to the start of the window begins
//! from it), and every log file that ends after the oldest full backup kept starts; for
//! `--keep-last N`, the N newest full backups and the log files from the oldest of them on.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::manifest::{FileKind, ManifestEntry};

/// How long copies are kept at the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Keep {
    /// Copies of backups started within this long (and what a restore to its start needs).
    For(Duration),
    /// The newest this many full backups (at least 1), and the log files they need.
    Last(usize),
}

/// The start of the oldest full backup `keep` keeps at `now`, of backups started at `starts`
/// (any order); `None` when there is none.
pub(crate) fn oldest_kept(
    starts: impl IntoIterator<Item = OffsetDateTime>,
    keep: Keep,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let mut starts: Vec<OffsetDateTime> = starts.into_iter().collect();
    starts.sort();
    starts.dedup();
    starts.reverse(); // newest first
    let kept = match keep {
        Keep::Last(n) => n.max(1),
        Keep::For(window) => {
            let start = now - window;
            // Those inside the window, and the newest one before it: a restore to the
            // window's start needs it.
            starts.iter().take_while(|at| **at >= start).count() + 1
        }
    };
    starts.get(kept.min(starts.len()).checked_sub(1)?).copied()
}

/// The entries of one instance that `keep` prunes at `now`. Full backups are judged by their
/// start (an entry without one is kept); a full backup's files stand or fall together.
pub(crate) fn to_prune(
    entries: &[ManifestEntry],
    keep: Keep,
    now: OffsetDateTime,
) -> Vec<&ManifestEntry> {
    let time = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
    };
    let starts = entries
        .iter()
        .filter(|e| e.kind == FileKind::Full)
        .filter_map(|e| time(&e.started_at));
    let Some(oldest_kept) = oldest_kept(starts, keep, now) else {
        return Vec::new(); // nothing to judge by: keep everything
    };
    entries
        .iter()
        .filter(|e| match e.kind {
            FileKind::Full => time(&e.started_at).is_some_and(|at| at < oldest_kept),
            FileKind::Binlog => {
                // Needed from the oldest backup kept on; one without an end is kept.
                time(&e.finished_at).is_some_and(|end| end < oldest_kept)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Provider;

    fn entry(kind: FileKind, id: &str, start: &str, end: &str) -> ManifestEntry {
        ManifestEntry {
            format: super::super::manifest::ENTRY_FORMAT.to_owned(),
            provider: Provider::AliyunRds,
            instance_id: "rm-1".to_owned(),
            backup_id: id.to_owned(),
            kind,
            path: format!("aliyun-rds/rm-1/{id}"),
            bytes: 1,
            sha256: String::new(),
            checks: Vec::new(),
            files_in_backup: 1,
            started_at: Some(start.to_owned()),
            finished_at: Some(end.to_owned()),
            copied_at: String::new(),
        }
    }

    fn ids(pruned: &[&ManifestEntry]) -> Vec<String> {
        pruned.iter().map(|e| e.backup_id.clone()).collect()
    }

    #[test]
    fn a_window_keeps_the_backup_its_start_needs() {
        let day = |d: u32| format!("2026-11-{d:02}T02:00:00Z");
        let entries = vec![
            entry(FileKind::Full, "b1", &day(1), &day(1)),
            entry(FileKind::Full, "b5", &day(5), &day(5)),
            entry(FileKind::Full, "b9", &day(9), &day(9)),
            entry(FileKind::Full, "b12", &day(12), &day(12)),
            entry(FileKind::Binlog, "l3", &day(3), &day(4)),
            entry(FileKind::Binlog, "l8", &day(8), &day(9)),
            entry(FileKind::Binlog, "l11", &day(11), &day(12)),
        ];
        let now = OffsetDateTime::parse("2026-11-14T00:00:00Z", &Rfc3339).expect("a time");
        // Keep 4 days: b12 is inside, b9 covers the window's start (Nov 10); b1, b5 and the
        // log files that end before b9 starts go (l8 ends as b9 starts: kept, to be safe).
        let pruned = to_prune(&entries, Keep::For(Duration::from_secs(4 * 86_400)), now);
        assert_eq!(ids(&pruned), ["b1", "b5", "l3"]);
        // Keep the last 3: b5, b9, b12, and the log files from b5 on.
        let pruned = to_prune(&entries, Keep::Last(3), now);
        assert_eq!(ids(&pruned), ["b1", "l3"]);
        // A window longer than everything prunes nothing; so does an empty manifest.
        assert!(to_prune(&entries, Keep::For(Duration::from_secs(90 * 86_400)), now).is_empty());
        assert!(to_prune(&[], Keep::Last(1), now).is_empty());
        // A window after the newest backup still keeps the newest: never the only copy.
        let later = OffsetDateTime::parse("2027-01-01T00:00:00Z", &Rfc3339).expect("a time");
        let pruned = to_prune(&entries, Keep::For(Duration::from_secs(86_400)), later);
        assert!(!ids(&pruned).contains(&"b12".to_owned()));
    }
}
