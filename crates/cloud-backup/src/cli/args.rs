//! The arguments: clap's definitions, the help texts, and what each target means.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::NonEmptyStringValueParser;
use clap::{Args, Parser, Subcommand};
use cloud_backup::Provider;
use time::OffsetDateTime;

#[cfg(feature = "sandbox")]
use super::faults::{FaultSpec, parse_fault_spec};

pub(super) const USAGE: &str = "\
cloud-backup [--sandbox] <PROVIDER> <list|download-url|download|binlogs|download-binlogs|instances|policy|restore-window|create-backup|delete-backup|whoami> [ARGS]
       cloud-backup [--sandbox] all list [--instance <PROVIDER>=<ID> ...] [--json]
       cloud-backup sandbox <serve|instances> [ARGS]
       cloud-backup verify <FILE|DIR>... | extract <FILE> --to <DIR> | sync ... | audit ...
   PROVIDER: capitalonline-mysql | aliyun-rds | huaweicloud-rds | huaweicloud-gaussdb";

pub(super) const AFTER_HELP: &str = "\
Try it without an account: --sandbox runs every command against an embedded simulator of the
four services (on 127.0.0.1, in this process) with its demo credentials:
  cloud-backup --sandbox aliyun-rds list --instance rm-demo
  cloud-backup --sandbox aliyun-rds download --instance rm-demo --backup <BACKUP_ID> --out backup_qp.xb
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
  damaged           backup files are damaged at the source: one byte inside an archive member
                    flipped, the provider's checksums agreeing (only --verify-content and
                    verify notice)
  link-uses=N       each download link works for N requests, then answers 403 \"Request has
                    expired.\" (a new link from the API works again)
  link-ttl=SECS     download links expire SECS seconds after the API gave them
  rate=N            each API admits N calls a second, then answers with the provider's
                    throttling error (default 100 for reads, 10 for create and delete;
                    0: no limit)

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
  aliyun-rds           in order: ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET
                       (+ ALIBABA_CLOUD_SECURITY_TOKEN); an OIDC role (ALIBABA_CLOUD_ROLE_ARN,
                       ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE); the
                       profile in ~/.aliyun/config.json (AK, StsToken, RamRoleArn,
                       ChainableRamRoleArn, EcsRamRole, OIDC); the ECS instance's RAM role (ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
                       skips it); ALIBABA_CLOUD_CREDENTIALS_URI
  huaweicloud-rds,     in order: HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE (IAM
  huaweicloud-gaussdb  federation), else HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK
                       (+ HUAWEICLOUD_SDK_SECURITY_TOKEN); the [basic] section of
                       ~/.huaweicloud/credentials (the same two choices); the ECS instance's
                       agency (HUAWEICLOUD_SDK_METADATA_DISABLED=true skips it);
                       project id: --project-id, else HUAWEICLOUD_SDK_PROJECT_ID, else the
                       file's project_id, else found through IAM (the project of --region)

--region:
  capitalonline-mysql  cn (mainland China, the default), asia or us
  aliyun-rds           a region id such as cn-hangzhou
  huaweicloud-*        a region id such as cn-north-4 (default: HUAWEICLOUD_SDK_REGION)

`<PROVIDER> whoami` says which source supplied the credentials, the key id's first and last
characters, and when temporary credentials expire.

--endpoint takes scheme://host[:port] and replaces only the host; the provider's path stays.

huaweicloud-gaussdb has no API for backup download links: download-url, download and
download-binlogs explain and fail. capitalonline-mysql keeps no log backups: binlogs and
download-binlogs explain and fail.

--since and --until take RFC 3339 (2026-11-30T08:00:00Z), a UTC date (2026-11-30) or a time
ago (30m, 12h, 7d, 2w); binlogs lists the 7 days before --until (now) by default.

Exit status: 0 when everything asked for was done; 1 on failure, with one line on stderr:
  error: <PROVIDER>: <CODE>: <MESSAGE> (HTTP <STATUS>, request id <ID>)
2 for a usage error; 3 when `all list` skipped or failed a provider named with --instance (or
listed nothing at all), or `list`/`binlogs --all-instances` could not list an instance, after
printing what it could list; 130 after Ctrl-C.";

pub(super) const DOWNLOAD_HELP: &str = "\
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

--extract DIR instead of --out: the backup is unpacked into DIR while it streams, and no copy
of the file is kept (see `cloud-backup extract --help`): every size and checksum above, and
every checksum inside the archive, is checked before the files are moved into place; on any
failure DIR is left as it was. The printed sha256 is the archive's, as it streamed.

