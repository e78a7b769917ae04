//! Downloads against a small hand-written HTTP/1.1 server on 127.0.0.1 (that honours or
//! ignores `Range`, drops the connection after K bytes, stalls) and wiremock.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloud_http::{Download, DownloadOutcome, Error, ErrorKind, Progress, RetryPolicy, download};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// The test server.

/// What the server answers to one request.
#[derive(Clone)]
pub(crate) enum Reply {
    /// The file: with `ranges`, a 206 from the `Range` start (416 `bytes */len` past the end),
    /// else always a 200 with all of it; `cut`: close the connection after this many body
    /// bytes (the headers still promise all of them).
    File { ranges: bool, cut: Option<usize> },
    /// The file as a 200, keeping the connection open without sending more after `after` bytes.
    Stall { after: usize },
    /// A verbatim response.
    Raw(Vec<u8>),
}

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) target: String,
    pub(crate) range: Option<String>,
    pub(crate) if_range: Option<String>,
}

pub(crate) struct FileServer {
    address: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

pub(crate) const ETAG: &str = "\"v1-5b3c\"";

impl FileServer {
    /// Serves `body`; `script(n)` says how to answer the n-th request (0-based).
    pub(crate) async fn start(
        body: Arc<Vec<u8>>,
        script: impl Fn(usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let address = listener.local_addr().expect("the local address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let script = Arc::new(script);
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            let count = AtomicUsize::new(0);
            while let Ok((socket, _)) = listener.accept().await {
                let body = body.clone();
                let log = log.clone();
                let script = script.clone();
                let reply = script(count.fetch_add(1, Ordering::SeqCst));
                connections.spawn(async move {
                    serve(socket, &body, &log, reply).await;
                });
            }
        });
        Self {
            address,
            seen,
            task,
        }
    }

    pub(crate) fn url(&self, target: &str) -> String {
        format!("http://{}{target}", self.address)
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut socket: TcpStream, body: &[u8], log: &Mutex<Vec<Seen>>, reply: Reply) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let target = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .unwrap_or("")
        .to_owned();
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let range = header("range");
    let if_range = header("if-range");
    log.lock().expect("lock").push(Seen {
        target,
        range: range.clone(),
        if_range,
    });
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|r| r.parse::<usize>().ok());
    let len = body.len();
    match reply {
        Reply::Raw(bytes) => {
            let _ = socket.write_all(&bytes).await;
        }
        Reply::File { ranges, cut } => {
            let (status, from, extra) = match start {
                Some(start) if ranges && start >= len => {
                    let response = raw(
                        "416 Range Not Satisfiable",
                        &[("Content-Range", format!("bytes */{len}"))],
                        b"",
                    );
                    let _ = socket.write_all(&response).await;
                    let _ = socket.shutdown().await;
                    return;
                }
                Some(start) if ranges => (
                    "206 Partial Content",
                    start,
                    vec![("Content-Range", format!("bytes {start}-{}/{len}", len - 1))],
                ),
                _ => ("200 OK", 0, Vec::new()),
            };
            let mut headers = extra;
            headers.push(("ETag", ETAG.to_owned()));
            headers.push(("Content-Length", (len - from).to_string()));
            if socket.write_all(&raw_head(status, &headers)).await.is_err() {
                return;
            }
            let rest = &body[from..];
            let sent = cut.map_or(rest.len(), |cut| cut.min(rest.len()));
            write_chunks(&mut socket, &rest[..sent]).await;
        }
        Reply::Stall { after } => {
            let headers = [("Content-Length", len.to_string())];
            let mut response = raw_head("200 OK", &headers);
            response.extend_from_slice(&body[..after]);
            let _ = socket.write_all(&response).await;
            let _ = socket.flush().await;
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }
    let _ = socket.flush().await;
    let _ = socket.shutdown().await;
}

/// Writes in 64 KiB pieces, as a real server would.
pub(crate) async fn write_chunks(socket: &mut TcpStream, mut data: &[u8]) {
    while !data.is_empty() {
        let n = data.len().min(64 * 1024);
        if socket.write_all(&data[..n]).await.is_err() {
            return;
        }
        data = &data[n..];
    }
}

pub(crate) fn raw_head(status: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// A complete response with a Content-Length.
pub(crate) fn raw(status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut all = headers.to_vec();
    all.push(("Content-Length", body.len().to_string()));
    let mut response = raw_head(status, &all);
    response.extend_from_slice(body);
    response
}

/// A complete chunked 200 response (no Content-Length).
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut response = raw_head("200 OK", &[("Transfer-Encoding", "chunked".to_owned())]);
    for piece in body.chunks(1000) {
        response.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        response.extend_from_slice(piece);
        response.extend_from_slice(b"\r\n");
    }
    response.extend_from_slice(b"0\r\n\r\n");
    response
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Deterministic bytes without short periods, so a misplaced range cannot look right.
pub(crate) fn file_body(len: usize) -> Arc<Vec<u8>> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ len as u64;
    Arc::new(
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect(),
    )
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A unique destination in the temp directory; removes the file and its `.part` when dropped.
pub(crate) struct Dest {
    pub(crate) path: PathBuf,
}

impl Dest {
    pub(crate) fn new(name: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "cloud-http-download-{}-{}-{name}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let dest = Self { path };
        dest.clean();
        dest
    }

    pub(crate) fn part(&self) -> PathBuf {
        let mut part = self.path.clone().into_os_string();
        part.push(".part");
        PathBuf::from(part)
    }

    pub(crate) fn record(&self) -> PathBuf {
        let mut record = self.part().into_os_string();
        record.push(".resume");
        PathBuf::from(record)
    }

    fn clean(&self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(self.part());
        let _ = std::fs::remove_file(self.record());
    }

    /// Leaves what an interrupted run of a download of `url` leaves: `bytes` in the `.part`,
    /// and a resume record naming the object (the format documented in cloud-http's
    /// `download::record` module).
    fn plant(&self, bytes: &[u8], url: &str, total: Option<usize>) {
        std::fs::write(self.part(), bytes).expect("the .part written");
        let shown = url.split('?').next().unwrap_or(url);
        let record = serde_json::json!({
            "format": "cloud-http/resume-1",
            "identity": {},
            "url": shown,
            "etag": ETAG,
            "total": total,
            "ranges": [{"start": 0, "end": total, "next": null}],
        });
        std::fs::write(self.record(), record.to_string()).expect("the record written");
    }
}

impl Drop for Dest {
    fn drop(&mut self) {
        self.clean();
    }
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client")
}

/// Tiny backoffs so retries are quick; a generous idle timeout so slow machines pass.
pub(crate) fn fast(url: String, dest: &Path) -> Download {
    Download::new(url, dest)
        .with_retry(
            RetryPolicy::default()
                .with_max_attempts(5)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5)),
        )
        .with_idle_timeout(Duration::from_secs(20))
}

