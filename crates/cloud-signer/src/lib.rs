//! Request signing for Capital Online, Alibaba Cloud and Huawei Cloud APIs.
//!
//! Three algorithms, one module each:
//!
//! | module | algorithm | used by | output |
//! |---|---|---|---|
//! | [`rpc`] | RPC HMAC-SHA1 query signing | Capital Online ([`rpc::RpcFlavor::CapitalOnline`]), Alibaba Cloud signature V2 ([`rpc::RpcFlavor::Aliyun`]) | query parameters |
//! | [`acs3`] | `ACS3-HMAC-SHA256` | Alibaba Cloud signature V3 | headers |
//! | [`huawei`] | `SDK-HMAC-SHA256` | Huawei Cloud (RDS, GaussDB, ...) | headers |
//!
//! # Purity
//!
//! This crate does no I/O, never reads the clock or a random source, and knows no HTTP
//! library: the time (and, where the algorithm has one, the nonce) are inputs, and the result
//! is plain data (parameters or `(name, value)` headers) to add to a request however it is
//! sent. Signing the same inputs twice gives the same output. Nothing in it panics on any
//! input, and there is no error type: every input can be signed.
//!
//! Each stage of an algorithm (canonical query or request, string to sign) is a value whose
//! `Display` is the exact text that is hashed or signed, so when a signature is rejected you
//! can compare stage by stage with what the provider's SDK or error message shows.
//!
//! Each module also offers a `compute_signature` that recomputes a signature from the parts
//! of a *received* request (for a server or test sandbox that verifies signatures), with a
//! constant-time `matches`.
//!
//! # Example
//!
//! ```
//! use cloud_signer::Credentials;
//! use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
//! use time::macros::datetime;
//!
//! let credentials = Credentials::new("testid", "testsecret");
//! let request = RpcRequest::new("GET")
//!     .with_param("Action", "DescribeDedicatedHosts")
//!     .with_param("Version", "2014-05-26")
//!     .with_param("Format", "JSON")
//!     .with_param("RegionId", "cn-beijing");
//! let signed = rpc::sign(
//!     RpcFlavor::Aliyun,
//!     &request,
//!     &credentials,
//!     datetime!(2023-03-13 08:34:30 UTC),
//!     "edb2b34af0af9a6d14deaf7c1a5315eb",
//! );
//! assert_eq!(signed.signature(), "9NaGiOspFP5UPcwX8Iwt2YJXXuk=");
//! let url = format!("https://ecs.aliyuncs.com/?{}", signed.query_string());
//! # let _ = url;
//! ```
//!
//! See [`acs3`] and [`huawei`] for their examples; each uses a published vector.
//!
//! # Crate organization
//!
//! * [`credentials`]: [`Credentials`] (access key id, secret, optional security token);
//!   `Debug` and `Display` redact the secret and the token.
//! * [`encoding`]: [`encoding::percent_encode`], the RFC 3986 encoding all three use.
//! * [`rpc`]: [`rpc::RpcRequest`] → [`rpc::sign`] → [`rpc::SignedRpc`];
//!   [`rpc::compute_signature`] for verification.
//! * [`acs3`]: [`acs3::Acs3Request`] → [`acs3::sign`] → [`acs3::SignedAcs3`];
//!   [`acs3::compute_signature`] and [`acs3::parse_authorization`] for verification.
//! * [`huawei`]: [`huawei::HuaweiRequest`] → [`huawei::sign`] → [`huawei::SignedHuawei`];
//!   [`huawei::compute_signature`] and [`huawei::parse_authorization`] for verification.
//!
//! Request values use builder-lite `with_*` setters; outputs are `#[non_exhaustive]`.
//!
//! # Secrets
//!
//! The secret never appears in any `Debug` or `Display` output. A security token is part of
//! what is sent and signed: `Debug` of the request and output types redacts it, and a stage's
//! `Debug` prints `** redacted **` when its text contains it; a stage's `Display` (the exact
//! signed text) does show it, so do not log that in production.
//!
//! # Test vectors
//!
//! Every algorithm is checked stage by stage against the providers' published vectors and
//! against vectors produced by the official Python SDKs on hostile inputs; see
//! `test-vectors/README.md` in the crate's repository.

mod common;
mod crypto;
mod timefmt;

pub mod acs3;
pub mod credentials;
pub mod encoding;
#[doc(hidden)]
pub mod fuzzing;
pub mod huawei;
pub mod rpc;

pub use credentials::Credentials;

/// The README's examples run as doctests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
