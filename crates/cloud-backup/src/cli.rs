//! The command line: argument parsing, output, progress bars, and the one-line error report.
//!
//! ```text
//! cloud-backup [--sandbox] <PROVIDER> list         --instance <ID> [--json]
//! cloud-backup [--sandbox] <PROVIDER> download-url --instance <ID> --backup <BACKUP_ID> [--json]
//! cloud-backup [--sandbox] <PROVIDER> download     --instance <ID> --backup <BACKUP_ID> --out <PATH>
//!                                                  [--force] [--quiet] [--json]
//! cloud-backup  --sandbox  <PROVIDER> instances    [--json]
//! cloud-backup [--sandbox] all list [--instance <PROVIDER>=<ID> ...] [--json]
//! cloud-backup sandbox serve [--port <N>]
//!    every command: [--connect-timeout SECS] [--timeout SECS] [--max-attempts N] [-v]
//! cloud-backup sandbox instances [--json]
//!    PROVIDER: capitalonline-mysql | aliyun-rds | huaweicloud-rds | huaweicloud-gaussdb
//! ```
//!
//! Everything it does with the clouds goes through the library (`cloud_backup::list_backups`,
//! `download_links`, `download`, `Client`); this module only turns arguments into calls and
//! results into text.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clap::builder::NonEmptyStringValueParser;
use clap::{Args, CommandFactory, Parser, Subcommand};
use cloud_backup::model::human_size;
use cloud_backup::{
    Backup, Client, DownloadLink, DownloadOptions, DownloadedFile, Error, Options, Provider,
    RetryPolicy,
};
use cloud_http::ErrorKind;

/// The exit status of `all list` when a provider the user named was skipped or failed, or
/// nothing could be listed at all (the partial results are still printed).
const EXIT_PARTIAL: u8 = 3;
/// The exit status after Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// Set to a number of milliseconds, the first backoff of download retries (instead of 1 s),
/// doubling up to 32 times that. For tests, which cut downloads on purpose; not in `--help`.
const RETRY_BASE_ENV: &str = "CLOUD_BACKUP_RETRY_BASE_MS";

/// Download attempts in a row without progress before giving up (`cloud_http::Download`'s
/// default), when [`RETRY_BASE_ENV`] replaces the backoff.
const DOWNLOAD_ATTEMPTS: u32 = 5;

const USAGE: &str = "\
cloud-backup [--sandbox] <PROVIDER> <list|download-url|download|instances> [ARGS]
       cloud-backup [--sandbox] all list [--instance <PROVIDER>=<ID> ...] [--json]
       cloud-backup sandbox <serve|instances> [ARGS]
   PROVIDER: capitalonline-mysql | aliyun-rds | huaweicloud-rds | huaweicloud-gaussdb";

const AFTER_HELP: &str = "\
Try it without an account: --sandbox runs every command against an embedded simulator of the
four services (on 127.0.0.1, in this process) with its demo credentials:
  cloud-backup --sandbox aliyun-rds list --instance rm-demo
  cloud-backup --sandbox aliyun-rds download --instance rm-demo --backup <BACKUP_ID> --out backup.tar.gz
  cloud-backup sandbox instances      (the demo instance of each provider)
  cloud-backup sandbox serve          (run it for other programs: prints endpoint and credentials)
With --sandbox, the credential variables below are ignored; --sandbox-fault <SPEC> injects
faults, comma-separated or repeated:
  throttle=N        the next N API calls are throttled (each provider's own error)
  5xx=N             the next N API calls fail with the provider's 5xx error
  hang=N            the next N API calls are accepted and never answered
  drop=N@BYTES      the next N downloads are cut after BYTES bytes
  corrupt=N@OFFSET  the next N download responses covering byte OFFSET carry it flipped
                    (same length, same headers)
  ignore-range      downloads answer every range request with the whole file
  link-uses=N       each download link works for N requests, then answers 403 \"Request has
                    expired.\" (a new link from the API works again)
  link-ttl=SECS     download links expire SECS seconds after the API gave them

Timeouts and retries, for every command:
  --connect-timeout SECS  the longest wait for a connection (default 10)
  --timeout SECS          the longest wait per attempt: an API call's whole response, a
                          download's response headers or next piece of its body (default 60)
  --max-attempts N        attempts per API call (default 3), failed attempts in a row per
                          download (default 5); 1 disables retries. Create and delete calls
                          are never retried blindly.
  -v, --verbose           each attempt, retry, backoff, resume and new link on stderr (-vv:
                          more); RUST_LOG (e.g. RUST_LOG=cloud_http=debug) overrides. Without
                          -v, a one-line note on stderr when an API call is retried, on a
                          terminal only.

Credentials come from environment variables, never from a flag:
  capitalonline-mysql  CDS_SECRET_ID, CDS_SECRET_KEY
  aliyun-rds           the aliyun-rds crate's chain (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ...)
  huaweicloud-rds,     HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN),
  huaweicloud-gaussdb  else the [basic] section of ~/.huaweicloud/credentials;
                       project id: --project-id, else HUAWEICLOUD_SDK_PROJECT_ID

--region:
  capitalonline-mysql  cn (mainland China, the default), asia or us
  aliyun-rds           a region id such as cn-hangzhou
  huaweicloud-*        a region id such as cn-north-4 (default: HUAWEICLOUD_SDK_REGION)

--endpoint takes scheme://host[:port] and replaces only the host; the provider's path stays.

huaweicloud-gaussdb has no API for backup download links: download-url and download explain
and fail.

Exit status: 0 when everything asked for was done; 1 on failure, with one line on stderr:
  error: <PROVIDER>: <CODE>: <MESSAGE> (HTTP <STATUS>, request id <ID>)
2 for a usage error; 3 when `all list` skipped or failed a provider named with --instance (or
listed nothing at all), after printing what it could list; 130 after Ctrl-C.";

const DOWNLOAD_HELP: &str = "\
Download a backup's file(s): streamed in constant memory to <PATH>.part, resumed with Range
requests after a dropped connection (started again when the server ignores ranges), retried a
bounded number of times, and renamed to <PATH> only when complete and verified.