One file: --out is the file to write (or an existing directory to write it into, under its own
name). Several files (Huawei Cloud RDS): --out is a directory, created if missing; each file
keeps its name, and files already complete there from an earlier run are kept.

A progress bar (bytes, rate, ETA) is drawn on stderr when it is a terminal, unless --quiet.
On success, two lines per file:
  <PATH>  <BYTES> bytes  sha256 <HEX>
    pub(super) verified: size (server, API), crc64 (x-oss-hash-crc64ecma), sha256 (computed)
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
    pub(super) global: Global,

    #[command(subcommand)]
    pub(super) target: Target,
}

/// The options every command takes.
#[derive(Debug, Args)]
pub(super) struct Global {
    /// The region: capitalonline-mysql cn (default), asia or us; the others a region id such
    /// as cn-hangzhou or cn-north-4.
    #[arg(long, global = true, value_name = "REGION")]
    pub(super) region: Option<String>,

    /// Replaces the provider's scheme://host[:port]; the provider's path stays.
    #[arg(long, global = true, value_name = "URL")]
    pub(super) endpoint: Option<String>,

    /// Huawei Cloud only: the project id, instead of HUAWEICLOUD_SDK_PROJECT_ID.
    #[arg(long, global = true, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
    pub(super) project_id: Option<String>,

    /// Run against an embedded sandbox (a simulator of the four services on 127.0.0.1, started
    /// in this process) with its demo credentials: no account, no network, and the real
    /// credential variables are ignored.
    #[cfg(feature = "sandbox")]
    #[arg(long, global = true)]
    pub(super) sandbox: bool,

    /// With --sandbox (or `sandbox serve`): faults to inject, e.g. throttle=2, 5xx=1, hang=1,
    /// drop=1@100000, corrupt=1@5000, ignore-range, damaged, link-uses=1, link-ttl=60, rate=5 (see below).
    #[cfg(feature = "sandbox")]
    #[arg(long = "sandbox-fault", global = true, value_name = "SPEC", value_parser = parse_fault_spec)]
    pub(super) sandbox_fault: Vec<FaultSpec>,

    /// With --sandbox (or `sandbox serve`): add N instances to every service (each with 12
    /// backups), for the instance listings and fleet-wide commands.
    #[cfg(feature = "sandbox")]
    #[arg(long = "sandbox-fleet", global = true, value_name = "N", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub(super) sandbox_fleet: u32,

    /// Seconds to wait for a connection (default 10).
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_seconds)]
    pub(super) connect_timeout: Option<Duration>,

    /// Seconds to wait per attempt: an API call's whole response, a download's response
    /// headers or next piece of body (default 60).
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_seconds)]
    pub(super) timeout: Option<Duration>,

    /// Attempts per API call (default 3) and failed attempts in a row per download (default
    /// 5); 1 disables retries.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(super) max_attempts: Option<u32>,

    /// Show each attempt, retry, backoff, resume and new link on stderr (-vv: more detail).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub(super) verbose: u8,
}

/// A number of seconds above zero, such as `5` or `0.5`.
pub(super) fn parse_seconds(text: &str) -> Result<Duration, String> {
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

/// A time on the command line: RFC 3339 (offset required), a date (midnight UTC), or a time
/// ago as a number and a unit (`s`, `m`, `h`, `d`, `w`).
pub(super) fn parse_time_arg(text: &str) -> Result<OffsetDateTime, String> {
    parse_time_at(text, OffsetDateTime::now_utc())
}

/// [`parse_time_arg`] with "now" given.
pub(super) fn parse_time_at(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    let text = text.trim();
    let wrong = || {
        format!(
            "expected RFC 3339 (2026-11-30T08:00:00Z), a date (2026-11-30) or a time ago \
             (30m, 12h, 7d, 2w), not {text:?}"
        )
    };
    if let Some(unit) = text.chars().last().filter(char::is_ascii_alphabetic) {
        let digits = &text[..text.len() - 1];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let n: i64 = digits.parse().map_err(|_| wrong())?;
            let seconds = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return Err(wrong()),
            };
            let ago = n
                .checked_mul(seconds)
                .filter(|s| *s <= 100 * 366 * 86_400)
                .ok_or_else(|| format!("{text:?} is more than 100 years ago"))?;
            return Ok(now - time::Duration::seconds(ago));
        }
    }
    if let Ok(date) = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        return Ok(date.midnight().assume_utc());
    }
    cloud_http::times::parse_time(text).ok_or_else(wrong)
}

