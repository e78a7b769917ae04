//! `sync`: verified copies of every backup of a fleet in a destination, with a manifest.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use clap::Args;
use cloud_backup::sync::manifest::Destination;
use cloud_backup::sync::{Keep, Outcome, Shard, SyncOptions, SyncReport};
use cloud_backup::{Client, Provider};
use time::OffsetDateTime;

use super::Failure;
use super::args::{Global, parse_time_arg};
use super::dispatch::{Context, download_options};
use super::output::{one_line, write_json};
use super::progress::{Bar, Board, CurrentPart};

pub(super) const SYNC_HELP: &str = "\
Copy every successful backup of the instances (and with --binlogs their log files) that the
destination does not have yet, each verified like `download` (size, every checksum the
provider and the storage offer, SHA-256, and with --verify-content the archive's own
checksums), and record each copy in the destination's manifest:

  <DIR>/<provider>/<instance>/full/<backup id>/<file>
  <DIR>/<provider>/<instance>/binlog/[<host>/]<file>
  <DIR>/.cloud-backup/manifest/<provider>/<instance>/...<file>.json   one document per file
  <DIR>/.cloud-backup/index/<provider>/<instance>.json                 the instance's index

--to s3://BUCKET/PREFIX (any S3-compatible store: --to-endpoint or AWS_ENDPOINT_URL, the AWS
credential variables), oss://BUCKET/PREFIX (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET) or
obs://BUCKET/PREFIX (HUAWEICLOUD_SDK_AK/_SK) streams each file from the provider into a
multipart upload completed only once verified (then checked against the store's ETag), never
through the local disk; the manifest goes into the bucket too.

A file counts as copied only when it is complete and verified at the destination and its
manifest document is written (last). Running it again copies nothing new; a run that was
stopped resumes (partial files resume; a file there without its manifest document is
downloaded again, never taken on trust). Run it from cron.

--keep 30d prunes the recorded copies of older backups (keeping the newest one before the
window, which a restore to its start needs, and the binlogs from the oldest backup kept);
--keep-last N keeps the N newest. Only what the manifest records is pruned.

--shard K/N takes only the instances whose stable hash falls in shard K of N (K from 0), so
N machines split a fleet with no coordination (a Kubernetes Indexed Job: K from
JOB_COMPLETION_INDEX).

Output: a line per file copied or failed, then a summary (copied, skipped, failed, bytes,
time); --json prints the whole report. Exit status 0 when everything was copied (or was
there already), 1 when any file or instance failed (the next run tries it again).";

/// Which instances `sync` and `audit` take: `--from` and `--instance`... or `--all-instances`.
#[derive(Debug, Args)]
pub(super) struct FleetArgs {
    /// The service the backups are on.
    #[arg(long, value_name = "PROVIDER")]
    from: Provider,
    /// An instance (repeat for several).
    #[arg(
        long = "instance",
        value_name = "ID",
        required_unless_present = "all_instances",
        conflicts_with = "all_instances"
    )]
    instances: Vec<String>,
    /// Every instance the account has.
    #[arg(long)]
    all_instances: bool,
}

impl FleetArgs {
    /// One client of `--from`, and each instance with it.
    pub(super) async fn targets(
        &self,
        context: &Context<'_>,
    ) -> Result<Vec<(Client, String)>, Failure> {
        let provider = self.from;
        let cloud = |error| Failure::Cloud(provider, error);
        let options = context.resolved_options(provider).await?;
        let client = Client::new(provider, &options).map_err(cloud)?;
        let instances: Vec<String> = if self.all_instances {
            client
                .list_instances()
                .await
                .map_err(cloud)?
                .into_iter()
                .map(|instance| instance.instance_id)
                .filter(|id| !id.is_empty())
                .collect()
        } else {
            self.instances.clone()
        };
        Ok(instances
            .into_iter()
            .map(|id| (client.clone(), id))
            .collect())
    }
}

