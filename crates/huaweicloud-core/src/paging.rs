//! Offset/limit paging, as both Huawei services page (`offset`, `limit`, `total_count`), on top
//! of [`cloud_http::paginate`].

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use cloud_http::{Page, PageCursor, Record, lenient, paginate};
use futures::Stream;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Result;

/// The largest page both services allow (`limit` 1 to 100), and their default.
pub const MAX_LIMIT: i64 = 100;

/// One page of an offset/limit listing: its items and the `total_count` the service sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetPage<T> {
    items: Vec<T>,
    total: Option<i64>,
}

impl<T> OffsetPage<T> {
    /// A page of `items`, with the total number of items over all pages when the service
    /// sent it.
    pub fn new(items: Vec<T>, total: Option<i64>) -> Self {
        Self { items, total }
    }

    /// The items of the page.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The total number of items over all pages, when the service sent it.
    pub fn total(&self) -> Option<i64> {
        self.total
    }
}

impl<T: DeserializeOwned> OffsetPage<Record<T>> {
    /// The page of a listing response's JSON `body`, each item kept as received: the elements
    /// of the member `items_key` (e.g. `backups`) as [`Record`]s, and `total_count` (a number
    /// or a string, as [`lenient::integer`] reads it).
    ///
    /// The items are the ones a generated response's `Vec<T>` member keeps from the same body
    /// (both go through [`lenient::vec`]: elements `T` refuses are skipped), so a records
    /// stream built on this pages exactly as the typed stream does.
    ///
    /// ```
    /// use cloud_http::Record;
    /// use huaweicloud_core::OffsetPage;
    ///
    /// let body = serde_json::json!({"backups": [{"id": "b1", "size": 2803}, 7], "total_count": "1"});
    /// let page: OffsetPage<Record<serde_json::Map<String, serde_json::Value>>> =
    ///     OffsetPage::from_records(body.as_object().cloned().unwrap_or_default(), "backups");
    /// assert_eq!(page.total(), Some(1));
    /// assert_eq!(page.items().len(), 1);
    /// assert_eq!(page.items()[0].raw, body["backups"][0]);
    /// ```
    pub fn from_records(mut body: Map<String, Value>, items_key: &str) -> Self {
        let total = body
            .get("total_count")
            .and_then(|total| lenient::integer(total).ok().flatten());
        // A `Value` is valid JSON: `lenient::vec` cannot fail on one.
        let items = body
            .remove(items_key)
            .and_then(|items| lenient::vec(items).ok())
            .unwrap_or_default();
        Self::new(items, total)
    }
}

/// What the pager remembers between pages.
struct State {
    next_offset: i64,
    seen: HashSet<String>,
}

/// Every item of an offset/limit listing, as a lazy stream: `fetch(offset)` is called for the
/// next page only when the previous one has been consumed, starting at `first_offset`, each
/// next offset being the previous one plus the number of items received.
///
/// The stream:
///
/// * stops once the offset reaches the page's `total_count`, or, when the service sends no
///   total, after a page shorter than `limit`;
/// * never yields an item twice: items whose `key` (e.g. the backup id) was already yielded
///   are dropped (a backup made while paging shifts the later pages by one); items without a
///   key, or with a blank one, are all kept (they cannot be told apart);
/// * stops on an empty page, and after a page that brings nothing new (a service that ignores
///   `offset` and sends the same page again);
/// * yields an error once and ends.
///
/// ```
/// use futures::TryStreamExt;
/// use huaweicloud_core::{OffsetPage, offset_paginate};
///
/// # futures::executor::block_on(async {
/// let all: Vec<u32> = (0..250).collect();
/// let items: Vec<u32> = offset_paginate(0, 100, |n: &u32| Some(n.to_string()), |offset| {
///     let page = all.iter().copied().skip(offset as usize).take(100).collect();
///     async move { Ok(OffsetPage::new(page, Some(250))) }
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(items, all);
/// # Ok::<(), cloud_http::Error>(())
/// # }).unwrap();
/// ```
pub fn offset_paginate<'a, T, K, F, Fut>(
    first_offset: i64,
    limit: i64,
    key: K,
    mut fetch: F,
) -> impl Stream<Item = Result<T>> + Send + 'a
where
    T: Send + 'a,
    K: Fn(&T) -> Option<String> + Send + Sync + 'a,
    F: FnMut(i64) -> Fut + Send + 'a,
    Fut: Future<Output = Result<OffsetPage<T>>> + Send + 'a,
{
    let state = Arc::new(Mutex::new(State {
        next_offset: first_offset,
        seen: HashSet::new(),
    }));
    let key = Arc::new(key);
    paginate(move |_: PageCursor| {
        let offset = lock(&state).next_offset;
        let page = fetch(offset);
        let state = Arc::clone(&state);
        let key = Arc::clone(&key);
        async move {
            let page = page.await?;
            let received = page.items.len();
            let mut state = lock(&state);
            state.next_offset = state
                .next_offset
                .saturating_add(i64::try_from(received).unwrap_or(i64::MAX));
            let mut fresh = Vec::with_capacity(received);
            for item in page.items {
                // A blank key identifies nothing: such items are all kept.
                let is_new = key(&item)
                    .filter(|id| !id.trim().is_empty())
                    .is_none_or(|id| state.seen.insert(id));
                if is_new {
                    fresh.push(item);
                }
            }
            let last = received == 0
                || fresh.is_empty()
                || match page.total {
                    Some(total) => state.next_offset >= total,
                    None => i64::try_from(received).unwrap_or(i64::MAX) < limit,
                };
            Ok(Page::new(fresh).with_last(last))
        }
    })
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
