//! A finished HTTP response: status, headers and the whole (size-capped) body.

use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::bytes::Bytes;
use crate::redact::redact;

/// The headers that carry a request id, in the order they are looked up.
///
/// Header names are case-insensitive, so `X-Request-Id` and `x-request-id` are one entry.
pub const REQUEST_ID_HEADERS: &[&str] = &["x-acs-request-id", "x-request-id", "cds-request-id"];

/// How many characters of a body an error quotes.
const EXCERPT_CHARS: usize = 160;

/// A finished response: status, headers and the whole body.
///
/// [`Transport::send`](crate::Transport::send) reads the body up to
/// [`HttpConfig::max_body_size`](crate::HttpConfig::with_max_body_size) (16 MiB by default), so
/// a hostile server cannot exhaust memory.
#[derive(Clone)]
pub struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl RawResponse {
    /// A response from its parts; used by the transport, and by tests of protocols.
    pub fn new(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body, consuming the response.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// A header's value, if present, non-empty and valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_text(&self.headers, name)
    }

    /// The request id from the headers: `x-acs-request-id`, `X-Request-Id` or `cds-request-id`.
    ///
    /// The body's `RequestId` is the protocol's business; see
    /// [`ServiceProtocol`](crate::ServiceProtocol).
    pub fn request_id(&self) -> Option<&str> {
        request_id_from(&self.headers)
    }

    /// Decodes the body as JSON into `T`.
    ///
    /// On failure the [`Error`] (kind [`Decode`](crate::ErrorKind::Decode)) names the JSON path
    /// that failed (see [`Error::json_path`]), or says what arrived instead of JSON: an empty
    /// body, an HTML page (with its `<title>`), truncated JSON, with a short excerpt.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode_json(&self.body, self.status.as_u16(), self.request_id())
    }

    /// What the body is when it is not JSON, as used in error messages: `an empty body`,
    /// `an HTML page titled "502 Bad Gateway"`, or a short quoted excerpt.
    pub fn describe_body(&self) -> String {
        describe_non_json(&self.body)
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Headers are left out on purpose: they are not ours to print.
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("request_id", &self.request_id())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A header's trimmed value, if present, non-empty and valid text.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The request id from response headers (see [`REQUEST_ID_HEADERS`]).
pub(crate) fn request_id_from(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| header_text(headers, name))
}

/// Decodes `body` as JSON, with errors that say where and what.
pub(crate) fn decode_json<T: DeserializeOwned>(
    body: &[u8],
    status: u16,
    request_id: Option<&str>,
) -> Result<T, Error> {
    let request_id = request_id.map(str::to_owned);
    let fail = |message: String, path: Option<String>, source| {
        Err(Error::decode_at(
            message,
            path,
            status,
            request_id.clone(),
            source,
        ))
    };
    let shape = BodyShape::of(body);
    match shape {
        BodyShape::Empty => return fail("expected JSON, got an empty body".into(), None, None),
        BodyShape::Html { .. } => return fail(format!("expected JSON, got {shape}"), None, None),
        BodyShape::Other => {}
    }
    // The fast path: a plain decode. Only when it fails is the body decoded again, tracking
    // the JSON path (which costs 1.3-2x on a 100-item page, see BENCHMARKS.md), so the error
    // can say where it failed.
    if let Ok(value) = serde_json::from_slice::<T>(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => value,
        Err(error) => {
            let path = error.path().to_string();
            let at = if path == "." {
                "at the top level".to_owned()
            } else {
                format!("at `{path}`")
            };
            let inner = error.into_inner();
            let message = match inner.classify() {
                serde_json::error::Category::Eof => {
                    format!(
                        "truncated JSON: the body ended {at}; body starts with {shape_excerpt}",
                        shape_excerpt = excerpt(body)
                    )
                }
                serde_json::error::Category::Syntax | serde_json::error::Category::Io => format!(
                    "invalid JSON {at} (line {}, column {}); body starts with {}",
                    inner.line(),
                    inner.column(),
                    excerpt(body)
                ),
                // serde quotes the offending value whole: cap it.
                serde_json::error::Category::Data => {
                    format!(
                        "unexpected value {at}: {}",
                        cap_chars(&inner.to_string(), 240)
                    )
                }
            };
            let path = (path != ".").then_some(path);
            return fail(message, path, Some(Box::new(inner)));
        }
    };
    if let Err(inner) = deserializer.end() {
        return fail(
            format!(
                "trailing characters after the JSON value (line {}, column {})",
                inner.line(),
                inner.column()
            ),
            None,
            Some(Box::new(inner)),
        );
    }
    Ok(value)
}

/// What a body looks like, for error messages.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyShape {
    Empty,
    Html { title: Option<String> },
    Other,
}

impl BodyShape {
    pub(crate) fn of(body: &[u8]) -> Self {
        let trimmed = body.trim_ascii_start();
        if trimmed.is_empty() {
            return BodyShape::Empty;
        }
        // Every HTML form below starts with `<`: a JSON body (every successful response) is
        // told apart without copying anything.
        if !trimmed.starts_with(b"<") {
            return BodyShape::Other;
        }
        // Only the head of the body is examined: titles live there.
        let head = &trimmed[..trimmed.len().min(4096)];
        let head = String::from_utf8_lossy(head).to_ascii_lowercase();
        let is_html = head.starts_with("<!doctype html")
            || head.starts_with("<html")
            || (head.starts_with('<') && (head.contains("<html") || head.contains("<body")));
        if !is_html {
            return BodyShape::Other;
        }
        BodyShape::Html {
            title: html_title(trimmed),
        }
    }
}

