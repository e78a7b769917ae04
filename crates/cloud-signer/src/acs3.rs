//! Alibaba Cloud signature V3, `ACS3-HMAC-SHA256` (headers, `Authorization`).
//!
//! The canonical request and the `Authorization` value are built exactly as the official SDK
//! does (`alibabacloud_openapi_util` / `alibabacloud_tea_openapi` `get_authorization`):
//!
//! ```text
//! CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexSHA256(body)
//! StringToSign     = "ACS3-HMAC-SHA256" \n HexSHA256(CanonicalRequest)
//! Signature        = Hex(HMAC-SHA256(secret, StringToSign))          (the raw secret, no '&')
//! Authorization    = ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<h1;h2;...>,Signature=<hex>
//! ```
//!
//! * CanonicalURI: the path as given (already encoded), `/` for RPC-style APIs (the default).
//! * CanonicalQuery: parameters sorted by name, `name=percent-encode(value)` joined by `&`; an
//!   empty value gives `name=`. Like the SDK, the *name* is not encoded (the V3 document says
//!   to encode it too; the two agree for every real parameter name, which is plain ASCII).
//! * CanonicalHeaders: `name:trimmed-value\n` for each signed header, sorted by lower-case
//!   name; the signed headers are `host`, `content-type` when present, and every `x-acs-*`
//!   header. Other headers (`user-agent`, `accept`, ...) are sent but not signed.
//!
//! [`sign`] adds `x-acs-date` (UTC `yyyy-MM-ddTHH:mm:ssZ`), `x-acs-signature-nonce`,
//! `x-acs-content-sha256` (hex SHA-256 of the body), and with a security token
//! `x-acs-accesskey-id` + `x-acs-security-token` (as the official SDK does), then
//! `Authorization`.
//!
//! # Example (the V3 document's "fixed parameter values" vector)
//!
//! ```
//! use cloud_signer::Credentials;
//! use cloud_signer::acs3::{self, Acs3Request};
//! use time::macros::datetime;
//!
//! let request = Acs3Request::new("POST", "ecs.cn-shanghai.aliyuncs.com")
//!     .with_action("RunInstances")
//!     .with_version("2014-05-26")
//!     .with_query_param("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd")
//!     .with_query_param("RegionId", "cn-shanghai");
//! let signed = acs3::sign(
//!     &request,
//!     &Credentials::new("YourAccessKeyId", "YourAccessKeySecret"),
//!     datetime!(2023-10-26 10:22:32 UTC),
//!     "3156853299f313e23d1673dc12e1703d",
//! );
//! assert_eq!(
//!     signed.string_to_sign().to_string(),
//!     "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
//! );
//! assert_eq!(
//!     signed.authorization(),
//!     "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
//!      SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
//!      Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
//! );
//! // Every header to put on the HTTP request (the HTTP library sends `host` itself):
//! let names: Vec<&str> = signed.headers().iter().map(|(n, _)| n.as_str()).collect();
//! assert_eq!(
//!     names,
//!     ["x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
//!      "x-acs-content-sha256", "Authorization"]
//! );
//! // POST https://ecs.cn-shanghai.aliyuncs.com/?<query string>
//! assert_eq!(
//!     signed.query_string(),
//!     "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
//! );
//! ```
//!
//! # Verifying a received request
//!
//! Rebuild an [`Acs3Request`] from what was received (every header, including `x-acs-date`
//! and `x-acs-signature-nonce`), take the signed-header list and the signature from the
//! `Authorization` header with [`parse_authorization`], and recompute with
//! [`compute_signature`]:
//!
//! ```
//! use cloud_signer::acs3::{self, Acs3Request};
//!
//! let authorization = "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
//!     SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
//!     Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0";
//! let received = Acs3Request::new("POST", "ecs.cn-shanghai.aliyuncs.com")
//!     .with_query_param("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd")
//!     .with_query_param("RegionId", "cn-shanghai")
//!     .with_header("x-acs-action", "RunInstances")
//!     .with_header("x-acs-version", "2014-05-26")
//!     .with_header("x-acs-date", "2023-10-26T10:22:32Z")
//!     .with_header("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d")
//!     .with_header(
//!         "x-acs-content-sha256",
//!         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
//!     )
//!     .with_header("user-agent", "not signed");
//!
//! let auth = acs3::parse_authorization(authorization).expect("an ACS3 header");
//! assert_eq!(auth.access_key_id(), "YourAccessKeyId");
//! let expected = acs3::compute_signature(&received, auth.signed_headers(), "YourAccessKeySecret");
//! assert!(expected.matches(auth.signature()));
//! ```
//!
//! Checking the date window, the nonce and that `x-acs-content-sha256` is among the signed
//! headers is the server's job.

use std::fmt;

use time::OffsetDateTime;

use crate::Credentials;
use crate::common::{
    RedactedPairs, authorization, finish_headers, lowercase, push_canonical_headers, set_header,
    sign_canonical_request, signature_type, signed_getters, signed_names, stage_type,
};
use crate::crypto;
use crate::encoding::{encode_pairs, percent_encode_into};