#[derive(Debug, Subcommand)]
pub(super) enum Target {
    /// `<PROVIDER> <COMMAND>`: one subcommand per [`Provider`], made from `Provider::ALL`.
    #[command(flatten)]
    Provider(ProviderTarget),
    /// Every configured provider at once.
    All(AllArgs),
    /// Verify backup files on disk without restoring them: every checksum their formats
    /// carry (xbstream CRC-32, qpress Adler-32 and QuickLZ, gzip CRC-32 and length, tar
    /// header checksums), nested in any order.
    #[command(long_about = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Unpack a backup file into a directory without xbstream, qpress or xtrabackup
    /// --decompress: one verified streaming pass, nothing half-written.
    #[command(long_about = super::extract::EXTRACT_HELP)]
    Extract(super::extract::ExtractArgs),
    /// Copy every backup of instances (and their binlogs) that a destination does not have
    /// yet, each verified, recorded in the destination's manifest; safe to run again.
    #[command(long_about = super::sync::SYNC_HELP)]
    Sync(super::sync::SyncArgs),
    /// Check per instance that backups are recent, kept long enough, continuous (binlogs)
    /// and copied to a sync destination; exit 1 when any check fails.
    #[command(long_about = super::audit::AUDIT_HELP)]
    Audit(super::audit::AuditArgs),
    /// The embedded sandbox: run it for other programs, list its demo instances.
    #[cfg(feature = "sandbox")]
    Sandbox(SandboxArgs),
}

/// A provider's subcommand: which provider, and its command. The subcommands are made from
/// [`Provider::ALL`] (name and title), so a new provider needs no edit here.
#[derive(Debug)]
pub(super) struct ProviderTarget {
    pub(super) provider: Provider,
    pub(super) command: Command,
}