Verified, while the file streams (no second read):
  size     against the server's Content-Length / Content-Range and the API's size, compared
           before the body is read (Huawei Cloud reports kB: within 1 KiB of it)
  crc64    against x-oss-hash-crc64ecma (Alibaba Cloud OSS, CRC-64/XZ), and Alibaba's
           DescribeBackups Checksum (advisory: its exact algorithm is not documented, so a
           mismatch is a note, not a failure)
  md5      against Content-MD5, and a Huawei Cloud OBS ETag that is a plain MD5
  sha256   computed and printed, for checking the copy later
A mismatch fails with status 1 naming both values and where the expected one came from; the
.part is removed (its bytes are wrong) and nothing is at <PATH>.

Resuming: <PATH>.part.resume records which object the partial bytes belong to (provider,
instance, backup, file, the link without its signature, ETag, size, checksums). The same
command resumes only when it matches (with If-Range); otherwise it starts from zero. A link
that expires mid-transfer is replaced through the API (at most 3 times) and the download
resumes. After Ctrl-C the .part is kept: run the same command again.

An existing <PATH> is refused unless --force; with --force it stays untouched until the new
copy is complete and verified, then one rename replaces it. A symlink or anything but a
regular file at <PATH>, <PATH>.part or <PATH>.part.resume is always refused.

One file: --out is the file to write (or an existing directory to write it into, under its own
name). Several files (Huawei Cloud RDS): --out is a directory, created if missing; each file
keeps its name, and files already complete there from an earlier run are kept.

A progress bar (bytes, rate, ETA) is drawn on stderr when it is a terminal, unless --quiet.
On success, two lines per file:
  <PATH>  <BYTES> bytes  sha256 <HEX>
    verified: size (server, API), crc64 (x-oss-hash-crc64ecma), sha256 (computed)
(or with --json an array of {path, bytes, sha256, url_host, verified: [{check, value,
sources}], notes}; the signed link is never printed).";

/// List and download database backups on Capital Online, Alibaba Cloud and Huawei Cloud, or
/// try it all on an embedded sandbox.
#[derive(Debug, Parser)]
#[command(
    name = "cloud-backup",
    version,
    override_usage = USAGE,
    after_help = AFTER_HELP,
    subcommand_value_name = "PROVIDER",
    subcommand_help_heading = "Providers and commands"
)]
pub(crate) struct Cli {
    #[command(flatten)]
    global: Global,

    #[command(subcommand)]
    target: Target,
}

/// The options every command takes.
#[derive(Debug, Args)]
struct Global {
    /// The region: capitalonline-mysql cn (default), asia or us; the others a region id such
    /// as cn-hangzhou or cn-north-4.
    #[arg(long, global = true, value_name = "REGION")]
    region: Option<String>,

    /// Replaces the provider's scheme://host[:port]; the provider's path stays.
    #[arg(long, global = true, value_name = "URL")]
    endpoint: Option<String>,

    /// Huawei Cloud only: the project id, instead of HUAWEICLOUD_SDK_PROJECT_ID.
    #[arg(long, global = true, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
    project_id: Option<String>,

    /// Run against an embedded sandbox (a simulator of the four services on 127.0.0.1, started
    /// in this process) with its demo credentials: no account, no network, and the real
    /// credential variables are ignored.
    #[cfg(feature = "sandbox")]
    #[arg(long, global = true)]
    sandbox: bool,

    /// With --sandbox (or `sandbox serve`): faults to inject, e.g. throttle=2, 5xx=1, hang=1,
    /// drop=1@100000, corrupt=1@5000, ignore-range, link-uses=1, link-ttl=60 (see below).
    #[cfg(feature = "sandbox")]
    #[arg(long = "sandbox-fault", global = true, value_name = "SPEC", value_parser = parse_fault_spec)]
    sandbox_fault: Vec<FaultSpec>,

    /// Seconds to wait for a connection (default 10).
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_seconds)]
    connect_timeout: Option<Duration>,

    /// Seconds to wait per attempt: an API call's whole response, a download's response
    /// headers or next piece of body (default 60).
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_seconds)]
    timeout: Option<Duration>,

    /// Attempts per API call (default 3) and failed attempts in a row per download (default
    /// 5); 1 disables retries.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    max_attempts: Option<u32>,

    /// Show each attempt, retry, backoff, resume and new link on stderr (-vv: more detail).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

/// A number of seconds above zero, such as `5` or `0.5`.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds, such as 5 or 0.5, not {text:?}"))?;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!(
            "expected a number of seconds above 0 and at most 86400, not {text:?}"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[derive(Debug, Subcommand)]
enum Target {
    /// Capital Online (首云) cloud database MySQL.
    #[command(name = "capitalonline-mysql")]
    CapitalOnlineMysql(ProviderArgs),
    /// Alibaba Cloud ApsaraDB RDS.
    #[command(name = "aliyun-rds")]
    AliyunRds(ProviderArgs),
    /// Huawei Cloud RDS (MySQL, PostgreSQL, SQL Server).
    #[command(name = "huaweicloud-rds")]
    HuaweiCloudRds(ProviderArgs),
    /// Huawei Cloud GaussDB for MySQL (TaurusDB); it has no download API.
    #[command(name = "huaweicloud-gaussdb")]
    HuaweiCloudGaussDb(ProviderArgs),
    /// Every configured provider at once.
    All(AllArgs),
    /// The embedded sandbox: run it for other programs, list its demo instances.
    #[cfg(feature = "sandbox")]
    Sandbox(SandboxArgs),
}

