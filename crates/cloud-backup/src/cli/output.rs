//! What the command prints: JSON, tables, the download lines, and the one-line error.

use std::io::{self, Write};

use cloud_backup::model::human_size;
use cloud_backup::{
    Backup, BackupPolicy, CreatedBackup, DownloadLink, DownloadedFile, Error, Instance, LogFile,
    Provider, RestoreWindow, log_gaps,
};
use cloud_http::ErrorKind;

/// One demo instance, as `instances --json` prints it.
#[cfg(feature = "sandbox")]
#[derive(serde::Serialize)]
pub(super) struct InstanceRow {
    provider: String,
    instance_id: String,
    name: String,
    engine: String,
    backup_count: usize,
}

/// The demo instances of the sandbox (of `provider` only, when given).
#[cfg(feature = "sandbox")]
pub(super) fn write_instances(
    out: &mut impl Write,
    provider: Option<Provider>,
    json: bool,
) -> io::Result<()> {
    let rows: Vec<InstanceRow> = cloud_backup::sandbox::demo_instances()
        .into_iter()
        .filter(|i| provider.is_none_or(|p| p == i.service))
        .map(|i| InstanceRow {
            provider: i.service.name().to_owned(),
            instance_id: i.instance_id,
            name: i.name,
            engine: i.engine,
            backup_count: i.backup_count,
        })
        .collect();
    if json {
        return write_json(out, &rows);
    }
    let mut table = vec![[
        "PROVIDER".to_owned(),
        "INSTANCE ID".to_owned(),
        "NAME".to_owned(),
        "ENGINE".to_owned(),
        "BACKUPS".to_owned(),
    ]];
    table.extend(rows.into_iter().map(|r| {
        [
            r.provider,
            r.instance_id,
            r.name,
            r.engine,
            r.backup_count.to_string(),
        ]
    }));
    write_columns(out, &table)
}

/// Instances as a table: id, name, engine and version, status, zone (or region), created.
pub(super) fn write_instance_table(out: &mut impl Write, instances: &[Instance]) -> io::Result<()> {
    let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    let mut table = vec![[
        "INSTANCE ID".to_owned(),
        "NAME".to_owned(),
        "ENGINE".to_owned(),
        "STATUS".to_owned(),
        "ZONE".to_owned(),
        "CREATED".to_owned(),
    ]];
    table.extend(instances.iter().map(|instance| {
        let engine = match (&instance.engine, &instance.engine_version) {
            (Some(engine), Some(version)) => format!("{engine} {version}"),
            (engine, version) => text(&engine.clone().or_else(|| version.clone())),
        };
        [
            instance.instance_id.clone(),
            text(&instance.name),
            engine,
            text(&instance.status),
            text(&instance.zone.clone().or_else(|| instance.region.clone())),
            text(&instance.created_at),
        ]
    }));
    write_columns(out, &table)?;
    writeln!(out, "{} instance(s)", instances.len())
}

/// What a create call answered: the backup's ID, or the job or task to follow.
pub(super) fn write_created(out: &mut impl Write, created: &CreatedBackup) -> io::Result<()> {
    match (&created.backup_id, &created.job_id) {
        (Some(id), _) => writeln!(
            out,
            "started backup {id} of instance {}",
            created.instance_id
        )?,
        (None, Some(job)) => writeln!(
            out,
            "started a backup of instance {} (job {job}); its ID appears in `list` when it runs",
            created.instance_id
        )?,
        (None, None) => writeln!(out, "started a backup of instance {}", created.instance_id)?,
    }
    if let Some(status) = &created.status {
        writeln!(out, "status: {status}")?;
    }
    Ok(())
}

/// A backup followed to completion.
pub(super) fn write_finished(out: &mut impl Write, backup: &Backup) -> io::Result<()> {
    writeln!(
        out,
        "backup {} of instance {} finished: {}{}",
        backup.backup_id,
        backup.instance_id,
        backup.status.as_deref().unwrap_or("done"),
        backup
            .size_bytes
            .map(|size| format!(", {}", human_size(size)))
            .unwrap_or_default()
    )
}

