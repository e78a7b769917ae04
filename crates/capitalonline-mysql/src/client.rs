//! The client: builds, signs and sends each operation.

use std::sync::Arc;

use cloud_http::{ApiRequest, AttemptContext, RawResponse, Transport};
use cloud_signer::Credentials;
use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};

use crate::config::SERVICE_PATH;
use crate::{
    Config, CreateBackupRequest, CreateBackupResponse, DeleteBackupRequest, DeleteBackupResponse,
    DescribeBackupsRequest, DescribeBackupsResponse, DescribeDBInstancesRequest,
    DescribeDBInstancesResponse, DownloadBackupRequest, DownloadBackupResponse, Result,
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
        self.call(&DescribeBackupsRequest::new(instance_uuid)).await
    }

    /// [`describe_backups`](Self::describe_backups), returning the response as received
    /// (status, headers, body) instead of decoding it. Errors are still mapped: an error status
    /// or a `Code` other than `Success` is an [`Error`](crate::Error).
    pub async fn describe_backups_raw(&self, instance_uuid: &str) -> Result<RawResponse> {
        self.call_raw(&DescribeBackupsRequest::new(instance_uuid))
            .await
    }

    /// `DownloadBackup`: the download addresses (public and intranet) of the backup set
    /// `backup_id` of the instance `instance_uuid`.
    pub async fn download_backup(
        &self,
        instance_uuid: &str,
        backup_id: &str,
    ) -> Result<DownloadBackupResponse> {
        self.call(&DownloadBackupRequest::new(instance_uuid, backup_id))
            .await
    }

    /// [`download_backup`](Self::download_backup), returning the response as received.
    /// Errors are still mapped.
    pub async fn download_backup_raw(
        &self,
        instance_uuid: &str,
        backup_id: &str,
    ) -> Result<RawResponse> {
        self.call_raw(&DownloadBackupRequest::new(instance_uuid, backup_id))
            .await
    }

    /// The endpoint and path requests go to: `<endpoint>/mysql/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sends any generated request ([`ApiRequest`]) and decodes its response. A create or
    /// a delete is not repeated after a failure that may have reached the service.
    pub async fn call<R: ApiRequest>(&self, request: &R) -> Result<R::Response> {
        let parts = RpcParts::of(request);
        self.inner
            .transport
            .send_json_with(parts.action, R::IDEMPOTENCY, |attempt| {
                self.inner.build(&parts, attempt)
            })
            .await
    }

    /// [`call`](Self::call), returning the response as received (errors are still mapped).
    pub async fn call_raw<R: ApiRequest>(&self, request: &R) -> Result<RawResponse> {
        let parts = RpcParts::of(request);
        self.inner
            .transport
            .send_with(parts.action, R::IDEMPOTENCY, |attempt| {
                self.inner.build(&parts, attempt)
            })
            .await
    }

    /// `DescribeDBInstances`: the account's MySQL instances (all of them: the API does not
    /// page), filtered by every set parameter.
    pub async fn describe_db_instances(
        &self,
        request: &DescribeDBInstancesRequest,
    ) -> Result<DescribeDBInstancesResponse> {
        self.call(request).await
    }

    /// `CreateBackup`: starts a manual backup (`BackupType` `physical-backup` or
    /// `logical-backup`). The answer carries a task ID, not the backup's ID. Not repeated
    /// after a failure that may have reached the service (there is no idempotency token).
    pub async fn create_backup(
        &self,
        request: &CreateBackupRequest,
    ) -> Result<CreateBackupResponse> {
        self.call(request).await
    }

    /// `DeleteBackup`: deletes a backup set. Not repeated after a failure that may have
    /// reached the service.
    pub async fn delete_backup(
        &self,
        request: &DeleteBackupRequest,
    ) -> Result<DeleteBackupResponse> {
        self.call(request).await
    }

    /// [`describe_db_instances`](Self::describe_db_instances), returning the response as
    /// received.
    pub async fn describe_db_instances_raw(
        &self,
        request: &DescribeDBInstancesRequest,
    ) -> Result<RawResponse> {
        self.call_raw(request).await
    }
}

/// What one request sends: its action and version, its method, the query parameters it
/// signs, and (for `POST`) the JSON body, which is not signed (providers.md 1.3).
struct RpcParts {
    action: &'static str,
    version: &'static str,
    method: &'static str,
    params: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
}

impl RpcParts {
    fn of<R: ApiRequest>(request: &R) -> Self {
        let members = request.body();
        let body = (R::METHOD == "POST").then(|| {
            let object: serde_json::Map<String, serde_json::Value> = members
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect();
            serde_json::Value::Object(object).to_string().into_bytes()
        });
        Self {
            action: R::ACTION.unwrap_or(R::OPERATION),
            version: R::VERSION.unwrap_or(rpc::CAPITAL_ONLINE_VERSION),
            method: R::METHOD,
            params: request.query(),
            body,
        }
    }
}

impl Inner {
    /// Builds and signs one attempt: a `GET` with every parameter in the query, or a `POST`
    /// whose query holds the signed common parameters and whose body is the JSON of the
    /// business parameters. The version is the operation's (`2019-08-08`, the same as
    /// [`rpc::CAPITAL_ONLINE_VERSION`]).
    fn build(&self, parts: &RpcParts, attempt: &AttemptContext) -> Result<reqwest::Request> {
        let request = parts.params.iter().fold(
            RpcRequest::new(parts.method)
                .with_param("Action", parts.action)
                .with_param("Version", parts.version),
            |request, (name, value)| request.with_param(*name, value.as_str()),
        );
        let signed = rpc::sign(
            RpcFlavor::CapitalOnline,
            &request,
            attempt.credentials.as_ref().unwrap_or(&self.credentials),
            attempt.timestamp,
            &attempt.nonce,
        );
        let url = format!("{}?{}", self.base_url, signed.query_string());
        let http = self.transport.http_client();
        let builder = match &parts.body {
            Some(body) => http
                .post(url)
                .header("Content-Type", "application/json")
                .body(body.clone()),
            None => http.get(url),
        };
        Ok(builder.build()?)
    }
}
