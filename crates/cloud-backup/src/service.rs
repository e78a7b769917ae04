//! The provider seam: [`BackupService`], implemented once by each provider module for its
//! client crate's `Client`, and [`connect`], the one place where a [`Provider`] is turned
//! into a service. [`Client`](crate::Client), the free functions and the command line all go
//! through it.
//!
//! Adding a provider is one module (its `client(&Options)`, the record conversions and an
//! `impl BackupService`) plus one arm in [`connect`] and a variant of [`Provider`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cloud_provider::Capability;

use time::OffsetDateTime;

use crate::manual::Progress;
use crate::{
    Backup, BackupPolicy, CreatedBackup, DownloadLink, Error, Instance, LogFile, Options, Provider,
    RestoreWindow,
};

/// A boxed future that can be sent between threads: what [`BackupService`]'s methods return,
/// so that services can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One provider's backups behind the operations every service offers.
///
/// Implemented for each client crate's `Client` (`aliyun_rds::Client`, ...) by this crate, and
/// open to others: a [`Client`](crate::Client) can be made from any implementation
/// ([`Client::from_service`](crate::Client::from_service)).
///
/// ```
/// use cloud_backup::service::{BackupService, BoxFuture};
/// use cloud_backup::{Backup, Client, DownloadLink, Error, Provider};
///
/// /// A service that knows one backup, for tests.
/// struct OneBackup;
///
/// impl BackupService for OneBackup {
///     fn provider(&self) -> Provider {
///         Provider::AliyunRds
///     }
///     fn list_backups<'a>(&'a self, instance_id: &'a str) -> BoxFuture<'a, Result<Vec<Backup>, Error>> {
///         Box::pin(async move { Ok(vec![Backup::new(Provider::AliyunRds, instance_id, "1")]) })
///     }
///     fn download_links<'a>(
///         &'a self,
///         _instance_id: &'a str,
///         _backup_id: &'a str,
///     ) -> BoxFuture<'a, Result<Vec<DownloadLink>, Error>> {
///         Box::pin(async { Err(Error::config("no links here")) })
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let client = Client::from_service(OneBackup);
/// assert_eq!(client.list_backups("rm-1").await?.len(), 1);
/// # Ok::<(), Error>(())
/// # }).unwrap();
/// ```
pub trait BackupService: Send + Sync {
    /// The service.
    fn provider(&self) -> Provider;

    /// Every backup of `instance_id`, all pages, each backup once, newest first as the
    /// provider sends them; each record's `raw` is the provider's JSON as received.
    fn list_backups<'a>(
        &'a self,
        instance_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Backup>, Error>>;

    /// The download links of backup `backup_id` of `instance_id`: one per downloadable file.
    /// An error when the backup does not exist, cannot be downloaded now, or the service has
    /// no download API.
    fn download_links<'a>(
        &'a self,
        instance_id: &'a str,
        backup_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<DownloadLink>, Error>>;

    /// The account's MySQL instances (in the client's region, where the provider has
    /// regions), all pages, each once. The default is the error that the service lacks it.
    fn list_instances<'a>(&'a self) -> BoxFuture<'a, Result<Vec<Instance>, Error>> {
        let error = lacking(self.provider(), Capability::ListInstances);
        Box::pin(async move { Err(error) })
    }

    /// The automated backup policy of `instance_id`. The default is the error that the
    /// service lacks it.
    fn backup_policy<'a>(
        &'a self,
        instance_id: &'a str,
    ) -> BoxFuture<'a, Result<BackupPolicy, Error>> {
        let _ = instance_id;
        let error = lacking(self.provider(), Capability::ReadBackupPolicy);
        Box::pin(async move { Err(error) })
    }

    /// The time ranges a point-in-time restore of `instance_id` can reach. The default is
    /// the error that the service lacks it.
    fn restore_window<'a>(
        &'a self,
        instance_id: &'a str,
    ) -> BoxFuture<'a, Result<RestoreWindow, Error>> {
        let _ = instance_id;
        let error = lacking(self.provider(), Capability::RestoreWindow);
        Box::pin(async move { Err(error) })
    }

    /// The log (binlog) backup files of `instance_id` whose logs overlap `since`..`until`,
    /// oldest first; with `links`, each with its download URL (Huawei Cloud RDS asks for them
    /// file by file). The default is the error that the service lacks it.
    fn list_log_files<'a>(
        &'a self,
        instance_id: &'a str,
        since: OffsetDateTime,
        until: OffsetDateTime,
        links: bool,
    ) -> BoxFuture<'a, Result<Vec<LogFile>, Error>> {
        let _ = (instance_id, since, until);
        let capability = if links {
            Capability::DownloadLogBackups
        } else {
            Capability::ListLogBackups
        };
        let error = lacking(self.provider(), capability);
        Box::pin(async move { Err(error) })
    }

    /// Starts a manual backup of `instance_id` named `name` (where the provider takes a name;
    /// Capital Online keeps it as the description). Never repeated after a failure that may
    /// have reached the service. The default is the error that the service lacks it.
    fn create_backup<'a>(
        &'a self,
        instance_id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<CreatedBackup, Error>> {
        let _ = (instance_id, name);
        let error = lacking(self.provider(), Capability::CreateBackup);
        Box::pin(async move { Err(error) })
    }

    /// One look at a backup being made: still running, or done (with the backup). An error
    /// when it failed. The default is the error that the service lacks it.
    fn backup_progress<'a>(
        &'a self,
        created: &'a CreatedBackup,
    ) -> BoxFuture<'a, Result<Progress, Error>> {
        let _ = created;
        let error = lacking(self.provider(), Capability::CreateBackup);
        Box::pin(async move { Err(error) })
    }

    /// Deletes backup `backup_id` of `instance_id`. Never repeated after a failure that may
    /// have reached the service. The default is the error that the service lacks it.
    fn delete_backup<'a>(
        &'a self,
        instance_id: &'a str,
        backup_id: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let _ = (instance_id, backup_id);
        let error = lacking(self.provider(), Capability::DeleteBackup);
        Box::pin(async move { Err(error) })
    }
}

