//! The one paginator (`paginate_listing`) over offsets and page numbers: totals, duplicates,
//! blank keys, empty and repeated pages, the page cap, errors; pages read as records.

use std::sync::{Arc, Mutex};

use cloud_http::{Error, ErrorKind, PageRequest, Paged, Paging, Records, paginate_listing};
use futures::{StreamExt, TryStreamExt};

/// An item as a generated type declares it: lenient fields, unknown members kept.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
struct Item {
    #[serde(default, deserialize_with = "cloud_http::lenient::string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "cloud_http::lenient::integer")]
    size: Option<i64>,
    #[serde(flatten)]
    unknown_fields: serde_json::Map<String, serde_json::Value>,
}

/// A response as a generated type declares it (Huawei's shape: `backups`, `total_count`).
#[derive(Debug, serde::Deserialize)]
struct Response {
    #[serde(default, deserialize_with = "cloud_http::lenient::vec")]
    backups: Vec<Item>,
    #[serde(default, deserialize_with = "cloud_http::lenient::integer")]
    total_count: Option<i64>,
}

impl Paged for Response {
    type Item = Item;
    type Element = Item;
    const ITEMS: &'static [&'static str] = &["backups"];
    const TOTAL: Option<&'static str> = Some("total_count");

    fn total(&self) -> Option<i64> {
        self.total_count
    }

    fn into_items(self) -> Vec<Item> {
        self.backups
    }

    fn element_key(element: &Item) -> Option<&str> {
        element.id.as_deref()
    }

    fn key(item: &Item) -> Option<&str> {
        item.id.as_deref()
    }
}

fn item(n: u32) -> Item {
    Item {
        id: Some(n.to_string()),
        ..Item::default()
    }
}

fn page(ids: impl IntoIterator<Item = u32>, total: Option<i64>) -> Response {
    Response {
        backups: ids.into_iter().map(item).collect(),
        total_count: total,
    }
}

fn numbers(items: &[Item]) -> Vec<u32> {
    items
        .iter()
        .map(|item| {
            item.id
                .as_deref()
                .and_then(|id| id.parse().ok())
                .unwrap_or(u32::MAX)
        })
        .collect()
}

/// The pages a fake listing was asked for.
type Asked = Arc<Mutex<Vec<PageRequest>>>;

/// A fake offset listing of `0..count`, recording the pages asked for.
fn serve(
    count: u32,
    total: Option<i64>,
) -> (
    Asked,
    impl FnMut(PageRequest) -> std::future::Ready<Result<Response, Error>> + Send,
) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&asked);
    let fetch = move |request: PageRequest| {
        log.lock().expect("not poisoned").push(request);
        let start = u32::try_from(request.offset).expect("a small offset");
        let end = (start + u32::try_from(request.size).expect("a small size")).min(count);
        std::future::ready(Ok(page(start..end.max(start), total)))
    };
    (asked, fetch)
}

fn offsets(asked: &Asked) -> Vec<i64> {
    asked
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|page| page.offset)
        .collect()
}

