//! Running a command: where the calls go (the real clouds or the embedded sandbox), one
//! `match` over the commands, `all list`, and `sandbox serve`.

use std::io::{self, IsTerminal, Write};
#[cfg(feature = "sandbox")]
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use cloud_backup::{Capability, Client, DownloadOptions, Options, Provider, RetryPolicy};

use super::args::*;
#[cfg(feature = "sandbox")]
use super::faults::faults;
use super::output::*;
use super::progress::{Bar, CurrentPart, Silent, waiting_spinner};
use super::{DOWNLOAD_ATTEMPTS, Failure, RETRY_BASE_ENV};

/// Where the provider calls go: the real clouds (credentials from the environment) or an
/// embedded sandbox (demo credentials).
pub(super) struct Context<'a> {
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
                let config = SandboxConfig::default()
                    .with_faults(faults(&global.sandbox_fault))
                    .with_fleet(global.sandbox_fleet as usize);
                Some(Sandbox::start(config).map_err(Failure::Sandbox)?)
            } else {
                None
            };
            Ok(Self { global, sandbox })
        }
        #[cfg(not(feature = "sandbox"))]
        Ok(Self { global })
    }

    /// `--timeout`, if given.
    pub(super) fn timeout(&self) -> Option<Duration> {
        self.global.timeout
    }

    fn in_sandbox(&self) -> bool {
        self.global.in_sandbox()
    }

    /// The options of `provider`'s calls: the sandbox's endpoint and demo credentials (with
    /// the region and project id given, if any), or the command line's.
    pub(super) fn options(&self, provider: Provider) -> Options {
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

    /// [`options`](Self::options), with a Huawei Cloud project id found through IAM when none
    /// is given anywhere (the project named after --region).
    pub(super) async fn resolved_options(&self, provider: Provider) -> Result<Options, Failure> {
        cloud_backup::discover_project_id(provider, self.options(provider))
            .await
            .map_err(|e| Failure::Cloud(provider, e))
    }

    /// `options` with --connect-timeout, --timeout and --max-attempts.
    fn with_limits(&self, mut options: Options) -> Options {
        let global = self.global;
        options.connect_timeout = global.connect_timeout;
        options.timeout = global.timeout;
        options.max_attempts = global.max_attempts;
        // Tests: API retries back off from this many milliseconds too.
        if let Some(base) = std::env::var(RETRY_BASE_ENV)
            .ok()
            .and_then(|ms| ms.trim().parse::<u64>().ok())
        {
            let base = Duration::from_millis(base);
            options.retry = Some(
                RetryPolicy::default()
                    .with_initial_backoff(base)
                    .with_max_backoff(base.saturating_mul(32)),
            );
        }
        options
    }
}

