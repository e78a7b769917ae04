//! RPC-style HMAC-SHA1 query-string signing: Capital Online and Alibaba Cloud (signature V2).
//!
//! Both providers sign the same way and differ only in the HMAC key ([`RpcFlavor`]):
//!
//! 1. Take every parameter that is sent in the query (and, for a form-encoded POST, in the
//!    body), except `Signature`. Besides the caller's parameters (`Action`, `Version`, `Format`,
//!    `RegionId`, the action's own parameters), [`sign`] adds the common ones: `AccessKeyId`,
//!    `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`, `SignatureNonce`, `Timestamp`
//!    (UTC, `yyyy-MM-ddTHH:mm:ssZ`) and, for Alibaba Cloud with a security token, `SecurityToken`.
//! 2. Sort them by name (byte order), [percent-encode](crate::encoding::percent_encode) name and
//!    value, join `name=value` with `&`: the [`CanonicalQuery`].
//! 3. [`StringToSign`] = `METHOD&%2F&` + percent-encode(canonical query).
//! 4. Signature = Base64(HMAC-SHA1(key, string to sign)); the key is the secret for Capital
//!    Online and the secret followed by `&` for Alibaba Cloud.
//! 5. `Signature` is sent as one more query parameter.
//!
//! # Example (Alibaba Cloud, the ECS documentation's vector)
//!
//! ```
//! use cloud_signer::Credentials;
//! use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
//! use time::macros::datetime;
//!
//! let request = RpcRequest::new("GET")
//!     .with_param("Action", "DescribeRegions")
//!     .with_param("Version", "2014-05-26")
//!     .with_param("Format", "XML");
//! let signed = rpc::sign(
//!     RpcFlavor::Aliyun,
//!     &request,
//!     &Credentials::new("testid", "testsecret"),
//!     datetime!(2016-02-23 12:46:24 UTC),
//!     "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
//! );
//! assert_eq!(
//!     signed.string_to_sign().to_string(),
//!     "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML\
//!      %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\
//!      %26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
//! );
//! assert_eq!(signed.signature(), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
//! assert!(signed.query_string().ends_with("&Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D"));
//! ```
//!
//! # Example (Capital Online)
//!
//! ```
//! use cloud_signer::Credentials;
//! use cloud_signer::rpc::{self, CAPITAL_ONLINE_VERSION, RpcFlavor, RpcRequest};
//! use time::macros::datetime;
//!
//! let request = RpcRequest::new("GET")
//!     .with_param("Action", "DescribeBackups")
//!     .with_param("Version", CAPITAL_ONLINE_VERSION)
//!     .with_param("InstanceUuid", "0f3c5b4e-1234-4abc-9def-0123456789ab");
//! let signed = rpc::sign(
//!     RpcFlavor::CapitalOnline,
//!     &request,
//!     &Credentials::new("testid", "testsecret"),
//!     datetime!(2024-01-01 00:00:00 UTC),
//!     "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
//! );
//! assert_eq!(signed.signature(), "fuxD/kAbRWnP9RcXAQntDAveVr8=");
//! // Append to the endpoint: https://cdsapi.capitalonline.net/mysql/?<query string>
//! assert!(signed.query_string().starts_with("AccessKeyId=testid&Action=DescribeBackups&"));
//! ```
//!
//! # Verifying a received request
//!
//! A server that received every parameter can recompute the signature with
//! [`compute_signature`] (it ignores `Signature` itself) and compare it in constant time with
//! [`RpcSignature::matches`]:
//!
//! ```
//! use cloud_signer::rpc::{self, RpcFlavor};
//!
//! // The official alibabacloud-openapi-util unit test.
//! let received = [("query", "test"), ("body", "test"), ("Signature", "XlUyV4sXjOuX5FnjUz9IF9tm5rU=")];
//! let expected = rpc::compute_signature(RpcFlavor::Aliyun, "GET", received, "secret");
//! assert!(expected.matches("XlUyV4sXjOuX5FnjUz9IF9tm5rU="));
//! ```
//!
//! Checking the timestamp window and that a nonce is not replayed is the server's job.

use std::fmt;

use time::OffsetDateTime;

