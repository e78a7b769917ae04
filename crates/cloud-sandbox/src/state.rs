//! What every request handler shares ([`State`]) and a received request ([`Received`]): the
//! types the server and the service handlers (`aliyun`, `capitalonline`, `huawei`, `files`,
//! `control`) all use, so that those modules depend on this one and not on each other.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::Method;
use hyper::body::Bytes;
use hyper::header::HeaderMap;
use time::OffsetDateTime;

use crate::auth::NonceCache;
use crate::catalog::Catalog;
use crate::changes::Changes;
use crate::config::Clock;
use crate::files::FileState;
use crate::http;
use crate::log::RequestLog;
use crate::{FaultHandle, FaultKind, Provider, SandboxConfig, mix};

/// What every request handler shares.
pub(crate) struct State {
    pub(crate) catalog: Catalog,
    pub(crate) clock: Clock,
    pub(crate) endpoint: String,
    pub(crate) faults: FaultHandle,
    pub(crate) log: RequestLog,
    pub(crate) nonces: NonceCache,
    /// Checksums, link serial numbers and link uses.
    pub(crate) files: FileState,
    /// The largest file whose checksums are computed.
    pub(crate) checksum_limit: u64,
    /// Backups created and deleted through the APIs.
    pub(crate) changes: Changes,
    /// Flow control per service and API.
    pub(crate) rates: crate::rate::RateLimiter,
    /// The short-lived keys the metadata services and STS issued.
    pub(crate) issued: crate::identity::IssuedKeys,
    /// How long an issued key works.
    pub(crate) credential_lifetime: time::Duration,
    counter: AtomicU64,
    seed: u64,
}

impl State {
    /// What happens to an authenticated call of `operation` on `service` before it runs: an
    /// armed API fault, else the flow control of its [rate](crate::rate) (`write`: a create
    /// or delete), with how long until a call would be admitted.
    pub(crate) fn gate(
        &self,
        service: Provider,
        operation: &str,
        write: bool,
    ) -> Option<(FaultKind, Option<std::time::Duration>)> {
        if let Some(kind) = self.faults.take_api_fault(service) {
            return Some((kind, None));
        }
        let rate = crate::rate::rate_of(write, self.faults.rate(service));
        self.rates
            .admit(service, operation, rate)
            .err()
            .map(|wait| (FaultKind::RateLimited, Some(wait)))
    }

    /// The state of a sandbox serving `catalog` at `addr`, configured by `config`.
    pub(crate) fn new(catalog: Catalog, config: &SandboxConfig, addr: SocketAddr) -> Self {
        Self {
            catalog,
            clock: config.clock.clone(),
            endpoint: format!("http://{addr}"),
            faults: FaultHandle::new(config.faults.clone()),
            log: RequestLog::default(),
            nonces: NonceCache::default(),
            files: FileState::default(),
            checksum_limit: config.checksum_limit,
            changes: Changes::default(),
            rates: crate::rate::RateLimiter::default(),
            issued: crate::identity::IssuedKeys::default(),
            credential_lifetime: time::Duration::try_from(config.credential_lifetime)
                .unwrap_or(time::Duration::HOUR),
            counter: AtomicU64::new(0),
            seed: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
                ^ u64::from(addr.port()),
        }
    }

    /// The sandbox's time.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    fn random(&self) -> u64 {
        mix::nth(self.seed, self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// A fresh request id in UUID form: upper-case for Alibaba Cloud, lower-case else.
    pub(crate) fn uuid(&self, upper: bool) -> String {
        let (a, b) = (self.random(), self.random());
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        );
        if upper { id.to_uppercase() } else { id }
    }

    /// A fresh request id of 32 hex digits (Huawei Cloud's `X-Request-Id`).
    pub(crate) fn hex_id(&self) -> String {
        format!("{:016x}{:016x}", self.random(), self.random())
    }
}

/// A received API request, decoded once.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) method: Method,
    /// The path as received (still percent-encoded).
    pub(crate) path: String,
    /// The query pairs, decoded.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Received {
    /// The `Host` header (what the client signed), else the sandbox's own address.
    pub(crate) fn host<'a>(&'a self, state: &'a State) -> &'a str {
        http::header(&self.headers, "host").unwrap_or_else(|| {
            state
                .endpoint
                .strip_prefix("http://")
                .unwrap_or(&state.endpoint)
        })
    }

    /// `request` with everything received that a signature covers added: the query pairs
    /// (`query`) and every header but `Host` (the request was built with the host) and
    /// `Authorization` (`header`); headers whose values are not text are left out.
    pub(crate) fn rebuild<R>(
        &self,
        request: R,
        query: impl Fn(R, &str, &str) -> R,
        header: impl Fn(R, &str, &str) -> R,
    ) -> R {
        let request = self.query.iter().fold(request, |request, (name, value)| {
            query(request, name, value)
        });
        self.headers
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "host" | "authorization"))
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .fold(request, |request, (name, value)| {
                header(request, name, value)
            })
    }

    /// The first query parameter `name`.
    pub(crate) fn query_param(&self, name: &str) -> Option<&str> {
        http::pair(&self.query, name)
    }

    /// The body's pairs, when it is a form.
    pub(crate) fn form_params(&self) -> Vec<(String, String)> {
        let is_form = http::header(&self.headers, "content-type").is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
        if is_form {
            http::decode_pairs(&String::from_utf8_lossy(&self.body))
        } else {
            Vec::new()
        }
    }
}