#[derive(Debug, Args)]
struct ProviderArgs {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every backup of an instance (all pages).
    List {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
        instance: String,
        /// Print one JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the download URL of a backup, one per file.
    DownloadUrl {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
        instance: String,
        /// The backup, as `list` shows it.
        #[arg(long, value_name = "BACKUP_ID", value_parser = NonEmptyStringValueParser::new())]
        backup: String,
        /// Print a JSON array of objects instead of one URL per line.
        #[arg(long)]
        json: bool,
    },
    /// Download a backup's file(s), verified and resumable.
    #[command(long_about = DOWNLOAD_HELP)]
    Download {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
        instance: String,
        /// The backup, as `list` shows it.
        #[arg(long, value_name = "BACKUP_ID", value_parser = NonEmptyStringValueParser::new())]
        backup: String,
        /// The file to write; a directory when the backup has several files (or when it is an
        /// existing directory).
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Print a JSON array of {path, bytes, sha256, url_host} instead of one line per file.
        #[arg(long)]
        json: bool,
    },
    /// With --sandbox: the sandbox's demo instance of this provider.
    #[cfg(feature = "sandbox")]
    Instances {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct AllArgs {
    #[command(subcommand)]
    command: AllCommand,
}

#[derive(Debug, Subcommand)]
enum AllCommand {
    /// List the backups of every provider that has credentials in the environment and an
    /// instance given (with --sandbox: every provider's demo instance unless --instance is
    /// given). Providers without either are skipped with a note on stderr. The exit status is
    /// 3 when a provider named with --instance was skipped (no credentials, not built) or any
    /// listing failed, or when nothing could be listed; what was listed is printed anyway.
    List {
        /// An instance to list, as <PROVIDER>=<ID>; repeat for several.
        #[arg(long = "instance", value_name = "PROVIDER=ID", value_parser = parse_instance_arg)]
        instances: Vec<InstanceArg>,
        /// Print one JSON array (every record has its `provider`) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// `--instance <PROVIDER>=<ID>` of `all list`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct InstanceArg {
    provider: Provider,
    instance_id: String,
}

fn parse_instance_arg(text: &str) -> Result<InstanceArg, String> {
    let Some((provider, instance_id)) = text.split_once('=') else {
        return Err(format!(
            "expected <PROVIDER>=<ID>, such as aliyun-rds=rm-uf6wjk5xxxxxxx, not {text:?}"
        ));
    };
    let provider = provider
        .trim()
        .parse::<Provider>()
        .map_err(|e| e.to_string())?;
    let instance_id = instance_id.trim();
    if instance_id.is_empty() {
        return Err(format!("no instance id after {provider}="));
    }
    Ok(InstanceArg {
        provider,
        instance_id: instance_id.to_owned(),
    })
}

#[cfg(feature = "sandbox")]
#[derive(Debug, Args)]
struct SandboxArgs {
    #[command(subcommand)]
    command: SandboxCommand,
}

#[cfg(feature = "sandbox")]
#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Run the sandbox until Ctrl-C, for other programs: prints its endpoint, the demo
    /// credentials (and the environment variables to set) and the demo instances.
    Serve {
        /// The port on 127.0.0.1 (default: a free one, printed).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// The demo instance of each provider.
    Instances {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// One `--sandbox-fault` value: one or more comma-separated faults.
#[cfg(feature = "sandbox")]
#[derive(Clone, Debug, PartialEq, Eq)]
struct FaultSpec(Vec<Fault>);

#[cfg(feature = "sandbox")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// `throttle=N`: the next N API calls are throttled.
    Throttle(u32),
    /// `5xx=N`: the next N API calls fail with the provider's 5xx error.
    ServerErrors(u32),
    /// `drop=N@BYTES`: the next N downloads are cut after BYTES bytes.
    Drop { count: u32, after_bytes: u64 },
    /// `ignore-range`: downloads answer every range request with the whole file.
    IgnoreRange,
    /// `corrupt=N@OFFSET`: the next N download responses covering byte OFFSET carry it flipped.
    Corrupt { count: u32, offset: u64 },
    /// `hang=N`: the next N API calls are accepted and never answered.
    Hang(u32),
    /// `link-uses=N`: each download link works for N requests.
    LinkUses(u32),
    /// `link-ttl=SECS`: download links expire SECS seconds after they are made.
    LinkTtl(u64),
}

#[cfg(feature = "sandbox")]
fn parse_fault_spec(text: &str) -> Result<FaultSpec, String> {
    let count = |value: &str, what: &str| {
        value
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("{what} takes a count, such as {what}=2, not {value:?}"))
    };
    let mut faults = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, value) = match item.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim())),
            None => (item, None),
        };
        let fault = match (name, value) {
            ("throttle", Some(value)) => Fault::Throttle(count(value, "throttle")?),
            ("5xx", Some(value)) => Fault::ServerErrors(count(value, "5xx")?),
            ("drop", Some(value)) => {
                let (n, after_bytes) = count_at(value, "drop", "BYTES", "drop=1@100000")?;
                Fault::Drop {
                    count: n,
                    after_bytes,
                }
            }
            ("corrupt", Some(value)) => {
                let (n, offset) = count_at(value, "corrupt", "OFFSET", "corrupt=1@5000")?;
                Fault::Corrupt { count: n, offset }
            }
            ("hang", Some(value)) => Fault::Hang(count(value, "hang")?),
            ("link-uses", Some(value)) => Fault::LinkUses(count(value, "link-uses")?),
            ("link-ttl", Some(value)) => Fault::LinkTtl(u64::from(count(value, "link-ttl")?)),
            ("ignore-range", None) => Fault::IgnoreRange,
            _ => {
                return Err(format!(
                    "unknown fault {item:?}; expected throttle=N, 5xx=N, hang=N, drop=N@BYTES, \
                     corrupt=N@OFFSET, ignore-range, link-uses=N or link-ttl=SECS"
                ));
            }
        };
        faults.push(fault);
    }
    if faults.is_empty() {
        return Err("no fault given".to_owned());
    }
    Ok(FaultSpec(faults))
}

/// `<COUNT>@<NUMBER>` of `drop=` and `corrupt=`.
#[cfg(feature = "sandbox")]
fn count_at(value: &str, what: &str, unit: &str, example: &str) -> Result<(u32, u64), String> {
    let wrong = || format!("{what} takes <COUNT>@<{unit}>, such as {example}, not {value:?}");
    let (n, at) = value.split_once('@').ok_or_else(wrong)?;
    let n = n.trim().parse::<u32>().map_err(|_| wrong())?;
    let at = at.trim().parse::<u64>().map_err(|_| wrong())?;
    Ok((n, at))
}