use crate::Credentials;
use crate::common::{RedactedPairs, signature_type, stage_type};
use crate::crypto;
use crate::encoding::{encode_pairs, encode_pairs_into, percent_encode_into};

/// The `Version` Capital Online's APIs (MySQL included) expect: `2019-08-08`. The caller
/// passes it like any other parameter.
pub const CAPITAL_ONLINE_VERSION: &str = "2019-08-08";

/// The `SignatureMethod` parameter's value.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";

/// The `SignatureVersion` parameter's value.
pub const SIGNATURE_VERSION: &str = "1.0";

/// The name of the parameter that carries the signature (never part of what is signed).
pub const SIGNATURE_PARAM: &str = "Signature";

/// The name of the parameter that carries an Alibaba Cloud security token.
pub const SECURITY_TOKEN_PARAM: &str = "SecurityToken";

/// Which provider's variant of the RPC signature to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RpcFlavor {
    /// Capital Online (首云): the HMAC key is the secret itself. Capital Online documents no
    /// security tokens, so a token in the credentials is ignored (not sent, not signed).
    CapitalOnline,
    /// Alibaba Cloud signature V2: the HMAC key is the secret followed by `&`; a security
    /// token is sent and signed as the `SecurityToken` parameter.
    Aliyun,
}

impl RpcFlavor {
    /// The HMAC-SHA1 key for `secret`.
    fn key(self, secret: &str) -> Vec<u8> {
        let mut key = secret.as_bytes().to_vec();
        if self == RpcFlavor::Aliyun {
            key.push(b'&');
        }
        key
    }
}

stage_type!(
    /// Step 2: the sorted, percent-encoded `name=value&...` parameter string.
    CanonicalQuery
);

stage_type!(
    /// Step 3: `METHOD&%2F&` followed by the percent-encoded canonical query; the HMAC input.
    StringToSign
);

/// The parameters of one RPC call, before signing.
///
/// Names are unique: [`with_param`](Self::with_param) replaces an earlier value of the same
/// name, as the official SDKs' dictionaries do. The signer's own parameters (`AccessKeyId`,
/// `SignatureMethod`, `SignatureVersion`, `SignatureNonce`, `Timestamp`, `SecurityToken`)
/// replace any the caller set, and a caller's `Signature` is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct RpcRequest {
    method: String,
    params: Vec<(String, String)>,
    form_params: Vec<(String, String)>,
}

impl RpcRequest {
    /// A request with HTTP method `method` (`GET` or `POST`; upper-cased) and no parameters.
    pub fn new(method: impl Into<String>) -> Self {
        Self {
            method: method.into().to_ascii_uppercase(),
            params: Vec::new(),
            form_params: Vec::new(),
        }
    }

    /// Sets a query parameter (signed and sent in the URL), replacing one of the same name.
    ///
    /// The caller supplies `Action`, `Version` (for Capital Online,
    /// [`CAPITAL_ONLINE_VERSION`]), `Format` where the provider wants it, and the action's
    /// parameters.
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        set(&mut self.params, name.into(), value.into());
        self
    }

    /// Sets a parameter sent in an `application/x-www-form-urlencoded` POST body, replacing
    /// one of the same name. Alibaba Cloud signs body parameters together with the query ones
    /// (a body parameter wins over a query parameter of the same name).
    ///
    /// Capital Online sends a POST's business parameters as a JSON body that is *not* signed:
    /// for it, leave them out of the request entirely.
    pub fn with_form_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        set(&mut self.form_params, name.into(), value.into());
        self
    }

    /// The HTTP method (upper-case).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The caller's query parameters, in insertion order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The caller's form-body parameters, in insertion order.
    pub fn form_params(&self) -> &[(String, String)] {
        &self.form_params
    }
}

/// Redacts a `SecurityToken` parameter.
impl fmt::Debug for RpcRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |pairs| RedactedPairs {
            pairs,
            secret: &[SECURITY_TOKEN_PARAM],
        };
        f.debug_struct("RpcRequest")
            .field("method", &self.method)
            .field("params", &redacted(&self.params))
            .field("form_params", &redacted(&self.form_params))
            .finish()
    }
}