/// The error that `provider`'s API lacks `capability`: what is missing and what to do
/// instead, as a [`Config`](cloud_http::ErrorKind::Config) error (nothing was sent).
pub fn lacking(provider: Provider, capability: Capability) -> Error {
    match provider.lacks(capability) {
        Some(lack) => Error::config(format!("{}: {}", lack.why, lack.instead)),
        None => Error::config(format!(
            "{} is not available for {} in this build",
            capability.description(),
            provider.title()
        )),
    }
}

/// `Ok` when `provider`'s API offers `capability`, else the error [`lacking`] makes: for a
/// check before any credential is read or anything is sent.
pub fn require(provider: Provider, capability: Capability) -> Result<(), Error> {
    match provider.lacks(capability) {
        Some(_) => Err(lacking(provider, capability)),
        None => Ok(()),
    }
}

/// Implements [`BackupService`] for a client crate's `Client` from its module's async
/// functions, `list_backups_with(&Client, instance_id)` and `download_links_with(&Client,
/// instance_id, backup_id)`, and, where the provider offers them, the functions named after
/// `instances:` (`(&Client)`) and `policy:` (`(&Client, instance_id)`): each provider module
/// says e.g. `backup_service!(Client, PROVIDER, instances: list_instances_with);`.
#[cfg(any(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
macro_rules! backup_service {
    (
        $client:ty,
        $provider:expr
        $(, instances: $instances:path)?
        $(, policy: $policy:path)?
        $(, restore_window: $restore:path)?
        $(, manual: ($create:path, $progress:path, $delete:path))?
        $(, logs: $logs:path)?
        $(,)?
    ) => {
        /// The provider seam: this module's `list_backups_with` and `download_links_with`.
        impl $crate::service::BackupService for $client {
            fn provider(&self) -> $crate::Provider {
                $provider
            }

            fn list_backups<'a>(
                &'a self,
                instance_id: &'a str,
            ) -> $crate::service::BoxFuture<'a, Result<Vec<$crate::Backup>, $crate::Error>> {
                Box::pin(list_backups_with(self, instance_id))
            }

            fn download_links<'a>(
                &'a self,
                instance_id: &'a str,
                backup_id: &'a str,
            ) -> $crate::service::BoxFuture<'a, Result<Vec<$crate::DownloadLink>, $crate::Error>>
            {
                Box::pin(download_links_with(self, instance_id, backup_id))
            }

            $(
                fn list_instances<'a>(
                    &'a self,
                ) -> $crate::service::BoxFuture<'a, Result<Vec<$crate::Instance>, $crate::Error>> {
                    Box::pin($instances(self))
                }
            )?

            $(
                fn backup_policy<'a>(
                    &'a self,
                    instance_id: &'a str,
                ) -> $crate::service::BoxFuture<'a, Result<$crate::BackupPolicy, $crate::Error>> {
                    Box::pin($policy(self, instance_id))
                }
            )?

            $(
                fn restore_window<'a>(
                    &'a self,
                    instance_id: &'a str,
                ) -> $crate::service::BoxFuture<'a, Result<$crate::RestoreWindow, $crate::Error>> {
                    Box::pin($restore(self, instance_id))
                }
            )?

            $(
                fn create_backup<'a>(
                    &'a self,
                    instance_id: &'a str,
                    name: &'a str,
                ) -> $crate::service::BoxFuture<'a, Result<$crate::CreatedBackup, $crate::Error>> {
                    Box::pin($create(self, instance_id, name))
                }

                fn backup_progress<'a>(
                    &'a self,
                    created: &'a $crate::CreatedBackup,
                ) -> $crate::service::BoxFuture<'a, Result<$crate::manual::Progress, $crate::Error>> {
                    Box::pin($progress(self, created))
                }

                fn delete_backup<'a>(
                    &'a self,
                    instance_id: &'a str,
                    backup_id: &'a str,
                ) -> $crate::service::BoxFuture<'a, Result<(), $crate::Error>> {
                    Box::pin($delete(self, instance_id, backup_id))
                }
            )?

            $(
                fn list_log_files<'a>(
                    &'a self,
                    instance_id: &'a str,
                    since: time::OffsetDateTime,
                    until: time::OffsetDateTime,
                    links: bool,
                ) -> $crate::service::BoxFuture<'a, Result<Vec<$crate::LogFile>, $crate::Error>> {
                    Box::pin($logs(self, instance_id, since, until, links))
                }
            )?
        }
    };
}
#[cfg(any(
    feature = "capitalonline-mysql",
    feature = "aliyun-rds",
    feature = "huaweicloud-rds",
    feature = "huaweicloud-gaussdb"
))]
pub(crate) use backup_service;

