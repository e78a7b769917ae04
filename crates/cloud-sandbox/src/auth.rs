//! What the three gateways check besides the signature itself (private): the time window and
//! replayed nonces. The signatures are recomputed with `cloud-signer` in each provider module.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::Provider;

/// How far a request's timestamp may be from the sandbox's clock, either way.
pub(crate) const TIME_WINDOW: Duration = Duration::minutes(15);

/// Whether `timestamp` is within [`TIME_WINDOW`] of `now`.
pub(crate) fn within_window(timestamp: OffsetDateTime, now: OffsetDateTime) -> bool {
    (now - timestamp).abs() <= TIME_WINDOW
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The nonces seen recently, per service and access key.
///
/// A nonce is remembered for twice the time window: a replay after that is refused for its
/// timestamp anyway.
#[derive(Debug, Default)]
pub(crate) struct NonceCache {
    seen: Mutex<HashMap<(Provider, String, String), OffsetDateTime>>,
}

impl NonceCache {
    /// Records `nonce`; `false` if it was seen already.
    pub(crate) fn check_and_insert(
        &self,
        service: Provider,
        access_key_id: &str,
        nonce: &str,
        now: OffsetDateTime,
    ) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() >= 4096 {
            seen.retain(|_, at| now - *at <= TIME_WINDOW * 2);
        }
        let key = (service, access_key_id.to_owned(), nonce.to_owned());
        match seen.get(&key) {
            Some(at) if now - *at <= TIME_WINDOW * 2 => false,
            _ => {
                seen.insert(key, now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn window_and_nonces() {
        let now = datetime!(2024-01-01 00:00 UTC);
        assert!(within_window(now - Duration::minutes(15), now));
        assert!(within_window(now + Duration::minutes(15), now));
        assert!(!within_window(now - Duration::minutes(16), now));
        assert!(!within_window(now + Duration::minutes(16), now));

        let cache = NonceCache::default();
        assert!(cache.check_and_insert(Provider::AliyunRds, "ak", "n1", now));
        assert!(!cache.check_and_insert(Provider::AliyunRds, "ak", "n1", now));
        assert!(cache.check_and_insert(Provider::AliyunRds, "other", "n1", now));
        assert!(cache.check_and_insert(Provider::CapitalOnlineMysql, "ak", "n1", now));
        assert!(cache.check_and_insert(Provider::AliyunRds, "ak", "n1", now + Duration::hours(1)));
    }

    #[test]
    fn empty_sha256() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