#[tokio::test]
async fn pages_until_the_total() {
    let (asked, fetch) = serve(250, Some(250));
    let items: Vec<Item> = paginate_listing(Paging::by_offset(0, 100), fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(numbers(&items), (0..250).collect::<Vec<_>>());
    assert_eq!(offsets(&asked), [0, 100, 200]);
}

#[tokio::test]
async fn pages_by_number_ask_for_each_page_and_its_size() {
    let (asked, fetch) = serve(250, Some(250));
    let items: Vec<Item> = paginate_listing(Paging::by_number(1, 100), fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 250);
    let pages: Vec<(i64, i64)> = asked
        .lock()
        .unwrap()
        .iter()
        .map(|page| (page.number, page.size))
        .collect();
    assert_eq!(pages, [(1, 100), (2, 100), (3, 100)]);
}

#[tokio::test]
async fn starts_at_the_first_offset() {
    let (asked, fetch) = serve(250, Some(250));
    let items: Vec<Item> = paginate_listing(Paging::by_offset(150, 100), fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(numbers(&items), (150..250).collect::<Vec<_>>());
    assert_eq!(offsets(&asked), [150]);
}

#[tokio::test]
async fn without_a_total_stops_after_a_short_page() {
    let (asked, fetch) = serve(150, None);
    let items: Vec<Item> = paginate_listing(Paging::by_offset(0, 100), fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 150);
    assert_eq!(offsets(&asked), [0, 100]);
}

#[tokio::test]
async fn a_server_ignoring_the_page_does_not_loop() {
    let asked: Asked = Arc::default();
    let log = Arc::clone(&asked);
    let fetch = move |request: PageRequest| {
        log.lock().unwrap().push(request);
        std::future::ready(Ok(page(0..100, Some(1000))))
    };
    let items: Vec<Item> = paginate_listing(Paging::by_offset(0, 100), fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(numbers(&items), (0..100).collect::<Vec<_>>());
    assert_eq!(offsets(&asked), [0, 100]);
}

#[tokio::test]
async fn shifted_pages_yield_no_duplicates() {
    // An item is added at the front after the first page: the second page repeats item 99.
    let pages = Arc::new(Mutex::new(vec![
        page(0..100, Some(201)),
        page(99..199, Some(201)),
        page(199..201, Some(201)),
    ]));
    let fetch = move |_: PageRequest| std::future::ready(Ok(pages.lock().unwrap().remove(0)));
    let items: Vec<Item> = paginate_listing(Paging::by_offset(0, 100), fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(numbers(&items), (0..201).collect::<Vec<_>>());
}

#[tokio::test]
async fn items_with_blank_keys_are_all_kept() {
    // Defect: a blank id was remembered like any other, so the second backup without an id
    // was dropped silently.
    let pages = Arc::new(Mutex::new(vec![
        Response {
            backups: vec![
                item(0),
                Item {
                    id: Some(String::new()),
                    ..Item::default()
                },
            ],
            total_count: Some(5),
        },
        Response {
            backups: vec![
                item(2),
                Item {
                    id: Some("  ".into()),
                    ..Item::default()
                },
            ],
            total_count: Some(5),
        },
        Response {
            backups: vec![Item::default()],
            total_count: Some(5),
        },
    ]));
    let asked: Asked = Arc::default();
    let log = Arc::clone(&asked);
    let fetch = move |request: PageRequest| {
        log.lock().unwrap().push(request);
        std::future::ready(Ok(pages.lock().unwrap().remove(0)))
    };
    let items: Vec<Item> = paginate_listing(Paging::by_offset(0, 2), fetch)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(offsets(&asked), [0, 2, 4]);
}

#[tokio::test]
async fn an_empty_page_ends_the_stream() {
    let (asked, fetch) = serve(0, Some(10));
    let items: Vec<Item> = paginate_listing(Paging::by_offset(0, 100), fetch)
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
    assert_eq!(asked.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_error_is_yielded_once() {
    let fetch = |_: PageRequest| std::future::ready(Err::<Response, _>(Error::config("boom")));
    let results: Vec<Result<Item, Error>> = paginate_listing(Paging::by_offset(0, 100), fetch)
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    assert!(results[0].is_err());
}

#[tokio::test]
async fn a_listing_that_never_ends_is_an_error_at_the_page_cap() {
    // Always a full page of new items, never a total: only the cap stops it.
    let fetch = |request: PageRequest| {
        let start = u32::try_from(request.offset).unwrap();
        std::future::ready(Ok(page(start..start + 2, None)))
    };
    let results: Vec<Result<Item, Error>> =
        paginate_listing(Paging::by_offset(0, 2).with_max_pages(5), fetch)
            .collect()
            .await;
    assert_eq!(results.len(), 9, "four pages of items, then the error");
    let error = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(
        error.to_string().contains("did not end after 5 pages"),
        "{error}"
    );
}

fn records(text: &str) -> Records<Response> {
    serde_json::from_str(text).expect("a records page")
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
    let items = page.into_items();
    let values: Vec<&Item> = items.iter().map(|r| &r.value).collect();
    assert_eq!(values, typed.backups.iter().collect::<Vec<_>>());
    let served: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].raw, served["backups"][0]);
    assert_eq!(items[0].raw["size"], "2803", "the string stays a string");
    // The misspelt key stays in raw; the typed value has no id.
    assert_eq!(items[1].raw, served["backups"][4]);
    assert_eq!(items[1].value.id, None);
}

#[test]
fn records_pages_without_items_or_total() {
    for text in [
        r#"{}"#,
        r#"{"backups": null, "total_count": null}"#,
        r#"{"backups": {"id": "b1"}, "total_count": "many"}"#,
        r#"[1, 2]"#,
    ] {
        let page = records(text);
        assert_eq!(page.total(), None, "{text}");
        assert!(page.into_items().is_empty(), "{text}");
    }
    assert_eq!(
        records(r#"{"backups": [], "total_count": 0}"#).total(),
        Some(0)
    );
}
