//! What a download reads from HTTP: headers, `Content-Range`, object-store error bodies, and
//! whether a refused link has expired.

use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Response, Url};
use time::OffsetDateTime;

use crate::error::{Error, ServiceError};
use crate::redact::redact;
use crate::response::request_id_from;
use crate::retry::server_delay;

/// How much of an error response's body is read to find the server's code and message.
const ERROR_BODY_LIMIT: usize = 16 * 1024;
/// The longest server message quoted in an error.
pub(super) const MAX_QUOTED_CHARS: usize = 300;
/// Response headers that carry the object stores' request ids.
const STORAGE_REQUEST_ID_HEADERS: &[&str] =
    &["x-oss-request-id", "x-obs-request-id", "x-amz-request-id"];

/// An HTTP error status for a download, and whether it says the signed link has expired.
pub(super) struct Refusal {
    pub(super) error: Error,
    pub(super) expired: bool,
}

/// The error for an HTTP error status: the server's code and message (from an OSS/OBS/S3 XML
/// error body), its request id, and whether the link has expired: a 401, 403, 404 or 410 whose
/// code or message says "expired", or any of those for a link whose `Expires=` (Unix seconds,
/// as OSS and OBS links carry) has passed.
pub(super) async fn refused(
    mut response: Response,
    url: &Url,
    shown: &str,
    idle: Duration,
) -> Refusal {
    let status = response.status().as_u16();
    let headers = response.headers();
    let now = OffsetDateTime::now_utc();
    let delay = server_delay(headers, now);
    let mut request_id = STORAGE_REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| header_text(headers, name))
        .or_else(|| request_id_from(headers))
        .map(str::to_owned);
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_LIMIT {
        match tokio::time::timeout(idle, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&body);
    let code = xml_element(&text, "Code");
    if request_id.is_none() {
        request_id = xml_element(&text, "RequestId");
    }
    let server_message = xml_element(&text, "Message");
    let refusal = matches!(status, 401 | 403 | 404 | 410);
    let says_expired = [code.as_deref(), server_message.as_deref()]
        .into_iter()
        .flatten()
        .any(|t| t.to_ascii_lowercase().contains("expired"));
    let expired = refusal && (says_expired || link_expired(url, now));
    // The server's own words go last: redaction runs to the end of a signature it echoes.
    let said = server_message.map_or_else(String::new, |m| format!("; it said: {m}"));
    let message = if expired {
        format!("the download link of {shown} has expired{said}")
    } else if refusal {
        format!(
            "the server refused to send {shown}: a signed download link (OSS, OBS) is refused \
             like this once it has expired, so get a new link and run again{said}"
        )
    } else {
        format!("the server could not send {shown}{said}")
    };
    let mut service = ServiceError::new().with_message(message);
    if let Some(code) = code {
        service = service.with_code(code);
    }
    if let Some(request_id) = request_id {
        service = service.with_request_id(request_id);
    }
    Refusal {
        error: Error::service(Some(status), service).with_retry_after(delay),
        expired,
    }
}

/// Whether `url` carries an `Expires=<Unix seconds>` that is not after `now`.
pub(super) fn link_expired(url: &Url, now: OffsetDateTime) -> bool {
    url.query_pairs()
        .find(|(name, _)| name == "Expires")
        .and_then(|(_, value)| value.trim().parse::<i64>().ok())
        .is_some_and(|expires| expires <= now.unix_timestamp())
}

/// Scheme, host, port and path of `url`: never its query string (signatures, expiry, access key
/// ids) nor its user info.
pub(super) fn shown_url(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    let port = url.port().map_or_else(String::new, |p| format!(":{p}"));
    redact(&format!("{}://{host}{port}{}", url.scheme(), url.path()))
}

/// A header's value as trimmed, non-empty text.
pub(super) fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

pub(super) fn content_length(headers: &HeaderMap) -> Option<u64> {
    header_text(headers, header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse().ok())
}

pub(super) fn is_chunked(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::TRANSFER_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("chunked"))
}

/// A strong `ETag` (a weak one, `W/"..."`, cannot be used with `If-Range`).
pub(super) fn strong_etag(headers: &HeaderMap) -> Option<String> {
    header_text(headers, header::ETAG.as_str())
        .filter(|s| s.starts_with('"'))
        .map(str::to_owned)
}

/// The `Last-Modified` date, as sent.
pub(super) fn last_modified(headers: &HeaderMap) -> Option<String> {
    header_text(headers, header::LAST_MODIFIED.as_str()).map(str::to_owned)
}

/// The `If-Range` value for a resume: the strong `ETag`, else the `Last-Modified` date.
pub(super) fn if_range(etag: Option<&str>, last_modified: Option<&str>) -> Option<HeaderValue> {
    etag.or(last_modified)
        .and_then(|v| HeaderValue::from_str(v).ok())
}

