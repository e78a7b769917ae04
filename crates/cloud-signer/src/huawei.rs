//! Huawei Cloud `SDK-HMAC-SHA256` (the APIG signature of the official SDKs).
//!
//! Mirrors `huaweicloudsdkcore` `Signer.sign` with `BasicCredentials.sign_request`:
//!
//! 1. With a project id, header `X-Project-Id` is added; with a security token,
//!    `X-Security-Token`. Both are signed.
//! 2. If `Content-Type` is present, non-empty, and starts with neither `application/json` nor
//!    `application/bson` (case-sensitive), `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` is added.
//! 3. `X-Sdk-Date` (UTC, `yyyyMMddTHHmmssZ`) is set, and `Host` is signed.
//! 4. Signed headers: the lower-cased names of all headers whose name has no `_`, sorted.
//! 5. Canonical request, `\n`-separated: method; canonical URI (the path percent-decoded,
//!    split on `/`, each segment [percent-encoded](crate::encoding::percent_encode), rejoined,
//!    with a trailing `/` added); canonical query (pairs sorted by name then value, both
//!    encoded, repeated names allowed); `name:trimmed-value\n` per signed header; the signed
//!    header list; the payload hash: the SHA-256 of an empty body, else the
//!    `X-Sdk-Content-Sha256` value if present, else the hex SHA-256 of the body.
//! 6. String to sign: `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex SHA-256 of canonical request>`.
//! 7. Signature: hex HMAC-SHA256 with the secret as key;
//!    `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<list>, Signature=<hex>`.
//!
//! The request is then sent to `path?<canonical query>`: the path as given (no trailing slash
//! added) and the query exactly as canonicalized ([`SignedHuawei::request_uri`]).
//!
//! # Example (Huawei RDS `ListBackups`)
//!
//! ```
//! use cloud_signer::Credentials;
//! use cloud_signer::huawei::{self, HuaweiRequest};
//! use time::macros::datetime;
//!
//! let pid = "0483b6b16e954cb88930a360d2c4e663";
//! let request = HuaweiRequest::new("GET", "rds.cn-north-4.myhuaweicloud.com", format!("/v3/{pid}/backups"))
//!     .with_query_param("instance_id", "43e4feaab48f11e89039fa163ebaa7e4br01")
//!     .with_query_param("limit", "10")
//!     .with_query_param("offset", "0")
//!     .with_project_id(pid);
//! let signed = huawei::sign(
//!     &request,
//!     &Credentials::new("AKTESTAKTEST", "SKTESTSKTEST"),
//!     datetime!(2024-01-01 00:00:00 UTC),
//! );
//! assert_eq!(
//!     signed.authorization(),
//!     "SDK-HMAC-SHA256 Access=AKTESTAKTEST, SignedHeaders=host;x-project-id;x-sdk-date, \
//!      Signature=5bfd68ac78d1fc80ff533ef336172293b1aeb1c1bb1dfe90b8d07aaa6f21663a"
//! );
//! assert_eq!(
//!     signed.request_uri(),
//!     format!("/v3/{pid}/backups?instance_id=43e4feaab48f11e89039fa163ebaa7e4br01&limit=10&offset=0")
//! );
//! // Every header to put on the HTTP request (the HTTP library sends `Host` itself):
//! let names: Vec<&str> = signed.headers().iter().map(|(n, _)| n.as_str()).collect();
//! assert_eq!(names, ["X-Project-Id", "X-Sdk-Date", "Authorization"]);
//! ```
//!
//! # Verifying a received request
//!
//! Rebuild a [`HuaweiRequest`] from what was received (the `Host` header as the host, every
//! other header including `X-Sdk-Date`, the query and the body), take the signed-header list
//! and the signature from `Authorization` with [`parse_authorization`], and recompute with
//! [`compute_signature`]:
//!
//! ```
//! use cloud_signer::huawei::{self, HuaweiRequest};
//!
//! // huaweicloudsdkcore's unit test `test_signer1`.
//! let authorization = "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, \
//!     Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842";
//! let received = HuaweiRequest::new("GET", "service.endpoint.myhuaweicloud.com", "/resources")
//!     .with_query_param("size", "1")
//!     .with_header("X-Sdk-Date", "20200608T023900Z")
//!     .with_header("TEST_UNDERSCORE", "TEST_VALUE");
//! let auth = huawei::parse_authorization(authorization).expect("an SDK-HMAC-SHA256 header");
//! assert_eq!(auth.access_key_id(), "AccessKey");
//! let expected = huawei::compute_signature(&received, auth.signed_headers(), "SecretKey");
//! assert!(expected.matches(auth.signature()));
//! ```
//!
//! Checking the date window and which headers must be signed is the server's job.

