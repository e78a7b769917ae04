//! Settings of a [`Transport`](crate::Transport): timeouts, retries, user agent, clock, nonce
//! source and DNS overrides.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::retry::random_u64;

/// How failed attempts are retried: capped exponential backoff with full jitter.
///
/// Before retry `n` (1 for the second attempt) the runtime sleeps a random duration between
/// zero and `min(max_backoff, initial_backoff * 2^(n-1))`, unless the server asked for a delay
/// (`Retry-After`, `x-acs-retry-after`), which is then honoured instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first one included; 1 disables retries. Default 3.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry. Default 200 ms.
    pub initial_backoff: Duration,
    /// The largest backoff ceiling. Default 20 s.
    pub max_backoff: Duration,
    /// Retries after throttling that do not count against
    /// [`max_attempts`](Self::max_attempts) (a throttled request was refused before it ran, so
    /// a busy fleet listing paces itself instead of failing), while the operation timeout
    /// allows. Default 10; none when `max_attempts` is 1.
    pub max_throttled_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_throttled_retries: 10,
        }
    }
}

impl RetryPolicy {
    /// A policy that makes exactly one attempt (for operations that must not be repeated).
    pub fn no_retry() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Sets the number of attempts in all, the first one included.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets the backoff ceiling before the first retry.
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// Sets how many retries after throttling do not count against the attempts.
    pub fn with_max_throttled_retries(mut self, retries: u32) -> Self {
        self.max_throttled_retries = retries;
        self
    }

    /// Sets the largest backoff ceiling.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// The backoff ceiling before retry `retry` (1-based): `min(max, initial * 2^(retry-1))`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// The delay before retry `retry` (1-based): uniformly random in `[0, backoff_ceiling]`
    /// ("full jitter").
    pub fn backoff(&self, retry: u32) -> Duration {
        full_jitter(self.backoff_ceiling(retry), random_u64())
    }
}

/// `ceiling * random / 2^64`: uniform in `[0, ceiling)`.
pub(crate) fn full_jitter(ceiling: Duration, random: u64) -> Duration {
    let nanos = ceiling.as_nanos().saturating_mul(u128::from(random)) >> 64;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// Where the runtime reads the time stamped on each attempt. Tests fix it.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    /// The system clock, in UTC.
    pub fn system() -> Self {
        Self(Arc::new(OffsetDateTime::now_utc))
    }

    /// A clock that always returns `at`.
    pub fn fixed(at: OffsetDateTime) -> Self {
        Self(Arc::new(move || at))
    }

    /// A clock from a function.
    pub fn from_fn(now: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The current time.
    pub fn now(&self) -> OffsetDateTime {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// Where the runtime takes the nonce of each attempt. Tests fix it.
///
/// The default makes 32 lowercase hex characters (128 bits) from the operating system's random
/// source. Every attempt gets a new nonce: the gateways reject a replayed one.
#[derive(Clone)]
pub struct NonceSource(Arc<dyn Fn() -> String + Send + Sync>);

impl NonceSource {
    /// 32 lowercase hex characters from the operating system's random source.
    pub fn random() -> Self {
        Self(Arc::new(random_hex_nonce))
    }

    /// A nonce source from a function (e.g. a counter in tests, or a UUID generator).
    pub fn from_fn(next: impl Fn() -> String + Send + Sync + 'static) -> Self {
        Self(Arc::new(next))
    }

    /// A source that always returns `nonce`. Only for tests: a real gateway rejects a
    /// repeated nonce.
    pub fn fixed(nonce: impl Into<String>) -> Self {
        let nonce = nonce.into();
        Self(Arc::new(move || nonce.clone()))
    }

    /// The next nonce.
    pub fn next_nonce(&self) -> String {
        (self.0)()
    }
}

impl Default for NonceSource {
    fn default() -> Self {
        Self::random()
    }
}

impl fmt::Debug for NonceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NonceSource")
    }
}

fn random_hex_nonce() -> String {
    let value = (u128::from(random_u64()) << 64) | u128::from(random_u64());
    format!("{value:032x}")
}

/// The runtime's settings. Every field has a sane default; change them with the `with_*`
/// setters.
///
/// ```
/// use std::time::Duration;
/// use cloud_http::{HttpConfig, RetryPolicy};
///
/// let config = HttpConfig::default()
///     .with_attempt_timeout(Duration::from_secs(30))
///     .with_retry(RetryPolicy::default().with_max_attempts(5));
/// assert_eq!(config.retry.max_attempts, 5);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Time to establish a connection (TCP and TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Time for one attempt: sending the request and reading the whole response. Default 60 s.
    pub attempt_timeout: Duration,
    /// Time for the whole operation, all attempts and backoff sleeps included. A delay that
    /// would end past it is not waited for: the last error is returned. Default 5 min.
    pub operation_timeout: Duration,
    /// How failed attempts are retried.
    pub retry: RetryPolicy,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// The largest response body read into memory; a larger one fails with a decode error.
    /// Default 16 MiB.
    pub max_body_size: usize,
    /// The clock stamped on each attempt.
    pub clock: Clock,
    /// The nonce source of each attempt.
    pub nonce: NonceSource,
    /// DNS overrides: each `(domain, address)` makes connections to `domain` go to `address`
    /// instead of what DNS says. Empty by default. See [`with_resolve`](Self::with_resolve).
    pub resolve: Vec<(String, SocketAddr)>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(60),
            operation_timeout: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            user_agent: concat!("cloud-http/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_body_size: 16 * 1024 * 1024,
            clock: Clock::system(),
            nonce: NonceSource::random(),
            resolve: Vec::new(),
        }
    }
}

