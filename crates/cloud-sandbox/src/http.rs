//! HTTP plumbing (private): the response body, the received request, replies.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Bytes, Frame, SizeHint};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::archive::backup::File;
use crate::log::RequestKind;
use crate::{FaultKind, Provider};

/// The size of the chunks a file body is generated in.
const CHUNK: u64 = 64 * 1024;

/// Percent-encodes `s` per RFC 3986 (`+`, `/`, `=` become `%2B`, `%2F`, `%3D`): the signers'
/// own encoding.
pub(crate) fn encode(s: &str) -> String {
    cloud_signer::encoding::percent_encode(s)
}

/// Decodes one form-urlencoded component: `+` is a space, then `%XY` sequences.
pub(crate) fn decode(s: &str) -> String {
    cloud_signer::encoding::percent_decode_lossy(&s.replace('+', " "))
}

/// The `name=value` pairs of a query string or form body, decoded, in order.
pub(crate) fn decode_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// The first value of `name` in `pairs`.
pub(crate) fn pair<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A response body: bytes in memory, or a backup file generated as it is sent.
#[derive(Debug)]
pub(crate) enum Body {
    /// A whole body (taken when sent).
    Full(Option<Bytes>),
    /// A file, or a range of it.
    File(FileBody),
}

impl Body {
    pub(crate) fn empty() -> Self {
        Body::Full(None)
    }

    pub(crate) fn bytes(bytes: impl Into<Bytes>) -> Self {
        Body::Full(Some(bytes.into()))
    }
}

/// Bytes `pos..end` of a backup file, cut (the connection closed) after `cut_after` bytes,
/// and with the byte at offset `corrupt_at` flipped, when faults say so.
pub(crate) struct FileBody {
    file: File,
    pos: u64,
    end: u64,
    cut_after: Option<u64>,
    corrupt_at: Option<u64>,
    sent: u64,
    cut_delay: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The bytes a second this body sends at most, and when it started.
    rate: Option<(u64, tokio::time::Instant)>,
    /// The wait before the next piece, under `rate`.
    pace: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl std::fmt::Debug for FileBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileBody")
            .field("layout", &self.file.layout)
            .field("pos", &self.pos)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

impl FileBody {
    /// Bytes `start..end` of `file`.
    pub(crate) fn new(file: File, start: u64, end: u64) -> Self {
        Self {
            file,
            pos: start,
            end,
            cut_after: None,
            corrupt_at: None,
            sent: 0,
            cut_delay: None,
            rate: None,
            pace: None,
        }
    }

    /// Sends at most `bytes_per_second` (a per-connection bandwidth cap), if given.
    pub(crate) fn with_rate(mut self, bytes_per_second: Option<u64>) -> Self {
        self.rate = bytes_per_second
            .filter(|rate| *rate > 0)
            .map(|rate| (rate, tokio::time::Instant::now()));
        self
    }

    /// Cuts the body (closes the connection) after `bytes` bytes.
    pub(crate) fn with_cut_after(mut self, bytes: Option<u64>) -> Self {
        self.cut_after = bytes;
        self
    }

    /// Flips (XOR `0xFF`) the byte at file offset `offset`, if the body covers it.
    pub(crate) fn with_corrupt_at(mut self, offset: Option<u64>) -> Self {
        self.corrupt_at = offset;
        self
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Body::File(file) => {
                if file.pos >= file.end {
                    return Poll::Ready(None);
                }
                let mut n = (file.end - file.pos).min(CHUNK);
                if let Some((rate, started)) = file.rate {
                    // Each piece leaves when the bytes before it have had their time.
                    let due = started + Duration::from_secs_f64(file.sent as f64 / rate as f64);
                    if tokio::time::Instant::now() < due {
                        let pace = file
                            .pace
                            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
                        pace.as_mut().reset(due);
                        if pace.as_mut().poll(cx).is_pending() {
                            return Poll::Pending;
                        }
                    }
                    n = n.min(rate.div_ceil(100).max(1024));
                }
                if let Some(limit) = file.cut_after {
                    if file.sent >= limit {
                        // Let the connection flush what was sent, then fail the body: hyper
                        // closes the connection with the response incomplete.
                        let delay = file.cut_delay.get_or_insert_with(|| {
                            Box::pin(tokio::time::sleep(Duration::from_millis(50)))
                        });
                        if delay.as_mut().poll(cx).is_pending() {
                            return Poll::Pending;
                        }
                        return Poll::Ready(Some(Err(io::Error::new(
                            io::ErrorKind::ConnectionAborted,
                            "download dropped by a sandbox fault",
                        ))));
                    }
                    n = n.min(limit - file.sent);
                }
                let mut buf = vec![0; usize::try_from(n).unwrap_or(0)];
                file.file.read_at(file.pos, &mut buf);
                if let Some(at) = file.corrupt_at
                    && (file.pos..file.pos + n).contains(&at)
                    && let Some(byte) = usize::try_from(at - file.pos)
                        .ok()
                        .and_then(|i| buf.get_mut(i))
                {
                    *byte ^= 0xFF;
                }
                file.pos += n;
                file.sent += n;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Full(bytes) => bytes.is_none(),
            Body::File(file) => file.pos >= file.end,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Body::File(file) => SizeHint::with_exact(file.end.saturating_sub(file.pos)),
        }
    }
}

/// What the request log records about a reply, besides the method, path and status.
#[derive(Clone, Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) kind: Option<RequestKind>,
    pub(crate) service: Option<Provider>,
    pub(crate) operation: Option<String>,
    pub(crate) error_code: Option<String>,
    pub(crate) fault: Option<FaultKind>,
}