/// Sets `name` to `value` in `pairs`, replacing (in place) a pair of the same name.
fn set(pairs: &mut Vec<(String, String)>, name: String, value: String) {
    match pairs.iter_mut().find(|(n, _)| *n == name) {
        Some(pair) => pair.1 = value,
        None => pairs.push((name, value)),
    }
}

signature_type!(
    /// The three stages of one signature computation.
    RpcSignature {
        /// The canonical query string (step 2).
        canonical_query: CanonicalQuery,
        /// The Base64 signature (step 4), as it goes into the `Signature` parameter before
        /// percent-encoding.
        signature,
        /// Whether `candidate` (a received, already percent-decoded `Signature`) equals this
        /// signature, compared in constant time.
        matches,
    }
);

/// Computes the signature of a set of parameters exactly as received: `params` are all the
/// parameters of the request (query and form body, percent-decoded), including `AccessKeyId`,
/// `Timestamp`, `SignatureNonce` and the like. A `Signature` parameter is ignored, so the whole
/// received set can be passed as it is. Names are sorted by byte order; repeated names keep
/// their relative order.
///
/// This is the building block of [`sign`], for a server that verifies incoming requests.
pub fn compute_signature<I>(
    flavor: RpcFlavor,
    method: &str,
    params: I,
    secret: &str,
) -> RpcSignature
where
    I: IntoIterator,
    I::Item: Param,
{
    let params: Vec<I::Item> = params.into_iter().collect();
    compute(
        flavor,
        method,
        params.iter().map(|p| (p.name(), p.value())).collect(),
        secret,
    )
}

/// [`compute_signature`] on borrowed `(name, value)` pairs (in received order).
fn compute(
    flavor: RpcFlavor,
    method: &str,
    mut sorted: Vec<(&str, &str)>,
    secret: &str,
) -> RpcSignature {
    sorted.retain(|(k, _)| *k != SIGNATURE_PARAM);
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let sensitive = sorted.iter().any(|(k, _)| *k == SECURITY_TOKEN_PARAM);

    let mut canonical_query = String::with_capacity(
        sorted
            .iter()
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum::<usize>()
            * 5
            / 4,
    );
    encode_pairs_into(&mut canonical_query, sorted);
    let mut string_to_sign =
        String::with_capacity(method.len() + 5 + canonical_query.len() * 3 / 2);
    string_to_sign.push_str(method);
    string_to_sign.make_ascii_uppercase();
    string_to_sign.push('&');
    percent_encode_into(&mut string_to_sign, "/");
    string_to_sign.push('&');
    percent_encode_into(&mut string_to_sign, &canonical_query);
    let signature = crypto::hmac_sha1_base64(&flavor.key(secret), string_to_sign.as_bytes());
    RpcSignature {
        canonical_query: CanonicalQuery::new(canonical_query, sensitive),
        string_to_sign: StringToSign::new(string_to_sign, sensitive),
        signature,
    }
}

/// A `(name, value)` parameter, as [`compute_signature`] takes them: implemented for tuples of
/// string-likes (`(&str, &str)`, `(String, String)`, ...) and references to them, so a
/// `&Vec<(String, String)>` can be passed as it is.
pub trait Param {
    /// The parameter's name.
    fn name(&self) -> &str;
    /// The parameter's value.
    fn value(&self) -> &str;
}

impl<K: AsRef<str>, V: AsRef<str>> Param for (K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }

    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

impl<T: Param + ?Sized> Param for &T {
    fn name(&self) -> &str {
        (**self).name()
    }

    fn value(&self) -> &str {
        (**self).value()
    }
}

/// Formats `timestamp` as the `Timestamp` parameter wants it: UTC, `yyyy-MM-ddTHH:mm:ssZ`
/// (sub-seconds dropped).
///
/// ```
/// use time::macros::datetime;
/// assert_eq!(
///     cloud_signer::rpc::format_timestamp(datetime!(2024-01-01 08:00:00.5 +08:00)),
///     "2024-01-01T00:00:00Z"
/// );
/// ```
pub fn format_timestamp(timestamp: OffsetDateTime) -> String {
    crate::timefmt::iso8601(timestamp)
}

