//! Backup files: ranges, links, sizes.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use cloud_sandbox::{ALIYUN_INSTANCE_ID, Provider, RequestKind, Sandbox, SandboxConfig};
use time::{Duration, OffsetDateTime};

use crate::support::{self, http};

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers()[name].to_str().expect("a text header")
}

#[tokio::test]
async fn range_requests() {
    let sandbox = support::sandbox();
    let file = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 3)
        .unwrap();
    let (url, size) = (&file.download_url, file.size);

    let whole = http().get(url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(header(&whole, "accept-ranges"), "bytes");
    assert_eq!(header(&whole, "content-length"), size.to_string());
    assert!(header(&whole, "etag").starts_with('"'));
    assert!(header(&whole, "last-modified").ends_with(" GMT"));
    let body = whole.bytes().await.unwrap();
    assert_eq!(body.len() as u64, size);
    assert_eq!(&body[..], &file.content(0, body.len())[..]);

    let cases = [
        ("bytes=100-199".to_owned(), 100, 199),
        ("bytes=-10".to_owned(), size - 10, size - 1),
        (format!("bytes={}-", size - 1), size - 1, size - 1),
        (format!("bytes=0-{}", size + 1000), 0, size - 1),
    ];
    for (range, first, last) in cases {
        let response = http()
            .get(url)
            .header("range", &range)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 206, "{range}");
        assert_eq!(
            header(&response, "content-range"),
            format!("bytes {first}-{last}/{size}")
        );
        assert_eq!(
            header(&response, "content-length"),
            (last - first + 1).to_string()
        );
        let body = response.bytes().await.unwrap();
        let len = usize::try_from(last - first + 1).unwrap();
        assert_eq!(&body[..], &file.content(first, len)[..], "{range}");
    }

    let past = http()
        .get(url)
        .header("range", format!("bytes={size}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), 416);
    assert_eq!(header(&past, "content-range"), format!("bytes */{size}"));
    assert!(
        past.text()
            .await
            .unwrap()
            .contains("<Code>InvalidRange</Code>")
    );

    // Several ranges are not supported: the whole file.
    let multi = http()
        .get(url)
        .header("range", "bytes=0-1,5-6")
        .send()
        .await
        .unwrap();
    assert_eq!(multi.status(), 200);

    // If-Range with another entity tag: the whole file; with this one: the range.
    let etag = header(&http().head(url).send().await.unwrap(), "etag").to_owned();
    let stale = http()
        .get(url)
        .header("range", "bytes=0-9")
        .header("if-range", "\"0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
    let fresh = http()
        .get(url)
        .header("range", "bytes=0-9")
        .header("if-range", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), 206);

    let head = http().head(url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "content-length"), size.to_string());
    assert!(head.bytes().await.unwrap().is_empty());

    let downloads: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.kind == RequestKind::Download)
        .collect();
    assert!(downloads.len() >= 9);
    assert!(
        downloads
            .iter()
            .all(|r| r.service == Some(Provider::AliyunRds))
    );
}

#[tokio::test]
async fn expired_and_tampered_links_are_refused() {
    let offset = Arc::new(AtomicI64::new(0));
    let clock = Arc::clone(&offset);
    let sandbox = Sandbox::start(SandboxConfig::default().with_clock(move || {
        OffsetDateTime::now_utc() + Duration::seconds(clock.load(Ordering::SeqCst))
    }))
    .unwrap();
    let file = sandbox
        .backup(
            Provider::HuaweiCloudRds,
            cloud_sandbox::HUAWEI_RDS_INSTANCE_ID,
            0,
        )
        .unwrap();
    let url = &file.download_url;
    assert_eq!(http().head(url).send().await.unwrap().status(), 200);

    let tampered = url.replace("&Signature=", "&Signature=AAAA");
    let response = http().get(&tampered).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<Code>SignatureDoesNotMatch</Code>")
    );

    let unsigned = url.split('?').next().unwrap();
    let response = http().get(unsigned).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<Code>AccessDenied</Code>")
    );

    let wrong_name = url.replace(".qp?", ".zip?");
    assert_eq!(http().get(&wrong_name).send().await.unwrap().status(), 404);

    // Huawei links live five minutes.
    offset.store(6 * 60, Ordering::SeqCst);
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Request has expired.")
    );
}

#[tokio::test]
async fn a_huge_file_costs_nothing() {
    let size: u64 = 5 << 30;
    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .with_file_size(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0, size)
            // Huawei sizes are whole KB.
            .with_file_size(
                Provider::HuaweiCloudRds,
                cloud_sandbox::HUAWEI_RDS_INSTANCE_ID,
                1,
                1000,
            ),
    )
    .unwrap();
    let file = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    assert_eq!(file.size, size);
    let head = http().head(&file.download_url).send().await.unwrap();
    assert_eq!(header(&head, "content-length"), size.to_string());
    let tail = http()
        .get(&file.download_url)
        .header("range", "bytes=-16")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&tail[..], &file.content(size - 16, 16)[..]);

    // The API reports the same size.
    let client = support::aliyun_demo(&sandbox, aliyun_rds::SignatureVersion::V3);
    let page = client
        .describe_backups(&aliyun_rds::DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap();
    assert_eq!(page.items.unwrap().backup[0].backup_size, Some(size as i64));

    let rounded = sandbox
        .backup(
            Provider::HuaweiCloudRds,
            cloud_sandbox::HUAWEI_RDS_INSTANCE_ID,
            1,
        )
        .unwrap();
    assert_eq!(rounded.size, 1024);
    let found = sandbox
        .find_backup(Provider::HuaweiCloudRds, &rounded.backup_id)
        .unwrap();
    assert_eq!(found.size, 1024);
}
