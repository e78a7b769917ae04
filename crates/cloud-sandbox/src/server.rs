//! [`Sandbox`]: the server, its thread and runtime, and the routing of requests.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::HeaderMap;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::archive::backup::{FileLayout, FileSpec};
use crate::catalog::Catalog;
use crate::http::{self, Body, Outcome, Reply};
use crate::log::RequestKind;
use crate::state::{Received, State};
use crate::{
    DemoInstance, FaultHandle, FaultKind, Provider, RequestRecord, SandboxConfig, aliyun,
    capitalonline, control, demo_credentials, files, huawei,
};

/// The largest request body the sandbox reads (the APIs send none or small forms).
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// A running sandbox: the four services on one port of 127.0.0.1.
///
/// It runs on its own thread with its own Tokio runtime, so it works the same from a
/// `#[tokio::test]` (any flavour), from `main`, or from synchronous code. It stops when dropped,
/// or when [`shutdown`](Self::shutdown) is awaited (which also waits until the port is free
/// and every connection is closed).
///
/// ```
/// use cloud_sandbox::{Sandbox, SandboxConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sandbox = Sandbox::start(SandboxConfig::default())?;
/// assert!(sandbox.endpoint().starts_with("http://127.0.0.1:"));
/// sandbox.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    done: Option<oneshot::Receiver<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("endpoint", &self.state.endpoint)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox: binds 127.0.0.1 (on a free port unless
    /// [`SandboxConfig::with_port`] says which) and serves on a thread of its own until the
    /// `Sandbox` is dropped or [`shutdown`](Self::shutdown).
    ///
    /// Fails when the port cannot be bound (`AddrInUse` for a taken port), when the
    /// configuration is invalid (`InvalidInput`: a backup count or file size for an instance
    /// that cannot exist), or when the thread or runtime cannot be created.
    pub fn start(config: SandboxConfig) -> io::Result<Sandbox> {
        let catalog = Catalog::new(&config)?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::new(catalog, &config, addr));
        let (stop_tx, stop_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
        let serving = Arc::clone(&state);
        // The runtime is built, used and dropped on the server thread only: dropping a runtime
        // in the caller's async context would panic.
        std::thread::Builder::new()
            .name(format!("cloud-sandbox-{}", addr.port()))
            .spawn(move || {
                let started = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("cloud-sandbox-worker")
                    .enable_all()
                    .build()
                    .and_then(|runtime| {
                        let listener = {
                            let _context = runtime.enter();
                            TcpListener::from_std(listener)?
                        };
                        Ok((runtime, listener))
                    });
                let (runtime, listener) = match started {
                    Ok(started) => started,
                    Err(error) => {
                        let _ = ready_tx.send(Err(error));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                runtime.block_on(accept_loop(listener, serving, stop_rx));
                // Ends every connection still open.
                runtime.shutdown_timeout(Duration::from_secs(1));
                let _ = done_tx.send(());
            })?;
        ready_rx
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("the sandbox thread ended at start")))?;
        Ok(Sandbox {
            addr,
            state,
            stop: Some(stop_tx),
            done: Some(done_rx),
        })
    }

    /// The base URL of all four services, `http://127.0.0.1:PORT` (no trailing slash): the
    /// endpoint to give every client (Capital Online's adds `/mysql/` itself).
    pub fn endpoint(&self) -> String {
        self.state.endpoint.clone()
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The live faults: arm and disarm them while the sandbox runs.
    pub fn faults(&self) -> FaultHandle {
        self.state.faults.clone()
    }

    /// The requests answered so far, oldest first (the last
    /// [`REQUEST_LOG_CAPACITY`](crate::REQUEST_LOG_CAPACITY)), without those to the control
    /// endpoint. A request is recorded when its response head is ready; a request hung by the
    /// [`hang`](crate::Faults::hang) fault when it arrives, with status 0.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.log.snapshot()
    }

    /// The secrets and security tokens of every short-lived key the sandbox's metadata
    /// services, STS and IAM issued so far: for tests that check that no output shows one.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.state.issued.secrets()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        self.state.log.clear();
    }

    /// The instances this sandbox serves: the demo ones, with the counts and extra instances
    /// of the configuration.
    pub fn instances(&self) -> Vec<DemoInstance> {
        self.state
            .catalog
            .instances()
            .map(|instance| instance.describe())
            .collect()
    }

    /// Backup number `index` (0 is the newest, the first one listed) of `instance_id`, with a
    /// fresh download link to its file; `None` if there is no such backup.
    ///
    /// This is the way to a GaussDB for MySQL backup's file, which no API of that service
    /// returns (as with the real service).
    pub fn backup(&self, service: Provider, instance_id: &str, index: usize) -> Option<BackupFile> {
        let catalog = &self.state.catalog;
        let instance = catalog.instance(service, instance_id)?;
        (index < instance.count)
            .then(|| BackupFile::new(&self.state, &catalog.backup(instance, index)))
    }

    /// The backup `backup_id` of `service` (any instance), with a fresh download link.
    pub fn find_backup(&self, service: Provider, backup_id: &str) -> Option<BackupFile> {
        self.state
            .catalog
            .find(service, backup_id)
            .map(|backup| BackupFile::new(&self.state, &backup))
    }

    /// What [`serve`](crate::serve) prints: the endpoint, each service's credentials (with
    /// the environment variables the client crates read) and instances, and the control
    /// endpoint.
    pub fn banner(&self) -> String {
        banner(&self.state)
    }

    /// Stops the sandbox: no new connection is accepted, open ones are closed (requests hung by
    /// the [`hang`](crate::Faults::hang) fault included), and the port is free when this
    /// returns. Dropping the sandbox does the same without waiting.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// One backup's file, as [`Sandbox::backup`] and [`Sandbox::find_backup`] describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackupFile {
    /// The service.
    pub service: Provider,
    /// The instance.
    pub instance_id: String,
    /// The backup id, as the API reports it (Alibaba Cloud's is a number, here as text).
    pub backup_id: String,
    /// The file's name (the last segment of the link's path).
    pub file_name: String,
    /// The file's length in bytes.
    pub size: u64,
    /// A signed download link to the file, valid as long as the service's links are (an hour;
    /// five minutes for Huawei Cloud), or as the [`link_ttl_secs`](crate::Faults::link_ttl_secs)
    /// fault says.
    pub download_url: String,
    /// What the file is made from (damaged if the [`damaged`](crate::Faults::damaged) fault
    /// was on when this was made).
    spec: FileSpec,
}

