//! The download's parsers as the fuzz targets call them (see [`crate::fuzzing`]).

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;

use super::checks::{self, ChecksumKind};
use super::run::ranged::recorded_plan;
use super::wire;

/// A fixed "now", so that a replayed input behaves as it did when it was found.
const NOW: i64 = 1_764_633_600; // 2025-12-02T00:00:00Z

/// Headers from `data`: one `name: value` per line; a line that is not a valid header is
/// skipped.
pub fn header_map(data: &[u8]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name),
            HeaderValue::from_bytes(value.strip_suffix(b"\r").unwrap_or(value)),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// Everything a download reads of a response's headers (`Content-Range`, `Content-Length`,
/// `ETag`, `Last-Modified`, `Retry-After`, `x-acs-retry-after`, the checksum headers), with
/// the properties the download relies on checked.
pub fn headers(data: &[u8]) {
    let map = header_map(data);
    let now = OffsetDateTime::from_unix_timestamp(NOW).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    if let Some(range) = wire::content_range(&map) {
        assert!(range.range.is_some() || range.total.is_some());
        if let Some((start, end)) = range.range {
            assert!(start <= end);
            assert!(range.total.is_none_or(|total| end < total));
        }
    }
    for value in map.values().filter_map(|v| v.to_str().ok()) {
        let _ = wire::parse_content_range(value);
        let _ = crate::retry::parse_retry_after(value, now);
    }
    let _ = wire::content_length(&map);
    let _ = wire::is_chunked(&map);
    let etag = wire::strong_etag(&map);
    if let Some(etag) = &etag {
        assert!(etag.starts_with('"'));
    }
    let modified = wire::last_modified(&map);
    let _ = wire::if_range(etag.as_deref(), modified.as_deref());
    let _ = crate::retry::server_delay(&map, now);
    let _ = crate::response::request_id_from(&map);
    for whole in [false, true] {
        for etag_is_md5 in [false, true] {
            for check in checks::from_headers(&map, whole, etag_is_md5) {
                match check.kind {
                    ChecksumKind::Md5 => assert!(
                        check.value.len() == 32
                            && check.value.bytes().all(|b| b.is_ascii_hexdigit())
                    ),
                    ChecksumKind::Crc64 => assert!(check.value.parse::<u64>().is_ok()),
                    ChecksumKind::Sha256 => assert_eq!(check.value.len(), 64),
                }
            }
        }
    }
}

/// An object store's XML error body, as a refused download reads it.
pub fn error_body(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for name in ["Code", "Message", "RequestId"] {
        if let Some(value) = wire::xml_element(&text, name) {
            assert!(!value.is_empty());
            assert!(value.chars().count() <= wire::MAX_QUOTED_CHARS + 1);
        }
    }
}

/// A resume record as read from beside a `.part`: parsed, compared with an identity, and its
/// ranges made into a plan whose ranges tile the file in order.
pub fn resume_record(data: &[u8]) {
    let Some(record) = super::record::parse(data) else {
        return;
    };
    let _ = record.mismatch(&record.identity.clone(), &record.url.clone());
    let _ = record.mismatch(&Default::default(), "");
    if let Some(plan) = recorded_plan(&record.ranges) {
        assert!(plan.holds_together());
    }
}
