//! The processes of the end-to-end benchmarks (issue 6), driven by `scripts/bench.sh`; not a
//! criterion bench. Run by `cargo bench` without arguments it prints a note and exits.
//!
//! ```text
//! e2e serve --info FILE [--max-seconds N]   a sandbox with the benchmark data; writes FILE
//! e2e serve-fleet --info FILE --fleet N [--backups B]
//!                                           a sandbox with N more instances per service
//!                                           (B backups each, default 12), no flow control;
//!                                           writes FILE
//! e2e list-ours  aliyun|huawei ENDPOINT      all pages through our client (aliyun-rds / huaweicloud-rds)
//! e2e list-floor aliyun|huawei ENDPOINT      the same pages, plain reqwest + serde_json::Value
//! e2e download-lib URL OUT SIZE              one file through cloud_http::download (library path)
//! ```
//!
//! Each listing prints `RESULT items=<n> elapsed_ms=<ms>`: the time from the first request
//! to the last page decoded (the process's start-up is measured outside, by the script).
//!
//! The floor has to get past the sandbox's signature checks without signing inside the timed
//! loop: it signs every page's request *before* its timer starts (each with its own nonce and
//! a current timestamp, as the gateway requires: no request is replayed), then times plain
//! `reqwest` sends and `serde_json::Value` decodes. It is what the listing costs with
//! signing, retries, typed decoding and the paging stream taken out.

use std::io::Write as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cloud_sandbox::{Provider, Sandbox, SandboxConfig, demo_credentials};
use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::huawei::{self, HuaweiRequest};
use futures::TryStreamExt;
use time::OffsetDateTime;

/// The Alibaba Cloud instance with 10,000 backups.
const ALIYUN_INSTANCE: &str = "rm-bench";
/// The Huawei Cloud RDS instance with 10,000 backups.
const HUAWEI_INSTANCE: &str = "0000000000000000000000000000bbb1in01";
/// Backups per instance.
const BACKUPS: usize = 10_000;
/// The page size of every listing (the largest both APIs allow).
const PAGE: usize = 100;
/// The download files: backup 0 of `rm-bench` is 1 GiB, backup 1 is 100 MiB, backup 2 is
/// 4 GiB (its bytes are made as they are sent: nothing is stored).
const FILES: [(usize, u64); 3] = [(0, 1 << 30), (1, 100 << 20), (2, 4 << 30)];

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["serve", "--info", file] => serve(file, 3600),
        ["serve", "--info", file, "--max-seconds", secs] => serve(file, secs.parse()?),
        ["serve-fleet", "--info", file, "--fleet", count] => {
            serve_fleet(file, count.parse()?, cloud_sandbox::FLEET_BACKUPS)
        }
        [
            "serve-fleet",
            "--info",
            file,
            "--fleet",
            count,
            "--backups",
            backups,
        ] => serve_fleet(file, count.parse()?, backups.parse()?),
        ["list-ours", provider, endpoint] => run(list_ours(provider, endpoint)),
        ["list-floor", provider, endpoint] => run(list_floor(provider, endpoint)),
        ["download-lib", url, out, size] => download_lib(url, out, size.parse()?),
        _ => {
            println!("e2e: the end-to-end benchmark's helper; run scripts/bench.sh");
            Ok(())
        }
    }
}

/// Runs one listing on a current-thread runtime and prints its result line.
fn run(listing: impl Future<Output = Result<(usize, Duration), BoxError>>) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (items, elapsed) = runtime.block_on(listing)?;
    if items != BACKUPS {
        return Err(format!("listed {items} backups, expected {BACKUPS}").into());
    }
    println!(
        "RESULT items={items} elapsed_ms={:.1}",
        elapsed.as_secs_f64() * 1e3
    );
    Ok(())
}

