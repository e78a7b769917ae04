//! Randomness for jitter and nonces, and the delays servers ask for.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::HeaderMap;
use time::OffsetDateTime;
use time::PrimitiveDateTime;
use time::macros::format_description;

/// A random `u64` from the operating system; if that ever fails, from std's randomly keyed
/// SipHash over a counter and the time (good enough for jitter, and still unique for nonces).
pub(crate) fn random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| fallback_random())
}

fn fallback_random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_i128(OffsetDateTime::now_utc().unix_timestamp_nanos());
    hasher.finish()
}

/// The delay a response asks for before the next attempt, if any.
///
/// * `x-acs-retry-after` (Alibaba): a positive integer of **milliseconds**. Alibaba's own
///   clients read it so: darabonba-openapi's `getThrottlingTimeLeft` ("2000" → 2000 ms, its
///   `ThrottlingBackoffTest` waits ~80 ms for "80") and aliyun-cli's throttling retry
///   (`time.Duration(delayMS) * time.Millisecond`). Zero, negative or non-numeric values are
///   ignored, as there.
/// * `Retry-After` (RFC 9110): delay-seconds, or an HTTP-date, taken relative to `now`
///   (a date in the past means "now").
///
/// When both are present the longer delay wins.
pub(crate) fn server_delay(headers: &HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let acs = header("x-acs-retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .map(Duration::from_millis);
    let standard = header("retry-after").and_then(|v| parse_retry_after(v, now));
    match (acs, standard) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date.
pub(crate) fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = parse_http_date(value)?;
    let delta = date - now;
    Some(if delta.is_positive() {
        Duration::try_from(delta).unwrap_or(Duration::MAX)
    } else {
        Duration::ZERO
    })
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only HTTP-date form servers
/// may send today.
fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    PrimitiveDateTime::parse(value, format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(1994-11-06 08:49:30 UTC);

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("0", NOW), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 120 ", NOW),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", NOW),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", NOW),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", NOW), None);
        assert_eq!(parse_retry_after("soon", NOW), None);
        assert_eq!(parse_retry_after("", NOW), None);
    }

    #[test]
    fn acs_retry_after_is_milliseconds() {
        assert_eq!(
            server_delay(&headers(&[("x-acs-retry-after", "80")]), NOW),
            Some(Duration::from_millis(80))
        );
        for ignored in ["0", "-5", "abc", ""] {
            assert_eq!(
                server_delay(&headers(&[("x-acs-retry-after", ignored)]), NOW),
                None,
                "{ignored}"
            );
        }
        assert_eq!(
            server_delay(
                &headers(&[("x-acs-retry-after", "1500"), ("retry-after", "1")]),
                NOW
            ),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(server_delay(&HeaderMap::new(), NOW), None);
    }

    #[test]
    fn random_values_differ() {
        assert_ne!(random_u64(), random_u64());
        assert_ne!(fallback_random(), fallback_random());
    }
}