pub(crate) fn assert_complete(outcome: &DownloadOutcome, dest: &Dest, body: &[u8]) {
    assert_eq!(outcome.path, dest.path);
    assert_eq!(outcome.bytes, body.len() as u64);
    assert_eq!(outcome.sha256, sha256_hex(body));
    let written = std::fs::read(&dest.path).expect("the downloaded file");
    assert_eq!(written.len(), body.len());
    assert!(written == body, "the file differs from the served body");
    assert!(!dest.part().exists(), "the .part file is left behind");
}

fn assert_nothing_at_dest(dest: &Dest) {
    assert!(!dest.path.exists(), "a file was left at the destination");
}

/// Records what a download reports, and replays it as a progress bar would.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Event>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    Start(u64, Option<u64>),
    Advance(u64),
    Restart,
    Retrying,
    Finish,
}

impl Progress for Recorder {
    fn start(&self, already: u64, total: Option<u64>) {
        self.events
            .lock()
            .expect("lock")
            .push(Event::Start(already, total));
    }
    fn advance(&self, bytes: u64) {
        self.events
            .lock()
            .expect("lock")
            .push(Event::Advance(bytes));
    }
    fn restart(&self) {
        self.events.lock().expect("lock").push(Event::Restart);
    }
    fn retrying(&self, _error: &Error, _delay: Duration) {
        self.events.lock().expect("lock").push(Event::Retrying);
    }
    fn finish(&self) {
        self.events.lock().expect("lock").push(Event::Finish);
    }
}

impl Recorder {
    fn events(&self) -> Vec<Event> {
        self.events.lock().expect("lock").clone()
    }

    /// The position a bar would show: `start` sets it, `advance` adds, `restart` zeroes it.
    fn position(&self) -> u64 {
        self.events().iter().fold(0, |position, event| match event {
            Event::Start(already, _) => *already,
            Event::Advance(bytes) => position + bytes,
            Event::Restart => 0,
            Event::Retrying | Event::Finish => position,
        })
    }

    fn advanced(&self) -> u64 {
        self.events()
            .iter()
            .map(|event| match event {
                Event::Advance(bytes) => *bytes,
                _ => 0,
            })
            .sum()
    }

    fn count(&self, wanted: &Event) -> usize {
        self.events().iter().filter(|e| *e == wanted).count()
    }
}

// ---------------------------------------------------------------------------------------------
// Resuming.

#[tokio::test]
async fn a_drop_at_a_third_resumes_with_a_range_to_an_identical_file() {
    let body = file_body(300_000);
    let third = body.len() / 3;
    let server = FileServer::start(body.clone(), move |n| Reply::File {
        ranges: true,
        cut: (n == 0).then_some(third),
    })
    .await;
    let dest = Dest::new("third.bin");
    let recorder = Arc::new(Recorder::default());
    let outcome = download(
        &client(),
        &fast(server.url("/backups/third.bin"), &dest.path).with_progress(recorder.clone()),
    )
    .await
    .unwrap();

    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.attempts, 2);
    assert_eq!(outcome.resumes, 1);
    assert_eq!(outcome.restarts, 0);
    assert_eq!(outcome.resumed_from, 0);
    assert!(outcome.verified_size);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].range, None);
    assert_eq!(seen[1].range.as_deref(), Some(&*format!("bytes={third}-")));
    assert_eq!(seen[1].if_range.as_deref(), Some(ETAG));
    assert_eq!(seen[1].target, "/backups/third.bin");

    // Progress: a bar driven by these events ends exactly at the file size.
    let total = Some(body.len() as u64);
    let events = recorder.events();
    assert_eq!(events.first(), Some(&Event::Start(0, total)));
    assert_eq!(events.last(), Some(&Event::Finish));
    assert!(
        events.contains(&Event::Start(third as u64, total)),
        "{events:?}"
    );
    assert_eq!(recorder.count(&Event::Retrying), 1);
    assert_eq!(recorder.count(&Event::Finish), 1);
    assert_eq!(recorder.position(), body.len() as u64);
    assert_eq!(recorder.advanced(), body.len() as u64);
}

#[tokio::test]
async fn a_server_ignoring_ranges_makes_the_download_restart() {
    let body = file_body(120_000);
    let third = body.len() / 3;
    let server = FileServer::start(body.clone(), move |n| Reply::File {
        ranges: false,
        cut: (n == 0).then_some(third),
    })
    .await;
    let dest = Dest::new("ignores.bin");
    let recorder = Arc::new(Recorder::default());
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_progress(recorder.clone()),
    )
    .await
    .unwrap();

    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.restarts, 1);
    assert_eq!(outcome.resumes, 0);
    assert_eq!(outcome.attempts, 2);
    let seen = server.seen();
    assert_eq!(seen[1].range.as_deref(), Some(&*format!("bytes={third}-")));
    assert_eq!(recorder.count(&Event::Restart), 1);
    assert_eq!(recorder.position(), body.len() as u64);
    assert_eq!(recorder.advanced(), (body.len() + third) as u64);
}