use std::fmt;

use time::OffsetDateTime;

use crate::Credentials;
use crate::common::{
    RedactedPairs, authorization, finish_headers, get_header, lowercase, push_canonical_headers,
    set_header, sign_canonical_request, signature_type, signed_getters, signed_names, stage_type,
};
use crate::crypto;
use crate::encoding::{encode_pairs_into, percent_decode_lossy, percent_encode_into, py_strip};

/// The algorithm name, first word of the `Authorization` header and of the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The payload hash used (and sent in [`CONTENT_SHA256_HEADER`]) for a non-JSON body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The date header.
pub const DATE_HEADER: &str = "X-Sdk-Date";

/// The payload-hash header ([`UNSIGNED_PAYLOAD`] rule).
pub const CONTENT_SHA256_HEADER: &str = "X-Sdk-Content-Sha256";

/// The project-id header.
pub const PROJECT_ID_HEADER: &str = "X-Project-Id";

/// The security-token header (temporary credentials).
pub const SECURITY_TOKEN_HEADER: &str = "X-Security-Token";

/// Hex SHA-256 of the empty string: the payload hash of an empty body.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

stage_type!(
    /// The canonical request: the text whose SHA-256 goes into the string to sign.
    CanonicalRequest
);

stage_type!(
    /// `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex SHA-256 of the canonical request>`: the HMAC input.
    StringToSign
);

/// One request to sign (or, on a server, one received request to verify).
///
/// Header names are compared ignoring case and are unique: [`with_header`](Self::with_header)
/// replaces a header of the same name. Query parameters may repeat.
#[derive(Clone, PartialEq, Eq)]
pub struct HuaweiRequest {
    method: String,
    host: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    project_id: Option<String>,
}

impl HuaweiRequest {
    /// A request with HTTP method `method` (upper-cased), the exact `Host` header value
    /// `host` (with the port if the URL has one), and `path` as sent (e.g.
    /// `/v3/{project_id}/backups`, percent-encoded where needed, without the query).
    pub fn new(
        method: impl Into<String>,
        host: impl Into<String>,
        path: impl Into<String>,
    ) -> Self {
        Self {
            method: method.into().to_ascii_uppercase(),
            host: host.into(),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
            project_id: None,
        }
    }

    /// Adds a query parameter (not encoded). Names may repeat (`a=1&a=2`).
    pub fn with_query_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets a header, replacing one whose name is the same ignoring case. A `Host` header
    /// sets the host instead. Headers whose name contains `_` are sent but not signed.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        if name.eq_ignore_ascii_case("host") {
            self.host = value;
        } else {
            set_header(&mut self.headers, name, value);
        }
        self
    }

    /// Sets the body (its SHA-256 is signed, unless the `UNSIGNED-PAYLOAD` rule applies).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the project id, sent and signed as `X-Project-Id` (an empty id means none, as in
    /// the SDK). It is not substituted into the path: pass the final path.
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        let project_id = project_id.into();
        self.project_id = if project_id.is_empty() {
            None
        } else {
            Some(project_id)
        };
        self
    }

    /// The HTTP method (upper-case).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The `Host` header value.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The path, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters, in insertion order.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The headers, in insertion order (without `Host`).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The project id, if any.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }
}

/// Redacts `X-Security-Token` and shows the body's length only.
impl fmt::Debug for HuaweiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiRequest")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query", &self.query)
            .field(
                "headers",
                &RedactedPairs {
                    pairs: &self.headers,
                    secret: &[SECURITY_TOKEN_HEADER],
                },
            )
            .field("body_len", &self.body.len())
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// The canonical URI: `unquote(path)`, split on `/`, each segment encoded, rejoined, and a
/// trailing `/` added if missing (an empty path gives `/`); appended to `out`.
fn push_canonical_uri(out: &mut String, path: &str) {
    let start = out.len();
    let decoded = percent_decode_lossy(path);
    for (i, segment) in decoded.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        percent_encode_into(out, segment);
    }
    if !out[start..].ends_with('/') {
        out.push('/');
    }
}

/// The canonical URI as a new string.
#[cfg(test)]
fn canonical_uri(path: &str) -> String {
    let mut out = String::new();
    push_canonical_uri(&mut out, path);
    out
}

/// The query pairs sorted by name then value.
fn sorted_query(query: &[(String, String)]) -> Vec<&(String, String)> {
    let mut sorted: Vec<&(String, String)> = query.iter().collect();
    sorted.sort();
    sorted
}

