//! `Client::backups` and `Client::backup_records`: every page, no backup twice, and the stops
//! (total, empty page, repeated page, error); records keep each backup as served.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use aliyun_rds::{Backup, DescribeBackupsRequest, ErrorKind, Record, SignatureVersion};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{INSTANCE, backup, client_for, error_body, page_body, query, received};

/// A fake `DescribeBackups` that pages through `ids` as the real one does.
struct FakeRds {
    ids: Mutex<Vec<u64>>,
    /// The total the server claims; `None` = the real count.
    claimed_total: Option<u64>,
    /// Leave `TotalRecordCount` out.
    no_total: bool,
    /// Answer page 1 whatever `PageNumber` says.
    ignore_page_number: bool,
    /// Insert this backup at the head (newest first) after serving the first page.
    created_while_paging: Option<u64>,
    /// Fail this page with a validation error.
    failing_page: Option<usize>,
    served: AtomicUsize,
}

impl FakeRds {
    fn new(ids: Vec<u64>) -> Self {
        Self {
            ids: Mutex::new(ids),
            claimed_total: None,
            no_total: false,
            ignore_page_number: false,
            created_while_paging: None,
            failing_page: None,
            served: AtomicUsize::new(0),
        }
    }
}

impl Respond for FakeRds {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let params = query(request);
        let number = |name: &str, default: usize| {
            params
                .get(name)
                .map_or(default, |v| v.parse().expect("a number"))
        };
        let size = number("PageSize", 30);
        let page = if self.ignore_page_number {
            1
        } else {
            number("PageNumber", 1)
        };
        if self.failing_page == Some(page) {
            return ResponseTemplate::new(400).set_body_json(error_body(
                "InvalidParameter",
                "The specified parameter is not valid.",
                "FAILED-PAGE",
            ));
        }
        let mut ids = self.ids.lock().expect("not poisoned");
        let start = (page - 1) * size;
        let slice: Vec<u64> = ids.iter().copied().skip(start).take(size).collect();
        let total = self.claimed_total.unwrap_or(ids.len() as u64);
        // Documented as strings, sent as numbers in the examples: alternate.
        let total = if page % 2 == 0 {
            json!(total.to_string())
        } else {
            json!(total)
        };
        let mut body = page_body(&slice, total, json!(page.to_string()));
        if self.no_total {
            body.as_object_mut()
                .expect("an object")
                .remove("TotalRecordCount");
        }
        if self.served.fetch_add(1, Ordering::SeqCst) == 0
            && let Some(new) = self.created_while_paging
        {
            ids.insert(0, new);
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn serve(fake: FakeRds) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path("/"))
        .respond_with(fake)
        .mount(&server)
        .await;
    server
}

fn ids(backups: &[Backup]) -> Vec<u64> {
    backups
        .iter()
        .map(|b| {
            let id = b.backup_id.as_deref().expect("a BackupId");
            id.parse().expect("a numeric BackupId")
        })
        .collect()
}