/// A parsed `Content-Range: bytes <start>-<end>/<total>` (either part may be `*`).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ContentRange {
    pub(super) range: Option<(u64, u64)>,
    pub(super) total: Option<u64>,
}

pub(super) fn content_range(headers: &HeaderMap) -> Option<ContentRange> {
    parse_content_range(header_text(headers, header::CONTENT_RANGE.as_str())?)
}

pub(super) fn parse_content_range(value: &str) -> Option<ContentRange> {
    let (unit, spec) = value.trim().split_once(' ')?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (range, total) = spec.trim().split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        total => Some(total.parse::<u64>().ok()?),
    };
    let range = match range.trim() {
        "*" => None,
        range => {
            let (start, end) = range.split_once('-')?;
            let start = start.trim().parse::<u64>().ok()?;
            let end = end.trim().parse::<u64>().ok()?;
            if end < start || total.is_some_and(|total| end >= total) {
                return None;
            }
            Some((start, end))
        }
    };
    if range.is_none() && total.is_none() {
        return None;
    }
    Some(ContentRange { range, total })
}

/// The text of the first `<name>...</name>` in an XML error body, trimmed and shortened.
pub(super) fn xml_element(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&close)?;
    let value = text[start..end].trim();
    if value.is_empty() {
        return None;
    }
    let mut shortened: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    if shortened.len() < value.len() {
        shortened.push('…');
    }
    Some(shortened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(
            parse_content_range("bytes 100-199/300"),
            Some(ContentRange {
                range: Some((100, 199)),
                total: Some(300)
            })
        );
        assert_eq!(
            parse_content_range("bytes */300"),
            Some(ContentRange {
                range: None,
                total: Some(300)
            })
        );
        assert_eq!(
            parse_content_range("Bytes 0-9/*"),
            Some(ContentRange {
                range: Some((0, 9)),
                total: None
            })
        );
        for bad in [
            "",
            "bytes",
            "bytes */*",
            "bytes 5-4/10",
            "bytes 0-10/10",
            "items 0-1/2",
            "bytes 0-x/10",
            "bytes 0-9",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn shown_urls_have_no_query_and_no_user_info() {
        let url = Url::parse(
            "https://ak:secret@bucket.oss-cn-hangzhou.aliyuncs.com:8443/dir/b.tar.gz?\
             Expires=1700000000&OSSAccessKeyId=LTAI5t&Signature=abc%2Bdef",
        )
        .unwrap();
        assert_eq!(
            shown_url(&url),
            "https://bucket.oss-cn-hangzhou.aliyuncs.com:8443/dir/b.tar.gz"
        );
    }

    #[test]
    fn expiry_from_the_link() {
        let url =
            Url::parse("https://h/f?OSSAccessKeyId=a&Expires=1700000000&Signature=s").unwrap();
        let at = |t| OffsetDateTime::from_unix_timestamp(t).unwrap();
        assert!(link_expired(&url, at(1_700_000_000)));
        assert!(!link_expired(&url, at(1_699_999_999)));
        let no_expiry = Url::parse("https://h/f?Signature=s").unwrap();
        assert!(!link_expired(&no_expiry, at(i64::from(i32::MAX))));
    }

    #[test]
    fn xml_error_bodies() {
        let body = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>\
                    <Message>Request has expired.</Message><RequestId>5C3D</RequestId></Error>";
        assert_eq!(xml_element(body, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(
            xml_element(body, "Message").as_deref(),
            Some("Request has expired.")
        );
        assert_eq!(xml_element(body, "RequestId").as_deref(), Some("5C3D"));
        assert_eq!(xml_element(body, "HostId"), None);
        assert_eq!(xml_element("<Code> </Code>", "Code"), None);
        assert_eq!(xml_element("<html>oops</html>", "Code"), None);
        let long = format!("<Message>{}</Message>", "é".repeat(400));
        let quoted = xml_element(&long, "Message").unwrap();
        assert_eq!(quoted.chars().count(), MAX_QUOTED_CHARS + 1);
    }

    #[test]
    fn etags_and_validators() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_static("W/\"weak\""));
        assert_eq!(strong_etag(&headers), None);
        headers.insert(header::ETAG, HeaderValue::from_static("\"5B3C1A2E\""));
        assert_eq!(strong_etag(&headers).as_deref(), Some("\"5B3C1A2E\""));
        assert_eq!(
            if_range(None, Some("Sat, 21 Nov 2026 02:03:12 GMT")),
            Some(HeaderValue::from_static("Sat, 21 Nov 2026 02:03:12 GMT"))
        );
        assert_eq!(
            if_range(Some("\"a\""), Some("date")),
            Some(HeaderValue::from_static("\"a\""))
        );
        assert_eq!(if_range(None, None), None);
    }
}