#[tokio::test]
async fn a_part_left_by_an_earlier_run_is_resumed_and_only_the_rest_fetched() {
    let body = file_body(200_000);
    let kept = 80_000;
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let dest = Dest::new("earlier.bin");
    dest.plant(&body[..kept], &server.url("/f"), Some(body.len()));
    let recorder = Arc::new(Recorder::default());
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path)
            .with_expected_size(body.len() as u64)
            .with_progress(recorder.clone()),
    )
    .await
    .unwrap();

    // The hash covers the whole file, the kept bytes included.
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.resumed_from, kept as u64);
    assert_eq!(outcome.resumes, 1);
    assert_eq!(outcome.attempts, 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].range.as_deref(), Some("bytes=80000-"));
    // The recorded ETag makes sure the rest belongs to the same object.
    assert_eq!(seen[0].if_range.as_deref(), Some(ETAG));
    assert_eq!(
        recorder.events().first(),
        Some(&Event::Start(kept as u64, Some(body.len() as u64)))
    );
    assert_eq!(recorder.advanced(), (body.len() - kept) as u64);
    assert_eq!(recorder.position(), body.len() as u64);
}

#[tokio::test]
async fn an_interrupted_run_is_resumed_by_running_it_again() {
    let body = file_body(150_000);
    let cut = 60_000;
    let server = FileServer::start(body.clone(), move |n| Reply::File {
        ranges: true,
        cut: (n == 0).then_some(cut),
    })
    .await;
    let dest = Dest::new("again.bin");
    let once = fast(server.url("/f"), &dest.path).with_max_attempts(1);

    let error = download(&client(), &once).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(error.to_string().contains("kept in"), "{error}");
    assert_nothing_at_dest(&dest);
    assert_eq!(std::fs::read(dest.part()).unwrap(), body[..cut]);
    assert!(
        dest.record().exists(),
        "the resume record is kept beside the .part"
    );

    let outcome = download(&client(), &once).await.unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.resumed_from, cut as u64);
    assert_eq!(server.seen()[1].range.as_deref(), Some("bytes=60000-"));
    assert_eq!(server.seen()[1].if_range.as_deref(), Some(ETAG));
    assert!(!dest.record().exists(), "the record goes with the .part");
}

#[tokio::test]
async fn a_503_midway_is_retried_from_the_bytes_written() {
    let body = file_body(100_000);
    let half = body.len() / 2;
    let server = FileServer::start(body.clone(), move |n| match n {
        0 => Reply::File {
            ranges: true,
            cut: Some(half),
        },
        1 => Reply::Raw(raw(
            "503 Service Unavailable",
            &[("Retry-After", "0".to_owned())],
            b"<Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error>",
        )),
        _ => Reply::File {
            ranges: true,
            cut: None,
        },
    })
    .await;
    let dest = Dest::new("503.bin");
    let outcome = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.attempts, 3);
    let seen = server.seen();
    let expected = format!("bytes={half}-");
    assert_eq!(seen[1].range.as_deref(), Some(&*expected));
    assert_eq!(seen[2].range.as_deref(), Some(&*expected));
}

#[tokio::test]
async fn a_stalled_body_counts_as_a_drop_and_resumes() {
    let body = file_body(90_000);
    let third = body.len() / 3;
    let server = FileServer::start(body.clone(), move |n| match n {
        0 => Reply::Stall { after: third },
        _ => Reply::File {
            ranges: true,
            cut: None,
        },
    })
    .await;
    let dest = Dest::new("stall.bin");
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_idle_timeout(Duration::from_secs(1)),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.resumes, 1);
    assert_eq!(
        server.seen()[1].range.as_deref(),
        Some(&*format!("bytes={third}-"))
    );
}

#[tokio::test]
async fn eight_mebibytes_stream_through_with_a_resume() {
    let body = file_body(8 * 1024 * 1024);
    let cut = 3 * 1024 * 1024 + 123;
    let server = FileServer::start(body.clone(), move |n| Reply::File {
        ranges: true,
        cut: (n == 0).then_some(cut),
    })
    .await;
    let dest = Dest::new("large.bin");
    let recorder = Arc::new(Recorder::default());
    let outcome = download(
        &client(),
        &fast(server.url("/large"), &dest.path)
            .with_expected_size(body.len() as u64)
            .with_progress(recorder.clone()),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.resumes, 1);
    // Streamed in many pieces, not read whole.
    assert!(recorder.count(&Event::Retrying) == 1);
    let pieces = recorder
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Advance(_)))
        .count();
    assert!(pieces > 8, "{pieces} pieces");
    assert_eq!(recorder.position(), body.len() as u64);
}

// ---------------------------------------------------------------------------------------------
// 416.

#[tokio::test]
async fn a_416_on_a_complete_part_finishes() {
    let body = file_body(50_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let dest = Dest::new("complete.bin");
    dest.plant(&body, &server.url("/f"), Some(body.len()));
    let recorder = Arc::new(Recorder::default());
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path)
            .with_expected_size(body.len() as u64)
            .with_progress(recorder.clone()),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.attempts, 1);
    assert_eq!(outcome.resumed_from, body.len() as u64);
    assert_eq!(server.seen()[0].range.as_deref(), Some("bytes=50000-"));
    let total = body.len() as u64;
    assert_eq!(
        recorder.events(),
        [Event::Start(total, Some(total)), Event::Finish]
    );
}

#[tokio::test]
async fn a_part_longer_than_the_file_restarts_from_zero() {
    let body = file_body(40_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let dest = Dest::new("longer.bin");
    let mut garbage = body.to_vec();
    garbage.extend_from_slice(&[7u8; 1000]);
    dest.plant(&garbage, &server.url("/f"), None);
    let outcome = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.restarts, 1);
    assert_eq!(outcome.attempts, 2);
    let seen = server.seen();
    assert_eq!(seen[0].range.as_deref(), Some("bytes=41000-"));
    assert_eq!(seen[1].range, None);
}

// ---------------------------------------------------------------------------------------------
// Sizes that do not check out.