/// The restorable ranges, one `start .. end` line each, and the gaps between them.
pub(super) fn write_restore_window(out: &mut impl Write, window: &RestoreWindow) -> io::Result<()> {
    writeln!(out, "instance: {}", window.instance_id)?;
    if window.ranges.is_empty() {
        return writeln!(out, "no point in time can be restored to now");
    }
    for (n, range) in window.ranges.iter().enumerate() {
        if let Some(previous) = n.checked_sub(1).and_then(|p| window.ranges.get(p)) {
            writeln!(
                out,
                "  gap: {} .. {} (not restorable)",
                previous.end, range.start
            )?;
        }
        writeln!(out, "restorable: {} .. {}", range.start, range.end)?;
    }
    Ok(())
}

/// A backup policy as `name: value` lines; what the provider does not say is left out.
pub(super) fn write_policy(out: &mut impl Write, policy: &BackupPolicy) -> io::Result<()> {
    let yes_no = |flag: bool| if flag { "on" } else { "off" };
    writeln!(out, "instance: {}", policy.instance_id)?;
    if let Some(enabled) = policy.enabled {
        writeln!(out, "automated backup: {}", yes_no(enabled))?;
    }
    if let Some(days) = policy.retention_days {
        writeln!(out, "retention: {days} day(s)")?;
    }
    if let Some(window) = &policy.window_utc {
        writeln!(out, "window: {window} UTC")?;
    }
    if !policy.days.is_empty() {
        writeln!(out, "days: {}", policy.days.join(", "))?;
    }
    if let Some(next) = &policy.next_backup_at {
        writeln!(out, "next backup: {next}")?;
    }
    if let Some(log) = policy.log_backup {
        writeln!(out, "log backup: {}", yes_no(log))?;
    }
    if let Some(days) = policy.log_retention_days {
        writeln!(out, "log retention: {days} day(s)")?;
    }
    Ok(())
}

/// `value` as JSON with `json` (`--json`), else as `text` writes it for people.
pub(super) fn write_as<W: Write, T: serde::Serialize>(
    out: &mut W,
    json: bool,
    value: &T,
    text: impl FnOnce(&mut W, &T) -> io::Result<()>,
) -> io::Result<()> {
    if json {
        write_json(out, value)
    } else {
        text(out, value)
    }
}

