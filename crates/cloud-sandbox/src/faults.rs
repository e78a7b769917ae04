//! Fault injection: [`Faults`] (what to break) and [`FaultHandle`] (change it while running).
//!
//! * `throttle`, `server_errors`: the next authenticated API calls get the provider's
//!   throttling error, then its 5xx error.
//! * `hang`: the next API requests, authenticated or not, are read and never answered.
//! * `drop_downloads`, `drop_after_bytes`: the next file `GET`s are cut after so many body
//!   bytes.
//! * `corrupt_downloads`, `corrupt_offset`: the next file `GET`s whose body covers the offset
//!   have that byte flipped.
//! * `ignore_range`: every ranged file `GET` gets 200 and the whole file, until switched off.
//! * `damaged`: every backup file is served with one byte flipped inside a member's data, and
//!   its checksums describe the flipped file, until switched off.
//! * `link_uses`: while set, a download link answers so many `GET`s and `HEAD`s, then is
//!   expired.
//! * `link_ttl_secs`: a download link made while it is set expires so many seconds later.
//! * `service`: only that service's requests are hit.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Provider;

/// The faults to inject: counters that the next matching requests use up, and switches.
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
/// A [hung](Self::hang) API request is counted when it arrives, before authentication: the
/// sandbox reads it and never answers (the client sees no response until its own timeout).
/// It is in the request log at once, with status 0 and [`FaultKind::Hung`]; its connection
/// stays open until the client gives up or the sandbox stops.
///
/// Download faults hit `GET`s of backup files: a dropped download sends the response head and
/// `drop_after_bytes` bytes of the body, then closes the connection; a corrupted download
/// sends every byte, with the one at file offset `corrupt_offset` flipped (XOR `0xFF`), and
/// the same headers (the `ETag` and `x-oss-hash-crc64ecma` still describe the true file), so
/// only a client that checks the checksum notices; `ignore_range` answers every ranged request
/// with the whole file (HTTP 200), as some servers do. A corrupted download is used up only
/// by a response whose body includes that offset (counting the bytes a dropped download
/// actually sends); others pass untouched.
///
/// Link faults change download links: with [`link_uses`](Self::link_uses) each link answers
/// that many `GET`s and `HEAD`s, and later requests with the same link get what an expired
/// link gets (403 `AccessDenied`, `Request has expired.`); a link obtained afresh from an
/// API works again. With [`link_ttl_secs`](Self::link_ttl_secs), links made while it is set
/// expire that many seconds after they were made, instead of after the service's lifetime
/// (an hour; five minutes for Huawei Cloud).
///
/// With [`service`](Self::service) set, only that service's requests are hit.
///
/// It is also the JSON of the control endpoint (`POST /_sandbox/faults`); missing fields take
/// their defaults (no fault):
///
/// ```
/// use cloud_sandbox::{Faults, Provider};
///
/// let faults: Faults = serde_json::from_str(
///     r#"{"throttle": 2, "drop_downloads": 1, "drop_after_bytes": 65536, "service": "aliyun-rds"}"#,
/// ).unwrap();
/// assert_eq!(
///     faults,
///     Faults::new()
///         .with_throttle(2)
///         .with_dropped_downloads(1, 65536)
///         .with_service(Provider::AliyunRds)
/// );
///
/// let faults: Faults = serde_json::from_str(
///     r#"{"corrupt_downloads": 1, "corrupt_offset": 1000, "hang": 1,
///         "link_uses": 1, "link_ttl_secs": 60}"#,
/// ).unwrap();
/// assert_eq!(
///     faults,
///     Faults::new()
///         .with_corrupted_downloads(1, 1000)
///         .with_hang(1)
///         .with_link_uses(1)
///         .with_link_ttl(60)
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
    /// Whether backup files are damaged at the source until switched off: one byte inside a
    /// member's data is flipped (in an xbstream chunk's payload, a qpress block, a gzip
    /// member's data), and the service's checksums (`x-oss-hash-crc64ecma`, `Checksum`, the
    /// `ETag`) describe the flipped file, as they would for a backup that was bad when it was
    /// uploaded. Downloads succeed; only a check of the archive's own checksums notices.
    pub damaged: bool,
    /// How many of the next downloads whose body covers
    /// [`corrupt_offset`](Self::corrupt_offset) have that byte flipped.
    pub corrupt_downloads: u32,
    /// The file offset of the byte a corrupted download flips (XOR `0xFF`).
    pub corrupt_offset: u64,
    /// How many of the next API requests are accepted and never answered.
    pub hang: u32,
    /// While set, how many `GET`s and `HEAD`s each download link answers before it is
    /// expired (`None`: any number, until its `Expires`).
    pub link_uses: Option<u32>,
    /// While set, the lifetime in seconds of the download links made (`None`: the service's,
    /// an hour; five minutes for Huawei Cloud).
    pub link_ttl_secs: Option<u64>,
    /// While set, the calls a second each API admits (replacing the
    /// [default rates](crate::rate)); 0 turns flow control off.
    pub rate: Option<u32>,
    /// While set, the bytes a second each download response sends at most: a per-connection
    /// bandwidth cap, as object stores and long links have (`None`: as fast as it goes).
    pub bandwidth: Option<u64>,
    /// While set, milliseconds added before every answer (API calls and downloads): a long
    /// link's round trip.
    pub latency_ms: Option<u64>,
    /// Only hit this service's requests (`None`: every service's).
    pub service: Option<Provider>,
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

    /// Damages every backup file at the source (see [`damaged`](Self::damaged)), or not.
    pub fn with_damaged(mut self, damaged: bool) -> Self {
        self.damaged = damaged;
        self
    }

    /// Flips the byte at file offset `offset` in the next `count` downloads whose body
    /// covers it.
    pub fn with_corrupted_downloads(mut self, count: u32, offset: u64) -> Self {
        self.corrupt_downloads = count;
        self.corrupt_offset = offset;
        self
    }

    /// Accepts the next `count` API requests and never answers them.
    pub fn with_hang(mut self, count: u32) -> Self {
        self.hang = count;
        self
    }

    /// Lets each download link answer `uses` `GET`s and `HEAD`s, then treats it as expired.
    pub fn with_link_uses(mut self, uses: u32) -> Self {
        self.link_uses = Some(uses);
        self
    }

    /// Makes the download links made from now on expire `secs` seconds after they were made.
    pub fn with_link_ttl(mut self, secs: u64) -> Self {
        self.link_ttl_secs = Some(secs);
        self
    }

    /// Makes each API admit `per_second` calls a second (0: no flow control) instead of the
    /// [default rates](crate::rate).
    pub fn with_rate(mut self, per_second: u32) -> Self {
        self.rate = Some(per_second);
        self
    }

    /// Caps each download response at `bytes_per_second` (see [`Faults::bandwidth`]).
    pub fn with_bandwidth(mut self, bytes_per_second: u64) -> Self {
        self.bandwidth = Some(bytes_per_second);
        self
    }

    /// Adds `ms` milliseconds before every answer (see [`Faults::latency_ms`]).
    pub fn with_latency_ms(mut self, ms: u64) -> Self {
        self.latency_ms = Some(ms);
        self
    }

    /// Only hits `service`'s requests.
    pub fn with_service(mut self, service: Provider) -> Self {
        self.service = Some(service);
        self
    }

    /// Whether nothing is armed.
    pub fn is_empty(&self) -> bool {
        self.throttle == 0
            && self.server_errors == 0
            && self.drop_downloads == 0
            && !self.ignore_range
            && !self.damaged
            && self.corrupt_downloads == 0
            && self.hang == 0
            && self.link_uses.is_none()
            && self.link_ttl_secs.is_none()
            && self.rate.is_none()
            && self.bandwidth.is_none()
            && self.latency_ms.is_none()
    }

    fn applies_to(&self, service: Provider) -> bool {
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
    /// One byte of the body was flipped.
    CorruptedDownload,
    /// The API request was never answered (recorded when it arrived, with status 0).
    Hung,
    /// The call was over the API's [rate](crate::rate): answered with the provider's
    /// throttling error.
    RateLimited,
    /// The download link had been used as many times as
    /// [`Faults::link_uses`] allows: answered 403 as an expired link.
    LinkUsedUp,
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

    /// Damages every backup file at the source (see [`Faults::damaged`]), or not.
    pub fn damage_files(&self, damaged: bool) {
        self.lock().damaged = damaged;
    }

    /// Flips the byte at file offset `offset` in the next `count` downloads whose body covers
    /// it (replacing that counter and offset).
    pub fn corrupt_next_downloads(&self, count: u32, offset: u64) {
        let mut faults = self.lock();
        faults.corrupt_downloads = count;
        faults.corrupt_offset = offset;
    }

    /// Accepts the next `count` API requests and never answers them (replacing that counter).
    pub fn hang_next(&self, count: u32) {
        self.lock().hang = count;
    }

    /// Lets each download link answer `uses` `GET`s and `HEAD`s before it is expired, or any
    /// number (`None`).
    pub fn limit_link_uses(&self, uses: Option<u32>) {
        self.lock().link_uses = uses;
    }

    /// Makes the links made from now on expire `secs` seconds after they were made, or after
    /// the service's lifetime (`None`).
    pub fn limit_link_ttl(&self, secs: Option<u64>) {
        self.lock().link_ttl_secs = secs;
    }

    /// Caps each download response at `bytes_per_second`, or not (`None`).
    pub fn limit_bandwidth(&self, bytes_per_second: Option<u64>) {
        self.lock().bandwidth = bytes_per_second;
    }

    /// Adds `ms` milliseconds before every answer, or nothing (`None`).
    pub fn add_latency(&self, ms: Option<u64>) {
        self.lock().latency_ms = ms;
    }

    /// The bandwidth cap of a download of `service`'s, if any.
    pub(crate) fn bandwidth(&self, service: Provider) -> Option<u64> {
        let faults = self.lock();
        faults
            .bandwidth
            .filter(|rate| *rate > 0 && faults.applies_to(service))
    }

    /// The latency added before an answer, if any (whatever the service).
    pub(crate) fn latency(&self) -> Option<Duration> {
        self.lock()
            .latency_ms
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis)
    }

    /// Whether a hung request is armed (for any service).
    pub(crate) fn hang_armed(&self) -> bool {
        self.lock().hang > 0
    }

    /// Uses up one hung request for an API request of `service` (`None`: not known), if one
    /// is armed for it.
    pub(crate) fn take_hang(&self, service: Option<Provider>) -> bool {
        let mut faults = self.lock();
        let applies = faults.service.is_none_or(|only| Some(only) == service);
        if applies && faults.hang > 0 {
            faults.hang -= 1;
            true
        } else {
            false
        }
    }

    /// For one download of `service` whose body is bytes `start..end` of the file: the
    /// offset to flip, using up one corrupted download, if one is armed and the offset is in
    /// the body.
    pub(crate) fn take_corruption(&self, service: Provider, start: u64, end: u64) -> Option<u64> {
        let mut faults = self.lock();
        let offset = faults.corrupt_offset;
        if faults.applies_to(service)
            && faults.corrupt_downloads > 0
            && (start..end).contains(&offset)
        {
            faults.corrupt_downloads -= 1;
            Some(offset)
        } else {
            None
        }
    }

    /// How many uses each link of `service` has, if that is limited.
    pub(crate) fn link_uses(&self, service: Provider) -> Option<u32> {
        let faults = self.lock();
        faults.link_uses.filter(|_| faults.applies_to(service))
    }

    /// The lifetime of a link of `service` made now, in seconds, if a fault sets it.
    pub(crate) fn link_ttl(&self, service: Provider) -> Option<u64> {
        let faults = self.lock();
        faults.link_ttl_secs.filter(|_| faults.applies_to(service))
    }

    /// Uses up the fault for one authenticated API call of `service`, if one is armed.
    pub(crate) fn take_api_fault(&self, service: Provider) -> Option<FaultKind> {
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

    /// The rate a fault sets for `service`'s APIs, if one does.
    pub(crate) fn rate(&self, service: Provider) -> Option<u32> {
        let faults = self.lock();
        faults.rate.filter(|_| faults.applies_to(service))
    }

    /// Whether `service`'s backup files are damaged at the source.
    pub(crate) fn damages(&self, service: Provider) -> bool {
        let faults = self.lock();
        faults.damaged && faults.applies_to(service)
    }

    /// Whether downloads of `service` ignore `Range` (without using anything up).
    pub(crate) fn ignores_range(&self, service: Provider) -> bool {
        let faults = self.lock();
        faults.ignore_range && faults.applies_to(service)
    }

    /// For one download of `service`: the byte count after which to cut it (using up one
    /// dropped download), and whether to ignore `Range`.
    pub(crate) fn take_download_fault(&self, service: Provider) -> (Option<u64>, bool) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_counts_for_is_empty() {
        assert!(Faults::new().is_empty());
        assert!(Faults::new().with_service(Provider::AliyunRds).is_empty());
        for faults in [
            Faults::new().with_throttle(1),
            Faults::new().with_corrupted_downloads(1, 0),
            Faults::new().with_hang(1),
            Faults::new().with_link_uses(0),
            Faults::new().with_link_ttl(0),
        ] {
            assert!(!faults.is_empty(), "{faults:?}");
        }
        // An offset without a count corrupts nothing.
        let mut offset_only = Faults::new();
        offset_only.corrupt_offset = 5;
        assert!(offset_only.is_empty());
    }

    #[test]
    fn a_corruption_is_used_up_only_by_a_body_covering_its_offset() {
        let handle = FaultHandle::new(Faults::new().with_corrupted_downloads(2, 100));
        assert_eq!(handle.take_corruption(Provider::AliyunRds, 0, 100), None);
        assert_eq!(handle.take_corruption(Provider::AliyunRds, 101, 200), None);
        assert_eq!(handle.get().corrupt_downloads, 2);
        assert_eq!(
            handle.take_corruption(Provider::AliyunRds, 100, 101),
            Some(100)
        );
        assert_eq!(
            handle.take_corruption(Provider::HuaweiCloudRds, 0, 1000),
            Some(100)
        );
        assert_eq!(
            handle.take_corruption(Provider::HuaweiCloudRds, 0, 1000),
            None
        );
        assert_eq!(handle.get().corrupt_downloads, 0);

        handle.set(
            Faults::new()
                .with_corrupted_downloads(1, 0)
                .with_service(Provider::HuaweiCloudRds),
        );
        assert_eq!(handle.take_corruption(Provider::AliyunRds, 0, 10), None);
        assert_eq!(
            handle.take_corruption(Provider::HuaweiCloudRds, 0, 10),
            Some(0)
        );
    }

    #[test]
    fn hangs_follow_the_service_filter() {
        let handle = FaultHandle::new(Faults::new().with_hang(2));
        assert!(handle.take_hang(None));
        assert!(handle.take_hang(Some(Provider::AliyunRds)));
        assert!(!handle.take_hang(Some(Provider::AliyunRds)));

        handle.set(
            Faults::new()
                .with_hang(1)
                .with_service(Provider::HuaweiCloudGaussDb),
        );
        assert!(!handle.take_hang(None), "an unknown service is not the one");
        assert!(!handle.take_hang(Some(Provider::HuaweiCloudRds)));
        assert!(handle.take_hang(Some(Provider::HuaweiCloudGaussDb)));
        assert_eq!(handle.get().hang, 0);
    }

    #[test]
    fn link_settings_stay_until_changed() {
        let handle = FaultHandle::new(Faults::new());
        handle.limit_link_uses(Some(3));
        handle.limit_link_ttl(Some(60));
        assert_eq!(handle.link_uses(Provider::CapitalOnlineMysql), Some(3));
        assert_eq!(handle.link_ttl(Provider::HuaweiCloudRds), Some(60));
        assert_eq!(handle.link_uses(Provider::CapitalOnlineMysql), Some(3));
        handle.limit_link_uses(None);
        assert_eq!(handle.link_uses(Provider::AliyunRds), None);

        handle.set(
            Faults::new()
                .with_link_ttl(5)
                .with_service(Provider::AliyunRds),
        );
        assert_eq!(handle.link_ttl(Provider::AliyunRds), Some(5));
        assert_eq!(handle.link_ttl(Provider::HuaweiCloudRds), None);
    }

    #[test]
    fn the_json_has_the_field_names() {
        let faults = Faults::new()
            .with_corrupted_downloads(1, 7)
            .with_hang(2)
            .with_link_uses(3)
            .with_link_ttl(4);
        let json = serde_json::to_value(&faults).unwrap();
        assert_eq!(json["corrupt_downloads"], 1);
        assert_eq!(json["corrupt_offset"], 7);
        assert_eq!(json["hang"], 2);
        assert_eq!(json["link_uses"], 3);
        assert_eq!(json["link_ttl_secs"], 4);
        assert_eq!(serde_json::from_value::<Faults>(json).unwrap(), faults);
        let unset = serde_json::to_value(Faults::new()).unwrap();
        assert!(unset["link_uses"].is_null() && unset["link_ttl_secs"].is_null());
        assert_eq!(
            serde_json::to_value(FaultKind::CorruptedDownload).unwrap(),
            "corrupted_download"
        );
        assert_eq!(serde_json::to_value(FaultKind::Hung).unwrap(), "hung");
        assert_eq!(
            serde_json::to_value(FaultKind::LinkUsedUp).unwrap(),
            "link_used_up"
        );
    }
}
