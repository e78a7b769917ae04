//! The command line: argument parsing, output, and the one-line error report.
//!
//! ```text
//! cloud-backup <PROVIDER> list         --instance <ID> [--json]
//! cloud-backup <PROVIDER> download-url --instance <ID> --backup <BACKUP_ID> [--json]
//!    PROVIDER: capitalonline-mysql | aliyun-rds | huaweicloud-rds | huaweicloud-gaussdb
//!    options on every command: --region <REGION>  --endpoint <URL>
//!                              (+ --project-id <ID> for the Huawei Cloud ones)
//! ```
//!
//! Everything it does goes through the library (`cloud_backup::list_backups`,
//! `cloud_backup::download_links`); this module only turns arguments into calls and results
//! into text.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::builder::{NonEmptyStringValueParser, PossibleValuesParser, TypedValueParser};
use clap::{CommandFactory, Parser, Subcommand};
use cloud_backup::model::human_size;
use cloud_backup::{Backup, DownloadLink, Error, Options, Provider};
use cloud_http::ErrorKind;

const AFTER_HELP: &str = "\
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

huaweicloud-gaussdb has no API for backup download links: download-url explains and fails.

On failure the exit status is 1 and stderr holds one line:
  error: <PROVIDER>: <CODE>: <MESSAGE> (HTTP <STATUS>, request id <ID>)";

/// List database backups and their download URLs on Capital Online, Alibaba Cloud and Huawei
/// Cloud.
#[derive(Debug, Parser)]
#[command(name = "cloud-backup", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// The service: capitalonline-mysql, aliyun-rds, huaweicloud-rds or huaweicloud-gaussdb.
    #[arg(value_name = "PROVIDER", value_parser = provider_parser())]
    provider: Provider,

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
}

/// Accepts the names of [`Provider::ALL`], listing them in errors and help.
fn provider_parser() -> impl TypedValueParser<Value = Provider> {
    PossibleValuesParser::new(Provider::ALL.iter().map(|p| p.name()))
        .try_map(|name| name.parse::<Provider>())
}

/// Why a run failed.
#[derive(Debug)]
enum Failure {
    /// The provider call failed.
    Cloud(Error),
    /// Writing the output failed.
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Cloud(error)
    }
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

/// The arguments, or the usage error clap reports (exit status 2), also for `--project-id`
/// with a provider that has no project (rather than ignoring it).
fn parse() -> Cli {
    let cli = Cli::parse();
    if cli.project_id.is_some() && !takes_project_id(cli.provider) {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "--project-id is for huaweicloud-rds and huaweicloud-gaussdb; {} has no \
                     project",
                    cli.provider
                ),
            )
            .exit();
    }
    cli
}

/// Parses the arguments, runs the command, prints the result or one error line.
pub(crate) fn main() -> ExitCode {
    let cli = parse();
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
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = runtime
        .block_on(run(&cli, &mut out))
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
        Err(Failure::Cloud(error)) => {
            eprintln!("{}", error_line(cli.provider, &error));
            ExitCode::FAILURE
        }
    }
}

/// Runs the command, writing its result to `out`.
async fn run(cli: &Cli, out: &mut impl Write) -> Result<(), Failure> {
    let mut options = Options::new();
    options.region = cli.region.clone();
    options.endpoint = cli.endpoint.clone();
    options.project_id = cli.project_id.clone();
    match &cli.command {
        Command::List { instance, json } => {
            let backups = cloud_backup::list_backups(cli.provider, &options, instance).await?;
            if *json {
                write_json(out, &backups)?;
            } else {
                write_table(out, &backups)?;
            }
        }
        Command::DownloadUrl {
            instance,
            backup,
            json,
        } => {
            let links =
                cloud_backup::download_links(cli.provider, &options, instance, backup).await?;
            if *json {
                write_json(out, &links)?;
            } else {
                write_urls(out, &links)?;
            }
        }
    }
    Ok(())
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

/// A table with a header, left-aligned columns, sizes for people.
fn write_table(out: &mut impl Write, backups: &[Backup]) -> io::Result<()> {
    let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    let mut rows: Vec<[String; 6]> = vec![[
        "BACKUP ID".to_owned(),
        "STATUS".to_owned(),
        "TYPE".to_owned(),
        "SIZE".to_owned(),
        "STARTED".to_owned(),
        "FINISHED".to_owned(),
    ]];
    rows.extend(backups.iter().map(|b| {
        [
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
        ]
    }));
    let mut widths = [0usize; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = width - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    let count = backups.len();
    writeln!(out, "{count} backup{}", if count == 1 { "" } else { "s" })
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

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn arguments_parse_in_any_order() {
        let cli = Cli::try_parse_from([
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
        assert_eq!(cli.provider, Provider::AliyunRds);
        assert_eq!(cli.region.as_deref(), Some("cn-hangzhou"));
        assert_eq!(cli.endpoint.as_deref(), Some("http://127.0.0.1:1"));
        assert!(matches!(
            cli.command,
            Command::DownloadUrl { ref instance, ref backup, json: true }
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
        ] {
            assert!(Cli::try_parse_from(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn project_id_is_a_huawei_cloud_option() {
        let cli = Cli::try_parse_from([
            "cloud-backup",
            "--project-id",
            "0483b6b16e954cb88930a360d2c4e663",
            "huaweicloud-gaussdb",
            "list",
            "--instance",
            "in07",
        ])
        .unwrap();
        assert_eq!(cli.provider, Provider::HuaweiCloudGaussDb);
        assert_eq!(
            cli.project_id.as_deref(),
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
        write_table(&mut out, &backups).unwrap();
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
    }
}
