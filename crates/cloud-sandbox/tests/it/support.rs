//! Helpers: clients of every service pointed at a sandbox, and raw signed requests for what
//! the clients refuse to send.

use std::time::Duration;

use cloud_sandbox::{Provider, Sandbox, SandboxConfig, demo_credentials};
use cloud_signer::Credentials;
use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::huawei::{self, HuaweiRequest};
use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
use time::OffsetDateTime;

/// A sandbox with the default configuration.
pub(crate) fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).expect("the sandbox starts")
}

/// A plain HTTP client that never goes through a proxy.
pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client")
}

/// HTTP settings whose retries do not wait: 4 attempts, backoff of a millisecond.
pub(crate) fn fast_retries() -> aliyun_rds::HttpConfig {
    aliyun_rds::HttpConfig::default().with_retry(
        aliyun_rds::RetryPolicy::default()
            .with_max_attempts(4)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
    )
}

/// The demo credentials of `service`.
pub(crate) fn credentials(service: Provider) -> Credentials {
    demo_credentials(service).to_credentials()
}

/// The `host:port` of the sandbox, as clients send it in `Host`.
pub(crate) fn host(sandbox: &Sandbox) -> String {
    sandbox.local_addr().to_string()
}

pub(crate) fn aliyun(
    sandbox: &Sandbox,
    version: aliyun_rds::SignatureVersion,
    credentials: Credentials,
    http: aliyun_rds::HttpConfig,
) -> aliyun_rds::Client {
    let config = aliyun_rds::Config::new(credentials)
        .with_endpoint(sandbox.endpoint())
        .expect("the sandbox endpoint")
        .with_signature_version(version)
        .with_http(http);
    aliyun_rds::Client::new(config).expect("an aliyun-rds client")
}

pub(crate) fn aliyun_demo(
    sandbox: &Sandbox,
    version: aliyun_rds::SignatureVersion,
) -> aliyun_rds::Client {
    aliyun(
        sandbox,
        version,
        credentials(Provider::AliyunRds),
        fast_retries(),
    )
}

pub(crate) fn capitalonline(
    sandbox: &Sandbox,
    credentials: Credentials,
    http: aliyun_rds::HttpConfig,
) -> capitalonline_mysql::Client {
    let config = capitalonline_mysql::Config::new(credentials)
        .with_endpoint(sandbox.endpoint())
        .expect("the sandbox endpoint")
        .with_http(http);
    capitalonline_mysql::Client::new(config).expect("a capitalonline-mysql client")
}

pub(crate) fn capitalonline_demo(sandbox: &Sandbox) -> capitalonline_mysql::Client {
    capitalonline(
        sandbox,
        credentials(Provider::CapitalOnlineMysql),
        fast_retries(),
    )
}

fn huawei_config(
    sandbox: &Sandbox,
    credentials: Credentials,
    http: aliyun_rds::HttpConfig,
) -> huaweicloud_rds::Config {
    huaweicloud_rds::Config::new(credentials, cloud_sandbox::HUAWEI_PROJECT_ID)
        .with_endpoint(sandbox.endpoint())
        .expect("the sandbox endpoint")
        .with_http(http)
}

pub(crate) fn rds(
    sandbox: &Sandbox,
    credentials: Credentials,
    http: aliyun_rds::HttpConfig,
) -> huaweicloud_rds::Client {
    huaweicloud_rds::Client::new(huawei_config(sandbox, credentials, http))
        .expect("a huaweicloud-rds client")
}

pub(crate) fn rds_demo(sandbox: &Sandbox) -> huaweicloud_rds::Client {
    rds(
        sandbox,
        credentials(Provider::HuaweiCloudRds),
        fast_retries(),
    )
}

pub(crate) fn gaussdb_demo(sandbox: &Sandbox) -> huaweicloud_gaussdb::Client {
    huaweicloud_gaussdb::Client::new(huawei_config(
        sandbox,
        credentials(Provider::HuaweiCloudGaussDb),
        fast_retries(),
    ))
    .expect("a huaweicloud-gaussdb client")
}