#[tokio::test]
async fn a_complete_body_of_another_size_than_expected_fails_without_a_file() {
    let body = file_body(10_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let dest = Dest::new("mismatch.bin");
    let error = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_expected_size(10_001),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    assert!(error.is_integrity());
    assert!(!error.is_retryable());
    let text = error.to_string();
    assert!(text.contains("the API reported 10001"), "{text}");
    assert!(text.contains("10000 bytes"), "{text}");
    assert_eq!(server.seen().len(), 1, "an integrity error is not retried");
    assert_nothing_at_dest(&dest);
    assert!(!dest.part().exists());
}

#[tokio::test]
async fn a_chunked_body_longer_than_expected_fails_and_removes_the_part() {
    let body = file_body(10_000);
    let served = body.clone();
    let server = FileServer::start(body.clone(), move |_| Reply::Raw(chunked(&served))).await;
    let dest = Dest::new("longer-than-expected.bin");
    let error = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_expected_size(6_000),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    let text = error.to_string();
    assert!(text.contains("expected 6000 bytes, got more"), "{text}");
    assert!(text.contains("was removed"), "{text}");
    assert_nothing_at_dest(&dest);
    assert!(!dest.part().exists());
}

#[tokio::test]
async fn a_chunked_body_shorter_than_expected_fails_and_removes_the_part() {
    let body = file_body(10_000);
    let served = body.clone();
    let server = FileServer::start(body.clone(), move |_| Reply::Raw(chunked(&served))).await;
    let dest = Dest::new("shorter-than-expected.bin");
    let error = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_expected_size(12_000),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    assert!(
        error.to_string().contains("expected 12000 bytes"),
        "{error}"
    );
    assert_nothing_at_dest(&dest);
    assert!(!dest.part().exists());
}

#[tokio::test]
async fn a_chunked_body_without_any_size_is_accepted_but_not_called_verified() {
    let body = file_body(10_000);
    let served = body.clone();
    let server = FileServer::start(body.clone(), move |_| Reply::Raw(chunked(&served))).await;
    let dest = Dest::new("chunked.bin");
    let outcome = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert!(!outcome.verified_size);
}

#[tokio::test]
async fn a_206_whose_total_disagrees_with_the_expected_size_fails() {
    let body = file_body(30_000);
    let kept = 10_000;
    let len = body.len();
    let rest = body[kept..].to_vec();
    let server = FileServer::start(body.clone(), move |_| {
        Reply::Raw(raw(
            "206 Partial Content",
            &[(
                "Content-Range",
                format!("bytes {kept}-{}/{}", len - 1, len * 2),
            )],
            &rest,
        ))
    })
    .await;
    let dest = Dest::new("total.bin");
    dest.plant(&body[..kept], &server.url("/f"), None);
    let error = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_expected_size(len as u64),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    let text = error.to_string();
    assert!(text.contains("the API reported 30000"), "{text}");
    assert!(text.contains("60000 bytes"), "{text}");
    assert_eq!(server.seen().len(), 1);
    assert_nothing_at_dest(&dest);
    // The sizes disagree, but the kept bytes are not known to be wrong: they stay.
    assert_eq!(std::fs::read(dest.part()).unwrap(), body[..kept]);
}

#[tokio::test]
async fn a_file_changing_on_the_server_mid_download_starts_again_from_zero() {
    let body = file_body(30_000);
    let third = body.len() / 3;
    let len = body.len();
    let changed = file_body(len + 10);
    let served = changed.clone();
    let server = FileServer::start(body.clone(), move |n| match n {
        0 => Reply::File {
            ranges: true,
            cut: Some(third),
        },
        1 => Reply::Raw(raw(
            "206 Partial Content",
            &[(
                "Content-Range",
                format!("bytes {third}-{}/{}", len + 9, len + 10),
            )],
            &served[third..],
        )),
        _ => Reply::Raw(raw("200 OK", &[], &served)),
    })
    .await;
    let dest = Dest::new("changed.bin");
    let outcome = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap();
    // The bytes of the old file are never mixed with the new one's.
    assert_complete(&outcome, &dest, &changed);
    assert_eq!(outcome.restarts, 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].range, None);
}

#[tokio::test]
async fn a_file_that_keeps_changing_fails_and_removes_the_part() {
    let body = file_body(30_000);
    let third = body.len() / 3;
    let len = body.len();
    let changed = file_body(len + 10);
    let server = FileServer::start(body.clone(), move |n| match n % 2 {
        0 => Reply::File {
            ranges: true,
            cut: Some(third),
        },
        _ => Reply::Raw(raw(
            "206 Partial Content",
            &[(
                "Content-Range",
                format!("bytes {third}-{}/{}", len + 9, len + 10),
            )],
            &changed[third..],
        )),
    })
    .await;
    let dest = Dest::new("changing.bin");
    let error = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    let text = error.to_string();
    assert!(text.contains("kept changing on the server"), "{text}");
    assert!(text.contains("30000") && text.contains("30010"), "{text}");
    assert_nothing_at_dest(&dest);
    assert!(!dest.part().exists());
    assert!(!dest.record().exists());
}

#[tokio::test]
async fn a_206_from_another_offset_is_refused() {
    let body = file_body(20_000);
    let rest = body[5_000..].to_vec();
    let server = FileServer::start(body.clone(), move |_| {
        Reply::Raw(raw(
            "206 Partial Content",
            &[("Content-Range", "bytes 5000-19999/20000".to_owned())],
            &rest,
        ))
    })
    .await;
    let dest = Dest::new("offset.bin");
    dest.plant(&body[..8_000], &server.url("/f"), None);
    let error = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
    assert!(error.to_string().contains("from byte 8000"), "{error}");
    assert_nothing_at_dest(&dest);
    assert_eq!(std::fs::read(dest.part()).unwrap(), body[..8_000]);
}

// ---------------------------------------------------------------------------------------------
// Errors that are not retried, retries that run out.

const SIGNED_QUERY: &str =
    "?Expires=1700000000&OSSAccessKeyId=LTAI5tSecretKeyId&Signature=c2VjcmV0LXNpZw%3D%3D";

fn assert_no_link_secret(text: &str) {
    for secret in ["LTAI5tSecretKeyId", "c2VjcmV0LXNpZw", "1700000000"] {
        assert!(
            !text.contains(secret),
            "a secret of the link leaked: {text}"
        );
    }
}