/// Runs the command, writing its result to `out`; `current` follows the file being
/// downloaded.
pub(super) async fn run(
    cli: &Cli,
    out: &mut impl Write,
    current: &CurrentPart,
) -> Result<(), Failure> {
    #[cfg(feature = "sandbox")]
    if let Target::Sandbox(SandboxArgs {
        command: SandboxCommand::Instances { json },
    }) = &cli.target
    {
        return write_instances(out, None, *json).map_err(Failure::Output);
    }
    if let Target::Verify(args) = &cli.target {
        return super::verify::run(&args.paths, args.json, out);
    }
    if let Target::Extract(args) = &cli.target {
        return super::extract::run(args, out).await;
    }
    let context = Context::new(&cli.global)?;
    if let Target::Sync(args) = &cli.target {
        return super::sync::run(&context, &cli.global, args, out, current).await;
    }
    if let Target::Audit(args) = &cli.target {
        return super::audit::run(&context, args, out).await;
    }
    if let Target::All(AllArgs {
        command: AllCommand::List { instances, json },
    }) = &cli.target
    {
        return list_all(&context, instances, *json, out).await;
    }
    let Some((provider, command)) = cli.target.provider() else {
        return Ok(());
    };
    // A command the provider lacks fails at once, before any credential is read: the
    // project id is looked up only for a command that will call the provider.
    let options = match command.capability() {
        Some(capability) if cloud_backup::service::require(provider, capability).is_err() => {
            context.options(provider)
        }
        Some(_) | None if matches!(command, Command::Whoami { .. }) => context.options(provider),
        _ => context.resolved_options(provider).await?,
    };
    let cloud = |error| Failure::Cloud(provider, error);
    match command {
        Command::List {
            instance,
            all_instances,
            json,
        } => match instance {
            Some(instance) if !*all_instances => {
                let backups = cloud_backup::list_backups(provider, &options, instance)
                    .await
                    .map_err(cloud)?;
                write_as(out, *json, &backups, |out, value| {
                    write_table(out, value, false)
                })?;
            }
            _ => {
                let (backups, partial) =
                    every_instance(provider, &options, |client, instance| async move {
                        client.list_backups(&instance).await
                    })
                    .await?;
                write_as(out, *json, &backups, |out, value| {
                    write_table(out, value, true)
                })?;
                finish_partial(out, partial)?;
            }
        },
        Command::Binlogs {
            instance,
            all_instances,
            since,
            until,
            json,
        } => {
            let until = until.unwrap_or_else(time::OffsetDateTime::now_utc);
            let since = since.unwrap_or(until - time::Duration::days(7));
            let (files, partial) = match instance {
                Some(instance) if !*all_instances => (
                    cloud_backup::list_log_files(provider, &options, instance, since, until)
                        .await
                        .map_err(cloud)?,
                    false,
                ),
                _ => {
                    cloud_backup::service::require(provider, Capability::ListLogBackups)
                        .map_err(cloud)?;
                    every_instance(provider, &options, |client, instance| async move {
                        client.list_log_files(&instance, since, until).await
                    })
                    .await?
                }
            };
            if *json {
                write_json(out, &files)?;
            } else {
                write_log_files(out, &files, instance.is_none() || *all_instances)?;
            }
            finish_partial(out, partial)?;
        }
        Command::DownloadBinlogs {
            instance,
            since,
            until,
            out: path,
            force,
            verify_content,
            connections,
            quiet,
            json,
        } => {
            let until = until.unwrap_or_else(time::OffsetDateTime::now_utc);
            let download = download_options(
                &cli.global,
                *force,
                *verify_content,
                !*quiet && io::stderr().is_terminal(),
                current,
            )
            .with_connections(connections.map_or(cloud_http::DEFAULT_CONNECTIONS, usize::from));
            let files = cloud_backup::download_log_files(
                provider, &options, instance, *since, until, path, &download,
            )
            .await
            .map_err(cloud)?;
            write_as(out, *json, &files, |out, value| {
                write_downloaded(out, value)
            })?;
        }
        Command::DownloadUrl {
            instance,
            backup,
            json,
        } => {
            let links = cloud_backup::download_links(provider, &options, instance, backup)
                .await
                .map_err(cloud)?;
            write_as(out, *json, &links, |out, value| write_urls(out, value))?;
        }
        Command::Download {
            instance,
            backup,
            out: file,
            extract,
            force,
            verify_content,
            connections,
            quiet,
            json,
        } => {
            let Some(path) = file.as_ref().or(extract.as_ref()) else {
                return Err(Failure::Refused(
                    "download needs --out or --extract".to_owned(),
                ));
            };
            let download = download_options(
                &cli.global,
                *force,
                *verify_content,
                !*quiet && io::stderr().is_terminal(),
                current,
            )
            .with_connections(connections.map_or(cloud_http::DEFAULT_CONNECTIONS, usize::from))
            .with_extract(extract.is_some());
            let files =
                cloud_backup::download(provider, &options, instance, backup, path, &download)
                    .await
                    .map_err(cloud)?;
            write_as(out, *json, &files, |out, value| {
                write_downloaded(out, value)
            })?;
        }
        Command::Whoami { json } => {
            let mut identity = cloud_backup::whoami(provider, &options)
                .await
                .map_err(cloud)?;
            if context.in_sandbox() {
                identity.source = "the sandbox's demo credentials (--sandbox)".to_owned();
            }
            write_as(out, *json, &identity, |out, value| {
                super::output::write_identity(out, value)
            })?;
        }
        Command::Instances { json } => {
            let instances = cloud_backup::list_instances(provider, &options)
                .await
                .map_err(cloud)?;
            write_as(out, *json, &instances, |out, value| {
                write_instance_table(out, value)
            })?;
        }
        Command::CreateBackup {
            instance,
            name,
            wait,
            wait_timeout,
            wait_interval,
            json,
        } => {
            let client = Client::new(provider, &options).map_err(cloud)?;
            let name = name.clone().unwrap_or_else(default_backup_name);
            let created = client.create_backup(instance, &name).await.map_err(cloud)?;
            if !*wait {
                write_as(out, *json, &created, |out, value| write_created(out, value))?;
                return Ok(());
            }
            let interval = wait_interval.unwrap_or(if context.in_sandbox() {
                Duration::from_secs(1)
            } else {
                Duration::from_secs(10)
            });
            let mut options = cloud_backup::WaitOptions::new().with_interval(interval);
            if let Some(timeout) = wait_timeout {
                options = options.with_timeout(*timeout);
            }
            let spinner = waiting_spinner(&created);
            let finished = client
                .wait_for_backup(&created, options, |look| spinner.show(look))
                .await;
            spinner.finish();
            let backup = finished.map_err(cloud)?;
            if *json {
                write_json(
                    out,
                    &serde_json::json!({"created": created, "backup": backup}),
                )?;
            } else {
                write_finished(out, &backup)?;
            }
        }
        Command::DeleteBackup {
            instance,
            backup,
            yes,
        } => {
            if !*yes {
                confirm_delete(provider, instance, backup).await?;
            }
            cloud_backup::Client::new(provider, &options)
                .map_err(cloud)?
                .delete_backup(instance, backup)
                .await
                .map_err(cloud)?;
            writeln!(out, "deleted backup {backup} of instance {instance}")?;
        }
        Command::RestoreWindow { instance, json } => {
            let window = cloud_backup::restore_window(provider, &options, instance)
                .await
                .map_err(cloud)?;
            write_as(out, *json, &window, |out, value| {
                write_restore_window(out, value)
            })?;
        }
        Command::Policy { instance, json } => {
            let policy = cloud_backup::backup_policy(provider, &options, instance)
                .await
                .map_err(cloud)?;
            write_as(out, *json, &policy, |out, value| write_policy(out, value))?;
        }
    }
    Ok(())
}