/// The canonical query: pairs sorted by name then value, both encoded, joined by `&`;
/// appended to `out`.
fn push_canonical_query(out: &mut String, query: &[(String, String)]) {
    encode_pairs_into(
        out,
        sorted_query(query)
            .into_iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
}

/// The canonical query as a new string.
fn canonical_query(query: &[(String, String)]) -> String {
    let mut out = String::new();
    push_canonical_query(&mut out, query);
    out
}

signature_type!(
    /// The stages of one signature computation.
    HuaweiSignature {
        /// The canonical request.
        canonical_request: CanonicalRequest,
        /// The lower-case hex signature.
        signature,
        /// Whether `candidate` (e.g. from [`ParsedAuthorization::signature`]) equals this
        /// signature, compared in constant time.
        matches,
    }
);

/// Computes the stages for `request`, whose `headers` must already hold every header
/// (`Host` included, `X-Sdk-Date` set), signing the lower-case names in `signed` in order.
fn compute<S: AsRef<str>>(
    request: &HuaweiRequest,
    headers: &[(String, String)],
    signed: &[S],
    secret: &str,
    sensitive: bool,
) -> HuaweiSignature {
    let computed_hash;
    let payload_hash = if request.body.is_empty() {
        EMPTY_SHA256
    } else {
        match get_header(headers, CONTENT_SHA256_HEADER).map(py_strip) {
            Some(value) if !value.is_empty() => value,
            _ => {
                computed_hash = crypto::sha256_hex(&request.body);
                computed_hash.as_str()
            }
        }
    };

    let capacity = request.method.len()
        + 3 * request.path.len()
        + request
            .query
            .iter()
            .map(|(k, v)| 3 * (k.len() + v.len()) + 2)
            .sum::<usize>()
        + headers
            .iter()
            .map(|(k, v)| 2 * k.len() + v.len() + 3)
            .sum::<usize>()
        + payload_hash.len()
        + 8;
    let mut canonical_request = String::with_capacity(capacity);
    canonical_request.push_str(&request.method);
    canonical_request.make_ascii_uppercase();
    canonical_request.push('\n');
    push_canonical_uri(&mut canonical_request, &request.path);
    canonical_request.push('\n');
    push_canonical_query(&mut canonical_request, &request.query);
    canonical_request.push('\n');
    push_canonical_headers(&mut canonical_request, headers, signed, payload_hash);

    let date = get_header(headers, DATE_HEADER)
        .map(py_strip)
        .unwrap_or_default();
    let (string_to_sign, signature) =
        sign_canonical_request(ALGORITHM, Some(date), &canonical_request, secret);
    HuaweiSignature {
        canonical_request: CanonicalRequest::new(canonical_request, sensitive),
        string_to_sign: StringToSign::new(string_to_sign, sensitive),
        signature,
    }
}

/// `request`'s headers plus `X-Project-Id` (when a project id is set) and `Host`.
fn headers_with_host(request: &HuaweiRequest) -> Vec<(String, String)> {
    let mut headers = request.headers.clone();
    if let Some(project_id) = &request.project_id {
        set_header(
            &mut headers,
            PROJECT_ID_HEADER.to_owned(),
            project_id.clone(),
        );
    }
    headers.push(("Host".to_owned(), request.host.clone()));
    headers
}

/// Recomputes the signature of a received request: `request` holds everything received (the
/// `Host` header as the host, every other header including `X-Sdk-Date`, the query and the
/// body), and `signed_headers` is the `SignedHeaders` list of its `Authorization` header
/// (`a;b;c`; the canonical headers follow its order). The payload hash follows the same rule as
/// signing: empty body, else `X-Sdk-Content-Sha256` if received, else SHA-256 of the body.
///
/// A signed header that was not received counts as empty.
pub fn compute_signature(
    request: &HuaweiRequest,
    signed_headers: &str,
    secret: &str,
) -> HuaweiSignature {
    let headers = headers_with_host(request);
    let signed: Vec<String> = signed_headers
        .split(';')
        .filter(|name| !name.is_empty())
        .map(str::to_lowercase)
        .collect();
    let sensitive = signed
        .iter()
        .any(|name| name.eq_ignore_ascii_case(SECURITY_TOKEN_HEADER));
    compute(request, &headers, &signed, secret, sensitive)
}

/// Formats `date` as the `X-Sdk-Date` header wants it: UTC, `yyyyMMddTHHmmssZ`.
pub fn format_date(date: OffsetDateTime) -> String {
    crate::timefmt::basic(date)
}

/// Signs `request`: adds `X-Project-Id` (with a project id), `X-Security-Token` (with a
/// token), `X-Sdk-Content-Sha256` (non-JSON content type), `X-Sdk-Date` and `Authorization`.
///
/// `date` is an input (this crate never reads the clock): use the current time for every
/// attempt.
pub fn sign(
    request: &HuaweiRequest,
    credentials: &Credentials,
    date: OffsetDateTime,
) -> SignedHuawei {
    // Only the headers change: copy them, not the whole request (body included).
    let mut headers = Vec::with_capacity(request.headers.len() + 6);
    headers.extend_from_slice(&request.headers);
    let token = credentials.security_token();
    if let Some(project_id) = &request.project_id {
        set_header(
            &mut headers,
            PROJECT_ID_HEADER.to_owned(),
            project_id.clone(),
        );
    }
    if let Some(token) = token {
        set_header(
            &mut headers,
            SECURITY_TOKEN_HEADER.to_owned(),
            token.to_owned(),
        );
    }
    let unsigned_payload = get_header(&headers, "Content-Type").is_some_and(|ct| {
        !ct.is_empty() && !ct.starts_with("application/json") && !ct.starts_with("application/bson")
    });
    if unsigned_payload {
        set_header(
            &mut headers,
            CONTENT_SHA256_HEADER.to_owned(),
            UNSIGNED_PAYLOAD.to_owned(),
        );
    }
    set_header(&mut headers, DATE_HEADER.to_owned(), format_date(date));

    // What `headers_with_host` gives: the project id is already set, so only `Host` is added
    // (at the end); it is taken off again before the headers are returned.
    headers.push(("Host".to_owned(), request.host.clone()));
    let signed = signed_names(
        headers
            .iter()
            .filter(|(name, _)| !name.contains('_'))
            .map(|(name, _)| lowercase(name)),
    );
    let signature = compute(
        request,
        &headers,
        &signed,
        credentials.secret(),
        token.is_some(),
    );

    let signed_headers = signed.join(";");
    let authorization = authorization(
        ALGORITHM,
        "Access",
        ", ",
        credentials.access_key_id(),
        &signed_headers,
        &signature.signature,
    );
    // `Host` was added last, for signing only.
    headers.pop();
    finish_headers(&mut headers, &authorization);
    SignedHuawei {
        signature,
        authorization,
        signed_headers,
        headers,
        path: request.path.clone(),
        query_string: canonical_query(&request.query),
    }
}

/// A signed Huawei request: the stages, the `Authorization` value, every header to send and
/// the URI to send it to.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedHuawei {
    signature: HuaweiSignature,
    authorization: String,
    signed_headers: String,
    headers: Vec<(String, String)>,
    path: String,
    query_string: String,
}

