//! Checksums of a download: what the server and the API say the file's checksums are, the
//! hashers that compute them while the body streams, and the report of what was checked.

use std::fmt;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Md5;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::wire::header_text;
use crate::error::Error;

/// The header in which Alibaba Cloud OSS sends the CRC-64/XZ of the whole object (decimal), on
/// every `GET` and `HEAD`, ranged ones included.
pub const OSS_CRC64_HEADER: &str = "x-oss-hash-crc64ecma";

/// Response headers that say the object is encrypted on the server, in which case its `ETag`
/// is not the MD5 of the bytes served (OBS, S3).
const SERVER_SIDE_ENCRYPTION_HEADERS: &[&str] = &[
    "x-obs-server-side-encryption",
    "x-amz-server-side-encryption",
];

/// A checksum algorithm a download is checked with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ChecksumKind {
    /// CRC-64/XZ (the ECMA-182 polynomial, reflected, initial value and final XOR all ones):
    /// what OSS sends as `x-oss-hash-crc64ecma` and what Alibaba Cloud's APIs document as
    /// "CRC64". Written in decimal.
    Crc64,
    /// MD5, written in lowercase hex: `Content-MD5` (Base64 on the wire) and the `ETag` of
    /// single-part OBS objects.
    Md5,
    /// SHA-256, written in lowercase hex. Always computed.
    Sha256,
}

impl ChecksumKind {
    /// `crc64`, `md5` or `sha256`.
    pub fn name(self) -> &'static str {
        match self {
            ChecksumKind::Crc64 => "crc64",
            ChecksumKind::Md5 => "md5",
            ChecksumKind::Sha256 => "sha256",
        }
    }
}

impl fmt::Display for ChecksumKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A checksum the file must have, and where that value came from (e.g. the API's `Checksum`
/// field). A mismatch fails the download with an [`Integrity`](crate::ErrorKind::Integrity)
/// error, unless the value is [advisory](ExpectedChecksum::with_advisory), in which case the
/// mismatch is reported in [`DownloadOutcome::notes`](super::DownloadOutcome::notes) and the
/// file is kept.
///
/// ```
/// use cloud_http::{ChecksumKind, ExpectedChecksum};
///
/// let crc = ExpectedChecksum::crc64_text(" 11051210869376104954 ", "DescribeBackups Checksum")?;
/// assert_eq!(crc.kind, ChecksumKind::Crc64);
/// assert_eq!(crc.value, "11051210869376104954");
/// assert!(ExpectedChecksum::crc64_text("1835830439**********", "x").is_err());
/// let md5 = ExpectedChecksum::md5_hex("D41D8CD98F00B204E9800998ECF8427E", "ETag")?;
/// assert_eq!(md5.value, "d41d8cd98f00b204e9800998ecf8427e");
/// # Ok::<(), cloud_http::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExpectedChecksum {
    /// The algorithm.
    pub kind: ChecksumKind,
    /// The value in its canonical text: decimal for CRC-64, lowercase hex otherwise.
    pub value: String,
    /// Where the value came from, as reports show it (`DescribeBackups Checksum`).
    pub source: String,
    /// Whether a mismatch is only reported (the source is not known to be exact), rather
    /// than failing the download.
    pub advisory: bool,
}

impl ExpectedChecksum {
    /// A CRC-64/XZ value.
    pub fn crc64(value: u64, source: impl Into<String>) -> Self {
        Self {
            kind: ChecksumKind::Crc64,
            value: value.to_string(),
            source: source.into(),
            advisory: false,
        }
    }

    /// A CRC-64/XZ value written in decimal (surrounding spaces allowed).
    ///
    /// # Errors
    ///
    /// A [`Decode`](crate::ErrorKind::Decode) error when `text` is not a decimal `u64`.
    pub fn crc64_text(text: &str, source: impl Into<String>) -> Result<Self, Error> {
        let source = source.into();
        let value = parse_crc64(text).ok_or_else(|| {
            Error::decode(format!(
                "{source} is not a CRC-64 (a decimal number below 2^64): {:?}",
                shorten(text)
            ))
        })?;
        Ok(Self::crc64(value, source))
    }

    /// An MD5 value in hex (either case).
    ///
    /// # Errors
    ///
    /// A [`Decode`](crate::ErrorKind::Decode) error when `hex` is not 32 hex digits.
    pub fn md5_hex(hex: &str, source: impl Into<String>) -> Result<Self, Error> {
        Self::hex(ChecksumKind::Md5, hex, 32, source.into())
    }