/// The sandbox faults of all the `--sandbox-fault` values, in order.
#[cfg(feature = "sandbox")]
fn faults(specs: &[FaultSpec]) -> cloud_backup::sandbox::Faults {
    specs.iter().flat_map(|spec| spec.0.iter().copied()).fold(
        cloud_backup::sandbox::Faults::new(),
        |faults, fault| match fault {
            Fault::Throttle(n) => faults.with_throttle(n),
            Fault::ServerErrors(n) => faults.with_server_errors(n),
            Fault::Drop { count, after_bytes } => faults.with_dropped_downloads(count, after_bytes),
            Fault::IgnoreRange => faults.with_ignore_range(true),
            Fault::Corrupt { count, offset } => faults.with_corrupted_downloads(count, offset),
            Fault::Hang(n) => faults.with_hang(n),
            Fault::LinkUses(n) => faults.with_link_uses(n),
            Fault::LinkTtl(seconds) => faults.with_link_ttl(seconds),
        },
    )
}

impl Target {
    /// The provider and its command, for the provider targets.
    fn provider(&self) -> Option<(Provider, &Command)> {
        let (provider, args) = match self {
            Target::CapitalOnlineMysql(args) => (Provider::CapitalOnlineMysql, args),
            Target::AliyunRds(args) => (Provider::AliyunRds, args),
            Target::HuaweiCloudRds(args) => (Provider::HuaweiCloudRds, args),
            Target::HuaweiCloudGaussDb(args) => (Provider::HuaweiCloudGaussDb, args),
            _ => return None,
        };
        Some((provider, &args.command))
    }
}

impl Global {
    fn in_sandbox(&self) -> bool {
        #[cfg(feature = "sandbox")]
        return self.sandbox;
        #[cfg(not(feature = "sandbox"))]
        return false;
    }

    fn has_faults(&self) -> bool {
        #[cfg(feature = "sandbox")]
        return !self.sandbox_fault.is_empty();
        #[cfg(not(feature = "sandbox"))]
        return false;
    }
}

/// Why a run failed.
#[derive(Debug)]
enum Failure {
    /// A provider call failed.
    Cloud(Provider, Error),
    /// Writing the output failed.
    Output(io::Error),
    /// The embedded sandbox could not start.
    #[cfg(feature = "sandbox")]
    Sandbox(io::Error),
    /// Some of what `all list` was asked for was skipped or failed (already reported); the
    /// rest was printed.
    Partial,
    /// Ctrl-C; the `.part` of the download under way, if any, is kept.
    Interrupted(Option<PathBuf>),
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Output(error)
    }
}

/// Whether `provider` takes `--project-id`: the Huawei Cloud ones.
fn takes_project_id(provider: Provider) -> bool {
    matches!(
        provider,
        Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb
    )
}

/// The reason `cli` is not a valid combination of arguments, if it is not.
fn misuse(cli: &Cli) -> Option<String> {
    let global = &cli.global;
    let in_sandbox = global.in_sandbox();
    if in_sandbox && global.endpoint.is_some() {
        return Some(
            "--sandbox and --endpoint cannot be used together: --sandbox is the endpoint"
                .to_owned(),
        );
    }
    match &cli.target {
        Target::All(_) => {
            if global.region.is_some() || global.project_id.is_some() {
                return Some(
                    "all takes no --region or --project-id (they differ from provider to \
                     provider): set ALIBABA_CLOUD_REGION_ID, HUAWEICLOUD_SDK_REGION and \
                     HUAWEICLOUD_SDK_PROJECT_ID instead"
                        .to_owned(),
                );
            }
            if global.has_faults() && !in_sandbox {
                return Some("--sandbox-fault needs --sandbox".to_owned());
            }
        }
        #[cfg(feature = "sandbox")]
        Target::Sandbox(args) => {
            if global.region.is_some() || global.endpoint.is_some() || global.project_id.is_some() {
                return Some(
                    "sandbox commands take no --region, --endpoint or --project-id".to_owned(),
                );
            }
            if global.has_faults() && !matches!(args.command, SandboxCommand::Serve { .. }) {
                return Some("--sandbox-fault applies to `sandbox serve` and --sandbox".to_owned());
            }
        }
        target => {
            let (provider, command) = target.provider()?;
            if global.project_id.is_some() && !takes_project_id(provider) {
                return Some(format!(
                    "--project-id is for huaweicloud-rds and huaweicloud-gaussdb; {provider} has \
                     no project"
                ));
            }
            if global.has_faults() && !in_sandbox {
                return Some("--sandbox-fault needs --sandbox".to_owned());
            }
            #[cfg(feature = "sandbox")]
            if matches!(command, Command::Instances { .. }) && !in_sandbox {
                return Some(format!(
                    "instances lists the sandbox's demo instances: run `cloud-backup --sandbox \
                     {provider} instances` (cloud-backup does not list a real account's \
                     instances)"
                ));
            }
            let _ = command;
        }
    }
    None
}

/// The arguments, or the usage error clap reports (exit status 2), also for combinations that
/// make no sense (rather than ignoring an option).
fn parse() -> Cli {
    let cli = Cli::parse();
    if let Some(reason) = misuse(&cli) {
        Cli::command()
            .error(clap::error::ErrorKind::ArgumentConflict, reason)
            .exit();
    }
    cli
}

/// Parses the arguments, runs the command, prints the result or one error line.
pub(crate) fn main() -> ExitCode {
    let cli = parse();
    crate::logging::init(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    #[cfg(feature = "sandbox")]
    if let Target::Sandbox(SandboxArgs {
        command: SandboxCommand::Serve { port },
    }) = &cli.target
    {
        return runtime.block_on(serve(*port, faults(&cli.global.sandbox_fault)));
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let current = CurrentPart::default();
    let result = runtime
        .block_on(async {
            tokio::select! {
                result = run(&cli, &mut out, &current) => result,
                _ = ctrl_c() => Err(Failure::Interrupted(current.get())),
            }
        })
        .and_then(|()| out.flush().map_err(Failure::Output));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): not an error worth a message.
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(Failure::Output(error)) => {
            eprintln!(
                "error: cannot write the output: {}",
                one_line(&error.to_string())
            );
            ExitCode::FAILURE
        }
        Err(Failure::Cloud(provider, error)) => {
            eprintln!("{}", error_line(provider, &error));
            ExitCode::FAILURE
        }
        #[cfg(feature = "sandbox")]
        Err(Failure::Sandbox(error)) => {
            eprintln!(
                "error: sandbox: could not start: {}",
                one_line(&error.to_string())
            );
            ExitCode::FAILURE
        }
        Err(Failure::Partial) => ExitCode::from(EXIT_PARTIAL),
        Err(Failure::Interrupted(part)) => {
            let _ = out.flush();
            match part {
                Some(part) => eprintln!(
                    "interrupted: the bytes downloaded so far are kept in {} (with its resume \
                     record); run the same command again to resume",
                    part.display()
                ),
                None => eprintln!("interrupted"),
            }
            ExitCode::from(EXIT_INTERRUPTED)
        }
    }
}