impl HttpConfig {
    /// Sets the connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the timeout of one attempt.
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Sets the timeout of the whole operation.
    pub fn with_operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the `User-Agent` header.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets the largest response body read into memory.
    pub fn with_max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Sets the clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the nonce source.
    pub fn with_nonce_source(mut self, nonce: NonceSource) -> Self {
        self.nonce = nonce;
        self
    }

    /// Connects to `address` whenever a request is for `domain`, without asking DNS
    /// (reqwest's [`ClientBuilder::resolve`](reqwest::ClientBuilder::resolve)); a later
    /// override of the same domain replaces an earlier one.
    ///
    /// The URL, and so the `Host` header and everything signed with it, still name `domain`;
    /// only the connection goes elsewhere. The connection uses `address`'s port unless the
    /// URL names a port (then the URL's port wins); port `0` means the scheme's default port.
    /// For HTTPS the server at `address` must still present a certificate for `domain`.
    ///
    /// Useful to reach a private endpoint whose name is not in DNS, and in tests, to send a
    /// request whose host is exactly the real endpoint's (e.g. `rds.aliyuncs.com`, as a signing
    /// vector needs) to a local server:
    ///
    /// ```
    /// use std::net::SocketAddr;
    /// use cloud_http::HttpConfig;
    ///
    /// let local: SocketAddr = "127.0.0.1:8080".parse().expect("an address");
    /// let config = HttpConfig::default().with_resolve("rds.aliyuncs.com", local);
    /// assert_eq!(config.resolve, [("rds.aliyuncs.com".to_owned(), local)]);
    /// ```
    pub fn with_resolve(mut self, domain: impl Into<String>, address: SocketAddr) -> Self {
        let domain = domain.into();
        self.resolve.retain(|(known, _)| *known != domain);
        self.resolve.push((domain, address));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_ceiling_doubles_and_caps() {
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(1), Duration::from_millis(100));
        assert_eq!(policy.backoff_ceiling(2), Duration::from_millis(200));
        assert_eq!(policy.backoff_ceiling(4), Duration::from_millis(800));
        assert_eq!(policy.backoff_ceiling(5), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(40), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(u32::MAX), Duration::from_secs(1));
        for retry in 1..10 {
            assert!(policy.backoff(retry) <= policy.backoff_ceiling(retry));
        }
    }

    #[test]
    fn full_jitter_bounds() {
        let ceiling = Duration::from_secs(2);
        assert_eq!(full_jitter(ceiling, 0), Duration::ZERO);
        assert!(full_jitter(ceiling, u64::MAX) < ceiling);
        assert_eq!(full_jitter(ceiling, 1 << 63), Duration::from_secs(1));
        assert!(full_jitter(Duration::MAX, u64::MAX).as_secs() > 0);
    }

    #[test]
    fn random_nonces_are_32_lowercase_hex_and_differ() {
        let source = NonceSource::default();
        let a = source.next_nonce();
        let b = source.next_nonce();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn fixed_clock_and_nonce() {
        let at = time::macros::datetime!(2024-01-02 03:04:05 UTC);
        assert_eq!(Clock::fixed(at).now(), at);
        assert_eq!(NonceSource::fixed("n").next_nonce(), "n");
        let config = HttpConfig::default().with_clock(Clock::fixed(at));
        assert!(format!("{config:?}").contains("Clock"));
    }

    #[test]
    fn resolve_overrides_accumulate_and_replace_per_domain() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        let config = HttpConfig::default();
        assert!(config.resolve.is_empty());
        let config = config
            .with_resolve("rds.aliyuncs.com", a)
            .with_resolve("other.example", a)
            .with_resolve("rds.aliyuncs.com", b);
        assert_eq!(
            config.resolve,
            [
                ("other.example".to_owned(), a),
                ("rds.aliyuncs.com".to_owned(), b)
            ]
        );
    }
}