impl BackupFile {
    fn new(state: &State, backup: &crate::catalog::Backup<'_>) -> Self {
        Self {
            service: backup.service(),
            instance_id: backup.instance.id.clone(),
            backup_id: backup.id.clone(),
            file_name: backup.file_name.clone(),
            size: backup.size,
            download_url: files::link(state, backup),
            spec: files::spec(state, backup),
        }
    }

    /// The `len` bytes of the file at `offset` (fewer past its end), exactly as the sandbox
    /// serves them (damaged if the [`damaged`](crate::Faults::damaged) fault was on when this
    /// was made).
    ///
    /// ```no_run
    /// # fn run(sandbox: &cloud_sandbox::Sandbox) {
    /// use cloud_sandbox::{FileLayout, Provider};
    ///
    /// let file = sandbox.backup(Provider::AliyunRds, "rm-demo", 0).unwrap();
    /// assert_eq!(file.layout(), FileLayout::XbstreamOfQpress);
    /// assert_eq!(&file.content(0, 8)[..], b"XBSTCK01");
    /// # }
    /// ```
    pub fn content(&self, offset: u64, len: usize) -> Vec<u8> {
        let len =
            usize::try_from(self.size.saturating_sub(offset)).map_or(len, |left| left.min(len));
        let mut buf = vec![0; len];
        self.spec.open().read_at(offset, &mut buf);
        buf
    }

    /// The CRC-64/XZ of the whole file: what an Alibaba Cloud download sends as
    /// `x-oss-hash-crc64ecma` (whatever the service, and whatever the checksum limit).
    pub fn crc64(&self) -> u64 {
        let mut file = self.spec.open();
        crate::content::crc64_of(self.size, |pos, buf| file.read_at(pos, buf))
    }

    /// The MD5 of the whole file in lower-case hex: what a Huawei Cloud download sends as
    /// its `ETag` (whatever the service, and whatever the checksum limit).
    pub fn md5_hex(&self) -> String {
        let mut file = self.spec.open();
        crate::content::hex(&crate::content::md5_of(self.size, |pos, buf| {
            file.read_at(pos, buf)
        }))
    }

    /// What the file is: the archive its name promises, or [`FileLayout::Raw`] (random bytes)
    /// for a binlog or a file too small for an archive.
    pub fn layout(&self) -> FileLayout {
        self.spec.open().layout
    }

    /// Where the [`damaged`](crate::Faults::damaged) fault flips a byte of this file: inside
    /// a member's data, past every header.
    pub fn damage_offset(&self) -> Option<u64> {
        let mut spec = self.spec.clone();
        spec.damaged = true;
        spec.open().damage_at()
    }
}

