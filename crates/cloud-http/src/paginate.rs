//! Turns a page-fetching closure into a lazy stream of items.

use std::collections::VecDeque;
use std::future::Future;

use futures::Stream;

use crate::Error;

/// Where the next page starts: handed to the fetch closure of [`paginate`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageCursor {
    /// The page to fetch, 0 for the first. (Alibaba's `PageNumber` is `page_index + 1`.)
    pub page_index: u64,
    /// Items received so far (Huawei's `offset`).
    pub items_so_far: u64,
}

/// One page: its items and, when the service says it, the total number of items.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The total number of items over all pages, when known.
    pub total: Option<u64>,
    /// The service said this is the last page (e.g. no next marker).
    pub last: bool,
}

impl<T> Page<T> {
    /// A page of `items`, total unknown, not known to be the last.
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            total: None,
            last: false,
        }
    }

    /// Sets the total number of items over all pages.
    pub fn with_total(mut self, total: u64) -> Self {
        self.total = Some(total);
        self
    }

    /// Marks this page as the last one.
    pub fn with_last(mut self, last: bool) -> Self {
        self.last = last;
        self
    }
}

/// The state carried between pages.
struct Pager<T, F> {
    fetch: F,
    cursor: PageCursor,
    buffer: VecDeque<T>,
    done: bool,
}

/// A lazy stream of the items of all pages.
///
/// `fetch` is called with the cursor of the next page only when the consumer has taken every
/// item of the previous one. The stream ends after a page that brings the items received to the
/// page's `total` or more, after an empty page, after a page marked
/// [`last`](Page::with_last), or after the first error, which it yields once.
///
/// ```
/// use cloud_http::{paginate, Page, PageCursor};
/// use futures::TryStreamExt;
///
/// # futures::executor::block_on(async {
/// let all: Vec<u32> = (1..=5).collect();
/// let items: Vec<u32> = paginate(|cursor: PageCursor| {
///     let all = all.clone();
///     async move {
///         let start = cursor.items_so_far as usize;
///         let end = (start + 2).min(all.len());
///         Ok(Page::new(all[start..end].to_vec()).with_total(all.len() as u64))
///     }
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(items, [1, 2, 3, 4, 5]);
/// # Ok::<(), cloud_http::Error>(())
/// # }).unwrap();
/// ```
pub fn paginate<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(PageCursor) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    let start = Pager {
        fetch,
        cursor: PageCursor::default(),
        buffer: VecDeque::new(),
        done: false,
    };
    futures::stream::unfold(start, |mut pager| async move {
        loop {
            if let Some(item) = pager.buffer.pop_front() {
                return Some((Ok(item), pager));
            }
            if pager.done {
                return None;
            }
            match (pager.fetch)(pager.cursor).await {
                Err(error) => {
                    pager.done = true;
                    return Some((Err(error), pager));
                }
                Ok(page) => {
                    let count = page.items.len() as u64;
                    pager.cursor.page_index += 1;
                    pager.cursor.items_so_far += count;
                    pager.done = count == 0
                        || page.last
                        || page
                            .total
                            .is_some_and(|total| pager.cursor.items_so_far >= total);
                    pager.buffer.extend(page.items);
                }
            }
        }
    })
}