#[tokio::test]
async fn a_404_is_not_retried_says_the_link_may_have_expired_and_leaves_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-oss-request-id", "5C3D9175B6FC201293AD4890")
                .set_body_string(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  \
                     <Code>NoSuchKey</Code>\n  <Message>The specified key does not exist.\
                     </Message>\n  <RequestId>5C3D9175B6FC201293AD4890</RequestId>\n</Error>",
                ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dest = Dest::new("404.bin");
    let url = format!("{}/backups/b.tar.gz{SIGNED_QUERY}", server.uri());
    let error = download(&client(), &fast(url, &dest.path))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service, "{error}");
    assert_eq!(error.status(), Some(404));
    assert!(error.is_not_found());
    assert!(!error.is_retryable());
    assert_eq!(error.code(), Some("NoSuchKey"));
    assert_eq!(error.attempts(), Some(1));
    assert_eq!(error.request_id(), Some("5C3D9175B6FC201293AD4890"));
    let text = error.to_string();
    assert!(text.contains("expired"), "{text}");
    assert!(text.contains("The specified key does not exist."), "{text}");
    assert!(text.contains("/backups/b.tar.gz"), "{text}");
    assert_no_link_secret(&format!("{error} {error:?}"));
    assert_nothing_at_dest(&dest);
    assert!(!dest.part().exists(), "an empty .part is not kept");
}

#[tokio::test]
async fn an_expired_link_keeps_the_part_for_a_new_link() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_string(
            "<Error><Code>AccessDenied</Code><Message>Request has expired.</Message>\
             <RequestId>65A1</RequestId><Expires>2023-11-14T22:13:20.000Z</Expires></Error>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let dest = Dest::new("403.bin");
    let url = format!("{}/b.tar.gz{SIGNED_QUERY}", server.uri());
    dest.plant(b"first bytes", &url, None);
    let error = download(&client(), &fast(url, &dest.path))
        .await
        .unwrap_err();
    assert!(error.is_auth(), "{error}");
    assert_eq!(error.code(), Some("AccessDenied"));
    assert_eq!(error.request_id(), Some("65A1"));
    let text = error.to_string();
    assert!(text.contains("Request has expired."), "{text}");
    assert!(text.contains("get a new link"), "{text}");
    assert!(
        text.contains("11 bytes downloaded so far are kept"),
        "{text}"
    );
    assert_no_link_secret(&format!("{error} {error:?}"));
    assert_nothing_at_dest(&dest);
    assert_eq!(std::fs::read(dest.part()).unwrap(), b"first bytes");
}

#[tokio::test]
async fn exhausted_attempts_fail_and_keep_the_part_for_a_later_resume() {
    let body = file_body(60_000);
    let third = body.len() / 3;
    let server = FileServer::start(body.clone(), move |n| match n {
        0 => Reply::File {
            ranges: true,
            cut: Some(third),
        },
        _ => Reply::Raw(raw("503 Service Unavailable", &[], b"")),
    })
    .await;
    let dest = Dest::new("exhausted.bin");
    let error = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_max_attempts(3),
    )
    .await
    .unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
    assert!(error.is_retryable());
    assert_eq!(error.attempts(), Some(3));
    let text = error.to_string();
    assert!(text.contains("gave up after 3 attempts"), "{text}");
    assert!(
        text.contains("20000 bytes downloaded so far are kept"),
        "{text}"
    );
    // The first attempt made progress; then 3 failures in a row without any.
    assert_eq!(server.seen().len(), 3);
    assert_nothing_at_dest(&dest);
    assert_eq!(std::fs::read(dest.part()).unwrap(), body[..third]);
}

#[tokio::test]
async fn attempts_that_make_progress_reset_the_count() {
    // Every response is cut after 10 000 bytes: with 2 attempts allowed, the download still
    // gets through, since each attempt gets further than any before it.
    let body = file_body(45_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: Some(10_000),
    })
    .await;
    let dest = Dest::new("progress.bin");
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_max_attempts(2),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.attempts, 5);
    assert_eq!(outcome.resumes, 4);
}

#[tokio::test]
async fn an_existing_destination_is_refused_without_overwrite() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"new content".to_vec()))
        .mount(&server)
        .await;
    let dest = Dest::new("exists.bin");
    std::fs::write(&dest.path, b"old").unwrap();
    let url = format!("{}/f", server.uri());

    let error = download(&client(), &fast(url.clone(), &dest.path))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert!(error.to_string().contains("already exists"), "{error}");
    assert!(
        error
            .to_string()
            .contains(&*dest.path.display().to_string()),
        "{error}"
    );
    assert_eq!(std::fs::read(&dest.path).unwrap(), b"old");
    assert!(server.received_requests().await.unwrap().is_empty());

    let outcome = download(&client(), &fast(url, &dest.path).with_overwrite(true))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, b"new content");
}

