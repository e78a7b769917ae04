//! Backup files (private): signed links, and serving them with `Range` support.
//!
//! A link looks like an object-storage link signed with query parameters:
//! `http://127.0.0.1:PORT/files/<service>/<instance>/<backup id>/<file name>?...&Expires=<unix
//! seconds>&Signature=<Base64>`, with `OSSAccessKeyId` for Alibaba Cloud and `AccessKeyId`
//! for Huawei Cloud first. The sandbox checks `Expires` against its clock and the signature
//! against the path and `Expires`, and ignores any other parameter. Errors are XML, as OSS and
//! OBS send them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper::Method;
use hyper::header::HeaderMap;
use time::Duration;

use crate::catalog::Backup;
use crate::http::{self, Body, FileBody, Outcome, Reply};
use crate::log::RequestKind;
use crate::server::State;
use crate::{FaultKind, Service, mix, timefmt};

/// The access key id shown in Alibaba Cloud links (`OSSAccessKeyId`).
const OSS_ACCESS_KEY_ID: &str = "SANDBOXOSSACCESSKEY";
/// The access key id shown in Huawei Cloud links (`AccessKeyId`).
const OBS_ACCESS_KEY_ID: &str = "SANDBOXOBSACCESSKEY";

/// How long a link is valid: five minutes for Huawei Cloud, an hour for the others.
pub(crate) fn link_lifetime(service: Service) -> Duration {
    if service.is_huawei() {
        Duration::minutes(5)
    } else {
        Duration::hours(1)
    }
}

/// The path of `backup`'s file.
fn path(backup: &Backup<'_>) -> String {
    format!(
        "/files/{}/{}/{}/{}",
        backup.service(),
        backup.instance.id,
        backup.id,
        backup.file_name
    )
}

/// The link signature of `path` valid until `expires`: 20 bytes in Base64, as OSS's
/// HMAC-SHA1 signatures look (with `+`, `/` and `=` to encode in the URL).
fn signature(path: &str, expires: i64) -> String {
    let seed = mix::hash_parts(&["cloud-sandbox link", path, &expires.to_string()]);
    let mut bytes = Vec::with_capacity(24);
    for n in 0..3 {
        bytes.extend_from_slice(&mix::nth(seed, n).to_le_bytes());
    }
    bytes.truncate(20);
    STANDARD.encode(bytes)
}

/// A fresh signed link to `backup`'s file, valid for [`link_lifetime`] from now.
pub(crate) fn link(state: &State, backup: &Backup<'_>) -> String {
    let expires_at = state.now() + link_lifetime(backup.service());
    link_until(state, backup, expires_at.unix_timestamp())
}

/// The link to `backup`'s file valid until `expires` (Unix seconds).
fn link_until(state: &State, backup: &Backup<'_>, expires: i64) -> String {
    let path = path(backup);
    let signature = http::encode(&signature(&path, expires));
    let query = match backup.service() {
        Service::AliyunRds => {
            format!("OSSAccessKeyId={OSS_ACCESS_KEY_ID}&Expires={expires}&Signature={signature}")
        }
        Service::HuaweiRds | Service::HuaweiGaussdb => {
            format!("AccessKeyId={OBS_ACCESS_KEY_ID}&Expires={expires}&Signature={signature}")
        }
        Service::CapitalOnlineMysql => format!("Expires={expires}&Signature={signature}"),
    };
    format!("{}{path}?{query}", state.endpoint)
}

/// A `Range` header, as far as the sandbox understands it.
#[derive(Debug, PartialEq, Eq)]
enum Range {
    /// No usable range: serve the whole file.
    Whole,
    /// Bytes `start..=end` (within the file).
    Part(u64, u64),
    /// A range starting past the end.
    Unsatisfiable,
}

/// Parses a single `bytes=` range against a file of `size` bytes. Anything else (another
/// unit, several ranges, bad syntax) is ignored, as RFC 9110 allows.
fn parse_range(header: &str, size: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (first.is_empty(), number(first), number(last)) {
        // bytes=-N: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || size == 0 {
                Range::Unsatisfiable
            } else {
                Range::Part(size.saturating_sub(suffix), size - 1)
            }
        }
        // bytes=A- and bytes=A-B.
        (false, Some(start), end) if last.is_empty() || end.is_some() => {
            let end = end.unwrap_or(u64::MAX);
            if end < start {
                Range::Whole
            } else if start >= size {
                Range::Unsatisfiable
            } else {
                Range::Part(start, end.min(size - 1))
            }
        }
        _ => Range::Whole,
    }
}

/// The entity tag of a backup's file: 32 upper-case hex digits, like an OSS MD5 `ETag`.
fn etag(backup: &Backup<'_>) -> String {
    let seed = mix::hash_parts(&["cloud-sandbox etag", &backup.id, &backup.size.to_string()]);
    format!("\"{:016X}{:016X}\"", mix::nth(seed, 0), mix::nth(seed, 1))
}

/// An object-storage style XML error.
fn xml_error(
    state: &State,
    service: Option<Service>,
    status: u16,
    code: &str,
    message: &str,
) -> Reply {
    let request_id = state.hex_id().to_uppercase();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{}</Code>\n  \
         <Message>{}</Message>\n  <RequestId>{request_id}</RequestId>\n  \
         <HostId>{}</HostId>\n</Error>\n",
        http::xml_escape(code),
        http::xml_escape(message),
        http::xml_escape(state.endpoint.trim_start_matches("http://")),
    );
    Reply {
        response: http::response(
            status,
            &[
                ("content-type", "application/xml"),
                ("x-request-id", &request_id),
            ],
            Body::bytes(body),
        ),
        outcome: Outcome {
            kind: Some(RequestKind::Download),
            service,
            operation: Some("Download".to_owned()),
            error_code: Some(code.to_owned()),
            fault: None,
        },
    }
}