/// The error for a download from `provider`, when its API has no download links (checked
/// before any credential is read).
pub(crate) fn downloadable(
    provider: Provider,
    instance_id: &str,
    backup_id: &str,
) -> Result<(), Error> {
    match provider.lacks(Capability::DownloadLinks) {
        Some(lack) => Err(Error::config(format!(
            "{}, so backup {backup_id} of instance {instance_id} cannot be downloaded from \
             here: {}",
            lack.why, lack.instead
        ))),
        None => Ok(()),
    }
}

/// The service of `provider` with `options`' credentials (else the provider's environment
/// chain), region, endpoint, project id, timeouts and attempts. The one place a provider is
/// chosen.
///
/// # Errors
///
/// A [`Config`](cloud_http::ErrorKind::Config) error when the credentials (or, for Huawei
/// Cloud, the project id or region) are missing, or when the provider's cargo feature is off.
#[cfg_attr(
    not(any(
        feature = "capitalonline-mysql",
        feature = "aliyun-rds",
        feature = "huaweicloud-rds",
        feature = "huaweicloud-gaussdb"
    )),
    allow(unused_variables, unreachable_code)
)]
pub fn connect(provider: Provider, options: &Options) -> Result<Arc<dyn BackupService>, Error> {
    Ok(match provider {
        #[cfg(feature = "capitalonline-mysql")]
        Provider::CapitalOnlineMysql => Arc::new(crate::capitalonline::client(options)?),
        #[cfg(feature = "aliyun-rds")]
        Provider::AliyunRds => Arc::new(crate::aliyun::client(options)?),
        #[cfg(feature = "huaweicloud-rds")]
        Provider::HuaweiCloudRds => Arc::new(crate::huawei_rds::client(options)?),
        #[cfg(feature = "huaweicloud-gaussdb")]
        Provider::HuaweiCloudGaussDb => Arc::new(crate::huawei_gaussdb::client(options)?),
        #[allow(unreachable_patterns)]
        other => return Err(crate::not_built(other)),
    })
}

/// `options` with the Huawei Cloud project id found through IAM — the project named after the
/// region, as the official SDKs find it — when neither the options, the environment nor the
/// credentials file give one and a region is known; other providers' options as they are.
///
/// # Errors
///
/// IAM's answer: an error, no project of that name, several. (Missing credentials are left
/// for the command to report.)
#[cfg_attr(
    not(any(feature = "huaweicloud-rds", feature = "huaweicloud-gaussdb")),
    allow(clippy::unused_async)
)]
pub async fn discover_project_id(
    provider: crate::Provider,
    options: crate::Options,
) -> Result<crate::Options, Error> {
    #[cfg(any(feature = "huaweicloud-rds", feature = "huaweicloud-gaussdb"))]
    if matches!(
        provider,
        crate::Provider::HuaweiCloudRds | crate::Provider::HuaweiCloudGaussDb
    ) && options.project_id.is_none()
    {
        // Missing credentials or settings are reported by the command itself, in its words.
        let base = match &options.credentials {
            Some(credentials) => huaweicloud_core::Config::new(credentials.clone(), ""),
            None => match huaweicloud_core::Config::from_env() {
                Ok(config) => config,
                Err(_) => return Ok(options),
            },
        };
        let Ok(config) = crate::common::huawei_config(base, &options) else {
            return Ok(options);
        };
        if config.project_id().is_none() && config.region().is_some() {
            let found = config.with_discovered_project_id().await?;
            let mut options = options;
            options.project_id = found.project_id().map(str::to_owned);
            return Ok(options);
        }
    }
    let _ = provider;
    Ok(options)
}
