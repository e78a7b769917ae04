//! [`Client`]: signs and sends the RDS operations, and pages through backups.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use cloud_http::{AlibabaProtocol, AttemptContext, Page, PageCursor, Transport, paginate};
use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
use futures::Stream;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::{Config, SignatureVersion};
use crate::{
    Backup, DescribeBackupsRequest, DescribeBackupsResponse, Error, RawResponse, Record, Result,
};
use cloud_http::Endpoint;

/// The page size [`Client::backups`] asks for when the request sets none: the largest allowed.
const LISTING_PAGE_SIZE: i64 = 100;

/// The most pages one listing fetches (a million backups at the largest page size): the last
/// guard against a server that sends neither a total nor a short page.
const MAX_PAGES: u64 = 10_000;

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
        let transport =
            Transport::new(config.http().clone(), AlibabaProtocol)?.with_service_name("aliyun-rds");
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
        self.describe(request).await
    }

    /// `DescribeBackups`, its body decoded into `P`: the typed response, or the records view
    /// of the paging stream.
    async fn describe<P: DeserializeOwned>(&self, request: &DescribeBackupsRequest) -> Result<P> {
        let params = checked_params(request)?;
        self.inner
            .transport
            .send_json(
                DescribeBackupsRequest::ACTION,
                self.builder(
                    DescribeBackupsRequest::ACTION,
                    DescribeBackupsRequest::VERSION,
                    &params,
                ),
            )
            .await
    }

    /// [`describe_backups`](Self::describe_backups), returning the response as received
    /// (status, headers, body bytes) instead of decoding it, for tools that keep the provider's
    /// exact JSON. The request is checked and errors are mapped the same way; only a
    /// successful body is left undecoded.
    pub async fn describe_backups_raw(
        &self,
        request: &DescribeBackupsRequest,
    ) -> Result<RawResponse> {
        let params = checked_params(request)?;
        self.inner
            .transport
            .send(
                DescribeBackupsRequest::ACTION,
                self.builder(
                    DescribeBackupsRequest::ACTION,
                    DescribeBackupsRequest::VERSION,
                    &params,
                ),
            )
            .await
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
    ///   ignores `PageNumber` and sends the same page again), and after 10 000 pages at the
    ///   latest;
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
        self.listing::<DescribeBackupsResponse>(request)
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
        self.listing::<RecordsPage>(request)
    }

    /// The paging of [`backups`](Self::backups) and [`backup_records`](Self::backup_records),
    /// each page's body decoded into `P`.
    fn listing<P: ListingPage>(
        &self,
        request: DescribeBackupsRequest,
    ) -> impl Stream<Item = Result<P::Item>> + Send + '_ {
        let page_size = request.page_size.unwrap_or(LISTING_PAGE_SIZE);
        let first_page = request.page_number.unwrap_or(1);
        let state = Arc::new(Mutex::new(Listing::new(first_page, page_size)));
        // Boxed so the stream is `Unpin`: `try_next()` and friends work without pinning.
        Box::pin(paginate(move |cursor: PageCursor| {
            let page_number =
                first_page.saturating_add(i64::try_from(cursor.page_index).unwrap_or(i64::MAX));
            let request = request
                .clone()
                .with_page_size(page_size)
                .with_page_number(page_number);
            let state = Arc::clone(&state);
            async move {
                let page: P = self.describe(&request).await?;
                let mut listing = state.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(listing.accept(page))
            }
        }))
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
        let builder = match config.signature_version() {
            SignatureVersion::V3 => {
                let request = params.iter().fold(
                    Acs3Request::new("POST", endpoint.host())
                        .with_action(action)
                        .with_version(version),
                    |request, (name, value)| request.with_query_param(*name, value.as_str()),
                );
                let signed = acs3::sign(
                    &request,
                    config.credentials(),
                    attempt.timestamp,
                    &attempt.nonce,
                );
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
                    config.credentials(),
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

/// The request's wire parameters, after checking what the API would refuse.
fn checked_params(request: &DescribeBackupsRequest) -> Result<Vec<(&'static str, String)>> {
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
    Ok(params)
}

/// A `DescribeBackups` page as [`Client::listing`] reads it: its `TotalRecordCount` and
/// backups, and how a backup is told apart from the others.
trait ListingPage: DeserializeOwned + Send + 'static {
    /// A backup as the stream yields it.
    type Item: Send + 'static;

    /// `TotalRecordCount`.
    fn total(&self) -> Option<i64>;

    /// The backups of `Items.Backup`.
    fn into_items(self) -> Vec<Self::Item>;

    /// The `BackupId` of a backup.
    fn backup_id(item: &Self::Item) -> Option<&str>;
}

impl ListingPage for DescribeBackupsResponse {
    type Item = Backup;

    fn total(&self) -> Option<i64> {
        self.total_record_count
    }

    fn into_items(self) -> Vec<Backup> {
        self.items.map(|items| items.backup).unwrap_or_default()
    }

    fn backup_id(item: &Backup) -> Option<&str> {
        item.backup_id.as_deref()
    }
}

/// The members of a `DescribeBackups` response that [`Client::backup_records`] pages by,
/// decoded as [`DescribeBackupsResponse`] decodes them (same keys, same lenient helpers), each
/// backup kept as received beside its typed value.
#[derive(Deserialize)]
struct RecordsPage {
    #[serde(
        rename = "TotalRecordCount",
        default,
        deserialize_with = "cloud_http::lenient::integer"
    )]
    total_record_count: Option<i64>,
    #[serde(
        rename = "Items",
        default,
        deserialize_with = "cloud_http::lenient::object"
    )]
    items: Option<RecordItems>,
}