/// Starts the sandbox, writes its endpoint, instances and file links to `info` as JSON, and
/// serves until killed, for `max_seconds` at most.
fn serve(info: &str, max_seconds: u64) -> Result<(), BoxError> {
    let mut config = SandboxConfig::new()
        .with_backup_count(Provider::AliyunRds, ALIYUN_INSTANCE, BACKUPS)
        .with_backup_count(Provider::HuaweiCloudRds, HUAWEI_INSTANCE, BACKUPS);
    for (index, bytes) in FILES {
        config = config.with_file_size(Provider::AliyunRds, ALIYUN_INSTANCE, index, bytes);
    }
    let sandbox = Sandbox::start(config)?;
    let files: Vec<serde_json::Value> = FILES
        .iter()
        .map(|&(index, _)| {
            let file = sandbox
                .backup(Provider::AliyunRds, ALIYUN_INSTANCE, index)
                .ok_or("no such backup")?;
            Ok(serde_json::json!({
                "backup_id": file.backup_id,
                "size": file.size,
                "url": file.download_url,
            }))
        })
        .collect::<Result<_, BoxError>>()?;
    // The demo credentials are public (they open only the sandbox): the official SDKs'
    // script reads them from here rather than repeating them.
    let aliyun = demo_credentials(Provider::AliyunRds);
    let huawei = demo_credentials(Provider::HuaweiCloudRds);
    let text = serde_json::json!({
        "endpoint": sandbox.endpoint(),
        "aliyun_credentials": [aliyun.access_key_id, aliyun.secret],
        "huawei_credentials": [huawei.access_key_id, huawei.secret, huawei.project_id],
        "port": sandbox.port(),
        "aliyun_instance": ALIYUN_INSTANCE,
        "huawei_instance": HUAWEI_INSTANCE,
        "files": files,
    });
    let tmp = format!("{info}.tmp");
    std::fs::File::create(&tmp)?.write_all(text.to_string().as_bytes())?;
    std::fs::rename(&tmp, info)?;
    std::thread::sleep(Duration::from_secs(max_seconds));
    drop(sandbox);
    Ok(())
}

/// A sandbox with a fleet of `count` more instances per service, `backups` backups each, and
/// no flow control (`scripts/bench.sh` turns it on through the control endpoint where it
/// measures with it), its endpoint, credentials and the number of Alibaba Cloud backups
/// written to `info`; serves for an hour.
fn serve_fleet(info: &str, count: usize, backups: usize) -> Result<(), BoxError> {
    let config = SandboxConfig::new()
        .with_fleet(count)
        .with_fleet_backups(backups)
        .with_faults(cloud_sandbox::Faults::new().with_rate(0));
    let sandbox = Sandbox::start(config)?;
    let backups: usize = sandbox
        .instances()
        .iter()
        .filter(|i| i.service == Provider::AliyunRds)
        .map(|i| i.backup_count)
        .sum();
    let aliyun = demo_credentials(Provider::AliyunRds);
    let text = serde_json::json!({
        "endpoint": sandbox.endpoint(),
        "aliyun_credentials": [aliyun.access_key_id, aliyun.secret],
        "fleet_backups": backups,
    });
    let tmp = format!("{info}.tmp");
    std::fs::File::create(&tmp)?.write_all(text.to_string().as_bytes())?;
    std::fs::rename(&tmp, info)?;
    std::thread::sleep(Duration::from_secs(3600));
    drop(sandbox);
    Ok(())
}

/// Every page through our client's paging stream, timed whole.
async fn list_ours(provider: &str, endpoint: &str) -> Result<(usize, Duration), BoxError> {
    let start = Instant::now();
    let items = match provider {
        "aliyun" => {
            use aliyun_rds::{Client, Config, DescribeBackupsRequest};
            let credentials = demo_credentials(Provider::AliyunRds).to_credentials();
            let client = Client::new(Config::new(credentials).with_endpoint(endpoint)?)?;
            let request = DescribeBackupsRequest::new(ALIYUN_INSTANCE).with_page_size(PAGE as i64);
            count(client.backups(request)).await?
        }
        "huawei" => {
            use huaweicloud_rds::{Client, Config, ListBackupsRequest};
            let demo = demo_credentials(Provider::HuaweiCloudRds);
            let config = Config::new(demo.to_credentials(), demo.project_id.unwrap_or_default())
                .with_endpoint(endpoint)?;
            let client = Client::new(config)?;
            let request = ListBackupsRequest::new(HUAWEI_INSTANCE).with_limit(PAGE as i64);
            count(client.backups(request)).await?
        }
        other => return Err(format!("unknown provider {other}").into()),
    };
    Ok((items, start.elapsed()))
}