    /// A SHA-256 value in hex (either case).
    ///
    /// # Errors
    ///
    /// A [`Decode`](crate::ErrorKind::Decode) error when `hex` is not 64 hex digits.
    pub fn sha256_hex(hex: &str, source: impl Into<String>) -> Result<Self, Error> {
        Self::hex(ChecksumKind::Sha256, hex, 64, source.into())
    }

    fn hex(kind: ChecksumKind, hex: &str, digits: usize, source: String) -> Result<Self, Error> {
        let hex = hex.trim();
        if hex.len() != digits || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::decode(format!(
                "{source} is not a {kind} ({digits} hex digits): {:?}",
                shorten(hex)
            )));
        }
        Ok(Self {
            kind,
            value: hex.to_ascii_lowercase(),
            source,
            advisory: false,
        })
    }

    /// Makes a mismatch a note instead of a failure (`true`), or a failure again (`false`).
    #[must_use]
    pub fn with_advisory(mut self, advisory: bool) -> Self {
        self.advisory = advisory;
        self
    }
}

/// One check a finished download passed: what was compared, the file's value, and where the
/// values it was compared with came from.
///
/// `sources` is empty for a value only computed (the SHA-256, when nobody gave one to compare
/// with): it is reported so that the copy can be checked later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Check {
    /// `size`, `crc64`, `md5` or `sha256`.
    pub check: String,
    /// The file's value: its byte count, its CRC-64 in decimal, its MD5 or SHA-256 in hex.
    pub value: String,
    /// What the value was compared with and found equal: `server` (`Content-Length` /
    /// `Content-Range`), `API`, `x-oss-hash-crc64ecma`, `ETag`, `Content-MD5`, an API field...
    pub sources: Vec<String>,
}

impl Check {
    /// A check named `check` (`size`, `crc64`, `md5`, `sha256`) that found `value`, equal to
    /// what `sources` said.
    pub fn new(check: impl Into<String>, value: impl Into<String>, sources: Vec<String>) -> Self {
        Self {
            check: check.into(),
            value: value.into(),
            sources,
        }
    }
}

impl fmt::Display for Check {
    /// `size (server, API)`, `crc64 (x-oss-hash-crc64ecma)`, `sha256 (computed)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sources.is_empty() {
            write!(f, "{} (computed)", self.check)
        } else {
            write!(f, "{} ({})", self.check, self.sources.join(", "))
        }
    }
}