/// A `DescribeBackups` request signed with Alibaba Cloud signature V3, as the client sends
/// it (`POST /?<params>`, empty body), with any parameters.
pub(crate) fn aliyun_v3(
    sandbox: &Sandbox,
    params: &[(&str, &str)],
    credentials: &Credentials,
    at: OffsetDateTime,
    nonce: &str,
) -> reqwest::RequestBuilder {
    let request = params.iter().fold(
        Acs3Request::new("POST", host(sandbox))
            .with_action("DescribeBackups")
            .with_version("2014-08-15"),
        |request, (name, value)| request.with_query_param(*name, *value),
    );
    let signed = acs3::sign(&request, credentials, at, nonce);
    let url = format!("{}/?{}", sandbox.endpoint(), signed.query_string());
    signed
        .headers()
        .iter()
        .fold(http().post(url), |builder, (name, value)| {
            builder.header(name.as_str(), value.as_str())
        })
}

/// A `GET` URL signed with Alibaba Cloud signature V2 for `params` (`Action`, `Version` and
/// `Format` included by the caller).
pub(crate) fn aliyun_v2_url(
    sandbox: &Sandbox,
    params: &[(&str, &str)],
    credentials: &Credentials,
    at: OffsetDateTime,
    nonce: &str,
) -> String {
    let request = params
        .iter()
        .fold(RpcRequest::new("GET"), |request, (n, v)| {
            request.with_param(*n, *v)
        });
    let signed = rpc::sign(RpcFlavor::Aliyun, &request, credentials, at, nonce);
    format!("{}/?{}", sandbox.endpoint(), signed.query_string())
}

/// A `GET` URL of Capital Online's `/mysql/`, signed for `params`.
pub(crate) fn capitalonline_url(
    sandbox: &Sandbox,
    params: &[(&str, &str)],
    credentials: &Credentials,
    at: OffsetDateTime,
    nonce: &str,
) -> String {
    let request = params.iter().fold(
        RpcRequest::new("GET").with_param("Version", rpc::CAPITAL_ONLINE_VERSION),
        |request, (n, v)| request.with_param(*n, *v),
    );
    let signed = rpc::sign(RpcFlavor::CapitalOnline, &request, credentials, at, nonce);
    format!("{}/mysql/?{}", sandbox.endpoint(), signed.query_string())
}

/// A Huawei Cloud `GET` of `path` (under `/v3/<project>/`) signed with `SDK-HMAC-SHA256`.
pub(crate) fn huawei_get(
    sandbox: &Sandbox,
    path: &str,
    query: &[(&str, &str)],
    credentials: &Credentials,
    at: OffsetDateTime,
) -> reqwest::RequestBuilder {
    let path = format!("/v3/{}/{path}", cloud_sandbox::HUAWEI_PROJECT_ID);
    let request = query.iter().fold(
        HuaweiRequest::new("GET", host(sandbox), path)
            .with_header("Content-Type", "application/json")
            .with_project_id(cloud_sandbox::HUAWEI_PROJECT_ID),
        |request, (n, v)| request.with_query_param(*n, *v),
    );
    let signed = huawei::sign(&request, credentials, at);
    let url = format!("{}{}", sandbox.endpoint(), signed.request_uri());
    signed
        .headers()
        .iter()
        .fold(http().get(url), |builder, (name, value)| {
            builder.header(name.as_str(), value.as_str())
        })
}

/// Sends `request` and returns the status, headers and JSON body.
pub(crate) async fn send_json(
    request: reqwest::RequestBuilder,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let response = request.send().await.expect("the sandbox answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a body");
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
    (status, headers, json)
}

/// The whole body of a `GET` of `url`.
pub(crate) async fn download(url: &str) -> Vec<u8> {
    let response = http().get(url).send().await.expect("the sandbox answers");
    assert_eq!(response.status(), 200, "{url}");
    response.bytes().await.expect("the whole file").to_vec()
}

/// Now, by the system clock.
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