/// Ctrl-C, or never when no handler can be installed.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The `.part` of the file being downloaded, for the message after Ctrl-C.
#[derive(Clone, Default)]
struct CurrentPart(Arc<Mutex<Option<PathBuf>>>);

impl CurrentPart {
    fn set(&self, dest: &Path) {
        let mut part = dest.as_os_str().to_owned();
        part.push(".part");
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(PathBuf::from(part));
    }

    fn get(&self) -> Option<PathBuf> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .filter(|part| part.exists())
    }
}

/// Where the provider calls go: the real clouds (credentials from the environment) or an
/// embedded sandbox (demo credentials).
struct Context<'a> {
    global: &'a Global,
    #[cfg(feature = "sandbox")]
    sandbox: Option<cloud_backup::sandbox::Sandbox>,
}

impl<'a> Context<'a> {
    /// Starts the embedded sandbox when `--sandbox` asks for it.
    fn new(global: &'a Global) -> Result<Self, Failure> {
        #[cfg(feature = "sandbox")]
        {
            use cloud_backup::sandbox::{Sandbox, SandboxConfig};
            let sandbox = if global.sandbox {
                let config = SandboxConfig::default().with_faults(faults(&global.sandbox_fault));
                Some(Sandbox::start(config).map_err(Failure::Sandbox)?)
            } else {
                None
            };
            Ok(Self { global, sandbox })
        }
        #[cfg(not(feature = "sandbox"))]
        Ok(Self { global })
    }

    fn in_sandbox(&self) -> bool {
        self.global.in_sandbox()
    }

    /// The options of `provider`'s calls: the sandbox's endpoint and demo credentials (with
    /// the region and project id given, if any), or the command line's.
    fn options(&self, provider: Provider) -> Options {
        let global = self.global;
        #[cfg(feature = "sandbox")]
        if let Some(sandbox) = &self.sandbox {
            let mut options = cloud_backup::sandbox::options(provider, &sandbox.endpoint());
            if let Some(region) = &global.region {
                options.region = Some(region.clone());
            }
            if let Some(project_id) = &global.project_id {
                options.project_id = Some(project_id.clone());
            }
            return self.with_limits(options);
        }
        let _ = provider;
        let mut options = Options::new();
        options.region = global.region.clone();
        options.endpoint = global.endpoint.clone();
        options.project_id = global.project_id.clone();
        self.with_limits(options)
    }

    /// `options` with --connect-timeout, --timeout and --max-attempts.
    fn with_limits(&self, mut options: Options) -> Options {
        let global = self.global;
        options.connect_timeout = global.connect_timeout;
        options.timeout = global.timeout;
        options.max_attempts = global.max_attempts;
        options
    }
}

/// Runs the command, writing its result to `out`; `current` follows the file being
/// downloaded.
async fn run(cli: &Cli, out: &mut impl Write, current: &CurrentPart) -> Result<(), Failure> {
    #[cfg(feature = "sandbox")]
    if let Target::Sandbox(SandboxArgs {
        command: SandboxCommand::Instances { json },
    }) = &cli.target
    {
        return write_instances(out, None, *json).map_err(Failure::Output);
    }
    let context = Context::new(&cli.global)?;
    if let Target::All(AllArgs {
        command: AllCommand::List { instances, json },
    }) = &cli.target
    {
        return list_all(&context, instances, *json, out).await;
    }
    let Some((provider, command)) = cli.target.provider() else {
        return Ok(());
    };
    let options = context.options(provider);
    let cloud = |error| Failure::Cloud(provider, error);
    match command {
        Command::List { instance, json } => {
            let backups = cloud_backup::list_backups(provider, &options, instance)
                .await
                .map_err(cloud)?;
            if *json {
                write_json(out, &backups)?;
            } else {
                write_table(out, &backups, false)?;
            }
        }
        Command::DownloadUrl {
            instance,
            backup,
            json,
        } => {
            let links = cloud_backup::download_links(provider, &options, instance, backup)
                .await
                .map_err(cloud)?;
            if *json {
                write_json(out, &links)?;
            } else {
                write_urls(out, &links)?;
            }
        }
        Command::Download {
            instance,
            backup,
            out: path,
            force,
            quiet,
            json,
        } => {
            let download = download_options(
                &cli.global,
                *force,
                !*quiet && io::stderr().is_terminal(),
                current,
            );
            let files =
                cloud_backup::download(provider, &options, instance, backup, path, &download)
                    .await
                    .map_err(cloud)?;
            if *json {
                write_json(out, &files)?;
            } else {
                write_downloaded(out, &files)?;
            }
        }
        #[cfg(feature = "sandbox")]
        Command::Instances { json } => write_instances(out, Some(provider), *json)?,
    }
    Ok(())
}

/// The download settings of the command line: `--force`, the timeouts and attempts, progress
/// bars, the file under way (for Ctrl-C), and the test-only backoff of [`RETRY_BASE_ENV`].
fn download_options(
    global: &Global,
    force: bool,
    progress: bool,
    current: &CurrentPart,
) -> DownloadOptions {
    let mut options = DownloadOptions::new().with_overwrite(force);
    let attempts = global.max_attempts.unwrap_or(DOWNLOAD_ATTEMPTS);
    let mut retry = RetryPolicy::default()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_secs(1))
        .with_max_backoff(Duration::from_secs(30));
    if let Some(base) = std::env::var(RETRY_BASE_ENV)
        .ok()
        .and_then(|ms| ms.trim().parse::<u64>().ok())
    {
        let base = Duration::from_millis(base);
        retry = retry
            .with_initial_backoff(base)
            .with_max_backoff(base.saturating_mul(32));
    }
    options = options.with_retry(retry);
    if let Some(timeout) = global.timeout {
        options = options.with_idle_timeout(timeout);
    }
    if let Some(timeout) = global.connect_timeout {
        options = options.with_connect_timeout(timeout);
    }
    let current = current.clone();
    options.with_progress(move |link, dest| -> Arc<dyn cloud_http::Progress> {
        current.set(dest);
        if progress {
            Arc::new(Bar::new(link, dest))
        } else {
            Arc::new(Silent)
        }
    })
}