/// A response and what to log about it.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) response: Response<Body>,
    pub(crate) outcome: Outcome,
}

impl Reply {
    /// The reply of an API call to `service`: its operation (`None` when the request named
    /// none), the error code answered, and the fault that shaped it.
    pub(crate) fn api(
        response: Response<Body>,
        service: Option<Provider>,
        operation: Option<String>,
        error_code: Option<String>,
        fault: Option<FaultKind>,
    ) -> Self {
        Self {
            response,
            outcome: Outcome {
                kind: None,
                service,
                operation,
                error_code,
                fault,
            },
        }
    }
}

/// A response with `status`, `body`, and the given headers.
pub(crate) fn response(status: u16, headers: &[(&str, &str)], body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    for (name, value) in headers {
        set_header(response.headers_mut(), name, value);
    }
    response
}

/// A JSON response.
pub(crate) fn json(status: u16, headers: &[(&str, &str)], value: &Value) -> Response<Body> {
    let mut response = response(status, headers, Body::bytes(value.to_string()));
    set_header(
        response.headers_mut(),
        "content-type",
        "application/json;charset=utf-8",
    );
    response
}

/// Sets header `name` (a valid name) to `value` (dropped if it is not a valid value).
pub(crate) fn set_header(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        headers.insert(name, value);
    }
}

/// The value of header `name` as text, if present and text.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Escapes text for XML.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `value` as Alibaba Cloud's XML: an object's members become elements, an array repeats
/// the element of its member name (`"Items": {"Backup": [a, b]}` gives
/// `<Items><Backup>a</Backup><Backup>b</Backup></Items>`).
pub(crate) fn to_xml(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version='1.0' encoding='UTF-8'?>");
    write_xml_element(&mut out, root, value);
    out
}

fn write_xml_element(out: &mut String, name: &str, value: &Value) {
    if let Value::Array(items) = value {
        for item in items {
            write_xml_element(out, name, item);
        }
        return;
    }
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::Object(members) => {
            for (member, value) in members {
                write_xml_element(out, member, value);
            }
        }
        Value::String(s) => out.push_str(&xml_escape(s)),
        Value::Null => {}
        other => out.push_str(&other.to_string()),
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pairs_are_form_decoded() {
        assert_eq!(
            decode_pairs("a=1&b=x+y%2B%3D&c&=d&&e=%E4%B8%AD"),
            [
                ("a", "1"),
                ("b", "x y+="),
                ("c", ""),
                ("", "d"),
                ("e", "中")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(encode("a+b/c=d e"), "a%2Bb%2Fc%3Dd%20e");
    }

    #[test]
    fn xml_like_alibaba() {
        let value = json!({"Items": {"Backup": [{"BackupId": 1}, {"BackupId": 2}]}, "Encryption": {}, "Name": "a<b"});
        assert_eq!(
            to_xml("R", &value),
            "<?xml version='1.0' encoding='UTF-8'?><R><Encryption></Encryption><Items><Backup>\
             <BackupId>1</BackupId></Backup><Backup><BackupId>2</BackupId></Backup></Items>\
             <Name>a&lt;b</Name></R>"
        );
    }
}
