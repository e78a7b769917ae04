//! The client: builds, signs and sends each operation.

use std::sync::Arc;

use cloud_http::{AttemptContext, RawResponse, Transport};
use cloud_signer::Credentials;
use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
use serde::de::DeserializeOwned;

use crate::config::SERVICE_PATH;
use crate::{
    Config, DescribeBackupsRequest, DescribeBackupsResponse, DownloadBackupRequest,
    DownloadBackupResponse, Result,
};

/// A client of the Capital Online MySQL backup API.
///
/// Cloning is cheap and shares the connection pool. Every operation is a `GET` of
/// `<endpoint>/mysql/?<query>` whose query holds `Action`, `Version` (`2019-08-08`), the
/// action's parameters, the signature's common parameters and `Signature`, signed with the
/// Capital Online flavour of the RPC HMAC-SHA1 signature. Each attempt (retries included) is
/// signed afresh with a new timestamp and nonce.
///
/// A response is an error when its HTTP status is 400 or more **or** its `Code` is not
/// `Success`, even with HTTP 200; the [`Error`](crate::Error) then carries the provider's code,
/// message and request id (`cds-request-id` header).
///
/// ```no_run
/// use capitalonline_mysql::Client;
///
/// # async fn run() -> capitalonline_mysql::Result<()> {
/// let client = Client::from_env()?; // CDS_SECRET_ID, CDS_SECRET_KEY
/// let backups = client.describe_backups("0f3c5b4e-1234-4abc-9def-0123456789ab").await?;
/// for backup in &backups.data {
///     println!("{:?} {:?} {:?}", backup.backup_id, backup.status, backup.backup_size);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    credentials: Credentials,
    /// `<endpoint>/mysql/`.
    base_url: String,
}

impl Client {
    /// A client with `config`.
    ///
    /// Fails with a [`Config`](crate::ErrorKind::Config) error when the HTTP settings are
    /// invalid (no attempt allowed, a zero timeout) or the TLS backend cannot start.
    pub fn new(config: Config) -> Result<Self> {
        let Config {
            credentials,
            endpoint,
            http,
        } = config;
        let transport =
            Transport::new(http, crate::ERROR_FORMAT)?.with_service_name("capitalonline-mysql");
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                credentials,
                base_url: format!("{endpoint}{SERVICE_PATH}"),
            }),
        })
    }

    /// A client with the credentials of `CDS_SECRET_ID` and `CDS_SECRET_KEY` and the default
    /// endpoint and settings; see [`Config::from_env`].
    pub fn from_env() -> Result<Self> {
        Self::new(Config::from_env()?)
    }

    /// `DescribeBackups`: the backup sets of the instance `instance_uuid`.
    pub async fn describe_backups(&self, instance_uuid: &str) -> Result<DescribeBackupsResponse> {
        let request = DescribeBackupsRequest::new(instance_uuid);
        self.call_json(
            DescribeBackupsRequest::ACTION,
            DescribeBackupsRequest::VERSION,
            request.query_params(),
        )
        .await
    }

    /// [`describe_backups`](Self::describe_backups), returning the response as received
    /// (status, headers, body) instead of decoding it. Errors are still mapped: an error status
    /// or a `Code` other than `Success` is an [`Error`](crate::Error).
    pub async fn describe_backups_raw(&self, instance_uuid: &str) -> Result<RawResponse> {
        let request = DescribeBackupsRequest::new(instance_uuid);
        self.call(
            DescribeBackupsRequest::ACTION,
            DescribeBackupsRequest::VERSION,
            request.query_params(),
        )
        .await
    }

    /// `DownloadBackup`: the download addresses (public and intranet) of the backup set
    /// `backup_id` of the instance `instance_uuid`.
    pub async fn download_backup(
        &self,
        instance_uuid: &str,
        backup_id: &str,
    ) -> Result<DownloadBackupResponse> {
        let request = DownloadBackupRequest::new(instance_uuid, backup_id);
        self.call_json(
            DownloadBackupRequest::ACTION,
            DownloadBackupRequest::VERSION,
            request.query_params(),
        )
        .await
    }

    /// [`download_backup`](Self::download_backup), returning the response as received.
    /// Errors are still mapped.
    pub async fn download_backup_raw(
        &self,
        instance_uuid: &str,
        backup_id: &str,
    ) -> Result<RawResponse> {
        let request = DownloadBackupRequest::new(instance_uuid, backup_id);
        self.call(
            DownloadBackupRequest::ACTION,
            DownloadBackupRequest::VERSION,
            request.query_params(),
        )
        .await
    }

    /// The endpoint and path requests go to: `<endpoint>/mysql/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    async fn call(
        &self,
        action: &'static str,
        version: &'static str,
        params: Vec<(&'static str, String)>,
    ) -> Result<RawResponse> {
        self.inner
            .transport
            .send(action, |attempt| {
                self.inner.build(action, version, &params, attempt)
            })
            .await
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        action: &'static str,
        version: &'static str,
        params: Vec<(&'static str, String)>,
    ) -> Result<T> {
        self.inner
            .transport
            .send_json(action, |attempt| {
                self.inner.build(action, version, &params, attempt)
            })
            .await
    }
}

impl Inner {
    /// Builds and signs one attempt: a `GET` with every parameter in the query. `version` is
    /// the operation's (`2019-08-08`, the same as [`rpc::CAPITAL_ONLINE_VERSION`]).
    fn build(
        &self,
        action: &str,
        version: &str,
        params: &[(&'static str, String)],
        attempt: &AttemptContext,
    ) -> Result<reqwest::Request> {
        let request = params.iter().fold(
            RpcRequest::new("GET")
                .with_param("Action", action)
                .with_param("Version", version),
            |request, (name, value)| request.with_param(*name, value.as_str()),
        );
        let signed = rpc::sign(
            RpcFlavor::CapitalOnline,
            &request,
            &self.credentials,
            attempt.timestamp,
            &attempt.nonce,
        );
        let url = format!("{}?{}", self.base_url, signed.query_string());
        Ok(self.transport.http_client().get(url).build()?)
    }
}
