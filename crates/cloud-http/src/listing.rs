//! One paginator for every listing: [`Paged`] responses, [`PagedRequest`] requests, the
//! [`Paging`] plan and [`paginate_listing`], which owns the total, duplicate removal, the page
//! cap and the raw-record view ([`Records`]).
//!
//! The generated response and request types of each provider crate implement [`Paged`] and
//! [`PagedRequest`] (`cargo xtask codegen` writes them from the `paging` member of the
//! operation model); a client only says how to fetch one page.

use std::collections::HashSet;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

use futures::Stream;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

use crate::{Error, Page, PageCursor, Record, lenient, paginate};

/// The most pages one listing fetches unless [`Paging::with_max_pages`] says otherwise: a
/// million items at a page size of 100, the last guard against a server that never ends a
/// listing (no total, never a short page, always new ids).
pub const MAX_PAGES: u64 = 10_000;

/// How the pages of a listing are addressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageStyle {
    /// By page number, the first page being 1 (Alibaba's `PageNumber` and `PageSize`).
    Number,
    /// By the offset of the first item, from 0 (Huawei's `offset` and `limit`).
    Offset,
}

/// Where one page of a listing starts: what [`PagedRequest::at_page`] puts in the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageRequest {
    /// The page number, from 1 (for [`PageStyle::Number`]).
    pub number: i64,
    /// The offset of the page's first item, from 0 (for [`PageStyle::Offset`]).
    pub offset: i64,
    /// The page size (`PageSize`, `limit`).
    pub size: i64,
}

/// The plan of one listing: how its pages are addressed, where it starts, the page size and
/// the most pages it may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Paging {
    /// How the pages are addressed.
    pub style: PageStyle,
    /// The first page number ([`PageStyle::Number`]) or the first offset
    /// ([`PageStyle::Offset`]).
    pub first: i64,
    /// The page size.
    pub size: i64,
    /// The most pages the listing fetches; reaching it before the listing is complete is an
    /// error, never a silently short list.
    pub max_pages: u64,
}

impl Paging {
    /// Pages numbered from `first_page` (1 for the first), `page_size` items each. The values
    /// are sent as they are: the operation's own checks refuse ones out of range.
    pub fn by_number(first_page: i64, page_size: i64) -> Self {
        Self {
            style: PageStyle::Number,
            first: first_page,
            size: page_size,
            max_pages: MAX_PAGES,
        }
    }

    /// Pages from the item at `first_offset` (0 for the first), `limit` items each.
    pub fn by_offset(first_offset: i64, limit: i64) -> Self {
        Self {
            style: PageStyle::Offset,
            first: first_offset,
            size: limit,
            max_pages: MAX_PAGES,
        }
    }

    /// Sets the most pages the listing fetches (default [`MAX_PAGES`]).
    pub fn with_max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// The items before the first page asked for.
    fn skipped(&self) -> u64 {
        let first = u64::try_from(self.first).unwrap_or(0);
        match self.style {
            PageStyle::Number => first
                .saturating_sub(1)
                .saturating_mul(u64::try_from(self.size).unwrap_or(0)),
            PageStyle::Offset => first,
        }
    }
}

/// One page of a listing response, as the paginator reads it: its items, the total over all
/// pages, and the key that tells two items apart.
///
/// Implemented by the generated response types of every paged operation; [`Records`] is the
/// same page with each item also kept as received.
pub trait Paged: DeserializeOwned + Send + 'static {
    /// One item of the listing.
    type Item: Send + 'static;
    /// The item type as decoded from one element of the item array.
    type Element: DeserializeOwned + Send + 'static;
    /// The JSON keys leading from the body to the array of items, e.g. `["Items", "Backup"]`.
    const ITEMS: &'static [&'static str];
    /// The JSON key of the total number of items over all pages, when the service sends one.
    const TOTAL: Option<&'static str>;

    /// The total number of items over all pages, when the service sent it.
    fn total(&self) -> Option<i64>;

    /// The items of the page.
    fn into_items(self) -> Vec<Self::Item>;

    /// The key of an element (e.g. the backup id); `None` when it has none.
    fn element_key(element: &Self::Element) -> Option<&str>;

    /// The key of an item: two items with the same non-blank key are the same item.
    fn key(item: &Self::Item) -> Option<&str>;
}