impl SignedHuawei {
    signed_getters!(HuaweiSignature);

    /// Every header the HTTP request must carry, as `(name, value)` with trimmed values: the
    /// request's own headers, then the added ones (`X-Project-Id`, `X-Security-Token`,
    /// `X-Sdk-Content-Sha256`, `X-Sdk-Date`), then `Authorization`. `Host` is signed but left
    /// out: the HTTP library sends it from the URL (make sure it is the signed value, port
    /// included).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The query string to send: the canonical query (sorted, RFC 3986 encoded), as the
    /// official SDK sends it.
    pub fn query_string(&self) -> &str {
        &self.query_string
    }

    /// The request target: the path as given, then `?` and the query string when there is
    /// one (what the SDK sends).
    pub fn request_uri(&self) -> String {
        if self.query_string.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query_string)
        }
    }
}

/// Redacts `X-Security-Token`.
impl fmt::Debug for SignedHuawei {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedHuawei")
            .field("canonical_request", &self.signature.canonical_request)
            .field("string_to_sign", &self.signature.string_to_sign)
            .field("signature", &self.signature.signature)
            .field("authorization", &self.authorization)
            .field(
                "headers",
                &RedactedPairs {
                    pairs: &self.headers,
                    secret: &[SECURITY_TOKEN_HEADER],
                },
            )
            .field("path", &self.path)
            .field("query_string", &self.query_string)
            .finish()
    }
}

pub use crate::common::ParsedAuthorization;

/// Parses `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..` (fields in any order);
/// `None` if the scheme differs or a field is missing.
pub fn parse_authorization(header: &str) -> Option<ParsedAuthorization> {
    crate::common::parse_authorization(header, ALGORITHM, "Access")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uri_cases() {
        assert_eq!(canonical_uri("/v3/p/backups"), "/v3/p/backups/");
        assert_eq!(canonical_uri("/v3/p/backups/"), "/v3/p/backups/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a%2Fb"), "/a/b/");
        assert_eq!(canonical_uri("/a b/中~"), "/a%20b/%E4%B8%AD~/");
        assert_eq!(canonical_uri("/%zz"), "/%25zz/");
    }

    #[test]
    fn canonical_query_sorts_by_name_then_value() {
        let q = [("multi", "2"), ("b", ""), ("multi", "1"), ("a", "x y")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(canonical_query(&q), "a=x%20y&b=&multi=1&multi=2");
    }
}
