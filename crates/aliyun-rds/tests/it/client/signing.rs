//! The requests on the wire: the exact signatures of the reference vectors (providers.md A4),
//! and signatures a server can verify for every filter and with STS tokens.

use aliyun_rds::{
    Client, Clock, Config, Credentials, DescribeBackupsRequest, NonceSource, SignatureVersion,
};
use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::rpc::{self, RpcFlavor};
use serde_json::json;
use time::macros::{datetime, offset};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{INSTANCE, client_for, config_for, fast_http, header, page_body, query, received};

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

async fn answering_one_page() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_body(
            &[321_020_562],
            json!(1),
            json!(1),
        )))
        .mount(&server)
        .await;
    server
}

/// The A4 request: `DBInstanceId=rm-uf6wjk5xxxxxxx`, `PageNumber=1`, `PageSize=30`.
fn a4_request() -> DescribeBackupsRequest {
    DescribeBackupsRequest::new(INSTANCE)
        .with_page_number(1)
        .with_page_size(30)
}

#[tokio::test]
async fn v2_sends_the_a4_signature() {
    let server = answering_one_page().await;
    let http = fast_http()
        .with_clock(Clock::fixed(datetime!(2024-01-01 00:00:00 UTC)))
        .with_nonce_source(NonceSource::fixed("3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"));
    let client = Client::new(config_for(&server, SignatureVersion::V2).with_http(http)).unwrap();

    let response = client.describe_backups(&a4_request()).await.unwrap();
    assert_eq!(response.total_record_count, Some(1));

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), "/");
    assert!(request.body.is_empty());
    let expected: Vec<(&str, &str)> = vec![
        ("AccessKeyId", "testid"),
        ("Action", "DescribeBackups"),
        ("DBInstanceId", INSTANCE),
        ("Format", "JSON"),
        ("PageNumber", "1"),
        ("PageSize", "30"),
        ("Signature", "vvn/srCHlJU7EPhdrKEt+odvawo="),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2024-01-01T00:00:00Z"),
        ("Version", "2014-08-15"),
    ];
    let params = query(request);
    let received: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(received, expected);
    // The signature is RFC 3986 encoded in the raw query string.
    assert!(
        request
            .url
            .query()
            .unwrap()
            .contains("Signature=vvn%2FsrCHlJU7EPhdrKEt%2Bodvawo%3D"),
        "{}",
        request.url
    );
    // V2 carries no Authorization header and no x-acs-* headers.
    assert!(header(request, "authorization").is_none());
    assert!(header(request, "x-acs-action").is_none());
}

#[tokio::test]
async fn v3_sends_the_a4_authorization_byte_for_byte() {
    let server = answering_one_page().await;
    // The vector signs `host:rds.aliyuncs.com`: send to that very host, resolved to wiremock.
    let http = fast_http()
        .with_clock(Clock::fixed(datetime!(2024-01-01 00:00:00 UTC)))
        .with_nonce_source(NonceSource::fixed("3156853299f313e23d1673dc12e1703d"))
        .with_resolve("rds.aliyuncs.com", *server.address());
    let config = Config::new(Credentials::new("testid", "testsecret"))
        .with_endpoint("http://rds.aliyuncs.com")
        .unwrap()
        .with_http(http);
    assert_eq!(config.signature_version(), SignatureVersion::V3);
    let client = Client::new(config).unwrap();

    client.describe_backups(&a4_request()).await.unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/");
    assert_eq!(
        request.url.query(),
        Some("DBInstanceId=rm-uf6wjk5xxxxxxx&PageNumber=1&PageSize=30")
    );
    assert!(request.body.is_empty());
    assert_eq!(header(request, "host"), Some("rds.aliyuncs.com"));
    assert_eq!(header(request, "x-acs-action"), Some("DescribeBackups"));
    assert_eq!(header(request, "x-acs-version"), Some("2014-08-15"));
    assert_eq!(header(request, "x-acs-date"), Some("2024-01-01T00:00:00Z"));
    assert_eq!(
        header(request, "x-acs-signature-nonce"),
        Some("3156853299f313e23d1673dc12e1703d")
    );
    assert_eq!(header(request, "x-acs-content-sha256"), Some(EMPTY_SHA256));
    assert!(header(request, "x-acs-security-token").is_none());
    assert_eq!(
        header(request, "authorization"),
        Some(
            "ACS3-HMAC-SHA256 Credential=testid,\
             SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=26db65545412c38368cd9b9c361b373446b6aebd248fb3b90294a3a95756975a"
        )
    );
}