/// The `Items` wrapper of [`RecordsPage`].
#[derive(Deserialize)]
struct RecordItems {
    #[serde(
        rename = "Backup",
        default,
        deserialize_with = "cloud_http::lenient::vec"
    )]
    backup: Vec<Record<Backup>>,
}

impl ListingPage for RecordsPage {
    type Item = Record<Backup>;

    fn total(&self) -> Option<i64> {
        self.total_record_count
    }

    fn into_items(self) -> Vec<Record<Backup>> {
        self.items.map(|items| items.backup).unwrap_or_default()
    }

    fn backup_id(item: &Record<Backup>) -> Option<&str> {
        item.value.backup_id.as_deref()
    }
}

/// What [`Client::listing`] remembers between pages.
#[derive(Debug)]
struct Listing {
    /// Backups before the first page asked for: `(PageNumber - 1) * PageSize`.
    skipped: u64,
    page_size: u64,
    seen: HashSet<String>,
    yielded: u64,
    pages: u64,
}

impl Listing {
    fn new(first_page: i64, page_size: i64) -> Self {
        let page_size = u64::try_from(page_size).unwrap_or(0);
        let skipped = u64::try_from(first_page.saturating_sub(1))
            .unwrap_or(0)
            .saturating_mul(page_size);
        Self {
            skipped,
            page_size,
            seen: HashSet::new(),
            yielded: 0,
            pages: 0,
        }
    }

