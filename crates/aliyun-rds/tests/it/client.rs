//! Tests of the client against wiremock on 127.0.0.1: signatures on the wire, paging, retries,
//! errors, endpoints and the credential chain.

mod credentials;
mod errors;
mod paging;
mod requests;
mod retries;
mod signing;

use std::collections::BTreeMap;
use std::time::Duration;

use aliyun_rds::{Client, Config, Credentials, HttpConfig, RetryPolicy, SignatureVersion};
use serde_json::{Value, json};
use wiremock::MockServer;

/// The instance of the reference vectors (providers.md A4).
pub(crate) const INSTANCE: &str = "rm-uf6wjk5xxxxxxx";

/// Tiny backoffs so retries are quick; generous timeouts so slow machines pass.
pub(crate) fn fast_http() -> HttpConfig {
    HttpConfig::default()
        .with_retry(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5)),
        )
        .with_attempt_timeout(Duration::from_secs(10))
        .with_operation_timeout(Duration::from_secs(30))
}

/// A configuration pointing at `server` with the vectors' key pair (`testid` / `testsecret`).
pub(crate) fn config_for(server: &MockServer, version: SignatureVersion) -> Config {
    Config::new(Credentials::new("testid", "testsecret"))
        .with_endpoint(server.uri())
        .expect("the wiremock URI is a valid endpoint")
        .with_signature_version(version)
        .with_http(fast_http())
}

pub(crate) fn client_for(server: &MockServer, version: SignatureVersion) -> Client {
    Client::new(config_for(server, version)).expect("valid config")
}

/// The decoded query parameters of a received request.
pub(crate) fn query(request: &wiremock::Request) -> BTreeMap<String, String> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A header of a received request, as text.
pub(crate) fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every request the server received.
pub(crate) async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

/// A `DescribeBackups` backup set as the server sends it (`BackupId` as a number, as in the
/// documented examples).
pub(crate) fn backup(id: u64) -> Value {
    json!({
        "BackupId": id,
        "DBInstanceId": INSTANCE,
        "BackupStatus": "Success",
        "BackupType": "FullBackup",
        "BackupMode": "Automated",
        "BackupMethod": "Physical",
        "BackupStartTime": "2024-01-01T00:00:00Z",
        "BackupEndTime": "2024-01-01T00:10:00Z",
        "BackupSize": 2_167_808,
        "BackupDownloadURL": format!("https://rdsbak.example/{id}.tar.gz"),
        "HostInstanceID": 5_882_781,
    })
}

/// A one-page success body.
pub(crate) fn page_body(ids: &[u64], total: Value, page_number: Value) -> Value {
    json!({
        "RequestId": "1A6D328C-84B8-40DC-BF49-6C73984D7494",
        "TotalRecordCount": total,
        "PageNumber": page_number,
        "PageRecordCount": ids.len(),
        "Items": {"Backup": ids.iter().map(|id| backup(*id)).collect::<Vec<_>>()},
    })
}

/// An Alibaba error body.
pub(crate) fn error_body(code: &str, message: &str, request_id: &str) -> Value {
    json!({
        "RequestId": request_id,
        "HostId": "rds.aliyuncs.com",
        "Code": code,
        "Message": message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Rds&requestId={request_id}"),
    })
}
