//! Backup files (private): signed links, serving them with `Range` support, their checksums.
//!
//! A link looks like an object-storage link signed with query parameters:
//! `http://127.0.0.1:PORT/files/<service>/<instance>/<backup id>/<file name>?...&Expires=<unix
//! seconds>&Signature=<Base64>&SandboxLinkId=<n>`, with `OSSAccessKeyId` for Alibaba Cloud and
//! `AccessKeyId` for Huawei Cloud first. The sandbox checks `Expires` against its clock and
//! the signature against the path, `Expires` and `SandboxLinkId`, and ignores any other
//! parameter. Errors are XML, as OSS and OBS send them.
//!
//! `SandboxLinkId`, last, is the sandbox's own (like the `security-token` OSS appends to
//! links signed with temporary credentials): a serial number, one per link made, so that two
//! links to the same file made in the same second differ, and the `link_uses` fault can count
//! the uses of each. It is signed, so changing or removing it breaks the link. A link without
//! it (none is made any more) is checked against the path and `Expires` only.
//!
//! Checksums (the CRC-64/XZ of Alibaba Cloud files, the MD5 of Huawei Cloud files) are
//! computed from the generated content on the first request for a file, and kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper::Method;
use hyper::header::HeaderMap;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::archive::backup::FileSpec;
use crate::catalog::Backup;
use crate::changes;
use crate::http::{self, Body, FileBody, Outcome, Reply};
use crate::log::RequestKind;
use crate::state::State;
use crate::{FaultKind, Provider, content, mix, timefmt};

/// The access key id shown in Alibaba Cloud links (`OSSAccessKeyId`).
const OSS_ACCESS_KEY_ID: &str = "SANDBOXOSSACCESSKEY";
/// The access key id shown in Huawei Cloud links (`AccessKeyId`).
const OBS_ACCESS_KEY_ID: &str = "SANDBOXOBSACCESSKEY";
/// The query parameter of a link's serial number.
const LINK_ID: &str = "SandboxLinkId";
/// How many entries the checksum cache and the link use counts keep; beyond, they start
/// afresh (a checksum is computed again, a link's uses are counted from zero).
const CACHE_CAPACITY: usize = 100_000;
/// The part size of the multipart-style `ETag` of a Huawei Cloud file too large to hash.
const ETAG_PART: u64 = 64 << 20;

/// A file's checksum, as its service sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Checksum {
    /// Alibaba Cloud: `x-oss-hash-crc64ecma`, `Checksum`.
    Crc64(u64),
    /// Huawei Cloud: the `ETag`.
    Md5([u8; 16]),
}

/// A file's checksum, once computed: shared by the requests waiting for it.
type ChecksumCell = Arc<OnceLock<Checksum>>;

/// What the file server keeps between requests: checksums, link serial numbers and uses.
#[derive(Debug, Default)]
pub(crate) struct FileState {
    /// The checksums computed (or being computed), by service, instance, backup id and
    /// whether the file is damaged. (The instance is part of the key: Alibaba Cloud's log
    /// files are numbered per instance, so two instances have files of the same id.)
    checksums: Mutex<HashMap<(Provider, String, String, bool), ChecksumCell>>,
    /// The uses of each link, by path, `Expires` and `Signature`, while `link_uses` is set.
    link_uses: Mutex<HashMap<String, u32>>,
    /// The serial number of the last link made.
    link_serial: AtomicU64,
}

impl FileState {
    /// Counts one more use of the link `key`, and returns how many there were.
    fn use_link(&self, key: String) -> u32 {
        let mut uses = self
            .link_uses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if uses.len() >= CACHE_CAPACITY && !uses.contains_key(&key) {
            uses.clear();
        }
        let count = uses.entry(key).or_insert(0);
        *count = count.saturating_add(1);
        *count
    }

    /// The cache cell of `backup`'s checksum (of its damaged file when `damaged`).
    fn checksum_cell(&self, backup: &Backup<'_>, damaged: bool) -> ChecksumCell {
        let mut checksums = self
            .checksums
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let key = (
            backup.service(),
            backup.instance.id.clone(),
            backup.id.clone(),
            damaged,
        );
        if checksums.len() >= CACHE_CAPACITY && !checksums.contains_key(&key) {
            checksums.clear();
        }
        Arc::clone(checksums.entry(key).or_default())
    }
}