/// Serves `GET` and `HEAD` of a backup file.
pub(crate) fn handle(
    state: &State,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
) -> Reply {
    let segments: Vec<String> = path
        .trim_start_matches("/files/")
        .split('/')
        .map(http::decode)
        .collect();
    let service = segments.first().and_then(|s| s.parse::<Service>().ok());
    let not_found = |service| {
        xml_error(
            state,
            service,
            404,
            "NoSuchKey",
            "The specified key does not exist.",
        )
    };
    let [_, instance_id, backup_id, file_name] = segments.as_slice() else {
        return not_found(service);
    };
    let Some(service) = service else {
        return not_found(None);
    };
    let catalog = &state.catalog;
    let Some(backup) = catalog
        .instance(service, instance_id)
        .and_then(|instance| catalog.find_in(instance, backup_id))
        .filter(|backup| backup.file_name == *file_name)
    else {
        return not_found(Some(service));
    };
    if *method != Method::GET && *method != Method::HEAD {
        return xml_error(
            state,
            Some(service),
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        );
    }

    // The link's own signature.
    let (Some(expires), Some(given)) =
        (http::pair(query, "Expires"), http::pair(query, "Signature"))
    else {
        return xml_error(
            state,
            Some(service),
            403,
            "AccessDenied",
            "Query-string authentication requires the Signature and Expires parameters.",
        );
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return xml_error(
            state,
            Some(service),
            403,
            "AccessDenied",
            "Invalid Expires: it must be a number of seconds since the Unix epoch.",
        );
    };
    if state.now().unix_timestamp() > expires {
        return xml_error(
            state,
            Some(service),
            403,
            "AccessDenied",
            "Request has expired.",
        );
    }
    if given != signature(&self::path(&backup), expires) {
        return xml_error(
            state,
            Some(service),
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }

    let size = backup.size;
    let etag = etag(&backup);
    let (cut_after, ignore_range) = if *method == Method::GET {
        state.faults.take_download_fault(service)
    } else {
        (None, state.faults.ignores_range(service))
    };
    let mut fault = cut_after.map(|_| FaultKind::DroppedDownload);
    let mut range = match http::header(headers, "range") {
        Some(header) => parse_range(header, size),
        None => Range::Whole,
    };
    if range != Range::Whole {
        let if_range = http::header(headers, "if-range");
        if if_range.is_some_and(|tag| tag.trim() != etag) {
            range = Range::Whole;
        } else if ignore_range {
            range = Range::Whole;
            fault = fault.or(Some(FaultKind::IgnoredRange));
        }
    }

    let request_id = state.hex_id().to_uppercase();
    let last_modified = timefmt::http_date(backup.end);
    let common = [
        ("accept-ranges", "bytes"),
        ("etag", etag.as_str()),
        ("last-modified", last_modified.as_str()),
        ("x-request-id", request_id.as_str()),
    ];
    let (status, start, end, content_range) = match range {
        Range::Whole => (200, 0, size, None),
        Range::Part(first, last) => (
            206,
            first,
            last + 1,
            Some(format!("bytes {first}-{last}/{size}")),
        ),
        Range::Unsatisfiable => {
            let mut reply = xml_error(
                state,
                Some(service),
                416,
                "InvalidRange",
                "The requested range cannot be satisfied.",
            );
            let headers = reply.response.headers_mut();
            http::set_header(headers, "content-range", &format!("bytes */{size}"));
            for (name, value) in common {
                http::set_header(headers, name, value);
            }
            return reply;
        }
    };
    let length = (end - start).to_string();
    let body = if *method == Method::HEAD {
        Body::empty()
    } else {
        Body::File(FileBody::new(&backup.id, start, end, cut_after))
    };
    let mut response = http::response(
        status,
        &[
            ("content-type", "application/octet-stream"),
            ("content-length", &length),
        ],
        body,
    );
    let response_headers = response.headers_mut();
    for (name, value) in common {
        http::set_header(response_headers, name, value);
    }
    if let Some(content_range) = content_range {
        http::set_header(response_headers, "content-range", &content_range);
    }
    Reply {
        response,
        outcome: Outcome {
            kind: Some(RequestKind::Download),
            service: Some(service),
            operation: Some("Download".to_owned()),
            error_code: None,
            fault,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use Range::*;
        let cases = [
            ("bytes=0-99", 1000, Part(0, 99)),
            ("bytes=900-", 1000, Part(900, 999)),
            ("bytes=900-5000", 1000, Part(900, 999)),
            ("bytes=-100", 1000, Part(900, 999)),
            ("bytes=-5000", 1000, Part(0, 999)),
            ("bytes=999-999", 1000, Part(999, 999)),
            ("bytes=1000-", 1000, Unsatisfiable),
            ("bytes=1000-2000", 1000, Unsatisfiable),
            ("bytes=-0", 1000, Unsatisfiable),
            ("bytes=0-", 0, Unsatisfiable),
            ("bytes=5-1", 1000, Whole),
            ("bytes=0-1,5-6", 1000, Whole),
            ("items=0-1", 1000, Whole),
            ("bytes=a-b", 1000, Whole),
            ("bytes=-", 1000, Whole),
            ("bytes=+1-2", 1000, Whole),
        ];
        for (header, size, want) in cases {
            assert_eq!(parse_range(header, size), want, "{header}");
        }
    }

    #[test]
    fn signatures_are_base64_of_20_bytes() {
        let sig = signature("/files/x", 1);
        assert_eq!(sig.len(), 28);
        assert!(sig.ends_with('='));
        assert_ne!(sig, signature("/files/x", 2));
        assert_ne!(sig, signature("/files/y", 1));
    }
}