/// Consumes a stream of backups, counting them: like the official SDK loop and the floor,
/// the listing holds one page at a time, so peak memory is the client's, not the 10,000
/// results'.
async fn count<T, E>(stream: impl futures::Stream<Item = Result<T, E>>) -> Result<usize, E> {
    stream
        .try_fold(0, |n, backup| {
            drop(std::hint::black_box(backup));
            futures::future::ready(Ok(n + 1))
        })
        .await
}

/// One pre-signed request of the floor.
struct Presigned {
    method: reqwest::Method,
    url: String,
    headers: Vec<(String, String)>,
}

/// Every page's request, signed now (each Alibaba Cloud one with its own nonce).
fn presign(provider: &str, endpoint: &str) -> Result<Vec<Presigned>, BoxError> {
    let host = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let now = OffsetDateTime::now_utc();
    let seed = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    (0..BACKUPS / PAGE)
        .map(|page| match provider {
            "aliyun" => {
                let demo = demo_credentials(Provider::AliyunRds).to_credentials();
                let request = Acs3Request::new("POST", host.as_str())
                    .with_action("DescribeBackups")
                    .with_version("2014-08-15")
                    .with_query_param("DBInstanceId", ALIYUN_INSTANCE)
                    .with_query_param("PageSize", PAGE.to_string())
                    .with_query_param("PageNumber", (page + 1).to_string());
                let nonce = format!("floor-{seed:x}-{page}");
                let signed = acs3::sign(&request, &demo, now, &nonce);
                Ok(Presigned {
                    method: reqwest::Method::POST,
                    url: format!("{endpoint}/?{}", signed.query_string()),
                    headers: signed.headers().to_vec(),
                })
            }
            "huawei" => {
                let demo = demo_credentials(Provider::HuaweiCloudRds);
                let project = demo.project_id.unwrap_or_default();
                let request =
                    HuaweiRequest::new("GET", host.as_str(), format!("/v3/{project}/backups"))
                        .with_query_param("instance_id", HUAWEI_INSTANCE)
                        .with_query_param("limit", PAGE.to_string())
                        .with_query_param("offset", (page * PAGE).to_string())
                        .with_project_id(project);
                let signed = huawei::sign(&request, &demo.to_credentials(), now);
                Ok(Presigned {
                    method: reqwest::Method::GET,
                    url: format!("{endpoint}{}", signed.request_uri()),
                    headers: signed.headers().to_vec(),
                })
            }
            other => Err(format!("unknown provider {other}").into()),
        })
        .collect()
}

/// Plain reqwest + `serde_json::Value`: the pages signed before the timer starts, then sent
/// one after the other, each body decoded and its items counted.
async fn list_floor(provider: &str, endpoint: &str) -> Result<(usize, Duration), BoxError> {
    let requests = presign(provider, endpoint)?;
    let http = reqwest::Client::builder().no_proxy().build()?;
    let start = Instant::now();
    let mut items = 0;
    for request in requests {
        let builder = request
            .headers
            .iter()
            .fold(http.request(request.method, &request.url), |b, (n, v)| {
                b.header(n.as_str(), v.as_str())
            });
        let response = builder.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        let page: serde_json::Value = serde_json::from_slice(&body)?;
        let list = match provider {
            "aliyun" => page.pointer("/Items/Backup"),
            _ => page.pointer("/backups"),
        };
        items += list.and_then(|l| l.as_array()).map_or(0, Vec::len);
    }
    Ok((items, start.elapsed()))
}

/// One file through `cloud_http::download`, the function under `cloud-backup download`:
/// streamed to `<out>.part`, size-checked, hashed, renamed. Prints `RESULT bytes=<n>
/// elapsed_ms=<ms>`.
fn download_lib(url: &str, out: &str, size: u64) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let http = reqwest::Client::builder().no_proxy().build()?;
    let download = cloud_http::Download::new(url, out)
        .with_expected_size(size)
        .with_overwrite(true);
    let start = Instant::now();
    let outcome = runtime.block_on(cloud_http::download(&http, &download))?;
    let elapsed = start.elapsed();
    if outcome.bytes != size {
        return Err(format!("downloaded {} bytes, expected {size}", outcome.bytes).into());
    }
    println!(
        "RESULT bytes={} elapsed_ms={:.1}",
        outcome.bytes,
        elapsed.as_secs_f64() * 1e3
    );
    Ok(())
}