impl clap::FromArgMatches for ProviderTarget {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let Some((name, sub)) = matches.subcommand() else {
            return Err(clap::Error::new(clap::error::ErrorKind::MissingSubcommand));
        };
        let provider = name.parse::<Provider>().map_err(|e| {
            clap::Error::raw(clap::error::ErrorKind::InvalidSubcommand, e.to_string())
        })?;
        let args = ProviderArgs::from_arg_matches(sub)?;
        Ok(Self {
            provider,
            command: args.command,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for ProviderTarget {
    fn augment_subcommands(command: clap::Command) -> clap::Command {
        Provider::ALL.iter().fold(command, |command, provider| {
            command.subcommand(ProviderArgs::augment_args(
                clap::Command::new(provider.name()).about(provider.title()),
            ))
        })
    }

    fn augment_subcommands_for_update(command: clap::Command) -> clap::Command {
        Self::augment_subcommands(command)
    }

    fn has_subcommand(name: &str) -> bool {
        name.parse::<Provider>().is_ok()
    }
}

#[derive(Debug, Args)]
pub(super) struct ProviderArgs {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// List every backup of an instance (all pages), or of every instance of the account.
    List {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new(),
              required_unless_present = "all_instances", conflicts_with = "all_instances")]
        instance: Option<String>,
        /// Every MySQL instance of the account (as `instances` lists them), listed
        /// concurrently (8 at a time); each record names its instance. The exit status is 3
        /// when any instance could not be listed; the others are printed anyway.
        #[arg(long)]
        all_instances: bool,
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
        #[arg(
            long,
            value_name = "PATH",
            required_unless_present = "extract",
            conflicts_with = "extract"
        )]
        out: Option<PathBuf>,
        /// Unpack the backup into DIR as it streams instead of keeping the file (as `extract`
        /// does: verified on the way, files moved into place only once everything, the
        /// provider's checksums included, checked out). DIR must be empty unless --force.
        #[arg(long, value_name = "DIR")]
        extract: Option<PathBuf>,
        /// Replace existing files (with --extract: write into a directory that is not empty).
        #[arg(long)]
        force: bool,
        /// Also verify what the file holds while it streams: every checksum of its format
        /// (xbstream, qpress, gzip, tar, nested), as `verify` does.
        #[arg(long)]
        verify_content: bool,
        /// Connections per file: a file of 8 MiB or more from a server that answers ranges is
        /// fetched in ranges over N connections at once (1-32; default 8; --extract: 1).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=32))]
        connections: Option<u16>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Print a JSON array of {path, bytes, sha256, url_host} instead of one line per file.
        #[arg(long)]
        json: bool,
    },
    /// Say which source of the provider's credential chain supplies the credentials, the
    /// access key id's first and last characters, and when temporary ones expire (never a
    /// secret). Temporary credentials are fetched once to tell.
    Whoami {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the account's MySQL instances through the provider's API (in --region, for
    /// providers with regions); with --sandbox, the sandbox's.
    Instances {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Start a manual backup of an instance (never repeated after a failure that may have
    /// reached the service: list the backups before trying again).
    CreateBackup {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
        instance: String,
        /// The backup's name (Huawei Cloud; Capital Online keeps it as the description;
        /// Alibaba Cloud takes none). Default: cloud-backup-<UTC date and time>.
        #[arg(long, value_name = "NAME", value_parser = NonEmptyStringValueParser::new())]
        name: Option<String>,
        /// Follow the backup until it is finished (a spinner on a terminal); the exit status
        /// is non-zero if it fails or does not finish within --wait-timeout.
        #[arg(long)]
        wait: bool,
        /// With --wait: the longest wait, in seconds (default 7200).
        #[arg(long, value_name = "SECS", value_parser = parse_seconds, requires = "wait")]
        wait_timeout: Option<std::time::Duration>,
        /// With --wait: seconds between looks at the backup (default 10; 1 with --sandbox).
        #[arg(long, value_name = "SECS", value_parser = parse_seconds, requires = "wait")]
        wait_interval: Option<std::time::Duration>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Delete a backup (manual backups only, on Huawei Cloud). Asks for confirmation on a
    /// terminal; without a terminal, --yes is required.
    DeleteBackup {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
        instance: String,
        /// The backup, as `list` shows it.
        #[arg(long, value_name = "BACKUP_ID", value_parser = NonEmptyStringValueParser::new())]
        backup: String,
        /// Delete without asking.
        #[arg(long, short)]
        yes: bool,
    },
    /// List the log (binlog) backup files of an instance, or of every instance, whose logs
    /// overlap --since..--until, oldest first, with the periods no file covers.
    Binlogs {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new(),
              required_unless_present = "all_instances", conflicts_with = "all_instances")]
        instance: Option<String>,
        /// Every MySQL instance of the account (as `instances` lists them), listed
        /// concurrently (8 at a time); each file names its instance. The exit status is 3
        /// when any instance could not be listed; the others are printed anyway.
        #[arg(long)]
        all_instances: bool,
        /// The start: RFC 3339 (2026-11-30T08:00:00Z, 2026-11-30T16:00:00+08:00), a UTC date
        /// (2026-11-30), or a time ago (30m, 12h, 7d, 2w). Default: 7 days before --until.
        #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
        since: Option<OffsetDateTime>,
        /// The end, in the same forms. Default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
        until: Option<OffsetDateTime>,
        /// Print one JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Download the log (binlog) backup files of an instance overlapping --since..--until
    /// into a directory, each verified and resumable like `download`.
    DownloadBinlogs {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
        instance: String,
        /// The start: RFC 3339, a UTC date, or a time ago (12h, 7d), as for `binlogs`.
        #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
        since: OffsetDateTime,
        /// The end, in the same forms. Default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
        until: Option<OffsetDateTime>,
        /// The directory (created if missing); Alibaba Cloud files go into one directory per
        /// host under it. Files already complete there from an earlier run are kept.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Download again files that are already there, replacing each only once its new copy
        /// is verified.
        #[arg(long)]
        force: bool,
        /// Also verify what each file holds while it streams (binlogs in a gzip or qpress
        /// wrapper; a plain binlog file is in none of the formats and fails).
        #[arg(long)]
        verify_content: bool,
        /// Connections per file: a file of 8 MiB or more from a server that answers ranges is
        /// fetched in ranges over N connections at once (1-32; default 8).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=32))]
        connections: Option<u16>,
        /// No progress bars.
        #[arg(long, short)]
        quiet: bool,
        /// Print a JSON array of {path, bytes, sha256, url_host, verified, notes} instead of
        /// two lines per file.
        #[arg(long)]
        json: bool,
    },
    /// Show the time ranges a point-in-time restore of an instance can reach (several when
    /// the log backups have a gap).
    RestoreWindow {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
        instance: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show an instance's automated backup policy: retention, window (UTC), days, log backup.
    Policy {
        /// The database instance.
        #[arg(long, value_name = "ID", value_parser = NonEmptyStringValueParser::new())]
        instance: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

impl Command {
    /// The capability the command needs of a provider, when it needs one beyond listing
    /// backups.
    pub(super) fn capability(&self) -> Option<cloud_backup::Capability> {
        use cloud_backup::Capability;
        Some(match self {
            Command::DownloadUrl { .. } | Command::Download { .. } => Capability::DownloadLinks,
            Command::Binlogs { .. } => Capability::ListLogBackups,
            Command::DownloadBinlogs { .. } => Capability::DownloadLogBackups,
            Command::Instances { .. } => Capability::ListInstances,
            Command::Policy { .. } => Capability::ReadBackupPolicy,
            Command::RestoreWindow { .. } => Capability::RestoreWindow,
            Command::CreateBackup { .. } => Capability::CreateBackup,
            Command::DeleteBackup { .. } => Capability::DeleteBackup,
            _ => return None,
        })
    }
}

/// `verify`'s arguments.
#[derive(Debug, Args)]
pub(super) struct VerifyArgs {
    /// Files, or directories (every file under them, `.part` files and resume records
    /// excepted).
    #[arg(value_name = "FILE|DIR", required = true)]
    pub(super) paths: Vec<PathBuf>,
    /// Print one JSON array (one object per file) instead of text.
    #[arg(long)]
    pub(super) json: bool,
}

const VERIFY_HELP: &str = "\
Verify backup files on disk without restoring them. Each file is read once, as a stream, in
constant memory, and every checksum its format carries is checked:
  xbstream (XBSTCK01; xtrabackup/mariabackup --stream=xbstream): every chunk's CRC-32, each
      file's chunks in order, every file closed by its end chunk
  qpress (.qp; --compress): every block's Adler-32, every QuickLZ block decompressed
  gzip: every member's CRC-32 and length; tar: every header checksum, every member's data
Formats nest in any order (Alibaba Cloud's _qp.xb and _xb.qp, .tar.gz, ...). For
xtrabackup/mariabackup backups the facts of xtrabackup_checkpoints and xtrabackup_info are shown
(backup_type, from_lsn, to_lsn).

Output, per file: `<PATH>: <FORMAT>, <N> members, <BYTES> bytes`, then `verified:` with what
was checked and `backup:` with the checkpoints; or `<PATH>: FAILED at byte <OFFSET>, in member
<MEMBER>: <REASON>`. With --json, an array of {path, ok, format, bytes, members, checks,
backup, error: {offset, member, message}}.

Exit status: 0 when every file verified, 1 when any failed or could not be read.";

#[derive(Debug, Args)]
pub(super) struct AllArgs {
    #[command(subcommand)]
    pub(super) command: AllCommand,
}

#[derive(Debug, Subcommand)]
pub(super) enum AllCommand {
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
pub(super) struct InstanceArg {
    pub(super) provider: Provider,
    pub(super) instance_id: String,
}

pub(super) fn parse_instance_arg(text: &str) -> Result<InstanceArg, String> {
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
pub(super) struct SandboxArgs {
    #[command(subcommand)]
    pub(super) command: SandboxCommand,
}

#[cfg(feature = "sandbox")]
#[derive(Debug, Subcommand)]
pub(super) enum SandboxCommand {
    /// Run the sandbox until Ctrl-C, for other programs: prints its endpoint, the demo
    /// credentials (and the environment variables to set) and the demo instances.
    Serve {
        /// The port on 127.0.0.1 (default: a free one, printed).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Add N instances to every service (each with 12 backups), as --sandbox-fleet does
        /// (this one wins when both are given).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=10_000))]
        fleet: Option<u32>,
    },
    /// The demo instance of each provider.
    Instances {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

impl Target {
    /// The provider and its command, for the provider targets.
    pub(super) fn provider(&self) -> Option<(Provider, &Command)> {
        match self {
            Target::Provider(target) => Some((target.provider, &target.command)),
            _ => None,
        }
    }
}

impl Global {
    pub(super) fn in_sandbox(&self) -> bool {
        #[cfg(feature = "sandbox")]
        return self.sandbox;
        #[cfg(not(feature = "sandbox"))]
        return false;
    }

    pub(super) fn has_fleet(&self) -> bool {
        #[cfg(feature = "sandbox")]
        return self.sandbox_fleet > 0;
        #[cfg(not(feature = "sandbox"))]
        return false;
    }

    pub(super) fn has_faults(&self) -> bool {
        #[cfg(feature = "sandbox")]
        return !self.sandbox_fault.is_empty();
        #[cfg(not(feature = "sandbox"))]
        return false;
    }
}

/// Whether `provider` takes `--project-id`: the Huawei Cloud ones.
pub(super) fn takes_project_id(provider: Provider) -> bool {
    matches!(
        provider,
        Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb
    )
}
