//! The engine of every Huawei Cloud client: builds, signs and sends one operation.

use std::sync::Arc;

use cloud_http::{
    ApiRequest, AttemptContext, Error, PageRequest, Paged, PagedRequest, RawResponse, Transport,
    paginate_listing,
};
use cloud_signer::Credentials;
use cloud_signer::huawei::{self, HuaweiRequest};
use futures::Stream;
use reqwest::header::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::{Config, Endpoint, OperationRequest, Result, Service};

/// The content type every request carries, as the official SDK sends it by default (also on
/// `GET`). It is signed; a JSON content type needs no `X-Sdk-Content-Sha256`.
pub const CONTENT_TYPE: &str = "application/json";

/// The engine the service clients are built on: the transport (connection pool, retries,
/// Huawei error parsing), the credentials, the project id and the endpoint.
///
/// Each attempt of [`send`](Self::send) builds the request afresh with
/// [`build_request`](Self::build_request): the path with `{project_id}` and the path
/// parameters substituted and percent-encoded, the query, `Content-Type: application/json`,
/// the operation's headers (e.g. `X-Language`), then `X-Project-Id`, `X-Security-Token` (for
/// temporary credentials), `X-Sdk-Date` and `Authorization` from the
/// [`SDK-HMAC-SHA256`](cloud_signer::huawei) signature over the attempt's timestamp. The
/// `User-Agent` the HTTP client adds is not signed.
///
/// Cloning is cheap and shares the connection pool.
#[derive(Clone, Debug)]
pub struct ServiceClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    service: Service,
    endpoint: Endpoint,
    project_id: String,
    transport: Transport,
}

impl ServiceClient {
    /// A client of `service` with `config`, with its own connection pool.
    ///
    /// Fails with a [`Config`](cloud_http::ErrorKind::Config) error when the project id is
    /// missing, when neither a region nor an endpoint is set, when the region is not in the
    /// service's table, or when the HTTP settings are invalid (no attempt allowed, a zero
    /// timeout).
    pub fn new(config: Config, service: Service) -> Result<Self> {
        let project_id = config.require_project_id()?.to_owned();
        let endpoint = config.endpoint_for(service)?;
        let mut transport = Transport::new(config.http().clone(), *service.error_format())?
            .with_service_name(service.crate_name());
        if let Some(provider) = config.credential_provider() {
            transport = transport.with_credentials(provider.clone());
        }
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                service,
                endpoint,
                project_id,
                transport,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The service.
    pub fn service(&self) -> Service {
        self.inner.service
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The project id substituted into every path and sent as `X-Project-Id`.
    pub fn project_id(&self) -> &str {
        &self.inner.project_id
    }

    /// The transport.
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// Signs `request` as sent at `timestamp`: the [`HuaweiRequest`] (host of the endpoint,
    /// substituted path, query, `Content-Type` and the operation's headers, project id) signed
    /// with the credentials. The result holds the exact canonical request, string to sign,
    /// headers to send and request URI.
    pub fn sign(
        &self,
        request: &OperationRequest,
        timestamp: OffsetDateTime,
    ) -> Result<huawei::SignedHuawei> {
        self.sign_with(request, timestamp, self.credentials())
    }

    /// [`sign`](Self::sign) with `credentials` (an attempt's, from a credential provider).
    fn sign_with(
        &self,
        request: &OperationRequest,
        timestamp: OffsetDateTime,
        credentials: &Credentials,
    ) -> Result<huawei::SignedHuawei> {
        let inner = &*self.inner;
        let path = request.path(&inner.project_id)?;
        let mut unsigned = HuaweiRequest::new(request.method(), inner.endpoint.host(), path)
            .with_header("Content-Type", CONTENT_TYPE)
            .with_project_id(inner.project_id.as_str());
        for (name, value) in request.query_params() {
            unsigned = unsigned.with_query_param(*name, value.as_str());
        }
        for (name, value) in request.headers() {
            unsigned = unsigned.with_header(*name, value.as_str());
        }
        if let Some(body) = request.body() {
            unsigned = unsigned.with_body(body.to_vec());
        }
        Ok(huawei::sign(&unsigned, credentials, timestamp))
    }

    /// Builds and signs one attempt of `request` with the attempt's timestamp: what
    /// [`send`](Self::send) calls once per attempt.
    pub fn build_request(
        &self,
        request: &OperationRequest,
        attempt: &AttemptContext,
    ) -> Result<reqwest::Request> {
        let credentials = attempt
            .credentials
            .as_ref()
            .unwrap_or_else(|| self.credentials());
        let signed = self.sign_with(request, attempt.timestamp, credentials)?;
        let url = format!("{}{}", self.inner.endpoint.as_str(), signed.request_uri());
        let url = reqwest::Url::parse(&url).map_err(|e| {
            Error::config(format!(
                "{}: the request URL could not be built: {e}",
                request.operation()
            ))
        })?;
        let method = reqwest::Method::from_bytes(request.method().as_bytes()).map_err(|_| {
            Error::config(format!(
                "{}: invalid HTTP method {:?}",
                request.operation(),
                request.method()
            ))
        })?;
        let mut built = reqwest::Request::new(method, url);
        let headers = built.headers_mut();
        for (name, value) in signed.headers() {
            let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::config(format!(
                    "{}: invalid header name {name:?}",
                    request.operation()
                ))
            })?;
            // The value is not shown: it may be the security token.
            let header_value = HeaderValue::from_str(value).map_err(|_| {
                Error::config(format!(
                    "{}: the value of the header {name} is not a valid header value",
                    request.operation()
                ))
            })?;
            headers.insert(header_name, header_value);
        }
        if let Some(body) = request.body() {
            *built.body_mut() = Some(body.to_vec().into());
        }
        Ok(built)
    }

