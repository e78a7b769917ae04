//! `audit`: proof, per instance, that the backups are recent, kept, continuous and copied.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use cloud_backup::audit::{AuditOptions, InstanceAudit, format_age, write_prometheus};
use cloud_backup::sync::manifest::Destination;
use time::OffsetDateTime;

use super::Failure;
use super::args::parse_time_arg;
use super::dispatch::Context;
use super::output::{one_line, write_columns, write_json};

pub(super) const AUDIT_HELP: &str = "\
Check, per instance: the age of the newest successful full backup (--max-age, default 26h);
the retention the provider keeps (with --min-retention, at least that); that log (binlog)
backups cover every moment from the oldest backup to now (gaps listed with their times; not
for capitalonline-mysql, which keeps none); and with --to, that every successful backup has a
verified copy in that `sync` destination's manifest (its document there, the copy at its
recorded size; with --verify-copies, every recorded copy, log files too, read back and its
SHA-256 compared with the manifest's, which reads the whole destination).

Output: a table (one line per instance) and one line per problem; --json prints the whole
audit; --prometheus FILE also writes it in the node_exporter textfile format (replacing FILE
atomically). Exit status 0 when every check of every instance passed, 1 otherwise.";

/// `audit`'s arguments.
#[derive(Debug, Args)]
pub(super) struct AuditArgs {
    #[command(flatten)]
    fleet: super::sync::FleetArgs,
    /// A `sync` destination (a local directory or an object store URL, as for sync) that
    /// must hold a copy of every backup.
    #[arg(long, value_name = "DIR|URL")]
    to: Option<String>,
    /// The object store's endpoint, as for sync.
    #[arg(long, value_name = "URL")]
    to_endpoint: Option<String>,
    /// With --to: read every recorded copy back and compare its SHA-256 with the manifest's.
    #[arg(long, requires = "to")]
    verify_copies: bool,
    /// The newest successful backup's greatest age: 26h, 2d, ... (default 26h).
    #[arg(long, value_name = "AGE", value_parser = parse_time_arg)]
    max_age: Option<OffsetDateTime>,
    /// The least retention the provider must keep: 7d, 2w, ...
    #[arg(long, value_name = "AGE", value_parser = parse_time_arg)]
    min_retention: Option<OffsetDateTime>,
    /// Print the audit as JSON.
    #[arg(long)]
    json: bool,
    /// Also write the audit in the node_exporter textfile format to FILE.
    #[arg(long, value_name = "FILE")]
    prometheus: Option<PathBuf>,
}

/// Runs `audit`.
pub(super) async fn run(
    context: &Context<'_>,
    args: &AuditArgs,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let targets = args.fleet.targets(context).await?;
    let now = OffsetDateTime::now_utc();
    let ago = |t: OffsetDateTime| (now - t).unsigned_abs();
    let mut options = AuditOptions::new();
    if let Some(at) = args.max_age {
        options = options.with_max_age(ago(at));
    }
    if let Some(at) = args.min_retention {
        let days = ago(at).as_secs().div_ceil(86_400);
        options = options.with_min_retention_days(u32::try_from(days).unwrap_or(u32::MAX));
    }
    if let Some(to) = &args.to {
        let mut dest = Destination::parse(to, args.to_endpoint.as_deref())
            .map_err(|e| Failure::Refused(e.to_string()))?;
        if let Some(timeout) = context.timeout() {
            dest = dest.with_timeout(timeout);
        }
        options = options
            .with_dest(dest)
            .with_verify_copies(args.verify_copies);
    }
    let audits = cloud_backup::audit::audit(&targets, &options).await;
    if let Some(path) = &args.prometheus {
        write_prometheus(path, &audits).await.map_err(|e| {
            Failure::Unverified(format!(
                "could not write --prometheus {}: {}",
                path.display(),
                one_line(&e.to_string())
            ))
        })?;
    }
    if args.json {
        write_json(out, &audits)?;
    } else {
        write_table(out, &audits)?;
    }
    let failed = audits.iter().filter(|a| !a.ok).count();
    if failed == 0 && !audits.is_empty() {
        return Ok(());
    }
    out.flush()?;
    Err(Failure::Unverified(if audits.is_empty() {
        "audit: no instance to audit".to_owned()
    } else {
        format!("audit failed for {failed} of {} instance(s)", audits.len())
    }))
}

fn write_table(out: &mut impl Write, audits: &[InstanceAudit]) -> std::io::Result<()> {
    let header = [
        "INSTANCE",
        "NEWEST BACKUP",
        "AGE",
        "RETENTION",
        "BINLOG GAPS",
        "COPIES MISSING",
        "STATUS",
    ]
    .map(str::to_owned);
    let mut rows = vec![header];
    for audit in audits {
        rows.push([
            audit.instance_id.clone(),
            audit
                .newest_backup_at
                .clone()
                .unwrap_or_else(|| "-".to_owned()),
            audit
                .newest_backup_age_seconds
                .map(|s| format_age(Duration::from_secs(s)))
                .unwrap_or_else(|| "-".to_owned()),
            audit
                .retention_days
                .map(|d| format!("{d}d"))
                .unwrap_or_else(|| "?".to_owned()),
            if audit.binlogs_checked {
                audit.binlog_gaps.len().to_string()
            } else {
                "n/a".to_owned()
            },
            audit
                .copies_missing
                .as_ref()
                .map(|m| m.len().to_string())
                .unwrap_or_else(|| "-".to_owned()),
            if audit.ok { "OK" } else { "FAIL" }.to_owned(),
        ]);
    }
    write_columns(out, &rows)?;
    for audit in audits {
        for problem in &audit.problems {
            writeln!(
                out,
                "FAIL {} {}: {}",
                audit.provider,
                audit.instance_id,
                one_line(problem)
            )?;
        }
    }
    Ok(())
}