#[tokio::test]
async fn a_good_old_file_survives_a_failed_overwrite() {
    // Defect: overwriting removed the old file before the first request, so a failed or killed
    // re-download left neither copy.
    let body = file_body(40_000);
    let server = FileServer::start(body.clone(), |n| match n {
        0 => Reply::File {
            ranges: true,
            cut: Some(10_000),
        },
        _ => Reply::Raw(raw("503 Service Unavailable", &[], b"")),
    })
    .await;
    let dest = Dest::new("overwrite-fails.bin");
    std::fs::write(&dest.path, b"the good old copy").unwrap();
    let error = download(
        &client(),
        &fast(server.url("/f"), &dest.path)
            .with_overwrite(true)
            .with_max_attempts(2),
    )
    .await
    .unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
    assert_eq!(std::fs::read(&dest.path).unwrap(), b"the good old copy");
    // ...and a corrupted replacement does not touch it either.
    let corrupt = FileServer::start(body.clone(), |_| {
        Reply::Raw(raw(
            "200 OK",
            &[("x-oss-hash-crc64ecma", "12345".to_owned())],
            &file_body(40_000),
        ))
    })
    .await;
    let dest2 = Dest::new("overwrite-corrupt.bin");
    std::fs::write(&dest2.path, b"the good old copy").unwrap();
    let error = download(
        &client(),
        &fast(corrupt.url("/f"), &dest2.path).with_overwrite(true),
    )
    .await
    .unwrap_err();
    assert!(error.is_integrity(), "{error}");
    assert_eq!(std::fs::read(&dest2.path).unwrap(), b"the good old copy");
    assert!(!dest2.part().exists());
    // The replacement lands in one rename once it is verified.
    let good = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let outcome = download(
        &client(),
        &fast(good.url("/f"), &dest.path).with_overwrite(true),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
}

#[tokio::test]
async fn invalid_settings_are_refused_before_any_request() {
    let dest = Dest::new("settings.bin");
    let error = download(
        &client(),
        &fast("http://127.0.0.1:9/f".to_owned(), &dest.path).with_max_attempts(0),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    let error = download(
        &client(),
        &fast("http://127.0.0.1:9/f".to_owned(), &dest.path).with_idle_timeout(Duration::ZERO),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    let error = download(
        &client(),
        &fast("not a url?Signature=c2VjcmV0LXNpZw".to_owned(), &dest.path),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert_no_link_secret(&format!("{error} {error:?}"));
    let error = download(&client(), &fast("ftp://127.0.0.1/f".to_owned(), &dest.path))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    let error = download(
        &client(),
        &fast("http://127.0.0.1:9/f".to_owned(), &std::env::temp_dir()),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert!(error.to_string().contains("is a directory"), "{error}");
    assert_nothing_at_dest(&dest);
    assert!(!dest.part().exists());
}

#[tokio::test]
async fn a_missing_directory_is_an_io_error() {
    let dest = std::env::temp_dir()
        .join(format!("cloud-http-missing-{}", std::process::id()))
        .join("f.bin");
    let error = download(&client(), &fast("http://127.0.0.1:9/f".to_owned(), &dest))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io, "{error}");
    assert!(error.to_string().contains("f.bin.part"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Secrets and tracing.

#[tokio::test]
async fn the_query_string_never_reaches_errors_or_logs() {
    let capture = crate::support::Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let body = file_body(20_000);
    let server = FileServer::start(body.clone(), |n| match n {
        0 => Reply::File {
            ranges: true,
            cut: Some(5_000),
        },
        _ => Reply::Raw(raw(
            "500 Internal Server Error",
            &[],
            b"<Error><Code>InternalError</Code><Message>echo Signature=c2VjcmV0LXNpZw%3D%3D\
              </Message></Error>",
        )),
    })
    .await;
    let dest = Dest::new("secret.bin");
    let error = download(
        &client(),
        &fast(server.url(&format!("/b.tar{SIGNED_QUERY}")), &dest.path).with_max_attempts(2),
    )
    .await
    .unwrap_err();
    assert_eq!(
        server.seen()[0].target,
        format!("/b.tar{SIGNED_QUERY}"),
        "the link is sent as given"
    );
    let shown = format!("{error} {error:?}");
    assert_no_link_secret(&shown);
    assert!(shown.contains("/b.tar"), "{shown}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        assert_no_link_secret(&format!("{cause} {cause:?}"));
        source = cause.source();
    }
    let logs = capture.text();
    assert!(logs.contains("span cloud_http.download "), "{logs}");
    assert!(logs.contains("span cloud_http.download_attempt"), "{logs}");
    assert!(logs.contains("status=500"), "{logs}");
    assert!(logs.contains("/b.tar"), "{logs}");
    assert_no_link_secret(&logs);
}

#[test]
fn the_download_future_is_send() {
    fn check<T: Send>(_: &T) {}
    let client = reqwest::Client::new();
    let request = Download::new("http://127.0.0.1:9/f", "f");
    let future = download(&client, &request);
    check(&future);
}

// ---------------------------------------------------------------------------------------------
// Issue 9: resume only the same object, checksums, expired links, paths that are not files.

pub(crate) fn crc64_of(bytes: &[u8]) -> u64 {
    let mut digest = crc64fast::Digest::new();
    digest.write(bytes);
    digest.sum64()
}

fn md5_hex_of(bytes: &[u8]) -> String {
    use md5::Digest as _;
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn checks_line(outcome: &DownloadOutcome) -> String {
    cloud_http::checks_summary(&outcome.checks)
}

#[tokio::test]
async fn a_part_without_a_record_is_never_trusted() {
    // Defect: a leftover .part holding another backup's bytes, or zeros, was resumed blindly
    // and the corrupted result reported as a success.
    let body = file_body(200_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    for (name, planted) in [
        ("zeros.bin", vec![0u8; 100_000]),
        ("other.bin", file_body(500_000)[..150_000].to_vec()),
    ] {
        let dest = Dest::new(name);
        std::fs::write(dest.part(), &planted).unwrap();
        let outcome = download(&client(), &fast(server.url("/f"), &dest.path))
            .await
            .unwrap();
        assert_complete(&outcome, &dest, &body);
        assert_eq!(outcome.resumed_from, 0);
        assert_eq!(outcome.restarts, 1, "the unprovable .part was discarded");
    }
    assert!(server.seen().iter().all(|s| s.range.is_none()));
}

#[tokio::test]
async fn a_record_of_another_file_or_location_is_not_resumed() {
    let body = file_body(50_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let dest = Dest::new("other-location.bin");
    dest.plant(
        &body[..20_000],
        &server.url("/another-object"),
        Some(body.len()),
    );
    let outcome = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(server.seen()[0].range, None);

    let dest = Dest::new("other-identity.bin");
    dest.plant(&body[..20_000], &server.url("/f"), Some(body.len()));
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_identity("backup_id", "42"),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.resumed_from, 0);
}

#[tokio::test]
async fn the_server_crc64_is_checked_and_reported() {
    let body = file_body(120_000);
    let crc = crc64_of(&body);
    let served = body.clone();
    let server = FileServer::start(body.clone(), move |_| {
        Reply::Raw(raw(
            "200 OK",
            &[("x-oss-hash-crc64ecma", crc.to_string())],
            &served,
        ))
    })
    .await;
    let dest = Dest::new("crc-ok.bin");
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path)
            .with_expected_size(body.len() as u64)
            .with_checksum(cloud_http::ExpectedChecksum::crc64(
                crc,
                "DescribeBackups Checksum",
            )),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.crc64, crc);
    assert_eq!(
        checks_line(&outcome),
        "size (server, API), crc64 (x-oss-hash-crc64ecma, DescribeBackups Checksum), sha256 \
         (computed)"
    );
}

#[tokio::test]
async fn a_crc64_mismatch_is_an_integrity_error_that_leaves_nothing() {
    let body = file_body(60_000);
    let mut flipped = body.to_vec();
    flipped[30_000] ^= 0xFF;
    let crc = crc64_of(&body);
    let server = FileServer::start(body.clone(), move |_| {
        Reply::Raw(raw(
            "200 OK",
            &[("x-oss-hash-crc64ecma", crc.to_string())],
            &flipped,
        ))
    })
    .await;
    let dest = Dest::new("crc-bad.bin");
    let error = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap_err();
    assert!(error.is_integrity(), "{error}");
    assert!(!error.is_retryable());
    let text = error.to_string();
    assert!(text.contains("crc64 mismatch"), "{text}");
    assert!(text.contains(&crc.to_string()), "{text}");
    assert!(text.contains("x-oss-hash-crc64ecma"), "{text}");
    assert!(text.contains("was removed"), "{text}");
    assert_eq!(server.seen().len(), 1, "never retried");
    assert_nothing_at_dest(&dest);
    assert!(!dest.part().exists() && !dest.record().exists());
}

/// Found by the fault campaign: bytes kept from a response that was corrupted and then cut
/// fail the whole file's check after the resume. A file pieced together from several
/// responses is fetched once more from zero, in one response, before the download fails.
#[tokio::test]
async fn a_pieced_file_that_fails_its_check_is_fetched_again_from_zero_once() {
    let body = file_body(60_000);
    let mut flipped = body.to_vec();
    flipped[10_000] ^= 0xFF;
    let crc = crc64_of(&body);
    let server = FileServer::start(body.clone(), move |n| match n {
        // A 200 promising everything, a byte flipped, cut after 30,000 bytes.
        0 => {
            let headers = [
                ("x-oss-hash-crc64ecma", crc.to_string()),
                ("ETag", ETAG.to_owned()),
                ("Content-Length", "60000".to_owned()),
            ];
            let mut response = raw_head("200 OK", &headers);
            response.extend_from_slice(&flipped[..30_000]);
            Reply::Raw(response)
        }
        _ => Reply::File {
            ranges: true,
            cut: None,
        },
    })
    .await;
    let dest = Dest::new("pieced-bad.bin");
    let outcome = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&dest.path).unwrap(), *body);
    assert_eq!(outcome.restarts, 1, "{outcome:?}");
    let seen = server.seen();
    // The first response, the resume from 30,000, then the whole file again from zero.
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[1].range.as_deref(), Some("bytes=30000-"));
    assert_eq!(seen[2].range, None);

    // A file that keeps failing after that is an integrity error, and nothing is left.
    let always = flipped_body(&body);
    let server = FileServer::start(body.clone(), move |n| {
        let headers = [
            ("x-oss-hash-crc64ecma", crc.to_string()),
            ("ETag", ETAG.to_owned()),
        ];
        match n {
            0 => {
                let mut head = headers.to_vec();
                head.push(("Content-Length", "60000".to_owned()));
                let mut response = raw_head("200 OK", &head);
                response.extend_from_slice(&always[..30_000]);
                Reply::Raw(response)
            }
            1 => Reply::Raw(raw(
                "206 Partial Content",
                &[
                    headers[0].clone(),
                    headers[1].clone(),
                    ("Content-Range", "bytes 30000-59999/60000".to_owned()),
                ],
                &always[30_000..],
            )),
            _ => Reply::Raw(raw("200 OK", &headers, &always)),
        }
    })
    .await;
    let dest = Dest::new("pieced-always-bad.bin");
    let error = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap_err();
    assert!(error.is_integrity(), "{error}");
    assert_eq!(server.seen().len(), 3, "fetched again once, not more");
    assert_nothing_at_dest(&dest);
    assert!(!dest.part().exists() && !dest.record().exists());
}

fn flipped_body(body: &[u8]) -> Vec<u8> {
    let mut flipped = body.to_vec();
    flipped[10_000] ^= 0xFF;
    flipped
}

#[tokio::test]
async fn a_crc64_is_checked_across_a_resume() {
    // The header is the whole object's CRC on ranged responses too, and the kept bytes are
    // hashed before the rest is appended: no second read of the file.
    let body = file_body(90_000);
    let crc = crc64_of(&body).to_string();
    let third = 30_000;
    let served = body.clone();
    let server = FileServer::start(body.clone(), move |n| {
        let header = ("x-oss-hash-crc64ecma", crc.clone());
        let etag = ("ETag", ETAG.to_owned());
        if n == 0 {
            let mut response = raw_head(
                "200 OK",
                &[header, etag, ("Content-Length", served.len().to_string())],
            );
            response.extend_from_slice(&served[..third]);
            Reply::Raw(response)
        } else {
            Reply::Raw(raw(
                "206 Partial Content",
                &[
                    header,
                    etag,
                    (
                        "Content-Range",
                        format!("bytes {third}-{}/{}", served.len() - 1, served.len()),
                    ),
                ],
                &served[third..],
            ))
        }
    })
    .await;
    let dest = Dest::new("crc-resume.bin");
    let once = fast(server.url("/f"), &dest.path).with_max_attempts(1);
    download(&client(), &once).await.unwrap_err();
    let record = std::fs::read_to_string(dest.record()).unwrap();
    assert!(record.contains("x-oss-hash-crc64ecma"), "{record}");
    let outcome = download(&client(), &once).await.unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.resumed_from, third as u64);
    assert!(
        checks_line(&outcome).contains("crc64 (x-oss-hash-crc64ecma)"),
        "{}",
        checks_line(&outcome)
    );
}

#[tokio::test]
async fn md5_etags_and_content_md5_are_checked() {
    let body = file_body(50_000);
    let md5 = md5_hex_of(&body);
    let etag = format!("\"{md5}\"");
    let served = body.clone();
    let good_etag = etag.clone();
    let server = FileServer::start(body.clone(), move |_| {
        Reply::Raw(raw("200 OK", &[("ETag", good_etag.clone())], &served))
    })
    .await;
    let dest = Dest::new("md5-ok.bin");
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_etag_md5(true),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(
        checks_line(&outcome),
        "size (server), md5 (ETag), sha256 (computed)"
    );

    // The same ETag is not taken for an MD5 unless asked (OSS appendable objects).
    let dest = Dest::new("md5-not-asked.bin");
    let outcome = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap();
    assert!(!checks_line(&outcome).contains("md5"));

    // A wrong Content-MD5 fails, whatever the ETag option.
    let served = body.clone();
    let bad = FileServer::start(body.clone(), move |_| {
        Reply::Raw(raw(
            "200 OK",
            &[("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==".to_owned())],
            &served,
        ))
    })
    .await;
    let dest = Dest::new("md5-bad.bin");
    let error = download(&client(), &fast(bad.url("/f"), &dest.path))
        .await
        .unwrap_err();
    assert!(error.is_integrity(), "{error}");
    assert!(
        error
            .to_string()
            .contains("Content-MD5 says 00000000000000000000000000000000"),
        "{error}"
    );
    assert_nothing_at_dest(&dest);
}

#[tokio::test]
async fn an_advisory_checksum_mismatch_keeps_the_file_and_says_so() {
    let body = file_body(20_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let dest = Dest::new("advisory.bin");
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_checksum(
            cloud_http::ExpectedChecksum::crc64(7, "DescribeBackups Checksum").with_advisory(true),
        ),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.notes.len(), 1);
    assert!(outcome.notes[0].contains("advisory"), "{:?}", outcome.notes);
    assert!(!checks_line(&outcome).contains("crc64"));
}

#[tokio::test]
async fn a_size_mismatch_with_the_api_costs_no_transfer() {
    let body = file_body(2_000_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let dest = Dest::new("size-before-body.bin");
    let error = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_size_between(1_000_000, 1_001_023),
    )
    .await
    .unwrap_err();
    assert!(error.is_integrity(), "{error}");
    let text = error.to_string();
    assert!(text.contains("announces a file of 2000000 bytes"), "{text}");
    assert!(text.contains("between 1000000 and 1001023"), "{text}");
    assert!(text.contains("nothing was transferred"), "{text}");
    assert_nothing_at_dest(&dest);
    assert!(!dest.part().exists());
    // Within the bounds it is fine, and reported.
    let outcome = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_size_between(1_999_000, 2_000_023),
    )
    .await
    .unwrap();
    assert!(checks_line(&outcome).starts_with("size (server, API)"));
}

#[tokio::test]
async fn a_link_that_expires_mid_transfer_is_renewed_and_the_download_resumes() {
    let body = file_body(150_000);
    let third = 50_000;
    let server = FileServer::start(body.clone(), move |n| match n {
        0 => Reply::File {
            ranges: true,
            cut: Some(third),
        },
        1 => Reply::Raw(raw(
            "403 Forbidden",
            &[],
            b"<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>",
        )),
        _ => Reply::File {
            ranges: true,
            cut: None,
        },
    })
    .await;
    let dest = Dest::new("expiring.bin");
    let renewed = server.url("/f?Expires=4102444800&Signature=renewed");
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let recorder = Arc::new(Recorder::default());
    let outcome = download(
        &client(),
        &fast(
            server.url("/f?Expires=4102444800&Signature=first"),
            &dest.path,
        )
        .with_progress(recorder.clone())
        .with_refresh(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let url = renewed.clone();
            async move { Ok::<_, Error>(url) }
        }),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(outcome.refreshes, 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].target, "/f?Expires=4102444800&Signature=renewed");
    assert_eq!(seen[2].range.as_deref(), Some("bytes=50000-"));
    assert_eq!(recorder.position(), body.len() as u64);
}

#[tokio::test]
async fn new_links_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_string(
            "<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>",
        ))
        .mount(&server)
        .await;
    let dest = Dest::new("always-expired.bin");
    let url = format!("{}/f?Expires=1&Signature=s", server.uri());
    let again = url.clone();
    let error = download(
        &client(),
        &fast(url, &dest.path)
            .with_max_refreshes(2)
            .with_refresh(move || {
                let url = again.clone();
                async move { Ok::<_, Error>(url) }
            }),
    )
    .await
    .unwrap_err();
    assert!(error.is_auth(), "{error}");
    assert!(
        error
            .to_string()
            .contains("expired again after 2 new links"),
        "{error}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_nothing_at_dest(&dest);
}