/// The checksum `backup`'s service sends for its file (none for Capital Online, nor for a
/// file larger than the checksum limit): computed on the first call, then kept.
fn checksum(state: &State, backup: &Backup<'_>) -> Option<Checksum> {
    let service = backup.service();
    if service == Provider::CapitalOnlineMysql || backup.size > state.checksum_limit {
        return None;
    }
    let spec = spec(state, backup);
    let cell = state.files.checksum_cell(backup, spec.damaged);
    if let Some(checksum) = cell.get() {
        return Some(*checksum);
    }
    let compute = || {
        *cell.get_or_init(|| {
            let mut file = spec.open();
            let read = |pos, buf: &mut [u8]| file.read_at(pos, buf);
            if service.is_huawei() {
                Checksum::Md5(content::md5_of(spec.size, read))
            } else {
                Checksum::Crc64(content::crc64_of(spec.size, read))
            }
        })
    };
    Some(blocking(compute))
}

/// What `backup`'s file is made from, damaged or not as the faults say now.
pub(crate) fn spec(state: &State, backup: &Backup<'_>) -> FileSpec {
    let mut spec = backup.file_spec();
    spec.damaged = state.faults.damages(backup.service());
    spec
}

/// Runs `f`, which may take a while, without holding up the other tasks of the runtime's
/// worker (when running on the sandbox's multi-threaded runtime).
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_thread {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

/// The CRC-64/XZ of `backup`'s file, in decimal, as `DescribeBackups` sends it as `Checksum`;
/// empty for a file larger than the checksum limit.
pub(crate) fn crc64_text(state: &State, backup: &Backup<'_>) -> String {
    match checksum(state, backup) {
        Some(Checksum::Crc64(crc)) => crc.to_string(),
        _ => String::new(),
    }
}

/// How long a link is valid: five minutes for Huawei Cloud, an hour for the others.
fn link_lifetime(service: Provider) -> Duration {
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

/// The link signature of `path` valid until `expires`, with serial number `link_id` (links
/// without one are older): 20 bytes in Base64, as OSS's HMAC-SHA1 signatures look (with `+`,
/// `/` and `=` to encode in the URL).
fn signature(path: &str, expires: i64, link_id: Option<&str>) -> String {
    let expires = expires.to_string();
    let seed = match link_id {
        None => mix::hash_parts(&["cloud-sandbox link", path, &expires]),
        Some(id) => mix::hash_parts(&["cloud-sandbox link", path, &expires, id]),
    };
    let mut bytes = Vec::with_capacity(24);
    for n in 0..3 {
        bytes.extend_from_slice(&mix::nth(seed, n).to_le_bytes());
    }
    bytes.truncate(20);
    STANDARD.encode(bytes)
}

/// A fresh signed link to `backup`'s file, valid for [`link_lifetime`] from now (or as long
/// as the `link_ttl_secs` fault says).
pub(crate) fn link(state: &State, backup: &Backup<'_>) -> String {
    link_expiring(state, backup).0
}

/// A fresh signed link to `backup`'s file, and when it expires.
pub(crate) fn link_expiring(state: &State, backup: &Backup<'_>) -> (String, OffsetDateTime) {
    let service = backup.service();
    let lifetime = match state.faults.link_ttl(service) {
        Some(secs) => Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX)),
        None => link_lifetime(service),
    };
    // A lifetime past year 9999 ends a day before (a valid time in every zone).
    let latest = PrimitiveDateTime::MAX
        .assume_utc()
        .saturating_sub(Duration::days(1));
    let expires_at = state.now().saturating_add(lifetime).min(latest);
    let link_id = state.files.link_serial.fetch_add(1, Ordering::Relaxed) + 1;
    let link = link_until(state, backup, expires_at.unix_timestamp(), link_id);
    (link, expires_at)
}

