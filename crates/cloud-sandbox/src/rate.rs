//! Flow control: each API of each service admits so many authenticated calls a second, as
//! the providers' gateways do per user and API; a call over the rate gets the provider's
//! throttling error (see [`Faults`](crate::Faults) for each provider's answer).
//!
//! The rates are the sandbox's own, chosen so that a client must pace a fleet-wide listing
//! without making ordinary use slow; the providers publish theirs per API and account, and
//! change them (Huawei Cloud's gateway names its limit in the message, e.g.
//! `limit:50,time:1 second`):
//!
//! | calls | rate (per service and API) | burst |
//! |---|---|---|
//! | reads: listings, policies, restore times, download links, task status | [`READ_RATE`] a second | [`READ_RATE`] |
//! | writes: create and delete a backup | [`WRITE_RATE`] a second | [`WRITE_RATE`] |
//!
//! [`Faults::rate`](crate::Faults::rate) replaces both with one rate for every API while set
//! (`--sandbox-fault rate=N`, `{"rate": N}` on the control endpoint), 0 turns flow control
//! off. Downloads of files are not limited. Time is the machine's monotonic clock, not the
//! sandbox's (possibly fixed) clock.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::Provider;

/// Read calls a second each API admits by default.
pub const READ_RATE: u32 = 100;

/// Create and delete calls a second each API admits by default.
pub const WRITE_RATE: u32 = 10;

/// The buckets: one per service and API, filled at the rate, holding at most one second's
/// worth.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: Mutex<HashMap<(Provider, String), Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// Admits one call of `operation` on `service` at `rate` a second (0: always), or says how
    /// long until the next would be admitted.
    pub(crate) fn admit(
        &self,
        service: Provider,
        operation: &str,
        rate: u32,
    ) -> Result<(), Duration> {
        if rate == 0 {
            return Ok(());
        }
        let rate = f64::from(rate);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets
            .entry((service, operation.to_owned()))
            .or_insert(Bucket {
                tokens: rate,
                at: now,
            });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

/// The rate of an API: `rate` when a fault sets it, else [`WRITE_RATE`] for writes and
/// [`READ_RATE`] for the rest.
pub(crate) fn rate_of(write: bool, rate: Option<u32>) -> u32 {
    match rate {
        Some(rate) => rate,
        None if write => WRITE_RATE,
        None => READ_RATE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_the_rate_passes_and_the_next_call_waits_about_one_interval() {
        let limiter = RateLimiter::default();
        for _ in 0..5 {
            assert!(
                limiter
                    .admit(Provider::AliyunRds, "DescribeBackups", 5)
                    .is_ok()
            );
        }
        let wait = limiter
            .admit(Provider::AliyunRds, "DescribeBackups", 5)
            .expect_err("over the rate");
        assert!(wait <= Duration::from_millis(200), "{wait:?}");
        // Another API, another service: their own buckets.
        assert!(
            limiter
                .admit(Provider::AliyunRds, "DescribeBinlogFiles", 5)
                .is_ok()
        );
        assert!(
            limiter
                .admit(Provider::HuaweiCloudRds, "DescribeBackups", 5)
                .is_ok()
        );
        // No limit.
        for _ in 0..1000 {
            assert!(
                limiter
                    .admit(Provider::AliyunRds, "DescribeBackups", 0)
                    .is_ok()
            );
        }
    }

    #[test]
    fn writes_are_slower_than_reads_unless_a_fault_sets_the_rate() {
        assert_eq!(rate_of(false, None), READ_RATE);
        assert_eq!(rate_of(true, None), WRITE_RATE);
        assert_eq!(rate_of(true, Some(3)), 3);
        assert_eq!(rate_of(false, Some(0)), 0);
    }
}