/// Signs `request`: adds the common parameters, computes the signature, and returns
/// everything to send.
///
/// `timestamp` and `nonce` are inputs (this crate never reads the clock or a random source):
/// use the current time and a fresh unique nonce (e.g. a UUID) for every attempt, since the
/// gateways reject a replayed nonce.
pub fn sign(
    flavor: RpcFlavor,
    request: &RpcRequest,
    credentials: &Credentials,
    timestamp: OffsetDateTime,
    nonce: &str,
) -> SignedRpc {
    let mut params = Vec::with_capacity(request.params.len() + 7);
    params.extend(
        request
            .params
            .iter()
            .filter(|(name, _)| name != SIGNATURE_PARAM)
            .cloned(),
    );
    let common = [
        ("AccessKeyId", credentials.access_key_id()),
        ("SignatureMethod", SIGNATURE_METHOD),
        ("SignatureVersion", SIGNATURE_VERSION),
        ("SignatureNonce", nonce),
    ];
    for (name, value) in common {
        set(&mut params, name.to_owned(), value.to_owned());
    }
    set(
        &mut params,
        "Timestamp".to_owned(),
        format_timestamp(timestamp),
    );
    if let (RpcFlavor::Aliyun, Some(token)) = (flavor, credentials.security_token()) {
        set(
            &mut params,
            SECURITY_TOKEN_PARAM.to_owned(),
            token.to_owned(),
        );
    }
    params.sort_by(|a, b| a.0.cmp(&b.0));

    let mut form_params = request.form_params.clone();
    form_params.retain(|(name, _)| name != SIGNATURE_PARAM);
    // The signed set: the query parameters with the form ones set over them (borrowed).
    let mut signed: Vec<(&str, &str)> = Vec::with_capacity(params.len() + form_params.len());
    signed.extend(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    for (name, value) in &form_params {
        match signed.iter_mut().find(|(n, _)| *n == name) {
            Some(pair) => pair.1 = value,
            None => signed.push((name, value)),
        }
    }

    let signature = compute(flavor, &request.method, signed, credentials.secret());
    params.push((SIGNATURE_PARAM.to_owned(), signature.signature.clone()));
    SignedRpc {
        signature,
        params,
        form_params,
    }
}

/// A signed RPC request: the stages, and every parameter to send.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedRpc {
    signature: RpcSignature,
    params: Vec<(String, String)>,
    form_params: Vec<(String, String)>,
}

impl SignedRpc {
    /// The canonical query string that was signed.
    pub fn canonical_query(&self) -> &CanonicalQuery {
        &self.signature.canonical_query
    }

    /// The string to sign.
    pub fn string_to_sign(&self) -> &StringToSign {
        &self.signature.string_to_sign
    }

    /// The Base64 signature (not yet percent-encoded).
    pub fn signature(&self) -> &str {
        &self.signature.signature
    }

    /// All three stages.
    pub fn stages(&self) -> &RpcSignature {
        &self.signature
    }

    /// Every query parameter to send, not encoded: the caller's, the common ones, and
    /// `Signature` last. Sorted by name (except `Signature`). Form-body parameters are in
    /// [`form_params`](Self::form_params).
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The parameters for the form-encoded body (empty unless the request had some).
    pub fn form_params(&self) -> &[(String, String)] {
        &self.form_params
    }

    /// [`params`](Self::params) as an RFC 3986 encoded `name=value&...` string, ready to
    /// append after `?` (the signature's `+`, `/`, `=` become `%2B`, `%2F`, `%3D`).
    pub fn query_string(&self) -> String {
        encode_pairs(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// [`form_params`](Self::form_params) encoded the same way, for an
    /// `application/x-www-form-urlencoded` body (empty when there are none).
    pub fn form_body(&self) -> String {
        encode_pairs(
            self.form_params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }
}

/// Redacts the `SecurityToken` parameter.
impl fmt::Debug for SignedRpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRpc")
            .field("canonical_query", &self.signature.canonical_query)
            .field("string_to_sign", &self.signature.string_to_sign)
            .field("signature", &self.signature.signature)
            .field(
                "params",
                &RedactedPairs {
                    pairs: &self.params,
                    secret: &[SECURITY_TOKEN_PARAM],
                },
            )
            .field(
                "form_params",
                &RedactedPairs {
                    pairs: &self.form_params,
                    secret: &[SECURITY_TOKEN_PARAM],
                },
            )
            .finish()
    }
}