pub(super) fn write_json(out: &mut impl Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

pub(super) fn write_urls(out: &mut impl Write, links: &[DownloadLink]) -> io::Result<()> {
    for link in links {
        writeln!(out, "{}", link.url)?;
    }
    Ok(())
}

/// Per file: `<path>  <bytes> bytes  sha256 <hex>`, then `  verified: <checks>`, then any
/// advisory note.
pub(super) fn write_downloaded(out: &mut impl Write, files: &[DownloadedFile]) -> io::Result<()> {
    for file in files {
        let kept = if file.outcome.is_none() {
            "  (already complete from an earlier run)"
        } else {
            ""
        };
        writeln!(
            out,
            "{}  {} bytes  sha256 {}{kept}",
            file.path.display(),
            file.bytes,
            file.sha256
        )?;
        writeln!(
            out,
            "  verified: {}",
            cloud_http::checks_summary(&file.verified)
        )?;
        for note in &file.notes {
            writeln!(out, "  note: {}", one_line(note))?;
        }
        if let Some(extraction) = &file.extracted {
            super::extract::write_files(out, extraction)?;
        }
    }
    Ok(())
}

/// A table with a header, left-aligned columns, sizes for people; with `sources`, the provider
/// and instance of each backup too.
pub(super) fn write_table(
    out: &mut impl Write,
    backups: &[Backup],
    sources: bool,
) -> io::Result<()> {
    let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    let header = [
        "PROVIDER",
        "INSTANCE",
        "BACKUP ID",
        "STATUS",
        "TYPE",
        "SIZE",
        "STARTED",
        "FINISHED",
    ];
    let skip = if sources { 0 } else { 2 };
    let mut rows: Vec<Vec<String>> = vec![header[skip..].iter().map(|h| (*h).to_owned()).collect()];
    rows.extend(backups.iter().map(|b| {
        let row = [
            b.provider.to_string(),
            b.instance_id.clone(),
            if b.backup_id.is_empty() {
                "-".to_owned()
            } else {
                b.backup_id.clone()
            },
            text(&b.status),
            text(&b.backup_type),
            b.size_bytes.map_or_else(|| "-".to_owned(), human_size),
            text(&b.started_at),
            text(&b.finished_at),
        ];
        row[skip..].to_vec()
    }));
    write_columns(out, &rows)?;
    let count = backups.len();
    writeln!(out, "{count} backup{}", if count == 1 { "" } else { "s" })
}

/// Log files as a table (with their instance when `instances`), a count and total size, and
/// the periods no file covers (per instance).
pub(super) fn write_log_files(
    out: &mut impl Write,
    files: &[LogFile],
    instances: bool,
) -> io::Result<()> {
    let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    let header = ["INSTANCE", "FILE", "BEGIN", "END", "SIZE", "HOST/BACKUP"];
    let skip = usize::from(!instances);
    let mut rows: Vec<Vec<String>> = vec![header[skip..].iter().map(|h| (*h).to_owned()).collect()];
    rows.extend(files.iter().map(|f| {
        let row = [
            f.instance_id.clone(),
            f.file_name.clone(),
            text(&f.begin_at),
            text(&f.end_at),
            f.size_bytes.map_or_else(|| "-".to_owned(), human_size),
            text(&f.host.clone().or_else(|| f.backup_id.clone())),
        ];
        row[skip..].to_vec()
    }));
    write_columns(out, &rows)?;
    let total: u64 = files.iter().filter_map(|f| f.size_bytes).sum();
    let count = files.len();
    writeln!(
        out,
        "{count} log file{}, {}",
        if count == 1 { "" } else { "s" },
        human_size(total)
    )?;
    let mut seen: Vec<&str> = Vec::new();
    for file in files {
        if seen.contains(&file.instance_id.as_str()) {
            continue;
        }
        seen.push(&file.instance_id);
        let of_instance: Vec<LogFile> = files
            .iter()
            .filter(|f| f.instance_id == file.instance_id)
            .cloned()
            .collect();
        for gap in log_gaps(&of_instance) {
            let whose = if instances {
                format!(" ({})", file.instance_id)
            } else {
                String::new()
            };
            writeln!(
                out,
                "gap: {} .. {}{whose}: no log file covers it",
                gap.start, gap.end
            )?;
        }
    }
    Ok(())
}

/// Rows as left-aligned columns two spaces apart, without trailing spaces.
pub(super) fn write_columns<R: AsRef<[String]>>(
    out: &mut impl Write,
    rows: &[R],
) -> io::Result<()> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.as_ref().iter().enumerate() {
            let width = cell.chars().count();
            match widths.get_mut(i) {
                Some(w) => *w = (*w).max(width),
                None => widths.push(width),
            }
        }
    }
    for row in rows {
        let row = row.as_ref();
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = width - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// The one stderr line of a failure:
/// `error: <provider>: <code>: <message> (HTTP <status>, request id <id>)` for a service
/// error, `error: <provider>: <what went wrong>` otherwise.
pub(super) fn error_line(provider: Provider, error: &Error) -> String {
    let detail = match error.kind() {
        ErrorKind::Service => {
            let mut text = match (error.code(), error.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(text), None) | (None, Some(text)) => text.to_owned(),
                (None, None) => "the service reported an error".to_owned(),
            };
            let context: Vec<String> = error
                .status()
                .map(|status| format!("HTTP {status}"))
                .into_iter()
                .chain(error.request_id().map(|id| format!("request id {id}")))
                .collect();
            if !context.is_empty() {
                text.push_str(&format!(" ({})", context.join(", ")));
            }
            text
        }
        _ => error.to_string(),
    };
    format!("error: {provider}: {}", one_line(&detail))
}

/// `text` on one line: line breaks and other control characters become spaces, runs of
/// spaces one.
pub(super) fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `whoami`: the source, the key id's ends, whether temporary, the expiry.
pub(super) fn write_identity(
    out: &mut impl Write,
    identity: &cloud_backup::Identity,
) -> io::Result<()> {
    writeln!(out, "provider       {}", identity.provider)?;
    writeln!(out, "source         {}", identity.source)?;
    writeln!(out, "access key id  {}", identity.access_key_id)?;
    let kind = if identity.temporary {
        "temporary (with a security token)"
    } else {
        "long-lived key"
    };
    writeln!(out, "credentials    {kind}")?;
    if let Some(expires) = identity.expires_at {
        let left = expires - time::OffsetDateTime::now_utc();
        let text = expires
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        writeln!(
            out,
            "expires        {text} (in {}m)",
            left.whole_minutes().max(0)
        )?;
    }
    Ok(())
}