/// A request of a paged operation: its paging plan, and the same request for one page.
pub trait PagedRequest: Clone + Send + Sync + 'static {
    /// The response of one page.
    type Response: Paged;

    /// The plan this request asks for: its own page number or offset and size, or the
    /// operation's defaults.
    fn paging(&self) -> Paging;

    /// This request for the page at `page`.
    fn at_page(&self, page: &PageRequest) -> Self;
}

/// A page of the paged response `P`, each item kept as received beside its typed value.
///
/// It reads the same members `P` reads (the keys [`Paged::ITEMS`] and [`Paged::TOTAL`], with
/// the same lenient rules: a total as a number or a string, elements the item type refuses
/// skipped), so a records stream pages exactly as the typed one does.
#[derive(Debug)]
pub struct Records<P: Paged> {
    total: Option<i64>,
    items: Vec<Record<P::Element>>,
    _page: PhantomData<fn() -> P>,
}

impl<P: Paged> Records<P> {
    /// The page read from a response body.
    pub fn from_body(mut body: Map<String, Value>) -> Self {
        let total = P::TOTAL
            .and_then(|key| body.get(key))
            .and_then(|total| lenient::integer(total).ok().flatten());
        let mut items = None;
        if let Some((first, rest)) = P::ITEMS.split_first() {
            let mut value = body.remove(*first);
            for key in rest {
                value = match value {
                    Some(Value::Object(mut object)) => object.remove(*key),
                    _ => None,
                };
            }
            // A `Value` is valid JSON: `lenient::vec` cannot fail on one.
            items = value.and_then(|items| lenient::vec(items).ok());
        }
        Self {
            total,
            items: items.unwrap_or_default(),
            _page: PhantomData,
        }
    }
}

impl<'de, P: Paged> Deserialize<'de> for Records<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let body = match Value::deserialize(deserializer)? {
            Value::Object(body) => body,
            _ => Map::new(),
        };
        Ok(Self::from_body(body))
    }
}

impl<P: Paged> Paged for Records<P> {
    type Item = Record<P::Element>;
    type Element = P::Element;
    const ITEMS: &'static [&'static str] = P::ITEMS;
    const TOTAL: Option<&'static str> = P::TOTAL;

    fn total(&self) -> Option<i64> {
        self.total
    }

    fn into_items(self) -> Vec<Record<P::Element>> {
        self.items
    }

    fn element_key(element: &P::Element) -> Option<&str> {
        P::element_key(element)
    }

    fn key(item: &Record<P::Element>) -> Option<&str> {
        P::element_key(&item.value)
    }
}

/// What the paginator remembers between pages.
#[derive(Debug)]
struct Progress {
    paging: Paging,
    pages: u64,
    received: u64,
    yielded: u64,
    seen: HashSet<String>,
}

impl Progress {
    fn new(paging: Paging) -> Self {
        Self {
            paging,
            pages: 0,
            received: 0,
            yielded: 0,
            seen: HashSet::new(),
        }
    }

    /// Where the next page starts.
    fn next_page(&self) -> PageRequest {
        let pages = i64::try_from(self.pages).unwrap_or(i64::MAX);
        let received = i64::try_from(self.received).unwrap_or(i64::MAX);
        let first = self.paging.first;
        PageRequest {
            number: match self.paging.style {
                PageStyle::Number => first.saturating_add(pages),
                PageStyle::Offset => pages.saturating_add(1),
            },
            offset: match self.paging.style {
                PageStyle::Number => i64::try_from(self.paging.skipped())
                    .unwrap_or(i64::MAX)
                    .saturating_add(received),
                PageStyle::Offset => first.saturating_add(received),
            },
            size: self.paging.size,
        }
    }