/// No progress display.
struct Silent;

impl cloud_http::Progress for Silent {
    fn start(&self, _already: u64, _total: Option<u64>) {}
    fn advance(&self, _bytes: u64) {}
}

/// A progress bar on stderr for one file: `cloud_http::Progress` over `indicatif`.
struct Bar {
    bar: indicatif::ProgressBar,
    name: String,
}

impl Bar {
    /// The bar takes the width the rest leaves, so that the line never wraps.
    const TEMPLATE: &'static str =
        "{msg} [{wide_bar}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}";
    const SPINNER: &'static str = "{spinner} {msg} {bytes} {binary_bytes_per_sec}";
    /// The longest file name shown; a longer one is shortened in the middle.
    const NAME_CHARS: usize = 32;

    fn new(link: &DownloadLink, dest: &Path) -> Self {
        let name = dest.file_name().map_or_else(
            || link.backup_id.clone(),
            |name| name.to_string_lossy().into_owned(),
        );
        let name = shorten(&name, Self::NAME_CHARS);
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_style(Self::style(Self::SPINNER));
        bar.set_message(name.clone());
        Self { bar, name }
    }

    fn style(template: &str) -> indicatif::ProgressStyle {
        indicatif::ProgressStyle::with_template(template)
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    }
}

impl cloud_http::Progress for Bar {
    fn start(&self, already: u64, total: Option<u64>) {
        if let Some(total) = total {
            self.bar.set_style(Self::style(Self::TEMPLATE));
            self.bar.set_length(total);
        }
        self.bar.set_message(self.name.clone());
        self.bar.set_position(already);
        self.bar.reset_eta();
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn restart(&self) {
        self.bar.set_position(0);
        self.bar.println(format!(
            "{}: the server ignored the range request; starting again from zero",
            self.name
        ));
    }

    fn retrying(&self, error: &Error, delay: Duration) {
        self.bar.println(format!(
            "{}: {}; resuming in {:.1} s",
            self.name,
            one_line(&error.to_string()),
            delay.as_secs_f64()
        ));
    }

    fn refreshing(&self, n: u32) {
        self.bar.println(format!(
            "{}: the download link expired; asking the API for a new one ({n})",
            self.name
        ));
    }

    fn finish(&self) {
        self.bar.finish();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        // A failed download: leave the bar where it stopped, on a line of its own, before the
        // error line.
        if !self.bar.is_finished() {
            self.bar.abandon();
        }
    }
}

/// `text` in at most `max` characters: its start and end around a `…`.
fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max || max < 3 {
        return text.to_owned();
    }
    let head = (max - 1) / 2;
    let tail = max - 1 - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…{end}")
}

/// `all list`: every configured provider's backups, one output.
async fn list_all(
    context: &Context<'_>,
    instances: &[InstanceArg],
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    // Something the user asked for by name did not happen: exit with EXIT_PARTIAL.
    let mut partial = false;
    for given in instances {
        if !given.provider.is_enabled() {
            eprintln!(
                "note: skipping {}: this build of cloud-backup does not include it",
                given.provider
            );
            partial = true;
        }
    }
    // With --sandbox and no --instance, every provider's demo instance.
    let demo = context.in_sandbox() && instances.is_empty();
    let mut clients: Vec<(Provider, Client, Vec<String>)> = Vec::new();
    for provider in Provider::enabled() {
        let mut ids: Vec<String> = instances
            .iter()
            .filter(|given| given.provider == provider)
            .map(|given| given.instance_id.clone())
            .collect();
        #[cfg(feature = "sandbox")]
        if demo {
            ids.push(cloud_backup::sandbox::demo_instance_id(provider).to_owned());
        }
        let _ = demo;
        let named = instances.iter().any(|given| given.provider == provider);
        match Client::new(provider, &context.options(provider)) {
            Err(error) => {
                eprintln!(
                    "{}: skipping {provider}: {}",
                    if named { "error" } else { "note" },
                    one_line(&error.to_string())
                );
                partial |= named;
            }
            Ok(_) if ids.is_empty() => eprintln!(
                "note: skipping {provider}: no instance given (add --instance {provider}=<ID>)"
            ),
            Ok(client) => {
                ids.dedup();
                clients.push((provider, client, ids));
            }
        }
    }
    let calls = clients.iter().flat_map(|(provider, client, ids)| {
        ids.iter()
            .map(move |id| async move { (*provider, client.list_backups(id).await) })
    });
    let results = futures::future::join_all(calls).await;
    let tried = results.len();
    let mut backups = Vec::new();
    for (provider, result) in results {
        match result {
            Ok(listed) => backups.extend(listed),
            Err(error) => {
                eprintln!("{}", error_line(provider, &error));
                partial = true;
            }
        }
    }
    if tried == 0 {
        eprintln!(
            "error: no provider could be listed: give --instance <PROVIDER>=<ID> for each \
             provider, with its credentials in the environment (see --help)"
        );
        partial = true;
    }
    if json {
        write_json(out, &backups)?;
    } else {
        write_table(out, &backups, true)?;
    }
    if partial {
        out.flush()?;
        return Err(Failure::Partial);
    }
    Ok(())
}