/// `size (server, API), crc64 (x-oss-hash-crc64ecma), sha256 (computed)`: the checks in one
/// line, as the command line prints them after `verified:`.
///
/// ```
/// use cloud_http::{Check, checks_summary};
/// assert_eq!(checks_summary(&[]), "nothing");
/// ```
pub fn checks_summary(checks: &[Check]) -> String {
    if checks.is_empty() {
        return "nothing".to_owned();
    }
    checks
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A check of what a file holds (e.g. the checksums inside a backup archive), fed every byte
/// of the file in order while the download streams (a resumed download first feeds it the
/// bytes already in the `.part`), so that no second read is needed. Made afresh by its
/// [`ContentCheckFactory`] whenever the download starts from zero.
pub trait ContentCheck: Send {
    /// The next bytes of the file. An error is kept and reported when the download ends.
    fn update(&mut self, data: &[u8]) -> Result<(), String>;
    /// Every byte was given: what was checked (words for the `verified:` line), or what
    /// failed (the download then fails as corrupt, and its `.part` is removed).
    fn finish(self: Box<Self>) -> Result<Vec<String>, String>;
}

/// Makes the [`ContentCheck`] of a download (see [`Download::with_content_check`]).
///
/// [`Download::with_content_check`]: crate::Download::with_content_check
pub type ContentCheckFactory = std::sync::Arc<dyn Fn() -> Box<dyn ContentCheck> + Send + Sync>;

/// The hashers a download feeds while it streams: SHA-256 and CRC-64 always (CRC-64 costs
/// little next to the network), MD5 only when an MD5 is expected (it costs as much as SHA-256),
/// and the content check when there is one (its first error kept).
pub(crate) struct Hashers {
    sha256: Sha256,
    crc64: crc64fast::Digest,
    md5: Option<Md5>,
    content: Option<(Box<dyn ContentCheck>, Option<String>)>,
}

/// The finished values of [`Hashers`].
#[derive(Clone, Debug)]
pub(crate) struct Digests {
    pub(crate) sha256: String,
    pub(crate) crc64: u64,
    pub(crate) md5: Option<String>,
    /// The content check's outcome, when there was one.
    pub(crate) content: Option<Result<Vec<String>, String>>,
}

impl Hashers {
    pub(crate) fn new(md5: bool) -> Self {
        Self {
            sha256: Sha256::new(),
            crc64: crc64fast::Digest::new(),
            md5: md5.then(Md5::new),
            content: None,
        }
    }

    /// These hashers with a fresh content check from `factory`, if given.
    pub(crate) fn with_content(mut self, factory: Option<&ContentCheckFactory>) -> Self {
        self.content = factory.map(|make| (make(), None));
        self
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.sha256.update(data);
        self.crc64.write(data);
        if let Some(md5) = &mut self.md5 {
            md5.update(data);
        }
        if let Some((check, failed @ None)) = &mut self.content
            && let Err(error) = check.update(data)
        {
            *failed = Some(error);
        }
    }

    pub(crate) fn has_md5(&self) -> bool {
        self.md5.is_some()
    }

    pub(crate) fn finish(self) -> Digests {
        Digests {
            sha256: hex(&self.sha256.finalize()),
            crc64: self.crc64.sum64(),
            md5: self.md5.map(|md5| hex(&md5.finalize())),
            content: self.content.map(|(check, failed)| match failed {
                Some(error) => Err(error),
                None => check.finish(),
            }),
        }
    }
}

impl Digests {
    /// The file's value for `kind`, when it was computed.
    pub(crate) fn value(&self, kind: ChecksumKind) -> Option<String> {
        match kind {
            ChecksumKind::Crc64 => Some(self.crc64.to_string()),
            ChecksumKind::Md5 => self.md5.clone(),
            ChecksumKind::Sha256 => Some(self.sha256.clone()),
        }
    }
}

/// The checksums a response's headers state for the whole file: `x-oss-hash-crc64ecma`, an
/// MD5 `ETag` (when `etag_is_md5` and it is 32 hex digits with no multipart `-N` suffix and the
/// object is not encrypted on the server) and, for a `200` (whole file), `Content-MD5`.
pub(crate) fn from_headers(
    headers: &HeaderMap,
    whole: bool,
    etag_is_md5: bool,
) -> Vec<ExpectedChecksum> {
    let mut found = Vec::new();
    if let Some(text) = header_text(headers, OSS_CRC64_HEADER)
        && let Some(value) = parse_crc64(text)
    {
        found.push(ExpectedChecksum::crc64(value, OSS_CRC64_HEADER));
    }
    if etag_is_md5
        && !SERVER_SIDE_ENCRYPTION_HEADERS
            .iter()
            .any(|name| headers.contains_key(*name))
        && let Some(etag) = header_text(headers, "etag")
        && let Some(md5) = md5_etag(etag)
    {
        found.push(md5);
    }
    if whole
        && let Some(text) = header_text(headers, "content-md5")
        && let Ok(bytes) = STANDARD.decode(text)
        && bytes.len() == 16
    {
        found.push(ExpectedChecksum {
            kind: ChecksumKind::Md5,
            value: hex(&bytes),
            source: "Content-MD5".to_owned(),
            advisory: false,
        });
    }
    found
}

/// The MD5 in an `ETag` such as `"5d41402abc4b2a76b9719d911017c592"` (quotes optional, not
/// weak, no `-N` multipart suffix).
fn md5_etag(etag: &str) -> Option<ExpectedChecksum> {
    let inner = etag.trim().trim_matches('"');
    if etag.trim().starts_with("W/") {
        return None;
    }
    ExpectedChecksum::md5_hex(inner, "ETag").ok()
}

/// A decimal `u64`, surrounding spaces allowed.
pub(crate) fn parse_crc64(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// At most 40 characters of `text`, for an error message.
fn shorten(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Compares a file's `digests` with every `expected` checksum: the checks that passed (the
/// size first, from `size_sources`, when there are any), and the notes of advisory
/// mismatches; an integrity error naming `shown` (the link without its query) at the first
/// real mismatch, or when the content check failed.
pub(super) fn verify(
    digests: &Digests,
    len: u64,
    size_sources: Vec<String>,
    expected: &[&ExpectedChecksum],
    shown: &str,
) -> Result<(Vec<Check>, Vec<String>), Error> {
    let mut checks = Vec::new();
    if !size_sources.is_empty() {
        checks.push(Check::new("size", len.to_string(), size_sources));
    }
    let mut notes = Vec::new();
    for kind in [ChecksumKind::Crc64, ChecksumKind::Md5, ChecksumKind::Sha256] {
        let Some(actual) = digests.value(kind) else {
            continue;
        };
        let mut sources = Vec::new();
        for want in expected.iter().filter(|c| c.kind == kind) {
            if want.value == actual {
                sources.push(want.source.clone());
            } else if want.advisory {
                notes.push(format!(
                    "{kind} mismatch (advisory): {} says {}, the file's is {actual}; the file \
                     was kept, as {} is not known to be an exact {kind} of the file",
                    want.source, want.value, want.source
                ));
            } else {
                return Err(Error::integrity(format!(
                    "{kind} mismatch for {shown}: the {len} bytes received have {kind} \
                     {actual}, but {} says {}",
                    want.source, want.value
                )));
            }
        }
        if !sources.is_empty() || kind == ChecksumKind::Sha256 {
            checks.push(Check::new(kind.name(), actual, sources));
        }
    }
    match &digests.content {
        Some(Ok(words)) => checks.push(Check::new("content", "ok", words.clone())),
        Some(Err(error)) => {
            return Err(Error::integrity(format!(
                "the contents of {shown} do not check out: {error}"
            )));
        }
        None => {}
    }
    Ok((checks, notes))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn crc64_is_crc64_xz() {
        // The CRC-64/XZ check value (reveng's catalogue), as OSS computes it.
        let mut hashers = Hashers::new(true);
        hashers.update(b"1234");
        hashers.update(b"56789");
        let digests = hashers.finish();
        assert_eq!(digests.crc64, 11_051_210_869_376_104_954);
        assert_eq!(
            digests.md5.as_deref(),
            Some("25f9e794323b453885f5181f1b624d0b")
        );
        assert_eq!(
            digests.sha256,
            "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"
        );
        assert_eq!(Hashers::new(false).finish().md5, None);
    }

    #[test]
    fn header_checksums() {
        let mut headers = HeaderMap::new();
        headers.insert(
            OSS_CRC64_HEADER,
            HeaderValue::from_static("11051210869376104954"),
        );
        headers.insert(
            "etag",
            HeaderValue::from_static("\"25F9E794323B453885F5181F1B624D0B\""),
        );
        headers.insert(
            "content-md5",
            HeaderValue::from_static("JfnnlDI7RTiF9RgfG2JNCw=="),
        );
        let found = from_headers(&headers, true, true);
        let sources: Vec<&str> = found.iter().map(|c| c.source.as_str()).collect();
        assert_eq!(sources, [OSS_CRC64_HEADER, "ETag", "Content-MD5"]);
        assert_eq!(found[1].value, "25f9e794323b453885f5181f1b624d0b");
        assert_eq!(found[2].value, found[1].value);
        // A 206 carries no Content-MD5 of the whole file; an ETag is an MD5 only when asked.
        assert_eq!(from_headers(&headers, false, false).len(), 1);
        // Multipart, weak, encrypted, malformed: no MD5.
        for etag in [
            "\"25f9e794323b453885f5181f1b624d0b-3\"",
            "W/\"25f9e794323b453885f5181f1b624d0b\"",
            "\"xyz\"",
        ] {
            headers.insert("etag", HeaderValue::from_static(etag));
            assert_eq!(from_headers(&headers, false, true).len(), 1, "{etag}");
        }
        headers.insert(
            "etag",
            HeaderValue::from_static("\"25f9e794323b453885f5181f1b624d0b\""),
        );
        headers.insert(
            "x-obs-server-side-encryption",
            HeaderValue::from_static("kms"),
        );
        assert_eq!(from_headers(&headers, false, true).len(), 1);
        headers.insert(OSS_CRC64_HEADER, HeaderValue::from_static("-1"));
        assert!(from_headers(&headers, false, true).is_empty());
    }

    #[test]
    fn expected_values_are_canonical() {
        assert!(ExpectedChecksum::crc64_text("18446744073709551616", "x").is_err());
        assert!(ExpectedChecksum::crc64_text("", "x").is_err());
        assert_eq!(
            ExpectedChecksum::crc64_text("18446744073709551615", "x")
                .unwrap()
                .value,
            "18446744073709551615"
        );
        assert!(ExpectedChecksum::sha256_hex("ab", "x").is_err());
        assert!(ExpectedChecksum::crc64(1, "x").with_advisory(true).advisory);
        let checks = [
            Check::new("size", "5", vec!["server".into(), "API".into()]),
            Check::new("sha256", "ab", vec![]),
        ];
        assert_eq!(
            checks_summary(&checks),
            "size (server, API), sha256 (computed)"
        );
    }
}