    /// Turns one response into the page to yield: its items not seen before, marked last when
    /// the listing is complete; an error when the page cap is reached first.
    fn accept<P: Paged>(&mut self, response: P) -> Result<Page<P::Item>, Error> {
        self.pages += 1;
        let total = response
            .total()
            .map(|total| u64::try_from(total).unwrap_or(0));
        let items = response.into_items();
        let received = items.len() as u64;
        self.received = self.received.saturating_add(received);
        let fresh: Vec<P::Item> = items
            .into_iter()
            .filter(|item| match P::key(item).map(str::trim) {
                Some(key) if !key.is_empty() => self.seen.insert(key.to_owned()),
                // Nothing to tell it apart by: keep it.
                _ => true,
            })
            .collect();
        self.yielded = self.yielded.saturating_add(fresh.len() as u64);
        // An empty page, or one that brings nothing new (a server that ignores the page
        // parameters), ends the listing; so does reaching the total or a short page.
        let complete = received == 0
            || fresh.is_empty()
            || match total {
                Some(total) => self.paging.skipped().saturating_add(self.yielded) >= total,
                None => received < u64::try_from(self.paging.size).unwrap_or(0),
            };
        if !complete && self.pages >= self.paging.max_pages {
            return Err(Error::decode(format!(
                "the listing did not end after {} pages ({} items; {}): stopped rather than \
                 page forever",
                self.pages,
                self.yielded,
                match total {
                    Some(total) => format!("the service says there are {total}"),
                    None => "the service sends no total".to_owned(),
                },
            )));
        }
        Ok(Page::new(fresh).with_last(complete))
    }
}

/// Every item of a listing, as a lazy stream: `fetch` gets the [`PageRequest`] of the next
/// page only when the consumer has taken every item of the previous one.
///
/// The stream:
///
/// * starts at the plan's first page (or offset) and asks for its page size;
/// * ends once the items yielded (plus those before the first page) reach the page's total,
///   or, when the service sends no total, after a page shorter than the page size;
/// * never yields an item twice: an item whose non-blank [`key`](Paged::key) was already
///   yielded is dropped (an item made while paging shifts the later pages by one); items with
///   no key, or a blank one, are all kept;
/// * ends on an empty page, and after a page that brings nothing new;
/// * yields an error once and ends: a failed page, or reaching the plan's page cap before the
///   listing is complete.
///
/// ```
/// use cloud_http::{Paged, Paging, PageRequest, paginate_listing};
/// use futures::TryStreamExt;
///
/// #[derive(serde::Deserialize)]
/// struct Numbers { items: Vec<u32>, total: i64 }
///
/// impl Paged for Numbers {
///     type Item = u32;
///     type Element = u32;
///     const ITEMS: &'static [&'static str] = &["items"];
///     const TOTAL: Option<&'static str> = Some("total");
///     fn total(&self) -> Option<i64> { Some(self.total) }
///     fn into_items(self) -> Vec<u32> { self.items }
///     fn element_key(_: &u32) -> Option<&str> { None }
///     fn key(_: &u32) -> Option<&str> { None }
/// }
///
/// # futures::executor::block_on(async {
/// let all: Vec<u32> = (0..250).collect();
/// let items: Vec<u32> = paginate_listing(Paging::by_offset(0, 100), |page: PageRequest| {
///     let items = all.iter().copied().skip(page.offset as usize).take(100).collect();
///     async move { Ok(Numbers { items, total: 250 }) }
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(items, all);
/// # Ok::<(), cloud_http::Error>(())
/// # }).unwrap();
/// ```
pub fn paginate_listing<'a, P, F, Fut>(
    paging: Paging,
    mut fetch: F,
) -> impl Stream<Item = Result<P::Item, Error>> + Send + 'a
where
    P: Paged,
    F: FnMut(PageRequest) -> Fut + Send + 'a,
    Fut: Future<Output = Result<P, Error>> + Send + 'a,
{
    let progress = Arc::new(Mutex::new(Progress::new(paging)));
    paginate(move |_: PageCursor| {
        let page = fetch(lock(&progress).next_page());
        let progress = Arc::clone(&progress);
        async move {
            let response = page.await?;
            lock(&progress).accept(response)
        }
    })
}

