//! `download_to_sink`: the body goes to a sink (an object store's upload, in real use) instead
//! of a `.part` file; it is resumed within the call, restarted when the server ignores ranges,
//! completed only after every check passed and aborted otherwise.

use std::sync::{Arc, Mutex};

use cloud_http::bytes::Bytes;
use cloud_http::{
    Check, Download, DownloadSink, Error, ErrorKind, ExpectedChecksum, download_to_sink,
};
use futures::future::BoxFuture;

use crate::download::{FileServer, Reply, client, crc64_of, fast, file_body, sha256_hex};

/// What a [`MemorySink`] went through.
#[derive(Debug, Default)]
struct Seen {
    data: Vec<u8>,
    restarts: u32,
    completed: bool,
    aborted: bool,
    /// What it held when completed.
    visible: Option<Vec<u8>>,
}

/// A sink in memory; `fail_after` fails the write that would take it past so many bytes.
struct MemorySink {
    seen: Arc<Mutex<Seen>>,
    fail_after: Option<usize>,
}

impl MemorySink {
    fn open() -> (Box<dyn DownloadSink>, Arc<Mutex<Seen>>) {
        Self::failing_after(None)
    }

    fn failing_after(fail_after: Option<usize>) -> (Box<dyn DownloadSink>, Arc<Mutex<Seen>>) {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let sink = Self {
            seen: seen.clone(),
            fail_after,
        };
        (Box::new(sink), seen)
    }
}

impl DownloadSink for MemorySink {
    fn write(&mut self, data: Bytes) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let mut seen = self.seen.lock().expect("lock");
            if self
                .fail_after
                .is_some_and(|limit| seen.data.len() + data.len() > limit)
            {
                return Err(Error::io(
                    "could not write to memory://test",
                    std::io::Error::other("the store refused the part"),
                ));
            }
            seen.data.extend_from_slice(&data);
            Ok(())
        })
    }

    fn restart(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let mut seen = self.seen.lock().expect("lock");
            seen.data.clear();
            seen.restarts += 1;
            Ok(())
        })
    }

    fn complete(&mut self, len: u64, sha256: &str) -> BoxFuture<'_, Result<Vec<Check>, Error>> {
        let sha256 = sha256.to_owned();
        Box::pin(async move {
            let mut seen = self.seen.lock().expect("lock");
            assert_eq!(len, seen.data.len() as u64);
            assert_eq!(sha256, sha256_hex(&seen.data));
            seen.completed = true;
            seen.visible = Some(seen.data.clone());
            Ok(vec![Check::new(
                "stored",
                len.to_string(),
                vec!["memory".to_owned()],
            )])
        })
    }

    fn abort(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.seen.lock().expect("lock").aborted = true;
            Ok(())
        })
    }

    fn describe(&self) -> String {
        "memory://test/object".to_owned()
    }
}

fn spec(server: &FileServer, body: &[u8]) -> Download {
    fast(server.url("/b.bin"), "unused".as_ref()).with_expected_size(body.len() as u64)
}

#[tokio::test]
async fn a_cut_download_resumes_into_the_same_sink_and_completes_once_verified() {
    let body = file_body(300_000);
    let third = body.len() / 3;
    let server = FileServer::start(body.clone(), move |n| Reply::File {
        ranges: true,
        cut: (n == 0).then_some(third),
    })
    .await;
    let (sink, seen) = MemorySink::open();
    let download =
        spec(&server, &body).with_checksum(ExpectedChecksum::crc64(crc64_of(&body), "API"));
    let outcome = download_to_sink(&client(), &download, sink)
        .await
        .expect("verified");
    assert_eq!(outcome.bytes, body.len() as u64);
    assert_eq!(outcome.sha256, sha256_hex(&body));
    assert_eq!(outcome.path.to_string_lossy(), "memory://test/object");
    assert_eq!((outcome.resumes, outcome.restarts), (1, 0));
    let names: Vec<&str> = outcome.checks.iter().map(|c| c.check.as_str()).collect();
    assert_eq!(names, ["size", "crc64", "sha256", "stored"]);
    let seen = seen.lock().expect("lock");
    assert!(seen.completed && !seen.aborted);
    assert_eq!(seen.visible.as_deref(), Some(&body[..]));
    let requests = server.seen();
    assert_eq!(
        requests[1].range.as_deref(),
        Some(&*format!("bytes={third}-"))
    );
}

#[tokio::test]
async fn a_server_ignoring_ranges_restarts_the_sink() {
    let body = file_body(120_000);
    let server = FileServer::start(body.clone(), move |n| Reply::File {
        ranges: false,
        cut: (n == 0).then_some(40_000),
    })
    .await;
    let (sink, seen) = MemorySink::open();
    let outcome = download_to_sink(&client(), &spec(&server, &body), sink)
        .await
        .expect("verified");
    assert_eq!(outcome.restarts, 1);
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.restarts, 1);
    assert_eq!(seen.visible.as_deref(), Some(&body[..]));
}

#[tokio::test]
async fn a_checksum_mismatch_aborts_and_nothing_becomes_visible() {
    let body = file_body(50_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let (sink, seen) = MemorySink::open();
    let download = spec(&server, &body).with_checksum(ExpectedChecksum::crc64(12345, "API"));
    let error = download_to_sink(&client(), &download, sink)
        .await
        .expect_err("a mismatch");
    assert_eq!(error.kind(), ErrorKind::Integrity);
    assert!(
        error
            .to_string()
            .contains("nothing was written to memory://test/object"),
        "{error}"
    );
    let seen = seen.lock().expect("lock");
    assert!(seen.aborted && !seen.completed && seen.visible.is_none());
}

#[tokio::test]
async fn a_sink_that_fails_aborts_the_download() {
    let body = file_body(200_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let (sink, seen) = MemorySink::failing_after(Some(100_000));
    let error = download_to_sink(&client(), &spec(&server, &body), sink)
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Io);
    assert!(
        error.to_string().contains("the store refused the part"),
        "{error}"
    );
    let seen = seen.lock().expect("lock");
    assert!(seen.aborted && !seen.completed);
}

#[tokio::test]
async fn a_size_other_than_the_apis_aborts() {
    let body = file_body(10_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let (sink, seen) = MemorySink::open();
    let download = fast(server.url("/b.bin"), "unused".as_ref()).with_expected_size(9_999);
    let error = download_to_sink(&client(), &download, sink)
        .await
        .expect_err("wrong size");
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    let seen = seen.lock().expect("lock");
    assert!(!seen.completed);
}