/// Recomputes the V3 signature of a received request as a server would, from what arrived.
fn verify_v3(request: &wiremock::Request, secret: &str) -> bool {
    let authorization = header(request, "authorization").expect("Authorization");
    let parsed = acs3::parse_authorization(authorization).expect("an ACS3 Authorization");
    let mut rebuilt = Acs3Request::new(
        request.method.as_str(),
        header(request, "host").expect("host"),
    )
    .with_body(request.body.clone());
    for (name, value) in request.url.query_pairs() {
        rebuilt = rebuilt.with_query_param(name.into_owned(), value.into_owned());
    }
    for (name, value) in &request.headers {
        if name.as_str() != "authorization" {
            rebuilt = rebuilt.with_header(name.as_str(), value.to_str().expect("ASCII header"));
        }
    }
    acs3::compute_signature(&rebuilt, parsed.signed_headers(), secret).matches(parsed.signature())
}

/// Recomputes the V2 signature of a received request from its query parameters.
fn verify_v2(request: &wiremock::Request, secret: &str) -> bool {
    let params = query(request);
    let signature = params.get("Signature").expect("Signature").clone();
    rpc::compute_signature(RpcFlavor::Aliyun, request.method.as_str(), &params, secret)
        .matches(&signature)
}

fn every_filter() -> DescribeBackupsRequest {
    DescribeBackupsRequest::new(INSTANCE)
        .with_backup_id("327329803")
        .with_backup_status("Success")
        .with_backup_mode("Automated")
        .with_backup_type("FullBackup")
        // Local times: sent in UTC, to the minute.
        .with_start_time(datetime!(2011-06-02 00:00:59 +08:00))
        .with_end_time(datetime!(2011-06-15 16:00 UTC).to_offset(offset!(-05:00)))
        .with_page_size(50)
        .with_page_number(2)
}

fn assert_filters(params: &std::collections::BTreeMap<String, String>) {
    for (name, value) in [
        ("DBInstanceId", INSTANCE),
        ("BackupId", "327329803"),
        ("BackupStatus", "Success"),
        ("BackupMode", "Automated"),
        ("BackupType", "FullBackup"),
        ("StartTime", "2011-06-01T16:00Z"),
        ("EndTime", "2011-06-15T16:00Z"),
        ("PageSize", "50"),
        ("PageNumber", "2"),
    ] {
        assert_eq!(params.get(name).map(String::as_str), Some(value), "{name}");
    }
}

#[tokio::test]
async fn v3_every_filter_in_the_query_and_a_verifiable_signature() {
    let server = answering_one_page().await;
    let client = client_for(&server, SignatureVersion::V3);
    client.describe_backups(&every_filter()).await.unwrap();

    let requests = received(&server).await;
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    let params = query(request);
    assert_filters(&params);
    // Only the action's parameters travel in the V3 query.
    assert_eq!(params.len(), 9, "{params:?}");
    assert!(verify_v3(request, "testsecret"));
    assert!(!verify_v3(request, "wrongsecret"));
}

#[tokio::test]
async fn v2_every_filter_in_the_query_and_a_verifiable_signature() {
    let server = answering_one_page().await;
    let client = client_for(&server, SignatureVersion::V2);
    client.describe_backups(&every_filter()).await.unwrap();

    let requests = received(&server).await;
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "GET");
    let params = query(request);
    assert_filters(&params);
    assert_eq!(
        params.get("Action").map(String::as_str),
        Some("DescribeBackups")
    );
    assert_eq!(params.get("Format").map(String::as_str), Some("JSON"));
    assert!(verify_v2(request, "testsecret"));
    assert!(!verify_v2(request, "wrongsecret"));
}

