//! Offset paging: totals, duplicates, empty and repeated pages, errors; pages read as records.

use std::sync::{Arc, Mutex};

use cloud_http::Record;
use futures::{StreamExt, TryStreamExt};
use huaweicloud_core::{Error, OffsetPage, offset_paginate};

/// The offsets a fake listing was asked for.
type Asked = Arc<Mutex<Vec<i64>>>;
/// What a fake listing answers.
type Answer = std::future::Ready<Result<OffsetPage<u32>, Error>>;

/// A fake listing of `all`, recording the offsets asked for.
fn serve(
    all: Vec<u32>,
    total: Option<i64>,
    limit: usize,
) -> (Asked, impl FnMut(i64) -> Answer + Send) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&asked);
    let fetch = move |offset: i64| {
        log.lock().expect("not poisoned").push(offset);
        let page = all
            .iter()
            .copied()
            .skip(offset as usize)
            .take(limit)
            .collect();
        std::future::ready(Ok(OffsetPage::new(page, total)))
    };
    (asked, fetch)
}

fn key(n: &u32) -> Option<String> {
    Some(n.to_string())
}

#[tokio::test]
async fn pages_until_the_total() {
    let all: Vec<u32> = (0..250).collect();
    let (asked, fetch) = serve(all.clone(), Some(250), 100);
    let items: Vec<u32> = offset_paginate(0, 100, key, fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, all);
    assert_eq!(*asked.lock().unwrap(), [0, 100, 200]);
}

#[tokio::test]
async fn starts_at_the_first_offset() {
    let all: Vec<u32> = (0..250).collect();
    let (asked, fetch) = serve(all.clone(), Some(250), 100);
    let items: Vec<u32> = offset_paginate(150, 100, key, fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, all[150..]);
    assert_eq!(*asked.lock().unwrap(), [150]);
}

#[tokio::test]
async fn without_a_total_stops_after_a_short_page() {
    let all: Vec<u32> = (0..150).collect();
    let (asked, fetch) = serve(all.clone(), None, 100);
    let items: Vec<u32> = offset_paginate(0, 100, key, fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, all);
    assert_eq!(*asked.lock().unwrap(), [0, 100]);
}

#[tokio::test]
async fn a_server_ignoring_offset_does_not_loop() {
    let (asked, _) = serve(Vec::new(), None, 0);
    let log = Arc::clone(&asked);
    let fetch = move |offset: i64| {
        log.lock().unwrap().push(offset);
        std::future::ready(Ok(OffsetPage::new((0..100).collect(), Some(1000))))
    };
    let items: Vec<u32> = offset_paginate(0, 100, key, fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, (0..100).collect::<Vec<_>>());
    assert_eq!(*asked.lock().unwrap(), [0, 100]);
}

#[tokio::test]
async fn shifted_pages_yield_no_duplicates() {
    // A backup is added at the front after the first page: the second page repeats item 99.
    let pages = Arc::new(Mutex::new(vec![
        (0..100).collect::<Vec<u32>>(),
        (99..199).collect(),
        (199..201).collect(),
    ]));
    let fetch = move |_offset: i64| {
        let page = pages.lock().unwrap().remove(0);
        std::future::ready(Ok(OffsetPage::new(page, Some(201))))
    };
    let items: Vec<u32> = offset_paginate(0, 100, key, fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, (0..201).collect::<Vec<_>>());
}

#[tokio::test]
async fn an_empty_page_ends_the_stream() {
    let (asked, fetch) = serve(Vec::new(), Some(10), 100);
    let items: Vec<u32> = offset_paginate(0, 100, key, fetch)
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
    assert_eq!(asked.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_error_is_yielded_once() {
    let fetch = |_offset: i64| std::future::ready(Err::<OffsetPage<u32>, _>(Error::config("boom")));
    let results: Vec<Result<u32, Error>> = offset_paginate(0, 100, key, fetch).collect().await;
    assert_eq!(results.len(), 1);
    assert!(results[0].is_err());
}

/// An item as a generated type declares it: lenient fields, unknown members kept.
#[derive(Debug, Default, PartialEq, serde::Deserialize)]
struct Item {
    #[serde(default, deserialize_with = "cloud_http::lenient::string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "cloud_http::lenient::integer")]
    size: Option<i64>,
    #[serde(flatten)]
    unknown_fields: serde_json::Map<String, serde_json::Value>,
}

/// A response as a generated type declares it.
#[derive(Debug, serde::Deserialize)]
struct Response {
    #[serde(default, deserialize_with = "cloud_http::lenient::vec")]
    backups: Vec<Item>,
    #[serde(default, deserialize_with = "cloud_http::lenient::integer")]
    total_count: Option<i64>,
}

fn records(text: &str) -> OffsetPage<Record<Item>> {
    let body: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).expect("a JSON object");
    OffsetPage::from_records(body, "backups")
}

#[test]
fn records_pages_keep_the_items_the_typed_response_keeps_as_served() {
    let text = r#"{"backups": [
        {"id": "b1", "size": "2803", "datastore": {"type": "MySQL"}},
        "junk", 7, null,
        {"id ": "b2", "size": 2803.0}
    ], "total_count": "12"}"#;
    let typed: Response = serde_json::from_str(text).unwrap();
    let page = records(text);
    assert_eq!(page.total(), typed.total_count);
    assert_eq!(page.total(), Some(12));
    let values: Vec<&Item> = page.items().iter().map(|r| &r.value).collect();
    assert_eq!(values, typed.backups.iter().collect::<Vec<_>>());
    let served: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(page.items().len(), 2);
    assert_eq!(page.items()[0].raw, served["backups"][0]);
    assert_eq!(
        page.items()[0].raw["size"],
        "2803",
        "the string stays a string"
    );
    // The misspelt key stays in raw; the typed value has no id.
    assert_eq!(page.items()[1].raw, served["backups"][4]);
    assert_eq!(page.items()[1].value.id, None);
}

#[test]
fn records_pages_without_items_or_total() {
    for text in [
        r#"{}"#,
        r#"{"backups": null, "total_count": null}"#,
        r#"{"backups": {"id": "b1"}, "total_count": "many"}"#,
    ] {
        let page = records(text);
        assert!(page.items().is_empty(), "{text}");
        assert_eq!(page.total(), None, "{text}");
    }
    assert_eq!(
        records(r#"{"backups": [], "total_count": 0}"#).total(),
        Some(0)
    );
}

#[tokio::test]
async fn items_with_blank_keys_are_all_kept() {
    // Defect: a blank id was remembered like any other, so the second backup without an id
    // was dropped silently.
    let (asked, fetch) = serve((0..5).collect(), Some(5), 2);
    let blank = |n: &u32| match n {
        1 => Some(String::new()),
        3 => Some("  ".to_owned()),
        4 => None,
        n => Some(n.to_string()),
    };
    let items: Vec<u32> = offset_paginate(0, 2, blank, fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [0, 1, 2, 3, 4]);
    assert_eq!(*asked.lock().unwrap(), [0, 2, 4]);
}