/// The algorithm name, first word of the `Authorization` header and of the string to sign.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The security-token header (sent and signed when the credentials have a token).
pub const SECURITY_TOKEN_HEADER: &str = "x-acs-security-token";

stage_type!(
    /// The canonical request: the text whose SHA-256 goes into the string to sign.
    CanonicalRequest
);

stage_type!(
    /// `ACS3-HMAC-SHA256\n<hex SHA-256 of the canonical request>`: the HMAC input.
    StringToSign
);

/// One request to sign (or, on a server, one received request to verify).
///
/// Header names are stored lower-cased and are unique: [`with_header`](Self::with_header)
/// replaces a header of the same name. Query parameter names are unique too.
#[derive(Clone, PartialEq, Eq)]
pub struct Acs3Request {
    method: String,
    canonical_uri: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Acs3Request {
    /// A request with HTTP method `method` (upper-cased) to `host` (the `host` header, e.g.
    /// `rds.aliyuncs.com`), canonical URI `/`, no query, no body.
    pub fn new(method: impl Into<String>, host: impl Into<String>) -> Self {
        Self {
            method: method.into().to_ascii_uppercase(),
            canonical_uri: "/".to_owned(),
            query: Vec::new(),
            headers: vec![("host".to_owned(), host.into())],
            body: Vec::new(),
        }
    }

    /// Sets the `x-acs-action` header (the API name, e.g. `DescribeBackups`).
    pub fn with_action(self, action: impl Into<String>) -> Self {
        self.with_header("x-acs-action", action)
    }

    /// Sets the `x-acs-version` header (the API version, e.g. `2014-08-15`).
    pub fn with_version(self, version: impl Into<String>) -> Self {
        self.with_header("x-acs-version", version)
    }

    /// Sets the canonical URI: the request path exactly as sent (already percent-encoded).
    /// RPC-style APIs use `/`, the default; an empty string also means `/`.
    pub fn with_canonical_uri(mut self, canonical_uri: impl Into<String>) -> Self {
        self.canonical_uri = canonical_uri.into();
        self
    }

    /// Sets a query parameter (not encoded), replacing one of the same name.
    pub fn with_query_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        match self.query.iter_mut().find(|(n, _)| *n == name) {
            Some(pair) => pair.1 = value,
            None => self.query.push((name, value)),
        }
        self
    }

    /// Sets a header, replacing one of the same name (names are lower-cased). `host`,
    /// `content-type` and `x-acs-*` headers are signed; any other is only sent.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        set_header(&mut self.headers, name.into().to_lowercase(), value.into());
        self
    }

    /// Sets the body (its SHA-256 is signed). Set the matching `content-type` header too.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The HTTP method (upper-case).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The canonical URI.
    pub fn canonical_uri(&self) -> &str {
        &self.canonical_uri
    }

    /// The query parameters, in insertion order.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The headers (lower-case names), `host` first.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// Redacts `x-acs-security-token` and shows the body's length only.
