//! The signed request of providers.md H3 (RDS ListBackups), variant B: the client sends and
//! signs `Content-Type: application/json`, as the official SDK does.

use cloud_http::AttemptContext;
use huaweicloud_core::{Config, Credentials, OperationRequest, Service, ServiceClient};
use time::macros::datetime;

const PROJECT_ID: &str = "0483b6b16e954cb88930a360d2c4e663";
const INSTANCE_ID: &str = "43e4feaab48f11e89039fa163ebaa7e4br01";
const VARIANT_B: &str = "SDK-HMAC-SHA256 Access=AKTESTAKTEST, \
    SignedHeaders=content-type;host;x-project-id;x-sdk-date, \
    Signature=478f594e6b910bd6617ec29d9280787651bca831fc67aabc6026a32d8ac46d7a";

fn client(credentials: Credentials) -> ServiceClient {
    let config = Config::new(credentials, PROJECT_ID).with_region("cn-north-4");
    ServiceClient::new(config, Service::RDS).expect("a valid configuration")
}

fn list_backups() -> OperationRequest {
    // In the model's order (not sorted): the signer sorts.
    OperationRequest::new("ListBackups", "GET", "/v3/{project_id}/backups").with_query_params(vec![
        ("instance_id", INSTANCE_ID.to_owned()),
        ("offset", "0".to_owned()),
        ("limit", "10".to_owned()),
    ])
}

#[test]
fn h3_variant_b_request() {
    let client = client(Credentials::new("AKTESTAKTEST", "SKTESTSKTEST"));
    let attempt = AttemptContext::new(1, datetime!(2024-01-01 00:00:00 UTC), "unused");
    let request = client.build_request(&list_backups(), &attempt).unwrap();

    assert_eq!(request.method(), "GET");
    assert_eq!(
        request.url().as_str(),
        format!(
            "https://rds.cn-north-4.myhuaweicloud.com/v3/{PROJECT_ID}/backups\
             ?instance_id={INSTANCE_ID}&limit=10&offset=0"
        )
    );
    let header = |name: &str| request.headers().get(name).map(|v| v.to_str().unwrap());
    assert_eq!(header("authorization"), Some(VARIANT_B));
    assert_eq!(header("content-type"), Some("application/json"));
    assert_eq!(header("x-project-id"), Some(PROJECT_ID));
    assert_eq!(header("x-sdk-date"), Some("20240101T000000Z"));
    assert_eq!(header("x-security-token"), None);
    assert_eq!(
        header("user-agent"),
        None,
        "added by the HTTP client, unsigned"
    );
    assert!(request.body().is_none());
}

#[test]
fn h3_stages() {
    let client = client(Credentials::new("AKTESTAKTEST", "SKTESTSKTEST"));
    let signed = client
        .sign(&list_backups(), datetime!(2024-01-01 00:00:00 UTC))
        .unwrap();
    assert_eq!(
        signed.canonical_request().to_string(),
        format!(
            "GET\n/v3/{PROJECT_ID}/backups/\ninstance_id={INSTANCE_ID}&limit=10&offset=0\n\
             content-type:application/json\nhost:rds.cn-north-4.myhuaweicloud.com\n\
             x-project-id:{PROJECT_ID}\nx-sdk-date:20240101T000000Z\n\n\
             content-type;host;x-project-id;x-sdk-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
    );
    assert_eq!(
        signed.string_to_sign().to_string(),
        "SDK-HMAC-SHA256\n20240101T000000Z\n\
         309598c480f310ba08b813b428124ad2e6ff4dd5fe87557d24ab70e5da13c840"
    );
}

#[test]
fn security_token_is_sent_and_signed() {
    let client =
        client(Credentials::new("AKTESTAKTEST", "SKTESTSKTEST").with_security_token("tok"));
    let attempt = AttemptContext::new(1, datetime!(2024-01-01 00:00:00 UTC), "unused");
    let request = client.build_request(&list_backups(), &attempt).unwrap();
    assert_eq!(request.headers()["x-security-token"], "tok");
    let authorization = request.headers()["authorization"].to_str().unwrap();
    assert!(
        authorization
            .contains("SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,"),
        "{authorization}"
    );
    assert!(
        !format!("{client:?}").contains("tok\""),
        "Debug redacts the token"
    );
}

#[test]
fn path_params_headers_and_ports() {
    let config = Config::new(Credentials::new("ak", "sk"), PROJECT_ID)
        .with_endpoint("http://127.0.0.1:8080")
        .unwrap();
    let client = ServiceClient::new(config, Service::GAUSSDB).unwrap();
    let request = OperationRequest::new(
        "ShowInstanceBackups",
        "GET",
        "/v3/{project_id}/instances/{instance_id}/backups",
    )
    .with_path_params(vec![("instance_id", "in/07 x".to_owned())])
    .with_query_params(vec![("filter_content", "a b+c".to_owned())])
    .with_headers(vec![("X-Language", "zh-cn".to_owned())]);
    let attempt = AttemptContext::new(1, datetime!(2024-01-01 00:00:00 UTC), "unused");
    let built = client.build_request(&request, &attempt).unwrap();
    assert_eq!(
        built.url().as_str(),
        format!(
            "http://127.0.0.1:8080/v3/{PROJECT_ID}/instances/in%2F07%20x/backups?filter_content=a%20b%2Bc"
        )
    );
    assert_eq!(built.headers()["x-language"], "zh-cn");
    let signed = client.sign(&request, attempt.timestamp).unwrap();
    let canonical = signed.canonical_request().to_string();
    assert!(canonical.contains("\nhost:127.0.0.1:8080\n"), "{canonical}");
    assert!(canonical.contains("\nx-language:zh-cn\n"), "{canonical}");
    // As the official signer does: the path is percent-decoded, split on `/`, re-encoded.
    assert!(
        canonical.contains("/instances/in/07%20x/backups/\n"),
        "{canonical}"
    );
}

#[test]
fn invalid_header_value_is_a_config_error_without_the_value() {
    let client = client(Credentials::new("ak", "sk"));
    let request = list_backups().with_headers(vec![("X-Language", "bad\nvalue".to_owned())]);
    let attempt = AttemptContext::new(1, datetime!(2024-01-01 00:00:00 UTC), "unused");
    let error = client.build_request(&request, &attempt).unwrap_err();
    assert_eq!(error.kind(), huaweicloud_core::ErrorKind::Config);
    assert!(!error.to_string().contains("bad\nvalue"), "{error}");
}

#[test]
fn client_needs_project_id_and_known_region() {
    let error = ServiceClient::new(
        Config::new(Credentials::new("ak", "sk"), "").with_region("cn-north-4"),
        Service::RDS,
    )
    .unwrap_err();
    assert!(error.to_string().contains("project id"), "{error}");
    let error = ServiceClient::new(Config::new(Credentials::new("ak", "sk"), "p"), Service::RDS)
        .unwrap_err();
    assert!(
        error.to_string().contains("no region or endpoint"),
        "{error}"
    );
    let error = ServiceClient::new(
        Config::new(Credentials::new("ak", "sk"), "p").with_region("cn-north-1"),
        Service::GAUSSDB,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("unknown region \"cn-north-1\""),
        "{error}"
    );
    let client = ServiceClient::new(
        Config::new(Credentials::new("ak", "sk"), "p").with_region("af-south-1"),
        Service::GAUSSDB,
    )
    .unwrap();
    assert_eq!(
        client.endpoint().as_str(),
        "https://gaussdb-mysql.af-south-1.myhuaweicloud.com"
    );
}