impl fmt::Display for BodyShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyShape::Empty => f.write_str("an empty body"),
            BodyShape::Html { title: Some(title) } => write!(f, "an HTML page titled {title:?}"),
            BodyShape::Html { title: None } => f.write_str("an HTML page"),
            BodyShape::Other => f.write_str("a body that is not JSON"),
        }
    }
}

/// The text of the first `<title>` element, whitespace collapsed and length-capped.
fn html_title(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(16 * 1024)];
    let text = String::from_utf8_lossy(head);
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = collapse_whitespace(&text[start..end]);
    if title.is_empty() {
        None
    } else {
        Some(cap_chars(&redact(&title), 120))
    }
}

/// What a non-JSON body is, for error messages: its shape, plus an excerpt when it is neither
/// empty nor an HTML page with a title.
pub(crate) fn describe_non_json(body: &[u8]) -> String {
    match BodyShape::of(body) {
        BodyShape::Empty => "an empty body".to_owned(),
        shape @ BodyShape::Html { title: Some(_) } => shape.to_string(),
        shape => format!("{shape}: {}", excerpt(body)),
    }
}

/// A short, quoted, redacted excerpt of a body: never more than [`EXCERPT_CHARS`] characters.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(EXCERPT_CHARS * 4)];
    let text = collapse_whitespace(&String::from_utf8_lossy(head));
    let mut shown = cap_chars(&redact(&text), EXCERPT_CHARS);
    if body.len() > head.len() && !shown.ends_with('…') {
        shown.push('…');
    }
    format!("{shown:?}")
}

fn collapse_whitespace(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cap_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Backups {
        #[serde(rename = "Items")]
        items: Items,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Items {
        #[serde(rename = "Backup")]
        backup: Vec<Backup>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Backup {
        #[serde(rename = "BackupSize")]
        size: u64,
    }

    fn response(body: &'static str) -> RawResponse {
        RawResponse::new(StatusCode::OK, HeaderMap::new(), body)
    }

    #[test]
    fn wrong_type_names_the_path() {
        let error = response(r#"{"Items":{"Backup":[{"BackupSize":1},{"BackupSize":"x"}]}}"#)
            .json::<Backups>()
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Decode);
        assert_eq!(error.json_path(), Some("Items.Backup[1].BackupSize"));
        assert!(
            error.to_string().contains("Items.Backup[1].BackupSize"),
            "{error}"
        );
        assert_eq!(error.status(), Some(200));
    }

    #[test]
    fn truncated_json_names_the_path() {
        let error = response(r#"{"Items":{"Backup":[{"BackupSize":1},{"Backu"#)
            .json::<Backups>()
            .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("truncated JSON"), "{text}");
        assert!(text.contains("Items.Backup"), "{text}");
    }

    #[test]
    fn html_page_is_named_with_its_title() {
        let error = response(
            "\n<!DOCTYPE html><html><head><title>502 Bad\n Gateway</title></head><body>x</body></html>",
        )
        .json::<Backups>()
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "decode error: expected JSON, got an HTML page titled \"502 Bad Gateway\" (HTTP 200)"
        );
    }

    #[test]
    fn empty_body() {
        for body in ["", "  \r\n "] {
            let error = response(body).json::<Backups>().unwrap_err();
            assert!(error.to_string().contains("empty body"), "{error}");
        }
    }

    #[test]
    fn long_offending_values_are_capped() {
        let body = format!(
            r#"{{"Items":{{"Backup":[{{"BackupSize":"{}"}}]}}}}"#,
            "9".repeat(100_000)
        );
        let error = RawResponse::new(StatusCode::OK, HeaderMap::new(), body)
            .json::<Backups>()
            .unwrap_err();
        assert!(error.to_string().len() < 400, "{}", error.to_string().len());
        assert_eq!(error.json_path(), Some("Items.Backup[0].BackupSize"));
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        let error = response("{} x").json::<serde_json::Value>().unwrap_err();
        assert!(error.to_string().contains("trailing"), "{error}");
    }

    #[test]
    fn excerpt_is_capped_and_char_safe() {
        let body = "无".repeat(10_000);
        let shown = excerpt(body.as_bytes());
        assert!(shown.chars().count() <= EXCERPT_CHARS + 3, "{shown}");
        let broken = [0xe6u8, 0x97, 0xa0, 0xe6, 0x97];
        let _ = excerpt(&broken);
        let _ = describe_non_json(&broken);
        let _ = BodyShape::of(&broken);
    }

    #[test]
    fn request_id_from_headers() {
        for name in [
            "X-Request-Id",
            "x-request-id",
            "cds-request-id",
            "x-acs-request-id",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                "rid-1".parse().unwrap(),
            );
            let response = RawResponse::new(StatusCode::OK, headers, "");
            assert_eq!(response.request_id(), Some("rid-1"), "{name}");
        }
    }

    #[test]
    fn html_title_edge_cases() {
        assert_eq!(html_title(b"<html><title></title></html>"), None);
        assert_eq!(html_title(b"<html><title>unclosed"), None);
        assert_eq!(
            html_title(b"<HTML><TITLE lang=en>Hi</TITLE>").as_deref(),
            Some("Hi")
        );
        assert_eq!(
            BodyShape::of(b"<?xml version='1.0'?><a/>"),
            BodyShape::Other
        );
    }
}