/// Accepts connections until `stop` fires (or its sender is dropped).
async fn accept_loop(listener: TcpListener, state: Arc<State>, mut stop: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let state = Arc::clone(&state);
                    tokio::spawn(async move {
                        let _ = stream.set_nodelay(true);
                        let service = service_fn(move |request| {
                            let state = Arc::clone(&state);
                            async move { Ok::<_, Infallible>(handle(&state, request).await) }
                        });
                        // A client that goes away mid-request, or a dropped download, ends
                        // the connection with an error: nothing to do about it.
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                // E.g. out of file descriptors: wait a little instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

/// Which part of the sandbox a request is for.
enum Route {
    Control,
    Files,
    Identity,
    Api(Api),
    Unknown,
}

/// Which provider's API a request is for.
enum Api {
    CapitalOnline,
    Aliyun,
    Huawei,
}

fn route(method: &Method, path: &str, query: &[(String, String)], headers: &HeaderMap) -> Route {
    if path == "/_sandbox" || path.starts_with("/_sandbox/") {
        Route::Control
    } else if path.starts_with("/files/") {
        Route::Files
    } else if crate::identity::is_identity_path(path) {
        Route::Identity
    } else if path == "/mysql" || path == "/mysql/" {
        Route::Api(Api::CapitalOnline)
    } else if path.starts_with("/v3/") || path.starts_with("/v3.1/") {
        Route::Api(Api::Huawei)
    } else if path == "/"
        && (headers.contains_key("x-acs-action") || http::pair(query, "Action").is_some())
        && matches!(*method, Method::GET | Method::POST)
    {
        Route::Api(Api::Aliyun)
    } else {
        Route::Unknown
    }
}

/// Answers one request and records it.
async fn handle(state: &State, request: Request<Incoming>) -> Response<Body> {
    let (parts, incoming) = request.into_parts();
    let path = parts.uri.path().to_owned();
    if let Some(latency) = state.faults.latency()
        && !path.starts_with("/_sandbox")
    {
        tokio::time::sleep(latency).await;
    }
    let query = http::decode_pairs(parts.uri.query().unwrap_or(""));
    let route = route(&parts.method, &path, &query, &parts.headers);
    let reply = match route {
        Route::Control => {
            // Not recorded: the control endpoint is the test harness talking.
            let body = read_body(incoming).await.unwrap_or_default();
            return control::handle(state, &parts.method, &path, &body);
        }
        Route::Files => files::handle(state, &parts.method, &path, &query, &parts.headers),
        Route::Unknown => unknown(&path),
        Route::Identity => {
            let Some(body) = read_body(incoming).await else {
                return http::json(413, &[], &json!({"error": "request body too large"}));
            };
            crate::identity::handle(state, &parts.method, &path, &parts.headers, &body)
        }
        Route::Api(api) => {
            let Some(body) = read_body(incoming).await else {
                return http::json(413, &[], &json!({"error": "request body too large"}));
            };
            let received = Received {
                method: parts.method.clone(),
                path: path.clone(),
                query,
                headers: parts.headers,
                body,
            };
            let hang = state.faults.hang_armed().then(|| identify(&api, &received));
            if let Some((service, operation)) = hang
                && state.faults.take_hang(service)
            {
                // Logged now: it will never have a response.
                state.log.push(RequestRecord {
                    method: parts.method.to_string(),
                    path,
                    kind: RequestKind::Api,
                    service,
                    operation,
                    status: 0,
                    error_code: None,
                    fault: Some(FaultKind::Hung),
                });
                // Never answered: the connection stays open until the client gives up or the
                // runtime stops (which drops this future).
                return std::future::pending().await;
            }
            match api {
                Api::CapitalOnline => capitalonline::handle(state, &received),
                Api::Aliyun => aliyun::handle(state, &received),
                Api::Huawei => huawei::handle(state, &received),
            }
        }
    };
    let Reply { response, outcome } = reply;
    let Outcome {
        kind,
        service,
        operation,
        error_code,
        fault,
    } = outcome;
    state.log.push(RequestRecord {
        method: parts.method.to_string(),
        path,
        kind: kind.unwrap_or(RequestKind::Api),
        service,
        operation,
        status: response.status().as_u16(),
        error_code,
        fault,
    });
    response
}

/// The service and operation of an API request, as far as they can be told before any check.
fn identify(api: &Api, received: &Received) -> (Option<Provider>, Option<String>) {
    match api {
        Api::CapitalOnline => (
            Some(Provider::CapitalOnlineMysql),
            received.query_param("Action").map(str::to_owned),
        ),
        Api::Aliyun => (Some(Provider::AliyunRds), aliyun::action(received)),
        Api::Huawei => match huawei::identify(received) {
            Some((service, operation)) => (Some(service), Some(operation.to_owned())),
            None => (None, None),
        },
    }
}

/// The whole request body, or `None` when it is larger than [`MAX_REQUEST_BODY`].
async fn read_body(incoming: Incoming) -> Option<Bytes> {
    Limited::new(incoming, MAX_REQUEST_BODY)
        .collect()
        .await
        .ok()
        .map(|collected| collected.to_bytes())
}

fn unknown(path: &str) -> Reply {
    Reply {
        response: http::json(
            404,
            &[],
            &json!({
                "error": "NotFound",
                "message": format!("the sandbox has no API at {path}"),
            }),
        ),
        outcome: Outcome {
            kind: Some(RequestKind::Other),
            ..Outcome::default()
        },
    }
}

/// The text of [`Sandbox::banner`].
pub(crate) fn banner(state: &State) -> String {
    let endpoint = &state.endpoint;
    let mut out = format!("cloud-sandbox listening on {endpoint}\n");
    for service in Provider::ALL.iter().copied() {
        let credentials = demo_credentials(service);
        out.push_str(&format!("\n{} ({service})\n", service.title()));
        out.push_str(&format!("  endpoint       {endpoint}"));
        if service == Provider::CapitalOnlineMysql {
            out.push_str("  (the client adds /mysql/)");
        }
        out.push('\n');
        out.push_str(&format!("  access key id  {}\n", credentials.access_key_id));
        out.push_str(&format!("  secret         {}\n", credentials.secret));
        if let Some(project_id) = credentials.project_id {
            out.push_str(&format!("  project id     {project_id}\n"));
        }
        let env = match service {
            Provider::CapitalOnlineMysql => format!(
                "CDS_SECRET_ID={} CDS_SECRET_KEY={}",
                credentials.access_key_id, credentials.secret
            ),
            Provider::AliyunRds => format!(
                "ALIBABA_CLOUD_ACCESS_KEY_ID={} ALIBABA_CLOUD_ACCESS_KEY_SECRET={}",
                credentials.access_key_id, credentials.secret
            ),
            _ => format!(
                "HUAWEICLOUD_SDK_AK={} HUAWEICLOUD_SDK_SK={} HUAWEICLOUD_SDK_PROJECT_ID={}",
                credentials.access_key_id,
                credentials.secret,
                credentials.project_id.unwrap_or_default()
            ),
        };
        out.push_str(&format!("  environment    {env}\n"));
        for instance in state.catalog.instances().filter(|i| i.service == service) {
            out.push_str(&format!(
                "  instance       {} ({}, {} backups)\n",
                instance.id, instance.name, instance.count
            ));
        }
    }
    out.push_str(&format!(
        "\nFaults: curl -X POST {endpoint}/_sandbox/faults -d '{{\"throttle\": 2}}'\n\
         Requests: curl {endpoint}/_sandbox/requests\n"
    ));
    out
}

/// Starts a sandbox with `config`, prints its [banner](Sandbox::banner) to standard output,
/// serves until `shutdown` completes, then stops it.
///
/// For a command line already running on Tokio:
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use cloud_sandbox::SandboxConfig;
///
/// cloud_sandbox::serve_until(SandboxConfig::default().with_port(8080), async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await
/// # }
/// ```
pub async fn serve_until(
    config: SandboxConfig,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let sandbox = Sandbox::start(config)?;
    println!("{}", sandbox.banner());
    shutdown.await;
    sandbox.shutdown().await;
    Ok(())
}

/// Starts a sandbox with `config`, prints its [banner](Sandbox::banner), and serves until
/// Ctrl-C: the blocking entry point of `cloud-backup sandbox serve [--port N]`.
///
/// It runs its own small runtime to wait for Ctrl-C, so call it from synchronous code (a
/// plain `main`), not from inside an async runtime; there, use [`serve_until`].
///
/// ```no_run
/// fn main() -> std::io::Result<()> {
///     cloud_sandbox::serve(cloud_sandbox::SandboxConfig::default().with_port(8080))
/// }
/// ```
pub fn serve(config: SandboxConfig) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(config)?;
        println!("{}", sandbox.banner());
        println!("Press Ctrl-C to stop.");
        // Without a signal handler (rare), stop at once rather than never.
        let _ = tokio::signal::ctrl_c().await;
        sandbox.shutdown().await;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sandbox_can_be_shared() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Sandbox>();
        check::<FaultHandle>();
        check::<SandboxConfig>();
    }

    #[test]
    fn ids_have_their_shapes() {
        let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
        let state = &sandbox.state;
        let upper = state.uuid(true);
        assert_eq!(upper.len(), 36);
        assert_eq!(upper, upper.to_uppercase());
        assert_ne!(state.uuid(false), state.uuid(false));
        assert_eq!(state.hex_id().len(), 32);
    }
}
