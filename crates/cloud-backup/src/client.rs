//! [`Client`]: one provider's client behind one interface, for several calls.

use std::fmt;
use std::path::Path;

use std::sync::Arc;

use crate::manual::{CreatedBackup, Progress, WaitOptions};
use crate::service::{BackupService, connect};
use crate::transfer::{LinkSource, Target, download_files_with, fetch_into, http_client};
use crate::{
    Backup, BackupPolicy, DownloadLink, DownloadOptions, DownloadedFile, Error, Instance, Options,
    Provider, RestoreWindow,
};

/// One provider's client behind the same three calls for every service: list the backups of
/// an instance, get the download links of a backup, download it.
///
/// Build it once with [`Client::new`] (credentials from [`Options::credentials`], else the
/// environment) or from a provider crate's client you configured yourself (`From`), then make
/// as many calls as needed; it keeps the provider client's connection pool. The free
/// functions [`list_backups`](crate::list_backups), [`download_links`](crate::download_links)
/// and [`download`](crate::download) do the same for one call each.
///
/// ```no_run
/// use cloud_backup::{Client, DownloadOptions, Options, Provider};
///
/// # async fn run() -> Result<(), cloud_backup::Error> {
/// let client = Client::new(Provider::AliyunRds, &Options::new().with_region("cn-hangzhou"))?;
/// let backups = client.list_backups("rm-uf6wjk5xxxxxxx").await?;
/// if let Some(newest) = backups.first() {
///     let files = client
///         .download("rm-uf6wjk5xxxxxxx", &newest.backup_id, "backups/".as_ref(), &DownloadOptions::new())
///         .await?;
///     println!("{} {} bytes sha256 {}", files[0].path.display(), files[0].bytes, files[0].sha256);
/// }
/// # Ok(())
/// # }
/// ```
///
/// A provider whose cargo feature is off cannot be built: [`Client::new`] fails with a
/// configuration error naming the feature.
#[derive(Clone)]
pub struct Client {
    pub(crate) service: Arc<dyn BackupService>,
}

impl Client {
    /// A client of `provider` with `options`: its credentials ([`Options::credentials`], else
    /// the provider's environment chain), region, endpoint, (Huawei Cloud) project id,
    /// timeouts and attempts ([`connect`]).
    ///
    /// Fails with a [`Config`](cloud_http::ErrorKind::Config) error when the credentials (or,
    /// for Huawei Cloud, the project id or region) are missing, or when the provider's cargo
    /// feature is off. Nothing is sent.
    pub fn new(provider: Provider, options: &Options) -> Result<Self, Error> {
        Ok(Self {
            service: connect(provider, options)?,
        })
    }

    /// A client of any [`BackupService`]: one of the client crates' clients configured by
    /// hand (also through `From`), or a service of your own.
    pub fn from_service(service: impl BackupService + 'static) -> Self {
        Self {
            service: Arc::new(service),
        }
    }

    /// The service this client talks to.
    pub fn provider(&self) -> Provider {
        self.service.provider()
    }

    /// The account's MySQL instances (in the region of the options, where the provider has
    /// regions), all pages, each once: Capital Online `DescribeDBInstances`, Alibaba Cloud
    /// `DescribeDBInstances` (`Engine=MySQL`), Huawei Cloud RDS `ListInstances`
    /// (`datastore_type=MySQL`), GaussDB for MySQL `ListGaussMySqlInstancesUnifyStatus`.
    pub async fn list_instances(&self) -> Result<Vec<Instance>, Error> {
        self.service.list_instances().await
    }

    /// The automated backup policy of `instance_id`: Alibaba Cloud `DescribeBackupPolicy`,
    /// Huawei Cloud `ShowBackupPolicy` / `ShowGaussMySqlBackupPolicy`; an error for Capital
    /// Online, which has no API that reads it.
    pub async fn backup_policy(&self, instance_id: &str) -> Result<BackupPolicy, Error> {
        self.service.backup_policy(instance_id).await
    }

    /// The time ranges a point-in-time restore of `instance_id` can reach: Alibaba Cloud
    /// `DescribeLocalAvailableRecoveryTime` (one range), Huawei Cloud `ListRestoreTimes` /
    /// `ShowBackupRestoreTime` (several when log backups have a gap); an error for Capital
    /// Online, which has no API for it.
    pub async fn restore_window(&self, instance_id: &str) -> Result<RestoreWindow, Error> {
        self.service.restore_window(instance_id).await
    }

    /// Starts a manual backup of `instance_id` named `name`: Capital Online `CreateBackup`
    /// (a physical backup; the name becomes its description), Alibaba Cloud `CreateBackup`,
    /// Huawei Cloud `CreateManualBackup` / `CreateGaussMySqlBackup`. Never repeated after a
    /// failure that may have reached the service: on such an error, list the backups before
    /// trying again.
    pub async fn create_backup(
        &self,
        instance_id: &str,
        name: &str,
    ) -> Result<CreatedBackup, Error> {
        self.service.create_backup(instance_id, name).await
    }