/// The download settings of the command line: `--force`, the timeouts and attempts, progress
/// bars, the file under way (for Ctrl-C), and the test-only backoff of [`RETRY_BASE_ENV`].
pub(super) fn download_options(
    global: &Global,
    force: bool,
    verify_content: bool,
    progress: bool,
    current: &CurrentPart,
) -> DownloadOptions {
    let mut options = DownloadOptions::new()
        .with_overwrite(force)
        .with_verify_content(verify_content);
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

/// `all list`: every configured provider's backups, one output.
/// The default name of a manual backup: `cloud-backup-<UTC yyyymmddHHMMSS>`, which every
/// provider's naming rules accept.
fn default_backup_name() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "cloud-backup-{:04}{:02}{:02}{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// Asks on the terminal before a delete; refuses without a terminal (--yes is needed then).
async fn confirm_delete(provider: Provider, instance: &str, backup: &str) -> Result<(), Failure> {
    if !io::stdin().is_terminal() {
        return Err(Failure::Refused(format!(
            "delete-backup asks for confirmation on a terminal, and there is none: add --yes \
             to delete backup {backup} of instance {instance}"
        )));
    }
    let question = format!(
        "Delete backup {backup} of {provider} instance {instance}? This cannot be undone. [y/N] "
    );
    let answer = tokio::task::spawn_blocking(move || {
        eprint!("{question}");
        let _ = io::stderr().flush();
        let mut line = String::new();
        io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| Failure::Output(io::Error::other(e)))??;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::Declined(format!(
            "not deleted: backup {backup} of instance {instance} is kept"
        )))
    }
}