/// `sandbox serve`: the banner, then serve until Ctrl-C.
#[cfg(feature = "sandbox")]
async fn serve(port: u16, faults: cloud_backup::sandbox::Faults) -> ExitCode {
    use cloud_backup::sandbox::{Sandbox, SandboxConfig};
    let armed = (!faults.is_empty()).then(|| format!("{faults:?}"));
    let sandbox = match Sandbox::start(SandboxConfig::default().with_port(port).with_faults(faults))
    {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!(
                "error: sandbox: could not start on 127.0.0.1:{port}: {}",
                one_line(&error.to_string())
            );
            return ExitCode::FAILURE;
        }
    };
    let mut text = sandbox.banner();
    if let Some(armed) = armed {
        text.push_str(&format!("Faults armed: {armed}\n"));
    }
    text.push_str(
        "\nTry: cloud-backup aliyun-rds list --instance rm-demo --endpoint <endpoint above>, \
         with the environment above.\nPress Ctrl-C to stop.\n",
    );
    {
        let mut stdout = io::stdout().lock();
        // The banner is for people and for the programs that start this one; if nobody reads
        // it the sandbox still serves.
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    }
    // Without a signal handler (rare), stop at once rather than never.
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

/// One demo instance, as `instances --json` prints it.
#[cfg(feature = "sandbox")]
#[derive(serde::Serialize)]
struct InstanceRow {
    provider: String,
    instance_id: String,
    name: String,
    engine: String,
    backup_count: usize,
}