#[cfg(unix)]
#[tokio::test]
async fn symlinks_and_devices_are_never_written_through() {
    let body = file_body(10_000);
    let server = FileServer::start(body.clone(), |_| Reply::File {
        ranges: true,
        cut: None,
    })
    .await;
    let victim = Dest::new("victim.bin");
    std::fs::write(&victim.path, b"precious").unwrap();

    // A symlink planted at the .part.
    let dest = Dest::new("link-part.bin");
    std::os::unix::fs::symlink(&victim.path, dest.part()).unwrap();
    let error = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert!(error.to_string().contains("symbolic link"), "{error}");
    assert_eq!(std::fs::read(&victim.path).unwrap(), b"precious");
    std::fs::remove_file(dest.part()).unwrap();

    // A symlink planted at the resume record.
    let dest = Dest::new("link-record.bin");
    std::os::unix::fs::symlink(&victim.path, dest.record()).unwrap();
    let error = download(&client(), &fast(server.url("/f"), &dest.path))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("symbolic link"), "{error}");
    assert_eq!(std::fs::read(&victim.path).unwrap(), b"precious");
    std::fs::remove_file(dest.record()).unwrap();

    // A symlink at the destination, even with overwriting allowed.
    let dest = Dest::new("link-dest.bin");
    std::os::unix::fs::symlink(&victim.path, &dest.path).unwrap();
    let error = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_overwrite(true),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("symbolic link"), "{error}");
    assert_eq!(std::fs::read(&victim.path).unwrap(), b"precious");
    assert!(
        std::fs::symlink_metadata(&dest.path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    std::fs::remove_file(&dest.path).unwrap();

    // A FIFO (a device would be the same) at the destination.
    let dest = Dest::new("fifo.bin");
    let status = std::process::Command::new("mkfifo")
        .arg(&dest.path)
        .status()
        .unwrap();
    assert!(status.success());
    let error = download(
        &client(),
        &fast(server.url("/f"), &dest.path).with_overwrite(true),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("not a regular file"), "{error}");
    assert!(!std::fs::symlink_metadata(&dest.path).unwrap().is_file());
    std::fs::remove_file(&dest.path).unwrap();
    assert!(server.seen().is_empty(), "refused before any request");
}