    /// Sends `request` (each attempt built and signed afresh), with the transport's retries;
    /// returns the response as received. An error status is an [`Error`] with the service's
    /// `error_code`, `error_msg` and the `X-Request-Id`.
    ///
    /// The path is checked before anything is sent.
    pub async fn send(&self, request: &OperationRequest) -> Result<RawResponse> {
        request.path(&self.inner.project_id)?;
        self.inner
            .transport
            .send_with(request.operation(), request.idempotency(), |attempt| {
                self.build_request(request, attempt)
            })
            .await
    }

    /// [`send`](Self::send), then decodes the body as JSON into `T` (a decode error names the
    /// JSON path that failed).
    pub async fn send_json<T: DeserializeOwned>(&self, request: &OperationRequest) -> Result<T> {
        request.path(&self.inner.project_id)?;
        self.inner
            .transport
            .send_json_with(request.operation(), request.idempotency(), |attempt| {
                self.build_request(request, attempt)
            })
            .await
    }

    /// Sends a generated request ([`ApiRequest`]) after `check` accepts it, and decodes its
    /// response: [`OperationRequest::of`], then [`send_json`](Self::send_json). A create or a
    /// delete is not repeated after a failure that may have reached the service.
    pub async fn call<R: ApiRequest>(
        &self,
        request: &R,
        check: fn(&R) -> Result<()>,
    ) -> Result<R::Response> {
        check(request)?;
        self.send_json(&OperationRequest::of(request)).await
    }

    /// [`call`](Self::call), returning the response as received.
    pub async fn call_raw<R: ApiRequest>(
        &self,
        request: &R,
        check: fn(&R) -> Result<()>,
    ) -> Result<RawResponse> {
        check(request)?;
        self.send(&OperationRequest::of(request)).await
    }

    /// Every item of a paged operation, over all pages, as a lazy stream
    /// ([`cloud_http::paginate_listing`]: the total, duplicate removal by the items' key, the
    /// page cap): `operation` checks each page's request and turns it into the operation to
    /// send; each page's body is decoded into `P` (the generated response, or
    /// [`Records`](cloud_http::Records) of it to keep every item as received).
    ///
    /// An invalid request is an error before the first page is sent.
    pub fn listing<'a, R, P>(
        &'a self,
        request: R,
        operation: fn(&R) -> Result<OperationRequest>,
    ) -> impl Stream<Item = Result<P::Item>> + Send + 'a
    where
        R: PagedRequest,
        P: Paged,
    {
        paginate_listing(request.paging(), move |page: PageRequest| {
            let operation = operation(&request.at_page(&page));
            async move { self.send_json::<P>(&operation?).await }
        })
    }

    fn credentials(&self) -> &Credentials {
        self.inner.config.credentials()
    }
}

