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
//! cloud-backup sandbox instances [--json]
//!    every command: [--connect-timeout SECS] [--timeout SECS] [--max-attempts N] [-v]
//!    PROVIDER: capitalonline-mysql | aliyun-rds | huaweicloud-rds | huaweicloud-gaussdb
//! ```
//!
//! Everything it does with the clouds goes through the library (`cloud_backup::list_backups`,
//! `download_links`, `download`, `Client`); these modules only turn arguments into calls and
//! results into text, one job each:
//!
//! * `args`: clap's definitions and help texts;
//! * `faults`: `--sandbox-fault` specs;
//! * this module: parsing, combinations that make no sense, the runtime, Ctrl-C, exit codes;
//! * `dispatch`: where calls go (clouds or sandbox), one `match` over the commands;
//! * `progress`: progress bars and the file under way;
//! * `output`: JSON, tables, download lines, the one-line error.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use cloud_backup::{Error, Provider};

use args::*;
use dispatch::run;
use output::{error_line, one_line};
use progress::CurrentPart;
#[cfg(feature = "sandbox")]
use {dispatch::serve, faults::faults};

mod args;
mod audit;
mod dispatch;
mod extract;
#[cfg(feature = "sandbox")]
mod faults;
mod output;
mod progress;
mod sync;
mod verify;

/// The exit status of `all list` when a provider the user named was skipped or failed, or
/// nothing could be listed at all (the partial results are still printed).
const EXIT_PARTIAL: u8 = 3;
/// The exit status after Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// Set to a number of milliseconds, the first backoff of download and API retries (instead of
/// 1 s and 200 ms), doubling up to 32 times that. For tests, which cut downloads and throttle
/// on purpose; not in `--help`.
const RETRY_BASE_ENV: &str = "CLOUD_BACKUP_RETRY_BASE_MS";

/// Download attempts in a row without progress before giving up (`cloud_http::Download`'s
/// default), when [`RETRY_BASE_ENV`] replaces the backoff.
const DOWNLOAD_ATTEMPTS: u32 = 5;

/// Why a run failed.
#[derive(Debug)]
pub(super) enum Failure {
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
    /// The command refused to act (e.g. a delete without --yes and no terminal to ask on):
    /// a usage error, exit status 2.
    Refused(String),
    /// The user answered no at a confirmation prompt; nothing was done (exit status 1).
    Declined(String),
    /// Files failed verification (each already reported): exit status 1, with this line.
    Unverified(String),
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Output(error)
    }
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
        Target::Verify(_) | Target::Extract(_) => {
            if global.region.is_some()
                || global.endpoint.is_some()
                || global.project_id.is_some()
                || in_sandbox
                || global.has_faults()
                || global.has_fleet()
            {
                let command = match &cli.target {
                    Target::Extract(_) => "extract",
                    _ => "verify",
                };
                return Some(format!(
                    "{command} reads local files only: it takes no --region, --endpoint, \
                     --project-id or --sandbox options"
                ));
            }
        }
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
            if global.has_fleet() && !in_sandbox {
                return Some("--sandbox-fleet needs --sandbox".to_owned());
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
            if global.has_fleet() && !matches!(args.command, SandboxCommand::Serve { .. }) {
                return Some("--sandbox-fleet applies to `sandbox serve` and --sandbox".to_owned());
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
            if global.has_fleet() && !in_sandbox {
                return Some("--sandbox-fleet needs --sandbox".to_owned());
            }
            let range = match command {
                Command::Binlogs { since, until, .. } => since.zip(*until),
                Command::DownloadBinlogs { since, until, .. } => until.map(|until| (*since, until)),
                _ => None,
            };
            if let Some((since, until)) = range
                && since >= until
            {
                return Some("--since must be before --until".to_owned());
            }
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
        command: SandboxCommand::Serve { port, fleet },
    }) = &cli.target
    {
        return runtime.block_on(serve(
            *port,
            faults(&cli.global.sandbox_fault),
            fleet.unwrap_or(cli.global.sandbox_fleet),
        ));
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
        Err(Failure::Refused(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Declined(message)) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
        Err(Failure::Unverified(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
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

#[cfg(test)]
mod tests;
