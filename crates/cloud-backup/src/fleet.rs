//! Many instances at once: [`list_instances`] lists their backups and [`list_log_files`]
//! their log files concurrently, with a bound ([`each_instance`] does any call), each result
//! apart, so one failure never hides the others.

use std::future::Future;

use futures::StreamExt;
use time::OffsetDateTime;

use crate::{Backup, Client, Error, LogFile, Provider};

/// The concurrency [`list_instances`] uses when asked for 0.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// One instance's answer: which instance of which provider, and what came back (by default
/// its backups).
#[derive(Debug)]
#[non_exhaustive]
pub struct InstanceListing<T = Vec<Backup>> {
    /// The provider.
    pub provider: Provider,
    /// The instance.
    pub instance_id: String,
    /// Its records, or why they could not be listed.
    pub result: Result<T, Error>,
}

/// The backups of every `(client, instance)` in `targets`, at most `concurrency` listings at
/// a time (0: [`DEFAULT_CONCURRENCY`]), in the order of `targets`. Each client's own retries
/// (with backoff on the providers' throttling answers) apply to each listing.
///
/// ```
/// use cloud_backup::fleet::list_instances;
/// use cloud_backup::service::{BackupService, BoxFuture};
/// use cloud_backup::{Backup, Client, DownloadLink, Error, Provider};
///
/// struct Fake;
/// impl BackupService for Fake {
///     fn provider(&self) -> Provider { Provider::AliyunRds }
///     fn list_backups<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Vec<Backup>, Error>> {
///         Box::pin(async move {
///             if id == "gone" { return Err(Error::config("no such instance")); }
///             Ok(vec![Backup::new(Provider::AliyunRds, id, "1")])
///         })
///     }
///     fn download_links<'a>(&'a self, _: &'a str, _: &'a str) -> BoxFuture<'a, Result<Vec<DownloadLink>, Error>> {
///         Box::pin(async { Ok(Vec::new()) })
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let client = Client::from_service(Fake);
/// let targets = [(client.clone(), "rm-1".to_owned()), (client, "gone".to_owned())];
/// let listed = list_instances(&targets, 4).await;
/// assert_eq!(listed[0].instance_id, "rm-1");
/// assert!(listed[0].result.is_ok());
/// assert!(listed[1].result.is_err());
/// # });
/// ```
pub async fn list_instances(
    targets: &[(Client, String)],
    concurrency: usize,
) -> Vec<InstanceListing> {
    each_instance(targets, concurrency, |client, instance_id| async move {
        client.list_backups(&instance_id).await
    })
    .await
}

/// The log files of every `(client, instance)` in `targets` overlapping `since`..`until`
/// (see [`Client::list_log_files`]), at most `concurrency` listings at a time (0:
/// [`DEFAULT_CONCURRENCY`]), in the order of `targets`.
pub async fn list_log_files(
    targets: &[(Client, String)],
    since: OffsetDateTime,
    until: OffsetDateTime,
    concurrency: usize,
) -> Vec<InstanceListing<Vec<LogFile>>> {
    each_instance(targets, concurrency, |client, instance_id| async move {
        client.list_log_files(&instance_id, since, until).await
    })
    .await
}

/// `call(client, instance)` for every `(client, instance)` in `targets`, at most
/// `concurrency` at a time (0: [`DEFAULT_CONCURRENCY`]), the answers in the order of
/// `targets`.
pub async fn each_instance<T, F, Fut>(
    targets: &[(Client, String)],
    concurrency: usize,
    call: F,
) -> Vec<InstanceListing<T>>
where
    F: Fn(Client, String) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let concurrency = if concurrency == 0 {
        DEFAULT_CONCURRENCY
    } else {
        concurrency
    };
    let call = &call;
    futures::stream::iter(targets.iter().map(|(client, instance_id)| async move {
        InstanceListing {
            provider: client.provider(),
            instance_id: instance_id.clone(),
            result: call(client.clone(), instance_id.clone()).await,
        }
    }))
    .buffered(concurrency)
    .collect()
    .await
}