/// The link number `link_id` to `backup`'s file valid until `expires` (Unix seconds).
fn link_until(state: &State, backup: &Backup<'_>, expires: i64, link_id: u64) -> String {
    let path = path(backup);
    let link_id = link_id.to_string();
    let signature = http::encode(&signature(&path, expires, Some(&link_id)));
    let signed = format!("Expires={expires}&Signature={signature}&{LINK_ID}={link_id}");
    let query = match backup.service() {
        Provider::AliyunRds => format!("OSSAccessKeyId={OSS_ACCESS_KEY_ID}&{signed}"),
        Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => {
            format!("AccessKeyId={OBS_ACCESS_KEY_ID}&{signed}")
        }
        Provider::CapitalOnlineMysql => signed,
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

/// The entity tag of a backup's file: for Huawei Cloud the MD5 of the file in lower-case hex
/// (as OBS sends for an object uploaded in one part), or, when that is not computed, 32 hex
/// digits and the number of 64 MiB parts (as for an object uploaded in parts); for the others
/// 32 upper-case hex digits, like an OSS `ETag`.
fn etag(spec: &FileSpec, checksum: Option<Checksum>) -> String {
    if let Some(Checksum::Md5(md5)) = checksum {
        return format!("\"{}\"", content::hex(&md5));
    }
    let size = spec.size.to_string();
    let mut parts = vec!["cloud-sandbox etag", &spec.backup_id, &size];
    if spec.damaged {
        // Another file, another tag: a resume across the change starts again.
        parts.push("damaged");
    }
    let seed = mix::hash_parts(&parts);
    let (high, low) = (mix::nth(seed, 0), mix::nth(seed, 1));
    if spec.service.is_huawei() {
        let parts = spec.size.div_ceil(ETAG_PART);
        format!("\"{high:016x}{low:016x}-{parts}\"")
    } else {
        format!("\"{high:016X}{low:016X}\"")
    }
}

/// An object-storage style XML error.
fn xml_error(
    state: &State,
    service: Option<Provider>,
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
    let service = segments.first().and_then(|s| s.parse::<Provider>().ok());
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
        .and_then(|instance| changes::find(state, instance, backup_id))
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
    let link_path = self::path(&backup);
    if given != signature(&link_path, expires, http::pair(query, LINK_ID)) {
        return xml_error(
            state,
            Some(service),
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    if let Some(allowed) = state.faults.link_uses(service) {
        let used = state
            .files
            .use_link(format!("{link_path}\u{1f}{expires}\u{1f}{given}"));
        if used > allowed {
            let mut reply = xml_error(
                state,
                Some(service),
                403,
                "AccessDenied",
                "Request has expired.",
            );
            reply.outcome.fault = Some(FaultKind::LinkUsedUp);
            return reply;
        }
    }

    let size = backup.size;
    let spec = spec(state, &backup);
    let checksum = checksum(state, &backup);
    let etag = etag(&spec, checksum);
    let (cut_after, ignore_range) = if *method == Method::GET {
        state.faults.take_download_fault(service)
    } else {
        (None, state.faults.ignores_range(service))
    };
    let mut ignored_range = false;
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
            ignored_range = true;
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
    let (body, corrupt_at) = if *method == Method::HEAD {
        (Body::empty(), None)
    } else {
        // The bytes actually sent: a dropped download stops early.
        let sent_end = cut_after.map_or(end, |cut| end.min(start.saturating_add(cut)));
        let corrupt_at = state.faults.take_corruption(service, start, sent_end);
        let body = FileBody::new(spec.open(), start, end)
            .with_cut_after(cut_after)
            .with_corrupt_at(corrupt_at)
            .with_rate(state.faults.bandwidth(service));
        (Body::File(body), corrupt_at)
    };
    // One fault in the log: the one that matters most to the client (a cut body, a flipped
    // byte, a dropped download too short to be cut, an ignored range).
    let cut = cut_after.is_some_and(|cut| cut < end - start);
    let fault = if cut {
        Some(FaultKind::DroppedDownload)
    } else if corrupt_at.is_some() {
        Some(FaultKind::CorruptedDownload)
    } else if cut_after.is_some() {
        Some(FaultKind::DroppedDownload)
    } else if ignored_range {
        Some(FaultKind::IgnoredRange)
    } else {
        None
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
    if let Some(Checksum::Crc64(crc)) = checksum {
        http::set_header(response_headers, "x-oss-hash-crc64ecma", &crc.to_string());
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
        let sig = signature("/files/x", 1, None);
        assert_eq!(sig.len(), 28);
        assert!(sig.ends_with('='));
        assert_ne!(sig, signature("/files/x", 2, None));
        assert_ne!(sig, signature("/files/y", 1, None));
        // The serial number is signed.
        let numbered = signature("/files/x", 1, Some("1"));
        assert_eq!(numbered.len(), 28);
        assert_ne!(numbered, sig);
        assert_ne!(numbered, signature("/files/x", 1, Some("2")));
    }

    #[test]
    fn link_uses_are_counted_and_bounded() {
        let files = FileState::default();
        assert_eq!(files.use_link("a".to_owned()), 1);
        assert_eq!(files.use_link("a".to_owned()), 2);
        assert_eq!(files.use_link("b".to_owned()), 1);
        for n in 0..CACHE_CAPACITY {
            files.use_link(n.to_string());
        }
        let kept = files.link_uses.lock().unwrap().len();
        assert!(kept <= CACHE_CAPACITY, "{kept}");
    }
}