fn sent(requests: &[Request], name: &str) -> Vec<String> {
    requests
        .iter()
        .map(|r| query(r).get(name).cloned().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn all_137_backups_at_every_page_size_none_twice() {
    let all: Vec<u64> = (1..=137).collect();
    for (page_size, version) in [
        (Some(30), SignatureVersion::V3),
        (Some(50), SignatureVersion::V2),
        (Some(100), SignatureVersion::V3),
        (None, SignatureVersion::V3),
    ] {
        let server = serve(FakeRds::new(all.clone())).await;
        let client = client_for(&server, version);
        let mut request = DescribeBackupsRequest::new(INSTANCE);
        if let Some(size) = page_size {
            request = request.with_page_size(size);
        }
        let backups: Vec<Backup> = client.backups(request).try_collect().await.unwrap();
        assert_eq!(ids(&backups), all, "page size {page_size:?}");

        let size = page_size.unwrap_or(100);
        let pages = 137_usize.div_ceil(usize::try_from(size).unwrap());
        let requests = received(&server).await;
        assert_eq!(requests.len(), pages, "page size {page_size:?}");
        assert!(
            sent(&requests, "PageSize")
                .iter()
                .all(|s| *s == size.to_string())
        );
        let numbers: Vec<String> = (1..=pages).map(|n| n.to_string()).collect();
        assert_eq!(sent(&requests, "PageNumber"), numbers);
    }
}

#[tokio::test]
async fn a_backup_created_while_paging_is_not_yielded_twice() {
    // Newest first, as the service lists them; 138 appears after page 1 was served, which
    // shifts every later page by one.
    let listed: Vec<u64> = (1..=137).rev().collect();
    let mut fake = FakeRds::new(listed.clone());
    fake.created_while_paging = Some(138);
    let server = serve(fake).await;
    let client = client_for(&server, SignatureVersion::V3);

    let backups: Vec<Backup> = client
        .backups(DescribeBackupsRequest::new(INSTANCE).with_page_size(30))
        .try_collect()
        .await
        .unwrap();
    let got = ids(&backups);
    let unique: HashSet<u64> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "a backup came twice: {got:?}");
    assert_eq!(got, listed);
    // 138 in all now: five pages, the last with one backup seen already, then an empty one.
    assert_eq!(received(&server).await.len(), 6);
}

#[tokio::test]
async fn a_server_ignoring_page_number_stops_after_a_page_with_nothing_new() {
    let mut fake = FakeRds::new((1..=137).collect());
    fake.ignore_page_number = true;
    let server = serve(fake).await;
    let client = client_for(&server, SignatureVersion::V3);

    let backups: Vec<Backup> = client
        .backups(DescribeBackupsRequest::new(INSTANCE).with_page_size(30))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&backups), (1..=30).collect::<Vec<_>>());
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn an_empty_page_ends_the_listing_even_below_the_total() {
    let mut fake = FakeRds::new((1..=137).collect());
    fake.claimed_total = Some(500);
    let server = serve(fake).await;
    let client = client_for(&server, SignatureVersion::V3);

    let backups: Vec<Backup> = client
        .backups(DescribeBackupsRequest::new(INSTANCE))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(backups.len(), 137);
    // 100, 37, then an empty page.
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn from_a_later_page_without_a_total_stops_at_a_short_page() {
    let mut fake = FakeRds::new((1..=137).collect());
    fake.no_total = true;
    let server = serve(fake).await;
    let client = client_for(&server, SignatureVersion::V3);

    let backups: Vec<Backup> = client
        .backups(
            DescribeBackupsRequest::new(INSTANCE)
                .with_page_size(50)
                .with_page_number(2),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&backups), (51..=137).collect::<Vec<_>>());
    let requests = received(&server).await;
    assert_eq!(sent(&requests, "PageNumber"), ["2", "3"]);
}

#[tokio::test]
async fn a_failing_page_yields_its_error_once_then_ends() {
    let mut fake = FakeRds::new((1..=137).collect());
    fake.failing_page = Some(2);
    let server = serve(fake).await;
    let client = client_for(&server, SignatureVersion::V3);

    let results: Vec<_> = client
        .backups(DescribeBackupsRequest::new(INSTANCE).with_page_size(30))
        .collect()
        .await;
    assert_eq!(results.len(), 31);
    assert!(results[..30].iter().all(Result::is_ok));
    let error = results[30].as_ref().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.code(), Some("InvalidParameter"));
    assert_eq!(error.request_id(), Some("FAILED-PAGE"));
    // Validation errors are not retried: pages 1 and 2, once each.
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn pages_are_fetched_only_as_the_stream_is_consumed() {
    let server = serve(FakeRds::new((1..=137).collect())).await;
    let client = client_for(&server, SignatureVersion::V3);

    let first: Vec<Backup> = client
        .backups(DescribeBackupsRequest::new(INSTANCE).with_page_size(30))
        .take(30)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 30);
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn backups_without_an_id_are_all_kept() {
    let server = MockServer::start().await;
    let body: Value = json!({
        "TotalRecordCount": "2",
        "Items": {"Backup": [{"BackupStatus": "Success"}, {"BackupStatus": "Failed"}]},
    });
    Mock::given(wiremock::matchers::path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V3);
    let backups: Vec<Backup> = client
        .backups(DescribeBackupsRequest::new(INSTANCE))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(backups.len(), 2);
    assert_eq!(received(&server).await.len(), 1);
}

fn record_ids(records: &[Record<Backup>]) -> Vec<u64> {
    let typed: Vec<Backup> = records.iter().map(|r| r.value.clone()).collect();
    ids(&typed)
}

