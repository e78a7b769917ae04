//! [`Client`]: signs and sends the RDS operations, and pages through backups.

use std::sync::Arc;

use cloud_http::{
    ApiRequest, AttemptContext, PageRequest, Paged, PagedRequest, Records, Transport,
    paginate_listing,
};
use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
use futures::Stream;
use serde::de::DeserializeOwned;

use crate::config::{Config, SignatureVersion};
use crate::{
    Backup, DescribeBackupsRequest, DescribeBackupsResponse, Error, RawResponse, Record, Result,
};
use cloud_http::Endpoint;

/// The ApsaraDB RDS API version, for a request whose model gives none (every model does).
const API_VERSION: &str = "2014-08-15";

/// The page sizes `DescribeBackups` accepts.
const PAGE_SIZES: [i64; 3] = [30, 50, 100];

/// The client of the ApsaraDB RDS API.
///
/// It holds one connection pool; cloning is cheap and shares it (and the configuration), so
/// build one and clone it where needed. Every operation retries throttling, unavailable
/// services and dropped connections as the [`HttpConfig`](crate::HttpConfig) says, and signs
/// every attempt afresh, with a new timestamp and nonce.
///
/// ```no_run
/// use aliyun_rds::{Client, Config, Credentials, DescribeBackupsRequest};
///
/// # async fn run() -> aliyun_rds::Result<()> {
/// let config = Config::new(Credentials::new("LTAI5t...", "...")).with_region("cn-shanghai");
/// let client = Client::new(config)?;
/// let page = client
///     .describe_backups(&DescribeBackupsRequest::new("rm-uf6wjk5xxxxxxx").with_page_size(30))
///     .await?;
/// println!("{:?} backups in all", page.total_record_count);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    endpoint: Endpoint,
    transport: Transport,
}