    /// Turns one page into the page to yield: its backups not seen before, marked last when
    /// the listing is complete.
    fn accept<P: ListingPage>(&mut self, page: P) -> Page<P::Item> {
        self.pages += 1;
        let total = page.total().map(|total| u64::try_from(total).unwrap_or(0));
        let received = page.into_items();
        let received_count = received.len() as u64;
        let fresh: Vec<P::Item> = received
            .into_iter()
            .filter(|backup| match P::backup_id(backup).map(str::trim) {
                Some(id) if !id.is_empty() => self.seen.insert(id.to_owned()),
                // Nothing to tell it apart by: keep it.
                _ => true,
            })
            .collect();
        self.yielded += fresh.len() as u64;
        let complete = self.pages >= MAX_PAGES
            || match total {
                Some(total) => self.skipped.saturating_add(self.yielded) >= total,
                None => received_count < self.page_size,
            };
        // An empty `fresh` (an empty page, or nothing new) ends the stream by itself.
        Page::new(fresh).with_last(complete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_http::ErrorKind;
    use time::macros::datetime;

    fn response(ids: &[u32], total: Option<i64>) -> DescribeBackupsResponse {
        let backups: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"BackupId": {id}}}"#))
            .collect();
        let total = total.map_or(String::new(), |t| format!(r#""TotalRecordCount": "{t}","#));
        serde_json::from_str(&format!(
            r#"{{{total} "Items": {{"Backup": [{}]}}}}"#,
            backups.join(",")
        ))
        .unwrap()
    }

    fn ids(page: &Page<Backup>) -> Vec<&str> {
        page.items
            .iter()
            .map(|b| b.backup_id.as_deref().unwrap())
            .collect()
    }

    #[test]
    fn listing_dedupes_and_stops_at_the_total() {
        let mut listing = Listing::new(1, 2);
        let page = listing.accept(response(&[1, 2], Some(4)));
        assert_eq!((ids(&page), page.last), (vec!["1", "2"], false));
        // A backup made meanwhile shifted the pages: 2 comes again, the total grew.
        let page = listing.accept(response(&[2, 3], Some(5)));
        assert_eq!((ids(&page), page.last), (vec!["3"], false));
        let page = listing.accept(response(&[4, 5], Some(5)));
        assert_eq!((ids(&page), page.last), (vec!["4", "5"], true));
    }

    #[test]
    fn listing_without_total_stops_at_a_short_page() {
        let mut listing = Listing::new(1, 3);
        assert!(!listing.accept(response(&[1, 2, 3], None)).last);
        assert!(listing.accept(response(&[4], None)).last);
    }

    #[test]
    fn listing_from_a_later_page_counts_the_skipped_ones() {
        let mut listing = Listing::new(3, 30);
        let page = listing.accept(response(&[61, 62], Some(62)));
        assert!(page.last);
    }

    #[test]
    fn a_repeated_page_adds_nothing() {
        let mut listing = Listing::new(1, 2);
        listing.accept(response(&[1, 2], Some(10)));
        let page = listing.accept(response(&[1, 2], Some(10)));
        assert!(page.items.is_empty());
    }

    #[test]
    fn blank_ids_tell_nothing_apart_and_ids_are_trimmed() {
        let page: DescribeBackupsResponse = serde_json::from_str(
            r#"{"Items": {"Backup": [{"BackupId": ""}, {"BackupId": " "}, {"BackupId": "7"}, {"BackupId": " 7 "}]}}"#,
        )
        .unwrap();
        let page = Listing::new(1, 30).accept(page);
        assert_eq!(page.items.len(), 3, "both blank ones and one 7");
    }

    #[test]
    fn a_listing_ends_after_the_most_pages() {
        let mut listing = Listing::new(1, 1);
        for id in 1..MAX_PAGES {
            assert!(!listing.accept(response(&[id as u32], None)).last);
        }
        assert!(listing.accept(response(&[0], None)).last);
    }

    #[test]
    fn records_pages_decode_as_typed_pages_do() {
        let text = r#"{"TotalRecordCount": "3", "Items": {"Backup": [
            {"BackupId": 321020562, "BackupSize": "2167808", "Encryption": {}},
            "junk",
            {"BackupStatus": "Failed"}
        ]}}"#;
        let typed: DescribeBackupsResponse = serde_json::from_str(text).unwrap();
        let records: RecordsPage = serde_json::from_str(text).unwrap();
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
        assert_eq!(RecordsPage::backup_id(&records[0]), Some("321020562"));
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
            assert!(checked_params(&ok.clone().with_page_size(size)).is_ok());
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
            let error = checked_params(&request).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Config, "{request:?}");
        }
        assert!(
            checked_params(
                &ok.with_page_number(1)
                    .with_start_time(datetime!(2024-01-01 00:00 UTC))
                    .with_end_time(datetime!(2024-01-01 00:01 UTC))
            )
            .is_ok()
        );
    }
}