#[tokio::test]
async fn records_page_as_backups_do_and_keep_each_backup_as_served() {
    let all: Vec<u64> = (1..=137).collect();
    for page_size in [Some(30), None] {
        let server = serve(FakeRds::new(all.clone())).await;
        let client = client_for(&server, SignatureVersion::V3);
        let mut request = DescribeBackupsRequest::new(INSTANCE);
        if let Some(size) = page_size {
            request = request.with_page_size(size);
        }
        let records: Vec<Record<Backup>> = client
            .backup_records(request.clone())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(record_ids(&records), all, "page size {page_size:?}");
        for (record, id) in records.iter().zip(&all) {
            assert_eq!(record.raw, backup(*id), "raw is the served element");
            assert!(record.raw["BackupId"].is_u64(), "a number stays a number");
            assert_eq!(record.value.backup_id, Some(id.to_string()));
        }
        let record_requests = received(&server).await;

        // The typed stream sends exactly the same pages.
        server.reset().await;
        server
            .register(
                Mock::given(wiremock::matchers::path("/")).respond_with(FakeRds::new(all.clone())),
            )
            .await;
        let backups: Vec<Backup> = client.backups(request).try_collect().await.unwrap();
        assert_eq!(
            records.iter().map(|r| &r.value).collect::<Vec<_>>(),
            backups.iter().collect::<Vec<_>>()
        );
        let typed_requests = received(&server).await;
        for name in ["PageNumber", "PageSize", "DBInstanceId"] {
            assert_eq!(
                sent(&record_requests, name),
                sent(&typed_requests, name),
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn records_never_come_twice_and_stop_on_a_repeated_page() {
    let listed: Vec<u64> = (1..=137).rev().collect();
    let mut fake = FakeRds::new(listed.clone());
    fake.created_while_paging = Some(138);
    let server = serve(fake).await;
    let client = client_for(&server, SignatureVersion::V2);
    let records: Vec<Record<Backup>> = client
        .backup_records(DescribeBackupsRequest::new(INSTANCE).with_page_size(30))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(record_ids(&records), listed);
    assert_eq!(received(&server).await.len(), 6);

    let mut fake = FakeRds::new((1..=137).collect());
    fake.ignore_page_number = true;
    let server = serve(fake).await;
    let client = client_for(&server, SignatureVersion::V3);
    let records: Vec<Record<Backup>> = client
        .backup_records(DescribeBackupsRequest::new(INSTANCE).with_page_size(30))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(record_ids(&records), (1..=30).collect::<Vec<_>>());
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn records_keep_odd_values_and_unknown_members_as_served() {
    let server = MockServer::start().await;
    let body = r#"{"RequestId": "R", "TotalRecordCount": 2, "Items": {"Backup": [
        {"BackupId": "7", "BackupSize": "2167808.0", "Encryption": {}, "New": [1, 2.5, null]},
        42,
        {"BackupStatus": "Failed"}
    ]}}"#;
    Mock::given(wiremock::matchers::path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let client = client_for(&server, SignatureVersion::V3);
    let records: Vec<Record<Backup>> = client
        .backup_records(DescribeBackupsRequest::new(INSTANCE))
        .try_collect()
        .await
        .unwrap();
    let served: Value = serde_json::from_str(body).unwrap();
    // The number 42 is no backup set: skipped, as the typed stream skips it.
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].raw, served["Items"]["Backup"][0]);
    assert_eq!(records[0].value.backup_size, Some(2_167_808));
    assert_eq!(records[1].raw, served["Items"]["Backup"][2]);
}

#[tokio::test]
async fn a_failing_records_page_yields_its_error_once_then_ends() {
    let mut fake = FakeRds::new((1..=137).collect());
    fake.failing_page = Some(2);
    let server = serve(fake).await;
    let client = client_for(&server, SignatureVersion::V3);
    let results: Vec<_> = client
        .backup_records(DescribeBackupsRequest::new(INSTANCE).with_page_size(30))
        .collect()
        .await;
    assert_eq!(results.len(), 31);
    let error = results[30].as_ref().unwrap_err();
    assert_eq!(error.code(), Some("InvalidParameter"));
    assert_eq!(error.request_id(), Some("FAILED-PAGE"));
    assert_eq!(received(&server).await.len(), 2);

    // An invalid request is refused before anything is sent.
    let results: Vec<_> = client
        .backup_records(DescribeBackupsRequest::new(INSTANCE).with_page_size(7))
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].as_ref().unwrap_err().kind(), ErrorKind::Config);
    assert_eq!(received(&server).await.len(), 2);
}