impl Client {
    /// A client for `config`, with its own connection pool.
    ///
    /// Fails with a [`Config`](crate::ErrorKind::Config) error when the HTTP settings are
    /// invalid (no attempt allowed, a zero timeout) or the TLS backend cannot start.
    pub fn new(config: Config) -> Result<Self> {
        let mut transport = Transport::new(config.http().clone(), crate::ERROR_FORMAT)?
            .with_service_name("aliyun-rds");
        if let Some(provider) = config.credential_provider() {
            transport = transport.with_credentials(provider.clone());
        }
        let endpoint = config.effective_endpoint()?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                endpoint,
                transport,
            }),
        })
    }

    /// A client configured from the environment: [`Config::from_env`], then [`Client::new`].
    pub fn from_env() -> Result<Self> {
        Self::new(Config::from_env()?)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// `DescribeBackups`: one page of the instance's data backup sets.
    ///
    /// The request is checked before anything is sent: an empty `DBInstanceId`, a `PageSize`
    /// other than 30, 50 or 100, a `PageNumber` below 1, or an `EndTime` not after `StartTime`
    /// (at the minute, as sent) is a [`Config`](crate::ErrorKind::Config) error.
    ///
    /// A service error (`{Code, Message, RequestId, HostId, Recommend}`) becomes an [`Error`]
    /// of kind [`Service`](crate::ErrorKind::Service) with the provider's code, message and
    /// request id ([`Error::extra_field`] has `HostId` and `Recommend`); a body that is not
    /// the expected JSON is a [`Decode`](crate::ErrorKind::Decode) error naming the JSON path
    /// or saying what arrived instead.
    pub async fn describe_backups(
        &self,
        request: &DescribeBackupsRequest,
    ) -> Result<DescribeBackupsResponse> {
        self.call_as(request, check_describe_backups).await
    }

    /// Sends `request` (any generated request: [`ApiRequest`]) after `check` accepts it, each
    /// attempt signed afresh, and decodes the body into `P`. A create or a delete is not
    /// repeated after a failure that may have reached the service.
    pub(crate) async fn call_as<R: ApiRequest, P: DeserializeOwned>(
        &self,
        request: &R,
        check: fn(&R) -> Result<()>,
    ) -> Result<P> {
        check(request)?;
        let (action, version, params) = rpc_parts(request);
        self.inner
            .transport
            .send_json_with(
                action,
                R::IDEMPOTENCY,
                self.builder(action, version, &params),
            )
            .await
    }

    /// [`call_as`](Self::call_as), the body left undecoded.
    pub(crate) async fn call_raw_checked<R: ApiRequest>(
        &self,
        request: &R,
        check: fn(&R) -> Result<()>,
    ) -> Result<RawResponse> {
        check(request)?;
        let (action, version, params) = rpc_parts(request);
        self.inner
            .transport
            .send_with(
                action,
                R::IDEMPOTENCY,
                self.builder(action, version, &params),
            )
            .await
    }

    /// Sends any generated request as it is (no checks beyond what the API does) and decodes
    /// its response: the way to an operation this crate has no method for yet.
    pub async fn call<R: ApiRequest>(&self, request: &R) -> Result<R::Response> {
        self.call_as(request, |_| Ok(())).await
    }

    /// [`call`](Self::call), returning the response as received.
    pub async fn call_raw<R: ApiRequest>(&self, request: &R) -> Result<RawResponse> {
        self.call_raw_checked(request, |_| Ok(())).await
    }

    /// [`describe_backups`](Self::describe_backups), returning the response as received
    /// (status, headers, body bytes) instead of decoding it, for tools that keep the provider's
    /// exact JSON. The request is checked and errors are mapped the same way; only a
    /// successful body is left undecoded.
    pub async fn describe_backups_raw(
        &self,
        request: &DescribeBackupsRequest,
    ) -> Result<RawResponse> {
        self.call_raw_checked(request, check_describe_backups).await
    }

    /// Every backup set matching `request`, over all pages, as a lazy stream: a page is fetched
    /// only when the previous one has been consumed.
    ///
    /// Paging starts at the request's `PageNumber` (default 1) with its `PageSize` (default
    /// 100, the largest). The stream:
    ///
    /// * stops once it has yielded `TotalRecordCount` backups (counted from the first page
    ///   asked for; the count may arrive as a number or a string), or, when the server sends
    ///   no total, after a page shorter than the page size;
    /// * never yields a backup twice: backups are told apart by `BackupId`, so a backup made
    ///   while paging (which shifts the later pages by one) does not come out again (backups
    ///   without a `BackupId`, or with a blank one, are all kept);
    /// * stops on an empty page, and after a page that adds nothing new (a server that
    ///   ignores `PageNumber` and sends the same page again);
    /// * gives an error after 10 000 pages (`cloud_http::MAX_PAGES`) that did not end the
    ///   listing, rather than paging forever or returning a silently short list;
    /// * yields an error once and ends, e.g. for an invalid request (checked before the first
    ///   page is sent) or a page that failed after its retries.
    ///
    /// The stream is `Unpin` (it is boxed), so `StreamExt::next` and `TryStreamExt::try_next`
    /// work on it directly, and `Send`, so it can be consumed in a spawned task.
    ///
    /// [`backup_records`](Self::backup_records) pages the same way and also keeps each backup
    /// as received.
    ///
    /// ```no_run
    /// use aliyun_rds::{Client, DescribeBackupsRequest};
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(client: Client) -> aliyun_rds::Result<()> {
    /// let request = DescribeBackupsRequest::new("rm-uf6wjk5xxxxxxx").with_backup_status("Success");
    /// let backups: Vec<_> = client.backups(request).try_collect().await?;
    /// for backup in &backups {
    ///     println!("{:?} {:?}", backup.backup_id, backup.backup_download_url);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn backups(
        &self,
        request: DescribeBackupsRequest,
    ) -> impl Stream<Item = Result<Backup>> + Send + '_ {
        self.listing::<_, DescribeBackupsResponse>(request, check_describe_backups)
    }

    /// [`backups`](Self::backups), each backup set as a [`Record`]: the typed [`Backup`]
    /// (`value`) and the element of `Items.Backup` exactly as received (`raw`; a numeric
    /// `BackupId` stays a number, fields the model does not know stay there), for tools that
    /// keep the provider's own JSON.
    ///
    /// The paging is the same code as [`backups`](Self::backups): the same requests, stops,
    /// duplicate removal and errors; only each page is decoded into JSON values first.
    ///
    /// ```no_run
    /// use aliyun_rds::{Client, DescribeBackupsRequest};
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(client: Client) -> aliyun_rds::Result<()> {
    /// let records: Vec<_> = client
    ///     .backup_records(DescribeBackupsRequest::new("rm-uf6wjk5xxxxxxx"))
    ///     .try_collect()
    ///     .await?;
    /// for record in &records {
    ///     println!("{:?}: {}", record.value.backup_id, record.raw);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn backup_records(
        &self,
        request: DescribeBackupsRequest,
    ) -> impl Stream<Item = Result<Record<Backup>>> + Send + '_ {
        self.listing::<_, Records<DescribeBackupsResponse>>(request, check_describe_backups)
    }

    /// The paging of every listing (`cloud_http::paginate_listing`): `request` at each page,
    /// checked by `check`, its body decoded into `P` (the typed response, or [`Records`] of
    /// it).
    pub(crate) fn listing<R, P>(
        &self,
        request: R,
        check: fn(&R) -> Result<()>,
    ) -> impl Stream<Item = Result<P::Item>> + Send + '_
    where
        R: PagedRequest + ApiRequest,
        P: Paged,
    {
        // Boxed so the stream is `Unpin`: `try_next()` and friends work without pinning.
        Box::pin(paginate_listing(
            request.paging(),
            move |page: PageRequest| {
                let request = request.at_page(&page);
                async move { self.call_as::<R, P>(&request, check).await }
            },
        ))
    }

    /// The request builder of one operation (RPC `action` of API `version`, with the action's
    /// `params`): called by the transport once per attempt, it signs with the attempt's
    /// timestamp and nonce.
    fn builder<'a>(
        &'a self,
        action: &'a str,
        version: &'a str,
        params: &'a [(&'static str, String)],
    ) -> impl FnMut(&AttemptContext) -> Result<reqwest::Request> + 'a {
        move |attempt: &AttemptContext| self.sign(attempt, action, version, params)
    }

    /// Builds and signs one attempt.
    fn sign(
        &self,
        attempt: &AttemptContext,
        action: &str,
        version: &str,
        params: &[(&'static str, String)],
    ) -> Result<reqwest::Request> {
        let Inner {
            config,
            endpoint,
            transport,
        } = &*self.inner;
        let http = transport.http_client();
        // An attempt's credentials (from a credential provider, refreshed before they
        // expire) win over the configuration's.
        let credentials = attempt
            .credentials
            .as_ref()
            .unwrap_or_else(|| config.credentials());
        let builder = match config.signature_version() {
            SignatureVersion::V3 => {
                let request = params.iter().fold(
                    Acs3Request::new("POST", endpoint.host())
                        .with_action(action)
                        .with_version(version),
                    |request, (name, value)| request.with_query_param(*name, value.as_str()),
                );
                let signed = acs3::sign(&request, credentials, attempt.timestamp, &attempt.nonce);
                let url = format!("{}/?{}", endpoint.as_str(), signed.query_string());
                signed
                    .headers()
                    .iter()
                    .fold(http.post(url), |builder, (name, value)| {
                        builder.header(name.as_str(), value.as_str())
                    })
            }
            SignatureVersion::V2 => {
                let request = params.iter().fold(
                    RpcRequest::new("GET")
                        .with_param("Action", action)
                        .with_param("Version", version)
                        .with_param("Format", "JSON"),
                    |request, (name, value)| request.with_param(*name, value.as_str()),
                );
                let signed = rpc::sign(
                    RpcFlavor::Aliyun,
                    &request,
                    credentials,
                    attempt.timestamp,
                    &attempt.nonce,
                );
                http.get(format!("{}/?{}", endpoint.as_str(), signed.query_string()))
            }
        };
        builder.build().map_err(|e| {
            // Without the URL: its query string holds the signature.
            Error::config_with_source(
                format!("the {action} request could not be built"),
                e.without_url(),
            )
        })
    }
}

/// The action, version and query parameters of an RPC request.
fn rpc_parts<R: ApiRequest>(
    request: &R,
) -> (&'static str, &'static str, Vec<(&'static str, String)>) {
    (
        R::ACTION.unwrap_or(R::OPERATION),
        R::VERSION.unwrap_or(API_VERSION),
        request.query(),
    )
}

/// Refuses what `DescribeBackups` would refuse, before anything is sent.
fn check_describe_backups(request: &DescribeBackupsRequest) -> Result<()> {
    if request.db_instance_id.trim().is_empty() {
        return Err(Error::config("DescribeBackups needs a DBInstanceId"));
    }
    if let Some(size) = request.page_size
        && !PAGE_SIZES.contains(&size)
    {
        return Err(Error::config(format!(
            "DescribeBackups PageSize must be 30, 50 or 100, not {size}"
        )));
    }
    if let Some(number) = request.page_number
        && number < 1
    {
        return Err(Error::config(format!(
            "DescribeBackups PageNumber must be 1 or more, not {number}"
        )));
    }
    let params = request.query_params();
    let wire = |name: &str| {
        params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    };
    // `yyyy-MM-ddTHH:mmZ` in UTC sorts as text; compare what is sent, minutes and all.
    if let (Some(start), Some(end)) = (wire("StartTime"), wire("EndTime"))
        && end <= start
    {
        return Err(Error::config(format!(
            "DescribeBackups EndTime ({end}) must be later than StartTime ({start})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_http::ErrorKind;
    use time::macros::datetime;

    #[test]
    fn records_pages_decode_as_typed_pages_do() {
        let text = r#"{"TotalRecordCount": "3", "Items": {"Backup": [
            {"BackupId": 321020562, "BackupSize": "2167808", "Encryption": {}},
            "junk",
            {"BackupStatus": "Failed"}
        ]}}"#;
        let typed: DescribeBackupsResponse = serde_json::from_str(text).unwrap();
        let records: Records<DescribeBackupsResponse> = serde_json::from_str(text).unwrap();
        assert_eq!(records.total(), typed.total());
        assert_eq!(records.total(), Some(3));
        let served: serde_json::Value = serde_json::from_str(text).unwrap();
        let records = records.into_items();
        let typed = typed.into_items();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records.iter().map(|r| &r.value).collect::<Vec<_>>(),
            typed.iter().collect::<Vec<_>>()
        );
        assert_eq!(records[0].raw, served["Items"]["Backup"][0]);
        assert_eq!(records[1].raw, served["Items"]["Backup"][2]);
        assert_eq!(
            Records::<DescribeBackupsResponse>::key(&records[0]),
            Some("321020562")
        );
    }

    #[test]
    fn the_request_pages_by_number_from_its_own_page() {
        let request = DescribeBackupsRequest::new("rm-1");
        let paging = request.paging();
        assert_eq!((paging.first, paging.size), (1, 100));
        let paging = request
            .clone()
            .with_page_number(3)
            .with_page_size(30)
            .paging();
        assert_eq!((paging.first, paging.size), (3, 30));
    }

    #[test]
    fn client_is_send_sync_and_its_debug_shows_no_secret() {
        fn check<T: Send + Sync + Clone + std::fmt::Debug + 'static>(_: &T) {}
        let credentials =
            cloud_signer::Credentials::new("AKID", "very-secret").with_security_token("sts-tok");
        let client = Client::new(Config::new(credentials)).unwrap();
        check(&client);
        let text = format!("{client:?}");
        assert!(text.contains("AKID"), "{text}");
        assert!(!text.contains("very-secret"), "{text}");
        assert!(!text.contains("sts-tok"), "{text}");
    }

    #[test]
    fn requests_are_checked() {
        let ok = DescribeBackupsRequest::new("rm-1");
        for size in PAGE_SIZES {
            assert!(check_describe_backups(&ok.clone().with_page_size(size)).is_ok());
        }
        let bad = [
            DescribeBackupsRequest::new(" "),
            ok.clone().with_page_size(10),
            ok.clone().with_page_size(0),
            ok.clone().with_page_size(1000),
            ok.clone().with_page_number(0),
            ok.clone().with_page_number(-1),
            ok.clone()
                .with_start_time(datetime!(2024-01-02 00:00 UTC))
                .with_end_time(datetime!(2024-01-01 00:00 UTC)),
            ok.clone()
                .with_start_time(datetime!(2024-01-01 00:00:10 UTC))
                .with_end_time(datetime!(2024-01-01 00:00:50 UTC)),
        ];
        for request in bad {
            let error = check_describe_backups(&request).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Config, "{request:?}");
        }
        assert!(
            check_describe_backups(
                &ok.with_page_number(1)
                    .with_start_time(datetime!(2024-01-01 00:00 UTC))
                    .with_end_time(datetime!(2024-01-01 00:01 UTC))
            )
            .is_ok()
        );
    }
}