impl fmt::Debug for Acs3Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acs3Request")
            .field("method", &self.method)
            .field("canonical_uri", &self.canonical_uri)
            .field("query", &self.query)
            .field(
                "headers",
                &RedactedPairs {
                    pairs: &self.headers,
                    secret: &[SECURITY_TOKEN_HEADER],
                },
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Whether the SDK-compatible signer signs header `name` (lower-case).
fn is_signed(name: &str) -> bool {
    name == "host" || name == "content-type" || name.starts_with("x-acs-")
}

signature_type!(
    /// The stages of one signature computation.
    Acs3Signature {
        /// The canonical request.
        canonical_request: CanonicalRequest,
        /// The lower-case hex signature.
        signature,
        /// Whether `candidate` (e.g. from [`ParsedAuthorization::signature`]) equals this
        /// signature, compared in constant time.
        matches,
    }
);

/// Computes the stages for `request` (with headers `headers`), signing the headers named in
/// `signed` (lower-case, in that order) with payload hash `payload_hash`.
fn compute<S: AsRef<str>>(
    request: &Acs3Request,
    headers: &[(String, String)],
    signed: &[S],
    payload_hash: &str,
    secret: &str,
    sensitive: bool,
) -> Acs3Signature {
    let canonical_uri = if request.canonical_uri.is_empty() {
        "/"
    } else {
        request.canonical_uri.as_str()
    };

    let mut query: Vec<&(String, String)> = request.query.iter().collect();
    query.sort_by(|a, b| a.0.cmp(&b.0));

    let capacity = request.method.len()
        + canonical_uri.len()
        + query
            .iter()
            .map(|(k, v)| k.len() + 3 * v.len() + 2)
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
    canonical_request.push_str(canonical_uri);
    canonical_request.push('\n');
    for (i, (k, v)) in query.iter().enumerate() {
        if i > 0 {
            canonical_request.push('&');
        }
        canonical_request.push_str(k);
        canonical_request.push('=');
        percent_encode_into(&mut canonical_request, v);
    }
    canonical_request.push('\n');
    push_canonical_headers(&mut canonical_request, headers, signed, payload_hash);

    let (string_to_sign, signature) =
        sign_canonical_request(ALGORITHM, None, &canonical_request, secret);
    Acs3Signature {
        canonical_request: CanonicalRequest::new(canonical_request, sensitive),
        string_to_sign: StringToSign::new(string_to_sign, sensitive),
        signature,
    }
}

/// Recomputes the signature of a received request: `request` holds everything received
/// (headers including `x-acs-date` and `x-acs-signature-nonce`, and the body), and
/// `signed_headers` is the `SignedHeaders` list of its `Authorization` header (`a;b;c`; the
/// canonical headers follow its order). The payload hash is the SHA-256 of the received body,
/// so a body that does not match its `x-acs-content-sha256` fails verification.
///
/// A signed header that was not received counts as empty.
pub fn compute_signature(
    request: &Acs3Request,
    signed_headers: &str,
    secret: &str,
) -> Acs3Signature {
    let signed: Vec<String> = signed_headers
        .split(';')
        .filter(|name| !name.is_empty())
        .map(str::to_lowercase)
        .collect();
    let sensitive = signed.iter().any(|name| name == SECURITY_TOKEN_HEADER);
    compute(
        request,
        &request.headers,
        &signed,
        &crypto::sha256_hex(&request.body),
        secret,
        sensitive,
    )
}

/// Formats `date` as the `x-acs-date` header wants it: UTC, `yyyy-MM-ddTHH:mm:ssZ`.
pub fn format_date(date: OffsetDateTime) -> String {
    crate::timefmt::iso8601(date)
}

/// Signs `request`: adds `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256`, the
/// security-token headers when the credentials have a token, and `Authorization`.
///
/// `date` and `nonce` are inputs (this crate never reads the clock or a random source): use
/// the current time (the gateway accepts 15 minutes of skew) and a fresh unique nonce for
/// every attempt.
pub fn sign(
    request: &Acs3Request,
    credentials: &Credentials,
    date: OffsetDateTime,
    nonce: &str,
) -> SignedAcs3 {
    let payload_hash = crypto::sha256_hex(&request.body);
    // Only the headers change: copy them, not the whole request (body included).
    let mut headers = Vec::with_capacity(request.headers.len() + 6);
    headers.extend_from_slice(&request.headers);
    let mut add = |name: &str, value: String| set_header(&mut headers, name.to_owned(), value);
    add("x-acs-date", format_date(date));
    add("x-acs-signature-nonce", nonce.to_owned());
    add("x-acs-content-sha256", payload_hash.clone());
    let token = credentials.security_token();
    if let Some(token) = token {
        add("x-acs-accesskey-id", credentials.access_key_id().to_owned());
        add(SECURITY_TOKEN_HEADER, token.to_owned());
    }

    let signed = signed_names(
        headers
            .iter()
            .map(|(name, _)| lowercase(name))
            .filter(|name| is_signed(name)),
    );
    let signature = compute(
        request,
        &headers,
        &signed,
        &payload_hash,
        credentials.secret(),
        token.is_some(),
    );

    let signed_headers = signed.join(";");
    let authorization = authorization(
        ALGORITHM,
        "Credential",
        ",",
        credentials.access_key_id(),
        &signed_headers,
        &signature.signature,
    );
    headers.retain(|(name, _)| name != "host");
    finish_headers(&mut headers, &authorization);
    let mut query = request.query.clone();
    query.sort_by(|a, b| a.0.cmp(&b.0));
    SignedAcs3 {
        signature,
        authorization,
        signed_headers,
        headers,
        query,
    }
}

/// A signed V3 request: the stages, the `Authorization` value, and every header to send.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedAcs3 {
    signature: Acs3Signature,
    authorization: String,
    signed_headers: String,
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
}

impl SignedAcs3 {
    signed_getters!(Acs3Signature);

    /// Every header the HTTP request must carry, as `(name, value)` with trimmed values (as
    /// signed): the request's own headers, then the added `x-acs-*` headers, then
    /// `Authorization`. `host` is signed but
    /// left out: the HTTP library sends it from the URL (make sure the URL's host is the
    /// signed one).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The query parameters, sorted, as an RFC 3986 encoded `name=value&...` string to append
    /// after `?` (names are encoded here too, as the URL needs).
    pub fn query_string(&self) -> String {
        encode_pairs(self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// Redacts `x-acs-security-token`.
impl fmt::Debug for SignedAcs3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedAcs3")
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
            .field("query", &self.query)
            .finish()
    }
}

pub use crate::common::ParsedAuthorization;

/// Parses `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` (fields in any
/// order, spaces around them allowed); `None` if the scheme differs or a field is missing.
pub fn parse_authorization(header: &str) -> Option<ParsedAuthorization> {
    crate::common::parse_authorization(header, ALGORITHM, "Credential")
}