/// `sync`'s arguments.
#[derive(Debug, Args)]
pub(super) struct SyncArgs {
    #[command(flatten)]
    fleet: FleetArgs,
    /// The destination: a local directory (created if missing), or s3://BUCKET/PREFIX,
    /// oss://BUCKET/PREFIX, obs://BUCKET/PREFIX.
    #[arg(long, value_name = "DIR|URL")]
    to: String,
    /// The object store's endpoint (an S3-compatible server, an OSS or OBS region's).
    #[arg(long, value_name = "URL")]
    to_endpoint: Option<String>,
    /// Only backups started since this time: RFC 3339, a UTC date, or a time ago (7d, 12h).
    /// Default: every backup the provider lists.
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    since: Option<OffsetDateTime>,
    /// Also copy the log (binlog) files from --since (default: the oldest backup synced) to
    /// now.
    #[arg(long)]
    binlogs: bool,
    /// Instances synced at once (default 4).
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Only say what would be copied and pruned; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Prune recorded copies of backups older than this (30d, 8w), keeping the newest one
    /// before that (a restore to the window's start needs it) and the binlogs from it on.
    #[arg(long, value_name = "AGE", value_parser = parse_time_arg, conflicts_with = "keep_last")]
    keep: Option<OffsetDateTime>,
    /// Prune recorded copies but the newest N full backups (and the binlogs they need).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    keep_last: Option<u64>,
    /// Only the instances of shard K of N (K counts from 0).
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Also verify each archive's own checksums while it streams (see `verify`).
    #[arg(long)]
    verify_content: bool,
    /// Connections per file: a file of 8 MiB or more from a server that answers ranges is
    /// fetched in ranges over N connections at once (1-32; default 8).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=32))]
    connections: Option<u16>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `sync`.
pub(super) async fn run(
    context: &Context<'_>,
    global: &Global,
    args: &SyncArgs,
    out: &mut impl Write,
    current: &CurrentPart,
) -> Result<(), Failure> {
    let mut dest = Destination::parse(&args.to, args.to_endpoint.as_deref())
        .map_err(|e| Failure::Refused(e.to_string()))?;
    if let Some(timeout) = context.timeout() {
        dest = dest.with_timeout(timeout);
    }
    let targets = args.fleet.targets(context).await?;
    let mut download = download_options(global, false, args.verify_content, false, current)
        .with_connections(
            args.connections
                .map_or(cloud_http::DEFAULT_CONNECTIONS, usize::from),
        );
    // On a terminal: a bar per file under way and a line of what is done.
    let board = (!args.json && std::io::stderr().is_terminal()).then(|| Board::new("sync"));
    if let Some(board) = &board {
        let board = board.clone();
        let current = current.clone();
        download = download.with_progress(move |link, dest| -> Arc<dyn cloud_http::Progress> {
            current.set(dest);
            Arc::new(Bar::on(&board, link, dest))
        });
    }
    let mut sync = SyncOptions::new()
        .with_binlogs(args.binlogs)
        .with_concurrency(args.concurrency)
        .with_dry_run(args.dry_run)
        .with_download(download);
    if let Some(since) = args.since {
        sync = sync.with_since(since);
    }
    if let Some(shard) = args.shard {
        sync = sync.with_shard(shard);
    }
    if let Some(at) = args.keep {
        let window = (OffsetDateTime::now_utc() - at).unsigned_abs();
        sync = sync.with_keep(Keep::For(window));
    }
    if let Some(n) = args.keep_last {
        sync = sync.with_keep(Keep::Last(usize::try_from(n).unwrap_or(usize::MAX)));
    }
    let report = cloud_backup::sync::sync(&targets, &dest, &sync).await;
    if let Some(board) = &board {
        board.finish();
    }
    if args.json {
        write_json(out, &report)?;
    } else {
        write_report(out, &report)?;
    }
    if report.is_complete() {
        Ok(())
    } else {
        out.flush()?;
        Err(Failure::Unverified(format!(
            "sync incomplete: {} file(s) or instance(s) failed; running it again retries them",
            report.failed
        )))
    }
}

/// The text report: a line per file copied, would-copy or failed, one per instance that
/// failed, then the summary.
fn write_report(out: &mut impl Write, report: &SyncReport) -> std::io::Result<()> {
    for instance in &report.instances {
        if let Some(error) = &instance.error {
            writeln!(
                out,
                "FAILED {} {}: {}",
                instance.provider,
                instance.instance_id,
                one_line(error)
            )?;
        }
        for file in &instance.files {
            let what = file.path.clone().unwrap_or_else(|| {
                format!("{} {} {}", file.provider, file.instance_id, file.backup_id)
            });
            let bytes = file
                .bytes
                .map(|b| format!("  {b} bytes"))
                .unwrap_or_default();
            match &file.outcome {
                Outcome::Copied => writeln!(out, "copied  {what}{bytes}")?,
                Outcome::WouldCopy => writeln!(out, "would copy  {what}{bytes}")?,
                Outcome::Failed(error) => writeln!(out, "FAILED  {what}: {}", one_line(error))?,
                Outcome::Pruned => writeln!(out, "pruned  {what}")?,
                Outcome::WouldPrune => writeln!(out, "would prune  {what}")?,
                _ => {}
            }
        }
    }
    writeln!(
        out,
        "sync: {} copied ({} bytes), {} skipped (already there), {}{} failed, {} instance(s), {:.1} s",
        report.copied,
        report.bytes_copied,
        report.skipped,
        [
            (report.would_copy, "would be copied"),
            (report.pruned, "pruned"),
            (report.would_prune, "would be pruned"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}, "))
        .collect::<String>(),
        report.failed,
        report.instances.len(),
        report.seconds
    )
}
