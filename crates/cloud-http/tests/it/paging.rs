//! The paging stream: lazy, stops at the total or an empty page, yields an error once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cloud_http::{Error, Page, PageCursor, paginate};
use futures::{StreamExt, TryStreamExt};

/// A server of `total` numbered items, `size` per page, counting fetches.
fn pages(
    total: u64,
    size: u64,
    report_total: bool,
    fetches: Arc<AtomicU64>,
) -> impl FnMut(PageCursor) -> std::future::Ready<Result<Page<u64>, Error>> {
    move |cursor: PageCursor| {
        fetches.fetch_add(1, Ordering::SeqCst);
        assert_eq!(cursor.items_so_far, cursor.page_index * size);
        let start = cursor.items_so_far;
        let end = (start + size).min(total);
        let page = Page::new((start..end).collect());
        std::future::ready(Ok(if report_total {
            page.with_total(total)
        } else {
            page
        }))
    }
}

#[tokio::test]
async fn stops_at_the_total() {
    let fetches = Arc::new(AtomicU64::new(0));
    let items: Vec<u64> = paginate(pages(5, 2, true, fetches.clone()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [0, 1, 2, 3, 4]);
    assert_eq!(fetches.load(Ordering::SeqCst), 3);

    // An exact multiple: no extra fetch of an empty page.
    let fetches = Arc::new(AtomicU64::new(0));
    let items: Vec<u64> = paginate(pages(4, 2, true, fetches.clone()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn stops_on_an_empty_page() {
    let fetches = Arc::new(AtomicU64::new(0));
    let items: Vec<u64> = paginate(pages(4, 2, false, fetches.clone()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [0, 1, 2, 3]);
    assert_eq!(fetches.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn stops_after_a_last_page() {
    let mut fetches = 0;
    let items: Vec<u32> = paginate(|_cursor| {
        fetches += 1;
        std::future::ready(Ok(Page::new(vec![1, 2]).with_last(true)))
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [1, 2]);
    assert_eq!(fetches, 1);
}

#[tokio::test]
async fn fetches_lazily() {
    let fetches = Arc::new(AtomicU64::new(0));
    let stream = paginate(pages(100, 2, true, fetches.clone()));
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        0,
        "nothing fetched before polling"
    );
    let first: Vec<u64> = stream.take(3).try_collect().await.unwrap();
    assert_eq!(first, [0, 1, 2]);
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn yields_an_error_once_then_ends() {
    let mut fetches = 0;
    let results: Vec<Result<u32, Error>> = paginate(|cursor: PageCursor| {
        fetches += 1;
        std::future::ready(if cursor.page_index == 0 {
            Ok(Page::new(vec![1, 2]).with_total(10))
        } else {
            Err(Error::transport("connection reset"))
        })
    })
    .collect()
    .await;
    assert_eq!(fetches, 2);
    assert_eq!(results.len(), 3);
    assert_eq!(*results[0].as_ref().unwrap(), 1);
    assert_eq!(*results[1].as_ref().unwrap(), 2);
    assert!(results[2].is_err());
}

#[tokio::test]
async fn async_fetch_closures_work() {
    let items: Vec<String> = paginate(|cursor: PageCursor| async move {
        tokio::task::yield_now().await;
        let items = if cursor.page_index < 2 {
            vec![format!("page-{}", cursor.page_index)]
        } else {
            Vec::new()
        };
        Ok(Page::new(items))
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, ["page-0", "page-1"]);
}
