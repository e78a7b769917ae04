//! Log (binlog) backups: [`Client::list_log_files`] and [`Client::download_log_files`], and
//! the free functions of the same names.
//!
//! What each provider offers: Alibaba Cloud `DescribeBinlogFiles` (each file with its links,
//! CRC-64 and host); Huawei Cloud RDS incremental backups (`ListBackups` with
//! `backup_type=incremental`; their files and links through `ListBackupFiles`); GaussDB for
//! MySQL `ShowGaussMySqlIncrementalBackupList` (listing only: there is no download API);
//! Capital Online: none.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::OffsetDateTime;

use crate::service::require;
use crate::transfer::{
    LinkSource, Target, download_files_with, fetch_into, http_client, local_name,
};
use crate::{
    Capability, Client, DownloadLink, DownloadOptions, DownloadedFile, Error, LogFile, Options,
    Provider,
};

impl Client {
    /// The log (binlog) backup files of `instance_id` whose logs overlap `since`..`until`,
    /// oldest first, all pages: Alibaba Cloud `DescribeBinlogFiles` (with links and CRC-64),
    /// Huawei Cloud RDS incremental backups (`ListBackups`, `backup_type=incremental`; no
    /// links: [`download_log_files`](Client::download_log_files) asks for them), GaussDB for
    /// MySQL `ShowGaussMySqlIncrementalBackupList`; an error for Capital Online, which keeps
    /// no log backups.
    pub async fn list_log_files(
        &self,
        instance_id: &str,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<LogFile>, Error> {
        check_range(since, until)?;
        self.service
            .list_log_files(instance_id, since, until, false)
            .await
    }

    /// Downloads every log file of `instance_id` overlapping `since`..`until` into the
    /// directory `out` (created if missing), with the rules of
    /// [`download_files`](crate::download_files): each file streamed to `<file>.part`,
    /// verified (size, every checksum the storage and API offer, SHA-256), then renamed; an
    /// interrupted run resumes when run again; a complete file already there is kept.
    ///
    /// Alibaba Cloud files go into `out/<HostInstanceID>/` (an instance with a standby lists
    /// the binlogs of both hosts, often with the same names); Huawei Cloud RDS files into
    /// `out/`. A link that expires is replaced by listing the file's time range again.
    ///
    /// Fails before downloading anything when the provider has no download API for log files
    /// (GaussDB for MySQL, Capital Online), when the range holds no log file, or when a listed
    /// file has no download link now (naming it). Returns one [`DownloadedFile`] per file,
    /// oldest first.
    pub async fn download_log_files(
        &self,
        instance_id: &str,
        since: OffsetDateTime,
        until: OffsetDateTime,
        out: &Path,
        options: &DownloadOptions,
    ) -> Result<Vec<DownloadedFile>, Error> {
        check_range(since, until)?;
        let provider = self.provider();
        require(provider, Capability::DownloadLogBackups)?;
        let files = self
            .service
            .list_log_files(instance_id, since, until, true)
            .await?;
        if files.is_empty() {
            return Err(Error::config(format!(
                "instance {instance_id} has no log backup file between {} and {}: check that \
                 log backups are on (`policy --instance {instance_id}`) and the --since and \
                 --until times",
                text(since),
                text(until)
            )));
        }
        let groups = groups(&files, out)?;
        check_names(&groups)?;
        let http = http_client(options)?;
        let mut written = Vec::with_capacity(files.len());
        for group in groups {
            let source = self.refresh_source(instance_id, &group, since, until);
            let mut done =
                download_files_with(&http, &group.links, &group.dir, options, Some(source), true)
                    .await?;
            written.append(&mut done);
        }
        Ok(written)
    }

    /// Downloads the one log backup `file` (as [`list_log_files`](Client::list_log_files)
    /// gave it, perhaps without a link) into `out` (Alibaba Cloud: `out/<HostInstanceID>/`),
    /// with the rules of [`download_log_files`](Client::download_log_files): its own time
    /// range is listed again with links, and only its own files are fetched. A Huawei Cloud
    /// incremental backup may hold several files: one [`DownloadedFile`] each.
    pub(crate) async fn download_log_file(
        &self,
        http: &reqwest::Client,
        file: &LogFile,
        out: &Target<'_>,
        options: &DownloadOptions,
    ) -> Result<Vec<DownloadedFile>, Error> {
        require(self.provider(), Capability::DownloadLogBackups)?;
        let time = |t: &Option<String>| t.as_deref().and_then(cloud_http::times::parse_time);
        let (Some(begin), Some(end)) = (time(&file.begin_at), time(&file.end_at)) else {
            return Err(Error::config(format!(
                "log file {} has no time range to ask its link for",
                file.file_name
            )));
        };
        let instance_id = &file.instance_id;
        let key = group_key(file);
        let same = |other: &LogFile| {
            group_key(other) == key
                && (other.backup_id.is_some() || other.file_name == file.file_name)
        };
        let listed = self
            .service
            .list_log_files(
                instance_id,
                begin,
                end.max(begin + time::Duration::seconds(1)),
                true,
            )
            .await?;
        let mine: Vec<LogFile> = listed.into_iter().filter(|f| same(f)).collect();
        if mine.is_empty() {
            return Err(Error::config(format!(
                "log file {} is no longer listed between {} and {}",
                file.file_name,
                text(begin),
                text(end)
            )));
        }
        let mut written = Vec::new();
        // Each group's directory under `out` (Alibaba Cloud: the host's).
        for group in groups(&mine, Path::new(""))? {
            let source = self.refresh_source(instance_id, &group, begin, end);
            let sub = group.dir.to_string_lossy().into_owned();
            let local;
            let target = match out {
                Target::Dir(dir) => {
                    local = dir.join(&sub);
                    Target::Dir(&local)
                }
                #[cfg(feature = "object-store")]
                Target::Store(store, prefix) if sub.is_empty() => {
                    Target::Store(store, prefix.clone())
                }
                #[cfg(feature = "object-store")]
                Target::Store(store, prefix) => Target::Store(store, format!("{prefix}/{sub}")),
            };
            let mut done = fetch_into(http, &group.links, &target, options, Some(source)).await?;
            written.append(&mut done);
        }
        Ok(written)
    }

    /// Where a fresh link of `group`'s files comes from: the files of the group's own time
    /// range, listed again with links, in the group's order.
    fn refresh_source(
        &self,
        instance_id: &str,
        group: &Group,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> LinkSource {
        let client = self.clone();
        let instance = instance_id.to_owned();
        let key = group.key.clone();
        let (begin, end) = group.range.unwrap_or((since, until));
        Arc::new(move || {
            let (client, instance, key) = (client.clone(), instance.clone(), key.clone());
            Box::pin(async move {
                let files = client
                    .service
                    .list_log_files(&instance, begin, end, true)
                    .await?;
                Ok(files
                    .iter()
                    .filter(|file| group_key(file) == key)
                    .filter_map(LogFile::download_link)
                    .collect())
            })
        })
    }
}

/// The log files of `instance_id` on `provider` overlapping `since`..`until` (see
/// [`Client::list_log_files`]); an error, before any credential is read, when the provider
/// keeps no log backups.
pub async fn list_log_files(
    provider: Provider,
    options: &Options,
    instance_id: &str,
    since: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<Vec<LogFile>, Error> {
    require(provider, Capability::ListLogBackups)?;
    Client::new(provider, options)?
        .list_log_files(instance_id, since, until)
        .await
}

/// Downloads the log files of `instance_id` on `provider` overlapping `since`..`until` into
/// the directory `out` (see [`Client::download_log_files`]); an error, before any credential
/// is read, when the provider has no download API for them.
pub async fn download_log_files(
    provider: Provider,
    options: &Options,
    instance_id: &str,
    since: OffsetDateTime,
    until: OffsetDateTime,
    out: &Path,
    download: &DownloadOptions,
) -> Result<Vec<DownloadedFile>, Error> {
    require(provider, Capability::DownloadLogBackups)?;
    Client::new(provider, options)?
        .download_log_files(instance_id, since, until, out, download)
        .await
}

/// The files downloaded together: one host's (Alibaba Cloud) or one incremental backup's
/// (Huawei Cloud RDS).
#[derive(Debug)]
struct Group {
    /// What the files share ([`group_key`]).
    key: String,
    /// Where they go.
    dir: PathBuf,
    /// Their links, in listing order.
    links: Vec<DownloadLink>,
    /// The span of their logs, when every file gives its times.
    range: Option<(OffsetDateTime, OffsetDateTime)>,
}

/// What a file's group is: its backup (Huawei Cloud), else its host (Alibaba Cloud).
fn group_key(file: &LogFile) -> String {
    match (&file.backup_id, &file.host) {
        (Some(backup), _) => format!("backup:{backup}"),
        (None, Some(host)) => format!("host:{host}"),
        (None, None) => String::new(),
    }
}

/// `files` in groups, in the order first seen; an error naming the files that have no link.
fn groups(files: &[LogFile], out: &Path) -> Result<Vec<Group>, Error> {
    let missing: Vec<&str> = files
        .iter()
        .filter(|file| file.url.is_none())
        .map(|file| file.file_name.as_str())
        .collect();
    if let Some(first) = missing.first() {
        return Err(Error::config(format!(
            "{} of the {} log files listed {} no download link now (first: {first}); nothing \
             was downloaded: try again later, or narrow --since/--until",
            missing.len(),
            files.len(),
            if missing.len() == 1 { "has" } else { "have" },
        )));
    }
    let mut groups: Vec<Group> = Vec::new();
    for file in files {
        let key = group_key(file);
        let times = file
            .begin_at
            .as_deref()
            .and_then(cloud_http::times::parse_time)
            .zip(
                file.end_at
                    .as_deref()
                    .and_then(cloud_http::times::parse_time),
            );
        let Some(link) = file.download_link() else {
            continue;
        };
        match groups.iter_mut().find(|g| g.key == key) {
            Some(group) => {
                group.links.push(link);
                group.range = group
                    .range
                    .zip(times)
                    .map(|((b, e), (fb, fe))| (b.min(fb), e.max(fe)));
            }
            None => {
                let dir = match (&file.backup_id, &file.host) {
                    (None, Some(host)) => out.join(safe_dir(host)),
                    _ => out.to_path_buf(),
                };
                groups.push(Group {
                    key,
                    dir,
                    links: vec![link],
                    range: times,
                });
            }
        }
    }
    Ok(groups)
}

/// An error when files of two groups would get the same name in the same directory (two
/// incremental backups holding a file of the same name): found before anything is
/// downloaded, since the second would otherwise be taken for the first one already there.
fn check_names(groups: &[Group]) -> Result<(), Error> {
    let mut seen: Vec<(&Path, String, &str)> = Vec::new();
    for group in groups {
        for link in &group.links {
            let Some(name) = local_name(link) else {
                continue;
            };
            let lower = name.to_lowercase();
            if let Some((_, _, other)) = seen.iter().find(|(dir, n, key)| {
                *dir == group.dir.as_path() && *n == lower && *key != group.key
            }) {
                return Err(Error::config(format!(
                    "two log files would both be written as {}: of {} and {}; nothing was \
                     downloaded: download them with narrower --since/--until ranges into \
                     different directories",
                    group.dir.join(&name).display(),
                    other
                        .trim_start_matches("backup:")
                        .trim_start_matches("host:"),
                    group
                        .key
                        .trim_start_matches("backup:")
                        .trim_start_matches("host:"),
                )));
            }
            seen.push((group.dir.as_path(), lower, group.key.as_str()));
        }
    }
    Ok(())
}

/// A host id as a directory name: anything but ASCII letters, digits, `-` and `_` becomes `_`.
fn safe_dir(host: &str) -> String {
    let name: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "host".to_owned()
    } else {
        name
    }
}

/// An error unless `since` is before `until`.
fn check_range(since: OffsetDateTime, until: OffsetDateTime) -> Result<(), Error> {
    if since < until {
        Ok(())
    } else {
        Err(Error::config(format!(
            "--since ({}) must be before --until ({})",
            text(since),
            text(until)
        )))
    }
}

/// `t` as RFC 3339 in UTC to the second, for messages.
fn text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    crate::model::rfc3339(t).unwrap_or_else(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, host: Option<&str>, backup: Option<&str>, url: Option<&str>) -> LogFile {
        let mut file = LogFile::new(Provider::AliyunRds, "rm-1", name);
        file.host = host.map(str::to_owned);
        file.backup_id = backup.map(str::to_owned);
        file.url = url.map(str::to_owned);
        file.begin_at = Some("2026-11-01T00:00:00Z".to_owned());
        file.end_at = Some(format!("2026-11-01T0{}:00:00Z", name.len() % 9));
        file
    }

    #[test]
    fn files_of_two_hosts_go_to_two_directories_in_listing_order() {
        let files = [
            file("mysql-bin.000001", Some("101"), None, Some("http://a/1")),
            file("mysql-bin.000001", Some("102"), None, Some("http://a/2")),
            file("mysql-bin.000002", Some("101"), None, Some("http://a/3")),
        ];
        let groups = groups(&files, Path::new("out")).expect("groups");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].dir, Path::new("out/101"));
        assert_eq!(groups[0].links.len(), 2);
        assert_eq!(groups[1].dir, Path::new("out/102"));
        assert_eq!(groups[0].links[1].url, "http://a/3");
    }

    #[test]
    fn a_file_without_a_link_stops_everything_and_is_named() {
        let files = [
            file("mysql-bin.000001", Some("101"), None, Some("http://a/1")),
            file("mysql-bin.000002", Some("101"), None, None),
        ];
        let error = groups(&files, Path::new("out")).expect_err("no link");
        assert!(error.to_string().contains("mysql-bin.000002"), "{error}");
        assert!(
            error.to_string().contains("nothing was downloaded"),
            "{error}"
        );
    }

    #[test]
    fn huawei_files_are_grouped_by_backup_in_the_directory_itself() {
        let files = [
            file("a.qp", None, Some("b1"), Some("http://h/1")),
            file("b.qp", None, Some("b2"), Some("http://h/2")),
        ];
        let groups = groups(&files, Path::new("out")).expect("groups");
        assert_eq!(groups.len(), 2);
        assert!(groups.iter().all(|g| g.dir == Path::new("out")));
    }

    #[test]
    fn two_backups_with_a_file_of_the_same_name_are_refused_before_downloading() {
        let files = [
            file("mysql-bin.000001", None, Some("b1"), Some("http://h/1")),
            file("mysql-bin.000001", None, Some("b2"), Some("http://h/2")),
        ];
        let groups = groups(&files, Path::new("out")).expect("groups");
        let error = check_names(&groups).expect_err("a collision");
        assert!(error.to_string().contains("of b1 and b2"), "{error}");
        // The same name on two hosts is fine: two directories.
        let files = [
            file("mysql-bin.000001", Some("101"), None, Some("http://a/1")),
            file("mysql-bin.000001", Some("102"), None, Some("http://a/2")),
        ];
        assert!(check_names(&groups_of(&files)).is_ok());
    }

    fn groups_of(files: &[LogFile]) -> Vec<Group> {
        groups(files, Path::new("out")).expect("groups")
    }

    #[test]
    fn a_host_id_never_escapes_the_directory() {
        assert_eq!(safe_dir("../etc"), "___etc");
        assert_eq!(safe_dir(""), "host");
    }

    #[test]
    fn an_empty_range_is_refused_naming_the_flags() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let error = check_range(t, t).expect_err("empty");
        assert!(error.to_string().contains("--since"), "{error}");
    }
}