fn lock(progress: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Item {
        #[serde(default, deserialize_with = "crate::lenient::string")]
        id: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    struct Wrapper {
        #[serde(rename = "Backup", default, deserialize_with = "crate::lenient::vec")]
        backup: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    struct Response {
        #[serde(
            rename = "TotalRecordCount",
            default,
            deserialize_with = "crate::lenient::integer"
        )]
        total: Option<i64>,
        #[serde(rename = "Items", default, deserialize_with = "crate::lenient::object")]
        items: Option<Wrapper>,
    }

    impl Paged for Response {
        type Item = Item;
        type Element = Item;
        const ITEMS: &'static [&'static str] = &["Items", "Backup"];
        const TOTAL: Option<&'static str> = Some("TotalRecordCount");

        fn total(&self) -> Option<i64> {
            self.total
        }

        fn into_items(self) -> Vec<Item> {
            self.items.map(|items| items.backup).unwrap_or_default()
        }

        fn element_key(element: &Item) -> Option<&str> {
            element.id.as_deref()
        }

        fn key(item: &Item) -> Option<&str> {
            item.id.as_deref()
        }
    }

    fn response(ids: &[u64], total: Option<i64>) -> Response {
        serde_json::from_value(serde_json::json!({
            "TotalRecordCount": total.map(|total| total.to_string()),
            "Items": {"Backup": ids.iter().map(|id| serde_json::json!({"id": id})).collect::<Vec<_>>()},
        }))
        .unwrap()
    }

    fn ids(page: &Page<Item>) -> Vec<&str> {
        page.items
            .iter()
            .map(|item| item.id.as_deref().unwrap_or("-"))
            .collect()
    }

    #[test]
    fn a_listing_dedupes_and_stops_at_the_total() {
        let mut listing = Progress::new(Paging::by_number(1, 2));
        let page = listing.accept(response(&[1, 2], Some(4))).unwrap();
        assert_eq!((ids(&page), page.last), (vec!["1", "2"], false));
        // An item made meanwhile shifted the pages: 2 comes again, the total grew.
        let page = listing.accept(response(&[2, 3], Some(5))).unwrap();
        assert_eq!((ids(&page), page.last), (vec!["3"], false));
        let page = listing.accept(response(&[4, 5], Some(5))).unwrap();
        assert_eq!((ids(&page), page.last), (vec!["4", "5"], true));
    }

    #[test]
    fn without_a_total_a_short_page_is_the_last() {
        let mut listing = Progress::new(Paging::by_offset(0, 3));
        assert!(!listing.accept(response(&[1, 2, 3], None)).unwrap().last);
        assert!(listing.accept(response(&[4], None)).unwrap().last);
    }

    #[test]
    fn a_later_first_page_counts_the_skipped_items() {
        let mut listing = Progress::new(Paging::by_number(3, 30));
        assert_eq!(listing.next_page().number, 3);
        assert_eq!(listing.next_page().offset, 60);
        assert!(listing.accept(response(&[61, 62], Some(62))).unwrap().last);
        let mut listing = Progress::new(Paging::by_offset(150, 100));
        assert_eq!(listing.next_page().offset, 150);
        assert!(
            listing
                .accept(response(&[151, 152], Some(152)))
                .unwrap()
                .last
        );
    }

    #[test]
    fn the_next_page_follows_the_items_received() {
        let mut listing = Progress::new(Paging::by_offset(0, 2));
        listing.accept(response(&[1, 2], Some(10))).unwrap();
        listing.accept(response(&[2, 3], Some(10))).unwrap();
        assert_eq!(
            listing.next_page().offset,
            4,
            "duplicates count as received"
        );
        assert_eq!(listing.next_page().number, 3);
        let mut listing = Progress::new(Paging::by_number(1, 2));
        listing.accept(response(&[1, 2], Some(10))).unwrap();
        assert_eq!(listing.next_page().number, 2);
    }

    #[test]
    fn a_repeated_page_ends_the_listing() {
        let mut listing = Progress::new(Paging::by_number(1, 2));
        listing.accept(response(&[1, 2], Some(10))).unwrap();
        let page = listing.accept(response(&[1, 2], Some(10))).unwrap();
        assert!(page.items.is_empty() && page.last);
    }

    #[test]
    fn blank_keys_tell_nothing_apart_and_keys_are_trimmed() {
        let page: Response = serde_json::from_str(
            r#"{"Items": {"Backup": [{"id": ""}, {"id": " "}, {"id": "7"}, {"id": " 7 "}, {}, {}]}}"#,
        )
        .unwrap();
        let page = Progress::new(Paging::by_number(1, 30))
            .accept(page)
            .unwrap();
        assert_eq!(
            page.items.len(),
            5,
            "both blank ones, two without, and one 7"
        );
    }

    #[test]
    fn reaching_the_page_cap_before_the_end_is_an_error() {
        let mut listing = Progress::new(Paging::by_number(1, 1).with_max_pages(3));
        assert!(!listing.accept(response(&[1], None)).unwrap().last);
        assert!(!listing.accept(response(&[2], None)).unwrap().last);
        let error = listing.accept(response(&[3], None)).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Decode);
        assert!(
            error.to_string().contains("did not end after 3 pages"),
            "{error}"
        );
        // Complete on the last allowed page: no error.
        let mut listing = Progress::new(Paging::by_number(1, 1).with_max_pages(1));
        assert!(listing.accept(response(&[1], Some(1))).unwrap().last);
    }

    #[test]
    fn records_read_what_the_typed_page_reads() {
        let text = r#"{"TotalRecordCount": "3", "Items": {"Backup": [
            {"id": 321020562, "Encryption": {}},
            "junk",
            {"BackupStatus": "Failed"}
        ]}}"#;
        let typed: Response = serde_json::from_str(text).unwrap();
        let records: Records<Response> = serde_json::from_str(text).unwrap();
        assert_eq!(records.total(), typed.total());
        assert_eq!(records.total(), Some(3));
        let served: Value = serde_json::from_str(text).unwrap();
        let records = records.into_items();
        assert_eq!(records.len(), typed.into_items().len());
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].raw, served["Items"]["Backup"][0]);
        assert_eq!(records[1].raw, served["Items"]["Backup"][2]);
        assert_eq!(Records::<Response>::key(&records[0]), Some("321020562"));
        for odd in [r#"[]"#, r#"{"Items": "x"}"#, r#"{"Items": {"Backup": 3}}"#] {
            let records: Records<Response> = serde_json::from_str(odd).unwrap();
            assert!(records.into_items().is_empty(), "{odd}");
        }
    }

    #[tokio::test]
    async fn the_stream_pages_through_fetch() {
        use futures::TryStreamExt;
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        let items: Vec<Item> = paginate_listing(Paging::by_number(1, 2), move |page| {
            log.lock().unwrap().push(page.number);
            let start = u64::try_from(page.offset).unwrap();
            let ids: Vec<u64> = (start..(start + 2).min(5)).collect();
            async move { Ok(response(&ids, Some(5))) }
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items.len(), 5);
        assert_eq!(*asked.lock().unwrap(), [1, 2, 3]);
    }
}