#[tokio::test]
async fn v3_sends_and_signs_the_sts_token() {
    let server = answering_one_page().await;
    let config = config_for(&server, SignatureVersion::V3).with_credentials(
        Credentials::new("STS.testid", "testsecret").with_security_token("CAIS-sts-token/+="),
    );
    Client::new(config)
        .unwrap()
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap();

    let requests = received(&server).await;
    let request = &requests[0];
    assert_eq!(
        header(request, "x-acs-security-token"),
        Some("CAIS-sts-token/+=")
    );
    assert_eq!(header(request, "x-acs-accesskey-id"), Some("STS.testid"));
    let authorization = header(request, "authorization").unwrap();
    let parsed = acs3::parse_authorization(authorization).unwrap();
    assert_eq!(parsed.access_key_id(), "STS.testid");
    assert!(
        parsed
            .signed_headers()
            .split(';')
            .any(|h| h == "x-acs-security-token"),
        "{authorization}"
    );
    assert!(verify_v3(request, "testsecret"));
}

#[tokio::test]
async fn v2_sends_and_signs_the_sts_token() {
    let server = answering_one_page().await;
    let config = config_for(&server, SignatureVersion::V2).with_credentials(
        Credentials::new("STS.testid", "testsecret").with_security_token("CAIS-sts-token/+="),
    );
    Client::new(config)
        .unwrap()
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap();

    let requests = received(&server).await;
    let request = &requests[0];
    let params = query(request);
    assert_eq!(
        params.get("SecurityToken").map(String::as_str),
        Some("CAIS-sts-token/+=")
    );
    assert_eq!(
        params.get("AccessKeyId").map(String::as_str),
        Some("STS.testid")
    );
    assert!(verify_v2(request, "testsecret"));
}

#[tokio::test]
async fn endpoint_override_keeps_the_path_at_root() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_body(&[], json!(0), json!(1))))
        .expect(1)
        .mount(&server)
        .await;
    // A trailing slash is accepted; a path is not.
    let config = config_for(&server, SignatureVersion::V3)
        .with_endpoint(format!("{}/", server.uri()))
        .unwrap();
    assert_eq!(config.endpoint(), server.uri());
    let client = Client::new(config.clone()).unwrap();
    client
        .describe_backups(&DescribeBackupsRequest::new(INSTANCE))
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(requests[0].url.path(), "/");
    // The signed host is the override's, port included.
    let host = header(&requests[0], "host").unwrap();
    assert_eq!(host, server.uri().trim_start_matches("http://"));
    assert!(verify_v3(&requests[0], "testsecret"));

    for bad in [
        format!("{}/v1", server.uri()),
        format!("{}/?Action=x", server.uri()),
    ] {
        let error = config.clone().with_endpoint(&bad).unwrap_err();
        assert_eq!(error.kind(), aliyun_rds::ErrorKind::Config, "{bad}");
    }
}

#[test]
fn regions_pick_the_official_endpoints() {
    let config = Config::new(Credentials::new("testid", "testsecret"));
    assert_eq!(config.region(), "cn-hangzhou");
    assert_eq!(config.endpoint(), "https://rds.aliyuncs.com");
    for (region, endpoint) in [
        ("cn-shanghai", "https://rds.aliyuncs.com"),
        ("ap-southeast-1", "https://rds.aliyuncs.com"),
        (
            "cn-hangzhou-finance",
            "https://rds-vpc.cn-hangzhou-finance.aliyuncs.com",
        ),
        ("cn-zhangjiakou", "https://rds.cn-zhangjiakou.aliyuncs.com"),
        ("eu-central-1", "https://rds.eu-central-1.aliyuncs.com"),
    ] {
        assert_eq!(
            config.clone().with_region(region).endpoint(),
            endpoint,
            "{region}"
        );
    }
    // An override wins over the region, whatever the order.
    let config = config
        .with_endpoint("https://rds-vpc.cn-shanghai.aliyuncs.com")
        .unwrap()
        .with_region("eu-central-1");
    assert_eq!(
        config.endpoint(),
        "https://rds-vpc.cn-shanghai.aliyuncs.com"
    );
}