/// `list --all-instances`, `binlogs --all-instances`: the account's instances, then `call`
/// for each, 8 at a time; an instance that fails is reported on stderr and makes the result's
/// flag true (exit status 3), the records of the others are returned.
async fn every_instance<T, F, Fut>(
    provider: Provider,
    options: &Options,
    call: F,
) -> Result<(Vec<T>, bool), Failure>
where
    F: Fn(Client, String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, cloud_backup::Error>>,
{
    let cloud = |error| Failure::Cloud(provider, error);
    let client = Client::new(provider, options).map_err(cloud)?;
    let instances = client.list_instances().await.map_err(cloud)?;
    let targets: Vec<(Client, String)> = instances
        .into_iter()
        .filter(|instance| !instance.instance_id.is_empty())
        .map(|instance| (client.clone(), instance.instance_id))
        .collect();
    let mut partial = false;
    let mut records = Vec::new();
    for listing in cloud_backup::fleet::each_instance(&targets, 0, call).await {
        match listing.result {
            Ok(listed) => records.extend(listed),
            Err(error) => {
                eprintln!(
                    "error: {provider} instance {}: {}",
                    listing.instance_id,
                    one_line(&error.to_string())
                );
                partial = true;
            }
        }
    }
    Ok((records, partial))
}

/// Ends a fleet-wide command: exit status 3 when an instance failed (what was listed is
/// already printed).
fn finish_partial(out: &mut impl Write, partial: bool) -> Result<(), Failure> {
    if partial {
        out.flush()?;
        return Err(Failure::Partial);
    }
    Ok(())
}

pub(super) async fn list_all(
    context: &Context<'_>,
    instances: &[InstanceArg],
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    // Something the user asked for by name did not happen: exit with EXIT_PARTIAL.
    let mut partial = false;
    for given in instances {
        if !cloud_backup::is_enabled(given.provider) {
            eprintln!(
                "note: skipping {}: this build of cloud-backup does not include it",
                given.provider
            );
            partial = true;
        }
    }
    // With --sandbox and no --instance, every provider's demo instance.
    let demo = context.in_sandbox() && instances.is_empty();
    let mut targets: Vec<(Client, String)> = Vec::new();
    for provider in cloud_backup::enabled_providers() {
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
        let options = match context.resolved_options(provider).await {
            Ok(options) => options,
            Err(_) => context.options(provider),
        };
        match Client::new(provider, &options) {
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
                targets.extend(ids.into_iter().map(|id| (client.clone(), id)));
            }
        }
    }
    let results = cloud_backup::fleet::list_instances(&targets, 0).await;
    let tried = results.len();
    let mut backups = Vec::new();
    for listing in results {
        match listing.result {
            Ok(listed) => backups.extend(listed),
            Err(error) => {
                eprintln!("{}", error_line(listing.provider, &error));
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
    write_as(out, json, &backups, |out, value| {
        write_table(out, value, true)
    })?;
    if partial {
        out.flush()?;
        return Err(Failure::Partial);
    }
    Ok(())
}

/// `sandbox serve`: the banner, then serve until Ctrl-C.
#[cfg(feature = "sandbox")]
pub(super) async fn serve(
    port: u16,
    faults: cloud_backup::sandbox::Faults,
    fleet: u32,
) -> ExitCode {
    use cloud_backup::sandbox::{Sandbox, SandboxConfig};
    let armed = (!faults.is_empty()).then(|| format!("{faults:?}"));
    let config = SandboxConfig::default()
        .with_port(port)
        .with_faults(faults)
        .with_fleet(fleet as usize);
    let sandbox = match Sandbox::start(config) {
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
