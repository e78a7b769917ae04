//! Fault injection: [`Faults`] (what to break) and [`FaultHandle`] (change it while running).

use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::Service;

/// The faults to inject: counters that the next matching requests use up, and one switch.
///
/// API faults hit requests that passed authentication (like the gateways' per-user flow
/// control), throttling first: with `throttle: 2, server_errors: 1` the next two API calls
/// are throttled and the third fails. Each provider answers its own way:
///
/// | fault | Capital Online | Alibaba Cloud | Huawei Cloud |
/// |---|---|---|---|
/// | throttle | HTTP 429, `Throttling` | HTTP 400, `Throttling.User` | HTTP 429, `APIG.0308` |
/// | server error | HTTP 500, `InternalError` | HTTP 503, `ServiceUnavailable` | HTTP 500, `DBS.108000` |
///
/// Download faults hit `GET`s of backup files: a dropped download sends the response head and
/// `drop_after_bytes` bytes of the body, then closes the connection; `ignore_range` answers
/// every ranged request with the whole file (HTTP 200), as some servers do.
///
/// With [`service`](Self::service) set, only that service's requests are hit.
///
/// It is also the JSON of the control endpoint (`POST /_sandbox/faults`); missing fields take
/// their defaults (no fault):
///
/// ```
/// use cloud_sandbox::{Faults, Service};
///
/// let faults: Faults = serde_json::from_str(
///     r#"{"throttle": 2, "drop_downloads": 1, "drop_after_bytes": 65536, "service": "aliyun-rds"}"#,
/// ).unwrap();
/// assert_eq!(
///     faults,
///     Faults::new()
///         .with_throttle(2)
///         .with_dropped_downloads(1, 65536)
///         .with_service(Service::AliyunRds)
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Faults {
    /// How many of the next API calls are throttled.
    pub throttle: u32,
    /// How many of the next API calls (after the throttled ones) fail with a 5xx error.
    pub server_errors: u32,
    /// How many of the next downloads are cut after [`drop_after_bytes`](Self::drop_after_bytes).
    pub drop_downloads: u32,
    /// How many body bytes a dropped download sends before the connection is closed.
    pub drop_after_bytes: u64,
    /// Whether downloads ignore `Range` (answer 200 with the whole file) until switched off.
    pub ignore_range: bool,
    /// Only hit this service's requests (`None`: every service's).
    pub service: Option<Service>,
}

impl Faults {
    /// No faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Throttles the next `count` API calls.
    pub fn with_throttle(mut self, count: u32) -> Self {
        self.throttle = count;
        self
    }

    /// Fails the next `count` API calls with the provider's 5xx error.
    pub fn with_server_errors(mut self, count: u32) -> Self {
        self.server_errors = count;
        self
    }

    /// Cuts the next `count` downloads after `after_bytes` bytes of body.
    pub fn with_dropped_downloads(mut self, count: u32, after_bytes: u64) -> Self {
        self.drop_downloads = count;
        self.drop_after_bytes = after_bytes;
        self
    }

    /// Makes downloads ignore `Range` (or honour it again).
    pub fn with_ignore_range(mut self, ignore: bool) -> Self {
        self.ignore_range = ignore;
        self
    }

    /// Only hits `service`'s requests.
    pub fn with_service(mut self, service: Service) -> Self {
        self.service = Some(service);
        self
    }

    /// Whether nothing is armed.
    pub fn is_empty(&self) -> bool {
        self.throttle == 0
            && self.server_errors == 0
            && self.drop_downloads == 0
            && !self.ignore_range
    }

    fn applies_to(&self, service: Service) -> bool {
        self.service.is_none_or(|only| only == service)
    }
}

/// What the sandbox did to a request on purpose; see [`RequestRecord::fault`](crate::RequestRecord::fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// Throttled.
    Throttled,
    /// Failed with a 5xx error.
    ServerError,
    /// The download was cut.
    DroppedDownload,
    /// `Range` was ignored.
    IgnoredRange,
}

/// The live faults of a running [`Sandbox`](crate::Sandbox), shared with it: what is set here
/// applies to the next requests. Cloning is cheap and shares the same state.
///
/// ```no_run
/// # fn run(sandbox: &cloud_sandbox::Sandbox) {
/// let faults = sandbox.faults();
/// faults.throttle_next(3);
/// // ... three API calls are throttled ...
/// assert_eq!(faults.get().throttle, 0);
/// faults.clear();
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct FaultHandle {
    inner: Arc<Mutex<Faults>>,
}

impl FaultHandle {
    pub(crate) fn new(faults: Faults) -> Self {
        Self {
            inner: Arc::new(Mutex::new(faults)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The faults still armed (the counters count down as requests use them).
    pub fn get(&self) -> Faults {
        self.lock().clone()
    }

    /// Replaces every fault with `faults`.
    pub fn set(&self, faults: Faults) {
        *self.lock() = faults;
    }

    /// Disarms everything.
    pub fn clear(&self) {
        self.set(Faults::default());
    }

    /// Throttles the next `count` API calls (replacing the throttle counter).
    pub fn throttle_next(&self, count: u32) {
        self.lock().throttle = count;
    }

    /// Fails the next `count` API calls with a 5xx error (replacing that counter).
    pub fn fail_next(&self, count: u32) {
        self.lock().server_errors = count;
    }

    /// Cuts the next `count` downloads after `after_bytes` bytes.
    pub fn drop_next_downloads(&self, count: u32, after_bytes: u64) {
        let mut faults = self.lock();
        faults.drop_downloads = count;
        faults.drop_after_bytes = after_bytes;
    }

    /// Makes downloads ignore `Range`, or honour it again.
    pub fn ignore_range(&self, ignore: bool) {
        self.lock().ignore_range = ignore;
    }

    /// Uses up the fault for one authenticated API call of `service`, if one is armed.
    pub(crate) fn take_api_fault(&self, service: Service) -> Option<FaultKind> {
        let mut faults = self.lock();
        if !faults.applies_to(service) {
            return None;
        }
        if faults.throttle > 0 {
            faults.throttle -= 1;
            Some(FaultKind::Throttled)
        } else if faults.server_errors > 0 {
            faults.server_errors -= 1;
            Some(FaultKind::ServerError)
        } else {
            None
        }
    }

    /// Whether downloads of `service` ignore `Range` (without using anything up).
    pub(crate) fn ignores_range(&self, service: Service) -> bool {
        let faults = self.lock();
        faults.ignore_range && faults.applies_to(service)
    }

    /// For one download of `service`: the byte count after which to cut it (using up one
    /// dropped download), and whether to ignore `Range`.
    pub(crate) fn take_download_fault(&self, service: Service) -> (Option<u64>, bool) {
        let mut faults = self.lock();
        if !faults.applies_to(service) {
            return (None, false);
        }
        let drop_after = (faults.drop_downloads > 0).then(|| {
            faults.drop_downloads -= 1;
            faults.drop_after_bytes
        });
        (drop_after, faults.ignore_range)
    }
}