    /// Follows `created` until it is done, looking every `options.interval`: the finished
    /// backup, as `list` shows it. An error when the provider reports it failed, and a
    /// [`Timeout`](cloud_http::ErrorKind::Timeout) error after `options.timeout` (the backup
    /// may still finish). `progress` is told of every look.
    pub async fn wait_for_backup(
        &self,
        created: &CreatedBackup,
        options: WaitOptions,
        mut progress: impl FnMut(&Progress),
    ) -> Result<Backup, Error> {
        let deadline = tokio::time::Instant::now() + options.timeout;
        let mut created = created.clone();
        loop {
            let look = self.service.backup_progress(&created).await?;
            progress(&look);
            match look {
                Progress::Done(backup) => return Ok(*backup),
                Progress::Running { backup_id, .. } => {
                    if created.backup_id.is_none() {
                        created.backup_id = backup_id;
                    }
                }
            }
            if tokio::time::Instant::now() + options.interval > deadline {
                return Err(Error::timeout(format!(
                    "the backup of instance {} did not finish within {} s; it may still \
                     finish: list the backups later",
                    created.instance_id,
                    options.timeout.as_secs()
                )));
            }
            tokio::time::sleep(options.interval).await;
        }
    }

    /// Deletes backup `backup_id` of `instance_id`: Capital Online and Alibaba Cloud
    /// `DeleteBackup`, Huawei Cloud `DeleteManualBackup` / `DeleteGaussMySqlBackup` (manual
    /// backups only). Never repeated after a failure that may have reached the service.
    pub async fn delete_backup(&self, instance_id: &str, backup_id: &str) -> Result<(), Error> {
        self.service.delete_backup(instance_id, backup_id).await
    }

    /// Every backup of `instance_id`, all pages, each backup once (see
    /// [`list_backups`](crate::list_backups)).
    pub async fn list_backups(&self, instance_id: &str) -> Result<Vec<Backup>, Error> {
        self.service.list_backups(instance_id).await
    }

    /// The download links of backup `backup_id` of `instance_id`, one per file (see
    /// [`download_links`](crate::download_links)); always an error for GaussDB for MySQL,
    /// which has no download-link API.
    pub async fn download_links(
        &self,
        instance_id: &str,
        backup_id: &str,
    ) -> Result<Vec<DownloadLink>, Error> {
        self.service.download_links(instance_id, backup_id).await
    }

    /// Downloads backup `backup_id` of `instance_id` to `out`: its download links, then each
    /// file, verified (see [`download_files`](crate::download_files) for where files go and
    /// what is checked). A link that expires during the download is replaced by asking the
    /// API again (at most 3 times per file), and the download resumes.
    pub async fn download(
        &self,
        instance_id: &str,
        backup_id: &str,
        out: &Path,
        options: &DownloadOptions,
    ) -> Result<Vec<DownloadedFile>, Error> {
        let http = http_client(options)?;
        let links = self.download_links(instance_id, backup_id).await?;
        let source = self.link_source(instance_id, backup_id);
        download_files_with(&http, &links, out, options, Some(source), false).await
    }

    /// The files of backup `backup_id` into `target` through `http`, each verified: a local
    /// directory (a complete file already there is kept) or an object store (each file
    /// streamed into an upload completed only once verified).
    pub(crate) async fn fetch_backup(
        &self,
        http: &reqwest::Client,
        instance_id: &str,
        backup_id: &str,
        target: &Target<'_>,
        options: &DownloadOptions,
    ) -> Result<Vec<DownloadedFile>, Error> {
        let links = self.download_links(instance_id, backup_id).await?;
        let source = self.link_source(instance_id, backup_id);
        fetch_into(http, &links, target, options, Some(source)).await
    }

    /// Fresh links of backup `backup_id`, from the API, for links that expire mid-transfer.
    fn link_source(&self, instance_id: &str, backup_id: &str) -> LinkSource {
        let client = self.clone();
        let (instance, backup) = (instance_id.to_owned(), backup_id.to_owned());
        let source: LinkSource = Arc::new(move || {
            let client = client.clone();
            let (instance, backup) = (instance.clone(), backup.clone());
            Box::pin(async move { client.download_links(&instance, &backup).await })
        });
        source
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.provider())
            .finish_non_exhaustive()
    }
}

/// A client crate's client (`aliyun_rds::Client`, ...), or any other [`BackupService`].
impl<S: BackupService + 'static> From<S> for Client {
    fn from(service: S) -> Self {
        Self::from_service(service)
    }
}