/// The demo instances of the sandbox (of `provider` only, when given).
#[cfg(feature = "sandbox")]
fn write_instances(out: &mut impl Write, provider: Option<Provider>, json: bool) -> io::Result<()> {
    let rows: Vec<InstanceRow> = cloud_backup::sandbox::demo_instances()
        .into_iter()
        .filter(|i| provider.is_none_or(|p| cloud_backup::sandbox::service(p) == i.service))
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

fn write_json(out: &mut impl Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

fn write_urls(out: &mut impl Write, links: &[DownloadLink]) -> io::Result<()> {
    for link in links {
        writeln!(out, "{}", link.url)?;
    }
    Ok(())
}

/// Per file: `<path>  <bytes> bytes  sha256 <hex>`, then `  verified: <checks>`, then any
/// advisory note.
fn write_downloaded(out: &mut impl Write, files: &[DownloadedFile]) -> io::Result<()> {
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
    }
    Ok(())
}

/// A table with a header, left-aligned columns, sizes for people; with `sources`, the provider
/// and instance of each backup too.
fn write_table(out: &mut impl Write, backups: &[Backup], sources: bool) -> io::Result<()> {
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
            b.provider.clone(),
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

/// Rows as left-aligned columns two spaces apart, without trailing spaces.
fn write_columns<R: AsRef<[String]>>(out: &mut impl Write, rows: &[R]) -> io::Result<()> {
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
fn error_line(provider: Provider, error: &Error) -> String {
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
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_http::ServiceError;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
        match misuse(&cli) {
            Some(reason) => Err(reason),
            None => Ok(cli),
        }
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_provider_is_a_command() {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        for provider in Provider::ALL {
            assert!(names.iter().any(|n| n == provider.name()), "{provider}");
        }
        for provider in Provider::ALL {
            let cli = parse(&["cloud-backup", provider.name(), "list", "--instance", "i"]).unwrap();
            assert_eq!(cli.target.provider().map(|(p, _)| p), Some(*provider));
        }
    }

    #[test]
    fn arguments_parse_in_any_order() {
        let cli = parse(&[
            "cloud-backup",
            "--region",
            "cn-hangzhou",
            "aliyun-rds",
            "download-url",
            "--backup",
            "321020562",
            "--instance",
            "rm-1",
            "--endpoint",
            "http://127.0.0.1:1",
            "--json",
        ])
        .unwrap();
        assert_eq!(cli.global.region.as_deref(), Some("cn-hangzhou"));
        assert_eq!(cli.global.endpoint.as_deref(), Some("http://127.0.0.1:1"));
        assert!(matches!(
            cli.target.provider(),
            Some((Provider::AliyunRds, Command::DownloadUrl { instance, backup, json: true }))
                if instance == "rm-1" && backup == "321020562"
        ));
        for bad in [
            vec!["cloud-backup", "aws-rds", "list", "--instance", "i"],
            vec!["cloud-backup", "aliyun-rds", "list"],
            vec!["cloud-backup", "aliyun-rds", "list", "--instance", ""],
            vec![
                "cloud-backup",
                "aliyun-rds",
                "download-url",
                "--instance",
                "i",
            ],
            vec![
                "cloud-backup",
                "aliyun-rds",
                "download",
                "--instance",
                "i",
                "--backup",
                "b",
            ],
            vec!["cloud-backup", "aliyun-rds", "delete", "--instance", "i"],
            vec![
                "cloud-backup",
                "huaweicloud-rds",
                "list",
                "--instance",
                "i",
                "--project-id",
                "",
            ],
            vec!["cloud-backup", "all", "list", "--instance", "aliyun-rds"],
            vec!["cloud-backup", "all", "list", "--instance", "aws=i"],
            vec!["cloud-backup", "all", "list", "--region", "cn-hangzhou"],
            vec!["cloud-backup", "all", "download"],
        ] {
            assert!(parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn download_takes_out_force_quiet_and_json() {
        let cli = parse(&[
            "cloud-backup",
            "capitalonline-mysql",
            "download",
            "--instance",
            "i",
            "--backup",
            "b",
            "--out",
            "dir/",
            "--force",
            "-q",
            "--json",
        ])
        .unwrap();
        assert!(matches!(
            cli.target.provider(),
            Some((Provider::CapitalOnlineMysql, Command::Download { out, force: true, quiet: true, json: true, .. }))
                if out == Path::new("dir/")
        ));
    }

    #[test]
    fn all_list_takes_provider_instance_pairs() {
        let cli = parse(&[
            "cloud-backup",
            "all",
            "list",
            "--instance",
            "aliyun-rds=rm-1",
            "--instance",
            " huaweicloud-rds = in01 ",
            "--endpoint",
            "http://127.0.0.1:1",
        ])
        .unwrap();
        let Target::All(AllArgs {
            command: AllCommand::List { instances, json },
        }) = cli.target
        else {
            panic!("not all list");
        };
        assert!(!json);
        assert_eq!(
            instances,
            [
                InstanceArg {
                    provider: Provider::AliyunRds,
                    instance_id: "rm-1".to_owned()
                },
                InstanceArg {
                    provider: Provider::HuaweiCloudRds,
                    instance_id: "in01".to_owned()
                },
            ]
        );
        assert!(parse_instance_arg("aliyun-rds=").is_err());
        assert!(parse_instance_arg("rm-1").is_err());
    }

    #[test]
    fn project_id_is_a_huawei_cloud_option() {
        let cli = parse(&[
            "cloud-backup",
            "--project-id",
            "0483b6b16e954cb88930a360d2c4e663",
            "huaweicloud-gaussdb",
            "list",
            "--instance",
            "in07",
        ])
        .unwrap();
        assert_eq!(
            cli.global.project_id.as_deref(),
            Some("0483b6b16e954cb88930a360d2c4e663")
        );
        let taking: Vec<Provider> = Provider::ALL
            .iter()
            .copied()
            .filter(|p| takes_project_id(*p))
            .collect();
        assert_eq!(
            taking,
            [Provider::HuaweiCloudRds, Provider::HuaweiCloudGaussDb]
        );
        let error = parse(&[
            "cloud-backup",
            "aliyun-rds",
            "list",
            "--instance",
            "i",
            "--project-id",
            "p",
        ])
        .unwrap_err();
        assert!(
            error.starts_with("--project-id is for huaweicloud-rds"),
            "{error}"
        );
    }

    #[cfg(feature = "sandbox")]
    #[test]
    fn sandbox_options_and_faults() {
        let cli = parse(&[
            "cloud-backup",
            "aliyun-rds",
            "--sandbox",
            "download",
            "--instance",
            "rm-demo",
            "--backup",
            "1",
            "--out",
            "x",
            "--sandbox-fault",
            "throttle=2,5xx=1",
            "--sandbox-fault",
            "drop=1@100000",
            "--sandbox-fault",
            "ignore-range",
        ])
        .unwrap();
        assert!(cli.global.sandbox);
        let faults = faults(&cli.global.sandbox_fault);
        assert_eq!(
            faults,
            cloud_backup::sandbox::Faults::new()
                .with_throttle(2)
                .with_server_errors(1)
                .with_dropped_downloads(1, 100_000)
                .with_ignore_range(true)
        );
        for bad in [
            "",
            "throttle",
            "throttle=x",
            "drop=1",
            "drop=1@x",
            "explode=1",
            "ignore-range=1",
        ] {
            assert!(parse_fault_spec(bad).is_err(), "{bad:?}");
        }
        for misuse in [
            vec![
                "cloud-backup",
                "--sandbox",
                "--endpoint",
                "http://h",
                "aliyun-rds",
                "list",
                "--instance",
                "i",
            ],
            vec![
                "cloud-backup",
                "--sandbox-fault",
                "5xx=1",
                "aliyun-rds",
                "list",
                "--instance",
                "i",
            ],
            vec!["cloud-backup", "aliyun-rds", "instances"],
            vec!["cloud-backup", "sandbox", "instances", "--region", "cn"],
            vec![
                "cloud-backup",
                "sandbox",
                "instances",
                "--sandbox-fault",
                "5xx=1",
            ],
        ] {
            assert!(parse(&misuse).is_err(), "{misuse:?}");
        }
        for fine in [
            vec![
                "cloud-backup",
                "--sandbox",
                "aliyun-rds",
                "instances",
                "--json",
            ],
            vec![
                "cloud-backup",
                "sandbox",
                "serve",
                "--port",
                "8080",
                "--sandbox-fault",
                "5xx=1",
            ],
            vec!["cloud-backup", "sandbox", "instances"],
            vec!["cloud-backup", "--sandbox", "all", "list"],
        ] {
            assert!(parse(&fine).is_ok(), "{fine:?}");
        }
    }

    #[test]
    fn long_names_are_shortened_in_the_middle() {
        assert_eq!(shorten("backup.tar.gz", 32), "backup.tar.gz");
        let long = "hins5882781_data_20261121152149.tar.gz";
        let short = shorten(long, 32);
        assert_eq!(short.chars().count(), 32);
        assert_eq!(short, "hins5882781_dat…121152149.tar.gz");
        assert_eq!(
            shorten("数据库备份文件名字很长很长很长", 8),
            "数据库…很长很长"
        );
    }

    #[test]
    fn service_errors_make_one_line() {
        let error = Error::service(
            Some(400),
            ServiceError::new()
                .with_code("SignatureDoesNotMatch")
                .with_message("Specified signature is not matched\nwith our calculation.")
                .with_request_id("6BE5"),
        );
        assert_eq!(
            error_line(Provider::AliyunRds, &error),
            "error: aliyun-rds: SignatureDoesNotMatch: Specified signature is not matched \
             with our calculation. (HTTP 400, request id 6BE5)"
        );
        let error = Error::service(None, ServiceError::new().with_message("gone"));
        assert_eq!(
            error_line(Provider::CapitalOnlineMysql, &error),
            "error: capitalonline-mysql: gone"
        );
        let error = Error::config("missing credentials");
        assert_eq!(
            error_line(Provider::CapitalOnlineMysql, &error),
            "error: capitalonline-mysql: configuration error: missing credentials"
        );
    }

    #[test]
    fn tables_align_and_show_human_sizes() {
        let backups = [
            Backup::new("capitalonline-mysql", "i", "b-1")
                .with_status("finished")
                .with_size_bytes(677_496)
                .with_started_at("2020-06-18T04:09:59+08:00"),
            Backup::new("capitalonline-mysql", "i", "backup-22"),
        ];
        let mut out = Vec::new();
        write_table(&mut out, &backups, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "BACKUP ID  STATUS    TYPE  SIZE       STARTED                    FINISHED",
                "b-1        finished  -     661.6 KiB  2020-06-18T04:09:59+08:00  -",
                "backup-22  -         -     -          -                          -",
                "2 backups",
            ]
        );
        let mut out = Vec::new();
        write_table(&mut out, &backups[..1], true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "PROVIDER             INSTANCE  BACKUP ID  STATUS    TYPE  SIZE       STARTED                    FINISHED",
                "capitalonline-mysql  i         b-1        finished  -     661.6 KiB  2020-06-18T04:09:59+08:00  -",
                "1 backup",
            ]
        );
    }
}