/// Declares a Huawei Cloud service crate's `Client`: a struct over a [`ServiceClient`] of
/// `$service` whose errors are read with `$errors` (the crate's generated `ERROR_FORMAT`),
/// with `new`, `from_env`, `config` and `endpoint`. The crate then adds one method per
/// operation in its own `impl` block, each a call on the `inner` [`ServiceClient`].
///
/// ```
/// huaweicloud_core::service_client! {
///     /// A client of Huawei Cloud RDS.
///     pub struct Client(huaweicloud_core::Service::RDS, cloud_http::ErrorFormat::new());
/// }
///
/// let config = huaweicloud_core::Config::new(
///     huaweicloud_core::Credentials::new("AK", "SK"),
///     "0123456789abcdef0123456789abcdef",
/// )
/// .with_region("cn-north-4");
/// let client = Client::new(config)?;
/// assert_eq!(client.endpoint().as_str(), "https://rds.cn-north-4.myhuaweicloud.com");
/// # Ok::<(), huaweicloud_core::Error>(())
/// ```
#[macro_export]
macro_rules! service_client {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($service:expr, $errors:expr);) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        $vis struct $name {
            /// The engine every operation of the crate goes through.
            pub(crate) inner: $crate::ServiceClient,
        }

        impl $name {
            /// A client for `config`, with its own connection pool.
            ///
            /// Fails with a configuration error when the project id is missing, when neither
            /// a region nor an endpoint is set, when the region is not in the service's
            /// region table (set the endpoint explicitly then), or when the HTTP settings are
            /// invalid.
            pub fn new(config: $crate::Config) -> $crate::Result<Self> {
                Ok(Self {
                    inner: $crate::ServiceClient::new(
                        config,
                        $service.with_error_format($errors),
                    )?,
                })
            }

            /// A client configured from the environment: `Config::from_env`, then `new`.
            pub fn from_env() -> $crate::Result<Self> {
                Self::new($crate::Config::from_env()?)
            }

            /// The configuration.
            pub fn config(&self) -> &$crate::Config {
                self.inner.config()
            }

            /// The endpoint requests go to, e.g. `https://rds.cn-north-4.myhuaweicloud.com`.
            pub fn endpoint(&self) -> &$crate::Endpoint {
                self.inner.endpoint()
            }
        }
    };
}

/// Declares the two listing methods of a Huawei Cloud service crate's `Client` (see
/// [`service_client!`]) for one paged operation: the typed stream and the records stream
/// (each item also kept as received), both over [`ServiceClient::listing`], with the docs
/// given for each. `operation` checks a request and turns it into the operation to send.
#[macro_export]
macro_rules! listing_methods {
    (
        impl $client:ty {
            $(#[$typed_doc:meta])* fn $typed:ident;
            $(#[$records_doc:meta])* fn $records:ident;
            request: $request:ty,
            response: $response:ty,
            item: $item:ty,
            operation: $operation:path $(,)?
        }
    ) => {
        impl $client {
            $(#[$typed_doc])*
            pub fn $typed(
                &self,
                request: $request,
            ) -> impl $crate::macro_support::Stream<Item = $crate::Result<$item>> + Send + '_ {
                self.inner.listing::<_, $response>(request, $operation)
            }

            $(#[$records_doc])*
            pub fn $records(
                &self,
                request: $request,
            ) -> impl $crate::macro_support::Stream<
                Item = $crate::Result<$crate::macro_support::Record<$item>>,
            > + Send
                   + '_ {
                self.inner
                    .listing::<_, $crate::macro_support::Records<$response>>(request, $operation)
            }
        }
    };
}
