//! Downloads over several connections against a small ranged server on 127.0.0.1 that
//! answers `bytes=A-B` and `bytes=A-` with the object's `ETag` and `x-oss-hash-crc64ecma`,
//! and misbehaves on the requests a test's script names.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloud_http::{Download, Error, ErrorKind, download};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::download::{Dest, assert_complete, client, fast, file_body, raw, raw_head};

/// What the server does with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// The range asked for (206), or the whole file without a `Range` (200).
    Serve,
    /// As `Slow`, then the connection closes after this many body bytes.
    Cut(usize),
    /// As `Serve`, with the byte at this file offset flipped when the body covers it.
    Flip(usize),
    /// The whole file (200) whatever was asked.
    Whole,
    /// A 206 of the range, from another version of the object (another `ETag`).
    OtherObject,
    /// A 403 saying the link has expired.
    Expired,
    /// As `Serve`, ten times slower.
    Slow,
    /// As `Serve`, as fast as it goes.
    Fast,
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    target: String,
    range: Option<(usize, Option<usize>)>,
}

struct RangedServer {
    address: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// The most requests answered at the same time.
    most_at_once: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for RangedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn crc64(bytes: &[u8]) -> u64 {
    let mut digest = crc64fast::Digest::new();
    digest.write(bytes);
    digest.sum64()
}

impl RangedServer {
    /// Serves `body`; `script(n, seen)` says how to answer the n-th request (0-based).
    async fn start(
        body: Arc<Vec<u8>>,
        script: impl Fn(usize, &Seen) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("an address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let most_at_once = Arc::new(AtomicUsize::new(0));
        let (log, most) = (seen.clone(), most_at_once.clone());
        let script = Arc::new(script);
        let crc = crc64(&body);
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            let count = Arc::new(AtomicUsize::new(0));
            let now = Arc::new(AtomicUsize::new(0));
            while let Ok((socket, _)) = listener.accept().await {
                let (body, log, script) = (body.clone(), log.clone(), script.clone());
                let (count, now, most) = (count.clone(), now.clone(), most.clone());
                connections.spawn(async move {
                    let at_once = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(at_once, Ordering::SeqCst);
                    serve(socket, &body, crc, &log, &count, script.as_ref()).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            address,
            seen,
            most_at_once,
            task,
        }
    }

    fn url(&self, target: &str) -> String {
        format!("http://{}{target}", self.address)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    /// The body bytes the ranged requests asked for (all but the one-byte probes).
    fn ranges(&self) -> Vec<(usize, Option<usize>)> {
        self.seen()
            .into_iter()
            .filter_map(|s| s.range)
            .filter(|r| *r != (0, Some(0)))
            .collect()
    }
}

async fn serve(
    mut socket: TcpStream,
    body: &[u8],
    crc: u64,
    log: &Mutex<Vec<Seen>>,
    count: &AtomicUsize,
    script: &(dyn Fn(usize, &Seen) -> Answer + Send + Sync),
) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
    let range = head.split("\r\n").skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("range") {
            return None;
        }
        let (first, last) = value.trim().strip_prefix("bytes=")?.split_once('-')?;
        Some((first.parse().ok()?, last.parse().ok()))
    });
    let seen = Seen { target, range };
    log.lock().expect("lock").push(seen.clone());
    let answer = script(count.fetch_add(1, Ordering::SeqCst), &seen);
    let len = body.len();
    let etag = if answer == Answer::OtherObject {
        "\"v2\""
    } else {
        "\"v1\""
    };
    let mut headers = vec![
        ("ETag", etag.to_owned()),
        ("x-oss-hash-crc64ecma", crc.to_string()),
    ];
    let (status, from, to) = match (answer, range) {
        (Answer::Expired, _) => {
            let body =
                b"<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>";
            let _ = socket.write_all(&raw("403 Forbidden", &[], body)).await;
            let _ = socket.shutdown().await;
            return;
        }
        (Answer::Whole, _) | (_, None) => ("200 OK", 0, len),
        (_, Some((first, last))) => {
            let to = last.map_or(len, |last| (last + 1).min(len));
            headers.push(("Content-Range", format!("bytes {first}-{}/{len}", to - 1)));
            ("206 Partial Content", first, to)
        }
    };
    headers.push(("Content-Length", (to - from).to_string()));
    if socket.write_all(&raw_head(status, &headers)).await.is_err() {
        return;
    }
    let mut sent = body[from..to].to_vec();
    if let Answer::Flip(at) = answer
        && (from..to).contains(&at)
    {
        sent[at - from] ^= 0xFF;
    }
    if let Answer::Cut(n) = answer {
        sent.truncate(n);
    }
    // About 50 MiB/s a connection: slow enough that the ranges overlap in time, and below
    // the rate at which one connection goes on alone.
    let pause = Duration::from_millis(match answer {
        Answer::Slow | Answer::Cut(_) => 50,
        Answer::Fast => 0,
        _ => 5,
    });
    for piece in sent.chunks(256 * 1024) {
        if socket.write_all(piece).await.is_err() {
            return;
        }
        tokio::time::sleep(pause).await;
    }
    let _ = socket.flush().await;
    let _ = socket.shutdown().await;
}

const SIZE: usize = 20 << 20;

fn ranged(url: String, dest: &Dest) -> Download {
    fast(url, &dest.path)
        .with_connections(4)
        .with_expected_size(SIZE as u64)
        .with_identity("file", "big.bin")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_comes_over_several_connections_at_once_and_is_verified_in_order() {
    let body = file_body(SIZE);
    let server = RangedServer::start(body.clone(), |_, _| Answer::Serve).await;
    let dest = Dest::new("ranged.bin");
    let outcome = download(&client(), &ranged(server.url("/f"), &dest))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.crc64, crc64(&body));
    let summary = cloud_http::checks_summary(&outcome.checks);
    assert!(
        summary.contains("crc64 (x-oss-hash-crc64ecma)") && summary.contains("sha256"),
        "{summary}"
    );
    // A one-byte probe, then ranges that tile the file, several answered at once.
    let seen = server.seen();
    assert_eq!(seen[0].range, Some((0, Some(0))));
    let ranges = server.ranges();
    assert!(ranges.len() >= 4, "{ranges:?}");
    assert_eq!(covered(&ranges), SIZE, "{ranges:?}");
    assert!(server.most_at_once.load(Ordering::SeqCst) >= 2);
    assert!(!dest.record().exists());
}

/// How far from byte 0 the requested ranges reach without a gap.
fn covered(ranges: &[(usize, Option<usize>)]) -> usize {
    let mut sorted = ranges.to_vec();
    sorted.sort_unstable();
    let mut reach = 0;
    for (first, last) in sorted {
        if first > reach {
            break;
        }
        reach = reach.max(last.map_or(SIZE, |l| l + 1));
    }
    reach
}

/// A slow connection's range is split: a connection that has finished its own takes the
/// second half, and the slow one stops at the middle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_range_is_split_with_a_connection_that_finished() {
    let body = file_body(SIZE);
    let server = RangedServer::start(body.clone(), |n, seen| {
        if n > 0 && seen.range.is_some_and(|(first, _)| first == 0) {
            Answer::Slow
        } else {
            Answer::Serve
        }
    })
    .await;
    let dest = Dest::new("ranged-steal.bin");
    // Two connections: two ranges of 10 MiB, the second done long before the slow first.
    let outcome = download(
        &client(),
        &ranged(server.url("/f"), &dest).with_connections(2),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    let ranges = server.ranges();
    let first = ranges.iter().find(|r| r.0 == 0).expect("the first range");
    let end = first.1.expect("closed");
    assert!(
        ranges.iter().any(|r| r.0 > 0 && r.0 < end),
        "a range inside the slow one's: {ranges:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_range_is_resumed_from_where_it_stopped() {
    let body = file_body(SIZE);
    let server = RangedServer::start(body.clone(), |n, _| {
        if n == 2 {
            Answer::Cut(300_000)
        } else {
            Answer::Serve
        }
    })
    .await;
    let dest = Dest::new("ranged-drop.bin");
    let outcome = download(&client(), &ranged(server.url("/f"), &dest))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert!(outcome.resumes >= 1, "{outcome:?}");
    // The cut range was asked again from where it stopped, not from its start (up to its
    // end, or to where another connection took its second half).
    let ranges = server.ranges();
    let cut = ranges[1];
    assert!(
        ranges
            .iter()
            .any(|r| r.0 > cut.0 && r.0 <= cut.0 + 300_000 && r.1 <= cut.1 && r.1 > Some(r.0)),
        "{ranges:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_ranges_is_asked_once_for_everything() {
    let body = file_body(SIZE);
    let server = RangedServer::start(body.clone(), |_, _| Answer::Whole).await;
    let dest = Dest::new("ranged-ignored.bin");
    let outcome = download(&client(), &ranged(server.url("/f"), &dest))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    // The probe, then one request over one connection.
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].range, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_answered_with_the_whole_file_goes_on_over_one_connection() {
    let body = file_body(SIZE);
    let server = RangedServer::start(body.clone(), |n, _| {
        if n == 3 { Answer::Whole } else { Answer::Serve }
    })
    .await;
    let dest = Dest::new("ranged-fallback.bin");
    let outcome = download(&client(), &ranged(server.url("/f"), &dest))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    // After the fallback, one open-ended range from the hashed prefix.
    let seen = server.seen();
    assert!(
        seen.iter()
            .any(|s| matches!(s.range, Some((_, None))) || s.range.is_none()),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_that_changes_mid_download_is_fetched_again_from_zero() {
    let body = file_body(SIZE);
    let server = RangedServer::start(body.clone(), |n, _| {
        if n == 3 {
            Answer::OtherObject
        } else {
            Answer::Serve
        }
    })
    .await;
    let dest = Dest::new("ranged-changed.bin");
    let outcome = download(&client(), &ranged(server.url("/f"), &dest))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert!(outcome.restarts >= 1, "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_link_is_renewed_once_for_every_connection() {
    let body = file_body(SIZE);
    let server = RangedServer::start(body.clone(), |n, seen| {
        if n > 0 && seen.target.contains("Signature=first") {
            Answer::Expired
        } else {
            Answer::Serve
        }
    })
    .await;
    let dest = Dest::new("ranged-expired.bin");
    let renewed = server.url("/f?Expires=4102444800&Signature=renewed");
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let outcome = download(
        &client(),
        &ranged(server.url("/f?Expires=4102444800&Signature=first"), &dest).with_refresh(
            move || {
                counter.fetch_add(1, Ordering::SeqCst);
                let url = renewed.clone();
                async move {
                    // Slow enough that every connection has seen its link expire.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok::<_, Error>(url)
                }
            },
        ),
    )
    .await
    .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(outcome.refreshes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_range_fails_the_checks_and_leaves_nothing() {
    let body = file_body(SIZE);
    let server = RangedServer::start(body.clone(), |_, _| Answer::Flip(SIZE / 2 + 7)).await;
    let dest = Dest::new("ranged-corrupt.bin");
    let error = download(&client(), &ranged(server.url("/f"), &dest))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    assert!(error.to_string().contains("crc64"), "{error}");
    assert!(!dest.path.exists() && !dest.part().exists() && !dest.record().exists());
}

/// A run that fails part-way keeps each range's progress in the resume record; the next run
/// asks every range only for what it lacks. Then the same with one connection: the `.part`
/// is cut to its contiguous prefix and finished in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_resumes_every_range() {
    let body = file_body(SIZE);
    for connections in [4, 1] {
        // Cut late enough (at the slow pace) that every connection has started.
        let cut = 3_000_000;
        // The same server (the record names its address): cutting every range but the probe
        // until `healed`.
        let healed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let heal = healed.clone();
        let server = RangedServer::start(body.clone(), move |n, _| {
            if n == 0 || healed.load(Ordering::SeqCst) {
                Answer::Serve
            } else {
                Answer::Cut(cut)
            }
        })
        .await;
        let dest = Dest::new("ranged-interrupted.bin");
        let first = ranged(server.url("/f"), &dest).with_max_attempts(1);
        let error = download(&client(), &first).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
        assert!(dest.part().exists() && dest.record().exists(), "{error}");
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dest.record()).expect("the record"))
                .expect("JSON");
        let ranges = record["ranges"].as_array().expect("ranges");
        let progressed = ranges
            .iter()
            .filter(|r| r["next"].as_u64() > r["start"].as_u64())
            .count();
        assert!(progressed >= 2, "{record}");
        let before = server.seen().len();
        heal.store(true, Ordering::SeqCst);
        let again = ranged(server.url("/f"), &dest).with_connections(connections);
        let outcome = download(&client(), &again).await.unwrap();
        assert_complete(&outcome, &dest, &body);
        let asked: Vec<(usize, Option<usize>)> = server.seen()[before..]
            .iter()
            .filter_map(|s| s.range)
            .filter(|r| *r != (0, Some(0)))
            .collect();
        let fetched: usize = asked
            .iter()
            .map(|(first, last)| last.map_or(SIZE, |l| l + 1) - first)
            .sum();
        assert!(fetched < SIZE, "{connections}: asked {asked:?}");
        if connections > 1 {
            assert!(asked.iter().all(|(first, _)| *first > 0), "{asked:?}");
        }
    }
}

/// A connection that goes fast enough alone (here, on loopback, usually) is not joined by the
/// others: the download goes on over it, in order. Whichever way it goes, the file is whole
/// and verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_connection_may_go_on_alone_and_the_file_is_the_same() {
    let body = file_body(SIZE);
    let server = RangedServer::start(body.clone(), |_, _| Answer::Fast).await;
    let dest = Dest::new("ranged-fast.bin");
    let outcome = download(&client(), &ranged(server.url("/f"), &dest))
        .await
        .unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(outcome.crc64, crc64(&body));
    assert!(!dest.record().exists());
}

/// A small file (by the size the API gave) is fetched over one connection, without a probe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_file_takes_one_request() {
    let body = file_body(100_000);
    let server = RangedServer::start(body.clone(), |_, _| Answer::Serve).await;
    let dest = Dest::new("ranged-small.bin");
    let small = fast(server.url("/f"), &dest.path)
        .with_connections(8)
        .with_expected_size(100_000);
    let outcome = download(&client(), &small).await.unwrap();
    assert_complete(&outcome, &dest, &body);
    assert_eq!(server.seen().len(), 1);
}
